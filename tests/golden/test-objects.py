"""kstep objects on the socket plan's recordings of socket_kinds in the Debian
6.1 and 6.12 guests (fixtures/vm*-kinds.*, made by `make vm-objects-fixtures`):
the objects against independent facts (tests/golden/objcheck.py: the program's
output, kernel headers, trace-cmd report, bpftool's BTF offsets kept with the
fixture), the Graphviz view through dot, and the text views against their
golden files (tests/golden/objects/). Runs everywhere, without qemu."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "golden"))
import kstepjson  # noqa: E402
import objcheck  # noqa: E402
from tap import Tap, env  # noqa: E402

FIX = env("FIXTURES")
GOLD = os.path.join(os.environ.get("TESTS_DIR", "tests"), "golden", "objects")
KSTEP = os.environ.get("KSTEP", "kstep")
t = Tap()


def golden(name, *args):
    out = subprocess.run([KSTEP, "objects", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    path = os.path.join(GOLD, name)
    if os.environ.get("KSTEP_REGOLD") == "1":
        open(path, "w").write(out.stdout)
    t.ok(out.returncode == 0, "kstep objects %s exits 0" % " ".join(args), out.stderr)
    t.eq(out.stdout, open(path).read(), "kstep objects %s: as in %s" % (" ".join(args), name))


def slots_cited(label, dat):
    """The step log shows the fd slots read at exit, and each socket's slot
    cites the step that returned its file: sock_alloc_file's return (fd and
    file from trace-cmd report -R)."""
    recs = [r for r in objcheck.oracle.records(dat) if r.comm.startswith("socket_kinds")]
    fds = [int(r.f["ret"], 0) for r in recs if r.event == "sys_exit_socket"]
    files = [int(r.f["ret"], 16) for r in recs if r.event == "sock_alloc_file_ret"]
    out = subprocess.run([KSTEP, "steps", "--all", "--format", "json", dat], stdout=subprocess.PIPE,
                         check=True, text=True).stdout
    steps = json.loads(out)["steps"]
    byn = {s["n"]: s for s in steps}
    ex = [s for s in steps if s["name"] == "put_files_struct"]
    t.eq(len(ex), 1, "%s: the step log has the put_files_struct step" % label)
    if len(ex) != 1:
        return
    args = {a["name"]: a for a in ex[0]["args"]}
    t.eq(sorted(k for k in args if k.startswith("files_fdt_fd[")),
         sorted("files_fdt_fd[%d]" % i for i in range(8)), "%s: all 8 slots read are shown" % label)
    for fd, f in zip(fds, files):
        a = args.get("files_fdt_fd[%d]" % fd, {})
        d = a.get("derivation") or {}
        src = byn.get(d.get("step")) or {}
        t.eq((a.get("raw"), d.get("kind"), src.get("name"), (src.get("ret") or {}).get("raw")),
             ("0x%x" % f, "step", "sock_alloc_file", "0x%x" % f),
             "%s: slot %d shows file 0x%x, cited to sock_alloc_file's return" % (label, fd, f))


for label in ("6.1", "6.12"):
    base = os.path.join(FIX, "vm%s-kinds" % label)
    if not os.path.exists(base + ".kstep.dat"):
        t.skip("%s: no fixture %s.kstep.dat" % (label, base), "make vm-objects-fixtures")
        continue
    offsets = {}
    for line in open(base + ".btf-offsets"):
        k, v = line.split()
        offsets[k] = int(v)
    objcheck.check(t, label, base + ".kstep.dat", open(base + ".out").read(), offsets)
    slots_cited(label, base + ".kstep.dat")
    golden("vm%s-kinds.txt" % label, "--ascii", base + ".kstep.dat")
    golden("vm%s-kinds.call2.txt" % label, "--syscall", "socket", "--nth", "2", base + ".kstep.dat")
    # --at: as inet_create begins, the socket exists (type set by __sock_create) and has no sock yet
    n = kstepjson.steps(base + ".kstep.dat", "--syscall", "socket").one("inet_create")["n"]
    doc = objcheck.objects_json(base + ".kstep.dat", "--syscall", "socket", "--at", str(n))
    t.eq([(o["type"], o["fields"].get("sk"), o["fields"].get("type")) for o in doc["objects"]],
         [("socket", "NULL", "1 SOCK_STREAM")], "%s: --at %d (inet_create): only the socket, type 1 SOCK_STREAM, sk NULL" % (label, n))
    golden("vm%s-kinds.at.txt" % label, "--syscall", "socket", "--at", str(n), base + ".kstep.dat")
t.done()
