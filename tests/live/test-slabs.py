"""Merged slab caches (issue 13, item 6), on this machine's kernel: with slab
merging a cache created like an existing one becomes its alias, and the kmem
events name only the first cache (a UNIX socket comes "from signal_cache").
kstep record stores the merge groups; kstep steps names, next to each kmem
event's cache, the caches it stands for.

Oracles: the kernel's own /sys/kernel/slab (each alias is a symlink to its
group's directory, read here with os.readlink) and trace-cmd report -R for the
cache names the events carry."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "golden"))
import live  # noqa: E402
import oracle  # noqa: E402
from tap import Tap, tmpdir  # noqa: E402

SLAB = "/sys/kernel/slab"
t = Tap()
why = live.why_not()
if not why and not os.path.isdir(SLAB):
    why = "no %s (a kernel without SLUB sysfs)" % SLAB
if why:
    t.skip("live recording", why)
    t.done()
live.lock()


def groups():
    """name -> the set of names sharing its cache, for merged caches only."""
    by_target = {}
    for name in os.listdir(SLAB):
        path = os.path.join(SLAB, name)
        if os.path.islink(path):
            by_target.setdefault(os.path.basename(os.readlink(path)), set()).add(name)
    out = {}
    for members in by_target.values():
        if len(members) >= 2:
            for m in members:
                out[m] = members
    return out


tmp = tmpdir("kstep-slabs-")
out = os.path.join(tmp, "kinds.dat")
live.record(out, "--plan", "socket", "--", live.prog("socket_kinds"))
merged = groups()
t.comment("%d caches are merged with another here" % len(merged))

recs = [r for r in oracle.records(out) if r.event == "kmem_cache_alloc" and "name" in r.f]
doc = json.loads(subprocess.run([live.KSTEP, "steps", "--all", "--format", "json", out],
                                stdout=subprocess.PIPE, check=True, text=True).stdout)
names = []
for st in doc["steps"]:
    if st["kind"] == "event" and st["name"].endswith("kmem_cache_alloc"):
        names += [a for a in st["args"] if a["name"] == "name"]
t.eq(sorted(a["raw"] for a in names), sorted(r.f["name"] for r in recs),
     "the kmem_cache_alloc steps carry the cache names trace-cmd report shows")
if not recs:
    t.skip("merged names", "the socket plan recorded no kmem_cache_alloc with a name field here")
    t.done()
for a in names:
    group = merged.get(a["raw"])
    want = "(merged cache: also %s)" % ", ".join(sorted(group - {a["raw"]})) if group else None
    t.eq(a["decoded"], want, "%s: %s" % (a["raw"], "the caches sysfs merges with it" if group else
                                          "merged with nothing, nothing added"))

# The AF_UNIX socket: its sock comes from the UNIX-STREAM (older kernels: UNIX)
# cache, which this kernel may have merged into another one.
unix = [n for n in ("UNIX-STREAM", "UNIX") if n in merged]
if not unix:
    t.skip("AF_UNIX through a merged cache", "UNIX and UNIX-STREAM are caches of their own here")
else:
    owner = [a for a in names if a["raw"] in merged[unix[0]]]
    t.ok(owner and unix[0] in owner[0]["decoded"],
         "the AF_UNIX sock's allocation names %s (the event says %s)"
         % (unix[0], owner[0]["raw"] if owner else "nothing of its group"), [a["raw"] for a in names])
    text = subprocess.run([live.KSTEP, "steps", out], stdout=subprocess.PIPE, check=True, text=True).stdout
    t.ok(any(unix[0] in line and "merged cache" in line for line in text.splitlines()),
         "the text step log shows it too", text[-2000:])
t.done()
