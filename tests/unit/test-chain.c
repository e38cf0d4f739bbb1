/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-chain.c - the chain builder on hand-made fact sequences: the cases a
 * real trace produces but a fixture cannot pin down one at a time (nesting,
 * lost exits and entries, a task moving between CPUs, an interrupt inside a
 * call, a return probe without its entry, a slab address used twice), and
 * the function_graph return value of kernels newer than the fixtures'.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event-parse.h>

#include "chain.h"
#include "event.h"
#include "facts.h"
#include "load.h"
#include "steps.h"

/* Facts */

static struct kstep_fact fact(enum kstep_fact_kind kind, uint64_t ts, int cpu, const char *name)
{
	struct kstep_fact f = { .kind = kind, .ts = ts, .cpu = cpu, .name = name };

	switch (kind) {
	case KSTEP_F_ENTRY:
	case KSTEP_F_EXIT:
		f.src = KSTEP_SRC_FGRAPH;
		break;
	case KSTEP_F_SYS_ENTER:
	case KSTEP_F_SYS_EXIT:
		f.src = KSTEP_SRC_SYSCALL;
		break;
	case KSTEP_F_EVENT:
		f.src = KSTEP_SRC_EVENT;
		break;
	default:
		f.src = KSTEP_SRC_KPROBE;
	}
	return f;
}

static void feed(struct kstep_chain *c, enum kstep_fact_kind kind, uint64_t ts, int cpu,
		 const char *name)
{
	struct kstep_fact f = fact(kind, ts, cpu, name);

	kstep_chain_feed(c, &f);
}

/* sock_alloc's return probe at ts, with the return value the tests use. */
static void feed_sock_alloc_ret(struct kstep_chain *c, uint64_t ts, uint64_t addr)
{
	struct kstep_fact f = fact(KSTEP_F_PROBE_RET, ts, 0, "sock_alloc");

	f.addr = addr;
	f.retv = kstep_chain_val(c, "retval", 0xffff888004a3c000, KSTEP_VT_HEX, KSTEP_VAL_OUT);
	kstep_chain_feed(c, &f);
}

/* Did n get sock_alloc's return value from its return probe? */
static void assert_sock_alloc_ret(const struct kstep_node *n)
{
	assert_non_null(n);
	assert_true(n->flags & KSTEP_NF_PROBED_RET);
	assert_non_null(n->retv);
	assert_int_equal(n->retv->num, 0xffff888004a3c000);
}

/* The children of n as "a,b,c". */
static const char *children(const struct kstep_node *n)
{
	static char buf[512];
	const struct kstep_node *k;

	buf[0] = '\0';
	for (k = n->child; k; k = k->next) {
		if (buf[0])
			strcat(buf, ",");
		strcat(buf, kstep_node_name(k));
	}
	return buf;
}

/* The first node named name in pre-order, or NULL. */
static struct kstep_node *find(struct kstep_chain *c, const char *name)
{
	struct kstep_node *root = kstep_chain_root(c), *n;

	for (n = root->child; n; n = kstep_node_next(n, root))
		if (!strcmp(kstep_node_name(n), name))
			return n;
	return NULL;
}

/* Tests */

static void nesting(void **state)
{
	struct kstep_chain *c = kstep_chain_new(NULL, 8);
	struct kstep_node *a, *b;

	(void)state;
	feed(c, KSTEP_F_ENTRY, 100, 0, "a");
	feed(c, KSTEP_F_ENTRY, 110, 0, "b");
	feed(c, KSTEP_F_ENTRY, 120, 0, "c");
	feed(c, KSTEP_F_EXIT, 130, 0, "c");
	feed(c, KSTEP_F_ENTRY, 140, 0, "d");
	feed(c, KSTEP_F_EXIT, 150, 0, "d");
	feed(c, KSTEP_F_EXIT, 160, 0, "b");
	feed(c, KSTEP_F_ENTRY, 170, 0, "e");
	feed(c, KSTEP_F_EXIT, 180, 0, "e");
	feed(c, KSTEP_F_EXIT, 200, 0, "a");
	kstep_chain_finish(c);
	assert_string_equal(children(kstep_chain_root(c)), "a");
	a = find(c, "a");
	b = find(c, "b");
	assert_string_equal(children(a), "b,e");
	assert_string_equal(children(b), "c,d");
	assert_int_equal(kstep_node_dur(a), 100);
	assert_int_equal(kstep_node_dur(b), 50);
	assert_int_equal(kstep_chain_stats(c)->no_exit + kstep_chain_stats(c)->no_entry, 0);
	kstep_chain_free(c);
}

