// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd-convert.c - kstep convert IN -o OUT: rewrite a trace.dat in another
 * version or compression with kstep's own reader and writer.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "datfile.h"
#include "log.h"

static const char usage[] =
	"usage: kstep convert [--file-version 6|7] [--compression zstd|none] IN -o OUT\n"
	"\n"
	"Rewrite a trace.dat (version 6 or 7, zstd or not) as another version or\n"
	"compression, keeping every event page, format, option and kstep's own\n"
	"records. OUT is written under a temporary name and renamed when complete.\n"
	"Defaults: version 7, zstd.\n";

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file-version", required_argument, NULL, 'V' },
		{ "compression", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *comp = "zstd";
	int version = 7, c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'V':
			version = atoi(optarg);
			if (version != 6 && version != 7) {
				kstep_error("--file-version takes 6 or 7");
				return KSTEP_EXIT_ERROR;
			}
			break;
		case 'c':
			if (strcmp(optarg, "zstd") && strcmp(optarg, "none")) {
				kstep_error("--compression takes zstd or none");
				return KSTEP_EXIT_ERROR;
			}
			comp = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return KSTEP_EXIT_OK;
		default:
			fputs(usage, stderr);
			return KSTEP_EXIT_ERROR;
		}
	}
	if (optind + 1 != argc || !out) {
		kstep_error("convert takes one input file and -o OUT (see kstep help convert)");
		return KSTEP_EXIT_ERROR;
	}
	return kstep_dat_copy(argv[optind], out, version, comp, 0, NULL, 0) ? KSTEP_EXIT_ERROR : KSTEP_EXIT_OK;
}

const struct kstep_cmd kstep_cmd_convert = {
	.name = "convert",
	.run = run,
	.summary = "rewrite a trace.dat as version 6 or 7, compressed or not",
	.usage = usage,
};
