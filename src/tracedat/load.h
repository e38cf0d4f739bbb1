/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * load.h - a trace.dat opened for analysis: libtraceevent's tep_handle built
 * from the file's formats, the kernel symbol table, and the event stream of
 * all CPUs merged by timestamp.
 *
 * The stream holds one page or one chunk per CPU; records are handed out
 * without allocation and stay valid until the next call. Damage found in
 * the ring-buffer pages (zeroed pages, impossible sizes, timestamps that go
 * backwards, undecompressable chunks, records of unknown event ids) and
 * events the kernel reported lost are counted, not fatal.
 */
#ifndef KSTEP_LOAD_H
#define KSTEP_LOAD_H

#include <stdbool.h>
#include <stdint.h>

#include <traceevent/event-parse.h>

#include "datfile.h"
#include "ksyms.h"
#include "util.h"

struct kstep_load;

struct kstep_rec {
	uint64_t ts;		/* nanoseconds (clock ticks for counter clocks) */
	int cpu;
	int size;
	const void *data;	/* valid until the next kstep_load_next */
	struct tep_event *event;
	int missed;		/* events lost just before this one on its CPU; -1 unknown */
	bool swap;		/* the file's byte order is not this machine's */
	struct tep_record tr;	/* the same record for libtraceevent accessors */
};

/* One place where the ring-buffer data is damaged or events were lost. */
struct kstep_damage {
	int cpu;
	bool lost;		/* events the kernel dropped (not damage of the file) */
	int64_t count;		/* lost events or damaged pages; -1 unknown */
	uint64_t from_ts;	/* last good timestamp before (0: start) */
	uint64_t to_ts;		/* first good timestamp after (0: end) */
	char what[160];
};

struct kstep_load_stats {
	uint64_t records;
	uint64_t pages;
	uint64_t lost_events;	/* known counts */
	uint64_t lost_unknown;	/* pages that lost an unknown number of events */
	uint64_t damaged;	/* damaged pages, chunks or records */
	uint64_t unknown_ids;
	struct kstep_vec damage;	/* struct kstep_damage, in file order */
};

/*
 * Opens path, parses the formats into a tep_handle and prepares the stream.
 * Returns NULL with a message in err (naming the file and the problem).
 */
struct kstep_load *kstep_load_open(const char *path, char *err, size_t errlen);
void kstep_load_close(struct kstep_load *ld);

/*
 * Gives libtraceevent the file's kallsyms, for tep_print_event's %pS: only
 * a run that prints an event's own text needs them, and parsing them costs
 * as much as a tenth of reading a large function_graph file.
 */
void kstep_load_tep_symbols(struct kstep_load *ld);
struct kstep_dat *kstep_load_dat(const struct kstep_load *ld);
struct tep_handle *kstep_load_tep(const struct kstep_load *ld);
const struct kstep_ksyms *kstep_load_ksyms(const struct kstep_load *ld);
/* Returns how many stored formats libtraceevent could not parse. */
int kstep_load_bad_formats(const struct kstep_load *ld);
/* Returns false when timestamps are clock ticks rather than nanoseconds. */
bool kstep_load_ts_is_ns(const struct kstep_load *ld);

/* Restarts the stream at the first record of every CPU; 0 or -1 with err. */
int kstep_load_rewind(struct kstep_load *ld, char *err, size_t errlen);
/* Returns 1 with *rec filled, 0 at the end, -1 on a fatal read error (err). */
int kstep_load_next(struct kstep_load *ld, struct kstep_rec *rec, char *err, size_t errlen);
/* Counters of the records read so far since the last rewind. */
const struct kstep_load_stats *kstep_load_stats(const struct kstep_load *ld);

/* Field access with bounds checks; both return 0 or -1 when absent/out of range. */
int kstep_rec_num(const struct kstep_rec *rec, const struct tep_format_field *f, uint64_t *val);
/* For strings (__data_loc char[] or char[N]): points *s at the text, *len its length. */
int kstep_rec_str(const struct kstep_rec *rec, const struct tep_format_field *f, const char **s,
		  size_t *len);
/* Array element i of an array field (e.g. caller[] of kernel_stack, args[6]). */
int kstep_rec_array(const struct kstep_rec *rec, const struct tep_format_field *f, size_t i,
		    uint64_t *val);
/* Number of elements present in an array field of this record. */
size_t kstep_rec_array_len(const struct kstep_rec *rec, const struct tep_format_field *f);
int kstep_rec_pid(const struct kstep_rec *rec);
unsigned kstep_rec_flags(const struct kstep_rec *rec);
unsigned kstep_rec_preempt(const struct kstep_rec *rec);

#endif
