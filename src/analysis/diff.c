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
 *
 * The trees are never whole: every run of both sides is read in lockstep,
 * a side's runs are merged a window of top-level subtrees at a time, and the
 * two sides are compared a window at a time (kstep_diff_stream): memory
 * follows the windows, not the length of the recordings; inputs within one
 * window are compared exactly as whole trees. What changed goes to a
 * temporary file, because whether a call is only on one side or one the
 * other side could not record depends on the sources of the whole run,
 * known only at its end.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event-parse.h>

#include "chain.h"
#include "datfile.h"
#include "decode.h"
#include "diff.h"
#include "log.h"
#include "select.h"

/* Beyond this many cells a children list is matched greedily, not by LCS. */
#define LCS_MAX_CELLS (2u << 20)
/*
 * The window of kstep_diff_stream: top-level subtrees of each side waiting
 * to be aligned, at most this many or this much tree. Every input that fits
 * is compared exactly as if whole; the LCS of two full windows is 1 MiB.
 */
#define WIN_ITEMS 512
#define WIN_BYTES (16u << 20)
/* A side's trees are allocated in slices of about this much, freed as their subtrees are compared. */
#define SLICE_BYTES (1u << 20)
/* How many compared steps a side remembers the match of, for pointers citing them later. */
#define RING_CAP (1u << 18)
/* A change draft's kind: on one side only, or not compared (settled by kstep_diff_end). */
#define DC_ONE_SIDE 100
#define TREES "the diff's call trees"

static void dside_init(struct kstep_dside *d)
{
	memset(d, 0, sizeof(*d));
	d->arena.charge = TREES;
}

static void dstream_free(struct kstep_dstream *s);

static void dside_free(struct kstep_dside *d)
{
	dstream_free(d->stream);
	d->stream = NULL;
	free(d->files);
	free(d->probed);
	free(d->events);
	kstep_arena_free(&d->arena);
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
	const char *name;	/* the producer's name, as the step builder says it */
};

static bool inferred(const struct kstep_dnode *n)
{
	return n->kind == KSTEP_NODE_CALL && (n->src & (KSTEP_SRC_INLINE | KSTEP_SRC_TAIL));
}

static void fill_val(struct kstep_arena *ar, struct kstep_dval *dv, const struct kstep_val *v,
		     struct kstep_vec *pend)
{
	char raw[128], buf[256];

	kstep_val_raw(v, raw, sizeof(raw));
	dv->name = kstep_arena_strdup(ar, v->name);
	dv->deriv = v->deriv;
	if (v->deriv == KSTEP_DERIV_SYMBOL) {
		/* a symbol, not its address: addresses differ between kernels */
		if (v->symoff)
			snprintf(buf, sizeof(buf), "%s+0x%" PRIx64, v->sym, v->symoff);
		else
			snprintf(buf, sizeof(buf), "%s", v->sym);
		dv->text = kstep_arena_strdup(ar, buf);
		return;
	}
	if (v->decoded && v->deriv == KSTEP_DERIV_NONE)
		snprintf(buf, sizeof(buf), "%s %s", raw, v->decoded);
	else
		snprintf(buf, sizeof(buf), "%s", raw);
	dv->text = kstep_arena_strdup(ar, buf);
	if (v->deriv == KSTEP_DERIV_STEP)
		*(struct pending_from *)kstep_vec_push(pend) = (struct pending_from){ dv, v->from_step, v->from_name };
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

/* What a step of a run cites, once it has left memory: the match it had. */
struct cited {
	int cite;		/* the step number cited (a call's, or its return's) */
	int step;		/* the node's own step number */
	int mstep;		/* its match's step number on the other side, 0: none */
	uint16_t mrun;		/* and its run */
};

/* Memory of a run, freed as the subtrees in it are compared. */
struct slice {
	struct kstep_arena a;
	size_t end;		/* sealed: every item it holds is below this; SIZE_MAX: still filling */
};

/*
 * One run being read: its tree grows a subtree of steps at a time. Its
 * top-level nodes wait in items: items[head..n) to be merged into the side
 * (kstep_dstream), items[dhead..head) merged but not compared yet. Once they
 * are compared their slices go, and what later values cite of them is kept
 * in a ring of the RING_CAP latest steps.
 */
struct drun {
	unsigned index;			/* in its side */
	struct kstep_dnode *root;	/* the top-level nodes' parent */
	struct kstep_vec by;		/* step number - 1 - by_off -> its node, NULL when not compared */
	int by_off;			/* steps up to this one have left memory */
	struct kstep_vec pend;		/* values citing a step, resolved once it is there */
	const struct kstep_diff_opts *o;
	bool inferred;			/* an inline or tail step is in the run */
	bool ended;
	struct kstep_vec items;		/* struct kstep_dnode * */
	size_t dhead, head;
	size_t ntotal, ndone;		/* items pushed and compared since the start */
	struct kstep_vec slices;	/* struct slice, slices[shead..n) alive */
	size_t shead;
	struct cited *ring;		/* RING_CAP, oldest at rhead */
	size_t rhead, rn;
	int forgot;			/* cited steps up to this one are forgotten */
};

/* Drops the first k elements of v. */
static void vec_drop(struct kstep_vec *v, size_t k)
{
	if (!k)
		return;
	memmove(v->v, (char *)v->v + k * v->esz, (v->n - k) * v->esz);
	v->n -= k;
}

/* Where the nodes of the subtree now coming go: the run's current slice. */
static struct kstep_arena *arena_for(struct drun *r)
{
	struct slice *sl = r->shead < r->slices.n ? kstep_vec_at(&r->slices, r->slices.n - 1) : NULL;

	if (sl && sl->a.used_bytes >= SLICE_BYTES) {
		sl->end = r->ntotal;
		sl = NULL;
	}
	if (!sl) {
		sl = kstep_vec_push(&r->slices);
		sl->a.charge = TREES;
		sl->end = SIZE_MAX;
	}
	return &sl->a;
}

static struct kstep_dnode *new_dnode(struct drun *r, struct kstep_arena *ar, const struct kstep_step *st)
{
	const struct kstep_node *n = st->node;
	struct kstep_dnode *dn = kstep_arena_alloc(ar, sizeof(*dn));
	const struct kstep_val *v;
	uint64_t dur = kstep_node_dur(n);
	uint32_t k = 0;

