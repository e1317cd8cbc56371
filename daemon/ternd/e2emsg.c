// SPDX-License-Identifier: GPL-2.0
/*
 * Envelopes, stored sessions and sealed contents (e2emsg.h) over
 * protobuf-c. Decoding trusts nothing: protobuf-c checks the wire format,
 * this file checks every value's size and range, and the first wrong
 * field is named.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "e2e.pb-c.h"
#include "e2emsg.h"
#include "handle.h"

#define SESSION_VERSION	1

static ProtobufCBinaryData bytes(const void *p, size_t len)
{
	return (ProtobufCBinaryData){ .data = (uint8_t *)p, .len = len };
}

static bool key_ok(const ProtobufCBinaryData *b)
{
	return b->len == E2E_KEY_LEN;
}

/* A 32-byte key, or nothing. */
static bool opt_key_ok(const ProtobufCBinaryData *b)
{
	return !b->len || b->len == E2E_KEY_LEN;
}

static void prekey_to(const struct e2e_prekey_info *p, Tern__PreKeyInfo *q)
{
	tern__pre_key_info__init(q);
	q->identity_x25519 = bytes(p->identity_x25519, E2E_KEY_LEN);
	q->ephemeral = bytes(p->ephemeral, E2E_KEY_LEN);
	q->signed_prekey_id = p->signed_prekey_id;
	q->prekey_id = p->prekey_id;
	q->last_resort = p->last_resort;
}

static const char *prekey_from(const Tern__PreKeyInfo *q,
			       struct e2e_prekey_info *p)
{
	if (!key_ok(&q->identity_x25519))
		return "prekey.identity_x25519: not 32 bytes";
	if (!key_ok(&q->ephemeral))
		return "prekey.ephemeral: not 32 bytes";
	if (q->kem_ciphertext.len)
		return "prekey.kem_ciphertext: a post-quantum key agreement (v2) this version does not have";
	memcpy(p->identity_x25519, q->identity_x25519.data, E2E_KEY_LEN);
	memcpy(p->ephemeral, q->ephemeral.data, E2E_KEY_LEN);
	p->signed_prekey_id = q->signed_prekey_id;
	p->prekey_id = q->prekey_id;
	p->last_resort = q->last_resort;
	return NULL;
}

static int pack(const ProtobufCMessage *m, uint8_t **out, size_t *len)
{
	size_t n = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = malloc(n ? n : 1);

	if (!buf)
		return -ENOMEM;
	*len = protobuf_c_message_pack(m, buf);
	*out = buf;
	return 0;
}

int e2emsg_envelope_pack(const struct e2e_envelope *e, uint8_t **out,
			 size_t *len)
{
	Tern__Envelope m = TERN__ENVELOPE__INIT;
	Tern__PreKeyInfo p;

	m.version = E2EMSG_VERSION;
	m.ratchet = bytes(e->ratchet, e->ratchet_len);
	if (e->has_prekey) {
		prekey_to(&e->prekey, &p);
		m.prekey = &p;
	}
	return pack(&m.base, out, len);
}

void e2emsg_free(void *keep)
{
	if (keep)
		protobuf_c_message_free_unpacked(keep, NULL);
}

int e2emsg_envelope_parse(const uint8_t *buf, size_t len,
			  struct e2e_envelope *e, void **keep,
			  const char **why)
{
	Tern__Envelope *m = tern__envelope__unpack(NULL, len, buf);
	const char *w = NULL;

	*keep = NULL;
	memset(e, 0, sizeof(*e));
	if (!m)
		w = "not an envelope (protobuf)";
	else if (m->version != E2EMSG_VERSION)
		w = "version: not 1";
	else if (m->ratchet.len < RATCHET_OVERHEAD)
		w = "ratchet: shorter than a header and a tag";
	else if (m->ratchet.len > E2EMSG_RATCHET_MAX)
		w = "ratchet: longer than the largest padded message";
	else if (m->prekey)
		w = prekey_from(m->prekey, &e->prekey);
	if (w) {
		e2emsg_free(m);
		*why = w;
		return -EBADMSG;
	}
	e->ratchet = m->ratchet.data;
	e->ratchet_len = m->ratchet.len;
	e->has_prekey = m->prekey != NULL;
	*keep = m;
	*why = NULL;
	return 0;
}

/* --- sealed contents ------------------------------------------------------ */

