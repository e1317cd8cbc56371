// SPDX-License-Identifier: GPL-2.0
/*
 * End-to-end sessions with peer devices, kept in ternd's store (sess.h):
 * X3DH and the Double Ratchet from libterne2e, the envelope and the
 * stored form from e2emsg.c, the rows from dstore_sess.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "e2emsg.h"
#include "pad.h"
#include "ratchet.h"
#include "sess.h"
#include "x3dh.h"

/* One session as the ratchet runs it. */
struct slot {
	struct ratchet r;
	uint8_t ad[X3DH_AD_LEN];
	struct e2e_prekey_info pending;	/* sent until the peer answers */
	bool has_pending;
	bool set;
};

static void slot_free(struct slot *s)
{
	if (s->set)
		ratchet_free(&s->r);
	e2e_wipe(s, sizeof(*s));
}

/* Move @from into @to (which must be free), leaving @from empty. */
static void slot_move(struct slot *to, struct slot *from)
{
	*to = *from;
	e2e_wipe(from, sizeof(*from));
}

static int slot_load(const uint8_t *buf, size_t len, struct slot *s)
{
	const char *w;
	int ret;

	ret = e2emsg_session_parse(buf, len, &s->r, s->ad, &s->pending,
				   &s->has_pending, &w);
	s->set = !ret;
	return ret;
}

/*
 * The sessions with @p's device: @cur, and @prev when the store has one.
 * -ENOENT when there are none, or when they were made with another
 * identity key than @p's (void: the device's keys changed).
 */
static int load(struct dstore *ds, const struct sess_peer *p,
		struct slot *cur, struct slot *prev, const char **why)
{
	struct dsess row;
	int ret;

	ret = dstore_sess_get(ds, p->dev, &row);
	if (ret == -ENOENT) {
		*why = "no session with this device";
		return ret;
	}
	if (ret) {
		*why = dstore_error(ds);
		return ret;
	}
	if (memcmp(row.peer_ik, p->ik, E2E_KEY_LEN)) {
		*why = "the device's identity key changed: its sessions are void";
		ret = -ENOENT;
		goto out;
	}
	ret = slot_load(row.state, row.state_len, cur);
	if (!ret && row.prev)
		ret = slot_load(row.prev, row.prev_len, prev);
	if (ret == -EBADMSG) {
		*why = "a stored session does not decode";
		ret = -EIO;
	} else if (ret) {
		*why = "out of memory";
	}
	if (ret) {
		slot_free(cur);
		slot_free(prev);
	}
out:
	dsess_free(&row);
	return ret;
}

static int save(struct dstore *ds, const struct sess_peer *p,
		const struct slot *cur, const struct slot *prev,
		uint64_t now_ms, const char **why)
{
	struct dsess row = { 0 };
	size_t n = strlen(p->handle);
	int ret;

	if (n >= sizeof(row.handle)) {
		*why = "the peer's handle is too long";
		return -EINVAL;
	}
	memcpy(row.handle, p->handle, n + 1);
	memcpy(row.peer_ik, p->ik, E2E_KEY_LEN);
	row.updated_ms = now_ms;
	ret = e2emsg_session_pack(&cur->r, cur->ad,
				  cur->has_pending ? &cur->pending : NULL,
				  &row.state, &row.state_len);
	if (!ret && prev->set)
		ret = e2emsg_session_pack(&prev->r, prev->ad,
					  prev->has_pending ? &prev->pending :
							      NULL,
					  &row.prev, &row.prev_len);
	if (ret) {
		*why = "out of memory";
		goto out;
	}
	ret = dstore_sess_put(ds, p->dev, &row);
	if (ret)
		*why = dstore_error(ds);
out:
	dsess_free(&row);
	return ret;
}

/* A new session as the one who starts it, from @b. */
static int initiate(const struct sess_self *me, const struct sess_bundle *b,
		    struct slot *s, const char **why)
{
	struct e2e_keypair ek;
	uint8_t sk[E2E_KEY_LEN];
	int ret;

	ret = e2e_keypair_new(&ek);
	if (ret) {
		*why = "cannot make an ephemeral key";
		return ret;
	}
	ret = x3dh_initiate(&me->ik, &ek, b->ik, b->spk, b->opk, sk, s->ad);
	if (ret) {
		*why = "the key agreement failed: a prekey of the bundle is not a valid key";
		ret = -EINVAL;
		goto out;
	}
	ret = ratchet_init_alice(&s->r, sk, b->spk);
	if (ret) {
		*why = "the ratchet cannot start";
		goto out;
	}
	s->set = true;
	memcpy(s->pending.identity_x25519, me->ik.pub, E2E_KEY_LEN);
	memcpy(s->pending.ephemeral, ek.pub, E2E_KEY_LEN);
	s->pending.signed_prekey_id = b->spk_id;
	s->pending.prekey_id = b->opk_id;
	s->pending.last_resort = b->last_resort;
	s->has_pending = true;
out:
	e2e_wipe(&ek, sizeof(ek));
	e2e_wipe(sk, sizeof(sk));
	return ret;
}

