"""The reader on real recordings made here (issue 17):

- after a ring-buffer overrun a 64-bit kernel writes the page's commit word
  with the missed-events flags sign-extended (upper half all ones): kstep
  must read those pages, as trace-cmd does, not drop them as damage;
- a comm with a newline and an escape byte (prctl(PR_SET_NAME)) is data:
  the file stays readable, trace-cmd agrees on the events, and the text
  output shows the comm escaped (\\x0a, \\x1b), JSON as JSON.

The oracle for the events is trace-cmd report; for the comm, the name the
program gave itself."""
import os
import re
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
import kstepjson  # noqa: E402
import live  # noqa: E402
from tap import Tap, env, tmpdir  # noqa: E402

TRACE_CMD = env("TRACE_CMD")
t = Tap()
why = live.why_not()
if why:
    t.skip("reader on real recordings", why)
    t.done()
live.lock()
tmp = tmpdir("kstep-reader-live-")


def trace_cmd_events(path):
    """Events trace-cmd report prints (one line each), by event name."""
    p = subprocess.run([TRACE_CMD, "report", "-i", path], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True, errors="replace")
    names = {}
    for m in re.finditer(r"^.*?\[\d+\]\s+\d+\.\d+:\s+(\w+):", p.stdout, re.M):
        names[m.group(1)] = names.get(m.group(1), 0) + 1
    return names


def v6_pages(path):
    """Commit words of every page, where trace-cmd dump says each CPU's data is."""
    d = open(path, "rb").read()
    psize = struct.unpack_from("<I", d, d.index(b"\0", 10) + 3)[0]
    p = subprocess.run([TRACE_CMD, "dump", "--flyrecord", "-i", path], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    words = []
    for m in re.finditer(r"(\d+)\s+(\d*)\s+\[offset, size of cpu \d+\]", p.stdout):
        off, size = int(m.group(1)), int(m.group(2) or 0)
        for pg in range(off, off + size, psize):
            words.append(struct.unpack_from("<Q", d, pg + 8)[0])
    return words


# 1. Overrun: tiny buffers read only at the end.
out = os.path.join(tmp, "overrun.dat")
live.record(out, "-q", "--file-version", "6", "--no-drain", "--buffer-size", "8", "--syscall",
            "socket", "--", live.prog("socket_loop"), "20000")
words = v6_pages(out)
ext = [w for w in words if w >> 32 == 0xffffffff]
t.ok(len(words) > 0, "the recording has pages (%d)" % len(words))
# A 64-bit kernel adds RB_MISSED_EVENTS, the int (1 << 31), to the long
# commit word of every page it hands out after an overrun, and 20,000
# socket() calls into 8 KiB buffers read only at the end always overrun:
# no such word on this x86_64 machine means the pages were not read as
# written (once a skip; a failure now, as it would hide a regression).
t.ok(len(ext) > 0, "the overrun recording has pages with a sign-extended commit word (%d of %d)"
     % (len(ext), len(words)))
if ext:
    t.comment("commit words with the upper half set: %s" % ", ".join("%#x" % w for w in ext[:4]))
    rc, iout, ierr = kstepjson.run("info", out, check=False)
    t.eq(rc, 0, "info on the overrun recording: exit 0")
    t.ok("claims" not in ierr and "commit word" not in ierr and "damage" not in ierr,
         "no page is dropped as damage", ierr[-1500:])
    info = kstepjson.info(out)
    ref = trace_cmd_events(out)
    t.eq(info["events"], {"syscalls:" + k: v for k, v in ref.items()},
         "kstep reads the same events as trace-cmd report (%d)" % sum(ref.values()))
    rep = subprocess.run([TRACE_CMD, "report", "-i", out], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True, errors="replace").stdout
    dropped = sum(int(n) for n in re.findall(r"\[(\d+) EVENTS DROPPED\]", rep))
    t.eq(info["lost_events"], dropped,
         "the pages' missed-event counts are those trace-cmd report prints (%d)" % dropped)

# 2. A comm with a newline and an escape byte.
NAME = "odd\nname\x1b[7m"
ESC = "odd\\x0aname\\x1b[7m"
out = os.path.join(tmp, "oddcomm.dat")
live.record(out, "-q", "--syscall", "socket", "--", live.prog("oddcomm"))
rc, iout, ierr = kstepjson.run("info", out, check=False)
t.eq(rc, 0, "info reads the file whose saved cmdlines hold a comm with a newline")
t.eq(ierr, "", "info: nothing on stderr")
t.ok("\x1b" not in iout, "info: no raw escape byte in the text")
info = kstepjson.info(out)
ref = trace_cmd_events(out)
t.eq(info["events"], {"syscalls:" + k: v for k, v in ref.items()},
     "kstep and trace-cmd report agree on the events (%s)" % ref)
for cmd in ("steps", "tree"):
    rc, sout, serr = kstepjson.run(cmd, out, check=False)
    t.eq(rc, 0, "%s: exit 0" % cmd)
    head = sout.splitlines()[0] if sout else ""
    t.ok(("kstep %s: %s (pid" % (cmd, ESC)) in head, "%s: the comm is shown escaped" % cmd, head)
    t.ok("\x1b" not in sout, "%s: no raw escape byte in the text" % cmd)
log = kstepjson.steps(out)
t.eq(log.doc["task"]["comm"], NAME, "JSON: the comm as the program named itself")
rc, sout, serr = kstepjson.run("steps", "--comm", NAME, out, check=False)
t.ok(rc == 0 and "socket()" in sout, "--comm selects the task by its odd name", serr)

# The kernel keeps that comm in its global saved_cmdlines, where it would
# reach every later recording: resizing (to the same size) empties it.
sz = os.path.join(live.TRACEFS, "saved_cmdlines_size")
with open(sz) as f:
    size = f.read().strip()
with open(sz, "w") as f:
    f.write(size)
with open(os.path.join(live.TRACEFS, "saved_cmdlines"), "rb") as f:
    t.ok(b"odd\nname" not in f.read(), "the odd comm is gone from the kernel's saved cmdlines")
t.done()
