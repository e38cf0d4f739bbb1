"""kstep record on this machine's kernel (events, stacks, uprobes; no kprobes):
the socket plan, checked against trace-cmd's report of the file kstep wrote,
round trips through trace-cmd convert, and the count kstep drained."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "golden"))
import hostsocket  # noqa: E402
import kstepjson  # noqa: E402
import live  # noqa: E402
import oracle  # noqa: E402
from tap import Tap, tmpdir  # noqa: E402

t = Tap()
why = live.why_not()
if why:
    t.skip("live recording", why)
    t.done()
live.lock()
tmp = tmpdir("kstep-live-")
out = os.path.join(tmp, "socket.dat")
before = live.snapshot()
p = live.record(out, "--plan", "socket", "--", live.prog("socket_inet"))
t.eq(live.diff(before, live.snapshot()), [], "tracefs is left as it was found")
t.ok(os.path.exists(out), "the trace file is written")
t.ok("socket(AF_INET, SOCK_STREAM, 0) = 3" in p.stdout, "the command ran with its output", p.stdout)
t.ok("skipped" in p.stderr and "kprobes" in p.stderr,
     "what this kernel cannot trace is reported and skipped", p.stderr)
t.eq([f for f in os.listdir(tmp) if f != "socket.dat"], [], "no temporary file is left")

rep = subprocess.run([oracle.TRACE_CMD, "report", "-i", out], stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE, text=True)
t.eq(rep.returncode, 0, "trace-cmd report reads kstep's file")
recs = hostsocket.check(t, out)

# the plan as asked and as applied, the build-id and the rest are in the file
dump = subprocess.run([oracle.TRACE_CMD, "dump", "--options", "-i", out], stdout=subprocess.PIPE,
                      stderr=subprocess.STDOUT, text=True)
t.eq(dump.returncode, 0, "trace-cmd dump reads the options")
info = kstepjson.info(out)
t.ok(info["traced"] and info["traced"]["command"].endswith("socket_inet"),
     "kstep info shows the traced command", info["traced"])
with open(out, "rb") as f:
    blob = f.read()
t.ok(b"# plan socket as applied on this kernel" in blob, "the plan as applied is stored")
t.ok(b"kprobe __sys_socket" in blob, "the plan as asked is stored")
loss = re.search(rb"lost (\d+) drained (\d+)", blob)
t.ok(loss is not None, "the loss accounting is stored")
if loss:
    t.eq(int(loss.group(1)), 0, "nothing was lost")
    t.eq(int(loss.group(2)), len(recs), "the events drained equal the events in the file")

# round trips: the other version, and back, through trace-cmd convert
raw = subprocess.run([oracle.TRACE_CMD, "report", "-R", "-i", out], stdout=subprocess.PIPE,
                     stderr=subprocess.DEVNULL, text=True).stdout
for version, comp in (("6", None), ("7", "none")):
    conv = os.path.join(tmp, "conv-%s.dat" % version)
    args = [oracle.TRACE_CMD, "convert", "--file-version", version, "-i", out, "-o", conv]
    if comp:
        args += ["--compression", comp]
    subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    got = subprocess.run([oracle.TRACE_CMD, "report", "-R", "-i", conv], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True).stdout
    t.eq(got.splitlines(), raw.splitlines(), "trace-cmd convert to v%s: identical report -R" % version)

# A second run of the same program makes the same syscalls and probe hits, but
# the kernel does not allocate the same way twice (slab refills, the uprobe
# path's per-task state on first use): allocations and their stacks are
# compared with what kstep drained in that run, not with the first run.
VARIES = {"kmem_cache_alloc", "kmalloc", "kernel_stack"}


def steady(recs):
    return sorted((e, n) for e, n in oracle.event_counts(recs).items() if e not in VARIES)


for version, comp in (("6", "none"), ("7", "none")):
    other = os.path.join(tmp, "socket-%s-%s.dat" % (version, comp))
    live.record(other, "-q", "--file-version", version, "--compression", comp, "--plan", "socket", "--",
                live.prog("socket_inet"))
    o = oracle.records(other)
    t.eq(steady(o), steady(recs),
         "recorded as v%s %s: trace-cmd sees the same syscalls and probe hits" % (version, comp))
    with open(other, "rb") as f:
        drained = re.search(rb"lost (\d+) drained (\d+)", f.read())
    t.ok(drained is not None and int(drained.group(1)) == 0 and int(drained.group(2)) == len(o),
         "recorded as v%s %s: trace-cmd sees every event kstep drained" % (version, comp),
         drained and drained.group(0))
t.done()
