// SPDX-License-Identifier: GPL-2.0
/*
 * The send pump (chat.h): the oldest queued message goes, encrypted once
 * per device, to every device of the recipient's account and to every
 * other device of this one (Documentation/messaging.rst, "Devices and
 * fan-out"). The device lists come from verified lookups (cached); a
 * device without a session gets one from prekeys claimed for it. Each
 * copy is sealed to its device and added to the outbox with a push id of
 * its own, derived from the message id, the device and the round (how
 * many times a reset notice had the message sent again): sending again in
 * the same round gives the same push id, and the gateway and the
 * recipient's inbox keep one; a new round is a new push.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "chat.h"
#include "content.h"
#include "dstore.h"
#include "e2emsg.h"
#include "handle.h"
#include "seal.h"
#include "tdir.h"
#include "ternd.h"

#define PUSH_ID_LABEL	"tern-push-id v1"

struct queued {
	int64_t seq;
	uint32_t round;
	uint8_t msg_id[16];
	char peer[256];
	uint8_t *body;
	size_t len;
};

static int queued_cb(void *ctx, const struct dchat *m)
{
	struct queued *q = ctx;

	q->seq = m->seq;
	q->round = m->round;
	memcpy(q->msg_id, m->msg_id, sizeof(q->msg_id));
	snprintf(q->peer, sizeof(q->peer), "%s", m->peer);
	q->body = malloc(m->len ? m->len : 1);
	if (!q->body)
		return -ENOMEM;
	memcpy(q->body, m->body, m->len);
	q->len = m->len;
	return 1;
}

int chat_push_id(const uint8_t msg_id[16], const uint8_t dev[16],
		 uint32_t round, uint8_t out[16])
{
	uint8_t buf[sizeof(PUSH_ID_LABEL) + 36], md[EVP_MAX_MD_SIZE];
	uint8_t *p = buf + sizeof(PUSH_ID_LABEL);
	unsigned int mdlen = 0;

	memcpy(buf, PUSH_ID_LABEL, sizeof(PUSH_ID_LABEL));
	memcpy(p, msg_id, 16);
	memcpy(p + 16, dev, 16);
	p[32] = round >> 24;
	p[33] = round >> 16;
	p[34] = round >> 8;
	p[35] = round;
	if (EVP_Digest(buf, sizeof(buf), md, &mdlen, EVP_sha256(), NULL) != 1)
		return -EIO;
	memcpy(out, md, 16);
	return 0;
}

static int fail(struct ternd *td, const struct queued *q, const char *why)
{
	int ret = td_batch(td);

	if (!ret)
		ret = dstore_chat_state(td->ds, q->seq, DCHAT_FAILED, 0, why);
	if (ret) {
		td_log(td, TD_ERR, "store: %s", dstore_error(td->ds));
		td_batch_fail(td, ret);
		return ret;
	}
	td_log(td, TD_INFO, "a message could not be sent: %s", why);
	return 0;
}

/* A session with @dev, made with identity key @ik? */
static bool has_session(struct ternd *td, const uint8_t *dev,
			const uint8_t *ik)
{
	struct dsess s;
	bool ret;

	if (dstore_sess_get(td->ds, dev, &s))
		return false;
	ret = !memcmp(s.peer_ik, ik, ENTRY_KEY_LEN);
	dsess_free(&s);
	return ret;
}

static void job_done(struct ternd *td, struct chat_target *t, unsigned int n,
		     bool cancelled);

static int want(struct ternd *td, const struct queued *q, const char *h1,
		const char *h2, bool claim)
{
	struct td_chat *c = td->chat;
	struct chat_target t[2];
	unsigned int n = 0;
	int ret;

	memset(t, 0, sizeof(t));
	if (h1) {
		snprintf(t[n].handle, sizeof(t[n].handle), "%s", h1);
		t[n++].claim = claim;
	}
	if (h2) {
		snprintf(t[n].handle, sizeof(t[n].handle), "%s", h2);
		t[n++].claim = claim;
	}
	ret = chat_job(td, t, n, job_done);
	if (ret)
		return ret;
	/* Only once the claim is out: a job that never went must not
	 * leave the message looking claimed for, with no bundles.
	 */
	if (claim) {
		c->bundle_seq = q->seq;
		c->n_bundles = 0;
	}
	c->send_busy = true;
	return 1;
}

