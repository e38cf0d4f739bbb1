// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * render-objects.c - kstep objects' views (see render-objects.h).
 */
#include "config.h"

#include "render-objects.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* One field of an object as last seen: which observation, which of its fields. */
struct slot {
	const char *name;
	size_t ob;
	size_t f;
};

/* One object: its address, its latest type, its fields' latest reads. */
struct obj {
	uint64_t addr;
	const char *type;
	struct slot *s;
	size_t ns;
};

static const struct kstep_obs *obs_at(const struct kstep_objects *o, size_t i)
{
	return kstep_vec_at(&o->obs, i);
}

static struct obj *find_obj(struct obj *v, size_t n, uint64_t addr)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].addr == addr)
			return &v[i];
	return NULL;
}

/* The objects of observations [0, upto), in the order first seen; caller frees with free_objs. */
static struct obj *collect(const struct kstep_objects *o, size_t upto, size_t *n)
{
	struct obj *v = NULL, *x;
	size_t i, k, cap = 0;

	*n = 0;
	for (i = 0; i < upto; i++) {
		const struct kstep_obs *ob = obs_at(o, i);

		x = find_obj(v, *n, ob->addr);
		if (!x) {
			if (*n == cap) {
				cap = cap ? cap * 2 : 16;
				v = kstep_xrealloc(v, cap * sizeof(*v));
			}
			x = &v[(*n)++];
			memset(x, 0, sizeof(*x));
			x->addr = ob->addr;
		}
		/* a struct name from BTF says more than an allocation's cache name */
		if (!ob->lay->typefield || !x->type)
			x->type = ob->type;
		for (k = 0; k < ob->lay->nf; k++) {
			struct slot *s = NULL;
			size_t j;

			for (j = 0; j < x->ns; j++)
				if (!strcmp(x->s[j].name, ob->lay->f[k].name))
					s = &x->s[j];
			if (!s) {
				x->s = kstep_xrealloc(x->s, (x->ns + 1) * sizeof(*x->s));
				s = &x->s[x->ns++];
				s->name = ob->lay->f[k].name;
			}
			s->ob = i;
			s->f = k;
		}
	}
	return v;
}

static void free_objs(struct obj *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].s);
	free(v);
}

static void where(const struct kstep_obs *ob, char *out, size_t len)
{
	if (ob->step)
		snprintf(out, len, "#%d %s%s", ob->step, ob->lay->func, ob->lay->fromevent ? "" :
			 ob->lay->ret ? " return" : " entry");
	else
		snprintf(out, len, "%s%s", ob->lay->func, ob->lay->fromevent ? "" : ob->lay->ret ? " return" :
			 " entry");
}

/* Writes the value, and the object it points at when there is one among objs. */
static void value(const struct kstep_objects *o, const struct kstep_obs *ob, size_t f, struct obj *objs,
		  size_t n, char *out, size_t len, bool ascii)
{
	struct obj *to;

	kstep_objects_value(o, ob, f, out, len);
	if (ob->lay->f[f].kind != KSTEP_OBJ_PTR || !(to = find_obj(objs, n, ob->val[f])))
		return;
	snprintf(out, len, "0x%llx %s %s", (unsigned long long)ob->val[f], ascii ? "->" : "→", to->type);
}

