// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * debuginfo.c - source lines, inline chains and call sites from libdw.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#ifdef HAVE_DEBUGINFOD
#include <elfutils/debuginfod.h>
#endif

#include "decode.h"
#include "debuginfo.h"
#include "ksyms.h"
#include "util.h"

#define FN_CACHE 512

struct fn_cache {
	uint64_t addr;
	Dwarf_Off cu;
	Dwarf_Off fn;
};

struct kstep_dwarf {
	int fd;
	Elf *elf;
	Dwarf *dw;
	char *path;
	char build_id[129];
	struct fn_cache cache[FN_CACHE];
	size_t ncache;
};

static void hex(const unsigned char *p, size_t n, char *out, size_t len)
{
	size_t i;

	out[0] = '\0';
	for (i = 0; i < n && 2 * i + 2 < len; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
}

/* Opens path as an ELF file and reads its build-id; NULL with err when it is none. */
static struct kstep_dwarf *open_elf(const char *path, char *err, size_t errlen)
{
	struct kstep_dwarf *d = kstep_xcalloc(1, sizeof(*d));
	const void *id;
	ssize_t n;

	elf_version(EV_CURRENT);
	d->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (d->fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	d->elf = elf_begin(d->fd, ELF_C_READ_MMAP, NULL);
	if (!d->elf || elf_kind(d->elf) != ELF_K_ELF) {
		snprintf(err, errlen, "%s: not an ELF file", path);
		goto fail;
	}
	n = dwelf_elf_gnu_build_id(d->elf, &id);
	if (n > 0)
		hex(id, (size_t)n, d->build_id, sizeof(d->build_id));
	return d;
fail:
	kstep_dwarf_close(d);
	return NULL;
}

struct kstep_dwarf *kstep_dwarf_open(const char *path, const char *want_build_id, char *err,
				     size_t errlen)
{
	struct kstep_dwarf *d = open_elf(path, err, errlen);
	char id[512];

	if (!d)
		return NULL;
	if (want_build_id && *want_build_id && strcmp(want_build_id, d->build_id)) {
		kstep_dwarf_identity(d, id, sizeof(id));
		snprintf(err, errlen, "%s is %s, but the trace was recorded on a kernel with build-id %s: "
			 "give the debug file of that kernel", path, id, want_build_id);
		goto fail;
	}
	d->dw = dwarf_begin_elf(d->elf, DWARF_C_READ, NULL);
	if (!d->dw) {
		/* the file's own identity: a stripped vmlinux keeps its build-id and banner */
		kstep_dwarf_identity(d, id, sizeof(id));
		snprintf(err, errlen, "%s is %s without DWARF debug information (%s): give the -dbg file, "
			 "e.g. /usr/lib/debug/boot/vmlinux-RELEASE", path, id, dwarf_errmsg(-1));
		goto fail;
	}
	d->path = kstep_xstrdup(path);
	return d;
fail:
	kstep_dwarf_close(d);
	return NULL;
}

void kstep_dwarf_describe(const char *path, char *out, size_t len)
{
	char err[512];
	struct kstep_dwarf *d = open_elf(path, err, sizeof(err));
	Dwarf *dw;

	if (!d) {
		snprintf(out, len, "%s", err);
		return;
	}
	kstep_dwarf_identity(d, out, len);
	dw = dwarf_begin_elf(d->elf, DWARF_C_READ, NULL);
	if (dw)
		dwarf_end(dw);
	else
		snprintf(out + strlen(out), len - strlen(out), " without DWARF");
	kstep_dwarf_close(d);
}

void kstep_dwarf_close(struct kstep_dwarf *d)
{
	if (!d)
		return;
	if (d->dw)
		dwarf_end(d->dw);
	if (d->elf)
		elf_end(d->elf);
	if (d->fd >= 0)
		close(d->fd);
	free(d->path);
	free(d);
}

const char *kstep_dwarf_build_id(const struct kstep_dwarf *d)
{
	return d->build_id;
}

const char *kstep_dwarf_path(const struct kstep_dwarf *d)
{
	return d->path;
}

uint64_t kstep_dwarf_symbol(struct kstep_dwarf *d, const char *name)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(d->elf, scn))) {
		Elf_Data *data;
		size_t i, n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !sh.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		n = sh.sh_size / sh.sh_entsize;
		for (i = 0; data && i < n; i++) {
			GElf_Sym sym;
			const char *s;

			if (!gelf_getsym(data, (int)i, &sym))
				continue;
			s = elf_strptr(d->elf, sh.sh_link, sym.st_name);
			if (s && !strcmp(s, name))
				return sym.st_value;
		}
	}
	return 0;
}

