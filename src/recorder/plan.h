/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * plan.h - probe plans: what to record for an action, as data (plugins/plans
 * and user files, directives in doc/plans.md), and their resolution against
 * the running kernel: each item is applied or skipped with the reason, so a
 * plan degrades by capability instead of failing.
 */
#ifndef KSTEP_PLAN_H
#define KSTEP_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "caps.h"
#include "util.h"

enum kstep_pi_kind {
	KSTEP_PI_WINDOW_UPROBE = 1,	/* window uprobe BIN:SYM */
	KSTEP_PI_WINDOW_SYSCALL,	/* window syscall NAME */
	KSTEP_PI_SYSCALL,		/* syscall NAME */
	KSTEP_PI_GRAPH,			/* graph FUNC */
	KSTEP_PI_GRAPH_DEPTH,		/* graph-depth N */
	KSTEP_PI_KPROBE,		/* kprobe FUNC [ARGS] [window] [if FILTER] */
	KSTEP_PI_KRETPROBE,		/* kretprobe FUNC [ARGS] */
	KSTEP_PI_FPROBE,		/* fprobe FUNC [ARGS] */
	KSTEP_PI_FEXIT,			/* fexit FUNC [ARGS] */
	KSTEP_PI_FIELD,			/* field FUNC ARG->MEMBER[:STRUCT]... */
	KSTEP_PI_UPROBE,		/* uprobe BIN:SYM [ARGS] */
	KSTEP_PI_URETPROBE,		/* uretprobe BIN:SYM [ARGS] */
	KSTEP_PI_EVENT,			/* event SYS:EVENT [stack] [window] [if FILTER] */
	KSTEP_PI_EPROBE,		/* eprobe SYS:EVENT ARGS [window] */
	KSTEP_PI_OBJECT,		/* object FUNC [return] PATH{FIELD,...} */
	KSTEP_PI_LOOKUP,		/* lookup FUNC NAME=SYMBOL[INDEX:LO..HI][:ELEM.MEMBER:STRUCT{FIELD,...}] */
};

struct kstep_plan_item {
	enum kstep_pi_kind kind;
	int line;
	char *target;
	char *args;		/* fetch args, a field path, or an event filter */
	bool stack;
	bool window;
	char *filter;		/* kernel probes: "if FILTER", the event's filter */
	int depth;
	char fname[32];		/* field: the value's name when the plan gives NAME=PATH */
	/* resolution */
	bool applied;
	char note[256];		/* why skipped, or what it became */
	char *fetch;		/* field, object: the fetch arguments computed from BTF */
	char *layout;		/* object, lookup: its lines of the objects or lookups option (btfobj.h) */
	bool ret;		/* object: read at the return (kretprobe) */
	bool fprobe;		/* object: rides on an fprobe/fexit event */
	char *path;		/* uprobes: the file */
	char tsys[64];		/* eprobes: the event they attach to */
	char tevent[128];
	uint64_t offset;	/* uprobes: the function's offset in it */
	char system[64];	/* the trace event it records into */
	char event[96];
};

struct kstep_plan {
	char *name;
	struct kstep_sbuf asked;	/* the plan text as given */
	struct kstep_vec items;		/* struct kstep_plan_item */
	int window;			/* index of the applied window item, -1 none */
};

/* What the plan is resolved against. */
struct kstep_plan_env {
	const struct kstep_caps *caps;
	const char *prog;	/* the traced program's file */
	const char *group;	/* the probe group kstep creates events in */
	const char *kallsyms;	/* /proc/kallsyms text */
	size_t kallsyms_len;
};

void kstep_plan_init(struct kstep_plan *p);
void kstep_plan_free(struct kstep_plan *p);

/*
 * Adds the plan NAME (built in, see kstep record --list-plans) or the plan
 * file at a path. Returns 0, or -1 with a message (naming the line) in err.
 */
int kstep_plan_load(struct kstep_plan *p, const char *name_or_path, char *err, size_t errlen);
/* Adds one directive line (also how the command-line shortcuts arrive). */
int kstep_plan_add(struct kstep_plan *p, const char *line, const char *origin, int lineno, char *err,
		   size_t errlen);
/* The built-in plans, generated from plugins/plans (src/plan-builtin.c). */
struct kstep_builtin_plan {
	const char *name;
	const char *text;
};
extern const struct kstep_builtin_plan kstep_builtin_plans[];

/* Returns the text of a built-in plan, or NULL. */
const char *kstep_plan_builtin(const char *name);
/* Prints the names of the built-in plans, one per line. */
void kstep_plan_list(void);

/* Decides for every item whether it applies here, and fills its resolution. */
void kstep_plan_resolve(struct kstep_plan *p, const struct kstep_plan_env *env);
/* Returns the plan as applied: applied lines, then "# skipped: ..." lines. Caller frees. */
char *kstep_plan_applied(const struct kstep_plan *p);
/* Returns the item with index i. */
struct kstep_plan_item *kstep_plan_item(const struct kstep_plan *p, size_t i);

/* Returns the layout lines of every applied object read (option 0x4b0c); caller frees. */
char *kstep_plan_objects(const struct kstep_plan *p);
/* Returns the lookups' lines of option 0x4b0e (btfobj.h), "" when none; the caller frees it. */
char *kstep_plan_lookups(const struct kstep_plan *p);

#endif
