/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * debuginfo.h - what a trace cannot show, from DWARF (libdw): where each traced
 * function is declared, the source line of each call, the functions inlined
 * at a call site (outermost first, each with the line it was inlined at),
 * and the call sites a parent has for a callee (for function_graph edges,
 * which carry no return address).
 *
 * Everything is looked up by address (GCC writes no .debug_names): the
 * compile unit by aranges, then the physical DIE tree down to the address,
 * so the abstract origin of an inlined function never hides its caller.
 */
#ifndef KSTEP_DEBUGINFO_H
#define KSTEP_DEBUGINFO_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

struct kstep_dwarf;

/* One function inlined at an address, outermost first. */
struct kstep_inl {
	char name[128];
	char file[256];		/* where it was inlined: DW_AT_call_file */
	int line;		/* DW_AT_call_line */
	uint64_t die;		/* DIE offset: equal for one inlined instance */
};

#define KSTEP_INL_MAX 16

/* An address in source terms. */
struct kstep_srcpos {
	char file[256];
	int line;
	struct kstep_inl inl[KSTEP_INL_MAX];	/* inlined frames around it, outermost first */
	int ninl;
};

/*
 * Opens the ELF file at path (a vmlinux or a .debug file) with its DWARF.
 * want_build_id (hex, or NULL) must equal the file's GNU build-id, else the
 * file is refused with both ids in err. Returns NULL with err on failure.
 */
struct kstep_dwarf *kstep_dwarf_open(const char *path, const char *want_build_id, char *err,
				     size_t errlen);
void kstep_dwarf_close(struct kstep_dwarf *d);
/* The file's build-id (hex) and its path. */
const char *kstep_dwarf_build_id(const struct kstep_dwarf *d);
const char *kstep_dwarf_path(const struct kstep_dwarf *d);
/* The link-time address of an ELF symbol (for the KASLR offset); 0 when absent. */
uint64_t kstep_dwarf_symbol(struct kstep_dwarf *d, const char *name);

/* Where the function at func_addr (link-time) is declared; 0 or -1. */
int kstep_dwarf_decl(struct kstep_dwarf *d, uint64_t func_addr, char *file, size_t flen, int *line);
/*
 * The source position of pc inside the function at func_addr, with the
 * functions inlined there. Returns 0 or -1.
 */
int kstep_dwarf_pos(struct kstep_dwarf *d, uint64_t func_addr, uint64_t pc, struct kstep_srcpos *pos);
/*
 * The return addresses of the calls from the function at func_addr to
 * callee (DW_TAG_call_site with DW_AT_call_origin; DW_TAG_GNU_call_site too),
 * in address order: the first cap of them into return_pcs, and into tails
 * whether each is a tail call. Returns how many sites there are (possibly
 * more than cap; 0 when none: indirect calls have no origin), or -1 when
 * the function is not in the file.
 */
int kstep_dwarf_call_sites(struct kstep_dwarf *d, uint64_t func_addr, const char *callee, uint64_t *return_pcs,
			   bool *tails, size_t cap);

struct kstep_ksyms;
/*
 * Checks that d is the debug file of the kernel a trace was recorded on,
 * when no build-id can say so: d must be a Linux kernel image (its
 * linux_banner), of release (the trace's uname release, or NULL), and a
 * sample of its global functions must sit at the trace's kallsyms addresses
 * (ks, or NULL) less one KASLR offset. Returns 0 with that offset in *bias,
 * or -1 with both identities in err.
 */
int kstep_dwarf_check_kernel(struct kstep_dwarf *d, const char *release, const struct kstep_ksyms *ks,
			     int64_t *bias, char *err, size_t errlen);
/* Writes what d is, for messages: "Linux 6.1.0-56-amd64 (build-id ...)". */
void kstep_dwarf_identity(struct kstep_dwarf *d, char *out, size_t len);
/*
 * Writes the kernel's upstream version as its linux_banner says it
 * ("6.1.192" from "... Debian 6.1.192-2 ...", else the release's leading
 * numbers), or "" when the file has no banner.
 */
void kstep_dwarf_version(struct kstep_dwarf *d, char *out, size_t len);
/*
 * The same for the file at path, which need not have DWARF (then " without
 * DWARF" is added), nor be an ELF file (then why it cannot be read).
 */
void kstep_dwarf_describe(const char *path, char *out, size_t len);

/* The link-time address of file offset off (PT_LOAD segments); 0 when none maps it. */
uint64_t kstep_dwarf_off2addr(struct kstep_dwarf *d, uint64_t off);
/*
 * The functions the function at func_addr calls directly (its call sites'
 * origins), names joined by ',' into out. Returns the count, -1 on error.
 */
int kstep_dwarf_callees(struct kstep_dwarf *d, uint64_t func_addr, char *out, size_t len);

/*
 * The callee of the call site of the function at func_addr whose return
 * address is return_pc: its name into out ("" for an indirect call).
 * Returns 0, or -1 when no call site returns there.
 */
int kstep_dwarf_callee_at(struct kstep_dwarf *d, uint64_t func_addr, uint64_t return_pc, char *out,
			  size_t len);

/*
 * Finds the debug file for a kernel: path when given, else DIR/vmlinux-RELEASE,
 * DIR/.build-id/xx/rest.debug, /usr/lib/debug/boot/vmlinux-RELEASE,
 * /usr/lib/debug/lib/modules/RELEASE/vmlinux, /usr/lib/debug/.build-id/...
 * Returns a malloc'd path, or NULL with the places tried in err.
 */
char *kstep_dwarf_find_vmlinux(const char *path, const char *debug_dir, const char *release,
			       const char *build_id, char *err, size_t errlen);

#endif