/* The bundles of every device @t's claim gave prekeys for. */
static void keep_bundles(struct td_chat *c, const struct chat_target *t)
{
	const struct lookup_result *r = &t->r;
	const struct claim_device *cd;
	struct chat_dest *d;
	unsigned int i, k;

	for (k = 0; k < t->c.ndev; k++) {
		cd = &t->c.dev[k];
		for (i = 0; i < r->entry.ndev; i++)
			if (!memcmp(r->entry.dev[i].id, cd->device_id,
				    ENTRY_ID_LEN))
				break;
		if (i == r->entry.ndev || !r->signed_prekey[i].set ||
		    r->signed_prekey[i].klen != E2E_KEY_LEN ||
		    c->n_bundles == CHAT_DEVICES)
			continue;
		d = &c->bundles[c->n_bundles++];
		memset(d, 0, sizeof(*d));
		memcpy(d->dev, cd->device_id, ENTRY_ID_LEN);
		memcpy(d->ik, r->entry.dev[i].identity_x25519, ENTRY_KEY_LEN);
		d->has_bundle = true;
		memcpy(d->b.ik, d->ik, E2E_KEY_LEN);
		d->b.spk_id = r->signed_prekey[i].id;
		memcpy(d->b.spk, r->signed_prekey[i].key, E2E_KEY_LEN);
		d->b.last_resort = !cd->has_one_time;
		d->b.opk_id = cd->has_one_time ? cd->one_time_id :
						  cd->last_resort_id;
		memcpy(d->b.opk, cd->has_one_time ? cd->one_time :
						     cd->last_resort,
		       E2E_KEY_LEN);
	}
}

static void job_done(struct ternd *td, struct chat_target *t, unsigned int n,
		     bool cancelled)
{
	struct td_chat *c = td->chat;
	unsigned int i;

	c->send_busy = false;
	if (cancelled)
		return;
	for (i = 0; i < n; i++) {
		if (t[i].ret) {
			td_log(td, TD_INFO,
			       "messages wait: the directory: %s", t[i].err);
			c->bundle_seq = 0;
			chat_retry_later(td);
			return;
		}
		if (t[i].claim)
			keep_bundles(c, &t[i]);
	}
	backoff_reset(&c->bo);
	chat_kick(td);
}

static const struct chat_dest *bundle_for(struct td_chat *c,
					  const struct queued *q,
					  const uint8_t *dev, const uint8_t *ik)
{
	unsigned int i;

	if (c->bundle_seq != q->seq)
		return NULL;
	for (i = 0; i < c->n_bundles; i++)
		if (!memcmp(c->bundles[i].dev, dev, ENTRY_ID_LEN) &&
		    !memcmp(c->bundles[i].ik, ik, ENTRY_KEY_LEN))
			return &c->bundles[i];
	return NULL;
}

/*
 * The Content for this account's other devices: the same, naming the
 * conversation's other account (sync_to), so they file it with it. A
 * delivery receipt is none of their business: *@out stays NULL.
 */
static int sync_body(const struct queued *q, uint8_t **out, size_t *len)
{
	struct content ct;
	const char *why;
	void *keep;
	int ret;

	*out = NULL;
	*len = 0;
	ret = content_parse(q->body, q->len, &ct, &keep, &why);
	if (ret)
		return ret;
	snprintf(ct.sync_to, sizeof(ct.sync_to), "%s", q->peer);
	if (ct.kind != CONTENT_RECEIPT || ct.read)
		ret = content_pack(&ct, out, len);
	content_free(keep);
	return ret;
}

