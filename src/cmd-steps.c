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
#include "gaps.h"
#include "log.h"
#include "render.h"
#include "select.h"
#include "steps.h"

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
	struct kstep_select_opts sel;
	struct kstep_gaps_opts gaps;
	struct kstep_steps_opts steps;
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
		r = kstep_analysis_opt(c, optarg, &a->sel, &a->steps, &a->gaps);
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

static int run(int argc, char **argv)
{
	struct args a = { 0 };
	struct kstep_session s;
	struct kstep_selection sel;
	struct kstep_chain *c = NULL;
	struct kstep_steps *st = NULL;
	struct kstep_render_ctx r;
	struct kstep_gaps g;
	int ret = KSTEP_EXIT_ERROR, p;

	p = parse(argc, argv, &a);
	if (p) {
		kstep_steps_opts_free(&a.steps);
		return p > 0 ? KSTEP_EXIT_OK : KSTEP_EXIT_ERROR;
	}
	if (kstep_session_open(&s, a.path)) {
		kstep_steps_opts_free(&a.steps);
		return KSTEP_EXIT_ERROR;
	}
	if (kstep_select(&s, &a.sel, &sel))
		goto out_session;
	c = kstep_gaps_build(&s, &sel, &a.gaps, &g);
	if (!c)
		goto out_sel;
	a.steps.gaps = &g;
	st = kstep_steps_build(c, &s, &sel, &a.steps);
	r = (struct kstep_render_ctx){ .s = &s, .sel = &sel, .st = st, .ascii = a.ascii };
	if (!strcmp(a.format, "json"))
		kstep_render_json(stdout, &r);
	else if (!strcmp(a.format, "records"))
		kstep_render_records(stdout, &r);
	else
		kstep_render_text(stdout, &r);
	fflush(stdout);
	ret = kstep_session_finish(&s, a.strict);
	kstep_steps_free(st);
	kstep_chain_free(c);
out_sel:
	kstep_selection_free(&sel);
out_session:
	kstep_session_close(&s);
	kstep_steps_opts_free(&a.steps);
	return ret;
}

const struct kstep_cmd kstep_cmd_steps = {
	.name = "steps",
	.run = run,
	.summary = "print the numbered step log of one action",
	.usage = usage,
};
