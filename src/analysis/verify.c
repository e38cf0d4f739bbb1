// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * verify.c - deciding claims from the streamed step log (see verify.h).
 *
 * A claim is proven only by calls the trace shows, and only when the trace
 * could have shown every call it depends on: function_graph over a whole
 * system call, a probe on the function, a syscall or event record. Stack
 * frames show calls alive at some event, not every call, and merge calls
 * from the same site, so they can refute but rarely prove. Values the trace
 * did not record leave a claim undecidable, never decided by guess.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "plugins.h"
#include "util.h"
#include "verify.h"

/* Sources that show every call of what they record. */
#define EXACT_SRC (KSTEP_SRC_FGRAPH | KSTEP_SRC_KPROBE | KSTEP_SRC_FPROBE | KSTEP_SRC_SYSCALL | KSTEP_SRC_UPROBE | \
		   KSTEP_SRC_FUNCTION | KSTEP_SRC_EVENT)
/* Sources that record each call of one named function (or syscall, or event) wherever it runs. */
#define PROBE_SRC (KSTEP_SRC_KPROBE | KSTEP_SRC_FPROBE | KSTEP_SRC_SYSCALL | KSTEP_SRC_UPROBE | KSTEP_SRC_EVENT)
#define DWARF_SRC (KSTEP_SRC_INLINE | KSTEP_SRC_TAIL)

/* One observed value, as text and number, copied out of the subtree that held it. */
struct vsnap {
	bool have;
	bool is_str;
	uint64_t num;
	char raw[96];
	char shown[192];	/* raw, decoded, errno name */
	char decoded[96];
};

/* The k-th call of a claimed function. */
struct snap {
	bool have;
	int step;
	bool hidden;
	unsigned src;
	struct vsnap field;		/* the claimed value (arg, link), or the return */
	char why[160];			/* no such value: why */
};

struct cstate {
	const struct kstep_claim *c;
	uint64_t na, nb;		/* calls seen of a and b */
	uint64_t na_frames;		/* of those of a, seen only as stack frames */
	bool a_probed, b_probed;	/* a probe-like source recorded a, b */
	uint64_t visit_a, visit_b;	/* first call's position in the log */
	int step_a, step_b;		/* first call's step */
	bool hid_a, hid_b;
	struct snap sa, sb;
	/* calls, caller, returns: the first call that agrees, the first that does not */
	int ok_step;
	bool ok_hid, bad_hid;
	uint64_t n_ok;
	int bad_step;
	char bad[192];
	uint64_t n_unknown;		/* caller or return not recorded */
	int unknown_step;
	char unknown_why[160];
	/* inlined, tail: what DWARF put on the path */
	int dw_step;
	int contra_step;
	char contra[256];
};

struct kstep_verify {
	const struct kstep_claims *cl;
	const struct kstep_ksyms *ks;
	bool one_syscall;
	struct cstate *cs;
	struct kstep_verify_result *res;
	uint64_t visit;
	/* whether function_graph showed every kernel call of the action */
	uint64_t syscalls, syscalls_fg, outside;
	/* the step of each node of the current subtree */
	struct nmap {
		const struct kstep_node *n;
		int step;
	} *map;
	size_t nmap, capmap;
};

const char *kstep_verdict_name(enum kstep_verdict v)
{
	return v == KSTEP_PROVEN ? "proven" : v == KSTEP_REFUTED ? "refuted" : "undecidable";
}

struct kstep_verify *kstep_verify_new(const struct kstep_claims *cl, const struct kstep_ksyms *ks, bool one_syscall)
{
	struct kstep_verify *v = kstep_xcalloc(1, sizeof(*v));
	size_t i;

	v->cl = cl;
	v->ks = ks;
	v->one_syscall = one_syscall;
	v->cs = kstep_xcalloc(cl->n + 1, sizeof(*v->cs));
	v->res = kstep_xcalloc(cl->n + 1, sizeof(*v->res));
	for (i = 0; i < cl->n; i++)
		v->cs[i].c = &cl->v[i];
	return v;
}

void kstep_verify_free(struct kstep_verify *v)
{
	if (!v)
		return;
	free(v->cs);
	free(v->res);
	free(v->map);
	free(v);
}

static int map_cmp(const void *a, const void *b)
{
	const struct nmap *x = a, *y = b;

	return (uintptr_t)x->n < (uintptr_t)y->n ? -1 : (uintptr_t)x->n > (uintptr_t)y->n;
}

/* The step that shows n: its own, or the nearest shown ancestor's (hidden is set). */
static int step_of(const struct kstep_verify *v, const struct kstep_node *n, bool *hidden)
{
	*hidden = false;
	for (; n; n = n->parent, *hidden = true) {
		struct nmap key = { .n = n }, *m;

		m = v->nmap ? bsearch(&key, v->map, v->nmap, sizeof(*v->map), map_cmp) : NULL;
		if (m)
			return m->step;
	}
	return 0;
}

static bool in_irq(const struct kstep_node *n)
{
	for (; n; n = n->parent)
		if (n->kind == KSTEP_NODE_IRQ || n->kind == KSTEP_NODE_OFFCPU)
			return true;
	return false;
}

