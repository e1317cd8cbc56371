// SPDX-License-Identifier: GPL-2.0
/*
 * Parts of signed payloads that several calls share
 * (Documentation/directory.rst, "Calls"): prekeys with their signatures,
 * and lists of one-time prekeys. Errors name the field by its path.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "b64.h"
#include "dird.h"
#include "dirjson.h"

int dird_get_prekey(const json_t *o, const char *path,
		    enum entry_prekey_kind kind, size_t klen,
		    const uint8_t *ik, struct dird_prekey *p, char *err,
		    size_t errlen)
{
	static const char *const known[] = { "id", "key", "signature", NULL };
	uint8_t msg[5 + ENTRY_KEM_MAX];
	const char *k64;
	int n;

	memset(p, 0, sizeof(*p));
	if (!o) {
		snprintf(err, errlen, "%s: missing", path);
		return -EINVAL;
	}
	if (dirjson_only(o, path, known, err, errlen) ||
	    dirjson_get_u32(o, path, "id", &p->id, err, errlen) ||
	    dirjson_get_bytes(o, path, "signature", p->sig, ENTRY_SIG_LEN,
			      err, errlen))
		return -EINVAL;
	k64 = json_string_value(json_object_get(o, "key"));
	if (!k64) {
		snprintf(err, errlen, "%s.key: missing or not a string", path);
		return -EINVAL;
	}
	if (klen) {
		if (dirjson_get_bytes(o, path, "key", p->key, klen, err,
				      errlen))
			return -EINVAL;
		p->klen = klen;
	} else {
		const char *why = b64_decode(k64, p->key, ENTRY_KEM_MAX,
					     &p->klen);

		if (why || !p->klen) {
			snprintf(err, errlen, "%s.key: %s", path,
				 why ? why : "empty");
			return -EINVAL;
		}
	}
	n = entry_prekey_msg(kind, p->id, p->key, p->klen, msg, sizeof(msg));
	if (n < 0)
		return -EINVAL;
	if (entry_verify(ik, ENTRY_LABEL_PREKEY, msg, n, p->sig)) {
		snprintf(err, errlen,
			 "%s.signature: does not verify under the device's identity key",
			 path);
		return -EBADMSG;
	}
	p->set = true;
	return 0;
}

int dird_get_otpks(const json_t *a, const char *path, struct dird_otpk *ot,
		   unsigned int *n, char *err, size_t errlen)
{
	static const char *const known[] = { "id", "key", NULL };
	char at[96];
	size_t i;

	*n = 0;
	if (!a)
		return 0;
	if (!json_is_array(a) || json_array_size(a) > DIRD_MAX_OTPK) {
		snprintf(err, errlen, "%s: not an array of at most %d", path,
			 DIRD_MAX_OTPK);
		return -EINVAL;
	}
	for (i = 0; i < json_array_size(a); i++) {
		const json_t *k = json_array_get(a, i);

		snprintf(at, sizeof(at), "%s[%zu]", path, i);
		if (dirjson_only(k, at, known, err, errlen) ||
		    dirjson_get_u32(k, at, "id", &ot[i].id, err, errlen) ||
		    dirjson_get_bytes(k, at, "key", ot[i].key, ENTRY_KEY_LEN,
				      err, errlen))
			return -EINVAL;
	}
	*n = i;
	return 0;
}
