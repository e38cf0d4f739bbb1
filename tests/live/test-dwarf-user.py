"""DWARF in user space, recorded live with uprobes: tests/progs/inltail
(gcc -O2 -g) calls leaf() twice from twice(), which is inlined into main,
and reaches last() through hop(), which ends in a tail call. Only main,
leaf and last are probed; kstep steps must show twice as an inline step
and hop as a tail step, each line equal to what eu-addr2line -i and
addr2line -i say at the return addresses objdump finds."""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
import kstepjson  # noqa: E402
import live  # noqa: E402
import srcline  # noqa: E402
from tap import Tap, tmpdir  # noqa: E402

t = Tap()
PROG = live.prog("inltail")

# the compiler must still have done what the test is about
info = subprocess.run(["readelf", "--debug-dump=info", PROG], stdout=subprocess.PIPE, text=True).stdout
t.ok("DW_TAG_inlined_subroutine" in info, "inltail's DWARF has a DW_TAG_inlined_subroutine")
t.ok("DW_AT_call_tail_call" in info, "inltail's DWARF has a DW_AT_call_tail_call")

why = live.why_not()
if why:
    t.skip("recording inltail with uprobes", why)
    t.done()
live.lock()
tmp = tmpdir("kstep-dwarf-user-")
out = os.path.join(tmp, "inltail.dat")
probes = []
for f in ("main", "leaf", "last"):
    probes += ["--uprobe", "prog:" + f, "--uretprobe", "prog:" + f]
live.record(out, "-q", *probes, "--", PROG)
rc, text, err = kstepjson.run("steps", "--format", "json", out, check=False)
t.eq(rc, 0, "kstep steps reads the recording", )
doc = json.loads(text)
steps = doc["steps"]
by = {}
for s in steps:
    by.setdefault(s["name"], []).append(s)
kids = lambda p: [s for s in steps if s["parent"] == p["n"]]  # noqa: E731
main = by["main"][0]
t.eq([(s["name"], s["evidence"]) for s in kids(main)], [("twice", "inline"), ("hop", "tail")],
     "main: the inlined twice and the tail-calling hop are steps of their own")
twice, hop = by["twice"][0], by["hop"][0]
t.eq([(s["name"], s["evidence"]) for s in kids(twice)], [("leaf", "uprobe"), ("leaf", "uprobe")],
     "twice calls leaf twice")
t.eq([(s["name"], s["evidence"]) for s in kids(hop)], [("last", "uprobe")], "hop leads to last")


def short(loc):
    return srcline.short(loc)


def addr2line(tool, addr):
    return srcline.addr2line(tool, PROG, addr)


def returns(func, callee, op="call"):
    return srcline.returns(PROG, func, callee, op)


def blind(tool, want):
    """eu-addr2line 0.188 finds no unit in a clang binary (clang writes no .debug_aranges)."""
    if want and want[0][1].startswith("??"):
        t.skip("%s on this binary" % tool, "%s cannot place the address (no .debug_aranges)" % tool)
        return True
    return False


leaf_rets = returns("main", "leaf")
t.eq(len(leaf_rets), 2, "objdump: main calls leaf twice (twice() inlined)")
for k, (ret, step) in enumerate(zip(leaf_rets, by["leaf"])):
    for tool in ("eu-addr2line", "addr2line"):
        want = addr2line(tool, ret - 1)
        if blind(tool, want):
            continue
        got = [("twice", short(step["call_site"])), ("main", short(twice["inlined_at"]))]
        t.eq([(f, os.path.basename(l)) for f, l in got], [(f, os.path.basename(l)) for f, l in want],
             "leaf call %d: %s -i gives the same functions and lines" % (k + 1, tool))
jmp = returns("hop", "last", op="jmp")
hop_ret = returns("main", "hop")
t.ok(jmp and hop_ret, "objdump: hop jumps to last; main calls hop")
if jmp and hop_ret:
    for tool in ("eu-addr2line", "addr2line"):
        want = addr2line(tool, jmp[0] - 1)
        if blind(tool, want):
            continue
        t.eq(os.path.basename(short(by["last"][0]["call_site"])), os.path.basename(want[0][1]),
             "last: the tail call's line in hop, as %s says" % tool)
        want = addr2line(tool, hop_ret[0] - 1)
        t.eq(os.path.basename(short(hop["call_site"] if "call_site" in hop else hop.get("inlined_at", ""))),
             os.path.basename(want[0][1]), "hop: its call's line in main, as %s says" % tool)
t.done()
