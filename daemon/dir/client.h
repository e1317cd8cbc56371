/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every client of tern-directoryd needs besides lookup_verify():
 * HTTPS requests through libcurl (TLS 1.3, the configured CA only, the
 * directory's error bodies turned into a message), the pinned keys from
 * their base64 form, and signed request envelopes (Documentation/
 * directory.rst, "Signed requests"). Shared by ternctl and ternd.
 */
#ifndef TERN_DIR_CLIENT_H
#define TERN_DIR_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>
#include <jansson.h>

#include "claim.h"
#include "lookup.h"

#define DIRC_MAX_ANSWER		(1024 * 1024)
#define DIRC_TIMEOUT_S		20

struct dirc_answer {
	char *buf;		/* NUL-terminated body; free() it */
	size_t len;
	long status;		/* HTTP status, 0: no answer */
	char error[32];		/* the directory's "error", "" if none */
};

/*
 * @method @url's @path with @body (JSON, or NULL) over a connection to a
 * server whose certificate chains to @ca. @curl is a handle to reuse
 * (connections stay open) or NULL. 0 for a 2xx answer with a body in @a;
 * otherwise a negative errno with @err saying why, naming @url ("HTTP 403
 * bad-invite: the invite code was used"), and @a->status and @a->error
 * set when the directory answered: -EPROTO for an HTTP error, -EIO when
 * there was no answer, -ECANCELED when @cancel returned true.
 */
int dirc_request(void *curl, const char *url, const char *ca,
		 const char *method, const char *path, const char *body,
		 size_t len, bool (*cancel)(void *arg), void *arg,
		 struct dirc_answer *a, char *err, size_t errlen);
void dirc_answer_free(struct dirc_answer *a);

/*
 * GET the lookup answer for @handle (with a consistency proof from
 * @seen, the newest head the client saw, when not NULL) and check it
 * with lookup_verify() at wall clock @now_ms. 0 with @r filled; a
 * positive enum lookup_verdict when the answer does not hold (an alarm:
 * @err says why); a negative errno as for dirc_request().
 */
int dirc_lookup(void *curl, const char *url, const char *ca,
		const struct lookup_pins *pins, const char *handle,
		const struct kt_sth *seen, uint64_t now_ms,
		bool (*cancel)(void *arg), void *arg, struct lookup_result *r,
		char *err, size_t errlen);

/*
 * POST /v1/claim for @handle's prekeys, signed by @device_key (the Ed25519
 * identity key of the claimer's device @claimer_device of account
 * @claimer), timestamped @now_ms, and check the answer with claim_verify()
 * against @lr. Errors as dirc_request() (negative errno, @err says why,
 * e.g. the directory's "rate-limited") and as claim_verify().
 */
int dirc_claim(void *curl, const char *url, const char *ca,
	       EVP_PKEY *device_key, const char *claimer,
	       const uint8_t claimer_device[ENTRY_ID_LEN], const char *handle,
	       const struct lookup_result *lr, uint64_t now_ms,
	       bool (*cancel)(void *arg), void *arg, struct claim_result *out,
	       char *err, size_t errlen);

/* The pinned keys, as tern-directoryd --show-keys prints them. */
int dirc_pins(const char *head_b64, const char *vrf_b64, uint64_t max_age_ms,
	      struct lookup_pins *p, char *err, size_t errlen);
void dirc_pins_free(struct lookup_pins *p);

/* The envelope {"payload", "signature"} around @payload signed by @key,
 * as a string to free(); NULL when out of memory.
 */
char *dirc_envelope(EVP_PKEY *key, json_t *payload);

#endif /* TERN_DIR_CLIENT_H */
