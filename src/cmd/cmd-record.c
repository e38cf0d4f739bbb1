// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd-record.c - kstep record [PLAN/OPTIONS] -- COMMAND [ARGS].
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "datfile.h"
#include "pipeline.h"
#include "select.h"
#include "log.h"
#include "plan.h"
#include "record.h"

static const char usage[] =
	"usage: kstep record [--plan NAME|FILE] [probes] [-o FILE] -- COMMAND [ARGS]\n"
	"       kstep record [--plan NAME|FILE] [probes] -p PID [--duration SEC]\n"
	"       kstep record --cleanup | --list-plans\n"
	"\n"
	"Record what the kernel does for COMMAND into a trace.dat, through tracefs\n"
	"only, in kstep's own instance and probe group (removed again afterwards,\n"
	"also after Ctrl-C or a crash of the command). The plan says what to record;\n"
	"it is resolved against this kernel and degrades by capability: what cannot\n"
	"be traced here is reported and skipped (see kstep caps). The plan as asked\n"
	"and as applied, the kernel's build-id, the command and its exit status and\n"
	"the losses are stored in the file.\n"
	"\n"
	"Plan:\n"
	"  --plan NAME|FILE      a built-in plan (--list-plans) or a plan file\n"
	"                        (default: syscalls); repeatable\n"
	"  -g, --graph FUNC      function_graph root\n"
	"  --kprobe 'FUNC ARGS'  kprobe with fetch args (name=%di:s32 ...)\n"
	"  --kretprobe 'FUNC [ARGS]'  kretprobe (default ret=$retval)\n"
	"  -e, --event SYS:EVENT  a trace event\n"
	"  --stack SYS:EVENT[:FILTER]  a trace event with its kernel stack\n"
	"  --uprobe 'BIN:SYM [ARGS]'   user-space probe (BIN: prog, libc, or a path)\n"
	"  --uretprobe 'BIN:SYM [ARGS]'\n"
	"  --syscall NAME        sys_enter_NAME and sys_exit_NAME\n"
	"  --show-plan           resolve the plan, print it as applied, record nothing\n"
	"\n"
	"Recording:\n"
	"  -o, --output FILE     the trace file (default trace.dat; written under a\n"
	"                        temporary name and renamed when complete)\n"
	"  --file-version 6|7    trace.dat version (default 7)\n"
	"  --compression zstd|none  v7 compression (default zstd)\n"
	"  -p, --pid PID         attach to a running process instead of a command\n"
	"  --duration SEC        stop after SEC seconds\n"
	"  --buffer-size KB      per-CPU ring buffer (default 8192)\n"
	"  --clock CLOCK         trace clock (default local)\n"
	"  --cleanup             remove leftovers of killed kstep processes and exit\n"
	"  --debuginfo VMLINUX   store the DWARF facts the step log needs in the file\n"
	"                        (as kstep annotate), from this kernel debug file\n"
	"  -q, --quiet           only warnings and errors\n"
	"\n"
	"Exit status: 0 when the trace is written, whatever became of COMMAND: when\n"
	"it exits with a non-zero status or is killed by a signal, kstep says so on\n"
	"stderr and keeps the trace (kstep info shows the status, stored in the\n"
	"file); 2 when nothing could be recorded (-o a directory or in a directory\n"
	"that cannot be written, no root, no tracefs: checked before tracefs is\n"
	"touched). --cleanup needs root (exit 2 without).\n";

enum {
	OPT_PLAN = 0x100, OPT_KPROBE, OPT_KRETPROBE, OPT_STACK, OPT_UPROBE, OPT_URETPROBE,
	OPT_SYSCALL, OPT_SHOW, OPT_VERSION, OPT_COMPRESSION, OPT_DURATION, OPT_BUFFER,
	OPT_CLOCK, OPT_CLEANUP, OPT_LIST, OPT_NO_DRAIN, OPT_DEBUGINFO,
};

