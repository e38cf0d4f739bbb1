"""Golden facts of socket(AF_INET, SOCK_STREAM, 0) on Debian 6.1 (qemu guest
recordings): function_graph, kprobes, and both. Expected values come from
trace-cmd report (oracle.py); kstep's are read from --format json."""
import os
import sys

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "golden"))
import kstepjson  # noqa: E402
import oracle  # noqa: E402
from tap import Tap, env  # noqa: E402

t = Tap()
FIX = env("FIXTURES")


def fixture(name):
    return os.path.join(FIX, name)


def kstep_tree_paths(log):
    """Paths of call names from the syscall handler down, interrupts left out,
    in step order (true order)."""
    out = []
    for s in log.steps:
        if s["kind"] != "call" or log.under_interrupt(s):
            continue
        chain = [a["name"] for a in reversed(log.ancestors(s)) if a["kind"] == "call"]
        out.append(tuple(chain + [s["name"]]))
    return out


def oracle_tree_paths(root):
    return [tuple(n.path()) for n in oracle.walk(root) if n.name is not None and not n.irq]


def check_syscall(log, recs, label):
    enter = oracle.first(recs, "sys_enter_socket")
    exit_ = oracle.first(recs, "sys_exit_socket")
    sc = log.one("socket", "syscall")
    args = {a["name"]: int(a["raw"], 0) for a in sc["args"]}
    want = {k: oracle.num(enter.f[k]) for k in ("family", "type", "protocol")}
    t.eq(args, want, "%s: socket args equal the syscall event's" % label)
    t.eq((want["family"], want["type"], want["protocol"]), (2, 1, 0),
         "%s: the recorded action is socket(2, 1, 0)" % label)
    t.eq([a["decoded"] for a in sc["args"]], ["AF_INET", "SOCK_STREAM", "IPPROTO_IP"],
         "%s: socket args decoded" % label)
    t.eq(int(sc["ret"]["raw"]), oracle.num(exit_.f["ret"]), "%s: syscall return value" % label)
    t.eq(sc["ts_ns"] and (sc["ts_ns"] + 500) // 1000 * 1000, oracle.ts_ns(enter.ts),
         "%s: syscall entry time (to the microsecond)" % label)
    return sc


def test_fgraph(name):
    path = fixture(name)
    recs = oracle.records(path)
    pid = oracle.first(recs, "sys_enter_socket").pid
    root = oracle.fgraph_tree(recs, pid)
    full = kstepjson.steps(path, "--all")
    log = kstepjson.steps(path)
    check_syscall(log, recs, name)

    # every function_graph call, in order and under the same parents
    t.eq(kstep_tree_paths(full), oracle_tree_paths(root),
         "%s: the call tree (--all, interrupts aside) equals function_graph's" % name)

    sys_socket = oracle.find(root, "__sys_socket")[0]
    want = [c.name for c in oracle.task_children(sys_socket)]
    t.eq(want, ["__sock_create", "get_unused_fd_flags", "sock_alloc_file", "fd_install"],
         "%s: oracle: children of __sys_socket" % name)
    k = log.one("__sys_socket")
    t.eq([c["name"] for c in log.children(k) if c["kind"] == "call"], want,
         "%s: children of __sys_socket in order" % name)

    sk = log.one("sk_alloc")
    p = log.parent(sk)
    t.eq((p["name"], log.parent(p)["name"]), ("inet_create", "__sock_create"),
         "%s: sk_alloc <- inet_create <- __sock_create" % name)
    o_sk = oracle.find(root, "sk_alloc")[0]
    t.eq(o_sk.path()[-3:], ["__sock_create", "inet_create", "sk_alloc"],
         "%s: oracle agrees on sk_alloc's callers" % name)

    # durations are function_graph's own (rettime - calltime)
    for fn in ("__sock_create", "inet_create", "sock_alloc_file"):
        o = oracle.find(root, fn)[0]
        t.eq(log.one(fn)["dur_ns"], o.dur_ns(), "%s: %s duration = rettime - calltime" % (name, fn))

    # interrupts are not callees: shown as such, inside the call they hit
    entries = [n for n in oracle.walk(root)
               if n.name in ("irq_enter_rcu", "irq_enter") and not n.parent.irq]
    irqs = [s for s in log.steps if s["kind"] == "interrupt"]
    t.eq([log.parent(s)["name"] for s in irqs], [n.parent.name for n in entries],
         "%s: one interrupt step per interrupt, inside the call it hit" % name)
    t.ok(all(s["name"] != "__sysvec_apic_timer_interrupt" for s in log.steps if s["kind"] == "call"),
         "%s: interrupt handlers are not listed as callees" % name)
    return log, recs


