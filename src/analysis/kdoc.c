// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kdoc.c - kernel-doc summaries from the recorded kernel's source (see kdoc.h).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kdoc.h"
#include "util.h"

#define KDOC_FILES 8		/* source files kept in memory at once */
#define KDOC_MEMO 4096		/* functions remembered (found or not) */
#define KDOC_MAX_FILE (16u << 20)

struct srcfile {
	char *rel;		/* path in the tree */
	char *text;
	char **line;		/* line[i]: the (i+1)-th line, NUL-terminated in text */
	size_t nlines;
	unsigned long used;	/* for replacing the least recently used */
};

struct memo {
	const char *func;	/* in the arena; NULL: empty slot */
	const char *summary;	/* NULL: none */
	const char *where;
};

struct kstep_kdoc {
	char *dir;
	struct srcfile files[KDOC_FILES];
	unsigned long clock;
	struct memo *memo;
	size_t nmemo;
	struct kstep_arena arena;
};

/* "6.1.192" from the tree's Makefile (VERSION, PATCHLEVEL, SUBLEVEL), or -1. */
static int tree_version(const char *dir, char *out, size_t len)
{
	char path[4096], line[256];
	long v[3] = { -1, -1, -1 };
	static const char *const keys[] = { "VERSION", "PATCHLEVEL", "SUBLEVEL" };
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "%.4000s/Makefile", dir);
	if (!(f = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof(line), f))
		for (i = 0; i < 3; i++) {
			size_t k = strlen(keys[i]);

			if (!strncmp(line, keys[i], k) && (line[k] == ' ' || line[k] == '='))
				v[i] = strtol(strchr(line, '=') ? strchr(line, '=') + 1 : "", NULL, 10);
		}
	fclose(f);
	if (v[0] < 0 || v[1] < 0 || v[2] < 0)
		return -1;
	snprintf(out, len, "%ld.%ld.%ld", v[0], v[1], v[2]);
	return 0;
}

struct kstep_kdoc *kstep_kdoc_open(const char *dir, const char *version, char *err, size_t errlen)
{
	struct kstep_kdoc *k;
	char have[64];

	if (tree_version(dir, have, sizeof(have))) {
		snprintf(err, errlen, "%s is no kernel source tree (no Makefile saying VERSION, PATCHLEVEL and "
			 "SUBLEVEL)", dir);
		return NULL;
	}
	if (!version || !*version) {
		snprintf(err, errlen, "the recorded kernel's version is unknown (no debug file with a linux_banner), "
			 "so %s (Linux %s) cannot be checked against it", dir, have);
		return NULL;
	}
	if (strcmp(have, version)) {
		snprintf(err, errlen, "%s is the source of Linux %s, the recorded kernel is %s: give the source "
			 "package of that version", dir, have, version);
		return NULL;
	}
	k = kstep_xcalloc(1, sizeof(*k));
	k->dir = kstep_xstrdup(dir);
	k->memo = kstep_xcalloc(KDOC_MEMO, sizeof(*k->memo));
	return k;
}

void kstep_kdoc_close(struct kstep_kdoc *k)
{
	size_t i;

	if (!k)
		return;
	for (i = 0; i < KDOC_FILES; i++) {
		free(k->files[i].rel);
		free(k->files[i].text);
		free(k->files[i].line);
	}
	free(k->memo);
	kstep_arena_free(&k->arena);
	free(k->dir);
	free(k);
}

/* Reads dir/rel whole and splits it into lines; -1 when it cannot. */
static int load(struct kstep_kdoc *k, const char *rel, struct srcfile *f)
{
	char path[4096];
	FILE *in;
	long size;
	size_t n, i, cap = 1024;

	snprintf(path, sizeof(path), "%.2040s/%.2040s", k->dir, rel);
	if (!(in = fopen(path, "rb")))
		return -1;
	if (fseek(in, 0, SEEK_END) || (size = ftell(in)) < 0 || (unsigned long)size > KDOC_MAX_FILE ||
	    fseek(in, 0, SEEK_SET)) {
		fclose(in);
		return -1;
	}
	f->text = kstep_xmalloc((size_t)size + 1);
	n = fread(f->text, 1, (size_t)size, in);
	fclose(in);
	f->text[n] = '\0';
	f->line = kstep_xmalloc(cap * sizeof(*f->line));
	f->nlines = 0;
	f->line[f->nlines++] = f->text;
	for (i = 0; i < n; i++) {
		if (f->text[i] != '\n')
			continue;
		f->text[i] = '\0';
		if (i + 1 >= n)
			break;
		if (f->nlines == cap) {
			cap *= 2;
			f->line = kstep_xrealloc(f->line, cap * sizeof(*f->line));
		}
		f->line[f->nlines++] = f->text + i + 1;
	}
	f->rel = kstep_xstrdup(rel);
	return 0;
}

/* The file of the tree that path names: path itself, or path with leading build directories dropped. */
static struct srcfile *file_of(struct kstep_kdoc *k, const char *path)
{
	struct srcfile *f, *old = &k->files[0];
	const char *rel;
	size_t i;

