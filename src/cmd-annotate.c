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
#include "datfile.h"
#include "gaps.h"
#include "log.h"
#include "select.h"

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
	struct kstep_session s;
	struct kstep_selection sel;
	struct kstep_chain *c;
	struct kstep_gaps g = { 0 };
	const char *in, *out = NULL;
	char err[1024], comp[16];
	int opt, k, version, ret = KSTEP_EXIT_ERROR;

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
	in = argv[optind];
	out = out ? out : in;
	if (kstep_session_open(&s, in))
		return KSTEP_EXIT_ERROR;
	version = kstep_dat_version(s.dat);
	snprintf(comp, sizeof(comp), "%s", kstep_dat_compression(s.dat));
	if (kstep_select(&s, &so, &sel))
		goto out_session;
	c = kstep_select_build(&s, &sel);
	if (!c)
		goto out_sel;
	if (kstep_gaps_apply(c, &s, &go, true, &g, err, sizeof(err))) {
		kstep_error("%s", err);
	} else if (!g.used) {
		kstep_error("%s: no debug file found (%s)", in, g.why_not);
	} else {
		ret = KSTEP_EXIT_OK;
		fprintf(stderr, "kstep: %u declarations, %u call lines, %u inline steps from %s\n", g.decls,
			g.sites, g.inlines, g.from);
	}
	kstep_chain_free(c);
out_sel:
	kstep_selection_free(&sel);
out_session:
	kstep_session_close(&s);
	if (ret == KSTEP_EXIT_OK &&
	    kstep_dat_copy(in, out, version, comp, KSTEP_KOPT_DWARF, g.facts,
			   strlen(g.facts) + 1))
		ret = KSTEP_EXIT_ERROR;
	free(g.facts);
	return ret;
}

const struct kstep_cmd kstep_cmd_annotate = {
	.name = "annotate",
	.run = run,
	.summary = "store the DWARF facts of a trace inside it, for analysis without the vmlinux",
	.usage = usage,
};
