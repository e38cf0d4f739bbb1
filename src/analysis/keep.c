// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * keep.c - which steps a log of at most N steps keeps (see keep.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "keep.h"

/* Why a step carries the story, in the order the choice takes them. */
enum {
	WHY_EDGE = 1 << 0,	/* the way in and out: user space, the system call and its return */
	WHY_ERR = 1 << 1,	/* a failure, or a value the log cannot account for */
	WHY_CITED = 1 << 2,	/* produced a value a later step cites */
	WHY_USES = 1 << 3,	/* uses a value an earlier step produced */
	WHY_OBJ = 1 << 4,	/* read an object */
	WHY_GAP = 1 << 5,	/* inferred: an inline, a tail call, a frame from stacks */
};

/* One step of the full log. */
struct krec {
	int32_t parent;		/* the shown parent's number, 0: a top step */
	int32_t last;		/* the last step of its subtree (its return step included) */
	int32_t ret;		/* a call: its return step, 0 none; a return step: its call */
	uint32_t kids;		/* kept children (the choice) */
	uint64_t ns;
	uint8_t why;
	bool is_ret;
	bool kept;
	bool aside;		/* interrupt work or time off the CPU: not the action's own story */
};

#define KREC_PER_BLOCK 4096

struct kstep_keep {
	struct kstep_arena arena;	/* the records, charged to the memory budget */
	struct krec **blocks;
	size_t nblocks;
	int total;
	int shown;
	struct kstep_vec open;		/* int32_t: the steps whose subtree is still open */
	struct kstep_steps_fold fold;	/* what the step builder asks */
	bool errno_before;		/* a system call of the log failed */
};

static bool kept(const void *ctx, int full);
static int span(const void *ctx, int full);
static bool has_ret(const void *ctx, int full);

struct kstep_keep *kstep_keep_new(void)
{
	struct kstep_keep *k = kstep_xcalloc(1, sizeof(*k));

	k->arena.charge = "the --steps choice (a record per step of the full log)";
	k->fold = (struct kstep_steps_fold){ .ctx = k, .kept = kept, .span = span, .has_ret = has_ret };
	kstep_vec_init(&k->open, sizeof(int32_t));
	return k;
}

void kstep_keep_free(struct kstep_keep *k)
{
	if (!k)
		return;
	kstep_arena_free(&k->arena);
	free(k->blocks);
	kstep_vec_free(&k->open);
	free(k);
}

/* The record of step full (1-based), made on first use; NULL beyond the log. */
static struct krec *rec(struct kstep_keep *k, int full)
{
	size_t i = (size_t)(full - 1), b = i / KREC_PER_BLOCK;

	if (full < 1)
		return NULL;
	if (b >= k->nblocks) {
		size_t n = b + 1;

		k->blocks = kstep_xrealloc(k->blocks, n * sizeof(*k->blocks));
		memset(k->blocks + k->nblocks, 0, (n - k->nblocks) * sizeof(*k->blocks));
		k->nblocks = n;
	}
	if (!k->blocks[b]) {
		k->blocks[b] = kstep_arena_alloc(&k->arena, KREC_PER_BLOCK * sizeof(struct krec));
		memset(k->blocks[b], 0, KREC_PER_BLOCK * sizeof(struct krec));
	}
	return &k->blocks[b][i % KREC_PER_BLOCK];
}

static const struct krec *crec(const struct kstep_keep *k, int full)
{
	size_t i = (size_t)(full - 1), b = i / KREC_PER_BLOCK;

	if (full < 1 || full > k->total || b >= k->nblocks || !k->blocks[b])
		return NULL;
	return &k->blocks[b][i % KREC_PER_BLOCK];
}

/* Closes the open subtrees down to (not including) step keep_open; they end at last. */
static void close_to(struct kstep_keep *k, int32_t keep_open, int32_t last)
{
	while (k->open.n) {
		int32_t top = *(int32_t *)kstep_vec_at(&k->open, k->open.n - 1);
		struct krec *r;

		if (top == keep_open)
			return;
		r = rec(k, top);
		if (r->last < last)
			r->last = last;
		k->open.n--;
	}
}

/* A value the step shows that cites an earlier step: both carry the story. */
static void note_cite(struct kstep_keep *k, struct krec *r, const struct kstep_val *v)
{
	struct krec *p;

	if ((v->deriv != KSTEP_DERIV_STEP && v->deriv != KSTEP_DERIV_AMBIGUOUS) || v->from_step <= 0)
		return;
	r->why |= WHY_USES;
	p = rec(k, v->from_step);
	if (p)
		p->why |= WHY_CITED;
}

static void note_vals(struct kstep_keep *k, struct krec *r, const struct kstep_step *s)
{
	const struct kstep_val *v;
	unsigned i, j;

	for (v = s->node->vals; v; v = v->next)
		if (kstep_step_val_here(s, v))
			note_cite(k, r, v);
	if (s->node->retv && kstep_step_shows_ret(s))
		note_cite(k, r, s->node->retv);
	for (i = 0; i < s->nobjs; i++) {
		note_cite(k, r, s->objs[i].addr);
		for (j = 0; j < s->objs[i].nf; j++)
			note_cite(k, r, s->objs[i].f[j].v);
	}
}

