"""Golden facts of socket(AF_INET, SOCK_STREAM, 0) on the project's own 6.18
machine (no function tracer, no kprobes): syscall events, kmem allocations
with stacktrace triggers, uprobes on main and libc's socket. Expected values
come from trace-cmd report (oracle.py)."""
import os
import sys

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "golden"))
import kstepjson  # noqa: E402
import oracle  # noqa: E402
from tap import Tap, env  # noqa: E402

t = Tap()
V6 = os.path.join(env("FIXTURES"), "host-inet-stream.v6.dat")
V7 = os.path.join(env("FIXTURES"), "host-inet-stream.v7.dat")

recs = oracle.records(V6)
enter = oracle.first(recs, "sys_enter_socket")
pid = enter.pid
i0 = recs.index(enter)
i1 = recs.index(oracle.first(recs, "sys_exit_socket"))
o_allocs = [r for r in recs[i0:i1] if r.event == "kmem_cache_alloc" and r.pid == pid]
log = kstepjson.steps(V6, "--syscall", "socket")
allocs = [s for s in log.steps if s["name"] == "kmem:kmem_cache_alloc"]


def fields(s):
    return {a["name"]: a["raw"] for a in s["args"]}


# the allocations of the syscall, in order, with cache and sizes
want = [(r.f["name"], int(r.f["bytes_req"]), int(r.f["bytes_alloc"])) for r in o_allocs]
got = [(fields(s)["name"], int(fields(s)["bytes_req"]), int(fields(s)["bytes_alloc"])) for s in allocs]
t.eq(got, want, "allocations of socket() in order, with cache and bytes_req/bytes_alloc")
for cache, req, alloc in (("sock_inode_cache", 768, 832), ("TCP", 2304, 2368), ("filp", 184, 192)):
    t.ok((cache, req, alloc) in want, "oracle: %s %d/%d is allocated" % (cache, req, alloc), want)
t.eq([int(fields(s)["ptr"], 0) for s in allocs], [oracle.num(r.f["ptr"]) for r in o_allocs],
     "allocated pointers")
t.ok(all(log.arg(s, "ptr")["derivation"]["kind"] == "produced" for s in allocs),
     "each allocation's ptr is produced at its step")


def frames_above(s):
    """The frames kstep put above an event, outermost first."""
    return [a["name"] for a in reversed(log.ancestors(s)) if a["kind"] == "frame"]


def oracle_frames(r):
    """The same from trace-cmd's stack: from the syscall handler down to the
    allocator, without the tracepoint's own frame (the first one)."""
    names = [f for f, _ in r_stack(r)][1:]
    k = names.index("__x64_sys_socket")
    return list(reversed(names[:k + 1]))


def r_stack(r):
    nxt = recs[recs.index(r) + 1]
    assert nxt.event == "kernel_stack" and nxt.stack, "no stack after %r" % r
    return nxt.stack


for s, r in zip(allocs, o_allocs):
    t.eq(frames_above(s), oracle_frames(r),
         "%s: frames from its stack, from __x64_sys_socket down" % fields(s)["name"])

by_cache = {fields(s)["name"]: s for s in allocs}


def chain_of(cache):
    return frames_above(by_cache[cache])


t.ok("sock_alloc" in chain_of("sock_inode_cache"), "sock_inode_cache is allocated under sock_alloc",
     chain_of("sock_inode_cache"))
tcp = chain_of("TCP")
t.ok("inet_create" in tcp and "sk_alloc" in tcp and tcp.index("inet_create") < tcp.index("sk_alloc"),
     "TCP is allocated under sk_alloc under inet_create", tcp)
filp = chain_of("filp")
t.ok("sock_alloc_file" in filp and "alloc_file_pseudo" in filp and
     filp.index("sock_alloc_file") < filp.index("alloc_file_pseudo"),
     "filp is allocated under alloc_file_pseudo under sock_alloc_file", filp)

# frames shared by several stacks are merged, and say they are inferred
frames = [s for s in log.steps if s["kind"] == "frame"]
shared = [s for s in frames if s["merged_stacks"] > 1]
t.ok(shared and all(s["evidence"] == "stack-merged" and not s["observed"] for s in shared),
     "frames merged from several stacks are tagged stack-merged (inferred)")
t.ok(all(s["evidence"] == "stack" and s["observed"] for s in frames if s["merged_stacks"] == 1),
     "frames from a single stack are tagged stack (observed)")
t.eq(len([s for s in frames if s["name"] == "__sys_socket"]), 1,
     "one __sys_socket frame: equal return addresses merge")

# user space: libc's socket(2, 1, 0) before the syscall, its return 3 after
o_libc = oracle.first(recs, "libc_socket", pid)
o_ret = oracle.first(recs, "libc_socket_ret", pid)
libc = log.one("libc_socket")
sc = log.one("socket", "syscall")
t.eq({a["name"]: int(a["raw"]) for a in libc["args"]},
     {k: int(o_libc.f[k]) for k in ("domain", "type", "protocol")}, "libc socket's args (uprobe)")
t.eq(libc["evidence"], "uprobe", "libc socket is a uprobe step")
t.ok(libc["n"] < sc["n"] and libc["ts_ns"] < sc["ts_ns"], "libc socket is entered before the syscall")
t.eq(sc["parent"], libc["n"], "the syscall is made inside libc's socket")
t.eq(int(libc["ret"]["raw"]), int(o_ret.f["ret"]), "libc socket returns what the uretprobe saw")
t.eq(int(libc["ret"]["raw"]), int(sc["ret"]["raw"]), "... the syscall's return, fd 3")
t.ok(libc["end_ns"] > sc["end_ns"], "libc socket returns after the syscall")
# --syscall is a view: the footer is the whole task's, whose one underived
# value is main's argv (set up by exec, before anything traced; trace-cmd
# report's main uprobe record holds it)
o_main = oracle.first(recs, "main", pid)
und = log.doc["footer"]["underived"]
t.ok(len(und) == 1 and "main at" in und[0]["text"] and "argv=%s" % o_main.f["argv"] in und[0]["text"],
     "the only underived value is main's argv, as in the unfiltered log", und)
t.eq(log.doc["footer"]["missing"], [], "nothing missing")

# the whole task: every allocation is a step, also those of exec and ld.so
whole = kstepjson.steps(V6)
t.eq(len(whole.named("kmem:kmem_cache_alloc")),
     len([r for r in recs if r.event == "kmem_cache_alloc" and r.pid == pid]),
     "whole task: one step per allocation")
t.eq(len([s for s in whole.steps if s.get("stack")]),
     len([r for r in recs if r.event == "kernel_stack" and r.pid == pid]),
     "whole task: every stack is attached to the event before it")
t.eq(len([s for s in whole.steps if "stack_merged" in s["flags"]]), len(allocs),
     "whole task: only the stacks inside the syscall are merged into frames")

# v6 and its v7+zstd conversion give the same steps
v7 = kstepjson.steps(V7, "--syscall", "socket")
t.eq(v7.steps, log.steps, "v6 and v7 encodings give identical steps")
t.done()
