// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd-diff.c - kstep diff A.dat B.dat | A1.dat A2.dat ... -- B1.dat ...:
 * the same action compared across kernels, runs or machines.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "diff.h"
#include "log.h"
#include "pipeline.h"
#include "render.h"

static const struct kstep_cli_use opts[] = {
	KSTEP_CLI_SELECT_OPTS,
	KSTEP_CLI_DWARF_OPTS,
	{ KSTEP_CLI_SECTION, "What to compare and show:" },
	{ KSTEP_CLI_MIN_DELTA, NULL },
	{ KSTEP_CLI_IRQS, NULL },
	{ KSTEP_CLI_HIDE, "leave matching functions or events out (repeatable)" },
	{ KSTEP_CLI_DEPTH, "compare down to depth N" },
	{ KSTEP_CLI_ALL, "no default hide list (probe machinery and noise compared)" },
	{ KSTEP_CLI_FORMAT, "text (default), json or jsonl (one record per change, each\n"
	  "with both sides' identity); see kstep-formats(5)" },
	KSTEP_CLI_TTY_OPTS,
	{ KSTEP_CLI_END, NULL },
};

#define FORMATS "text|json|jsonl"

static const struct kstep_cli_cmd cli = {
	.name = "diff",
	.synopsis = "usage: kstep diff [OPTIONS] A.dat B.dat\n"
		    "       kstep diff [OPTIONS] A1.dat A2.dat ... -- B1.dat B2.dat ...\n",
	.text = "Compare the call trees of the same action recorded twice (two kernels, two\n"
		"machines, two builds): calls only in A or only in B, calls that moved to\n"
		"another caller or place, renames (kmem_cache_alloc -> kmem_cache_alloc_noprof),\n"
		"functions that are no longer or newly a symbol (inlined, or out of line),\n"
		"return and argument values (pointers compared by the step that produced\n"
		"them, never by address) and durations. A call one side could not record\n"
		"(no function_graph, no probe on it) is listed as not compared, not as\n"
		"removed. With several runs per side, a call counts when it is in most runs\n"
		"of its side, and durations are compared by median, only when the runs'\n"
		"ranges do not overlap. All files are read together and compared a window\n"
		"at a time, so memory stays bounded however long the recordings are.\n"
		"Options come before the files.\n",
	.opts = opts,
	.formats = FORMATS,
	.epilogue = "Exit status: 0 equal under these filters, 1 different, 2 unusable input or\n"
		    "usage error.\n",
	.opts_first = true,
};

struct args {
	struct kstep_cli cli;
	char **a, **b;
	int na, nb;
};

/* The sides: two files, or A files -- B files (getopt stopped at the first file, or took a leading "--"). */
static int sides(struct args *a)
{
	char **v = a->cli.args;
	int n = a->cli.nargs, i, sep = -1;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i], "--"))
			sep = i;
	if (sep < 0) {
		if (n != 2) {
			kstep_error("diff takes two files, or A files -- B files (see kstep help diff)");
			return -1;
		}
		a->a = v;
		a->na = 1;
		a->b = v + 1;
		a->nb = 1;
		return 0;
	}
	a->a = v;
	a->na = sep;
	a->b = v + sep + 1;
	a->nb = n - sep - 1;
	if (a->na < 1 || a->nb < 1) {
		kstep_error("diff needs at least one file on each side of --");
		return -1;
	}
	return 0;
}

/* --vmlinux: the runs that could use it, and what was refused. */
struct vm_use {
	unsigned used;
	char kernel[2][256];	/* each side's kernel (its first run) */
	char file_id[512];	/* what the file is, when refused */
};

/* Notes whether run p (the first of its side when first) could use --vmlinux. */
static void note_vmlinux(struct vm_use *u, int side, bool first, const struct kstep_pipeline *p)
{
	if (first)
		snprintf(u->kernel[side], sizeof(u->kernel[side]), "%s", p->g.kernel);
	if (!p->g.refused)
		u->used++;
	else
		snprintf(u->file_id, sizeof(u->file_id), "%s", p->g.file_id);
}

