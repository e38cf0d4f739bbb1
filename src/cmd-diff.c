// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd-diff.c - kstep diff A.dat B.dat | A1.dat A2.dat ... -- B1.dat ...:
 * the same action compared across kernels, runs or machines.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "diff.h"
#include "log.h"
#include "pipeline.h"
#include "render.h"

static const char usage[] =
	"usage: kstep diff [OPTIONS] A.dat B.dat\n"
	"       kstep diff [OPTIONS] A1.dat A2.dat ... -- B1.dat B2.dat ...\n"
	"\n"
	"Compare the call trees of the same action recorded twice (two kernels, two\n"
	"machines, two builds): calls only in A or only in B, calls that moved to\n"
	"another caller or place, renames (kmem_cache_alloc -> kmem_cache_alloc_noprof),\n"
	"functions that are no longer or newly a symbol (inlined, or out of line),\n"
	"return and argument values (pointers compared by the step that produced\n"
	"them, never by address) and durations. A call one side could not record\n"
	"(no function_graph, no probe on it) is listed as not compared, not as\n"
	"removed. With several runs per side, a call counts when it is in most runs\n"
	"of its side, and durations are compared by median, only when the runs'\n"
	"ranges do not overlap. Options come before the files.\n"
	"\n"
	KSTEP_SELECT_HELP
	"\n"
	KSTEP_GAPS_HELP
	"\n"
	"What to compare and show:\n"
	"  --min-delta NS   report durations that changed by at least NS nanoseconds\n"
	"                   (default 100000; suffixes us, ms, s)\n"
	"  --irqs           compare interrupt, softirq and scheduler work too\n"
	"  --hide GLOB      leave matching functions or events out (repeatable)\n"
	"  --depth N        compare down to depth N\n"
	"  --all            no default hide list (probe machinery and noise compared)\n"
	"  --format FMT     text (default) or json (see doc/formats.md)\n"
	"\n"
	"Exit status: 0 equal under these filters, 1 different, 2 unusable input or\n"
	"usage error.\n";

enum { OPT_FORMAT = 1, OPT_MIN_DELTA, OPT_IRQS };

struct args {
	struct kstep_select_opts sel;
	struct kstep_gaps_opts gaps;
	struct kstep_steps_opts steps;
	struct kstep_diff_opts o;
	const char *format;
	char **a, **b;
	int na, nb;
};

static int parse_ns(const char *s, uint64_t *out)
{
	char *end;
	double v = strtod(s, &end);
	double mul = 1;

	if (end == s || v < 0)
		return -1;
	if (!strcmp(end, "us"))
		mul = 1e3;
	else if (!strcmp(end, "ms"))
		mul = 1e6;
	else if (!strcmp(end, "s"))
		mul = 1e9;
	else if (*end && strcmp(end, "ns"))
		return -1;
	*out = (uint64_t)(v * mul + 0.5);
	return 0;
}

static int parse(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		KSTEP_SELECT_LONGOPTS,
		KSTEP_GAPS_LONGOPTS,
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "min-delta", required_argument, NULL, OPT_MIN_DELTA },
		{ "irqs", no_argument, NULL, OPT_IRQS },
		KSTEP_STEPS_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, r, i, sep = -1;

	optind = 1;
	a->format = "text";
	a->o.min_delta = 100000;
	/* '+': options first, so that "--" separates the sides */
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		r = kstep_analysis_opt(c, optarg, &a->sel, &a->steps, &a->gaps);
		if (r < 0)
			return -1;
		if (r > 0)
			continue;
		switch (c) {
		case OPT_FORMAT:
			if (strcmp(optarg, "text") && strcmp(optarg, "json")) {
				kstep_error("diff --format takes text or json, not '%s'", optarg);
				return -1;
			}
			a->format = optarg;
			break;
		case OPT_MIN_DELTA:
			if (parse_ns(optarg, &a->o.min_delta)) {
				kstep_error("--min-delta takes a duration (100000, 50us, 1ms), not '%s'", optarg);
				return -1;
			}
			break;
		case OPT_IRQS:
			a->o.irqs = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return 1;
		default:
			fputs(usage, stderr);
			return -1;
		}
	}
	/* getopt stopped at the first file, or consumed a leading "--" */
	for (i = optind; i < argc; i++)
		if (!strcmp(argv[i], "--"))
			sep = i;
	if (sep < 0) {
		if (argc - optind != 2) {
			kstep_error("diff takes two files, or A files -- B files (see kstep help diff)");
			return -1;
		}
		a->a = argv + optind;
		a->na = 1;
		a->b = argv + optind + 1;
		a->nb = 1;
		return 0;
	}
	a->a = argv + optind;
	a->na = sep - optind;
	a->b = argv + sep + 1;
	a->nb = argc - sep - 1;
	if (a->na < 1 || a->nb < 1) {
		kstep_error("diff needs at least one file on each side of --");
		return -1;
	}
	return 0;
}

