// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * json.c - streaming JSON writer.
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "json.h"

void kstep_json_init(struct kstep_json *j, FILE *out, bool pretty)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
	j->pretty = pretty;
	j->first[0] = true;
}

static void indent(struct kstep_json *j)
{
	int i;

	if (!j->pretty)
		return;
	fputc('\n', j->out);
	for (i = 0; i < j->depth; i++)
		fputs("  ", j->out);
}

static void put_escaped(FILE *out, const char *s, size_t n)
{
	size_t i;

	fputc('"', out);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void key(struct kstep_json *j, const char *k)
{
	if (!j->first[j->depth])
		fputc(',', j->out);
	j->first[j->depth] = false;
	if (j->depth)
		indent(j);
	if (k) {
		put_escaped(j->out, k, strlen(k));
		fputs(j->pretty ? ": " : ":", j->out);
	}
}

static void open_(struct kstep_json *j, const char *k, char c)
{
	key(j, k);
	fputc(c, j->out);
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
	fputc(c, j->out);
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
	put_escaped(j->out, val, n);
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
	key(j, k);
	fprintf(j->out, "%" PRIu64, val);
}

void kstep_json_i64(struct kstep_json *j, const char *k, int64_t val)
{
	key(j, k);
	fprintf(j->out, "%" PRId64, val);
}

void kstep_json_bool(struct kstep_json *j, const char *k, bool val)
{
	key(j, k);
	fputs(val ? "true" : "false", j->out);
}

void kstep_json_null(struct kstep_json *j, const char *k)
{
	key(j, k);
	fputs("null", j->out);
}

void kstep_json_end(struct kstep_json *j)
{
	fputc('\n', j->out);
}