/* A call of a function, a syscall or an event as the log names it; DWARF's inferred steps are not calls. */
static bool is_call(const struct kstep_node *n)
{
	if (n->kind == KSTEP_NODE_CALL)
		return !(n->src & DWARF_SRC);
	return n->kind == KSTEP_NODE_SYSCALL || n->kind == KSTEP_NODE_EVENT;
}

static bool frame_only(const struct kstep_node *n)
{
	return !(n->src & EXACT_SRC);
}

/* The parent as the trace shows it, past DWARF's inferred steps (they are not in every log). */
static const struct kstep_node *real_parent(const struct kstep_node *n)
{
	const struct kstep_node *p = n->parent;

	while (p && p->kind == KSTEP_NODE_CALL && (p->src & DWARF_SRC))
		p = p->parent;
	return p;
}

/*
 * The direct caller of n when the trace shows it: the return address a
 * probe saw, function_graph nesting, or the next frame of a kernel stack.
 * NULL when only an enclosing traced call is known (probes nest the
 * probed functions, not callers).
 */
static const char *direct_caller(const struct kstep_verify *v, const struct kstep_node *n)
{
	const struct kstep_node *p = real_parent(n);
	const struct kstep_ksym *sym;
	uint64_t off;

	if (!p || p->kind == KSTEP_NODE_ROOT || n->kind == KSTEP_NODE_EVENT)
		return NULL;
	if ((n->src & KSTEP_SRC_FGRAPH) && (p->src & (KSTEP_SRC_FGRAPH | KSTEP_SRC_SYSCALL)) &&
	    (p->kind == KSTEP_NODE_CALL || p->kind == KSTEP_NODE_SYSCALL))
		return kstep_node_name(p);
	if ((n->flags & KSTEP_NF_RETIP) && v->ks && n->kind == KSTEP_NODE_CALL && n->fn &&
	    !(n->fn->flags & KSTEP_FN_USER)) {
		sym = kstep_ksyms_lookup(v->ks, n->retip, &off);
		/* a trampoline stands where the caller's return address was: no caller known */
		if (sym && kstep_ksym_is_text(sym) && !kstep_list_match("trampolines", sym->name))
			return sym->name;
	}
	if ((n->flags & KSTEP_NF_FRAME) && (p->flags & KSTEP_NF_FRAME) && p->kind == KSTEP_NODE_CALL)
		return kstep_node_name(p);
	return NULL;
}

static void snap_val(struct vsnap *s, const struct kstep_val *val, const struct kstep_ksyms *ks)
{
	const char *e = kstep_val_errno(val);
	const struct kstep_ksym *sym = NULL;
	uint64_t off = 1;

	s->have = true;
	s->is_str = val->type == KSTEP_VT_STR;
	s->num = val->num;
	kstep_val_raw(val, s->raw, sizeof(s->raw));
	if (!val->decoded && !e && ks && val->type == KSTEP_VT_HEX)
		sym = kstep_ksyms_lookup(ks, val->num, &off);
	snprintf(s->decoded, sizeof(s->decoded), "%s", val->decoded ? val->decoded : e ? e : sym && !off ? sym->name : "");
	snprintf(s->shown, sizeof(s->shown), "%s%s%s", s->raw, s->decoded[0] ? " " : "", s->decoded);
}

static const char *no_return_why(const struct kstep_node *n)
{
	if (n->src & KSTEP_SRC_FGRAPH)
		return "function_graph on this kernel records no return values";
	if (frame_only(n))
		return "a stack frame carries no return value";
	if (n->kind == KSTEP_NODE_EVENT)
		return "an event has no return value";
	if (n->flags & (KSTEP_NF_NO_EXIT | KSTEP_NF_POINT))
		return "the call's return was not recorded (no return probe)";
	return "no return value was recorded";
}

/* Copies what the claim asks of the call (its field, or its return) into s. */
static void take_snap(struct snap *s, const struct kstep_node *n, const char *field, int step, bool hidden,
		      const struct kstep_ksyms *ks)
{
	const struct kstep_val *val;
	struct kstep_sbuf names = { 0 };

	s->have = true;
	s->step = step;
	s->hidden = hidden;
	s->src = n->src;
	if (!field[0] || !strcmp(field, "return")) {
		if (n->retv)
			snap_val(&s->field, n->retv, ks);
		else
			snprintf(s->why, sizeof(s->why), "%s", no_return_why(n));
		return;
	}
	for (val = n->vals; val; val = val->next)
		if (!strcmp(val->name, field) && val->role == KSTEP_VAL_IN) {
			snap_val(&s->field, val, ks);
			return;
		}
	for (val = n->vals; val; val = val->next)
		if (val->role == KSTEP_VAL_IN && kstep_val_shown(val))
			kstep_sbuf_addf(&names, "%s%s", names.len ? " " : "", val->name);
	snprintf(s->why, sizeof(s->why), "no value %s was recorded (recorded: %s)", field,
		 names.len ? kstep_sbuf_str(&names) : "none");
	kstep_sbuf_free(&names);
}

