// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd-convert.c - kstep convert IN -o OUT: rewrite a trace.dat in another
 * version or compression with kstep's own reader and writer.
 */
#include "config.h"

#include <stdio.h>

#include "cli.h"
#include "cmds.h"
#include "datfile.h"
#include "log.h"

static const struct kstep_cli_use opts[] = {
	{ KSTEP_CLI_SECTION, "" },
	{ KSTEP_CLI_FILE_VERSION, "the version to write (default 7)" },
	{ KSTEP_CLI_COMPRESSION, "the compression of a version 7 file (default zstd)" },
	{ KSTEP_CLI_OUTPUT, "the file to write" },
	{ KSTEP_CLI_END, NULL },
};

static const struct kstep_cli_cmd cli = {
	.name = "convert",
	.synopsis = "usage: kstep convert [--file-version 6|7] [--compression zstd|none] IN -o OUT\n",
	.text = "Rewrite a trace.dat (version 6 or 7, zstd or not) as another version or\n"
		"compression, keeping every event page, format, option and kstep's own\n"
		"records. OUT is written under a temporary name and renamed when complete.\n"
		"Defaults: version 7, zstd.\n",
	.opts = opts,
};

static int convert(const struct kstep_cli *a)
{
	if (a->nargs != 1 || !a->output) {
		kstep_error("convert takes one input file and -o OUT (see kstep help convert)");
		return KSTEP_EXIT_ERROR;
	}
	if (kstep_dat_copy(a->args[0], a->output, a->file_version, a->compression, 0, NULL, 0))
		return KSTEP_EXIT_ERROR;
	return KSTEP_EXIT_OK;
}

static int run(int argc, char **argv)
{
	return kstep_cli_run(&cli, argc, argv, convert);
}

const struct kstep_cmd kstep_cmd_convert = {
	.name = "convert",
	.run = run,
	.summary = "rewrite a trace.dat as version 6 or 7, compressed or not",
	.cli = &cli,
};
