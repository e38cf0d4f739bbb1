"""The real-kernel test host fails clearly: a kernel package that cannot be
downloaded, a guest that panics (bad command line), a guest that never
writes its results and one that stops without them each end in one
VMError naming the problem (with the console tail), within the timeout."""
import os
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
import vmhost  # noqa: E402
from tap import Tap  # noqa: E402

t = Tap()
if os.environ.get("KSTEP_NO_VM") == "1":
    t.skip("real-kernel test host failures", "--no-vm")
    t.done()
if os.environ.get("KSTEP_SANITIZED") == "1" or os.environ.get("KSTEP_VM_ONCE") == "1":
    t.skip("real-kernel test host failures", "runs once per ./run-tests, in the gcc build")
    t.done()
if not shutil.which("qemu-system-x86_64"):
    t.skip("real-kernel test host failures", "no qemu-system-x86_64")
    t.done()


def fails(what, fn, want, limit):
    start = time.time()
    try:
        fn()
        t.ok(False, "%s: fails" % what, "no VMError")
        return
    except vmhost.VMError as e:
        msg = str(e)
    took = time.time() - start
    t.ok(want in msg, "%s: the failure says %r" % (what, want), msg)
    t.ok(took < limit, "%s: within %d s (%.0f s)" % (what, limit, took))
    t.comment("%s -> %s" % (what, msg.splitlines()[0]))


fails("a kernel package that does not exist", lambda: vmhost.Kernel("bad", "linux-image-0.0.0-kstep-none"),
      "linux-image-0.0.0-kstep-none", 300)

label, package = vmhost.kernels()[0]
kernel = vmhost.Kernel(label, package)
initrd = vmhost.initramfs(kernel, {}, "true\n")
dest = os.path.join(vmhost.CACHE, "vm-failures")
hang = quiet = None
try:
    fails("a guest booted with a bad command line (no init: panic)",
          lambda: vmhost.boot(kernel, initrd, dest, timeout=120,
                              append="console=ttyS0 panic=1 rdinit=/no/such/init init=/no/such/init"),
          "panicked", 130)
    hang = vmhost.initramfs(kernel, {}, "true\n", init="#!/bin/busybox sh\n/bin/busybox sleep 100000\n")
    fails("a guest that never writes its results",
          lambda: vmhost.boot(kernel, hang, dest, timeout=40), "did not finish within 40 s", 60)
    quiet = vmhost.initramfs(kernel, {}, "true\n", init="#!/bin/busybox sh\n/bin/busybox poweroff -f\n")
    fails("a guest that stops without its results",
          lambda: vmhost.boot(kernel, quiet, dest, timeout=120), "stopped without writing its results", 130)
finally:
    for f in (initrd, hang, quiet):
        if f:
            os.unlink(f)
    shutil.rmtree(dest, ignore_errors=True)
t.done()
