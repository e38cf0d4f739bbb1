// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * steps.c - from the call tree to the numbered step log and its footer.
 */
#include "config.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "defs.h"
#include "kopts.h"
#include "lookups.h"
#include "log.h"
#include "steps.h"

/*
 * value → latest producer: its step in this view (0 when hidden) and its
 * name. Bounded: past PROD_MAX values the older half (by the order they were
 * put in) is evicted (counted), and the evicted keys go into a Bloom filter
 * so that a later use of one says its producer may have been evicted instead
 * of claiming that nothing produced it.
 */
#ifndef PROD_MAX
#define PROD_MAX (1u << 19)
#endif
#define BLOOM_BITS (1u << 23)

struct cite {
	int step;		/* 0: hidden in this view */
	int into;		/* hidden by --steps: the shown step it is folded into */
	const char *name;	/* interned: lives as long as the log */
};

struct prodmap {
	uint64_t *keys;
	uint64_t *ages;		/* 0: empty slot; else when the value was put in */
	struct cite *cites;
	size_t cap;
	size_t n;
	uint64_t clock;
	uint64_t evicted;
	uint8_t *bloom;
};

/* An integer a call returned, kept while its caller is open. */
struct iret {
	uint64_t val;
	struct cite c;
	bool deep;		/* returned by a descendant, not by a direct child */
};

/* A call whose return is still to come, during derivation. */
struct oframe {
	struct kstep_node *n;
	size_t start;		/* its returned integers: rets[start..] */
	struct iret err;	/* the latest failed system call inside it */
	bool has_err;
};

#define RETS_KEEP 64	/* integers kept per open call: the latest */

/* What lasts across subtrees while the log streams. */
struct kstep_steps_state {
	const struct kstep_steps_opts *o;
	const struct kstep_session *s;
	const struct kstep_selection *sel;
	const struct kstep_ksyms *ks;
	bool keep;		/* keep every step (kstep_steps_build) */
	int full_total;		/* --steps: steps of the full log numbered or folded so far */
	struct kstep_vec steps;
	struct kstep_arena chunk;	/* the current steps' strings */
	struct prodmap m;
	struct kstep_vec wstack;	/* the walk's explicit stack */
	struct kstep_vec open;		/* derivation: struct oframe of the open calls */
	struct kstep_vec rets;		/* derivation: struct iret, by open call */
	const char **names_tab;		/* interned producer names (hash set) */
	size_t names_cap, names_n;
	struct kstep_arena names_arena;
	char *slabs;		/* the recording kernel's merged slab caches (kopts.h) */
	uint64_t listed_points;
	struct kstep_vec step_missing;	/* notes about steps, kept for the footer's order */
	struct kstep_vec step_gaps;
	uint64_t hidden_default;
	uint64_t hidden_user;
	uint64_t irqs_collapsed;
	uint64_t irqs_hidden, irqs_hidden_ns;	/* interrupts inside hidden calls */
	uint64_t off_hidden, off_hidden_ns;	/* times off the CPU inside hidden calls */
	uint64_t overhead_hidden;
	uint64_t instr_hidden;		/* events the instrumentation caused */
	struct kstep_kopt_probe *probes;	/* the plan's probes, as the file says */
	size_t nprobes;
	uint64_t ret_only;		/* returns of functions the plan probed at return only */
	uint64_t no_exit, no_entry;
	size_t listed;
	bool fgraph_retval;
	bool stacks;
	const char *const *producers;	/* plugins/producers.tbl, looked up once */
	struct kstep_objstate *os;	/* the plan's object reads, or NULL */
	const struct kstep_fetches *fx;	/* what each probe field fetched, or NULL */
	struct kstep_fetches *own_fx;	/* fx when read from the file here */
};

struct builder {
	struct kstep_steps *st;
	struct kstep_steps_state *x;
	const struct kstep_steps_opts *o;
	const struct kstep_ksyms *ks;
};

/* Formatting */

void kstep_val_raw(const struct kstep_val *v, char *out, size_t len)
{
	if (!len)
		return;
	if (v->unreadable) {
		snprintf(out, len, "unreadable");
		return;
	}
	if (v->type == KSTEP_VT_STR) {
		snprintf(out, len, "%s", v->str ? v->str : "");
		return;
	}
	/* numbers without printf: every value of the log comes here */
	if (len < KSTEP_NUM_LEN + 1) {
		char tmp[KSTEP_NUM_LEN + 1];
		size_t n;

		kstep_val_raw(v, tmp, sizeof(tmp));
		n = strlen(tmp) < len ? strlen(tmp) : len - 1;
		memcpy(out, tmp, n);
		out[n] = '\0';
	} else if (v->type == KSTEP_VT_HEX) {
		kstep_fmt_x64(out, v->num);
	} else if (v->type == KSTEP_VT_INT && (int64_t)v->num < 0) {
		out[0] = '-';
		kstep_fmt_u64(out + 1, -v->num);
	} else {
		kstep_fmt_u64(out, v->num);
	}
}

const char *kstep_val_errno(const struct kstep_val *v)
{
	int64_t x = (int64_t)v->num;

	if (v->type == KSTEP_VT_STR || v->role != KSTEP_VAL_OUT)
		return NULL;
	/* a user function's -1 is libc's convention, not -EPERM (errno is in the syscall's return) */
	if (v->src & KSTEP_SRC_UPROBE)
		return NULL;
	/* 32-bit returns read as unsigned still hold the errno in the low half */
	if (v->type != KSTEP_VT_INT && v->num <= 0xffffffffULL && v->num >= 0xfffff001ULL)
		x = (int32_t)(uint32_t)v->num;
	if (x < 0 && x >= -4095)
		return kstep_errno_name(-x);
	return NULL;
}

bool kstep_val_pointer(const struct kstep_val *v)
{
	if (v->type == KSTEP_VT_STR || v->unreadable)
		return false;
	/* kernel half, but not a negative errno */
	if (v->num >= 0xffff800000000000ULL && v->num < 0xfffffffffffff001ULL)
		return true;
	/* user addresses only where the kernel prints the value as hex and no
	 * table names it a constant (flags=0x88000 O_LARGEFILE|O_CLOEXEC) */
	return v->type == KSTEP_VT_HEX && !v->decoded && v->num >= 0x10000ULL && v->num < 0x0000800000000000ULL;
}

bool kstep_val_shown(const struct kstep_val *v)
{
	return v->name[0] != '_' || v->name[1] != '_';
}

bool kstep_step_val_here(const struct kstep_step *st, const struct kstep_val *v)
{
	if (!kstep_val_shown(v))
		return false;
	if (st->ret)
		return v->role == KSTEP_VAL_OUT;
	return v->role != KSTEP_VAL_OUT || !st->node->retstep || st->node->kind == KSTEP_NODE_EVENT;
}

bool kstep_step_shows_ret(const struct kstep_step *st)
{
	return st->ret || !st->node->retstep;
}

/* The machine name: the last word of a uname line ("Linux host 6.1.0-56-amd64 x86_64"). */
static const char *uname_machine(const char *uname, char *out, size_t len)
{
	const char *sp = strrchr(uname, ' ');

	snprintf(out, len, "%s", sp ? sp + 1 : uname);
	return out;
}

bool kstep_step_regs(const char *uname, const struct kstep_step *st, struct kstep_sbuf *b)
{
	const char *const *abi = kstep_list_get("abi");
	const struct kstep_node *n = st->node;
	const struct kstep_val *v;
	char arch[64], row[256], *save, *nr, *args, *ret, *reg;

	if (n->kind != KSTEP_NODE_SYSCALL)
		return false;
	if (!uname) {
		kstep_sbuf_add(b, "unknown: the file does not name its machine");
		return true;
	}
	uname_machine(uname, arch, sizeof(arch));
	for (; abi && *abi; abi++)
		if (!strncmp(*abi, arch, strlen(arch)) && (*abi)[strlen(arch)] == ' ')
			break;
	if (!abi || !*abi) {
		kstep_sbuf_addf(b, "unknown: no system call ABI for %s in plugins/abi.tbl", arch);
		return true;
	}
	snprintf(row, sizeof(row), "%s", *abi + strlen(arch) + 1);
	nr = strtok_r(row, " ", &save);
	args = strtok_r(NULL, " ", &save);
	ret = strtok_r(NULL, " ", &save);
	if (!st->ret) {
		if (n->sysnr >= 0)
			kstep_sbuf_addf(b, "%s=%d", nr, n->sysnr);
		else
			kstep_sbuf_addf(b, "%s=?", nr);
		for (v = n->vals, reg = strtok_r(args, ",", &save); v && reg; v = v->next) {
			char raw[128];

			if (v->role == KSTEP_VAL_OUT)
				continue;
			kstep_val_raw(v, raw, sizeof(raw));
			kstep_sbuf_addf(b, " %s=%s", reg, raw);
			reg = strtok_r(NULL, ",", &save);
		}
	}
	if (n->retv && kstep_step_shows_ret(st)) {
		char raw[128];

		kstep_val_raw(n->retv, raw, sizeof(raw));
		kstep_sbuf_addf(b, "%s%s=%s", b->len ? " " : "", ret, raw);
	}
	return true;
}

