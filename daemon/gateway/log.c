// SPDX-License-Identifier: GPL-2.0
/*
 * Gateway logging, to stderr (journald under systemd). What may appear is
 * fixed by the callers: counts, close reasons and errors, never payloads,
 * message ids, tokens or anything about who sends to whom.
 */
#include <stdarg.h>
#include <stdio.h>

#include "gw.h"

void gw_log(struct gw *gw, int level, const char *fmt, ...)
{
	static const char *const prefix[] = { "<3>", "<6>", "<7>" };
	va_list ap;

	if (level > gw->conf.verbose + GW_INFO - 1 && level != GW_ERR)
		return;
	fputs(prefix[level], stderr);
	fputs("tern-gatewayd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
