// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for ternd's end-to-end decoders (daemon/ternd/
 * e2emsg.c) and the opening of a sealed message (daemon/e2e/seal.c). The
 * first byte picks what the rest is, by its two low bits:
 *
 *  0  the envelope of a ratchet message, from the network;
 *  1  a stored session, from the disk;
 *  2  a sealed content, what a sealed message holds;
 *  3  a sealed message, from the network, opened with a fixed identity
 *     key (the seeds' genuine ones are sealed to it); what opens goes on
 *     as a sealed content, and its envelope as an envelope, the way ternd
 *     takes a message in;
 *
 * and with bit 2 set, whatever the low bits, what a person sends
 * (daemon/ternd/content.c), the plaintext of a ratchet message; with bit
 * 3 set (and not bit 2), by the lowest bit, 0 a link provision, 1 a link
 * box opened with the fixed key as link key, then its provision (what a
 * device being linked takes in).
 *
 * Oracles: never a crash, a leak or an undefined behaviour; every refusal
 * says why; an accepted envelope or sealed content encodes again to one
 * that decodes to the same fields; an accepted session is usable (it
 * encrypts, and encodes again to the same bytes it now decodes from);
 * seal_open() fails only with -EINVAL (exactly when shorter than
 * SEAL_OVERHEAD or of another version) or -EBADMSG, and what it opens
 * seals again and opens to the same bytes; an accepted content encodes
 * again to one that decodes to the same fields, and so does an accepted
 * link provision.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "content.h"
#include "e2emsg.h"
#include "handle.h"
#include "seal.h"

/* The fixed identity key: 32 bytes of 0x5e (gen_e2emsg_seeds.c's too). */
#define FUZZ_IK_BYTE	0x5e

static struct e2e_keypair ik;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	uint8_t priv[E2E_KEY_LEN];

	(void)argc;
	(void)argv;
	memset(priv, FUZZ_IK_BYTE, sizeof(priv));
	if (e2e_keypair_from(priv, &ik))
		abort();
	return 0;
}

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

/* A sealed content; then, when @inside, its envelope as an envelope. */
static void sealed_content(const uint8_t *buf, size_t len, bool inside)
{
	struct e2e_sealed_content c, d;
	const char *why;
	void *keep, *keep2;
	uint8_t *out;
	size_t olen;

	if (e2emsg_sealed_parse(buf, len, &c, &keep, &why)) {
		if (!why || !*why || keep)
			abort();
		return;
	}
	/* What was accepted is a handle, and encodes again. */
	if (handle_why(c.handle) || !c.envelope_len ||
	    c.envelope_len > E2EMSG_SEALED_ENVELOPE_MAX)
		abort();
	if (e2emsg_sealed_pack(c.handle, c.device, c.envelope, c.envelope_len,
			       &out, &olen))
		abort();
	if (e2emsg_sealed_parse(out, olen, &d, &keep2, &why) ||
	    strcmp(c.handle, d.handle) ||
	    memcmp(c.device, d.device, sizeof(c.device)) ||
	    c.envelope_len != d.envelope_len ||
	    memcmp(c.envelope, d.envelope, c.envelope_len))
		abort();
	if (inside)
		envelope(c.envelope, c.envelope_len);
	e2emsg_free(keep2);
	e2emsg_free(keep);
	free(out);
}

static void sealed(const uint8_t *buf, size_t len)
{
	uint8_t *inner, *again, *back;
	const char *why = NULL;
	size_t n;
	int rc;

	/* +1: room for nothing is still a buffer. */
	inner = malloc(len + 1);
	if (!inner)
		abort();
	rc = seal_open(&ik, buf, len, inner, &why);
	if (rc) {
		bool format = len < SEAL_OVERHEAD || buf[0] != SEAL_VERSION;

		if (!why || !*why || rc != (format ? -EINVAL : -EBADMSG))
			abort();
		free(inner);
		return;
	}
	if (why)
		abort();
	n = len - SEAL_OVERHEAD;
	again = malloc(len);
	back = malloc(n + 1);
	if (!again || !back ||
	    seal_wrap(ik.pub, NULL, inner, n, again) ||
	    seal_open(&ik, again, len, back, &why) || memcmp(inner, back, n))
		abort();
	sealed_content(inner, n, true);
	free(inner);
	free(again);
	free(back);
}

