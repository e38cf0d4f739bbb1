/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * datfile.h - the trace.dat container (versions 6 and 7), kstep's own
 * reader of it, and the constants the writer shares.
 *
 * The reader checks every size against the file before it trusts it, so a
 * damaged file gets one message naming the place instead of a crash.
 * Metadata (formats, kallsyms, printk, cmdlines, options) is read whole into
 * memory; ring-buffer pages are streamed one page (or one zstd chunk) per CPU
 * at a time, so memory does not grow with the file. Every size the file
 * claims is charged to the memory budget (budget.h) before it is allocated,
 * and given back by kstep_dat_close.
 */
#ifndef KSTEP_DATFILE_H
#define KSTEP_DATFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Format constants */
#define KSTEP_DAT_MAGIC "\027\010\104tracing"
#define KSTEP_DAT_MAGIC_LEN 10

/* Option and section ids of trace-cmd's format. */
enum kstep_dat_id {
	KSTEP_DAT_DONE = 0,
	KSTEP_DAT_DATE = 1,
	KSTEP_DAT_CPUSTAT = 2,
	KSTEP_DAT_BUFFER = 3,
	KSTEP_DAT_TRACECLOCK = 4,
	KSTEP_DAT_UNAME = 5,
	KSTEP_DAT_HOOK = 6,
	KSTEP_DAT_OFFSET = 7,
	KSTEP_DAT_CPUCOUNT = 8,
	KSTEP_DAT_VERSION = 9,
	KSTEP_DAT_PROCMAPS = 10,
	KSTEP_DAT_TRACEID = 11,
	KSTEP_DAT_TIME_SHIFT = 12,
	KSTEP_DAT_GUEST = 13,
	KSTEP_DAT_TSC2NSEC = 14,
	KSTEP_DAT_STRINGS = 15,
	KSTEP_DAT_HEADER_INFO = 16,
	KSTEP_DAT_FTRACE_EVENTS = 17,
	KSTEP_DAT_EVENT_FORMATS = 18,
	KSTEP_DAT_KALLSYMS = 19,
	KSTEP_DAT_PRINTK = 20,
	KSTEP_DAT_CMDLINES = 21,
	KSTEP_DAT_BUFFER_TEXT = 22,
	KSTEP_DAT_BTF_FILE = 23,
	KSTEP_DAT_LAST_BOOT_INFO = 24,
	KSTEP_DAT_MODULES_FILE = 25,
};

/*
 * kstep's own options sit far above trace-cmd's ids, which readers skip when
 * unknown. doc/trace-dat-options.md gives each one's encoding.
 */
enum kstep_dat_kopt {
	KSTEP_KOPT_BASE = 0x4b00,
	KSTEP_KOPT_VERSION = 0x4b01,	/* string: kstep version */
	KSTEP_KOPT_COMMAND = 0x4b02,	/* u32 pid, u32 argc, argc NUL-terminated strings */
	KSTEP_KOPT_EXIT = 0x4b03,	/* i32 exit code (-1 if signalled), i32 signal */
	KSTEP_KOPT_BUILD_ID = 0x4b04,	/* string: kernel GNU build-id, lowercase hex */
	KSTEP_KOPT_PLAN_ASKED = 0x4b05,	/* string: plan text as asked */
	KSTEP_KOPT_PLAN_APPLIED = 0x4b06,	/* string: plan text as applied here */
	KSTEP_KOPT_CAPS = 0x4b07,	/* string: capability report */
	KSTEP_KOPT_LOSS = 0x4b08,	/* string: loss accounting, one line per source */
	KSTEP_KOPT_MAPS = 0x4b09,	/* string: user-space maps and build-ids */
	KSTEP_KOPT_DWARF = 0x4b0a,	/* string: DWARF facts for the traced functions */
	KSTEP_KOPT_OBJECTS = 0x4b0c,	/* string: struct layouts of the plan's object reads (BTF) */
	KSTEP_KOPT_SLABS = 0x4b0d,	/* string: merged slab caches, "ID OWNER ALIAS..." a line */
	KSTEP_KOPT_LOOKUPS = 0x4b0e,	/* string: the plan's lookups in global arrays (BTF layouts) */
	KSTEP_KOPT_DEFINES = 0x4b0f,	/* string: where the headers define the decoded constants */
	KSTEP_KOPT_KVERSION = 0x4b10,	/* string: the recording kernel's /proc/version */
};

#define KSTEP_DAT_SEC_COMPRESSED 1

/* The kernel's largest NR_CPUS: CPU ids and counts at or above are damage. */
#define KSTEP_DAT_MAX_CPUS 8192

/* Reader */
struct kstep_dat;

/* One format file as stored (event or ftrace format text). */
struct kstep_dat_blob {
	const char *system;	/* NULL for ftrace formats */
	char *data;
	size_t len;
};

