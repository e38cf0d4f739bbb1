/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lookups.h - the lookups the kernel made in global arrays, as the plan's
 * "lookup" lines recorded them (option 0x4b0e, written by the recorder's
 * btfobj.c): every element from LO to HI was read at the function's entry,
 * and the element the index value names is the one the kernel used:
 * "net_families[2]=0xffffffff82149620 =inet_family_ops".
 */
#ifndef KSTEP_LOOKUPS_H
#define KSTEP_LOOKUPS_H

#include <stdbool.h>

struct kstep_lookups;
struct kstep_node;
struct kstep_ksyms;
struct kstep_sbuf;

/* Returns the lookups of option text (taken; NULL: none recorded). Free with kstep_lookups_free. */
struct kstep_lookups *kstep_lookups_new(char *text);
void kstep_lookups_free(struct kstep_lookups *l);

/*
 * Appends what node n looked up, one "SYMBOL[I]=..." per lookup read at it,
 * separated by "; ", to b, and returns how many; pointers are named from ks.
 */
int kstep_lookups_text(const struct kstep_lookups *l, const struct kstep_ksyms *ks, const struct kstep_node *n,
		       bool ascii, struct kstep_sbuf *b);

#endif
