// SPDX-License-Identifier: GPL-2.0
/*
 * The Double Ratchet (ratchet.h, Documentation/e2e.rst "The ratchet").
 *
 * Decryption is a transaction: it works on a copy of the scalar state
 * (struct step) and a list of keys to skip, and commits both only once
 * the tag verified, so a forged message changes nothing. The next sending
 * ratchet key is made only then too.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ratchet.h"

#define INFO_RK		"tern-ratchet v1"
#define INFO_MSG	"tern-message v1"
#define AD_MAX		256

/* What a decryption may change, but the skipped keys. */
struct step {
	uint8_t dhr[E2E_KEY_LEN], prev_dhr[E2E_KEY_LEN];
	bool has_dhr, has_prev_dhr, has_ckr, ratcheted;
	uint8_t rk[E2E_KEY_LEN], ckr[E2E_KEY_LEN];
	uint32_t nr, ns, pn;
	/* Keys this message skips, in order. */
	struct ratchet_skipped *add;
	unsigned int n_add;
};

static int kdf_rk(uint8_t rk[E2E_KEY_LEN], const uint8_t dh[E2E_KEY_LEN],
		  uint8_t ck[E2E_KEY_LEN])
{
	uint8_t out[2 * E2E_KEY_LEN];
	int ret;

	ret = e2e_hkdf(rk, E2E_KEY_LEN, dh, E2E_KEY_LEN, INFO_RK, out,
		       sizeof(out));
	if (!ret) {
		memcpy(rk, out, E2E_KEY_LEN);
		memcpy(ck, out + E2E_KEY_LEN, E2E_KEY_LEN);
	}
	e2e_wipe(out, sizeof(out));
	return ret;
}

static int kdf_ck(uint8_t ck[E2E_KEY_LEN], uint8_t mk[E2E_KEY_LEN])
{
	static const uint8_t one = 0x01, two = 0x02;
	uint8_t next[E2E_KEY_LEN];
	int ret;

	ret = e2e_hmac(ck, &one, 1, mk);
	if (!ret)
		ret = e2e_hmac(ck, &two, 1, next);
	if (!ret)
		memcpy(ck, next, E2E_KEY_LEN);
	e2e_wipe(next, sizeof(next));
	return ret;
}

/* The AES key and nonce of message key @mk. */
static int msg_keys(const uint8_t mk[E2E_KEY_LEN], uint8_t out[44])
{
	static const uint8_t salt[E2E_KEY_LEN];

	return e2e_hkdf(salt, sizeof(salt), mk, E2E_KEY_LEN, INFO_MSG, out,
			44);
}

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static int new_keypair(struct ratchet *r, struct e2e_keypair *kp)
{
	return r->keygen ? r->keygen(r->keygen_arg, kp) : e2e_keypair_new(kp);
}

static void clear(struct ratchet *r)
{
	int (*keygen)(void *arg, struct e2e_keypair *kp) = r->keygen;
	void *arg = r->keygen_arg;

	ratchet_free(r);
	r->keygen = keygen;
	r->keygen_arg = arg;
}

int ratchet_init_alice(struct ratchet *r, const uint8_t sk[E2E_KEY_LEN],
		       const uint8_t spk_b[E2E_KEY_LEN])
{
	uint8_t dh[E2E_KEY_LEN];
	int ret;

	clear(r);
	ret = new_keypair(r, &r->dhs);
	if (!ret)
		ret = e2e_dh(r->dhs.priv, spk_b, dh);
	if (!ret) {
		memcpy(r->rk, sk, E2E_KEY_LEN);
		ret = kdf_rk(r->rk, dh, r->cks);
	}
	e2e_wipe(dh, sizeof(dh));
	if (ret) {
		clear(r);
		return ret;
	}
	memcpy(r->dhr, spk_b, E2E_KEY_LEN);
	r->has_dhr = true;
	r->has_cks = true;
	return 0;
}

