// SPDX-License-Identifier: GPL-2.0
/*
 * Rate limits, in memory only and with short windows, so that limiting
 * abuse keeps no record of who looked up whom:
 *
 *  - lookups: a token bucket per source (lookup-rate a second, bursts of
 *    lookup-burst), and at most distinct-lookups different handles per
 *    source per distinct-window, against enumeration of the directory;
 *  - changes: change-rate a minute per source and per account;
 *  - prekey claims: claim-rate a minute per claimer and per target.
 *
 * Sources and handles are kept only as keyed hashes (a key drawn at start
 * and never written anywhere) in fixed tables: a slot is reused by
 * whoever hashes to it once its window has passed, and two parties that
 * share a slot share its limit, which errs on the strict side.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "dird.h"
#include "kt.h"

#define RATE_SLOTS	4096

struct bucket {
	uint64_t id;		/* keyed hash of the source or handle */
	uint64_t t_ms;		/* last refill */
	double tokens;
};

struct seen {
	uint64_t id;
	uint64_t start_ms;	/* the window's start */
	unsigned int n;
	uint64_t *handles;	/* distinct_lookups of them */
};

struct dird_rate {
	uint8_t key[32];
	const struct dird_conf *c;
	struct bucket lookup[RATE_SLOTS];
	struct bucket change_src[RATE_SLOTS];
	struct bucket change_acct[RATE_SLOTS];
	struct bucket claimer[RATE_SLOTS];
	struct bucket target[RATE_SLOTS];
	struct seen seen[RATE_SLOTS];
};

struct dird_rate *dird_rate_new(const struct dird_conf *c)
{
	struct dird_rate *r = calloc(1, sizeof(*r));
	unsigned int i;

	if (!r)
		return NULL;
	r->c = c;
	if (RAND_bytes(r->key, sizeof(r->key)) != 1)
		goto fail;
	for (i = 0; i < RATE_SLOTS; i++) {
		r->seen[i].handles = calloc(c->distinct_lookups + 1,
					    sizeof(uint64_t));
		if (!r->seen[i].handles)
			goto fail;
	}
	return r;
fail:
	dird_rate_free(r);
	return NULL;
}

void dird_rate_free(struct dird_rate *r)
{
	unsigned int i;

	if (!r)
		return;
	for (i = 0; i < RATE_SLOTS; i++)
		free(r->seen[i].handles);
	OPENSSL_cleanse(r->key, sizeof(r->key));
	free(r);
}

/* A keyed hash of @kind and @s; 0 is never returned. */
static uint64_t id_of(struct dird_rate *r, char kind, const char *s)
{
	const void *p[] = { r->key, &kind, s };
	const size_t l[] = { sizeof(r->key), 1, strlen(s) };
	uint8_t h[KT_HASH_LEN];
	uint64_t id = 0;

	if (kt_sha256(h, 3, p, l))
		return 1;	/* everyone shares slot 1: strict, not open */
	memcpy(&id, h, sizeof(id));
	return id ? id : 1;
}

/*
 * Takes a token from the bucket of @id (@rate a second, at most @burst):
 * 0, or the seconds until one is there.
 */
static unsigned int take(struct bucket *tab, uint64_t id, double rate,
			 double burst, uint64_t now)
{
	struct bucket *b = &tab[id % RATE_SLOTS];

	if (b->id != id) {
		/* A free slot, or one whose bucket is full again, changes
		 * owners; a busy one is shared.
		 */
		double full = b->tokens + (now - b->t_ms) * rate / 1000;

		if (!b->id || full >= burst) {
			b->id = id;
			b->tokens = burst;
			b->t_ms = now;
		}
	}
	b->tokens += (now - b->t_ms) * rate / 1000;
	if (b->tokens > burst)
		b->tokens = burst;
	b->t_ms = now;
	if (b->tokens >= 1) {
		b->tokens -= 1;
		return 0;
	}
	return (unsigned int)((1 - b->tokens) / rate) + 1;
}

unsigned int dird_rate_lookup(struct dird_rate *r, const char *source,
			      const char *handle, bool *enumeration)
{
	const struct dird_conf *c = r->c;
	uint64_t now = dird_now_ms(), src = id_of(r, 's', source);
	uint64_t h = id_of(r, 'h', handle);
	struct seen *s = &r->seen[src % RATE_SLOTS];
	unsigned int i, wait;

	*enumeration = false;
	if (c->distinct_lookups) {
		/* A free or expired slot starts a window; a busy one is
		 * shared.
		 */
		if (!s->id || now - s->start_ms >= c->distinct_window_ms) {
			s->id = src;
			s->start_ms = now;
			s->n = 0;
		}
		for (i = 0; i < s->n && s->handles[i] != h; i++)
			;
		if (i == s->n) {
			if (s->n == c->distinct_lookups) {
				*enumeration = true;
				wait = (s->start_ms + c->distinct_window_ms -
					now + 999) / 1000;
				return wait ? wait : 1;
			}
			s->handles[s->n++] = h;
		}
	}
	if (!c->lookup_rate)
		return 0;
	return take(r->lookup, src, c->lookup_rate, c->lookup_burst, now);
}

unsigned int dird_rate_change(struct dird_rate *r, const char *source,
			      const char *handle)
{
	const struct dird_conf *c = r->c;
	double rate = c->change_rate / 60.0;
	uint64_t now = dird_now_ms();
	unsigned int a, b;

	if (!c->change_rate)
		return 0;
	a = take(r->change_src, id_of(r, 's', source), rate, c->change_rate,
		 now);
	b = take(r->change_acct, id_of(r, 'a', handle), rate, c->change_rate,
		 now);
	return a > b ? a : b;
}

unsigned int dird_rate_claim(struct dird_rate *r, const char *claimer,
			     const char *target)
{
	const struct dird_conf *c = r->c;
	double rate = c->claim_rate / 60.0;
	uint64_t now = dird_now_ms();
	unsigned int a, b;

	if (!c->claim_rate)
		return 0;
	a = take(r->claimer, id_of(r, 'c', claimer), rate, c->claim_rate,
		 now);
	b = take(r->target, id_of(r, 't', target), rate, c->claim_rate, now);
	return a > b ? a : b;
}
