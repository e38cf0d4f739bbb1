// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gaps.c - DWARF facts into the chain: lines, call sites, inline steps.
 *
 * Facts are asked by function name and offset, never by absolute address,
 * so that they can be stored in the trace.dat (kstep annotate) and read
 * back on a machine without the debug file, KASLR or not:
 *
 *   decl FUNC FILE LINE
 *   pos  FUNC OFF FILE LINE N {NAME DIE FILE LINE}*N   (OFF: hex, in FUNC)
 *   cs   FUNC CALLEE NTH OFF TAIL                       (OFF -1: no such site)
 *
 * fields separated by tabs, one fact per line, after a first line
 * "kstep-dwarf-facts 1" and a "from ..." line.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datfile.h"
#include "debuginfo.h"
#include "event.h"
#include "gaps.h"
#include "ksyms.h"
#include "load.h"

struct resolver {
	struct kstep_dwarf *dw;		/* DWARF mode */
	int64_t kaslr;			/* runtime address - link address */
	struct kstep_sbuf *rec;		/* facts used, when recording */
	char **lines;			/* facts mode: the stored facts */
	size_t nlines;
};

static void record(struct resolver *r, const char *line)
{
	if (r->rec && !strstr(kstep_sbuf_str(r->rec), line))
		kstep_sbuf_add(r->rec, line);
}

/* Facts mode: the stored line starting with key, or NULL. */
static const char *stored(struct resolver *r, const char *key)
{
	size_t i, l = strlen(key);

	for (i = 0; i < r->nlines; i++)
		if (!strncmp(r->lines[i], key, l))
			return r->lines[i] + l;
	return NULL;
}

static int q_decl(struct resolver *r, const struct kstep_func *fn, char *file, size_t flen, int *line)
{
	char key[320], buf[700];
	const char *v;

	snprintf(key, sizeof(key), "decl\t%s\t", fn->name);
	if (!r->dw) {
		v = stored(r, key);
		return v && sscanf(v, "%255[^\t]\t%d", file, line) == 2 ? 0 : -1;
	}
	if (kstep_dwarf_decl(r->dw, fn->addr - (uint64_t)r->kaslr, file, flen, line))
		return -1;
	snprintf(buf, sizeof(buf), "%s%s\t%d\n", key, file, *line);
	record(r, buf);
	return 0;
}

static int parse_pos(const char *v, struct kstep_srcpos *pos)
{
	int used = 0, i;

	memset(pos, 0, sizeof(*pos));
	if (sscanf(v, "%255[^\t]\t%d\t%d%n", pos->file, &pos->line, &pos->ninl, &used) != 3 ||
	    pos->ninl < 0 || pos->ninl > KSTEP_INL_MAX)
		return -1;
	v += used;
	for (i = 0; i < pos->ninl; i++) {
		struct kstep_inl *in = &pos->inl[i];

		if (sscanf(v, "\t%127[^\t]\t%" SCNx64 "\t%255[^\t]\t%d%n", in->name, &in->die, in->file,
			   &in->line, &used) != 4)
			return -1;
		v += used;
	}
	return 0;
}

static int q_pos(struct resolver *r, const struct kstep_func *fn, uint64_t off, struct kstep_srcpos *pos)
{
	char key[320];
	struct kstep_sbuf b = { 0 };
	const char *v;
	int i;

	snprintf(key, sizeof(key), "pos\t%s\t%" PRIx64 "\t", fn->name, off);
	if (!r->dw) {
		v = stored(r, key);
		return v ? parse_pos(v, pos) : -1;
	}
	if (kstep_dwarf_pos(r->dw, fn->addr - (uint64_t)r->kaslr, fn->addr - (uint64_t)r->kaslr + off, pos))
		return -1;
	kstep_sbuf_addf(&b, "%s%s\t%d\t%d", key, pos->file, pos->line, pos->ninl);
	for (i = 0; i < pos->ninl; i++)
		kstep_sbuf_addf(&b, "\t%s\t%" PRIx64 "\t%s\t%d", pos->inl[i].name, pos->inl[i].die,
				pos->inl[i].file, pos->inl[i].line);
	kstep_sbuf_add(&b, "\n");
	record(r, kstep_sbuf_str(&b));
	kstep_sbuf_free(&b);
	return 0;
}

