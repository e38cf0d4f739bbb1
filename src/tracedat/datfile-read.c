// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * datfile-read.c - reads the trace.dat container, versions 6 and 7.
 *
 * Layout facts come from trace-cmd's trace-cmd.dat.v6(5)/v7(5) and from
 * reading its files; two of them are not in the v6 man page: the trace clock
 * (u64 length + text) follows the per-CPU table whenever a TRACECLOCK option
 * exists, and v6 BUFFER options describe only extra instances.
 *
 * Every length read from the file is checked against what is left before it
 * is used, so damage ends in a message, not in a huge allocation or a crash.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

#include "budget.h"
#include "datfile.h"
#include "util.h"

/* A section or blob above this is damage, not data: kallsyms is ~10 MB. */
#define MAX_META_SIZE (1ULL << 30)
#define MAX_CHUNK_SIZE (256U << 20)
#define MAX_OPTION_SECTIONS 64
/* What a blob costs: its bytes, the NUL, the allocator's header and its slot in a list. */
#define BLOB_COST(n) ((uint64_t)(n) + 1 + 64)

struct kstep_dat {
	char *path;
	int fd;
	uint64_t fsize;
	int version;
	bool be;
	int long_size;
	uint32_t page_size;
	char *zname;
	char *zver;
	ZSTD_DCtx *zctx;

	char *hpage;
	size_t hpage_len;
	char *hevent;
	size_t hevent_len;
	struct kstep_vec formats;	/* struct kstep_dat_blob */
	struct kstep_vec sysnames;	/* char * */
	char *kallsyms;
	size_t kallsyms_len;
	char *printk;
	size_t printk_len;
	char *cmdlines;
	size_t cmdlines_len;

	char *uname;
	char *clock;
	char *tversion;
	struct kstep_vec cpustats;	/* char * */
	uint32_t cpucount;
	bool has_cpucount;	/* cpucount came from a CPUCOUNT option */
	int64_t ts_offset;
	bool has_tsc;
	uint32_t tsc_mult;
	uint32_t tsc_shift;
	uint64_t tsc_offset;
	bool has_clock_opt;
	struct kstep_vec rawopts;	/* struct kstep_dat_rawopt */
	uint64_t sec_off[KSTEP_DAT_MODULES_FILE + 1];
	uint64_t top_buffer_off;
	bool have_top_buffer;
	int other_buffers;

	struct kstep_dat_cpu *cpus;
	int ncpus;
	bool data_compressed;
	struct kstep_vec comms;		/* struct kstep_dat_comm */
	uint64_t charged;	/* bytes charged to the memory budget, given back on close */
};

/* A read position in the file (mem == NULL) or in a decompressed section. */
struct cur {
	struct kstep_dat *dat;
	const unsigned char *mem;
	uint64_t pos;
	uint64_t end;
	const char *where;
	char *err;
	size_t errlen;
};

static int fail(struct cur *c, const char *fmt, ...) KSTEP_PRINTF(2, 3);

