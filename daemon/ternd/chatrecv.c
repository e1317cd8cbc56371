// SPDX-License-Identifier: GPL-2.0
/*
 * The receive pump (chat.h): the oldest message of the inbox is opened
 * with this device's identity key (the sealed layer), its sender named
 * inside is checked against the directory (the device must be in the
 * verified entry of the handle it claims, and its identity key is the
 * one the session is bound to), decrypted, and stored as a chat row, in
 * the batch that consumes the inbox row. A sender not in the cache, or a
 * device the cached entry lacks, waits for one fresh lookup.
 *
 * What does not open is dropped, never retried: it can not open later
 * either. Nothing of a message's content, and no handle, is logged.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "content.h"
#include "dstore.h"
#include "e2emsg.h"
#include "seal.h"
#include "tdir.h"
#include "ternd.h"

struct row {
	uint8_t msg_id[16];
	uint8_t *payload;
	size_t len;
};

static int first_cb(void *ctx, const struct dmsg *m)
{
	struct row *r = ctx;

	if (!r)
		return 1;
	memcpy(r->msg_id, m->msg_id, sizeof(r->msg_id));
	r->payload = malloc(m->len ? m->len : 1);
	if (!r->payload)
		return -ENOMEM;
	memcpy(r->payload, m->payload, m->len);
	r->len = m->len;
	return 1;
}

/* Consume the inbox's oldest message in the batch. */
static int consume(struct ternd *td)
{
	int ret = td_batch(td);

	if (!ret)
		ret = dstore_inbox_take(td->ds, 1, true, first_cb, NULL);
	if (ret < 0) {
		td_log(td, TD_ERR, "store: %s", dstore_error(td->ds));
		td_batch_fail(td, ret);
		return ret;
	}
	return 0;
}

static int drop(struct ternd *td, const char *why)
{
	td->chat->dropped++;
	td_log(td, TD_INFO, "a received message was dropped: %s", why);
	return consume(td);
}

static void job_done(struct ternd *td, struct chat_target *t, unsigned int n,
		     bool cancelled)
{
	struct td_chat *c = td->chat;

	c->recv_busy = false;
	if (cancelled)
		return;
	if (n && t[0].ret) {
		td_log(td, TD_INFO, "received messages wait: the directory: %s",
		       t[0].err);
		c->fresh_for_set = false;
		chat_retry_later(td);
		return;
	}
	backoff_reset(&c->bo);
	chat_kick(td);
}

static const struct entry_device *find_dev(const struct tdir_cached *e,
					   const uint8_t *dev)
{
	unsigned int i;

	for (i = 0; e && e->present && i < e->entry.ndev; i++)
		if (!memcmp(e->entry.dev[i].id, dev, ENTRY_ID_LEN))
			return &e->entry.dev[i];
	return NULL;
}

struct resend_ctx {
	const struct content *ct;
	const uint8_t *dev;
	int64_t seq[64];
	unsigned int n;
};

static int resend_cb(void *ctx, const struct dchat *m)
{
	struct resend_ctx *r = ctx;
	uint8_t id[16];
	unsigned int i;

	/* Only what this device sent itself, to that device. */
	if (!m->outgoing || m->sender_dev || r->n == 64 ||
	    chat_push_id(m->msg_id, r->dev, m->round, id))
		return 0;
	for (i = 0; i < r->ct->n_ids; i++) {
		if (!memcmp(id, r->ct->ids[i], 16)) {
			r->seq[r->n++] = m->seq;
			break;
		}
	}
	return 0;
}

/*
 * A reset notice from @handle's device @dev: it could not open the pushes
 * named. It came in a new session, which is now the one in use; the
 * messages those pushes carried go again, to every device.
 */
static int reset_notice(struct ternd *td, const struct content *ct,
			const char *handle, const uint8_t *dev)
{
	struct resend_ctx r = { .ct = ct, .dev = dev };
	unsigned int i;
	int ret;

	ret = dstore_chat_history(td->ds, handle, 1000, resend_cb, &r);
	for (i = 0; ret >= 0 && i < r.n; i++)
		ret = dstore_chat_requeue(td->ds, r.seq[i]);
	if (ret < 0) {
		td_log(td, TD_ERR, "store: %s", dstore_error(td->ds));
		td_batch_fail(td, ret);
		return ret;
	}
	td_log(td, TD_INFO,
	       "a reset notice: a device started a new session; %u messages go again",
	       r.n);
	if (r.n)
		chat_kick(td);
	return consume(td);
}

