// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * elfsym.c - symbol offsets and build-ids with libelf.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdbool.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elfsym.h"
#include "util.h"

struct elf_file {
	int fd;
	Elf *elf;
};

static int elf_open(struct elf_file *ef, const char *path, char *err, size_t errlen)
{
	elf_version(EV_CURRENT);
	ef->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (ef->fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	ef->elf = elf_begin(ef->fd, ELF_C_READ, NULL);
	if (!ef->elf || elf_kind(ef->elf) != ELF_K_ELF) {
		snprintf(err, errlen, "%s: not an ELF file", path);
		if (ef->elf)
			elf_end(ef->elf);
		close(ef->fd);
		return -1;
	}
	return 0;
}

static void elf_close(struct elf_file *ef)
{
	elf_end(ef->elf);
	close(ef->fd);
}

/* "socket@@GLIBC_2.2.5" names "socket" */
static bool same_name(const char *symname, const char *want)
{
	size_t n = strlen(want);

	return !strncmp(symname, want, n) && (symname[n] == '\0' || symname[n] == '@');
}

static int find_in(Elf *elf, Elf64_Word type, const char *sym, GElf_Sym *out)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;
		size_t i, n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != type || !sh.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		n = sh.sh_size / sh.sh_entsize;
		for (i = 0; i < n; i++) {
			GElf_Sym s;
			const char *name;

			if (!gelf_getsym(data, (int)i, &s) || GELF_ST_TYPE(s.st_info) != STT_FUNC ||
			    s.st_shndx == SHN_UNDEF || !s.st_value)
				continue;
			name = elf_strptr(elf, sh.sh_link, s.st_name);
			if (name && same_name(name, sym)) {
				*out = s;
				return 0;
			}
		}
	}
	return -1;
}

/* Virtual address → file offset through the loadable segment that holds it. */
static int vaddr_to_offset(Elf *elf, uint64_t vaddr, uint64_t *off)
{
	size_t n, i;

	if (elf_getphdrnum(elf, &n))
		return -1;
	for (i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_filesz) {
			*off = vaddr - ph.p_vaddr + ph.p_offset;
			return 0;
		}
	}
	return -1;
}

int kstep_elf_func_offset(const char *path, const char *sym, uint64_t *off, char *err,
			  size_t errlen)
{
	struct elf_file ef;
	GElf_Sym s;
	int ret = -1;

	if (elf_open(&ef, path, err, errlen))
		return -1;
	if (find_in(ef.elf, SHT_SYMTAB, sym, &s) && find_in(ef.elf, SHT_DYNSYM, sym, &s)) {
		snprintf(err, errlen, "%s has no function %s", path, sym);
		goto out;
	}
	if (vaddr_to_offset(ef.elf, s.st_value, off)) {
		snprintf(err, errlen, "%s: %s lies in no loadable segment", path, sym);
		goto out;
	}
	ret = 0;
out:
	elf_close(&ef);
	return ret;
}

int kstep_elf_build_id(const char *path, char *out, size_t len)
{
	struct elf_file ef;
	Elf_Scn *scn = NULL;
	char err[256];
	int ret = -1;

	if (elf_open(&ef, path, err, sizeof(err)))
		return -1;
	while (ret && (scn = elf_nextscn(ef.elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;
		GElf_Nhdr nh;
		size_t pos = 0, name_off, desc_off;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE || !(data = elf_getdata(scn, NULL)))
			continue;
		while ((pos = gelf_getnote(data, pos, &nh, &name_off, &desc_off)) > 0) {
			size_t i, k = 0;

			if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
			    memcmp((char *)data->d_buf + name_off, "GNU", 4))
				continue;
			for (i = 0; i < nh.n_descsz && k + 3 <= len; i++)
				k += (size_t)snprintf(out + k, len - k, "%02x",
						      ((unsigned char *)data->d_buf)[desc_off + i]);
			ret = 0;
			break;
		}
	}
	elf_close(&ef);
	return ret;
}

static const char *const lib_dirs[] = {
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib",
	"/usr/lib", "/usr/local/lib",
};

/* DT_NEEDED entries of prog, matched against lib ("libc" matches "libc.so.6"). */
static char *needed_match(const char *prog, const char *lib)
{
	struct elf_file ef;
	Elf_Scn *scn = NULL;
	char err[256];
	char *found = NULL;
	size_t l = strlen(lib);

	if (elf_open(&ef, prog, err, sizeof(err)))
		return NULL;
	while (!found && (scn = elf_nextscn(ef.elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;
		size_t i;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC || !(data = elf_getdata(scn, NULL)))
			continue;
		for (i = 0; sh.sh_entsize && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Dyn d;
			const char *name;

			if (!gelf_getdyn(data, (int)i, &d) || d.d_tag != DT_NEEDED)
				continue;
			name = elf_strptr(ef.elf, sh.sh_link, (size_t)d.d_un.d_val);
			if (name && !strncmp(name, lib, l) && (name[l] == '\0' || name[l] == '.' || name[l] == '-')) {
				found = kstep_xstrdup(name);
				break;
			}
		}
	}
	elf_close(&ef);
	return found;
}

char *kstep_elf_find_library(const char *prog, const char *lib)
{
	char *soname;
	size_t i;

	if (strchr(lib, '/'))
		return access(lib, R_OK) ? NULL : kstep_xstrdup(lib);
	soname = needed_match(prog, lib);
	if (!soname)
		soname = kstep_xasprintf(strstr(lib, ".so") ? "%s" : "%s.so.6", lib);
	for (i = 0; i < KSTEP_ARRAY_SIZE(lib_dirs); i++) {
		char *path = kstep_xasprintf("%s/%s", lib_dirs[i], soname);

		if (!access(path, R_OK)) {
			free(soname);
			return path;
		}
		free(path);
	}
	free(soname);
	return NULL;
}
