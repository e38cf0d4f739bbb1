// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * event.c - classifying events by their formats, not by their names alone:
 * a kprobe is any event with __probe_ip, whatever group the user gave it.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "util.h"

struct kstep_evtab {
	struct tep_handle *tep;
	struct kstep_evdesc **byid;
	int nids;
	struct kstep_arena arena;
	char **fprobes;		/* "system/event" of fprobe events (the recorder's plan says) */
	size_t nfprobes;
};

/* Strongest first: the order the step's single tag is chosen in. */
static const struct {
	unsigned bit;
	const char *tag;
	bool inferred;
} tags[] = {
	{ KSTEP_SRC_FGRAPH, "fgraph", false },
	{ KSTEP_SRC_KPROBE, "kprobe", false },
	{ KSTEP_SRC_FPROBE, "fprobe", false },
	{ KSTEP_SRC_FUNCTION, "function", false },
	{ KSTEP_SRC_SYSCALL, "syscall", false },
	{ KSTEP_SRC_UPROBE, "uprobe", false },
	{ KSTEP_SRC_EVENT, "event", false },
	{ KSTEP_SRC_STACK, "stack", false },
	{ KSTEP_SRC_STACK_MERGED, "stack-merged", true },
	{ KSTEP_SRC_INLINE, "inline", true },
	{ KSTEP_SRC_TAIL, "tail", true },
};

const char *kstep_src_tag(unsigned mask)
{
	size_t i;

	for (i = 0; i < KSTEP_ARRAY_SIZE(tags); i++)
		if (mask & tags[i].bit)
			return tags[i].tag;
	return "none";
}

bool kstep_src_inferred(unsigned mask)
{
	size_t i;

	for (i = 0; i < KSTEP_ARRAY_SIZE(tags); i++)
		if (mask & tags[i].bit)
			return tags[i].inferred;
	return true;
}

void kstep_src_tags(unsigned mask, char *out, size_t len)
{
	size_t i, n = 0;

	if (len)
		out[0] = '\0';
	for (i = 0; i < KSTEP_ARRAY_SIZE(tags); i++) {
		if (!(mask & tags[i].bit))
			continue;
		/* as snprintf would, without it: this runs for every line of a tree */
		if (n) {
			if (n + 1 < len)
				out[n] = '+';
			n++;
		}
		{
			size_t t = strlen(tags[i].tag), k;

			if (n < len) {
				k = t < len - 1 - n ? t : len - 1 - n;
				memcpy(out + n, tags[i].tag, k);
				out[n + k] = '\0';
			} else if (len) {
				out[len - 1] = '\0';
			}
			n += t;
		}
		if (n >= len)
			return;
	}
}

bool kstep_addr_is_user(uint64_t addr, int long_size)
{
	if (long_size == 4)
		return addr < 0xc0000000ULL;
	return addr < 0x0000800000000000ULL;
}

unsigned kstep_probe_src(const struct kstep_evdesc *d, uint64_t ip, int long_size)
{
	if (d->src)
		return d->src;
	return kstep_addr_is_user(ip, long_size) ? KSTEP_SRC_UPROBE : KSTEP_SRC_KPROBE;
}

struct kstep_evtab *kstep_evtab_new(struct tep_handle *tep)
{
	struct kstep_evtab *t = kstep_xcalloc(1, sizeof(*t));
	struct tep_event **all = tep_list_events(tep, TEP_EVENT_SORT_ID);
	int i, n = tep_get_events_count(tep), max = 0;

	for (i = 0; all && i < n; i++)
		if (all[i]->id > max)
			max = all[i]->id;
	t->tep = tep;
	t->nids = max + 1;
	t->byid = kstep_xcalloc((size_t)t->nids, sizeof(*t->byid));
	return t;
}

void kstep_evtab_free(struct kstep_evtab *t)
{
	if (!t)
		return;
	free(t->byid);
	free(t->fprobes);
	kstep_arena_free(&t->arena);
	free(t);
}

