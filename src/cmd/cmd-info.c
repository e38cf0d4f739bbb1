// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd-info.c - kstep info FILE: what a trace.dat holds.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "event.h"
#include "json.h"
#include "kopts.h"
#include "load.h"
#include "log.h"
#include "redact.h"
#include "session.h"

static const struct kstep_cli_use opts[] = {
	{ KSTEP_CLI_SECTION, "" },
	{ KSTEP_CLI_JSON, NULL },
	{ KSTEP_CLI_STRICT, NULL },
	{ KSTEP_CLI_END, NULL },
};

static const struct kstep_cli_cmd cli = {
	.name = "info",
	.synopsis = "usage: kstep info [--json] [--strict] [FILE]\n",
	.text = "Show what a trace.dat holds: format version and compression, kernel\n"
		"release, CPUs, trace clock, each event with its count, lost events per\n"
		"CPU, damaged data, the traced command and the sources present\n"
		"(fgraph, kprobe, fprobe, syscall, uprobe, event, stack). FILE defaults\n"
		"to trace.dat.\n",
	.opts = opts,
};

struct evcount {
	struct tep_event *ev;
	uint64_t n;
};

static int cmp_count(const void *a, const void *b)
{
	const struct evcount *x = a, *y = b;
	int c = strcmp(x->ev->system, y->ev->system);

	return c ? c : strcmp(x->ev->name, y->ev->name);
}

struct info {
	struct evcount *counts;
	int ncounts;
	unsigned sources;
	uint64_t first_ts;
	uint64_t last_ts;
	uint64_t records;
};

static int count_events(struct kstep_session *s, struct info *in)
{
	struct tep_handle *tep = kstep_load_tep(s->ld);
	struct tep_event **all = tep_list_events(tep, TEP_EVENT_SORT_ID);
	int n = tep_get_events_count(tep), i, maxid = 0, r;
	uint64_t *byid;
	struct kstep_rec rec;
	char err[512];

	for (i = 0; i < n; i++)
		if (all[i]->id > maxid)
			maxid = all[i]->id;
	byid = kstep_xcalloc((size_t)maxid + 1, sizeof(*byid));
	while ((r = kstep_load_next(s->ld, &rec, err, sizeof(err))) > 0) {
		const struct kstep_evdesc *d = kstep_evtab_get(s->evtab, rec.event);

		if (rec.event->id >= 0 && rec.event->id <= maxid)
			byid[rec.event->id]++;
		if (!in->records++)
			in->first_ts = rec.ts;
		in->last_ts = rec.ts;
		if (d->kind == KSTEP_EV_PROBE || d->kind == KSTEP_EV_PROBE_RET) {
			uint64_t ip = 0;

			kstep_rec_num(&rec, d->f_ip, &ip);
			in->sources |= kstep_probe_src(d, ip, kstep_dat_long_size(s->dat));
		} else if (d->kind == KSTEP_EV_KSTACK || d->kind == KSTEP_EV_USTACK) {
			in->sources |= KSTEP_SRC_STACK;
		} else {
			in->sources |= d->src;
		}
	}
	if (r < 0) {
		kstep_error("%s", err);
		free(byid);
		return -1;
	}
	in->counts = kstep_xcalloc((size_t)n, sizeof(*in->counts));
	for (i = 0; i < n; i++) {
		if (all[i]->id < 0 || all[i]->id > maxid || !byid[all[i]->id])
			continue;
		in->counts[in->ncounts].ev = all[i];
		in->counts[in->ncounts++].n = byid[all[i]->id];
	}
	qsort(in->counts, (size_t)in->ncounts, sizeof(*in->counts), cmp_count);
	free(byid);
	return 0;
}

/* Reads "name: value" from a CPUSTAT text. */
static bool cpustat_value(const char *stat, const char *name, uint64_t *v)
{
	const char *p = strstr(stat, name);

	if (!p)
		return false;
	p += strlen(name);
	if (*p++ != ':')
		return false;
	*v = strtoull(p, NULL, 10);
	return true;
}

static int cpustat_cpu(const char *stat)
{
	const char *p = strstr(stat, "CPU:");

	return p ? atoi(p + 4) : -1;
}

/* What kstep redact replaced ("addresses comms strings"), or NULL. */
static const char *redacted(struct kstep_session *s)
{
	const struct kstep_dat_rawopt *o = kstep_dat_rawopt(s->dat, KSTEP_KOPT_REDACTED);

	if (!o || !o->len || o->data[o->len - 1] || kstep_text_safe_prefix(o->data, o->len - 1) != o->len - 1)
		return NULL;
	return o->data;
}

