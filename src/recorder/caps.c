// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * caps.c - probing what tracefs lets kstep do here, by trying it.
 *
 * Everything is tried in a scratch instance ("kstep-caps-PID") and a
 * scratch probe group ("kstep_caps_PID") that are removed before returning,
 * so probing leaves tracefs as it was.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <tracefs.h>

#include "caps.h"
#include "elfsym.h"
#include "json.h"
#include "log.h"
#include "util.h"

static const char *const cap_names[KSTEP_CAP_COUNT] = {
	[KSTEP_CAP_ROOT] = "root",
	[KSTEP_CAP_TRACEFS] = "tracefs",
	[KSTEP_CAP_INSTANCES] = "instances",
	[KSTEP_CAP_FUNCTION] = "function",
	[KSTEP_CAP_FUNCTION_GRAPH] = "function_graph",
	[KSTEP_CAP_FTRACE_FILTER] = "ftrace_filter",
	[KSTEP_CAP_FUNCGRAPH_RETVAL] = "funcgraph_retval",
	[KSTEP_CAP_KPROBES] = "kprobes",
	[KSTEP_CAP_KRETPROBES] = "kretprobes",
	[KSTEP_CAP_UPROBES] = "uprobes",
	[KSTEP_CAP_DYNAMIC_EVENTS] = "dynamic_events",
	[KSTEP_CAP_FPROBES] = "fprobes",
	[KSTEP_CAP_EPROBES] = "eprobes",
	[KSTEP_CAP_BTF_ARGS] = "btf_args",
	[KSTEP_CAP_BTF] = "btf",
	[KSTEP_CAP_SYSCALL_EVENTS] = "syscall_events",
	[KSTEP_CAP_TRIGGERS] = "triggers",
	[KSTEP_CAP_EVENT_PID] = "event_pid",
	[KSTEP_CAP_FTRACE_PID] = "ftrace_pid",
	[KSTEP_CAP_LOCKDOWN] = "lockdown",
	[KSTEP_CAP_KALLSYMS] = "kallsyms",
};

/* Kernel functions present on every kernel kstep targets, to try probes on. */
static const char *const probe_targets[] = { "vfs_read", "ksys_read", "do_sys_openat2",
					     "__x64_sys_getpid" };

struct probe_ctx {
	struct kstep_caps *caps;
	struct tracefs_instance *inst;
	char group[64];
	const char *target;	/* a kernel function to put probes on */
};

static void set(struct kstep_caps *caps, enum kstep_cap_id id, enum kstep_cap_state st,
		const char *fmt, ...) KSTEP_PRINTF(4, 5);

static void set(struct kstep_caps *caps, enum kstep_cap_id id, enum kstep_cap_state st,
		const char *fmt, ...)
{
	va_list ap;

	caps->c[id].state = st;
	va_start(ap, fmt);
	vsnprintf(caps->c[id].why, sizeof(caps->c[id].why), fmt, ap);
	va_end(ap);
	if (st != KSTEP_CAP_UNKNOWN)
		kstep_debug("caps: %s: %s", cap_names[id], caps->c[id].why);
}

/* A failed write: EPERM/EACCES is a refusal, anything else says its errno. */
/* What the kernel's error_log gained since it was last looked at, or NULL. */
static char *new_kernel_error(struct kstep_caps *caps)
{
	char *all = tracefs_error_all(NULL), *fresh = NULL;
	size_t len = all ? strlen(all) : 0;

	if (all && len > caps->elog_seen)
		fresh = kstep_xstrdup(all + caps->elog_seen);
	caps->elog_seen = len;
	free(all);
	return fresh;
}

static void set_write_failure(struct kstep_caps *caps, enum kstep_cap_id id, int err,
			      const char *what)
{
	char *klog = new_kernel_error(caps);

	set(caps, id, KSTEP_CAP_REFUSED, "refused: %s: %s%s%s", what, strerror(err),
	    klog && *klog ? "; kernel says: " : "", klog && *klog ? klog : "");
	free(klog);
	/* the kernel's error log is multi-line: keep the report on one line */
	for (char *q = caps->c[id].why; *q; q++)
		if (*q == '\n')
			*q = ' ';
}

