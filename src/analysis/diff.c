// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * diff.c - aligning two sides' call trees and listing what changed.
 *
 * Children of two aligned calls are matched by the longest common
 * subsequence of their keys (the function name with .isra/.constprop and
 * rename suffixes removed), so order counts and a call inserted in the
 * middle does not shift everything after it. What is left on one side is
 * then paired by key across parents ("moved"), and what is still left is
 * only on one side, unless the other side could not have recorded it.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event-parse.h>

#include "chain.h"
#include "datfile.h"
#include "decode.h"
#include "diff.h"
#include "select.h"

/* Beyond this many cells a children list is matched greedily, not by LCS. */
#define LCS_MAX_CELLS (2u << 20)

void kstep_dside_init(struct kstep_dside *d)
{
	memset(d, 0, sizeof(*d));
	d->arena.charge = "the diff's call trees";
}

void kstep_dside_free(struct kstep_dside *d)
{
	struct kstep_dnode *n;

	for (n = d->root; n; n = kstep_dnode_next_any(n))
		free(n->durs);
	free(d->files);
	free(d->probed);
	free(d->events);
	kstep_arena_free(&d->arena);
}

/* Pre-order over a side's tree. */
struct kstep_dnode *kstep_dnode_next_any(struct kstep_dnode *n)
{
	if (n->child)
		return n->child;
	while (n) {
		if (n->next)
			return n->next;
		n = n->parent;
	}
	return NULL;
}

/* Keys */

static const char *key_of(struct kstep_arena *a, const struct kstep_node *n)
{
	const char *const *sfx = kstep_list_get("rename_suffixes");
	char buf[320], norm[256];
	size_t l, i;

	switch (n->kind) {
	case KSTEP_NODE_CALL:
		kstep_func_norm(kstep_node_name(n), norm, sizeof(norm));
		l = strlen(norm);
		for (i = 0; sfx && sfx[i]; i++) {
			size_t s = strlen(sfx[i]);

			if (l > s && !strcmp(norm + l - s, sfx[i])) {
				norm[l - s] = '\0';
				break;
			}
		}
		snprintf(buf, sizeof(buf), "c:%s", norm);
		break;
	case KSTEP_NODE_SYSCALL:
		snprintf(buf, sizeof(buf), "s:%s", kstep_node_name(n));
		break;
	default:
		snprintf(buf, sizeof(buf), "e:%s", kstep_node_name(n));
	}
	return kstep_arena_strdup(a, buf);
}

/* Building a side */

static void add_dur(struct kstep_dnode *d, uint64_t ns)
{
	if (d->ndur == d->capdur) {
		d->capdur = d->capdur ? d->capdur * 2 : 4;
		d->durs = kstep_xrealloc(d->durs, d->capdur * sizeof(*d->durs));
	}
	d->durs[d->ndur++] = ns;
}

static void add_child(struct kstep_dnode *p, struct kstep_dnode *n)
{
	n->parent = p;
	n->next = NULL;
	if (p->last)
		p->last->next = n;
	else
		p->child = n;
	p->last = n;
}

static bool compared(const struct kstep_node *n, const struct kstep_diff_opts *o)
{
	if (o->irqs)
		return true;
	if (n->kind == KSTEP_NODE_IRQ || n->kind == KSTEP_NODE_OFFCPU)
		return false;
	return !(n->kind == KSTEP_NODE_CALL && n->fn && (n->fn->flags & KSTEP_FN_SCHED));
}

struct pending_from {
	struct kstep_dval *v;
	int step;
};

static void fill_val(struct kstep_dside *d, struct kstep_dval *dv, const struct kstep_val *v,
		     struct kstep_vec *pend)
{
	char raw[128], buf[256];

	kstep_val_raw(v, raw, sizeof(raw));
	dv->name = kstep_arena_strdup(&d->arena, v->name);
	dv->deriv = v->deriv;
	if (v->deriv == KSTEP_DERIV_SYMBOL) {
		/* a symbol, not its address: addresses differ between kernels */
		if (v->symoff)
			snprintf(buf, sizeof(buf), "%s+0x%" PRIx64, v->sym, v->symoff);
		else
			snprintf(buf, sizeof(buf), "%s", v->sym);
		dv->text = kstep_arena_strdup(&d->arena, buf);
		return;
	}
	if (v->decoded && v->deriv == KSTEP_DERIV_NONE)
		snprintf(buf, sizeof(buf), "%s %s", raw, v->decoded);
	else
		snprintf(buf, sizeof(buf), "%s", raw);
	dv->text = kstep_arena_strdup(&d->arena, buf);
	if (v->deriv == KSTEP_DERIV_STEP)
		*(struct pending_from *)kstep_vec_push(pend) = (struct pending_from){ dv, v->from_step };
}