static void note_unknown(struct cstate *c, int step, const char *why)
{
	if (!c->n_unknown++) {
		c->unknown_step = step;
		snprintf(c->unknown_why, sizeof(c->unknown_why), "%s", why);
	}
}

static bool value_matches(const struct kstep_verify *v, const struct vsnap *o, const char *want, bool *decided);

/* One call of the claim's subject a. */
static void see_a(struct kstep_verify *v, struct cstate *cs, const struct kstep_node *n, int step, bool hidden)
{
	const struct kstep_claim *c = cs->c;
	const char *caller;
	bool decided;

	cs->na++;
	if (frame_only(n))
		cs->na_frames++;
	if (n->src & PROBE_SRC || n->kind == KSTEP_NODE_EVENT)
		cs->a_probed = true;
	if (cs->na == 1) {
		cs->visit_a = v->visit;
		cs->step_a = step;
		cs->hid_a = hidden;
	}
	if (cs->na == (uint64_t)(c->a.k ? c->a.k : 1))
		take_snap(&cs->sa, n, c->kind == KSTEP_CLAIM_RETURNS ? "return" : c->a.field, step, hidden,
			  v->ks);
	switch (c->kind) {
	case KSTEP_CLAIM_CALLER:
		if (c->a.k && cs->na != (uint64_t)c->a.k)
			return;
		caller = direct_caller(v, n);
		if (!caller)
			note_unknown(cs, step, "the trace does not show the direct caller");
		else if (kstep_func_same(caller, c->b.name)) {
			if (!cs->n_ok++) {
				cs->ok_step = step;
				cs->ok_hid = hidden;
			}
		} else if (!cs->bad_step) {
			cs->bad_step = step;
			cs->bad_hid = hidden;
			snprintf(cs->bad, sizeof(cs->bad), "called from %s", caller);
		}
		return;
	case KSTEP_CLAIM_RETURNS:
		if (c->a.k && cs->na != (uint64_t)c->a.k)
			return;
		if (!n->retv) {
			note_unknown(cs, step, no_return_why(n));
			return;
		}
		{
			struct vsnap o = { 0 };

			snap_val(&o, n->retv, v->ks);
			if (value_matches(v, &o, c->value, &decided)) {
				if (!cs->n_ok++) {
					cs->ok_step = step;
					snprintf(cs->bad, sizeof(cs->bad), "%s", o.shown);
				}
			} else if (!decided) {
				note_unknown(cs, step, "the value's name is not known (not a constant, errno or kernel symbol)");
			} else if (!cs->bad_step) {
				cs->bad_step = step;
				snprintf(cs->contra, sizeof(cs->contra), "%s", o.shown);
			}
		}
		return;
	case KSTEP_CLAIM_TAIL:
	case KSTEP_CLAIM_INLINED:
		/* a real call of F straight from G contradicts both */
		caller = direct_caller(v, n);
		if (caller && kstep_func_same(caller, c->b.name) && !cs->contra_step) {
			cs->contra_step = step;
			snprintf(cs->contra, sizeof(cs->contra), "%.80s is a real call from %.80s", kstep_node_name(n), caller);
		}
		return;
	default:
		return;
	}
}

static void see_b(struct kstep_verify *v, struct cstate *cs, const struct kstep_node *n, int step, bool hidden)
{
	const struct kstep_claim *c = cs->c;
	const char *caller;

	cs->nb++;
	if (n->src & PROBE_SRC || n->kind == KSTEP_NODE_EVENT)
		cs->b_probed = true;
	if (cs->nb == 1) {
		cs->visit_b = v->visit;
		cs->step_b = step;
		cs->hid_b = hidden;
	}
	if (cs->nb == (uint64_t)(c->b.k ? c->b.k : 1))
		take_snap(&cs->sb, n, c->b.field, step, hidden, v->ks);
	if (c->kind != KSTEP_CLAIM_CALLS || (c->b.k && cs->nb != (uint64_t)c->b.k))
		return;
	caller = direct_caller(v, n);
	if (!caller)
		note_unknown(cs, step, "the trace does not show the direct caller");
	else if (kstep_func_same(caller, c->a.name)) {
		if (!cs->n_ok++) {
			cs->ok_step = step;
			cs->ok_hid = hidden;
		}
	} else if (!cs->bad_step) {
		cs->bad_step = step;
		cs->bad_hid = hidden;
		snprintf(cs->bad, sizeof(cs->bad), "called from %s", caller);
	}
}

/*
 * Was the inline step n inlined into G: G is one of the inline steps
 * around it or the real function whose code holds them all?
 */
static bool inlined_into(const struct kstep_node *n, const char *g)
{
	const struct kstep_node *p;

	for (p = n->parent; p && p->kind == KSTEP_NODE_CALL; p = p->parent) {
		if (kstep_func_same(kstep_node_name(p), g))
			return true;
		if (!(p->src & KSTEP_SRC_INLINE))
			return false;
	}
	return false;
}

