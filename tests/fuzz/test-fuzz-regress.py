"""Fuzz regressions: every defect the fuzz targets found is an input under
tests/fuzz/regress/ with its expectations in NAME.expect, one check a line:

    ARGS | EXIT | STDERR-REGEX

run as `kstep ARGS` with {} standing for the input (NAME.dat or NAME.plan):
the exit status and a regular expression that stderr must match ("^$": no
message). Any build runs them through the real kstep binary; a sanitizer
report or a signal fails the check. The inputs of tests/fuzz/known/ (defects
other changes fix) are not run here: some are memory bombs until then."""
import glob
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
from tap import Tap, env  # noqa: E402

KSTEP = env("KSTEP")
HERE = os.path.join(env("TESTS_DIR"), "fuzz")
t = Tap()


def run(args):
    e = dict(os.environ)
    e.pop("DEBUGINFOD_URLS", None)
    p = subprocess.run([KSTEP] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       errors="replace", timeout=60, env=e)
    return p.returncode, p.stderr


SANITIZER = re.compile(r"ERROR: (Address|Leak|Memory)Sanitizer|runtime error:|SUMMARY: \w+Sanitizer")
expects = sorted(glob.glob(os.path.join(HERE, "regress", "*.expect")))
t.ok(len(expects) > 0, "tests/fuzz/regress holds regression inputs (%d)" % len(expects))
for ex in expects:
    stem = ex[:-len(".expect")]
    inp = next((stem + s for s in (".dat", ".plan", ".claims") if os.path.exists(stem + s)), None)
    name = os.path.basename(stem)
    if not t.ok(inp is not None, "%s: the input next to its .expect" % name):
        continue
    with open(ex) as f:
        checks = [l.rstrip("\n") for l in f if l.strip() and not l.startswith("#")]
    for line in checks:
        args, code, rx = (x.strip() for x in line.split("|", 2))
        argv = [inp if a == "{}" else a for a in args.split()]
        rc, err = run(argv)
        diag = "kstep %s\nexit %d\nstderr: %s" % (" ".join(argv), rc, err[-1500:])
        t.ok(rc == int(code) and re.search(rx, err, re.M) and not SANITIZER.search(err),
             "%s: kstep %s exits %s, stderr matches /%s/" % (name, args, code, rx), diag)

t.done()