static int fail(struct cur *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(c->err, c->errlen, "%s: ", c->dat->path);
	if (n < 0 || (size_t)n >= c->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static int truncated(struct cur *c, const char *what, uint64_t need)
{
	if (!c->mem)
		return fail(c, "truncated: %s at offset %" PRIu64 " needs %" PRIu64
			    " bytes, but the file ends at %" PRIu64
			    " (copy the file again or record it again)",
			    what, c->pos, need, c->end);
	return fail(c, "damaged: %s at offset %" PRIu64 " of %s needs %" PRIu64
		    " bytes, but the section holds %" PRIu64 " (the file is corrupt; record it again)",
		    what, c->pos, c->where, need, c->end);
}

/* Charges n bytes for what to the memory budget before they are allocated. */
static int charge(struct cur *c, uint64_t n, const char *what)
{
	char msg[512];

	if (kstep_budget_charge(n, what, msg, sizeof(msg)))
		return fail(c, "%s", msg);
	c->dat->charged += n;
	return 0;
}

static void release(struct kstep_dat *dat, uint64_t n)
{
	if (n > dat->charged)
		n = dat->charged;
	kstep_budget_release(n);
	dat->charged -= n;
}

static int cur_read(struct cur *c, void *buf, uint64_t n, const char *what)
{
	if (n > c->end || c->pos > c->end - n)
		return truncated(c, what, n);
	if (c->mem) {
		memcpy(buf, c->mem + c->pos, n);
	} else {
		ssize_t r = pread(c->dat->fd, buf, n, (off_t)c->pos);

		if (r < 0)
			return fail(c, "cannot read %s at offset %" PRIu64 ": %s", what, c->pos,
				    strerror(errno));
		if ((uint64_t)r != n)
			return truncated(c, what, n);
	}
	c->pos += n;
	return 0;
}

static int cur_u8(struct cur *c, uint8_t *v, const char *what)
{
	return cur_read(c, v, 1, what);
}

static int cur_u16(struct cur *c, uint16_t *v, const char *what)
{
	unsigned char b[2];

	if (cur_read(c, b, 2, what))
		return -1;
	*v = kstep_get16(b, c->dat->be);
	return 0;
}

static int cur_u32(struct cur *c, uint32_t *v, const char *what)
{
	unsigned char b[4];

	if (cur_read(c, b, 4, what))
		return -1;
	*v = kstep_get32(b, c->dat->be);
	return 0;
}

static int cur_u64(struct cur *c, uint64_t *v, const char *what)
{
	unsigned char b[8];

	if (cur_read(c, b, 8, what))
		return -1;
	*v = kstep_get64(b, c->dat->be);
	return 0;
}

/* Reads n bytes into a new NUL-terminated buffer; the caller frees it. */
static int cur_blob(struct cur *c, uint64_t n, char **out, const char *what)
{
	char *p;

	if (n > MAX_META_SIZE)
		return fail(c, "damaged: %s at offset %" PRIu64 " claims %" PRIu64
			    " bytes (the file is corrupt; record it again)", what, c->pos, n);
	if (n > c->end || c->pos > c->end - n)
		return truncated(c, what, n);
	if (charge(c, BLOB_COST(n), what))
		return -1;
	p = kstep_xmalloc(n + 1);
	if (cur_read(c, p, n, what)) {
		free(p);
		return -1;
	}
	p[n] = '\0';
	*out = p;
	return 0;
}

/* Reads a NUL-terminated string of at most 4 KiB. */
static int cur_string(struct cur *c, char **out, const char *what)
{
	struct kstep_sbuf b = { 0 };
	char ch;

	for (;;) {
		if (cur_read(c, &ch, 1, what)) {
			kstep_sbuf_free(&b);
			return -1;
		}
		if (!ch)
			break;
		if (b.len >= 4096) {
			kstep_sbuf_free(&b);
			return fail(c, "damaged: %s at offset %" PRIu64
				    " is not a string (the file is corrupt; record it again)",
				    what, c->pos);
		}
		kstep_sbuf_addc(&b, ch);
	}
	*out = kstep_sbuf_steal(&b);
	return 0;
}

static int cur_expect(struct cur *c, const char *tag, size_t n, const char *what)
{
	char buf[32];
	uint64_t at = c->pos;

	if (cur_read(c, buf, n, what))
		return -1;
	if (memcmp(buf, tag, n))
		return fail(c, "damaged: expected %s at offset %" PRIu64
			    " (the file is corrupt; record it again)", what, at);
	return 0;
}

/* Metadata blocks, the same in v6 (in the file) and v7 (in sections) */

static int read_header_info(struct cur *c)
{
	uint64_t n;

	if (cur_expect(c, "header_page", 12, "the header_page tag") ||
	    cur_u64(c, &n, "the header_page size") ||
	    cur_blob(c, n, &c->dat->hpage, "the header_page format"))
		return -1;
	c->dat->hpage_len = n;
	if (cur_expect(c, "header_event", 13, "the header_event tag") ||
	    cur_u64(c, &n, "the header_event size") ||
	    cur_blob(c, n, &c->dat->hevent, "the header_event format"))
		return -1;
	c->dat->hevent_len = n;
	return 0;
}

static int read_format_list(struct cur *c, const char *system, const char *what)
{
	uint32_t count, i;

	if (cur_u32(c, &count, what))
		return -1;
	for (i = 0; i < count; i++) {
		struct kstep_dat_blob *b;
		uint64_t n;
		char *data;

		if (cur_u64(c, &n, "an event format size") ||
		    cur_blob(c, n, &data, "an event format"))
			return -1;
		b = kstep_vec_push(&c->dat->formats);
		b->system = system;
		b->data = data;
		b->len = n;
	}
	return 0;
}

static int read_event_formats(struct cur *c)
{
	uint32_t nsys, i;

	if (cur_u32(c, &nsys, "the number of event systems"))
		return -1;
	for (i = 0; i < nsys; i++) {
		char *name;

		if (cur_string(c, &name, "an event system name"))
			return -1;
		*(char **)kstep_vec_push(&c->dat->sysnames) = name;
		if (charge(c, BLOB_COST(strlen(name)), "the event system names"))
			return -1;
		if (read_format_list(c, name, "the number of events in a system"))
			return -1;
	}
	return 0;
}

static int read_sized32(struct cur *c, char **out, size_t *len, const char *what)
{
	uint32_t n;

	if (cur_u32(c, &n, what) || cur_blob(c, n, out, what))
		return -1;
	*len = n;
	return 0;
}

static int read_sized64(struct cur *c, char **out, size_t *len, const char *what)
{
	uint64_t n;

	if (cur_u64(c, &n, what) || cur_blob(c, n, out, what))
		return -1;
	*len = (size_t)n;
	return 0;
}

/* Options */

static char *opt_string(const char *data, uint32_t len)
{
	return kstep_xstrndup(data, strnlen(data, len));
}

/* "[local] global counter" → "local" */
static void parse_clock(struct kstep_dat *dat, const char *text, size_t len)
{
	const char *open = memchr(text, '[', len);
	const char *close;

	if (!open)
		return;
	close = memchr(open, ']', len - (size_t)(open - text));
	if (!close)
		return;
	free(dat->clock);
	dat->clock = kstep_xstrndup(open + 1, (size_t)(close - open - 1));
}

static int parse_buffer_v7(struct cur *c, const char *data, uint32_t len)
{
	struct cur oc = { .dat = c->dat, .mem = (const unsigned char *)data, .end = len,
			  .where = "a BUFFER option", .err = c->err, .errlen = c->errlen };
	struct kstep_dat *dat = c->dat;
	uint64_t off;
	char *name = NULL, *clock = NULL;
	uint32_t psize, ncpu, i;
	int ret = -1;

	if (cur_u64(&oc, &off, "the buffer offset") || cur_string(&oc, &name, "the buffer name") ||
	    cur_string(&oc, &clock, "the buffer clock"))
		goto out;
	if (name[0]) {
		dat->other_buffers++;
		ret = 0;
		goto out;
	}
	if (cur_u32(&oc, &psize, "the buffer page size") || cur_u32(&oc, &ncpu, "the buffer CPU count"))
		goto out;
	if (ncpu > KSTEP_DAT_MAX_CPUS) {
		fail(c, "damaged: the BUFFER option claims %" PRIu32 " CPUs (record the file again)", ncpu);
		goto out;
	}
	if (psize != dat->page_size) {
		fail(c, "the top buffer uses %" PRIu32 "-byte pages but the file header says %" PRIu32
		     " (the file is corrupt; record it again)", psize, dat->page_size);
		goto out;
	}
	if (dat->cpus) {
		fail(c, "damaged: the file describes its top trace buffer twice (record it again)");
		goto out;
	}
	if (charge(c, (uint64_t)ncpu * sizeof(*dat->cpus), "the BUFFER option's CPU table"))
		goto out;
	dat->cpus = kstep_xcalloc(ncpu, sizeof(*dat->cpus));
	dat->ncpus = (int)ncpu;
	for (i = 0; i < ncpu; i++) {
		uint32_t id;

		if (cur_u32(&oc, &id, "a CPU id") || cur_u64(&oc, &dat->cpus[i].offset, "a CPU data offset") ||
		    cur_u64(&oc, &dat->cpus[i].size, "a CPU data size"))
			goto out;
		if (id >= KSTEP_DAT_MAX_CPUS) {
			fail(c, "damaged: the BUFFER option names CPU %" PRIu32 " (CPU ids are below %d; "
			     "the file is corrupt: record it again)", id, KSTEP_DAT_MAX_CPUS);
			goto out;
		}
		dat->cpus[i].cpu = (int)id;
	}
	if (!dat->clock)
		dat->clock = kstep_xstrdup(clock);
	dat->top_buffer_off = off;
	dat->have_top_buffer = true;
	ret = 0;
out:
	free(name);
	free(clock);
	return ret;
}

/* Each kept option costs its bytes and the allocator's overhead. */
#define OPT_OVERHEAD 64

static int keep_raw(struct cur *c, uint16_t id, const char *data, uint32_t len)
{
	struct kstep_dat *dat = c->dat;
	struct kstep_dat_rawopt *o;

	if (charge(c, (uint64_t)len + OPT_OVERHEAD, "the options kept"))
		return -1;
	o = kstep_vec_push(&dat->rawopts);

	o->id = id;
	o->len = len;
	o->data = kstep_xmalloc(len + 1);
	memcpy(o->data, data, len);
	o->data[len] = '\0';
	return 0;
}

/* Adds v * scale nanoseconds to the time offset; an overflow is damage, not time. */
static int add_ts_offset(struct cur *c, long long v, long long scale, const char *what)
{
	int64_t *off = &c->dat->ts_offset;

	if (v > INT64_MAX / scale || v < INT64_MIN / scale || (v * scale > 0 && *off > INT64_MAX - v * scale) ||
	    (v * scale < 0 && *off < INT64_MIN - v * scale))
		return fail(c, "damaged: the %s option moves every time stamp by %lld%s ns, past what "
			    "64 bits hold (record the file again)", what, v, scale > 1 ? "000" : "");
	*off += v * scale;
	return 0;
}

static int handle_option(struct cur *c, uint16_t id, char *data, uint32_t len)
{
	struct kstep_dat *dat = c->dat;

	switch (id) {
	case KSTEP_DAT_DATE:
		/* microseconds, as "0x..." text; option data is always NUL-terminated */
		if (add_ts_offset(c, strtoll(data, NULL, 0), 1000, "DATE"))
			return -1;
		return keep_raw(c, id, data, len);
	case KSTEP_DAT_OFFSET:
		if (add_ts_offset(c, strtoll(data, NULL, 0), 1, "OFFSET"))
			return -1;
		return keep_raw(c, id, data, len);
	case KSTEP_DAT_CPUSTAT:
		if (charge(c, (uint64_t)len + OPT_OVERHEAD, "the CPUSTAT options"))
			return -1;
		*(char **)kstep_vec_push(&dat->cpustats) = opt_string(data, len);
		break;
	case KSTEP_DAT_BUFFER:
		if (dat->version < 7) {
			dat->other_buffers++;
			break;
		}
		return parse_buffer_v7(c, data, len);
	case KSTEP_DAT_BUFFER_TEXT:
		if (len > 8 && data[8] == '\0')
			return fail(c, "this is a latency-tracer file (text buffer), not a flyrecord trace; "
				    "kstep reads event and function traces: record with kstep record");
		dat->other_buffers++;
		break;
	case KSTEP_DAT_TRACECLOCK:
		dat->has_clock_opt = true;
		parse_clock(dat, data, len);
		break;
	case KSTEP_DAT_UNAME:
		free(dat->uname);
		dat->uname = opt_string(data, len);
		break;
	case KSTEP_DAT_VERSION:
		free(dat->tversion);
		dat->tversion = opt_string(data, len);
		break;
	case KSTEP_DAT_CPUCOUNT:
		if (len >= 4) {
			dat->cpucount = kstep_get32(data, dat->be);
			dat->has_cpucount = true;
		}
		break;
	case KSTEP_DAT_TSC2NSEC:
		if (len >= 16) {
			dat->has_tsc = true;
			dat->tsc_mult = kstep_get32(data, dat->be);
			dat->tsc_shift = kstep_get32(data + 4, dat->be);
			dat->tsc_offset = kstep_get64(data + 8, dat->be);
			/* the kernel's shift is at most 32; 64 and over would shift every time away */
			if (dat->tsc_shift > 63)
				return fail(c, "damaged: the TSC2NSEC option gives a shift of %" PRIu32
					    " (at most 63; record the file again)", dat->tsc_shift);
		}
		return keep_raw(c, id, data, len);
	case KSTEP_DAT_HEADER_INFO:
	case KSTEP_DAT_FTRACE_EVENTS:
	case KSTEP_DAT_EVENT_FORMATS:
	case KSTEP_DAT_KALLSYMS:
	case KSTEP_DAT_PRINTK:
	case KSTEP_DAT_CMDLINES:
	case KSTEP_DAT_BTF_FILE:
	case KSTEP_DAT_MODULES_FILE:
		if (len >= 8)
			dat->sec_off[id] = kstep_get64(data, dat->be);
		break;
	default:
		return keep_raw(c, id, data, len);
	}
	return 0;
}

/*
 * Reads options until DONE. v6: DONE has no size. v7: DONE holds the offset
 * of the next options section (0: none), returned in *next.
 */
static int read_options(struct cur *c, uint64_t *next)
{
	*next = 0;
	for (;;) {
		uint16_t id;
		uint32_t len;
		char *data;
		int ret;

		if (cur_u16(c, &id, "an option id"))
			return -1;
		if (id == KSTEP_DAT_DONE && c->dat->version < 7)
			return 0;
		if (cur_u32(c, &len, "an option size") || cur_blob(c, len, &data, "an option"))
			return -1;
		if (id == KSTEP_DAT_DONE) {
			if (len >= 8)
				*next = kstep_get64(data, c->dat->be);
			free(data);
			release(c->dat, BLOB_COST(len));
			return 0;
		}
		ret = handle_option(c, id, data, len);
		free(data);
		release(c->dat, BLOB_COST(len));
		if (ret)
			return -1;
	}
}

/*
 * Text sections have a fixed line shape; a compressed section damaged inside
 * a literal block still decompresses (trace.dat chunks carry no checksum),
 * so the lines are checked: a damaged kallsyms or cmdlines would otherwise
 * give wrong names silently.
 */
static bool hexdigits(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)p[i]))
			return false;
	return n > 0;
}

