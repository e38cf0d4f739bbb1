// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * facts.c - trace records into facts for the chain: which record is what
 * kind of happening (function_graph entry or exit, probe hit or return,
 * syscall, event, stack, context switch), its values read from the record
 * and decoded by the kernel's own print format where that says more.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <traceevent/trace-seq.h>

#include "decode.h"
#include "facts.h"
#include "log.h"

/* ftrace's lat flags in common_flags */
#define TRACE_FLAG_HARDIRQ 0x08
#define TRACE_FLAG_SOFTIRQ 0x10
#define TRACE_FLAG_NMI 0x40

/* One remembered decoding: value num of field i of event d reads as text. */
struct memo {
	const struct kstep_evdesc *d;
	uint64_t num;
	int i;
	bool has;		/* the kernel's text differs from the raw value */
	char text[94];
};

#define MEMO_SLOTS 4096

struct kstep_facts {
	struct kstep_chain *c;	/* where facts go, and who owns their values */
	struct kstep_load *ld;	/* for the kallsyms of tep_print_event; may be NULL */
	struct memo *memo;	/* MEMO_SLOTS, direct-mapped: bounded whatever the trace */
	int long_size;
	struct trace_seq seq;
	bool seq_init;
	uint64_t frames[128];	/* one stack record's frames, while it is fed */
};

struct kstep_facts *kstep_facts_new(struct kstep_chain *c, int long_size, struct kstep_load *ld)
{
	struct kstep_facts *fx = kstep_xcalloc(1, sizeof(*fx));

	fx->c = c;
	fx->ld = ld;
	fx->long_size = long_size ? long_size : 8;
	return fx;
}

void kstep_facts_free(struct kstep_facts *fx)
{
	if (!fx)
		return;
	if (fx->seq_init)
		trace_seq_destroy(&fx->seq);
	free(fx->memo);
	free(fx);
}

static uint8_t rec_ctx(const struct kstep_rec *rec)
{
	unsigned fl = kstep_rec_flags(rec);

	if (fl & TRACE_FLAG_NMI)
		return KSTEP_CTX_NMI;
	if (fl & TRACE_FLAG_HARDIRQ)
		return KSTEP_CTX_HARDIRQ;
	if (fl & TRACE_FLAG_SOFTIRQ)
		return KSTEP_CTX_SOFTIRQ;
	return KSTEP_CTX_TASK;
}

static struct kstep_val *num_val(struct kstep_facts *fx, const char *name,
				 const struct tep_format_field *fld, bool hex, uint64_t v, unsigned src)
{
	enum kstep_val_type t = hex ? KSTEP_VT_HEX :
				(fld && (fld->flags & TEP_FIELD_IS_SIGNED)) ? KSTEP_VT_INT : KSTEP_VT_UINT;
	struct kstep_val *val = kstep_chain_val(fx->c, name, v, t, KSTEP_VAL_IN);

	val->src = (uint16_t)src;
	return val;
}

/* The event's fields as values; arrays become name[i]. */
static struct kstep_val *record_vals(struct kstep_facts *fx, const struct kstep_rec *rec,
				     const struct kstep_evdesc *d, unsigned src)
{
	struct kstep_val *head = NULL;
	int i;

	for (i = 0; i < d->nvals; i++) {
		const struct kstep_evfield *ef = &d->vals[i];
		struct kstep_val *v;
		uint64_t num;

		if (ef->string) {
			const char *s;
			size_t len;

			if (kstep_rec_str(rec, ef->f, &s, &len))
				continue;
			v = kstep_chain_val(fx->c, ef->f->name, 0, KSTEP_VT_STR, KSTEP_VAL_IN);
			v->str = kstep_chain_strdup(fx->c, s, len);
			v->src = (uint16_t)src;
		} else if (ef->array) {
			size_t n = kstep_rec_array_len(rec, ef->f), k;

			for (k = 0; k < n && k < 16; k++) {
				char name[64];

				if (kstep_rec_array(rec, ef->f, k, &num))
					break;
				snprintf(name, sizeof(name), "%s[%zu]", ef->f->name, k);
				v = num_val(fx, kstep_chain_strdup(fx->c, name, strlen(name)), ef->f, true, num, src);
				kstep_val_append(&head, v);
			}
			continue;
		} else {
			if (kstep_rec_num(rec, ef->f, &num))
				continue;
			v = num_val(fx, ef->f->name, ef->f, ef->hex, num, src);
		}
		kstep_val_append(&head, v);
	}
	return head;
}

