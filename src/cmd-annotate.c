// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd-annotate.c - kstep annotate FILE --vmlinux PATH [-o OUT]: store the
 * DWARF facts the step log needs inside the trace.dat, so that kstep steps
 * prints the same lines and inline steps on a machine without the vmlinux.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "log.h"
#include "pipeline.h"

static const char usage[] =
	"usage: kstep annotate [OPTIONS] FILE [-o OUT]\n"
	"\n"
	"Look up, in the kernel's debug file, every DWARF fact the step log of FILE\n"
	"needs (declaration lines, call lines, inlined functions at each call site,\n"
	"call sites of function_graph edges) and store them in the trace.dat (kstep\n"
	"option 0x4b0a, doc/trace-dat-options.md): kstep steps, tree and diff then\n"
	"show the same lines and inline steps anywhere, without the debug file.\n"
	"The debug file must have the build-id the trace was recorded with. OUT\n"
	"defaults to FILE (rewritten under a temporary name, then renamed).\n"
	"\n"
	KSTEP_SELECT_HELP
	"\n"
	KSTEP_GAPS_HELP
	"  -o, --output OUT write the annotated file there\n";

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
		KSTEP_SELECT_LONGOPTS,
		KSTEP_GAPS_LONGOPTS,
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct kstep_select_opts so = { 0 };
	struct kstep_gaps_opts go = { 0 };
	const char *out = NULL;
	int opt, k;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		k = kstep_select_opt(opt, optarg, &so);
		if (k < 0)
			return KSTEP_EXIT_ERROR;
		if (k > 0 || kstep_gaps_opt(opt, optarg, &go))
			continue;
		switch (opt) {
		case 'o':
			out = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return KSTEP_EXIT_OK;
		default:
			fputs(usage, stderr);
			return KSTEP_EXIT_ERROR;
		}
	}
	if (optind + 1 != argc) {
		kstep_error("annotate takes one FILE (see kstep help annotate)");
		return KSTEP_EXIT_ERROR;
	}
	if (go.no_dwarf) {
		kstep_error("annotate needs DWARF: --no-dwarf makes no sense here");
		return KSTEP_EXIT_ERROR;
	}
	return kstep_pipeline_annotate(argv[optind], out ? out : argv[optind], &so, &go) ? KSTEP_EXIT_ERROR :
										 KSTEP_EXIT_OK;
}

const struct kstep_cmd kstep_cmd_annotate = {
	.name = "annotate",
	.run = run,
	.summary = "store the DWARF facts of a trace inside it, for analysis without the vmlinux",
	.usage = usage,
};
