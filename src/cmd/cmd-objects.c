// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd-objects.c - kstep objects [FILE]: every kernel object the trace saw,
 * with its real field values at each step, drawn as boxes or as Graphviz.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "log.h"
#include "objects.h"
#include "pipeline.h"
#include "render-objects.h"

static const struct kstep_cli_use opts[] = {
	KSTEP_CLI_SELECT_OPTS,
	{ KSTEP_CLI_SECTION, "" },
	{ KSTEP_CLI_AT, NULL },
	{ KSTEP_CLI_FORMAT, "text (boxes, the default), dot (Graphviz: dot -Tsvg) or json" },
	{ KSTEP_CLI_ASCII, NULL },
	{ KSTEP_CLI_STRICT, NULL },
	{ KSTEP_CLI_END, NULL },
};

static const struct kstep_cli_cmd cli = {
	.name = "objects",
	.synopsis = "usage: kstep objects [OPTIONS] [FILE]\n",
	.text = "Show every kernel object the trace saw (sockets, socks, files...) by\n"
		"address and type: its fields as the plan's object reads found them at each\n"
		"step (decoded with the recording kernel's own types, stored in the file),\n"
		"what changed between reads, and the links between objects (a pointer field\n"
		"holding another seen object's address). Without kprobes, objects come from\n"
		"the events that carry addresses (allocations, socket state changes) and\n"
		"KNOWN GAPS says what could not be read. FILE defaults to trace.dat.\n",
	.opts = opts,
	.formats = "text|dot|json",
};

struct view {
	struct kstep_objects *o;
	int at;
	uint64_t at_ts;
	bool found;
	uint64_t *dist;		/* per read: its distance to the step it was given */
};

static const char *node_func(const struct kstep_node *n)
{
	return n->fn ? n->fn->name : n->name;
}

/*
 * Each read belongs to the step of its function nearest to it: a kprobe fires
 * just before function_graph's entry, a kretprobe just after its exit, so
 * the entry reads go to the step whose start is nearest, the return reads to
 * the one whose end is. An event's own step starts at its timestamp.
 */
static void claim(struct view *v, struct kstep_obs *ob, size_t k, const struct kstep_step *s)
{
	const struct kstep_node *n = s->node;
	const char *fn = node_func(n);
	uint64_t at = ob->lay->ret ? (n->t_exit ? n->t_exit : n->t_entry) : n->t_entry;
	uint64_t d = ob->ts > at ? ob->ts - at : at - ob->ts;

	if (ob->lay->fromevent ? ob->ts != n->t_entry || n->child : !fn || strcmp(fn, ob->lay->func))
		return;
	if (ob->step && d >= v->dist[k])
		return;
	ob->step = s->n;
	v->dist[k] = d;
}

static void view_chunk(void *ctx, const struct kstep_pipeline *p, const struct kstep_node *top)
{
	struct view *v = ctx;
	size_t i, k;

	(void)top;
	for (i = 0; i < p->st->n; i++) {
		const struct kstep_step *s = &p->st->v[i];

		if (s->n == v->at) {
			v->at_ts = s->node->t_entry;
			v->found = true;
		}
		for (k = 0; k < v->o->obs.n; k++)
			claim(v, kstep_vec_at(&v->o->obs, k), k, s);
	}
}

/* The observations shown at --at N: those made before step N began, and step N's entry reads. */
static size_t upto_step(const struct view *v)
{
	size_t i;

	for (i = 0; i < v->o->obs.n; i++) {
		const struct kstep_obs *ob = kstep_vec_at(&v->o->obs, i);

		if (ob->ts > v->at_ts && !(ob->step == v->at && !ob->lay->ret))
			break;
	}
	return i;
}

static int run(int argc, char **argv)
{
	struct kstep_cli a;
	struct kstep_pipeline p;
	struct kstep_objects o;
	struct view v = { .o = &o };
	struct kstep_sink sink = { .ctx = &v, .steps = true, .chunk = view_chunk };
	const char *path;
	char err[512], when[64];
	bool dot, json;
	int r, ret = KSTEP_EXIT_ERROR;
	size_t upto;

	r = kstep_cli_parse(&cli, argc, argv, &a);
	if (r)
		return r > 0 ? KSTEP_EXIT_OK : KSTEP_EXIT_ERROR;
	if (a.nargs > 1) {
		kstep_error("objects takes one FILE (see kstep help objects)");
		kstep_cli_free(&a);
		return KSTEP_EXIT_ERROR;
	}
	dot = a.format && !strcmp(a.format, "dot");
	json = a.format && !strcmp(a.format, "json");
	if (a.format && !dot && !json && strcmp(a.format, "text")) {
		kstep_error("objects: unknown format '%s' (text, dot or json)", a.format);
		kstep_cli_free(&a);
		return KSTEP_EXIT_ERROR;
	}
	path = a.nargs ? a.args[0] : "trace.dat";
	v.at = a.at;
	memset(&o, 0, sizeof(o));
	if (kstep_pipeline_open(&p, path, &a.po))
		goto out;
	/* --syscall is a view over the whole task (select.h): the objects are those it shows */
	if (kstep_objects_load(&o, path, p.sel.pid, p.sel.view ? p.sel.view_from : p.sel.from,
			       p.sel.view ? p.sel.view_to : p.sel.to, err, sizeof(err))) {
		kstep_error("%s", err);
		goto out;
	}
	v.dist = kstep_xcalloc(o.obs.n + 1, sizeof(*v.dist));
	if (kstep_pipeline_run(&p, &sink))
		goto out;
	if (a.at && !v.found) {
		kstep_error("objects: no step %d in this log (kstep steps numbers them)", a.at);
		goto out;
	}
	upto = a.at ? upto_step(&v) : o.obs.n;
	if (a.at)
		snprintf(when, sizeof(when), "as step #%d begins", a.at);
	else
		snprintf(when, sizeof(when), "at the end of the recording");
	if (dot)
		kstep_render_objects_dot(stdout, &o, upto, when);
	else if (json)
		kstep_render_objects_json(stdout, &o, upto, when);
	else
		kstep_render_objects_text(stdout, &o, upto, a.ascii, when);
	fflush(stdout);
	ret = kstep_pipeline_finish(&p, a.strict);
out:
	free(v.dist);
	kstep_objects_free(&o);
	kstep_pipeline_close(&p);
	kstep_cli_free(&a);
	return ret;
}

const struct kstep_cmd kstep_cmd_objects = {
	.name = "objects",
	.run = run,
	.summary = "draw the kernel objects the trace saw, with their field values",
	.cli = &cli,
};
