/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Padding of plaintexts to size buckets before they are encrypted
 * (Documentation/e2e.rst, "Padding"), so a ciphertext's length says
 * little about its content: 0x80 after the content, then zeros up to the
 * bucket.
 */
#ifndef TERN_PAD_H
#define TERN_PAD_H

#include <stddef.h>
#include <stdint.h>

#define PAD_MIN		64
#define PAD_MAX		31744	/* leaves 1 KiB of a 32 KiB push */

/* The padded size of @len bytes of content, or 0 when too long. */
size_t pad_size(size_t len);
/* Pad @len bytes of @in into @out (pad_size(@len) bytes; @in and @out
 * may be the same). Returns the padded size, or -EMSGSIZE.
 */
long pad(const uint8_t *in, size_t len, uint8_t *out);
/* The content's length in @len padded bytes, or -EBADMSG when the
 * padding is not well formed (checked in time independent of where the
 * content ends).
 */
long unpad(const uint8_t *buf, size_t len);

#endif /* TERN_PAD_H */
