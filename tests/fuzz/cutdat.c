// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cutdat.c - makes a small trace.dat from a real one, for the fuzz seeds:
 *
 *   cutdat IN OUT VERSION COMPRESSION MAXPAGES
 *
 * keeps the first MAXPAGES pages of each CPU, every format and option, and
 * of the big text sections only what those pages can use: the kallsyms lines
 * of the symbols that a word of the pages (or a name in kstep's options)
 * falls in, the cmdlines of the pids the pages carry. The result goes through
 * kstep's own writer, so it is a well-formed file the fuzzer can damage.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datfile.h"
#include "log.h"
#include "util.h"

struct vals {
	uint64_t *v;
	size_t n, cap;
};

static void vals_add(struct vals *s, uint64_t v)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->v = kstep_xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n++] = v;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool vals_has(const struct vals *s, uint64_t v)
{
	return s->n && bsearch(&v, s->v, s->n, sizeof(*s->v), cmp_u64);
}

/* Copies up to maxpages pages of CPU idx into a temporary file; notes their words. */
static int spool_cpu(struct kstep_dat *dat, int idx, unsigned maxpages, int *fd, uint64_t *size,
		     struct vals *words)
{
	char err[512];
	struct kstep_dat_pages *ps = kstep_dat_pages_open(dat, idx, err, sizeof(err));
	uint32_t psz = kstep_dat_page_size(dat);
	bool be = kstep_dat_big_endian(dat);
	const unsigned char *page;
	uint64_t off;
	unsigned n = 0;
	int r = 0;

	*size = 0;
	*fd = open(P_tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (!ps || *fd < 0) {
		fprintf(stderr, "cutdat: %s\n", ps ? strerror(errno) : err);
		kstep_dat_pages_close(ps);
		return -1;
	}
	while (n < maxpages && (r = kstep_dat_pages_next(ps, &page, &off, err, sizeof(err))) > 0) {
		uint32_t i;

		if (write(*fd, page, psz) != (ssize_t)psz) {
			fprintf(stderr, "cutdat: write: %s\n", strerror(errno));
			r = -1;
			break;
		}
		for (i = 0; i + 8 <= psz; i += 4) {
			vals_add(words, kstep_get32(page + i, be));
			if (i % 8 == 0)
				vals_add(words, kstep_get64(page + i, be));
		}
		*size += psz;
		n++;
	}
	if (r < 0)
		fprintf(stderr, "cutdat: %s\n", err);
	kstep_dat_pages_close(ps);
	return r < 0 ? -1 : 0;
}

struct ksline {
	uint64_t addr;
	const char *p;
	size_t len;
	bool keep;
};

static int cmp_ksline(const void *a, const void *b)
{
	const struct ksline *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

struct words {
	char **w;
	size_t n;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The identifiers of text (function names in kstep's options), sorted. */
static struct words split_words(char *text)
{
	struct words ws = { 0 };
	size_t cap = 0;
	char *p = text;

	while (*p) {
		char *q = p;

		while (*q && (isalnum((unsigned char)*q) || *q == '_' || *q == '.'))
			q++;
		if (q - p >= 3) {
			if (ws.n == cap) {
				cap = cap ? cap * 2 : 256;
				ws.w = kstep_xrealloc(ws.w, cap * sizeof(*ws.w));
			}
			ws.w[ws.n++] = p;
		}
		if (!*q)
			break;
		*q = '\0';
		p = q + 1;
	}
	if (ws.n)
		qsort(ws.w, ws.n, sizeof(*ws.w), cmp_str);
	return ws;
}

/* True when the symbol name of a kallsyms line ("ADDR T NAME") is one of the words. */
static bool named_in(const struct ksline *l, const struct words *ws)
{
	const char *p = memchr(l->p, ' ', l->len), *end = l->p + l->len;
	char name[256], *key = name;
	size_t n = 0;

	/* sscanf would measure the whole rest of the text on every line */
	if (!p || !(p = memchr(p + 1, ' ', (size_t)(end - p - 1))))
		return false;
	for (p++; p < end && !isspace((unsigned char)*p) && n < sizeof(name) - 1; p++)
		name[n++] = *p;
	name[n] = '\0';
	return ws->n && bsearch(&key, ws->w, ws->n, sizeof(*ws->w), cmp_str);
}

/* The kallsyms lines a kept page can use: the symbol each word falls in, and named ones. */
static char *cut_kallsyms(const char *text, size_t len, const struct vals *words, const struct words *names)
{
	struct ksline *ls = NULL;
	size_t n = 0, cap = 0, i;
	const char *p = text, *end = text + len;
	struct kstep_sbuf out = { 0 };

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			ls = kstep_xrealloc(ls, cap * sizeof(*ls));
		}
		ls[n] = (struct ksline){ .addr = strtoull(p, NULL, 16), .p = p, .len = l };
		ls[n].keep = n == 0 || named_in(&ls[n], names);
		n++;
		p += l + 1;
	}
	if (n)
		qsort(ls, n, sizeof(*ls), cmp_ksline);
	for (i = 0; i < words->n; i++) {
		uint64_t v = words->v[i];
		size_t lo = 0, hi = n;

		if (v < 0xffff800000000000ULL)
			continue;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (ls[mid].addr <= v)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo > 0 && v - ls[lo - 1].addr < 0x10000) {
			ls[lo - 1].keep = true;
			if (lo < n)
				ls[lo].keep = true;
		}
	}
	for (i = 0; i < n; i++)
		if (ls[i].keep)
			kstep_sbuf_addf(&out, "%.*s\n", (int)ls[i].len, ls[i].p);
	free(ls);
	return kstep_sbuf_steal(&out);
}

/* The cmdlines of pids a page carries, at most 64. */
static char *cut_cmdlines(const char *text, size_t len, const struct vals *words)
{
	const char *p = text, *end = text + len;
	struct kstep_sbuf out = { 0 };
	int kept = 0;

	while (p < end && kept < 64) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		unsigned long pid = strtoul(p, NULL, 10);

		if (pid && vals_has(words, pid)) {
			kstep_sbuf_addf(&out, "%.*s\n", (int)l, p);
			kept++;
		}
		p += l + 1;
	}
	return kstep_sbuf_steal(&out);
}

