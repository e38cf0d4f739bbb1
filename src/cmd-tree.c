// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd-tree.c - kstep tree [FILE]: the rebuilt call tree with durations.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "log.h"
#include "pipeline.h"
#include "render.h"

static const char usage[] =
	"usage: kstep tree [OPTIONS] [FILE]\n"
	"\n"
	"Print the call tree kstep rebuilt for one task from every source in the\n"
	"file (function_graph, probes, syscalls, stacks, events), each node with its\n"
	"duration, return value and sources; interrupts and off-CPU time appear as\n"
	"their own nodes. Nothing is hidden. FILE defaults to trace.dat.\n"
	"\n"
	KSTEP_SELECT_HELP
	"\n"
	KSTEP_GAPS_HELP
	"\n"
	"  --depth N        stop at depth N\n"
	"  --ascii          ASCII characters only\n"
	"  --strict         exit 2 when events were lost or data is damaged\n";

enum { OPT_DEPTH = 1, OPT_ASCII, OPT_STRICT };

struct view {
	struct kstep_render_ctx r;
	int depth;
};

static void view_begin(void *ctx, const struct kstep_pipeline *p)
{
	struct view *v = ctx;

	v->r.h = &p->h;
	kstep_render_tree_begin(stdout, &v->r);
}

static void view_chunk(void *ctx, const struct kstep_pipeline *p, const struct kstep_node *top)
{
	struct view *v = ctx;

	(void)p;
	kstep_render_subtree(stdout, &v->r, top, v->depth);
}

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
		KSTEP_SELECT_LONGOPTS,
		KSTEP_GAPS_LONGOPTS,
		{ "depth", required_argument, NULL, OPT_DEPTH },
		{ "ascii", no_argument, NULL, OPT_ASCII },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct kstep_pipeline_opts po = { 0 };
	struct kstep_pipeline p;
	struct view v = { 0 };
	struct kstep_sink sink = { .ctx = &v, .begin = view_begin, .chunk = view_chunk };
	const char *path = "trace.dat";
	bool strict = false;
	int opt, k, ret = KSTEP_EXIT_ERROR;
	char *end;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		k = kstep_select_opt(opt, optarg, &po.sel);
		if (k < 0)
			return KSTEP_EXIT_ERROR;
		if (k > 0 || kstep_gaps_opt(opt, optarg, &po.gaps))
			continue;
		switch (opt) {
		case OPT_DEPTH:
			v.depth = (int)strtol(optarg, &end, 10);
			if (end == optarg || *end || v.depth <= 0) {
				kstep_error("--depth takes a positive number, not '%s'", optarg);
				return KSTEP_EXIT_ERROR;
			}
			break;
		case OPT_ASCII:
			v.r.ascii = true;
			break;
		case OPT_STRICT:
			strict = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return KSTEP_EXIT_OK;
		default:
			fputs(usage, stderr);
			return KSTEP_EXIT_ERROR;
		}
	}
	if (optind < argc)
		path = argv[optind++];
	if (optind < argc) {
		kstep_error("tree takes one FILE (see kstep help tree)");
		return KSTEP_EXIT_ERROR;
	}
	if (!kstep_pipeline_open(&p, path, &po) && !kstep_pipeline_run(&p, &sink)) {
		fflush(stdout);
		ret = kstep_pipeline_finish(&p, strict);
	}
	kstep_pipeline_close(&p);
	return ret;
}

const struct kstep_cmd kstep_cmd_tree = {
	.name = "tree",
	.run = run,
	.summary = "print the rebuilt call tree with durations",
	.usage = usage,
};
