// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * select.c - choosing the task and the action, and feeding the chain.
 */
#include "config.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "log.h"
#include "select.h"

int kstep_parse_ts(const char *s, uint64_t *ns)
{
	uint64_t sec = 0, frac = 0, scale = 1000000000;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p))
		sec = sec * 10 + (uint64_t)(*p++ - '0');
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p) && scale > 1) {
			scale /= 10;
			frac += (uint64_t)(*p++ - '0') * scale;
		}
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p)
		return -1;
	*ns = sec * 1000000000ULL + frac;
	return 0;
}

/* What pass 1 is looking for, while it reads. */
struct scan {
	const struct kstep_select_opts *o;
	struct kstep_selection *sel;
	int pid;		/* 0 until known */
	int first_any_pid;
	long sysnr;		/* of the chosen call */
	int seen_calls;		/* of the named syscall by pid */
	uint64_t call_enter;
	uint64_t call_exit;
	bool in_call;
	/*
	 * open user-space probe entries per task (function addresses, innermost
	 * last): the task is often known only at its syscall, after its probes
	 */
	struct uopen {
		int pid;
		int n;
		uint64_t func[32];
		uint64_t ts[32];
	} uopen[64];
	int nutasks;
	uint64_t wrap_func;	/* the user probe that encloses the call */
	uint64_t wrap_ts;
	uint64_t wrap_exit;
	bool want_wrap_exit;
	struct kstep_vec retfuncs;
	bool early;		/* stop once the task is known */
	bool no_sys_enter;	/* the file has no syscall-entry event */
	bool tentative;		/* stopped with a guess that pass 2 checks */
	uint64_t guess_after;	/* KSTEP_GUESS_AFTER, or the tests' KSTEP_TEST_GUESS_AFTER */
	int force_guess;	/* the tests' KSTEP_TEST_GUESS_PID: guess this task at once */
};

/*
 * Records read in search of a syscall entry before the first traced call's
 * task is taken as a guess: a file that has syscall entries has them at its
 * start, and one that has none (function_graph alone) is read once, not twice.
 */
#define KSTEP_GUESS_AFTER 65536

static const char *syscall_of(const struct kstep_evdesc *d, const struct kstep_rec *rec, long *nr)
{
	uint64_t v;

	*nr = -1;
	if (!kstep_rec_num(rec, d->f_nr, &v))
		*nr = (long)(int64_t)v;
	if (d->syscall)
		return d->syscall;
	return kstep_syscall_name(*nr);
}

static struct uopen *uopen_of(struct scan *sc, int pid)
{
	int i;

	for (i = 0; i < sc->nutasks; i++)
		if (sc->uopen[i].pid == pid)
			return &sc->uopen[i];
	if (sc->nutasks == (int)KSTEP_ARRAY_SIZE(sc->uopen))
		return NULL;
	sc->uopen[sc->nutasks].pid = pid;
	sc->uopen[sc->nutasks].n = 0;
	return &sc->uopen[sc->nutasks++];
}

static void note_user_probe(struct scan *sc, const struct kstep_evdesc *d,
			    const struct kstep_rec *rec, int pid, int long_size)
{
	struct uopen *u;
	uint64_t ip = 0;

	kstep_rec_num(rec, d->f_ip, &ip);
	if (kstep_probe_src(d, ip, long_size) != KSTEP_SRC_UPROBE)
		return;
	if (pid == sc->pid && sc->want_wrap_exit && d->kind == KSTEP_EV_PROBE_RET && ip == sc->wrap_func) {
		sc->wrap_exit = rec->ts;
		sc->want_wrap_exit = false;
	}
	u = uopen_of(sc, pid);
	if (!u)
		return;
	if (d->kind == KSTEP_EV_PROBE) {
		if (u->n < (int)KSTEP_ARRAY_SIZE(u->func)) {
			u->func[u->n] = ip;
			u->ts[u->n] = rec->ts;
		}
		u->n++;
		return;
	}
	while (u->n > 0) {
		int top = --u->n;

		if (top >= (int)KSTEP_ARRAY_SIZE(u->func) || u->func[top] == ip)
			break;
	}
}

