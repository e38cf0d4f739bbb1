// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * redact.c - kstep redact: a trace.dat without the secrets of the machine
 * that recorded it (doc/redact.md).
 *
 * Every 64-bit value goes through one bijection (map_value), so equal
 * pointers stay equal, different ones stay different, and a pointer and
 * the symbol it names move together:
 *   [0xffffffff80000000, 0xffffffffc0000000)  the kernel image: rotated by a
 *       multiple of 2 MiB (a new KASLR offset);
 *   [0xffffffffc0000000, 0xffffffffff000000)  modules, BPF: rotated by a
 *       multiple of 4 KiB;
 *   [0xffff800000000000, 0xffffffff80000000)  direct map, vmalloc, vmemmap
 *       (the heap): page number permuted by a keyed Feistel network (cycle
 *       walking keeps it in the range), the low 12 bits kept;
 *   everything else (user space, small numbers, NULL, ERR_PTR values, the
 *       fixmap) is kept.
 * Values are rewritten where the trace holds them as unsigned 64-bit numbers
 * or pointers (event fields by their format, stack entries), in kallsyms, in
 * the printk formats and as 16-digit hex in kstep's text options. Records are
 * rewritten in place: no page changes its layout.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <traceevent/event-parse.h>

#include "datfile.h"
#include "log.h"
#include "redact.h"
#include "util.h"

#define IMG_LO 0xffffffff80000000ULL
#define IMG_HI 0xffffffffc0000000ULL
#define MOD_LO IMG_HI
#define MOD_HI 0xffffffffff000000ULL
#define HEAP_LO 0xffff800000000000ULL
#define HEAP_HI IMG_LO
#define HEAP_PAGES ((HEAP_HI - HEAP_LO) >> 12)	/* 0x7fff80000: fits 36 bits */
#define SZ_2M (2ULL << 20)
#define SZ_4K 4096ULL

/* Ring-buffer event types (the kernel's ring_buffer.c). */
#define RB_PADDING 29
#define RB_TIME_EXTEND 30
#define RB_TIME_STAMP 31
#define RB_COMMIT_MASK ((1ULL << 27) - 1)
#define RB_MISSED_STORED (1ULL << 30)

struct kstep_redact_map {
	uint64_t key[2];
	uint64_t img_delta;	/* rotation in the image window, a multiple of 2 MiB */
	uint64_t mod_delta;	/* rotation in the module window, a multiple of 4 KiB */
};

struct redactor {
	struct kstep_redact_opts o;
	struct kstep_redact_map *map;
	uint64_t map_key[4];	/* addresses: Feistel key, then the two offsets' randomness */
	uint64_t name_key[2];	/* comms and strings */
	struct tep_handle *tep;
	int long_size;
	uint32_t page_size;
	uint64_t pages, events, values, names, damaged_pages, unknown_events;
	struct kstep_sbuf dropped;	/* ids of options left out */
	char *prog;		/* --comms: the traced program's file name ... */
	char *prog_mapped;	/* ... and what it becomes */
};

/* SipHash-2-4 (Aumasson, Bernstein), the keyed function of every mapping. */
#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                                   \
	do {                                                                                       \
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);                          \
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                                             \
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                                             \
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);                          \
	} while (0)

