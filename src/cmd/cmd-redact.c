// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd-redact.c - kstep redact [--comms] [--strings] IN -o OUT: a copy of a
 * trace.dat that can be shared for analysis elsewhere.
 */
#include "config.h"

#include <stdio.h>

#include "cli.h"
#include "cmds.h"
#include "datfile.h"
#include "log.h"
#include "redact.h"

static const struct kstep_cli_use opts[] = {
	{ KSTEP_CLI_SECTION, "" },
	{ KSTEP_CLI_OUTPUT, "the redacted copy (same version and compression)" },
	{ KSTEP_CLI_COMMS, NULL },
	{ KSTEP_CLI_STRINGS, NULL },
	{ KSTEP_CLI_END, NULL },
};

static const struct kstep_cli_cmd cli = {
	.name = "redact",
	.synopsis = "usage: kstep redact [--comms] [--strings] IN -o OUT\n",
	.text = "Write a copy of the trace IN that can be given to others: kernel\n"
		"addresses no longer tell where the kernel and its heap are in memory.\n"
		"Every kernel text address (function addresses, call sites, stacks,\n"
		"kallsyms, printk formats) moves by one new random KASLR offset; every\n"
		"kernel heap pointer is renamed by a keyed permutation of its page number\n"
		"that keeps the offset in the page (alignment and slab-ness stay visible),\n"
		"NULL, small values and error values. The key is random and not stored.\n"
		"Equal pointers stay equal, so the step log of OUT is the one of IN with\n"
		"other addresses: derivations (#N), symbols and kstep diff still work.\n"
		"The machine's name leaves the kernel line; kstep info says the file is\n"
		"redacted. User-space addresses are kept (doc/redact.md).\n",
	.opts = opts,
};

static int redact(const struct kstep_cli *a)
{
	char err[1024];

	if (a->nargs != 1) {
		kstep_error("redact takes one input FILE (see kstep help redact)");
		return KSTEP_EXIT_ERROR;
	}
	if (!a->output) {
		kstep_error("redact needs -o OUT: the original is kept as it is");
		return KSTEP_EXIT_ERROR;
	}
	if (kstep_datw_check_path(a->output, err, sizeof(err))) {
		kstep_error("%s", err);
		return KSTEP_EXIT_ERROR;
	}
	return kstep_redact_file(a->args[0], a->output, &a->redact) ? KSTEP_EXIT_ERROR : KSTEP_EXIT_OK;
}

static int run(int argc, char **argv)
{
	return kstep_cli_run(&cli, argc, argv, redact);
}

const struct kstep_cmd kstep_cmd_redact = {
	.name = "redact",
	.run = run,
	.summary = "copy a trace without kernel addresses (and names) to share it",
	.cli = &cli,
};
