// SPDX-License-Identifier: GPL-2.0
/*
 * Backoff with full jitter and server hints (daemon/common/backoff.c):
 * the bounds of every delay, growth to the cap without overflow, resets,
 * hints, jitter_ms(), and a forked child drawing other numbers.
 */
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backoff.h"
#include "kselftest_harness.h"

#define SAMPLES	400

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

TEST(full_jitter_bounds)
{
	struct backoff b = BACKOFF_INIT(500, 300000);
	unsigned int a, i;

	for (a = 0; a < 40; a++) {
		uint64_t limit = a < 32 ? min64(300000, 500ULL << a) : 300000;
		uint32_t hi = 0, lo = UINT32_MAX;

		for (i = 0; i < SAMPLES; i++) {
			uint32_t d;

			b.attempt = a;
			d = backoff_next(&b);
			EXPECT_EQ(a + 1, b.attempt);
			ASSERT_GE(limit, d) TH_LOG("attempt %u", a);
			hi = d > hi ? d : hi;
			lo = d < lo ? d : lo;
		}
		/* Spread over the range: 400 draws all in one half happen
		 * with probability 2^-399.
		 */
		EXPECT_LT(limit / 2, hi) TH_LOG("attempt %u", a);
		EXPECT_GT(limit / 2, lo) TH_LOG("attempt %u", a);
	}
}

TEST(growth_and_reset)
{
	struct backoff b = BACKOFF_INIT(100, 1000);
	unsigned int i;

	for (i = 0; i < 100; i++)
		EXPECT_GE(1000, backoff_next(&b));
	EXPECT_EQ(100, b.attempt);
	backoff_reset(&b);
	EXPECT_EQ(0, b.attempt);
	for (i = 0; i < SAMPLES; i++) {
		b.attempt = 0;
		EXPECT_GE(100, backoff_next(&b));
	}

	/* attempt saturates; no shift overflows (UBSan watches). */
	b.attempt = UINT32_MAX;
	EXPECT_GE(1000, backoff_next(&b));
	EXPECT_EQ(UINT32_MAX, b.attempt);

	/* Degenerate settings. */
	b = (struct backoff)BACKOFF_INIT(0, 1000);
	EXPECT_EQ(0, backoff_next(&b));
	b = (struct backoff)BACKOFF_INIT(5000, 300);
	for (i = 0; i < SAMPLES; i++)
		EXPECT_GE(300, backoff_next(&b));
	b = (struct backoff)BACKOFF_INIT(UINT32_MAX, UINT32_MAX);
	b.attempt = 31;
	backoff_next(&b);
}

TEST(hints)
{
	struct backoff b = BACKOFF_INIT(500, 300000);
	uint64_t now = 1000000, t;
	unsigned int i;

	/* Without a hint: now plus a delay. */
	t = backoff_when(&b, now);
	EXPECT_LE(now, t);
	EXPECT_GE(now + 500, t);

	/* Never sooner than the hint. */
	backoff_reset(&b);
	backoff_hint(&b, 60000, now);
	for (i = 0; i < 20; i++)
		EXPECT_LE(now + 60000, backoff_when(&b, now));
	/* A shorter later hint does not shorten it; a longer one does
	 * lengthen it.
	 */
	backoff_hint(&b, 10, now + 1000);
	EXPECT_EQ(now + 60000, b.not_before_ms);
	backoff_hint(&b, 60000, now + 1000);
	EXPECT_EQ(now + 61000, b.not_before_ms);
	/* A reset keeps it. */
	backoff_reset(&b);
	EXPECT_LE(now + 61000, backoff_when(&b, now));
	/* Once it has passed, only the backoff counts. */
	t = backoff_when(&b, now + 100000);
	EXPECT_LE(now + 100000, t);
	/* No overflow at the end of time. */
	backoff_hint(&b, UINT32_MAX, UINT64_MAX - 5);
	EXPECT_EQ(UINT64_MAX, b.not_before_ms);
	EXPECT_EQ(UINT64_MAX, backoff_when(&b, UINT64_MAX - 5));
}

TEST(jitter)
{
	unsigned int i, below = 0, above = 0;
	uint32_t j;

	for (i = 0; i < SAMPLES; i++) {
		j = jitter_ms(10000, 20);
		ASSERT_LE(8000, j);
		ASSERT_GE(12000, j);
		below += j < 10000;
		above += j > 10000;
	}
	EXPECT_LT(0, below);
	EXPECT_LT(0, above);

	EXPECT_EQ(1234, jitter_ms(1234, 0));
	EXPECT_EQ(0, jitter_ms(0, 50));
	for (i = 0; i < SAMPLES; i++) {
		/* At most 100 %, and no overflow at the top. */
		EXPECT_GE(2000, jitter_ms(1000, 500));
		EXPECT_LE(UINT32_MAX / 2, jitter_ms(UINT32_MAX, 50));
	}
	for (i = 0; i < SAMPLES; i++)
		EXPECT_GE(7, backoff_rand(7));
	EXPECT_EQ(0, backoff_rand(0));
	backoff_rand(UINT32_MAX);
}

TEST(fork_reseeds)
{
	uint32_t mine[8], theirs[8];
	unsigned int i;
	int fds[2], st;
	pid_t pid;

	backoff_rand(100);	/* seeded before the fork */
	ASSERT_EQ(0, pipe(fds));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		for (i = 0; i < 8; i++)
			theirs[i] = backoff_rand(UINT32_MAX);
		_exit(write(fds[1], theirs, sizeof(theirs)) !=
		      (ssize_t)sizeof(theirs));
	}
	for (i = 0; i < 8; i++)
		mine[i] = backoff_rand(UINT32_MAX);
	ASSERT_EQ(sizeof(theirs), read(fds[0], theirs, sizeof(theirs)));
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(0, st);
	EXPECT_NE(0, memcmp(mine, theirs, sizeof(mine)));
	close(fds[0]);
	close(fds[1]);
}

TEST_HARNESS_MAIN