static struct tep_format_field *field(struct tep_event *ev, const char *name)
{
	return tep_find_field(ev, name);
}

/* The kernel prints a value as hex when its print fmt says "name=0x%" or %p. */
static bool printed_hex(struct tep_event *ev, const struct tep_format_field *f)
{
	const char *fmt = ev->print_fmt.format;
	char pat[128];

	if (f->flags & TEP_FIELD_IS_POINTER)
		return true;
	if (strchr(f->type, '*'))
		return true;
	if (!fmt)
		return false;
	snprintf(pat, sizeof(pat), "%s=0x%%", f->name);
	if (strstr(fmt, pat))
		return true;
	snprintf(pat, sizeof(pat), "%s=%%p", f->name);
	if (strstr(fmt, pat))
		return true;
	snprintf(pat, sizeof(pat), "%s: 0x%%", f->name);
	return strstr(fmt, pat) != NULL;
}

static bool internal_field(const struct kstep_evdesc *d, const struct tep_format_field *f)
{
	return f == d->f_ip || f == d->f_retip || f == d->f_nr || f == d->f_func || f == d->f_depth ||
	       f == d->f_calltime || f == d->f_rettime || f == d->f_size || f == d->f_caller ||
	       !strcmp(f->name, "overrun");
}

static void collect_values(struct kstep_evtab *t, struct kstep_evdesc *d)
{
	struct tep_format_field **fields = tep_event_fields(d->ev);
	int n = 0, i;

	for (i = 0; fields && fields[i]; i++)
		n++;
	d->vals = kstep_arena_alloc(&t->arena, sizeof(*d->vals) * (size_t)(n ? n : 1));
	for (i = 0; fields && fields[i]; i++) {
		struct kstep_evfield *v;

		if (internal_field(d, fields[i]))
			continue;
		v = &d->vals[d->nvals++];
		v->f = fields[i];
		v->string = (fields[i]->flags & TEP_FIELD_IS_STRING) ||
			    ((fields[i]->flags & TEP_FIELD_IS_ARRAY) && strstr(fields[i]->type, "char"));
		v->array = (fields[i]->flags & TEP_FIELD_IS_ARRAY) && !v->string;
		v->hex = !v->string && printed_hex(d->ev, fields[i]);
	}
	free(fields);
}

static void classify_ftrace(struct kstep_evdesc *d)
{
	struct tep_event *ev = d->ev;

	if (!strcmp(ev->name, "funcgraph_entry") || !strcmp(ev->name, "fgraph_retaddr_entry")) {
		d->kind = KSTEP_EV_FG_ENTRY;
		d->f_func = field(ev, "func");
		d->f_depth = field(ev, "depth");
		d->f_args = field(ev, "args");
		/* funcgraph-retaddr (6.13+): the return address says which call site ran */
		d->f_retip = field(ev, "retaddr");
	} else if (!strcmp(ev->name, "funcgraph_exit")) {
		d->kind = KSTEP_EV_FG_EXIT;
		d->f_func = field(ev, "func");
		d->f_depth = field(ev, "depth");
		d->f_calltime = field(ev, "calltime");
		d->f_rettime = field(ev, "rettime");
		d->f_retval = field(ev, "retval");
	} else if (!strcmp(ev->name, "function")) {
		d->kind = KSTEP_EV_FUNC;
		d->f_func = field(ev, "ip");
		d->f_parent = field(ev, "parent_ip");
	} else if (!strcmp(ev->name, "kernel_stack")) {
		d->kind = KSTEP_EV_KSTACK;
		d->f_size = field(ev, "size");
		d->f_caller = field(ev, "caller");
	} else if (!strcmp(ev->name, "user_stack")) {
		d->kind = KSTEP_EV_USTACK;
		d->f_caller = field(ev, "caller");
	}
	if (d->kind == KSTEP_EV_FG_ENTRY || d->kind == KSTEP_EV_FG_EXIT)
		d->src = KSTEP_SRC_FGRAPH;
	if (d->kind == KSTEP_EV_FUNC)
		d->src = KSTEP_SRC_FUNCTION;
	if ((d->kind == KSTEP_EV_FG_ENTRY || d->kind == KSTEP_EV_FG_EXIT || d->kind == KSTEP_EV_FUNC) &&
	    !d->f_func)
		d->kind = KSTEP_EV_OTHER;
	if (d->kind == KSTEP_EV_KSTACK && !d->f_caller)
		d->kind = KSTEP_EV_OTHER;
}

