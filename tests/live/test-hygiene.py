"""kstep record leaves tracefs exactly as it found it: with foreign state
planted first (a uprobe, an instance, trace_clock=global, a trigger), every
writable tracefs file is compared before and after a normal run, Ctrl-C in
the middle, a command that crashes, two recordings at once, and kstep killed
with SIGKILL followed by kstep record --cleanup."""
import os
import select
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
import kstepjson  # noqa: E402
import live  # noqa: E402
from tap import Tap, tmpdir  # noqa: E402

t = Tap()
why = live.why_not()
if why:
    t.skip("tracefs hygiene", why)
    t.done()
live.lock()
tmp = tmpdir("kstep-hyg-")
T = live.TRACEFS


def write(path, text, append=True):
    # os.open: Python's "a" mode seeks to the end, which tracefs refuses
    fd = os.open(os.path.join(T, path), os.O_WRONLY | (os.O_APPEND if append else os.O_TRUNC))
    try:
        os.write(fd, (text + "\n").encode())
    finally:
        os.close(fd)


def plant():
    """Someone else's tracing: must survive every kstep run untouched."""
    os.makedirs(os.path.join(T, "instances", "foreign"), exist_ok=True)
    write("uprobe_events", "p:foreign/sleep_main %s:0x%x" % (sleep_path, main_off))
    write("trace_clock", "global", append=False)
    write("events/syscalls/sys_enter_getppid/trigger", "stacktrace if common_pid == 1")


def unplant():
    write("events/syscalls/sys_enter_getppid/trigger", "!stacktrace")
    write("uprobe_events", "-:foreign/sleep_main")
    os.rmdir(os.path.join(T, "instances", "foreign"))
    write("trace_clock", "local", append=False)


def main_offset(path):
    out = subprocess.run(["nm", "--defined-only", path], stdout=subprocess.PIPE, text=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] == "main":
            return int(parts[0], 16)
    return 0x1000


sleep_path = live.prog("sleeper")
main_off = main_offset(sleep_path)
plant()
try:
    base = live.snapshot()
    t.ok("foreign" in base["<instances>"], "foreign state is planted")

    p = live.record(os.path.join(tmp, "a.dat"), "-q", "--plan", "socket", "--", live.prog("socket_inet"))
    t.eq(live.diff(base, live.snapshot()), [], "normal run: tracefs as found")

    # Ctrl-C in the middle: kstep forwards it, stops, cleans up, keeps what it has
    proc = subprocess.Popen([live.KSTEP, "record", "-q", "-o", os.path.join(tmp, "int.dat"), "--plan",
                             "socket", "--", live.prog("sleeper"), "30"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    # the command's first line says its socket() is done: a busy machine may take long to get there
    ready = select.select([proc.stdout], [], [], 60)[0] and proc.stdout.readline()
    t.ok(bool(ready) and ready.startswith("socket = "), "SIGINT: the command ran its socket() first", ready)
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    t.ok(proc.returncode == 0, "SIGINT: kstep ends normally", err)
    t.eq(live.diff(base, live.snapshot()), [], "SIGINT: tracefs as found")
    t.ok(os.path.exists(os.path.join(tmp, "int.dat")), "SIGINT: the trace so far is written")
    info = kstepjson.info(os.path.join(tmp, "int.dat"))
    t.ok(info["events"].get("syscalls:sys_enter_socket") == 1, "SIGINT: the socket() before it is there")

    # the traced command crashes
    p = live.record(os.path.join(tmp, "crash.dat"), "-q", "--plan", "socket", "--", live.prog("crash"))
    t.eq(live.diff(base, live.snapshot()), [], "crashing command: tracefs as found")
    with open(os.path.join(tmp, "crash.dat"), "rb") as f:
        blob = f.read()
    t.ok(b"kstep" in blob, "crashing command: the trace is written")
    info = kstepjson.info(os.path.join(tmp, "crash.dat"))
    t.eq(info["traced"].get("exit_signal"), signal.SIGSEGV, "crashing command: its signal is recorded")

    # two recordings at once, each in its own instance and probe group
    procs = [subprocess.Popen([live.KSTEP, "record", "-q", "-o", os.path.join(tmp, "c%d.dat" % i), "--plan",
                               "socket", "--", live.prog("sleeper"), "1"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE) for i in range(2)]
    rcs = [pr.wait(timeout=60) for pr in procs]
    t.eq(rcs, [0, 0], "two recordings at once both succeed")
    t.eq(live.diff(base, live.snapshot()), [], "two recordings at once: tracefs as found")
    for i in range(2):
        info = kstepjson.info(os.path.join(tmp, "c%d.dat" % i))
        t.eq(info["events"].get("syscalls:sys_enter_socket"), 1,
             "concurrent recording %d holds only its own command's socket()" % i)

    # SIGKILL: nothing can clean up then; --cleanup removes what is left, and only that
    proc = subprocess.Popen([live.KSTEP, "record", "-q", "-o", os.path.join(tmp, "k.dat"), "--plan",
                             "socket", "--", live.prog("sleeper"), "30"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    # killed while it traces: once the command runs, kstep's instance is in place
    select.select([proc.stdout], [], [], 60)
    proc.kill()
    proc.wait()
    left = live.diff(base, live.snapshot())
    t.ok(any("kstep-%d" % proc.pid in line for line in left), "SIGKILL: kstep's instance is left", left)
    subprocess.run(["pkill", "-f", live.prog("sleeper") + " 30"])
    rc, out, _ = kstepjson.run("record", "--cleanup", check=False)
    t.ok(rc == 0, "kstep record --cleanup succeeds", out)
    t.eq(live.diff(base, live.snapshot()), [], "--cleanup: tracefs as found, foreign state kept")
finally:
    unplant()
t.done()
