/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pipeline.h - the one analysis pipeline every analysis command runs:
 *
 *   open the file → select the task and window (pass 1) → records → facts →
 *   chain (pass 2, streaming) → DWARF facts → steps → view (a sink)
 *
 * The chain hands out each subtree of the task as soon as nothing can change
 * it any more; the DWARF stage fills it, the step builder numbers and derives
 * it, the sink renders it, and its memory is released before the next one.
 * Memory follows the open part of the tree, not the length of the trace.
 */
#ifndef KSTEP_PIPELINE_H
#define KSTEP_PIPELINE_H

#include <stdbool.h>

#include "chain.h"
#include "gaps.h"
#include "select.h"
#include "session.h"
#include "steps.h"

struct kstep_pipeline_opts {
	struct kstep_select_opts sel;
	struct kstep_gaps_opts gaps;
	struct kstep_steps_opts steps;
	bool record_facts;	/* kstep annotate: keep every DWARF fact used in g.facts */
	bool progress;		/* draw the progress of long runs on stderr (a terminal, no -q) */
};

struct kstep_pipeline;

/*
 * What a view is handed, in order. Every callback may be NULL. With steps
 * set, the sink gets step logs (p->st->v[0..n) at each call, the footer in
 * p->st at end); without, the finished subtrees of the chain (kstep tree).
 */
struct kstep_sink {
	void *ctx;
	bool steps;
	void (*begin)(void *ctx, const struct kstep_pipeline *p);
	void (*chunk)(void *ctx, const struct kstep_pipeline *p, const struct kstep_node *top);
	void (*end)(void *ctx, const struct kstep_pipeline *p);
};

struct kstep_pipeline {
	struct kstep_session s;
	struct kstep_selection sel;
	struct kstep_gaps g;
	struct kstep_steps *st;		/* during a steps run; NULL otherwise */
	const struct kstep_chain *c;	/* during a run */
	const struct kstep_pipeline_opts *o;
	struct kstep_steps_opts steps_opts;	/* o->steps with the DWARF stage's results */
	struct kstep_log_header h;		/* what the views show of the file and the selection */
	unsigned sources;		/* every evidence source the last run saw */
	bool opened;
};

/*
 * Opens path and makes the selection (pass 1). Returns 0, or -1 after
 * printing one message. Close with kstep_pipeline_close either way.
 */
int kstep_pipeline_open(struct kstep_pipeline *p, const char *path, const struct kstep_pipeline_opts *o);
/*
 * Pass 2: streams the selection through the chain, DWARF and steps into
 * sink. May run more than once (a view that measures first). Returns 0, or
 * -1 after printing one message.
 */
int kstep_pipeline_run(struct kstep_pipeline *p, const struct kstep_sink *sink);
/*
 * Warns about lost or damaged data and returns the exit status: 0, or 2
 * when strict and data was lost (or when the pipeline failed).
 */
int kstep_pipeline_finish(struct kstep_pipeline *p, bool strict);
void kstep_pipeline_close(struct kstep_pipeline *p);

/*
 * kstep annotate: rewrites in as out (same version and compression) with
 * every DWARF fact the selected task's tree uses stored in it. Returns 0, or
 * -1 after printing one message.
 */
int kstep_pipeline_annotate(const char *in, const char *out, const struct kstep_select_opts *so,
			    const struct kstep_gaps_opts *go, bool progress);

#endif
