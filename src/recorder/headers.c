// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * headers.c - the definitions of constants in the recording machine's
 * headers (see headers.h).
 *
 * Not a preprocessor: every #define and enumerator of every file reached is
 * kept, whichever #if branch it sits in, and the first one read wins. That
 * is what a reader does with grep, and what the log can cite; a header
 * whose branches define a name twice differently shows the first.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "headers.h"
#include "plugins.h"
#include "sha256.h"
#include "util.h"

#define MAX_HEADER_BYTES (4u << 20)	/* larger is no header */
#define MAX_CHAIN_SEEN 16
#define MAX_SCAN_FILES 256	/* the tables' headers reach about 40 on Debian 12 */

struct kstep_defines {
	struct kstep_vec defs;		/* struct kstep_define, file order */
	struct kstep_define **by_name;	/* sorted by name, then file order */
	struct kstep_arena strings;
	struct kstep_vec files;		/* char *: real paths read or queued */
	size_t nread;
};

/* The enum parser's state across a file's lines. */
struct enum_state {
	int state;		/* 0 outside, 1 after "enum", 2 in the body */
	int depth;		/* braces, in the body */
	int paren;		/* parentheses, in a value */
	char name[128];
	unsigned name_line;
	bool eq;		/* "=" seen: value follows */
	char value[256];
	size_t vlen;
	bool have_next;		/* the next implicit value is known */
	long long next;
};

static const char *keep(struct kstep_defines *d, const char *s, size_t n)
{
	return kstep_arena_strndup(&d->strings, s, n);
}

static void add_def(struct kstep_defines *d, const char *name, size_t nlen, const char *value, size_t vlen,
		    const char *path, unsigned line, bool enumerator)
{
	struct kstep_define *def = kstep_vec_push(&d->defs);

	def->name = keep(d, name, nlen);
	def->value = keep(d, value, vlen);
	def->path = path;
	def->line = line;
	def->enumerator = enumerator;
}

static bool ident_start(int c)
{
	return isalpha(c) || c == '_';
}

static bool ident_char(int c)
{
	return isalnum(c) || c == '_';
}

/* Collapses runs of blanks to one space and trims both ends, in place; returns the length. */
static size_t squeeze(char *s)
{
	size_t i, o = 0;
	bool sp = false;

	for (i = 0; s[i]; i++) {
		if (isspace((unsigned char)s[i])) {
			sp = o > 0;
			continue;
		}
		if (sp)
			s[o++] = ' ';
		sp = false;
		s[o++] = s[i];
	}
	s[o] = '\0';
	return o;
}

/*
 * Removes comments from line (in place), carrying an open block comment
 * over to the next line in *in_comment.
 */
static void strip_comments(char *line, bool *in_comment)
{
	char *r = line, *w = line;

	while (*r) {
		if (*in_comment) {
			if (r[0] == '*' && r[1] == '/') {
				*in_comment = false;
				r += 2;
				*w++ = ' ';
			} else {
				r++;
			}
			continue;
		}
		if (r[0] == '/' && r[1] == '*') {
			*in_comment = true;
			r += 2;
			continue;
		}
		if (r[0] == '/' && r[1] == '/')
			break;
		if (*r == '"' || *r == '\'') {
			char q = *r;

			*w++ = *r++;
			while (*r && *r != q) {
				if (*r == '\\' && r[1])
					*w++ = *r++;
				*w++ = *r++;
			}
			if (*r)
				*w++ = *r++;
			continue;
		}
		*w++ = *r++;
	}
	*w = '\0';
}

/* A plain integer constant (decimal, hex, octal; suffixes allowed): 1 with *v, else 0. */
static int integer(const char *s, long long *v)
{
	char *e;

	if (!*s)
		return 0;
	errno = 0;
	*v = strtoll(s, &e, 0);
	while (*e == 'u' || *e == 'U' || *e == 'l' || *e == 'L')
		e++;
	return !errno && !*e;
}

