/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * log.h - messages to stderr and the exit codes every command shares.
 *
 * One message per problem, naming the thing and what to do. Errors and
 * warnings always print; info and debug print with -v / -vv.
 */
#ifndef KSTEP_LOG_H
#define KSTEP_LOG_H

#include <stdbool.h>

#include <stdarg.h>

#include "util.h"

/* Exit codes (all commands) */
enum kstep_exit {
	KSTEP_EXIT_OK = 0,
	KSTEP_EXIT_DIFF = 1,	/* diff: the inputs differ */
	KSTEP_EXIT_ERROR = 2,	/* unusable input, usage error, or damage with --strict */
};

enum kstep_loglevel {
	KSTEP_LOG_ERROR = 0,
	KSTEP_LOG_WARN = 1,
	KSTEP_LOG_INFO = 2,
	KSTEP_LOG_DEBUG = 3,
};

/* Sets how much prints: warnings and errors always, then -v info, -vv debug. */
void kstep_log_set_level(int level);
/* Errors red and warnings yellow on stderr (the caller decides: a terminal, no NO_COLOR, --color). */
void kstep_log_set_color(bool on);
int kstep_log_level(void);

void kstep_error(const char *fmt, ...) KSTEP_PRINTF(1, 2);
void kstep_warning(const char *fmt, ...) KSTEP_PRINTF(1, 2);
void kstep_info(const char *fmt, ...) KSTEP_PRINTF(1, 2);
void kstep_debug(const char *fmt, ...) KSTEP_PRINTF(1, 2);

/* Returns how many libtraceevent messages were routed through kstep's log. */
unsigned long kstep_log_tep_messages(void);

#endif
