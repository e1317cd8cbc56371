// SPDX-License-Identifier: GPL-2.0
/*
 * The device's X25519 keys for the directory (tdir.h): an identity key
 * (signed by the Ed25519 device key, since OpenSSL cannot convert one
 * into the other), a signed prekey rotated weekly, a last-resort prekey,
 * and one-time prekeys. Private keys live in the store (dstore.h) and are
 * committed before their public halves leave the device, so a key the
 * directory hands out always has its private half here. Sessions
 * (the messaging issue) will use and delete them; protecting them at
 * rest comes with that store.
 */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/crypto.h>

#include "dirjson.h"
#include "dstore.h"
#include "entry.h"
#include "tdir.h"
#include "ternd.h"

static int x25519_new(uint8_t priv[DSTORE_KEY_LEN],
		      uint8_t pub[DSTORE_KEY_LEN])
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	size_t pl = DSTORE_KEY_LEN, ql = DSTORE_KEY_LEN;
	int ret = 0;

	if (!k)
		return -ENOMEM;
	if (EVP_PKEY_get_raw_private_key(k, priv, &pl) != 1 ||
	    EVP_PKEY_get_raw_public_key(k, pub, &ql) != 1 ||
	    pl != DSTORE_KEY_LEN || ql != DSTORE_KEY_LEN)
		ret = -EIO;
	EVP_PKEY_free(k);
	return ret;
}

/* Make @n keys of @kind, from id @id on (the identity key: id 0), in
 * this iteration's batch, committed before this returns.
 */
static int make(struct ternd *td, enum dstore_key_kind kind, uint32_t id,
		unsigned int n)
{
	uint8_t priv[DSTORE_KEY_LEN], pub[DSTORE_KEY_LEN];
	uint64_t now = ev_wall_ms();
	unsigned int i;
	int ret;

	ret = td_batch(td);
	for (i = 0; !ret && i < n; i++) {
		ret = x25519_new(priv, pub);
		if (!ret)
			ret = dstore_key_put(td->ds, kind, id + i, priv, pub,
					     now);
		if (ret)
			td_batch_fail(td, ret);
	}
	OPENSSL_cleanse(priv, sizeof(priv));
	if (ret) {
		td_log(td, TD_ERR, "directory: cannot store new keys: %s",
		       ret == -ENOMEM ? "out of memory" :
		       dstore_error(td->ds));
		td_flush_now(td);
		return ret;
	}
	return td_flush_now(td);
}

static int make_next(struct ternd *td, enum dstore_key_kind kind,
		     unsigned int n)
{
	uint32_t id;
	int ret = dstore_key_next_id(td->ds, kind, &id);

	if (ret)
		return ret;
	if (UINT32_MAX - id < n)
		return -EOVERFLOW;
	return make(td, kind, id, n);
}

int prekeys_init(struct ternd *td)
{
	static const enum dstore_key_kind kinds[] = {
		DSTORE_KEY_IDENTITY, DSTORE_KEY_SIGNED, DSTORE_KEY_LAST_RESORT,
	};
	struct dkey k;
	unsigned int i;
	int ret;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		ret = dstore_key_latest(td->ds, kinds[i], &k);
		OPENSSL_cleanse(k.priv, sizeof(k.priv));
		if (ret == -ENOENT)
			ret = make(td, kinds[i],
				   kinds[i] == DSTORE_KEY_IDENTITY ? 0 : 1, 1);
		if (ret)
			return ret;
	}
	return 0;
}

int prekeys_make(struct ternd *td, unsigned int n)
{
	return n ? make_next(td, DSTORE_KEY_ONE_TIME, n) : 0;
}

int prekeys_rotate(struct ternd *td, uint64_t life_ms)
{
	struct dkey k;
	int ret = dstore_key_latest(td->ds, DSTORE_KEY_SIGNED, &k);

	OPENSSL_cleanse(k.priv, sizeof(k.priv));
	if (ret)
		return ret;
	if (!k.published || ev_wall_ms() - k.created_ms < life_ms)
		return 0;
	ret = make_next(td, DSTORE_KEY_SIGNED, 1);
	return ret ? ret : 1;
}

bool prekeys_unpublished(struct ternd *td)
{
	uint8_t pub[1][DSTORE_KEY_LEN];
	uint32_t id;

	return dstore_key_unpublished(td->ds, DSTORE_KEY_ONE_TIME, 1, &id,
				      pub) > 0;
}

int prekeys_identity_pub(struct ternd *td, uint8_t pub[32])
{
	struct dkey k;
	int ret = dstore_key_latest(td->ds, DSTORE_KEY_IDENTITY, &k);

	OPENSSL_cleanse(k.priv, sizeof(k.priv));
	if (!ret)
		memcpy(pub, k.pub, 32);
	return ret;
}

