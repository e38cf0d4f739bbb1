// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * util.c - allocation, buffers, vectors, arena and number helpers.
 */
#include "config.h"

#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "log.h"
#include "util.h"

static void oom(void)
{
	fputs("kstep: out of memory\n", stderr);
	exit(KSTEP_EXIT_ERROR);
}

void *kstep_xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p)
		oom();
	return p;
}

void *kstep_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom();
	return p;
}

void *kstep_xrealloc(void *p, size_t size)
{
	void *q = realloc(p, size ? size : 1);

	if (!q)
		oom();
	return q;
}

char *kstep_xstrdup(const char *s)
{
	return kstep_xstrndup(s, strlen(s));
}

char *kstep_xstrndup(const char *s, size_t n)
{
	char *p = kstep_xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *kstep_xasprintf(const char *fmt, ...)
{
	struct kstep_sbuf b = { 0 };
	va_list ap;

	va_start(ap, fmt);
	kstep_sbuf_vaddf(&b, fmt, ap);
	va_end(ap);
	if (!b.s)
		return kstep_xstrdup("");
	return b.s;
}

static void sbuf_grow(struct kstep_sbuf *b, size_t more)
{
	size_t need = b->len + more + 1;

	if (need <= b->cap)
		return;
	if (b->cap * 2 > need)
		need = b->cap * 2;
	if (need < 64)
		need = 64;
	b->s = kstep_xrealloc(b->s, need);
	b->cap = need;
}

void kstep_sbuf_addn(struct kstep_sbuf *b, const char *s, size_t n)
{
	sbuf_grow(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void kstep_sbuf_add(struct kstep_sbuf *b, const char *s)
{
	kstep_sbuf_addn(b, s, strlen(s));
}

void kstep_sbuf_addc(struct kstep_sbuf *b, char c)
{
	kstep_sbuf_addn(b, &c, 1);
}

void kstep_sbuf_vaddf(struct kstep_sbuf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return;
	sbuf_grow(b, (size_t)n);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void kstep_sbuf_addf(struct kstep_sbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kstep_sbuf_vaddf(b, fmt, ap);
	va_end(ap);
}

void kstep_sbuf_reset(struct kstep_sbuf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
}

const char *kstep_sbuf_str(const struct kstep_sbuf *b)
{
	return b->s ? b->s : "";
}

char *kstep_sbuf_steal(struct kstep_sbuf *b)
{
	char *s = b->s ? b->s : kstep_xstrdup("");

	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

void kstep_sbuf_free(struct kstep_sbuf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

void kstep_vec_init(struct kstep_vec *vec, size_t esz)
{
	vec->v = NULL;
	vec->n = vec->cap = 0;
	vec->esz = esz;
}

void *kstep_vec_push(struct kstep_vec *vec)
{
	void *e;

	if (vec->n == vec->cap) {
		vec->cap = vec->cap ? vec->cap * 2 : 16;
		vec->v = kstep_xrealloc(vec->v, vec->cap * vec->esz);
	}
	e = (char *)vec->v + vec->n * vec->esz;
	memset(e, 0, vec->esz);
	vec->n++;
	return e;
}

void *kstep_vec_at(const struct kstep_vec *vec, size_t i)
{
	return (char *)vec->v + i * vec->esz;
}

void kstep_vec_free(struct kstep_vec *vec)
{
	free(vec->v);
	vec->v = NULL;
	vec->n = vec->cap = 0;
}

struct kstep_arena_block {
	struct kstep_arena_block *next;
	size_t size;
	size_t used;
	_Alignas(8) unsigned char data[];
};

#define ARENA_BLOCK (256 * 1024)

/* Charges a new block of a charged arena; over the budget, kstep ends here. */
static void arena_charge(struct kstep_arena *a, size_t bytes)
{
	char err[512];

	if (!a->charge)
		return;
	if (kstep_budget_charge(bytes, a->charge, err, sizeof(err))) {
		fprintf(stderr, "kstep: %s\n", err);
		exit(KSTEP_EXIT_ERROR);
	}
	a->charged += bytes;
}

void *kstep_arena_alloc(struct kstep_arena *a, size_t size)
{
	struct kstep_arena_block *blk = a->head;
	void *p;

	size = (size + 7) & ~(size_t)7;
	if (!blk || blk->size - blk->used < size) {
		size_t bsize = size > ARENA_BLOCK ? size : ARENA_BLOCK;

		arena_charge(a, sizeof(*blk) + bsize);
		blk = kstep_xmalloc(sizeof(*blk) + bsize);
		blk->size = bsize;
		blk->used = 0;
		blk->next = a->head;
		a->head = blk;
	}
	p = blk->data + blk->used;
	blk->used += size;
	a->used_bytes += size;
	memset(p, 0, size);
	return p;
}

char *kstep_arena_strndup(struct kstep_arena *a, const char *s, size_t n)
{
	char *p = kstep_arena_alloc(a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *kstep_arena_strdup(struct kstep_arena *a, const char *s)
{
	return kstep_arena_strndup(a, s, strlen(s));
}

void kstep_arena_free(struct kstep_arena *a)
{
	struct kstep_arena_block *blk = a->head;

	while (blk) {
		struct kstep_arena_block *next = blk->next;

		free(blk);
		blk = next;
	}
	a->head = NULL;
	a->used_bytes = 0;
	kstep_budget_release(a->charged);
	a->charged = 0;
}

uint64_t kstep_getn(const void *p, size_t n, bool big_endian)
{
	const unsigned char *b = p;
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		size_t k = big_endian ? i : n - 1 - i;

		v = (v << 8) | b[k];
	}
	return v;
}

uint16_t kstep_get16(const void *p, bool big_endian)
{
	return (uint16_t)kstep_getn(p, 2, big_endian);
}

uint32_t kstep_get32(const void *p, bool big_endian)
{
	return (uint32_t)kstep_getn(p, 4, big_endian);
}

uint64_t kstep_get64(const void *p, bool big_endian)
{
	return kstep_getn(p, 8, big_endian);
}

static void putn(void *p, uint64_t v, size_t n, bool big_endian)
{
	unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		size_t k = big_endian ? n - 1 - i : i;

		b[k] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
}

void kstep_put16(void *p, uint16_t v, bool big_endian)
{
	putn(p, v, 2, big_endian);
}

void kstep_put32(void *p, uint32_t v, bool big_endian)
{
	putn(p, v, 4, big_endian);
}

void kstep_put64(void *p, uint64_t v, bool big_endian)
{
	putn(p, v, 8, big_endian);
}

bool kstep_glob(const char *pat, const char *name)
{
	return fnmatch(pat, name, 0) == 0;
}

/* Writes the n bytes at the end of tmp (KSTEP_NUM_LEN) to out with a NUL; returns n. */
static size_t fmt_out(char *out, const char *tmp, size_t n)
{
	memcpy(out, tmp + KSTEP_NUM_LEN - n, n);
	out[n] = '\0';
	return n;
}

#define DIGITS10(x) x "0" x "1" x "2" x "3" x "4" x "5" x "6" x "7" x "8" x "9"

size_t kstep_fmt_u64(char *out, uint64_t v)
{
	/* two digits per division: the log is mostly numbers */
	static const char pairs[] = DIGITS10("0") DIGITS10("1") DIGITS10("2") DIGITS10("3") DIGITS10("4")
		DIGITS10("5") DIGITS10("6") DIGITS10("7") DIGITS10("8") DIGITS10("9");
	char tmp[KSTEP_NUM_LEN];
	size_t n = 0;

	while (v >= 100) {
		unsigned d = (unsigned)(v % 100) * 2;

		v /= 100;
		tmp[KSTEP_NUM_LEN - ++n] = pairs[d + 1];
		tmp[KSTEP_NUM_LEN - ++n] = pairs[d];
	}
	if (v >= 10) {
		tmp[KSTEP_NUM_LEN - ++n] = pairs[v * 2 + 1];
		tmp[KSTEP_NUM_LEN - ++n] = pairs[v * 2];
	} else {
		tmp[KSTEP_NUM_LEN - ++n] = (char)('0' + v);
	}
	return fmt_out(out, tmp, n);
}

size_t kstep_fmt_x64(char *out, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[KSTEP_NUM_LEN];
	size_t n = 0;

	do {
		tmp[KSTEP_NUM_LEN - ++n] = digits[v & 15];
		v >>= 4;
	} while (v);
	tmp[KSTEP_NUM_LEN - ++n] = 'x';
	tmp[KSTEP_NUM_LEN - ++n] = '0';
	return fmt_out(out, tmp, n);
}

size_t kstep_fmt_dur32(char *out, uint64_t ns, bool micro_sign)
{
	/* digits by hand: a step log formats millions of these */
	static const struct {
		uint64_t below, div;
		const char *unit, *uunit;
	} units[] = {
		{ 1000000ULL, 1000ULL, " us", " \xc2\xb5s" },
		{ 1000000000ULL, 1000000ULL, " ms", " ms" },
		{ UINT64_MAX, 1000000000ULL, " s", " s" },
	};
	const char *u;
	size_t n, i, k;
	uint64_t frac;

	if (ns < 1000) {
		n = kstep_fmt_u64(out, ns);
		memcpy(out + n, " ns", 4);
		return n + 3;
	}
	for (i = 0; i < 2 && ns >= units[i].below; i++)
		;
	n = kstep_fmt_u64(out, ns / units[i].div);
	frac = (ns / (units[i].div / 1000)) % 1000;
	out[n++] = '.';
	out[n++] = (char)('0' + frac / 100);
	out[n++] = (char)('0' + frac / 10 % 10);
	out[n++] = (char)('0' + frac % 10);
	/* at most 20 digits, 4 more and a unit of 4 bytes: 32 fit */
	u = micro_sign ? units[i].uunit : units[i].unit;
	k = strlen(u);
	memcpy(out + n, u, k + 1);
	return n + k;
}

void kstep_fmt_dur(char *out, size_t len, uint64_t ns)
{
	char buf[32];
	size_t n = kstep_fmt_dur32(buf, ns, false);

	if (!len)
		return;
	if (n >= len)
		n = len - 1;
	memcpy(out, buf, n);
	out[n] = '\0';
}

void kstep_fmt_ts(char *out, size_t len, uint64_t ns)
{
	/* rounded to the microsecond, as trace-cmd report prints it */
	uint64_t us = (ns + 500) / 1000;

	snprintf(out, len, "%" PRIu64 ".%06" PRIu64, us / 1000000, us % 1000000);
}

size_t kstep_utf8_len(const unsigned char *s, size_t n, uint32_t *cpp)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond Unicode */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	if (cpp)
		*cpp = cp;
	return len;
}

/* Returns the length of the valid, printable UTF-8 sequence at s (at most n
 * bytes), or 0 when the byte at s must be escaped. */
static size_t safe_char(const unsigned char *s, size_t n)
{
	uint32_t cp = 0;
	size_t len;

	if (s[0] < 0x80)
		return (s[0] >= 0x20 && s[0] != 0x7f && s[0] != '\\') ? 1 : 0;
	len = kstep_utf8_len(s, n, &cp);
	/* the C1 controls are as unsafe as the C0 ones */
	return len && !(cp >= 0x80 && cp <= 0x9f) ? len : 0;
}

/* Has the word x a zero byte? (exact: a borrow never reaches past the first zero) */
static bool word_has_zero(uint64_t x)
{
	return ((x - 0x0101010101010101ULL) & ~x & 0x8080808080808080ULL) != 0;
}

/* Are the eight bytes of x all printable ASCII but the backslash? */
static bool word_plain(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ULL;

	/* no byte >= 0x80, none below 0x20, none 0x7f, none '\\' */
	return !(x & 0x8080808080808080ULL) && !((x - 0x20 * ones) & 0x8080808080808080ULL) &&
	       !word_has_zero(x ^ (0x7f * ones)) && !word_has_zero(x ^ ('\\' * ones));
}

size_t kstep_text_safe_prefix(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k;

	/* nearly all text is plain: eight bytes at a time while it is */
	for (; i + 8 <= n; i += 8) {
		uint64_t x;

		memcpy(&x, s + i, 8);
		if (!word_plain(x))
			break;
	}
	while (i < n) {
		/* printable ASCII, the common case, without the UTF-8 decoder */
		if (u[i] >= 0x20 && u[i] < 0x7f && u[i] != '\\') {
			i++;
			continue;
		}
		k = safe_char(u + i, n - i);
		if (!k)
			break;
		i += k;
	}
	return i;
}

void kstep_sbuf_add_safe(struct kstep_sbuf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < n) {
		k = kstep_text_safe_prefix(s + i, n - i);
		kstep_sbuf_addn(b, s + i, k);
		i += k;
		if (i >= n)
			break;
		if (u[i] == '\\')
			kstep_sbuf_add(b, "\\\\");
		else
			kstep_sbuf_addf(b, "\\x%02x", u[i]);
		i++;
	}
}

const char *kstep_text_safe(const char *s, char *out, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, o = 0, k;
	char esc[8];

	if (kstep_text_safe_prefix(s, n) == n || len == 0)
		return s;
	/* token by token, so the cut never falls inside an escape or a character */
	while (i < n) {
		k = safe_char(u + i, n - i);
		if (k) {
			if (o + k >= len)
				break;
			memcpy(out + o, s + i, k);
		} else {
			k = 1;
			if (u[i] == '\\')
				snprintf(esc, sizeof(esc), "\\\\");
			else
				snprintf(esc, sizeof(esc), "\\x%02x", u[i]);
			if (o + strlen(esc) >= len)
				break;
			memcpy(out + o, esc, strlen(esc));
			o += strlen(esc) - 1;
		}
		o += k;
		i += k;
	}
	out[o] = '\0';
	return out;
}

void kstep_fputs_safe(FILE *f, const char *s)
{
	struct kstep_sbuf b = { 0 };
	size_t n = strlen(s);

	if (kstep_text_safe_prefix(s, n) == n) {
		fputs(s, f);
		return;
	}
	kstep_sbuf_add_safe(&b, s, n);
	fputs(kstep_sbuf_str(&b), f);
	kstep_sbuf_free(&b);
}
