/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Configuration files (gateway.conf, ternd.conf): one `key = value` a
 * line, `#` comment lines and blank lines, no sections.
 *
 *  - keys are [a-z0-9-]+; spaces and tabs around keys, `=` and values are
 *    ignored; a value is the rest of the line and may be empty or hold
 *    spaces (and `#`: comments are whole lines only);
 *  - a line holds at most CONF_MAX_LINE bytes; CRLF line ends are read as
 *    LF; NUL bytes and control characters other than tab are refused;
 *  - the file is read front to back and each pair handed to a callback,
 *    which gives the key its meaning (and decides about repeated keys).
 *
 * Errors name the place: "gateway.conf:12: expected 'key = value'".
 * They never echo a value, and hold printable ASCII only.
 */
#ifndef TERN_CONF_H
#define TERN_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONF_MAX_LINE	4096
#define CONF_MAX_FILE	(1024 * 1024)

/*
 * Parse @len bytes of @text, calling @cb for each pair with the 1-based
 * line number. @cb returns 0, or a negative errno to stop the parse, with
 * a message in @err (the parser adds the place; without a message it uses
 * strerror). Returns 0, @cb's error, or -EINVAL for a malformed line; the
 * message (prefixed "line N: ") is in @err.
 */
int conf_parse(const char *text, size_t len,
	       int (*cb)(void *ctx, const char *key, const char *val,
			 unsigned int line, char *err, size_t errlen),
	       void *ctx, char *err, size_t errlen);

/* The same for the file at @path (at most CONF_MAX_FILE bytes); errors
 * start with "@path:N: ", or "@path: " when the file can't be read.
 */
int conf_load(const char *path,
	      int (*cb)(void *ctx, const char *key, const char *val,
			unsigned int line, char *err, size_t errlen),
	      void *ctx, char *err, size_t errlen);

/*
 * Values. Each returns 0, -EINVAL (not of the form) or -ERANGE (too
 * large, or outside [min, max]), and leaves *out alone on error. Numbers
 * are decimal digits, no sign.
 */
int conf_u32(const char *val, uint32_t min, uint32_t max, uint32_t *out);
/* "500ms", "10s", "5m", "2h", "30d"; a plain number is milliseconds. */
int conf_duration_ms(const char *val, uint64_t *out);
/* yes/no, true/false, on/off, 1/0 (any case). */
int conf_bool(const char *val, bool *out);
/* Bytes: a plain number, or with k, M, G (powers of 1024; any case). */
int conf_size(const char *val, uint64_t *out);

#endif /* TERN_CONF_H */
