#!/usr/bin/env python3
"""run-fuzz.py - runs kstep's libFuzzer targets (tests/fuzz/README).

  run-fuzz.py --build DIR --src DIR [--seconds N] [--jobs J] [--smoke] [--tap] TARGET...

TARGET is dat, plan or claims. Each target runs N seconds in libFuzzer's fork mode
(J worker processes), over its corpus, the seeds made from fixtures/*.dat and
plugins/plans and the claims files of tests/golden/verify, and the regression inputs of tests/fuzz/regress. Crashes do
not stop the run: each one is kept under DIR/tests/fuzz/artifacts/TARGET and
matched afterwards against the known defects (tests/fuzz/known/*.note); a
crash that matches none is a new defect and fails the run. At the end every
input of the corpus runs once more, timed, for the slowest run.

--smoke: a fresh corpus in a temporary directory (a CI check: `./run-tests`).
--tap: TAP output (the smoke test). Exit status 1 when a new defect, a run
over 10 s or over the memory budget showed up.
"""
import argparse
import glob
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

TIMEOUT_S = 10        # a run over this is a defect (libFuzzer -timeout)
RSS_MB = 2048         # the memory budget (libFuzzer -rss_limit_mb and -malloc_limit_mb)
TARGETS = {
    "dat": {"prog": "fuzz-dat", "dict": "dat.dict", "regress": ("*.dat",), "max_len": 0},
    "plan": {"prog": "fuzz-plan", "dict": "plan.dict", "regress": ("*.plan",), "max_len": 4096},
    "claims": {"prog": "fuzz-claims", "dict": "claims.dict", "regress": ("*.claims",), "max_len": 4096},
}


def log(msg):
    print(msg if not ARGS.tap else "# " + msg.replace("\n", "\n# "))
    sys.stdout.flush()


class Tap:
    n = 0
    failed = 0

    def ok(self, cond, name, diag=""):
        self.n += 1
        if not cond:
            self.failed += 1
        if ARGS.tap:
            print("%s %d - %s" % ("ok" if cond else "not ok", self.n, name))
            for line in diag.splitlines():
                print("#   " + line)
        else:
            print("%s: %s%s" % ("PASS" if cond else "FAIL", name, ("\n  " + diag.replace("\n", "\n  ")) if diag and not cond else ""))
        sys.stdout.flush()
        return cond


def sanitizer_env(src):
    env = dict(os.environ)
    # malloc_context_size: libtraceevent's parser recurses, and a leak deep in
    # it must still show tep_parse_event for lsan.supp to match it
    env["ASAN_OPTIONS"] = "detect_leaks=1:symbolize=1:malloc_context_size=255"
    env["UBSAN_OPTIONS"] = "halt_on_error=1:print_stacktrace=1"
    env["LSAN_OPTIONS"] = "suppressions=" + os.path.join(src, "tests/fuzz/lsan.supp")
    env.pop("DEBUGINFOD_URLS", None)
    return env


def make_seeds(build, src, name):
    """The seed corpus: small trace.dat files cut from the fixtures by cutdat
    (v6, v7 uncompressed, v7 zstd; the first page of each CPU), or the
    built-in plans."""
    out = os.path.join(build, "tests/fuzz/seeds", name)
    if name == "claims":
        os.makedirs(out, exist_ok=True)
        for p in glob.glob(os.path.join(src, "tests/golden/verify/*.claims")):
            shutil.copy(p, out)
        return out
    if name == "plan":
        os.makedirs(out, exist_ok=True)
        for p in glob.glob(os.path.join(src, "plugins/plans/*.plan")) + [os.path.join(src, "tests/vm/fprobe.plan")]:
            shutil.copy(p, out)
        return out
    cutdat = os.path.join(build, "tests/fuzz/cutdat")
    stamp = os.path.join(out, ".made")
    if os.path.exists(stamp) and os.path.getmtime(stamp) >= os.path.getmtime(cutdat):
        return out
    # plus the committed seeds: a fixture annotated with its DWARF facts (kstep annotate, cut)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    for f in sorted(glob.glob(os.path.join(src, "fixtures/*.dat"))):
        base = os.path.basename(f)[:-4]
        for ver, comp in (("6", "none"), ("7", "none"), ("7", "zstd")):
            dst = os.path.join(out, "%s.v%s-%s.dat" % (base, ver, comp))
            r = subprocess.run([cutdat, f, dst, ver, comp, "1"], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, env=sanitizer_env(src))
            if r.returncode:
                log("cutdat %s: %s" % (base, r.stdout.strip()[:300]))
    for f in glob.glob(os.path.join(src, "tests/fuzz/seeds/*.dat")):
        shutil.copy(f, out)
    open(stamp, "w").close()
    return out