static void enum_flush(struct kstep_defines *d, struct enum_state *es, const char *path)
{
	char buf[300];
	long long v;

	if (!es->name[0])
		goto out;
	if (es->eq) {
		es->value[es->vlen] = '\0';
		squeeze(es->value);
		snprintf(buf, sizeof(buf), "%s", es->value);
		es->have_next = integer(buf, &v) && v < LLONG_MAX;
		es->next = es->have_next ? v + 1 : 0;
	} else if (es->have_next) {
		snprintf(buf, sizeof(buf), "%lld", es->next);
		es->next++;
	} else {
		/* after a value that is not a number: what C says, unevaluated */
		snprintf(buf, sizeof(buf), "(previous) + 1");
	}
	add_def(d, es->name, strlen(es->name), buf, strlen(buf), path, es->name_line, true);
out:
	es->name[0] = '\0';
	es->eq = false;
	es->vlen = 0;
	es->paren = 0;
}

static void enum_value_add(struct enum_state *es, const char *tok, size_t n)
{
	if (es->vlen + n + 2 >= sizeof(es->value))
		return;
	/* spaced as people write it: none inside parentheses */
	if (es->vlen && es->value[es->vlen - 1] != '(' && !(n == 1 && *tok == ')'))
		es->value[es->vlen++] = ' ';
	memcpy(es->value + es->vlen, tok, n);
	es->vlen += n;
}

/* Feeds one token of C text (not a directive) to the enum parser. */
static void enum_token(struct kstep_defines *d, struct enum_state *es, const char *tok, size_t n, unsigned line,
		       const char *path)
{
	switch (es->state) {
	case 0:
		if (n == 4 && !memcmp(tok, "enum", 4))
			es->state = 1;
		return;
	case 1:
		if (n == 1 && *tok == '{') {
			es->state = 2;
			es->depth = 1;
			es->have_next = true;
			es->next = 0;
			es->name[0] = '\0';
		} else if (n == 1 && (*tok == ';' || *tok == ')' || *tok == ',')) {
			es->state = 0;	/* a declaration or a parameter of an enum type */
		}
		return;
	}
	if (n == 1 && *tok == '{')
		es->depth++;
	if (n == 1 && *tok == '}' && --es->depth == 0) {
		enum_flush(d, es, path);
		es->state = 0;
		return;
	}
	if (es->depth != 1)
		return;
	if (n == 1 && *tok == ',' && !es->paren) {
		enum_flush(d, es, path);
		return;
	}
	if (!es->name[0] && ident_start((unsigned char)*tok)) {
		snprintf(es->name, sizeof(es->name), "%.*s", (int)n, tok);
		es->name_line = line;
		return;
	}
	if (es->name[0] && !es->eq && n == 1 && *tok == '=') {
		es->eq = true;
		return;
	}
	if (es->eq) {
		if (n == 1 && *tok == '(')
			es->paren++;
		if (n == 1 && *tok == ')' && es->paren)
			es->paren--;
		enum_value_add(es, tok, n);
	}
}

static void enum_line(struct kstep_defines *d, struct enum_state *es, const char *s, unsigned line, const char *path)
{
	while (*s) {
		const char *t = s;

		if (isspace((unsigned char)*s)) {
			s++;
			continue;
		}
		if (ident_start((unsigned char)*s) || isdigit((unsigned char)*s)) {
			while (ident_char((unsigned char)*s) || (isdigit((unsigned char)*t) && *s == '.'))
				s++;
		} else if ((s[0] == '<' && s[1] == '<') || (s[0] == '>' && s[1] == '>')) {
			s += 2;
		} else {
			s++;
		}
		enum_token(d, es, t, (size_t)(s - t), line, path);
	}
}

static bool file_exists(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode);
}