static void classify_probe(struct kstep_evdesc *d)
{
	struct tep_event *ev = d->ev;

	if ((d->f_ip = field(ev, "__probe_ip"))) {
		d->kind = KSTEP_EV_PROBE;
	} else if ((d->f_ip = field(ev, "__probe_func")) && (d->f_retip = field(ev, "__probe_ret_ip"))) {
		d->kind = KSTEP_EV_PROBE_RET;
	} else {
		d->f_ip = NULL;
		return;
	}
	if (!strcmp(ev->system, "uprobes"))
		d->src = KSTEP_SRC_UPROBE;
	else if (!strcmp(ev->system, "fprobes"))
		d->src = KSTEP_SRC_FPROBE;
	else if (!strcmp(ev->system, "kprobes"))
		d->src = KSTEP_SRC_KPROBE;
	/* other groups (kstep_PID, user-chosen): decided by the address */
}

static void classify_syscall(struct kstep_evdesc *d)
{
	struct tep_event *ev = d->ev;

	if (!strcmp(ev->system, "syscalls")) {
		if (!strncmp(ev->name, "sys_enter_", 10)) {
			d->kind = KSTEP_EV_SYS_ENTER;
			d->syscall = ev->name + 10;
		} else if (!strncmp(ev->name, "sys_exit_", 9)) {
			d->kind = KSTEP_EV_SYS_EXIT;
			d->syscall = ev->name + 9;
			d->f_ret = field(ev, "ret");
		}
		d->f_nr = field(ev, "__syscall_nr");
	} else if (!strcmp(ev->system, "raw_syscalls")) {
		d->f_nr = field(ev, "id");
		if (!strcmp(ev->name, "sys_enter")) {
			d->kind = KSTEP_EV_RAW_SYS_ENTER;
			d->f_args = field(ev, "args");
		} else if (!strcmp(ev->name, "sys_exit")) {
			d->kind = KSTEP_EV_RAW_SYS_EXIT;
			d->f_ret = field(ev, "ret");
		}
		if (!d->f_nr)
			d->kind = KSTEP_EV_OTHER;
	}
	if (d->kind != KSTEP_EV_OTHER)
		d->src = KSTEP_SRC_SYSCALL;
}

static void classify_other(struct kstep_evdesc *d)
{
	struct tep_event *ev = d->ev;

	if (!strcmp(ev->system, "sched") && !strcmp(ev->name, "sched_switch")) {
		d->f_prev_pid = field(ev, "prev_pid");
		d->f_prev_state = field(ev, "prev_state");
		d->f_next_pid = field(ev, "next_pid");
		if (d->f_prev_pid && d->f_next_pid)
			d->kind = KSTEP_EV_SCHED_SWITCH;
	} else if (!strcmp(ev->system, "irq")) {
		if (!strcmp(ev->name, "irq_handler_entry"))
			d->kind = KSTEP_EV_IRQ_ENTRY;
		else if (!strcmp(ev->name, "irq_handler_exit"))
			d->kind = KSTEP_EV_IRQ_EXIT;
		else if (!strcmp(ev->name, "softirq_entry"))
			d->kind = KSTEP_EV_SOFTIRQ_ENTRY;
		else if (!strcmp(ev->name, "softirq_exit"))
			d->kind = KSTEP_EV_SOFTIRQ_EXIT;
		d->f_irq = field(ev, d->kind == KSTEP_EV_IRQ_ENTRY || d->kind == KSTEP_EV_IRQ_EXIT ?
				 "irq" : "vec");
		d->f_irqname = field(ev, "name");
	}
	if (d->kind == KSTEP_EV_OTHER)
		d->src = KSTEP_SRC_EVENT;
}

