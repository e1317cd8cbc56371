// SPDX-License-Identifier: GPL-2.0
/*
 * A handle's directory entry (entry.h): device ids, the commitment the
 * map holds, and Ed25519 signatures over labelled byte strings, with
 * OpenSSL 3. The public keys checked here come from peers, so an encoding
 * that is not a point of the curve is refused before libcrypto sees it.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "entry.h"
#include "kt.h"

static const char entry_tag[17] = "tern-kt entry v1";	/* and its NUL */

#define ENTRY_DEV_LEN	(ENTRY_ID_LEN + 2 * ENTRY_KEY_LEN + ENTRY_SIG_LEN + \
			 ENTRY_TOKEN_LEN)
#define ENTRY_ENC_MAX	(sizeof(entry_tag) + ENTRY_KEY_LEN + 8 + 2 + \
			 ENTRY_MAX_DEVICES * ENTRY_DEV_LEN)

int entry_device_id(const uint8_t identity_key[ENTRY_KEY_LEN],
		    uint8_t id[ENTRY_ID_LEN])
{
	const void *const ptr[1] = { identity_key };
	const size_t len[1] = { ENTRY_KEY_LEN };
	uint8_t h[KT_HASH_LEN];
	int ret;

	ret = kt_sha256(h, 1, ptr, len);
	if (ret)
		return ret;
	memcpy(id, h, ENTRY_ID_LEN);
	return 0;
}

static uint8_t *put_be(uint8_t *p, uint64_t v, unsigned int bytes)
{
	while (bytes--)
		*p++ = v >> (8 * bytes);
	return p;
}

int entry_commitment(const struct entry *e, uint8_t out[32])
{
	const struct entry_device *order[ENTRY_MAX_DEVICES], *d;
	uint8_t buf[ENTRY_ENC_MAX], *p = buf;
	const void *ptr[1] = { buf };
	size_t len[1];
	unsigned int i, j;

	if (e->ndev > ENTRY_MAX_DEVICES)
		return -EINVAL;
	/* By device id: insertion sort, at most 16 of them. */
	for (i = 0; i < e->ndev; i++) {
		d = &e->dev[i];
		for (j = i; j > 0 && memcmp(order[j - 1]->id, d->id,
					    ENTRY_ID_LEN) > 0; j--)
			order[j] = order[j - 1];
		order[j] = d;
	}

	memcpy(p, entry_tag, sizeof(entry_tag));
	p += sizeof(entry_tag);
	memcpy(p, e->account_key, ENTRY_KEY_LEN);
	p = put_be(p + ENTRY_KEY_LEN, e->seq, 8);
	p = put_be(p, e->ndev, 2);
	for (i = 0; i < e->ndev; i++) {
		d = order[i];
		memcpy(p, d->id, ENTRY_ID_LEN);
		p += ENTRY_ID_LEN;
		memcpy(p, d->identity_key, ENTRY_KEY_LEN);
		p += ENTRY_KEY_LEN;
		memcpy(p, d->identity_x25519, ENTRY_KEY_LEN);
		p += ENTRY_KEY_LEN;
		memcpy(p, d->x25519_sig, ENTRY_SIG_LEN);
		p += ENTRY_SIG_LEN;
		memcpy(p, d->push_token, ENTRY_TOKEN_LEN);
		p += ENTRY_TOKEN_LEN;
	}
	len[0] = (size_t)(p - buf);
	return kt_sha256(out, 1, ptr, len);
}

/*
 * Is @key the encoding of a point of edwards25519 (RFC 8032, 5.1.3)? The
 * little-endian y with the top bit cleared must be below p = 2^255 - 19,
 * and x^2 = (y^2 - 1) / (d y^2 + 1) must have a root, which is x = 0 only
 * when the sign bit is clear. libcrypto's verification refuses such a key
 * too, but only as a signature that does not verify; this tells them
 * apart. 1 a point, 0 not, -ENOMEM.
 */
