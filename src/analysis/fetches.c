// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fetches.c - the fetch expressions of a recording's probe fields (see
 * fetches.h).
 */
#include "config.h"

#include "fetches.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "kopts.h"
#include "util.h"

struct fetch {
	const char *event;
	const char *name;
	const char *expr;
};

struct kstep_fetches {
	struct kstep_vec v;		/* struct fetch */
	struct kstep_arena text;	/* their strings */
};

static void add(struct kstep_fetches *f, const char *event, size_t elen, const char *tok, size_t tlen)
{
	const char *eq = memchr(tok, '=', tlen);
	size_t nlen, xlen;
	int depth = 0;

	if (!eq || eq == tok || !elen)
		return;
	nlen = (size_t)(eq - tok);
	/* the type suffix starts at the first ':' outside parentheses */
	for (xlen = 0; eq + 1 + xlen < tok + tlen; xlen++) {
		char c = eq[1 + xlen];

		depth += c == '(' ? 1 : c == ')' ? -1 : 0;
		if (c == ':' && !depth)
			break;
	}
	if (!xlen)
		return;
	*(struct fetch *)kstep_vec_push(&f->v) = (struct fetch){
		kstep_arena_strndup(&f->text, event, elen), kstep_arena_strndup(&f->text, tok, nlen),
		kstep_arena_strndup(&f->text, eq + 1, xlen) };
}

/*
 * The event a probe line made, from its comment [c, end): "# event
 * GROUP/NAME" or "... event NAME" (uprobes). The text comes from the file:
 * nothing is read past end.
 */
static const char *line_event(const char *c, const char *end, size_t *len)
{
	const char *e = NULL, *slash, *stop;

	for (; c + 6 <= end; c++)
		if (!memcmp(c, "event ", 6)) {
			e = c + 6;
			break;
		}
	if (!e)
		return NULL;
	for (stop = e; stop < end && !isspace((unsigned char)*stop); stop++)
		;
	slash = memchr(e, '/', (size_t)(stop - e));
	if (slash)
		e = slash + 1;
	*len = (size_t)(stop - e);
	return *len ? e : NULL;
}

static bool probe_kind(const char *w, size_t l)
{
	static const char *const kinds[] = { "kprobe", "fprobe", "uprobe", "kretprobe", "fexit", "uretprobe" };
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strlen(kinds[i]) == l && !strncmp(w, kinds[i], l))
			return true;
	return false;
}

/* The NAME=EXPR tokens of s[0..n), on event. */
static void each_arg(struct kstep_fetches *f, const char *event, size_t elen, const char *s, size_t n)
{
	size_t i = 0, j;

	while (i < n) {
		while (i < n && isspace((unsigned char)s[i]))
			i++;
		for (j = i; j < n && !isspace((unsigned char)s[j]); j++)
			;
		if (j > i && memchr(s + i, '=', j - i))
			add(f, event, elen, s + i, j - i);
		i = j;
	}
}

static void parse_line(struct kstep_fetches *f, const char *line, size_t n)
{
	const char *hash = NULL, *p, *ev, *w2;
	size_t l1, l2, elen = 0, i;

	for (i = 0; i + 2 < n; i++)
		if (line[i] == ' ' && line[i + 1] == '#' && line[i + 2] == ' ') {
			hash = line + i;
			break;
		}
	for (l1 = 0; l1 < n && !isspace((unsigned char)line[l1]); l1++)
		;
	for (w2 = line + l1; w2 < line + n && isspace((unsigned char)*w2); w2++)
		;
	for (l2 = 0; w2 + l2 < line + n && !isspace((unsigned char)w2[l2]); l2++)
		;
	if (l1 == 5 && !strncmp(line, "field", 5) && hash && l2) {
		/* field FUNC PATH  # NAME=EXPR:type, on FUNC's entry probe */
		each_arg(f, w2, l2, hash + 3, (size_t)(line + n - hash - 3));
		return;
	}
	p = w2 + l2;
	if (!probe_kind(line, l1) || !hash || p > hash || !(ev = line_event(hash, line + n, &elen)))
		return;
	each_arg(f, ev, elen, p, (size_t)(hash - p));
}

struct kstep_fetches *kstep_fetches_parse(const char *text)
{
	struct kstep_fetches *f = kstep_xcalloc(1, sizeof(*f));
	const char *p = text, *nl;

	kstep_vec_init(&f->v, sizeof(struct fetch));
	while (p && *p) {
		nl = strchr(p, '\n');
		parse_line(f, p, nl ? (size_t)(nl - p) : strlen(p));
		p = nl ? nl + 1 : NULL;
	}
	if (!f->v.n) {
		kstep_fetches_free(f);
		return NULL;
	}
	return f;
}

struct kstep_fetches *kstep_fetches_new(const struct kstep_dat *dat)
{
	char *text = kstep_kopts_plan_text(dat);
	struct kstep_fetches *f = text ? kstep_fetches_parse(text) : NULL;

	free(text);
	return f;
}

void kstep_fetches_free(struct kstep_fetches *f)
{
	if (!f)
		return;
	kstep_vec_free(&f->v);
	kstep_arena_free(&f->text);
	free(f);
}

const char *kstep_fetches_get(const struct kstep_fetches *f, const char *event, const char *name)
{
	size_t i;

	if (!f || !event || !name)
		return NULL;
	for (i = 0; i < f->v.n; i++) {
		const struct fetch *x = kstep_vec_at(&f->v, i);

		if (!strcmp(x->name, name) && !strcmp(x->event, event))
			return x->expr;
	}
	return NULL;
}

bool kstep_fetch_base(const char *expr, char *out, size_t len)
{
	const char *open, *arrow;
	size_t l = strlen(expr), n;

	/* [+-][u]OFF(BASE): memory at BASE + OFF */
	if ((expr[0] == '+' || expr[0] == '-') && (open = strchr(expr, '(')) && l && expr[l - 1] == ')') {
		n = l - 1 - (size_t)(open + 1 - expr);
		if (!n || n >= len)
			return false;
		memcpy(out, open + 1, n);
		out[n] = '\0';
		return true;
	}
	/* BTF names (fprobe events): a->b reads b through a */
	arrow = NULL;
	for (open = expr; (open = strstr(open, "->")); open += 2)
		arrow = open;
	if (arrow && arrow > expr && (size_t)(arrow - expr) < len) {
		memcpy(out, expr, (size_t)(arrow - expr));
		out[arrow - expr] = '\0';
		return true;
	}
	return false;
}