/*
 * A receipt from @handle: its device stored, or its person read, these
 * messages of ours; or, a copy from this account's other device
 * (sync_to), its person read these from sync_to there.
 */
static int receipt(struct ternd *td, const struct content *ct,
		   const char *handle)
{
	bool mine = ct->sync_to[0];
	unsigned int i;
	int ret = 0;

	if (mine && (strcmp(handle, chat_self(td)) || !ct->read))
		return drop(td, "a receipt copy from another account");
	for (i = 0; ret >= 0 && i < ct->n_ids; i++)
		ret = dstore_chat_mark(td->ds, mine ? ct->sync_to : handle,
				       !mine, ct->ids[i], ct->read,
				       ev_wall_ms());
	if (ret < 0) {
		td_log(td, TD_ERR, "store: %s", dstore_error(td->ds));
		td_batch_fail(td, ret);
		return ret;
	}
	return consume(td);
}

/* Queue the delivery receipts batched so far (in the batch). */
static int rcpt_flush(struct ternd *td)
{
	struct td_chat *c = td->chat;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < c->n_rcpt && !ret; i++)
		ret = chat_send_receipt(td, c->rcpt[i].handle, false,
					(const uint8_t (*)[16])c->rcpt[i].ids,
					c->rcpt[i].n);
	c->n_rcpt = 0;
	return ret;
}

/*
 * A delivery receipt for message @id from @handle: batched, one receipt
 * per sender for what one pump run stored (a burst of 20 messages is
 * answered by one receipt, not 20).
 */
static int rcpt_add(struct ternd *td, const char *handle, const uint8_t *id)
{
	struct td_chat *c = td->chat;
	struct chat_rcpt *r = NULL;
	unsigned int i;
	int ret;

	for (i = 0; i < c->n_rcpt; i++)
		if (!strcmp(c->rcpt[i].handle, handle))
			r = &c->rcpt[i];
	if (!r || r->n == CONTENT_IDS_MAX) {
		if (c->n_rcpt == CHAT_RCPT_PEERS || r) {
			ret = rcpt_flush(td);
			if (ret)
				return ret;
		}
		r = &c->rcpt[c->n_rcpt++];
		snprintf(r->handle, sizeof(r->handle), "%s", handle);
		r->n = 0;
	}
	memcpy(r->ids[r->n++], id, 16);
	return 0;
}

