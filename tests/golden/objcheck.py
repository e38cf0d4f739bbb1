"""objcheck.py - kstep objects against independent facts, for the socket plan
over tests/progs/socket_kinds (three socket() calls of three kinds).

The facts: the program's own output (family, type, protocol, fd of each
call), the kernel headers (SS_UNCONNECTED from linux/net.h, TCP_CLOSE from
netinet/tcp.h, IPPROTO_* through Python's socket module), trace-cmd report
-R of the same file (the addresses sock_alloc, sk_alloc and sock_alloc_file
returned, fd_install's arguments) and bpftool's raw dump of the recording
kernel's BTF (the member offsets). Never kstep's own output."""
import json
import os
import re
import socket
import subprocess

import oracle

KSTEP = os.environ.get("KSTEP", "kstep")


def objects_json(path, *args):
    cmd = [KSTEP, "objects", "--format", "json", *args, path]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if out.returncode:
        raise RuntimeError("%s exited %d: %s" % (" ".join(cmd), out.returncode, out.stderr.strip()))
    return json.loads(out.stdout)


def _enum_after(header, first, name):
    """The value of enumerator name in the C enum of header that starts at first (= its value)."""
    text = open(header).read()
    m = re.search(r"\b%s\s*=\s*(\d+)" % first, text)
    val, names = int(m.group(1)), re.findall(r"\b([A-Z][A-Z0-9_]+)\b", text[m.end():])
    if name == first:
        return val
    for n in names:
        val += 1
        if n == name:
            return val
    raise KeyError(name)


def constants():
    return {"SS_UNCONNECTED": _enum_after("/usr/include/linux/net.h", "SS_FREE", "SS_UNCONNECTED"),
            "TCP_CLOSE": _enum_after("/usr/include/netinet/tcp.h", "TCP_ESTABLISHED", "TCP_CLOSE")}


def btf_offsets(btf_path):
    """{"STRUCT.MEMBER": bit offset} for the members the socket plan reads, from bpftool's raw dump;
    sock's sk_* fields that the kernel #defines into __sk_common.skc_* are summed through it."""
    out = subprocess.run(["bpftool", "btf", "dump", "file", btf_path, "format", "raw"], stdout=subprocess.PIPE,
                         check=True, text=True).stdout
    structs, cur = {}, None
    for line in out.splitlines():
        m = re.match(r"^\[\d+\] (STRUCT|UNION) '([^']*)' size=\d+ vlen=(\d+)", line)
        if m:
            cur = None
            if m.group(2) and m.group(2) not in structs and int(m.group(3)) > 0:
                cur = structs.setdefault(m.group(2), {})
            continue
        if line.startswith("["):
            cur = None
            continue
        m = re.match(r"^\s+'([^']*)' type_id=\d+ bits_offset=(\d+)", line)
        if m and cur is not None:
            cur[m.group(1)] = int(m.group(2))
    want = {"socket": ["state", "type", "flags", "ops", "sk", "file"],
            "file": ["f_op", "private_data", "f_flags", "f_mode"],
            "sock": ["sk_type", "sk_protocol", "sk_socket"]}
    offs = {}
    for s, members in want.items():
        for f in members:
            offs["%s.%s" % (s, f)] = structs[s][f]
    common = structs["sock"]["__sk_common"]
    for f in ("state", "family", "prot"):
        offs["sock.sk_" + f] = common + structs["sock_common"]["skc_" + f]
    return offs


def program_calls(text):
    """[(family, type, protocol, fd)] from socket_kinds' output."""
    return [tuple(int(x) for x in m.groups()) for m in
            re.finditer(r"family=(\d+) type=(\d+) protocol=(\d+) fd=(-?\d+)", text)]


def _rets(recs, event):
    return [int(r.f["ret"], 16) for r in recs if r.event == event]


