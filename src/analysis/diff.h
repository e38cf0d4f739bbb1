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
 *
 * The trees are never whole in memory: every run of both sides is read in
 * lockstep (kstep_diff_stream), the runs of a side are merged a window of
 * top-level subtrees at a time, a window of each side's merged subtrees is
 * aligned, its aligned prefix is compared and freed, and what changed is
 * written to a temporary file as it is found, to be read back
 * (kstep_diff_next) once every run is read and everything the views show of
 * the sides is known.
 */
#ifndef KSTEP_DIFF_H
#define KSTEP_DIFF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "pipeline.h"
#include "session.h"
#include "steps.h"

/* One value of a call in a side's first run. */
struct kstep_dval {
	const char *name;
	const char *text;		/* as kstep steps prints it */
	/*
	 * Pointers: the call that produced it. from is valid only while that
	 * call's subtree is in memory (cite above the run's forgotten steps);
	 * from_step and from_name say it after: from_step 0 when the producer
	 * is not compared, -1 when it had been forgotten before this value came.
	 */
	struct kstep_dnode *from;
	const char *from_name;
	int from_step;
	int cite;			/* the step number the value cites (the producer's call or return) */
	uint8_t deriv;			/* enum kstep_deriv */
};

/* One call, syscall or event of a side, merged over its runs. */
struct kstep_dnode {
	struct kstep_dnode *parent, *child, *last, *next;
	const char *key;		/* the name compared: suffixes and renames normalised */
	const char *name;		/* the name as recorded */
	uint8_t kind;			/* enum kstep_node_kind */
	uint16_t run;			/* the run of the side it comes from (0: the first) */
	unsigned src;			/* enum kstep_src of all runs */
	unsigned present;		/* in how many runs of the side */
	int step;			/* its step number in its run */
	uint64_t *durs;			/* measured durations, one per run that has one */
	uint32_t ndur, capdur;
	struct kstep_dval *vals;
	uint32_t nvals;
	struct kstep_dval *ret;
	struct kstep_dnode *match;	/* the aligned node of the other side (while both are in memory) */
	int mstep;			/* match's step and run: what outlives it */
	uint16_t mrun;
	uint32_t calls;			/* nodes in its subtree, itself included */
	bool moved;			/* matched across parents or out of order */
};

struct kstep_dside {
	struct kstep_arena arena;	/* the header's strings; the trees are in the runs' slices */
	unsigned runs;			/* its files, opened by kstep_diff_stream */
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
	struct kstep_dstream *stream;	/* kstep_diff_stream: the runs being read */
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

/* What the views show of a node in a change: a copy, the trees are gone by then. */
struct kstep_dcnode {
	const char *name;
	int step;
	unsigned present;
	uint32_t calls;
	uint8_t kind;			/* enum kstep_node_kind */
	unsigned src;
	bool durs;			/* med, lo and hi are set */
	uint64_t med, lo, hi;
	const char **path;		/* the names from the top (the task left out) down to this one */
	unsigned npath;			/* at most the 256 nearest */
};

/* One change as the views read it (kstep_diff_next); valid until the next call. */
struct kstep_dchange {
	enum kstep_dchange_kind kind;
	const struct kstep_dcnode *a, *b;	/* either may be NULL */
	const char *what;		/* the argument's name, the reason... */
	char detail[256];		/* what a person reads */
	int64_t delta_ns;		/* KSTEP_DC_TIME: median B - median A */
	uint64_t med_a, med_b, lo_a, hi_a, lo_b, hi_b;
};

struct kstep_dreader;

struct kstep_diff {
	struct kstep_dside a, b;
	struct kstep_diff_opts o;
	FILE *spool;			/* the changes found, in tree order, to be read back */
	struct kstep_vec drafts;	/* the changes of the part being compared, not yet written */
	struct kstep_dreader *rd;
	unsigned structural, values, timing, not_compared;	/* set by kstep_diff_end */
};

/*
 * Starts a diff with options o: both sides initialised, and the temporary
 * file the changes go to. Returns 0, or -1 after printing one message.
 * Free with kstep_diff_free either way.
 */
int kstep_diff_init(struct kstep_diff *df, const struct kstep_diff_opts *o);
/* Frees both sides, the temporary file and what reading it held. */
void kstep_diff_free(struct kstep_diff *df);

/* One file of a side, read by kstep_diff_stream. */
struct kstep_dfile {
	const char *path;
	const struct kstep_pipeline_opts *po;	/* must outlive p */
	struct kstep_pipeline p;	/* opened by kstep_diff_stream; the caller closes it when open */
	bool open;
};

/*
 * Reads the files of both sides in lockstep: side A's are opened and read
 * up to a window first, then side B's (so a file too big for the memory
 * budget is named before the other side costs anything); each is run
 * (started, pumped, stopped) and the aligned parts compared and freed as
 * they come. Sets each side's header from its first file and its sources
 * (those every run of it has). The pipelines stay open (the first runs'
 * kallsyms are used until the diff is rendered): the caller closes each
 * one marked open. Returns 0, or -1 after printing one message.
 */
int kstep_diff_stream(struct kstep_diff *df, struct kstep_dfile *fa, unsigned na, struct kstep_dfile *fb,
		      unsigned nb);

/*
 * After every run: settles what depended on the sides' sources (a call on
 * one side only, or one the other side could not have recorded), counts the
 * changes and rewinds them for kstep_diff_next. Returns 0, or -1 after
 * printing one message (the temporary file could not be written or read).
 */
int kstep_diff_end(struct kstep_diff *df);
/* Starts reading the changes from the first again. */
void kstep_diff_rewind(struct kstep_diff *df);
/* Returns the next change in tree order (valid until the next call), or NULL at the end. */
const struct kstep_dchange *kstep_diff_next(struct kstep_diff *df);

/* Returns "a > b > c" for a change's node (the caller frees it). */
char *kstep_dcnode_path(const struct kstep_dcnode *n);
/* Returns the name of a kind of change as the views print it (static). */
const char *kstep_dchange_name(enum kstep_dchange_kind k);

#endif
