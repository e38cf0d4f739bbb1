"""Off-CPU time inside a traced call (issue 13, item 3), on recordings of
tests/progs/nap.c (usleep 3000: clock_nanosleep) in the 6.1 and 6.12 guests
(fixtures/vm-switch.txt): vmK-offcpu.dat has function_graph and sched_switch,
vmK-offcpu-fg.dat function_graph alone, where only the graph's switch
functions and finish_task_switch show the switch.

Oracles, from trace-cmd report -R -t (every record, nanosecond times):
- with sched_switch: the off-cpu step ends at the switch in (`==> nap`) and
  starts at the switch out (`nap ... ==>`), or at the task's last record after
  it (function_graph shows the task still running the tracepoint's frame);
- function_graph alone: it starts at the task's last record before the
  finish_task_switch entry and ends at that entry;
- in both the sleep is at least the 3 ms nap asked for, the step sits under
  schedule and finish_task_switch follows it as a sibling, not a callee;
- kstep diff compares __x64_sys_clock_nanosleep's time without the time away
  (its exit record's rettime - calltime minus the off-cpu span), and with
  --irqs with it."""
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
REC = re.compile(r"^\s*(\S+)-(\d+)\s+\[\d+\]\s+(\d+)\.(\d+):\s+(\w+):\s+(.*)$")


def records(path):
    p = subprocess.run(["trace-cmd", "report", "-R", "-t", "-i", path], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)
    out = []
    for ln in p.stdout.splitlines():
        m = REC.match(ln)
        if m:
            out.append({"pid": int(m.group(2)), "ts": int(m.group(3)) * 10 ** 9 + int(m.group(4).ljust(9, "0")),
                        "ev": m.group(5), "f": dict(re.findall(r"(\w+)=(\S+)", m.group(6)))})
    return out


def steps(path, *args):
    rc, out, err = kstepjson.run("steps", "--format", "json", *args, path, check=False)
    t.ok(rc == 0, "kstep steps %s exits 0" % os.path.basename(path), err)
    return json.loads(out)["steps"] if rc == 0 else []


def syscall_pid(recs):
    return next(r["pid"] for r in recs if r["ev"] == "funcgraph_entry" and r["f"]["func"] == "__x64_sys_clock_nanosleep")


def sleep_window(recs, pid):
    """(switch out, switch in) of the sleep: the switch out in state S (1), then the next switch in."""
    out = None
    for r in recs:
        if r["ev"] != "sched_switch":
            continue
        if out is None and r["f"]["prev_pid"] == str(pid) and r["f"]["prev_state"] == "1":
            out = r["ts"]
        elif out is not None and r["f"]["next_pid"] == str(pid):
            return out, r["ts"]
    return None


def last_before(recs, pid, ts):
    """The task's last record before ts (its own switch out included, not another task's switch)."""
    return max(r["ts"] for r in recs if r["pid"] == pid and r["ts"] < ts)


def check_place(ss, off, label):
    byn = {s["n"]: s for s in ss}
    par = byn.get(off["parent"])
    t.ok(par and par["name"] in ("schedule", "__schedule"), "%s: the off-cpu step is under schedule" % label,
         par and par["name"])
    sib = [s for s in ss if s["parent"] == off["parent"] and s["n"] > off["n"]]
    t.ok(sib and sib[0]["name"].startswith("finish_task_switch"),
         "%s: finish_task_switch follows it as a sibling" % label, sib[:1])
    t.ok(not any(s["parent"] == off["n"] for s in ss), "%s: nothing is shown as its callee" % label)


def offcpu_steps(ss):
    """The off-cpu steps inside the traced syscall (before it: exec's preemptions)."""
    byn = {s["n"]: s for s in ss}

    def inside(s):
        while s and s["name"] != "__x64_sys_clock_nanosleep":
            s = byn.get(s["parent"])
        return s is not None
    return [s for s in ss if s["kind"] == "off-cpu" and inside(s)]


