// SPDX-License-Identifier: GPL-2.0
/*
 * The fixed session of ratchet_fuzz and gen_ratchet_seeds (see
 * ratchet_world.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ratchet_world.h"

#define K	E2E_KEY_LEN

/* splitmix64 */
static uint64_t next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

int rw_keygen(void *arg, struct e2e_keypair *kp)
{
	struct rw_keygen *g = arg;
	uint8_t priv[K];
	unsigned int i;

	for (i = 0; i < K; i += 8) {
		uint64_t v = next(&g->seed);

		memcpy(priv + i, &v, 8);
	}
	return e2e_keypair_from(priv, kp);
}

void rw_clone(struct ratchet *dst, const struct ratchet *src)
{
	*dst = *src;
	dst->skipped = NULL;
	if (!src->skipped)
		return;
	dst->skipped = calloc(src->cap_skipped ? src->cap_skipped : 1,
			      sizeof(*dst->skipped));
	if (!dst->skipped) {
		fprintf(stderr, "ratchet_world: out of memory\n");
		exit(1);
	}
	if (src->n_skipped)
		memcpy(dst->skipped, src->skipped,
		       src->n_skipped * sizeof(*dst->skipped));
}

static int fixed_keypair(uint8_t base, struct e2e_keypair *kp)
{
	uint8_t priv[K];
	unsigned int i;

	for (i = 0; i < K; i++)
		priv[i] = base + i;
	return e2e_keypair_from(priv, kp);
}

/* @from ('a' or 'b', with state @r) sends @text; its index, or -1. */
static int send(struct ratchet_world *w, struct ratchet *r, char from,
		const char *name, const char *text)
{
	struct rw_msg *m = &w->msg[w->n_msgs];
	size_t len = strlen(text);

	if (w->n_msgs == RW_MAX_MSGS || len > RW_MAX_PT)
		return -1;
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", name);
	m->to = from == 'a' ? 'b' : 'a';
	memcpy(m->pt, text, len);
	m->ptlen = len;
	m->len = len + RATCHET_OVERHEAD;
	if (ratchet_encrypt(r, w->ad, X3DH_AD_LEN, m->pt, len, m->buf)) {
		fprintf(stderr, "ratchet_world: cannot send %s\n", name);
		return -1;
	}
	return w->n_msgs++;
}

static int open_msg(const struct ratchet_world *w, struct ratchet *r,
		    const struct rw_msg *m)
{
	uint8_t pt[RW_MAX_PT];
	int ret;

	ret = ratchet_decrypt(r, w->ad, X3DH_AD_LEN, m->buf, m->len, pt,
			      NULL);
	if (!ret && memcmp(pt, m->pt, m->ptlen))
		ret = -1;
	return ret;
}

/* Its receiver opens message @i. */
static int deliver(struct ratchet_world *w, int i)
{
	struct rw_msg *m;

	if (i < 0)
		return -1;
	m = &w->msg[i];
	if (open_msg(w, m->to == 'a' ? &w->a : &w->b, m)) {
		fprintf(stderr, "ratchet_world: %s does not open\n", m->name);
		return -1;
	}
	m->opened = true;
	return 0;
}

/* Each message opens from a copy of its side's state, but the opened. */
static int check(struct ratchet_world *w)
{
	struct rw_keygen g;
	struct ratchet r;
	unsigned int i;
	int ret, bad = 0;

	for (i = 0; i < w->n_msgs; i++) {
		const struct rw_msg *m = &w->msg[i];

		rw_clone(&r, m->to == 'a' ? &w->a : &w->b);
		g = m->to == 'a' ? w->kg_a : w->kg_b;
		r.keygen_arg = &g;
		ret = open_msg(w, &r, m);
		ratchet_free(&r);
		if ((ret == 0) == m->opened) {
			fprintf(stderr, "ratchet_world: %s: %d\n", m->name,
				ret);
			bad = -1;
		}
	}
	return bad;
}

