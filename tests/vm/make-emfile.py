"""Makes fixtures/vm6.1-emfile.kstep.dat: one boot of the Debian 6.1 guest
(tests/vm/kernels) running `kstep record --plan socket -- socket_emfile`
(tests/progs/socket_emfile.c: RLIMIT_NOFILE 3, then socket(), which fails
with EMFILE). Run from the build directory: make vm-emfile-fixture."""
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import vmhost  # noqa: E402

JOBS = """cd /tmp
kstep record --plan socket -o /out/emfile.kstep.dat -- /usr/bin/socket_emfile > /out/emfile.out 2>&1
echo "kstep record exit $?" >> /out/emfile.out
"""


def main():
    fixtures = sys.argv[1]
    progs = os.environ.get("TEST_PROGS", "tests/progs")
    label, package = [k for k in vmhost.kernels() if k[0] == "6.1"][0]
    kernel = vmhost.Kernel(label, package)
    files = {"/usr/bin/kstep": os.environ.get("KSTEP", "./kstep"),
             "/usr/bin/socket_emfile": os.path.join(progs, "socket_emfile")}
    initrd = vmhost.initramfs(kernel, files, JOBS)
    os.makedirs(os.path.join(vmhost.CACHE, "vm-results"), exist_ok=True)
    dest = tempfile.mkdtemp(prefix="emfile-", dir=os.path.join(vmhost.CACHE, "vm-results"))
    try:
        out = vmhost.boot(kernel, initrd, dest, timeout=600)
    finally:
        os.unlink(initrd)
    print(open(os.path.join(out, "emfile.out")).read())
    shutil.copyfile(os.path.join(out, "emfile.kstep.dat"), os.path.join(fixtures, "vm6.1-emfile.kstep.dat"))
    with open(os.path.join(fixtures, "vm6.1-emfile.txt"), "w") as f:
        f.write("vm6.1-emfile.kstep.dat: recorded in a qemu guest (TCG, tests/vm/vmhost.py)\n"
                "  kernel %s (Debian package %s)\n"
                "  kstep record --plan socket -- socket_emfile (tests/progs/socket_emfile.c:\n"
                "  RLIMIT_NOFILE 3, then socket(AF_INET, SOCK_STREAM, 0): EMFILE)\n"
                "  guest output: %s"
                "  remake: make vm-emfile-fixture\n" % (kernel.release, package,
                                                         open(os.path.join(out, "emfile.out")).read().replace("\n", " | ") + "\n"))
    shutil.rmtree(dest, ignore_errors=True)


main()
