// SPDX-License-Identifier: GPL-2.0
/*
 * Error strings with OpenSSL's error queue (see sslerr.h).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <openssl/err.h>

#include "sslerr.h"

void sslerr_queue(char *buf, size_t len)
{
	const char *data, *reason;
	size_t used = buf ? strnlen(buf, len) : 0;
	unsigned long e;
	bool first = true;
	int flags, n;

	while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags))) {
		if (!buf || used + 1 >= len)
			continue;	/* drain the queue all the same */
		reason = ERR_reason_error_string(e);
		if (reason)
			n = snprintf(buf + used, len - used, "%s%s",
				     first ? ": " : "; ", reason);
		else
			n = snprintf(buf + used, len - used, "%serror %08lx",
				     first ? ": " : "; ", e);
		if (n > 0)
			used += (size_t)n < len - used ? (size_t)n :
				len - used - 1;
		if ((flags & ERR_TXT_STRING) && data && *data &&
		    used + 1 < len) {
			n = snprintf(buf + used, len - used, " (%s)", data);
			if (n > 0)
				used += (size_t)n < len - used ? (size_t)n :
					len - used - 1;
		}
		first = false;
	}
}

void sslerr_set(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

void sslerr_setq(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	} else {
		err = NULL;
	}
	sslerr_queue(err, errlen);
}
