/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * event.h - what each event in a trace.dat is, as a source of facts:
 * function_graph entry/exit, kprobe/fprobe/uprobe entry or return, syscall
 * enter/exit, a stack, a context switch, an interrupt marker, or any other
 * event (an observation). Decided once per event id from its format.
 */
#ifndef KSTEP_EVENT_H
#define KSTEP_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include <traceevent/event-parse.h>

#include "load.h"

/* Evidence: where a fact came from. Bit flags; a step shows the strongest. */
enum kstep_src {
	KSTEP_SRC_FGRAPH = 1 << 0,
	KSTEP_SRC_KPROBE = 1 << 1,
	KSTEP_SRC_FPROBE = 1 << 2,
	KSTEP_SRC_SYSCALL = 1 << 3,
	KSTEP_SRC_UPROBE = 1 << 4,
	KSTEP_SRC_EVENT = 1 << 5,
	KSTEP_SRC_STACK = 1 << 6,
	KSTEP_SRC_STACK_MERGED = 1 << 7,
	KSTEP_SRC_INLINE = 1 << 8,
	KSTEP_SRC_TAIL = 1 << 9,
	KSTEP_SRC_FUNCTION = 1 << 10,	/* the function tracer: a call seen at entry */
};

/* Returns the tag of the strongest source in mask ("fgraph", "kprobe", ...). */
const char *kstep_src_tag(unsigned mask);
/* Returns true when the tag names an inferred (not observed) source. */
bool kstep_src_inferred(unsigned mask);
/* Writes all tags of mask, joined with '+', into out. */
void kstep_src_tags(unsigned mask, char *out, size_t len);

enum kstep_evkind {
	KSTEP_EV_OTHER = 0,
	KSTEP_EV_FG_ENTRY,
	KSTEP_EV_FG_EXIT,
	KSTEP_EV_FUNC,		/* ftrace:function (func, parent_ip) */
	KSTEP_EV_PROBE,		/* kprobe, fprobe or uprobe hit */
	KSTEP_EV_PROBE_RET,	/* kretprobe, fexit or uretprobe */
	KSTEP_EV_SYS_ENTER,
	KSTEP_EV_SYS_EXIT,
	KSTEP_EV_RAW_SYS_ENTER,
	KSTEP_EV_RAW_SYS_EXIT,
	KSTEP_EV_KSTACK,
	KSTEP_EV_USTACK,
	KSTEP_EV_SCHED_SWITCH,
	KSTEP_EV_IRQ_ENTRY,
	KSTEP_EV_IRQ_EXIT,
	KSTEP_EV_SOFTIRQ_ENTRY,
	KSTEP_EV_SOFTIRQ_EXIT,
};

/* One value field of an event, and how to show it. */
struct kstep_evfield {
	struct tep_format_field *f;
	bool hex;		/* printed as hex by the kernel: address-like */
	bool string;
	bool array;
	/* decode_pure events: the token is exactly "name=%p" of this field (the
	 * kernel's text is the pointer as printf prints it), else remembered */
	bool plain_ptr;
	uint8_t ntokens;	/* tokens of the print format named after it */
};

struct kstep_evdesc {
	struct tep_event *ev;
	enum kstep_evkind kind;
	unsigned src;		/* enum kstep_src for probe kinds; 0: decided per record */
	const char *syscall;	/* sys_enter_NAME / sys_exit_NAME: NAME */
	/* the fields each kind needs */
	struct tep_format_field *f_func;	/* fgraph func, ftrace function ip */
	struct tep_format_field *f_depth;
	struct tep_format_field *f_calltime;
	struct tep_format_field *f_rettime;
	struct tep_format_field *f_retval;	/* funcgraph_exit retval (6.5+ kernels) */
	struct tep_format_field *f_parent;	/* ftrace:function parent_ip */
	struct tep_format_field *f_ip;		/* probe __probe_ip / __probe_func */
	struct tep_format_field *f_retip;	/* probe __probe_ret_ip */
	struct tep_format_field *f_nr;		/* syscall number */
	struct tep_format_field *f_ret;		/* syscall return */
	struct tep_format_field *f_args;	/* raw_syscalls args[6], funcgraph args[] */
	struct tep_format_field *f_size;	/* kernel_stack size */
	struct tep_format_field *f_caller;	/* kernel_stack caller[] */
	struct tep_format_field *f_prev_pid;	/* sched_switch */
	struct tep_format_field *f_prev_state;
	struct tep_format_field *f_next_pid;
	struct tep_format_field *f_irq;		/* irq / softirq vector */
	struct tep_format_field *f_irqname;
	struct kstep_evfield *vals;	/* the values shown for the event */
	int nvals;
	/* The kernel's print format names each numeric value by that value alone
	 * (no other field, no text from the trace that could hold ' ' or '='
	 * except in the string values, checked per record): its decoded text may
	 * be remembered per value instead of printing every record. */
	bool decode_pure;
};

struct kstep_evtab;

/* Returns a table that classifies the events of tep; free with kstep_evtab_free. */
struct kstep_evtab *kstep_evtab_new(struct tep_handle *tep);
void kstep_evtab_free(struct kstep_evtab *t);
/* Marks "system/event" as an fprobe event (before its first kstep_evtab_get). */
void kstep_evtab_fprobe(struct kstep_evtab *t, const char *system_event);
/* Returns the description of ev (made on first use, kept in the table). */
const struct kstep_evdesc *kstep_evtab_get(struct kstep_evtab *t, struct tep_event *ev);

/* Returns true for user-space addresses (uprobes), false for kernel ones. */
bool kstep_addr_is_user(uint64_t addr, int long_size);

/* Returns the source of a probe record: kprobe, fprobe or uprobe. */
unsigned kstep_probe_src(const struct kstep_evdesc *d, uint64_t ip, int long_size);

#endif
