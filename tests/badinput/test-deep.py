"""Deep call trees: a trace.dat whose one task nests ~40,000 function_graph
calls (built here, at test time, from a real fixture's headers with
synthetic ring-buffer pages) goes through every analysis command without
overflowing the stack: each exits 0 (or 2 with one clear message), never
crashes, and the log's depth is the one written. Every run is under prlimit
--as of its memory budget (1 GiB by default, 28 MiB for the runs that must
stop at it) plus 32 MiB for the binary, libraries and allocator slack
(measured: a 28 MiB-budget run needs ~42 MiB of address space, kstep
--version ~20 MiB); not in a sanitizer build, whose shadow memory needs
terabytes of address space."""
import json
import os
import re
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
from v6layout import v6_layout  # noqa: E402
from tap import Tap, env, tmpdir  # noqa: E402

KSTEP = env("KSTEP")
FIX = env("FIXTURES")
TEMPLATE = os.path.join(FIX, "vm6.1-socket.kstep.dat")
DEPTH = int(os.environ.get("KSTEP_DEEP", "40000"))
PAGE = 4096
MiB = 1 << 20
MARGIN = 32 * MiB
SAN = os.environ.get("KSTEP_SANITIZED") == "1"
t = Tap()
tmp = tmpdir("kstep-deep-")


def run(*args, timeout=600, budget=1024 * MiB):
    """kstep ARGS under prlimit --as of budget (kstep's default, or the
    --max-memory the args give) plus MARGIN."""
    cmd = [KSTEP, *args]
    if not SAN:
        cmd = ["prlimit", "--as=%d" % (budget + MARGIN)] + cmd
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def v6_parts(d):
    """(bytes before the flyrecord's CPU table, CPU count, bytes between the
    table and the first CPU's data), from tests/lib/v6layout.py."""
    lay = v6_layout(d)
    fly, ncpu = lay["table"], len(lay["cpus"])
    first = min(off for off, size in lay["cpus"] if size) if any(s for _, s in lay["cpus"]) else fly + 16 * ncpu
    return d[:fly], ncpu, d[fly + 16 * ncpu:first]


def event_id(d, name):
    m = re.search(rb"name: " + name + rb"\nID: (\d+)\n", d)
    return int(m.group(1))


def pages(records):
    """Ring-buffer pages (64-bit: u64 timestamp, u64 commit) holding records,
    each (delta_ns, payload); payloads are multiples of 4 bytes."""
    out, ts, body = [], 1000000000, b""
    page_ts = ts
    for delta, payload in records:
        head = struct.pack("<I", (len(payload) // 4) | (delta << 5))
        if len(body) + 4 + len(payload) > PAGE - 16:
            out.append(struct.pack("<QQ", page_ts, len(body)) + body + b"\0" * (PAGE - 16 - len(body)))
            body, page_ts, head = b"", ts + delta, struct.pack("<I", len(payload) // 4)
        body += head + payload
        ts += delta
    out.append(struct.pack("<QQ", page_ts, len(body)) + body + b"\0" * (PAGE - 16 - len(body)))
    return b"".join(out)


def deep_file(path, depth, pid, func):
    src = os.path.join(tmp, "template.v6.dat")
    rc, _, err = run("convert", "--file-version", "6", "--compression", "none", TEMPLATE, "-o", src)
    assert rc == 0, "kstep convert of the template failed: %s" % err
    d = open(src, "rb").read()
    head, ncpu, between = v6_parts(d)
    entry, exit_ = event_id(d, b"funcgraph_entry"), event_id(d, b"funcgraph_exit")
    recs = []
    for i in range(depth):
        # common: type, flags, preempt count, pid; then func, depth (padded to 24)
        recs.append((100, struct.pack("<HBBiQiI", entry, 0, 0, pid, func, i, 0)))
    t0 = 1000000000
    for i in reversed(range(depth)):
        calltime = t0 + 100 * (i + 1)
        rettime = t0 + 100 * depth + 100 * (depth - i)
        recs.append((100, struct.pack("<HBBiQiIQQ", exit_, 0, 0, pid, func, i, 0, calltime, rettime)))
    data = pages(recs)
    start = len(head) + 16 * ncpu + len(between)
    start = (start + PAGE - 1) // PAGE * PAGE
    table = b"".join(struct.pack("<QQ", start, len(data)) if cpu == 0 else struct.pack("<QQ", start, 0)
                     for cpu in range(ncpu))
    body = head + table + between
    with open(path, "wb") as f:
        f.write(body + b"\0" * (start - len(body)) + data)


def clean(what, rc, err):
    lines = [line for line in err.splitlines() if line.strip()]
    t.ok(rc == 0 or (rc == 2 and len(lines) == 1), "%s: exit 0 (or 2 with one message), not a crash (%d)"
         % (what, rc), err[-1500:])
    t.ok("AddressSanitizer" not in err and "runtime error" not in err and "Segmentation" not in err
         and "out of memory" not in err,
         "%s: no sanitizer report, no out of memory" % what, err[-1500:])


d = open(TEMPLATE, "rb").read()
m = re.search(rb"\n([0-9a-f]{16}) [Tt] __sys_socket\n", d)
func = int(m.group(1), 16) if m else 0xffffffff81000000
path = os.path.join(tmp, "deep.dat")
deep_file(path, DEPTH, 104, func)
t.comment("%s: %d nested calls of 0x%x, %d bytes" % (path, DEPTH, func, os.path.getsize(path)))

rc, out, err = run("info", path)
clean("info", rc, err)
t.ok("ftrace:funcgraph_entry" in out and str(DEPTH) in out, "info counts %d entries" % DEPTH, out[-1500:])

rc, out, err = run("steps", "--all", "--no-dwarf", path)
clean("steps --all", rc, err)
rows = [line for line in out.splitlines() if re.match(r"\s*\d+\s", line)]
t.eq(len(rows), DEPTH, "steps --all: one step per nested call")
rc, out, err = run("steps", "--all", "--format", "records", path)
clean("steps --format records", rc, err)
rc, out, err = run("steps", "--all", "--format", "json", path)
clean("steps --format json", rc, err)
try:
    depth = max(st["depth"] for st in json.loads(out)["steps"])
except (ValueError, KeyError) as e:
    depth = "unreadable JSON: %s" % e
t.eq(depth, DEPTH - 1, "json: the deepest step is at depth %d" % (DEPTH - 1))
rc, out, err = run("tree", path)
clean("tree", rc, err)
t.eq(sum(1 for line in out.splitlines() if "[fgraph]" in line), DEPTH, "tree: every nested call is a line")
rc, out, err = run("steps", "--depth", "5", path)
clean("steps --depth 5", rc, err)
rc, out, err = run("diff", path, path)
clean("diff A A", rc, err)
t.ok(rc == 0 and "no differences" in out, "diff of the file with itself: no differences", out[-800:])

# The calls a trace opens and never closes are kept: they are charged to the
# memory budget like every size the file claims. With room for the loader
# (~26 MiB: the parsed kallsyms) but not for 40,000 open calls, each command
# ends in one message naming the call chain and the option that raises it.
for args in (("steps", "--all", "--no-dwarf", path), ("tree", path), ("diff", path, path)):
    rc, out, err = run("--max-memory", "28M", *args, budget=28 * MiB)
    clean("%s under a 28 MiB budget" % args[0], rc, err)
    t.ok(rc == 2 and "the call chain" in err and "--max-memory" in err,
         "%s under a 28 MiB budget: exit 2 naming the call chain (%d)" % (args[0], rc), err[-800:])
t.done()
