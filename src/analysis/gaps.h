/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gaps.h - filling what the trace cannot show into the chain, from DWARF:
 * the declaration line of each kernel call, the source line of each call in
 * its caller, and the functions inlined between a traced caller and a traced
 * callee as inferred steps (tagged inline). The facts come from the kernel's
 * debug file (matched by build-id) or from the DWARF facts `kstep annotate`
 * stored in the trace.dat, so a file analyzed elsewhere shows the same lines.
 */
#ifndef KSTEP_GAPS_H
#define KSTEP_GAPS_H

#include <stdbool.h>
#include <stddef.h>

#include "chain.h"
#include "session.h"

struct kstep_gaps_opts {
	const char *vmlinux;	/* --vmlinux */
	const char *debug_dir;	/* --debug-dir */
	bool no_dwarf;		/* --no-dwarf: use nothing */
	bool only_if_matching;	/* diff: a debug file of another kernel is not used, not an error */
};

struct kstep_gaps {
	bool used;		/* lines and inline steps were filled in */
	char from[512];		/* "vmlinux PATH (build-id X)" or "facts stored in the file" */
	char why_not[1024];	/* when not used: why */
	char kernel[256];	/* the trace's kernel, when a debug file was looked for: "Linux REL (build-id X)" */
	char version[64];	/* the upstream version of the kernel's debug file ("6.1.192"), or "" */
	bool refused;		/* diff (only_if_matching): the debug file asked for is not this trace's */
	char file_id[512];	/* then what that file is (kstep_dwarf_describe) */
	unsigned decls, sites, inlines, tails, unresolved;
	unsigned ambiguous;	/* calls given every candidate line: no return address */
	char *facts;		/* kstep annotate: every fact used, as stored (caller frees) */
};

/*
 * Fills lines and inline steps into chain c (finished) of session s.
 * Without any debug information it only says why in g->why_not and returns
 * 0; a debug file that was asked for but cannot be used (wrong build-id, no
 * DWARF, not found) is an error: -1 with the message in err. With record
 * set, g->facts receives every fact used (for kstep annotate).
 */
int kstep_gaps_apply(struct kstep_chain *c, const struct kstep_session *s, const struct kstep_gaps_opts *o,
		     bool record, struct kstep_gaps *g, char *err, size_t errlen);

/*
 * The same in three steps, for a chain that streams: kstep_gaps_begin opens
 * the debug information (same returns and messages as kstep_gaps_apply; on
 * 0, *run is set even when there is nothing to ask), kstep_gaps_subtree fills
 * one subtree the chain handed out, kstep_gaps_end closes and, when
 * recording, leaves every fact used in g->facts. g must outlive run.
 */
struct kstep_gaps_run;
int kstep_gaps_begin(struct kstep_gaps_run **run, const struct kstep_session *s, const struct kstep_gaps_opts *o,
		     bool record, struct kstep_gaps *g, char *err, size_t errlen);
void kstep_gaps_subtree(struct kstep_gaps_run *run, struct kstep_chain *c, struct kstep_node *top);
void kstep_gaps_end(struct kstep_gaps_run *run);

#endif
