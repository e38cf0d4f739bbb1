// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * render-records.c - one line per step in the dotted form people already
 * write hand-traced logs in:
 *
 *   #N.Call.<fn>.Values.<raw>.Data.<decoded>.Work.<what>.Errors.<errno|None>.
 *   RealValue.<ret>.RealData.<meaning>.Caller.<caller>.Current.<fn>.Evidence.<tag>
 *
 * A field never holds a literal '.', so splitting on '.' always works:
 * '.', '%', ',', '=' and control characters inside a name or value are
 * percent-encoded (%2E, %25, %2C, %3D, %0A). Lists (Values, Data, Work) are
 * "name=value" items joined by ','. Footer lines start with '='. The grammar
 * is in doc/formats.md.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "defs.h"
#include "event.h"
#include "render.h"

static void esc(struct kstep_sbuf *b, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '.' || c == '%' || c == ',' || c == '=' || c < 0x20 || c == 0x7f)
			kstep_sbuf_addf(b, "%%%02X", c);
		else
			kstep_sbuf_addc(b, (char)c);
	}
}

static void field(struct kstep_sbuf *b, const char *name, const char *val)
{
	kstep_sbuf_addf(b, ".%s.", name);
	if (val && *val)
		esc(b, val);
	else
		kstep_sbuf_add(b, "None");
}

static void meaning(const struct kstep_val *v, char *out, size_t len)
{
	out[0] = '\0';
	switch (v->deriv) {
	case KSTEP_DERIV_PRODUCED:
		snprintf(out, len, "%s%snew", v->decoded ? v->decoded : "", v->decoded ? " " : "");
		return;
	case KSTEP_DERIV_STEP:
		if (v->from_step)
			snprintf(out, len, "%s%s#%d", v->decoded ? v->decoded : "", v->decoded ? " " : "",
				 v->from_step);
		else if (v->from_into)
			snprintf(out, len, "%s%sfolded:%s:#%d", v->decoded ? v->decoded : "", v->decoded ? " " : "",
				 v->from_name ? v->from_name : "?", v->from_into);
		else
			snprintf(out, len, "%s%shidden:%s", v->decoded ? v->decoded : "", v->decoded ? " " : "",
				 v->from_name ? v->from_name : "?");
		return;
	case KSTEP_DERIV_AMBIGUOUS:
		snprintf(out, len, "ambiguous:%u", v->ncand);
		return;
	case KSTEP_DERIV_SYMBOL:
		if (v->symoff)
			snprintf(out, len, "kallsyms:%s+0x%" PRIx64, v->sym, v->symoff);
		else
			snprintf(out, len, "kallsyms:%s", v->sym);
		return;
	case KSTEP_DERIV_UNDERIVED:
		snprintf(out, len, "underived");
		return;
	default:
		if (v->decoded)
			snprintf(out, len, "%s", v->decoded);
		return;
	}
}

static void list(struct kstep_sbuf *b, const char *name, const struct kstep_step *st, bool data)
{
	const struct kstep_val *v;
	size_t items = 0;

	kstep_sbuf_addf(b, ".%s.", name);
	for (v = st->node->vals; v; v = v->next) {
		char text[512];

		if (!kstep_render_val_here(st, v))
			continue;
		if (data)
			meaning(v, text, sizeof(text));
		else
			kstep_val_raw(v, text, sizeof(text));
		if (!text[0])
			continue;
		if (items++)
			kstep_sbuf_addc(b, ',');
		esc(b, v->name);
		kstep_sbuf_addc(b, '=');
		esc(b, text);
	}
	if (!items)
		kstep_sbuf_add(b, "None");
}

static void work(struct kstep_sbuf *b, const struct kstep_step *st)
{
	const struct kstep_node *n = st->node;
	uint64_t d = kstep_node_dur(n);

	kstep_sbuf_add(b, ".Work.");
	kstep_sbuf_add(b, kstep_step_kind(st));
	if (st->ret) {
		kstep_sbuf_addf(b, ",call=#%d", st->call);
		return;
	}
	if (d)
		kstep_sbuf_addf(b, ",dur=%" PRIu64 "ns", d);
	if (n->flags & KSTEP_NF_NO_EXIT)
		kstep_sbuf_add(b, ",no return recorded");
	if (n->flags & KSTEP_NF_NO_ENTRY)
		kstep_sbuf_add(b, ",no entry recorded");
	if (n->flags & KSTEP_NF_POINT)
		kstep_sbuf_add(b, ",entry only");
	if (n->flags & KSTEP_NF_FRAME)
		kstep_sbuf_addf(b, ",stacks=%" PRIu32, n->merged);
	if (st->hidden_count)
		kstep_sbuf_addf(b, ",hidden=%" PRIu32 "/%" PRIu64 "ns", st->hidden_count, st->hidden_ns);
}