int e2emsg_sealed_pack(const char *handle,
		       const uint8_t device[E2EMSG_DEVICE_ID_LEN],
		       const uint8_t *env, size_t envlen, uint8_t **out,
		       size_t *len)
{
	Tern__SealedContent m = TERN__SEALED_CONTENT__INIT;

	/* Nothing the recipient would refuse leaves here. */
	if (handle_why(handle) || !envlen ||
	    envlen > E2EMSG_SEALED_ENVELOPE_MAX)
		return -EINVAL;
	m.version = E2EMSG_VERSION;
	m.sender_handle = (char *)handle;
	m.sender_device = bytes(device, E2EMSG_DEVICE_ID_LEN);
	m.envelope = bytes(env, envlen);
	return pack(&m.base, out, len);
}

int e2emsg_sealed_parse(const uint8_t *buf, size_t len,
			struct e2e_sealed_content *c, void **keep,
			const char **why)
{
	Tern__SealedContent *m = tern__sealed_content__unpack(NULL, len, buf);
	const char *w = NULL;

	*keep = NULL;
	memset(c, 0, sizeof(*c));
	if (!m)
		w = "not a sealed content (protobuf)";
	else if (m->version != E2EMSG_VERSION)
		w = "version: not 1";
	else if (handle_why(m->sender_handle))
		w = "sender_handle: not a valid handle";
	else if (m->sender_device.len != E2EMSG_DEVICE_ID_LEN)
		w = "sender_device: not 16 bytes";
	else if (!m->envelope.len)
		w = "envelope: empty";
	else if (m->envelope.len > E2EMSG_SEALED_ENVELOPE_MAX)
		w = "envelope: longer than the largest envelope";
	/*
	 * protobuf-c ends a string at its first NUL, so a handle with a
	 * tail after one would pass for the handle before it: the bytes
	 * decoded must be all there was. (The other ways to differ, a field
	 * twice or an overlong varint, no encoder writes either.)
	 */
	else if (protobuf_c_message_get_packed_size(&m->base) != len)
		w = "sender_handle: has a NUL (or a field comes twice, or a varint is overlong)";
	if (w) {
		e2emsg_free(m);
		*why = w;
		return -EBADMSG;
	}
	memcpy(c->handle, m->sender_handle, strlen(m->sender_handle) + 1);
	memcpy(c->device, m->sender_device.data, E2EMSG_DEVICE_ID_LEN);
	c->envelope = m->envelope.data;
	c->envelope_len = m->envelope.len;
	*keep = m;
	*why = NULL;
	return 0;
}

/* --- link provisions ------------------------------------------------------ */

int e2emsg_link_pack(const struct e2e_link_provision *p, uint8_t **out,
		     size_t *len)
{
	Tern__LinkProvision m = TERN__LINK_PROVISION__INIT;
	ProtobufCBinaryData devs[E2EMSG_LINK_DEVICES_MAX];
	unsigned int i;

	if (handle_why(p->handle) || !p->ndevices ||
	    p->ndevices > E2EMSG_LINK_DEVICES_MAX)
		return -EINVAL;
	m.version = E2EMSG_VERSION;
	m.handle = (char *)p->handle;
	m.account_key = bytes(p->account_seed, sizeof(p->account_seed));
	m.device = bytes(p->device, E2EMSG_DEVICE_ID_LEN);
	m.approver = bytes(p->approver, E2EMSG_DEVICE_ID_LEN);
	for (i = 0; i < p->ndevices; i++)
		devs[i] = bytes(p->devices[i], E2EMSG_DEVICE_ID_LEN);
	m.n_devices = p->ndevices;
	m.devices = devs;
	return pack(&m.base, out, len);
}

static const char *link_check(const Tern__LinkProvision *m)
{
	bool approver = false;
	size_t i;

	if (m->version != E2EMSG_VERSION)
		return "version: not 1";
	if (handle_why(m->handle))
		return "handle: not a valid handle";
	if (m->account_key.len != 32)
		return "account_key: not 32 bytes";
	if (m->device.len != E2EMSG_DEVICE_ID_LEN)
		return "device: not 16 bytes";
	if (m->approver.len != E2EMSG_DEVICE_ID_LEN)
		return "approver: not 16 bytes";
	if (!m->n_devices)
		return "devices: none";
	if (m->n_devices > E2EMSG_LINK_DEVICES_MAX)
		return "devices: more than 16";
	for (i = 0; i < m->n_devices; i++) {
		if (m->devices[i].len != E2EMSG_DEVICE_ID_LEN)
			return "devices: an id not 16 bytes";
		if (!memcmp(m->devices[i].data, m->approver.data,
			    E2EMSG_DEVICE_ID_LEN))
			approver = true;
	}
	if (!approver)
		return "devices: the approver is not among them";
	return NULL;
}

