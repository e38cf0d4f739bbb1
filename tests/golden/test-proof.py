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
import objcheck  # noqa: E402
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
    """The step lines: after the header, before the objects' end state and the footer
    (the boxes under a step are indented)."""
    lines = out.splitlines()
    start = lines.index("") + 1
    end = lines.index("NEW THINGS INTRODUCED WITHOUT DERIVATION")
    if "DEFINITIONS (the recording machine's headers)" in lines:
        end = lines.index("DEFINITIONS (the recording machine's headers)")
    if "OBJECTS AT THE END" in lines:
        end = lines.index("OBJECTS AT THE END")
    return [l for l in lines[start:end] if l and not l.startswith((" ", "sources: "))]


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

# Objects drawn where they change and as they end (issue 18, item 6), on the
# socket_kinds recordings: the chain fd -> file -> socket -> sock and the last
# boxes against trace-cmd report -R (fd_install's arguments, what sock_alloc,
# sk_alloc and sock_alloc_file returned) and the headers' constants.
c = objcheck.constants()


def box(lines, title):
    """{field: value} of the box whose title starts with title."""
    for i, l in enumerate(lines):
        if l.strip().startswith("\u2502 " + title):
            rows = {}
            for r in lines[i + 2:]:
                if not r.strip().startswith("\u2502"):
                    break
                cells = r.strip().strip("\u2502").strip().split(None, 1)
                rows[cells[0]] = cells[1].rstrip() if len(cells) > 1 else ""
            return rows
    return None


for f in ("vm6.1-kinds.kstep.dat", "vm6.12-kinds.kstep.dat"):
    path = os.path.join(FIX, f)
    recs = [r for r in oracle.records(path) if r.comm.startswith("socket_kinds")]
    rets = lambda ev: [int(r.f["ret"], 16) for r in recs if r.event == ev]  # noqa: E731
    socks, sks, files = rets("sock_alloc_ret"), rets("sk_alloc_ret"), rets("sock_alloc_file_ret")
    fdi = [(int(r.f["fd"], 0), int(r.f["file"], 16)) for r in recs if r.event == "fd_install"]
    for k in range(3):
        rc, out, err = kstepjson.run("steps", "--no-dwarf", "--format", "proof", "--syscall", "socket", "--nth",
                                     str(k + 1), path, check=False)
        what = "%s socket() #%d" % (f, k + 1)
        lines = out.splitlines()
        end = lines[lines.index("OBJECTS AT THE END"):] if "OBJECTS AT THE END" in lines else []
        chain = [l for l in end if l.startswith("  fd ")]
        want = "  fd %d (#" % fdi[k][0]
        t.ok(len(chain) == 1 and chain[0].startswith(want) and chain[0].endswith(
             " → file 0x%x → socket 0x%x → sock 0x%x" % (fdi[k][1], socks[k], sks[k])),
             "%s: fd %d → file → socket → sock, as trace-cmd -R (fd_install, sock_alloc_file, sock_alloc, "
             "sk_alloc)" % (what, fdi[k][0]), chain)
        so, sk, fi = box(end, "socket 0x%x" % socks[k]), box(end, "sock 0x%x" % sks[k]), box(end, "file 0x%x" % files[k])
        t.ok(so and so.get("state") == "%d SS_UNCONNECTED" % c["SS_UNCONNECTED"] and
             so.get("sk", "").startswith("0x%x" % sks[k]) and so.get("file", "").startswith("0x%x" % files[k]),
             "%s: the socket ends SS_UNCONNECTED, sk = the sock, file = the file" % what, so)
        t.ok(sk and sk.get("sk_state") == "%d TCP_CLOSE" % c["TCP_CLOSE"] and
             sk.get("sk_socket", "").startswith("0x%x" % socks[k]),
             "%s: the sock ends TCP_CLOSE, sk_socket = the socket" % what, sk)
        t.ok(fi and fi.get("private_data", "").startswith("0x%x" % socks[k]),
             "%s: the file's private_data is the socket" % what, fi)
        born = [l for l in lines if re.match(r"\s+\u2502 socket 0x%x \u2190#\d+ new \(allocated at #\d+\)" % socks[k], l)]
        t.eq(len(born), 1, "%s: the socket is drawn new where sock_alloc returned it" % what)
t.done()
