// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * objects.c - the kernel objects a trace saw (see objects.h). The layouts of
 * BTF object reads come from the file (option 0x4b0c), so no BTF is needed
 * here; events that carry an object's address (allocations with their cache
 * name, socket state changes) add what they say on kernels without kprobes.
 */
#include "config.h"

#include "objects.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <traceevent/event-parse.h>

#include "decode.h"
#include "kopts.h"

/* More observations than this are counted, not kept. */
#define KSTEP_OBJECTS_MAX 200000
/* A layout option claiming more objects or fields than a plan can hold is damaged: the rest is ignored. */
#define KSTEP_OBJECTS_MAX_LAYOUTS 256
#define KSTEP_OBJECTS_MAX_FIELDS 64

struct kstep_objenum {
	const char *type;
	int64_t value;
	const char *name;
};

static char *dup(struct kstep_objects *o, const char *s)
{
	return kstep_arena_strdup(&o->arena, s);
}

static struct kstep_objlayout *new_layout(struct kstep_objects *o)
{
	struct kstep_objlayout *l = kstep_arena_alloc(&o->arena, sizeof(*l));

	memset(l, 0, sizeof(*l));
	*(struct kstep_objlayout **)kstep_vec_push(&o->layouts) = l;
	return l;
}

static struct kstep_objfield *add_field(struct kstep_objects *o, struct kstep_objlayout *l)
{
	struct kstep_objfield *f = kstep_arena_alloc(&o->arena, (l->nf + 1) * sizeof(*f));

	if (l->nf)
		memcpy(f, l->f, l->nf * sizeof(*f));
	l->f = f;
	memset(&f[l->nf], 0, sizeof(*f));
	return &f[l->nf++];
}

static void add_enum(struct kstep_objects *o, const char *type, int64_t value, const char *name)
{
	struct kstep_objenum *e;

	if (kstep_objects_enum(o, type, value))
		return;
	e = kstep_vec_push(&o->enums);
	e->type = dup(o, type);
	e->value = value;
	e->name = dup(o, name);
}

static enum kstep_objkind kind_of(const char *w)
{
	return !strcmp(w, "int") ? KSTEP_OBJ_INT : !strcmp(w, "enum") ? KSTEP_OBJ_ENUM :
	       !strcmp(w, "ptr") || !strcmp(w, "fptr") ? KSTEP_OBJ_PTR : KSTEP_OBJ_UINT;
}

/* The option's lines; a malformed line is ignored (the reads it describes stay undecoded). */
static void parse_layouts(struct kstep_objects *o, char *text)
{
	struct kstep_objlayout *cur = NULL;
	char *line, *save = NULL;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char w[8][128];
		int n = sscanf(line, "%127s %127s %127s %127s %127s %127s %127s %127s", w[0], w[1], w[2], w[3],
			       w[4], w[5], w[6], w[7]);

		if (n >= 6 && !strcmp(w[0], "object")) {
			if (o->layouts.n >= KSTEP_OBJECTS_MAX_LAYOUTS)
				break;
			cur = new_layout(o);
			cur->event = dup(o, w[1]);
			cur->base = dup(o, w[2]);
			cur->sname = dup(o, w[3]);
			cur->func = dup(o, w[4]);
			cur->ret = !strcmp(w[5], "return");
			o->btf = true;
		} else if (n >= 7 && !strcmp(w[0], "field") && cur && !strcmp(w[1], cur->event) &&
			   cur->nf < KSTEP_OBJECTS_MAX_FIELDS) {
			struct kstep_objfield *f = add_field(o, cur);

			f->arg = dup(o, w[2]);
			f->name = dup(o, w[3]);
			f->kind = kind_of(w[4]);
			f->size = (unsigned)atoi(w[5]);
			f->type = strcmp(w[6], "-") ? dup(o, w[6]) : NULL;
			f->bitoff = n == 8 ? (unsigned)atoi(w[7]) : 0;
		} else if (n == 4 && !strcmp(w[0], "enum") && o->enums.n < 4096) {
			add_enum(o, w[1], strtoll(w[2], NULL, 10), w[3]);
		}
	}
}

