// SPDX-License-Identifier: GPL-2.0
/*
 * RSA-FDH-VRF-SHA256, RFC 9381 section 4 (suite_string 0x01), over
 * libcrypto: MGF1 (RFC 8017 B.2.1) composed from EVP digest calls, RSASP1
 * and RSAVP1 as EVP_PKEY_sign() and EVP_PKEY_verify_recover() with
 * RSA_NO_PADDING. No big-number arithmetic of our own: integers only cross
 * this file as fixed-length big-endian octet strings (I2OSP/OS2IP).
 *
 *   MGF_salt = I2OSP(k, 4) || I2OSP(n, k)
 *   EM       = MGF1-SHA256(0x01 || 0x01 || MGF_salt || alpha, k - 1)
 *   pi       = I2OSP(RSASP1(K, OS2IP(EM)), k)
 *   beta     = SHA-256(0x01 || 0x02 || pi)
 *
 * OpenSSL's raw RSA operations take and give k octets, so m travels as
 * 0x00 || EM: OS2IP of that is OS2IP(EM), and RSAVP1's output equals it
 * exactly when I2OSP(m, k - 1) exists and equals EM.
 *
 * verify() sees attacker bytes: it checks the length and s < n itself, so
 * libcrypto is only asked to do what cannot fail on a valid key. Every
 * function leaves libcrypto's error queue as it found it: a caller's TLS
 * code on the same thread reads that queue.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "kt_vrf.h"

#define VRF_SUITE	0x01	/* RSA-FDH-VRF-SHA256 */
#define VRF_MGF_SEP	0x01	/* mgf_domain_separator */
#define VRF_HASH_SEP	0x02	/* proof_to_hash_domain_separator */
#define VRF_RSA_E	65537

static EVP_MD *vrf_md;
static pthread_once_t vrf_md_once = PTHREAD_ONCE_INIT;

static void vrf_md_fetch(void)
{
	vrf_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

/*
 * Checks @key and, when it passes, gives k and I2OSP(n, k) in @n (room for
 * KT_VRF_MAX_PROOF octets; NULL when only the check is wanted).
 */
static int vrf_key_get(const EVP_PKEY *key, uint8_t *n, size_t *k)
{
	BIGNUM *bn_n = NULL, *bn_e = NULL;
	int bits, len, ret = -EINVAL;

	/* "RSA" only: an RSA-PSS key is another key type and is refused. */
	if (!key || !EVP_PKEY_is_a(key, "RSA"))
		return -EINVAL;
	bits = EVP_PKEY_get_bits(key);
	if (bits < KT_VRF_MIN_BITS || bits > KT_VRF_MAX_BITS || bits % 8)
		return -EINVAL;
	len = bits / 8;
	if (!EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &bn_n) ||
	    !EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &bn_e))
		goto out;
	if (BN_is_negative(bn_n) || BN_num_bits(bn_n) != bits ||
	    BN_is_negative(bn_e) || !BN_is_word(bn_e, VRF_RSA_E))
		goto out;
	if (n && BN_bn2binpad(bn_n, n, len) != len)
		goto out;
	if (k)
		*k = (size_t)len;
	ret = 0;
out:
	BN_free(bn_e);
	BN_free(bn_n);
	return ret;
}

/*
 * EM = MGF1-SHA256(suite_string || 0x01 || MGF_salt || alpha, k - 1) into
 * @em. The seed is hashed once; each block continues a copy of that state
 * with its counter, so a long alpha is read once, not once per block.
 */