/* The syscall's handler under n (graph root, probe or stack frame), or NULL. */
static const struct kstep_node *handler_of(const struct kstep_node *n)
{
	const struct kstep_node *k;

	for (k = n->child; k; k = k->next)
		if (k->kind == KSTEP_NODE_CALL && k->fn && kstep_list_match("syscall_anchor", k->fn->name))
			return k;
	return NULL;
}

/* The dispatcher's call under n when the plan probed it, or NULL. */
static const struct kstep_node *dispatch_of(const struct kstep_node *n)
{
	const struct kstep_node *k;

	for (k = n->child; k; k = k->next)
		if (k->kind == KSTEP_NODE_CALL && k->fn && !strcmp(k->fn->name, "x64_sys_call"))
			return k;
	return NULL;
}

bool kstep_step_entry(const struct kstep_ksyms *ks, const struct kstep_step *st, bool ascii,
		      struct kstep_sbuf *b)
{
	const struct kstep_node *n = st->node, *disp, *h;
	const char *arrow = ascii ? " -> " : " → ";
	size_t i, outer;
	bool any = false;

	if (n->kind != KSTEP_NODE_SYSCALL || st->ret)
		return false;
	if (!n->nstack) {
		kstep_sbuf_add(b, "not recorded: no stack at the system call's entry (plan: syscall NAME stack)");
		return true;
	}
	/* the entry code is the outermost part of the stack, up to the first other frame */
	for (outer = n->nstack; outer > 0; outer--) {
		const char *name = kstep_ksyms_name(ks, n->stack[outer - 1]);

		if (!name || !kstep_list_match("stack_entry", name))
			break;
	}
	for (i = n->nstack; i-- > outer;) {
		kstep_sbuf_addf(b, "%s%s", any ? arrow : "", kstep_ksyms_name(ks, n->stack[i]));
		any = true;
	}
	if (!any)
		kstep_sbuf_add(b, "?");
	disp = dispatch_of(n);
	h = handler_of(disp ? disp : n);
	if (!h && disp)
		h = handler_of(n);
	if (disp) {
		const struct kstep_val *nr = kstep_node_val(disp, "nr");

		kstep_sbuf_addf(b, "%sx64_sys_call", arrow);
		if (nr)
			kstep_sbuf_addf(b, "(nr=%" PRIu64 ")", nr->num);
		kstep_sbuf_add(b, " switch");
	} else if (ks && kstep_ksyms_find(ks, "x64_sys_call")) {
		const char *to = h && (h->flags & KSTEP_NF_RETIP) ? kstep_ksyms_name(ks, h->retip) : NULL;

		/* the handler's return address says whether the switch left a frame */
		kstep_sbuf_addf(b, "%sx64_sys_call switch (kallsyms; %s)", arrow,
				to && strcmp(to, "x64_sys_call") ? "no frame on the stack: inlined or a tail call" :
				"not traced");
	} else if (ks && kstep_ksyms_find(ks, "sys_call_table")) {
		kstep_sbuf_addf(b, "%ssys_call_table[%d]", arrow, n->sysnr);
	}
	if (h)
		kstep_sbuf_addf(b, "%s%s", arrow, h->fn->name);
	return true;
}

/* What one shown value makes of its step's mark. */
static void mark_val(const struct kstep_val *v, unsigned *shown, unsigned *derived, unsigned *bad)
{
	++*shown;
	if (v->unreadable || v->deriv == KSTEP_DERIV_UNDERIVED || v->deriv == KSTEP_DERIV_AMBIGUOUS)
		++*bad;
	else if (v->deriv == KSTEP_DERIV_STEP || v->deriv == KSTEP_DERIV_SYMBOL)
		++*derived;
}

enum kstep_mark kstep_step_mark(const struct kstep_step *st, bool errno_before)
{
	const struct kstep_node *n = st->node;
	const struct kstep_val *v, *r = n->retv && kstep_step_shows_ret(st) ? n->retv : NULL;
	unsigned shown = 0, derived = 0, bad = 0;

	for (v = n->vals; v; v = v->next)
		if (kstep_step_val_here(st, v) && !v->obj)
			mark_val(v, &shown, &derived, &bad);
	if (r)
		mark_val(r, &shown, &derived, &bad);
	/* the fields of an object read are facts observed here, whatever its address cites */
	shown += st->nobjs;
	if (bad || (r && kstep_val_errno(r)) || (n->flags & (KSTEP_NF_NO_ENTRY | KSTEP_NF_NO_EXIT)))
		return KSTEP_MARK_FAILED;
	if (r && errno_before && n->kind == KSTEP_NODE_CALL && n->fn && (n->fn->flags & KSTEP_FN_USER) &&
	    (int64_t)r->num == -1)
		return KSTEP_MARK_FAILED;
	/* a step the trace does not show: an inline, a tail call, a frame merged from stacks */
	if (!st->ret && n->src && kstep_src_inferred(n->src))
		return KSTEP_MARK_DERIVED;
	return shown && derived == shown ? KSTEP_MARK_DERIVED : KSTEP_MARK_OBSERVED;
}

const char *kstep_step_kind(const struct kstep_step *st)
{
	const struct kstep_node *n = st->node;

	if (st->ret)
		return "return";
	switch (n->kind) {
	case KSTEP_NODE_SYSCALL:
		return "syscall";
	case KSTEP_NODE_EVENT:
		return "event";
	case KSTEP_NODE_IRQ:
		return "interrupt";
	case KSTEP_NODE_OFFCPU:
		return "off-cpu";
	case KSTEP_NODE_CALL:
		return (n->flags & KSTEP_NF_FRAME) ? "frame" : "call";
	default:
		return "task";
	}
}

static void note(struct kstep_steps *st, struct kstep_vec *v, int step, const char *fmt, ...)
	KSTEP_PRINTF(4, 5);

static void note(struct kstep_steps *st, struct kstep_vec *v, int step, const char *fmt, ...)
{
	struct kstep_note *nt = kstep_vec_push(v);
	struct kstep_sbuf b = { 0 };
	va_list ap;

	va_start(ap, fmt);
	kstep_sbuf_vaddf(&b, fmt, ap);
	va_end(ap);
	nt->step = step;
	nt->text = kstep_arena_strdup(&st->arena, kstep_sbuf_str(&b));
	kstep_sbuf_free(&b);
}

/* Visibility */

static bool user_hidden(const struct builder *b, const struct kstep_node *n)
{
	const char *name = kstep_node_name(n);
	char norm[256];
	size_t i;

	if (!b->o->nhide)
		return false;
	kstep_func_norm(name, norm, sizeof(norm));
	for (i = 0; i < b->o->nhide; i++) {
		const char *colon = strchr(name, ':');

		if (kstep_glob(b->o->hide[i], name) || kstep_glob(b->o->hide[i], norm) ||
		    (colon && kstep_glob(b->o->hide[i], colon + 1)))
			return true;
	}
	return false;
}

/* Depth is data: every walk over a subtree is a loop, never a recursion. */
/*
 * The nodes of n's subtree; the interrupts among them are counted into
 * x->irqs_hidden, and the times off the CPU into x->off_hidden, with their time.
 */
static uint32_t subtree_count(const struct kstep_node *n, struct kstep_steps_state *x)
{
	const struct kstep_node *k;
	uint32_t count = 0;
	uint64_t *irqs = &x->irqs_hidden, *irq_ns = &x->irqs_hidden_ns;

	for (k = n; k; k = kstep_node_next((struct kstep_node *)k, n)) {
		count++;
		if (k->kind == KSTEP_NODE_OFFCPU) {
			x->off_hidden++;
			x->off_hidden_ns += kstep_node_dur(k);
		}
		if (k->kind != KSTEP_NODE_IRQ)
			continue;
		++*irqs;
		/* a nested interrupt's time is inside the outer one's already */
		if (k == n || k->parent->kind != KSTEP_NODE_IRQ)
			*irq_ns += kstep_node_dur(k);
	}
	return count;
}

static struct kstep_step *step_at(struct builder *b, long idx)
{
	return idx < 0 ? NULL : kstep_vec_at(&b->x->steps, (size_t)idx);
}

static void add_hidden(struct builder *b, long acc, const struct kstep_node *n)
{
	struct kstep_step *a = step_at(b, acc);
	uint32_t count = subtree_count(n, b->x);

	b->st->hidden_total += count;
	if (!a)
		return;
	a->hidden_count += count;
	a->hidden_ns += kstep_node_dur(n);
}

/* One level of the walk: the next sibling to visit and where its steps go. */
struct wframe {
	struct kstep_node *k;
	long parent;
	int depth;
	bool machinery;
	bool closes;		/* the last sibling of the parent step's children */
};

static void wpush(struct builder *b, struct kstep_node *k, long parent, int depth, bool machinery)
{
	struct wframe *f;

	if (!k)
		return;
	f = kstep_vec_push(&b->x->wstack);
	*f = (struct wframe){ .k = k, .parent = parent, .depth = depth, .machinery = machinery,
			      .closes = !machinery };
}

/*
 * A call's return is known when it ends: when steps were shown inside it,
 * it gets a return step of its own after the last of them, so that its
 * return value may cite them without citing forward.
 */
