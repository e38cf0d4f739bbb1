// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * render-text.c - the step log and the tree for people: aligned columns,
 * one step per line, the footer after.
 */
#include "config.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decode.h"
#include "defs.h"
#include "event.h"
#include "render.h"

/* Colour (--color): SGR sequences around a part of a cell; its width is the text's. */
#define C_OFF "\033[0m"
#define C_DERIVED "\033[32m"
#define C_UNDERIVED "\033[1;31m"
#define C_ERROR "\033[31m"
#define C_TAG "\033[36m"
#define C_INFERRED "\033[33m"

#define NAME_MAX_W 56
#define VALS_MAX_W 72

/* Copies s and then t into out (len > 0), cut to fit: the common names without printf. */
static void cat2(char *out, size_t len, const char *s, const char *t)
{
	size_t a = strlen(s), b = strlen(t);

	if (a >= len)
		a = len - 1;
	memcpy(out, s, a);
	if (b >= len - a)
		b = len - a - 1;
	memcpy(out + a, t, b);
	out[a + b] = '\0';
}

void kstep_render_name(const struct kstep_node *n, char *out, size_t len)
{
	switch (n->kind) {
	case KSTEP_NODE_IRQ:
		snprintf(out, len, "[%s]%s%s", n->name, n->fn ? " " : "", n->fn ? n->fn->name : "");
		break;
	case KSTEP_NODE_OFFCPU:
		snprintf(out, len, "[off-cpu]");
		break;
	case KSTEP_NODE_SYSCALL:
		snprintf(out, len, "%s()", n->name ? n->name : "?");
		break;
	case KSTEP_NODE_CALL:
		cat2(out, len, kstep_node_name(n), (n->flags & KSTEP_NF_FRAME) ? "" : "()");
		break;
	default:
		snprintf(out, len, "%s", kstep_node_name(n));
		break;
	}
}

void kstep_render_val(const struct kstep_val *v, bool with_deriv, char *out, size_t len)
{
	char raw[256];
	size_t n;

	kstep_val_raw(v, raw, sizeof(raw));
	n = (size_t)snprintf(out, len, "%s", raw);
	if (v->decoded && n < len)
		n += (size_t)snprintf(out + n, len - n, " %s", v->decoded);
	if (!with_deriv || n >= len)
		return;
	switch (v->deriv) {
	case KSTEP_DERIV_PRODUCED:
		snprintf(out + n, len - n, " (new)");
		break;
	case KSTEP_DERIV_STEP:
	case KSTEP_DERIV_AMBIGUOUS:
		kstep_render_cite(v, out + n, len - n);
		break;
	case KSTEP_DERIV_SYMBOL:
		if (v->decoded && strstr(v->decoded, v->sym))
			snprintf(out + n, len - n, " (kallsyms)");
		else if (v->symoff)
			snprintf(out + n, len - n, " = %s+0x%" PRIx64 " (kallsyms)", v->sym, v->symoff);
		else
			snprintf(out + n, len - n, " = %s (kallsyms)", v->sym);
		break;
	case KSTEP_DERIV_UNDERIVED:
		snprintf(out + n, len - n, " (underived)");
		break;
	default:
		break;
	}
}

/* " (#15)", " (sk_alloc, hidden)", " (ambiguous: #5 or #9)": where a value came from. */
void kstep_render_cite(const struct kstep_val *v, char *out, size_t len)
{
	char a[160], b[160];

	if (v->from_step)
		snprintf(a, sizeof(a), "#%d", v->from_step);
	else if (v->from_into)
		snprintf(a, sizeof(a), "%s, folded into #%d", v->from_name ? v->from_name : "?", v->from_into);
	else
		snprintf(a, sizeof(a), "%s, hidden", v->from_name ? v->from_name : "?");
	if (v->deriv != KSTEP_DERIV_AMBIGUOUS) {
		snprintf(out, len, " (%s)", a);
		return;
	}
	if (v->from_step2)
		snprintf(b, sizeof(b), "#%d", v->from_step2);
	else
		snprintf(b, sizeof(b), "a hidden step");
	snprintf(out, len, " (ambiguous: %u earlier steps returned it, the latest %s and %s)", v->ncand, a, b);
}

bool kstep_render_val_here(const struct kstep_step *st, const struct kstep_val *v)
{
	return kstep_step_val_here(st, v);
}

/* A field's derivation, when it has one: " (#N)". */
static void field_cite(const struct kstep_val *v, char *out, size_t len)
{
	out[0] = '\0';
	if (v->deriv == KSTEP_DERIV_STEP || v->deriv == KSTEP_DERIV_AMBIGUOUS)
		kstep_render_cite(v, out, len);
}

/*
 * One object read: "socket 0x… (#16) new: state 1 SS_UNCONNECTED, sk NULL"
 * where the log sees it first, else only what changed since the step that
 * last saw it ("sk NULL → 0x… (#84)"), or that nothing did.
 */
