"""socketcheck.py - what the socket plan's recording on a function_graph +
kprobe kernel must show, checked against trace-cmd's report of the same
files: shared by the VM test (fresh guest recordings) and the golden test
on the guest fixtures."""
import re

import kstepjson
import oracle

t = None

def val(log, step, name):
    a = log.arg(step, name)
    return int(a["raw"], 0) if a else None


def check_steps(label, path):
    log = kstepjson.steps(path, "--syscall", "socket")
    recs = oracle.records(path)
    sc = log.one("socket", "syscall")
    t.eq(int(sc["ret"]["raw"]), 3, "%s: socket() returns fd 3" % label)
    t.eq(int(sc["ret"]["raw"]), oracle.num(oracle.first(recs, "sys_exit_socket").f["ret"]),
         "%s: ...as trace-cmd reads it" % label)
    sys_socket = log.one("__sys_socket")
    kids = [c["name"] for c in log.children(sys_socket) if c["kind"] == "call"]
    path_calls = ["__sock_create", "get_unused_fd_flags", "sock_alloc_file", "fd_install"]
    t.eq([k for k in kids if k in path_calls], path_calls,
         "%s: __sock_create, get_unused_fd_flags, sock_alloc_file, fd_install in order" % label)
    full = kstepjson.steps(path, "--syscall", "socket", "--all")
    kids = [c["name"] for c in full.children(full.one("__sys_socket"))
            if c["kind"] == "call" and not MACHINERY.match(c["name"])]
    want = [c for c in skeleton(path) if "/" not in c]
    t.eq(kids, want, "%s: every child of __sys_socket, in trace-cmd's order (--all)" % label)
    t.ok({"fgraph", "kprobe"} <= set(sys_socket["sources"]), "%s: function_graph and kprobes merged"
         % label, sys_socket["sources"])
    fd = log.one("fd_install")
    t.eq(val(log, fd, "fd"), 3, "%s: fd_install's fd is the syscall's return" % label)
    alloc, sk, filep = log.one("sock_alloc"), log.one("sk_alloc"), log.one("sock_alloc_file")
    # the plan's field names (kprobe argument names are at most 31 characters)
    links = (("file", filep, "the file sock_alloc_file returned"),
             ("file_private_data", alloc, "file.private_data is the socket sock_alloc returned"),
             ("file_private_data_sk", sk, "socket.sk is the sock sk_alloc returned"),
             ("file_private_data_file", filep, "socket.file is the file"),
             ("file_private_data_sk_sk_socket", alloc, "sock.sk_socket is the socket"))
    for name, producer, what in links:
        a = log.arg(fd, name)
        ok = a is not None and int(a["raw"], 0) == int(producer["ret"]["raw"], 0)
        t.ok(ok, "%s: %s" % (label, what), a)
        # a call's return is cited at its return step when steps are shown inside it
        at = producer.get("return_n", producer["n"])
        t.eq(a and a["derivation"], {"kind": "step", "step": at, "producer": producer["name"]},
             "%s: ...citing step #%d" % (label, at))
    t.eq(log.doc["footer"]["underived"], [], "%s: nothing underived" % label)


# The kprobe machinery function_graph sees when kprobes are on (kstep's
# recording has kprobes, trace-cmd's has not): named here from the kernel's
# kprobe/rethook code, not taken from kstep.
MACHINERY = re.compile(r"^(kprobe_|kretprobe_|__kretprobe_|get_kprobe|aggr_|pre_handler_kretprobe|"
                       r"rethook_|arch_rethook_|fprobe_)")


def skeleton(path):
    """Calls under __sys_socket down to depth 2, from trace-cmd's report,
    without the kprobe machinery."""
    recs = oracle.records(path)
    pid = oracle.first(recs, "sys_enter_socket").pid
    root = oracle.fgraph_tree(recs, pid)
    top = oracle.find(root, "__sys_socket")
    out = []
    for c in oracle.task_children(top[0]) if top else []:
        if MACHINERY.match(c.name):
            continue
        out.append(c.name)
        out.extend(c.name + "/" + g.name for g in oracle.task_children(c) if not MACHINERY.match(g.name))
    return out


def check(tap, label, kdat, tdat):
    """All checks of one kernel's kstep recording (kdat) and trace-cmd's (tdat)."""
    global t
    t = tap
    check_steps(label, kdat)
    t.eq(skeleton(kdat), skeleton(tdat),
         "%s: kstep's and trace-cmd's recordings list the same calls under __sys_socket" % label)
