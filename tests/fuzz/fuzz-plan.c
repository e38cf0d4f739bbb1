// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-plan.c - libFuzzer target: one input is one plan file (doc/plans.md),
 * loaded by path as `kstep record --plan FILE` does, resolved against a
 * made-up kernel (capabilities from the input's first byte, a few kallsyms
 * lines) and printed as applied. Resolution never touches ELF files or BTF
 * here: uprobes and BTF are "absent", so a fuzzed path opens nothing.
 */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "caps.h"
#include "log.h"
#include "plan.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int memfd = -1;
static char path[64];

static const char kallsyms[] =
	"ffffffff81000000 T _stext\n"
	"ffffffff81a01230 T __x64_sys_socket\n"
	"ffffffff81a01100 T __sys_socket\n"
	"ffffffff81a00f00 T __sock_create\n"
	"ffffffff81a00e00 t sock_alloc\n"
	"ffffffff81b00000 T inet_create\n"
	"ffffffff81300000 T fd_install\n"
	"ffffffff81300100 T get_unused_fd_flags\n"
	"ffffffff81c00000 D some_data\n"
	"ffffffffc0000000 t mod_func\t[mod]\n";

/* The plan file is a memfd read by path, as `kstep record --plan FILE` reads a file. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	memfd = memfd_create("fuzz-plan", MFD_CLOEXEC);
	if (memfd < 0) {
		perror("fuzz-plan: memfd_create");
		abort();
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	return 0;
}

/* Capabilities that resolution reads from the input's first byte; never uprobes or BTF. */
static void fake_caps(struct kstep_caps *caps, uint8_t mask)
{
	static const enum kstep_cap_id varied[] = {
		KSTEP_CAP_FUNCTION_GRAPH, KSTEP_CAP_FTRACE_FILTER, KSTEP_CAP_KPROBES, KSTEP_CAP_KRETPROBES,
		KSTEP_CAP_FPROBES, KSTEP_CAP_EPROBES, KSTEP_CAP_SYSCALL_EVENTS, KSTEP_CAP_TRIGGERS,
	};
	size_t i;

	memset(caps, 0, sizeof(*caps));
	for (i = 0; i < KSTEP_CAP_COUNT; i++) {
		caps->c[i].state = KSTEP_CAP_YES;
		snprintf(caps->c[i].why, sizeof(caps->c[i].why), "works");
	}
	for (i = 0; i < sizeof(varied) / sizeof(varied[0]); i++)
		if (!(mask & (1u << i))) {
			caps->c[varied[i]].state = KSTEP_CAP_REFUSED;
			snprintf(caps->c[varied[i]].why, sizeof(caps->c[varied[i]].why), "refused (EPERM)");
		}
	caps->c[KSTEP_CAP_UPROBES].state = KSTEP_CAP_ABSENT;
	caps->c[KSTEP_CAP_BTF].state = KSTEP_CAP_ABSENT;
	caps->c[KSTEP_CAP_BTF_ARGS].state = KSTEP_CAP_ABSENT;
	snprintf(caps->uname, sizeof(caps->uname), "6.1.0-fuzz");
}

/* Load, resolve, print as applied; every error path frees what it made (LeakSanitizer checks). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kstep_plan p;
	struct kstep_caps caps;
	struct kstep_plan_env env;
	char err[512];
	char *applied;

	if (ftruncate(memfd, 0) || (size && pwrite(memfd, data, size, 0) != (ssize_t)size)) {
		perror("fuzz-plan: cannot write the input to the memfd");
		abort();
	}
	fake_caps(&caps, size ? data[0] : 0xff);
	env = (struct kstep_plan_env){ .caps = &caps, .prog = NULL, .group = "kstep_fuzz",
				       .kallsyms = kallsyms, .kallsyms_len = sizeof(kallsyms) - 1 };
	kstep_plan_init(&p);
	if (!kstep_plan_load(&p, path, err, sizeof(err))) {
		kstep_plan_resolve(&p, &env);
		applied = kstep_plan_applied(&p);
		free(applied);
	}
	kstep_plan_free(&p);
	return 0;
}