/* raw_syscalls args[6] → arg0..arg5 */
static struct kstep_val *raw_args(struct kstep_facts *fx, const struct kstep_rec *rec,
				  const struct kstep_evdesc *d)
{
	static const char *const names[] = { "arg0", "arg1", "arg2", "arg3", "arg4", "arg5" };
	struct kstep_val *head = NULL;
	size_t k;

	for (k = 0; k < 6; k++) {
		uint64_t v;

		if (kstep_rec_array(rec, d->f_args, k, &v))
			break;
		kstep_val_append(&head, num_val(fx, names[k], NULL, true, v, KSTEP_SRC_SYSCALL));
	}
	return head;
}

/* Takes the return value out of a return probe's values. */
static struct kstep_val *take_ret(struct kstep_val **vals)
{
	static const char *const names[] = { "ret", "retval", "__retval", "arg1", "return" };
	struct kstep_val **p;
	size_t i;

	for (i = 0; i < KSTEP_ARRAY_SIZE(names); i++) {
		for (p = vals; *p; p = &(*p)->next) {
			if (!strcmp((*p)->name, names[i])) {
				struct kstep_val *v = *p;

				*p = v->next;
				v->next = NULL;
				v->role = KSTEP_VAL_OUT;
				return v;
			}
		}
	}
	return NULL;
}

/* Does the kernel's text for v say more than v's raw value? */
static bool says_more(const struct kstep_val *v, const char *text)
{
	char raw[32];

	if (v->type == KSTEP_VT_HEX)
		snprintf(raw, sizeof(raw), "0x%" PRIx64, v->num);
	else if (v->type == KSTEP_VT_INT)
		snprintf(raw, sizeof(raw), "%" PRId64, (int64_t)v->num);
	else
		snprintf(raw, sizeof(raw), "%" PRIu64, v->num);
	return strcmp(raw, text) && strcasecmp(raw + (raw[0] == '0' && raw[1] == 'x' ? 2 : 0), text);
}

/* The field of d that v was read from, or -1 (array elements, sched_switch names). */
static int field_of(const struct kstep_evdesc *d, const struct kstep_val *v)
{
	int i;

	for (i = 0; i < d->nvals; i++)
		if (d->vals[i].f->name == v->name)
			return i;
	return -1;
}

static struct memo *memo_slot(struct kstep_facts *fx, const struct kstep_evdesc *d, int i, uint64_t num)
{
	uint64_t h = (num ^ (uint64_t)(uintptr_t)d ^ ((uint64_t)i << 56)) * 0x9e3779b97f4a7c15ULL;

	if (!fx->memo)
		fx->memo = kstep_xcalloc(MEMO_SLOTS, sizeof(*fx->memo));
	return &fx->memo[h >> 52];
}

/* The string values hold no ' ' or '=' that could make or cut a token. */
static bool strings_plain(const struct kstep_rec *rec, const struct kstep_evdesc *d)
{
	int i;

	for (i = 0; i < d->nvals; i++) {
		const char *s;
		size_t len;

		if (!d->vals[i].string)
			continue;
		if (kstep_rec_str(rec, d->vals[i].f, &s, &len) || memchr(s, ' ', len) || memchr(s, '=', len))
			return false;
		/* the printed text ends at a NUL inside the record, as read here */
		if (s + len >= (const char *)rec->data + rec->size || s[len])
			return false;
	}
	return true;
}

/* Decodes vals from what was printed before for the same values (see
 * kstep_evdesc.decode_pure); returns false, touching nothing, if one is new. */
static bool memo_decode(struct kstep_facts *fx, const struct kstep_evdesc *d, struct kstep_val *vals)
{
	const struct memo *m[64];
	struct kstep_val *v;
	size_t n = 0;

	for (v = vals; v; v = v->next) {
		int i;

		if (v->type == KSTEP_VT_STR)
			continue;
		i = field_of(d, v);
		if (i < 0 || n == KSTEP_ARRAY_SIZE(m))
			return false;
		if (d->vals[i].plain_ptr && d->vals[i].ntokens == 1) {
			m[n++] = NULL;
			continue;
		}
		m[n] = memo_slot(fx, d, i, v->num);
		if (m[n]->d != d || m[n]->i != i || m[n]->num != v->num)
			return false;
		n++;
	}
	n = 0;
	for (v = vals; v; v = v->next) {
		if (v->type == KSTEP_VT_STR)
			continue;
		if (!m[n]) {
			/* printf's %p: "(nil)" for 0, else 0x and the hex digits */
			char text[32];

			if (v->num)
				snprintf(text, sizeof(text), "0x%" PRIx64, v->num);
			else
				snprintf(text, sizeof(text), "(nil)");
			if (says_more(v, text))
				v->decoded = kstep_chain_strdup(fx->c, text, strlen(text));
		} else if (m[n]->has) {
			v->decoded = kstep_chain_strdup(fx->c, m[n]->text, strlen(m[n]->text));
		}
		n++;
	}
	return true;
}

