/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dot.h - a small Graphviz DOT writer shared by the graph views (kstep tree
 * --format dot, object graphs), so that every kstep graph looks alike:
 * left-to-right boxes, one label per node (name, then detail lines),
 * interrupt and off-CPU work shaded, derived edges dashed.
 */
#ifndef KSTEP_DOT_H
#define KSTEP_DOT_H

#include <stdint.h>
#include <stdio.h>

/* How a node is drawn: the conventions every kstep graph shares. */
enum kstep_dot_style {
	KSTEP_DOT_PLAIN = 0,	/* a call, an object */
	KSTEP_DOT_IRQ,		/* interrupt, softirq, NMI work: shaded */
	KSTEP_DOT_OFFCPU,	/* time switched out: shaded, dashed */
	KSTEP_DOT_EVENT,	/* an observation without a span: an ellipse */
	KSTEP_DOT_MISSING,	/* something the trace lacks (no entry or exit): dotted */
};

/* Writes the graph's head: name is the graph's label (escaped here). */
void kstep_dot_begin(FILE *out, const char *name);
/*
 * Writes node id with a label of lines ("\n"-separated; the first is the
 * title), escaped here, drawn in style.
 */
void kstep_dot_node(FILE *out, uint64_t id, const char *label, enum kstep_dot_style style);
/* Writes an edge; label may be NULL; dashed for a derived relation (a value taken from a step). */
void kstep_dot_edge(FILE *out, uint64_t from, uint64_t to, const char *label, int dashed);
void kstep_dot_end(FILE *out);
/* Writes s as the inside of a DOT string: quotes and backslashes escaped, newlines as \l (left-aligned lines). */
void kstep_dot_escape(FILE *out, const char *s);

#endif