/* The symbols of __print_symbolic(REC->field, ...) in the event's print format. */
static void enum_from_format(struct kstep_objects *o, struct tep_event *ev, const char *field, const char *type)
{
	struct tep_print_arg *a;

	for (a = ev->print_fmt.args; a; a = a->next) {
		struct tep_print_flag_sym *s;

		if (a->type != TEP_PRINT_SYMBOL || !a->symbol.field || a->symbol.field->type != TEP_PRINT_FIELD ||
		    strcmp(a->symbol.field->field.name, field))
			continue;
		for (s = a->symbol.symbols; s; s = s->next)
			add_enum(o, type, strtoll(s->value, NULL, 0), s->str);
	}
}

/* What events say about objects where no struct could be read (locked-down kernels). */
static struct kstep_objlayout *event_layout(struct kstep_objects *o, struct tep_event *ev)
{
	struct kstep_objlayout *l;
	struct kstep_objfield *f;

	if (!strcmp(ev->name, "kmem_cache_alloc") && tep_find_field(ev, "name") && tep_find_field(ev, "ptr")) {
		l = new_layout(o);
		l->event = dup(o, ev->name);
		l->base = "ptr";
		l->typefield = "name";
		l->func = dup(o, ev->name);
		l->fromevent = true;
		f = add_field(o, l);
		*f = (struct kstep_objfield){ .name = "bytes_req", .arg = "bytes_req", .kind = KSTEP_OBJ_UINT, .size = 8 };
		f = add_field(o, l);
		*f = (struct kstep_objfield){ .name = "bytes_alloc", .arg = "bytes_alloc", .kind = KSTEP_OBJ_UINT, .size = 8 };
		return l;
	}
	if (!strcmp(ev->name, "inet_sock_set_state") && tep_find_field(ev, "skaddr") &&
	    tep_find_field(ev, "newstate")) {
		l = new_layout(o);
		l->event = dup(o, ev->name);
		l->base = "skaddr";
		l->sname = "sock";
		l->func = dup(o, ev->name);
		l->fromevent = true;
		f = add_field(o, l);
		*f = (struct kstep_objfield){ .name = "sk_state", .arg = "newstate", .kind = KSTEP_OBJ_ENUM, .size = 4,
					      .type = "inet_sock_set_state.state" };
		f = add_field(o, l);
		*f = (struct kstep_objfield){ .name = "sk_family", .arg = "family", .kind = KSTEP_OBJ_ENUM, .size = 2,
					      .type = "inet_sock_set_state.family" };
		f = add_field(o, l);
		*f = (struct kstep_objfield){ .name = "sk_protocol", .arg = "protocol", .kind = KSTEP_OBJ_ENUM,
					      .size = 2, .type = "inet_sock_set_state.protocol" };
		enum_from_format(o, ev, "newstate", "inet_sock_set_state.state");
		enum_from_format(o, ev, "family", "inet_sock_set_state.family");
		enum_from_format(o, ev, "protocol", "inet_sock_set_state.protocol");
		return l;
	}
	return NULL;
}

static void observe(struct kstep_objects *o, const struct kstep_rec *rec, const struct kstep_objlayout *l)
{
	struct tep_format_field *bf = tep_find_field(rec->event, l->base);
	struct kstep_obs *ob;
	uint64_t addr;
	size_t i;

	if (!bf || kstep_rec_num(rec, bf, &addr) || !addr)
		return;
	if (o->obs.n >= KSTEP_OBJECTS_MAX) {
		o->dropped++;
		return;
	}
	ob = kstep_vec_push(&o->obs);
	memset(ob, 0, sizeof(*ob));
	ob->ts = rec->ts;
	ob->lay = l;
	ob->addr = addr;
	ob->type = l->sname;
	ob->val = kstep_arena_alloc(&o->arena, (l->nf + 1) * sizeof(*ob->val));
	if (l->typefield) {
		const char *s = NULL;
		size_t n = 0;

		if (!kstep_rec_str(rec, tep_find_field(rec->event, l->typefield), &s, &n) && s)
			ob->type = kstep_arena_strndup(&o->arena, s, strnlen(s, n));
	}
	if (!ob->type)
		ob->type = "?";
	for (i = 0; i < l->nf; i++) {
		struct tep_format_field *f = tep_find_field(rec->event, l->f[i].arg);

		ob->val[i] = 0;
		if (f)
			kstep_rec_num(rec, f, &ob->val[i]);
	}
}

