/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * render.h - the step log and the tree as text, records or JSON.
 * The formats are documented in doc/formats.md.
 */
#ifndef KSTEP_RENDER_H
#define KSTEP_RENDER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "steps.h"

struct kstep_render_ctx {
	const struct kstep_log_header *h;
	const struct kstep_steps *st;
	unsigned sources;	/* evidence sources of the whole log, for the header */
	bool ascii;		/* text: ASCII only */
	bool color;		/* text: colour (a terminal, --color) */
	bool all;		/* tree: show the instrumentation too */
	bool tree;		/* tree: sources are known at the end only */
	uint64_t left_out;	/* tree: instrumentation nodes not shown */
};

/* The whole log at once, in r->st (kstep_steps_build). */
void kstep_render_text(FILE *out, const struct kstep_render_ctx *r);
void kstep_render_records(FILE *out, const struct kstep_render_ctx *r);
void kstep_render_json(FILE *out, const struct kstep_render_ctx *r);

/*
 * Streaming views: r->st->v[0..n) holds the steps of one subtree at each
 * *_steps/_rows call, the footer at *_end.
 *
 * Text aligns its columns, so it needs every row's width before the first
 * row: either two passes over the same steps (kstep_text_measure on every
 * chunk of the first, then begin, rows on every chunk of the second, end),
 * or one pass through the spool below.
 */
struct kstep_text_cols {
	size_t n, name, vals, ret, time, caller, line;
};
void kstep_text_cols_init(struct kstep_text_cols *w);
void kstep_text_measure(const struct kstep_render_ctx *r, struct kstep_text_cols *w);
void kstep_text_begin(FILE *out, const struct kstep_render_ctx *r, struct kstep_text_cols *w);
void kstep_text_rows(FILE *out, const struct kstep_render_ctx *r, const struct kstep_text_cols *w);
void kstep_text_end(FILE *out, const struct kstep_render_ctx *r);
/*
 * Text in one pass: kstep_text_spool_rows on every chunk makes each row
 * once, measures it and writes it unpadded to an unlinked temporary file;
 * kstep_text_spool_print at the end prints the header and the rows, padded
 * (then kstep_text_end). Nothing of the log is kept in memory.
 * kstep_text_spool_new returns NULL when no temporary file can be made;
 * kstep_text_spool_print returns 0, or -1 when the rows could not be written
 * or read back (what was printed then is incomplete).
 */
struct kstep_text_spool;
struct kstep_text_spool *kstep_text_spool_new(void);
void kstep_text_spool_rows(struct kstep_text_spool *sp, const struct kstep_render_ctx *r);
int kstep_text_spool_print(FILE *out, struct kstep_text_spool *sp, const struct kstep_render_ctx *r);
/* Drops every spooled row (the run starts over); 0, or -1 when the file cannot be emptied. */
int kstep_text_spool_reset(struct kstep_text_spool *sp);
void kstep_text_spool_free(struct kstep_text_spool *sp);

/*
 * Proof: one dense line per step with its mark (observed, derived, failed),
 * the text format's header and footer. p lives across the calls.
 */
struct proof_state;
struct kstep_kdoc;
struct kstep_proof {
	bool errno_seen;	/* a syscall of the log failed: the program's -1 is that failure */
	struct proof_state *objs;	/* the objects read, for the end (bounded) */
	struct kstep_kdoc *kdoc;	/* --source: kernel-doc summaries under the calls, or NULL */
	char kdoc_why[512];		/* --source given but refused: why */
};
void kstep_proof_begin(FILE *out, const struct kstep_render_ctx *r, struct kstep_proof *p);
void kstep_proof_steps(FILE *out, const struct kstep_render_ctx *r, struct kstep_proof *p);
/* The objects as they ended, the sources the log saw, then the text footer; frees what p holds. */
void kstep_proof_end(FILE *out, const struct kstep_render_ctx *r, struct kstep_proof *p);

/* Records: one line per step, the footer after. */
void kstep_records_steps(FILE *out, const struct kstep_render_ctx *r);
void kstep_records_end(FILE *out, const struct kstep_render_ctx *r);