static int vrf_mgf1(uint8_t *em, const uint8_t *n, size_t k,
		    const void *alpha, size_t alen)
{
	const uint8_t head[6] = {
		VRF_SUITE, VRF_MGF_SEP,
		(uint8_t)(k >> 24), (uint8_t)(k >> 16), (uint8_t)(k >> 8),
		(uint8_t)k,
	};
	uint8_t block[KT_HASH_LEN], ctr[4];
	EVP_MD_CTX *seed = NULL, *ctx = NULL;
	unsigned int olen;
	size_t done, take;
	uint32_t i;
	int ret = -EIO;

	pthread_once(&vrf_md_once, vrf_md_fetch);
	if (!vrf_md)
		return -EIO;
	seed = EVP_MD_CTX_new();
	ctx = EVP_MD_CTX_new();
	if (!seed || !ctx) {
		ret = -ENOMEM;
		goto out;
	}
	if (!EVP_DigestInit_ex(seed, vrf_md, NULL) ||
	    !EVP_DigestUpdate(seed, head, sizeof(head)) ||
	    !EVP_DigestUpdate(seed, n, k) ||
	    (alen && !EVP_DigestUpdate(seed, alpha, alen)))
		goto out;
	/* k - 1 < 2^32 * hLen: the "mask too long" case cannot arise. */
	for (i = 0, done = 0; done < k - 1; i++, done += take) {
		ctr[0] = (uint8_t)(i >> 24);
		ctr[1] = (uint8_t)(i >> 16);
		ctr[2] = (uint8_t)(i >> 8);
		ctr[3] = (uint8_t)i;
		olen = 0;
		if (!EVP_MD_CTX_copy_ex(ctx, seed) ||
		    !EVP_DigestUpdate(ctx, ctr, sizeof(ctr)) ||
		    !EVP_DigestFinal_ex(ctx, block, &olen) ||
		    olen != KT_HASH_LEN)
			goto out;
		take = k - 1 - done < KT_HASH_LEN ? k - 1 - done : KT_HASH_LEN;
		memcpy(em + done, block, take);
	}
	ret = 0;
out:
	EVP_MD_CTX_free(ctx);
	EVP_MD_CTX_free(seed);
	return ret;
}

/* 0x00 || EM for @alpha: the k-octet I2OSP of the m RSASP1 signs. */
static int vrf_encode(uint8_t *m, const uint8_t *n, size_t k,
		      const void *alpha, size_t alen)
{
	m[0] = 0;
	return vrf_mgf1(m + 1, n, k, alpha, alen);
}

/* RSASP1: @s = I2OSP(OS2IP(@m)^d mod n, k). OS2IP(@m) < n is the caller's. */
static int vrf_rsasp1(EVP_PKEY *key, const uint8_t *m, size_t k, uint8_t *s)
{
	EVP_PKEY_CTX *ctx;
	BIGNUM *d = NULL;
	size_t slen = k;
	int ret = -EIO;

	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	if (!ctx)
		return -ENOMEM;
	if (EVP_PKEY_sign_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) <= 0)
		goto out;
	if (EVP_PKEY_sign(ctx, s, &slen, m, k) <= 0) {
		/*
		 * A public key cannot prove: that is a wrong argument, not
		 * libcrypto failing. Only asked on this path, and d is
		 * wiped again at once.
		 */
		if (!EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_D, &d))
			ret = -EINVAL;
		BN_clear_free(d);
		goto out;
	}
	if (slen != k)
		goto out;
	ret = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	return ret;
}

/*
 * RSAVP1: @m = I2OSP(OS2IP(@s)^e mod n, k). The caller has checked that
 * OS2IP(@s) < n (libcrypto refuses s >= n too, but only with a generic
 * error), so a failure here is libcrypto's.
 */
static int vrf_rsavp1(EVP_PKEY *key, const uint8_t *s, size_t k, uint8_t *m)
{
	EVP_PKEY_CTX *ctx;
	size_t mlen = k;	/* @m has k octets: RSA_NO_PADDING gives k */
	int ret = -EIO;

	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	if (!ctx)
		return -ENOMEM;
	if (EVP_PKEY_verify_recover_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) <= 0 ||
	    EVP_PKEY_verify_recover(ctx, m, &mlen, s, k) <= 0 || mlen != k)
		goto out;
	ret = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	return ret;
}

int kt_vrf_keygen(unsigned int bits, EVP_PKEY **key)
{
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	BIGNUM *e = NULL;
	int ret = -EIO;

	if (!key || bits < KT_VRF_MIN_BITS || bits > KT_VRF_MAX_BITS ||
	    bits % 8)
		return -EINVAL;
	ERR_set_mark();
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	e = BN_new();
	if (!ctx || !e) {
		ret = -ENOMEM;
		goto out;
	}
	if (!BN_set_word(e, VRF_RSA_E) ||
	    EVP_PKEY_keygen_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int)bits) <= 0 ||
	    EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, e) <= 0 ||
	    EVP_PKEY_generate(ctx, &pkey) <= 0)
		goto out;
	/* What came out must be what prove and verify will accept. */
	if (vrf_key_get(pkey, NULL, NULL) ||
	    EVP_PKEY_get_bits(pkey) != (int)bits)
		goto out;
	*key = pkey;
	pkey = NULL;
	ret = 0;
out:
	EVP_PKEY_free(pkey);
	BN_free(e);
	EVP_PKEY_CTX_free(ctx);
	ERR_pop_to_mark();
	return ret;
}

