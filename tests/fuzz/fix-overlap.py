"""Makes tests/fuzz/regress/print-fmt-fpe-reach.dat from print-fmt-fpe.dat:
the fuzzer's input gives both of its CPUs one data range, which the reader now
refuses (as overlap) before it parses the event formats, so the damaged print
fmt it was found for is never reached. This copy empties CPU 1's entry in the
v6 flyrecord CPU table (offset 0, size 0) and changes nothing else, so the
damaged ftrace:mmiotrace_rw print fmt ("R%sEC->map_id") is what the reader
meets. Run: python3 tests/fuzz/fix-overlap.py IN.dat OUT.dat"""
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from v6layout import v6_layout  # noqa: E402

src, dst = sys.argv[1], sys.argv[2]
d = bytearray(open(src, "rb").read())
lay = v6_layout(bytes(d))
cpus = lay["cpus"]
assert len(cpus) == 2 and cpus[0] == cpus[1], "expected two CPUs sharing one range: %s" % cpus
struct.pack_into("<QQ", d, lay["table"] + 16, 0, 0)
with open(dst, "wb") as f:
    f.write(d)