/* Columns s takes on a terminal: UTF-8 continuation bytes take none. */
static size_t cols(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static void row(FILE *out, bool ascii, size_t indent, const char *text, size_t w)
{
	size_t c = cols(text);

	fprintf(out, "%*s%s %s", (int)indent, "", ascii ? "|" : "│", text);
	for (; c < w; c++)
		fputc(' ', out);
	fprintf(out, " %s\n", ascii ? "|" : "│");
}

static void hline(FILE *out, bool ascii, size_t indent, const char *l, const char *r, size_t w)
{
	size_t i;

	fprintf(out, "%*s%s", (int)indent, "", ascii ? "+" : l);
	for (i = 0; i < w + 2; i++)
		fputs(ascii ? "-" : "─", out);
	fputs(ascii ? "+" : r, out);
	fputc('\n', out);
}

void kstep_render_box(FILE *out, bool ascii, size_t indent, const char *title, size_t n,
		      const char *const *names, const char *const *vals)
{
	char line[512];
	size_t i, w = cols(title), namew = 0;

	for (i = 0; i < n; i++)
		if (strlen(names[i]) > namew)
			namew = strlen(names[i]);
	for (i = 0; i < n; i++) {
		snprintf(line, sizeof(line), "%-*s  %s", (int)namew, names[i], vals[i]);
		if (cols(line) > w)
			w = cols(line);
	}
	hline(out, ascii, indent, "┌", "┐", w);
	row(out, ascii, indent, title, w);
	if (n)
		hline(out, ascii, indent, "├", "┤", w);
	for (i = 0; i < n; i++) {
		snprintf(line, sizeof(line), "%-*s  %s", (int)namew, names[i], vals[i]);
		row(out, ascii, indent, line, w);
	}
	hline(out, ascii, indent, "└", "┘", w);
}

static void box(FILE *out, const struct kstep_objects *o, struct obj *x, struct obj *objs, size_t n,
		bool ascii)
{
	const char **names = kstep_xcalloc(x->ns + 1, sizeof(*names));
	char **vals = kstep_xcalloc(x->ns + 1, sizeof(*vals));
	char title[160], val[200];
	size_t i;

	snprintf(title, sizeof(title), "%s 0x%llx", x->type, (unsigned long long)x->addr);
	for (i = 0; i < x->ns; i++) {
		value(o, obs_at(o, x->s[i].ob), x->s[i].f, objs, n, val, sizeof(val), ascii);
		names[i] = x->s[i].name;
		vals[i] = kstep_xstrdup(val);
	}
	kstep_render_box(out, ascii, 0, title, x->ns, names, (const char *const *)vals);
	for (i = 0; i < x->ns; i++)
		free(vals[i]);
	free(vals);
	free(names);
}

/* Each observation of x: where, and what changed since x was last seen. */
static void history(FILE *out, const struct kstep_objects *o, const struct obj *x, size_t upto, bool ascii)
{
	size_t i, k;

	for (i = 0; i < upto; i++) {
		const struct kstep_obs *ob = obs_at(o, i);
		long prev;
		char at[160], a[200], b[200];
		int changes = 0;

		if (ob->addr != x->addr)
			continue;
		prev = kstep_objects_last(o, x->addr, i);
		where(ob, at, sizeof(at));
		fprintf(out, "  %s:", at);
		for (k = 0; k < ob->lay->nf; k++) {
			const struct kstep_obs *p = NULL;
			long j;
			size_t pf = 0;

			/* the field's previous read, by any probe */
			for (j = prev; j >= 0 && !p; j--) {
				const struct kstep_obs *q = obs_at(o, (size_t)j);
				size_t m;

				if (q->addr != x->addr)
					continue;
				for (m = 0; m < q->lay->nf; m++)
					if (!strcmp(q->lay->f[m].name, ob->lay->f[k].name)) {
						p = q;
						pf = m;
						break;
					}
			}
			kstep_objects_value(o, ob, k, b, sizeof(b));
			if (!p) {
				fprintf(out, "%s %s %s (new)", changes++ ? "," : "", ob->lay->f[k].name, b);
				continue;
			}
			kstep_objects_value(o, p, pf, a, sizeof(a));
			if (strcmp(a, b))
				fprintf(out, "%s %s %s %s %s", changes++ ? "," : "", ob->lay->f[k].name, a,
					ascii ? "->" : "→", b);
		}
		if (!ob->lay->nf || !changes)
			fprintf(out, " %s", ob->lay->nf ? "unchanged" : "seen");
		fputc('\n', out);
	}
}

void kstep_render_objects_text(FILE *out, const struct kstep_objects *o, size_t upto, bool ascii,
			       const char *when)
{
	size_t n, i;
	struct obj *objs = collect(o, upto, &n);

	fprintf(out, "%zu objects, %zu observations (%s)\n\n", n, upto, when);
	for (i = 0; i < n; i++) {
		box(out, o, &objs[i], objs, n, ascii);
		history(out, o, &objs[i], upto, ascii);
		fputc('\n', out);
	}
	if (o->dropped)
		fprintf(out, "LOST: %llu observations over the limit were not kept\n",
			(unsigned long long)o->dropped);
	if (!o->btf || o->gaps.n) {
		fprintf(out, "KNOWN GAPS:\n");
		if (!o->btf)
			fprintf(out, "  no struct fields were read (no object reads applied: the recording kernel "
				"allowed no kprobes, or the plan asked for none); objects come from events only "
				"(allocation addresses and cache names, socket state changes)\n");
		for (i = 0; i < o->gaps.n; i++)
			fprintf(out, "  not read: %s\n", *(const char **)kstep_vec_at(&o->gaps, i));
	}
	free_objs(objs, n);
}

/* Graphviz record labels: these characters are syntax. */
static void dot_escape(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (strchr("{}|<>\"\\", *s))
			fputc('\\', out);
		fputc(*s, out);
	}
}

