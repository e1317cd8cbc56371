// SPDX-License-Identifier: GPL-2.0
/*
 * The calls that change an account (Documentation/directory.rst, "Calls"):
 * register, add-device, remove-device. Each is a signed envelope; each
 * success is one store transaction that also publishes the epoch in which
 * the change is visible, so the answer names an epoch lookups already see.
 *
 * Checks run cheapest first and state-free before state: the envelope's
 * shape, the payload's fields, the signature, the rate limit, then the
 * account's sequence number inside the transaction.
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

#define ERRLEN		256
#define INVITE_MAX	128

/* A store failure: nothing was changed. */
static void store_failed(struct dird *d, struct evhttp_request *req)
{
	dird_log(DIRD_ERR, "store: %s", dird_store_error(d->store));
	dird_error(req, 500, "internal", "the store failed; nothing changed");
}

static bool rate_ok(struct dird *d, struct evhttp_request *req,
		    const char *handle)
{
	unsigned int wait = dird_rate_change(d->rate, dird_source(req),
					     handle);
	char s[16];

	if (!wait)
		return true;
	snprintf(s, sizeof(s), "%u", wait);
	evhttp_add_header(evhttp_request_get_output_headers(req),
			  "Retry-After", s);
	dird_error(req, 429, "rate-limited",
		   "too many changes from this source or to this account; retry in %u s",
		   wait);
	return false;
}

/* payload.op is @op and payload.handle is a valid handle (@path's). */
static int payload_head(const json_t *p, const char *op, const char *path,
			const char **handle, char *err, size_t errlen)
{
	const char *o = json_string_value(json_object_get(p, "op"));
	const char *why;

	if (!o || strcmp(o, op)) {
		snprintf(err, errlen, "payload.op: %s, want \"%s\"",
			 o ? "another call's" : "missing or not a string", op);
		return -EINVAL;
	}
	*handle = json_string_value(json_object_get(p, "handle"));
	if (!*handle) {
		snprintf(err, errlen, "payload.handle: missing or not a string");
		return -EINVAL;
	}
	why = handle_why(*handle);
	if (why) {
		snprintf(err, errlen, "payload.handle: %s", why);
		return -EINVAL;
	}
	if (path && strcmp(*handle, path)) {
		snprintf(err, errlen,
			 "payload.handle: not the handle of the path");
		return -EINVAL;
	}
	return 0;
}

/* The entry as the store has it now (inside the change's transaction). */
static int entry_now(struct dird *d, const char *handle,
		     const struct dird_account *a, uint64_t seq,
		     struct dird_device *dev, struct entry *e)
{
	unsigned int n, i;
	int ret;

	ret = dird_store_devices(d->store, handle, dev, &n);
	if (ret)
		return ret;
	memset(e, 0, sizeof(*e));
	memcpy(e->account_key, a->account_key, ENTRY_KEY_LEN);
	e->seq = seq;
	e->ndev = n;
	for (i = 0; i < n; i++)
		e->dev[i] = dev[i].e;
	return 0;
}

/*
 * Ends a change: stores the account's new seq and commitment, publishes
 * the epoch, commits. Returns 0, or a negative errno after which nothing
 * changed (in the store or in memory).
 */
static int commit_change(struct dird *d, const char *handle,
			 const struct dird_account *a, uint64_t seq, int ret)
{
	struct dird_device *dev = NULL;
	struct dird_kt_change c;
	struct entry *e = NULL;
	bool published = false;

	if (ret)
		goto end;
	dev = calloc(ENTRY_MAX_DEVICES, sizeof(*dev));
	e = calloc(1, sizeof(*e));
	if (!dev || !e) {
		ret = -ENOMEM;
		goto end;
	}
	memset(&c, 0, sizeof(c));
	memcpy(c.key, a->vrf_out, KT_HASH_LEN);
	ret = entry_now(d, handle, a, seq, dev, e);
	if (!ret)
		ret = entry_commitment(e, c.value);
	if (!ret)
		ret = dird_store_account_set(d->store, handle, seq, c.value);
	if (!ret)
		ret = dird_kt_publish(d, &c, 1);
	published = !ret;
end:
	ret = dird_store_end(d->store, ret);
	if (ret && published)
		dird_kt_undo(d, &c, 1);
	free(dev);
	free(e);
	return ret;
}