/* Queues the header inc (as written between <> or "") unless it was queued before. */
static void queue(struct kstep_defines *d, const char *const *roots, size_t nroots, const char *inc, bool quoted,
		  const char *from)
{
	char path[PATH_MAX], real[PATH_MAX];
	size_t i;

	path[0] = '\0';
	if (quoted && from) {
		const char *slash = strrchr(from, '/');

		if (slash)
			snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - from), from, inc);
		if (!file_exists(path))
			path[0] = '\0';
	}
	for (i = 0; !path[0] && i < nroots; i++) {
		snprintf(path, sizeof(path), "%s/%s", roots[i], inc);
		if (!file_exists(path))
			path[0] = '\0';
	}
	if (!path[0] || !realpath(path, real))
		return;
	for (i = 0; i < d->files.n; i++)
		if (!strcmp(*(char **)kstep_vec_at(&d->files, i) + PATH_MAX, real))
			return;
	{
		/* the path as found (cited) and the real path (for "read once"), side by side */
		char *both = kstep_xcalloc(2, PATH_MAX);

		snprintf(both, PATH_MAX, "%s", path);
		snprintf(both + PATH_MAX, PATH_MAX, "%s", real);
		*(char **)kstep_vec_push(&d->files) = both;
	}
}

static void directive(struct kstep_defines *d, const char *const *roots, size_t nroots, char *s, unsigned line,
		      const char *path)
{
	const char *name;
	size_t nlen;

	s++;	/* '#' */
	while (isspace((unsigned char)*s))
		s++;
	if (!strncmp(s, "include", 7) && (isspace((unsigned char)s[7]) || s[7] == '<' || s[7] == '"')) {
		char *a, *b;

		s += 7;
		while (isspace((unsigned char)*s))
			s++;
		if (*s != '<' && *s != '"')
			return;
		a = s + 1;
		b = strchr(a, *s == '<' ? '>' : '"');
		if (!b)
			return;
		*b = '\0';
		queue(d, roots, nroots, a, *s == '"', path);
		return;
	}
	if (strncmp(s, "define", 6) || !isspace((unsigned char)s[6]))
		return;
	s += 6;
	while (isspace((unsigned char)*s))
		s++;
	if (!ident_start((unsigned char)*s))
		return;
	name = s;
	while (ident_char((unsigned char)*s))
		s++;
	nlen = (size_t)(s - name);
	if (*s == '(')
		return;	/* a function-like macro is no constant */
	add_def(d, name, nlen, s, squeeze(s), path, line, false);
}

/* Reads one file; its #include lines queue more. 0, or -1 when it cannot be read. */
static int scan_file(struct kstep_defines *d, const char *const *roots, size_t nroots, const char *path)
{
	struct enum_state es = { 0 };
	char *text = NULL, *p, *end;
	bool in_comment = false;
	unsigned lineno = 1;
	size_t len = 0;
	FILE *f = fopen(path, "r");
	int ret = -1;

	if (!f)
		return -1;
	text = kstep_xmalloc(MAX_HEADER_BYTES + 1);
	len = fread(text, 1, MAX_HEADER_BYTES + 1, f);
	if (ferror(f) || len > MAX_HEADER_BYTES)
		goto out;
	text[len] = '\0';
	for (p = text, end = text + len; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *q;
		unsigned first = lineno;
		bool was_comment = in_comment;

		if (!nl)
			nl = end;
		*nl = '\0';
		lineno++;
		/* a directive continues over lines ending in a backslash */
		while (nl > p && nl[-1] == '\\' && nl < end) {
			char *more = memchr(nl + 1, '\n', (size_t)(end - nl - 1));

			if (!more)
				more = end;
			nl[-1] = ' ';
			*nl = ' ';
			*more = '\0';
			nl = more;
			lineno++;
		}
		strip_comments(p, &in_comment);
		for (q = p; isspace((unsigned char)*q); q++)
			;
		if (*q == '#' && !was_comment)
			directive(d, roots, nroots, q, first, path);
		else
			enum_line(d, &es, p, first, path);
		p = nl + 1;
	}
	ret = 0;
out:
	fclose(f);
	free(text);
	return ret;
}

