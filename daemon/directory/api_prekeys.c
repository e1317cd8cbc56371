// SPDX-License-Identifier: GPL-2.0
/*
 * A device's own prekey upkeep (Documentation/directory.rst, "Calls"):
 * topping up one-time prekeys and replacing the signed prekey, signed by
 * the device's identity key, not the account key, so a device keeps
 * itself reachable without the account's primary. Neither is in the map:
 * prekeys are bound to the committed identity key by their signatures,
 * so no epoch is published.
 *
 * Replays add nothing: one-time prekey ids are never taken twice (an id
 * the device has is ignored), and a signed prekey must have a higher id
 * than the one it replaces.
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

void dird_api_add_prekeys(struct dird *d, struct evhttp_request *req,
			  const char *handle, const char *device_id,
			  const char *body, size_t len)
{
	static const char *const known[] = { "op", "handle", "device_id",
		"signed_prekey", "one_time_prekeys", NULL };
	struct dird_device *dev = calloc(ENTRY_MAX_DEVICES, sizeof(*dev));
	struct dird_otpk ot[DIRD_MAX_OTPK];
	const char *op, *h, *pid, *why;
	struct dird_device *dv = NULL;
	struct dird_envelope env;
	uint8_t id[ENTRY_ID_LEN];
	struct dird_prekey spk;
	unsigned int n, not, i, left, wait;
	const json_t *js;
	char err[256];
	int ret;

	memset(&env, 0, sizeof(env));
	if (!dev) {
		dird_error(req, 500, "internal", "out of memory");
		return;
	}
	why = handle_why(handle);
	if (why) {
		dird_error(req, 400, "bad-request", "the path's handle %s", why);
		goto out;
	}
	if (strlen(device_id) != 2 * ENTRY_ID_LEN ||
	    strspn(device_id, "0123456789abcdef") != 2 * ENTRY_ID_LEN ||
	    hex_decode(device_id, id, ENTRY_ID_LEN)) {
		dird_error(req, 400, "bad-request",
			   "the path's device id is not 32 lowercase hex digits");
		goto out;
	}
	if (dird_envelope_parse(body, len, &env, err, sizeof(err)) ||
	    dirjson_only(env.payload, "payload", known, err, sizeof(err)))
		goto bad;
	op = json_string_value(json_object_get(env.payload, "op"));
	h = json_string_value(json_object_get(env.payload, "handle"));
	pid = json_string_value(json_object_get(env.payload, "device_id"));
	if (!op || strcmp(op, "add-prekeys")) {
		snprintf(err, sizeof(err), "payload.op: want \"add-prekeys\"");
		goto bad;
	}
	if (!h || strcmp(h, handle) || !pid || strcmp(pid, device_id)) {
		snprintf(err, sizeof(err),
			 "payload.handle and payload.device_id: not those of the path");
		goto bad;
	}
	ret = dird_store_devices(d->store, handle, dev, &n);
	if (ret)
		goto failed;
	for (i = 0; i < n && !dv; i++)
		if (!memcmp(dev[i].e.id, id, ENTRY_ID_LEN))
			dv = &dev[i];
	if (!dv) {
		dird_error(req, 404, "not-found", "no such device");
		goto out;
	}
	if (dird_envelope_verify(&env, dv->e.identity_key)) {
		dird_error(req, 401, "bad-signature",
			   "the signature does not verify under the device's identity key");
		goto out;
	}
	js = json_object_get(env.payload, "signed_prekey");
	spk.set = false;
	if (js) {
		ret = dird_get_prekey(js, "payload.signed_prekey",
				      ENTRY_PREKEY_SIGNED, ENTRY_KEY_LEN,
				      dv->e.identity_key, &spk, err,
				      sizeof(err));
		if (ret == -EBADMSG) {
			dird_error(req, 401, "bad-signature", "%s", err);
			goto out;
		}
		if (ret)
			goto bad;
		if (spk.id <= dv->spk.id) {
			dird_error(req, 409, "stale-prekey",
				   "payload.signed_prekey.id is %u; the device's is %u already",
				   spk.id, dv->spk.id);
			goto out;
		}
	}
	if (dird_get_otpks(json_object_get(env.payload, "one_time_prekeys"),
			   "payload.one_time_prekeys", ot, &not, err,
			   sizeof(err)))
		goto bad;
	wait = dird_rate_change(d->rate, dird_source(req), handle);
	if (wait) {
		snprintf(err, sizeof(err), "%u", wait);
		evhttp_add_header(evhttp_request_get_output_headers(req),
				  "Retry-After", err);
		dird_error(req, 429, "rate-limited",
			   "too many changes from this source or to this account; retry in %u s",
			   wait);
		goto out;
	}
	ret = dird_store_begin(d->store);
	if (ret)
		goto failed;
	if (spk.set)
		ret = dird_store_spk_set(d->store, handle, id, &spk);
	for (i = 0; !ret && i < not; i++)
		ret = dird_store_otpk_add(d->store, handle, id, ot[i].id,
					  ot[i].key);
	if (!ret)
		ret = dird_store_otpk_count(d->store, handle, id, &left);
	ret = dird_store_end(d->store, ret);
	if (ret)
		goto failed;
	dird_reply(req, 200, json_pack("{s:s, s:s, s:I}", "handle", handle,
				       "device_id", device_id,
				       "one_time_prekeys", (json_int_t)left));
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
