"""kstep steps --format proof (issue 18, item 7) on every recording under
fixtures/: one line per step in the grammar of doc/formats.md, numbered as
the text log numbers them; every citation points back; the ✗ lines are the
failures trace-cmd report -R shows (the EMFILE fixture's -24 returns) and
nothing else on a clean recording; the footer is the text log's."""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "golden"))
import kstepjson  # noqa: E402
import oracle  # noqa: E402
from tap import Tap, env  # noqa: E402

FIX = env("FIXTURES")
t = Tap()

MARK = {"utf8": ("✓", "∴", "✗"), "ascii": ("ok", "so", "no")}
ARROW = {"utf8": ("←", "→"), "ascii": ("<-", "->")}


def line_re(kind):
    ok, so, no = (re.escape(m) for m in MARK[kind])
    return re.compile(r"^(\d+)\. (%s|%s|%s) (\S.*?)(?: \+(\d+) folded(?: [0-9.]+ [nµum]?s)?)? \[([a-z+-]+)\]$"
                      % (ok, so, no))


def body(out):
    lines = out.splitlines()
    start = lines.index("") + 1
    end = lines.index("NEW THINGS INTRODUCED WITHOUT DERIVATION")
    return [l for l in lines[start:end] if l and not l.startswith("sources: ")]


def footer(out):
    lines = out.splitlines()
    return lines[lines.index("NEW THINGS INTRODUCED WITHOUT DERIVATION"):]


def check(path, args, kind):
    name = os.path.basename(path)
    extra = ["--ascii"] if kind == "ascii" else []
    rc, out, err = kstepjson.run("steps", "--format", "proof", *extra, *args, path, check=False)
    if rc != 0:
        t.ok(False, "%s: kstep steps --format proof %s exits 0 (%s)" % (name, " ".join(args), err.strip()))
        return []
    text = kstepjson.run("steps", *extra, *args, path)[1]
    rx = line_re(kind)
    lines = body(out)
    bad = [l for l in lines if not rx.match(l)]
    t.eq(bad[:3], [], "%s %s: every step line fits the grammar" % (name, kind))
    nums = [int(rx.match(l).group(1)) for l in lines if rx.match(l)]
    t.eq(nums, list(range(1, len(nums) + 1)), "%s %s: steps numbered 1..%d in order" % (name, kind, len(nums)))
    tsteps = [l for l in text.splitlines() if re.match(r"^\s*\d+  ", l)]
    t.eq(len(nums), len(tsteps), "%s %s: as many steps as the text log" % (name, kind))
    back = ARROW[kind][0]
    fwd = ["%d cites %s" % (n, m) for n, l in zip(nums, lines)
           for m in re.findall(re.escape(back) + r"#(\d+)", l) if int(m) >= n]
    t.eq(fwd, [], "%s %s: every %s#M cites an earlier step" % (name, kind, back))
    t.eq(footer(out), footer(text), "%s %s: the footer is the text log's" % (name, kind))
    return lines


fixtures = sorted(f for f in os.listdir(FIX) if f.endswith(".dat"))
for f in fixtures:
    path = os.path.join(FIX, f)
    for kind in ("utf8", "ascii"):
        check(path, [], kind)
    check(path, ["--all"], "utf8")

# The failures are the ones the kernel reported: trace-cmd report -R of the EMFILE recording.
path = os.path.join(FIX, "vm6.1-emfile.kstep.dat")
recs = oracle.records(path)


def ret(event):
    r = oracle.first(recs, event)
    v = oracle.num(r.f["ret"]) if "ret" in r.f else oracle.num(r.rest.split()[-1])
    return v - (1 << 64) if v >= 1 << 63 else v


lines = check(path, ["--syscall", "socket"], "utf8")
failed = [l for l in lines if l.split(" ", 2)[1] == "✗"]
want = {"get_unused_fd_flags": ret("get_unused_fd_flags_ret"), "__sys_socket": ret("__sys_socket_ret"),
        "syscall socket": ret("sys_exit_socket")}
for what, v in want.items():
    hit = [l for l in failed if re.search(r"\. ✗ %s returned → %d EMFILE" % (re.escape(what), v), l)]
    t.eq(len(hit), 1, "EMFILE: ✗ %s returned → %d EMFILE (trace-cmd: %d)" % (what, v, v))
libc = ret("libc_socket_ret")
t.ok(any(re.search(r"\. ✗ libc_socket returned → %d errno 24 EMFILE" % libc, l) for l in failed),
     "EMFILE: ✗ libc_socket returned → %d (trace-cmd), the failure arriving in the program" % libc)
t.eq(len(failed), 4, "EMFILE: nothing else is marked failed")
t.ok(all(" ✓ " in l or " ∴ " in l for l in check(os.path.join(FIX, "vm6.1-socket.kstep.dat"),
                                                  ["--syscall", "socket"], "utf8")),
     "vm6.1 socket: nothing failed on a clean socket()")

# A line whose every value cites an earlier one is derived: fd_install's fd and file.
lines = check(os.path.join(FIX, "vm6.1-socket.kstep.dat"), ["--syscall", "socket"], "utf8")
fd = [l for l in lines if " fd_install(" in l]
t.ok(len(fd) == 1 and " ∴ fd_install(fd=3 ←#" in fd[0], "vm6.1 socket: ∴ fd_install(fd=3 ←#N ...)")
sock = oracle.records(os.path.join(FIX, "vm6.1-socket.kstep.dat"))
fd3 = oracle.num(oracle.first(sock, "get_unused_fd_flags_ret").f["ret"])
gu = [l for l in lines if "get_unused_fd_flags returned" in l]
t.ok(len(gu) == 1 and gu[0].endswith("✓ get_unused_fd_flags returned → %d [fgraph+kprobe]" % fd3),
     "vm6.1 socket: ✓ get_unused_fd_flags returned → %d, as trace-cmd -R records it" % fd3)
t.done()