bool kstep_caps_has(const struct kstep_caps *caps, enum kstep_cap_id id)
{
	return caps->c[id].state == KSTEP_CAP_YES;
}

const char *kstep_cap_name(enum kstep_cap_id id)
{
	return id < KSTEP_CAP_COUNT ? cap_names[id] : "?";
}

/* The first max bytes of a file, NUL-terminated; NULL when unreadable. */
static char *read_head(const char *path, size_t max)
{
	struct kstep_sbuf b = { 0 };
	char buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	while (b.len < max && (n = read(fd, buf, sizeof(buf))) > 0)
		kstep_sbuf_addn(&b, buf, (size_t)n);
	close(fd);
	return kstep_sbuf_steal(&b);
}

static char *read_small(const char *path)
{
	return read_head(path, 4096);
}

static bool ksym_exists(const char *name)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	char line[512];
	size_t l = strlen(name);
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ' ');

		if (p && (p = strchr(p + 1, ' ')) && !strncmp(p + 1, name, l) &&
		    (p[1 + l] == '\n' || p[1 + l] == '\t' || p[1 + l] == '\0'))
			found = true;
	}
	fclose(f);
	return found;
}

/* Individual probes */

static void probe_root(struct kstep_caps *caps)
{
	if (geteuid() == 0)
		set(caps, KSTEP_CAP_ROOT, KSTEP_CAP_YES, "running as root");
	else
		set(caps, KSTEP_CAP_ROOT, KSTEP_CAP_REFUSED,
		    "not root: tracing needs root (run kstep record with sudo)");
}

static bool probe_tracefs(struct kstep_caps *caps)
{
	const char *path = tracefs_tracing_dir();

	/*
	 * Not tracefs_tracing_dir_is_mounted(): libtracefs 1.6 leaks the path it
	 * returns. tracefs_tracing_dir() keeps its answer; root mounts it first.
	 */
	if (!path && geteuid() == 0 && !mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL))
		path = tracefs_tracing_dir();
	if (!path) {
		set(caps, KSTEP_CAP_TRACEFS, geteuid() == 0 ? KSTEP_CAP_ABSENT : KSTEP_CAP_REFUSED,
		    "%s", geteuid() == 0 ? "absent: tracefs cannot be mounted (kernel without tracing?)" :
		    "refused: tracefs is not mounted and only root may mount it");
		return false;
	}
	snprintf(caps->tracefs, sizeof(caps->tracefs), "%s", path);
	set(caps, KSTEP_CAP_TRACEFS, KSTEP_CAP_YES, "mounted at %s", path);
	return true;
}

static bool probe_instances(struct probe_ctx *p)
{
	char name[64];

	snprintf(name, sizeof(name), "kstep-caps-%d", (int)getpid());
	p->inst = tracefs_instance_create(name);
	if (!p->inst) {
		set_write_failure(p->caps, KSTEP_CAP_INSTANCES, errno, "creating an instance");
		return false;
	}
	set(p->caps, KSTEP_CAP_INSTANCES, KSTEP_CAP_YES, "own instances work");
	return true;
}

static bool listed(const char *list, const char *word)
{
	char *padded = kstep_xasprintf(" %s ", list ? list : ""), *w = kstep_xasprintf(" %s ", word);
	bool found;

	for (char *q = padded; *q; q++)
		if (*q == '\n')
			*q = ' ';
	found = strstr(padded, w) != NULL;
	free(padded);
	free(w);
	return found;
}

/*
 * A tracer switched on traces every function until it is switched off, which
 * can stall an emulated machine: one filtered function is enough to learn
 * whether the tracer is allowed. Returns 0 or -1 with errno from the switch.
 */
