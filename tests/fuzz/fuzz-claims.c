// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-claims.c - libFuzzer target: one input is one claims file of kstep
 * verify (doc/verify.md), parsed as `kstep verify CLAIMS` parses it. A parse
 * either fails with "line L, column C: ..." naming a place inside the input,
 * or gives claims whose strings are terminated within their fields and whose
 * lines count up within the input; anything else is a defect.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claims.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t lines_in(const uint8_t *data, size_t size)
{
	size_t i, n = 1;

	for (i = 0; i < size; i++)
		n += data[i] == '\n';
	return n;
}

static void check_ref(const struct kstep_claim_ref *r)
{
	if (strnlen(r->name, sizeof(r->name)) == sizeof(r->name) ||
	    strnlen(r->field, sizeof(r->field)) == sizeof(r->field) || r->k < 0)
		abort();
}

/* Aborts on a claim that breaks the parser's promises (claims.h). */
static void check_claims(const struct kstep_claims *c, size_t nlines)
{
	size_t i;
	int last = 0;

	for (i = 0; i < c->n; i++) {
		const struct kstep_claim *cl = &c->v[i];

		if (cl->line <= last || (size_t)cl->line > nlines || !cl->text || !*cl->text ||
		    !kstep_claim_keyword(cl->kind) || strnlen(cl->value, sizeof(cl->value)) == sizeof(cl->value))
			abort();
		if (strncmp(cl->text, kstep_claim_keyword(cl->kind), strlen(kstep_claim_keyword(cl->kind))))
			abort();
		check_ref(&cl->a);
		check_ref(&cl->b);
		last = cl->line;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kstep_claims c = { 0 };
	char err[512];
	unsigned long line = 0, col = 0;

	if (kstep_claims_parse((const char *)data, size, &c, err, sizeof(err))) {
		if (c.n || sscanf(err, "line %lu, column %lu", &line, &col) != 2 || !line ||
		    line > lines_in(data, size) || !col)
			abort();
	} else {
		check_claims(&c, lines_in(data, size));
	}
	kstep_claims_free(&c);
	return 0;
}