void kstep_evtab_fprobe(struct kstep_evtab *t, const char *system_event)
{
	t->fprobes = kstep_xrealloc(t->fprobes, (t->nfprobes + 1) * sizeof(*t->fprobes));
	t->fprobes[t->nfprobes++] = kstep_arena_strdup(&t->arena, system_event);
}

/* Decode purity (see kstep_evdesc.decode_pure) */

/* Text the trace or the format prints as-is: may it hold ' ' or '='? */
static bool text_ok(const char *s)
{
	return !s || !strpbrk(s, " =");
}

static bool flagsyms_ok(const struct tep_print_flag_sym *f)
{
	for (; f; f = f->next)
		if (!text_ok(f->str))
			return false;
	return true;
}

/* Collects the one field arg reads (*name; "" when none yet); false when it
 * reads more than one, or does something whose text is not a function of it. */
static bool arg_field(const struct kstep_evdesc *d, const struct tep_print_arg *a, const char **name, int depth)
{
	const char *f;
	int i;

	if (!a || depth > 32)
		return !a;
	switch (a->type) {
	case TEP_PRINT_ATOM:
		return text_ok(a->atom.atom);
	case TEP_PRINT_FIELD:
		f = a->field.name;
		break;
	case TEP_PRINT_STRING:
		f = a->string.string;
		for (i = 0; i < d->nvals; i++)
			if (d->vals[i].string && !strcmp(d->vals[i].f->name, f))
				break;
		if (i == d->nvals)
			return false;
		break;
	case TEP_PRINT_TYPE:
		return arg_field(d, a->typecast.item, name, depth + 1);
	case TEP_PRINT_OP:
		return arg_field(d, a->op.left, name, depth + 1) && arg_field(d, a->op.right, name, depth + 1);
	case TEP_PRINT_FLAGS:
		return text_ok(a->flags.delim) && flagsyms_ok(a->flags.flags) &&
		       arg_field(d, a->flags.field, name, depth + 1);
	case TEP_PRINT_SYMBOL:
		return flagsyms_ok(a->symbol.symbols) && arg_field(d, a->symbol.field, name, depth + 1);
	default:
		return false;
	}
	if (!f || (**name && strcmp(*name, f)))
		return false;
	*name = f;
	return true;
}

/* The numeric value of the event named n, or NULL. */
static struct kstep_evfield *numeric_val(struct kstep_evdesc *d, const char *n, size_t len)
{
	int i;

	for (i = 0; i < d->nvals; i++)
		if (!d->vals[i].string && strlen(d->vals[i].f->name) == len && !strncmp(d->vals[i].f->name, n, len))
			return &d->vals[i];
	return NULL;
}

/* Is the token at tok (name nlen long) exactly "name=%p" of that field? */
static bool plain_ptr(const char *tok, size_t nlen, const struct tep_print_arg *a)
{
	const char *r = tok + nlen + 1;

	if (strncmp(r, "%p", 2) || (r[2] && r[2] != ' '))
		return false;
	while (a && a->type == TEP_PRINT_TYPE)
		a = a->typecast.item;
	return a && a->type == TEP_PRINT_FIELD && strlen(a->field.name) == nlen && !strncmp(a->field.name, tok, nlen);
}

/* A conversion (*p at its letter) whose text has no padding: numbers,
 * pointers and symbols, strings of the values (checked per record). */
