// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * objstate.c - object state as the step log shows it (see objstate.h).
 */
#include "config.h"

#include "objstate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "objects.h"

/* Objects remembered at once; past this the table starts over (counted in forgotten). */
#define OBJSTATE_MAX 65536

/* A read's name: the layout it belongs to, the field (-1: the object's address). */
struct argent {
	const char *name;
	const struct kstep_objlayout *l;
	int fi;
};

/* What the log last saw of one object of one type. */
struct tstate {
	const char *type;
	int step;
	unsigned nf;
	const char **names;
	uint64_t *vals;
};

/* One address: its allocation and the objects seen there since. */
struct objent {
	uint64_t addr;
	int born;
	unsigned nt;
	struct tstate *t;
};

struct kstep_objstate {
	struct kstep_objects o;		/* the layouts and enums, no observations */
	struct argent *args;
	size_t args_cap;
	struct objent *tab;		/* open addressing by address; addr 0 = empty */
	size_t cap, n;
	uint64_t forgotten;
};

static uint64_t str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static uint64_t addr_hash(uint64_t a)
{
	a ^= a >> 33;
	a *= 0xff51afd7ed558ccdULL;
	return a ^ (a >> 33);
}

static void arg_put(struct kstep_objstate *os, const char *name, const struct kstep_objlayout *l, int fi)
{
	size_t i = str_hash(name) & (os->args_cap - 1);

	while (os->args[i].name) {
		if (!strcmp(os->args[i].name, name)) {
			/* two layouts with one name (several plans): decoding it with
			 * either could be wrong, so it is no object read */
			if (os->args[i].l != l || os->args[i].fi != fi)
				os->args[i].l = NULL;
			return;
		}
		i = (i + 1) & (os->args_cap - 1);
	}
	os->args[i] = (struct argent){ name, l, fi };
}

static const struct argent *arg_get(const struct kstep_objstate *os, const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = str_hash(name) & (os->args_cap - 1); os->args[i].name; i = (i + 1) & (os->args_cap - 1))
		if (!strcmp(os->args[i].name, name))
			return os->args[i].l ? &os->args[i] : NULL;
	return NULL;
}

struct kstep_objstate *kstep_objstate_new(const struct kstep_dat *dat, const struct kstep_ksyms *ks)
{
	struct kstep_objstate *os = kstep_xcalloc(1, sizeof(*os));
	size_t i, n = 0, j;

	if (kstep_objects_layouts(&os->o, dat, ks))
		goto none;
	for (i = 0; i < os->o.layouts.n; i++) {
		const struct kstep_objlayout *l = *(struct kstep_objlayout **)kstep_vec_at(&os->o.layouts, i);

		n += l->fromevent ? 0 : l->nf + 1;
	}
	if (!n)
		goto none;
	for (os->args_cap = 16; os->args_cap < 2 * n; os->args_cap *= 2)
		;
	os->args = kstep_xcalloc(os->args_cap, sizeof(*os->args));
	for (i = 0; i < os->o.layouts.n; i++) {
		const struct kstep_objlayout *l = *(struct kstep_objlayout **)kstep_vec_at(&os->o.layouts, i);

		if (l->fromevent)
			continue;
		arg_put(os, l->base, l, -1);
		for (j = 0; j < l->nf; j++)
			arg_put(os, l->f[j].arg, l, (int)j);
	}
	os->cap = 64;
	os->tab = kstep_xcalloc(os->cap, sizeof(*os->tab));
	return os;
none:
	kstep_objects_free(&os->o);
	free(os);
	return NULL;
}

static void ent_clear(struct objent *e)
{
	unsigned i;

	for (i = 0; i < e->nt; i++) {
		free(e->t[i].names);
		free(e->t[i].vals);
	}
	free(e->t);
	e->t = NULL;
	e->nt = 0;
}

static void tab_clear(struct kstep_objstate *os)
{
	size_t i;

	for (i = 0; i < os->cap; i++)
		if (os->tab[i].addr)
			ent_clear(&os->tab[i]);
	memset(os->tab, 0, os->cap * sizeof(*os->tab));
	os->n = 0;
}

void kstep_objstate_free(struct kstep_objstate *os)
{
	if (!os)
		return;
	tab_clear(os);
	free(os->tab);
	free(os->args);
	kstep_objects_free(&os->o);
	free(os);
}

void kstep_objstate_mark(const struct kstep_objstate *os, struct kstep_val *v)
{
	if (os && arg_get(os, v->name))
		v->obj = 1;
}