static void provision(const uint8_t *buf, size_t len)
{
	struct e2e_link_provision p, q;
	const char *why = NULL;
	uint8_t *out;
	size_t olen;

	if (e2emsg_link_parse(buf, len, &p, &why)) {
		if (!why || !*why)
			abort();
		return;
	}
	if (why || e2emsg_link_pack(&p, &out, &olen) ||
	    e2emsg_link_parse(out, olen, &q, &why) ||
	    memcmp(&p, &q, sizeof(p)))
		abort();
	free(out);
}

static void link_box(const uint8_t *buf, size_t len)
{
	const char *why = NULL;
	uint8_t *inner;
	int rc;

	inner = malloc(len + 1);
	if (!inner)
		abort();
	rc = seal_link_open(&ik, buf, len, inner, &why);
	if (rc) {
		bool format = len < SEAL_OVERHEAD ||
			      buf[0] != SEAL_LINK_VERSION;

		if (!why || !*why || rc != (format ? -EINVAL : -EBADMSG))
			abort();
	} else {
		provision(inner, len - SEAL_OVERHEAD);
	}
	free(inner);
}

static void content(const uint8_t *data, size_t size)
{
	struct content c, d;
	const char *why = NULL;
	void *keep, *keep2;
	uint8_t *buf;
	size_t len;
	unsigned int i;
	int ret;

	ret = content_parse(data, size, &c, &keep, &why);
	if (ret) {
		if (ret != -EBADMSG || !why || !*why || keep)
			abort();
		return;
	}
	if (c.kind == CONTENT_UNKNOWN) {
		content_free(keep);
		return;
	}
	if (content_pack(&c, &buf, &len) ||
	    content_parse(buf, len, &d, &keep2, &why))
		abort();
	if (d.kind != c.kind || d.sent_ms != c.sent_ms ||
	    memcmp(d.msg_id, c.msg_id, CONTENT_ID_LEN) ||
	    strcmp(d.sync_to, c.sync_to) || d.text_len != c.text_len ||
	    (c.text_len && memcmp(d.text, c.text, c.text_len)) ||
	    d.n_ids != c.n_ids || d.n_removed != c.n_removed ||
	    d.read != c.read ||
	    d.typing != c.typing || !d.reply_to != !c.reply_to ||
	    (c.reply_to && memcmp(d.reply_to, c.reply_to, CONTENT_ID_LEN)) ||
	    d.n_mentions != c.n_mentions || !d.target != !c.target ||
	    (c.target && memcmp(d.target, c.target, CONTENT_ID_LEN)) ||
	    d.emoji_len != c.emoji_len || d.remove != c.remove ||
	    (c.emoji_len && memcmp(d.emoji, c.emoji, c.emoji_len)))
		abort();
	for (i = 0; i < c.n_mentions; i++)
		if (strcmp(d.mentions[i], c.mentions[i]))
			abort();
	for (i = 0; i < c.n_ids; i++)
		if (memcmp(d.ids[i], c.ids[i], CONTENT_ID_LEN))
			abort();
	for (i = 0; i < c.n_removed; i++)
		if (memcmp(d.removed[i], c.removed[i], CONTENT_ID_LEN))
			abort();
	content_free(keep2);
	content_free(keep);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	if (data[0] & 4) {
		content(data + 1, size - 1);
		return 0;
	}
	if (data[0] & 8) {
		if (data[0] & 1)
			link_box(data + 1, size - 1);
		else
			provision(data + 1, size - 1);
		return 0;
	}
	switch (data[0] & 3) {
	case 0:
		envelope(data + 1, size - 1);
		break;
	case 1:
		session(data + 1, size - 1);
		break;
	case 2:
		sealed_content(data + 1, size - 1, false);
		break;
	case 3:
		sealed(data + 1, size - 1);
		break;
	}
	return 0;
}
