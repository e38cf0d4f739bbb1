// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * defs.c - the DEFINITIONS of a step log (see defs.h). The option's lines
 * are "roots DIR...", "def|enum NAME PATH LINE VALUE", "file PATH SHA256"
 * and "none WHY" (doc/trace-dat-options.md).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "defs.h"
#include "util.h"

#define MAX_CHAIN 16
#define SEEN_SLOTS 1024		/* names looked up once; a power of two */


struct file {
	const char *path;
	const char *sha256;
};

struct used {
	const char *name;
	bool have_kstep;
	long long kstep;	/* kstep's own value for it */
};

struct kstep_defs {
	char *text;
	const char *missing;
	struct kstep_vec links;		/* struct kstep_def_link, the option's order */
	struct kstep_vec files;		/* struct file */
	struct kstep_vec chains;	/* const struct kstep_def_link *[MAX_CHAIN] per used constant */
	struct kstep_vec used;		/* struct used, first use first */
	struct kstep_vec out;		/* struct kstep_def, made by kstep_defs_used */
	struct kstep_arena strings;
	/*
	 * "table\tname" pairs already looked up (used or not defined): a log
	 * names the same few constants on every call, and a loop of 200,000
	 * system calls would otherwise search the tables 200,000 times. When
	 * the set is full the rest are searched each time.
	 */
	const char *seen[SEEN_SLOTS];
	size_t nseen;
};

static const struct kstep_def_link *find(const struct kstep_defs *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->links.n; i++) {
		const struct kstep_def_link *l = kstep_vec_at(&d->links, i);

		if (!strcmp(l->name, name))
			return l;
	}
	return NULL;
}

/* Splits "def NAME PATH LINE VALUE" in place; false when it is no such line. */
static bool parse_link(char *s, struct kstep_def_link *l)
{
	char *f[4], *end;
	unsigned long line;
	int i;

	l->enumerator = !strncmp(s, "enum ", 5);
	if (!l->enumerator && strncmp(s, "def ", 4))
		return false;
	s = strchr(s, ' ') + 1;
	for (i = 0; i < 3; i++) {
		f[i] = s;
		s = strchr(s, ' ');
		if (!s)
			return false;
		*s++ = '\0';
	}
	f[3] = s;
	errno = 0;
	line = strtoul(f[2], &end, 10);
	if (errno || *end || !line || line > 1u << 30 || !*f[0] || !*f[1])
		return false;
	l->name = f[0];
	l->path = f[1];
	l->line = (unsigned)line;
	l->value = f[3];
	return true;
}

struct kstep_defs *kstep_defs_new(char *text)
{
	struct kstep_defs *d = kstep_xcalloc(1, sizeof(*d));
	char *line, *save = NULL;

	kstep_vec_init(&d->links, sizeof(struct kstep_def_link));
	kstep_vec_init(&d->files, sizeof(struct file));
	kstep_vec_init(&d->chains, sizeof(const struct kstep_def_link *[MAX_CHAIN]));
	kstep_vec_init(&d->used, sizeof(struct used));
	kstep_vec_init(&d->out, sizeof(struct kstep_def));
	d->text = text;
	if (!text) {
		d->missing = "the file has none (recorded by an older kstep or by another tool)";
		return d;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct kstep_def_link l;

		if (!strncmp(line, "none ", 5)) {
			d->missing = line + 5;
		} else if (!strncmp(line, "file ", 5) && strchr(line + 5, ' ')) {
			struct file *f = kstep_vec_push(&d->files);

			f->path = line + 5;
			f->sha256 = strchr(line + 5, ' ') + 1;
			*strchr(line + 5, ' ') = '\0';
		}
		else if (parse_link(line, &l))
			*(struct kstep_def_link *)kstep_vec_push(&d->links) = l;
	}
	if (!d->missing && !d->links.n)
		d->missing = "the recording machine's headers define none of the decoded constants";
	for (size_t i = 0; i < d->links.n; i++) {
		struct kstep_def_link *l = kstep_vec_at(&d->links, i);

		for (size_t k = 0; k < d->files.n; k++) {
			const struct file *f = kstep_vec_at(&d->files, k);

			if (!strcmp(f->path, l->path))
				l->sha256 = f->sha256;
		}
	}
	return d;
}

void kstep_defs_free(struct kstep_defs *d)
{
	if (!d)
		return;
	kstep_vec_free(&d->links);
	kstep_vec_free(&d->files);
	kstep_vec_free(&d->chains);
	kstep_vec_free(&d->used);
	kstep_vec_free(&d->out);
	kstep_arena_free(&d->strings);
	free(d->text);
	free(d);
}

static void mark(struct kstep_defs *d, const char *cname, bool have, long long v)
{
	const struct kstep_def_link *l = find(d, cname);
	struct used *u;
	size_t i;

	if (!l)
		return;
	for (i = 0; i < d->used.n; i++)
		if (!strcmp(((struct used *)kstep_vec_at(&d->used, i))->name, l->name))
			return;
	u = kstep_vec_push(&d->used);
	u->name = l->name;
	u->have_kstep = have;
	u->kstep = v;
}

