"""The socket plan recorded by kstep in the Debian 6.1 and 6.12 guests
(fixtures/vm*-socket.*, made by `make vm-fixtures`): the analyzer's chain
and derivations, checked against trace-cmd's report of the same files and
of trace-cmd's own recording of the same program in the same boot. Runs
everywhere, without qemu."""
import os
import sys

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "golden"))
import kstepjson  # noqa: E402
import socketcheck  # noqa: E402
from tap import Tap, env  # noqa: E402

FIX = env("FIXTURES")
t = Tap()
for label, release in (("6.1", "6.1.0-56-amd64"), ("6.12", "6.12.117+deb12-amd64")):
    kdat = os.path.join(FIX, "vm%s-socket.kstep.dat" % label)
    tdat = os.path.join(FIX, "vm%s-socket.trace-cmd.dat" % label)
    info = kstepjson.info(kdat)
    t.ok(release in info["uname"], "%s: recorded on %s" % (label, release), info["uname"])
    t.eq(info["recorder"], "kstep 0.1.0", "%s: recorded by kstep" % label)
    t.eq(info["plan"]["name"], "socket", "%s: with the socket plan" % label)
    t.ok(info["build_id"] and len(info["build_id"]) == 40, "%s: the kernel build-id is stored" % label,
         info["build_id"])
    t.eq(info["lost_events"], 0, "%s: nothing lost" % label)
    socketcheck.check(t, label, kdat, tdat)
t.done()
