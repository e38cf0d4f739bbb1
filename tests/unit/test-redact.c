/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-redact.c - the address mapping of kstep redact on many values, more
 * than the fixtures hold: it must be one to one, keep each value in its
 * region, keep a heap pointer's offset in the page, move all text by one
 * offset, keep everything that is not a kernel address, and refuse a kernel
 * layout it does not know.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "redact.h"

#define IMG_LO 0xffffffff80000000ULL
#define IMG_HI 0xffffffffc0000000ULL
#define MOD_HI 0xffffffffff000000ULL
#define HEAP_LO 0xffff800000000000ULL

static const char kallsyms[] =
	"0000000000000000 A fixed_percpu_data\n"
	"ffffffff9a000000 T _text\n"
	"ffffffff9a001000 T start_kernel\n"
	"ffffffff9c7fffe0 B _end\n"
	"ffffffffc0a1b000 t foo_init\t[foo]\n"
	"ffffffffc0a2c010 t foo_exit\t[foo]\n";

static const uint64_t key[4] = { 0x0123456789abcdefULL, 0xfedcba9876543210ULL, 12345, 67890 };

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int region(uint64_t v)
{
	if (v >= IMG_LO && v < IMG_HI)
		return 1;
	if (v >= IMG_HI && v < MOD_HI)
		return 2;
	if (v >= HEAP_LO && v < IMG_LO)
		return 3;
	return 0;
}

/* 200,000 heap pointers, many on shared pages: distinct in, distinct out. */
static void heap_is_one_to_one(void **state)
{
	struct kstep_redact_map *m = kstep_redact_map_new(kallsyms, sizeof(kallsyms) - 1, key, NULL, 0);
	size_t n = 200000, i;
	uint64_t *in = calloc(n, sizeof(*in)), *out = calloc(n, sizeof(*out)), s = 88172645463325252ULL;

	(void)state;
	assert_non_null(m);
	for (i = 0; i < n; i++) {
		uint64_t base = i % 3 == 0 ? 0xffff888000000000ULL : i % 3 == 1 ? 0xffffc90000000000ULL :
			0xffffea0000000000ULL;

		/* a few thousand pages, so pointers share pages */
		in[i] = base + ((xorshift(&s) % 4096) << 12) + (xorshift(&s) & 0xff8);
	}
	/* the edges of the heap's range too */
	in[0] = HEAP_LO;
	in[1] = IMG_LO - 1;
	qsort(in, n, sizeof(*in), cmp_u64);
	for (i = 0; i < n; i++) {
		out[i] = kstep_redact_map_value(m, in[i]);
		assert_int_equal(region(out[i]), 3);
		assert_int_equal(out[i] & 0xfff, in[i] & 0xfff);
		assert_int_equal(kstep_redact_map_value(m, in[i]), out[i]);
		/* two pointers on one page stay on one page */
		if (i && (in[i] >> 12) == (in[i - 1] >> 12))
			assert_int_equal(out[i] >> 12, out[i - 1] >> 12);
	}
	qsort(out, n, sizeof(*out), cmp_u64);
	{
		size_t distinct_in = 1, distinct_out = 1;

		qsort(in, n, sizeof(*in), cmp_u64);
		for (i = 1; i < n; i++) {
			distinct_in += in[i] != in[i - 1];
			distinct_out += out[i] != out[i - 1];
		}
		assert_int_equal(distinct_in, distinct_out);
	}
	free(in);
	free(out);
	free(m);
}

/* One offset for the image, one for modules; the symbols do not wrap. */
static void text_moves_by_one_offset(void **state)
{
	struct kstep_redact_map *m = kstep_redact_map_new(kallsyms, sizeof(kallsyms) - 1, key, NULL, 0);
	uint64_t d = kstep_redact_map_value(m, 0xffffffff9a000000ULL) - 0xffffffff9a000000ULL;
	uint64_t dm = kstep_redact_map_value(m, 0xffffffffc0a1b000ULL) - 0xffffffffc0a1b000ULL;
	uint64_t v;

	(void)state;
	assert_true(d != 0 && d % (2ULL << 20) == 0);
	assert_true(dm != 0 && dm % 4096 == 0);
	for (v = 0xffffffff9a000000ULL; v <= 0xffffffff9c7fffe0ULL; v += 0x1234f)
		assert_int_equal(kstep_redact_map_value(m, v) - v, d);
	assert_int_equal(kstep_redact_map_value(m, 0xffffffffc0a2c010ULL) - 0xffffffffc0a2c010ULL, dm);
	assert_int_equal(region(kstep_redact_map_value(m, IMG_LO)), 1);
	assert_int_equal(region(kstep_redact_map_value(m, IMG_HI - 1)), 1);
	assert_int_equal(region(kstep_redact_map_value(m, IMG_HI)), 2);
	assert_int_equal(region(kstep_redact_map_value(m, MOD_HI - 1)), 2);
	free(m);
}

/* NULL, small numbers, user space, error values, the fixmap: kept. */
static void non_addresses_are_kept(void **state)
{
	static const uint64_t keep[] = { 0, 1, 4096, 0x7ffd12345678ULL, 0x00007fffffffffffULL,
					 0x0000800000000000ULL, 0x8000000000000000ULL, HEAP_LO - 1,
					 (uint64_t)-1, (uint64_t)-4095, (uint64_t)-12, MOD_HI,
					 0xffffffffff600000ULL };
	struct kstep_redact_map *m = kstep_redact_map_new(NULL, 0, key, NULL, 0);
	size_t i;

	(void)state;
	assert_non_null(m);
	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		assert_int_equal(kstep_redact_map_value(m, keep[i]), keep[i]);
	/* without kallsyms the text windows still move, as a whole */
	assert_int_not_equal(kstep_redact_map_value(m, 0xffffffff81000000ULL), 0xffffffff81000000ULL);
	free(m);
}

/* Kernel symbols among heap addresses: not x86-64's layout, refused. */
static void unknown_layout_is_refused(void **state)
{
	static const char other[] = "ffff800080000000 T _text\nffff800080001000 T start_kernel\n";
	char err[256] = "";

	(void)state;
	assert_null(kstep_redact_map_new(other, sizeof(other) - 1, key, err, sizeof(err)));
	assert_non_null(strstr(err, "x86-64"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(heap_is_one_to_one),
		cmocka_unit_test(text_moves_by_one_offset),
		cmocka_unit_test(non_addresses_are_kept),
		cmocka_unit_test(unknown_layout_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
