"""hostsocket.py - what the socket plan recorded on a machine without
kprobes or function_graph (events, stacks, uprobes) must show, against
trace-cmd's report of the same file: shared by the live recorder test and
the golden test on the stored host fixture."""
import kstepjson
import oracle


def check(t, out):
    """Checks kstep steps on out; returns trace-cmd's records of it."""
    recs = oracle.records(out)
    pid = oracle.first(recs, "sys_enter_socket").pid
    t.ok(recs, "trace-cmd finds records in it")

    log = kstepjson.steps(out)
    t.eq(log.doc["task"]["pid"], pid, "the traced command's pid is recorded in the file")
    t.eq(log.doc["task"]["how"], "the traced command recorded in the file", "... and used by steps")
    main = log.one("main")
    libc = log.one("libc_socket")
    sc = log.one("socket", "syscall")
    t.eq((main["evidence"], libc["evidence"]), ("uprobe", "uprobe"), "main and libc socket are uprobes")
    t.eq([int(a["raw"]) for a in libc["args"]], [2, 1, 0], "libc socket(2, 1, 0)")
    t.eq(sc["syscall_nr"], 41, "syscall 41 entry")
    t.ok(main["n"] < libc["n"] < sc["n"], "main, then libc socket, then the syscall")
    t.eq(int(sc["ret"]["raw"]), 3, "syscall exit 3")
    t.eq(int(libc["ret"]["raw"]), 3, "libc socket returns 3")
    t.ok(libc["end_ns"] >= sc["end_ns"], "libc socket returns after the syscall")

    allocs = log.named("kmem:kmem_cache_alloc")
    caches = {kstepjson.Log.arg(log, s, "name")["raw"]: s for s in allocs}

    def frames(s):
        return [a["name"] for a in reversed(log.ancestors(s)) if a["kind"] == "frame"]

    for cache, want in (("sock_inode_cache", ["sock_alloc"]), ("TCP", ["inet_create", "sk_alloc"]),
                        ("filp", ["sock_alloc_file", "alloc_file_pseudo"])):
        got = frames(caches[cache]) if cache in caches else []
        t.ok(all(w in got for w in want) and [g for g in got if g in want] == want,
             "%s is allocated under %s" % (cache, " > ".join(want)), got)
    o_allocs = [r for r in recs if r.event == "kmem_cache_alloc"]
    libc_in, libc_out = oracle.first(recs, "libc_socket"), oracle.first(recs, "libc_socket_ret")
    t.ok(o_allocs and all(oracle.ts_ns(libc_in.ts) <= oracle.ts_ns(r.ts) <= oracle.ts_ns(libc_out.ts)
                          for r in o_allocs),
         "the window: every allocation lies inside libc's socket (none from exec or ld.so)")
    t.eq(len(allocs), len(o_allocs), "one step per allocation trace-cmd sees")
    t.eq(log.doc["footer"]["status"], "PASS", "REJECTION STATUS: PASS")
    return recs
