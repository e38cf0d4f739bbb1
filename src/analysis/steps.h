/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * steps.h - the numbered step log made from a call tree: which nodes are
 * steps (noise hidden and summed into the parent, never dropped), their
 * numbers in true order, each value decoded and accounted for (produced
 * here, from step #N, a kernel symbol, or underived), and the footer.
 */
#ifndef KSTEP_STEPS_H
#define KSTEP_STEPS_H

#include <stdbool.h>
#include <stdint.h>

#include "chain.h"
#include "fetches.h"
#include "gaps.h"
#include "objstate.h"
#include "select.h"
#include "session.h"

/*
 * --steps N: which steps of the full log a view keeps, by their number in
 * the full log (keep.h makes one from a first build; the step builder only
 * asks, so it depends on no chooser).
 */
struct kstep_steps_fold {
	const void *ctx;
	bool (*kept)(const void *ctx, int full);	/* is step full shown? */
	int (*span)(const void *ctx, int full);		/* steps in its subtree, its return step included */
	bool (*has_ret)(const void *ctx, int full);	/* does call full have a return step? */
};

struct kstep_steps_opts {
	const char **hide;	/* --hide globs */
	size_t nhide;
	int depth;		/* --depth: 0 = no limit */
	bool all;		/* --all: no default hide list, interrupts and probe machinery expanded */
	const struct kstep_gaps *gaps;	/* what DWARF filled in, or NULL */
	const struct kstep_fetches *fetches;	/* what each probe field fetched (the applied plan), or NULL */
	const struct kstep_steps_fold *keep;	/* --steps N: fold every step it does not keep, or NULL */
	int budget;		/* --steps N: at most N steps, 0: no limit */
};

/* Frees what the options hold (the --hide list). */
void kstep_steps_opts_free(struct kstep_steps_opts *o);

struct kstep_step {
	int n;			/* 1-based */
	int full;		/* its number in the full log (differs from n under --steps) */
	int depth;		/* 0 = top */
	int parent;		/* step number of the shown parent, 0 = none */
	struct kstep_node *node;
	uint32_t hidden_count;	/* calls hidden under this step */
	uint64_t hidden_ns;	/* their time */
	const char *caller;	/* who called it (or where it happened); a return step: where it resumed */
	bool ret;		/* a return step: the call node returned here, after its last step */
	int call;		/* a return step: the call's step number */
	struct kstep_objdelta *objs;	/* the objects read at this step, against what was seen before */
	unsigned nobjs;
};

/* One line of the footer, optionally about a step. */
struct kstep_note {
	int step;		/* 0: about the whole log */
	const char *text;
};

/*
 * Where a log comes from, as the views show it: filled by the pipeline from
 * the file and the selection, so that no view reads the container.
 */
struct kstep_log_header {
	const char *path;
	int version;			/* trace.dat version */
	const char *compression;
	const char *uname;		/* NULL: not recorded */
	const char *build_id;		/* the kernel's, hex; NULL: not recorded */
	const char *clock;		/* NULL: unknown */
	const char *recorder;
	unsigned cpus;
	uint64_t records;		/* in the whole file */
	int pid;
	const char *comm;
	const char *how;		/* why this task */
	const char *action;		/* the window chosen */
	uint64_t from, to;		/* to: UINT64_MAX = to the end */
	const char **event_names;	/* "system:name" of every event with records */
	const uint64_t *event_counts;
	size_t nevents;
	const struct kstep_ksyms *ks;	/* kernel symbols, for stack frames */
	int budget;			/* --steps N, 0: the full log */
	int budget_shown, budget_full;	/* --steps: the steps shown, and the full log's */
};

struct kstep_steps_state;
struct kstep_defs;
struct kstep_lookups;

/*
 * The step log. It streams: kstep_steps_add makes the steps of one finished
 * subtree (v[0..n) then holds only those, numbered on from the earlier
 * ones), kstep_steps_end writes the footer. What lasts across subtrees is
 * bounded: the producer table (evicting its oldest entries, counted and
 * said), the footer's notes and counters.
 */
struct kstep_steps {
	struct kstep_step *v;
	size_t n;
	int total;			/* steps numbered so far */
	struct kstep_vec underived;	/* struct kstep_note */
	struct kstep_vec lost;		/* lost events */
	struct kstep_vec missing;	/* missing data: damage, calls without entry or exit */
	struct kstep_vec gaps;		/* known gaps: what the trace cannot show */
	unsigned sources;
	uint64_t hidden_total;
	int folded;			/* --steps: steps of the full log folded into kept ones */
	bool pass;
	struct kstep_arena arena;	/* the notes' text */
	struct kstep_defs *defs;	/* the constants' definitions (defs.h); NULL without a file */
	struct kstep_lookups *lookups;	/* the plan's lookups (lookups.h); NULL when none */
	struct kstep_steps_state *x;	/* the builder's own state */
};

/*
 * Returns an empty step log of the selection (s NULL for a chain fed by hand,
 * unit tests: no losses, no kallsyms); o must outlive it. Free with
 * kstep_steps_free.
 */
struct kstep_steps *kstep_steps_new(const struct kstep_session *s, const struct kstep_selection *sel,
				    const struct kstep_steps_opts *o);
/*
 * Makes the steps of top, a subtree kstep_chain_take handed out, with its
 * values decoded and derived: st->v[0..st->n) are those steps until the next
 * call (the previous ones are dropped).
 */
void kstep_steps_add(struct kstep_steps *st, struct kstep_node *top);
/* Writes the footer once every subtree was added; c is the finished chain. */
void kstep_steps_end(struct kstep_steps *st, const struct kstep_chain *c);

/*
 * The whole log at once (unit tests, diff): takes every subtree of chain c
 * (finished) and keeps all steps in st->v. Returns the steps; the caller
 * frees them with kstep_steps_free.
 */
struct kstep_steps *kstep_steps_build(struct kstep_chain *c, const struct kstep_session *s,
				      const struct kstep_selection *sel,
				      const struct kstep_steps_opts *o);
void kstep_steps_free(struct kstep_steps *st);

/* Formatting shared by the renderers */

/* Writes the raw value as the kernel stored it (decimal, signed or 0x hex, or the string). */
void kstep_val_raw(const struct kstep_val *v, char *out, size_t len);
/* Returns the errno name when v is a negative errno return, else NULL. */
const char *kstep_val_errno(const struct kstep_val *v);
/* Returns true when v looks like a kernel or user address. */
bool kstep_val_pointer(const struct kstep_val *v);
/* Returns what the step is ("call", "syscall", "event", "frame", "interrupt", "off-cpu", "return"). */
const char *kstep_step_kind(const struct kstep_step *st);
/*
 * Returns true when step st shows v: a return step its node's return-probe
 * values, a call its inputs (and its outputs when it has no return step).
 */
bool kstep_step_val_here(const struct kstep_step *st, const struct kstep_val *v);
/*
 * What a step says as a fact: observed; derived (every value it shows cites
 * an earlier step or names a kernel symbol, or the step itself is inferred);
 * or failed (an errno, an underived, ambiguous or unreadable value, a call
 * without its entry or return, or, with errno_before, a program's -1 after
 * a system call of the log failed).
 */
enum kstep_mark {
	KSTEP_MARK_OBSERVED = 0,
	KSTEP_MARK_DERIVED,
	KSTEP_MARK_FAILED,
};
enum kstep_mark kstep_step_mark(const struct kstep_step *st, bool errno_before);
/*
 * A system call step's registers as the CPU held them, by the ABI of the
 * machine uname names (plugins/abi.tbl): "rax=41 rdi=0x2 rsi=0x1 rdx=0x0" at
 * entry, "rax=3" where the return is shown. Appends them to b and returns
 * true on a system call step (an architecture kstep does not know is said,
 * "unknown: ..."); returns false on any other step.
 */
struct kstep_sbuf;
bool kstep_step_regs(const char *uname, const struct kstep_step *st, struct kstep_sbuf *b);
/*
 * A system call's way in, from the stack taken at its entry and the calls
 * under it: "entry_SYSCALL_64_after_hwframe → do_syscall_64 →
 * x64_sys_call(nr=41) switch → __x64_sys_socket" (the dispatch as probed,
 * else as kallsyms shows the kernel does it). Appends it to b and returns
 * true on a system call's entry step ("not recorded: ..." without a stack);
 * false on any other step. ks: kallsyms, for the frames' names.
 */
struct kstep_ksyms;
bool kstep_step_entry(const struct kstep_ksyms *ks, const struct kstep_step *st, bool ascii,
		      struct kstep_sbuf *b);
/* Returns true when the value is shown among the step's values (not internal). */
bool kstep_val_shown(const struct kstep_val *v);
/*
 * Returns true when the step st shows its node's return value: a return
 * step, or a call whose return has no step of its own (nothing shown inside).
 */
bool kstep_step_shows_ret(const struct kstep_step *st);

#endif
