/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * json.h - a small streaming JSON writer (objects, arrays, escaped strings)
 * that tracks commas itself, so callers cannot emit invalid JSON.
 */
#ifndef KSTEP_JSON_H
#define KSTEP_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define KSTEP_JSON_DEPTH 32

/* Output is gathered here and written in blocks: a log is gigabytes of small pieces. */
#define KSTEP_JSON_BUF 16384

struct kstep_json {
	FILE *out;
	int depth;
	bool first[KSTEP_JSON_DEPTH];
	bool pretty;
	size_t n;
	char buf[KSTEP_JSON_BUF];
};

void kstep_json_init(struct kstep_json *j, FILE *out, bool pretty);
void kstep_json_obj_open(struct kstep_json *j, const char *key);
void kstep_json_obj_close(struct kstep_json *j);
void kstep_json_arr_open(struct kstep_json *j, const char *key);
void kstep_json_arr_close(struct kstep_json *j);
/* key is NULL inside arrays. */
void kstep_json_str(struct kstep_json *j, const char *key, const char *val);
void kstep_json_strn(struct kstep_json *j, const char *key, const char *val, size_t n);
void kstep_json_u64(struct kstep_json *j, const char *key, uint64_t val);
void kstep_json_i64(struct kstep_json *j, const char *key, int64_t val);
void kstep_json_bool(struct kstep_json *j, const char *key, bool val);
void kstep_json_null(struct kstep_json *j, const char *key);
/* Ends the document with a newline and writes out what is buffered. */
void kstep_json_end(struct kstep_json *j);
/* Nanoseconds written as microseconds with three decimals (1234567 -> 1234.567), exact. */
void kstep_json_usec(struct kstep_json *j, const char *key, uint64_t ns);
/* Ends one top-level value and its line: the next one starts a new document (JSON lines). */
void kstep_json_line(struct kstep_json *j);

#endif
