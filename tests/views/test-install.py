"""make install / make uninstall into a DESTDIR: the binary, the man pages
(man finds kstep-steps), the bash completion (where bash-completion looks:
completing `kstep <Tab>` works from the installed file) and the zsh one,
the docs; the
installed kstep writes a Perfetto timeline; make uninstall leaves the tree
exactly as it was before the install (the directories a system already
has were made first)."""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
from tap import Tap, env, tmpdir  # noqa: E402

KSTEP = env("KSTEP")
FIX = env("FIXTURES")
BUILD = os.path.dirname(KSTEP)
t = Tap()
tmp = tmpdir("kstep-install-")


def make(target, dest):
    return subprocess.run(["make", "-s", "-C", BUILD, target, "DESTDIR=" + dest], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)


def tree(root):
    out = set()
    for d, dirs, files in os.walk(root):
        for n in dirs + files:
            out.add(os.path.relpath(os.path.join(d, n), root))
    return out


# Where things go: a first install into a scratch DESTDIR.
scratch = os.path.join(tmp, "scratch")
p = make("install", scratch)
if not t.ok(p.returncode == 0, "make install DESTDIR=... exits 0", p.stdout[-2000:]):
    t.done()
files = sorted(f for f in tree(scratch) if os.path.isfile(os.path.join(scratch, f)))
t.comment("installed: " + " ".join(files))
byname = {os.path.basename(f): f for f in files if "/bin/" in f or not f.endswith("/kstep")}
t.ok(os.access(os.path.join(scratch, byname.get("kstep", "?/kstep")), os.X_OK) and "bin/kstep" in byname["kstep"],
     "the binary is installed in bin", byname.get("kstep"))
cmds = [c for c in subprocess.run([KSTEP, "help", "--commands"], stdout=subprocess.PIPE, text=True).stdout.split()
        if c != "help"]
man1 = [f for f in files if "/man/man1/" in f]
t.eq(sorted(os.path.basename(f) for f in man1), sorted(["kstep.1"] + ["kstep-%s.1" % c for c in cmds]),
     "kstep(1) and one page per command in man1")
t.ok(any(f.endswith("/man/man5/kstep-formats.5") for f in files), "kstep-formats(5) in man5")
comp = [f for f in files if "/bash-completion/completions/" in f]
t.eq([os.path.basename(f) for f in comp], ["kstep"], "the completion is in bash-completion/completions")
t.ok(any(f.endswith("/zsh/site-functions/_kstep") for f in files), "the zsh completion is in zsh/site-functions")
docs = [f for f in files if "/doc/kstep/" in f]
t.ok(any(f.endswith("README.md") for f in docs) and any(f.endswith("formats.md") for f in docs)
     and any(f.endswith("query.md") for f in docs), "the docs are in doc/kstep (%d files)" % len(docs))
# The directories a system has: every parent of an installed file that is not kstep's own.
system = set()
for f in files:
    d = os.path.dirname(f)
    while d:
        if "kstep" not in os.path.basename(d):
            system.add(d)
        d = os.path.dirname(d)
p = make("uninstall", scratch)

dest = os.path.join(tmp, "dest")
for d in system:
    os.makedirs(os.path.join(dest, d), exist_ok=True)
before = tree(dest)
p = make("install", dest)
t.ok(p.returncode == 0, "make install into a DESTDIR with the system's directories", p.stdout[-2000:])
bindir = os.path.dirname(os.path.join(dest, byname["kstep"]))
mandir = os.path.dirname(os.path.dirname(os.path.join(dest, man1[0])))
if shutil.which("man"):
    m = subprocess.run(["man", "-M", mandir, "kstep-steps"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, env=dict(os.environ, MANPAGER="cat", PAGER="cat", MANWIDTH="80"))
    t.ok(m.returncode == 0 and "kstep-steps - print the numbered step log" in m.stdout and "--format" in m.stdout,
         "man kstep-steps shows the installed page", m.stderr[-500:])
else:
    t.skip("man kstep-steps", "man is not installed")
prog = (". '%s'\nCOMP_WORDS=(kstep ''); COMP_CWORD=1; _kstep kstep '' kstep\necho \"${COMPREPLY[*]}\"\n"
        % os.path.join(dest, comp[0]))
c = subprocess.run(["bash", "--norc", "-c", prog], stdout=subprocess.PIPE, text=True,
                   env=dict(os.environ, PATH=bindir + ":" + os.environ.get("PATH", "")))
t.eq(sorted(c.stdout.split()), sorted(cmds + ["help"]), "kstep <Tab> with the installed completion and binary")
pf = subprocess.run([os.path.join(bindir, "kstep"), "steps", "--format", "perfetto",
                     os.path.join(FIX, "vm6.1-socket.kstep.dat")], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                    text=True)
t.ok(pf.returncode == 0 and '"traceEvents"' in pf.stdout, "the installed kstep writes a Perfetto timeline",
     pf.stderr)
p = make("uninstall", dest)
t.ok(p.returncode == 0, "make uninstall exits 0", p.stdout[-2000:])
after = tree(dest)
t.eq(sorted(after ^ before), [], "make uninstall leaves the tree as it was before the install")
shutil.rmtree(tmp, ignore_errors=True)
t.done()