static void obj_text(const struct kstep_objdelta *d, bool obj, bool ascii, struct kstep_sbuf *b)
{
	char cite[256];
	bool first = !d->since;
	unsigned i, shown = 0;

	field_cite(d->addr, cite, sizeof(cite));
	if (d->none) {
		char raw[64];

		kstep_val_raw(d->addr, raw, sizeof(raw));
		kstep_sbuf_addf(b, "%s%s %s%s: no object there, nothing read", b->len ? (obj ? "; " : " ") : "",
				d->type, raw, cite);
		return;
	}
	kstep_sbuf_addf(b, "%s%s 0x%" PRIx64 "%s", b->len ? (obj ? "; " : " ") : "", d->type, d->addr->num, cite);
	if (first)
		kstep_sbuf_addf(b, d->born ? " new (allocated at #%d):" : " first seen:", d->born);
	else if (!d->nchanged && !d->nfresh && !d->nunread)
		kstep_sbuf_addf(b, " unchanged since #%d", d->since);
	else
		kstep_sbuf_addf(b, " since #%d:", d->since);
	for (i = 0; i < d->nf; i++) {
		const struct kstep_objfd *f = &d->f[i];
		bool unread = f->v->unreadable;

		if (!first && !f->changed && !f->fresh && !unread)
			continue;
		field_cite(f->v, cite, sizeof(cite));
		if (f->changed)
			kstep_sbuf_addf(b, "%s %s %s %s %s%s", shown++ ? "," : "", f->name, f->was, ascii ? "->" : "→",
					f->now, cite);
		else
			kstep_sbuf_addf(b, "%s %s %s%s", shown++ ? "," : "", f->name, f->now, unread ? "" : cite);
	}
}

static void vals_text(const struct kstep_step *st, bool ascii, struct kstep_sbuf *b)
{
	const struct kstep_node *n = st->node;
	const struct kstep_val *v;
	char one[512];

	unsigned i;

	for (v = n->vals; v; v = v->next) {
		if (!kstep_render_val_here(st, v) || v->obj)
			continue;
		kstep_render_val(v, true, one, sizeof(one));
		kstep_sbuf_addf(b, "%s%s%s=%s", b->len ? " " : "",
				v->role == KSTEP_VAL_OUT ? "out:" : "", v->name, one);
	}
	for (i = 0; i < st->nobjs; i++)
		obj_text(&st->objs[i], i > 0, ascii, b);
	if (!st->ret && n->kind == KSTEP_NODE_EVENT && n->nstack && !(n->flags & KSTEP_NF_STACK_MERGED))
		kstep_sbuf_addf(b, "%s[stack of %" PRIu32 " frames]", b->len ? " " : "", n->nstack);
}

static void ret_text(const struct kstep_node *n, bool ascii, struct kstep_sbuf *b)
{
	char one[512];

	if (!n->retv)
		return;
	kstep_render_val(n->retv, true, one, sizeof(one));
	kstep_sbuf_addf(b, "%s %s", ascii ? "->" : "→", one);
}

const char *kstep_short_path(const char *path)
{
	const char *p, *best = path;

	/* the last directory named build_* (out-of-tree kernel builds) ends the prefix */
	for (p = path; (p = strstr(p, "build_")); p++)
		if (p == path || p[-1] == '/') {
			const char *slash = strchr(p, '/');

			if (slash)
				best = slash + 1;
		}
	return best;
}

/* A call site in short: each candidate of an ambiguous one shortened ("A or B"). */
static void short_site(const struct kstep_node *n, char *out, size_t len)
{
	const char *p = n->site, *or;
	size_t used = 0;

	out[0] = '\0';
	while (p && used < len) {
		or = strstr(p, " or ");
		p = kstep_short_path(p);
		used += (size_t)snprintf(out + used, len - used, "%.*s%s", (int)(or ? (size_t)(or - p) : strlen(p)), p,
					 or ? " or " : (n->flags & KSTEP_NF_SITE_AMBIG) ? " (ambiguous)" : "");
		p = or ? or + 4 : NULL;
	}
}

static void time_text(const struct kstep_node *n, bool ascii, char *out, size_t len)
{
	uint64_t d = kstep_node_dur(n);

	if (n->flags & KSTEP_NF_NO_EXIT)
		snprintf(out, len, "no return");
	else if (n->flags & KSTEP_NF_NO_ENTRY)
		snprintf(out, len, "no entry");
	else if (d && len >= 32)
		kstep_fmt_dur32(out, d, !ascii);
	else if (d) {
		kstep_fmt_dur(out, len, d);
	} else
		snprintf(out, len, "%s", ascii ? "-" : "–");
}

static const char spaces[] = "                                                                ";

/* Escapes buf in place (see kstep_text_safe): the trace chose some of it. */
static void safe_inplace(char *buf, size_t len)
{
	char tmp[1024];
	const char *t = kstep_text_safe(buf, tmp, sizeof(tmp) < len ? sizeof(tmp) : len);

	if (t != buf)
		snprintf(buf, len, "%s", t);
}

