"""tap.py - a small TAP producer for kstep's script tests (automake's tap-driver
reads it: one "ok N - name" or "not ok N - name" per check, "# ..." comments,
the plan at the end)."""
import atexit
import os
import shutil
import sys
import tempfile
import traceback


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0
        sys.excepthook = self._crashed

    def _crashed(self, kind, value, tb):
        """An exception is one more failed check, with its traceback, and the
        plan still comes out so the driver counts what ran before it."""
        self.ok(False, "the test script ran to its end (%s: %s)" % (kind.__name__, str(value)[:200]),
                "".join(traceback.format_exception(kind, value, tb)))
        print("1..%d" % self.n)
        sys.stdout.flush()
        os._exit(1)

    def ok(self, cond, name, diag=None):
        self.n += 1
        if cond:
            print("ok %d - %s" % (self.n, name))
        else:
            self.failed += 1
            print("not ok %d - %s" % (self.n, name))
            if diag is not None:
                for line in str(diag).splitlines():
                    print("#   " + line)
        sys.stdout.flush()
        return cond

    def eq(self, got, want, name):
        if isinstance(got, list) and isinstance(want, list) and got != want and len(repr(got)) > 400:
            i = next((k for k, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
            diag = "lengths %d vs %d; first difference at [%d]:\ngot:  %r\nwant: %r" % (
                len(got), len(want), i, got[i:i + 3], want[i:i + 3])
            return self.ok(False, name, diag)
        return self.ok(got == want, name, "got:  %r\nwant: %r" % (got, want))

    def skip(self, name, why):
        self.n += 1
        print("ok %d - %s # SKIP %s" % (self.n, name, why))

    def comment(self, text):
        for line in str(text).splitlines():
            print("# " + line)

    def bail(self, why):
        print("Bail out! " + why)
        sys.exit(1)

    def done(self):
        print("1..%d" % self.n)
        sys.exit(0)


def env(name, default=None):
    v = os.environ.get(name, default)
    if v is None:
        print("Bail out! %s is not set (run the tests with make check)" % name)
        sys.exit(1)
    return v


def tmpdir(prefix):
    """A new directory under $TMPDIR, removed with everything in it when the test exits."""
    path = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, path, True)
    return path
