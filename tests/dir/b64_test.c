// SPDX-License-Identifier: GPL-2.0
/*
 * Strict base64 (daemon/dir/b64.c): the RFC 4648 section 10 test vectors
 * both ways, round trips of every length against libcrypto's encoder, and
 * every refusal: a length that is not a multiple of 4, characters outside
 * the alphabet (the URL-safe ones and whitespace included), padding in the
 * wrong place or too much of it, non-zero trailing bits, and a result too
 * long for its buffer. A refusal writes nothing.
 */
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

#include "b64.h"
#include "kselftest_harness.h"

static const struct {
	const char *bin, *b64;
} rfc4648[] = {
	{ "", "" },
	{ "f", "Zg==" },
	{ "fo", "Zm8=" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
};

#define NVEC	(sizeof(rfc4648) / sizeof(rfc4648[0]))

TEST(rfc4648_encode)
{
	char out[16];
	size_t i, n;

	for (i = 0; i < NVEC; i++) {
		n = strlen(rfc4648[i].bin);
		memset(out, 'x', sizeof(out));
		b64_encode((const uint8_t *)rfc4648[i].bin, n, out);
		EXPECT_STREQ(rfc4648[i].b64, out);
		EXPECT_EQ(strlen(rfc4648[i].b64), B64_LEN(n));
	}
}

TEST(rfc4648_decode)
{
	uint8_t out[16];
	size_t i, n, want;

	for (i = 0; i < NVEC; i++) {
		want = strlen(rfc4648[i].bin);
		n = 99;
		EXPECT_EQ(NULL, b64_decode(rfc4648[i].b64, out, sizeof(out),
					   &n));
		ASSERT_EQ(want, n);
		EXPECT_EQ(0, memcmp(out, rfc4648[i].bin, n));
		/* Exactly the room it needs is enough. */
		n = 99;
		EXPECT_EQ(NULL, b64_decode(rfc4648[i].b64, out, want, &n));
		EXPECT_EQ(want, n);
	}
}

/* Every length to 100 and every byte value, against EVP_EncodeBlock. */
TEST(round_trip)
{
	uint8_t in[100], out[100];
	char enc[B64_LEN(100) + 1], ref[B64_LEN(100) + 1];
	size_t len, i, n;

	for (len = 0; len <= sizeof(in); len++) {
		for (i = 0; i < len; i++)
			in[i] = (uint8_t)(i * 73 + len * 31 + 255);
		b64_encode(in, len, enc);
		EVP_EncodeBlock((unsigned char *)ref, in, (int)len);
		ASSERT_STREQ(ref, enc) TH_LOG("length %zu", len);
		ASSERT_EQ(B64_LEN(len), strlen(enc));
		ASSERT_EQ(NULL, b64_decode(enc, out, sizeof(out), &n));
		ASSERT_EQ(len, n);
		ASSERT_EQ(0, memcmp(in, out, len));
	}
	for (i = 0; i < 256; i++) {
		in[0] = (uint8_t)i;
		in[1] = (uint8_t)~i;
		in[2] = (uint8_t)(i ^ 0x5a);
		b64_encode(in, 3, enc);
		ASSERT_EQ(NULL, b64_decode(enc, out, 3, &n));
		ASSERT_EQ(0, memcmp(in, out, 3));
	}
}

/*
 * Why @s is refused, or "ok"; a refusal must write nothing to the output
 * and set *@n to 0.
 */
static const char *refused(const char *s, size_t max, size_t *n)
{
	uint8_t out[64];
	const char *why;
	size_t i;

	memset(out, 0xee, sizeof(out));
	*n = 99;
	why = b64_decode(s, out, max, n);
	if (!why)
		return "ok";
	if (*n)
		return "set a length";
	for (i = 0; i < sizeof(out); i++) {
		if (out[i] != 0xee)
			return "wrote into the output";
	}
	return why;
}

TEST(refuse_length)
{
	static const char *const bad[] = {
		"Z", "Zg", "Zg=", "Zm9", "Zm9vY", "Zm9vYg=", "Zm9vYmFy=",
		"=", "==", "===",
	};
	size_t i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_STREQ("not base64", refused(bad[i], 64, &n))
			TH_LOG("'%s'", bad[i]);
	}
}

