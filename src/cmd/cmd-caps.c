// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd-caps.c - kstep caps: what this kernel lets kstep use.
 */
#include "config.h"

#include <stdio.h>

#include "caps.h"
#include "cli.h"
#include "cmds.h"
#include "log.h"

static const struct kstep_cli_use opts[] = {
	{ KSTEP_CLI_SECTION, "" },
	{ KSTEP_CLI_JSON, NULL },
	{ KSTEP_CLI_END, NULL },
};

static const struct kstep_cli_cmd cli = {
	.name = "caps",
	.synopsis = "usage: kstep caps [--json]\n",
	.text = "Find out, by trying each one in a scratch tracefs instance and probe group\n"
		"(removed again), what this kernel lets kstep use: tracefs (mounted when\n"
		"root and not mounted yet), instances, the function and function_graph\n"
		"tracers, function filters, funcgraph-retval, kprobes, kretprobes, uprobes,\n"
		"dynamic events, fprobes, eprobes, BTF-named probe arguments, BTF, syscall\n"
		"events, event triggers, pid filters, lockdown and kallsyms visibility.\n"
		"Each \"no\" says why: absent (the kernel lacks it) or refused (it exists but\n"
		"the kernel refused it, e.g. with EPERM).\n",
	.opts = opts,
};

static int show(const struct kstep_cli *a)
{
	struct kstep_caps caps;

	if (a->nargs) {
		kstep_error("caps takes no arguments (see kstep help caps)");
		return KSTEP_EXIT_ERROR;
	}
	kstep_caps_probe(&caps);
	kstep_caps_print(&caps, stdout, a->json);
	return KSTEP_EXIT_OK;
}

static int run(int argc, char **argv)
{
	return kstep_cli_run(&cli, argc, argv, show);
}

const struct kstep_cmd kstep_cmd_caps = {
	.name = "caps",
	.run = run,
	.summary = "show what this kernel lets kstep use (probed, not read from config)",
	.cli = &cli,
};
