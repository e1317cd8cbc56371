// SPDX-License-Identifier: GPL-2.0
/*
 * Sending: a push is stored in the outbox (committed) before it is sent,
 * and stays there until the gateway acks it (deleted) or nacks it for
 * good (kept, failed). Every push sent is rescheduled at once: without an
 * answer within the ack timeout (10 s, doubling with each attempt up to
 * 5 min) it is sent again with the same msg_id; a temporary NACK sets
 * the next try to its retry_after_ms. A session that becomes ready sends
 * everything pending (a lost ack is otherwise noticed by time only).
 *
 * While the session is ready and pushes are pending, a tick each second
 * sends what is due, at most OUT_BURST at a time.
 */
#include <errno.h>
#include <string.h>

#include "chat.h"
#include "dstore.h"
#include "ternd.h"

#define OUT_BURST	200		/* pushes per tick */
#define OUT_RESEND_MAX	1000		/* pushes sent when a session starts */
#define OUT_TICK_MS	1000

struct sent {
	uint8_t id[WIRE_MSG_ID_LEN];
	unsigned int attempts;
};

struct due_ctx {
	struct ternd *td;
	struct sent *v;
	unsigned int n, max;
};

static uint64_t retry_delay(const struct ternd *td, unsigned int attempts)
{
	uint64_t d = td->conf.ack_timeout_ms;

	while (attempts-- && d < TD_ACK_TIMEOUT_MAX_MS)
		d *= 2;
	return d < TD_ACK_TIMEOUT_MAX_MS ? d : TD_ACK_TIMEOUT_MAX_MS;
}

static int due_cb(void *ctx, const struct dout *o)
{
	struct due_ctx *dc = ctx;
	Tern__Push p = TERN__PUSH__INIT;

	p.token = wire_bytes(o->token, WIRE_TOKEN_LEN);
	p.msg_id = wire_bytes(o->msg_id, WIRE_MSG_ID_LEN);
	p.expiry_s = o->expiry_s;
	p.flags = o->flags;
	p.payload = wire_bytes(o->payload, o->len);
	if (link_send(dc->td, WIRE_PUSH, &p.base))
		return -ENOTCONN;
	memcpy(dc->v[dc->n].id, o->msg_id, WIRE_MSG_ID_LEN);
	dc->v[dc->n].attempts = o->attempts;
	dc->n++;
	return dc->n == dc->max ? 1 : 0;
}

/* Push the pending messages due by @limit_ms, at most @max of them.
 * Returns how many were sent.
 */
static unsigned int send_due(struct ternd *td, uint64_t limit_ms,
			     unsigned int max)
{
	struct due_ctx dc = { .td = td, .max = max };
	uint64_t now = ev_wall_ms();
	unsigned int i;
	int ret;

	if (!link_ready(td))
		return 0;
	dc.v = calloc(max, sizeof(*dc.v));
	if (!dc.v)
		return 0;
	ret = dstore_out_due(td->ds, limit_ms, max, due_cb, &dc);
	if (ret < 0 && ret != -ENOTCONN)
		td_log(td, TD_ERR, "store: reading the outbox: %s",
		       dstore_error(td->ds));
	for (i = 0; i < dc.n; i++) {
		ret = td_batch(td);
		if (!ret)
			ret = dstore_out_retry_at(td->ds, dc.v[i].id, now +
						  retry_delay(td, dc.v[i].attempts));
		if (ret < 0 && ret != -ENOENT) {
			/* Not rescheduled: it is due again at the next tick. */
			td_log(td, TD_ERR, "store: rescheduling a push: %s",
			       dstore_error(td->ds));
			break;
		}
	}
	free(dc.v);
	return dc.n;
}

static void tick_arm(struct ternd *td)
{
	if (!ev_timer_armed(&td->out_timer))
		ev_timer_in(td->loop, &td->out_timer, OUT_TICK_MS);
}

void outbox_tick(struct ev_timer *t)
{
	struct ternd *td = (void *)((char *)t -
				    offsetof(struct ternd, out_timer));
	int pending;

	if (!link_ready(td))
		return;
	pending = dstore_out_pending(td->ds);
	if (pending == 0)
		return;
	send_due(td, ev_wall_ms(), OUT_BURST);
	tick_arm(td);
}

void outbox_kick(struct ternd *td)
{
	if (!link_ready(td))
		return;
	send_due(td, ev_wall_ms(), OUT_BURST);
	tick_arm(td);
}

void outbox_ready(struct ternd *td)
{
	unsigned int n = send_due(td, UINT64_MAX, OUT_RESEND_MAX);

	if (n)
		td_log(td, TD_INFO, "sent %u pending pushes again", n);
	tick_arm(td);
}

int outbox_add(struct ternd *td, const uint8_t token[WIRE_TOKEN_LEN],
	       const uint8_t msg_id[WIRE_MSG_ID_LEN], uint32_t ttl_s,
	       uint32_t flags, const void *payload, size_t len)
{
	uint64_t now = ev_wall_ms();
	uint64_t expiry = ttl_s ? now / 1000 + ttl_s : 0;
	int ret = td_batch(td);

	if (!ret)
		ret = dstore_out_add(td->ds, msg_id, token, expiry, flags,
				     payload, len, now);
	if (ret < 0) {
		td_log(td, TD_ERR, "store: cannot queue a push: %s",
		       dstore_error(td->ds));
		td_batch_fail(td, ret);
	}
	return ret;
}

void outbox_ack(struct ternd *td, const Tern__Ack *a)
{
	int ret = td_batch(td);

	if (!ret)
		ret = dstore_out_acked(td->ds, a->msg_id.data);
	if (ret == -ENOENT) {
		td_log(td, TD_DEBUG, "ack for a push no longer pending");
		return;
	}
	if (ret < 0) {
		td_log(td, TD_ERR, "store: recording an ack: %s",
		       dstore_error(td->ds));
		td_batch_fail(td, ret);
		return;
	}
	td_log(td, TD_DEBUG, "push acked");
}

void outbox_nack(struct ternd *td, const Tern__Nack *n)
{
	int ret = td_batch(td);

	if (!ret && n->retry_after_ms)
		ret = dstore_out_retry_at(td->ds, n->msg_id.data,
					  ev_wall_ms() + n->retry_after_ms);
	else if (!ret)
		ret = dstore_out_failed(td->ds, n->msg_id.data, n->reason);
	if (ret == -ENOENT)
		return;
	if (ret < 0) {
		td_log(td, TD_ERR, "store: recording a nack: %s",
		       dstore_error(td->ds));
		td_batch_fail(td, ret);
		return;
	}
	td_log(td, n->retry_after_ms ? TD_DEBUG : TD_INFO,
	       "push refused%s: %s%s%s", n->retry_after_ms ?
	       " for now" : "", wire_nack_name(n->reason),
	       n->detail[0] ? ": " : "", n->detail);
	/* A device that went: the device lists in hand are stale. */
	if (!n->retry_after_ms &&
	    (n->reason == TERN__NACK_REASON__NACK_REVOKED ||
	     n->reason == TERN__NACK_REASON__NACK_UNKNOWN_TOKEN))
		chat_devices_changed(td);
}
