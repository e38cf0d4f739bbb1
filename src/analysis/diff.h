/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * diff.h - the same action compared across kernels, runs or machines: the
 * step logs of side A and side B become one call tree per side (several runs
 * of a side are merged into it, counting in how many runs each call
 * appears), the two trees are aligned by function name and position, and
 * what differs is listed: calls only on one side (or that one side could not
 * have recorded), calls that moved, renames, functions that became inlined
 * or out of line (kallsyms), return and argument values (pointers by the
 * step that produced them, never by address) and durations.
 */
#ifndef KSTEP_DIFF_H
#define KSTEP_DIFF_H

#include <stdbool.h>
#include <stdint.h>

#include "session.h"
#include "steps.h"

/* One value of a call in a side's first run. */
struct kstep_dval {
	const char *name;
	const char *text;		/* as kstep steps prints it */
	struct kstep_dnode *from;	/* the call that produced it (pointers) */
	uint8_t deriv;			/* enum kstep_deriv */
};

/* One call, syscall or event of a side, merged over its runs. */
struct kstep_dnode {
	struct kstep_dnode *parent, *child, *last, *next;
	const char *key;		/* the name compared: suffixes and renames normalised */
	const char *name;		/* the name as recorded */
	uint8_t kind;			/* enum kstep_node_kind */
	unsigned src;			/* enum kstep_src of all runs */
	unsigned present;		/* in how many runs of the side */
	int step;			/* its step number in the side's first run, 0 if absent there */
	uint64_t *durs;			/* measured durations, one per run that has one */
	uint32_t ndur, capdur;
	struct kstep_dval *vals;
	uint32_t nvals;
	struct kstep_dval *ret;
	struct kstep_dnode *match;	/* the aligned node of the other side */
	uint32_t calls;			/* nodes in its subtree, itself included */
	bool moved;			/* matched across parents or out of order */
};

struct kstep_dside {
	struct kstep_arena arena;
	struct kstep_dnode *root;
	unsigned runs;
	const char **files;
	char uname[256];
	char build_id[129];
	char plan[64];
	int plan_applied, plan_skipped;
	char recorder[128];
	char dwarf[1100];	/* the first run's DWARF: where it came from, or why none */
	unsigned sources;		/* sources every run of the side has */
	const char **probed;		/* functions with probe events in the files */
	size_t nprobed;
	const char **events;		/* events with records in the files */
	size_t nevents;
	const struct kstep_ksyms *ks;	/* kallsyms of the first run (its session owns them) */
	bool ks_zeroed;
};

struct kstep_diff_opts {
	bool irqs;			/* compare interrupt, softirq and scheduler work too */
	uint64_t min_delta;		/* report durations that changed by at least this (ns) */
};

enum kstep_dchange_kind {
	KSTEP_DC_ONLY_A = 0,		/* removed in B (comparable) */
	KSTEP_DC_ONLY_B,		/* new in B (comparable) */
	KSTEP_DC_MOVED,			/* another parent, or another place among its siblings */
	KSTEP_DC_RENAMED,
	KSTEP_DC_RETURN,
	KSTEP_DC_ARG,
	KSTEP_DC_TIME,
	KSTEP_DC_NOT_COMPARED,		/* on one side only, but the other could not record it */
	KSTEP_DC_INLINING,		/* DWARF: inlined on one side, a real call on the other */
};

struct kstep_dchange {
	enum kstep_dchange_kind kind;
	struct kstep_dnode *a, *b;	/* either may be NULL */
	const char *what;		/* the argument's name, the reason... */
	char detail[256];		/* what a person reads */
	int64_t delta_ns;		/* KSTEP_DC_TIME: median B - median A */
	uint64_t med_a, med_b, lo_a, hi_a, lo_b, hi_b;
};

struct kstep_diff {
	struct kstep_dside a, b;
	struct kstep_diff_opts o;
	struct kstep_vec changes;	/* struct kstep_dchange, in tree order */
	unsigned structural, values, timing, not_compared;
};

/* Starts a side; free with kstep_dside_free. */
void kstep_dside_init(struct kstep_dside *d);
void kstep_dside_free(struct kstep_dside *d);
/*
 * Adds one run (its steps, built from session s) to a side. The first run
 * also gives the side's header and kallsyms. Returns 0.
 */
int kstep_dside_add(struct kstep_dside *d, const struct kstep_steps *st, const struct kstep_session *s,
		    const struct kstep_selection *sel, const struct kstep_diff_opts *o, const char *path);

/*
 * The same, streaming: kstep_drun_new starts a run of side d (o must outlive
 * it), kstep_drun_steps adds the steps of one subtree (st->v[0..n)), and
 * kstep_dside_add_run adds the finished run (and frees r); sources are the
 * run's evidence sources. Returns 0.
 */
struct kstep_drun;
struct kstep_drun *kstep_drun_new(struct kstep_dside *d, const struct kstep_diff_opts *o);
void kstep_drun_steps(struct kstep_drun *r, const struct kstep_steps *st);
/* Drops a run that will not be added (its nodes stay in the side's arena). */
void kstep_drun_free(struct kstep_drun *r);
int kstep_dside_add_run(struct kstep_dside *d, struct kstep_drun *r, unsigned sources,
			const struct kstep_session *s, const struct kstep_selection *sel, const char *path);

/* Aligns the two sides and lists the changes into df->changes. */
void kstep_diff_run(struct kstep_diff *df);

/* Returns the next node in pre-order, or NULL. */
struct kstep_dnode *kstep_dnode_next_any(struct kstep_dnode *n);
/* Returns "a > b > c" for a node's path (the caller frees it). */
char *kstep_dnode_path(const struct kstep_dnode *n);
/* Median, lowest and highest measured duration of a node; false when none. */
bool kstep_dnode_durs(const struct kstep_dnode *n, uint64_t *med, uint64_t *lo, uint64_t *hi);
const char *kstep_dchange_name(enum kstep_dchange_kind k);

#endif
