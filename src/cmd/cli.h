/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cli.h - the analysis commands' options, in one table: each option's name,
 * argument, help text and how its value is checked, shared by steps, tree,
 * diff and annotate. The getopt tables and every command's help text are
 * generated from it, so an option means and reads the same everywhere.
 * The modules below know nothing of the command line.
 */
#ifndef KSTEP_CLI_H
#define KSTEP_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "diff.h"
#include "pipeline.h"

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
	bool opts_first;	/* stop at the first operand ("--" separates diff's sides) */
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
	char **args;			/* the operands */
	int nargs;
};

/*
 * Parses argv for cmd into cli (zeroed first; defaults: diff min-delta
 * 100 µs). Returns 0, 1 when the help was asked for (printed to stdout), or
 * -1 after printing one message (a bad option prints the help to stderr).
 * Free with kstep_cli_free.
 */
int kstep_cli_parse(const struct kstep_cli_cmd *cmd, int argc, char **argv, struct kstep_cli *cli);
void kstep_cli_free(struct kstep_cli *cli);
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
