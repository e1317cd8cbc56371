// SPDX-License-Identifier: GPL-2.0
/*
 * Padding to size buckets (daemon/e2e/pad.c, Documentation/e2e.rst
 * "Padding"): every length lands in the smallest bucket that holds it
 * and one more byte, round trips, and every malformed padding is refused.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pad.h"
#include "kselftest_harness.h"

static const size_t buckets[] = {
	64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, PAD_MAX,
};

TEST(bucket_sizes)
{
	size_t len, i = 0;

	for (len = 0; len < PAD_MAX; len++) {
		while (len >= buckets[i])
			i++;
		ASSERT_EQ(buckets[i], pad_size(len)) TH_LOG("length %zu", len);
	}
	EXPECT_EQ(0, pad_size(PAD_MAX));
	EXPECT_EQ(0, pad_size(PAD_MAX + 1));
	EXPECT_EQ(0, pad_size((size_t)-1));
}

TEST(round_trips)
{
	static const size_t lens[] = { 0, 1, 62, 63, 64, 65, 127, 128, 1000,
				       16383, 16384, PAD_MAX - 1 };
	uint8_t *in = malloc(PAD_MAX), *out = malloc(PAD_MAX);
	size_t i, j;
	long n;

	ASSERT_NE(NULL, in);
	ASSERT_NE(NULL, out);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		/* Content that ends in zeros and in 0x80 must survive. */
		for (j = 0; j < lens[i]; j++)
			in[j] = j % 3 ? 0x80 : 0;
		n = pad(in, lens[i], out);
		ASSERT_EQ((long)pad_size(lens[i]), n);
		EXPECT_EQ(0x80, out[lens[i]]);
		EXPECT_EQ((long)lens[i], unpad(out, n));
		EXPECT_EQ(0, memcmp(in, out, lens[i]));
	}
	EXPECT_EQ(-EMSGSIZE, pad(in, PAD_MAX, out));
	/* In place. */
	memcpy(out, "hello", 5);
	ASSERT_EQ(64, pad(out, 5, out));
	EXPECT_EQ(5, unpad(out, 64));
	free(in);
	free(out);
}

TEST(malformed_refused)
{
	uint8_t buf[128] = { 0 };

	/* All zeros: no 0x80. */
	EXPECT_EQ(-EBADMSG, unpad(buf, 64));
	/* The last non-zero byte is not 0x80. */
	buf[10] = 0x80;
	buf[20] = 0x01;
	EXPECT_EQ(-EBADMSG, unpad(buf, 64));
	buf[20] = 0x81;
	EXPECT_EQ(-EBADMSG, unpad(buf, 64));
	buf[20] = 0;
	EXPECT_EQ(10, unpad(buf, 64));
	/* Not a bucket's length. */
	EXPECT_EQ(-EBADMSG, unpad(buf, 63));
	EXPECT_EQ(-EBADMSG, unpad(buf, 65));
	EXPECT_EQ(-EBADMSG, unpad(buf, 100));
	EXPECT_EQ(-EBADMSG, unpad(buf, 0));
	/* 0x80 as the last byte of a full bucket is fine. */
	memset(buf, 0x41, 64);
	buf[63] = 0x80;
	EXPECT_EQ(63, unpad(buf, 64));
}

TEST_HARNESS_MAIN
