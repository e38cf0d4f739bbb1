/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * keep.h - which steps a log of at most N steps keeps (kstep steps --steps N):
 * the steps that carry the story, chosen from the whole log, the rest folded
 * into the kept step above them with their count and time.
 *
 * Choosing needs the whole log, so the log is built twice: the first build
 * feeds every chunk to kstep_keep_add (it keeps a small record per step, not
 * the steps), kstep_keep_choose picks, and the second build (steps.h:
 * kstep_steps_opts.keep) folds every step the choice does not keep. Steps are
 * identified by their number in the full log, which both builds share.
 */
#ifndef KSTEP_KEEP_H
#define KSTEP_KEEP_H

#include <stdbool.h>
#include <stdint.h>

#include "steps.h"

struct kstep_keep;

/* Returns an empty choice; free with kstep_keep_free. */
struct kstep_keep *kstep_keep_new(void);
void kstep_keep_free(struct kstep_keep *k);
/* Records the steps st->v[0..n) of one chunk of the full log (the first build). */
void kstep_keep_add(struct kstep_keep *k, const struct kstep_steps *st);
/*
 * Chooses at most budget steps: the way in and out (user-space steps, the
 * system calls and their returns), every failure, the producers of cited
 * values and the steps that use them, the steps that read objects, inferred
 * steps, then the longest; each with its ancestors, so the tree stays true.
 */
void kstep_keep_choose(struct kstep_keep *k, int budget);

/* The first build's steps, and how many the choice shows (return steps included). */
int kstep_keep_total(const struct kstep_keep *k);
int kstep_keep_shown(const struct kstep_keep *k);
/* Returns the choice as the step builder asks it (kstep_steps_opts.keep); it lives as long as k. */
const struct kstep_steps_fold *kstep_keep_fold(const struct kstep_keep *k);

#endif
