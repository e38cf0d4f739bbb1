"""kstep steps --format perfetto: the Trace Event Format JSON of
ui.perfetto.dev and chrome://tracing. Every fixture's output validates
against tests/views/trace-event-format.schema.json (the format's documented
fields); the task's function_graph calls are complete events whose start
and duration are trace-cmd's calltime and rettime - calltime (to the
nanosecond); interrupt work is on its own track; each derivation (#N) is a
flow arrow (s at step N, f at the step citing it, same id)."""
import collections
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "golden"))
from tap import Tap, env  # noqa: E402

KSTEP = env("KSTEP")
FIX = env("FIXTURES")
TESTS = env("TESTS_DIR")
t = Tap()

try:
    import jsonschema
except ImportError:
    jsonschema = None

with open(os.path.join(TESTS, "views", "trace-event-format.schema.json")) as f:
    SCHEMA = json.load(f)


def perfetto(path):
    p = subprocess.run([KSTEP, "steps", "--format", "perfetto", path], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    return p.returncode, p.stdout, p.stderr


def us_to_ns(x):
    """The format's microseconds with three decimals, back to nanoseconds."""
    return int(round(x * 1000))


for name in ("vm6.1-socket.kstep.dat", "vm6.12-socket.kstep.dat", "vm61-inet-stream-fg-kprobes.dat",
             "host-socket.kstep.dat", "host-inet-stream.v6.dat"):
    rc, out, err = perfetto(os.path.join(FIX, name))
    if not t.ok(rc == 0, "%s: perfetto exits 0" % name, err):
        continue
    try:
        doc = json.loads(out)
    except ValueError as e:
        t.ok(False, "%s: the output is one JSON document" % name, str(e))
        continue
    if jsonschema:
        errs = list(jsonschema.Draft7Validator(SCHEMA).iter_errors(doc))
        t.ok(not errs, "%s: valid against the Trace Event Format schema" % name,
             "\n".join("%s: %s" % (list(e.path), e.message) for e in errs[:5]))
    else:
        t.skip("%s: schema" % name, "python3-jsonschema is not installed")
    ev = doc["traceEvents"]
    spans = [e for e in ev if e["ph"] in "Xi"]
    t.eq(len(spans), doc["kstepFooter"]["steps"], "%s: one event per step" % name)
    t.eq(sorted(e["args"]["step"] for e in spans), list(range(1, len(spans) + 1)),
         "%s: the events carry the steps' numbers 1..N" % name)
    bystep = {e["args"]["step"]: e for e in spans}
    flows = collections.defaultdict(dict)
    for e in ev:
        if e["ph"] in "sf":
            flows[e["id"]][e["ph"]] = e
    bad = []
    for fid, pair in flows.items():
        if set(pair) != {"s", "f"}:
            bad.append((fid, "unpaired"))
            continue
        frm, to = pair["s"]["name"].split(" -> ")
        n, m = int(frm[1:]), int(to[1:])
        use = bystep[m]
        if not any(("(#%d)" % n) in str(v) for v in use["args"].values()):
            bad.append((fid, "step %d cites no #%d" % (m, n)))
        if pair["s"]["ts"] != bystep[n]["ts"] or pair["s"]["tid"] != bystep[n]["tid"]:
            bad.append((fid, "start is not at step %d" % n))
        if pair["f"]["ts"] != use["ts"] or pair["f"]["tid"] != use["tid"]:
            bad.append((fid, "end is not at step %d" % m))
    cites = sum(1 for e in spans for k, v in e["args"].items()
                if k not in ("step", "kind", "evidence", "caller") and "(#" in str(v))
    t.ok(not bad, "%s: %d flow arrows, each from the producing step to the citing one" % (name, len(flows)),
         repr(bad[:5]))
    t.ok(cites == 0 or flows, "%s: derivations (%d cited values) have arrows" % (name, cites))

# The task's function_graph calls against trace-cmd (the independent reader).
import oracle  # noqa: E402

path = os.path.join(FIX, "vm61-inet-stream-fg.dat")
rc, out, err = perfetto(path)
doc = json.loads(out)
ev = doc["traceEvents"]
pid = next(e["pid"] for e in ev if e["ph"] == "M" and e["name"] == "process_name")
recs = oracle.records(path)
root = oracle.fgraph_tree(recs, pid)
want = collections.Counter()
want_irq = collections.Counter()
for c in oracle.walk(root):
    if c.name is None or c.dur_ns() is None:
        continue
    (want_irq if c.irq else want)[(c.name + "()", c.dur_ns())] += 1
got = collections.Counter()
got_irq = collections.Counter()
for e in ev:
    if e["ph"] == "X" and e["args"].get("evidence") == "fgraph" and e["cat"] == "call":
        (got if e["tid"] == pid else got_irq)[(e["name"], us_to_ns(e["dur"]))] += 1
missing = got - want
t.ok(len(got) > 20 and not missing,
     "fgraph: all %d task-track calls have trace-cmd's name and duration" % sum(got.values()),
     "not in trace-cmd's task calls: %r" % list(missing.items())[:5])
t.ok(not (got_irq - want_irq), "fgraph: calls on the interrupt track are trace-cmd's interrupt calls "
     "(%d)" % sum(got_irq.values()), repr(list((got_irq - want_irq).items())[:5]))
s = oracle.find(root, "__sys_socket")[0]
e = next(e for e in ev if e["ph"] == "X" and e["name"] == "__sys_socket()")
t.eq(us_to_ns(e["dur"]), s.dur_ns(), "__sys_socket: dur is trace-cmd's rettime - calltime")
tracks = {e["tid"]: e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "thread_name"}
t.ok(tracks.get(1000000000 + pid) == "interrupts" and tracks.get(2000000000 + pid) == "off-CPU",
     "interrupts and off-CPU time have named tracks of their own", repr(tracks))
t.done()
