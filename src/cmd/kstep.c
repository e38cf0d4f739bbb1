// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kstep.c - git-style dispatch: kstep [-v] COMMAND [ARGS].
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "budget.h"
#include "cli.h"
#include "cmds.h"
#include "log.h"

static const struct kstep_cmd *const commands[] = {
	&kstep_cmd_record,
	&kstep_cmd_steps,
	&kstep_cmd_tree,
	&kstep_cmd_objects,
	&kstep_cmd_diff,
	&kstep_cmd_verify,
	&kstep_cmd_annotate,
	&kstep_cmd_redact,
	&kstep_cmd_info,
	&kstep_cmd_caps,
	&kstep_cmd_convert,
};

static const struct kstep_cmd *find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < KSTEP_ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i]->name, name))
			return commands[i];
	return NULL;
}

static void usage(FILE *out)
{
	size_t i;

	fprintf(out,
		"usage: kstep [-v] [--max-memory SIZE] [--version] [--help] COMMAND [ARGS]\n"
		"\n"
		"See, with real values, what the Linux kernel does for one user action.\n"
		"\n"
		"Commands:\n");
	for (i = 0; i < KSTEP_ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-8s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(out, "  %-8s %s\n", "help", "show the help of a command: kstep help COMMAND");
	fprintf(out,
		"\n"
		"Options:\n"
		"  -v, --verbose   more messages (-vv: debug)\n"
		"  --max-memory SIZE\n"
		"                  memory budget for what an input file claims and what the\n"
		"                  analysis builds from it (default 1G; K, M, G suffixes;\n"
		"                  also KSTEP_MAX_MEMORY)\n"
		"  --version       print the version and exit\n"
		"  -h, --help      print this help and exit\n"
		"\n"
		"Exit status: 0 success, 1 differences (diff), 2 unusable input or usage error.\n");
}

/* Sets the memory budget from text; from names where it came from. Returns 0 or -1. */
static int set_budget(const char *text, const char *from)
{
	uint64_t bytes;

	if (kstep_budget_parse(text, &bytes) || bytes < (1ULL << 20)) {
		kstep_error("%s '%s' is not a memory size of at least 1M (e.g. 256M, 2G)", from, text);
		return -1;
	}
	kstep_budget_set(bytes);
	return 0;
}

/*
 * kstep help --man [COMMAND]: the OPTIONS section of the man page, made from
 * the options table a command's help is made from (kstep's own, from what
 * kstep --help prints), so that the man pages and the help cannot drift apart.
 */
static int help_man(const char *name)
{
	const struct kstep_cmd *cmd = name ? find_cmd(name) : NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *mem;

	if (name && !cmd) {
		kstep_error("no such command '%s' (see kstep --help)", name);
		return KSTEP_EXIT_ERROR;
	}
	if (cmd) {
		kstep_cli_man(stdout, cmd->cli);
		return KSTEP_EXIT_OK;
	}
	if (!(mem = open_memstream(&text, &len))) {
		kstep_error("out of memory");
		return KSTEP_EXIT_ERROR;
	}
	usage(mem);
	fclose(mem);
	kstep_cli_man_from_text(stdout, text);
	free(text);
	return KSTEP_EXIT_OK;
}

static int help_cmd(int argc, char **argv)
{
	const struct kstep_cmd *cmd;

	if (argc >= 2 && !strcmp(argv[1], "--man"))
		return help_man(argc >= 3 ? argv[2] : NULL);
	if (argc >= 2 && !strcmp(argv[1], "--commands")) {
		/* for shell completion */
		size_t i;

		for (i = 0; i < KSTEP_ARRAY_SIZE(commands); i++)
			printf("%s\n", commands[i]->name);
		printf("help\n");
		return KSTEP_EXIT_OK;
	}
	if (argc >= 3 && !strcmp(argv[1], "--formats")) {
		/* for shell completion: the command's --format values, one a line */
		const char *p;

		if (!(cmd = find_cmd(argv[2]))) {
			kstep_error("no such command '%s' (see kstep --help)", argv[2]);
			return KSTEP_EXIT_ERROR;
		}
		for (p = cmd->cli->formats; p && *p; p += strcspn(p, "|"), p += *p == '|')
			printf("%.*s\n", (int)strcspn(p, "|"), p);
		return KSTEP_EXIT_OK;
	}
	if (argc < 2) {
		usage(stdout);
		return KSTEP_EXIT_OK;
	}
	cmd = find_cmd(argv[1]);
	if (!cmd) {
		kstep_error("no such command '%s' (see kstep --help)", argv[1]);
		return KSTEP_EXIT_ERROR;
	}
	kstep_cli_help(stdout, cmd->cli);
	return KSTEP_EXIT_OK;
}

int main(int argc, char **argv)
{
	const struct kstep_cmd *cmd;
	int level = KSTEP_LOG_WARN;
	const char *env = getenv("KSTEP_MAX_MEMORY");
	int i;

	if (env && *env && set_budget(env, "KSTEP_MAX_MEMORY"))
		return KSTEP_EXIT_ERROR;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--version")) {
			printf("kstep %s\n", PACKAGE_VERSION);
			return KSTEP_EXIT_OK;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return KSTEP_EXIT_OK;
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			level++;
		} else if (!strcmp(a, "-vv")) {
			level += 2;
		} else if (!strcmp(a, "--max-memory")) {
			if (i + 1 >= argc) {
				kstep_error("--max-memory needs a size (e.g. kstep --max-memory 256M steps FILE)");
				return KSTEP_EXIT_ERROR;
			}
			if (set_budget(argv[++i], "--max-memory"))
				return KSTEP_EXIT_ERROR;
		} else if (!strncmp(a, "--max-memory=", 13)) {
			if (set_budget(a + 13, "--max-memory"))
				return KSTEP_EXIT_ERROR;
		} else {
			kstep_error("unknown option '%s' (see kstep --help)", a);
			return KSTEP_EXIT_ERROR;
		}
	}
	kstep_log_set_level(level);
	{
		const char *nc = getenv("NO_COLOR");

		kstep_log_set_color(isatty(STDERR_FILENO) && !(nc && *nc));
	}
	if (i >= argc) {
		usage(stderr);
		return KSTEP_EXIT_ERROR;
	}
	if (!strcmp(argv[i], "help"))
		return help_cmd(argc - i, argv + i);
	cmd = find_cmd(argv[i]);
	if (!cmd) {
		kstep_error("'%s' is not a kstep command (see kstep --help)", argv[i]);
		return KSTEP_EXIT_ERROR;
	}
	return cmd->run(argc - i, argv + i);
}