static uint64_t siphash(const uint64_t k[2], const void *data, size_t len)
{
	const unsigned char *in = data;
	uint64_t v0 = 0x736f6d6570736575ULL ^ k[0], v1 = 0x646f72616e646f6dULL ^ k[1];
	uint64_t v2 = 0x6c7967656e657261ULL ^ k[0], v3 = 0x7465646279746573ULL ^ k[1];
	uint64_t b = (uint64_t)len << 56, m;
	size_t i, end = len - len % 8;

	for (i = 0; i < end; i += 8) {
		m = kstep_get64(in + i, false);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (i = 0; i < len % 8; i++)
		b |= (uint64_t)in[end + i] << (8 * i);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/* A keyed permutation of [0, 2^36): eight Feistel rounds over 18-bit halves. */
static uint64_t feistel36(const uint64_t key[2], uint64_t x)
{
	uint32_t l = (uint32_t)(x >> 18) & 0x3ffff, r = (uint32_t)x & 0x3ffff, t;
	unsigned char in[8];
	int round;

	for (round = 0; round < 8; round++) {
		kstep_put32(in, (uint32_t)round, false);
		kstep_put32(in + 4, r, false);
		t = r;
		r = l ^ ((uint32_t)siphash(key, in, sizeof(in)) & 0x3ffff);
		l = t;
	}
	return ((uint64_t)l << 18) | r;
}

/* Rotation of v inside [lo, hi) by delta (both windows are power-of-two sized). */
static uint64_t rotate(uint64_t v, uint64_t lo, uint64_t hi, uint64_t delta)
{
	return lo + ((v - lo + delta) % (hi - lo));
}

uint64_t kstep_redact_map_value(const struct kstep_redact_map *m, uint64_t v)
{
	uint64_t page;

	if (v >= IMG_LO && v < IMG_HI)
		return rotate(v, IMG_LO, IMG_HI, m->img_delta);
	if (v >= MOD_LO && v < MOD_HI)
		return rotate(v, MOD_LO, MOD_HI, m->mod_delta);
	if (v < HEAP_LO || v >= HEAP_HI)
		return v;
	/* cycle walking: a permutation of [0, 2^36) restricted to the heap's pages */
	page = feistel36(m->key, (v - HEAP_LO) >> 12);
	while (page >= HEAP_PAGES)
		page = feistel36(m->key, page);
	return HEAP_LO + (page << 12) + (v & 0xfff);
}

/* Lowest and highest symbol address inside [lo, hi); false when none. */
static bool sym_span(const char *ks, size_t len, uint64_t lo, uint64_t hi, uint64_t *a, uint64_t *b)
{
	const char *p = ks, *end = ks + len;
	bool any = false;

	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		char *stop;
		uint64_t v = strtoull(p, &stop, 16);

		if (stop - p == 16 && v >= lo && v < hi) {
			if (!any || v < *a)
				*a = v;
			if (!any || v > *b)
				*b = v;
			any = true;
		}
		p = nl ? nl + 1 : NULL;
	}
	return any;
}

/*
 * A rotation of the window [lo, hi) in steps of align that moves the symbols
 * [a, b] to a random other place where they do not wrap around the window's
 * end (never where they were: the offset must change).
 */
static uint64_t pick_delta(uint64_t lo, uint64_t hi, uint64_t align, bool known, uint64_t a, uint64_t b,
			   uint64_t rnd)
{
	uint64_t size = hi - lo, start, span, slots, to;

	if (!known)
		return (1 + rnd % (size / align - 1)) * align;
	start = (a - lo) / align * align;
	span = ((b - lo) / align + 1) * align - start;
	slots = (size - span) / align + 1;
	if (slots < 2)
		return 0;
	to = (rnd % (slots - 1)) * align;
	if (to >= start)
		to += align;
	return (size + to - start) % size;
}

struct kstep_redact_map *kstep_redact_map_new(const char *kallsyms, size_t len, const uint64_t key[4],
					      char *err, size_t errlen)
{
	struct kstep_redact_map *m = kstep_xcalloc(1, sizeof(*m));
	uint64_t ia = 0, ib = 0, ma = 0, mb = 0, any_a, any_b;
	bool img = false, mod = false;

	m->key[0] = key[0];
	m->key[1] = key[1];
	if (kallsyms && len) {
		img = sym_span(kallsyms, len, IMG_LO, IMG_HI, &ia, &ib);
		mod = sym_span(kallsyms, len, MOD_LO, MOD_HI, &ma, &mb);
		/* kernel symbols among the heap's addresses: a layout this code does not know */
		if (sym_span(kallsyms, len, HEAP_LO, HEAP_HI, &any_a, &any_b)) {
			snprintf(err, errlen, "the kernel's symbols are not where an x86-64 kernel keeps "
				 "them (0x%016llx): kstep redact knows the x86-64 layout only",
				 (unsigned long long)any_a);
			free(m);
			return NULL;
		}
	}
	m->img_delta = pick_delta(IMG_LO, IMG_HI, SZ_2M, img, ia, ib, key[2]);
	m->mod_delta = pick_delta(MOD_LO, MOD_HI, SZ_4K, mod, ma, mb, key[3]);
	return m;
}

/* Names: comms and strings */

/* Replaces s (n bytes) by a keyed name of the same length: equal in, equal out. */
static void map_name(struct redactor *r, char *s, size_t n, char kind)
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuv";
	uint64_t h[2];
	size_t i;

	/* the kernel's own idle tasks are no one's secret */
	if (!n || (kind == 'c' && ((n >= 7 && !strncmp(s, "swapper", 7)) || (n == 6 && !strncmp(s, "<idle>", 6)))))
		return;
	h[0] = siphash(r->name_key, s, n) ^ (uint64_t)kind;
	h[1] = h[0] * 0x9e3779b97f4a7c15ULL;
	s[0] = kind;
	for (i = 1; i < n; i++) {
		if (i % 12 == 0) {
			h[0] = siphash(r->name_key, h, sizeof(h));
			h[1] = h[0] * 0x9e3779b97f4a7c15ULL;
		}
		s[i] = digits[(h[(i / 6) % 2] >> (5 * (i % 6))) & 31];
	}
	r->names++;
}

