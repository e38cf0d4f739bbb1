// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * session.c - opening a trace.dat for analysis.
 */
#include "config.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datfile.h"
#include "kopts.h"
#include "log.h"
#include "session.h"

static void read_kopts(struct kstep_session *s)
{
	struct kstep_kopts k;
	const char *v = kstep_dat_tracer_version(s->dat);

	kstep_kopts_read(s->dat, &k);
	s->traced_pid = k.traced_pid;
	snprintf(s->traced_cmd, sizeof(s->traced_cmd), "%s", k.traced_cmd);
	s->have_exit = k.have_exit;
	s->exit_code = k.exit_code;
	s->exit_signal = k.exit_signal;
	snprintf(s->build_id, sizeof(s->build_id), "%s", k.build_id);
	snprintf(s->plan, sizeof(s->plan), "%s", k.plan);
	s->plan_applied = k.plan_applied;
	s->plan_skipped = k.plan_skipped;
	if (*k.version || kstep_dat_rawopt(s->dat, KSTEP_KOPT_VERSION))
		snprintf(s->recorder, sizeof(s->recorder), "kstep %s", k.version);
	else if (v)
		snprintf(s->recorder, sizeof(s->recorder), "trace-cmd %s", v);
	else
		snprintf(s->recorder, sizeof(s->recorder), "unknown");
}

/* fprobe events look like kprobe events in their formats: the plan says which they are. */
static void read_fprobes(struct kstep_session *s)
{
	struct kstep_kopt_probe *p;
	size_t n = kstep_kopts_probes(s->dat, &p), i;

	for (i = 0; i < n; i++)
		if (!strcmp(p[i].kind, "fprobe") || !strcmp(p[i].kind, "fexit"))
			kstep_evtab_fprobe(s->evtab, p[i].event);
	free(p);
}

int kstep_session_open(struct kstep_session *s, const char *path)
{
	char err[1024];

	memset(s, 0, sizeof(*s));
	s->path = path;
	s->ld = kstep_load_open(path, err, sizeof(err));
	if (!s->ld) {
		kstep_error("%s", err);
		return -1;
	}
	s->dat = kstep_load_dat(s->ld);
	s->evtab = kstep_evtab_new(kstep_load_tep(s->ld));
	read_kopts(s);
	read_fprobes(s);
	if (kstep_ksyms_zeroed(kstep_load_ksyms(s->ld)))
		kstep_warning("%s: kallsyms was recorded with hidden addresses (kptr_restrict): "
			      "functions show as addresses; record as root", path);
	return 0;
}

void kstep_session_keep_damage(struct kstep_session *s)
{
	const struct kstep_load_stats *st = kstep_load_stats(s->ld);
	size_t i;

	kstep_vec_free(&s->kept.damage);
	s->kept = *st;
	kstep_vec_init(&s->kept.damage, sizeof(struct kstep_damage));
	for (i = 0; i < st->damage.n; i++)
		*(struct kstep_damage *)kstep_vec_push(&s->kept.damage) =
			*(struct kstep_damage *)kstep_vec_at(&st->damage, i);
	s->have_kept = true;
}

const struct kstep_load_stats *kstep_session_damage(const struct kstep_session *s)
{
	return s->have_kept ? &s->kept : kstep_load_stats(s->ld);
}

static void warn_damage(const struct kstep_session *s, const struct kstep_load_stats *st)
{
	size_t i;

	for (i = 0; i < st->damage.n; i++) {
		const struct kstep_damage *d = kstep_vec_at(&st->damage, i);
		char a[32], b[32];

		kstep_fmt_ts(a, sizeof(a), d->from_ts);
		kstep_fmt_ts(b, sizeof(b), d->to_ts);
		if (d->cpu < 0)
			kstep_warning("%s: %s", s->path, d->what);	/* the sum past the listed ones */
		else if (d->lost && d->count >= 0)
			kstep_warning("%s: CPU %d lost %" PRId64 " events between %s and %s: %s", s->path,
				      d->cpu, d->count, d->from_ts ? a : "the start",
				      d->to_ts ? b : "the end", d->what);
		else
			kstep_warning("%s: CPU %d between %s and %s: %s", s->path, d->cpu,
				      d->from_ts ? a : "the start", d->to_ts ? b : "the end", d->what);
	}
}

int kstep_session_finish(struct kstep_session *s, bool strict)
{
	const struct kstep_load_stats *st = kstep_session_damage(s);
	bool loss = st->damage.n > 0;

	warn_damage(s, st);
	if (loss && strict) {
		kstep_error("%s: data was lost or damaged (--strict)", s->path);
		return KSTEP_EXIT_ERROR;
	}
	return KSTEP_EXIT_OK;
}

void kstep_session_close(struct kstep_session *s)
{
	kstep_vec_free(&s->kept.damage);
	kstep_evtab_free(s->evtab);
	kstep_load_close(s->ld);
	memset(s, 0, sizeof(*s));
}
