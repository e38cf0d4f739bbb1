// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * record.c - kstep's recorder.
 *
 * Order matters for leaving tracefs as it was: signals are blocked (and read
 * through a signalfd) before anything is created, every created thing is
 * remembered, and one cleanup path removes them all, also after Ctrl-C or a
 * crash of the traced command. The command is forked and held before exec
 * so pid filters are in place before its first instruction runs.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <traceevent/kbuffer.h>
#include <tracefs.h>

#include "caps.h"
#include "datfile.h"
#include "elfsym.h"
#include "headers.h"
#include "log.h"
#include "kopts.h"
#include "record.h"
#include "slabs.h"

#define DRAIN_MS 20
#define STOP_GRACE_MS 2000

struct rec_cpu {
	struct tracefs_cpu *tcpu;
	int fd;			/* unlinked temporary file of its pages */
	uint64_t bytes;
	uint64_t events;
};

/* a trigger written to an event of the instance, to take back */
struct rec_trigger {
	char system[64];
	char event[96];
	char text[256];
};

struct recorder {
	const struct kstep_record_opts *o;
	struct kstep_plan *plan;
	struct kstep_caps caps;
	struct tracefs_instance *inst;
	char inst_name[64];
	char group[64];
	char *prog;		/* the traced program's file */
	char *kallsyms;
	size_t kallsyms_len;
	int ncpus;
	struct rec_cpu *cpus;
	int subbuf;
	void *page;
	struct kbuffer *kb;
	pid_t pid;		/* traced process */
	bool forked;
	int hold[2];		/* the child waits on this before exec */
	int execerr[2];		/* the child reports a failed exec here */
	int status;
	bool exited;
	bool interrupted;
	int sigfd;
	sigset_t oldmask;
	struct kstep_vec dynevents;	/* struct tracefs_dynevent * */
	struct kstep_vec fprobes;	/* char * "group/event" written to dynamic_events */
	struct kstep_vec triggers;	/* struct rec_trigger */
	bool stack_option;	/* every event of the instance has its stack */
	struct kstep_vec events;	/* char * "system/event" whose formats go in the file */
	char *maps;		/* last /proc/PID/maps seen */
	bool top;		/* recording in the top-level instance (journaled) */
	bool cpus_closed;
	struct kstep_vec journal;	/* struct jentry: how to put the top level back */
	int jfd;		/* the journal on disk, for --cleanup after SIGKILL */
	char jpath[128];
	uint64_t missed_probes;
	char *loss_text;
};

/* Helpers */

static char *read_file(const char *path, size_t *len)
{
	struct kstep_sbuf b = { 0 };
	char buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		kstep_sbuf_addn(&b, buf, (size_t)n);
	close(fd);
	if (len)
		*len = b.len;
	return kstep_sbuf_steal(&b);
}

static bool pid_alive(int pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

/* The program execvp would run for argv[0]. */
static char *find_program(const char *name)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save = NULL, *found = NULL;

	if (strchr(name, '/'))
		return realpath(name, NULL);
	copy = kstep_xstrdup(path ? path : "/usr/local/bin:/usr/bin:/bin");
	for (dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
		char *cand = kstep_xasprintf("%s/%s", *dir ? dir : ".", name);

		if (!access(cand, X_OK))
			found = realpath(cand, NULL);
		free(cand);
	}
	free(copy);
	return found;
}

/* The GNU build-id note of the running kernel, as hex. */
static char *kernel_build_id(void)
{
	size_t len, pos = 0;
	char *notes = read_file("/sys/kernel/notes", &len);
	char *out = NULL;

	while (notes && pos + 12 <= len) {
		uint32_t namesz = kstep_get32(notes + pos, false), descsz = kstep_get32(notes + pos + 4, false);
		uint32_t type = kstep_get32(notes + pos + 8, false);
		size_t name_at = pos + 12, desc_at = name_at + ((namesz + 3) & ~3u);

		if (desc_at + descsz > len)
			break;
		if (type == 3 && namesz == 4 && !memcmp(notes + name_at, "GNU", 4)) {
			struct kstep_sbuf b = { 0 };
			uint32_t i;

			for (i = 0; i < descsz; i++)
				kstep_sbuf_addf(&b, "%02x", (unsigned char)notes[desc_at + i]);
			out = kstep_sbuf_steal(&b);
			break;
		}
		pos = desc_at + ((descsz + 3) & ~3u);
	}
	free(notes);
	return out;
}

/* Cleanup of dead kstep processes' leftovers */

/* "kstep-123", "kstep-caps-123", "kstep_123", "kstep_caps_123" → 123, else 0 */
static int owner_pid(const char *name)
{
	const char *p;

	if (strncmp(name, "kstep", 5) || (name[5] != '-' && name[5] != '_'))
		return 0;
	p = name + 6;
	if (!strncmp(p, "caps", 4) && (p[4] == '-' || p[4] == '_'))
		p += 5;
	if (!isdigit((unsigned char)*p))
		return 0;
	for (const char *q = p; *q; q++)
		if (!isdigit((unsigned char)*q))
			return 0;
	return atoi(p);
}

static int remove_stale_fprobes(bool verbose)
{
	char *text = tracefs_instance_file_read(NULL, "dynamic_events", NULL), *line, *save = NULL;
	int n = 0;

	for (line = text ? strtok_r(text, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
		char grp[96], *slash, *sp;

		if (line[0] != 'f' || line[1] != ':')
			continue;
		snprintf(grp, sizeof(grp), "%s", line + 2);
		sp = strchr(grp, ' ');
		if (sp)
			*sp = '\0';
		slash = strchr(grp, '/');
		if (!slash)
			continue;
		*slash = '\0';
		if (!owner_pid(grp) || pid_alive(owner_pid(grp)))
			continue;
		*slash = '/';
		{
			char *del = kstep_xasprintf("-:%s\n", grp);

			if (tracefs_instance_file_append(NULL, "dynamic_events", del) >= 0) {
				n++;
				if (verbose)
					kstep_info("removed stale fprobe %s", grp);
			}
			free(del);
		}
	}
	free(text);
	return n;
}

static int restore_stale_journals(bool verbose);

int kstep_record_cleanup(bool verbose)
{
	char **names = tracefs_instances(NULL);
	struct tracefs_dynevent **evs;
	int n = 0, i;

	if (!tracefs_tracing_dir())
		return -1;
	for (i = 0; names && names[i]; i++) {
		struct tracefs_instance *inst;
		int owner = owner_pid(names[i]);

		if (!owner || pid_alive(owner))
			continue;
		inst = tracefs_instance_alloc(NULL, names[i]);
		if (inst && !tracefs_instance_destroy(inst)) {
			n++;
			if (verbose)
				kstep_info("removed stale instance %s", names[i]);
		}
		tracefs_instance_free(inst);
	}
	tracefs_list_free(names);
	evs = tracefs_dynevent_get_all(TRACEFS_DYNEVENT_KPROBE | TRACEFS_DYNEVENT_KRETPROBE |
				       TRACEFS_DYNEVENT_UPROBE | TRACEFS_DYNEVENT_URETPROBE |
				       TRACEFS_DYNEVENT_EPROBE, NULL);
	for (i = 0; evs && evs[i]; i++) {
		char *sys = NULL, *ev = NULL;
		int owner;

		tracefs_dynevent_info(evs[i], &sys, &ev, NULL, NULL, NULL);
		owner = sys ? owner_pid(sys) : 0;
		if (owner && !pid_alive(owner) && !tracefs_dynevent_destroy(evs[i], true)) {
			n++;
			if (verbose)
				kstep_info("removed stale probe %s/%s", sys, ev);
		}
		free(sys);
		free(ev);
	}
	tracefs_dynevent_list_free(evs);
	return n + remove_stale_fprobes(verbose) + restore_stale_journals(verbose);
}

/* Setting up */

static void note_event(struct recorder *r, const char *sys, const char *ev)
{
	size_t i;
	char *key = kstep_xasprintf("%s/%s", sys, ev);

	for (i = 0; i < r->events.n; i++) {
		if (!strcmp(*(char **)kstep_vec_at(&r->events, i), key)) {
			free(key);
			return;
		}
	}
	*(char **)kstep_vec_push(&r->events) = key;
}

/*
 * The top-level instance journal: before kstep changes a top-level file, the
 * old value goes to memory and to /run/kstep/top-PID.journal, so that the
 * teardown, or --cleanup after a SIGKILL, can put everything back.
 */
#define JOURNAL_DIR "/run/kstep"

struct jentry {
	char kind;		/* 'v' value, 'l' list file, 't' trigger added */
	char *file;
	char *old;		/* old content, or the trigger text */
};

static void jescape(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '\t')
			fputs("\\t", f);
		else if (*s == '\\')
			fputs("\\\\", f);
		else
			fputc(*s, f);
	}
}

