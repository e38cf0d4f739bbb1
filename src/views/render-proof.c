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
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "kdoc.h"
#include "lookups.h"
#include "render-objects.h"
#include "render.h"

struct glyphs {
	const char *ok, *so, *no, *from, *to;
};

static const struct glyphs utf8 = { "\xe2\x9c\x93", "\xe2\x88\xb4", "\xe2\x9c\x97", "\xe2\x86\x90", "\xe2\x86\x92" };
static const struct glyphs ascii = { "ok", "so", "no", "<-", "->" };

/* Where a value came from, when it cites a step: " ←#N", " ←#N/NAME" (folded), " ←NAME(hidden)". */
static void put_cite(struct kstep_sbuf *b, const struct kstep_val *v, const struct glyphs *g)
{
	if (v->deriv != KSTEP_DERIV_STEP)
		return;
	if (v->from_step)
		kstep_sbuf_addf(b, " %s#%d", g->from, v->from_step);
	else if (v->from_into)
		kstep_sbuf_addf(b, " %s#%d/%s", g->from, v->from_into, v->from_name ? v->from_name : "?");
	else
		kstep_sbuf_addf(b, " %s%s(hidden)", g->from, v->from_name ? v->from_name : "?");
}

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
		put_cite(b, v, g);
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
static void put_vals(struct kstep_sbuf *b, const struct kstep_step *st, const struct glyphs *g)
{
	const struct kstep_val *v;
	unsigned k = 0;

	for (v = st->node->vals; v; v = v->next) {
		if (!kstep_render_val_here(st, v) || v->obj)
			continue;
		kstep_sbuf_add(b, k++ ? " " : "(");
		kstep_sbuf_addf(b, "%s%s=", v->role == KSTEP_VAL_OUT ? "out:" : "", v->name);
		put_val(b, v, g);
	}
	if (k)
		kstep_sbuf_add(b, ")");
}

/* Objects: drawn under the step that read them, and their last state at the end. */

#define PROOF_OBJS 64		/* objects remembered for the end (the first ones seen) */
#define PROOF_FIELDS 24
#define PROOF_FDS 16

struct pobj {
	uint64_t addr;
	char type[48];
	int step;			/* the last step that read it */
	unsigned nf;
	struct {
		char name[48];
		char now[128];
		uint64_t raw;
	} f[PROOF_FIELDS];
};

struct proof_state {
	struct pobj objs[PROOF_OBJS];
	size_t nobjs;
	struct {
		long fd;
		uint64_t file;
		int step;
	} fds[PROOF_FDS];
	size_t nfds;
};

/* The box of one object read: the whole object where the log sees it first, else what changed. */
static void draw(FILE *out, const struct kstep_objdelta *d, bool asc, const struct glyphs *g)
{
	struct kstep_sbuf title = { 0 };
	const char *names[PROOF_FIELDS];
	char *vals[PROOF_FIELDS];
	char raw[64];
	unsigned i, n = 0;
	bool first = !d->since;

	kstep_val_raw(d->addr, raw, sizeof(raw));
	kstep_sbuf_addf(&title, "%s %s", d->type, raw);
	put_cite(&title, d->addr, g);
	if (d->none)
		kstep_sbuf_add(&title, ": no object there, nothing read");
	else if (first && d->born)
		kstep_sbuf_addf(&title, " new (allocated at #%d)", d->born);
	else if (first)
		kstep_sbuf_add(&title, " first seen");
	else if (!d->nchanged && !d->nfresh && !d->nunread)
		kstep_sbuf_addf(&title, " unchanged since #%d", d->since);
	else
		kstep_sbuf_addf(&title, " since #%d", d->since);
	for (i = 0; !d->none && i < d->nf && n < PROOF_FIELDS; i++) {
		const struct kstep_objfd *f = &d->f[i];
		struct kstep_sbuf v = { 0 };
		bool unread = f->v->unreadable;

		if (!first && !f->changed && !f->fresh && !unread)
			continue;
		if (f->changed)
			kstep_sbuf_addf(&v, "%s %s %s", f->was, g->to, f->now);
		else
			kstep_sbuf_add(&v, f->now);
		if (!unread)
			put_cite(&v, f->v, g);
		names[n] = f->name;
		vals[n++] = kstep_sbuf_steal(&v);
	}
	kstep_render_box(out, asc, 4, title.s, n, names, (const char *const *)vals);
	while (n)
		free(vals[--n]);
	kstep_sbuf_free(&title);
}

static struct pobj *pobj_get(struct proof_state *ps, uint64_t addr, const char *type)
{
	size_t i;