static void note_syscall(struct scan *sc, const struct kstep_evdesc *d, const struct kstep_rec *rec)
{
	bool enter = d->kind == KSTEP_EV_SYS_ENTER || d->kind == KSTEP_EV_RAW_SYS_ENTER;
	long nr;
	const char *name = syscall_of(d, rec, &nr);

	if (enter) {
		if (!name || strcmp(name, sc->o->syscall) || sc->call_enter || sc->in_call)
			return;
		/* raw and named enters of the same call count once */
		if (++sc->seen_calls != (sc->o->nth ? sc->o->nth : 1))
			return;
		sc->in_call = true;
		sc->sysnr = nr;
		sc->call_enter = rec->ts;
		{
			struct uopen *u = uopen_of(sc, sc->pid);

			if (u && u->n > 0 && u->n <= (int)KSTEP_ARRAY_SIZE(u->func)) {
				sc->wrap_func = u->func[u->n - 1];
				sc->wrap_ts = u->ts[u->n - 1];
			}
		}
		return;
	}
	if (sc->in_call && (nr == sc->sysnr || nr < 0)) {
		sc->in_call = false;
		sc->call_exit = rec->ts;
		if (sc->wrap_func)
			sc->want_wrap_exit = true;
	}
}

static bool is_sys_enter(const struct kstep_evdesc *d)
{
	return d->kind == KSTEP_EV_SYS_ENTER || d->kind == KSTEP_EV_RAW_SYS_ENTER;
}

static bool is_syscall(const struct kstep_evdesc *d)
{
	return is_sys_enter(d) || d->kind == KSTEP_EV_SYS_EXIT || d->kind == KSTEP_EV_RAW_SYS_EXIT;
}

/* Decides the task online, as soon as the record that names it is read. */
static void choose_pid(struct scan *sc, struct kstep_session *s, const struct kstep_evdesc *d,
		       const struct kstep_rec *rec, int rpid)
{
	struct kstep_selection *sel = sc->sel;
	long nr;

	if (rpid <= 0)
		return;
	if (!sc->first_any_pid && d->kind != KSTEP_EV_OTHER && d->kind != KSTEP_EV_SCHED_SWITCH)
		sc->first_any_pid = rpid;
	if (sc->o->comm) {
		const char *comm = tep_data_comm_from_pid(kstep_load_tep(s->ld), rpid);

		if (comm && !strcmp(comm, sc->o->comm)) {
			sc->pid = rpid;
			sel->how = "--comm";
		}
		return;
	}
	if (!is_sys_enter(d))
		return;
	if (sc->o->syscall) {
		const char *name = syscall_of(d, rec, &nr);

		if (!name || strcmp(name, sc->o->syscall))
			return;
		sel->how = "task of the first matching syscall";
	} else {
		sel->how = KSTEP_HOW_FIRST_SYSCALL;
	}
	sc->pid = rpid;
}

/* With an early stop allowed: whether pass 1 knows enough, for certain or as a guess. */
static bool scan_done(struct scan *sc)
{
	if (sc->pid)
		return true;
	if (sc->o->comm || !sc->first_any_pid)
		return false;
	if (sc->no_sys_enter)
		return true;
	if (sc->sel->records < sc->guess_after)
		return false;
	sc->tentative = true;
	return true;
}

static int scan_file(struct kstep_session *s, struct scan *sc)
{
	struct kstep_selection *sel = sc->sel;
	int long_size = kstep_dat_long_size(s->dat);
	struct kstep_rec rec;
	char err[1024];
	int r;

	while ((r = kstep_load_next(s->ld, &rec, err, sizeof(err))) > 0) {
		const struct kstep_evdesc *d = kstep_evtab_get(s->evtab, rec.event);
		int rpid = kstep_rec_pid(&rec);

		if (sc->early && scan_done(sc))
			return 0;
		sel->records++;
		if (rec.event->id >= 0 && rec.event->id < sel->ncounts)
			sel->counts[rec.event->id]++;
		if (d->kind == KSTEP_EV_PROBE_RET) {
			uint64_t func = 0;

			kstep_rec_num(&rec, d->f_ip, &func);
			*(uint64_t *)kstep_vec_push(&sc->retfuncs) = func;
		}
		if (!sc->pid)
			choose_pid(sc, s, d, &rec, rpid);
		if (!sc->o->syscall)
			continue;
		if (d->kind == KSTEP_EV_PROBE || d->kind == KSTEP_EV_PROBE_RET)
			note_user_probe(sc, d, &rec, rpid, long_size);
		else if (sc->pid && rpid == sc->pid && is_syscall(d))
			note_syscall(sc, d, &rec);
	}
	if (r < 0) {
		kstep_error("%s", err);
		return -1;
	}
	return 0;
}

