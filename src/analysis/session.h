/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * session.h - one trace.dat opened by an analysis command: the loaded file,
 * its event table, what the file says about how it was made, and the common
 * end of a run (damage warnings, the --strict exit status).
 */
#ifndef KSTEP_SESSION_H
#define KSTEP_SESSION_H

#include <stdbool.h>

#include "event.h"
#include "load.h"

struct kstep_session {
	const char *path;
	struct kstep_load *ld;
	struct kstep_dat *dat;
	struct kstep_evtab *evtab;
	int traced_pid;			/* from kstep's COMMAND option, else 0 */
	char traced_cmd[256];
	bool have_exit;			/* kstep's EXIT option: how the command ended */
	int exit_code;			/* -1 when killed by a signal */
	int exit_signal;
	char recorder[128];		/* "kstep 0.1.0", "trace-cmd 3.1.6", ... */
	char build_id[129];		/* the kernel's build-id in hex, "" when not recorded */
	char plan[64];			/* the plan's name, "" when not recorded */
	int plan_applied;		/* its items applied and skipped on the recording kernel */
	int plan_skipped;
	/* losses and damage of the last full pass over the file */
	struct kstep_load_stats kept;
	bool have_kept;
};

/* Opens path; on failure prints one message and returns -1. */
int kstep_session_open(struct kstep_session *s, const char *path);
/* Keeps the counters of a full pass, for the footer and the warnings. */
void kstep_session_keep_damage(struct kstep_session *s);
/* Returns the counters of the last full pass (kept, else the current one). */
const struct kstep_load_stats *kstep_session_damage(const struct kstep_session *s);
/*
 * Prints the warnings for lost or damaged data seen by the last pass and
 * returns the exit status: 0, or 2 when strict and anything was lost.
 */
int kstep_session_finish(struct kstep_session *s, bool strict);
void kstep_session_close(struct kstep_session *s);

#endif
