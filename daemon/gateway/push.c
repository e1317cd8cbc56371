// SPDX-License-Identifier: GPL-2.0
/*
 * PUSH: admission (token, size, expiry, rate), then group commit: every
 * push and deliver-ack of one loop iteration goes into one SQLite
 * transaction, and only once it is committed are the senders acked. A
 * recipient that is online and caught up (deliver.c) is sent its message
 * from the batch's memory while the commit runs; others read it back
 * from the store after. A failed commit nacks everything in it.
 *
 * Nothing here records which session sent a push: a pending ack holds a
 * reference to the sender's session only until the commit answers it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "session.h"
#include "store.h"
#include "wire.h"

struct gw_pending {
	struct gw_sess *from;		/* NULL once answered */
	uint8_t msg_id[WIRE_MSG_ID_LEN];
	uint8_t token[WIRE_TOKEN_LEN];
	bool stored;			/* new row: deliver it */
	bool copied;			/* its payload is in the batch */
	bool sent;			/* before the commit, from memory */
	uint32_t flags;
	uint64_t expiry_s;
	int64_t seq;
	int64_t prev_seq;		/* the recipient's, before it */
	size_t off, len;		/* payload, in gw_batch.data */
};

/* A batch keeps the payloads of messages for online devices, so that
 * they are delivered without being read back from the store; past this
 * size its buffer is given back after the commit.
 */
#define GW_BATCH_KEEP	(64 * 1024)

struct gw_batch {
	bool open;
	bool flushing;			/* first half done, commit queued */
	int err;			/* first store error of the batch */
	struct gw_pending *v;
	unsigned int n, cap;
	unsigned int n_early;		/* handed on before the commit */
	struct gw_sess **acked;		/* sessions to pump after commit */
	unsigned int n_acked, cap_acked;
	struct wbuf data;		/* payloads of copied messages */
};

static struct gw_batch *batch(struct gw *gw)
{
	if (!gw->batch)
		gw->batch = calloc(1, sizeof(*gw->batch));
	return gw->batch;
}

/* Begin the iteration's transaction if it is not open yet. */
static int batch_open(struct gw *gw)
{
	struct gw_batch *b = batch(gw);
	int err;

	if (!b)
		return -ENOMEM;
	if (b->open)
		return b->err;
	err = gw_store_begin(gw->store);
	if (err)
		return err;
	b->open = true;
	b->err = 0;
	ev_after(gw->loop, &gw->flush);
	return 0;
}

void gw_nack(struct gw_sess *s, const uint8_t *msg_id, int reason,
		 uint32_t retry_ms, const char *detail)
{
	Tern__Nack n = TERN__NACK__INIT;

	n.msg_id = wire_bytes(msg_id, WIRE_MSG_ID_LEN);
	n.reason = reason;
	n.retry_after_ms = retry_ms;
	n.detail = (char *)detail;
	s->gw->stats.nacks++;
	sess_send(s, WIRE_NACK, &n.base);
}

void gw_ack(struct gw_sess *s, const uint8_t *msg_id)
{
	Tern__Ack a = TERN__ACK__INIT;

	a.msg_id = wire_bytes(msg_id, WIRE_MSG_ID_LEN);
	s->gw->stats.acks++;
	sess_send(s, WIRE_ACK, &a.base);
}

static bool rate_ok(struct gw_sess *s)
{
	const struct gw_conf *c = &s->gw->conf;
	uint64_t now = ev_now_ms();

	s->bucket += (double)(now - s->bucket_ms) * c->push_rate / 1000.0;
	if (s->bucket > c->push_burst)
		s->bucket = c->push_burst;
	s->bucket_ms = now;
	if (s->bucket < 1.0)
		return false;
	s->bucket -= 1.0;
	return true;
}

