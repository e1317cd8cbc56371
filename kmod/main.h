/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Module-wide state: the work queue every connection runs on and the limits
 * set by module parameters.
 */
#ifndef _TERN_MAIN_H
#define _TERN_MAIN_H

#include <linux/workqueue.h>

extern struct workqueue_struct *tern_wq;

/* Per network namespace caps (module parameters, writable by root). */
extern unsigned int tern_max_conns;
extern unsigned long tern_max_held_bytes;

#endif /* _TERN_MAIN_H */