/* {"id", "key", "signature"}: signed by the device's identity key. */
static json_t *signed_json(struct ternd *td, enum dstore_key_kind kind,
			   uint32_t *id)
{
	uint8_t msg[5 + DSTORE_KEY_LEN], sig[ENTRY_SIG_LEN];
	struct dkey k;
	int n;

	if (dstore_key_latest(td->ds, kind, &k))
		return NULL;
	OPENSSL_cleanse(k.priv, sizeof(k.priv));
	n = entry_prekey_msg((enum entry_prekey_kind)kind, k.id, k.pub,
			     DSTORE_KEY_LEN, msg, sizeof(msg));
	if (n < 0 || entry_sign(td->dkey, ENTRY_LABEL_PREKEY, msg, n, sig))
		return NULL;
	if (id)
		*id = k.published ? 0 : k.id;
	return json_pack("{s:I, s:o, s:o}", "id", (json_int_t)k.id,
			 "key", dirjson_bytes(k.pub, DSTORE_KEY_LEN),
			 "signature", dirjson_bytes(sig, sizeof(sig)));
}

/* Up to TDIR_PREKEYS_BATCH unpublished one-time prekeys; *@upto the
 * highest id among them (0: none).
 */
static json_t *one_time_json(struct ternd *td, uint32_t *upto,
			     unsigned int *count)
{
	uint8_t (*pubs)[DSTORE_KEY_LEN] = calloc(TDIR_PREKEYS_BATCH,
						 DSTORE_KEY_LEN);
	uint32_t ids[TDIR_PREKEYS_BATCH];
	json_t *a = json_array();
	int i, n;

	*upto = 0;
	n = pubs && a ? dstore_key_unpublished(td->ds, DSTORE_KEY_ONE_TIME,
					       TDIR_PREKEYS_BATCH, ids, pubs) :
			-ENOMEM;
	for (i = 0; i < n; i++) {
		if (json_array_append_new(a, json_pack("{s:I, s:o}", "id",
						       (json_int_t)ids[i],
						       "key",
						       dirjson_bytes(pubs[i],
								     DSTORE_KEY_LEN))))
			n = -ENOMEM;
		else
			*upto = ids[i];
	}
	free(pubs);
	if (n < 0) {
		json_decref(a);
		return NULL;
	}
	if (count)
		*count = n;
	return a;
}

json_t *prekeys_device_json(struct ternd *td, const uint8_t *token,
			    uint32_t *spk_id, uint32_t *upto)
{
	uint8_t sig[ENTRY_SIG_LEN];
	struct dkey k;
	json_t *otp;

	if (dstore_key_latest(td->ds, DSTORE_KEY_IDENTITY, &k))
		return NULL;
	OPENSSL_cleanse(k.priv, sizeof(k.priv));
	if (entry_sign(td->dkey, ENTRY_LABEL_X25519, k.pub, DSTORE_KEY_LEN,
		       sig))
		return NULL;
	otp = one_time_json(td, upto, NULL);
	if (!otp)
		return NULL;
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:n, s:o}",
			 "identity_key", dirjson_bytes(td->dpub, 32),
			 "identity_x25519", dirjson_bytes(k.pub, 32),
			 "x25519_signature", dirjson_bytes(sig, sizeof(sig)),
			 "push_token", dirjson_bytes(token, ENTRY_TOKEN_LEN),
			 "signed_prekey",
			 signed_json(td, DSTORE_KEY_SIGNED, spk_id),
			 "last_resort_prekey",
			 signed_json(td, DSTORE_KEY_LAST_RESORT, NULL),
			 "kem_prekey", "one_time_prekeys", otp);
}

json_t *prekeys_upkeep_json(struct ternd *td, json_t *payload,
			    uint32_t *spk_id, uint32_t *upto,
			    unsigned int *count)
{
	json_t *spk = signed_json(td, DSTORE_KEY_SIGNED, spk_id);
	json_t *otp = one_time_json(td, upto, count);

	if (!spk || !otp)
		goto fail;
	if (*spk_id && json_object_set(payload, "signed_prekey", spk))
		goto fail;
	if (*upto && json_object_set(payload, "one_time_prekeys", otp))
		goto fail;
	json_decref(spk);
	json_decref(otp);
	return payload;
fail:
	json_decref(spk);
	json_decref(otp);
	return NULL;
}

int prekeys_published(struct ternd *td, uint32_t spk_id, uint32_t upto)
{
	int ret = td_batch(td);

	if (!ret && spk_id)
		ret = dstore_key_published(td->ds, DSTORE_KEY_SIGNED, spk_id);
	if (!ret && upto)
		ret = dstore_key_published(td->ds, DSTORE_KEY_ONE_TIME, upto);
	if (ret)
		td_batch_fail(td, ret);
	return td_flush_now(td);
}