int ratchet_init_bob(struct ratchet *r, const uint8_t sk[E2E_KEY_LEN],
		     const struct e2e_keypair *spk_b)
{
	clear(r);
	r->dhs = *spk_b;
	memcpy(r->rk, sk, E2E_KEY_LEN);
	return 0;
}

void ratchet_free(struct ratchet *r)
{
	if (r->skipped) {
		e2e_wipe(r->skipped, r->cap_skipped * sizeof(*r->skipped));
		free(r->skipped);
	}
	e2e_wipe(r, sizeof(*r));
}

/* AD || header, for the AEAD. */
static int make_aad(const uint8_t *ad, size_t adlen, const uint8_t *header,
		    uint8_t aad[AD_MAX + RATCHET_HEADER_LEN])
{
	if (adlen > AD_MAX)
		return -EINVAL;
	memcpy(aad, ad, adlen);
	memcpy(aad + adlen, header, RATCHET_HEADER_LEN);
	return 0;
}

int ratchet_encrypt(struct ratchet *r, const uint8_t *ad, size_t adlen,
		    const uint8_t *pt, size_t len, uint8_t *msg)
{
	uint8_t aad[AD_MAX + RATCHET_HEADER_LEN], ck[E2E_KEY_LEN];
	uint8_t mk[E2E_KEY_LEN], keys[44];
	int ret;

	if (!r->has_cks)
		return -EAGAIN;
	if (r->ns == UINT32_MAX)
		return -EOVERFLOW;
	memcpy(ck, r->cks, E2E_KEY_LEN);
	ret = kdf_ck(ck, mk);
	if (!ret)
		ret = msg_keys(mk, keys);
	memcpy(msg, r->dhs.pub, E2E_KEY_LEN);
	put_u32(msg + E2E_KEY_LEN, r->pn);
	put_u32(msg + E2E_KEY_LEN + 4, r->ns);
	if (!ret)
		ret = make_aad(ad, adlen, msg, aad);
	if (!ret)
		ret = e2e_seal(keys, keys + 32, aad, adlen + RATCHET_HEADER_LEN,
			       pt, len, msg + RATCHET_HEADER_LEN);
	if (!ret) {
		memcpy(r->cks, ck, E2E_KEY_LEN);
		r->ns++;
	}
	e2e_wipe(ck, sizeof(ck));
	e2e_wipe(mk, sizeof(mk));
	e2e_wipe(keys, sizeof(keys));
	return ret;
}

/* --- decryption ----------------------------------------------------------- */

static int find_skipped(const struct ratchet *r, const uint8_t *dh,
			uint32_t n)
{
	unsigned int i;

	for (i = 0; i < r->n_skipped; i++)
		if (r->skipped[i].n == n &&
		    !CRYPTO_memcmp(r->skipped[i].dh, dh, E2E_KEY_LEN))
			return (int)i;
	return -1;
}

static void drop_skipped(struct ratchet *r, unsigned int i, unsigned int n)
{
	e2e_wipe(&r->skipped[i], n * sizeof(*r->skipped));
	memmove(&r->skipped[i], &r->skipped[i + n],
		(r->n_skipped - i - n) * sizeof(*r->skipped));
	r->n_skipped -= n;
	e2e_wipe(&r->skipped[r->n_skipped], n * sizeof(*r->skipped));
}

/* Skip the staged receiving chain up to @until. */
static int skip(struct step *s, uint32_t until)
{
	struct ratchet_skipped *k;
	int ret;

	if (!s->has_ckr || until <= s->nr)
		return 0;
	if (until - s->nr > RATCHET_MAX_SKIP)
		return -E2BIG;
	k = realloc(s->add, (s->n_add + (until - s->nr)) * sizeof(*k));
	if (!k)
		return -ENOMEM;
	s->add = k;
	for (; s->nr < until; s->nr++) {
		k = &s->add[s->n_add];
		ret = kdf_ck(s->ckr, k->mk);
		if (ret)
			return ret;
		memcpy(k->dh, s->dhr, E2E_KEY_LEN);
		k->n = s->nr;
		s->n_add++;
	}
	return 0;
}

