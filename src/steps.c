// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * steps.c - from the call tree to the numbered step log and its footer.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "log.h"
#include "steps.h"

/* value → latest step that produced it */
struct prodmap {
	uint64_t *keys;
	int *steps;
	size_t cap;
	size_t n;
};

struct builder {
	struct kstep_steps *st;
	const struct kstep_steps_opts *o;
	struct kstep_chain *c;
	const struct kstep_session *s;
	const struct kstep_selection *sel;
	const struct kstep_ksyms *ks;
	struct kstep_vec steps;
	uint64_t hidden_default;
	uint64_t hidden_user;
	uint64_t irqs_collapsed;
	uint64_t overhead_hidden;
};

/* Formatting */

void kstep_val_raw(const struct kstep_val *v, char *out, size_t len)
{
	switch (v->type) {
	case KSTEP_VT_STR:
		snprintf(out, len, "%s", v->str ? v->str : "");
		break;
	case KSTEP_VT_HEX:
		snprintf(out, len, "0x%" PRIx64, v->num);
		break;
	case KSTEP_VT_INT:
		snprintf(out, len, "%" PRId64, (int64_t)v->num);
		break;
	default:
		snprintf(out, len, "%" PRIu64, v->num);
		break;
	}
}

const char *kstep_val_errno(const struct kstep_val *v)
{
	int64_t x = (int64_t)v->num;

	if (v->type == KSTEP_VT_STR || v->role != KSTEP_VAL_OUT)
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
	if (v->type == KSTEP_VT_STR)
		return false;
	/* kernel half, but not a negative errno */
	if (v->num >= 0xffff800000000000ULL && v->num < 0xfffffffffffff001ULL)
		return true;
	/* user addresses only where the kernel prints the value as hex */
	return v->type == KSTEP_VT_HEX && v->num >= 0x10000ULL && v->num < 0x0000800000000000ULL;
}

bool kstep_val_shown(const struct kstep_val *v)
{
	return v->name[0] != '_' || v->name[1] != '_';
}

const char *kstep_step_kind(const struct kstep_step *st)
{
	const struct kstep_node *n = st->node;

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

	kstep_func_norm(name, norm, sizeof(norm));
	for (i = 0; i < b->o->nhide; i++) {
		const char *colon = strchr(name, ':');

		if (kstep_glob(b->o->hide[i], name) || kstep_glob(b->o->hide[i], norm) ||
		    (colon && kstep_glob(b->o->hide[i], colon + 1)))
			return true;
	}
	return false;
}

static void subtree_count(const struct kstep_node *n, uint32_t *count)
{
	const struct kstep_node *k;

	(*count)++;
	for (k = n->child; k; k = k->next)
		subtree_count(k, count);
}

static struct kstep_step *step_at(struct builder *b, long idx)
{
	return idx < 0 ? NULL : kstep_vec_at(&b->steps, (size_t)idx);
}

static void add_hidden(struct builder *b, long acc, const struct kstep_node *n)
{
	struct kstep_step *a = step_at(b, acc);
	uint32_t count = 0;

	subtree_count(n, &count);
	b->st->hidden_total += count;
	if (!a)
		return;
	a->hidden_count += count;
	a->hidden_ns += kstep_node_dur(n);
}

static void walk(struct builder *b, const struct kstep_node *n, long parent, int depth);

static void visit(struct builder *b, struct kstep_node *k, long parent, int depth);

/*
 * Probe machinery is instrumentation: the calls function_graph saw inside
 * it (copy_from_kernel_nofault for fetch args...) go with it; a probe hit or
 * an event recorded inside it stays visible.
 */
static void walk_machinery(struct builder *b, const struct kstep_node *n, long parent, int depth)
{
	struct kstep_node *k;

	for (k = n->child; k; k = k->next) {
		if (k->kind == KSTEP_NODE_CALL && (k->src & KSTEP_SRC_FGRAPH) &&
		    !(k->src & (KSTEP_SRC_KPROBE | KSTEP_SRC_FPROBE | KSTEP_SRC_UPROBE)))
			walk_machinery(b, k, parent, depth);
		else
			visit(b, k, parent, depth);
	}
}

