// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * btfobj.c - object reads resolved from BTF (see btfobj.h). The layout lines:
 *
 *   object EVENT BASE STRUCT FUNC entry|return PATH
 *   field EVENT ARG FIELD KIND SIZE TYPE BITOFF   KIND: int uint enum ptr fptr
 *   enum TYPE VALUE NAME
 *
 * BASE and ARG name the event's fetch arguments holding the object's
 * address and each field's value.
 */
#include "config.h"

#include "btfobj.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "util.h"

static const char *const arg_regs[] = { "%di", "%si", "%dx", "%cx", "%r8", "%r9" };

static const struct btf_type *skip_mods(const struct btf *btf, __u32 *id)
{
	const struct btf_type *t = btf__type_by_id(btf, *id);

	while (t && (btf_is_typedef(t) || btf_is_const(t) || btf_is_volatile(t) || btf_is_restrict(t) ||
		     btf_is_type_tag(t))) {
		*id = t->type;
		t = btf__type_by_id(btf, *id);
	}
	return t;
}

/* The part of a member name after its first '_' ("sk_state" -> "state"), "" when none. */
static const char *after_prefix(const char *name)
{
	const char *us = strchr(name, '_');

	return us ? us + 1 : "";
}

struct member {
	__u32 bitoff;	/* from the struct's start */
	__u32 bits;	/* bitfield width, 0 when not a bitfield */
	__u32 type;
};

/*
 * Finds member name in struct sid, also inside anonymous members, and
 * through the kernel's #define aliases into a named common part:
 * sock.sk_state is __sk_common.skc_state (same name after the prefix).
 */
static int find_member(const struct btf *btf, __u32 sid, const char *name, bool alias, struct member *out)
{
	const struct btf_type *t = skip_mods(btf, &sid);
	const struct btf_member *m;
	__u16 i, n;

	if (!t || !(btf_is_struct(t) || btf_is_union(t)))
		return -1;
	m = btf_members(t);
	n = btf_vlen(t);
	for (i = 0; i < n; i++, m++) {
		const char *mname = btf__name_by_offset(btf, m->name_off);
		struct member sub;

		if (mname && *mname && !strcmp(mname, name)) {
			out->bitoff = btf_member_bit_offset(t, i);
			out->bits = btf_member_bitfield_size(t, i);
			out->type = m->type;
			return 0;
		}
		if ((!mname || !*mname) && !find_member(btf, m->type, name, alias, &sub)) {
			out->bitoff = btf_member_bit_offset(t, i) + sub.bitoff;
			out->bits = sub.bits;
			out->type = sub.type;
			return 0;
		}
	}
	if (!alias || !*after_prefix(name))
		return -1;
	m = btf_members(t);
	for (i = 0; i < n; i++, m++) {
		const char *mname = btf__name_by_offset(btf, m->name_off);
		__u32 mt = m->type;
		const struct btf_type *st = skip_mods(btf, &mt);
		const struct btf_member *sm;
		__u16 k, sn;

		if (!mname || !*mname || !st || !btf_is_struct(st))
			continue;
		sm = btf_members(st);
		sn = btf_vlen(st);
		for (k = 0; k < sn; k++, sm++) {
			const char *sname = btf__name_by_offset(btf, sm->name_off);

			if (sname && *sname && !strcmp(after_prefix(sname), after_prefix(name)) &&
			    !strncmp(sname, name, (size_t)(after_prefix(name) - name - 1))) {
				out->bitoff = btf_member_bit_offset(t, i) + btf_member_bit_offset(st, k);
				out->bits = btf_member_bitfield_size(st, k);
				out->type = sm->type;
				return 0;
			}
		}
	}
	return -1;
}

static const char *struct_name(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = skip_mods(btf, &id);
	const char *n = t ? btf__name_by_offset(btf, t->name_off) : NULL;

	return n && *n ? n : "?";
}

/* The struct a pointer type points at, or -1. */
static int pointee_struct(const struct btf *btf, __u32 id, __u32 *sid)
{
	const struct btf_type *t = skip_mods(btf, &id), *s;

	if (!t || !btf_is_ptr(t))
		return -1;
	*sid = t->type;
	s = skip_mods(btf, sid);
	return s && (btf_is_struct(s) || btf_is_union(s)) ? 0 : -1;
}

