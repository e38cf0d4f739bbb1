"""Constants cited to their definitions (issue 18, item 4): the DEFINITIONS
of a step log name the line of the recording machine's headers that defines
each constant the log decoded, and the line each name it stands for is
defined on (AF_INET -> PF_INET -> 2). The recorder stored them with each
file's SHA-256 (option 0x4b0f), so another machine prints the same.

Checked on every fixture that has them, against sources that are not kstep:
- each link's file, when this machine has the same file (hashlib's SHA-256
  equals the recorded one): its line holds `#define NAME VALUE`, or `NAME`
  as an enumerator with that value;
- the value each chain ends in: Python's socket, errno and os modules
  (built on the C library's headers), and the system call number
  trace-cmd report -R's sys_enter_socket gives (__syscall_nr);
- the JSON's items and the text's DEFINITIONS lines say the same;
- a file recorded before the option says "not recorded"."""
import errno
import hashlib
import json
import os
import re
import socket
import sys

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "golden"))
import kstepjson  # noqa: E402
import oracle  # noqa: E402
from tap import Tap, env  # noqa: E402

FIX = env("FIXTURES")
t = Tap()


def python_value(name):
    for mod in (socket, errno, os):
        if hasattr(mod, name):
            return getattr(mod, name)
    return None


def check_link(fixture, link):
    """The line of the header, when this machine has the very file."""
    path = link["path"]
    if not os.path.exists(path):
        return "not on this machine"
    digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
    if digest != link["sha256"]:
        return "another version here (sha256 %s, recorded %s)" % (digest[:12], (link["sha256"] or "")[:12])
    lines = open(path, encoding="utf-8", errors="replace").read().splitlines()
    text = lines[link["line"] - 1] if 0 < link["line"] <= len(lines) else ""
    name = re.escape(link["name"])
    if link["kind"] == "define":
        ok = re.match(r"\s*#\s*define\s+%s\s+(.*)$" % name, text)
        ok = ok and re.sub(r"/\*.*?\*/|//.*", "", ok.group(1)).split() == link["value"].split()
    else:
        ok = re.match(r"\s*%s\s*(=\s*([^,/]+?))?\s*(,|$|/)" % name, text)
        ok = ok and (ok.group(2) is None or ok.group(2).strip() == link["value"])
    t.ok(ok, "%s: %s:%d defines %s as %s" % (fixture, path, link["line"], link["name"], link["value"]),
         "the line is %r" % text)
    return None


seen = 0
for f, path, out in kstepjson.socket_logs(FIX):
    defs = json.loads(out)["definitions"]
    _, text, _ = kstepjson.run("steps", "--no-dwarf", "--syscall", "socket", path)
    section = text.split("DEFINITIONS (the recording machine's headers)\n", 1)[1].split("\n\n", 1)[0]
    if defs["not_recorded"]:
        t.eq(section, "  not recorded: " + defs["not_recorded"], "%s: the text says why there are none" % f)
        continue
    seen += 1
    t.eq(section.splitlines(), ["  • " + d["text"] for d in defs["items"]],
         "%s: the text's DEFINITIONS are the JSON's items" % f)
    names = [d["name"] for d in defs["items"]]
    t.ok({"AF_INET", "__NR_socket"} <= set(names) or {"AF_INET6", "__NR_socket"} <= set(names),
         "%s: the family and the syscall number are cited (%s)" % (f, ", ".join(names)))
    enter = oracle.first(oracle.records(path), "sys_enter_socket")
    skipped = {}
    for d in defs["items"]:
        want = int(enter.f["__syscall_nr"]) if d["name"] == "__NR_socket" else python_value(d["name"])
        value = int(d["value"], 0) if re.fullmatch(r"-?(0x[0-9a-fA-F]+|\d+)", d["value"]) else None
        t.eq((value, d["differs"]), (want, False),
             "%s: %s = %s (%s)" % (f, d["name"], d["value"],
                                   "sys_enter_socket" if d["name"] == "__NR_socket" else "Python"))
        t.eq(d["links"][0]["name"], d["name"], "%s: %s's chain starts at its own line" % (f, d["name"]))
        for a, b in zip(d["links"], d["links"][1:]):
            t.eq(b["name"], a["value"], "%s: %s stands for %s" % (f, a["name"], b["name"]))
        for link in d["links"]:
            why = check_link(f, link)
            if why:
                skipped[link["path"]] = why
    for p, why in sorted(skipped.items()):
        t.skip("%s: %s" % (f, p), why)
t.ok(seen >= 7, "the proof recordings (6 guests, 1 host) have definitions (%d files)" % seen)
t.done()
