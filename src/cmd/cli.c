// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cli.c - the commands' options table (see cli.h).
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "progress.h"

struct optdef {
	enum kstep_cli_code code;
	const char *name;
	char shortc;		/* 0: long only */
	const char *arg;	/* metavar; NULL: takes none */
	const char *help;	/* lines separated by \n; NULL: accepted, not listed (a test switch) */
};

static const struct optdef table[] = {
	{ KSTEP_CLI_PID, "pid", 0, "PID", "the task (default: the traced command recorded in the file,\n"
	  "else the task of the first syscall entry)" },
	{ KSTEP_CLI_COMM, "comm", 0, "NAME", "the first task with this command name" },
	{ KSTEP_CLI_SYSCALL, "syscall", 0, "NAME", "only the NAME system call (e.g. socket) and its user-space\n"
	  "caller when a uprobe encloses it" },
	{ KSTEP_CLI_NTH, "nth", 0, "K", "the K-th such call (default 1)" },
	{ KSTEP_CLI_FROM, "from", 0, "SECONDS", "start of the time window (timestamps as kstep/trace-cmd show)" },
	{ KSTEP_CLI_TO, "to", 0, "SECONDS", "end of the time window" },
	{ KSTEP_CLI_VMLINUX, "vmlinux", 0, "PATH", "the kernel's debug file (vmlinux with DWARF)" },
	{ KSTEP_CLI_DEBUG_DIR, "debug-dir", 0, "DIR", "look there: DIR/vmlinux-RELEASE, DIR/boot/vmlinux-RELEASE,\n"
	  "DIR/.build-id/xx/rest.debug (then /usr/lib/debug, then the\n"
	  "debuginfod servers of DEBUGINFOD_URLS when it is set)" },
	{ KSTEP_CLI_NO_DWARF, "no-dwarf", 0, NULL, "use no DWARF, not even facts stored by kstep annotate" },
	{ KSTEP_CLI_FORMAT, "format", 0, "FMT", "the output format (see doc/formats.md)" },
	{ KSTEP_CLI_ASCII, "ascii", 0, NULL, "ASCII characters only" },
	{ KSTEP_CLI_HIDE, "hide", 0, "GLOB", "hide matching functions or events (repeatable)" },
	{ KSTEP_CLI_DEPTH, "depth", 0, "N", "stop at depth N" },
	{ KSTEP_CLI_ALL, "all", 0, NULL, "no default hide list" },
	{ KSTEP_CLI_STRICT, "strict", 0, NULL, "exit 2 when events were lost or data is damaged" },
	{ KSTEP_CLI_MIN_DELTA, "min-delta", 0, "NS", "report durations that changed by at least NS nanoseconds\n"
	  "(default 100000; suffixes us, ms, s)" },
	{ KSTEP_CLI_IRQS, "irqs", 0, NULL, "compare interrupt, softirq and scheduler work too" },
	{ KSTEP_CLI_OUTPUT, "output", 'o', "OUT", "write the result there" },
	{ KSTEP_CLI_COLOR, "color", 0, "WHEN", "never, auto (default: on a terminal, unless NO_COLOR is set)\n"
	  "or always: errors, evidence tags, derived and underived values" },
	{ KSTEP_CLI_QUIET, "quiet", 'q', NULL, "no progress display on the terminal" },
	{ KSTEP_CLI_AT, "at", 0, "N", "as things stood when step N (of kstep steps) began" },
	{ KSTEP_CLI_STEPS, "steps", 0, "N", "at most N steps: those that carry the story, the rest folded" },
	{ KSTEP_CLI_SOURCE, "source", 0, "DIR", "the recorded kernel's source tree (e.g. an unpacked Debian\n"
	  "linux-source package of the same version)" },
	{ KSTEP_CLI_JSON, "json", 0, NULL, "machine-readable output" },
	{ KSTEP_CLI_FILE_VERSION, "file-version", 0, "6|7", "trace.dat version (default 7)" },
	{ KSTEP_CLI_COMPRESSION, "compression", 0, "zstd|none", "v7 compression (default zstd)" },
	{ KSTEP_CLI_COMMS, "comms", 0, NULL, "also replace task names (comms) by keyed names of\n"
	  "the same length, and the traced program's name" },
	{ KSTEP_CLI_STRINGS, "strings", 0, NULL, "also replace string arguments (string fields of\n"
	  "events, probes' string fetch args) and the traced\ncommand's arguments" },
	{ KSTEP_CLI_PLAN, "plan", 0, "NAME|FILE", "a built-in plan (--list-plans) or a plan file\n"
	  "(default: syscalls); repeatable" },
	{ KSTEP_CLI_GRAPH, "graph", 'g', "FUNC", "function_graph root" },
	{ KSTEP_CLI_KPROBE, "kprobe", 0, "'FUNC ARGS'", "kprobe with fetch args (name=%di:s32 ...)" },
	{ KSTEP_CLI_KRETPROBE, "kretprobe", 0, "'FUNC [ARGS]'", "kretprobe (default ret=$retval)" },
	{ KSTEP_CLI_EVENT, "event", 'e', "SYS:EVENT", "a trace event" },
	{ KSTEP_CLI_STACK, "stack", 0, "SYS:EVENT[:FILTER]", "a trace event with its kernel stack" },
	{ KSTEP_CLI_UPROBE, "uprobe", 0, "'BIN:SYM [ARGS]'", "user-space probe (BIN: prog, libc, or a path)" },
	{ KSTEP_CLI_URETPROBE, "uretprobe", 0, "'BIN:SYM [ARGS]'", "user-space return probe (default ret=$retval)" },
	{ KSTEP_CLI_PLAN_SYSCALL, "syscall", 0, "NAME", "sys_enter_NAME and sys_exit_NAME" },
	{ KSTEP_CLI_SHOW_PLAN, "show-plan", 0, NULL, "resolve the plan, print it as applied, record nothing" },
	{ KSTEP_CLI_ATTACH, "pid", 'p', "PID", "attach to a running process instead of a command" },
	{ KSTEP_CLI_DURATION, "duration", 0, "SEC", "stop after SEC seconds" },
	{ KSTEP_CLI_BUFFER_SIZE, "buffer-size", 0, "KB", "per-CPU ring buffer (default 8192)" },
	{ KSTEP_CLI_CLOCK, "clock", 0, "CLOCK", "trace clock (default local)" },
	{ KSTEP_CLI_CLEANUP, "cleanup", 0, NULL, "remove leftovers of killed kstep processes and exit" },
	{ KSTEP_CLI_LIST_PLANS, "list-plans", 0, NULL, "list the built-in plans and exit" },
	/* read the buffers only at the end: how tests make the kernel lose events */
	{ KSTEP_CLI_NO_DRAIN, "no-drain", 0, NULL, NULL },
	{ KSTEP_CLI_DEBUGINFO, "debuginfo", 0, "VMLINUX", "store the DWARF facts the step log needs in the file\n"
	  "(as kstep annotate), from this kernel debug file" },
};