/* The skipped object lines of the applied plan: what this kernel would not let kstep read. */
static void plan_gaps(struct kstep_objects *o, const struct kstep_dat *dat)
{
	char *t = kstep_kopts_plan_text(dat), *line, *save = NULL;

	if (!t)
		return;
	for (line = strtok_r(t, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, "# skipped: object ", 18))
			*(const char **)kstep_vec_push(&o->gaps) =
				kstep_arena_strdup(&o->arena, line + 11);
	free(t);
}

static void objects_init(struct kstep_objects *o)
{
	memset(o, 0, sizeof(*o));
	kstep_vec_init(&o->layouts, sizeof(struct kstep_objlayout *));
	kstep_vec_init(&o->enums, sizeof(struct kstep_objenum));
	kstep_vec_init(&o->obs, sizeof(struct kstep_obs));
	kstep_vec_init(&o->gaps, sizeof(const char *));
}

/* The layouts of the file's BTF object reads (option 0x4b0c). */
static void read_layouts(struct kstep_objects *o, const struct kstep_dat *dat)
{
	char *text = kstep_kopts_objects(dat);

	if (text)
		parse_layouts(o, text);
	free(text);
}

int kstep_objects_layouts(struct kstep_objects *o, const struct kstep_dat *dat, const struct kstep_ksyms *ks)
{
	objects_init(o);
	o->ks = ks;
	read_layouts(o, dat);
	return o->layouts.n ? 0 : -1;
}

int kstep_objects_load(struct kstep_objects *o, const char *path, int pid, uint64_t from, uint64_t to, char *err,
		       size_t errlen)
{
	struct kstep_rec rec;
	int r;

	objects_init(o);
	o->ld = kstep_load_open(path, err, errlen);
	if (!o->ld)
		return -1;
	o->ks = kstep_load_ksyms(o->ld);
	read_layouts(o, kstep_load_dat(o->ld));
	plan_gaps(o, kstep_load_dat(o->ld));
	while ((r = kstep_load_next(o->ld, &rec, err, errlen)) > 0) {
		struct kstep_objlayout *ev = NULL;
		size_t i;
		bool seen = false;

		if ((pid && kstep_rec_pid(&rec) != pid) || rec.ts < from || rec.ts > to)
			continue;
		for (i = 0; i < o->layouts.n; i++) {
			struct kstep_objlayout *l = *(struct kstep_objlayout **)kstep_vec_at(&o->layouts, i);

			if (strcmp(l->event, rec.event->name))
				continue;
			seen = true;
			observe(o, &rec, l);
		}
		if (!seen && (ev = event_layout(o, rec.event)))
			observe(o, &rec, ev);
	}
	return r < 0 ? -1 : 0;
}

void kstep_objects_free(struct kstep_objects *o)
{
	kstep_vec_free(&o->layouts);
	kstep_vec_free(&o->enums);
	kstep_vec_free(&o->obs);
	kstep_vec_free(&o->gaps);
	kstep_arena_free(&o->arena);
	if (o->ld)
		kstep_load_close(o->ld);
	memset(o, 0, sizeof(*o));
}

const char *kstep_objects_enum(const struct kstep_objects *o, const char *type, int64_t value)
{
	size_t i;

	for (i = 0; type && i < o->enums.n; i++) {
		const struct kstep_objenum *e = kstep_vec_at(&o->enums, i);

		if (e->value == value && !strcmp(e->type, type))
			return e->name;
	}
	return NULL;
}

long kstep_objects_last(const struct kstep_objects *o, uint64_t addr, size_t upto)
{
	size_t i;

	for (i = upto; i-- > 0;)
		if (((const struct kstep_obs *)kstep_vec_at(&o->obs, i))->addr == addr)
			return (long)i;
	return -1;
}

