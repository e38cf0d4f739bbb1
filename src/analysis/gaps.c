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
 *   css  FUNC CALLEE N {OFF TAIL}*N                     (every site, address order)
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
#include "decode.h"
#include "debuginfo.h"
#include "event.h"
#include "gaps.h"
#include "kopts.h"
#include "ksyms.h"
#include "load.h"
#include "log.h"

/* One debug file: the kernel's or a user-space binary's. */
struct target {
	char path[512];			/* "" for the kernel */
	const char *prefix;		/* facts key prefix: "" kernel, "u:" user space */
	struct kstep_dwarf *dw;		/* DWARF mode; NULL when unusable */
	int64_t bias;			/* runtime address - link address */
	bool tried;
};

/* A uprobe of the plan: event name -> binary, file offset, symbol. */
struct umap {
	char event[96];
	char sym[128];
	char path[512];
	uint64_t off;
	char build_id[129];	/* as recorded (maps option), "" unknown */
};

/* Answers by their query key: the stored facts, and what libdw said already. */
struct memo {
	char **keys;
	const char **vals;	/* into the same allocation as the key */
	size_t cap, n;
};

struct resolver {
	bool facts;			/* answers come from the stored facts */
	const char *debug_dir;		/* --debug-dir */
	struct target kernel;
	struct target users[16];
	size_t nusers;
	struct umap *umaps;
	size_t numaps;
	struct memo memo;
	struct kstep_sbuf *rec;		/* facts used, when recording */
};

static uint64_t hash_str(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	while (n--)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static size_t memo_slot(const struct memo *m, const char *key, size_t klen)
{
	size_t i = hash_str(key, klen) & (m->cap - 1);

	while (m->keys[i] && (strncmp(m->keys[i], key, klen) || m->keys[i][klen]))
		i = (i + 1) & (m->cap - 1);
	return i;
}

/* The answer stored under the first klen bytes of key, or NULL. */
static const char *memo_get(const struct memo *m, const char *key, size_t klen)
{
	size_t i;

	if (!m->cap)
		return NULL;
	i = memo_slot(m, key, klen);
	return m->keys[i] ? m->vals[i] : NULL;
}

/* Stores a fact line: its first klen bytes are the key. Returns false when known. */
static bool memo_put(struct memo *m, const char *line, size_t klen)
{
	size_t i;

	if (2 * (m->n + 1) > m->cap) {
		struct memo g = { 0 };
		size_t j;

		g.cap = m->cap ? 2 * m->cap : 256;
		g.keys = kstep_xcalloc(g.cap, sizeof(*g.keys));
		g.vals = kstep_xcalloc(g.cap, sizeof(*g.vals));
		for (j = 0; j < m->cap; j++) {
			if (!m->keys[j])
				continue;
			i = memo_slot(&g, m->keys[j], strlen(m->keys[j]));
			g.keys[i] = m->keys[j];
			g.vals[i] = m->vals[j];
		}
		g.n = m->n;
		free(m->keys);
		free(m->vals);
		*m = g;
	}
	i = memo_slot(m, line, klen);
	if (m->keys[i])
		return false;
	/* one allocation: the key, a NUL, then the answer */
	m->keys[i] = kstep_xasprintf("%.*s%c%s", (int)klen, line, '\0', line + klen);
	m->vals[i] = m->keys[i] + klen + 1;
	m->n++;
	return true;
}

static void memo_free(struct memo *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->vals);
}

/* How long the key of a fact line is: its kind and its key fields, tab-ended. */
static size_t key_len(const char *line)
{
	int fields = !strncmp(line, "pos\t", 4) || !strncmp(line, "at\t", 3) || !strncmp(line, "css\t", 4) ? 3 : 2;
	const char *p = line;

	while (fields-- && p)
		if ((p = strchr(p, '\t')))
			p++;
	return p ? (size_t)(p - line) : 0;
}