/* An exit that never came is closed by its caller's exit and said so. */
static void missing_exit(void **state)
{
	struct kstep_chain *c = kstep_chain_new(NULL, 8);
	struct kstep_node *b;

	(void)state;
	feed(c, KSTEP_F_ENTRY, 100, 0, "a");
	feed(c, KSTEP_F_ENTRY, 110, 0, "b");
	feed(c, KSTEP_F_ENTRY, 120, 0, "c");
	feed(c, KSTEP_F_EXIT, 200, 0, "a");
	feed(c, KSTEP_F_ENTRY, 210, 0, "d");
	feed(c, KSTEP_F_EXIT, 220, 0, "d");
	kstep_chain_finish(c);
	b = find(c, "b");
	assert_true(b->flags & KSTEP_NF_NO_EXIT);
	assert_true(find(c, "c")->flags & KSTEP_NF_NO_EXIT);
	assert_false(find(c, "a")->flags & KSTEP_NF_NO_EXIT);
	/* d comes after a, not inside the calls that lost their exits */
	assert_string_equal(children(kstep_chain_root(c)), "a,d");
	assert_int_equal(kstep_chain_stats(c)->no_exit, 2);
	kstep_chain_free(c);
}

/* An exit whose entry was lost (recording started inside the call). */
static void missing_entry(void **state)
{
	struct kstep_chain *c = kstep_chain_new(NULL, 8);
	struct kstep_fact f = fact(KSTEP_F_EXIT, 150, 0, "x");

	(void)state;
	f.has_times = true;
	f.calltime = 90;
	f.rettime = 150;
	kstep_chain_feed(c, &f);
	feed(c, KSTEP_F_ENTRY, 160, 0, "y");
	feed(c, KSTEP_F_EXIT, 170, 0, "y");
	kstep_chain_finish(c);
	assert_string_equal(children(kstep_chain_root(c)), "x,y");
	assert_true(find(c, "x")->flags & KSTEP_NF_NO_ENTRY);
	/* function_graph's own times still give the duration */
	assert_int_equal(kstep_node_dur(find(c, "x")), 60);
	assert_int_equal(kstep_chain_stats(c)->no_entry, 1);
	kstep_chain_free(c);
}

/*
 * The task migrates: the call starts on CPU 0 and ends on CPU 1; a stack
 * arriving on CPU 0 after an event on CPU 1 belongs to the last event of the
 * task on CPU 0.
 */
static void interleaved_cpus(void **state)
{
	struct kstep_chain *c = kstep_chain_new(NULL, 8);
	struct kstep_fact st = fact(KSTEP_F_KSTACK, 0, 0, NULL);
	static const uint64_t frames[] = { 0xffffffff81000010, 0xffffffff81000020 };

	(void)state;
	feed(c, KSTEP_F_SYS_ENTER, 100, 0, "socket");
	feed(c, KSTEP_F_EVENT, 110, 0, "kmem:kmem_cache_alloc");
	feed(c, KSTEP_F_EVENT, 120, 1, "sched:sched_migrate_task");
	st.ts = 111;
	st.stack = frames;
	st.nstack = 2;
	kstep_chain_feed(c, &st);
	feed(c, KSTEP_F_SYS_EXIT, 200, 1, "socket");
	kstep_chain_finish(c);
	assert_string_equal(children(kstep_chain_root(c)), "socket");
	/* the stack became frames (outermost first) above the allocation */
	assert_string_equal(children(find(c, "socket")), "0xffffffff81000020,sched:sched_migrate_task");
	assert_int_equal(find(c, "kmem:kmem_cache_alloc")->nstack, 2);
	assert_true(find(c, "kmem:kmem_cache_alloc")->parent->flags & KSTEP_NF_FRAME);
	assert_null(find(c, "sched:sched_migrate_task")->stack);
	assert_int_equal(kstep_node_dur(find(c, "socket")), 100);
	kstep_chain_free(c);
}

/* Interrupt work inside a call is an interrupt node, not a callee. */
static void irq_inside_call(void **state)
{
	struct kstep_chain *c = kstep_chain_new(NULL, 8);
	struct kstep_fact f;
	struct kstep_node *a, *irq;

	(void)state;
	feed(c, KSTEP_F_ENTRY, 100, 0, "a");
	f = fact(KSTEP_F_ENTRY, 110, 0, "timer_handler");
	f.ctx = KSTEP_CTX_HARDIRQ;
	kstep_chain_feed(c, &f);
	f = fact(KSTEP_F_EXIT, 120, 0, "timer_handler");
	f.ctx = KSTEP_CTX_HARDIRQ;
	kstep_chain_feed(c, &f);
	feed(c, KSTEP_F_ENTRY, 130, 0, "b");
	feed(c, KSTEP_F_EXIT, 140, 0, "b");
	feed(c, KSTEP_F_EXIT, 150, 0, "a");
	kstep_chain_finish(c);
	a = find(c, "a");
	irq = a->child;
	assert_non_null(irq);
	assert_int_equal(irq->kind, KSTEP_NODE_IRQ);
	assert_int_equal(irq->ctx, KSTEP_CTX_HARDIRQ);
	assert_string_equal(children(irq), "timer_handler");
	/* b is a's callee again, after the interrupt */
	assert_ptr_equal(irq->next, find(c, "b"));
	assert_ptr_equal(find(c, "b")->parent, a);
	assert_int_equal(kstep_chain_stats(c)->irqs, 1);
	kstep_chain_free(c);
}

