"""vmhost.py - real-kernel test hosts: stock Debian kernels booted under
qemu (TCG) with a small initramfs that runs kstep's jobs and brings the
results back.

    kernel package --apt-get download--> cache/debs --dpkg-deb -x--> cache/extract
    initramfs: static busybox, kstep and trace-cmd with their shared
    libraries, the test programs, the virtio modules in dependency order,
    /init and the jobs script
    qemu-system-x86_64 -kernel vmlinuz -initrd initrd -drive out.img(virtio)
    the guest writes a tar of /out to the raw disk, then poweroff -f

Nothing is installed on this machine: packages are extracted into the cache
(KSTEP_CACHE, default /var/cache/kstep). Every failure raises VMError with
one message saying what went wrong and, for a guest, the console's tail.
"""
import glob
import gzip
import lzma
import os
import re
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
import cache  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = cache.ROOT
# Measured here: TCG only; -smp 2 needs tsc=reliable or trace_clock falls
# back to global; nokaslr makes addresses match System.map.
APPEND = "console=ttyS0 panic=1 tsc=reliable nokaslr quiet"


class VMError(Exception):
    pass


def kernels():
    """[(label, package)] from tests/vm/kernels, or KSTEP_VM_KERNELS="label=pkg,...". """
    env = os.environ.get("KSTEP_VM_KERNELS")
    if env:
        return [tuple(x.split("=", 1)) for x in env.split(",") if "=" in x]
    out = []
    with open(os.path.join(HERE, "kernels")) as f:
        for line in f:
            line = line.split("#", 1)[0].split()
            if len(line) == 2:
                out.append((line[0], line[1]))
    return out


def _run(args, what, timeout=600, **kw):
    try:
        p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=timeout, **kw)
    except subprocess.TimeoutExpired:
        raise VMError("%s: timed out after %d s" % (what, timeout))
    except OSError as e:
        raise VMError("%s: %s" % (what, e))
    if p.returncode != 0:
        tail = (p.stderr or p.stdout).strip().splitlines()[-3:]
        raise VMError("%s failed: %s" % (what, " / ".join(tail)))
    return p.stdout


def fetch(package):
    """The .deb of package in the cache, downloaded once (under a lock, into a
    directory of its own, then renamed: a killed download leaves no .deb)."""
    debs = os.path.join(CACHE, "debs")
    os.makedirs(debs, exist_ok=True)
    entry = os.path.join(debs, package)

    def download(tmp):
        os.makedirs(tmp)
        what = "apt-get download %s (is the name right? see tests/vm/kernels)" % package
        try:
            _run(["apt-get", "download", package], what, timeout=300, cwd=tmp)
        except VMError:
            # a fresh machine may have no package lists yet
            _run(["apt-get", "update", "-qq"], "apt-get update", timeout=300)
            _run(["apt-get", "download", package], what, timeout=300, cwd=tmp)
        if not glob.glob(os.path.join(tmp, package + "_*.deb")):
            raise VMError("apt-get download %s left no .deb" % package)

    cache.make(entry, download, ready=lambda p: bool(glob.glob(os.path.join(p, package + "_*.deb"))))
    return glob.glob(os.path.join(entry, package + "_*.deb"))[0]


class Kernel:
    def __init__(self, label, package):
        self.label = label
        self.package = package
        deb = fetch(package)
        self.root = os.path.join(CACHE, "extract", os.path.basename(deb)[:-4])
        # extracted and depmod'ed in the temporary, so a finished entry is whole
        cache.make(self.root, lambda tmp: self._extract(deb, tmp),
                   ready=lambda p: bool(glob.glob(os.path.join(p, "lib/modules/*/modules.dep"))))
        self.vmlinuz = glob.glob(os.path.join(self.root, "boot", "vmlinuz-*"))[0]
        self.release = os.path.basename(self.vmlinuz)[len("vmlinuz-"):]

    @staticmethod
    def _extract(deb, tmp):
        _run(["dpkg-deb", "-x", deb, tmp], "dpkg-deb -x %s" % deb)
        vmlinuz = glob.glob(os.path.join(tmp, "boot", "vmlinuz-*"))
        if not vmlinuz:
            raise VMError("%s holds no boot/vmlinuz-*" % deb)
        release = os.path.basename(vmlinuz[0])[len("vmlinuz-"):]
        _run(["depmod", "-b", tmp, release], "depmod for %s" % release)

    def modules(self, names):
        """.ko files that names need, in insmod order (dependencies first)."""
        order = []
        for name in names:
            out = _run(["modprobe", "-d", self.root, "-S", self.release, "--show-depends", name],
                       "modprobe --show-depends %s" % name)
            for line in out.splitlines():
                parts = line.split()
                if parts and parts[0] == "insmod" and parts[1] not in order:
                    order.append(parts[1])
        return order


def _copy_with_libs(binary, staging, dest=None):
    """Copies an executable and every shared library ldd names, at their paths."""
    dest = dest or binary
    _place(binary, staging, dest)
    out = subprocess.run(["ldd", binary], stdout=subprocess.PIPE, text=True).stdout
    for line in out.splitlines():
        m = re.search(r"(/\S+)", line)
        if m and os.path.exists(m.group(1)):
            _place(m.group(1), staging, m.group(1))


