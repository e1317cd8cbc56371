// SPDX-License-Identifier: GPL-2.0
/*
 * Signed requests (Documentation/directory.rst, "Signed requests"): an
 * envelope {"payload": base64, "signature": base64} whose signature covers
 * the label and the payload's exact bytes, so no canonical JSON is needed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "dird.h"
#include "dirjson.h"

int dird_envelope_parse(const char *body, size_t len,
			struct dird_envelope *e, char *err, size_t errlen)
{
	static const char *const known[] = { "payload", "signature", NULL };
	json_error_t jerr;
	const char *p64, *why;
	json_t *o;
	size_t n;
	int ret = -EINVAL;

	memset(e, 0, sizeof(*e));
	o = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!o) {
		snprintf(err, errlen, "body: not JSON: %s (line %d)", jerr.text,
			 jerr.line);
		return -EINVAL;
	}
	if (dirjson_only(o, "body", known, err, errlen))
		goto out;
	p64 = json_string_value(json_object_get(o, "payload"));
	if (!p64) {
		snprintf(err, errlen, "body.payload: %s",
			 json_object_get(o, "payload") ? "not a string" :
			 "missing");
		goto out;
	}
	n = strlen(p64) / 4 * 3 + 3;
	e->bytes = malloc(n);
	if (!e->bytes) {
		ret = -ENOMEM;
		goto out;
	}
	why = b64_decode(p64, e->bytes, n, &e->len);
	if (why) {
		snprintf(err, errlen, "body.payload: %s", why);
		goto out;
	}
	if (dirjson_get_bytes(o, "body", "signature", e->sig, ENTRY_SIG_LEN,
			      err, errlen))
		goto out;
	e->payload = json_loadb((const char *)e->bytes, e->len,
				JSON_REJECT_DUPLICATES, &jerr);
	if (!e->payload) {
		snprintf(err, errlen, "payload: not JSON: %s (line %d)",
			 jerr.text, jerr.line);
		goto out;
	}
	if (!json_is_object(e->payload)) {
		snprintf(err, errlen, "payload: not an object");
		goto out;
	}
	ret = 0;
out:
	json_decref(o);
	if (ret)
		dird_envelope_free(e);
	return ret;
}

int dird_envelope_verify(const struct dird_envelope *e,
			 const uint8_t key[ENTRY_KEY_LEN])
{
	return entry_verify(key, ENTRY_LABEL_REQUEST, e->bytes, e->len, e->sig);
}

void dird_envelope_free(struct dird_envelope *e)
{
	json_decref(e->payload);
	free(e->bytes);
	memset(e, 0, sizeof(*e));
}