def test_kprobes(name, log=None, recs=None):
    path = fixture(name)
    recs = recs or oracle.records(path)
    log = log or kstepjson.steps(path)
    if "fg" not in name:
        check_syscall(log, recs, name)

    o_alloc = oracle.first(recs, "sock_alloc_ret")
    o_inet = oracle.first(recs, "inet_create")
    o_fd = oracle.first(recs, "fd_install")
    o_exit = oracle.first(recs, "sys_exit_socket")
    t.eq(oracle.num(o_inet.f["sock"]), oracle.num(o_alloc.f["ret"]),
         "%s: oracle: inet_create's sock is sock_alloc's return" % name)

    alloc = log.one("sock_alloc")
    inet = log.one("inet_create")
    t.eq(int(alloc["ret"]["raw"], 0), oracle.num(o_alloc.f["ret"]), "%s: sock_alloc's return" % name)
    t.eq(alloc["ret"]["derivation"]["kind"], "produced", "%s: sock_alloc produces the socket" % name)
    sock = log.arg(inet, "sock")
    t.eq(int(sock["raw"], 0), oracle.num(o_inet.f["sock"]), "%s: inet_create's sock" % name)
    t.eq(sock["derivation"], {"kind": "step", "step": alloc.get("return_n", alloc["n"]), "producer": "sock_alloc"},
         "%s: inet_create's sock cites sock_alloc's step" % name)
    t.eq({a["name"]: int(a["raw"], 0) for a in inet["args"]},
         {k: oracle.num(o_inet.f[k]) for k in ("sock", "protocol", "kern")},
         "%s: inet_create's args" % name)
    t.eq(int(inet["ret"]["raw"]), oracle.num(oracle.first(recs, "inet_create_ret").f["ret"]),
         "%s: inet_create's return" % name)

    fd = log.one("fd_install")
    t.eq(int(log.arg(fd, "fd")["raw"]), oracle.num(o_fd.f["fd"]), "%s: fd_install's fd" % name)
    sc = log.one("socket", "syscall")
    t.eq(int(sc["ret"]["raw"]), int(log.arg(fd, "fd")["raw"]),
         "%s: the syscall returns fd_install's fd" % name)
    t.eq(int(sc["ret"]["raw"]), oracle.num(o_exit.f["ret"]), "%s: ... which is 3" % name)

    sys_sock = log.one("__sys_socket")
    t.eq({a["name"]: int(a["raw"]) for a in sys_sock["args"]},
         {k: oracle.num(oracle.first(recs, "sys_socket_entry").f[k]) for k in ("family", "type", "protocol")},
         "%s: __sys_socket's kprobe args" % name)
    t.eq(int(sys_sock["ret"]["raw"]), oracle.num(oracle.first(recs, "sys_socket_ret").f["ret"]),
         "%s: __sys_socket's kretprobe return" % name)
    t.ok("kprobe" in sys_sock["sources"], "%s: __sys_socket carries the kprobe's values" % name)
    if "fg" in name:
        t.ok("fgraph" in alloc["sources"] and "kprobe" in alloc["sources"],
             "%s: one node for sock_alloc from both sources" % name, alloc["sources"])
        t.eq(len(log.named("sock_alloc")), 1, "%s: sock_alloc is one step" % name)
        t.eq(alloc["caller"], "__sock_create",
             "%s: the caller is not the fgraph trampoline in the kretprobe" % name)
    else:
        ret_ip = oracle.num("0x" + o_alloc.f["__probe_ret_ip"])
        t.eq(int(alloc["retip"], 0), ret_ip, "%s: sock_alloc's return address" % name)
        t.ok(alloc["caller"].startswith("__sock_create+"),
             "%s: the caller comes from the return address" % name, alloc["caller"])
        gaps = " ".join(g["text"] for g in log.doc["footer"]["gaps"])
        t.ok("__sock_create" in gaps, "%s: the footer says __sock_create was not traced" % name, gaps)
    # fd_install's file pointer was made by sock_alloc_file, which no probe saw
    t.eq(log.arg(fd, "file")["derivation"]["kind"], "underived",
         "%s: fd_install's file has no producer in the trace" % name)
    t.ok(any("fd_install" in u["text"] for u in log.doc["footer"]["underived"]),
         "%s: ...and the footer lists it" % name)
    t.eq(log.doc["footer"]["status"], "FAIL", "%s: REJECTION STATUS: FAIL" % name)


test_fgraph("vm61-inet-stream-fg.dat")
log, recs = test_fgraph("vm61-inet-stream-fg-kprobes.dat")
test_kprobes("vm61-inet-stream-fg-kprobes.dat", log, recs)
test_kprobes("vm61-inet-stream-kprobes.dat")

fg = kstepjson.steps(fixture("vm61-inet-stream-fg.dat"))
t.eq(fg.doc["footer"]["status"], "PASS", "fg: nothing underived, nothing missing: PASS")
t.ok(all(not s["args"] for s in fg.steps if s["kind"] == "call"),
     "fg: function_graph gives no argument values (none invented)")
t.done()