def _place(src, staging, dest):
    target = os.path.join(staging, dest.lstrip("/"))
    os.makedirs(os.path.dirname(target), exist_ok=True)
    shutil.copy2(os.path.realpath(src), target)


INIT = """#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin:/sbin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tracefs nodev /sys/kernel/tracing
for m in /lib/modules/kstep/*.ko; do insmod $m; done
mkdir -p /out /tmp
echo KSTEP-GUEST-START
uname -r > /out/uname
sh /jobs.sh > /out/jobs.log 2>&1
echo "jobs exit $?" >> /out/jobs.log
n=0
while [ ! -b /dev/vda ] && [ $n -lt 50 ]; do sleep 0.2; n=$((n + 1)); done
cd /out && tar cf /dev/vda .
sync
echo KSTEP-GUEST-DONE
poweroff -f
"""


def initramfs(kernel, staging_files, jobs, init=INIT):
    """Builds the initramfs; staging_files maps guest paths to host files
    (executables get their shared libraries). Returns the cpio.gz path."""
    staging = tempfile.mkdtemp(prefix="kstep-initrd-")
    try:
        for d in ("bin", "dev", "proc", "sys", "tmp", "lib/modules/kstep"):
            os.makedirs(os.path.join(staging, d), exist_ok=True)
        _place("/bin/busybox", staging, "/bin/busybox")
        for guest, host in staging_files.items():
            if os.access(host, os.X_OK):
                _copy_with_libs(host, staging, guest)
            else:
                _place(host, staging, guest)
        for i, ko in enumerate(kernel.modules(["virtio_pci", "virtio_blk"])):
            target = os.path.join(staging, "lib/modules/kstep", "%02d-%s" % (i, os.path.basename(ko)))
            if ko.endswith(".xz"):
                with lzma.open(ko) as src, open(target[:-3], "wb") as dst:
                    shutil.copyfileobj(src, dst)
            else:
                shutil.copy2(ko, target)
        for name, text in (("init", init), ("jobs.sh", jobs)):
            path = os.path.join(staging, name)
            with open(path, "w") as f:
                f.write(text)
            os.chmod(path, 0o755)
        fd, out = tempfile.mkstemp(prefix="initrd-%s-" % kernel.label, suffix=".cpio.gz", dir=CACHE)
        os.close(fd)
        files = subprocess.run(["find", "."], cwd=staging, stdout=subprocess.PIPE, text=True).stdout
        cpio = subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], cwd=staging, input=files.encode(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if cpio.returncode:
            raise VMError("cpio failed: %s" % cpio.stderr.decode(errors="replace"))
        with gzip.open(out, "wb", compresslevel=1) as f:
            f.write(cpio.stdout)
        return out
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def boot(kernel, initrd, dest, timeout=600, append=APPEND, disk_mb=64, mem_mb=1024):
    """Boots the guest; returns the directory with what it wrote to /out.
    Raises VMError on a panic, a timeout or missing results."""
    os.makedirs(dest, exist_ok=True)
    disk = os.path.join(dest, "out.img")
    with open(disk, "wb") as f:
        f.truncate(disk_mb << 20)
    console_path = os.path.join(dest, "console.log")
    # Multi-threaded TCG stalled 6.1 guests (soft lockups while the kernel
    # patched its text, 2 runs in 5); one TCG thread for both vCPUs never did
    # in 6 and is as fast here.
    args = ["qemu-system-x86_64", "-nographic", "-no-reboot", "-m", str(mem_mb), "-smp", "2",
            "-accel", os.environ.get("KSTEP_VM_ACCEL", "tcg,thread=single"), "-kernel", kernel.vmlinuz, "-initrd", initrd, "-append", append,
            "-drive", "file=%s,format=raw,if=virtio" % disk, "-nic", "none"]
    start = time.time()
    with open(console_path, "w") as console:
        p = subprocess.Popen(args, stdout=console, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            raise VMError("guest %s did not finish within %d s; console tail:\n%s"
                          % (kernel.label, timeout, tail(console_path)))
    elapsed = time.time() - start
    text = open(console_path, errors="replace").read()
    if "Kernel panic" in text:
        raise VMError("guest %s panicked; console tail:\n%s" % (kernel.label, tail(console_path)))
    if "KSTEP-GUEST-DONE" not in text:
        raise VMError("guest %s stopped without writing its results (exit %d); console tail:\n%s"
                      % (kernel.label, p.returncode, tail(console_path)))
    results = os.path.join(dest, "out")
    shutil.rmtree(results, ignore_errors=True)
    os.makedirs(results)
    try:
        with tarfile.open(disk) as tar:
            tar.extractall(results)
    except tarfile.TarError as e:
        raise VMError("guest %s wrote no readable results (%s); console tail:\n%s"
                      % (kernel.label, e, tail(console_path)))
    os.unlink(disk)
    with open(os.path.join(dest, "boot-seconds"), "w") as f:
        f.write("%.1f\n" % elapsed)
    return results


def tail(path, n=25):
    try:
        lines = open(path, errors="replace").read().splitlines()
    except OSError:
        return "(no console log)"
    return "\n".join(lines[-n:])


def make_executable(path):
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)