static void journal_add(struct recorder *r, char kind, const char *file, const char *old)
{
	struct jentry *e;
	size_t i;
	FILE *f;

	if (!r->top)
		return;
	for (i = 0; kind != 't' && i < r->journal.n; i++) {
		e = kstep_vec_at(&r->journal, i);
		if (e->kind == kind && !strcmp(e->file, file))
			return;	/* the first (original) value is the one to restore */
	}
	e = kstep_vec_push(&r->journal);
	e->kind = kind;
	e->file = kstep_xstrdup(file);
	e->old = kstep_xstrdup(old ? old : "");
	if (r->jfd < 0)
		return;
	f = fdopen(dup(r->jfd), "a");
	if (!f)
		return;
	fprintf(f, "%c\t%s\t", kind, file);
	jescape(f, e->old);
	fputc('\n', f);
	fflush(f);
	fsync(fileno(f));
	fclose(f);
}

static void journal_value(struct recorder *r, char kind, const char *file)
{
	char *old;

	if (!r->top)
		return;
	old = tracefs_instance_file_read(NULL, file, NULL);
	journal_add(r, kind, file, old);
	free(old);
}

static int tf_write(struct recorder *r, const char *file, const char *val)
{
	journal_value(r, strstr(file, "_pid") || !strcmp(file, "set_graph_function") ? 'l' : 'v', file);
	kstep_debug("%s%s = %s", r->inst ? "" : "top-level ", file, val);
	return tracefs_instance_file_write(r->inst, file, val) < 0 ? -1 : 0;
}

static int tf_append(struct recorder *r, const char *file, const char *val)
{
	journal_value(r, 'l', file);
	kstep_debug("%s%s += %s", r->inst ? "" : "top-level ", file, val);
	return tracefs_instance_file_append(r->inst, file, val) < 0 ? -1 : 0;
}

static int tf_option(struct recorder *r, const char *name)
{
	char *file = kstep_xasprintf("options/%s", name);
	int ret = tf_write(r, file, "1");

	free(file);
	return ret;
}

static int tf_enable(struct recorder *r, const char *sys, const char *ev, bool on)
{
	char *file = kstep_xasprintf("events/%s/%s/enable", sys, ev);
	int ret = tf_write(r, file, on ? "1" : "0");

	free(file);
	return ret;
}

/* Writes back one journal entry. */
static void restore_entry(char kind, const char *file, const char *old)
{
	char buf[64];

	if (kind == 't') {
		char *undo = kstep_xasprintf("!%s", old);

		tracefs_instance_file_append(NULL, file, undo);
		free(undo);
	} else if (kind == 'l') {
		char *copy = kstep_xstrdup(old), *line, *save = NULL;

		tracefs_instance_file_clear(NULL, file);
		for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			if (line[0] != '#' && strncmp(line, "no pid", 6))
				tracefs_instance_file_append(NULL, file, line);
		free(copy);
	} else if (!strcmp(file, "trace_clock")) {
		const char *open = strchr(old, '['), *close = open ? strchr(open, ']') : NULL;

		if (open && close) {
			snprintf(buf, sizeof(buf), "%.*s", (int)(close - open - 1), open + 1);
			tracefs_instance_file_write(NULL, file, buf);
		}
	} else {
		/* "1408 (expanded: ...)", "0*", "nop\n": the first token */
		snprintf(buf, sizeof(buf), "%.*s", (int)strcspn(old, " *\n"), old);
		tracefs_instance_file_write(NULL, file, buf);
	}
}

static void journal_restore(struct recorder *r)
{
	size_t i;

	for (i = r->journal.n; i-- > 0;) {
		struct jentry *e = kstep_vec_at(&r->journal, i);

		restore_entry(e->kind, e->file, e->old);
		free(e->file);
		free(e->old);
	}
	r->journal.n = 0;
	if (r->jfd >= 0) {
		close(r->jfd);
		r->jfd = -1;
		unlink(r->jpath);
	}
}

static char *junescape(const char *s)
{
	struct kstep_sbuf b = { 0 };

	for (; *s; s++) {
		if (*s == '\\' && s[1]) {
			s++;
			kstep_sbuf_addc(&b, *s == 'n' ? '\n' : *s == 't' ? '\t' : *s);
		} else {
			kstep_sbuf_addc(&b, *s);
		}
	}
	return kstep_sbuf_steal(&b);
}

/* Puts back what a killed kstep changed in the top level, newest first. */
static int restore_journal_file(const char *path)
{
	struct kstep_vec lines;
	char *text = read_file(path, NULL), *line, *save = NULL;
	size_t i;

	kstep_vec_init(&lines, sizeof(char *));
	for (line = text ? strtok_r(text, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save))
		*(char **)kstep_vec_push(&lines) = line;
	for (i = lines.n; i-- > 0;) {
		char *l = *(char **)kstep_vec_at(&lines, i), *file, *old;

		if (strlen(l) < 4 || l[1] != '\t' || !(old = strchr(l + 2, '\t')))
			continue;
		*old++ = '\0';
		file = l + 2;
		old = junescape(old);
		restore_entry(l[0], file, old);
		free(old);
	}
	kstep_vec_free(&lines);
	free(text);
	return unlink(path) ? 0 : 1;
}