/* Interrupt and off-CPU time inside n (without recursion: chains can be deep). */
static uint64_t away_ns(const struct kstep_node *n)
{
	const struct kstep_node *k = n->child;
	uint64_t t = 0;

	while (k) {
		if (k->kind == KSTEP_NODE_IRQ || k->kind == KSTEP_NODE_OFFCPU) {
			t += kstep_node_dur(k);
		} else if (k->child) {
			k = k->child;
			continue;
		}
		while (k != n && !k->next)
			k = k->parent;
		k = k == n ? NULL : k->next;
	}
	return t;
}

static struct kstep_dnode *new_dnode(struct kstep_dside *d, const struct kstep_step *st,
				     struct kstep_vec *pend, const struct kstep_diff_opts *o)
{
	const struct kstep_node *n = st->node;
	struct kstep_dnode *dn = kstep_arena_alloc(&d->arena, sizeof(*dn));
	const struct kstep_val *v;
	uint64_t dur = kstep_node_dur(n);
	uint32_t k = 0;

	/* the time compared is the call's own: interrupts and time away are not (--irqs: they are) */
	if (dur && !o->irqs) {
		uint64_t away = away_ns(n);

		dur = away < dur ? dur - away : 0;
	}

	dn->key = key_of(&d->arena, n);
	dn->name = kstep_arena_strdup(&d->arena, kstep_node_name(n));
	dn->kind = n->kind;
	dn->src = n->src;
	dn->present = 1;
	dn->step = st->n;
	if (dur && !(n->flags & (KSTEP_NF_NO_ENTRY | KSTEP_NF_NO_EXIT)))
		add_dur(dn, dur);
	for (v = n->vals; v; v = v->next)
		dn->nvals += kstep_val_shown(v);
	dn->vals = dn->nvals ? kstep_arena_alloc(&d->arena, dn->nvals * sizeof(*dn->vals)) : NULL;
	for (v = n->vals; v; v = v->next)
		if (kstep_val_shown(v))
			fill_val(d, &dn->vals[k++], v, pend);
	if (n->retv) {
		dn->ret = kstep_arena_alloc(&d->arena, sizeof(*dn->ret));
		fill_val(d, dn->ret, n->retv, pend);
	}
	return dn;
}

/* One run being read: its tree grows a subtree of steps at a time. */
struct kstep_drun {
	struct kstep_dside *d;
	struct kstep_dnode *root;
	struct kstep_vec by;		/* step number - 1 -> its node, NULL when not compared */
	struct kstep_vec pend;		/* values citing a step, resolved once it is there */
	const struct kstep_diff_opts *o;
};

struct kstep_drun *kstep_drun_new(struct kstep_dside *d, const struct kstep_diff_opts *o)
{
	struct kstep_drun *r = kstep_xcalloc(1, sizeof(*r));

	r->d = d;
	r->o = o;
	r->root = kstep_arena_alloc(&d->arena, sizeof(*r->root));
	r->root->key = "";
	r->root->name = "(task)";
	r->root->present = 1;
	kstep_vec_init(&r->by, sizeof(struct kstep_dnode *));
	kstep_vec_init(&r->pend, sizeof(struct pending_from));
	return r;
}

static struct kstep_dnode *by_step(const struct kstep_drun *r, int n)
{
	return n > 0 && (size_t)n <= r->by.n ? *(struct kstep_dnode **)kstep_vec_at(&r->by, (size_t)n - 1) : NULL;
}

void kstep_drun_steps(struct kstep_drun *r, const struct kstep_steps *st)
{
	size_t i;

	for (i = 0; i < st->n; i++) {
		const struct kstep_step *s = &st->v[i];
		struct kstep_dnode *parent = s->parent ? by_step(r, s->parent) : r->root, *dn = NULL;

		/* a return step says the call's return: the call's node stands for it */
		if (s->ret) {
			while (r->by.n < (size_t)s->n)
				*(struct kstep_dnode **)kstep_vec_push(&r->by) = NULL;
			*(struct kstep_dnode **)kstep_vec_at(&r->by, (size_t)s->n - 1) = by_step(r, s->call);
			continue;
		}

		/* a step under one that is not compared is not compared either */
		if (parent && compared(s->node, r->o)) {
			dn = new_dnode(r->d, s, &r->pend, r->o);
			add_child(parent, dn);
		}
		while (r->by.n < (size_t)s->n)
			*(struct kstep_dnode **)kstep_vec_push(&r->by) = NULL;
		*(struct kstep_dnode **)kstep_vec_at(&r->by, (size_t)s->n - 1) = dn;
	}
	/* a call's return may cite a step inside it: resolved once its subtree is in */
	for (i = 0; i < r->pend.n; i++) {
		struct pending_from *p = kstep_vec_at(&r->pend, i);

		p->v->from = by_step(r, p->step);
	}
	r->pend.n = 0;
}

/* Alignment */

