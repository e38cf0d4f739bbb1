// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * log.c - kstep's messages, and libtraceevent's routed through them.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>

#include <traceevent/event-parse.h>

#include "log.h"

/* The verbosity is a command-line option: the one global kstep keeps. */
static int log_level = KSTEP_LOG_WARN;
static unsigned long tep_messages;

void kstep_log_set_level(int level)
{
	log_level = level;
}

int kstep_log_level(void)
{
	return log_level;
}

static void vlog(int level, const char *prefix, const char *fmt, va_list ap)
	KSTEP_PRINTF(3, 0);

static bool log_color;	/* a CLI option (--color, NO_COLOR) */

void kstep_log_set_color(bool on)
{
	log_color = on;
}

static void vlog(int level, const char *prefix, const char *fmt, va_list ap)
{
	const char *on = !log_color ? NULL : level == KSTEP_LOG_ERROR ? "\033[1;31m" :
					   level == KSTEP_LOG_WARN ? "\033[33m" : NULL;

	if (level > log_level)
		return;
	if (on)
		fputs(on, stderr);
	fputs("kstep: ", stderr);
	if (prefix)
		fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	if (on)
		fputs("\033[0m", stderr);
	fputc('\n', stderr);
}

void kstep_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(KSTEP_LOG_ERROR, NULL, fmt, ap);
	va_end(ap);
}

void kstep_warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(KSTEP_LOG_WARN, "warning: ", fmt, ap);
	va_end(ap);
}

void kstep_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(KSTEP_LOG_INFO, NULL, fmt, ap);
	va_end(ap);
}

void kstep_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(KSTEP_LOG_DEBUG, "debug: ", fmt, ap);
	va_end(ap);
}

unsigned long kstep_log_tep_messages(void)
{
	return tep_messages;
}

/*
 * libtraceevent prints its parse complaints through this weak symbol; ours
 * takes precedence. Format quirks of a kernel are not the user's problem, so
 * they show only with -vv, and damage is reported by kstep's own checks.
 */
int tep_vprint(const char *name, enum tep_loglevel level, bool print_err,
	       const char *fmt, va_list ap) KSTEP_PRINTF(4, 0);
int tep_vprint(const char *name, enum tep_loglevel level, bool print_err,
	       const char *fmt, va_list ap)
{
	tep_messages++;
	if (log_level < KSTEP_LOG_DEBUG)
		return 0;
	fprintf(stderr, "kstep: debug: %s%s", name ? name : "libtraceevent",
		level <= TEP_LOG_WARNING ? " warning: " : ": ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	(void)print_err;
	return 0;
}