static const struct optdef *def_of(enum kstep_cli_code code)
{
	size_t i;

	for (i = 0; i < KSTEP_ARRAY_SIZE(table); i++)
		if (table[i].code == code)
			return &table[i];
	return NULL;
}

/* "  --name ARG" padded to the help column, then the help, continuation lines aligned. */
static void help_line(FILE *out, const struct optdef *d, const char *help)
{
	const char *p = help, *nl;
	int n;

	if (d->shortc)
		n = fprintf(out, "  -%c, --%s%s%s", d->shortc, d->name, d->arg ? " " : "", d->arg ? d->arg : "");
	else
		n = fprintf(out, "  --%s%s%s", d->name, d->arg ? " " : "", d->arg ? d->arg : "");
	/* a long spec ("--kretprobe 'FUNC [ARGS]'") puts its help on the next line, in the column */
	if (n > 18)
		fprintf(out, "\n%19s", "");
	else
		fprintf(out, "%*s", n < 18 ? 19 - n : 1, "");
	for (; (nl = strchr(p, '\n')); p = nl + 1)
		fprintf(out, "%.*s\n%19s", (int)(nl - p), p, "");
	fprintf(out, "%s\n", p);
}

void kstep_cli_help(FILE *out, const struct kstep_cli_cmd *cmd)
{
	const struct kstep_cli_use *u;

	fputs(cmd->synopsis, out);
	fputs("\n", out);
	fputs(cmd->text, out);
	for (u = cmd->opts; u->code != KSTEP_CLI_END; u++) {
		const struct optdef *d;

		if (u->code == KSTEP_CLI_SECTION) {
			fprintf(out, "\n%s%s", u->help, *u->help ? "\n" : "");
			continue;
		}
		d = def_of(u->code);
		if (d && (u->help || d->help))
			help_line(out, d, u->help ? u->help : d->help);
	}
	if (cmd->epilogue)
		fprintf(out, "\n%s", cmd->epilogue);
}

