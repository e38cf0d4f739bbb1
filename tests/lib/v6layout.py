"""v6layout.py - where each section of a v6 trace.dat starts, read
independently of kstep from trace-cmd.dat(5), so the bad-input tests can
damage the right place. Little-endian files only (every fixture)."""
import struct


def v6_layout(d):
    """Offsets of a v6 file's sections: ftrace, events, kallsyms (and
    kallsyms_size), printk, cmdlines, ncpu, options, table (the flyrecord's
    CPU table) and cpus [(offset, size)]."""
    lay = {}
    p = d.index(b"\0", 10) + 1           # version string
    p += 1 + 1 + 4                       # endian, long size, page size
    for name in (b"header_page\0", b"header_event\0"):
        assert d[p:p + len(name)] == name
        p += len(name)
        (n,) = struct.unpack_from("<Q", d, p)
        p += 8 + n
    lay["ftrace"] = p
    (n,) = struct.unpack_from("<I", d, p)
    p += 4
    for _ in range(n):
        (sz,) = struct.unpack_from("<Q", d, p)
        p += 8 + sz
    lay["events"] = p
    (nsys,) = struct.unpack_from("<I", d, p)
    p += 4
    for _ in range(nsys):
        p = d.index(b"\0", p) + 1
        (n,) = struct.unpack_from("<I", d, p)
        p += 4
        for _ in range(n):
            (sz,) = struct.unpack_from("<Q", d, p)
            p += 8 + sz
    lay["kallsyms"] = p
    (n,) = struct.unpack_from("<I", d, p)
    lay["kallsyms_size"] = n
    p += 4 + n
    lay["printk"] = p
    (n,) = struct.unpack_from("<I", d, p)
    p += 4 + n
    lay["cmdlines"] = p
    (n,) = struct.unpack_from("<Q", d, p)
    p += 8 + n
    lay["ncpu"] = p
    (ncpu,) = struct.unpack_from("<I", d, p)
    lay["options"] = p + 4
    fly = d.index(b"flyrecord\0", p)
    lay["table"] = fly + 10
    lay["cpus"] = [struct.unpack_from("<QQ", d, fly + 10 + 16 * i) for i in range(ncpu)]
    return lay
