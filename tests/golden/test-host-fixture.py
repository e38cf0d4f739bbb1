"""The socket plan recorded by kstep on this project's kind of machine
(fixtures/host-socket.kstep.dat, `make host-fixtures`: events, stacks and
uprobes, no kprobes), analyzed anywhere, checked against trace-cmd's report
of the same file."""
import os
import sys

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "golden"))
import hostsocket  # noqa: E402
import kstepjson  # noqa: E402
from tap import Tap, env  # noqa: E402

t = Tap()
path = os.path.join(env("FIXTURES"), "host-socket.kstep.dat")
info = kstepjson.info(path)
t.eq(info["recorder"], "kstep 0.1.0", "recorded by kstep")
t.eq(info["plan"]["name"], "socket", "with the socket plan")
t.ok(info["plan"]["skipped"] > 0, "the plan says what this kernel could not take", info["plan"])
hostsocket.check(t, path)
t.done()
