"""For people at a terminal: progress on stderr (records read of the total,
rate, time left; erased at the end) only when stderr is a terminal and
without -q; colour in the text output only on a terminal or with
--color=always, never with NO_COLOR or --color=never, and the coloured
text is the plain text plus SGR sequences: derivations (#N) green,
(underived) red, evidence tags cyan. Run under a pseudo-terminal."""
import os
import pty
import re
import select
import subprocess
import sys
import json

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
from tap import Tap, env  # noqa: E402

KSTEP = env("KSTEP")
FIX = env("FIXTURES")
t = Tap()
F = os.path.join(FIX, "vm6.1-socket.kstep.dat")
SGR = re.compile(r"\x1b\[[0-9;]*m")


def run(args, tty_out=False, tty_err=False, extra_env=None):
    """Runs kstep with stdout and/or stderr on a pseudo-terminal; returns (rc, stdout, stderr) as text."""
    e = dict(os.environ)
    e.pop("NO_COLOR", None)
    e.update(extra_env or {})
    fds = {}
    master = {}
    for name, want in (("out", tty_out), ("err", tty_err)):
        if want:
            m, s = pty.openpty()
            master[name], fds[name] = m, s
        else:
            fds[name] = subprocess.PIPE
    p = subprocess.Popen([KSTEP, *args], stdout=fds["out"], stderr=fds["err"], env=e)
    for name in master:
        os.close(fds[name])
    got = {"out": b"", "err": b""}
    open_ = dict(master)
    pipes = {}
    if "out" not in master:
        pipes["out"] = p.stdout
    if "err" not in master:
        pipes["err"] = p.stderr
    while open_ or pipes:
        rl = list(open_.values()) + [f.fileno() for f in pipes.values()]
        r, _, _ = select.select(rl, [], [], 60)
        if not r:
            break
        for name, m in list(open_.items()):
            if m in r:
                try:
                    b = os.read(m, 65536)
                except OSError:
                    b = b""
                if not b:
                    os.close(m)
                    del open_[name]
                got[name] += b
        for name, f in list(pipes.items()):
            if f.fileno() in r:
                b = os.read(f.fileno(), 65536)
                if not b:
                    del pipes[name]
                got[name] += b
    rc = p.wait()
    return rc, got["out"].decode(errors="replace").replace("\r\n", "\n"), got["err"].decode(errors="replace")


# Progress: shown on a terminal (after KSTEP_PROGRESS_DELAY ms: 0 here, the fixture is quick), then erased.
PROG = {"KSTEP_PROGRESS_DELAY": "0"}
info = json.loads(subprocess.run([KSTEP, "info", "--json", F], stdout=subprocess.PIPE, text=True).stdout)
total = info.get("records")
rc, out, err = run(["steps", "--format", "json", F], tty_err=True, extra_env=PROG)
m = re.search(r"kstep: analysing: (\S+) of (\S+) records \((\d+)%\), \S+/s", err)
t.ok(rc == 0 and m, "stderr a terminal: a progress line (records read of the total, rate)", repr(err[:300]))
t.ok(m and str(total) == m.group(2), "the total is the file's record count (kstep info: %s)" % total,
     m and m.group(2))
t.ok(err.endswith("\r\x1b[K"), "the progress line is erased at the end", repr(err[-40:]))
t.ok(json.loads(out)["steps"], "stdout (a pipe) is the whole JSON document, untouched")
rc, out, err = run(["steps", "-q", "--format", "json", F], tty_err=True, extra_env=PROG)
t.ok(rc == 0 and "analysing" not in err, "-q: no progress on the terminal", repr(err[:200]))
rc, out, err = run(["tree", "--quiet", F], tty_err=True, extra_env=PROG)
t.ok(rc == 0 and "analysing" not in err, "tree --quiet: no progress", repr(err[:200]))
rc, out, err = run(["steps", "--format", "json", F], extra_env=PROG)
t.ok(rc == 0 and err == "", "stderr not a terminal: no progress", repr(err[:200]))
rc, out, err = run(["steps", "--format", "json", F], tty_err=True)
t.ok(rc == 0 and "analysing" not in err, "a quick analysis (under a second) shows no progress", repr(err[:200]))

# Colour.
plain = subprocess.run([KSTEP, "steps", F], stdout=subprocess.PIPE, text=True).stdout
rc, out, err = run(["steps", F], tty_out=True)
t.ok(rc == 0 and SGR.search(out), "stdout a terminal: the text output is coloured")
t.eq(SGR.sub("", out), plain, "the coloured output is the plain one with SGR sequences only")
t.ok(re.search(r"\x1b\[32m\(#\d+\)\x1b\[0m", out), "derivations (#N) are green")
t.ok(re.search(r"\x1b\[36m(fgraph|kprobe|syscall|uprobe|event)\x1b\[0m", out), "evidence tags are cyan")
t.ok("REJECTION STATUS: \x1b[32mPASS\x1b[0m" in out, "REJECTION STATUS: PASS is green")
rc, out, err = run(["steps", F], tty_out=True, extra_env={"NO_COLOR": "1"})
t.ok(rc == 0 and not SGR.search(out), "NO_COLOR: no colour on a terminal")
rc, out, err = run(["steps", "--color=never", F], tty_out=True)
t.ok(rc == 0 and not SGR.search(out), "--color=never: no colour on a terminal")
rc, out, err = run(["steps", "--color=always", F])
t.ok(rc == 0 and SGR.search(out) and SGR.sub("", out) == plain, "--color=always: colour into a pipe")
rc, out, err = run(["steps", "--color", "always", F], extra_env={"NO_COLOR": "1"})
t.ok(rc == 0 and SGR.search(out), "--color=always wins over NO_COLOR")
rc, out, err = run(["steps", F])
t.ok(rc == 0 and not SGR.search(out), "stdout a pipe: no colour")
rc, out, err = run(["steps", "--color=sometimes", F])
t.ok(rc == 2 and "--color takes never, auto or always, not 'sometimes'" in err and len(err.splitlines()) == 1,
     "--color=sometimes: one message, exit 2", err)
# an underived value (a fixture whose footer lists one)
under = None
for name in sorted(os.listdir(FIX)):
    if name.endswith(".dat"):
        p = subprocess.run([KSTEP, "steps", os.path.join(FIX, name)], stdout=subprocess.PIPE, text=True)
        if "(underived)" in p.stdout:
            under = name
            break
if under:
    rc, out, err = run(["steps", "--color=always", os.path.join(FIX, under)])
    t.ok("\x1b[1;31m(underived)\x1b[0m" in out and "\x1b[1;31mFAIL\x1b[0m" in out,
         "%s: (underived) and FAIL are red" % under)
else:
    t.skip("(underived) is red", "no fixture has an underived value")
rc, out, err = run(["steps", "/nonexistent.dat"], tty_err=True)
t.ok(rc == 2 and err.startswith("\x1b[1;31mkstep: ") and "\x1b[0m" in err, "stderr a terminal: the error is red",
     repr(err[:100]))
rc, out, err = run(["steps", "/nonexistent.dat"], tty_err=True, extra_env={"NO_COLOR": "1"})
t.ok(rc == 2 and not SGR.search(err), "NO_COLOR: the error is plain", repr(err[:100]))
t.done()