void kstep_render_objects_dot(FILE *out, const struct kstep_objects *o, size_t upto, const char *when)
{
	size_t n, i, k;
	struct obj *objs = collect(o, upto, &n);
	char val[200];

	fprintf(out, "digraph objects {\n\tlabel=\"");
	dot_escape(out, when);
	fprintf(out, "\";\n\trankdir=LR;\n\tnode [shape=record, fontname=\"monospace\"];\n");
	for (i = 0; i < n; i++) {
		char title[160];

		snprintf(title, sizeof(title), "%s 0x%llx", objs[i].type, (unsigned long long)objs[i].addr);
		fprintf(out, "\to%zu [label=\"{", i);
		dot_escape(out, title);
		for (k = 0; k < objs[i].ns; k++) {
			kstep_objects_value(o, obs_at(o, objs[i].s[k].ob), objs[i].s[k].f, val, sizeof(val));
			fprintf(out, "|<f%zu>", k);
			dot_escape(out, objs[i].s[k].name);
			fputs(" = ", out);
			dot_escape(out, val);
		}
		fprintf(out, "}\"];\n");
	}
	for (i = 0; i < n; i++)
		for (k = 0; k < objs[i].ns; k++) {
			const struct kstep_obs *ob = obs_at(o, objs[i].s[k].ob);
			struct obj *to;

			if (ob->lay->f[objs[i].s[k].f].kind != KSTEP_OBJ_PTR ||
			    !(to = find_obj(objs, n, ob->val[objs[i].s[k].f])))
				continue;
			fprintf(out, "\to%zu:f%zu -> o%zu;\n", i, k, (size_t)(to - objs));
		}
	fprintf(out, "}\n");
	free_objs(objs, n);
}

void kstep_render_objects_json(FILE *out, const struct kstep_objects *o, size_t upto, const char *when)
{
	struct kstep_json j;
	size_t n, i, k;
	struct obj *objs = collect(o, upto, &n);
	char val[200], hex[32];

	kstep_json_init(&j, out, true);
	kstep_json_obj_open(&j, NULL);
	kstep_json_str(&j, "when", when);
	kstep_json_bool(&j, "btf", o->btf);
	kstep_json_arr_open(&j, "objects");
	for (i = 0; i < n; i++) {
		kstep_json_obj_open(&j, NULL);
		snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)objs[i].addr);
		kstep_json_str(&j, "addr", hex);
		kstep_json_str(&j, "type", objs[i].type);
		kstep_json_obj_open(&j, "fields");
		for (k = 0; k < objs[i].ns; k++) {
			kstep_objects_value(o, obs_at(o, objs[i].s[k].ob), objs[i].s[k].f, val, sizeof(val));
			kstep_json_str(&j, objs[i].s[k].name, val);
		}
		kstep_json_obj_close(&j);
		kstep_json_obj_close(&j);
	}
	kstep_json_arr_close(&j);
	kstep_json_arr_open(&j, "observations");
	for (i = 0; i < upto; i++) {
		const struct kstep_obs *ob = obs_at(o, i);

		kstep_json_obj_open(&j, NULL);
		kstep_json_i64(&j, "step", ob->step);
		kstep_json_str(&j, "func", ob->lay->func);
		kstep_json_str(&j, "when", ob->lay->fromevent ? "event" : ob->lay->ret ? "return" : "entry");
		snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)ob->addr);
		kstep_json_str(&j, "addr", hex);
		kstep_json_str(&j, "type", ob->type);
		kstep_json_arr_open(&j, "fields");
		for (k = 0; k < ob->lay->nf; k++) {
			kstep_json_obj_open(&j, NULL);
			kstep_json_str(&j, "name", ob->lay->f[k].name);
			kstep_json_u64(&j, "raw", ob->val[k]);
			kstep_objects_value(o, ob, k, val, sizeof(val));
			kstep_json_str(&j, "text", val);
			kstep_json_u64(&j, "bitoff", ob->lay->f[k].bitoff);
			kstep_json_obj_close(&j);
		}
		kstep_json_arr_close(&j);
		kstep_json_obj_close(&j);
	}
	kstep_json_arr_close(&j);
	kstep_json_arr_open(&j, "gaps");
	for (i = 0; i < o->gaps.n; i++)
		kstep_json_str(&j, NULL, *(const char **)kstep_vec_at(&o->gaps, i));
	kstep_json_arr_close(&j);
	kstep_json_obj_close(&j);
	kstep_json_end(&j);
	free_objs(objs, n);
}
