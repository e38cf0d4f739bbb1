/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kdoc.h - why a kernel function runs, in its own authors' words: the
 * kernel-doc summary above its definition ("__sock_create - creates a
 * socket"), read from the source tree of the very kernel that was recorded
 * (`--source DIR`, for example an unpacked Debian linux-source package). The
 * definition's file:line comes from DWARF; a tree of another version is
 * refused, and a function without a kernel-doc comment gets nothing: kstep
 * never writes an explanation of its own.
 */
#ifndef KSTEP_KDOC_H
#define KSTEP_KDOC_H

#include <stddef.h>

struct kstep_kdoc;

/*
 * Opens the source tree dir of a kernel whose upstream version is version
 * ("6.1.192"). Returns the reader (free with kstep_kdoc_close), or NULL with
 * the reason in err: no Makefile, another version, or the version unknown.
 */
struct kstep_kdoc *kstep_kdoc_open(const char *dir, const char *version, char *err, size_t errlen);
void kstep_kdoc_close(struct kstep_kdoc *k);

/*
 * The kernel-doc summary of function func defined at decl ("path/file.c:LINE",
 * a build directory prefix allowed). Returns the summary (owned by k, valid
 * until it is closed) with where the comment says it ("net/socket.c:1398") in
 * where, or NULL when the definition has no kernel-doc comment naming func.
 */
const char *kstep_kdoc_summary(struct kstep_kdoc *k, const char *func, const char *decl, char *where,
			       size_t wlen);

#endif
