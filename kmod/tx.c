// SPDX-License-Identifier: GPL-2.0
/*
 * Send side (see tx.h).
 *
 * frame-send queues whole frames (header and payload in one buffer) up to
 * the connection's limit and refuses the rest with -EAGAIN, remembering to
 * send a conn-writable notification once the queue has drained to half.
 * Control frames (PING, PONG) are small and always queued. Writes never
 * block: when the socket is full the connection waits for write space,
 * which its wait queue entry reports.
 */

#include <linux/slab.h>

#include "conn.h"
#include "deliver.h"
#include "netlink.h"
#include "sock.h"
#include "trace.h"
#include "tx.h"

static u32 tern_tx_limit(const struct tern_conn *conn)
{
	return conn->p.max_held;
}

static struct tern_tx_frame *tern_tx_alloc(u8 type, u16 flags,
					   const void *data, u32 len)
{
	struct tern_tx_frame *f;

	f = kvmalloc(struct_size(f, data, TERN_FRAME_HDR_LEN + len),
		     GFP_KERNEL_ACCOUNT);
	if (!f)
		return NULL;
	f->len = TERN_FRAME_HDR_LEN + len;
	f->off = 0;
	f->type = type;
	tern_frame_hdr_build(f->data, type, flags, len);
	if (len)
		memcpy(f->data + TERN_FRAME_HDR_LEN, data, len);
	return f;
}

static void tern_tx_add(struct tern_conn *conn, struct tern_tx_frame *f)
{
	list_add_tail(&f->list, &conn->txq);
	conn->txq_frames++;
	conn->txq_bytes += f->len;
}

int tern_tx_queue(struct tern_conn *conn, u8 type, u16 flags,
		  const void *data, u32 len)
{
	struct tern_tx_frame *f;

	if (conn->state != TERN_STATE_ESTABLISHED)
		return -ENOTCONN;
	if (conn->detaching)
		return -ESHUTDOWN;
	if (len > conn->p.max_frame)
		return -EMSGSIZE;
	/* A frame larger than the limit still goes alone into an empty queue. */
	if (conn->txq_bytes &&
	    conn->txq_bytes + TERN_FRAME_HDR_LEN + len > tern_tx_limit(conn)) {
		conn->want_writable = true;
		return -EAGAIN;
	}

	f = tern_tx_alloc(type, flags, data, len);
	if (!f)
		return -ENOMEM;
	tern_tx_add(conn, f);
	return 0;
}

int tern_tx_ctl(struct tern_conn *conn, u8 type, const void *data, u32 len)
{
	struct tern_tx_frame *f;

	if (conn->state != TERN_STATE_ESTABLISHED)
		return -ENOTCONN;
	f = tern_tx_alloc(type, 0, data, len);
	if (!f)
		return -ENOMEM;
	tern_tx_add(conn, f);
	return 0;
}

static void tern_tx_done(struct tern_conn *conn, struct tern_tx_frame *f)
{
	u32 payload = f->len - TERN_FRAME_HDR_LEN;

	if (f->type >= TERN_FRAME_USER_MIN) {
		conn->stats.tx_frames++;
		conn->stats.tx_bytes += payload;
	}
	trace_tern_frame_tx(conn->id, 0, f->type, payload);

	list_del(&f->list);
	conn->txq_frames--;
	conn->txq_bytes -= f->len;
	kvfree(f);
}

void tern_tx_flush(struct tern_conn *conn)
{
	struct tern_tx_frame *f;
	int n;

	while ((f = list_first_entry_or_null(&conn->txq,
					     struct tern_tx_frame, list))) {
		bool more = !list_is_last(&f->list, &conn->txq);

		n = tern_sock_send(conn, f->data + f->off, f->len - f->off,
				   more);
		if (n == -EAGAIN) {
			conn->tx_blocked = true;
			break;
		}
		if (n < 0) {
			tern_conn_down(conn, n == -EPIPE ?
				       TERN_REASON_PEER_CLOSED :
				       TERN_REASON_RESET);
			return;
		}
		f->off += n;
		if (f->off < f->len)
			continue;	/* the socket took part of it */
		tern_tx_done(conn, f);
	}

	tern_tx_notify(conn);
}

/*
 * Tell the owner it may send again once the queue that refused its frames
 * has drained to half. If the owner cannot take the notification now (or
 * is away) it is sent on a later run: a lost conn-writable would leave the
 * owner waiting forever.
 */
void tern_tx_notify(struct tern_conn *conn)
{
	if (!conn->want_writable || conn->state != TERN_STATE_ESTABLISHED ||
	    conn->txq_bytes > tern_tx_limit(conn) / 2 || !conn->owner ||
	    conn->retry_at)
		return;
	if (!tern_nl_notify_writable(conn)) {
		conn->want_writable = false;
		return;
	}
	tern_conn_retry_later(conn);
}

void tern_tx_free_all(struct tern_conn *conn)
{
	struct tern_tx_frame *f, *tmp;

	list_for_each_entry_safe(f, tmp, &conn->txq, list)
		kvfree(f);
	INIT_LIST_HEAD(&conn->txq);
	conn->txq_frames = 0;
	conn->txq_bytes = 0;
}