/* Store what @ct says, from @handle's device @dev. */
static int store(struct ternd *td, const struct content *ct,
		 const char *handle, const uint8_t *dev, const uint8_t *body,
		 size_t len)
{
	const char *self = chat_self(td);
	struct dchat m = { 0 };
	int64_t seq;
	int ret;

	/*
	 * A blocked sender's messages are dropped here, whatever they are
	 * (but for a reset notice: sessions must still work). Someone who
	 * writes first becomes a message request.
	 */
	if (strcmp(handle, self) && ct->kind != CONTENT_RESET) {
		ret = dstore_contact_get(td->ds, handle);
		if (ret == DCONTACT_BLOCKED)
			return drop(td, "from a blocked sender");
		if (ret == -ENOENT && ct->kind == CONTENT_TEXT)
			ret = dstore_contact_set(td->ds, handle,
						 DCONTACT_REQUEST,
						 ev_wall_ms());
		if (ret < 0 && ret != -ENOENT) {
			td_log(td, TD_ERR, "store: %s", dstore_error(td->ds));
			td_batch_fail(td, ret);
			return ret;
		}
	}
	/*
	 * Another device of this account wrote to someone: a contact here
	 * too, as there (read receipts go to contacts only).
	 */
	if (!strcmp(handle, self) && ct->kind == CONTENT_TEXT &&
	    ct->sync_to[0] && strcmp(ct->sync_to, self)) {
		ret = dstore_contact_set(td->ds, ct->sync_to,
					 DCONTACT_ACCEPTED, ev_wall_ms());
		if (ret) {
			td_log(td, TD_ERR, "store: %s", dstore_error(td->ds));
			td_batch_fail(td, ret);
			return ret;
		}
	}
	if (ct->kind == CONTENT_RESET)
		return ct->sync_to[0] ? consume(td) :
					reset_notice(td, ct, handle, dev);
	if (ct->kind == CONTENT_RECEIPT)
		return receipt(td, ct, handle);
	if (ct->kind == CONTENT_REACTION || ct->kind == CONTENT_EDIT ||
	    ct->kind == CONTENT_UNSEND) {
		const char *why = NULL;
		bool mine = ct->sync_to[0];

		if (mine && strcmp(handle, self))
			return drop(td, "a copy for another account's devices");
		ret = chat_apply_ref(td, ct, mine ? ct->sync_to : handle,
				     mine ? self : handle, &why);
		if (ret == -EPERM || ret == -ENOENT)
			return drop(td, why);
		return ret ? ret : consume(td);
	}
	if (ct->kind == CONTENT_DEVICES) {
		/* Only another device of this account that this one expects
		 * may change what its monitor expects.
		 */
		if (strcmp(handle, self) || !devlink_approved(td, dev))
			return drop(td, "a device list from a device this one does not expect");
		ret = devlink_devices(td, dev, ct->ids, ct->n_ids, ct->removed,
				      ct->n_removed);
		return ret ? ret : consume(td);
	}
	if (ct->kind == CONTENT_TYPING) {
		/* Shown to who watches now, kept nowhere. */
		if (!ct->sync_to[0])
			api_typing(td, handle, ct->typing);
		return consume(td);
	}
	m.msg_id = ct->msg_id;
	m.body = body;
	m.len = len;
	m.sent_ms = ct->sent_ms;
	m.at_ms = ev_wall_ms();
	m.sender_dev = dev;
	if (ct->sync_to[0]) {
		/* A copy of what another device of this account sent. */
		if (strcmp(handle, self))
			return drop(td, "a copy for another account's devices");
		m.peer = ct->sync_to;
		m.outgoing = true;
		m.state = DCHAT_SENT;
	} else {
		m.peer = handle;
		m.state = DCHAT_RECEIVED;
	}
	ret = dstore_chat_add(td->ds, &m, &seq);
	if (ret < 0) {
		td_log(td, TD_ERR, "store: %s", dstore_error(td->ds));
		td_batch_fail(td, ret);
		return ret;
	}
	if (!ret && !m.outgoing) {
		td->chat->received++;
		/* Stored: the sender hears it was delivered. */
		if (ct->kind == CONTENT_TEXT &&
		    rcpt_add(td, handle, ct->msg_id))
			return -EIO;
	}
	return consume(td);
}

struct unread_ctx {
	uint8_t (*ids)[16];
	unsigned int n, max;
};

static int unread_cb(void *ctx, const struct dchat *m)
{
	struct unread_ctx *u = ctx;

	if (m->outgoing || m->read_ms || u->n == u->max)
		return 0;
	memcpy(u->ids[u->n++], m->msg_id, 16);
	return 0;
}

int chat_read(struct ternd *td, const char *peer, char *err, size_t errlen)
{
	struct unread_ctx u = { .max = 1000 };
	uint64_t now = ev_wall_ms();
	unsigned int i;
	int ret;

	u.ids = calloc(u.max, sizeof(*u.ids));
	if (!u.ids) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ret = dstore_chat_history(td->ds, peer, u.max, unread_cb, &u);
	if (ret >= 0)
		ret = td_batch(td);
	for (i = 0; ret >= 0 && i < u.n; i++)
		ret = dstore_chat_mark(td->ds, peer, false, u.ids[i], true,
				       now);
	/* A message request hears nothing until accepted. */
	if (ret >= 0 && u.n && !td->conf.no_read_receipts &&
	    dstore_contact_get(td->ds, peer) == DCONTACT_ACCEPTED)
		ret = chat_send_receipt(td, peer, true,
					(const uint8_t (*)[16])u.ids, u.n);
	free(u.ids);
	if (ret < 0) {
		snprintf(err, errlen, "store: %s", dstore_error(td->ds));
		td_batch_fail(td, ret);
		return ret;
	}
	ret = td_flush_now(td);
	if (ret) {
		snprintf(err, errlen, "store: %s", dstore_error(td->ds));
		return ret;
	}
	return (int)u.n;
}