/*
 * An option kept as stored: kstep's own ids, ids unknown to kstep, and the
 * time options (DATE, OFFSET, TSC2NSEC) that a conversion must carry over.
 */
struct kstep_dat_rawopt {
	uint16_t id;
	uint32_t len;
	char *data;
};

/* Per-CPU ring-buffer data of the top instance. */
struct kstep_dat_cpu {
	int cpu;
	uint64_t offset;	/* in the file */
	uint64_t size;		/* bytes in the file (compressed size if compressed) */
	uint64_t data_size;	/* bytes of pages once uncompressed */
	uint64_t missing;	/* bytes (or chunks' bytes) lost because the file is cut short */
	uint64_t unlisted;	/* bytes of the CPU's data that its chunk table does not reach */
	uint32_t nchunks;	/* zstd chunks (compressed files only) */
	struct kstep_dat_chunk *chunks;
};

struct kstep_dat_chunk {
	uint64_t zoffset;	/* offset of the compressed bytes in the file */
	uint32_t zsize;
	uint32_t size;		/* uncompressed, a multiple of the page size */
};

/*
 * Opens and validates path. Returns the handle, or NULL with a message in
 * err naming the file, the problem and what to do. Free with kstep_dat_close.
 */
struct kstep_dat *kstep_dat_open(const char *path, char *err, size_t errlen);
void kstep_dat_close(struct kstep_dat *dat);

/* Header facts */
const char *kstep_dat_path(const struct kstep_dat *dat);
uint64_t kstep_dat_file_size(const struct kstep_dat *dat);
int kstep_dat_version(const struct kstep_dat *dat);
bool kstep_dat_big_endian(const struct kstep_dat *dat);
int kstep_dat_long_size(const struct kstep_dat *dat);
uint32_t kstep_dat_page_size(const struct kstep_dat *dat);
/* Returns the compression name ("none" when not compressed) and version. */
const char *kstep_dat_compression(const struct kstep_dat *dat);
const char *kstep_dat_compression_version(const struct kstep_dat *dat);

/* Metadata, owned by the handle */
void kstep_dat_header_page(const struct kstep_dat *dat, const char **data, size_t *len);
void kstep_dat_header_event(const struct kstep_dat *dat, const char **data, size_t *len);
const struct kstep_dat_blob *kstep_dat_formats(const struct kstep_dat *dat, size_t *n);
void kstep_dat_kallsyms(const struct kstep_dat *dat, const char **data, size_t *len);
void kstep_dat_printk(const struct kstep_dat *dat, const char **data, size_t *len);
void kstep_dat_cmdlines(const struct kstep_dat *dat, const char **data, size_t *len);

/* One line of the saved command lines: a pid and its comm, bytes as stored. */
struct kstep_dat_comm {
	int pid;
	char comm[16];		/* NUL-terminated; may hold any other byte, '\n' included */
};

/* Returns the saved command lines parsed by their layout ("PID COMM\n"). */
const struct kstep_dat_comm *kstep_dat_comms(const struct kstep_dat *dat, size_t *n);

/* Options; strings are NULL when the file has no such option. */
const char *kstep_dat_uname(const struct kstep_dat *dat);
const char *kstep_dat_clock(const struct kstep_dat *dat);
const char *kstep_dat_tracer_version(const struct kstep_dat *dat);
/* Returns the CPUSTAT text of the i-th stored CPU, or NULL past the end. */
const char *kstep_dat_cpustat(const struct kstep_dat *dat, size_t i);
uint32_t kstep_dat_cpucount(const struct kstep_dat *dat);
/* Returns nanoseconds to add to every timestamp (DATE and OFFSET options). */
int64_t kstep_dat_ts_offset(const struct kstep_dat *dat);
/* Returns true and the conversion when the file has a TSC2NSEC option. */
bool kstep_dat_tsc2nsec(const struct kstep_dat *dat, uint32_t *mult, uint32_t *shift,
			uint64_t *offset);
const struct kstep_dat_rawopt *kstep_dat_rawopts(const struct kstep_dat *dat, size_t *n);
/* Returns the first raw option with this id, or NULL. */
const struct kstep_dat_rawopt *kstep_dat_rawopt(const struct kstep_dat *dat, uint16_t id);
/* Returns how many extra trace instances the file holds (kstep reads the top one). */
int kstep_dat_other_buffers(const struct kstep_dat *dat);

/* Ring-buffer data of the top instance: CPUs that have data. */
const struct kstep_dat_cpu *kstep_dat_cpus(const struct kstep_dat *dat, int *n);

/* Page streams */
struct kstep_dat_pages;

/*
 * Opens a page stream over one CPU's data. Returns NULL with a message in err.
 * Holds one page (uncompressed) or one chunk (compressed) at a time.
 */