	/* the time compared is the call's own: interrupts and time away are not (--irqs: they are) */
	if (dur && !r->o->irqs) {
		uint64_t away = away_ns(n);

		dur = away < dur ? dur - away : 0;
	}

	dn->key = key_of(ar, n);
	dn->name = kstep_arena_strdup(ar, kstep_node_name(n));
	dn->kind = n->kind;
	dn->run = (uint16_t)r->index;
	dn->src = n->src;
	dn->present = 1;
	dn->step = st->n;
	if (dur && !(n->flags & (KSTEP_NF_NO_ENTRY | KSTEP_NF_NO_EXIT)))
		add_dur(dn, dur);
	for (v = n->vals; v; v = v->next)
		dn->nvals += kstep_val_shown(v);
	dn->vals = dn->nvals ? kstep_arena_alloc(ar, dn->nvals * sizeof(*dn->vals)) : NULL;
	for (v = n->vals; v; v = v->next)
		if (kstep_val_shown(v))
			fill_val(ar, &dn->vals[k++], v, &r->pend);
	if (n->retv) {
		dn->ret = kstep_arena_alloc(ar, sizeof(*dn->ret));
		fill_val(ar, dn->ret, n->retv, &r->pend);
	}
	if (inferred(dn))
		r->inferred = true;
	return dn;
}

static struct drun *drun_new(struct kstep_dside *d, unsigned index, const struct kstep_diff_opts *o)
{
	struct drun *r = kstep_xcalloc(1, sizeof(*r));

