// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pipeline.c - the streaming analysis pipeline (see pipeline.h).
 */
#include "config.h"

#include <string.h>

#include "log.h"
#include "pipeline.h"

int kstep_pipeline_open(struct kstep_pipeline *p, const char *path, const struct kstep_pipeline_opts *o)
{
	memset(p, 0, sizeof(*p));
	p->o = o;
	if (kstep_session_open(&p->s, path))
		return -1;
	p->opened = true;
	return kstep_select(&p->s, &o->sel, &p->sel);
}

/* One subtree through DWARF, steps and the view; then its memory goes. */
static void one(struct kstep_pipeline *p, struct kstep_chain *c, struct kstep_gaps_run *gr,
		const struct kstep_sink *sink, struct kstep_node *top)
{
	kstep_gaps_subtree(gr, c, top);
	if (p->st)
		kstep_steps_add(p->st, top);
	if (sink->chunk)
		sink->chunk(sink->ctx, p, top);
}

static void drain(struct kstep_pipeline *p, struct kstep_chain *c, struct kstep_gaps_run *gr,
		  const struct kstep_sink *sink)
{
	struct kstep_node *top;
	bool any = false;

	while ((top = kstep_chain_take(c))) {
		one(p, c, gr, sink, top);
		any = true;
	}
	if (any)
		kstep_chain_release(c);
}

int kstep_pipeline_run(struct kstep_pipeline *p, const struct kstep_sink *sink)
{
	struct kstep_chain *c = kstep_chain_new(kstep_load_ksyms(p->s.ld), kstep_dat_long_size(p->s.dat));
	struct tep_handle *tep = kstep_load_tep(p->s.ld);
	struct kstep_gaps_run *gr = NULL;
	struct kstep_rec rec;
	char err[1024];
	size_t i;
	int r, ret = -1;

	for (i = 0; i < p->sel.nretfuncs; i++)
		kstep_chain_note_retprobe(c, p->sel.retfuncs[i]);
	if (kstep_gaps_begin(&gr, &p->s, &p->o->gaps, p->o->record_facts, &p->g, err, sizeof(err)))
		goto out_err;
	if (kstep_load_rewind(p->s.ld, err, sizeof(err)))
		goto out_err;
	p->c = c;
	p->steps_opts = p->o->steps;
	p->steps_opts.gaps = &p->g;
	if (sink->steps)
		p->st = kstep_steps_new(&p->s, &p->sel, &p->steps_opts);
	if (sink->begin)
		sink->begin(sink->ctx, p);
	while ((r = kstep_load_next(p->s.ld, &rec, err, sizeof(err))) > 0) {
		if (rec.ts < p->sel.from)
			continue;
		if (rec.ts > p->sel.to)
			break;
		if (kstep_chain_add_record(c, tep, &rec, kstep_evtab_get(p->s.evtab, rec.event), p->sel.pid))
			drain(p, c, gr, sink);
	}
	if (r < 0)
		goto out_err;
	kstep_chain_finish(c);
	drain(p, c, gr, sink);
	kstep_gaps_end(gr);
	gr = NULL;
	p->sources = kstep_chain_stats(c)->sources;
	if (p->st)
		kstep_steps_end(p->st, c);
	if (sink->end)
		sink->end(sink->ctx, p);
	ret = 0;
	goto out;
out_err:
	kstep_error("%s", err);
out:
	kstep_gaps_end(gr);
	kstep_steps_free(p->st);
	p->st = NULL;
	p->c = NULL;
	kstep_chain_free(c);
	return ret;
}

int kstep_pipeline_finish(struct kstep_pipeline *p, bool strict)
{
	return kstep_session_finish(&p->s, strict);
}

void kstep_pipeline_close(struct kstep_pipeline *p)
{
	kstep_selection_free(&p->sel);
	if (p->opened)
		kstep_session_close(&p->s);
	p->opened = false;
}
