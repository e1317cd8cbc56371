/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A client's check of a lookup answer (Documentation/directory.rst,
 * "Checking a lookup"): everything the directory sent is verified against
 * the keys the client pinned before any of it is believed.
 */
#ifndef TERN_LOOKUP_H
#define TERN_LOOKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "entry.h"
#include "kt_sth.h"

struct lookup_pins {
	EVP_PKEY *head_key;	/* Ed25519: signs tree heads */
	EVP_PKEY *vrf_key;	/* RSA: the VRF */
	uint64_t max_age_ms;	/* refuse older heads; 0: no limit */
};

struct lookup_prekey {
	uint32_t id;
	uint8_t key[ENTRY_KEM_MAX];
	size_t klen;
	uint8_t sig[ENTRY_SIG_LEN];
	bool set;
};

struct lookup_result {
	bool present;
	struct entry entry;		/* present: verified */
	struct lookup_prekey signed_prekey[ENTRY_MAX_DEVICES];
	struct lookup_prekey kem_prekey[ENTRY_MAX_DEVICES];
	struct kt_sth head;		/* verified */
	uint64_t epoch;
	uint8_t map_root[KT_HASH_LEN];
};

/* What was wrong with an answer; the message says which part. */
enum lookup_verdict {
	LOOKUP_OK = 0,
	LOOKUP_MALFORMED,	/* not the documented JSON */
	LOOKUP_BAD_HEAD,	/* the head's signature does not verify */
	LOOKUP_STALE_HEAD,	/* older than max_age_ms */
	LOOKUP_ROLLBACK,	/* smaller than a head seen before */
	LOOKUP_FORK,		/* not consistent with a head seen before */
	LOOKUP_NOT_CURRENT,	/* the epoch is not the head's last leaf */
	LOOKUP_BAD_INCLUSION,	/* the epoch is not in the head's log */
	LOOKUP_BAD_VRF,		/* the VRF proof is not the handle's */
	LOOKUP_BAD_MAP,		/* the map proof does not hold */
	LOOKUP_BAD_DEVICE,	/* a device's key signatures do not verify */
	LOOKUP_WRONG_HANDLE,	/* an answer about another handle */
};

/*
 * Checks the lookup answer @json (@len bytes) for @handle against @pins;
 * @seen, when not NULL, is the newest head the client saw before (the
 * answer must then carry a consistency proof from it: ask with ?since=).
 * @now_ms is the wall clock. On LOOKUP_OK fills @res; otherwise @err says
 * what was wrong, naming the part ("head signature does not verify under
 * the pinned key", "consistency proof from size 12 to 15 does not hold:
 * the log was forked", ...).
 */
enum lookup_verdict lookup_verify(const char *json, size_t len,
				  const char *handle,
				  const struct lookup_pins *pins,
				  const struct kt_sth *seen, uint64_t now_ms,
				  struct lookup_result *res, char *err,
				  size_t errlen);

/* A short name of a verdict, for logs and alarms ("fork"). */
const char *lookup_verdict_name(enum lookup_verdict v);

#endif /* TERN_LOOKUP_H */