static void return_step(struct builder *b, long idx)
{
	struct kstep_step *call = step_at(b, idx), *r;
	struct kstep_node *k = call->node;
	const struct kstep_val *v;
	bool out = k->retv != NULL;
	int full = 0;

	/* the full log's return step is numbered whether or not this view shows it */
	if (b->o->keep && b->o->keep->has_ret(b->o->keep->ctx, call->full))
		full = ++b->x->full_total;

	for (v = k->vals; v && !out; v = v->next)
		out = v->role == KSTEP_VAL_OUT && kstep_val_shown(v);
	if (!out || (size_t)idx + 1 == b->x->steps.n || k->kind == KSTEP_NODE_EVENT)
		return;
	r = kstep_vec_push(&b->x->steps);
	call = step_at(b, idx);
	*r = (struct kstep_step){ .n = ++b->st->total, .depth = call->depth, .parent = call->parent,
				  .node = k, .ret = true, .call = call->n };
	r->full = b->o->keep ? full : r->n;
	k->retstep = r->n;
}

/*
 * Probe machinery is instrumentation: the calls function_graph saw inside
 * it (copy_from_kernel_nofault for fetch args...) go with it; a probe hit or
 * an event recorded inside it stays visible.
 */
static bool machinery_call(const struct kstep_node *k)
{
	return k->kind == KSTEP_NODE_CALL && (k->src & KSTEP_SRC_FGRAPH) &&
	       !(k->src & (KSTEP_SRC_KPROBE | KSTEP_SRC_FPROBE | KSTEP_SRC_UPROBE));
}

/* The kernel function an event's call_site names, or NULL. */
static const char *call_site_fn(const struct builder *b, const struct kstep_node *k)
{
	const struct kstep_val *v;
	const struct kstep_ksym *sym;

	if (k->kind != KSTEP_NODE_EVENT || !b->ks || !(v = kstep_node_val(k, "call_site")) ||
	    v->type == KSTEP_VT_STR)
		return NULL;
	sym = kstep_ksyms_lookup(b->ks, v->num, NULL);
	return sym ? sym->name : NULL;
}

/*
 * An event the tracing itself caused: an allocation made by the probe
 * machinery (the uprobe's return-probe bookkeeping in uprobe_notify_resume).
 */
static bool instrumentation_event(const struct builder *b, const struct kstep_node *k)
{
	const char *fn = call_site_fn(b, k);

	return fn && kstep_list_match("probe_overhead", fn);
}

/* --syscall: a node wholly before or after the chosen call is no step (but derived). */
static bool outside_view(const struct builder *b, const struct kstep_node *k)
{
	const struct kstep_selection *sel = b->x->sel;
	uint64_t start = (k->flags & KSTEP_NF_NO_ENTRY) ? k->t_exit : k->t_entry;
	uint64_t end = k->t_exit && !(k->flags & KSTEP_NF_NO_EXIT) ? k->t_exit : UINT64_MAX;

	if (!sel || !sel->view)
		return false;
	/* an event, or a call seen at its entry only, is a point in time */
	if (k->kind == KSTEP_NODE_EVENT || (k->flags & KSTEP_NF_POINT))
		end = start;
	return end < sel->view_from || start > sel->view_to;
}

/*
 * --steps: k is the full log's step full, which the choice does not keep:
 * its subtree is summed into the parent step, and each of its nodes
 * remembers that step, so that a value it produced is cited there.
 */
static void fold(struct builder *b, long parent, struct kstep_node *k, int full)
{
	const struct kstep_step *a = step_at(b, parent);
	int span = b->o->keep->span(b->o->keep->ctx, full);
	struct kstep_node *x;

	add_hidden(b, parent, k);
	b->x->full_total += span - 1;
	b->st->folded += span;
	for (x = k; x; x = kstep_node_next(x, k))
		x->into = a ? a->n : 0;
}

/* Visits k: a step, hidden and summed into parent, or walked through. */
static void visit(struct builder *b, struct kstep_node *k, long parent, int depth)
{
	struct kstep_step *st;
	long idx;
	int full = 0;

	if (outside_view(b, k))
		return;
	if (!b->o->all && instrumentation_event(b, k)) {
		b->x->instr_hidden++;
		return;
	}
	if (k->kind == KSTEP_NODE_CALL && (k->fn->flags & KSTEP_FN_OVERHEAD) && !b->o->all) {
		b->x->overhead_hidden++;
		wpush(b, k->child, parent, depth, true);
		return;
	}
	if (user_hidden(b, k)) {
		b->x->hidden_user++;
		add_hidden(b, parent, k);
		return;
	}
	if (k->kind == KSTEP_NODE_CALL && (k->fn->flags & KSTEP_FN_HIDE) && !b->o->all) {
		b->x->hidden_default++;
		add_hidden(b, parent, k);
		return;
	}
	if (b->o->depth > 0 && depth >= b->o->depth) {
		add_hidden(b, parent, k);
		return;
	}
	if (b->o->keep) {
		full = ++b->x->full_total;
		if (!b->o->keep->kept(b->o->keep->ctx, full)) {
			fold(b, parent, k, full);
			return;
		}
	}
	st = kstep_vec_push(&b->x->steps);
	idx = (long)b->x->steps.n - 1;
	*st = (struct kstep_step){ 0 };
	st->n = ++b->st->total;
	st->full = full ? full : st->n;
	st->depth = depth;
	st->node = k;
	st->parent = parent >= 0 ? step_at(b, parent)->n : 0;
	k->step = st->n;
	if (k->kind == KSTEP_NODE_IRQ && !b->o->all) {
		const struct kstep_node *x;

		b->x->irqs_collapsed++;
		for (x = k->child; x; x = x->next)
			add_hidden(b, idx, x);
		return;
	}
	wpush(b, k->child, idx, depth + 1, false);
}

/* The steps of top and everything under it, in pre-order. */
static void walk(struct builder *b, struct kstep_node *top)
{
	struct kstep_vec *ws = &b->x->wstack;

	ws->n = 0;
	visit(b, top, -1, 0);
	while (ws->n) {
		struct wframe *f = kstep_vec_at(ws, ws->n - 1);
		struct kstep_node *k = f->k;
		long parent = f->parent;
		int depth = f->depth;

		if (!k) {
			bool closes = f->closes;

			ws->n--;
			if (closes)
				return_step(b, parent);
			continue;
		}
		f->k = k->next;
		if (f->machinery && machinery_call(k))
			wpush(b, k->child, parent, depth, true);
		else
			visit(b, k, parent, depth);
	}
}

/* Decoding and derivation */

static const char *where_of(const struct kstep_node *n)
{
	return kstep_node_name(n);
}

/*
 * A kmem event names a merged cache by its first member only: a UNIX socket
 * comes "from signal_cache". Say which caches that name stands for.
 */
static bool slab_name(const struct builder *b, const struct kstep_node *n, const struct kstep_val *v,
		      char *out, size_t len)
{
	char also[200];

	if (!b->x->slabs || n->kind != KSTEP_NODE_EVENT || strcmp(v->name, "name") || !v->str ||
	    !strstr(kstep_node_name(n), "kmem_cache_") ||
	    !kstep_kopts_slab_aliases(b->x->slabs, v->str, also, sizeof(also)))
		return false;
	snprintf(out, len, "(merged cache: also %s)", also);
	return true;
}

static void decode_vals(struct builder *b, struct kstep_node *n)
{
	struct kstep_decode_ctx ctx = { 0 };
	struct kstep_val *v, *fam;
	char out[256];

	fam = kstep_node_val(n, "family");
	if (!fam)
		fam = kstep_node_val(n, "domain");
	if (fam && fam->type != KSTEP_VT_STR) {
		ctx.have_family = true;
		ctx.family = (long long)fam->num;
	}
	for (v = n->vals; v; v = v->next) {
		if (v->type == KSTEP_VT_STR && !v->decoded && slab_name(b, n, v, out, sizeof(out)))
			v->decoded = kstep_arena_strdup(&b->x->chunk, out);
		if (v->decoded || v->type == KSTEP_VT_STR || v->unreadable)
			continue;
		if (kstep_decode(v->name, where_of(n), v->num, &ctx, out, sizeof(out))) {
			v->decoded = kstep_arena_strdup(&b->x->chunk, out);
			kstep_defs_use_text(b->st->defs, out);
		}
	}
	if (n->kind == KSTEP_NODE_SYSCALL)
		kstep_defs_use(b->st->defs, "syscall", n->name);
	if (n->retv && !n->retv->decoded) {
		const char *e = kstep_val_errno(n->retv);

		if (e) {
			n->retv->decoded = e;
			kstep_defs_use_text(b->st->defs, e);
		} else if (n->kind == KSTEP_NODE_SYSCALL && kstep_list_match("fd_returning", n->name) &&
			 (int64_t)n->retv->num >= 0) {
			snprintf(out, sizeof(out), "fd %" PRId64, (int64_t)n->retv->num);
			n->retv->decoded = kstep_arena_strdup(&b->x->chunk, out);
		}
	}
}

static uint64_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ULL;
	return h;
}

