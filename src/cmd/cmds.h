/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmds.h - the subcommands, one source file each (src/cmd-NAME.c).
 */
#ifndef KSTEP_CMDS_H
#define KSTEP_CMDS_H

#include <stdio.h>

struct kstep_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
	const char *usage;	/* full help text for "kstep help NAME", or NULL: */
	void (*help)(FILE *out);	/* writes it (generated from the options table) */
	void (*man)(FILE *out);		/* its man page's OPTIONS (roff) from that table, or NULL */
	const char *formats;		/* --format values, "|"-separated, or NULL (for completion) */
};

extern const struct kstep_cmd kstep_cmd_steps;
extern const struct kstep_cmd kstep_cmd_tree;
extern const struct kstep_cmd kstep_cmd_info;
extern const struct kstep_cmd kstep_cmd_caps;
extern const struct kstep_cmd kstep_cmd_record;
extern const struct kstep_cmd kstep_cmd_convert;
extern const struct kstep_cmd kstep_cmd_diff;
extern const struct kstep_cmd kstep_cmd_annotate;
extern const struct kstep_cmd kstep_cmd_redact;
extern const struct kstep_cmd kstep_cmd_verify;

#endif
