// SPDX-License-Identifier: GPL-2.0
/*
 * DELIVER and DELIVER_ACK: a session sends its device's stored messages
 * in commit order, at most `window` unacknowledged, and turns each acked
 * one into a tombstone. Delivery waits while the transport has a lot
 * queued, and while the iteration's transaction is open (so that nothing
 * uncommitted is ever delivered).
 *
 * A session that has sent everything stored for its device is caught up:
 * the next message for it is the one a commit has just stored, and it
 * goes out from the batch's memory, with no read of the store; a session
 * that is not (a backlog, a full window, a transport queue over its
 * mark) reads its messages from the store, by seq, until a read comes
 * back short.
 *
 * A DELIVER_ACK frees its window slot at once, but is written to the
 * store lazily: with the next batch of pushes, or GW_ACK_DELAY_MS later
 * in a transaction of its own, and always before the store is read for
 * a delivery. It needs no commit of its own: were it lost in a crash,
 * the message would be delivered again, and the device drops what it
 * already has. At low rates that halves the commits per message.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"
#include "store.h"

/* Stop filling a transport that has this much queued towards its peer. */
#define GW_QUEUE_HIGH	(256 * 1024)
#define GW_ACK_DELAY_MS	50

struct gw_acked {
	uint8_t token[WIRE_TOKEN_LEN];
	uint8_t msg_id[WIRE_MSG_ID_LEN];
};

struct gw_ackq {
	struct gw_acked *v;
	unsigned int n, cap;
};

static int send_deliver(struct gw_sess *s, const uint8_t *msg_id,
			uint64_t expiry_s, uint32_t flags, const void *payload,
			size_t len)
{
	Tern__Deliver d = TERN__DELIVER__INIT;

	d.msg_id = wire_bytes(msg_id, WIRE_MSG_ID_LEN);
	d.expiry_s = expiry_s;
	d.flags = flags;
	d.payload = wire_bytes(payload, len);
	return sess_send(s, WIRE_DELIVER, &d.base);
}

static int pump_one(void *ctx, const struct gw_msg *m)
{
	struct gw_sess *s = ctx;
	int err;

	/* Only a session with deliveries in flight has the window's ids:
	 * most are idle, and 64 ids are 1 KiB.
	 */
	if (!s->inflight) {
		s->inflight = malloc(s->gw->conf.window * sizeof(*s->inflight));
		if (!s->inflight)
			return -ENOMEM;
	}
	err = send_deliver(s, m->msg_id, m->expiry_s, m->flags, m->payload,
			   m->len);
	if (err)
		return err;
	memcpy(s->inflight[s->n_inflight++], m->msg_id, WIRE_MSG_ID_LEN);
	s->last_seq = m->seq;
	s->gw->stats.delivered++;
	return 0;
}

/* Nothing in flight: give the window's ids back. */
static void inflight_release(struct gw_sess *s)
{
	if (!s->n_inflight) {
		free(s->inflight);
		s->inflight = NULL;
	}
}

void gw_pump(struct gw_sess *s)
{
	struct gw *gw = s->gw;
	unsigned int room;
	int n;

	if (s->state != SESS_READY || s->lost || s->caught_up)
		return;
	if (gw_batch_is_open(gw)) {
		gw_batch_pump_later(gw, s);
		return;
	}
	if (gw->t->ops->queued(s) > GW_QUEUE_HIGH)
		return;		/* sess_writable() comes back */
	room = gw->conf.window - s->n_inflight;
	if (!room)
		return;
	gw_acks_write(gw);	/* what was acked is not read again */
	n = gw_store_fetch(gw->store, s->token, s->last_seq, room,
			   ev_wall_ms() / 1000, pump_one, s);
	if (n < 0)
		gw_log(gw, GW_ERR, "store fetch failed (%d)", n);
	else if ((unsigned int)n < room)
		s->caught_up = true;
}