/* Returns s escaped, in a new string the caller frees; takes s. */
static char *safe_take(char *s)
{
	struct kstep_sbuf b = { 0 };
	size_t n = strlen(s);

	if (kstep_text_safe_prefix(s, n) == n)
		return s;
	kstep_sbuf_add_safe(&b, s, n);
	free(s);
	return kstep_sbuf_steal(&b);
}

/* fprintf with every %s argument escaped is not possible in C: the header's
 * strings go through this one at a time. */
static const char *hs(const char *s, char *tmp, size_t len)
{
	return s ? kstep_text_safe(s, tmp, len) : NULL;
}

void kstep_render_header_text(FILE *out, const struct kstep_render_ctx *r, const char *what)
{
	const struct kstep_log_header *h = r->h;
	const char *sep = r->ascii ? " | " : " · ";
	char tags[128];
	char t1[512], t2[512], t3[512], t4[512];

	fprintf(out, "kstep %s: %s (pid %d)%s%s\n", what, hs(h->comm, t1, sizeof(t1)), h->pid, sep,
		hs(h->action, t2, sizeof(t2)));
	fprintf(out, "file %s%strace.dat v%d %s%s", hs(h->path, t1, sizeof(t1)), sep, h->version,
		h->compression, sep);
	fprintf(out, "%s%sclock %s%srecorded by %s\n",
		h->uname ? hs(h->uname, t2, sizeof(t2)) : "kernel not recorded", sep,
		h->clock ? hs(h->clock, t3, sizeof(t3)) : "?", sep, hs(h->recorder, t4, sizeof(t4)));
	kstep_src_tags(r->sources, tags, sizeof(tags));
	fprintf(out, "task chosen: %s%ssources: %s\n", h->how ? hs(h->how, t1, sizeof(t1)) : "-", sep,
		r->tree ? "listed at the end" : tags[0] ? tags : "none");
	if (h->budget)
		fprintf(out, "--steps %d: %d of the %d steps shown; the others are folded into the step above "
			"them (their count and time), and a value one produced cites it as folded into #N\n",
			h->budget, h->budget_shown, h->budget_full);
	fputc('\n', out);
}

struct row {
	char num[KSTEP_NUM_LEN];
	char name[320];
	char *vals;
	char *ret;
	char time[32];
	const char *caller;
	char callerbuf[256];
	char line[1024];		/* DWARF: the call's line, or where it was inlined */
	const char *tag;
	char hidden[96];
};

static char empty[1];

static void row_free(struct row *row)
{
	if (row->vals != empty)
		free(row->vals);
	if (row->ret != empty)
		free(row->ret);
}

/* "  (+N hidden, DURATION)", without printf: most rows of a function_graph log have one. */
static void hidden_text(const struct kstep_step *st, char *out, size_t len)
{
	char b[96];
	size_t n = 0;

	memcpy(b, "  (+", 4);
	n = 4 + kstep_fmt_u64(b + 4, st->hidden_count);
	memcpy(b + n, " hidden", 7);
	n += 7;
	if (st->hidden_ns) {
		memcpy(b + n, ", ", 2);
		n += 2;
		kstep_fmt_dur(b + n, sizeof(b) - n - 2, st->hidden_ns);
		n += strlen(b + n);
	}
	b[n++] = ')';
	if (n >= len)
		n = len - 1;
	memcpy(out, b, n);
	out[n] = '\0';
}

static void make_row(const struct kstep_render_ctx *r, const struct kstep_step *st, struct row *row)
{
	struct kstep_sbuf b = { 0 };
	size_t k = st->depth > 0 ? 2 * (size_t)st->depth : 0;

	kstep_fmt_u64(row->num, (uint64_t)st->n);
	if (k > 160)
		k = 160;
	memset(row->name, ' ', k);
	kstep_render_name(st->node, row->name + k, sizeof(row->name) - k < 256 ? sizeof(row->name) - k : 256);
	if (st->ret) {
		size_t l = strlen(row->name);

		snprintf(row->name + l, sizeof(row->name) - l, " returned");
	}
	row->vals = empty;
	if (st->node->vals || st->node->nstack) {
		vals_text(st, r->ascii, &b);
		row->vals = safe_take(kstep_sbuf_steal(&b));
	}
	row->ret = empty;
	if (st->node->retv && kstep_step_shows_ret(st)) {
		ret_text(st->node, r->ascii, &b);
		row->ret = safe_take(kstep_sbuf_steal(&b));
	}
	if (st->ret)
		snprintf(row->time, sizeof(row->time), "%s", r->ascii ? "-" : "–");
	else
		time_text(st->node, r->ascii, row->time, sizeof(row->time));
	row->caller = st->caller ? kstep_text_safe(st->caller, row->callerbuf, sizeof(row->callerbuf)) : "-";
	if (st->ret) {
		char tmp[256];

		/* a system call with no traced caller returns to user space */
		snprintf(tmp, sizeof(tmp), "resumed in %s", st->node->kind == KSTEP_NODE_SYSCALL &&
			 !strcmp(row->caller, "-") ? "user space" : row->caller);
		snprintf(row->callerbuf, sizeof(row->callerbuf), "%s", tmp);
		row->caller = row->callerbuf;
	}
	row->line[0] = '\0';
	if (st->node->site) {
		char site[900];

		short_site(st->node, site, sizeof(site));
		snprintf(row->line, sizeof(row->line), "%s%s",
			 (st->node->flags & KSTEP_NF_INLINE) ? "inlined at " : "", site);
	}
	safe_inplace(row->name, sizeof(row->name));
	safe_inplace(row->line, sizeof(row->line));
	row->tag = kstep_src_tag(st->node->src);
	row->hidden[0] = '\0';
	if (st->hidden_count && !st->ret)
		hidden_text(st, row->hidden, sizeof(row->hidden));
}