static int window(struct kstep_session *s, struct scan *sc)
{
	const struct kstep_select_opts *o = sc->o;
	struct kstep_selection *sel = sc->sel;
	char a[32], b[32];

	sel->from = 0;
	sel->to = UINT64_MAX;
	snprintf(sel->action, sizeof(sel->action), "the whole task");
	if (o->syscall) {
		if (!sc->seen_calls) {
			kstep_error("%s: task %d made no %s syscall in this trace (kstep info lists "
				    "the events it holds)", s->path, sel->pid, o->syscall);
			return -1;
		}
		if (!sc->call_enter) {
			kstep_error("%s: task %d made %d %s call%s; --nth %d asks for more", s->path,
				    sel->pid, sc->seen_calls, o->syscall, sc->seen_calls == 1 ? "" : "s",
				    o->nth);
			return -1;
		}
		sel->from = sc->call_enter;
		sel->to = sc->call_exit ? sc->call_exit : UINT64_MAX;
		if (sc->wrap_func && sc->wrap_exit) {
			sel->from = sc->wrap_ts;
			sel->to = sc->wrap_exit;
		}
		sel->windowed = true;
		kstep_fmt_ts(a, sizeof(a), sel->from);
		kstep_fmt_ts(b, sizeof(b), sel->to);
		snprintf(sel->action, sizeof(sel->action), "syscall %s #%d%s (%s .. %s)", o->syscall,
			 o->nth ? o->nth : 1, sc->wrap_func && sc->wrap_exit ?
			 " with its user-space caller" : "", a, sc->call_exit ? b : "end");
		sel->view = true;
		sel->view_from = sel->from;
		sel->view_to = sel->to;
		sel->from = 0;
		sel->to = UINT64_MAX;
	}
	if (o->has_from && o->from > sel->from)
		sel->from = o->from;
	if (o->has_to && o->to < sel->to)
		sel->to = o->to;
	if (o->has_from || o->has_to) {
		sel->windowed = true;
		kstep_fmt_ts(a, sizeof(a), sel->from);
		kstep_fmt_ts(b, sizeof(b), sel->to);
		snprintf(sel->action + strlen(sel->action), sizeof(sel->action) - strlen(sel->action),
			 ", within %s .. %s", a, sel->to == UINT64_MAX ? "end" : b);
	}
	if (sel->from > sel->to) {
		kstep_error("%s: the time window is empty (--from is after --to)", s->path);
		return -1;
	}
	return 0;
}

static bool has_kind(struct kstep_session *s, struct tep_event **all, int n, enum kstep_evkind a,
		     enum kstep_evkind b)
{
	int i;

	for (i = 0; i < n; i++) {
		enum kstep_evkind k = kstep_evtab_get(s->evtab, all[i])->kind;

		if (k == a || k == b)
			return true;
	}
	return false;
}

/*
 * Pass 1 may stop as soon as the task is known when pass 2 reads the whole
 * file anyway (no window) and needs nothing else from it: --syscall needs the
 * nth call, and a return probe's function must be known before its first
 * entry reaches the chain. On a large function_graph recording this saves a
 * whole read of the file.
 */
