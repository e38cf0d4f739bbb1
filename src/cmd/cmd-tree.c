// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd-tree.c - kstep tree [FILE]: the rebuilt call tree with durations.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/sendfile.h>

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
	FILE *out;		/* stdout, or tmp */
	FILE *tmp;		/* the tree while its task is a guess, copied out at the end */
	bool tmp_failed;	/* tmp could not be emptied for a new start */
	bool began;		/* the header is out */
	struct kstep_render_ctx r;
	int depth;
	bool dot;
	struct kstep_dot_tree t;
};

static void view_begin(void *ctx, const struct kstep_pipeline *p)
{
	struct view *v = ctx;

	v->r.h = &p->h;
	v->began = true;
	if (v->dot)
		kstep_dot_tree_begin(v->out, &v->r, &v->t);
	else
		kstep_render_tree_begin(v->out, &v->r);
}

static void view_chunk(void *ctx, const struct kstep_pipeline *p, const struct kstep_node *top)
{
	struct view *v = ctx;

	(void)p;
	if (v->dot)
		kstep_dot_subtree(v->out, &v->t, top, v->depth);
	else
		kstep_render_subtree(v->out, &v->r, top, v->depth);
}

static void view_end(void *ctx, const struct kstep_pipeline *p)
{
	struct view *v = ctx;

	v->r.sources = p->sources;
	if (v->dot)
		kstep_dot_tree_end(v->out, &v->t);
	else
		kstep_render_tree_end(v->out, &v->r);
}

/* The guessed task was wrong: what was written for it goes. */
static void view_restart(void *ctx, const struct kstep_pipeline *p)
{
	struct view *v = ctx;

	(void)p;
	v->r.left_out = 0;
	/* begin comes again and starts the graph afresh: the open parents' ids go */
	free(v->t.stack);
	memset(&v->t, 0, sizeof(v->t));
	if (fflush(v->tmp) || ftruncate(fileno(v->tmp), 0) || fseek(v->tmp, 0, SEEK_SET))
		v->tmp_failed = true;
}

/* The tree made in tmp, to stdout: 0, or -1. */
static int copy_out(FILE *tmp)
{
	char *buf;
	off_t at = 0, size;
	size_t n;
	int ret = 0;

	/* a write that failed earlier leaves a hole that a later flush does not report */
	if (fflush(tmp) || ferror(tmp) || fflush(stdout) || (size = lseek(fileno(tmp), 0, SEEK_END)) < 0)
		return -1;
	/* the kernel copies page cache to stdout; a pipe or a terminal may refuse */
	while (at < size && sendfile(STDOUT_FILENO, fileno(tmp), &at, (size_t)(size - at)) > 0)
		;
	if (at >= size)
		return 0;
	if (fseek(tmp, at, SEEK_SET))
		return -1;
	buf = kstep_xmalloc(1 << 20);
	while (!ret && (n = fread(buf, 1, 1 << 20, tmp)) > 0)
		if (fwrite(buf, 1, n, stdout) != n)
			ret = -1;
	if (ferror(tmp))
		ret = -1;
	free(buf);
	return ret;
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
	/* the tree shows no record counts: pass 1 may stop early, and guess the task */
	a.po.sel.lazy = true;
	v.out = stdout;
	if (kstep_pipeline_open(&p, a.nargs ? a.args[0] : "trace.dat", &a.po))
		goto out;
	/* a guess may be overturned at the end: the tree waits in a file until then */
	if (p.sel.tentative && (v.tmp = tmpfile())) {
		v.out = v.tmp;
		sink.restart = view_restart;
	}
	if (kstep_pipeline_run(&p, &sink)) {
		/*
		 * A tree that streams (its task is certain) has printed what came
		 * before a part of the file that cannot be read: say where it stops.
		 */
		if (v.began && !v.tmp)
			printf("\n(the tree stops here: the rest of the file could not be read; see kstep's "
			       "message)\n");
		goto out;
	}
	if (v.tmp && (v.tmp_failed || copy_out(v.tmp))) {
		kstep_error("the tree could not be written to a temporary file, read back and copied to "
			    "standard output (is /tmp or the output's file system full?)");
		goto out;
	}
	fflush(stdout);
	ret = kstep_pipeline_finish(&p, a.strict);
out:
	free(v.t.stack);	/* a dot graph that did not end */
	if (v.tmp)
		fclose(v.tmp);
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
