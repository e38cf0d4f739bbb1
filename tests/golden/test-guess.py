"""Pass 1 may stop early and guess the task (text steps and tree): a guess,
right or wrong, must change nothing in what kstep prints.

KSTEP_TEST_GUESS_AFTER=1 makes pass 1 guess after one record wherever it may;
KSTEP_TEST_GUESS_PID=1 makes it guess task 1 at once, so that the first
syscall entry overturns the guess and the run starts over. Either way each
output must equal the one of a run that read the whole file first
(KSTEP_TEST_FULL_PASS1=1, as before the early stop). The task finally chosen
is the one of the first sys_enter that trace-cmd report -R shows (the oracle).

In the fixtures the first syscall entry is the first record, so no guess is
overturned after a view has made something. The test makes such a file: a
copy of vm61-inet-stream-fg.dat (v6) whose sys_enter_socket and
sys_exit_socket formats trade their ids, so that the first syscall entry is
the call's exit record, after all of its function_graph records.
"""
import glob
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "golden"))
import oracle  # noqa: E402
from tap import Tap, env, tmpdir  # noqa: E402

KSTEP = env("KSTEP")
FULL = {"KSTEP_TEST_FULL_PASS1": "1"}
VIEWS = [["steps"], ["steps", "--all"], ["tree"], ["tree", "--all"], ["tree", "--format", "dot"]]


def run(path, view, extra_env=None, verbose=False):
    e = dict(os.environ)
    for k in ("KSTEP_TEST_GUESS_AFTER", "KSTEP_TEST_GUESS_PID", "KSTEP_TEST_FULL_PASS1"):
        e.pop(k, None)
    e.update(extra_env or {})
    args = [KSTEP] + (["-vv"] if verbose else []) + view + [path]
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


t = Tap()
fixtures = sorted(glob.glob(os.path.join(env("FIXTURES"), "*.dat")))
t.ok(len(fixtures) >= 5, "the fixtures are there", fixtures)
overturned = 0
for path in fixtures:
    name = os.path.basename(path)
    for view in VIEWS:
        want = run(path, view, FULL)
        got = run(path, view)
        t.ok(got[:2] == want[:2], "%s: %s stopping pass 1 early prints the same" % (name, " ".join(view)),
             got[2][-400:] if got[0] else None)
        got = run(path, view, {"KSTEP_TEST_GUESS_AFTER": "1"})
        t.ok(got[:2] == want[:2], "%s: %s guessing after one record prints the same" % (name, " ".join(view)),
             got[2][-400:] if got[0] else None)
    rc, _, err = run(path, ["steps"], {"KSTEP_TEST_GUESS_PID": "1"}, verbose=True)
    if "is a guess" not in err:
        continue
    # only a file whose task is the first syscall entry's can overturn a guess
    recs = oracle.records(path)
    first = next((r for r in recs if r.event.startswith("sys_enter") and r.pid > 0), None)
    if not first:
        continue
    m = re.search(r"first syscall entry \(task (\d+)\) settles the guess \(task 1\): the run starts again", err)
    t.ok(m is not None, "%s: the first syscall entry overturns a wrong guess" % name, err[-600:])
    t.eq(int(m.group(1)) if m else None, first.pid, "%s: ... and names the task trace-cmd shows first at "
         "a sys_enter" % name)
    overturned += 1
    for view in VIEWS:
        want = run(path, view, FULL)
        got = run(path, view, {"KSTEP_TEST_GUESS_PID": "1"})
        t.ok(got[:2] == want[:2], "%s: %s after a wrong guess prints the same" % (name, " ".join(view)),
             got[2][-400:] if got[0] else None)
t.ok(overturned >= 2, "at least two fixtures overturn a wrong guess (%d)" % overturned)

# A guess overturned after the views made rows, a graph and a tree.
tmp = tmpdir("kstep-guess-")
try:
    late = os.path.join(tmp, "late-enter.dat")
    p = subprocess.run([KSTEP, "convert", "--file-version", "6", os.path.join(env("FIXTURES"), "vm61-inet-stream-fg.dat"),
                        "-o", late], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    t.ok(p.returncode == 0, "the fixture converts to v6", p.stderr)
    b = bytearray(open(late, "rb").read())
    ids = {}
    for ev in (b"sys_enter_socket", b"sys_exit_socket"):
        m = re.search(b"name: " + ev + b"\nID: (\\d+)\n", b)
        ids[ev] = m
    a, z = ids[b"sys_enter_socket"], ids[b"sys_exit_socket"]
    t.ok(a and z and len(a.group(1)) == len(z.group(1)), "both formats are there, with ids of one length")
    if a and z and len(a.group(1)) == len(z.group(1)):
        b[a.start(1):a.end(1)], b[z.start(1):z.end(1)] = z.group(1), a.group(1)
        open(late, "wb").write(bytes(b))
        recs = oracle.records(late)
        first = next(i for i, r in enumerate(recs) if r.event.startswith("sys_enter"))
        before = [r for r in recs[:first] if r.event.startswith("funcgraph")]
        t.ok(len(before) > 100, "trace-cmd report -R: %d function_graph records come before the first sys_enter"
             % len(before))
        for view in VIEWS:
            want = run(late, view, FULL)
            got = run(late, view, {"KSTEP_TEST_GUESS_AFTER": "1"}, verbose=True)
            t.ok("settles the guess" in got[2] and "the run starts again" in got[2],
                 "late-enter: %s: the first syscall entry settles the guess, and the run starts again"
                 % " ".join(view), got[2][-600:])
            t.ok(want[0] == 0 and got[:2] == want[:2], "late-enter: %s after the new start prints the same"
                 % " ".join(view), got[2][-400:])
            t.ok(recs[first].pid and ("(pid %d)" % recs[first].pid).encode() in got[1][:400],
                 "late-enter: %s: the task is the first sys_enter's (pid %d)" % (" ".join(view), recs[first].pid))
finally:
    shutil.rmtree(tmp)
t.done()