static size_t kids(struct kstep_dnode *p, struct kstep_dnode ***out)
{
	struct kstep_dnode *k;
	size_t n = 0, i = 0;

	for (k = p->child; k; k = k->next)
		n++;
	*out = n ? kstep_xcalloc(n, sizeof(**out)) : NULL;
	for (k = p->child; k; k = k->next)
		(*out)[i++] = k;
	return n;
}

/*
 * Matches x[0..n) with y[0..m) in order; pairs[i] = index in y or -1.
 * Longest common subsequence of the keys when small enough, else greedy.
 */
static void lcs(struct kstep_dnode **x, size_t n, struct kstep_dnode **y, size_t m, long *pairs)
{
	size_t i, j;
	uint32_t *t;

	for (i = 0; i < n; i++)
		pairs[i] = -1;
	if (!n || !m)
		return;
	if ((n + 1) * (m + 1) > LCS_MAX_CELLS) {
		for (i = 0, j = 0; i < n && j < m; i++) {
			size_t k;

			for (k = j; k < m && k < j + 64; k++) {
				if (!strcmp(x[i]->key, y[k]->key)) {
					pairs[i] = (long)k;
					j = k + 1;
					break;
				}
			}
		}
		return;
	}
	t = kstep_xcalloc((n + 1) * (m + 1), sizeof(*t));
#define T(a, b) t[(a) * (m + 1) + (b)]
	for (i = n; i-- > 0;)
		for (j = m; j-- > 0;)
			T(i, j) = !strcmp(x[i]->key, y[j]->key) ? T(i + 1, j + 1) + 1 :
				  T(i + 1, j) > T(i, j + 1) ? T(i + 1, j) : T(i, j + 1);
	for (i = 0, j = 0; i < n && j < m;) {
		if (!strcmp(x[i]->key, y[j]->key)) {
			pairs[i++] = (long)j++;
		} else if (T(i + 1, j) >= T(i, j + 1)) {
			i++;
		} else {
			j++;
		}
	}
#undef T
	free(t);
}

/* Folds run node r (matched to side node s) into s. */
static void absorb(struct kstep_dnode *s, struct kstep_dnode *r)
{
	uint32_t i;

	s->present += r->present;
	s->src |= r->src;
	for (i = 0; i < r->ndur; i++)
		add_dur(s, r->durs[i]);
	free(r->durs);
	r->durs = NULL;
	r->ndur = 0;
}

/* Two nodes still to be aligned or merged: the diff's walks keep their own stack (depth is data). */
struct dpair {
	struct kstep_dnode *a, *b;
};

static void push_pair(struct kstep_vec *v, struct kstep_dnode *a, struct kstep_dnode *b)
{
	struct dpair *p = kstep_vec_push(v);

	p->a = a;
	p->b = b;
}

/* Merges the children of run node rp into side node sp; matched pairs go on todo. */
static void merge_one(struct kstep_dnode *sp, struct kstep_dnode *rp, struct kstep_vec *todo)
{
	struct kstep_dnode **x, **y;
	size_t n = kids(sp, &x), m = kids(rp, &y), i, j = 0;
	long *pairs = kstep_xcalloc(n + 1, sizeof(*pairs));

	lcs(x, n, y, m, pairs);
	sp->child = sp->last = NULL;
	for (i = 0; i <= n; i++) {
		size_t upto = i < n && pairs[i] >= 0 ? (size_t)pairs[i] : (i == n ? m : j);

		/* the run's calls that come before this matched one are new here */
		for (; j < upto; j++)
			add_child(sp, y[j]);
		if (i == n)
			break;
		add_child(sp, x[i]);
		if (pairs[i] >= 0) {
			absorb(x[i], y[j]);
			push_pair(todo, x[i], y[j]);
			j++;
		}
	}
	free(x);
	free(y);
	free(pairs);
}

static void merge_run(struct kstep_dnode *sp, struct kstep_dnode *rp)
{
	struct kstep_vec todo;

	kstep_vec_init(&todo, sizeof(struct dpair));
	push_pair(&todo, sp, rp);
	while (todo.n) {
		struct dpair p = *(struct dpair *)kstep_vec_at(&todo, --todo.n);

		merge_one(p.a, p.b, &todo);
	}
	kstep_vec_free(&todo);
}

/* Pre-order successor of n under top, or NULL. */
static struct kstep_dnode *dnext(struct kstep_dnode *n, const struct kstep_dnode *top)
{
	if (n->child)
		return n->child;
	while (n && n != top) {
		if (n->next)
			return n->next;
		n = n->parent;
	}
	return NULL;
}

