// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * plan.c - parsing probe plans and resolving them against this kernel.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <tracefs.h>

#include "btfobj.h"
#include "elfsym.h"
#include "ksyms.h"
#include "plan.h"

static const struct {
	const char *word;
	enum kstep_pi_kind kind;
	bool needs_target;
} directives[] = {
	{ "syscall", KSTEP_PI_SYSCALL, true },
	{ "graph", KSTEP_PI_GRAPH, true },
	{ "graph-depth", KSTEP_PI_GRAPH_DEPTH, true },
	{ "kprobe", KSTEP_PI_KPROBE, true },
	{ "kretprobe", KSTEP_PI_KRETPROBE, true },
	{ "fprobe", KSTEP_PI_FPROBE, true },
	{ "fexit", KSTEP_PI_FEXIT, true },
	{ "field", KSTEP_PI_FIELD, true },
	{ "uprobe", KSTEP_PI_UPROBE, true },
	{ "uretprobe", KSTEP_PI_URETPROBE, true },
	{ "event", KSTEP_PI_EVENT, true },
	{ "eprobe", KSTEP_PI_EPROBE, true },
	{ "object", KSTEP_PI_OBJECT, true },
	{ "lookup", KSTEP_PI_LOOKUP, true },
};

/* x86-64 argument registers, in order */
static const char *const arg_regs[] = { "%di", "%si", "%dx", "%cx", "%r8", "%r9" };

void kstep_plan_init(struct kstep_plan *p)
{
	memset(p, 0, sizeof(*p));
	kstep_vec_init(&p->items, sizeof(struct kstep_plan_item));
	p->window = -1;
}

void kstep_plan_free(struct kstep_plan *p)
{
	size_t i;

	for (i = 0; i < p->items.n; i++) {
		struct kstep_plan_item *it = kstep_vec_at(&p->items, i);

		free(it->target);
		free(it->args);
		free(it->filter);
		free(it->fetch);
		free(it->layout);
		free(it->path);
	}
	kstep_vec_free(&p->items);
	kstep_sbuf_free(&p->asked);
	free(p->name);
}

struct kstep_plan_item *kstep_plan_item(const struct kstep_plan *p, size_t i)
{
	return kstep_vec_at(&p->items, i);
}

const char *kstep_plan_builtin(const char *name)
{
	const struct kstep_builtin_plan *b;

	for (b = kstep_builtin_plans; b->name; b++)
		if (!strcmp(b->name, name))
			return b->text;
	return NULL;
}

void kstep_plan_list(void)
{
	const struct kstep_builtin_plan *b;

	for (b = kstep_builtin_plans; b->name; b++)
		printf("%s\n", b->name);
}

/* Parsing */

static char *next_word(char **p)
{
	char *s = *p, *w;

	while (isspace((unsigned char)*s))
		s++;
	if (!*s) {
		*p = s;
		return NULL;
	}
	w = s;
	while (*s && !isspace((unsigned char)*s))
		s++;
	if (*s)
		*s++ = '\0';
	*p = s;
	return w;
}

static void strip_comment(char *s)
{
	char *h;

	for (h = s; (h = strchr(h, '#')); h++) {
		if (h == s || isspace((unsigned char)h[-1])) {
			*h = '\0';
			break;
		}
	}
	for (h = s + strlen(s); h > s && isspace((unsigned char)h[-1]); h--)
		h[-1] = '\0';
}

static int parse_event_opts(struct kstep_plan_item *it, char *rest, char *err, size_t errlen)
{
	char *w;

	while ((w = next_word(&rest))) {
		if (!strcmp(w, "stack")) {
			it->stack = true;
		} else if (!strcmp(w, "window")) {
			it->window = true;
		} else if (!strcmp(w, "if")) {
			while (isspace((unsigned char)*rest))
				rest++;
			if (!*rest) {
				snprintf(err, errlen, "'if' needs a filter");
				return -1;
			}
			it->args = kstep_xstrdup(rest);
			return 0;
		} else {
			snprintf(err, errlen, "unknown event option '%s' (stack, window, if FILTER)", w);
			return -1;
		}
	}
	return 0;
}

