// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * claims.c - the parser of kstep verify's claim language (see claims.h and
 * doc/verify.md).
 */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claims.h"
#include "util.h"

static const char *const keywords[] = {
	[KSTEP_CLAIM_ORDER] = "order",	 [KSTEP_CLAIM_CALLS] = "calls",	    [KSTEP_CLAIM_CALLER] = "caller",
	[KSTEP_CLAIM_NEVER] = "never",	 [KSTEP_CLAIM_COUNT] = "count",	    [KSTEP_CLAIM_RETURNS] = "returns",
	[KSTEP_CLAIM_ARG] = "arg",	 [KSTEP_CLAIM_LINK] = "link",	    [KSTEP_CLAIM_INLINED] = "inlined",
	[KSTEP_CLAIM_TAIL] = "tail",
};

const char *kstep_claim_keyword(enum kstep_claim_kind kind)
{
	return (size_t)kind < KSTEP_ARRAY_SIZE(keywords) && keywords[kind] ? keywords[kind] : "?";
}

/* One line being parsed: p walks s[0..n). */
struct lex {
	const char *s;
	size_t n, p;
	int line;
	char *err;
	size_t errlen;
};

static int fail(struct lex *x, const char *msg)
{
	snprintf(x->err, x->errlen, "line %d, column %zu: %s", x->line, x->p + 1, msg);
	return -1;
}

static int fail_expected(struct lex *x, const char *tok)
{
	char msg[64];

	snprintf(msg, sizeof(msg), "expected '%s' here", tok);
	return fail(x, msg);
}

static void skip_ws(struct lex *x)
{
	while (x->p < x->n && (x->s[x->p] == ' ' || x->s[x->p] == '\t'))
		x->p++;
}

static bool at_end(struct lex *x)
{
	skip_ws(x);
	return x->p >= x->n;
}

/* Characters of a name as the step log writes them: C identifiers, compiler suffixes, "system:event". */
static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '.' || c == ':' || c == '$';
}

static size_t word(struct lex *x, char *out, size_t len)
{
	size_t b;

	skip_ws(x);
	b = x->p;
	while (x->p < x->n && name_char(x->s[x->p]))
		x->p++;
	if (x->p - b >= len) {
		x->p = b;
		return (size_t)-1;
	}
	memcpy(out, x->s + b, x->p - b);
	out[x->p - b] = '\0';
	return x->p - b;
}

static int expect(struct lex *x, const char *tok)
{
	size_t l = strlen(tok);

	skip_ws(x);
	if (x->n - x->p < l || strncmp(x->s + x->p, tok, l))
		return fail_expected(x, tok);
	x->p += l;
	return 0;
}

static int expect_word(struct lex *x, const char *kw)
{
	char w[16];
	size_t at;

	skip_ws(x);
	at = x->p;
	if (word(x, w, sizeof(w)) == (size_t)-1 || strcmp(w, kw)) {
		x->p = at;
		return fail_expected(x, kw);
	}
	return 0;
}

/*
 * NAME[()][#K][.FIELD]: with_field asks for the field (arg, link), which is
 * what follows the last dot, so that "extract_entropy.constprop.0.x" stays one name.
 */
