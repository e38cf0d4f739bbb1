// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd-steps.c - kstep steps [FILE]: the numbered step log.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "json.h"
#include "log.h"
#include "pipeline.h"
#include "render.h"

static const char usage[] =
	"usage: kstep steps [OPTIONS] [FILE]\n"
	"\n"
	"Print what the kernel did for one action as numbered steps in true order:\n"
	"each step one call, syscall, event, stack frame or interrupt with its real\n"
	"values (raw and decoded), return value (errno named), duration, caller and\n"
	"one evidence tag (fgraph, kprobe, fprobe, syscall, uprobe, event, stack,\n"
	"stack-merged). Pointers cite the step that produced them (#N); the footer\n"
	"lists what was used without being derived, lost events, missing data and\n"
	"known gaps, and ends with REJECTION STATUS: PASS or FAIL. FILE defaults to\n"
	"trace.dat.\n"
	"\n"
	KSTEP_SELECT_HELP
	"\n"
	KSTEP_GAPS_HELP
	"\n"
	"What to show:\n"
	"  --format FMT     text (default), records or json (see doc/formats.md)\n"
	"  --ascii          text: ASCII characters only\n"
	"  --hide GLOB      hide matching functions or events (repeatable); their count\n"
	"                   and time are added to the parent step\n"
	"  --depth N        show steps down to depth N; deeper work is summed\n"
	"  --all            no default hide list; expand interrupts and probe handlers\n"
	"  --strict         exit 2 when events were lost or data is damaged\n"
	"\n"
	"Exit status: 0 success (also with lost data, which is warned about and listed\n"
	"in the footer), 2 unusable input, usage error, or lost data with --strict.\n";

enum { OPT_FORMAT = 1, OPT_ASCII, OPT_STRICT };

struct args {
	struct kstep_pipeline_opts po;
	const char *format;
	bool ascii;
	bool strict;
	const char *path;
};

static int parse(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		KSTEP_SELECT_LONGOPTS,
		KSTEP_GAPS_LONGOPTS,
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "ascii", no_argument, NULL, OPT_ASCII },
		KSTEP_STEPS_LONGOPTS,
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, r;

	optind = 1;
	a->format = "text";
	a->path = "trace.dat";
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		r = kstep_analysis_opt(c, optarg, &a->po.sel, &a->po.steps, &a->po.gaps);
		if (r < 0)
			return -1;
		if (r > 0)
			continue;
		switch (c) {
		case OPT_FORMAT:
			if (strcmp(optarg, "text") && strcmp(optarg, "records") && strcmp(optarg, "json")) {
				kstep_error("--format takes text, records or json, not '%s'", optarg);
				return -1;
			}
			a->format = optarg;
			break;
		case OPT_ASCII:
			a->ascii = true;
			break;
		case OPT_STRICT:
			a->strict = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return 1;
		default:
			fputs(usage, stderr);
			return -1;
		}
	}
	if (optind < argc)
		a->path = argv[optind++];
	if (optind < argc) {
		kstep_error("steps takes one FILE, not also '%s' (see kstep help steps)", argv[optind]);
		return -1;
	}
	return 0;
}

/* The view: text measures its columns in a first pass, then prints. */
struct view {
	const char *format;
	bool measuring;
	struct kstep_render_ctx r;
	struct kstep_text_cols w;
	struct kstep_json j;
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
	else if (!strcmp(v->format, "text"))
		kstep_text_begin(stdout, &v->r, &v->w);
}

static void view_chunk(void *ctx, const struct kstep_pipeline *p, const struct kstep_node *top)
{
	struct view *v = ctx;

	(void)top;
	v->r.st = p->st;
	if (v->measuring)
		kstep_text_measure(&v->r, &v->w);
	else if (!strcmp(v->format, "json"))
		kstep_json_log_steps(&v->j, &v->r);
	else if (!strcmp(v->format, "records"))
		kstep_records_steps(stdout, &v->r);
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
	else if (!strcmp(v->format, "records"))
		kstep_records_end(stdout, &v->r);
	else
		kstep_text_end(stdout, &v->r);
}

static int run(int argc, char **argv)
{
	struct args a = { 0 };
	struct kstep_pipeline p;
	struct view v = { 0 };
	struct kstep_sink sink = { .ctx = &v, .steps = true, .begin = view_begin, .chunk = view_chunk,
				   .end = view_end };
	int ret = KSTEP_EXIT_ERROR, r;

	r = parse(argc, argv, &a);
	if (r) {
		kstep_steps_opts_free(&a.po.steps);
		return r > 0 ? KSTEP_EXIT_OK : KSTEP_EXIT_ERROR;
	}
	v.format = a.format;
	v.r.ascii = a.ascii;
	kstep_text_cols_init(&v.w);
	if (kstep_pipeline_open(&p, a.path, &a.po))
		goto out;
	if (!strcmp(a.format, "text")) {
		v.measuring = true;
		if (kstep_pipeline_run(&p, &sink))
			goto out;
		v.measuring = false;
	}
	if (kstep_pipeline_run(&p, &sink))
		goto out;
	fflush(stdout);
	ret = kstep_pipeline_finish(&p, a.strict);
out:
	kstep_pipeline_close(&p);
	kstep_steps_opts_free(&a.po.steps);
	return ret;
}

const struct kstep_cmd kstep_cmd_steps = {
	.name = "steps",
	.run = run,
	.summary = "print the numbered step log of one action",
	.usage = usage,
};
