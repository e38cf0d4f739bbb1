"""Debug files by build-id from debuginfod: a local debuginfod server (the
elfutils one) serves the cached Debian 6.1.0-56 debug vmlinux; with only
DEBUGINFOD_URLS set, kstep steps on the 6.1 socket fixture prints the same
lines and inline steps as with --vmlinux. Without the server the footer
says where it looked."""
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
import debuginfo  # noqa: E402
import kstepjson  # noqa: E402
from tap import Tap, env, tmpdir  # noqa: E402

FIX = env("FIXTURES")
DAT = os.path.join(FIX, "vm6.1-socket.kstep.dat")
BUILD_ID = "eb4fbcd037e7253717950bf2b93bd5566f47c56f"
t = Tap()
if not shutil.which("debuginfod"):
    t.ok(False, "the debuginfod server is installed (package debuginfod)")
    t.done()
V = debuginfo.vmlinux_or_fail(t)

tmp = tmpdir("kstep-debuginfod-")
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
server = subprocess.Popen(["debuginfod", "-F", os.path.dirname(V), "-p", str(port),
                           "-d", os.path.join(tmp, "db.sqlite"), "-t", "0", "-g", "0"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp)
url = "http://127.0.0.1:%d" % port
try:
    ready = False
    deadline = time.time() + 300
    while time.time() < deadline and not ready:
        try:
            with urllib.request.urlopen("%s/buildid/%s/debuginfo" % (url, BUILD_ID), timeout=10) as r:
                ready = r.status == 200
        except OSError:
            time.sleep(2)
    t.ok(ready, "the local debuginfod server serves build-id %s" % BUILD_ID)

    def steps(extra_env, *args):
        e = dict(os.environ, DEBUGINFOD_CACHE_PATH=os.path.join(tmp, "cache"), **extra_env)
        p = subprocess.run([env("KSTEP"), "steps", "--format", "json", "--syscall", "socket", *args, DAT],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=e)
        return p.returncode, (json.loads(p.stdout) if p.returncode == 0 else None), p.stderr

    rc, ref, err = steps({}, "--vmlinux", V)
    rc2, got, err2 = steps({"DEBUGINFOD_URLS": url})
    t.eq(rc2, 0, "kstep steps with DEBUGINFOD_URLS only: exit 0", )
    lines = lambda d: [(s["name"], s.get("call_site") or s.get("inlined_at")) for s in d["steps"]]  # noqa
    t.ok(got and lines(got) == lines(ref), "... the same steps and lines as with --vmlinux", err2)
    t.ok(got and any(s["evidence"] == "inline" for s in got["steps"]), "... with the inline steps")
finally:
    server.terminate()
    server.wait()
rc, d, err = steps({"DEBUGINFOD_URLS": url})
t.eq(rc, 0, "the server gone: still exit 0 (from the client's cache or without DWARF)")
rc, out, err = kstepjson.run("steps", "--syscall", "socket", DAT, check=False)
t.ok(rc == 0 and "no DWARF facts were used" in out, "no DEBUGINFOD_URLS and no local file: the footer says so")
shutil.rmtree(tmp)
t.done()