/* Append the staged skipped keys, dropping the oldest over the limit. */
static int commit_skipped(struct ratchet *r, struct step *s)
{
	unsigned int need = r->n_skipped + s->n_add, drop = 0, keep;
	struct ratchet_skipped *k;

	if (need > RATCHET_MAX_SKIPPED) {
		drop = need - RATCHET_MAX_SKIPPED;
		need = RATCHET_MAX_SKIPPED;
	}
	if (need > r->cap_skipped) {
		k = malloc(need * sizeof(*k));
		if (!k)
			return -ENOMEM;
		if (r->skipped) {
			memcpy(k, r->skipped, r->n_skipped * sizeof(*k));
			e2e_wipe(r->skipped, r->cap_skipped * sizeof(*k));
			free(r->skipped);
		}
		r->skipped = k;
		r->cap_skipped = need;
	}
	/* Oldest first: what stays of the store, then what stays of add. */
	keep = drop < r->n_skipped ? drop : r->n_skipped;
	if (keep)
		drop_skipped(r, 0, keep);
	drop -= keep;
	if (s->n_add > drop) {
		memcpy(&r->skipped[r->n_skipped], &s->add[drop],
		       (s->n_add - drop) * sizeof(*r->skipped));
		r->n_skipped += s->n_add - drop;
	}
	return 0;
}

static int open_with(const uint8_t mk[E2E_KEY_LEN], const uint8_t *aad,
		     size_t aadlen, const uint8_t *msg, size_t len,
		     uint8_t *pt)
{
	uint8_t keys[44];
	int ret = msg_keys(mk, keys);

	if (!ret)
		ret = e2e_open(keys, keys + 32, aad, aadlen,
			       msg + RATCHET_HEADER_LEN,
			       len - RATCHET_HEADER_LEN, pt);
	e2e_wipe(keys, sizeof(keys));
	return ret;
}

static void step_free(struct step *s)
{
	if (s->add) {
		e2e_wipe(s->add, s->n_add * sizeof(*s->add));
		free(s->add);
	}
	e2e_wipe(s, sizeof(*s));
}

/* The receiving half of a DH ratchet step, on the staged state. */
static int dh_receive(const struct ratchet *r, struct step *s,
		      const uint8_t *dh, uint32_t pn)
{
	uint8_t out[E2E_KEY_LEN];
	int ret;

	ret = skip(s, pn);
	if (ret)
		return ret;
	if (s->has_dhr) {
		memcpy(s->prev_dhr, s->dhr, E2E_KEY_LEN);
		s->has_prev_dhr = true;
	}
	s->pn = s->ns;
	s->ns = 0;
	s->nr = 0;
	memcpy(s->dhr, dh, E2E_KEY_LEN);
	s->has_dhr = true;
	/* A low-order key in a header is a forgery like any other. */
	ret = e2e_dh(r->dhs.priv, s->dhr, out) ? -EBADMSG : 0;
	if (!ret)
		ret = kdf_rk(s->rk, out, s->ckr);
	e2e_wipe(out, sizeof(out));
	s->has_ckr = !ret;
	s->ratcheted = true;
	return ret;
}

/* The message opened: the sending half, then everything is kept. */
static int commit(struct ratchet *r, struct step *s)
{
	struct e2e_keypair next;
	uint8_t out[E2E_KEY_LEN], rk[E2E_KEY_LEN], cks[E2E_KEY_LEN];
	int ret = 0;

	if (s->ratcheted) {
		memcpy(rk, s->rk, E2E_KEY_LEN);
		ret = new_keypair(r, &next);
		if (!ret)
			ret = e2e_dh(next.priv, s->dhr, out);
		if (!ret)
			ret = kdf_rk(rk, out, cks);
		e2e_wipe(out, sizeof(out));
	}
	if (!ret)
		ret = commit_skipped(r, s);
	if (ret)
		goto out;
	if (s->ratcheted) {
		e2e_wipe(&r->dhs, sizeof(r->dhs));
		r->dhs = next;
		memcpy(r->rk, rk, E2E_KEY_LEN);
		memcpy(r->cks, cks, E2E_KEY_LEN);
		r->has_cks = true;
	} else {
		memcpy(r->rk, s->rk, E2E_KEY_LEN);
	}
	memcpy(r->dhr, s->dhr, E2E_KEY_LEN);
	memcpy(r->prev_dhr, s->prev_dhr, E2E_KEY_LEN);
	memcpy(r->ckr, s->ckr, E2E_KEY_LEN);
	r->has_dhr = s->has_dhr;
	r->has_prev_dhr = s->has_prev_dhr;
	r->has_ckr = s->has_ckr;
	r->nr = s->nr;
	r->ns = s->ns;
	r->pn = s->pn;
out:
	e2e_wipe(&next, sizeof(next));
	e2e_wipe(rk, sizeof(rk));
	e2e_wipe(cks, sizeof(cks));
	return ret;
}

