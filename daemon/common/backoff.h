/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reconnect and retry delays: exponential backoff with full jitter (each
 * delay uniformly random in [0, min(cap, base * 2^attempt)]), never sooner
 * than the last hint a server gave (Close.backoff_ms, Nack.retry_after_ms).
 * Documentation/protocol.rst: devices reconnect with base 500 ms, cap 5 min.
 *
 * The randomness is a per-thread generator seeded from getrandom() (and
 * seeded again in a forked child): good for spreading a crowd of clients,
 * not for secrets.
 */
#ifndef TERN_BACKOFF_H
#define TERN_BACKOFF_H

#include <stdint.h>

struct backoff {
	uint32_t base_ms, cap_ms;
	uint32_t attempt;	/* delays handed out since the last reset */
	uint64_t not_before_ms;	/* the latest hint, absolute */
};

#define BACKOFF_INIT(base, cap)	{ .base_ms = (base), .cap_ms = (cap) }

/* The next delay, random in [0, min(cap, base * 2^attempt)]; attempt++. */
uint32_t backoff_next(struct backoff *b);
/* Success: start again from base. A pending hint still holds. */
void backoff_reset(struct backoff *b);
/* A server asked for no retry before @now_ms + @hint_ms. */
void backoff_hint(struct backoff *b, uint32_t hint_ms, uint64_t now_ms);
/* When to try next, absolute: now + backoff_next(), but not before a hint. */
uint64_t backoff_when(struct backoff *b, uint64_t now_ms);

/* @base spread by up to @pct percent (at most 100) either way, uniformly:
 * random in [base - base*pct/100, base + base*pct/100].
 */
uint32_t jitter_ms(uint32_t base, unsigned int pct);

/* Uniform random in [0, @max]. */
uint32_t backoff_rand(uint32_t max);

#endif /* TERN_BACKOFF_H */
