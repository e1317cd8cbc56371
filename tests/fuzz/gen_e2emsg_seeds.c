// SPDX-License-Identifier: GPL-2.0
/*
 * Writes e2emsg_fuzz's seeds into DIR: genuine envelopes (with and
 * without the key agreement's values), stored sessions of both sides of a
 * real session with skipped keys, sealed contents holding those envelopes,
 * and those sealed to e2emsg_fuzz's fixed identity key (and an empty one),
 * and what a person sends (a text, a copy for own devices, a reset
 * notice), each behind the selector byte e2emsg_fuzz reads first (0
 * envelope, 1 session, 2 sealed content, 3 sealed message, 4 content,
 * 8 link provision, 9 link box).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content.h"
#include "e2emsg.h"
#include "seal.h"

/* e2emsg_fuzz.c's fixed identity key: 32 bytes of 0x5e. */
#define FUZZ_IK_BYTE	0x5e

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

/* A sealed content with @env from a made-up sender, and it sealed. */
static int put_sealed(const char *dir, const char *name,
		      const struct e2e_keypair *ik, const uint8_t *env,
		      size_t envlen)
{
	static const uint8_t dev[E2EMSG_DEVICE_ID_LEN] = { 1, 2, 3, 4, 5 };
	char sname[256];
	uint8_t *buf, *sealed;
	size_t len;
	int err;

	if (e2emsg_sealed_pack("alice@example.org", dev, env, envlen, &buf,
			       &len))
		return 1;
	sealed = malloc(SEAL_OVERHEAD + len);
	snprintf(sname, sizeof(sname), "sealed-%s", name);
	err = put(dir, name, 2, buf, len) || !sealed ||
	      seal_wrap(ik->pub, NULL, buf, len, sealed) ||
	      put(dir, sname, 3, sealed, SEAL_OVERHEAD + len);
	free(sealed);
	free(buf);
	return err;
}

/* A link provision (selector 8), and it in a link box to @lk (9). */
static int links(const char *dir, const struct e2e_keypair *lk)
{
	struct e2e_link_provision p = { .ndevices = 2 };
	uint8_t *buf, *box;
	size_t len;
	int err;

	snprintf(p.handle, sizeof(p.handle), "alice@example.org");
	memset(p.account_seed, 0x42, sizeof(p.account_seed));
	memset(p.device, 0x22, sizeof(p.device));
	memset(p.approver, 0x11, sizeof(p.approver));
	memset(p.devices[0], 0x11, sizeof(p.devices[0]));
	memset(p.devices[1], 0x22, sizeof(p.devices[1]));
	if (e2emsg_link_pack(&p, &buf, &len))
		return 1;
	box = malloc(SEAL_OVERHEAD + len);
	err = put(dir, "link-provision", 8, buf, len) || !box ||
	      seal_link_wrap(lk->pub, NULL, buf, len, box) ||
	      put(dir, "link-box", 9, box, SEAL_OVERHEAD + len);
	free(box);
	free(buf);
	return err;
}

static int content_seed(const char *dir, const char *name,
			const struct content *c)
{
	uint8_t *buf;
	size_t len;
	int err;

	if (content_pack(c, &buf, &len))
		return 1;
	err = put(dir, name, 4, buf, len);
	free(buf);
	return err;
}

static int contents(const char *dir)
{
	static const char text[] = "h\xc3\xa9llo, world \xe2\x9c\x93";
	static const uint8_t id[2][CONTENT_ID_LEN] = { { 1 }, { 2 } };
	struct content c = { .kind = CONTENT_TEXT, .sent_ms = 1700000000000 };

	memset(c.msg_id, 0x11, sizeof(c.msg_id));
	c.text = text;
	c.text_len = strlen(text);
	if (content_seed(dir, "content-text", &c))
		return 1;
	snprintf(c.sync_to, sizeof(c.sync_to), "bob@example.org");
	if (content_seed(dir, "content-sync", &c))
		return 1;
	c.sync_to[0] = '\0';
	c.kind = CONTENT_RESET;
	c.n_ids = 2;
	c.ids[0] = id[0];
	c.ids[1] = id[1];
	if (content_seed(dir, "content-reset", &c))
		return 1;
	c.kind = CONTENT_RECEIPT;
	c.read = true;
	if (content_seed(dir, "content-receipt", &c))
		return 1;
	c.kind = CONTENT_TYPING;
	c.typing = true;
	if (content_seed(dir, "content-typing", &c))
		return 1;
	c.kind = CONTENT_TEXT;
	c.reply_to = id[0];
	c.n_mentions = 1;
	snprintf(c.mentions[0], sizeof(c.mentions[0]), "bob@example.org");
	if (content_seed(dir, "content-reply", &c))
		return 1;
	c.kind = CONTENT_REACTION;
	c.target = id[1];
	c.emoji = "\xe2\x9c\x93";
	c.emoji_len = 3;
	if (content_seed(dir, "content-reaction", &c))
		return 1;
	c.kind = CONTENT_EDIT;
	if (content_seed(dir, "content-edit", &c))
		return 1;
	c.kind = CONTENT_UNSEND;
	if (content_seed(dir, "content-unsend", &c))
		return 1;
	c.kind = CONTENT_DEVICES;
	c.n_ids = 1;
	c.n_removed = 1;
	c.removed[0] = c.msg_id;
	return content_seed(dir, "content-devices", &c);
}

int main(int argc, char **argv)
{
	struct e2e_keypair ika, eka, ikb, spkb, opkb;
	uint8_t sk[32], ad[X3DH_AD_LEN], msg[4][RATCHET_OVERHEAD + 5], pt[5];
	struct e2e_prekey_info pk = { .signed_prekey_id = 1, .prekey_id = 9 };
	struct ratchet a = { 0 }, b = { 0 };
	struct e2e_envelope e = { 0 };
	uint8_t *buf, ikp[E2E_KEY_LEN], empty[SEAL_OVERHEAD];
	struct e2e_keypair ik;
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
	memset(ikp, FUZZ_IK_BYTE, sizeof(ikp));
	if (e2e_keypair_from(ikp, &ik))
		return 1;
	e.ratchet = msg[0];
	e.ratchet_len = sizeof(msg[0]);
	err |= e2emsg_envelope_pack(&e, &buf, &len) ||
	       put(argv[1], "envelope", 0, buf, len) ||
	       put_sealed(argv[1], "content", &ik, buf, len);
	free(buf);
	e.has_prekey = true;
	e.prekey = pk;
	err |= e2emsg_envelope_pack(&e, &buf, &len) ||
	       put(argv[1], "envelope-prekey", 0, buf, len) ||
	       put_sealed(argv[1], "content-prekey", &ik, buf, len);
	free(buf);
	err |= seal_wrap(ik.pub, NULL, NULL, 0, empty) ||
	       put(argv[1], "sealed-empty", 3, empty, sizeof(empty));
	err |= e2emsg_session_pack(&a, ad, &pk, &buf, &len) ||
	       put(argv[1], "session-alice", 1, buf, len);
	free(buf);
	err |= e2emsg_session_pack(&b, ad, NULL, &buf, &len) ||
	       put(argv[1], "session-bob", 1, buf, len);
	free(buf);
	err |= contents(argv[1]);
	err |= links(argv[1], &ik);
	ratchet_free(&a);
	ratchet_free(&b);
	return err ? 1 : 0;
}
