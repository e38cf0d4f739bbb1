// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * datmutator.c - the structure-aware mutator of fuzz-dat (datmutator.h).
 *
 * The layout is found again on every call with an independent walk of the
 * trace-cmd.dat(5) v6 and v7 formats (not kstep's reader: a mutator that
 * shared the reader's mistakes would never show them). The walk stops
 * quietly at anything out of bounds, so a damaged input still yields the
 * places found before the damage.
 */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "datmutator.h"

#define MAX_FIELDS 4096
#define MAX_TEXTS 2048
#define MAX_PAGES 1024
#define MAX_IDS 512
#define MAX_SECTIONS 64

enum fkind {
	F_NUM,		/* a number: a version, an id, a page size */
	F_SIZE,		/* the size of the region [rstart, rend) */
	F_COUNT,	/* how many items follow */
	F_OFFSET,	/* a file offset */
};

struct field {
	size_t off;
	unsigned width;
	enum fkind kind;
	size_t rstart, rend;
};

struct span {
	size_t off, len;
};

struct layout {
	const uint8_t *d;
	size_t size;
	bool be;
	unsigned lsize;
	uint32_t psize;
	int version;
	bool has_clock;
	struct field f[MAX_FIELDS];
	size_t nf;
	struct span t[MAX_TEXTS];
	size_t nt;
	size_t page[MAX_PAGES];
	size_t np;
	uint16_t ids[MAX_IDS];
	size_t nids;
	size_t sec_seen[MAX_SECTIONS];
	size_t nsec;
};

/* Byte order */

static uint64_t get(const uint8_t *p, unsigned w, bool be)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < w; i++)
		v |= (uint64_t)p[be ? w - 1 - i : i] << (8 * i);
	return v;
}

static void put(uint8_t *p, unsigned w, bool be, uint64_t v)
{
	unsigned i;

	for (i = 0; i < w; i++)
		p[be ? w - 1 - i : i] = (uint8_t)(v >> (8 * i));
}

/* Random numbers: one xorshift state per call, from libFuzzer's seed. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static size_t below(uint64_t *s, size_t n)
{
	return n ? (size_t)(rnd(s) % n) : 0;
}

/* The walk */

struct walk {
	struct layout *l;
	size_t pos, end;
	bool bad;
};

static bool need(struct walk *w, size_t n)
{
	if (w->bad || n > w->end || w->pos > w->end - n)
		w->bad = true;
	return !w->bad;
}

static void add_field(struct layout *l, size_t off, unsigned width, enum fkind kind, size_t rs, size_t re)
{
	if (l->nf < MAX_FIELDS)
		l->f[l->nf++] = (struct field){ off, width, kind, rs, re };
}

static void add_text(struct layout *l, size_t off, size_t len)
{
	if (len && l->nt < MAX_TEXTS)
		l->t[l->nt++] = (struct span){ off, len };
}

static uint64_t num(struct walk *w, unsigned width, enum fkind kind)
{
	uint64_t v;

	if (!need(w, width))
		return 0;
	v = get(w->l->d + w->pos, width, w->l->be);
	if (kind != F_SIZE)
		add_field(w->l, w->pos, width, kind, 0, 0);
	w->pos += width;
	return v;
}

/* A size field followed by the bytes it counts, kept as a text. */
static size_t sized_text(struct walk *w, unsigned width)
{
	size_t at = w->pos, start;
	uint64_t n;

	if (!need(w, width))
		return 0;
	n = get(w->l->d + at, width, w->l->be);
	w->pos += width;
	start = w->pos;
	if (!need(w, (size_t)n))
		return 0;
	add_field(w->l, at, width, F_SIZE, start, start + (size_t)n);
	add_text(w->l, start, (size_t)n);
	w->pos += (size_t)n;
	return start;
}