/* "ADDR T name[\t[module]]" */
static bool kallsyms_line_ok(const char *p, size_t n)
{
	const char *sp = memchr(p, ' ', n);
	size_t a = sp ? (size_t)(sp - p) : 0;

	return sp && hexdigits(p, a) && a <= 16 && n > a + 3 && isalpha((unsigned char)p[a + 1]) &&
	       p[a + 2] == ' ' && (unsigned char)p[a + 3] > ' ';
}

/*
 * 'ADDR : "FORMAT"': libtraceevent splits these lines without checking
 * them and reads past a line that lacks the quoted part. It also looks two
 * bytes back from the format's end for a "\n" to strip, before the start of
 * a format shorter than two characters: a real one is never that short.
 */
static bool printk_line_ok(const char *p, size_t n)
{
	size_t a = 0;

	if (n > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		p += 2;
		n -= 2;
	}
	while (a < n && a <= 16 && isxdigit((unsigned char)p[a]))
		a++;
	/* a NUL would end libtraceevent's copy of the line early, before its checks */
	return a > 0 && a <= 16 && n >= a + 7 && !memcmp(p + a, " : \"", 4) && p[n - 1] == '"' &&
	       !memchr(p, '\0', n);
}

/* The kernel's TASK_COMM_LEN less the NUL. */
#define COMM_MAX 15

/* Returns the length of "PID " at p (digits and a space), or 0. */
static size_t cmdline_pid(const char *p, size_t n, int *pid)
{
	size_t i = 0;
	long v = 0;

	while (i < n && i < 10 && isdigit((unsigned char)p[i])) {
		v = v * 10 + (p[i] - '0');
		i++;
	}
	if (i == 0 || i >= n || p[i] != ' ' || v > INT32_MAX)
		return 0;
	*pid = (int)v;
	return i + 1;
}

/* True when p starts another line, the end, or the NUL padding after it. */
static bool cmdline_next_ok(const char *p, size_t n)
{
	int pid;

	return n == 0 || p[0] == '\0' || p[0] == '\n' || cmdline_pid(p, n, &pid) > 0;
}

/*
 * Lines are "PID COMM\n" with a comm of up to 15 bytes that any process
 * chooses with prctl(PR_SET_NAME): newlines and escape bytes included. The
 * comm ends at the first newline within 15 bytes that is followed by another
 * line or the end; anything else is damage.
 */