static void count_calls(struct kstep_dnode *root)
{
	struct kstep_vec order;
	struct kstep_dnode *n;
	size_t i;

	kstep_vec_init(&order, sizeof(n));
	for (n = root; n; n = dnext(n, root)) {
		n->calls = 1;
		*(struct kstep_dnode **)kstep_vec_push(&order) = n;
	}
	/* children come after their parent in pre-order: sum from the end */
	for (i = order.n; i-- > 1;) {
		n = *(struct kstep_dnode **)kstep_vec_at(&order, i);
		if (n->parent)
			n->parent->calls += n->calls;
	}
	kstep_vec_free(&order);
}

static void push_name(const char ***v, size_t *n, const char *name, struct kstep_arena *a)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (!strcmp((*v)[i], name))
			return;
	*v = kstep_xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = kstep_arena_strdup(a, name);
}

/* Which functions the file has probes on and which events it recorded. */
static void note_events(struct kstep_dside *d, const struct kstep_session *s,
			const struct kstep_selection *sel)
{
	struct tep_handle *tep = kstep_load_tep(s->ld);
	int i;

	for (i = 0; i < sel->ncounts; i++) {
		struct tep_event *ev = tep_find_event(tep, i);
		const struct kstep_evdesc *desc;
		char name[320];
		size_t l;

		if (!ev)
			continue;
		desc = kstep_evtab_get(s->evtab, ev);
		if (desc->kind == KSTEP_EV_PROBE || desc->kind == KSTEP_EV_PROBE_RET) {
			snprintf(name, sizeof(name), "%s", ev->name);
			l = strlen(name);
			if (l > 4 && !strcmp(name + l - 4, "_ret"))
				name[l - 4] = '\0';
			else if (l > 6 && !strcmp(name + l - 6, "_entry"))
				name[l - 6] = '\0';
			push_name(&d->probed, &d->nprobed, name, &d->arena);
		}
		if (sel->counts[i]) {
			snprintf(name, sizeof(name), "%s:%s", ev->system, ev->name);
			push_name(&d->events, &d->nevents, name, &d->arena);
		}
	}
}

void kstep_drun_free(struct kstep_drun *r)
{
	if (!r)
		return;
	kstep_vec_free(&r->by);
	kstep_vec_free(&r->pend);
	free(r);
}

int kstep_dside_add_run(struct kstep_dside *d, struct kstep_drun *r, unsigned sources,
			const struct kstep_session *s, const struct kstep_selection *sel, const char *path)
{
	struct kstep_dnode *run = r->root;

	kstep_drun_free(r);
	d->files = kstep_xrealloc(d->files, (d->runs + 1) * sizeof(*d->files));
	d->files[d->runs] = kstep_arena_strdup(&d->arena, path);
	note_events(d, s, sel);
	if (!d->runs++) {
		const char *u = kstep_dat_uname(s->dat);

		d->root = run;
		d->sources = sources;
		snprintf(d->uname, sizeof(d->uname), "%s", u ? u : "(not recorded)");
		snprintf(d->build_id, sizeof(d->build_id), "%s", s->build_id);
		snprintf(d->plan, sizeof(d->plan), "%s", s->plan);
		d->plan_applied = s->plan_applied;
		d->plan_skipped = s->plan_skipped;
		snprintf(d->recorder, sizeof(d->recorder), "%s", s->recorder);
		d->ks = kstep_load_ksyms(s->ld);
		d->ks_zeroed = !d->ks || kstep_ksyms_zeroed(d->ks) || !kstep_ksyms_count(d->ks);
		count_calls(d->root);
		return 0;
	}
	d->sources &= sources;
	d->root->present++;
	merge_run(d->root, run);
	count_calls(d->root);
	return 0;
}

int kstep_dside_add(struct kstep_dside *d, const struct kstep_steps *st, const struct kstep_session *s,
		    const struct kstep_selection *sel, const struct kstep_diff_opts *o, const char *path)
{
	struct kstep_drun *r = kstep_drun_new(d, o);

	kstep_drun_steps(r, st);
	return kstep_dside_add_run(d, r, st->sources, s, sel, path);
}

/* Comparing the sides */

static void align(struct kstep_dnode *a0, struct kstep_dnode *b0)
{
	struct kstep_vec todo;

	kstep_vec_init(&todo, sizeof(struct dpair));
	push_pair(&todo, a0, b0);
	while (todo.n) {
		struct dpair p = *(struct dpair *)kstep_vec_at(&todo, --todo.n);
		struct kstep_dnode **x, **y;
		size_t n = kids(p.a, &x), m = kids(p.b, &y), i;
		long *pairs = kstep_xcalloc(n + 1, sizeof(*pairs));

		lcs(x, n, y, m, pairs);
		for (i = 0; i < n; i++) {
			if (pairs[i] < 0)
				continue;
			x[i]->match = y[pairs[i]];
			y[pairs[i]]->match = x[i];
			push_pair(&todo, x[i], y[pairs[i]]);
		}
		free(x);
		free(y);
		free(pairs);
	}
	kstep_vec_free(&todo);
}

