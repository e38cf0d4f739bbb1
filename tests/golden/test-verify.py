"""kstep verify on the real recordings: claims files of true and false claims of
every kind (tests/golden/verify/*.claims), each line carrying the verdict
expected from trace-cmd report of the file and the program's own output,
written by hand (`# expect: ok|no|??`, with the oracle's line). Checks the
verdicts, the exit status (0/1/3), that every step cited is one of the claim's
functions in `kstep steps` with the same options (or its shown parent when the
call is hidden), the --ascii marks and the final line, that the v6 and v7
copies (trace-cmd convert) give the same verdicts, that a claim that does not
parse is named with its line and column and nothing is checked (exit 2), that
--depth and --hide do not exist for verify, and the DWARF claims with the 6.1
-dbg vmlinux, whose inlining eu-addr2line -i confirms at the return addresses
trace-cmd report prints."""
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
import kstepjson  # noqa: E402
from tap import Tap, env, tmpdir  # noqa: E402

FIX = env("FIXTURES")
TESTS = env("TESTS_DIR")
CL = os.path.join(TESTS, "golden", "verify")
TRACE_CMD = os.environ.get("TRACE_CMD") or shutil.which("trace-cmd")
MARK = {"ok": "proven", "no": "refuted", "??": "undecidable"}
t = Tap()


def expected(claims):
    """{line: verdict} from the claims file's `# expect:` comments."""
    want = {}
    with open(claims) as f:
        for i, line in enumerate(f, 1):
            m = re.search(r"#\s*expect:\s*(ok|no|\?\?)", line)
            if m:
                want[i] = MARK[m.group(1)]
    return want


def verify(claims, dat, *opts):
    rc, out, err = kstepjson.run("verify", "--format", "json", *opts, claims, dat, check=False)
    return rc, (json.loads(out) if out.strip() else None), err


def step_names(dat, opts):
    """{step number: (name, parent)} of kstep steps with the same options."""
    doc = kstepjson.run("steps", "--format", "json", *opts, dat)[1]
    return {s["n"]: (s["name"], s["parent"]) for s in json.loads(doc)["steps"]}


def names_of(claim):
    """The functions a claim names, without F#k, fields and ()."""
    words = re.findall(r"[A-Za-z_][\w.:$]*(?:#\d+)?", claim)[1:]
    out = set()
    for w in words:
        w = re.sub(r"#\d+", "", w)
        out.add(w)
        if "." in w:
            out.add(w.rsplit(".", 1)[0])
    return out


def check_file(label, claims, dat, opts):
    want = expected(claims)
    rc, doc, err = verify(claims, dat, *opts)
    if not t.ok(doc is not None, "%s: kstep verify gives JSON" % label, err):
        return None
    got = {c["line"]: c["verdict"] for c in doc["claims"]}
    t.eq(sorted(got), sorted(want), "%s: one verdict per claim, by line" % label)
    for c in doc["claims"]:
        t.eq(c["verdict"], want.get(c["line"]), "%s line %d: %s" % (label, c["line"], c["claim"]))
    tally = [sum(1 for v in want.values() if v == k) for k in ("proven", "refuted", "undecidable")]
    t.eq([doc["proven"], doc["refuted"], doc["undecidable"]], tally, "%s: the tally" % label)
    t.eq(rc, 1 if tally[1] else 3 if tally[2] else 0, "%s: exit status" % label)
    steps = step_names(dat, opts)
    bad = []
    for c in doc["claims"]:
        names = names_of(c["claim"])
        for n in c["steps"]:
            name, parent = steps.get(n, (None, None))
            if name is None or (name not in names and "hidden" not in c["evidence"]):
                bad.append((c["line"], n, name))
            if "#%d" % n not in c["evidence"]:
                bad.append((c["line"], n, "not in the evidence text"))
    t.ok(not bad, "%s: every cited step is a claimed function's step in kstep steps %s" % (label, " ".join(opts)),
         bad)
    und = [c for c in doc["claims"] if c["verdict"] == "undecidable" and not c["evidence"]]
    t.ok(not und, "%s: every undecidable claim says what the trace lacks" % label, und)
    return doc


