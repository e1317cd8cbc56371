// SPDX-License-Identifier: GPL-2.0
/*
 * ternd's heartbeat interval learning (daemon/ternd/hb.c): growth while
 * intervals hold, the fall back to the last good interval on a failed
 * probe, shrinking when the good interval itself fails, the hold after a
 * failure (doubling, capped), the gateway's ceiling, fixed intervals, and
 * the text form kept in the settings table.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "hb.h"
#include "kselftest_harness.h"

#define MIN	HB_MIN_MS
#define MAX	HB_MAX_MS
#define HOUR	(3600 * 1000ULL)

/* Succeed at the current interval until it stops changing; returns the
 * number of steps.
 */
static int grow_to_max(struct hb *h, uint64_t now)
{
	int steps = 0;

	while (hb_alive(h, h->cur_ms, now))
		steps++;
	return steps;
}

TEST(starts_at_min)
{
	struct hb h;

	hb_init(&h, MIN, MAX);
	ASSERT_EQ(MIN, hb_interval(&h));
	ASSERT_EQ(MIN, h.good_ms);
	ASSERT_FALSE(h.fixed);
}

TEST(grows_by_half_up_to_max)
{
	struct hb h;
	uint32_t prev;
	int steps;

	hb_init(&h, MIN, MAX);
	prev = h.cur_ms;
	ASSERT_TRUE(hb_alive(&h, h.cur_ms, 0));
	ASSERT_EQ(prev * 3 / 2, h.cur_ms);
	ASSERT_EQ(prev, h.good_ms);
	steps = grow_to_max(&h, 0);
	ASSERT_EQ(MAX, h.cur_ms);
	ASSERT_EQ(MAX, h.good_ms);
	/* 30 s to 28 min by x1.5: 10 steps in all. */
	ASSERT_EQ(9, steps);
	ASSERT_FALSE(hb_alive(&h, h.cur_ms, 0));
	ASSERT_EQ(MAX, h.cur_ms);
}

TEST(shorter_proof_does_not_grow)
{
	struct hb h;

	hb_init(&h, MIN, MAX);
	hb_alive(&h, h.cur_ms, 0);		/* cur 45 s, good 30 s */
	ASSERT_FALSE(hb_alive(&h, MIN, 0));
	ASSERT_EQ(MIN * 3 / 2, h.cur_ms);
	ASSERT_EQ(MIN, h.good_ms);
	/* A proof between good and cur raises good, not cur. */
	ASSERT_FALSE(hb_alive(&h, MIN + 1000, 0));
	ASSERT_EQ(MIN + 1000, h.good_ms);
	ASSERT_EQ(MIN * 3 / 2, h.cur_ms);
}

TEST(failed_probe_falls_back_and_holds)
{
	struct hb h;
	uint32_t good;

	hb_init(&h, MIN, MAX);
	hb_alive(&h, h.cur_ms, 0);
	hb_alive(&h, h.cur_ms, 0);		/* good 45 s, cur 67.5 s */
	good = h.good_ms;
	ASSERT_GT(h.cur_ms, good);
	ASSERT_TRUE(hb_dead(&h, 1000));
	ASSERT_EQ(good, h.cur_ms);
	ASSERT_EQ(good, h.good_ms);
	ASSERT_EQ(1000 + HB_HOLD_MS, h.hold_until_ms);
	/* Held: successes count, the interval stays. */
	ASSERT_FALSE(hb_alive(&h, h.cur_ms, 1000 + HB_HOLD_MS - 1));
	ASSERT_EQ(good, h.cur_ms);
	ASSERT_EQ(0, h.failures);
	/* The hold is over: probing again. */
	ASSERT_TRUE(hb_alive(&h, h.cur_ms, 1000 + HB_HOLD_MS));
	ASSERT_EQ(good * 3 / 2, h.cur_ms);
}

TEST(failure_at_good_shrinks)
{
	struct hb h;
	uint32_t good;

	hb_init(&h, MIN, MAX);
	grow_to_max(&h, 0);
	ASSERT_EQ(MAX, h.good_ms);
	good = h.good_ms;
	ASSERT_TRUE(hb_dead(&h, 0));
	ASSERT_EQ(good * 2 / 3, h.good_ms);
	ASSERT_EQ(h.good_ms, h.cur_ms);
	/* Never below the minimum. */
	while (h.good_ms > MIN)
		hb_dead(&h, 0);
	ASSERT_EQ(MIN, h.cur_ms);
	hb_dead(&h, 0);
	ASSERT_EQ(MIN, h.cur_ms);
	ASSERT_EQ(MIN, h.good_ms);
}

