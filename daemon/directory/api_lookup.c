// SPDX-License-Identifier: GPL-2.0
/*
 * The calls that read (Documentation/directory.rst, "Calls"): lookup with
 * its proofs, the latest head, consistency proofs and the public keys.
 *
 * A lookup writes nothing and logs nothing: the store is only read, the
 * proofs come from memory, and the rate limiter keeps short-lived
 * counters in memory (rate.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/keyvalq_struct.h>
#include <openssl/x509.h>

#include "dird.h"
#include "dirjson.h"
#include "handle.h"
#include "hex.h"
#include "store.h"

/* A decimal u64 query parameter: 0 found, 1 absent, -EINVAL malformed. */
static int query_u64(struct evhttp_request *req, const char *name,
		     uint64_t *v)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *q = uri ? evhttp_uri_get_query(uri) : NULL;
	struct evkeyvalq kv;
	const char *s;
	int ret = 1;

	TAILQ_INIT(&kv);
	if (!q)
		return 1;
	if (evhttp_parse_query_str(q, &kv))
		return -EINVAL;
	s = evhttp_find_header(&kv, name);
	if (s) {
		char *end;

		ret = -EINVAL;
		if (*s >= '0' && *s <= '9' && strlen(s) <= 20) {
			errno = 0;
			*v = strtoull(s, &end, 10);
			if (!*end && !errno)
				ret = 0;
		}
	}
	evhttp_clear_headers(&kv);
	return ret;
}

static json_t *prekey_json(const struct dird_prekey *p)
{
	if (!p->set)
		return json_null();
	return json_pack("{s:I, s:o, s:o}", "id", (json_int_t)p->id,
			 "key", dirjson_bytes(p->key, p->klen),
			 "signature", dirjson_bytes(p->sig, ENTRY_SIG_LEN));
}

static json_t *account_json(const struct dird_account *a,
			    const struct dird_device *dev, unsigned int n)
{
	json_t *devs = json_array();
	char id[HEX_LEN(ENTRY_ID_LEN)];
	unsigned int i;

	for (i = 0; devs && i < n; i++) {
		const struct entry_device *e = &dev[i].e;

		hex_encode(e->id, ENTRY_ID_LEN, id);
		if (json_array_append_new(devs, json_pack(
			"{s:s, s:o, s:o, s:o, s:o, s:o, s:o}",
			"device_id", id,
			"identity_key", dirjson_bytes(e->identity_key,
						      ENTRY_KEY_LEN),
			"identity_x25519", dirjson_bytes(e->identity_x25519,
							 ENTRY_KEY_LEN),
			"x25519_signature", dirjson_bytes(e->x25519_sig,
							  ENTRY_SIG_LEN),
			"push_token", dirjson_bytes(e->push_token,
						    ENTRY_TOKEN_LEN),
			"signed_prekey", prekey_json(&dev[i].spk),
			"kem_prekey", prekey_json(&dev[i].kem)))) {
			json_decref(devs);
			return NULL;
		}
	}
	return json_pack("{s:o, s:I, s:o}",
			 "account_key", dirjson_bytes(a->account_key,
						      ENTRY_KEY_LEN),
			 "seq", (json_int_t)a->seq, "devices", devs);
}

/*
 * The proof object: the head, the epoch and its map root, the inclusion
 * of the epoch, a consistency proof from @since when given, the VRF proof
 * and the map proof for @key.
 */
static json_t *proof_json(const struct dird_kt *kt, const uint8_t *pi,
			  size_t pilen, const uint8_t key[KT_HASH_LEN],
			  uint64_t since)
{
	uint8_t (*path)[KT_HASH_LEN] = NULL, root[KT_HASH_LEN];
	uint64_t size = kt->head.size, epoch = size - 1;
	struct kt_map_proof *mp = NULL;
	json_t *o = NULL;
	size_t n;

	path = calloc(KT_LOG_MAX_PROOF, KT_HASH_LEN);
	mp = malloc(sizeof(*mp));
	if (!path || !mp)
		goto out;
	kt_map_root(kt->map, root);
	if (kt_map_prove(kt->map, key, mp) ||
	    kt_log_prove_inclusion(kt->log, epoch, size, path, &n))
		goto out;
	o = json_pack("{s:o, s:I, s:o, s:o, s:o, s:o}",
		      "head", dirjson_head(&kt->head),
		      "epoch", (json_int_t)epoch,
		      "map_root", dirjson_bytes(root, KT_HASH_LEN),
		      "inclusion", dirjson_hashes(path, n),
		      "vrf", dirjson_bytes(pi, pilen),
		      "map", dirjson_map_proof(mp));
	if (o && since && since <= size) {
		if (kt_log_prove_consistency(kt->log, since, size, path, &n) ||
		    json_object_set_new(o, "consistency",
					dirjson_hashes(path, n))) {
			json_decref(o);
			o = NULL;
		}
	}
out:
	free(path);
	free(mp);
	return o;
}

