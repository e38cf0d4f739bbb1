"""oracle.py - expected facts from trace-cmd, the independent reader.

Everything here is derived from `trace-cmd report` output (raw fields with
-R, lat flags with -l, stacks from the plain report), never from kstep.
The golden tests compare kstep's --format json against these facts.
"""
import os
import re
import subprocess

TRACE_CMD = os.environ.get("TRACE_CMD") or "trace-cmd"

# "     socket_test-110   [001]     9.100188: sys_enter_socket:      __syscall_nr=41 ..."
LINE = re.compile(r"^\s*(?P<comm>.+?)-(?P<pid>\d+)\s+\[(?P<cpu>\d+)\]\s+"
                  r"(?P<ts>\d+\.\d+):\s+(?P<event>[^:\s]+):\s*(?P<rest>.*)$")
# -R -l: "socket_t-110     1-0x9     9.105238: funcgraph_exit: ..." (the raw
# common_flags in hex: 0x08 hardirq, 0x10 softirq, 0x40 NMI)
LAT = re.compile(r"^\s*(?P<comm>.+?)-(?P<pid>\d+)\s+(?P<cpu>\d+)-(?P<flags>0x[0-9a-f]+)\s+"
                 r"(?P<ts>\d+\.\d+):\s+(?P<event>[^:\s]+):")
# "=> sock_alloc_inode (ffffffff81e2acbe)"
FRAME = re.compile(r"^=> (?P<func>\S+) \((?P<addr>[0-9a-f]+)\)$")


def _run(path, *args):
    out = subprocess.run([TRACE_CMD, "report", *args, "-i", path], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, check=True, text=True)
    return out.stdout.splitlines()


def _fields(rest):
    """key=value tokens of a -R line; ARRAY[...] values keep their commas."""
    out = {}
    for m in re.finditer(r"(\w+)=(ARRAY\[[^\]]*\]|\S+)", rest):
        out[m.group(1)] = m.group(2)
    return out


def num(s):
    return int(s, 0)


class Record:
    def __init__(self, m, flags):
        self.comm = m.group("comm")
        self.pid = int(m.group("pid"))
        self.cpu = int(m.group("cpu"))
        self.ts = m.group("ts")          # as printed: seconds with microseconds
        self.event = m.group("event")
        self.rest = m.group("rest")
        self.f = _fields(self.rest)
        self.flags = flags
        self.stack = None                # kernel_stack: [(func, addr)], innermost first

    def __repr__(self):
        return "%s %s %s" % (self.ts, self.event, self.rest[:60])


def records(path):
    """All records of the file in trace-cmd's order, with lat flags and stacks."""
    raw = [LINE.match(l) for l in _run(path, "-R")]
    raw = [m for m in raw if m]
    lat = [LAT.match(l) for l in _run(path, "-R", "-l")]
    lat = [int(m.group("flags"), 16) for m in lat if m]
    if len(lat) != len(raw):
        raise RuntimeError("trace-cmd -R and -R -l disagree on the record count")
    recs = [Record(m, flags) for m, flags in zip(raw, lat)]
    # stacks: the plain report lists "=> func (addr)" lines after each kernel_stack
    stacks, cur = [], None
    for line in _run(path):
        m = LINE.match(line)
        if m:
            cur = [] if m.group("event") == "kernel_stack" else None
            if cur is not None:
                stacks.append(cur)
            continue
        fm = FRAME.match(line.strip())
        if fm and cur is not None:
            cur.append((fm.group("func"), int(fm.group("addr"), 16)))
    ks = [r for r in recs if r.event == "kernel_stack"]
    if len(ks) == len(stacks):
        for r, s in zip(ks, stacks):
            r.stack = s
    return recs


def event_counts(recs):
    counts = {}
    for r in recs:
        counts[r.event] = counts.get(r.event, 0) + 1
    return counts


def in_irq(flags):
    """The kernel's common_flags: hardirq 0x08, softirq 0x10, NMI 0x40."""
    return bool(flags & (0x08 | 0x10 | 0x40))


class Call:
    def __init__(self, name, parent, rec):
        self.name = name
        self.parent = parent
        self.children = []
        self.rec = rec
        self.irq = in_irq(rec.flags) or (parent is not None and parent.irq)
        self.exit = None

    def path(self):
        out, n = [], self
        while n is not None and n.name is not None:
            out.append(n.name)
            n = n.parent
        return list(reversed(out))

    def dur_ns(self):
        if not self.exit:
            return None
        return num("0x" + self.exit.f["rettime"]) - num("0x" + self.exit.f["calltime"])


# Interrupt entry code runs before the hardirq flag is set: these names are
# the kernel's, not kstep's list.
IRQ_ENTRY = {"irq_enter_rcu", "irq_enter", "irq_exit_rcu", "irq_exit"}


def fgraph_tree(recs, pid):
    """The function_graph call tree of one task; returns the root (name None)."""
    root = Call(None, None, recs[0])
    root.irq = False
    stack = [root]
    for r in recs:
        if r.pid != pid:
            continue
        if r.event == "funcgraph_entry":
            c = Call(r.f["func"], stack[-1], r)
            if c.name in IRQ_ENTRY:
                c.irq = True
            stack[-1].children.append(c)
            stack.append(c)
        elif r.event == "funcgraph_exit":
            for i in range(len(stack) - 1, 0, -1):
                if stack[i].name == r.f["func"]:
                    stack[i].exit = r
                    del stack[i:]
                    break
    return root


def walk(node):
    yield node
    for c in node.children:
        yield from walk(c)


def find(root, name):
    return [n for n in walk(root) if n.name == name]


# Where x86's ftrace-based kprobes and kretprobes enter their handlers: what
# runs below these is the instrumentation, not the traced kernel work.
PROBE_MACHINERY = {"kprobe_ftrace_handler", "kretprobe_rethook_handler"}


def task_children(node):
    """Children that are neither interrupt work nor probe machinery."""
    return [c for c in node.children if not c.irq and c.name not in PROBE_MACHINERY]


def first(recs, event, pid=None):
    for r in recs:
        if r.event == event and (pid is None or r.pid == pid):
            return r
    return None


def ts_ns(ts):
    """'9.100188' → nanoseconds (microsecond precision)."""
    sec, frac = ts.split(".")
    return int(sec) * 1000000000 + int(frac.ljust(9, "0")[:9])