static int parse_cmdlines(struct cur *c)
{
	struct kstep_dat *dat = c->dat;
	const char *t = dat->cmdlines;
	size_t len = dat->cmdlines_len, pos = 0, line = 1;

	if (!t)
		return 0;
	if (charge(c, (len / 3 + 1) * sizeof(struct kstep_dat_comm), "the saved command lines"))
		return -1;
	while (pos < len) {
		struct kstep_dat_comm *e;
		size_t p, end, k;
		int pid;

		if (t[pos] == '\n') {
			pos++;
			continue;
		}
		if (t[pos] == '\0') {
			/* padding after the last line, and nothing after it */
			for (k = pos; k < len; k++)
				if (t[k] && t[k] != '\n')
					goto bad;
			break;
		}
		p = cmdline_pid(t + pos, len - pos, &pid);
		if (!p)
			goto bad;
		p += pos;
		end = len;
		for (k = p; k < len && k <= p + COMM_MAX && t[k]; k++) {
			if (t[k] == '\n' && cmdline_next_ok(t + k + 1, len - k - 1)) {
				end = k;
				break;
			}
		}
		if (end == len && (len - p > COMM_MAX || memchr(t + p, '\0', len - p)))
			goto bad;
		e = kstep_vec_push(&dat->comms);
		e->pid = pid;
		memcpy(e->comm, t + p, end - p);
		e->comm[end - p] = '\0';
		pos = end + 1;
		line++;
	}
	return 0;
bad:
	return fail(c, "damaged: entry %zu of the saved cmdlines (offset %zu) is not a 'PID COMM' "
		    "line (the file is corrupt; record it again)", line, pos);
}

static int check_lines(struct cur *c, const char *text, size_t len, const char *what,
		       bool (*ok)(const char *, size_t))
{
	const char *p = text, *end;
	size_t line = 1;

	/* a v7 file may lack the section: no text, nothing to check (NULL + 0 is undefined) */
	if (!text)
		return 0;
	end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (l && !(l == 1 && *p == '\0') && !ok(p, l))
			return fail(c, "damaged: line %zu of the %s is not a %s line (the file is corrupt; "
				    "record it again)", line, what, what);
		p += l + 1;
		line++;
	}
	return 0;
}

static int check_text_sections(struct cur *c)
{
	struct kstep_dat *dat = c->dat;

	if (check_lines(c, dat->kallsyms, dat->kallsyms_len, "kallsyms", kallsyms_line_ok) ||
	    check_lines(c, dat->printk, dat->printk_len, "printk formats", printk_line_ok) ||
	    parse_cmdlines(c))
		return -1;
	return 0;
}

static int check_cpu_table(struct cur *c);

/* Version 6 */

static int read_v6(struct cur *c)
{
	struct kstep_dat *dat = c->dat;
	uint32_t ncpu, i;
	char tag[10];
	uint64_t next;

	if (read_header_info(c) ||
	    read_format_list(c, NULL, "the number of ftrace formats") ||
	    read_event_formats(c) ||
	    read_sized32(c, &dat->kallsyms, &dat->kallsyms_len, "the kallsyms") ||
	    read_sized32(c, &dat->printk, &dat->printk_len, "the printk formats") ||
	    read_sized64(c, &dat->cmdlines, &dat->cmdlines_len, "the saved command lines") ||
	    check_text_sections(c) ||
	    cur_u32(c, &ncpu, "the CPU count"))
		return -1;
	if (ncpu == 0 || ncpu > KSTEP_DAT_MAX_CPUS)
		return fail(c, "damaged: the header claims %" PRIu32 " CPUs (record the file again)", ncpu);
	if (cur_read(c, tag, 10, "the options/flyrecord tag"))
		return -1;
	if (!memcmp(tag, "options", 7)) {
		if (read_options(c, &next) || cur_read(c, tag, 10, "the flyrecord tag"))
			return -1;
	}
	if (!memcmp(tag, "latency", 7))
		return fail(c, "this is a latency-tracer file, not a flyrecord trace; "
			    "kstep reads event and function traces: record with kstep record");
	if (memcmp(tag, "flyrecord", 10))
		return fail(c, "damaged: no flyrecord tag at offset %" PRIu64
			    " (the file is corrupt; record it again)", c->pos - 10);
	if (charge(c, (uint64_t)ncpu * sizeof(*dat->cpus), "the CPU table"))
		return -1;
	dat->cpus = kstep_xcalloc(ncpu, sizeof(*dat->cpus));
	dat->ncpus = (int)ncpu;
	for (i = 0; i < ncpu; i++) {
		dat->cpus[i].cpu = (int)i;
		if (cur_u64(c, &dat->cpus[i].offset, "a CPU data offset") ||
		    cur_u64(c, &dat->cpus[i].size, "a CPU data size"))
			return -1;
	}
	if (dat->has_clock_opt) {
		char *clock;
		size_t n;

		if (read_sized64(c, &clock, &n, "the trace clock"))
			return -1;
		parse_clock(dat, clock, n);
		free(clock);
	}
	if (check_cpu_table(c))
		return -1;
	if (!dat->cpucount)
		dat->cpucount = ncpu;
	return 0;
}

/* Version 7 */

struct section {
	uint16_t id;
	uint16_t flags;
	uint64_t size;
	uint64_t data_off;
};

static int read_section_header(struct cur *c, struct section *s, const char *what)
{
	uint32_t desc;

	if (cur_u16(c, &s->id, what) || cur_u16(c, &s->flags, what) || cur_u32(c, &desc, what) ||
	    cur_u64(c, &s->size, what))
		return -1;
	s->data_off = c->pos;
	if (s->size > c->end || s->data_off > c->end - s->size)
		return truncated(c, what, s->size);
	return 0;
}

/* Decompresses one "u32 csize, u32 usize, bytes" block at c into *out. */
static int uncompress_block(struct cur *c, uint64_t room, char **out, uint64_t *outlen,
			    const char *what)
{
	uint32_t csize, usize;
	char *in = NULL, *buf;
	char claim[160];
	size_t r;
	uint64_t at = c->pos;

	if (!c->dat->zctx)
		return fail(c, "damaged: %s at offset %" PRIu64
			    " is marked compressed but the file has no compression", what, at);
	if (cur_u32(c, &csize, what) || cur_u32(c, &usize, what))
		return -1;
	if (room < 8 || csize > room - 8)
		return fail(c, "damaged: %s at offset %" PRIu64 " claims %" PRIu32
			    " compressed bytes in a %" PRIu64 "-byte section (record the file again)",
			    what, at, csize, room);
	if (usize > MAX_META_SIZE)
		return fail(c, "damaged: %s at offset %" PRIu64 " claims %" PRIu32
			    " uncompressed bytes (record the file again)", what, at, usize);
	snprintf(claim, sizeof(claim), "%s at offset %" PRIu64 ", uncompressed,", what, at);
	if (charge(c, BLOB_COST(usize), claim))
		return -1;
	if (cur_blob(c, csize, &in, what))
		return -1;
	buf = kstep_xmalloc((size_t)usize + 1);
	r = ZSTD_decompressDCtx(c->dat->zctx, buf, usize, in, csize);
	free(in);
	release(c->dat, BLOB_COST(csize));
	if (ZSTD_isError(r) || r != usize) {
		free(buf);
		return fail(c, "damaged: the compressed data of %s at offset %" PRIu64
			    " does not decompress (%s); the file is corrupt: record it again",
			    what, at, ZSTD_isError(r) ? ZSTD_getErrorName(r) : "short output");
	}
	buf[usize] = '\0';
	*out = buf;
	*outlen = usize;
	return 0;
}

