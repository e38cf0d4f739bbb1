// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * json.c - streaming JSON writer.
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "json.h"
#include "util.h"

void kstep_json_init(struct kstep_json *j, FILE *out, bool pretty)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
	j->pretty = pretty;
	j->first[0] = true;
}

static void flush(struct kstep_json *j)
{
	fwrite(j->buf, 1, j->n, j->out);
	j->n = 0;
}

static void put(struct kstep_json *j, const char *s, size_t n)
{
	if (j->n + n > sizeof(j->buf)) {
		flush(j);
		if (n > sizeof(j->buf)) {
			fwrite(s, 1, n, j->out);
			return;
		}
	}
	memcpy(j->buf + j->n, s, n);
	j->n += n;
}

static void putch(struct kstep_json *j, char c)
{
	if (j->n == sizeof(j->buf))
		flush(j);
	j->buf[j->n++] = c;
}

static void puts_(struct kstep_json *j, const char *s)
{
	put(j, s, strlen(s));
}

static void indent(struct kstep_json *j)
{
	static const char nl[] = "\n                                                                ";
	size_t n = 1 + 2 * (size_t)j->depth;

	if (!j->pretty)
		return;
	/* KSTEP_JSON_DEPTH levels fit in nl */
	put(j, nl, n < sizeof(nl) - 1 ? n : sizeof(nl) - 1);
}

static bool needs_escape(unsigned char c)
{
	return c < 0x20 || c == '"' || c == '\\' || c == 0x7f;
}

/* One escaped character at o; returns how many bytes it took (at most 6). */
static size_t escape_at(char *o, unsigned char c)
{
	if (c == '"' || c == '\\') {
		o[0] = '\\';
		o[1] = (char)c;
		return 2;
	}
	if (c == '\n' || c == '\t') {
		o[0] = '\\';
		o[1] = c == '\n' ? 'n' : 't';
		return 2;
	}
	snprintf(o, 7, "\\u%04x", c);
	return 6;
}


/* What JSON text may hold of s[i..n): a valid UTF-8 sequence is copied
 * whole; a byte that starts none (the trace chose it: a comm, an argument)
 * becomes U+FFFD, as JSON text must be UTF-8. Returns the bytes of s taken;
 * *out gets what to write and *olen its length (at most 6). */
static size_t take_char(const unsigned char *s, size_t n, const char **out, size_t *olen)
{
	size_t k = kstep_utf8_len(s, n, NULL);

	if (k) {
		*out = (const char *)s;
		*olen = k;
		return k;
	}
	*out = "\\ufffd";
	*olen = 6;
	return 1;
}

/* A byte JSON text takes as it is: printable ASCII but the quote and the backslash. */
static bool plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

/* How many bytes at the start of s (n bytes) are plain. */
static size_t plain_prefix(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && plain((unsigned char)s[i]))
		i++;
	return i;
}

/*
 * A quoted, escaped string. Runs of plain bytes (nearly all of a log) are
 * copied whole; each other byte is escaped, or starts a UTF-8 sequence.
 */
static void put_escaped(struct kstep_json *j, const char *s, size_t n)
{
	char tmp[8];
	size_t i = 0;

	putch(j, '"');
	while (i < n) {
		size_t k = plain_prefix(s + i, n - i);
		unsigned char c;

		put(j, s + i, k);
		i += k;
		if (i == n)
			break;
		c = (unsigned char)s[i];
		if (needs_escape(c)) {
			put(j, tmp, escape_at(tmp, c));
			i++;
		} else {
			const char *w;
			size_t wl;

			i += take_char((const unsigned char *)s + i, n - i, &w, &wl);
			put(j, w, wl);
		}
	}
	putch(j, '"');
}

/* The comma, the indent and the key before a member: every member has them. */
#define KEY_FAST 64
static void key(struct kstep_json *j, const char *k)
{
	size_t n;
	char *o;

	if (!j->first[j->depth])
		putch(j, ',');
	j->first[j->depth] = false;
	if (j->depth)
		indent(j);
	if (!k)
		return;
	/* a plain key that fits (they all are, but an event's name may not be) is
	 * measured, checked and copied in one go */
	if (j->n + KEY_FAST + 4 > sizeof(j->buf))
		flush(j);
	o = j->buf + j->n;
	*o++ = '"';
	for (n = 0; k[n] && n < KEY_FAST && plain((unsigned char)k[n]); n++)
		o[n] = k[n];
	if (k[n]) {
		put_escaped(j, k, strlen(k));
		puts_(j, j->pretty ? ": " : ":");
		return;
	}
	o += n;
	*o++ = '"';
	*o++ = ':';
	if (j->pretty)
		*o++ = ' ';
	j->n = (size_t)(o - j->buf);
}

static void open_(struct kstep_json *j, const char *k, char c)
{
	key(j, k);
	putch(j, c);
	if (j->depth + 1 < KSTEP_JSON_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

static void close_(struct kstep_json *j, char c)
{
	bool empty = j->first[j->depth];

	if (j->depth)
		j->depth--;
	if (!empty)
		indent(j);
	putch(j, c);
}

void kstep_json_obj_open(struct kstep_json *j, const char *k)
{
	open_(j, k, '{');
}

void kstep_json_obj_close(struct kstep_json *j)
{
	close_(j, '}');
}

void kstep_json_arr_open(struct kstep_json *j, const char *k)
{
	open_(j, k, '[');
}

void kstep_json_arr_close(struct kstep_json *j)
{
	close_(j, ']');
}

void kstep_json_strn(struct kstep_json *j, const char *k, const char *val, size_t n)
{
	key(j, k);
	put_escaped(j, val, n);
}

void kstep_json_str(struct kstep_json *j, const char *k, const char *val)
{
	if (!val) {
		kstep_json_null(j, k);
		return;
	}
	kstep_json_strn(j, k, val, strlen(val));
}

void kstep_json_u64(struct kstep_json *j, const char *k, uint64_t val)
{
	char buf[24];
	size_t n = sizeof(buf);

	key(j, k);
	do {
		buf[--n] = (char)('0' + val % 10);
		val /= 10;
	} while (val);
	put(j, buf + n, sizeof(buf) - n);
}

void kstep_json_i64(struct kstep_json *j, const char *k, int64_t val)
{
	if (val >= 0) {
		kstep_json_u64(j, k, (uint64_t)val);
		return;
	}
	char buf[24];

	key(j, k);
	put(j, buf, (size_t)snprintf(buf, sizeof(buf), "%" PRId64, val));
}

void kstep_json_bool(struct kstep_json *j, const char *k, bool val)
{
	key(j, k);
	puts_(j, val ? "true" : "false");
}

void kstep_json_null(struct kstep_json *j, const char *k)
{
	key(j, k);
	puts_(j, "null");
}

void kstep_json_end(struct kstep_json *j)
{
	putch(j, '\n');
	flush(j);
}

void kstep_json_usec(struct kstep_json *j, const char *k, uint64_t ns)
{
	char buf[32];

	key(j, k);
	put(j, buf, (size_t)snprintf(buf, sizeof(buf), "%" PRIu64 ".%03u", ns / 1000, (unsigned)(ns % 1000)));
}

void kstep_json_line(struct kstep_json *j)
{
	putch(j, '\n');
	j->depth = 0;
	j->first[0] = true;
}
