/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-claims.c - the parser of kstep verify's claim language: every kind
 * of claim with its parts, F#k, comments and blank lines, and each kind of
 * mistake named with its line and column (counted by hand in the texts
 * below), with nothing returned.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "claims.h"

static struct kstep_claims parse_ok(const char *text)
{
	struct kstep_claims cl;
	char err[256] = "";

	assert_int_equal(kstep_claims_parse(text, strlen(text), &cl, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	return cl;
}

static void parse_bad(const char *text, const char *want)
{
	struct kstep_claims cl;
	char err[256] = "";

	assert_int_equal(kstep_claims_parse(text, strlen(text), &cl, err, sizeof(err)), -1);
	assert_int_equal(cl.n, 0);
	assert_null(cl.v);
	if (strncmp(err, want, strlen(want)))
		fail_msg("error '%s' does not begin with '%s'", err, want);
	kstep_claims_free(&cl);
}

static void every_kind(void **state)
{
	struct kstep_claims cl = parse_ok("# socket() on 6.1\n"
					  "\n"
					  "order sock_alloc < sk_alloc\n"
					  "calls inet_create -> sk_alloc   # direct\n"
					  "caller sk_alloc = inet_create\n"
					  "never tcp_v6_init_sock\n"
					  "count sk_alloc = 1\n"
					  "returns socket = -EAFNOSUPPORT\n"
					  "arg sk_alloc.family = AF_INET6\n"
					  "link inet_create.sock = sock_alloc.return\n"
					  "inlined sock_map_fd in __sys_socket\n"
					  "tail sk_alloc from inet_create\r\n"
					  "returns __sys_socket = 0x3\n");
	(void)state;
	assert_int_equal(cl.n, 11);
	assert_int_equal(cl.v[0].kind, KSTEP_CLAIM_ORDER);
	assert_int_equal(cl.v[0].line, 3);
	assert_string_equal(cl.v[0].a.name, "sock_alloc");
	assert_string_equal(cl.v[0].b.name, "sk_alloc");
	assert_string_equal(cl.v[0].text, "order sock_alloc < sk_alloc");
	assert_int_equal(cl.v[1].kind, KSTEP_CLAIM_CALLS);
	assert_string_equal(cl.v[1].text, "calls inet_create -> sk_alloc");
	assert_string_equal(cl.v[1].a.name, "inet_create");
	assert_string_equal(cl.v[1].b.name, "sk_alloc");
	assert_int_equal(cl.v[2].kind, KSTEP_CLAIM_CALLER);
	assert_string_equal(cl.v[2].a.name, "sk_alloc");
	assert_string_equal(cl.v[2].b.name, "inet_create");
	assert_int_equal(cl.v[3].kind, KSTEP_CLAIM_NEVER);
	assert_int_equal(cl.v[4].kind, KSTEP_CLAIM_COUNT);
	assert_int_equal(cl.v[4].count, 1);
	assert_int_equal(cl.v[5].kind, KSTEP_CLAIM_RETURNS);
	assert_string_equal(cl.v[5].value, "-EAFNOSUPPORT");
	assert_int_equal(cl.v[6].kind, KSTEP_CLAIM_ARG);
	assert_string_equal(cl.v[6].a.name, "sk_alloc");
	assert_string_equal(cl.v[6].a.field, "family");
	assert_string_equal(cl.v[6].value, "AF_INET6");
	assert_int_equal(cl.v[7].kind, KSTEP_CLAIM_LINK);
	assert_string_equal(cl.v[7].a.field, "sock");
	assert_string_equal(cl.v[7].b.name, "sock_alloc");
	assert_string_equal(cl.v[7].b.field, "return");
	assert_int_equal(cl.v[8].kind, KSTEP_CLAIM_INLINED);
	assert_string_equal(cl.v[8].a.name, "sock_map_fd");
	assert_string_equal(cl.v[8].b.name, "__sys_socket");
	assert_int_equal(cl.v[9].kind, KSTEP_CLAIM_TAIL);
	assert_string_equal(cl.v[9].text, "tail sk_alloc from inet_create");
	assert_int_equal(cl.v[9].line, 12);
	assert_string_equal(cl.v[10].value, "0x3");
	kstep_claims_free(&cl);
}

static void nth_call_and_odd_names(void **state)
{
	struct kstep_claims cl = parse_ok("order kmem_cache_alloc#2 < sk_alloc()\n"
					  "arg extract_entropy.constprop.0.len = 32\n"
					  "arg kmem_cache_alloc#2.gfpflags = GFP_KERNEL|__GFP_ZERO\n"
					  "count kmem:kmalloc = 3\n"
					  "link sk_alloc#1.net = __sock_create#1.net\n");
	(void)state;
	assert_int_equal(cl.n, 5);
	assert_string_equal(cl.v[0].a.name, "kmem_cache_alloc");
	assert_int_equal(cl.v[0].a.k, 2);
	assert_string_equal(cl.v[0].b.name, "sk_alloc");
	assert_int_equal(cl.v[0].b.k, 0);
	/* the value's name is what follows the last dot */
	assert_string_equal(cl.v[1].a.name, "extract_entropy.constprop.0");
	assert_string_equal(cl.v[1].a.field, "len");
	assert_int_equal(cl.v[2].a.k, 2);
	assert_string_equal(cl.v[2].a.field, "gfpflags");
	assert_string_equal(cl.v[2].value, "GFP_KERNEL|__GFP_ZERO");
	assert_string_equal(cl.v[3].a.name, "kmem:kmalloc");
	assert_int_equal(cl.v[4].b.k, 1);
	assert_string_equal(cl.v[4].b.field, "net");
	kstep_claims_free(&cl);
}

static void empty_file(void **state)
{
	struct kstep_claims cl = parse_ok("# nothing\n\n   \n");

	(void)state;
	assert_int_equal(cl.n, 0);
	kstep_claims_free(&cl);
}

static void mistakes(void **state)
{
	(void)state;
	parse_bad("order a < b\ncalls a b\n", "line 2, column 9: expected '->' here");
	parse_bad("ordre a < b\n", "line 1, column 1: expected a claim");
	parse_bad("order a b\n", "line 1, column 9: expected '<' here");
	parse_bad("count f = many\n", "line 1, column 11: expected a count");
	parse_bad("count f = -1\n", "line 1, column 11: expected a count");
	parse_bad("returns f =\n", "line 1, column 12: expected a value");
	parse_bad("arg sk_alloc = 2\n", "line 1, column 5: expected FUNCTION.NAME here");
	parse_bad("order f#0 < g\n", "line 1, column 9: expected a call number");
	parse_bad("order f#x < g\n", "line 1, column 9: expected a call number");
	parse_bad("order f#2.x < g\n", "line 1, column 11: no value name here");
	parse_bad("never f g\n", "line 1, column 9: unexpected text after the claim");
	parse_bad("inlined f into g\n", "line 1, column 11: expected 'in' here");
	parse_bad("tail f in g\n", "line 1, column 8: expected 'from' here");
	parse_bad("never\n", "line 1, column 6: expected a function name here");
	parse_bad("never f#2\n", "line 1, column 7: this claim is about every call");
	parse_bad("count  f#1 = 1\n", "line 1, column 8: this claim is about every call");
	parse_bad("tail f from g#1\n", "line 1, column 13: this claim is about every call");
	parse_bad("\n\nnever f\x01\n", "line 3, column 8: a control character");
}

static void nul_byte(void **state)
{
	static const char text[] = "never f\0g\n";
	struct kstep_claims cl;
	char err[256];

	(void)state;
	assert_int_equal(kstep_claims_parse(text, sizeof(text) - 1, &cl, err, sizeof(err)), -1);
	assert_string_equal(err, "line 1, column 8: a control character or NUL byte");
	kstep_claims_free(&cl);
}

static void long_name(void **state)
{
	char text[600];

	(void)state;
	memset(text, 'a', sizeof(text));
	memcpy(text, "never ", 6);
	text[sizeof(text) - 1] = '\0';
	parse_bad(text, "line 1, column 7: name too long");
}

/*
 * Found by fuzz-claims: a call number at the very end of an input that does
 * not end in a NUL was read with strtol, past the input. The text is copied
 * into a buffer of its exact size, so the sanitized build sees any overread.
 */
static void call_number_at_end(void **state)
{
	static const char *const texts[] = { "count  t#", "count f#12", "never f#" };
	struct kstep_claims cl;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		size_t n = strlen(texts[i]);
		char *buf = malloc(n);

		assert_non_null(buf);
		memcpy(buf, texts[i], n);
		assert_int_equal(kstep_claims_parse(buf, n, &cl, err, sizeof(err)), -1);
		kstep_claims_free(&cl);
		free(buf);
	}
	parse_bad("never f#", "line 1, column 9: expected a call number");
	parse_bad("never f#0", "line 1, column 9: expected a call number");
	parse_bad("never f#99999999999", "line 1, column 9: expected a call number");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_kind),	  cmocka_unit_test(nth_call_and_odd_names),
		cmocka_unit_test(empty_file),	  cmocka_unit_test(mistakes),
		cmocka_unit_test(nul_byte),	  cmocka_unit_test(long_name),
		cmocka_unit_test(call_number_at_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