static void print_text(struct kstep_session *s, const struct info *in)
{
	const struct kstep_load_stats *st = kstep_load_stats(s->ld);
	const struct kstep_dat_cpu *cpus;
	char a[32], b[32], tags[128], t1[512], *kversion;
	const char *stat;
	int ncpu, i;
	size_t k;

	printf("file:         %s (%" PRIu64 " bytes)\n", kstep_text_safe(kstep_dat_path(s->dat), t1, sizeof(t1)),
	       kstep_dat_file_size(s->dat));
	printf("format:       trace.dat v%d, compression %s%s%s, %s-endian, %d-byte longs, %" PRIu32
	       "-byte pages\n", kstep_dat_version(s->dat), kstep_dat_compression(s->dat),
	       *kstep_dat_compression_version(s->dat) ? " " : "",
	       kstep_dat_compression_version(s->dat),
	       kstep_dat_big_endian(s->dat) ? "big" : "little", kstep_dat_long_size(s->dat),
	       kstep_dat_page_size(s->dat));
	printf("recorded by:  %s\n", kstep_text_safe(s->recorder, t1, sizeof(t1)));
	if (redacted(s))
		printf("redacted:     %s (kstep redact: kernel addresses are not the machine's)\n", redacted(s));
	printf("kernel:       %s\n", kstep_dat_uname(s->dat) ? kstep_text_safe(kstep_dat_uname(s->dat), t1, sizeof(t1)) :
	       "(not recorded)");
	printf("build-id:     %s\n", *s->build_id ? s->build_id : "(not recorded)");
	kversion = kstep_kopts_kversion(s->dat);
	printf("version:      %s\n", kversion ? kstep_text_safe(kversion, t1, sizeof(t1)) : "(not recorded)");
	free(kversion);
	if (*s->plan)
		printf("plan:         %s: %d items applied, %d skipped on the recording kernel\n",
		       kstep_text_safe(s->plan, t1, sizeof(t1)),
		       s->plan_applied, s->plan_skipped);
	printf("clock:        %s%s\n",
	       kstep_dat_clock(s->dat) ? kstep_text_safe(kstep_dat_clock(s->dat), t1, sizeof(t1)) : "(not recorded)",
	       kstep_load_ts_is_ns(s->ld) ? "" : " (timestamps are clock ticks)");
	cpus = kstep_dat_cpus(s->dat, &ncpu);
	printf("cpus:         %" PRIu32 " (data for", kstep_dat_cpucount(s->dat));
	for (i = 0; i < ncpu; i++)
		if (cpus[i].data_size)
			printf(" cpu%d", cpus[i].cpu);
	printf(")\n");
	kstep_fmt_ts(a, sizeof(a), in->first_ts);
	kstep_fmt_ts(b, sizeof(b), in->last_ts);
	printf("time:         %s .. %s\n", in->records ? a : "-", in->records ? b : "-");
	printf("records:      %" PRIu64 "\n", in->records);
	kstep_src_tags(in->sources, tags, sizeof(tags));
	printf("sources:      %s\n", in->sources ? tags : "(none)");
	printf("traced:       ");
	if (s->traced_pid > 0) {
		printf("%s (pid %d, from the file)", kstep_text_safe(s->traced_cmd, t1, sizeof(t1)), s->traced_pid);
		if (s->have_exit && s->exit_signal)
			printf(", killed by signal %d (%s)", s->exit_signal, strsignal(s->exit_signal));
		else if (s->have_exit && s->exit_code >= 0)
			printf(", exit status %d", s->exit_code);
		else if (s->have_exit)
			printf(", still running when recording stopped");
		printf("\n");
	} else
		printf("(not recorded in the file)\n");
	printf("events:\n");
	for (i = 0; i < in->ncounts; i++) {
		char name[256];

		snprintf(name, sizeof(name), "%s:%s", in->counts[i].ev->system, in->counts[i].ev->name);
		printf("  %-40s %" PRIu64 "\n", kstep_text_safe(name, t1, sizeof(t1)), in->counts[i].n);
	}
	printf("lost events:\n");
	for (k = 0; (stat = kstep_dat_cpustat(s->dat, k)); k++) {
		uint64_t overrun = 0, dropped = 0;

		cpustat_value(stat, "overrun", &overrun);
		cpustat_value(stat, "dropped events", &dropped);
		printf("  cpu%-3d overrun %" PRIu64 ", dropped %" PRIu64 " (kernel counters)\n",
		       cpustat_cpu(stat), overrun, dropped);
	}
	printf("  in the pages: %" PRIu64 " lost%s\n", st->lost_events,
	       st->lost_unknown ? " (and an unknown number more)" : "");
	printf("damage:       %s\n", st->damaged ? "yes (see warnings)" : "none found");
}

