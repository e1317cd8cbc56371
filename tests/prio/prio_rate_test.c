// SPDX-License-Identifier: GPL-2.0
/*
 * ternctl prio's rates (tools/ternctl/prio_rate.c): what --rate accepts,
 * what it refuses and why, and how rates print. Also the GSO bound that
 * attach derives from the rate (tools/ternctl/prio_dev.c).
 */
#include <stdint.h>
#include <string.h>

#include "kselftest_harness.h"
#include "prio.h"

TEST(accepted)
{
	static const struct {
		const char *in;
		uint64_t bps;
	} cases[] = {
		{ "1mbit", 1000000 },
		{ "1Mbit", 1000000 },
		{ "900kbit", 900000 },
		{ "1.5mbit", 1500000 },
		{ ".5mbit", 500000 },
		{ "1.mbit", 1000000 },
		{ "8kbit", 8000 },
		{ "8000bit", 8000 },
		{ "10gbit", 10000000000ULL },
		{ "1tbit", 1000000000000ULL },
		{ "0.000001tbit", 1000000 },
		{ "1.000000000000000mbit", 1000000 },
		{ "0001mbit", 1000000 },
	};
	uint64_t bps;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *why = prio_parse_rate(cases[i].in, &bps);

		EXPECT_EQ(NULL, why) TH_LOG("'%s': %s", cases[i].in, why);
		if (!why)
			EXPECT_EQ(cases[i].bps, bps) TH_LOG("'%s'", cases[i].in);
	}
}

TEST(refused)
{
	static const struct {
		const char *in;
		const char *why;	/* the start of the reason */
	} cases[] = {
		{ "", "is empty" },
		{ "0", "has no unit" },
		{ "0kbit", "is 0" },
		{ "0.0mbit", "is 0" },
		{ "-1mbit", "is negative" },
		{ "-0kbit", "is negative" },
		{ "1000", "has no unit" },
		{ "mbit", "is not a number" },
		{ "abc", "is not a number" },
		{ "1 mbit", "is not a number" },
		{ "0x10mbit", "is not a number" },
		{ "1e6bit", "is not a number" },
		{ "1kb", "has an unknown unit" },
		{ "1mbps", "has an unknown unit" },
		{ "1mbit/s", "is not a number" },
		{ "1.5bit", "is not a whole number" },
		{ "1.0000000000001gbit", "is not a whole number" },
		{ "7999bit", "is too small" },
		{ "1bit", "is too small" },
		{ "1001gbit", "is too large" },
		{ "2tbit", "is too large" },
		{ "18446744073709551616bit", "is too large" },
		{ "99999999999999999999999999gbit", "is too large" },
	};
	uint64_t bps = 42;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *why = prio_parse_rate(cases[i].in, &bps);

		ASSERT_NE(NULL, why) TH_LOG("'%s' was accepted", cases[i].in);
		EXPECT_EQ(0, strncmp(why, cases[i].why, strlen(cases[i].why)))
			TH_LOG("'%s': %s", cases[i].in, why);
		EXPECT_EQ(42, bps);
	}
}

TEST(format)
{
	static const struct {
		uint64_t bps;
		const char *out;
	} cases[] = {
		{ 1000000, "1mbit" },
		{ 1500000, "1500kbit" },
		{ 8000, "8kbit" },
		{ 12345, "12345bit" },
		{ 10000000000ULL, "10gbit" },
		{ 1000000000000ULL, "1tbit" },
	};
	char buf[32];
	uint64_t back;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		prio_fmt_rate(buf, sizeof(buf), cases[i].bps);
		EXPECT_STREQ(cases[i].out, buf);
		/* What show prints, attach reads back. */
		ASSERT_EQ(NULL, prio_parse_rate(buf, &back));
		EXPECT_EQ(cases[i].bps, back);
	}
}

/* One segment at low rates; about 1 ms of data at high ones. */
TEST(gso_bound)
{
	EXPECT_EQ(1, prio_gso_segs_for(1000000, 1500, 65535));
	EXPECT_EQ(1, prio_gso_segs_for(10000000, 1500, 65535));
	EXPECT_EQ(8, prio_gso_segs_for(100000000, 1500, 65535));
	EXPECT_EQ(82, prio_gso_segs_for(1000000000, 1500, 65535));
	/* Never above what the device allowed. */
	EXPECT_EQ(64, prio_gso_segs_for(1000000000, 1500, 64));
	EXPECT_EQ(65535, prio_gso_segs_for(1000000000000ULL, 100, 0));
}

TEST_HARNESS_MAIN