static int positive(const char *name, const char *arg, int *out)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (end == arg || *end || v <= 0 || v > 0x7fffffff) {
		kstep_error("--%s takes a positive number, not '%s'", name, arg);
		return -1;
	}
	*out = (int)v;
	return 0;
}

static int parse_ns(const char *s, uint64_t *out)
{
	char *end;
	double v = strtod(s, &end);
	double mul = 1;

	if (end == s || v < 0)
		return -1;
	if (!strcmp(end, "us"))
		mul = 1e3;
	else if (!strcmp(end, "ms"))
		mul = 1e6;
	else if (!strcmp(end, "s"))
		mul = 1e9;
	else if (*end && strcmp(end, "ns"))
		return -1;
	*out = (uint64_t)(v * mul + 0.5);
	return 0;
}

static bool format_ok(const char *formats, const char *f)
{
	size_t n = strlen(f);
	const char *p;

	for (p = formats; p && *p; p += strcspn(p, "|"), p += *p == '|')
		if (!strncmp(p, f, n) && (p[n] == '|' || !p[n]))
			return true;
	return false;
}

/* "text, records or json" from "text|records|json". */
static void formats_text(const char *formats, char *out, size_t len)
{
	size_t n = 0, k = 0, parts = 1, i;
	const char *p;

	for (p = formats; *p; p++)
		parts += *p == '|';
	for (p = formats, i = 0; *p && n < len; i++) {
		k = strcspn(p, "|");
		n += (size_t)snprintf(out + n, len - n, "%s%.*s", !i ? "" : i + 1 == parts ? " or " : ", ",
				      (int)k, p);
		p += k + (p[k] == '|');
	}
}

/* Keeps one occurrence of an option whose order counts: record's plan lines number them. */
static int keep(struct kstep_cli *c, enum kstep_cli_code code, const char *arg)
{
	c->items = kstep_xrealloc(c->items, ((size_t)c->nitems + 1) * sizeof(*c->items));
	c->items[c->nitems++] = (struct kstep_cli_item){ .code = code, .arg = arg };
	return 0;
}

/* The trace.dat to write (convert, record). atoi, as these options always read it: "7x" is 7. */
static int take_dat(const struct optdef *d, const char *arg, struct kstep_cli *c)
{
	if (d->code == KSTEP_CLI_FILE_VERSION) {
		c->file_version = atoi(arg);
		if (c->file_version != 6 && c->file_version != 7) {
			kstep_error("--file-version takes 6 or 7");
			return -1;
		}
		return 0;
	}
	if (strcmp(arg, "zstd") && strcmp(arg, "none")) {
		kstep_error("--compression takes zstd or none");
		return -1;
	}
	c->compression = arg;
	return 0;
}

/* record's numbers, with the messages record has always given (-p by its short name). */
static int take_record_number(const struct optdef *d, const char *arg, struct kstep_cli_record *r)
{
	char *end;

	switch (d->code) {
	case KSTEP_CLI_ATTACH:
		r->attach_pid = (int)strtol(arg, &end, 10);
		if (*end || r->attach_pid <= 0) {
			kstep_error("-p takes a process id");
			return -1;
		}
		return 0;
	case KSTEP_CLI_DURATION:
		r->duration = strtod(arg, &end);
		if (*end || r->duration <= 0) {
			kstep_error("--duration takes seconds");
			return -1;
		}
		return 0;
	default:
		r->buffer_kb = (size_t)strtoul(arg, &end, 10);
		if (*end || r->buffer_kb < 4) {
			kstep_error("--buffer-size takes kilobytes (at least 4)");
			return -1;
		}
		return 0;
	}
}

static int take_record(const struct optdef *d, const char *arg, struct kstep_cli_record *r)
{
	switch (d->code) {
	case KSTEP_CLI_ATTACH:
	case KSTEP_CLI_DURATION:
	case KSTEP_CLI_BUFFER_SIZE:
		return take_record_number(d, arg, r);
	case KSTEP_CLI_CLOCK:
		r->clock = arg;
		return 0;
	case KSTEP_CLI_DEBUGINFO:
		r->debuginfo = arg;
		return 0;
	case KSTEP_CLI_SHOW_PLAN:
		r->show_plan = true;
		return 0;
	case KSTEP_CLI_CLEANUP:
		r->cleanup = true;
		return 0;
	case KSTEP_CLI_LIST_PLANS:
		r->list_plans = true;
		return 0;
	case KSTEP_CLI_NO_DRAIN:
		r->no_drain = true;
		return 0;
	default:
		return -1;
	}
}

