/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * util.h - small shared helpers: allocation that ends the program on
 * out-of-memory (in one place), string buffers, growable vectors, an arena
 * for many small objects, and fixed-endian number reads.
 */
#ifndef KSTEP_UTIL_H
#define KSTEP_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define KSTEP_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define KSTEP_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* Allocation: these never return NULL; out-of-memory exits with status 2. */
void *kstep_xmalloc(size_t size);
void *kstep_xcalloc(size_t n, size_t size);
void *kstep_xrealloc(void *p, size_t size);
char *kstep_xstrdup(const char *s);
char *kstep_xstrndup(const char *s, size_t n);
/* Returns a malloc'd formatted string; the caller frees it. */
char *kstep_xasprintf(const char *fmt, ...) KSTEP_PRINTF(1, 2);

/* String buffer: s is always NUL-terminated once anything was added. */
struct kstep_sbuf {
	char *s;
	size_t len;
	size_t cap;
};

void kstep_sbuf_add(struct kstep_sbuf *b, const char *s);
void kstep_sbuf_addn(struct kstep_sbuf *b, const char *s, size_t n);
void kstep_sbuf_addc(struct kstep_sbuf *b, char c);
void kstep_sbuf_addf(struct kstep_sbuf *b, const char *fmt, ...) KSTEP_PRINTF(2, 3);
void kstep_sbuf_vaddf(struct kstep_sbuf *b, const char *fmt, va_list ap)
	KSTEP_PRINTF(2, 0);
void kstep_sbuf_reset(struct kstep_sbuf *b);
/* Returns the buffer's string ("" when empty); valid until the next change. */
const char *kstep_sbuf_str(const struct kstep_sbuf *b);
/* Hands the string to the caller (who frees it) and empties the buffer. */
char *kstep_sbuf_steal(struct kstep_sbuf *b);
void kstep_sbuf_free(struct kstep_sbuf *b);

/* Growable vector of fixed-size elements. */
struct kstep_vec {
	void *v;
	size_t n;
	size_t cap;
	size_t esz;
};

void kstep_vec_init(struct kstep_vec *vec, size_t esz);
/* Returns a pointer to a new zeroed element at the end; it moves on the next push. */
void *kstep_vec_push(struct kstep_vec *vec);
void *kstep_vec_at(const struct kstep_vec *vec, size_t i);
void kstep_vec_free(struct kstep_vec *vec);

/* Arena: many small allocations freed together. */
struct kstep_arena_block;
struct kstep_arena {
	struct kstep_arena_block *head;
	size_t used_bytes;
	/*
	 * When set, what the arena holds (e.g. "the call chain"): its blocks
	 * are charged to the memory budget (budget.h), and a block over the
	 * budget ends kstep with one message naming it (exit 2), because
	 * what grows without bound here is what an input file made grow.
	 */
	const char *charge;
	size_t charged;
};

/* Returns zeroed, 8-byte aligned memory owned by the arena. */
void *kstep_arena_alloc(struct kstep_arena *a, size_t size);
char *kstep_arena_strdup(struct kstep_arena *a, const char *s);
char *kstep_arena_strndup(struct kstep_arena *a, const char *s, size_t n);
void kstep_arena_free(struct kstep_arena *a);

/* Fixed-endian reads of unaligned memory. */
uint16_t kstep_get16(const void *p, bool big_endian);
uint32_t kstep_get32(const void *p, bool big_endian);
uint64_t kstep_get64(const void *p, bool big_endian);
uint64_t kstep_getn(const void *p, size_t n, bool big_endian);
void kstep_put16(void *p, uint16_t v, bool big_endian);
void kstep_put32(void *p, uint32_t v, bool big_endian);
void kstep_put64(void *p, uint64_t v, bool big_endian);

/* Returns true when name matches the shell glob pat (fnmatch rules). */
bool kstep_glob(const char *pat, const char *name);

/* Text that a traced program chose (comms, string arguments, command lines)
 * reaches a terminal only through these: every control byte (C0, DEL, C1),
 * every byte of invalid UTF-8 and the backslash itself are written as
 * \xNN (\\ for the backslash), so no trace can move the cursor, set the
 * window title or forge a line of the log. */

/*
 * Returns the length of the valid UTF-8 sequence at s (at most n bytes)
 * whose first byte is >= 0x80, with its code point in *cp (may be NULL);
 * 0 for a stray continuation byte, a cut, overlong or surrogate sequence,
 * or beyond U+10FFFF.
 */
size_t kstep_utf8_len(const unsigned char *s, size_t n, uint32_t *cp);
/* Returns the number of bytes of s (n bytes) that need no escaping. */
size_t kstep_text_safe_prefix(const char *s, size_t n);
/* Appends s (n bytes) to b, escaped. */
void kstep_sbuf_add_safe(struct kstep_sbuf *b, const char *s, size_t n);
/* Returns s itself when it needs no escaping, else out (len bytes) holding
 * it escaped, cut at a whole escape when it does not fit. */
const char *kstep_text_safe(const char *s, char *out, size_t len);
/* Writes s escaped. */
void kstep_fputs_safe(FILE *f, const char *s);

/*
 * Numbers without printf (a log formats millions): v in decimal, or as 0x
 * and lowercase hex, at out (KSTEP_NUM_LEN bytes) with a NUL; returns the
 * length, as snprintf's %PRIu64 and 0x%PRIx64 would write them.
 */
#define KSTEP_NUM_LEN 24
size_t kstep_fmt_u64(char *out, uint64_t v);
size_t kstep_fmt_x64(char *out, uint64_t v);

/* Formats a nanosecond duration for people ("12.345 us", "6.135 ms"). */
void kstep_fmt_dur(char *out, size_t len, uint64_t ns);
/* The same into out (32 bytes), with "µs" for micro_sign; returns its length. */
size_t kstep_fmt_dur32(char *out, uint64_t ns, bool micro_sign);
/* Formats a timestamp as seconds with microseconds, like trace-cmd report. */
void kstep_fmt_ts(char *out, size_t len, uint64_t ns);

#endif