static void cstring(struct walk *w)
{
	const uint8_t *z;

	if (w->bad || w->pos >= w->end)
		goto bad;
	z = memchr(w->l->d + w->pos, 0, w->end - w->pos);
	if (!z)
		goto bad;
	add_text(w->l, w->pos, (size_t)(z - (w->l->d + w->pos)));
	w->pos = (size_t)(z - w->l->d) + 1;
	return;
bad:
	w->bad = true;
}

static void note_ids(struct layout *l, size_t off, size_t len)
{
	const uint8_t *p = l->d + off, *e = p + len;
	const uint8_t *q = p;

	while (q + 4 < e && (q = memchr(q, 'I', (size_t)(e - q))) && q + 4 < e) {
		if (!memcmp(q, "ID: ", 4) && l->nids < MAX_IDS)
			l->ids[l->nids++] = (uint16_t)strtoul((const char *)q + 4, NULL, 10);
		q++;
	}
}

static void format_list(struct walk *w)
{
	uint64_t n = num(w, 4, F_COUNT), i;

	for (i = 0; i < n && !w->bad; i++) {
		size_t at = sized_text(w, 8);

		if (!w->bad)
			note_ids(w->l, at, w->pos - at);
	}
}

static void event_systems(struct walk *w)
{
	uint64_t n = num(w, 4, F_COUNT), i;

	for (i = 0; i < n && !w->bad; i++) {
		cstring(w);
		format_list(w);
	}
}

static void header_info(struct walk *w)
{
	static const char hp[] = "header_page", he[] = "header_event";

	if (!need(w, sizeof(hp)) || memcmp(w->l->d + w->pos, hp, sizeof(hp)))
		goto bad;
	w->pos += sizeof(hp);
	sized_text(w, 8);
	if (!need(w, sizeof(he)) || memcmp(w->l->d + w->pos, he, sizeof(he)))
		goto bad;
	w->pos += sizeof(he);
	sized_text(w, 8);
	return;
bad:
	w->bad = true;
}

/* The pages of one CPU's uncompressed data. */
static void cpu_pages(struct layout *l, uint64_t off, uint64_t size)
{
	uint64_t p;

	if (!l->psize || off > l->size || size > l->size - off)
		return;
	for (p = off; p + l->psize <= off + size && l->np < MAX_PAGES; p += l->psize)
		l->page[l->np++] = (size_t)p;
}

static void v6(struct layout *l, struct walk *w)
{
	uint64_t ncpu, i;

	header_info(w);
	format_list(w);
	event_systems(w);
	sized_text(w, 4);	/* kallsyms */
	sized_text(w, 4);	/* printk */
	sized_text(w, 8);	/* cmdlines */
	ncpu = num(w, 4, F_COUNT);
	if (!need(w, 10))
		return;
	if (!memcmp(l->d + w->pos, "options", 7)) {
		w->pos += 10;
		for (;;) {
			uint64_t id = num(w, 2, F_NUM);

			if (w->bad || id == 0)
				break;
			if (id == 4)
				l->has_clock = true;
			sized_text(w, 4);
		}
		if (!need(w, 10))
			return;
	}
	if (memcmp(l->d + w->pos, "flyrecord", 10))
		return;
	w->pos += 10;
	for (i = 0; i < ncpu && !w->bad; i++) {
		size_t at = w->pos;
		uint64_t off, size;

		if (!need(w, 16))
			return;
		off = get(l->d + at, 8, l->be);
		size = get(l->d + at + 8, 8, l->be);
		add_field(l, at, 8, F_OFFSET, 0, 0);
		if (off <= l->size && size <= l->size - off)
			add_field(l, at + 8, 8, F_SIZE, (size_t)off, (size_t)(off + size));
		else
			add_field(l, at + 8, 8, F_NUM, 0, 0);
		cpu_pages(l, off, size);
		w->pos += 16;
	}
	if (l->has_clock)
		sized_text(w, 8);
}

/* Version 7: sections found through the options. */