static int ref(struct lex *x, struct kstep_claim_ref *r, bool with_field)
{
	char buf[2 * KSTEP_CLAIM_NAME_MAX];
	size_t l, at, dot;
	char *end;
	long k;

	skip_ws(x);
	at = x->p;
	l = word(x, buf, sizeof(buf));
	if (l == (size_t)-1)
		return fail(x, "name too long");
	if (!l)
		return fail(x, "expected a function name here");
	if (x->p + 1 < x->n && x->s[x->p] == '(' && x->s[x->p + 1] == ')')
		x->p += 2;
	if (x->p < x->n && x->s[x->p] == '#') {
		size_t d = ++x->p;	/* digits by hand: the line need not end in a NUL, so no strtol */

		for (k = 0; x->p < x->n && isdigit((unsigned char)x->s[x->p]) && k <= 1000000000; x->p++)
			k = k * 10 + (x->s[x->p] - '0');
		if (x->p == d || k < 1 || k > 1000000000) {
			x->p = d;
			return fail(x, "expected a call number (1, 2, ...) after '#'");
		}
		r->k = (int)k;
		if (x->p < x->n && x->s[x->p] == '.') {
			size_t b = x->p + 1;

			x->p++;
			l = word(x, r->field, sizeof(r->field));
			if (l == (size_t)-1 || !l || !with_field) {
				x->p = b;
				return fail(x, with_field ? "expected a value name after '.'" :
						  "no value name here: this claim is about calls");
			}
			if (strchr(r->field, '.')) {
				x->p = b;
				return fail(x, "a value name has no '.'");
			}
		}
	} else if (with_field) {
		end = strrchr(buf, '.');
		if (!end || !end[1] || end == buf) {
			x->p = at;
			return fail(x, "expected FUNCTION.NAME here");
		}
		dot = (size_t)(end - buf);
		snprintf(r->field, sizeof(r->field), "%s", end + 1);
		buf[dot] = '\0';
	}
	if (with_field && !r->field[0]) {
		return fail(x, "expected FUNCTION.NAME here");
	}
	if (strlen(buf) >= sizeof(r->name)) {
		x->p = at;
		return fail(x, "name too long");
	}
	if (buf[0] == '.' || buf[0] == ':') {
		x->p = at;
		return fail(x, "a name does not start with '.' or ':'");
	}
	snprintf(r->name, sizeof(r->name), "%s", buf);
	return 0;
}

/* V: a number, an errno name (-EMFILE), a constant or symbol name, names joined by '|'. */
static int value(struct lex *x, char *out, size_t len)
{
	size_t b;

	skip_ws(x);
	b = x->p;
	if (x->p < x->n && (x->s[x->p] == '-' || x->s[x->p] == '+'))
		x->p++;
	while (x->p < x->n && (name_char(x->s[x->p]) || x->s[x->p] == '|'))
		x->p++;
	if (x->p == b || (x->p == b + 1 && (x->s[b] == '-' || x->s[b] == '+'))) {
		x->p = b;
		return fail(x, "expected a value (a number, -ENAME, a constant or symbol name)");
	}
	if (x->p - b >= len) {
		x->p = b;
		return fail(x, "value too long");
	}
	memcpy(out, x->s + b, x->p - b);
	out[x->p - b] = '\0';
	return 0;
}

static int count_value(struct lex *x, long long *out)
{
	char *end;
	char buf[32];
	size_t b;

	skip_ws(x);
	b = x->p;
	while (x->p < x->n && isdigit((unsigned char)x->s[x->p]) && x->p - b < sizeof(buf) - 1)
		x->p++;
	memcpy(buf, x->s + b, x->p - b);
	buf[x->p - b] = '\0';
	errno = 0;
	*out = strtoll(buf, &end, 10);
	if (!buf[0] || *end || errno || (x->p < x->n && name_char(x->s[x->p]))) {
		x->p = b;
		return fail(x, "expected a count (0, 1, 2, ...)");
	}
	return 0;
}

/* A function as a whole: never, count, inlined and tail are about every call, not the k-th. */
static int ref_all(struct lex *x, struct kstep_claim_ref *r)
{
	size_t at;

	skip_ws(x);
	at = x->p;
	if (ref(x, r, false))
		return -1;
	if (r->k) {
		x->p = at;
		return fail(x, "this claim is about every call of a function: no #k here");
	}
	return 0;
}