static json_t *done(const char *handle, uint64_t seq, uint64_t epoch)
{
	return json_pack("{s:s, s:I, s:I}", "handle", handle,
			 "seq", (json_int_t)seq, "epoch", (json_int_t)epoch);
}

void dird_api_register(struct dird *d, struct evhttp_request *req,
		       const char *body, size_t len)
{
	static const char *const known[] = { "op", "handle", "account_key",
					      "invite", "email_code", NULL };
	const char *proof = d->conf.registration == DIRD_REG_EMAIL ?
			    "email_code" : "invite";
	struct dird_envelope env;
	struct dird_kt_change c;
	struct dird_account a;
	const char *handle, *invite;
	char err[ERRLEN];
	struct entry *e;
	int ret;

	if (dird_envelope_parse(body, len, &env, err, sizeof(err)))
		return dird_error(req, 400, "bad-request", "%s", err);
	memset(&a, 0, sizeof(a));
	if (dirjson_only(env.payload, "payload", known, err, sizeof(err)) ||
	    payload_head(env.payload, "register", NULL, &handle, err,
			 sizeof(err)) ||
	    dirjson_get_bytes(env.payload, "payload", "account_key",
			      a.account_key, ENTRY_KEY_LEN, err, sizeof(err)))
		goto bad;
	invite = json_string_value(json_object_get(env.payload, proof));
	if (!invite || !*invite || strlen(invite) > INVITE_MAX ||
	    json_object_get(env.payload, proof[0] == 'i' ? "email_code" :
			    "invite")) {
		snprintf(err, sizeof(err),
			 "payload.%s: missing, not a string, empty or longer than %d bytes (this directory registers by %s)",
			 proof, INVITE_MAX,
			 proof[0] == 'i' ? "invite" : "email");
		goto bad;
	}
	ret = dird_envelope_verify(&env, a.account_key);
	if (ret) {
		dird_error(req, ret == -EINVAL ? 400 : 401,
			   ret == -EINVAL ? "bad-request" : "bad-signature",
			   ret == -EINVAL ?
			   "payload.account_key: not an Ed25519 public key" :
			   "the signature does not verify under payload.account_key");
		goto out;
	}
	if (!rate_ok(d, req, handle))
		goto out;

	ret = dird_store_account_get(d->store, handle, &a);
	if (!ret) {
		/* Known: the same key is answered again, another refused. */
		uint8_t key[ENTRY_KEY_LEN];

		dirjson_get_bytes(env.payload, "payload", "account_key", key,
				  ENTRY_KEY_LEN, err, sizeof(err));
		if (memcmp(key, a.account_key, ENTRY_KEY_LEN))
			dird_error(req, 409, "handle-taken",
				   "the handle belongs to another account key");
		else
			dird_reply(req, 200, done(handle, a.seq,
						  d->kt.head.size - 1));
		goto out;
	}
	if (ret != -ENOENT) {
		store_failed(d, req);
		goto out;
	}
	a.vrf_pilen = sizeof(a.vrf_pi);
	ret = kt_vrf_prove(d->vrf_key, handle, strlen(handle), a.vrf_pi,
			   &a.vrf_pilen);
	if (!ret)
		ret = kt_vrf_proof_to_hash(a.vrf_pi, a.vrf_pilen, a.vrf_out);
	if (ret) {
		dird_error(req, 500, "internal", "the VRF failed");
		goto out;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		dird_error(req, 500, "internal", "out of memory");
		goto out;
	}
	memcpy(e->account_key, a.account_key, ENTRY_KEY_LEN);
	memset(&c, 0, sizeof(c));
	memcpy(c.key, a.vrf_out, KT_HASH_LEN);
	ret = entry_commitment(e, c.value);
	free(e);

	if (!ret)
		ret = dird_store_begin(d->store);
	if (ret) {
		store_failed(d, req);
		goto out;
	}
	if (d->email)
		ret = dird_email_check(d, handle, invite);
	else
		ret = dird_store_invite_use(d->store, invite);
	if (ret == -ENOENT) {
		dird_store_end(d->store, ret);
		if (d->email)
			dird_error(req, 403, "bad-code",
				   "payload.email_code: not the code sent for this handle, expired, or tried too often");
		else
			dird_error(req, 403, "bad-invite",
				   "payload.invite: no such invite, or it was used");
		goto out;
	}
	if (!ret)
		ret = dird_store_account_add(d->store, handle, &a);
	if (!ret) {
		ret = dird_kt_publish(d, &c, 1);
		if (!ret) {
			ret = dird_store_end(d->store, 0);
			if (ret)
				dird_kt_undo(d, &c, 1);
		} else {
			dird_store_end(d->store, ret);
		}
	} else {
		dird_store_end(d->store, ret);
	}
	if (ret)
		store_failed(d, req);
	else
		dird_reply(req, 201, done(handle, 0, d->kt.head.size - 1));
	goto out;
bad:
	dird_error(req, 400, "bad-request", "%s", err);
out:
	dird_envelope_free(&env);
}

