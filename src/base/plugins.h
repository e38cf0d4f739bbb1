/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * plugins.h - the data tables generated from the plugins/ .tbl files: constants whose
 * values come from the system headers (the recorder cites their definitions,
 * the analysis decodes with them), name lists (hide, probe overhead,
 * interrupt entry, stack noise) and the field-to-decoder map.
 */
#ifndef KSTEP_PLUGINS_H
#define KSTEP_PLUGINS_H

enum kstep_tbl_kind {
	KSTEP_TBL_ENUM = 1,
	KSTEP_TBL_FLAGS = 2,
};

struct kstep_const {
	const char *name;
	long long value;
	const char *cname;	/* the header's name for it (__NR_read for "read") */
};

struct kstep_table {
	const char *name;
	int kind;
	const char *header;	/* where the values come from, as in #include <...> */
	const struct kstep_const *v;	/* ends with a NULL name */
};

struct kstep_list {
	const char *name;
	const char *const *v;		/* ends with NULL */
};

struct kstep_fieldmap {
	const char *field;
	const char *where;
	const char *table;
};

extern const struct kstep_table kstep_tables[];
extern const struct kstep_list kstep_lists[];
extern const struct kstep_fieldmap kstep_fieldmap[];

#endif
