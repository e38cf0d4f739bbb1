// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * load.c - formats into libtraceevent, pages into records, CPUs merged.
 *
 * Each page header is checked before kbuffer sees it: kbuffer trusts the
 * commit size, and a zeroed page simply "has no events" to it, which is how
 * records vanish silently in naive readers.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <traceevent/kbuffer.h>

#include "budget.h"
#include "load.h"
#include "log.h"

#define RB_MISSED_EVENTS (1ULL << 31)
#define RB_MISSED_STORED (1ULL << 30)
#define RB_COMMIT_MASK ((1ULL << 27) - 1)

/*
 * What libtraceevent keeps per parsed line, on top of the text: measured
 * for kallsyms (a function map entry) and kstep's own symbol table, with
 * room for the allocator's headers.
 */
#define KSYM_LINE_COST 160
#define PRINTK_LINE_COST 96
#define COMM_COST 64
/* A parsed format costs a few times its text (fields, print args). */
#define FORMAT_COST_FACTOR 8
#define FORMAT_COST_MIN 1024
/* Damage entries listed one by one; the rest are summed in one more. */
#define MAX_DAMAGE 1000
/* Room left in kstep_damage.what for " [+N more after it]". */
#define DAMAGE_TEXT_KEEP 120

struct cpu_it {
	int idx;
	int cpu;
	struct kstep_dat_pages *ps;
	struct kbuffer *kb;
	const unsigned char *page;
	uint64_t page_off;
	uint32_t commit;	/* bytes of event data in the page */
	bool page_loaded;
	bool first_in_page;
	bool done;
	uint64_t last_ts;
	/* a damage entry waiting for the next good timestamp */
	long open_damage;
	long trunc_damage;	/* the cut-short entry, dated when this CPU ends */
	struct kstep_rec rec;	/* the record at the head of this CPU */
	uint64_t records;	/* handed out since the last rewind */
};

struct kstep_load {
	struct kstep_dat *dat;
	struct tep_handle *tep;
	struct kstep_ksyms *ksyms;
	int bad_formats;
	bool ts_ns;
	bool swap;		/* the file's byte order is not this machine's */
	bool tep_syms;		/* libtraceevent has the kallsyms too */
	bool tsc;
	uint32_t tsc_mult;
	uint32_t tsc_shift;
	int64_t ts_offset;
	unsigned hdr_size;	/* page header: timestamp + commit */
	struct cpu_it *cpus;
	int ncpus;
	uint64_t charged;	/* bytes charged to the memory budget */
	int *heap;		/* indexes into cpus, ordered by head timestamp */
	int nheap;
	bool started;
	bool pending;		/* heap[0] was handed out and must advance */
	bool stats_checked;	/* the end of this pass was compared with CPUSTAT */
	struct kstep_load_stats stats;
	/* event id -> format, direct-mapped: tep_find_event's bsearch per record was a tenth of a pass */
	struct {
		int id;
		struct tep_event *ev;
	} evcache[256];
};

/*
 * A number of sz (1, 2, 4 or 8) bytes in the file's byte order. What
 * tep_read_number does, without a call through the PLT per field of every
 * record: that call was a tenth of a pass over a function_graph file.
 */
static inline uint64_t read_num(const void *p, unsigned sz, bool swap)
{
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;

	switch (sz) {
	case 1:
		return *(const uint8_t *)p;
	case 2:
		memcpy(&v16, p, 2);
		return swap ? __builtin_bswap16(v16) : v16;
	case 4:
		memcpy(&v32, p, 4);
		return swap ? __builtin_bswap32(v32) : v32;
	case 8:
		memcpy(&v64, p, 8);
		return swap ? __builtin_bswap64(v64) : v64;
	}
	return 0;
}

static void set_err(char *err, size_t errlen, const char *path, const char *msg)
{
	snprintf(err, errlen, "%s: %s", path, msg);
}

static int charge(struct kstep_load *ld, uint64_t n, const char *what, char *err, size_t errlen)
{
	char msg[512];

	if (kstep_budget_charge(n, what, msg, sizeof(msg))) {
		set_err(err, errlen, kstep_dat_path(ld->dat), msg);
		return -1;
	}
	ld->charged += n;
	return 0;
}

static size_t count_lines(const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	size_t n = 1;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
		n++;
		p++;
	}
	return n;
}

/* Formats */

static size_t ident_len(const char *p, const char *end)
{
	size_t n = 0;

	while (p + n < end && (isalnum((unsigned char)p[n]) || p[n] == '_'))
		n++;
	return n;
}

/* The NAME of "field:TYPE NAME[N];" in [p, semi): the last identifier before any [...]. */
static void field_name(const char *p, const char *semi, const char **name, size_t *len)
{
	const char *e = semi;

	while (e > p && (e[-1] == ']' || e[-1] == ' ' || e[-1] == '\t')) {
		if (e[-1] == ']') {
			while (e > p && e[-1] != '[')
				e--;
			if (e > p)
				e--;
		} else {
			e--;
		}
	}
	*name = e;
	while (*name > p && (isalnum((unsigned char)(*name)[-1]) || (*name)[-1] == '_'))
		(*name)--;
	*len = (size_t)(e - *name);
}

static bool field_declared(const char *text, const char *fmt_at, const char *name, size_t len)
{
	const char *p = text;

	while ((p = strstr(p, "field:")) && p < fmt_at) {
		const char *semi = memchr(p, ';', (size_t)(fmt_at - p));
		const char *n;
		size_t l;

		if (!semi)
			return false;
		field_name(p + 6, semi, &n, &l);
		if (l == len && !memcmp(n, name, len))
			return true;
		p = semi;
	}
	return false;
}

/* What is wrong with one format (check_format), each with its own message. */
enum fmt_damage {
	FMT_OK = 0,
	FMT_UNDECLARED,		/* prints a field it does not declare (the name in bad) */
	FMT_SUBSCRIPT,		/* indexes a field (the name in bad) by a non-number */
	FMT_DIVISION,		/* divides by something not a constant */
	FMT_ARROW,		/* follows "->" from something not REC */
	FMT_UNBALANCED,		/* a parenthesis or bracket that does not close */
	FMT_ID,			/* an ID no 16-bit event type can name */
	FMT_PERCENT,		/* a '%' that starts no printf conversion */
	FMT_TRAILING,		/* text after the print fmt line */
};