def array_words(value):
    """The 8-byte little-endian words of a trace-cmd -R ARRAY[...] value (its bytes)."""
    b = bytes(int(x, 16) for x in value[len("ARRAY["):-1].split(",") if x.strip())
    return [int.from_bytes(b[i:i + 8], "little") for i in range(0, len(b) - 7, 8)]


def check_slots(t, label, recs, files):
    """The fd table at exit (socket.plan's put_files_struct line): the slot at
    each socket() call's fd (sys_exit_socket's return) holds the file
    fd_install received for that call and sock_alloc_file returned."""
    fds = [int(r.f["ret"], 0) for r in recs if r.event == "sys_exit_socket"]
    fdi = [(int(r.f["fd"], 0), int(r.f["file"], 16)) for r in recs if r.event == "fd_install"]
    ex = [r for r in recs if r.event == "put_files_struct"]
    t.eq(len(ex), 1, "%s: trace-cmd report: put_files_struct ran once, at the exit" % label)
    if len(ex) != 1 or "files_fdt_fd" not in ex[0].f:
        t.ok(False, "%s: put_files_struct carries files_fdt_fd" % label, ex and ex[0].rest)
        return
    slots = array_words(ex[0].f["files_fdt_fd"])
    t.eq(len(slots), 8, "%s: put_files_struct read 8 fd slots" % label)
    t.eq(len(fds), 3, "%s: trace-cmd report: three sys_exit_socket" % label)
    for k, fd in enumerate(fds):
        what = "call %d (fd %d)" % (k + 1, fd)
        t.ok(0 <= fd < len(slots), "%s: %s: the fd is one of the slots read" % (label, what))
        if not 0 <= fd < len(slots) or k >= len(fdi) or k >= len(files):
            continue
        t.eq(fdi[k][0], fd, "%s: %s: fd_install's fd is the syscall's return" % (label, what))
        t.eq((slots[fd], slots[fd]), (fdi[k][1], files[k]),
             "%s: %s: fd_install fills the slot of the returned fd: slot %d at exit is fd_install's file "
             "and sock_alloc_file's return (%#x)" % (label, what, fd, slots[fd]))


def _default_protocol(family, typ, protocol):
    if protocol or family == socket.AF_UNIX:
        return protocol
    return socket.IPPROTO_TCP if typ == socket.SOCK_STREAM else socket.IPPROTO_UDP


def _fields(ob):
    return {f["name"]: f for f in ob["fields"]}


def _one(t, label, obs, func, when, typ, what):
    got = [o for o in obs if o["func"] == func and o["when"] == when and o["type"] == typ]
    t.eq(len(got), 1, "%s: %s: one %s read at %s %s" % (label, what, typ, func, when))
    return _fields(got[0]) if got else {}


