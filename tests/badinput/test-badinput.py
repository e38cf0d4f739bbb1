"""Bad input: files damaged at test time from the real fixtures (never stored).
Unusable files get one line on stderr naming the file and the problem, and
exit 2; damage inside the ring-buffer data of a usable file is reported
with its CPU and time range (exit 0, or 2 with --strict); lost events
flagged in a page header show in the footer and on stderr."""
import os
import random
import re
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
from v6layout import v6_layout  # noqa: E402
from tap import Tap, env, tmpdir  # noqa: E402

KSTEP = env("KSTEP")
FIX = env("FIXTURES")
V6 = os.path.join(FIX, "host-inet-stream.v6.dat")
V7 = os.path.join(FIX, "host-inet-stream.v7.dat")
t = Tap()
tmp = tmpdir("kstep-bad-")


def run(*args):
    p = subprocess.run([KSTEP, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       errors="replace", timeout=120)
    return p.returncode, p.stdout, p.stderr


def make(name, data):
    path = os.path.join(tmp, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def unusable(path, what, *args):
    """Exit 2 and exactly one stderr line naming the file."""
    rc, out, err = run("steps", path, *args)
    lines = [line for line in err.splitlines() if line.strip()]
    t.eq(rc, 2, "%s: exit 2" % what)
    t.ok(len(lines) == 1 and os.path.basename(path) in lines[0],
         "%s: one stderr line naming the file" % what, err[-2000:])
    t.ok("AddressSanitizer" not in err and "runtime error" not in err, "%s: no sanitizer report" % what)
    if lines:
        t.comment("%s -> %s" % (what, lines[0]))
    return lines[0] if lines else ""


d6 = open(V6, "rb").read()
d7 = open(V7, "rb").read()
lay = v6_layout(d6)
t.comment("v6 layout: ftrace formats at %d, events at %d, kallsyms at %d (%d bytes), options at %d"
          % (lay["ftrace"], lay["events"], lay["kallsyms"], lay["kallsyms_size"], lay["options"]))

# Truncations: in the magic, the header, the event formats, kallsyms, the
# options, the CPU data, one byte short.
cuts = {"in the magic": 5, "in the header page": 40, "in the event formats": lay["events"] + 100,
        "in kallsyms": lay["kallsyms"] + lay["kallsyms_size"] // 2,
        "in the options": lay["options"] + 20}
for where, off in cuts.items():
    unusable(make("cut-%d.dat" % off, d6[:off]), "v6 truncated %s (at %d)" % (where, off))
for where, off in (("in the section table", 200), ("in a compressed section", len(d7) // 3)):
    unusable(make("cut7-%d.dat" % off, d7[:off]), "v7 truncated %s (at %d)" % (where, off))

# Truncated inside the ring-buffer data: usable up to there, and said so.
cpu_off, cpu_size = max(lay["cpus"], key=lambda c: c[1])
cut = cpu_off + cpu_size // 2 + 100
path = make("cut-data.dat", d6[:cut])
rc, out, err = run("steps", path)
t.eq(rc, 0, "v6 truncated in the CPU data: what is there stays usable (exit 0)")
t.ok("warning" in err and "CPU" in err and "cut short" in err,
     "v6 truncated in the CPU data: a warning names the CPU and the cut", err[-1500:])
t.ok("MISSING DATA" in out and "cut short" in out, "v6 truncated in the CPU data: the footer says so",
     out[-1500:])
rc, out, err = run("steps", "--strict", path)
t.eq(rc, 2, "v6 truncated in the CPU data, --strict: exit 2")


def sections(path):
    """trace-cmd's own list of a v7 file's sections: name -> (offset, size)."""
    p = subprocess.run([env("TRACE_CMD"), "dump", "--sections", "-i", path], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    out = {}
    for m in re.finditer(r'@ (\d+)\s+"([^"]+?)\s*", flags 0x\d+, (\d+)', p.stdout):
        out.setdefault(m.group(2), (int(m.group(1)), int(m.group(3))))
    return out


# Damage inside compressed sections that still decompress (no checksums in
# trace.dat chunks): the command lines, and the ring-buffer data.
secs = sections(V7)
t.comment("v7 sections (trace-cmd dump): %s" % secs)
off, size = secs["command lines"]
bad = bytearray(d7)
for i in range(off + size // 2, off + size // 2 + 64):
    bad[i] ^= 0x5a
unusable(make("cmdlines7.dat", bytes(bad)), "v7 command lines damaged inside their compressed chunk")
off, size = secs["buffer flyrecord"]
bad = bytearray(d7)
for i in range(off + size // 2, off + size // 2 + 64):
    bad[i] ^= 0x5a
path = make("data7.dat", bytes(bad))
rc, out, err = run("steps", path)
lines = [line for line in err.splitlines() if line.strip()]
t.ok((rc == 2 and len(lines) == 1 and "data7.dat" in lines[0]) or
     (rc == 0 and "CPU" in err and "MISSING DATA" in out),
     "v7 ring-buffer data damaged in its compressed chunk: refused, or reported with its CPU",
     (rc, err[-1500:]))

bad = bytearray(d6)
bad[0] = 0x42
unusable(make("magic.dat", bytes(bad)), "wrong magic")

rng = random.Random(20261124)
bad = bytearray(d6)
opt = lay["options"] + 10                # after "options  \0"
for i in range(64):
    bad[opt + i] = rng.randrange(256)
unusable(make("options.dat", bytes(bad)), "random bytes in the options section")

bad = bytearray(d7)
z = d7.index(b"\x28\xb5\x2f\xfd", len(d7) // 2)
for i in range(16, 80):
    bad[z + i] ^= 0x5a
unusable(make("zstd.dat", bytes(bad)), "a damaged compressed chunk")

unusable(make("empty.dat", b""), "an empty file")
unusable(make("text.dat", b"this is not a trace.dat\n" * 10), "not a trace.dat (text)")
unusable(make("elf.dat", open("/bin/true", "rb").read()), "not a trace.dat (an ELF binary)")

bad = bytearray(d7)
z = d7.index(b"zstd\0")
bad[z:z + 4] = b"lzxx"
msg = unusable(make("comp.dat", bytes(bad)), "unknown compression")
t.ok("lzxx" in msg, "unknown compression: the message names it", msg)

rc, out, err = run("steps", os.path.join(tmp, "does-not-exist.dat"))
t.eq(rc, 2, "a missing file: exit 2")

# A zeroed page between good pages: its records vanish; kstep says where.
page = 4096
bad = bytearray(d6)
zero_at = cpu_off + (cpu_size // page // 2) * page
bad[zero_at:zero_at + page] = bytes(page)
path = make("zeroed-page.dat", bytes(bad))
rc, out, err = run("steps", path)
t.eq(rc, 0, "a zeroed page: the file is still usable (exit 0)")
t.ok("warning" in err and "CPU" in err, "a zeroed page: a warning on stderr naming the CPU", err[-1500:])
t.ok("MISSING DATA" in out and "REJECTION STATUS: FAIL" in out,
     "a zeroed page: the footer says data is missing", out[-1500:])
rc, out, err = run("steps", "--strict", path)
t.eq(rc, 2, "a zeroed page with --strict: exit 2")
rc, out, err = run("info", path)
t.ok(rc == 0 and ("damage" in (out + err).lower() or "missing" in (out + err).lower()),
     "a zeroed page: kstep info reports it", out[-1500:] + err[-500:])

# Lost events flagged in a page header (RB_MISSED_EVENTS | RB_MISSED_STORED,
# the count stored after the page's data), as the kernel writes them.
bad = bytearray(d6)
pg = cpu_off + 2 * page
(ts, commit) = struct.unpack_from("<QQ", bad, pg)
size = commit & ((1 << 27) - 1)
if 16 + size + 8 <= page:
    struct.pack_into("<Q", bad, pg + 8, size | (1 << 31) | (1 << 30))
    struct.pack_into("<Q", bad, pg + 16 + size, 42)
    path = make("missed.dat", bytes(bad))
    rc, out, err = run("steps", path)
    t.eq(rc, 0, "42 lost events flagged: exit 0")
    t.ok("42" in err and "lost" in err, "42 lost events: on stderr", err[-1000:])
    lost = [line for line in out.splitlines() if "42" in line and "lost" in line]
    t.ok(lost, "42 lost events: in the footer", out[-1500:])
    rc, out, err = run("steps", "--strict", path)
    t.eq(rc, 2, "42 lost events with --strict: exit 2")
    rc, out, err = run("info", "--json", path)
    t.ok('"lost_events": 42' in out, "42 lost events: kstep info --json counts them", out[-800:])
else:
    t.skip("lost events in a page header", "the third page is full")
t.done()