enum { S_OPTIONS = 0, S_HEADER = 16, S_FTRACE = 17, S_EVENTS = 18, S_KALLSYMS = 19, S_PRINTK = 20,
       S_CMDLINES = 21, S_BUFFER = 3 };

static void v7_section(struct layout *l, uint64_t off, int expect);

static void v7_buffer_option(struct layout *l, struct walk *w)
{
	uint64_t ncpu, i, top;

	top = w->pos;
	num(w, 8, F_OFFSET);
	if (w->bad)
		return;
	top = get(l->d + top, 8, l->be);
	cstring(w);
	cstring(w);
	num(w, 4, F_NUM);
	ncpu = num(w, 4, F_COUNT);
	for (i = 0; i < ncpu && !w->bad; i++) {
		size_t at;
		uint64_t off, size;

		num(w, 4, F_NUM);
		at = w->pos;
		if (!need(w, 16))
			return;
		off = get(l->d + at, 8, l->be);
		size = get(l->d + at + 8, 8, l->be);
		add_field(l, at, 8, F_OFFSET, 0, 0);
		if (off <= l->size && size <= l->size - off)
			add_field(l, at + 8, 8, F_SIZE, (size_t)off, (size_t)(off + size));
		else
			add_field(l, at + 8, 8, F_NUM, 0, 0);
		w->pos += 16;
		/* the data section's header tells whether these are pages or zstd chunks */
		/* top is the file's claim: top + 4 may wrap */
		if (top <= l->size && l->size - top >= 4 && !(get(l->d + top + 2, 2, l->be) & 1))
			cpu_pages(l, off, size);
	}
	v7_section(l, top, S_BUFFER);
}

static void v7_options(struct layout *l, struct walk *w)
{
	for (;;) {
		uint64_t id = num(w, 2, F_NUM), len, next;
		size_t start;

		if (w->bad)
			return;
		if (!need(w, 4))
			return;
		len = get(l->d + w->pos, 4, l->be);
		start = w->pos + 4;
		if (len > w->end - start) {
			w->bad = true;
			return;
		}
		add_field(l, w->pos, 4, F_SIZE, start, start + (size_t)len);
		w->pos = start;
		if (id == 0 || (id >= S_HEADER && id <= S_CMDLINES)) {
			if (len < 8)
				return;
			next = get(l->d + start, 8, l->be);
			add_field(l, start, 8, F_OFFSET, 0, 0);
			v7_section(l, next, id == 0 ? S_OPTIONS : (int)id);
			if (id == 0)
				return;
		} else if (id == S_BUFFER) {
			struct walk sub = { l, start, start + (size_t)len, false };

			v7_buffer_option(l, &sub);
		} else {
			if (id == 4)
				l->has_clock = true;
			add_text(l, start, (size_t)len);
		}
		w->pos = start + (size_t)len;
	}
}

static void v7_section(struct layout *l, uint64_t off, int expect)
{
	struct walk w;
	uint64_t size;
	uint16_t id, flags;
	size_t i;

	if (!off || off >= l->size || l->nsec >= MAX_SECTIONS)
		return;
	for (i = 0; i < l->nsec; i++)
		if (l->sec_seen[i] == off)
			return;
	l->sec_seen[l->nsec++] = (size_t)off;
	w = (struct walk){ l, (size_t)off, l->size, false };
	id = (uint16_t)num(&w, 2, F_NUM);
	flags = (uint16_t)num(&w, 2, F_NUM);
	num(&w, 4, F_NUM);
	if (!need(&w, 8))
		return;
	size = get(l->d + w.pos, 8, l->be);
	if (size > l->size - w.pos - 8)
		return;
	add_field(l, w.pos, 8, F_SIZE, w.pos + 8, w.pos + 8 + (size_t)size);
	w.pos += 8;
	w.end = w.pos + (size_t)size;
	if (id != expect || (flags & 1) || expect == S_BUFFER)
		return;
	switch (expect) {
	case S_OPTIONS:
		v7_options(l, &w);
		break;
	case S_HEADER:
		header_info(&w);
		break;
	case S_FTRACE:
		format_list(&w);
		break;
	case S_EVENTS:
		event_systems(&w);
		break;
	case S_KALLSYMS:
	case S_PRINTK:
		sized_text(&w, 4);
		break;
	case S_CMDLINES:
		sized_text(&w, 8);
		break;
	default:
		break;
	}
}

