"""A return-only probe is not missing data (issue 12): a recording made here
with only a uretprobe on libc's socket(). The file's probe list says no entry
probe was asked for, so the footer lists no missing data and the status is
PASS; KNOWN GAPS says what such a probe cannot show. trace-cmd report shows
the one return record and no entry record."""
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "golden"))
import kstepjson  # noqa: E402
import live  # noqa: E402
import oracle  # noqa: E402
from tap import Tap, tmpdir  # noqa: E402

t = Tap()
why = live.why_not()
if why:
    t.skip("live recording", why)
    t.done()
live.lock()
tmp = tmpdir("kstep-retonly-")
try:
    out = os.path.join(tmp, "ret.dat")
    live.record(out, "-q", "--uretprobe", "libc:socket", "--", live.prog("socket_inet"))
    evs = [r.event for r in oracle.records(out)]
    t.ok(len(evs) == 1 and evs[0].endswith("_ret"), "trace-cmd: one return record, no entry", evs)
    log = kstepjson.steps(out)
    f = log.doc["footer"]
    t.eq(f["missing"], [], "no missing data: the entry was never asked for")
    t.eq(f["status"], "PASS", "status PASS")
    t.ok(any("return probe only" in g["text"] for g in f["gaps"]), "KNOWN GAPS says return probe only",
         f["gaps"])
finally:
    shutil.rmtree(tmp, ignore_errors=True)
t.done()