/* Copies the NUL-terminated string at link-time address addr (an allocated section) into out. */
static int read_cstr(struct kstep_dwarf *d, uint64_t addr, char *out, size_t len)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(d->elf, scn))) {
		Elf_Data *data;
		size_t off, n;

		if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_ALLOC) || sh.sh_type == SHT_NOBITS ||
		    addr < sh.sh_addr || addr >= sh.sh_addr + sh.sh_size)
			continue;
		data = elf_getdata(scn, NULL);
		off = (size_t)(addr - sh.sh_addr);
		if (!data || !data->d_buf || off >= data->d_size)
			return -1;
		n = strnlen((const char *)data->d_buf + off, data->d_size - off);
		snprintf(out, len, "%.*s", (int)(n < len ? n : len - 1), (const char *)data->d_buf + off);
		return 0;
	}
	return -1;
}

/* The kernel's linux_banner ("Linux version REL ..."), after its first 14 bytes; NULL without one. */
static const char *banner_text(struct kstep_dwarf *d, char *banner, size_t len)
{
	uint64_t at = kstep_dwarf_symbol(d, "linux_banner");

	if (!at || read_cstr(d, at, banner, len) || strncmp(banner, "Linux version ", 14))
		return NULL;
	return banner + 14;
}

/* The release in the kernel's linux_banner, or "" when it has none. */
static void banner_release(struct kstep_dwarf *d, char *out, size_t len)
{
	char banner[512];
	const char *rel = banner_text(d, banner, sizeof(banner));

	out[0] = '\0';
	if (rel)
		snprintf(out, len, "%.*s", (int)strcspn(rel, " \n"), rel);
}

void kstep_dwarf_version(struct kstep_dwarf *d, char *out, size_t len)
{
	char banner[512];
	const char *rel = banner_text(d, banner, sizeof(banner)), *v, *deb;

	out[0] = '\0';
	if (!rel)
		return;
	/* a distribution's release names its ABI ("6.1.0-56-amd64"); Debian says the upstream one at the end */
	deb = strstr(rel, " Debian ");
	v = deb && isdigit((unsigned char)deb[8]) ? deb + 8 : rel;
	snprintf(out, len, "%.*s", (int)strspn(v, "0123456789."), v);
}

/*
 * For messages only, when the symbol table is gone too (strip --strip-all):
 * the release in the first "Linux version REL " of .rodata, or "". Not proof
 * of a kernel: any program may hold that text.
 */
static void rodata_release(struct kstep_dwarf *d, char *out, size_t len)
{
	static const char key[] = "Linux version ";
	const size_t klen = sizeof(key) - 1;
	Elf_Scn *scn = NULL;
	size_t shstrndx, i, n;
	GElf_Shdr sh;

	out[0] = '\0';
	if (elf_getshdrstrndx(d->elf, &shstrndx))
		return;
	while ((scn = elf_nextscn(d->elf, scn))) {
		const char *name, *p;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS)
			continue;
		name = elf_strptr(d->elf, shstrndx, sh.sh_name);
		if (!name || strcmp(name, ".rodata"))
			continue;
		data = elf_getdata(scn, NULL);
		if (!data || !data->d_buf || data->d_size <= klen)
			return;
		p = data->d_buf;
		for (i = 0; i + klen < data->d_size; i++) {
			if (p[i] != 'L' || memcmp(p + i, key, klen))
				continue;
			for (n = 0; i + klen + n < data->d_size && n < 127; n++) {
				char c = p[i + klen + n];

				if (c <= ' ' || c > '~')
					break;
			}
			if (n && i + klen + n < data->d_size && p[i + klen + n] == ' ') {
				snprintf(out, len, "%.*s", (int)n, p + i + klen);
				return;
			}
		}
		return;
	}
}

