// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * render-perfetto.c - the step log as Trace Event Format JSON, the format
 * ui.perfetto.dev and chrome://tracing open (doc/formats.md).
 *
 * Times are microseconds with nanosecond decimals. The task's steps are on
 * the thread track tid = pid; interrupts and off-CPU time get tracks of
 * their own (tids KSTEP_PF_IRQ_TID + pid and KSTEP_PF_OFFCPU_TID + pid,
 * named by metadata events) so that they do not break the nesting of the
 * task's calls. A derivation (#N) is a flow arrow from step N to the step
 * using the value: events need not be in time order, so the arrow's start
 * is written when its use is seen, from a fixed ring of recent steps.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "json.h"
#include "render.h"
#include "util.h"

#define KSTEP_PF_IRQ_TID 1000000000
#define KSTEP_PF_OFFCPU_TID 2000000000
/* How far back an arrow may reach: older producers are counted, not drawn. */
#define KSTEP_PF_RING 65536

struct pf_slot {
	int n;			/* step number, 0: empty */
	int64_t tid;
	uint64_t ts;
};

struct kstep_perfetto {
	struct kstep_json j;
	struct pf_slot ring[KSTEP_PF_RING];
	uint64_t flows;		/* arrows drawn, also their ids */
	uint64_t too_old;	/* derivations whose producer left the ring */
	uint64_t last_ts;	/* for steps without a time of their own (stack frames) */
};

static bool in_irq(const struct kstep_node *n)
{
	for (; n; n = n->parent)
		if (n->kind == KSTEP_NODE_IRQ || n->ctx != KSTEP_CTX_TASK)
			return true;
	return false;
}

static int64_t track_of(const struct kstep_render_ctx *r, const struct kstep_node *n)
{
	if (n->kind == KSTEP_NODE_OFFCPU)
		return KSTEP_PF_OFFCPU_TID + (int64_t)r->h->pid;
	if (in_irq(n))
		return KSTEP_PF_IRQ_TID + (int64_t)r->h->pid;
	return r->h->pid;
}

static void track_name(struct kstep_json *j, int pid, int64_t tid, const char *name)
{
	kstep_json_obj_open(j, NULL);
	kstep_json_str(j, "name", "thread_name");
	kstep_json_str(j, "ph", "M");
	kstep_json_i64(j, "pid", pid);
	kstep_json_i64(j, "tid", tid);
	kstep_json_obj_open(j, "args");
	kstep_json_str(j, "name", name);
	kstep_json_obj_close(j);
	kstep_json_obj_close(j);
}

struct kstep_perfetto *kstep_perfetto_begin(FILE *out, const struct kstep_render_ctx *r)
{
	struct kstep_perfetto *pf = kstep_xcalloc(1, sizeof(*pf));
	struct kstep_json *j = &pf->j;
	const struct kstep_log_header *h = r->h;
	char name[320];

	kstep_json_init(j, out, false);
	kstep_json_obj_open(j, NULL);
	kstep_json_str(j, "displayTimeUnit", "ns");
	kstep_json_obj_open(j, "otherData");
	kstep_json_str(j, "kstep", PACKAGE_VERSION);
	kstep_json_str(j, "file", h->path);
	kstep_json_str(j, "uname", h->uname);
	kstep_json_str(j, "build_id", h->build_id);
	kstep_json_str(j, "action", h->action);
	kstep_json_obj_close(j);
	kstep_json_arr_open(j, "traceEvents");
	kstep_json_obj_open(j, NULL);
	kstep_json_str(j, "name", "process_name");
	kstep_json_str(j, "ph", "M");
	kstep_json_i64(j, "pid", h->pid);
	kstep_json_i64(j, "tid", h->pid);
	kstep_json_obj_open(j, "args");
	snprintf(name, sizeof(name), "%s (pid %d)", h->comm ? h->comm : "?", h->pid);
	kstep_json_str(j, "name", name);
	kstep_json_obj_close(j);
	kstep_json_obj_close(j);
	snprintf(name, sizeof(name), "%s: steps", h->comm ? h->comm : "task");
	track_name(j, h->pid, h->pid, name);
	track_name(j, h->pid, KSTEP_PF_IRQ_TID + (int64_t)h->pid, "interrupts");
	track_name(j, h->pid, KSTEP_PF_OFFCPU_TID + (int64_t)h->pid, "off-CPU");
	return pf;
}

static void step_args(struct kstep_json *j, const struct kstep_step *st)
{
	const struct kstep_node *n = st->node;
	const struct kstep_val *v;
	char buf[600];

	kstep_json_obj_open(j, "args");
	kstep_json_i64(j, "step", st->n);
	kstep_json_str(j, "kind", kstep_step_kind(st));
	kstep_json_str(j, "evidence", kstep_src_tag(n->src));
	kstep_json_str(j, "caller", st->caller);
	if (n->site)
		kstep_json_str(j, (n->flags & KSTEP_NF_INLINE) ? "inlined_at" : "source",
			       kstep_short_path(n->site));
	if (n->decl)
		kstep_json_str(j, "decl", kstep_short_path(n->decl));
	for (v = n->vals; v; v = v->next) {
		if (!kstep_val_shown(v))
			continue;
		kstep_render_val(v, true, buf, sizeof(buf));
		kstep_json_str(j, v->name, buf);
	}
	if (n->retv) {
		kstep_render_val(n->retv, true, buf, sizeof(buf));
		kstep_json_str(j, "return", buf);
	}
	if (st->hidden_count)
		kstep_json_u64(j, "hidden_calls", st->hidden_count);
	kstep_json_obj_close(j);
}

