"""Interrupts inside a traced call (issue 13, item 4), on function_graph
recordings with interrupt work in them: fixtures/vm61-inet-stream-fg.dat (a
timer interrupt with RCU softirq work inside security_socket_create) and the
getrandom recordings of the 6.1 and 6.12 guests (fixtures/vm-irq.txt).

The oracle is trace-cmd report -R -l -t (every record, its flags, ns times):
- a hardirq runs from the entry of irq_enter_rcu (the kernel's interrupt
  entry, DEFINE_IDTENTRY_*) to the exit of the matching irq_exit_rcu; one
  without irq_enter_rcu records is the run of records flagged hardirq (0x8);
- softirq work is a run of records flagged softirq (0x10) and not hardirq:
  from its first to its last record.
kstep (--all, JSON) must have exactly these interrupts, each with that
start and end, softirqs labelled softirq; without --all the footer counts
all of them (collapsed or inside hidden calls), none left unmentioned."""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
import kstepjson  # noqa: E402
from tap import Tap, env  # noqa: E402

FIX = env("FIXTURES")
t = Tap()
REC = re.compile(r"^\s*(\S+)-(\d+)\s+\d+-0x([0-9a-f]+)\s+(\d+)\.(\d+):\s+(\w+):\s+(.*)$")
HARD, SOFT = 0x8, 0x10


def records(path, pid):
    p = subprocess.run(["trace-cmd", "report", "-R", "-l", "-t", "-i", path], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)
    out = []
    for ln in p.stdout.splitlines():
        m = REC.match(ln)
        if m and int(m.group(2)) == pid and m.group(6).startswith("funcgraph"):
            f = dict(re.findall(r"(\w+)=(\S+)", m.group(7)))
            out.append({"flags": int(m.group(3), 16), "ts": int(m.group(4)) * 10 ** 9 + int(m.group(5).ljust(9, "0")),
                        "ev": m.group(6), "func": f.get("func"), "depth": int(f.get("depth", -1))})
    return out


def oracle(recs):
    """[(ctx, start, end)] in time order."""
    out = []
    i, n = 0, len(recs)
    while i < n:
        r = recs[i]
        if r["ev"] == "funcgraph_entry" and r["func"] == "irq_enter_rcu":
            d = r["depth"]
            j = i + 1
            while j < n and not (recs[j]["ev"] == "funcgraph_exit" and recs[j]["func"] == "irq_exit_rcu"
                                 and recs[j]["depth"] == d):
                j += 1
            if j == n:
                break
            out.append(("hardirq", r["ts"], recs[j]["ts"]))
            out.extend(softirqs(recs[i:j + 1]))
            i = j + 1
        elif r["flags"] & HARD:
            j = i
            while j + 1 < n and recs[j + 1]["flags"] & HARD:
                j += 1
            out.append(("hardirq", r["ts"], recs[j]["ts"]))
            i = j + 1
        elif r["flags"] & SOFT:
            j = i
            while j + 1 < n and recs[j + 1]["flags"] & SOFT and not recs[j + 1]["flags"] & HARD:
                j += 1
            out.append(("softirq", r["ts"], recs[j]["ts"]))
            i = j + 1
        else:
            i += 1
    return sorted(out, key=lambda x: x[1])


def softirqs(recs):
    out, i = [], 0
    while i < len(recs):
        if recs[i]["flags"] & SOFT and not recs[i]["flags"] & HARD:
            j = i
            while j + 1 < len(recs) and recs[j + 1]["flags"] & SOFT and not recs[j + 1]["flags"] & HARD:
                j += 1
            out.append(("softirq", recs[i]["ts"], recs[j]["ts"]))
            i = j + 1
        else:
            i += 1
    return out


def check(path, label):
    rc, out, err = kstepjson.run("steps", "--all", "--format", "json", path, check=False)
    t.ok(rc == 0, "%s: kstep steps --all exits 0" % label, err)
    if rc:
        return
    doc = json.loads(out)
    task = doc.get("task", {}).get("pid") if isinstance(doc.get("task"), dict) else None
    ss = doc["steps"]
    pid = task or next(s for s in ss if s["kind"] == "call").get("pid")
    recs = records(path, pid) if pid else []
    want = oracle(recs)
    got = sorted(((s["ctx"], s["ts_ns"], s["end_ns"]) for s in ss if s["kind"] == "interrupt"), key=lambda x: x[1])
    t.ok(want, "%s: trace-cmd shows interrupt work in the task (%d)" % (label, len(want)))
    t.eq(len(got), len(want), "%s: one interrupt step per interrupt (hardirq and softirq)" % label)
    t.eq([g[0] for g in got], [w[0] for w in want], "%s: each labelled as its flags say (softirq is softirq)" % label)
    bad = [(g, w) for g, w in zip(got, want) if g != w]
    t.ok(not bad, "%s: each runs from its first record to its last (entry to exit)" % label, bad[:3])
    # without --all every interrupt is still counted somewhere in the footer
    rc, txt, err = kstepjson.run("steps", path, check=False)
    counted = sum(int(m) for m in re.findall(r"(\d+) interrupts? (?:inside the action shown collapsed|\()", txt))
    t.eq(counted, len(want), "%s: the footer counts every interrupt (collapsed or inside hidden calls)" % label)


check(os.path.join(FIX, "vm61-inet-stream-fg.dat"), "6.1 socket")