/* 0 handled, 1 waiting for the directory, a negative errno. */
static int recv_one(struct ternd *td, const struct row *r)
{
	struct td_chat *c = td->chat;
	const struct entry_device *d;
	const struct tdir_cached *e;
	struct e2e_sealed_content sc;
	struct sess_peer p;
	struct content ct;
	struct chat_target t;
	uint8_t *inner = NULL, *pt = NULL;
	void *keep = NULL, *ckeep = NULL;
	const char *why = NULL;
	size_t ptlen;
	int ret;

	if (r->len < SEAL_OVERHEAD)
		return drop(td, "too short to be sealed");
	inner = malloc(r->len - SEAL_OVERHEAD + 1);
	if (!inner)
		return -ENOMEM;
	ret = seal_open(&c->me.ik, r->payload, r->len, inner, &why);
	if (ret) {
		ret = drop(td, why ? why : "it does not open");
		goto out;
	}
	ret = e2emsg_sealed_parse(inner, r->len - SEAL_OVERHEAD, &sc, &keep,
				  &why);
	if (ret) {
		ret = drop(td, why);
		goto out;
	}
	e = chat_cached(td, sc.handle);
	d = find_dev(e, sc.device);
	if (!d && (!c->fresh_for_set ||
		   memcmp(c->fresh_for, r->msg_id, sizeof(c->fresh_for)))) {
		memset(&t, 0, sizeof(t));
		snprintf(t.handle, sizeof(t.handle), "%s", sc.handle);
		memcpy(c->fresh_for, r->msg_id, sizeof(c->fresh_for));
		c->fresh_for_set = true;
		ret = chat_job(td, &t, 1, job_done);
		if (!ret) {
			c->recv_busy = true;
			ret = 1;
		}
		goto out;
	}
	if (!d) {
		ret = drop(td, e && e->present ?
			   "its sender's device is not in the directory" :
			   "its sender is not in the directory");
		goto out;
	}
	memcpy(p.dev, d->id, ENTRY_ID_LEN);
	memcpy(p.ik, d->identity_x25519, ENTRY_KEY_LEN);
	p.handle = sc.handle;
	ret = td_batch(td);
	if (ret)
		goto out;
	ret = sess_decrypt(td->ds, &c->me, &p, sc.envelope, sc.envelope_len,
			   ev_wall_ms(), &pt, &ptlen, &why);
	if (ret == -EIO || ret == -ENOSPC || ret == -ENOMEM) {
		td_log(td, TD_ERR, "store: %s", why);
		td_batch_fail(td, ret);
		goto out;
	}
	if (ret == -ENOENT || ret == -ENOKEY) {
		/*
		 * No session opens it and it starts none we can answer:
		 * forget what is left of the sessions with that device and
		 * tell it, in a new one (messaging.rst, "Sessions in the
		 * store").
		 */
		td_log(td, TD_INFO, "a received message needs a new session: %s",
		       why);
		ret = sess_reset(td->ds, p.dev);
		if (ret && ret != -ENOENT) {
			td_batch_fail(td, ret);
			goto out;
		}
		ret = chat_send_reset(td, sc.handle, r->msg_id);
		if (!ret)
			ret = drop(td, "sent a reset notice");
		goto out;
	}
	if (ret) {
		ret = drop(td, why);
		goto out;
	}
	ret = content_parse(pt, ptlen, &ct, &ckeep, &why);
	if (ret)
		ret = drop(td, why);
	else
		ret = store(td, &ct, sc.handle, d->id, pt, ptlen);
out:
	content_free(ckeep);
	e2emsg_free(keep);
	if (pt)
		e2e_wipe(pt, ptlen);
	free(pt);
	free(inner);
	return ret;
}

static void recv_some(struct ternd *td);

void chat_recv_pump(struct ternd *td)
{
	recv_some(td);
	/* In the batch that consumed their messages. */
	if (rcpt_flush(td))
		chat_retry_later(td);
}

static void recv_some(struct ternd *td)
{
	struct td_chat *c = td->chat;
	struct row r;
	unsigned int i;
	int ret;

	for (i = 0; i < CHAT_PUMP_MAX; i++) {
		if (c->recv_busy || c->stopping)
			return;
		memset(&r, 0, sizeof(r));
		ret = dstore_inbox_take(td->ds, 1, false, first_cb, &r);
		if (ret <= 0) {
			if (ret < 0) {
				td_log(td, TD_ERR, "store: %s",
				       dstore_error(td->ds));
				chat_retry_later(td);
			}
			free(r.payload);
			return;
		}
		ret = recv_one(td, &r);
		free(r.payload);
		if (ret < 0) {
			chat_retry_later(td);
			return;
		}
		if (ret)
			return;
	}
	ev_after_next(td->loop, &td->chat_after);
}
