"""The hand-traceable log of socket(), end to end (issue 18's acceptance).

On the proof recordings (fixtures/vm6.1-proof-*, vm6.12-proof-*: AF_INET
stream, AF_INET6 datagram and an EMFILE failure, `kstep record --plan socket`
in the Debian guests; host-proof-inet from this kind of machine),
`kstep steps --syscall socket --steps 60 --format proof` prints at most 60
numbered steps holding every fact a person writes when tracing the call by
hand, each checked here against a source that is not kstep:

- the registers at entry and at the return: trace-cmd report -R's
  sys_enter_socket (__syscall_nr and the arguments) and sys_exit_socket;
- the entry path: the frames of the kernel stack taken at sys_enter (the
  plain report's "=>" lines), the x64_sys_call kprobe record's nr and the
  function_graph root; that 6.1 dispatches through x64_sys_call's switch,
  against the kernel's own source (Debian's linux-source-6.1 6.1.192-2); on the host, kallsyms (trace-cmd report -f) and the
  frame a kmem stack shows above the handler;
- the family and protocol lookups: the kprobe records' __lk_* values, and
  the kallsyms addresses of inet_family_ops / inet6_family_ops, tcp_prot /
  udpv6_prot, inet_stream_ops / inet6_dgram_ops; the protocol against
  Python's socket module;
- sock_alloc's return, inet_create / inet6_create, sk_alloc and the sock's
  sk_state 7 TCP_CLOSE as create() left it, also on EMFILE (the object
  read at security_socket_post_create, -R; TCP_CLOSE's value in the
  kernel's BTF, bpftool btf dump of /sys/kernel/btf/vmlinux);
- get_unused_fd_flags -> 3 (or -24 EMFILE), fd_install and the chain fd ->
  file -> socket -> sock (fd_install's -R fields);
- the way back: syscall socket returned with rax, libc's return and main's;
- the same footer and verdict as the log without --steps;
- and the whole log equals the committed golden file tests/golden/proof/,
  made by kstep only after every check above passed on it.
On the host, which has no kprobes, the log says what it could not record."""
import os
import re
import socket
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "golden"))
import kernelsrc  # noqa: E402
import kstepjson  # noqa: E402
import oracle  # noqa: E402
from tap import Tap, env  # noqa: E402

FIX = env("FIXTURES")
GOLD = os.path.join(os.environ.get("TESTS_DIR", "tests"), "golden", "proof")
t = Tap()

# name: (family's ops, protocol's prot, its ops, protocol number, the call's result)
KINDS = {
    "inet": ("inet_family_ops", "inet_create", "tcp_prot", "inet_stream_ops", socket.IPPROTO_TCP, 3),
    "inet6dgram": ("inet6_family_ops", "inet6_create", "udpv6_prot", "inet6_dgram_ops", socket.IPPROTO_UDP, 3),
    "emfile": ("inet_family_ops", "inet_create", "tcp_prot", "inet_stream_ops", socket.IPPROTO_TCP, -24),
}
ENTRY = ("entry_SYSCALL_64_after_hwframe", "entry_SYSCALL_64", "do_syscall_64")
STEP = re.compile(r"^(\d+)\. ")
# notes that say what a view hid, not what the recording lacks (test-derive.py's)
VIEW = re.compile(r"\(--all (shows|expands) them\)|matching --hide|without --steps they are shown")


def kallsyms(path):
    out = subprocess.run([oracle.TRACE_CMD, "report", "-f", "-i", path], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True, check=True).stdout
    by_name = {}
    for line in out.splitlines():
        p = line.split()
        if len(p) >= 2 and re.fullmatch(r"[0-9a-f]{16}", p[0]):
            by_name.setdefault(p[1], int(p[0], 16))
    return by_name


