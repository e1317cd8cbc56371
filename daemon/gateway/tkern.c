// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel transport: connections held by tern.ko. Not written yet (the
 * gateway issue lands it next); until then a gateway asked for it says so,
 * and --transport auto runs the user transport and says why.
 */
#include <errno.h>
#include <stdio.h>

#include "gw.h"

int gw_tkern_init(struct gw *gw, char *why, size_t len)
{
	(void)gw;
	snprintf(why, len, "the kernel transport is not in this build yet");
	return -EOPNOTSUPP;
}