/* The enum holding an enumerator of that name (sk_state:TCP_CLOSE), or -1. */
static int enum_with(const struct btf *btf, const char *enumerator, __u32 *id)
{
	__u32 i, n = btf__type_cnt(btf);

	for (i = 1; i < n; i++) {
		const struct btf_type *t = btf__type_by_id(btf, i);
		const struct btf_enum *e;
		__u16 k;

		if (!btf_is_enum(t))
			continue;
		e = btf_enum(t);
		for (k = 0; k < btf_vlen(t); k++, e++)
			if (!strcmp(btf__name_by_offset(btf, e->name_off), enumerator)) {
				*id = i;
				return 0;
			}
	}
	return -1;
}

/* The first name on the way from id to its base type (a typedef of an anonymous enum). */
static const char *type_name(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	while (t) {
		const char *n = btf__name_by_offset(btf, t->name_off);

		if (n && *n)
			return n;
		if (!(btf_is_typedef(t) || btf_is_const(t) || btf_is_volatile(t) || btf_is_restrict(t) ||
		      btf_is_type_tag(t)))
			break;
		t = btf__type_by_id(btf, t->type);
	}
	return "";
}

/* Adds the enum's lines once; an anonymous enum is named after one of its enumerators. */
static void add_enum(const struct btf *btf, __u32 id, const char *tname, struct kstep_sbuf *lay)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_enum *e = btf_enum(t);
	__u16 k;

	for (k = 0; k < btf_vlen(t); k++, e++)
		kstep_sbuf_addf(lay, "enum %s %d %s\n", tname, e->val, btf__name_by_offset(btf, e->name_off));
}

/* One field: its fetch argument and its layout line. */
static int add_field(const struct btf *btf, __u32 sid, const char *spec, const char *base, const char *event,
		     const char *prefix, struct kstep_sbuf *fetch, struct kstep_sbuf *lay, char *err,
		     size_t errlen)
{
	char name[64], *colon;
	const char *enumerator = NULL, *kind, *tname = "-";
	struct member m;
	const struct btf_type *t;
	__u32 tid, eid = 0, size, off;
	char type[24], tbuf[96];

	snprintf(name, sizeof(name), "%s", spec);
	colon = strchr(name, ':');
	if (colon) {
		*colon = '\0';
		enumerator = colon + 1;
	}
	if (find_member(btf, sid, name, true, &m)) {
		snprintf(err, errlen, "struct %s has no field %s in this kernel's BTF", struct_name(btf, sid), name);
		return -1;
	}
	tid = m.type;
	t = skip_mods(btf, &tid);
	if (!t) {
		snprintf(err, errlen, "struct %s: field %s has no type in BTF", struct_name(btf, sid), name);
		return -1;
	}
	size = t->size;
	if (btf_is_ptr(t)) {
		__u32 pid = t->type;
		const struct btf_type *pt = skip_mods(btf, &pid);

		kind = pt && btf_is_func_proto(pt) ? "fptr" : "ptr";
		if (pt && (btf_is_struct(pt) || btf_is_union(pt)))
			tname = struct_name(btf, pid);
		size = 8;
		snprintf(type, sizeof(type), "x64");
	} else if (btf_is_enum(t) || btf_is_int(t)) {
		bool sign = btf_is_int(t) && (btf_int_encoding(t) & BTF_INT_SIGNED);

		if (btf_is_enum(t)) {
			const char *en = type_name(btf, m.type);

			eid = tid;
			snprintf(tbuf, sizeof(tbuf), "%s", en && *en ? en : "?");
		}
		if (enumerator) {
			if (enum_with(btf, enumerator, &eid)) {
				snprintf(err, errlen, "struct %s: no enum in BTF has %s (field %s)",
					 struct_name(btf, sid), enumerator, name);
				return -1;
			}
			snprintf(tbuf, sizeof(tbuf), "%s", btf__name_by_offset(btf, btf__type_by_id(btf, eid)->name_off));
			if (!tbuf[0])
				snprintf(tbuf, sizeof(tbuf), "%s", enumerator);
		}
		kind = eid ? "enum" : sign ? "int" : "uint";
		if (eid)
			tname = tbuf;
		if (size != 1 && size != 2 && size != 4 && size != 8) {
			snprintf(err, errlen, "struct %s: field %s is %u bytes", struct_name(btf, sid), name, size);
			return -1;
		}
		snprintf(type, sizeof(type), "%c%u", sign ? 's' : 'u', size * 8);
	} else {
		snprintf(err, errlen, "struct %s: field %s is no number, enum or pointer", struct_name(btf, sid),
			 name);
		return -1;
	}
	off = m.bitoff / 8;
	if (m.bits) {
		/* a bitfield: read the 32-bit word that holds it */
		off = m.bitoff / 32 * 4;
		snprintf(type, sizeof(type), "b%u@%u/32", m.bits, m.bitoff % 32);
		size = 4;
	}
	kstep_sbuf_addf(fetch, " %s_%.18s=+%u(%s):%s", prefix, name, off, base, type);
	kstep_sbuf_addf(lay, "field %s %s_%.18s %s %s %u %s %u\n", event, prefix, name, name, kind, size, tname,
			m.bitoff);
	if (eid) {
		char seen[128];

		snprintf(seen, sizeof(seen), "enum %s ", tname);
		if (!strstr(kstep_sbuf_str(lay), seen))
			add_enum(btf, eid, tname, lay);
	}
	return 0;
}

