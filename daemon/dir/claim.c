// SPDX-License-Identifier: GPL-2.0
/*
 * A client's check of a claim answer (claim.h): the JSON of
 * Documentation/directory.rst, "POST /v1/claim", decoded strictly with
 * dirjson.h's getters, then checked against a verified lookup of the same
 * handle: the devices must be the entry's, and each last-resort prekey
 * signed by its device's identity key. Nothing reaches the caller's
 * result until every check has passed. Input is untrusted;
 * tests/fuzz/claim_fuzz.c fuzzes it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "claim.h"
#include "dirjson.h"
#include "entry.h"
#include "handle.h"

/* Room for the path of a device (devices[i]) and of its prekeys. */
#define DEV_LEN		16
#define NAME_LEN	48

/* The answer, decoded; checked, r becomes the caller's result. */
struct answer {
	char handle[HANDLE_MAX + 1];
	struct claim_result r;
	char id[ENTRY_MAX_DEVICES][2 * ENTRY_ID_LEN + 1];	/* as sent */
	uint8_t sig[ENTRY_MAX_DEVICES][ENTRY_SIG_LEN];	/* last resort's */
};

static int say(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int say(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

/*
 * Why jansson refused the input, in words of our own: its text quotes the
 * input, which may be anything.
 */
static const char *json_why(const json_error_t *jerr)
{
	switch (json_error_code(jerr)) {
	case json_error_premature_end_of_input:
		return "truncated";
	case json_error_end_of_input_expected:
		return "more after the end of the value";
	case json_error_invalid_utf8:
		return "not UTF-8";
	case json_error_null_character:
		return "a NUL character";
	case json_error_duplicate_key:
		return "a key twice in an object";
	case json_error_numeric_overflow:
		return "a number too large";
	case json_error_stack_overflow:
		return "nested too deeply";
	default:
		return "a syntax error";
	}
}

/* --- decoding ------------------------------------------------------- */

/* {"id", "key"} or null. */
static int get_one_time(const json_t *dev, const char *path,
			struct claim_device *d, char *err, size_t errlen)
{
	static const char *const known[] = { "id", "key", NULL };
	const json_t *o = json_object_get(dev, "one_time_prekey");
	char name[NAME_LEN];
	int ret;

	snprintf(name, sizeof(name), "%s.one_time_prekey", path);
	/* Required, and null when the device has none left. */
	if (json_is_null(o))
		return 0;
	ret = dirjson_only(o, name, known, err, errlen);
	if (!ret)
		ret = dirjson_get_u32(o, name, "id", &d->one_time_id, err,
				      errlen);
	if (!ret)
		ret = dirjson_get_bytes(o, name, "key", d->one_time,
					ENTRY_KEY_LEN, err, errlen);
	d->has_one_time = !ret;
	return ret;
}

/* {"id", "key", "signature"}. */
static int get_last_resort(const json_t *dev, const char *path,
			   struct claim_device *d, uint8_t sig[ENTRY_SIG_LEN],
			   char *err, size_t errlen)
{
	static const char *const known[] = { "id", "key", "signature", NULL };
	const json_t *o = json_object_get(dev, "last_resort_prekey");
	char name[NAME_LEN];
	int ret;

	snprintf(name, sizeof(name), "%s.last_resort_prekey", path);
	ret = dirjson_only(o, name, known, err, errlen);
	if (!ret)
		ret = dirjson_get_u32(o, name, "id", &d->last_resort_id, err,
				      errlen);
	if (!ret)
		ret = dirjson_get_bytes(o, name, "key", d->last_resort,
					ENTRY_KEY_LEN, err, errlen);
	if (!ret)
		ret = dirjson_get_bytes(o, name, "signature", sig,
					ENTRY_SIG_LEN, err, errlen);
	return ret;
}

static int get_device(const json_t *o, const char *path, struct answer *a,
		      unsigned int i, char *err, size_t errlen)
{
	static const char *const known[] = {
		"device_id", "one_time_prekey", "last_resort_prekey", NULL
	};
	struct claim_device *d = &a->r.dev[i];
	int ret;

	ret = dirjson_only(o, path, known, err, errlen);
	if (!ret)
		ret = dirjson_get_device_id(o, path, "device_id", d->device_id,
					    err, errlen);
	if (ret)
		return ret;
	/* 32 lowercase hex digits: fit for a message as they are. */
	memcpy(a->id[i], json_string_value(json_object_get(o, "device_id")),
	       sizeof(a->id[i]));
	ret = get_one_time(o, path, d, err, errlen);
	if (!ret)
		ret = get_last_resort(o, path, d, a->sig[i], err, errlen);
	return ret;
}

static int get_answer(const json_t *root, struct answer *a, char *err,
		      size_t errlen)
{
	static const char *const known[] = { "handle", "devices", NULL };
	const char *p = "devices";
	const json_t *h, *devs;
	char name[DEV_LEN];
	const char *why;
	size_t i, j, n;
	int ret;

	ret = dirjson_only(root, "", known, err, errlen);
	if (ret)
		return ret;
	h = json_object_get(root, "handle");
	if (!h)
		return say(err, errlen, -EINVAL, "handle: missing");
	if (!json_is_string(h))
		return say(err, errlen, -EINVAL, "handle: not a string");
	why = handle_why(json_string_value(h));
	if (!why && strlen(json_string_value(h)) != json_string_length(h))
		why = "has a NUL byte";
	if (why)
		return say(err, errlen, -EINVAL, "handle: %s", why);
	memcpy(a->handle, json_string_value(h), json_string_length(h) + 1);

	devs = json_object_get(root, p);
	if (!devs)
		return say(err, errlen, -EINVAL, "%s: missing", p);
	if (!json_is_array(devs))
		return say(err, errlen, -EINVAL, "%s: not an array", p);
	n = json_array_size(devs);
	if (n > ENTRY_MAX_DEVICES)
		return say(err, errlen, -EINVAL, "%s: %zu devices, at most %d",
			   p, n, ENTRY_MAX_DEVICES);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s[%zu]", p, i);
		ret = get_device(json_array_get(devs, i), name, a,
				 (unsigned int)i, err, errlen);
		if (ret)
			return ret;
		for (j = 0; j < i; j++) {
			if (!memcmp(a->r.dev[j].device_id,
				    a->r.dev[i].device_id, ENTRY_ID_LEN))
				return say(err, errlen, -EINVAL,
					   "%s.device_id: the same as %s[%zu]'s",
					   name, p, j);
		}
	}
	a->r.ndev = (unsigned int)n;
	return 0;
}

/* --- checking ------------------------------------------------------- */

/* The lookup's device with @id, or NULL. */
static const struct entry_device *find(const struct lookup_result *lr,
				       const uint8_t id[ENTRY_ID_LEN])
{
	unsigned int i;

	for (i = 0; i < lr->entry.ndev && i < ENTRY_MAX_DEVICES; i++) {
		if (!memcmp(lr->entry.dev[i].id, id, ENTRY_ID_LEN))
			return &lr->entry.dev[i];
	}
	return NULL;
}

/* Device @i of the answer is the lookup's, and signed its last resort. */
static int check_device(const struct answer *a, unsigned int i,
			const struct lookup_result *lr, char *err,
			size_t errlen)
{
	const struct claim_device *d = &a->r.dev[i];
	const struct entry_device *ed = find(lr, d->device_id);
	uint8_t msg[5 + ENTRY_KEY_LEN];
	int len, ret;

	if (!ed)
		return say(err, errlen, -EBADMSG,
			   "devices[%u] (device %s): not a device of the handle's verified entry",
			   i, a->id[i]);
	len = entry_prekey_msg(ENTRY_PREKEY_LAST_RESORT, d->last_resort_id,
			       d->last_resort, ENTRY_KEY_LEN, msg,
			       sizeof(msg));
	if (len < 0)
		return say(err, errlen, len,
			   "devices[%u] (device %s): cannot encode last_resort_prekey",
			   i, a->id[i]);
	ret = entry_verify(ed->identity_key, ENTRY_LABEL_PREKEY, msg,
			   (size_t)len, a->sig[i]);
	if (!ret)
		return 0;
	if (ret == -EINVAL)
		return say(err, errlen, -EBADMSG,
			   "devices[%u] (device %s): the lookup's identity_key is not an Ed25519 public key",
			   i, a->id[i]);
	if (ret != -EBADMSG)
		return say(err, errlen, ret,
			   "devices[%u] (device %s): cannot check last_resort_prekey's signature: %s",
			   i, a->id[i], strerror(-ret));
	return say(err, errlen, -EBADMSG,
		   "devices[%u] (device %s): last_resort_prekey's signature does not verify under its identity_key",
		   i, a->id[i]);
}

static int check(const struct answer *a, const char *handle,
		 const struct lookup_result *lr, char *err, size_t errlen)
{
	unsigned int i;
	int ret;

	/*
	 * Before anything: is this the answer to the question asked? Only
	 * a valid handle (printable ASCII) of the caller's is shown.
	 */
	if (strcmp(a->handle, handle) && handle_why(handle))
		return say(err, errlen, -EBADMSG,
			   "handle: the answer is for '%s', not for the handle claimed",
			   a->handle);
	if (strcmp(a->handle, handle))
		return say(err, errlen, -EBADMSG,
			   "handle: the answer is for '%s', not for '%s'",
			   a->handle, handle);
	if (!lr->present)
		return say(err, errlen, -EBADMSG,
			   "the verified lookup shows '%s' as not registered: no prekeys to claim",
			   a->handle);
	for (i = 0; i < a->r.ndev; i++) {
		ret = check_device(a, i, lr, err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

int claim_verify(const char *json, size_t len, const char *handle,
		 const struct lookup_result *lr, struct claim_result *out,
		 char *err, size_t errlen)
{
	struct answer a;
	json_error_t jerr;
	json_t *root;
	int ret;

	if (err && errlen)
		err[0] = '\0';
	if (!handle || !lr)
		return say(err, errlen, -EINVAL,
			   "no handle or no verified lookup to check against");
	root = json_loadb(json ? json : "", json ? len : 0,
			  JSON_REJECT_DUPLICATES, &jerr);
	if (!root && json_error_code(&jerr) == json_error_out_of_memory)
		return say(err, errlen, -ENOMEM,
			   "cannot decode the answer: out of memory");
	if (!root)
		return say(err, errlen, -EINVAL,
			   "not JSON: %s (line %d, column %d)",
			   json_why(&jerr), jerr.line, jerr.column);
	memset(&a, 0, sizeof(a));
	ret = get_answer(root, &a, err, errlen);
	if (!ret)
		ret = check(&a, handle, lr, err, errlen);
	if (!ret && out)
		memcpy(out, &a.r, sizeof(*out));
	json_decref(root);
	return ret;
}
