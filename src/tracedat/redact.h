/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * redact.h - a trace.dat rewritten so that it can be shared: kernel text
 * addresses moved by a new KASLR offset (kallsyms and printk formats moved
 * with them), kernel heap pointers renamed by a keyed permutation of their
 * page numbers, and on request comms and string arguments replaced. The
 * key is random and never stored. doc/redact.md gives the design.
 */
#ifndef KSTEP_REDACT_H
#define KSTEP_REDACT_H

#include <stdbool.h>
#include <stdint.h>

/*
 * kstep's option saying what was redacted: a string of space-separated
 * words ("addresses", "comms", "strings"). Next to the ids in datfile.h.
 */
#define KSTEP_KOPT_REDACTED 0x4b0b

struct kstep_redact_opts {
	bool comms;		/* --comms: task names */
	bool strings;		/* --strings: string arguments and the command's arguments */
};

/*
 * Writes the redacted copy of in to out (same version and compression).
 * Returns 0, or -1 after printing one message.
 */
int kstep_redact_file(const char *in, const char *out, const struct kstep_redact_opts *o);

/*
 * The address mapping of one redaction: a bijection on 64-bit values, from
 * four random words (the Feistel key, then the randomness of the image's and
 * the modules' new offsets). Returns NULL with err when the kallsyms text
 * (NULL: none) shows a layout redact does not know; free with free().
 */
struct kstep_redact_map;
struct kstep_redact_map *kstep_redact_map_new(const char *kallsyms, size_t len, const uint64_t key[4],
					      char *err, size_t errlen);
/* Returns v's redacted value. */
uint64_t kstep_redact_map_value(const struct kstep_redact_map *m, uint64_t v);

#endif