/*
 * The object's address: $retval (its struct from the function's return type
 * or a ":STRUCT" cast), or ARG[->MEMBER[:STRUCT]]... through the prototype.
 */
static int base_fetch(const struct btf *btf, const char *func, bool ret, bool fprobe, char *path,
		      struct kstep_sbuf *base, __u32 *sid, char *err, size_t errlen)
{
	const struct btf_type *t, *proto;
	const struct btf_param *pa;
	__s32 fid = btf__find_by_name_kind(btf, func, BTF_KIND_FUNC), cast = -1;
	char *seg, *next, *to;
	__u32 cur;
	int argi = -1;
	__u16 i, n;

	if (fid < 0 || !(t = btf__type_by_id(btf, (__u32)fid)) ||
	    !(proto = btf__type_by_id(btf, t->type)) || !btf_is_func_proto(proto)) {
		snprintf(err, errlen, "no BTF for function %s", func);
		return -1;
	}
	next = strstr(path, "->");
	if (next) {
		*next = '\0';
		next += 2;
	}
	to = strchr(path, ':');
	if (to)
		*to++ = '\0';
	if (!strcmp(path, "$retval")) {
		if (!ret) {
			snprintf(err, errlen, "$retval is read at the return only (object %s return ...)", func);
			return -1;
		}
		cur = proto->type;
		kstep_sbuf_add(base, "$retval");
	} else {
		if (ret) {
			snprintf(err, errlen, "arguments are not readable at %s's return: read them at its entry",
				 func);
			return -1;
		}
		pa = btf_params(proto);
		n = btf_vlen(proto);
		for (i = 0; i < n; i++)
			if (!strcmp(btf__name_by_offset(btf, pa[i].name_off), path))
				argi = i;
		if (argi < 0 || argi >= 6) {
			snprintf(err, errlen, "%s has no register argument named %s", func, path);
			return -1;
		}
		cur = pa[argi].type;
		if (fprobe)	/* fprobe events name arguments, not registers */
			kstep_sbuf_addf(base, "$arg%d", argi + 1);
		else
			kstep_sbuf_add(base, arg_regs[argi]);
	}
	if (to && (cast = btf__find_by_name_kind(btf, to, BTF_KIND_STRUCT)) < 0) {
		snprintf(err, errlen, "no struct %s in this kernel's BTF", to);
		return -1;
	}
	for (seg = next; seg; seg = next) {
		struct member m;
		char *inner;

		next = strstr(seg, "->");
		if (next) {
			*next = '\0';
			next += 2;
		}
		to = strchr(seg, ':');
		if (to)
			*to++ = '\0';
		if (cast >= 0)
			*sid = (__u32)cast;
		else if (pointee_struct(btf, cur, sid)) {
			snprintf(err, errlen, "what %s is read from is not a pointer to a struct", seg);
			return -1;
		}
		if (find_member(btf, *sid, seg, true, &m) || m.bits) {
			snprintf(err, errlen, "struct %s has no field %s in this kernel's BTF", struct_name(btf, *sid),
				 seg);
			return -1;
		}
		inner = kstep_sbuf_steal(base);
		kstep_sbuf_addf(base, "+%u(%s)", m.bitoff / 8, inner);
		free(inner);
		cur = m.type;
		cast = -1;
		if (to && (cast = btf__find_by_name_kind(btf, to, BTF_KIND_STRUCT)) < 0) {
			snprintf(err, errlen, "no struct %s in this kernel's BTF", to);
			return -1;
		}
	}
	if (cast >= 0)
		*sid = (__u32)cast;
	else if (pointee_struct(btf, cur, sid)) {
		snprintf(err, errlen, "%s at %s is not a pointer to a struct (cast it: PATH:STRUCT)", path, func);
		return -1;
	}
	return 0;
}

