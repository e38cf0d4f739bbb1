"""DWARF on the 6.1 socket fixture with the Debian 6.1.0-56 debug vmlinux:
__sys_socket_create and sock_create are inlined (net/socket.c:1671 and
:1643) above __sock_create; sock_map_fd is inlined at net/socket.c:1679
above get_unused_fd_flags, sock_alloc_file and fd_install. Every line is
checked against eu-addr2line -i and binutils addr2line -i at the return
address of the call, which objdump finds in __sys_socket's code. An
annotated copy gives identical output with no vmlinux; a debug file of
another build-id is refused with both ids."""
import json
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
import debuginfo  # noqa: E402
import kstepjson  # noqa: E402
import srcline  # noqa: E402
from tap import Tap, env, tmpdir  # noqa: E402

FIX = env("FIXTURES")
DAT = os.path.join(FIX, "vm6.1-socket.kstep.dat")
t = Tap()
V = debuginfo.vmlinux_or_fail(t)


def steps(path, *args):
    rc, out, err = kstepjson.run("steps", "--format", "json", "--syscall", "socket", *args, path, check=False)
    t.ok(rc == 0, "kstep steps %s exits 0" % " ".join(args), err)
    return json.loads(out)


def short(loc):
    return srcline.short(loc)


def addr2line(tool, addr):
    return srcline.addr2line(tool, V, addr)


def call_returns(func):
    """callee -> return address of its first call in func, from objdump."""
    out = {}
    for callee in ("__sock_create", "get_unused_fd_flags", "sock_alloc_file", "fd_install"):
        r = srcline.returns(V, func, callee)
        if r:
            out[callee] = r[0]
    return out


doc = steps(DAT, "--vmlinux", V)
by = {}
for s in doc["steps"]:
    by.setdefault(s["name"], s)
parent = {s["n"]: s for s in doc["steps"]}


def up(s):
    return parent.get(s["parent"])


ret = call_returns("__sys_socket")
t.ok(all(k in ret for k in ("__sock_create", "get_unused_fd_flags", "sock_alloc_file", "fd_install")),
     "objdump finds the four calls in __sys_socket", ret)

# __sock_create under sock_create under __sys_socket_create under __sys_socket
sc = by.get("__sock_create")
chain = []
s = sc
while s and s["name"] != "__sys_socket":
    chain.append(s)
    s = up(s)
t.eq([c["name"] for c in chain], ["__sock_create", "sock_create", "__sys_socket_create"],
     "__sys_socket_create and sock_create are inlined above __sock_create")
t.eq([c["evidence"] for c in chain], ["fgraph", "inline", "inline"], "... as inline steps")
for tool in ("eu-addr2line", "addr2line"):
    want = addr2line(tool, ret["__sock_create"] - 1)
    got = [("sock_create", short(sc["call_site"])), ("__sys_socket_create", short(chain[1]["inlined_at"])),
           ("__sys_socket", short(chain[2]["inlined_at"]))]
    t.eq(got, want, "__sock_create: %s -i at the return address objdump shows, minus 1: the same "
         "functions and lines" % tool)
t.ok(chain[2]["inlined_at"].endswith("net/socket.c:1671") and chain[1]["inlined_at"].endswith("net/socket.c:1643"),
     "inlined at net/socket.c:1671 and :1643", [c.get("inlined_at") for c in chain])

smf = by.get("sock_map_fd")
t.ok(smf and smf["evidence"] == "inline" and smf["inlined_at"].endswith("net/socket.c:1679"),
     "sock_map_fd is inlined at net/socket.c:1679", smf)
kids = [s["name"] for s in doc["steps"] if smf and s["parent"] == smf["n"] and s["kind"] == "call"]
t.eq(kids, ["get_unused_fd_flags", "sock_alloc_file", "fd_install"],
     "get_unused_fd_flags, sock_alloc_file and fd_install are called from the inlined sock_map_fd")
for name in ("get_unused_fd_flags", "sock_alloc_file", "fd_install"):
    s = by[name]
    for tool in ("eu-addr2line", "addr2line"):
        want = addr2line(tool, ret[name] - 1)
        got = [("sock_map_fd", short(s["call_site"])), ("__sys_socket", short(smf["inlined_at"]))]
        t.eq(got, want, "%s: %s -i at the return address objdump shows" % (name, tool))
t.ok("kretprobe" not in by["fd_install"]["sources"] and "retip" not in by["fd_install"],
     "fd_install had no return address: its line comes from DW_TAG_call_site")

# annotate: the same output with no vmlinux
tmp = tmpdir("kstep-dwarf-")
ann = os.path.join(tmp, "annotated.dat")
rc, out, err = kstepjson.run("annotate", "--vmlinux", V, DAT, "-o", ann, check=False)
t.eq(rc, 0, "kstep annotate --vmlinux writes an annotated copy")
for fmt in ("text", "json", "records"):
    a = kstepjson.run("steps", "--format", fmt, "--vmlinux", V, ann, check=False)[1]
    b = kstepjson.run("steps", "--format", fmt, ann, check=False)[1]
    t.ok(a == b and "inline" in b, "--format %s: identical with the vmlinux and from the stored facts" % fmt)
moved = os.path.join(tmp, "elsewhere.dat")
shutil.copy(ann, moved)
doc2 = steps(moved)
t.eq([s.get("inlined_at") or s.get("call_site") for s in doc2["steps"]],
     [s.get("inlined_at") or s.get("call_site") for s in doc["steps"]],
     "a copy analyzed without any debug file has the same lines as with the vmlinux")

# another build-id is refused, with both ids
rc, out, err = kstepjson.run("steps", "--vmlinux", V, os.path.join(FIX, "vm6.12-socket.kstep.dat"), check=False)
ids = re.findall(r"\b[0-9a-f]{40}\b", err)
t.eq(rc, 2, "the 6.1 vmlinux for the 6.12 recording: exit 2")
t.ok(len(set(ids)) == 2 and "eb4fbcd037e7253717950bf2b93bd5566f47c56f" in ids, "... naming both build-ids", err)
rc, out, err = kstepjson.run("steps", "--vmlinux", "/bin/true", DAT, check=False)
t.ok(rc == 2 and len(set(re.findall(r"\b[0-9a-f]{40}\b", err))) == 2, "any ELF of another build-id is refused", err)
rc, out, err = kstepjson.run("steps", "--vmlinux", "/nonexistent/vmlinux", DAT, check=False)
t.ok(rc == 2 and len(err.strip().splitlines()) == 1, "a missing debug file: exit 2, one message", err)
rc, out, err = kstepjson.run("steps", DAT, check=False)
t.ok(rc == 0 and "no DWARF facts were used" in out, "no debug file found: the footer says so, exit 0")
shutil.rmtree(tmp)
t.done()
