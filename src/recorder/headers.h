/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * headers.h - where the recording machine's headers define the constants a
 * step log names (AF_INET, SOCK_STREAM, __NR_socket, EMFILE), so that the
 * log can cite the line a reader would open: "#define NAME VALUE" and the
 * enumerators "NAME = VALUE", found by following #include from the headers
 * a plan names, and resolved through one name standing for another
 * (AF_INET -> PF_INET -> 2). The recorder stores what it found (option
 * 0x4b0f, doc/trace-dat-options.md), so any machine prints the same.
 */
#ifndef KSTEP_HEADERS_H
#define KSTEP_HEADERS_H

#include <stddef.h>

/* One definition of a name, as written. */
struct kstep_define {
	const char *name;
	const char *value;	/* the text after the name, comments and spaces trimmed */
	const char *path;	/* the header's path as found under a root */
	unsigned line;		/* 1-based */
	int enumerator;		/* an "NAME = VALUE" inside an enum, not a #define */
};

struct kstep_defines;

/*
 * Scans the headers (paths as written in #include <...>, e.g.
 * "sys/socket.h") under the include roots, in order (a header is taken
 * from the first root that has it), following their #include lines; each
 * file is read once, and at most max_files. Returns the set (free with
 * kstep_defines_free), or NULL with a message in err when no header could
 * be read at all.
 */
struct kstep_defines *kstep_defines_scan(const char *const *roots, size_t nroots, const char *const *headers,
					 size_t nheaders, size_t max_files, char *err, size_t errlen);
void kstep_defines_free(struct kstep_defines *d);

/* Files read, and definitions found. */
size_t kstep_defines_files(const struct kstep_defines *d);
size_t kstep_defines_count(const struct kstep_defines *d);

/*
 * The chain that defines name: chain[0] is name's own definition, each next
 * one defines the name the previous one's value is, until a value that is
 * no defined name (a number, an expression). A "#define X X" standing for
 * an enumerator is passed over for the enumerator. Returns the chain's
 * length (0: name is not defined; at most max), pointers into d.
 */
size_t kstep_defines_chain(const struct kstep_defines *d, const char *name, const struct kstep_define **chain,
			   size_t max);

/*
 * Returns the text of option 0x4b0f (doc/trace-dat-options.md): where the
 * headers under sysroot ("" for this machine) define the constants of
 * kstep's decoding tables (plugins/ .tbl files), every link of each name's chain
 * ("def"/"enum" lines), and the SHA-256 of each file cited ("file" lines);
 * or one "none WHY" line when the machine has no such headers. The caller
 * frees it.
 */
char *kstep_defines_option(const char *sysroot);

#endif