int kt_vrf_key_check(const EVP_PKEY *key)
{
	int ret;

	ERR_set_mark();
	ret = vrf_key_get(key, NULL, NULL);
	ERR_pop_to_mark();
	return ret;
}

/*
 * A @pi with less room than k octets is an argument out of range: -EINVAL
 * (the kt.h set of errors, not -ENOSPC), with *@pilen set to k so that the
 * caller learns the size; @pi is not written. KT_VRF_MAX_PROOF is always
 * enough.
 */
int kt_vrf_prove(EVP_PKEY *key, const void *alpha, size_t alen, uint8_t *pi,
		 size_t *pilen)
{
	uint8_t n[KT_VRF_MAX_PROOF], m[KT_VRF_MAX_PROOF];
	uint8_t s[KT_VRF_MAX_PROOF], chk[KT_VRF_MAX_PROOF];
	size_t k;
	int ret;

	if (!pi || !pilen || (!alpha && alen))
		return -EINVAL;
	ERR_set_mark();
	ret = vrf_key_get(key, n, &k);
	if (ret)
		goto out;
	if (*pilen < k) {
		*pilen = k;
		ret = -EINVAL;
		goto out;
	}
	ret = vrf_encode(m, n, k, alpha, alen);
	if (ret)
		goto out;
	/* OS2IP(0x00 || EM) < 256^(k-1) <= n: in range for RSASP1. */
	ret = vrf_rsasp1(key, m, k, s);
	if (ret)
		goto out;
	/*
	 * Check the proof before it leaves: a faulty RSA-CRT signature would
	 * give away a factor of n. Costs one public operation.
	 */
	ret = vrf_rsavp1(key, s, k, chk);
	if (ret)
		goto out;
	if (CRYPTO_memcmp(chk, m, k)) {
		ret = -EIO;
		goto out;
	}
	memcpy(pi, s, k);
	*pilen = k;
out:
	ERR_pop_to_mark();
	return ret;
}

/*
 * beta = SHA-256(suite_string || 0x02 || pi). @pilen must be a possible
 * proof length (KT_VRF_MIN_BITS / 8 .. KT_VRF_MAX_PROOF), else -EINVAL.
 */
int kt_vrf_proof_to_hash(const uint8_t *pi, size_t pilen,
			 uint8_t beta[KT_HASH_LEN])
{
	static const uint8_t head[2] = { VRF_SUITE, VRF_HASH_SEP };
	const void *const ptr[2] = { head, pi };
	const size_t len[2] = { sizeof(head), pilen };
	int ret;

	if (!pi || !beta || pilen < KT_VRF_MIN_BITS / 8 ||
	    pilen > KT_VRF_MAX_PROOF)
		return -EINVAL;
	ERR_set_mark();
	ret = kt_sha256(beta, 2, ptr, len);
	ERR_pop_to_mark();
	return ret;
}

int kt_vrf_verify(EVP_PKEY *key, const void *alpha, size_t alen,
		  const uint8_t *pi, size_t pilen, uint8_t beta[KT_HASH_LEN])
{
	uint8_t n[KT_VRF_MAX_PROOF], m[KT_VRF_MAX_PROOF], em[KT_VRF_MAX_PROOF];
	uint8_t out[KT_HASH_LEN];
	size_t k;
	int ret;

	if (!beta || (!alpha && alen) || (!pi && pilen))
		return -EINVAL;
	ERR_set_mark();
	ret = vrf_key_get(key, n, &k);
	if (ret)
		goto out;
	ret = -EBADMSG;
	if (pilen != k)
		goto out;
	/*
	 * RSAVP1 step 1: s = OS2IP(pi) must be below n. Both are k-octet
	 * big-endian strings, so memcmp() orders them as integers.
	 */
	if (memcmp(pi, n, k) >= 0)
		goto out;
	ret = vrf_rsavp1(key, pi, k, m);
	if (ret)
		goto out;
	ret = vrf_encode(em, n, k, alpha, alen);
	if (ret)
		goto out;
	/*
	 * m == 0x00 || EM': the leading zero is I2OSP(m, k - 1) existing,
	 * the rest EM == EM'. Constant time over all k octets.
	 */
	if (CRYPTO_memcmp(m, em, k)) {
		ret = -EBADMSG;
		goto out;
	}
	ret = kt_vrf_proof_to_hash(pi, k, out);
	if (ret)
		goto out;
	memcpy(beta, out, KT_HASH_LEN);
out:
	ERR_pop_to_mark();
	return ret;
}