/* The constants the log named, where the recording machine's headers define them. */
static void definitions(FILE *out, const struct kstep_steps *st, bool ascii)
{
	const struct kstep_def *d;
	size_t n, i;

	fprintf(out, "\nDEFINITIONS (the recording machine's headers)\n");
	if (kstep_defs_missing(st->defs)) {
		fprintf(out, "  not recorded: ");
		kstep_fputs_safe(out, kstep_defs_missing(st->defs));
		fputc('\n', out);
		return;
	}
	d = kstep_defs_used(st->defs, ascii, &n);
	if (!n)
		fprintf(out, "  none named\n");
	for (i = 0; i < n; i++) {
		fprintf(out, "  %s ", ascii ? "-" : "•");
		kstep_fputs_safe(out, d[i].text);
		fputc('\n', out);
	}
}

static void footer(FILE *out, const struct kstep_steps *st, bool ascii, bool color)
{
	static const struct {
		const char *title;
		size_t off;
	} parts[] = {
		{ "NEW THINGS INTRODUCED WITHOUT DERIVATION", offsetof(struct kstep_steps, underived) },
		{ "LOST EVENTS", offsetof(struct kstep_steps, lost) },
		{ "MISSING DATA", offsetof(struct kstep_steps, missing) },
		{ "KNOWN GAPS", offsetof(struct kstep_steps, gaps) },
	};
	size_t p, i;

	definitions(out, st, ascii);
	for (p = 0; p < KSTEP_ARRAY_SIZE(parts); p++) {
		const struct kstep_vec *v = (const void *)((const char *)st + parts[p].off);

		fprintf(out, "\n%s\n", parts[p].title);
		if (!v->n)
			fprintf(out, "  none\n");
		for (i = 0; i < v->n; i++)
		{
			fprintf(out, "  %s ", ascii ? "-" : "•");
			kstep_fputs_safe(out, ((const struct kstep_note *)kstep_vec_at(v, i))->text);
			fputc('\n', out);
		}
	}
	if (st->pass)
		fprintf(out, "\nREJECTION STATUS: %sPASS%s\n", color ? C_DERIVED : "", color ? C_OFF : "");
	else
		fprintf(out, "\nREJECTION STATUS: %sFAIL%s (%zu underived, %zu lost, %zu missing)\n",
			color ? C_UNDERIVED : "", color ? C_OFF : "", st->underived.n, st->lost.n, st->missing.n);
}

static size_t maxz(size_t a, size_t b)
{
	return a > b ? a : b;
}

/*
 * A row's cells as print_row reads them: pointing into a row just made, or
 * into a record read back from the spool.
 */
enum { CELL_NUM, CELL_NAME, CELL_VALS, CELL_RET, CELL_TIME, CELL_CALLER, CELL_LINE, CELL_TAG, CELL_HIDDEN,
       NCELLS };

struct cells {
	const char *c[NCELLS];
	size_t len[NCELLS];
};

static void cells_measure(struct cells *c)
{
	size_t i;

	for (i = 0; i < NCELLS; i++)
		c->len[i] = strlen(c->c[i]);
}

static void cells_of(const struct row *row, struct cells *c)
{
	c->c[CELL_NUM] = row->num;
	c->c[CELL_NAME] = row->name;
	c->c[CELL_VALS] = row->vals;
	c->c[CELL_RET] = row->ret;
	c->c[CELL_TIME] = row->time;
	c->c[CELL_CALLER] = row->caller;
	c->c[CELL_LINE] = row->line;
	c->c[CELL_TAG] = row->tag;
	c->c[CELL_HIDDEN] = row->hidden;
	cells_measure(c);
}

/* width in characters of a UTF-8 string of n bytes */
static size_t cols_n(const char *s, size_t n)
{
	size_t c = n, i = 0;

	/* ASCII, nearly all of a log, eight bytes at a time */
	for (; i + 8 <= n; i += 8) {
		uint64_t x;

		memcpy(&x, s + i, 8);
		if (x & 0x8080808080808080ULL)
			break;
	}
	for (; i < n; i++)
		c -= ((unsigned char)s[i] & 0xc0) == 0x80;
	return c;
}

/* Widens *w to cell i of c; a cell no longer in bytes than *w is no wider. */
static void widen_to(size_t *w, const struct cells *c, int i)
{
	if (c->len[i] > *w)
		*w = maxz(*w, cols_n(c->c[i], c->len[i]));
}

