"""kstep tree --format dot: the call tree as a Graphviz graph that dot draws
(dot -Tsvg exits 0 on every fixture, one SVG node per DOT node). Against
trace-cmd on a function_graph fixture: the task's calls are the boxes,
each under its caller, with trace-cmd's duration; interrupt work (trace-cmd's
hardirq/softirq flags) is shaded, nothing else is."""
import collections
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "golden"))
from tap import Tap, env  # noqa: E402
import oracle  # noqa: E402

KSTEP = env("KSTEP")
FIX = env("FIXTURES")
t = Tap()
DOT = shutil.which("dot")
NODE = re.compile(r'^  n(\d+) \[label="((?:[^"\\]|\\.)*)"(.*)\];$')
EDGE = re.compile(r"^  n(\d+) -> n(\d+)")


def tree_dot(path, *args):
    p = subprocess.run([KSTEP, "tree", "--format", "dot", *args, path], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    return p.returncode, p.stdout, p.stderr


def parse(out):
    nodes, parent = {}, {}
    for line in out.splitlines():
        m = NODE.match(line)
        if m:
            lines = m.group(2).split("\\l")
            nodes[int(m.group(1))] = (lines[0], lines[1] if len(lines) > 2 else None, "filled" in m.group(3))
        m = EDGE.match(line)
        if m:
            parent[int(m.group(2))] = int(m.group(1))
    return nodes, parent


for name in sorted(f for f in os.listdir(FIX) if f.endswith(".dat")):
    rc, out, err = tree_dot(os.path.join(FIX, name))
    if not t.ok(rc == 0 and out.startswith("digraph"), "%s: tree --format dot exits 0 with a digraph" % name, err):
        continue
    nodes, parent = parse(out)
    t.ok(len(parent) == len(nodes) - 1 and all(p in nodes for p in parent.values()),
         "%s: %d nodes, one edge to each from its parent" % (name, len(nodes)))
    if not DOT:
        t.skip("%s: dot -Tsvg" % name, "graphviz (dot) is not installed")
        continue
    p = subprocess.run([DOT, "-Tsvg"], input=out, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    t.ok(p.returncode == 0 and not p.stderr.strip() and p.stdout.count('class="node"') == len(nodes),
         "%s: dot -Tsvg draws all %d nodes without a warning" % (name, len(nodes)), p.stderr[-500:])

path = os.path.join(FIX, "vm61-inet-stream-fg.dat")
rc, out, err = tree_dot(path)
nodes, parent = parse(out)
recs = oracle.records(path)
pid = int(re.search(r"\(pid (\d+)\)", out).group(1))
root = oracle.fgraph_tree(recs, pid)
UNIT = {"ns": 1, "us": 1000, "ms": 1000000, "s": 1000000000}


def ns(text):
    m = re.match(r"([\d.]+) (ns|us|ms|s)$", text or "")
    return float(m.group(1)) * UNIT[m.group(2)] if m else None


want, want_irq, want_top = collections.Counter(), collections.Counter(), collections.Counter()
for c in oracle.walk(root):
    if c.name is None:
        continue
    if c.irq:
        want_irq[c.name] += 1
    elif c.parent and c.parent.name:
        want[(c.name, c.parent.name)] += 1
    else:
        want_top[c.name] += 1
got, got_irq, bad_dur = collections.Counter(), collections.Counter(), []
got_top = collections.Counter()
for i, (label, dur, shaded) in nodes.items():
    name = re.sub(r"^\[\w+\] ", "", label)
    name = name[:-2] if name.endswith("()") else name
    if shaded:
        got_irq[name] += 1
        continue
    pl = nodes[parent[i]][0] if i in parent else ""
    got[(name, pl[:-2] if pl.endswith("()") else pl)] += 1
    got_top[name] += 1
t.ok(sum(want.values()) > 50 and not (want - got),
     "fgraph: every one of trace-cmd's %d nested task calls is an unshaded box under its caller"
     % sum(want.values()), repr(list((want - got).items())[:5]))
t.ok(not (want_top - got_top), "fgraph: trace-cmd's outermost task calls are unshaded boxes (%s)"
     % ", ".join(want_top), repr(want_top - got_top))
t.ok(sum(want_irq.values()) > 10 and not (want_irq - got_irq),
     "fgraph: trace-cmd's %d interrupt calls are shaded" % sum(want_irq.values()),
     repr(list((want_irq - got_irq).items())[:5]))
s = oracle.find(root, "__sys_socket")[0]
d = next(ns(dur) for label, dur, _ in nodes.values() if label == "__sys_socket()")
t.ok(d is not None and abs(d - s.dur_ns()) < 1000, "__sys_socket: the box's duration %s is trace-cmd's %d ns" %
     (d, s.dur_ns()))
t.done()