/* A kretprobe whose entry was not seen still shows its return value. */
static void kretprobe_without_entry(void **state)
{
	struct kstep_chain *c = kstep_chain_new(NULL, 8);
	struct kstep_node *n;

	(void)state;
	kstep_chain_note_retprobe(c, 0xffffffff81a00000);
	feed_sock_alloc_ret(c, 200, 0xffffffff81a00000);
	kstep_chain_finish(c);
	n = find(c, "sock_alloc");
	assert_sock_alloc_ret(n);
	assert_true(n->flags & KSTEP_NF_NO_ENTRY);
	assert_int_equal(kstep_chain_stats(c)->no_entry, 1);
	kstep_chain_free(c);
}

/* A kprobe and a kretprobe on a function_graph call merge into its node. */
static void probes_merge_into_fgraph(void **state)
{
	struct kstep_chain *c = kstep_chain_new(NULL, 8);
	struct kstep_fact f;
	struct kstep_node *n;

	(void)state;
	feed(c, KSTEP_F_ENTRY, 100, 0, "__sys_socket");
	feed(c, KSTEP_F_ENTRY, 110, 0, "sock_alloc");
	f = fact(KSTEP_F_PROBE, 111, 0, "sock_alloc");
	kstep_chain_feed(c, &f);
	feed(c, KSTEP_F_EXIT, 150, 0, "sock_alloc");
	feed_sock_alloc_ret(c, 151, 0);
	feed(c, KSTEP_F_EXIT, 200, 0, "__sys_socket");
	kstep_chain_finish(c);
	assert_string_equal(children(find(c, "__sys_socket")), "sock_alloc");
	n = find(c, "sock_alloc");
	assert_true(n->src & KSTEP_SRC_FGRAPH);
	assert_true(n->src & KSTEP_SRC_KPROBE);
	assert_sock_alloc_ret(n);
	kstep_chain_free(c);
}

/* One fact with a syscall number and, for an interrupt's, its context. */
static void feed_nr(struct kstep_chain *c, enum kstep_fact_kind kind, uint64_t ts, const char *name, long nr,
		    uint8_t ctx)
{
	struct kstep_fact f = fact(kind, ts, 0, name);

	f.sysnr = nr;
	f.ctx = ctx;
	kstep_chain_feed(c, &f);
}

/*
 * An interrupt between function_graph's return hook and the kretprobe's
 * (both replace the return address; the kernel runs them one after the
 * other with interrupts on): the return value still joins the call. A 6.12
 * guest under TCG showed sock_alloc twice, once with no entry.
 */
static void interrupt_before_kretprobe(void **state)
{
	struct kstep_chain *c = kstep_chain_new(NULL, 8);
	struct kstep_node *n;

	(void)state;
	feed(c, KSTEP_F_ENTRY, 100, 0, "__sock_create");
	feed(c, KSTEP_F_ENTRY, 110, 0, "sock_alloc");
	feed(c, KSTEP_F_EXIT, 150, 0, "sock_alloc");
	feed_nr(c, KSTEP_F_ENTRY, 152, "timer_handler", -1, KSTEP_CTX_HARDIRQ);
	feed_nr(c, KSTEP_F_EXIT, 160, "timer_handler", -1, KSTEP_CTX_HARDIRQ);
	feed_sock_alloc_ret(c, 170, 0);
	feed(c, KSTEP_F_EXIT, 200, 0, "__sock_create");
	kstep_chain_finish(c);
	assert_string_equal(children(find(c, "__sock_create")), "sock_alloc,hardirq");
	n = find(c, "sock_alloc");
	assert_sock_alloc_ret(n);
	assert_false(n->flags & KSTEP_NF_NO_ENTRY);
	assert_int_equal(kstep_chain_stats(c)->no_entry, 0);
	kstep_chain_free(c);
}

