"""kstep redact on the real fixtures, checked with trace-cmd as the oracle:
trace-cmd still reads the redacted file; its raw report (-R) is the original's
with every kernel address replaced through one bijection (one 2 MiB-aligned
offset for the kernel image, one page-aligned offset for modules, heap
pointers renamed with their offset in the page kept) and nothing else
changed; its symbolic report names the same functions (kallsyms moved with
the text); kallsyms and the printk formats moved by the same image offset.
kstep's JSON step log of the redacted file is the original's with the values
mapped through that same (trace-cmd-observed) mapping; kstep diff finds the
two equal; kstep info says the file is redacted; and no original heap
pointer is left anywhere in the uncompressed file."""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "golden"))
import oracle  # noqa: E402
from tap import Tap, env, tmpdir  # noqa: E402

t = Tap()
FIX = env("FIXTURES", "fixtures")
KSTEP = env("KSTEP", "kstep")
TC = oracle.TRACE_CMD
tmp = tmpdir("kstep-redact-")

IMG = (0xffffffff80000000, 0xffffffffc0000000)
MOD = (0xffffffffc0000000, 0xffffffffff000000)
HEAP = (0xffff800000000000, 0xffffffff80000000)
HEX16 = re.compile(r"(?<![0-9a-fA-F])(?:0x)?([0-9a-f]{16})(?![0-9a-fA-F])")
ARRAY = re.compile(r"ARRAY\[([0-9a-f, ]*)\]")


def region(v):
    for name, (lo, hi) in (("image", IMG), ("modules", MOD), ("heap", HEAP)):
        if lo <= v < hi:
            return name
    return None