uint32_t gw_store_error_nack(int err, uint32_t *retry_ms)
{
	*retry_ms = 1000 + jitter_ms(1000, 100);
	if (err == -ENOSPC)
		return TERN__NACK_REASON__NACK_STORE_FULL;
	return TERN__NACK_REASON__NACK_INTERNAL;
}

static void token_nack(struct gw_sess *s, const uint8_t *msg_id, bool revoked)
{
	gw_nack(s, msg_id,
		revoked ? TERN__NACK_REASON__NACK_REVOKED :
		TERN__NACK_REASON__NACK_UNKNOWN_TOKEN, 0,
		revoked ? "push token revoked" : "unknown push token");
}

/* no-store: to an online device at once, never to the store. */
static void push_no_store(struct gw_sess *s, const Tern__Push *p)
{
	struct gw *gw = s->gw;
	enum gw_token_state st;
	struct gw_sess *to;
	uint32_t retry;
	int err;

	err = gw_store_token_state(gw->store, p->token.data, &st);
	if (err) {
		uint32_t reason = gw_store_error_nack(err, &retry);

		gw_nack(s, p->msg_id.data, reason, retry, "store error");
		return;
	}
	if (st != GW_TOKEN_OK) {
		token_nack(s, p->msg_id.data, st == GW_TOKEN_REVOKED);
		return;
	}
	to = gw_sess_by_token(gw, p->token.data);
	if (!to || to->state != SESS_READY || gw_deliver_now(to, p)) {
		gw_nack(s, p->msg_id.data, TERN__NACK_REASON__NACK_OFFLINE, 0,
			"no-store and the recipient is offline");
		return;
	}
	gw_ack(s, p->msg_id.data);
}

/*
 * Keep the payload of a message for a device that is online now: after
 * the commit it goes out from memory. Without room it is read back from
 * the store instead, so a failure here costs time, not the message.
 */
static bool batch_copy(struct gw *gw, struct gw_pending *pe,
		       const Tern__Push *p)
{
	struct wbuf *d = &gw->batch->data;
	struct gw_sess *to = gw_sess_by_token(gw, p->token.data);
	size_t len = p->payload.len;
	uint8_t *dst;

	/* Only a caught-up session takes a message from memory. */
	if (!to || to->state != SESS_READY || !to->caught_up)
		return false;
	dst = wbuf_reserve(d, len);
	if (!dst)
		return false;
	if (len)
		memcpy(dst, p->payload.data, len);
	pe->off = d->len;
	pe->len = len;
	d->len += len;
	return true;
}