static int check_target(const struct kstep_plan_item *it, char *err, size_t errlen)
{
	switch (it->kind) {
	case KSTEP_PI_EVENT:
		if (!strchr(it->target, ':')) {
			snprintf(err, errlen, "event '%s' needs SYSTEM:EVENT", it->target);
			return -1;
		}
		break;
	case KSTEP_PI_UPROBE:
	case KSTEP_PI_URETPROBE:
	case KSTEP_PI_WINDOW_UPROBE:
		if (!strchr(it->target, ':')) {
			snprintf(err, errlen, "'%s' needs BINARY:SYMBOL (prog:main, libc:socket, /path:sym)",
				 it->target);
			return -1;
		}
		break;
	case KSTEP_PI_FIELD:
		if (!it->args || !strstr(it->args, "->")) {
			snprintf(err, errlen, "field needs FUNC ARG->MEMBER (e.g. fd_install file->private_data)");
			return -1;
		}
		break;
	case KSTEP_PI_OBJECT:
		if (!it->args || !strchr(it->args, '{') || it->args[strlen(it->args) - 1] != '}') {
			snprintf(err, errlen, "object needs FUNC [return] PATH{FIELD,...} "
				 "(e.g. sock_alloc return $retval{state,sk})");
			return -1;
		}
		break;
	case KSTEP_PI_LOOKUP:
		if (!it->args || !strchr(it->args, '=') || !strchr(it->args, '[')) {
			snprintf(err, errlen, "lookup needs FUNC NAME=SYMBOL[INDEX:LO..HI] "
				 "(e.g. __sock_create family_ops=net_families[family:0..45])");
			return -1;
		}
		break;
	case KSTEP_PI_GRAPH_DEPTH:
		if (atoi(it->target) <= 0) {
			snprintf(err, errlen, "graph-depth needs a positive number");
			return -1;
		}
		break;
	default:
		break;
	}
	return 0;
}

static bool is_kernel_probe(enum kstep_pi_kind k)
{
	return k == KSTEP_PI_KPROBE || k == KSTEP_PI_KRETPROBE || k == KSTEP_PI_FPROBE ||
	       k == KSTEP_PI_FEXIT || k == KSTEP_PI_EPROBE;
}

/* A kernel probe line may end in "window": on only during the action. */
/* A kernel probe's "if FILTER" (last on its line): the event's filter, in tracefs's syntax. */
static void take_filter(struct kstep_plan_item *it)
{
	char *at = !strncmp(it->args, "if ", 3) ? it->args : strstr(it->args, " if ");

	if (!at)
		return;
	it->filter = kstep_xstrdup(at + (at == it->args ? 3 : 4));
	*at = '\0';
	if (!*it->args) {
		free(it->args);
		it->args = NULL;
	}
}

static void take_window_word(struct kstep_plan_item *it)
{
	size_t n = strlen(it->args);

	while (n && isspace((unsigned char)it->args[n - 1]))
		n--;
	if (n < 6 || strncmp(it->args + n - 6, "window", 6) ||
	    (n > 6 && !isspace((unsigned char)it->args[n - 7])))
		return;
	it->window = true;
	n -= 6;
	while (n && isspace((unsigned char)it->args[n - 1]))
		n--;
	it->args[n] = '\0';
	if (!n) {
		free(it->args);
		it->args = NULL;
	}
}

