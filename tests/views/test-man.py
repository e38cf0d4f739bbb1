"""Man pages: one per command kstep knows (kstep help --commands), kstep(1)
and kstep-formats(5), built from doc/man/*.in with the OPTIONS section
that `kstep help --man COMMAND` makes from the options table. mandoc -T lint
finds nothing to warn about; every option `kstep help COMMAND` lists is in
the page; the sections a user looks for are there."""
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
from tap import Tap, env  # noqa: E402

KSTEP = env("KSTEP")
MAN = os.path.join(os.path.dirname(KSTEP), "doc", "man")
t = Tap()
MANDOC = shutil.which("mandoc")


def run(*args):
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


cmds = [c for c in run(KSTEP, "help", "--commands").stdout.split() if c != "help"]
t.ok(len(cmds) >= 9, "kstep help --commands lists the commands (%s)" % " ".join(cmds))
pages = [("kstep", "1", None)] + [("kstep-" + c, "1", c) for c in cmds] + [("kstep-formats", "5", None)]
for page, sec, cmd in pages:
    path = os.path.join(MAN, "%s.%s" % (page, sec))
    if not t.ok(os.path.exists(path), "%s(%s) is built" % (page, sec), path):
        continue
    src = open(path).read()
    if MANDOC:
        p = run(MANDOC, "-T", "lint", "-W", "warning", path)
        t.ok(p.returncode == 0 and not (p.stdout + p.stderr).strip(), "%s(%s): mandoc -T lint is clean" % (page, sec),
             p.stdout + p.stderr)
        text = run(MANDOC, "-T", "utf8", path).stdout
        text = re.sub(r".\x08", "", text)
    else:
        t.skip("%s(%s): mandoc -T lint" % (page, sec), "mandoc is not installed")
        text = src.replace("\\-", "-")
    t.ok("@OPTIONS@" not in src and "@VERSION@" not in src, "%s(%s): every placeholder filled" % (page, sec))
    heads = re.findall(r"^\.SH (.+)$", src, re.M)
    need = ["NAME", "DESCRIPTION"] + ([] if sec == "5" else ["SYNOPSIS", "OPTIONS", "EXIT STATUS", "EXAMPLES"])
    t.ok(all(h in heads for h in need), "%s(%s): sections %s" % (page, sec, ", ".join(need)), repr(heads))
    if sec == "5":
        for fmt in ("text", "records", "json", "jsonl", "perfetto", "proof", "dot"):
            t.ok(re.search(r"^\.SS %s " % fmt, src, re.M), "kstep-formats(5) describes %s" % fmt)
        continue
    helptext = run(KSTEP, "help", cmd).stdout if cmd else run(KSTEP, "--help").stdout
    opts = sorted(set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", helptext)))
    missing = [o for o in opts if o not in text]
    t.ok(opts and not missing, "%s(%s): the %d options of kstep help %s are in the page" %
         (page, sec, len(opts), cmd or ""), "missing: %r" % missing)
    gen = run(KSTEP, "help", "--man", *([cmd] if cmd else [])).stdout
    t.ok(gen and gen in src, "%s(%s): its OPTIONS are what kstep help --man %s writes" % (page, sec, cmd or ""))
    if cmd:
        t.ok(re.search(r"\.BR kstep \(1\)", src), "%s(%s): SEE ALSO kstep(1)" % (page, sec))
kst = open(os.path.join(MAN, "kstep.1")).read()
for var in ("DEBUGINFOD_URLS", "KSTEP_CACHE", "KSTEP_MAX_MEMORY", "NO_COLOR"):
    t.ok(re.search(r"^\.B %s$" % var, kst, re.M), "kstep(1) ENVIRONMENT: %s" % var)
for cmd in cmds:
    t.ok(re.search(r"^\.BR kstep\\-%s \(1\)" % cmd, kst, re.M), "kstep(1) points to kstep-%s(1)" % cmd)
t.done()
