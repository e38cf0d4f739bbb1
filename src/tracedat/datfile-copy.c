// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * datfile-copy.c - a trace.dat rewritten through kstep's reader and writer
 * (kstep convert, kstep annotate): every page, format and option kept, in
 * another version or compression, optionally with one option replaced.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datfile.h"
#include "log.h"

/* Copies every page of CPU idx into an unlinked temporary file. */
static int spool_cpu(struct kstep_dat *dat, int idx, int *fd, uint64_t *size,
		     const struct kstep_dat_filter *f)
{
	uint32_t psize = kstep_dat_page_size(dat);
	unsigned char *copy = f && f->page ? kstep_xcalloc(1, psize) : NULL;
	int ncpus, cpu = kstep_dat_cpus(dat, &ncpus)[idx].cpu;
	char err[512];
	struct kstep_dat_pages *ps = kstep_dat_pages_open(dat, idx, err, sizeof(err));
	const unsigned char *page;
	uint64_t off;
	int r;

	*size = 0;
	*fd = open(P_tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (!ps || *fd < 0) {
		kstep_error("%s", ps ? strerror(errno) : err);
		kstep_dat_pages_close(ps);
		return -1;
	}
	while ((r = kstep_dat_pages_next(ps, &page, &off, err, sizeof(err))) > 0) {
		if (copy) {
			memcpy(copy, page, psize);
			if (f->page(f->ctx, cpu, copy, psize)) {
				r = -1;
				err[0] = '\0';
				break;
			}
			page = copy;
		}
		if (write(*fd, page, psize) != (ssize_t)psize) {
			kstep_error("cannot write a temporary file: %s", strerror(errno));
			r = -1;
			break;
		}
		*size += psize;
	}
	if (r < 0 && err[0])
		kstep_error("%s", err);
	free(copy);
	kstep_dat_pages_close(ps);
	return r < 0 ? -1 : 0;
}

/* The filter's replacement of one metadata text, or the text itself. */
static void put_text(const struct kstep_dat_filter *f, enum kstep_dat_id id, const char *d, size_t len,
		     void (*put)(struct kstep_datw *, const char *, size_t), struct kstep_datw *w)
{
	size_t nlen = 0;
	char *n = f && f->text && d ? f->text(f->ctx, id, d, len, &nlen) : NULL;

	if (n)
		put(w, n, nlen);
	else
		put(w, d, len);
	free(n);
}

/* One option through the filter: kept, replaced or dropped. */
static void put_option(const struct kstep_dat_filter *f, struct kstep_datw *w, uint16_t id,
		       const void *data, size_t len)
{
	char *n = NULL;
	size_t nlen = 0;
	int r = f && f->option ? f->option(f->ctx, id, data, len, &n, &nlen) : 0;

	if (r == 0)
		kstep_datw_option(w, id, data, len);
	else if (r > 0)
		kstep_datw_option(w, id, n, nlen);
	free(n);
}

/* Everything but the CPU data, through the filter (which may be NULL). */
static void copy_meta(struct kstep_dat *dat, struct kstep_datw *w, const struct kstep_dat_filter *f)
{
	const struct kstep_dat_blob *fmts;
	const struct kstep_dat_rawopt *raw;
	const char *d, *stat;
	size_t len, n, i;
	char c4[4];

	kstep_dat_header_page(dat, &d, &len);
	kstep_datw_header_page(w, d ? d : "", len);
	kstep_dat_header_event(dat, &d, &len);
	kstep_datw_header_event(w, d ? d : "", len);
	fmts = kstep_dat_formats(dat, &n);
	for (i = 0; i < n; i++)
		kstep_datw_add_format(w, fmts[i].system, fmts[i].data, fmts[i].len);
	kstep_dat_kallsyms(dat, &d, &len);
	put_text(f, KSTEP_DAT_KALLSYMS, d, len, kstep_datw_kallsyms, w);
	kstep_dat_printk(dat, &d, &len);
	put_text(f, KSTEP_DAT_PRINTK, d, len, kstep_datw_printk, w);
	kstep_dat_cmdlines(dat, &d, &len);
	put_text(f, KSTEP_DAT_CMDLINES, d, len, kstep_datw_cmdlines, w);
	if (kstep_dat_clock(dat)) {
		char *text = kstep_xasprintf("[%s]", kstep_dat_clock(dat));

		kstep_datw_clock(w, text);
		free(text);
	}
	if ((d = kstep_dat_uname(dat)))
		put_option(f, w, KSTEP_DAT_UNAME, d, strlen(d) + 1);
	if ((d = kstep_dat_tracer_version(dat)))
		put_option(f, w, KSTEP_DAT_VERSION, d, strlen(d) + 1);
	for (i = 0; (stat = kstep_dat_cpustat(dat, i)); i++)
		put_option(f, w, KSTEP_DAT_CPUSTAT, stat, strlen(stat) + 1);
	kstep_put32(c4, kstep_dat_cpucount(dat), kstep_dat_big_endian(dat));
	kstep_datw_option(w, KSTEP_DAT_CPUCOUNT, c4, 4);
	raw = kstep_dat_rawopts(dat, &n);
	for (i = 0; i < n; i++)
		put_option(f, w, raw[i].id, raw[i].data, raw[i].len);
}

int kstep_dat_copy_filtered(const char *in, const char *out, int version, const char *comp,
			    const struct kstep_dat_filter *f)
{
	char err[1024];
	struct kstep_dat *dat = kstep_dat_open(in, err, sizeof(err));
	const struct kstep_dat_cpu *cpus;
	struct kstep_datw *w = NULL;
	struct kstep_datw_opts o;
	int n = 0, i, *fds = NULL, ret = -1;

	if (!dat) {
		kstep_error("%s", err);
		return -1;
	}
	if (f && f->begin && f->begin(f->ctx, dat))
		goto out;
	o = (struct kstep_datw_opts){ .version = version ? version : kstep_dat_version(dat),
				      .compression = comp ? comp : kstep_dat_compression(dat),
				      .big_endian = kstep_dat_big_endian(dat),
				      .long_size = kstep_dat_long_size(dat),
				      .page_size = kstep_dat_page_size(dat) };
	w = kstep_datw_new(out, &o, err, sizeof(err));
	if (!w) {
		kstep_error("%s", err);
		goto out;
	}
	copy_meta(dat, w, f);
	if (f && f->add)
		kstep_datw_option(w, f->add_id, f->add, f->add_len);
	cpus = kstep_dat_cpus(dat, &n);
	fds = kstep_xcalloc((size_t)n, sizeof(*fds));
	for (i = 0; i < n; i++)
		fds[i] = -1;
	for (i = 0; i < n; i++) {
		uint64_t size;

		/* the copy cannot hold what the reader cannot reach: say so */
		if (cpus[i].unlisted)
			kstep_warning("%s: CPU %d: %" PRIu64 " bytes of data are not in its chunk table "
				      "(a damaged chunk count): the copy leaves their events out", in,
				      cpus[i].cpu, cpus[i].unlisted);
		if (cpus[i].missing)
			kstep_warning("%s: CPU %d: the file is cut short: the copy lacks the end of its data",
				      in, cpus[i].cpu);
		if (!cpus[i].data_size)
			continue;
		if (spool_cpu(dat, i, &fds[i], &size, f) ||
		    kstep_datw_cpu(w, cpus[i].cpu, fds[i], 0, size))
			goto out;
	}
	if (kstep_datw_finish(w, err, sizeof(err))) {
		kstep_error("%s", err);
		goto out;
	}
	ret = 0;
out:
	for (i = 0; fds && i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
	kstep_datw_free(w);
	kstep_dat_close(dat);
	return ret;
}

/* Replaces one option: the old one is dropped, the new one added. */
static int replace_option(void *ctx, uint16_t id, const void *data, size_t len, char **out,
			  size_t *outlen)
{
	(void)data;
	(void)len;
	(void)out;
	(void)outlen;
	return id == *(const uint16_t *)ctx ? -1 : 0;
}

int kstep_dat_copy(const char *in, const char *out, int version, const char *comp, uint16_t opt_id,
		   const void *opt, size_t opt_len)
{
	struct kstep_dat_filter f = { .ctx = &opt_id, .option = replace_option, .add_id = opt_id,
				      .add = opt, .add_len = opt_len };

	return kstep_dat_copy_filtered(in, out, version, comp, opt ? &f : NULL);
}