static void visit(struct builder *b, struct kstep_node *k, long parent, int depth)
{
	struct kstep_step *st;
	long idx;

	if (k->kind == KSTEP_NODE_CALL && (k->fn->flags & KSTEP_FN_OVERHEAD) && !b->o->all) {
		b->overhead_hidden++;
		walk_machinery(b, k, parent, depth);
		return;
	}
	if (user_hidden(b, k)) {
		b->hidden_user++;
		add_hidden(b, parent, k);
		return;
	}
	if (k->kind == KSTEP_NODE_CALL && (k->fn->flags & KSTEP_FN_HIDE) && !b->o->all) {
		b->hidden_default++;
		add_hidden(b, parent, k);
		return;
	}
	if (b->o->depth > 0 && depth >= b->o->depth) {
		add_hidden(b, parent, k);
		return;
	}
	st = kstep_vec_push(&b->steps);
	idx = (long)b->steps.n - 1;
	st->n = (int)b->steps.n;
	st->depth = depth;
	st->node = k;
	st->parent = parent >= 0 ? step_at(b, parent)->n : 0;
	if (k->kind == KSTEP_NODE_IRQ && !b->o->all) {
		const struct kstep_node *x;

		b->irqs_collapsed++;
		for (x = k->child; x; x = x->next)
			add_hidden(b, idx, x);
		return;
	}
	walk(b, k, idx, depth + 1);
}

static void walk(struct builder *b, const struct kstep_node *n, long parent, int depth)
{
	struct kstep_node *k;

	for (k = n->child; k; k = k->next)
		visit(b, k, parent, depth);
}

/* Decoding and derivation */

static const char *where_of(const struct kstep_node *n)
{
	return kstep_node_name(n);
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
		if (v->decoded || v->type == KSTEP_VT_STR)
			continue;
		if (kstep_decode(v->name, where_of(n), v->num, &ctx, out, sizeof(out)))
			v->decoded = kstep_arena_strdup(&b->st->arena, out);
	}
	if (n->retv && !n->retv->decoded) {
		const char *e = kstep_val_errno(n->retv);

		if (e)
			n->retv->decoded = e;
		else if (n->kind == KSTEP_NODE_SYSCALL && kstep_list_match("fd_returning", n->name) &&
			 (int64_t)n->retv->num >= 0) {
			snprintf(out, sizeof(out), "fd %" PRId64, (int64_t)n->retv->num);
			n->retv->decoded = kstep_arena_strdup(&b->st->arena, out);
		}
	}
}

static void map_put(struct prodmap *m, uint64_t key, int step)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap) {
		struct prodmap old = *m;

		m->cap = m->cap ? m->cap * 2 : 64;
		m->keys = kstep_xcalloc(m->cap, sizeof(*m->keys));
		m->steps = kstep_xcalloc(m->cap, sizeof(*m->steps));
		m->n = 0;
		for (i = 0; i < old.cap; i++)
			if (old.steps[i])
				map_put(m, old.keys[i], old.steps[i]);
		free(old.keys);
		free(old.steps);
	}
	for (i = (size_t)(key * 0x9e3779b97f4a7c15ULL) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->steps[i]) {
			m->keys[i] = key;
			m->steps[i] = step;
			m->n++;
			return;
		}
		if (m->keys[i] == key) {
			m->steps[i] = step;
			return;
		}
	}
}

static int map_get(const struct prodmap *m, uint64_t key)
{
	size_t i;

	if (!m->cap)
		return 0;
	for (i = (size_t)(key * 0x9e3779b97f4a7c15ULL) & (m->cap - 1); m->steps[i];
	     i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == key)
			return m->steps[i];
	return 0;
}

static bool is_producer_field(const struct kstep_node *n, const struct kstep_val *v)
{
	const char *const *p = kstep_list_get("producers");
	size_t l = strlen(n->name ? n->name : "");

	if (n->kind != KSTEP_NODE_EVENT || !p)
		return false;
	for (; *p; p++)
		if (!strncmp(*p, n->name, l) && (*p)[l] == ' ' && !strcmp(*p + l + 1, v->name))
			return true;
	return false;
}

static void derive_input(struct builder *b, struct prodmap *m, int step, struct kstep_node *n,
			 struct kstep_val *v)
{
	const struct kstep_ksym *sym;
	uint64_t off;
	int from;
	char raw[64];

