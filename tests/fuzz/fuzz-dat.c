// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-dat.c - libFuzzer target: one input is one trace.dat, analyzed the
 * way the kstep binary does it (kstep info, steps and tree through their
 * subcommand entry points, src/cmds.h), so the reader, the loader, the chain,
 * the steps and every renderer see it. Build: configure CC=clang
 * --enable-fuzzing; run: make fuzz (tests/fuzz/README).
 *
 * The input goes to a memfd opened by path (/proc/self/fd/N), as a file on
 * disk would. Which command and output format run depends on the input's
 * size only (size % 7), so a crash input reproduces alone and the fuzzer
 * reaches every command by growing or shrinking a text.
 */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cmds.h"
#include "log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int memfd = -1;
static char path[64];

/* Output goes nowhere: the point is what the analysis does, not what it prints. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

	if (null < 0 || dup2(null, STDOUT_FILENO) < 0) {
		perror("fuzz-dat: /dev/null");
		abort();
	}
	close(null);
	/* no network lookups of debug files by the build-ids the input claims */
	unsetenv("DEBUGINFOD_URLS");
	memfd = memfd_create("fuzz-dat", MFD_CLOEXEC);
	if (memfd < 0) {
		perror("fuzz-dat: memfd_create");
		abort();
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	kstep_log_set_level(KSTEP_LOG_WARN);
	return 0;
}

static int put_input(const uint8_t *data, size_t size)
{
	size_t done = 0;

	if (ftruncate(memfd, 0))
		return -1;
	while (done < size) {
		ssize_t w = pwrite(memfd, data + done, size - done, (off_t)done);

		if (w <= 0)
			return -1;
		done += (size_t)w;
	}
	return 0;
}

/* Runs one subcommand with a NULL-terminated argument list (getopt may reorder it). */
static void run_cmd(const struct kstep_cmd *cmd, const char *const *args)
{
	char *argv[16];
	int argc = 0;

	while (args[argc] && argc < 15) {
		argv[argc] = (char *)args[argc];
		argc++;
	}
	argv[argc] = NULL;
	cmd->run(argc, argv);
	fflush(stdout);
	fflush(stderr);
}

/* Runs one subcommand on the input; its exit status does not matter, only what it does. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* one command per input (three would triple the time of each run), chosen by the size */
	const char *const cmds[][6] = {
		{ "steps", "--format", "text", path, NULL },
		{ "steps", "--format", "json", "--all", path, NULL },
		{ "tree", "--ascii", path, NULL },
		{ "steps", "--format", "records", "--strict", path, NULL },
		{ "info", "--json", path, NULL },
		{ "tree", "--depth", "3", path, NULL },
		{ "info", "--strict", path, NULL },
	};
	static const struct kstep_cmd *const run[] = {
		&kstep_cmd_steps, &kstep_cmd_steps, &kstep_cmd_tree, &kstep_cmd_steps, &kstep_cmd_info,
		&kstep_cmd_tree, &kstep_cmd_info,
	};
	size_t k = size % (sizeof(run) / sizeof(run[0]));

	if (put_input(data, size)) {
		perror("fuzz-dat: cannot write the input to the memfd");
		abort();
	}
	/*
	 * text and tree may guess the task after KSTEP_GUESS_AFTER records, and
	 * start again when the guess was wrong: inputs this small reach that only
	 * when the guess comes after the first record (every other input of a size)
	 */
	setenv("KSTEP_TEST_GUESS_AFTER", (size / 7) % 2 ? "1" : "65536", 1);
	run_cmd(run[k], cmds[k]);
	return 0;
}