static int try_tracer(struct probe_ctx *p, struct tracefs_instance *inst, const char *tracer)
{
	bool filtered = p->target &&
			tracefs_instance_file_write(inst, "set_ftrace_filter", p->target) >= 0;
	int ret = tracefs_instance_file_write(inst, "current_tracer", tracer), err = errno;

	if (ret >= 0)
		tracefs_instance_file_write(inst, "current_tracer", "nop");
	if (filtered)
		tracefs_instance_file_clear(inst, "set_ftrace_filter");
	errno = err;
	return ret < 0 ? -1 : 0;
}

/* The top level's function filter is someone else's when it is not empty. */
static bool top_filter_free(void)
{
	char *f = tracefs_instance_file_read(NULL, "set_ftrace_filter", NULL);
	bool free_ = !f || !*f || !strncmp(f, "#### all functions enabled ####", 31);

	free(f);
	return free_;
}

/*
 * Some tracers exist only in the top-level instance (function_graph before
 * 6.6): try it there when the top level is idle, and put it back.
 */
static void probe_top_tracer(struct probe_ctx *p, enum kstep_cap_id id, const char *tracer)
{
	char *top = tracefs_instance_file_read(NULL, "available_tracers", NULL);
	char *cur = tracefs_instance_file_read(NULL, "current_tracer", NULL);

	if (!listed(top, tracer)) {
		set(p->caps, id, KSTEP_CAP_ABSENT, "absent: not in available_tracers");
	} else if (!cur || strncmp(cur, "nop", 3)) {
		set(p->caps, id, KSTEP_CAP_REFUSED, "only in the top-level instance, which is in use "
		    "(current_tracer=%.*s)", cur ? (int)strcspn(cur, "\n") : 1, cur ? cur : "?");
	} else if (!top_filter_free()) {
		set(p->caps, id, KSTEP_CAP_REFUSED, "only in the top-level instance, whose "
		    "set_ftrace_filter is in use");
	} else if (try_tracer(p, NULL, tracer) < 0) {
		set_write_failure(p->caps, id, errno, "writing the top-level current_tracer");
	} else {
		set(p->caps, id, KSTEP_CAP_YES, "only in the top-level instance: kstep records there and "
		    "restores it");
		if (id == KSTEP_CAP_FUNCTION_GRAPH)
			p->caps->graph_top_only = true;
	}
	free(top);
	free(cur);
}

static void probe_tracer(struct probe_ctx *p, enum kstep_cap_id id, const char *tracer)
{
	char *avail = tracefs_instance_file_read(p->inst, "available_tracers", NULL);
	bool here = listed(avail, tracer);

	free(avail);
	if (!here) {
		probe_top_tracer(p, id, tracer);
		return;
	}
	if (try_tracer(p, p->inst, tracer) < 0) {
		set_write_failure(p->caps, id, errno, "writing current_tracer");
		return;
	}
	/* graph roots are what make function_graph usable for one action */
	if (id == KSTEP_CAP_FUNCTION_GRAPH && !tracefs_file_exists(p->inst, "set_graph_function") &&
	    tracefs_file_exists(NULL, "set_graph_function")) {
		p->caps->graph_top_only = true;
		set(p->caps, id, KSTEP_CAP_YES, "usable in an own instance, but set_graph_function "
		    "exists only in the top-level one: kstep records there and restores it");
		return;
	}
	set(p->caps, id, KSTEP_CAP_YES, "usable in an own instance");
}

static void probe_filter(struct probe_ctx *p)
{
	if (!tracefs_file_exists(p->inst, "set_ftrace_filter")) {
		set(p->caps, KSTEP_CAP_FTRACE_FILTER, KSTEP_CAP_ABSENT, "absent: no set_ftrace_filter");
		return;
	}
	if (tracefs_instance_file_write(p->inst, "set_ftrace_filter", p->target) < 0) {
		set_write_failure(p->caps, KSTEP_CAP_FTRACE_FILTER, errno, "writing set_ftrace_filter");
		return;
	}
	tracefs_instance_file_clear(p->inst, "set_ftrace_filter");
	set(p->caps, KSTEP_CAP_FTRACE_FILTER, KSTEP_CAP_YES, "function filters work");
}