int kstep_btfobj_resolve(const struct btf *btf, const char *func, bool ret, bool fprobe, const char *expr,
			 const char *event, const char *prefix, struct kstep_btfobj *out, char *err,
			 size_t errlen)
{
	char *copy = kstep_xstrdup(expr), *brace = strchr(copy, '{'), *end, *f, *save = NULL;
	struct kstep_sbuf base = { 0 }, fetch = { 0 }, lay = { 0 }, fields = { 0 };
	__u32 sid = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	end = brace ? strchr(brace, '}') : NULL;
	if (!brace || !end || end[1] || brace == copy) {
		snprintf(err, errlen, "object needs PATH{FIELD,...} (e.g. sock->sk{sk_state,sk_type})");
		goto out;
	}
	*brace = '\0';
	*end = '\0';
	kstep_sbuf_add(&fields, brace + 1);
	if (base_fetch(btf, func, ret, fprobe, copy, &base, &sid, err, errlen))
		goto out;
	kstep_sbuf_addf(&fetch, "%s=%s:x64", prefix, kstep_sbuf_str(&base));
	kstep_sbuf_addf(&lay, "object %s %s %s %s %s %s\n", event, prefix, struct_name(btf, sid), func,
			ret ? "return" : "entry", expr);
	for (f = strtok_r(fields.s, ", ", &save); f; f = strtok_r(NULL, ", ", &save))
		if (add_field(btf, sid, f, kstep_sbuf_str(&base), event, prefix, &fetch, &lay, err, errlen))
			goto out;
	snprintf(out->sname, sizeof(out->sname), "%s", struct_name(btf, sid));
	out->fetch = kstep_sbuf_steal(&fetch);
	out->layout = kstep_sbuf_steal(&lay);
	rc = 0;
out:
	free(copy);
	kstep_sbuf_free(&base);
	kstep_sbuf_free(&fetch);
	kstep_sbuf_free(&lay);
	kstep_sbuf_free(&fields);
	return rc;
}

void kstep_btfobj_free(struct kstep_btfobj *o)
{
	free(o->fetch);
	free(o->layout);
	memset(o, 0, sizeof(*o));
}

/* "NAME=SYMBOL[INDEX:LO..HI]" and its optional ":ELEM.MEMBER:STRUCT{FIELD,...}", split in place. */
struct lookup_spec {
	char *name, *sym, *index, *elem, *member, *sname, *fields;
	long lo, hi;
};

static int lookup_parse(char *s, struct lookup_spec *l, char *err, size_t errlen)
{
	char *p, *end;

	memset(l, 0, sizeof(*l));
	l->name = s;
	if (!(p = strchr(s, '=')))
		goto bad;
	*p++ = '\0';
	l->sym = p;
	if (!(p = strchr(p, '[')))
		goto bad;
	*p++ = '\0';
	l->index = p;
	if (!(p = strchr(p, ':')))
		goto bad;
	*p++ = '\0';
	l->lo = strtol(p, &end, 10);
	if (end == p || strncmp(end, "..", 2))
		goto bad;
	p = end + 2;
	l->hi = strtol(p, &end, 10);
	if (end == p || *end != ']' || l->lo < 0 || l->hi < l->lo)
		goto bad;
	p = end + 1;
	if (!*p)
		return 0;
	if (*p != ':')
		goto bad;
	l->elem = p + 1;
	if (!(p = strchr(l->elem, '.')))
		goto bad;
	*p++ = '\0';
	l->member = p;
	if (!(p = strchr(p, ':')))
		goto bad;
	*p++ = '\0';
	l->sname = p;
	if (!(p = strchr(p, '{')) || !(end = strchr(p, '}')) || end[1])
		goto bad;
	*p++ = '\0';
	*end = '\0';
	l->fields = p;
	return 0;
bad:
	snprintf(err, errlen, "lookup needs NAME=SYMBOL[INDEX:LO..HI] or "
		 "NAME=SYMBOL[INDEX:LO..HI]:ELEM.MEMBER:STRUCT{FIELD,...}");
	return -1;
}

