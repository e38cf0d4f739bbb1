"""doc/steps.schema.json (JSON Schema draft 2020-12) validates the --format
json step log of every fixture: unfiltered, with --all, with --depth 3 and
with a producer hidden (citations of hidden producers). The schema forbids
undocumented fields, so the JSON and the document cannot drift apart."""
import glob
import json
import os
import sys

sys.path.insert(0, os.path.join(os.environ.get("TESTS_DIR", "tests"), "lib"))
import kstepjson  # noqa: E402
from tap import Tap, env  # noqa: E402

t = Tap()
try:
    import jsonschema
except ImportError:
    t.skip("schema", "python3-jsonschema is not installed")
    t.done()
FIX = env("FIXTURES")
SRC = os.path.dirname(os.path.abspath(FIX))
schema = json.load(open(os.path.join(SRC, "doc", "steps.schema.json")))
jsonschema.Draft202012Validator.check_schema(schema)
t.ok(True, "doc/steps.schema.json is a valid draft 2020-12 schema")
val = jsonschema.Draft202012Validator(schema)
for path in sorted(glob.glob(os.path.join(FIX, "*.dat"))):
    for args in ((), ("--all",), ("--depth", "3"), ("--hide", "sk_alloc"), ("--hide", "*alloc*")):
        _, out, _ = kstepjson.run("steps", "--no-dwarf", "--format", "json", *args, path)
        errs = ["%s: %s" % ("/".join(map(str, e.absolute_path)), e.message[:300])
                for e in val.iter_errors(json.loads(out))]
        t.eq(errs[:5], [], "%s %s: valid against the schema" % (os.path.basename(path), " ".join(args)))
t.done()
