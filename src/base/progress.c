// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * progress.c - the progress line of a long analysis (see progress.h).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool kstep_progress_wanted(bool quiet)
{
	return !quiet && isatty(STDERR_FILENO);
}

void kstep_progress_start(struct kstep_progress *p, bool on, uint64_t total, const char *what)
{
	const char *env = getenv("KSTEP_PROGRESS_DELAY");
	char *end;
	long v;

	*p = (struct kstep_progress){ .on = on, .total = total, .what = what, .delay_ms = 1000 };
	if (env && *env && (v = strtol(env, &end, 10)) >= 0 && !*end)
		p->delay_ms = v;
	if (on)
		p->start_ms = p->last_ms = now_ms();
}

static void human(char *out, size_t len, double v)
{
	static const char *const units[] = { "", "k", "M", "G" };
	int i = 0;

	while (v >= 1000 && i < 3) {
		v /= 1000;
		i++;
	}
	snprintf(out, len, i ? "%.1f%s" : "%.0f%s", v, units[i]);
}

void kstep_progress_draw(struct kstep_progress *p)
{
	int64_t t = now_ms(), el = t - p->start_ms;
	char done[16], total[16], rate[16], eta[32] = "";
	double r;

	if (el < p->delay_ms || (p->shown && t - p->last_ms < 100))
		return;
	p->last_ms = t;
	r = el > 0 ? (double)p->done * 1000.0 / (double)el : 0;
	human(done, sizeof(done), (double)p->done);
	human(total, sizeof(total), (double)p->total);
	human(rate, sizeof(rate), r);
	if (r > 0 && p->total > p->done)
		snprintf(eta, sizeof(eta), ", %.0f s left", (double)(p->total - p->done) / r);
	if (p->total)
		fprintf(stderr, "\r\033[Kkstep: %s: %s of %s%s records (%.0f%%), %s/s%s", p->what, done,
			p->estimated ? "about " : "", total, 100.0 * (double)p->done / (double)p->total,
			rate, eta);
	else	/* the total is not known yet */
		fprintf(stderr, "\r\033[Kkstep: %s: %s records, %s/s", p->what, done, rate);
	fflush(stderr);
	p->shown = true;
}

void kstep_progress_end(struct kstep_progress *p)
{
	if (p->shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	p->shown = false;
	p->on = false;
}