static int cmp_name(const void *a, const void *b)
{
	const struct kstep_define *const *x = a, *const *y = b;
	int c = strcmp((*x)->name, (*y)->name);

	if (c)
		return c;
	return *x < *y ? -1 : *x > *y;	/* file order: the vector's order */
}

struct kstep_defines *kstep_defines_scan(const char *const *roots, size_t nroots, const char *const *headers,
					 size_t nheaders, size_t max_files, char *err, size_t errlen)
{
	struct kstep_defines *d = kstep_xcalloc(1, sizeof(*d));
	size_t i;

	kstep_vec_init(&d->defs, sizeof(struct kstep_define));
	kstep_vec_init(&d->files, sizeof(char *));
	for (i = 0; i < nheaders; i++)
		queue(d, roots, nroots, headers[i], false, NULL);
	for (i = 0; i < d->files.n && d->nread < max_files; i++) {
		char *both = *(char **)kstep_vec_at(&d->files, i);
		/* the cited path lives as long as the set: definitions point at it */
		const char *path = keep(d, both, strlen(both));

		if (!scan_file(d, roots, nroots, path))
			d->nread++;
	}
	if (!d->nread) {
		snprintf(err, errlen, "none of the headers (%s%s) is under the include directories",
			 nheaders ? headers[0] : "none given", nheaders > 1 ? ", ..." : "");
		kstep_defines_free(d);
		return NULL;
	}
	d->by_name = kstep_xcalloc(d->defs.n ? d->defs.n : 1, sizeof(*d->by_name));
	for (i = 0; i < d->defs.n; i++)
		d->by_name[i] = kstep_vec_at(&d->defs, i);
	qsort(d->by_name, d->defs.n, sizeof(*d->by_name), cmp_name);
	return d;
}

void kstep_defines_free(struct kstep_defines *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->files.n; i++)
		free(*(char **)kstep_vec_at(&d->files, i));
	kstep_vec_free(&d->files);
	kstep_vec_free(&d->defs);
	free(d->by_name);
	kstep_arena_free(&d->strings);
	free(d);
}

size_t kstep_defines_files(const struct kstep_defines *d)
{
	return d->nread;
}

size_t kstep_defines_count(const struct kstep_defines *d)
{
	return d->defs.n;
}

/* The first definition of name that is not "#define name name" when there is one, else the first. */
static const struct kstep_define *first_def(const struct kstep_defines *d, const char *name)
{
	size_t lo = 0, hi = d->defs.n;
	const struct kstep_define *first = NULL;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(d->by_name[mid]->name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < d->defs.n && !strcmp(d->by_name[lo]->name, name); lo++) {
		if (!first)
			first = d->by_name[lo];
		if (strcmp(d->by_name[lo]->value, name))
			return d->by_name[lo];
	}
	return first;
}

static bool is_ident(const char *s)
{
	if (!ident_start((unsigned char)*s))
		return false;
	while (ident_char((unsigned char)*s))
		s++;
	return !*s;
}

size_t kstep_defines_chain(const struct kstep_defines *d, const char *name, const struct kstep_define **chain,
			   size_t max)
{
	const char *seen[MAX_CHAIN_SEEN];
	size_t n = 0, k;

	while (n < max && n < MAX_CHAIN_SEEN) {
		const struct kstep_define *def = first_def(d, name);

		if (!def)
			break;
		for (k = 0; k < n; k++)
			if (!strcmp(seen[k], def->name))
				return n;	/* a loop: stop at its first repeat */
		seen[n] = def->name;
		chain[n++] = def;
		if (!is_ident(def->value) || !strcmp(def->value, name))
			break;
		name = def->value;
	}
	return n;
}