/* Names of producers, interned: a hidden producer is cited by name later. */
static const char *intern(struct kstep_steps_state *x, const char *s)
{
	size_t i;

	if (!s)
		return "?";
	if ((x->names_n + 1) * 2 > x->names_cap) {
		const char **old = x->names_tab;
		size_t oldcap = x->names_cap, j;

		x->names_cap = oldcap ? oldcap * 2 : 256;
		x->names_tab = kstep_xcalloc(x->names_cap, sizeof(*x->names_tab));
		for (j = 0; j < oldcap; j++) {
			if (!old[j])
				continue;
			for (i = name_hash(old[j]) & (x->names_cap - 1); x->names_tab[i]; i = (i + 1) & (x->names_cap - 1))
				;
			x->names_tab[i] = old[j];
		}
		free(old);
	}
	for (i = name_hash(s) & (x->names_cap - 1);; i = (i + 1) & (x->names_cap - 1)) {
		if (!x->names_tab[i]) {
			x->names_tab[i] = kstep_arena_strdup(&x->names_arena, s);
			x->names_n++;
			return x->names_tab[i];
		}
		if (!strcmp(x->names_tab[i], s))
			return x->names_tab[i];
	}
}

static size_t map_slot(const struct prodmap *m, uint64_t key)
{
	return (size_t)(key * 0x9e3779b97f4a7c15ULL) & (m->cap - 1);
}

static void map_insert(struct prodmap *m, uint64_t key, uint64_t age, struct cite c)
{
	size_t i;

	for (i = map_slot(m, key);; i = (i + 1) & (m->cap - 1)) {
		if (!m->ages[i]) {
			m->keys[i] = key;
			m->ages[i] = age;
			m->cites[i] = c;
			m->n++;
			return;
		}
		if (m->keys[i] == key) {
			m->ages[i] = age;
			m->cites[i] = c;
			return;
		}
	}
}

static void bloom_add(struct prodmap *m, uint64_t key)
{
	uint64_t h = key * 0xff51afd7ed558ccdULL;

	m->bloom[(h >> 40) % (BLOOM_BITS / 8)] |= (uint8_t)(1u << (h & 7));
	h = (key ^ (key >> 29)) * 0xc4ceb9fe1a85ec53ULL;
	m->bloom[(h >> 40) % (BLOOM_BITS / 8)] |= (uint8_t)(1u << (h & 7));
}

static bool bloom_has(const struct prodmap *m, uint64_t key)
{
	uint64_t h = key * 0xff51afd7ed558ccdULL, g = (key ^ (key >> 29)) * 0xc4ceb9fe1a85ec53ULL;

	return m->bloom && (m->bloom[(h >> 40) % (BLOOM_BITS / 8)] & (1u << (h & 7))) &&
	       (m->bloom[(g >> 40) % (BLOOM_BITS / 8)] & (1u << (g & 7)));
}

/* Rehashes into cap slots, dropping (and remembering) producers put in before age before. */
static void map_rehash(struct prodmap *m, size_t cap, uint64_t before)
{
	struct prodmap old = *m;
	size_t i;

	m->cap = cap;
	m->keys = kstep_xcalloc(m->cap, sizeof(*m->keys));
	m->ages = kstep_xcalloc(m->cap, sizeof(*m->ages));
	m->cites = kstep_xcalloc(m->cap, sizeof(*m->cites));
	m->n = 0;
	for (i = 0; i < old.cap; i++) {
		if (!old.ages[i])
			continue;
		if (old.ages[i] < before) {
			if (!m->bloom)
				m->bloom = kstep_xcalloc(BLOOM_BITS / 8, 1);
			bloom_add(m, old.keys[i]);
			m->evicted++;
			continue;
		}
		map_insert(m, old.keys[i], old.ages[i], old.cites[i]);
	}
	free(old.keys);
	free(old.ages);
	free(old.cites);
}

/* The oldest producers go once the table is full: the older half of the ages. */
static void map_evict(struct prodmap *m)
{
	uint64_t oldest = m->clock;
	size_t i;

	for (i = 0; i < m->cap; i++)
		if (m->ages[i] && m->ages[i] < oldest)
			oldest = m->ages[i];
	map_rehash(m, m->cap, oldest + (m->clock - oldest) / 2 + 1);
}

static void map_put(struct prodmap *m, uint64_t key, struct cite c)
{
	if ((m->n + 1) * 2 > m->cap) {
		if (m->n >= PROD_MAX)
			map_evict(m);
		else
			map_rehash(m, m->cap ? m->cap * 2 : 64, 0);
	}
	map_insert(m, key, ++m->clock, c);
}

static bool map_get(const struct prodmap *m, uint64_t key, struct cite *c)
{
	size_t i;

	if (!m->cap)
		return false;
	for (i = map_slot(m, key); m->ages[i]; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == key) {
			*c = m->cites[i];
			return true;
		}
	return false;
}

/* Is v, a field of event n, a value the event produces (an allocation's ptr)? */
static bool is_producer_field(const struct builder *b, const struct kstep_node *n, const struct kstep_val *v)
{
	const char *const *producers = b->x->producers, *const *p;
	size_t l;

	if (n->kind != KSTEP_NODE_EVENT || !producers)
		return false;
	l = strlen(n->name ? n->name : "");
	for (p = producers; *p; p++)
		if (!strncmp(*p, n->name, l) && (*p)[l] == ' ' && !strcmp(*p + l + 1, v->name))
			return true;
	return false;
}

static void set_cite(struct kstep_val *v, struct cite c)
{
	v->deriv = KSTEP_DERIV_STEP;
	v->from_step = c.step;
	v->from_into = c.step ? 0 : c.into;
	v->from_name = c.name;
}

/*
 * The name a citation of n keeps. A function's name is interned by the
 * chain already and lives as long as the chain, which outlives the log;
 * other names live in the node's memory and are interned here.
 */
static const char *cite_name(struct builder *b, const struct kstep_node *n)
{
	if (n->kind == KSTEP_NODE_CALL && n->fn)
		return n->fn->name;
	return intern(b->x, kstep_node_name(n));
}

/* Where the view shows n's return: its return step, else its own line (0: hidden). */
static struct cite cite_of(struct builder *b, const struct kstep_node *n)
{
	return (struct cite){ n->retstep ? n->retstep : n->step, n->into, cite_name(b, n) };
}

/* "sock_alloc at 12.345678" (view-independent: a footer line must not depend on the view). */
static void node_where(const struct kstep_node *n, char *out, size_t len)
{
	char ts[32];

	kstep_fmt_ts(ts, sizeof(ts), (n->flags & KSTEP_NF_NO_ENTRY) ? n->t_exit : n->t_entry);
	snprintf(out, len, "%s at %s", kstep_node_name(n), ts);
}

static void derive_input(struct builder *b, struct prodmap *m, struct kstep_node *n, struct kstep_val *v)
{
	const struct kstep_ksym *sym;
	struct cite c;
	uint64_t off;
	char raw[64], where[320];

	if (!kstep_val_pointer(v))
		return;
	if (map_get(m, v->num, &c)) {
		set_cite(v, c);
		return;
	}
	sym = b->ks ? kstep_ksyms_lookup(b->ks, v->num, &off) : NULL;
	if (sym) {
		v->deriv = KSTEP_DERIV_SYMBOL;
		v->sym = sym->name;
		v->symoff = off;
		return;
	}
	v->deriv = KSTEP_DERIV_UNDERIVED;
	kstep_val_raw(v, raw, sizeof(raw));
	node_where(n, where, sizeof(where));
	if (bloom_has(m, v->num))
		note(b->st, &b->st->underived, 0, "%s: %s=%s (no producer among the values kept; "
		     "its producer may be one of the %" PRIu64 " evicted)", where, v->name, raw, m->evicted);
	else
		note(b->st, &b->st->underived, 0, "%s: %s=%s (no earlier step produced it, and it is "
		     "no kernel symbol)", where, v->name, raw);
}

/*
 * A value handed out again (a return value that an allocation inside the
 * call produced) cites where it came from, and becomes the latest producer:
 * later uses cite the step that handed it out last.
 */
static void derive_output(struct prodmap *m, struct cite here, struct kstep_val *v, bool always_new)
{
	struct cite c;

	if (!kstep_val_pointer(v))
		return;
	if (map_get(m, v->num, &c) && !always_new)
		set_cite(v, c);
	else
		v->deriv = KSTEP_DERIV_PRODUCED;
	map_put(m, v->num, here);
}

/* An integer that can come from what an earlier call returned (not a flag, not 0, not an address). */
static bool int_flows(const struct kstep_val *v)
{
	return v->type != KSTEP_VT_STR && v->type != KSTEP_VT_HEX && v->num && !kstep_val_pointer(v);
}

static bool small_const(const struct kstep_val *v)
{
	int64_t x = (int64_t)v->num;

	return x > -256 && x < 256 && !kstep_val_errno(v);
}

/*
 * v equal to an integer returned inside the open call f: its direct
 * children first, then deeper. One candidate: cited. Several: ambiguous,
 * both nearest named (small constants left alone then).
 */
