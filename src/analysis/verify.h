/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * verify.h - kstep verify's checker: decides each claim (claims.h) from the
 * step log of one action as it streams by. It keeps only what the claims
 * ask about (per claim: the call it names, counters, the first contrary
 * call), never the log, so memory follows the claims, not the trace.
 */
#ifndef KSTEP_VERIFY_H
#define KSTEP_VERIFY_H

#include <stdbool.h>

#include "claims.h"
#include "gaps.h"
#include "ksyms.h"
#include "steps.h"

enum kstep_verdict {
	KSTEP_PROVEN = 0,
	KSTEP_REFUTED,
	KSTEP_UNDECIDABLE,
};

#define KSTEP_VERIFY_MAX_STEPS 4

struct kstep_verify_result {
	enum kstep_verdict verdict;
	char evidence[512];		/* the steps (#N), the observed values, or what the trace lacks */
	int steps[KSTEP_VERIFY_MAX_STEPS];	/* the step numbers cited, 0-terminated */
};

struct kstep_verify;

/*
 * Returns a checker of claims cl (which must outlive it). ks resolves kernel
 * symbols named in values (may be NULL); one_syscall says the selection is
 * one system call (--syscall), the only window whose every call a
 * function_graph trace can show. Free with kstep_verify_free.
 */
struct kstep_verify *kstep_verify_new(const struct kstep_claims *cl, const struct kstep_ksyms *ks, bool one_syscall);
/* Takes in one subtree the pipeline handed out; st->v[0..st->n) are its steps. */
void kstep_verify_subtree(struct kstep_verify *v, const struct kstep_steps *st, const struct kstep_node *top);
/*
 * Decides every claim once the whole action went by; g says what DWARF
 * gave (NULL: nothing). Returns the results, one per claim in order, owned
 * by v.
 */
const struct kstep_verify_result *kstep_verify_end(struct kstep_verify *v, const struct kstep_gaps *g);
void kstep_verify_free(struct kstep_verify *v);

/* Returns "proven", "refuted" or "undecidable". */
const char *kstep_verdict_name(enum kstep_verdict v);

#endif
