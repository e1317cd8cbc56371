/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Standard base64 with padding (RFC 4648 section 4), decoded strictly:
 * the directory's JSON carries every key, hash and signature this way
 * (Documentation/directory.rst, "The HTTP API").
 */
#ifndef TERN_B64_H
#define TERN_B64_H

#include <stddef.h>
#include <stdint.h>

/* Characters b64_encode() writes for @n bytes, not counting the NUL. */
#define B64_LEN(n)	((((n) + 2) / 3) * 4)

/* Writes @n bytes of @in as base64 and a NUL into @out (B64_LEN(n) + 1). */
void b64_encode(const uint8_t *in, size_t n, char *out);

/*
 * Decodes @s into @out (room for @max bytes), setting *@n. Returns NULL,
 * or why @s is refused: "not base64" (a character outside the alphabet, a
 * length that is not a multiple of 4, padding anywhere but the end, non-zero
 * bits after the last byte), or "too long" when it would not fit in @max.
 * The whole of @s is checked first: a refusal sets *@n to 0 and writes
 * nothing to @out.
 */
const char *b64_decode(const char *s, uint8_t *out, size_t max, size_t *n);

#endif /* TERN_B64_H */
