/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * slabs.h - the merged slab caches of the recording kernel. With slab
 * merging (Debian's default), a cache created like an existing one becomes
 * an alias of it, and the kmem events print only the first cache's name:
 * a UNIX socket is allocated "from signal_cache". The recorder notes the
 * merge groups (option 0x4b0d, doc/trace-dat-options.md) so the analysis
 * can say which caches a name stands for, on any machine.
 */
#ifndef KSTEP_SLABS_H
#define KSTEP_SLABS_H

/*
 * Returns the merge groups under sysdir (/sys/kernel/slab: each alias is a
 * symlink to the group's ":<flags>-<size>" directory), one line a group of
 * two names or more: "ID OWNER ALIAS ...", the owner being the name listed
 * in slabinfo (/proc/slabinfo lists each cache once, by the name the events
 * print), the aliases sorted. Returns NULL when sysdir cannot be read or no
 * cache is merged; the caller frees the text.
 */
char *kstep_slabs_merged(const char *sysdir, const char *slabinfo);

#endif