void kstep_dwarf_identity(struct kstep_dwarf *d, char *out, size_t len)
{
	char rel[128], id[160];
	GElf_Ehdr eh;

	if (*d->build_id)
		snprintf(id, sizeof(id), "build-id %s", d->build_id);
	else
		snprintf(id, sizeof(id), "no build-id");
	banner_release(d, rel, sizeof(rel));
	if (*rel) {
		snprintf(out, len, "Linux %s (%s)", rel, id);
		return;
	}
	rodata_release(d, rel, sizeof(rel));
	if (*rel) {
		snprintf(out, len, "Linux %s by the banner in its .rodata (%s, no linux_banner symbol)", rel, id);
		return;
	}
	snprintf(out, len, "not a Linux kernel image (ELF %s without linux_banner, %s)",
		 gelf_getehdr(d->elf, &eh) && eh.e_type == ET_DYN ? "shared object or PIE" :
		 gelf_getehdr(d->elf, &eh) && eh.e_type == ET_EXEC ? "executable" : "file", id);
}

/* How many global functions of the file are compared with the trace's kallsyms. */
#define CHECK_SAMPLE 256

struct addr_check {
	size_t checked, wrong;
	int64_t bias;
	bool have_bias;
	char first_wrong[256];
};

static void check_sym(struct addr_check *c, const struct kstep_ksyms *ks, const char *name, uint64_t link)
{
	const struct kstep_ksym *k = kstep_ksyms_find(ks, name);

	if (!k || k->module || !kstep_ksym_is_text(k))
		return;
	if (!c->have_bias) {
		c->bias = (int64_t)(k->addr - link);
		c->have_bias = true;
	}
	c->checked++;
	if ((int64_t)(k->addr - link) != c->bias && !c->wrong++)
		snprintf(c->first_wrong, sizeof(c->first_wrong), "%s is at 0x%" PRIx64 " in the trace but "
			 "0x%" PRIx64 " in the file", name, k->addr, (uint64_t)((int64_t)link + c->bias));
}