/*
 * payload.device: fills @dv and @ot (*@not of them). -EINVAL (400) or
 * -EBADMSG (401) with @err naming the field.
 */
static int get_device(const json_t *o, struct dird_device *dv,
		      struct dird_otpk *ot, unsigned int *not, char *err,
		      size_t errlen)
{
	static const char *const known[] = {
		"identity_key", "identity_x25519", "x25519_signature",
		"push_token", "signed_prekey", "last_resort_prekey",
		"kem_prekey", "one_time_prekeys", NULL };
	const char *p = "payload.device";
	const json_t *kem;
	int ret;

	memset(dv, 0, sizeof(*dv));
	if (!o) {
		snprintf(err, errlen, "%s: missing", p);
		return -EINVAL;
	}
	if (dirjson_only(o, p, known, err, errlen) ||
	    dirjson_get_bytes(o, p, "identity_key", dv->e.identity_key,
			      ENTRY_KEY_LEN, err, errlen) ||
	    dirjson_get_bytes(o, p, "identity_x25519", dv->e.identity_x25519,
			      ENTRY_KEY_LEN, err, errlen) ||
	    dirjson_get_bytes(o, p, "x25519_signature", dv->e.x25519_sig,
			      ENTRY_SIG_LEN, err, errlen) ||
	    dirjson_get_bytes(o, p, "push_token", dv->e.push_token,
			      ENTRY_TOKEN_LEN, err, errlen))
		return -EINVAL;
	ret = entry_verify(dv->e.identity_key, ENTRY_LABEL_X25519,
			   dv->e.identity_x25519, ENTRY_KEY_LEN,
			   dv->e.x25519_sig);
	if (ret == -EINVAL) {
		snprintf(err, errlen,
			 "%s.identity_key: not an Ed25519 public key", p);
		return -EINVAL;
	}
	if (ret) {
		snprintf(err, errlen,
			 "%s.x25519_signature: does not verify under device.identity_key",
			 p);
		return -EBADMSG;
	}
	if (entry_device_id(dv->e.identity_key, dv->e.id))
		return -EINVAL;
	ret = dird_get_prekey(json_object_get(o, "signed_prekey"),
			 "payload.device.signed_prekey", ENTRY_PREKEY_SIGNED,
			 ENTRY_KEY_LEN, dv->e.identity_key, &dv->spk, err,
			 errlen);
	if (!ret)
		ret = dird_get_prekey(json_object_get(o, "last_resort_prekey"),
				 "payload.device.last_resort_prekey",
				 ENTRY_PREKEY_LAST_RESORT, ENTRY_KEY_LEN,
				 dv->e.identity_key, &dv->lr, err, errlen);
	kem = json_object_get(o, "kem_prekey");
	if (!ret && kem && !json_is_null(kem))
		ret = dird_get_prekey(kem, "payload.device.kem_prekey",
				 ENTRY_PREKEY_KEM, 0, dv->e.identity_key,
				 &dv->kem, err, errlen);
	if (ret)
		return ret;
	return dird_get_otpks(json_object_get(o, "one_time_prekeys"),
			      "payload.device.one_time_prekeys", ot, not, err,
			      errlen);
}

/*
 * What add-device and remove-device share: the envelope, op, handle and
 * seq, the account, the signature. 0 with @env and @a filled, or the
 * answer was sent.
 */
static int signed_change(struct dird *d, struct evhttp_request *req,
			 const char *path_handle, const char *op,
			 const char *const known[], const char *body,
			 size_t len, struct dird_envelope *env,
			 struct dird_account *a, uint64_t *seq)
{
	const char *handle, *why;
	char err[ERRLEN];
	int ret;