	if (!kstep_val_pointer(v))
		return;
	from = map_get(m, v->num);
	if (from) {
		v->deriv = KSTEP_DERIV_STEP;
		v->from_step = from;
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
	note(b->st, &b->st->underived, step, "#%d %s: %s=%s (no earlier step produced it, and it is "
	     "no kernel symbol)", step, kstep_node_name(n), v->name, raw);
}

/*
 * A value handed out again (a return value that an allocation inside the
 * call produced) cites where it came from, and becomes the latest producer:
 * later uses cite the step that handed it out last.
 */
static void derive_output(struct prodmap *m, int step, struct kstep_val *v, bool always_new)
{
	int from;

	if (!kstep_val_pointer(v))
		return;
	from = map_get(m, v->num);
	if (from && !always_new) {
		v->deriv = KSTEP_DERIV_STEP;
		v->from_step = from;
	} else {
		v->deriv = KSTEP_DERIV_PRODUCED;
	}
	map_put(m, v->num, step);
}

/* What a call produces when it returns: its return value and return-probe values. */
static void derive_return(struct prodmap *m, const struct kstep_step *st)
{
	struct kstep_node *n = st->node;
	struct kstep_val *v;

	for (v = n->vals; v; v = v->next)
		if (v->role == KSTEP_VAL_OUT && !is_producer_field(n, v))
			derive_output(m, st->n, v, false);
	if (n->retv)
		derive_output(m, st->n, n->retv, false);
}

/*
 * Values in time order: a step's inputs (and an event's products) when it
 * starts, its return values once the steps inside it are done.
 */
static void derive(struct builder *b)
{
	struct prodmap m = { 0 };
	struct kstep_vec open;
	size_t i;

	kstep_vec_init(&open, sizeof(struct kstep_step *));
	for (i = 0; i < b->steps.n; i++) {
		struct kstep_step *st = kstep_vec_at(&b->steps, i);
		struct kstep_node *n = st->node;
		struct kstep_val *v;

		while (open.n) {
			struct kstep_step *o = *(struct kstep_step **)kstep_vec_at(&open, open.n - 1);

			if (o->depth < st->depth)
				break;
			derive_return(&m, o);
			open.n--;
		}
		decode_vals(b, n);
		for (v = n->vals; v; v = v->next)
			if (v->role == KSTEP_VAL_IN && !is_producer_field(n, v))
				derive_input(b, &m, st->n, n, v);
		for (v = n->vals; v; v = v->next)
			if (is_producer_field(n, v))
				derive_output(&m, st->n, v, true);
		*(struct kstep_step **)kstep_vec_push(&open) = st;
	}
	for (; open.n; open.n--)
		derive_return(&m, *(struct kstep_step **)kstep_vec_at(&open, open.n - 1));
	kstep_vec_free(&open);
	free(m.keys);
	free(m.steps);
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
	return kstep_arena_strdup(&b->st->arena, buf);
}

static void callers(struct builder *b)
{
	size_t i;

	for (i = 0; i < b->steps.n; i++) {
		struct kstep_step *st = kstep_vec_at(&b->steps, i);
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
	const struct kstep_load_stats *ls;
	const char *stat;
	size_t i;
	char x[32], y[32];

	if (!b->s)
		return;
	ls = kstep_session_damage(b->s);

	for (i = 0; i < ls->damage.n; i++) {
		const struct kstep_damage *d = kstep_vec_at(&ls->damage, i);

		/* only what falls inside the chosen window */
		if (d->to_ts && d->to_ts < b->sel->from)
			continue;
		if (d->from_ts > b->sel->to)
			continue;
		kstep_fmt_ts(x, sizeof(x), d->from_ts);
		kstep_fmt_ts(y, sizeof(y), d->to_ts);
		if (d->lost)
			note(b->st, &b->st->lost, 0, "CPU %d: %s%" PRId64 " events lost between %s and %s "
			     "(ring buffer overrun)", d->cpu, d->count < 0 ? "an unknown number of " : "",
			     d->count < 0 ? 0 : d->count, d->from_ts ? x : "the start",
			     d->to_ts ? y : "the end");
		else
			note(b->st, &b->st->missing, 0, "CPU %d between %s and %s: %s", d->cpu,
			     d->from_ts ? x : "the start", d->to_ts ? y : "the end", d->what);
	}
	for (i = 0; (stat = kstep_dat_cpustat(b->s->dat, i)); i++) {
		uint64_t over = cpustat_get(stat, "overrun"), drop = cpustat_get(stat, "dropped events");
		const char *cpu = strstr(stat, "CPU:");

		if (over || drop)
			note(b->st, &b->st->lost, 0, "CPU %d: the kernel counted %" PRIu64
			     " events overwritten (overrun) and %" PRIu64 " dropped while recording",
			     cpu ? atoi(cpu + 4) : -1, over, drop);
	}
}

static void footer_missing(struct builder *b)
{
	const struct kstep_node *root = kstep_chain_root(b->c), *n;
	size_t i, listed = 0;
	uint64_t no_exit = 0, no_entry = 0;

	for (i = 0; i < b->steps.n; i++) {
		const struct kstep_step *st = kstep_vec_at(&b->steps, i);

		n = st->node;
		if ((n->flags & KSTEP_NF_NO_EXIT) && listed++ < 10)
			note(b->st, &b->st->missing, st->n, "#%d %s: entered, but its return was not "
			     "recorded (the trace ended or lost it)", st->n, kstep_node_name(n));
		if ((n->flags & KSTEP_NF_NO_ENTRY) && listed++ < 10)
			note(b->st, &b->st->missing, st->n, "#%d %s: returned, but its entry was not "
			     "recorded (the trace started inside it or lost it)", st->n, kstep_node_name(n));
	}
	for (n = root; n; n = kstep_node_next((struct kstep_node *)n, root)) {
		no_exit += !!(n->flags & KSTEP_NF_NO_EXIT);
		no_entry += !!(n->flags & KSTEP_NF_NO_ENTRY);
	}
	if (listed > 10 || (no_exit + no_entry > listed && no_exit + no_entry > 0))
		note(b->st, &b->st->missing, 0, "%" PRIu64 " calls without a recorded return and %"
		     PRIu64 " without a recorded entry in all (hidden ones included)", no_exit, no_entry);
}

static bool tree_has(const struct kstep_node *root, unsigned src)
{
	const struct kstep_node *n;

	for (n = root; n; n = kstep_node_next((struct kstep_node *)n, root))
		if (n->src & src)
			return true;
	return false;
}

static void footer_gaps(struct builder *b)
{
	const struct kstep_chain_stats *cs = kstep_chain_stats(b->c);
	const struct kstep_node *root = kstep_chain_root(b->c);
	struct kstep_steps *st = b->st;
	size_t i;
	bool fgraph = cs->sources & KSTEP_SRC_FGRAPH;

	if (fgraph) {
		bool retval = false;
		const struct kstep_node *n;

		for (n = root; n && !retval; n = kstep_node_next((struct kstep_node *)n, root))
			retval = n->retv && n->retv->src == KSTEP_SRC_FGRAPH;
		if (!retval)
			note(st, &st->gaps, 0, "function_graph recorded no return values on this kernel "
			     "(funcgraph-retval needs 6.5+ built with it): returns show where a return "
			     "probe or a syscall exit saw them");
	}
	if ((cs->sources & (KSTEP_SRC_KPROBE | KSTEP_SRC_FPROBE)) && !fgraph)
		note(st, &st->gaps, 0, "only probed functions are seen: the calls between them were "
		     "not traced");
	for (i = 0; i < b->steps.n; i++) {
		const struct kstep_step *s = kstep_vec_at(&b->steps, i);
		const struct kstep_node *n = s->node;

		if (n->kind == KSTEP_NODE_CALL && (n->flags & KSTEP_NF_POINT) &&
		    (n->src & (KSTEP_SRC_KPROBE | KSTEP_SRC_FPROBE | KSTEP_SRC_UPROBE)))
			note(st, &st->gaps, s->n, "#%d %s: entry probe only: no return value, no duration",
			     s->n, kstep_node_name(n));
		const struct kstep_node *p = n->parent;

		/* inline steps are inside the real caller: look past them */
		while (p && p->kind == KSTEP_NODE_CALL && (p->flags & KSTEP_NF_INLINE))
			p = p->parent;
		if (n->kind == KSTEP_NODE_CALL && (n->flags & KSTEP_NF_RETIP) && !(n->flags & KSTEP_NF_FRAME) &&
		    p && p->kind == KSTEP_NODE_CALL && s->caller && !(n->fn->flags & KSTEP_FN_USER)) {
			char norm[256];

			kstep_func_norm(p->fn->name, norm, sizeof(norm));
			if (strncmp(s->caller, norm, strlen(norm)) || s->caller[strlen(norm)] != '+')
				note(st, &st->gaps, s->n, "#%d %s returned into %s, which was not traced: "
				     "the calls between %s and %s are not in the trace", s->n,
				     kstep_node_name(n), s->caller, p->fn->name, kstep_node_name(n));
		}
	}
	if (tree_has(root, KSTEP_SRC_STACK | KSTEP_SRC_STACK_MERGED))
		note(st, &st->gaps, 0, "frames come from kernel stacks taken at events: %" PRIu64
		     " frames, %" PRIu64 " of them shared by several stacks and merged (stack-merged, "
		     "inferred); a frame's duration is unknown", cs->frames, cs->frames_merged);
	if (b->hidden_default)
		note(st, &st->gaps, 0, "%" PRIu64 " calls of the default hide list (and what they called) "
		     "are summed into their parent steps (--all shows them)", b->hidden_default);
	if (b->hidden_user)
		note(st, &st->gaps, 0, "%" PRIu64 " nodes matching --hide are summed into their parent "
		     "steps", b->hidden_user);
	if (b->irqs_collapsed)
		note(st, &st->gaps, 0, "%" PRIu64 " interrupt%s inside the action shown collapsed, "
		     "with their work summed (--all expands them)", b->irqs_collapsed,
		     b->irqs_collapsed == 1 ? "" : "s");
	if (b->overhead_hidden)
		note(st, &st->gaps, 0, "%" PRIu64 " probe-handler calls inside the graph are left out: "
		     "they are the instrumentation, not the kernel's work (--all shows them)",
		     b->overhead_hidden);
	if (cs->stacks_unattached)
		note(st, &st->gaps, 0, "%" PRIu64 " stack traces had no preceding event of the task on "
		     "their CPU to attach to", cs->stacks_unattached);
	if (b->s && kstep_load_bad_formats(b->s->ld))
		note(st, &st->gaps, 0, "%d event formats of the file did not parse fully: their "
		     "events show raw fields", kstep_load_bad_formats(b->s->ld));
	if (b->o->gaps && b->o->gaps->used)
		note(st, &st->gaps, 0, "from %s: %u inline and %u tail steps inferred (tagged inline, "
		     "tail), %u call lines, %u declarations; %u calls had no call site there",
		     b->o->gaps->from, b->o->gaps->inlines, b->o->gaps->tails, b->o->gaps->sites,
		     b->o->gaps->decls, b->o->gaps->unresolved);
	else
		note(st, &st->gaps, 0, "inlined functions and tail calls leave no event: they are not "
		     "shown (no DWARF facts were used%s%s)", b->o->gaps && *b->o->gaps->why_not ? ": " : "",
		     b->o->gaps ? b->o->gaps->why_not : "");
}

struct kstep_steps *kstep_steps_build(struct kstep_chain *c, const struct kstep_session *s,
				      const struct kstep_selection *sel,
				      const struct kstep_steps_opts *o)
{
	struct kstep_steps *st = kstep_xcalloc(1, sizeof(*st));
	struct builder b = { .st = st, .o = o, .c = c, .s = s, .sel = sel,
			     .ks = s ? kstep_load_ksyms(s->ld) : NULL };

	kstep_vec_init(&st->underived, sizeof(struct kstep_note));
	kstep_vec_init(&st->lost, sizeof(struct kstep_note));
	kstep_vec_init(&st->missing, sizeof(struct kstep_note));
	kstep_vec_init(&st->gaps, sizeof(struct kstep_note));
	kstep_vec_init(&b.steps, sizeof(struct kstep_step));
	walk(&b, kstep_chain_root(c), -1, 0);
	derive(&b);
	callers(&b);
	st->sources = kstep_chain_stats(c)->sources;
	footer_losses(&b);
	footer_missing(&b);
	footer_gaps(&b);
	st->v = b.steps.v;
	st->n = b.steps.n;
	st->pass = !st->underived.n && !st->missing.n && !st->lost.n;
	return st;
}

void kstep_steps_free(struct kstep_steps *st)
{
	if (!st)
		return;
	free(st->v);
	kstep_vec_free(&st->underived);
	kstep_vec_free(&st->lost);
	kstep_vec_free(&st->missing);
	kstep_vec_free(&st->gaps);
	kstep_arena_free(&st->arena);
	free(st);
}

int kstep_steps_opt(int code, const char *arg, struct kstep_steps_opts *o)
{
	char *end;

	switch (code) {
	case KSTEP_OPT_HIDE:
		o->hide = kstep_xrealloc(o->hide, (o->nhide + 1) * sizeof(*o->hide));
		o->hide[o->nhide++] = arg;
		return 1;
	case KSTEP_OPT_DEPTH:
		o->depth = (int)strtol(arg, &end, 10);
		if (end == arg || *end || o->depth <= 0) {
			kstep_error("--depth takes a positive number, not '%s'", arg);
			return -1;
		}
		return 1;
	case KSTEP_OPT_ALL:
		o->all = true;
		return 1;
	default:
		return 0;
	}
}

int kstep_analysis_opt(int code, const char *arg, struct kstep_select_opts *sel, struct kstep_steps_opts *st,
		       struct kstep_gaps_opts *g)
{
	int r = kstep_select_opt(code, arg, sel);

	if (r == 0)
		r = kstep_steps_opt(code, arg, st);
	if (r == 0)
		r = kstep_gaps_opt(code, arg, g);
	return r;
}

void kstep_steps_opts_free(struct kstep_steps_opts *o)
{
	free(o->hide);
	o->hide = NULL;
	o->nhide = 0;
}