/* An answer libdw gave: kept for the next same question, and in the facts when recording. */
static void record(struct resolver *r, const char *line)
{
	size_t klen = key_len(line), l = strlen(line);

	/* the memo holds the answer without its newline */
	if (klen && l > klen && line[l - 1] == '\n') {
		char *copy = kstep_xstrndup(line, l - 1);
		bool fresh = memo_put(&r->memo, copy, klen);

		free(copy);
		if (fresh && r->rec)
			kstep_sbuf_add(r->rec, line);
	}
}

/* The answer to key, stored or asked before, or NULL. */
static const char *stored(struct resolver *r, const char *key)
{
	return memo_get(&r->memo, key, strlen(key));
}

/* A function as the queries name it: its key and its link address. */
struct qfn {
	struct target *t;
	char key[300];
	uint64_t link;
};

static int q_decl(struct resolver *r, const struct qfn *f, char *file, size_t flen, int *line)
{
	char key[400], buf[800];
	const char *v;

	snprintf(key, sizeof(key), "decl\t%s\t", f->key);
	if ((v = stored(r, key)) || r->facts) {
		return v && sscanf(v, "%255[^\t]\t%d", file, line) == 2 ? 0 : -1;
	}
	if (!f->t->dw || kstep_dwarf_decl(f->t->dw, f->link, file, flen, line))
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

static int q_pos(struct resolver *r, const struct qfn *f, uint64_t off, struct kstep_srcpos *pos)
{
	char key[400];
	struct kstep_sbuf b = { 0 };
	const char *v;
	int i;

	snprintf(key, sizeof(key), "pos\t%s\t%" PRIx64 "\t", f->key, off);
	if ((v = stored(r, key)) || r->facts) {
		return v ? parse_pos(v, pos) : -1;
	}
	if (!f->t->dw || kstep_dwarf_pos(f->t->dw, f->link, f->link + off, pos))
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

/* Most call sites of one callee in one caller that are told apart. */
#define SITES_MAX 16

/*
 * The calls of callee in f: their offsets (return addresses) and tail flags,
 * the first SITES_MAX of them. Returns how many there are (0 none), -1 unknown.
 */
static int q_callsites(struct resolver *r, const struct qfn *f, const char *callee, int64_t *offs, bool *tails)
{
	uint64_t pcs[SITES_MAX];
	struct kstep_sbuf b = { 0 };
	char key[700];
	const char *v;
	int n, i, used;

	snprintf(key, sizeof(key), "css\t%s\t%s\t", f->key, callee);
	if ((v = stored(r, key)) || r->facts) {
		if (!v || sscanf(v, "%d%n", &n, &used) != 1 || n < 0)
			return -1;
		for (v += used, i = 0; i < n && i < SITES_MAX; i++, v += used) {
			int t;

			if (sscanf(v, "\t%" SCNd64 "\t%d%n", &offs[i], &t, &used) != 2 || offs[i] <= 0)
				return -1;
			tails[i] = t;
		}
		return n;
	}
	if (!f->t->dw || (n = kstep_dwarf_call_sites(f->t->dw, f->link, callee, pcs, tails, SITES_MAX)) < 0)
		return -1;
	kstep_sbuf_addf(&b, "%s%d", key, n);
	for (i = 0; i < n && i < SITES_MAX; i++) {
		offs[i] = (int64_t)(pcs[i] - f->link);
		kstep_sbuf_addf(&b, "\t%" PRId64 "\t%d", offs[i], tails[i]);
	}
	kstep_sbuf_add(&b, "\n");
	record(r, kstep_sbuf_str(&b));
	kstep_sbuf_free(&b);
	return n;
}

static int q_callees(struct resolver *r, const struct qfn *f, char *out, size_t len)
{
	char key[400], buf[1600];
	const char *v;

	snprintf(key, sizeof(key), "callees\t%s\t", f->key);
	if ((v = stored(r, key)) || r->facts) {
		if (!v)
			return -1;
		snprintf(out, len, "%s", v);
		return 0;
	}
	if (!f->t->dw || kstep_dwarf_callees(f->t->dw, f->link, out, len) < 0)
		return -1;
	snprintf(buf, sizeof(buf), "%s%s\n", key, out);
	record(r, buf);
	return 0;
}

/* The callee of P's call that returns at off: 0 with its name ("" indirect), -1 none. */
static int q_at(struct resolver *r, const struct qfn *f, int64_t off, char *out, size_t len)
{
	char key[400], buf[800];
	const char *v;
	int ret;

	snprintf(key, sizeof(key), "at\t%s\t%" PRIx64 "\t", f->key, (uint64_t)off);
	if ((v = stored(r, key)) || r->facts) {
		if (!v || !strcmp(v, "-"))
			return -1;
		snprintf(out, len, "%s", strcmp(v, "?") ? v : "");
		return 0;
	}
	if (!f->t->dw)
		return -1;
	ret = kstep_dwarf_callee_at(f->t->dw, f->link, f->link + (uint64_t)off, out, len);
	snprintf(buf, sizeof(buf), "%s%s\n", key, ret ? "-" : *out ? out : "?");
	record(r, buf);
	return ret;
}

/* Targets */

static const struct umap *umap_of(struct resolver *r, const char *event)
{
	size_t i;

	for (i = 0; i < r->numaps; i++)
		if (!strcmp(r->umaps[i].event, event))
			return &r->umaps[i];
	return NULL;
}

/* The debug target of a user-space function, placed by its entry probe. */
static struct target *user_target(struct resolver *r, const struct kstep_node *n, const struct umap *m)
{
	struct target *t;
	char err[512];
	uint64_t link;
	size_t i;

	for (i = 0; i < r->nusers; i++)
		if (!strcmp(r->users[i].path, m->path))
			return &r->users[i];
	if (r->nusers == KSTEP_ARRAY_SIZE(r->users))
		return NULL;
	t = &r->users[r->nusers++];
	snprintf(t->path, sizeof(t->path), "%s", m->path);
	t->prefix = "u:";
	if (r->facts)
		return t;
	/* the binary the trace was recorded with, if it is here unchanged (build-id) */
	t->dw = kstep_dwarf_open(m->path, *m->build_id ? m->build_id : NULL, err, sizeof(err));
	if (!t->dw && *m->build_id) {
		/* stripped: its separate debug file, by build-id (Debian's -dbg/-dbgsym packages) */
		char dbg[700];
		const char *dirs[] = { r->debug_dir, "/usr/lib/debug" };

		for (i = 0; i < KSTEP_ARRAY_SIZE(dirs) && !t->dw; i++) {
			if (!dirs[i])
				continue;
			snprintf(dbg, sizeof(dbg), "%s/.build-id/%.2s/%s.debug", dirs[i], m->build_id,
				 m->build_id + 2);
			t->dw = kstep_dwarf_open(dbg, m->build_id, err, sizeof(err));
		}
	}
	link = t->dw ? kstep_dwarf_off2addr(t->dw, m->off) : 0;
	if (!link) {
		kstep_dwarf_close(t->dw);
		t->dw = NULL;
	} else {
		t->bias = (int64_t)(n->fn->addr - link);
	}
	return t;
}

/* Fills the query name of node n's function; false when it has no debug target. */
static bool qfn_of(struct resolver *r, const struct kstep_node *n, struct qfn *f)
{
	if (n->kind != KSTEP_NODE_CALL || !n->fn || !n->fn->addr || (n->flags & KSTEP_NF_INLINE))
		return false;
	if (n->fn->flags & KSTEP_FN_USER) {
		const struct umap *m = umap_of(r, n->fn->name);

		if (!m || !(f->t = user_target(r, n, m)))
			return false;
		snprintf(f->key, sizeof(f->key), "u:%s", m->sym);
	} else {
		f->t = &r->kernel;
		snprintf(f->key, sizeof(f->key), "%s", n->fn->name);
	}
	f->link = n->fn->addr - (uint64_t)f->t->bias;
	return true;
}

/* The name DWARF gives a traced function (a uprobe's symbol, not its event). */
static const char *dwarf_name(struct resolver *r, const struct kstep_node *n)
{
	const struct umap *m = (n->fn->flags & KSTEP_FN_USER) ? umap_of(r, n->fn->name) : NULL;

	return m ? m->sym : n->fn->name;
}

/* Walking the chain */

struct walker {
	struct resolver *r;
	struct kstep_chain *c;
	const struct kstep_ksyms *ks;
	struct kstep_gaps *g;
};

static const char *loc(struct kstep_chain *c, const char *file, int line)
{
	char buf[300];

	snprintf(buf, sizeof(buf), "%s:%d", file, line);
	return kstep_chain_strdup(c, buf, strlen(buf));
}

/* The offset of C's return address in P, when a probe or stack saw it. */
static int64_t retip_off(struct walker *w, const struct kstep_node *P, const struct kstep_node *C)
{
	uint64_t o;

	if (!(C->flags & KSTEP_NF_RETIP) || !C->retip || C->retip <= P->fn->addr)
		return -1;
	if (P->fn->flags & KSTEP_FN_USER)
		return C->retip - P->fn->addr < (1u << 20) ? (int64_t)(C->retip - P->fn->addr) : -1;
	if (w->ks) {
		const struct kstep_ksym *sym = kstep_ksyms_lookup(w->ks, C->retip, &o);

		if (sym && sym->addr == P->fn->addr && o > 0)
			return (int64_t)o;
	}
	return -1;
}

/* The query name of function x of P's debug target. */
static bool qfn_named(struct walker *w, const struct qfn *pf, const char *x, struct qfn *xf)
{
	xf->t = pf->t;
	xf->link = 0;
	snprintf(xf->key, sizeof(xf->key), "%s%s", pf->t->prefix, x);
	if (!w->r->facts) {
		const struct kstep_ksym *sym = w->ks && !*pf->t->prefix ? kstep_ksyms_find(w->ks, x) : NULL;

		xf->link = sym ? sym->addr - (uint64_t)pf->t->bias :
			   (pf->t->dw ? kstep_dwarf_symbol(pf->t->dw, x) : 0);
		if (!xf->link)
			return false;
	}
	return true;
}

/*
 * Gives C the line of its call in f, among the n call sites at offs: that
 * line when every site has it; else every candidate line, " or " between
 * them ("FILE:L1 or L2 or FILE2:L3"), and KSTEP_NF_SITE_AMBIG, since the trace cannot say which site ran.
 * Into pos (or NULL) the position of the first site, with only the inlined
 * frames all sites share. Returns 0, or -1 when no site has a line.
 */
static int place(struct walker *w, const struct qfn *f, struct kstep_node *C, const int64_t *offs, int n,
		 struct kstep_srcpos *pos)
{
	struct kstep_sbuf b = { 0 }, seen = { 0 };
	struct kstep_srcpos *p = kstep_xcalloc(1, sizeof(*p));
	int i, got = 0, lines = 0, k;
	char tok[300], first[256];

	kstep_sbuf_add(&seen, "\n");
	for (i = 0; i < n && i < SITES_MAX; i++) {
		if (offs[i] <= 0 || q_pos(w->r, f, (uint64_t)offs[i] - 1, p))
			continue;
		if (!got)
			snprintf(first, sizeof(first), "%s", p->file);
		if (pos && !got)
			*pos = *p;
		else if (pos) {
			for (k = 0; k < pos->ninl && k < p->ninl && pos->inl[k].die == p->inl[k].die; k++)
				;
			pos->ninl = k;
		}
		got = 1;
		snprintf(tok, sizeof(tok), "\n%s:%d\n", p->file, p->line);
		if (strstr(kstep_sbuf_str(&seen), tok))
			continue;
		kstep_sbuf_add(&seen, tok + 1);
		/* "FILE:L1 or L2" while the file stays the first one's */
		if (lines && !strcmp(p->file, first))
			kstep_sbuf_addf(&b, " or %d", p->line);
		else
			kstep_sbuf_addf(&b, "%s%s:%d", lines ? " or " : "", p->file, p->line);
		lines++;
	}
	if (got && n > SITES_MAX) {
		kstep_sbuf_add(&b, " or another");
		lines++;
	}
	if (got) {
		C->site = kstep_chain_strdup(w->c, kstep_sbuf_str(&b), b.len);
		if (lines > 1) {
			C->flags |= KSTEP_NF_SITE_AMBIG;
			w->g->ambiguous++;
		} else {
			w->g->sites++;
		}
	}
	kstep_sbuf_free(&b);
	kstep_sbuf_free(&seen);
	free(p);
	return got ? 0 : -1;
}

/*
 * Does x (called by P, its call returning at poff in P, or -1 unknown)
 * end in a tail call to C? Then x ran between them and left no frame: a
 * tail step. Returns it, or NULL.
 */
static struct kstep_node *try_tail(struct walker *w, const struct qfn *pf, const char *x, int64_t poff,
				   struct kstep_node *C, const char *cname)
{
	int64_t offs[SITES_MAX], toffs[SITES_MAX];
	bool tails[SITES_MAX];
	struct kstep_node *T;
	struct qfn xf;
	int n, i, nt = 0;

	if (!qfn_named(w, pf, x, &xf) || (n = q_callsites(w->r, &xf, cname, offs, tails)) <= 0)
		return NULL;
	for (i = 0; i < n && i < SITES_MAX; i++)
		if (tails[i])
			toffs[nt++] = offs[i];
	if (!nt)
		return NULL;
	T = kstep_chain_wrap(w->c, C, C, x, KSTEP_SRC_TAIL);
	place(w, &xf, C, toffs, nt, NULL);
	if (poff >= 0)
		place(w, pf, T, &poff, 1, NULL);
	else if ((n = q_callsites(w->r, pf, x, offs, tails)) > 0)
		place(w, pf, T, offs, n, NULL);
	w->g->tails++;
	return T;
}

/* Without a return address: any function P calls that tail-calls C. */
static struct kstep_node *tail_step(struct walker *w, const struct qfn *pf, struct kstep_node *C,
				    const char *cname)
{
	char callees[1024], *save = NULL, *x;
	struct kstep_node *T = NULL;

	if (q_callees(w->r, pf, callees, sizeof(callees)))
		return NULL;
	for (x = strtok_r(callees, ",", &save); x && !T; x = strtok_r(NULL, ",", &save))
		T = try_tail(w, pf, x, -1, C, cname);
	return T;
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

/*
 * A callee that returned to its caller was not reached by a tail call (that
 * would make it the caller's sibling): drops tail sites from the n at offs,
 * unless all are. Returns how many are left.
 */
static int calls_only(int64_t *offs, bool *tails, int n)
{
	int i, m = 0;

	for (i = 0; i < n && i < SITES_MAX; i++)
		if (!tails[i])
			m++;
	if (!m || n > SITES_MAX)
		return n;
	for (i = 0, m = 0; i < n; i++)
		if (!tails[i])
			offs[m++] = offs[i];
	return m;
}

static void visit(struct walker *w, struct kstep_node *P, const struct qfn *pf)
{
	struct kstep_node **kids, *k;
	struct kstep_srcpos **pos, *p;
	size_t n = 0, i;
	char file[256];
	int line;

	if (!P->decl && q_decl(w->r, pf, file, sizeof(file), &line) == 0) {
		P->decl = loc(w->c, file, line);
		w->g->decls++;
	}
	for (k = P->child; k; k = k->next)
		n++;
	if (!n)
		return;
	kids = kstep_xcalloc(n, sizeof(*kids));
	pos = kstep_xcalloc(n, sizeof(*pos));
	for (i = 0, k = P->child; k; k = k->next, i++)
		kids[i] = k;
	for (i = 0; i < n; i++) {
		struct qfn cf;
		int64_t off, offs[SITES_MAX];
		bool tails[SITES_MAX];
		int ns = 1;

		k = kids[i];
		if (!qfn_of(w->r, k, &cf) || cf.t != pf->t)
			continue;
		off = retip_off(w, P, k);
		if (off >= 0) {
			/* the call that returns there may be to another function that tail-called k */
			char at[256];
			struct kstep_node *T = NULL;
			char norm[256], cn[256];

			if (!q_at(w->r, pf, off, at, sizeof(at)) && *at &&
			    strcmp(kstep_func_norm(at, norm, sizeof(norm)),
				   kstep_func_norm(dwarf_name(w->r, k), cn, sizeof(cn))))
				T = try_tail(w, pf, at, off, k, dwarf_name(w->r, k));
			if (T) {
				kids[i] = T;
				continue;
			}
			offs[0] = off;
		} else if ((ns = q_callsites(w->r, pf, dwarf_name(w->r, k), offs, tails)) <= 0) {
			struct kstep_node *T = tail_step(w, pf, k, dwarf_name(w->r, k));

			if (T)
				kids[i] = T;
			else
				w->g->unresolved++;
			continue;
		}
		if (off < 0)
			ns = calls_only(offs, tails, ns);
		/* positions are large (inline chains): only the resolved ones get one */
		p = kstep_xcalloc(1, sizeof(*p));
		if (place(w, pf, k, offs, ns, p)) {
			free(p);
			w->g->unresolved++;
			continue;
		}
		pos[i] = p;
	}
	group(w, kids, pos, n, 0);
	for (i = 0; i < n; i++)
		free(pos[i]);
	free(kids);
	free(pos);
}

/* Setting up */

/*
 * Loads the stored facts into the memo; the "from" line into from. Returns
 * 0, or -1 when they are not kstep's version 1.
 */
static int load_facts(struct resolver *r, char *text, char *from, size_t flen)
{
	char *p = text, *nl;
	int n = 0;

	for (; p && *p; p = nl ? nl + 1 : NULL, n++) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		if (n == 0 && strncmp(p, "kstep-dwarf-facts 1", 19))
			return -1;
		if (n == 1 && !strncmp(p, "from ", 5))
			snprintf(from, flen, "%s", p + 5);
		else if (n > 0 && key_len(p))
			memo_put(&r->memo, p, key_len(p));
	}
	return n ? 0 : -1;
}

static void release_of(const struct kstep_session *s, char *out, size_t len)
{
	const char *u = kstep_dat_uname(s->dat);
	char a[64], b[64], rel[128];

	out[0] = '\0';
	if (u && sscanf(u, "%63s %63s %127s", a, b, rel) == 3)
		snprintf(out, len, "%s", rel);
}

/* The plan's uprobes (their binary, offset and symbol) and the build-ids noted for them. */
static void read_umaps(struct resolver *r, const struct kstep_session *s)
{
	struct kstep_kopt_probe *p;
	size_t n = kstep_kopts_probes(s->dat, &p), i;

	for (i = 0; i < n; i++) {
		struct umap m = { 0 };

		if ((strcmp(p[i].kind, "uprobe") && strcmp(p[i].kind, "uretprobe")) || !*p[i].path)
			continue;
		snprintf(m.event, sizeof(m.event), "%s", p[i].event);
		snprintf(m.path, sizeof(m.path), "%s", p[i].path);
		snprintf(m.sym, sizeof(m.sym), "%s", p[i].target);
		m.off = p[i].off;
		kstep_kopts_build_id_of(s->dat, m.path, m.build_id, sizeof(m.build_id));
		r->umaps = kstep_xrealloc(r->umaps, (r->numaps + 1) * sizeof(*r->umaps));
		r->umaps[r->numaps++] = m;
	}
	free(p);
}

static int open_kernel(struct resolver *r, const struct kstep_session *s, const struct kstep_gaps_opts *o,
		       struct kstep_gaps *g, char *err, size_t errlen)
{
	bool asked = o->vmlinux || o->debug_dir;
	const struct kstep_ksyms *ks = kstep_load_ksyms(s->ld);
	const struct kstep_ksym *text;
	char rel[128], why[1024];
	char *path;
	uint64_t link;
	int64_t bias = 0;
	bool opened;

	r->kernel.prefix = "";
	release_of(s, rel, sizeof(rel));
	path = kstep_dwarf_find_vmlinux(o->vmlinux, o->debug_dir, *rel ? rel : NULL,
					*s->build_id ? s->build_id : NULL, why, sizeof(why));
	if (!path) {
		if (asked) {
			snprintf(err, errlen, "%s", why);
			return -1;
		}
		snprintf(g->why_not, sizeof(g->why_not), "%.1000s", why);
		snprintf(g->from, sizeof(g->from), "no kernel DWARF");
		return 0;
	}
	snprintf(g->kernel, sizeof(g->kernel), "Linux %s (%s%s)", *rel ? rel : "(release not recorded)",
		 *s->build_id ? "build-id " : "build-id not recorded", s->build_id);
	r->kernel.dw = kstep_dwarf_open(path, *s->build_id ? s->build_id : NULL, why, sizeof(why));
	opened = r->kernel.dw != NULL;
	/* Without a build-id in the trace nothing has said this is the right
	 * file yet: check its release and where its functions are. */
	if (r->kernel.dw && !*s->build_id &&
	    kstep_dwarf_check_kernel(r->kernel.dw, *rel ? rel : NULL, ks, &bias, why, sizeof(why))) {
		kstep_dwarf_close(r->kernel.dw);
		r->kernel.dw = NULL;
	}
	if (!r->kernel.dw && o->only_if_matching) {
		/* diff: a file that is not this side's kernel's (or has no DWARF) is
		 * left out for this side only; diff refuses it if no side can use it */
		kstep_dwarf_describe(path, g->file_id, sizeof(g->file_id));
		free(path);
		g->refused = true;
		snprintf(g->why_not, sizeof(g->why_not), "%.1000s", why);
		snprintf(g->from, sizeof(g->from), "no kernel DWARF (the debug file is another kernel's)");
		return 0;
	}
	if (!r->kernel.dw) {
		/* both identities: the file's is in why, the trace's here (the check said both) */
		if (opened)
			snprintf(err, errlen, "%s", why);
		else
			snprintf(err, errlen, "%.900s; the trace was recorded on %s", why, g->kernel);
		free(path);
		return -1;
	}
	free(path);
	/* KASLR: the kernel's _text in the file's kallsyms against the link address */
	text = ks ? kstep_ksyms_find(ks, "_text") : NULL;
	link = kstep_dwarf_symbol(r->kernel.dw, "_text");
	if (text && link)
		r->kernel.bias = (int64_t)(text->addr - link);
	else if (!*s->build_id)
		r->kernel.bias = bias;
	snprintf(g->from, sizeof(g->from), "the kernel's DWARF (build-id %s)",
		 kstep_dwarf_build_id(r->kernel.dw));
	kstep_dwarf_version(r->kernel.dw, g->version, sizeof(g->version));
	return 0;
}

static void close_all(struct resolver *r)
{
	size_t i;

	kstep_dwarf_close(r->kernel.dw);
	for (i = 0; i < r->nusers; i++)
		kstep_dwarf_close(r->users[i].dw);
	free(r->umaps);
	memo_free(&r->memo);
}

/* The DWARF stage of one pass: the resolver and what it recorded. */
struct kstep_gaps_run {
	struct resolver r;
	struct kstep_sbuf rec;
	struct kstep_gaps *g;
	const struct kstep_ksyms *ks;
	char *text;
	bool walk;		/* something to ask */
};

int kstep_gaps_begin(struct kstep_gaps_run **out, const struct kstep_session *s, const struct kstep_gaps_opts *o,
		     bool rec, struct kstep_gaps *g, char *err, size_t errlen)
{
	const struct kstep_dat_rawopt *facts = kstep_dat_rawopt(s->dat, KSTEP_KOPT_DWARF);
	struct kstep_gaps_run *run = kstep_xcalloc(1, sizeof(*run));
	struct resolver *r = &run->r;
	size_t i;

	*out = NULL;
	memset(g, 0, sizeof(*g));
	r->kernel.prefix = "";
	run->g = g;
	run->ks = kstep_load_ksyms(s->ld);
	if (o->no_dwarf) {
		snprintf(g->why_not, sizeof(g->why_not), "--no-dwarf");
		*out = run;
		return 0;
	}
	read_umaps(r, s);
	r->debug_dir = o->debug_dir;
	if (facts && !o->vmlinux && !o->debug_dir && !rec) {
		run->text = kstep_xstrndup(facts->data, strnlen(facts->data, facts->len));
		/* said as the debug file said it: the output must not depend on where facts come from */
		snprintf(g->from, sizeof(g->from), "stored facts");
		if (load_facts(r, run->text, g->from, sizeof(g->from))) {
			snprintf(err, errlen, "the DWARF facts stored in the file are not kstep's version 1 "
				 "(annotate the file again)");
			kstep_gaps_end(run);
			return -1;
		}
		r->facts = true;
	} else {
		if (open_kernel(r, s, o, g, err, errlen)) {
			kstep_gaps_end(run);
			return -1;
		}
		if (rec)
			r->rec = &run->rec;
	}
	/* nothing to ask (no kernel DWARF, no facts, no probed program): no walk */
	run->walk = r->facts || r->kernel.dw || r->numaps;
	g->used = r->facts || r->kernel.dw;
	for (i = 0; i < r->nusers; i++)
		g->used |= r->users[i].dw != NULL;
	*out = run;
	return 0;
}

void kstep_gaps_subtree(struct kstep_gaps_run *run, struct kstep_chain *c, struct kstep_node *top)
{
	struct walker w = { .r = &run->r, .c = c, .ks = run->ks, .g = run->g };
	struct kstep_node *n;
	struct qfn f;
	size_t i;

	if (!run->walk)
		return;
	for (n = top; n; n = kstep_node_next(n, top))
		if (qfn_of(w.r, n, &f))
			visit(&w, n, &f);
	/* a user-space binary's debug file is opened when its first call is met */
	for (i = 0; i < run->r.nusers; i++)
		run->g->used |= run->r.users[i].dw != NULL;
}

void kstep_gaps_end(struct kstep_gaps_run *run)
{
	struct kstep_gaps *g;

	if (!run)
		return;
	g = run->g;
	if (g->used)
		g->why_not[0] = '\0';
	if (run->r.rec) {
		struct kstep_sbuf f = { 0 };

		kstep_sbuf_addf(&f, "kstep-dwarf-facts 1\nfrom %s\n%s", g->from, kstep_sbuf_str(&run->rec));
		g->facts = kstep_sbuf_steal(&f);
	}
	kstep_sbuf_free(&run->rec);
	close_all(&run->r);
	free(run->text);
	free(run);
}

int kstep_gaps_apply(struct kstep_chain *c, const struct kstep_session *s, const struct kstep_gaps_opts *o,
		     bool rec, struct kstep_gaps *g, char *err, size_t errlen)
{
	struct kstep_gaps_run *run;
	struct kstep_node *root = kstep_chain_root(c), *k;

	if (kstep_gaps_begin(&run, s, o, rec, g, err, errlen))
		return -1;
	for (k = root->child; k; k = k->next)
		kstep_gaps_subtree(run, c, k);
	kstep_gaps_end(run);
	return 0;
}

