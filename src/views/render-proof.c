// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * render-proof.c - the step log in the dense form people write by hand and
 * check with pencil and paper: one line per step, no columns, no filler.
 *
 *   N. MARK WHAT[(VALUE ...)][ → RESULT][ +K folded TIME] [EVIDENCE]
 *
 * MARK says what kind of fact the line is: ✓ observed, ∴ derived from
 * earlier lines (every value it shows cites one, or names a kernel
 * symbol), ✗ a failure or a fact the log cannot account for (an errno, an
 * underived or ambiguous value, an unreadable read, a call without its
 * entry or return). A value is NAME=RAW [MEANING] and where it came from:
 * ←#M (the value of shown step M), ←NAME(hidden) (a step the view hides),
 * ←#M|#M2(ambiguous), =SYMBOL (kallsyms), new (produced here). The footer
 * is the text format's. The grammar is in doc/formats.md.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "event.h"
#include "render.h"

struct glyphs {
	const char *ok, *so, *no, *from, *to;
};

static const struct glyphs utf8 = { "\xe2\x9c\x93", "\xe2\x88\xb4", "\xe2\x9c\x97", "\xe2\x86\x90", "\xe2\x86\x92" };
static const struct glyphs ascii = { "ok", "so", "no", "<-", "->" };

/* NAME=RAW [MEANING] [WHERE FROM], appended to b. */
static void put_val(struct kstep_sbuf *b, const struct kstep_val *v, const struct glyphs *g)
{
	char raw[256];
	bool sym = v->deriv == KSTEP_DERIV_SYMBOL;

	kstep_val_raw(v, raw, sizeof(raw));
	kstep_sbuf_add(b, raw);
	/* a symbol's meaning starts with the symbol: said once, as the citation */
	if (sym && v->sym && v->decoded && strstr(v->decoded, v->sym)) {
		const char *d = v->decoded;

		if (!strncmp(d, "= ", 2))
			d += 2;
		kstep_sbuf_addf(b, " =%s", d);
		return;
	}
	if (v->decoded)
		kstep_sbuf_addf(b, " %s", v->decoded);
	if (v->unreadable) {
		kstep_sbuf_add(b, " unreadable");
		return;
	}
	switch (v->deriv) {
	case KSTEP_DERIV_PRODUCED:
		kstep_sbuf_add(b, " new");
		break;
	case KSTEP_DERIV_STEP:
		if (v->from_step)
			kstep_sbuf_addf(b, " %s#%d", g->from, v->from_step);
		else if (v->from_into)
			kstep_sbuf_addf(b, " %s#%d/%s", g->from, v->from_into, v->from_name ? v->from_name : "?");
		else
			kstep_sbuf_addf(b, " %s%s(hidden)", g->from, v->from_name ? v->from_name : "?");
		break;
	case KSTEP_DERIV_AMBIGUOUS:
		kstep_sbuf_addf(b, " %s", g->from);
		if (v->from_step)
			kstep_sbuf_addf(b, "#%d", v->from_step);
		else
			kstep_sbuf_addf(b, "%s", v->from_name ? v->from_name : "?");
		if (v->from_step2)
			kstep_sbuf_addf(b, "|#%d", v->from_step2);
		else
			kstep_sbuf_add(b, "|hidden");
		kstep_sbuf_addf(b, "(ambiguous: %u candidates)", v->ncand);
		break;
	case KSTEP_DERIV_SYMBOL:
		if (v->symoff)
			kstep_sbuf_addf(b, " =%s+0x%" PRIx64, v->sym, v->symoff);
		else
			kstep_sbuf_addf(b, " =%s", v->sym);
		break;
	case KSTEP_DERIV_UNDERIVED:
		kstep_sbuf_add(b, " underived");
		break;
	default:
		break;
	}
}

/* WHAT: the function, "syscall NAME", "SYS:EVENT", "[hardirq] FN"; a return step adds " returned". */
static void put_what(struct kstep_sbuf *b, const struct kstep_step *st)
{
	const struct kstep_node *n = st->node;
	char name[320];

	if (n->kind == KSTEP_NODE_CALL)
		kstep_sbuf_add(b, kstep_node_name(n));
	else if (n->kind == KSTEP_NODE_SYSCALL)
		kstep_sbuf_addf(b, "syscall %s", n->name ? n->name : "?");
	else {
		kstep_render_name(n, name, sizeof(name));
		kstep_sbuf_add(b, name);
	}
	if (st->ret)
		kstep_sbuf_add(b, " returned");
}