/*
 * raw_syscalls and syscalls tracepoints of one call are one syscall, also
 * when an interrupt (hundreds of microseconds under TCG) comes between the
 * two; a second call of the same syscall after real work is a second node.
 */
static void interrupt_between_syscall_tracepoints(void **state)
{
	struct kstep_chain *c = kstep_chain_new(NULL, 8);
	struct kstep_node *sc;

	(void)state;
	feed_nr(c, KSTEP_F_SYS_ENTER, 1000, "syscall_41", 41, KSTEP_CTX_TASK);
	feed_nr(c, KSTEP_F_ENTRY, 1010, "timer_handler", -1, KSTEP_CTX_HARDIRQ);
	feed_nr(c, KSTEP_F_EXIT, 400000, "timer_handler", -1, KSTEP_CTX_HARDIRQ);
	feed_nr(c, KSTEP_F_SYS_ENTER, 400100, "socket", 41, KSTEP_CTX_TASK);
	feed_nr(c, KSTEP_F_ENTRY, 410000, "__sys_socket", -1, KSTEP_CTX_TASK);
	feed_nr(c, KSTEP_F_EXIT, 420000, "__sys_socket", -1, KSTEP_CTX_TASK);
	feed_nr(c, KSTEP_F_SYS_EXIT, 430000, "socket", 41, KSTEP_CTX_TASK);
	feed_nr(c, KSTEP_F_ENTRY, 430010, "timer_handler", -1, KSTEP_CTX_HARDIRQ);
	feed_nr(c, KSTEP_F_EXIT, 800000, "timer_handler", -1, KSTEP_CTX_HARDIRQ);
	/* streaming: the call is not handed on while only an interrupt follows it */
	assert_null(kstep_chain_take(c));
	feed_nr(c, KSTEP_F_SYS_EXIT, 800100, "syscall_41", 41, KSTEP_CTX_TASK);
	/* the next socket() call, just as close to the last exit but a call of its own */
	feed_nr(c, KSTEP_F_SYS_ENTER, 800200, "syscall_41", 41, KSTEP_CTX_TASK);
	feed_nr(c, KSTEP_F_SYS_EXIT, 900000, "syscall_41", 41, KSTEP_CTX_TASK);
	kstep_chain_finish(c);
	assert_string_equal(children(kstep_chain_root(c)), "socket,hardirq,syscall_41");
	sc = find(c, "socket");
	assert_string_equal(children(sc), "hardirq,__sys_socket");
	assert_false(sc->flags & KSTEP_NF_NO_ENTRY);
	assert_int_equal(sc->t_exit, 430000);
	assert_int_equal(kstep_chain_stats(c)->no_entry, 0);
	kstep_chain_free(c);
}

/* Both exits of a call whose entry came before the recording: one node. */
static void syscall_exits_without_entry(void **state)
{
	struct kstep_chain *c = kstep_chain_new(NULL, 8);

	(void)state;
	feed_nr(c, KSTEP_F_SYS_EXIT, 1000, "socket", 41, KSTEP_CTX_TASK);
	feed_nr(c, KSTEP_F_ENTRY, 1010, "timer_handler", -1, KSTEP_CTX_HARDIRQ);
	feed_nr(c, KSTEP_F_EXIT, 300000, "timer_handler", -1, KSTEP_CTX_HARDIRQ);
	feed_nr(c, KSTEP_F_SYS_EXIT, 300100, "syscall_41", 41, KSTEP_CTX_TASK);
	kstep_chain_finish(c);
	assert_string_equal(children(kstep_chain_root(c)), "socket,hardirq");
	assert_int_equal(kstep_chain_stats(c)->no_entry, 1);
	kstep_chain_free(c);
}

/* Off-CPU time inside a call is its own node. */
static void offcpu(void **state)
{
	struct kstep_chain *c = kstep_chain_new(NULL, 8);
	struct kstep_node *a;

	(void)state;
	feed(c, KSTEP_F_ENTRY, 100, 0, "a");
	feed(c, KSTEP_F_SWITCH_OUT, 110, 0, NULL);
	feed(c, KSTEP_F_SWITCH_IN, 510, 1, NULL);
	feed(c, KSTEP_F_EXIT, 520, 1, "a");
	kstep_chain_finish(c);
	a = find(c, "a");
	assert_non_null(a->child);
	assert_int_equal(a->child->kind, KSTEP_NODE_OFFCPU);
	assert_int_equal(kstep_node_dur(a->child), 400);
	assert_int_equal(kstep_node_dur(a), 420);
	kstep_chain_free(c);
}

/* Steps */

static struct kstep_val *ptr_val(struct kstep_chain *c, const char *name, uint64_t v,
				 enum kstep_val_role role)
{
	struct kstep_val *x = kstep_chain_val(c, name, v, KSTEP_VT_HEX, role);

