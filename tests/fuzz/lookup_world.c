// SPDX-License-Identifier: GPL-2.0
/*
 * A small, fixed directory (lookup_world.h) for the lookup fuzzer and its
 * seeds: an Ed25519 head key and Ed25519 device keys from fixed seeds, an
 * embedded RSA VRF key, and six epochs of registrations. Everything in it
 * is deterministic (Ed25519 and RSA-FDH-VRF are), so two programs that
 * build it get the same heads and proofs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "dirjson.h"
#include "entry.h"
#include "kt_log.h"
#include "kt_vrf.h"
#include "lookup_world.h"

#define T0	1700000000000ULL
#define KEM_LEN	1568

/* For fuzzing only (openssl genpkey -algorithm RSA, 2048 bits). */
static const char vrf_pem[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCpXUBVm0vcDvQx\n"
	"JU3IipgTeI5ni1XycXrKPkGLu+YpxCx7UWyqtrn9ptkHGcR7dD6QrbjC+jDCz2uz\n"
	"krOOjpUijXKQRRYxOhWrakJ0tMaWKxGLVicG5wK3/oF/DxFijO56qy28XWPRswBQ\n"
	"Edqu6dETbxCIbcCb6NlK/MjMiDX3pCawy5X4fRt5wafaOiaDfqTwJpAUmFMKZDWu\n"
	"aB3Z4P8k8e+QKL27wb/QgowB5WfZuHzGiMUagSi16/63Yu4u7WGW+X27cXXLxPT9\n"
	"6Iibl9/nA2A3VuF118OJ97CcLdbE7cYSC/Yl4vjVzNZvyWeTffSgDoXmXAoEXc7O\n"
	"qFBUeO0hAgMBAAECggEAMXF4USWboVw6PMi7qwKPAAwvYpoiVrt7UeSX5Q/PUz0i\n"
	"kUPFmhbrOFpHvJNwsWvPwhP9PuqkZpMASbXXtpP4hNRPcD/DCU8AOYE1cnW+DeP3\n"
	"5LobfZ/eQtHJg0rmU+N50ZT8rqOC+xqrSjTUJ0E6WNaROIr18m4pVYNzqYZQXwFy\n"
	"xKh6zgc6BMyCDPwQIrnZws5mNVRfgH35bOOXHz/OSxggZfomC3TtrhQRtzL9taSJ\n"
	"AHkVXQj92vGtHoM8auGo/LarzwWiq1bKJ1z8TpomWtFVpYhwB1VZsDKv8OlxrNeC\n"
	"S5gpoRUW9TFYoGV9MSbGsXdW+DlfcmW42CWFcGIruwKBgQDckza3WGAdW9kyw4Yd\n"
	"xGjYBKh5apDiDSPbkG+Ij9llQSHiiYwJ4frHrpIrNDpCXtk+yive1PQvyrBbEaR/\n"
	"+k7xxhD3DVdGeYglcvpxqojivIeHap9Bju4jTSogTmdjXJ+VbgL1VOaEO+oT1QSI\n"
	"H4w8znPBi072gI4W25rhwozqgwKBgQDEkIrZJWUNUQwmyySMUYbfGgpr9E1sR/so\n"
	"EdJJ03XhsLiHPaNmLRxM/1xak/MUnLpRKpxrFyLXNu6YHiK+fHhwMvbZd/PhhzDg\n"
	"Id9Gd7FERQqRsQMYhb72WlruolWBg2KFB4aHNlU2sWr0aOYaEgikBO5lLGwuf95d\n"
	"6G/bVyCIiwKBgFLxeK3RKbNgingwVgpzhQlWFxQxInIehtFVqtsrXJBawacyGdrN\n"
	"g0P7PTPJ2+6BRCf8Virg4UHnchGMvNLzCSSZWl/MQHlb0fpjFhIQEpFQW5ZsXZ6F\n"
	"ZL8ZkTG8ydvvRIMobyxZ1KT88rSqcZ3OXymuaJDrFbJT/RpTUhZ61gqJAoGAeIFs\n"
	"vidQxlMzsezEYUnx94DNdtV1SbbvYOdcFmqPUGe5GSBOtmtdeE7tXZJqae6TwwLu\n"
	"ljC+6VYB/DwtbL5+T7rO3w/M8iyhaCcb7OWgRYxWKG9uyG/mXL2UFcxrw1S653dv\n"
	"oCFNKJSoT2Kn/r+jkHp9dIVBZVh7CPNg8AWAKnUCgYEAwy1keVauQXOLPlQIfLM+\n"
	"HUGW2VNrGReX+5y/8sF5XuslrIbxhyZL81qo2/s5yg6vYqI5OEacb+s0ytgGWw6v\n"
	"Ns94ulIv+znqw7TykIEKtlGfYIS0M9ZfeBCENhAT4/Bak3NVjrTegICvY/l5XktS\n"
	"+csL7TrefHgEML/9N0Z5Fsg=\n"
	"-----END PRIVATE KEY-----\n";

static EVP_PKEY *ed_key(uint8_t seed)
{
	uint8_t sk[32];

	memset(sk, seed, sizeof(sk));
	return EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, sk, 32);
}

