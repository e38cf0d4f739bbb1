"""What the tracing itself caused is not the kernel's work (issue 12), on
fixtures/vm6.1-socket.kstep.dat. trace-cmd report shows a kmalloc with
call_site=uprobe_notify_resume (the uretprobe's bookkeeping): it is no step
by default, is counted in KNOWN GAPS, and --all shows it; its pointer is
still derived (the footer is the same). Under function_graph the
allocations say call_site=return_to_handler: the step names the allocator
and its caller from the graph (trace-cmd's funcgraph nesting:
sock_alloc_inode -> kmem_cache_alloc_lru -> the event)."""
import os
import sys

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "golden"))
import kstepjson  # noqa: E402
import oracle  # noqa: E402
from tap import Tap, env  # noqa: E402

FIX = env("FIXTURES")
path = os.path.join(FIX, "vm6.1-socket.kstep.dat")
t = Tap()
recs = oracle.records(path)
o_k = [r for r in recs if r.event == "kmalloc" and r.f.get("call_site", "").startswith("uprobe_notify_resume")]
t.eq(len(o_k), 1, "trace-cmd: one kmalloc made by uprobe_notify_resume")
ptr = o_k[0].f["ptr"]


def with_ptr(log):
    return [s for s in log.steps if s["kind"] == "event" and any(a["raw"] == ptr for a in s["args"])]


log = kstepjson.steps(path, "--no-dwarf")
t.eq(with_ptr(log), [], "no step for it by default")
t.ok(any("1 event caused by the tracing itself" in g["text"] for g in log.doc["footer"]["gaps"]),
     "KNOWN GAPS counts it", log.doc["footer"]["gaps"])
full = kstepjson.steps(path, "--no-dwarf", "--all")
t.eq(len(with_ptr(full)), 1, "--all shows it")
t.eq(full.doc["footer"]["underived"], log.doc["footer"]["underived"], "the same underived list either way")

# sock_alloc_inode -> kmem_cache_alloc_lru -> kmem_cache_alloc event (trace-cmd's graph)
o_ev = [r for r in recs if r.event == "kmem_cache_alloc" and r.f.get("bytes_req") == "768"][0]
ev = [s for s in log.steps if s["name"] == "kmem:kmem_cache_alloc"
      and any(a["raw"] == o_ev.f["ptr"] for a in s["args"])]
t.eq(len(ev), 1, "the sock_inode_cache allocation is a step")
cs = log.arg(ev[0], "call_site")
t.eq(o_ev.f["call_site"], "return_to_handler+0x0", "trace-cmd: its call_site is return_to_handler")
t.ok(cs["decoded"].endswith("kmem_cache_alloc_lru called by sock_alloc_inode)"),
     "the step names the allocator and its caller from the graph", cs["decoded"])
t.done()
