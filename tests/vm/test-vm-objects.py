"""kstep objects on real kprobe kernels: each Debian kernel of tests/vm/kernels
boots once under qemu, records the socket plan over AF_INET/STREAM,
AF_INET6/DGRAM and AF_UNIX/STREAM (tests/progs/socket_kinds.c) and a plan
naming a field no BTF has, and hands back its BTF. The host checks the
objects against independent facts (tests/golden/objcheck.py): bpftool's raw
dump of the guest's BTF for the offsets, the kernel headers for the
constants, the program's own output, trace-cmd report for the addresses the
probes returned. With KSTEP_VM_FIXTURES the recordings become fixtures."""
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "golden"))
import kstepjson  # noqa: E402
import objcheck  # noqa: E402
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
    if not shutil.which("bpftool"):
        return "no bpftool (the offsets oracle; apt-get install bpftool)"
    return None


def guest_files():
    progs = os.environ.get("TEST_PROGS", "tests/progs")
    return {"/usr/bin/kstep": os.environ.get("KSTEP", "kstep"),
            "/usr/bin/socket_kinds": os.path.join(progs, "socket_kinds"),
            "/bogus.plan": os.path.join(HERE, "bogus.plan"),
            "/fprobe-objects.plan": os.path.join(HERE, "fprobe-objects.plan")}


def check_bogus(label, out):
    rec = open(os.path.join(out, "bogus.out")).read()
    t.ok("kstep record exit 0" in rec, "%s: a plan naming a missing field still records" % label, rec)
    t.ok("struct socket has no field no_such_field" in rec,
         "%s: the line is skipped with a message naming struct socket and no_such_field" % label, rec)
    t.ok("struct fdtable has no field no_such_slots" in rec,
         "%s: a field line's array read of a missing field is skipped naming struct fdtable and the field"
         % label, rec)
    doc = objcheck.objects_json(os.path.join(out, "bogus.kstep.dat"))
    obs = [o for o in doc["observations"] if o["func"] == "sock_alloc_file"]
    t.eq(sorted({tuple(f["name"] for f in o["fields"]) for o in obs}), [("state", "sk", "file")],
         "%s: the plan's other object line recorded (state, sk, file at sock_alloc_file)" % label)
    t.eq(len(obs), 3, "%s: one read per socket() call" % label)


def check_fprobe(label, out, prog_out):
    """Object reads on fprobe/fexit events (tests/vm/fprobe-objects.plan): 6.12 only."""
    rec = open(os.path.join(out, "fprobe.out")).read()
    t.ok("kstep record exit 0" in rec, "%s: kstep record --plan fprobe-objects.plan succeeds" % label, rec)
    if label == "6.1":
        t.ok("skipped sock_alloc_file" in rec, "6.1: no fprobes: the object reads are skipped and said so", rec)
        return
    doc = objcheck.objects_json(os.path.join(out, "fprobe.kstep.dat"))
    socks = [o for o in doc["observations"] if o["func"] == "sock_alloc"]
    sks = [o for o in doc["observations"] if o["func"] == "sock_alloc_file"]
    calls = objcheck.program_calls(prog_out)
    t.eq([{f["name"]: f["raw"] for f in o["fields"]} for o in socks],
         [{"state": objcheck.constants()["SS_UNCONNECTED"], "sk": 0, "file": 0}] * 3,
         "%s: fexit sock_alloc: each socket SS_UNCONNECTED with NULL sk and file" % label)
    got = [({f["name"]: f["raw"] for f in o["fields"]}) for o in sks]
    t.eq([(g.get("sk_state"), g.get("sk_family"), g.get("sk_type")) for g in got],
         [(objcheck.constants()["TCP_CLOSE"], fam, typ) for fam, typ, _, _ in calls],
         "%s: fprobe sock_alloc_file: each sock TCP_CLOSE with the call's family and type" % label)
    t.eq([g.get("sk_socket") for g in got], [int(o["addr"], 16) for o in socks],
         "%s: each sock's sk_socket is the socket sock_alloc returned" % label)


