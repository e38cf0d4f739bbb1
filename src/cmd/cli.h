/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cli.h - the commands' options, in one table: each option's name, argument,
 * help text and how its value is checked, shared by every command (steps,
 * tree, objects, diff, verify, annotate, info, caps, convert, redact,
 * record). The getopt tables, every command's help text and its man page's
 * OPTIONS are generated from it, so an option means and reads the same
 * everywhere. The modules below know nothing of the command line.
 */
#ifndef KSTEP_CLI_H
#define KSTEP_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "diff.h"
#include "pipeline.h"
#include "redact.h"

enum kstep_cli_code {
	KSTEP_CLI_END = 0,
	KSTEP_CLI_PID = 0x1000,
	KSTEP_CLI_COMM,
	KSTEP_CLI_SYSCALL,
	KSTEP_CLI_NTH,
	KSTEP_CLI_FROM,
	KSTEP_CLI_TO,
	KSTEP_CLI_VMLINUX,
	KSTEP_CLI_DEBUG_DIR,
	KSTEP_CLI_NO_DWARF,
	KSTEP_CLI_FORMAT,
	KSTEP_CLI_ASCII,
	KSTEP_CLI_HIDE,
	KSTEP_CLI_DEPTH,
	KSTEP_CLI_ALL,
	KSTEP_CLI_STRICT,
	KSTEP_CLI_MIN_DELTA,
	KSTEP_CLI_IRQS,
	KSTEP_CLI_OUTPUT,
	KSTEP_CLI_COLOR,
	KSTEP_CLI_QUIET,
	KSTEP_CLI_AT,
	KSTEP_CLI_STEPS,
	KSTEP_CLI_SOURCE,
	KSTEP_CLI_JSON,
	KSTEP_CLI_FILE_VERSION,
	KSTEP_CLI_COMPRESSION,
	KSTEP_CLI_COMMS,
	KSTEP_CLI_STRINGS,
	/* record's plan: kept in order in kstep_cli.items */
	KSTEP_CLI_PLAN,
	KSTEP_CLI_GRAPH,
	KSTEP_CLI_KPROBE,
	KSTEP_CLI_KRETPROBE,
	KSTEP_CLI_EVENT,
	KSTEP_CLI_STACK,
	KSTEP_CLI_UPROBE,
	KSTEP_CLI_URETPROBE,
	KSTEP_CLI_PLAN_SYSCALL,	/* --syscall NAME of record: a plan line, not a selection */
	/* record's recording */
	KSTEP_CLI_SHOW_PLAN,
	KSTEP_CLI_ATTACH,	/* -p, --pid of record: attach, not select */
	KSTEP_CLI_DURATION,
	KSTEP_CLI_BUFFER_SIZE,
	KSTEP_CLI_CLOCK,
	KSTEP_CLI_CLEANUP,
	KSTEP_CLI_LIST_PLANS,
	KSTEP_CLI_NO_DRAIN,
	KSTEP_CLI_DEBUGINFO,
	KSTEP_CLI_SECTION,	/* not an option: a heading in the help */
};

/* One option of a command: the table's entry, with the command's own help when it says more. */
struct kstep_cli_use {
	enum kstep_cli_code code;
	const char *help;	/* NULL: the table's; KSTEP_CLI_SECTION: the heading ("": a blank line) */
};

/* The selection and DWARF options, in the order every analysis command lists them. */
#define KSTEP_CLI_SELECT_OPTS                                                                   \
	{ KSTEP_CLI_SECTION, "Which task and which action:" }, { KSTEP_CLI_PID, NULL },         \
	{ KSTEP_CLI_COMM, NULL }, { KSTEP_CLI_SYSCALL, NULL }, { KSTEP_CLI_NTH, NULL },           \
	{ KSTEP_CLI_FROM, NULL }, { KSTEP_CLI_TO, NULL }
/* How people see it: colour and progress. */
#define KSTEP_CLI_TTY_OPTS { KSTEP_CLI_COLOR, NULL }, { KSTEP_CLI_QUIET, NULL }
#define KSTEP_CLI_DWARF_OPTS                                                                    \
	{ KSTEP_CLI_SECTION, "DWARF (source lines, inlined functions), matched to the trace by build-id:" }, \
	{ KSTEP_CLI_VMLINUX, NULL }, { KSTEP_CLI_DEBUG_DIR, NULL }, { KSTEP_CLI_NO_DWARF, NULL }