/* One copy: encrypted, sealed, into the outbox. */
static int send_copy(struct ternd *td, const struct queued *q,
		     const uint8_t *body, size_t len,
		     const struct entry_device *d, const char *handle,
		     const struct chat_dest *bundle)
{
	struct td_chat *c = td->chat;
	struct sess_peer p = { .handle = handle };
	uint8_t *env = NULL, *inner = NULL, *sealed = NULL, id[16];
	size_t envlen, innerlen;
	const char *why = NULL;
	int ret;

	memcpy(p.dev, d->id, ENTRY_ID_LEN);
	memcpy(p.ik, d->identity_x25519, ENTRY_KEY_LEN);
	ret = sess_encrypt(td->ds, &c->me, &p, bundle ? &bundle->b : NULL,
			   body, len, ev_wall_ms(), &env, &envlen, &why);
	if (ret) {
		td_log(td, ret == -EIO || ret == -ENOSPC ? TD_ERR : TD_INFO,
		       "a copy to a device of a recipient: %s", why);
		return ret;
	}
	ret = e2emsg_sealed_pack(chat_self(td), td->device_id, env, envlen,
				 &inner, &innerlen);
	if (ret)
		goto out;
	sealed = malloc(SEAL_OVERHEAD + innerlen);
	if (!sealed) {
		ret = -ENOMEM;
		goto out;
	}
	ret = seal_wrap(d->identity_x25519, NULL, inner, innerlen, sealed);
	if (!ret)
		ret = chat_push_id(q->msg_id, d->id, q->round, id);
	if (ret)
		goto out;
	ret = dstore_out_add_chat(td->ds, id, d->push_token, 0, 0, sealed,
				  SEAL_OVERHEAD + innerlen, ev_wall_ms(),
				  q->seq);
	if (ret == 1)
		ret = 0;	/* the same copy is pending already */
	if (ret)
		td_log(td, TD_ERR, "store: %s", dstore_error(td->ds));
out:
	free(env);
	free(inner);
	free(sealed);
	return ret;
}

/*
 * Send @q: 0 when it was handled (sent or failed), 1 when it waits for the
 * directory, a negative errno when the store failed.
 */
static int send_one(struct ternd *td, const struct queued *q)
{
	struct td_chat *c = td->chat;
	const char *self = chat_self(td), *h2, *why;
	const struct tdir_cached *ep, *es = NULL, *e;
	const struct entry_device *d;
	bool claim_p = false, claim_s = false, own;
	unsigned int i, k, copies = 0, tried = 0;
	uint8_t *sbody = NULL;
	size_t slen = 0;
	int ret;

	h2 = strcmp(q->peer, self) ? self : NULL;
	ep = chat_cached(td, q->peer);
	if (h2)
		es = chat_cached(td, h2);
	if (!ep || (h2 && !es))
		return want(td, q, ep ? NULL : q->peer, h2 && !es ? h2 : NULL,
			    false);
	if (!ep->present)
		return fail(td, q, "no such handle in the directory");
	/* A key changed since it was verified: not a word to it. */
	ret = chat_key_check(td, q->peer, ep->entry.account_key, &why);
	if (ret == -EPERM)
		return fail(td, q, why);
	if (ret)
		return ret;
	/* Which devices need a session, and have no bundle for one yet. */
	for (k = 0; k < 2; k++) {
		e = k ? es : ep;
		for (i = 0; e && e->present && i < e->entry.ndev; i++) {
			d = &e->entry.dev[i];
			if (!memcmp(d->id, td->device_id, ENTRY_ID_LEN) ||
			    has_session(td, d->id, d->identity_x25519) ||
			    bundle_for(c, q, d->id, d->identity_x25519))
				continue;
			if (k)
				claim_s = true;
			else
				claim_p = true;
		}
	}
	if ((claim_p || claim_s) && c->bundle_seq != q->seq)
		return want(td, q, claim_p ? q->peer : NULL,
			    claim_s ? h2 : NULL, true);

	ret = sync_body(q, &sbody, &slen);
	if (!ret)
		ret = td_batch(td);
	if (ret) {
		free(sbody);
		return ret == -EBADMSG ? fail(td, q, "unreadable in the store") :
					 ret;
	}
	for (k = 0; k < 2; k++) {
		e = k ? es : ep;
		/* Copies to this account's devices carry the peer's name. */
		own = k || !h2;
		for (i = 0; e && e->present && i < e->entry.ndev; i++) {
			d = &e->entry.dev[i];
			if (!memcmp(d->id, td->device_id, ENTRY_ID_LEN) ||
			    (own && !sbody))
				continue;
			tried++;
			ret = send_copy(td, q, own ? sbody : q->body,
					own ? slen : q->len, d,
					k ? h2 : q->peer,
					bundle_for(c, q, d->id,
						   d->identity_x25519));
			if (ret == -EIO || ret == -ENOSPC || ret == -ENOMEM) {
				free(sbody);
				td_batch_fail(td, ret);
				return ret;
			}
			if (!ret)
				copies++;
		}
	}
	free(sbody);
	c->bundle_seq = 0;
	if (!copies)
		return fail(td, q, tried ? "no device of the recipient could get it" :
				       "the recipient has no device");
	ret = dstore_chat_state(td->ds, q->seq, DCHAT_SENDING, copies, NULL);
	if (ret) {
		td_log(td, TD_ERR, "store: %s", dstore_error(td->ds));
		td_batch_fail(td, ret);
		return ret;
	}
	c->sent++;
	c->pushed = true;
	return 0;
}

