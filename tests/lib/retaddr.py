"""retaddr.py - derives a funcgraph-retaddr trace.dat (the kernel's
fgraph_retaddr_entry events, 6.13+) from a real v6 function_graph
recording, for tests: every funcgraph_entry record becomes an
fgraph_retaddr_entry whose retaddr is the address after a `call` of that
callee in its parent's code, as objdump -d disassembles the vmlinux the
recording ran (nokaslr). Timestamps, CPUs, tasks and every other record are
kept exactly; the ring-buffer pages are rebuilt (the new record is 4 bytes
longer), with time-extend records where a delta needs one.

Which call site: the k-th call of a callee under one call of its parent gets
the k-th direct `call` of it in the parent's code, in address order (the
last one again when there are more calls than sites). The order of calls is
the order the graph recorded; that the k-th call ran the k-th site is a
choice, not a fact the recording shows (a test that knows better, e.g. from
a syscall's result, passes change() to pick the site that ran). A call
with no direct call site in its parent (an indirect call, a call from an
untraced function, an interrupt, depth 0) gets retaddr 0: no return address.

The layout is 6.13's (trace_entries.h, FTRACE_ENTRY_PACKED): common fields,
unsigned long func at 8, int depth at 16, unsigned long retaddr at 20; 6.15
made depth unsigned int ("%u"), and later kernels moved retaddr into a
trailing args[] dynamic array (args[0])."""
import bisect
import re
import struct
import subprocess

from v6layout import v6_layout

PAGE = 4096
RETADDR_ID = 20          # unused by the 6.1 recording's ftrace events
FORMAT = """name: fgraph_retaddr_entry
ID: %d
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

\tfield:unsigned long func;\toffset:8;\tsize:8;\tsigned:0;
\tfield:int depth;\toffset:16;\tsize:4;\tsigned:1;
\tfield:unsigned long retaddr;\toffset:20;\tsize:8;\tsigned:0;

print fmt: "--> %%ps (%%d) <- %%ps", (void *)REC->func, REC->depth, (void *)REC->retaddr
""" % RETADDR_ID


def event_id(d, name):
    return int(re.search(rb"name: " + name + rb"\nID: (\d+)\n", d).group(1))


def read_cpu(d, off, size):
    """[(ts, payload)] of one CPU's pages, in order (padding dropped)."""
    out = []
    for p in range(off, off + size, PAGE):
        ts, commit = struct.unpack_from("<QQ", d, p)
        commit &= 0x0fffffff
        i, end = p + 16, p + 16 + commit
        while i < end:
            (hdr,) = struct.unpack_from("<I", d, i)
            tl, delta = hdr & 31, hdr >> 5
            if tl == 29:                                  # padding
                if delta == 0:
                    break
                (n,) = struct.unpack_from("<I", d, i + 4)
                ts += delta
                i += 4 + n
            elif tl == 30:                                # time extend
                (ext,) = struct.unpack_from("<I", d, i + 4)
                ts += (ext << 27) + delta
                i += 8
            elif tl == 31:                                # absolute time stamp
                (ext,) = struct.unpack_from("<I", d, i + 4)
                ts = (ts & ~((1 << 59) - 1)) | (ext << 27) | delta
                i += 8
            elif tl == 0:
                (n,) = struct.unpack_from("<I", d, i + 4)
                ts += delta
                out.append((ts, d[i + 8:i + 4 + n]))
                i += 4 + n
            else:
                ts += delta
                out.append((ts, d[i + 4:i + 4 + 4 * tl]))
                i += 4 + 4 * tl
    return out