static const char *why_of(int err)
{
	switch (err) {
	case -EINVAL:
		return "shorter than a header and a tag";
	case -EALREADY:
		return "a replay, or a message whose key is gone";
	case -E2BIG:
		return "too far ahead: more than 1000 skipped messages";
	case -EBADMSG:
		return "does not open: forged, corrupted, or not this session's";
	case -ENOMEM:
		return "out of memory";
	default:
		return "a cryptographic operation failed";
	}
}

int ratchet_decrypt(struct ratchet *r, const uint8_t *ad, size_t adlen,
		    const uint8_t *msg, size_t len, uint8_t *pt,
		    const char **why)
{
	uint8_t aad[AD_MAX + RATCHET_HEADER_LEN], mk[E2E_KEY_LEN];
	const uint8_t *dh = msg;
	struct step s = { 0 };
	uint32_t pn, n;
	int i, ret;

	if (len < RATCHET_OVERHEAD) {
		ret = -EINVAL;
		goto out;
	}
	pn = get_u32(msg + E2E_KEY_LEN);
	n = get_u32(msg + E2E_KEY_LEN + 4);
	ret = make_aad(ad, adlen, msg, aad);
	if (ret)
		goto out;

	i = find_skipped(r, dh, n);
	if (i >= 0) {
		ret = open_with(r->skipped[i].mk, aad,
				adlen + RATCHET_HEADER_LEN, msg, len, pt);
		if (!ret)
			drop_skipped(r, i, 1);
		goto out;
	}
	if ((r->has_dhr && !CRYPTO_memcmp(dh, r->dhr, E2E_KEY_LEN) &&
	     n < r->nr) ||
	    (r->has_prev_dhr && !CRYPTO_memcmp(dh, r->prev_dhr,
					       E2E_KEY_LEN))) {
		ret = -EALREADY;
		goto out;
	}

	memcpy(s.dhr, r->dhr, E2E_KEY_LEN);
	memcpy(s.prev_dhr, r->prev_dhr, E2E_KEY_LEN);
	memcpy(s.rk, r->rk, E2E_KEY_LEN);
	memcpy(s.ckr, r->ckr, E2E_KEY_LEN);
	s.has_dhr = r->has_dhr;
	s.has_prev_dhr = r->has_prev_dhr;
	s.has_ckr = r->has_ckr;
	s.nr = r->nr;
	s.ns = r->ns;
	s.pn = r->pn;
	if (!s.has_dhr || CRYPTO_memcmp(dh, s.dhr, E2E_KEY_LEN)) {
		ret = dh_receive(r, &s, dh, pn);
		if (ret)
			goto out;
	}
	ret = skip(&s, n);
	if (!ret)
		ret = kdf_ck(s.ckr, mk);
	if (ret)
		goto out;
	s.nr = n + 1;
	ret = open_with(mk, aad, adlen + RATCHET_HEADER_LEN, msg, len, pt);
	if (!ret)
		ret = commit(r, &s);
	if (ret)
		e2e_wipe(pt, len - RATCHET_OVERHEAD);
out:
	e2e_wipe(mk, sizeof(mk));
	step_free(&s);
	if (why)
		*why = ret ? why_of(ret) : NULL;
	return ret;
}
