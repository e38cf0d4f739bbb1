"""Pass 1 may stop early and guess the task (text steps and tree): a guess,
right or wrong, must change nothing in what kstep prints.

KSTEP_TEST_GUESS_AFTER=1 makes pass 1 guess after one record wherever it may;
KSTEP_TEST_GUESS_PID=1 makes it guess task 1 at once, so that the first
syscall entry overturns the guess and the run starts over. Either way each
output must equal the one of a run that read the whole file first. The task
finally chosen is the one of the first sys_enter that trace-cmd report -R
shows (the oracle).
"""
import glob
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "golden"))
import oracle  # noqa: E402
from tap import Tap, env  # noqa: E402

KSTEP = env("KSTEP")
VIEWS = [["steps"], ["steps", "--all"], ["tree"], ["tree", "--all"], ["tree", "--format", "dot"]]


def run(path, view, extra_env=None, verbose=False):
    e = dict(os.environ)
    e.pop("KSTEP_TEST_GUESS_AFTER", None)
    e.pop("KSTEP_TEST_GUESS_PID", None)
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
        want = run(path, view)
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
        want = run(path, view)
        got = run(path, view, {"KSTEP_TEST_GUESS_PID": "1"})
        t.ok(got[:2] == want[:2], "%s: %s after a wrong guess prints the same" % (name, " ".join(view)),
             got[2][-400:] if got[0] else None)
t.ok(overturned >= 2, "at least two fixtures overturn a wrong guess (%d)" % overturned)
t.done()