/*
 * Opens the section at off with the expected id and gives a cursor over its
 * (decompressed) content in *sc; *mem is the buffer to free afterwards.
 */
static int open_section(struct cur *c, uint64_t off, uint16_t id, const char *what,
			struct cur *sc, char **mem)
{
	struct section s;
	uint64_t len = 0;

	*mem = NULL;
	c->pos = off;
	if (read_section_header(c, &s, what))
		return -1;
	if (s.id != id)
		return fail(c, "damaged: %s at offset %" PRIu64 " has id %u, expected %u "
			    "(the file is corrupt; record it again)", what, off, s.id, id);
	*sc = (struct cur){ .dat = c->dat, .where = what, .err = c->err, .errlen = c->errlen };
	if (s.flags & KSTEP_DAT_SEC_COMPRESSED) {
		if (uncompress_block(c, s.size, mem, &len, what))
			return -1;
	} else {
		if (cur_blob(c, s.size, mem, what))
			return -1;
		len = s.size;
	}
	sc->mem = (const unsigned char *)*mem;
	sc->end = len;
	return 0;
}

static int read_options_v7(struct cur *c, uint64_t off)
{
	int n;

	for (n = 0; off && n < MAX_OPTION_SECTIONS; n++) {
		struct cur sc;
		char *mem;
		int ret;

		if (off >= c->dat->fsize)
			return fail(c, "truncated: the options section at offset %" PRIu64
				    " lies past the end of the file (%" PRIu64 " bytes); copy the file again",
				    off, c->dat->fsize);
		if (open_section(c, off, KSTEP_DAT_DONE, "an options section", &sc, &mem))
			return -1;
		ret = read_options(&sc, &off);
		free(mem);
		release(c->dat, BLOB_COST(sc.end));
		if (ret)
			return -1;
	}
	if (off)
		return fail(c, "damaged: the options sections loop (record the file again)");
	return 0;
}

typedef int (*section_reader)(struct cur *c);

static int read_kallsyms_sec(struct cur *c)
{
	return read_sized32(c, &c->dat->kallsyms, &c->dat->kallsyms_len, "the kallsyms");
}

static int read_printk_sec(struct cur *c)
{
	return read_sized32(c, &c->dat->printk, &c->dat->printk_len, "the printk formats");
}

static int read_cmdlines_sec(struct cur *c)
{
	return read_sized64(c, &c->dat->cmdlines, &c->dat->cmdlines_len, "the saved command lines");
}

static int read_ftrace_sec(struct cur *c)
{
	return read_format_list(c, NULL, "the number of ftrace formats");
}

static int read_meta_section(struct cur *c, uint16_t id, const char *what, section_reader fn,
			     bool required)
{
	struct cur sc;
	char *mem;
	int ret;

	if (!c->dat->sec_off[id]) {
		if (required)
			return fail(c, "damaged: the file has no %s section (record it again)", what);
		return 0;
	}
	if (open_section(c, c->dat->sec_off[id], id, what, &sc, &mem))
		return -1;
	ret = fn(&sc);
	free(mem);
	release(c->dat, BLOB_COST(sc.end));
	return ret;
}

static int read_chunks(struct cur *c, struct kstep_dat_cpu *cpu)
{
	uint32_t count, i;
	/* trace-cmd's stored size leaves out the 4-byte chunk count */
	uint64_t end = cpu->offset + 4 + cpu->size;

	c->pos = cpu->offset;
	if (c->pos + 4 > c->dat->fsize) {
		cpu->missing = cpu->size;
		return 0;
	}
	if (cur_u32(c, &count, "the chunk count of a CPU"))
		return -1;
	if ((uint64_t)count * 8 > cpu->size)
		return fail(c, "damaged: CPU %d claims %" PRIu32 " compressed chunks in %" PRIu64
			    " bytes (record the file again)", cpu->cpu, count, cpu->size);
	if (charge(c, (uint64_t)count * sizeof(*cpu->chunks), "a CPU's chunk table"))
		return -1;
	cpu->chunks = kstep_xcalloc(count, sizeof(*cpu->chunks));
	cpu->nchunks = 0;
	for (i = 0; i < count; i++) {
		struct kstep_dat_chunk *ch = &cpu->chunks[i];

		if (c->pos + 8 > c->dat->fsize) {
			/* cut short: the chunks so far are kept */
			cpu->missing = 1;
			break;
		}
		if (cur_u32(c, &ch->zsize, "a chunk header") || cur_u32(c, &ch->size, "a chunk header"))
			return -1;
		ch->zoffset = c->pos;
		if (ch->zsize > end - ch->zoffset || ch->zoffset > end)
			return fail(c, "damaged: chunk %" PRIu32 " of CPU %d at offset %" PRIu64
				    " runs past the CPU's data (record the file again)",
				    i, cpu->cpu, ch->zoffset - 8);
		if (ch->size > MAX_CHUNK_SIZE || ch->size % c->dat->page_size)
			return fail(c, "damaged: chunk %" PRIu32 " of CPU %d at offset %" PRIu64
				    " claims %" PRIu32 " bytes, not a whole number of %" PRIu32
				    "-byte pages (record the file again)",
				    i, cpu->cpu, ch->zoffset - 8, ch->size, c->dat->page_size);
		cpu->data_size += ch->size;
		cpu->nchunks = i + 1;
		c->pos += ch->zsize;
	}
	/*
	 * Bytes the chunk table does not reach held events once (a count
	 * zeroed or cut down): the loader reports them instead of reading
	 * the CPU as empty.
	 */
	/* less than a chunk header: kstep's own writer counts the u32 in the size */
	if (!cpu->missing && c->pos < end && end - c->pos >= 8)
		cpu->unlisted = end - c->pos;
	return 0;
}

static int cmp_range(const void *a, const void *b)
{
	const struct kstep_dat_cpu *const *x = a, *const *y = b;

	if ((*x)->offset != (*y)->offset)
		return (*x)->offset < (*y)->offset ? -1 : 1;
	return 0;
}

/* Bytes of the file a CPU's data claims: compressed data starts with a u32 count. */
static uint64_t cpu_span(const struct kstep_dat *dat, const struct kstep_dat_cpu *cpu)
{
	return dat->data_compressed ? cpu->size + 4 : cpu->size;
}

/*
 * Each CPU's data must be its own: ranges that overlap or CPU ids that
 * repeat would read the same events several times (a 188 KB file gave
 * millions of records), and an id past the CPU count sizes arrays later.
 */
