// SPDX-License-Identifier: GPL-2.0
/*
 * Exponential backoff with full jitter, and a small per-thread generator
 * (splitmix64) seeded from getrandom() for it.
 */
#include <errno.h>
#include <stdbool.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>

#include "backoff.h"

struct rng {
	uint64_t state;
	pid_t pid;		/* the process that seeded it */
};

static _Thread_local struct rng rng;

static void rng_seed(struct rng *r)
{
	struct timespec ts;
	uint64_t seed;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(seed)) {
		/* Early boot: no entropy yet. Spreading still works. */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		seed = (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 30 ^
		       (uint64_t)getpid() << 48 ^ (uint64_t)(uintptr_t)r;
	}
	r->state = seed;
	r->pid = getpid();
}

static uint64_t rng_next(void)
{
	uint64_t z;

	if (rng.pid != getpid())
		rng_seed(&rng);
	z = rng.state += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint32_t backoff_rand(uint32_t max)
{
	uint64_t x = rng_next() >> 32;

	/* x * (max + 1) < 2^64; the bias is below 2^-32 * max. */
	return (uint32_t)((x * ((uint64_t)max + 1)) >> 32);
}

uint32_t backoff_next(struct backoff *b)
{
	uint64_t limit = b->cap_ms;

	if (b->attempt < 32 && ((uint64_t)b->base_ms << b->attempt) < limit)
		limit = (uint64_t)b->base_ms << b->attempt;
	if (b->attempt < UINT32_MAX)
		b->attempt++;
	return backoff_rand((uint32_t)limit);
}

void backoff_reset(struct backoff *b)
{
	b->attempt = 0;
}

void backoff_hint(struct backoff *b, uint32_t hint_ms, uint64_t now_ms)
{
	uint64_t t = now_ms + hint_ms;

	if (t < now_ms)
		t = UINT64_MAX;
	if (t > b->not_before_ms)
		b->not_before_ms = t;
}

uint64_t backoff_when(struct backoff *b, uint64_t now_ms)
{
	uint64_t t = now_ms + backoff_next(b);

	if (t < now_ms)
		t = UINT64_MAX;
	return t > b->not_before_ms ? t : b->not_before_ms;
}

uint32_t jitter_ms(uint32_t base, unsigned int pct)
{
	uint64_t d, lo, hi;

	if (pct > 100)
		pct = 100;
	d = (uint64_t)base * pct / 100;
	lo = base - d;
	hi = base + d;
	if (hi > UINT32_MAX)
		hi = UINT32_MAX;
	return (uint32_t)(lo + backoff_rand((uint32_t)(hi - lo)));
}
