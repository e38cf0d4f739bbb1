"""A debug file that is not the trace's kernel is refused, never used:
trace-cmd's files carry no build-id, so kstep checks the file's release
(linux_banner) and where its functions are against the trace's kallsyms.
The identities expected in the messages come from readelf (the file's
build-id), the vmlinux's own banner (strings) and trace-cmd report's
uname line, not from kstep."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
import debuginfo  # noqa: E402
import kstepjson  # noqa: E402
from tap import Tap, env  # noqa: E402

FIX = env("FIXTURES")
T61 = os.path.join(FIX, "vm6.1-socket.trace-cmd.dat")
T612 = os.path.join(FIX, "vm6.12-socket.trace-cmd.dat")
K612 = os.path.join(FIX, "vm6.12-socket.kstep.dat")
USER = os.path.join(env("TEST_PROGS"), "inltail")
t = Tap()
try:
    V = debuginfo.vmlinux()
except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
    t.ok(False, "the 6.1.0-56 debug vmlinux is available", e)
    t.done()


def build_id(path):
    out = subprocess.run(["readelf", "-n", path], stdout=subprocess.PIPE, text=True).stdout
    m = re.search(r"Build ID: ([0-9a-f]+)", out)
    return m.group(1) if m else None


def release_of_trace(path):
    """The release in trace-cmd report's header (the file's uname)."""
    out = subprocess.run([os.environ.get("TRACE_CMD", "trace-cmd"), "report", "--uname", "-i", path],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0] == "Linux":
            return parts[2]
    return None


VID = build_id(V)
banner = subprocess.run(["grep", "-a", "-o", "-m1", "Linux version [^ ]* ", V], stdout=subprocess.PIPE,
                        text=True, errors="replace").stdout.split()
VREL = banner[2] if len(banner) >= 3 else None
R612 = release_of_trace(T612)
t.ok(VID and VREL == "6.1.0-56-amd64" and R612 == "6.12.117+deb12-amd64",
     "the oracle: readelf, the banner and trace-cmd name both kernels", (VID, VREL, R612))


def refused(cmd, path, vmlinux, what, *names, extra=()):
    rc, out, err = kstepjson.run(cmd, *extra, "--vmlinux", vmlinux, path, check=False)
    t.eq(rc, 2, "%s %s: exit 2" % (cmd, what))
    t.ok(len(err.strip().splitlines()) == 1, "%s %s: one message" % (cmd, what), err)
    for n in names:
        t.ok(n in err, "%s %s: the message names %s" % (cmd, what, n), err)
    return err


tmp = tempfile.mkdtemp(prefix="kstep-identity-")
try:
    # another kernel, no build-id in the trace: refused by release, on every command
    for cmd in ("steps", "tree"):
        refused(cmd, T612, V, "6.1 vmlinux for a 6.12 trace-cmd file", VREL, R612, VID)
    rc, out, err = kstepjson.run("annotate", "--vmlinux", V, T612, "-o", os.path.join(tmp, "a.dat"),
                                 check=False)
    t.eq(rc, 2, "annotate with another kernel's vmlinux: exit 2")
    t.ok(VREL in err and R612 in err, "annotate: both kernels named", err)
    t.ok(not os.path.exists(os.path.join(tmp, "a.dat")), "annotate writes nothing")

    # another kernel, build-id in the trace (kstep's file): both ids named
    # the trace's build-id as its provenance file records it (read from the guest's /sys/kernel/notes)
    with open(os.path.join(FIX, "vm6.12-socket.txt")) as f:
        m = re.search(r"build-id ([0-9a-f]{40})", f.read())
    refused("steps", K612, V, "6.1 vmlinux for a 6.12 kstep file", VID, m.group(1) if m else "(no id)")

    # a user-space ELF with DWARF is not a kernel
    refused("steps", T61, USER, "a user-space ELF with DWARF", "not a Linux kernel", "6.1.0-56-amd64")

    # a stripped vmlinux: no DWARF, both identities
    stripped = os.path.join(tmp, "vmlinux-stripped")
    subprocess.run(["objcopy", "--strip-debug", V, stripped], check=True)
    refused("steps", T61, stripped, "a stripped vmlinux", "no DWARF", "6.1.0-56-amd64")
    os.unlink(stripped)

    # the same release, another build: its functions are elsewhere. Made from
    # the 6.1 file: every kallsyms address but _text's moved by 0x40.
    v6 = os.path.join(tmp, "v6.dat")
    subprocess.run([os.environ.get("TRACE_CMD", "trace-cmd"), "convert", "--file-version", "6", "--compression", "none", "-i", T61,
                    "-o", v6], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(v6, "rb") as f:
        blob = f.read()

    def shift(mo):
        if mo.group(3) == b"_text":
            return mo.group(0)
        return b"%016x %s %s" % ((int(mo.group(1), 16) + 0x40) & (2**64 - 1), mo.group(2), mo.group(3))
    moved, n = re.subn(rb"(ffffffff[0-9a-f]{8}) ([tT]) ([A-Za-z0-9_.$]+)", shift, blob)
    t.ok(n > 1000 and len(moved) == len(blob), "a copy whose kernel functions moved (%d symbols)" % n)
    other = os.path.join(tmp, "other-build.dat")
    with open(other, "wb") as f:
        f.write(moved)
    refused("steps", other, V, "the same release, another build", "6.1.0-56-amd64", "sampled differ")

    # the right file is still accepted, with source lines
    rc, out, err = kstepjson.run("steps", "--vmlinux", V, T61, check=False)
    t.ok(rc == 0, "the right vmlinux for the 6.1 trace-cmd file: exit 0", err)
    t.ok("net/socket.c:" in out, "and source lines are shown")

    # diff: the debug file is applied to the side it matches only
    rc, out, err = kstepjson.run("diff", "--format", "json", T61, T612, check=False)
    rc2, out2, err2 = kstepjson.run("diff", "--format", "json", "--vmlinux", V, T61, T612, check=False)
    t.ok(rc2 == 1, "diff --vmlinux of 6.1 against 6.12: exit 1 (different), not 2", err2)
    a, b = json.loads(out), json.loads(out2)
    t.ok(b["a"]["dwarf"] and "build-id %s" % VID in b["a"]["dwarf"], "diff: side A uses the 6.1 DWARF",
         b["a"]["dwarf"])
    t.ok(b["b"]["dwarf"] and "another kernel" in b["b"]["dwarf"], "diff: side B says the file is another "
         "kernel's", b["b"]["dwarf"])
    t.eq(b["summary"]["structural"], a["summary"]["structural"],
         "diff: no structural change invented by the debug file")
finally:
    shutil.rmtree(tmp, ignore_errors=True)
t.done()