/* Rewrites the bytes up to the first NUL of a char field. */
static void map_cstr(struct redactor *r, char *s, size_t max, char kind)
{
	size_t n = strnlen(s, max);

	map_name(r, s, n, kind);
}

/* The program's file name: its first 15 bytes are the comm the kernel gave it. */
static void map_prog_name(struct redactor *r, char *base, size_t n)
{
	map_name(r, base, n < 15 ? n : 15, 'c');
	if (n > 15)
		map_name(r, base + 15, n - 15, 's');
}

/* Replaces every occurrence of the program's name in text (kept in length). */
static void map_prog_in_text(struct redactor *r, char *text, size_t len)
{
	size_t n = r->prog ? strlen(r->prog) : 0;
	char *p = text, *end = text + len;

	while (n && p < end && (p = memmem(p, (size_t)(end - p), r->prog, n))) {
		memcpy(p, r->prog_mapped, n);
		p += n;
	}
}

/* Event records */

/* Text: char arrays; unsigned char arrays are bytes (addresses, keys), not names. */
static bool type_is_char(const char *type)
{
	return strstr(type, "char") && !strstr(type, "unsigned") && !strchr(type, '*');
}

static bool type_is_comm(const struct tep_format_field *f)
{
	return strstr(f->name, "comm") != NULL;
}

/* The size of one element of a dynamic array from its type ("__data_loc unsigned long[]"). */
static int dyn_elem_size(const char *type)
{
	if (strchr(type, '*') || strstr(type, "long") || strstr(type, "64"))
		return 8;
	return 0;
}

static void map_words(struct redactor *r, unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint64_t v = kstep_get64(p + 8 * i, false), w = kstep_redact_map_value(r->map, v);

		if (w != v) {
			kstep_put64(p + 8 * i, w, false);
			r->values++;
		}
	}
}

static void redact_chars(struct redactor *r, const struct tep_format_field *f, unsigned char *p, size_t n)
{
	if (type_is_comm(f) ? r->o.comms : r->o.strings)
		map_cstr(r, (char *)p, n, type_is_comm(f) ? 'c' : 's');
}

/* A __data_loc or __rel_loc field: u32 with the offset (low half) and length. */
static void redact_dynamic(struct redactor *r, const struct tep_format_field *f, unsigned char *data,
			   size_t dlen)
{
	uint32_t w;
	size_t off, len;

	if (f->size != 4 || (size_t)f->offset + 4 > dlen)
		return;
	w = kstep_get32(data + f->offset, false);
	off = w & 0xffff;
	len = w >> 16;
	if (f->flags & TEP_FIELD_IS_RELATIVE)
		off += (size_t)f->offset + 4;
	if (off > dlen || len > dlen - off)
		return;
	if (type_is_char(f->type))
		redact_chars(r, f, data + off, len);
	else if (dyn_elem_size(f->type) == 8 && !(f->flags & TEP_FIELD_IS_SIGNED))
		map_words(r, data + off, len / 8);
}

