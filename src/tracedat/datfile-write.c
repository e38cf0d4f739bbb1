// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * datfile-write.c - writes trace.dat versions 6 and 7 (uncompressed or zstd).
 *
 * Metadata is kept in memory until kstep_datw_finish; ring-buffer pages are
 * streamed from the callers' files (and, for zstd, compressed into a
 * temporary file first, so every offset is known before it is written).
 * The file is written under a temporary name and renamed when complete: a
 * reader never sees half a trace.
 *
 * v7 sections are written back to back, because trace-cmd finds the STRINGS
 * section by walking the sections from the start of the file.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zstd.h>

#include "datfile.h"
#include "util.h"

#define CHUNK_PAGES 64
#define COPY_BUF (1 << 20)

struct wblob {
	char *system;		/* NULL: ftrace format */
	char *data;
	size_t len;
};

struct wopt {
	uint16_t id;
	char *data;
	size_t len;
};

struct wcpu {
	int cpu;
	int fd;
	uint64_t offset;
	uint64_t size;
	/* where it lands in the output */
	int zfd;		/* compressed copy, -1 when not compressed */
	uint64_t zsize;
	uint64_t out_offset;
	uint64_t out_size;
};

struct kstep_datw {
	char *path;
	char *tmp;
	int fd;
	struct kstep_datw_opts o;
	bool zstd;
	struct kstep_sbuf hpage;
	struct kstep_sbuf hevent;
	struct kstep_vec formats;	/* struct wblob */
	struct kstep_sbuf kallsyms;
	struct kstep_sbuf printk;
	struct kstep_sbuf cmdlines;
	char *clock_text;
	char clock[64];
	struct kstep_vec opts;		/* struct wopt */
	struct kstep_vec cpus;		/* struct wcpu */
	uint64_t pos;
	bool done;
	bool unnamed;		/* w->fd is an O_TMPFILE file */
	bool linked;		/* ... and it has the name w->tmp */
	bool held;		/* SIGINT, SIGTERM, SIGHUP are held */
	char *err;
	size_t errlen;
};

static int wfail(struct kstep_datw *w, const char *fmt, ...) KSTEP_PRINTF(2, 3);