int kstep_plan_add(struct kstep_plan *p, const char *line, const char *origin, int lineno, char *err,
		   size_t errlen)
{
	char *copy = kstep_xstrdup(line), *rest = copy, *word, *target;
	struct kstep_plan_item it = { .line = lineno };
	char why[200] = "";
	size_t i;
	int ret = -1;

	strip_comment(copy);
	word = next_word(&rest);
	if (!word) {
		ret = 0;
		goto out;
	}
	if (!strcmp(word, "window")) {
		char *how = next_word(&rest);

		it.kind = how && !strcmp(how, "uprobe") ? KSTEP_PI_WINDOW_UPROBE :
			  how && !strcmp(how, "syscall") ? KSTEP_PI_WINDOW_SYSCALL : 0;
		if (!it.kind) {
			snprintf(why, sizeof(why), "window takes 'uprobe BIN:SYM' or 'syscall NAME'");
			goto bad;
		}
	} else {
		for (i = 0; i < KSTEP_ARRAY_SIZE(directives); i++)
			if (!strcmp(directives[i].word, word))
				it.kind = directives[i].kind;
		if (!it.kind) {
			snprintf(why, sizeof(why), "unknown directive '%s' (see doc/plans.md)", word);
			goto bad;
		}
	}
	target = next_word(&rest);
	if (!target) {
		snprintf(why, sizeof(why), "'%s' needs a target", word);
		goto bad;
	}
	it.target = kstep_xstrdup(target);
	while (isspace((unsigned char)*rest))
		rest++;
	if (it.kind == KSTEP_PI_EVENT) {
		if (parse_event_opts(&it, rest, why, sizeof(why)))
			goto bad;
	} else if (it.kind == KSTEP_PI_SYSCALL && *rest) {
		if (strcmp(rest, "stack")) {
			snprintf(why, sizeof(why), "unknown syscall option '%s' (stack)", rest);
			goto bad;
		}
		it.stack = true;
	} else if (*rest) {
		it.args = kstep_xstrdup(rest);
	}
	if (is_kernel_probe(it.kind) && it.args)
		take_filter(&it);
	if (is_kernel_probe(it.kind) && it.args)
		take_window_word(&it);
	if (it.kind == KSTEP_PI_FIELD && it.args && strchr(it.args, '=') &&
	    strchr(it.args, '=') < strstr(it.args, "->")) {
		char *eq = strchr(it.args, '='), *path = kstep_xstrdup(eq + 1);

		snprintf(it.fname, sizeof(it.fname), "%.*s", (int)(eq - it.args), it.args);
		free(it.args);
		it.args = path;
	}
	if (it.kind == KSTEP_PI_OBJECT && it.args && !strncmp(it.args, "return ", 7)) {
		char *expr = kstep_xstrdup(it.args + 7);

		it.ret = true;
		free(it.args);
		it.args = expr;
	}
	if (it.kind == KSTEP_PI_OBJECT && it.args)
		take_window_word(&it);
	if (check_target(&it, why, sizeof(why)))
		goto bad;
	*(struct kstep_plan_item *)kstep_vec_push(&p->items) = it;
	kstep_sbuf_addf(&p->asked, "%s\n", line);
	ret = 0;
	goto out;
bad:
	snprintf(err, errlen, "%s:%d: %s", origin, lineno, why);
	free(it.target);
	free(it.args);
out:
	free(copy);
	return ret;
}

static char *read_text(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	struct kstep_sbuf b = { 0 };
	char buf[4096];
	size_t n;

	if (!f) {
		snprintf(err, errlen, "plan '%s': %s (built-in plans: kstep record --list-plans)", path,
			 strerror(errno));
		return NULL;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		kstep_sbuf_addn(&b, buf, n);
	fclose(f);
	return kstep_sbuf_steal(&b);
}

int kstep_plan_load(struct kstep_plan *p, const char *name, char *err, size_t errlen)
{
	const char *builtin = strchr(name, '/') ? NULL : kstep_plan_builtin(name);
	char *text = builtin ? kstep_xstrdup(builtin) : read_text(name, err, errlen);
	char *line, *save = NULL;
	int lineno = 0, ret = 0;

	if (!text)
		return -1;
	free(p->name);
	p->name = kstep_xstrdup(name);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		if (kstep_plan_add(p, line, name, lineno, err, errlen)) {
			ret = -1;
			break;
		}
	}
	free(text);
	return ret;
}

/* Resolution */

struct resolver {
	struct kstep_plan *p;
	const struct kstep_plan_env *env;
	struct kstep_ksyms *ks;
	struct btf *btf;
	bool btf_tried;
};

static void skip(struct kstep_plan_item *it, const char *fmt, ...) KSTEP_PRINTF(2, 3);

static void skip(struct kstep_plan_item *it, const char *fmt, ...)
{
	va_list ap;

	it->applied = false;
	va_start(ap, fmt);
	vsnprintf(it->note, sizeof(it->note), fmt, ap);
	va_end(ap);
}

static bool need_cap(struct resolver *r, struct kstep_plan_item *it, enum kstep_cap_id id)
{
	if (kstep_caps_has(r->env->caps, id))
		return true;
	skip(it, "%s: %s", kstep_cap_name(id), r->env->caps->c[id].why);
	return false;
}

static bool kernel_func(struct resolver *r, struct kstep_plan_item *it)
{
	const struct kstep_ksym *s = kstep_ksyms_find(r->ks, it->target);

	if (s && kstep_ksym_is_text(s))
		return true;
	skip(it, "%s is not a function symbol here: inlined everywhere or removed", it->target);
	return false;
}

/* "kprobe sock_alloc" → "sock_alloc", "sock_alloc_ret"; dots are not allowed */
static void event_name(struct kstep_plan_item *it, const char *group, const char *base,
		       const char *suffix)
{
	char *q;

	snprintf(it->system, sizeof(it->system), "%s", group);
	snprintf(it->event, sizeof(it->event), "%s%s", base, suffix);
	for (q = it->event; *q; q++)
		if (!isalnum((unsigned char)*q) && *q != '_')
			*q = '_';
}