def regress_inputs(build, src, name):
    out = os.path.join(build, "tests/fuzz/regress-inputs", name)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    for pat in TARGETS[name]["regress"]:
        for f in glob.glob(os.path.join(src, "tests/fuzz/regress", pat)):
            shutil.copy(f, out)
    return out


def known_signatures(src):
    """(name, regex) of each known defect: the 'signature:' line of its note."""
    sigs = []
    for note in sorted(glob.glob(os.path.join(src, "tests/fuzz/known/*.note"))):
        with open(note) as f:
            for line in f:
                if line.startswith("signature:"):
                    sigs.append((os.path.basename(note)[:-5], re.compile(line.split(":", 1)[1].strip())))
    return sigs


def report_of(prog, path, env):
    """The sanitizer or libFuzzer report of one input, run alone."""
    try:
        r = subprocess.run([prog, "-close_fd_mask=3", "-timeout=%d" % TIMEOUT_S, "-rss_limit_mb=%d" % RSS_MB,
                            "-malloc_limit_mb=%d" % RSS_MB, path], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, errors="replace", env=env, timeout=120)
        return r.returncode, r.stdout
    except subprocess.TimeoutExpired:
        return -1, "run-fuzz: the input ran over 120 s alone"


def first_lines(report):
    keep = [l for l in report.splitlines()
            if re.search(r"ERROR:|runtime error:|SUMMARY:|^\s+#\d+ 0x.* in (?!__|fuzzer::|LLVMFuzzer|kstep_x)", l)]
    return "\n".join(keep[:8])


def classify(prog, arts, env, sigs):
    """Each artifact: (path, known defect name or None, report excerpt)."""
    out = []
    for a in arts:
        rc, rep = report_of(prog, a, env)
        if rc == 0 and not re.search(r"ERROR:|runtime error", rep):
            out.append((a, "no longer reproduces", ""))
            continue
        name = next((n for n, rx in sigs if rx.search(rep)), None)
        out.append((a, name, first_lines(rep)))
    return out


def slowest(prog, dirs, env):
    """Runs every input once, timed; returns (ms, path) of the slowest, the
    number of inputs and the peak RSS (MB) of the processes running them."""
    files = []
    for d in dirs:
        files += [os.path.join(d, f) for f in os.listdir(d) if not f.startswith(".")]
    worst, rss = (0, ""), 0
    env = dict(env)
    # the time of the run, not of a leak check symbolizing suppressed leaks
    env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
    for i in range(0, len(files), 200):
        r = subprocess.run([prog, "-close_fd_mask=3", "-runs=1", "-print_final_stats=1", "-timeout=%d" % TIMEOUT_S]
                           + files[i:i + 200], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           errors="replace", env=env)
        for m in re.finditer(r"Executed (\S+) in (\d+) ms", r.stdout):
            if int(m.group(2)) > worst[0]:
                worst = (int(m.group(2)), m.group(1))
        for m in re.finditer(r"stat::peak_rss_mb:\s+(\d+)", r.stdout):
            rss = max(rss, int(m.group(1)))
    return worst, len(files), rss


