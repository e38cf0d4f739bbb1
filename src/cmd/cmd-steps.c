// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd-steps.c - kstep steps [FILE]: the numbered step log.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"
#include "json.h"
#include "kdoc.h"
#include "keep.h"
#include "log.h"
#include "pipeline.h"
#include "render.h"

static const struct kstep_cli_use opts[] = {
	KSTEP_CLI_SELECT_OPTS,
	KSTEP_CLI_DWARF_OPTS,
	{ KSTEP_CLI_SECTION, "What to show:" },
	{ KSTEP_CLI_FORMAT, "text (default), records, json, jsonl (JSON lines: one record\n"
	  "per step with the trace's identity) or perfetto (Trace Event\n"
	  "Format for ui.perfetto.dev) or proof (one dense line per step,\n"
	  "marked observed, derived or failed); see kstep-formats(5)" },
	{ KSTEP_CLI_ASCII, "text and proof: ASCII characters only" },
	{ KSTEP_CLI_SOURCE, "proof: under each kernel call, the kernel-doc summary of its\n"
	  "definition from DIR, the recorded kernel's source tree (same\n"
	  "version; the definition's line comes from DWARF)" },
	{ KSTEP_CLI_HIDE, "hide matching functions or events (repeatable); their count\n"
	  "and time are added to the parent step" },
	{ KSTEP_CLI_DEPTH, "show steps down to depth N; deeper work is summed" },
	{ KSTEP_CLI_STEPS, "at most N steps (about 60 is what one checks by hand): the way\n"
	  "in and out, every failure, every producer and user of a cited\n"
	  "value, every object read, inferred steps, then the longest; the\n"
	  "others are folded into the step above them with their count and\n"
	  "time. Footer and verdict are the full log's" },
	{ KSTEP_CLI_ALL, "no default hide list; expand interrupts and probe handlers" },
	{ KSTEP_CLI_STRICT, NULL },
	KSTEP_CLI_TTY_OPTS,
	{ KSTEP_CLI_END, NULL },
};

#define FORMATS "text|records|json|jsonl|perfetto|proof"

static const struct kstep_cli_cmd cli = {
	.name = "steps",
	.synopsis = "usage: kstep steps [OPTIONS] [FILE]\n",
	.text = "Print what the kernel did for one action as numbered steps in true order:\n"
		"each step one call, syscall, event, stack frame or interrupt with its real\n"
		"values (raw and decoded), return value (errno named), duration, caller and\n"
		"one evidence tag (fgraph, kprobe, fprobe, syscall, uprobe, event, stack,\n"
		"stack-merged). Pointers cite the step that produced them (#N); the footer\n"
		"lists what was used without being derived, lost events, missing data and\n"
		"known gaps, and ends with REJECTION STATUS: PASS or FAIL. FILE defaults to\n"
		"trace.dat.\n",
	.opts = opts,
	.formats = FORMATS,
	.epilogue = "Exit status: 0 success (also with lost data, which is warned about and listed\n"
		    "in the footer), 2 unusable input, usage error, or lost data with --strict.\n",
};

/*
 * The view. Text spools its rows while it measures its columns and prints
 * them at the end; without a temporary file it measures in a first pass of
 * the pipeline, then prints in a second.
 */
struct view {
	const char *format;
	bool measuring;
	struct kstep_text_spool *spool;
	bool spool_failed;	/* the spooled rows could not be printed */
	struct kstep_render_ctx r;
	struct kstep_text_cols w;
	struct kstep_json j;
	struct kstep_perfetto *pf;
	struct kstep_proof proof;
	const char *source;		/* --source */
};

static void view_begin(void *ctx, const struct kstep_pipeline *p)
{
	struct view *v = ctx;

	v->r.h = &p->h;
	v->r.st = p->st;
	if (v->measuring)
		return;
	if (!strcmp(v->format, "json"))
		kstep_json_log_begin(&v->j, stdout, &v->r);
	else if (!strcmp(v->format, "jsonl"))
		kstep_json_init(&v->j, stdout, false);
	else if (!strcmp(v->format, "perfetto"))
		v->pf = kstep_perfetto_begin(stdout, &v->r);
	else if (!strcmp(v->format, "text") && !v->spool)
		kstep_text_begin(stdout, &v->r, &v->w);
	else if (!strcmp(v->format, "proof")) {
		/* the tree must be the kernel's own version, which the DWARF stage has just read */
		if (v->source && !v->proof.kdoc)
			v->proof.kdoc = kstep_kdoc_open(v->source, p->g.version, v->proof.kdoc_why,
							sizeof(v->proof.kdoc_why));
		kstep_proof_begin(stdout, &v->r, &v->proof);
	}
}

static void view_chunk(void *ctx, const struct kstep_pipeline *p, const struct kstep_node *top)
{
	struct view *v = ctx;

	(void)top;
	v->r.st = p->st;
	if (v->spool)
		kstep_text_spool_rows(v->spool, &v->r);
	else if (v->measuring)
		kstep_text_measure(&v->r, &v->w);
	else if (!strcmp(v->format, "json"))
		kstep_json_log_steps(&v->j, &v->r);
	else if (!strcmp(v->format, "jsonl"))
		kstep_jsonl_steps(&v->j, &v->r);
	else if (!strcmp(v->format, "perfetto"))
		kstep_perfetto_steps(v->pf, &v->r);
	else if (!strcmp(v->format, "records"))
		kstep_records_steps(stdout, &v->r);
	else if (!strcmp(v->format, "proof"))
		kstep_proof_steps(stdout, &v->r, &v->proof);
	else
		kstep_text_rows(stdout, &v->r, &v->w);
}

