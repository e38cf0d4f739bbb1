"""Hostile and damaged input (issue 17), files derived at test time from the
real fixtures (never stored):

- an event format whose print fmt names a field it does not declare, and
  printk lines without a format, are refused with one message (libtraceevent
  would dereference NULL or read past the line);
- a page whose commit word carries the missed-events flags sign-extended,
  as a 64-bit kernel writes it after an overrun, is read, not dropped;
- a v7 CPU whose chunk count or first page is zeroed is reported as loss
  (its data size and the file's own CPUSTAT say events were there);
- a comm with a newline and an escape byte is data, shown escaped;
- bombs: aliased or overlapping CPU data, CPU ids out of range, chunks and
  sections that claim more than the memory budget. Each ends in one message
  naming the claim, under prlimit --as a little above the budget (not in a
  sanitizer build: ASan reserves terabytes of address space), through every
  command that reads a file (annotate and redact then write nothing); runs
  accepted within a budget also keep their peak RSS under it.

Expected values come from the fixtures' own numbers (CPUSTAT, page headers,
trace-cmd report), never from kstep's output."""
import os
import re
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
from v6layout import v6_layout  # noqa: E402
from tap import Tap, env, tmpdir  # noqa: E402

KSTEP = env("KSTEP")
FIX = env("FIXTURES")
TRACE_CMD = env("TRACE_CMD")
SAN = os.environ.get("KSTEP_SANITIZED") == "1"
V6 = os.path.join(FIX, "host-inet-stream.v6.dat")
V7 = os.path.join(FIX, "host-inet-stream.v7.dat")
MiB = 1 << 20
# What prlimit --as allows above a budget: the binary, its libraries, stack
# and allocator slack. A small run (kstep --version) maps ~20 MiB; a run that
# reads the fixture with a 28 MiB budget ~42 MiB (measured with prlimit).
MARGIN = 32 * MiB
t = Tap()


def cap(budget):
    """The address-space limit for a run with this budget (bytes)."""
    return budget + MARGIN
tmp = tmpdir("kstep-hostile-")


def run(*args, budget=None, limit=None, rss=None):
    """kstep [--max-memory budget] ARGS, under prlimit --as=limit when given.
    With rss (a list), the run's peak resident set (bytes) is appended to it,
    from its own rusage (prlimit execs kstep: one process)."""
    cmd = [KSTEP] + (["--max-memory", budget] if budget else []) + list(args)
    if limit and not SAN:
        cmd = ["prlimit", "--as=%d" % limit] + cmd
    with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe:
        p = subprocess.Popen(cmd, stdout=fo, stderr=fe)
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        if rss is not None:
            rss.append(ru.ru_maxrss * 1024)
        fo.seek(0)
        fe.seek(0)
        out = fo.read().decode(errors="replace")
        err = fe.read().decode(errors="replace")
    return p.returncode, out, err