static void widen(struct kstep_text_cols *w, const struct cells *c)
{
	w->n = maxz(w->n, c->len[CELL_NUM]);
	widen_to(&w->name, c, CELL_NAME);
	widen_to(&w->vals, c, CELL_VALS);
	widen_to(&w->ret, c, CELL_RET);
	widen_to(&w->time, c, CELL_TIME);
	widen_to(&w->caller, c, CELL_CALLER);
	widen_to(&w->line, c, CELL_LINE);
}

/* Lines gathered and written in blocks: a log is millions of short pieces. */
struct lbuf {
	FILE *out;
	size_t n;
	char b[1u << 15];
};

static void lstart(struct lbuf *l, FILE *out)
{
	l->out = out;
	l->n = 0;
}

static void lflush(struct lbuf *l)
{
	fwrite(l->b, 1, l->n, l->out);
	l->n = 0;
}

static void lput(struct lbuf *l, const char *s, size_t n)
{
	if (l->n + n > sizeof(l->b)) {
		fwrite(l->b, 1, l->n, l->out);
		l->n = 0;
		if (n > sizeof(l->b)) {
			fwrite(s, 1, n, l->out);
			return;
		}
	}
	memcpy(l->b + l->n, s, n);
	l->n += n;
}

static void lputs(struct lbuf *l, const char *s)
{
	lput(l, s, strlen(s));
}

static void lspc(struct lbuf *l, size_t w)
{
	while (w) {
		size_t k = w < sizeof(spaces) - 1 ? w : sizeof(spaces) - 1;

		lput(l, spaces, k);
		w -= k;
	}
}

/* s (n bytes), padded to w columns. */
static void lpad(struct lbuf *l, const char *s, size_t n, size_t w)
{
	size_t c = cols_n(s, n);

	lput(l, s, n);
	if (c < w)
		lspc(l, w - c);
}

/* A values cell: "(#N)" derived green, "(underived)" red. */
static void lpad_vals(struct lbuf *l, const char *s, size_t len, size_t w, bool color)
{
	size_t c = cols_n(s, len);
	const char *p = s, *q;

	if (!color) {
		lpad(l, s, len, w);
		return;
	}
	while ((q = strchr(p, '('))) {
		bool under = !strncmp(q, "(underived)", 11);
		bool der = q[1] == '#' && q[2] >= '0' && q[2] <= '9';
		size_t n = under ? 11 : der ? strcspn(q, ")") + 1 : 1;

		lput(l, p, (size_t)(q - p));
		if (under || der)
			lputs(l, under ? C_UNDERIVED : C_DERIVED);
		lput(l, q, n);
		if (under || der)
			lputs(l, C_OFF);
		p = q + n;
	}
	lputs(l, p);
	if (c < w)
		lspc(l, w - c);
}

/* A whole cell (n bytes) in one colour (NULL: none). */
static void lpad_in(struct lbuf *l, const char *s, size_t n, size_t w, const char *color)
{
	size_t c = cols_n(s, n);

	if (color && n)
		lputs(l, color);
	lput(l, s, n);
	if (color && n)
		lputs(l, C_OFF);
	if (c < w)
		lspc(l, w - c);
}

/* Writes s (n bytes) padded to w columns at o; returns the end. */
static char *put_pad(char *o, const char *s, size_t n, size_t w)
{
	size_t c = cols_n(s, n);

	memcpy(o, s, n);
	o += n;
	if (c < w) {
		memset(o, ' ', w - c);
		o += w - c;
	}
	return o;
}

/*
 * print_row without colour, when the whole row fits the buffer: one check
 * for room instead of one per piece, and padding by memset. A log of
 * millions of rows spends much of its time here.
 */
static bool print_row_plain(struct lbuf *l, const struct kstep_text_cols *w, const struct cells *c)
{
	const char *const *f = c->c;
	const size_t *n = c->len;
	size_t need = 32 + w->n + w->name + w->vals + w->ret + w->time + w->caller + w->line;
	char *o;
	int i;

	for (i = 0; i < NCELLS; i++)
		need += n[i];
	if (need > sizeof(l->b))
		return false;
	if (l->n + need > sizeof(l->b))
		lflush(l);
	o = l->b + l->n;
	if (n[CELL_NUM] < w->n) {
		memset(o, ' ', w->n - n[CELL_NUM]);
		o += w->n - n[CELL_NUM];
	}
	memcpy(o, f[CELL_NUM], n[CELL_NUM]);
	o += n[CELL_NUM];
	*o++ = ' ';
	*o++ = ' ';
	o = put_pad(o, f[CELL_NAME], n[CELL_NAME], w->name);
	*o++ = ' ';
	*o++ = ' ';
	o = put_pad(o, f[CELL_VALS], n[CELL_VALS], w->vals);
	*o++ = ' ';
	*o++ = ' ';
	o = put_pad(o, f[CELL_RET], n[CELL_RET], w->ret);
	*o++ = ' ';
	*o++ = ' ';
	o = put_pad(o, f[CELL_TIME], n[CELL_TIME], w->time);
	*o++ = ' ';
	*o++ = ' ';
	o = put_pad(o, f[CELL_CALLER], n[CELL_CALLER], w->caller);
	if (w->line) {
		*o++ = ' ';
		*o++ = ' ';
		o = put_pad(o, f[CELL_LINE], n[CELL_LINE], w->line);
	}
	*o++ = ' ';
	*o++ = ' ';
	memcpy(o, f[CELL_TAG], n[CELL_TAG]);
	o += n[CELL_TAG];
	memcpy(o, f[CELL_HIDDEN], n[CELL_HIDDEN]);
	o += n[CELL_HIDDEN];
	*o++ = '\n';
	l->n = (size_t)(o - l->b);
	return true;
}

