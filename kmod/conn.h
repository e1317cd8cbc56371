/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tern connection: one TCP socket handed over by userspace, its framing
 * state, the frames it holds for its owner and the frames queued to send.
 *
 * Lifetime: the namespace table holds one reference from conn-new until the
 * connection is unlinked; every queued work item and every netlink handler
 * that looked the connection up holds one more. Everything a connection does
 * runs from its work item or from netlink handlers, both in process context,
 * serialised by conn->lock. The socket wakes the work item through a wait
 * queue entry, exactly as epoll would observe it (see sock.c).
 *
 * States: ESTABLISHED while the socket is held; DOWN once the transport has
 * ended (the socket is released, frames still held stay deliverable until
 * acked). A connection is unlinked when it is DOWN and holds nothing, when
 * its owner is gone and the grace period ran out, on conn-del, on conn-detach
 * and when its namespace goes away.
 */
#ifndef _TERN_CONN_H
#define _TERN_CONN_H

#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/timer.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/tern.h>

#include "frame.h"

struct mem_cgroup;
struct sock;
struct socket;
struct tern_net;
struct tern_owner;

/*
 * Received frames are carved, in order, from chunks of TERN_RX_CHUNK_SIZE
 * bytes (a larger frame gets a chunk of its own); a chunk is freed when
 * the last of its frames is. Frames are acked in order, so chunks empty
 * from the oldest and one allocation serves dozens of small frames.
 */
struct tern_rx_chunk {
	u32 refs;		/* frames in it, plus one while filled */
	u32 used;
	u32 size;
	u8 space[] __aligned(8);
};

/* A received frame, held until the owner acks it. */
struct tern_rx_frame {
	struct list_head list;
	struct tern_rx_chunk *chunk;
	u64 seq;
	u32 len;
	u16 flags;
	u8 type;
	u8 data[];
};

/* A frame waiting to be written: header and payload, as on the wire. */
struct tern_tx_frame {
	struct list_head list;
	u32 len;
	u32 off;		/* bytes already written */
	u8 type;
	u8 data[];
};

/* Bits of conn->events: why the work item was queued. */
enum {
	TERN_EV_RX,		/* the socket may be readable */
	TERN_EV_TX,		/* the socket may be writable */
	TERN_EV_TIMER,		/* a deadline may have passed */
	TERN_EV_DELIVER,	/* the owner may take more frames */
};

/* Tunables of one connection, in ms and bytes; 0 means "derive". */
struct tern_conn_params {
	u32 hb_interval;
	u32 timeout;
	u32 partial_timeout;
	u32 max_frame;
	u32 grace;
	u32 rcv_window;
	u32 max_held;
	u32 priority;
	u32 mark;
	u64 cookie;
};

struct tern_conn_stats {
	u64 rx_frames;
	u64 rx_bytes;
	u64 tx_frames;
	u64 tx_bytes;
	u64 hb_sent;
	u64 hb_answered;
	u64 pings_answered;
};

struct tern_conn {
	struct tern_net *tn;
	u32 id;
	refcount_t refcnt;
	unsigned long events;		/* TERN_EV_* bits, atomic */
	struct work_struct work;
	struct timer_list timer;
	struct rcu_head rcu;

	struct mutex lock;		/* protects everything below */
	u8 state;			/* enum tern_state */
	u8 reason;			/* enum tern_reason, once DOWN */
	u8 role;			/* enum tern_role */
	bool plain;			/* no kTLS (tests only) */
	bool unlinked;			/* out of the namespace table */
	bool table_ref_put;		/* ... and its reference dropped */
	bool rx_throttled;		/* held limit reached: not reading */
	bool net_throttled;		/* ... the namespace's (counted) */
	bool tx_blocked;		/* socket full: wait for write space */
	bool want_writable;		/* a frame-send was refused */
	bool detaching;			/* conn-detach pending: stop reading */
	bool down_unsent;		/* the owner has not had conn-down */

	struct socket *sock;		/* NULL once DOWN */
	struct wait_queue_entry wait;
	struct mem_cgroup *memcg;	/* charged for frames and state */
	struct tern_conn_params p;

	/* Owner: the netlink socket that created or adopted the connection. */
	struct tern_owner *owner;	/* NULL for an orphan */
	struct list_head owner_node;	/* in owner->conns */
	struct list_head wait_node;	/* in owner->waiting */
	unsigned long orphan_since;	/* jiffies */
	char owner_tag[TERN_OWNER_TAG_MAX];

	/* Receive side. */
	struct tern_parser parser;
	struct tern_rx_chunk *rx_chunk;	/* being filled */
	unsigned long partial_since;	/* jiffies a partial frame began */
	struct list_head held;		/* received, not acked, by seq */
	struct tern_rx_frame *next;	/* first frame not sent to the owner */
	u64 rx_seq;			/* sequence number of the last frame */
	u32 held_frames;
	u32 held_bytes;			/* accounted, see tern_rx_cost() */
	u32 inflight_bytes;		/* sent to the owner, not acked */
	u32 retry_ms;			/* delivery backoff, 0 when idle */
	unsigned long retry_at;		/* jiffies */
	u8 hb_buf[TERN_HB_MAX_PAYLOAD];	/* payload of a PING or PONG */

	/* Send side. */
	struct list_head txq;
	u32 txq_frames;
	u32 txq_bytes;

	/* Heartbeats and liveness. */
	unsigned long last_rx;		/* jiffies */
	unsigned long ping_sent;	/* jiffies, 0 when none outstanding */
	ktime_t ping_sent_kt;
	u64 ping_token;
	u32 hb_jitter;			/* ms taken off the current interval */
	u32 srtt_us;

	/* Addresses, kept for conn-get once the socket is gone. */
	u16 family;
	__be16 peer_port;
	__be16 local_port;
	u8 peer_addr[16];
	u8 local_addr[16];

	struct tern_conn_stats stats;
};

struct tern_conn *tern_conn_alloc(struct tern_net *tn);
void tern_conn_put(struct tern_conn *conn);

/* jiffies, never 0: 0 marks an unset timestamp. */
static inline unsigned long tern_now(void)
{
	return jiffies ?: 1;
}

static inline bool tern_conn_get(struct tern_conn *conn)
{
	return refcount_inc_not_zero(&conn->refcnt);
}

void tern_conn_kick(struct tern_conn *conn, unsigned long events);
void tern_conn_arm_timer(struct tern_conn *conn);

/* Called with conn->lock held. */
void tern_conn_down(struct tern_conn *conn, enum tern_reason reason);
void tern_conn_unlink(struct tern_conn *conn);
void tern_conn_maybe_finish(struct tern_conn *conn);
void tern_conn_unlock(struct tern_conn *conn);

int tern_conn_cache_init(void);
void tern_conn_cache_exit(void);

/* Effective liveness timeout in ms: explicit, or derived from the role. */
u32 tern_conn_timeout(const struct tern_conn *conn);

#endif /* _TERN_CONN_H */
