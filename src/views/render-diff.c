// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * render-diff.c - kstep diff's output: a header per side, one numbered line
 * per change in tree order, what could not be compared, a summary (text);
 * or the same as one JSON object (schema in doc/formats.md). The changes are
 * read back from the diff (kstep_diff_next), not held in memory.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "event.h"
#include "json.h"
#include "render.h"

static void side_text(FILE *out, const char *label, const struct kstep_dside *d)
{
	char tags[128];
	unsigned i;

	kstep_src_tags(d->sources, tags, sizeof(tags));
	fprintf(out, "%s: %s", label, d->files[0]);
	for (i = 1; i < d->runs && i < 3; i++)
		fprintf(out, ", %s", d->files[i]);
	if (d->runs > 3)
		fprintf(out, ", … (%u runs)", d->runs);
	fprintf(out, "\n   %s · build-id %s · recorded by %s\n", d->uname, *d->build_id ? d->build_id : "(none)",
		d->recorder);
	if (*d->plan)
		fprintf(out, "   plan %s: %d applied, %d skipped · ", d->plan, d->plan_applied, d->plan_skipped);
	else
		fprintf(out, "   no kstep plan · ");
	fprintf(out, "sources in every run: %s\n", d->sources ? tags : "(none)");
	if (*d->dwarf)
		fprintf(out, "   DWARF: %s\n", d->dwarf);
}

static void steps_of(const struct kstep_dchange *c, char *out, size_t len)
{
	if (c->a && c->b)
		snprintf(out, len, "A#%d B#%d", c->a->step, c->b->step);
	else if (c->a)
		snprintf(out, len, "A#%d", c->a->step);
	else
		snprintf(out, len, "B#%d", c->b->step);
}

void kstep_render_diff_text(FILE *out, struct kstep_diff *df, const char *action)
{
	const struct kstep_dchange *c;
	int n = 0;
	bool any_nc = false;

	fprintf(out, "kstep diff: %s · A %u run%s, B %u run%s\n", action, df->a.runs,
		df->a.runs == 1 ? "" : "s", df->b.runs, df->b.runs == 1 ? "" : "s");
	side_text(out, "A", &df->a);
	side_text(out, "B", &df->b);
	fprintf(out, "compared: calls aligned by name and order%s; durations when they differ by at "
		"least %" PRIu64 " ns%s\n\n", df->o.irqs ? "" : "; interrupts, softirqs, scheduling and time off the CPU "
		"left out, also of the durations of the calls they happened in", df->o.min_delta, (df->a.runs > 1 && df->b.runs > 1) ?
		" and the runs' ranges do not overlap" : "");
	/* the changes in tree order, then what could not be compared: two passes over them */
	kstep_diff_rewind(df);
	while ((c = kstep_diff_next(df))) {
		const struct kstep_dcnode *node = c->a ? c->a : c->b;
		char *path, st[48];

		if (c->kind == KSTEP_DC_NOT_COMPARED) {
			any_nc = true;
			continue;
		}
		path = kstep_dcnode_path(node);
		steps_of(c, st, sizeof(st));
		fprintf(out, "%3d  %-10s  %s  [%s]\n       %s\n", ++n, kstep_dchange_name(c->kind), path, st,
			c->detail);
		free(path);
	}
	if (!n)
		fprintf(out, "no differences\n");
	if (any_nc) {
		fprintf(out, "\nNOT COMPARED (one side could not have recorded it)\n");
		kstep_diff_rewind(df);
		while ((c = kstep_diff_next(df))) {
			char *path;

			if (c->kind != KSTEP_DC_NOT_COMPARED)
				continue;
			path = kstep_dcnode_path(c->a ? c->a : c->b);
			fprintf(out, "  • %s: %s\n", path, c->detail);
			free(path);
		}
	}
	fprintf(out, "\nSUMMARY: %u structural, %u value, %u timing change%s; %u not compared: %s\n",
		df->structural, df->values, df->timing, df->timing == 1 ? "" : "s", df->not_compared,
		df->structural + df->values + df->timing ? "DIFFERENT" : "EQUAL");
}

static void side_json(struct kstep_json *j, const char *key, const struct kstep_dside *d)
{
	unsigned i, bit;

	kstep_json_obj_open(j, key);
	kstep_json_arr_open(j, "files");
	for (i = 0; i < d->runs; i++)
		kstep_json_str(j, NULL, d->files[i]);
	kstep_json_arr_close(j);
	kstep_json_u64(j, "runs", d->runs);
	kstep_json_str(j, "uname", d->uname);
	kstep_json_str(j, "build_id", *d->build_id ? d->build_id : NULL);
	kstep_json_str(j, "recorder", d->recorder);
	kstep_json_str(j, "plan", *d->plan ? d->plan : NULL);
	kstep_json_str(j, "dwarf", *d->dwarf ? d->dwarf : NULL);
	kstep_json_arr_open(j, "sources");
	for (bit = 1; bit <= KSTEP_SRC_FUNCTION; bit <<= 1)
		if (d->sources & bit)
			kstep_json_str(j, NULL, kstep_src_tag(bit));
	kstep_json_arr_close(j);
	kstep_json_obj_close(j);
}