int sess_encrypt(struct dstore *ds, const struct sess_self *me,
		 const struct sess_peer *p, const struct sess_bundle *b,
		 const uint8_t *pt, size_t len, uint64_t now_ms,
		 uint8_t **env, size_t *envlen, const char **why)
{
	struct slot cur = { 0 }, prev = { 0 }, fresh = { 0 };
	struct e2e_envelope e = { 0 };
	uint8_t *padded = NULL, *msg = NULL;
	size_t plen = pad_size(len);
	int ret;

	*env = NULL;
	*envlen = 0;
	if (!plen) {
		*why = "the message is too long";
		return -EMSGSIZE;
	}
	if (b && memcmp(b->ik, p->ik, E2E_KEY_LEN)) {
		*why = "the bundle is another device's";
		return -EINVAL;
	}
	ret = load(ds, p, &cur, &prev, why);
	if (ret && (ret != -ENOENT || !b))
		return ret;
	if (b) {
		ret = initiate(me, b, &fresh, why);
		if (ret)
			goto out;
		/* The session in use before becomes the previous one. */
		slot_free(&prev);
		slot_move(&prev, &cur);
		slot_move(&cur, &fresh);
	}
	padded = malloc(plen);
	msg = malloc(plen + RATCHET_OVERHEAD);
	if (!padded || !msg) {
		*why = "out of memory";
		ret = -ENOMEM;
		goto out;
	}
	pad(pt, len, padded);
	ret = ratchet_encrypt(&cur.r, cur.ad, X3DH_AD_LEN, padded, plen, msg);
	if (ret) {
		*why = ret == -EAGAIN ?
			"the session cannot send before the peer's first message" :
			"encryption failed";
		goto out;
	}
	e.ratchet = msg;
	e.ratchet_len = plen + RATCHET_OVERHEAD;
	e.has_prekey = cur.has_pending;
	e.prekey = cur.pending;
	ret = e2emsg_envelope_pack(&e, env, envlen);
	if (ret) {
		*why = "out of memory";
		goto out;
	}
	ret = save(ds, p, &cur, &prev, now_ms, why);
	if (ret) {
		free(*env);
		*env = NULL;
		*envlen = 0;
	}
out:
	if (padded)
		e2e_wipe(padded, plen);
	free(padded);
	free(msg);
	slot_free(&cur);
	slot_free(&prev);
	slot_free(&fresh);
	return ret;
}

static int get_key(struct dstore *ds, enum dstore_key_kind kind, uint32_t id,
		   struct e2e_keypair *kp, const char *missing,
		   const char **why)
{
	struct dkey k;
	int ret;

	ret = dstore_key_get(ds, kind, id, &k);
	if (ret == -ENOENT) {
		*why = missing;
		return -ENOKEY;
	}
	if (ret) {
		*why = dstore_error(ds);
		return ret;
	}
	memcpy(kp->priv, k.priv, E2E_KEY_LEN);
	memcpy(kp->pub, k.pub, E2E_KEY_LEN);
	e2e_wipe(&k, sizeof(k));
	return 0;
}

/* A new session as the one who answers, from the envelope's key
 * agreement and this device's prekeys.
 */
static int respond(struct dstore *ds, const struct sess_self *me,
		   const struct e2e_prekey_info *pk, struct slot *s,
		   const char **why)
{
	struct e2e_keypair spk, opk;
	uint8_t sk[E2E_KEY_LEN];
	int ret;

	ret = get_key(ds, DSTORE_KEY_SIGNED, pk->signed_prekey_id, &spk,
		      "prekey.signed_prekey_id: not a signed prekey of this device (too old, or never made)",
		      why);
	if (ret)
		return ret;
	if (pk->last_resort)
		ret = get_key(ds, DSTORE_KEY_LAST_RESORT, pk->prekey_id, &opk,
			      "prekey.prekey_id: not a last-resort prekey of this device",
			      why);
	else
		ret = get_key(ds, DSTORE_KEY_ONE_TIME, pk->prekey_id, &opk,
			      "prekey.prekey_id: not a one-time prekey of this device (used already, or never made)",
			      why);
	if (ret)
		goto out;
	ret = x3dh_respond(&me->ik, &spk, &opk, pk->identity_x25519,
			   pk->ephemeral, sk, s->ad);
	if (ret) {
		*why = "the key agreement failed: prekey.ephemeral is not a valid key";
		ret = -EBADMSG;
		goto out;
	}
	ret = ratchet_init_bob(&s->r, sk, &spk);
	if (ret)
		*why = "the ratchet cannot start";
	s->set = !ret;
out:
	e2e_wipe(&spk, sizeof(spk));
	e2e_wipe(&opk, sizeof(opk));
	e2e_wipe(sk, sizeof(sk));
	return ret;
}

