/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * render-objects.h - kstep objects: the objects a trace saw, drawn as text
 * boxes with their real field values and history, or as a Graphviz graph.
 */
#ifndef KSTEP_RENDER_OBJECTS_H
#define KSTEP_RENDER_OBJECTS_H

#include <stdbool.h>
#include <stdio.h>

#include "objects.h"

/*
 * Writes every object seen in observations [0, upto) as a box (its fields'
 * latest values, links to other objects) followed by its history: at which
 * step each field was read and what changed. ascii: no box-drawing
 * characters. when says which moment is shown ("end of the recording").
 */
void kstep_render_objects_text(FILE *out, const struct kstep_objects *o, size_t upto, bool ascii,
			       const char *when);
/* The same objects as a Graphviz digraph: one record node each, an edge per link. */
void kstep_render_objects_dot(FILE *out, const struct kstep_objects *o, size_t upto, const char *when);

/*
 * The same as JSON: "objects" (address, type, each field's latest value and
 * the object it links to) and "observations" (step, function, entry or
 * return, address, every field read: raw value, text, offset in bits).
 */
void kstep_render_objects_json(FILE *out, const struct kstep_objects *o, size_t upto, const char *when);

/*
 * One box: title, then a NAME  VALUE row per field (names padded to the
 * longest), indented by indent columns; ascii: +-| instead of box drawing.
 */
void kstep_render_box(FILE *out, bool ascii, size_t indent, const char *title, size_t n,
		      const char *const *names, const char *const *vals);

#endif
