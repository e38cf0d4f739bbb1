"""debuginfo.py - the Debian 6.1.0-56 kernel's DWARF for the DWARF tests:
the -dbg package (858 MB) is downloaded once with apt-get download and only
its vmlinux is extracted (about 35 s) into a cache outside the repository
(KSTEP_CACHE, default /var/cache/kstep); the .deb is deleted afterwards."""
import glob
import os
import subprocess

CACHE = os.environ.get("KSTEP_CACHE", "/var/cache/kstep")
PACKAGE = "linux-image-6.1.0-56-amd64-dbg"
RELEASE = "6.1.0-56-amd64"


def vmlinux():
    """Returns the path of the vmlinux with DWARF, or raises RuntimeError why not."""
    root = os.path.join(CACHE, "dbg")
    path = os.path.join(root, "usr/lib/debug/boot/vmlinux-" + RELEASE)
    if os.path.exists(path):
        return path
    debs = os.path.join(CACHE, "debs")
    os.makedirs(debs, exist_ok=True)
    found = glob.glob(os.path.join(debs, PACKAGE + "_*.deb"))
    if not found:
        for attempt in range(2):
            p = subprocess.run(["apt-get", "download", PACKAGE], cwd=debs, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, timeout=900)
            if p.returncode == 0:
                break
            subprocess.run(["apt-get", "update", "-qq"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        found = glob.glob(os.path.join(debs, PACKAGE + "_*.deb"))
        if not found:
            raise RuntimeError("apt-get download %s failed: %s" % (PACKAGE, p.stdout.strip()[-500:]))
    os.makedirs(root, exist_ok=True)
    tmp = path + ".tmp"
    sh = "dpkg-deb --fsys-tarfile '%s' | tar -x -O './usr/lib/debug/boot/vmlinux-%s' > '%s'" % (
        found[0], RELEASE, tmp)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    p = subprocess.run(["sh", "-c", sh], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=900)
    if p.returncode != 0 or not os.path.getsize(tmp):
        raise RuntimeError("extracting the vmlinux from %s failed: %s" % (found[0], p.stdout[-500:]))
    os.rename(tmp, path)
    os.unlink(found[0])
    return path
