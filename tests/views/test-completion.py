"""Bash completion (doc/completion/kstep.bash, installed where bash-completion
looks): driven in a bash subshell through COMP_WORDS/COMP_CWORD, with and
without bash-completion's own library. Commands are kstep help --commands,
options those of kstep help COMMAND, --format values those the command's
error message names, plans those of kstep record --list-plans, operands the
directory's .dat files."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
from tap import Tap, env  # noqa: E402

KSTEP = env("KSTEP")
FIX = env("FIXTURES")
SCRIPT = os.path.join(env("TESTS_DIR"), "..", "doc", "completion", "kstep.bash")
LIB = "/usr/share/bash-completion/bash_completion"
t = Tap()


def complete(words, lib):
    """The completions bash offers for words (the last one being completed)."""
    quoted = " ".join("'%s'" % w.replace("'", "'\\''") for w in words)
    prog = ("%s. '%s'\nCOMP_WORDS=(%s); COMP_CWORD=%d; COMP_LINE=\"${COMP_WORDS[*]}\"; COMP_POINT=${#COMP_LINE}\n"
            "_kstep kstep \"${COMP_WORDS[COMP_CWORD]}\" \"${COMP_WORDS[COMP_CWORD-1]}\"\n"
            "printf '%%s\\n' \"${COMPREPLY[@]}\"\n" % (". '%s' 2>/dev/null\n" % LIB if lib else "", SCRIPT, quoted,
                                                      len(words) - 1))
    e = dict(os.environ, PATH=os.path.dirname(KSTEP) + ":" + os.environ.get("PATH", ""))
    p = subprocess.run(["bash", "--norc", "--noprofile", "-c", prog], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, env=e, cwd=FIX)
    return [w for w in p.stdout.split("\n") if w], p.stderr


def out(*args):
    return subprocess.run([KSTEP, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


p = subprocess.run(["bash", "--norc", "-c", ". '%s'; complete -p kstep" % SCRIPT], stdout=subprocess.PIPE, text=True)
t.ok("-F _kstep" in p.stdout and p.stdout.rstrip().endswith(" kstep"), "complete -p kstep: -F _kstep", p.stdout)
cmds = out("help", "--commands").stdout.split()
plans = out("record", "--list-plans").stdout.split()
dats = sorted(f for f in os.listdir(FIX) if f.endswith(".dat"))
for lib in ([False, True] if os.path.exists(LIB) else [False]):
    how = "with bash-completion" if lib else "alone"
    got, err = complete(["kstep", ""], lib)
    t.eq(sorted(got), sorted(cmds), "%s: kstep <Tab> offers the commands" % how)
    got, _ = complete(["kstep", "-v", "st"], lib)
    t.eq(got, ["steps"], "%s: kstep -v st<Tab> -> steps" % how)
    for cmd in ("steps", "tree", "diff"):
        msg = out(cmd, "--format", "bogus", "x.dat").stderr
        m = re.search(r"--format takes (.*), not 'bogus'", msg)
        want = sorted(re.split(r", | or ", m.group(1))) if m else None
        got, _ = complete(["kstep", cmd, "--format", ""], lib)
        t.eq(sorted(got), want, "%s: kstep %s --format <Tab> offers %s" % (how, cmd, want))
    got, _ = complete(["kstep", "record", "--plan", ""], lib)
    t.ok(plans and all(p in got for p in plans), "%s: kstep record --plan <Tab> offers the plans %s" % (how, plans),
         repr(got[:10]))
    for cmd in cmds:
        if cmd == "help":
            continue
        helptext = out("help", cmd).stdout
        opts = set(re.findall(r"^\s+(?:-\w, )?(--[a-z][a-z0-9-]*)", helptext, re.M))
        got, _ = complete(["kstep", cmd, "--"], lib)
        t.ok(opts <= set(got), "%s: kstep %s --<Tab> offers its %d options" % (how, cmd, len(opts)),
             "missing %r" % sorted(opts - set(got)))
    got, _ = complete(["kstep", "steps", "--color", ""], lib)
    t.eq(sorted(got), ["always", "auto", "never"], "%s: --color <Tab>" % how)
    got, _ = complete(["kstep", "info", "vm6"], lib)
    t.eq(sorted(got), [d for d in dats if d.startswith("vm6")], "%s: kstep info vm6<Tab> offers the .dat files" % how)
    got, _ = complete(["kstep", "help", "re"], lib)
    t.eq(sorted(got), sorted(c for c in cmds if c.startswith("re")), "%s: kstep help re<Tab>" % how)

# zsh: the same answers from doc/completion/_kstep, with zsh's completion
# builtins replaced by functions that print what they are given.
ZSH_SCRIPT = os.path.join(os.path.dirname(SCRIPT), "_kstep")
zsh = subprocess.run(["sh", "-c", "command -v zsh"], stdout=subprocess.PIPE, text=True).stdout.strip()


def zcomplete(words):
    prog = ("compadd() { [[ $1 == -- ]] && shift; print -l -- \"$@\"; }\n"
            "_files() { print -- \"_files $*\"; }\n"
            "words=(%s); CURRENT=$#words; PREFIX=${words[CURRENT]}\n"
            "source '%s' | while read -r w; do [[ $w == ${PREFIX}* || $w == _files* ]] && print -- $w; done\n"
            % (" ".join("'%s'" % w for w in words), ZSH_SCRIPT))
    e = dict(os.environ, PATH=os.path.dirname(KSTEP) + ":" + os.environ.get("PATH", ""))
    p = subprocess.run([zsh, "-f", "-c", prog], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=e,
                       cwd=FIX)
    return [w for w in p.stdout.split("\n") if w], p.stderr


if not zsh:
    t.skip("zsh completion", "zsh is not installed")
else:
    p = subprocess.run([zsh, "-n", ZSH_SCRIPT], stderr=subprocess.PIPE, text=True)
    t.ok(p.returncode == 0, "zsh -n _kstep: the zsh completion parses", p.stderr)
    got, err = zcomplete(["kstep", ""])
    t.eq(sorted(got), sorted(cmds), "zsh: kstep <Tab> offers the commands")
    got, err = zcomplete(["kstep", "steps", "--format", ""])
    t.eq(sorted(got), sorted(out("help", "--formats", "steps").stdout.split()), "zsh: kstep steps --format <Tab>")
    got, err = zcomplete(["kstep", "record", "--plan", ""])
    t.ok(all(p in got for p in plans) and "_files" in got, "zsh: kstep record --plan <Tab>: plans and files",
         repr(got))
    got, err = zcomplete(["kstep", "tree", "--"])
    opts = set(re.findall(r"^\s+(?:-\w, )?(--[a-z][a-z0-9-]*)", out("help", "tree").stdout, re.M))
    t.ok(opts <= set(got), "zsh: kstep tree --<Tab> offers its options", repr(sorted(opts - set(got))))
t.done()