static EVP_PKEY *public_half(EVP_PKEY *k)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	EVP_PKEY *pub;
	int len = i2d_PUBKEY(k, &der);

	if (len <= 0)
		return NULL;
	p = der;
	pub = d2i_PUBKEY(NULL, &p, len);
	OPENSSL_free(der);
	return pub;
}

static int map_key(struct world *w, const char *handle, uint8_t *pi,
		   size_t *pilen, uint8_t key[KT_HASH_LEN])
{
	*pilen = KT_VRF_MAX_PROOF;
	if (kt_vrf_prove(w->vrf_key, handle, strlen(handle), pi, pilen))
		return -1;
	return kt_vrf_proof_to_hash(pi, *pilen, key) ? -1 : 0;
}

static int sign_prekey(EVP_PKEY *k, enum entry_prekey_kind kind,
		       struct lookup_prekey *pk)
{
	uint8_t msg[5 + ENTRY_KEM_MAX];
	int n = entry_prekey_msg(kind, pk->id, pk->key, pk->klen, msg,
				 sizeof(msg));

	pk->set = true;
	return n < 0 ? -1 : entry_sign(k, ENTRY_LABEL_PREKEY, msg, (size_t)n,
				       pk->sig);
}

/* An account of @ndev devices (keys from @seed) into the map. */
static int add(struct world *w, const char *handle, struct world_acct *a,
	       unsigned int ndev, uint8_t seed, uint8_t value[KT_HASH_LEN])
{
	uint8_t pi[KT_VRF_MAX_PROOF], key[KT_HASH_LEN], v[KT_HASH_LEN];
	struct entry_device *d;
	EVP_PKEY *k = NULL;
	unsigned int i;
	size_t pilen, len;

	memset(a, 0, sizeof(*a));
	memset(a->e.account_key, seed, ENTRY_KEY_LEN);
	a->e.seq = ndev;
	a->e.ndev = ndev;
	for (i = 0; i < ndev; i++) {
		d = &a->e.dev[i];
		k = ed_key((uint8_t)(seed + 1 + i));
		len = ENTRY_KEY_LEN;
		if (!k || !EVP_PKEY_get_raw_public_key(k, d->identity_key,
						       &len) ||
		    entry_device_id(d->identity_key, d->id))
			goto fail;
		memset(d->identity_x25519, seed ^ (0x20 + i), ENTRY_KEY_LEN);
		memset(d->push_token, seed ^ (0x40 + i), ENTRY_TOKEN_LEN);
		if (entry_sign(k, ENTRY_LABEL_X25519, d->identity_x25519,
			       ENTRY_KEY_LEN, d->x25519_sig))
			goto fail;
		a->spk[i].id = 100 + i;
		a->spk[i].klen = ENTRY_KEY_LEN;
		memset(a->spk[i].key, seed ^ (0x60 + i), ENTRY_KEY_LEN);
		if (sign_prekey(k, ENTRY_PREKEY_SIGNED, &a->spk[i]))
			goto fail;
		if (i == 1) {
			a->kem[i].id = 200 + i;
			a->kem[i].klen = KEM_LEN;
			memset(a->kem[i].key, seed ^ 0x77, KEM_LEN);
			if (sign_prekey(k, ENTRY_PREKEY_KEM, &a->kem[i]))
				goto fail;
		}
		EVP_PKEY_free(k);
		k = NULL;
	}
	if (map_key(w, handle, pi, &pilen, key) ||
	    entry_commitment(&a->e, value ? value : v))
		goto fail;
	return kt_map_set(w->map, key, value ? value : v);
fail:
	EVP_PKEY_free(k);
	return -1;
}