	for (rel = path; rel; rel = strchr(rel, '/') ? strchr(rel, '/') + 1 : NULL) {
		char full[4096];

		for (i = 0; i < KDOC_FILES; i++)
			if (k->files[i].rel && !strcmp(k->files[i].rel, rel)) {
				k->files[i].used = ++k->clock;
				return &k->files[i];
			}
		snprintf(full, sizeof(full), "%.2040s/%.2040s", k->dir, rel);
		if (access(full, R_OK))
			continue;
		for (i = 1; i < KDOC_FILES; i++)
			if (k->files[i].used < old->used)
				old = &k->files[i];
		f = old;
		free(f->rel);
		free(f->text);
		free(f->line);
		*f = (struct srcfile){ 0 };
		if (load(k, rel, f))
			return NULL;
		f->used = ++k->clock;
		return f;
	}
	return NULL;
}

static const char *skip_ws(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

/* A comment line's text: " *	foo" -> "foo". */
static const char *comment_text(const char *s)
{
	s = skip_ws(s);
	if (*s == '*' && s[1] != '/')
		s++;
	return skip_ws(s);
}

static bool ends_comment(const char *s)
{
	size_t n = strlen(s);

	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return n >= 2 && s[n - 2] == '*' && s[n - 1] == '/';
}

/*
 * The summary above the definition at line decl (1-based) of f: the
 * comment right above the declaration's lines must be a kernel-doc one
 * ("/ **") whose first line is "NAME[()] - summary" for func.
 */
static const char *find(struct kstep_kdoc *k, const struct srcfile *f, size_t decl, const char *func,
			char *where, size_t wlen)
{
	struct kstep_sbuf b = { 0 };
	size_t i = decl - 1, top, skipped = 0, nlen = strcspn(func, ".");
	const char *t, *summary;

	/* up over the declaration's own lines (return type, attributes) and blank lines */
	while (i > 0 && !ends_comment(f->line[i - 1])) {
		if (*skip_ws(f->line[i - 1]) && ++skipped > 4)
			return NULL;
		if (strstr(f->line[i - 1], ";") || strchr(f->line[i - 1], '}'))
			return NULL;	/* another statement: no comment belongs to this definition */
		i--;
	}
	if (i == 0)
		return NULL;
	/* up to the comment's start */
	for (top = i - 1; top > 0 && top + 80 > i; top--) {
		t = skip_ws(f->line[top]);
		if (!strncmp(t, "/*", 2))
			break;
	}
	t = skip_ws(f->line[top]);
	if (strncmp(t, "/**", 3) || t[3] == '*')
		return NULL;	/* an ordinary comment, not kernel-doc */
	/* "NAME - summary" on the first line of the comment */
	t = comment_text(t[3] ? t + 3 : f->line[++top]);
	if (top >= i || strncmp(t, func, nlen) || (isalnum((unsigned char)t[nlen]) || t[nlen] == '_'))
		return NULL;
	t += nlen;
	if (!strncmp(t, "()", 2))
		t += 2;
	t = skip_ws(t);
	if (*t != '-')
		return NULL;
	kstep_sbuf_add(&b, skip_ws(t + 1));
	snprintf(where, wlen, "%s:%zu", f->rel, top + 1);
	for (top++; top < i - 1; top++) {
		t = comment_text(f->line[top]);
		if (!*t || *t == '@' || strstr(f->line[top], "*/"))
			break;
		kstep_sbuf_addf(&b, " %s", t);
	}
	while (b.len && isspace((unsigned char)b.s[b.len - 1]))
		b.s[--b.len] = '\0';
	summary = b.len ? kstep_arena_strdup(&k->arena, b.s) : NULL;
	kstep_sbuf_free(&b);
	return summary;
}

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

const char *kstep_kdoc_summary(struct kstep_kdoc *k, const char *func, const char *decl, char *where,
			       size_t wlen)
{
	const char *colon = decl ? strrchr(decl, ':') : NULL;
	struct srcfile *f;
	struct memo *m = NULL;
	char path[4096], at[4200] = "";
	const char *summary = NULL;
	size_t slot, n;
	long line;

	where[0] = '\0';
	if (!colon || !func)
		return NULL;
	for (slot = hash(func) % KDOC_MEMO, n = 0; n < KDOC_MEMO; n++, slot = (slot + 1) % KDOC_MEMO) {
		m = &k->memo[slot];
		if (!m->func || !strcmp(m->func, func))
			break;
	}
	if (m && m->func) {
		snprintf(where, wlen, "%s", m->where ? m->where : "");
		return m->summary;
	}
	snprintf(path, sizeof(path), "%.*s", (int)(colon - decl), decl);
	line = strtol(colon + 1, NULL, 10);
	f = file_of(k, path);
	if (f && line > 0 && (size_t)line <= f->nlines)
		summary = find(k, f, (size_t)line, func, at, sizeof(at));
	snprintf(where, wlen, "%s", summary ? at : "");
	/* remembered while there is room (a full table only costs the lookups again) */
	if (m && !m->func && k->nmemo + 1 < KDOC_MEMO) {
		m->func = kstep_arena_strdup(&k->arena, func);
		m->summary = summary;
		m->where = summary ? kstep_arena_strdup(&k->arena, at) : NULL;
		k->nmemo++;
	}
	return summary;
}
