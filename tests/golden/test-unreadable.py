"""A probe field fetched through a NULL base is "unreadable", never a number
(fixtures/vm6.1-nullfetch.kstep.dat: tests/vm/nullfetch.plan fetches
first_word=+0(%dx) at sock_alloc_file, whose dname %dx is NULL on the
socket() path). The oracle: trace-cmd report -R prints dname=0x0 for the
same record, and the plan file says first_word is read through %dx, which
dname fetches."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "golden"))
import kstepjson  # noqa: E402
import oracle  # noqa: E402
from tap import Tap, env  # noqa: E402

FIX = env("FIXTURES")
DAT = os.path.join(FIX, "vm6.1-nullfetch.kstep.dat")
t = Tap()

plan = open(os.path.join(env("TESTS_DIR"), "vm", "nullfetch.plan")).read()
m = re.search(r"^kprobe sock_alloc_file .*\bdname=(%\w+):\S+ .*\bfirst_word=\+0\((%\w+)\)", plan, re.M)
t.ok(m and m.group(1) == m.group(2), "the plan reads first_word through the register dname fetches")
recs = [r for r in oracle.records(DAT) if r.event == "sock_alloc_file"]
t.eq([int(r.f["dname"], 16) for r in recs], [0], "trace-cmd report: one sock_alloc_file, dname=0x0")

doc = json.loads(kstepjson.run("steps", "--format", "json", DAT)[1])
args = [a for s in doc["steps"] if s["name"] == "sock_alloc_file" for a in s["args"]]
word = [a for a in args if a["name"] == "first_word"]
t.eq([a["raw"] for a in word], ["unreadable"], "JSON: first_word is unreadable")
t.ok(word and "u64" not in word[0], "JSON: an unreadable value has no number", word)
t.eq([a["raw"] for a in args if a["name"] == "dname"], ["0x0"], "JSON: dname itself is 0x0, readable")
text = kstepjson.run("steps", DAT)[1]
t.ok("first_word=unreadable" in text, "text: first_word=unreadable", text)
rec = kstepjson.run("steps", "--format", "records", DAT)[1]
t.ok("first_word=unreadable" in rec or "first_word%3Dunreadable" in rec, "records: first_word unreadable", rec)
foot = doc["footer"]["underived"]
t.ok(not any("first_word" in n["text"] for n in foot), "an unreadable value is not underived", foot)
t.done()
