/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * render.h - the step log and the tree as text, records or JSON.
 * The formats are documented in doc/formats.md.
 */
#ifndef KSTEP_RENDER_H
#define KSTEP_RENDER_H

#include <stdbool.h>
#include <stdio.h>

#include "steps.h"

struct kstep_render_ctx {
	const struct kstep_session *s;
	const struct kstep_selection *sel;
	const struct kstep_steps *st;
	bool ascii;		/* text: ASCII only */
};

void kstep_render_text(FILE *out, const struct kstep_render_ctx *r);
void kstep_render_records(FILE *out, const struct kstep_render_ctx *r);
void kstep_render_json(FILE *out, const struct kstep_render_ctx *r);

/* kstep tree: every node of the chain, indented, with durations and sources. */
void kstep_render_tree(FILE *out, const struct kstep_render_ctx *r, const struct kstep_chain *c,
		       int depth, bool json);

/* kstep diff: the changes between two sides (src/diff.h), as text or JSON. */
struct kstep_diff;
void kstep_render_diff_text(FILE *out, const struct kstep_diff *df, const char *action);
void kstep_render_diff_json(FILE *out, const struct kstep_diff *df, const char *action);

/* Shared helpers of the renderers */

/* A source path as people cite it: a kernel build directory prefix dropped
 * ("debian/build/build_amd64_none_amd64/net/socket.c:1606" -> "net/socket.c:1606"). */
const char *kstep_short_path(const char *path);

/* The step's display name: "socket", "[hardirq] __sysvec_...", "kmem:kmem_cache_alloc". */
void kstep_render_name(const struct kstep_node *n, char *out, size_t len);
/* One value as text: raw, meaning, and where it came from; ascii picks the arrows. */
void kstep_render_val(const struct kstep_val *v, bool with_deriv, char *out, size_t len);
/* The header lines every format starts with. */
void kstep_render_header_text(FILE *out, const struct kstep_render_ctx *r, const char *what);

#endif