/* Tops of unmatched subtrees under matched parents, in pre-order. */
static void loose(struct kstep_dnode *root, struct kstep_vec *out)
{
	struct kstep_dnode *n = root->child;

	while (n) {
		if (!n->match) {
			*(struct kstep_dnode **)kstep_vec_push(out) = n;
		} else if (n->child) {
			n = n->child;
			continue;
		}
		while (n != root && !n->next)
			n = n->parent;
		n = n == root ? NULL : n->next;
	}
}

/* Calls left on both sides under other parents (or out of order): moved. */
static void pair_moved(struct kstep_diff *df)
{
	struct kstep_vec la, lb;
	size_t i, j;

	kstep_vec_init(&la, sizeof(struct kstep_dnode *));
	kstep_vec_init(&lb, sizeof(struct kstep_dnode *));
	loose(df->a.root, &la);
	loose(df->b.root, &lb);
	for (i = 0; i < la.n; i++) {
		struct kstep_dnode *a = *(struct kstep_dnode **)kstep_vec_at(&la, i);

		for (j = 0; j < lb.n; j++) {
			struct kstep_dnode *b = *(struct kstep_dnode **)kstep_vec_at(&lb, j);

			if (b->match || strcmp(a->key, b->key))
				continue;
			a->match = b;
			b->match = a;
			a->moved = b->moved = true;
			align(a, b);
			break;
		}
	}
	kstep_vec_free(&la);
	kstep_vec_free(&lb);
}

static bool majority(const struct kstep_dnode *n, const struct kstep_dside *d)
{
	return 2 * n->present >= d->runs;
}

static bool listed(const char *const *v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i], name))
			return true;
	return false;
}

/* Why side d could not have recorded n, or NULL when it could have. */
static const char *blind(const struct kstep_dside *d, const struct kstep_dnode *n, char *buf, size_t len)
{
	char norm[256];

	switch (n->kind) {
	case KSTEP_NODE_SYSCALL:
		return d->sources & KSTEP_SRC_SYSCALL ? NULL : "recorded no syscall events";
	case KSTEP_NODE_EVENT:
		if (listed(d->events, d->nevents, n->name))
			return NULL;
		snprintf(buf, len, "recorded no %.120s events", n->name);
		return buf;
	case KSTEP_NODE_CALL:
		break;
	default:
		return NULL;
	}
	kstep_func_norm(n->name, norm, sizeof(norm));
	if ((n->src & KSTEP_SRC_FGRAPH) && (d->sources & KSTEP_SRC_FGRAPH))
		return NULL;
	if ((n->src & (KSTEP_SRC_KPROBE | KSTEP_SRC_FPROBE | KSTEP_SRC_UPROBE)) &&
	    listed(d->probed, d->nprobed, norm))
		return NULL;
	if ((n->src & (KSTEP_SRC_STACK | KSTEP_SRC_STACK_MERGED)) &&
	    (d->sources & (KSTEP_SRC_STACK | KSTEP_SRC_STACK_MERGED | KSTEP_SRC_FGRAPH)))
		return NULL;
	if (n->src & KSTEP_SRC_FGRAPH)
		return "has no function_graph";
	if (n->src & (KSTEP_SRC_KPROBE | KSTEP_SRC_FPROBE | KSTEP_SRC_UPROBE)) {
		snprintf(buf, len, "has no probe on %.120s", norm);
		return buf;
	}
	return "has no kernel stacks or function_graph";
}

/* What kallsyms says of a call only one side made. */
static void symbol_note(const struct kstep_dside *other, const char *oname, const struct kstep_dnode *n,
			char *out, size_t len)
{
	char norm[256];

	out[0] = '\0';
	if (n->kind != KSTEP_NODE_CALL || (n->src & KSTEP_SRC_UPROBE) || other->ks_zeroed)
		return;
	kstep_func_norm(n->name, norm, sizeof(norm));
	if (kstep_ksyms_find(other->ks, n->name) || kstep_ksyms_find(other->ks, norm))
		snprintf(out, len, "a symbol in %s too: not called there", oname);
	else
		snprintf(out, len, "not a symbol in %s: inlined there, or %s", oname,
			 !strcmp(oname, "B") ? "removed" : "new in B");
}

static struct kstep_dchange *add(struct kstep_diff *df, enum kstep_dchange_kind k, struct kstep_dnode *a,
				 struct kstep_dnode *b)
{
	struct kstep_dchange *c = kstep_vec_push(&df->changes);

	memset(c, 0, sizeof(*c));
	c->kind = k;
	c->a = a;
	c->b = b;
	switch (k) {
	case KSTEP_DC_NOT_COMPARED:
		df->not_compared++;
		break;
	case KSTEP_DC_RETURN:
	case KSTEP_DC_ARG:
		df->values++;
		break;
	case KSTEP_DC_TIME:
		df->timing++;
		break;
	default:
		df->structural++;
	}
	return c;
}