static int check_cpu_table(struct cur *c)
{
	struct kstep_dat *dat = c->dat;
	const struct kstep_dat_cpu **v;
	unsigned char *seen;
	int i, n = 0, ret = -1;

	if (dat->cpucount > KSTEP_DAT_MAX_CPUS)
		return fail(c, "damaged: the CPUCOUNT option claims %" PRIu32 " CPUs (at most %d exist; "
			    "the file is corrupt: record it again)", dat->cpucount, KSTEP_DAT_MAX_CPUS);
	if (charge(c, (uint64_t)dat->ncpus * sizeof(*v) + KSTEP_DAT_MAX_CPUS, "the CPU table check"))
		return -1;
	v = kstep_xcalloc((size_t)dat->ncpus + 1, sizeof(*v));
	seen = kstep_xcalloc(KSTEP_DAT_MAX_CPUS, 1);
	for (i = 0; i < dat->ncpus; i++) {
		const struct kstep_dat_cpu *cpu = &dat->cpus[i];

		if (dat->has_cpucount && (uint32_t)cpu->cpu >= dat->cpucount) {
			fail(c, "damaged: the file has data for CPU %d but says the machine had %" PRIu32
			     " CPUs (the file is corrupt; record it again)", cpu->cpu, dat->cpucount);
			goto out;
		}
		if (seen[cpu->cpu]++) {
			fail(c, "damaged: the file lists CPU %d twice (the file is corrupt; record it again)",
			     cpu->cpu);
			goto out;
		}
		if (cpu->size && cpu->offset > UINT64_MAX - cpu_span(dat, cpu)) {
			fail(c, "damaged: the data of CPU %d claims %" PRIu64 " bytes at offset %" PRIu64
			     " (the file is corrupt; record it again)", cpu->cpu, cpu->size, cpu->offset);
			goto out;
		}
		if (cpu->size)
			v[n++] = cpu;
	}
	qsort(v, (size_t)n, sizeof(*v), cmp_range);
	for (i = 1; i < n; i++) {
		const struct kstep_dat_cpu *a = v[i - 1], *b = v[i];

		if (b->offset < a->offset + cpu_span(dat, a)) {
			fail(c, "damaged: the data of CPU %d (offset %" PRIu64 ", %" PRIu64 " bytes) overlaps "
			     "that of CPU %d (offset %" PRIu64 ", %" PRIu64 " bytes): the file is corrupt or "
			     "forged; record it again", b->cpu, b->offset, b->size, a->cpu, a->offset,
			     a->size);
			goto out;
		}
	}
	ret = 0;
out:
	free(v);
	free(seen);
	release(dat, (uint64_t)dat->ncpus * sizeof(*v) + KSTEP_DAT_MAX_CPUS);
	return ret;
}

/*
 * Every CPU's stream is open at once while records are merged: each holds
 * one page, or one decompressed chunk and its compressed bytes.
 */
static int charge_streams(struct cur *c)
{
	struct kstep_dat *dat = c->dat;
	char what[160];
	int i;

	for (i = 0; i < dat->ncpus; i++) {
		const struct kstep_dat_cpu *cpu = &dat->cpus[i];
		uint64_t zmax = 0, umax = 0;
		uint32_t k;

		if (!cpu->data_size)
			continue;
		for (k = 0; k < cpu->nchunks; k++) {
			if (cpu->chunks[k].zsize > zmax)
				zmax = cpu->chunks[k].zsize;
			if (cpu->chunks[k].size > umax)
				umax = cpu->chunks[k].size;
		}
		if (dat->data_compressed)
			snprintf(what, sizeof(what), "the largest compressed chunk of CPU %d (%" PRIu64
				 " bytes, %" PRIu64 " once uncompressed)", cpu->cpu, zmax, umax);
		else
			snprintf(what, sizeof(what), "the page buffer of CPU %d", cpu->cpu);
		if (charge(c, dat->page_size + zmax + umax, what))
			return -1;
	}
	return 0;
}

static int read_buffer_v7(struct cur *c)
{
	struct kstep_dat *dat = c->dat;
	struct section s;
	int i;

	if (!dat->have_top_buffer)
		return fail(c, "damaged: the file describes no trace buffer (record it again)");
	c->pos = dat->top_buffer_off;
	if (read_section_header(c, &s, "the trace data section"))
		return -1;
	if (s.id != KSTEP_DAT_BUFFER)
		return fail(c, "damaged: the trace data section at offset %" PRIu64
			    " has id %u (record the file again)", dat->top_buffer_off, s.id);
	dat->data_compressed = s.flags & KSTEP_DAT_SEC_COMPRESSED;
	if (check_cpu_table(c))
		return -1;
	for (i = 0; i < dat->ncpus; i++) {
		struct kstep_dat_cpu *cpu = &dat->cpus[i];

		if (!cpu->size)
			continue;
		if (dat->data_compressed && read_chunks(c, cpu))
			return -1;
	}
	return 0;
}

static int read_v7(struct cur *c)
{
	struct kstep_dat *dat = c->dat;
	uint64_t opts;

	if (cur_string(c, &dat->zname, "the compression name") ||
	    cur_string(c, &dat->zver, "the compression version"))
		return -1;
	if (strcmp(dat->zname, "none")) {
		if (strcmp(dat->zname, "zstd"))
			return fail(c, "unsupported compression '%s' (kstep reads zstd and none; convert "
				    "with: trace-cmd convert --compression zstd)", dat->zname);
		dat->zctx = ZSTD_createDCtx();
		if (!dat->zctx)
			return fail(c, "cannot create a zstd context");
	}
	if (cur_u64(c, &opts, "the options offset"))
		return -1;
	if (read_options_v7(c, opts))
		return -1;
	if (read_meta_section(c, KSTEP_DAT_HEADER_INFO, "header", read_header_info, true) ||
	    read_meta_section(c, KSTEP_DAT_FTRACE_EVENTS, "ftrace formats", read_ftrace_sec, false) ||
	    read_meta_section(c, KSTEP_DAT_EVENT_FORMATS, "event formats", read_event_formats, false) ||
	    read_meta_section(c, KSTEP_DAT_KALLSYMS, "kallsyms", read_kallsyms_sec, false) ||
	    read_meta_section(c, KSTEP_DAT_PRINTK, "printk", read_printk_sec, false) ||
	    read_meta_section(c, KSTEP_DAT_CMDLINES, "cmdlines", read_cmdlines_sec, false) ||
	    check_text_sections(c))
		return -1;
	if (!dat->cpucount)
		dat->cpucount = (uint32_t)dat->ncpus;
	return read_buffer_v7(c);
}

/*
 * A file cut inside the ring-buffer data still holds everything before the
 * cut: keep what is there and say how much is missing (the loader turns this
 * into a damage entry), rather than refusing the whole file.
 */
static void check_cpu_ranges(struct kstep_dat *dat)
{
	int i;

	for (i = 0; i < dat->ncpus; i++) {
		struct kstep_dat_cpu *cpu = &dat->cpus[i];

		if (!cpu->size)
			continue;
		if (!dat->data_compressed) {
			uint64_t have = cpu->offset >= dat->fsize ? 0 : dat->fsize - cpu->offset;

			if (cpu->size > have) {
				cpu->missing = cpu->size - have;
				cpu->size = have - have % dat->page_size;
			}
			cpu->data_size = cpu->size;
			continue;
		}
		while (cpu->nchunks) {
			struct kstep_dat_chunk *ch = &cpu->chunks[cpu->nchunks - 1];

			if (ch->zoffset <= dat->fsize && ch->zsize <= dat->fsize - ch->zoffset)
				break;
			cpu->missing += ch->size;
			cpu->data_size -= ch->size;
			cpu->nchunks--;
		}
	}
}

