"""srcline.py - the independent oracle for source lines: what eu-addr2line -i
and binutils addr2line -i say of an address, and the return addresses of
calls as objdump disassembles them."""
import re
import subprocess


def short(loc):
    """file:line as addr2line prints it, without the column or discriminator."""
    m = re.match(r"(.*?):(\d+)(?::\d+)?(?: \(discriminator \d+\))?$", loc.strip())
    return "%s:%s" % (m.group(1), m.group(2)) if m else loc.strip()


def addr2line(tool, binary, addr):
    """[(function, file:line)] innermost first, as `tool -i -f` says."""
    p = subprocess.run([tool, "-i", "-f", "-e", binary, "0x%x" % addr], stdout=subprocess.PIPE, text=True)
    lines = [x for x in p.stdout.splitlines() if x.strip()]
    return [(lines[i].split()[0], short(lines[i + 1])) for i in range(0, len(lines) - 1, 2)]


def insns(binary, func):
    p = subprocess.run(["objdump", "-d", "--no-show-raw-insn", "--disassemble=" + func, binary],
                       stdout=subprocess.PIPE, text=True)
    return [ln for ln in p.stdout.splitlines() if re.match(r"^\s*[0-9a-f]+:\s", ln)]


def returns(binary, func, callee, op="call"):
    """Return addresses of each `call callee` in func; for a jmp, its own address + 1."""
    rows = insns(binary, func)
    out = []
    for i, ln in enumerate(rows):
        if re.search(r"\b%s\s+[0-9a-f]+ <%s>" % (op, re.escape(callee)), ln):
            if op != "call":
                out.append(int(ln.split(":")[0], 16) + 1)
            elif i + 1 < len(rows):
                out.append(int(rows[i + 1].split(":")[0], 16))
    return out
