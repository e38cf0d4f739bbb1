"""A debug file that is not the trace's kernel is refused, never used:
trace-cmd's files carry no build-id, so kstep checks the file's release
(linux_banner) and where its functions are against the trace's kallsyms.
The identities expected in the messages come from readelf (the file's
build-id), the vmlinux's own banner (strings) and trace-cmd report's
uname line, not from kstep."""
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
import debuginfo  # noqa: E402
import kstepjson  # noqa: E402
from tap import Tap, env, tmpdir  # noqa: E402

FIX = env("FIXTURES")
T61 = os.path.join(FIX, "vm6.1-socket.trace-cmd.dat")
T612 = os.path.join(FIX, "vm6.12-socket.trace-cmd.dat")
K612 = os.path.join(FIX, "vm6.12-socket.kstep.dat")
USER = os.path.join(env("TEST_PROGS"), "inltail")
t = Tap()
V = debuginfo.vmlinux_or_fail(t)


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
def release_of_file(path):
    """The release in the file's own "Linux version REL " text (strings, not its symbols)."""
    words = subprocess.run(["grep", "-a", "-o", "-m1", "Linux version [^ ]* ", path], stdout=subprocess.PIPE,
                           text=True, errors="replace").stdout.split()
    return words[2] if len(words) >= 3 else None


R612 = release_of_trace(T612)
R61 = release_of_trace(T61)
UID = build_id(USER)
t.ok(VID and VREL == "6.1.0-56-amd64" and R612 == "6.12.117+deb12-amd64" and R61 == VREL and UID,
     "the oracle: readelf, the banner and trace-cmd name both kernels and the user ELF",
     (VID, VREL, R612, R61, UID))


def refused(cmd, path, vmlinux, what, *names, extra=()):
    paths = path if isinstance(path, tuple) else (path,)
    rc, out, err = kstepjson.run(cmd, *extra, "--vmlinux", vmlinux, *paths, check=False)
    t.eq(rc, 2, "%s %s: exit 2" % (cmd, what))
    t.ok(len(err.strip().splitlines()) == 1, "%s %s: one message" % (cmd, what), err)
    t.ok(out == "", "%s %s: nothing on stdout" % (cmd, what), out[:300])
    for n in names:
        t.ok(n in err, "%s %s: the message names %s" % (cmd, what, n), err)
    return err


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def annotate_refused(trace, vmlinux, what, *names):
    """kstep annotate in place and with -o: exit 2, one message, the input unchanged, no file left."""
    d = tempfile.mkdtemp(prefix="annotate-", dir=tmp)
    src = os.path.join(d, "in.dat")
    shutil.copyfile(trace, src)
    before = sha(src)
    for extra in ((), ("-o", os.path.join(d, "out.dat"))):
        how = "annotate %s%s" % (what, " -o OUT" if extra else " in place")
        rc, out, err = kstepjson.run("annotate", "--vmlinux", vmlinux, src, *extra, check=False)
        t.eq(rc, 2, "%s: exit 2" % how)
        t.ok(len(err.strip().splitlines()) == 1, "%s: one message" % how, err)
        for n in names:
            t.ok(n in err, "%s: the message names %s" % (how, n), err)
        t.ok(sha(src) == before, "%s: the input is byte-identical" % how)
        t.eq(sorted(os.listdir(d)), ["in.dat"], "%s: no output or temporary file is left" % how)
    shutil.rmtree(d, ignore_errors=True)


tmp = tmpdir("kstep-identity-")
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

    # a user-space ELF with DWARF is not a kernel: its build-id (readelf) and the trace's release
    for cmd in ("steps", "tree"):
        refused(cmd, T61, USER, "a user-space ELF with DWARF", "not a Linux kernel", R61, UID)
    annotate_refused(T61, USER, "a user-space ELF with DWARF", R61, UID)

    # a stripped vmlinux (strip --strip-debug keeps its build-id, symbols and
    # banner): no DWARF, refused naming the file's own identity - its
    # build-id and release read from the stripped file by readelf and grep
    stripped = os.path.join(tmp, "vmlinux-stripped")
    subprocess.run(["objcopy", "--strip-debug", V, stripped], check=True)
    SID, SREL = build_id(stripped), release_of_file(stripped)
    t.ok(SID and SREL, "the oracle: the stripped file's build-id and release", (SID, SREL))
    # on the 6.1 trace only the build-id tells the file's identity from the trace's
    refused("steps", T61, stripped, "a stripped vmlinux", "no DWARF", SID, R61)
    # on the 6.12 trace: the file's release, its build-id and the trace's release
    for cmd in ("steps", "tree"):
        refused(cmd, T612, stripped, "a stripped 6.1 vmlinux for a 6.12 trace", SID, SREL, R612)
    annotate_refused(T61, stripped, "a stripped vmlinux", SID, R61)
    annotate_refused(T612, stripped, "a stripped 6.1 vmlinux for a 6.12 trace", SID, SREL, R612)

    # stripped without a build-id: said so. The kernel's .notes cannot be
    # removed (relocations name it): its GNU note's type 3 (build-id) becomes 0x99
    nobid = os.path.join(tmp, "vmlinux-stripped-nobid")
    with open(stripped, "rb") as f:
        blob = f.read()
    note = struct.pack("<III", 4, len(SID) // 2, 3) + b"GNU\0" + bytes.fromhex(SID)
    t.eq(blob.count(note), 1, "the stripped file holds its GNU build-id note once")
    with open(nobid, "wb") as f:
        f.write(blob.replace(note, struct.pack("<III", 4, len(SID) // 2, 0x99) + note[12:]))
    del blob
    t.ok(build_id(nobid) is None, "the oracle: readelf finds no build-id in the copy without its note")
    refused("steps", T612, nobid, "a stripped vmlinux without build-id", "no build-id", SREL, R612)
    os.unlink(nobid)

    # strip --strip-all: no symbol table either; the release is still its banner text
    bare = os.path.join(tmp, "vmlinux-strip-all")
    subprocess.run(["strip", "--strip-all", "-o", bare, V], check=True)
    BID, BREL = build_id(bare), release_of_file(bare)
    t.ok(BID and BREL, "the oracle: the strip-all file's build-id and release", (BID, BREL))
    refused("steps", T612, bare, "a strip-all 6.1 vmlinux for a 6.12 trace", BID, BREL, R612)
    os.unlink(bare)

    # diff: a debug file that fits neither side is refused, naming it and both kernels
    refused("diff", (K612, T612), V, "with the 6.1 vmlinux on two 6.12 recordings", VID, VREL, R612,
            m.group(1) if m else "(no id)")
    refused("diff", (T61, T612), USER, "with a user-space ELF", UID, R61, R612)
    refused("diff", (T61, T612), stripped, "with a stripped vmlinux", SID, R61, R612)
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
