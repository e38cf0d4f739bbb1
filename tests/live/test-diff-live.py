"""kstep diff on recordings made here and now: five runs of the socket plan
against five others show no structural and no timing change; a uprobe'd
function that sleeps 2 ms in A and 12 ms in B (five runs each) is reported
as a timing change of about +10 ms, and nothing else changes.

The two sides' runs are recorded alternately (A B A B ...): a machine that
gets busier or quieter while the test runs then affects both sides alike,
as it would not if all of A ran before all of B."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "golden"))
import kstepjson  # noqa: E402
import live  # noqa: E402
import oracle  # noqa: E402
from tap import Tap, tmpdir  # noqa: E402

t = Tap()
why = live.why_not()
if why:
    t.skip("kstep diff on live recordings", why)
    t.done()
live.lock()
tmp = tmpdir("kstep-diff-")


def runs(name, n, *args):
    out = []
    for i in range(n):
        path = os.path.join(tmp, "%s-%d.dat" % (name, i))
        live.record(path, "-q", *args)
        out.append(path)
    return out


def alternate(n, a, b):
    """n runs of each side, recorded A B A B ...: returns (A's files, B's files)."""
    fa, fb = [], []
    for i in range(n):
        fa += runs("%s-%d" % (a[0], i), 1, *a[1:])
        fb += runs("%s-%d" % (b[0], i), 1, *b[1:])
    return fa, fb


def diff(a, b, *opts):
    rc, out, err = kstepjson.run("diff", "--format", "json", *opts, *a, "--", *b, check=False)
    return rc, (json.loads(out) if out.strip().startswith("{") else None), err


socket = runs("socket", 10, "--plan", "socket", "--", live.prog("socket_inet"))
rc, d, err = diff(socket[0::2], socket[1::2])
t.ok(d is not None, "kstep diff --format json of 5 against 5 runs", err)
if d:
    s = d["summary"]
    t.eq((s["structural"], s["timing"]), (0, 0), "same kernel, 5 runs against 5: no structural, no timing change",
         ) or t.comment(json.dumps([c for c in d["changes"] if c["kind"] != "not compared"], indent=1)[:3000])
    t.eq(d["a"]["runs"], 5, "5 runs on side A")

nap = ["--uprobe", "prog:nap us=%di:u32", "--uretprobe", "prog:nap"]
short, long_ = alternate(5, ("nap2ms", *nap, "--", live.prog("nap"), "2000"),
                         ("nap12ms", *nap, "--", live.prog("nap"), "12000"))
rc, d, err = diff(short, long_, "--min-delta", "1ms")
t.eq(rc, 1, "2 ms against 12 ms naps: exit 1 (different)")


def nap_us(path):
    """The nap's duration in this run, from trace-cmd report: uprobe to uretprobe."""
    ts = {r.event: float(r.ts) for r in oracle.records(path) if r.event in ("nap", "nap_ret")}
    return (ts["nap_ret"] - ts["nap"]) * 1e6


# diff calls a duration changed only when the sides' ranges do not overlap
# (noise is not a change); on a very busy machine one nap can stretch past
# the other side's. What diff must say follows from the recordings.
da, db = sorted(nap_us(f) for f in short), sorted(nap_us(f) for f in long_)
apart = da[-1] < db[0]
if d:
    times = [c for c in d["changes"] if c["kind"] == "time" and c["a"]["name"] == "nap"]
    if apart:
        t.ok(len(times) == 1, "the nap call's duration changed (trace-cmd: %.0f..%.0f us against %.0f..%.0f us)"
             % (da[0], da[-1], db[0], db[-1]), d["changes"])
        if times:
            want = (db[2] - da[2]) * 1000
            delta = times[0]["delta_ns"]
            t.ok(abs(delta - want) <= 2000, "by the medians' difference trace-cmd shows (%+.3f ms, kstep %+.3f ms)"
                 % (want / 1e6, delta / 1e6))
    else:
        t.ok(not times, "the ranges overlap (trace-cmd: %.0f..%.0f us against %.0f..%.0f us on a busy machine): "
             "no timing change claimed" % (da[0], da[-1], db[0], db[-1]), times)
        t.skip("the medians' difference", "the machine's noise made the ranges overlap")
    t.eq(d["summary"]["structural"], 0, "and the structure did not change")
    args = [c for c in d["changes"] if c["kind"] == "argument" and c.get("value") == "us"]
    t.ok(len(args) == 1, "nap's argument changed from 2000 to 12000", d["changes"])
rc, d, err = diff(short, short[::-1])
t.eq(rc, 0, "the same five runs against themselves: exit 0 (equal)")
t.done()
