/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The directory's JSON for key transparency (Documentation/directory.rst,
 * "The HTTP API"), with jansson: signed heads, hash lists, map proofs,
 * device ids. Encoders return a new reference or NULL (no memory, or an
 * integer above 2^63 - 1: jansson's integers are signed). Decoders
 * take what a peer sent and are strict: a missing, unknown or mistyped
 * field, bad base64 or a wrong length is -EINVAL with @err naming the
 * field by its path ("proof.map.depth: not an integer").
 */
#ifndef TERN_DIRJSON_H
#define TERN_DIRJSON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "entry.h"
#include "kt_map.h"
#include "kt_sth.h"

/* A JSON string of base64 for @n bytes. */
json_t *dirjson_bytes(const uint8_t *b, size_t n);
/* {"size", "timestamp_ms", "root", "signature"} */
json_t *dirjson_head(const struct kt_sth *sth);
/* [hash, ...] */
json_t *dirjson_hashes(const uint8_t (*h)[KT_HASH_LEN], size_t n);
/* {"end", "depth", "empty", "siblings"[, "other_key", "other_value"]} */
json_t *dirjson_map_proof(const struct kt_map_proof *p);
/* A device id: a string of 32 lowercase hex digits. */
json_t *dirjson_device_id(const uint8_t id[ENTRY_ID_LEN]);

/*
 * Field getters for a decoder: @path names @o for messages ("proof.head").
 * dirjson_get_bytes wants exactly @n bytes of base64; dirjson_get_u64 a
 * non-negative JSON integer; dirjson_get_u32 one below 2^32.
 */
int dirjson_get_bytes(const json_t *o, const char *path, const char *key,
		      uint8_t *out, size_t n, char *err, size_t errlen);
int dirjson_get_u64(const json_t *o, const char *path, const char *key,
		    uint64_t *v, char *err, size_t errlen);
int dirjson_get_u32(const json_t *o, const char *path, const char *key,
		    uint32_t *v, char *err, size_t errlen);
/* A device id: exactly 32 lowercase hex digits. */
int dirjson_get_device_id(const json_t *o, const char *path, const char *key,
			  uint8_t id[ENTRY_ID_LEN], char *err, size_t errlen);
/*
 * -EINVAL naming the first key of object @o that is not in the
 * NULL-terminated @known, or @o not being an object.
 */
int dirjson_only(const json_t *o, const char *path, const char *const known[],
		 char *err, size_t errlen);

int dirjson_get_head(const json_t *o, const char *path, struct kt_sth *sth,
		     char *err, size_t errlen);
/* At most @max hashes. */
int dirjson_get_hashes(const json_t *a, const char *path,
		       uint8_t (*h)[KT_HASH_LEN], size_t max, size_t *n,
		       char *err, size_t errlen);
int dirjson_get_map_proof(const json_t *o, const char *path,
			  struct kt_map_proof *p, char *err, size_t errlen);

#endif /* TERN_DIRJSON_H */