static int claim_body(struct lex *x, struct kstep_claim *c)
{
	switch (c->kind) {
	case KSTEP_CLAIM_ORDER:
		return ref(x, &c->a, false) || expect(x, "<") || ref(x, &c->b, false) ? -1 : 0;
	case KSTEP_CLAIM_CALLS:
		return ref(x, &c->a, false) || expect(x, "->") || ref(x, &c->b, false) ? -1 : 0;
	case KSTEP_CLAIM_CALLER:
		return ref(x, &c->a, false) || expect(x, "=") || ref(x, &c->b, false) ? -1 : 0;
	case KSTEP_CLAIM_NEVER:
		return ref_all(x, &c->a);
	case KSTEP_CLAIM_COUNT:
		return ref_all(x, &c->a) || expect(x, "=") || count_value(x, &c->count) ? -1 : 0;
	case KSTEP_CLAIM_RETURNS:
		return ref(x, &c->a, false) || expect(x, "=") || value(x, c->value, sizeof(c->value)) ? -1 : 0;
	case KSTEP_CLAIM_ARG:
		return ref(x, &c->a, true) || expect(x, "=") || value(x, c->value, sizeof(c->value)) ? -1 : 0;
	case KSTEP_CLAIM_LINK:
		return ref(x, &c->a, true) || expect(x, "=") || ref(x, &c->b, true) ? -1 : 0;
	case KSTEP_CLAIM_INLINED:
		return ref_all(x, &c->a) || expect_word(x, "in") || ref_all(x, &c->b) ? -1 : 0;
	case KSTEP_CLAIM_TAIL:
		return ref_all(x, &c->a) || expect_word(x, "from") || ref_all(x, &c->b) ? -1 : 0;
	}
	return -1;
}

/* The claim in s[0..n) without its comment; n is cut at a '#' that begins a word. */
static size_t strip_comment(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] == '#' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t'))
			return i;
	return n;
}

static int parse_line(struct lex *x, struct kstep_claim *c, bool *empty)
{
	char kw[16];
	size_t i, b, l;

	for (i = 0; i < x->n; i++)
		if (!x->s[i] || (x->s[i] != '\t' && iscntrl((unsigned char)x->s[i]))) {
			x->p = i;
			return fail(x, "a control character or NUL byte");
		}
	x->n = strip_comment(x->s, x->n);
	*empty = at_end(x);
	if (*empty)
		return 0;
	b = x->p;
	l = word(x, kw, sizeof(kw));
	c->kind = 0;
	for (i = 1; l != (size_t)-1 && i < KSTEP_ARRAY_SIZE(keywords); i++)
		if (!strcmp(kw, keywords[i]))
			c->kind = (enum kstep_claim_kind)i;
	if (!c->kind) {
		x->p = b;
		return fail(x, "expected a claim: order, calls, caller, never, count, returns, arg, link, inlined or tail");
	}
	if (claim_body(x, c))
		return -1;
	if (!at_end(x))
		return fail(x, "unexpected text after the claim");
	while (x->n > b && (x->s[x->n - 1] == ' ' || x->s[x->n - 1] == '\t'))
		x->n--;
	c->text = kstep_xstrndup(x->s + b, x->n - b);
	return 0;
}

int kstep_claims_parse(const char *text, size_t len, struct kstep_claims *out, char *err, size_t errlen)
{
	struct kstep_vec v;
	size_t p = 0;
	int line = 0;

	memset(out, 0, sizeof(*out));
	kstep_vec_init(&v, sizeof(struct kstep_claim));
	while (p < len) {
		const char *nl = memchr(text + p, '\n', len - p);
		size_t n = nl ? (size_t)(nl - (text + p)) : len - p;
		struct lex x = { .s = text + p, .n = n, .line = ++line, .err = err, .errlen = errlen };
		struct kstep_claim c = { .line = line };
		bool empty;

		if (x.n && x.s[x.n - 1] == '\r')
			x.n--;
		if (parse_line(&x, &c, &empty)) {
			out->v = v.v;
			out->n = v.n;
			kstep_claims_free(out);
			return -1;
		}
		if (!empty)
			*(struct kstep_claim *)kstep_vec_push(&v) = c;
		p += n + (nl != NULL);
	}
	out->v = v.v;
	out->n = v.n;
	return 0;
}

void kstep_claims_free(struct kstep_claims *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->v[i].text);
	free(c->v);
	c->v = NULL;
	c->n = 0;
}
