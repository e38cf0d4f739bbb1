"""kstep on real kprobe/function_graph kernels: each Debian kernel of
tests/vm/kernels boots under qemu, runs kstep caps, records the socket plan
with kstep and the same program with trace-cmd, and the host checks the
results with trace-cmd report (the oracle) and kstep steps."""
import json
import os
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "golden"))
import kstepjson  # noqa: E402
import oracle  # noqa: E402
import vmhost  # noqa: E402
from tap import Tap  # noqa: E402

SUITE_TIMEOUT = int(os.environ.get("KSTEP_VM_TIMEOUT", "900"))
t = Tap()


def why_not():
    if os.environ.get("KSTEP_NO_VM") == "1":
        return "--no-vm"
    if os.environ.get("KSTEP_SANITIZED") == "1":
        return "runs once, in the plain build"
    if not shutil.which("qemu-system-x86_64"):
        return "no qemu-system-x86_64"
    return None


def guest_files():
    progs = os.environ.get("TEST_PROGS", "tests/progs")
    return {"/usr/bin/kstep": os.environ.get("KSTEP", "kstep"),
            "/usr/bin/trace-cmd": shutil.which("trace-cmd"),
            "/usr/bin/socket_inet": os.path.join(progs, "socket_inet")}


def check_caps(label, out):
    try:
        caps = json.load(open(os.path.join(out, "caps.json")))["caps"]
    except (OSError, ValueError, KeyError) as e:
        t.ok(False, "%s: kstep caps --json in the guest" % label, e)
        return
    for name in ("kprobes", "kretprobes", "function_graph", "ftrace_filter", "uprobes", "btf"):
        t.ok(caps[name]["ok"], "%s: kstep caps: %s usable" % (label, name), caps[name]["why"])
    if label != "6.1":
        for name in ("fprobes", "btf_args"):
            t.ok(caps[name]["ok"], "%s: kstep caps: %s usable" % (label, name), caps[name]["why"])
    t.comment(open(os.path.join(out, "caps.txt")).read())


def check_hygiene(label, out):
    rec = open(os.path.join(out, "socket.kstep.out")).read()
    t.ok("kstep record exit 0" in rec, "%s: kstep record --plan socket succeeds in the guest" % label, rec)
    left = [open(os.path.join(out, f)).read().strip() for f in ("after-instances", "after-probes")]
    t.eq(left, ["", ""], "%s: no instance or probe left in the guest's tracefs" % label)
    t.eq(open(os.path.join(out, "after-tracer")).read().strip(), "nop", "%s: current_tracer is nop" % label)


def val(log, step, name):
    a = log.arg(step, name)
    return int(a["raw"], 0) if a else None


def check_steps(label, path):
    log = kstepjson.steps(path, "--syscall", "socket")
    recs = oracle.records(path)
    sc = log.one("socket", "syscall")
    t.eq(int(sc["ret"]["raw"]), 3, "%s: socket() returns fd 3" % label)
    t.eq(int(sc["ret"]["raw"]), oracle.num(oracle.first(recs, "sys_exit_socket").f["ret"]),
         "%s: ...as trace-cmd reads it" % label)
    sys_socket = log.one("__sys_socket")
    kids = [c["name"] for c in log.children(sys_socket) if c["kind"] == "call"]
    t.eq(kids, ["__sock_create", "get_unused_fd_flags", "sock_alloc_file", "fd_install"],
         "%s: the children of __sys_socket in order" % label)
    t.ok({"fgraph", "kprobe"} <= set(sys_socket["sources"]), "%s: function_graph and kprobes merged"
         % label, sys_socket["sources"])
    fd = log.one("fd_install")
    t.eq(val(log, fd, "fd"), 3, "%s: fd_install's fd is the syscall's return" % label)
    alloc, sk, filep = log.one("sock_alloc"), log.one("sk_alloc"), log.one("sock_alloc_file")
    links = (("file", filep, "the file sock_alloc_file returned"),
             ("file__private_data", alloc, "file.private_data is the socket sock_alloc returned"),
             ("file__private_data__sk", sk, "socket.sk is the sock sk_alloc returned"),
             ("file__private_data__file", filep, "socket.file is the file"),
             ("file__private_data__sk__sk_socket", alloc, "sock.sk_socket is the socket"))
    for name, producer, what in links:
        a = log.arg(fd, name)
        ok = a is not None and int(a["raw"], 0) == int(producer["ret"]["raw"], 0)
        t.ok(ok, "%s: %s" % (label, what), a)
        t.eq(a and a["derivation"], {"kind": "step", "step": producer["n"]},
             "%s: ...citing step #%d" % (label, producer["n"]))
    t.eq(log.doc["footer"]["underived"], [], "%s: nothing underived" % label)


def skeleton(path):
    """Calls under __sys_socket down to depth 2, from trace-cmd's report."""
    recs = oracle.records(path)
    pid = oracle.first(recs, "sys_enter_socket").pid
    root = oracle.fgraph_tree(recs, pid)
    top = oracle.find(root, "__sys_socket")
    out = []
    for c in oracle.task_children(top[0]) if top else []:
        out.append(c.name)
        out.extend(c.name + "/" + g.name for g in oracle.task_children(c))
    return out


def run_kernel(label, package, deadline):
    t.comment("kernel %s: %s" % (label, package))
    try:
        kernel = vmhost.Kernel(label, package)
        jobs = open(os.path.join(HERE, "jobs.sh")).read()
        initrd = vmhost.initramfs(kernel, guest_files(), jobs)
        dest = os.path.join(vmhost.CACHE, "vm-results", label)
        out = vmhost.boot(kernel, initrd, dest, timeout=max(60, int(deadline - time.time())))
        os.unlink(initrd)
    except vmhost.VMError as e:
        t.ok(False, "%s: the guest boots and brings its results back" % label, e)
        return
    t.ok(True, "%s: the guest boots and brings its results back (%s s)" %
         (label, open(os.path.join(dest, "boot-seconds")).read().strip()))
    t.eq(open(os.path.join(out, "uname")).read().strip(), kernel.release, "%s: the guest runs %s" %
         (label, kernel.release))
    check_caps(label, out)
    check_hygiene(label, out)
    kdat = os.path.join(out, "socket.kstep.dat")
    tdat = os.path.join(out, "socket.tracecmd.dat")
    for path, who in ((kdat, "kstep"), (tdat, "trace-cmd")):
        rc, _, err = kstepjson.run("info", path, check=False)
        t.eq(rc, 0, "%s: the %s recording reads" % (label, who))
    try:
        recs = oracle.records(kdat)
        t.ok(len(recs) > 0, "%s: the host's trace-cmd report reads kstep's recording" % label)
        check_steps(label, kdat)
        t.eq(skeleton(kdat), skeleton(tdat),
             "%s: kstep's and trace-cmd's recordings list the same calls under __sys_socket" % label)
    except Exception as e:  # the oracle itself failing is a failed check, not a crash
        t.ok(False, "%s: checking the recordings" % label, e)


why = why_not()
if why:
    t.skip("real-kernel test hosts", why)
    t.done()
start = time.time()
deadline = start + SUITE_TIMEOUT
for label, package in vmhost.kernels():
    run_kernel(label, package, deadline)
elapsed = time.time() - start
t.comment("VM suite: %.0f s for %d kernels" % (elapsed, len(vmhost.kernels())))
t.ok(elapsed < SUITE_TIMEOUT, "the VM suite ends within its %d s limit (%.0f s)" % (SUITE_TIMEOUT, elapsed))
t.done()