static bool lookup_allowed(struct dird *d, struct evhttp_request *req,
			   const char *handle)
{
	bool enumeration = false;
	unsigned int wait = dird_rate_lookup(d->rate, dird_source(req),
					     handle, &enumeration);
	char s[16];

	if (!wait)
		return true;
	snprintf(s, sizeof(s), "%u", wait);
	evhttp_add_header(evhttp_request_get_output_headers(req),
			  "Retry-After", s);
	if (enumeration)
		dird_error(req, 429, "no-enumeration",
			   "too many different handles looked up from this source; retry in %u s",
			   wait);
	else
		dird_error(req, 429, "rate-limited",
			   "too many lookups from this source; retry in %u s",
			   wait);
	return false;
}

void dird_api_lookup(struct dird *d, struct evhttp_request *req,
		     const char *handle)
{
	const struct dird_kt *kt = dird_view(d, req);
	struct dird_device *dev = NULL;
	struct dird_account a;
	json_t *r = NULL, *acc = NULL, *proof;
	const char *why = handle_why(handle);
	uint64_t since = 0;
	unsigned int n = 0;
	bool present;
	int ret;

	if (why)
		return dird_error(req, 400, "bad-request", "the handle %s",
				  why);
	ret = query_u64(req, "since", &since);
	if (ret < 0 || (!ret && !since))
		return dird_error(req, 400, "bad-request",
				  "since: not a head size (a number from 1)");
	if (!lookup_allowed(d, req, handle))
		return;
	ret = dird_store_account_get(d->store, handle, &a);
	if (ret && ret != -ENOENT)
		goto fail;
	present = !ret;
	if (present) {
		dev = calloc(ENTRY_MAX_DEVICES, sizeof(*dev));
		if (!dev)
			goto fail;
		ret = dird_store_devices(d->store, handle, dev, &n);
		if (ret)
			goto fail;
		dird_misbehave_entry(d, req, handle, dev, &n, &a.seq);
		acc = account_json(&a, dev, n);
		if (!acc)
			goto fail;
	} else {
		/* Never stored: the proof of absence is made each time. */
		a.vrf_pilen = sizeof(a.vrf_pi);
		if (kt_vrf_prove(d->vrf_key, handle, strlen(handle), a.vrf_pi,
				 &a.vrf_pilen) ||
		    kt_vrf_proof_to_hash(a.vrf_pi, a.vrf_pilen, a.vrf_out))
			goto fail;
	}
	proof = proof_json(kt, a.vrf_pi, a.vrf_pilen, a.vrf_out, since);
	r = json_pack("{s:s, s:b, s:o}", "handle", handle, "present", present,
		      "proof", proof);
	if (!r || (acc && json_object_set(r, "account", acc)))
		goto fail;
	json_decref(acc);
	free(dev);
	return dird_reply(req, 200, r);
fail:
	json_decref(acc);
	json_decref(r);
	free(dev);
	dird_error(req, 500, "internal", "the lookup failed");
}

void dird_api_head(struct dird *d, struct evhttp_request *req)
{
	dird_reply(req, 200, dirjson_head(&dird_view(d, req)->head));
}

void dird_api_consistency(struct dird *d, struct evhttp_request *req)
{
	const struct dird_kt *kt = dird_view(d, req);
	uint8_t (*path)[KT_HASH_LEN];
	uint64_t from, to;
	size_t n;
	json_t *r;

	if (query_u64(req, "from", &from) || query_u64(req, "to", &to))
		return dird_error(req, 400, "bad-request",
				  "from and to: head sizes, both needed");
	if (!from || from > to || to > kt->head.size)
		return dird_error(req, 400, "bad-request",
				  "from and to: 1 <= from <= to <= %llu, the latest head's size",
				  (unsigned long long)kt->head.size);
	path = calloc(KT_LOG_MAX_PROOF, KT_HASH_LEN);
	if (!path || kt_log_prove_consistency(kt->log, from, to, path, &n)) {
		free(path);
		return dird_error(req, 500, "internal",
				  "the consistency proof failed");
	}
	r = json_pack("{s:I, s:I, s:o}", "from", (json_int_t)from,
		      "to", (json_int_t)to, "proof", dirjson_hashes(path, n));
	free(path);
	dird_reply(req, 200, r);
}

void dird_api_keys(struct dird *d, struct evhttp_request *req)
{
	uint8_t pub[ENTRY_KEY_LEN], *der = NULL;
	size_t len = sizeof(pub);
	int dlen;
	json_t *r;

	dlen = i2d_PUBKEY(d->vrf_key, &der);
	if (dlen <= 0 ||
	    !EVP_PKEY_get_raw_public_key(d->head_key, pub, &len)) {
		OPENSSL_free(der);
		return dird_error(req, 500, "internal", "cannot encode keys");
	}
	r = json_pack("{s:o, s:o}", "head_key", dirjson_bytes(pub, len),
		      "vrf_key", dirjson_bytes(der, dlen));
	OPENSSL_free(der);
	dird_reply(req, 200, r);
}