static long derive_int(struct builder *b, const struct oframe *f, struct kstep_val *v)
{
	struct kstep_vec *rets = &b->x->rets;
	const struct iret *first = NULL, *second = NULL;
	unsigned found = 0;
	long at = -1;
	int pass;
	size_t i;

	if (!f || !int_flows(v))
		return -1;
	for (pass = 0; pass < 2 && !found; pass++)
		for (i = rets->n; i > f->start; i--) {
			const struct iret *r = kstep_vec_at(rets, i - 1);

			if (r->deep != (pass == 1) || r->val != v->num)
				continue;
			if (!found++) {
				first = r;
				at = (long)i - 1;
			}
			else if (found == 2)
				second = r;
		}
	if (!found)
		return -1;
	if (found == 1) {
		set_cite(v, first->c);
		return at;
	}
	if (small_const(v))
		return -1;
	v->deriv = KSTEP_DERIV_AMBIGUOUS;
	v->ncand = (uint8_t)(found > 255 ? 255 : found);
	v->from_step = second->c.step;	/* the earlier of the two latest */
	v->from_into = second->c.step ? 0 : second->c.into;
	v->from_step2 = first->c.step;
	v->from_name = second->c.name;
	return -1;
}

/* The event value v of n came from: its entry probe's, or for a return-probe value the _ret one. */
static const char *val_event(const struct kstep_node *n, const struct kstep_val *v, char *buf, size_t len)
{
	const char *name = kstep_node_name(n);

	if (v->role != KSTEP_VAL_OUT)
		return name;
	snprintf(buf, len, "%s_ret", name);
	return buf;
}

/*
 * v equal to an argument of a call it runs inside: the value passed down.
 * The nearest such call is cited; a small value only from its direct
 * caller's argument of the same name, since a constant in the caller's code
 * (inet_create's PF_INET) would match some outer argument by chance.
 */
static bool derive_passed(struct builder *b, struct kstep_val *v)
{
	struct kstep_vec *open = &b->x->open;
	bool small = small_const(v);
	size_t i;

	if (!int_flows(v))
		return false;
	for (i = open->n; i-- > 0;) {
		const struct oframe *f = kstep_vec_at(open, i);
		const struct kstep_val *w;

		for (w = f->n->vals; w; w = w->next)
			if (w->role == KSTEP_VAL_IN && int_flows(w) && w->num == v->num &&
			    (!small || !strcmp(w->name, v->name))) {
				/* the call's own step: its arguments are known when it starts */
				set_cite(v, (struct cite){ f->n->step, f->n->into, cite_name(b, f->n) });
				return true;
			}
		/* a small value only from the direct caller; an inline step DWARF put between
		 * them has no values of its own, so the caller is the call above it */
		if (small && !(f->n->flags & KSTEP_NF_INLINE))
			return false;
	}
	return false;
}

/* Is v a value read from memory (an object field, a fetch through a pointer), not an argument? */
static bool read_from_memory(const struct builder *b, const struct kstep_node *n, const struct kstep_val *v)
{
	char ev[320], base[256];
	const char *expr;

	if (v->obj)
		return true;
	expr = kstep_fetches_get(b->x->fx, val_event(n, v, ev, sizeof(ev)), v->name);
	return expr && kstep_fetch_base(expr, base, sizeof(base));
}

/*
 * An integer argument of a kernel function that nothing before it returned
 * or passed down, and that is no named constant (decoded), no flag word
 * (hex), no small number: introduced without derivation, like a pointer.
 * A system call's arguments come from user space, a user function's from the
 * program: those are where values enter, not gaps.
 */
static void underived_int(struct builder *b, struct kstep_node *n, struct kstep_val *v)
{
	char raw[64], where[320];

	if (v->deriv != KSTEP_DERIV_NONE || !int_flows(v) || small_const(v) || v->decoded || v->unreadable ||
	    n->kind != KSTEP_NODE_CALL || (n->fn->flags & KSTEP_FN_USER) || read_from_memory(b, n, v))
		return;
	v->deriv = KSTEP_DERIV_UNDERIVED;
	kstep_val_raw(v, raw, sizeof(raw));
	node_where(n, where, sizeof(where));
	note(b->st, &b->st->underived, 0, "%s: %s=%s (no earlier step returned it or passed it down, and it is "
	     "no named constant)", where, v->name, raw);
}

static struct oframe *top_frame(struct builder *b)
{
	struct kstep_vec *open = &b->x->open;

	return open->n ? kstep_vec_at(open, open->n - 1) : NULL;
}

/* Keeps the open call's integers to the latest RETS_KEEP. */
static void rets_trim(struct kstep_vec *rets, const struct oframe *f)
{
	size_t have = rets->n - f->start, drop;

	if (have <= RETS_KEEP)
		return;
	drop = have - RETS_KEEP;
	memmove(kstep_vec_at(rets, f->start), kstep_vec_at(rets, f->start + drop), RETS_KEEP * sizeof(struct iret));
	rets->n -= drop;
}

/*
 * libc's -1: a user function returning -1 after a failed system call
 * inside it. errno is that call's negative return; cite where it was seen.
 */
static void derive_user_errno(struct builder *b, const struct oframe *f, struct kstep_val *rv)
{
	char buf[96];
	int64_t e = -(int64_t)f->err.val;

	if (!f->has_err || ((int64_t)rv->num != -1 && (uint32_t)rv->num != 0xffffffffu))
		return;
	snprintf(buf, sizeof(buf), "errno %" PRId64 " %s", e, kstep_errno_name(e) ? kstep_errno_name(e) : "?");
	rv->decoded = kstep_arena_strdup(&b->x->chunk, buf);
	set_cite(rv, f->err.c);
}

/* v is the same value as w, read again at the same step: the same derivation. */
static void same_as(struct kstep_val *v, const struct kstep_val *w)
{
	v->deriv = w->deriv;
	v->from_step = w->from_step;
	v->from_into = w->from_into;
	v->ncand = w->ncand;
	v->from_step2 = w->from_step2;
	v->from_name = w->from_name;
	v->sym = w->sym;
	v->symoff = w->symoff;
}

/* What a call produces when it returns: its return value and return-probe values. */
static void derive_return(struct builder *b, struct prodmap *m, struct oframe *f)
{
	struct kstep_node *n = f->n;
	struct kstep_vec *rets = &b->x->rets;
	struct cite here = cite_of(b, n);
	struct kstep_val *v;
	struct oframe *up;
	size_t i;
	bool user = n->kind == KSTEP_NODE_CALL && (n->fn->flags & KSTEP_FN_USER);

	/* the return value first: a return-probe read of the same value ($retval
	 * fetched again, an object read) is that value, never a citation of
	 * this very step */
	if (n->retv)
		derive_output(m, here, n->retv, false);
	for (v = n->vals; v; v = v->next) {
		if (v->role != KSTEP_VAL_OUT || is_producer_field(b, n, v))
			continue;
		if (n->retv && v->num == n->retv->num && kstep_val_pointer(v) && kstep_val_pointer(n->retv))
			same_as(v, n->retv);
		else if (v->obj)
			derive_input(b, m, n, v);	/* state observed at the return, not produced by it */
		else
			derive_output(m, here, v, false);
	}
	if (n->retv) {
		if (user)
			derive_user_errno(b, f, n->retv);
		if (n->retv->deriv == KSTEP_DERIV_NONE) {
			long at = derive_int(b, f, n->retv);

			/* n's return now stands for the value it passed on: one candidate, not two */
			if (at >= 0) {
				memmove(kstep_vec_at(rets, (size_t)at), kstep_vec_at(rets, (size_t)at + 1),
					(rets->n - (size_t)at - 1) * sizeof(struct iret));
				rets->n--;
			}
		}
	}
	/* what was returned inside n is now deeper than the caller's children */
	for (i = f->start; i < rets->n; i++)
		((struct iret *)kstep_vec_at(rets, i))->deep = true;
	b->x->open.n--;
	up = top_frame(b);
	if (n->retv && int_flows(n->retv)) {
		struct iret *r = kstep_vec_push(rets);

		*r = (struct iret){ .val = n->retv->num, .c = here };
	}
	if (!up) {
		rets->n = 0;
		return;
	}
	if (n->kind == KSTEP_NODE_SYSCALL && n->retv && kstep_val_errno(n->retv)) {
		up->err = (struct iret){ .val = n->retv->num, .c = here };
		up->has_err = true;
	} else if (f->has_err) {
		up->err = f->err;
		up->has_err = true;
	}
	rets_trim(rets, up);
}

static bool probe_names(const struct kstep_kopt_probe *p, const char *name)
{
	size_t l = strlen(name);

	return !strcmp(p->target, name) || !strcmp(p->event, name) ||
	       (!strncmp(p->event, name, l) && !strcmp(p->event + l, "_ret"));
}

/*
 * A return whose entry the plan never asked for: the file's probe list has
 * a return probe on the function and no entry probe. Not missing data.
 */
static bool return_only(const struct kstep_steps_state *x, const struct kstep_node *n)
{
	bool ret = false;
	size_t i;

	if (n->kind != KSTEP_NODE_CALL || (n->src & (KSTEP_SRC_FGRAPH | KSTEP_SRC_SYSCALL)))
		return false;
	for (i = 0; i < x->nprobes; i++) {
		const struct kstep_kopt_probe *p = &x->probes[i];
		bool is_ret = !strcmp(p->kind, "kretprobe") || !strcmp(p->kind, "fexit") ||
			      !strcmp(p->kind, "uretprobe");

		if (!probe_names(p, kstep_node_name(n)))
			continue;
		if (!is_ret)
			return false;
		ret = true;
	}
	return ret;
}

/*
 * The footer's lines about one node, whether the view shows it or not.
 * Most nodes have none: where is formatted only for a node that has.
 */
