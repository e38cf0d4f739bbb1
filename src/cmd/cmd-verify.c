// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd-verify.c - kstep verify CLAIMS [FILE]: checks written claims about one
 * action against its trace: proven (with the steps), refuted (with the step
 * that contradicts), or undecidable (with what the trace lacks).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claims.h"
#include "cli.h"
#include "cmds.h"
#include "json.h"
#include "log.h"
#include "pipeline.h"
#include "verify.h"

/* A claims file is written by hand: anything larger is not one. */
#define CLAIMS_MAX (1 << 20)

enum { EXIT_UNDECIDABLE = 3 };

static const struct kstep_cli_use opts[] = {
	KSTEP_CLI_SELECT_OPTS,
	KSTEP_CLI_DWARF_OPTS,
	{ KSTEP_CLI_SECTION, "What to show:" },
	{ KSTEP_CLI_FORMAT, "text (default) or json" },
	{ KSTEP_CLI_ASCII, "verdicts as ok, no, ?? and ASCII characters only" },
	{ KSTEP_CLI_STRICT, NULL },
	{ KSTEP_CLI_END, NULL },
};

#define FORMATS "text|json"

static const struct kstep_cli_cmd cli = {
	.name = "verify",
	.synopsis = "usage: kstep verify [OPTIONS] CLAIMS [FILE]\n",
	.text = "Check each claim of the file CLAIMS against the action the selection options\n"
		"choose (as for kstep steps): \xe2\x9c\x93 proven, with the steps (#N of kstep steps with the\n"
		"same options) that prove it; \xe2\x9c\x97 refuted, with the step that contradicts it;\n"
		"? undecidable, with what the trace lacks. One claim a line, # starts a comment:\n"
		"\n"
		"  order A < B              the first call of A begins before the first call of B\n"
		"  calls A -> B             A calls B directly, at least once\n"
		"  caller B = A             every call of B has A as its direct caller\n"
		"  never F                  F is not called in the action\n"
		"  count F = N              F is called N times\n"
		"  returns F = V            every call of F returns V (number, 0x hex, -ENAME)\n"
		"  arg F.NAME = V           value NAME at the first call of F is V (a number,\n"
		"                           a constant such as TCP_CLOSE or AF_INET6, a kernel symbol)\n"
		"  link F.NAME = G.return   F's NAME is what the first call of G returned\n"
		"  link F.NAME = G.NAME     ... or G's value NAME\n"
		"  inlined F in G           F was inlined into G on the path (needs DWARF)\n"
		"  tail F from G            G tail-called F on the path (needs DWARF)\n"
		"\n"
		"F#k names the k-th call of F. Interrupt work is not part of the action. See\n"
		"doc/verify.md. FILE defaults to trace.dat.\n",
	.opts = opts,
	.formats = FORMATS,
	.epilogue = "Exit status: 0 every claim proven, 1 at least one refuted, 3 none refuted and\n"
		    "some undecidable, 2 unusable input or usage error (a claim that does not\n"
		    "parse is named with its line and column, and nothing is checked).\n",
};

static void view_chunk(void *ctx, const struct kstep_pipeline *p, const struct kstep_node *top)
{
	kstep_verify_subtree(ctx, p->st, top);
}

/* Reads the claims file whole (it is small by definition). Returns it (caller frees) or NULL. */
static char *read_claims(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	char *buf;
	size_t n;

	if (!f) {
		kstep_error("cannot open the claims file %s: %s", path, strerror(errno));
		return NULL;
	}
	buf = kstep_xmalloc(CLAIMS_MAX + 1);
	n = fread(buf, 1, CLAIMS_MAX + 1, f);
	if (ferror(f) || n > CLAIMS_MAX) {
		kstep_error(ferror(f) ? "cannot read the claims file %s" :
					"the claims file %s is larger than 1 MiB: it is not a list of claims", path);
		free(buf);
		buf = NULL;
	}
	if (f != stdin)
		fclose(f);
	*len = n;
	return buf;
}

static const char *mark(enum kstep_verdict vd, bool ascii)
{
	static const char *const u[] = { "\xe2\x9c\x93", "\xe2\x9c\x97", "?" }, *const a[] = { "ok", "no", "??" };

	return ascii ? a[vd] : u[vd];
}

static void print_text(const struct kstep_claims *cl, const struct kstep_verify_result *r, const int *tally,
		       bool ascii)
{
	size_t i, w = 0;

	for (i = 0; i < cl->n; i++)
		if (strlen(cl->v[i].text) > w)
			w = strlen(cl->v[i].text);
	if (w > 60)
		w = 60;
	for (i = 0; i < cl->n; i++) {
		printf("%s  ", mark(r[i].verdict, ascii));
		kstep_fputs_safe(stdout, cl->v[i].text);
		printf("%*s  ", (int)(w > strlen(cl->v[i].text) ? w - strlen(cl->v[i].text) : 0), "");
		kstep_fputs_safe(stdout, r[i].evidence);
		putchar('\n');
	}
	printf("%s %d proven, %d refuted, %d undecidable\n", ascii ? "=>" : "\xe2\x88\xb4", tally[0], tally[1],
	       tally[2]);
}

