// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * datfile-copy.c - a trace.dat rewritten through kstep's reader and writer
 * (kstep convert, kstep annotate): every page, format and option kept, in
 * another version or compression, optionally with one option replaced.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datfile.h"
#include "log.h"

/* Copies every page of CPU idx into an unlinked temporary file. */
static int spool_cpu(struct kstep_dat *dat, int idx, int *fd, uint64_t *size)
{
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
		if (write(*fd, page, kstep_dat_page_size(dat)) != (ssize_t)kstep_dat_page_size(dat)) {
			kstep_error("cannot write a temporary file: %s", strerror(errno));
			r = -1;
			break;
		}
		*size += kstep_dat_page_size(dat);
	}
	if (r < 0 && err[0])
		kstep_error("%s", err);
	kstep_dat_pages_close(ps);
	return r < 0 ? -1 : 0;
}

/* Everything but the CPU data; an option with id skip (0: none) is left out. */
static void copy_meta(struct kstep_dat *dat, struct kstep_datw *w, uint16_t skip)
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
	kstep_datw_kallsyms(w, d, len);
	kstep_dat_printk(dat, &d, &len);
	kstep_datw_printk(w, d, len);
	kstep_dat_cmdlines(dat, &d, &len);
	kstep_datw_cmdlines(w, d, len);
	if (kstep_dat_clock(dat)) {
		char *text = kstep_xasprintf("[%s]", kstep_dat_clock(dat));

		kstep_datw_clock(w, text);
		free(text);
	}
	if ((d = kstep_dat_uname(dat)))
		kstep_datw_option(w, KSTEP_DAT_UNAME, d, strlen(d) + 1);
	if ((d = kstep_dat_tracer_version(dat)))
		kstep_datw_option(w, KSTEP_DAT_VERSION, d, strlen(d) + 1);
	for (i = 0; (stat = kstep_dat_cpustat(dat, i)); i++)
		kstep_datw_option(w, KSTEP_DAT_CPUSTAT, stat, strlen(stat) + 1);
	kstep_put32(c4, kstep_dat_cpucount(dat), kstep_dat_big_endian(dat));
	kstep_datw_option(w, KSTEP_DAT_CPUCOUNT, c4, 4);
	raw = kstep_dat_rawopts(dat, &n);
	for (i = 0; i < n; i++)
		if (!skip || raw[i].id != skip)
			kstep_datw_option(w, raw[i].id, raw[i].data, raw[i].len);
}

int kstep_dat_copy(const char *in, const char *out, int version, const char *comp, uint16_t opt_id,
		   const void *opt, size_t opt_len)
{
	char err[1024];
	struct kstep_dat *dat = kstep_dat_open(in, err, sizeof(err));
	const struct kstep_dat_cpu *cpus;
	struct kstep_datw *w = NULL;
	struct kstep_datw_opts o;
	int n, i, *fds = NULL, ret = -1;

	if (!dat) {
		kstep_error("%s", err);
		return -1;
	}
	o = (struct kstep_datw_opts){ .version = version, .compression = comp,
				      .big_endian = kstep_dat_big_endian(dat),
				      .long_size = kstep_dat_long_size(dat),
				      .page_size = kstep_dat_page_size(dat) };
	w = kstep_datw_new(out, &o, err, sizeof(err));
	if (!w) {
		kstep_error("%s", err);
		goto out;
	}
	copy_meta(dat, w, opt ? opt_id : 0);
	if (opt)
		kstep_datw_option(w, opt_id, opt, opt_len);
	cpus = kstep_dat_cpus(dat, &n);
	fds = kstep_xcalloc((size_t)n, sizeof(*fds));
	for (i = 0; i < n; i++) {
		uint64_t size;

		fds[i] = -1;
		if (!cpus[i].data_size)
			continue;
		if (spool_cpu(dat, i, &fds[i], &size) || kstep_datw_cpu(w, cpus[i].cpu, fds[i], 0, size))
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