/* The length of the first n lines of text, as a string option (NUL included). */
static size_t cut_lines(char *text, size_t len, int n)
{
	size_t i;

	for (i = 0; i < len && n; i++)
		if (text[i] == '\n' && !--n) {
			text[i + 1 < len ? i + 1 : i] = '\0';
			return i + 1 < len ? i + 2 : len;
		}
	return len;
}

static void copy_meta(struct kstep_dat *dat, struct kstep_datw *w, const struct vals *words)
{
	const struct kstep_dat_blob *fmts;
	const struct kstep_dat_rawopt *raw;
	struct kstep_sbuf names = { 0 };
	struct words ws;
	const char *d, *stat;
	size_t len, n, i;
	char c4[4], *cut;

	kstep_dat_header_page(dat, &d, &len);
	kstep_datw_header_page(w, d ? d : "", len);
	kstep_dat_header_event(dat, &d, &len);
	kstep_datw_header_event(w, d ? d : "", len);
	fmts = kstep_dat_formats(dat, &n);
	for (i = 0; i < n; i++)
		kstep_datw_add_format(w, fmts[i].system, fmts[i].data, fmts[i].len);
	raw = kstep_dat_rawopts(dat, &n);
	for (i = 0; i < n; i++)
		kstep_sbuf_addf(&names, "%.*s\n", (int)raw[i].len, raw[i].data);
	kstep_dat_kallsyms(dat, &d, &len);
	kstep_sbuf_addc(&names, '\0');
	ws = split_words(names.s);
	cut = cut_kallsyms(d ? d : "", len, words, &ws);
	kstep_datw_kallsyms(w, cut, strlen(cut));
	free(cut);
	free(ws.w);
	kstep_sbuf_free(&names);
	kstep_dat_printk(dat, &d, &len);
	kstep_datw_printk(w, d, len);
	kstep_dat_cmdlines(dat, &d, &len);
	cut = cut_cmdlines(d ? d : "", len, words);
	kstep_datw_cmdlines(w, cut, strlen(cut));
	free(cut);
	if (kstep_dat_clock(dat)) {
		char *text = kstep_xasprintf("[%s]", kstep_dat_clock(dat));

		kstep_datw_clock(w, text);
		free(text);
	}
	if ((d = kstep_dat_uname(dat)))
		kstep_datw_option(w, KSTEP_DAT_UNAME, d, strlen(d) + 1);
	if ((d = kstep_dat_tracer_version(dat)))
		kstep_datw_option(w, KSTEP_DAT_VERSION, d, strlen(d) + 1);
	for (i = 0; (stat = kstep_dat_cpustat(dat, i)); i++)
		kstep_datw_option(w, KSTEP_DAT_CPUSTAT, stat, strlen(stat) + 1);
	kstep_put32(c4, kstep_dat_cpucount(dat), kstep_dat_big_endian(dat));
	kstep_datw_option(w, KSTEP_DAT_CPUCOUNT, c4, 4);
	for (i = 0; i < n; i++) {
		size_t olen = raw[i].len;

		/* the DWARF facts of kstep annotate are ~100 KB: the first lines are enough */
		if (raw[i].id == KSTEP_KOPT_DWARF)
			olen = cut_lines(raw[i].data, olen, 150);
		kstep_datw_option(w, raw[i].id, raw[i].data, olen);
	}
}

