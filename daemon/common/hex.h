/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hexadecimal encoding of binary strings (tokens, ids and keys on command
 * lines and in logs). Decoding is strict: exactly 2 * n hex digits, either
 * case, nothing else.
 */
#ifndef TERN_HEX_H
#define TERN_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Size of the buffer hex_encode() needs for n bytes, with the NUL. */
#define HEX_LEN(n)	(2 * (n) + 1)

/* Writes 2 * n lowercase hex digits and a NUL to out. */
void hex_encode(const uint8_t *in, size_t n, char *out);

/*
 * Decodes in, which must be exactly 2 * n hex digits, into out[n].
 * Returns 0, or -EINVAL (wrong length or a non-hex character; out is then
 * left unspecified).
 */
int hex_decode(const char *in, uint8_t *out, size_t n);

#endif /* TERN_HEX_H */