def run_target(tap, name, build, src, sigs):
    t = TARGETS[name]
    prog = os.path.join(build, "tests/fuzz", t["prog"])
    fz = os.path.join(build, "tests/fuzz")
    if not os.access(prog, os.X_OK):
        tap.ok(False, "%s: %s is built" % (name, prog), "configure CC=clang --enable-fuzzing and make check")
        return
    env = sanitizer_env(src)
    seeds = make_seeds(build, src, name)
    regress = regress_inputs(build, src, name)
    tmp = None
    if ARGS.smoke:
        tmp = tempfile.mkdtemp(prefix="kstep-fuzz-")
        corpus, arts = os.path.join(tmp, "corpus"), os.path.join(tmp, "artifacts")
    else:
        corpus, arts = os.path.join(fz, "corpus", name), os.path.join(fz, "artifacts", name)
    os.makedirs(corpus, exist_ok=True)
    os.makedirs(arts, exist_ok=True)
    before = set(os.listdir(arts))
    logpath = os.path.join(tmp or fz, "%s.log" % name)
    cmd = [prog, "-fork=%d" % ARGS.jobs, "-ignore_crashes=1", "-ignore_ooms=1", "-ignore_timeouts=1",
           "-max_total_time=%d" % ARGS.seconds, "-timeout=%d" % TIMEOUT_S, "-rss_limit_mb=%d" % RSS_MB,
           "-malloc_limit_mb=%d" % RSS_MB, "-close_fd_mask=3", "-dict=" + os.path.join(src, "tests/fuzz", t["dict"]),
           "-artifact_prefix=" + arts + "/"]
    if t["max_len"]:
        cmd.append("-max_len=%d" % t["max_len"])
    cmd += [corpus, seeds, regress]
    log("%s: %s" % (name, " ".join(cmd)))
    start = time.time()
    with open(logpath, "w") as lf:
        rc = subprocess.run(cmd, stdout=lf, stderr=subprocess.STDOUT, env=env,
                            timeout=ARGS.seconds + 600).returncode
    took = time.time() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    with open(logpath, errors="replace") as lf:
        text = lf.read()
    stats = re.findall(r"#(\d+): cov: (\d+) ft: (\d+) corp: (\d+) exec/s:? (\d+) oom/timeout/crash: (\d+)/(\d+)/(\d+) "
                       r"time: (\d+)s job: (\d+)", text)
    execs = cov = ft = corp = 0
    if stats:
        execs, cov, ft, corp = (int(x) for x in stats[-1][:4])
    new = sorted(os.path.join(arts, a) for a in set(os.listdir(arts)) - before)
    found = classify(prog, new, env, sigs)
    worst, nfiles, replay_mb = slowest(prog, [corpus, seeds, regress], env)
    log("%s: %d s on %d process(es): %d executions (%d/s), coverage %d edges, %d features, corpus %d inputs"
        % (name, took, ARGS.jobs, execs, execs / max(took, 1), cov, ft, corp))
    log("%s: slowest of the %d corpus inputs run again alone: %d ms (%s); peak RSS running them: %d MB"
        % (name, nfiles, worst[0], os.path.basename(worst[1]), replay_mb))
    log("%s: peak RSS of any process run so far: %d MB (a process stopped at -rss_limit_mb=%d or "
        "-malloc_limit_mb leaves an oom artifact, listed below)" % (name, peak_mb, RSS_MB))
    newdefects = [f for f in found if f[1] is None]
    for a, kn, rep in found:
        log("%s: artifact %s: %s" % (name, os.path.basename(a), kn or "NEW DEFECT"))
        if kn is None:
            log(rep)
    tap.ok(rc == 0 and execs > 0, "%s: libFuzzer ran %d s (%d executions)" % (name, ARGS.seconds, execs),
           text[-2000:] if rc or not execs else "")
    tap.ok(not newdefects, "%s: no crash, leak, timeout or out-of-memory outside the known defects" % name,
           "\n".join("%s\n%s" % (os.path.basename(a), rep) for a, _, rep in newdefects))
    tap.ok(worst[0] < TIMEOUT_S * 1000, "%s: every corpus input runs in under %d s (slowest %d ms)"
           % (name, TIMEOUT_S, worst[0]))
    # a process over the budget is stopped by libFuzzer and leaves an oom artifact, judged above
    tap.ok(0 < replay_mb < RSS_MB, "%s: the corpus runs within the %d MB budget (peak RSS %d MB)"
           % (name, RSS_MB, replay_mb))
    if tmp:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", required=True)
    ap.add_argument("--src", required=True)
    ap.add_argument("--seconds", type=int, default=900)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--tap", action="store_true")
    ap.add_argument("targets", nargs="*", default=["dat", "plan", "claims"])
    ARGS = ap.parse_args()
    tap = Tap()
    sigs = known_signatures(ARGS.src)
    for name in ARGS.targets:
        if name not in TARGETS:
            tap.ok(False, "target %s exists (dat, plan, claims)" % name)
            continue
        run_target(tap, name, os.path.abspath(ARGS.build), os.path.abspath(ARGS.src), sigs)
    if ARGS.tap:
        print("1..%d" % tap.n)
    return 1 if tap.failed else 0


ARGS = None
if __name__ == "__main__":
    sys.exit(main())
