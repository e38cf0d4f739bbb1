/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kopts.h - kstep's own trace.dat options (ids in datfile.h, encodings in
 * doc/trace-dat-options.md), read and written in one place: the recorder
 * writes them through here, the analysis reads them through here, so the
 * text formats are known once.
 */
#ifndef KSTEP_KOPTS_H
#define KSTEP_KOPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "datfile.h"

/* What the recorder said about the recording. */
struct kstep_kopts {
	char version[64];	/* kstep's version, "" when another tool recorded it */
	int traced_pid;		/* 0: not recorded */
	char traced_cmd[256];	/* its argv joined by spaces, "" when attached */
	bool have_exit;
	int exit_code;		/* -1 when killed by a signal */
	int exit_signal;
	char build_id[129];	/* the kernel's, lowercase hex; "" when not recorded */
	char plan[64];		/* the plan's name; "" without a plan */
	int plan_applied;	/* items applied and skipped on the recording kernel */
	int plan_skipped;
};

/* Reads them from dat; absent or malformed ones stay empty. */
void kstep_kopts_read(const struct kstep_dat *dat, struct kstep_kopts *k);

/* One probe of the applied plan, from its line "KIND TARGET ...  # [PATH+0xOFF ]event NAME". */
struct kstep_kopt_probe {
	char kind[16];		/* kprobe, kretprobe, fprobe, fexit, uprobe, uretprobe, ... */
	char target[128];	/* the function or symbol (BIN:SYM gives SYM) */
	char event[96];		/* the event it made */
	char path[512];		/* uprobes: the binary, "" otherwise */
	uint64_t off;		/* uprobes: file offset */
};

/*
 * Returns the probes of the applied plan in *out (caller frees; NULL when
 * none) and their number.
 */
size_t kstep_kopts_probes(const struct kstep_dat *dat, struct kstep_kopt_probe **out);
/* Writes the build-id the recorder noted for binary path into out ("" when none). */
void kstep_kopts_build_id_of(const struct kstep_dat *dat, const char *path, char *out, size_t len);

/*
 * Returns the layouts of the plan's object reads (option 0x4b0c: "object",
 * "field" and "enum" lines, doc/trace-dat-options.md), or NULL when the
 * recording has none. The caller frees it.
 */
char *kstep_kopts_objects(const struct kstep_dat *dat);
/*
 * Returns the merged slab caches of the recording kernel (option 0x4b0d:
 * "ID OWNER ALIAS ..." a line) or NULL; the caller frees it.
 */
char *kstep_kopts_slabs(const struct kstep_dat *dat);
/*
 * Writes the other names of the merge group that cache belongs to in slabs
 * (the option's text) into out as "A, B" and returns true; false when the
 * cache is merged with nothing (or slabs is NULL).
 */
bool kstep_kopts_slab_aliases(const char *slabs, const char *cache, char *out, size_t len);
/*
 * Returns where the recording machine's headers define the decoded
 * constants (option 0x4b0f: "roots", "def", "enum", "file" or "none" lines)
 * or NULL when not recorded; the caller frees it.
 */
char *kstep_kopts_defines(const struct kstep_dat *dat);
/* Returns the plan's lookups (option 0x4b0e: "lookup" and "field" lines) or NULL; the caller frees it. */
char *kstep_kopts_lookups(const struct kstep_dat *dat);
/* Returns the recording kernel's /proc/version (option 0x4b10) or NULL; the caller frees it. */
char *kstep_kopts_kversion(const struct kstep_dat *dat);
/* Returns the plan as applied (option 0x4b06) or NULL; the caller frees it. */
char *kstep_kopts_plan_text(const struct kstep_dat *dat);

/* Writing (the recorder) */
struct kstep_datw;
/* The traced command: pid and argv (NULL when attached to a running task). */
void kstep_kopts_write_command(struct kstep_datw *w, int pid, char *const *argv);
/* How it ended: exit code (-1 when signalled) and signal. */
void kstep_kopts_write_exit(struct kstep_datw *w, int code, int sig);
/* A NUL-terminated text option (version, build-id, plans, caps, loss, maps, DWARF facts). */
void kstep_kopts_write_text(struct kstep_datw *w, enum kstep_dat_kopt id, const char *text);
/* The line of the maps option that notes a binary's build-id ("none" when it has none). */
void kstep_kopts_build_id_line(char *out, size_t len, const char *build_id, const char *path);

#endif