static bool edge(const struct kstep_step *s)
{
	const struct kstep_node *n = s->node;

	return s->depth == 0 || n->kind == KSTEP_NODE_SYSCALL ||
	       (n->kind == KSTEP_NODE_CALL && n->fn && (n->fn->flags & KSTEP_FN_USER));
}

void kstep_keep_add(struct kstep_keep *k, const struct kstep_steps *st)
{
	size_t i;

	for (i = 0; i < st->n; i++) {
		const struct kstep_step *s = &st->v[i];
		struct krec *r = rec(k, s->n);

		k->total = s->n;
		r->parent = s->parent;
		r->last = s->n;
		r->is_ret = s->ret;
		if (s->ret) {
			struct krec *c = rec(k, s->call);

			c->ret = s->n;
			r->ret = s->call;
			close_to(k, s->call, s->n - 1);
			close_to(k, s->parent, s->n);
		} else {
			close_to(k, s->parent, s->n - 1);
			r->ns = kstep_node_dur(s->node);
			*(int32_t *)kstep_vec_push(&k->open) = s->n;
		}
		r->aside = s->node->kind == KSTEP_NODE_IRQ || s->node->kind == KSTEP_NODE_OFFCPU ||
			   s->node->ctx != KSTEP_CTX_TASK;
		if (edge(s))
			r->why |= WHY_EDGE;
		if (kstep_step_mark(s, k->errno_before) == KSTEP_MARK_FAILED)
			r->why |= WHY_ERR;
		if (s->node->kind == KSTEP_NODE_SYSCALL && s->node->retv && kstep_step_shows_ret(s) &&
		    kstep_val_errno(s->node->retv))
			k->errno_before = true;
		if (s->nobjs)
			r->why |= WHY_OBJ;
		if (!s->ret && s->node->src && kstep_src_inferred(s->node->src))
			r->why |= WHY_GAP;
		note_vals(k, r, s);
	}
}

/* A return step is shown where its call is: choosing it chooses the call. */
static int call_of(struct kstep_keep *k, int full)
{
	struct krec *r = rec(k, full);

	return r->is_ret ? r->ret : full;
}

/* What keeping it adds: it, its unkept ancestors, and the return steps their first kept child brings. */
static int cost(struct kstep_keep *k, int full)
{
	int c = 0, x;

	for (x = full; x > 0; x = rec(k, x)->parent) {
		struct krec *r = rec(k, x);
		struct krec *p = r->parent > 0 ? rec(k, r->parent) : NULL;

		if (r->kept)
			break;
		c++;
		/* the parent gets its first kept child: its return gets a step of its own */
		if (p && p->ret && (!p->kept || !p->kids))
			c++;
	}
	return c;
}

static bool take(struct kstep_keep *k, int budget, int full)
{
	int c, x;

	full = call_of(k, full);
	if (rec(k, full)->kept)
		return true;
	c = cost(k, full);
	if (k->shown + c > budget)
		return false;
	for (x = full; x > 0; x = rec(k, x)->parent) {
		struct krec *r = rec(k, x);

		if (r->kept)
			break;
		r->kept = true;
		if (r->parent > 0)
			rec(k, r->parent)->kids++;
	}
	k->shown += c;
	return true;
}

struct bylen {
	uint64_t ns;
	int32_t full;
	bool aside;
};

/* The action's own steps first, then interrupt work; each longest first, then in order. */
static int cmp_len(const void *a, const void *b)
{
	const struct bylen *x = a, *y = b;

	if (x->aside != y->aside)
		return x->aside ? 1 : -1;
	if (x->ns != y->ns)
		return x->ns > y->ns ? -1 : 1;
	return x->full < y->full ? -1 : x->full > y->full;
}

void kstep_keep_choose(struct kstep_keep *k, int budget)
{
	static const unsigned order[] = { WHY_EDGE, WHY_ERR, WHY_CITED | WHY_USES, WHY_OBJ, WHY_GAP };
	struct bylen *v;
	size_t i, n = 0;
	int full;

	close_to(k, -1, k->total);
	for (i = 0; i < KSTEP_ARRAY_SIZE(order); i++)
		for (full = 1; full <= k->total; full++)
			if (rec(k, full)->why & order[i])
				take(k, budget, full);
	v = kstep_xcalloc((size_t)k->total + 1, sizeof(*v));
	for (full = 1; full <= k->total; full++) {
		struct krec *r = rec(k, full);

		if (!r->kept && !r->is_ret)
			v[n++] = (struct bylen){ r->ns, full, r->aside };
	}
	qsort(v, n, sizeof(*v), cmp_len);
	for (i = 0; i < n && k->shown < budget; i++)
		take(k, budget, v[i].full);
	free(v);
}

int kstep_keep_total(const struct kstep_keep *k)
{
	return k->total;
}

int kstep_keep_shown(const struct kstep_keep *k)
{
	return k->shown;
}

static bool kept(const void *ctx, int full)
{
	const struct krec *r = crec(ctx, full);

	return r && r->kept;
}

static int span(const void *ctx, int full)
{
	const struct krec *r = crec(ctx, full);

	return r ? r->last - full + 1 : 1;
}

static bool has_ret(const void *ctx, int full)
{
	const struct krec *r = crec(ctx, full);

	return r && !r->is_ret && r->ret;
}

const struct kstep_steps_fold *kstep_keep_fold(const struct kstep_keep *k)
{
	return &k->fold;
}