/* Appends one row, padded to w, to l. */
static void print_row(struct lbuf *l, const struct kstep_text_cols *w, const struct cells *c, bool color)
{
	const char *const *f = c->c;
	const size_t *n = c->len;

	if (!color && print_row_plain(l, w, c))
		return;

	if (n[CELL_NUM] < w->n)
		lspc(l, w->n - n[CELL_NUM]);
	lput(l, f[CELL_NUM], n[CELL_NUM]);
	lput(l, "  ", 2);
	lpad(l, f[CELL_NAME], n[CELL_NAME], w->name);
	lput(l, "  ", 2);
	lpad_vals(l, f[CELL_VALS], n[CELL_VALS], w->vals, color);
	lput(l, "  ", 2);
	lpad_in(l, f[CELL_RET], n[CELL_RET], w->ret, color && strstr(f[CELL_RET], " E") ? C_ERROR : NULL);
	lput(l, "  ", 2);
	lpad(l, f[CELL_TIME], n[CELL_TIME], w->time);
	lput(l, "  ", 2);
	lpad(l, f[CELL_CALLER], n[CELL_CALLER], w->caller);
	if (w->line) {
		lput(l, "  ", 2);
		lpad(l, f[CELL_LINE], n[CELL_LINE], w->line);
	}
	lput(l, "  ", 2);
	lpad_in(l, f[CELL_TAG], n[CELL_TAG], 0,
		!color ? NULL : !strcmp(f[CELL_TAG], "stack-merged") ? C_INFERRED : C_TAG);
	lput(l, f[CELL_HIDDEN], n[CELL_HIDDEN]);
	lput(l, "\n", 1);
}

void kstep_text_cols_init(struct kstep_text_cols *w)
{
	*w = (struct kstep_text_cols){ 1, 4, 6, 6, 4, 6, 0 };
}


void kstep_text_begin(FILE *out, const struct kstep_render_ctx *r, struct kstep_text_cols *w)
{
	struct cells head = { { "#", "step", "values", "return", "time", "caller", w->line ? "line" : "",
				"evidence", "" }, { 0 } };
	struct lbuf *l;

	cells_measure(&head);
	w->name = w->name > NAME_MAX_W ? NAME_MAX_W : w->name;
	w->vals = w->vals > VALS_MAX_W ? VALS_MAX_W : w->vals;
	kstep_render_header_text(out, r, "steps");
	l = kstep_xmalloc(sizeof(*l));
	lstart(l, out);
	print_row(l, w, &head, false);
	lflush(l);
	free(l);
}

void kstep_text_rows(FILE *out, const struct kstep_render_ctx *r, const struct kstep_text_cols *w)
{
	struct lbuf *l = kstep_xmalloc(sizeof(*l));
	struct row row;
	size_t i;

	lstart(l, out);
	for (i = 0; i < r->st->n; i++) {
		struct cells c;

		make_row(r, &r->st->v[i], &row);
		cells_of(&row, &c);
		print_row(l, w, &c, r->color);
		row_free(&row);
	}
	lflush(l);
	free(l);
}

/*
 * The spool: one pass over the log. Each row is made once, its cells written
 * unpadded to an unlinked temporary file while the column widths grow; at
 * the end the rows are read back and printed padded. The log stays out of
 * memory, and the analysis runs once instead of twice.
 *
 * A record: the lengths of its NCELLS cells (uint32_t each), then the cells,
 * each ending in NUL.
 * Records are gathered in a block and written, and read back, a block at a
 * time; a record longer than the block grows it.
 */
#define SPOOL_BLOCK (1u << 16)

struct kstep_text_spool {
	FILE *f;
	struct kstep_text_cols w;
	char *blk;		/* records to write; then records read back */
	size_t n;		/* bytes in blk */
	size_t pos;		/* reading: where the next record starts */
	size_t cap;
	bool failed;		/* a write failed: the rows are not all there */
	struct lbuf out;	/* the padded rows, on their way out */
};

struct kstep_text_spool *kstep_text_spool_new(void)
{
	struct kstep_text_spool *sp;
	FILE *f = tmpfile();

	if (!f)
		return NULL;
	sp = kstep_xcalloc(1, sizeof(*sp));
	sp->f = f;
	sp->cap = SPOOL_BLOCK;
	sp->blk = kstep_xmalloc(sp->cap);
	kstep_text_cols_init(&sp->w);
	return sp;
}