/* The multiarch directory first (bits/, asm/ live there on Debian), then the plain one. */
static size_t include_roots(const char *sysroot, char roots[2][PATH_MAX])
{
	struct utsname u;
	size_t n = 0;
	struct stat st;

	if (!uname(&u)) {
		snprintf(roots[n], PATH_MAX, "%s/usr/include/%s-linux-gnu", sysroot, u.machine);
		if (!stat(roots[n], &st) && S_ISDIR(st.st_mode))
			n++;
	}
	snprintf(roots[n], PATH_MAX, "%s/usr/include", sysroot);
	if (!stat(roots[n], &st) && S_ISDIR(st.st_mode))
		n++;
	return n;
}

/* The tables' headers, each once. */
static size_t table_headers(const char **out, size_t max)
{
	size_t n = 0, i, k;

	for (i = 0; kstep_tables[i].name && n < max; i++) {
		for (k = 0; k < n && strcmp(out[k], kstep_tables[i].header); k++)
			;
		if (k == n)
			out[n++] = kstep_tables[i].header;
	}
	return n;
}

static bool listed(const struct kstep_vec *v, const char *s)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (!strcmp(*(const char **)kstep_vec_at(v, i), s))
			return true;
	return false;
}

/* Each link of the chain of every table constant, once; cited files into files. */
static void add_links(const struct kstep_defines *d, struct kstep_sbuf *b, struct kstep_vec *files)
{
	struct kstep_vec done;
	size_t t, i, k, n;

	kstep_vec_init(&done, sizeof(const char *));
	for (t = 0; kstep_tables[t].name; t++) {
		for (i = 0; kstep_tables[t].v[i].name; i++) {
			const struct kstep_define *chain[MAX_CHAIN_SEEN];

			if (!is_ident(kstep_tables[t].v[i].cname))
				continue;
			n = kstep_defines_chain(d, kstep_tables[t].v[i].cname, chain, MAX_CHAIN_SEEN);
			for (k = 0; k < n; k++) {
				if (listed(&done, chain[k]->name))
					continue;
				*(const char **)kstep_vec_push(&done) = chain[k]->name;
				kstep_sbuf_addf(b, "%s %s %s %u %s\n", chain[k]->enumerator ? "enum" : "def",
						chain[k]->name, chain[k]->path, chain[k]->line, chain[k]->value);
				if (!listed(files, chain[k]->path))
					*(const char **)kstep_vec_push(files) = chain[k]->path;
			}
		}
	}
	kstep_vec_free(&done);
}

char *kstep_defines_option(const char *sysroot)
{
	char roots[2][PATH_MAX], err[256], hex[65];
	const char *rootp[2], *hdrs[32];
	struct kstep_sbuf b = { 0 };
	struct kstep_defines *d;
	struct kstep_vec files;
	size_t nroots = include_roots(sysroot, roots), nh, i;

	if (!nroots) {
		kstep_sbuf_addf(&b, "none %s/usr/include is not on the recording machine\n", sysroot);
		return kstep_sbuf_steal(&b);
	}
	for (i = 0; i < nroots; i++)
		rootp[i] = roots[i];
	nh = table_headers(hdrs, KSTEP_ARRAY_SIZE(hdrs));
	d = kstep_defines_scan(rootp, nroots, hdrs, nh, MAX_SCAN_FILES, err, sizeof(err));
	if (!d) {
		kstep_sbuf_addf(&b, "none %s\n", err);
		return kstep_sbuf_steal(&b);
	}
	kstep_sbuf_add(&b, "roots");
	for (i = 0; i < nroots; i++)
		kstep_sbuf_addf(&b, " %s", roots[i]);
	kstep_sbuf_addc(&b, '\n');
	kstep_vec_init(&files, sizeof(const char *));
	add_links(d, &b, &files);
	for (i = 0; i < files.n; i++) {
		const char *path = *(const char **)kstep_vec_at(&files, i);

		if (!kstep_sha256_file(path, hex))
			kstep_sbuf_addf(&b, "file %s %s\n", path, hex);
	}
	kstep_vec_free(&files);
	kstep_defines_free(d);
	return kstep_sbuf_steal(&b);
}