static void plan_scan(struct kstep_session *s, const struct kstep_select_opts *o, struct tep_event **all,
		      int n, struct scan *sc)
{
	/*
	 * the tests guess early, or wrongly, or read the whole file first, to see
	 * that a guess changes nothing
	 */
	sc->guess_after = o->test_guess_after ? o->test_guess_after : KSTEP_GUESS_AFTER;
	sc->force_guess = o->test_guess_pid;
	sc->no_sys_enter = !has_kind(s, all, n, KSTEP_EV_SYS_ENTER, KSTEP_EV_RAW_SYS_ENTER);
	sc->early = o->lazy && !o->test_full_pass1 && !o->syscall && !o->has_from && !o->has_to &&
		    !has_kind(s, all, n, KSTEP_EV_PROBE_RET, KSTEP_EV_PROBE_RET);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int kstep_select(struct kstep_session *s, const struct kstep_select_opts *o,
		 struct kstep_selection *sel)
{
	struct tep_handle *tep = kstep_load_tep(s->ld);
	struct tep_event **all = tep_list_events(tep, TEP_EVENT_SORT_ID);
	struct scan sc = { .o = o, .sel = sel };
	int n = tep_get_events_count(tep), i, maxid = 0;
	const char *comm;
	char err[1024];
	size_t k, u;

	memset(sel, 0, sizeof(*sel));
	if (o->syscall) {
		char ev[128];

		snprintf(ev, sizeof(ev), "sys_enter_%s", o->syscall);
		if (kstep_syscall_nr(o->syscall) < 0 && !tep_find_event_by_name(tep, "syscalls", ev)) {
			kstep_error("'%s' is not a system call kstep knows (give the name without sys_, "
				    "e.g. --syscall socket)", o->syscall);
			return -1;
		}
	}
	for (i = 0; i < n; i++)
		if (all[i]->id > maxid)
			maxid = all[i]->id;
	sel->ncounts = maxid + 1;
	sel->counts = kstep_xcalloc((size_t)sel->ncounts, sizeof(*sel->counts));
	kstep_vec_init(&sc.retfuncs, sizeof(uint64_t));
	if (o->pid > 0) {
		sc.pid = o->pid;
		sel->how = "--pid";
	} else if (!o->comm && s->traced_pid > 0) {
		sc.pid = s->traced_pid;
		sel->how = "the traced command recorded in the file";
	}
	if (kstep_load_rewind(s->ld, err, sizeof(err))) {
		kstep_error("%s", err);
		goto fail;
	}
	plan_scan(s, o, all, n, &sc);
	if (sc.early && !sc.pid && !o->comm && !sc.no_sys_enter && sc.force_guess > 0) {
		sc.first_any_pid = sc.force_guess;
		sc.tentative = true;
	} else if (scan_file(s, &sc)) {
		goto fail;
	}
	/* an early stop leaves the counts and the damage to pass 2, which reads it all */
	sel->counted = !sc.early;
	if (sel->counted)
		kstep_session_keep_damage(s);
	if (!sc.pid && !o->comm && !o->syscall && sc.first_any_pid) {
		sc.pid = sc.first_any_pid;
		sel->how = KSTEP_HOW_FIRST_CALL;
		sel->tentative = sc.tentative;
		if (sel->tentative)
			kstep_debug("pass 1 stopped after %" PRIu64 " records without a syscall entry: "
				    "task %d is a guess until pass 2 meets one", sel->records, sc.pid);
	}
	if (!sc.pid) {
		if (o->comm)
			kstep_error("%s: no task named '%s' in this trace", s->path, o->comm);
		else if (o->syscall)
			kstep_error("%s: no %s syscall in this trace (kstep info lists the events it holds)",
				    s->path, o->syscall);
		else
			kstep_error("%s: no task to show: the trace has no syscall, function or probe "
				    "event with a task (give --pid)", s->path);
		goto fail;
	}
	sel->pid = sc.pid;
	comm = tep_data_comm_from_pid(tep, sc.pid);
	snprintf(sel->comm, sizeof(sel->comm), "%s", comm ? comm : "<...>");
	if (window(s, &sc))
		goto fail;
	/* sorted and unique */
	if (sc.retfuncs.n)
		qsort(sc.retfuncs.v, sc.retfuncs.n, sizeof(uint64_t), cmp_u64);
	sel->retfuncs = kstep_xcalloc(sc.retfuncs.n, sizeof(uint64_t));
	for (k = 0, u = 0; k < sc.retfuncs.n; k++) {
		uint64_t v = *(uint64_t *)kstep_vec_at(&sc.retfuncs, k);

		if (!u || sel->retfuncs[u - 1] != v)
			sel->retfuncs[u++] = v;
	}
	sel->nretfuncs = u;
	kstep_vec_free(&sc.retfuncs);
	return 0;
fail:
	kstep_vec_free(&sc.retfuncs);
	kstep_selection_free(sel);
	return -1;
}

int kstep_select_check(struct kstep_session *s, struct kstep_selection *sel, const struct kstep_evdesc *d,
		       const struct kstep_rec *rec)
{
	const char *comm;
	int rpid;

	if (!sel->tentative || !is_sys_enter(d) || (rpid = kstep_rec_pid(rec)) <= 0)
		return 0;
	/* the same task or not, the header's reason changed, and a view may have printed it */
	kstep_debug("the first syscall entry (task %d) settles the guess (task %d): the run starts again",
		    rpid, sel->pid);
	sel->tentative = false;
	sel->how = KSTEP_HOW_FIRST_SYSCALL;
	sel->pid = rpid;
	comm = tep_data_comm_from_pid(kstep_load_tep(s->ld), rpid);
	snprintf(sel->comm, sizeof(sel->comm), "%s", comm ? comm : "<...>");
	return 1;
}

void kstep_selection_free(struct kstep_selection *sel)
{
	free(sel->counts);
	free(sel->retfuncs);
	sel->counts = NULL;
	sel->retfuncs = NULL;
}