static void print_json(struct kstep_session *s, const struct info *in)
{
	const struct kstep_load_stats *st = kstep_load_stats(s->ld);
	struct kstep_json j;
	const char *stat;
	char name[256], *kversion;
	int i;
	size_t k;
	unsigned bit;

	kstep_json_init(&j, stdout, true);
	kstep_json_obj_open(&j, NULL);
	kstep_json_str(&j, "file", kstep_dat_path(s->dat));
	kstep_json_u64(&j, "version", (uint64_t)kstep_dat_version(s->dat));
	kstep_json_str(&j, "compression", kstep_dat_compression(s->dat));
	kstep_json_str(&j, "uname", kstep_dat_uname(s->dat));
	kstep_json_str(&j, "clock", kstep_dat_clock(s->dat));
	kstep_json_str(&j, "recorder", s->recorder);
	kstep_json_str(&j, "redacted", redacted(s));
	kstep_json_str(&j, "build_id", *s->build_id ? s->build_id : NULL);
	kversion = kstep_kopts_kversion(s->dat);
	kstep_json_str(&j, "kernel_version", kversion);
	free(kversion);
	if (*s->plan) {
		kstep_json_obj_open(&j, "plan");
		kstep_json_str(&j, "name", s->plan);
		kstep_json_u64(&j, "applied", (uint64_t)s->plan_applied);
		kstep_json_u64(&j, "skipped", (uint64_t)s->plan_skipped);
		kstep_json_obj_close(&j);
	}
	kstep_json_u64(&j, "cpus", kstep_dat_cpucount(s->dat));
	kstep_json_u64(&j, "records", in->records);
	kstep_json_u64(&j, "first_ts", in->first_ts);
	kstep_json_u64(&j, "last_ts", in->last_ts);
	kstep_json_arr_open(&j, "sources");
	for (bit = 1; bit <= KSTEP_SRC_FUNCTION; bit <<= 1)
		if (in->sources & bit)
			kstep_json_str(&j, NULL, kstep_src_tag(bit));
	kstep_json_arr_close(&j);
	if (s->traced_pid > 0) {
		kstep_json_obj_open(&j, "traced");
		kstep_json_i64(&j, "pid", s->traced_pid);
		kstep_json_str(&j, "command", s->traced_cmd);
		if (s->have_exit) {
			kstep_json_i64(&j, "exit_code", s->exit_code);
			kstep_json_i64(&j, "exit_signal", s->exit_signal);
		}
		kstep_json_obj_close(&j);
	} else {
		kstep_json_null(&j, "traced");
	}
	kstep_json_obj_open(&j, "events");
	for (i = 0; i < in->ncounts; i++) {
		snprintf(name, sizeof(name), "%s:%s", in->counts[i].ev->system, in->counts[i].ev->name);
		kstep_json_u64(&j, name, in->counts[i].n);
	}
	kstep_json_obj_close(&j);
	kstep_json_arr_open(&j, "cpustats");
	for (k = 0; (stat = kstep_dat_cpustat(s->dat, k)); k++) {
		uint64_t overrun = 0, dropped = 0;

		cpustat_value(stat, "overrun", &overrun);
		cpustat_value(stat, "dropped events", &dropped);
		kstep_json_obj_open(&j, NULL);
		kstep_json_i64(&j, "cpu", cpustat_cpu(stat));
		kstep_json_u64(&j, "overrun", overrun);
		kstep_json_u64(&j, "dropped", dropped);
		kstep_json_obj_close(&j);
	}
	kstep_json_arr_close(&j);
	kstep_json_u64(&j, "lost_events", st->lost_events);
	kstep_json_u64(&j, "lost_unknown_pages", st->lost_unknown);
	kstep_json_arr_open(&j, "damage");
	for (k = 0; k < st->damage.n; k++) {
		const struct kstep_damage *d = kstep_vec_at(&st->damage, k);

		kstep_json_obj_open(&j, NULL);
		kstep_json_i64(&j, "cpu", d->cpu);
		kstep_json_bool(&j, "lost", d->lost);
		kstep_json_i64(&j, "count", d->count);
		kstep_json_u64(&j, "from_ts", d->from_ts);
		kstep_json_u64(&j, "to_ts", d->to_ts);
		kstep_json_str(&j, "what", d->what);
		kstep_json_obj_close(&j);
	}
	kstep_json_arr_close(&j);
	kstep_json_obj_close(&j);
	kstep_json_end(&j);
}

static int show(const struct kstep_cli *a)
{
	struct kstep_session s;
	struct info in = { 0 };
	const char *path = "trace.dat";
	int ret = KSTEP_EXIT_ERROR;

	if (a->nargs > 1) {
		kstep_error("info takes one FILE (see kstep help info)");
		return KSTEP_EXIT_ERROR;
	}
	if (a->nargs)
		path = a->args[0];
	if (kstep_session_open(&s, path))
		return KSTEP_EXIT_ERROR;
	if (count_events(&s, &in))
		goto out;
	if (a->json)
		print_json(&s, &in);
	else
		print_text(&s, &in);
	ret = kstep_session_finish(&s, a->strict);
out:
	free(in.counts);
	kstep_session_close(&s);
	return ret;
}

static int run(int argc, char **argv)
{
	return kstep_cli_run(&cli, argc, argv, show);
}

const struct kstep_cmd kstep_cmd_info = {
	.name = "info",
	.run = run,
	.summary = "show what a trace.dat holds (version, kernel, events, losses)",
	.cli = &cli,
};