int rw_build(struct ratchet_world *w)
{
	struct e2e_keypair ik_a, ek_a, ik_b, spk_b, opk_b;
	uint8_t sk[K], sk_b[K], ad_b[X3DH_AD_LEN];
	struct rw_keygen g;
	struct ratchet a2;
	int i, b2, ret;

	if (fixed_keypair(0x10, &ik_a) || fixed_keypair(0x30, &ek_a) ||
	    fixed_keypair(0x50, &ik_b) || fixed_keypair(0x70, &spk_b) ||
	    fixed_keypair(0x90, &opk_b) ||
	    x3dh_initiate(&ik_a, &ek_a, ik_b.pub, spk_b.pub, opk_b.pub, sk,
			  w->ad) ||
	    x3dh_respond(&ik_b, &spk_b, &opk_b, ik_a.pub, ek_a.pub, sk_b,
			 ad_b) ||
	    memcmp(sk, sk_b, K) || memcmp(w->ad, ad_b, X3DH_AD_LEN)) {
		fprintf(stderr, "ratchet_world: the key agreement failed\n");
		return -1;
	}
	w->kg_a.seed = 0xa11ce0005eedull;
	w->kg_b.seed = 0xb0b00005eedull;
	w->a.keygen = rw_keygen;
	w->a.keygen_arg = &w->kg_a;
	w->b.keygen = rw_keygen;
	w->b.keygen_arg = &w->kg_b;
	if (ratchet_init_alice(&w->a, sk, spk_b.pub) ||
	    ratchet_init_bob(&w->b, sk, &spk_b))
		return -1;

	/* Alice's first chain: Bob opens a0 and a1 (his first DH step). */
	if (send(w, &w->a, 'a', "a0", "a0: hello Bob") != 0 ||
	    send(w, &w->a, 'a', "a1", "a1: are you there?") != 1 ||
	    send(w, &w->a, 'a', "a2", "a2: lost for a while") != 2 ||
	    deliver(w, 0) || deliver(w, 1))
		return -1;
	/* Bob's first chain: Alice opens b0 (her DH step). */
	if (send(w, &w->b, 'b', "b0", "b0: hi Alice") != 3 ||
	    send(w, &w->b, 'b', "b1", "b1: here, late") != 4 ||
	    deliver(w, 3))
		return -1;
	/*
	 * Alice's second chain: Bob opens a3 (a DH step that skips a2 in
	 * the previous chain) and a5 (skipping a4); a6 stays ahead.
	 */
	if (send(w, &w->a, 'a', "a3", "a3: second chain") != 5 ||
	    send(w, &w->a, 'a', "a4", "a4: skipped") != 6 ||
	    send(w, &w->a, 'a', "a5", "a5: overtook a4") != 7 ||
	    send(w, &w->a, 'a', "a6", "a6: not yet sent on") != 8 ||
	    deliver(w, 5) || deliver(w, 7))
		return -1;
	/* Bob's second chain, neither opened: a new chain for Alice. */
	b2 = send(w, &w->b, 'b', "b2", "b2: Bob's second chain");
	if (b2 != 9 ||
	    send(w, &w->b, 'b', "b3", "b3: and its second message") != 10)
		return -1;

	/*
	 * a7, the first of Alice's third chain, from a copy of her state
	 * that opened b2: a new chain for Bob, whose PN makes him skip a6.
	 */
	rw_clone(&a2, &w->a);
	g = w->kg_a;
	a2.keygen_arg = &g;
	ret = open_msg(w, &a2, &w->msg[b2]);
	i = ret ? -1 : send(w, &a2, 'a', "a7", "a7: third chain");
	ratchet_free(&a2);
	if (i != 11)
		return -1;
	return check(w);
}

void rw_free(struct ratchet_world *w)
{
	ratchet_free(&w->a);
	ratchet_free(&w->b);
}