static bool event_exists(const char *sys, const char *ev)
{
	return tracefs_event_file_exists(NULL, sys, ev, "format");
}

static void resolve_syscall(struct resolver *r, struct kstep_plan_item *it)
{
	char ev[96];

	if (!need_cap(r, it, KSTEP_CAP_SYSCALL_EVENTS))
		return;
	snprintf(ev, sizeof(ev), "sys_enter_%s", it->target);
	if (!event_exists("syscalls", ev)) {
		skip(it, "no syscalls:%s event on this kernel", ev);
		return;
	}
	snprintf(it->system, sizeof(it->system), "syscalls");
	snprintf(it->event, sizeof(it->event), "%s", it->target);
	it->applied = true;
}

static void resolve_kprobe(struct resolver *r, struct kstep_plan_item *it)
{
	bool ret = it->kind == KSTEP_PI_KRETPROBE || it->kind == KSTEP_PI_FEXIT;
	bool f = it->kind == KSTEP_PI_FPROBE || it->kind == KSTEP_PI_FEXIT;

	if (!need_cap(r, it, f ? KSTEP_CAP_FPROBES : ret ? KSTEP_CAP_KRETPROBES : KSTEP_CAP_KPROBES))
		return;
	if (!kernel_func(r, it))
		return;
	event_name(it, r->env->group, it->target, ret ? "_ret" : "");
	/* the analyzer reads which events are fprobes from here: the formats do not say */
	snprintf(it->note, sizeof(it->note), "event %s/%s", it->system, it->event);
	it->applied = true;
}

static void resolve_graph(struct resolver *r, struct kstep_plan_item *it)
{
	if (!need_cap(r, it, KSTEP_CAP_FUNCTION_GRAPH) || !need_cap(r, it, KSTEP_CAP_FTRACE_FILTER))
		return;
	if (it->kind == KSTEP_PI_GRAPH && !kernel_func(r, it))
		return;
	it->applied = true;
}

/* prog:main → the program; libc:socket → libc (or the program when static) */
static void resolve_uprobe(struct resolver *r, struct kstep_plan_item *it)
{
	bool ret = it->kind == KSTEP_PI_URETPROBE;
	char *bin = kstep_xstrdup(it->target), *sym = strrchr(bin, ':');
	char err[256], base[96];

	*sym++ = '\0';
	if (!need_cap(r, it, KSTEP_CAP_UPROBES))
		goto out;
	if (!strcmp(bin, "prog")) {
		it->path = r->env->prog ? kstep_xstrdup(r->env->prog) : NULL;
	} else {
		it->path = r->env->prog ? kstep_elf_find_library(r->env->prog, bin) : NULL;
		/* a static program carries the libc function itself */
		if (!it->path && r->env->prog && !kstep_elf_func_offset(r->env->prog, sym, &it->offset,
									    err, sizeof(err)))
			it->path = kstep_xstrdup(r->env->prog);
	}
	if (!it->path) {
		skip(it, "cannot find %s for the traced program", bin);
		goto out;
	}
	if (kstep_elf_func_offset(it->path, sym, &it->offset, err, sizeof(err))) {
		skip(it, "%s", err);
		goto out;
	}
	snprintf(base, sizeof(base), "%s%s%s", strcmp(bin, "prog") ? bin : "", strcmp(bin, "prog") ? "_" : "",
		 sym);
	event_name(it, r->env->group, base, ret ? "_ret" : "");
	/* gaps.c reads "PATH+0xOFF event NAME" back to place the binary in memory */
	snprintf(it->note, sizeof(it->note), "%s+0x%llx event %s", it->path, (unsigned long long)it->offset,
		 it->event);
	it->applied = true;
out:
	free(bin);
}

/*
 * An eprobe reads fields of another event's arguments, dereferenced
 * ($field, +OFF($field)): struct fields where kprobes are not allowed.
 */
static void resolve_eprobe(struct resolver *r, struct kstep_plan_item *it)
{
	const char *colon = strchr(it->target, ':');
	char base[160];

	if (!need_cap(r, it, KSTEP_CAP_EPROBES))
		return;
	if (!colon) {
		skip(it, "eprobe needs SYSTEM:EVENT");
		return;
	}
	snprintf(it->tsys, sizeof(it->tsys), "%.*s", (int)(colon - it->target), it->target);
	snprintf(it->tevent, sizeof(it->tevent), "%s", colon + 1);
	if (!event_exists(it->tsys, it->tevent)) {
		skip(it, "no %s event on this kernel", it->target);
		return;
	}
	snprintf(base, sizeof(base), "e_%s", it->tevent);
	event_name(it, r->env->group, base, "");
	snprintf(it->note, sizeof(it->note), "event %s/%s", it->system, it->event);
	it->applied = true;
}

