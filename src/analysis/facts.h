/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * facts.h - records → facts: one trace record of the selected task turned
 * into the facts the chain builds from (struct kstep_fact, chain.h).
 */
#ifndef KSTEP_FACTS_H
#define KSTEP_FACTS_H

#include "chain.h"
#include "event.h"
#include "load.h"

struct kstep_facts;

/*
 * Returns a decoder feeding chain c (which owns the values it makes);
 * long_size is the trace's long size; ld, when given, is asked for the
 * kallsyms before the first event text is printed. Free with kstep_facts_free.
 */
struct kstep_facts *kstep_facts_new(struct kstep_chain *c, int long_size, struct kstep_load *ld);
void kstep_facts_free(struct kstep_facts *fx);
/*
 * Turns one record into facts and feeds them to the chain. pid is the
 * selected task: other tasks' records are ignored except context switches
 * into pid. Returns 1 when the record was used, 0 when not.
 */
int kstep_facts_add_record(struct kstep_facts *fx, struct tep_handle *tep, const struct kstep_rec *rec,
			   const struct kstep_evdesc *d, int pid);

#endif
