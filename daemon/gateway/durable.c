// SPDX-License-Identifier: GPL-2.0
/*
 * ACKs held until their batch is on disk.
 *
 * A batch's commit leaves its pushes in the page cache; the store's
 * syncer thread flushes the WAL (sqlsync.h) while the loop goes on
 * reading, delivering and committing. Each pushed message's ACK waits
 * here with the generation of its commit, in commit order, and goes out
 * when the syncer reports that generation flushed. Nothing else waits:
 * deliveries went out before the commit, and tern.ko may be told the
 * PUSH frames are done with as soon as the commit returns, since a
 * gateway that dies now leaves the commit in the page cache for its
 * successor. Only a crash of the machine can lose it, and then the
 * sender, never acked, sends it again.
 *
 * A failed flush is final (sqlsync.h): every ACK held becomes a NACK that
 * asks for a retry, and the gateway stops, so that a restart reads what
 * is really on disk. Retries carry the same message id, so whatever did
 * reach the disk is acked then, not stored twice.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "session.h"
#include "store.h"

struct gw_held {
	struct gw_sess *from;		/* referenced */
	uint64_t gen;
	uint8_t msg_id[WIRE_MSG_ID_LEN];
};

struct gw_durable {
	struct gw *gw;
	struct gw_held *v;
	size_t head, n, cap;		/* held: v[head .. n) */
	struct ev_fd ev;
	uint64_t synced;
	bool failed;
};

static void answer(struct gw_held *h, int err)
{
	uint32_t retry, reason;

	if (err) {
		reason = gw_store_error_nack(err, &retry);
		gw_nack(h->from, h->msg_id, reason, retry, "could not store");
	} else {
		gw_ack(h->from, h->msg_id);
	}
	sess_put(h->from);
}

/* Answer what is synced (all of it on failure), oldest first. */
static void release(struct gw *gw, int err)
{
	struct gw_durable *d = gw->durable;

	while (d->head < d->n && (err || d->v[d->head].gen <= d->synced))
		answer(&d->v[d->head++], err);
	if (d->head == d->n)
		d->head = d->n = 0;
}

/*
 * What a flush reported: answer what it covered or, once one failed,
 * nack everything held (now and from then on) and stop, logging once.
 */
static void settle(struct gw *gw, int err)
{
	struct gw_durable *d = gw->durable;

	if (err && !d->failed) {
		d->failed = true;
		gw_log(gw, GW_ERR, "flushing the store to disk failed (%s): "
		       "what it holds can no longer be trusted; %zu pushes "
		       "nacked, stopping so that a restart reads what is on "
		       "disk", strerror(-err), d->n - d->head);
		gw->failed = true;
		evloop_stop(gw->loop);
	}
	release(gw, err);
}

static void synced(struct ev_fd *ev, uint32_t events)
{
	struct gw_durable *d = (void *)((char *)ev -
					offsetof(struct gw_durable, ev));

	(void)events;
	settle(d->gw, gw_store_synced(d->gw->store, &d->synced));
}

int gw_durable_init(struct gw *gw)
{
	struct gw_durable *d = calloc(1, sizeof(*d));
	int err;

	if (!d)
		return -ENOMEM;
	d->gw = gw;
	d->ev.fn = synced;
	err = ev_fd_add(gw->loop, &d->ev, gw_store_sync_fd(gw->store),
			EPOLLIN);
	if (err) {
		free(d);
		return err;
	}
	gw->durable = d;
	return 0;
}

/*
 * Hold the ACK of @msg_id from @from (whose reference this takes) until
 * @gen is on disk. Out of memory, it waits for a flush of its own.
 */
void gw_durable_hold(struct gw *gw, struct gw_sess *from,
		     const uint8_t *msg_id, uint64_t gen)
{
	struct gw_durable *d = gw->durable;
	struct gw_held h = { .from = from, .gen = gen };

	memcpy(h.msg_id, msg_id, sizeof(h.msg_id));
	if (d->n == d->cap && d->head) {
		memmove(d->v, d->v + d->head, (d->n - d->head) * sizeof(h));
		d->n -= d->head;
		d->head = 0;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 256;
		struct gw_held *v = realloc(d->v, cap * sizeof(*v));

		if (!v) {
			int err = gw_store_sync_now(gw->store, &d->synced);

			answer(&h, err);
			settle(gw, err);
			return;
		}
		d->v = v;
		d->cap = cap;
	}
	d->v[d->n++] = h;
}

/* At exit: flush now and answer everything held. */
void gw_durable_finish(struct gw *gw)
{
	struct gw_durable *d = gw->durable;

	if (!d || d->head == d->n)
		return;
	settle(gw, gw_store_sync_now(gw->store, &d->synced));
}

void gw_durable_free(struct gw *gw)
{
	struct gw_durable *d = gw->durable;

	if (!d)
		return;
	gw_durable_finish(gw);	/* leaves nothing held */
	ev_fd_del(gw->loop, &d->ev);
	free(d->v);
	free(d);
	gw->durable = NULL;
}