static int ed25519_is_point(const uint8_t key[ENTRY_KEY_LEN])
{
	BIGNUM *p, *d, *y, *u, *v, *t;
	uint8_t le[ENTRY_KEY_LEN];
	bool sign = key[31] & 0x80;
	BN_CTX *ctx;
	int ret = -ENOMEM;

	ctx = BN_CTX_new();
	if (!ctx)
		return -ENOMEM;
	BN_CTX_start(ctx);
	p = BN_CTX_get(ctx);
	d = BN_CTX_get(ctx);
	y = BN_CTX_get(ctx);
	u = BN_CTX_get(ctx);
	v = BN_CTX_get(ctx);
	t = BN_CTX_get(ctx);
	if (!t)
		goto out;

	/* p = 2^255 - 19 and d = -121665 / 121666 mod p. */
	if (!BN_set_bit(p, 255) || !BN_sub_word(p, 19) ||
	    !BN_set_word(t, 121666) || !BN_mod_inverse(d, t, p, ctx) ||
	    !BN_mul_word(d, 121665) || !BN_sub(d, p, d) ||
	    !BN_nnmod(d, d, p, ctx))
		goto out;

	memcpy(le, key, sizeof(le));
	le[31] &= 0x7f;
	if (!BN_lebin2bn(le, sizeof(le), y))
		goto out;
	if (BN_cmp(y, p) >= 0) {
		ret = 0;
		goto out;
	}
	/* u = y^2 - 1, v = d y^2 + 1; x^2 = u / v (v is never 0 mod p). */
	if (!BN_mod_sqr(t, y, p, ctx) || !BN_mod_mul(v, d, t, p, ctx) ||
	    !BN_add_word(v, 1) || !BN_nnmod(v, v, p, ctx) ||
	    !BN_sub_word(t, 1) || !BN_nnmod(u, t, p, ctx) ||
	    !BN_mod_inverse(v, v, p, ctx) || !BN_mod_mul(t, u, v, p, ctx))
		goto out;
	if (BN_is_zero(t)) {
		ret = !sign;
		goto out;
	}
	/* Euler's criterion: a square iff t^((p - 1) / 2) == 1. */
	if (!BN_sub_word(p, 1) || !BN_rshift1(u, p) || !BN_add_word(p, 1) ||
	    !BN_mod_exp(v, t, u, p, ctx))
		goto out;
	ret = BN_is_one(v);
out:
	BN_CTX_end(ctx);
	BN_CTX_free(ctx);
	return ret;
}

/* @label 0x00 @msg in a new buffer of *@tlen bytes. */
static uint8_t *entry_tbs(const char *label, const void *msg, size_t len,
			  size_t *tlen)
{
	size_t llen = strlen(label) + 1;
	uint8_t *tbs;

	if (len > SIZE_MAX - llen)
		return NULL;
	tbs = malloc(llen + len);
	if (!tbs)
		return NULL;
	memcpy(tbs, label, llen);
	if (len)
		memcpy(tbs + llen, msg, len);
	*tlen = llen + len;
	return tbs;
}

int entry_verify(const uint8_t key[ENTRY_KEY_LEN], const char *label,
		 const void *msg, size_t len, const uint8_t sig[ENTRY_SIG_LEN])
{
	EVP_MD_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	uint8_t *tbs = NULL;
	size_t tlen = 0;
	int ret, ok;

	ERR_set_mark();
	ret = ed25519_is_point(key);
	if (ret <= 0) {
		ret = ret ? ret : -EINVAL;
		goto out;
	}
	ret = -ENOMEM;
	tbs = entry_tbs(label, msg, len, &tlen);
	ctx = EVP_MD_CTX_new();
	if (!tbs || !ctx)
		goto out;
	pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, key,
					   ENTRY_KEY_LEN);
	if (!pkey) {
		ret = -EINVAL;
		goto out;
	}
	ret = -EIO;
	if (EVP_DigestVerifyInit_ex(ctx, NULL, NULL, NULL, NULL, pkey,
				    NULL) != 1)
		goto out;
	ok = EVP_DigestVerify(ctx, sig, ENTRY_SIG_LEN, tbs, tlen);
	ret = ok == 1 ? 0 : -EBADMSG;
out:
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	free(tbs);
	ERR_pop_to_mark();
	return ret;
}

int entry_sign(EVP_PKEY *key, const char *label, const void *msg, size_t len,
	       uint8_t sig[ENTRY_SIG_LEN])
{
	EVP_MD_CTX *ctx = NULL;
	size_t slen = ENTRY_SIG_LEN, tlen = 0;
	uint8_t *tbs = NULL;
	int ret;

	if (!key || !EVP_PKEY_is_a(key, "ED25519"))
		return -EINVAL;
	ERR_set_mark();
	ret = -ENOMEM;
	tbs = entry_tbs(label, msg, len, &tlen);
	ctx = EVP_MD_CTX_new();
	if (!tbs || !ctx)
		goto out;
	ret = -EIO;
	if (EVP_DigestSignInit_ex(ctx, NULL, NULL, NULL, NULL, key,
				  NULL) != 1 ||
	    EVP_DigestSign(ctx, sig, &slen, tbs, tlen) != 1 ||
	    slen != ENTRY_SIG_LEN)
		goto out;
	ret = 0;
out:
	EVP_MD_CTX_free(ctx);
	free(tbs);
	ERR_pop_to_mark();
	return ret;
}

int entry_prekey_msg(enum entry_prekey_kind kind, uint32_t id,
		     const uint8_t *key, size_t klen, uint8_t *out,
		     size_t max)
{
	uint8_t *p = out;

	if (kind < ENTRY_PREKEY_SIGNED || kind > ENTRY_PREKEY_KEM)
		return -EINVAL;
	if (klen > INT_MAX - 5 || max < 5 + klen)
		return -EINVAL;
	*p++ = kind;
	p = put_be(p, id, 4);
	if (klen)
		memcpy(p, key, klen);
	return (int)(5 + klen);
}
