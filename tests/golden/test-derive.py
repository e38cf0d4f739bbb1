"""Derivation is the recording's, not the view's (issue 12): on every fixture
and in every format, the footer's lists and the status are the same under
--depth 1..8, --hide of the producers the log cites and --syscall socket as
with no view; no
citation points at a later step; a producer the view hides is cited by name.
Expected values of the data flow come from trace-cmd report of the files."""
import concurrent.futures
import glob
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "golden"))
import kstepjson  # noqa: E402
import oracle  # noqa: E402
from tap import Tap, env  # noqa: E402

FIX = env("FIXTURES")
FORMATS = ("text", "records", "json")
# lines that describe the view itself (what it hides), not the recording
VIEW = re.compile(r"\(--all (shows|expands) them\)|matching --hide|without --steps they are shown")
t = Tap()


def footer(fmt, out):
    if fmt == "json":
        f = json.loads(out)["footer"]
        gaps = [n["text"] for n in f["gaps"] if not VIEW.search(n["text"])]
        return (f["underived"], f["lost"], f["missing"], gaps, f["status"])
    if fmt == "records":
        lines = [l for l in out.splitlines() if l.startswith("= ")]
    else:
        lines = out.splitlines()
        lines = lines[lines.index("NEW THINGS INTRODUCED WITHOUT DERIVATION"):]
    return [l for l in lines if not VIEW.search(l)]


def forward(fmt, out):
    """Every citation of a later (or the same) step, as 'M cites N'."""
    bad = []
    if fmt == "json":
        for s in json.loads(out)["steps"]:
            for v in s["args"] + ([s["ret"]] if s["ret"] else []):
                d = v["derivation"]
                for k in ("step", "step2"):
                    if d.get(k) is not None and d[k] >= s["n"]:
                        bad.append("%d cites %d" % (s["n"], d[k]))
            if s["kind"] == "return" and s["call"] >= s["n"]:
                bad.append("return %d of call %d" % (s["n"], s["call"]))
        return bad
    row = re.compile(r"^\s*(\d+)  " if fmt == "text" else r"^#(\d+)\.")
    for line in out.splitlines():
        m = row.match(line)
        if not m:
            continue
        n = int(m.group(1))
        bad += ["%d cites %s" % (n, c) for c in re.findall(r"#(\d+)", line[m.end():]) if int(c) >= n]
    return bad


def run(args):
    return kstepjson.run("steps", "--no-dwarf", *args, check=False)


def producers(path):
    """Names of the producers the unfiltered log cites (up to four)."""
    _, out, _ = run(("--format", "json", path))
    names = []
    for s in json.loads(out)["steps"]:
        for v in s["args"] + ([s["ret"]] if s["ret"] else []):
            p = v["derivation"].get("producer")
            if p and p not in names and v["derivation"]["kind"] == "step":
                names.append(p)
    return names[:4]


def has_socket(path):
    """Whether the recording holds a socket() at all (trace-cmd report: its syscall
    events or its handler in the graph); --syscall socket applies only then."""
    out = subprocess.run([os.environ.get("TRACE_CMD", "trace-cmd"), "report", "-i", path],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, errors="replace").stdout
    return re.search(r"sys_enter_socket|__x64_sys_socket|\bsocket\(", out) is not None


pool = concurrent.futures.ThreadPoolExecutor(max_workers=2)
for path in sorted(glob.glob(os.path.join(FIX, "*.dat"))):
    name = os.path.basename(path)
    views = ([("--depth", str(d)) for d in range(1, 9)] + [("--hide", p) for p in producers(path)]
             + [("--steps", "20")]
             + ([("--syscall", "socket")] if has_socket(path) else []))
    for fmt in FORMATS:
        base = run(("--format", fmt, path))
        t.eq(base[0], 0, "%s %s: exit 0" % (name, fmt))
        want = footer(fmt, base[1])
        t.eq(forward(fmt, base[1]), [], "%s %s: no citation of a later step" % (name, fmt))
        jobs = {v: pool.submit(run, ("--format", fmt) + v + (path,)) for v in views}
        diff, fwd = [], []
        for v, job in jobs.items():
            r = job.result()
            if r[0] != 0 or footer(fmt, r[1]) != want:
                diff.append(" ".join(v))
            fwd += ["%s: %s" % (" ".join(v), b) for b in forward(fmt, r[1])]
        t.eq(diff, [], "%s %s: footer and status the same under %s" %
             (name, fmt, ", ".join(" ".join(v) for v in views)))
        t.eq(fwd, [], "%s %s: no citation of a later step under any view" % (name, fmt))

# The 6.1 kstep fixture: fd_install's fd is what get_unused_fd_flags returned
# (trace-cmd report: get_unused_fd_flags_ret ret=3, then fd_install fd=3).
k61 = os.path.join(FIX, "vm6.1-socket.kstep.dat")
recs = oracle.records(k61)
o_ret = oracle.first(recs, "get_unused_fd_flags_ret")
o_fd = oracle.first(recs, "fd_install")
log = kstepjson.steps(k61, "--no-dwarf")
gu = log.one("get_unused_fd_flags")
fd = log.arg(log.one("fd_install"), "fd")
t.eq(int(gu["ret"]["raw"]), oracle.num(o_ret.f["ret"]), "6.1: get_unused_fd_flags returns trace-cmd's value")
t.eq(int(fd["raw"]), oracle.num(o_fd.f["fd"]), "6.1: fd_install's fd is trace-cmd's")
t.eq(fd["derivation"], {"kind": "step", "step": gu.get("return_n", gu["n"]), "producer": "get_unused_fd_flags"},
     "6.1: fd_install fd=3 cites get_unused_fd_flags' return step")

# A hidden producer is cited by name, and the status does not change.
log = kstepjson.steps(k61, "--no-dwarf", "--hide", "sk_alloc")
sk = log.arg(log.one("fd_install"), "file_private_data_sk")
t.eq(sk["derivation"], {"kind": "step", "step": None, "producer": "sk_alloc"},
     "6.1 --hide sk_alloc: the sock cites sk_alloc, hidden")
t.eq(log.doc["footer"]["status"], "PASS", "6.1 --hide sk_alloc: still PASS")
_, out, _ = run(("--hide", "sk_alloc", k61))
t.ok("(sk_alloc, hidden)" in out, "6.1 --hide sk_alloc: text says (sk_alloc, hidden)")
t.done()