	for (i = 0; i < ps->nobjs; i++)
		if (ps->objs[i].addr == addr && !strcmp(ps->objs[i].type, type))
			return &ps->objs[i];
	if (ps->nobjs == PROOF_OBJS)
		return NULL;
	ps->objs[ps->nobjs] = (struct pobj){ .addr = addr };
	snprintf(ps->objs[ps->nobjs].type, sizeof(ps->objs[0].type), "%s", type);
	return &ps->objs[ps->nobjs++];
}

/* Remembers what the step read of each object, for the end. */
static void remember(struct proof_state *ps, const struct kstep_step *st)
{
	unsigned i, j, k;

	for (i = 0; i < st->nobjs; i++) {
		const struct kstep_objdelta *d = &st->objs[i];
		struct pobj *o = d->none ? NULL : pobj_get(ps, d->addr->num, d->type);

		if (!o)
			continue;
		o->step = st->n;
		for (j = 0; j < d->nf; j++) {
			const struct kstep_objfd *f = &d->f[j];

			for (k = 0; k < o->nf && strcmp(o->f[k].name, f->name); k++)
				;
			if (k == o->nf) {
				if (o->nf == PROOF_FIELDS)
					continue;
				o->nf++;
				snprintf(o->f[k].name, sizeof(o->f[k].name), "%s", f->name);
			}
			snprintf(o->f[k].now, sizeof(o->f[k].now), "%s", f->now);
			o->f[k].raw = f->v->unreadable ? 0 : f->v->num;
		}
	}
	if (!st->ret && st->node->kind == KSTEP_NODE_CALL && !strcmp(kstep_node_name(st->node), "fd_install") &&
	    ps->nfds < PROOF_FDS) {
		const struct kstep_val *fd = kstep_node_val(st->node, "fd"), *file = kstep_node_val(st->node, "file");

		if (fd && file && fd->type != KSTEP_VT_STR && file->type != KSTEP_VT_STR) {
			ps->fds[ps->nfds].fd = (long)(int64_t)fd->num;
			ps->fds[ps->nfds].file = file->num;
			ps->fds[ps->nfds++].step = st->n;
		}
	}
}

static struct pobj *pobj_at(struct proof_state *ps, uint64_t addr)
{
	size_t i;

	for (i = 0; i < ps->nobjs; i++)
		if (ps->objs[i].addr == addr && addr)
			return &ps->objs[i];
	return NULL;
}

/* One object as it was last read, its pointers to other objects named. */
static void draw_last(FILE *out, struct proof_state *ps, const struct pobj *o, bool asc, const struct glyphs *g)
{
	const char *names[PROOF_FIELDS];
	char *vals[PROOF_FIELDS], title[128];
	unsigned i;

	snprintf(title, sizeof(title), "%s 0x%" PRIx64 " (last read at #%d)", o->type, o->addr, o->step);
	for (i = 0; i < o->nf; i++) {
		const struct pobj *to = pobj_at(ps, o->f[i].raw);
		struct kstep_sbuf v = { 0 };

		kstep_sbuf_add(&v, o->f[i].now);
		if (to && to != o && !strstr(o->f[i].now, to->type))
			kstep_sbuf_addf(&v, " %s %s", g->to, to->type);
		names[i] = o->f[i].name;
		vals[i] = kstep_sbuf_steal(&v);
	}
	kstep_render_box(out, asc, 2, title, o->nf, names, (const char *const *)vals);
	while (i)
		free(vals[--i]);
}

/*
 * The chain the action built, from each fd_install: fd N → file → socket →
 * sock, following pointer fields to objects the log read; then every other
 * object, as it was last read.
 */
static void objects_end(FILE *out, struct proof_state *ps, bool asc, const struct glyphs *g)
{
	size_t order[PROOF_OBJS], n = 0, i, j;
	bool drawn[PROOF_OBJS] = { false };

	if (!ps->nobjs)
		return;
	fprintf(out, "\nOBJECTS AT THE END\n");
	for (i = 0; i < ps->nfds; i++) {
		struct pobj *o = pobj_at(ps, ps->fds[i].file);

		fprintf(out, "  fd %ld (#%d fd_install)", ps->fds[i].fd, ps->fds[i].step);
		while (o && !drawn[o - ps->objs]) {
			struct pobj *next = NULL;

			drawn[o - ps->objs] = true;
			order[n++] = (size_t)(o - ps->objs);
			fprintf(out, " %s %s 0x%" PRIx64, g->to, o->type, o->addr);
			for (j = 0; j < o->nf && !next; j++) {
				struct pobj *to = pobj_at(ps, o->f[j].raw);

				if (to && !drawn[to - ps->objs])
					next = to;
			}
			o = next;
		}
		fputc('\n', out);
	}
	for (i = 0; i < ps->nobjs; i++)
		if (!drawn[i])
			order[n++] = i;
	for (i = 0; i < n; i++)
		draw_last(out, ps, &ps->objs[order[i]], asc, g);
}