static void resolve_event(struct resolver *r, struct kstep_plan_item *it)
{
	char *sys = kstep_xstrdup(it->target), *ev = strchr(sys, ':');

	*ev++ = '\0';
	if (!event_exists(sys, ev)) {
		skip(it, "no %s:%s event on this kernel", sys, ev);
	} else {
		snprintf(it->system, sizeof(it->system), "%s", sys);
		snprintf(it->event, sizeof(it->event), "%s", ev);
		it->applied = true;
		if (it->stack && !kstep_caps_has(r->env->caps, KSTEP_CAP_TRIGGERS)) {
			it->stack = false;
			snprintf(it->note, sizeof(it->note), "recorded without stacks: triggers %.200s",
				 r->env->caps->c[KSTEP_CAP_TRIGGERS].why);
		}
	}
	free(sys);
}

/* BTF: ARG->MEMBER[:STRUCT]... of FUNC → "+OFF(+OFF(%reg)):x64" */

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

/* Finds member name in struct sid (also inside anonymous members). */
static int find_member(const struct btf *btf, __u32 sid, const char *name, __u32 *off, __u32 *type)
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
		__u32 bit = btf_member_bit_offset(t, i), sub_off, sub_type;

		if (mname && *mname && !strcmp(mname, name)) {
			*off = bit / 8;
			*type = m->type;
			return 0;
		}
		if ((!mname || !*mname) && !find_member(btf, m->type, name, &sub_off, &sub_type)) {
			*off = bit / 8 + sub_off;
			*type = sub_type;
			return 0;
		}
	}
	return -1;
}

/*
 * The kernel's BTF for the item, loaded once per resolution: NULL (the item
 * skipped, saying why) when the kernel has none or it does not load.
 */
static struct btf *plan_btf(struct resolver *r, struct kstep_plan_item *it)
{
	if (!need_cap(r, it, KSTEP_CAP_BTF))
		return NULL;
	if (!r->btf_tried) {
		r->btf = btf__load_vmlinux_btf();
		r->btf_tried = true;
	}
	if (!r->btf)
		skip(it, "BTF does not load");
	return r->btf;
}

/*
 * "[N]" ending the last member: the first N elements (1..64) of the array it
 * is (fd_array[4]) or points at (fdt->fd[8]), as one array fetch argument.
 * Returns N, 0 without a suffix, -1 for a malformed one; strips it.
 */
static int take_count(char *seg)
{
	char *open = strchr(seg, '['), *end;
	long n;

	if (!open)
		return 0;
	n = strtol(open + 1, &end, 10);
	if (end == open + 1 || strcmp(end, "]") || n < 1 || n > 64)
		return -1;
	*open = '\0';
	return (int)n;
}

/*
 * The element type of an array read: a pointer is x64, an integer u/sBITS.
 * type is the member's; *deref is set when it is a pointer to the elements.
 */
static int array_elem(const struct btf *btf, __u32 type, bool *deref, char *out, size_t outlen)
{
	const struct btf_type *t = skip_mods(btf, &type);

	*deref = false;
	if (t && btf_is_array(t)) {
		type = btf_array(t)->type;
	} else if (t && btf_is_ptr(t)) {
		*deref = true;
		type = t->type;
	} else {
		return -1;
	}
	t = skip_mods(btf, &type);
	if (t && btf_is_ptr(t)) {
		snprintf(out, outlen, "x64");
		return 0;
	}
	if (t && btf_is_int(t) && (t->size == 1 || t->size == 2 || t->size == 4 || t->size == 8)) {
		snprintf(out, outlen, "%c%u", btf_int_encoding(t) & BTF_INT_SIGNED ? 's' : 'u', t->size * 8);
		return 0;
	}
	return -1;
}

/*
 * path is ARG("->"MEMBER[":"STRUCT])...["["N"]"]: each step reads MEMBER of
 * the struct the current pointer points at, or of STRUCT when the previous
 * step cast a void * (file->private_data:socket); a final [N] reads N
 * elements of the last member (files->fdt->fd[8]).
 */
static int field_fetch(struct btf *btf, const char *func, const char *path, struct kstep_sbuf *out,
		       struct kstep_sbuf *name, char *err, size_t errlen)
{
	char *copy = kstep_xstrdup(path), *seg, *next;
	const struct btf_type *t, *proto;
	const struct btf_param *pa;
	__s32 fid = btf__find_by_name_kind(btf, func, BTF_KIND_FUNC), cast = -1;
	__u32 cur;
	__u16 i, n;
	int ret = -1, argi = -1, count = 0;