void chat_send_pump(struct ternd *td)
{
	struct td_chat *c = td->chat;
	struct queued q;
	unsigned int i;
	int ret;

	for (i = 0; i < CHAT_PUMP_MAX; i++) {
		if (c->send_busy || c->stopping ||
		    td->dir->state != TDIR_REGISTERED)
			return;
		memset(&q, 0, sizeof(q));
		ret = dstore_chat_queued(td->ds, queued_cb, &q);
		if (ret < 0) {
			td_log(td, TD_ERR, "store: %s", dstore_error(td->ds));
			free(q.body);
			chat_retry_later(td);
			return;
		}
		if (!ret)
			return;
		ret = send_one(td, &q);
		free(q.body);
		if (ret < 0) {
			chat_retry_later(td);
			return;
		}
		if (ret)
			return;
	}
	/* More may wait: after this batch is committed. */
	ev_after_next(td->loop, &td->chat_after);
}

int chat_queue(struct ternd *td, const char *to, struct content *ct,
	       char *err, size_t errlen)
{
	struct dchat m = { 0 };
	uint8_t *body = NULL;
	int64_t seq;
	size_t blen;
	int ret;

	if (RAND_bytes(ct->msg_id, sizeof(ct->msg_id)) != 1) {
		snprintf(err, errlen, "no randomness for a message id");
		return -EIO;
	}
	ct->sent_ms = ev_wall_ms();
	ret = content_pack(ct, &body, &blen);
	if (ret) {
		snprintf(err, errlen, ret == -EINVAL ?
			 "text: not UTF-8, or holds a NUL" : "out of memory");
		return ret;
	}
	m.msg_id = ct->msg_id;
	m.peer = to;
	m.outgoing = true;
	m.body = body;
	m.len = blen;
	m.sent_ms = ct->sent_ms;
	m.at_ms = ct->sent_ms;
	m.state = DCHAT_QUEUED;
	m.control = ct->kind != CONTENT_TEXT;
	ret = td_batch(td);
	if (!ret)
		ret = dstore_chat_add(td->ds, &m, &seq);
	free(body);
	if (ret < 0) {
		snprintf(err, errlen, "store: %s", dstore_error(td->ds));
		td_batch_fail(td, ret);
		return ret;
	}
	chat_kick(td);
	return 0;
}

static int find_cb(void *ctx, const struct dchat *m)
{
	(void)ctx;
	(void)m;
	return 1;
}

