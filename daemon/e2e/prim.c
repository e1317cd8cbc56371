// SPDX-License-Identifier: GPL-2.0
/*
 * libterne2e's primitives over libcrypto (e2e.h). X25519 goes through
 * EVP_PKEY with raw keys; HKDF and HMAC through EVP_KDF and EVP_MAC,
 * fetched once per process (they are immutable and thread-safe once
 * fetched); AES-256-GCM through EVP_CIPHER_CTX.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "e2e.h"

static EVP_KDF *hkdf;
static EVP_MAC *hmac;
static EVP_CIPHER *gcm;
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;

static void fetch(void)
{
	hkdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
}

static int fetched(void)
{
	pthread_once(&fetch_once, fetch);
	return hkdf && hmac && gcm ? 0 : -ENOMEM;
}

void e2e_wipe(void *p, size_t len)
{
	OPENSSL_cleanse(p, len);
}

int e2e_keypair_from(const uint8_t priv[E2E_KEY_LEN], struct e2e_keypair *kp)
{
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL,
						   priv, E2E_KEY_LEN);
	size_t len = E2E_KEY_LEN;
	int ret = 0;

	if (!k)
		return -EINVAL;
	if (EVP_PKEY_get_raw_public_key(k, kp->pub, &len) != 1 ||
	    len != E2E_KEY_LEN)
		ret = -EIO;
	else
		memmove(kp->priv, priv, E2E_KEY_LEN);
	EVP_PKEY_free(k);
	return ret;
}

int e2e_keypair_new(struct e2e_keypair *kp)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	size_t pl = E2E_KEY_LEN, ql = E2E_KEY_LEN;
	int ret = 0;

	if (!k)
		return -ENOMEM;
	if (EVP_PKEY_get_raw_private_key(k, kp->priv, &pl) != 1 ||
	    EVP_PKEY_get_raw_public_key(k, kp->pub, &ql) != 1 ||
	    pl != E2E_KEY_LEN || ql != E2E_KEY_LEN)
		ret = -EIO;
	EVP_PKEY_free(k);
	return ret;
}

int e2e_dh(const uint8_t priv[E2E_KEY_LEN], const uint8_t pub[E2E_KEY_LEN],
	   uint8_t out[E2E_KEY_LEN])
{
	EVP_PKEY *a = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv,
						   E2E_KEY_LEN);
	EVP_PKEY *b = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, pub,
						  E2E_KEY_LEN);
	static const uint8_t zero[E2E_KEY_LEN];
	EVP_PKEY_CTX *ctx = NULL;
	size_t len = E2E_KEY_LEN;
	int ret = -EINVAL;

	if (!a || !b)
		goto out;
	ctx = EVP_PKEY_CTX_new(a, NULL);
	if (!ctx) {
		ret = -ENOMEM;
		goto out;
	}
	/* OpenSSL refuses an all-zero result itself; so do we, twice. */
	if (EVP_PKEY_derive_init(ctx) == 1 &&
	    EVP_PKEY_derive_set_peer(ctx, b) == 1 &&
	    EVP_PKEY_derive(ctx, out, &len) == 1 && len == E2E_KEY_LEN &&
	    CRYPTO_memcmp(out, zero, E2E_KEY_LEN))
		ret = 0;
	else
		e2e_wipe(out, E2E_KEY_LEN);
out:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
	return ret;
}

int e2e_hkdf(const uint8_t *salt, size_t saltlen, const uint8_t *ikm,
	     size_t ikmlen, const char *info, uint8_t *out, size_t outlen)
{
	OSSL_PARAM p[5], *q = p;
	EVP_KDF_CTX *ctx;
	int ret;

	ret = fetched();
	if (ret)
		return ret;
	ctx = EVP_KDF_CTX_new(hkdf);
	if (!ctx)
		return -ENOMEM;
	*q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						"SHA256", 0);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
						 (void *)ikm, ikmlen);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
						 (void *)salt, saltlen);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
						 (void *)info, strlen(info));
	*q = OSSL_PARAM_construct_end();
	ret = EVP_KDF_derive(ctx, out, outlen, p) == 1 ? 0 : -EIO;
	EVP_KDF_CTX_free(ctx);
	return ret;
}

int e2e_hmac(const uint8_t key[E2E_KEY_LEN], const uint8_t *data,
	     size_t len, uint8_t out[32])
{
	OSSL_PARAM p[2];
	EVP_MAC_CTX *ctx;
	size_t outlen = 0;
	int ret;

	ret = fetched();
	if (ret)
		return ret;
	ctx = EVP_MAC_CTX_new(hmac);
	if (!ctx)
		return -ENOMEM;
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						"SHA256", 0);
	p[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(ctx, key, E2E_KEY_LEN, p) == 1 &&
	    EVP_MAC_update(ctx, data, len) == 1 &&
	    EVP_MAC_final(ctx, out, &outlen, 32) == 1 && outlen == 32)
		ret = 0;
	else
		ret = -EIO;
	EVP_MAC_CTX_free(ctx);
	return ret;
}

static int gcm_run(bool enc, const uint8_t key[32],
		   const uint8_t nonce[E2E_NONCE_LEN], const uint8_t *ad,
		   size_t adlen, const uint8_t *in, size_t len, uint8_t *out,
		   uint8_t *tag)
{
	EVP_CIPHER_CTX *ctx;
	int n, ret;

	ret = fetched();
	if (ret)
		return ret;
	if (len > INT32_MAX || adlen > INT32_MAX)
		return -E2BIG;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return -ENOMEM;
	ret = -EIO;
	if (EVP_CipherInit_ex2(ctx, gcm, key, nonce, enc, NULL) != 1)
		goto out;
	if (adlen && EVP_CipherUpdate(ctx, NULL, &n, ad, (int)adlen) != 1)
		goto out;
	if (len && EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1)
		goto out;
	if (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG,
					E2E_TAG_LEN, tag) != 1)
		goto out;
	if (EVP_CipherFinal_ex(ctx, out + len, &n) != 1) {
		ret = enc ? -EIO : -EBADMSG;
		goto out;
	}
	if (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG,
				       E2E_TAG_LEN, tag) != 1)
		goto out;
	ret = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	if (ret && !enc)
		e2e_wipe(out, len);
	return ret;
}

int e2e_seal(const uint8_t key[32], const uint8_t nonce[E2E_NONCE_LEN],
	     const uint8_t *ad, size_t adlen, const uint8_t *in, size_t len,
	     uint8_t *out)
{
	return gcm_run(true, key, nonce, ad, adlen, in, len, out, out + len);
}

int e2e_open(const uint8_t key[32], const uint8_t nonce[E2E_NONCE_LEN],
	     const uint8_t *ad, size_t adlen, const uint8_t *in, size_t len,
	     uint8_t *out)
{
	uint8_t tag[E2E_TAG_LEN];

	if (len < E2E_TAG_LEN)
		return -EBADMSG;
	memcpy(tag, in + len - E2E_TAG_LEN, E2E_TAG_LEN);
	return gcm_run(false, key, nonce, ad, adlen, in, len - E2E_TAG_LEN,
		       out, tag);
}
