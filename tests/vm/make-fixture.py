"""Makes one fixture in the Debian 6.1 guest (tests/vm/kernels): one boot
running `kstep record` with the fixture's plan over its program. Run from the
build directory: make vm-emfile-fixture / vm-nullfetch-fixture / vm-intflow-fixture, i.e.
make-fixture.py NAME FIXTURES_DIR.

  emfile     kstep record --plan socket -- socket_emfile (tests/progs/socket_emfile.c:
             RLIMIT_NOFILE 3, then socket(AF_INET, SOCK_STREAM, 0): EMFILE)
  nullfetch  kstep record --plan nullfetch.plan -- socket_inet (tests/vm/nullfetch.plan:
             a kprobe fetch through sock_alloc_file's NULL dname)
  intflow    kstep record --plan intflow.plan -- socket_inet (tests/vm/intflow.plan:
             alloc_fd's end, from RLIMIT_NOFILE, is no traced step's value)
  proof      make vm-proof-fixtures: one boot of each guest kernel (6.1 and 6.12)
             recording kstep record --plan socket over socket_inet,
             socket_inet6_dgram and socket_emfile, with the header files
             of the tables (plugins/*.tbl) staged at their paths, so that the
             guest's recorder cites them as the build machine has them"""
import os
import shutil
import subprocess
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

PROOF = (("inet", "socket_inet"), ("inet6dgram", "socket_inet6_dgram"), ("emfile", "socket_emfile"))


def table_headers(src):
    """The header files the tables of plugins/ reach, as gcc includes them."""
    names = set()
    for tbl in os.listdir(os.path.join(src, "plugins")):
        if tbl.endswith(".tbl"):
            for line in open(os.path.join(src, "plugins", tbl)):
                if line.startswith("@table"):
                    names.add(line.split()[3])
    text = "".join("#include %s\n" % n for n in sorted(names))
    dep = subprocess.run(["gcc", "-M", "-x", "c", "-"], input=text, stdout=subprocess.PIPE, text=True,
                         check=True).stdout
    return sorted(w for w in dep.replace("\\\n", " ").split() if w.startswith("/usr/include/"))


def proof(fixtures):
    progs = os.environ.get("TEST_PROGS", "tests/progs")
    src = os.path.dirname(os.path.dirname(HERE))
    for label, package in vmhost.kernels():
        kernel = vmhost.Kernel(label, package)
        files = {"/usr/bin/kstep": os.environ.get("KSTEP", "./kstep")}
        jobs = "cd /tmp\n"
        for kind, prog in PROOF:
            files["/usr/bin/" + prog] = os.path.join(progs, prog)
            jobs += ("kstep record --plan socket -o /out/%s.kstep.dat -- /usr/bin/%s > /out/%s.out 2>&1\n"
                     "echo \"kstep record exit $?\" >> /out/%s.out\n" % (kind, prog, kind, kind))
        jobs += "cat /proc/version > /out/version\n"
        for h in table_headers(src):
            files[h] = h
        initrd = vmhost.initramfs(kernel, files, jobs)
        os.makedirs(os.path.join(vmhost.CACHE, "vm-results"), exist_ok=True)
        dest = tempfile.mkdtemp(prefix="proof-", dir=os.path.join(vmhost.CACHE, "vm-results"))
        try:
            out = vmhost.boot(kernel, initrd, dest, timeout=900)
        finally:
            os.unlink(initrd)
        version = open(os.path.join(out, "version")).read().strip()
        for kind, prog in PROOF:
            log = open(os.path.join(out, kind + ".out")).read()
            print(log)
            base = "vm%s-proof-%s" % (label, kind)
            shutil.copyfile(os.path.join(out, kind + ".kstep.dat"), os.path.join(fixtures, base + ".kstep.dat"))
            with open(os.path.join(fixtures, base + ".txt"), "w") as f:
                f.write("%s.kstep.dat: recorded in a qemu guest (TCG, tests/vm/vmhost.py)\n"
                        "  kernel %s (Debian package %s)\n"
                        "  /proc/version: %s\n"
                        "  kstep record --plan socket -- %s (tests/progs/%s.c)\n"
                        "  the tables' headers staged from the build machine (tests/vm/make-fixture.py)\n"
                        "  guest output: %s\n"
                        "  remake: make vm-proof-fixtures\n" % (base, kernel.release, package, version, prog,
                                                                prog, log.replace("\n", " | ")))
        shutil.rmtree(dest, ignore_errors=True)


def main():
    name, fixtures = sys.argv[1], sys.argv[2]
    if name == "proof":
        proof(fixtures)
        return
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
