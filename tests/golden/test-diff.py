"""kstep diff on stored recordings. The structural differences between the
Debian 6.1 and 6.12 socket recordings are derived here from trace-cmd's
report of both files (function_graph trees under __x64_sys_socket, without
interrupt work, probe machinery or kstep's default hide list), with its own
alignment: the diff must list exactly those. v6 and v7 encodings of one
recording are equal; a host trace (events and stacks) against a 6.1
function_graph trace says what could not be compared."""
import fnmatch
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "golden"))
import kstepjson  # noqa: E402
import oracle  # noqa: E402
from tap import Tap, env  # noqa: E402

FIX = env("FIXTURES")
TOP = os.path.join(os.environ.get("TESTS_DIR", "tests"), "..")
t = Tap()


def fix(name):
    return os.path.join(FIX, name)


def diff(*args):
    rc, out, err = kstepjson.run("diff", "--format", "json", *args, check=False)
    return rc, (json.loads(out) if out.strip().startswith("{") else None), err


# --- the oracle ---------------------------------------------------------

def hide_globs():
    """kstep's documented default hide list (plugins/noise.tbl, @list hide_default)."""
    globs, on = [], False
    for line in open(os.path.join(TOP, "plugins", "noise.tbl")):
        line = line.strip()
        if line.startswith("@list"):
            on = line.split()[1] == "hide_default"
        elif on and line and not line.startswith("#"):
            globs.append(line)
    return globs


HIDE = hide_globs()
SUFFIX = re.compile(r"\.(isra|constprop|part|cold|llvm)\b.*$")


# What kernels append without changing what a function does (issue: diff
# renames): 6.10's allocation profiling (_noprof), 6.11's gfp variant (_gfp).
RENAME = ("_noprof", "_gfp")


def norm(name):
    n = SUFFIX.sub("", name)
    for r in RENAME:
        if n.endswith(r):
            return n[:-len(r)]
    return n


class N:
    def __init__(self, name, parent):
        self.name, self.parent, self.kids, self.match = name, parent, [], None

    def path(self):
        out, n = [], self
        while n is not None:
            out.append(n.name)
            n = n.parent
        return tuple(reversed(out))


def prune(call, parent=None):
    n = N(call.name, parent)
    for c in oracle.task_children(call):
        if c.name in oracle.IRQ_ENTRY or any(fnmatch.fnmatch(SUFFIX.sub("", c.name), g) for g in HIDE):
            continue
        n.kids.append(prune(c, n))
    return n


def tree(path):
    recs = oracle.records(path)
    pid = oracle.first(recs, "sys_enter_socket").pid
    top = oracle.find(oracle.fgraph_tree(recs, pid), "__x64_sys_socket")[0]
    return prune(top)


def lcs_pairs(xs, ys):
    n, m = len(xs), len(ys)
    T = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            T[i][j] = T[i + 1][j + 1] + 1 if norm(xs[i].name) == norm(ys[j].name) else max(T[i + 1][j], T[i][j + 1])
    i = j = 0
    while i < n and j < m:
        if norm(xs[i].name) == norm(ys[j].name):
            yield xs[i], ys[j]
            i, j = i + 1, j + 1
        elif T[i + 1][j] >= T[i][j + 1]:
            i += 1
        else:
            j += 1


def align(a, b):
    for x, y in lcs_pairs(a.kids, b.kids):
        x.match, y.match = y, x
        align(x, y)


def loose(n):
    for k in n.kids:
        if k.match is None:
            yield k
        else:
            yield from loose(k)


def expected(a, b):
    a.match, b.match = b, a
    align(a, b)
    moved = []
    lb = list(loose(b))
    for x in list(loose(a)):
        for y in lb:
            if y.match is None and norm(y.name) == norm(x.name):
                x.match, y.match = y, x
                moved.append(x)
                align(x, y)
                break
    out = set()

    def walk(n):
        for k in n.kids:
            if k.match is None:
                out.add(("only in A", k.path()))
                continue
            if k in moved:
                out.add(("moved", k.path()))
            if k.name != k.match.name:
                out.add(("renamed", k.path()))
            walk(k)
    walk(a)

    def walk_b(n):
        for k in n.kids:
            if k.match is None:
                out.add(("only in B", k.path()))
            else:
                walk_b(k)
    walk_b(b)
    return out


# --- the checks ---------------------------------------------------------

rc, d, err = diff(fix("host-inet-stream.v6.dat"), fix("host-inet-stream.v7.dat"))
t.eq(rc, 0, "v6 and v7 encodings of one recording: exit 0")
t.eq(d and d["changes"], [], "... and no change at all")

rc, d, err = diff(fix("vm6.1-socket.kstep.dat"), fix("vm6.1-socket.kstep.dat"))
t.eq((rc, d and d["summary"]["different"]), (0, False), "a file against itself: equal")

a61, a612 = fix("vm6.1-socket.kstep.dat"), fix("vm6.12-socket.kstep.dat")
want = expected(tree(a61), tree(a612))
t.comment("the oracle finds %d structural differences under __x64_sys_socket" % len(want))
rc, d, err = diff("--hide", "kmem:*", a61, a612)
t.eq(rc, 1, "6.1 against 6.12: exit 1 (different)")
got = set()
for c in d["changes"] if d else []:
    if c["kind"] not in ("only in A", "only in B", "moved", "renamed", "not compared"):
        continue
    node = c["a"] or c["b"]
    path = tuple(node["path"])
    if "__x64_sys_socket" not in path:
        continue
    got.add((c["kind"], path[path.index("__x64_sys_socket"):]))
t.eq(sorted(got - want), [], "6.1 against 6.12: nothing listed that trace-cmd's trees do not show")
t.eq(sorted(want - got), [], "6.1 against 6.12: every structural difference of trace-cmd's trees is listed")
t.ok(("only in B", ("__x64_sys_socket", "__sys_socket", "update_socket_protocol")) in got,
     "6.12's new update_socket_protocol is only in B")
t.ok(any(c["kind"] == "renamed" and c["a"]["name"] == "kmem_cache_alloc" and
         c["b"]["name"] == "kmem_cache_alloc_noprof" for c in d["changes"]),
     "kmem_cache_alloc -> kmem_cache_alloc_noprof is a rename")
t.ok(all(c["kind"] != "not compared" for c in d["changes"]), "both sides have function_graph: all compared")

rc, d, err = diff(fix("host-socket.kstep.dat"), a61)
t.ok(d is not None and d["summary"]["not_compared"] > 0,
     "host (events, stacks) against 6.1 (function_graph): some calls not compared", err)
if d:
    fg_only = [c for c in d["changes"] if c["kind"] == "only in B"
               and "__x64_sys_socket" in (c["b"]["path"])]
    t.eq(fg_only, [], "no call under __x64_sys_socket is reported as only in B: A could not see them")
    nc = [c for c in d["changes"] if c["kind"] == "not compared"]
    t.ok(all("has no function_graph" in c["detail"] or "recorded no" in c["detail"] for c in nc),
         "each says why: A has no function_graph / recorded no such events", [c["detail"] for c in nc])

for args, what in (((fix("vm6.1-socket.kstep.dat"),), "one file"),
                   ((fix("vm6.1-socket.kstep.dat"), fix("does-not-exist.dat")), "a missing file"),
                   (("--", fix("vm6.1-socket.kstep.dat")), "nothing on side A")):
    rc, out, err = kstepjson.run("diff", *args, check=False)
    t.eq(rc, 2, "%s: exit 2" % what)
    t.ok(err.strip() and len(err.strip().splitlines()) == 1, "%s: one message" % what, err)
t.done()