def run_kernel(label, package, deadline):
    t.comment("kernel %s: %s" % (label, package))
    initrd = None
    try:
        kernel = vmhost.Kernel(label, package)
        jobs = open(os.path.join(HERE, "objects-jobs.sh")).read()
        initrd = vmhost.initramfs(kernel, guest_files(), jobs)
        os.makedirs(os.path.join(vmhost.CACHE, "vm-results"), exist_ok=True)
        dest = tempfile.mkdtemp(prefix="objects-" + label + "-", dir=os.path.join(vmhost.CACHE, "vm-results"))
        out = vmhost.boot(kernel, initrd, dest, timeout=max(60, int(deadline - time.time())))
    except vmhost.VMError as e:
        t.ok(False, "%s: the guest boots and brings its results back" % label, e)
        return
    finally:
        if initrd:
            os.unlink(initrd)
    t.ok(True, "%s: the guest boots and brings its results back" % label)
    failed_before = t.failed
    for name in ("kinds", "bogus", "fprobe"):  # objects-jobs.sh records again after lost events
        for k in (1, 2):
            tried = os.path.join(out, "%s.try%d.out" % (name, k))
            if os.path.exists(tried):
                lost = [x for x in open(tried).read().splitlines() if " lost" in x]
                t.comment("%s: %s: try %d lost events, recorded again: %s" % (label, name, k, " | ".join(lost)))
    offsets = {}
    rec = open(os.path.join(out, "kinds.out")).read()
    t.ok("kstep record exit 0" in rec, "%s: kstep record --plan socket --plan fdtable over three kinds of socket" % label, rec)
    try:
        offsets = objcheck.btf_offsets(os.path.join(out, "vmlinux.btf"))
        objcheck.check(t, label, os.path.join(out, "kinds.kstep.dat"), rec, offsets)
        check_bogus(label, out)
        check_fprobe(label, out, rec)
    except Exception as e:  # an oracle failing is a failed check, not a crash
        t.ok(False, "%s: checking the objects" % label, e)
    keep_fixture(label, kernel, out, offsets)
    if t.failed == failed_before:
        shutil.rmtree(dest, ignore_errors=True)
    else:
        t.comment("%s: the guest's results are kept in %s" % (label, dest))


def keep_fixture(label, kernel, out, offsets):
    """make vm-fixtures: the recording becomes a fixture, with the program's output and the BTF offsets."""
    dest = os.environ.get("KSTEP_VM_FIXTURES")
    if not dest:
        return
    info = kstepjson.info(os.path.join(out, "kinds.kstep.dat"))
    base = os.path.join(dest, "vm%s-kinds" % label)
    shutil.copyfile(os.path.join(out, "kinds.kstep.dat"), base + ".kstep.dat")
    with open(base + ".out", "w") as f:
        f.write(open(os.path.join(out, "kinds.out")).read())
    with open(base + ".btf-offsets", "w") as f:
        for key in sorted(offsets):
            f.write("%s %d\n" % (key, offsets[key]))
    with open(base + ".txt", "w") as f:
        f.write("vm%s-kinds.kstep.dat: recorded %s in a qemu guest (TCG, 2 vCPUs, tsc=reliable nokaslr)\n"
                "  kernel %s (Debian package %s), build-id %s\n"
                "  kstep record --plan socket --plan fdtable -- socket_kinds (tests/progs/socket_kinds.c; its output in\n"
                "  vm%s-kinds.out); vm%s-kinds.btf-offsets: bit offsets from bpftool btf dump format raw\n"
                "  of the guest's /sys/kernel/btf/vmlinux\n"
                "  remake: make vm-objects-fixtures\n"
                % (label, time.strftime("%Y-%m-%d"), kernel.release, kernel.package, info.get("build_id"),
                   label, label))
    t.comment("fixture kept: %s.kstep.dat" % base)


why = why_not()
if why:
    t.skip("real-kernel test hosts", why)
    t.done()
start = time.time()
deadline = start + SUITE_TIMEOUT
for label, package in vmhost.kernels():
    run_kernel(label, package, deadline)
t.done()