struct kstep_cli_cmd {
	const char *name;
	const char *synopsis;	/* "usage: ..." lines */
	const char *text;	/* what it does */
	const struct kstep_cli_use *opts;	/* ends with KSTEP_CLI_END */
	const char *formats;	/* --format values, "|"-separated, or NULL */
	const char *epilogue;	/* exit status... */
	bool opts_first;	/* stop at the first operand ("--" separates diff's sides; record's
				   COMMAND keeps its own options) */
};

/* One occurrence of an option whose occurrences count in their order (record's plan). */
struct kstep_cli_item {
	enum kstep_cli_code code;
	const char *arg;
};

/* record's options that are not its plan (copied into struct kstep_record_opts). */
struct kstep_cli_record {
	int attach_pid;		/* -p: 0 none */
	double duration;	/* --duration seconds; 0: until the command exits */
	size_t buffer_kb;	/* --buffer-size (default 8192) */
	const char *clock;	/* --clock (default local) */
	const char *debuginfo;	/* --debuginfo VMLINUX, or NULL */
	bool show_plan;
	bool cleanup;
	bool list_plans;
	bool no_drain;		/* test switch, not in the help */
};

/* Every option's value, parsed. */
struct kstep_cli {
	struct kstep_pipeline_opts po;	/* selection, DWARF, step log */
	struct kstep_diff_opts diff;
	const char *format;		/* NULL: not given */
	const char *output;
	bool ascii;
	bool strict;
	bool quiet;			/* -q: no progress display */
	int color;			/* --color: 0 auto, 1 always, -1 never */
	int depth;			/* --depth: also in po.steps.depth */
	int at;				/* --at: a step number, 0: the end */
	const char *source;		/* --source: the recorded kernel's source tree, or NULL */
	bool json;			/* --json (info, caps) */
	int file_version;		/* --file-version: 6 or 7 (default 7) */
	const char *compression;	/* --compression: zstd (default) or none */
	struct kstep_redact_opts redact;	/* --comms, --strings */
	struct kstep_cli_record rec;
	struct kstep_cli_item *items;	/* record's plan options, in the order given */
	int nitems;
	char **args;			/* the operands */
	int nargs;
};

/*
 * Parses argv for cmd into cli (zeroed first; defaults: diff min-delta
 * 100 µs, file version 7, zstd, record's 8192 KB buffers and local clock;
 * an option whose table entry has no help is accepted but not listed). Returns 0, 1 when the help was asked for (printed to stdout), or
 * -1 after printing one message (a bad option prints the help to stderr).
 * Free with kstep_cli_free.
 */
int kstep_cli_parse(const struct kstep_cli_cmd *cmd, int argc, char **argv, struct kstep_cli *cli);
void kstep_cli_free(struct kstep_cli *cli);
/*
 * Parses argv for cmd and, unless the help was asked for or the command line
 * is wrong, runs body with the options; frees them. Returns body's exit
 * status, KSTEP_EXIT_OK after the help, KSTEP_EXIT_ERROR after a usage error.
 */
int kstep_cli_run(const struct kstep_cli_cmd *cmd, int argc, char **argv, int (*body)(const struct kstep_cli *cli));
/*
 * Returns whether output to fd is coloured: --color=always, or auto (the
 * default) on a terminal when NO_COLOR is unset or empty.
 */
bool kstep_cli_color(const struct kstep_cli *cli, int fd);
/* Writes cmd's help, its options' part generated from the table. */
void kstep_cli_help(FILE *out, const struct kstep_cli_cmd *cmd);
/* Writes cmd's options as the OPTIONS section of a man page (roff), from the same table. */
void kstep_cli_man(FILE *out, const struct kstep_cli_cmd *cmd);
/*
 * The same for a command whose help is hand-written text: its option lines
 * ("  -x, --opt ARG  text", continuations indented) and headings ("Plan:").
 */
void kstep_cli_man_from_text(FILE *out, const char *help);

#endif