	x->src = KSTEP_SRC_EVENT;
	return x;
}

static void event_with(struct kstep_chain *c, uint64_t ts, const char *name, struct kstep_val *v)
{
	struct kstep_fact f = fact(KSTEP_F_EVENT, ts, 0, name);

	f.vals = v;
	kstep_chain_feed(c, &f);
}

static const struct kstep_step *step_named(const struct kstep_steps *st, const char *name, int nth)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		if (!strcmp(kstep_node_name(st->v[i].node), name) && !--nth)
			return &st->v[i];
	return NULL;
}

/*
 * A slab address is produced, freed and produced again: a use after the
 * second allocation cites the second one (the latest producer), and a
 * pointer nothing produced is underived and fails the log.
 */
static void reused_pointer(void **state)
{
	const uint64_t p = 0xffff888003f1a000;
	struct kstep_chain *c = kstep_chain_new(NULL, 8);
	struct kstep_selection sel = { .to = UINT64_MAX };
	struct kstep_steps_opts o = { 0 };
	struct kstep_steps *st;
	const struct kstep_step *use1, *use2, *alloc2, *odd;

	(void)state;
	feed(c, KSTEP_F_SYS_ENTER, 100, 0, "socket");
	event_with(c, 110, "kmem:kmem_cache_alloc", ptr_val(c, "ptr", p, KSTEP_VAL_OUT));
	event_with(c, 120, "net:use", ptr_val(c, "sk", p, KSTEP_VAL_IN));
	event_with(c, 130, "kmem:kmem_cache_free", ptr_val(c, "ptr", p, KSTEP_VAL_IN));
	event_with(c, 140, "kmem:kmem_cache_alloc", ptr_val(c, "ptr", p, KSTEP_VAL_OUT));
	event_with(c, 150, "net:use", ptr_val(c, "sk", p, KSTEP_VAL_IN));
	event_with(c, 160, "net:odd", ptr_val(c, "sk", 0xffff888007770000, KSTEP_VAL_IN));
	feed(c, KSTEP_F_SYS_EXIT, 200, 0, "socket");
	kstep_chain_finish(c);
	st = kstep_steps_build(c, NULL, &sel, &o);
	assert_non_null(st);
	use1 = step_named(st, "net:use", 1);
	use2 = step_named(st, "net:use", 2);
	alloc2 = step_named(st, "kmem:kmem_cache_alloc", 2);
	odd = step_named(st, "net:odd", 1);
	assert_non_null(use1);
	assert_non_null(use2);
	assert_non_null(alloc2);
	assert_int_equal(alloc2->node->vals->deriv, KSTEP_DERIV_PRODUCED);
	assert_int_equal(use1->node->vals->deriv, KSTEP_DERIV_STEP);
	assert_int_equal(use1->node->vals->from_step, step_named(st, "kmem:kmem_cache_alloc", 1)->n);
	assert_int_equal(use2->node->vals->deriv, KSTEP_DERIV_STEP);
	assert_int_equal(use2->node->vals->from_step, alloc2->n);
	assert_int_equal(odd->node->vals->deriv, KSTEP_DERIV_UNDERIVED);
	assert_int_equal(st->underived.n, 1);
	assert_false(st->pass);
	kstep_steps_free(st);
	kstep_chain_free(c);
}

/* A kprobe hit on name at ts with its values (merged into name's function_graph call, if any). */
static void probe_hit(struct kstep_chain *c, uint64_t ts, const char *name, struct kstep_val **vals)
{
	struct kstep_fact f = fact(KSTEP_F_PROBE, ts, 0, name);

	f.vals = *vals;
	f.addr = 0xffffffff81000000ULL;
	kstep_chain_feed(c, &f);
}

static struct kstep_val *int_val(struct kstep_chain *c, const char *name, uint64_t v)
{
	return kstep_chain_val(c, name, v, KSTEP_VT_INT, KSTEP_VAL_IN);
}

/*
 * Integers along the data flow: an argument passed down from the call it
 * runs in cites that call (a small one only from its direct caller's
 * argument of the same name); an integer argument nothing accounts for and
 * that is neither small nor named is underived, listed like a pointer.
 */
