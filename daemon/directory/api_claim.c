// SPDX-License-Identifier: GPL-2.0
/*
 * Claiming prekeys (Documentation/directory.rst, "Calls"): a sender about
 * to start sessions with a handle's devices takes one one-time prekey of
 * each, or its last-resort prekey when none is left.
 *
 * A prekey is never given twice: the take is one DELETE ... RETURNING in
 * the claim's transaction, and the daemon has one thread. Claims are
 * signed by a registered device of the claimer, so they can be limited
 * per claimer and per target (no one drains a person's prekeys); who
 * claimed whose keys is kept nowhere but in those short-lived counters.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dird.h"
#include "dirjson.h"
#include "handle.h"
#include "hex.h"
#include "store.h"

#define CLAIM_SKEW_MS	(5 * 60 * 1000)

/* The claimer's device, by handle and id: its identity key. */
static int claimer_key(struct dird *d, const char *handle,
		       const uint8_t id[ENTRY_ID_LEN],
		       uint8_t key[ENTRY_KEY_LEN], struct dird_device *dev)
{
	unsigned int n, i;
	int ret = dird_store_devices(d->store, handle, dev, &n);

	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		if (!memcmp(dev[i].e.id, id, ENTRY_ID_LEN)) {
			memcpy(key, dev[i].e.identity_key, ENTRY_KEY_LEN);
			return 0;
		}
	}
	return -ENOENT;
}

static json_t *prekey_json(const struct dird_prekey *p)
{
	return json_pack("{s:I, s:o, s:o}", "id", (json_int_t)p->id,
			 "key", dirjson_bytes(p->key, p->klen),
			 "signature", dirjson_bytes(p->sig, ENTRY_SIG_LEN));
}

/* Takes a prekey of each of @handle's devices, inside a transaction. */
static json_t *take_all(struct dird *d, const char *handle,
			struct dird_device *dev, int *ret)
{
	char id[HEX_LEN(ENTRY_ID_LEN)];
	uint8_t key[ENTRY_KEY_LEN];
	json_t *devs = json_array(), *o, *ot;
	unsigned int n, i;
	uint32_t kid;

	*ret = devs ? dird_store_devices(d->store, handle, dev, &n) : -ENOMEM;
	for (i = 0; !*ret && i < n; i++) {
		*ret = dird_store_otpk_take(d->store, handle, dev[i].e.id, &kid,
					    key);
		if (*ret == -ENOENT) {
			ot = json_null();
			*ret = 0;
		} else if (!*ret) {
			ot = json_pack("{s:I, s:o}", "id", (json_int_t)kid,
				       "key", dirjson_bytes(key,
							    ENTRY_KEY_LEN));
		} else {
			break;
		}
		hex_encode(dev[i].e.id, ENTRY_ID_LEN, id);
		o = json_pack("{s:s, s:o, s:o}", "device_id", id,
			      "one_time_prekey", ot,
			      "last_resort_prekey", prekey_json(&dev[i].lr));
		if (!o || json_array_append_new(devs, o))
			*ret = -ENOMEM;
	}
	if (*ret) {
		json_decref(devs);
		return NULL;
	}
	return devs;
}

void dird_api_claim(struct dird *d, struct evhttp_request *req,
		    const char *body, size_t len)
{
	static const char *const known[] = { "op", "handle", "claimer",
		"claimer_device", "timestamp_ms", NULL };
	struct dird_device *dev = calloc(ENTRY_MAX_DEVICES, sizeof(*dev));
	const char *op, *target, *claimer, *cdev, *why;
	uint8_t cid[ENTRY_ID_LEN], ckey[ENTRY_KEY_LEN];
	struct dird_envelope env;
	struct dird_account a;
	uint64_t ts, now = dird_now_ms();
	char err[256], s[16];
	unsigned int wait;
	json_t *devs;
	int ret;

	memset(&env, 0, sizeof(env));
	if (!dev) {
		dird_error(req, 500, "internal", "out of memory");
		return;
	}
	if (dird_envelope_parse(body, len, &env, err, sizeof(err)) ||
	    dirjson_only(env.payload, "payload", known, err, sizeof(err)) ||
	    dirjson_get_u64(env.payload, "payload", "timestamp_ms", &ts, err,
			    sizeof(err)))
		goto bad;
	op = json_string_value(json_object_get(env.payload, "op"));
	target = json_string_value(json_object_get(env.payload, "handle"));
	claimer = json_string_value(json_object_get(env.payload, "claimer"));
	cdev = json_string_value(json_object_get(env.payload,
						 "claimer_device"));
	if (!op || strcmp(op, "claim")) {
		snprintf(err, sizeof(err), "payload.op: want \"claim\"");
		goto bad;
	}
	if (!target || (why = handle_why(target))) {
		snprintf(err, sizeof(err), "payload.handle: %s",
			 target ? why : "missing or not a string");
		goto bad;
	}
	if (!claimer || (why = handle_why(claimer))) {
		snprintf(err, sizeof(err), "payload.claimer: %s",
			 claimer ? why : "missing or not a string");
		goto bad;
	}
	if (!cdev || strlen(cdev) != 2 * ENTRY_ID_LEN ||
	    hex_decode(cdev, cid, ENTRY_ID_LEN)) {
		snprintf(err, sizeof(err),
			 "payload.claimer_device: not 32 hex digits");
		goto bad;
	}
	if (ts + CLAIM_SKEW_MS < now || ts > now + CLAIM_SKEW_MS) {
		snprintf(err, sizeof(err),
			 "payload.timestamp_ms: more than 5 minutes from the directory's clock");
		goto bad;
	}
	ret = claimer_key(d, claimer, cid, ckey, dev);
	if (ret == -ENOENT) {
		dird_error(req, 401, "bad-signature",
			   "payload.claimer_device is not a device of payload.claimer");
		goto out;
	}
	if (ret)
		goto failed;
	if (dird_envelope_verify(&env, ckey)) {
		dird_error(req, 401, "bad-signature",
			   "the signature does not verify under the claimer device's identity key");
		goto out;
	}
	wait = dird_rate_claim(d->rate, claimer, target);
	if (wait) {
		snprintf(s, sizeof(s), "%u", wait);
		evhttp_add_header(evhttp_request_get_output_headers(req),
				  "Retry-After", s);
		dird_error(req, 429, "rate-limited",
			   "too many claims by this claimer or of this handle; retry in %u s",
			   wait);
		goto out;
	}
	ret = dird_store_account_get(d->store, target, &a);
	if (ret == -ENOENT) {
		dird_error(req, 404, "not-found", "no account has this handle");
		goto out;
	}
	if (ret || dird_store_begin(d->store))
		goto failed;
	devs = take_all(d, target, dev, &ret);
	ret = dird_store_end(d->store, ret);
	if (ret) {
		json_decref(devs);
		goto failed;
	}
	dird_reply(req, 200, json_pack("{s:s, s:o}", "handle", target,
				       "devices", devs));
	goto out;
bad:
	dird_error(req, 400, "bad-request", "%s", err);
	goto out;
failed:
	dird_log(DIRD_ERR, "store: %s", dird_store_error(d->store));
	dird_error(req, 500, "internal", "the store failed; nothing changed");
out:
	dird_envelope_free(&env);
	free(dev);
}
