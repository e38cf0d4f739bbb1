// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * decode.c - value decoders and plugin lists.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "decode.h"
#include "plugins.h"
#include "util.h"

static const char *const suffixes[] = { ".isra.", ".constprop.", ".part.", ".cold", ".llvm.",
					".lto_priv.", ".localalias" };

const char *kstep_func_norm(const char *name, char *buf, size_t len)
{
	size_t n = strlen(name), i;

	/* every suffix starts with a dot: most names have none (called per value shown) */
	for (i = memchr(name, '.', n) ? 0 : KSTEP_ARRAY_SIZE(suffixes); i < KSTEP_ARRAY_SIZE(suffixes); i++) {
		const char *p = strstr(name, suffixes[i]);

		if (p && (size_t)(p - name) < n)
			n = (size_t)(p - name);
	}
	if (n >= len)
		n = len - 1;
	memcpy(buf, name, n);
	buf[n] = '\0';
	return buf;
}

bool kstep_func_same(const char *a, const char *b)
{
	char x[256], y[256];

	if (a == b)
		return true;
	if (!a || !b)
		return false;
	return !strcmp(kstep_func_norm(a, x, sizeof(x)), kstep_func_norm(b, y, sizeof(y)));
}

const char *const *kstep_list_get(const char *list)
{
	const struct kstep_list *l;

	for (l = kstep_lists; l->name; l++)
		if (!strcmp(l->name, list))
			return l->v;
	return NULL;
}

bool kstep_list_match(const char *list, const char *name)
{
	const char *const *v = kstep_list_get(list);
	char buf[256];

	if (!v || !name)
		return false;
	kstep_func_norm(name, buf, sizeof(buf));
	for (; *v; v++)
		if (kstep_glob(*v, buf) || kstep_glob(*v, name))
			return true;
	return false;
}

static const struct kstep_table *table(const char *name)
{
	const struct kstep_table *t;

	for (t = kstep_tables; t->name; t++)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

const char *kstep_const_name(const char *tname, long long v)
{
	const struct kstep_table *t = table(tname);
	const struct kstep_const *c;

	if (!t)
		return NULL;
	for (c = t->v; c->name; c++)
		if (c->value == v)
			return c->name;
	return NULL;
}

bool kstep_const_value(const char *tname, const char *name, long long *v)
{
	return tname && kstep_const_cname(tname, name, v);
}

const char *kstep_const_cname(const char *tname, const char *name, long long *v)
{
	const struct kstep_table *t;
	const struct kstep_const *c;

	for (t = kstep_tables; t->name; t++) {
		if (tname ? strcmp(t->name, tname) : !strcmp(t->name, "syscall"))
			continue;
		for (c = t->v; c->name; c++) {
			if (!strcmp(c->name, name)) {
				*v = c->value;
				return c->cname;
			}
		}
	}
	return NULL;
}

const char *kstep_errno_name(long long e)
{
	return kstep_const_name("errno", e);
}

const char *kstep_syscall_name(long long nr)
{
	return kstep_const_name("syscall", nr);
}

long long kstep_syscall_nr(const char *name)
{
	long long v;

	return kstep_const_value("syscall", name, &v) ? v : -1;
}

/* "A|B|0x40" for a flags table; rest is what no name covers. */
static void flags_text(const char *tname, uint64_t v, char *out, size_t len, size_t *n)
{
	const struct kstep_table *t = table(tname);
	const struct kstep_const *c;

	if (!t)
		return;
	for (c = t->v; c->name; c++) {
		uint64_t bit = (uint64_t)c->value;

		if (bit && (v & bit) == bit) {
			*n += (size_t)snprintf(out + *n, *n < len ? len - *n : 0, "%s%s", *n ? "|" : "",
					       c->name);
			v &= ~bit;
		}
	}
	if (v)
		*n += (size_t)snprintf(out + *n, *n < len ? len - *n : 0, "%s0x%llx", *n ? "|" : "",
				       (unsigned long long)v);
}

static bool enum_text(const char *tname, uint64_t v, char *out, size_t len)
{
	const char *name = kstep_const_name(tname, (long long)v);

	if (!name)
		return false;
	snprintf(out, len, "%s", name);
	return true;
}

static bool socktype_text(uint64_t v, char *out, size_t len)
{
	const char *base = kstep_const_name("socktype", (long long)(v & 0xf));
	size_t n = 0;

	if (!base)
		return false;
	n = (size_t)snprintf(out, len, "%s", base);
	flags_text("sockflags", v & ~(uint64_t)0xf, out, len, &n);
	return true;
}

static bool openflags_text(uint64_t v, char *out, size_t len)
{
	const char *mode = kstep_const_name("oaccmode", (long long)(v & 3));
	size_t n;

	if (!mode)
		return false;
	n = (size_t)snprintf(out, len, "%s", mode);
	flags_text("oflags", v & ~(uint64_t)3, out, len, &n);
	return true;
}

bool kstep_decode(const char *field, const char *where, uint64_t v,
		  const struct kstep_decode_ctx *ctx, char *out, size_t len)
{
	const struct kstep_fieldmap *m;
	const struct kstep_table *t;
	char norm[256];

	if (!field || !where)
		return false;
	kstep_func_norm(where, norm, sizeof(norm));
	for (m = kstep_fieldmap; m->field; m++) {
		if (strcmp(m->field, field) || !kstep_glob(m->where, norm))
			continue;
		if (!strcmp(m->table, "socktype"))
			return socktype_text(v, out, len);
		if (!strcmp(m->table, "openflags"))
			return openflags_text(v, out, len);
		if (!strcmp(m->table, "ipproto")) {
			/* protocol numbers mean IPPROTO_* only for inet sockets */
			long long inet = -1, inet6 = -1;

			kstep_const_value("af", "AF_INET", &inet);
			kstep_const_value("af", "AF_INET6", &inet6);
			if (ctx && ctx->have_family && ctx->family != inet && ctx->family != inet6)
				return false;
			return enum_text("ipproto", v, out, len);
		}
		t = table(m->table);
		if (!t)
			return false;
		if (t->kind == KSTEP_TBL_FLAGS) {
			size_t n = 0;

			flags_text(m->table, v, out, len, &n);
			return n > 0;
		}
		return enum_text(m->table, v, out, len);
	}
	return false;
}
