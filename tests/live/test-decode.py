"""Constants are decoded by argument name through plugins/ tables: a
recording made here of `prlimit --nofile=3:3 true` shows each prlimit64
resource with its RLIMIT_ name, and the openat that the limit makes fail
with EMFILE. Values come from trace-cmd report -R; names from the C
library's own constants (Python's resource and errno modules)."""
import errno
import json
import os
import resource
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
if not shutil.which("prlimit"):
    t.skip("prlimit(1)", "util-linux's prlimit is not installed")
    t.done()


def signed(v):
    return v - (1 << 64) if v >= 1 << 63 else v


live.lock()
tmp = tmpdir("kstep-decode-")
try:
    out = os.path.join(tmp, "prlimit.dat")
    live.record(out, "-q", "--syscall", "prlimit64", "--syscall", "openat", "--",
                shutil.which("prlimit"), "--nofile=3:3", "true", check=False)
    # every name the C library has for a value (RLIMIT_OFILE is BSD's alias of RLIMIT_NOFILE)
    names = {}
    for n in dir(resource):
        if n.startswith("RLIMIT_"):
            names.setdefault(getattr(resource, n), set()).add(n)
    want = [names.get(oracle.num(r.f["resource"]), set()) for r in oracle.records(out)
            if r.event == "sys_enter_prlimit64"]
    t.ok(any("RLIMIT_NOFILE" in w for w in want), "trace-cmd sees prlimit64 set RLIMIT_NOFILE", want)
    d = json.loads(kstepjson.run("steps", "--format", "json", "--all", out)[1])
    got = [a["decoded"] for s in d["steps"] if s["name"] == "prlimit64" for a in s["args"]
           if a["name"] == "resource"]
    t.ok(len(got) == len(want) and all(g in w for g, w in zip(got, want)),
         "every prlimit64 resource is decoded to its RLIMIT_ name", (got, want))
    emfile = [s for s in d["steps"] if s["name"] == "openat" and s.get("ret")
              and s["ret"]["decoded"] == "EMFILE"]
    exits = [r for r in oracle.records(out) if r.event == "sys_exit_openat"
             and signed(oracle.num(r.f["ret"])) == -errno.EMFILE]
    t.ok(len(exits) >= 1 and len(emfile) == len(exits),
         "openat fails with EMFILE under the limit, as trace-cmd shows (%d)" % len(exits),
         [s["ret"] for s in d["steps"] if s["name"] == "openat"])
    text = kstepjson.run("steps", "--all", out)[1]
    t.ok("resource=0x7 RLIMIT_NOFILE" in text, "the text log shows resource=0x7 RLIMIT_NOFILE")
finally:
    shutil.rmtree(tmp, ignore_errors=True)
t.done()
