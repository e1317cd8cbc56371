// SPDX-License-Identifier: GPL-2.0
/*
 * PUSH: admission (token, size, expiry, rate), then group commit: every
 * push and deliver-ack of one loop iteration goes into one SQLite
 * transaction, and only once it is committed are the senders acked and
 * the recipients' sessions pumped. A failed commit nacks everything in it.
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

struct gw_pending {
	struct gw_sess *from;		/* NULL once answered */
	uint8_t msg_id[WIRE_MSG_ID_LEN];
	uint8_t token[WIRE_TOKEN_LEN];
	bool stored;			/* new row: pump the recipient */
};

struct gw_batch {
	bool open;
	int err;			/* first store error of the batch */
	struct gw_pending *v;
	unsigned int n, cap;
	struct gw_sess **acked;		/* sessions that deliver-acked */
	unsigned int n_acked, cap_acked;
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

static void nack(struct gw_sess *s, const uint8_t *msg_id, int reason,
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

static void ack(struct gw_sess *s, const uint8_t *msg_id)
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

static uint32_t store_error_nack(int err, uint32_t *retry_ms)
{
	*retry_ms = 1000 + jitter_ms(1000, 100);
	if (err == -ENOSPC)
		return TERN__NACK_REASON__NACK_STORE_FULL;
	return TERN__NACK_REASON__NACK_INTERNAL;
}

void gw_push(struct gw_sess *s, const Tern__Push *p)
{
	struct gw *gw = s->gw;
	const struct gw_conf *c = &gw->conf;
	uint64_t now_s = ev_wall_ms() / 1000, expiry;
	enum gw_token_state st;
	struct gw_pending *pe;
	struct gw_batch *b;
	uint32_t retry;
	int64_t seq;
	int err;

	gw->stats.pushes++;
	if (!rate_ok(s)) {
		nack(s, p->msg_id.data, TERN__NACK_REASON__NACK_RATE,
		     1000 / (c->push_rate ? c->push_rate : 1) + 100,
		     "over the session's push rate");
		return;
	}
	if (p->payload.len > c->max_payload) {
		nack(s, p->msg_id.data, TERN__NACK_REASON__NACK_TOO_LARGE, 0,
		     "payload larger than max-payload");
		return;
	}
	expiry = p->expiry_s ? p->expiry_s : now_s + c->default_ttl_s;
	if (expiry > now_s + c->max_ttl_s)
		expiry = now_s + c->max_ttl_s;
	if (expiry <= now_s) {
		nack(s, p->msg_id.data, TERN__NACK_REASON__NACK_EXPIRED, 0,
		     "expiry already past");
		return;
	}
	err = gw_store_token_state(gw->store, p->token.data, &st);
	if (err) {
		uint32_t reason = store_error_nack(err, &retry);

		nack(s, p->msg_id.data, reason, retry, "store error");
		return;
	}
	if (st != GW_TOKEN_OK) {
		nack(s, p->msg_id.data,
		     st == GW_TOKEN_REVOKED ? TERN__NACK_REASON__NACK_REVOKED :
		     TERN__NACK_REASON__NACK_UNKNOWN_TOKEN, 0,
		     st == GW_TOKEN_REVOKED ? "push token revoked" :
		     "unknown push token");
		return;
	}
	if (p->flags & TERN__PUSH_FLAG__PUSH_F_NO_STORE) {
		struct gw_sess *to = gw_sess_by_token(gw, p->token.data);

		if (!to || to->state != SESS_READY ||
		    gw_deliver_now(to, p)) {
			nack(s, p->msg_id.data, TERN__NACK_REASON__NACK_OFFLINE,
			     0, "no-store and the recipient is offline");
			return;
		}
		ack(s, p->msg_id.data);
		return;
	}

	err = batch_open(gw);
	if (!err)
		err = gw_store_put(gw->store, p->token.data, p->msg_id.data,
				   expiry, p->flags, p->payload.data,
				   p->payload.len, c->max_queue, &seq);
	if (err == -EDQUOT) {
		nack(s, p->msg_id.data, TERN__NACK_REASON__NACK_QUEUE_FULL,
		     0, "recipient's queue is full");
		return;
	}
	b = gw->batch;
	if (err < 0) {
		uint32_t reason = store_error_nack(err, &retry);

		/* The whole transaction is lost: everything in it is nacked
		 * at flush, and so is this push.
		 */
		if (b && b->open && !b->err)
			b->err = err;
		nack(s, p->msg_id.data, reason, retry, "could not store");
		return;
	}
	if (b->n == b->cap) {
		unsigned int cap = b->cap ? 2 * b->cap : 64;
		struct gw_pending *v = realloc(b->v, cap * sizeof(*v));

		if (!v) {
			b->err = -ENOMEM;
			nack(s, p->msg_id.data, TERN__NACK_REASON__NACK_INTERNAL,
			     1000, "out of memory");
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
}

bool gw_batch_is_open(struct gw *gw)
{
	return gw->batch && gw->batch->open;
}

/* A session that deliver-acked inside the batch is pumped after commit. */
int gw_batch_note_acked(struct gw *gw, struct gw_sess *s)
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

void gw_flush(struct ev_after *a)
{
	struct gw *gw = (void *)((char *)a - offsetof(struct gw, flush));
	struct gw_batch *b = gw->batch;
	unsigned int i;
	uint32_t retry = 0, reason = 0;
	int err;

	if (!b || !b->open)
		return;
	b->open = false;
	err = b->err;
	if (err)
		gw_store_rollback(gw->store);
	else
		err = gw_store_commit(gw->store);
	if (err) {
		reason = store_error_nack(err, &retry);
		gw_log(gw, GW_ERR, "store commit failed: %s; %u pushes nacked",
		       err == -ENOSPC ? "disk full" : "I/O error", b->n);
	}
	gw->stats.batches++;
	for (i = 0; i < b->n; i++) {
		struct gw_pending *pe = &b->v[i];

		if (err)
			nack(pe->from, pe->msg_id, reason, retry,
			     "could not store");
		else
			ack(pe->from, pe->msg_id);
		sess_put(pe->from);
	}
	for (i = 0; !err && i < b->n; i++) {
		struct gw_sess *to;

		if (!b->v[i].stored)
			continue;
		to = gw_sess_by_token(gw, b->v[i].token);
		if (to && to->state == SESS_READY)
			gw_pump(to);
	}
	b->n = 0;
	for (i = 0; i < b->n_acked; i++) {
		if (b->acked[i]->state == SESS_READY)
			gw_pump(b->acked[i]);
		sess_put(b->acked[i]);
	}
	b->n_acked = 0;
}

void gw_batch_free(struct gw *gw)
{
	struct gw_batch *b = gw->batch;

	if (!b)
		return;
	free(b->v);
	free(b->acked);
	free(b);
	gw->batch = NULL;
}
