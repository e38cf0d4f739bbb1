// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kopts.c - kstep's own trace.dat options (see kopts.h).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kopts.h"
#include "util.h"

/* The text of a string option, NUL-terminated within its length; NULL when absent. */
static char *text_of(const struct kstep_dat *dat, enum kstep_dat_kopt id)
{
	const struct kstep_dat_rawopt *o = kstep_dat_rawopt(dat, id);

	return o ? kstep_xstrndup(o->data, strnlen(o->data, o->len)) : NULL;
}

char *kstep_kopts_objects(const struct kstep_dat *dat)
{
	return text_of(dat, KSTEP_KOPT_OBJECTS);
}

char *kstep_kopts_slabs(const struct kstep_dat *dat)
{
	return text_of(dat, KSTEP_KOPT_SLABS);
}

char *kstep_kopts_defines(const struct kstep_dat *dat)
{
	return text_of(dat, KSTEP_KOPT_DEFINES);
}

char *kstep_kopts_lookups(const struct kstep_dat *dat)
{
	return text_of(dat, KSTEP_KOPT_LOOKUPS);
}

char *kstep_kopts_kversion(const struct kstep_dat *dat)
{
	return text_of(dat, KSTEP_KOPT_KVERSION);
}

/* Whether the line [p, end) names cache among its members (after the ID). */
static bool line_has(const char *p, const char *end, const char *cache, size_t clen)
{
	const char *w = memchr(p, ' ', (size_t)(end - p));

	while (w && w < end) {
		const char *e;

		w++;
		e = memchr(w, ' ', (size_t)(end - w));
		if (!e)
			e = end;
		if ((size_t)(e - w) == clen && !memcmp(w, cache, clen))
			return true;
		w = e < end ? e : NULL;
	}
	return false;
}

bool kstep_kopts_slab_aliases(const char *slabs, const char *cache, char *out, size_t len)
{
	size_t clen = strlen(cache), n = 0;
	const char *p = slabs;

	if (!p || !clen || !len)
		return false;
	while (*p) {
		const char *end = strchr(p, '\n'), *w;

		if (!end)
			end = p + strlen(p);
		if (line_has(p, end, cache, clen)) {
			out[0] = '\0';
			for (w = memchr(p, ' ', (size_t)(end - p)); w && w < end;) {
				const char *e = memchr(w + 1, ' ', (size_t)(end - w - 1));

				if (!e)
					e = end;
				if ((size_t)(e - w - 1) != clen || memcmp(w + 1, cache, clen))
					n += (size_t)snprintf(out + (n < len ? n : len - 1), n < len ? len - n : 1,
							      "%s%.*s", n ? ", " : "", (int)(e - w - 1), w + 1);
				w = e < end ? e : NULL;
			}
			return n > 0;
		}
		p = *end ? end + 1 : end;
	}
	return false;
}

char *kstep_kopts_plan_text(const struct kstep_dat *dat)
{
	return text_of(dat, KSTEP_KOPT_PLAN_APPLIED);
}

static void read_command(const struct kstep_dat *dat, struct kstep_kopts *k)
{
	const struct kstep_dat_rawopt *o = kstep_dat_rawopt(dat, KSTEP_KOPT_COMMAND);
	bool be = kstep_dat_big_endian(dat);
	uint32_t argc, i;
	size_t pos = 8, n = 0;

	if (!o || o->len < 8)
		return;
	k->traced_pid = (int)kstep_get32(o->data, be);
	argc = kstep_get32(o->data + 4, be);
	for (i = 0; i < argc && pos < o->len; i++) {
		size_t l = strnlen(o->data + pos, o->len - pos);

		n += (size_t)snprintf(k->traced_cmd + n, n < sizeof(k->traced_cmd) ?
				      sizeof(k->traced_cmd) - n : 0, "%s%.*s", i ? " " : "", (int)l,
				      o->data + pos);
		if (n >= sizeof(k->traced_cmd))
			break;
		pos += l + 1;
	}
}

static void read_exit(const struct kstep_dat *dat, struct kstep_kopts *k)
{
	const struct kstep_dat_rawopt *o = kstep_dat_rawopt(dat, KSTEP_KOPT_EXIT);
	bool be = kstep_dat_big_endian(dat);

	if (!o || o->len < 8)
		return;
	k->have_exit = true;
	k->exit_code = (int)(int32_t)kstep_get32(o->data, be);
	k->exit_signal = (int)(int32_t)kstep_get32(o->data + 4, be);
}

static void read_build_id(const struct kstep_dat *dat, struct kstep_kopts *k)
{
	char *t = text_of(dat, KSTEP_KOPT_BUILD_ID);
	size_t i;

	if (!t)
		return;
	for (i = 0; t[i]; i++)
		if (!isxdigit((unsigned char)t[i]))
			break;
	/* not what kstep writes: say nothing rather than garbage */
	if (!t[i])
		snprintf(k->build_id, sizeof(k->build_id), "%s", t);
	free(t);
}

