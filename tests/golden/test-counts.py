"""Per event type, kstep counts what trace-cmd report -R counts, on every fixture."""
import glob
import os
import sys

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "golden"))
import kstepjson  # noqa: E402
import oracle  # noqa: E402
from tap import Tap, env  # noqa: E402

t = Tap()
fixtures = sorted(glob.glob(os.path.join(env("FIXTURES"), "*.dat")))
t.ok(len(fixtures) >= 5, "the fixtures are there", fixtures)
for path in fixtures:
    name = os.path.basename(path)
    want = oracle.event_counts(oracle.records(path))
    doc = kstepjson.info(path)
    got = {}
    for key, n in doc["events"].items():
        ev = key.split(":", 1)[1]
        got[ev] = got.get(ev, 0) + n
    t.eq(got, want, "%s: per-event counts equal trace-cmd report -R" % name)
    t.eq(doc["records"], sum(want.values()), "%s: record total" % name)
    t.eq(doc["lost_events"], 0, "%s: no lost events" % name)
    t.eq(doc["damage"], [], "%s: no damage" % name)
t.done()