static void node_notes(struct builder *b, const struct kstep_node *n)
{
	struct kstep_steps_state *x = b->x;
	struct kstep_steps *st = b->st;
	const struct kstep_node *p;
	char where[320];

	if (!(n->flags & (KSTEP_NF_NO_EXIT | KSTEP_NF_NO_ENTRY | KSTEP_NF_POINT | KSTEP_NF_RETIP)))
		return;
	node_where(n, where, sizeof(where));
	if ((n->flags & KSTEP_NF_NO_EXIT) && x->listed++ < 10)
		note(st, &x->step_missing, 0, "%s: entered, but its return was not recorded (the trace "
		     "ended or lost it)", where);
	if ((n->flags & KSTEP_NF_NO_ENTRY) && return_only(x, n)) {
		if (x->ret_only++ < 10)
			note(st, &x->step_gaps, 0, "%s: return probe only (the plan asked for no entry "
			     "probe): no arguments, no start, no duration", where);
	} else if ((n->flags & KSTEP_NF_NO_ENTRY) && x->listed++ < 10)
		note(st, &x->step_missing, 0, "%s: returned, but its entry was not recorded (the trace "
		     "started inside it or lost it)", where);
	if (n->kind == KSTEP_NODE_CALL && (n->flags & KSTEP_NF_POINT) &&
	    (n->src & (KSTEP_SRC_KPROBE | KSTEP_SRC_FPROBE | KSTEP_SRC_UPROBE)) && x->listed_points++ < 10)
		note(st, &x->step_gaps, 0, "%s: entry probe only: no return value, no duration", where);
	/* inline steps are inside the real caller: look past them */
	p = n->parent;
	while (p && p->kind == KSTEP_NODE_CALL && (p->flags & KSTEP_NF_INLINE))
		p = p->parent;
	if (n->kind == KSTEP_NODE_CALL && (n->flags & KSTEP_NF_RETIP) && n->retip && !(n->flags & KSTEP_NF_FRAME) &&
	    p && p->kind == KSTEP_NODE_CALL && !(n->fn->flags & KSTEP_FN_USER) && b->ks) {
		const struct kstep_ksym *sym;
		char norm[256], caller[300];
		uint64_t off = 0;

		sym = kstep_ksyms_lookup(b->ks, n->retip, &off);
		if (sym)
			snprintf(caller, sizeof(caller), "%s+0x%" PRIx64, sym->name, off);
		else
			snprintf(caller, sizeof(caller), "0x%" PRIx64, n->retip);
		kstep_func_norm(p->fn->name, norm, sizeof(norm));
		if (strncmp(caller, norm, strlen(norm)) || caller[strlen(norm)] != '+')
			note(st, &x->step_gaps, 0, "%s returned into %s, which was not traced: the calls "
			     "between %s and %s are not in the trace", where, caller, p->fn->name,
			     kstep_node_name(n));
	}
}

/* A base that read nothing: unreadable itself, or no address (the NULL page, an error pointer). */
static bool bad_base(const struct kstep_val *w)
{
	return w->unreadable || (w->type != KSTEP_VT_STR && kstep_objstate_bad_addr(w->num));
}

/* Is v read through memory whose base another value of n shows to be bad? */
static bool base_bad(const struct builder *b, const struct kstep_node *n, const struct kstep_val *v)
{
	const struct kstep_fetches *fx = b->x->fx;
	const struct kstep_val *w;
	const char *expr, *bname;
	char ev[320], base[256];

	if (v->obj && (bname = kstep_objstate_base(b->x->os, v->name)))
		for (w = n->vals; w; w = w->next)
			if (w != v && w->role == v->role && !strcmp(w->name, bname))
				return bad_base(w);
	expr = kstep_fetches_get(fx, val_event(n, v, ev, sizeof(ev)), v->name);
	if (!expr || !kstep_fetch_base(expr, base, sizeof(base)))
		return false;
	/* the facts stage keeps a return probe's $retval as the node's return value */
	if (!strcmp(base, "$retval"))
		return v->role == KSTEP_VAL_OUT && n->retv && bad_base(n->retv);
	for (w = n->vals; w; w = w->next) {
		const char *we;

		if (w == v || w->role != v->role)
			continue;
		we = kstep_fetches_get(fx, val_event(n, w, ev, sizeof(ev)), w->name);
		if (we && !strcmp(we, base))
			return bad_base(w);
	}
	return false;
}

/*
 * A probe field fetched through memory whose base, fetched by the same
 * probe (the applied plan names each field's fetch; object reads their
 * object), is in the NULL page read nothing: the record holds whatever was
 * in the buffer. Such values are unreadable, never data. Bases come before
 * what they feed, but a few passes settle any order.
 */
static void mark_unreadable(struct builder *b, struct kstep_node *n)
{
	struct kstep_val *v;
	bool changed = true;
	int pass;

	for (v = n->vals; v; v = v->next)
		kstep_objstate_mark(b->x->os, v);
	if (!(n->src & (KSTEP_SRC_KPROBE | KSTEP_SRC_FPROBE | KSTEP_SRC_UPROBE)))
		return;
	for (pass = 0; pass < 8 && changed; pass++) {
		changed = false;
		for (v = n->vals; v; v = v->next)
			if (!v->unreadable && v->type != KSTEP_VT_STR && base_bad(b, n, v)) {
				v->unreadable = 1;
				changed = true;
			}
	}
}

/*
 * Under function_graph an allocator returns through the graph's trampoline,
 * so the event's call_site is return_to_handler: the real caller is the
 * allocator's caller in the graph.
 */
static void graph_call_site(struct builder *b, struct kstep_node *n)
{
	const char *fn = call_site_fn(b, n);
	const struct kstep_node *alloc = n->parent, *caller;
	struct kstep_val *v;
	char buf[320];

	if (!fn || strcmp(fn, "return_to_handler") || !alloc || alloc->kind != KSTEP_NODE_CALL ||
	    !(caller = alloc->parent) || caller->kind != KSTEP_NODE_CALL)
		return;
	v = kstep_node_val(n, "call_site");
	snprintf(buf, sizeof(buf), "return_to_handler+0x0 (function_graph's trampoline: %s called by %s)",
		 kstep_node_name(alloc), kstep_node_name(caller));
	v->decoded = kstep_arena_strdup(&b->x->chunk, buf);
}

/*
 * Derivation runs on every node of the subtree, shown or hidden, so that
 * the footer and the status do not depend on the view; the view only
 * decides how a citation reads ("#N", or the name of a hidden producer).
 * Values in time order: a node's inputs (and an event's products) when it
 * starts, its return values once everything inside it is done.
 */
static void derive(struct builder *b, struct kstep_node *top)
{
	struct kstep_vec *open = &b->x->open;
	struct prodmap *m = &b->x->m;
	struct kstep_node *n;

	open->n = 0;
	b->x->rets.n = 0;
	for (n = top; n; n = kstep_node_next(n, top)) {
		struct kstep_val *v;
		struct oframe *f;

		while ((f = top_frame(b)) && f->n != n->parent)
			derive_return(b, m, f);
		mark_unreadable(b, n);
		decode_vals(b, n);
		graph_call_site(b, n);
		for (v = n->vals; v; v = v->next) {
			/* a lookup's elements are read, not passed: the views show the one taken */
			if (v->role != KSTEP_VAL_IN || is_producer_field(b, n, v) || !strncmp(v->name, "__lk_", 5))
				continue;
			derive_input(b, m, n, v);
			if (v->deriv == KSTEP_DERIV_NONE && derive_int(b, f, v) < 0 && v->deriv == KSTEP_DERIV_NONE &&
			    !derive_passed(b, v))
				underived_int(b, n, v);
		}
		for (v = n->vals; v; v = v->next)
			if (is_producer_field(b, n, v))
				derive_output(m, (struct cite){ n->step, n->into, cite_name(b, n) }, v, true);
		node_notes(b, n);
		f = kstep_vec_push(open);
		*f = (struct oframe){ .n = n, .start = b->x->rets.n };
	}
	while ((n = top_frame(b) ? top_frame(b)->n : NULL))
		derive_return(b, m, top_frame(b));
}

/* Callers */

static const char *sym_text(struct builder *b, uint64_t addr, bool user)
{
	const struct kstep_ksym *sym = NULL;
	uint64_t off = 0;
	char buf[256];

	if (!user && b->ks)
		sym = kstep_ksyms_lookup(b->ks, addr, &off);
	if (sym)
		snprintf(buf, sizeof(buf), "%s+0x%" PRIx64, sym->name, off);
	else
		snprintf(buf, sizeof(buf), "0x%" PRIx64, addr);
	return kstep_arena_strdup(&b->x->chunk, buf);
}

static void callers(struct builder *b, size_t first)
{
	size_t i;

	for (i = first; i < b->x->steps.n; i++) {
		struct kstep_step *st = kstep_vec_at(&b->x->steps, i);
		const struct kstep_node *n = st->node, *p = n->parent;
		bool user = n->kind == KSTEP_NODE_CALL && (n->fn->flags & KSTEP_FN_USER);

		if ((n->flags & KSTEP_NF_RETIP) && n->retip)
			st->caller = sym_text(b, n->retip, user);
		else if (n->kind == KSTEP_NODE_EVENT && n->at)
			st->caller = sym_text(b, n->at, false);
		else if (p && p->kind != KSTEP_NODE_ROOT)
			st->caller = kstep_node_name(p);
		else
			st->caller = "-";
	}
}