/* The options of info, caps, convert, redact and record. */
static int take_more(const struct optdef *d, const char *arg, struct kstep_cli *c)
{
	switch (d->code) {
	case KSTEP_CLI_JSON:
		c->json = true;
		return 0;
	case KSTEP_CLI_COMMS:
		c->redact.comms = true;
		return 0;
	case KSTEP_CLI_STRINGS:
		c->redact.strings = true;
		return 0;
	case KSTEP_CLI_FILE_VERSION:
	case KSTEP_CLI_COMPRESSION:
		return take_dat(d, arg, c);
	case KSTEP_CLI_PLAN:
	case KSTEP_CLI_GRAPH:
	case KSTEP_CLI_KPROBE:
	case KSTEP_CLI_KRETPROBE:
	case KSTEP_CLI_EVENT:
	case KSTEP_CLI_STACK:
	case KSTEP_CLI_UPROBE:
	case KSTEP_CLI_URETPROBE:
	case KSTEP_CLI_PLAN_SYSCALL:
		return keep(c, d->code, arg);
	default:
		return take_record(d, arg, &c->rec);
	}
}

static int take(const struct kstep_cli_cmd *cmd, const struct optdef *d, const char *arg, struct kstep_cli *c)
{
	struct kstep_select_opts *so = &c->po.sel;
	char fm[128];

	switch (d->code) {
	case KSTEP_CLI_PID:
		return positive("pid", arg, &so->pid);
	case KSTEP_CLI_NTH:
		return positive("nth", arg, &so->nth);
	case KSTEP_CLI_AT:
		return positive("at", arg, &c->at);
	case KSTEP_CLI_DEPTH:
		if (positive("depth", arg, &c->depth))
			return -1;
		c->po.steps.depth = c->depth;
		return 0;
	case KSTEP_CLI_SOURCE:
		c->source = arg;
		return 0;
	case KSTEP_CLI_STEPS:
		return positive("steps", arg, &c->po.steps.budget);
	case KSTEP_CLI_COMM:
		so->comm = arg;
		return 0;
	case KSTEP_CLI_SYSCALL:
		so->syscall = !strncmp(arg, "sys_", 4) ? arg + 4 : arg;
		return 0;
	case KSTEP_CLI_FROM:
	case KSTEP_CLI_TO:
		if (kstep_parse_ts(arg, d->code == KSTEP_CLI_FROM ? &so->from : &so->to)) {
			kstep_error("--%s takes seconds such as 9.100188, not '%s'", d->name, arg);
			return -1;
		}
		*(d->code == KSTEP_CLI_FROM ? &so->has_from : &so->has_to) = true;
		return 0;
	case KSTEP_CLI_VMLINUX:
		c->po.gaps.vmlinux = arg;
		return 0;
	case KSTEP_CLI_DEBUG_DIR:
		c->po.gaps.debug_dir = arg;
		return 0;
	case KSTEP_CLI_NO_DWARF:
		c->po.gaps.no_dwarf = true;
		return 0;
	case KSTEP_CLI_FORMAT:
		if (!format_ok(cmd->formats, arg)) {
			formats_text(cmd->formats ? cmd->formats : "", fm, sizeof(fm));
			kstep_error("%s--format takes %s, not '%s'", strcmp(cmd->name, "diff") ? "" : "diff ", fm,
				    arg);
			return -1;
		}
		c->format = arg;
		return 0;
	case KSTEP_CLI_ASCII:
		c->ascii = true;
		return 0;
	case KSTEP_CLI_HIDE:
		c->po.steps.hide = kstep_xrealloc(c->po.steps.hide, (c->po.steps.nhide + 1) * sizeof(*c->po.steps.hide));
		c->po.steps.hide[c->po.steps.nhide++] = arg;
		return 0;
	case KSTEP_CLI_ALL:
		c->po.steps.all = true;
		return 0;
	case KSTEP_CLI_STRICT:
		c->strict = true;
		return 0;
	case KSTEP_CLI_MIN_DELTA:
		if (parse_ns(arg, &c->diff.min_delta)) {
			kstep_error("--min-delta takes a duration (100000, 50us, 1ms), not '%s'", arg);
			return -1;
		}
		return 0;
	case KSTEP_CLI_IRQS:
		c->diff.irqs = true;
		return 0;
	case KSTEP_CLI_OUTPUT:
		c->output = arg;
		return 0;
	case KSTEP_CLI_QUIET:
		c->quiet = true;
		return 0;
	case KSTEP_CLI_COLOR:
		if (!strcmp(arg, "always") || !strcmp(arg, "auto") || !strcmp(arg, "never")) {
			c->color = *arg == 'a' ? (arg[1] == 'l' ? 1 : 0) : -1;
			kstep_log_set_color(kstep_cli_color(c, STDERR_FILENO));
			return 0;
		}
		kstep_error("--color takes never, auto or always, not '%s'", arg);
		return -1;
	default:
		return take_more(d, arg, c);
	}
}