static void passed_and_underived_ints(void **state)
{
	struct kstep_chain *c = kstep_chain_new(NULL, 8);
	struct kstep_selection sel = { .to = UINT64_MAX };
	struct kstep_steps_opts o = { 0 };
	struct kstep_val *ov = NULL, *iv = NULL, *len, *mode, *size, *count, *small, *mode2;
	struct kstep_node *outer, *inner;
	struct kstep_steps *st;
	const struct kstep_note *nt;

	(void)state;
	feed(c, KSTEP_F_SYS_ENTER, 100, 0, "socket");
	feed(c, KSTEP_F_ENTRY, 110, 0, "outer");
	kstep_val_append(&ov, (len = int_val(c, "len", 4096)));
	kstep_val_append(&ov, (mode = int_val(c, "mode", 3)));
	probe_hit(c, 111, "outer", &ov);
	feed(c, KSTEP_F_ENTRY, 120, 0, "inner");
	kstep_val_append(&iv, (size = int_val(c, "size", 4096)));
	kstep_val_append(&iv, (count = int_val(c, "count", 777)));
	kstep_val_append(&iv, (small = int_val(c, "flagsish", 3)));
	kstep_val_append(&iv, (mode2 = int_val(c, "mode", 3)));
	probe_hit(c, 121, "inner", &iv);
	feed(c, KSTEP_F_EXIT, 130, 0, "inner");
	feed(c, KSTEP_F_EXIT, 140, 0, "outer");
	feed(c, KSTEP_F_SYS_EXIT, 200, 0, "socket");
	kstep_chain_finish(c);
	outer = find(c, "outer");
	inner = find(c, "inner");
	assert_non_null(outer);
	assert_non_null(inner);
	st = kstep_steps_build(c, NULL, &sel, &o);
	assert_non_null(st);
	assert_int_equal(len->deriv, KSTEP_DERIV_UNDERIVED);
	assert_int_equal(mode->deriv, KSTEP_DERIV_NONE);	/* small: a constant, not a gap */
	assert_int_equal(size->deriv, KSTEP_DERIV_STEP);	/* 4096 passed down from outer's len */
	assert_int_equal(size->from_step, outer->step);
	assert_true(size->from_step < inner->step);
	assert_int_equal(count->deriv, KSTEP_DERIV_UNDERIVED);
	assert_int_equal(small->deriv, KSTEP_DERIV_NONE);	/* 3 under another name: chance */
	assert_int_equal(mode2->deriv, KSTEP_DERIV_STEP);	/* 3 from the caller's own mode */
	assert_int_equal(st->underived.n, 2);
	nt = kstep_vec_at(&st->underived, 0);
	assert_non_null(strstr(nt->text, "len=4096"));
	nt = kstep_vec_at(&st->underived, 1);
	assert_non_null(strstr(nt->text, "count=777"));
	assert_false(st->pass);
	kstep_steps_free(st);
	kstep_chain_free(c);
}

/* The applied plan of null_base_fetch, as kstep record stores it. */
static const char fd_install_plan[] =
	"kprobe fd_install fd=%di:u32 file=%si:x64 window  # event kstep_1/fd_install\n"
	"field fd_install file->private_data  # file_private_data=+32(%si):x64\n"
	"field fd_install file->private_data:socket->sk  # file_private_data_sk=+24(+32(%si)):x64\n"
	"kprobe sock_alloc_file sock=%si:x64 dname=%dx:x64 d0=+0(%dx):u64 d8=+8(%cx):u64  # event kstep_1/sock_alloc_file\n";

/*
 * A kprobe's BTF field fetched through a NULL base (file=0, so
 * file->private_data and file->private_data->sk read nothing): the record's
 * numbers are shown as "unreadable", never derived, never underived. The
 * applied plan says which field is read through which.
 */
static void null_base_fetch(void **state)
{
	struct kstep_chain *c = kstep_chain_new(NULL, 8);
	struct kstep_selection sel = { .to = UINT64_MAX };
	struct kstep_fetches *fx = kstep_fetches_parse(fd_install_plan);
	struct kstep_steps_opts o = { .fetches = fx };
	struct kstep_val *v = NULL, *file, *pd, *sk;
	struct kstep_steps *st;
	char raw[64];

	(void)state;
	feed(c, KSTEP_F_SYS_ENTER, 100, 0, "socket");
	kstep_val_append(&v, (file = kstep_chain_val(c, "file", 0, KSTEP_VT_HEX, KSTEP_VAL_IN)));
	kstep_val_append(&v, (pd = kstep_chain_val(c, "file_private_data", 0xd92c0000deadbeefULL, KSTEP_VT_HEX,
						    KSTEP_VAL_IN)));
	kstep_val_append(&v, (sk = kstep_chain_val(c, "file_private_data_sk", 0xffff888012345678ULL,
						    KSTEP_VT_HEX, KSTEP_VAL_IN)));
	probe_hit(c, 110, "fd_install", &v);
	feed(c, KSTEP_F_SYS_EXIT, 200, 0, "socket");
	kstep_chain_finish(c);
	st = kstep_steps_build(c, NULL, &sel, &o);
	assert_non_null(st);
	assert_false(file->unreadable);
	assert_true(pd->unreadable);
	assert_true(sk->unreadable);
	kstep_val_raw(sk, raw, sizeof(raw));
	assert_string_equal(raw, "unreadable");
	assert_int_equal(st->underived.n, 0);
	assert_true(st->pass);
	kstep_steps_free(st);
	kstep_chain_free(c);
	kstep_fetches_free(fx);
}