TEST(hold_doubles_and_caps)
{
	struct hb h;
	uint64_t hold = HB_HOLD_MS;
	int i;

	hb_init(&h, MIN, MAX);
	for (i = 0; i < 10; i++) {
		hb_dead(&h, 0);
		ASSERT_EQ(hold, h.hold_until_ms);
		hold = hold * 2 > HB_HOLD_MAX_MS ? HB_HOLD_MAX_MS : hold * 2;
	}
	ASSERT_EQ(HB_HOLD_MAX_MS, h.hold_until_ms);
	/* A held probe resets the streak. */
	hb_alive(&h, h.cur_ms, 0);
	ASSERT_EQ(0, h.failures);
	hb_dead(&h, 5);
	ASSERT_EQ(5 + HB_HOLD_MS, h.hold_until_ms);
}

TEST(ceiling_from_gateway)
{
	struct hb h;

	hb_init(&h, MIN, MAX);
	grow_to_max(&h, 0);
	ASSERT_TRUE(hb_set_ceiling(&h, 10 * 60000));
	ASSERT_EQ(10 * 60000, h.cur_ms);
	ASSERT_EQ(10 * 60000, h.good_ms);
	ASSERT_EQ(10 * 60000, h.max_ms);
	/* 0 and a higher ceiling change nothing; below min clamps. */
	ASSERT_FALSE(hb_set_ceiling(&h, 0));
	ASSERT_FALSE(hb_set_ceiling(&h, MAX));
	ASSERT_EQ(10 * 60000, h.max_ms);
	ASSERT_TRUE(hb_set_ceiling(&h, 1000));
	ASSERT_EQ(MIN, h.max_ms);
	ASSERT_EQ(MIN, h.cur_ms);
	ASSERT_FALSE(hb_alive(&h, h.cur_ms, 0));
}

TEST(fixed_never_changes)
{
	struct hb h;

	hb_init_fixed(&h, 5000);
	ASSERT_TRUE(h.fixed);
	ASSERT_EQ(5000, hb_interval(&h));
	ASSERT_FALSE(hb_alive(&h, 5000, 0));
	ASSERT_FALSE(hb_dead(&h, 0));
	ASSERT_FALSE(hb_set_ceiling(&h, 1000));
	ASSERT_EQ(0, hb_load(&h, "60000 60000 0 0"));
	ASSERT_EQ(5000, hb_interval(&h));
}

TEST(save_and_load)
{
	struct hb h, g;
	char buf[HB_SAVE_LEN];

	hb_init(&h, MIN, MAX);
	hb_alive(&h, h.cur_ms, 0);
	hb_alive(&h, h.cur_ms, 0);
	hb_dead(&h, 123456789);
	ASSERT_EQ(0, hb_save(&h, buf, sizeof(buf)));
	hb_init(&g, MIN, MAX);
	ASSERT_EQ(0, hb_load(&g, buf));
	ASSERT_EQ(h.cur_ms, g.cur_ms);
	ASSERT_EQ(h.good_ms, g.good_ms);
	ASSERT_EQ(h.hold_until_ms, g.hold_until_ms);
	ASSERT_EQ(h.failures, g.failures);
	ASSERT_EQ(-ENOSPC, hb_save(&h, buf, 4));
}

TEST(load_clamps_and_refuses)
{
	struct hb h;

	hb_init(&h, MIN, MAX);
	/* Out of bounds: clamped, and good never above cur. */
	ASSERT_EQ(0, hb_load(&h, "99999999 99999999 0 0"));
	ASSERT_EQ(MAX, h.cur_ms);
	ASSERT_EQ(MAX, h.good_ms);
	ASSERT_EQ(0, hb_load(&h, "1 5000000 7 2"));
	ASSERT_EQ(MIN, h.cur_ms);
	ASSERT_EQ(MIN, h.good_ms);
	ASSERT_EQ(7, h.hold_until_ms);
	ASSERT_EQ(2, h.failures);
	/* Malformed: refused, nothing changed. */
	ASSERT_EQ(-EINVAL, hb_load(&h, ""));
	ASSERT_EQ(-EINVAL, hb_load(&h, "60000 45000 0"));
	ASSERT_EQ(-EINVAL, hb_load(&h, "60000 45000 0 0 junk"));
	ASSERT_EQ(-EINVAL, hb_load(&h, "sixty 45000 0 0"));
	ASSERT_EQ(MIN, h.cur_ms);
}

TEST_HARNESS_MAIN