/* Open @e with a session of @s (in use first): the index of the one that
 * did, or a negative errno with *@why from the session in use.
 */
static int open_existing(struct slot s[2], const struct e2e_envelope *e,
			 uint8_t *out, const char **why)
{
	const char *w = NULL;
	int i, ret, first = 0;
	bool replay = false;

	for (i = 0; i < 2; i++) {
		if (!s[i].set)
			continue;
		ret = ratchet_decrypt(&s[i].r, s[i].ad, X3DH_AD_LEN,
				      e->ratchet, e->ratchet_len, out, &w);
		if (!ret)
			return i;
		if (ret == -EALREADY)
			replay = true;
		if (!first) {
			first = ret;
			*why = w;
		}
	}
	if (replay) {
		*why = "a message opened before (a replay)";
		return -EALREADY;
	}
	return first;
}

int sess_decrypt(struct dstore *ds, const struct sess_self *me,
		 const struct sess_peer *p, const uint8_t *env, size_t envlen,
		 uint64_t now_ms, uint8_t **pt, size_t *ptlen,
		 const char **why)
{
	struct slot s[2] = { 0 }, fresh = { 0 }, tmp;
	struct e2e_envelope e;
	uint8_t *out = NULL;
	size_t outlen = 0;
	void *keep = NULL;
	const char *failed = NULL;
	bool have;
	long n;
	int ret, err;

	*pt = NULL;
	*ptlen = 0;
	ret = e2emsg_envelope_parse(env, envlen, &e, &keep, why);
	if (ret)
		return ret;
	if (e.has_prekey &&
	    memcmp(e.prekey.identity_x25519, p->ik, E2E_KEY_LEN)) {
		*why = "prekey.identity_x25519: not the sending device's identity key";
		ret = -EBADMSG;
		goto out;
	}
	if (e.ratchet_len < RATCHET_OVERHEAD) {
		*why = "ratchet: shorter than a header and a tag";
		ret = -EBADMSG;
		goto out;
	}
	outlen = e.ratchet_len - RATCHET_OVERHEAD;
	out = malloc(outlen ? outlen : 1);
	if (!out) {
		*why = "out of memory";
		ret = -ENOMEM;
		goto out;
	}
	ret = load(ds, p, &s[0], &s[1], why);
	if (ret && ret != -ENOENT)
		goto out;
	have = !ret;
	ret = have ? open_existing(s, &e, out, why) : -ENOENT;
	if (ret >= 0) {
		/* The peer answered in it; it becomes the session in use. */
		s[ret].has_pending = false;
		if (ret == 1) {
			slot_move(&tmp, &s[0]);
			slot_move(&s[0], &s[1]);
			slot_move(&s[1], &tmp);
		}
	} else if (ret == -EALREADY) {
		goto out;
	} else if (e.has_prekey) {
		err = ret;
		failed = *why;
		ret = respond(ds, me, &e.prekey, &fresh, why);
		/*
		 * A session that could have opened it, and a key agreement
		 * whose prekey is gone: most likely the one that made the
		 * session, and the message did not open in it. Say so.
		 */
		if (ret == -ENOKEY && have) {
			ret = err;
			*why = failed;
		}
		if (ret)
			goto out;
		ret = ratchet_decrypt(&fresh.r, fresh.ad, X3DH_AD_LEN,
				      e.ratchet, e.ratchet_len, out, why);
		if (ret)
			goto out;
		/* A one-time prekey serves once. */
		if (!e.prekey.last_resort) {
			ret = dstore_key_del(ds, DSTORE_KEY_ONE_TIME,
					     e.prekey.prekey_id);
			if (ret) {
				*why = dstore_error(ds);
				goto out;
			}
		}
		slot_free(&s[1]);
		slot_move(&s[1], &s[0]);
		slot_move(&s[0], &fresh);
	} else {
		if (!have)
			*why = "no session with this device, and the message starts none: the sender must start a new one";
		goto out;
	}
	/* The keys were spent: the session moves on whatever the content. */
	ret = save(ds, p, &s[0], &s[1], now_ms, why);
	if (ret)
		goto out;
	n = unpad(out, outlen);
	if (n < 0) {
		*why = "the plaintext's padding is malformed";
		ret = -EBADMSG;
		goto out;
	}
	*pt = out;
	*ptlen = (size_t)n;
	out = NULL;
out:
	if (out)
		e2e_wipe(out, outlen);
	free(out);
	e2emsg_free(keep);
	slot_free(&s[0]);
	slot_free(&s[1]);
	slot_free(&fresh);
	return ret;
}

int sess_reset(struct dstore *ds, const uint8_t dev[DSTORE_DEV_LEN])
{
	return dstore_sess_del(ds, dev);
}
