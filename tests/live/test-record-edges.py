"""kstep record at the edges: an output path that cannot be written is refused
before anything is recorded (one message, exit 2, the command never runs,
tracefs untouched); a command that dies by a signal or exits non-zero is
reported on stderr and its trace kept; --cleanup as another user says root
is needed. And a rewrite of a trace (convert, annotate) interrupted by
SIGINT, SIGTERM or SIGHUP, or killed, leaves no temporary file: strace holds
the writer in its final fsync while the signal is sent."""
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
import kstepjson  # noqa: E402
import live  # noqa: E402
from tap import Tap, tmpdir  # noqa: E402

t = Tap()
FIXTURES = os.environ.get("FIXTURES", "fixtures")


def leftovers(d):
    return sorted(f for f in os.listdir(d) if ".kstep-" in f)


def in_fsync(pid):
    try:
        with open("/proc/%d/syscall" % pid) as f:
            return f.read().split()[0] == "74"  # fsync on x86-64
    except (OSError, IndexError):
        return False


def default_signals():
    """kstep as a user starts it: a run started with nohup or `&` from a
    script inherits SIGHUP or SIGINT ignored, and exec keeps that."""
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, signal.SIG_DFL)


def one_try(args, sig):
    """Runs kstep ARGS under strace, which delays the fsync of the finished
    file by 10 s, and sends sig while kstep waits in it. Returns whether the
    writer reached the fsync and whether the signal arrived while it was
    still there: reading /proc and kill() are two steps, and a loaded
    machine can let the fsync end between them."""
    strace = subprocess.Popen(["strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=fsync",
                               "-e", "inject=fsync:delay_enter=10000000", live.KSTEP, *args],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=default_signals)
    # the traced kstep is strace's child (strace may fork short-lived helpers first):
    # wait until it is in its fsync, when the whole file is written
    child, reached, landed, deadline = None, False, False, time.time() + 30
    while strace.poll() is None and time.time() < deadline:
        try:
            with open("/proc/%d/task/%d/children" % (strace.pid, strace.pid)) as f:
                kids = f.read().split()
            child = int(kids[-1]) if kids else None
        except (OSError, ValueError):
            child = None
        if child and in_fsync(child):
            reached = True
            break
        time.sleep(0.01)
    if reached:
        os.kill(child, sig)
        landed = sig == signal.SIGKILL or in_fsync(child)
    strace.wait(timeout=60)
    return reached, landed


def interrupted_rewrite(label, args, out, sig, reset):
    """The signal arrives during the final fsync of the finished file (tried
    again, up to 3 times, after reset() puts the files back, when it arrived
    just after). Returns the files left."""
    d = os.path.dirname(out)
    for attempt in range(3):
        for f in leftovers(d):
            os.unlink(os.path.join(d, f))
        reset()
        reached, landed = one_try(args, sig)
        if not reached or landed:
            break
        t.comment("%s: the fsync ended before the signal arrived (try %d); again" % (label, attempt + 1))
    t.ok(reached and landed, "%s: the writer reached its final fsync (held there by strace) and the signal "
         "arrived there" % label)
    return leftovers(d)


why = live.why_not()
if why:
    t.skip("kstep record at the edges", why)
    t.done()
live.lock()
tmp = tmpdir("kstep-edges-")
marker = os.path.join(tmp, "ran")
cmd = ["--", "sh", "-c", "touch " + marker]

# 1. output paths refused before anything happens
before = live.snapshot()
sub = os.path.join(tmp, "adir")
os.mkdir(sub)
cases = [("an existing directory", sub, "is a directory"),
         ("a directory with a trailing slash", sub + "/", "is a directory"),
         ("a file in a missing directory", os.path.join(tmp, "nodir", "x.dat"), "does not exist"),
         # a FIFO, not /dev/null: a regression must not rename a trace over a device
         ("a FIFO", os.path.join(tmp, "fifo"), "not a regular file")]