	r->index = index;
	r->o = o;
	r->root = kstep_arena_alloc(&d->arena, sizeof(*r->root));
	r->root->key = "";
	r->root->name = "(task)";
	r->root->present = 1;
	kstep_vec_init(&r->by, sizeof(struct kstep_dnode *));
	kstep_vec_init(&r->pend, sizeof(struct pending_from));
	kstep_vec_init(&r->items, sizeof(struct kstep_dnode *));
	kstep_vec_init(&r->slices, sizeof(struct slice));
	return r;
}

static struct kstep_dnode *by_step(const struct drun *r, int n)
{
	return n > r->by_off && (size_t)(n - r->by_off) <= r->by.n ?
		       *(struct kstep_dnode **)kstep_vec_at(&r->by, (size_t)(n - r->by_off) - 1) : NULL;
}

static void set_by(struct drun *r, int n, struct kstep_dnode *dn)
{
	while (r->by.n < (size_t)(n - r->by_off))
		*(struct kstep_dnode **)kstep_vec_push(&r->by) = NULL;
	*(struct kstep_dnode **)kstep_vec_at(&r->by, (size_t)(n - r->by_off) - 1) = dn;
}

/* What the ring remembers of cited step n: NULL when not compared (or forgotten: *gone). */
static const struct cited *ring_find(const struct drun *r, int n, bool *gone)
{
	size_t lo = 0, hi = r->rn;

	*gone = n <= r->forgot;
	while (!*gone && lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct cited *c = &r->ring[(r->rhead + mid) % RING_CAP];

		if (c->cite == n)
			return c;
		if (c->cite < n)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void ring_push(struct drun *r, int cite, const struct kstep_dnode *n)
{
	struct cited *c;

	if (!r->ring)
		r->ring = kstep_xcalloc(RING_CAP, sizeof(*r->ring));
	if (r->rn == RING_CAP) {
		r->forgot = r->ring[r->rhead].cite;
		r->rhead = (r->rhead + 1) % RING_CAP;
		r->rn--;
	}
	c = &r->ring[(r->rhead + r->rn++) % RING_CAP];
	c->cite = cite;
	c->step = n->step;
	c->mstep = n->mstep;
	c->mrun = n->mrun;
}

/* The producer of a pointer value just read: in memory, remembered, or forgotten. */
static void resolve(struct drun *r, struct kstep_arena *ar, const struct pending_from *p)
{
	struct kstep_dval *v = p->v;
	const struct cited *c;
	bool gone;

	v->cite = p->step;
	if (p->step > r->by_off) {
		v->from = by_step(r, p->step);
		v->from_step = v->from ? v->from->step : 0;
		/* the producer's slice may go before this value is compared */
		v->from_name = v->from ? kstep_arena_strdup(ar, v->from->name) : NULL;
		return;
	}
	c = ring_find(r, p->step, &gone);
	v->from_step = gone ? -1 : c ? c->step : 0;
	v->from_name = c && p->name ? kstep_arena_strdup(ar, p->name) : NULL;
}

/* The steps of one subtree of the run (st->v[0..n)) become nodes; its top-level ones wait in items. */
static void drun_steps(struct drun *r, const struct kstep_steps *st)
{
	struct kstep_arena *ar = arena_for(r);
	size_t i;

	for (i = 0; i < st->n; i++) {
		const struct kstep_step *s = &st->v[i];
		struct kstep_dnode *parent = s->parent ? by_step(r, s->parent) : r->root, *dn = NULL;

		/* a return step says the call's return: the call's node stands for it */
		if (s->ret) {
			set_by(r, s->n, by_step(r, s->call));
			continue;
		}

		/* a step under one that is not compared is not compared either */
		if (parent && compared(s->node, r->o)) {
			dn = new_dnode(r, ar, s);
			if (parent == r->root) {
				dn->parent = parent;
				*(struct kstep_dnode **)kstep_vec_push(&r->items) = dn;
				r->ntotal++;
			} else {
				add_child(parent, dn);
			}
		}
		set_by(r, s->n, dn);
	}
	/* a call's return may cite a step inside it: resolved once its subtree is in */
	for (i = 0; i < r->pend.n; i++)
		resolve(r, ar, kstep_vec_at(&r->pend, i));
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

/* Frees the durations under n (the nodes themselves are in an arena). */
static void free_durs(struct kstep_dnode *n)
{
	struct kstep_dnode *top = n;

	for (; n; n = dnext(n, top)) {
		free(n->durs);
		n->durs = NULL;
		n->ndur = n->capdur = 0;
	}
}

static void drun_free(struct drun *r)
{
	size_t i;

	if (!r)
		return;
	/* what was merged is freed with the side's merged nodes */
	for (i = r->head; i < r->items.n; i++)
		free_durs(*(struct kstep_dnode **)kstep_vec_at(&r->items, i));
	for (i = r->shead; i < r->slices.n; i++)
		kstep_arena_free(&((struct slice *)kstep_vec_at(&r->slices, i))->a);
	kstep_vec_free(&r->slices);
	kstep_vec_free(&r->items);
	kstep_vec_free(&r->by);
	kstep_vec_free(&r->pend);
	free(r->ring);
	free(r);
}

/* Notes a run of side d opened as pipeline p: its file, the events and probes it recorded; the first gives the header. */
static void open_run(struct kstep_dside *d, const struct kstep_pipeline *p, const char *path)
{
	const struct kstep_session *s = &p->s;

	d->files = kstep_xrealloc(d->files, (d->runs + 1) * sizeof(*d->files));
	d->files[d->runs] = kstep_arena_strdup(&d->arena, path);
	note_events(d, s, &p->sel);
	if (!d->runs++) {
		const char *u = kstep_dat_uname(s->dat);

		snprintf(d->uname, sizeof(d->uname), "%s", u ? u : "(not recorded)");
		snprintf(d->build_id, sizeof(d->build_id), "%s", s->build_id);
		snprintf(d->plan, sizeof(d->plan), "%s", s->plan);
		d->plan_applied = s->plan_applied;
		d->plan_skipped = s->plan_skipped;
		snprintf(d->recorder, sizeof(d->recorder), "%s", s->recorder);
		d->ks = kstep_load_ksyms(s->ld);
		d->ks_zeroed = !d->ks || kstep_ksyms_zeroed(d->ks) || !kstep_ksyms_count(d->ks);
	}
}

/* Comparing the sides */

/* a and b are aligned; their step numbers stay with them for what cites them after they are freed. */
static void pair_nodes(struct kstep_dnode *a, struct kstep_dnode *b)
{
	a->match = b;
	b->match = a;
	a->mstep = b->step;
	a->mrun = b->run;
	b->mstep = a->step;
	b->mrun = a->run;
}

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
			pair_nodes(x[i], y[pairs[i]]);
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
static void pair_moved(struct kstep_dnode *ra, struct kstep_dnode *rb)
{
	struct kstep_vec la, lb;
	size_t i, j;

	kstep_vec_init(&la, sizeof(struct kstep_dnode *));
	kstep_vec_init(&lb, sizeof(struct kstep_dnode *));
	loose(ra, &la);
	loose(rb, &lb);
	for (i = 0; i < la.n; i++) {
		struct kstep_dnode *a = *(struct kstep_dnode **)kstep_vec_at(&la, i);

		for (j = 0; j < lb.n; j++) {
			struct kstep_dnode *b = *(struct kstep_dnode **)kstep_vec_at(&lb, j);

			if (b->match || strcmp(a->key, b->key))
				continue;
			pair_nodes(a, b);
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
static const char *blind(const struct kstep_dside *d, const struct kstep_dcnode *n, char *buf, size_t len)
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

/* A change found, its nodes still in memory: written out when its part is compared (flush). */
struct draft {
	int kind;			/* enum kstep_dchange_kind, or DC_ONE_SIDE */
	struct kstep_dnode *a, *b;
	const char *what;
	char detail[256];
	char sym[200], note[120];	/* DC_ONE_SIDE: what kstep_diff_end words it with */
	int64_t delta_ns;
	uint64_t med_a, med_b, lo_a, hi_a, lo_b, hi_b;
};

static struct draft *add(struct kstep_diff *df, int k, struct kstep_dnode *a, struct kstep_dnode *b)
{
	struct draft *c = kstep_vec_push(&df->drafts);

	memset(c, 0, sizeof(*c));
	c->kind = k;
	c->a = a;
	c->b = b;
	return c;
}

/*
 * A call on one side only (or in most runs of one side only). Whether the
 * other side could have recorded it depends on the sources of its whole
 * run: kstep_diff_end settles it.
 */
static void one_side(struct kstep_diff *df, struct kstep_dnode *n, bool in_a, const char *runs_note)
{
	struct draft *c = add(df, DC_ONE_SIDE, in_a ? n : NULL, in_a ? NULL : n);

	symbol_note(in_a ? &df->b : &df->a, in_a ? "B" : "A", n, c->sym, sizeof(c->sym));
	snprintf(c->note, sizeof(c->note), "%s", runs_note);
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

/* The producer of a pointer value, as far as the diff still knows it. */
struct producer {
	int known;			/* 1: a compared call, 0: none (not compared, or no pointer), -1: forgotten */
	int step, mstep;		/* its step number, its match's (0: none) */
	uint16_t run, mrun;		/* and their runs */
};

static const struct drun *run_of(const struct kstep_dstream *s, unsigned run);

/* The producer of value v of a node of run run of side s. */
static struct producer producer_of(const struct kstep_dstream *s, unsigned run, const struct kstep_dval *v)
{
	const struct drun *r = run_of(s, run);
	struct producer p = { 0 };
	const struct kstep_dnode *n;
	const struct cited *c;
	bool gone;

	if (!v->cite || !v->from_step)
		return p;
	/* still in memory: its subtree has not been compared before this value's */
	if (v->cite > r->by_off) {
		if (!(n = v->from))
			return p;
		p.known = 1;
		p.step = n->step;
		p.run = n->run;
		p.mstep = n->mstep;
		p.mrun = n->mrun;
		return p;
	}
	c = v->from_step > 0 ? ring_find(r, v->cite, &gone) : NULL;
	if (!c) {
		p.known = -1;
		return p;
	}
	p.known = 1;
	p.step = c->step;
	p.run = (uint16_t)run;
	p.mstep = c->mstep;
	p.mrun = c->mrun;
	return p;
}

/* Is y's producer the match of x's? A node is its run and step number. */
static bool same_producer(const struct producer *x, const struct producer *y)
{
	return x->known == 1 && y->known == 1 && x->mstep == y->step && x->mrun == y->run;
}

/* 1 the same, 0 different, -1 not comparable: a producer has been forgotten. */
static int dval_same(const struct kstep_diff *df, const struct kstep_dnode *a, const struct kstep_dnode *b,
		     const struct kstep_dval *x, const struct kstep_dval *y)
{
	struct producer px = producer_of(df->a.stream, a->run, x), py = producer_of(df->b.stream, b->run, y);

	if (px.known < 0 || py.known < 0)
		return -1;
	/* produced by calls that are on one side only: the structure said it */
	if ((px.known && !px.mstep) || (py.known && !py.mstep))
		return 1;
	if (x->deriv != y->deriv)
		return 0;
	switch (x->deriv) {
	case KSTEP_DERIV_STEP:
		return same_producer(&px, &py);
	case KSTEP_DERIV_PRODUCED:
	case KSTEP_DERIV_UNDERIVED:
		return 1;
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
		if (v->from_step > 0)
			snprintf(out, len, "%s (from #%d %s)", v->text, v->from_step, v->from_name ? v->from_name : "?");
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
	struct draft *c;
	char tx[120], ty[120];
	int same = dval_same(df, a, b, x, y);

	if (same > 0)
		return;
	if (same < 0) {
		/* the producers were compared too long ago to say whether they match: say so */
		c = add(df, KSTEP_DC_NOT_COMPARED, a, b);
		c->what = x->name;
		snprintf(c->detail, sizeof(c->detail), "%s%s%s and %s: the steps that produced them were compared "
			 "too long before (more than %u steps) to tell whether they match", ret ? "the return" : x->name,
			 ret ? " " : ": ", x->text, y->text, RING_CAP);
		return;
	}
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

/* Median, lowest and highest measured duration of a node; false when none. */
static bool dnode_durs(const struct kstep_dnode *n, uint64_t *med, uint64_t *lo, uint64_t *hi)
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
	struct draft *c;
	char x[32], y[32], d[32];

	if (a->kind != KSTEP_NODE_CALL && a->kind != KSTEP_NODE_SYSCALL)
		return;
	if (!dnode_durs(a, &ma, &la, &ha) || !dnode_durs(b, &mb, &lb, &hb))
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
		struct draft *c = add(df, KSTEP_DC_INLINING, a, b);

		snprintf(c->detail, sizeof(c->detail), "%s in A, %s in B (DWARF)",
			 (a->src & KSTEP_SRC_INLINE) ? "inlined" : "a real call",
			 (b->src & KSTEP_SRC_INLINE) ? "inlined" : "a real call");
	}
	if (strcmp(a->name, b->name) && a->kind == KSTEP_NODE_CALL) {
		struct draft *c = add(df, KSTEP_DC_RENAMED, a, b);

		snprintf(c->detail, sizeof(c->detail), "%s → %s", a->name, b->name);
	}
	compare_values(df, a, b);
	compare_time(df, a, b);
}

static void moved(struct kstep_diff *df, struct kstep_dnode *a)
{
	struct kstep_dnode *b = a->match;
	struct draft *c = add(df, KSTEP_DC_MOVED, a, b);

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

/* Writing the changes out and reading them back */

static void put_u64(FILE *f, uint64_t v)
{
	fwrite(&v, sizeof(v), 1, f);
}

static void put_str(FILE *f, const char *s)
{
	uint64_t l = s ? strlen(s) : UINT64_MAX;

	put_u64(f, l);
	if (s)
		fwrite(s, 1, (size_t)l, f);
}

/* A change's node as the views show it: with its path, its durations, its counts. */
static void put_node(FILE *f, const struct kstep_dnode *n)
{
	const struct kstep_dnode *v[256], *p;
	uint64_t med = 0, lo = 0, hi = 0;
	bool durs;
	int k = 0;

	put_u64(f, n != NULL);
	if (!n)
		return;
	durs = dnode_durs(n, &med, &lo, &hi);
	put_str(f, n->name);
	put_u64(f, (uint64_t)(int64_t)n->step);
	put_u64(f, n->present);
	put_u64(f, n->calls);
	put_u64(f, n->kind);
	put_u64(f, n->src);
	put_u64(f, durs);
	put_u64(f, med);
	put_u64(f, lo);
	put_u64(f, hi);
	for (p = n; p && p->parent && k < 256; p = p->parent)
		v[k++] = p;
	put_u64(f, (uint64_t)k);
	while (k--)
		put_str(f, v[k]->name);
}

/* Writes the drafts of the part just compared: their nodes are about to go. */
static void flush(struct kstep_diff *df)
{
	size_t i;

	for (i = 0; i < df->drafts.n; i++) {
		const struct draft *c = kstep_vec_at(&df->drafts, i);

		put_u64(df->spool, (uint64_t)c->kind);
		put_u64(df->spool, (uint64_t)c->delta_ns);
		put_u64(df->spool, c->med_a);
		put_u64(df->spool, c->med_b);
		put_u64(df->spool, c->lo_a);
		put_u64(df->spool, c->hi_a);
		put_u64(df->spool, c->lo_b);
		put_u64(df->spool, c->hi_b);
		put_str(df->spool, c->what);
		put_str(df->spool, c->detail);
		put_str(df->spool, c->sym);
		put_str(df->spool, c->note);
		put_node(df->spool, c->a);
		put_node(df->spool, c->b);
	}
	df->drafts.n = 0;
}

/* Reading a change back: its strings in one buffer, the pointers set once it is whole. */
struct kstep_dreader {
	struct kstep_dchange c;
	struct kstep_dcnode na, nb;
	char *buf;
	size_t len, cap;
	size_t *offs;			/* each string's offset in buf, SIZE_MAX: NULL */
	const char **strs;
	size_t nstr, capstr;
	bool bad;
};

static uint64_t get_u64(FILE *f, struct kstep_dreader *rd)
{
	uint64_t v = 0;

	if (fread(&v, sizeof(v), 1, f) != 1)
		rd->bad = true;
	return v;
}

/* Reads a string; returns its index among the record's strings. */
static size_t get_str(FILE *f, struct kstep_dreader *rd)
{
	uint64_t l = get_u64(f, rd);

	if (rd->nstr == rd->capstr) {
		rd->capstr = rd->capstr ? 2 * rd->capstr : 64;
		rd->offs = kstep_xrealloc(rd->offs, rd->capstr * sizeof(*rd->offs));
		rd->strs = kstep_xrealloc(rd->strs, rd->capstr * sizeof(*rd->strs));
	}
	rd->offs[rd->nstr] = SIZE_MAX;
	if (rd->bad || l == UINT64_MAX)
		return rd->nstr++;
	if (l > (1u << 20)) {
		rd->bad = true;
		return rd->nstr++;
	}
	if (rd->len + l + 1 > rd->cap) {
		rd->cap = 2 * (rd->len + l + 1);
		rd->buf = kstep_xrealloc(rd->buf, rd->cap);
	}
	if (fread(rd->buf + rd->len, 1, (size_t)l, f) != l)
		rd->bad = true;
	rd->buf[rd->len + l] = '\0';
	rd->offs[rd->nstr] = rd->len;
	rd->len += l + 1;
	return rd->nstr++;
}

/* Reads a node: *has false when the change has none; returns the index of its name. */
static size_t get_node(FILE *f, struct kstep_dreader *rd, struct kstep_dcnode *n, bool *has, size_t *path)
{
	size_t name, k;

	memset(n, 0, sizeof(*n));
	*has = get_u64(f, rd);
	if (!*has || rd->bad)
		return 0;
	name = get_str(f, rd);
	n->step = (int)(int64_t)get_u64(f, rd);
	n->present = (unsigned)get_u64(f, rd);
	n->calls = (uint32_t)get_u64(f, rd);
	n->kind = (uint8_t)get_u64(f, rd);
	n->src = (unsigned)get_u64(f, rd);
	n->durs = get_u64(f, rd);
	n->med = get_u64(f, rd);
	n->lo = get_u64(f, rd);
	n->hi = get_u64(f, rd);
	n->npath = (unsigned)get_u64(f, rd);
	if (n->npath > 256)
		rd->bad = true;
	*path = rd->nstr;
	for (k = 0; k < n->npath && !rd->bad; k++)
		get_str(f, rd);
	return name;
}

static const char *str_at(const struct kstep_dreader *rd, size_t i)
{
	return rd->offs[i] == SIZE_MAX ? NULL : rd->buf + rd->offs[i];
}

/* Words a DC_ONE_SIDE change now that the other side's sources are known. */
static void settle(const struct kstep_diff *df, struct kstep_dchange *c, const char *sym, const char *note)
{
	bool in_a = c->a != NULL;
	const struct kstep_dcnode *n = in_a ? c->a : c->b;
	char why[200], detail[sizeof(c->detail)];
	const char *bl = blind(in_a ? &df->b : &df->a, n, why, sizeof(why));

	if (bl) {
		c->kind = KSTEP_DC_NOT_COMPARED;
		snprintf(c->detail, sizeof(c->detail), "only in %s, but %s %s", in_a ? "A" : "B", in_a ? "B" : "A", bl);
		return;
	}
	c->kind = in_a ? KSTEP_DC_ONLY_A : KSTEP_DC_ONLY_B;
	snprintf(detail, sizeof(detail), "%" PRIu32 " call%s%s%s%s%s", n->calls, n->calls == 1 ? "" : "s",
		 *sym ? "; " : "", sym, *note ? "; " : "", note);
	memcpy(c->detail, detail, sizeof(detail));
}

const struct kstep_dchange *kstep_diff_next(struct kstep_diff *df)
{
	struct kstep_dreader *rd = df->rd;
	struct kstep_dchange *c = &rd->c;
	size_t what, detail, sym, note, name_a, name_b, path_a = 0, path_b = 0, i;
	bool has_a, has_b;
	uint64_t kind;

	rd->len = rd->nstr = 0;
	memset(c, 0, sizeof(*c));
	if (fread(&kind, sizeof(kind), 1, df->spool) != 1)
		return NULL;
	c->delta_ns = (int64_t)get_u64(df->spool, rd);
	c->med_a = get_u64(df->spool, rd);
	c->med_b = get_u64(df->spool, rd);
	c->lo_a = get_u64(df->spool, rd);
	c->hi_a = get_u64(df->spool, rd);
	c->lo_b = get_u64(df->spool, rd);
	c->hi_b = get_u64(df->spool, rd);
	what = get_str(df->spool, rd);
	detail = get_str(df->spool, rd);
	sym = get_str(df->spool, rd);
	note = get_str(df->spool, rd);
	name_a = get_node(df->spool, rd, &rd->na, &has_a, &path_a);
	name_b = get_node(df->spool, rd, &rd->nb, &has_b, &path_b);
	if (rd->bad)
		return NULL;
	for (i = 0; i < rd->nstr; i++)
		rd->strs[i] = str_at(rd, i);
	c->kind = (enum kstep_dchange_kind)kind;
	c->what = rd->strs[what];
	snprintf(c->detail, sizeof(c->detail), "%s", rd->strs[detail] ? rd->strs[detail] : "");
	if (has_a) {
		rd->na.name = rd->strs[name_a];
		rd->na.path = rd->strs + path_a;
		c->a = &rd->na;
	}
	if (has_b) {
		rd->nb.name = rd->strs[name_b];
		rd->nb.path = rd->strs + path_b;
		c->b = &rd->nb;
	}
	if (kind == DC_ONE_SIDE)
		settle(df, c, rd->strs[sym] ? rd->strs[sym] : "", rd->strs[note] ? rd->strs[note] : "");
	return c;
}

void kstep_diff_rewind(struct kstep_diff *df)
{
	rewind(df->spool);
	df->rd->bad = false;
}

int kstep_diff_end(struct kstep_diff *df)
{
	const struct kstep_dchange *c;

	if (fflush(df->spool) || ferror(df->spool)) {
		kstep_error("cannot write the diff's changes to a temporary file: %s", strerror(errno));
		return -1;
	}
	kstep_diff_rewind(df);
	df->structural = df->values = df->timing = df->not_compared = 0;
	while ((c = kstep_diff_next(df))) {
		switch (c->kind) {
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
	}
	if (df->rd->bad || ferror(df->spool)) {
		kstep_error("cannot read the diff's changes back from a temporary file");
		return -1;
	}
	kstep_diff_rewind(df);
	return 0;
}

int kstep_diff_init(struct kstep_diff *df, const struct kstep_diff_opts *o)
{
	memset(df, 0, sizeof(*df));
	dside_init(&df->a);
	dside_init(&df->b);
	df->o = *o;
	kstep_vec_init(&df->drafts, sizeof(struct draft));
	df->rd = kstep_xcalloc(1, sizeof(*df->rd));
	/* the changes can outgrow memory (two unrelated recordings): they wait on disk */
	df->spool = tmpfile();
	if (!df->spool) {
		kstep_error("cannot create a temporary file for the diff's changes: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void kstep_diff_free(struct kstep_diff *df)
{
	dside_free(&df->a);
	dside_free(&df->b);
	kstep_vec_free(&df->drafts);
	if (df->spool)
		fclose(df->spool);
	df->spool = NULL;
	if (df->rd) {
		free(df->rd->buf);
		free(df->rd->offs);
		free(df->rd->strs);
		free(df->rd);
	}
	df->rd = NULL;
}

/* Comparing two parts of the trees */

/* Aligns the children of two roots (a part of each side) and writes what changed. */
static void compare_trees(struct kstep_diff *df, struct kstep_dnode *ra, struct kstep_dnode *rb, bool flat)
{
	/* inline steps compare only when both sides have DWARF facts */
	if (flat) {
		flatten(ra);
		flatten(rb);
	}
	count_calls(ra);
	count_calls(rb);
	pair_nodes(ra, rb);
	align(ra, rb);
	pair_moved(ra, rb);
	walk(df, ra, rb);
	flush(df);
}

/* Reading the runs: each run's top-level subtrees as they come */

static size_t rpending(const struct drun *r)
{
	return r->items.n - r->head;
}

static struct kstep_dnode *ritem(const struct drun *r, size_t i)
{
	return *(struct kstep_dnode **)kstep_vec_at(&r->items, r->head + i);
}

/* The memory of the run's slices still alive (the first may hold compared subtrees too). */
static size_t live_bytes(const struct drun *r)
{
	size_t i, n = 0;

	for (i = r->shead; i < r->slices.n; i++)
		n += ((const struct slice *)kstep_vec_at(&r->slices, i))->a.used_bytes;
	return n;
}

static void stream_chunk(void *ctx, const struct kstep_pipeline *p, const struct kstep_node *top)
{
	(void)top;
	drun_steps(ctx, p->st);
}

/* Reads run r until its window is full or it ends. Returns 0, or -1 after a message. */
static int fill_run(struct drun *r, struct kstep_pipeline *p, size_t max_bytes)
{
	while (!r->ended && (!rpending(r) || (rpending(r) < WIN_ITEMS && live_bytes(r) < max_bytes))) {
		int k = kstep_pipeline_pump(p);

		if (k < 0)
			return -1;
		r->ended = !k;
	}
	return 0;
}

/*
 * The first t items of run r (counted from its start) have been compared:
 * what later values may cite of their steps goes into the ring, and the
 * slices that held only them are freed.
 */
static void run_done(struct drun *r, size_t t)
{
	size_t next = r->dhead + (t - r->ndone), k;
	int upto = next < r->items.n ? (*(struct kstep_dnode **)kstep_vec_at(&r->items, next))->step - 1 :
				       r->by_off + (int)r->by.n, s;

	for (s = r->by_off + 1; s <= upto; s++) {
		const struct kstep_dnode *dn = by_step(r, s);

		if (dn)
			ring_push(r, s, dn);
	}
	vec_drop(&r->by, (size_t)(upto - r->by_off));
	r->by_off = upto;
	r->dhead = next;
	r->ndone = t;
	if (r->dhead > 4096 && r->dhead > r->items.n / 2) {
		vec_drop(&r->items, r->dhead);
		r->head -= r->dhead;
		r->dhead = 0;
	}
	for (k = r->shead; k < r->slices.n; k++) {
		struct slice *sl = kstep_vec_at(&r->slices, k);

		/* the last slice goes too once everything in it is compared */
		if (sl->end > r->ndone && !(k == r->slices.n - 1 && r->ndone == r->ntotal))
			break;
		kstep_arena_free(&sl->a);
		r->shead++;
	}
	if (r->shead > 64 && r->shead > r->slices.n / 2) {
		vec_drop(&r->slices, r->shead);
		r->shead = 0;
	}
}

/* Merging a side's runs */

/* A merged top-level node of a side, and the merge round that made it. */
struct mitem {
	struct kstep_dnode *n;
	size_t round;
};

/*
 * A side being read: its runs and their pipelines, and the merged
 * top-level nodes waiting to be compared (items[head..n)). Merge round k
 * took the first upto[k][j] items of each run j (counted from its start).
 */
struct kstep_dstream {
	struct kstep_dside *d;
	struct drun **runs;
	struct kstep_dfile *fs;
	unsigned nruns;
	struct kstep_dnode *root;	/* the side's: a part to compare goes under it */
	struct kstep_vec items;		/* struct mitem */
	size_t head;
	struct kstep_vec upto;		/* size_t[nruns] a round, from round rbase + 1 on */
	size_t rounds, rbase, rdone;	/* rounds made; dropped; compared */
	bool ended;			/* every run read and merged */
};

static const struct drun *run_of(const struct kstep_dstream *s, unsigned run)
{
	return s->runs[run];
}

static struct kstep_dstream *dstream_new(struct kstep_dside *d, struct kstep_dfile *fs, unsigned n,
					  const struct kstep_diff_opts *o)
{
	struct kstep_dstream *s = kstep_xcalloc(1, sizeof(*s));
	unsigned j;

	s->d = d;
	s->nruns = n;
	s->fs = fs;
	s->runs = kstep_xcalloc(n, sizeof(*s->runs));
	for (j = 0; j < n; j++)
		s->runs[j] = drun_new(d, j, o);
	s->root = kstep_arena_alloc(&d->arena, sizeof(*s->root));
	s->root->key = "";
	s->root->name = "(task)";
	s->root->present = n;
	kstep_vec_init(&s->items, sizeof(struct mitem));
	kstep_vec_init(&s->upto, n * sizeof(size_t));
	return s;
}

static void dstream_free(struct kstep_dstream *s)
{
	size_t i;
	unsigned j;

	if (!s)
		return;
	for (i = s->head; i < s->items.n; i++)
		free_durs(((struct mitem *)kstep_vec_at(&s->items, i))->n);
	for (j = 0; j < s->nruns; j++)
		drun_free(s->runs[j]);
	free(s->runs);
	kstep_vec_free(&s->items);
	kstep_vec_free(&s->upto);
	free(s);
}

static size_t spending(const struct kstep_dstream *s)
{
	return s->items.n - s->head;
}

static struct mitem *sitem(const struct kstep_dstream *s, size_t i)
{
	return kstep_vec_at(&s->items, s->head + i);
}

static bool inferred_side(const struct kstep_dstream *s)
{
	unsigned j;

	for (j = 0; j < s->nruns; j++)
		if (s->runs[j]->inferred)
			return true;
	return false;
}

/* The length of the common prefix of the names of two lists of top-level nodes. */
static size_t common(struct kstep_dnode *const *x, size_t n, struct kstep_dnode *const *y, size_t m)
{
	size_t i;

	for (i = 0; i < n && i < m && !strcmp(x[i]->key, y[i]->key); i++)
		;
	return i;
}

/* The waiting items of run r, as an array (for the LCS). */
static struct kstep_dnode **run_window(const struct drun *r)
{
	return (struct kstep_dnode **)r->items.v + r->head;
}

/*
 * How much of each run to merge now, when some run is still being read:
 * a prefix all runs have in common at once; else the first half of the
 * first run's window and, of every other run, what its LCS with that window
 * pairs with that half (what comes after may pair with what is not read
 * yet); with the first run at its end, the first half of each.
 */
static void cut_runs(const struct kstep_dstream *s, size_t *c)
{
	const struct drun *r0 = s->runs[0];
	size_t n0 = rpending(r0) < WIN_ITEMS ? rpending(r0) : WIN_ITEMS, p = n0, half = (n0 + 1) / 2, i;
	unsigned j;

	for (j = 1; j < s->nruns; j++)
		p = common(run_window(r0), p, run_window(s->runs[j]), rpending(s->runs[j]));
	for (j = 0; j < s->nruns; j++) {
		size_t m = rpending(s->runs[j]) < WIN_ITEMS ? rpending(s->runs[j]) : WIN_ITEMS;

		c[j] = p ? p : !n0 ? (m + 1) / 2 : half;
	}
	if (p || !n0)
		return;
	for (j = 1; j < s->nruns; j++) {
		const struct drun *r = s->runs[j];
		size_t m = rpending(r) < WIN_ITEMS ? rpending(r) : WIN_ITEMS;
		long *pairs = kstep_xcalloc(n0 + 1, sizeof(*pairs));

		lcs(run_window(r0), n0, run_window(r), m, pairs);
		c[j] = 0;
		for (i = 0; i < half; i++)
			if (pairs[i] >= 0)
				c[j] = (size_t)pairs[i] + 1;
		free(pairs);
	}
}

/* Puts the first n waiting items of run r under its root, in order (they are no longer waiting). */
static void take(struct drun *r, size_t n)
{
	size_t i;

	r->root->child = r->root->last = NULL;
	for (i = 0; i < n; i++)
		add_child(r->root, ritem(r, i));
	r->head += n;
}

/*
 * One round of merging: the first run's part, and each other run's merged
 * into it in turn, as whole runs were; the result waits to be compared.
 * With every run at its end, all that is left is merged.
 */
static void merge_round(struct kstep_dstream *s)
{
	struct kstep_dnode *root = s->runs[0]->root, *k, *next;
	size_t *c = kstep_xcalloc(s->nruns, sizeof(*c)), *up, any = 0;
	bool all = true;
	unsigned j;

	for (j = 0; j < s->nruns; j++) {
		all = all && s->runs[j]->ended;
		any += rpending(s->runs[j]);
	}
	if (any && (s->nruns == 1 || all))
		for (j = 0; j < s->nruns; j++)
			c[j] = rpending(s->runs[j]);
	else if (any)
		cut_runs(s, c);
	take(s->runs[0], c[0]);
	for (j = 1; j < s->nruns; j++) {
		take(s->runs[j], c[j]);
		merge_run(root, s->runs[j]->root);
		s->runs[j]->root->child = s->runs[j]->root->last = NULL;
	}
	s->rounds++;
	up = kstep_vec_push(&s->upto);
	for (j = 0; j < s->nruns; j++)
		up[j] = s->runs[j]->ndone + (s->runs[j]->head - s->runs[j]->dhead);
	for (k = root->child; k; k = next) {
		struct mitem *m = kstep_vec_push(&s->items);

		next = k->next;
		m->n = k;
		m->round = s->rounds;
	}
	root->child = root->last = NULL;
	s->ended = all && !any;
	free(c);
}

static size_t side_bytes(const struct kstep_dstream *s)
{
	size_t n = 0;
	unsigned j;

	for (j = 0; j < s->nruns; j++)
		n += live_bytes(s->runs[j]);
	return n;
}

/* Reads and merges side s until its window is full or every run is read and merged. */
static int fill_side(struct kstep_dstream *s)
{
	size_t bytes = WIN_BYTES / s->nruns;
	unsigned j;

	while (!s->ended && (!spending(s) || (spending(s) < WIN_ITEMS && side_bytes(s) < WIN_BYTES))) {
		for (j = 0; j < s->nruns; j++)
			if (fill_run(s->runs[j], &s->fs[j].p, bytes))
				return -1;
		merge_round(s);
	}
	return 0;
}

/* Comparing the sides a window at a time */

/* Puts the first n waiting merged items under the side's root, in order. */
static void link_part(struct kstep_dstream *s, size_t n)
{
	size_t i;

	s->root->child = s->root->last = NULL;
	for (i = 0; i < n; i++)
		add_child(s->root, sitem(s, i)->n);
}

/*
 * The first n waiting merged items have been compared: their durations go,
 * and once every item of a merge round is compared, the runs' items it took.
 */
static void drop_part(struct kstep_dstream *s, size_t n)
{
	size_t rdone = n < spending(s) ? sitem(s, n)->round - 1 : s->rounds;
	unsigned j;

	free_durs(s->root);
	s->root->child = s->root->last = NULL;
	s->head += n;
	if (s->head > 4096 && s->head > s->items.n / 2) {
		vec_drop(&s->items, s->head);
		s->head = 0;
	}
	if (rdone <= s->rdone)
		return;
	for (j = 0; j < s->nruns; j++)
		run_done(s->runs[j], ((size_t *)kstep_vec_at(&s->upto, rdone - 1 - s->rbase))[j]);
	vec_drop(&s->upto, rdone - s->rbase);
	s->rbase = s->rdone = rdone;
}

/* Compares the first na waiting items of A with the first nb of B, writes what changed, frees them. */
static void commit(struct kstep_diff *df, size_t na, size_t nb)
{
	struct kstep_dstream *sa = df->a.stream, *sb = df->b.stream;

	link_part(sa, na);
	link_part(sb, nb);
	compare_trees(df, sa->root, sb->root, !inferred_side(sa) || !inferred_side(sb));
	drop_part(sa, na);
	drop_part(sb, nb);
}

/*
 * How much of two full windows to compare now: a common prefix at once (it
 * starts every LCS); else the items up to the last pair the LCS of the
 * windows matches in the first half of both (what comes after may still
 * pair with items not read yet), else up to its first pair, else the first
 * half of each.
 */
static void cut(const struct kstep_dstream *sa, const struct kstep_dstream *sb, size_t *na, size_t *nb)
{
	size_t n = spending(sa) < WIN_ITEMS ? spending(sa) : WIN_ITEMS;
	size_t m = spending(sb) < WIN_ITEMS ? spending(sb) : WIN_ITEMS, i;
	struct kstep_dnode **x = kstep_xcalloc(n + 1, sizeof(*x)), **y = kstep_xcalloc(m + 1, sizeof(*y));
	long *pairs = kstep_xcalloc(n + 1, sizeof(*pairs)), best = -1, first = -1;

	for (i = 0; i < n; i++)
		x[i] = sitem(sa, i)->n;
	for (i = 0; i < m; i++)
		y[i] = sitem(sb, i)->n;
	*na = *nb = common(x, n, y, m);
	if (*na)
		goto out;
	lcs(x, n, y, m, pairs);
	for (i = 0; i < n; i++) {
		if (pairs[i] < 0)
			continue;
		if (first < 0)
			first = (long)i;
		if (i < (n + 1) / 2 && (size_t)pairs[i] < (m + 1) / 2)
			best = (long)i;
	}
	if (best < 0)
		best = first;
	*na = best >= 0 ? (size_t)best + 1 : (n + 1) / 2;
	*nb = best >= 0 ? (size_t)pairs[best] + 1 : (m + 1) / 2;
out:
	free(x);
	free(y);
	free(pairs);
}

/* Opens and starts the files of a side, then reads its first window. Returns 0, or -1 after a message. */
static int start_side(struct kstep_dstream *s)
{
	unsigned j;

	for (j = 0; j < s->nruns; j++) {
		struct kstep_dfile *f = &s->fs[j];
		struct kstep_sink sink = { .ctx = s->runs[j], .steps = true, .chunk = stream_chunk };

		f->open = true;
		if (kstep_pipeline_open(&f->p, f->path, f->po))
			return -1;
		open_run(s->d, &f->p, f->path);
		if (kstep_pipeline_start(&f->p, &sink))
			return -1;
	}
	return fill_side(s);
}

static void stop_side(struct kstep_dstream *s)
{
	unsigned j;

	for (j = 0; j < s->nruns; j++) {
		if (!s->fs[j].open)
			continue;
		kstep_pipeline_stop(&s->fs[j].p);
		s->d->sources = j ? s->d->sources & s->fs[j].p.sources : s->fs[j].p.sources;
	}
}

static int stream(struct kstep_diff *df)
{
	struct kstep_dstream *sa = df->a.stream, *sb = df->b.stream;
	size_t na, nb;

	if (start_side(sa) || start_side(sb))
		return -1;
	for (;;) {
		if (fill_side(sa) || fill_side(sb))
			return -1;
		if (sa->ended && sb->ended)
			break;
		cut(sa, sb, &na, &nb);
		commit(df, na, nb);
	}
	/* all that is left of both is here: compared at once, as if the trees were whole */
	commit(df, spending(sa), spending(sb));
	return 0;
}

int kstep_diff_stream(struct kstep_diff *df, struct kstep_dfile *fa, unsigned na, struct kstep_dfile *fb,
		      unsigned nb)
{
	int ret;

	df->a.stream = dstream_new(&df->a, fa, na, &df->o);
	df->b.stream = dstream_new(&df->b, fb, nb, &df->o);
	ret = stream(df);
	stop_side(df->a.stream);
	stop_side(df->b.stream);
	dstream_free(df->a.stream);
	dstream_free(df->b.stream);
	df->a.stream = df->b.stream = NULL;
	return ret;
}

char *kstep_dcnode_path(const struct kstep_dcnode *n)
{
	struct kstep_sbuf b = { 0 };
	unsigned i;

	for (i = 0; i < n->npath; i++) {
		kstep_sbuf_add(&b, n->path[i]);
		if (i + 1 < n->npath)
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