static void node_json(struct kstep_json *j, const char *key, const struct kstep_dcnode *n)
{
	unsigned k;

	if (!n) {
		kstep_json_null(j, key);
		return;
	}
	kstep_json_obj_open(j, key);
	kstep_json_str(j, "name", n->name);
	kstep_json_i64(j, "step", n->step);
	kstep_json_u64(j, "present", n->present);
	kstep_json_u64(j, "calls", n->calls);
	kstep_json_arr_open(j, "path");
	for (k = 0; k < n->npath; k++)
		kstep_json_str(j, NULL, n->path[k]);
	kstep_json_arr_close(j);
	if (n->durs) {
		kstep_json_u64(j, "median_ns", n->med);
		kstep_json_u64(j, "min_ns", n->lo);
		kstep_json_u64(j, "max_ns", n->hi);
	}
	kstep_json_obj_close(j);
}

/* One change's members, the same in the JSON document and in its JSON-lines record. */
static void change_members(struct kstep_json *j, const struct kstep_dchange *c)
{
	kstep_json_str(j, "kind", kstep_dchange_name(c->kind));
	node_json(j, "a", c->a);
	node_json(j, "b", c->b);
	if (c->what)
		kstep_json_str(j, "value", c->what);
	if (c->kind == KSTEP_DC_TIME)
		kstep_json_i64(j, "delta_ns", c->delta_ns);
	kstep_json_str(j, "detail", c->detail);
}

/* The tally object, the same in both JSON forms. */
static void summary_json(struct kstep_json *j, const struct kstep_diff *df)
{
	kstep_json_obj_open(j, "summary");
	kstep_json_u64(j, "structural", df->structural);
	kstep_json_u64(j, "values", df->values);
	kstep_json_u64(j, "timing", df->timing);
	kstep_json_u64(j, "not_compared", df->not_compared);
	kstep_json_bool(j, "different", df->structural + df->values + df->timing > 0);
	kstep_json_obj_close(j);
}

void kstep_render_diff_json(FILE *out, struct kstep_diff *df, const char *action)
{
	const struct kstep_dchange *c;
	struct kstep_json j;

	kstep_json_init(&j, out, true);
	kstep_json_obj_open(&j, NULL);
	kstep_json_str(&j, "kstep", PACKAGE_VERSION);
	kstep_json_u64(&j, "schema", 1);
	kstep_json_str(&j, "action", action);
	side_json(&j, "a", &df->a);
	side_json(&j, "b", &df->b);
	kstep_json_obj_open(&j, "options");
	kstep_json_bool(&j, "irqs", df->o.irqs);
	kstep_json_u64(&j, "min_delta_ns", df->o.min_delta);
	kstep_json_obj_close(&j);
	kstep_json_arr_open(&j, "changes");
	kstep_diff_rewind(df);
	while ((c = kstep_diff_next(df))) {
		kstep_json_obj_open(&j, NULL);
		change_members(&j, c);
		kstep_json_obj_close(&j);
	}
	kstep_json_arr_close(&j);
	summary_json(&j, df);
	kstep_json_obj_close(&j);
	kstep_json_end(&j);
}

/* The identity every JSON-lines record of a diff carries: the action and both sides. */
static void diff_identity(struct kstep_json *j, const struct kstep_diff *df, const char *action, const char *record)
{
	kstep_json_str(j, "record", record);
	kstep_json_str(j, "action", action);
	kstep_json_obj_open(j, "sides");
	side_json(j, "a", &df->a);
	side_json(j, "b", &df->b);
	kstep_json_obj_close(j);
}

void kstep_render_diff_jsonl(FILE *out, struct kstep_diff *df, const char *action)
{
	const struct kstep_dchange *c;
	struct kstep_json j;

	kstep_json_init(&j, out, false);
	kstep_diff_rewind(df);
	while ((c = kstep_diff_next(df))) {
		kstep_json_obj_open(&j, NULL);
		diff_identity(&j, df, action, "change");
		change_members(&j, c);
		kstep_json_obj_close(&j);
		kstep_json_line(&j);
	}
	kstep_json_obj_open(&j, NULL);
	diff_identity(&j, df, action, "summary");
	summary_json(&j, df);
	kstep_json_obj_close(&j);
	kstep_json_end(&j);
}