static int q_callsite(struct resolver *r, const struct kstep_func *fn, const char *callee, int nth,
		      int64_t *off)
{
	char key[640], buf[700];
	const char *v;
	uint64_t pc;
	bool tail = false;
	int t = 0;

	snprintf(key, sizeof(key), "cs\t%s\t%s\t%d\t", fn->name, callee, nth);
	if (!r->dw) {
		v = stored(r, key);
		return v && sscanf(v, "%" SCNd64 "\t%d", off, &t) == 2 && *off >= 0 ? 0 : -1;
	}
	if (kstep_dwarf_call_site(r->dw, fn->addr - (uint64_t)r->kaslr, callee, nth, &pc, &tail))
		*off = -1;
	else
		*off = (int64_t)(pc - (fn->addr - (uint64_t)r->kaslr));
	snprintf(buf, sizeof(buf), "%s%" PRId64 "\t%d\n", key, *off, tail);
	record(r, buf);
	return *off >= 0 ? 0 : -1;
}

/* Walking the chain */

struct walker {
	struct resolver *r;
	struct kstep_chain *c;
	const struct kstep_ksyms *ks;
	struct kstep_gaps *g;
};

static bool kernel_call(const struct kstep_node *n)
{
	return n->kind == KSTEP_NODE_CALL && n->fn && n->fn->addr && !(n->fn->flags & KSTEP_FN_USER) &&
	       !(n->flags & KSTEP_NF_INLINE);
}

static const char *loc(struct kstep_chain *c, const char *file, int line)
{
	char buf[300];

	snprintf(buf, sizeof(buf), "%s:%d", file, line);
	return kstep_chain_strdup(c, buf, strlen(buf));
}

/* Where in parent P the call C was made: its source position. */
static int site_of(struct walker *w, const struct kstep_node *P, const struct kstep_node *C, int nth,
		   struct kstep_srcpos *pos)
{
	int64_t off = -1;

	if ((C->flags & KSTEP_NF_RETIP) && C->retip && w->ks) {
		uint64_t o;
		const struct kstep_ksym *sym = kstep_ksyms_lookup(w->ks, C->retip, &o);

		if (sym && sym->addr == P->fn->addr && o > 0)
			off = (int64_t)o;
	}
	/* function_graph has no return address: the parent's call site for C */
	if (off < 0 && q_callsite(w->r, P->fn, C->fn->name, nth, &off))
		return -1;
	return q_pos(w->r, P->fn, (uint64_t)off - 1, pos);
}

/* Wraps runs of children that share the inlined instance at this level. */
static void group(struct walker *w, struct kstep_node **kids, struct kstep_srcpos **pos, size_t n, int level)
{
	size_t i = 0, j, k;

	while (i < n) {
		struct kstep_inl *in;
		struct kstep_node *inl;
		size_t last;

		if (!pos[i] || pos[i]->ninl <= level) {
			i++;
			continue;
		}
		in = &pos[i]->inl[level];
		last = i;
		for (j = i + 1; j < n; j++) {
			if (pos[j] && pos[j]->ninl > level && pos[j]->inl[level].die == in->die) {
				last = j;
				continue;
			}
			if (pos[j])
				break;
			/* an event between two calls of the same instance happened inside it */
			for (k = j + 1; k < n && !pos[k]; k++)
				;
			if (k == n || pos[k]->ninl <= level || pos[k]->inl[level].die != in->die)
				break;
		}
		inl = kstep_chain_wrap(w->c, kids[i], kids[last], in->name, KSTEP_SRC_INLINE);
		inl->site = loc(w->c, in->file, in->line);
		w->g->inlines++;
		group(w, kids + i, pos + i, last - i + 1, level + 1);
		i = last + 1;
	}
}

static void visit(struct walker *w, struct kstep_node *P)
{
	struct kstep_node **kids, *k;
	struct kstep_srcpos **pos, *mem;
	size_t n = 0, i, j;
	char file[256];
	int line;

	if (!P->decl && q_decl(w->r, P->fn, file, sizeof(file), &line) == 0) {
		P->decl = loc(w->c, file, line);
		w->g->decls++;
	}
	for (k = P->child; k; k = k->next)
		n++;
	if (!n)
		return;
	kids = kstep_xcalloc(n, sizeof(*kids));
	pos = kstep_xcalloc(n, sizeof(*pos));
	mem = kstep_xcalloc(n, sizeof(*mem));
	for (i = 0, k = P->child; k; k = k->next, i++) {
		int nth = 0;

		kids[i] = k;
		if (!kernel_call(k))
			continue;
		for (j = 0; j < i; j++)
			nth += kernel_call(kids[j]) && kids[j]->fn == k->fn;
		if (site_of(w, P, k, nth, &mem[i])) {
			w->g->unresolved++;
			continue;
		}
		pos[i] = &mem[i];
		k->site = loc(w->c, mem[i].file, mem[i].line);
		w->g->sites++;
	}
	group(w, kids, pos, n, 0);
	free(kids);
	free(pos);
	free(mem);
}

static void walk(struct walker *w, struct kstep_node *root)
{
	struct kstep_node *n;

	for (n = root->child; n; n = kstep_node_next(n, root))
		if (kernel_call(n))
			visit(w, n);
}

