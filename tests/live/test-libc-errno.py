"""libc's -1 (issue 12): a recording made here of socket(45, SOCK_STREAM, 0)
(tests/progs/socket_af45.c). The system call returns -EAFNOSUPPORT, libc's
socket() returns -1 with errno 97: the libc step shows -1 and
'errno 97 EAFNOSUPPORT' citing the system call's step, and nothing says
EPERM. Values from trace-cmd report and the program's own output."""
import errno
import json
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


def signed(v):
    return v - (1 << 64) if v >= 1 << 63 else v


live.lock()
tmp = tmpdir("kstep-af45-")
try:
    out = os.path.join(tmp, "af45.dat")
    p = live.record(out, "--plan", "socket", "--", live.prog("socket_af45"))
    t.ok("= -1 errno %d" % errno.EAFNOSUPPORT in p.stdout,
         "the program says socket() = -1 errno %d" % errno.EAFNOSUPPORT, p.stdout)
    exits = [signed(oracle.num(r.f["ret"])) for r in oracle.records(out) if r.event == "sys_exit_socket"]
    t.eq(exits, [-errno.EAFNOSUPPORT], "trace-cmd: the system call returned -EAFNOSUPPORT")
    log = kstepjson.steps(out)
    libc = log.one("libc_socket")
    sysc = log.one("socket", "syscall")
    t.eq(libc["ret"]["raw"], "-1", "the libc step returns -1")
    t.eq(libc["ret"]["decoded"], "errno %d EAFNOSUPPORT" % errno.EAFNOSUPPORT,
         "... with errno 97 EAFNOSUPPORT")
    t.eq(libc["ret"]["derivation"]["step"], sysc.get("return_n", sysc["n"]),
         "... citing the system call's step")
    t.eq(libc["errno"], None, "the libc step's -1 is not decoded as an errno of its own")
    t.eq(sysc["errno"], "EAFNOSUPPORT", "the system call's return is EAFNOSUPPORT")
    for fmt in ("text", "records", "json"):
        _, o, _ = kstepjson.run("steps", "--format", fmt, out)
        t.ok("EPERM" not in o, "%s: no EPERM anywhere" % fmt)
finally:
    shutil.rmtree(tmp, ignore_errors=True)
t.done()
