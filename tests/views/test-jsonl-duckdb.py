"""kstep steps/diff --format jsonl: one self-contained record per line, each
with the trace's identity, loaded by a query engine that is not kstep.
The jsonl of several fixtures goes into DuckDB (@duckdb/node-api from the
npm registry, installed at test time under $KSTEP_CACHE/npm); the query of
doc/query.md (per kernel release, the median duration of each function
called under __sys_socket) must give what kstep's text output shows for
the same traces (its time column, rounded as printed)."""
import json
import os
import re
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
from tap import Tap, env, tmpdir  # noqa: E402
import cache  # noqa: E402

KSTEP = env("KSTEP")
FIX = env("FIXTURES")
t = Tap()
FIXTURES = ["vm6.1-socket.kstep.dat", "vm6.12-socket.kstep.dat", "vm61-inet-stream-fg.dat",
            "vm61-inet-stream-fg-kprobes.dat", "host-socket.kstep.dat"]


def run(*args):
    p = subprocess.run([KSTEP, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return p.returncode, p.stdout, p.stderr


tmp = tmpdir("kstep-jsonl-")
jsonl = os.path.join(tmp, "steps.jsonl")
with open(jsonl, "w") as out:
    for name in FIXTURES:
        path = os.path.join(FIX, name)
        rc, o, e = run("steps", "--format", "jsonl", path)
        t.ok(rc == 0, "%s: jsonl exits 0" % name, e)
        lines = o.splitlines()
        recs = [json.loads(l) for l in lines]
        rc, j, e = run("steps", "--format", "json", path)
        doc = json.loads(j)
        t.eq(len(recs), len(doc["steps"]) + 1, "%s: one line per step and a footer line" % name)
        same = all(r["file"]["path"] == path and r["file"]["uname"] == doc["file"]["uname"]
                   and r["task"] == {"pid": doc["task"]["pid"], "comm": doc["task"]["comm"]} for r in recs)
        t.ok(same, "%s: every record carries the file, kernel and task" % name)
        rc, info, e = run("info", "--json", path)
        bid = json.loads(info).get("build_id")
        t.ok(all(r["file"]["build_id"] == bid for r in recs), "%s: every record carries the build-id %s" % (name, bid))
        rel = doc["file"]["uname"].split()[2] if doc["file"]["uname"] else None
        t.ok(all(r["file"]["release"] == rel for r in recs), "%s: release %s on every record" % (name, rel))
        steps = [r for r in recs if r["record"] == "step"]
        keys = [{k: v for k, v in r.items() if k not in ("record", "file", "task", "action")} for r in steps]
        t.ok(keys == doc["steps"], "%s: the records' step members are the JSON format's" % name)
        out.write(o)

# diff: one record per change, both sides' identity on each, the JSON format's change members.
a, b = os.path.join(FIX, "vm6.1-socket.kstep.dat"), os.path.join(FIX, "vm6.12-socket.kstep.dat")
rc, o, e = run("diff", "--format", "jsonl", a, b)
rcj, j, e2 = run("diff", "--format", "json", a, b)
recs = [json.loads(l) for l in o.splitlines()]
doc = json.loads(j)
t.eq(rc, rcj, "diff jsonl: the exit status of diff json (%d)" % rcj)
t.eq(len(recs), len(doc["changes"]) + 1, "diff jsonl: one line per change and a summary line")
t.ok(all(r["sides"] == {"a": doc["a"], "b": doc["b"]} and r["action"] == doc["action"] for r in recs),
     "diff jsonl: every record carries both sides (files, uname, build-id)")
t.ok([{k: v for k, v in r.items() if k not in ("record", "action", "sides")} for r in recs[:-1]] == doc["changes"],
     "diff jsonl: the records' change members are the JSON format's")
t.eq(recs[-1]["summary"], doc["summary"], "diff jsonl: the summary record")

# The oracle: kstep's text output, read as a person reads it.
UNIT = {"ns": 1, "µs": 1000, "us": 1000, "ms": 1000000, "s": 1000000000}


def text_children(path):
    """{(release, function): [(duration in ns as printed, one unit of its last digit: kstep truncates)]}
    of the functions called under __sys_socket."""
    rc, o, e = run("steps", path)
    lines = o.splitlines()
    rel = None
    for l in lines[:3]:
        m = re.search(r"· Linux \S+ (\S+)", l)
        if m:
            rel = m.group(1)
    head = next(i for i, l in enumerate(lines) if re.match(r"\s*#\s+step\s", l))
    h = lines[head]
    c_step = h.index(" step ") + 1
    out = {}
    parent = None
    for l in lines[head + 1:]:
        if not l.strip() or not re.match(r"\s*\d+\s", l):
            break
        # wide values push the later columns right: the name ends at two spaces, the time is read from the end
        rest = l[c_step:]
        depth = (len(rest) - len(rest.lstrip())) // 2
        name = rest.strip().split("  ")[0]
        if name == "__sys_socket()":
            parent = depth
            continue
        if parent is None:
            continue
        if depth <= parent:
            parent = None
            continue
        if depth != parent + 1:
            continue
        m = re.search(r"\s(\d+(?:\.\d+)?) (ns|µs|us|ms|s)\s+\S+\s+\S+(?:\s+\(\+[^)]*\))?\s*$", l)
        if not m:
            continue
        v, u = m.group(1), m.group(2)
        decimals = len(v.split(".")[1]) if "." in v else 0
        out.setdefault((rel, name[:-2]), []).append((float(v) * UNIT[u], UNIT[u] / 10 ** decimals))
    return out


want = {}
for name in FIXTURES:
    for k, v in text_children(os.path.join(FIX, name)).items():
        want.setdefault(k, []).extend(v)

QUERY = open(os.path.join(env("TESTS_DIR"), "..", "doc", "query.md")).read()
QUERY = QUERY[QUERY.index("```sql") + 6:]
QUERY = QUERY[:QUERY.index("```")].replace("'steps.jsonl'", "'%s'" % jsonl)


def duckdb_dir():
    """@duckdb/node-api installed once in the cache; None with the reason when npm cannot."""
    npm = subprocess.run(["sh", "-c", "command -v npm"], stdout=subprocess.PIPE, text=True).stdout.strip()
    if not npm:
        return None, "npm is not installed"
    entry = cache.path("npm", "duckdb-node-api")

    def build(tmpd):
        os.makedirs(tmpd)
        p = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefix", tmpd, "@duckdb/node-api"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
        if p.returncode:
            raise RuntimeError("npm install @duckdb/node-api failed: " + p.stdout[-300:])
    try:
        return cache.make(entry, build, ready=lambda e: os.path.isdir(os.path.join(e, "node_modules", "@duckdb",
                                                                                   "node-api"))), None
    except Exception as e:  # noqa: BLE001 - any failure to install is a reason to skip
        return None, str(e)[:300]


d, why = duckdb_dir()
if not d:
    t.skip("DuckDB: the cross-trace query of doc/query.md", why)
    t.done()
script = os.path.join(tmp, "q.mjs")
with open(script, "w") as f:
    f.write("""import { DuckDBInstance } from '%s';
const con = await (await DuckDBInstance.create(':memory:')).connect();
const r = await con.runAndReadAll(%s);
console.log(JSON.stringify(r.getRowObjectsJson()));
""" % (os.path.join(d, "node_modules", "@duckdb", "node-api", "lib", "index.js"), json.dumps(QUERY)))
p = subprocess.run(["node", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)
if not t.ok(p.returncode == 0, "DuckDB runs doc/query.md's query over %d traces" % len(FIXTURES), p.stderr[-2000:]):
    t.done()
rows = json.loads(p.stdout)
got = {(r["release"], r["function"]): float(r["median_ns"]) for r in rows}
t.eq(sorted(got), sorted(want), "DuckDB: the (release, function) pairs under __sys_socket are the text output's")
releases = sorted({k[0] for k in got})
t.ok(len(releases) >= 2, "DuckDB: more than one kernel release in one query (%s)" % ", ".join(releases))
bad = []
for k in sorted(set(got) & set(want)):
    vals = sorted(v for v, _ in want[k])
    tol = max(e for _, e in want[k])
    med = statistics.median(vals)
    if abs(got[k] - med) > tol + 0.5:
        bad.append((k, got[k], med, tol))
t.ok(not bad, "DuckDB: each median is the median of the text output's times (within their rounding)", repr(bad))
t.done()