/* A call on one side only (or in most runs of one side only). */
static void one_side(struct kstep_diff *df, struct kstep_dnode *n, bool in_a, const char *runs_note)
{
	struct kstep_dside *other = in_a ? &df->b : &df->a;
	char why[200], sym[200];
	const char *bl = blind(other, n, why, sizeof(why));
	struct kstep_dchange *c;

	if (bl) {
		c = add(df, KSTEP_DC_NOT_COMPARED, in_a ? n : NULL, in_a ? NULL : n);
		snprintf(c->detail, sizeof(c->detail), "only in %s, but %s %s", in_a ? "A" : "B",
			 in_a ? "B" : "A", bl);
		return;
	}
	symbol_note(other, in_a ? "B" : "A", n, sym, sizeof(sym));
	c = add(df, in_a ? KSTEP_DC_ONLY_A : KSTEP_DC_ONLY_B, in_a ? n : NULL, in_a ? NULL : n);
	snprintf(c->detail, sizeof(c->detail), "%" PRIu32 " call%s%s%s%s%s", n->calls,
		 n->calls == 1 ? "" : "s", *sym ? "; " : "", sym, *runs_note ? "; " : "", runs_note);
}

/*
 * A symbol's name without its offset: code moves between builds. A return
 * trampoline (function_graph's return_to_handler stands in for the caller
 * while the graph tracer runs) says nothing of the real caller: not compared.
 */
static bool same_symbol(const char *x, const char *y)
{
	size_t lx = strcspn(x, "+"), ly = strcspn(y, "+");
	char nx[128], ny[128];

	snprintf(nx, sizeof(nx), "%.*s", (int)lx, x);
	snprintf(ny, sizeof(ny), "%.*s", (int)ly, y);
	if (kstep_list_match("trampolines", nx) || kstep_list_match("trampolines", ny))
		return true;
	return !strcmp(nx, ny);
}

static bool dval_same(const struct kstep_dval *x, const struct kstep_dval *y)
{
	/* produced by calls that are on one side only: the structure said it */
	if ((x->from && !x->from->match) || (y->from && !y->from->match))
		return true;
	if (x->deriv != y->deriv)
		return false;
	switch (x->deriv) {
	case KSTEP_DERIV_STEP:
		return x->from && y->from && x->from->match == y->from;
	case KSTEP_DERIV_PRODUCED:
	case KSTEP_DERIV_UNDERIVED:
		return true;
	case KSTEP_DERIV_SYMBOL:
		return same_symbol(x->text, y->text);
	default:
		return !strcmp(x->text, y->text);
	}
}

/* How a value reads in a change: pointers by their producer. */
static void dval_text(const struct kstep_dval *v, char *out, size_t len)
{
	switch (v->deriv) {
	case KSTEP_DERIV_STEP:
		if (v->from)
			snprintf(out, len, "%s (from #%d %s)", v->text, v->from->step, v->from->name);
		else
			snprintf(out, len, "%s (from a step not compared)", v->text);
		return;
	case KSTEP_DERIV_PRODUCED:
		snprintf(out, len, "%s (new)", v->text);
		return;
	case KSTEP_DERIV_SYMBOL:
		snprintf(out, len, "= %s", v->text);
		return;
	case KSTEP_DERIV_UNDERIVED:
		snprintf(out, len, "%s (underived)", v->text);
		return;
	default:
		snprintf(out, len, "%s", v->text);
	}
}

static void value_change(struct kstep_diff *df, struct kstep_dnode *a, struct kstep_dnode *b,
			 const struct kstep_dval *x, const struct kstep_dval *y, bool ret)
{
	struct kstep_dchange *c;
	char tx[120], ty[120];

	if (dval_same(x, y))
		return;
	c = add(df, ret ? KSTEP_DC_RETURN : KSTEP_DC_ARG, a, b);
	c->what = x->name;
	dval_text(x, tx, sizeof(tx));
	dval_text(y, ty, sizeof(ty));
	snprintf(c->detail, sizeof(c->detail), "%s%s%s → %s", ret ? "" : x->name, ret ? "" : ": ", tx, ty);
}