/* JSON: the document's head, the steps array's elements, then the rest (j lives across the calls). */
struct kstep_json;
void kstep_json_log_begin(struct kstep_json *j, FILE *out, const struct kstep_render_ctx *r);
void kstep_json_log_steps(struct kstep_json *j, const struct kstep_render_ctx *r);
void kstep_json_log_end(struct kstep_json *j, const struct kstep_render_ctx *r);

/*
 * JSON lines: one record per step, each carrying the trace's identity (file,
 * release, build-id, task, action) and the JSON format's step members, then
 * a footer record. j is initialized (not pretty) by the caller.
 */
void kstep_jsonl_identity(struct kstep_json *j, const struct kstep_log_header *h, const char *record);
void kstep_jsonl_steps(struct kstep_json *j, const struct kstep_render_ctx *r);
void kstep_jsonl_end(struct kstep_json *j, const struct kstep_render_ctx *r);

/*
 * Trace Event Format (ui.perfetto.dev, chrome://tracing): one complete event
 * per step, interrupts and off-CPU time on their own tracks, each derivation
 * (#N) a flow arrow. Streams; the state is a fixed ring of recent steps.
 */
struct kstep_perfetto;
struct kstep_perfetto *kstep_perfetto_begin(FILE *out, const struct kstep_render_ctx *r);
void kstep_perfetto_steps(struct kstep_perfetto *pf, const struct kstep_render_ctx *r);
/* Writes the end of the document and frees pf. */
void kstep_perfetto_end(struct kstep_perfetto *pf, const struct kstep_render_ctx *r);

/* kstep tree: every node of the chain, indented, with durations and sources. */
void kstep_render_tree(FILE *out, const struct kstep_render_ctx *r, const struct kstep_chain *c,
		       int depth, bool json);
/* The same streaming: the header, then each finished subtree of the root down to maxdepth (0: all). */
void kstep_render_tree_begin(FILE *out, const struct kstep_render_ctx *r);
void kstep_render_subtree(FILE *out, struct kstep_render_ctx *r, const struct kstep_node *top,
			  int maxdepth);
/* The tree's last lines: what was left out, and the sources seen. */
void kstep_render_tree_end(FILE *out, const struct kstep_render_ctx *r);

/* kstep tree --format dot: the call tree as a Graphviz graph (dot.h's conventions), streamed. */
struct kstep_dot_tree {
	uint64_t next;		/* the last node id given */
	uint64_t *stack;	/* ids of the open parents */
	size_t cap;
};
void kstep_dot_tree_begin(FILE *out, const struct kstep_render_ctx *r, struct kstep_dot_tree *t);
void kstep_dot_subtree(FILE *out, struct kstep_dot_tree *t, const struct kstep_node *top, int maxdepth);
/* Ends the graph and frees what t holds. */
void kstep_dot_tree_end(FILE *out, struct kstep_dot_tree *t);

/* kstep diff: the changes between two sides (diff.h), as text or JSON. */
struct kstep_diff;
void kstep_render_diff_text(FILE *out, struct kstep_diff *df, const char *action);
void kstep_render_diff_json(FILE *out, struct kstep_diff *df, const char *action);
/* JSON lines: one record per change with the action and both sides' identity, then a summary record. */
void kstep_render_diff_jsonl(FILE *out, struct kstep_diff *df, const char *action);

/* Shared helpers of the renderers */

/* A source path as people cite it: a kernel build directory prefix dropped
 * ("debian/build/build_amd64_none_amd64/net/socket.c:1606" -> "net/socket.c:1606"). */
const char *kstep_short_path(const char *path);

/* The step's display name: "socket", "[hardirq] __sysvec_...", "kmem:kmem_cache_alloc". */
void kstep_render_name(const struct kstep_node *n, char *out, size_t len);
/* One value as text: raw, meaning, and where it came from; ascii picks the arrows. */
void kstep_render_val(const struct kstep_val *v, bool with_deriv, char *out, size_t len);
/* Writes where a cited value came from: " (#15)", " (sk_alloc, hidden)", " (ambiguous: ...)". */
void kstep_render_cite(const struct kstep_val *v, char *out, size_t len);
/* Returns true when value v is shown on step st (a call's return-probe values go to its return step). */
bool kstep_render_val_here(const struct kstep_step *st, const struct kstep_val *v);
/* The header lines every format starts with. */
void kstep_render_header_text(FILE *out, const struct kstep_render_ctx *r, const char *what);

#endif
