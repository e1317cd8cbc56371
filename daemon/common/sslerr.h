/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Error strings for the "char *err, size_t errlen" arguments of the TLS,
 * kTLS and identity code, optionally followed by OpenSSL's error queue.
 */
#ifndef TERN_SSLERR_H
#define TERN_SSLERR_H

#include <stddef.h>

/* Formats the message into err (if err and errlen are non-zero). */
void sslerr_set(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Formats the message into err and appends ": " and the reasons on
 * OpenSSL's error queue of this thread, oldest first; then empties the
 * queue (also when err is NULL).
 */
void sslerr_setq(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Appends the error queue's reasons to buf (as sslerr_setq does). */
void sslerr_queue(char *buf, size_t len);

#endif /* TERN_SSLERR_H */