/* (VALUE ...): the step's own values, then the objects it read. */
static void put_vals(struct kstep_sbuf *b, const struct kstep_step *st, const struct glyphs *g, bool asc)
{
	const struct kstep_val *v;
	struct kstep_sbuf objs = { 0 };
	unsigned k = 0;

	for (v = st->node->vals; v; v = v->next) {
		if (!kstep_render_val_here(st, v) || v->obj)
			continue;
		kstep_sbuf_add(b, k++ ? " " : "(");
		kstep_sbuf_addf(b, "%s%s=", v->role == KSTEP_VAL_OUT ? "out:" : "", v->name);
		put_val(b, v, g);
	}
	kstep_render_objs(st, asc, &objs);
	if (objs.len) {
		kstep_sbuf_add(b, k++ ? "; " : "(");
		kstep_sbuf_add(b, objs.s);
	}
	kstep_sbuf_free(&objs);
	if (k)
		kstep_sbuf_add(b, ")");
}

/* One step as one line. *errno_seen carries a failed syscall forward to the program's -1. */
static void proof_step(FILE *out, const struct kstep_render_ctx *r, const struct kstep_step *st, bool asc,
		       bool *errno_seen)
{
	const struct glyphs *g = asc ? &ascii : &utf8;
	const struct kstep_node *n = st->node;
	const char *marks[] = { g->ok, g->so, g->no };
	struct kstep_sbuf b = { 0 };
	bool ret_errno = false;
	char tags[96];

	put_what(&b, st);
	put_vals(&b, st, g, asc);
	if (n->retv && kstep_step_shows_ret(st)) {
		kstep_sbuf_addf(&b, " %s ", g->to);
		put_val(&b, n->retv, g);
		ret_errno = kstep_val_errno(n->retv) != NULL;
	}
	if (n->kind == KSTEP_NODE_SYSCALL) {
		struct kstep_sbuf regs = { 0 };

		if (kstep_step_regs(r->h->uname, st, &regs) && regs.len)
			kstep_sbuf_addf(&b, " regs(%s)", regs.s);
		kstep_sbuf_free(&regs);
	}
	if (st->hidden_count && !st->ret) {
		char d[32];

		kstep_fmt_dur(d, sizeof(d), st->hidden_ns);
		kstep_sbuf_addf(&b, " +%" PRIu32 " folded%s%s", st->hidden_count, st->hidden_ns ? " " : "",
				st->hidden_ns ? d : "");
	}
	kstep_src_tags(n->src, tags, sizeof(tags));
	kstep_sbuf_addf(&b, " [%s]", tags);
	fprintf(out, "%d. %s ", st->n, marks[kstep_step_mark(st, *errno_seen)]);
	if (ret_errno && n->kind == KSTEP_NODE_SYSCALL)
		*errno_seen = true;
	kstep_fputs_safe(out, b.s);
	fputc('\n', out);
	kstep_sbuf_free(&b);
}

void kstep_proof_begin(FILE *out, const struct kstep_render_ctx *r, struct kstep_proof *p)
{
	struct kstep_render_ctx one_pass = *r;

	/* one pass: the log's sources are known at its end */
	one_pass.tree = true;
	p->errno_seen = false;
	kstep_render_header_text(out, &one_pass, "steps");
}

void kstep_proof_steps(FILE *out, const struct kstep_render_ctx *r, struct kstep_proof *p)
{
	size_t i;

	for (i = 0; i < r->st->n; i++)
		proof_step(out, r, &r->st->v[i], r->ascii, &p->errno_seen);
}

void kstep_proof_end(FILE *out, const struct kstep_render_ctx *r)
{
	char tags[128];

	kstep_src_tags(r->sources, tags, sizeof(tags));
	fprintf(out, "\nsources: %s\n", tags[0] ? tags : "none");
	kstep_text_end(out, r);
}