static bool undeclared(const char *text, const char *fmt_at, const char *name, size_t l, char *bad,
		       size_t badlen)
{
	if (l && field_declared(text, fmt_at, name, l))
		return false;
	snprintf(bad, badlen, "%.*s", (int)(l < 40 ? l : 40), name);
	return true;
}

/*
 * Is the divisor at p (after a '/' or '%' of the print fmt's arguments) a
 * non-zero integer literal, a sizeof(), or a field the format tests against
 * 0 first? libtraceevent evaluates the arguments' arithmetic itself, at
 * parse time (symbol values) and when it prints a record, and divides by
 * whatever the divisor is: zero raises SIGFPE. Real formats divide only so
 * (2,323 formats of 6.18; the 830 of the fixtures' 6.1 and 6.12 kernels).
 */
/* Does [p, end) hold the n bytes at s? */
static bool has_text(const char *p, const char *end, const char *s, size_t n)
{
	for (; (size_t)(end - p) >= n; p++)
		if (!memcmp(p, s, n))
			return true;
	return false;
}

static bool divisor_ok(const char *fmt_at, const char *p, const char *end)
{
	unsigned long long v = 0;
	int base = 10, digits = 0;

	while (p < end && isspace((unsigned char)*p))
		p++;
	if ((size_t)(end - p) >= 7 && !memcmp(p, "sizeof(", 7))
		return true;
	/* a field the format tests first: "REC->t == 0 ? 0 : (100 * REC->b) / REC->t" (thermal) */
	if ((size_t)(end - p) > 5 && !memcmp(p, "REC->", 5)) {
		char guard[96];
		size_t l = ident_len(p + 5, end);
		int n = snprintf(guard, sizeof(guard), "REC->%.*s == 0 ?", (int)(l < 64 ? l : 64), p + 5);

		return l && l < 64 && n > 0 && has_text(fmt_at, end, guard, (size_t)n);
	}
	if (end - p > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	for (; p < end && (base == 16 ? isxdigit((unsigned char)*p) : isdigit((unsigned char)*p)); p++, digits++)
		v = v * (unsigned)base + (unsigned)(isdigit((unsigned char)*p) ? *p - '0' : (tolower(*p) - 'a' + 10));
	return digits && digits <= 16 && v;
}

/*
 * The print fmt's arguments (after its format string) divide only by
 * constants. String and character literals are skipped. Returns 0, or -1.
 */
/*
 * Does the "->" at p follow REC (or "(REC)")? libtraceevent takes any
 * "X->field" in the arguments for a record field and dereferences NULL on a
 * fuzzed "REC->caller[4]->caller[5]"; real formats (2,323 of 6.18, the
 * fixtures' kernels) follow "->" from REC only.
 */
static bool arrow_ok(const char *fmt_at, const char *p)
{
	if (p > fmt_at && p[-1] == ')')
		p--;
	if (p - fmt_at < 3 || memcmp(p - 3, "REC", 3))
		return false;
	p -= 3;
	return p == fmt_at || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
}

/*
 * The print fmt's arguments, outside strings and character literals: every
 * division by something libtraceevent may evaluate as 0 or, with arrows,
 * every "->" not from REC. Returns FMT_OK, FMT_DIVISION or FMT_ARROW.
 */
static enum fmt_damage check_args(const char *fmt_at, const char *end, bool arrows)
{
	const char *p = memchr(fmt_at, '"', (size_t)(end - fmt_at));
	bool in_str = false;

	for (; p && p < end; p++) {
		if (*p == '\\' && in_str) {
			p++;
			continue;
		}
		if (*p == '"') {
			in_str = !in_str;
			continue;
		}
		if (in_str)
			continue;
		if (*p == '\'' && end - p > 2 && p[2] == '\'') {
			p += 2;
			continue;
		}
		if (!arrows && (*p == '/' || *p == '%') && !divisor_ok(fmt_at, p + 1, end))
			return FMT_DIVISION;
		if (arrows && *p == '-' && p + 1 < end && p[1] == '>' && !arrow_ok(fmt_at, p))
			return FMT_ARROW;
	}
	return FMT_OK;
}

/*
 * Every '%' of the print fmt's format string starts a conversion printf
 * knows: flags, width, precision and length, then a conversion letter (the
 * kernel's %p extensions follow a 'p'). libtraceevent divides by zero on a
 * fuzzed "ring %, user_data" while it parses. All formats of a 6.18 kernel
 * and of the fixtures' 6.1 and 6.12 kernels pass. Returns 0, or -1.
 */
static int check_conversions(const char *fmt_at, const char *end)
{
	const char *p = memchr(fmt_at, '"', (size_t)(end - fmt_at));

	if (!p)
		return 0;
	for (p++; p < end && *p != '"'; p++) {
		if (*p == '\\') {
			p++;
			continue;
		}
		if (*p != '%')
			continue;
		p++;
		if (p < end && *p == '%')
			continue;
		while (p < end && strchr("-+ #0", *p))
			p++;
		while (p < end && (isdigit((unsigned char)*p) || *p == '*' || *p == '.'))
			p++;
		while (p < end && strchr("hlLqjzZt", *p))
			p++;
		if (p >= end || !*p || !strchr("diouxXcspfFeEgGaAn", *p))
			return -1;
	}
	return 0;
}

/*
 * A field's subscript in a print fmt is a decimal number, and only one
 * (true of all 162 of this 6.18 kernel's formats and the fixtures'):
 * libtraceevent dereferences NULL on REC->caller[4][local]. Returns whether
 * the text at p (just after REC->NAME) is a subscript of another form.
 */
static bool bad_subscript(const char *p, const char *end)
{
	if (p >= end || *p != '[')
		return false;
	for (p++; p < end && *p >= '0' && *p <= '9'; p++)
		;
	return p >= end || *p != ']' || p[-1] == '[' || (p + 1 < end && p[1] == '[');
}

/*
 * Where the print fmt ends: its format string may hold newlines (aer_event's
 * does), so the end is the end of the line its closing quote is on; without
 * one, the end of the text.
 */
static const char *fmt_extent(const char *fmt_at)
{
	const char *p = strchr(fmt_at, '"');

	if (!p || memchr(fmt_at, '\n', (size_t)(p - fmt_at)))
		return fmt_at + strcspn(fmt_at, "\n");
	for (p++; *p && *p != '"'; p++)
		if (*p == '\\' && p[1])
			p++;
	if (!*p)
		return p;
	return p + strcspn(p, "\n");
}

/*
 * libtraceevent trusts the print fmt: a REC->name of a field the format
 * does not declare (one changed byte) makes it dereference NULL, and a
 * __get_str(name) of one prints nothing. Every name the print fmt uses in
 * these two forms must be declared (true of all 2,323 formats of a 6.18
 * kernel). Returns 0, or -1 with the name in bad.
 */
/*
 * Whether the print fmt's parentheses and brackets fail to close in order
 * (outside its strings and characters): libtraceevent follows an open one
 * past the end of the text (a fuzzed "(vo[global]->func, REC->depth" made it
 * dereference NULL).
 */
static bool unbalanced(const char *p, const char *end)
{
	char open[64];
	size_t n = 0;
	char q = 0;

	for (; p < end; p++) {
		if (q) {
			if (*p == '\\' && p + 1 < end)
				p++;
			else if (*p == q)
				q = 0;
			continue;
		}
		if (*p == '"' || *p == '\'') {
			q = *p;
		} else if (*p == '(' || *p == '[') {
			if (n == sizeof(open))
				return true;
			open[n++] = *p;
		} else if (*p == ')' || *p == ']') {
			if (!n || open[--n] != (*p == ')' ? '(' : '['))
				return true;
		}
	}
	return n || q;
}

/*
 * A record names its event in common_type, an unsigned short in every
 * kernel, so an ID above 65535 is damage; the analysis sizes its table of
 * events by the largest ID (a fuzzed "ID: 658704384" asked for 5 GB).
 */
static bool id_too_big(const char *text)
{
	const char *id = !strncmp(text, "ID:", 3) ? text : strstr(text, "\nID:");
	unsigned long long v;

	if (!id)
		return false;
	id += id == text ? 3 : 4;
	while (*id == ' ' || *id == '\t')
		id++;
	if (!isdigit((unsigned char)*id))
		return false;
	for (v = 0; isdigit((unsigned char)*id) && v <= 65535; id++)
		v = v * 10 + (unsigned)(*id - '0');
	return v > 65535;
}

/*
 * Damage in one format that libtraceevent would trip over: FMT_OK, or what
 * is wrong (with the field's name in bad where one is to blame). With
 * balance, whether its parentheses close and its "->" follow REC; else
 * every other check.
 */
static enum fmt_damage check_format(const char *text, bool balance, char *bad, size_t badlen)
{
	const char *fmt_at = strstr(text, "print fmt:");
	const char *p, *end;
	enum fmt_damage d;
	size_t l;

	if (!balance && id_too_big(text))
		return FMT_ID;
	if (!fmt_at)
		return FMT_OK;
	end = fmt_extent(fmt_at);
	/* the coarse checks last: a fuzzed "(vo[global]->func" is named by its open parenthesis */
	if (balance)
		return unbalanced(fmt_at + 10, end) ? FMT_UNBALANCED : check_args(fmt_at, end, true);
	for (p = fmt_at; (p = strstr(p, "REC->")) && p < end; p += l) {
		p += 5;
		l = ident_len(p, end);
		if (undeclared(text, fmt_at, p, l, bad, badlen))
			return FMT_UNDECLARED;
		if (bad_subscript(p + l, end)) {
			snprintf(bad, badlen, "%.*s", (int)(l < badlen - 1 ? l : badlen - 1), p);
			return FMT_SUBSCRIPT;
		}
	}
	for (p = fmt_at; (p = strstr(p, "__get_")) && p < end; ) {
		p += 6;
		p += ident_len(p, end);
		if (p >= end || *p != '(')
			continue;
		p++;
		l = ident_len(p, end);
		if (p + l < end && p[l] == ')' && undeclared(text, fmt_at, p, l, bad, badlen))
			return FMT_UNDECLARED;
		p += l;
	}
	if ((d = check_args(fmt_at, end, false)))
		return d;
	if (check_conversions(fmt_at, end))
		return FMT_PERCENT;
	/*
	 * The print fmt ends the format: libtraceevent would parse whatever
	 * follows as more arguments (a '%' there is a modulo by any token,
	 * SIGFPE when that token reads as 0).
	 */
	for (p = end; *p; p++)
		if (!isspace((unsigned char)*p))
			return FMT_TRAILING;
	return FMT_OK;
}

static void event_name(const char *text, char *out, size_t len)
{
	const char *n = strstr(text, "name: ");
	char raw[64];

	snprintf(raw, sizeof(raw), "%.*s", n ? (int)strcspn(n + 6, "\n") : 1, n ? n + 6 : "?");
	snprintf(out, len, "%s", kstep_text_safe(raw, out, len));
}

/* One message for the damage check_format found in format f (field: the name it wrote in bad). */
static void format_damage(struct kstep_load *ld, const struct kstep_dat_blob *f, enum fmt_damage d,
			  const char *field, char *err, size_t errlen)
{
	char name[128], sname[128], fbuf[200], ev[300], what[600];
	const char *sfield = kstep_text_safe(field, fbuf, sizeof(fbuf));

	event_name(f->data, name, sizeof(name));
	snprintf(ev, sizeof(ev), "%s:%s", kstep_text_safe(f->system ? f->system : "ftrace", sname, sizeof(sname)),
		 name);
	switch (d) {
	case FMT_DIVISION:
		snprintf(what, sizeof(what), "the print format of event %s divides by something that is not a "
			 "constant", ev);
		break;
	case FMT_ARROW:
		snprintf(what, sizeof(what), "the print format of event %s follows '->' from something that is "
			 "not the record (REC)", ev);
		break;
	case FMT_SUBSCRIPT:
		snprintf(what, sizeof(what), "the print format of event %s indexes field '%s' by something that "
			 "is not a number", ev, sfield);
		break;
	case FMT_UNBALANCED:
		snprintf(what, sizeof(what), "the print format of event %s opens a parenthesis or bracket that "
			 "it does not close", ev);
		break;
	case FMT_ID:
		snprintf(what, sizeof(what), "event %s has an ID above 65535, which no record's 16-bit event type "
			 "can name", ev);
		break;
	case FMT_PERCENT:
		snprintf(what, sizeof(what), "the print format of event %s has a '%%' that starts no printf "
			 "conversion", ev);
		break;
	case FMT_TRAILING:
		snprintf(what, sizeof(what), "the format of event %s goes on after its print fmt line", ev);
		break;
	default:
		snprintf(what, sizeof(what), "the format of event %s prints field '%s', which it does not "
			 "declare", ev, sfield);
	}
	snprintf(err, errlen, "%s: damaged: %s (the file is corrupt; record it again)", kstep_dat_path(ld->dat),
		 what);
}

static int add_formats(struct kstep_load *ld, char *err, size_t errlen)
{
	const struct kstep_dat_blob *fmts;
	enum fmt_damage d;
	char field[48] = "";
	size_t n, i;
	int pass;

	fmts = kstep_dat_formats(ld->dat, &n);
	/*
	 * Every format is checked before any is parsed, the precise checks
	 * first: a file with several damaged formats is named by its most
	 * precise damage, and nothing reaches libtraceevent unchecked.
	 */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < n; i++)
			if ((d = check_format(fmts[i].data, pass == 1, field, sizeof(field)))) {
				format_damage(ld, &fmts[i], d, field, err, errlen);
				return -1;
			}
	for (i = 0; i < n; i++) {
		const char *sys = fmts[i].system ? fmts[i].system : "ftrace";
		enum tep_errno r;

		if (charge(ld, (uint64_t)fmts[i].len * FORMAT_COST_FACTOR + FORMAT_COST_MIN,
			   "the event formats, parsed",
			   err, errlen))
			return -1;
		r = tep_parse_event(ld->tep, fmts[i].data, fmts[i].len, sys);

		/* A format whose print fmt fails still has usable fields. */
		if (r && r != TEP_ERRNO__MEM_ALLOC_FAILED) {
			char buf[128];

			ld->bad_formats++;
			tep_strerror(ld->tep, r, buf, sizeof(buf));
			kstep_debug("%s: a %s format did not parse fully: %s",
				    kstep_dat_path(ld->dat), sys, buf);
		}
	}
	return 0;
}

