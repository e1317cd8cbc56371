// SPDX-License-Identifier: GPL-2.0
/*
 * Group commit: the store writes of one loop iteration (received
 * messages, acks of pushes, settings) share one transaction, committed by
 * an after-callback once the iteration's events are handled. What must
 * wait for durability runs after the commit, in this order: DELIVER_ACK
 * to the gateway, waking the control clients, tern.ko's frame-ack. The
 * DELIVER_ACK goes first: a DELIVER acked to tern.ko is never replayed,
 * so a ternd that died between the two would leave the gateway waiting
 * for an ack that never comes, a slot of its delivery window lost for
 * as long as the (adopted) connection lives.
 */
#include <errno.h>

#include "chat.h"
#include "dstore.h"
#include "ternd.h"

int td_batch(struct ternd *td)
{
	int err;

	if (td->batch || td->batch_err)
		return td->batch_err;
	err = dstore_begin(td->ds);
	if (err) {
		/* Remembered: what the iteration handles is not stored. */
		td_log(td, TD_ERR, "store: cannot begin a transaction: %s",
		       dstore_error(td->ds));
		td->batch_err = err;
		ev_after(td->loop, &td->flush);
		return err;
	}
	td->batch = true;
	td->batch_err = 0;
	ev_after(td->loop, &td->flush);
	return 0;
}

void td_batch_fail(struct ternd *td, int err)
{
	if (!td->batch_err)
		td->batch_err = err;
	ev_after(td->loop, &td->flush);
}

int td_setting_set(struct ternd *td, const char *key, const char *val)
{
	int err = td_batch(td);

	if (!err)
		err = dstore_set(td->ds, key, val);
	if (err) {
		td_log(td, TD_ERR, "store: cannot save a setting: %s",
		       dstore_error(td->ds));
		td_batch_fail(td, err);
	}
	return err;
}

int td_flush_now(struct ternd *td)
{
	int err = td->batch_err;

	if (td->batch) {
		td->batch = false;
		if (err)
			dstore_rollback(td->ds);
		else
			err = dstore_commit(td->ds);
	}
	td->batch_err = 0;
	if (err) {
		/*
		 * Nothing of the batch is stored, so nothing of it may be
		 * acknowledged: drop the connection unacknowledged and let
		 * the gateway deliver again on the next one.
		 */
		td_log(td, TD_ERR, "store: commit failed (%s): %s",
		       err == -ENOSPC ? "disk full" : "I/O error",
		       dstore_error(td->ds));
		td->n_dack = 0;
		td->inbox_new = 0;
		chat_rolled_back(td);
		if (td->t && td->t->rollback)
			td->t->rollback(td);
		if (td->batch_rx && (td->state == TD_HELLO ||
				     td->state == TD_READY))
			td->t->close(td, "store failure");
		td->batch_rx = false;
		return err;
	}
	td->batch_rx = false;
	inbox_committed(td);
	if (td->t && td->t->committed)
		td->t->committed(td);
	chat_committed(td);
	return 0;
}

void td_flush(struct ev_after *a)
{
	struct ternd *td = (void *)((char *)a - offsetof(struct ternd, flush));

	td_flush_now(td);
}
