// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd-tree.c - kstep tree [FILE]: the rebuilt call tree with durations.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"
#include "log.h"
#include "pipeline.h"
#include "render.h"

static const struct kstep_cli_use opts[] = {
	KSTEP_CLI_SELECT_OPTS,
	KSTEP_CLI_DWARF_OPTS,
	{ KSTEP_CLI_SECTION, "" },
	{ KSTEP_CLI_FORMAT, "text (default) or dot (Graphviz: durations, interrupts and\n"
	  "off-CPU time shaded; dot -Tsvg draws it)" },
	{ KSTEP_CLI_DEPTH, NULL },
	{ KSTEP_CLI_ALL, "show the probe handlers and what the tracing itself caused" },
	{ KSTEP_CLI_ASCII, NULL },
	{ KSTEP_CLI_STRICT, NULL },
	KSTEP_CLI_TTY_OPTS,
	{ KSTEP_CLI_END, NULL },
};

#define FORMATS "text|dot"

static const struct kstep_cli_cmd cli = {
	.name = "tree",
	.synopsis = "usage: kstep tree [OPTIONS] [FILE]\n",
	.text = "Print the call tree kstep rebuilt for one task from every source in the\n"
		"file (function_graph, probes, syscalls, stacks, events), each node with its\n"
		"duration, return value and sources; interrupts and off-CPU time appear as\n"
		"their own nodes. The probe machinery and the events the tracing itself\n"
		"caused are left out and counted, as in kstep steps (--all shows them).\n"
		"FILE defaults to trace.dat.\n",
	.opts = opts,
	.formats = FORMATS,
};

struct view {
	struct kstep_render_ctx r;
	int depth;
	bool dot;
	struct kstep_dot_tree t;
};

static void view_begin(void *ctx, const struct kstep_pipeline *p)
{
	struct view *v = ctx;

	v->r.h = &p->h;
	if (v->dot)
		kstep_dot_tree_begin(stdout, &v->r, &v->t);
	else
		kstep_render_tree_begin(stdout, &v->r);
}

static void view_chunk(void *ctx, const struct kstep_pipeline *p, const struct kstep_node *top)
{
	struct view *v = ctx;

	(void)p;
	if (v->dot)
		kstep_dot_subtree(stdout, &v->t, top, v->depth);
	else
		kstep_render_subtree(stdout, &v->r, top, v->depth);
}

static void view_end(void *ctx, const struct kstep_pipeline *p)
{
	struct view *v = ctx;

	v->r.sources = p->sources;
	if (v->dot)
		kstep_dot_tree_end(stdout, &v->t);
	else
		kstep_render_tree_end(stdout, &v->r);
}

static int run(int argc, char **argv)
{
	struct kstep_cli a;
	struct kstep_pipeline p;
	struct view v = { 0 };
	struct kstep_sink sink = { .ctx = &v, .begin = view_begin, .chunk = view_chunk,
				   .end = view_end };
	int r, ret = KSTEP_EXIT_ERROR;

	r = kstep_cli_parse(&cli, argc, argv, &a);
	if (r)
		return r > 0 ? KSTEP_EXIT_OK : KSTEP_EXIT_ERROR;
	if (a.nargs > 1) {
		kstep_error("tree takes one FILE (see kstep help tree)");
		return KSTEP_EXIT_ERROR;
	}
	v.depth = a.depth;
	v.dot = a.format && !strcmp(a.format, "dot");
	v.r.ascii = a.ascii;
	v.r.color = kstep_cli_color(&a, STDOUT_FILENO);
	v.r.all = a.po.steps.all;
	v.r.tree = true;
	/* the tree hides nothing: its depth is where it stops printing, not a step-log filter */
	a.po.steps.depth = 0;
	if (!kstep_pipeline_open(&p, a.nargs ? a.args[0] : "trace.dat", &a.po) && !kstep_pipeline_run(&p, &sink)) {
		fflush(stdout);
		ret = kstep_pipeline_finish(&p, a.strict);
	}
	kstep_pipeline_close(&p);
	kstep_cli_free(&a);
	return ret;
}

const struct kstep_cmd kstep_cmd_tree = {
	.name = "tree",
	.run = run,
	.summary = "print the rebuilt call tree with durations",
	.cli = &cli,
};