static int wfail(struct kstep_datw *w, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(w->err, w->errlen, "%s: ", w->path);

	if (n < 0 || (size_t)n >= w->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(w->err + n, w->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Building blocks in the file's byte order */

static void put_u16(struct kstep_sbuf *b, const struct kstep_datw *w, uint16_t v)
{
	char x[2];

	kstep_put16(x, v, w->o.big_endian);
	kstep_sbuf_addn(b, x, 2);
}

static void put_u32(struct kstep_sbuf *b, const struct kstep_datw *w, uint32_t v)
{
	char x[4];

	kstep_put32(x, v, w->o.big_endian);
	kstep_sbuf_addn(b, x, 4);
}

static void put_u64(struct kstep_sbuf *b, const struct kstep_datw *w, uint64_t v)
{
	char x[8];

	kstep_put64(x, v, w->o.big_endian);
	kstep_sbuf_addn(b, x, 8);
}

static int wr(struct kstep_datw *w, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(w->fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return wfail(w, "cannot write: %s", strerror(errno));
		}
		p += n;
		len -= (size_t)n;
		w->pos += (uint64_t)n;
	}
	return 0;
}

static int wr_sbuf(struct kstep_datw *w, const struct kstep_sbuf *b)
{
	return wr(w, b->s ? b->s : "", b->len);
}

static int pad_to(struct kstep_datw *w, uint64_t target)
{
	static const char zeros[4096];

	while (w->pos < target) {
		size_t n = target - w->pos < sizeof(zeros) ? (size_t)(target - w->pos) : sizeof(zeros);

		if (wr(w, zeros, n))
			return -1;
	}
	return 0;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

/* Creating and filling */

struct kstep_datw *kstep_datw_new(const char *path, const struct kstep_datw_opts *o, char *err,
				  size_t errlen)
{
	struct kstep_datw *w;

	if ((o->version != 6 && o->version != 7) || (o->long_size != 4 && o->long_size != 8) ||
	    !o->page_size || (o->page_size & (o->page_size - 1))) {
		snprintf(err, errlen, "%s: cannot write version %d, %d-byte longs, %u-byte pages", path,
			 o->version, o->long_size, o->page_size);
		return NULL;
	}
	if (o->compression && strcmp(o->compression, "none") && strcmp(o->compression, "zstd")) {
		snprintf(err, errlen, "%s: unknown compression %s (zstd or none)", path, o->compression);
		return NULL;
	}
	/* the final rename would replace whatever path names: never a device or a directory */
	if (kstep_datw_check_path(path, err, errlen))
		return NULL;
	w = kstep_xcalloc(1, sizeof(*w));
	w->path = kstep_xstrdup(path);
	w->fd = -1;
	w->o = *o;
	w->zstd = o->version == 7 && o->compression && !strcmp(o->compression, "zstd");
	kstep_vec_init(&w->formats, sizeof(struct wblob));
	kstep_vec_init(&w->opts, sizeof(struct wopt));
	kstep_vec_init(&w->cpus, sizeof(struct wcpu));
	return w;
}

void kstep_datw_header_page(struct kstep_datw *w, const char *data, size_t len)
{
	kstep_sbuf_reset(&w->hpage);
	kstep_sbuf_addn(&w->hpage, data, len);
}

void kstep_datw_header_event(struct kstep_datw *w, const char *data, size_t len)
{
	kstep_sbuf_reset(&w->hevent);
	kstep_sbuf_addn(&w->hevent, data, len);
}

void kstep_datw_add_format(struct kstep_datw *w, const char *system, const char *data, size_t len)
{
	struct wblob *b = kstep_vec_push(&w->formats);

	b->system = system ? kstep_xstrdup(system) : NULL;
	b->data = kstep_xstrndup(data, len);
	b->len = len;
}

void kstep_datw_kallsyms(struct kstep_datw *w, const char *data, size_t len)
{
	kstep_sbuf_reset(&w->kallsyms);
	kstep_sbuf_addn(&w->kallsyms, data ? data : "", len);
}

void kstep_datw_printk(struct kstep_datw *w, const char *data, size_t len)
{
	kstep_sbuf_reset(&w->printk);
	kstep_sbuf_addn(&w->printk, data ? data : "", len);
}

void kstep_datw_cmdlines(struct kstep_datw *w, const char *data, size_t len)
{
	kstep_sbuf_reset(&w->cmdlines);
	kstep_sbuf_addn(&w->cmdlines, data ? data : "", len);
}

void kstep_datw_clock(struct kstep_datw *w, const char *text)
{
	const char *open = strchr(text, '['), *close = open ? strchr(open, ']') : NULL;

	free(w->clock_text);
	w->clock_text = kstep_xstrdup(text);
	if (open && close)
		snprintf(w->clock, sizeof(w->clock), "%.*s", (int)(close - open - 1), open + 1);
	else
		snprintf(w->clock, sizeof(w->clock), "%.*s", (int)strcspn(text, " \n"), text);
}

void kstep_datw_option(struct kstep_datw *w, uint16_t id, const void *data, size_t len)
{
	struct wopt *op = kstep_vec_push(&w->opts);

	op->id = id;
	op->data = kstep_xmalloc(len ? len : 1);
	memcpy(op->data, data, len);
	op->len = len;
}

int kstep_datw_cpu(struct kstep_datw *w, int cpu, int fd, uint64_t offset, uint64_t size)
{
	struct wcpu *c;

	if (size % w->o.page_size || cpu < 0)
		return -1;
	c = kstep_vec_push(&w->cpus);
	c->cpu = cpu;
	c->fd = fd;
	c->offset = offset;
	c->size = size;
	c->zfd = -1;
	return 0;
}

/* Metadata blobs, the same in v6 (inline) and v7 (sections) */

static void blob_header_info(const struct kstep_datw *w, struct kstep_sbuf *b)
{
	kstep_sbuf_addn(b, "header_page", 12);
	put_u64(b, w, w->hpage.len);
	kstep_sbuf_addn(b, kstep_sbuf_str(&w->hpage), w->hpage.len);
	kstep_sbuf_addn(b, "header_event", 13);
	put_u64(b, w, w->hevent.len);
	kstep_sbuf_addn(b, kstep_sbuf_str(&w->hevent), w->hevent.len);
}

static void blob_ftrace(const struct kstep_datw *w, struct kstep_sbuf *b)
{
	uint32_t n = 0;
	size_t i;

	for (i = 0; i < w->formats.n; i++)
		n += !((struct wblob *)kstep_vec_at(&w->formats, i))->system;
	put_u32(b, w, n);
	for (i = 0; i < w->formats.n; i++) {
		const struct wblob *f = kstep_vec_at(&w->formats, i);

		if (f->system)
			continue;
		put_u64(b, w, f->len);
		kstep_sbuf_addn(b, f->data, f->len);
	}
}

/* Systems in the order they first appear, each with its formats. */
static void blob_events(const struct kstep_datw *w, struct kstep_sbuf *b)
{
	struct kstep_vec systems;
	size_t i, k;

	kstep_vec_init(&systems, sizeof(const char *));
	for (i = 0; i < w->formats.n; i++) {
		const struct wblob *f = kstep_vec_at(&w->formats, i);
		bool seen = false;

		for (k = 0; f->system && k < systems.n; k++)
			seen |= !strcmp(*(const char **)kstep_vec_at(&systems, k), f->system);
		if (f->system && !seen)
			*(const char **)kstep_vec_push(&systems) = f->system;
	}
	put_u32(b, w, (uint32_t)systems.n);
	for (k = 0; k < systems.n; k++) {
		const char *sys = *(const char **)kstep_vec_at(&systems, k);
		uint32_t n = 0;

		for (i = 0; i < w->formats.n; i++) {
			const struct wblob *f = kstep_vec_at(&w->formats, i);

			n += f->system && !strcmp(f->system, sys);
		}
		kstep_sbuf_addn(b, sys, strlen(sys) + 1);
		put_u32(b, w, n);
		for (i = 0; i < w->formats.n; i++) {
			const struct wblob *f = kstep_vec_at(&w->formats, i);

			if (!f->system || strcmp(f->system, sys))
				continue;
			put_u64(b, w, f->len);
			kstep_sbuf_addn(b, f->data, f->len);
		}
	}
	kstep_vec_free(&systems);
}

static void blob_sized32(const struct kstep_datw *w, struct kstep_sbuf *b, const struct kstep_sbuf *d)
{
	put_u32(b, w, (uint32_t)d->len);
	kstep_sbuf_addn(b, kstep_sbuf_str(d), d->len);
}

static void blob_sized64(const struct kstep_datw *w, struct kstep_sbuf *b, const struct kstep_sbuf *d)
{
	put_u64(b, w, d->len);
	kstep_sbuf_addn(b, kstep_sbuf_str(d), d->len);
}

/* The options every version carries, then the caller's, in order. */
static void blob_options(const struct kstep_datw *w, struct kstep_sbuf *b)
{
	size_t i;

	if (w->clock_text) {
		put_u16(b, w, KSTEP_DAT_TRACECLOCK);
		put_u32(b, w, (uint32_t)strlen(w->clock_text) + 1);
		kstep_sbuf_addn(b, w->clock_text, strlen(w->clock_text) + 1);
	}
	for (i = 0; i < w->opts.n; i++) {
		const struct wopt *op = kstep_vec_at(&w->opts, i);

		put_u16(b, w, op->id);
		put_u32(b, w, (uint32_t)op->len);
		kstep_sbuf_addn(b, op->data, op->len);
	}
}

/* CPU data */

static int copy_range(struct kstep_datw *w, int fd, uint64_t off, uint64_t size)
{
	char *buf = kstep_xmalloc(COPY_BUF);
	int ret = 0;

	while (size && !ret) {
		size_t want = size < COPY_BUF ? (size_t)size : COPY_BUF;
		ssize_t n = pread(fd, buf, want, (off_t)off);

		if (n <= 0) {
			ret = wfail(w, "cannot read the recorded data: %s", n < 0 ? strerror(errno) : "short file");
			break;
		}
		ret = wr(w, buf, (size_t)n);
		off += (uint64_t)n;
		size -= (uint64_t)n;
	}
	free(buf);
	return ret;
}

static int write_all_fd(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t k = write(fd, c, n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

/* "u32 count, then per chunk u32 zsize, u32 size, zstd bytes" in a temporary file. */
static int compress_cpu(struct kstep_datw *w, struct wcpu *c, int dirfd_hint)
{
	size_t chunk = (size_t)w->o.page_size * CHUNK_PAGES, bound = ZSTD_compressBound(chunk);
	char *in = kstep_xmalloc(chunk), *out = kstep_xmalloc(bound);
	uint64_t done = 0;
	uint32_t count = 0;
	char hdr[8];
	int ret = -1;

	(void)dirfd_hint;
	c->zfd = open(P_tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (c->zfd < 0) {
		wfail(w, "cannot create a temporary file in %s: %s", P_tmpdir, strerror(errno));
		goto out;
	}
	kstep_put32(hdr, 0, w->o.big_endian);
	if (write_all_fd(c->zfd, hdr, 4))
		goto io;
	while (done < c->size) {
		size_t n = c->size - done < chunk ? (size_t)(c->size - done) : chunk;
		ssize_t got = pread(c->fd, in, n, (off_t)(c->offset + done));
		size_t z;

		if (got != (ssize_t)n) {
			wfail(w, "cannot read CPU %d's recorded data", c->cpu);
			goto out;
		}
		z = ZSTD_compress(out, bound, in, n, 3);
		if (ZSTD_isError(z)) {
			wfail(w, "zstd: %s", ZSTD_getErrorName(z));
			goto out;
		}
		kstep_put32(hdr, (uint32_t)z, w->o.big_endian);
		kstep_put32(hdr + 4, (uint32_t)n, w->o.big_endian);
		if (write_all_fd(c->zfd, hdr, 8) || write_all_fd(c->zfd, out, z))
			goto io;
		done += n;
		count++;
	}
	kstep_put32(hdr, count, w->o.big_endian);
	if (pwrite(c->zfd, hdr, 4, 0) != 4)
		goto io;
	c->zsize = (uint64_t)lseek(c->zfd, 0, SEEK_END);
	ret = 0;
	goto out;
io:
	wfail(w, "cannot write a temporary file: %s", strerror(errno));
out:
	free(in);
	free(out);
	return ret;
}

/* Version 6 */

static int finish_v6(struct kstep_datw *w)
{
	struct kstep_sbuf b = { 0 };
	uint32_t ncpu = 0;
	uint64_t at;
	size_t i;
	int ret = -1, k;

	for (i = 0; i < w->cpus.n; i++) {
		const struct wcpu *c = kstep_vec_at(&w->cpus, i);

		if ((uint32_t)c->cpu + 1 > ncpu)
			ncpu = (uint32_t)c->cpu + 1;
	}
	/* trace-cmd reads one table entry per CPU of the CPUCOUNT option */
	for (i = 0; i < w->opts.n; i++) {
		const struct wopt *op = kstep_vec_at(&w->opts, i);

		if (op->id == KSTEP_DAT_CPUCOUNT && op->len >= 4 &&
		    kstep_get32(op->data, w->o.big_endian) > ncpu)
			ncpu = kstep_get32(op->data, w->o.big_endian);
	}
	if (!ncpu)
		ncpu = 1;
	blob_header_info(w, &b);
	blob_ftrace(w, &b);
	blob_events(w, &b);
	blob_sized32(w, &b, &w->kallsyms);
	blob_sized32(w, &b, &w->printk);
	blob_sized64(w, &b, &w->cmdlines);
	put_u32(&b, w, ncpu);
	kstep_sbuf_addn(&b, "options  ", 10);
	blob_options(w, &b);
	put_u16(&b, w, KSTEP_DAT_DONE);
	kstep_sbuf_addn(&b, "flyrecord", 10);
	/* the per-CPU table: data starts page-aligned after it and the clock */
	at = w->pos + b.len + 16ULL * ncpu;
	if (w->clock_text)
		at += 8 + strlen(w->clock_text);
	at = align_up(at, w->o.page_size);
	for (k = 0; k < (int)ncpu; k++) {
		uint64_t size = 0;

		for (i = 0; i < w->cpus.n; i++) {
			struct wcpu *c = kstep_vec_at(&w->cpus, i);

			if (c->cpu == k) {
				c->out_offset = at;
				size = c->size;
			}
		}
		put_u64(&b, w, at);
		put_u64(&b, w, size);
		at = align_up(at + size, w->o.page_size);
	}
	if (w->clock_text) {
		put_u64(&b, w, strlen(w->clock_text));
		kstep_sbuf_add(&b, w->clock_text);
	}
	if (wr_sbuf(w, &b))
		goto out;
	for (k = 0; k < (int)ncpu; k++) {
		for (i = 0; i < w->cpus.n; i++) {
			struct wcpu *c = kstep_vec_at(&w->cpus, i);

			if (c->cpu != k)
				continue;
			if (pad_to(w, c->out_offset) || copy_range(w, c->fd, c->offset, c->size))
				goto out;
		}
	}
	ret = 0;
out:
	kstep_sbuf_free(&b);
	return ret;
}

/* Version 7 */

static const char *const sec_names[] = { "options", "headers", "ftrace events", "events format",
					 "kallsyms", "printk", "command lines", "buffer flyrecord",
					 "strings" };

static uint32_t str_id(const char *name)
{
	uint32_t off = 0;
	size_t i;

	for (i = 0; i < KSTEP_ARRAY_SIZE(sec_names); i++) {
		if (!strcmp(sec_names[i], name))
			return off;
		off += (uint32_t)strlen(sec_names[i]) + 1;
	}
	return 0;
}

/* One section: header, then the content (compressed when zstd). */
static int section(struct kstep_datw *w, uint16_t id, const char *desc, const struct kstep_sbuf *content,
		   bool compress, uint64_t *offset)
{
	struct kstep_sbuf b = { 0 };
	char *z = NULL;
	size_t zlen = 0;
	int ret;

	if (offset)
		*offset = w->pos;
	if (compress) {
		size_t bound = ZSTD_compressBound(content->len);

		z = kstep_xmalloc(bound);
		zlen = ZSTD_compress(z, bound, kstep_sbuf_str(content), content->len, 3);
		if (ZSTD_isError(zlen)) {
			free(z);
			return wfail(w, "zstd: %s", ZSTD_getErrorName(zlen));
		}
	}
	put_u16(&b, w, id);
	put_u16(&b, w, compress ? KSTEP_DAT_SEC_COMPRESSED : 0);
	put_u32(&b, w, str_id(desc));
	put_u64(&b, w, compress ? 8 + zlen : content->len);
	if (compress) {
		put_u32(&b, w, (uint32_t)zlen);
		put_u32(&b, w, (uint32_t)content->len);
		kstep_sbuf_addn(&b, z, zlen);
	} else {
		kstep_sbuf_addn(&b, kstep_sbuf_str(content), content->len);
	}
	ret = wr_sbuf(w, &b);
	kstep_sbuf_free(&b);
	free(z);
	return ret;
}

static int meta_section(struct kstep_datw *w, uint16_t id, const char *desc,
			void (*fill)(const struct kstep_datw *, struct kstep_sbuf *), uint64_t *offset)
{
	struct kstep_sbuf b = { 0 };
	int ret;

	fill(w, &b);
	ret = section(w, id, desc, &b, w->zstd, offset);
	kstep_sbuf_free(&b);
	return ret;
}

static void fill_kallsyms(const struct kstep_datw *w, struct kstep_sbuf *b)
{
	blob_sized32(w, b, &w->kallsyms);
}

static void fill_printk(const struct kstep_datw *w, struct kstep_sbuf *b)
{
	blob_sized32(w, b, &w->printk);
}

static void fill_cmdlines(const struct kstep_datw *w, struct kstep_sbuf *b)
{
	blob_sized64(w, b, &w->cmdlines);
}

/* The first options section: section offsets, the caller's options, BUFFER, DONE. */
static void options_v7(struct kstep_datw *w, struct kstep_sbuf *b, const uint64_t *meta,
		       uint64_t buffer_sec)
{
	static const uint16_t ids[] = { KSTEP_DAT_HEADER_INFO, KSTEP_DAT_FTRACE_EVENTS,
					KSTEP_DAT_EVENT_FORMATS, KSTEP_DAT_KALLSYMS, KSTEP_DAT_PRINTK,
					KSTEP_DAT_CMDLINES };
	struct kstep_sbuf buf = { 0 };
	size_t i;

	for (i = 0; i < KSTEP_ARRAY_SIZE(ids); i++) {
		put_u16(b, w, ids[i]);
		put_u32(b, w, 8);
		put_u64(b, w, meta[i]);
	}
	blob_options(w, b);
	put_u64(&buf, w, buffer_sec);
	kstep_sbuf_addn(&buf, "", 1);
	kstep_sbuf_addn(&buf, w->clock[0] ? w->clock : "local", strlen(w->clock[0] ? w->clock : "local") + 1);
	put_u32(&buf, w, w->o.page_size);
	put_u32(&buf, w, (uint32_t)w->cpus.n);
	for (i = 0; i < w->cpus.n; i++) {
		const struct wcpu *c = kstep_vec_at(&w->cpus, i);

		put_u32(&buf, w, (uint32_t)c->cpu);
		put_u64(&buf, w, c->out_offset);
		put_u64(&buf, w, c->out_size);
	}
	put_u16(b, w, KSTEP_DAT_BUFFER);
	put_u32(b, w, (uint32_t)buf.len);
	kstep_sbuf_addn(b, buf.s, buf.len);
	kstep_sbuf_free(&buf);
	put_u16(b, w, KSTEP_DAT_DONE);
	put_u32(b, w, 8);
	put_u64(b, w, 0);
}

/* Where each CPU's data lands, after the buffer section header at sec. */
static uint64_t place_cpus(struct kstep_datw *w, uint64_t sec)
{
	uint64_t at = sec + 16;
	size_t i;

	for (i = 0; i < w->cpus.n; i++) {
		struct wcpu *c = kstep_vec_at(&w->cpus, i);

		at = align_up(at, w->o.page_size);
		c->out_offset = at;
		c->out_size = w->zstd ? c->zsize : c->size;
		at += c->out_size;
	}
	return at;
}

static int finish_v7(struct kstep_datw *w)
{
	struct kstep_sbuf b = { 0 }, opts = { 0 }, strings = { 0 };
	uint64_t meta[6], opt_off, buf_sec, end;
	char off8[8];
	size_t i;
	int ret = -1;

	kstep_sbuf_add(&b, w->zstd ? "zstd" : "none");
	kstep_sbuf_addn(&b, "", 1);
	kstep_sbuf_add(&b, w->zstd ? ZSTD_versionString() : "");
	kstep_sbuf_addn(&b, "", 1);
	if (wr_sbuf(w, &b))
		goto out;
	/* the first options section's offset, patched once known */
	opt_off = w->pos;
	put_u64(&opts, w, 0);
	if (wr_sbuf(w, &opts))
		goto out;
	kstep_sbuf_reset(&opts);
	if (meta_section(w, KSTEP_DAT_HEADER_INFO, "headers", blob_header_info, &meta[0]) ||
	    meta_section(w, KSTEP_DAT_FTRACE_EVENTS, "ftrace events", blob_ftrace, &meta[1]) ||
	    meta_section(w, KSTEP_DAT_EVENT_FORMATS, "events format", blob_events, &meta[2]) ||
	    meta_section(w, KSTEP_DAT_KALLSYMS, "kallsyms", fill_kallsyms, &meta[3]) ||
	    meta_section(w, KSTEP_DAT_PRINTK, "printk", fill_printk, &meta[4]) ||
	    meta_section(w, KSTEP_DAT_CMDLINES, "command lines", fill_cmdlines, &meta[5]))
		goto out;
	for (i = 0; i < w->cpus.n; i++)
		if (w->zstd && compress_cpu(w, kstep_vec_at(&w->cpus, i), -1))
			goto out;
	/* the options' size does not depend on the offsets they hold */
	options_v7(w, &opts, meta, 0);
	buf_sec = w->pos + 16 + opts.len;
	end = place_cpus(w, buf_sec);
	kstep_sbuf_reset(&opts);
	options_v7(w, &opts, meta, buf_sec);
	kstep_put64(off8, w->pos, w->o.big_endian);
	if (pwrite(w->fd, off8, 8, (off_t)opt_off) != 8) {
		ret = wfail(w, "cannot write: %s", strerror(errno));
		goto out;
	}
	if (section(w, KSTEP_DAT_DONE, "options", &opts, false, NULL))
		goto out;
	kstep_sbuf_reset(&b);
	put_u16(&b, w, KSTEP_DAT_BUFFER);
	put_u16(&b, w, w->zstd ? KSTEP_DAT_SEC_COMPRESSED : 0);
	put_u32(&b, w, str_id("buffer flyrecord"));
	put_u64(&b, w, end - (buf_sec + 16));
	if (wr_sbuf(w, &b))
		goto out;
	for (i = 0; i < w->cpus.n; i++) {
		struct wcpu *c = kstep_vec_at(&w->cpus, i);

		if (pad_to(w, c->out_offset))
			goto out;
		if (w->zstd ? copy_range(w, c->zfd, 0, c->zsize) : copy_range(w, c->fd, c->offset, c->size))
			goto out;
	}
	for (i = 0; i < KSTEP_ARRAY_SIZE(sec_names); i++)
		kstep_sbuf_addn(&strings, sec_names[i], strlen(sec_names[i]) + 1);
	if (section(w, KSTEP_DAT_STRINGS, "strings", &strings, false, NULL))
		goto out;
	ret = 0;
out:
	kstep_sbuf_free(&b);
	kstep_sbuf_free(&opts);
	kstep_sbuf_free(&strings);
	return ret;
}

static int write_header(struct kstep_datw *w)
{
	struct kstep_sbuf b = { 0 };
	int ret;

	kstep_sbuf_addn(&b, KSTEP_DAT_MAGIC, KSTEP_DAT_MAGIC_LEN);
	kstep_sbuf_addn(&b, w->o.version == 6 ? "6" : "7", 2);
	kstep_sbuf_addc(&b, w->o.big_endian ? 1 : 0);
	kstep_sbuf_addc(&b, (char)w->o.long_size);
	put_u32(&b, w, w->o.page_size);
	ret = wr_sbuf(w, &b);
	kstep_sbuf_free(&b);
	return ret;
}

int kstep_datw_check_path(const char *path, char *err, size_t errlen)
{
	char *dir = kstep_xstrdup(path), *slash = strrchr(dir, '/');
	const char *d = slash ? (slash == dir ? "/" : dir) : ".";
	struct stat st;
	int ret = -1;

	if (slash)
		*slash = '\0';
	if (!*path || path[strlen(path) - 1] == '/' || (!stat(path, &st) && S_ISDIR(st.st_mode))) {
		snprintf(err, errlen, "%s is a directory: give the name of a file to write (e.g. %s%strace.dat)",
			 path, path, *path && path[strlen(path) - 1] == '/' ? "" : "/");
	} else if (!stat(path, &st) && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a regular file: give the name of a file to write",
			 path);
	} else if (stat(d, &st) || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "cannot write %s: the directory %s does not exist", path, d);
	} else if (access(d, W_OK | X_OK)) {
		snprintf(err, errlen, "cannot write %s: no permission to create files in %s (%s)", path, d,
			 strerror(errno));
	} else {
		ret = 0;
	}
	free(dir);
	return ret;
}

/*
 * The file is first written without a name (O_TMPFILE), so that nothing is
 * left behind whatever kills the process; it gets a temporary name only
 * for the link-and-rename at the end, with SIGINT, SIGTERM and SIGHUP held
 * for those two calls. Where the file system has no unnamed files, a named
 * temporary file is written with those signals held throughout.
 */
/* Gives the unnamed file w->tmp's name (made unique here). */
static int link_tmp(struct kstep_datw *w)
{
	char proc[64], *x = w->tmp + strlen(w->tmp) - 6;
	int tries;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", w->fd);
	for (tries = 0; tries < 100; tries++) {
		unsigned v = (unsigned)getpid() * 2654435761u + (unsigned)tries * 40503u + (unsigned)time(NULL);

		snprintf(x, 7, "%06x", v & 0xffffff);
		if (!linkat(w->fd, "", AT_FDCWD, w->tmp, AT_EMPTY_PATH) ||
		    !linkat(AT_FDCWD, proc, AT_FDCWD, w->tmp, AT_SYMLINK_FOLLOW)) {
			w->linked = true;
			return 0;
		}
		if (errno != EEXIST)
			break;
	}
	wfail(w, "cannot give the written file a name (%s): %s", w->tmp, strerror(errno));
	free(w->tmp);
	w->tmp = NULL;
	return -1;
}

/* "DIR/.BASE.kstep-XXXXXX" next to path; the caller frees it. */
static char *tmp_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return kstep_xasprintf("./.%s.kstep-XXXXXX", path);
	return kstep_xasprintf("%.*s/.%s.kstep-XXXXXX", (int)(slash - path), path, slash + 1);
}

/* The directory path is in ("." or "/" or its leading part); the caller frees it. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return kstep_xstrdup(".");
	if (slash == path)
		return kstep_xstrdup("/");
	return kstep_xstrndup(path, (size_t)(slash - path));
}

static void hold_signals(struct kstep_datw *w, sigset_t *old)
{
	sigset_t block;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, old);
	w->held = true;
}

int kstep_datw_finish(struct kstep_datw *w, char *err, size_t errlen)
{
	char *dir = dir_of(w->path);
	sigset_t old;
	int ret = -1;

	w->err = err;
	w->errlen = errlen;
	free(w->tmp);
	w->tmp = tmp_name(w->path);
	w->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0644);
	free(dir);
	w->unnamed = w->fd >= 0;
	if (w->unnamed)
		fchmod(w->fd, 0644);
	if (!w->unnamed) {
		hold_signals(w, &old);
		w->fd = mkostemp(w->tmp, O_CLOEXEC);
		if (w->fd < 0) {
			wfail(w, "cannot create a temporary file (%s): %s", w->tmp, strerror(errno));
			free(w->tmp);
			w->tmp = NULL;
			goto out;
		}
		fchmod(w->fd, 0644);
	}
	w->pos = 0;
	if (write_header(w) || (w->o.version == 6 ? finish_v6(w) : finish_v7(w)))
		goto out;
	if (fsync(w->fd)) {
		wfail(w, "cannot write: %s", strerror(errno));
		goto out;
	}
	if (w->unnamed) {
		hold_signals(w, &old);
		if (link_tmp(w))
			goto out;
	}
	if (rename(w->tmp, w->path)) {
		wfail(w, "cannot rename %s to it: %s", w->tmp, strerror(errno));
		goto out;
	}
	free(w->tmp);
	w->tmp = NULL;
	w->done = true;
	ret = 0;
out:
	if (w->tmp && (!w->unnamed || ret)) {
		if (!w->unnamed || w->linked)
			unlink(w->tmp);
		free(w->tmp);
		w->tmp = NULL;
	}
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	if (w->held) {
		w->held = false;
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
	return ret;
}

void kstep_datw_free(struct kstep_datw *w)
{
	size_t i;

	if (!w)
		return;
	if (w->tmp) {
		unlink(w->tmp);
		free(w->tmp);
	}
	if (w->fd >= 0)
		close(w->fd);
	for (i = 0; i < w->formats.n; i++) {
		struct wblob *b = kstep_vec_at(&w->formats, i);

		free(b->system);
		free(b->data);
	}
	for (i = 0; i < w->opts.n; i++)
		free(((struct wopt *)kstep_vec_at(&w->opts, i))->data);
	for (i = 0; i < w->cpus.n; i++) {
		struct wcpu *c = kstep_vec_at(&w->cpus, i);

		if (c->zfd >= 0)
			close(c->zfd);
	}
	kstep_vec_free(&w->formats);
	kstep_vec_free(&w->opts);
	kstep_vec_free(&w->cpus);
	kstep_sbuf_free(&w->hpage);
	kstep_sbuf_free(&w->hevent);
	kstep_sbuf_free(&w->kallsyms);
	kstep_sbuf_free(&w->printk);
	kstep_sbuf_free(&w->cmdlines);
	free(w->clock_text);
	free(w->path);
	free(w);
}
