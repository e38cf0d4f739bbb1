// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * slabs.c - the merge groups of the slab caches, from sysfs and slabinfo.
 */
#include "config.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "slabs.h"
#include "util.h"

struct member {
	char *target;		/* the group's directory, e.g. ":A-0001152" */
	char *name;
	int owner;		/* listed in slabinfo: the name the events print */
};

/* A cache name is kept only as one plain word: it goes into a line format. */
static int plain_word(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

static int cmp_member(const void *a, const void *b)
{
	const struct member *x = a, *y = b;
	int c = strcmp(x->target, y->target);

	if (c)
		return c;
	if (x->owner != y->owner)
		return y->owner - x->owner;
	return strcmp(x->name, y->name);
}

/* Whether slabinfo (its lines after the two headers) lists name in column 1. */
static int listed(const char *slabinfo, const char *name)
{
	const char *p = slabinfo;
	size_t n = strlen(name);

	while (p && *p) {
		if (!strncmp(p, name, n) && (p[n] == ' ' || p[n] == '\t'))
			return 1;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	struct kstep_sbuf b = { 0 };
	char buf[4096];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		kstep_sbuf_addn(&b, buf, n);
	fclose(f);
	return b.s ? kstep_sbuf_steal(&b) : kstep_xstrdup("");
}

static void add_member(struct kstep_vec *v, const char *dir, const char *name, const char *slabinfo)
{
	char path[PATH_MAX], target[256];
	const char *base;
	struct member *m;
	ssize_t n;

	if (!plain_word(name) || snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return;
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return;		/* a directory: a cache of its own */
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (!plain_word(base))
		return;
	m = kstep_vec_push(v);
	m->target = kstep_xstrdup(base);
	m->name = kstep_xstrdup(name);
	m->owner = slabinfo && listed(slabinfo, name);
}

/* Writes each group of two or more members as one line. */
static void write_groups(struct kstep_sbuf *b, const struct member *m, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t j = i + 1, k;

		while (j < n && !strcmp(m[j].target, m[i].target))
			j++;
		if (j - i >= 2) {
			kstep_sbuf_addf(b, "%s", m[i].target);
			for (k = i; k < j; k++)
				kstep_sbuf_addf(b, " %s", m[k].name);
			kstep_sbuf_add(b, "\n");
		}
		i = j;
	}
}

char *kstep_slabs_merged(const char *sysdir, const char *slabinfo_path)
{
	char *slabinfo = read_text(slabinfo_path);
	struct kstep_vec v;
	struct kstep_sbuf b = { 0 };
	struct dirent *de;
	DIR *d = opendir(sysdir);
	size_t i;

	kstep_vec_init(&v, sizeof(struct member));
	if (!d)
		goto out;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && de->d_name[0] != ':')
			add_member(&v, sysdir, de->d_name, slabinfo);
	closedir(d);
	if (v.n)
		qsort(v.v, v.n, sizeof(struct member), cmp_member);
	write_groups(&b, v.v, v.n);
out:
	for (i = 0; i < v.n; i++) {
		struct member *m = kstep_vec_at(&v, i);

		free(m->target);
		free(m->name);
	}
	kstep_vec_free(&v);
	free(slabinfo);
	return b.len ? kstep_sbuf_steal(&b) : NULL;
}
