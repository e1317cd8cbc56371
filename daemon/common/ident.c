// SPDX-License-Identifier: GPL-2.0
/*
 * Ed25519 signatures, device ids, the hello transcript and device
 * certificates (Documentation/protocol.rst).
 */
#include <errno.h>
#include <string.h>
#include <openssl/err.h>

#include "ident.h"

int ident_pub(EVP_PKEY *k, uint8_t pub[IDENT_KEY_LEN])
{
	size_t len = IDENT_KEY_LEN;

	if (!k || EVP_PKEY_get_id(k) != EVP_PKEY_ED25519)
		return -EINVAL;
	if (EVP_PKEY_get_raw_public_key(k, pub, &len) != 1 ||
	    len != IDENT_KEY_LEN) {
		ERR_clear_error();
		return -EINVAL;
	}
	return 0;
}

int ident_sign(EVP_PKEY *k, const void *msg, size_t len,
	       uint8_t sig[IDENT_SIG_LEN])
{
	size_t siglen = IDENT_SIG_LEN;
	EVP_MD_CTX *ctx;
	int ret = -EIO;

	if (!k || EVP_PKEY_get_id(k) != EVP_PKEY_ED25519)
		return -EINVAL;
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	if (EVP_DigestSignInit(ctx, NULL, NULL, NULL, k) == 1 &&
	    EVP_DigestSign(ctx, sig, &siglen, msg, len) == 1 &&
	    siglen == IDENT_SIG_LEN)
		ret = 0;
	EVP_MD_CTX_free(ctx);
	if (ret)
		ERR_clear_error();
	return ret;
}

int ident_verify(const uint8_t pub[IDENT_KEY_LEN], const void *msg,
		 size_t len, const uint8_t sig[IDENT_SIG_LEN])
{
	EVP_MD_CTX *ctx = NULL;
	EVP_PKEY *k;
	int ret = -EBADMSG;

	k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub,
					IDENT_KEY_LEN);
	if (!k)
		goto out;
	ctx = EVP_MD_CTX_new();
	if (!ctx) {
		ret = -ENOMEM;
		goto out;
	}
	if (EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k) == 1 &&
	    EVP_DigestVerify(ctx, sig, IDENT_SIG_LEN, msg, len) == 1)
		ret = 0;
out:
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	ERR_clear_error();
	return ret;
}

void ident_device_id(const uint8_t pub[IDENT_KEY_LEN],
		     uint8_t id[IDENT_ID_LEN])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (EVP_Digest(pub, IDENT_KEY_LEN, md, &mdlen, EVP_sha256(),
		       NULL) != 1 || mdlen < IDENT_ID_LEN) {
		/*
		 * Only without a working SHA-256: no id is better than
		 * an uninitialised one.
		 */
		ERR_clear_error();
		memset(id, 0, IDENT_ID_LEN);
		return;
	}
	memcpy(id, md, IDENT_ID_LEN);
}

size_t ident_hello_transcript(uint8_t *out,
			      const uint8_t exporter[IDENT_EXPORTER_LEN],
			      uint64_t timestamp_ms,
			      const uint8_t dkey[IDENT_KEY_LEN],
			      const uint8_t *akey)
{
	size_t n = sizeof(IDENT_HELLO_LABEL) - 1;
	int i;

	memcpy(out, IDENT_HELLO_LABEL, n);
	memcpy(out + n, exporter, IDENT_EXPORTER_LEN);
	n += IDENT_EXPORTER_LEN;
	for (i = 7; i >= 0; i--)
		out[n++] = (uint8_t)(timestamp_ms >> (8 * i));
	memcpy(out + n, dkey, IDENT_KEY_LEN);
	n += IDENT_KEY_LEN;
	if (akey) {
		memcpy(out + n, akey, IDENT_KEY_LEN);
		n += IDENT_KEY_LEN;
	}
	return n;
}

/* "tern-device-v1" || dkey */
static size_t cert_msg(uint8_t *out, const uint8_t dkey[IDENT_KEY_LEN])
{
	size_t n = sizeof(IDENT_CERT_LABEL) - 1;

	memcpy(out, IDENT_CERT_LABEL, n);
	memcpy(out + n, dkey, IDENT_KEY_LEN);
	return n + IDENT_KEY_LEN;
}

int ident_device_cert(EVP_PKEY *account, const uint8_t dkey[IDENT_KEY_LEN],
		      uint8_t sig[IDENT_SIG_LEN])
{
	uint8_t msg[sizeof(IDENT_CERT_LABEL) - 1 + IDENT_KEY_LEN];

	return ident_sign(account, msg, cert_msg(msg, dkey), sig);
}

int ident_device_cert_verify(const uint8_t akey[IDENT_KEY_LEN],
			     const uint8_t dkey[IDENT_KEY_LEN],
			     const uint8_t sig[IDENT_SIG_LEN])
{
	uint8_t msg[sizeof(IDENT_CERT_LABEL) - 1 + IDENT_KEY_LEN];

	return ident_verify(akey, msg, cert_msg(msg, dkey), sig);
}