/* DWARF's inferred steps: F inlined under G, or G (a tail step) wrapping F. */
static void see_dwarf(struct cstate *cs, const struct kstep_node *n, int step)
{
	const struct kstep_claim *c = cs->c;
	const struct kstep_node *p = n->parent, *k;

	if (n->kind != KSTEP_NODE_CALL || !p)
		return;
	if ((n->src & KSTEP_SRC_INLINE) && kstep_func_same(kstep_node_name(n), c->a.name) && inlined_into(n, c->b.name)) {
		if (c->kind == KSTEP_CLAIM_INLINED && !cs->dw_step)
			cs->dw_step = step;
		if (c->kind == KSTEP_CLAIM_TAIL && !cs->contra_step) {
			cs->contra_step = step;
			snprintf(cs->contra, sizeof(cs->contra), "%.80s was inlined into %.80s, not tail-called", c->a.name,
				 c->b.name);
		}
	}
	if ((n->src & KSTEP_SRC_TAIL) && kstep_func_same(kstep_node_name(n), c->b.name))
		for (k = n->child; k; k = k->next)
			if (k->kind == KSTEP_NODE_CALL && kstep_func_same(kstep_node_name(k), c->a.name)) {
				if (c->kind == KSTEP_CLAIM_TAIL && !cs->dw_step)
					cs->dw_step = step;
				if (c->kind == KSTEP_CLAIM_INLINED && !cs->contra_step) {
					cs->contra_step = step;
					snprintf(cs->contra, sizeof(cs->contra), "%.80s tail-called %.80s: not inlined",
						 c->b.name, c->a.name);
				}
			}
}

/* Is a kernel node of the action outside every system call (function_graph filtered on syscalls misses it)? */
static bool outside_syscalls(const struct kstep_node *n)
{
	const struct kstep_node *p;

	if (n->kind == KSTEP_NODE_CALL && n->fn && (n->fn->flags & KSTEP_FN_USER))
		return false;
	if (n->kind != KSTEP_NODE_CALL && n->kind != KSTEP_NODE_EVENT)
		return false;
	for (p = n->parent; p; p = p->parent)
		if (p->kind == KSTEP_NODE_SYSCALL)
			return false;
	return true;
}

void kstep_verify_subtree(struct kstep_verify *v, const struct kstep_steps *st, const struct kstep_node *top)
{
	const struct kstep_node *n, *k;
	size_t i;

	v->nmap = 0;
	if (st->n > v->capmap) {
		v->capmap = st->n;
		v->map = kstep_xrealloc(v->map, v->capmap * sizeof(*v->map));
	}
	for (i = 0; i < st->n; i++)
		v->map[v->nmap++] = (struct nmap){ st->v[i].node, st->v[i].n };
	qsort(v->map, v->nmap, sizeof(*v->map), map_cmp);
	for (n = top; n; n = kstep_node_next((struct kstep_node *)n, top)) {
		const char *name;
		bool hidden;
		int step;

		if (in_irq(n))
			continue;
		if (n->kind == KSTEP_NODE_SYSCALL) {
			v->syscalls++;
			for (k = n->child; k; k = k->next)
				if (k->src & KSTEP_SRC_FGRAPH)
					break;
			v->syscalls_fg += k != NULL;
		}
		if (outside_syscalls(n))
			v->outside++;
		if (n->kind != KSTEP_NODE_CALL && n->kind != KSTEP_NODE_SYSCALL && n->kind != KSTEP_NODE_EVENT)
			continue;
		v->visit++;
		name = kstep_node_name(n);
		step = step_of(v, n, &hidden);
		for (i = 0; i < v->cl->n; i++) {
			struct cstate *cs = &v->cs[i];

			if (!is_call(n)) {
				if (cs->c->kind == KSTEP_CLAIM_INLINED || cs->c->kind == KSTEP_CLAIM_TAIL)
					see_dwarf(cs, n, step);
				continue;
			}
			if (kstep_func_same(name, cs->c->a.name))
				see_a(v, cs, n, step, hidden);
			if (cs->c->b.name[0] && kstep_func_same(name, cs->c->b.name))
				see_b(v, cs, n, step, hidden);
		}
	}
	v->nmap = 0;
}

/* Claimed values */

static bool const_lookup(const char *name, long long *out, bool *ambiguous)
{
	const struct kstep_table *t;
	const struct kstep_const *k;
	bool found = false;

	for (t = kstep_tables; t->name; t++) {
		if (!strcmp(t->name, "syscall"))
			continue;
		for (k = t->v; k->name; k++)
			if (!strcmp(k->name, name)) {
				if (found && *out != k->value)
					*ambiguous = true;
				*out = k->value;
				found = true;
			}
	}
	return found;
}

