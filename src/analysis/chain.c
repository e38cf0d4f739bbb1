// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * chain.c - the call tree of one task.
 *
 * One stack of open nodes serves every source: a function_graph entry
 * pushes, its exit pops to the matching function; a kprobe hit inside an
 * open function_graph node of the same function merges into it (the probe
 * handler's own calls in between are skipped); a probe on a function that
 * has return probes opens a span, one without is a point. The interrupt
 * context comes from the record's flags (and from interrupt entry functions,
 * which run before the hardirq flag is set).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


#include "chain.h"
#include "decode.h"
#include "log.h"

#define FN_HASH 4096
#define AT_CACHE 4096
/* two tracepoints of one syscall (raw and named) fire this close together */
#define SAME_SYSCALL_NS 50000

struct kstep_chain {
	struct kstep_arena arena;	/* what lives as long as the chain: functions, the root */
	/*
	 * Nodes, values and stacks, by generation: a generation is freed once
	 * every subtree holding memory in it has been taken and released, so
	 * memory follows the open part of the tree, not the trace's length.
	 */
	struct kstep_arena *gens;
	size_t ngens;
	uint32_t gen0;		/* generation number of gens[0] */
	const struct kstep_ksyms *ks;
	int long_size;
	struct kstep_node *root;
	struct kstep_node **stk;
	size_t depth;
	size_t cap;
	struct kstep_func *fhash[FN_HASH];
	uint64_t *retprobes;
	size_t nret;
	size_t capret;
	bool ret_sorted;
	struct kstep_node **last_on_cpu;
	int ncpuslots;
	uint64_t first_ts;
	uint64_t last_ts;
	uint64_t prev_ts;		/* last_ts before the fact being fed */
	/* a switch out waiting for its switch in: the OFFCPU node is made then */
	struct kstep_fact out;
	bool out_pending;
	struct kstep_chain_stats st;
	/* addresses already resolved: function_graph repeats the same few thousand */
	struct {
		uint64_t addr;
		uint64_t off;
		struct kstep_func *fn;
	} at_cache[AT_CACHE];
	/*
	 * A probe hit inside the probe machinery (kprobe_ftrace_handler...)
	 * announces a call whose function_graph entry comes right after it:
	 * the two become one node.
	 */
	struct kstep_node *pending;
	/*
	 * The last call function_graph closed, per context: its return probe
	 * may follow, after an interrupt's own calls have closed.
	 */
	struct kstep_node *last_closed[KSTEP_CTX_NMI + 1];
	/* the last syscall an exit closed: the other tracepoint's exit may follow */
	struct kstep_node *last_sysexit;
	bool finished;
};

/* Memory */

#define GEN_BYTES (1u << 20)
/* a trace whose calls never return keeps them all: the budget bounds that */
#define CHAIN_CHARGE "the call chain (the calls not yet returned and what they hold)"

static uint32_t gen_cur(const struct kstep_chain *c)
{
	return c->gen0 + (uint32_t)c->ngens - 1;
}

static void *gen_alloc(struct kstep_chain *c, size_t size)
{
	return kstep_arena_alloc(&c->gens[c->ngens - 1], size);
}

/* Interning */