void gw_push(struct gw_sess *s, const Tern__Push *p)
{
	struct gw *gw = s->gw;
	const struct gw_conf *c = &gw->conf;
	uint64_t now_s = ev_wall_ms() / 1000, expiry;
	struct gw_pending *pe;
	struct gw_batch *b;
	uint32_t retry;
	int64_t seq = 0;
	int err;

	gw->stats.pushes++;
	if (!rate_ok(s)) {
		gw_nack(s, p->msg_id.data, TERN__NACK_REASON__NACK_RATE,
			1000 / (c->push_rate ? c->push_rate : 1) + 100,
			"over the session's push rate");
		return;
	}
	if (p->payload.len > c->max_payload) {
		gw_nack(s, p->msg_id.data, TERN__NACK_REASON__NACK_TOO_LARGE, 0,
			"payload larger than max-payload");
		return;
	}
	expiry = p->expiry_s ? p->expiry_s : now_s + c->default_ttl_s;
	if (expiry > now_s + c->max_ttl_s)
		expiry = now_s + c->max_ttl_s;
	/* Live through its expiry second, as the store reads it. */
	if (expiry < now_s) {
		gw_nack(s, p->msg_id.data, TERN__NACK_REASON__NACK_EXPIRED, 0,
			"expiry already past");
		return;
	}
	if (p->flags & TERN__PUSH_FLAG__PUSH_F_NO_STORE) {
		push_no_store(s, p);
		return;
	}

	err = batch_open(gw);
	if (!err)
		err = gw_store_put(gw->store, p->token.data, p->msg_id.data,
				   expiry, p->flags, p->payload.data,
				   p->payload.len, c->max_queue, &seq);
	if (err == -ENOENT || err == -EKEYREVOKED) {
		token_nack(s, p->msg_id.data, err == -EKEYREVOKED);
		return;
	}
	if (err == -EDQUOT) {
		gw_nack(s, p->msg_id.data, TERN__NACK_REASON__NACK_QUEUE_FULL,
			0, "recipient's queue is full");
		return;
	}
	b = gw->batch;
	if (err < 0) {
		uint32_t reason = gw_store_error_nack(err, &retry);

		/* The whole transaction is lost: everything in it is nacked
		 * at flush, and so is this push.
		 */
		if (b && b->open && !b->err)
			b->err = err;
		gw_nack(s, p->msg_id.data, reason, retry, "could not store");
		return;
	}
	if (b->n == b->cap) {
		unsigned int cap = b->cap ? 2 * b->cap : 64;
		struct gw_pending *v = realloc(b->v, cap * sizeof(*v));

		if (!v) {
			b->err = -ENOMEM;
			gw_nack(s, p->msg_id.data,
				TERN__NACK_REASON__NACK_INTERNAL, 1000,
				"out of memory");
			return;
		}
		b->v = v;
		b->cap = cap;
	}
	pe = &b->v[b->n++];
	pe->from = s;
	sess_get(s);
	memcpy(pe->msg_id, p->msg_id.data, WIRE_MSG_ID_LEN);
	memcpy(pe->token, p->token.data, WIRE_TOKEN_LEN);
	pe->stored = err == 0;
	pe->sent = false;
	pe->seq = seq;
	pe->flags = p->flags;
	pe->expiry_s = expiry;
	pe->copied = pe->stored && batch_copy(gw, pe, p);
}

bool gw_batch_is_open(struct gw *gw)
{
	return gw->batch && gw->batch->open;
}

/* A session that would read the store while the batch is open does it
 * after the commit, so that it sees what the batch stores.
 */