void kstep_text_spool_free(struct kstep_text_spool *sp)
{
	if (!sp)
		return;
	fclose(sp->f);
	free(sp->blk);
	free(sp);
}

int kstep_text_spool_reset(struct kstep_text_spool *sp)
{
	sp->n = sp->pos = 0;
	kstep_text_cols_init(&sp->w);
	if (fflush(sp->f) || ftruncate(fileno(sp->f), 0) || fseek(sp->f, 0, SEEK_SET)) {
		sp->failed = true;
		return -1;
	}
	return 0;
}

static void spool_flush(struct kstep_text_spool *sp)
{
	if (sp->n && fwrite(sp->blk, 1, sp->n, sp->f) != sp->n)
		sp->failed = true;
	sp->n = 0;
}

static void spool_put(struct kstep_text_spool *sp, const struct cells *c)
{
	uint32_t len[NCELLS];
	size_t total = sizeof(len), i;
	char *o;

	for (i = 0; i < NCELLS; i++) {
		/* a cell of 4 GiB cannot be spooled (nor was it made) */
		if (c->len[i] > UINT32_MAX - 1)
			sp->failed = true;
		len[i] = (uint32_t)c->len[i];
		total += c->len[i] + 1;
	}
	if (sp->n + total > sp->cap) {
		spool_flush(sp);
		if (total > sp->cap) {
			sp->cap = total;
			sp->blk = kstep_xrealloc(sp->blk, sp->cap);
		}
	}
	o = sp->blk + sp->n;
	memcpy(o, len, sizeof(len));
	o += sizeof(len);
	for (i = 0; i < NCELLS; i++) {
		memcpy(o, c->c[i], c->len[i] + 1);
		o += c->len[i] + 1;
	}
	sp->n = (size_t)(o - sp->blk);
}

/* Makes need bytes from pos on available in the block: 1, or 0 when the file ends first. */
static int spool_fill(struct kstep_text_spool *sp, size_t need)
{
	size_t have = sp->n - sp->pos;

	if (have >= need)
		return 1;
	memmove(sp->blk, sp->blk + sp->pos, have);
	sp->n = have;
	sp->pos = 0;
	if (need > sp->cap) {
		sp->cap = need;
		sp->blk = kstep_xrealloc(sp->blk, sp->cap);
	}
	sp->n += fread(sp->blk + sp->n, 1, sp->cap - sp->n, sp->f);
	return sp->n >= need;
}

/* Reads the next record into c: 1, 0 at the end, -1 when the file is not what was written. */
static int spool_get(struct kstep_text_spool *sp, struct cells *c)
{
	uint32_t len[NCELLS];
	size_t total = 0, i;
	const char *p;

	if (!spool_fill(sp, sizeof(len)))
		return sp->n == sp->pos && !ferror(sp->f) ? 0 : -1;
	memcpy(len, sp->blk + sp->pos, sizeof(len));
	for (i = 0; i < NCELLS; i++)
		total += (size_t)len[i] + 1;
	if (!spool_fill(sp, sizeof(len) + total))
		return -1;
	p = sp->blk + sp->pos + sizeof(len);
	sp->pos += sizeof(len) + total;
	for (i = 0; i < NCELLS; i++) {
		if (p[len[i]])
			return -1;
		c->c[i] = p;
		c->len[i] = len[i];
		p += len[i] + 1;
	}
	return 1;
}

/* Makes the chunk's rows once: widens w by each, and spools it when sp is given. */
static void rows_into(const struct kstep_render_ctx *r, struct kstep_text_cols *w, struct kstep_text_spool *sp)
{
	struct row row;
	size_t i;

	for (i = 0; i < r->st->n; i++) {
		struct cells c;

		make_row(r, &r->st->v[i], &row);
		cells_of(&row, &c);
		widen(w, &c);
		if (sp)
			spool_put(sp, &c);
		row_free(&row);
	}
}

void kstep_text_measure(const struct kstep_render_ctx *r, struct kstep_text_cols *w)
{
	rows_into(r, w, NULL);
}

void kstep_text_spool_rows(struct kstep_text_spool *sp, const struct kstep_render_ctx *r)
{
	rows_into(r, &sp->w, sp);
}

int kstep_text_spool_print(FILE *out, struct kstep_text_spool *sp, const struct kstep_render_ctx *r)
{
	struct cells c;
	int got;

	spool_flush(sp);
	if (sp->failed || fflush(sp->f) || fseek(sp->f, 0, SEEK_SET))
		return -1;
	sp->n = sp->pos = 0;
	kstep_text_begin(out, r, &sp->w);
	lstart(&sp->out, out);
	while ((got = spool_get(sp, &c)) > 0)
		print_row(&sp->out, &sp->w, &c, r->color);
	lflush(&sp->out);
	return got;
}

void kstep_text_end(FILE *out, const struct kstep_render_ctx *r)
{
	if (!r->st->total)
		fprintf(out, "  (no steps: the selected task has no traced activity in this window)\n");
	footer(out, r->st, r->ascii, r->color);
}

