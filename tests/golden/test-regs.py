"""The system call as the CPU saw it (issue 18, item 2): kstep names a
syscall step's registers by the recording machine's ABI (plugins/abi.tbl).
On every x86_64 socket() recording under fixtures/, the entry registers are
trace-cmd report -R's sys_enter_socket (__syscall_nr, then the fields in
the format's order) and the return register its sys_exit_socket ret. The
register order is the kernel's own: the "Registers on entry" comment of
arch/x86/entry/entry_64.S and do_syscall_x64's `regs->ax =` in
arch/x86/entry/common.c of the Debian 6.1 source package (tests/lib/kernelsrc.py)."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "golden"))
import kernelsrc  # noqa: E402
import kstepjson  # noqa: E402
import oracle  # noqa: E402
from tap import Tap, env  # noqa: E402

FIX = env("FIXTURES")
SRC = os.path.dirname(os.path.abspath(FIX))
t = Tap()

# The kernel's word on the ABI.
try:
    src = kernelsrc.tree()
except (RuntimeError, OSError) as e:
    t.ok(False, "the Debian 6.1 kernel source is available", e)
    t.done()
entry = open(os.path.join(src, "arch/x86/entry/entry_64.S")).read()
block = entry[entry.index("Registers on entry:"):].split("*\n", 1)[0]
regs = dict((m.group(2), m.group(1)) for m in re.finditer(r"\* (r\w+)\s+(system call number|arg\d)", block))
k_nr = regs.get("system call number")
k_args = [regs["arg%d" % i] for i in range(6) if "arg%d" % i in regs]
common = open(os.path.join(src, "arch/x86/entry/common.c")).read()
body = common[common.index("do_syscall_x64("):]
body = body[:body.index("\n}\n")]
k_ret = "r" + re.search(r"regs->(\w+) = x64_sys_call", body).group(1)
t.eq((k_nr, len(k_args)), ("rax", 6), "entry_64.S names the number's register and six arguments'")

tbl = [l.split() for l in open(os.path.join(SRC, "plugins", "abi.tbl")) if l.startswith("x86_64 ")]
t.eq(tbl and (tbl[0][1], tbl[0][2].split(","), tbl[0][3]), (k_nr, k_args, k_ret),
     "plugins/abi.tbl's x86_64 row is the kernel's: %s, %s, return %s" % (k_nr, ",".join(k_args), k_ret))


def fields(rec):
    """sys_enter's fields in the order trace-cmd prints them (the format's)."""
    return [(m.group(1), m.group(2)) for m in re.finditer(r"(\w+)=(\S+)", rec.rest)]


for f, path, out in kstepjson.socket_logs(FIX):
    log = kstepjson.Log(json.loads(out))
    uname = log.doc["file"]["uname"] or ""
    recs = oracle.records(path)
    enter = [r for r in recs if r.event == "sys_enter_socket"]
    leave = [r for r in recs if r.event == "sys_exit_socket"]
    calls = [s for s in log.all_steps if s["kind"] == "syscall" and s["name"] == "socket"]
    rets = [s for s in log.all_steps if s["kind"] == "return" and s["name"] == "socket"]
    if not uname.endswith(" x86_64") or not enter or not calls:
        continue
    fl = fields(enter[0])
    want = " ".join(["%s=%d" % (k_nr, oracle.num(fl[0][1]))] +
                    ["%s=%s" % (reg, v) for reg, (_, v) in zip(k_args, fl[1:])])
    t.eq(fl[0][0], "__syscall_nr", "%s: sys_enter_socket starts with the number" % f)
    got = calls[0].get("regs", "")
    t.eq(re.sub(r"=0x([0-9a-f]+)", lambda m: "=%d" % int(m.group(1), 16), got),
         re.sub(r"=0x([0-9a-f]+)", lambda m: "=%d" % int(m.group(1), 16), want),
         "%s: socket() entry %s, as sys_enter_socket" % (f, got))
    if leave and (rets or calls[0]["ret"]):
        r = rets[0] if rets else calls[0]
        v = oracle.num(leave[0].f["ret"])
        t.eq(r.get("regs"), "%s=%d" % (k_ret, v - (1 << 64) if v >= 1 << 63 else v),
             "%s: socket() returns %s=%s, as sys_exit_socket" % (f, k_ret, leave[0].f["ret"]))
    rc, out, _ = kstepjson.run("steps", "--no-dwarf", "--syscall", "socket", "--format", "proof", path)
    t.ok(re.search(r" regs\(%s\)( via\(.*\))? \[" % re.escape(got), out), "%s: proof shows regs(%s)" % (f, got))
t.done()
