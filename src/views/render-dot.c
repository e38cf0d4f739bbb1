// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * render-dot.c - the DOT writer (dot.h) and kstep tree --format dot.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dot.h"
#include "render.h"
#include "util.h"

void kstep_dot_escape(FILE *out, const char *s)
{
	char tmp[8];

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			fputc('\\', out);
			fputc(c, out);
		} else if (c == '\n') {
			fputs("\\l", out);
		} else if (c < 0x20 || c == 0x7f) {
			/* control bytes shown, never passed to the layout engine */
			snprintf(tmp, sizeof(tmp), "\\\\x%02x", c);
			fputs(tmp, out);
		} else {
			fputc(c, out);
		}
	}
}

void kstep_dot_begin(FILE *out, const char *name)
{
	fputs("digraph kstep {\n", out);
	fputs("  graph [rankdir=LR, fontname=\"monospace\", labelloc=t, label=\"", out);
	kstep_dot_escape(out, name);
	fputs("\"];\n", out);
	fputs("  node [shape=box, fontname=\"monospace\", fontsize=10];\n", out);
	fputs("  edge [arrowsize=0.6];\n", out);
}

void kstep_dot_node(FILE *out, uint64_t id, const char *label, enum kstep_dot_style style)
{
	static const char *const styles[] = {
		[KSTEP_DOT_PLAIN] = "",
		[KSTEP_DOT_IRQ] = ", style=filled, fillcolor=\"#d9d9d9\"",
		[KSTEP_DOT_OFFCPU] = ", style=\"filled,dashed\", fillcolor=\"#f0f0f0\"",
		[KSTEP_DOT_EVENT] = ", shape=ellipse",
		[KSTEP_DOT_MISSING] = ", style=dotted",
	};

	fprintf(out, "  n%" PRIu64 " [label=\"", id);
	kstep_dot_escape(out, label);
	fprintf(out, "\\l\"%s];\n", (unsigned)style < KSTEP_ARRAY_SIZE(styles) ? styles[style] : "");
}

void kstep_dot_edge(FILE *out, uint64_t from, uint64_t to, const char *label, int dashed)
{
	fprintf(out, "  n%" PRIu64 " -> n%" PRIu64, from, to);
	if (label || dashed) {
		fputs(" [", out);
		if (label) {
			fputs("label=\"", out);
			kstep_dot_escape(out, label);
			fputs("\"", out);
		}
		if (dashed)
			fprintf(out, "%sstyle=dashed", label ? ", " : "");
		fputs("]", out);
	}
	fputs(";\n", out);
}

void kstep_dot_end(FILE *out)
{
	fputs("}\n", out);
}

static enum kstep_dot_style style_of(const struct kstep_node *n)
{
	if (n->kind == KSTEP_NODE_OFFCPU)
		return KSTEP_DOT_OFFCPU;
	if (n->kind == KSTEP_NODE_IRQ || n->ctx != 0)
		return KSTEP_DOT_IRQ;
	if (n->kind == KSTEP_NODE_EVENT)
		return KSTEP_DOT_EVENT;
	if (n->flags & (KSTEP_NF_NO_ENTRY | KSTEP_NF_NO_EXIT))
		return KSTEP_DOT_MISSING;
	return KSTEP_DOT_PLAIN;
}

void kstep_dot_tree_begin(FILE *out, const struct kstep_render_ctx *r, struct kstep_dot_tree *t)
{
	char title[512];

	memset(t, 0, sizeof(*t));
	snprintf(title, sizeof(title), "%s: %s (pid %d)%s%s", r->h->path, r->h->comm ? r->h->comm : "?", r->h->pid,
		 r->h->action ? ", " : "", r->h->action ? r->h->action : "");
	kstep_dot_begin(out, title);
	kstep_dot_node(out, 0, r->h->comm ? r->h->comm : "task", KSTEP_DOT_PLAIN);
}

/* Pre-order without recursion, like the text tree; ids are the order of the nodes, 0 the task. */
void kstep_dot_subtree(FILE *out, struct kstep_dot_tree *t, const struct kstep_node *top, int maxdepth)
{
	const struct kstep_node *n = top;
	size_t depth = 0;

	/* the parents' ids, as deep as the tree: the chain holds that much already */
	if (!t->cap) {
		t->cap = 64;
		t->stack = kstep_xcalloc(t->cap, sizeof(*t->stack));
	}
	t->stack[0] = 0;
	while (n) {
		char name[256], dur[32], label[400];
		uint64_t id = ++t->next;
		uint64_t d = kstep_node_dur(n);

		kstep_render_name(n, name, sizeof(name));
		if (d)
			kstep_fmt_dur(dur, sizeof(dur), d);
		snprintf(label, sizeof(label), "%s\n%s%s", name, d ? dur : "-",
			 n->kind == KSTEP_NODE_OFFCPU ? " off-CPU" : "");
		kstep_dot_node(out, id, label, style_of(n));
		kstep_dot_edge(out, t->stack[depth], id, NULL, 0);
		if (n->child && !(maxdepth > 0 && depth >= (size_t)maxdepth)) {
			if (++depth == t->cap) {
				t->cap *= 2;
				t->stack = kstep_xrealloc(t->stack, t->cap * sizeof(*t->stack));
			}
			t->stack[depth] = id;
			n = n->child;
			continue;
		}
		while (n != top && !n->next) {
			n = n->parent;
			depth--;
		}
		n = n == top ? NULL : n->next;
	}
}

void kstep_dot_tree_end(FILE *out, struct kstep_dot_tree *t)
{
	kstep_dot_end(out);
	free(t->stack);
	memset(t, 0, sizeof(*t));
}
