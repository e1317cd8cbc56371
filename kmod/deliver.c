// SPDX-License-Identifier: GPL-2.0
/*
 * Delivery of held frames to the owner (see deliver.h).
 *
 * A batch is whatever is held and not yet sent now, cut to fit one netlink
 * message of at most TERN_NL_BATCH bytes (a single larger frame goes alone)
 * and the owner's receive window (bytes sent and not yet acked). Nothing
 * waits for a batch to fill. The unicast never blocks: when the owner's
 * socket is full it fails, the frames stay where they are, and delivery is
 * tried again on the owner's next ack or after a short backoff. Frames leave
 * conn->held only when acked, so a lost notification costs time, never data.
 *
 * Notifications use at most half of the owner's receive buffer. The kernel
 * drops a reply or an ack that does not fit (netlink unicasts never block),
 * so filling the buffer with frames would cost the owner the answers to its
 * own requests. With half kept free, they always fit.
 *
 * When the connection goes down, the owner is told with a conn-down unicast,
 * after the frames, retried like them; the connection stays until it has
 * gone out and every frame is acked. (conn-down also goes to the "events"
 * group, for monitors, where an overrun could lose it.)
 */

#include <linux/sizes.h>
#include <linux/skbuff.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "conn.h"
#include "deliver.h"
#include "netlink.h"
#include "netns.h"
#include "owner.h"
#include "rx.h"

/* Keep one message, skb overhead included, within a 32 KiB allocation. */
#define TERN_NL_BATCH		(SZ_32K - SZ_1K)

/*
 * A frame is one attribute holding it as it came on the wire, header and
 * payload; sequence numbers follow on from the message's TERN_A_SEQ.
 */
static size_t tern_frame_attr_size(const struct tern_rx_frame *f)
{
	return nla_total_size(TERN_FRAME_HDR_LEN + f->len);
}

static int tern_put_frame(struct sk_buff *skb, const struct tern_rx_frame *f)
{
	struct nlattr *attr;
	u8 *wire;

	attr = nla_reserve(skb, TERN_A_WIRE, TERN_FRAME_HDR_LEN + f->len);
	if (!attr)
		return -EMSGSIZE;
	wire = nla_data(attr);
	tern_frame_hdr_build(wire, f->type, f->flags, f->len);
	memcpy(wire + TERN_FRAME_HDR_LEN, f->data, f->len);
	return 0;
}

static struct tern_rx_frame *tern_next_frame(struct tern_conn *conn,
					     struct tern_rx_frame *f)
{
	if (list_is_last(&f->list, &conn->held))
		return NULL;
	return list_next_entry(f, list);
}

/*
 * May the owner's socket take @truesize more bytes of notifications? An
 * empty socket always may, whatever its size, or nothing would ever go.
 */
static bool tern_owner_has_room(const struct tern_conn *conn,
				unsigned int truesize)
{
	const struct sock *sk = conn->owner->sk;
	unsigned int used = atomic_read(&sk->sk_rmem_alloc);

	return !used ||
	       used + truesize <= (unsigned int)READ_ONCE(sk->sk_rcvbuf) / 2;
}

/* Unicast to the owner within the room its socket keeps for replies. */
int tern_owner_unicast(struct tern_conn *conn, struct sk_buff *skb)
{
	if (!tern_owner_has_room(conn, skb->truesize)) {
		nlmsg_free(skb);
		return -EAGAIN;
	}
	return genlmsg_unicast(conn->tn->net, skb, conn->owner->portid);
}

/* Send one batch starting at conn->next; advance only if it was taken. */
static int tern_deliver_batch(struct tern_conn *conn)
{
	struct tern_rx_frame *f, *end;
	size_t size, fsize;
	u32 bytes = 0, n = 0;
	struct sk_buff *skb;
	void *hdr;
	int err;

	size = nla_total_size(sizeof(u32)) +
	       2 * nla_total_size_64bit(sizeof(u64));
	for (f = conn->next; f; f = tern_next_frame(conn, f)) {
		fsize = tern_frame_attr_size(f);
		if (n && (size + fsize > TERN_NL_BATCH ||
			  conn->inflight_bytes + bytes >= conn->p.rcv_window))
			break;
		size += fsize;
		bytes += tern_rx_cost(f);
		n++;
	}
	end = f;

	skb = genlmsg_new(size, GFP_KERNEL);
	if (!skb)
		return -ENOMEM;
	hdr = genlmsg_put(skb, 0, 0, &tern_nl_family, 0, TERN_CMD_FRAME_RECV);
	if (!hdr ||
	    nla_put_u32(skb, TERN_A_CONN_ID, conn->id) ||
	    nla_put_u64_64bit(skb, TERN_A_COOKIE, conn->p.cookie, TERN_A_PAD) ||
	    nla_put_u64_64bit(skb, TERN_A_SEQ, conn->next->seq, TERN_A_PAD))
		goto too_big;
	for (f = conn->next; f != end; f = tern_next_frame(conn, f))
		if (tern_put_frame(skb, f))
			goto too_big;
	genlmsg_end(skb, hdr);

	err = tern_owner_unicast(conn, skb);
	if (err)
		return err;

	conn->next = end;
	conn->inflight_bytes += bytes;
	return 0;

too_big:
	/* The size computed above is exact: this is a bug. */
	WARN_ON_ONCE(1);
	nlmsg_free(skb);
	return -EMSGSIZE;
}

/*
 * The owner could not take a notification: try again later, backing off
 * from 2 ms to 100 ms. conn->retry_at is 0 when no retry is pending;
 * retry_ms keeps the backoff until a delivery succeeds.
 */
void tern_conn_retry_later(struct tern_conn *conn)
{
	conn->retry_ms = clamp(conn->retry_ms * 2, TERN_RETRY_MIN_MS,
			       TERN_RETRY_MAX_MS);
	conn->retry_at = (jiffies + msecs_to_jiffies(conn->retry_ms)) ?: 1;
}

/* A pending retry is due (or the owner just showed it is reading). */
void tern_conn_retry_now(struct tern_conn *conn)
{
	conn->retry_at = 0;
}

/* Called on every run of the work item: a retry whose time came is due. */
void tern_conn_retry_expire(struct tern_conn *conn)
{
	if (conn->retry_at && time_after_eq(jiffies, conn->retry_at))
		conn->retry_at = 0;
}

/* conn-down to the owner, once every frame has gone out. */
static int tern_deliver_down(struct tern_conn *conn)
{
	struct sk_buff *skb = tern_nl_down_msg(conn);

	if (!skb)
		return -ENOMEM;
	return tern_owner_unicast(conn, skb);
}

/*
 * Send the owner what is pending: frames within its window, then conn-down.
 * On any failure (-EAGAIN: its socket is full; the owner is gone, and the
 * release notifier will orphan us; or memory is short) keep everything and
 * retry later.
 */
void tern_deliver(struct tern_conn *conn)
{
	int err = 0;

	lockdep_assert_held(&conn->lock);
	if (!conn->owner || conn->retry_at || !tern_nl_live())
		return;

	while (conn->next && conn->inflight_bytes < conn->p.rcv_window) {
		err = tern_deliver_batch(conn);
		if (err)
			break;
		conn->retry_ms = 0;
	}

	if (!err && !conn->next && conn->down_unsent) {
		err = tern_deliver_down(conn);
		if (!err)
			conn->down_unsent = false;
	}

	if (err) {
		/* The owner's next ack, or the backoff, tries again. */
		tern_owner_wait_room(conn);
		tern_conn_retry_later(conn);
	}
}