static bool conv_ok(const struct kstep_evdesc *d, const char **p, const struct tep_print_arg *a)
{
	const char *c = *p;
	int i;

	if (*c && strchr("diuxXo", *c))
		return true;
	if (*c == 'p') {
		if (c[1] && isalnum((unsigned char)c[1])) {
			if (!strchr("SsFf", c[1]))
				return false;
			*p = c + 1;
		}
		return true;
	}
	if (*c != 's')
		return false;
	if (a->type != TEP_PRINT_FIELD)
		return true;
	for (i = 0; i < d->nvals; i++)
		if (d->vals[i].string && !strcmp(d->vals[i].f->name, a->field.name))
			return true;
	return false;
}

/* Walks the print format: conversions without width or precision (no
 * padding spaces), each token "name=..." naming a numeric value prints only
 * that value. */
static bool decode_pure(struct kstep_evdesc *d)
{
	struct kstep_evfield *cur = NULL;
	const char *p = d->ev->print_fmt.format, *tok;
	const struct tep_print_arg *a = d->ev->print_fmt.args;
	const char *name = NULL;	/* the token's value name, NULL: none */
	size_t nlen = 0;
	int i;

	if (!p || (d->ev->flags & TEP_EVENT_FL_FAILED) || d->ev->handler)
		return false;
	for (i = 0; i < d->nvals; i++)
		if (d->vals[i].array)
			return false;
	for (tok = p; *p; p++) {
		const char *eq;

		if (*p == ' ') {
			tok = p + 1;
			name = NULL;
			cur = NULL;
			continue;
		}
		if (p == tok) {
			size_t n = strcspn(tok, " =%");

			eq = tok[n] == '=' ? tok + n : NULL;
			if (!eq) {
				/* a '=' after a conversion would name the token by printed text */
				n = strcspn(tok, " =");
				if (tok[n] == '=')
					return false;
			} else if (memchr(tok, '[', n)) {
				return false;
			} else if ((cur = numeric_val(d, tok, n))) {
				name = tok;
				nlen = n;
				if (cur->ntokens < UINT8_MAX)
					cur->ntokens++;
				/* read as printf's %p reads it: no sign to extend */
				cur->plain_ptr = plain_ptr(tok, n, a) &&
						 (cur->f->size == 8 || !(cur->f->flags & TEP_FIELD_IS_SIGNED));
			}
		}
		if (*p != '%')
			continue;
		if (p[1] == '%') {
			p++;
			continue;
		}
		for (p++; *p && strchr("hlLqjzt", *p); p++)
			;
		if (!a || !conv_ok(d, &p, a))
			return false;
		{
			const char *f = "";

			if (!arg_field(d, a, &f, 0))
				return false;
			if (name && *f && (strlen(f) != nlen || strncmp(f, name, nlen)))
				return false;
		}
		a = a->next;
	}
	return !a;
}

const struct kstep_evdesc *kstep_evtab_get(struct kstep_evtab *t, struct tep_event *ev)
{
	struct kstep_evdesc *d;

	if (ev->id >= 0 && ev->id < t->nids && t->byid[ev->id])
		return t->byid[ev->id];
	d = kstep_arena_alloc(&t->arena, sizeof(*d));
	d->ev = ev;
	d->kind = KSTEP_EV_OTHER;
	if (!strcmp(ev->system, "ftrace"))
		classify_ftrace(d);
	if (d->kind == KSTEP_EV_OTHER)
		classify_probe(d);
	if (d->kind == KSTEP_EV_OTHER)
		classify_syscall(d);
	if (d->kind == KSTEP_EV_OTHER)
		classify_other(d);
	if (d->kind == KSTEP_EV_PROBE || d->kind == KSTEP_EV_PROBE_RET) {
		char key[300];
		size_t i;

		snprintf(key, sizeof(key), "%s/%s", ev->system, ev->name);
		for (i = 0; i < t->nfprobes; i++)
			if (!strcmp(t->fprobes[i], key))
				d->src = KSTEP_SRC_FPROBE;
	}
	collect_values(t, d);
	d->decode_pure = decode_pure(d);
	if (ev->id >= 0 && ev->id < t->nids)
		t->byid[ev->id] = d;
	return d;
}
