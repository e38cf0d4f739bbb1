// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd-record.c - kstep record [PLAN/OPTIONS] -- COMMAND [ARGS].
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"
#include "datfile.h"
#include "pipeline.h"
#include "select.h"
#include "log.h"
#include "plan.h"
#include "record.h"

static const struct kstep_cli_use opts[] = {
	{ KSTEP_CLI_SECTION, "Plan:" },
	{ KSTEP_CLI_PLAN, NULL },
	{ KSTEP_CLI_GRAPH, NULL },
	{ KSTEP_CLI_KPROBE, NULL },
	{ KSTEP_CLI_KRETPROBE, NULL },
	{ KSTEP_CLI_EVENT, NULL },
	{ KSTEP_CLI_STACK, NULL },
	{ KSTEP_CLI_UPROBE, NULL },
	{ KSTEP_CLI_URETPROBE, NULL },
	{ KSTEP_CLI_PLAN_SYSCALL, NULL },
	{ KSTEP_CLI_SHOW_PLAN, NULL },
	{ KSTEP_CLI_SECTION, "Recording:" },
	{ KSTEP_CLI_OUTPUT, "the trace file (default trace.dat; written under a\n"
	  "temporary name and renamed when complete)" },
	{ KSTEP_CLI_FILE_VERSION, NULL },
	{ KSTEP_CLI_COMPRESSION, NULL },
	{ KSTEP_CLI_ATTACH, NULL },
	{ KSTEP_CLI_DURATION, NULL },
	{ KSTEP_CLI_BUFFER_SIZE, NULL },
	{ KSTEP_CLI_CLOCK, NULL },
	{ KSTEP_CLI_CLEANUP, NULL },
	{ KSTEP_CLI_LIST_PLANS, NULL },
	{ KSTEP_CLI_DEBUGINFO, NULL },
	{ KSTEP_CLI_QUIET, "only warnings and errors" },
	{ KSTEP_CLI_NO_DRAIN, NULL },
	{ KSTEP_CLI_END, NULL },
};

static const struct kstep_cli_cmd cli = {
	.name = "record",
	.synopsis = "usage: kstep record [--plan NAME|FILE] [probes] [-o FILE] -- COMMAND [ARGS]\n"
		    "       kstep record [--plan NAME|FILE] [probes] -p PID [--duration SEC]\n"
		    "       kstep record --cleanup | --list-plans\n",
	.text = "Record what the kernel does for COMMAND into a trace.dat, through tracefs\n"
		"only, in kstep's own instance and probe group (removed again afterwards,\n"
		"also after Ctrl-C or a crash of the command). The plan says what to record;\n"
		"it is resolved against this kernel and degrades by capability: what cannot\n"
		"be traced here is reported and skipped (see kstep caps). The plan as asked\n"
		"and as applied, the kernel's build-id, the command and its exit status and\n"
		"the losses are stored in the file.\n",
	.opts = opts,
	.epilogue = "Exit status: 0 when the trace is written, whatever became of COMMAND: when\n"
		    "it exits with a non-zero status or is killed by a signal, kstep says so on\n"
		    "stderr and keeps the trace (kstep info shows the status, stored in the\n"
		    "file); 2 when nothing could be recorded (-o a directory or in a directory\n"
		    "that cannot be written, no root, no tracefs: checked before tracefs is\n"
		    "touched). --cleanup needs root (exit 2 without).\n",
	/* stop at the command, whose own options are its own */
	.opts_first = true,
};

struct args {
	struct kstep_record_opts o;
	struct kstep_plan plan;
	bool plan_given;
	int shortcuts;
};

static int shortcut(struct args *a, const char *line)
{
	char err[512];

	a->shortcuts++;
	if (kstep_plan_add(&a->plan, line, "command line", a->shortcuts, err, sizeof(err))) {
		kstep_error("%s", err);
		return -1;
	}
	return 0;
}

static int stack_line(struct args *a, const char *arg)
{
	char *copy = kstep_xstrdup(arg), *colon = strchr(copy, ':'), *filter;
	int ret;

	filter = colon ? strchr(colon + 1, ':') : NULL;
	if (filter)
		*filter++ = '\0';
	{
		char *line = filter ? kstep_xasprintf("event %s stack if %s", copy, filter) :
				      kstep_xasprintf("event %s stack", copy);

		ret = shortcut(a, line);
		free(line);
	}
	free(copy);
	return ret;
}

