"""Makes one fixture in the Debian 6.1 guest (tests/vm/kernels): one boot
running `kstep record` with the fixture's plan over its program. Run from the
build directory: make vm-emfile-fixture / vm-nullfetch-fixture / vm-intflow-fixture, i.e.
make-fixture.py NAME FIXTURES_DIR.

  emfile     kstep record --plan socket -- socket_emfile (tests/progs/socket_emfile.c:
             RLIMIT_NOFILE 3, then socket(AF_INET, SOCK_STREAM, 0): EMFILE)
  nullfetch  kstep record --plan nullfetch.plan -- socket_inet (tests/vm/nullfetch.plan:
             a kprobe fetch through sock_alloc_file's NULL dname)
  intflow    kstep record --plan intflow.plan -- socket_inet (tests/vm/intflow.plan:
             alloc_fd's end, from RLIMIT_NOFILE, is no traced step's value)"""
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import vmhost  # noqa: E402

# name: (program, guest plan argument, extra guest files {guest: host}, what the README says)
FIXTURES = {
    "emfile": ("socket_emfile", "socket", {},
               "kstep record --plan socket -- socket_emfile (tests/progs/socket_emfile.c:\n"
               "  RLIMIT_NOFILE 3, then socket(AF_INET, SOCK_STREAM, 0): EMFILE)"),
    "nullfetch": ("socket_inet", "/nullfetch.plan", {"/nullfetch.plan": os.path.join(HERE, "nullfetch.plan")},
                  "kstep record --plan nullfetch.plan -- socket_inet (tests/vm/nullfetch.plan:\n"
                  "  first_word=+0(%dx) where sock_alloc_file's dname %dx is NULL)"),
    "intflow": ("socket_inet", "/intflow.plan", {"/intflow.plan": os.path.join(HERE, "intflow.plan")},
                "kstep record --plan intflow.plan -- socket_inet (tests/vm/intflow.plan:\n"
                "  alloc_fd's end comes from RLIMIT_NOFILE, no traced step)"),
}


def main():
    name, fixtures = sys.argv[1], sys.argv[2]
    prog, plan, extra, what = FIXTURES[name]
    progs = os.environ.get("TEST_PROGS", "tests/progs")
    label, package = [k for k in vmhost.kernels() if k[0] == "6.1"][0]
    kernel = vmhost.Kernel(label, package)
    files = {"/usr/bin/kstep": os.environ.get("KSTEP", "./kstep"), "/usr/bin/" + prog: os.path.join(progs, prog)}
    files.update(extra)
    jobs = ("cd /tmp\nkstep record --plan %s -o /out/%s.kstep.dat -- /usr/bin/%s > /out/%s.out 2>&1\n"
            "echo \"kstep record exit $?\" >> /out/%s.out\n" % (plan, name, prog, name, name))
    initrd = vmhost.initramfs(kernel, files, jobs)
    os.makedirs(os.path.join(vmhost.CACHE, "vm-results"), exist_ok=True)
    dest = tempfile.mkdtemp(prefix=name + "-", dir=os.path.join(vmhost.CACHE, "vm-results"))
    try:
        out = vmhost.boot(kernel, initrd, dest, timeout=600)
    finally:
        os.unlink(initrd)
    log = open(os.path.join(out, name + ".out")).read()
    print(log)
    shutil.copyfile(os.path.join(out, name + ".kstep.dat"), os.path.join(fixtures, "vm6.1-%s.kstep.dat" % name))
    with open(os.path.join(fixtures, "vm6.1-%s.txt" % name), "w") as f:
        f.write("vm6.1-%s.kstep.dat: recorded in a qemu guest (TCG, tests/vm/vmhost.py)\n"
                "  kernel %s (Debian package %s)\n"
                "  %s\n"
                "  guest output: %s\n"
                "  remake: make vm-%s-fixture\n" % (name, kernel.release, package, what,
                                                     log.replace("\n", " | "), name))
    shutil.rmtree(dest, ignore_errors=True)


main()