static void v7(struct layout *l, struct walk *w)
{
	uint64_t opts;

	cstring(w);	/* compression */
	cstring(w);	/* its version */
	opts = w->pos;
	num(w, 8, F_OFFSET);
	if (w->bad)
		return;
	v7_section(l, get(l->d + opts, 8, l->be), S_OPTIONS);
}

static void parse(struct layout *l, const uint8_t *d, size_t size)
{
	struct walk w = { l, 10, size, false };

	memset(l, 0, offsetof(struct layout, f));
	l->nf = l->nt = l->np = l->nids = l->nsec = 0;
	l->d = d;
	l->size = size;
	if (size < 10 || memcmp(d, "\027\010\104tracing", 10))
		return;
	if (!need(&w, 1))
		return;
	l->version = d[w.pos] == '7' ? 7 : 6;
	add_text(l, w.pos, 1);
	cstring(&w);
	if (!need(&w, 6))
		return;
	l->be = d[w.pos] == 1;
	add_field(l, w.pos, 1, F_NUM, 0, 0);
	l->lsize = d[w.pos + 1] == 4 ? 4 : 8;
	add_field(l, w.pos + 1, 1, F_NUM, 0, 0);
	w.pos += 2;
	l->psize = (uint32_t)num(&w, 4, F_NUM);
	if (l->psize < 64 || l->psize > (1U << 24))
		l->psize = 0;
	if (l->version == 7)
		v7(l, &w);
	else
		v6(l, &w);
}

/* Mutations */

static const char *const tokens[] = {
	"\n", " ", "\t", ":", ";", "\"", "\\", "%", "%s", "%d", "%u", "%lx", "%p", "%pS", "%*s", "%.*s",
	"%llu", "%pI4", "%pB", "%c", "%%", "0", "-1", "4294967295", "18446744073709551615", "0x",
	"ffffffff81000000", "field:", "offset:", "size:", "signed:", "name:", "ID:", "format:",
	"print fmt:", "REC->", "__data_loc ", "__rel_loc ", "char", "unsigned long", "int", "u64",
	"[", "]", "[0]", "[64]", "(", ")", ",", "common_type", "common_pid", "__get_str(",
	"__print_flags(", "__print_symbolic(", "__print_hex(", "__get_dynamic_array(", "sizeof(",
	"{ 1, \"x\" }", " T ", " t ", " D ", "\t[mod]", "kstep-dwarf-facts 1\n", "pos\t", "cs\t", "at\t",
	"decl\t", "callees\t", "u:", "# build-id ", "cpu0 overrun ", "probe-misses ", "kprobe ",
	"event ", "# skipped: ", "fgraph", "[local]", "[global]", "CPU: ", "entries: ", "overrun: ",
	"commit_len", "timestamp", "data", "type_len : 5 bits", "time_delta : 27 bits",
};

static const uint64_t specials[] = {
	0, 1, 2, 3, 4, 7, 8, 15, 16, 0x7f, 0x80, 0xff, 0x100, 0xfff, 0x1000, 0x1001, 0xffff, 0x10000,
	0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ULL, 0x7fffffffffffffffULL,
	0x8000000000000000ULL, 0xffffffffffffffffULL, 0xffffffffc0000fe0ULL, 0xc0000fe0,
	0xffffffff81000000ULL,
};