/* The number V names: a literal, -ENAME, constants joined by '|', a kernel symbol. */
static bool want_number(const struct kstep_verify *v, const char *want, uint64_t *out)
{
	char buf[KSTEP_CLAIM_NAME_MAX], *part, *save = NULL, *end;
	const struct kstep_ksym *sym;
	bool neg = want[0] == '-', amb = false;
	const char *w = want + (want[0] == '-' || want[0] == '+');
	long long x;
	uint64_t acc = 0;

	if (w[0] >= '0' && w[0] <= '9') {
		uint64_t u = strtoull(w, &end, !strncmp(w, "0x", 2) || !strncmp(w, "0X", 2) ? 16 : 10);

		if (*end)
			return false;
		*out = neg ? (uint64_t)0 - u : u;
		return true;
	}
	if (neg) {
		if (!kstep_const_value("errno", w, &x))
			return false;
		*out = (uint64_t)-x;
		return true;
	}
	snprintf(buf, sizeof(buf), "%s", w);
	for (part = strtok_r(buf, "|", &save); part; part = strtok_r(NULL, "|", &save)) {
		if (const_lookup(part, &x, &amb) && !amb) {
			acc |= (uint64_t)x;
			continue;
		}
		if (amb || strchr(want, '|') || !v->ks)
			return false;
		sym = kstep_ksyms_find(v->ks, part);
		if (!sym)
			return false;
		acc = sym->addr;
	}
	*out = acc;
	return true;
}

/*
 * Does the observed value equal V? decided is false when V names nothing
 * kstep knows: then neither yes nor no is said.
 */
static bool value_matches(const struct kstep_verify *v, const struct vsnap *o, const char *want, bool *decided)
{
	uint64_t w;

	*decided = true;
	if (o->is_str)
		return !strcmp(o->raw, want);
	if (o->decoded[0] && !strcmp(o->decoded, want))
		return true;
	if (!want_number(v, want, &w)) {
		*decided = false;
		return false;
	}
	if (w == o->num)
		return true;
	/* a 32-bit value read unsigned holds a negative int in its low half */
	return o->num <= 0xffffffffULL && (int64_t)w < 0 && (int64_t)w >= INT32_MIN && (uint32_t)w == (uint32_t)o->num;
}

/* Deciding */

struct out {
	struct kstep_verify_result *r;
	size_t nsteps;
};

static void cite(struct out *o, int step)
{
	size_t i;

	if (step <= 0)
		return;
	for (i = 0; i < o->nsteps; i++)
		if (o->r->steps[i] == step)
			return;
	if (o->nsteps < KSTEP_VERIFY_MAX_STEPS - 1)
		o->r->steps[o->nsteps++] = step;
}

static void say(struct out *o, enum kstep_verdict vd, const char *fmt, ...) KSTEP_PRINTF(3, 4);
static void say(struct out *o, enum kstep_verdict vd, const char *fmt, ...)
{
	va_list ap;

	o->r->verdict = vd;
	va_start(ap, fmt);
	vsnprintf(o->r->evidence, sizeof(o->r->evidence), fmt, ap);
	va_end(ap);
}

static const char *hid(bool hidden)
{
	return hidden ? " (inside, hidden)" : "";
}

/* Every call of the function is in the trace: probed, or function_graph over the whole action. */
static bool complete(const struct kstep_verify *v, bool probed)
{
	return probed || (v->one_syscall && v->syscalls && v->syscalls == v->syscalls_fg && !v->outside);
}

/*
 * Could function_graph have shown a call of name at all? Only a function
 * of the kernel's text: an inlined one or a misspelled name leaves no call
 * to see, and "never called" would then be no finding.
 */
static bool traceable(const struct kstep_verify *v, const char *name)
{
	const struct kstep_ksym *sym = v->ks ? kstep_ksyms_find(v->ks, name) : NULL;

	return sym && kstep_ksym_is_text(sym) && !sym->module;
}

static const char *incomplete_why(const struct kstep_verify *v)
{
	if (!v->syscalls_fg)
		return "the trace does not record every call (no function_graph, no probe on it)";
	if (!v->one_syscall)
		return "function_graph covers the system calls, not the whole task: select one with --syscall";
	return "kernel work outside the system call is not under function_graph";
}

/* The call a reference names is missing: refuted when every call was recorded. */
static void missing(struct out *o, const struct kstep_verify *v, const struct kstep_claim_ref *r, uint64_t seen,
		    bool probed)
{
	if (!complete(v, probed)) {
		if (seen)
			say(o, KSTEP_UNDECIDABLE, "%" PRIu64 " call(s) of %s recorded, not #%d; %s", seen, r->name, r->k,
			    incomplete_why(v));
		else
			say(o, KSTEP_UNDECIDABLE, "no call of %s recorded; %s", r->name, incomplete_why(v));
		return;
	}
	if (seen)
		say(o, KSTEP_REFUTED, "%s is called %" PRIu64 " time(s), there is no call #%d", r->name, seen, r->k);
	else
		say(o, KSTEP_REFUTED, "%s is never called", r->name);
}

