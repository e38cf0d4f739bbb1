"""Integers derived along the data flow (issue 12) on a real failure:
fixtures/vm6.1-emfile.kstep.dat (Debian 6.1 guest, RLIMIT_NOFILE 3, then
socket()). Each -24 cites the callee that returned it first: __sys_socket's
cites get_unused_fd_flags', the system call's cites __sys_socket's, and
libc's -1 carries errno 24 EMFILE citing the system call. Values from
trace-cmd report of the file and the program's own output (fixtures/*.txt)."""
import errno
import os
import sys

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "golden"))
import kstepjson  # noqa: E402
import oracle  # noqa: E402
from tap import Tap, env  # noqa: E402

FIX = env("FIXTURES")
path = os.path.join(FIX, "vm6.1-emfile.kstep.dat")
t = Tap()
t.ok("= -1 errno %d" % errno.EMFILE in open(os.path.join(FIX, "vm6.1-emfile.txt")).read(),
     "the program said socket() = -1 errno EMFILE")
recs = oracle.records(path)


def ret(event):
    r = oracle.first(recs, event)
    v = oracle.num(r.f["ret"]) if "ret" in r.f else oracle.num(r.rest.split()[-1])
    return v - (1 << 64) if v >= 1 << 63 else v


log = kstepjson.steps(path, "--no-dwarf")
gu, ss, sc, lc = (log.one("get_unused_fd_flags"), log.one("__sys_socket"), log.one("socket", "syscall"),
                  log.one("libc_socket"))
at = lambda s: s.get("return_n", s["n"])  # noqa: E731
t.eq(int(gu["ret"]["raw"]), ret("get_unused_fd_flags_ret"), "get_unused_fd_flags returns trace-cmd's -24")
t.eq(gu["ret"]["derivation"]["kind"], "none", "... the first to return it: it cites nothing")
t.eq(int(ss["ret"]["raw"]), ret("__sys_socket_ret"), "__sys_socket returns trace-cmd's -24")
t.eq(ss["ret"]["derivation"], {"kind": "step", "step": at(gu), "producer": "get_unused_fd_flags"},
     "... citing get_unused_fd_flags' return")
t.eq(int(sc["ret"]["raw"]), -errno.EMFILE, "the system call returns -EMFILE")
t.eq(sc["ret"]["derivation"], {"kind": "step", "step": at(ss), "producer": "__sys_socket"},
     "... citing __sys_socket's return")
t.eq(sc["errno"], "EMFILE", "... named EMFILE")
t.eq(int(lc["ret"]["raw"]), ret("libc_socket_ret"), "libc's socket returns trace-cmd's -1")
t.eq(lc["ret"]["decoded"], "errno %d EMFILE" % errno.EMFILE, "... errno 24 EMFILE")
t.eq(lc["ret"]["derivation"]["step"], at(sc), "... citing the system call's return")
t.eq(lc["errno"], None, "libc's -1 is not an errno of its own")
t.done()
