// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * session.c - opening a trace.dat for analysis.
 */
#include "config.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "datfile.h"
#include "log.h"
#include "session.h"

static void read_command(struct kstep_session *s)
{
	const struct kstep_dat_rawopt *o = kstep_dat_rawopt(s->dat, KSTEP_KOPT_COMMAND);
	bool be = kstep_dat_big_endian(s->dat);
	uint32_t argc, i;
	size_t pos = 8, n = 0;

	if (!o || o->len < 8)
		return;
	s->traced_pid = (int)kstep_get32(o->data, be);
	argc = kstep_get32(o->data + 4, be);
	for (i = 0; i < argc && pos < o->len; i++) {
		size_t l = strnlen(o->data + pos, o->len - pos);

		n += (size_t)snprintf(s->traced_cmd + n, n < sizeof(s->traced_cmd) ?
				      sizeof(s->traced_cmd) - n : 0, "%s%.*s", i ? " " : "", (int)l,
				      o->data + pos);
		if (n >= sizeof(s->traced_cmd))
			break;
		pos += l + 1;
	}
}

static void read_exit(struct kstep_session *s)
{
	const struct kstep_dat_rawopt *o = kstep_dat_rawopt(s->dat, KSTEP_KOPT_EXIT);
	bool be = kstep_dat_big_endian(s->dat);

	if (!o || o->len < 8)
		return;
	s->have_exit = true;
	s->exit_code = (int)(int32_t)kstep_get32(o->data, be);
	s->exit_signal = (int)(int32_t)kstep_get32(o->data + 4, be);
}

static void read_recorder(struct kstep_session *s)
{
	const struct kstep_dat_rawopt *o = kstep_dat_rawopt(s->dat, KSTEP_KOPT_VERSION);
	const char *v = kstep_dat_tracer_version(s->dat);

	if (o)
		snprintf(s->recorder, sizeof(s->recorder), "kstep %.*s", (int)strnlen(o->data, o->len),
			 o->data);
	else if (v)
		snprintf(s->recorder, sizeof(s->recorder), "trace-cmd %s", v);
	else
		snprintf(s->recorder, sizeof(s->recorder), "unknown");
}

static void read_build_id(struct kstep_session *s)
{
	const struct kstep_dat_rawopt *o = kstep_dat_rawopt(s->dat, KSTEP_KOPT_BUILD_ID);
	size_t n, i;

	if (!o)
		return;
	n = strnlen(o->data, o->len);
	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)o->data[i]))
			return;	/* not what kstep writes: say nothing rather than garbage */
	snprintf(s->build_id, sizeof(s->build_id), "%.*s", (int)n, o->data);
}

/* The applied plan: "# plan NAME as applied...", items, "# skipped: ..." lines. */
static void read_plan(struct kstep_session *s)
{
	const struct kstep_dat_rawopt *o = kstep_dat_rawopt(s->dat, KSTEP_KOPT_PLAN_APPLIED);
	const char *p, *end;

	if (!o)
		return;
	p = o->data;
	end = o->data + strnlen(o->data, o->len);
	if (sscanf(p, "# plan %63s", s->plan) != 1)
		snprintf(s->plan, sizeof(s->plan), "?");
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (!strncmp(p, "# skipped:", 10))
			s->plan_skipped++;
		else if (*p != '#' && *p != '\n')
			s->plan_applied++;
		p = nl ? nl + 1 : end;
	}
}

/* fprobe events look like kprobe events in their formats: the plan says which they are. */
static void read_fprobes(struct kstep_session *s)
{
	const struct kstep_dat_rawopt *o = kstep_dat_rawopt(s->dat, KSTEP_KOPT_PLAN_APPLIED);
	const char *p, *end;

	if (!o)
		return;
	end = o->data + strnlen(o->data, o->len);
	for (p = o->data; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *ev;
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char line[600], name[300];

		snprintf(line, sizeof(line), "%.*s", (int)l, p);
		if ((!strncmp(line, "fprobe ", 7) || !strncmp(line, "fexit ", 6)) &&
		    (ev = strstr(line, "  # event ")) && sscanf(ev + 10, "%299s", name) == 1)
			kstep_evtab_fprobe(s->evtab, name);
		p += l + 1;
	}
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
	read_command(s);
	read_exit(s);
	read_recorder(s);
	read_build_id(s);
	read_plan(s);
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
