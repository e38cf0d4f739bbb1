"""Object state in the step log (kstep steps, issue 14 item 3): each step
that read objects shows them, a first read whole (new when the log showed
the allocation), a later one as what changed since the step that last saw
the object. Checked on the 6.1 and 6.12 socket_kinds fixtures, each socket()
call, against facts from elsewhere: the reads and their values from
trace-cmd report -R, which of them are object reads from the socket plan's
`object` lines (plugins/plans/socket.plan), the struct each read belongs to
from the guest's BTF
(the fixture's .btf-offsets, made by bpftool), the allocations from the kmem
events in trace-cmd report, the constants from the kernel headers."""
import json
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
ALLOCS = ("kmem_cache_alloc", "kmalloc", "kmem_cache_alloc_node", "kmalloc_node")
t = Tap()


def structs(label):
    """{struct: set of fields} from the fixture's bpftool offsets."""
    out = {}
    for line in open(os.path.join(FIX, "vm%s-kinds.btf-offsets" % label)):
        key = line.split()[0]
        s, f = key.split(".", 1)
        out.setdefault(s, set()).add(f)
    return out


def plan_objects():
    """{(function, at return): [field sets]} of the socket plan's object lines."""
    out = {}
    for line in open(os.path.join(env("TESTS_DIR"), "..", "plugins", "plans", "socket.plan")):
        m = re.match(r"object\s+(\w+)\s+(return\s+)?\S*?\{([^}]*)\}", line)
        if m:
            fields = frozenset(f.split(":")[0].strip() for f in m.group(3).split(","))
            out.setdefault((m.group(1), bool(m.group(2))), []).append(fields)
    return out


PLAN = plan_objects()


def reads_of(rec, types):
    """The object reads of one record: (type, addr, {field: value}) where a
    pointer field X comes with fields X_F whose names F are one of the plan's
    object lines at this probe and all fields of one struct (trace-cmd shows
    the fetch args flat)."""
    out = []
    ret = rec.event.endswith("_ret")
    lines = PLAN.get((rec.event[:-4] if ret else rec.event, ret), [])
    for base, val in rec.f.items():
        if not val.startswith("0x"):
            continue
        sub = {k[len(base) + 1:]: v for k, v in rec.f.items() if k.startswith(base + "_")}
        names = set(sub)
        match = [s for s, fs in types.items() if names and names <= fs]
        if len(match) == 1 and int(val, 16) and names in lines:
            out.append((match[0], int(val, 16), {k: int(v, 0) for k, v in sub.items()}))
    return out


def windows(recs, pid):
    """(enter, exit) record indexes of each socket() of pid."""
    out, start = [], None
    for i, r in enumerate(recs):
        if r.pid != pid:
            continue
        if r.event == "sys_enter_socket":
            start = i
        elif r.event == "sys_exit_socket" and start is not None:
            out.append((start, i))
            start = None
    return out


def expected(recs, lo, hi, types):
    """The reads of one call in time order, each with what an honest
    comparison says: first seen or not, allocated in the window or not,
    and per field the previous value (None: not seen before)."""
    seen, born, out = {}, set(), []
    for r in recs[lo:hi + 1]:
        if r.event in ALLOCS and "ptr" in r.f:
            born.add(int(r.f["ptr"], 16))
            seen = {k: v for k, v in seen.items() if k[1] != int(r.f["ptr"], 16)}
            continue
        for typ, addr, fields in reads_of(r, types):
            prev = seen.get((typ, addr))
            out.append({"func": r.event[:-4] if r.event.endswith("_ret") else r.event,
                        "ret": r.event.endswith("_ret"), "type": typ, "addr": addr, "fields": fields,
                        "first": prev is None, "born": addr in born,
                        "was": {k: (prev or {}).get(k) for k in fields}})
            seen[(typ, addr)] = dict(prev or {}, **fields)
    return out


def printed(v, ptr):
    return "NULL" if ptr and v == 0 else ("0x%x" % v if ptr else str(v))