static void flow(struct kstep_perfetto *pf, const char *ph, int pid, int64_t tid, uint64_t ts, int from,
		 int to)
{
	struct kstep_json *j = &pf->j;
	char name[64];

	snprintf(name, sizeof(name), "#%d -> #%d", from, to);
	kstep_json_obj_open(j, NULL);
	kstep_json_str(j, "name", name);
	kstep_json_str(j, "cat", "derivation");
	kstep_json_str(j, "ph", ph);
	kstep_json_u64(j, "id", pf->flows);
	kstep_json_i64(j, "pid", pid);
	kstep_json_i64(j, "tid", tid);
	kstep_json_usec(j, "ts", ts);
	if (*ph == 'f')
		kstep_json_str(j, "bp", "e");
	kstep_json_obj_close(j);
}

/* One arrow per step a value of st came from (a step citing itself twice gets one). */
static void arrows(struct kstep_perfetto *pf, const struct kstep_render_ctx *r, const struct kstep_step *st,
		   int64_t tid, uint64_t ts)
{
	const struct kstep_val *v, *w;
	const struct kstep_node *n = st->node;

	for (v = n->vals; v; v = v->next) {
		const struct pf_slot *p;
		bool seen = false;

		if (v->deriv != KSTEP_DERIV_STEP || v->from_step <= 0 || v->from_step >= st->n)
			continue;
		for (w = n->vals; w != v; w = w->next)
			seen |= w->deriv == KSTEP_DERIV_STEP && w->from_step == v->from_step;
		if (seen)
			continue;
		p = &pf->ring[v->from_step % KSTEP_PF_RING];
		if (p->n != v->from_step) {
			pf->too_old++;
			continue;
		}
		pf->flows++;
		flow(pf, "s", r->h->pid, p->tid, p->ts, v->from_step, st->n);
		flow(pf, "f", r->h->pid, tid, ts, v->from_step, st->n);
	}
}

void kstep_perfetto_steps(struct kstep_perfetto *pf, const struct kstep_render_ctx *r)
{
	struct kstep_json *j = &pf->j;
	size_t i;

	for (i = 0; i < r->st->n; i++) {
		const struct kstep_step *st = &r->st->v[i];
		const struct kstep_node *n = st->node;
		bool timed = n->t_entry && !(n->flags & KSTEP_NF_NO_ENTRY);
		uint64_t ts = timed ? n->t_entry : pf->last_ts;
		uint64_t dur = kstep_node_dur(n);
		int64_t tid = track_of(r, n);
		char name[320];

		if (!timed && dur && n->t_exit > dur)
			ts = n->t_exit - dur;	/* entry not seen: the span ends at the return */
		pf->last_ts = ts;
		kstep_render_name(n, name, sizeof(name));
		kstep_json_obj_open(j, NULL);
		kstep_json_str(j, "name", name);
		kstep_json_str(j, "cat", kstep_step_kind(st));
		if (dur || (timed && n->kind != KSTEP_NODE_EVENT && !(n->flags & KSTEP_NF_POINT))) {
			kstep_json_str(j, "ph", "X");
			kstep_json_usec(j, "dur", dur);
		} else {
			/* an event, a probe hit without return or a stack frame: a moment, not a span */
			kstep_json_str(j, "ph", "i");
			kstep_json_str(j, "s", "t");
		}
		kstep_json_usec(j, "ts", ts);
		kstep_json_i64(j, "pid", r->h->pid);
		kstep_json_i64(j, "tid", tid);
		step_args(j, st);
		kstep_json_obj_close(j);
		arrows(pf, r, st, tid, ts);
		pf->ring[st->n % KSTEP_PF_RING] = (struct pf_slot){ .n = st->n, .tid = tid, .ts = ts };
	}
}

void kstep_perfetto_end(struct kstep_perfetto *pf, const struct kstep_render_ctx *r)
{
	struct kstep_json *j = &pf->j;
	const struct kstep_steps *st = r->st;

	kstep_json_arr_close(j);
	kstep_json_obj_open(j, "kstepFooter");
	kstep_json_u64(j, "steps", (uint64_t)st->total);
	kstep_json_u64(j, "flows", pf->flows);
	kstep_json_u64(j, "flows_not_drawn", pf->too_old);
	kstep_json_u64(j, "underived", st->underived.n);
	kstep_json_u64(j, "lost", st->lost.n);
	kstep_json_u64(j, "missing", st->missing.n);
	kstep_json_str(j, "status", st->pass ? "PASS" : "FAIL");
	kstep_json_obj_close(j);
	kstep_json_obj_close(j);
	kstep_json_end(j);
	free(pf);
}
