// SPDX-License-Identifier: GPL-2.0
/*
 * Safety numbers (chat.h; Documentation/e2e.rst "Safety numbers",
 * messaging.rst "Safety numbers and verification"): the number of this
 * account's key and a peer's, from the directory's verified entry; the
 * key a person confirmed they compared, kept; and the check before
 * sending that the peer's account key is still the one verified.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "chat.h"
#include "dstore.h"
#include "safety.h"
#include "tdir.h"
#include "ternd.h"

static void verify_lookup_done(struct ternd *td, struct chat_target *t,
			       unsigned int n, bool cancelled)
{
	(void)t;
	(void)n;
	if (!cancelled)
		api_retry(td);
}

int chat_key_check(struct ternd *td, const char *peer,
		   const uint8_t key[ENTRY_KEY_LEN], const char **why)
{
	uint8_t verified[DSTORE_KEY_LEN];
	int ret = dstore_contact_verified(td->ds, peer, verified);

	if (ret < 0) {
		*why = dstore_error(td->ds);
		return ret;
	}
	if (ret && memcmp(verified, key, DSTORE_KEY_LEN)) {
		*why = "its account key changed since you verified it: compare the safety number again (ternctl verify)";
		return -EPERM;
	}
	return 0;
}

int chat_verify(struct ternd *td, const char *with, enum chat_verify_op op,
		struct chat_safety *out, char *err, size_t errlen)
{
	const struct tdir_cached *e = chat_cached(td, with);
	uint8_t verified[DSTORE_KEY_LEN];
	struct chat_target t = { 0 };
	char digits[SAFETY_DIGITS + 1];
	int ret, i;

	if (!e) {
		/* A fresh lookup first; the client's request waits. */
		snprintf(t.handle, sizeof(t.handle), "%s", with);
		ret = chat_job(td, &t, 1, verify_lookup_done);
		if (ret) {
			snprintf(err, errlen, "out of memory");
			return ret;
		}
		return -EAGAIN;
	}
	if (!e->present) {
		snprintf(err, errlen, "with: no such handle in the directory");
		return -ENOENT;
	}
	ret = safety_number(chat_self(td), td->apub, with,
			    e->entry.account_key, digits);
	if (ret) {
		snprintf(err, errlen, "cannot compute the safety number");
		return ret;
	}
	/* 12 groups of 5 digits. */
	for (i = 0; i < 12; i++) {
		memcpy(out->number + 6 * i, digits + 5 * i, 5);
		out->number[6 * i + 5] = i < 11 ? ' ' : '\0';
	}
	if (op != CHAT_VERIFY_SHOW) {
		ret = td_batch(td);
		if (!ret)
			ret = dstore_contact_verify(td->ds, with,
						    op == CHAT_VERIFY_CONFIRM ?
						    e->entry.account_key : NULL,
						    ev_wall_ms());
		if (ret)
			td_batch_fail(td, ret);
		if (!ret)
			ret = td_flush_now(td);
		if (ret) {
			snprintf(err, errlen, "store: %s",
				 dstore_error(td->ds));
			return ret;
		}
	}
	ret = dstore_contact_verified(td->ds, with, verified);
	if (ret < 0) {
		snprintf(err, errlen, "store: %s", dstore_error(td->ds));
		return ret;
	}
	out->verified = ret &&
			!memcmp(verified, e->entry.account_key, DSTORE_KEY_LEN);
	out->changed = ret && !out->verified;
	return 0;
}