static int64_t sign_extend(uint64_t v, unsigned size)
{
	unsigned bits = size * 8;

	if (!bits || bits >= 64)
		return (int64_t)v;
	v &= (1ULL << bits) - 1;
	return (v & (1ULL << (bits - 1))) ? (int64_t)(v | ~((1ULL << bits) - 1)) : (int64_t)v;
}

uint64_t kstep_objects_field_num(const struct kstep_objfield *f, uint64_t v)
{
	if (f->kind == KSTEP_OBJ_INT)
		return (uint64_t)sign_extend(v, f->size);
	if (f->kind == KSTEP_OBJ_UINT && f->size && f->size < 8)
		return v & ((1ULL << (f->size * 8)) - 1);
	return v;
}

void kstep_objects_format(const struct kstep_objects *o, const struct kstep_objfield *f, uint64_t v,
			  const char *other, char *out, size_t len)
{
	const struct kstep_ksym *sym;
	const char *name;
	uint64_t off = 0;

	switch (f->kind) {
	case KSTEP_OBJ_INT:
		snprintf(out, len, "%lld", (long long)sign_extend(v, f->size));
		return;
	case KSTEP_OBJ_ENUM:
		name = kstep_objects_enum(o, f->type, sign_extend(v, f->size));
		snprintf(out, len, "%lld%s%s", (long long)sign_extend(v, f->size), name ? " " : "", name ? name : "");
		return;
	case KSTEP_OBJ_PTR:
		if (!v) {
			snprintf(out, len, "NULL");
			return;
		}
		sym = o->ks ? kstep_ksyms_lookup(o->ks, v, &off) : NULL;
		if (sym && !off)
			snprintf(out, len, "0x%llx %s", (unsigned long long)v, sym->name);
		else if (other)
			snprintf(out, len, "0x%llx (%s)", (unsigned long long)v, other);
		else
			snprintf(out, len, "0x%llx", (unsigned long long)v);
		return;
	default:
		if (f->size && f->size < 8)
			v &= (1ULL << (f->size * 8)) - 1;
		snprintf(out, len, "%llu", (unsigned long long)v);
	}
}

bool kstep_objects_decode_int(const struct kstep_objlayout *l, const struct kstep_objfield *f, uint64_t v,
			      long long family, char *out, size_t len)
{
	struct kstep_decode_ctx ctx = { .have_family = family >= 0, .family = family };
	char dec[160];
	size_t n = strlen(out);

	if ((f->kind != KSTEP_OBJ_INT && f->kind != KSTEP_OBJ_UINT) || !l->sname ||
	    !kstep_decode(f->name, l->sname, kstep_objects_field_num(f, v), &ctx, dec, sizeof(dec)) || n >= len)
		return false;
	snprintf(out + n, len - n, " %s", dec);
	return true;
}

/* The address family an observation carries (sk_family, family), or -1. */
static long long obs_family(const struct kstep_obs *ob)
{
	size_t i;

	for (i = 0; i < ob->lay->nf; i++)
		if (!strcmp(ob->lay->f[i].name, "sk_family") || !strcmp(ob->lay->f[i].name, "family"))
			return (long long)kstep_objects_field_num(&ob->lay->f[i], ob->val[i]);
	return -1;
}

void kstep_objects_value(const struct kstep_objects *o, const struct kstep_obs *ob, size_t i, char *out,
			 size_t len)
{
	const struct kstep_objfield *f = &ob->lay->f[i];
	const char *other = NULL;
	long k;

	if (f->kind == KSTEP_OBJ_PTR && ob->val[i] && (k = kstep_objects_last(o, ob->val[i], o->obs.n)) >= 0)
		other = ((const struct kstep_obs *)kstep_vec_at(&o->obs, (size_t)k))->type;
	kstep_objects_format(o, f, ob->val[i], other, out, len);
	kstep_objects_decode_int(ob->lay, f, ob->val[i], obs_family(ob), out, len);
}
