/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * select.h - which task and which action to show: the first pass over the
 * file finds the task, the action's time window and what the file holds
 * (event counts, functions with return probes). The second pass, which feeds
 * the selected task's records in that window on, is the pipeline's.
 */
#ifndef KSTEP_SELECT_H
#define KSTEP_SELECT_H

#include <stdbool.h>
#include <stdint.h>

#include "chain.h"
#include "session.h"

struct kstep_select_opts {
	int pid;		/* 0: choose */
	const char *comm;
	const char *syscall;	/* the action: the nth call of this syscall */
	int nth;		/* 1-based */
	bool has_from;
	bool has_to;
	uint64_t from;		/* ns */
	uint64_t to;
};

struct kstep_selection {
	int pid;
	char comm[64];
	const char *how;	/* why this task was chosen */
	char action[256];	/* what window was chosen, for the header */
	uint64_t from;
	uint64_t to;		/* inclusive; UINT64_MAX: to the end */
	bool windowed;
	uint64_t records;	/* in the whole file */
	uint64_t *counts;	/* per event id, whole file */
	int ncounts;
	uint64_t *retfuncs;	/* functions with return probes */
	size_t nretfuncs;
};

/* getopt_long codes of the selection options shared by steps, tree and diff */
enum kstep_select_optcode {
	KSTEP_OPT_PID = 0x1000,
	KSTEP_OPT_COMM,
	KSTEP_OPT_SYSCALL,
	KSTEP_OPT_NTH,
	KSTEP_OPT_FROM,
	KSTEP_OPT_TO,
};

#define KSTEP_SELECT_LONGOPTS                                            \
	{ "pid", required_argument, NULL, KSTEP_OPT_PID },               \
	{ "comm", required_argument, NULL, KSTEP_OPT_COMM },             \
	{ "syscall", required_argument, NULL, KSTEP_OPT_SYSCALL },       \
	{ "nth", required_argument, NULL, KSTEP_OPT_NTH },               \
	{ "from", required_argument, NULL, KSTEP_OPT_FROM },             \
	{ "to", required_argument, NULL, KSTEP_OPT_TO }

#define KSTEP_SELECT_HELP                                                                \
	"Which task and which action:\n"                                                 \
	"  --pid PID        the task (default: the traced command recorded in the file,\n" \
	"                   else the task of the first syscall entry)\n"                   \
	"  --comm NAME      the first task with this command name\n"                       \
	"  --syscall NAME   only the NAME system call (e.g. socket) and its user-space\n"   \
	"                   caller when a uprobe encloses it\n"                             \
	"  --nth K          the K-th such call (default 1)\n"                               \
	"  --from SECONDS   start of the time window (timestamps as kstep/trace-cmd show)\n" \
	"  --to SECONDS     end of the time window\n"

/*
 * Takes one selection option (code from KSTEP_SELECT_LONGOPTS). Returns 1
 * when taken, 0 when the code is not a selection option, -1 on a bad value
 * (message printed).
 */
int kstep_select_opt(int code, const char *arg, struct kstep_select_opts *o);

/* Parses "SECONDS[.FRACTION]" as trace-cmd prints timestamps; 0 or -1. */
int kstep_parse_ts(const char *s, uint64_t *ns);

/*
 * Pass 1: chooses the task (--pid, --comm, the traced command recorded by
 * kstep, else the task of the first syscall entry) and the window (--syscall
 * with --nth, --from/--to, else the whole task). Prints one message and
 * returns -1 when the selection cannot be made.
 */
int kstep_select(struct kstep_session *s, const struct kstep_select_opts *o,
		 struct kstep_selection *sel);
void kstep_selection_free(struct kstep_selection *sel);

#endif