struct args {
	struct kstep_record_opts o;
	struct kstep_plan plan;
	bool plan_given;
	bool show;
	bool cleanup;
	bool list;
	int shortcuts;
	const char *debuginfo;	/* --debuginfo: annotate the file afterwards */
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

static int take(struct args *a, int c, const char *arg)
{
	char err[512], *line = NULL, *end;
	int ret = 0;

	switch (c) {
	case OPT_PLAN:
		if (kstep_plan_load(&a->plan, arg, err, sizeof(err))) {
			kstep_error("%s", err);
			return -1;
		}
		a->plan_given = true;
		return 0;
	case 'g':
		line = kstep_xasprintf("graph %s", arg);
		break;
	case OPT_KPROBE:
		line = kstep_xasprintf("kprobe %s", arg);
		break;
	case OPT_KRETPROBE:
		line = strchr(arg, ' ') ? kstep_xasprintf("kretprobe %s", arg) :
					  kstep_xasprintf("kretprobe %s ret=$retval", arg);
		break;
	case 'e':
		line = kstep_xasprintf("event %s", arg);
		break;
	case OPT_STACK:
		return stack_line(a, arg);
	case OPT_UPROBE:
		line = kstep_xasprintf("uprobe %s", arg);
		break;
	case OPT_URETPROBE:
		line = strchr(arg, ' ') ? kstep_xasprintf("uretprobe %s", arg) :
					  kstep_xasprintf("uretprobe %s ret=$retval", arg);
		break;
	case OPT_SYSCALL:
		line = kstep_xasprintf("syscall %s", arg);
		break;
	case 'o':
		a->o.output = arg;
		return 0;
	case OPT_VERSION:
		a->o.file_version = atoi(arg);
		if (a->o.file_version != 6 && a->o.file_version != 7) {
			kstep_error("--file-version takes 6 or 7");
			return -1;
		}
		return 0;
	case OPT_COMPRESSION:
		if (strcmp(arg, "zstd") && strcmp(arg, "none")) {
			kstep_error("--compression takes zstd or none");
			return -1;
		}
		a->o.compression = arg;
		return 0;
	case 'p':
		a->o.attach_pid = (int)strtol(arg, &end, 10);
		if (*end || a->o.attach_pid <= 0) {
			kstep_error("-p takes a process id");
			return -1;
		}
		return 0;
	case OPT_DURATION:
		a->o.duration = strtod(arg, &end);
		if (*end || a->o.duration <= 0) {
			kstep_error("--duration takes seconds");
			return -1;
		}
		return 0;
	case OPT_BUFFER:
		a->o.buffer_kb = (size_t)strtoul(arg, &end, 10);
		if (*end || a->o.buffer_kb < 4) {
			kstep_error("--buffer-size takes kilobytes (at least 4)");
			return -1;
		}
		return 0;
	case OPT_CLOCK:
		a->o.clock = arg;
		return 0;
	default:
		return 1;
	}
	ret = shortcut(a, line);
	free(line);
	return ret;
}

static int parse(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "plan", required_argument, NULL, OPT_PLAN },
		{ "graph", required_argument, NULL, 'g' },
		{ "kprobe", required_argument, NULL, OPT_KPROBE },
		{ "kretprobe", required_argument, NULL, OPT_KRETPROBE },
		{ "event", required_argument, NULL, 'e' },
		{ "stack", required_argument, NULL, OPT_STACK },
		{ "uprobe", required_argument, NULL, OPT_UPROBE },
		{ "uretprobe", required_argument, NULL, OPT_URETPROBE },
		{ "syscall", required_argument, NULL, OPT_SYSCALL },
		{ "show-plan", no_argument, NULL, OPT_SHOW },
		{ "output", required_argument, NULL, 'o' },
		{ "file-version", required_argument, NULL, OPT_VERSION },
		{ "compression", required_argument, NULL, OPT_COMPRESSION },
		{ "pid", required_argument, NULL, 'p' },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "buffer-size", required_argument, NULL, OPT_BUFFER },
		{ "clock", required_argument, NULL, OPT_CLOCK },
		{ "cleanup", no_argument, NULL, OPT_CLEANUP },
		{ "list-plans", no_argument, NULL, OPT_LIST },
		{ "no-drain", no_argument, NULL, OPT_NO_DRAIN },
		{ "debuginfo", required_argument, NULL, OPT_DEBUGINFO },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, r;

	optind = 1;
	/* "+": stop at the command, whose own options are its own */
	while ((c = getopt_long(argc, argv, "+g:e:o:p:qh", opts, NULL)) != -1) {
		switch (c) {
		case OPT_SHOW:
			a->show = true;
			continue;
		case OPT_CLEANUP:
			a->cleanup = true;
			continue;
		case OPT_LIST:
			a->list = true;
			continue;
		case OPT_NO_DRAIN:
			a->o.no_drain = true;
			continue;
		case OPT_DEBUGINFO:
			a->debuginfo = optarg;
			continue;
		case 'q':
			a->o.quiet = true;
			continue;
		case 'h':
			fputs(usage, stdout);
			return 1;
		case '?':
			fputs(usage, stderr);
			return -1;
		default:
			break;
		}
		r = take(a, c, optarg);
		if (r)
			return r < 0 ? -1 : (fputs(usage, stderr), -1);
	}
	a->o.argv = argv + optind;
	return 0;
}

