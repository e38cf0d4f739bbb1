/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sha256.h - SHA-256 (FIPS 180-4), so that a recording can say which file
 * it read in a way anyone checks with sha256sum.
 */
#ifndef KSTEP_SHA256_H
#define KSTEP_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct kstep_sha256 {
	uint32_t h[8];
	uint64_t len;		/* bytes so far */
	unsigned char buf[64];
	size_t nbuf;
};

void kstep_sha256_init(struct kstep_sha256 *c);
void kstep_sha256_add(struct kstep_sha256 *c, const void *data, size_t n);
/* Writes the digest as 64 lowercase hex digits and a NUL into hex. */
void kstep_sha256_hex(struct kstep_sha256 *c, char hex[65]);
/* Writes the digest of the file at path into hex; returns 0, or -1 when it cannot be read. */
int kstep_sha256_file(const char *path, char hex[65]);

#endif