int chat_send(struct ternd *td, const char *to, struct content *ct,
	      uint8_t id[16], char *err, size_t errlen)
{
	const struct tdir_cached *e;
	const char *why = handle_why(to);
	unsigned int i;
	int ret;

	if (why) {
		snprintf(err, errlen, "to: the handle %s", why);
		return -EINVAL;
	}
	if (ct->text_len > CONTENT_TEXT_MAX) {
		snprintf(err, errlen, "text: longer than %d bytes",
			 CONTENT_TEXT_MAX);
		return -EMSGSIZE;
	}
	for (i = 0; i < ct->n_mentions; i++) {
		why = handle_why(ct->mentions[i]);
		if (why) {
			snprintf(err, errlen, "mentions: the handle %s", why);
			return -EINVAL;
		}
	}
	if (ct->reply_to) {
		ret = dstore_chat_find(td->ds, to, ct->reply_to, find_cb, NULL);
		if (ret <= 0) {
			snprintf(err, errlen, ret ? "store: %s" :
				 "reply_to: no such message in the conversation",
				 dstore_error(td->ds));
			return ret ? ret : -EINVAL;
		}
	}
	/* Refused at once when the key in hand is not the verified one. */
	e = tdir_cache_get(td->dir, to, UINT64_MAX);
	if (e && e->present) {
		ret = chat_key_check(td, to, e->entry.account_key, &why);
		if (ret) {
			snprintf(err, errlen, "%s: %s", to, why);
			return ret;
		}
	}
	ct->kind = CONTENT_TEXT;
	ret = chat_queue(td, to, ct, err, errlen);
	if (ret)
		return ret;
	/* Writing to someone accepts them (and lifts a block). */
	if (strcmp(to, chat_self(td))) {
		ret = dstore_contact_set(td->ds, to, DCONTACT_ACCEPTED,
					 ev_wall_ms());
		if (ret) {
			snprintf(err, errlen, "store: %s",
				 dstore_error(td->ds));
			td_batch_fail(td, ret);
			return ret;
		}
	}
	/* Durable before the client hears it was taken. */
	ret = td_flush_now(td);
	if (ret) {
		snprintf(err, errlen, "store: %s", dstore_error(td->ds));
		return ret;
	}
	memcpy(id, ct->msg_id, 16);
	return 0;
}

static void typing_lookup_done(struct ternd *td, struct chat_target *t,
			       unsigned int n, bool cancelled)
{
	(void)t;
	(void)n;
	(void)cancelled;
	td->chat->typing_busy = false;
}

struct typing_copy {
	uint8_t id[16], token[ENTRY_TOKEN_LEN];
	uint8_t *sealed;
	size_t len;
};