static uint64_t interesting(uint64_t *s, const struct layout *l, size_t at, uint64_t old)
{
	switch (below(s, 8)) {
	case 0:
		return old + 1;
	case 1:
		return old - 1;
	case 2:
		return old + below(s, 64) - 32;
	case 3:
		return old * 2;
	case 4:
		return l->size - (at < l->size ? at : 0);
	case 5:
		return l->psize;
	case 6:
		return rnd(s);
	default:
		return specials[below(s, sizeof(specials) / sizeof(specials[0]))];
	}
}

static size_t mutate_field(struct layout *l, uint8_t *d, size_t size, uint64_t *s)
{
	const struct field *f;

	if (!l->nf)
		return 0;
	f = &l->f[below(s, l->nf)];
	put(d + f->off, f->width, l->be, interesting(s, l, f->off, get(d + f->off, f->width, l->be)));
	return size;
}

/*
 * Moves the bytes after at by delta (inserting or deleting) and keeps the
 * sizes of the regions around at and the offsets past it right.
 */
static size_t shift(struct layout *l, uint8_t *d, size_t size, size_t at, long delta)
{
	size_t i;

	if (delta > 0)
		memmove(d + at + delta, d + at, size - at);
	else
		memmove(d + at, d + at - delta, size - at + (size_t)delta);
	size = (size_t)((long)size + delta);
	for (i = 0; i < l->nf; i++) {
		struct field *f = &l->f[i];
		size_t off = f->off >= at ? (size_t)((long)f->off + delta) : f->off;
		uint64_t v = get(d + off, f->width, l->be);

		if (f->kind == F_SIZE && f->rstart < at && at < f->rend)
			put(d + off, f->width, l->be, v + (uint64_t)delta);
		else if (f->kind == F_OFFSET && v > at && f->width == 8)
			put(d + off, f->width, l->be, v + (uint64_t)delta);
	}
	return size;
}

static size_t mutate_text(struct layout *l, uint8_t *d, size_t size, size_t max, uint64_t *s)
{
	const struct span *t;
	const char *tok = tokens[below(s, sizeof(tokens) / sizeof(tokens[0]))];
	size_t tl = strlen(tok), at, n;

	if (!l->nt)
		return 0;
	t = &l->t[below(s, l->nt)];
	if (t->len < 2)
		return 0;
	at = t->off + 1 + below(s, t->len - 1);
	switch (below(s, 5)) {
	case 0:	/* overwrite in place */
		n = tl < t->off + t->len - at ? tl : t->off + t->len - at;
		memcpy(d + at, tok, n);
		return size;
	case 1:	/* insert a token */
		if (size + tl > max)
			return 0;
		size = shift(l, d, size, at, (long)tl);
		memcpy(d + at, tok, tl);
		return size;
	case 2:	/* delete a few bytes */
		n = 1 + below(s, 16);
		if (at + n >= t->off + t->len)
			return 0;
		return shift(l, d, size, at, -(long)n);
	case 3: {	/* repeat the line at */
		const uint8_t *b = d + at, *e;

		while (b > d + t->off && b[-1] != '\n')
			b--;
		e = memchr(d + at, '\n', t->off + t->len - at);
		if (!e || b == d + t->off)
			return 0;
		n = (size_t)(e - b) + 1;
		if (size + n > max || n > 4096)
			return 0;
		at = (size_t)(b - d);
		size = shift(l, d, size, at, (long)n);
		memmove(d + at, d + at + n, n);
		return size;
	}
	default:	/* a digit or a letter changed */
		d[at] = (uint8_t)"0123456789abcdefxX-_ \n"[below(s, 22)];
		return size;
	}
}