static void redact_field(struct redactor *r, const struct tep_format_field *f, bool last, unsigned char *data,
			 size_t dlen)
{
	size_t off = (size_t)f->offset, size = (size_t)f->size;
	bool ptr;

	if (!f->type || !f->name || f->offset < 0 || off > dlen)
		return;
	ptr = (f->flags & TEP_FIELD_IS_POINTER) || strchr(f->type, '*');
	if (f->flags & TEP_FIELD_IS_DYNAMIC) {
		redact_dynamic(r, f, data, dlen);
		return;
	}
	/* the last array runs to the record's end (kernel_stack: caller[8] holds size entries) */
	if ((f->flags & TEP_FIELD_IS_ARRAY) && last)
		size = dlen - off;
	if (size > dlen - off)
		return;
	if ((f->flags & TEP_FIELD_IS_ARRAY) && type_is_char(f->type)) {
		redact_chars(r, f, data + off, size);
		return;
	}
	if ((f->flags & TEP_FIELD_IS_SIGNED) && !ptr)
		return;
	if (f->flags & TEP_FIELD_IS_ARRAY) {
		if (f->elementsize == 8 || (last && f->size && (size_t)f->size % 8 == 0 && f->arraylen &&
					    (size_t)f->size / f->arraylen == 8))
			map_words(r, data + off, size / 8);
		return;
	}
	if (size == 8)
		map_words(r, data + off, 1);
}

static void redact_record(struct redactor *r, unsigned char *data, size_t dlen)
{
	struct tep_event *ev;
	struct tep_format_field *f, *last = NULL;

	r->events++;
	if (dlen < 8)
		return;
	ev = tep_find_event(r->tep, kstep_get16(data, false));
	if (!ev) {
		/* no format: every aligned word that looks like a kernel address is one */
		r->unknown_events++;
		map_words(r, data + 8, (dlen - 8) / 8);
		return;
	}
	for (f = ev->format.fields; f; f = f->next)
		if (!last || f->offset > last->offset)
			last = f;
	for (f = ev->format.fields; f; f = f->next)
		redact_field(r, f, f == last, data, dlen);
}

/*
 * Walks one ring-buffer page (the kernel's layout: u64 timestamp, a long
 * commit word, then events) and rewrites every record in place. Discarded
 * events (padding) keep their old payload in the kernel's page: it is zeroed,
 * as is everything past the commit. Where the page stops making sense the rest
 * is zeroed and the commit cut there, so nothing unread is passed on.
 */
static int redact_page(void *ctx, int cpu, unsigned char *page, size_t psize)
{
	struct redactor *r = ctx;
	size_t hdr = 8 + (size_t)r->long_size, i = 0, size, end;
	unsigned char *d = page + hdr;
	uint64_t commit;
	bool damaged = false;

	(void)cpu;
	r->pages++;
	if (psize <= hdr)
		return 0;
	commit = r->long_size == 8 ? kstep_get64(page + 8, false) : kstep_get32(page + 8, false);
	size = (size_t)(commit & RB_COMMIT_MASK);
	if (size > psize - hdr) {
		size = 0;
		damaged = true;
	}
	while (i + 4 <= size) {
		uint32_t h = kstep_get32(d + i, false), tl = h & 31, len;
		size_t total, doff = i + 4, dlen;

		if (tl == RB_PADDING && !(h >> 5)) {
			memset(d + i + 4, 0, size - i - 4);
			i = size;
			break;
		}
		if (tl == RB_TIME_EXTEND || tl == RB_TIME_STAMP) {
			total = 8;
		} else if (tl == RB_PADDING || tl == 0) {
			if (i + 8 > size)
				break;
			len = kstep_get32(d + i + 4, false);
			if (len < 4 || len > size - i - 4)
				break;
			total = 4 + (((size_t)len + 3) & ~(size_t)3);
			doff = i + 8;
		} else {
			total = 4 + 4 * (size_t)tl;
		}
		if (total > size - i)
			break;
		dlen = i + total - doff;
		if (tl == RB_PADDING)
			memset(d + doff, 0, dlen);
		else if (tl < RB_PADDING)
			redact_record(r, d + doff, dlen);
		i += total;
	}
	if (i < size) {
		/* cut the page where it stopped making sense; the missed-events flags stay */
		damaged = true;
		size = i;
		commit = (commit & ~RB_COMMIT_MASK & ~RB_MISSED_STORED) | size;
		if (r->long_size == 8)
			kstep_put64(page + 8, commit, false);
		else
			kstep_put32(page + 8, (uint32_t)commit, false);
	}
	end = size + ((commit & RB_MISSED_STORED) && size + (size_t)r->long_size <= psize - hdr ?
		      (size_t)r->long_size : 0);
	memset(d + end, 0, psize - hdr - end);
	r->damaged_pages += damaged;
	return 0;
}