/* Footer */

static uint64_t cpustat_get(const char *stat, const char *name)
{
	const char *p = strstr(stat, name);

	if (!p || p[strlen(name)] != ':')
		return 0;
	return strtoull(p + strlen(name) + 1, NULL, 10);
}

static void footer_losses(struct builder *b)
{
	const struct kstep_steps_state *x = b->x;
	const struct kstep_load_stats *ls;
	const char *stat;
	size_t i;
	char t1[32], t2[32];

	if (!x->s)
		return;
	ls = kstep_session_damage(x->s);

	for (i = 0; i < ls->damage.n; i++) {
		const struct kstep_damage *d = kstep_vec_at(&ls->damage, i);

		/* only what falls inside the chosen window */
		if (d->to_ts && d->to_ts < x->sel->from)
			continue;
		if (d->from_ts > x->sel->to)
			continue;
		kstep_fmt_ts(t1, sizeof(t1), d->from_ts);
		kstep_fmt_ts(t2, sizeof(t2), d->to_ts);
		if (d->lost)
			note(b->st, &b->st->lost, 0, "CPU %d: %s%" PRId64 " events lost between %s and %s "
			     "(ring buffer overrun)", d->cpu, d->count < 0 ? "an unknown number of " : "",
			     d->count < 0 ? 0 : d->count, d->from_ts ? t1 : "the start",
			     d->to_ts ? t2 : "the end");
		else
			note(b->st, &b->st->missing, 0, "CPU %d between %s and %s: %s", d->cpu,
			     d->from_ts ? t1 : "the start", d->to_ts ? t2 : "the end", d->what);
	}
	for (i = 0; (stat = kstep_dat_cpustat(x->s->dat, i)); i++) {
		uint64_t over = cpustat_get(stat, "overrun"), drop = cpustat_get(stat, "dropped events");
		const char *cpu = strstr(stat, "CPU:");

		if (over || drop)
			note(b->st, &b->st->lost, 0, "CPU %d: the kernel counted %" PRIu64
			     " events overwritten (overrun) and %" PRIu64 " dropped while recording",
			     cpu ? atoi(cpu + 4) : -1, over, drop);
	}
}

/* What the footer needs from every node of a subtree, hidden ones included. */
static void tally(struct builder *b, const struct kstep_node *top)
{
	struct kstep_steps_state *x = b->x;
	const struct kstep_node *n;

	for (n = top; n; n = kstep_node_next((struct kstep_node *)n, top)) {
		x->no_exit += !!(n->flags & KSTEP_NF_NO_EXIT);
		x->no_entry += !!(n->flags & KSTEP_NF_NO_ENTRY);
		if (n->retv && n->retv->src == KSTEP_SRC_FGRAPH)
			x->fgraph_retval = true;
		if (n->src & (KSTEP_SRC_STACK | KSTEP_SRC_STACK_MERGED))
			x->stacks = true;
	}
}

static void append_notes(struct kstep_vec *to, const struct kstep_vec *from)
{
	size_t i;

	for (i = 0; i < from->n; i++)
		*(struct kstep_note *)kstep_vec_push(to) = *(const struct kstep_note *)kstep_vec_at(from, i);
}

static void footer_missing(struct builder *b)
{
	struct kstep_steps_state *x = b->x;

	append_notes(&b->st->missing, &x->step_missing);
	uint64_t no_entry = x->no_entry - x->ret_only;

	if (x->listed > 10 || (x->no_exit + no_entry > x->listed && x->no_exit + no_entry > 0))
		note(b->st, &b->st->missing, 0, "%" PRIu64 " calls without a recorded return and %"
		     PRIu64 " without a recorded entry in all (hidden ones included)", x->no_exit, no_entry);
}

/* One reason the recording kernel gave for skipping plan items, and the items. */
struct skipped {
	char why[256];
	struct kstep_sbuf items;
	unsigned n;
};

/* Puts "DIRECTIVE TARGET" of the skipped line s under its reason in v. */
static void skipped_add(struct kstep_vec *v, char *s)
{
	char *mark = strstr(s, "  # "), *dir, *target, *save = NULL;
	const char *why;
	struct skipped *k = NULL;
	size_t i;

	if (!mark)
		return;
	*mark = '\0';
	why = mark + 4;
	/* a second window is no gap; an item riding on a skipped probe is said once, as that */
	if (strstr(why, "an earlier window applies"))
		return;
	if (!strncmp(why, "no entry probe on", 17) || !strncmp(why, "no kprobe", 9) ||
	    !strncmp(why, "no kretprobe", 12))
		why = "their probe is not recorded";
	for (i = 0; i < v->n && !k; i++)
		if (!strcmp(((struct skipped *)kstep_vec_at(v, i))->why, why))
			k = kstep_vec_at(v, i);
	if (!k) {
		k = kstep_vec_push(v);
		memset(k, 0, sizeof(*k));
		snprintf(k->why, sizeof(k->why), "%s", why);
	}
	dir = strtok_r(s, " ", &save);
	target = strtok_r(NULL, " ", &save);
	if (!dir || !target)
		return;
	kstep_sbuf_addf(&k->items, "%s%s %s", k->n ? ", " : "", dir, target);
	k->n++;
}

/*
 * What the plan asked and the recording kernel could not record (the
 * applied plan's "# skipped:" lines), one note per reason: a log without
 * kprobes says that its lookups and returns are missing, not nothing.
 */
static void footer_not_recorded(struct builder *b)
{
	char *plan = b->x->s ? kstep_kopts_plan_text(b->x->s->dat) : NULL, *line, *save = NULL;
	struct kstep_vec v;
	size_t i;

	if (!plan)
		return;
	kstep_vec_init(&v, sizeof(struct skipped));
	for (line = strtok_r(plan, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, "# skipped: ", 11))
			skipped_add(&v, line + 11);
	for (i = 0; i < v.n; i++) {
		struct skipped *k = kstep_vec_at(&v, i);

		note(b->st, &b->st->gaps, 0, "not recorded (%s): %u plan item%s: %s", k->why, k->n,
		     k->n == 1 ? "" : "s", kstep_sbuf_str(&k->items));
		kstep_sbuf_free(&k->items);
	}
	kstep_vec_free(&v);
	free(plan);
}

static void footer_gaps(struct builder *b, const struct kstep_chain *c)
{
	const struct kstep_chain_stats *cs = kstep_chain_stats(c);
	const struct kstep_steps_state *x = b->x;
	struct kstep_steps *st = b->st;
	bool fgraph = cs->sources & KSTEP_SRC_FGRAPH;

	if (fgraph && !x->fgraph_retval)
		note(st, &st->gaps, 0, "function_graph recorded no return values on this kernel "
		     "(funcgraph-retval needs 6.5+ built with it): returns show where a return "
		     "probe or a syscall exit saw them");
	if ((cs->sources & (KSTEP_SRC_KPROBE | KSTEP_SRC_FPROBE)) && !fgraph)
		note(st, &st->gaps, 0, "only probed functions are seen: the calls between them were "
		     "not traced");
	footer_not_recorded(b);
	append_notes(&st->gaps, &x->step_gaps);
	if (kstep_objstate_forgotten(x->os))
		note(st, &st->gaps, 0, "object state: %" PRIu64 " objects were forgotten when the table of "
		     "objects seen was full; a later read of one says first seen", kstep_objstate_forgotten(x->os));
	if (x->stacks)
		note(st, &st->gaps, 0, "frames come from kernel stacks taken at events: %" PRIu64
		     " frames, %" PRIu64 " of them shared by several stacks and merged (stack-merged, "
		     "inferred); a frame's duration is unknown", cs->frames, cs->frames_merged);
	if (x->hidden_default)
		note(st, &st->gaps, 0, "%" PRIu64 " calls of the default hide list (and what they called) "
		     "are summed into their parent steps (--all shows them)", x->hidden_default);
	if (x->hidden_user)
		note(st, &st->gaps, 0, "%" PRIu64 " nodes matching --hide are summed into their parent "
		     "steps", x->hidden_user);
	if (st->folded)
		note(st, &st->gaps, 0, "%d steps of the full log are folded into the steps shown, with their "
		     "count and time (--steps %d; without --steps they are shown)", st->folded, b->o->budget);
	if (x->irqs_collapsed)
		note(st, &st->gaps, 0, "%" PRIu64 " interrupt%s inside the action shown collapsed, "
		     "with their work summed (--all expands them)", x->irqs_collapsed,
		     x->irqs_collapsed == 1 ? "" : "s");
	if (x->irqs_hidden) {
		char d[32];

		kstep_fmt_dur(d, sizeof(d), x->irqs_hidden_ns);
		note(st, &st->gaps, 0, "%" PRIu64 " interrupt%s (%s) inside hidden calls: their time is in "
		     "those calls' hidden sums (--all shows them)", x->irqs_hidden, x->irqs_hidden == 1 ? "" : "s", d);
	}
	if (x->off_hidden) {
		char d[32];

		kstep_fmt_dur(d, sizeof(d), x->off_hidden_ns);
		note(st, &st->gaps, 0, "%" PRIu64 " time%s off the CPU (%s) inside hidden calls: in those calls' "
		     "hidden sums (--all shows them)", x->off_hidden, x->off_hidden == 1 ? "" : "s", d);
	}
	if (x->overhead_hidden)
		note(st, &st->gaps, 0, "%" PRIu64 " probe-handler calls inside the graph are left out: "
		     "they are the instrumentation, not the kernel's work (--all shows them)",
		     x->overhead_hidden);
	if (x->instr_hidden)
		note(st, &st->gaps, 0, "%" PRIu64 " event%s caused by the tracing itself (call_site in the "
		     "probe machinery, such as uprobe_notify_resume) left out (--all shows them)",
		     x->instr_hidden, x->instr_hidden == 1 ? "" : "s");
	if (cs->stacks_unattached)
		note(st, &st->gaps, 0, "%" PRIu64 " stack traces had no preceding event of the task on "
		     "their CPU to attach to", cs->stacks_unattached);
	if (x->listed_points > 10)
		note(st, &st->gaps, 0, "%" PRIu64 " calls seen by an entry probe only in all (the first 10 "
		     "listed)", x->listed_points);
	if (x->m.evicted)
		note(st, &st->gaps, 0, "%" PRIu64 " produced values were dropped from the table of "
		     "producers (it keeps the latest %u): a value they produced and used much later is "
		     "listed as underived, saying so", x->m.evicted, PROD_MAX);
	if (x->s && kstep_load_bad_formats(x->s->ld))
		note(st, &st->gaps, 0, "%d event formats of the file did not parse fully: their "
		     "events show raw fields", kstep_load_bad_formats(x->s->ld));
	if (b->o->gaps && b->o->gaps->used)
		note(st, &st->gaps, 0, "from %s: %u inline and %u tail steps inferred (tagged inline, "
		     "tail), %u call lines, %u declarations; %u calls had no call site there; %u calls "
		     "list every candidate line (ambiguous: no return address tells which site ran)",
		     b->o->gaps->from, b->o->gaps->inlines, b->o->gaps->tails, b->o->gaps->sites,
		     b->o->gaps->decls, b->o->gaps->unresolved, b->o->gaps->ambiguous);
	else
		note(st, &st->gaps, 0, "inlined functions and tail calls leave no event: they are not "
		     "shown (no DWARF facts were used%s%s)", b->o->gaps && *b->o->gaps->why_not ? ": " : "",
		     b->o->gaps ? b->o->gaps->why_not : "");
}