/* What a read run tells its side: DWARF (the first run's), --vmlinux use, the action. */
static void after_run(struct kstep_dside *d, struct kstep_pipeline *p, const struct kstep_pipeline_opts *po,
		      struct vm_use *u, int side, bool first, char *action, size_t alen)
{
	/* said when DWARF was asked for or used */
	if (first && (p->g.used || po->gaps.vmlinux || po->gaps.debug_dir))
		snprintf(d->dwarf, sizeof(d->dwarf), "%.500s%s%.590s", p->g.from, *p->g.why_not ? ": " : "",
			 p->g.why_not);
	if (po->gaps.vmlinux)
		note_vmlinux(u, side, first, p);
	if (!*action)
		snprintf(action, alen, "%s", p->sel.action);
	kstep_pipeline_finish(p, false);
}

/* Every file of both sides (A's, then B's) and the options of each. */
struct runs {
	struct kstep_dfile *f;
	struct kstep_pipeline_opts *po;
	int n;
};

static void runs_free(struct runs *r)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (r->f[i].open)
			kstep_pipeline_close(&r->f[i].p);
	free(r->f);
	free(r->po);
}

/*
 * Reads every file of both sides in lockstep, so that memory follows a
 * window of each, not the length of the recordings; then what each run
 * tells its side. Returns 0, or -1 after one message.
 */
static int read_sides(struct kstep_diff *df, struct args *a, struct runs *r, struct vm_use *u, char *action,
		      size_t alen)
{
	int i;

	r->n = a->na + a->nb;
	r->f = kstep_xcalloc((size_t)r->n, sizeof(*r->f));
	r->po = kstep_xcalloc((size_t)r->n, sizeof(*r->po));
	for (i = 0; i < r->n; i++) {
		r->f[i].path = i < a->na ? a->a[i] : a->b[i - a->na];
		r->f[i].po = &r->po[i];
		r->po[i] = a->cli.po;
		/* a debug file may fit one side only: the other goes without it */
		r->po[i].gaps.only_if_matching = true;
		/* one progress line, the first file's: they all advance together */
		r->po[i].progress = r->po[i].progress && !i;
	}
	if (kstep_diff_stream(df, r->f, (unsigned)a->na, r->f + a->na, (unsigned)a->nb))
		return -1;
	for (i = 0; i < r->n; i++) {
		bool in_a = i < a->na;

		after_run(in_a ? &df->a : &df->b, &r->f[i].p, &r->po[i], u, !in_a, i == 0 || i == a->na, action,
			  alen);
	}
	return 0;
}

static int run(int argc, char **argv)
{
	struct args a;
	struct kstep_diff df;
	struct runs rs = { 0 };
	struct vm_use u = { 0 };
	char action[256] = "";
	int p, ret = KSTEP_EXIT_ERROR;

	memset(&a, 0, sizeof(a));
	p = kstep_cli_parse(&cli, argc, argv, &a.cli);
	if (!p && sides(&a))
		p = -1;
	if (p) {
		kstep_cli_free(&a.cli);
		return p > 0 ? KSTEP_EXIT_OK : KSTEP_EXIT_ERROR;
	}
	if (kstep_diff_init(&df, &a.cli.diff) || read_sides(&df, &a, &rs, &u, action, sizeof(action)))
		goto out;
	/* a debug file is applied to the side it matches: one that matches no side is an error */
	if (a.cli.po.gaps.vmlinux && !a.cli.po.gaps.no_dwarf && !u.used) {
		kstep_error("%s is %s, the debug file of neither side: A was recorded on %s, B on %s: give "
			    "the debug file (with DWARF) of one side's kernel", a.cli.po.gaps.vmlinux, u.file_id,
			    u.kernel[0], u.kernel[1]);
		goto out;
	}
	if (kstep_diff_end(&df))
		goto out;
	if (a.cli.format && !strcmp(a.cli.format, "json"))
		kstep_render_diff_json(stdout, &df, action);
	else if (a.cli.format && !strcmp(a.cli.format, "jsonl"))
		kstep_render_diff_jsonl(stdout, &df, action);
	else
		kstep_render_diff_text(stdout, &df, action);
	fflush(stdout);
	ret = df.structural + df.values + df.timing ? KSTEP_EXIT_DIFF : KSTEP_EXIT_OK;
out:
	kstep_diff_free(&df);
	runs_free(&rs);
	kstep_cli_free(&a.cli);
	return ret;
}

const struct kstep_cmd kstep_cmd_diff = {
	.name = "diff",
	.run = run,
	.summary = "compare the same action across kernels, runs or machines",
	.cli = &cli,
};
