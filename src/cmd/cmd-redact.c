// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd-redact.c - kstep redact [--comms] [--strings] IN -o OUT: a copy of a
 * trace.dat that can be shared for analysis elsewhere.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "datfile.h"
#include "log.h"
#include "redact.h"

static const char usage[] =
	"usage: kstep redact [--comms] [--strings] IN -o OUT\n"
	"\n"
	"Write a copy of the trace IN that can be given to others: kernel\n"
	"addresses no longer tell where the kernel and its heap are in memory.\n"
	"Every kernel text address (function addresses, call sites, stacks,\n"
	"kallsyms, printk formats) moves by one new random KASLR offset; every\n"
	"kernel heap pointer is renamed by a keyed permutation of its page number\n"
	"that keeps the offset in the page (alignment and slab-ness stay visible),\n"
	"NULL, small values and error values. The key is random and not stored.\n"
	"Equal pointers stay equal, so the step log of OUT is the one of IN with\n"
	"other addresses: derivations (#N), symbols and kstep diff still work.\n"
	"The machine's name leaves the kernel line; kstep info says the file is\n"
	"redacted. User-space addresses are kept (doc/redact.md).\n"
	"\n"
	"  -o, --output OUT  the redacted copy (same version and compression)\n"
	"  --comms           also replace task names (comms) by keyed names of\n"
	"                    the same length, and the traced program's name\n"
	"  --strings         also replace string arguments (string fields of\n"
	"                    events, probes' string fetch args) and the traced\n"
	"                    command's arguments\n";

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "comms", no_argument, NULL, 'c' },
		{ "strings", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct kstep_redact_opts o = { 0 };
	const char *out = NULL;
	char err[1024];
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'c':
			o.comms = true;
			break;
		case 's':
			o.strings = true;
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
		kstep_error("redact takes one input FILE (see kstep help redact)");
		return KSTEP_EXIT_ERROR;
	}
	if (!out) {
		kstep_error("redact needs -o OUT: the original is kept as it is");
		return KSTEP_EXIT_ERROR;
	}
	if (kstep_datw_check_path(out, err, sizeof(err))) {
		kstep_error("%s", err);
		return KSTEP_EXIT_ERROR;
	}
	return kstep_redact_file(argv[optind], out, &o) ? KSTEP_EXIT_ERROR : KSTEP_EXIT_OK;
}

const struct kstep_cmd kstep_cmd_redact = {
	.name = "redact",
	.run = run,
	.summary = "copy a trace without kernel addresses (and names) to share it",
	.usage = usage,
};
