// SPDX-License-Identifier: GPL-2.0
/*
 * Standard base64 with padding (RFC 4648 section 4), see b64.h. The
 * decoder is strict, so that every byte string has exactly one encoding
 * the directory accepts: the whole input is checked (alphabet, length,
 * padding, trailing bits) before a byte is written. Input is untrusted;
 * tests/fuzz/b64_fuzz.c fuzzes it against a model.
 */
#include <string.h>

#include "b64.h"

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void b64_encode(const uint8_t *in, size_t n, char *out)
{
	uint32_t v;
	size_t i;

	for (i = 0; i + 3 <= n; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		*out++ = b64_alphabet[v >> 18];
		*out++ = b64_alphabet[(v >> 12) & 63];
		*out++ = b64_alphabet[(v >> 6) & 63];
		*out++ = b64_alphabet[v & 63];
	}
	if (n - i == 1) {
		v = (uint32_t)in[i] << 16;
		*out++ = b64_alphabet[v >> 18];
		*out++ = b64_alphabet[(v >> 12) & 63];
		*out++ = '=';
		*out++ = '=';
	} else if (n - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		*out++ = b64_alphabet[v >> 18];
		*out++ = b64_alphabet[(v >> 12) & 63];
		*out++ = b64_alphabet[(v >> 6) & 63];
		*out++ = '=';
	}
	*out = '\0';
}

/* The value of a base64 digit, or -1. */
static int b64_digit(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

const char *b64_decode(const char *s, uint8_t *out, size_t max, size_t *n)
{
	size_t len = strlen(s), pad = 0, want, i, o;
	uint32_t v;
	int d;

	*n = 0;
	if (len % 4)
		return "not base64";
	if (len && s[len - 1] == '=')
		pad = s[len - 2] == '=' ? 2 : 1;
	for (i = 0; i < len - pad; i++) {
		if (b64_digit(s[i]) < 0)
			return "not base64";
	}
	/*
	 * The last digit before the padding carries bits past the last byte:
	 * 4 of them with "==", 2 with "=". They must be zero, else two
	 * strings would decode to the same bytes.
	 */
	if (pad) {
		d = b64_digit(s[len - pad - 1]);
		if (d & (pad == 2 ? 0x0f : 0x03))
			return "not base64";
	}
	want = len / 4 * 3 - pad;
	if (want > max)
		return "too long";

	o = 0;
	for (i = 0; i < len; i += 4) {
		v = (uint32_t)b64_digit(s[i]) << 18 |
		    (uint32_t)b64_digit(s[i + 1]) << 12;
		out[o++] = v >> 16;
		if (s[i + 2] == '=')
			break;
		v |= (uint32_t)b64_digit(s[i + 2]) << 6;
		out[o++] = (v >> 8) & 0xff;
		if (s[i + 3] == '=')
			break;
		v |= (uint32_t)b64_digit(s[i + 3]);
		out[o++] = v & 0xff;
	}
	*n = o;
	return NULL;
}