/* Setting up */

static void split_facts(struct resolver *r, char *text)
{
	char *p = text, *nl;

	while (p && *p) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		r->lines = kstep_xrealloc(r->lines, (r->nlines + 1) * sizeof(*r->lines));
		r->lines[r->nlines++] = p;
		p = nl ? nl + 1 : NULL;
	}
}

static void release_of(const struct kstep_session *s, char *out, size_t len)
{
	const char *u = kstep_dat_uname(s->dat);
	char a[64], b[64], rel[128];

	out[0] = '\0';
	if (u && sscanf(u, "%63s %63s %127s", a, b, rel) == 3)
		snprintf(out, len, "%s", rel);
}

static int open_dwarf(struct resolver *r, const struct kstep_session *s, const struct kstep_gaps_opts *o,
		      struct kstep_gaps *g, char *err, size_t errlen)
{
	bool asked = o->vmlinux || o->debug_dir;
	const struct kstep_ksyms *ks = kstep_load_ksyms(s->ld);
	const struct kstep_ksym *text;
	char rel[128], why[1024];
	char *path;
	uint64_t link;

	release_of(s, rel, sizeof(rel));
	path = kstep_dwarf_find_vmlinux(o->vmlinux, o->debug_dir, *rel ? rel : NULL,
					*s->build_id ? s->build_id : NULL, why, sizeof(why));
	if (!path) {
		if (asked) {
			snprintf(err, errlen, "%s", why);
			return -1;
		}
		snprintf(g->why_not, sizeof(g->why_not), "%.1000s", why);
		return 1;
	}
	r->dw = kstep_dwarf_open(path, *s->build_id ? s->build_id : NULL, why, sizeof(why));
	free(path);
	if (!r->dw) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	/* KASLR: the kernel's _text in the file's kallsyms against the link address */
	text = ks ? kstep_ksyms_find(ks, "_text") : NULL;
	link = kstep_dwarf_symbol(r->dw, "_text");
	if (text && link)
		r->kaslr = (int64_t)(text->addr - link);
	snprintf(g->from, sizeof(g->from), "the kernel's DWARF (build-id %s)", kstep_dwarf_build_id(r->dw));
	return 0;
}

int kstep_gaps_apply(struct kstep_chain *c, const struct kstep_session *s, const struct kstep_gaps_opts *o,
		     bool rec, struct kstep_gaps *g, char *err, size_t errlen)
{
	const struct kstep_dat_rawopt *facts = kstep_dat_rawopt(s->dat, KSTEP_KOPT_DWARF);
	struct resolver r = { 0 };
	struct kstep_sbuf b = { 0 };
	struct walker w = { .r = &r, .c = c, .ks = kstep_load_ksyms(s->ld), .g = g };
	char *text = NULL;
	int ret;

	memset(g, 0, sizeof(*g));
	if (o->no_dwarf) {
		snprintf(g->why_not, sizeof(g->why_not), "--no-dwarf");
		return 0;
	}
	if (facts && !o->vmlinux && !o->debug_dir && !rec) {
		text = kstep_xstrndup(facts->data, strnlen(facts->data, facts->len));
		split_facts(&r, text);
		if (!r.nlines || strncmp(r.lines[0], "kstep-dwarf-facts 1", 19)) {
			snprintf(err, errlen, "the DWARF facts stored in the file are not kstep's version 1 "
				 "(annotate the file again)");
			free(r.lines);
			free(text);
			return -1;
		}
		/* said as the debug file said it: the output must not depend on where facts come from */
		snprintf(g->from, sizeof(g->from), "%s",
			 r.nlines > 1 && !strncmp(r.lines[1], "from ", 5) ? r.lines[1] + 5 : "stored facts");
	} else {
		ret = open_dwarf(&r, s, o, g, err, errlen);
		if (ret)
			return ret < 0 ? -1 : 0;
		if (rec) {
			kstep_sbuf_addf(&b, "kstep-dwarf-facts 1\nfrom %s\n", g->from);
			r.rec = &b;
		}
	}
	walk(&w, kstep_chain_root(c));
	g->used = true;
	if (rec)
		g->facts = kstep_sbuf_steal(&b);
	kstep_sbuf_free(&b);
	kstep_dwarf_close(r.dw);
	free(r.lines);
	free(text);
	return 0;
}

int kstep_gaps_opt(int code, const char *arg, struct kstep_gaps_opts *o)
{
	switch (code) {
	case KSTEP_OPT_VMLINUX:
		o->vmlinux = arg;
		return 1;
	case KSTEP_OPT_DEBUG_DIR:
		o->debug_dir = arg;
		return 1;
	case KSTEP_OPT_NO_DWARF:
		o->no_dwarf = true;
		return 1;
	default:
		return 0;
	}
}