def btf_tcp_close():
    """TCP_CLOSE's value in the kernel's own BTF, as bpftool dumps it (the same in every kernel)."""
    try:
        out = subprocess.run(["bpftool", "btf", "dump", "file", "/sys/kernel/btf/vmlinux", "format", "raw"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    m = re.search(r"'TCP_CLOSE' val=(\d+)", out)
    return int(m.group(1)) if m else None


TCP_CLOSE = btf_tcp_close()


def proof(path, *extra):
    _, out, _ = kstepjson.run("steps", "--no-dwarf", "--syscall", "socket", "--format", "proof", *extra, path)
    return out


def footer(out):
    lines = out.splitlines()
    lines = lines[lines.index("NEW THINGS INTRODUCED WITHOUT DERIVATION"):]
    return [l for l in lines if not VIEW.search(l)]


def line_of(out, pattern):
    for l in out.splitlines():
        if re.search(pattern, l):
            return l
    return None


def golden(name, path, out):
    text = out.replace(path, "FIXTURE")
    gpath = os.path.join(GOLD, name + ".txt")
    if not os.path.exists(gpath):
        t.ok(False, "%s: golden file tests/golden/proof/%s.txt exists" % (name, name))
        return
    t.eq(text, open(gpath).read(), "%s: the 60-step log equals its golden file" % name)


def common(name, path, recs, out):
    nums = [int(m.group(1)) for m in map(STEP.match, out.splitlines()) if m]
    t.ok(0 < len(nums) <= 60 and nums == list(range(1, len(nums) + 1)),
         "%s: at most 60 numbered steps, 1..N (%d)" % (name, len(nums)))
    enter = oracle.first(recs, "sys_enter_socket")
    exit_ = oracle.first(recs, "sys_exit_socket")
    regs = "rax=%d rdi=0x%x rsi=0x%x rdx=0x%x" % (int(enter.f["__syscall_nr"]), int(enter.f["family"], 16),
                                                  int(enter.f["type"], 16), int(enter.f["protocol"], 16))
    t.ok(line_of(out, r"^3\. \S+ syscall socket\(.*regs\(%s\)" % re.escape(regs)),
         "%s: step 3 is the syscall with its registers %s (sys_enter_socket)" % (name, regs))
    ret = oracle.num(exit_.f["ret"])
    ret = ret - (1 << 64) if ret >= 1 << 63 else ret
    t.ok(line_of(out, r"syscall socket returned → %d .*regs\(rax=%d\)" % (ret, ret)),
         "%s: the return to user space: rax=%d (sys_exit_socket)" % (name, ret))
    user = -1 if ret < 0 else ret   # libc turns -errno into -1 and errno
    t.ok(line_of(out, r"libc_socket returned → %d" % user) and line_of(out, r"main returned → "),
         "%s: libc's socket() returns %d to main, and main returns" % (name, user))
    full = proof(path)
    t.eq(footer(out), footer(full), "%s: the footer and verdict of the full log" % name)
    return enter, ret


def entry_frames(recs, enter):
    """The entry code of the stack taken right after sys_enter_socket, outermost first."""
    i = recs.index(enter)
    st = next(r for r in recs[i + 1:] if r.event == "kernel_stack" and r.pid == enter.pid)
    names = [f for f, _ in reversed(st.stack or [])]
    out = []
    for f in names:
        if f not in ENTRY:
            break
        out.append(f)
    return out


def guest(name, kind, path):
    fam_ops, create, prot, ops, proto, result = KINDS[kind]
    recs = oracle.records(path)
    ks = kallsyms(path)
    out = proof(path, "--steps", "60")
    enter, ret = common(name, path, recs, out)
    t.eq(ret, result, "%s: socket() returned %d" % (name, result))

    # the way in
    disp = oracle.first(recs, "x64_sys_call")
    roots = [r for r in recs if r.event == "funcgraph_entry" and r.f.get("depth") == "0" and r.pid == enter.pid]
    handler = roots[0].f["func"] if roots else None
    via = " → ".join(entry_frames(recs, enter) + ["x64_sys_call(nr=%s) switch" % disp.f["nr"], handler])
    t.ok(line_of(out, r"via\(%s\)" % re.escape(via)), "%s: the way in is %s" % (name, via))
    t.eq((disp.f["nr"], handler), (enter.f["__syscall_nr"], "__x64_sys_socket"),
         "%s: x64_sys_call's nr is the syscall's, the graph's root its handler" % name)

    # the lookups
    sc = oracle.first(recs, "__sock_create")
    fam = int(sc.f["family"])
    got = oracle.num(sc.f["__lk_family_ops_%d" % fam])
    t.eq(got, ks[fam_ops], "%s: net_families[%d] read at __sock_create is %s (kallsyms)" % (name, fam, fam_ops))
    t.ok(line_of(out, r"lookup\(net_families\[%d\]=0x%x =%s\)" % (fam, got, fam_ops)),
         "%s: the log shows net_families[%d]=0x%x =%s" % (name, fam, got, fam_ops))
    ic = oracle.first(recs, create)
    typ = oracle.num(ic.f["sock_type"])
    pre = "__lk_protosw_%d" % typ
    vals = (oracle.num(ic.f[pre + "_protocol"]), oracle.num(ic.f[pre + "_prot"]), oracle.num(ic.f[pre + "_ops"]))
    t.eq(vals, (proto, ks[prot], ks[ops]),
         "%s: the protosw entry for type %d: protocol %d, %s, %s (socket module, kallsyms)" % (name, typ, proto,
                                                                                             prot, ops))
    table = "inetsw6" if create == "inet6_create" else "inetsw"
    t.ok(line_of(out, r"%s\(.*lookup\(%s\[%d\]=0x%x .*protocol=%d \S+ prot=0x%x =%s ops=0x%x =%s }\)" % (
        create, table, typ, oracle.num(ic.f[pre]), proto, vals[1], prot, vals[2], ops)),
        "%s: the log shows %s[%d] -> protocol %d, %s, %s at %s" % (name, table, typ, proto, prot, ops, create))

    # objects and the fd
    sa = oracle.first(recs, "sock_alloc_ret")
    t.ok(line_of(out, r"sock_alloc returned → 0x%x" % oracle.num(sa.f["ret"])),
         "%s: sock_alloc returns the socket 0x%x" % (name, oracle.num(sa.f["ret"])))
    t.ok(line_of(out, r"^\d+\. \S+ sk_alloc\(.*prot=0x%x =%s" % (ks[prot], prot)),
         "%s: sk_alloc is called with %s" % (name, prot))
    post = oracle.first(recs, "security_socket_post_create")
    state = [v for k, v in post.f.items() if k.endswith("_sk_state")] if post else []
    t.eq(state and int(state[0]), TCP_CLOSE, "%s: the sock's sk_state as create() left it is %s, TCP_CLOSE "
         "(-R at security_socket_post_create; bpftool btf dump)" % (name, TCP_CLOSE))
    t.ok(re.search(r"│ sk_state\s+%s TCP_CLOSE\s+│" % TCP_CLOSE, out),
         "%s: the sock's box says sk_state %s TCP_CLOSE" % (name, TCP_CLOSE))
    fd_ret = oracle.first(recs, "get_unused_fd_flags_ret")
    t.eq(oracle.num(fd_ret.f["ret"]), result, "%s: get_unused_fd_flags returned %d (-R)" % (name, result))
    if result < 0:
        t.ok(line_of(out, r"✗ get_unused_fd_flags.*→ -24 EMFILE"), "%s: ✗ get_unused_fd_flags → -24 EMFILE" % name)
        t.ok(not line_of(out, r"fd_install\("), "%s: no fd_install after EMFILE" % name)
        return
    t.ok(line_of(out, r"get_unused_fd_flags.*→ 3"), "%s: get_unused_fd_flags → 3" % name)
    fi = oracle.first(recs, "fd_install")
    chain = "fd %s (#%s fd_install) → file 0x%x → socket 0x%x → sock 0x%x" % (
        fi.f["fd"], r"\d+", oracle.num(fi.f["file"]), oracle.num(fi.f["file_private_data"]),
        oracle.num(fi.f["file_private_data_sk"]))
    t.ok(line_of(out, r"^\d+\. \S+ fd_install\(fd=3 "), "%s: fd_install(fd=3, ...)" % name)
    t.ok(line_of(out, "^  " + chain.replace("(", r"\(").replace(")", r"\)")),
         "%s: the chain fd -> file -> socket -> sock is fd_install's (-R)" % name)
    t.eq(oracle.num(fi.f["file_private_data_sk_sk_socket"]), oracle.num(fi.f["file_private_data"]),
         "%s: sock->sk_socket points back at the socket (-R)" % name)


def host(name, path):
    recs = oracle.records(path)
    ks = kallsyms(path)
    out = proof(path, "--steps", "60")
    enter, _ = common(name, path, recs, out)
    stacks = [r.stack for r in recs if r.event == "kernel_stack" and r.stack]
    above = {st[i + 1][0] for st in stacks for i in range(len(st) - 1) if st[i][0] == "__x64_sys_socket"}
    via = " → ".join(entry_frames(recs, enter) + [
        "x64_sys_call switch (kallsyms; no frame on the stack: inlined or a tail call)", "__x64_sys_socket"])
    t.ok("x64_sys_call" in ks and above == {"do_syscall_64"},
         "%s: kallsyms has x64_sys_call, and __x64_sys_socket returns into do_syscall_64" % name)
    t.ok(line_of(out, r"via\(%s\)" % re.escape(via)), "%s: the way in is %s" % (name, via))
    t.ok(line_of(out, r"not recorded \(kprobes: absent: .*kprobe __sock_create"),
         "%s: the log says the kprobes (lookups, returns, objects) are not recorded" % name)
    t.ok(line_of(out, r"not recorded \(their probe is not recorded\): .*lookup __sock_create"),
         "%s: ... and that the lookups ride on them" % name)


def dispatch_61():
    """The 6.1 kernel's own word on its dispatch: do_syscall_x64 calls x64_sys_call, a switch on the
    number (Debian's 6.1.192-2 source package, tests/lib/kernelsrc.py)."""
    try:
        src = kernelsrc.tree()
    except (RuntimeError, OSError) as e:
        t.ok(False, "the Debian 6.1 kernel source is available", e)
        return
    common = open(os.path.join(src, "arch/x86/entry/common.c")).read()
    body = common[common.index("do_syscall_x64("):]
    body = body[:body.index("\n}\n")]
    table = open(os.path.join(src, "arch/x86/entry/syscall_64.c")).read()
    t.ok("x64_sys_call(regs, " in body and
         re.search(r"long x64_sys_call\(const struct pt_regs \*regs, unsigned int nr\)\s*\{\s*switch \(nr\)", table),
         "6.1.192-2's do_syscall_x64 calls x64_sys_call, a switch on nr: the 6.1 logs' 'x64_sys_call switch'")


dispatch_61()
for label in ("6.1", "6.12"):
    for kind in KINDS:
        name = "vm%s-proof-%s" % (label, kind)
        path = os.path.join(FIX, name + ".kstep.dat")
        guest(name, kind, path)
        golden(name, path, proof(path, "--steps", "60"))
name = "host-proof-inet"
path = os.path.join(FIX, name + ".kstep.dat")
host(name, path)
golden(name, path, proof(path, "--steps", "60"))
t.done()
