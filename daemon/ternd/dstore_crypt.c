// SPDX-License-Identifier: GPL-2.0
/*
 * ternd's store at rest (dstore.h, "at rest"; Documentation/ternd.rst,
 * "The store at rest"): the columns that hold what a stolen disk must
 * not give away (message contents, sessions, private keys) are sealed
 * with AES-256-GCM under the store key, which is kept outside the
 * database:
 *
 *   sealed = 0x01 || nonce (12, random) || ciphertext || tag (16)
 *   AD     = "tern-store v1" 0x00 || the column's label
 *
 * A random nonce per write: 2^32 writes under one key keep the chance of
 * a repeated nonce below 2^-32, and a device writes far fewer. The
 * label binds a value to its column (a session cannot be read as a
 * message); rows of one column are not told apart, which is enough
 * against a disk read, not against someone who writes to it (who can
 * also drop rows).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "dstore_int.h"

#define SEAL_V		1
#define NONCE_LEN	12
#define TAG_LEN		16
#define AD_LABEL	"tern-store v1"

static int ad_of(const char *label, uint8_t *ad, size_t max, size_t *len)
{
	size_t a = sizeof(AD_LABEL), b = strlen(label);

	if (a + b > max)
		return -EINVAL;
	memcpy(ad, AD_LABEL, a);	/* with its NUL */
	memcpy(ad + a, label, b);
	*len = a + b;
	return 0;
}

int dstore_seal(struct dstore *ds, const char *label, const void *in,
		size_t len, uint8_t **out, size_t *outlen)
{
	uint8_t ad[64], *p;
	EVP_CIPHER_CTX *c;
	size_t adlen;
	int n, ret = -EIO;

	*out = NULL;
	if (ad_of(label, ad, sizeof(ad), &adlen) || len > INT32_MAX)
		return -EINVAL;
	p = malloc(1 + NONCE_LEN + len + TAG_LEN);
	c = EVP_CIPHER_CTX_new();
	if (!p || !c) {
		ret = -ENOMEM;
		goto out;
	}
	p[0] = SEAL_V;
	if (RAND_bytes(p + 1, NONCE_LEN) != 1 ||
	    EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, ds->key,
			       p + 1) != 1 ||
	    EVP_EncryptUpdate(c, NULL, &n, ad, (int)adlen) != 1 ||
	    (len && EVP_EncryptUpdate(c, p + 1 + NONCE_LEN, &n, in,
				      (int)len) != 1) ||
	    EVP_EncryptFinal_ex(c, p + 1 + NONCE_LEN + len, &n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_LEN,
				p + 1 + NONCE_LEN + len) != 1)
		goto out;
	*out = p;
	*outlen = 1 + NONCE_LEN + len + TAG_LEN;
	p = NULL;
	ret = 0;
out:
	if (ret)
		snprintf(ds->d.err, sizeof(ds->d.err), "%s: cannot seal %s",
			 ds->d.name, label);
	EVP_CIPHER_CTX_free(c);
	free(p);
	return ret;
}

int dstore_unseal(struct dstore *ds, const char *label, const void *in,
		  size_t len, uint8_t **out, size_t *outlen)
{
	const uint8_t *s = in;
	uint8_t ad[64], *p = NULL;
	EVP_CIPHER_CTX *c = NULL;
	size_t adlen, n = 0;
	int k, ret = -EIO;

	*out = NULL;
	if (ad_of(label, ad, sizeof(ad), &adlen))
		return -EINVAL;
	if (len < 1 + NONCE_LEN + TAG_LEN || s[0] != SEAL_V ||
	    len - 1 - NONCE_LEN - TAG_LEN > INT32_MAX)
		goto out;
	n = len - 1 - NONCE_LEN - TAG_LEN;
	p = malloc(n ? n : 1);
	c = EVP_CIPHER_CTX_new();
	if (!p || !c) {
		ret = -ENOMEM;
		goto out;
	}
	if (EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, ds->key,
			       s + 1) != 1 ||
	    EVP_DecryptUpdate(c, NULL, &k, ad, (int)adlen) != 1 ||
	    (n && EVP_DecryptUpdate(c, p, &k, s + 1 + NONCE_LEN,
				    (int)n) != 1) ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_LEN,
				(void *)(s + 1 + NONCE_LEN + n)) != 1 ||
	    EVP_DecryptFinal_ex(c, p + n, &k) != 1)
		goto out;
	*out = p;
	*outlen = n;
	p = NULL;
	ret = 0;
out:
	if (ret == -EIO)
		snprintf(ds->d.err, sizeof(ds->d.err),
			 "%s: %s does not open with the store key (another key, or damaged)",
			 ds->d.name, label);
	if (p)
		explicit_bzero(p, n);
	free(p);
	EVP_CIPHER_CTX_free(c);
	return ret;
}
