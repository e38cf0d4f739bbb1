/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmds.h - the subcommands, one source file each (src/cmd-NAME.c).
 */
#ifndef KSTEP_CMDS_H
#define KSTEP_CMDS_H

#include <stdio.h>

struct kstep_cli_cmd;

struct kstep_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
	/* its options: the help, the man page's OPTIONS and the --format values come from them */
	const struct kstep_cli_cmd *cli;
};

extern const struct kstep_cmd kstep_cmd_steps;
extern const struct kstep_cmd kstep_cmd_tree;
extern const struct kstep_cmd kstep_cmd_objects;
extern const struct kstep_cmd kstep_cmd_info;
extern const struct kstep_cmd kstep_cmd_caps;
extern const struct kstep_cmd kstep_cmd_record;
extern const struct kstep_cmd kstep_cmd_convert;
extern const struct kstep_cmd kstep_cmd_diff;
extern const struct kstep_cmd kstep_cmd_annotate;
extern const struct kstep_cmd kstep_cmd_redact;
extern const struct kstep_cmd kstep_cmd_verify;

#endif
