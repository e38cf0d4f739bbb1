/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * objstate.h - object state as the step log shows it: the plan's BTF object
 * reads on a step, grouped by object, each field against what the log saw
 * of that object before ("sk NULL → 0x…"), or the whole object where the
 * log sees it first (new when the log saw it allocated). The layouts come
 * from the file (objects.h); what lasts across steps is one bounded table.
 */
#ifndef KSTEP_OBJSTATE_H
#define KSTEP_OBJSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain.h"
#include "ksyms.h"
#include "load.h"
#include "util.h"

/* One field of an object read at a step. */
struct kstep_objfd {
	const char *name;		/* sk_state */
	const struct kstep_val *v;	/* the read itself (raw value, derivation) */
	const char *now;		/* as the kernel's types say: "7 TCP_CLOSE", "NULL" */
	const char *was;		/* the value the log saw before, or NULL: not seen */
	bool changed;
	bool fresh;			/* the log had not seen this field of the object */
};

/* One object read at a step. */
struct kstep_objdelta {
	const char *type;		/* its struct */
	const struct kstep_val *addr;	/* its address as read (with its derivation) */
	int since;			/* the step that last saw it; 0: seen first here */
	int born;			/* the step that allocated it, 0: not seen allocated */
	unsigned nf;
	unsigned nchanged;
	unsigned nfresh;
	unsigned nunread;		/* fields the probe could not read */
	bool none;			/* no object at addr (NULL, an error pointer): nothing read */
	struct kstep_objfd *f;
};

struct kstep_objstate;

/*
 * Returns the object state of the file's plan (its layouts), or NULL when
 * the file holds no object reads. ks names pointers to kernel symbols.
 * Free with kstep_objstate_free.
 */
struct kstep_objstate *kstep_objstate_new(const struct kstep_dat *dat, const struct kstep_ksyms *ks);
void kstep_objstate_free(struct kstep_objstate *os);
/* Sets v->obj when v is one of the plan's object reads (its address or a field). */
void kstep_objstate_mark(const struct kstep_objstate *os, struct kstep_val *v);
/* Returns true when no object can be at address a: the NULL page or an error pointer (-MAX_ERRNO..-1). */
bool kstep_objstate_bad_addr(uint64_t a);
/* Returns how many objects the table forgot when it was full (their next reads say "first seen"). */
uint64_t kstep_objstate_forgotten(const struct kstep_objstate *os);
/* Returns the name of the value holding the object that field read name belongs to, or NULL. */
const char *kstep_objstate_base(const struct kstep_objstate *os, const char *name);
/* The log saw an allocation at addr at step: a later read there is a new object. */
void kstep_objstate_born(struct kstep_objstate *os, uint64_t addr, int step);
/*
 * The objects read among vals (those of n that `here` accepts), seen at step
 * number step: returns how many, with *out (in arena a, lasting as long as
 * the step's strings) holding them; the table remembers what they hold now.
 */
size_t kstep_objstate_read(struct kstep_objstate *os, const struct kstep_node *n, int step,
			   bool (*here)(const void *ctx, const struct kstep_val *v), const void *ctx,
			   struct kstep_arena *a, struct kstep_objdelta **out);

#endif
