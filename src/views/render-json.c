// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * render-json.c - the step log as JSON (schema in doc/formats.md).
 * Numbers that may exceed 2^53 (pointers, u64 values) are strings.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "defs.h"
#include "event.h"
#include "json.h"
#include "lookups.h"
#include "render.h"

#define KSTEP_JSON_SCHEMA 1

static const char *type_name(uint8_t t)
{
	switch (t) {
	case KSTEP_VT_INT:
		return "int";
	case KSTEP_VT_HEX:
		return "hex";
	case KSTEP_VT_STR:
		return "string";
	default:
		return "uint";
	}
}

static const char *deriv_name(uint8_t d)
{
	switch (d) {
	case KSTEP_DERIV_PRODUCED:
		return "produced";
	case KSTEP_DERIV_STEP:
		return "step";
	case KSTEP_DERIV_SYMBOL:
		return "symbol";
	case KSTEP_DERIV_UNDERIVED:
		return "underived";
	case KSTEP_DERIV_AMBIGUOUS:
		return "ambiguous";
	default:
		return "none";
	}
}

static void hex_str(struct kstep_json *j, const char *key, uint64_t v)
{
	char buf[KSTEP_NUM_LEN];

	kstep_json_strn(j, key, buf, kstep_fmt_x64(buf, v));
}

static void json_val(struct kstep_json *j, const char *key, const struct kstep_val *v)
{
	char raw[512];

	kstep_json_obj_open(j, key);
	kstep_json_str(j, "name", v->name);
	kstep_val_raw(v, raw, sizeof(raw));
	kstep_json_str(j, "raw", raw);
	if (v->type != KSTEP_VT_STR && !v->unreadable) {
		char u[KSTEP_NUM_LEN];

		kstep_json_strn(j, "u64", u, kstep_fmt_u64(u, v->num));
	}
	kstep_json_str(j, "type", type_name(v->type));
	kstep_json_str(j, "role", v->role == KSTEP_VAL_OUT ? "out" : "in");
	kstep_json_str(j, "decoded", v->decoded);
	kstep_json_str(j, "evidence", kstep_src_tag(v->src));
	kstep_json_bool(j, "observed", true);
	kstep_json_bool(j, "pointer", kstep_val_pointer(v));
	kstep_json_obj_open(j, "derivation");
	kstep_json_str(j, "kind", deriv_name(v->deriv));
	if (v->deriv == KSTEP_DERIV_STEP || v->deriv == KSTEP_DERIV_AMBIGUOUS) {
		/* step null: the producer is hidden in this view; producer names it */
		if (v->from_step)
			kstep_json_i64(j, "step", v->from_step);
		else
			kstep_json_null(j, "step");
		kstep_json_str(j, "producer", v->from_name);
		if (!v->from_step && v->from_into)
			kstep_json_i64(j, "folded_into", v->from_into);
	}
	if (v->deriv == KSTEP_DERIV_AMBIGUOUS) {
		kstep_json_u64(j, "candidates", v->ncand);
		if (v->from_step2)
			kstep_json_i64(j, "step2", v->from_step2);
		else
			kstep_json_null(j, "step2");
	}
	if (v->deriv == KSTEP_DERIV_SYMBOL) {
		kstep_json_str(j, "symbol", v->sym);
		kstep_json_u64(j, "offset", v->symoff);
	}
	kstep_json_obj_close(j);
	kstep_json_obj_close(j);
}

static const char *ctx_name(uint8_t ctx)
{
	static const char *const names[] = { "task", "softirq", "hardirq", "nmi" };

	return ctx < 4 ? names[ctx] : "?";
}

static void json_flags(struct kstep_json *j, const struct kstep_node *n)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} fl[] = {
		{ KSTEP_NF_NO_ENTRY, "no_entry" }, { KSTEP_NF_NO_EXIT, "no_exit" },
		{ KSTEP_NF_POINT, "entry_only" }, { KSTEP_NF_FRAME, "frame" },
		{ KSTEP_NF_SPAN, "probe_span" }, { KSTEP_NF_STACK_MERGED, "stack_merged" },
		{ KSTEP_NF_IRQ_FORCED, "irq_from_entry_function" }, { KSTEP_NF_INLINE, "inline" },
	};
	size_t i;

	kstep_json_arr_open(j, "flags");
	for (i = 0; i < KSTEP_ARRAY_SIZE(fl); i++)
		if (n->flags & fl[i].bit)
			kstep_json_str(j, NULL, fl[i].name);
	kstep_json_arr_close(j);
}