struct view {
	struct kstep_drun *r;
};

static void view_chunk(void *ctx, const struct kstep_pipeline *p, const struct kstep_node *top)
{
	struct view *v = ctx;

	(void)top;
	kstep_drun_steps(v->r, p->st);
}

/* One file of a side, streamed into it; the first run's pipeline stays open (its kallsyms are used). */
static int add_run(struct kstep_dside *d, const char *path, struct args *a, struct kstep_pipeline *keep,
		   char *action, size_t alen)
{
	struct kstep_pipeline tmp, *p = d->runs ? &tmp : keep;
	struct kstep_pipeline_opts po = { .sel = a->sel, .gaps = a->gaps, .steps = a->steps };
	struct view v = { 0 };
	struct kstep_sink sink = { .ctx = &v, .steps = true, .chunk = view_chunk };

	if (kstep_pipeline_open(p, path, &po))
		goto fail;
	v.r = kstep_drun_new(d, &a->o);
	if (kstep_pipeline_run(p, &sink)) {
		kstep_drun_free(v.r);
		goto fail;
	}
	kstep_dside_add_run(d, v.r, p->sources, &p->s, &p->sel, path);
	if (!*action)
		snprintf(action, alen, "%s", p->sel.action);
	kstep_pipeline_finish(p, false);
	if (p == &tmp)
		kstep_pipeline_close(p);
	return 0;
fail:
	kstep_pipeline_close(p);
	return -1;
}

static int run(int argc, char **argv)
{
	struct args a = { 0 };
	struct kstep_diff df;
	struct kstep_pipeline ka, kb;
	char action[256] = "";
	int p, i, ret = KSTEP_EXIT_ERROR;
	bool open_a = false, open_b = false;

	p = parse(argc, argv, &a);
	if (p) {
		kstep_steps_opts_free(&a.steps);
		return p > 0 ? KSTEP_EXIT_OK : KSTEP_EXIT_ERROR;
	}
	memset(&df, 0, sizeof(df));
	kstep_dside_init(&df.a);
	kstep_dside_init(&df.b);
	df.o = a.o;
	for (i = 0; i < a.na; i++) {
		if (add_run(&df.a, a.a[i], &a, &ka, action, sizeof(action)))
			goto out;
		open_a = true;
	}
	for (i = 0; i < a.nb; i++) {
		if (add_run(&df.b, a.b[i], &a, &kb, action, sizeof(action)))
			goto out;
		open_b = true;
	}
	kstep_diff_run(&df);
	if (!strcmp(a.format, "json"))
		kstep_render_diff_json(stdout, &df, action);
	else
		kstep_render_diff_text(stdout, &df, action);
	fflush(stdout);
	ret = df.structural + df.values + df.timing ? KSTEP_EXIT_DIFF : KSTEP_EXIT_OK;
	kstep_vec_free(&df.changes);
out:
	kstep_dside_free(&df.a);
	kstep_dside_free(&df.b);
	if (open_a)
		kstep_pipeline_close(&ka);
	if (open_b)
		kstep_pipeline_close(&kb);
	kstep_steps_opts_free(&a.steps);
	return ret;
}

const struct kstep_cmd kstep_cmd_diff = {
	.name = "diff",
	.run = run,
	.summary = "compare the same action across kernels, runs or machines",
	.usage = usage,
};
