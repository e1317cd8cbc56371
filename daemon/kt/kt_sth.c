// SPDX-License-Identifier: GPL-2.0
/*
 * Epoch records and signed tree heads (kt_sth.h): fixed byte layouts and
 * Ed25519 through libcrypto's one-shot EVP_DigestSign/Verify.
 */
#include <errno.h>
#include <string.h>

#include "kt_sth.h"

static const char kt_epoch_tag[17] = "tern-kt epoch v1";	/* and NUL */
static const char kt_sth_tag[15] = "tern-kt sth v1";

static uint8_t *put_be64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--)
		*p++ = v >> (8 * i);
	return p;
}

void kt_epoch_leaf(uint64_t epoch, const uint8_t map_root[KT_HASH_LEN],
		   uint8_t out[KT_EPOCH_LEAF_LEN])
{
	uint8_t *p = out;

	memcpy(p, kt_epoch_tag, sizeof(kt_epoch_tag));
	p = put_be64(p + sizeof(kt_epoch_tag), epoch);
	memcpy(p, map_root, KT_HASH_LEN);
}

void kt_sth_tbs(const struct kt_sth *sth, uint8_t out[KT_STH_TBS_LEN])
{
	uint8_t *p = out;

	memcpy(p, kt_sth_tag, sizeof(kt_sth_tag));
	p = put_be64(p + sizeof(kt_sth_tag), sth->size);
	p = put_be64(p, sth->timestamp_ms);
	memcpy(p, sth->root, KT_HASH_LEN);
}

static int is_ed25519(EVP_PKEY *key)
{
	return key && EVP_PKEY_is_a(key, "ED25519");
}

int kt_sth_sign(struct kt_sth *sth, EVP_PKEY *key)
{
	uint8_t tbs[KT_STH_TBS_LEN];
	size_t len = KT_SIG_LEN;
	EVP_MD_CTX *ctx;
	int ok;

	if (!is_ed25519(key))
		return -EINVAL;
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	kt_sth_tbs(sth, tbs);
	ok = EVP_DigestSignInit_ex(ctx, NULL, NULL, NULL, NULL, key, NULL) &&
	     EVP_DigestSign(ctx, sth->sig, &len, tbs, sizeof(tbs)) &&
	     len == KT_SIG_LEN;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -EIO;
}

int kt_sth_verify(const struct kt_sth *sth, EVP_PKEY *key)
{
	uint8_t tbs[KT_STH_TBS_LEN];
	EVP_MD_CTX *ctx;
	int ok;

	if (!is_ed25519(key))
		return -EINVAL;
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	kt_sth_tbs(sth, tbs);
	ok = EVP_DigestVerifyInit_ex(ctx, NULL, NULL, NULL, NULL, key, NULL) &&
	     EVP_DigestVerify(ctx, sth->sig, KT_SIG_LEN, tbs, sizeof(tbs)) == 1;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -EBADMSG;
}