def run(*args):
    p = subprocess.run(list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return p.returncode, p.stdout, p.stderr


def words_of_array(m):
    """The 8-byte little-endian words of a trace-cmd ARRAY[...] (whole words only)."""
    b = bytes(int(x, 16) for x in m.group(1).split(", ") if x)
    return [int.from_bytes(b[i:i + 8], "little") for i in range(0, len(b) - 7, 8)], b[len(b) // 8 * 8:]


def split_values(line):
    """A report line as (text with values blanked, [64-bit values])."""
    vals = []
    # trace-cmd prints kernel_stack's caller[8] whole, past the record's end
    # into the next record when size < 8: only the first size words are the stack's
    stack = re.search(r"kernel_stack:\s+size=(\d+) ", line)

    def arr(m):
        words, rest = words_of_array(m)
        if stack:
            words, rest = words[:int(stack.group(1))], b""
        vals.extend(words)
        return "ARRAY<%d+%s>" % (len(words), rest.hex())

    line = ARRAY.sub(arr, line)

    def hx(m):
        vals.append(int(m.group(1), 16))
        return "<V>"

    return HEX16.sub(hx, line), vals


class Mapping:
    def __init__(self):
        self.fwd, self.back, self.conflicts = {}, {}, []

    def add(self, a, b):
        if self.fwd.setdefault(a, b) != b or self.back.setdefault(b, a) != a:
            self.conflicts.append((hex(a), hex(b), hex(self.fwd[a]), hex(self.back[b])))


def compare_reports(name, orig, red, m):
    """Lines equal once values are blanked; values paired into m."""
    a, b = orig.splitlines(), red.splitlines()
    bad = []
    if len(a) != len(b):
        return ["%d lines vs %d" % (len(a), len(b))]
    for la, lb in zip(a, b):
        ta, va = split_values(la)
        tb, vb = split_values(lb)
        if ta != tb or len(va) != len(vb):
            bad.append((la[:200], lb[:200]))
            continue
        for x, y in zip(va, vb):
            m.add(x, y)
    return bad[:5]


def check_mapping(name, m, kstep_file):
    t.eq(m.conflicts[:5], [], "%s: the values map one to one (a bijection)" % name)
    deltas = {"image": set(), "modules": set()}
    kept, low_bits, out_of_heap, moved_other = [], [], [], []
    for a, b in m.fwd.items():
        r = region(a)
        if r is None:
            if a != b:
                moved_other.append((hex(a), hex(b)))
            continue
        if a == b:
            kept.append(hex(a))
        if r in deltas:
            deltas[r].add((b - a) % (IMG[1] - IMG[0] if r == "image" else MOD[1] - MOD[0]))
            if region(b) != r:
                out_of_heap.append((hex(a), hex(b)))
        else:
            if a & 0xfff != b & 0xfff:
                low_bits.append((hex(a), hex(b)))
            if region(b) != "heap":
                out_of_heap.append((hex(a), hex(b)))
    nheap = sum(1 for a in m.fwd if region(a) == "heap")
    if kstep_file:
        t.ok(nheap > 0 and len(deltas["image"]) == 1, "%s: the trace has heap pointers (%d) and text "
             "addresses" % (name, nheap), deltas)
    t.eq(kept[:5], [], "%s: no kernel address is left as it was" % name)
    t.eq(moved_other[:5], [], "%s: user addresses, small values, NULL and error values are kept" % name)
    t.eq(low_bits[:5], [], "%s: heap pointers keep their offset in the page" % name)
    t.eq(out_of_heap[:5], [], "%s: every address stays in its region (heap, image, modules)" % name)
    return deltas


def kallsyms(path):
    _, out, _ = run(TC, "dump", "--kallsyms", "-i", path)
    return [ln.split(None, 2) for ln in out.splitlines() if re.match(r"^[0-9a-f]{16} ", ln)]


def printk(path):
    _, out, _ = run(TC, "dump", "--printk", "-i", path)
    return [ln.split(" : ", 1) for ln in out.splitlines() if ln.startswith("0x")]


def map_value(v, m, text):
    """v through the mapping trace-cmd showed: observed pairs, else the text offsets."""
    if v in m.fwd:
        return m.fwd[v]
    for r, (lo, hi) in (("image", IMG), ("modules", MOD)):
        if region(v) == r and len(text[r]) == 1:
            return lo + (v - lo + next(iter(text[r]))) % (hi - lo)
    return None


def map_json(x, m, text):
    """The original step log with every value mapped: hex in strings, decimal u64 strings."""
    if isinstance(x, dict):
        return {k: map_json(v, m, text) for k, v in x.items()}
    if isinstance(x, list):
        return [map_json(v, m, text) for v in x]
    if isinstance(x, str):
        if x.isdigit() and map_value(int(x), m, text) is not None:
            return str(map_value(int(x), m, text))

        def hx(mm):
            w = map_value(int(mm.group(1), 16), m, text)
            return mm.group(0) if w is None else mm.group(0).replace(mm.group(1), "%016x" % w)

        return HEX16.sub(hx, x)
    if isinstance(x, int) and not isinstance(x, bool) and map_value(x, m, text) is not None:
        return map_value(x, m, text)
    return x


def first_diff(a, b, path="$"):
    if type(a) is not type(b):
        return path, a, b
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return path + "." + k, a.get(k), b.get(k)
            d = first_diff(a[k], b[k], path + "." + k)
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return path + ".len", len(a), len(b)
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_diff(x, y, "%s[%d]" % (path, i))
            if d:
                return d
        return None
    return None if a == b else (path, a, b)


FIXTURES = ["vm6.1-socket.kstep.dat", "vm61-inet-stream-fg-kprobes.dat", "host-socket.kstep.dat",
            "vm6.12-socket.kstep.dat", "vm6.1-socket.trace-cmd.dat", "host-inet-stream.v6.dat"]
for f in FIXTURES:
    src = os.path.join(FIX, f)
    red = os.path.join(tmp, f)
    rc, _, err = run(KSTEP, "redact", src, "-o", red)
    if not t.eq(rc, 0, "%s: kstep redact writes the copy" % f):
        t.comment(err)
        continue
    rc, rep_red, err = run(TC, "report", "-R", "-i", red)
    t.eq(rc, 0, "%s: trace-cmd report reads the redacted file" % f)
    _, rep_orig, _ = run(TC, "report", "-R", "-i", src)
    m = Mapping()
    t.eq(compare_reports(f, rep_orig, rep_red, m), [],
         "%s: trace-cmd report -R: every record the same but for the kernel addresses" % f)
    deltas = check_mapping(f, m, "kstep" in f)

    # symbols: the same names where the original had them
    _, sym_orig, _ = run(TC, "report", "-i", src)
    _, sym_red, _ = run(TC, "report", "-i", red)
    t.eq(compare_reports(f, sym_orig, sym_red, Mapping()), [],
         "%s: trace-cmd report resolves the same symbols (kallsyms moved with the text)" % f)

    # the text offsets, independently: from trace-cmd's dump of both kallsyms
    ka, kb = kallsyms(src), kallsyms(red)
    t.ok(len(ka) == len(kb) > 1000 and [a[1:] for a in ka] == [b[1:] for b in kb],
         "%s: kallsyms keeps every symbol, in order" % f)
    text = {}
    for r, (lo, hi) in (("image", IMG), ("modules", MOD)):
        text[r] = {(int(b[0], 16) - int(a[0], 16)) % (hi - lo) for a, b in zip(ka, kb)
                   if region(int(a[0], 16)) == r}
    t.ok(len(text["image"]) == 1 and all(d and d % (2 << 20) == 0 for d in text["image"]),
         "%s: one new offset moves every kernel image symbol, a multiple of 2 MiB" % f, text["image"])
    t.ok(len(text["modules"]) <= 1 and all(d and d % 4096 == 0 for d in text["modules"]),
         "%s: one new page-aligned offset moves every module symbol" % f, text["modules"])
    t.ok(deltas["image"] <= text["image"] and deltas["modules"] <= text["modules"],
         "%s: the text addresses in the records moved with kallsyms" % f, (deltas, text))
    pa, pb = printk(src), printk(red)
    pmoved = {(int(b[0], 16) - int(a[0], 16)) % (IMG[1] - IMG[0]) for a, b in zip(pa, pb)}
    t.ok(len(pa) == len(pb) and [a[1] for a in pa] == [b[1] for b in pb] and pmoved <= text["image"],
         "%s: the printk formats moved by the same offset" % f, pmoved)

    # no original heap pointer anywhere in the file (uncompressed), in binary or as text
    raw = os.path.join(tmp, f + ".raw")
    run(TC, "convert", "--compression", "none", "-i", red, "-o", raw)
    with open(raw, "rb") as fh:
        blob = fh.read()
    heap = [a for a in m.fwd if region(a) == "heap"]
    leaks = [hex(a) for a in heap if a.to_bytes(8, "little") in blob or ("%016x" % a).encode() in blob]
    t.ok(len(blob) > 0 and leaks == [], "%s: no original heap pointer is left in the file" % f, leaks[:5])

    # kstep's step log: the original's, through the mapping trace-cmd showed
    for args in ([], ["--all"]):
        _, ja, _ = run(KSTEP, "steps", "--format", "json", *args, src)
        rc, jb, err = run(KSTEP, "steps", "--format", "json", *args, red)
        a, b = json.loads(ja), json.loads(jb)
        for doc in (a, b):
            doc["file"].pop("path", None)
            doc["file"].pop("uname", None)
        d = first_diff(map_json(a, m, text), b)
        t.ok(rc == 0 and d is None, "%s: kstep steps %s: the same step log, values mapped" % (f, " ".join(args)),
             d and "first difference at %s: %r vs %r" % d)
    rc, out, _ = run(KSTEP, "diff", src, red)
    t.ok(rc == 0 and "EQUAL" in out, "%s: kstep diff finds the original and the redacted copy equal" % f,
         out[-400:])
    rc, out, _ = run(KSTEP, "info", red)
    t.ok(rc == 0 and "\nredacted:     addresses " in out, "%s: kstep info says the file is redacted" % f)
    rc, out, _ = run(KSTEP, "info", "--json", red)
    t.eq(json.loads(out).get("redacted"), "addresses", "%s: kstep info --json too" % f)

# two redactions of one file use different keys: nothing to correlate
a2 = os.path.join(tmp, "again.dat")
run(KSTEP, "redact", os.path.join(FIX, FIXTURES[0]), "-o", a2)
_, r1, _ = run(TC, "report", "-R", "-i", os.path.join(tmp, FIXTURES[0]))
_, r2, _ = run(TC, "report", "-R", "-i", a2)
t.ok(r1 != r2, "two redactions of one file map differently (the key is random, not stored)")

# damaged pages: never a crash, never a page passed on unread
with open(os.path.join(FIX, "host-inet-stream.v6.dat"), "rb") as fh:
    good = fh.read()
PAGES = 7 * 4096  # the file ends with its 7 ring-buffer pages (uncompressed v6)
seed, crashes = 12345, []
for k in range(30):
    bad = bytearray(good)
    for _ in range(8):
        seed = (seed * 1103515245 + 12345) % (1 << 31)
        bad[len(good) - PAGES + seed % PAGES] ^= 1 + seed % 255
    path = os.path.join(tmp, "damaged-%d.dat" % k)
    with open(path, "wb") as fh:
        fh.write(bad)
    rc, _, err = run(KSTEP, "redact", path, "-o", path + ".red")
    if rc not in (0, 2) or "Sanitizer" in err or "runtime error" in err:
        crashes.append((k, rc, err[-300:]))
t.eq(crashes, [], "30 files with damaged pages: kstep redact exits 0 or 2, never crashes")
bad = bytearray(good)
last = len(good) - 4096
bad[last + 8:last + 16] = (0x7ffffff).to_bytes(8, "little")
path = os.path.join(tmp, "commit.dat")
with open(path, "wb") as fh:
    fh.write(bad)
rc, _, err = run(KSTEP, "redact", path, "-o", path + ".red")
t.ok(rc == 0 and "1 damaged pages" in err, "a page whose commit is past its end: redacted with a warning", err)
with open(path + ".red", "rb") as fh:
    red_last = fh.read()[-4096 + 16:]
t.ok(red_last == bytes(len(red_last)), "that page's data is not passed on (zeroed)")
rc, _, _ = run(TC, "report", "-i", path + ".red")
t.eq(rc, 0, "trace-cmd reads the redacted file with the dropped page")

# usage errors
rc, _, err = run(KSTEP, "redact", os.path.join(FIX, FIXTURES[0]))
t.ok(rc == 2 and "-o" in err, "redact without -o: exit 2, says -o is needed", err)
rc, _, err = run(KSTEP, "redact", os.path.join(FIX, FIXTURES[0]), "-o", tmp)
t.ok(rc == 2 and "is a directory" in err, "redact -o DIRECTORY: exit 2 before any work", err)
rc, _, err = run(KSTEP, "redact", os.path.join(tmp, "missing.dat"), "-o", os.path.join(tmp, "x.dat"))
t.ok(rc == 2 and err.count("\n") == 1, "redact of a missing file: one message, exit 2", err)
rc, out, _ = run(KSTEP, "help", "redact")
t.ok(rc == 0 and "--comms" in out and "--strings" in out, "kstep help redact documents the options")
t.done()