TEST(refuse_alphabet)
{
	static const char *const bad[] = {
		"Zm9v!A==", "Zm9-", "Zm9_", "Zm9v Zg==", " Zm9v", "Zm9v\n",
		"Zm9\tv", "Zm9v\r\n", "Zm\xc3\xa9v", "Zm9.", "Zm9v,m9v",
		"Zm9v-g==", "Zm9v_g==", "\x80\x80\x80\x80",
	};
	size_t i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_STREQ("not base64", refused(bad[i], 64, &n))
			TH_LOG("'%s'", bad[i]);
	}
}

TEST(refuse_padding)
{
	static const char *const bad[] = {
		"====",			/* padding only */
		"Z===",			/* three pad characters */
		"Zg==Zg==",		/* padding in the middle */
		"Zm8=Zm9v",
		"Zm=v",			/* pad, then a digit */
		"Z=9v",
		"=m9v",
		"Zm9vYg=a",
		"Zm9vYg=\x3d",		/* (that is "Zm9vYg==": valid) */
	};
	size_t i, n;

	for (i = 0; i + 1 < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_STREQ("not base64", refused(bad[i], 64, &n))
			TH_LOG("'%s'", bad[i]);
	}
	EXPECT_STREQ("ok", refused(bad[i], 64, &n));
	EXPECT_EQ(4, n);
}

/*
 * The bits past the last byte must be zero: "Zg==" is "f", and so would
 * be "Zh==" ... "Zv==" if the 4 low bits of their second digit were
 * ignored; likewise the 2 low bits before a single '='.
 */
TEST(refuse_trailing_bits)
{
	static const char digits[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		"0123456789+/";
	char two[] = "ZgX=", one[] = "Zm8X", four[] = "Zm9vYmFy";
	unsigned int d;
	size_t n;

	for (d = 0; d < 64; d++) {
		two[1] = digits[d];
		two[2] = '=';
		two[3] = '=';
		EXPECT_STREQ(d & 0x0f ? "not base64" : "ok",
			     refused(two, 64, &n))
			TH_LOG("'%s'", two);

		one[2] = digits[d];
		one[3] = '=';
		EXPECT_STREQ(d & 0x03 ? "not base64" : "ok",
			     refused(one, 64, &n))
			TH_LOG("'%s'", one);

		/* Without padding, every digit is a whole 6 bits. */
		four[7] = digits[d];
		EXPECT_STREQ("ok", refused(four, 64, &n));
	}
}

TEST(refuse_too_long)
{
	uint8_t out[8];
	size_t n = 99;

	EXPECT_STREQ("too long", refused("Zm9vYmFy", 5, &n));
	EXPECT_STREQ("too long", refused("Zm9vYg==", 3, &n));
	EXPECT_STREQ("too long", refused("Zg==", 0, &n));
	/* Validity is checked first: a bad string says so, long or not. */
	EXPECT_STREQ("not base64", refused("Zm9vYm!y", 1, &n));
	/* Exactly enough room: nothing past it is written. */
	memset(out, 0xee, sizeof(out));
	EXPECT_EQ(NULL, b64_decode("Zm9vYmE=", out, 5, &n));
	EXPECT_EQ(5, n);
	EXPECT_EQ(0, memcmp(out, "fooba", 5));
	EXPECT_EQ(0xee, out[5]);
	/* The empty string is zero bytes, even with no room. */
	EXPECT_EQ(NULL, b64_decode("", out, 0, &n));
	EXPECT_EQ(0, n);
}

/* Encoding writes exactly B64_LEN(n) characters and the NUL. */
TEST(encode_bounds)
{
	char out[B64_LEN(7) + 2];
	size_t len;

	for (len = 0; len <= 7; len++) {
		memset(out, 'x', sizeof(out));
		b64_encode((const uint8_t *)"abcdefg", len, out);
		EXPECT_EQ('\0', out[B64_LEN(len)]);
		EXPECT_EQ('x', out[B64_LEN(len) + 1]);
	}
}

TEST_HARNESS_MAIN