static void decide_order(struct out *o, const struct kstep_verify *v, const struct cstate *cs)
{
	const struct kstep_claim *c = cs->c;

	if (cs->c->a.k > 1 || cs->c->b.k > 1) {
		if (!cs->sa.have)
			return missing(o, v, &c->a, cs->na, cs->a_probed);
		if (!cs->sb.have)
			return missing(o, v, &c->b, cs->nb, cs->b_probed);
		cite(o, cs->sa.step);
		cite(o, cs->sb.step);
		if (cs->sa.step < cs->sb.step || (cs->sa.step == cs->sb.step && c->a.k < c->b.k)) {
			if (!complete(v, cs->b_probed))
				return say(o, KSTEP_UNDECIDABLE, "%s#%d at #%d, %s#%d at #%d, but a call of %s may be missing: %s",
					   c->a.name, c->a.k ? c->a.k : 1, cs->sa.step, c->b.name, c->b.k ? c->b.k : 1,
					   cs->sb.step, c->b.name, incomplete_why(v));
			return say(o, KSTEP_PROVEN, "%s#%d at #%d, %s#%d at #%d", c->a.name, c->a.k ? c->a.k : 1,
				   cs->sa.step, c->b.name, c->b.k ? c->b.k : 1, cs->sb.step);
		}
		if (!complete(v, cs->a_probed))
			return say(o, KSTEP_UNDECIDABLE, "%s#%d at #%d, %s#%d at #%d, but a call of %s may be missing: %s",
				   c->a.name, c->a.k ? c->a.k : 1, cs->sa.step, c->b.name, c->b.k ? c->b.k : 1, cs->sb.step,
				   c->a.name, incomplete_why(v));
		return say(o, KSTEP_REFUTED, "%s#%d at #%d comes after %s#%d at #%d", c->a.name, c->a.k ? c->a.k : 1,
			   cs->sa.step, c->b.name, c->b.k ? c->b.k : 1, cs->sb.step);
	}
	if (!cs->na)
		return missing(o, v, &c->a, 0, cs->a_probed);
	cite(o, cs->step_a);
	if (!cs->nb) {
		if (complete(v, cs->b_probed))
			return say(o, KSTEP_REFUTED, "%s is never called (%s first at #%d)", c->b.name, c->a.name,
				   cs->step_a);
		return say(o, KSTEP_UNDECIDABLE, "%s first at #%d; no call of %s recorded: %s", c->a.name, cs->step_a,
			   c->b.name, incomplete_why(v));
	}
	cite(o, cs->step_b);
	if (cs->visit_a < cs->visit_b) {
		if (complete(v, cs->b_probed))
			return say(o, KSTEP_PROVEN, "%s first at #%d%s, %s first at #%d%s", c->a.name, cs->step_a,
				   hid(cs->hid_a), c->b.name, cs->step_b, hid(cs->hid_b));
		return say(o, KSTEP_UNDECIDABLE, "%s seen first at #%d, %s at #%d, but an earlier %s may be missing: %s",
			   c->a.name, cs->step_a, c->b.name, cs->step_b, c->b.name, incomplete_why(v));
	}
	if (complete(v, cs->a_probed))
		return say(o, KSTEP_REFUTED, "%s first at #%d%s comes before %s first at #%d%s", c->b.name, cs->step_b,
			   hid(cs->hid_b), c->a.name, cs->step_a, hid(cs->hid_a));
	return say(o, KSTEP_UNDECIDABLE, "%s seen first at #%d, %s at #%d, but an earlier %s may be missing: %s",
		   c->b.name, cs->step_b, c->a.name, cs->step_a, c->a.name, incomplete_why(v));
}

/* calls A -> B and caller B = A: the calls of the callee whose direct caller the trace shows. */
static void decide_caller(struct out *o, const struct kstep_verify *v, const struct cstate *cs, bool every)
{
	const struct kstep_claim *c = cs->c;
	const struct kstep_claim_ref *callee = every ? &c->a : &c->b, *caller = every ? &c->b : &c->a;
	uint64_t seen = every ? cs->na : cs->nb;
	bool probed = every ? cs->a_probed : cs->b_probed;

	if (!seen || (callee->k && seen < (uint64_t)callee->k))
		return missing(o, v, callee, seen, probed);
	if (cs->bad_step && (every || callee->k)) {
		cite(o, cs->bad_step);
		return say(o, KSTEP_REFUTED, "%s at #%d%s is %s", callee->name, cs->bad_step, hid(cs->bad_hid), cs->bad);
	}
	if (!every && cs->n_ok) {
		cite(o, cs->ok_step);
		return say(o, KSTEP_PROVEN, "%s calls %s at #%d%s", caller->name, callee->name, cs->ok_step,
			   hid(cs->ok_hid));
	}
	if (every && !cs->n_unknown && complete(v, probed)) {
		cite(o, cs->ok_step);
		return say(o, KSTEP_PROVEN, "%s called %" PRIu64 " time(s), each from %s (first at #%d%s)", callee->name,
			   cs->n_ok, caller->name, cs->ok_step, hid(cs->ok_hid));
	}
	if (!every && cs->bad_step && !cs->n_unknown && complete(v, probed)) {
		cite(o, cs->bad_step);
		return say(o, KSTEP_REFUTED, "no call of %s comes from %s (at #%d it is %s)", callee->name,
			   caller->name, cs->bad_step, cs->bad);
	}
	if (cs->n_unknown) {
		cite(o, cs->unknown_step);
		return say(o, KSTEP_UNDECIDABLE, "%s at #%d: %s", callee->name, cs->unknown_step, cs->unknown_why);
	}
	if (cs->ok_step)
		cite(o, cs->ok_step);
	if (cs->n_ok)
		return say(o, KSTEP_UNDECIDABLE, "%s called from %s at #%d, but not every call is recorded: %s",
			   callee->name, caller->name, cs->ok_step, incomplete_why(v));
	cite(o, cs->bad_step);
	return say(o, KSTEP_UNDECIDABLE, "%s at #%d is %s; not every call is recorded: %s", callee->name,
		   cs->bad_step, cs->bad, incomplete_why(v));
}

