/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-headers.c - the header scanner on a made include tree: #define
 * chains, enumerators with and without values, "#define X X" over an
 * enumerator, includes by <> and "", an include loop, comments and line
 * continuations, function-like macros left out, and a missing header.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "headers.h"
#include "sha256.h"

static char root[64], arch[96];

static void put(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	char sub[128];

	(void)state;
	snprintf(root, sizeof(root), "/tmp/kstep-headers-XXXXXX");
	assert_non_null(mkdtemp(root));
	snprintf(arch, sizeof(arch), "%s/arch", root);
	assert_int_equal(mkdir(arch, 0700), 0);
	snprintf(sub, sizeof(sub), "%s/bits", arch);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(sub, sizeof(sub), "%s/sys", root);
	assert_int_equal(mkdir(sub, 0700), 0);
	put(root, "sys/socket.h",
	    "#ifndef _SYS_SOCKET_H\n"				/* 1 */
	    "#define _SYS_SOCKET_H 1\n"				/* 2 */
	    "#include <bits/socket.h>\n"			/* 3 */
	    "#include \"local.h\"\n"				/* 4 */
	    "/* #define AF_FAKE 99 */\n"				/* 5 */
	    "#define MAX(a, b) ((a) > (b) ? (a) : (b))\n"	/* 6 */
	    "#endif\n");					/* 7 */
	put(root, "sys/local.h",
	    "#include <sys/socket.h>\n"				/* 1: a loop */
	    "#define LOCAL_ONE \\\n"				/* 2 */
	    "	1\n");						/* 3 */
	put(arch, "bits/socket.h",
	    "#include <bits/socket_type.h>\n"			/* 1 */
	    "#define PF_INET		2	/* IP protocol family.  */\n"	/* 2 */
	    "#define AF_INET		PF_INET\n"		/* 3 */
	    "#define AF_LOOP_A AF_LOOP_B\n"			/* 4 */
	    "#define AF_LOOP_B AF_LOOP_A\n");			/* 5 */
	put(arch, "bits/socket_type.h",
	    "enum __socket_type\n"				/* 1 */
	    "{\n"						/* 2 */
	    "  SOCK_STREAM = 1,		/* Sequenced, reliable, connection-based\n"	/* 3 */
	    "				   byte streams.  */\n"	/* 4 */
	    "#define SOCK_STREAM SOCK_STREAM\n"			/* 5 */
	    "  SOCK_DGRAM = 2,\n"				/* 6 */
	    "#define SOCK_DGRAM SOCK_DGRAM\n"			/* 7 */
	    "  SOCK_NEXT,\n"					/* 8 */
	    "  SOCK_SHIFT = (1 << 3),\n"			/* 9 */
	    "  SOCK_AFTER\n"					/* 10 */
	    "};\n"						/* 11 */
	    "enum { TCP_ESTABLISHED = 1, TCP_SYN_SENT, TCP_CLOSE = 0x7 };\n"	/* 12 */
	    "int f(enum __socket_type t, int x);\n");		/* 13 */
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

static struct kstep_defines *scan(void)
{
	const char *roots[] = { arch, root };
	const char *headers[] = { "sys/socket.h" };
	char err[256];
	struct kstep_defines *d = kstep_defines_scan(roots, 2, headers, 1, 64, err, sizeof(err));

	assert_non_null(d);
	return d;
}

static void ends_with(const char *s, const char *tail)
{
	size_t a = strlen(s), b = strlen(tail);

	assert_true(a >= b);
	assert_string_equal(s + a - b, tail);
}

static void test_chain(void **state)
{
	struct kstep_defines *d = scan();
	const struct kstep_define *c[8];
	size_t n;

	(void)state;
	assert_int_equal(kstep_defines_files(d), 4);	/* each file once despite the loop */
	n = kstep_defines_chain(d, "AF_INET", c, 8);
	assert_int_equal(n, 2);
	assert_string_equal(c[0]->value, "PF_INET");
	assert_int_equal(c[0]->line, 3);
	ends_with(c[0]->path, "/arch/bits/socket.h");
	assert_string_equal(c[1]->name, "PF_INET");
	assert_string_equal(c[1]->value, "2");
	assert_int_equal(c[1]->line, 2);
	assert_false(c[1]->enumerator);
	kstep_defines_free(d);
}

static void test_enum(void **state)
{
	struct kstep_defines *d = scan();
	const struct kstep_define *c[8];
	static const struct {
		const char *name, *value;
		unsigned line;
	} want[] = {
		{ "SOCK_STREAM", "1", 3 }, { "SOCK_DGRAM", "2", 6 }, { "SOCK_NEXT", "3", 8 },
		{ "SOCK_SHIFT", "(1 << 3)", 9 }, { "SOCK_AFTER", "(previous) + 1", 10 },
		{ "TCP_ESTABLISHED", "1", 12 }, { "TCP_SYN_SENT", "2", 12 }, { "TCP_CLOSE", "0x7", 12 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		/* "#define SOCK_STREAM SOCK_STREAM" gives way to the enumerator */
		assert_int_equal(kstep_defines_chain(d, want[i].name, c, 8), 1);
		assert_true(c[0]->enumerator);
		assert_string_equal(c[0]->value, want[i].value);
		assert_int_equal(c[0]->line, want[i].line);
		ends_with(c[0]->path, "/arch/bits/socket_type.h");
	}
	kstep_defines_free(d);
}

static void test_left_out(void **state)
{
	struct kstep_defines *d = scan();
	const struct kstep_define *c[8];

	(void)state;
	assert_int_equal(kstep_defines_chain(d, "AF_FAKE", c, 8), 0);	/* in a comment */
	assert_int_equal(kstep_defines_chain(d, "MAX", c, 8), 0);	/* function-like */
	assert_int_equal(kstep_defines_chain(d, "t", c, 8), 0);	/* a parameter, not an enumerator */
	/* a continued line: its first line, the value joined */
	assert_int_equal(kstep_defines_chain(d, "LOCAL_ONE", c, 8), 1);
	assert_string_equal(c[0]->value, "1");
	assert_int_equal(c[0]->line, 2);
	ends_with(c[0]->path, "/sys/local.h");
	/* a loop of names ends at its first repeat */
	assert_int_equal(kstep_defines_chain(d, "AF_LOOP_A", c, 8), 2);
	kstep_defines_free(d);
}

static void test_missing(void **state)
{
	const char *roots[] = { arch };
	const char *headers[] = { "no/such.h" };
	char err[256] = "";

	(void)state;
	assert_null(kstep_defines_scan(roots, 1, headers, 1, 64, err, sizeof(err)));
	assert_non_null(strstr(err, "no/such.h"));
}

static void test_real(void **state)
{
	/* this machine's own headers, when it has them: AF_INET -> PF_INET -> 2 */
	const char *roots[] = { "/usr/include/x86_64-linux-gnu", "/usr/include" };
	const char *headers[] = { "sys/socket.h" };
	const struct kstep_define *c[8];
	char err[256];
	struct kstep_defines *d;

	(void)state;
	if (access("/usr/include/x86_64-linux-gnu/bits/socket.h", R_OK))
		skip();
	d = kstep_defines_scan(roots, 2, headers, 1, 256, err, sizeof(err));
	assert_non_null(d);
	assert_int_equal(kstep_defines_chain(d, "AF_INET", c, 8), 2);
	assert_string_equal(c[1]->value, "2");
	assert_int_equal(kstep_defines_chain(d, "SOCK_STREAM", c, 8), 1);
	assert_string_equal(c[0]->value, "1");
	kstep_defines_free(d);
}

/* FIPS 180-4's examples (and the NIST long message), against a streamed digest. */
static void test_sha256(void **state)
{
	static const struct {
		const char *msg;
		size_t repeat;
		const char *hex;
	} v[] = {
		{ "", 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
		{ "a", 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0" },
	};
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct kstep_sha256 c;
		char hex[65];

		kstep_sha256_init(&c);
		for (k = 0; k < v[i].repeat; k++)
			kstep_sha256_add(&c, v[i].msg, strlen(v[i].msg));
		kstep_sha256_hex(&c, hex);
		assert_string_equal(hex, v[i].hex);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_enum),
		cmocka_unit_test(test_left_out),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_real),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