	if (fid < 0 || !(t = btf__type_by_id(btf, (__u32)fid)) ||
	    !(proto = btf__type_by_id(btf, t->type)) || !btf_is_func_proto(proto)) {
		snprintf(err, errlen, "no BTF for function %s", func);
		goto out;
	}
	next = strstr(copy, "->");
	*next = '\0';
	pa = btf_params(proto);
	n = btf_vlen(proto);
	for (i = 0; i < n; i++)
		if (!strcmp(btf__name_by_offset(btf, pa[i].name_off), copy))
			argi = i;
	if (argi < 0 || argi >= (int)KSTEP_ARRAY_SIZE(arg_regs)) {
		snprintf(err, errlen, "%s has no register argument named %s", func, copy);
		goto out;
	}
	cur = pa[argi].type;
	kstep_sbuf_add(out, arg_regs[argi]);
	kstep_sbuf_add(name, copy);
	for (seg = next + 2; seg; seg = next) {
		char *to = strchr(seg, ':'), *inner;
		__u32 sid, off, mtype;

		next = strstr(seg, "->");
		if (next) {
			*next = '\0';
			next += 2;
		}
		if (to)
			*to++ = '\0';
		if ((count = take_count(seg)) != 0 && (count < 0 || next || to)) {
			snprintf(err, errlen, "%s: [N] (1 to 64 elements) ends the last member only", path);
			goto out;
		}
		if (cast >= 0) {
			sid = (__u32)cast;
		} else {
			const struct btf_type *pt = skip_mods(btf, &cur);

			if (!pt || !btf_is_ptr(pt)) {
				snprintf(err, errlen, "%s: what %s is read from is not a pointer", path, seg);
				goto out;
			}
			sid = pt->type;
		}
		if (find_member(btf, sid, seg, &off, &mtype)) {
			const struct btf_type *st = skip_mods(btf, &sid);
			const char *sn = st ? btf__name_by_offset(btf, st->name_off) : NULL;

			snprintf(err, errlen, "struct %s has no field %s in this kernel's BTF", sn && *sn ? sn : "?",
				 seg);
			goto out;
		}
		inner = kstep_sbuf_steal(out);
		kstep_sbuf_addf(out, "+%u(%s)", off, inner);
		free(inner);
		kstep_sbuf_addf(name, "_%s", seg);
		cur = mtype;
		cast = -1;
		if (to && (cast = btf__find_by_name_kind(btf, to, BTF_KIND_STRUCT)) < 0) {
			snprintf(err, errlen, "%s: no struct %s in BTF", path, to);
			goto out;
		}
	}
	if (count > 0) {
		char elem[8], *inner;
		bool deref;

		if (array_elem(btf, cur, &deref, elem, sizeof(elem))) {
			snprintf(err, errlen, "%s: [%d] needs an array or a pointer to pointers or integers", path,
				 count);
			goto out;
		}
		if (deref) {
			inner = kstep_sbuf_steal(out);
			kstep_sbuf_addf(out, "+0(%s)", inner);
			free(inner);
		}
		kstep_sbuf_addf(out, ":%s[%d]", elem, count);
	} else {
		kstep_sbuf_add(out, ":x64");
	}
	ret = 0;
out:
	free(copy);
	return ret;
}

/*
 * The fetch argument's name: NAME= from the plan line, else the path joined
 * with '_', shortened from the front to the kernel's 31-character limit.
 */
static const char *field_name(const struct kstep_plan_item *it, const char *joined)
{
	static const size_t max = 31;
	size_t l = strlen(joined);

	if (it->fname[0])
		return it->fname;
	while (l > max) {
		const char *us = strchr(joined, '_');

		if (!us)
			break;
		joined = us + 1;
		l = strlen(joined);
	}
	return joined;
}

/*
 * The probe an item rides on: the plan's last applied probe of kind on
 * target, else its last applied one of kind other (a kprobe first, an
 * fprobe only where the plan has no kprobe there), or NULL.
 */
static const struct kstep_plan_item *applied_probe(const struct kstep_plan *p, const char *target,
						   enum kstep_pi_kind kind, enum kstep_pi_kind other)
{
	const struct kstep_plan_item *found = NULL, *k;
	size_t i;

	for (i = 0; i < p->items.n; i++) {
		k = kstep_plan_item(p, i);
		if ((k->kind == kind || (k->kind == other && (!found || found->kind == other))) && k->applied &&
		    !strcmp(k->target, target))
			found = k;
	}
	return found;
}