static void view_end(void *ctx, const struct kstep_pipeline *p)
{
	struct view *v = ctx;

	v->r.st = p->st;
	v->r.sources = p->st->sources;
	if (v->measuring)
		return;
	if (!strcmp(v->format, "json"))
		kstep_json_log_end(&v->j, &v->r);
	else if (!strcmp(v->format, "jsonl"))
		kstep_jsonl_end(&v->j, &v->r);
	else if (!strcmp(v->format, "perfetto")) {
		kstep_perfetto_end(v->pf, &v->r);
		v->pf = NULL;
	} else if (!strcmp(v->format, "records"))
		kstep_records_end(stdout, &v->r);
	else if (!strcmp(v->format, "proof"))
		kstep_proof_end(stdout, &v->r, &v->proof);
	else if (v->spool && kstep_text_spool_print(stdout, v->spool, &v->r))
		v->spool_failed = true;
	else
		kstep_text_end(stdout, &v->r);
}

/* The guessed task was wrong (text only): the rows and widths made for it go. */
static void view_restart(void *ctx, const struct kstep_pipeline *p)
{
	struct view *v = ctx;

	(void)p;
	kstep_text_cols_init(&v->w);
	if (v->spool && kstep_text_spool_reset(v->spool))
		v->spool_failed = true;
}

static void plan_chunk(void *ctx, const struct kstep_pipeline *p, const struct kstep_node *top)
{
	(void)top;
	kstep_keep_add(ctx, p->st);
}

/*
 * --steps N: a first build of the full log chooses what to keep; the next
 * ones fold the rest. Returns the choice (the caller frees it), or NULL
 * after a message.
 */
static struct kstep_keep *plan(struct kstep_pipeline *p, struct kstep_cli *a)
{
	struct kstep_keep *k = kstep_keep_new();
	struct kstep_sink sink = { .ctx = k, .steps = true, .chunk = plan_chunk };

	if (kstep_pipeline_run(p, &sink)) {
		kstep_keep_free(k);
		return NULL;
	}
	kstep_keep_choose(k, a->po.steps.budget);
	a->po.steps.keep = kstep_keep_fold(k);
	p->h.budget = a->po.steps.budget;
	p->h.budget_shown = kstep_keep_shown(k);
	p->h.budget_full = kstep_keep_total(k);
	return k;
}

static int run(int argc, char **argv)
{
	struct kstep_cli a;
	struct kstep_pipeline p;
	struct view v = { 0 };
	struct kstep_sink sink = { .ctx = &v, .steps = true, .begin = view_begin, .chunk = view_chunk,
				   .end = view_end };
	const char *path = "trace.dat";
	struct kstep_keep *keep = NULL;
	int ret = KSTEP_EXIT_ERROR, r;

	r = kstep_cli_parse(&cli, argc, argv, &a);
	if (r) {
		kstep_cli_free(&a);
		return r > 0 ? KSTEP_EXIT_OK : KSTEP_EXIT_ERROR;
	}
	if (a.nargs > 1) {
		kstep_error("steps takes one FILE, not also '%s' (see kstep help steps)", a.args[1]);
		kstep_cli_free(&a);
		return KSTEP_EXIT_ERROR;
	}
	if (a.nargs)
		path = a.args[0];
	v.format = a.format ? a.format : "text";
	v.source = a.source;
	v.r.ascii = a.ascii;
	v.r.color = kstep_cli_color(&a, STDOUT_FILENO);
	kstep_text_cols_init(&v.w);
	/*
	 * Text prints nothing before the end (it spools, or measures first), so
	 * its run can start over: pass 1 may stop early, and guess the task.
	 */
	a.po.sel.lazy = !strcmp(v.format, "text") && !a.po.steps.budget;
	if (a.po.sel.lazy)
		sink.restart = view_restart;
	if (kstep_pipeline_open(&p, path, &a.po))
		goto out;
	if (a.po.steps.budget && !(keep = plan(&p, &a)))
		goto out;
	if (!strcmp(v.format, "text") && !(v.spool = kstep_text_spool_new())) {
		v.measuring = true;
		if (kstep_pipeline_run(&p, &sink))
			goto out;
		v.measuring = false;
	}
	if (kstep_pipeline_run(&p, &sink))
		goto out;
	if (v.spool_failed) {
		/* errno is long gone: the write or the read failed well before */
		kstep_error("the step log's rows could not be written to a temporary file and read back "
			    "(is /tmp full?)");
		goto out;
	}
	fflush(stdout);
	ret = kstep_pipeline_finish(&p, a.strict);
out:
	kstep_kdoc_close(v.proof.kdoc);
	kstep_text_spool_free(v.spool);
	kstep_pipeline_close(&p);
	kstep_keep_free(keep);
	kstep_cli_free(&a);
	return ret;
}

const struct kstep_cmd kstep_cmd_steps = {
	.name = "steps",
	.run = run,
	.summary = "print the numbered step log of one action",
	.cli = &cli,
};