/* The plan line (doc/plans.md) of a probe option; a return probe without arguments fetches the return value. */
static char *probe_line(enum kstep_cli_code code, const char *arg)
{
	bool bare = !strchr(arg, ' ');

	switch (code) {
	case KSTEP_CLI_GRAPH:
		return kstep_xasprintf("graph %s", arg);
	case KSTEP_CLI_KPROBE:
		return kstep_xasprintf("kprobe %s", arg);
	case KSTEP_CLI_KRETPROBE:
		return kstep_xasprintf(bare ? "kretprobe %s ret=$retval" : "kretprobe %s", arg);
	case KSTEP_CLI_EVENT:
		return kstep_xasprintf("event %s", arg);
	case KSTEP_CLI_UPROBE:
		return kstep_xasprintf("uprobe %s", arg);
	case KSTEP_CLI_URETPROBE:
		return kstep_xasprintf(bare ? "uretprobe %s ret=$retval" : "uretprobe %s", arg);
	default:
		return kstep_xasprintf("syscall %s", arg);
	}
}

/* One plan option, in the order given: a plan file or built-in plan, or one line of the command-line plan. */
static int plan_item(struct args *a, const struct kstep_cli_item *it)
{
	char err[512], *line;
	int ret;

	if (it->code == KSTEP_CLI_PLAN) {
		if (kstep_plan_load(&a->plan, it->arg, err, sizeof(err))) {
			kstep_error("%s", err);
			return -1;
		}
		a->plan_given = true;
		return 0;
	}
	if (it->code == KSTEP_CLI_STACK)
		return stack_line(a, it->arg);
	line = probe_line(it->code, it->arg);
	ret = shortcut(a, line);
	free(line);
	return ret;
}

static int cleanup(void)
{
	int n;

	/* as another user tracefs cannot even be read: "removed 0" would be a lie */
	if (geteuid() != 0) {
		kstep_error("kstep record --cleanup needs root to change tracefs: run it as root "
			    "(sudo kstep record --cleanup)");
		return KSTEP_EXIT_ERROR;
	}
	n = kstep_record_cleanup(true);
	if (n < 0) {
		kstep_error("tracefs is not usable here (see kstep caps)");
		return KSTEP_EXIT_ERROR;
	}
	printf("kstep: removed %d leftover%s of killed kstep processes\n", n, n == 1 ? "" : "s");
	return KSTEP_EXIT_OK;
}

/* Records with the plan built, once the command line has been checked. */
static int record_plan(struct args *a, const struct kstep_cli_record *r)
{
	char err[512];
	int ret;

	if (!a->o.attach_pid && !*a->o.argv && !r->show_plan) {
		kstep_error("nothing to record: give a command after --, or -p PID (see kstep help record)");
		return KSTEP_EXIT_ERROR;
	}
	if (a->o.attach_pid && *a->o.argv) {
		kstep_error("give either -p PID or a command, not both");
		return KSTEP_EXIT_ERROR;
	}
	/* before tracefs is touched: a bad -o must not cost the whole run */
	if (!r->show_plan && kstep_datw_check_path(a->o.output, err, sizeof(err))) {
		kstep_error("%s; nothing was recorded", err);
		return KSTEP_EXIT_ERROR;
	}
	if (!a->plan_given && !a->shortcuts && kstep_plan_load(&a->plan, "syscalls", err, sizeof(err))) {
		kstep_error("%s", err);
		return KSTEP_EXIT_ERROR;
	}
	ret = kstep_record_run(&a->plan, &a->o, r->show_plan);
	if (ret == KSTEP_EXIT_OK && r->debuginfo && !r->show_plan) {
		/* the facts go into the file now, while the debug file is at hand */
		struct kstep_select_opts so = { 0 };
		struct kstep_gaps_opts go = { .vmlinux = r->debuginfo };

		if (kstep_pipeline_annotate(a->o.output, a->o.output, &so, &go, false))
			ret = KSTEP_EXIT_ERROR;
	}
	return ret;
}

static int record(struct args *a, const struct kstep_cli *c)
{
	int i;

	for (i = 0; i < c->nitems; i++)
		if (plan_item(a, &c->items[i]))
			return KSTEP_EXIT_ERROR;
	if (c->rec.list_plans) {
		kstep_plan_list();
		return KSTEP_EXIT_OK;
	}
	if (c->rec.cleanup)
		return cleanup();
	return record_plan(a, &c->rec);
}

static int body(const struct kstep_cli *c)
{
	struct args a = { .o = {
		.output = c->output ? c->output : "trace.dat",
		.file_version = c->file_version,
		.compression = c->compression,
		.attach_pid = c->rec.attach_pid,
		.argv = c->args,
		.duration = c->rec.duration,
		.buffer_kb = c->rec.buffer_kb,
		.clock = c->rec.clock,
		.no_drain = c->rec.no_drain,
		.quiet = c->quiet,
	} };
	int ret;

	kstep_plan_init(&a.plan);
	ret = record(&a, c);
	kstep_plan_free(&a.plan);
	return ret;
}

static int run(int argc, char **argv)
{
	return kstep_cli_run(&cli, argc, argv, body);
}

const struct kstep_cmd kstep_cmd_record = {
	.name = "record",
	.run = run,
	.summary = "record a command's kernel work into a trace.dat (through tracefs)",
	.cli = &cli,
};
