/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few API differences between the kernels tern.ko is built for
 * (Debian's 6.1 and 6.12), kept here so the rest of the code reads as if it
 * were written for one kernel.
 */
#ifndef _TERN_COMPAT_H
#define _TERN_COMPAT_H

#include <net/genetlink.h>

/*
 * Kbuild probes the kernel's headers and defines TERN_HAVE_* (see Kbuild),
 * so this depends on what a kernel has, not on its version number.
 */

/* 6.12 moved the unaligned access helpers to linux/. */
#ifdef TERN_HAVE_LINUX_UNALIGNED
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/* 6.6 folded the dump attributes into a struct genl_info. */
static inline struct nlattr **tern_dump_attrs(struct netlink_callback *cb)
{
#ifdef TERN_HAVE_GENL_INFO_DUMP
	return genl_info_dump(cb)->attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

#endif /* _TERN_COMPAT_H */
