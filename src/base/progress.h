/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * progress.h - progress of a long analysis on stderr, for people: records
 * read of the total, rate and time left, redrawn on one line at most ten
 * times a second once the work has taken longer than a second, and erased
 * when it ends. Only when stderr is a terminal and the command was not
 * given -q (the caller decides: kstep_progress_wanted).
 */
#ifndef KSTEP_PROGRESS_H
#define KSTEP_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct kstep_progress {
	bool on;
	bool shown;		/* a line is on the screen */
	uint64_t total;		/* records in the file */
	bool estimated;		/* total is extrapolated from the pages read so far */
	uint64_t done;
	int64_t start_ms, last_ms;
	int64_t delay_ms;	/* nothing is drawn before this much time has passed */
	const char *what;
};

/*
 * Returns true when progress should be drawn: stderr is a terminal and
 * quiet is false. KSTEP_PROGRESS_DELAY (milliseconds, default 1000) is how
 * long an analysis runs before its progress shows.
 */
bool kstep_progress_wanted(bool quiet);
/* Starts p (off unless on) for total records; what names the work ("analysing"). */
void kstep_progress_start(struct kstep_progress *p, bool on, uint64_t total, const char *what);
/* Draws the line when it is time (used by kstep_progress_tick). */
void kstep_progress_draw(struct kstep_progress *p);
/* Counts one more record; draws now and then. Cheap: the clock is read every 1024 records. */
static inline void kstep_progress_tick(struct kstep_progress *p)
{
	if (p->on && !(p->done++ & 1023))
		kstep_progress_draw(p);
}
/* Erases the line if one was drawn. */
void kstep_progress_end(struct kstep_progress *p);

#endif
