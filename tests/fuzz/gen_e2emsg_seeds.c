// SPDX-License-Identifier: GPL-2.0
/*
 * Writes e2emsg_fuzz's seeds into DIR: genuine envelopes (with and
 * without the key agreement's values) and stored sessions of both sides
 * of a real session with skipped keys, each behind the selector byte
 * e2emsg_fuzz reads first (0 envelope, 1 session).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2emsg.h"

static int put(const char *dir, const char *name, uint8_t sel,
	       const uint8_t *buf, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fputc(sel, f) == EOF || fwrite(buf, 1, len, f) != len ||
	    fclose(f)) {
		perror(path);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct e2e_keypair ika, eka, ikb, spkb, opkb;
	uint8_t sk[32], ad[X3DH_AD_LEN], msg[4][RATCHET_OVERHEAD + 5], pt[5];
	struct e2e_prekey_info pk = { .signed_prekey_id = 1, .prekey_id = 9 };
	struct ratchet a = { 0 }, b = { 0 };
	struct e2e_envelope e = { 0 };
	uint8_t *buf;
	size_t len;
	int i, err = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: gen_e2emsg_seeds DIR\n");
		return 2;
	}
	if (e2e_keypair_new(&ika) || e2e_keypair_new(&eka) ||
	    e2e_keypair_new(&ikb) || e2e_keypair_new(&spkb) ||
	    e2e_keypair_new(&opkb) ||
	    x3dh_initiate(&ika, &eka, ikb.pub, spkb.pub, opkb.pub, sk, ad) ||
	    ratchet_init_alice(&a, sk, spkb.pub) ||
	    ratchet_init_bob(&b, sk, &spkb))
		return 1;
	for (i = 0; i < 4; i++)
		if (ratchet_encrypt(&a, ad, sizeof(ad),
				    (const uint8_t *)"hello", 5, msg[i]))
			return 1;
	/* Bob gets the last: two keys skipped. */
	if (ratchet_decrypt(&b, ad, sizeof(ad), msg[3], sizeof(msg[3]), pt,
			    NULL))
		return 1;
	memcpy(pk.identity_x25519, ika.pub, 32);
	memcpy(pk.ephemeral, eka.pub, 32);
	e.ratchet = msg[0];
	e.ratchet_len = sizeof(msg[0]);
	err |= e2emsg_envelope_pack(&e, &buf, &len) ||
	       put(argv[1], "envelope", 0, buf, len);
	free(buf);
	e.has_prekey = true;
	e.prekey = pk;
	err |= e2emsg_envelope_pack(&e, &buf, &len) ||
	       put(argv[1], "envelope-prekey", 0, buf, len);
	free(buf);
	err |= e2emsg_session_pack(&a, ad, &pk, &buf, &len) ||
	       put(argv[1], "session-alice", 1, buf, len);
	free(buf);
	err |= e2emsg_session_pack(&b, ad, NULL, &buf, &len) ||
	       put(argv[1], "session-bob", 1, buf, len);
	free(buf);
	ratchet_free(&a);
	ratchet_free(&b);
	return err ? 1 : 0;
}
