// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pipeline.c - the streaming analysis pipeline (see pipeline.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event-parse.h>

#include "log.h"
#include "facts.h"
#include "progress.h"
#include "pipeline.h"

/* The file's record counts in the header: from pass 1, or from pass 2 when pass 1 stopped early. */
static void fill_counts(struct kstep_pipeline *p)
{
	struct kstep_log_header *h = &p->h;
	struct tep_handle *tep = kstep_load_tep(p->s.ld);
	const char **names;
	uint64_t *counts;
	size_t k;
	int i;

	for (k = 0; k < h->nevents; k++)
		free((char *)h->event_names[k]);
	free(h->event_names);
	free((uint64_t *)h->event_counts);
	h->nevents = 0;
	h->records = p->sel.records;
	names = kstep_xcalloc((size_t)p->sel.ncounts + 1, sizeof(*names));
	counts = kstep_xcalloc((size_t)p->sel.ncounts + 1, sizeof(*counts));
	for (i = 0; i < p->sel.ncounts; i++) {
		struct tep_event *ev;
		char name[256];

		if (!p->sel.counts[i] || !(ev = tep_find_event(tep, i)))
			continue;
		snprintf(name, sizeof(name), "%s:%s", ev->system, ev->name);
		names[h->nevents] = kstep_xstrdup(name);
		counts[h->nevents++] = p->sel.counts[i];
	}
	h->event_names = names;
	h->event_counts = counts;
}

/* The header the views show: everything they need of the file, read here once. */
static void fill_header(struct kstep_pipeline *p)
{
	struct kstep_log_header *h = &p->h;

	h->path = p->s.path;
	h->version = kstep_dat_version(p->s.dat);
	h->compression = kstep_dat_compression(p->s.dat);
	h->uname = kstep_dat_uname(p->s.dat);
	h->build_id = *p->s.build_id ? p->s.build_id : NULL;
	h->clock = kstep_dat_clock(p->s.dat);
	h->recorder = p->s.recorder;
	h->cpus = kstep_dat_cpucount(p->s.dat);
	h->pid = p->sel.pid;
	h->comm = p->sel.comm;
	h->how = p->sel.how;
	h->action = p->sel.action;
	h->from = p->sel.view ? p->sel.view_from : p->sel.from;
	h->to = p->sel.view ? p->sel.view_to : p->sel.to;
	h->ks = kstep_load_ksyms(p->s.ld);
	fill_counts(p);
}

/* The task's part of the header, after kstep_select_check settled a guess. */
static void refresh_task(struct kstep_pipeline *p)
{
	p->h.pid = p->sel.pid;
	p->h.comm = p->sel.comm;
	p->h.how = p->sel.how;
}

/* For a sink that cannot start again: the whole of pass 1 decides. */
static int settle(struct kstep_pipeline *p)
{
	struct kstep_select_opts o = p->o->sel;

	o.lazy = false;
	kstep_selection_free(&p->sel);
	if (kstep_select(&p->s, &o, &p->sel))
		return -1;
	fill_header(p);
	return 0;
}

int kstep_pipeline_open(struct kstep_pipeline *p, const char *path, const struct kstep_pipeline_opts *o)
{
	memset(p, 0, sizeof(*p));
	p->o = o;
	if (kstep_session_open(&p->s, path))
		return -1;
	p->opened = true;
	if (kstep_select(&p->s, &o->sel, &p->sel))
		return -1;
	fill_header(p);
	return 0;
}

/* One subtree through DWARF, steps and the view; then its memory goes. */
static void one(struct kstep_pipeline *p, struct kstep_node *top)
{
	kstep_gaps_subtree(p->gr, p->chain, top);
	if (p->st)
		kstep_steps_add(p->st, top);
	if (p->sink.chunk)
		p->sink.chunk(p->sink.ctx, p, top);
}

/* Hands every finished subtree to the sink; returns whether there was one. */
static bool drain(struct kstep_pipeline *p)
{
	struct kstep_node *top;
	bool any = false;

	while ((top = kstep_chain_take(p->chain))) {
		one(p, top);
		any = true;
	}
	if (any)
		kstep_chain_release(p->chain);
	return any;
}