static void json_sources(struct kstep_json *j, const char *key, unsigned mask)
{
	unsigned bit;

	kstep_json_arr_open(j, key);
	for (bit = 1; bit <= KSTEP_SRC_FUNCTION; bit <<= 1)
		if (mask & bit)
			kstep_json_str(j, NULL, kstep_src_tag(bit));
	kstep_json_arr_close(j);
}

static void json_stack(struct kstep_json *j, const struct kstep_render_ctx *r, const char *key,
		       const uint64_t *frames, uint32_t n, bool user)
{
	const struct kstep_ksyms *ks = r->h->ks;
	uint32_t i;

	kstep_json_arr_open(j, key);
	for (i = 0; i < n; i++) {
		const struct kstep_ksym *sym = user ? NULL : kstep_ksyms_lookup(ks, frames[i], NULL);
		uint64_t off = 0;
		char buf[320];

		if (sym)
			kstep_ksyms_lookup(ks, frames[i], &off);
		if (sym)
			snprintf(buf, sizeof(buf), "0x%" PRIx64 " %s+0x%" PRIx64, frames[i], sym->name, off);
		else
			snprintf(buf, sizeof(buf), "0x%" PRIx64, frames[i]);
		kstep_json_str(j, NULL, buf);
	}
	kstep_json_arr_close(j);
}

/* A step number, or null for 0 (none). */
static void step_or_null(struct kstep_json *j, const char *key, int n)
{
	if (n)
		kstep_json_i64(j, key, n);
	else
		kstep_json_null(j, key);
}

/* The objects a step read, each field against what the log saw of it before (objstate.h). */
static void json_objects(struct kstep_json *j, const struct kstep_step *st)
{
	unsigned i, k;

	kstep_json_arr_open(j, "objects");
	for (i = 0; i < st->nobjs; i++) {
		const struct kstep_objdelta *d = &st->objs[i];

		kstep_json_obj_open(j, NULL);
		kstep_json_str(j, "type", d->type);
		json_val(j, "addr", d->addr);
		if (d->none)
			kstep_json_bool(j, "none", true);
		step_or_null(j, "since", d->since);
		step_or_null(j, "born", d->born);
		kstep_json_arr_open(j, "fields");
		for (k = 0; k < d->nf; k++) {
			const struct kstep_objfd *f = &d->f[k];

			kstep_json_obj_open(j, NULL);
			kstep_json_str(j, "name", f->name);
			json_val(j, "value", f->v);
			kstep_json_str(j, "text", f->now);
			kstep_json_str(j, "was", f->was);
			kstep_json_bool(j, "changed", f->changed);
			kstep_json_bool(j, "fresh", f->fresh);
			kstep_json_obj_close(j);
		}
		kstep_json_arr_close(j);
		kstep_json_obj_close(j);
	}
	kstep_json_arr_close(j);
}