static void probe_kprobe(struct probe_ctx *p, enum kstep_cap_id id, bool ret)
{
	struct tracefs_dynevent *ev;

	if (!tracefs_file_exists(NULL, "kprobe_events")) {
		set(p->caps, id, KSTEP_CAP_ABSENT, "absent: no kprobe_events (CONFIG_KPROBE_EVENTS off)");
		return;
	}
	if (!p->target) {
		set(p->caps, id, KSTEP_CAP_UNKNOWN, "no kernel function to try a probe on");
		return;
	}
	ev = ret ? tracefs_kretprobe_alloc(p->group, "kr", p->target, "ret=$retval", 0) :
		   tracefs_kprobe_alloc(p->group, "kp", p->target, NULL);
	if (!ev || tracefs_dynevent_create(ev) < 0) {
		set_write_failure(p->caps, id, errno, "creating a probe");
	} else {
		set(p->caps, id, KSTEP_CAP_YES, "a %s on %s works", ret ? "kretprobe" : "kprobe", p->target);
		tracefs_dynevent_destroy(ev, true);
	}
	tracefs_dynevent_free(ev);
}

static void probe_uprobe(struct probe_ctx *p)
{
	char exe[512], err[256];
	struct tracefs_dynevent *ev;
	uint64_t off;
	ssize_t n;

	if (!tracefs_file_exists(NULL, "uprobe_events")) {
		set(p->caps, KSTEP_CAP_UPROBES, KSTEP_CAP_ABSENT, "absent: no uprobe_events");
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0 || (exe[n] = '\0', kstep_elf_func_offset(exe, "main", &off, err, sizeof(err)))) {
		set(p->caps, KSTEP_CAP_UPROBES, KSTEP_CAP_UNKNOWN, "cannot find kstep's own main to try");
		return;
	}
	ev = tracefs_uprobe_alloc(p->group, "up", exe, off, NULL);
	if (!ev || tracefs_dynevent_create(ev) < 0) {
		set_write_failure(p->caps, KSTEP_CAP_UPROBES, errno, "creating a uprobe");
	} else {
		set(p->caps, KSTEP_CAP_UPROBES, KSTEP_CAP_YES, "uprobes and uretprobes with fetch args");
		tracefs_dynevent_destroy(ev, true);
	}
	tracefs_dynevent_free(ev);
}

/* Creates "DEF" in dynamic_events and removes it again; 0 or errno. */
static int try_dynevent(struct probe_ctx *p, const char *kind, const char *name, const char *rest)
{
	char *def = kstep_xasprintf("%s:%s/%s %s\n", kind, p->group, name, rest);
	char *del = kstep_xasprintf("-:%s/%s\n", p->group, name);
	int ret = 0;

	if (tracefs_instance_file_append(NULL, "dynamic_events", def) < 0)
		ret = errno ? errno : EINVAL;
	else
		tracefs_instance_file_append(NULL, "dynamic_events", del);
	free(def);
	free(del);
	return ret;
}

