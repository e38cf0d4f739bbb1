// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd-annotate.c - kstep annotate FILE --vmlinux PATH [-o OUT]: store the
 * DWARF facts the step log needs inside the trace.dat, so that kstep steps
 * prints the same lines and inline steps on a machine without the vmlinux.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "log.h"
#include "pipeline.h"

static const struct kstep_cli_use opts[] = {
	KSTEP_CLI_SELECT_OPTS,
	KSTEP_CLI_DWARF_OPTS,
	{ KSTEP_CLI_OUTPUT, "write the annotated file there" },
	{ KSTEP_CLI_SECTION, "" },
	KSTEP_CLI_TTY_OPTS,
	{ KSTEP_CLI_END, NULL },
};

static const struct kstep_cli_cmd cli = {
	.name = "annotate",
	.synopsis = "usage: kstep annotate [OPTIONS] FILE [-o OUT]\n",
	.text = "Look up, in the kernel's debug file, every DWARF fact the step log of FILE\n"
		"needs (declaration lines, call lines, inlined functions at each call site,\n"
		"call sites of function_graph edges) and store them in the trace.dat (kstep\n"
		"option 0x4b0a, doc/trace-dat-options.md): kstep steps, tree and diff then\n"
		"show the same lines and inline steps anywhere, without the debug file.\n"
		"The debug file must have the build-id the trace was recorded with. OUT\n"
		"defaults to FILE (rewritten under a temporary name, then renamed).\n",
	.opts = opts,
};

static int run(int argc, char **argv)
{
	struct kstep_cli a;
	int r = kstep_cli_parse(&cli, argc, argv, &a);

	if (r)
		return r > 0 ? KSTEP_EXIT_OK : KSTEP_EXIT_ERROR;
	if (a.nargs != 1) {
		kstep_error("annotate takes one FILE (see kstep help annotate)");
		return KSTEP_EXIT_ERROR;
	}
	if (a.po.gaps.no_dwarf) {
		kstep_error("annotate needs DWARF: --no-dwarf makes no sense here");
		return KSTEP_EXIT_ERROR;
	}
	r = kstep_pipeline_annotate(a.args[0], a.output ? a.output : a.args[0], &a.po.sel, &a.po.gaps,
				    a.po.progress);
	kstep_cli_free(&a);
	return r ? KSTEP_EXIT_ERROR : KSTEP_EXIT_OK;
}

const struct kstep_cmd kstep_cmd_annotate = {
	.name = "annotate",
	.run = run,
	.summary = "store the DWARF facts of a trace inside it, for analysis without the vmlinux",
	.cli = &cli,
};