struct kstep_dat_pages *kstep_dat_pages_open(struct kstep_dat *dat, int idx, char *err,
					     size_t errlen);
/*
 * Points *page at the next page (page_size bytes, owned by the stream, valid
 * until the next call) and *offset at its uncompressed offset in the CPU's data.
 * Returns 1 for a page, 0 at the end, -1 on damage with a message in err.
 */
int kstep_dat_pages_next(struct kstep_dat_pages *ps, const unsigned char **page,
			 uint64_t *offset, char *err, size_t errlen);
void kstep_dat_pages_close(struct kstep_dat_pages *ps);

/* Writer */
struct kstep_datw;

struct kstep_datw_opts {
	int version;		/* 6 or 7 */
	const char *compression;	/* "zstd" or "none" (v7 only) */
	bool big_endian;
	int long_size;
	uint32_t page_size;	/* the ring buffer's sub-buffer size */
};

/* Returns a writer for path (nothing is written before finish), or NULL with err. */
struct kstep_datw *kstep_datw_new(const char *path, const struct kstep_datw_opts *o, char *err,
				  size_t errlen);
void kstep_datw_header_page(struct kstep_datw *w, const char *data, size_t len);
void kstep_datw_header_event(struct kstep_datw *w, const char *data, size_t len);
/* An event format as in tracefs; system NULL for ftrace's own formats. */
void kstep_datw_add_format(struct kstep_datw *w, const char *system, const char *data, size_t len);
void kstep_datw_kallsyms(struct kstep_datw *w, const char *data, size_t len);
void kstep_datw_printk(struct kstep_datw *w, const char *data, size_t len);
void kstep_datw_cmdlines(struct kstep_datw *w, const char *data, size_t len);
/* The trace_clock file's text ("[local] global ..."): the TRACECLOCK option and the clock name. */
void kstep_datw_clock(struct kstep_datw *w, const char *trace_clock_text);
/* Any other option, kept in the order given (copied). */
void kstep_datw_option(struct kstep_datw *w, uint16_t id, const void *data, size_t len);
/*
 * The ring-buffer pages of one CPU: size bytes (a multiple of the page size)
 * read from fd at offset during finish; the fd must stay open until then.
 * Returns 0, or -1 when size is not whole pages.
 */
int kstep_datw_cpu(struct kstep_datw *w, int cpu, int fd, uint64_t offset, uint64_t size);
/*
 * Writes the file under a temporary name next to path, fsyncs it and renames
 * it to path. Returns 0, or -1 with a message in err (path is then untouched).
 */
int kstep_datw_finish(struct kstep_datw *w, char *err, size_t errlen);
/*
 * Checks that path can be written before any work is done: not a directory,
 * not an existing non-regular file, in a directory that exists and is
 * writable. Returns 0, or -1 with the problem in err.
 */
int kstep_datw_check_path(const char *path, char *err, size_t errlen);
/* Frees the writer; removes the temporary file of an unfinished write. */
void kstep_datw_free(struct kstep_datw *w);

/* Copying (datfile-copy.c) */

/*
 * Rewrites in as out (version 6 or 7, compression comp), keeping every page,
 * format and option; when opt is not NULL, option opt_id is replaced by it.
 * Returns 0, or -1 after printing one message.
 */
int kstep_dat_copy(const char *in, const char *out, int version, const char *comp, uint16_t opt_id,
		   const void *opt, size_t opt_len);

/*
 * What a filtered copy changes on the way (kstep redact). Every hook may be
 * NULL. text and option return replacements the copy frees.
 */
struct kstep_dat_filter {
	void *ctx;
	/* Sees the opened input first. Returns 0, or -1 after printing one message. */
	int (*begin)(void *ctx, struct kstep_dat *dat);
	/* kallsyms, printk formats, cmdlines: a malloc'd replacement, or NULL to keep it. */
	char *(*text)(void *ctx, enum kstep_dat_id id, const char *data, size_t len, size_t *outlen);
	/* Returns 0 to keep the option, 1 for *out (malloc'd, *outlen bytes), -1 to drop it. */
	int (*option)(void *ctx, uint16_t id, const void *data, size_t len, char **out, size_t *outlen);
	/* Rewrites one page in place. Returns 0, or -1 after printing one message. */
	int (*page)(void *ctx, int cpu, unsigned char *page, size_t len);
	uint16_t add_id;	/* an option added when add is not NULL */
	const void *add;
	size_t add_len;
};

/*
 * Rewrites in as out through f (NULL: a plain copy); version 0 and comp NULL
 * keep the input's. Returns 0, or -1 after printing one message.
 */
int kstep_dat_copy_filtered(const char *in, const char *out, int version, const char *comp,
			    const struct kstep_dat_filter *f);

#endif