int gw_batch_pump_later(struct gw *gw, struct gw_sess *s)
{
	struct gw_batch *b;
	int err = batch_open(gw);

	if (err)
		return err;
	b = gw->batch;
	if (b->n_acked == b->cap_acked) {
		unsigned int cap = b->cap_acked ? 2 * b->cap_acked : 16;
		struct gw_sess **v = realloc(b->acked, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		b->acked = v;
		b->cap_acked = cap;
	}
	b->acked[b->n_acked++] = s;
	sess_get(s);
	return 0;
}

static struct gw_msg pending_msg(const struct gw_batch *b,
				  const struct gw_pending *pe)
{
	struct gw_msg m = {
		.seq = pe->seq,
		.msg_id = pe->msg_id,
		.expiry_s = pe->expiry_s,
		.flags = pe->flags,
		.payload = pe->copied ? b->data.data + pe->off : NULL,
		.len = pe->copied ? pe->len : 0,
	};

	return m;
}

/* Hand the batch's messages from @from on to their recipients' sessions. */
static void deliver_pending(struct gw *gw, struct gw_batch *b,
			    unsigned int from)
{
	unsigned int i;

	for (i = from; i < b->n; i++) {
		struct gw_pending *pe = &b->v[i];
		struct gw_msg m = pending_msg(b, pe);
		struct gw_sess *to;

		if (!pe->stored)
			continue;
		to = gw_sess_by_token(gw, pe->token);
		if (!to || to->state != SESS_READY)
			continue;
		pe->prev_seq = to->last_seq;
		gw_deliver_stored(to, &m);
		pe->sent = to->last_seq != pe->prev_seq;
	}
}

/*
 * First half of the flush: a caught-up recipient is sent its message now,
 * before the commit, so that the DELIVER is on its way while the commit
 * (an fsync) runs; the commit is the next after-callback, queued behind
 * the transports' flushes. An uncommitted message may thus reach a
 * device: if the commit then fails, its sender is nacked and retries with
 * the same id, and the device drops the second copy. What the sender is
 * told is unchanged: acked only once on disk.
 */
void gw_flush(struct ev_after *a)
{
	struct gw *gw = (void *)((char *)a - offsetof(struct gw, flush));
	struct gw_batch *b = gw->batch;

	if (!b || !b->open || b->flushing)
		return;
	b->flushing = true;
	deliver_pending(gw, b, 0);
	b->n_early = b->n;
	ev_after(gw->loop, &gw->commit);
}

/* A failed commit: the seqs sent early may be given out again. */
static void undo_early(struct gw *gw, struct gw_batch *b)
{
	unsigned int i;

	for (i = b->n_early; i-- > 0;) {
		struct gw_pending *pe = &b->v[i];
		struct gw_sess *to;

		if (!pe->sent)
			continue;
		to = gw_sess_by_token(gw, pe->token);
		if (to && to->last_seq > pe->prev_seq)
			to->last_seq = pe->prev_seq;
	}
}

void gw_commit(struct ev_after *a)
{
	struct gw *gw = (void *)((char *)a - offsetof(struct gw, commit));
	struct gw_batch *b = gw->batch;
	unsigned int i;
	uint32_t retry = 0, reason = 0;
	uint64_t gen = 0;
	int err;

	if (!b || !b->open)
		return;
	gw_acks_write(gw);	/* the DELIVER_ACKs held go with it */
	b->open = false;
	b->flushing = false;
	err = b->err;
	if (err)
		gw_store_rollback(gw->store);
	else
		err = gw_store_commit(gw->store);
	if (err) {
		reason = gw_store_error_nack(err, &retry);
		gw_log(gw, GW_ERR, "store commit failed: %s; %u pushes nacked",
		       err == -ENOSPC ? "disk full" : "I/O error", b->n);
	}
	gw->stats.batches++;
	/* Acked once on disk (durable.c); the flush runs meanwhile. */
	if (!err && b->n)
		gen = gw_store_sync_request(gw->store);
	for (i = 0; i < b->n; i++) {
		struct gw_pending *pe = &b->v[i];

		if (err) {
			gw_nack(pe->from, pe->msg_id, reason, retry,
				"could not store");
			sess_put(pe->from);
		} else {
			gw_durable_hold(gw, pe->from, pe->msg_id, gen);
		}
	}
	if (!err) {
		/* What joined the batch after its first half. */
		deliver_pending(gw, b, b->n_early);
	} else {
		undo_early(gw, b);
		/* Part of a failed batch may be on disk all the same (a
		 * durable operation committed it): the recipients read
		 * their queues again.
		 */
		for (i = 0; i < b->n; i++) {
			struct gw_sess *to = gw_sess_by_token(gw,
							      b->v[i].token);

			if (to && to->state == SESS_READY)
				gw_deliver_recheck(to);
		}
	}
	b->n = 0;
	b->n_early = 0;
	b->data.len = 0;
	if (b->data.cap > GW_BATCH_KEEP)
		wbuf_free(&b->data);
	for (i = 0; i < b->n_acked; i++) {
		if (b->acked[i]->state == SESS_READY)
			gw_pump(b->acked[i]);
		sess_put(b->acked[i]);
	}
	b->n_acked = 0;
}

void gw_batch_finish(struct gw *gw)
{
	gw_flush(&gw->flush);
	gw_commit(&gw->commit);
	gw_durable_finish(gw);
}

void gw_batch_free(struct gw *gw)
{
	struct gw_batch *b = gw->batch;

	if (!b)
		return;
	free(b->v);
	free(b->acked);
	wbuf_free(&b->data);
	free(b);
	gw->batch = NULL;
}