/* Metadata */

/* Rewrites every run of exactly 16 hex digits (a 64-bit address) in text. */
static char *map_hex_runs(struct redactor *r, const char *s, size_t len, bool line_start_only)
{
	char *out = kstep_xmalloc(len + 1);
	size_t i = 0;

	memcpy(out, s, len);
	out[len] = '\0';
	while (i < len) {
		size_t j = i;

		while (j < len && strchr("0123456789abcdefABCDEF", out[j]) && out[j])
			j++;
		if (j - i == 16 && (!line_start_only || i == 0 || out[i - 1] == '\n' ||
				    (i >= 2 && out[i - 1] == 'x' && (i == 2 || out[i - 3] == '\n')))) {
			char hex[17], buf[17];
			uint64_t v, w;

			memcpy(hex, out + i, 16);
			hex[16] = '\0';
			v = strtoull(hex, NULL, 16);
			w = kstep_redact_map_value(r->map, v);
			if (w != v) {
				snprintf(buf, sizeof(buf), "%016llx", (unsigned long long)w);
				memcpy(out + i, buf, 16);
				r->values++;
			}
		}
		i = j > i ? j : i + 1;
	}
	return out;
}

/* cmdlines: "PID COMM" lines; the comm is the rest of the line. */
static char *map_cmdlines(struct redactor *r, const char *s, size_t len)
{
	char *out = kstep_xmalloc(len + 1), *p = out, *end = out + len;

	memcpy(out, s, len);
	out[len] = '\0';
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *sp;
		char *stop = nl ? nl : end;

		sp = memchr(p, ' ', (size_t)(stop - p));
		if (sp)
			map_name(r, sp + 1, (size_t)(stop - sp - 1), 'c');
		p = stop + 1;
	}
	return out;
}

static char *filter_text(void *ctx, enum kstep_dat_id id, const char *data, size_t len, size_t *outlen)
{
	struct redactor *r = ctx;

	*outlen = len;
	if (id == KSTEP_DAT_KALLSYMS)
		return map_hex_runs(r, data, len, true);
	if (id == KSTEP_DAT_PRINTK)
		return map_hex_runs(r, data, len, true);
	if (id == KSTEP_DAT_CMDLINES && r->o.comms)
		return map_cmdlines(r, data, len);
	return NULL;
}

/* COMMAND: u32 pid, u32 argc, then argc strings. */
static int map_command(struct redactor *r, const char *data, size_t len, char **out, size_t *outlen)
{
	char *c;
	size_t pos = 8;
	uint32_t argc, i;

	if (len < 8 || (!r->o.comms && !r->o.strings))
		return 0;
	c = kstep_xmalloc(len);
	memcpy(c, data, len);
	argc = kstep_get32(c + 4, false);
	for (i = 0; i < argc && pos < len; i++) {
		size_t n = strnlen(c + pos, len - pos);

		if (i == 0) {
			/* the comm is the first 15 bytes of the program's file name */
			char *base = memrchr(c + pos, '/', n);
			size_t at = base ? (size_t)(base + 1 - c) : pos, bn = pos + n - at;

			if (r->o.comms)
				map_prog_name(r, c + at, bn);
			if (r->o.strings && at > pos)
				map_name(r, c + pos, at - pos - 1, 's');
		} else if (r->o.strings) {
			map_name(r, c + pos, n, 's');
		}
		pos += n + 1;
	}
	*out = c;
	*outlen = len;
	return 1;
}

