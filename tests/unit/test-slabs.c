/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-slabs.c - the merged slab caches: the recorder's reading of a
 * /sys/kernel/slab-like directory (symlinks to a group's directory, real
 * directories for caches of their own) with a slabinfo naming the owner,
 * and the analysis's lookup of the other names of a cache's group.
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

#include "kopts.h"
#include "slabs.h"

static char dir[64];

static void at(const char *name, const char *target)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (target)
		assert_int_equal(symlink(target, path), 0);
	else
		assert_int_equal(mkdir(path, 0700), 0);
}

static void merge_groups(void **state)
{
	char info[128], cmd[320], *text;
	FILE *f;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/kstep-slabs-XXXXXX");
	assert_non_null(mkdtemp(dir));
	at(":A-0001152", NULL);
	at(":0000192", NULL);
	at(":A-0001024", NULL);
	at("UNIX", ":A-0001152");
	at("signal_cache", ":A-0001152");
	at("UNIX-STREAM", "../slab/:A-0001152");
	at("file_lock_cache", ":0000192");
	at("aio_kiocb", ":0000192");
	at("PING", ":A-0001024");	/* mergeable, merged with nothing yet */
	at("sock_inode_cache", NULL);	/* has a ctor: a cache of its own */
	at("bad name", ":0000192");	/* not one word: not kept */
	snprintf(info, sizeof(info), "%s.slabinfo", dir);
	f = fopen(info, "w");
	assert_non_null(f);
	fputs("slabinfo - version: 2.1\n# name <active_objs> ...\n"
	      "sock_inode_cache 10 10 832 39 8\nsignal_cache 5 5 1152 28 8\n"
	      "file_lock_cache 1 1 192 21 1\nPING 0 0 1024 32 8\n", f);
	fclose(f);

	text = kstep_slabs_merged(dir, info);
	assert_non_null(text);
	assert_string_equal(text, ":0000192 file_lock_cache aio_kiocb\n"
				  ":A-0001152 signal_cache UNIX UNIX-STREAM\n");
	free(text);
	/* without slabinfo the owner is not known: names in order */
	text = kstep_slabs_merged(dir, "/nonexistent");
	assert_string_equal(text, ":0000192 aio_kiocb file_lock_cache\n"
				  ":A-0001152 UNIX UNIX-STREAM signal_cache\n");
	free(text);
	assert_null(kstep_slabs_merged("/nonexistent", info));
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", dir, info);
	assert_int_equal(system(cmd), 0);
}

static void aliases(void **state)
{
	const char *slabs = ":0000192 file_lock_cache aio_kiocb\n:A-0001152 signal_cache UNIX UNIX-STREAM";
	char out[64];

	(void)state;
	assert_true(kstep_kopts_slab_aliases(slabs, "signal_cache", out, sizeof(out)));
	assert_string_equal(out, "UNIX, UNIX-STREAM");
	assert_true(kstep_kopts_slab_aliases(slabs, "UNIX-STREAM", out, sizeof(out)));
	assert_string_equal(out, "signal_cache, UNIX");
	assert_true(kstep_kopts_slab_aliases(slabs, "aio_kiocb", out, sizeof(out)));
	assert_string_equal(out, "file_lock_cache");
	/* a group's id, a prefix of a name, an unknown cache: nothing */
	assert_false(kstep_kopts_slab_aliases(slabs, ":0000192", out, sizeof(out)));
	assert_false(kstep_kopts_slab_aliases(slabs, "UNIX-", out, sizeof(out)));
	assert_false(kstep_kopts_slab_aliases(slabs, "UNI", out, sizeof(out)));
	assert_false(kstep_kopts_slab_aliases(slabs, "TCP", out, sizeof(out)));
	assert_false(kstep_kopts_slab_aliases(NULL, "TCP", out, sizeof(out)));
	/* a short buffer is cut, never overrun */
	assert_true(kstep_kopts_slab_aliases(slabs, "signal_cache", out, 8));
	assert_string_equal(out, "UNIX, U");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(merge_groups),
		cmocka_unit_test(aliases),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