/*
 * Any fetch, not only kstep's own fields: d0=+0(%dx) with dname=%dx = 0 read
 * nothing; d8=+8(%cx) has no fetched base, so nothing says it failed.
 */
static void null_base_plan_fetch(void **state)
{
	struct kstep_chain *c = kstep_chain_new(NULL, 8);
	struct kstep_selection sel = { .to = UINT64_MAX };
	struct kstep_fetches *fx = kstep_fetches_parse(fd_install_plan);
	struct kstep_steps_opts o = { .fetches = fx };
	struct kstep_val *v = NULL, *dname, *d0, *d8;
	struct kstep_steps *st;

	(void)state;
	feed(c, KSTEP_F_SYS_ENTER, 100, 0, "socket");
	kstep_val_append(&v, (dname = kstep_chain_val(c, "dname", 0, KSTEP_VT_HEX, KSTEP_VAL_IN)));
	kstep_val_append(&v, (d0 = kstep_chain_val(c, "d0", 0xd92c0000deadbeefULL, KSTEP_VT_UINT, KSTEP_VAL_IN)));
	kstep_val_append(&v, (d8 = kstep_chain_val(c, "d8", 77, KSTEP_VT_UINT, KSTEP_VAL_IN)));
	probe_hit(c, 110, "sock_alloc_file", &v);
	feed(c, KSTEP_F_SYS_EXIT, 200, 0, "socket");
	kstep_chain_finish(c);
	st = kstep_steps_build(c, NULL, &sel, &o);
	assert_non_null(st);
	assert_false(dname->unreadable);
	assert_true(d0->unreadable);
	assert_false(d8->unreadable);
	kstep_steps_free(st);
	kstep_chain_free(c);
	kstep_fetches_free(fx);
}

/* The base of a fetch expression, as the kernel's probe syntax nests them. */
static void fetch_bases(void **state)
{
	char out[64];

	(void)state;
	assert_true(kstep_fetch_base("+24(+32(%si))", out, sizeof(out)));
	assert_string_equal(out, "+32(%si)");
	assert_true(kstep_fetch_base("+32(%si)", out, sizeof(out)));
	assert_string_equal(out, "%si");
	assert_true(kstep_fetch_base("-8(%sp)", out, sizeof(out)));
	assert_string_equal(out, "%sp");
	assert_true(kstep_fetch_base("+u0(%di)", out, sizeof(out)));
	assert_string_equal(out, "%di");
	assert_true(kstep_fetch_base("sock->sk", out, sizeof(out)));
	assert_string_equal(out, "sock");
	assert_false(kstep_fetch_base("%si", out, sizeof(out)));
	assert_false(kstep_fetch_base("$retval", out, sizeof(out)));
	assert_false(kstep_fetch_base("@jiffies", out, sizeof(out)));
}

/*
 * The applied plan comes from the file: malformed lines name nothing and
 * read nothing outside the text (ASan checks the exact-size copy), and a
 * line's event is never taken from the next line.
 */
static void fetches_hostile(void **state)
{
	static const char *const texts[] = {
		"kprobe # event a/b",
		"kprobe f x=+8(%si):u64 # no event here\nkprobe g y=%si:u64  # event grp/g",
		"kprobe f x=+8(%si  # event grp/",
		"field  # ",
		"kprobe f =%si # event g/f",
		"uprobe libc:socket domain=%di:s32  # /lib/x.so+0x10 event",
	};
	struct kstep_fetches *f;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		size_t n = strlen(texts[i]) + 1;
		char *buf = malloc(n);

		assert_non_null(buf);
		memcpy(buf, texts[i], n);
		f = kstep_fetches_parse(buf);
		if (i == 1) {
			assert_non_null(f);
			assert_null(kstep_fetches_get(f, "g", "x"));
			assert_string_equal(kstep_fetches_get(f, "g", "y"), "%si");
		} else if (i == 2) {
			assert_null(kstep_fetches_get(f, "", "x"));
		}
		kstep_fetches_free(f);
		free(buf);
	}
}


/* function_graph return values, from format text as 6.5+ kernels write it */

