/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * chain.h - one call tree per task, rebuilt from whatever the trace holds:
 * function_graph nesting, kprobe/fprobe/uprobe spans, syscall enter/exit,
 * kernel stacks (merged within one syscall on equal return addresses), other
 * events as leaves. Several sources for the same call merge into one node.
 * Interrupt, softirq and NMI work inside a call becomes an IRQ node, and
 * time the task spent switched out an OFFCPU node, never callees.
 *
 * The chain only builds: records are turned into facts (struct kstep_fact)
 * by facts.c, and the unit tests drive the builder with hand-made facts.
 */
#ifndef KSTEP_CHAIN_H
#define KSTEP_CHAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"
#include "ksyms.h"
#include "load.h"
#include "util.h"

/* Nodes */
enum kstep_node_kind {
	KSTEP_NODE_ROOT = 0,	/* the task */
	KSTEP_NODE_CALL,	/* a function call, kernel or user */
	KSTEP_NODE_SYSCALL,
	KSTEP_NODE_EVENT,	/* any other event: an observation */
	KSTEP_NODE_IRQ,		/* interrupt context inside the task */
	KSTEP_NODE_OFFCPU,	/* the task was switched out */
};

enum kstep_ctx {
	KSTEP_CTX_TASK = 0,
	KSTEP_CTX_SOFTIRQ = 1,
	KSTEP_CTX_HARDIRQ = 2,
	KSTEP_CTX_NMI = 3,
};

enum kstep_node_flags {
	KSTEP_NF_NO_ENTRY = 1 << 0,	/* return seen, entry not */
	KSTEP_NF_NO_EXIT = 1 << 1,	/* entry seen, return not */
	KSTEP_NF_POINT = 1 << 3,	/* seen at entry only (no return probe): no span */
	KSTEP_NF_FRAME = 1 << 4,	/* a stack frame: alive at its events, times unknown */
	KSTEP_NF_RETIP = 1 << 5,	/* retip holds an observed return address */
	KSTEP_NF_PROBED = 1 << 6,	/* a probe's entry values are attached */
	KSTEP_NF_PROBED_RET = 1 << 7,	/* a probe's return is attached */
	KSTEP_NF_SPAN = 1 << 8,		/* a probe span (entry to return), not fgraph */
	KSTEP_NF_IRQ_FORCED = 1 << 9,	/* IRQ node opened by an entry function, not a flag */
	KSTEP_NF_STACK_MERGED = 1 << 10,	/* the event's stack was merged into frames */
	KSTEP_NF_INLINE = 1 << 11,	/* inferred from DWARF: inlined here, no event of its own */
	KSTEP_NF_SITE_AMBIG = 1 << 12,	/* site lists every candidate line: the trace cannot tell */
	KSTEP_NF_IRQ_ENDED = 1 << 13,	/* IRQ: its exit event was seen; the next one starts anew */
};

/* A function, interned: every node of the same function shares it. */
enum kstep_fn_flags {
	KSTEP_FN_HIDE = 1 << 0,		/* default hide list */
	KSTEP_FN_OVERHEAD = 1 << 1,	/* probe machinery */
	KSTEP_FN_IRQ_ENTRY = 1 << 2,
	KSTEP_FN_SCHED = 1 << 3,
	KSTEP_FN_USER = 1 << 4,		/* user-space function */
	KSTEP_FN_RETPROBE = 1 << 5,	/* the file has return probes on it */
};

struct kstep_func {
	const char *name;
	uint64_t addr;
	unsigned flags;
	struct kstep_func *hnext;
};

enum kstep_val_type {
	KSTEP_VT_UINT = 0,
	KSTEP_VT_INT,
	KSTEP_VT_HEX,
	KSTEP_VT_STR,
};

enum kstep_val_role {
	KSTEP_VAL_IN = 0,	/* an argument or an event field */
	KSTEP_VAL_OUT = 1,	/* produced here: a return value, an allocation */
};

