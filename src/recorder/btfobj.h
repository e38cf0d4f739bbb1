/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * btfobj.h - struct fields read by name at a probe, resolved from the
 * recording kernel's BTF: offsets, sizes, signedness, enum names. The result
 * is a set of kprobe fetch arguments and the layout lines the analysis needs
 * to decode them without BTF (option 0x4b0c, doc/trace-dat-options.md).
 */
#ifndef KSTEP_BTFOBJ_H
#define KSTEP_BTFOBJ_H

#include <stdbool.h>
#include <stddef.h>

struct btf;

/* An object read: "PATH{FIELD[:ENUMERATOR],...}" at FUNC's entry or return. */
struct kstep_btfobj {
	char *fetch;	/* "NAME=FETCHARG:TYPE ..." for the probe */
	char *layout;	/* the option's lines for it (object, field, enum) */
	char sname[64];	/* the struct read */
};

/*
 * Resolves expr ("sock->sk{sk_state,sk_type}", "$retval{state,sk}") of func
 * against btf, at func's return when ret, for an fprobe/fexit event when
 * fprobe (arguments as $argN); event is the probe's event, prefix names the fetch arguments
 * (at most 12 characters).
 * Returns 0 with out filled (free with kstep_btfobj_free), or -1 with err
 * naming what BTF lacks (the function, an argument, "struct socket has no
 * field bogus").
 */
int kstep_btfobj_resolve(const struct btf *btf, const char *func, bool ret, bool fprobe, const char *expr,
			 const char *event, const char *prefix, struct kstep_btfobj *out, char *err, size_t errlen);
/*
 * Resolves a lookup the kernel makes in a global array, read at event (a
 * kprobe): spec is "NAME=SYMBOL[INDEX:LO..HI]" (an array of pointers) or
 * "NAME=SYMBOL[INDEX:LO..HI]:ELEM.MEMBER:STRUCT{FIELD,...}" (an array of
 * struct ELEM whose pointer MEMBER leads to a STRUCT, its FIELDs read).
 * func is the probed function. A fetch offset cannot depend on the index, so every element from LO to
 * HI is read ("__lk_NAME_I" and "__lk_NAME_I_FIELD", hidden values), and the
 * analysis takes the one INDEX (a value of the same event) names. Returns 0
 * with out filled (layout: the "lookup" line and the fields' lines of option
 * 0x4b0e), or -1 with err.
 */
int kstep_btfobj_lookup(const struct btf *btf, const char *func, const char *spec, const char *event,
			struct kstep_btfobj *out, char *err, size_t errlen);
void kstep_btfobj_free(struct kstep_btfobj *o);

#endif