static void memo_put(struct kstep_facts *fx, const struct kstep_evdesc *d, const struct kstep_val *vals)
{
	const struct kstep_val *v;

	for (v = vals; v; v = v->next) {
		struct memo *m;
		size_t len = v->decoded ? strlen(v->decoded) : 0;
		int i;

		if (v->type == KSTEP_VT_STR || (i = field_of(d, v)) < 0 || len >= sizeof(m->text) ||
		    (d->vals[i].plain_ptr && d->vals[i].ntokens == 1))
			continue;
		m = memo_slot(fx, d, i, v->num);
		m->d = d;
		m->i = i;
		m->num = v->num;
		m->has = v->decoded != NULL;
		memcpy(m->text, v->decoded ? v->decoded : "", len + 1);
	}
}

/* Uses the kernel's own print format to name values (GFP_KERNEL, symbols). */
static void kernel_decode(struct kstep_facts *fx, struct tep_handle *tep, const struct kstep_rec *rec,
			  const struct kstep_evdesc *d, struct kstep_val *vals)
{
	char *p, *tok, *save = NULL;
	bool memo;

	if (!vals)
		return;
	memo = d->decode_pure && strings_plain(rec, d);
	if (memo && memo_decode(fx, d, vals))
		return;
	if (!fx->seq_init) {
		trace_seq_init(&fx->seq);
		fx->seq_init = true;
		if (fx->ld)
			kstep_load_tep_symbols(fx->ld);
	}
	trace_seq_reset(&fx->seq);
	tep_print_event(tep, &fx->seq, (struct tep_record *)&rec->tr, "%s", TEP_PRINT_INFO);
	trace_seq_terminate(&fx->seq);
	if (!fx->seq.buffer)
		return;
	p = fx->seq.buffer;
	for (tok = strtok_r(p, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(tok, '=');
		struct kstep_val *v;

		if (!eq || eq == tok)
			continue;
		*eq = '\0';
		for (v = vals; v; v = v->next) {
			if (strcmp(v->name, tok) || v->type == KSTEP_VT_STR || v->decoded)
				continue;
			if (says_more(v, eq + 1))
				v->decoded = kstep_chain_strdup(fx->c, eq + 1, strlen(eq + 1));
		}
	}
	if (memo)
		memo_put(fx, d, vals);
}

static bool dynamic_fields_ok(const struct kstep_rec *rec, const struct kstep_evdesc *d)
{
	int i;

	for (i = 0; i < d->nvals; i++) {
		const char *s;
		size_t len;

		if ((d->vals[i].f->flags & TEP_FIELD_IS_DYNAMIC) && kstep_rec_str(rec, d->vals[i].f, &s, &len))
			return false;
	}
	return true;
}

static void stack_fact(struct kstep_facts *fx, const struct kstep_rec *rec,
		       const struct kstep_evdesc *d, struct kstep_fact *f, bool user)
{
	uint64_t *frames = fx->frames;
	size_t n = kstep_rec_array_len(rec, d->f_caller), k, m = 0;
	uint64_t size = 0;

	if (!user && d->f_size && !kstep_rec_num(rec, d->f_size, &size) && size < n)
		n = (size_t)size;
	for (k = 0; k < n && m < KSTEP_ARRAY_SIZE(fx->frames); k++) {
		uint64_t v;

		if (kstep_rec_array(rec, d->f_caller, k, &v))
			break;
		if (!v || v == (fx->long_size == 4 ? 0xffffffffULL : ~0ULL))
			break;
		frames[m++] = v;
	}
	f->kind = user ? KSTEP_F_USTACK : KSTEP_F_KSTACK;
	f->stack = frames;
	f->nstack = m;
}

int kstep_facts_add_record(struct kstep_facts *fx, struct tep_handle *tep,
			   const struct kstep_rec *rec, const struct kstep_evdesc *d, int pid)
{
	struct kstep_fact f = { 0 };
	uint64_t v = 0;
	int rpid = kstep_rec_pid(rec);

	if (d->kind == KSTEP_EV_SCHED_SWITCH) {
		uint64_t prev = 0, next = 0;

		kstep_rec_num(rec, d->f_prev_pid, &prev);
		kstep_rec_num(rec, d->f_next_pid, &next);
		f.ts = rec->ts;
		f.cpu = rec->cpu;
		f.src = KSTEP_SRC_EVENT;
		if ((int)prev == pid && (int)next != pid) {
			f.kind = KSTEP_F_SWITCH_OUT;
			f.vals = record_vals(fx, rec, d, KSTEP_SRC_EVENT);
			kernel_decode(fx, tep, rec, d, f.vals);
		} else if ((int)next == pid && (int)prev != pid) {
			f.kind = KSTEP_F_SWITCH_IN;
		} else {
			return 0;
		}
		kstep_chain_feed(fx->c, &f);
		return 1;
	}
	if (rpid != pid)
		return 0;
	f.ts = rec->ts;
	f.cpu = rec->cpu;
	f.ctx = rec_ctx(rec);
	f.src = d->src;
	f.desc = d;
	switch (d->kind) {
	case KSTEP_EV_FG_ENTRY:
		f.kind = KSTEP_F_ENTRY;
		kstep_rec_num(rec, d->f_func, &f.addr);
		if (d->f_retip)
			kstep_rec_num(rec, d->f_retip, &f.retip);
		if (d->f_args && kstep_rec_array_len(rec, d->f_args))
			f.vals = record_vals(fx, rec, d, KSTEP_SRC_FGRAPH);
		break;
	case KSTEP_EV_FG_EXIT:
		f.kind = KSTEP_F_EXIT;
		kstep_rec_num(rec, d->f_func, &f.addr);
		if (!kstep_rec_num(rec, d->f_calltime, &f.calltime) &&
		    !kstep_rec_num(rec, d->f_rettime, &f.rettime))
			f.has_times = true;
		if (d->f_retval && !kstep_rec_num(rec, d->f_retval, &v)) {
			f.retv = kstep_chain_val(fx->c, "retval", v, KSTEP_VT_HEX, KSTEP_VAL_OUT);
			f.retv->src = KSTEP_SRC_FGRAPH;
		}
		break;
	case KSTEP_EV_FUNC:
		f.kind = KSTEP_F_CALL;
		kstep_rec_num(rec, d->f_func, &f.addr);
		kstep_rec_num(rec, d->f_parent, &f.retip);
		break;
	case KSTEP_EV_PROBE:
	case KSTEP_EV_PROBE_RET:
		kstep_rec_num(rec, d->f_ip, &f.addr);
		f.src = kstep_probe_src(d, f.addr, fx->long_size);
		f.user = f.src == KSTEP_SRC_UPROBE;
		if (f.user) {
			f.name = d->ev->name;
			/* uprobes fire from the breakpoint trap: its flags say nothing of the task */
			f.ctx = KSTEP_CTX_TASK;
		}
		f.vals = record_vals(fx, rec, d, f.src);
		if (d->kind == KSTEP_EV_PROBE) {
			f.kind = KSTEP_F_PROBE;
		} else {
			f.kind = KSTEP_F_PROBE_RET;
			kstep_rec_num(rec, d->f_retip, &f.retip);
			f.retv = take_ret(&f.vals);
		}
		break;
	case KSTEP_EV_SYS_ENTER:
	case KSTEP_EV_RAW_SYS_ENTER:
	case KSTEP_EV_SYS_EXIT:
	case KSTEP_EV_RAW_SYS_EXIT: {
		bool enter = d->kind == KSTEP_EV_SYS_ENTER || d->kind == KSTEP_EV_RAW_SYS_ENTER;
		const char *name;

		f.kind = enter ? KSTEP_F_SYS_ENTER : KSTEP_F_SYS_EXIT;
		f.sysnr = -1;
		if (!kstep_rec_num(rec, d->f_nr, &v))
			f.sysnr = (long)(int64_t)v;
		name = d->syscall ? d->syscall : kstep_syscall_name(f.sysnr);
		if (!name) {
			char buf[32];

			snprintf(buf, sizeof(buf), "syscall_%ld", f.sysnr);
			name = kstep_chain_strdup(fx->c, buf, strlen(buf));
		}
		f.name = name;
		if (enter)
			f.vals = d->kind == KSTEP_EV_RAW_SYS_ENTER ? raw_args(fx, rec, d) :
				 record_vals(fx, rec, d, KSTEP_SRC_SYSCALL);
		else if (!kstep_rec_num(rec, d->f_ret, &v))
			f.retv = kstep_chain_val(fx->c, "ret", v, KSTEP_VT_INT, KSTEP_VAL_OUT);
		if (f.retv)
			f.retv->src = KSTEP_SRC_SYSCALL;
		break;
	}
	case KSTEP_EV_KSTACK:
		stack_fact(fx, rec, d, &f, false);
		break;
	case KSTEP_EV_USTACK:
		stack_fact(fx, rec, d, &f, true);
		break;
	default: {
		char name[256];

		f.kind = KSTEP_F_EVENT;
		snprintf(name, sizeof(name), "%s:%s", d->ev->system, d->ev->name);
		f.name = kstep_chain_strdup(fx->c, name, strlen(name));
		f.src = KSTEP_SRC_EVENT;
		f.vals = record_vals(fx, rec, d, KSTEP_SRC_EVENT);
		if (dynamic_fields_ok(rec, d))
			kernel_decode(fx, tep, rec, d, f.vals);
		break;
	}
	}
	kstep_chain_feed(fx->c, &f);
	return 1;
}

/* Node helpers */