int chat_send_typing(struct ternd *td, const char *to, bool on, char *err,
		     size_t errlen)
{
	struct content ct = { .kind = CONTENT_TYPING, .typing = on };
	struct typing_copy cp[ENTRY_MAX_DEVICES];
	const struct tdir_cached *e;
	const struct entry_device *d;
	struct chat_target t = { 0 };
	const char *why = handle_why(to);
	uint8_t *body = NULL, *env = NULL, *inner = NULL;
	size_t blen, envlen, innerlen;
	unsigned int i, n = 0;
	int ret;

	if (why) {
		snprintf(err, errlen, "with: the handle %s", why);
		return -EINVAL;
	}
	if (!link_ready(td)) {
		snprintf(err, errlen, "not connected to the gateway");
		return -ENOTCONN;
	}
	/*
	 * Best effort, and now: any device list in hand will do (a stale
	 * one is refreshed for the next time); with none, this one goes
	 * nowhere and the next finds one.
	 */
	if (!chat_cached(td, to) && !td->chat->typing_busy) {
		snprintf(t.handle, sizeof(t.handle), "%s", to);
		if (!chat_job(td, &t, 1, typing_lookup_done))
			td->chat->typing_busy = true;
	}
	e = tdir_cache_get(td->dir, to, UINT64_MAX);
	if (!e)
		return 0;
	if (RAND_bytes(ct.msg_id, sizeof(ct.msg_id)) != 1 ||
	    content_pack(&ct, &body, &blen)) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ret = td_batch(td);
	/* Only devices with a session: no prekey is spent on typing. */
	for (i = 0; !ret && e->present && i < e->entry.ndev; i++) {
		struct sess_peer p = { .handle = to };

		d = &e->entry.dev[i];
		if (!has_session(td, d->id, d->identity_x25519))
			continue;
		memcpy(p.dev, d->id, ENTRY_ID_LEN);
		memcpy(p.ik, d->identity_x25519, ENTRY_KEY_LEN);
		ret = sess_encrypt(td->ds, &td->chat->me, &p, NULL, body,
				   blen, ev_wall_ms(), &env, &envlen, &why);
		if (ret == -EIO || ret == -ENOSPC || ret == -ENOMEM)
			break;
		if (ret) {
			ret = 0;
			continue;
		}
		ret = e2emsg_sealed_pack(chat_self(td), td->device_id, env,
					 envlen, &inner, &innerlen);
		free(env);
		if (ret)
			break;
		cp[n].len = SEAL_OVERHEAD + innerlen;
		cp[n].sealed = malloc(cp[n].len);
		if (!cp[n].sealed ||
		    RAND_bytes(cp[n].id, sizeof(cp[n].id)) != 1 ||
		    seal_wrap(d->identity_x25519, NULL, inner, innerlen,
			      cp[n].sealed)) {
			free(cp[n].sealed);
			free(inner);
			ret = -ENOMEM;
			break;
		}
		free(inner);
		memcpy(cp[n].token, d->push_token, ENTRY_TOKEN_LEN);
		n++;
	}
	free(body);
	if (ret)
		td_batch_fail(td, ret);
	/*
	 * The sessions' steps are committed before a copy leaves: a step
	 * lost after its message left would use a message key twice.
	 */
	if (td_flush_now(td) && !ret)
		ret = -EIO;
	for (i = 0; i < n; i++) {
		Tern__Push p = TERN__PUSH__INIT;

		p.token = wire_bytes(cp[i].token, WIRE_TOKEN_LEN);
		p.msg_id = wire_bytes(cp[i].id, WIRE_MSG_ID_LEN);
		p.flags = TERN__PUSH_FLAG__PUSH_F_NO_STORE;
		p.payload = wire_bytes(cp[i].sealed, cp[i].len);
		if (!ret)
			link_send(td, WIRE_PUSH, &p.base);
		free(cp[i].sealed);
	}
	if (ret) {
		snprintf(err, errlen, "store: %s", dstore_error(td->ds));
		return ret;
	}
	return (int)n;
}

int chat_send_receipt(struct ternd *td, const char *to, bool read,
		      const uint8_t (*ids)[16], unsigned int n)
{
	struct content ct = { .kind = CONTENT_RECEIPT, .read = read };
	char err[256];
	unsigned int i;
	int ret = 0;

	while (n && !ret) {
		ct.n_ids = n < CONTENT_IDS_MAX ? n : CONTENT_IDS_MAX;
		for (i = 0; i < ct.n_ids; i++)
			ct.ids[i] = ids[i];
		ret = chat_queue(td, to, &ct, err, sizeof(err));
		ids += ct.n_ids;
		n -= ct.n_ids;
	}
	if (ret)
		td_log(td, TD_ERR, "a receipt: %s", err);
	return ret;
}

int chat_send_reset(struct ternd *td, const char *to,
		    const uint8_t push_id[16])
{
	struct content ct = { .kind = CONTENT_RESET, .n_ids = 1 };
	char err[256];
	int ret;

	ct.ids[0] = push_id;
	ret = chat_queue(td, to, &ct, err, sizeof(err));
	if (ret)
		td_log(td, TD_ERR, "a reset notice: %s", err);
	return ret;
}