/* Compares an evenly spread sample of the file's global functions with ks. */
static void check_addrs(struct kstep_dwarf *d, const struct kstep_ksyms *ks, struct addr_check *c)
{
	const struct kstep_ksym *text = kstep_ksyms_find(ks, "_text");
	uint64_t link_text = kstep_dwarf_symbol(d, "_text");
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	if (text && link_text) {
		c->bias = (int64_t)(text->addr - link_text);
		c->have_bias = true;
	}
	while ((scn = elf_nextscn(d->elf, scn))) {
		Elf_Data *data;
		size_t i, n, step;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !sh.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		n = sh.sh_size / sh.sh_entsize;
		step = n / (CHECK_SAMPLE * 4) + 1;
		for (i = 0; data && i < n && c->checked < CHECK_SAMPLE; i += step) {
			GElf_Sym sym;
			const char *name;

			if (!gelf_getsym(data, (int)i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
			    GELF_ST_BIND(sym.st_info) != STB_GLOBAL || !sym.st_value)
				continue;
			name = elf_strptr(d->elf, sh.sh_link, sym.st_name);
			if (name && *name)
				check_sym(c, ks, name, sym.st_value);
		}
	}
}

int kstep_dwarf_check_kernel(struct kstep_dwarf *d, const char *release, const struct kstep_ksyms *ks,
			     int64_t *bias, char *err, size_t errlen)
{
	struct addr_check c = { 0 };
	char rel[128], id[512];

	*bias = 0;
	kstep_dwarf_identity(d, id, sizeof(id));
	banner_release(d, rel, sizeof(rel));
	if (!*rel) {
		snprintf(err, errlen, "%s is %s, but the trace was recorded on Linux %s: give that kernel's "
			 "vmlinux with DWARF (e.g. from its -dbg package)", d->path, id,
			 release ? release : "(release not recorded)");
		return -1;
	}
	if (release && strcmp(rel, release)) {
		snprintf(err, errlen, "%s is %s, but the trace was recorded on Linux %s: give that kernel's "
			 "debug file", d->path, id, release);
		return -1;
	}
	if (ks && !kstep_ksyms_zeroed(ks) && kstep_ksyms_count(ks))
		check_addrs(d, ks, &c);
	if (c.wrong) {
		snprintf(err, errlen, "%s is %s, but its functions are not where the trace's kernel (Linux %s) "
			 "had them: %zu of %zu sampled differ (%s); it is another build of that release: give "
			 "the debug file of the kernel that recorded the trace", d->path, id,
			 release ? release : "?", c.wrong, c.checked, c.first_wrong);
		return -1;
	}
	if (!release && !c.checked) {
		snprintf(err, errlen, "cannot check that %s (%s) belongs to the trace's kernel: the trace "
			 "has no build-id, no kernel release and no kallsyms addresses", d->path, id);
		return -1;
	}
	*bias = c.have_bias ? c.bias : 0;
	return 0;
}

uint64_t kstep_dwarf_off2addr(struct kstep_dwarf *d, uint64_t off)
{
	size_t n, i;

	if (elf_getphdrnum(d->elf, &n))
		return 0;
	for (i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(d->elf, (int)i, &ph) && ph.p_type == PT_LOAD && off >= ph.p_offset &&
		    off < ph.p_offset + ph.p_filesz)
			return off - ph.p_offset + ph.p_vaddr;
	}
	return 0;
}

/*
 * The compile unit holding addr: by .debug_aranges, else (clang writes
 * none) by each unit's own ranges.
 */