def all_records(path, pid):
    """Every record of the task (events too): (flags, ts, event, func or fields)."""
    p = subprocess.run(["trace-cmd", "report", "-R", "-l", "-t", "-i", path], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)
    out = []
    for ln in p.stdout.splitlines():
        m = REC.match(ln)
        if m and int(m.group(2)) == pid:
            out.append((int(m.group(3), 16), int(m.group(4)) * 10 ** 9 + int(m.group(5).ljust(9, "0")),
                        m.group(6), m.group(7)))
    return out


def runs(recs, mask, entry):
    """Runs of records flagged mask, each counting its entry events (at least one).
    A hardirq nested in softirq work keeps the softirq bit: the softirq run goes on."""
    total, i = 0, 0
    while i < len(recs):
        if not recs[i][0] & mask:
            i += 1
            continue
        j = i
        while j + 1 < len(recs) and recs[j + 1][0] & mask:
            j += 1
        total += max(sum(1 for r in recs[i:j + 1] if r[2] == entry), 1)
        i = j + 1
    return total


def check_events(path, label):
    """The getrandom recordings have irq_vectors and softirq events: each
    local_timer_entry/exit and softirq_entry/exit pair is one interrupt (runs
    of hardirq- or softirq-flagged records without such an event add one);
    an interrupt the events alone show ends at its exit event."""
    rc, out, err = kstepjson.run("steps", "--all", "--format", "json", path, check=False)
    t.ok(rc == 0, "%s: kstep steps --all exits 0" % label, err)
    if rc:
        return
    doc = json.loads(out)
    pid = doc["task"]["pid"]
    recs = all_records(path, pid)
    want = {"hardirq": runs(recs, HARD, "local_timer_entry"), "softirq": runs(recs, SOFT, "softirq_entry")}
    ss = doc["steps"]
    got = {"hardirq": 0, "softirq": 0}
    for s in ss:
        if s["kind"] == "interrupt":
            got[s["ctx"]] = got.get(s["ctx"], 0) + 1
    t.eq(got["hardirq"], want["hardirq"], "%s: one hardirq step per timer interrupt / hardirq run" % label)
    t.eq(got["softirq"], want["softirq"], "%s: one softirq step per softirq_entry / softirq run" % label)
    # event-only interrupts: entry event .. exit event, nothing of the graph after the exit
    byts = {s["ts_ns"]: s for s in ss if s["kind"] == "interrupt"}
    checked = bad = 0
    for k, r in enumerate(recs):
        if r[2] not in ("local_timer_entry", "softirq_entry") or r[1] not in byts:
            continue
        ex = "local_timer_exit" if r[2] == "local_timer_entry" else "softirq_exit"
        e = next((x for x in recs[k + 1:] if x[2] == ex), None)
        nxt = recs[recs.index(e) + 1] if e and recs.index(e) + 1 < len(recs) else None
        if not e or (nxt and nxt[2].startswith("funcgraph") and nxt[0] & (HARD | SOFT)):
            continue
        checked += 1
        if byts[r[1]]["end_ns"] != e[1]:
            bad += 1
    t.ok(checked > 5, "%s: interrupts the events delimit: %d checked" % (label, checked))
    t.eq(bad, 0, "%s: each ends at its exit event, not at the task's next record" % label)
    rc, txt, err = kstepjson.run("steps", path, check=False)
    counted = sum(int(m) for m in re.findall(r"(\d+) interrupts? (?:inside the action shown collapsed|\()", txt))
    t.eq(counted, got["hardirq"] + got["softirq"], "%s: the footer counts every interrupt" % label)

# diff compares security_socket_create's own time: its exit record's
# rettime - calltime less the interrupt inside it (with --irqs: all of it)
A, B = os.path.join(FIX, "vm6.1-socket.trace-cmd.dat"), os.path.join(FIX, "vm61-inet-stream-fg.dat")


def dur_of(txt):
    m = re.search(r"> security_socket_create\s+\[[^\]]*\]\n\s+\S+ \S+ → (\S+) (\S+)", txt)
    return float(m.group(1)) * {"ns": 1, "us": 1e3, "µs": 1e3, "ms": 1e6}[m.group(2)] if m else None


p = subprocess.run(["trace-cmd", "report", "-R", "-t", "-i", B], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                   text=True).stdout
ex = re.search(r"funcgraph_exit:\s+func=security_socket_create .*calltime=([0-9a-f]+) rettime=([0-9a-f]+)", p)
total = int(ex.group(2), 16) - int(ex.group(1), 16)
hard = [w for w in oracle(records(B, 110)) if w[0] == "hardirq"]
irq = sum(e - s for _, s, e in hard)
rc, out, err = kstepjson.run("diff", A, B, check=False)
d = dur_of(out)
t.ok(d is not None and abs(d - (total - irq)) < 1000,
     "diff: security_socket_create compared without its interrupt (%s vs %d - %d)" % (d, total, irq))
rc, out, err = kstepjson.run("diff", "--irqs", A, B, check=False)
d = dur_of(out)
t.ok(d is not None and abs(d - total) < 1000, "diff --irqs: with it (%s vs %d)" % (d, total))
for label in ("6.1", "6.12"):
    p = os.path.join(FIX, "vm%s-irq.dat" % label)
    if os.path.exists(p):
        check_events(p, label + " getrandom")
    else:
        t.ok(False, "%s: fixture %s exists" % (label, p))
t.done()