/* "Linux NODENAME RELEASE MACHINE": the machine's name goes. */
static int map_uname(const char *data, size_t len, char **out, size_t *outlen)
{
	const char *sp = memchr(data, ' ', len), *sp2;

	if (!sp || !(sp2 = memchr(sp + 1, ' ', len - (size_t)(sp + 1 - data))))
		return 0;
	*out = kstep_xasprintf("%.*s redacted%.*s", (int)(sp - data), data, (int)(len - (size_t)(sp2 - data)),
			       sp2);
	*outlen = strlen(*out) + 1;
	return 1;
}

static int filter_option(void *ctx, uint16_t id, const void *data, size_t len, char **out, size_t *outlen)
{
	struct redactor *r = ctx;

	switch (id) {
	case KSTEP_DAT_DATE:
	case KSTEP_DAT_OFFSET:
	case KSTEP_DAT_TSC2NSEC:
	case KSTEP_DAT_TIME_SHIFT:
	case KSTEP_DAT_TRACEID:	/* random, per trace */
	case KSTEP_DAT_VERSION:
	case KSTEP_DAT_CPUSTAT:
	case KSTEP_KOPT_VERSION:
	case KSTEP_KOPT_EXIT:
	case KSTEP_KOPT_BUILD_ID:
	case KSTEP_KOPT_LOSS:
	case KSTEP_KOPT_DWARF:	/* function names and offsets, never addresses */
		return 0;
	case KSTEP_DAT_UNAME:
		return map_uname(data, len, out, outlen);
	case KSTEP_KOPT_COMMAND:
		return map_command(r, data, len, out, outlen);
	case KSTEP_KOPT_PLAN_ASKED:
	case KSTEP_KOPT_PLAN_APPLIED:
	case KSTEP_KOPT_CAPS:
	case KSTEP_KOPT_MAPS:
		*out = map_hex_runs(r, data, len, false);
		*outlen = len;
		map_prog_in_text(r, *out, len);
		return 1;
	default:
		/* an option redact cannot vouch for (or an older redaction's note) */
		if (id != KSTEP_KOPT_REDACTED)
			kstep_sbuf_addf(&r->dropped, "%s0x%x", r->dropped.len ? ", " : "", id);
		return -1;
	}
}

/* The traced program's file name, from the COMMAND option (argv[0]). */
static void find_prog(struct redactor *r, const struct kstep_dat_rawopt *cmd)
{
	const char *argv0, *base;
	size_t n;

	if (!cmd || cmd->len <= 8 || !kstep_get32(cmd->data + 4, false))
		return;
	argv0 = cmd->data + 8;
	n = strnlen(argv0, cmd->len - 8);
	base = memrchr(argv0, '/', n);
	base = base ? base + 1 : argv0;
	n -= (size_t)(base - argv0);
	if (!n)
		return;
	r->prog = kstep_xstrndup(base, n);
	r->prog_mapped = kstep_xstrndup(base, n);
	map_prog_name(r, r->prog_mapped, n);
}