bool kstep_objstate_bad_addr(uint64_t a)
{
	return a < 4096 || a >= (uint64_t)-4095;
}

const char *kstep_objstate_base(const struct kstep_objstate *os, const char *name)
{
	const struct argent *ae = os ? arg_get(os, name) : NULL;

	return ae && ae->fi >= 0 ? ae->l->base : NULL;
}

static struct objent *ent_find(const struct kstep_objstate *os, uint64_t addr)
{
	size_t i;

	for (i = addr_hash(addr) & (os->cap - 1); os->tab[i].addr; i = (i + 1) & (os->cap - 1))
		if (os->tab[i].addr == addr)
			return &os->tab[i];
	return NULL;
}

static void tab_grow(struct kstep_objstate *os)
{
	struct objent *old = os->tab;
	size_t i, oldcap = os->cap;

	os->cap *= 2;
	os->tab = kstep_xcalloc(os->cap, sizeof(*os->tab));
	for (i = 0; i < oldcap; i++) {
		size_t k;

		if (!old[i].addr)
			continue;
		for (k = addr_hash(old[i].addr) & (os->cap - 1); os->tab[k].addr; k = (k + 1) & (os->cap - 1))
			;
		os->tab[k] = old[i];
	}
	free(old);
}

static struct objent *ent_get(struct kstep_objstate *os, uint64_t addr)
{
	struct objent *e = ent_find(os, addr);
	size_t i;

	if (e)
		return e;
	if (os->n >= OBJSTATE_MAX) {
		os->forgotten += os->n;
		tab_clear(os);
	} else if (2 * (os->n + 1) > os->cap) {
		tab_grow(os);
	}
	for (i = addr_hash(addr) & (os->cap - 1); os->tab[i].addr; i = (i + 1) & (os->cap - 1))
		;
	os->n++;
	os->tab[i] = (struct objent){ .addr = addr };
	return &os->tab[i];
}

uint64_t kstep_objstate_forgotten(const struct kstep_objstate *os)
{
	return os ? os->forgotten : 0;
}

void kstep_objstate_born(struct kstep_objstate *os, uint64_t addr, int step)
{
	struct objent *e;

	if (!os || kstep_objstate_bad_addr(addr))
		return;
	e = ent_get(os, addr);
	ent_clear(e);
	e->born = step;
}

static struct tstate *type_of(struct objent *e, const char *type, bool add)
{
	unsigned i;

	for (i = 0; i < e->nt; i++)
		if (!strcmp(e->t[i].type, type))
			return &e->t[i];
	if (!add)
		return NULL;
	e->t = kstep_xrealloc(e->t, (e->nt + 1) * sizeof(*e->t));
	memset(&e->t[e->nt], 0, sizeof(*e->t));
	e->t[e->nt].type = type;
	return &e->t[e->nt++];
}

static long field_of(const struct tstate *t, const char *name)
{
	unsigned i;

	for (i = 0; i < t->nf; i++)
		if (!strcmp(t->names[i], name))
			return (long)i;
	return -1;
}

static void remember(struct tstate *t, const char *name, uint64_t v)
{
	long i = field_of(t, name);

	if (i < 0) {
		t->names = kstep_xrealloc(t->names, (t->nf + 1) * sizeof(*t->names));
		t->vals = kstep_xrealloc(t->vals, (t->nf + 1) * sizeof(*t->vals));
		i = t->nf++;
		t->names[i] = name;
	}
	t->vals[i] = v;
}

/* The type of another object the log knows at v, for a pointer field. */
static const char *other_type(const struct kstep_objstate *os, uint64_t v)
{
	const struct objent *e = v ? ent_find(os, v) : NULL;

	return e && e->nt ? e->t[0].type : NULL;
}

/*
 * A field's value as the kernel's types say, or for a plain integer as
 * kstep's tables decode that field of that struct ("sk_family 2 AF_INET").
 */
static const char *fmt(struct kstep_objstate *os, const struct kstep_objlayout *l, const struct kstep_objfield *f,
		       uint64_t v, const struct kstep_decode_ctx *ctx, struct kstep_arena *a)
{
	char buf[256];

	kstep_objects_format(&os->o, f, v, f->kind == KSTEP_OBJ_PTR ? other_type(os, v) : NULL, buf, sizeof(buf));
	kstep_objects_decode_int(l, f, v, ctx->have_family ? ctx->family : -1, buf, sizeof(buf));
	return kstep_arena_strdup(a, buf);
}

