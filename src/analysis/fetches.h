/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fetches.h - what each probe field of a kstep recording fetched: the
 * applied plan the file stores (kstep_kopts_plan_text) names every probe
 * argument with its fetch expression (`sock=%si:x64`, `# file_private_data
 * =+32(%si):x64`). A field read through memory whose base the same probe
 * also fetched can then be judged: a base in the NULL page read nothing.
 */
#ifndef KSTEP_FETCHES_H
#define KSTEP_FETCHES_H

#include <stdbool.h>
#include <stddef.h>

#include "load.h"

struct kstep_fetches;

/*
 * Parses an applied plan's text (one probe, field or object line each, as
 * kstep record stores it). Returns the table, or NULL when the text names
 * no fetch. Free with kstep_fetches_free.
 */
struct kstep_fetches *kstep_fetches_parse(const char *text);
/* The same from a file's applied plan; NULL when the file has none. */
struct kstep_fetches *kstep_fetches_new(const struct kstep_dat *dat);
void kstep_fetches_free(struct kstep_fetches *f);
/*
 * Returns the fetch expression (type suffix removed) of field name of the
 * probe event (its name without the group: "fd_install", "sk_alloc_ret"),
 * or NULL when the plan does not name it.
 */
const char *kstep_fetches_get(const struct kstep_fetches *f, const char *event, const char *name);
/*
 * Writes to out the expression whose value expr dereferences: "+32(%si)"
 * for "+24(+32(%si))", "%si" for "+32(%si)", "sock" for "sock->sk".
 * Returns false when expr reads no memory (a register, $retval, a constant).
 */
bool kstep_fetch_base(const char *expr, char *out, size_t len);

#endif