void gw_deliver_stored(struct gw_sess *s, const struct gw_msg *m)
{
	struct gw *gw = s->gw;

	if (s->state != SESS_READY || s->lost || m->seq <= s->last_seq)
		return;		/* gone, or read from the store already */
	if (s->caught_up && m->payload && s->n_inflight < gw->conf.window &&
	    gw->t->ops->queued(s) <= GW_QUEUE_HIGH && !pump_one(s, m))
		return;
	gw_deliver_recheck(s);
}

void gw_deliver_recheck(struct gw_sess *s)
{
	s->caught_up = false;
	gw_pump(s);
}

int gw_deliver_now(struct gw_sess *s, const Tern__Push *p)
{
	s->gw->stats.delivered++;
	return send_deliver(s, p->msg_id.data, p->expiry_s, p->flags,
			    p->payload.data, p->payload.len);
}

static void inflight_drop(struct gw_sess *s, const uint8_t *id)
{
	unsigned int i;

	for (i = 0; i < s->n_inflight; i++) {
		if (memcmp(s->inflight[i], id, WIRE_MSG_ID_LEN))
			continue;
		s->n_inflight--;
		if (i != s->n_inflight)
			memcpy(s->inflight[i], s->inflight[s->n_inflight],
			       WIRE_MSG_ID_LEN);
		inflight_release(s);
		return;
	}
}

/* Write the held acks in the open transaction; the queue is emptied. */
static void acks_apply(struct gw *gw, struct gw_ackq *q)
{
	unsigned int i;

	for (i = 0; i < q->n; i++)
		gw_store_delivered(gw->store, q->v[i].token, q->v[i].msg_id);
	q->n = 0;
}

void gw_acks_write(struct gw *gw)
{
	struct gw_ackq *q = gw->ackq;
	int err;

	if (!q || !q->n)
		return;
	ev_timer_stop(gw->loop, &gw->ack_timer);
	if (gw_batch_is_open(gw)) {
		acks_apply(gw, q);	/* committed with the batch */
		return;
	}
	err = gw_store_begin(gw->store);
	if (!err) {
		acks_apply(gw, q);
		err = gw_store_commit(gw->store);
	}
	if (err) {
		/* Delivered again later; the devices drop duplicates. */
		gw_log(gw, GW_ERR, "recording deliveries failed: %s",
		       gw_store_error(gw->store));
		q->n = 0;
	}
}

static void acks_due(struct ev_timer *t)
{
	struct gw *gw = (void *)((char *)t - offsetof(struct gw, ack_timer));

	gw_acks_write(gw);
}

static int acks_hold(struct gw *gw, const uint8_t *token, const uint8_t *id)
{
	struct gw_ackq *q = gw->ackq;

	if (!q) {
		q = calloc(1, sizeof(*q));
		if (!q)
			return -ENOMEM;
		gw->ackq = q;
	}
	if (q->n == q->cap) {
		unsigned int cap = q->cap ? 2 * q->cap : 64;
		struct gw_acked *v = realloc(q->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		q->v = v;
		q->cap = cap;
	}
	memcpy(q->v[q->n].token, token, WIRE_TOKEN_LEN);
	memcpy(q->v[q->n].msg_id, id, WIRE_MSG_ID_LEN);
	q->n++;
	if (!ev_timer_armed(&gw->ack_timer)) {
		gw->ack_timer.fn = acks_due;
		ev_timer_in(gw->loop, &gw->ack_timer, GW_ACK_DELAY_MS);
	}
	return 0;
}

void gw_acks_free(struct gw *gw)
{
	if (!gw->ackq)
		return;
	free(gw->ackq->v);
	free(gw->ackq);
	gw->ackq = NULL;
}

void gw_deliver_ack(struct gw_sess *s, const Tern__DeliverAck *a)
{
	struct gw *gw = s->gw;
	size_t i;

	for (i = 0; i < a->n_msg_id; i++) {
		inflight_drop(s, a->msg_id[i].data);
		/* Without memory, at once (a transaction of its own). */
		if (acks_hold(gw, s->token, a->msg_id[i].data))
			gw_store_delivered(gw->store, s->token,
					   a->msg_id[i].data);
	}
	gw_pump(s);		/* the window has room again */
}