static void resolve_field(struct resolver *r, struct kstep_plan_item *it)
{
	struct kstep_sbuf fetch = { 0 }, name = { 0 };
	char err[256];

	if (!applied_probe(r->p, it->target, KSTEP_PI_KPROBE, KSTEP_PI_FPROBE)) {
		skip(it, "no entry probe on %s is applied here", it->target);
		return;
	}
	if (!plan_btf(r, it))
		return;
	if (field_fetch(r->btf, it->target, it->args, &fetch, &name, err, sizeof(err))) {
		skip(it, "%s", err);
		kstep_sbuf_free(&fetch);
		kstep_sbuf_free(&name);
		return;
	}
	it->fetch = kstep_xasprintf("%s=%s", field_name(it, kstep_sbuf_str(&name)), kstep_sbuf_str(&fetch));
	snprintf(it->note, sizeof(it->note), "%s", it->fetch);
	it->applied = true;
	kstep_sbuf_free(&fetch);
	kstep_sbuf_free(&name);
}

/* An object read rides on the kprobe (entry) or kretprobe (return) of its function. */
static void resolve_object(struct resolver *r, struct kstep_plan_item *it)
{
	enum kstep_pi_kind want = it->ret ? KSTEP_PI_KRETPROBE : KSTEP_PI_KPROBE;
	enum kstep_pi_kind fwant = it->ret ? KSTEP_PI_FEXIT : KSTEP_PI_FPROBE;
	const struct kstep_plan_item *probe = applied_probe(r->p, it->target, want, fwant);
	struct kstep_btfobj o;
	char err[256], prefix[16];

	if (!probe) {
		skip(it, "no %s on %s is applied here", it->ret ? "kretprobe or fexit" : "kprobe or fprobe",
		     it->target);
		return;
	}
	if (!plan_btf(r, it))
		return;
	snprintf(prefix, sizeof(prefix), "o%d", it->line);
	it->fprobe = probe->kind == fwant;
	if (kstep_btfobj_resolve(r->btf, it->target, it->ret, it->fprobe, it->args, probe->event, prefix, &o,
				 err, sizeof(err))) {
		skip(it, "%s", err);
		return;
	}
	it->fetch = o.fetch;
	it->layout = o.layout;
	snprintf(it->note, sizeof(it->note), "struct %s on %s/%s", o.sname, probe->system, probe->event);
	it->applied = true;
}

/* A lookup rides on the kprobe at its function's entry, where the index is an argument or field. */
static void resolve_lookup(struct resolver *r, struct kstep_plan_item *it)
{
	const struct kstep_plan_item *probe = applied_probe(r->p, it->target, KSTEP_PI_KPROBE, KSTEP_PI_KPROBE);
	struct kstep_btfobj o;
	char err[256], sym[128];

	if (!probe) {
		skip(it, "no kprobe on %s is applied here", it->target);
		return;
	}
	snprintf(sym, sizeof(sym), "%.*s", (int)strcspn(strchr(it->args, '=') + 1, "["), strchr(it->args, '=') + 1);
	if (!r->ks || !kstep_ksyms_find(r->ks, sym)) {
		skip(it, "no symbol %s in /proc/kallsyms", sym);
		return;
	}
	if (!plan_btf(r, it))
		return;
	if (kstep_btfobj_lookup(r->btf, it->target, it->args, probe->event, &o, err, sizeof(err))) {
		skip(it, "%s", err);
		return;
	}
	it->fetch = o.fetch;
	it->layout = o.layout;
	snprintf(it->note, sizeof(it->note), "%s on %s/%s", o.sname, probe->system, probe->event);
	it->applied = true;
}

/* The layout lines of every applied item of that kind, "" when none. */
static char *layouts(const struct kstep_plan *p, enum kstep_pi_kind kind)
{
	struct kstep_sbuf b = { 0 };
	size_t i;

	for (i = 0; i < p->items.n; i++) {
		const struct kstep_plan_item *it = kstep_plan_item(p, i);

		if (it->kind == kind && it->applied && it->layout)
			kstep_sbuf_add(&b, it->layout);
	}
	return kstep_sbuf_steal(&b);
}

char *kstep_plan_lookups(const struct kstep_plan *p)
{
	return layouts(p, KSTEP_PI_LOOKUP);
}

char *kstep_plan_objects(const struct kstep_plan *p)
{
	return layouts(p, KSTEP_PI_OBJECT);
}