int kstep_btfobj_lookup(const struct btf *btf, const char *func, const char *spec, const char *event,
			struct kstep_btfobj *out, char *err, size_t errlen)
{
	char *copy = kstep_xstrdup(spec), *f, *save = NULL, prefix[64], base[160];
	struct kstep_sbuf fetch = { 0 }, lay = { 0 }, fields = { 0 };
	struct lookup_spec l;
	__u32 stride = 8, moff = 0;
	__s32 sid = -1;
	long i;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (lookup_parse(copy, &l, err, errlen))
		goto out;
	if (l.hi - l.lo >= 64) {
		snprintf(err, errlen, "lookup %s: %ld indexes; at most 64 (narrow LO..HI)", l.name, l.hi - l.lo + 1);
		goto out;
	}
	if (l.elem) {
		__s32 eid = btf__find_by_name_kind(btf, l.elem, BTF_KIND_STRUCT);
		struct member m;
		const struct btf_type *mt;
		__u32 mtid;

		if (eid < 0) {
			snprintf(err, errlen, "no struct %s in this kernel's BTF", l.elem);
			goto out;
		}
		stride = btf__type_by_id(btf, (__u32)eid)->size;
		if (find_member(btf, (__u32)eid, l.member, false, &m) || m.bits) {
			snprintf(err, errlen, "struct %s has no field %s in this kernel's BTF", l.elem, l.member);
			goto out;
		}
		mtid = m.type;
		mt = skip_mods(btf, &mtid);
		if (!mt || !btf_is_ptr(mt)) {
			snprintf(err, errlen, "%s.%s is no pointer", l.elem, l.member);
			goto out;
		}
		moff = m.bitoff / 8;
		if ((sid = btf__find_by_name_kind(btf, l.sname, BTF_KIND_STRUCT)) < 0) {
			snprintf(err, errlen, "no struct %s in this kernel's BTF", l.sname);
			goto out;
		}
	}
	kstep_sbuf_addf(&lay, "lookup %s %s %s %s %s %ld %ld %u %u %s\n", event, func, l.name, l.sym, l.index, l.lo,
			l.hi, stride, moff, l.sname ? l.sname : "-");
	for (i = l.lo; i <= l.hi; i++) {
		snprintf(prefix, sizeof(prefix), "__lk_%.24s_%ld", l.name, i);
		snprintf(base, sizeof(base), "@%s+%lu", l.sym, (unsigned long)i * stride + moff);
		kstep_sbuf_addf(&fetch, "%s%s=%s:x64", fetch.len ? " " : "", prefix, base);
		if (sid < 0)
			continue;
		kstep_sbuf_reset(&fields);
		kstep_sbuf_add(&fields, l.fields);
		save = NULL;
		for (f = strtok_r(fields.s, ", ", &save); f; f = strtok_r(NULL, ", ", &save)) {
			struct kstep_sbuf one = { 0 };
			int bad = add_field(btf, (__u32)sid, f, base, event, prefix, &fetch, &one, err, errlen);

			/* the fields' lines once, for the first index: the same for every one */
			if (!bad && i == l.lo)
				kstep_sbuf_add(&lay, kstep_sbuf_str(&one));
			kstep_sbuf_free(&one);
			if (bad)
				goto out;
		}
	}
	snprintf(out->sname, sizeof(out->sname), "%s", l.sname ? l.sname : "pointer");
	out->fetch = kstep_sbuf_steal(&fetch);
	out->layout = kstep_sbuf_steal(&lay);
	rc = 0;
out:
	free(copy);
	kstep_sbuf_free(&fetch);
	kstep_sbuf_free(&lay);
	kstep_sbuf_free(&fields);
	return rc;
}