/* Whether table/name was looked up before; notes it when it was not (and there is room). */
static bool seen_before(struct kstep_defs *d, const char *table, const char *name)
{
	uint64_t h = 1469598103934665603ULL;
	char key[192];
	size_t i;

	snprintf(key, sizeof(key), "%s\t%s", table ? table : "", name);
	for (i = 0; key[i]; i++)
		h = (h ^ (unsigned char)key[i]) * 1099511628211ULL;
	for (i = h & (SEEN_SLOTS - 1); d->seen[i]; i = (i + 1) & (SEEN_SLOTS - 1))
		if (!strcmp(d->seen[i], key))
			return true;
	if (d->nseen < SEEN_SLOTS / 2) {
		d->seen[i] = kstep_arena_strdup(&d->strings, key);
		d->nseen++;
	}
	return false;
}

void kstep_defs_use(struct kstep_defs *d, const char *table, const char *name)
{
	long long v;
	const char *cname;

	if (!d || !d->links.n || seen_before(d, table, name))
		return;
	cname = kstep_const_cname(table, name, &v);
	if (cname)
		mark(d, cname, true, v);
}

static bool word_char(int c)
{
	return isalnum(c) || c == '_';
}

void kstep_defs_use_text(struct kstep_defs *d, const char *s)
{
	char tok[128];

	if (!d || !d->links.n || !s)
		return;
	while (*s) {
		const char *w = s;
		bool name = isupper((unsigned char)*s);
		size_t n;

		if (!word_char((unsigned char)*s)) {
			s++;
			continue;
		}
		while (word_char((unsigned char)*s)) {
			if (islower((unsigned char)*s))
				name = false;
			s++;
		}
		n = (size_t)(s - w);
		if (!name || n >= sizeof(tok))
			continue;
		memcpy(tok, w, n);
		tok[n] = '\0';
		kstep_defs_use(d, NULL, tok);
	}
}

const char *kstep_defs_missing(const struct kstep_defs *d)
{
	return d ? d->missing : "not read";
}

/* The value a chain ends in, as a number; false when it is an expression. */
static bool number(const char *s, long long *v)
{
	char *end;

	while (*s == '(')
		s++;
	errno = 0;
	*v = strtoll(s, &end, 0);
	while (*end == 'U' || *end == 'L' || *end == 'u' || *end == 'l' || *end == ')')
		end++;
	return !errno && end != s && !*end;
}

static void one(struct kstep_defs *d, const struct used *u, bool ascii, struct kstep_def *out,
		const struct kstep_def_link **chain)
{
	struct kstep_sbuf b = { 0 };
	size_t n = 0, i;
	long long hv;

	chain[n++] = find(d, u->name);
	while (n < MAX_CHAIN) {
		const struct kstep_def_link *next = find(d, chain[n - 1]->value);

		for (i = 0; next && i < n; i++)
			if (chain[i] == next)
				next = NULL;	/* a loop: the option was made from one, stop */
		if (!next)
			break;
		chain[n++] = next;
	}
	for (i = 0; i < n; i++)
		kstep_sbuf_addf(&b, "%s = ", chain[i]->name);
	kstep_sbuf_addf(&b, "%s  %s:%u", chain[n - 1]->value, chain[0]->path, chain[0]->line);
	for (i = 1; i < n; i++) {
		if (!strcmp(chain[i]->path, chain[i - 1]->path))
			kstep_sbuf_addf(&b, " %s :%u", ascii ? "->" : "→", chain[i]->line);
		else
			kstep_sbuf_addf(&b, " %s %s:%u", ascii ? "->" : "→", chain[i]->path, chain[i]->line);
	}
	out->differs = u->have_kstep && number(chain[n - 1]->value, &hv) && hv != u->kstep;
	if (out->differs)
		kstep_sbuf_addf(&b, "  (differs: kstep decoded with %lld, from the headers it was built on)", u->kstep);
	out->name = u->name;
	out->value = chain[n - 1]->value;
	out->path = chain[n - 1]->path;
	out->line = chain[n - 1]->line;
	out->text = kstep_arena_strdup(&d->strings, kstep_sbuf_str(&b));
	out->nlinks = n;
	kstep_sbuf_free(&b);
}

const struct kstep_def *kstep_defs_used(struct kstep_defs *d, bool ascii, size_t *n)
{
	size_t i;

	*n = 0;
	if (!d)
		return NULL;
	d->out.n = 0;
	d->chains.n = 0;
	for (i = 0; i < d->used.n; i++)
		one(d, kstep_vec_at(&d->used, i), ascii, kstep_vec_push(&d->out), kstep_vec_push(&d->chains));
	/* the chains' vector may have moved while it grew: point at them once it is whole */
	for (i = 0; i < d->out.n; i++)
		((struct kstep_def *)kstep_vec_at(&d->out, i))->links = kstep_vec_at(&d->chains, i);
	*n = d->out.n;
	return d->out.v;
}