/* The step's members, inside an object the caller opened (JSON: an element; JSON lines: a record). */
static void json_step_fields(struct kstep_json *j, const struct kstep_render_ctx *r,
			     const struct kstep_step *st)
{
	const struct kstep_node *n = st->node;
	const struct kstep_val *v;
	char name[320];
	bool ret = n->retv && kstep_step_shows_ret(st);
	const char *err = ret ? kstep_val_errno(n->retv) : NULL;

	kstep_json_i64(j, "n", st->n);
	if (r->h->budget)
		kstep_json_i64(j, "n_full", st->full);
	kstep_json_i64(j, "depth", st->depth);
	step_or_null(j, "parent", st->parent);
	kstep_json_str(j, "kind", kstep_step_kind(st));
	if (st->ret)
		kstep_json_i64(j, "call", st->call);
	else if (n->retstep)
		kstep_json_i64(j, "return_step", n->retstep);
	kstep_json_str(j, "name", kstep_node_name(n));
	kstep_render_name(n, name, sizeof(name));
	kstep_json_str(j, "label", name);
	kstep_json_str(j, "evidence", kstep_src_tag(n->src));
	kstep_json_bool(j, "observed", !kstep_src_inferred(n->src));
	json_sources(j, "sources", n->src);
	if (n->kind == KSTEP_NODE_SYSCALL)
		kstep_json_i64(j, "syscall_nr", n->sysnr);
	if (n->kind == KSTEP_NODE_SYSCALL) {
		struct kstep_sbuf regs = { 0 };

		if (kstep_step_regs(r->h->uname, st, &regs) && regs.len)
			kstep_json_str(j, "regs", regs.s);
		kstep_sbuf_reset(&regs);
		if (kstep_step_entry(r->h->ks, st, false, &regs) && regs.len)
			kstep_json_str(j, "entry", regs.s);
		kstep_sbuf_free(&regs);
	}
	if (!st->ret) {
		struct kstep_sbuf lk = { 0 };

		if (kstep_lookups_text(r->st->lookups, r->h->ks, n, false, &lk))
			kstep_json_str(j, "lookup", lk.s);
		kstep_sbuf_free(&lk);
	}
	if (n->kind == KSTEP_NODE_CALL && n->fn->addr)
		hex_str(j, "addr", n->fn->addr);
	if (n->kind == KSTEP_NODE_CALL)
		kstep_json_bool(j, "user", n->fn->flags & KSTEP_FN_USER);
	kstep_json_str(j, "ctx", ctx_name(n->ctx));
	kstep_json_i64(j, "cpu", n->cpu);
	if (n->t_entry && !(n->flags & KSTEP_NF_NO_ENTRY))
		kstep_json_u64(j, "ts_ns", n->t_entry);
	else
		kstep_json_null(j, "ts_ns");
	if (n->t_exit && !(n->flags & KSTEP_NF_NO_EXIT) && n->kind != KSTEP_NODE_EVENT)
		kstep_json_u64(j, "end_ns", n->t_exit);
	else
		kstep_json_null(j, "end_ns");
	if (kstep_node_dur(n))
		kstep_json_u64(j, "dur_ns", kstep_node_dur(n));
	else
		kstep_json_null(j, "dur_ns");
	kstep_json_str(j, "caller", st->caller);
	kstep_json_str(j, "decl", st->node->decl);
	kstep_json_str(j, (st->node->flags & KSTEP_NF_INLINE) ? "inlined_at" : "call_site", st->node->site);
	if (n->flags & KSTEP_NF_SITE_AMBIG)
		kstep_json_bool(j, "call_site_ambiguous", true);
	if (n->flags & KSTEP_NF_RETIP)
		hex_str(j, "retip", n->retip);
	if (n->at)
		hex_str(j, "at", n->at);
	if (st->ret)
		kstep_json_str(j, "resumed", st->caller);
	kstep_json_arr_open(j, "args");
	for (v = n->vals; v; v = v->next)
		if (kstep_render_val_here(st, v))
			json_val(j, NULL, v);
	kstep_json_arr_close(j);
	if (ret)
		json_val(j, "ret", n->retv);
	else
		kstep_json_null(j, "ret");
	kstep_json_str(j, "errno", err);
	json_flags(j, n);
	kstep_json_obj_open(j, "hidden");
	kstep_json_u64(j, "count", st->hidden_count);
	kstep_json_u64(j, "ns", st->hidden_ns);
	kstep_json_obj_close(j);
	if (n->nstack)
		json_stack(j, r, "stack", n->stack, n->nstack, false);
	if (n->nustack)
		json_stack(j, r, "user_stack", n->ustack, n->nustack, true);
	if (n->flags & KSTEP_NF_FRAME)
		kstep_json_u64(j, "merged_stacks", n->merged);
	if (st->nobjs)
		json_objects(j, st);
}

static void json_step(struct kstep_json *j, const struct kstep_render_ctx *r,
		      const struct kstep_step *st)
{
	kstep_json_obj_open(j, NULL);
	json_step_fields(j, r, st);
	kstep_json_obj_close(j);
}

