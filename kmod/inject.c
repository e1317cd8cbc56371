// SPDX-License-Identifier: GPL-2.0
/*
 * The injected bug of a TERN_INJECT test build (inject.h): run once, when
 * the module has loaded.
 */

#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "inject.h"

#if defined(TERN_INJECT_LEAK)

/* 128 bytes whose only pointer is dropped: kmemleak's to find. */
void tern_inject(void)
{
	void *p = kmalloc(128, GFP_KERNEL);

	if (p)
		memset(p, 0x5a, 128);
	pr_warn("tern: TERN_INJECT test build: leaked 128 bytes\n");
}

#elif defined(TERN_INJECT_UAF)

/* A read of freed memory: KASAN's to find. */
void tern_inject(void)
{
	u8 *p = kmalloc(64, GFP_KERNEL);

	if (!p)
		return;
	kfree(p);
	pr_warn("tern: TERN_INJECT test build: read %u after free\n",
		READ_ONCE(p[8]));
}

#else
#error "TERN_INJECT must be leak or uaf"
#endif