int main(int argc, char **argv)
{
	char err[1024];
	struct kstep_dat *dat;
	const struct kstep_dat_cpu *cpus;
	struct kstep_datw *w = NULL;
	struct kstep_datw_opts o;
	struct vals words = { 0 };
	int n, i, *fds = NULL, ret = 1;
	uint64_t *sizes = NULL;

	if (argc != 6) {
		fputs("usage: cutdat IN OUT VERSION COMPRESSION MAXPAGES\n", stderr);
		return 2;
	}
	dat = kstep_dat_open(argv[1], err, sizeof(err));
	if (!dat) {
		fprintf(stderr, "cutdat: %s\n", err);
		return 1;
	}
	o = (struct kstep_datw_opts){ .version = atoi(argv[3]), .compression = argv[4],
				      .big_endian = kstep_dat_big_endian(dat),
				      .long_size = kstep_dat_long_size(dat),
				      .page_size = kstep_dat_page_size(dat) };
	cpus = kstep_dat_cpus(dat, &n);
	fds = kstep_xcalloc((size_t)n, sizeof(*fds));
	sizes = kstep_xcalloc((size_t)n, sizeof(*sizes));
	for (i = 0; i < n; i++) {
		fds[i] = -1;
		if (cpus[i].data_size &&
		    spool_cpu(dat, i, (unsigned)atoi(argv[5]), &fds[i], &sizes[i], &words))
			goto out;
	}
	if (words.n)
		qsort(words.v, words.n, sizeof(*words.v), cmp_u64);
	w = kstep_datw_new(argv[2], &o, err, sizeof(err));
	if (!w) {
		fprintf(stderr, "cutdat: %s\n", err);
		goto out;
	}
	copy_meta(dat, w, &words);
	for (i = 0; i < n; i++)
		if (fds[i] >= 0 && sizes[i] && kstep_datw_cpu(w, cpus[i].cpu, fds[i], 0, sizes[i]))
			goto out;
	if (kstep_datw_finish(w, err, sizeof(err))) {
		fprintf(stderr, "cutdat: %s\n", err);
		goto out;
	}
	ret = 0;
out:
	for (i = 0; fds && i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
	free(sizes);
	free(words.v);
	kstep_datw_free(w);
	kstep_dat_close(dat);
	return ret;
}
