"""kernelsrc.py - files of the Debian 6.1 kernel's own source, as oracles for
what kstep says about that kernel (the syscall register order, kernel-doc
lines). The source package of the recording kernel, linux-image-6.1.0-56-amd64
= 6.1.192-2 (apt-cache show), is linux-source-6.1=6.1.192-2 (139 MB): it is
streamed from the address apt gives (checked against apt's SHA256) through
dpkg-deb and xz, and only the files asked for are kept, in KSTEP_CACHE
(src/linux-source-6.1_6.1.192-2/). The .deb never touches the disk. About a
minute (xz reads the whole tarball)."""
import os
import shlex

import cache

PACKAGE = "linux-source-6.1"
VERSION = "6.1.192-2"
TOP = "linux-source-6.1"
# What the tests read; asking for another file means adding it here (the entry is then remade).
FILES = ("Makefile", "arch/x86/entry/entry_64.S", "arch/x86/entry/common.c", "arch/x86/entry/syscall_64.c",
         "net/socket.c", "net/core/sock.c",
         "net/ipv4/af_inet.c", "fs/file.c", "scripts/kernel-doc")


def tree():
    """Returns the directory holding FILES of the source package, or raises RuntimeError why not.
    Safe when several tests ask at once and after an interrupted earlier run."""
    path = cache.path("src", "%s_%s" % (PACKAGE, VERSION))
    return cache.make(path, _extract, ready=_complete)


def _complete(path):
    return all(os.path.isfile(os.path.join(path, f)) for f in FILES)


def _extract(tmp):
    os.makedirs(tmp)
    url, sha = cache.apt_uri("%s=%s" % (PACKAGE, VERSION))
    members = " ".join(shlex.quote("%s/%s" % (TOP, f)) for f in FILES)
    inner = "./usr/src/%s.tar.xz" % TOP
    script = ("dpkg-deb --fsys-tarfile /dev/stdin | tar -x -O %s | xz -dc | tar -x -C %s "
              "--strip-components=1 %s" % (shlex.quote(inner), shlex.quote(tmp), members))
    rc, out = cache.stream(url, sha, script)
    if rc != 0 or not _complete(tmp):
        raise RuntimeError("extracting %s from %s=%s failed (exit %s): %s"
                           % (", ".join(FILES), PACKAGE, VERSION, rc,
                              out[-500:].strip() or "no message"))