/* How a value is accounted for; filled in by the step builder. */
enum kstep_deriv {
	KSTEP_DERIV_NONE = 0,	/* not a pointer: nothing to derive */
	KSTEP_DERIV_PRODUCED,	/* first produced at this step */
	KSTEP_DERIV_STEP,	/* came from an earlier step (from_step) */
	KSTEP_DERIV_SYMBOL,	/* names a kernel symbol (kallsyms) */
	KSTEP_DERIV_UNDERIVED,	/* used with no earlier producer: footer */
	KSTEP_DERIV_AMBIGUOUS,	/* an integer several earlier steps returned: from_step, from_step2 */
};

struct kstep_val {
	struct kstep_val *next;
	const char *name;
	const char *str;	/* KSTEP_VT_STR */
	const char *decoded;	/* what the value means, or NULL */
	uint64_t num;
	uint8_t type;		/* enum kstep_val_type */
	uint8_t role;		/* enum kstep_val_role */
	uint16_t src;		/* enum kstep_src of the observation */
	/* derivation, by the step builder */
	uint8_t deriv;
	uint8_t ncand;		/* AMBIGUOUS: how many earlier steps returned it */
	uint8_t unreadable;	/* fetched through a NULL base: the number is not data */
	uint8_t obj;		/* one of the plan's object reads (objstate.h): shown as the object */
	int from_step;		/* STEP: 0 = the producer is hidden in this view (from_name) */
	int from_step2;		/* AMBIGUOUS: the second candidate (0: hidden) */
	const char *from_name;	/* the producer's name (kept when it is hidden) */
	int from_into;		/* STEP, hidden: --steps folded the producer into this shown step */
	const char *sym;
	uint64_t symoff;
};

struct kstep_node {
	struct kstep_node *parent;
	struct kstep_node *child;	/* first child */
	struct kstep_node *last;	/* last child */
	struct kstep_node *next;	/* next sibling */
	struct kstep_func *fn;		/* CALL */
	const char *name;		/* SYSCALL, EVENT, IRQ, OFFCPU: what it is */
	const struct kstep_evdesc *desc;	/* EVENT */
	struct kstep_val *vals;
	uint64_t t_entry;
	uint64_t t_exit;
	uint64_t dur;			/* measured duration when the source gives one */
	uint64_t retip;			/* return address into the caller */
	uint64_t at;			/* where it happened (stack frame 0, probe ip), or 0 */
	struct kstep_val *retv;		/* the observed return value, or NULL */
	uint64_t *stack;		/* kernel stack, innermost first */
	uint64_t *ustack;		/* user stack, innermost first */
	uint32_t nstack;
	uint32_t nustack;
	uint32_t flags;
	uint32_t merged;		/* frames: how many stacks run through it */
	uint32_t gen;			/* the chain's memory generation it was made in */
	uint16_t src;			/* enum kstep_src bits */
	uint8_t kind;
	uint8_t ctx;
	int16_t cpu;
	int32_t sysnr;			/* SYSCALL: number, -1 unknown */
	/* from DWARF (gaps.c), or NULL */
	const char *decl;		/* where the function is declared, file:line */
	const char *site;		/* the call's line in its caller; inline: where it was inlined */
	/* set by the step builder for the current view: 0 = not a step */
	int32_t step;			/* the node's step number */
	int32_t retstep;		/* its return step's number (a call with steps inside) */
	int32_t into;			/* --steps folded it: the shown step it is folded into */
};

/* Facts: one traced happening, independent of the event format. */
enum kstep_fact_kind {
	KSTEP_F_ENTRY = 1,	/* function_graph entry */
	KSTEP_F_EXIT,		/* function_graph exit */
	KSTEP_F_CALL,		/* function tracer: a call seen at entry */
	KSTEP_F_PROBE,		/* kprobe / fprobe / uprobe hit */
	KSTEP_F_PROBE_RET,	/* kretprobe / fexit / uretprobe */
	KSTEP_F_SYS_ENTER,
	KSTEP_F_SYS_EXIT,
	KSTEP_F_EVENT,
	KSTEP_F_KSTACK,
	KSTEP_F_USTACK,
	KSTEP_F_SWITCH_OUT,	/* the task was switched out */
	KSTEP_F_SWITCH_IN,	/* the task runs again */
};