def check_call(label, dat, k, exp):
    what = "%s call %d" % (label, k)
    doc = json.loads(kstepjson.run("steps", "--format", "json", "--syscall", "socket", "--nth", str(k), dat)[1])
    steps = {s["n"]: s for s in doc["steps"]}
    got = [(s, o) for s in doc["steps"] for o in s.get("objects", [])]
    t.eq([(s["name"], s["kind"] == "return", o["type"], int(o["addr"]["raw"], 16)) for s, o in got],
         [(e["func"], e["ret"], e["type"], e["addr"]) for e in exp],
         "%s: the steps show the object reads trace-cmd report holds, in order, with their structs" % what)
    if len(got) != len(exp):
        return
    last, bad = {}, []
    for (s, o), e in zip(got, exp):
        key = (e["type"], e["addr"])
        want_since = None if e["first"] else last.get(key)
        if o["since"] != want_since:
            bad.append((s["n"], o["type"], "since", o["since"], want_since))
        if (o["born"] is not None) != (e["born"] and e["first"]) and e["first"]:
            bad.append((s["n"], o["type"], "born", o["born"], e["born"]))
        if o["born"] is not None:
            b = steps.get(o["born"])
            ptrs = [a for a in (b or {}).get("args", []) if a["name"] == "ptr"]
            if not ptrs or int(ptrs[0]["raw"], 16) != e["addr"]:
                bad.append((s["n"], o["type"], "born step allocates elsewhere", o["born"]))
        for f in o["fields"]:
            now, was = e["fields"].get(f["name"]), e["was"].get(f["name"])
            ptr = f["value"]["pointer"] or f["value"]["raw"].startswith("0x")
            if now is None or int(f["value"]["raw"], 0) != now:
                bad.append((s["n"], f["name"], "value", f["value"]["raw"], now))
            changed = was is not None and was != now
            if f["changed"] != changed:
                bad.append((s["n"], f["name"], "changed", f["changed"], changed))
            if changed and not (f["was"] or "").startswith(printed(was, ptr)):
                bad.append((s["n"], f["name"], "was", f["was"], printed(was, ptr)))
            if not f["changed"] and f["was"] is not None:
                bad.append((s["n"], f["name"], "was without a change", f["was"]))
        last[key] = s["n"]
    t.ok(not bad, "%s: first sight, allocation, and each field's change agree with trace-cmd report" % what, bad)
    return got


def check_text(label, dat, k, exp):
    """The text row of sock_alloc_file's entry: the socket's sk NULL -> the sock, the sock TCP_CLOSE."""
    what = "%s call %d" % (label, k)
    out = kstepjson.run("steps", "--syscall", "socket", "--nth", str(k), dat)[1]
    row = next((l for l in out.splitlines() if re.search(r"\bsock_alloc_file\(\)\s", l) and "returned" not in l), "")
    sock = next(e for e in exp if e["func"] == "sock_alloc_file" and e["type"] == "sock")
    tcp_close = objcheck.constants()["TCP_CLOSE"]
    t.ok(re.search(r"socket 0x[0-9a-f]+ \(#\d+\) since #\d+:.* sk NULL → 0x%x \(#\d+\)" % sock["addr"], row),
         "%s: text: at sock_alloc_file the socket's sk went NULL → the sock" % what, row)
    t.ok(re.search(r"sock 0x%x \(#\d+\) new \(allocated at #\d+\): sk_state %d TCP_CLOSE" % (sock["addr"], tcp_close),
                   row), "%s: text: the sock is new, sk_state %d TCP_CLOSE" % (what, tcp_close), row)
    asc = kstepjson.run("steps", "--ascii", "--syscall", "socket", "--nth", str(k), dat)[1]
    t.ok("sk NULL -> 0x%x" % sock["addr"] in asc and "→" not in asc, "%s: --ascii writes ->" % what)


for label in ("6.1", "6.12"):
    dat = os.path.join(FIX, "vm%s-kinds.kstep.dat" % label)
    types = structs(label)
    recs = [r for r in oracle.records(dat)]
    pid = next(r.pid for r in recs if r.comm.startswith("socket_kinds") and r.event == "sys_enter_socket")
    wins = windows(recs, pid)
    t.eq(len(wins), 3, "%s: trace-cmd report: three socket() calls" % label)
    for k, (lo, hi) in enumerate(wins, 1):
        exp = expected(recs, lo, hi, types)
        t.ok(len(exp) >= 5, "%s call %d: trace-cmd report holds the plan's object reads (%d)" % (label, k, len(exp)))
        check_call(label, dat, k, exp)
        check_text(label, dat, k, exp)
t.done()