/* The option getopt_long returned (a code, or a short option's character) among cmd's. */
static const struct optdef *def_of_cmd(const struct kstep_cli_cmd *cmd, int code)
{
	const struct kstep_cli_use *u;

	for (u = cmd->opts; u->code != KSTEP_CLI_END; u++) {
		const struct optdef *d = def_of(u->code);

		if (d && ((int)d->code == code || (d->shortc && d->shortc == code)))
			return d;
	}
	return NULL;
}

/*
 * The tests' hooks into the selection (tests/golden/test-guess.py, fuzz-dat):
 * the environment is read here, on the command line's side, never by the
 * analysis.
 */
static void test_hooks(struct kstep_select_opts *o)
{
	const char *t = getenv("KSTEP_TEST_GUESS_AFTER");

	o->test_guess_after = t && *t ? strtoull(t, NULL, 10) : 0;
	t = getenv("KSTEP_TEST_GUESS_PID");
	o->test_guess_pid = t && *t ? atoi(t) : 0;
	t = getenv("KSTEP_TEST_FULL_PASS1");
	o->test_full_pass1 = t && *t;
}

int kstep_cli_parse(const struct kstep_cli_cmd *cmd, int argc, char **argv, struct kstep_cli *c)
{
	struct option opts[KSTEP_ARRAY_SIZE(table) + 2];
	char shorts[3 * KSTEP_ARRAY_SIZE(table) + 3] = "+h";
	const struct kstep_cli_use *u;
	size_t n = 0;
	int code;

	memset(c, 0, sizeof(*c));
	c->diff.min_delta = 100000;
	c->file_version = 7;
	c->compression = "zstd";
	c->rec.buffer_kb = 8192;
	c->rec.clock = "local";
	if (!cmd->opts_first)
		memmove(shorts, shorts + 1, strlen(shorts));
	for (u = cmd->opts; u->code != KSTEP_CLI_END; u++) {
		const struct optdef *d = def_of(u->code);

		if (!d)
			continue;
		opts[n++] = (struct option){ d->name, d->arg ? required_argument : no_argument, NULL, (int)d->code };
		if (d->shortc) {
			size_t l = strlen(shorts);

			shorts[l] = d->shortc;
			shorts[l + 1] = d->arg ? ':' : '\0';
			shorts[l + 2] = '\0';
		}
	}
	opts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	opts[n] = (struct option){ NULL, 0, NULL, 0 };
	optind = 1;
	while ((code = getopt_long(argc, argv, shorts, opts, NULL)) != -1) {
		const struct optdef *d;

		if (code == 'h') {
			kstep_cli_help(stdout, cmd);
			return 1;
		}
		if (!(d = def_of_cmd(cmd, code))) {
			kstep_cli_help(stderr, cmd);
			return -1;
		}
		if (take(cmd, d, optarg, c))
			return -1;
	}
	c->args = argv + optind;
	c->nargs = argc - optind;
	c->po.progress = kstep_progress_wanted(c->quiet);
	test_hooks(&c->po.sel);
	return 0;
}

int kstep_cli_run(const struct kstep_cli_cmd *cmd, int argc, char **argv, int (*body)(const struct kstep_cli *cli))
{
	struct kstep_cli c;
	int r = kstep_cli_parse(cmd, argc, argv, &c);

	if (r)
		r = r > 0 ? KSTEP_EXIT_OK : KSTEP_EXIT_ERROR;
	else
		r = body(&c);
	kstep_cli_free(&c);
	return r;
}

bool kstep_cli_color(const struct kstep_cli *c, int fd)
{
	const char *nc = getenv("NO_COLOR");

	if (c->color)
		return c->color > 0;
	return isatty(fd) && !(nc && *nc);
}

