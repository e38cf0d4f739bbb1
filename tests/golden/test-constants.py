"""Constants decoded by name (issue 13, item 6): every argument, return value
and object field that kstep shows with a constant's name (AF_INET6,
SOCK_DGRAM, IPPROTO_UDP, O_RDWR|O_CLOEXEC, RLIMIT_NOFILE ...) in the step
logs and object views of every fixture, checked against Python's socket, os
and resource modules (built against the C library's headers elsewhere, so
independent of kstep's tables): an enum's name has the raw value, a flag
word's names OR to it (a leftover kstep could not name is shown as hex and
added back). Together the fixtures must show the socket types, families
and protocols of the kinds recordings' three calls and the file's O_RDWR
by name."""
import json
import os
import re
import resource
import socket
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
from tap import Tap, env  # noqa: E402

KSTEP = env("KSTEP")
FIX = env("FIXTURES")
t = Tap()
PREFIX = ("AF_", "SOCK_", "IPPROTO_", "O_", "RLIMIT_")


def const(name):
    for mod in (socket, os, resource):
        if hasattr(mod, name):
            return getattr(mod, name)
    return None


def check(where, raw, decoded):
    """(ok, why) for one value: raw as printed, decoded as kstep names it."""
    names = [w for w in re.split(r"[|\s]+", decoded) if w.startswith(PREFIX)]
    if not names:
        return None
    v = int(raw.split()[0], 0)
    if "|" in decoded:
        total = 0
        for w in decoded.split("|"):
            w = w.strip()
            if w.startswith("0x"):
                total |= int(w, 16)
                continue
            c = const(w)
            if c is None:
                return None
            total |= c
        return total == v, "%s: %s = %s, the names OR to %#x" % (where, raw, decoded, total)
    c = const(names[0])
    if c is None:
        return None
    return c == v, "%s: %s = %s (Python: %s = %d)" % (where, raw, decoded, names[0], c)


seen, checked, bad = set(), 0, []


def note(where, raw, decoded):
    global checked
    r = check(where, raw, decoded)
    if r is None:
        return
    checked += 1
    seen.update(w for w in re.split(r"[|\s]+", decoded) if w.startswith(PREFIX))
    if not r[0]:
        bad.append(r[1])


for f in sorted(os.listdir(FIX)):
    if not f.endswith(".dat"):
        continue
    path = os.path.join(FIX, f)
    p = subprocess.run([KSTEP, "steps", "--all", "--format", "json", path], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)
    if p.returncode not in (0, 1):
        continue
    for st in json.loads(p.stdout)["steps"]:
        for a in (st.get("args") or []) + ([st["ret"]] if st.get("ret") else []):
            if a.get("decoded"):
                note("%s #%d %s %s" % (f, st["n"], st["name"], a["name"]), a["raw"], a["decoded"])
    p = subprocess.run([KSTEP, "objects", "--format", "json", path], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)
    if p.returncode == 0:
        for o in json.loads(p.stdout)["objects"]:
            for k, val in o["fields"].items():
                if " " in val and not val.startswith("0x"):
                    note("%s %s %s.%s" % (f, o["addr"], o["type"], k), val, val.split(" ", 1)[1])

t.ok(checked > 100, "%d named constants checked across the fixtures" % checked)
t.eq(bad, [], "every named constant has the value it names")
for name in ("AF_INET", "AF_INET6", "AF_UNIX", "SOCK_STREAM", "SOCK_DGRAM", "IPPROTO_TCP", "IPPROTO_UDP",
             "IPPROTO_IP", "O_RDWR", "O_CLOEXEC"):
    t.ok(name in seen, "%s is shown by name somewhere in the fixtures" % name, sorted(seen))
t.done()