/* Registers the saved comms as stored: newlines and escapes are data. */
static int add_comms(struct kstep_load *ld, char *err, size_t errlen)
{
	const struct kstep_dat_comm *c;
	size_t n, i;

	c = kstep_dat_comms(ld->dat, &n);
	if (charge(ld, (uint64_t)n * COMM_COST, "the saved command lines, parsed", err, errlen))
		return -1;
	for (i = 0; i < n; i++)
		if (tep_register_comm(ld->tep, c[i].comm, c[i].pid) && errno != EEXIST)
			kstep_debug("%s: comm of pid %d not kept", kstep_dat_path(ld->dat), c[i].pid);
	return 0;
}

static int build_tep(struct kstep_load *ld, char *err, size_t errlen)
{
	struct kstep_dat *dat = ld->dat;
	const char *data;
	size_t len;
	char *copy;

	ld->tep = tep_alloc();
	if (!ld->tep) {
		set_err(err, errlen, kstep_dat_path(dat), "cannot allocate a tep handle");
		return -1;
	}
	tep_set_file_bigendian(ld->tep, kstep_dat_big_endian(dat) ? TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
	ld->swap = kstep_dat_big_endian(dat) != (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__);
	tep_set_local_bigendian(ld->tep, TEP_LITTLE_ENDIAN);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	tep_set_local_bigendian(ld->tep, TEP_BIG_ENDIAN);
#endif
	tep_set_long_size(ld->tep, kstep_dat_long_size(dat));
	tep_set_page_size(ld->tep, (int)kstep_dat_page_size(dat));
	tep_set_cpus(ld->tep, (int)kstep_dat_cpucount(dat));

	kstep_dat_header_page(dat, &data, &len);
	copy = kstep_xstrndup(data ? data : "", len);
	if (tep_parse_header_page(ld->tep, copy, (unsigned long)len, kstep_dat_long_size(dat))) {
		free(copy);
		set_err(err, errlen, kstep_dat_path(dat),
			"damaged: the header_page format does not parse (record the file again)");
		return -1;
	}
	free(copy);
	if (add_formats(ld, err, errlen))
		return -1;

	kstep_dat_kallsyms(dat, &data, &len);
	/* libtraceevent's map and kstep's table: per line, plus the names twice */
	if (data && len &&
	    charge(ld, 2 * (uint64_t)len + KSYM_LINE_COST * (uint64_t)count_lines(data, len),
		   "the kallsyms section, parsed", err, errlen))
		return -1;
	ld->ksyms = kstep_ksyms_parse(data, data ? len : 0);
	kstep_dat_printk(dat, &data, &len);
	if (data && len &&
	    charge(ld, 2 * (uint64_t)len + PRINTK_LINE_COST * (uint64_t)count_lines(data, len),
		   "the printk formats, parsed", err, errlen))
		return -1;
	if (data && len)
		tep_parse_printk_formats(ld->tep, data);
	return add_comms(ld, err, errlen);
}

static void setup_clock(struct kstep_load *ld)
{
	const char *clock = kstep_dat_clock(ld->dat);
	uint64_t off;

	ld->ts_offset = kstep_dat_ts_offset(ld->dat);
	ld->tsc = kstep_dat_tsc2nsec(ld->dat, &ld->tsc_mult, &ld->tsc_shift, &off);
	ld->ts_ns = ld->tsc || !clock ||
		    !(strcmp(clock, "counter") == 0 || strcmp(clock, "x86-tsc") == 0);
}

struct kstep_load *kstep_load_open(const char *path, char *err, size_t errlen)
{
	struct kstep_load *ld = kstep_xcalloc(1, sizeof(*ld));
	const struct kstep_dat_cpu *cpus;
	int n, i;

	kstep_vec_init(&ld->stats.damage, sizeof(struct kstep_damage));
	ld->dat = kstep_dat_open(path, err, errlen);
	if (!ld->dat)
		goto fail;
	if (build_tep(ld, err, errlen))
		goto fail;
	setup_clock(ld);
	ld->hdr_size = 8 + (unsigned)kstep_dat_long_size(ld->dat);
	cpus = kstep_dat_cpus(ld->dat, &n);
	ld->cpus = kstep_xcalloc((size_t)n, sizeof(*ld->cpus));
	ld->heap = kstep_xcalloc((size_t)n, sizeof(*ld->heap));
	for (i = 0; i < n; i++) {
		struct cpu_it *c = &ld->cpus[ld->ncpus];

		if (!cpus[i].data_size)
			continue;
		c->idx = i;
		c->cpu = cpus[i].cpu;
		c->kb = kbuffer_alloc(kstep_dat_long_size(ld->dat) == 8 ? KBUFFER_LSIZE_8 : KBUFFER_LSIZE_4,
				      kstep_dat_big_endian(ld->dat) ? KBUFFER_ENDIAN_BIG :
				      KBUFFER_ENDIAN_LITTLE);
		if (!c->kb) {
			set_err(err, errlen, path, "cannot allocate a kbuffer");
			goto fail;
		}
		ld->ncpus++;
	}
	if (kstep_load_rewind(ld, err, errlen))
		goto fail;
	return ld;
fail:
	kstep_load_close(ld);
	return NULL;
}

void kstep_load_close(struct kstep_load *ld)
{
	int i;

	if (!ld)
		return;
	for (i = 0; i < ld->ncpus; i++) {
		kstep_dat_pages_close(ld->cpus[i].ps);
		if (ld->cpus[i].kb)
			kbuffer_free(ld->cpus[i].kb);
	}
	free(ld->cpus);
	free(ld->heap);
	kstep_vec_free(&ld->stats.damage);
	kstep_budget_release(ld->charged);
	kstep_ksyms_free(ld->ksyms);
	if (ld->tep)
		tep_free(ld->tep);
	kstep_dat_close(ld->dat);
	free(ld);
}

void kstep_load_tep_symbols(struct kstep_load *ld)
{
	const char *data;
	size_t len;

	if (ld->tep_syms)
		return;
	ld->tep_syms = true;
	kstep_dat_kallsyms(ld->dat, &data, &len);
	if (data && len)
		tep_parse_kallsyms(ld->tep, data);
}

struct kstep_dat *kstep_load_dat(const struct kstep_load *ld)
{
	return ld->dat;
}

struct tep_handle *kstep_load_tep(const struct kstep_load *ld)
{
	return ld->tep;
}

const struct kstep_ksyms *kstep_load_ksyms(const struct kstep_load *ld)
{
	return ld->ksyms;
}

int kstep_load_bad_formats(const struct kstep_load *ld)
{
	return ld->bad_formats;
}

bool kstep_load_ts_is_ns(const struct kstep_load *ld)
{
	return ld->ts_ns;
}

const struct kstep_load_stats *kstep_load_stats(const struct kstep_load *ld)
{
	return &ld->stats;
}

/* Damage bookkeeping */

static struct kstep_damage *add_damage(struct kstep_load *ld, struct cpu_it *c, bool lost,
				       int64_t count, const char *fmt, ...) KSTEP_PRINTF(5, 6);

static struct kstep_damage *add_damage(struct kstep_load *ld, struct cpu_it *c, bool lost,
				       int64_t count, const char *fmt, ...)
{
	struct kstep_damage *d;
	va_list ap;

	/*
	 * Damage with no good record in between is one place: a run of
	 * zeroed pages is one entry with a count, not one warning a page.
	 */
	if (!lost && c->open_damage >= 0) {
		d = kstep_vec_at(&ld->stats.damage, (size_t)c->open_damage);
		if (!d->lost && d->count > 0) {
			char *more = strstr(d->what, " [+");
			size_t keep;

			if (more)
				*more = '\0';
			keep = strlen(d->what) < DAMAGE_TEXT_KEEP ? strlen(d->what) : DAMAGE_TEXT_KEEP;
			d->what[keep] = '\0';
			d->count += count > 0 ? count : 1;
			snprintf(d->what + keep, sizeof(d->what) - DAMAGE_TEXT_KEEP,
				 " [+%" PRId64 " more after it]", d->count - 1);
			return d;
		}
	}
	/* A file cannot grow the list without bound: the last entry sums the rest. */
	if (ld->stats.damage.n >= MAX_DAMAGE) {
		d = kstep_vec_at(&ld->stats.damage, ld->stats.damage.n - 1);
		if (d->cpu != -1) {
			d = kstep_vec_push(&ld->stats.damage);
			d->cpu = -1;
			d->count = 0;
		}
		d->count += count > 0 ? count : 1;
		snprintf(d->what, sizeof(d->what), "%" PRId64 " further places of damage or loss "
			 "(on any CPU) are not listed", d->count);
		c->open_damage = -1;
		return d;
	}
	d = kstep_vec_push(&ld->stats.damage);
	d->cpu = c->cpu;
	d->lost = lost;
	d->count = count;
	d->from_ts = c->last_ts;
	va_start(ap, fmt);
	vsnprintf(d->what, sizeof(d->what), fmt, ap);
	va_end(ap);
	c->open_damage = (long)ld->stats.damage.n - 1;
	return d;
}

static void close_damage(struct kstep_load *ld, struct cpu_it *c, uint64_t ts)
{
	struct kstep_damage *d;

	if (c->open_damage < 0)
		return;
	d = kstep_vec_at(&ld->stats.damage, (size_t)c->open_damage);
	d->to_ts = ts;
	c->open_damage = -1;
}

static uint64_t conv_ts(const struct kstep_load *ld, uint64_t ts)
{
	if (ld->tsc)
		ts = (uint64_t)(((unsigned __int128)ts * ld->tsc_mult) >> ld->tsc_shift);
	return ts + (uint64_t)ld->ts_offset;
}

/* Pages */

/* Returns 1 when a page with events is loaded, 0 at the end, -1 fatal. */
static int load_page(struct kstep_load *ld, struct cpu_it *c, char *err, size_t errlen)
{
	uint32_t psize = kstep_dat_page_size(ld->dat);
	int lsize = kstep_dat_long_size(ld->dat);
	bool be = kstep_dat_big_endian(ld->dat);

	for (;;) {
		uint64_t ts, commit, size, cap = psize - ld->hdr_size;
		char perr[512];
		int r = kstep_dat_pages_next(c->ps, &c->page, &c->page_off, perr, sizeof(perr));

		if (r == 0)
			return 0;
		if (r < 0) {
			/* corrupt compressed data or an unreadable page: the file is damaged */
			snprintf(err, errlen, "%s", perr);
			return -1;
		}
		ld->stats.pages++;
		ts = kstep_get64(c->page, be);
		commit = kstep_getn(c->page + 8, (size_t)lsize, be);
		/*
		 * A 64-bit kernel adds the missed-events flag as the int
		 * (1 << 31): the word then has its upper half all ones.
		 */
		if (lsize == 8 && (commit >> 32) == 0xffffffffULL && (commit & RB_MISSED_EVENTS))
			commit &= 0xffffffffULL;
		size = commit & RB_COMMIT_MASK;
		if (ts == 0 && commit == 0) {
			ld->stats.damaged++;
			add_damage(ld, c, false, 1, "a zeroed page at data offset %" PRIu64
				   ": its events are missing", c->page_off);
			continue;
		}
		if (commit & ~(RB_COMMIT_MASK | RB_MISSED_EVENTS | RB_MISSED_STORED)) {
			ld->stats.damaged++;
			add_damage(ld, c, false, 1, "a page at data offset %" PRIu64 " has the commit "
				   "word %#" PRIx64 ", with bits no kernel sets: its events are missing",
				   c->page_off, commit);
			continue;
		}
		if (size > cap || ((commit & RB_MISSED_STORED) && size + (uint64_t)lsize > cap)) {
			ld->stats.damaged++;
			add_damage(ld, c, false, 1, "a page at data offset %" PRIu64
				   " claims %" PRIu64 " bytes of events (at most %" PRIu64
				   " fit): its events are missing", c->page_off, size, cap);
			continue;
		}
		if (size == 0)
			continue;
		if (c->last_ts && conv_ts(ld, ts) < c->last_ts) {
			ld->stats.damaged++;
			add_damage(ld, c, false, 1, "a page at data offset %" PRIu64
				   " starts before the previous one ended: its events are missing",
				   c->page_off);
			continue;
		}
		if (commit & RB_MISSED_EVENTS) {
			int64_t n = -1;

			if (commit & RB_MISSED_STORED)
				n = (int64_t)kstep_getn(c->page + ld->hdr_size + size, (size_t)lsize, be);
			if (n >= 0)
				ld->stats.lost_events += (uint64_t)n;
			else
				ld->stats.lost_unknown++;
			add_damage(ld, c, true, n, "the kernel lost events before this page "
				   "(ring buffer overrun)");
		}
		c->commit = (uint32_t)size;
		if (kbuffer_load_subbuffer(c->kb, (void *)c->page) < 0) {
			ld->stats.damaged++;
			add_damage(ld, c, false, 1, "a page at data offset %" PRIu64
				   " cannot be decoded: its events are missing", c->page_off);
			continue;
		}
		c->first_in_page = true;
		return 1;
	}
}

static bool rec_in_page(const struct kstep_load *ld, const struct cpu_it *c, const void *data,
			int size)
{
	const unsigned char *p = data;
	const unsigned char *lo = c->page + ld->hdr_size, *hi = lo + c->commit;

	return size >= 8 && p >= lo && p <= hi && (size_t)size <= (size_t)(hi - p);
}

static struct tep_event *find_event(struct kstep_load *ld, int id)
{
	unsigned slot = (unsigned)id & (KSTEP_ARRAY_SIZE(ld->evcache) - 1);
	struct tep_event *ev;

	if (ld->evcache[slot].ev && ld->evcache[slot].id == id)
		return ld->evcache[slot].ev;
	ev = tep_find_event(ld->tep, id);
	if (ev) {
		ld->evcache[slot].id = id;
		ld->evcache[slot].ev = ev;
	}
	return ev;
}

/* Finds the next valid record of one CPU; returns 1, 0 at the end, -1 fatal. */
static int cpu_advance(struct kstep_load *ld, struct cpu_it *c, char *err, size_t errlen)
{
	for (;;) {
		unsigned long long ts;
		void *data;
		int size, id, r;
		struct tep_event *ev;

		if (!c->page_loaded) {
			r = load_page(ld, c, err, errlen);
			if (r <= 0)
				return r;
			c->page_loaded = true;
			data = kbuffer_read_event(c->kb, &ts);
		} else {
			data = kbuffer_next_event(c->kb, &ts);
		}
		if (!data) {
			c->page_loaded = false;
			continue;
		}
		size = kbuffer_event_size(c->kb);
		if (!rec_in_page(ld, c, data, size)) {
			ld->stats.damaged++;
			add_damage(ld, c, false, 1, "a record at data offset %" PRIu64
				   " runs past its page: the rest of the page is skipped",
				   c->page_off);
			c->page_loaded = false;
			continue;
		}
		id = (int)read_num(data, 2, ld->swap);
		ev = find_event(ld, id);
		if (!ev) {
			ld->stats.unknown_ids++;
			ld->stats.damaged++;
			add_damage(ld, c, false, 1, "a record at data offset %" PRIu64
				   " has event id %d, which the file has no format for: "
				   "the rest of the page is skipped", c->page_off, id);
			c->page_loaded = false;
			continue;
		}
		c->rec.ts = conv_ts(ld, ts);
		c->rec.cpu = c->cpu;
		c->rec.size = size;
		c->rec.data = data;
		c->rec.event = ev;
		c->rec.swap = ld->swap;
		c->rec.missed = c->first_in_page ? kbuffer_missed_events(c->kb) : 0;
		c->first_in_page = false;
		close_damage(ld, c, c->rec.ts);
		if (c->rec.ts > c->last_ts)
			c->last_ts = c->rec.ts;
		return 1;
	}
}

/* Heap of CPUs ordered by (timestamp, cpu) of their head record. */

static bool heap_less(const struct kstep_load *ld, int a, int b)
{
	const struct cpu_it *x = &ld->cpus[a], *y = &ld->cpus[b];

	if (x->rec.ts != y->rec.ts)
		return x->rec.ts < y->rec.ts;
	return x->cpu < y->cpu;
}

static void heap_down(struct kstep_load *ld, int i)
{
	for (;;) {
		int l = 2 * i + 1, r = l + 1, m = i, t;

		if (l < ld->nheap && heap_less(ld, ld->heap[l], ld->heap[m]))
			m = l;
		if (r < ld->nheap && heap_less(ld, ld->heap[r], ld->heap[m]))
			m = r;
		if (m == i)
			return;
		t = ld->heap[i];
		ld->heap[i] = ld->heap[m];
		ld->heap[m] = t;
		i = m;
	}
}

static void add_truncation(struct kstep_load *ld)
{
	const struct kstep_dat_cpu *cpus;
	int n, i, k;

	cpus = kstep_dat_cpus(ld->dat, &n);
	for (i = 0; i < n; i++) {
		struct kstep_damage *d;

		if (cpus[i].unlisted) {
			ld->stats.damaged++;
			d = kstep_vec_push(&ld->stats.damage);
			d->cpu = cpus[i].cpu;
			d->count = -1;
			snprintf(d->what, sizeof(d->what), "%" PRIu64 " bytes of this CPU's data are not "
				 "in its chunk table (a damaged chunk count): their events are missing",
				 cpus[i].unlisted);
		}
		if (!cpus[i].missing)
			continue;
		ld->stats.damaged++;
		d = kstep_vec_push(&ld->stats.damage);
		d->cpu = cpus[i].cpu;
		d->count = -1;
		snprintf(d->what, sizeof(d->what), "the file is cut short: the end of this CPU's "
			 "data is missing (copy the file again)");
		/* the gap starts where the CPU's readable data ends */
		for (k = 0; k < ld->ncpus; k++)
			if (ld->cpus[k].idx == i)
				ld->cpus[k].trunc_damage = (long)ld->stats.damage.n - 1;
	}
}

/* Returns the "entries: N" of the CPUSTAT text, or -1. */
static int64_t stat_field(const char *stat, const char *name)
{
	const char *p = strstr(stat, name);
	char *end;
	long long v;

	if (!p)
		return -1;
	p += strlen(name);
	v = strtoll(p, &end, 10);
	return end == p || v < 0 ? -1 : (int64_t)v;
}

static uint64_t cpu_records(const struct kstep_load *ld, int cpu)
{
	int i;

	for (i = 0; i < ld->ncpus; i++)
		if (ld->cpus[i].cpu == cpu)
			return ld->cpus[i].records;
	return 0;
}

/*
 * At the end of a pass: a CPU whose CPUSTAT says the ring buffer held more
 * events than the file yields lost them in the file (a zeroed chunk count,
 * a zeroed first page), even when no page looked damaged.
 */
static void check_cpustats(struct kstep_load *ld)
{
	const char *stat;
	size_t k;

	/* CPUSTAT options do not say which instance they describe */
	if (kstep_dat_other_buffers(ld->dat))
		return;
	for (k = 0; (stat = kstep_dat_cpustat(ld->dat, k)); k++) {
		int64_t cpu = stat_field(stat, "CPU: "), entries = stat_field(stat, "entries: ");
		struct kstep_damage *d;
		uint64_t got;

		if (cpu < 0 || cpu >= KSTEP_DAT_MAX_CPUS || entries <= 0)
			continue;
		got = cpu_records(ld, (int)cpu);
		if (got >= (uint64_t)entries)
			continue;
		ld->stats.damaged++;
		d = kstep_vec_push(&ld->stats.damage);
		d->cpu = (int)cpu;
		d->count = entries - (int64_t)got;
		snprintf(d->what, sizeof(d->what), "the file's CPUSTAT says this CPU held %" PRId64
			 " events but its data yields %" PRIu64 ": %" PRId64 " events are missing",
			 entries, got, entries - (int64_t)got);
	}
}

int kstep_load_rewind(struct kstep_load *ld, char *err, size_t errlen)
{
	int i;

	ld->stats_checked = false;
	ld->nheap = 0;
	ld->started = false;
	ld->pending = false;
	ld->stats.records = ld->stats.pages = 0;
	ld->stats.lost_events = ld->stats.lost_unknown = 0;
	ld->stats.damaged = ld->stats.unknown_ids = 0;
	ld->stats.damage.n = 0;
	for (i = 0; i < ld->ncpus; i++) {
		struct cpu_it *c = &ld->cpus[i];

		kstep_dat_pages_close(c->ps);
		c->ps = kstep_dat_pages_open(ld->dat, c->idx, err, errlen);
		if (!c->ps)
			return -1;
		c->page_loaded = false;
		c->done = false;
		c->records = 0;
		c->trunc_damage = -1;
		c->last_ts = 0;
		c->open_damage = -1;
	}
	add_truncation(ld);
	return 0;
}

static int start(struct kstep_load *ld, char *err, size_t errlen)
{
	int i;

	for (i = 0; i < ld->ncpus; i++) {
		int r = cpu_advance(ld, &ld->cpus[i], err, errlen);

		if (r < 0)
			return -1;
		if (r > 0)
			ld->heap[ld->nheap++] = i;
	}
	for (i = ld->nheap / 2 - 1; i >= 0; i--)
		heap_down(ld, i);
	ld->started = true;
	return 0;
}

int kstep_load_next(struct kstep_load *ld, struct kstep_rec *rec, char *err, size_t errlen)
{
	struct cpu_it *c;

	if (!ld->started && start(ld, err, errlen))
		return -1;
	/*
	 * The record handed out last time pointed into its CPU's page: that CPU
	 * moves on only now, so the record stayed valid until this call.
	 */
	if (ld->pending) {
		int r = cpu_advance(ld, &ld->cpus[ld->heap[0]], err, errlen);

		ld->pending = false;
		if (r < 0)
			return -1;
		if (r == 0) {
			struct cpu_it *c0 = &ld->cpus[ld->heap[0]];

			if (c0->trunc_damage >= 0)
				((struct kstep_damage *)kstep_vec_at(&ld->stats.damage,
					(size_t)c0->trunc_damage))->from_ts = c0->last_ts;
			ld->heap[0] = ld->heap[--ld->nheap];
		}
		heap_down(ld, 0);
	}
	if (!ld->nheap) {
		if (!ld->stats_checked)
			check_cpustats(ld);
		ld->stats_checked = true;
		return 0;
	}
	c = &ld->cpus[ld->heap[0]];
	c->records++;
	*rec = c->rec;
	memset(&rec->tr, 0, sizeof(rec->tr));
	rec->tr.ts = rec->ts;
	rec->tr.cpu = rec->cpu;
	rec->tr.size = rec->size;
	rec->tr.data = (void *)rec->data;
	rec->tr.missed_events = rec->missed;
	ld->stats.records++;
	ld->pending = true;
	return 1;
}

/* Field access */

static const unsigned char *rec_end(const struct kstep_rec *rec)
{
	return (const unsigned char *)rec->data + rec->size;
}

int kstep_rec_num(const struct kstep_rec *rec, const struct tep_format_field *f, uint64_t *val)
{
	const unsigned char *p;
	unsigned sz;

	if (!f)
		return -1;
	sz = (unsigned)f->size;
	if (sz != 1 && sz != 2 && sz != 4 && sz != 8)
		return -1;
	if (f->offset < 0 || (size_t)f->offset + sz > (size_t)rec->size)
		return -1;
	p = (const unsigned char *)rec->data + f->offset;
	*val = read_num(p, sz, rec->swap);
	if ((f->flags & TEP_FIELD_IS_SIGNED) && sz < 8) {
		uint64_t sign = 1ULL << (sz * 8 - 1);

		if (*val & sign)
			*val |= ~((sign << 1) - 1);
	}
	return 0;
}

int kstep_rec_str(const struct kstep_rec *rec, const struct tep_format_field *f, const char **s,
		  size_t *len)
{
	const unsigned char *base = rec->data, *p;
	size_t off, n;

	if (!f || f->offset < 0)
		return -1;
	if (f->flags & TEP_FIELD_IS_DYNAMIC) {
		uint32_t loc;

		if ((size_t)f->offset + 4 > (size_t)rec->size)
			return -1;
		loc = (uint32_t)read_num(base + f->offset, 4, rec->swap);
		off = loc & 0xffff;
		n = loc >> 16;
		if (f->flags & TEP_FIELD_IS_RELATIVE)
			off += (size_t)f->offset + 4;
	} else {
		off = (size_t)f->offset;
		n = (size_t)f->size;
	}
	if (off > (size_t)rec->size || n > (size_t)rec->size - off)
		return -1;
	p = base + off;
	*s = (const char *)p;
	*len = strnlen((const char *)p, n);
	(void)rec_end;
	return 0;
}

/*
 * The element size of an array field. A probe's fetched array is declared
 * "u64 name[]; size:64": no count, so libtraceevent takes the whole size
 * for one element; the type's own width (u8..u64, s8..s64) says it.
 */
static size_t array_esz(const struct tep_format_field *f)
{
	const char *t = f->type;

	if (f->arraylen <= 0 && !(f->flags & TEP_FIELD_IS_DYNAMIC) && t && (t[0] == 'u' || t[0] == 's')) {
		if (!strncmp(t + 1, "8 ", 2))
			return 1;
		if (!strncmp(t + 1, "16 ", 3))
			return 2;
		if (!strncmp(t + 1, "32 ", 3))
			return 4;
		if (!strncmp(t + 1, "64 ", 3))
			return 8;
	}
	if (f->elementsize > 0)
		return (size_t)f->elementsize;
	return (size_t)tep_get_long_size(f->event->tep);
}

size_t kstep_rec_array_len(const struct kstep_rec *rec, const struct tep_format_field *f)
{
	size_t esz, avail;

	if (!f || f->offset < 0 || (size_t)f->offset > (size_t)rec->size)
		return 0;
	esz = array_esz(f);
	if (!esz)
		return 0;
	avail = ((size_t)rec->size - (size_t)f->offset) / esz;
	/* a probe's counted-by-size array: size / element, never past the record */
	if (f->arraylen <= 0 && !(f->flags & TEP_FIELD_IS_DYNAMIC) && f->size > 0 && (size_t)f->size != esz &&
	    (size_t)f->size / esz < avail)
		return (size_t)f->size / esz;
	/* Fixed arrays are what the format says; open ones ([] ) run to the end. */
	if (f->arraylen > 0 && !(f->flags & TEP_FIELD_IS_DYNAMIC) && f->size > 0 &&
	    (size_t)f->arraylen < avail && strcmp(f->name, "caller") != 0)
		return (size_t)f->arraylen;
	return avail;
}

int kstep_rec_array(const struct kstep_rec *rec, const struct tep_format_field *f, size_t i,
		    uint64_t *val)
{
	size_t esz;
	const unsigned char *p;

	if (i >= kstep_rec_array_len(rec, f))
		return -1;
	esz = array_esz(f);
	if (esz != 1 && esz != 2 && esz != 4 && esz != 8)
		return -1;
	p = (const unsigned char *)rec->data + f->offset + i * esz;
	*val = read_num(p, (unsigned)esz, rec->swap);
	return 0;
}

int kstep_rec_pid(const struct kstep_rec *rec)
{
	return (int)(int32_t)read_num((const unsigned char *)rec->data + 4, 4, rec->swap);
}

unsigned kstep_rec_flags(const struct kstep_rec *rec)
{
	return ((const unsigned char *)rec->data)[2];
}

unsigned kstep_rec_preempt(const struct kstep_rec *rec)
{
	return ((const unsigned char *)rec->data)[3];
}
