"""kstepjson.py - run kstep and walk its --format json step log in tests."""
import json
import os
import subprocess

KSTEP = os.environ.get("KSTEP", "kstep")


def run(*args, check=True):
    """Runs kstep; returns (exit status, stdout, stderr)."""
    p = subprocess.run([KSTEP, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if check and p.returncode != 0:
        raise RuntimeError("kstep %s exited %d: %s" % (" ".join(args), p.returncode, p.stderr))
    return p.returncode, p.stdout, p.stderr


def steps(path, *args):
    """The parsed JSON step log of `kstep steps --format json ARGS PATH`."""
    _, out, _ = run("steps", "--format", "json", *args, path)
    return Log(json.loads(out))


def socket_logs(fixtures):
    """(file name, path, JSON text) of `steps --no-dwarf --syscall socket` on every
    recording under fixtures that has a socket() call."""
    for f in sorted(os.listdir(fixtures)):
        if not f.endswith(".dat"):
            continue
        path = os.path.join(fixtures, f)
        rc, out, _ = run("steps", "--no-dwarf", "--syscall", "socket", "--format", "json", path, check=False)
        if rc == 0:
            yield f, path, out


def info(path):
    _, out, _ = run("info", "--json", path)
    return json.loads(out)


class Log:
    def __init__(self, doc):
        self.doc = doc
        # A call with steps inside says its return on a return step after
        # them: fold it back into the call for the tests that look at calls.
        self.all_steps = doc["steps"]
        self.by_n = {s["n"]: s for s in self.all_steps}
        self.steps = []
        for s in self.all_steps:
            if s["kind"] == "return":
                call = self.by_n[s["call"]]
                call["ret"], call["errno"], call["return_n"] = s["ret"], s["errno"], s["n"]
                call["args"] = call["args"] + s["args"]
            else:
                self.steps.append(s)

    def named(self, name, kind=None):
        return [s for s in self.steps if s["name"] == name and (kind is None or s["kind"] == kind)]

    def one(self, name, kind=None):
        found = self.named(name, kind)
        if len(found) != 1:
            raise AssertionError("expected one step %s, found %d" % (name, len(found)))
        return found[0]

    def parent(self, s):
        return self.by_n.get(s["parent"]) if s["parent"] else None

    def ancestors(self, s):
        out = []
        p = self.parent(s)
        while p:
            out.append(p)
            p = self.parent(p)
        return out

    def children(self, s):
        return [c for c in self.steps if c["parent"] == s["n"]]

    def under_interrupt(self, s):
        return any(a["kind"] == "interrupt" for a in self.ancestors(s)) or s["kind"] == "interrupt"

    def arg(self, s, name):
        for a in s["args"]:
            if a["name"] == name:
                return a
        return None
