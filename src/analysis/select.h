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
	/*
	 * The view shows nothing of the whole file before pass 2 (no record
	 * counts in a header): pass 1 may stop as soon as the task is known.
	 */
	bool lazy;
	/*
	 * The tests' hooks (the command line fills them from KSTEP_TEST_*): guess
	 * after this many records (0: KSTEP_GUESS_AFTER), guess this task at
	 * once (0: none), read the whole file in pass 1.
	 */
	uint64_t test_guess_after;
	int test_guess_pid;
	bool test_full_pass1;
};

struct kstep_selection {
	int pid;
	char comm[64];
	const char *how;	/* why this task was chosen */
	char action[256];	/* what window was chosen, for the header */
	uint64_t from;
	uint64_t to;		/* inclusive; UINT64_MAX: to the end */
	/*
	 * --syscall is a view, not a selection: the whole task is read and
	 * derived (from..to), and only the steps that overlap
	 * view_from..view_to are shown, so that the footer is the same.
	 */
	bool view;
	uint64_t view_from, view_to;
	bool windowed;
	/*
	 * records and counts are final after pass 1 when counted is set; else
	 * pass 1 stopped early and pass 2, which reads the whole file, counts.
	 */
	bool counted;
	/*
	 * pid is the first traced call's task, a guess: pass 1 stopped before
	 * it saw a syscall entry. kstep_select_check settles it in pass 2.
	 */
	bool tentative;
	uint64_t records;	/* in the whole file */
	uint64_t *counts;	/* per event id, whole file */
	int ncounts;
	uint64_t *retfuncs;	/* functions with return probes */
	size_t nretfuncs;
};

/* Parses "SECONDS[.FRACTION]" as trace-cmd prints timestamps; 0 or -1. */
int kstep_parse_ts(const char *s, uint64_t *ns);

/*
 * Pass 1: chooses the task (--pid, --comm, the traced command recorded by
 * kstep, else the task of the first syscall entry) and the window (--syscall
 * with --nth, --from/--to, else the whole task). Prints one message and
 * returns -1 when the selection cannot be made.
 */
/* The choices whose text kstep_select_check may change. */
#define KSTEP_HOW_FIRST_SYSCALL "task of the first syscall entry"
#define KSTEP_HOW_FIRST_CALL "task of the first traced call (the file has no syscall entry)"

int kstep_select(struct kstep_session *s, const struct kstep_select_opts *o,
		 struct kstep_selection *sel);
/*
 * Pass 2 shows every record here while the selection is tentative. The
 * first syscall entry settles it: returns 1 then (sel holds its task and the
 * reason; what was made for the guess must be made again), else 0.
 */
int kstep_select_check(struct kstep_session *s, struct kstep_selection *sel, const struct kstep_evdesc *d,
		       const struct kstep_rec *rec);
void kstep_selection_free(struct kstep_selection *sel);

#endif