static int publish(struct world *w, uint64_t *size)
{
	uint8_t leaf[KT_EPOCH_LEAF_LEN];
	struct kt_sth *h;

	kt_map_root(w->map, w->roots[*size]);
	kt_epoch_leaf(*size, w->roots[*size], leaf);
	if (kt_log_append(w->log, leaf, sizeof(leaf)))
		return -1;
	++*size;
	h = &w->heads[*size];
	h->size = *size;
	h->timestamp_ms = T0 + (*size - 1) * 1000;
	if (kt_log_root(w->log, *size, h->root) ||
	    kt_sth_sign(h, w->head_key))
		return -1;
	w->now_ms = h->timestamp_ms + 500;
	return 0;
}

/* The first unregistered handle whose proof ends in @end. */
static int nobody(struct world *w, enum kt_map_end end, char *out)
{
	uint8_t pi[KT_VRF_MAX_PROOF], key[KT_HASH_LEN];
	struct kt_map_proof *p = malloc(sizeof(*p));
	unsigned int i;
	size_t pilen;
	int ret = -1;

	for (i = 0; p && i < 64; i++) {
		snprintf(out, 32, "nobody%u@example.org", i);
		if (map_key(w, out, pi, &pilen, key) ||
		    kt_map_prove(w->map, key, p))
			break;
		if (p->end == end) {
			ret = 0;
			break;
		}
	}
	free(p);
	return ret;
}

int world_build(struct world *w)
{
	struct world_acct filler;
	char name[32];
	uint64_t size = 0;
	unsigned int i;
	BIO *bio;

	memset(w, 0, sizeof(*w));
	bio = BIO_new_mem_buf(vrf_pem, -1);
	if (bio)
		w->vrf_key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	w->head_key = ed_key(0xd1);
	w->map = kt_map_new();
	w->log = kt_log_new();
	if (!w->vrf_key || !w->head_key || !w->map || !w->log)
		return -1;
	w->pins.head_key = public_half(w->head_key);
	w->pins.vrf_key = public_half(w->vrf_key);
	w->pins.max_age_ms = 600000;
	if (!w->pins.head_key || !w->pins.vrf_key)
		return -1;

	snprintf(w->handle[WORLD_ALICE], 32, "alice@example.org");
	snprintf(w->handle[WORLD_CAROL], 32, "carol@example.org");
	w->present[WORLD_ALICE] = true;
	w->present[WORLD_CAROL] = true;
	/* Epochs: u0-u2; alice; carol; u3, u4; u5; u6. */
	for (i = 0; i < 7; i++) {
		snprintf(name, sizeof(name), "u%u@example.org", i);
		if (add(w, name, &filler, 1, (uint8_t)(0x10 + 8 * i), NULL))
			return -1;
		if ((i == 2 || i >= 4) && publish(w, &size))
			return -1;
		if (i == 2 &&
		    (add(w, w->handle[WORLD_ALICE], &w->acct[WORLD_ALICE], 2,
			 0x30, w->value[WORLD_ALICE]) || publish(w, &size) ||
		     add(w, w->handle[WORLD_CAROL], &w->acct[WORLD_CAROL], 0,
			 0x40, w->value[WORLD_CAROL]) || publish(w, &size)))
			return -1;
	}
	if (size != WORLD_EPOCHS)
		return -1;
	if (nobody(w, KT_MAP_ABSENT_EMPTY, w->handle[WORLD_NOBODY_EMPTY]) ||
	    nobody(w, KT_MAP_ABSENT_OTHER, w->handle[WORLD_NOBODY_OTHER]))
		return -1;
	return 0;
}