static int restore_stale_journals(bool verbose)
{
	DIR *d = opendir(JOURNAL_DIR);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d))) {
		int pid;

		if (sscanf(de->d_name, "top-%d.journal", &pid) != 1 || pid_alive(pid))
			continue;
		{
			char *path = kstep_xasprintf("%s/%s", JOURNAL_DIR, de->d_name);

			n += restore_journal_file(path);
			if (verbose)
				kstep_info("restored the top-level tracefs settings a killed kstep (%d) changed", pid);
			free(path);
		}
	}
	if (d)
		closedir(d);
	return n;
}

static int add_trigger(struct recorder *r, const char *sys, const char *ev, const char *text)
{
	struct rec_trigger *t;

	char *file = kstep_xasprintf("events/%s/%s/trigger", sys, ev);

	journal_add(r, 't', file, text);
	free(file);
	if (tracefs_event_file_append(r->inst, sys, ev, "trigger", text) < 0) {
		kstep_warning("trigger '%s' on %s:%s refused (%s): skipped", text, sys, ev, strerror(errno));
		return -1;
	}
	t = kstep_vec_push(&r->triggers);
	snprintf(t->system, sizeof(t->system), "%s", sys);
	snprintf(t->event, sizeof(t->event), "%s", ev);
	snprintf(t->text, sizeof(t->text), "%s", text);
	return 0;
}

/* Fetch args of a kprobe plus the BTF fields the plan reads at that function. */
static char *probe_args(struct recorder *r, const struct kstep_plan_item *it)
{
	struct kstep_sbuf b = { 0 };
	size_t i;

	if (it->args)
		kstep_sbuf_add(&b, it->args);
	for (i = 0; i < r->plan->items.n; i++) {
		const struct kstep_plan_item *f = kstep_plan_item(r->plan, i);

		/* a field is read through the entry's argument registers */
		if (f->kind == KSTEP_PI_FIELD && f->applied && !strcmp(f->target, it->target) &&
		    (it->kind == KSTEP_PI_KPROBE || it->kind == KSTEP_PI_FPROBE))
			kstep_sbuf_addf(&b, "%s%s", b.len ? " " : "", f->fetch);
		if (f->kind == KSTEP_PI_LOOKUP && f->applied && !strcmp(f->target, it->target) &&
		    it->kind == KSTEP_PI_KPROBE)
			kstep_sbuf_addf(&b, "%s%s", b.len ? " " : "", f->fetch);
		if (f->kind == KSTEP_PI_OBJECT && f->applied && !strcmp(f->target, it->target) &&
		    f->ret == (it->kind == KSTEP_PI_KRETPROBE || it->kind == KSTEP_PI_FEXIT) &&
		    f->fprobe == (it->kind == KSTEP_PI_FPROBE || it->kind == KSTEP_PI_FEXIT))
			kstep_sbuf_addf(&b, "%s%s", b.len ? " " : "", f->fetch);
	}
	return kstep_sbuf_steal(&b);
}

static void drop(struct kstep_plan_item *it, const char *what, int err)
{
	char *klog = tracefs_error_last(NULL);

	it->applied = false;
	snprintf(it->note, sizeof(it->note), "refused when created: %s%s%s", strerror(err),
		 klog && *klog ? ": " : "", klog && *klog ? klog : "");
	for (char *q = it->note; *q; q++)
		if (*q == '\n')
			*q = ' ';
	kstep_warning("%s %s: %s; skipped", what, it->target, it->note);
	free(klog);
}

static int create_fprobe(struct recorder *r, struct kstep_plan_item *it, const char *args)
{
	char *def = kstep_xasprintf("f:%s/%s %s%s%s%s\n", it->system, it->event, it->target,
				    it->kind == KSTEP_PI_FEXIT ? "%return" : "", *args ? " " : "", args);
	int ret = tracefs_instance_file_append(NULL, "dynamic_events", def) < 0 ? -1 : 0;

	free(def);
	if (!ret)
		*(char **)kstep_vec_push(&r->fprobes) = kstep_xasprintf("%s/%s", it->system, it->event);
	return ret;
}

static void create_probe(struct recorder *r, struct kstep_plan_item *it)
{
	struct tracefs_dynevent *ev = NULL;
	char *args = probe_args(r, it);
	const char *a = *args ? args : NULL;
	int ret;

	switch (it->kind) {
	case KSTEP_PI_KPROBE:
		ev = tracefs_kprobe_alloc(it->system, it->event, it->target, a);
		break;
	case KSTEP_PI_KRETPROBE:
		ev = tracefs_kretprobe_alloc(it->system, it->event, it->target, a, 0);
		break;
	case KSTEP_PI_UPROBE:
		ev = tracefs_uprobe_alloc(it->system, it->event, it->path, it->offset, a);
		break;
	case KSTEP_PI_URETPROBE:
		ev = tracefs_uretprobe_alloc(it->system, it->event, it->path, it->offset, a);
		break;
	case KSTEP_PI_EPROBE:
		ev = tracefs_eprobe_alloc(it->system, it->event, it->tsys, it->tevent, a);
		break;
	case KSTEP_PI_FPROBE:
	case KSTEP_PI_FEXIT:
		if (create_fprobe(r, it, args))
			drop(it, "fprobe", errno);
		else
			note_event(r, it->system, it->event);
		free(args);
		return;
	default:
		free(args);
		return;
	}
	ret = ev ? tracefs_dynevent_create(ev) : -1;
	if (ret) {
		drop(it, "probe", errno);
		tracefs_dynevent_free(ev);
	} else {
		*(struct tracefs_dynevent **)kstep_vec_push(&r->dynevents) = ev;
		note_event(r, it->system, it->event);
	}
	free(args);
}

