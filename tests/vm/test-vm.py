"""kstep on real kprobe/function_graph kernels: each Debian kernel of
tests/vm/kernels boots under qemu, runs kstep caps, records the socket plan
with kstep and the same program with trace-cmd, and the host checks the
results with trace-cmd report (the oracle) and kstep steps."""
import json
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "golden"))
import kstepjson  # noqa: E402
import oracle  # noqa: E402
import socketcheck  # noqa: E402
import vmhost  # noqa: E402
from tap import Tap  # noqa: E402

SUITE_TIMEOUT = int(os.environ.get("KSTEP_VM_TIMEOUT", "900"))
t = Tap()


def why_not():
    if os.environ.get("KSTEP_NO_VM") == "1":
        return "--no-vm"
    if os.environ.get("KSTEP_SANITIZED") == "1" or os.environ.get("KSTEP_VM_ONCE") == "1":
        return "runs once per ./run-tests, in the gcc build"
    if not shutil.which("qemu-system-x86_64"):
        return "no qemu-system-x86_64"
    return None


def guest_files():
    progs = os.environ.get("TEST_PROGS", "tests/progs")
    return {"/usr/bin/kstep": os.environ.get("KSTEP", "kstep"),
            "/usr/bin/trace-cmd": shutil.which("trace-cmd"),
            "/usr/bin/socket_inet": os.path.join(progs, "socket_inet"),
            "/fprobe.plan": os.path.join(HERE, "fprobe.plan")}


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


def check_fprobe(label, out):
    """fprobe events with BTF-named args (tests/vm/fprobe.plan) where the kernel has them."""
    rec = open(os.path.join(out, "fprobe.kstep.out")).read()
    t.ok("kstep record exit 0" in rec, "%s: kstep record --plan fprobe.plan succeeds" % label, rec)
    path = os.path.join(out, "fprobe.kstep.dat")
    log = kstepjson.steps(path, "--syscall", "socket", "--all")
    ep = [st for st in log.doc["steps"] if st["name"].endswith(":e_sys_enter_socket")]
    t.ok(len(ep) == 1 and [(a["name"], int(a["raw"], 0)) for a in ep[0]["args"]] == [("fam", 2), ("typ", 1)],
         "%s: the eprobe on sys_enter_socket reads fam=2 typ=1" % label, ep or rec)
    if label == "6.1":
        t.ok("skipped" in rec and "fprobe" in rec, "6.1: the fprobe items are reported as skipped", rec)
        return
    log = kstepjson.steps(path, "--syscall", "socket")
    s = log.one("__sys_socket")
    t.eq(s["evidence"], "fprobe", "%s: __sys_socket comes from an fprobe" % label)
    t.eq([(a["name"], int(a["raw"], 0)) for a in s["args"]], [("family", 2), ("type", 1), ("protocol", 0)],
         "%s: its BTF-named arguments family=2 type=1 protocol=0" % label)
    t.eq(int(s["ret"]["raw"], 0), 3, "%s: its fexit return value 3" % label)
    alloc, inet = log.one("sock_alloc"), log.one("inet_create")
    sock = log.arg(inet, "sock")
    t.ok(sock and int(sock["raw"], 0) == int(alloc["ret"]["raw"], 0) and
         sock["derivation"].get("kind") == "step" and
         sock["derivation"].get("step") in (alloc["n"], alloc.get("return_step")),
         "%s: inet_create's sock is sock_alloc's return value and cites it" % label, sock)


def run_kernel(label, package, deadline):
    failed_before = t.failed
    t.comment("kernel %s: %s" % (label, package))
    initrd = None
    try:
        kernel = vmhost.Kernel(label, package)
        jobs = open(os.path.join(HERE, "jobs.sh")).read()
        initrd = vmhost.initramfs(kernel, guest_files(), jobs)
        # one directory per run: two test runs at once must not share a disk image
        os.makedirs(os.path.join(vmhost.CACHE, "vm-results"), exist_ok=True)
        dest = tempfile.mkdtemp(prefix=label + "-", dir=os.path.join(vmhost.CACHE, "vm-results"))
        out = vmhost.boot(kernel, initrd, dest, timeout=max(60, int(deadline - time.time())))
    except vmhost.VMError as e:
        t.ok(False, "%s: the guest boots and brings its results back" % label, e)
        return
    finally:
        if initrd:
            os.unlink(initrd)
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
        socketcheck.check(t, label, kdat, tdat)
        check_fprobe(label, out)
    except Exception as e:  # the oracle itself failing is a failed check, not a crash
        t.ok(False, "%s: checking the recordings" % label, e)
    keep_fixtures(label, kernel, out, kdat, tdat)
    if t.failed == failed_before:
        shutil.rmtree(dest, ignore_errors=True)
    else:
        t.comment("%s: the guest's results are kept in %s" % (label, dest))


def keep_fixtures(label, kernel, out, kdat, tdat):
    """make vm-fixtures: the guest's recordings become fixtures, with how they were made."""
    dest = os.environ.get("KSTEP_VM_FIXTURES")
    if not dest:
        return
    info = kstepjson.info(kdat)
    names = {kdat: "vm%s-socket.kstep.dat" % label, tdat: "vm%s-socket.trace-cmd.dat" % label}
    for src, name in names.items():
        shutil.copyfile(src, os.path.join(dest, name))
    with open(os.path.join(dest, "vm%s-socket.txt" % label), "w") as f:
        f.write("%s and %s: recorded %s in a qemu guest (TCG, 2 vCPUs, tsc=reliable nokaslr)\n"
                "  kernel %s (Debian package %s), build-id %s\n"
                "  kstep: kstep record --plan socket -- socket_inet (plan %s: %d applied, %d skipped)\n"
                "  trace-cmd: see tests/vm/jobs.sh; socket_inet is tests/progs/socket_inet.c\n"
                "  remake: make vm-fixtures\n"
                % (names[kdat], names[tdat], time.strftime("%Y-%m-%d"), kernel.release, kernel.package,
                   info.get("build_id"), info["plan"]["name"], info["plan"]["applied"],
                   info["plan"]["skipped"]))
    t.comment("fixtures kept in %s: %s" % (dest, ", ".join(names.values())))


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