static int read_header(struct cur *c)
{
	struct kstep_dat *dat = c->dat;
	char magic[KSTEP_DAT_MAGIC_LEN];
	char *ver = NULL;
	uint8_t endian, lsize;
	char *end;
	long v;

	if (dat->fsize == 0)
		return fail(c, "empty file (expected a trace.dat made by kstep record or trace-cmd)");
	if (dat->fsize < KSTEP_DAT_MAGIC_LEN || cur_read(c, magic, KSTEP_DAT_MAGIC_LEN, "the magic"))
		return fail(c, "not a trace.dat file: too short for its header");
	if (memcmp(magic, KSTEP_DAT_MAGIC, KSTEP_DAT_MAGIC_LEN))
		return fail(c, "not a trace.dat file: wrong magic (expected \\027\\010Dtracing; "
			    "give a file made by kstep record or trace-cmd)");
	if (cur_string(c, &ver, "the version string"))
		return -1;
	v = strtol(ver, &end, 10);
	if (end == ver || *end) {
		fail(c, "damaged: the version string '%.16s' is not a number", ver);
		free(ver);
		return -1;
	}
	free(ver);
	if (v != 6 && v != 7)
		return fail(c, "unsupported trace.dat version %ld (kstep reads versions 6 and 7; "
			    "convert with: trace-cmd convert --file-version 7)", v);
	dat->version = (int)v;
	if (cur_u8(c, &endian, "the endianness flag") || cur_u8(c, &lsize, "the long size"))
		return -1;
	if (endian > 1)
		return fail(c, "damaged: endianness flag %u is neither 0 nor 1", endian);
	dat->be = endian == 1;
	if (lsize != 4 && lsize != 8)
		return fail(c, "damaged: long size %u is neither 4 nor 8", lsize);
	dat->long_size = lsize;
	if (cur_u32(c, &dat->page_size, "the page size"))
		return -1;
	if (dat->page_size < 1024 || dat->page_size > (64U << 20) ||
	    (dat->page_size & (dat->page_size - 1)))
		return fail(c, "damaged: page size %" PRIu32 " is not a power of two between 1 KiB and 64 MiB",
			    dat->page_size);
	return 0;
}

struct kstep_dat *kstep_dat_open(const char *path, char *err, size_t errlen)
{
	struct kstep_dat *dat = kstep_xcalloc(1, sizeof(*dat));
	struct cur c = { .dat = dat, .where = "the file", .err = err, .errlen = errlen };
	struct stat st;