static const char fg_entry_fmt[] =
	"name: funcgraph_entry\nID: 11\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
	"\tfield:unsigned long func;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:int depth;\toffset:16;\tsize:4;\tsigned:1;\n\n"
	"print fmt: \"--> %ps (%d)\", REC->func, REC->depth\n";

static const char fg_exit_fmt[] =
	"name: funcgraph_exit\nID: 10\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
	"\tfield:unsigned long func;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned long retval;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:int depth;\toffset:24;\tsize:4;\tsigned:1;\n"
	"\tfield:unsigned int overrun;\toffset:28;\tsize:4;\tsigned:0;\n"
	"\tfield:unsigned long long calltime;\toffset:32;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned long long rettime;\toffset:40;\tsize:8;\tsigned:0;\n\n"
	"print fmt: \"func=%ps retval=%lx depth=%d\", REC->func, REC->retval, REC->depth\n";

struct fgrec {
	uint16_t type;
	uint8_t flags;
	uint8_t preempt;
	int32_t pid;
	uint64_t func;
	uint64_t retval;	/* exit; an entry's depth (0) sits here */
	int32_t depth;
	uint32_t overrun;
	uint64_t calltime;
	uint64_t rettime;
};

static int add(struct kstep_chain *c, struct tep_handle *tep, struct kstep_evtab *t,
	       const struct fgrec *r, uint64_t ts)
{
	struct kstep_rec rec = { .ts = ts, .cpu = 0, .data = r, .size = sizeof(*r) };
	struct kstep_facts *fx;
	int used;

	rec.event = tep_find_event(tep, r->type);
	rec.tr.data = (void *)r;
	rec.tr.size = sizeof(*r);
	rec.tr.ts = ts;
	fx = kstep_facts_new(c, 8, NULL);
	used = kstep_facts_add_record(fx, tep, &rec, kstep_evtab_get(t, rec.event), 42);

	kstep_facts_free(fx);
	return used;
}

static void fgraph_retval(void **state)
{
	const uint64_t fn = 0xffffffff81b00000;
	struct tep_handle *tep = tep_alloc();
	struct kstep_evtab *t;
	struct kstep_chain *c;
	struct fgrec in = { .type = 11, .pid = 42, .func = fn }, out;
	struct kstep_node *n;

	(void)state;
	tep_set_long_size(tep, 8);
	tep_set_file_bigendian(tep, TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(tep, TEP_LITTLE_ENDIAN);
	assert_int_equal(tep_parse_event(tep, fg_entry_fmt, sizeof(fg_entry_fmt) - 1, "ftrace"), 0);
	assert_int_equal(tep_parse_event(tep, fg_exit_fmt, sizeof(fg_exit_fmt) - 1, "ftrace"), 0);
	t = kstep_evtab_new(tep);
	c = kstep_chain_new(NULL, 8);
	out = (struct fgrec){ .type = 10, .pid = 42, .func = fn, .retval = (uint64_t)-24,
			      .calltime = 1000, .rettime = 1800 };
	assert_int_equal(add(c, tep, t, &in, 1000), 1);
	assert_int_equal(add(c, tep, t, &out, 1800), 1);
	out.pid = 43;
	assert_int_equal(add(c, tep, t, &out, 1900), 0);	/* another task's */
	kstep_chain_finish(c);
	n = kstep_chain_root(c)->child;
	assert_non_null(n);
	assert_int_equal(n->fn->addr, fn);
	assert_non_null(n->retv);
	assert_int_equal((int64_t)n->retv->num, -24);
	assert_string_equal(kstep_val_errno(n->retv), "EMFILE");
	assert_int_equal(kstep_node_dur(n), 800);
	assert_null(n->next);
	kstep_chain_free(c);
	kstep_evtab_free(t);
	tep_free(tep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nesting),
		cmocka_unit_test(missing_exit),
		cmocka_unit_test(missing_entry),
		cmocka_unit_test(interleaved_cpus),
		cmocka_unit_test(irq_inside_call),
		cmocka_unit_test(kretprobe_without_entry),
		cmocka_unit_test(probes_merge_into_fgraph),
		cmocka_unit_test(interrupt_before_kretprobe),
		cmocka_unit_test(interrupt_between_syscall_tracepoints),
		cmocka_unit_test(syscall_exits_without_entry),
		cmocka_unit_test(offcpu),
		cmocka_unit_test(reused_pointer),
		cmocka_unit_test(null_base_fetch), cmocka_unit_test(null_base_plan_fetch), cmocka_unit_test(fetch_bases), cmocka_unit_test(passed_and_underived_ints), cmocka_unit_test(fetches_hostile),
		cmocka_unit_test(fgraph_retval),
	};

	return cmocka_run_group_tests_name("chain", tests, NULL, NULL);
}
