// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for strict base64 (daemon/dir/b64.c).
 *
 * An input is one configuration byte and then a string:
 *
 *   cfg    bits 0-2  the output buffer's room, one of rooms[] (7: the
 *                    string's length, always enough)
 *
 * The string (up to its first NUL, as a C string) is decoded into a heap
 * block of exactly that room (ASan sees a write past it) and,
 * independently, by a reading of RFC 4648 section 4 written group by
 * group. Any difference aborts, which libFuzzer reports:
 *
 *  - b64_decode() accepts exactly the strings the reading accepts, with
 *    the same bytes, says "too long" exactly when they do not fit and
 *    "not base64" otherwise, and on a refusal sets *n to 0 and writes
 *    nothing;
 *  - a string it accepts is the one encoding of its bytes: b64_encode()
 *    gives it back;
 *  - b64_encode() of the raw input bytes is B64_LEN long, agrees with
 *    libcrypto's EVP_EncodeBlock, and decodes back to them.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "b64.h"

#define CFG_LEN	1

static const size_t rooms[7] = { 0, 1, 2, 3, 31, 32, 33 };

#define fail(...) do {							\
	fprintf(stderr, "b64_fuzz: " __VA_ARGS__);			\
	fputc('\n', stderr);						\
	abort();							\
} while (0)

static int ref_digit(uint8_t c)
{
	static const char a[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		"0123456789+/";
	const char *p = c ? strchr(a, c) : NULL;

	return p ? (int)(p - a) : -1;
}

/* The reading: true and the bytes in @out (*n of them), or false. */
static bool ref_decode(const char *s, size_t len, uint8_t *out, size_t *n)
{
	size_t g, k, groups = len / 4;
	int d[4];
	uint32_t v;

	*n = 0;
	if (len % 4)
		return false;
	for (g = 0; g < groups; g++) {
		const char *q = s + 4 * g;
		bool last = g + 1 == groups;
		unsigned int pad = 0;

		for (k = 0; k < 4; k++)
			d[k] = ref_digit((uint8_t)q[k]);
		if (last && q[3] == '=')
			pad = q[2] == '=' ? 2 : 1;
		for (k = 0; k < 4 - pad; k++)
			if (d[k] < 0)
				return false;
		v = 0;
		for (k = 0; k < 4 - pad; k++)
			v |= (uint32_t)d[k] << (18 - 6 * k);
		/* The bits no byte takes must be zero. */
		if (pad == 2 && (v & 0xffff))
			return false;
		if (pad == 1 && (v & 0xff))
			return false;
		out[(*n)++] = v >> 16;
		if (pad < 2)
			out[(*n)++] = (v >> 8) & 0xff;
		if (pad < 1)
			out[(*n)++] = v & 0xff;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *out, *ref, *back;
	char *s, *enc, *evp;
	size_t len, room, n = 99, rn, bn;
	const char *why;
	bool ok;

	if (size < CFG_LEN)
		return -1;
	s = malloc(size);
	if (!s)
		fail("out of memory");
	memcpy(s, data + CFG_LEN, size - CFG_LEN);
	s[size - CFG_LEN] = '\0';
	len = strlen(s);
	room = (data[0] & 7) == 7 ? len : rooms[data[0] & 7];

	/* Exactly the room (one byte for none, checked below). */
	out = malloc(room ? room : 1);
	ref = malloc(len + 1);
	back = malloc(size);
	enc = malloc(B64_LEN(size) + 1);
	evp = malloc(B64_LEN(size) + 1);
	if (!out || !ref || !back || !enc || !evp)
		fail("out of memory");
	memset(out, 0xee, room ? room : 1);

	ok = ref_decode(s, len, ref, &rn);
	why = b64_decode(s, out, room, &n);
	if (!ok) {
		if (!why || strcmp(why, "not base64"))
			fail("accepted or misnamed (%s) a string the reading refuses",
			     why ? why : "accepted");
	} else if (rn > room) {
		if (!why || strcmp(why, "too long"))
			fail("%zu bytes in room for %zu: %s", rn, room,
			     why ? why : "accepted");
	} else {
		if (why)
			fail("refused a valid string: %s", why);
		if (n != rn || memcmp(out, ref, n))
			fail("decoded other bytes than the reading");
		b64_encode(out, n, enc);
		if (strcmp(enc, s))
			fail("accepted a string that is not the encoding of its bytes");
	}
	if (why && n)
		fail("a refusal set n to %zu", n);
	for (rn = 0; why && rn < (room ? room : 1); rn++)
		if (out[rn] != 0xee)
			fail("a refusal wrote to the output");
	if (!why && !room && out[0] != 0xee)
		fail("decoding nothing wrote to the output");

	/* Encode the raw bytes (NULs and all) and back. */
	len = size - CFG_LEN;
	b64_encode(data + CFG_LEN, len, enc);
	EVP_EncodeBlock((unsigned char *)evp, data + CFG_LEN, (int)len);
	if (strlen(enc) != B64_LEN(len) || strcmp(enc, evp))
		fail("encoding differs from EVP_EncodeBlock");
	why = b64_decode(enc, back, len, &bn);
	if (why || bn != len || memcmp(back, data + CFG_LEN, len))
		fail("encoding does not decode back: %s", why ? why : "bytes");

	free(evp);
	free(enc);
	free(back);
	free(ref);
	free(out);
	free(s);
	return 0;
}