static void json_notes(struct kstep_json *j, const char *key, const struct kstep_vec *v)
{
	size_t i;

	kstep_json_arr_open(j, key);
	for (i = 0; i < v->n; i++) {
		const struct kstep_note *nt = kstep_vec_at(v, i);

		kstep_json_obj_open(j, NULL);
		if (nt->step)
			kstep_json_i64(j, "step", nt->step);
		else
			kstep_json_null(j, "step");
		kstep_json_str(j, "text", nt->text);
		kstep_json_obj_close(j);
	}
	kstep_json_arr_close(j);
}

static void json_events(struct kstep_json *j, const struct kstep_render_ctx *r)
{
	size_t i;

	kstep_json_obj_open(j, "events");
	for (i = 0; i < r->h->nevents; i++)
		kstep_json_u64(j, r->h->event_names[i], r->h->event_counts[i]);
	kstep_json_obj_close(j);
}

/* "sources" and "footer": the same in the JSON document and in the last JSON-lines record. */
/* "definitions": the constants named, where the recording machine's headers define them. */
static void json_definitions(struct kstep_json *j, const struct kstep_steps *st)
{
	const struct kstep_def *d;
	size_t n, i, k;

	kstep_json_obj_open(j, "definitions");
	kstep_json_str(j, "not_recorded", kstep_defs_missing(st->defs));
	d = kstep_defs_used(st->defs, false, &n);
	kstep_json_arr_open(j, "items");
	for (i = 0; i < n; i++) {
		kstep_json_obj_open(j, NULL);
		kstep_json_str(j, "name", d[i].name);
		kstep_json_str(j, "value", d[i].value);
		kstep_json_str(j, "path", d[i].path);
		kstep_json_u64(j, "line", d[i].line);
		kstep_json_bool(j, "differs", d[i].differs);
		kstep_json_str(j, "text", d[i].text);
		kstep_json_arr_open(j, "links");
		for (k = 0; k < d[i].nlinks; k++) {
			const struct kstep_def_link *l = d[i].links[k];

			kstep_json_obj_open(j, NULL);
			kstep_json_str(j, "name", l->name);
			kstep_json_str(j, "kind", l->enumerator ? "enumerator" : "define");
			kstep_json_str(j, "value", l->value);
			kstep_json_str(j, "path", l->path);
			kstep_json_u64(j, "line", l->line);
			kstep_json_str(j, "sha256", l->sha256);
			kstep_json_obj_close(j);
		}
		kstep_json_arr_close(j);
		kstep_json_obj_close(j);
	}
	kstep_json_arr_close(j);
	kstep_json_obj_close(j);
}

static void json_footer(struct kstep_json *j, const struct kstep_steps *st)
{
	json_sources(j, "sources", st->sources);
	json_definitions(j, st);
	kstep_json_obj_open(j, "footer");
	json_notes(j, "underived", &st->underived);
	json_notes(j, "lost", &st->lost);
	json_notes(j, "missing", &st->missing);
	json_notes(j, "gaps", &st->gaps);
	kstep_json_u64(j, "hidden_total", st->hidden_total);
	kstep_json_str(j, "status", st->pass ? "PASS" : "FAIL");
	kstep_json_obj_close(j);
}