static int cu_of(struct kstep_dwarf *d, uint64_t addr, Dwarf_Die *cu)
{
	Dwarf_Off off = 0, next;
	size_t hsize;

	if (dwarf_addrdie(d->dw, addr, cu))
		return 0;
	while (dwarf_nextcu(d->dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		if (dwarf_offdie(d->dw, off + hsize, cu) && dwarf_haspc(cu, addr) > 0)
			return 0;
		off = next;
	}
	return -1;
}

/* The compile unit and the out-of-line subprogram DIE of the function at addr. */
static int func_die(struct kstep_dwarf *d, uint64_t addr, Dwarf_Die *cu, Dwarf_Die *fn)
{
	Dwarf_Die child;
	size_t i;

	for (i = 0; i < d->ncache; i++)
		if (d->cache[i].addr == addr)
			return d->cache[i].fn && dwarf_offdie(d->dw, d->cache[i].cu, cu) &&
			       dwarf_offdie(d->dw, d->cache[i].fn, fn) ? 0 : -1;
	if (cu_of(d, addr, cu) == 0 && dwarf_child(cu, &child) == 0) {
		do {
			/* dwarf_haspc reads DW_AT_ranges too: hot/cold split functions have no low_pc */
			if (dwarf_tag(&child) == DW_TAG_subprogram && dwarf_haspc(&child, addr) > 0) {
				*fn = child;
				if (d->ncache < FN_CACHE)
					d->cache[d->ncache++] = (struct fn_cache){ addr, dwarf_dieoffset(cu),
										   dwarf_dieoffset(fn) };
				return 0;
			}
		} while (dwarf_siblingof(&child, &child) == 0);
	}
	/* remembered as absent: the search without aranges reads every unit */
	if (d->ncache < FN_CACHE)
		d->cache[d->ncache++] = (struct fn_cache){ addr, 0, 0 };
	return -1;
}

/*
 * A file name as addr2line prints it: libdw leaves names relative to the
 * compilation directory (DWARF 5 line tables), both addr2line tools put the
 * directory in front.
 */
static void full_name(Dwarf_Die *cu, const char *f, char *out, size_t len)
{
	Dwarf_Attribute a;
	const char *dir = NULL;

	if (f && f[0] != '/' && dwarf_attr(cu, DW_AT_comp_dir, &a))
		dir = dwarf_formstring(&a);
	if (dir && *dir)
		snprintf(out, len, "%s/%s", dir, f);
	else
		snprintf(out, len, "%s", f ? f : "?");
}

static void file_name(Dwarf_Die *cu, Dwarf_Word idx, char *out, size_t len)
{
	Dwarf_Files *files;
	size_t n;
	const char *f = NULL;

	if (dwarf_getsrcfiles(cu, &files, &n) == 0 && idx < n)
		f = dwarf_filesrc(files, idx, NULL, NULL);
	full_name(cu, f, out, len);
}

int kstep_dwarf_decl(struct kstep_dwarf *d, uint64_t func_addr, char *file, size_t flen, int *line)
{
	Dwarf_Die cu, fn;
	const char *f;

	if (func_die(d, func_addr, &cu, &fn))
		return -1;
	f = dwarf_decl_file(&fn);
	if (!f || dwarf_decl_line(&fn, line))
		return -1;
	full_name(&cu, f, file, flen);
	return 0;
}

static void note_inline(Dwarf_Die *cu, Dwarf_Die *die, struct kstep_srcpos *pos)
{
	struct kstep_inl *in;
	Dwarf_Attribute a;
	Dwarf_Word w;
	const char *name;

	if (pos->ninl >= KSTEP_INL_MAX)
		return;
	in = &pos->inl[pos->ninl++];
	name = dwarf_diename(die);
	snprintf(in->name, sizeof(in->name), "%s", name ? name : "?");
	in->die = dwarf_dieoffset(die);
	in->line = 0;
	snprintf(in->file, sizeof(in->file), "?");
	if (dwarf_attr(die, DW_AT_call_file, &a) && !dwarf_formudata(&a, &w))
		file_name(cu, w, in->file, sizeof(in->file));
	if (dwarf_attr(die, DW_AT_call_line, &a) && !dwarf_formudata(&a, &w))
		in->line = (int)w;
}

int kstep_dwarf_pos(struct kstep_dwarf *d, uint64_t func_addr, uint64_t pc, struct kstep_srcpos *pos)
{
	Dwarf_Die cu, cur, child;
	Dwarf_Line *l;
	const char *f;
	bool deeper = true;

	memset(pos, 0, sizeof(*pos));
	if (func_die(d, func_addr, &cu, &cur) || dwarf_haspc(&cur, pc) <= 0)
		return -1;
	/* down the physical tree: lexical blocks and inlined instances holding pc */
	while (deeper) {
		deeper = false;
		if (dwarf_child(&cur, &child))
			break;
		do {
			int tag = dwarf_tag(&child);

			if ((tag == DW_TAG_inlined_subroutine || tag == DW_TAG_lexical_block) &&
			    dwarf_haspc(&child, pc) > 0) {
				if (tag == DW_TAG_inlined_subroutine)
					note_inline(&cu, &child, pos);
				cur = child;
				deeper = true;
				break;
			}
		} while (dwarf_siblingof(&child, &child) == 0);
	}
	l = dwarf_getsrc_die(&cu, pc);
	if (!l || dwarf_lineno(l, &pos->line) || !(f = dwarf_linesrc(l, NULL, NULL)))
		return -1;
	full_name(&cu, f, pos->file, sizeof(pos->file));
	return 0;
}

/* One call site: its callee's name (NULL: indirect), return address and kind. */
struct site {
	const char *callee;
	uint64_t pc;		/* 0 when the site has none */
	bool tail;
};

/*
 * Calls fn for every call site under die (inside inlined instances and
 * lexical blocks too), until fn returns non-zero; returns that value.
 */
static int each_site(Dwarf_Die *die, int (*fn)(const struct site *s, void *arg), void *arg)
{
	Dwarf_Die child, origin;
	int ret = 0;

	if (dwarf_child(die, &child))
		return 0;
	do {
		int tag = dwarf_tag(&child);
		Dwarf_Attribute a;

		if (tag == DW_TAG_call_site || tag == DW_TAG_GNU_call_site) {
			bool gnu = tag == DW_TAG_GNU_call_site;
			struct site s = { 0 };
			Dwarf_Addr pc;

			if ((dwarf_attr(&child, DW_AT_call_origin, &a) ||
			     dwarf_attr(&child, DW_AT_abstract_origin, &a)) && dwarf_formref_die(&a, &origin))
				s.callee = dwarf_diename(&origin);
			if (dwarf_attr(&child, gnu ? DW_AT_low_pc : DW_AT_call_return_pc, &a) &&
			    !dwarf_formaddr(&a, &pc))
				s.pc = pc;
			/* clang gives a tail call its jmp's address (DW_AT_call_pc), not a return
			 * address: one past it stands for it, since lines are asked at pc - 1 */
			else if (dwarf_attr(&child, DW_AT_call_pc, &a) && !dwarf_formaddr(&a, &pc))
				s.pc = pc + 1;
			s.tail = dwarf_hasattr(&child, DW_AT_call_tail_call) ||
				 dwarf_hasattr(&child, DW_AT_GNU_tail_call);
			ret = fn(&s, arg);
		} else if (tag == DW_TAG_inlined_subroutine || tag == DW_TAG_lexical_block) {
			ret = each_site(&child, fn, arg);
		}
	} while (!ret && dwarf_siblingof(&child, &child) == 0);
	return ret;
}

struct names_arg {
	struct kstep_sbuf b;
	int count;
};

static int add_name(const struct site *s, void *arg)
{
	struct names_arg *n = arg;
	char key[300];

	snprintf(key, sizeof(key), ",%s,", s->callee ? s->callee : "");
	if (s->callee && !strstr(kstep_sbuf_str(&n->b), key)) {
		kstep_sbuf_addf(&n->b, "%s,", s->callee);
		n->count++;
	}
	return 0;
}

struct at_arg {
	uint64_t pc;
	char *out;
	size_t len;
};

static int site_at(const struct site *s, void *arg)
{
	struct at_arg *a = arg;

	if (!s->pc || s->pc != a->pc)
		return 0;
	snprintf(a->out, a->len, "%s", s->callee ? s->callee : "");
	return 1;
}

int kstep_dwarf_callee_at(struct kstep_dwarf *d, uint64_t func_addr, uint64_t return_pc, char *out,
			  size_t len)
{
	struct at_arg a = { return_pc, out, len };
	Dwarf_Die cu, fn;

	if (func_die(d, func_addr, &cu, &fn))
		return -1;
	return each_site(&fn, site_at, &a) ? 0 : -1;
}

int kstep_dwarf_callees(struct kstep_dwarf *d, uint64_t func_addr, char *out, size_t len)
{
	struct names_arg n = { { 0 }, 0 };
	Dwarf_Die cu, fn;
	const char *t;

	if (func_die(d, func_addr, &cu, &fn))
		return -1;
	kstep_sbuf_add(&n.b, ",");
	each_site(&fn, add_name, &n);
	t = kstep_sbuf_str(&n.b);
	/* without the guard commas */
	snprintf(out, len, "%.*s", (int)(strlen(t) > 2 ? strlen(t) - 2 : 0), t + 1);
	kstep_sbuf_free(&n.b);
	return n.count;
}

struct sites_arg {
	const char *callee;
	struct kstep_vec v;	/* struct site */
};

static int add_site(const struct site *s, void *arg)
{
	struct sites_arg *a = arg;
	char n1[256], n2[256];

	if (s->callee && s->pc &&
	    !strcmp(kstep_func_norm(s->callee, n1, sizeof(n1)), kstep_func_norm(a->callee, n2, sizeof(n2))))
		*(struct site *)kstep_vec_push(&a->v) = *s;
	return 0;
}

static int cmp_site(const void *x, const void *y)
{
	const struct site *a = x, *b = y;

	return a->pc < b->pc ? -1 : a->pc > b->pc;
}

int kstep_dwarf_call_sites(struct kstep_dwarf *d, uint64_t func_addr, const char *callee, uint64_t *return_pcs,
			   bool *tails, size_t cap)
{
	struct sites_arg a = { .callee = callee };
	Dwarf_Die cu, fn;
	size_t i;
	int n;

	if (func_die(d, func_addr, &cu, &fn))
		return -1;
	kstep_vec_init(&a.v, sizeof(struct site));
	each_site(&fn, add_site, &a);
	if (a.v.n)
		qsort(a.v.v, a.v.n, sizeof(struct site), cmp_site);
	for (i = 0; i < a.v.n && i < cap; i++) {
		const struct site *s = kstep_vec_at(&a.v, i);

		return_pcs[i] = s->pc;
		tails[i] = s->tail;
	}
	n = a.v.n > (size_t)INT32_MAX ? INT32_MAX : (int)a.v.n;
	kstep_vec_free(&a.v);
	return n;
}

static bool exists(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISREG(st.st_mode);
}

char *kstep_dwarf_find_vmlinux(const char *path, const char *debug_dir, const char *release,
			       const char *build_id, char *err, size_t errlen)
{
	const char *dirs[] = { debug_dir, "/usr/lib/debug" };
	struct kstep_sbuf tried = { 0 };
	char cand[1024];
	size_t i;
	int k;

	if (path)
		return kstep_xstrdup(path);
	for (i = 0; i < KSTEP_ARRAY_SIZE(dirs); i++) {
		for (k = 0; k < 4 && dirs[i]; k++) {
			cand[0] = '\0';
			if (k == 0 && release)
				snprintf(cand, sizeof(cand), "%s/vmlinux-%s", dirs[i], release);
			else if (k == 1 && release)
				snprintf(cand, sizeof(cand), "%s/boot/vmlinux-%s", dirs[i], release);
			else if (k == 2 && release)
				snprintf(cand, sizeof(cand), "%s/lib/modules/%s/vmlinux", dirs[i], release);
			else if (k == 3 && build_id && strlen(build_id) > 2)
				snprintf(cand, sizeof(cand), "%s/.build-id/%.2s/%s.debug", dirs[i], build_id,
					 build_id + 2);
			if (!cand[0])
				continue;
			if (exists(cand)) {
				kstep_sbuf_free(&tried);
				return kstep_xstrdup(cand);
			}
		}
		if (dirs[i])
			kstep_sbuf_addf(&tried, "%s%s", tried.len ? ", " : "", dirs[i]);
	}
#ifdef HAVE_DEBUGINFOD
	{
		const char *urls = getenv("DEBUGINFOD_URLS");

		if (urls && *urls && build_id && *build_id) {
			debuginfod_client *c = debuginfod_begin();
			char *got = NULL;
			int fd = c ? debuginfod_find_debuginfo(c, (const unsigned char *)build_id, 0, &got) : -ENOMEM;

			if (c)
				debuginfod_end(c);
			if (fd >= 0) {
				close(fd);
				kstep_sbuf_free(&tried);
				return got;
			}
			free(got);
			kstep_sbuf_addf(&tried, "%sdebuginfod (%s)", tried.len ? ", " : "", strerror(-fd));
		}
	}
#endif
	snprintf(err, errlen, "no debug file for kernel %s (build-id %s) in %s (vmlinux-RELEASE, boot/, "
		 "lib/modules/RELEASE/, .build-id/): give --vmlinux PATH, --debug-dir DIR or DEBUGINFOD_URLS "
		 "(Debian: linux-image-%s-dbg)", release ? release : "?",
		 build_id && *build_id ? build_id : "?", tried.len ? kstep_sbuf_str(&tried) : "(nowhere)",
		 release ? release : "RELEASE");
	kstep_sbuf_free(&tried);
	return NULL;
}