static void print_json(const char *path, const struct kstep_claims *cl, const struct kstep_verify_result *r,
		       const int *tally)
{
	struct kstep_json j;
	size_t i, k;

	kstep_json_init(&j, stdout, true);
	kstep_json_obj_open(&j, NULL);
	kstep_json_str(&j, "file", path);
	kstep_json_arr_open(&j, "claims");
	for (i = 0; i < cl->n; i++) {
		kstep_json_obj_open(&j, NULL);
		kstep_json_i64(&j, "line", cl->v[i].line);
		kstep_json_str(&j, "claim", cl->v[i].text);
		kstep_json_str(&j, "kind", kstep_claim_keyword(cl->v[i].kind));
		kstep_json_str(&j, "verdict", kstep_verdict_name(r[i].verdict));
		kstep_json_arr_open(&j, "steps");
		for (k = 0; k < KSTEP_VERIFY_MAX_STEPS && r[i].steps[k]; k++)
			kstep_json_i64(&j, NULL, r[i].steps[k]);
		kstep_json_arr_close(&j);
		kstep_json_str(&j, "evidence", r[i].evidence);
		kstep_json_obj_close(&j);
	}
	kstep_json_arr_close(&j);
	kstep_json_i64(&j, "proven", tally[0]);
	kstep_json_i64(&j, "refuted", tally[1]);
	kstep_json_i64(&j, "undecidable", tally[2]);
	kstep_json_obj_close(&j);
	kstep_json_end(&j);
}

static int check(struct kstep_cli *a, const char *claims_path, const char *path, const struct kstep_claims *cl)
{
	struct kstep_pipeline p;
	struct kstep_verify *v = NULL;
	struct kstep_sink sink = { .steps = true, .chunk = view_chunk };
	const struct kstep_verify_result *r;
	int tally[3] = { 0 }, ret = KSTEP_EXIT_ERROR;
	size_t i;

	(void)claims_path;
	if (kstep_pipeline_open(&p, path, &a->po))
		goto out;
	v = kstep_verify_new(cl, p.h.ks, a->po.sel.syscall != NULL);
	sink.ctx = v;
	if (kstep_pipeline_run(&p, &sink))
		goto out;
	r = kstep_verify_end(v, &p.g);
	for (i = 0; i < cl->n; i++)
		tally[r[i].verdict]++;
	if (a->format && !strcmp(a->format, "json"))
		print_json(path, cl, r, tally);
	else
		print_text(cl, r, tally, a->ascii);
	fflush(stdout);
	ret = kstep_pipeline_finish(&p, a->strict);
	if (!ret)
		ret = tally[1] ? KSTEP_EXIT_DIFF : tally[2] ? EXIT_UNDECIDABLE : KSTEP_EXIT_OK;
out:
	kstep_verify_free(v);
	kstep_pipeline_close(&p);
	return ret;
}

static int run(int argc, char **argv)
{
	struct kstep_cli a;
	struct kstep_claims cl = { 0 };
	char err[512], *text = NULL;
	size_t len;
	int r, ret = KSTEP_EXIT_ERROR;

	r = kstep_cli_parse(&cli, argc, argv, &a);
	if (r) {
		kstep_cli_free(&a);
		return r > 0 ? KSTEP_EXIT_OK : KSTEP_EXIT_ERROR;
	}
	if (a.nargs < 1 || a.nargs > 2) {
		kstep_error(a.nargs ? "verify takes CLAIMS and one FILE, not also '%s' (see kstep help verify)" :
				      "verify needs a CLAIMS file%s (see kstep help verify)",
			    a.nargs ? a.args[2] : "");
		goto out;
	}
	text = read_claims(a.args[0], &len);
	if (!text)
		goto out;
	if (len >= 10 && !memcmp(text, "\x17\x08\x44tracing", 10)) {
		kstep_error("%s is a trace.dat, not a claims file: give CLAIMS first, then FILE (see kstep help verify)",
			    a.args[0]);
		goto out;
	}
	if (kstep_claims_parse(text, len, &cl, err, sizeof(err))) {
		kstep_error("%s: %s; nothing was checked", a.args[0], err);
		goto out;
	}
	if (!cl.n) {
		kstep_error("%s holds no claim (one a line: order A < B, calls A -> B, ...; see kstep help verify)",
			    a.args[0]);
		goto out;
	}
	ret = check(&a, a.args[0], a.nargs > 1 ? a.args[1] : "trace.dat", &cl);
out:
	kstep_claims_free(&cl);
	free(text);
	kstep_cli_free(&a);
	return ret;
}

const struct kstep_cmd kstep_cmd_verify = {
	.name = "verify",
	.run = run,
	.summary = "check written claims about one action against the trace",
	.cli = &cli,
};
