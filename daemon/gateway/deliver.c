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
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"
#include "store.h"

/* Stop filling a transport that has this much queued towards its peer. */
#define GW_QUEUE_HIGH	(256 * 1024)

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
		gw_batch_note_acked(gw, s);
		return;
	}
	if (gw->t->ops->queued(s) > GW_QUEUE_HIGH)
		return;		/* sess_writable() comes back */
	room = gw->conf.window - s->n_inflight;
	if (!room)
		return;
	n = gw_store_fetch(gw->store, s->token, s->last_seq, room,
			   ev_wall_ms() / 1000, pump_one, s);
	if (n < 0)
		gw_log(gw, GW_ERR, "store fetch failed (%d)", n);
	else if ((unsigned int)n < room)
		s->caught_up = true;
}

void gw_deliver_committed(struct gw_sess *s, const struct gw_msg *m)
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

void gw_deliver_ack(struct gw_sess *s, const Tern__DeliverAck *a)
{
	struct gw *gw = s->gw;
	size_t i;
	int err;

	err = gw_batch_note_acked(gw, s);
	for (i = 0; i < a->n_msg_id; i++) {
		inflight_drop(s, a->msg_id[i].data);
		/* Without a transaction the ack is only applied later: the
		 * device dedupes what it is sent again.
		 */
		if (!err)
			gw_store_delivered(gw->store, s->token,
					   a->msg_id[i].data);
	}
}