struct kstep_fact {
	enum kstep_fact_kind kind;
	uint64_t ts;
	int cpu;
	uint8_t ctx;		/* enum kstep_ctx, from the record's flags */
	unsigned src;		/* enum kstep_src */
	uint64_t addr;		/* function address / probe address */
	const char *name;	/* function, syscall or event name; NULL: from addr */
	uint64_t retip;		/* PROBE_RET, CALL (parent ip) */
	struct kstep_val *retv;	/* return value (SYS_EXIT, PROBE_RET, EXIT), or NULL */
	uint64_t calltime;	/* EXIT: function_graph's own times */
	uint64_t rettime;
	bool has_times;
	long sysnr;
	struct kstep_val *vals;	/* made with kstep_chain_val */
	const uint64_t *stack;	/* KSTACK / USTACK, innermost first */
	size_t nstack;
	const struct kstep_evdesc *desc;
	bool user;		/* a user-space function (uprobe) */
};

/* What the builder saw, for the footer. */
struct kstep_chain_stats {
	uint64_t facts;
	uint64_t nodes;
	uint64_t no_entry;
	uint64_t no_exit;
	uint64_t irqs;
	uint64_t offcpu;
	uint64_t overhead;	/* probe machinery nodes inside the graph */
	uint64_t stacks;
	uint64_t stacks_unattached;
	uint64_t stacks_at_returns;	/* a node's second stack (at its return): not kept */
	uint64_t frames;
	uint64_t frames_merged;
	unsigned sources;	/* every enum kstep_src seen */
};

struct kstep_chain;

/*
 * Returns a new builder. ks resolves kernel addresses (may be NULL in unit
 * tests, then facts must carry names); long_size is the trace's long size.
 */
struct kstep_chain *kstep_chain_new(const struct kstep_ksyms *ks, int long_size);
void kstep_chain_free(struct kstep_chain *c);

/* Marks a function address as having return probes in the file (pass 1). */
void kstep_chain_note_retprobe(struct kstep_chain *c, uint64_t addr);

/* Returns a value owned by the chain; append it to a fact's vals. */
struct kstep_val *kstep_chain_val(struct kstep_chain *c, const char *name, uint64_t num,
				  enum kstep_val_type type, enum kstep_val_role role);
/* Returns a string copy owned by the chain. */
const char *kstep_chain_strdup(struct kstep_chain *c, const char *s, size_t n);
/* Appends v at the end of the list *head. */
void kstep_val_append(struct kstep_val **head, struct kstep_val *v);

/* Feeds one fact of the selected task, in time order. */
void kstep_chain_feed(struct kstep_chain *c, const struct kstep_fact *f);
/* Closes what is still open and merges kernel stacks within syscalls. */
void kstep_chain_finish(struct kstep_chain *c);

/*
 * Streaming: returns the oldest child of the root that no later fact can
 * change any more (after kstep_chain_finish: every one), unlinked from the
 * root (its parent pointer still names the root, its next is NULL), with
 * kernel stacks merged within its syscalls; NULL when there is none yet.
 * The subtree stays valid until kstep_chain_release.
 */
struct kstep_node *kstep_chain_take(struct kstep_chain *c);
/* Frees the memory of every subtree taken so far that nothing else shares. */
void kstep_chain_release(struct kstep_chain *c);

struct kstep_node *kstep_chain_root(const struct kstep_chain *c);
const struct kstep_chain_stats *kstep_chain_stats(const struct kstep_chain *c);

/*
 * Wraps the sibling run first..last (same parent) into a new call node of
 * function name, inferred (KSTEP_NF_INLINE, source src). Returns the node.
 */
struct kstep_node *kstep_chain_wrap(struct kstep_chain *c, struct kstep_node *first, struct kstep_node *last,
				    const char *name, unsigned src);

/* Node helpers */
/* Returns the name shown for a node (function, syscall, event...). */
const char *kstep_node_name(const struct kstep_node *n);
/* Returns the node's duration in ns, or 0 when unknown. */
uint64_t kstep_node_dur(const struct kstep_node *n);
/* Returns the next node in pre-order under top (NULL when done). */
struct kstep_node *kstep_node_next(struct kstep_node *n, const struct kstep_node *top);
/* Returns the value named name of a node, or NULL. */
struct kstep_val *kstep_node_val(const struct kstep_node *n, const char *name);

#endif
