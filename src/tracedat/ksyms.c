// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ksyms.c - kallsyms parsing and look-ups.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ksyms.h"
#include "util.h"

struct kstep_ksyms {
	struct kstep_ksym *v;
	size_t n;
	/*
	 * Made at the first lookup by name: most runs look up none, and sorting
	 * a kernel's 150,000 names cost more than reading the first million events.
	 */
	struct kstep_ksym **by_name;
	struct kstep_arena strings;
	bool zeroed;
};

/* No function or kernel object spans more than this past its symbol. */
#define SYMBOL_SPAN (1u << 20)

static int cmp_addr(const void *a, const void *b)
{
	const struct kstep_ksym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	/* Prefer global text names over aliases at the same address. */
	if ((x->type == 'T') != (y->type == 'T'))
		return x->type == 'T' ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int cmp_name(const void *a, const void *b)
{
	const struct kstep_ksym *const *x = a, *const *y = b;
	int c = strcmp((*x)->name, (*y)->name);

	if (c)
		return c;
	return (*x)->addr < (*y)->addr ? -1 : (*x)->addr > (*y)->addr;
}

static bool parse_line(struct kstep_ksyms *ks, const char *line, size_t len, struct kstep_ksym *out,
		       bool *zero)
{
	const char *p = line, *end = line + len, *name, *mod = NULL;
	size_t nlen;
	char *e;

	out->addr = strtoull(p, &e, 16);
	if (e == p || e >= end || *e != ' ')
		return false;
	p = e + 1;
	if (p + 2 > end || p[1] != ' ')
		return false;
	out->type = p[0];
	name = p + 2;
	nlen = 0;
	while (name + nlen < end && name[nlen] != '\t' && name[nlen] != ' ')
		nlen++;
	if (!nlen)
		return false;
	p = name + nlen;
	while (p < end && (*p == '\t' || *p == ' '))
		p++;
	if (p < end && *p == '[') {
		const char *close = memchr(p, ']', (size_t)(end - p));

		if (close)
			mod = kstep_arena_strndup(&ks->strings, p + 1, (size_t)(close - p - 1));
	}
	*zero = out->addr == 0;
	out->name = kstep_arena_strndup(&ks->strings, name, nlen);
	out->module = mod;
	return true;
}

struct kstep_ksyms *kstep_ksyms_parse(const char *text, size_t len)
{
	struct kstep_ksyms *ks = kstep_xcalloc(1, sizeof(*ks));
	struct kstep_vec v;
	/* a file without kallsyms gives no text (NULL + 0 is undefined) */
	const char *p = text, *end = text ? text + len : NULL;
	size_t lines = 0, zeros = 0, i;

	kstep_vec_init(&v, sizeof(struct kstep_ksym));
	while (text && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct kstep_ksym sym;
		bool zero;

		if (parse_line(ks, p, l, &sym, &zero)) {
			lines++;
			/* Absolute and per-CPU offsets are not addresses. */
			if (zero)
				zeros++;
			else if (sym.type != 'A' && sym.type != 'a' && sym.addr >= 0x10000)
				*(struct kstep_ksym *)kstep_vec_push(&v) = sym;
		}
		p += l + 1;
	}
	ks->v = v.v;
	ks->n = v.n;
	ks->zeroed = lines > 0 && zeros * 10 >= lines * 9;
	/* the kernel lists its own symbols in order: check before sorting */
	for (i = 1; i < ks->n && cmp_addr(&ks->v[i - 1], &ks->v[i]) <= 0; i++)
		;
	if (i < ks->n)
		qsort(ks->v, ks->n, sizeof(*ks->v), cmp_addr);
	return ks;
}

static void index_names(struct kstep_ksyms *ks)
{
	size_t i;

	ks->by_name = kstep_xcalloc(ks->n ? ks->n : 1, sizeof(*ks->by_name));
	for (i = 0; i < ks->n; i++)
		ks->by_name[i] = &ks->v[i];
	if (ks->n)
		qsort(ks->by_name, ks->n, sizeof(*ks->by_name), cmp_name);
}

void kstep_ksyms_free(struct kstep_ksyms *ks)
{
	if (!ks)
		return;
	free(ks->v);
	free(ks->by_name);
	kstep_arena_free(&ks->strings);
	free(ks);
}

size_t kstep_ksyms_count(const struct kstep_ksyms *ks)
{
	return ks->n;
}

bool kstep_ksyms_zeroed(const struct kstep_ksyms *ks)
{
	return ks->zeroed;
}

const struct kstep_ksym *kstep_ksyms_lookup(const struct kstep_ksyms *ks, uint64_t addr,
					    uint64_t *off)
{
	size_t lo = 0, hi = ks->n;
	const struct kstep_ksym *s;

	if (!ks->n || addr < ks->v[0].addr)
		return NULL;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->v[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	/* Several names can share an address: take the first (preferred) one. */
	while (lo > 0 && ks->v[lo - 1].addr == ks->v[lo].addr)
		lo--;
	s = &ks->v[lo];
	/* Gaps (past _end, before modules) belong to no symbol. */
	if (addr - s->addr > SYMBOL_SPAN)
		return NULL;
	if (off)
		*off = addr - s->addr;
	return s;
}

const char *kstep_ksyms_name(const struct kstep_ksyms *ks, uint64_t addr)
{
	const struct kstep_ksym *s = ks ? kstep_ksyms_lookup(ks, addr, NULL) : NULL;

	return s ? s->name : NULL;
}

const struct kstep_ksym *kstep_ksyms_find(const struct kstep_ksyms *ks, const char *name)
{
	size_t lo = 0, hi = ks->n;

	/* a cache inside a table its users hold const: the table itself is on the heap */
	if (!ks->by_name)
		index_names((struct kstep_ksyms *)ks);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(ks->by_name[mid]->name, name);

		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < ks->n && !strcmp(ks->by_name[lo]->name, name))
		return ks->by_name[lo];
	return NULL;
}

bool kstep_ksym_is_text(const struct kstep_ksym *sym)
{
	return sym->type == 'T' || sym->type == 't' || sym->type == 'W' || sym->type == 'w';
}