def convert(dat, version, tmp):
    out = os.path.join(tmp, "v%d-%s" % (version, os.path.basename(dat)))
    p = subprocess.run([TRACE_CMD, "convert", "--file-version", str(version), "-i", dat, "-o", out],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return out if p.returncode == 0 else None


CASES = [
    ("vm6.1", "vm61-socket.claims", "vm6.1-socket.kstep.dat", []),
    ("vm6.1 fg+kprobes --syscall socket", "vm61-fgk.claims", "vm61-inet-stream-fg-kprobes.dat",
     ["--syscall", "socket"]),
    ("vm6.1 kprobes only", "vm61-kprobes.claims", "vm61-inet-stream-kprobes.dat", []),
    ("host", "host-socket.claims", "host-socket.kstep.dat", []),
    # the same claims on 6.12: the same answers except what 6.12 records otherwise
    ("vm6.12", "vm612-socket.claims", "vm6.12-socket.kstep.dat", []),
]

tmp = tmpdir("kstep-verify-")
try:
    for label, claims, dat, opts in CASES:
        path = os.path.join(FIX, dat)
        doc = check_file(label, os.path.join(CL, claims), path, opts)
        if doc is None or not TRACE_CMD:
            continue
        for version in (6, 7):
            copy = convert(path, version, tmp)
            if not t.ok(copy is not None, "%s: trace-cmd convert --file-version %d" % (label, version)):
                continue
            rc, d2, err = verify(os.path.join(CL, claims), copy, *opts)
            t.eq([(c["line"], c["verdict"]) for c in (d2 or {}).get("claims", [])],
                 [(c["line"], c["verdict"]) for c in doc["claims"]],
                 "%s: the v%d copy gives the same verdicts" % (label, version))

    # text output: the marks, the claim as written, the final line; --ascii
    claims = os.path.join(CL, "vm61-socket.claims")
    dat = os.path.join(FIX, "vm6.1-socket.kstep.dat")
    rc, out, err = kstepjson.run("verify", claims, dat, check=False)
    lines = out.splitlines()
    t.eq(lines[-1], "\u2234 14 proven, 11 refuted, 6 undecidable", "text: the final line")
    # the step numbering is the step log's (return steps and hidden instrumentation move it)
    n_alloc = kstepjson.steps(dat).one("sock_alloc")["n"]
    t.ok(lines[0].startswith("\u2713  order sock_alloc < sk_alloc ") and "#%d" % n_alloc in lines[0],
         "text: the verdict, the claim as written, the steps", lines[0])
    t.ok(lines[1].startswith("\u2717  order sk_alloc < sock_alloc "), "text: a refuted claim", lines[1])
    jdoc = verify(claims, dat)[1]
    marks = {"\u2713": "proven", "\u2717": "refuted", "?": "undecidable"}
    t.eq([(marks.get(x.split()[0]), x.split("  ", 1)[1].split("  ")[0].strip()) for x in lines[:-1]],
         [(c["verdict"], c["claim"]) for c in jdoc["claims"]], "text and --format json give the same verdicts")
    rc, out, err = kstepjson.run("verify", "--ascii", claims, dat, check=False)
    lines = out.splitlines()
    t.ok(out.isascii() and lines[0].startswith("ok  order") and lines[1].startswith("no  order")
         and any(x.startswith("??  never") for x in lines) and lines[-1] == "=> 14 proven, 11 refuted, 6 undecidable",
         "--ascii: ok, no, ?? and ASCII only", out[:300])
    t.eq(rc, 1, "--ascii: the same exit status")

    # a claim that does not parse: its line and column, nothing checked
    bad = os.path.join(tmp, "bad.claims")
    with open(bad, "w") as f:
        f.write("order sock_alloc < sk_alloc\n# fine so far\ncalls inet_create sk_alloc\n")
    rc, out, err = kstepjson.run("verify", bad, dat, check=False)
    t.eq(rc, 2, "a claim that does not parse: exit 2")
    t.eq(out, "", "... nothing is checked")
    t.ok("line 3, column 19: expected '->' here" in err and err.count("\n") == 1, "... one message with line and column",
         err)
    with open(bad, "w") as f:
        f.write("# only comments\n")
    rc, out, err = kstepjson.run("verify", bad, dat, check=False)
    t.ok(rc == 2 and "no claim" in err, "a claims file with no claim: exit 2", err)
    rc, out, err = kstepjson.run("verify", "/nonexistent/claims", dat, check=False)
    t.ok(rc == 2 and "/nonexistent/claims" in err and out == "", "a missing claims file: exit 2", err)
    for opt in (["--depth", "3"], ["--hide", "sk_alloc"]):
        rc, out, err = kstepjson.run("verify", *opt, claims, dat, check=False)
        t.eq(rc, 2, "verify has no %s: exit 2" % opt[0])
    rc, out, err = kstepjson.run("help", "verify", check=False)
    t.ok(rc == 0 and all(k in out for k in ("order A < B", "calls A -> B", "caller B = A", "never F", "count F = N",
                                             "returns F = V", "arg F.NAME = V", "link F.NAME", "inlined F in G",
                                             "tail F from G", "F#k", "Exit status")),
         "kstep help verify summarizes the language", out)
finally:
    shutil.rmtree(tmp, ignore_errors=True)

# DWARF: inlined and tail claims with the 6.1 -dbg vmlinux
try:
    import debuginfo  # noqa: E402
    V = debuginfo.vmlinux()
except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
    V = None
    t.ok(False, "the 6.1.0-56 debug vmlinux is available", e)
if V:
    # the oracle: the inline chain at the return addresses trace-cmd report prints
    rep = subprocess.run([TRACE_CMD, "report", os.path.join(FIX, "vm6.1-socket.kstep.dat")],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout

    def chain_at(probe):
        m = re.search(r"\b%s_ret:\s+\(\w+ <- (\w+)\)" % probe, rep)
        p = subprocess.run(["eu-addr2line", "-i", "-f", "-e", V, hex(int(m.group(1), 16) - 1)],
                           stdout=subprocess.PIPE, text=True)
        return [x.split()[0] for x in p.stdout.splitlines() if x and not re.match(r"^\S+:\d+", x)]

    fns = chain_at("get_unused_fd_flags")
    t.eq(fns, ["sock_map_fd", "__sys_socket"],
         "oracle: get_unused_fd_flags is called from sock_map_fd inlined into __sys_socket")
    fns = chain_at("__sock_create")
    t.eq(fns, ["sock_create", "__sys_socket_create", "__sys_socket"],
         "oracle: __sock_create is called from sock_create inlined into __sys_socket_create")
    fns = chain_at("sk_alloc")
    t.eq(fns[-1:], ["inet_create"], "oracle: sk_alloc returns into inet_create")
    check_file("vm6.1 --vmlinux", os.path.join(CL, "vm61-socket-dwarf.claims"),
               os.path.join(FIX, "vm6.1-socket.kstep.dat"), ["--vmlinux", V])

    # a true tail call: xa_destroy has no __fentry__ call (function_graph cannot
    # see it) and jumps to _raw_spin_unlock_irqrestore, which returns into clear_inode
    def disasm(fn):
        sym = subprocess.run(["readelf", "-sW", V], stdout=subprocess.PIPE, text=True).stdout
        m = re.search(r"^\s*\d+: ([0-9a-f]+)\s+(\d+) FUNC\s.*\s%s$" % re.escape(fn), sym, re.M)
        start, size = int(m.group(1), 16), int(m.group(2))
        return subprocess.run(["objdump", "-d", "--no-show-raw-insn", "--start-address=%#x" % start,
                               "--stop-address=%#x" % (start + size), V],
                              stdout=subprocess.PIPE, text=True).stdout
    xa = disasm("xa_destroy")
    t.ok("<__fentry__>" not in xa and re.search(r"\sjmp\s+[0-9a-f]+ <_raw_spin_unlock_irqrestore>", xa),
         "oracle: xa_destroy is not traceable and tail-calls _raw_spin_unlock_irqrestore (objdump)")
    rep = subprocess.run([TRACE_CMD, "report", os.path.join(FIX, "vm6.1-emfile.kstep.dat")],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
    t.ok(re.search(r"clear_inode\(\) \{\n.*_raw_spin_lock_irqsave\(\);\n.*_raw_spin_unlock_irqrestore\(\);\n", rep),
         "oracle: trace-cmd report shows _raw_spin_unlock_irqrestore returning into clear_inode")
    doc = check_file("vm6.1 emfile --vmlinux", os.path.join(CL, "vm61-emfile-dwarf.claims"),
                     os.path.join(FIX, "vm6.1-emfile.kstep.dat"), ["--syscall", "socket", "--vmlinux", V])
    t.ok(doc and doc["proven"] == len(doc["claims"]), "vm6.1 emfile: every claim proven (exit 0 checked above)")
t.done()
