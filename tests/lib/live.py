"""live.py - shared by the tests that record on this machine's kernel: they
need root and tracefs, take one lock so they never overlap, and snapshot
tracefs to prove kstep leaves it as it found it."""
import fcntl
import os
import subprocess

TRACEFS = "/sys/kernel/tracing"
PROGS = os.environ.get("TEST_PROGS", "tests/progs")
KSTEP = os.environ.get("KSTEP", "kstep")


def why_not():
    """Returns why live tests cannot run here, or None. kstep caps decides,
    by trying: a machine that forbids tracing skips these tests."""
    import json
    if os.geteuid() != 0:
        return "not root"
    # kstep caps creates and removes an instance: never while another test
    # compares tracefs snapshots
    lock()
    if not os.path.isdir(os.path.join(TRACEFS, "events")):
        subprocess.run(["mount", "-t", "tracefs", "nodev", TRACEFS], stderr=subprocess.DEVNULL)
    p = subprocess.run([KSTEP, "caps", "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    if p.returncode < 0:
        # a crash or a sanitizer report is kstep's failure, never a reason to skip
        raise RuntimeError("kstep caps --json died (signal %d): %s" % (-p.returncode, p.stderr[-2000:]))
    try:
        caps = json.loads(p.stdout)["caps"]
    except (ValueError, KeyError):
        return "kstep caps --json failed (%d): %s" % (p.returncode, p.stderr.strip())
    for need in ("root", "tracefs", "instances", "syscall_events", "uprobes", "triggers",
                 "event_pid"):
        if not caps[need]["ok"]:
            return "kstep caps: %s: %s" % (need, caps[need]["why"])
    return None


_lock = None


def lock():
    """One live test at a time: they all change and inspect tracefs."""
    global _lock
    if _lock is not None:
        return
    _lock = open("/tmp/kstep-live-tests.lock", "w")
    fcntl.flock(_lock, fcntl.LOCK_EX)


def prog(name):
    return os.path.join(PROGS, name)


def record(out, *args, check=True, timeout=120):
    """kstep record ... -o out; returns the CompletedProcess."""
    p = subprocess.run([KSTEP, "record", "-o", out, *args], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise RuntimeError("kstep record failed (%d): %s" % (p.returncode, p.stderr))
    return p


def _readable(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError as e:
        return "<%s>" % e.strerror


# Files whose content changes by itself (counters, buffers, time).
VOLATILE = ("trace", "trace_pipe", "per_cpu", "stats", "buffer_total_size_kb", "saved_cmdlines",
            "saved_tgids", "kprobe_profile", "uprobe_profile", "dyn_ftrace_total_info",
            "touched_functions", "error_log", "printk_formats", "hist", "id", "format",
            "available_events", "enabled_functions", "timestamp_mode")


def snapshot():
    """Every readable tracefs setting: top level, instances, events' enable/filter/trigger."""
    snap = {}
    for root, dirs, files in os.walk(TRACEFS):
        rel = os.path.relpath(root, TRACEFS)
        if "per_cpu" in rel.split(os.sep):
            dirs[:] = []
            continue
        for name in files:
            if name in VOLATILE or name.startswith("trace_pipe"):
                continue
            path = os.path.join(root, name)
            if not os.access(path, os.W_OK):
                continue
            if rel.startswith("events") and name not in ("enable", "filter", "trigger"):
                continue
            snap[os.path.join(rel, name)] = _readable(path)
    snap["<instances>"] = sorted(os.listdir(os.path.join(TRACEFS, "instances")))
    return snap


def diff(before, after):
    """Keys whose values changed, as readable lines."""
    out = []
    for k in sorted(set(before) | set(after)):
        if before.get(k) != after.get(k):
            out.append("%s: %r -> %r" % (k, str(before.get(k))[:80], str(after.get(k))[:80]))
    return out