static const char *current_fn(const struct kstep_node *n)
{
	if (n->kind == KSTEP_NODE_CALL || n->kind == KSTEP_NODE_SYSCALL)
		return kstep_node_name(n);
	while (n->parent && n->parent->kind != KSTEP_NODE_ROOT) {
		n = n->parent;
		if (n->kind == KSTEP_NODE_CALL || n->kind == KSTEP_NODE_SYSCALL)
			return kstep_node_name(n);
	}
	return NULL;
}

static void record(FILE *out, const struct kstep_step *st)
{
	const struct kstep_node *n = st->node;
	struct kstep_sbuf b = { 0 };
	char ret[512] = "", mean[512] = "";
	char label[320], where[700];
	const char *cur;

	kstep_render_name(n, label, sizeof(label));
	kstep_sbuf_addf(&b, "#%d", st->n);
	field(&b, "Call", label);
	list(&b, "Values", st, false);
	list(&b, "Data", st, true);
	work(&b, st);
	field(&b, "Errors", n->retv && kstep_step_shows_ret(st) ? kstep_val_errno(n->retv) : NULL);
	if (n->retv && kstep_step_shows_ret(st)) {
		kstep_val_raw(n->retv, ret, sizeof(ret));
		meaning(n->retv, mean, sizeof(mean));
	}
	field(&b, "RealValue", ret);
	field(&b, "RealData", mean);
	if (n->site && !(n->flags & KSTEP_NF_INLINE))
		snprintf(where, sizeof(where), "%s %s%s", st->caller ? st->caller : "?", n->site,
			 (n->flags & KSTEP_NF_SITE_AMBIG) ? " (ambiguous)" : "");
	else
		snprintf(where, sizeof(where), "%s", st->caller ? st->caller : "");
	field(&b, "Caller", where);
	cur = current_fn(n);
	if (n->flags & KSTEP_NF_INLINE)
		snprintf(where, sizeof(where), "%s [Inlined] at %s", cur ? cur : "?", n->site ? n->site : "?");
	else if (n->decl && cur)
		snprintf(where, sizeof(where), "%s %s", cur, n->decl);
	else
		snprintf(where, sizeof(where), "%s", cur ? cur : "");
	field(&b, "Current", where);
	field(&b, "Evidence", kstep_src_tag(n->src));
	/* the caller's place the call returned to, on the step that says the return */
	if (st->ret && n->site && !(n->flags & KSTEP_NF_INLINE))
		snprintf(where, sizeof(where), "%s %s", st->caller ? st->caller : "?", n->site);
	else if (st->ret)
		snprintf(where, sizeof(where), "%s", st->caller ? st->caller : "");
	else
		where[0] = '\0';
	field(&b, "Resumed", where);
	fprintf(out, "%s\n", kstep_sbuf_str(&b));
	kstep_sbuf_free(&b);
}

static void notes(FILE *out, const char *title, const struct kstep_vec *v)
{
	size_t i;

	if (!v->n)
		fprintf(out, "= %s: none\n", title);
	for (i = 0; i < v->n; i++)
		fprintf(out, "= %s: %s\n", title, ((const struct kstep_note *)kstep_vec_at(v, i))->text);
}

void kstep_records_steps(FILE *out, const struct kstep_render_ctx *r)
{
	size_t i;

	for (i = 0; i < r->st->n; i++)
		record(out, &r->st->v[i]);
}

void kstep_records_end(FILE *out, const struct kstep_render_ctx *r)
{
	const struct kstep_steps *st = r->st;
	const struct kstep_def *d;
	size_t n, i;

	/* the paths and names come from the file: written safe, as every other text of it */
	if (kstep_defs_missing(st->defs)) {
		fputs("= DEFINITIONS: not recorded: ", out);
		kstep_fputs_safe(out, kstep_defs_missing(st->defs));
		fputc('\n', out);
	}
	d = kstep_defs_used(st->defs, true, &n);
	for (i = 0; i < n; i++) {
		fputs("= DEFINITIONS: ", out);
		kstep_fputs_safe(out, d[i].text);
		fputc('\n', out);
	}
	notes(out, "NEW THINGS INTRODUCED WITHOUT DERIVATION", &st->underived);
	notes(out, "LOST EVENTS", &st->lost);
	notes(out, "MISSING DATA", &st->missing);
	notes(out, "KNOWN GAPS", &st->gaps);
	fprintf(out, "= REJECTION STATUS: %s\n", st->pass ? "PASS" : "FAIL");
}

void kstep_render_records(FILE *out, const struct kstep_render_ctx *r)
{
	kstep_records_steps(out, r);
	kstep_records_end(out, r);
}
