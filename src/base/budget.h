/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * budget.h - the memory budget: every size a file claims (a section, a
 * decompressed block, a chunk, a per-CPU table, the structures derived from
 * kallsyms) is charged here before it is allocated, so a small hostile file
 * ends in one message naming the claim, not in gigabytes of allocation.
 * What the analysis builds from the records (the call chain, the step log,
 * diff's trees) is charged as it grows, through charged arenas (util.h).
 *
 * The limit is a command-line option (kstep --max-memory SIZE, or the
 * environment variable KSTEP_MAX_MEMORY); the account is process-wide
 * because the limit is: diff charges every file it opens to the same budget.
 */
#ifndef KSTEP_BUDGET_H
#define KSTEP_BUDGET_H

#include <stddef.h>
#include <stdint.h>

/* The default: room for the analysis of a large real recording. */
#define KSTEP_BUDGET_DEFAULT (1ULL << 30)

/*
 * Parses a size: a number with an optional K, M, G or T suffix (powers of
 * 1024, an optional trailing "B" or "iB"). Returns 0 with *bytes set, or -1.
 */
int kstep_budget_parse(const char *text, uint64_t *bytes);
/* Sets the limit in bytes (at least 1 MiB is enforced by the caller). */
void kstep_budget_set(uint64_t bytes);
uint64_t kstep_budget_limit(void);
uint64_t kstep_budget_used(void);

/*
 * Charges n bytes for what (e.g. "the kallsyms section, uncompressed").
 * Returns 0, or -1 with a message in err saying what claimed how much, what
 * is already charged, the limit, and how to raise it; nothing is charged then.
 */
int kstep_budget_charge(uint64_t n, const char *what, char *err, size_t errlen);
/* Gives back n bytes charged earlier (a temporary buffer was freed). */
void kstep_budget_release(uint64_t n);

/* Writes n as "1.5 GiB", "256 MiB", "12 KiB" or "100 bytes" into buf; returns buf. */
const char *kstep_budget_fmt(uint64_t n, char *buf, size_t len);

#endif