def check(t, label, dat, prog_out, offsets):
    """Checks every call of the recording; offsets from btf_offsets (None: not checked)."""
    calls = program_calls(prog_out)
    t.eq(len(calls), 3, "%s: socket_kinds made three socket() calls" % label)
    c = constants()
    recs = [r for r in oracle.records(dat) if r.comm.startswith("socket_kinds")]
    socks, sks, files = _rets(recs, "sock_alloc_ret"), _rets(recs, "sk_alloc_ret"), _rets(recs, "sock_alloc_file_ret")
    fdi = [(int(r.f["fd"], 0), int(r.f["file"], 16)) for r in recs if r.event == "fd_install"]
    t.eq((len(socks), len(sks), len(files), len(fdi)), (3, 3, 3, 3),
         "%s: trace-cmd report: sock_alloc, sk_alloc, sock_alloc_file returned and fd_install ran 3 times" % label)
    check_slots(t, label, recs, files)
    for k, (fam, typ, proto, fd) in enumerate(calls):
        what = "call %d (family %d type %d)" % (k + 1, fam, typ)
        doc = objects_json(dat, "--syscall", "socket", "--nth", str(k + 1))
        obs = doc["observations"]
        sock_addr, sk_addr, file_addr = socks[k], sks[k], files[k]
        s0 = _one(t, label, obs, "sock_alloc", "return", "socket", what)
        if s0:
            t.eq((s0["state"]["raw"], s0["state"]["text"]), (c["SS_UNCONNECTED"], "%d SS_UNCONNECTED" %
                 c["SS_UNCONNECTED"]), "%s: %s: sock_alloc's socket is SS_UNCONNECTED" % (label, what))
            t.eq([s0[f]["text"] for f in ("sk", "file", "ops")], ["NULL"] * 3,
                 "%s: %s: its sk, file and ops are NULL" % (label, what))
        got = [o for o in obs if o["func"] == "sock_alloc" and o["when"] == "return"]
        t.eq(got and int(got[0]["addr"], 16), sock_addr,
             "%s: %s: at the address sock_alloc returned" % (label, what))
        sk = _one(t, label, obs, "sock_alloc_file", "entry", "sock", what)
        if sk:
            t.eq((sk["sk_state"]["raw"], sk["sk_state"]["text"]), (c["TCP_CLOSE"], "%d TCP_CLOSE" % c["TCP_CLOSE"]),
                 "%s: %s: after create() the sock's sk_state is TCP_CLOSE" % (label, what))
            t.eq([sk[f]["raw"] for f in ("sk_family", "sk_type", "sk_protocol")],
                 [fam, typ, _default_protocol(fam, typ, proto)],
                 "%s: %s: sk_family, sk_type, sk_protocol are the call's" % (label, what))
            t.eq(int(sk["sk_socket"]["raw"]), sock_addr, "%s: %s: sk_socket points back at the socket" % (label, what))
        got = [o for o in obs if o["func"] == "sock_alloc_file" and o["type"] == "sock"]
        t.eq(got and int(got[0]["addr"], 16), sk_addr, "%s: %s: the sock is the one sk_alloc returned" % (label, what))
        so = _one(t, label, obs, "sock_alloc_file", "entry", "socket", what)
        if so:
            t.eq(int(so["sk"]["raw"]), sk_addr, "%s: %s: socket.sk is the sock" % (label, what))
            t.ok(so["ops"]["raw"] != 0 and so["ops"]["text"].endswith("_ops"),
                 "%s: %s: socket.ops names the family's ops (%s)" % (label, what, so["ops"]["text"]))
        fi = _one(t, label, obs, "sock_alloc_file", "return", "file", what)
        if fi:
            t.eq(int(fi["private_data"]["raw"]), sock_addr, "%s: %s: file->private_data is the socket" % (label, what))
            t.ok(fi["f_op"]["text"].endswith("socket_file_ops"), "%s: %s: f_op = socket_file_ops" % (label, what),
                 fi["f_op"]["text"])
        sf = _one(t, label, obs, "fd_install", "entry", "socket", what)
        if sf:
            t.eq(int(sf["file"]["raw"]), file_addr, "%s: %s: socket->file is the file" % (label, what))
        t.eq(fdi[k], (fd, file_addr), "%s: %s: fd_install fills fd %d (the call's return) with the file" %
             (label, what, fd))
        if offsets:
            bad = [(o["type"], f["name"], f["bitoff"]) for o in obs for f in o["fields"]
                   if o["type"] in ("socket", "sock", "file") and
                   offsets.get("%s.%s" % (o["type"], f["name"])) not in (None, f["bitoff"])]
            t.eq(bad, [], "%s: %s: every field's offset is bpftool's" % (label, what))
    dot = subprocess.run([KSTEP, "objects", "--format", "dot", dat], stdout=subprocess.PIPE, check=True).stdout
    svg = subprocess.run(["dot", "-Tsvg"], input=dot, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    t.ok(svg.returncode == 0 and b"<svg" in svg.stdout, "%s: kstep objects --format dot renders with dot -Tsvg"
         % label, svg.stderr)
    t.ok(("%x" % socks[0]).encode() in svg.stdout, "%s: the drawing shows the first socket's address" % label)
