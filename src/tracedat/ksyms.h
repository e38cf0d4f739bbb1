/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ksyms.h - the kernel symbol table stored in a trace.dat (kallsyms text),
 * sorted for address look-ups, with symbol types kept so that data symbols
 * (init_net) can name pointers and text symbols name functions.
 */
#ifndef KSTEP_KSYMS_H
#define KSTEP_KSYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kstep_ksym {
	uint64_t addr;
	const char *name;
	const char *module;	/* NULL for vmlinux */
	char type;		/* kallsyms type letter: T t D d B b R r W ... */
};

struct kstep_ksyms;

/* Parses kallsyms text. Returns the table (never NULL); free with kstep_ksyms_free. */
struct kstep_ksyms *kstep_ksyms_parse(const char *text, size_t len);
void kstep_ksyms_free(struct kstep_ksyms *ks);

/* Returns how many symbols have a usable (non-zero) address. */
size_t kstep_ksyms_count(const struct kstep_ksyms *ks);
/* Returns true when kallsyms was stored with addresses hidden (all zero). */
bool kstep_ksyms_zeroed(const struct kstep_ksyms *ks);

/*
 * Returns the symbol containing addr (the nearest one at or below it, when
 * addr lies before the next symbol), or NULL; *off gets addr - symbol.
 */
const struct kstep_ksym *kstep_ksyms_lookup(const struct kstep_ksyms *ks, uint64_t addr,
					    uint64_t *off);
/* Returns the name of the symbol containing addr, or NULL (also for ks NULL). */
const char *kstep_ksyms_name(const struct kstep_ksyms *ks, uint64_t addr);
/* Returns the first symbol with this exact name, or NULL. */
const struct kstep_ksym *kstep_ksyms_find(const struct kstep_ksyms *ks, const char *name);
/* Returns true for code symbols (T, t, W, w). */
bool kstep_ksym_is_text(const struct kstep_ksym *sym);

#endif
