"""live.py - shared by the tests that record on this machine's kernel: they
need root and tracefs, take one lock so they never overlap, and snapshot
tracefs to prove kstep leaves it as it found it."""
import fcntl
import os
import re
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


def _foreign(name):
    """Whether an instance (kstep-PID, kstep-caps-PID) or a probe group
    (kstep_PID) belongs to a kstep process that is still running and is not
    this test's own: another user's recording (or another CI run on the same
    machine) at the moment of the snapshot. What a kstep that has exited left
    is never foreign: left behind, it is the test's finding."""
    m = re.match(r"^kstep[-_](?:caps-)?(\d+)$", name)
    if not m:
        return False
    pid = int(m.group(1))
    try:
        comm = open("/proc/%d/comm" % pid).read().strip()
    except OSError:
        return False
    if not comm.startswith("kstep"):
        return False
    while pid > 1:
        if pid == os.getpid():
            return False
        try:
            pid = int(open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            break
    return True


def snapshot():
    """Every readable tracefs setting: top level, instances, events' enable/filter/trigger.
    Instances of other running kstep processes are left out (_foreign)."""
    snap = {}
    foreign = set(i for i in os.listdir(os.path.join(TRACEFS, "instances")) if _foreign(i))
    groups = set(g for g in os.listdir(os.path.join(TRACEFS, "events")) if _foreign(g))
    for root, dirs, files in os.walk(TRACEFS):
        rel = os.path.relpath(root, TRACEFS)
        parts = rel.split(os.sep)
        if "per_cpu" in parts or (len(parts) >= 2 and parts[0] == "instances" and parts[1] in foreign) or \
                (len(parts) >= 2 and parts[0] == "events" and parts[1] in groups):
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
            text = _readable(path)
            if groups and name.endswith("_events"):
                # uprobe_events, kprobe_events, dynamic_events: "p:GROUP/EVENT ..." lines
                text = "".join(line for line in text.splitlines(True)
                               if not any(":%s/" % g in line for g in groups))
            snap[os.path.join(rel, name)] = text
    # Another kstep may start (kstep record probes the kernel in a kstep-caps-PID
    # instance) or end while the tree is walked: what is foreign now, or was there
    # during the walk and is gone already, was never this test's to leave behind.
    # A leak stays: its kstep has exited and the instance is still there.
    now = set(os.listdir(os.path.join(TRACEFS, "instances")))
    foreign |= set(i for i in now if _foreign(i))
    groups_now = set(os.listdir(os.path.join(TRACEFS, "events")))
    groups |= set(g for g in groups_now if _foreign(g))
    for key in list(snap):
        parts = key.split(os.sep)
        if len(parts) >= 2 and parts[0] == "instances" and (parts[1] in foreign or parts[1] not in now):
            del snap[key]
        elif len(parts) >= 2 and parts[0] == "events" and (parts[1] in groups or parts[1] not in groups_now):
            del snap[key]
        elif groups and key.endswith("_events"):
            snap[key] = "".join(line for line in snap[key].splitlines(True)
                                if not any(":%s/" % g in line for g in groups))
    snap["<instances>"] = sorted(i for i in now if i not in foreign)
    return snap


def diff(before, after):
    """Keys whose values changed, as readable lines."""
    out = []
    for k in sorted(set(before) | set(after)):
        if before.get(k) != after.get(k):
            out.append("%s: %r -> %r" % (k, str(before.get(k))[:80], str(after.get(k))[:80]))
    return out
