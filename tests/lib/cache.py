"""cache.py - the tests' cache of downloads and extractions (KSTEP_CACHE,
default /var/cache/kstep).

Tests run in parallel (`make -j check`) and earlier runs may have been
killed half way, so every entry is made the same way: under an exclusive
lock named after the entry, the entry is checked again (another test may
have made it while this one waited), built in a temporary name unique to
this process, and renamed into place. Leftovers of an interrupted run
(`NAME.tmp-*`) are removed under the same lock, so they can never be taken
for a finished entry.
"""
import contextlib
import fcntl
import glob
import os
import shutil

ROOT = os.environ.get("KSTEP_CACHE", "/var/cache/kstep")


def path(*parts):
    """The path of an entry of the cache; its directory exists."""
    p = os.path.join(ROOT, *parts)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    return p


@contextlib.contextmanager
def locked(entry):
    """Holds the exclusive lock of entry (a path in the cache) while the block runs."""
    lockdir = os.path.join(ROOT, ".locks")
    os.makedirs(lockdir, exist_ok=True)
    name = os.path.relpath(entry, ROOT).replace(os.sep, "%")
    with open(os.path.join(lockdir, name + ".lock"), "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def remove_leftovers(entry):
    """Removes what interrupted runs left while making entry (call with its lock held)."""
    for tmp in glob.glob(glob.escape(entry) + ".tmp*"):
        if os.path.isdir(tmp) and not os.path.islink(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def temp_name(entry):
    """A temporary name beside entry, unique to this process."""
    return "%s.tmp-%d" % (entry, os.getpid())


def make(entry, build, ready=os.path.exists):
    """Returns entry, made once: build(tmp) writes a file or directory at tmp,
    which is then renamed to entry. ready(entry) says whether an existing entry
    is complete. Raises whatever build raises (the temporary is removed)."""
    os.makedirs(os.path.dirname(entry), exist_ok=True)
    if ready(entry):
        return entry
    with locked(entry):
        if ready(entry):
            return entry
        remove_leftovers(entry)
        if os.path.lexists(entry):
            # present but incomplete: an older layout or a half-made entry
            if os.path.isdir(entry) and not os.path.islink(entry):
                shutil.rmtree(entry)
            else:
                os.unlink(entry)
        tmp = temp_name(entry)
        try:
            build(tmp)
            os.rename(tmp, entry)
        finally:
            remove_leftovers(entry)
    return entry
