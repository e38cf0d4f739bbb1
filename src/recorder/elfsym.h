/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * elfsym.h - user-space symbols for uprobes: where a function of a binary or
 * library sits in its file (the offset uprobe_events wants), and the GNU
 * build-id of the file.
 */
#ifndef KSTEP_ELFSYM_H
#define KSTEP_ELFSYM_H

#include <stddef.h>
#include <stdint.h>

/*
 * Finds the function sym (in .symtab, else .dynsym; versioned names such as
 * socket@@GLIBC_2.2.5 match "socket") in the ELF file at path and returns 0
 * with its file offset in *off, or -1 with a message in err.
 */
int kstep_elf_func_offset(const char *path, const char *sym, uint64_t *off, char *err,
			  size_t errlen);

/* Writes the file's GNU build-id as hex into out; 0, or -1 when it has none. */
int kstep_elf_build_id(const char *path, char *out, size_t len);

/*
 * Finds the file that provides library lib ("libc", "libc.so.6" or a path)
 * to the program at prog, by reading the program's dynamic dependencies
 * through the system's loader paths. Returns a malloc'd path or NULL.
 */
char *kstep_elf_find_library(const char *prog, const char *lib);

#endif