static void compare_values(struct kstep_diff *df, struct kstep_dnode *a, struct kstep_dnode *b)
{
	uint32_t i, j;

	if (!a->step || !b->step)
		return;		/* values are compared between the first runs */
	if (a->ret && b->ret)
		value_change(df, a, b, a->ret, b->ret, true);
	for (i = 0; i < a->nvals; i++)
		for (j = 0; j < b->nvals; j++)
			if (!strcmp(a->vals[i].name, b->vals[j].name)) {
				value_change(df, a, b, &a->vals[i], &b->vals[j], false);
				break;
			}
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

bool kstep_dnode_durs(const struct kstep_dnode *n, uint64_t *med, uint64_t *lo, uint64_t *hi)
{
	uint64_t *v;

	if (!n->ndur)
		return false;
	v = kstep_xcalloc(n->ndur, sizeof(*v));
	memcpy(v, n->durs, n->ndur * sizeof(*v));
	qsort(v, n->ndur, sizeof(*v), cmp_u64);
	*med = n->ndur % 2 ? v[n->ndur / 2] : (v[n->ndur / 2 - 1] + v[n->ndur / 2]) / 2;
	*lo = v[0];
	*hi = v[n->ndur - 1];
	free(v);
	return true;
}

/*
 * A duration changed when the medians differ by at least min_delta and,
 * with several runs on both sides, the ranges do not overlap: run-to-run
 * noise is not a change.
 */
static void compare_time(struct kstep_diff *df, struct kstep_dnode *a, struct kstep_dnode *b)
{
	uint64_t ma, la, ha, mb, lb, hb;
	int64_t delta;
	struct kstep_dchange *c;
	char x[32], y[32], d[32];

	if (a->kind != KSTEP_NODE_CALL && a->kind != KSTEP_NODE_SYSCALL)
		return;
	if (!kstep_dnode_durs(a, &ma, &la, &ha) || !kstep_dnode_durs(b, &mb, &lb, &hb))
		return;
	delta = (int64_t)mb - (int64_t)ma;
	if ((uint64_t)(delta < 0 ? -delta : delta) < df->o.min_delta)
		return;
	if (a->ndur > 1 && b->ndur > 1 && !(ha < lb || hb < la))
		return;
	c = add(df, KSTEP_DC_TIME, a, b);
	c->delta_ns = delta;
	c->med_a = ma, c->lo_a = la, c->hi_a = ha;
	c->med_b = mb, c->lo_b = lb, c->hi_b = hb;
	kstep_fmt_dur(x, sizeof(x), ma);
	kstep_fmt_dur(y, sizeof(y), mb);
	kstep_fmt_dur(d, sizeof(d), (uint64_t)(delta < 0 ? -delta : delta));
	snprintf(c->detail, sizeof(c->detail), "%s → %s (%s%s%s)", x, y, delta < 0 ? "-" : "+", d,
		 a->ndur > 1 || b->ndur > 1 ? ", medians" : "");
}

static void runs_note(const struct kstep_diff *df, const struct kstep_dnode *a, const struct kstep_dnode *b,
		      char *out, size_t len)
{
	out[0] = '\0';
	if (df->a.runs > 1 || df->b.runs > 1)
		snprintf(out, len, "in %u of %u runs of A, %u of %u of B", a ? a->present : 0, df->a.runs,
			 b ? b->present : 0, df->b.runs);
}

static void matched(struct kstep_diff *df, struct kstep_dnode *a, struct kstep_dnode *b)
{
	char note[120];
	bool ma = majority(a, &df->a), mb = majority(b, &df->b);

	if (ma != mb) {
		runs_note(df, a, b, note, sizeof(note));
		one_side(df, ma ? a : b, ma, note);
	}
	if (a->kind == KSTEP_NODE_CALL && !(a->src & KSTEP_SRC_INLINE) != !(b->src & KSTEP_SRC_INLINE)) {
		struct kstep_dchange *c = add(df, KSTEP_DC_INLINING, a, b);

		snprintf(c->detail, sizeof(c->detail), "%s in A, %s in B (DWARF)",
			 (a->src & KSTEP_SRC_INLINE) ? "inlined" : "a real call",
			 (b->src & KSTEP_SRC_INLINE) ? "inlined" : "a real call");
	}
	if (strcmp(a->name, b->name) && a->kind == KSTEP_NODE_CALL) {
		struct kstep_dchange *c = add(df, KSTEP_DC_RENAMED, a, b);

		snprintf(c->detail, sizeof(c->detail), "%s → %s", a->name, b->name);
	}
	compare_values(df, a, b);
	compare_time(df, a, b);
}

static void moved(struct kstep_diff *df, struct kstep_dnode *a)
{
	struct kstep_dnode *b = a->match;
	struct kstep_dchange *c = add(df, KSTEP_DC_MOVED, a, b);

	if (a->parent->match == b->parent)
		snprintf(c->detail, sizeof(c->detail), "another place among the calls of %s",
			 a->parent->name);
	else
		snprintf(c->detail, sizeof(c->detail), "called from %s in A, from %s in B", a->parent->name,
			 b->parent->name);
	compare_values(df, a, b);
	compare_time(df, a, b);
}

/*
 * The children of two aligned nodes, in the order of both sides; a matched
 * or moved pair's own children are walked before the next sibling (the
 * stack holds where each level goes on).
 */
static void walk(struct kstep_diff *df, struct kstep_dnode *pa, struct kstep_dnode *pb)
{
	struct kstep_vec st;
	char note[120];

	kstep_vec_init(&st, sizeof(struct dpair));
	push_pair(&st, pa->child, pb->child);
	while (st.n) {
		struct dpair *f = kstep_vec_at(&st, st.n - 1);
		struct kstep_dnode *a = f->a, *b = f->b;

		if (!a && !b) {
			st.n--;
			continue;
		}
		if (a && b && a->match == b && !a->moved) {
			f->a = a->next;
			f->b = b->next;
			matched(df, a, b);
			push_pair(&st, a->child, b->child);
		} else if (a && (!a->match || a->moved)) {
			f->a = a->next;
			if (a->match) {
				moved(df, a);
				push_pair(&st, a->child, a->match->child);
			} else if (majority(a, &df->a)) {
				runs_note(df, a, NULL, note, sizeof(note));
				one_side(df, a, true, note);
			}
		} else if (b && (!b->match || b->moved)) {
			f->b = b->next;
			/* a moved call is reported where A had it */
			if (!b->match && majority(b, &df->b)) {
				runs_note(df, NULL, b, note, sizeof(note));
				one_side(df, b, false, note);
			}
		} else {
			/* matched crosswise cannot come out of the LCS; move on */
			f->a = a ? a->next : NULL;
			f->b = b ? b->next : NULL;
		}
	}
	kstep_vec_free(&st);
}

static bool inferred(const struct kstep_dnode *n)
{
	return n->kind == KSTEP_NODE_CALL && (n->src & (KSTEP_SRC_INLINE | KSTEP_SRC_TAIL));
}

static bool has_inferred(struct kstep_dnode *root)
{
	struct kstep_dnode *n;

	for (n = root; n; n = kstep_dnode_next_any(n))
		if (inferred(n))
			return true;
	return false;
}

/* Dissolves p's inferred children into p; the real ones go on todo. */
static void flatten_one(struct kstep_dnode *p, struct kstep_vec *todo)
{
	struct kstep_dnode *k = p->child, *prev = NULL, *c;

	while (k) {
		struct kstep_dnode *next = k->next;

		if (!inferred(k)) {
			*(struct kstep_dnode **)kstep_vec_push(todo) = k;
			prev = k;
			k = next;
			continue;
		}
		for (c = k->child; c; c = c->next)
			c->parent = p;
		if (k->child) {
			k->last->next = next;
			next = k->child;
		}
		if (prev)
			prev->next = next;
		else
			p->child = next;
		if (p->last == k)
			p->last = k->child ? k->last : prev;
		free(k->durs);
		k->durs = NULL;
		k = next;
	}
}

/* Inline and tail steps dissolved into their parents: their calls move up. */
static void flatten(struct kstep_dnode *root)
{
	struct kstep_vec todo;

	kstep_vec_init(&todo, sizeof(root));
	*(struct kstep_dnode **)kstep_vec_push(&todo) = root;
	while (todo.n)
		flatten_one(*(struct kstep_dnode **)kstep_vec_at(&todo, --todo.n), &todo);
	kstep_vec_free(&todo);
}

void kstep_diff_run(struct kstep_diff *df)
{
	kstep_vec_init(&df->changes, sizeof(struct kstep_dchange));
	/* inline steps compare only when both sides have DWARF facts */
	if (!has_inferred(df->a.root) || !has_inferred(df->b.root)) {
		flatten(df->a.root);
		flatten(df->b.root);
		count_calls(df->a.root);
		count_calls(df->b.root);
	}
	df->a.root->match = df->b.root;
	df->b.root->match = df->a.root;
	align(df->a.root, df->b.root);
	pair_moved(df);
	walk(df, df->a.root, df->b.root);
}

char *kstep_dnode_path(const struct kstep_dnode *n)
{
	struct kstep_sbuf b = { 0 };
	const struct kstep_dnode *v[256];
	int k = 0;

	for (; n && n->parent && k < 256; n = n->parent)
		v[k++] = n;
	while (k--) {
		kstep_sbuf_add(&b, v[k]->name);
		if (k)
			kstep_sbuf_add(&b, " > ");
	}
	return kstep_sbuf_steal(&b);
}

const char *kstep_dchange_name(enum kstep_dchange_kind k)
{
	static const char *const names[] = {
		[KSTEP_DC_ONLY_A] = "only in A", [KSTEP_DC_ONLY_B] = "only in B",
		[KSTEP_DC_MOVED] = "moved", [KSTEP_DC_RENAMED] = "renamed",
		[KSTEP_DC_RETURN] = "return", [KSTEP_DC_ARG] = "argument",
		[KSTEP_DC_TIME] = "time", [KSTEP_DC_NOT_COMPARED] = "not compared",
		[KSTEP_DC_INLINING] = "inlining",
	};

	return k <= KSTEP_DC_INLINING ? names[k] : "?";
}
