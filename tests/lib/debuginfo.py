"""debuginfo.py - the Debian 6.1.0-56 kernel's DWARF for the DWARF tests:
the -dbg package (858 MB) is streamed from the address apt gives (checked
against apt's SHA256) straight into dpkg-deb, and only its vmlinux (633 MB)
is kept, in a cache outside the repository (KSTEP_CACHE, default
/var/cache/kstep): the .deb never touches the disk. About 35 s."""
import glob
import hashlib
import os
import shlex
import subprocess
import urllib.request

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
    else:
        url, sha = uri()
        h = hashlib.sha256()
        sink = subprocess.Popen(["sh", "-c", extract], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        try:
            with urllib.request.urlopen(url, timeout=120) as r:
                while True:
                    chunk = r.read(1 << 20)
                    if not chunk:
                        break
                    h.update(chunk)
                    sink.stdin.write(chunk)
        except (OSError, BrokenPipeError) as e:
            sink.kill()
            sink.wait()
            raise RuntimeError("downloading %s failed: %s" % (url, e))
        sink.stdin.close()
        out = sink.stdout.read().decode(errors="replace")
        sink.wait()
        if h.hexdigest() != sha:
            raise RuntimeError("%s: SHA256 %s, but apt says %s" % (url, h.hexdigest(), sha))
        p = sink
    if p.returncode != 0 or not os.path.exists(tmp) or not os.path.getsize(tmp):
        raise RuntimeError("extracting the vmlinux of %s failed (exit %s): %s"
                           % (PACKAGE, p.returncode, out[-500:].strip() or "no message"))


def uri():
    """The .deb's address and SHA256, from apt (its package lists updated once if needed)."""
    for attempt in range(2):
        p = subprocess.run(["apt-get", "download", "--print-uris", PACKAGE], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        for line in p.stdout.splitlines():
            parts = line.split()
            if len(parts) >= 4 and parts[0].startswith("'http") and parts[3].startswith("SHA256:"):
                return parts[0].strip("'"), parts[3][len("SHA256:"):]
        subprocess.run(["apt-get", "update", "-qq"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    raise RuntimeError("apt knows no download address for %s: %s" % (PACKAGE, p.stdout.strip()[-300:]))