void world_free(struct world *w)
{
	EVP_PKEY_free(w->head_key);
	EVP_PKEY_free(w->vrf_key);
	EVP_PKEY_free(w->pins.head_key);
	EVP_PKEY_free(w->pins.vrf_key);
	kt_map_free(w->map);
	kt_log_free(w->log);
	memset(w, 0, sizeof(*w));
}

static json_t *prekey(const struct lookup_prekey *pk)
{
	if (!pk->set)
		return json_null();
	return json_pack("{s:I,s:o,s:o}", "id", (json_int_t)pk->id,
			 "key", dirjson_bytes(pk->key, pk->klen),
			 "signature", dirjson_bytes(pk->sig, ENTRY_SIG_LEN));
}

static json_t *account(const struct world_acct *a)
{
	const struct entry_device *d;
	json_t *devs = json_array();
	unsigned int i;

	for (i = 0; devs && i < a->e.ndev; i++) {
		d = &a->e.dev[i];
		json_array_append_new(devs, json_pack(
			"{s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
			"device_id", dirjson_device_id(d->id),
			"identity_key", dirjson_bytes(d->identity_key, 32),
			"identity_x25519", dirjson_bytes(d->identity_x25519,
							 32),
			"x25519_signature", dirjson_bytes(d->x25519_sig, 64),
			"push_token", dirjson_bytes(d->push_token, 16),
			"signed_prekey", prekey(&a->spk[i]),
			"kem_prekey", prekey(&a->kem[i])));
	}
	return json_pack("{s:o,s:I,s:o}",
			 "account_key", dirjson_bytes(a->e.account_key, 32),
			 "seq", (json_int_t)a->e.seq, "devices", devs);
}

char *world_answer(struct world *w, unsigned int h, uint64_t since)
{
	uint8_t path[KT_LOG_MAX_PROOF][KT_HASH_LEN], pi[KT_VRF_MAX_PROOF];
	uint8_t key[KT_HASH_LEN];
	struct kt_map_proof *mp = malloc(sizeof(*mp));
	json_t *proof = NULL, *ans = NULL;
	size_t n, pilen;
	char *text = NULL;

	if (!mp || h >= WORLD_HANDLES ||
	    map_key(w, w->handle[h], pi, &pilen, key) ||
	    kt_map_prove(w->map, key, mp) ||
	    kt_log_prove_inclusion(w->log, WORLD_EPOCHS - 1, WORLD_EPOCHS,
				   path, &n))
		goto out;
	proof = json_pack("{s:o,s:I,s:o,s:o,s:o,s:o}",
			  "head", dirjson_head(&w->heads[WORLD_EPOCHS]),
			  "epoch", (json_int_t)(WORLD_EPOCHS - 1),
			  "map_root", dirjson_bytes(w->roots[WORLD_EPOCHS - 1],
						    KT_HASH_LEN),
			  "inclusion", dirjson_hashes((const uint8_t (*)
						       [KT_HASH_LEN])path, n),
			  "vrf", dirjson_bytes(pi, pilen),
			  "map", dirjson_map_proof(mp));
	if (!proof)
		goto out;
	if (since) {
		if (kt_log_prove_consistency(w->log, since, WORLD_EPOCHS, path,
					     &n))
			goto out;
		json_object_set_new(proof, "consistency",
				    dirjson_hashes((const uint8_t (*)
						    [KT_HASH_LEN])path, n));
	}
	if (w->present[h])
		ans = json_pack("{s:s,s:b,s:o,s:O}", "handle", w->handle[h],
				"present", 1, "account", account(&w->acct[h]),
				"proof", proof);
	else
		ans = json_pack("{s:s,s:b,s:O}", "handle", w->handle[h],
				"present", 0, "proof", proof);
	if (ans)
		text = json_dumps(ans, JSON_COMPACT);
out:
	json_decref(ans);
	json_decref(proof);
	free(mp);
	return text;
}
