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
#include "render.h"
#include "gaps.h"
#include "select.h"

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
	struct kstep_select_opts so = { 0 };
	struct kstep_gaps_opts go = { 0 };
	struct kstep_gaps g;
	struct kstep_session s;
	struct kstep_selection sel;
	struct kstep_chain *c;
	struct kstep_render_ctx r;
	const char *path = "trace.dat";
	bool ascii = false, strict = false;
	int depth = 0, opt, k, ret = KSTEP_EXIT_ERROR;
	char *end;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		k = kstep_select_opt(opt, optarg, &so);
		if (k < 0)
			return KSTEP_EXIT_ERROR;
		if (k > 0 || kstep_gaps_opt(opt, optarg, &go))
			continue;
		switch (opt) {
		case OPT_DEPTH:
			depth = (int)strtol(optarg, &end, 10);
			if (end == optarg || *end || depth <= 0) {
				kstep_error("--depth takes a positive number, not '%s'", optarg);
				return KSTEP_EXIT_ERROR;
			}
			break;
		case OPT_ASCII:
			ascii = true;
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
	if (kstep_session_open(&s, path))
		return KSTEP_EXIT_ERROR;
	if (kstep_select(&s, &so, &sel))
		goto out;
	c = kstep_gaps_build(&s, &sel, &go, &g);
	if (c) {
		r = (struct kstep_render_ctx){ .s = &s, .sel = &sel, .ascii = ascii };
		kstep_render_tree(stdout, &r, c, depth, false);
		fflush(stdout);
		ret = kstep_session_finish(&s, strict);
		kstep_chain_free(c);
	}
	kstep_selection_free(&sel);
out:
	kstep_session_close(&s);
	return ret;
}

const struct kstep_cmd kstep_cmd_tree = {
	.name = "tree",
	.run = run,
	.summary = "print the rebuilt call tree with durations",
	.usage = usage,
};