/* The first window whose anchor is applied wins. */
static void resolve_windows(struct resolver *r)
{
	size_t i, k;

	for (i = 0; i < r->p->items.n; i++) {
		struct kstep_plan_item *w = kstep_plan_item(r->p, i);
		enum kstep_pi_kind want = w->kind == KSTEP_PI_WINDOW_UPROBE ? KSTEP_PI_UPROBE : KSTEP_PI_SYSCALL;
		bool anchor = false;

		if (w->kind != KSTEP_PI_WINDOW_UPROBE && w->kind != KSTEP_PI_WINDOW_SYSCALL)
			continue;
		if (r->p->window >= 0) {
			skip(w, "an earlier window applies");
			continue;
		}
		if (!need_cap(r, w, KSTEP_CAP_TRIGGERS))
			continue;
		for (k = 0; k < r->p->items.n; k++) {
			struct kstep_plan_item *a = kstep_plan_item(r->p, k);

			if (a->kind == want && a->applied && !strcmp(a->target, w->target))
				anchor = true;
		}
		if (!anchor) {
			skip(w, "its %s %s is not applied here", want == KSTEP_PI_UPROBE ? "uprobe" : "syscall",
			     w->target);
			continue;
		}
		w->applied = true;
		r->p->window = (int)i;
	}
}

void kstep_plan_resolve(struct kstep_plan *p, const struct kstep_plan_env *env)
{
	struct resolver r = { .p = p, .env = env };
	size_t i;

	r.ks = kstep_ksyms_parse(env->kallsyms, env->kallsyms_len);
	p->window = -1;
	for (i = 0; i < p->items.n; i++) {
		struct kstep_plan_item *it = kstep_plan_item(p, i);

		it->applied = false;
		it->note[0] = '\0';
		switch (it->kind) {
		case KSTEP_PI_SYSCALL:
			resolve_syscall(&r, it);
			break;
		case KSTEP_PI_GRAPH:
		case KSTEP_PI_GRAPH_DEPTH:
			resolve_graph(&r, it);
			break;
		case KSTEP_PI_KPROBE:
		case KSTEP_PI_KRETPROBE:
		case KSTEP_PI_FPROBE:
		case KSTEP_PI_FEXIT:
			resolve_kprobe(&r, it);
			break;
		case KSTEP_PI_UPROBE:
		case KSTEP_PI_URETPROBE:
			resolve_uprobe(&r, it);
			break;
		case KSTEP_PI_EVENT:
			resolve_event(&r, it);
			break;
		case KSTEP_PI_EPROBE:
			resolve_eprobe(&r, it);
			break;
		default:
			break;
		}
	}
	/* fields need their probe, windows their anchor: after the rest */
	for (i = 0; i < p->items.n; i++) {
		struct kstep_plan_item *it = kstep_plan_item(p, i);

		if (it->kind == KSTEP_PI_FIELD)
			resolve_field(&r, it);
		else if (it->kind == KSTEP_PI_OBJECT)
			resolve_object(&r, it);
		else if (it->kind == KSTEP_PI_LOOKUP)
			resolve_lookup(&r, it);
	}
	resolve_windows(&r);
	btf__free(r.btf);
	kstep_ksyms_free(r.ks);
}

static const char *kind_word(enum kstep_pi_kind k)
{
	size_t i;

	if (k == KSTEP_PI_WINDOW_UPROBE)
		return "window uprobe";
	if (k == KSTEP_PI_WINDOW_SYSCALL)
		return "window syscall";
	for (i = 0; i < KSTEP_ARRAY_SIZE(directives); i++)
		if (directives[i].kind == k)
			return directives[i].word;
	return "?";
}

char *kstep_plan_applied(const struct kstep_plan *p)
{
	struct kstep_sbuf b = { 0 };
	size_t i;
	int pass;

	kstep_sbuf_addf(&b, "# plan %s as applied on this kernel\n", p->name ? p->name : "(command line)");
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < p->items.n; i++) {
			const struct kstep_plan_item *it = kstep_plan_item(p, i);

			if (it->applied != !pass)
				continue;
			kstep_sbuf_addf(&b, "%s%s %s%s%s%s%s%s%s%s%s\n", pass ? "# skipped: " : "", kind_word(it->kind),
					it->target, it->ret ? " return " : it->args ? " " : "", it->args ? it->args : "",
					it->stack ? " stack" : "", it->window ? " window" : "",
					it->filter ? " if " : "", it->filter ? it->filter : "",
					it->note[0] ? "  # " : "", it->note);
		}
	}
	return kstep_sbuf_steal(&b);
}
