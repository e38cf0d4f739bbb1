"""kstep steps --steps N (issue 18, item 1): on every recording under
fixtures/, N in 5, 20 and 60: at most N numbered steps, each the full log's
step it says it is (n_full, same name and kind), ancestors kept (the tree
stays true), no citation of a later step, every "folded into #k" names a
shown k whose subtree in the full log holds the producer; footer and status
as the full log's (tests/golden/test-derive.py also runs --steps). On the
6.1 socket() recording with --steps 60 the values trace-cmd report -R
records for the syscall's entry and exit, get_unused_fd_flags' return,
fd_install and every allocation the log cites are on shown steps."""
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
VIEW = re.compile(r"\(--all (shows|expands) them\)|matching --hide|without --steps they are shown")
t = Tap()


def log(path, *args):
    rc, out, err = kstepjson.run("steps", "--no-dwarf", "--format", "json", *args, path, check=False)
    return json.loads(out) if rc == 0 else None


def footer(doc):
    f = doc["footer"]
    return (f["underived"], f["lost"], f["missing"], [n["text"] for n in f["gaps"] if not VIEW.search(n["text"])],
            f["status"])


def subtree_ends(steps):
    """The last full-log step of each step's subtree (its return step included)."""
    last = {s["n"]: s["n"] for s in steps}
    by_n = {s["n"]: s for s in steps}
    for s in steps:
        n = s["n"]
        owner = s["call"] if s["kind"] == "return" else None
        if owner:
            last[owner] = max(last[owner], n)
        p = s["parent"] if not owner else by_n[owner]["parent"]
        while p:
            last[p] = max(last[p], n)
            p = by_n[p]["parent"]
    return last


def check(path, n, *args):
    name = "%s --steps %d%s" % (os.path.basename(path), n, "".join(" " + a for a in args))
    full, cut = log(path, *args), log(path, "--steps", str(n), *args)
    if full is None or cut is None:
        t.ok(False, "%s: exit 0" % name)
        return None, None
    steps, fsteps = cut["steps"], full["steps"]
    t.ok(len(steps) <= n, "%s: at most %d steps (%d of %d)" % (name, n, len(steps), len(fsteps)))
    t.eq(cut["budget"], {"steps": n, "shown": len(steps), "full": len(fsteps)},
         "%s: the header says what is shown" % name)
    t.eq([s["n"] for s in steps], list(range(1, len(steps) + 1)), "%s: numbered 1..%d" % (name, len(steps)))
    by_full = {s["n"]: s for s in fsteps}
    same = [s["n"] for s in steps if by_full.get(s["n_full"], {}).get("name") != s["name"]
            or by_full[s["n_full"]]["kind"] != s["kind"]]
    t.eq(same, [], "%s: each step is the full log's step n_full" % name)
    shown_full = {s["n_full"] for s in steps}
    orphans = [s["n"] for s in steps if s["parent"] and s["parent"] >= s["n"]]
    lost_parent = [s["n"] for s in steps if s["kind"] != "return"
                   and (by_full[s["n_full"]]["parent"] or 0) not in shown_full | {0}]
    t.eq(orphans + lost_parent, [], "%s: every kept step's parent is kept (the tree stays true)" % name)
    fwd, bad_fold = [], []
    last = subtree_ends(fsteps)
    for s in steps:
        for v in s["args"] + ([s["ret"]] if s["ret"] else []):
            d = v["derivation"]
            if d.get("step") is not None and d["step"] >= s["n"]:
                fwd.append("%d cites %d" % (s["n"], d["step"]))
            k = d.get("folded_into")
            if k is None:
                continue
            if not 1 <= k <= len(steps):
                bad_fold.append("%d: folded into #%d, not shown" % (s["n"], k))
                continue
            lo = steps[k - 1]["n_full"]
            inside = [f for f in fsteps if lo <= f["n"] <= last[lo] and f["name"] == d["producer"]]
            if not inside:
                bad_fold.append("%d: %s is not under #%d" % (s["n"], d["producer"], k))
    t.eq(fwd, [], "%s: no citation of a later step" % name)
    t.eq(bad_fold, [], "%s: every 'folded into #k' holds its producer in k's subtree" % name)
    t.eq(footer(cut), footer(full), "%s: footer and status of the full log" % name)
    return cut, full


for f in sorted(os.listdir(FIX)):
    if f.endswith(".dat"):
        for n in (5, 20, 60):
            check(os.path.join(FIX, f), n)

# The facts of the hand-traced log are on shown steps: trace-cmd report -R of the 6.1 recording.
path = os.path.join(FIX, "vm6.1-socket.kstep.dat")
recs = oracle.records(path)
cut, full = check(path, 60, "--syscall", "socket")
steps = cut["steps"] if cut else []


def shown(name, kind=None):
    return [s for s in steps if s["name"] == name and (kind is None or s["kind"] == kind)]


def val(s, arg):
    for v in s["args"]:
        if v["name"] == arg:
            return int(v["raw"], 0)
    return None


enter = oracle.first(recs, "sys_enter_socket")
sc = shown("socket", "syscall")
t.ok(len(sc) == 1 and all(val(sc[0], a) == oracle.num(enter.f[a]) for a in ("family", "type", "protocol")),
     "socket(family=%s type=%s protocol=%s) as trace-cmd records sys_enter_socket"
     % (enter.f["family"], enter.f["type"], enter.f["protocol"]))
exit_ = oracle.num(oracle.first(recs, "sys_exit_socket").f["ret"])
ret = [s for s in steps if s["kind"] == "return" and s["name"] == "socket"]
t.ok(len(ret) == 1 and int(ret[0]["ret"]["raw"]) == exit_, "socket() returned %d, as sys_exit_socket" % exit_)
gu = oracle.num(oracle.first(recs, "get_unused_fd_flags_ret").f["ret"])
t.ok(any(s["ret"] and int(s["ret"]["raw"]) == gu for s in shown("get_unused_fd_flags")),
     "get_unused_fd_flags returned %d, as get_unused_fd_flags_ret" % gu)
fd = oracle.first(recs, "fd_install")
t.ok(any(val(s, "fd") == oracle.num(fd.f["fd"]) for s in shown("fd_install")),
     "fd_install(fd=%s), as trace-cmd records it" % fd.f["fd"])
cited = set()
for s in (full["steps"] if full else []):
    for v in s["args"] + ([s["ret"]] if s["ret"] else []):
        if v["derivation"]["kind"] == "step" and v["derivation"]["producer"] == "kmem:kmem_cache_alloc":
            cited.add(int(v["raw"], 0))
ptrs = {oracle.num(r.f["ptr"]) for r in recs if r.event == "kmem_cache_alloc"}
on = {val(s, "ptr") for s in shown("kmem:kmem_cache_alloc")}
t.ok(cited and cited <= ptrs, "the allocations the full log cites are trace-cmd's kmem_cache_alloc ptrs (%d)"
     % len(cited))
t.eq(sorted(cited - on), [], "each cited allocation is on a shown kmem_cache_alloc step")
t.done()
