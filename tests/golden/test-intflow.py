"""Integers along the data flow, on a real recording
(fixtures/vm6.1-intflow.kstep.dat: tests/vm/intflow.plan probes
get_unused_fd_flags and alloc_fd in the Debian 6.1 guest). alloc_fd's end
comes from the task's RLIMIT_NOFILE, which no traced step returned or passed
down: every such value is listed under NEW THINGS INTRODUCED WITHOUT
DERIVATION, while 0 and flag words (hex) are not. And a call seen at its
entry only is a point in time: the socket() view shows the probe hits inside
the call, none from the openat() calls before it. The oracle is trace-cmd
report -R: its alloc_fd records, and that no probe returned the value
earlier inside the same system call (kprobe hits nest in nothing else)."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "golden"))
import kstepjson  # noqa: E402
import oracle  # noqa: E402
from tap import Tap, env  # noqa: E402

DAT = os.path.join(env("FIXTURES"), "vm6.1-intflow.kstep.dat")
t = Tap()


recs = oracle.records(DAT)
allocs = [(i, r) for i, r in enumerate(recs) if r.event == "alloc_fd"]
t.ok(len(allocs) >= 2, "trace-cmd report: alloc_fd ran %d times" % len(allocs))


def returned_before(i):
    """What the probes returned earlier inside the system call around record i
    (the only calls these kprobe hits run inside)."""
    start = max((k for k in range(i) if recs[k].event.startswith("sys_enter_")), default=0)
    return {int(x.f["ret"], 0) for x in recs[start:i] if x.event.endswith("_ret") and "ret" in x.f}


want = []
for i, r in allocs:
    end = int(r.f["end"], 0)
    if end >= 256 and end not in returned_before(i):
        want.append((r.ts, end))
t.ok(want, "oracle: alloc_fd's end (%s) is large and nothing returned it before" % (want[:1],))

doc = json.loads(kstepjson.run("steps", "--format", "json", DAT)[1])
notes = [n["text"] for n in doc["footer"]["underived"]]
got = []
for n in notes:
    m = re.match(r"alloc_fd at (\d+\.\d+): end=(\d+) ", n)
    if m:
        got.append((m.group(1), int(m.group(2))))
t.eq(got, want, "every such end is listed under NEW THINGS INTRODUCED WITHOUT DERIVATION, at its time")
t.ok(not [n for n in notes if re.search(r"\b(start|flags)=", n)], "0 and flag words are not listed", notes)
ends = [a for s in doc["steps"] if s["name"] == "alloc_fd" for a in s["args"] if a["name"] == "end"]
t.ok(ends and all(a["derivation"]["kind"] == "underived" for a in ends), "JSON: each end is underived")
t.eq(doc["footer"]["status"], "FAIL", "REJECTION STATUS: FAIL (values taken on faith)")

# the socket() view: the probe hits inside the call only
enter = next(i for i, r in enumerate(recs) if r.event == "sys_enter_socket")
leave = next(i for i, r in enumerate(recs) if r.event == "sys_exit_socket" and i > enter)
inside = sorted(r.event for r in recs[enter + 1:leave] if not r.event.endswith("_ret"))
view = json.loads(kstepjson.run("steps", "--format", "json", "--syscall", "socket", DAT)[1])
shown = sorted(s["name"] for s in view["steps"] if s["kind"] == "call")
t.eq(shown, inside, "--syscall socket shows the probe hits between sys_enter and sys_exit, no others")
t.eq(view["footer"], doc["footer"], "the footer is the same in the view")
t.done()