/* The size of the CPUs' data in pages: constant, so counted once a run. */
static void data_pages(struct kstep_pipeline *p)
{
	const struct kstep_dat_cpu *cpus;
	uint32_t psize = kstep_dat_page_size(p->s.dat);
	uint64_t bytes = 0;
	int n, i;

	cpus = kstep_dat_cpus(p->s.dat, &n);
	for (i = 0; i < n; i++)
		bytes += cpus[i].data_size;
	p->data_pages = psize ? bytes / psize : 0;
}

int kstep_pipeline_start(struct kstep_pipeline *p, const struct kstep_sink *sink)
{
	char err[1024];
	size_t i;

	p->sink = *sink;
	p->state = -1;
	if (p->sel.tentative && !sink->restart && settle(p))
		return -1;
	data_pages(p);
	p->chain = kstep_chain_new(kstep_load_ksyms(p->s.ld), kstep_dat_long_size(p->s.dat));
	p->fx = kstep_facts_new(p->chain, kstep_dat_long_size(p->s.dat), p->s.ld);
	for (i = 0; i < p->sel.nretfuncs; i++)
		kstep_chain_note_retprobe(p->chain, p->sel.retfuncs[i]);
	if (kstep_gaps_begin(&p->gr, &p->s, &p->o->gaps, p->o->record_facts, &p->g, err, sizeof(err)) ||
	    kstep_load_rewind(p->s.ld, err, sizeof(err))) {
		kstep_error("%s", err);
		return -1;
	}
	p->c = p->chain;
	p->steps_opts = p->o->steps;
	p->steps_opts.gaps = &p->g;
	if (sink->steps)
		p->st = kstep_steps_new(&p->s, &p->sel, &p->steps_opts);
	if (sink->begin)
		sink->begin(sink->ctx, p);
	if (!p->sel.counted) {
		p->sel.records = 0;
		memset(p->sel.counts, 0, (size_t)p->sel.ncounts * sizeof(*p->sel.counts));
	}
	kstep_progress_start(&p->pg, p->o->progress, p->sel.counted ? p->sel.records : 0, "analysing");
	p->state = 1;
	return 0;
}

/* The end of the selection: the last subtrees, the footer, the sink's end. */
static void at_end(struct kstep_pipeline *p)
{
	/* this pass read the whole file: a next run (a view that measures first) knows the total */
	if (!p->sel.counted) {
		fill_counts(p);
		p->sel.counted = true;
	}
	kstep_chain_finish(p->chain);
	drain(p);
	kstep_gaps_end(p->gr);
	p->gr = NULL;
	p->sources = kstep_chain_stats(p->chain)->sources;
	if (p->st)
		kstep_steps_end(p->st, p->chain);
	if (p->sink.end)
		p->sink.end(p->sink.ctx, p);
}

/*
 * Pass 1 stopped early, so the record count comes at the end: the progress
 * line extrapolates it from the share of the data's pages read so far.
 */
static void estimate_total(struct kstep_pipeline *p)
{
	uint64_t read = kstep_load_stats(p->s.ld)->pages;

	if (!read || !p->data_pages)
		return;
	p->pg.total = (uint64_t)((double)p->sel.records * (double)p->data_pages / (double)read);
	if (p->pg.total < p->pg.done)
		p->pg.total = p->pg.done;
	p->pg.estimated = true;
}

/* The guessed task was wrong: the run starts over for the right one. */
static int restart(struct kstep_pipeline *p)
{
	struct kstep_sink sink = p->sink;

	kstep_pipeline_stop(p);
	refresh_task(p);
	sink.restart(sink.ctx, p);
	return kstep_pipeline_start(p, &sink);
}