/* The family a read carries, for decoders that depend on it (protocol numbers). */
static struct kstep_decode_ctx read_ctx(const struct kstep_objstate *os, const struct kstep_node *n,
					const struct kstep_objlayout *l)
{
	struct kstep_decode_ctx ctx = { 0 };
	const struct kstep_val *v;

	for (v = n->vals; v; v = v->next) {
		const struct argent *ae;

		if (v->obj && (ae = arg_get(os, v->name)) && ae->l == l && ae->fi >= 0 &&
		    (!strcmp(l->f[ae->fi].name, "sk_family") || !strcmp(l->f[ae->fi].name, "family"))) {
			ctx.have_family = true;
			ctx.family = (long long)v->num;
		}
	}
	return ctx;
}

/* One object read: its fields among n's values, against the table. */
static void read_one(struct kstep_objstate *os, const struct kstep_node *n, const struct kstep_objlayout *l,
		     const struct kstep_val *base, int step, bool (*here)(const void *, const struct kstep_val *),
		     const void *ctx, struct kstep_arena *a, struct kstep_objdelta *d)
{
	const char *type = l->sname ? l->sname : "?";
	struct objent *e = ent_get(os, base->num);
	struct tstate *t = type_of(e, type, false);
	const struct kstep_val *v;
	struct kstep_decode_ctx dctx = read_ctx(os, n, l);
	unsigned k = 0;

	*d = (struct kstep_objdelta){ .type = type, .addr = base, .since = t ? t->step : 0, .born = e->born };
	d->f = kstep_arena_alloc(a, (l->nf + 1) * sizeof(*d->f));
	for (v = n->vals; v; v = v->next) {
		const struct argent *ae;
		struct kstep_objfd *fd;
		const struct kstep_objfield *f;
		long old;

		if (!v->obj || !here(ctx, v) || !(ae = arg_get(os, v->name)) || ae->l != l || ae->fi < 0 || k > l->nf)
			continue;
		f = &l->f[ae->fi];
		fd = &d->f[k++];
		*fd = (struct kstep_objfd){ .name = f->name, .v = v };
		if (v->unreadable) {
			fd->now = "unreadable";
			d->nunread++;
			continue;
		}
		if (v->type == KSTEP_VT_STR) {
			fd->now = v->str ? v->str : "";
			continue;
		}
		fd->now = fmt(os, l, f, v->num, &dctx, a);
		old = t ? field_of(t, f->name) : -1;
		if (old < 0) {
			fd->fresh = t != NULL;
			d->nfresh += t != NULL;
		} else if (t->vals[old] != v->num) {
			fd->changed = true;
			fd->was = fmt(os, l, f, t->vals[old], &dctx, a);
			d->nchanged++;
		}
	}
	d->nf = k;
	/* the table learns after the whole read: a field compares with the past, not with itself */
	t = type_of(e, type, true);
	t->step = step;
	for (k = 0; k < d->nf; k++)
		if (d->f[k].v->type != KSTEP_VT_STR && !d->f[k].v->unreadable)
			remember(t, d->f[k].name, d->f[k].v->num);
}

size_t kstep_objstate_read(struct kstep_objstate *os, const struct kstep_node *n, int step,
			   bool (*here)(const void *ctx, const struct kstep_val *v), const void *ctx,
			   struct kstep_arena *a, struct kstep_objdelta **out)
{
	const struct kstep_val *v;
	struct kstep_objdelta *d;
	size_t cnt = 0, i = 0;

	*out = NULL;
	if (!os)
		return 0;
	for (v = n->vals; v; v = v->next) {
		const struct argent *ae;

		if (v->obj && here(ctx, v) && (ae = arg_get(os, v->name)) && ae->fi < 0)
			cnt++;
	}
	if (!cnt)
		return 0;
	d = kstep_arena_alloc(a, cnt * sizeof(*d));
	for (v = n->vals; v && i < cnt; v = v->next) {
		const struct argent *ae;

		if (!v->obj || !here(ctx, v) || !(ae = arg_get(os, v->name)) || ae->fi >= 0)
			continue;
		if (v->unreadable || v->type == KSTEP_VT_STR || kstep_objstate_bad_addr(v->num))
			/* no object there: nothing of it was read */
			d[i++] = (struct kstep_objdelta){ .type = ae->l->sname ? ae->l->sname : "?", .addr = v,
							  .none = true };
		else
			read_one(os, n, ae->l, v, step, here, ctx, a, &d[i++]);
	}
	*out = d;
	return cnt;
}