for label in ("6.1", "6.12"):
    path = os.path.join(FIX, "vm%s-offcpu.dat" % label)
    if not os.path.exists(path):
        t.ok(False, "%s: fixture %s exists" % (label, path))
        continue
    recs = records(path)
    pid = syscall_pid(recs)
    win = sleep_window(recs, pid)
    t.ok(win, "%s: trace-cmd shows the switch out (S) and in of nap" % label, win)
    ss = steps(path)
    offs = offcpu_steps(ss)
    t.eq(len(offs), 1, "%s with sched_switch: one off-cpu step for the sleep" % label)
    if win and offs:
        out, back = win
        start = max(out, last_before(recs, pid, back))
        o = offs[0]
        t.eq(o["end_ns"], back, "%s: it ends at the switch in (sched_switch ts)" % label)
        t.eq(o["ts_ns"], start, "%s: it starts at the switch out or the task's last record after it" % label)
        t.ok(back - out - o["dur_ns"] < 200000, "%s: the time away is the sched_switch span less the "
             "tracepoint's tail (%d of %d ns)" % (label, o["dur_ns"], back - out))
        t.ok(o["dur_ns"] >= 2500000, "%s: about the 3 ms nap asked for at least (%d ns)" % (label, o["dur_ns"]))
        check_place(ss, o, label)

    path = os.path.join(FIX, "vm%s-offcpu-fg.dat" % label)
    if not os.path.exists(path):
        t.ok(False, "%s: fixture %s exists" % (label, path))
        continue
    recs = records(path)
    pid = syscall_pid(recs)
    t.ok(not any(r["ev"] == "sched_switch" for r in recs), "%s: the function_graph-only file has no sched_switch" % label)
    fin = [r for r in recs if r["ev"] == "funcgraph_entry" and r["f"]["func"].startswith("finish_task_switch")
           and r["pid"] == pid]
    t.ok(fin, "%s: trace-cmd shows finish_task_switch's entry" % label)
    ss = steps(path)
    offs = offcpu_steps(ss)
    t.eq(len(offs), 1, "%s function_graph alone: one off-cpu step made from the graph" % label)
    if fin and offs:
        back = fin[-1]["ts"]
        o = offs[0]
        t.eq(o["end_ns"], back, "%s: it ends at finish_task_switch's entry" % label)
        t.eq(o["ts_ns"], last_before(recs, pid, back), "%s: it starts at the task's last record before" % label)
        t.ok(o["dur_ns"] >= 2500000, "%s: about the 3 ms nap asked for at least (%d ns)" % (label, o["dur_ns"]))
        t.eq(o["evidence"], "fgraph", "%s: its evidence is the graph" % label)
        check_place(ss, o, label)
        # hidden with its caller, it is still named in the footer with its time
        rc, txt, err = kstepjson.run("steps", "--hide", "schedule", path, check=False)
        m = re.search(r"(\d+) times? off the CPU \(([\d.]+) ms\) inside hidden calls", txt)
        t.ok(m and m.group(1) == "1" and abs(float(m.group(2)) * 1e6 - (back - last_before(recs, pid, back))) < 1000,
             "%s: with schedule hidden the footer names the time off the CPU (%s)" % (label, m and m.group(0)))

# diff: the syscall's time without the time away
A = os.path.join(FIX, "vm6.1-offcpu.dat")
B = os.path.join(FIX, "vm6.1-offcpu-fg.dat")


def parse_dur(s):
    v, u = s.split()
    return float(v) * {"ns": 1, "us": 1e3, "µs": 1e3, "ms": 1e6, "s": 1e9}[u]


def sys_row(text):
    m = re.search(r"time\s+__x64_sys_clock_nanosleep\s+\[[^\]]*\]\n\s+(\S+ \S+) → (\S+ \S+)", text)
    return (parse_dur(m.group(1)), parse_dur(m.group(2))) if m else None


def total_and_away(path):
    recs = records(path)
    pid = syscall_pid(recs)
    ex = next(r for r in recs if r["ev"] == "funcgraph_exit" and r["f"]["func"] == "__x64_sys_clock_nanosleep")
    total = int(ex["f"]["rettime"], 16) - int(ex["f"]["calltime"], 16)
    o = offcpu_steps(steps(path))[0]
    return total, o["dur_ns"], pid


if os.path.exists(A) and os.path.exists(B):
    (ta, aa, _), (tb, ab, _) = total_and_away(A), total_and_away(B)
    rc, out, err = kstepjson.run("diff", A, B, check=False)
    row = sys_row(out)
    t.ok(row, "diff: a timing row for __x64_sys_clock_nanosleep", out[-800:])
    if row:
        t.ok(abs(row[0] - (ta - aa)) < 1000 and abs(row[1] - (tb - ab)) < 1000,
             "diff compares the syscall's time less its time away (%s vs %d, %d)" % (row, ta - aa, tb - ab))
    rc, out, err = kstepjson.run("diff", "--irqs", A, B, check=False)
    row = sys_row(out)
    t.ok(row and abs(row[0] - ta) < 1000 and abs(row[1] - tb) < 1000,
         "diff --irqs compares the whole time (%s vs %d, %d)" % (row, ta, tb))
t.done()
