"""Fuzz smoke run: in a fuzzing build (configure CC=clang --enable-fuzzing),
each libFuzzer target runs FUZZ_SMOKE_SECONDS (default 25) on a fresh corpus
seeded from the fixtures, the built-in plans and the regression inputs;
no crash, sanitizer report, leak, run over 10 s or over 2 GiB outside the
known defects (tests/fuzz/known). Other builds skip it; `make fuzz` runs long."""
import os
import subprocess
import sys

if os.environ.get("KSTEP_FUZZING") != "1":
    print("1..0 # SKIP not a fuzzing build (configure CC=clang --enable-fuzzing)")
    sys.exit(0)
tests = os.environ["TESTS_DIR"]
build = os.path.dirname(os.path.dirname(os.environ["FUZZ_BUILD"]))
secs = os.environ.get("FUZZ_SMOKE_SECONDS", "25")
r = subprocess.run([sys.executable, os.path.join(tests, "fuzz", "run-fuzz.py"), "--build", build,
                    "--src", os.path.dirname(tests), "--seconds", secs, "--jobs", "1", "--smoke", "--tap",
                    "dat", "plan", "claims"])
sys.exit(r.returncode)
