/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A client's check of a claim answer (Documentation/directory.rst,
 * "POST /v1/claim"): the prekeys the directory hands out for a handle's
 * devices are believed only for devices a verified lookup of that handle
 * holds, and a last-resort prekey only when that device's identity key
 * signed it.
 */
#ifndef TERN_CLAIM_H
#define TERN_CLAIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "entry.h"
#include "lookup.h"

struct claim_device {
	uint8_t device_id[ENTRY_ID_LEN];
	bool has_one_time;
	uint32_t one_time_id;
	uint8_t one_time[ENTRY_KEY_LEN];
	uint32_t last_resort_id;
	uint8_t last_resort[ENTRY_KEY_LEN];
};

struct claim_result {
	unsigned int ndev;
	struct claim_device dev[ENTRY_MAX_DEVICES];
};

/*
 * Check the claim answer @json (@len bytes) for @handle against @lr, the
 * verified lookup of the same handle (lookup_verify()): the answer is the
 * documented JSON (unknown fields refused, like lookup.c does), its handle
 * is @handle, every device in it is one of @lr's devices (by device_id; a
 * device of @lr missing from the answer is simply absent from @out; a device
 * not in @lr is refused), no device twice, keys 32 bytes, and each
 * last-resort prekey's signature verifies under that device's identity_key
 * (from @lr) over entry_prekey_msg(ENTRY_PREKEY_LAST_RESORT, id, key) with
 * ENTRY_LABEL_PREKEY. One-time prekeys carry no signature (as documented).
 * Returns 0 with @out filled; -EINVAL for a malformed answer, with @err
 * naming the JSON path ("devices[1].last_resort_prekey.key: not 32 bytes");
 * -EBADMSG when it is well formed but does not hold (a signature that does
 * not verify, a device the lookup does not have, another handle), @err
 * saying which device and what.
 *
 * @out's devices are in the answer's order; nothing is written to @out
 * (which may be NULL) unless the answer holds. An @lr whose handle is not
 * present has no prekeys to claim: every answer is refused (-EBADMSG).
 * -ENOMEM when out of memory.
 */
int claim_verify(const char *json, size_t len, const char *handle,
		 const struct lookup_result *lr, struct claim_result *out,
		 char *err, size_t errlen);

#endif /* TERN_CLAIM_H */