	why = handle_why(path_handle);
	if (why) {
		dird_error(req, 400, "bad-request", "the path's handle %s", why);
		return -EINVAL;
	}
	if (dird_envelope_parse(body, len, env, err, sizeof(err))) {
		dird_error(req, 400, "bad-request", "%s", err);
		return -EINVAL;
	}
	if (dirjson_only(env->payload, "payload", known, err, sizeof(err)) ||
	    payload_head(env->payload, op, path_handle, &handle, err,
			 sizeof(err)) ||
	    dirjson_get_u64(env->payload, "payload", "seq", seq, err,
			    sizeof(err))) {
		dird_error(req, 400, "bad-request", "%s", err);
		return -EINVAL;
	}
	ret = dird_store_account_get(d->store, handle, a);
	if (ret == -ENOENT) {
		dird_error(req, 404, "not-found", "no account has this handle");
		return ret;
	}
	if (ret) {
		store_failed(d, req);
		return ret;
	}
	if (dird_envelope_verify(env, a->account_key)) {
		dird_error(req, 401, "bad-signature",
			   "the signature does not verify under the account key");
		return -EBADMSG;
	}
	if (!rate_ok(d, req, handle))
		return -EAGAIN;
	if (*seq != a->seq + 1) {
		dird_error(req, 409, "stale-seq",
			   "payload.seq is %llu; the account's next is %llu",
			   (unsigned long long)*seq,
			   (unsigned long long)(a->seq + 1));
		return -ESTALE;
	}
	return 0;
}

void dird_api_add_device(struct dird *d, struct evhttp_request *req,
			 const char *handle, const char *body, size_t len)
{
	static const char *const known[] = { "op", "handle", "seq", "device",
					      NULL };
	struct dird_device *dev = NULL, dv;
	struct dird_otpk ot[DIRD_MAX_OTPK];
	struct dird_envelope env;
	struct dird_account a;
	unsigned int not, n, i;
	char err[ERRLEN], id[HEX_LEN(ENTRY_ID_LEN)];
	bool known_dev = false;
	uint64_t seq;
	json_t *r;
	int ret;

	memset(&env, 0, sizeof(env));
	if (signed_change(d, req, handle, "add-device", known, body, len,
			  &env, &a, &seq))
		goto out;
	ret = get_device(json_object_get(env.payload, "device"), &dv, ot,
			 &not, err, sizeof(err));
	if (ret) {
		dird_error(req, ret == -EBADMSG ? 401 : 400,
			   ret == -EBADMSG ? "bad-signature" : "bad-request",
			   "%s", err);
		goto out;
	}
	dev = calloc(ENTRY_MAX_DEVICES, sizeof(*dev));
	if (!dev || dird_store_begin(d->store)) {
		store_failed(d, req);
		goto out;
	}
	ret = dird_store_devices(d->store, handle, dev, &n);
	for (i = 0; !ret && i < n; i++)
		known_dev |= !memcmp(dev[i].e.id, dv.e.id, ENTRY_ID_LEN);
	if (!ret && !known_dev && n == ENTRY_MAX_DEVICES) {
		dird_store_end(d->store, -ENOSPC);
		dird_error(req, 409, "too-many-devices",
			   "the account has %d devices, the most it may",
			   ENTRY_MAX_DEVICES);
		goto out;
	}
	if (!ret)
		ret = dird_store_device_put(d->store, handle, &dv);
	for (i = 0; !ret && i < not; i++)
		ret = dird_store_otpk_add(d->store, handle, dv.e.id, ot[i].id,
					  ot[i].key);
	ret = commit_change(d, handle, &a, seq, ret);
	if (ret) {
		store_failed(d, req);
		goto out;
	}
	hex_encode(dv.e.id, ENTRY_ID_LEN, id);
	r = done(handle, seq, d->kt.head.size - 1);
	json_object_set_new(r, "device_id", json_string(id));
	dird_reply(req, 200, r);
out:
	free(dev);
	dird_envelope_free(&env);
}

/* 32 lowercase hex digits. */
static int device_id_parse(const char *s, uint8_t id[ENTRY_ID_LEN])
{
	size_t i;

	if (strlen(s) != 2 * ENTRY_ID_LEN)
		return -EINVAL;
	for (i = 0; s[i]; i++) {
		if (s[i] >= 'A' && s[i] <= 'F')
			return -EINVAL;
	}
	return hex_decode(s, id, ENTRY_ID_LEN);
}