/* One step as one line. *errno_seen carries a failed syscall forward to the program's -1. */
static void proof_step(FILE *out, const struct kstep_render_ctx *r, const struct kstep_step *st, bool asc,
		       struct kstep_proof *p)
{
	const struct glyphs *g = asc ? &ascii : &utf8;
	const struct kstep_node *n = st->node;
	const char *marks[] = { g->ok, g->so, g->no };
	struct kstep_sbuf b = { 0 };
	unsigned i;
	bool ret_errno = false;
	char tags[96];

	put_what(&b, st);
	put_vals(&b, st, g);
	if (n->retv && kstep_step_shows_ret(st)) {
		kstep_sbuf_addf(&b, " %s ", g->to);
		put_val(&b, n->retv, g);
		ret_errno = kstep_val_errno(n->retv) != NULL;
	}
	if (n->kind == KSTEP_NODE_SYSCALL) {
		struct kstep_sbuf regs = { 0 };

		if (kstep_step_regs(r->h->uname, st, &regs) && regs.len)
			kstep_sbuf_addf(&b, " regs(%s)", regs.s);
		kstep_sbuf_reset(&regs);
		if (kstep_step_entry(r->h->ks, st, r->ascii, &regs) && regs.len)
			kstep_sbuf_addf(&b, " via(%s)", regs.s);
		kstep_sbuf_free(&regs);
	}
	if (!st->ret) {
		struct kstep_sbuf lk = { 0 };

		if (kstep_lookups_text(r->st->lookups, r->h->ks, n, r->ascii, &lk))
			kstep_sbuf_addf(&b, " lookup(%s)", lk.s);
		kstep_sbuf_free(&lk);
	}
	if (st->hidden_count && !st->ret) {
		char d[32];

		kstep_fmt_dur(d, sizeof(d), st->hidden_ns);
		kstep_sbuf_addf(&b, " +%" PRIu32 " folded%s%s", st->hidden_count, st->hidden_ns ? " " : "",
				st->hidden_ns ? d : "");
	}
	kstep_src_tags(n->src, tags, sizeof(tags));
	kstep_sbuf_addf(&b, " [%s]", tags);
	fprintf(out, "%d. %s ", st->n, marks[kstep_step_mark(st, p->errno_seen)]);
	if (ret_errno && n->kind == KSTEP_NODE_SYSCALL)
		p->errno_seen = true;
	kstep_fputs_safe(out, b.s);
	fputc('\n', out);
	kstep_sbuf_free(&b);
	if (p->kdoc && !st->ret && n->kind == KSTEP_NODE_CALL && n->decl) {
		char where[512];
		const char *why = kstep_kdoc_summary(p->kdoc, kstep_node_name(n), n->decl, where, sizeof(where));

		if (why) {
			fprintf(out, "    kernel-doc %s: %s - ", where, kstep_node_name(n));
			kstep_fputs_safe(out, why);
			fputc('\n', out);
		}
	}
	for (i = 0; i < st->nobjs; i++)
		draw(out, &st->objs[i], asc, g);
	remember(p->objs, st);
}

void kstep_proof_begin(FILE *out, const struct kstep_render_ctx *r, struct kstep_proof *p)
{
	struct kstep_render_ctx one_pass = *r;

	/* one pass: the log's sources are known at its end */
	one_pass.tree = true;
	p->errno_seen = false;
	p->objs = kstep_xcalloc(1, sizeof(*p->objs));
	kstep_render_header_text(out, &one_pass, "steps");
}

void kstep_proof_steps(FILE *out, const struct kstep_render_ctx *r, struct kstep_proof *p)
{
	size_t i;

	for (i = 0; i < r->st->n; i++)
		proof_step(out, r, &r->st->v[i], r->ascii, p);
}

void kstep_proof_end(FILE *out, const struct kstep_render_ctx *r, struct kstep_proof *p)
{
	char tags[128];

	objects_end(out, p->objs, r->ascii, r->ascii ? &ascii : &utf8);
	free(p->objs);
	p->objs = NULL;
	if (*p->kdoc_why) {
		fputs("\nkernel-doc: not used: ", out);
		kstep_fputs_safe(out, p->kdoc_why);
		fputc('\n', out);
	}
	kstep_src_tags(r->sources, tags, sizeof(tags));
	fprintf(out, "\nsources: %s\n", tags[0] ? tags : "none");
	kstep_text_end(out, r);
}