int e2emsg_link_parse(const uint8_t *buf, size_t len,
		      struct e2e_link_provision *p, const char **why)
{
	Tern__LinkProvision *m = tern__link_provision__unpack(NULL, len, buf);
	const char *w;
	size_t i;

	memset(p, 0, sizeof(*p));
	if (!m) {
		*why = "not a link provision (protobuf)";
		return -EBADMSG;
	}
	w = link_check(m);
	/* A handle with a NUL in it: as e2emsg_sealed_parse(). */
	if (!w && protobuf_c_message_get_packed_size(&m->base) != len)
		w = "handle: has a NUL (or a field comes twice, or a varint is overlong)";
	if (w) {
		if (m->account_key.data)
			e2e_wipe(m->account_key.data, m->account_key.len);
		tern__link_provision__free_unpacked(m, NULL);
		*why = w;
		return -EBADMSG;
	}
	memcpy(p->handle, m->handle, strlen(m->handle) + 1);
	memcpy(p->account_seed, m->account_key.data, 32);
	memcpy(p->device, m->device.data, E2EMSG_DEVICE_ID_LEN);
	memcpy(p->approver, m->approver.data, E2EMSG_DEVICE_ID_LEN);
	p->ndevices = m->n_devices;
	for (i = 0; i < m->n_devices; i++)
		memcpy(p->devices[i], m->devices[i].data,
		       E2EMSG_DEVICE_ID_LEN);
	e2e_wipe(m->account_key.data, 32);
	tern__link_provision__free_unpacked(m, NULL);
	*why = NULL;
	return 0;
}

/* --- sessions ------------------------------------------------------------- */

int e2emsg_session_pack(const struct ratchet *r,
			const uint8_t ad[X3DH_AD_LEN],
			const struct e2e_prekey_info *pending, uint8_t **out,
			size_t *len)
{
	Tern__SessionState m = TERN__SESSION_STATE__INIT;
	Tern__SkippedKey *k = NULL, **pk = NULL;
	Tern__PreKeyInfo p;
	unsigned int i;
	int ret;

	if (r->n_skipped) {
		k = calloc(r->n_skipped, sizeof(*k));
		pk = calloc(r->n_skipped, sizeof(*pk));
		if (!k || !pk) {
			ret = -ENOMEM;
			goto out;
		}
	}
	for (i = 0; i < r->n_skipped; i++) {
		tern__skipped_key__init(&k[i]);
		k[i].dh = bytes(r->skipped[i].dh, E2E_KEY_LEN);
		k[i].n = r->skipped[i].n;
		k[i].mk = bytes(r->skipped[i].mk, E2E_KEY_LEN);
		pk[i] = &k[i];
	}
	m.version = SESSION_VERSION;
	m.ad = bytes(ad, X3DH_AD_LEN);
	m.dhs_priv = bytes(r->dhs.priv, E2E_KEY_LEN);
	m.dhs_pub = bytes(r->dhs.pub, E2E_KEY_LEN);
	if (r->has_dhr)
		m.dhr = bytes(r->dhr, E2E_KEY_LEN);
	if (r->has_prev_dhr)
		m.prev_dhr = bytes(r->prev_dhr, E2E_KEY_LEN);
	m.rk = bytes(r->rk, E2E_KEY_LEN);
	if (r->has_cks)
		m.cks = bytes(r->cks, E2E_KEY_LEN);
	if (r->has_ckr)
		m.ckr = bytes(r->ckr, E2E_KEY_LEN);
	m.ns = r->ns;
	m.nr = r->nr;
	m.pn = r->pn;
	m.n_skipped = r->n_skipped;
	m.skipped = pk;
	if (pending) {
		prekey_to(pending, &p);
		m.pending_prekey = &p;
	}
	ret = pack(&m.base, out, len);
out:
	free(k);
	free(pk);
	return ret;
}