static void probe_dynamic(struct probe_ctx *p)
{
	char *readme = tracefs_instance_file_read(NULL, "README", NULL);
	int e;

	if (!tracefs_file_exists(NULL, "dynamic_events")) {
		set(p->caps, KSTEP_CAP_DYNAMIC_EVENTS, KSTEP_CAP_ABSENT, "absent: no dynamic_events");
		set(p->caps, KSTEP_CAP_FPROBES, KSTEP_CAP_ABSENT, "absent: no dynamic_events");
		set(p->caps, KSTEP_CAP_EPROBES, KSTEP_CAP_ABSENT, "absent: no dynamic_events");
		set(p->caps, KSTEP_CAP_BTF_ARGS, KSTEP_CAP_ABSENT, "absent: no dynamic_events");
		free(readme);
		return;
	}
	set(p->caps, KSTEP_CAP_DYNAMIC_EVENTS, KSTEP_CAP_YES, "dynamic_events exists");
	if (!readme || !strstr(readme, "f[:[<group>/][<event>]]")) {
		set(p->caps, KSTEP_CAP_FPROBES, KSTEP_CAP_ABSENT, "absent: tracefs README lists no f: events");
	} else if (!p->target) {
		set(p->caps, KSTEP_CAP_FPROBES, KSTEP_CAP_UNKNOWN, "no kernel function to try an fprobe on");
	} else if ((e = try_dynevent(p, "f", "fp", p->target))) {
		set_write_failure(p->caps, KSTEP_CAP_FPROBES, e, "creating an fprobe");
	} else {
		set(p->caps, KSTEP_CAP_FPROBES, KSTEP_CAP_YES, "an fprobe on %s works", p->target);
	}
	if (!readme || !strstr(readme, "e[:[<group>/][<event>]]"))
		set(p->caps, KSTEP_CAP_EPROBES, KSTEP_CAP_ABSENT, "absent: tracefs README lists no e: events");
	else if ((e = try_dynevent(p, "e", "ep", "syscalls.sys_enter_getpid")))
		set_write_failure(p->caps, KSTEP_CAP_EPROBES, e, "creating an eprobe");
	else
		set(p->caps, KSTEP_CAP_EPROBES, KSTEP_CAP_YES, "eprobes on trace events work");
	if (!readme || !strstr(readme, "<argname>"))
		set(p->caps, KSTEP_CAP_BTF_ARGS, KSTEP_CAP_ABSENT,
		    "absent: tracefs README lists no BTF-named arguments");
	else if (kstep_caps_has(p->caps, KSTEP_CAP_FPROBES) && !strcmp(p->target, "vfs_read") &&
		 (e = try_dynevent(p, "f", "fa", "vfs_read count")))
		set_write_failure(p->caps, KSTEP_CAP_BTF_ARGS, e, "an fprobe with a named argument");
	else
		set(p->caps, KSTEP_CAP_BTF_ARGS, KSTEP_CAP_YES, "probe arguments by name (BTF)");
	free(readme);
}

static void probe_triggers(struct probe_ctx *p)
{
	if (!tracefs_event_file_exists(p->inst, "syscalls", "sys_enter_getpid", "trigger")) {
		set(p->caps, KSTEP_CAP_SYSCALL_EVENTS,
		    tracefs_dir_exists(p->inst, "events/syscalls") ? KSTEP_CAP_YES : KSTEP_CAP_ABSENT,
		    "%s", tracefs_dir_exists(p->inst, "events/syscalls") ? "syscall events exist" :
		    "absent: no syscalls events (CONFIG_FTRACE_SYSCALLS off)");
		set(p->caps, KSTEP_CAP_TRIGGERS, KSTEP_CAP_UNKNOWN, "no syscall event to try a trigger on");
		return;
	}
	set(p->caps, KSTEP_CAP_SYSCALL_EVENTS, KSTEP_CAP_YES, "sys_enter_* / sys_exit_* events");
	if (tracefs_event_file_write(p->inst, "syscalls", "sys_enter_getpid", "trigger", "stacktrace") < 0) {
		set_write_failure(p->caps, KSTEP_CAP_TRIGGERS, errno, "a stacktrace trigger");
		return;
	}
	tracefs_event_file_write(p->inst, "syscalls", "sys_enter_getpid", "trigger", "!stacktrace");
	if (tracefs_event_file_write(p->inst, "syscalls", "sys_enter_getpid", "trigger",
				     "enable_event:syscalls:sys_exit_getpid") < 0) {
		set_write_failure(p->caps, KSTEP_CAP_TRIGGERS, errno, "an enable_event trigger");
		return;
	}
	tracefs_event_file_write(p->inst, "syscalls", "sys_enter_getpid", "trigger",
				 "!enable_event:syscalls:sys_exit_getpid");
	set(p->caps, KSTEP_CAP_TRIGGERS, KSTEP_CAP_YES, "stacktrace and enable_event triggers");
}