void kstep_render_text(FILE *out, const struct kstep_render_ctx *r)
{
	struct kstep_text_cols w;

	kstep_text_cols_init(&w);
	kstep_text_measure(r, &w);
	kstep_text_begin(out, r, &w);
	kstep_text_rows(out, r, &w);
	kstep_text_end(out, r);
}

/* One node of the tree, at depth, appended to l. */
/* A node's evidence tags: a tree's lines have few different ones, made once each. */
struct tags_memo {
	bool made;
	unsigned src;
	char text[96];
};

static const char *tags_of(struct tags_memo *m, unsigned src)
{
	if (!m->made || m->src != src) {
		kstep_src_tags(src, m->text, sizeof(m->text));
		m->src = src;
		m->made = true;
	}
	return m->text;
}

static void tree_line(struct lbuf *l, const struct kstep_node *n, int depth, bool ascii, struct tags_memo *tm)
{
	char name[256], t[32];
	const char *tags = tags_of(tm, n->src);
	struct kstep_sbuf b = { 0 };

	kstep_render_name(n, name, sizeof(name));
	time_text(n, ascii, t, sizeof(t));
	ret_text(n, ascii, &b);
	safe_inplace(name, sizeof(name));
	if (b.len && kstep_text_safe_prefix(b.s, b.len) != b.len) {
		char *e = safe_take(kstep_sbuf_steal(&b));

		kstep_sbuf_add(&b, e);
		free(e);
	}
	lspc(l, depth > 0 ? 2 * (size_t)depth : 0);
	lputs(l, name);
	if (b.len) {
		lput(l, "  ", 2);
		lput(l, b.s, b.len);
	}
	lput(l, "  ", 2);
	lputs(l, t);
	lput(l, "  [", 3);
	lputs(l, tags);
	lput(l, "]", 1);
	if (n->site) {
		char site[900];

		lputs(l, n->flags & KSTEP_NF_INLINE ? "  inlined at " : "  at ");
		short_site(n, site, sizeof(site));
		lputs(l, site);
	}
	lput(l, "\n", 1);
	kstep_sbuf_free(&b);
}

void kstep_render_tree_begin(FILE *out, const struct kstep_render_ctx *r)
{
	kstep_render_header_text(out, r, "tree");
}

/*
 * The instrumentation, as kstep steps leaves it out: probe-handler calls
 * (with what they called) and events whose call_site is probe machinery.
 */
static bool instrumentation(const struct kstep_render_ctx *r, const struct kstep_node *n)
{
	const struct kstep_val *v;
	const struct kstep_ksym *sym;

	if (n->kind == KSTEP_NODE_CALL && (n->fn->flags & KSTEP_FN_OVERHEAD))
		return true;
	if (n->kind != KSTEP_NODE_EVENT || !r->h->ks || !(v = kstep_node_val(n, "call_site")) ||
	    v->type == KSTEP_VT_STR)
		return false;
	sym = kstep_ksyms_lookup(r->h->ks, v->num, NULL);
	return sym && kstep_list_match("probe_overhead", sym->name);
}

/* Pre-order without recursion: the tree's depth is the trace's to choose. */
void kstep_render_subtree(FILE *out, struct kstep_render_ctx *r, const struct kstep_node *top, int maxdepth)
{
	struct lbuf *l = kstep_xmalloc(sizeof(*l));
	const struct kstep_node *n = top;
	struct tags_memo tm = { 0 };
	int depth = 0;

	lstart(l, out);
	while (n) {
		bool skip = !r->all && instrumentation(r, n);

		if (skip) {
			const struct kstep_node *k;

			for (k = n; k; k = kstep_node_next((struct kstep_node *)k, n))
				r->left_out++;
		} else {
			tree_line(l, n, depth, r->ascii, &tm);
		}
		if (!skip && n->child && !(maxdepth > 0 && depth >= maxdepth)) {
			n = n->child;
			depth++;
			continue;
		}
		while (n != top && !n->next) {
			n = n->parent;
			depth--;
		}
		n = n == top ? NULL : n->next;
	}
	lflush(l);
	free(l);
}

void kstep_render_tree_end(FILE *out, const struct kstep_render_ctx *r)
{
	char tags[128];

	kstep_src_tags(r->sources, tags, sizeof(tags));
	if (r->left_out)
		fprintf(out, "\n%" PRIu64 " nodes of the instrumentation (probe handlers, events the tracing "
			"itself caused) not shown (--all shows them)\n", r->left_out);
	fprintf(out, "\nsources: %s\n", tags[0] ? tags : "none");
}

void kstep_render_tree(FILE *out, const struct kstep_render_ctx *r, const struct kstep_chain *c,
		       int depth, bool json)
{
	const struct kstep_node *k;
	struct kstep_render_ctx rr = *r;

	(void)json;
	kstep_render_tree_begin(out, &rr);
	for (k = kstep_chain_root(c)->child; k; k = k->next)
		kstep_render_subtree(out, &rr, k, depth);
	kstep_render_tree_end(out, &rr);
}