void dird_api_remove_device(struct dird *d, struct evhttp_request *req,
			    const char *handle, const char *device_id,
			    const char *body, size_t len)
{
	static const char *const known[] = { "op", "handle", "seq",
					      "device_id", NULL };
	struct dird_envelope env;
	struct dird_account a;
	uint8_t id[ENTRY_ID_LEN];
	const char *pid;
	uint64_t seq;
	int ret;

	memset(&env, 0, sizeof(env));
	if (device_id_parse(device_id, id)) {
		dird_error(req, 400, "bad-request",
			   "the path's device id is not 32 lowercase hex digits");
		return;
	}
	if (signed_change(d, req, handle, "remove-device", known, body, len,
			  &env, &a, &seq))
		goto out;
	pid = json_string_value(json_object_get(env.payload, "device_id"));
	if (!pid || strcmp(pid, device_id)) {
		dird_error(req, 400, "bad-request",
			   "payload.device_id: %s",
			   pid ? "not the device id of the path" :
			   "missing or not a string");
		goto out;
	}
	if (dird_store_begin(d->store)) {
		store_failed(d, req);
		goto out;
	}
	ret = dird_store_device_del(d->store, handle, id);
	if (ret == -ENOENT) {
		dird_store_end(d->store, ret);
		dird_error(req, 404, "not-found",
			   "the account has no such device");
		goto out;
	}
	ret = commit_change(d, handle, &a, seq, ret);
	if (ret) {
		store_failed(d, req);
		goto out;
	}
	dird_reply(req, 200, done(handle, seq, d->kt.head.size - 1));
out:
	dird_envelope_free(&env);
}

int dird_put_device(struct dird *d, const char *handle,
		    const struct dird_device *dv)
{
	struct dird_account a;
	int ret;

	ret = dird_store_account_get(d->store, handle, &a);
	if (ret)
		return ret;
	ret = dird_store_begin(d->store);
	if (ret)
		return ret;
	ret = dird_store_device_put(d->store, handle, dv);
	return commit_change(d, handle, &a, a.seq + 1, ret);
}

/*
 * The message the new key signs in a rotation, after its label: the
 * handle, a NUL, and the sequence number the rotation carries (u64 BE),
 * so the proof of possession cannot be replayed for another handle or a
 * later rotation.
 */
static size_t rotate_msg(const char *handle, uint64_t seq, uint8_t *out)
{
	size_t n = strlen(handle) + 1;
	int i;

	memcpy(out, handle, n);
	for (i = 7; i >= 0; i--)
		out[n++] = seq >> (8 * i);
	return n;
}

void dird_api_rotate(struct dird *d, struct evhttp_request *req,
		     const char *handle, const char *body, size_t len)
{
	static const char *const known[] = { "op", "handle", "seq",
		"new_account_key", "new_key_signature", NULL };
	uint8_t key[ENTRY_KEY_LEN], sig[ENTRY_SIG_LEN];
	uint8_t msg[HANDLE_MAX + 1 + 8];
	struct dird_envelope env;
	struct dird_account a;
	char err[ERRLEN];
	uint64_t seq;
	int ret;

	memset(&env, 0, sizeof(env));
	if (signed_change(d, req, handle, "rotate", known, body, len, &env,
			  &a, &seq))
		goto out;
	if (dirjson_get_bytes(env.payload, "payload", "new_account_key", key,
			      ENTRY_KEY_LEN, err, sizeof(err)) ||
	    dirjson_get_bytes(env.payload, "payload", "new_key_signature",
			      sig, ENTRY_SIG_LEN, err, sizeof(err))) {
		dird_error(req, 400, "bad-request", "%s", err);
		goto out;
	}
	ret = entry_verify(key, ENTRY_LABEL_ROTATE, msg,
			   rotate_msg(handle, seq, msg), sig);
	if (ret) {
		dird_error(req, ret == -EINVAL ? 400 : 401,
			   ret == -EINVAL ? "bad-request" : "bad-signature",
			   ret == -EINVAL ?
			   "payload.new_account_key: not an Ed25519 public key" :
			   "payload.new_key_signature: does not verify under payload.new_account_key");
		goto out;
	}
	ret = dird_store_begin(d->store);
	if (ret) {
		store_failed(d, req);
		goto out;
	}
	ret = dird_store_account_key(d->store, handle, key);
	memcpy(a.account_key, key, ENTRY_KEY_LEN);
	ret = commit_change(d, handle, &a, seq, ret);
	if (ret) {
		store_failed(d, req);
		goto out;
	}
	dird_reply(req, 200, done(handle, seq, d->kt.head.size - 1));
out:
	dird_envelope_free(&env);
}