/* The applied plan: "# plan NAME as applied...", items, "# skipped: ..." lines. */
static void read_plan(const struct kstep_dat *dat, struct kstep_kopts *k)
{
	char *t = text_of(dat, KSTEP_KOPT_PLAN_APPLIED), *p, *nl;

	if (!t)
		return;
	if (sscanf(t, "# plan %63s", k->plan) != 1)
		snprintf(k->plan, sizeof(k->plan), "?");
	for (p = t; *p; p = nl ? nl + 1 : p + strlen(p)) {
		nl = strchr(p, '\n');
		if (!strncmp(p, "# skipped:", 10))
			k->plan_skipped++;
		else if (*p != '#' && *p != '\n')
			k->plan_applied++;
	}
	free(t);
}

void kstep_kopts_read(const struct kstep_dat *dat, struct kstep_kopts *k)
{
	char *v = text_of(dat, KSTEP_KOPT_VERSION);

	memset(k, 0, sizeof(*k));
	if (v)
		snprintf(k->version, sizeof(k->version), "%s", v);
	free(v);
	read_command(dat, k);
	read_exit(dat, k);
	read_build_id(dat, k);
	read_plan(dat, k);
}

/* Parses one plan line; false when it is no probe with an event. */
static bool probe_line(char *line, struct kstep_kopt_probe *p)
{
	char *hash = strstr(line, "  # "), *ev, *plus, *colon;
	size_t kl = strcspn(line, " ");

	if (!hash || !(ev = strstr(hash, "event ")) || kl == 0 || kl >= sizeof(p->kind) || *line == '#')
		return false;
	memset(p, 0, sizeof(*p));
	snprintf(p->kind, sizeof(p->kind), "%.*s", (int)kl, line);
	snprintf(p->event, sizeof(p->event), "%.*s", (int)strcspn(ev + 6, " \t"), ev + 6);
	/* uprobes name where they sit: "PATH+0xOFF event NAME" */
	if (ev > hash + 4 && (plus = strstr(hash + 4, "+0x")) && plus < ev) {
		snprintf(p->path, sizeof(p->path), "%.*s", (int)(plus - hash - 4), hash + 4);
		p->off = strtoull(plus + 3, NULL, 16);
	}
	line += kl;
	line += strspn(line, " ");
	colon = strchr(line, ':');
	if (colon && colon < hash && (!strncmp(p->kind, "uprobe", 6) || !strncmp(p->kind, "uretprobe", 9)))
		line = colon + 1;
	snprintf(p->target, sizeof(p->target), "%.*s", (int)strcspn(line, " "), line);
	return true;
}

size_t kstep_kopts_probes(const struct kstep_dat *dat, struct kstep_kopt_probe **out)
{
	char *t = text_of(dat, KSTEP_KOPT_PLAN_APPLIED), *line, *save = NULL;
	size_t n = 0;

	*out = NULL;
	if (!t)
		return 0;
	for (line = strtok_r(t, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct kstep_kopt_probe p;

		if (!probe_line(line, &p))
			continue;
		*out = kstep_xrealloc(*out, (n + 1) * sizeof(**out));
		(*out)[n++] = p;
	}
	free(t);
	return n;
}

void kstep_kopts_build_id_of(const struct kstep_dat *dat, const char *path, char *out, size_t len)
{
	char *t = text_of(dat, KSTEP_KOPT_MAPS), *line, *save = NULL;

	out[0] = '\0';
	if (!t)
		return;
	for (line = strtok_r(t, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char id[129];
		int at = 0;

		if (sscanf(line, "# build-id %128s %n", id, &at) == 1 && at && !strcmp(line + at, path) &&
		    strcmp(id, "none")) {
			snprintf(out, len, "%s", id);
			break;
		}
	}
	free(t);
}

void kstep_kopts_write_command(struct kstep_datw *w, int pid, char *const *argv)
{
	struct kstep_sbuf b = { 0 };
	unsigned char hdr[8];
	uint32_t argc = 0;

	kstep_put32(hdr, (uint32_t)pid, false);
	kstep_put32(hdr + 4, 0, false);
	kstep_sbuf_addn(&b, (const char *)hdr, 8);
	for (; argv && *argv; argv++, argc++)
		kstep_sbuf_addn(&b, *argv, strlen(*argv) + 1);
	kstep_put32(b.s + 4, argc, false);
	kstep_datw_option(w, KSTEP_KOPT_COMMAND, b.s, b.len);
	kstep_sbuf_free(&b);
}

void kstep_kopts_write_exit(struct kstep_datw *w, int code, int sig)
{
	unsigned char hdr[8];

	kstep_put32(hdr, (uint32_t)code, false);
	kstep_put32(hdr + 4, (uint32_t)sig, false);
	kstep_datw_option(w, KSTEP_KOPT_EXIT, hdr, 8);
}

void kstep_kopts_write_text(struct kstep_datw *w, enum kstep_dat_kopt id, const char *text)
{
	kstep_datw_option(w, id, text, strlen(text) + 1);
}

void kstep_kopts_build_id_line(char *out, size_t len, const char *build_id, const char *path)
{
	snprintf(out, len, "# build-id %s %s\n", build_id, path);
}