/* Objects */

static bool val_here(const void *ctx, const struct kstep_val *v)
{
	return kstep_step_val_here(ctx, v);
}

/*
 * The objects each new step reads, in step order: an allocation the log
 * shows makes the next read at that address a new object, and each read is
 * compared with the last one of the same object.
 */
static void objects(struct builder *b, size_t first)
{
	size_t i;

	if (!b->x->os)
		return;
	for (i = first; i < b->x->steps.n; i++) {
		struct kstep_step *s = kstep_vec_at(&b->x->steps, i);
		struct kstep_objdelta *d;
		const struct kstep_val *v;

		if (!s->ret && s->node->kind == KSTEP_NODE_EVENT)
			for (v = s->node->vals; v; v = v->next)
				if (is_producer_field(b, s->node, v) && kstep_val_pointer(v))
					kstep_objstate_born(b->x->os, v->num, s->n);
		s->nobjs = (unsigned)kstep_objstate_read(b->x->os, s->node, s->n, val_here, s, &b->x->chunk, &d);
		s->objs = d;
	}
}

static struct builder builder_of(struct kstep_steps *st)
{
	return (struct builder){ .st = st, .x = st->x, .o = st->x->o, .ks = st->x->ks };
}

struct kstep_steps *kstep_steps_new(const struct kstep_session *s, const struct kstep_selection *sel,
				    const struct kstep_steps_opts *o)
{
	struct kstep_steps *st = kstep_xcalloc(1, sizeof(*st));
	struct kstep_steps_state *x = kstep_xcalloc(1, sizeof(*x));

	st->x = x;
	x->chunk.charge = "the step log (its steps' text)";
	x->o = o;
	x->s = s;
	x->sel = sel;
	x->ks = s ? kstep_load_ksyms(s->ld) : NULL;
	x->producers = kstep_list_get("producers");
	if (s) {
		x->nprobes = kstep_kopts_probes(s->dat, &x->probes);
		x->os = kstep_objstate_new(s->dat, x->ks);
		x->slabs = kstep_kopts_slabs(s->dat);
		st->defs = kstep_defs_new(kstep_kopts_defines(s->dat));
		st->lookups = kstep_lookups_new(kstep_kopts_lookups(s->dat));
		if (!o->fetches)
			x->own_fx = kstep_fetches_new(s->dat);
	}
	x->fx = o->fetches ? o->fetches : x->own_fx;
	kstep_vec_init(&st->underived, sizeof(struct kstep_note));
	kstep_vec_init(&st->lost, sizeof(struct kstep_note));
	kstep_vec_init(&st->missing, sizeof(struct kstep_note));
	kstep_vec_init(&st->gaps, sizeof(struct kstep_note));
	kstep_vec_init(&x->steps, sizeof(struct kstep_step));
	kstep_vec_init(&x->wstack, sizeof(struct wframe));
	kstep_vec_init(&x->open, sizeof(struct oframe));
	kstep_vec_init(&x->rets, sizeof(struct iret));
	kstep_vec_init(&x->step_missing, sizeof(struct kstep_note));
	kstep_vec_init(&x->step_gaps, sizeof(struct kstep_note));
	return st;
}

/*
 * --steps: a value whose producer is folded into the very step that shows
 * it (a call's return, produced by a folded callee) is hidden inside that
 * step, not folded into another one: it is cited by name alone.
 */
static void own_folds(struct builder *b, size_t first)
{
	size_t i;

	for (i = first; i < b->x->steps.n; i++) {
		const struct kstep_step *s = step_at(b, (long)i);
		struct kstep_val *v;

		for (v = s->node->vals; v; v = v->next)
			if (v->from_into == s->n && kstep_step_val_here(s, v))
				v->from_into = 0;
		if (s->node->retv && s->node->retv->from_into == s->n && kstep_step_shows_ret(s))
			s->node->retv->from_into = 0;
	}
}

void kstep_steps_add(struct kstep_steps *st, struct kstep_node *top)
{
	struct builder b = builder_of(st);
	struct kstep_steps_state *x = st->x;
	struct kstep_node *n;
	size_t first;

	if (!x->keep) {
		x->steps.n = 0;
		kstep_arena_free(&x->chunk);
	}
	first = x->steps.n;
	for (n = top; n; n = kstep_node_next(n, top))
		n->step = n->retstep = n->into = 0;
	walk(&b, top);
	derive(&b, top);
	if (b.o->keep)
		own_folds(&b, first);
	callers(&b, first);
	objects(&b, first);
	tally(&b, top);
	st->v = (struct kstep_step *)x->steps.v + first;
	st->n = x->steps.n - first;
}

void kstep_steps_end(struct kstep_steps *st, const struct kstep_chain *c)
{
	struct builder b = builder_of(st);

	st->sources = kstep_chain_stats(c)->sources;
	footer_losses(&b);
	footer_missing(&b);
	footer_gaps(&b, c);
	st->pass = !st->underived.n && !st->missing.n && !st->lost.n;
	if (st->x->keep) {
		st->v = st->x->steps.v;
		st->n = st->x->steps.n;
	} else {
		st->v = NULL;
		st->n = 0;
	}
}

struct kstep_steps *kstep_steps_build(struct kstep_chain *c, const struct kstep_session *s,
				      const struct kstep_selection *sel,
				      const struct kstep_steps_opts *o)
{
	struct kstep_steps *st = kstep_steps_new(s, sel, o);
	struct kstep_node *top;

	st->x->keep = true;
	while ((top = kstep_chain_take(c)))
		kstep_steps_add(st, top);
	kstep_steps_end(st, c);
	return st;
}

void kstep_steps_free(struct kstep_steps *st)
{
	struct kstep_steps_state *x;

	if (!st)
		return;
	x = st->x;
	kstep_vec_free(&x->steps);
	kstep_vec_free(&x->wstack);
	kstep_vec_free(&x->open);
	kstep_vec_free(&x->rets);
	free(x->names_tab);
	free(x->probes);
	kstep_objstate_free(x->os);
	kstep_fetches_free(x->own_fx);
	kstep_arena_free(&x->names_arena);
	free(x->slabs);
	kstep_vec_free(&x->step_missing);
	kstep_vec_free(&x->step_gaps);
	kstep_arena_free(&x->chunk);
	free(x->m.keys);
	free(x->m.ages);
	free(x->m.cites);
	free(x->m.bloom);
	free(x);
	kstep_vec_free(&st->underived);
	kstep_vec_free(&st->lost);
	kstep_vec_free(&st->missing);
	kstep_vec_free(&st->gaps);
	kstep_arena_free(&st->arena);
	kstep_defs_free(st->defs);
	kstep_lookups_free(st->lookups);
	free(st);
}

void kstep_steps_opts_free(struct kstep_steps_opts *o)
{
	free(o->hide);
	o->hide = NULL;
	o->nhide = 0;
}
