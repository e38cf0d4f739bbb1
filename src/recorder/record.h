/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * record.h - recording one command (or a running process) with a resolved
 * probe plan, in kstep's own tracefs instance and probe group, draining the
 * per-CPU buffers while it runs, then writing a trace.dat. Everything kstep
 * creates in tracefs is removed again: on normal exit, on SIGINT/SIGTERM and
 * when the traced command crashes; leftovers of a killed kstep are removed by
 * the next run (or kstep record --cleanup).
 */
#ifndef KSTEP_RECORD_H
#define KSTEP_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include "plan.h"

struct kstep_record_opts {
	const char *output;	/* -o, default trace.dat */
	int file_version;	/* 6 or 7 */
	const char *compression;	/* "zstd" or "none" (v7) */
	int attach_pid;		/* -p: trace this running process instead of a command */
	char **argv;		/* the command (NULL-terminated), when not attaching */
	double duration;	/* --duration seconds; 0: until the command exits */
	size_t buffer_kb;	/* per-CPU ring buffer */
	const char *clock;	/* trace clock, default local */
	bool no_drain;		/* test switch: read the buffers only at the end */
	bool quiet;
};

/*
 * Records (or, with show_only, resolves the plan and prints it as applied).
 * Returns the exit status for kstep: 0, or 2 with a message printed.
 */
int kstep_record_run(struct kstep_plan *plan, const struct kstep_record_opts *o, bool show_only);

/*
 * Removes the instances and probe groups of kstep processes that no longer
 * run (never those of a live kstep). Returns how many were removed, -1 when
 * tracefs is not usable.
 */
int kstep_record_cleanup(bool verbose);

#endif
