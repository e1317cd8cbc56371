// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for ternd's end-to-end decoders (daemon/ternd/
 * e2emsg.c): the envelope of a ratchet message, from the network, and a
 * stored session, from the disk. The first byte picks which; the rest is
 * the input. Oracles: never a crash, a leak or an undefined behaviour;
 * an accepted envelope encodes again to one that decodes to the same
 * fields; an accepted session is usable (it encrypts, and encodes again
 * to the same bytes it now decodes from).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "e2emsg.h"

static void envelope(const uint8_t *buf, size_t len)
{
	struct e2e_envelope e, f;
	const char *why;
	void *keep, *keep2;
	uint8_t *out;
	size_t olen;

	if (e2emsg_envelope_parse(buf, len, &e, &keep, &why)) {
		if (!why || !*why)
			abort();	/* every refusal says why */
		return;
	}
	if (e2emsg_envelope_pack(&e, &out, &olen))
		abort();
	if (e2emsg_envelope_parse(out, olen, &f, &keep2, &why) ||
	    f.ratchet_len != e.ratchet_len ||
	    memcmp(f.ratchet, e.ratchet, e.ratchet_len) ||
	    f.has_prekey != e.has_prekey ||
	    (e.has_prekey && memcmp(&f.prekey, &e.prekey, sizeof(f.prekey))))
		abort();
	e2emsg_free(keep2);
	e2emsg_free(keep);
	free(out);
}

static void session(const uint8_t *buf, size_t len)
{
	uint8_t ad[X3DH_AD_LEN], ad2[X3DH_AD_LEN], *a, *b, msg[RATCHET_OVERHEAD];
	struct e2e_prekey_info p, p2;
	struct ratchet r, r2;
	bool has, has2;
	const char *why;
	size_t al, bl;

	if (e2emsg_session_parse(buf, len, &r, ad, &p, &has, &why)) {
		if (!why || !*why)
			abort();
		return;
	}
	if (e2emsg_session_pack(&r, ad, has ? &p : NULL, &a, &al) ||
	    e2emsg_session_parse(a, al, &r2, ad2, &p2, &has2, &why) ||
	    e2emsg_session_pack(&r2, ad2, has2 ? &p2 : NULL, &b, &bl) ||
	    al != bl || memcmp(a, b, al))
		abort();
	/* A stored session that decoded can be used. */
	if (r.has_cks && r.ns != UINT32_MAX &&
	    ratchet_encrypt(&r, ad, sizeof(ad), NULL, 0, msg))
		abort();
	free(a);
	free(b);
	ratchet_free(&r);
	ratchet_free(&r2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	if (data[0] & 1)
		session(data + 1, size - 1);
	else
		envelope(data + 1, size - 1);
	return 0;
}
