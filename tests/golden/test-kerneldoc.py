"""Why each step happens, from the kernel itself (issue 18, item 5): with
--source, kstep steps --format proof puts under each kernel call the
kernel-doc summary of its definition, read from the recorded kernel's own
source package (linux-source-6.1=6.1.192-2 for the Debian 6.1.0-56 kernel,
tests/lib/kernelsrc.py), the definition's line taken from DWARF (the -dbg
vmlinux). Checked against the package's files and its scripts/kernel-doc;
a function without a kernel-doc comment (fd_install on 6.1) gets nothing;
a tree of another version is refused and nothing is said."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
import debuginfo  # noqa: E402
import kernelsrc  # noqa: E402
import kstepjson  # noqa: E402
from tap import Tap, env  # noqa: E402

FIX = env("FIXTURES")
t = Tap()
vmlinux = debuginfo.vmlinux_or_fail(t)
try:
    src = kernelsrc.tree()
except (RuntimeError, OSError) as e:
    t.ok(False, "the Debian 6.1 kernel source is available", e)
    t.done()
path = os.path.join(FIX, "vm6.1-socket.kstep.dat")
rc, out, err = kstepjson.run("steps", "--syscall", "socket", "--format", "proof", "--vmlinux", vmlinux,
                             "--source", src, path, check=False)
t.ok(rc == 0, "kstep steps --format proof --vmlinux V --source DIR exits 0", err)
docs = re.findall(r"^    kernel-doc (\S+):(\d+): (\S+) - (.*)$", out, re.M)
t.ok(len(docs) >= 4, "%d kernel-doc lines under the calls" % len(docs))
names = {d[2]: d for d in docs}


def kernel_doc(func, rel):
    """The summary scripts/kernel-doc of the package gives, or None."""
    p = subprocess.run(["perl", os.path.join(src, "scripts", "kernel-doc"), "-rst", "-function", func,
                        os.path.join(src, rel)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    m = re.search(r"^\.\. c:function:: .*\n\n((?:   .*\n)+)", p.stdout, re.M)
    if not m:
        return None
    # back from reStructuredText to the comment's own markup (&struct references)
    return re.sub(r":c:type:`([^`]+)`", r"&\1", " ".join(l.strip() for l in m.group(1).splitlines()))


lines = {}
for rel, line, func, summary in docs:
    text = lines.setdefault(rel, open(os.path.join(src, rel), errors="replace").read().splitlines())
    at = text[int(line) - 1] if int(line) <= len(text) else ""
    t.ok(re.search(r"\*\s*%s(\(\))?\s+-\s+" % re.escape(func), at),
         "%s: %s:%s of the package is its kernel-doc line" % (func, rel, line), at)
    t.eq(summary, kernel_doc(func, rel), "%s: the summary is what the package's scripts/kernel-doc says" % func)
t.eq(names.get("__sock_create", ("",) * 4)[3], "creates a socket", "__sock_create - creates a socket")
t.eq(names.get("sk_alloc", ("",) * 4)[3], "All socket objects are allocated here",
     "sk_alloc - All socket objects are allocated here")
t.eq(kernel_doc("fd_install", "fs/file.c"), None, "the package's kernel-doc has nothing for fd_install (6.1)")
t.ok("fd_install(" in out and "fd_install" not in names, "fd_install is a step and gets no text")

# A tree of another version is refused, and nothing is said.
with tempfile.TemporaryDirectory() as tmp:
    for rel in ("net/socket.c", "net/core/sock.c"):
        os.makedirs(os.path.join(tmp, os.path.dirname(rel)), exist_ok=True)
        shutil.copy(os.path.join(src, rel), os.path.join(tmp, rel))
    mk = open(os.path.join(src, "Makefile")).read()
    open(os.path.join(tmp, "Makefile"), "w").write(re.sub(r"^SUBLEVEL = \d+", "SUBLEVEL = 191", mk, flags=re.M))
    rc, out, err = kstepjson.run("steps", "--syscall", "socket", "--format", "proof", "--vmlinux", vmlinux,
                                 "--source", tmp, path, check=False)
    t.ok(rc == 0, "another version's tree: still exit 0 (the log, without kernel-doc)", err)
    t.ok("kernel-doc: not used: %s is the source of Linux 6.1.191, the recorded kernel is 6.1.192" % tmp in out,
         "another version's tree: the log says why it is not used")
    t.ok("\n    kernel-doc " not in out, "another version's tree: no kernel-doc line")
rc, out, err = kstepjson.run("steps", "--syscall", "socket", "--format", "proof", "--no-dwarf", "--source", src,
                             path, check=False)
t.ok(rc == 0 and "kernel-doc: not used: the recorded kernel's version is unknown" in out,
     "without DWARF: the version cannot be checked, nothing is said", out[-300:])
t.done()
