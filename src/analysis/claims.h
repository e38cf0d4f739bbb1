/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * claims.h - the claim language of kstep verify: one claim a line about the
 * calls of one action ("order sock_alloc < sk_alloc", "returns socket =
 * -EAFNOSUPPORT"). Only parsing lives here, apart from the checker, so that
 * it can be unit tested and fuzzed on its own.
 */
#ifndef KSTEP_CLAIMS_H
#define KSTEP_CLAIMS_H

#include <stddef.h>

enum kstep_claim_kind {
	KSTEP_CLAIM_ORDER = 1,	/* order A < B */
	KSTEP_CLAIM_CALLS,	/* calls A -> B */
	KSTEP_CLAIM_CALLER,	/* caller B = A: a is B, b is A */
	KSTEP_CLAIM_NEVER,	/* never F */
	KSTEP_CLAIM_COUNT,	/* count F = N */
	KSTEP_CLAIM_RETURNS,	/* returns F = V */
	KSTEP_CLAIM_ARG,	/* arg F.NAME = V */
	KSTEP_CLAIM_LINK,	/* link F.NAME = G.return | G.NAME */
	KSTEP_CLAIM_INLINED,	/* inlined F in G */
	KSTEP_CLAIM_TAIL,	/* tail F from G: G tail-called F */
};

#define KSTEP_CLAIM_NAME_MAX 128

/* A function (or syscall, or "system:event") as named in the step log, maybe one call of it. */
struct kstep_claim_ref {
	char name[KSTEP_CLAIM_NAME_MAX];
	int k;				/* F#k: the k-th call; 0: not given (the first, or every one) */
	char field[KSTEP_CLAIM_NAME_MAX];	/* arg/link: the value's name, "return" for G.return; "" none */
};

struct kstep_claim {
	enum kstep_claim_kind kind;
	int line;			/* 1-based line in the claims file */
	char *text;			/* the claim as written, trimmed, without its comment */
	struct kstep_claim_ref a;	/* the subject: F, A, or B of caller */
	struct kstep_claim_ref b;	/* the other function, when there is one */
	char value[KSTEP_CLAIM_NAME_MAX];	/* count/returns/arg: V as written */
	long long count;		/* count: N */
};

struct kstep_claims {
	struct kstep_claim *v;
	size_t n;
};

/* Returns the keyword of a kind ("order", "calls", ...). */
const char *kstep_claim_keyword(enum kstep_claim_kind kind);

/*
 * Parses the claims text (len bytes, need not end in NUL) into out.
 * Returns 0, or -1 with "line L, column C: what is wrong" in err and
 * nothing in out. Free with kstep_claims_free either way.
 */
int kstep_claims_parse(const char *text, size_t len, struct kstep_claims *out, char *err, size_t errlen);
void kstep_claims_free(struct kstep_claims *c);

#endif