int kstep_pipeline_pump(struct kstep_pipeline *p)
{
	struct tep_handle *tep = kstep_load_tep(p->s.ld);
	struct kstep_rec rec;
	char err[1024];
	int r;

	if (p->state != 1)
		return p->state;
	while ((r = kstep_load_next(p->s.ld, &rec, err, sizeof(err))) > 0) {
		const struct kstep_evdesc *d = kstep_evtab_get(p->s.evtab, rec.event);

		kstep_progress_tick(&p->pg);
		if (!p->sel.counted) {
			if (!(++p->sel.records & 0xffff) && p->pg.on)
				estimate_total(p);
			if (rec.event->id >= 0 && rec.event->id < p->sel.ncounts)
				p->sel.counts[rec.event->id]++;
		}
		if (p->sel.tentative) {
			int flip = kstep_select_check(&p->s, &p->sel, d, &rec);

			if (flip) {
				if (restart(p)) {
					p->state = -1;
					return -1;
				}
				continue;
			}
			/* a guess confirmed: the header says so; restart() refreshes a wrong one */
			if (!p->sel.tentative)
				refresh_task(p);
		}
		if (rec.ts < p->sel.from)
			continue;
		if (rec.ts > p->sel.to)
			break;
		if (kstep_facts_add_record(p->fx, tep, &rec, d, p->sel.pid) && drain(p))
			return 1;
	}
	kstep_progress_end(&p->pg);
	if (r < 0) {
		kstep_error("%s", err);
		p->state = -1;
		return -1;
	}
	at_end(p);
	p->state = 0;
	return 0;
}

void kstep_pipeline_stop(struct kstep_pipeline *p)
{
	if (p->state == 1)
		kstep_progress_end(&p->pg);
	kstep_gaps_end(p->gr);
	p->gr = NULL;
	kstep_steps_free(p->st);
	p->st = NULL;
	p->c = NULL;
	kstep_facts_free(p->fx);
	p->fx = NULL;
	kstep_chain_free(p->chain);
	p->chain = NULL;
	p->state = 0;
}

int kstep_pipeline_run(struct kstep_pipeline *p, const struct kstep_sink *sink)
{
	int r = kstep_pipeline_start(p, sink);

	if (!r)
		while ((r = kstep_pipeline_pump(p)) > 0)
			;
	kstep_pipeline_stop(p);
	return r;
}

int kstep_pipeline_finish(struct kstep_pipeline *p, bool strict)
{
	return kstep_session_finish(&p->s, strict);
}

void kstep_pipeline_close(struct kstep_pipeline *p)
{
	size_t i;

	for (i = 0; i < p->h.nevents; i++)
		free((char *)p->h.event_names[i]);
	free(p->h.event_names);
	free((uint64_t *)p->h.event_counts);
	memset(&p->h, 0, sizeof(p->h));
	kstep_selection_free(&p->sel);
	if (p->opened)
		kstep_session_close(&p->s);
	p->opened = false;
}

int kstep_pipeline_annotate(const char *in, const char *out, const struct kstep_select_opts *so,
			    const struct kstep_gaps_opts *go, bool progress)
{
	struct kstep_pipeline_opts po = { .sel = *so, .gaps = *go, .record_facts = true, .progress = progress };
	struct kstep_sink sink = { 0 };
	struct kstep_pipeline p;
	char comp[16];
	int version, ret = -1;

	if (kstep_pipeline_open(&p, in, &po) || kstep_pipeline_run(&p, &sink))
		goto out;
	if (!p.g.used) {
		kstep_error("%s: no debug information found (%s)", in, p.g.why_not);
		goto out;
	}
	fprintf(stderr, "kstep: %u declarations, %u call lines, %u inline and %u tail steps from %s\n",
		p.g.decls, p.g.sites, p.g.inlines, p.g.tails, p.g.from);
	version = kstep_dat_version(p.s.dat);
	snprintf(comp, sizeof(comp), "%s", kstep_dat_compression(p.s.dat));
	kstep_pipeline_close(&p);
	ret = kstep_dat_copy(in, out, version, comp, KSTEP_KOPT_DWARF, p.g.facts, strlen(p.g.facts) + 1) ? -1 : 0;
	free(p.g.facts);
	return ret;
out:
	kstep_pipeline_close(&p);
	free(p.g.facts);
	return ret;
}
