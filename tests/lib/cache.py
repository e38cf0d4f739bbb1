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
import hashlib
import os
import shutil
import subprocess
import urllib.request

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


def apt_uri(spec):
    """The address and SHA256 of package spec's .deb ("NAME" or "NAME=VERSION"),
    from apt (its package lists updated once if needed); raises RuntimeError."""
    for attempt in range(2):
        p = subprocess.run(["apt-get", "download", "--print-uris", spec], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        for line in p.stdout.splitlines():
            parts = line.split()
            if len(parts) >= 4 and parts[0].startswith("'http") and parts[3].startswith("SHA256:"):
                return parts[0].strip("'"), parts[3][len("SHA256:"):]
        subprocess.run(["apt-get", "update", "-qq"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    raise RuntimeError("apt knows no download address for %s: %s" % (spec, p.stdout.strip()[-300:]))


def stream(url, sha, script):
    """Downloads url into the standard input of `sh -c script` (nothing on disk
    but what script writes), checks it against sha; returns (exit status,
    output) of script, or raises RuntimeError."""
    h = hashlib.sha256()
    sink = subprocess.Popen(["sh", "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    try:
        with urllib.request.urlopen(url, timeout=120) as r:
            while True:
                chunk = r.read(1 << 20)
                if not chunk:
                    break
                h.update(chunk)
                sink.stdin.write(chunk)
    except (OSError, BrokenPipeError) as e:
        sink.kill()
        sink.wait()
        raise RuntimeError("downloading %s failed: %s" % (url, e))
    sink.stdin.close()
    out = sink.stdout.read().decode(errors="replace")
    sink.wait()
    if h.hexdigest() != sha:
        raise RuntimeError("%s: SHA256 %s, but apt says %s" % (url, h.hexdigest(), sha))
    return sink.returncode, out