/* A ring-buffer page: its header, or one event's header or first words. */
static size_t mutate_page(struct layout *l, uint8_t *d, size_t size, uint64_t *s)
{
	size_t p, pos, ev[256], nev = 0, hdr;
	uint64_t commit;

	if (!l->np || !l->psize)
		return 0;
	p = l->page[below(s, l->np)];
	hdr = 8 + l->lsize;
	if (p + l->psize > size)
		return 0;
	commit = get(d + p + 8, l->lsize, l->be) & 0xfffff;
	switch (below(s, 4)) {
	case 0:
		put(d + p + 8, l->lsize, l->be, interesting(s, l, p, get(d + p + 8, l->lsize, l->be)));
		return size;
	case 1:
		put(d + p, 8, l->be, interesting(s, l, p, get(d + p, 8, l->be)));
		return size;
	default:
		break;
	}
	for (pos = hdr; pos + 4 <= hdr + commit && pos + 4 <= l->psize && nev < 256;) {
		uint32_t h = (uint32_t)get(d + p + pos, 4, l->be), tl = h & 31;
		size_t len;

		ev[nev++] = pos;
		if (tl == 0)
			len = pos + 8 <= l->psize ? 4 + (size_t)get(d + p + pos + 4, 4, l->be) : 0;
		else if (tl <= 28)
			len = 4 + 4 * (size_t)tl;
		else if (tl == 29)
			len = pos + 8 <= l->psize ? 4 + (size_t)get(d + p + pos + 4, 4, l->be) : 0;
		else
			len = 8;
		if (len < 4 || len > l->psize)
			break;
		pos += len;
	}
	if (!nev)
		return 0;
	pos = p + ev[below(s, nev)];
	switch (below(s, 5)) {
	case 0: {	/* type_len */
		uint32_t h = (uint32_t)get(d + pos, 4, l->be);
		static const uint32_t tls[] = { 0, 1, 2, 28, 29, 30, 31 };

		put(d + pos, 4, l->be, (h & ~31u) | tls[below(s, 7)]);
		return size;
	}
	case 1: {	/* time_delta */
		uint32_t h = (uint32_t)get(d + pos, 4, l->be);

		put(d + pos, 4, l->be, (h & 31u) | ((uint32_t)interesting(s, l, pos, h >> 5) << 5));
		return size;
	}
	case 2:	/* the event id */
		if (pos + 6 > p + l->psize)
			return 0;
		if ((get(d + pos, 4, l->be) & 31) == 0)
			pos += 4;
		if (pos + 6 > p + l->psize)
			return 0;
		put(d + pos + 4, 2, l->be, l->nids ? l->ids[below(s, l->nids)] : interesting(s, l, pos, 0));
		return size;
	default: {	/* a word of the event's data */
		size_t at = pos + 4 + 4 * below(s, 8);
		unsigned w = below(s, 2) ? 8 : 4;

		if (at + w > p + l->psize)
			return 0;
		put(d + at, w, l->be, interesting(s, l, at, get(d + at, w, l->be)));
		return size;
	}
	}
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	struct layout *l;
	uint64_t s = (uint64_t)seed * 0x9e3779b97f4a7c15ULL + 1;
	size_t r = 0;
	int tries;

	/* KSTEP_FUZZ_PLAIN=1: libFuzzer's byte mutations only, which shrink inputs (-minimize_crash) */
	if (below(&s, 8) == 0 || getenv("KSTEP_FUZZ_PLAIN"))
		return LLVMFuzzerMutate(data, size, max_size);
	/* about 200 KiB: too big for the stack of a fuzzer thread */
	l = malloc(sizeof(*l));
	if (!l)
		return LLVMFuzzerMutate(data, size, max_size);
	parse(l, data, size);
	for (tries = 0; tries < 4 && !r; tries++) {
		switch (below(&s, 8)) {
		case 0:
		case 1:
		case 2:
			r = mutate_field(l, data, size, &s);
			break;
		case 3:
		case 4:
		case 5:
			r = mutate_text(l, data, size, max_size, &s);
			break;
		default:
			r = mutate_page(l, data, size, &s);
			break;
		}
	}
	free(l);
	return r ? r : LLVMFuzzerMutate(data, size, max_size);
}