static unsigned hash_str(const char *s)
{
	unsigned h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h % FN_HASH;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool has_retprobe(struct kstep_chain *c, uint64_t addr)
{
	if (!c->nret)
		return false;
	if (!c->ret_sorted) {
		qsort(c->retprobes, c->nret, sizeof(*c->retprobes), cmp_u64);
		c->ret_sorted = true;
	}
	return bsearch(&addr, c->retprobes, c->nret, sizeof(addr), cmp_u64) != NULL;
}

static struct kstep_func *func_get(struct kstep_chain *c, const char *name, uint64_t addr,
				   bool user)
{
	unsigned h = hash_str(name);
	struct kstep_func *f;

	for (f = c->fhash[h]; f; f = f->hnext)
		if (!strcmp(f->name, name) && !!(f->flags & KSTEP_FN_USER) == user)
			return f;
	f = kstep_arena_alloc(&c->arena, sizeof(*f));
	f->name = kstep_arena_strdup(&c->arena, name);
	f->addr = addr;
	if (user) {
		f->flags |= KSTEP_FN_USER;
	} else {
		if (kstep_list_match("hide_default", name))
			f->flags |= KSTEP_FN_HIDE;
		if (kstep_list_match("probe_overhead", name))
			f->flags |= KSTEP_FN_OVERHEAD;
		if (kstep_list_match("irq_entry", name))
			f->flags |= KSTEP_FN_IRQ_ENTRY;
		if (kstep_list_match("sched", name))
			f->flags |= KSTEP_FN_SCHED;
	}
	if (addr && has_retprobe(c, addr))
		f->flags |= KSTEP_FN_RETPROBE;
	f->hnext = c->fhash[h];
	c->fhash[h] = f;
	return f;
}

/* The kernel function at addr (a function start, or a probe address in it). */
static struct kstep_func *func_at(struct kstep_chain *c, uint64_t addr, uint64_t *off)
{
	size_t slot = (size_t)((addr >> 4) ^ (addr >> 16)) & (AT_CACHE - 1);
	const struct kstep_ksym *sym;
	char buf[32];
	struct kstep_func *f;

	if (c->at_cache[slot].fn && c->at_cache[slot].addr == addr) {
		*off = c->at_cache[slot].off;
		return c->at_cache[slot].fn;
	}
	sym = c->ks ? kstep_ksyms_lookup(c->ks, addr, off) : NULL;
	if (!sym) {
		*off = 0;
		snprintf(buf, sizeof(buf), "0x%" PRIx64, addr);
		f = func_get(c, buf, addr, false);
	} else {
		f = func_get(c, sym->name, sym->addr, false);
		if (!(f->flags & KSTEP_FN_RETPROBE) && has_retprobe(c, sym->addr))
			f->flags |= KSTEP_FN_RETPROBE;
	}
	c->at_cache[slot].addr = addr;
	c->at_cache[slot].off = *off;
	c->at_cache[slot].fn = f;
	return f;
}

/* A user-space probe's function: named by its event, minus entry suffixes. */
static struct kstep_func *func_user(struct kstep_chain *c, const char *event, uint64_t addr)
{
	static const char *const sfx[] = { "_entry", "_enter", "__entry" };
	char buf[256];
	size_t n = strlen(event), i;

	snprintf(buf, sizeof(buf), "%s", event);
	for (i = 0; i < KSTEP_ARRAY_SIZE(sfx); i++) {
		size_t l = strlen(sfx[i]);

		if (n > l && !strcmp(event + n - l, sfx[i])) {
			buf[n - l] = '\0';
			break;
		}
	}
	return func_get(c, buf, addr, true);
}

static struct kstep_func *fact_func(struct kstep_chain *c, const struct kstep_fact *f)
{
	uint64_t off;

	if (f->user)
		return func_user(c, f->name ? f->name : "?", f->addr);
	if (f->name)
		return func_get(c, f->name, f->addr, false);
	return func_at(c, f->addr, &off);
}

/* Building blocks */

struct kstep_chain *kstep_chain_new(const struct kstep_ksyms *ks, int long_size)
{
	struct kstep_chain *c = kstep_xcalloc(1, sizeof(*c));

	c->ks = ks;
	c->long_size = long_size ? long_size : 8;
	c->arena.charge = CHAIN_CHARGE;
	c->root = kstep_arena_alloc(&c->arena, sizeof(*c->root));
	c->gens = kstep_xcalloc(1, sizeof(*c->gens));
	c->gens[0].charge = CHAIN_CHARGE;
	c->ngens = 1;
	c->root->kind = KSTEP_NODE_ROOT;
	c->root->sysnr = -1;
	c->cap = 64;
	c->stk = kstep_xcalloc(c->cap, sizeof(*c->stk));
	c->stk[0] = c->root;
	c->depth = 1;
	return c;
}

void kstep_chain_free(struct kstep_chain *c)
{
	if (!c)
		return;
	free(c->stk);
	free(c->retprobes);
	free(c->last_on_cpu);
	while (c->ngens)
		kstep_arena_free(&c->gens[--c->ngens]);
	free(c->gens);
	kstep_arena_free(&c->arena);
	free(c);
}

void kstep_chain_note_retprobe(struct kstep_chain *c, uint64_t addr)
{
	const struct kstep_ksym *sym;
	uint64_t off = 0;

	/* on IBT kernels the probe sits after the endbr64: func+4 */
	sym = c->ks ? kstep_ksyms_lookup(c->ks, addr, &off) : NULL;
	if (sym && off <= 16)
		addr = sym->addr;
	if (c->nret == c->capret) {
		c->capret = c->capret ? c->capret * 2 : 16;
		c->retprobes = kstep_xrealloc(c->retprobes, c->capret * sizeof(*c->retprobes));
	}
	c->retprobes[c->nret++] = addr;
	c->ret_sorted = false;
}

struct kstep_val *kstep_chain_val(struct kstep_chain *c, const char *name, uint64_t num,
				  enum kstep_val_type type, enum kstep_val_role role)
{
	struct kstep_val *v = gen_alloc(c, sizeof(*v));

	v->name = name;
	v->num = num;
	v->type = (uint8_t)type;
	v->role = (uint8_t)role;
	return v;
}

const char *kstep_chain_strdup(struct kstep_chain *c, const char *s, size_t n)
{
	char *p = gen_alloc(c, n + 1);

	memcpy(p, s, n);
	return p;
}

void kstep_val_append(struct kstep_val **head, struct kstep_val *v)
{
	while (*head)
		head = &(*head)->next;
	*head = v;
}

static struct kstep_node *top(struct kstep_chain *c)
{
	return c->stk[c->depth - 1];
}

static void push(struct kstep_chain *c, struct kstep_node *n)
{
	if (c->depth == c->cap) {
		c->cap *= 2;
		c->stk = kstep_xrealloc(c->stk, c->cap * sizeof(*c->stk));
	}
	c->stk[c->depth++] = n;
}

static void add_child(struct kstep_node *parent, struct kstep_node *n)
{
	n->parent = parent;
	if (parent->last)
		parent->last->next = n;
	else
		parent->child = n;
	parent->last = n;
}

static struct kstep_node *new_node(struct kstep_chain *c, uint8_t kind, const struct kstep_fact *f)
{
	struct kstep_node *n = gen_alloc(c, sizeof(*n));

	n->gen = gen_cur(c);
	n->kind = kind;
	n->t_entry = f->ts;
	n->cpu = (int16_t)f->cpu;
	n->src = (uint16_t)f->src;
	n->sysnr = -1;
	n->ctx = top(c)->ctx;
	c->st.nodes++;
	return n;
}

static void note_cpu(struct kstep_chain *c, int cpu, struct kstep_node *n)
{
	if (cpu < 0)
		return;
	if (cpu >= c->ncpuslots) {
		int nslots = cpu + 16;

		c->last_on_cpu = kstep_xrealloc(c->last_on_cpu, (size_t)nslots * sizeof(*c->last_on_cpu));
		memset(c->last_on_cpu + c->ncpuslots, 0,
		       (size_t)(nslots - c->ncpuslots) * sizeof(*c->last_on_cpu));
		c->ncpuslots = nslots;
	}
	c->last_on_cpu[cpu] = n;
}

/* Pops everything above index k: those nodes never saw their exit. */
static void close_above(struct kstep_chain *c, size_t k)
{
	while (c->depth - 1 > k) {
		struct kstep_node *n = top(c);

		if (n->kind == KSTEP_NODE_IRQ || n->kind == KSTEP_NODE_OFFCPU) {
			if (!n->t_exit)
				n->t_exit = c->last_ts;
		} else if (!n->t_exit) {
			n->flags |= KSTEP_NF_NO_EXIT;
			c->st.no_exit++;
		}
		c->depth--;
	}
}

/* Interrupt context */

static const char *ctx_name(uint8_t ctx)
{
	switch (ctx) {
	case KSTEP_CTX_SOFTIRQ:
		return "softirq";
	case KSTEP_CTX_HARDIRQ:
		return "hardirq";
	case KSTEP_CTX_NMI:
		return "nmi";
	default:
		return "task";
	}
}

static bool irq_open(const struct kstep_chain *c, uint8_t ctx);
static void open_irq(struct kstep_chain *c, const struct kstep_fact *f, uint8_t ectx, bool forced);

/*
 * Events that open or close one interrupt's work: +1 entry, -1 exit, 0 other.
 * Only softirq_* and irq_vectors:* (one per vector run); irq_handler_* fire
 * once per handler inside one interrupt.
 */
static int irq_mark(const struct kstep_fact *f)
{
	const struct tep_event *ev = f->desc ? f->desc->ev : NULL;
	size_t l;

	if (f->kind != KSTEP_F_EVENT || !ev || !ev->system || !ev->name)
		return 0;
	if (strcmp(ev->system, "irq_vectors") && strncmp(ev->name, "softirq_", 8))
		return 0;
	l = strlen(ev->name);
	if (l > 6 && !strcmp(ev->name + l - 6, "_entry"))
		return 1;
	return l > 5 && !strcmp(ev->name + l - 5, "_exit") ? -1 : 0;
}

/*
 * Moves the open stack to the fact's context: leaves interrupt nodes whose
 * work is done when a task-context fact arrives, and opens one when a fact
 * comes from a higher context than the current node.
 */
static void ctx_transition(struct kstep_chain *c, const struct kstep_fact *f,
			   const struct kstep_func *fn, bool opens)
{
	uint8_t real = f->ctx, ectx = f->ctx;
	bool forced = false;

	/* an interrupt entry function before irq_enter raised the count: a new interrupt */
	if (fn && (fn->flags & KSTEP_FN_IRQ_ENTRY) && real < KSTEP_CTX_HARDIRQ && opens) {
		ectx = KSTEP_CTX_HARDIRQ;
		forced = true;
	}
	/*
	 * An interrupt whose exit event came ends where the next one starts, or
	 * where work of a higher context begins: without it, an interrupt the
	 * events alone show would stay open until the task's next record.
	 */
	while (opens && top(c)->kind == KSTEP_NODE_IRQ && (top(c)->flags & KSTEP_NF_IRQ_ENDED) &&
	       (irq_mark(f) > 0 || forced || ectx > top(c)->ctx)) {
		top(c)->t_exit = c->prev_ts > top(c)->t_entry ? c->prev_ts : top(c)->t_entry;
		c->depth--;
	}
	/* An interrupt node closes only once nothing inside it is open. */
	while (top(c)->kind == KSTEP_NODE_IRQ && top(c)->ctx > real) {
		/* it ended with its last record, not at this one */
		top(c)->t_exit = c->prev_ts > top(c)->t_entry ? c->prev_ts : top(c)->t_entry;
		c->depth--;
	}
	if (!opens)
		return;
	if (forced) {
		/* irq_enter_rcu inside sysvec_*: the same interrupt's entry chain */
		if (top(c)->kind == KSTEP_NODE_CALL && top(c)->fn && (top(c)->fn->flags & KSTEP_FN_IRQ_ENTRY))
			return;
		/* an interrupt arriving in softirq work that showed no record yet */
		if (real == KSTEP_CTX_SOFTIRQ && top(c)->ctx != KSTEP_CTX_SOFTIRQ && !irq_open(c, KSTEP_CTX_SOFTIRQ))
			open_irq(c, f, KSTEP_CTX_SOFTIRQ, false);
	} else if (ectx <= top(c)->ctx &&
		   /*
		    * Softirq records inside hardirq work: irq_exit dropped the
		    * hardirq count and runs the pending softirqs inside its frame
		    * (unless an interrupt nested in softirq work returns to it).
		    */
		   !(ectx == KSTEP_CTX_SOFTIRQ && top(c)->ctx == KSTEP_CTX_HARDIRQ &&
		     top(c)->kind != KSTEP_NODE_IRQ && !irq_open(c, KSTEP_CTX_SOFTIRQ))) {
		return;
	}
	open_irq(c, f, ectx, forced);
}

/* Is an interrupt node of ctx open? */
static bool irq_open(const struct kstep_chain *c, uint8_t ctx)
{
	size_t i;

	for (i = c->depth - 1; i > 0; i--)
		if (c->stk[i]->kind == KSTEP_NODE_IRQ && c->stk[i]->ctx == ctx)
			return true;
	return false;
}

static void open_irq(struct kstep_chain *c, const struct kstep_fact *f, uint8_t ectx, bool forced)
{
	struct kstep_node *irq = new_node(c, KSTEP_NODE_IRQ, f);

	irq->ctx = ectx;
	irq->name = ctx_name(ectx);
	irq->src = (uint16_t)f->src;
	if (forced)
		irq->flags |= KSTEP_NF_IRQ_FORCED;
	add_child(top(c), irq);
	push(c, irq);
	c->st.irqs++;
}

/* Finds the innermost open call of fn, skipping nothing; returns its index or 0. */
static size_t find_open(struct kstep_chain *c, const struct kstep_func *fn, uint32_t without)
{
	size_t i;

	for (i = c->depth - 1; i > 0; i--) {
		struct kstep_node *n = c->stk[i];

		if (n->kind == KSTEP_NODE_CALL && n->fn == fn && !(n->flags & without))
			return i;
	}
	return 0;
}

/* The innermost open node that is not probe machinery. */
static struct kstep_node *real_top(struct kstep_chain *c)
{
	size_t i;

	for (i = c->depth - 1; i > 0; i--) {
		struct kstep_node *n = c->stk[i];

		if (!(n->kind == KSTEP_NODE_CALL && (n->fn->flags & KSTEP_FN_OVERHEAD)))
			return n;
	}
	return c->root;
}

/* Is the innermost open node probe machinery? */
static bool in_overhead(struct kstep_chain *c)
{
	struct kstep_node *t = top(c);

	return t->kind == KSTEP_NODE_CALL && (t->fn->flags & KSTEP_FN_OVERHEAD);
}

static void unlink_node(struct kstep_node *n)
{
	struct kstep_node *p = n->parent, *k, *prev = NULL;

	for (k = p->child; k && k != n; k = k->next)
		prev = k;
	if (!k)
		return;
	if (prev)
		prev->next = n->next;
	else
		p->child = n->next;
	if (p->last == n)
		p->last = prev;
	n->next = NULL;
	n->parent = NULL;
}

/*
 * The pending probe met the next function_graph entry: when that is its
 * call, the entry's node takes the probe's values; otherwise the probe
 * stays a call of its own, moved out of the machinery to the real caller.
 */
static struct kstep_node *outside_machinery(struct kstep_node *n)
{
	while (n->kind == KSTEP_NODE_CALL && (n->fn->flags & KSTEP_FN_OVERHEAD))
		n = n->parent;
	return n;
}

static bool take_pending(struct kstep_chain *c, struct kstep_node *n)
{
	struct kstep_node *p = c->pending;

	/* calls the probe handler makes (copy_from_kernel_nofault...) are not it */
	if (n && n->parent != outside_machinery(p->parent))
		return false;
	c->pending = NULL;
	if (n && p->fn == n->fn) {
		unlink_node(p);
		kstep_val_append(&p->vals, n->vals);
		n->vals = p->vals;
		n->src |= p->src;
		n->flags |= KSTEP_NF_PROBED;
		n->at = p->at;
		c->st.nodes--;
		return true;
	}
	n = outside_machinery(p->parent);
	unlink_node(p);
	add_child(n, p);
	return false;
}

static bool is_trampoline(struct kstep_chain *c, uint64_t addr)
{
	const struct kstep_ksym *sym;
	uint64_t off;

	if (!addr || !c->ks)
		return !addr;
	sym = kstep_ksyms_lookup(c->ks, addr, &off);
	return sym && kstep_list_match("trampolines", sym->name);
}

/* Feeding facts */

/*
 * The task comes back to the CPU in finish_task_switch: function_graph shows
 * nothing between the last switch function (pick_next_task, psi_task_switch,
 * switch_mm_irqs_off...) and it, since the trace follows the task. That gap
 * under a scheduling function is time away, an OFFCPU node, unless a
 * sched_switch event made one already.
 */
static void graph_offcpu(struct kstep_chain *c, const struct kstep_fact *f, struct kstep_func *fn,
			 struct kstep_node *parent)
{
	struct kstep_node *k, *n;

	/* finish_task_switch, or a compiler's copy of it (.isra.0 on 6.1) */
	if (parent->kind != KSTEP_NODE_CALL || !parent->fn || !(parent->fn->flags & KSTEP_FN_SCHED) ||
	    strncmp(fn->name, "finish_task_switch", 18) || (fn->name[18] && fn->name[18] != '.') ||
	    !c->prev_ts || c->prev_ts >= f->ts || c->prev_ts < parent->t_entry)
		return;
	for (k = parent->child; k; k = k->next)
		if (k->kind == KSTEP_NODE_OFFCPU)
			return;
	n = new_node(c, KSTEP_NODE_OFFCPU, f);
	n->name = "off-cpu";
	n->t_entry = c->prev_ts;
	n->t_exit = f->ts;
	add_child(parent, n);
	c->st.offcpu++;
}

static void feed_entry(struct kstep_chain *c, const struct kstep_fact *f)
{
	struct kstep_func *fn = fact_func(c, f);
	struct kstep_node *n, *parent;

	ctx_transition(c, f, fn, true);
	parent = top(c);
	graph_offcpu(c, f, fn, parent);
	n = new_node(c, KSTEP_NODE_CALL, f);
	n->fn = fn;
	n->vals = f->vals;
	if (f->retip) {
		n->retip = f->retip;
		n->flags |= KSTEP_NF_RETIP;
	}
	if (fn->flags & KSTEP_FN_OVERHEAD)
		c->st.overhead++;
	/* name the interrupt by its handler, not by irq_enter/irq_exit */
	if (parent->kind == KSTEP_NODE_IRQ && !parent->fn && !strstr(fn->name, "irq_enter") &&
	    !strstr(fn->name, "irq_exit"))
		parent->fn = fn;
	add_child(parent, n);
	push(c, n);
	note_cpu(c, f->cpu, n);
	if (c->pending && !(fn->flags & KSTEP_FN_OVERHEAD))
		take_pending(c, n);
}

static void set_exit(struct kstep_node *n, const struct kstep_fact *f)
{
	n->t_exit = f->ts;
	if (f->has_times && f->rettime >= f->calltime)
		n->dur = f->rettime - f->calltime;
	if (f->retv && !n->retv)
		n->retv = f->retv;
}

static void feed_exit(struct kstep_chain *c, const struct kstep_fact *f)
{
	struct kstep_func *fn = fact_func(c, f);
	size_t k;
	struct kstep_node *n;

	ctx_transition(c, f, fn, false);
	k = find_open(c, fn, 0);
	if (k) {
		n = c->stk[k];
		close_above(c, k);
		set_exit(n, f);
		c->depth = k;
		note_cpu(c, f->cpu, n);
		if (!(fn->flags & KSTEP_FN_OVERHEAD) && n->ctx <= KSTEP_CTX_NMI)
			c->last_closed[n->ctx] = n;
		return;
	}
	n = new_node(c, KSTEP_NODE_CALL, f);
	n->fn = fn;
	n->flags |= KSTEP_NF_NO_ENTRY;
	n->t_entry = f->has_times && f->calltime <= f->ts ? f->calltime : 0;
	set_exit(n, f);
	add_child(top(c), n);
	c->st.no_entry++;
	note_cpu(c, f->cpu, n);
}

static void feed_call(struct kstep_chain *c, const struct kstep_fact *f)
{
	struct kstep_func *fn = fact_func(c, f);
	struct kstep_node *n;

	ctx_transition(c, f, fn, true);
	n = new_node(c, KSTEP_NODE_CALL, f);
	n->fn = fn;
	n->flags |= KSTEP_NF_POINT;
	if (f->retip) {
		n->retip = f->retip;
		n->flags |= KSTEP_NF_RETIP;
	}
	add_child(top(c), n);
	note_cpu(c, f->cpu, n);
}

static void feed_probe(struct kstep_chain *c, const struct kstep_fact *f)
{
	struct kstep_func *fn = fact_func(c, f);
	struct kstep_node *m, *n;
	uint64_t off = 0;

	if (!f->user && c->ks)
		kstep_ksyms_lookup(c->ks, f->addr, &off);
	ctx_transition(c, f, fn, true);
	m = real_top(c);
	if (m->kind == KSTEP_NODE_CALL && m->fn == fn && !(m->flags & KSTEP_NF_PROBED) &&
	    !(m->flags & KSTEP_NF_SPAN)) {
		kstep_val_append(&m->vals, f->vals);
		m->src |= (uint16_t)f->src;
		m->flags |= KSTEP_NF_PROBED;
		if (off)
			m->at = f->addr;
		note_cpu(c, f->cpu, m);
		return;
	}
	if (c->pending)
		take_pending(c, NULL);
	n = new_node(c, KSTEP_NODE_CALL, f);
	n->fn = fn;
	n->vals = f->vals;
	n->flags |= KSTEP_NF_PROBED;
	if (off)
		n->at = f->addr;
	add_child(top(c), n);
	if (in_overhead(c) && !f->user) {
		/* the call itself starts when the machinery returns */
		n->flags |= KSTEP_NF_POINT;
		c->pending = n;
	} else if (fn->flags & KSTEP_FN_RETPROBE) {
		n->flags |= KSTEP_NF_SPAN;
		push(c, n);
	} else {
		n->flags |= KSTEP_NF_POINT;
	}
	note_cpu(c, f->cpu, n);
}

static void attach_ret(struct kstep_chain *c, struct kstep_node *n, const struct kstep_fact *f)
{
	struct kstep_val *v;

	for (v = f->vals; v; v = v->next)
		v->role = KSTEP_VAL_OUT;
	kstep_val_append(&n->vals, f->vals);
	if (f->retv)
		n->retv = f->retv;
	n->src |= (uint16_t)f->src;
	n->flags |= KSTEP_NF_PROBED_RET;
	if (f->retip && !is_trampoline(c, f->retip)) {
		n->retip = f->retip;
		n->flags |= KSTEP_NF_RETIP;
	}
}

static struct kstep_func *ret_func(struct kstep_chain *c, const struct kstep_fact *f)
{
	size_t i;

	if (!f->user)
		return fact_func(c, f);
	/* a uretprobe names its function by address: find the open entry */
	for (i = c->depth - 1; i > 0; i--) {
		struct kstep_node *n = c->stk[i];

		if (n->kind == KSTEP_NODE_CALL && (n->fn->flags & KSTEP_FN_USER) && n->fn->addr == f->addr)
			return n->fn;
	}
	return fact_func(c, f);
}

static void feed_probe_ret(struct kstep_chain *c, const struct kstep_fact *f)
{
	struct kstep_func *fn = ret_func(c, f);
	struct kstep_node *n, *last, *closed;
	size_t k;

	ctx_transition(c, f, fn, false);
	k = find_open(c, fn, KSTEP_NF_PROBED_RET);
	if (k) {
		n = c->stk[k];
		attach_ret(c, n, f);
		if (n->flags & KSTEP_NF_SPAN) {
			close_above(c, k);
			n->t_exit = f->ts;
			c->depth = k;
		}
		note_cpu(c, f->cpu, n);
		return;
	}
	/*
	 * function_graph may have closed the call just before the return probe,
	 * which then fires inside the probe machinery (kretprobe_rethook_handler)
	 */
	last = top(c)->last;
	closed = real_top(c)->ctx <= KSTEP_CTX_NMI ? c->last_closed[real_top(c)->ctx] : NULL;
	if (!(last && last->kind == KSTEP_NODE_CALL && last->fn == fn) && closed && closed->parent == real_top(c))
		last = closed;
	if (last && last->kind == KSTEP_NODE_CALL && last->fn == fn && !(last->flags & KSTEP_NF_PROBED_RET)) {
		attach_ret(c, last, f);
		note_cpu(c, f->cpu, last);
		return;
	}
	n = new_node(c, KSTEP_NODE_CALL, f);
	n->fn = fn;
	n->flags |= KSTEP_NF_NO_ENTRY;
	n->t_entry = 0;
	n->t_exit = f->ts;
	attach_ret(c, n, f);
	add_child(top(c), n);
	c->st.no_entry++;
	note_cpu(c, f->cpu, n);
}

/*
 * The two tracepoints of one syscall (raw and named) fire one after the
 * other with interrupts on: nodes from first.. may only be interrupts, and
 * the tracepoints' own gap, from since (or the last interrupt's end) to ts,
 * must be short.
 */
static bool irqs_only(const struct kstep_node *first, uint64_t since, uint64_t ts)
{
	const struct kstep_node *k;

	for (k = first; k; k = k->next) {
		if (k->kind != KSTEP_NODE_IRQ)
			return false;
		since = k->t_exit;
	}
	return ts >= since && ts - since < SAME_SYSCALL_NS;
}

static void feed_sys_enter(struct kstep_chain *c, const struct kstep_fact *f)
{
	struct kstep_node *t, *n;

	ctx_transition(c, f, NULL, true);
	t = top(c);
	/* raw_syscalls:sys_enter and syscalls:sys_enter_X of one call */
	if (t->kind == KSTEP_NODE_SYSCALL && t->sysnr == f->sysnr &&
	    irqs_only(t->child, t->t_entry, f->ts)) {
		if (f->name && strncmp(f->name, "syscall_", 8)) {
			t->name = f->name;
			t->vals = f->vals;
		}
		note_cpu(c, f->cpu, t);
		return;
	}
	n = new_node(c, KSTEP_NODE_SYSCALL, f);
	n->name = f->name;
	n->sysnr = (int32_t)f->sysnr;
	n->vals = f->vals;
	add_child(t, n);
	push(c, n);
	note_cpu(c, f->cpu, n);
}

static void feed_sys_exit(struct kstep_chain *c, const struct kstep_fact *f)
{
	struct kstep_node *n, *last;
	size_t i;

	ctx_transition(c, f, NULL, false);
	for (i = c->depth - 1; i > 0; i--) {
		n = c->stk[i];
		if (n->kind == KSTEP_NODE_SYSCALL && (n->sysnr == f->sysnr || f->sysnr < 0)) {
			close_above(c, i);
			n->t_exit = f->ts;
			n->retv = f->retv;
			c->depth = i;
			c->last_sysexit = n;
			note_cpu(c, f->cpu, n);
			return;
		}
	}
	last = c->last_sysexit;
	if (last && last->parent == top(c) && last->sysnr == f->sysnr &&
	    irqs_only(last->next, last->t_exit, f->ts))
		return;
	n = new_node(c, KSTEP_NODE_SYSCALL, f);
	n->name = f->name;
	n->sysnr = (int32_t)f->sysnr;
	n->flags |= KSTEP_NF_NO_ENTRY;
	n->t_entry = 0;
	n->t_exit = f->ts;
	n->retv = f->retv;
	add_child(top(c), n);
	c->last_sysexit = n;
	c->st.no_entry++;
	note_cpu(c, f->cpu, n);
}

static void feed_event(struct kstep_chain *c, const struct kstep_fact *f)
{
	struct kstep_node *n;

	ctx_transition(c, f, NULL, true);
	n = new_node(c, KSTEP_NODE_EVENT, f);
	n->name = f->name;
	n->desc = f->desc;
	n->vals = f->vals;
	n->t_exit = f->ts;
	add_child(top(c), n);
	note_cpu(c, f->cpu, n);
	if (irq_mark(f) < 0 && top(c)->kind == KSTEP_NODE_IRQ && top(c)->ctx == f->ctx)
		top(c)->flags |= KSTEP_NF_IRQ_ENDED;
}

static void feed_stack(struct kstep_chain *c, const struct kstep_fact *f, bool user)
{
	struct kstep_node *n = f->cpu >= 0 && f->cpu < c->ncpuslots ? c->last_on_cpu[f->cpu] : NULL;
	uint64_t *copy;

	c->st.stacks++;
	if (n && (user ? n->ustack : n->stack)) {
		/* a second stack of one node: taken at its return event, nothing new */
		c->st.stacks_at_returns++;
		return;
	}
	if (!n || !f->nstack) {
		c->st.stacks_unattached++;
		return;
	}
	copy = gen_alloc(c, f->nstack * sizeof(*copy));
	memcpy(copy, f->stack, f->nstack * sizeof(*copy));
	if (user) {
		n->ustack = copy;
		n->nustack = (uint32_t)f->nstack;
	} else {
		n->stack = copy;
		n->nstack = (uint32_t)f->nstack;
	}
}

static void feed_switch_out(struct kstep_chain *c, const struct kstep_fact *f)
{
	ctx_transition(c, f, NULL, false);
	c->out = *f;
	c->out.stack = NULL;
	c->out_pending = true;
}

/*
 * The time away, under whatever is open when the task comes back (the
 * tracepoint's own function_graph frame has returned by then). It starts
 * at the switch out, or at the task's last record after it: until that
 * record the task was still on the CPU.
 */
static void make_offcpu(struct kstep_chain *c, uint64_t back)
{
	struct kstep_node *n = new_node(c, KSTEP_NODE_OFFCPU, &c->out);

	n->name = "off-cpu";
	n->vals = c->out.vals;
	if (c->prev_ts > n->t_entry && c->prev_ts <= back)
		n->t_entry = c->prev_ts;
	n->t_exit = back;
	add_child(top(c), n);
	c->out_pending = false;
	c->st.offcpu++;
}

static void feed_switch_in(struct kstep_chain *c, const struct kstep_fact *f)
{
	if (c->out_pending)
		make_offcpu(c, f->ts);
}

void kstep_chain_feed(struct kstep_chain *c, const struct kstep_fact *f)
{
	if (!c->st.facts++)
		c->first_ts = f->ts;
	c->prev_ts = c->last_ts;
	if (f->ts > c->last_ts)
		c->last_ts = f->ts;
	c->st.sources |= f->src;
	switch (f->kind) {
	case KSTEP_F_ENTRY:
		feed_entry(c, f);
		break;
	case KSTEP_F_EXIT:
		feed_exit(c, f);
		break;
	case KSTEP_F_CALL:
		feed_call(c, f);
		break;
	case KSTEP_F_PROBE:
		feed_probe(c, f);
		break;
	case KSTEP_F_PROBE_RET:
		feed_probe_ret(c, f);
		break;
	case KSTEP_F_SYS_ENTER:
		feed_sys_enter(c, f);
		break;
	case KSTEP_F_SYS_EXIT:
		feed_sys_exit(c, f);
		break;
	case KSTEP_F_EVENT:
		feed_event(c, f);
		break;
	case KSTEP_F_KSTACK:
		feed_stack(c, f, false);
		break;
	case KSTEP_F_USTACK:
		feed_stack(c, f, true);
		break;
	case KSTEP_F_SWITCH_OUT:
		feed_switch_out(c, f);
		break;
	case KSTEP_F_SWITCH_IN:
		feed_switch_in(c, f);
		break;
	}
}

/* Kernel stacks → frames, within one syscall */

/*
 * The part of n's stack to merge under parent P, outermost first in
 * path[0..*len): frames below the syscall handler (P a syscall) or below P's
 * function (P a probe span). Tracing frames at the top are dropped; *at gets
 * the address where the event happened.
 */
static bool stack_path(struct kstep_chain *c, const struct kstep_node *P, const struct kstep_node *n,
		       size_t *first, size_t *last, uint64_t *retip_out)
{
	size_t inner = 0, outer, i;
	bool found = false;

	while (inner < n->nstack && kstep_list_match("stack_skip", kstep_ksyms_name(c->ks, n->stack[inner])))
		inner++;
	if (inner >= n->nstack)
		return false;
	outer = n->nstack - 1;
	for (i = n->nstack; i-- > inner;) {
		const char *name = kstep_ksyms_name(c->ks, n->stack[i]);

		if (!name)
			continue;
		if (P->kind == KSTEP_NODE_SYSCALL ? kstep_list_match("syscall_anchor", name) :
		    (P->fn && kstep_func_same(name, P->fn->name))) {
			outer = i;
			found = true;
			break;
		}
	}
	if (!found && P->kind == KSTEP_NODE_SYSCALL) {
		/* no handler frame: start below the entry code */
		for (outer = n->nstack - 1; outer > inner; outer--)
			if (!kstep_list_match("stack_entry", kstep_ksyms_name(c->ks, n->stack[outer])))
				break;
		found = true;
	}
	if (!found)
		return false;
	/* below a probe span, the span itself is the outermost frame */
	if (P->kind != KSTEP_NODE_SYSCALL) {
		if (outer == inner)
			return false;
		outer--;
	}
	*first = outer;
	*last = inner;
	*retip_out = outer + 1 < n->nstack ? n->stack[outer + 1] : 0;
	return true;
}

static struct kstep_node *frame_child(struct kstep_chain *c, struct kstep_node *parent,
				      struct kstep_node **list_head, struct kstep_node **list_tail,
				      const char *name, uint64_t retip, const struct kstep_node *ev)
{
	struct kstep_node *k, *n;
	struct kstep_func *fn;

	for (k = list_head ? *list_head : parent->child; k; k = k->next) {
		if ((k->flags & KSTEP_NF_FRAME) && k->retip == retip && k->fn &&
		    !strcmp(k->fn->name, name)) {
			k->merged++;
			if (k->merged == 2) {
				c->st.frames_merged++;
				k->src = KSTEP_SRC_STACK_MERGED;
			}
			if (ev->t_entry > k->t_exit)
				k->t_exit = ev->t_entry;
			return k;
		}
	}
	{
		const struct kstep_ksym *s = c->ks ? kstep_ksyms_find(c->ks, name) : NULL;

		fn = func_get(c, name, s ? s->addr : 0, false);
	}
	n = gen_alloc(c, sizeof(*n));
	n->gen = gen_cur(c);
	n->kind = KSTEP_NODE_CALL;
	n->fn = fn;
	n->flags = KSTEP_NF_FRAME | KSTEP_NF_RETIP;
	n->retip = retip;
	n->merged = 1;
	n->src = KSTEP_SRC_STACK;
	n->sysnr = -1;
	n->ctx = parent->ctx;
	n->cpu = ev->cpu;
	n->t_entry = ev->t_entry;
	n->t_exit = ev->t_entry;
	n->parent = parent;
	c->st.nodes++;
	c->st.frames++;
	if (list_head) {
		if (*list_tail)
			(*list_tail)->next = n;
		else
			*list_head = n;
		*list_tail = n;
	} else {
		add_child(parent, n);
	}
	return n;
}

static void merge_under(struct kstep_chain *c, struct kstep_node *P)
{
	struct kstep_node *head = NULL, *tail = NULL, *k = P->child, *next;

	for (; k; k = next) {
		size_t first, last, i;
		uint64_t retip;
		struct kstep_node *cur = P;

		next = k->next;
		k->next = NULL;
		if (k->kind != KSTEP_NODE_EVENT || !k->stack ||
		    !stack_path(c, P, k, &first, &last, &retip)) {
			if (tail)
				tail->next = k;
			else
				head = k;
			tail = k;
			continue;
		}
		for (i = first + 1; i-- > last;) {
			const char *name = kstep_ksyms_name(c->ks, k->stack[i]);
			char buf[32];

			if (!name) {
				snprintf(buf, sizeof(buf), "0x%" PRIx64, k->stack[i]);
				name = buf;
			}
			cur = frame_child(c, cur, cur == P ? &head : NULL, cur == P ? &tail : NULL, name,
					  retip, k);
			retip = k->stack[i];
		}
		k->at = k->stack[last];
		k->flags |= KSTEP_NF_STACK_MERGED;
		k->parent = cur;
		k->next = NULL;
		if (cur->last)
			cur->last->next = k;
		else
			cur->child = k;
		cur->last = k;
	}
	P->child = head;
	P->last = tail;
}

static void merge_stacks(struct kstep_chain *c)
{
	struct kstep_node *n;

	for (n = c->root; n; n = kstep_node_next(n, c->root)) {
		if (n->kind == KSTEP_NODE_SYSCALL ||
		    (n->kind == KSTEP_NODE_CALL && (n->flags & KSTEP_NF_SPAN) && !(n->fn->flags & KSTEP_FN_USER)))
			merge_under(c, n);
	}
}

void kstep_chain_finish(struct kstep_chain *c)
{
	if (c->pending)
		take_pending(c, NULL);
	if (c->out_pending) {
		/* never came back (it exited): away until the trace ends */
		c->prev_ts = 0;
		make_offcpu(c, c->last_ts);
	}
	close_above(c, 0);
	merge_stacks(c);
	c->root->t_entry = c->first_ts;
	c->root->t_exit = c->last_ts;
	c->finished = true;
}

/* The child of the root that n is in. */
static const struct kstep_node *top_of(const struct kstep_chain *c, const struct kstep_node *n)
{
	while (n && n->parent && n->parent != c->root)
		n = n->parent;
	return n;
}

/* Can a later fact still change root child x? */
static bool still_open(const struct kstep_chain *c, const struct kstep_node *x)
{
	const struct kstep_node *k = x->next;
	int irqs = 0;

	if (c->finished)
		return false;
	if (c->pending || (c->depth > 1 && c->stk[1] == x))
		return true;
	/*
	 * The last child, or followed by interrupts only: a stack, a return
	 * probe or a duplicate syscall exit may still join it (a few
	 * interrupts at most: the hooks fire one after the other).
	 */
	while (k && k->kind == KSTEP_NODE_IRQ && irqs++ < 4)
		k = k->next;
	return !k;
}

struct kstep_node *kstep_chain_take(struct kstep_chain *c)
{
	struct kstep_node *x = c->root->child, *n;
	int i;

	if (!x || still_open(c, x))
		return NULL;
	c->root->child = x->next;
	if (c->root->last == x)
		c->root->last = NULL;
	x->next = NULL;
	/* nothing may point into it any more */
	for (i = 0; i < c->ncpuslots; i++)
		if (c->last_on_cpu[i] && top_of(c, c->last_on_cpu[i]) == x)
			c->last_on_cpu[i] = NULL;
	for (i = 0; i <= KSTEP_CTX_NMI; i++)
		if (c->last_closed[i] && top_of(c, c->last_closed[i]) == x)
			c->last_closed[i] = NULL;
	if (c->last_sysexit && top_of(c, c->last_sysexit) == x)
		c->last_sysexit = NULL;
	if (!c->finished)
		for (n = x; n; n = kstep_node_next(n, x))
			if (n->kind == KSTEP_NODE_SYSCALL ||
			    (n->kind == KSTEP_NODE_CALL && (n->flags & KSTEP_NF_SPAN) &&
			     !(n->fn->flags & KSTEP_FN_USER)))
				merge_under(c, n);
	return x;
}

void kstep_chain_release(struct kstep_chain *c)
{
	uint32_t live = gen_cur(c);
	const struct kstep_node *k;
	size_t drop = 0, i;

	for (k = c->root->child; k; k = k->next)
		if (k->gen < live)
			live = k->gen;
	while (drop + 1 < c->ngens && c->gen0 + drop < live)
		drop++;
	for (i = 0; i < drop; i++)
		kstep_arena_free(&c->gens[i]);
	if (drop) {
		memmove(c->gens, c->gens + drop, (c->ngens - drop) * sizeof(*c->gens));
		c->ngens -= drop;
		c->gen0 += (uint32_t)drop;
	}
	/* a new generation once the current one is worth freeing on its own */
	if (c->gens[c->ngens - 1].used_bytes >= GEN_BYTES) {
		c->gens = kstep_xrealloc(c->gens, (c->ngens + 1) * sizeof(*c->gens));
		memset(&c->gens[c->ngens], 0, sizeof(*c->gens));
		c->gens[c->ngens].charge = CHAIN_CHARGE;
		c->ngens++;
	}
}

struct kstep_node *kstep_chain_root(const struct kstep_chain *c)
{
	return c->root;
}

const struct kstep_chain_stats *kstep_chain_stats(const struct kstep_chain *c)
{
	return &c->st;
}

const char *kstep_node_name(const struct kstep_node *n)
{
	switch (n->kind) {
	case KSTEP_NODE_CALL:
		return n->fn ? n->fn->name : "?";
	case KSTEP_NODE_ROOT:
		return "task";
	default:
		return n->name ? n->name : "?";
	}
}

struct kstep_node *kstep_chain_wrap(struct kstep_chain *c, struct kstep_node *first, struct kstep_node *last,
				    const char *name, unsigned src)
{
	struct kstep_node *p = first->parent, *prev = NULL, *k, *n, *after = last->next;

	for (k = p->child; k && k != first; k = k->next)
		prev = k;
	n = gen_alloc(c, sizeof(*n));
	n->gen = gen_cur(c);
	n->kind = KSTEP_NODE_CALL;
	n->fn = func_get(c, name, 0, false);
	n->flags = KSTEP_NF_INLINE;
	n->src = (uint16_t)src;
	n->sysnr = -1;
	n->ctx = first->ctx;
	n->cpu = first->cpu;
	n->t_entry = first->t_entry;
	n->t_exit = last->t_exit ? last->t_exit : last->t_entry;
	n->parent = p;
	n->child = first;
	n->last = last;
	for (k = first; k; k = k->next) {
		k->parent = n;
		if (k == last)
			break;
	}
	last->next = NULL;
	n->next = after;
	if (prev)
		prev->next = n;
	else
		p->child = n;
	if (p->last == last)
		p->last = n;
	c->st.nodes++;
	return n;
}

uint64_t kstep_node_dur(const struct kstep_node *n)
{
	if (n->flags & (KSTEP_NF_FRAME | KSTEP_NF_POINT | KSTEP_NF_INLINE))
		return 0;
	if (n->dur)
		return n->dur;
	if (n->t_entry && n->t_exit > n->t_entry && !(n->flags & (KSTEP_NF_NO_ENTRY | KSTEP_NF_NO_EXIT)))
		return n->t_exit - n->t_entry;
	return 0;
}

struct kstep_node *kstep_node_next(struct kstep_node *n, const struct kstep_node *topn)
{
	if (n->child)
		return n->child;
	while (n && n != topn) {
		if (n->next)
			return n->next;
		n = n->parent;
	}
	return NULL;
}

struct kstep_val *kstep_node_val(const struct kstep_node *n, const char *name)
{
	struct kstep_val *v;

	for (v = n->vals; v; v = v->next)
		if (!strcmp(v->name, name))
			return v;
	return NULL;
}