def within(what, rss, budget):
    """The run's peak RSS stayed under its budget."""
    if SAN:
        t.skip("%s: peak RSS under the budget" % what, "sanitizer build (shadow memory)")
        return
    t.ok(rss and rss[-1] < budget, "%s: peak RSS %.1f MiB is under the %d MiB budget"
         % (what, (rss[-1] if rss else 0) / MiB, budget // MiB))


def make(name, data):
    path = os.path.join(tmp, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def refused(path, what, expect, *args, cmd="info", budget=None, limit=None):
    """Exit 2, one stderr line naming the file and containing each of expect."""
    rc, out, err = run(cmd, *args, path, budget=budget, limit=limit)
    lines = [line for line in err.splitlines() if line.strip()]
    t.eq(rc, 2, "%s: %s exits 2" % (what, cmd))
    msg = lines[0] if lines else ""
    t.ok(len(lines) == 1 and os.path.basename(path) in msg and all(e in msg for e in expect),
         "%s: %s says so in one line (%s)" % (what, cmd, " / ".join(expect)), err[-2000:])
    t.ok("out of memory" not in err and "Sanitizer" not in err and "runtime error" not in err,
         "%s: %s: no out-of-memory or sanitizer report" % (what, cmd))
    if msg:
        t.comment("%s -> %s" % (what, msg[:400]))
    return msg


def zstd(data):
    p = subprocess.run(["zstd", "-q", "-1", "-c"], input=data, stdout=subprocess.PIPE, check=True)
    return p.stdout


def zstd_zeros(n, prefix=b""):
    """A zstd frame of prefix and then zero bytes up to n, made without n bytes in memory."""
    cmd = "{ cat; head -c %d /dev/zero; } | zstd -q -1 -c" % (n - len(prefix))
    p = subprocess.run(["sh", "-c", cmd], input=prefix, stdout=subprocess.PIPE, check=True)
    return p.stdout


def v6_with(d, printk=None, cmdlines=None):
    """d with its printk or cmdlines text replaced, CPU offsets moved along."""
    lay = v6_layout(d)
    (pn,) = struct.unpack_from("<I", d, lay["printk"])
    (cn,) = struct.unpack_from("<Q", d, lay["cmdlines"])
    pk = d[lay["printk"] + 4:lay["printk"] + 4 + pn] if printk is None else printk
    cl = d[lay["cmdlines"] + 8:lay["cmdlines"] + 8 + cn] if cmdlines is None else cmdlines
    new = bytearray(d[:lay["printk"]] + struct.pack("<I", len(pk)) + pk + struct.pack("<Q", len(cl)) +
                    cl + d[lay["ncpu"]:])
    delta = len(new) - len(d)
    for i, (off, size) in enumerate(lay["cpus"]):
        struct.pack_into("<QQ", new, lay["table"] + delta + 16 * i, off + delta, size)
    return bytes(new)


# v7 layout: the options chain and where each option's data sits.
def v7_options(d):
    p = d.index(b"\0", 10) + 1 + 1 + 1 + 4
    p = d.index(b"\0", p) + 1
    p = d.index(b"\0", p) + 1
    (off,) = struct.unpack_from("<Q", d, p)
    opts = []
    while off:
        sid, flags, _, size = struct.unpack_from("<HHIQ", d, off)
        assert sid == 0 and flags == 0, "options sections are stored uncompressed"
        p, end, nxt = off + 16, off + 16 + size, 0
        while p < end:
            oid, ln = struct.unpack_from("<HI", d, p)
            opts.append((oid, p + 6, ln))
            if oid == 0:
                (nxt,) = struct.unpack_from("<Q", d, p + 6)
                break
            p += 6 + ln
        off = nxt
    return opts


def v7_forge(d, cpus, extra=b"", cpucount=None):
    """d with its BUFFER option disabled and a new one appended, listing cpus
    [(id, offset, size)]; extra is appended first (offsets may point into it
    through the placeholder base returned by v7_base)."""
    opts = v7_options(d)
    new = bytearray(d)
    buf = [o for o in opts if o[0] == 3][0]
    bd = d[buf[1]:buf[1] + buf[2]]
    (boff,) = struct.unpack_from("<Q", bd, 0)
    name_end = bd.index(b"\0", 8)
    clock_end = bd.index(b"\0", name_end + 1)
    (psize,) = struct.unpack_from("<I", bd, clock_end + 1)
    struct.pack_into("<H", new, buf[1] - 6, 0x7ffe)        # the old BUFFER: an unknown option now
    if cpucount is not None:
        cc = [o for o in opts if o[0] == 8][0]
        struct.pack_into("<I", new, cc[1], cpucount)
    new += extra
    body = bd[:clock_end + 1] + struct.pack("<II", psize, len(cpus))
    for cid, off, size in cpus:
        body += struct.pack("<IQQ", cid, off, size)
    sec_at = len(new)
    payload = struct.pack("<HI", 3, len(body)) + body + struct.pack("<HIQ", 0, 8, 0)
    new += struct.pack("<HHIQ", 0, 0, 0, len(payload)) + payload
    last = [o for o in opts if o[0] == 0][-1]
    struct.pack_into("<Q", new, last[1], sec_at)          # chain it after the last section
    assert boff
    return bytes(new)


def chunk_blob(claim, zdata):
    """A CPU's compressed data: one chunk whose header claims claim bytes."""
    return struct.pack("<III", 1, len(zdata), claim) + zdata


def steps_head(path):
    rc, out, err = run("steps", path)
    return rc, (out.splitlines() or [""])[0], err


d6 = open(V6, "rb").read()
d7 = open(V7, "rb").read()
lay = v6_layout(d6)
page = 4096

# 1. Event formats: a print fmt that names an undeclared field. Every field a
# print fmt names in the v6 fixture (REC->f, __get_str(f) ...) is changed by
# one byte in its declaration.
mut = 0
crashes = []
wrong = []
for m in re.finditer(rb"name: (\w+)\nID: \d+\nformat:\n(.*?)print fmt: ([^\n]*)\n", d6, re.S):
    used = set(re.findall(rb"REC->(\w+)", m.group(3))) | set(re.findall(rb"__get_\w+\((\w+)\)", m.group(3)))
    for f in sorted(used):
        j = m.group(2).find(b" " + f + b";")
        if j < 0:
            continue
        bad = bytearray(d6)
        bad[m.start(2) + j + 1] ^= 0x01
        path = make("fmt.dat", bytes(bad))
        rc, out, err = run("info", path)
        mut += 1
        if rc < 0 or "Sanitizer" in err or "runtime error" in err:
            crashes.append((m.group(1), f, rc))
        elif rc != 2 or ("field '%s'" % f.decode()) not in err:
            wrong.append((m.group(1), f, rc, err[-200:]))
t.ok(mut > 50, "%d one-byte changes of field names that a print fmt uses" % mut)
t.eq(crashes, [], "no crash on any of them")
t.eq(wrong, [], "each: exit 2 with a message naming the field")

m = re.search(rb"name: kmem_cache_alloc\nID: \d+\nformat:\n.*?field:unsigned long gfp_flags;", d6, re.S)
bad = bytearray(d6)
bad[m.end() - len(b"gfp_flags;")] ^= 0x01          # "gfp_flags" -> "ffp_flags"
path = make("gfp.dat", bytes(bad))
for cmd in ("info", "steps", "tree"):
    refused(path, "kmem_cache_alloc's gfp_flags renamed", ["kmem_cache_alloc", "gfp_flags",
                                                           "does not declare"], cmd=cmd)
rc, out, err = run("diff", V6, path)
t.ok(rc == 2 and "gfp_flags" in err and "Sanitizer" not in err, "diff: exit 2 naming the field",
     err[-800:])

# 2. printk lines without a format.
(pn,) = struct.unpack_from("<I", d6, lay["printk"])
pk = d6[lay["printk"] + 4:lay["printk"] + 4 + pn]
for name, line in (("a bare '0:'", b"0:\n"), ("an unquoted format", b'0 : "\n'),
                   ("no address", b' : "x"\n')):
    path = make("printk.dat", v6_with(d6, printk=line + pk))
    for cmd in ("info", "steps"):
        refused(path, "printk section with %s" % name, ["printk formats", "line 1"], cmd=cmd)

# 3. The commit word as a 64-bit kernel writes it after an overrun: the
# flags added as the int (1 << 31), so the upper half is all ones.
cpu_off, cpu_size = max(lay["cpus"], key=lambda c: c[1])
bad = bytearray(d6)
pg = cpu_off + 2 * page
(ts, commit) = struct.unpack_from("<QQ", bad, pg)
size = commit & ((1 << 27) - 1)
if 16 + size + 8 <= page:
    struct.pack_into("<Q", bad, pg + 8, 0xffffffffc0000000 | size)
    struct.pack_into("<Q", bad, pg + 16 + size, 42)
    path = make("signext.dat", bytes(bad))
    rc, out, err = run("info", "--json", path)
    t.eq(rc, 0, "sign-extended commit word: exit 0")
    t.ok("claims" not in err and "commit word" not in err,
         "sign-extended commit word: the page is not dropped", err[-800:])
    t.ok('"lost_events": 42' in out, "sign-extended commit word: its 42 lost events are counted")
    ref = subprocess.run([TRACE_CMD, "report", "-i", path], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True, errors="replace").stdout
    n_ref = len(re.findall(r"^.*?\[\d+\]\s+\d+\.\d+:", ref, re.M))
    m = re.search(r'"records": (\d+)', out)
    t.eq(int(m.group(1)) if m else None, n_ref, "sign-extended commit word: as many records as "
         "trace-cmd report (%d)" % n_ref)
    # the upper half set without the missed-events flag is no kernel's doing
    struct.pack_into("<Q", bad, pg + 8, 0xffffffff00000000 | size)
    path = make("upper.dat", bytes(bad))
    rc, out, err = run("info", path)
    t.ok(rc == 0 and ("commit word %#x" % (0xffffffff00000000 | size)) in err,
         "upper half set without bit 31: the page is dropped, naming its commit word", err[-800:])
else:
    t.skip("sign-extended commit word", "the third page is full")

# 4. A v7 CPU whose chunk count is zeroed, or whose first page is: the
# fixture's CPUSTAT says CPU 0 held this many events.
stat = [o for o in v7_options(d7) if o[0] == 2]
entries = {}
for _, off, ln in stat:
    text = d7[off:off + ln].decode(errors="replace")
    entries[int(re.search(r"CPU: (\d+)", text).group(1))] = int(re.search(r"entries: (\d+)", text).group(1))
buf = [o for o in v7_options(d7) if o[0] == 3][0]
bd = d7[buf[1]:buf[1] + buf[2]]
ce = bd.index(b"\0", bd.index(b"\0", 8) + 1) + 1
(ncpu,) = struct.unpack_from("<I", bd, ce + 4)
cid, coff, csize = struct.unpack_from("<IQQ", bd, ce + 8)
t.comment("v7 CPU %d: data at %d, %d bytes; CPUSTAT entries %s" % (cid, coff, csize, entries))
for what, n in (("chunk count zeroed", 4), ("first page zeroed", min(page, csize + 4))):
    bad = bytearray(d7)
    bad[coff:coff + n] = bytes(n)
    path = make("v7-%d.dat" % n, bytes(bad))
    rc, out, err = run("info", path)
    t.eq(rc, 0, "v7 %s: still usable (exit 0)" % what)
    want = "held %d events but its data yields 0" % entries[cid]
    t.ok(want in err and ("CPU %d" % cid) in err, "v7 %s: the loss of %d events is reported"
         % (what, entries[cid]), err[-1500:])
    t.ok("chunk table" in err, "v7 %s: the unlisted bytes of CPU %d are reported" % (what, cid),
         err[-1500:])
    t.ok("damage:       none found" not in out, "v7 %s: info does not say 'none found'" % what)
    rc, out, err = run("info", "--strict", path)
    t.eq(rc, 2, "v7 %s: --strict exits 2" % what)
    conv = os.path.join(tmp, "conv-%d.dat" % n)
    rc, out, err = run("convert", path, "-o", conv)
    t.ok(rc == 0 and "chunk table" in err, "v7 %s: convert warns that the copy lacks them" % what,
         err[-800:])
    rc, out, err = run("info", "--strict", conv)
    t.ok(rc == 2 and want in err, "v7 %s: the file convert writes still reports the loss" % what,
         err[-800:])

# The same in a kstep recording with data on both CPUs: the step log stays
# usable and its footer lists the loss.
KS = os.path.join(FIX, "host-socket.kstep.dat")
dk = open(KS, "rb").read()
kb = [o for o in v7_options(dk) if o[0] == 3][0]
bk = dk[kb[1]:kb[1] + kb[2]]
ke = bk.index(b"\0", bk.index(b"\0", 8) + 1) + 1
(kn,) = struct.unpack_from("<I", bk, ke + 4)
kcpus = [struct.unpack_from("<IQQ", bk, ke + 8 + 20 * i) for i in range(kn)]
victim = [c for c in kcpus if c[2] > 8 and struct.unpack_from("<I", dk, c[1])[0] > 0]
if len(kcpus) < 2 or not victim:
    t.skip("zeroed chunk count in a two-CPU kstep recording", "the fixture has %s" % kcpus)
else:
    vid, voff, vsize = victim[-1]
    bad = bytearray(dk)
    bad[voff:voff + 4] = bytes(4)
    path = make("kstep-count0.dat", bytes(bad))
    rc, out, err = run("steps", path)
    t.ok(rc in (0, 2) and ("CPU %d" % vid) in err and "chunk table" in err,
         "kstep recording, CPU %d's chunk count zeroed: a warning names the CPU" % vid, err[-1000:])
    if rc == 0:
        t.ok("MISSING DATA" in out and "chunk table" in out,
             "kstep recording, CPU %d's chunk count zeroed: the footer lists it" % vid, out[-1500:])
    rc, out, err = run("steps", "--strict", path)
    t.eq(rc, 2, "kstep recording, CPU %d's chunk count zeroed: --strict exits 2" % vid)

# Three zeroed pages in a row are one place of damage with a count; the
# events they held are what trace-cmd no longer reports from the file.
bad = bytearray(d6)
zero_at = cpu_off + page
bad[zero_at:zero_at + 3 * page] = bytes(3 * page)
path = make("zeroed3.dat", bytes(bad))
rc, out, err = run("info", path)
ref = subprocess.run([TRACE_CMD, "report", "-i", path], stdout=subprocess.PIPE,
                     stderr=subprocess.DEVNULL, text=True, errors="replace").stdout
n_ref = len(re.findall(r"^.*?\[\d+\]\s+\d+\.\d+:", ref, re.M))
v6stat = re.search(rb"CPU: 0\nentries: (\d+)", d6)
zl = [line for line in err.splitlines() if "zeroed page" in line]
t.ok(len(zl) == 1 and "[+2 more after it]" in zl[0], "three zeroed pages: one warning, +2 more",
     err[-1000:])
if v6stat:
    e0 = int(v6stat.group(1))
    t.ok("held %d events but its data yields %d: %d events are missing" % (e0, n_ref, e0 - n_ref) in err,
         "three zeroed pages: CPUSTAT's %d events less trace-cmd's %d are reported missing"
         % (e0, n_ref), err[-1000:])
else:
    t.skip("three zeroed pages: CPUSTAT comparison", "no CPUSTAT for CPU 0 in the v6 fixture")

# A file cannot make the damage list (and stderr) grow without bound: 1,100
# good pages (one record each) alternating with zeroed pages list the first
# 1,000 places and sum the other 100 in one more line.
first = cpu_off + 16
(h,) = struct.unpack_from("<I", d6, first)
if h & 31 in range(1, 29) and h >> 5 == 0:
    rec = d6[first:first + 4 + (h & 31) * 4]
    (ts0,) = struct.unpack_from("<Q", d6, cpu_off)
    good = struct.pack("<QQ", ts0, len(rec)) + rec
    good += bytes(page - len(good))
    data = (good + bytes(page)) * 1100
    bad = bytearray(d6) + data
    struct.pack_into("<QQ", bad, lay["table"], len(d6), len(data))
    for i in range(1, len(lay["cpus"])):
        struct.pack_into("<QQ", bad, lay["table"] + 16 * i, 0, 0)
    path = make("alternate.dat", bytes(bad))
    rc, out, err = run("info", path)
    ref = subprocess.run([TRACE_CMD, "report", "-i", path], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True, errors="replace").stdout
    n_ref = len(re.findall(r"^.*?\[\d+\]\s+\d+\.\d+:", ref, re.M))
    t.eq(rc, 0, "1,100 zeroed pages between good ones: exit 0")
    t.ok("records:      %d" % n_ref in out, "1,100 zeroed pages between good ones: the %d records "
         "trace-cmd reads" % n_ref, out[:800])
    zl = [line for line in err.splitlines() if "zeroed page" in line]
    t.eq(len(zl), 1000, "1,100 zeroed pages between good ones: 1,000 listed")
    t.ok("100 further places of damage or loss (on any CPU) are not listed" in err,
         "1,100 zeroed pages between good ones: the other 100 summed in one line", err[-600:])
else:
    t.skip("damage list bounded", "the fixture's first record has a time delta")

# 5. A comm with a newline and an escape byte, in the saved cmdlines.
(cn,) = struct.unpack_from("<Q", d6, lay["cmdlines"])
cl = d6[lay["cmdlines"] + 8:lay["cmdlines"] + 8 + cn]
pid = int(re.search(rb"inet_stream-(\d+)", subprocess.run(
    [TRACE_CMD, "report", "-i", V6], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout).group(1))
odd = b"odd\nname\x1b[7m"
cl2 = re.sub(rb"(?m)^%d [^\n]*$" % pid, b"%d " % pid + odd.replace(b"\\", b"\\\\"), cl)
t.ok(cl2 != cl, "the traced task (pid %d) is in the saved cmdlines" % pid)
path = make("oddcomm.dat", v6_with(d6, cmdlines=cl2))
rc, head, err = steps_head(path)
t.eq(rc, 0, "comm with a newline: steps exit 0")
t.ok("odd\\x0aname\\x1b[7m (pid %d)" % pid in head, "comm with a newline: shown escaped", head)
rc, out, err = run("steps", "--format", "json", path)
t.ok('"comm": "odd\\nname\\u001b[7m"' in out, "comm with a newline: JSON escapes it as JSON",
     out[:600])
rc, out, err = run("info", path)
t.ok(rc == 0 and err == "", "comm with a newline: info exit 0, nothing on stderr", err)

# 6. Bombs.
# 6a. Two CPUs aliasing one chunk that claims 256 MiB.
z256 = zstd_zeros(256 * MiB)
blob = chunk_blob(256 * MiB, z256)
base = len(d7)
alias = v7_forge(d7, [(0, base, len(blob) - 4), (1, base, len(blob) - 4)], extra=blob)
path = make("alias.dat", alias)
t.comment("aliased chunk file: %d bytes" % len(alias))
for cmd in ("info", "steps", "tree", "convert", "diff"):
    args = {"convert": ("-o", os.path.join(tmp, "alias-out.dat")), "diff": (V7,)}.get(cmd, ())
    refused(path, "two CPUs aliasing one 256 MiB chunk", ["overlaps", "CPU 1", "CPU 0"], *args,
            cmd=cmd, limit=1024 * MiB)

# 6b. Two CPUs, each its own chunk claiming 256 MiB, with a 256 MiB budget.
blob2 = blob + blob
sep = v7_forge(d7, [(0, base, len(blob) - 4), (1, base + len(blob), len(blob) - 4)], extra=blob2)
path = make("chunks.dat", sep)
for cmd in ("info", "steps"):
    refused(path, "two 256 MiB chunks, budget 256M", ["memory budget of 256 MiB", "CPU 0",
                                                     "268435456", "--max-memory"], cmd=cmd, budget="256M",
            limit=cap(256 * MiB))
# Both chunks are inflated at once: 512 MiB, and ~30 MiB for the loader (the
# parsed kallsyms); 576M is enough and prlimit allows 32 MiB above that.
rss = []
rc, out, err = run("info", path, budget="576M", limit=cap(576 * MiB), rss=rss)
t.ok(rc == 0 and "out of memory" not in err and "Sanitizer" not in err,
     "two 256 MiB chunks of zeroed pages, budget 576M: read within the budget (exit 0)", err[-500:])
within("two 256 MiB chunks, budget 576M", rss, 576 * MiB)
warn = [line for line in err.splitlines() if "zeroed page" in line]
t.ok(len(warn) == 2 and all("[+%d more after it]" % (256 * MiB // page - 1) in w for w in warn),
     "two 256 MiB chunks of zeroed pages: one warning a CPU, counting its %d pages"
     % (256 * MiB // page), err[-1000:])

# 6c. CPU ids out of range. Each is refused before anything it claims is
# allocated, so prlimit allows far less than the default budget: an array
# sized by the id (2^31 entries) or by CPUCOUNT (2^30) would not fit.
SMALL = 384 * MiB
path = make("cpuid.dat", v7_forge(d7, [(0x7fffffff, coff, csize)]))
refused(path, "CPU id 2^31-1", ["CPU 2147483647", "8192"], cmd="info", limit=SMALL)
refused(path, "CPU id 2^31-1", ["CPU 2147483647"], cmd="steps", limit=SMALL)
path = make("cpuid5.dat", v7_forge(d7, [(5, coff, csize)]))
refused(path, "CPU id 5 of 2", ["CPU 5", "2 CPUs"], cmd="steps", limit=SMALL)
path = make("cpucount.dat", v7_forge(d7, [(0, coff, csize)], cpucount=0x40000000))
cpucount_path = path
refused(path, "CPUCOUNT 2^30", ["CPUCOUNT", "1073741824"], cmd="steps", limit=SMALL)
path = make("cpudup.dat", v7_forge(d7, [(0, coff, csize), (0, coff + csize + 64, 0)]))
refused(path, "CPU 0 listed twice", ["CPU 0 twice"], cmd="info", limit=SMALL)

# 6d. v6: overlapping CPU data (each CPU would read the same events).
bad = bytearray(d6)
(o0, s0), (o1, s1) = lay["cpus"][0], lay["cpus"][1]
big = (o0, s0) if s0 >= s1 else (o1, s1)
struct.pack_into("<QQ", bad, lay["table"], big[0], big[1])
struct.pack_into("<QQ", bad, lay["table"] + 16, big[0] + page, big[1] - page)
path = make("overlap6.dat", bytes(bad))
for cmd in ("info", "steps"):
    refused(path, "v6 CPU data overlapping", ["overlaps"], cmd=cmd, limit=SMALL)


# 6e. A compressed kallsyms section that inflates to 1 GiB, and one whose
# 60 MiB of lines would cost far more once parsed.
def v7_kallsyms(d, text, size=None):
    """d with a kallsyms section appended and pointed at: text, or size bytes
    of zeros after the u32 length (never held in memory here)."""
    if size is None:
        raw_len = 4 + len(text)
        z = zstd(struct.pack("<I", len(text)) + text)
    else:
        raw_len = 4 + size
        z = zstd_zeros(raw_len, struct.pack("<I", size))
    sec = struct.pack("<HHIQ", 19, 1, 0, 8 + len(z)) + struct.pack("<II", len(z), raw_len) + z
    new = bytearray(d) + sec
    ks = [o for o in v7_options(d) if o[0] == 19][0]
    struct.pack_into("<Q", new, ks[1], len(d))
    return bytes(new)


path = make("ksyms1g.dat", v7_kallsyms(d7, None, size=(1 << 30) - 64))
t.comment("1 GiB kallsyms file: %d bytes" % os.path.getsize(path))
for cmd in ("info", "steps", "tree", "diff"):
    refused(path, "kallsyms inflating to 1 GiB, default budget", ["kallsyms", "uncompressed",
                                                                  "memory budget of 1 GiB"],
            *((V7,) if cmd == "diff" else ()), cmd=cmd, limit=cap(1024 * MiB))
ksyms_path = path
refused(path, "kallsyms inflating to 1 GiB, budget 256M", ["kallsyms", "memory budget of 256 MiB"],
        cmd="steps", budget="256M", limit=cap(256 * MiB))
rc, out, err = run("--max-memory=256M", "convert", path, "-o", os.path.join(tmp, "k.dat"),
                   limit=cap(256 * MiB))
t.ok(rc == 2 and "memory budget" in err, "kallsyms inflating to 1 GiB: convert refuses it too",
     err[-500:])
lines = b"ffffffff81000000 T a\n" * (3 * MiB)
path = make("ksymslines.dat", v7_kallsyms(d7, lines))
refused(path, "3 M kallsyms lines, budget 256M", ["the kallsyms section, parsed"], cmd="steps",
        budget="256M", limit=cap(256 * MiB))

# The other commands that read a file refuse the same bombs the same way:
# one message, exit 2, under prlimit; annotate (in place) and redact write
# nothing: the input is left byte for byte and no temp file stays beside it.
claims = make("bomb.claims", b"returns socket = 3\n")
for bomb, what, expect, limit in (
        (ksyms_path, "kallsyms inflating to 1 GiB", ["kallsyms", "memory budget of 1 GiB"],
         cap(1024 * MiB)),
        (cpucount_path, "CPUCOUNT 2^30", ["CPUCOUNT", "1073741824"], SMALL)):
    for cmd, args in (("steps", ("--format", "json")), ("objects", ()), ("verify", (claims,)),
                      ("annotate", ()), ("redact", None)):
        d = os.path.join(tmp, "alone-%s" % cmd)
        os.makedirs(d, exist_ok=True)
        inp = os.path.join(d, os.path.basename(bomb))
        with open(bomb, "rb") as f:
            before = f.read()
        with open(inp, "wb") as f:
            f.write(before)
        outp = os.path.join(d, "redacted.dat")
        if args is None:
            rc, out, err = run(cmd, inp, "-o", outp, limit=limit)
            args = ()
        else:
            rc, out, err = run(cmd, *args, inp, limit=limit)
        lines = [line for line in err.splitlines() if line.strip()]
        label = ("%s: %s %s" % (what, cmd, " ".join(a for a in args if a != claims))).rstrip()
        t.eq(rc, 2, "%s exits 2" % label)
        t.ok(len(lines) == 1 and os.path.basename(bomb) in lines[0] and all(e in lines[0] for e in expect),
             "%s says so in one line (%s)" % (label, " / ".join(expect)), err[-2000:])
        t.ok("out of memory" not in err and "Sanitizer" not in err and "runtime error" not in err,
             "%s: no out-of-memory or sanitizer report" % label)
        if cmd in ("annotate", "redact"):
            with open(inp, "rb") as f:
                t.ok(f.read() == before, "%s: the input is left byte for byte" % label)
            t.eq(sorted(os.listdir(d)), [os.path.basename(bomb)], "%s: nothing written beside it" % label)
        os.unlink(inp)

# The option itself.
rc, out, err = run("--max-memory", "12Q", "info", V7)
t.ok(rc == 2 and "12Q" in err, "--max-memory 12Q: a usage error naming the value", err)
env2 = dict(os.environ, KSTEP_MAX_MEMORY="2M")
p = subprocess.run([KSTEP, "info", V7], env=env2, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                   text=True)
t.ok(p.returncode == 2 and "memory budget of 2 MiB" in p.stderr and "kallsyms" in p.stderr,
     "KSTEP_MAX_MEMORY=2M: the fixture's kallsyms does not fit, and the message says so",
     p.stderr[-600:])
rss = []
rc, out, err = run("info", V7, budget="256M", limit=cap(256 * MiB), rss=rss)
t.eq(rc, 0, "the real fixture fits a 256M budget under prlimit")
within("the real fixture, budget 256M", rss, 256 * MiB)
t.done()
