// SPDX-License-Identifier: GPL-2.0
/*
 * Receiving: each DELIVER goes into the inbox in this iteration's batch
 * (a duplicate id changes nothing but is acked all the same); after the
 * commit, one DELIVER_ACK carries every id of the batch, and the control
 * clients waiting for messages are woken.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "dstore.h"
#include "ternd.h"

#define INBOX_EXPIRE_MS	(3600 * 1000)	/* sweep of consumed messages */

static int dack_add(struct ternd *td, const uint8_t *id)
{
	if (td->n_dack == td->cap_dack) {
		unsigned int cap = td->cap_dack ? 2 * td->cap_dack : 64;
		void *p = realloc(td->dack, cap * sizeof(*td->dack));

		if (!p)
			return -ENOMEM;
		td->dack = p;
		td->cap_dack = cap;
	}
	memcpy(td->dack[td->n_dack++], id, WIRE_MSG_ID_LEN);
	return 0;
}

void inbox_deliver(struct ternd *td, const Tern__Deliver *d, bool current)
{
	int ret = td_batch(td);

	if (!ret)
		ret = dstore_inbox_put(td->ds, d->msg_id.data, d->expiry_s,
				       d->flags, d->payload.data,
				       d->payload.len, ev_wall_ms());
	if (ret < 0) {
		td_log(td, TD_ERR, "store: cannot store a message: %s",
		       dstore_error(td->ds));
		td_batch_fail(td, ret);
		return;
	}
	if (ret == 0)
		td->inbox_new++;
	else
		td_log(td, TD_DEBUG, "a message already in the inbox: dropped");
	/* A message from an older connection is delivered again on this
	 * one; the gateway expects its ack here.
	 */
	if (!current)
		return;
	if (dack_add(td, d->msg_id.data)) {
		/* Unacked, it comes again: a duplicate then. */
		td_log(td, TD_ERR, "out of memory for a deliver-ack");
	}
}

void inbox_committed(struct ternd *td)
{
	ProtobufCBinaryData *ids;
	unsigned int i, n, off;

	if (td->n_dack && (td->state == TD_HELLO || td->state == TD_READY)) {
		n = td->n_dack < WIRE_MAX_IDS ? td->n_dack : WIRE_MAX_IDS;
		ids = calloc(n, sizeof(*ids));
		for (off = 0; ids && off < td->n_dack; off += n) {
			Tern__DeliverAck a = TERN__DELIVER_ACK__INIT;
			unsigned int k = td->n_dack - off < n ?
					 td->n_dack - off : n;

			for (i = 0; i < k; i++)
				ids[i] = wire_bytes(td->dack[off + i],
						    WIRE_MSG_ID_LEN);
			a.n_msg_id = k;
			a.msg_id = ids;
			if (link_send(td, WIRE_DELIVER_ACK, &a.base))
				break;
		}
		free(ids);
	}
	td->n_dack = 0;
	if (td->inbox_new) {
		td->inbox_new = 0;
		ctl_inbox_ready(td);
		chat_kick(td);
		devlink_kick(td);
	}
}

void inbox_lost(struct ternd *td)
{
	td->n_dack = 0;
}

static int count_cb(void *ctx, const struct dmsg *m)
{
	(void)ctx;
	(void)m;
	return 0;
}

int inbox_unread(struct ternd *td)
{
	return dstore_inbox_take(td->ds, INT32_MAX, false, count_cb, NULL);
}

void inbox_expire(struct ev_timer *t)
{
	struct ternd *td = (void *)((char *)t -
				    offsetof(struct ternd, expire_timer));
	int n = dstore_inbox_expire(td->ds, ev_wall_ms() / 1000);

	if (n < 0)
		td_log(td, TD_ERR, "store: expiry sweep: %s",
		       dstore_error(td->ds));
	else if (n)
		td_log(td, TD_DEBUG, "expired %d consumed messages", n);
	/* Recently deleted messages go for good after 30 days. */
	if (td->chat) {
		n = dstore_chat_purge(td->ds, ev_wall_ms() -
				      DSTORE_DELETED_KEEP_MS);
		if (n < 0)
			td_log(td, TD_ERR, "store: purging deleted messages: %s",
			       dstore_error(td->ds));
	}
	ev_timer_in(td->loop, t, INBOX_EXPIRE_MS);
}