os.mkfifo(os.path.join(tmp, "fifo"))
for label, path, says in cases:
    p = subprocess.run([live.KSTEP, "record", "-o", path, *cmd], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=60)
    t.eq(p.returncode, 2, "-o %s: exit 2" % label)
    lines = p.stderr.strip().splitlines()
    t.ok(len(lines) == 1 and says in lines[0] and "nothing was recorded" in lines[0],
         "-o %s: one message naming the problem" % label, p.stderr)
    t.ok(not os.path.exists(marker), "-o %s: the command never ran" % label)
    t.eq(os.listdir(sub), [], "-o %s: nothing written" % label)
    t.eq(live.diff(before, live.snapshot()), [], "-o %s: tracefs untouched" % label)

# 2. the command's fate is said, its trace kept
crash = os.path.join(tmp, "crash.dat")
p = live.record(crash, "-q", "--syscall", "getppid", "--", live.prog("crash"), check=False)
t.eq(p.returncode, 0, "a command killed by SIGSEGV: the recording succeeds (exit 0)")
t.ok("killed by signal 11" in p.stderr and "kept" in p.stderr, "the signal is said on stderr, with -q too",
     p.stderr)
t.ok(os.path.exists(crash), "the trace of the crash is kept")
info = kstepjson.info(crash)
t.eq(info["traced"].get("exit_signal"), signal.SIGSEGV, "kstep info shows the signal, stored in the file")
t.eq(live.diff(before, live.snapshot()), [], "crashing command: tracefs as found")

three = os.path.join(tmp, "three.dat")
p = live.record(three, "-q", "--syscall", "getppid", "--", "sh", "-c", "exit 3", check=False)
t.eq(p.returncode, 0, "a command exiting 3: the recording succeeds (exit 0)")
t.ok("exited with status 3" in p.stderr, "the exit status is said on stderr", p.stderr)
t.eq(kstepjson.info(three)["traced"].get("exit_code"), 3, "kstep info shows the exit status")

ok_run = os.path.join(tmp, "ok.dat")
p = live.record(ok_run, "-q", "--syscall", "getppid", "--", "true", check=False)
t.eq((p.returncode, p.stderr), (0, ""), "a command exiting 0 with -q: nothing said")

# 3. --cleanup as another user
p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", live.KSTEP, "record",
                    "--cleanup"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
t.eq(p.returncode, 2, "--cleanup as nobody: exit 2")
t.ok("needs root" in p.stderr and "removed" not in p.stdout, "--cleanup as nobody: says root is needed",
     p.stdout + p.stderr)

# 4. interrupted rewrites leave no temporary file
if not shutil.which("strace"):
    t.skip("interrupted rewrites", "strace is not installed")
    t.done()
src = os.path.join(FIXTURES, "host-socket.kstep.dat")
for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGKILL):
    out = os.path.join(tmp, "conv-%d.dat" % sig)
    left = interrupted_rewrite("convert, %s" % signal.Signals(sig).name,
                               ["convert", "--file-version", "6", src, "-o", out], out, sig,
                               lambda: os.path.exists(out) and os.unlink(out))
    t.eq(left, [], "convert interrupted by %s: no temporary file left" % signal.Signals(sig).name)
    t.ok(not os.path.exists(out), "convert interrupted by %s: no half output" % signal.Signals(sig).name)

# annotate in place, interrupted: the original stays whole, nothing is left beside it
inl = os.path.join(tmp, "inl.dat")
live.record(inl, "-q", "--uprobe", "prog:leaf", "--uretprobe", "prog:leaf", "--", live.prog("inltail"))
with open(inl, "rb") as f:
    orig = f.read()
probe = subprocess.run([live.KSTEP, "annotate", inl, "-o", os.path.join(tmp, "probe.dat")],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
if probe.returncode != 0:
    t.skip("interrupted annotate", "annotate has no DWARF to store here: " + probe.stderr.strip()[:200])
else:
    def put_back():
        with open(inl, "wb") as f:
            f.write(orig)
    left = interrupted_rewrite("annotate in place, SIGINT", ["annotate", inl], inl, signal.SIGINT, put_back)
    t.eq(left, [], "annotate interrupted by SIGINT: no temporary file left")
    with open(inl, "rb") as f:
        t.ok(f.read() == orig, "annotate interrupted: the original file is untouched")
t.eq(live.diff(before, live.snapshot()), [], "tracefs is left as it was found")
t.done()
