// SPDX-License-Identifier: GPL-2.0
/*
 * A client's check of a lookup answer (lookup.h): the JSON of
 * Documentation/directory.rst, "GET /v1/lookup/{handle}", decoded
 * strictly, then checked against the pinned keys in the order of its
 * "Checking a lookup" section. Nothing in the answer is believed, and
 * nothing reaches @res, until every check has passed. Input is untrusted;
 * tests/fuzz/lookup_fuzz.c fuzzes it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "b64.h"
#include "dirjson.h"
#include "entry.h"
#include "handle.h"
#include "kt_log.h"
#include "kt_map.h"
#include "kt_vrf.h"
#include "lookup.h"

/*
 * A head's timestamp may be ahead of the client's clock by this much (the
 * two clocks differ); further ahead, it is refused as stale, see
 * check_age().
 */
#define LOOKUP_FUTURE_MS	(5 * 60 * 1000ULL)

/* Room for the path of a device (account.devices[i]) and of its fields. */
#define DEV_LEN		48
#define NAME_LEN	96

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* The answer, decoded; checked, r becomes the caller's result. */
struct answer {
	char handle[HANDLE_MAX + 1];
	struct lookup_result r;
	uint8_t incl[KT_LOG_MAX_PROOF][KT_HASH_LEN];
	size_t nincl;
	uint8_t cons[KT_LOG_MAX_PROOF][KT_HASH_LEN];
	size_t ncons;
	bool has_cons;
	uint8_t vrf[KT_VRF_MAX_PROOF];
	size_t vrflen;
	struct kt_map_proof map;
};

static enum lookup_verdict say(char *err, size_t errlen,
			       enum lookup_verdict v, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static enum lookup_verdict say(char *err, size_t errlen,
			       enum lookup_verdict v, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return v;
}

/* -EINVAL with @err saying "@name: @msg". */
static int bad(char *err, size_t errlen, const char *name, const char *msg)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", name, msg);
	return -EINVAL;
}

/* @s as printable ASCII, at most @len - 1 bytes of it, into @buf. */
static const char *printable(const char *s, char *buf, size_t len)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < len; i++)
		buf[i] = s[i] >= ' ' && s[i] <= '~' ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

