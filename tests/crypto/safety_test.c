// SPDX-License-Identifier: GPL-2.0
/*
 * Safety numbers (daemon/e2e/safety.c, Documentation/e2e.rst "Safety
 * numbers"): 60 digits, the same on both sides, changed by any change of
 * either key or handle; bad handles refused. The known answers come from
 * the independent implementation (tests/crypto/ref_e2e.py, kat_test.sh).
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "safety.h"
#include "kselftest_harness.h"

static void key(uint8_t k[SAFETY_KEY_LEN], uint8_t v)
{
	unsigned int i;

	for (i = 0; i < SAFETY_KEY_LEN; i++)
		k[i] = v + i;
}

TEST(symmetric_and_digits)
{
	char ab[SAFETY_DIGITS + 1], ba[SAFETY_DIGITS + 1];
	char ha[SAFETY_HALF_DIGITS + 1], hb[SAFETY_HALF_DIGITS + 1];
	uint8_t a[SAFETY_KEY_LEN], b[SAFETY_KEY_LEN];
	unsigned int i;

	key(a, 1);
	key(b, 2);
	ASSERT_EQ(0, safety_number("alice@example.org", a, "bob@example.org",
				   b, ab));
	ASSERT_EQ(0, safety_number("bob@example.org", b, "alice@example.org",
				   a, ba));
	EXPECT_STREQ(ab, ba);
	ASSERT_EQ(SAFETY_DIGITS, strlen(ab));
	for (i = 0; i < SAFETY_DIGITS; i++)
		ASSERT_TRUE(isdigit((unsigned char)ab[i]));
	ASSERT_EQ(0, safety_half("alice@example.org", a, ha));
	ASSERT_EQ(0, safety_half("bob@example.org", b, hb));
	/* The lower half first. */
	if (strcmp(ha, hb) < 0) {
		EXPECT_EQ(0, strncmp(ab, ha, SAFETY_HALF_DIGITS));
		EXPECT_STREQ(ab + SAFETY_HALF_DIGITS, hb);
	} else {
		EXPECT_EQ(0, strncmp(ab, hb, SAFETY_HALF_DIGITS));
		EXPECT_STREQ(ab + SAFETY_HALF_DIGITS, ha);
	}
}

TEST(any_change_shows)
{
	char x[SAFETY_HALF_DIGITS + 1], y[SAFETY_HALF_DIGITS + 1];
	uint8_t a[SAFETY_KEY_LEN], b[SAFETY_KEY_LEN];

	key(a, 1);
	memcpy(b, a, sizeof(b));
	b[31] ^= 1;
	ASSERT_EQ(0, safety_half("alice@example.org", a, x));
	ASSERT_EQ(0, safety_half("alice@example.org", b, y));
	EXPECT_STRNE(x, y);
	ASSERT_EQ(0, safety_half("alicf@example.org", a, y));
	EXPECT_STRNE(x, y);
	ASSERT_EQ(0, safety_half("alice@example.org", a, y));
	EXPECT_STREQ(x, y);
}

TEST(bad_handles)
{
	char x[SAFETY_HALF_DIGITS + 1];
	char longh[300];
	uint8_t a[SAFETY_KEY_LEN];

	key(a, 1);
	EXPECT_EQ(-EINVAL, safety_half("", a, x));
	memset(longh, 'a', sizeof(longh) - 1);
	longh[sizeof(longh) - 1] = '\0';
	EXPECT_EQ(-EINVAL, safety_half(longh, a, x));
}

TEST_HARNESS_MAIN