static void probe_pidfile(struct probe_ctx *p, enum kstep_cap_id id, const char *file)
{
	char pid[32];

	if (!tracefs_file_exists(p->inst, file)) {
		set(p->caps, id, KSTEP_CAP_ABSENT, "absent: no %s", file);
		return;
	}
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	if (tracefs_instance_file_write(p->inst, file, pid) < 0) {
		set_write_failure(p->caps, id, errno, file);
		return;
	}
	tracefs_instance_file_clear(p->inst, file);
	set(p->caps, id, KSTEP_CAP_YES, "%s works", file);
}

/* Per-CPU symbols sit at 0 even when visible: look at a text symbol. */
static bool kallsyms_visible(const char *text)
{
	const char *p = strstr(text, " T _stext\n");

	if (!p)
		p = strstr(text, " T _text\n");
	if (!p)
		p = strstr(text, " T ");
	while (p && p > text && p[-1] != '\n')
		p--;
	return p && strncmp(p, "0000000000000000", 16);
}

static void probe_system(struct kstep_caps *caps)
{
	char *lock = read_small("/sys/kernel/security/lockdown");
	char *kptr = read_small("/proc/sys/kernel/kptr_restrict");
	/* per-CPU symbols come first; the text symbols follow within a few 100 KB */
	char *ksyms = read_head("/proc/kallsyms", 1 << 20);
	struct btf *btf;

	if (!lock)
		set(caps, KSTEP_CAP_LOCKDOWN, KSTEP_CAP_YES, "no lockdown LSM");
	else if (strstr(lock, "[none]"))
		set(caps, KSTEP_CAP_LOCKDOWN, KSTEP_CAP_YES, "lockdown: none");
	else
		set(caps, KSTEP_CAP_LOCKDOWN, KSTEP_CAP_REFUSED, "lockdown is on (%.*s): probes and "
		    "kallsyms may be restricted", (int)strcspn(lock, "\n"), lock);
	if (ksyms && kallsyms_visible(ksyms))
		set(caps, KSTEP_CAP_KALLSYMS, KSTEP_CAP_YES, "addresses visible (kptr_restrict=%.*s)",
		    kptr ? (int)strcspn(kptr, "\n") : 1, kptr ? kptr : "?");
	else
		set(caps, KSTEP_CAP_KALLSYMS, KSTEP_CAP_REFUSED, "kallsyms addresses are hidden "
		    "(kptr_restrict=%.*s): run as root", kptr ? (int)strcspn(kptr, "\n") : 1, kptr ? kptr : "?");
	btf = btf__load_vmlinux_btf();
	if (btf) {
		set(caps, KSTEP_CAP_BTF, KSTEP_CAP_YES, "/sys/kernel/btf/vmlinux loads");
		btf__free(btf);
	} else {
		set(caps, KSTEP_CAP_BTF, access("/sys/kernel/btf/vmlinux", F_OK) ? KSTEP_CAP_ABSENT :
		    KSTEP_CAP_REFUSED, "%s", access("/sys/kernel/btf/vmlinux", F_OK) ?
		    "absent: no /sys/kernel/btf/vmlinux (CONFIG_DEBUG_INFO_BTF off)" :
		    "refused: /sys/kernel/btf/vmlinux does not load");
	}
	free(lock);
	free(kptr);
	free(ksyms);
}