void kstep_cli_free(struct kstep_cli *c)
{
	free(c->po.steps.hide);
	c->po.steps.hide = NULL;
	c->po.steps.nhide = 0;
	free(c->items);
	c->items = NULL;
	c->nitems = 0;
}

/* Writes s for roff: backslashes escaped, hyphens of options kept as minus signs. */
static void roff_text(FILE *out, const char *s, size_t n, bool minus)
{
	size_t i;

	for (i = 0; i < n && s[i]; i++) {
		if (s[i] == '\\')
			fputs("\\e", out);
		else if (s[i] == '-' && minus)
			fputs("\\-", out);
		else
			fputc(s[i], out);
	}
}

/* A line of text that roff must not take for a request. */
static void roff_line(FILE *out, const char *s, size_t n)
{
	while (n && *s == ' ') {
		s++;
		n--;
	}
	if (*s == '.' || *s == '\'')
		fputs("\\&", out);
	roff_text(out, s, n, false);
	fputc('\n', out);
}

/* ".TP" and the tag: the option names bold, the argument italic ("-g, --graph FUNC"). */
static void man_tag(FILE *out, const char *spec, size_t n)
{
	size_t k = 0;

	while (k < n) {
		size_t t = k + strcspn(spec + k, " ");

		if (t > n)
			t = n;
		if (spec[k] != '-' && !(k > 0 && spec[k - 2] == ','))
			break;
		k = t < n ? t + 1 : n;
	}
	if (k >= n) {
		fputs(".TP\n.B ", out);
		roff_text(out, spec, n, true);
		fputc('\n', out);
		return;
	}
	if (k)
		k--;	/* the space goes with the argument */
	fputs(".TP\n.BI \"", out);
	roff_text(out, spec, k, true);
	fputs("\" \"", out);
	roff_text(out, spec + k, n - k, false);
	fputs("\"\n", out);
}

void kstep_cli_man(FILE *out, const struct kstep_cli_cmd *cmd)
{
	const struct kstep_cli_use *u;

	for (u = cmd->opts; u->code != KSTEP_CLI_END; u++) {
		const struct optdef *d;
		const char *p, *nl;
		char spec[128];

		if (u->code == KSTEP_CLI_SECTION) {
			if (*u->help) {
				fputs(".SS ", out);
				roff_text(out, u->help, strlen(u->help) - (u->help[strlen(u->help) - 1] == ':'), false);
				fputc('\n', out);
			}
			continue;
		}
		if (!(d = def_of(u->code)) || !(u->help || d->help))
			continue;
		if (d->shortc)
			snprintf(spec, sizeof(spec), "-%c, --%s%s%s", d->shortc, d->name, d->arg ? " " : "",
				 d->arg ? d->arg : "");
		else
			snprintf(spec, sizeof(spec), "--%s%s%s", d->name, d->arg ? " " : "", d->arg ? d->arg : "");
		man_tag(out, spec, strlen(spec));
		p = u->help ? u->help : d->help;
		for (; (nl = strchr(p, '\n')); p = nl + 1)
			roff_line(out, p, (size_t)(nl - p));
		roff_line(out, p, strlen(p));
	}
	fputs(".TP\n.B \\-h, \\-\\-help\nprint the help and exit\n", out);
}

void kstep_cli_man_from_text(FILE *out, const char *help)
{
	const char *p = help, *nl;
	bool any = false;

	/* the option lines of a hand-written help: "  -x, --opt ARG   text", continuations indented deeper */
	for (; *p; p = *nl ? nl + 1 : nl) {
		size_t n, spec;

		nl = p + strcspn(p, "\n");
		n = (size_t)(nl - p);
		if (n > 3 && p[0] == ' ' && p[1] == ' ' && p[2] == '-') {
			const char *gap = strstr(p + 2, "  ");

			spec = gap && gap < nl ? (size_t)(gap - p) - 2 : n - 2;
			man_tag(out, p + 2, spec);
			if (gap && gap < nl)
				roff_line(out, gap, (size_t)(nl - gap));
			any = true;
		} else if (any && n > 2 && p[0] == ' ' && p[1] == ' ') {
			roff_line(out, p, n);
		} else if (n && p[n - 1] == ':' && p[0] != ' ' && !strchr(p, '.')) {
			fputs(".SS ", out);
			roff_text(out, p, n - 1, false);
			fputc('\n', out);
		} else {
			any = false;
		}
	}
	fputs(".TP\n.B \\-h, \\-\\-help\nprint the help and exit\n", out);
}
