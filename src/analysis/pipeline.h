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
#include "facts.h"
#include "gaps.h"
#include "progress.h"
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
	/*
	 * The selection was a guess (kstep_selection.tentative) and pass 2 has
	 * just found it wrong: drop what the run made so far; begin comes again.
	 * A sink without it gets a settled selection (one more read of the file).
	 */
	void (*restart)(void *ctx, const struct kstep_pipeline *p);
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
	/* a run in progress (kstep_pipeline_start .. kstep_pipeline_stop) */
	struct kstep_chain *chain;
	struct kstep_facts *fx;
	struct kstep_gaps_run *gr;
	struct kstep_progress pg;
	uint64_t data_pages;	/* the CPUs' data in pages, for estimate_total */
	struct kstep_sink sink;
	int state;		/* what kstep_pipeline_pump returns next: 1 more to read, 0 at the end, -1 failed */
};

/*
 * Opens path and makes the selection (pass 1). Returns 0, or -1 after
 * printing one message. Close with kstep_pipeline_close either way.
 */
int kstep_pipeline_open(struct kstep_pipeline *p, const char *path, const struct kstep_pipeline_opts *o);
/*
 * Pass 2: streams the selection through the chain, DWARF and steps into
 * sink. May run more than once (a view that measures first). Returns 0, or
 * -1 after printing one message. The same as kstep_pipeline_start, then
 * kstep_pipeline_pump until it returns 0 or -1, then kstep_pipeline_stop.
 */
int kstep_pipeline_run(struct kstep_pipeline *p, const struct kstep_sink *sink);
/*
 * Pass 2 pulled a step at a time, so that several files can advance in
 * lockstep (kstep diff). kstep_pipeline_start begins a run into sink (copied;
 * its ctx must outlive the run) and calls its begin. Returns 0, or -1 after
 * printing one message (then call kstep_pipeline_stop all the same).
 */
int kstep_pipeline_start(struct kstep_pipeline *p, const struct kstep_sink *sink);
/*
 * Reads records until at least one finished subtree has been handed to the
 * sink's chunk callback, or to the end of the selection (then the last
 * subtrees and the sink's end follow, and p->sources is set). Returns 1 when
 * there may be more, 0 at the end, -1 after printing one message. After 0
 * or -1 it returns the same again without reading.
 */
int kstep_pipeline_pump(struct kstep_pipeline *p);
/*
 * Ends a run, finished or not, and frees what it held (the chain, the steps,
 * the DWARF stage); the subtrees handed out are gone with it. Harmless when
 * no run was started or it was stopped already.
 */
void kstep_pipeline_stop(struct kstep_pipeline *p);
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