static void decide_count(struct out *o, const struct kstep_verify *v, const struct cstate *cs)
{
	const struct kstep_claim *c = cs->c;
	uint64_t n = (uint64_t)c->count;

	cite(o, cs->step_a);
	if (cs->na_frames) {
		if (cs->na - cs->na_frames > n)
			return say(o, KSTEP_REFUTED, "%s called at least %" PRIu64 " times (first at #%d)", c->a.name,
				   cs->na - cs->na_frames, cs->step_a);
		return say(o, KSTEP_UNDECIDABLE, "%s seen in %" PRIu64 " stack(s) (first at #%d): stacks show calls alive at events, not every call",
			   c->a.name, cs->na_frames, cs->step_a);
	}
	if (cs->na > n)
		return say(o, KSTEP_REFUTED, "%s called %" PRIu64 " times (first at #%d%s)", c->a.name, cs->na,
			   cs->step_a, hid(cs->hid_a));
	if (!complete(v, cs->a_probed))
		return say(o, KSTEP_UNDECIDABLE, "%" PRIu64 " call(s) of %s recorded; %s", cs->na, c->a.name,
			   incomplete_why(v));
	if (!cs->na && !traceable(v, c->a.name))
		return say(o, KSTEP_UNDECIDABLE, "%s is no function in the trace's kallsyms (inlined or another name): "
			   "function_graph cannot show its calls", c->a.name);
	if (cs->na == n)
		return say(o, KSTEP_PROVEN, "%s called %" PRIu64 " time(s)%s%.0d%s%s", c->a.name, cs->na,
			   cs->na ? " (first at #" : "", cs->step_a, cs->na ? hid(cs->hid_a) : "", cs->na ? ")" : "");
	return say(o, KSTEP_REFUTED, "%s called %" PRIu64 " time(s)%s%.0d%s%s", c->a.name, cs->na,
		   cs->na ? " (first at #" : "", cs->step_a, cs->na ? hid(cs->hid_a) : "", cs->na ? ")" : "");
}

static void decide_never(struct out *o, const struct kstep_verify *v, const struct cstate *cs)
{
	if (cs->na) {
		cite(o, cs->step_a);
		return say(o, KSTEP_REFUTED, "%s called at #%d%s (%" PRIu64 " time(s))", cs->c->a.name, cs->step_a,
			   hid(cs->hid_a), cs->na);
	}
	if (complete(v, false) && !traceable(v, cs->c->a.name))
		return say(o, KSTEP_UNDECIDABLE, "%s is no function in the trace's kallsyms (inlined or another name): "
			   "function_graph cannot show its calls", cs->c->a.name);
	if (complete(v, false))
		return say(o, KSTEP_PROVEN, "no call of %s under function_graph over the whole system call",
			   cs->c->a.name);
	return say(o, KSTEP_UNDECIDABLE, "no call of %s recorded, but %s", cs->c->a.name, incomplete_why(v));
}

static void decide_returns(struct out *o, const struct kstep_verify *v, const struct cstate *cs)
{
	const struct kstep_claim *c = cs->c;

	if (!cs->na || (c->a.k && cs->na < (uint64_t)c->a.k))
		return missing(o, v, &c->a, cs->na, cs->a_probed);
	if (cs->bad_step) {
		cite(o, cs->bad_step);
		return say(o, KSTEP_REFUTED, "%s at #%d returns %s", c->a.name, cs->bad_step, cs->contra);
	}
	if (cs->n_unknown) {
		cite(o, cs->unknown_step);
		if (cs->n_ok)
			cite(o, cs->ok_step);
		return say(o, KSTEP_UNDECIDABLE, "%s at #%d: %s%s%s", c->a.name, cs->unknown_step, cs->unknown_why,
			   cs->n_ok ? "; returns " : "", cs->n_ok ? cs->bad : "");
	}
	cite(o, cs->ok_step);
	if (!c->a.k && !complete(v, cs->a_probed))
		return say(o, KSTEP_UNDECIDABLE, "%s returns %s at #%d, but %s", c->a.name, cs->bad, cs->ok_step,
			   incomplete_why(v));
	return say(o, KSTEP_PROVEN, "%s at #%d returns %s%s", c->a.name, cs->ok_step, cs->bad,
		   cs->n_ok > 1 ? " (every call)" : "");
}