void kstep_json_log_begin(struct kstep_json *j, FILE *out, const struct kstep_render_ctx *r)
{
	const struct kstep_log_header *h = r->h;

	kstep_json_init(j, out, true);
	kstep_json_obj_open(j, NULL);
	kstep_json_str(j, "kstep", PACKAGE_VERSION);
	kstep_json_u64(j, "schema", KSTEP_JSON_SCHEMA);
	kstep_json_obj_open(j, "file");
	kstep_json_str(j, "path", h->path);
	kstep_json_u64(j, "version", (uint64_t)h->version);
	kstep_json_str(j, "compression", h->compression);
	kstep_json_str(j, "uname", h->uname);
	kstep_json_str(j, "clock", h->clock);
	kstep_json_str(j, "recorder", h->recorder);
	kstep_json_u64(j, "cpus", h->cpus);
	kstep_json_u64(j, "records", h->records);
	kstep_json_obj_close(j);
	kstep_json_obj_open(j, "task");
	kstep_json_i64(j, "pid", h->pid);
	kstep_json_str(j, "comm", h->comm);
	kstep_json_str(j, "how", h->how);
	kstep_json_obj_close(j);
	kstep_json_obj_open(j, "action");
	kstep_json_str(j, "text", h->action);
	kstep_json_u64(j, "from_ns", h->from);
	if (h->to == UINT64_MAX)
		kstep_json_null(j, "to_ns");
	else
		kstep_json_u64(j, "to_ns", h->to);
	kstep_json_obj_close(j);
	if (h->budget) {
		kstep_json_obj_open(j, "budget");
		kstep_json_i64(j, "steps", h->budget);
		kstep_json_i64(j, "shown", h->budget_shown);
		kstep_json_i64(j, "full", h->budget_full);
		kstep_json_obj_close(j);
	}
	json_events(j, r);
	kstep_json_arr_open(j, "steps");
}

void kstep_json_log_steps(struct kstep_json *j, const struct kstep_render_ctx *r)
{
	size_t i;

	for (i = 0; i < r->st->n; i++)
		json_step(j, r, &r->st->v[i]);
}

/* "sources" comes after the steps: they are only known once every step streamed past. */
void kstep_json_log_end(struct kstep_json *j, const struct kstep_render_ctx *r)
{
	const struct kstep_steps *st = r->st;

	kstep_json_arr_close(j);
	json_footer(j, st);
	kstep_json_obj_close(j);
	kstep_json_end(j);
}

void kstep_render_json(FILE *out, const struct kstep_render_ctx *r)
{
	struct kstep_json j;

	kstep_json_log_begin(&j, out, r);
	kstep_json_log_steps(&j, r);
	kstep_json_log_end(&j, r);
}

/* The release in a uname line "Linux HOST RELEASE ARCH ...", or NULL. */
static const char *uname_release(const char *uname, char *out, size_t len)
{
	const char *p = uname;
	size_t k;
	int i;

	if (!uname)
		return NULL;
	for (i = 0; i < 2 && p; i++) {
		p = strchr(p, ' ');
		p = p ? p + 1 : NULL;
	}
	if (!p || !*p)
		return NULL;
	k = strcspn(p, " ");
	snprintf(out, len, "%.*s", (int)(k < len ? k : len - 1), p);
	return out;
}

void kstep_jsonl_identity(struct kstep_json *j, const struct kstep_log_header *h, const char *record)
{
	char rel[128];

	kstep_json_str(j, "record", record);
	kstep_json_obj_open(j, "file");
	kstep_json_str(j, "path", h->path);
	kstep_json_str(j, "uname", h->uname);
	kstep_json_str(j, "release", uname_release(h->uname, rel, sizeof(rel)));
	kstep_json_str(j, "build_id", h->build_id);
	kstep_json_obj_close(j);
	kstep_json_obj_open(j, "task");
	kstep_json_i64(j, "pid", h->pid);
	kstep_json_str(j, "comm", h->comm);
	kstep_json_obj_close(j);
	kstep_json_obj_open(j, "action");
	kstep_json_str(j, "text", h->action);
	kstep_json_obj_close(j);
}

void kstep_jsonl_steps(struct kstep_json *j, const struct kstep_render_ctx *r)
{
	size_t i;

	for (i = 0; i < r->st->n; i++) {
		kstep_json_obj_open(j, NULL);
		kstep_jsonl_identity(j, r->h, "step");
		json_step_fields(j, r, &r->st->v[i]);
		kstep_json_obj_close(j);
		kstep_json_line(j);
	}
}

void kstep_jsonl_end(struct kstep_json *j, const struct kstep_render_ctx *r)
{
	const struct kstep_steps *st = r->st;

	kstep_json_obj_open(j, NULL);
	kstep_jsonl_identity(j, r->h, "footer");
	json_footer(j, st);
	kstep_json_obj_close(j);
	kstep_json_end(j);
}