static int run(int argc, char **argv)
{
	struct args a = { .o = { .output = "trace.dat", .file_version = 7, .compression = "zstd",
				 .buffer_kb = 8192, .clock = "local" } };
	char err[512];
	int ret = KSTEP_EXIT_ERROR, p;

	kstep_plan_init(&a.plan);
	p = parse(argc, argv, &a);
	if (p) {
		ret = p > 0 ? KSTEP_EXIT_OK : KSTEP_EXIT_ERROR;
		goto out;
	}
	if (a.list) {
		kstep_plan_list();
		ret = KSTEP_EXIT_OK;
		goto out;
	}
	if (a.cleanup) {
		int n;

		/* as another user tracefs cannot even be read: "removed 0" would be a lie */
		if (geteuid() != 0) {
			kstep_error("kstep record --cleanup needs root to change tracefs: run it as root "
				    "(sudo kstep record --cleanup)");
			goto out;
		}
		n = kstep_record_cleanup(true);

		if (n < 0)
			kstep_error("tracefs is not usable here (see kstep caps)");
		else
			printf("kstep: removed %d leftover%s of killed kstep processes\n", n, n == 1 ? "" : "s");
		ret = n < 0 ? KSTEP_EXIT_ERROR : KSTEP_EXIT_OK;
		goto out;
	}
	if (!a.o.attach_pid && !*a.o.argv && !a.show) {
		kstep_error("nothing to record: give a command after --, or -p PID (see kstep help record)");
		goto out;
	}
	if (a.o.attach_pid && *a.o.argv) {
		kstep_error("give either -p PID or a command, not both");
		goto out;
	}
	/* before tracefs is touched: a bad -o must not cost the whole run */
	if (!a.show && kstep_datw_check_path(a.o.output, err, sizeof(err))) {
		kstep_error("%s; nothing was recorded", err);
		goto out;
	}
	if (!a.plan_given && !a.shortcuts && kstep_plan_load(&a.plan, "syscalls", err, sizeof(err))) {
		kstep_error("%s", err);
		goto out;
	}
	ret = kstep_record_run(&a.plan, &a.o, a.show);
	if (ret == KSTEP_EXIT_OK && a.debuginfo && !a.show) {
		/* the facts go into the file now, while the debug file is at hand */
		struct kstep_select_opts so = { 0 };
		struct kstep_gaps_opts go = { .vmlinux = a.debuginfo };

		if (kstep_pipeline_annotate(a.o.output, a.o.output, &so, &go, false))
			ret = KSTEP_EXIT_ERROR;
	}
out:
	kstep_plan_free(&a.plan);
	return ret;
}

const struct kstep_cmd kstep_cmd_record = {
	.name = "record",
	.run = run,
	.summary = "record a command's kernel work into a trace.dat (through tracefs)",
	.usage = usage,
};