static void decide_arg(struct out *o, const struct kstep_verify *v, const struct cstate *cs)
{
	const struct kstep_claim *c = cs->c;
	bool decided;

	if (!cs->sa.have)
		return missing(o, v, &c->a, cs->na, cs->a_probed);
	cite(o, cs->sa.step);
	if (!cs->sa.field.have)
		return say(o, KSTEP_UNDECIDABLE, "%s at #%d: %s", c->a.name, cs->sa.step, cs->sa.why);
	if (value_matches(v, &cs->sa.field, c->value, &decided))
		return say(o, KSTEP_PROVEN, "%s at #%d%s: %s=%s", c->a.name, cs->sa.step, hid(cs->sa.hidden),
			   c->a.field, cs->sa.field.shown);
	if (!decided)
		return say(o, KSTEP_UNDECIDABLE, "%s at #%d: %s=%s; '%s' is not a number, constant, errno or kernel symbol kstep knows",
			   c->a.name, cs->sa.step, c->a.field, cs->sa.field.shown, c->value);
	return say(o, KSTEP_REFUTED, "%s at #%d%s: %s=%s", c->a.name, cs->sa.step, hid(cs->sa.hidden), c->a.field,
		   cs->sa.field.shown);
}

static void decide_link(struct out *o, const struct kstep_verify *v, const struct cstate *cs)
{
	const struct kstep_claim *c = cs->c;
	const struct vsnap *x = &cs->sa.field, *y = &cs->sb.field;
	bool same;

	if (!cs->sa.have)
		return missing(o, v, &c->a, cs->na, cs->a_probed);
	if (!cs->sb.have)
		return missing(o, v, &c->b, cs->nb, cs->b_probed);
	cite(o, cs->sa.step);
	cite(o, cs->sb.step);
	if (!x->have)
		return say(o, KSTEP_UNDECIDABLE, "%s at #%d: %s", c->a.name, cs->sa.step, cs->sa.why);
	if (!y->have)
		return say(o, KSTEP_UNDECIDABLE, "%s at #%d: %s", c->b.name, cs->sb.step, cs->sb.why);
	same = x->is_str || y->is_str ? x->is_str == y->is_str && !strcmp(x->raw, y->raw) : x->num == y->num;
	return say(o, same ? KSTEP_PROVEN : KSTEP_REFUTED, "%s.%s=%s at #%d, %s.%s=%s at #%d", c->a.name, c->a.field,
		   x->shown, cs->sa.step, c->b.name, c->b.field, y->shown, cs->sb.step);
}

static void decide_dwarf(struct out *o, const struct cstate *cs, const struct kstep_gaps *g)
{
	const struct kstep_claim *c = cs->c;
	bool inl = c->kind == KSTEP_CLAIM_INLINED;

	if (!g || !g->used)
		return say(o, KSTEP_UNDECIDABLE, "no DWARF facts: give --vmlinux or --debug-dir");
	if (cs->dw_step) {
		cite(o, cs->dw_step);
		if (inl)
			return say(o, KSTEP_PROVEN, "%s inlined into %s at #%d", c->a.name, c->b.name, cs->dw_step);
		return say(o, KSTEP_PROVEN, "%s tail-called %s at #%d", c->b.name, c->a.name, cs->dw_step);
	}
	if (cs->contra_step) {
		cite(o, cs->contra_step);
		return say(o, KSTEP_REFUTED, "#%d: %s", cs->contra_step, cs->contra);
	}
	return say(o, KSTEP_UNDECIDABLE, "DWARF shows no %s of %s %s %s between the traced calls",
		   inl ? "inlining" : "tail call", c->a.name, inl ? "in" : "from", c->b.name);
}

const struct kstep_verify_result *kstep_verify_end(struct kstep_verify *v, const struct kstep_gaps *g)
{
	size_t i;

	for (i = 0; i < v->cl->n; i++) {
		struct out o = { .r = &v->res[i] };
		const struct cstate *cs = &v->cs[i];

		memset(o.r, 0, sizeof(*o.r));
		switch (cs->c->kind) {
		case KSTEP_CLAIM_ORDER:
			decide_order(&o, v, cs);
			break;
		case KSTEP_CLAIM_CALLS:
			decide_caller(&o, v, cs, false);
			break;
		case KSTEP_CLAIM_CALLER:
			decide_caller(&o, v, cs, true);
			break;
		case KSTEP_CLAIM_NEVER:
			decide_never(&o, v, cs);
			break;
		case KSTEP_CLAIM_COUNT:
			decide_count(&o, v, cs);
			break;
		case KSTEP_CLAIM_RETURNS:
			decide_returns(&o, v, cs);
			break;
		case KSTEP_CLAIM_ARG:
			decide_arg(&o, v, cs);
			break;
		case KSTEP_CLAIM_LINK:
			decide_link(&o, v, cs);
			break;
		case KSTEP_CLAIM_INLINED:
		case KSTEP_CLAIM_TAIL:
			decide_dwarf(&o, cs, g);
			break;
		}
	}
	return v->res;
}
