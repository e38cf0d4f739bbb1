/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * caps.h - what this kernel lets kstep use, found by trying each facility
 * in a scratch tracefs instance and probe group, never by reading config.
 * Each "no" says why: absent (the kernel lacks it) or refused (it exists but
 * the write failed, e.g. EPERM under a locked-down VM).
 */
#ifndef KSTEP_CAPS_H
#define KSTEP_CAPS_H

#include <stdbool.h>
#include <stdio.h>

/* Capabilities */
enum kstep_cap_id {
	KSTEP_CAP_ROOT = 0,
	KSTEP_CAP_TRACEFS,
	KSTEP_CAP_INSTANCES,
	KSTEP_CAP_FUNCTION,		/* the function tracer */
	KSTEP_CAP_FUNCTION_GRAPH,
	KSTEP_CAP_FTRACE_FILTER,	/* set_ftrace_filter / set_graph_function */
	KSTEP_CAP_FUNCGRAPH_RETVAL,
	KSTEP_CAP_KPROBES,
	KSTEP_CAP_KRETPROBES,
	KSTEP_CAP_UPROBES,
	KSTEP_CAP_DYNAMIC_EVENTS,
	KSTEP_CAP_FPROBES,
	KSTEP_CAP_EPROBES,
	KSTEP_CAP_BTF_ARGS,		/* probe args named from BTF */
	KSTEP_CAP_BTF,			/* /sys/kernel/btf/vmlinux for struct offsets */
	KSTEP_CAP_SYSCALL_EVENTS,
	KSTEP_CAP_TRIGGERS,		/* event triggers: stacktrace, enable_event */
	KSTEP_CAP_EVENT_PID,		/* set_event_pid */
	KSTEP_CAP_FTRACE_PID,		/* set_ftrace_pid */
	KSTEP_CAP_LOCKDOWN,
	KSTEP_CAP_KALLSYMS,		/* addresses visible (kptr_restrict) */
	KSTEP_CAP_COUNT,
};

enum kstep_cap_state {
	KSTEP_CAP_UNKNOWN = 0,
	KSTEP_CAP_YES,
	KSTEP_CAP_ABSENT,
	KSTEP_CAP_REFUSED,
};

struct kstep_cap {
	enum kstep_cap_state state;
	char why[240];
};

struct kstep_caps {
	struct kstep_cap c[KSTEP_CAP_COUNT];
	char tracefs[256];	/* where tracefs is mounted */
	char tracers[256];	/* available_tracers */
	char uname[256];
	/*
	 * The tracer works only in the top-level instance (function_graph
	 * before 6.6): kstep must record there, saving and restoring its state.
	 */
	bool graph_top_only;
	size_t elog_seen;	/* bytes of the kernel's error_log already accounted for */
};

/*
 * Probes everything, creating and removing a scratch instance and probe
 * group of its own. Never fails: what cannot be probed is reported as such.
 */
void kstep_caps_probe(struct kstep_caps *caps);

bool kstep_caps_has(const struct kstep_caps *caps, enum kstep_cap_id id);
/* Returns the capability's short name ("kprobes", "function_graph"). */
const char *kstep_cap_name(enum kstep_cap_id id);

/* Writes the report: text for people, or JSON. */
void kstep_caps_print(const struct kstep_caps *caps, FILE *out, bool json);
/* Returns the report as one malloc'd text (one "name state why" line each). */
char *kstep_caps_text(const struct kstep_caps *caps);

#endif
