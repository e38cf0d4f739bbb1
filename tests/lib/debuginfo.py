"""debuginfo.py - the Debian 6.1.0-56 kernel's DWARF for the DWARF tests:
the -dbg package (858 MB) is streamed from the address apt gives (checked
against apt's SHA256) straight into dpkg-deb, and only its vmlinux (633 MB)
is kept, in a cache outside the repository (KSTEP_CACHE, default
/var/cache/kstep): the .deb never touches the disk. About 35 s."""
import glob
import os
import shlex
import subprocess

import cache

CACHE = cache.ROOT
PACKAGE = "linux-image-6.1.0-56-amd64-dbg"
RELEASE = "6.1.0-56-amd64"


def vmlinux():
    """Returns the path of the vmlinux with DWARF, or raises RuntimeError why not.
    Safe when several tests ask at once and after an interrupted earlier run."""
    path = os.path.join(CACHE, "dbg", "usr/lib/debug/boot/vmlinux-" + RELEASE)
    return cache.make(path, _extract, ready=lambda p: os.path.isfile(p) and os.path.getsize(p) > 0)


def vmlinux_or_fail(t):
    """vmlinux() for a test that cannot go on without it: a failed check
    naming why, and the test ends there."""
    try:
        return vmlinux()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
        t.ok(False, "the %s debug vmlinux is available" % RELEASE, e)
        t.done()


def _extract(tmp):
    """Writes the vmlinux of the -dbg package to tmp: from a .deb in the cache
    if one is there, else streamed from apt's address (checked against its SHA256)."""
    found = glob.glob(os.path.join(CACHE, "debs", PACKAGE + "_*.deb"))
    extract = "dpkg-deb --fsys-tarfile %s | tar -x -O './usr/lib/debug/boot/vmlinux-%s' > %s" % (
        shlex.quote(found[0]) if found else "/dev/stdin", RELEASE, shlex.quote(tmp))
    if found:
        p = subprocess.run(["sh", "-c", extract], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=900)
        out = p.stdout
        rc = p.returncode
    else:
        rc, out = cache.stream(*uri(), extract)
    if rc != 0 or not os.path.exists(tmp) or not os.path.getsize(tmp):
        raise RuntimeError("extracting the vmlinux of %s failed (exit %s): %s"
                           % (PACKAGE, rc, out[-500:].strip() or "no message"))


def uri():
    """The .deb's address and SHA256, from apt."""
    return cache.apt_uri(PACKAGE)
