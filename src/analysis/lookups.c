// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lookups.c - the element a lookup took (see lookups.h). The option's lines:
 *
 *   lookup EVENT FUNC NAME SYMBOL INDEX LO HI STRIDE MEMBEROFF STRUCT|-
 *   field EVENT __lk_NAME_LO_FIELD FIELD KIND SIZE TYPE BITOFF
 *
 * The fields' lines are those of the first index; each index's values are
 * "__lk_NAME_I" (the pointer read) and "__lk_NAME_I_FIELD".
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "decode.h"
#include "ksyms.h"
#include "lookups.h"
#include "util.h"

#define MAX_FIELDS 8

struct lfield {
	char name[64];
	char kind[8];		/* int uint enum ptr fptr */
};

struct lookup {
	char func[128];
	char name[64], sym[128], index[64], sname[64];
	long lo, hi;
	unsigned stride, moff;
	struct lfield f[MAX_FIELDS];
	size_t nf;
};

struct kstep_lookups {
	struct kstep_vec v;	/* struct lookup */
};

static void parse_field(struct kstep_lookups *l, const char *line)
{
	char ev[128], arg[128], name[64], kind[8];
	struct lookup *k;

	if (sscanf(line, "field %127s %127s %63s %7s", ev, arg, name, kind) != 4 || !l->v.n)
		return;
	k = kstep_vec_at(&l->v, l->v.n - 1);
	if (k->nf >= MAX_FIELDS)
		return;
	snprintf(k->f[k->nf].name, sizeof(k->f[k->nf].name), "%s", name);
	snprintf(k->f[k->nf].kind, sizeof(k->f[k->nf].kind), "%s", kind);
	k->nf++;
}

struct kstep_lookups *kstep_lookups_new(char *text)
{
	struct kstep_lookups *l;
	char *line, *save = NULL;

	if (!text)
		return NULL;
	l = kstep_xcalloc(1, sizeof(*l));
	kstep_vec_init(&l->v, sizeof(struct lookup));
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct lookup k = { 0 };
		char ev[128];

		if (!strncmp(line, "field ", 6)) {
			parse_field(l, line);
			continue;
		}
		if (sscanf(line, "lookup %127s %127s %63s %127s %63s %ld %ld %u %u %63s", ev, k.func, k.name, k.sym,
			   k.index, &k.lo, &k.hi, &k.stride, &k.moff, k.sname) != 10 || k.lo < 0 || k.hi < k.lo || k.hi - k.lo >= 64)
			continue;
		*(struct lookup *)kstep_vec_push(&l->v) = k;
	}
	free(text);
	return l;
}

void kstep_lookups_free(struct kstep_lookups *l)
{
	if (!l)
		return;
	kstep_vec_free(&l->v);
	free(l);
}

/* "=SYMBOL" or "=SYMBOL+0xOFF" for a kernel address kallsyms names. */
static void symbol(const struct kstep_ksyms *ks, uint64_t addr, struct kstep_sbuf *b)
{
	const struct kstep_ksym *s;
	uint64_t off;

	if (!ks || !addr || !(s = kstep_ksyms_lookup(ks, addr, &off)))
		return;
	if (off)
		kstep_sbuf_addf(b, " =%s+0x%" PRIx64, s->name, off);
	else
		kstep_sbuf_addf(b, " =%s", s->name);
}

static void one_field(const struct lookup *k, const struct lfield *f, const struct kstep_node *n, long i,
		      const struct kstep_ksyms *ks, struct kstep_sbuf *b)
{
	char vname[160], dec[128];
	const struct kstep_val *v;

	snprintf(vname, sizeof(vname), "__lk_%.24s_%ld_%.18s", k->name, i, f->name);
	v = kstep_node_val(n, vname);
	if (!v) {
		kstep_sbuf_addf(b, " %s=?", f->name);
		return;
	}
	if (!strcmp(f->kind, "ptr") || !strcmp(f->kind, "fptr")) {
		kstep_sbuf_addf(b, " %s=0x%" PRIx64, f->name, v->num);
		symbol(ks, v->num, b);
		return;
	}
	kstep_sbuf_addf(b, " %s=%" PRIu64, f->name, v->num);
	if (kstep_decode(f->name, kstep_node_name(n), v->num, NULL, dec, sizeof(dec)))
		kstep_sbuf_addf(b, " %s", dec);
}

static void one(const struct lookup *k, const struct kstep_node *n, const struct kstep_ksyms *ks, bool ascii,
		struct kstep_sbuf *b)
{
	const struct kstep_val *idx = kstep_node_val(n, k->index), *p;
	const struct kstep_ksym *base;
	char vname[128];
	long i;
	size_t f;

	if (!idx) {
		kstep_sbuf_addf(b, "%s[%s]: the index was not read", k->sym, k->index);
		return;
	}
	i = (long)(int64_t)idx->num;
	if (i < k->lo || i > k->hi) {
		kstep_sbuf_addf(b, "%s[%ld]: outside the elements read (%ld..%ld)", k->sym, i, k->lo, k->hi);
		return;
	}
	snprintf(vname, sizeof(vname), "__lk_%.24s_%ld", k->name, i);
	p = kstep_node_val(n, vname);
	if (!p) {
		kstep_sbuf_addf(b, "%s[%ld]: not read", k->sym, i);
		return;
	}
	if (!strcmp(k->sname, "-")) {
		kstep_sbuf_addf(b, "%s[%ld]=0x%" PRIx64, k->sym, i, p->num);
		symbol(ks, p->num, b);
		if (!p->num)
			kstep_sbuf_add(b, " (NULL: nothing registered)");
		return;
	}
	kstep_sbuf_addf(b, "%s[%ld]=0x%" PRIx64, k->sym, i, p->num);
	symbol(ks, p->num, b);
	base = ks ? kstep_ksyms_find(ks, k->sym) : NULL;
	if (base && p->num == base->addr + (uint64_t)i * k->stride) {
		/* a list head pointing at itself */
		kstep_sbuf_add(b, " (empty list)");
		return;
	}
	kstep_sbuf_addf(b, " %s %s{", ascii ? "->" : "→", k->sname);
	for (f = 0; f < k->nf; f++)
		one_field(k, &k->f[f], n, i, ks, b);
	kstep_sbuf_add(b, " }");
}

int kstep_lookups_text(const struct kstep_lookups *l, const struct kstep_ksyms *ks, const struct kstep_node *n,
		       bool ascii, struct kstep_sbuf *b)
{
	char vname[128];
	size_t i;
	int count = 0;

	if (!l)
		return 0;
	for (i = 0; i < l->v.n; i++) {
		const struct lookup *k = kstep_vec_at(&l->v, i);

		snprintf(vname, sizeof(vname), "__lk_%.24s_%ld", k->name, k->lo);
		if (n->kind != KSTEP_NODE_CALL || !n->fn || !kstep_func_same(n->fn->name, k->func) ||
		    !kstep_node_val(n, vname))
			continue;
		if (count++)
			kstep_sbuf_add(b, "; ");
		one(k, n, ks, ascii, b);
	}
	return count;
}
