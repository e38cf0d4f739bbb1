/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * defs.h - the constants a step log names, cited to where the recording
 * machine's headers define them (option 0x4b0f, written by the recorder's
 * headers.c): "AF_INET = PF_INET = 2  .../bits/socket.h:97 -> :45". The
 * log marks each name it decodes as used; the DEFINITIONS section lists
 * those, in the order they were first used.
 */
#ifndef KSTEP_DEFS_H
#define KSTEP_DEFS_H

#include <stdbool.h>
#include <stddef.h>

struct kstep_defs;

/*
 * Returns the definitions of option text (taken: freed with the set; NULL
 * when the file has none). Free with kstep_defs_free.
 */
struct kstep_defs *kstep_defs_new(char *text);
void kstep_defs_free(struct kstep_defs *d);

/* Marks every constant name (an upper-case C identifier) in decoded text as used. */
void kstep_defs_use_text(struct kstep_defs *d, const char *decoded);
/* Marks the constant kstep shows as name in table (kstep_const_cname) as used. */
void kstep_defs_use(struct kstep_defs *d, const char *table, const char *name);

/* One link of a chain: a #define or an enumerator, where it is written. */
struct kstep_def_link {
	const char *name;
	const char *path;
	unsigned line;
	const char *value;	/* as written: a number, an expression or the next name */
	bool enumerator;
	const char *sha256;	/* the file's, as the recorder read it; NULL when not recorded */
};

/* One used constant, as the views show it. */
struct kstep_def {
	const char *name;	/* the headers' name: AF_INET, __NR_socket */
	const char *value;	/* the end of its chain as written: "2" */
	const char *path;	/* where that value is written */
	unsigned line;
	const char *text;	/* the whole line: "AF_INET = PF_INET = 2  PATH:97 -> :45" */
	bool differs;		/* kstep's tables hold another value (built on other headers) */
	const struct kstep_def_link *const *links;	/* the chain, the name's own line first */
	size_t nlinks;
};

/*
 * Returns NULL when the definitions were recorded, else why not (kept by d).
 */
const char *kstep_defs_missing(const struct kstep_defs *d);
/* Returns the used constants that the headers define, in their order of first use; *n their number. */
const struct kstep_def *kstep_defs_used(struct kstep_defs *d, bool ascii, size_t *n);

#endif