static const char *session_check(const Tern__SessionState *m)
{
	size_t i;

	if (m->version != SESSION_VERSION)
		return "version: not 1";
	if (m->ad.len != X3DH_AD_LEN ||
	    memcmp(m->ad.data, X3DH_AD_LABEL, 10))
		return "ad: not a session's associated data";
	if (!key_ok(&m->dhs_priv) || !key_ok(&m->dhs_pub))
		return "dhs: not a 32-byte key pair";
	if (!opt_key_ok(&m->dhr) || !opt_key_ok(&m->prev_dhr))
		return "dhr: not a 32-byte key";
	if (!key_ok(&m->rk))
		return "rk: not 32 bytes";
	if (!opt_key_ok(&m->cks) || !opt_key_ok(&m->ckr))
		return "cks/ckr: not 32 bytes";
	if (m->ckr.len && !m->dhr.len)
		return "ckr: a receiving chain without a ratchet key";
	if (m->prev_dhr.len && !m->dhr.len)
		return "prev_dhr: without dhr";
	if (m->n_skipped > RATCHET_MAX_SKIPPED)
		return "skipped: more than 2000 keys";
	for (i = 0; i < m->n_skipped; i++)
		if (!key_ok(&m->skipped[i]->dh) || !key_ok(&m->skipped[i]->mk))
			return "skipped: a key that is not 32 bytes";
	return NULL;
}

int e2emsg_session_parse(const uint8_t *buf, size_t len, struct ratchet *r,
			 uint8_t ad[X3DH_AD_LEN],
			 struct e2e_prekey_info *pending, bool *has_pending,
			 const char **why)
{
	Tern__SessionState *m = tern__session_state__unpack(NULL, len, buf);
	struct e2e_keypair check;
	const char *w;
	size_t i;
	int ret = -EBADMSG;

	if (has_pending)
		*has_pending = false;
	if (!m) {
		*why = "not a session (protobuf)";
		return -EBADMSG;
	}
	w = session_check(m);
	/* The pair must be one: a store that lies about it is corrupt. */
	if (!w && (e2e_keypair_from(m->dhs_priv.data, &check) ||
		   memcmp(check.pub, m->dhs_pub.data, E2E_KEY_LEN)))
		w = "dhs: the public key is not the private key's";
	e2e_wipe(&check, sizeof(check));
	if (!w && m->pending_prekey && pending)
		w = prekey_from(m->pending_prekey, pending);
	if (w)
		goto out;
	memset(r, 0, sizeof(*r));
	if (m->n_skipped) {
		r->skipped = calloc(m->n_skipped, sizeof(*r->skipped));
		if (!r->skipped) {
			w = "out of memory";
			ret = -ENOMEM;
			goto out;
		}
		r->cap_skipped = m->n_skipped;
	}
	for (i = 0; i < m->n_skipped; i++) {
		memcpy(r->skipped[i].dh, m->skipped[i]->dh.data, E2E_KEY_LEN);
		r->skipped[i].n = m->skipped[i]->n;
		memcpy(r->skipped[i].mk, m->skipped[i]->mk.data, E2E_KEY_LEN);
	}
	r->n_skipped = m->n_skipped;
	memcpy(r->dhs.priv, m->dhs_priv.data, E2E_KEY_LEN);
	memcpy(r->dhs.pub, m->dhs_pub.data, E2E_KEY_LEN);
	r->has_dhr = m->dhr.len != 0;
	if (r->has_dhr)
		memcpy(r->dhr, m->dhr.data, E2E_KEY_LEN);
	r->has_prev_dhr = m->prev_dhr.len != 0;
	if (r->has_prev_dhr)
		memcpy(r->prev_dhr, m->prev_dhr.data, E2E_KEY_LEN);
	memcpy(r->rk, m->rk.data, E2E_KEY_LEN);
	r->has_cks = m->cks.len != 0;
	if (r->has_cks)
		memcpy(r->cks, m->cks.data, E2E_KEY_LEN);
	r->has_ckr = m->ckr.len != 0;
	if (r->has_ckr)
		memcpy(r->ckr, m->ckr.data, E2E_KEY_LEN);
	r->ns = m->ns;
	r->nr = m->nr;
	r->pn = m->pn;
	memcpy(ad, m->ad.data, X3DH_AD_LEN);
	if (has_pending)
		*has_pending = m->pending_prekey && pending;
	ret = 0;
	w = NULL;
out:
	*why = w;
	/* The decoded copy held keys too. */
	if (m) {
		for (i = 0; i < m->n_skipped; i++)
			e2e_wipe(m->skipped[i]->mk.data, m->skipped[i]->mk.len);
		e2e_wipe(m->dhs_priv.data, m->dhs_priv.len);
		e2e_wipe(m->rk.data, m->rk.len);
		e2e_wipe(m->cks.data, m->cks.len);
		e2e_wipe(m->ckr.data, m->ckr.len);
		protobuf_c_message_free_unpacked(&m->base, NULL);
	}
	return ret;
}
