"""kstep objects on this machine's kernel (no kprobes): the socket plan's
object reads are skipped and said so, and the objects shown are those the
events carry: each slab allocation's address and cache name as trace-cmd
report shows the kmem_cache_alloc records of the same file."""
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "golden"))
import live  # noqa: E402
import objcheck  # noqa: E402
import oracle  # noqa: E402
from tap import Tap, tmpdir  # noqa: E402

t = Tap()
why = live.why_not()
if why:
    t.skip("live recording", why)
    t.done()
live.lock()
tmp = tmpdir("kstep-objects-")
out = os.path.join(tmp, "socket.dat")
p = live.record(out, "--plan", "socket", "--", live.prog("socket_kinds"))
caps = subprocess.run([objcheck.KSTEP, "caps", "--json"], stdout=subprocess.PIPE, text=True).stdout
kprobes = '"kprobes": {"ok": true' in caps.replace("\n", "").replace("  ", " ")
if kprobes:
    t.skip("locked-down view", "this kernel allows kprobes")
    t.done()
t.ok("skipped sock_alloc_file" in p.stderr or "skipped sock_alloc" in p.stderr,
     "the object reads are reported as skipped", p.stderr)
doc = objcheck.objects_json(out)
t.eq(doc["btf"], False, "no struct field was read here")
t.ok(any(g.startswith("object sock_alloc return") for g in doc["gaps"]),
     "KNOWN GAPS names the object reads this kernel would not allow", doc["gaps"])
text = subprocess.run([objcheck.KSTEP, "objects", out], stdout=subprocess.PIPE, text=True).stdout
t.ok("KNOWN GAPS:" in text and "not read: object sock_alloc_file sock->sk{sk_state" in text,
     "the text view says which fields could not be read", text[-800:])
recs = [r for r in oracle.records(out) if r.event == "kmem_cache_alloc" and r.comm.startswith("socket_kinds")]
want = sorted((int(r.f["ptr"], 16), r.f["name"]) for r in recs if "name" in r.f)
got = sorted((int(o["addr"], 16), o["type"]) for o in doc["objects"])
t.ok(len(want) > 0, "trace-cmd report shows the allocations with their cache names", len(recs))
t.eq(got, want, "every allocation is an object at its address, typed by its cache")
t.ok(any(ty == "sock_inode_cache" for _, ty in got) and any(ty == "filp" for _, ty in got),
     "the socket's inode and its file are among them")

# socket state changes: sock:inet_sock_set_state carries the sock's address and its states
ss = os.path.join(tmp, "state.dat")
live.record(ss, "-e", "sock:inet_sock_set_state", "--", sys.executable, "-c",
            "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(); "
            "c = socket.create_connection(s.getsockname()); a, _ = s.accept(); c.close(); a.close(); s.close()")
doc = objcheck.objects_json(ss)
# the oracle: trace-cmd report -R for the address, its plain report for the names the event's format gives
raw = [r for r in oracle.records(ss) if r.event == "inet_sock_set_state"]
plain = subprocess.run([oracle.TRACE_CMD, "report", "-i", ss], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                       text=True).stdout
named = [dict(re.findall(r"(\w+)=(\S+)", line)) for line in plain.splitlines() if "inet_sock_set_state:" in line]
want = [(int(r.f["skaddr"], 16), n["newstate"], n["family"], n["protocol"]) for r, n in zip(raw, named)]
got = []
for o in doc["observations"]:
    f = {x["name"]: x["text"] for x in o["fields"]}
    got.append((int(o["addr"], 16), f["sk_state"].split()[-1], f["sk_family"].split()[-1],
                f["sk_protocol"].split()[-1]))
t.ok(len(want) >= 6, "trace-cmd report shows the TCP state changes", len(want))
t.eq(got, want, "each state change is an observation of its sock, states named as the event's format names them")
shutil.rmtree(tmp, ignore_errors=True)
t.done()
