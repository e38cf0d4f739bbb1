// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd-convert.c - kstep convert IN -o OUT: rewrite a trace.dat in another
 * version or compression with kstep's own reader and writer.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "datfile.h"
#include "log.h"

static const char usage[] =
	"usage: kstep convert [--file-version 6|7] [--compression zstd|none] IN -o OUT\n"
	"\n"
	"Rewrite a trace.dat (version 6 or 7, zstd or not) as another version or\n"
	"compression, keeping every event page, format, option and kstep's own\n"
	"records. OUT is written under a temporary name and renamed when complete.\n"
	"Defaults: version 7, zstd.\n";

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

static void copy_meta(struct kstep_dat *dat, struct kstep_datw *w)
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
		kstep_datw_option(w, raw[i].id, raw[i].data, raw[i].len);
}

static int convert(const char *in, const char *out, int version, const char *comp)
{
	char err[1024];
	struct kstep_dat *dat = kstep_dat_open(in, err, sizeof(err));
	const struct kstep_dat_cpu *cpus;
	struct kstep_datw *w = NULL;
	struct kstep_datw_opts o;
	int n, i, *fds = NULL, ret = KSTEP_EXIT_ERROR;

	if (!dat) {
		kstep_error("%s", err);
		return KSTEP_EXIT_ERROR;
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
	copy_meta(dat, w);
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
	ret = KSTEP_EXIT_OK;
out:
	for (i = 0; fds && i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
	kstep_datw_free(w);
	kstep_dat_close(dat);
	return ret;
}

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file-version", required_argument, NULL, 'V' },
		{ "compression", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *comp = "zstd";
	int version = 7, c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'V':
			version = atoi(optarg);
			if (version != 6 && version != 7) {
				kstep_error("--file-version takes 6 or 7");
				return KSTEP_EXIT_ERROR;
			}
			break;
		case 'c':
			if (strcmp(optarg, "zstd") && strcmp(optarg, "none")) {
				kstep_error("--compression takes zstd or none");
				return KSTEP_EXIT_ERROR;
			}
			comp = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return KSTEP_EXIT_OK;
		default:
			fputs(usage, stderr);
			return KSTEP_EXIT_ERROR;
		}
	}
	if (optind + 1 != argc || !out) {
		kstep_error("convert takes one input file and -o OUT (see kstep help convert)");
		return KSTEP_EXIT_ERROR;
	}
	return convert(argv[optind], out, version, comp);
}

const struct kstep_cmd kstep_cmd_convert = {
	.name = "convert",
	.run = run,
	.summary = "rewrite a trace.dat as version 6 or 7, compressed or not",
	.usage = usage,
};
