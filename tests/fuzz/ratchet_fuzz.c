// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for opening a message of an end-to-end session
 * (ratchet_decrypt() in daemon/e2e/ratchet.c, with the rest of
 * libterne2e).
 *
 * An input is a message's bytes, opened against a copy of each side's
 * state of the fixed session in ratchet_world.c (Bob's has skipped keys
 * in his current and previous chains; the seeds are the session's
 * genuine messages, opened and not). ratchet_decrypt() must not crash,
 * hang or leak, and:
 *
 *  - it opens only a genuine message that side has not opened yet: the
 *    input is byte for byte one of the table's, and the plaintext is the
 *    one sent (anything else would be a forgery got past the tag);
 *  - otherwise it fails with one of ratchet.h's errors (-EINVAL exactly
 *    when shorter than RATCHET_OVERHEAD: e2e.rst makes a low-order
 *    ratchet key a forgery like any other), says why, leaves the state
 *    exactly as it was (every field and every skipped key), and makes no
 *    ratchet key;
 *  - after a success the store of skipped keys is within its bound.
 *
 * The ratchet keys a success makes come from a fixed seed for each input,
 * so a reproducer replays exactly.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ratchet_world.h"

#define fail(...) do {							\
	fprintf(stderr, "ratchet_fuzz: " __VA_ARGS__);			\
	fputc('\n', stderr);						\
	abort();							\
} while (0)

static struct ratchet_world world;

/* Counts the ratchet keys made, from the side's seed. */
struct counted {
	struct rw_keygen g;
	unsigned int calls;
};

static int counted_keygen(void *arg, struct e2e_keypair *kp)
{
	struct counted *c = arg;

	c->calls++;
	return rw_keygen(&c->g, kp);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (rw_build(&world))
		fail("cannot build the session");
	return 0;
}

/* The first field of @r that differs from @base, or NULL. */
static const char *diff(const struct ratchet *base, const struct ratchet *r)
{
#define DIFF(f) do {							\
	if (memcmp(&base->f, &r->f, sizeof(r->f)))			\
		return #f;						\
} while (0)
	DIFF(dhs);
	DIFF(dhr);
	DIFF(prev_dhr);
	DIFF(has_dhr);
	DIFF(has_prev_dhr);
	DIFF(has_cks);
	DIFF(has_ckr);
	DIFF(rk);
	DIFF(cks);
	DIFF(ckr);
	DIFF(ns);
	DIFF(nr);
	DIFF(pn);
	DIFF(n_skipped);
#undef DIFF
	if (r->n_skipped &&
	    memcmp(base->skipped, r->skipped,
		   r->n_skipped * sizeof(*r->skipped)))
		return "skipped keys";
	return NULL;
}

static void run(char side, const uint8_t *msg, size_t len)
{
	const struct ratchet *base = side == 'a' ? &world.a : &world.b;
	size_t ptlen = len >= RATCHET_OVERHEAD ? len - RATCHET_OVERHEAD : 0;
	const struct rw_msg *m = NULL;
	const char *why = NULL, *d;
	struct counted kg;
	struct ratchet r;
	unsigned int i;
	uint8_t *pt;
	int ret;

	/* Exactly the plaintext's room: ASan sees a write past it. */
	pt = malloc(ptlen ? ptlen : 1);
	if (!pt)
		fail("out of memory");
	rw_clone(&r, base);
	kg.g = side == 'a' ? world.kg_a : world.kg_b;
	kg.calls = 0;
	r.keygen = counted_keygen;
	r.keygen_arg = &kg;

	ret = ratchet_decrypt(&r, world.ad, X3DH_AD_LEN, msg, len, pt, &why);
	if (!ret) {
		for (i = 0; i < world.n_msgs && !m; i++)
			if (world.msg[i].to == side && !world.msg[i].opened &&
			    world.msg[i].len == len &&
			    !memcmp(world.msg[i].buf, msg, len))
				m = &world.msg[i];
		if (!m)
			fail("%c opened %zu bytes that are not a genuine "
			     "message for it", side, len);
		if (memcmp(pt, m->pt, m->ptlen))
			fail("%c opened %s to another plaintext", side,
			     m->name);
		if (r.n_skipped > RATCHET_MAX_SKIPPED)
			fail("%u skipped keys", r.n_skipped);
	} else {
		if (ret != -EBADMSG && ret != -EALREADY && ret != -E2BIG &&
		    ret != -EINVAL)
			fail("%c: error %d", side, ret);
		if ((len < RATCHET_OVERHEAD) != (ret == -EINVAL))
			fail("%c: %zu bytes: %d (-EINVAL is too short, and "
			     "only that)", side, len, ret);
		if (!why || !*why)
			fail("%c: error %d without a reason", side, ret);
		for (d = why; *d; d++)
			if (*d < ' ' || *d > '~')
				fail("%c: reason byte %#x", side,
				     (unsigned int)(uint8_t)*d);
		d = diff(base, &r);
		if (d)
			fail("%c: error %d changed the state: %s", side, ret,
			     d);
		if (kg.calls)
			fail("%c: error %d made %u ratchet keys", side, ret,
			     kg.calls);
	}
	ratchet_free(&r);
	free(pt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run('a', data, size);
	run('b', data, size);
	return 0;
}
