// SPDX-License-Identifier: GPL-2.0
/*
 * Size buckets (pad.h): 64, 128, ... 16384 bytes, then PAD_MAX. Padding
 * is ISO/IEC 7816-4's: one 0x80 byte, then zeros.
 */
#include <errno.h>
#include <string.h>

#include "pad.h"

size_t pad_size(size_t len)
{
	size_t b;

	if (len >= PAD_MAX)
		return 0;
	for (b = PAD_MIN; b < PAD_MAX; b *= 2)
		if (len < b)
			return b;
	return PAD_MAX;
}

long pad(const uint8_t *in, size_t len, uint8_t *out)
{
	size_t size = pad_size(len);

	if (!size)
		return -EMSGSIZE;
	memmove(out, in, len);
	out[len] = 0x80;
	memset(out + len + 1, 0, size - len - 1);
	return (long)size;
}

long unpad(const uint8_t *buf, size_t len)
{
	/*
	 * Scan every byte: the end of the content is found without a
	 * branch on the data, so the time says nothing about the length.
	 */
	size_t i, end = 0;
	unsigned int seen = 0, bad = 0;

	if (!len || pad_size(len - 1) != len)
		return -EBADMSG;
	for (i = len; i-- > 0;) {
		unsigned int b = buf[i];
		unsigned int first = !seen & (b != 0);	/* the last non-zero */
		size_t m = 0 - (size_t)first;

		end = (end & ~m) | (i & m);
		bad |= first & (b != 0x80);
		seen |= first;
	}
	if (bad | !seen)
		return -EBADMSG;
	return (long)end;
}