	dat->path = kstep_xstrdup(path);
	kstep_vec_init(&dat->formats, sizeof(struct kstep_dat_blob));
	kstep_vec_init(&dat->sysnames, sizeof(char *));
	kstep_vec_init(&dat->cpustats, sizeof(char *));
	kstep_vec_init(&dat->rawopts, sizeof(struct kstep_dat_rawopt));
	kstep_vec_init(&dat->comms, sizeof(struct kstep_dat_comm));
	dat->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (dat->fd < 0) {
		fail(&c, "cannot open: %s", strerror(errno));
		goto fail;
	}
	if (fstat(dat->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		fail(&c, "not a regular file");
		goto fail;
	}
	dat->fsize = (uint64_t)st.st_size;
	c.end = dat->fsize;
	if (read_header(&c))
		goto fail;
	if (dat->version == 6 ? read_v6(&c) : read_v7(&c))
		goto fail;
	check_cpu_ranges(dat);
	if (charge_streams(&c))
		goto fail;
	return dat;
fail:
	kstep_dat_close(dat);
	return NULL;
}

void kstep_dat_close(struct kstep_dat *dat)
{
	size_t i;
	int k;

	if (!dat)
		return;
	if (dat->fd >= 0)
		close(dat->fd);
	for (i = 0; i < dat->formats.n; i++)
		free(((struct kstep_dat_blob *)kstep_vec_at(&dat->formats, i))->data);
	for (i = 0; i < dat->sysnames.n; i++)
		free(*(char **)kstep_vec_at(&dat->sysnames, i));
	for (i = 0; i < dat->cpustats.n; i++)
		free(*(char **)kstep_vec_at(&dat->cpustats, i));
	for (i = 0; i < dat->rawopts.n; i++)
		free(((struct kstep_dat_rawopt *)kstep_vec_at(&dat->rawopts, i))->data);
	kstep_vec_free(&dat->formats);
	kstep_vec_free(&dat->sysnames);
	kstep_vec_free(&dat->cpustats);
	kstep_vec_free(&dat->rawopts);
	kstep_vec_free(&dat->comms);
	kstep_budget_release(dat->charged);
	for (k = 0; k < dat->ncpus; k++)
		free(dat->cpus[k].chunks);
	free(dat->cpus);
	free(dat->hpage);
	free(dat->hevent);
	free(dat->kallsyms);
	free(dat->printk);
	free(dat->cmdlines);
	free(dat->uname);
	free(dat->clock);
	free(dat->tversion);
	free(dat->zname);
	free(dat->zver);
	if (dat->zctx)
		ZSTD_freeDCtx(dat->zctx);
	free(dat->path);
	free(dat);
}

/* Accessors */

const char *kstep_dat_path(const struct kstep_dat *dat)
{
	return dat->path;
}

uint64_t kstep_dat_file_size(const struct kstep_dat *dat)
{
	return dat->fsize;
}

int kstep_dat_version(const struct kstep_dat *dat)
{
	return dat->version;
}

bool kstep_dat_big_endian(const struct kstep_dat *dat)
{
	return dat->be;
}

int kstep_dat_long_size(const struct kstep_dat *dat)
{
	return dat->long_size;
}

uint32_t kstep_dat_page_size(const struct kstep_dat *dat)
{
	return dat->page_size;
}

const char *kstep_dat_compression(const struct kstep_dat *dat)
{
	return dat->zname ? dat->zname : "none";
}

const char *kstep_dat_compression_version(const struct kstep_dat *dat)
{
	return dat->zver ? dat->zver : "";
}

void kstep_dat_header_page(const struct kstep_dat *dat, const char **data, size_t *len)
{
	*data = dat->hpage;
	*len = dat->hpage_len;
}

void kstep_dat_header_event(const struct kstep_dat *dat, const char **data, size_t *len)
{
	*data = dat->hevent;
	*len = dat->hevent_len;
}

const struct kstep_dat_blob *kstep_dat_formats(const struct kstep_dat *dat, size_t *n)
{
	*n = dat->formats.n;
	return dat->formats.v;
}

void kstep_dat_kallsyms(const struct kstep_dat *dat, const char **data, size_t *len)
{
	*data = dat->kallsyms;
	*len = dat->kallsyms_len;
}

void kstep_dat_printk(const struct kstep_dat *dat, const char **data, size_t *len)
{
	*data = dat->printk;
	*len = dat->printk_len;
}

void kstep_dat_cmdlines(const struct kstep_dat *dat, const char **data, size_t *len)
{
	*data = dat->cmdlines;
	*len = dat->cmdlines_len;
}

const struct kstep_dat_comm *kstep_dat_comms(const struct kstep_dat *dat, size_t *n)
{
	*n = dat->comms.n;
	return dat->comms.v;
}

const char *kstep_dat_uname(const struct kstep_dat *dat)
{
	return dat->uname;
}

const char *kstep_dat_clock(const struct kstep_dat *dat)
{
	return dat->clock;
}

const char *kstep_dat_tracer_version(const struct kstep_dat *dat)
{
	return dat->tversion;
}

const char *kstep_dat_cpustat(const struct kstep_dat *dat, size_t i)
{
	if (i >= dat->cpustats.n)
		return NULL;
	return *(char **)kstep_vec_at(&dat->cpustats, i);
}

uint32_t kstep_dat_cpucount(const struct kstep_dat *dat)
{
	return dat->cpucount;
}

int64_t kstep_dat_ts_offset(const struct kstep_dat *dat)
{
	return dat->ts_offset;
}

bool kstep_dat_tsc2nsec(const struct kstep_dat *dat, uint32_t *mult, uint32_t *shift,
			uint64_t *offset)
{
	if (!dat->has_tsc)
		return false;
	*mult = dat->tsc_mult;
	*shift = dat->tsc_shift;
	*offset = dat->tsc_offset;
	return true;
}

const struct kstep_dat_rawopt *kstep_dat_rawopts(const struct kstep_dat *dat, size_t *n)
{
	*n = dat->rawopts.n;
	return dat->rawopts.v;
}

const struct kstep_dat_rawopt *kstep_dat_rawopt(const struct kstep_dat *dat, uint16_t id)
{
	size_t i;

	for (i = 0; i < dat->rawopts.n; i++) {
		const struct kstep_dat_rawopt *o = kstep_vec_at(&dat->rawopts, i);

		if (o->id == id)
			return o;
	}
	return NULL;
}

int kstep_dat_other_buffers(const struct kstep_dat *dat)
{
	return dat->other_buffers;
}

const struct kstep_dat_cpu *kstep_dat_cpus(const struct kstep_dat *dat, int *n)
{
	*n = dat->ncpus;
	return dat->cpus;
}

/* Page streams */

struct kstep_dat_pages {
	struct kstep_dat *dat;
	const struct kstep_dat_cpu *cpu;
	unsigned char *page;	/* uncompressed: one page */
	unsigned char *chunk;	/* compressed: one decompressed chunk */
	size_t chunk_cap;
	unsigned char *zbuf;
	size_t zcap;
	uint32_t next_chunk;
	uint32_t chunk_len;
	uint32_t chunk_pos;
	uint64_t pos;		/* uncompressed offset of the next page */
};

struct kstep_dat_pages *kstep_dat_pages_open(struct kstep_dat *dat, int idx, char *err,
					     size_t errlen)
{
	struct kstep_dat_pages *ps;

	if (idx < 0 || idx >= dat->ncpus) {
		snprintf(err, errlen, "%s: no CPU data #%d", dat->path, idx);
		return NULL;
	}
	ps = kstep_xcalloc(1, sizeof(*ps));
	ps->dat = dat;
	ps->cpu = &dat->cpus[idx];
	ps->page = kstep_xcalloc(1, dat->page_size);
	return ps;
}

static int load_chunk(struct kstep_dat_pages *ps, char *err, size_t errlen)
{
	const struct kstep_dat_chunk *ch = &ps->cpu->chunks[ps->next_chunk];
	size_t r;
	ssize_t got;

	if (ch->zsize > ps->zcap) {
		ps->zbuf = kstep_xrealloc(ps->zbuf, ch->zsize);
		ps->zcap = ch->zsize;
	}
	if (ch->size > ps->chunk_cap) {
		ps->chunk = kstep_xrealloc(ps->chunk, ch->size);
		ps->chunk_cap = ch->size;
	}
	got = pread(ps->dat->fd, ps->zbuf, ch->zsize, (off_t)ch->zoffset);
	if (got < 0 || (uint32_t)got != ch->zsize) {
		snprintf(err, errlen, "%s: truncated: chunk %" PRIu32 " of CPU %d at offset %" PRIu64
			 " cannot be read (copy the file again)", ps->dat->path, ps->next_chunk,
			 ps->cpu->cpu, ch->zoffset);
		return -1;
	}
	r = ZSTD_decompressDCtx(ps->dat->zctx, ps->chunk, ch->size, ps->zbuf, ch->zsize);
	if (ZSTD_isError(r) || r != ch->size) {
		snprintf(err, errlen, "%s: damaged: compressed chunk %" PRIu32 " of CPU %d at offset %"
			 PRIu64 " does not decompress (%s): the file is corrupt (%" PRIu32 " bytes of events); record it again",
			 ps->dat->path, ps->next_chunk, ps->cpu->cpu, ch->zoffset,
			 ZSTD_isError(r) ? ZSTD_getErrorName(r) : "short output", ch->size);
		return -1;
	}
	ps->chunk_len = ch->size;
	ps->chunk_pos = 0;
	ps->next_chunk++;
	return 0;
}

int kstep_dat_pages_next(struct kstep_dat_pages *ps, const unsigned char **page,
			 uint64_t *offset, char *err, size_t errlen)
{
	uint32_t psize = ps->dat->page_size;

	if (ps->dat->data_compressed) {
		while (ps->chunk_pos >= ps->chunk_len) {
			if (ps->next_chunk >= ps->cpu->nchunks)
				return 0;
			if (load_chunk(ps, err, errlen))
				return -1;
		}
		*page = ps->chunk + ps->chunk_pos;
		*offset = ps->pos;
		ps->chunk_pos += psize;
		ps->pos += psize;
		return 1;
	}

	if (ps->pos >= ps->cpu->size)
		return 0;
	{
		uint64_t left = ps->cpu->size - ps->pos;
		size_t n = left < psize ? (size_t)left : psize;
		ssize_t got = pread(ps->dat->fd, ps->page, n, (off_t)(ps->cpu->offset + ps->pos));

		if (got < 0 || (size_t)got != n) {
			snprintf(err, errlen, "%s: truncated: page at offset %" PRIu64
				 " of CPU %d cannot be read (copy the file again)", ps->dat->path,
				 ps->cpu->offset + ps->pos, ps->cpu->cpu);
			return -1;
		}
		if (n < psize)
			memset(ps->page + n, 0, psize - n);
	}
	*page = ps->page;
	*offset = ps->pos;
	ps->pos += psize;
	return 1;
}

void kstep_dat_pages_close(struct kstep_dat_pages *ps)
{
	if (!ps)
		return;
	free(ps->page);
	free(ps->chunk);
	free(ps->zbuf);
	free(ps);
}