def write_cpu(recs):
    """Ring-buffer pages holding [(ts, payload)] at their exact timestamps."""
    out, body, page_ts, last = [], b"", None, None

    def flush():
        out.append(struct.pack("<QQ", page_ts, len(body)) + body + b"\0" * (PAGE - 16 - len(body)))

    for ts, payload in recs:
        payload += b"\0" * (-len(payload) % 4)
        if len(payload) <= 112:
            rec = [len(payload) // 4, payload]
        else:
            rec = [0, struct.pack("<I", len(payload) + 4) + payload]
        need = 4 + len(rec[1])
        delta = 0 if last is None else ts - last
        ext = delta >= 1 << 27
        if page_ts is None or len(body) + need + (8 if ext else 0) > PAGE - 16:
            if page_ts is not None:
                flush()
            body, page_ts, delta, ext = b"", ts, 0, False
        if ext:
            body += struct.pack("<II", 30 | ((delta & ((1 << 27) - 1)) << 5), delta >> 27)
            delta = 0
        body += struct.pack("<I", rec[0] | (delta << 5)) + rec[1]
        last = ts
    if page_ts is not None:
        flush()
    return b"".join(out)


class Calls:
    """Direct `call` sites of each function of the vmlinux, from objdump -d."""

    def __init__(self, vmlinux, kallsyms):
        self.v = vmlinux
        self.addrs, self.names = [], {}
        for ln in kallsyms.decode(errors="replace").splitlines():
            parts = ln.split()
            if len(parts) >= 3 and parts[1] in "tTwW" and len(parts) == 3:
                a = int(parts[0], 16)
                self.names.setdefault(a, parts[2])
        self.addrs = sorted(self.names)
        self.memo = {}

    def name(self, addr):
        return self.names.get(addr)

    def sites(self, caller):
        """{callee address: [return address]} of the direct calls in caller."""
        if caller not in self.memo:
            i = bisect.bisect_right(self.addrs, caller)
            stop = self.addrs[i] if i < len(self.addrs) else caller + 0x10000
            p = subprocess.run(["objdump", "-d", "--no-show-raw-insn", "--start-address=0x%x" % caller,
                                "--stop-address=0x%x" % stop, self.v], stdout=subprocess.PIPE, text=True)
            rows = [ln for ln in p.stdout.splitlines() if re.match(r"^\s*[0-9a-f]+:\s", ln)]
            res = {}
            for k, ln in enumerate(rows):
                m = re.search(r"\scall\s+([0-9a-f]+) <", ln)
                if m:
                    nxt = int(rows[k + 1].split(":")[0], 16) if k + 1 < len(rows) else stop
                    res.setdefault(int(m.group(1), 16), []).append(nxt)
            self.memo[caller] = res
        return self.memo[caller]


def derive(src, vmlinux, out, change=None):
    """Writes out, src (an uncompressed v6 trace.dat of function_graph) with
    fgraph_retaddr_entry records. Returns [dict(ts, cpu, pid, func, name,
    caller, caller_name, sites, retaddr)] of every entry rewritten. change(e)
    may return another retaddr for an entry (the negative variants)."""
    d = open(src, "rb").read()
    lay = v6_layout(d)
    calls = Calls(vmlinux, d[lay["kallsyms"] + 4:lay["kallsyms"] + 4 + lay["kallsyms_size"]])
    ent = event_id(d, b"funcgraph_entry")
    assert b"name: fgraph_retaddr_entry" not in d and not re.search(rb"\nID: %d\n" % RETADDR_ID, d)
    cpus = [read_cpu(d, off, size) for off, size in lay["cpus"]]
    # parents: per task, the open call at each depth (hardirq/softirq bits must match)
    stacks, entries = {}, []
    allrecs = sorted(((ts, cpu, k) for cpu, recs in enumerate(cpus) for k, (ts, _) in enumerate(recs)))
    count = {}
    for ts, cpu, k in allrecs:
        payload = cpus[cpu][k][1]
        typ, flags, pc, pid = struct.unpack_from("<HBBi", payload)
        if typ != ent:
            continue
        func, depth = struct.unpack_from("<Qi", payload, 8)
        ctx = flags & 0x18
        st = stacks.setdefault(pid, {})
        me = (len(entries), func, ctx)
        st[depth] = me
        for dd in [x for x in st if x > depth]:
            del st[dd]
        par = st.get(depth - 1)
        e = dict(ts=ts, cpu=cpu, pid=pid, func=func, depth=depth, name=calls.name(func), caller=None,
                 caller_name=None, sites=[], retaddr=0)
        if par and par[2] == ctx:
            e["caller"], e["caller_name"] = par[1], calls.name(par[1])
            e["sites"] = calls.sites(par[1]).get(func, [])
            if e["sites"]:
                key = (par[0], func)
                count[key] = count.get(key, 0) + 1
                e["retaddr"] = e["sites"][min(count[key], len(e["sites"])) - 1]
        if change:
            r = change(e)
            if r is not None:
                e["retaddr"] = r
        entries.append(e)
        cpus[cpu][k] = (ts, struct.pack("<HBBiQiQ", RETADDR_ID, flags, pc, pid, func, depth, e["retaddr"]))
    # the header: one more ftrace event format
    fmt = FORMAT.encode()
    (nft,) = struct.unpack_from("<I", d, lay["ftrace"])
    head = (d[:lay["ftrace"]] + struct.pack("<I", nft + 1) + d[lay["ftrace"] + 4:lay["events"]] +
            struct.pack("<Q", len(fmt)) + fmt + d[lay["events"]:lay["table"]])
    ncpu = len(lay["cpus"])
    first = min([off for off, size in lay["cpus"] if size] or [lay["table"] + 16 * ncpu])
    between = d[lay["table"] + 16 * ncpu:first]
    datas = [write_cpu(recs) for recs in cpus]
    pos = len(head) + 16 * ncpu + len(between)
    pos = (pos + PAGE - 1) // PAGE * PAGE
    table, body = b"", b""
    for data in datas:
        table += struct.pack("<QQ", pos + len(body), len(data))
        body += data
    pre = head + table + between
    with open(out, "wb") as f:
        f.write(pre + b"\0" * (pos - len(pre)) + body)
    return entries
