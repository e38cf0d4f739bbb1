/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * objects.h - the kernel objects a trace saw: each by address and type, its
 * fields at every observation (a plan's BTF object reads, decoded with the
 * layouts stored in the file; allocations and socket-state events where
 * kprobes were refused), and the links between them (a pointer field that
 * holds another seen object's address).
 */
#ifndef KSTEP_OBJECTS_H
#define KSTEP_OBJECTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ksyms.h"
#include "load.h"
#include "util.h"

/* How a field's value is shown. */
enum kstep_objkind {
	KSTEP_OBJ_INT,		/* signed decimal */
	KSTEP_OBJ_UINT,		/* unsigned decimal */
	KSTEP_OBJ_ENUM,		/* number and enumerator */
	KSTEP_OBJ_PTR,		/* address: NULL, a kernel symbol, or another object */
	KSTEP_OBJ_STR,		/* a string an event carried */
};

/* One field as the recording kernel laid it out. */
struct kstep_objfield {
	const char *name;	/* sk_state */
	const char *arg;	/* the event field holding it */
	enum kstep_objkind kind;
	unsigned size;		/* bytes */
	const char *type;	/* the enum's or the pointee struct's name, or NULL */
	unsigned bitoff;	/* in its struct, as BTF said (0 for event fields) */
};

/* What one event reads: an object at its base argument. */
struct kstep_objlayout {
	const char *event;	/* the probe's event name */
	const char *base;	/* the event field holding the object's address */
	const char *sname;	/* its struct; NULL: from the string field typefield */
	const char *typefield;	/* kmem: the cache name */
	const char *func;	/* where it is read */
	bool ret;		/* at the function's return */
	bool fromevent;		/* an event's own fields, not a BTF read */
	struct kstep_objfield *f;
	size_t nf;
};

/* One observation: the object's fields at one moment. */
struct kstep_obs {
	uint64_t ts;
	int step;		/* the step it belongs to, 0: none known */
	const struct kstep_objlayout *lay;
	const char *type;	/* struct or cache name */
	uint64_t addr;
	uint64_t *val;		/* lay->nf values */
	const char **str;	/* lay->nf strings (KSTEP_OBJ_STR), or NULL */
};

struct kstep_objects {
	struct kstep_vec layouts;	/* struct kstep_objlayout */
	struct kstep_vec enums;		/* struct kstep_objenum */
	struct kstep_vec obs;		/* struct kstep_obs, in time order */
	struct kstep_vec gaps;		/* const char *: what could not be read here */
	struct kstep_arena arena;
	const struct kstep_ksyms *ks;	/* the file's kallsyms, or NULL */
	struct kstep_load *ld;		/* the open file (its kallsyms live there) */
	bool btf;			/* the file has BTF object reads */
	uint64_t dropped;		/* observations over the cap */
};

/*
 * Reads every observation of pid (0: every task) from time from to to
 * (inclusive) in path. Returns 0, or -1 with err set (unreadable file). Free
 * with kstep_objects_free.
 */
int kstep_objects_load(struct kstep_objects *o, const char *path, int pid, uint64_t from, uint64_t to, char *err,
		       size_t errlen);
void kstep_objects_free(struct kstep_objects *o);
/*
 * Only the layouts of the plan's BTF object reads stored in dat (no event is
 * read), with ks for symbol names: what the step log needs to show the reads
 * as objects. Returns 0, or -1 when the file has none (o is still freeable).
 */
int kstep_objects_layouts(struct kstep_objects *o, const struct kstep_dat *dat, const struct kstep_ksyms *ks);

/* Returns the enumerator name of value in the enum type, or NULL. */
const char *kstep_objects_enum(const struct kstep_objects *o, const char *type, int64_t value);
/*
 * Writes a field's value as the kernel's types say: "7 TCP_CLOSE", "NULL",
 * "0xffffffff82a3c8c0 inet_stream_ops", "0xffff8880... (sock)".
 */
void kstep_objects_value(const struct kstep_objects *o, const struct kstep_obs *ob, size_t i, char *out,
			 size_t len);
/* Returns v as field f holds it in the kernel: sign-extended or cut to its size. */
uint64_t kstep_objects_field_num(const struct kstep_objfield *f, uint64_t v);
/*
 * Appends to out (" AF_INET") what kstep's tables (plugins/fields.tbl) say
 * an integer field of struct l->sname means; family is the address family
 * the same read carries (-1: none), for protocol numbers. Returns whether
 * it appended anything.
 */
bool kstep_objects_decode_int(const struct kstep_objlayout *l, const struct kstep_objfield *f, uint64_t v,
			      long long family, char *out, size_t len);
/*
 * Writes value v of field f the same way; other names the type of another
 * object v points at (or NULL).
 */
void kstep_objects_format(const struct kstep_objects *o, const struct kstep_objfield *f, uint64_t v,
			  const char *other, char *out, size_t len);
/*
 * Returns the index of the last observation of an object at or before
 * observation `upto` (exclusive end), whose address is addr, or -1.
 */
long kstep_objects_last(const struct kstep_objects *o, uint64_t addr, size_t upto);

#endif
