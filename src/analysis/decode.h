/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * decode.h - names for raw values (address families, socket types,
 * protocols, errno, open flags, TCP states, syscall numbers) and the name
 * lists of plugins/, with function-name normalisation.
 */
#ifndef KSTEP_DECODE_H
#define KSTEP_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Writes name without compiler suffixes (.isra.0, .constprop.3, .part.1,
 * .cold, .llvm.123) into buf and returns buf. Output keeps the full name;
 * matching uses this.
 */
const char *kstep_func_norm(const char *name, char *buf, size_t len);
/* Returns true when two function names match once normalised. */
bool kstep_func_same(const char *a, const char *b);

/* Returns true when the normalised name matches a glob of plugins list NAME. */
bool kstep_list_match(const char *list, const char *name);
/* Returns the entries of list NAME (NULL-terminated), or NULL. */
const char *const *kstep_list_get(const char *list);

/* Returns the constant's name in table for value v, or NULL. */
const char *kstep_const_name(const char *table, long long v);
/* Returns true and the value of a constant name in table. */
bool kstep_const_value(const char *table, const char *name, long long *v);

/*
 * Returns the headers' name of the constant kstep shows as name (__NR_socket
 * for "socket" in table "syscall") with its value in *v, or NULL. tname NULL:
 * every table but the syscall numbers.
 */
const char *kstep_const_cname(const char *tname, const char *name, long long *v);
/* Returns the errno name for e (positive), or NULL. */
const char *kstep_errno_name(long long e);
/* Returns the syscall name for nr on x86-64, or NULL. */
const char *kstep_syscall_name(long long nr);
/* Returns the syscall number of name, or -1. */
long long kstep_syscall_nr(const char *name);

/* What a decoder may need from the other values of the same call. */
struct kstep_decode_ctx {
	bool have_family;
	long long family;
};

/*
 * Decodes the raw value v of field in where (a function, syscall or
 * "system:event") using plugins/fields.tbl. Returns true with the meaning in
 * out ("AF_INET", "SOCK_STREAM|SOCK_CLOEXEC"), false when no decoder applies.
 */
bool kstep_decode(const char *field, const char *where, uint64_t v,
		  const struct kstep_decode_ctx *ctx, char *out, size_t len);

#endif