static int filter_begin(void *ctx, struct kstep_dat *dat)
{
	struct redactor *r = ctx;
	const struct kstep_dat_blob *fmts;
	const char *data;
	char err[512];
	size_t len, n, i;

	const char *un = kstep_dat_uname(dat), *machine = un ? strrchr(un, ' ') : NULL;

	if (kstep_dat_long_size(dat) != 8 || kstep_dat_big_endian(dat) ||
	    (machine && strcmp(machine, " x86_64"))) {
		kstep_error("%s: kstep redact knows the kernel address layout of x86-64 only (this trace "
			    "is from %s): nothing written", kstep_dat_path(dat), machine ? machine + 1 :
			    "a 32-bit or big-endian machine");
		return -1;
	}
	if (kstep_dat_other_buffers(dat) > 0)
		kstep_warning("%s: %d other trace instances are left out (kstep reads the top one)",
			      kstep_dat_path(dat), kstep_dat_other_buffers(dat));
	r->long_size = kstep_dat_long_size(dat);
	r->page_size = kstep_dat_page_size(dat);
	kstep_dat_kallsyms(dat, &data, &len);
	r->map = kstep_redact_map_new(data, data ? len : 0, r->map_key, err, sizeof(err));
	if (!r->map) {
		kstep_error("%s: %s", kstep_dat_path(dat), err);
		return -1;
	}
	if (r->o.comms)
		find_prog(r, kstep_dat_rawopt(dat, KSTEP_KOPT_COMMAND));
	r->tep = tep_alloc();
	if (!r->tep) {
		kstep_error("out of memory");
		return -1;
	}
	tep_set_file_bigendian(r->tep, TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(r->tep, TEP_LITTLE_ENDIAN);
	tep_set_long_size(r->tep, r->long_size);
	tep_set_page_size(r->tep, (int)r->page_size);
	fmts = kstep_dat_formats(dat, &n);
	for (i = 0; i < n; i++)
		tep_parse_event(r->tep, fmts[i].data, fmts[i].len, fmts[i].system ? fmts[i].system : "ftrace");
	return 0;
}

static int random_key(uint64_t *key, size_t n)
{
	size_t got = 0;

	while (got < n * sizeof(*key)) {
		ssize_t k = getrandom((char *)key + got, n * sizeof(*key) - got, 0);

		if (k < 0 && errno != EINTR)
			return -1;
		if (k > 0)
			got += (size_t)k;
	}
	return 0;
}

int kstep_redact_file(const char *in, const char *out, const struct kstep_redact_opts *o)
{
	struct redactor r = { .o = *o };
	struct kstep_dat_filter f = { .ctx = &r, .begin = filter_begin, .text = filter_text,
				      .option = filter_option, .page = redact_page,
				      .add_id = KSTEP_KOPT_REDACTED };
	char what[64];
	uint64_t keys[6];
	int ret;

	/* the keys live only in this process: the mapping cannot be undone from the file */
	if (random_key(keys, 6)) {
		kstep_error("no random key for the redaction: %s", strerror(errno));
		return -1;
	}
	memcpy(r.map_key, keys, sizeof(r.map_key));
	memcpy(r.name_key, keys + 4, sizeof(r.name_key));
	snprintf(what, sizeof(what), "addresses%s%s", o->comms ? " comms" : "", o->strings ? " strings" : "");
	f.add = what;
	f.add_len = strlen(what) + 1;
	ret = kstep_dat_copy_filtered(in, out, 0, NULL, &f);
	if (!ret) {
		fprintf(stderr, "kstep: %s: %llu pages, %llu records, %llu addresses rewritten",
			out, (unsigned long long)r.pages, (unsigned long long)r.events,
			(unsigned long long)r.values);
		if (o->comms || o->strings)
			fprintf(stderr, ", %llu names replaced", (unsigned long long)r.names);
		fprintf(stderr, "\n");
		if (r.unknown_events)
			kstep_warning("%llu records had no format: every word in them that looked like a "
				      "kernel address was rewritten", (unsigned long long)r.unknown_events);
		if (r.damaged_pages)
			kstep_warning("%llu damaged pages: what could not be read in them was dropped, not "
				      "copied", (unsigned long long)r.damaged_pages);
		if (r.dropped.len)
			kstep_warning("options left out (redact cannot vouch for what they hold): %s",
				      kstep_sbuf_str(&r.dropped));
	}
	explicit_bzero(keys, sizeof(keys));
	explicit_bzero(r.map_key, sizeof(r.map_key));
	explicit_bzero(r.name_key, sizeof(r.name_key));
	if (r.map)
		explicit_bzero(r.map, sizeof(*r.map));
	free(r.map);
	if (r.tep)
		tep_free(r.tep);
	kstep_sbuf_free(&r.dropped);
	free(r.prog);
	free(r.prog_mapped);
	return ret;
}