void kstep_caps_probe(struct kstep_caps *caps)
{
	struct probe_ctx p = { .caps = caps };
	struct utsname u;
	size_t i;
	char *tracers;

	memset(caps, 0, sizeof(*caps));
	if (!uname(&u))
		snprintf(caps->uname, sizeof(caps->uname), "%s %s %s", u.sysname, u.release, u.machine);
	for (i = 0; i < KSTEP_CAP_COUNT; i++)
		set(caps, (enum kstep_cap_id)i, KSTEP_CAP_UNKNOWN, "not probed");
	probe_root(caps);
	probe_system(caps);
	if (!probe_tracefs(caps))
		return;
	free(new_kernel_error(caps));
	snprintf(p.group, sizeof(p.group), "kstep_caps_%d", (int)getpid());
	for (i = 0; i < KSTEP_ARRAY_SIZE(probe_targets) && !p.target; i++)
		if (ksym_exists(probe_targets[i]))
			p.target = probe_targets[i];
	tracers = tracefs_instance_file_read(NULL, "available_tracers", NULL);
	if (tracers) {
		snprintf(caps->tracers, sizeof(caps->tracers), "%.*s", (int)strcspn(tracers, "\n"), tracers);
		free(tracers);
	}
	if (!probe_instances(&p))
		return;
	probe_tracer(&p, KSTEP_CAP_FUNCTION, "function");
	probe_tracer(&p, KSTEP_CAP_FUNCTION_GRAPH, "function_graph");
	probe_filter(&p);
	set(caps, KSTEP_CAP_FUNCGRAPH_RETVAL,
	    tracefs_file_exists(p.inst, "options/funcgraph-retval") ? KSTEP_CAP_YES : KSTEP_CAP_ABSENT,
	    "%s", tracefs_file_exists(p.inst, "options/funcgraph-retval") ?
	    "function_graph records return values" : "absent: no funcgraph-retval option");
	probe_kprobe(&p, KSTEP_CAP_KPROBES, false);
	probe_kprobe(&p, KSTEP_CAP_KRETPROBES, true);
	probe_uprobe(&p);
	probe_dynamic(&p);
	probe_triggers(&p);
	probe_pidfile(&p, KSTEP_CAP_EVENT_PID, "set_event_pid");
	probe_pidfile(&p, KSTEP_CAP_FTRACE_PID, "set_ftrace_pid");
	tracefs_instance_destroy(p.inst);
	tracefs_instance_free(p.inst);
}

static const char *state_name(enum kstep_cap_state st)
{
	switch (st) {
	case KSTEP_CAP_YES:
		return "yes";
	case KSTEP_CAP_ABSENT:
		return "absent";
	case KSTEP_CAP_REFUSED:
		return "refused";
	default:
		return "unknown";
	}
}

char *kstep_caps_text(const struct kstep_caps *caps)
{
	struct kstep_sbuf b = { 0 };
	size_t i;

	kstep_sbuf_addf(&b, "kernel %s\n", caps->uname);
	for (i = 0; i < KSTEP_CAP_COUNT; i++)
		kstep_sbuf_addf(&b, "%s %s %s\n", cap_names[i], state_name(caps->c[i].state), caps->c[i].why);
	return kstep_sbuf_steal(&b);
}

void kstep_caps_print(const struct kstep_caps *caps, FILE *out, bool json)
{
	struct kstep_json j;
	size_t i;

	if (!json) {
		fprintf(out, "kstep caps: what this kernel lets kstep use (%s)\n", caps->uname);
		if (caps->tracefs[0])
			fprintf(out, "tracers available: %s\n", caps->tracers);
		for (i = 0; i < KSTEP_CAP_COUNT; i++)
			fprintf(out, "  %-18s %-8s %s\n", cap_names[i],
				caps->c[i].state == KSTEP_CAP_YES ? "yes" : "no", caps->c[i].why);
		return;
	}
	kstep_json_init(&j, out, true);
	kstep_json_obj_open(&j, NULL);
	kstep_json_str(&j, "kernel", caps->uname);
	kstep_json_str(&j, "tracefs", caps->tracefs[0] ? caps->tracefs : NULL);
	kstep_json_str(&j, "tracers", caps->tracers);
	kstep_json_obj_open(&j, "caps");
	for (i = 0; i < KSTEP_CAP_COUNT; i++) {
		kstep_json_obj_open(&j, cap_names[i]);
		kstep_json_bool(&j, "ok", caps->c[i].state == KSTEP_CAP_YES);
		kstep_json_str(&j, "state", state_name(caps->c[i].state));
		kstep_json_str(&j, "why", caps->c[i].why);
		kstep_json_obj_close(&j);
	}
	kstep_json_obj_close(&j);
	kstep_json_obj_close(&j);
	kstep_json_end(&j);
}
