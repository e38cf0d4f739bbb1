// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd-caps.c - kstep caps: what this kernel lets kstep use.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>

#include "caps.h"
#include "cmds.h"
#include "log.h"

static const char usage[] =
	"usage: kstep caps [--json]\n"
	"\n"
	"Find out, by trying each one in a scratch tracefs instance and probe group\n"
	"(removed again), what this kernel lets kstep use: tracefs (mounted when\n"
	"root and not mounted yet), instances, the function and function_graph\n"
	"tracers, function filters, funcgraph-retval, kprobes, kretprobes, uprobes,\n"
	"dynamic events, fprobes, eprobes, BTF-named probe arguments, BTF, syscall\n"
	"events, event triggers, pid filters, lockdown and kallsyms visibility.\n"
	"Each \"no\" says why: absent (the kernel lacks it) or refused (it exists but\n"
	"the kernel refused it, e.g. with EPERM).\n"
	"\n"
	"  --json      machine-readable output\n";

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct kstep_caps caps;
	bool json = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return KSTEP_EXIT_OK;
		default:
			fputs(usage, stderr);
			return KSTEP_EXIT_ERROR;
		}
	}
	if (optind < argc) {
		kstep_error("caps takes no arguments (see kstep help caps)");
		return KSTEP_EXIT_ERROR;
	}
	kstep_caps_probe(&caps);
	kstep_caps_print(&caps, stdout, json);
	return KSTEP_EXIT_OK;
}

const struct kstep_cmd kstep_cmd_caps = {
	.name = "caps",
	.run = run,
	.summary = "show what this kernel lets kstep use (probed, not read from config)",
	.usage = usage,
};