static void hex(const uint8_t *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

/* --- decoding ------------------------------------------------------- */

/* 1 to @max bytes of base64 from field @key of @o. */
static int get_var_bytes(const json_t *o, const char *path, const char *key,
			 uint8_t *out, size_t max, size_t *n, char *err,
			 size_t errlen)
{
	const json_t *v = json_object_get(o, key);
	char name[2 * NAME_LEN];
	const char *why;

	snprintf(name, sizeof(name), "%s.%s", path, key);
	if (!v)
		return bad(err, errlen, name, "missing");
	if (!json_is_string(v))
		return bad(err, errlen, name, "not a string");
	if (strlen(json_string_value(v)) != json_string_length(v))
		return bad(err, errlen, name, "not base64");
	why = b64_decode(json_string_value(v), out, max, n);
	if (why && !strcmp(why, "too long")) {
		if (err && errlen)
			snprintf(err, errlen, "%s: more than %zu bytes", name,
				 max);
		return -EINVAL;
	}
	if (why)
		return bad(err, errlen, name, why);
	if (!*n)
		return bad(err, errlen, name, "empty");
	return 0;
}

/* {"id", "key", "signature"}; a KEM key is 1 to ENTRY_KEM_MAX bytes. */
static int get_prekey(const json_t *o, const char *path, bool kem,
		      struct lookup_prekey *pk, char *err, size_t errlen)
{
	static const char *const known[] = { "id", "key", "signature", NULL };
	int ret;

	ret = dirjson_only(o, path, known, err, errlen);
	if (!ret)
		ret = dirjson_get_u32(o, path, "id", &pk->id, err, errlen);
	if (!ret && kem)
		ret = get_var_bytes(o, path, "key", pk->key, ENTRY_KEM_MAX,
				    &pk->klen, err, errlen);
	if (!ret && !kem) {
		pk->klen = ENTRY_KEY_LEN;
		ret = dirjson_get_bytes(o, path, "key", pk->key, ENTRY_KEY_LEN,
					err, errlen);
	}
	if (!ret)
		ret = dirjson_get_bytes(o, path, "signature", pk->sig,
					ENTRY_SIG_LEN, err, errlen);
	pk->set = !ret;
	return ret;
}

static int get_device(const json_t *o, const char *path,
		      struct entry_device *d, struct lookup_prekey *spk,
		      struct lookup_prekey *kem, char *err, size_t errlen)
{
	static const char *const known[] = {
		"device_id", "identity_key", "identity_x25519",
		"x25519_signature", "push_token", "signed_prekey",
		"kem_prekey", NULL
	};
	char name[NAME_LEN];
	const json_t *k;
	int ret;

	ret = dirjson_only(o, path, known, err, errlen);
	if (!ret)
		ret = dirjson_get_device_id(o, path, "device_id", d->id, err,
					    errlen);
	if (!ret)
		ret = dirjson_get_bytes(o, path, "identity_key",
					d->identity_key, ENTRY_KEY_LEN, err,
					errlen);
	if (!ret)
		ret = dirjson_get_bytes(o, path, "identity_x25519",
					d->identity_x25519, ENTRY_KEY_LEN, err,
					errlen);
	if (!ret)
		ret = dirjson_get_bytes(o, path, "x25519_signature",
					d->x25519_sig, ENTRY_SIG_LEN, err,
					errlen);
	if (!ret)
		ret = dirjson_get_bytes(o, path, "push_token", d->push_token,
					ENTRY_TOKEN_LEN, err, errlen);
	if (ret)
		return ret;
	snprintf(name, sizeof(name), "%s.signed_prekey", path);
	ret = get_prekey(json_object_get(o, "signed_prekey"), name, false,
			 spk, err, errlen);
	if (ret)
		return ret;
	/* Required, and null while there is no KEM prekey. */
	snprintf(name, sizeof(name), "%s.kem_prekey", path);
	k = json_object_get(o, "kem_prekey");
	if (json_is_null(k))
		return 0;
	return get_prekey(k, name, true, kem, err, errlen);
}

static int get_account(const json_t *o, struct lookup_result *r, char *err,
		       size_t errlen)
{
	static const char *const known[] = {
		"account_key", "seq", "devices", NULL
	};
	struct entry *e = &r->entry;
	const char *p = "account.devices";
	char name[DEV_LEN];
	const json_t *devs;
	size_t i, j, n;
	int ret;

	ret = dirjson_only(o, "account", known, err, errlen);
	if (!ret)
		ret = dirjson_get_bytes(o, "account", "account_key",
					e->account_key, ENTRY_KEY_LEN, err,
					errlen);
	if (!ret)
		ret = dirjson_get_u64(o, "account", "seq", &e->seq, err,
				      errlen);
	if (ret)
		return ret;
	devs = json_object_get(o, "devices");
	if (!devs)
		return bad(err, errlen, p, "missing");
	if (!json_is_array(devs))
		return bad(err, errlen, p, "not an array");
	n = json_array_size(devs);
	if (n > ENTRY_MAX_DEVICES) {
		if (err && errlen)
			snprintf(err, errlen, "%s: %zu devices, at most %d", p,
				 n, ENTRY_MAX_DEVICES);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s[%zu]", p, i);
		ret = get_device(json_array_get(devs, i), name, &e->dev[i],
				 &r->signed_prekey[i], &r->kem_prekey[i], err,
				 errlen);
		if (ret)
			return ret;
		for (j = 0; j < i; j++) {
			if (memcmp(e->dev[j].id, e->dev[i].id, ENTRY_ID_LEN))
				continue;
			if (err && errlen)
				snprintf(err, errlen,
					 "%s.device_id: the same as %s[%zu]'s",
					 name, p, j);
			return -EINVAL;
		}
	}
	e->ndev = (unsigned int)n;
	return 0;
}

static int get_proof(const json_t *o, struct answer *a, char *err,
		     size_t errlen)
{
	static const char *const known[] = {
		"head", "epoch", "map_root", "inclusion", "consistency",
		"vrf", "map", NULL
	};
	const json_t *c;
	int ret;

	ret = dirjson_only(o, "proof", known, err, errlen);
	if (!ret)
		ret = dirjson_get_head(json_object_get(o, "head"),
				       "proof.head", &a->r.head, err, errlen);
	if (!ret)
		ret = dirjson_get_u64(o, "proof", "epoch", &a->r.epoch, err,
				      errlen);
	if (!ret)
		ret = dirjson_get_bytes(o, "proof", "map_root", a->r.map_root,
					KT_HASH_LEN, err, errlen);
	if (!ret)
		ret = dirjson_get_hashes(json_object_get(o, "inclusion"),
					 "proof.inclusion", a->incl,
					 KT_LOG_MAX_PROOF, &a->nincl, err,
					 errlen);
	if (ret)
		return ret;
	/* Only with ?since=: check_seen() says when it must be there. */
	c = json_object_get(o, "consistency");
	if (c) {
		ret = dirjson_get_hashes(c, "proof.consistency", a->cons,
					 KT_LOG_MAX_PROOF, &a->ncons, err,
					 errlen);
		if (ret)
			return ret;
		a->has_cons = true;
	}
	ret = get_var_bytes(o, "proof", "vrf", a->vrf, sizeof(a->vrf),
			    &a->vrflen, err, errlen);
	if (!ret)
		ret = dirjson_get_map_proof(json_object_get(o, "map"),
					    "proof.map", &a->map, err, errlen);
	return ret;
}

static int get_answer(const json_t *root, struct answer *a, char *err,
		      size_t errlen)
{
	static const char *const known[] = {
		"handle", "present", "account", "proof", NULL
	};
	const json_t *h, *p, *acc;
	const char *why;
	int ret;

	ret = dirjson_only(root, "", known, err, errlen);
	if (ret)
		return ret;
	h = json_object_get(root, "handle");
	if (!h)
		return bad(err, errlen, "handle", "missing");
	if (!json_is_string(h))
		return bad(err, errlen, "handle", "not a string");
	why = handle_why(json_string_value(h));
	if (!why && strlen(json_string_value(h)) != json_string_length(h))
		why = "has a NUL byte";
	if (why)
		return bad(err, errlen, "handle", why);
	memcpy(a->handle, json_string_value(h), json_string_length(h) + 1);

	p = json_object_get(root, "present");
	if (!p)
		return bad(err, errlen, "present", "missing");
	if (!json_is_boolean(p))
		return bad(err, errlen, "present", "not true or false");
	a->r.present = json_is_true(p);

	acc = json_object_get(root, "account");
	if (a->r.present) {
		if (!acc)
			return bad(err, errlen, "account", "missing");
		ret = get_account(acc, &a->r, err, errlen);
		if (ret)
			return ret;
	} else if (acc) {
		return bad(err, errlen, "account",
			   "not allowed when present is false");
	}
	p = json_object_get(root, "proof");
	if (!p)
		return bad(err, errlen, "proof", "missing");
	return get_proof(p, a, err, errlen);
}

/* --- checking ------------------------------------------------------- */

/*
 * The head's age by the client's clock. A head whose timestamp is more
 * than LOOKUP_FUTURE_MS ahead of @now_ms is refused as stale too: the
 * directory did not sign it at the time it claims, and a head dated ahead
 * would otherwise stay "fresh" for longer than max_age_ms. With no limit
 * (max_age_ms 0), neither is checked.
 */
static enum lookup_verdict check_age(const struct kt_sth *h,
				     const struct lookup_pins *pins,
				     uint64_t now_ms, char *err,
				     size_t errlen)
{
	uint64_t ts = h->timestamp_ms;

	if (!pins->max_age_ms)
		return LOOKUP_OK;
	if (ts > now_ms && ts - now_ms > LOOKUP_FUTURE_MS)
		return say(err, errlen, LOOKUP_STALE_HEAD,
			   "head timestamp %llu is %llu ms in the future",
			   (unsigned long long)ts,
			   (unsigned long long)(ts - now_ms));
	if (now_ms > ts && now_ms - ts > pins->max_age_ms)
		return say(err, errlen, LOOKUP_STALE_HEAD,
			   "head is %llu ms old, more than the %llu ms allowed",
			   (unsigned long long)(now_ms - ts),
			   (unsigned long long)pins->max_age_ms);
	return LOOKUP_OK;
}

/*
 * Against the newest head seen before: a smaller log is a rollback; one
 * of the same size must have the same root, a larger one must extend it.
 * A seen head of size 0 is the empty log, which every log extends.
 */
static enum lookup_verdict check_seen(const struct answer *a,
				      const struct kt_sth *seen, char *err,
				      size_t errlen)
{
	const struct kt_sth *h = &a->r.head;
	unsigned long long old, now = h->size;

	if (!seen || !seen->size)
		return LOOKUP_OK;
	old = seen->size;
	if (old > now)
		return say(err, errlen, LOOKUP_ROLLBACK,
			   "head of size %llu is older than the head of size %llu seen before: a rollback",
			   now, old);
	if (old == now) {
		if (kt_hash_eq(seen->root, h->root))
			return LOOKUP_OK;
		return say(err, errlen, LOOKUP_FORK,
			   "head of size %llu has another root than the head of that size seen before: the log was forked",
			   now);
	}
	if (!a->has_cons)
		return say(err, errlen, LOOKUP_MALFORMED,
			   "proof.consistency: missing, and a head of size %llu was seen before (ask with ?since=%llu)",
			   old, old);
	if (kt_log_verify_consistency(old, now, seen->root, h->root, a->cons,
				      a->ncons))
		return say(err, errlen, LOOKUP_FORK,
			   "consistency proof from size %llu to %llu does not hold: the log was forked",
			   old, now);
	return LOOKUP_OK;
}

static enum lookup_verdict check_inclusion(const struct answer *a,
					   char *err, size_t errlen)
{
	const struct lookup_result *r = &a->r;
	uint8_t leaf[KT_EPOCH_LEAF_LEN], lh[KT_HASH_LEN];
	int ret;

	kt_epoch_leaf(r->epoch, r->map_root, leaf);
	ret = kt_log_leaf_hash(leaf, sizeof(leaf), lh);
	if (!ret)
		ret = kt_log_verify_inclusion(lh, r->epoch, r->head.size,
					      a->incl, a->nincl, r->head.root);
	if (ret == -ENOMEM || ret == -EIO)
		return say(err, errlen, LOOKUP_BAD_INCLUSION,
			   "cannot check the inclusion proof: %s",
			   strerror(-ret));
	if (ret)
		return say(err, errlen, LOOKUP_BAD_INCLUSION,
			   "inclusion proof of epoch %llu under the head of size %llu does not hold",
			   (unsigned long long)r->epoch,
			   (unsigned long long)r->head.size);
	return LOOKUP_OK;
}

static enum lookup_verdict check_map(const struct answer *a,
				     const uint8_t key[KT_HASH_LEN],
				     char *err, size_t errlen)
{
	const struct lookup_result *r = &a->r;
	uint8_t value[KT_HASH_LEN];
	int ret;

	if (r->present && a->map.end != KT_MAP_PRESENT)
		return say(err, errlen, LOOKUP_BAD_MAP,
			   "proof.map shows the handle absent, the answer says present");
	if (!r->present && a->map.end == KT_MAP_PRESENT)
		return say(err, errlen, LOOKUP_BAD_MAP,
			   "proof.map shows the handle present, the answer says absent");
	if (r->present) {
		ret = entry_commitment(&r->entry, value);
		if (ret)
			return say(err, errlen, LOOKUP_BAD_MAP,
				   "cannot compute the entry's commitment: %s",
				   strerror(-ret));
	}
	ret = kt_map_verify(r->map_root, key, r->present ? value : NULL,
			    &a->map);
	if (ret == -ENOMEM || ret == -EIO)
		return say(err, errlen, LOOKUP_BAD_MAP,
			   "cannot check the map proof: %s", strerror(-ret));
	if (ret)
		return say(err, errlen, LOOKUP_BAD_MAP,
			   "map proof of %s does not hold under map_root",
			   r->present ? "the entry" : "absence");
	return LOOKUP_OK;
}

/* One signature of device @i; @what names it. */
static enum lookup_verdict check_sig(const struct entry_device *d,
				     unsigned int i, const char *what,
				     const char *label, const void *msg,
				     size_t len, const uint8_t *sig,
				     char *err, size_t errlen)
{
	char id[2 * ENTRY_ID_LEN + 1];
	int ret;

	ret = entry_verify(d->identity_key, label, msg, len, sig);
	if (!ret)
		return LOOKUP_OK;
	hex(d->id, ENTRY_ID_LEN, id);
	if (ret == -EINVAL)
		return say(err, errlen, LOOKUP_BAD_DEVICE,
			   "account.devices[%u] (device %s): identity_key is not an Ed25519 public key",
			   i, id);
	if (ret != -EBADMSG)
		return say(err, errlen, LOOKUP_BAD_DEVICE,
			   "account.devices[%u] (device %s): cannot check %s: %s",
			   i, id, what, strerror(-ret));
	return say(err, errlen, LOOKUP_BAD_DEVICE,
		   "account.devices[%u] (device %s): %s does not verify under its identity_key",
		   i, id, what);
}

static enum lookup_verdict check_prekey(const struct entry_device *d,
					unsigned int i, const char *what,
					enum entry_prekey_kind kind,
					const struct lookup_prekey *pk,
					char *err, size_t errlen)
{
	uint8_t msg[5 + ENTRY_KEM_MAX];
	int len;

	len = entry_prekey_msg(kind, pk->id, pk->key, pk->klen, msg,
			       sizeof(msg));
	if (len < 0)
		return say(err, errlen, LOOKUP_BAD_DEVICE,
			   "account.devices[%u]: %s is too long", i, what);
	return check_sig(d, i, what, ENTRY_LABEL_PREKEY, msg, (size_t)len,
			 pk->sig, err, errlen);
}

/*
 * Each device: its id is its identity key's, and the identity key signs
 * its X25519 key and its prekeys.
 */
static enum lookup_verdict check_devices(const struct lookup_result *r,
					 char *err, size_t errlen)
{
	const struct entry_device *d;
	enum lookup_verdict v;
	uint8_t id[ENTRY_ID_LEN];
	char hexid[2 * ENTRY_ID_LEN + 1];
	unsigned int i;
	int ret;

	for (i = 0; i < r->entry.ndev; i++) {
		d = &r->entry.dev[i];
		ret = entry_device_id(d->identity_key, id);
		if (ret)
			return say(err, errlen, LOOKUP_BAD_DEVICE,
				   "account.devices[%u]: cannot hash its identity_key: %s",
				   i, strerror(-ret));
		if (memcmp(id, d->id, ENTRY_ID_LEN)) {
			hex(d->id, ENTRY_ID_LEN, hexid);
			return say(err, errlen, LOOKUP_BAD_DEVICE,
				   "account.devices[%u] (device %s): device_id is not its identity_key's",
				   i, hexid);
		}
		v = check_sig(d, i, "x25519_signature", ENTRY_LABEL_X25519,
			      d->identity_x25519, ENTRY_KEY_LEN, d->x25519_sig,
			      err, errlen);
		if (v)
			return v;
		v = check_prekey(d, i, "signed_prekey's signature",
				 ENTRY_PREKEY_SIGNED, &r->signed_prekey[i],
				 err, errlen);
		if (v)
			return v;
		if (!r->kem_prekey[i].set)
			continue;
		v = check_prekey(d, i, "kem_prekey's signature",
				 ENTRY_PREKEY_KEM, &r->kem_prekey[i], err,
				 errlen);
		if (v)
			return v;
	}
	return LOOKUP_OK;
}

/* The checks, in the order of "Checking a lookup". */
static enum lookup_verdict check(const struct answer *a, const char *handle,
				 const struct lookup_pins *pins,
				 const struct kt_sth *seen, uint64_t now_ms,
				 char *err, size_t errlen)
{
	const struct lookup_result *r = &a->r;
	uint8_t key[KT_HASH_LEN];
	char buf[NAME_LEN];
	enum lookup_verdict v;
	int ret;

	/* Before anything: is this the answer to the question asked? */
	if (strcmp(a->handle, handle))
		return say(err, errlen, LOOKUP_WRONG_HANDLE,
			   "answer is for '%s', not for '%s'", a->handle,
			   printable(handle, buf, sizeof(buf)));

	ret = kt_sth_verify(&r->head, pins->head_key);
	if (ret == -EINVAL)
		return say(err, errlen, LOOKUP_BAD_HEAD,
			   "the pinned head key is not an Ed25519 key");
	if (ret)
		return say(err, errlen, LOOKUP_BAD_HEAD,
			   "head signature does not verify under the pinned key");
	v = check_age(&r->head, pins, now_ms, err, errlen);
	if (!v)
		v = check_seen(a, seen, err, errlen);
	if (v)
		return v;

	if (!r->head.size || r->epoch != r->head.size - 1)
		return say(err, errlen, LOOKUP_NOT_CURRENT,
			   "epoch %llu is not the last leaf of the head of size %llu",
			   (unsigned long long)r->epoch,
			   (unsigned long long)r->head.size);
	v = check_inclusion(a, err, errlen);
	if (v)
		return v;

	ret = kt_vrf_verify(pins->vrf_key, handle, strlen(handle), a->vrf,
			    a->vrflen, key);
	if (ret == -EINVAL)
		return say(err, errlen, LOOKUP_BAD_VRF,
			   "the pinned VRF key is not one Tern accepts");
	if (ret)
		return say(err, errlen, LOOKUP_BAD_VRF,
			   "proof.vrf does not verify for '%s' under the pinned key",
			   a->handle);

	v = check_map(a, key, err, errlen);
	if (!v && r->present)
		v = check_devices(r, err, errlen);
	return v;
}

enum lookup_verdict lookup_verify(const char *json, size_t len,
				  const char *handle,
				  const struct lookup_pins *pins,
				  const struct kt_sth *seen, uint64_t now_ms,
				  struct lookup_result *res, char *err,
				  size_t errlen)
{
	enum lookup_verdict v;
	char text[JSON_ERROR_TEXT_LENGTH];
	struct answer *a;
	json_error_t jerr;
	json_t *root;

	if (err && errlen)
		err[0] = '\0';
	if (!handle)
		handle = "";
	root = json_loadb(json ? json : "", json ? len : 0,
			  JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return say(err, errlen, LOOKUP_MALFORMED,
			   "not JSON: %s (line %d, column %d)",
			   printable(jerr.text, text, sizeof(text)), jerr.line,
			   jerr.column);
	a = calloc(1, sizeof(*a));
	if (!a) {
		json_decref(root);
		return say(err, errlen, LOOKUP_MALFORMED,
			   "cannot decode the answer: out of memory");
	}
	if (get_answer(root, a, err, errlen))
		v = LOOKUP_MALFORMED;
	else
		v = check(a, handle, pins, seen, now_ms, err, errlen);
	if (!v && res)
		memcpy(res, &a->r, sizeof(*res));
	free(a);
	json_decref(root);
	return v;
}

const char *lookup_verdict_name(enum lookup_verdict v)
{
	static const char *const names[] = {
		[LOOKUP_OK] = "ok",
		[LOOKUP_MALFORMED] = "malformed",
		[LOOKUP_BAD_HEAD] = "bad-head",
		[LOOKUP_STALE_HEAD] = "stale-head",
		[LOOKUP_ROLLBACK] = "rollback",
		[LOOKUP_FORK] = "fork",
		[LOOKUP_NOT_CURRENT] = "not-current",
		[LOOKUP_BAD_INCLUSION] = "bad-inclusion",
		[LOOKUP_BAD_VRF] = "bad-vrf",
		[LOOKUP_BAD_MAP] = "bad-map",
		[LOOKUP_BAD_DEVICE] = "bad-device",
		[LOOKUP_WRONG_HANDLE] = "wrong-handle",
	};

	if ((unsigned int)v >= ARRAY_SIZE(names))
		return "unknown";
	return names[v];
}