static int open_instance(struct recorder *r)
{
	char kb[32];

	snprintf(r->inst_name, sizeof(r->inst_name), "kstep-%d", (int)getpid());
	snprintf(r->group, sizeof(r->group), "kstep_%d", (int)getpid());
	if (r->top) {
		snprintf(r->inst_name, sizeof(r->inst_name), "(top level)");
		mkdir(JOURNAL_DIR, 0700);
		snprintf(r->jpath, sizeof(r->jpath), "%s/top-%d.journal", JOURNAL_DIR, (int)getpid());
		r->jfd = open(r->jpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (r->jfd < 0)
			kstep_warning("cannot keep a journal in %s (%s): a killed kstep could not be "
				      "undone by --cleanup", r->jpath, strerror(errno));
	} else {
		r->inst = tracefs_instance_create(r->inst_name);
		if (!r->inst) {
			kstep_error("cannot create the tracefs instance %s: %s", r->inst_name, strerror(errno));
			return -1;
		}
	}
	tf_write(r, "tracing_on", "0");
	if (r->top)
		tracefs_instance_file_clear(NULL, "trace");
	snprintf(kb, sizeof(kb), "%zu", r->o->buffer_kb);
	if (tf_write(r, "buffer_size_kb", kb))
		kstep_warning("buffer_size_kb=%s refused (%s): using the default size", kb, strerror(errno));
	if (tf_write(r, "trace_clock", r->o->clock))
		kstep_warning("trace clock %s refused: using the default", r->o->clock);
	/* children of the traced command are traced too */
	tf_option(r, "event-fork");
	tf_option(r, "function-fork");
	return 0;
}

/* Fork and exec */

static int fork_child(struct recorder *r)
{
	pid_t pid;

	if (pipe2(r->hold, O_CLOEXEC) || pipe2(r->execerr, O_CLOEXEC)) {
		kstep_error("pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		kstep_error("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		char go;
		int e;

		setpgid(0, 0);
		close(r->hold[1]);
		close(r->execerr[0]);
		if (read(r->hold[0], &go, 1) != 1)
			_exit(127);
		sigprocmask(SIG_SETMASK, &r->oldmask, NULL);
		execv(r->prog, r->o->argv);
		e = errno;
		if (write(r->execerr[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	setpgid(pid, pid);
	close(r->hold[0]);
	close(r->execerr[1]);
	r->hold[0] = r->execerr[1] = -1;
	r->pid = pid;
	r->forked = true;
	return 0;
}

static int release_child(struct recorder *r)
{
	int e = 0;
	ssize_t n;

	if (!r->forked)
		return 0;
	if (write(r->hold[1], "g", 1) != 1) {
		kstep_error("cannot release %s: %s", r->prog, strerror(errno));
		return -1;
	}
	close(r->hold[1]);
	r->hold[1] = -1;
	n = read(r->execerr[0], &e, sizeof(e));
	close(r->execerr[0]);
	r->execerr[0] = -1;
	if (n == (ssize_t)sizeof(e)) {
		kstep_error("cannot run %s: %s", r->prog, strerror(e));
		return -1;
	}
	return 0;
}

/* Configuring the instance */

static void enable_event(struct recorder *r, const char *sys, const char *ev)
{
	if (tf_enable(r, sys, ev, true))
		kstep_warning("event %s:%s could not be enabled (%s)", sys, ev, strerror(errno));
	note_event(r, sys, ev);
}

static const struct kstep_plan_item *window_item(struct recorder *r)
{
	return r->plan->window >= 0 ? kstep_plan_item(r->plan, (size_t)r->plan->window) : NULL;
}

/* The start and end events of the window. */
static bool window_events(struct recorder *r, char *ssys, char *sev, char *esys, char *eev, size_t len)
{
	const struct kstep_plan_item *w = window_item(r);
	size_t i;

	if (!w)
		return false;
	if (w->kind == KSTEP_PI_WINDOW_SYSCALL) {
		snprintf(ssys, len, "syscalls");
		snprintf(esys, len, "syscalls");
		snprintf(sev, len, "sys_enter_%s", w->target);
		snprintf(eev, len, "sys_exit_%s", w->target);
		return true;
	}
	*sev = *eev = '\0';
	for (i = 0; i < r->plan->items.n; i++) {
		const struct kstep_plan_item *it = kstep_plan_item(r->plan, i);

		if (!it->applied || strcmp(it->target, w->target))
			continue;
		if (it->kind == KSTEP_PI_UPROBE) {
			snprintf(ssys, len, "%s", it->system);
			snprintf(sev, len, "%s", it->event);
		} else if (it->kind == KSTEP_PI_URETPROBE) {
			snprintf(esys, len, "%s", it->system);
			snprintf(eev, len, "%s", it->event);
		}
	}
	return *sev && *eev;
}

static void configure_graph(struct recorder *r)
{
	size_t i;
	bool any = false;
	char pid[32];

	for (i = 0; i < r->plan->items.n; i++) {
		const struct kstep_plan_item *it = kstep_plan_item(r->plan, i);

		if (it->kind != KSTEP_PI_GRAPH || !it->applied)
			continue;
		if (tf_append(r, "set_graph_function", it->target))
			kstep_warning("set_graph_function %s refused (%s)", it->target, strerror(errno));
		else
			any = true;
	}
	if (!any)
		return;
	snprintf(pid, sizeof(pid), "%d", r->pid);
	if (tf_write(r, "set_ftrace_pid", pid))
		kstep_warning("set_ftrace_pid refused: function_graph sees every task");
	if (tf_write(r, "current_tracer", "function_graph"))
		kstep_warning("function_graph refused now (%s): recording without it", strerror(errno));
	else
		note_event(r, "ftrace", "funcgraph_entry");
}

static void configure_events(struct recorder *r)
{
	char ssys[96], sev[96], esys[96], eev[96], pid[32], cond[64];
	bool window = window_events(r, ssys, sev, esys, eev, sizeof(ssys));
	size_t i;

	snprintf(pid, sizeof(pid), "%d", r->pid);
	snprintf(cond, sizeof(cond), "if common_pid == %d", r->pid);
	if (tf_write(r, "set_event_pid", pid))
		kstep_warning("set_event_pid refused: events of every task are recorded");
	for (i = 0; i < r->plan->items.n; i++) {
		const struct kstep_plan_item *it = kstep_plan_item(r->plan, i);
		char text[256];

		if (!it->applied)
			continue;
		switch (it->kind) {
		case KSTEP_PI_SYSCALL:
			snprintf(text, sizeof(text), "sys_enter_%s", it->target);
			enable_event(r, "syscalls", text);
			snprintf(text, sizeof(text), "sys_exit_%s", it->target);
			enable_event(r, "syscalls", text);
			break;
		case KSTEP_PI_UPROBE:
		case KSTEP_PI_URETPROBE:
			enable_event(r, it->system, it->event);
			break;
		case KSTEP_PI_KPROBE:
		case KSTEP_PI_KRETPROBE:
		case KSTEP_PI_FPROBE:
		case KSTEP_PI_FEXIT:
		case KSTEP_PI_EPROBE:
		case KSTEP_PI_EVENT:
			note_event(r, it->system, it->event);
			if (it->filter && tracefs_event_file_write(r->inst, it->system, it->event, "filter",
								   it->filter) < 0)
				kstep_warning("filter '%s' on %s:%s refused (%s): recorded unfiltered", it->filter,
					      it->system, it->event, strerror(errno));
			if (it->window && window) {
				snprintf(text, sizeof(text), "enable_event:%s:%s %s", it->system, it->event, cond);
				add_trigger(r, ssys, sev, text);
				snprintf(text, sizeof(text), "disable_event:%s:%s %s", it->system, it->event, cond);
				add_trigger(r, esys, eev, text);
			} else {
				enable_event(r, it->system, it->event);
			}
			break;
		default:
			break;
		}
	}
}

/*
 * Stacks come from the instance's stacktrace option, not from stacktrace
 * triggers: a conditional trigger also fires for an event that a window keeps
 * soft-disabled (the kernel runs triggers before it discards the event), so
 * triggers would record stacks from exec and ld.so; the option stacks only
 * what is committed. Every event of the instance then carries its stack.
 * With function_graph the calls are in the trace already: no stacks.
 */
static void configure_stacks(struct recorder *r)
{
	bool want = false, graph = false;
	size_t i;

	for (i = 0; i < r->plan->items.n; i++) {
		const struct kstep_plan_item *it = kstep_plan_item(r->plan, i);

		want |= it->applied && it->kind == KSTEP_PI_EVENT && it->stack;
		graph |= it->applied && it->kind == KSTEP_PI_GRAPH;
	}
	if (!want)
		return;
	if (graph) {
		if (!r->o->quiet)
			fprintf(stderr, "kstep: no event stacks: function_graph records the calls\n");
		return;
	}
	if (tf_option(r, "stacktrace")) {
		kstep_warning("the stacktrace option was refused (%s): events have no stacks", strerror(errno));
		return;
	}
	r->stack_option = true;
	note_event(r, "ftrace", "kernel_stack");
}

/*
 * "syscall NAME stack": the way in (entry_SYSCALL_64 -> do_syscall_64) lies
 * outside any graph, so a stack at sys_enter shows it. Without the stacktrace
 * option a trigger takes it; its filter keeps other tasks' calls out, and an
 * enabled event runs a filtered trigger after the event is written, so the
 * stack follows its sys_enter record as the option's would.
 */
static void configure_syscall_stacks(struct recorder *r)
{
	char ev[96], cond[64];
	size_t i;

	if (r->stack_option)
		return;
	snprintf(cond, sizeof(cond), "stacktrace if common_pid == %d", r->pid);
	for (i = 0; i < r->plan->items.n; i++) {
		const struct kstep_plan_item *it = kstep_plan_item(r->plan, i);

		if (!it->applied || it->kind != KSTEP_PI_SYSCALL || !it->stack)
			continue;
		if (!kstep_caps_has(&r->caps, KSTEP_CAP_TRIGGERS)) {
			if (!r->o->quiet)
				fprintf(stderr, "kstep: syscall %s: no entry stack (no event triggers here)\n",
					it->target);
			continue;
		}
		snprintf(ev, sizeof(ev), "sys_enter_%s", it->target);
		if (!add_trigger(r, "syscalls", ev, cond))
			note_event(r, "ftrace", "kernel_stack");
	}
}

static int open_cpus(struct recorder *r)
{
	int c;

	r->ncpus = (int)sysconf(_SC_NPROCESSORS_CONF);
	if (r->ncpus < 1)
		r->ncpus = 1;
	r->cpus = kstep_xcalloc((size_t)r->ncpus, sizeof(*r->cpus));
	for (c = 0; c < r->ncpus; c++) {
		char *dir = kstep_xstrdup(r->o->output), *slash = strrchr(dir, '/');
		char *tmpl;

		if (slash)
			*slash = '\0';
		tmpl = kstep_xasprintf("%s/.kstep-cpu%d-XXXXXX", slash ? dir : ".", c);
		r->cpus[c].fd = mkostemp(tmpl, O_CLOEXEC);
		if (r->cpus[c].fd >= 0)
			unlink(tmpl);
		free(tmpl);
		free(dir);
		if (r->cpus[c].fd < 0) {
			kstep_error("cannot create a temporary file next to %s: %s", r->o->output, strerror(errno));
			return -1;
		}
		r->cpus[c].tcpu = tracefs_cpu_open(r->inst, c, true);
		if (r->cpus[c].tcpu && !r->subbuf)
			r->subbuf = tracefs_cpu_read_size(r->cpus[c].tcpu);
	}
	if (r->subbuf <= 0) {
		kstep_error("cannot open the instance's trace_pipe_raw files: %s", strerror(errno));
		return -1;
	}
	r->page = kstep_xcalloc(1, (size_t)r->subbuf);
	r->kb = kbuffer_alloc(KBUFFER_LSIZE_SAME_AS_HOST, KBUFFER_ENDIAN_SAME_AS_HOST);
	return 0;
}

/* Draining */

static void store_page(struct recorder *r, int c, int n)
{
	struct rec_cpu *cpu = &r->cpus[c];
	unsigned long long ts;

	if (n < r->subbuf)
		memset((char *)r->page + n, 0, (size_t)(r->subbuf - n));
	if (write(cpu->fd, r->page, (size_t)r->subbuf) != r->subbuf) {
		kstep_warning("writing CPU %d's data failed: %s", c, strerror(errno));
		return;
	}
	cpu->bytes += (uint64_t)r->subbuf;
	if (kbuffer_load_subbuffer(r->kb, r->page) < 0)
		return;
	for (void *d = kbuffer_read_event(r->kb, &ts); d; d = kbuffer_next_event(r->kb, &ts))
		cpu->events++;
}

static void drain(struct recorder *r, bool flush)
{
	int c, n;

	for (c = 0; c < r->ncpus; c++) {
		if (!r->cpus[c].tcpu)
			continue;
		for (;;) {
			n = flush ? tracefs_cpu_flush(r->cpus[c].tcpu, r->page) :
				    tracefs_cpu_read(r->cpus[c].tcpu, r->page, true);
			if (n <= 0)
				break;
			store_page(r, c, n);
		}
	}
}

static void snapshot_maps(struct recorder *r)
{
	char path[64];
	size_t len;
	char *m;

	snprintf(path, sizeof(path), "/proc/%d/maps", r->pid);
	m = read_file(path, &len);
	if (m && len) {
		free(r->maps);
		r->maps = m;
	} else {
		free(m);
	}
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void reap(struct recorder *r)
{
	int st;

	if (!r->forked || r->exited)
		return;
	if (waitpid(r->pid, &st, WNOHANG) == r->pid) {
		r->status = st;
		r->exited = true;
	}
}

/* Runs until the command exits, a signal arrives or the duration ends. */
static void run_loop(struct recorder *r)
{
	uint64_t start = now_ms(), stop_at = 0;
	struct pollfd pfd = { .fd = r->sigfd, .events = POLLIN };

	for (;;) {
		struct signalfd_siginfo si;
		int timeout = r->o->no_drain ? 200 : DRAIN_MS;

		if (poll(&pfd, 1, timeout) > 0 && read(r->sigfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM || si.ssi_signo == SIGHUP) {
				r->interrupted = true;
				if (r->forked && !r->exited)
					kill(-r->pid, (int)si.ssi_signo);
				stop_at = now_ms() + STOP_GRACE_MS;
			}
		}
		reap(r);
		if (!r->exited && pid_alive(r->pid))
			snapshot_maps(r);
		if (!r->o->no_drain)
			drain(r, false);
		if (r->exited || (!r->forked && !pid_alive(r->pid)))
			break;
		if (r->o->duration > 0 && now_ms() - start >= (uint64_t)(r->o->duration * 1000))
			break;
		if (stop_at && now_ms() >= stop_at)
			break;
	}
}

/*
 * A command still running when recording ends (--duration, a failure) is
 * asked to stop, then killed; one held before exec is killed at once.
 */
static void stop_child(struct recorder *r)
{
	uint64_t until = now_ms() + STOP_GRACE_MS;

	if (!r->forked || r->exited)
		return;
	if (r->hold[1] >= 0) {
		kill(r->pid, SIGKILL);
	} else {
		kill(-r->pid, SIGTERM);
		while (now_ms() < until) {
			reap(r);
			if (r->exited)
				return;
			poll(NULL, 0, 10);
		}
		kill(-r->pid, SIGKILL);
	}
	if (waitpid(r->pid, &r->status, 0) == r->pid)
		r->exited = true;
}

/* Losses */

static uint64_t stat_value(const char *text, const char *name)
{
	const char *p = strstr(text, name);

	if (!p || p[strlen(name)] != ':')
		return 0;
	return strtoull(p + strlen(name) + 1, NULL, 10);
}

/* kprobe_profile / uprobe_profile lines of our group: "  group/event  hits  misses" */
static uint64_t probe_misses(struct recorder *r, const char *file)
{
	char *text = tracefs_instance_file_read(NULL, file, NULL), *line, *save = NULL;
	uint64_t missed = 0;
	size_t l = strlen(r->group);

	for (line = text ? strtok_r(text, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
		char name[256];
		unsigned long long a = 0, b = 0;
		int n = sscanf(line, " %255s %llu %llu", name, &a, &b);

		if (strncmp(name, r->group, l) || name[l] != '/')
			continue;
		/* kprobe_profile: hits misses; uprobe_profile: path event hits */
		if (n == 3 && !strcmp(file, "kprobe_profile"))
			missed += b;
	}
	free(text);
	return missed;
}

/* Writing the file */

static void add_formats(struct recorder *r, struct kstep_datw *w)
{
	char **ftrace = tracefs_system_events(NULL, "ftrace");
	size_t i;
	char *fmt;

	for (i = 0; ftrace && ftrace[i]; i++) {
		fmt = tracefs_event_file_read(NULL, "ftrace", ftrace[i], "format", NULL);
		if (fmt)
			kstep_datw_add_format(w, NULL, fmt, strlen(fmt));
		free(fmt);
	}
	tracefs_list_free(ftrace);
	for (i = 0; i < r->events.n; i++) {
		char *key = kstep_xstrdup(*(char **)kstep_vec_at(&r->events, i)), *ev = strchr(key, '/');

		*ev++ = '\0';
		if (strcmp(key, "ftrace")) {
			fmt = tracefs_event_file_read(NULL, key, ev, "format", NULL);
			if (fmt)
				kstep_datw_add_format(w, key, fmt, strlen(fmt));
			else
				kstep_warning("no format for %s:%s: its events will not decode", key, ev);
			free(fmt);
		}
		free(key);
	}
}

/*
 * The traced program's maps (when it lived long enough to be read) and the
 * build-ids of the binaries the plan probes, for the DWARF of user space.
 */
static void maps_option(struct recorder *r, struct kstep_datw *w)
{
	struct kstep_sbuf b = { 0 };
	char id[129];
	size_t i;

	if (r->maps)
		kstep_sbuf_add(&b, r->maps);
	for (i = 0; i < r->plan->items.n; i++) {
		const struct kstep_plan_item *it = kstep_plan_item(r->plan, i);
		char line[700];

		if (!it->applied || (it->kind != KSTEP_PI_UPROBE && it->kind != KSTEP_PI_URETPROBE &&
				     it->kind != KSTEP_PI_WINDOW_UPROBE) || !it->path || !*it->path)
			continue;
		if (kstep_elf_build_id(it->path, id, sizeof(id)))
			snprintf(id, sizeof(id), "none");
		kstep_kopts_build_id_line(line, sizeof(line), id, it->path);
		if (!strstr(kstep_sbuf_str(&b), line))
			kstep_sbuf_add(&b, line);
	}
	if (b.len)
		kstep_kopts_write_text(w, KSTEP_KOPT_MAPS, b.s);
	kstep_sbuf_free(&b);
}

/* The layouts of the plan's object reads: the analysis decodes them without BTF. */
static void objects_option(struct recorder *r, struct kstep_datw *w)
{
	char *text = kstep_plan_objects(r->plan);

	if (*text)
		kstep_kopts_write_text(w, KSTEP_KOPT_OBJECTS, text);
	free(text);
	text = kstep_plan_lookups(r->plan);
	if (*text)
		kstep_kopts_write_text(w, KSTEP_KOPT_LOOKUPS, text);
	free(text);
}

static void add_kstep_options(struct recorder *r, struct kstep_datw *w, const char *asked,
			      const char *applied)
{
	char *id = kernel_build_id(), *caps = kstep_caps_text(&r->caps), *slabs, *defs, *kversion;
	int32_t ex[2] = { -1, 0 };

	kstep_kopts_write_text(w, KSTEP_KOPT_VERSION, PACKAGE_VERSION);
	kstep_kopts_write_command(w, r->pid, r->forked ? r->o->argv : NULL);
	if (r->exited) {
		ex[0] = WIFEXITED(r->status) ? WEXITSTATUS(r->status) : -1;
		ex[1] = WIFSIGNALED(r->status) ? WTERMSIG(r->status) : 0;
	}
	kstep_kopts_write_exit(w, ex[0], ex[1]);
	if (id)
		kstep_kopts_write_text(w, KSTEP_KOPT_BUILD_ID, id);
	kstep_kopts_write_text(w, KSTEP_KOPT_PLAN_ASKED, asked);
	kstep_kopts_write_text(w, KSTEP_KOPT_PLAN_APPLIED, applied);
	kstep_kopts_write_text(w, KSTEP_KOPT_CAPS, caps);
	if (r->loss_text)
		kstep_kopts_write_text(w, KSTEP_KOPT_LOSS, r->loss_text);
	maps_option(r, w);
	objects_option(r, w);
	slabs = kstep_slabs_merged("/sys/kernel/slab", "/proc/slabinfo");
	if (slabs)
		kstep_kopts_write_text(w, KSTEP_KOPT_SLABS, slabs);
	free(slabs);
	defs = kstep_defines_option("");
	kstep_kopts_write_text(w, KSTEP_KOPT_DEFINES, defs);
	free(defs);
	kversion = read_file("/proc/version", NULL);
	if (kversion) {
		kversion[strcspn(kversion, "\n")] = '\0';
		kstep_kopts_write_text(w, KSTEP_KOPT_KVERSION, kversion);
	}
	free(kversion);
	free(id);
	free(caps);
}

static void add_cpu_options(struct recorder *r, struct kstep_datw *w)
{
	struct kstep_sbuf loss = { 0 };
	uint64_t total_lost = 0, drained = 0;
	uint32_t count = (uint32_t)r->ncpus;
	unsigned char c4[4];
	int c;

	for (c = 0; c < r->ncpus; c++) {
		char file[64], *stat;
		uint64_t over, drop;

		snprintf(file, sizeof(file), "per_cpu/cpu%d/stats", c);
		stat = tracefs_instance_file_read(r->inst, file, NULL);
		if (!stat)
			continue;
		{
			char *text = kstep_xasprintf("CPU: %d\n%s", c, stat);

			kstep_datw_option(w, KSTEP_DAT_CPUSTAT, text, strlen(text) + 1);
			free(text);
		}
		over = stat_value(stat, "overrun");
		drop = stat_value(stat, "dropped events");
		total_lost += over + drop;
		drained += r->cpus[c].events;
		kstep_sbuf_addf(&loss, "cpu%d overrun %" PRIu64 " dropped %" PRIu64 " drained %" PRIu64 "\n",
				c, over, drop, r->cpus[c].events);
		free(stat);
	}
	kstep_sbuf_addf(&loss, "probe-misses %" PRIu64 "\n", r->missed_probes);
	kstep_sbuf_addf(&loss, "lost %" PRIu64 " drained %" PRIu64 "\n", total_lost + r->missed_probes,
			drained);
	r->loss_text = kstep_sbuf_steal(&loss);
	kstep_put32(c4, count, false);
	kstep_datw_option(w, KSTEP_DAT_CPUCOUNT, c4, 4);
	if (!r->o->quiet || total_lost + r->missed_probes)
		fprintf(stderr, "kstep: %" PRIu64 " events recorded, %" PRIu64 " lost%s\n", drained,
			total_lost + r->missed_probes,
			total_lost + r->missed_probes ? " (see kstep info: per-CPU overrun, dropped, probe "
			"misses; a larger --buffer-size helps)" : "");
}

static int write_file(struct recorder *r)
{
	struct kstep_datw_opts wo = { .version = r->o->file_version, .compression = r->o->compression,
				      .big_endian = false, .long_size = (int)sizeof(long),
				      .page_size = (uint32_t)r->subbuf };
	char err[1024], *text, *applied = kstep_plan_applied(r->plan);
	const char *tr = tracefs_tracing_dir();
	struct kstep_datw *w;
	struct utsname u;
	size_t len;
	int c, ret = -1;

	w = kstep_datw_new(r->o->output, &wo, err, sizeof(err));
	if (!w) {
		kstep_error("%s", err);
		goto out;
	}
	text = tracefs_instance_file_read(NULL, "events/header_page", NULL);
	kstep_datw_header_page(w, text ? text : "", text ? strlen(text) : 0);
	free(text);
	text = tracefs_instance_file_read(NULL, "events/header_event", NULL);
	kstep_datw_header_event(w, text ? text : "", text ? strlen(text) : 0);
	free(text);
	add_formats(r, w);
	kstep_datw_kallsyms(w, r->kallsyms, r->kallsyms_len);
	text = tracefs_instance_file_read(NULL, "printk_formats", NULL);
	kstep_datw_printk(w, text ? text : "", text ? strlen(text) : 0);
	free(text);
	text = tracefs_instance_file_read(NULL, "saved_cmdlines", NULL);
	kstep_datw_cmdlines(w, text ? text : "", text ? strlen(text) : 0);
	free(text);
	text = tracefs_instance_file_read(r->inst, "trace_clock", NULL);
	if (text)
		kstep_datw_clock(w, text);
	free(text);
	if (!uname(&u)) {
		char *un = kstep_xasprintf("%s %s %s %s", u.sysname, u.nodename, u.release, u.machine);

		kstep_datw_option(w, KSTEP_DAT_UNAME, un, strlen(un) + 1);
		free(un);
	}
	text = kstep_xasprintf("kstep %s", PACKAGE_VERSION);
	kstep_datw_option(w, KSTEP_DAT_VERSION, text, strlen(text) + 1);
	free(text);
	add_cpu_options(r, w);
	add_kstep_options(r, w, kstep_sbuf_str(&r->plan->asked), applied);
	for (c = 0; c < r->ncpus; c++) {
		if (kstep_datw_cpu(w, c, r->cpus[c].fd, 0, r->cpus[c].bytes)) {
			kstep_error("cannot add CPU %d's data", c);
			goto out;
		}
	}
	if (kstep_datw_finish(w, err, sizeof(err))) {
		kstep_error("%s", err);
		goto out;
	}
	(void)tr;
	(void)len;
	ret = 0;
out:
	kstep_datw_free(w);
	free(applied);
	return ret;
}

/*
 * The traced command's fate, when it failed: said on stderr (also with -q)
 * and stored in the file. The recording is kept and kstep exits 0, as perf
 * record keeps its data: the trace of a crash is often the one wanted.
 */
static void report_child(struct recorder *r)
{
	char cmd[256], out[512];
	const char *c, *o;

	if (!r->forked || !r->exited)
		return;
	c = kstep_text_safe(r->o->argv[0], cmd, sizeof(cmd));
	o = kstep_text_safe(r->o->output, out, sizeof(out));
	if (WIFSIGNALED(r->status))
		fprintf(stderr, "kstep: %s was killed by signal %d (%s)%s; the trace is kept: %s\n", c,
			WTERMSIG(r->status), strsignal(WTERMSIG(r->status)),
			WCOREDUMP(r->status) ? ", core dumped" : "", o);
	else if (WIFEXITED(r->status) && WEXITSTATUS(r->status))
		fprintf(stderr, "kstep: %s exited with status %d; the trace is kept: %s\n", c,
			WEXITSTATUS(r->status), o);
}

/* Tearing down: everything created, in reverse */

static void teardown(struct recorder *r)
{
	size_t i;
	int c;

	if (r->top) {
		for (c = 0; r->cpus && c < r->ncpus; c++)
			if (r->cpus[c].tcpu)
				tracefs_cpu_close(r->cpus[c].tcpu);
		r->cpus_closed = true;
		journal_restore(r);
		tracefs_instance_file_clear(NULL, "trace");
	} else if (r->inst) {
		tracefs_trace_off(r->inst);
		for (i = r->triggers.n; i-- > 0;) {
			struct rec_trigger *t = kstep_vec_at(&r->triggers, i);
			char *undo = kstep_xasprintf("!%s", t->text);

			tracefs_event_file_append(r->inst, t->system, t->event, "trigger", undo);
			free(undo);
		}
		tracefs_event_disable(r->inst, NULL, NULL);
		tracefs_instance_file_write(r->inst, "current_tracer", "nop");
	}
	for (c = 0; !r->cpus_closed && r->cpus && c < r->ncpus; c++)
		if (r->cpus[c].tcpu)
			tracefs_cpu_close(r->cpus[c].tcpu);
	if (r->inst) {
		int tries = 0, rc;

		/* the kernel may still hold the instance briefly (EBUSY): retry */
		while ((rc = tracefs_instance_destroy(r->inst)) && errno == EBUSY && tries++ < 100)
			poll(NULL, 0, 10);
		if (rc)
			kstep_warning("could not remove the instance %s: %s (kstep record --cleanup "
				      "removes it)", r->inst_name, strerror(errno));
		else if (tries)
			kstep_debug("instance %s removed after %d retries", r->inst_name, tries);
		tracefs_instance_free(r->inst);
		r->inst = NULL;
	}
	/* an enabled probe cannot be removed: force disables it everywhere first */
	for (i = r->dynevents.n; i-- > 0;) {
		struct tracefs_dynevent *ev = *(struct tracefs_dynevent **)kstep_vec_at(&r->dynevents, i);

		if (tracefs_dynevent_destroy(ev, true))
			kstep_warning("could not remove a probe of group %s: %s", r->group, strerror(errno));
		tracefs_dynevent_free(ev);
	}
	r->dynevents.n = 0;
	for (i = 0; i < r->fprobes.n; i++) {
		char *name = *(char **)kstep_vec_at(&r->fprobes, i);
		char *del = kstep_xasprintf("-:%s\n", name);

		tracefs_instance_file_append(NULL, "dynamic_events", del);
		free(del);
		free(name);
	}
	r->fprobes.n = 0;
}

static void free_recorder(struct recorder *r)
{
	size_t i;
	int c;

	for (c = 0; r->cpus && c < r->ncpus; c++)
		if (r->cpus[c].fd >= 0)
			close(r->cpus[c].fd);
	for (i = 0; i < r->events.n; i++)
		free(*(char **)kstep_vec_at(&r->events, i));
	kstep_vec_free(&r->events);
	kstep_vec_free(&r->dynevents);
	kstep_vec_free(&r->fprobes);
	kstep_vec_free(&r->triggers);
	kstep_vec_free(&r->journal);
	if (r->kb)
		kbuffer_free(r->kb);
	free(r->cpus);
	free(r->page);
	free(r->prog);
	free(r->kallsyms);
	free(r->maps);
	free(r->loss_text);
	if (r->sigfd >= 0)
		close(r->sigfd);
	for (c = 0; c < 2; c++) {
		if (r->hold[c] >= 0)
			close(r->hold[c]);
		if (r->execerr[c] >= 0)
			close(r->execerr[c]);
	}
}

static void report_plan(struct recorder *r)
{
	size_t i, applied = 0, skipped = 0;

	for (i = 0; i < r->plan->items.n; i++) {
		const struct kstep_plan_item *it = kstep_plan_item(r->plan, i);

		if (it->applied) {
			applied++;
			continue;
		}
		skipped++;
		if (!r->o->quiet)
			fprintf(stderr, "kstep: skipped %s: %s\n", it->target, it->note);
	}
	if (!r->o->quiet)
		fprintf(stderr, "kstep: plan %s: %zu items applied, %zu skipped on this kernel\n",
			r->plan->name ? r->plan->name : "(command line)", applied, skipped);
}

/*
 * function_graph works only in the top-level instance on some kernels (before
 * 6.6): record there when it is idle, journaling every change; when someone
 * else uses it, record without function_graph.
 */
static void choose_top(struct recorder *r)
{
	char *cur, *events;
	bool graph = false, idle;
	size_t i;

	for (i = 0; i < r->plan->items.n; i++) {
		const struct kstep_plan_item *it = kstep_plan_item(r->plan, i);

		graph |= it->applied && it->kind == KSTEP_PI_GRAPH;
	}
	if (!graph || !r->caps.graph_top_only)
		return;
	cur = tracefs_instance_file_read(NULL, "current_tracer", NULL);
	events = tracefs_instance_file_read(NULL, "set_event", NULL);
	idle = cur && !strncmp(cur, "nop", 3) && (!events || !*events);
	free(cur);
	free(events);
	if (idle) {
		r->top = true;
		if (!r->o->quiet)
			fprintf(stderr, "kstep: function_graph with graph roots works only in the top-level instance here: "
				"recording there; its settings are restored afterwards\n");
		return;
	}
	for (i = 0; i < r->plan->items.n; i++) {
		struct kstep_plan_item *it = kstep_plan_item(r->plan, i);

		if (it->applied && (it->kind == KSTEP_PI_GRAPH || it->kind == KSTEP_PI_GRAPH_DEPTH)) {
			it->applied = false;
			snprintf(it->note, sizeof(it->note), "function_graph works only in the top-level "
				 "instance here, and another tracer is using it");
		}
	}
}

static int prepare(struct recorder *r)
{
	struct kstep_plan_env env;

	kstep_caps_probe(&r->caps);
	if (!kstep_caps_has(&r->caps, KSTEP_CAP_ROOT)) {
		kstep_error("kstep record needs root to use tracefs: run it as root (sudo kstep record ...)");
		return -1;
	}
	if (!kstep_caps_has(&r->caps, KSTEP_CAP_TRACEFS) || !kstep_caps_has(&r->caps, KSTEP_CAP_INSTANCES)) {
		kstep_error("tracefs is not usable here: %s %s", r->caps.c[KSTEP_CAP_TRACEFS].why,
			    r->caps.c[KSTEP_CAP_INSTANCES].why);
		return -1;
	}
	kstep_record_cleanup(kstep_log_level() >= KSTEP_LOG_INFO);
	if (r->o->attach_pid) {
		char exe[64];

		snprintf(exe, sizeof(exe), "/proc/%d/exe", r->o->attach_pid);
		r->prog = realpath(exe, NULL);
		r->pid = r->o->attach_pid;
		if (!pid_alive(r->pid)) {
			kstep_error("no process %d to attach to", r->pid);
			return -1;
		}
	} else if (r->o->argv && *r->o->argv) {
		r->prog = find_program(r->o->argv[0]);
		if (!r->prog) {
			kstep_error("cannot find the program '%s' (not in PATH, or not executable)", r->o->argv[0]);
			return -1;
		}
	}
	r->kallsyms = read_file("/proc/kallsyms", &r->kallsyms_len);
	snprintf(r->group, sizeof(r->group), "kstep_%d", (int)getpid());
	env = (struct kstep_plan_env){ .caps = &r->caps, .prog = r->prog, .group = r->group,
				       .kallsyms = r->kallsyms, .kallsyms_len = r->kallsyms_len };
	kstep_plan_resolve(r->plan, &env);
	choose_top(r);
	return 0;
}

int kstep_record_run(struct kstep_plan *plan, const struct kstep_record_opts *o, bool show_only)
{
	struct recorder r = { .o = o, .plan = plan, .sigfd = -1, .hold = { -1, -1 },
			      .execerr = { -1, -1 }, .jfd = -1 };
	sigset_t block;
	int ret = KSTEP_EXIT_ERROR;
	size_t i;

	kstep_vec_init(&r.dynevents, sizeof(struct tracefs_dynevent *));
	kstep_vec_init(&r.fprobes, sizeof(char *));
	kstep_vec_init(&r.triggers, sizeof(struct rec_trigger));
	kstep_vec_init(&r.events, sizeof(char *));
	kstep_vec_init(&r.journal, sizeof(struct jentry));
	/* from here on Ctrl-C is read, not fatal: cleanup always runs */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &r.oldmask);
	r.sigfd = signalfd(-1, &block, SFD_CLOEXEC | SFD_NONBLOCK);
	if (r.sigfd < 0) {
		kstep_error("signalfd: %s", strerror(errno));
		goto out;
	}
	if (prepare(&r))
		goto out;
	if (show_only) {
		char *applied = kstep_plan_applied(plan);

		fputs(applied, stdout);
		free(applied);
		ret = KSTEP_EXIT_OK;
		goto out;
	}
	if (open_instance(&r))
		goto out;
	for (i = 0; i < plan->items.n; i++)
		if (kstep_plan_item(plan, i)->applied)
			create_probe(&r, kstep_plan_item(plan, i));
	report_plan(&r);
	if (!o->attach_pid && fork_child(&r))
		goto out;
	configure_graph(&r);
	configure_events(&r);
	configure_stacks(&r);
	configure_syscall_stacks(&r);
	if (open_cpus(&r))
		goto out;
	tf_write(&r, "tracing_on", "1");
	if (release_child(&r))
		goto out;
	run_loop(&r);
	tf_write(&r, "tracing_on", "0");
	drain(&r, true);
	r.missed_probes = probe_misses(&r, "kprobe_profile");
	if (write_file(&r))
		goto out;
	if (r.interrupted && !o->quiet)
		fprintf(stderr, "kstep: interrupted: the trace holds what happened until then\n");
	report_child(&r);
	ret = KSTEP_EXIT_OK;
out:
	stop_child(&r);
	teardown(&r);
	free_recorder(&r);
	sigprocmask(SIG_SETMASK, &r.oldmask, NULL);
	return ret;
}
