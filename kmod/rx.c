// SPDX-License-Identifier: GPL-2.0
/*
 * Receive side (see rx.h).
 *
 * The work item reads and feeds the shared frame parser. Heartbeat frames
 * are answered here and never reach userspace; every other frame gets the
 * next sequence number and joins conn->held, where it stays until the owner
 * acks it. Once a connection holds its limit (or its namespace holds the
 * namespace's), reading stops and TCP pushes back on the peer; an ack that
 * frees room starts it again.
 *
 * Most wakeups bring one small frame (a push, a heartbeat), so the first
 * read goes to a buffer on the stack; only when that comes back full does
 * the pass take a TERN_RX_CHUNK buffer, from a small pool so that busy
 * connections do not pay a page allocation (zeroed, on kernels with
 * init_on_alloc) per pass. A pass ends after TERN_RX_BUDGET reads and queues
 * the next, so busy connections take turns with quiet ones and with acks.
 */

#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <net/netlink.h>

#include "conn.h"
#include "heartbeat.h"
#include "netns.h"
#include "rx.h"
#include "sock.h"
#include "trace.h"

#define TERN_RX_SMALL	256	/* first read, on the stack */
#define TERN_RX_CHUNK	16384	/* later reads, from the pool */
#define TERN_RX_BUDGET	4	/* reads per pass */
#define TERN_RX_POOL	16	/* chunks kept for reuse */

static DEFINE_SPINLOCK(tern_rx_pool_lock);
static void *tern_rx_pool[TERN_RX_POOL];
static unsigned int tern_rx_pool_n;

static void *tern_rx_chunk_get(void)
{
	void *buf = NULL;

	spin_lock(&tern_rx_pool_lock);
	if (tern_rx_pool_n)
		buf = tern_rx_pool[--tern_rx_pool_n];
	spin_unlock(&tern_rx_pool_lock);
	return buf ?: kmalloc(TERN_RX_CHUNK, GFP_KERNEL);
}

static void tern_rx_chunk_put(void *buf)
{
	spin_lock(&tern_rx_pool_lock);
	if (tern_rx_pool_n < TERN_RX_POOL) {
		tern_rx_pool[tern_rx_pool_n++] = buf;
		buf = NULL;
	}
	spin_unlock(&tern_rx_pool_lock);
	kfree(buf);
}

void tern_rx_exit(void)
{
	while (tern_rx_pool_n)
		kfree(tern_rx_pool[--tern_rx_pool_n]);
}

u32 tern_rx_cost(const struct tern_rx_frame *f)
{
	return sizeof(*f) + f->len;
}

static struct tern_rx_frame *tern_rx_frame_of(void *data)
{
	return container_of(data, struct tern_rx_frame, data[0]);
}

/* Frames are carved from chunks of one kmalloc-8k slab object. */
#define TERN_RX_CHUNK_SIZE	8192
#define TERN_RX_CHUNK_SPACE	\
	(TERN_RX_CHUNK_SIZE - offsetof(struct tern_rx_chunk, space))

static void tern_rx_chunk_unref(struct tern_rx_chunk *c)
{
	if (!--c->refs)
		kvfree(c);
}

/* Stop filling the current chunk; it goes when its frames do. */
static void tern_rx_chunk_close(struct tern_conn *conn)
{
	if (conn->rx_chunk) {
		tern_rx_chunk_unref(conn->rx_chunk);
		conn->rx_chunk = NULL;
	}
}

/* Room for a frame of @len payload bytes, charged to the active memcg. */
static struct tern_rx_frame *tern_rx_frame_alloc(struct tern_conn *conn,
						 u32 len)
{
	u32 need = ALIGN(struct_size_t(struct tern_rx_frame, data, len), 8);
	struct tern_rx_chunk *c = conn->rx_chunk;
	struct tern_rx_frame *f;

	if (!c || c->size - c->used < need) {
		u32 size = max_t(u32, need, TERN_RX_CHUNK_SPACE);

		tern_rx_chunk_close(conn);
		c = kvmalloc(struct_size(c, space, size), GFP_KERNEL_ACCOUNT);
		if (!c)
			return NULL;
		c->refs = 1;
		c->used = 0;
		c->size = size;
		conn->rx_chunk = c;
	}

	f = (struct tern_rx_frame *)(c->space + c->used);
	c->used += need;
	c->refs++;
	f->chunk = c;
	return f;
}

static void tern_rx_frame_free(struct tern_rx_frame *f)
{
	tern_rx_chunk_unref(f->chunk);
}

static bool tern_rx_is_hb(u8 type)
{
	return type == TERN_FRAME_PING || type == TERN_FRAME_PONG;
}

static int tern_rx_begin(void *ctx, const struct tern_hdr *h, void **buf)
{
	struct tern_conn *conn = ctx;
	struct tern_rx_frame *f;

	if (tern_rx_is_hb(h->type)) {
		*buf = conn->hb_buf;
		return 0;
	}

	f = tern_rx_frame_alloc(conn, h->len);
	if (!f)
		return -ENOMEM;
	f->len = h->len;
	f->type = h->type;
	f->flags = h->flags;
	*buf = f->data;
	return 0;
}

static int tern_rx_end(void *ctx, const struct tern_hdr *h, void *buf)
{
	struct tern_conn *conn = ctx;
	struct tern_rx_frame *f;
	u32 cost;

	/* The partial-frame deadline is per frame: this one is complete. */
	conn->partial_since = 0;

	if (h->type == TERN_FRAME_PING) {
		tern_hb_ping_received(conn, buf, h->len);
		return 0;
	}
	if (h->type == TERN_FRAME_PONG) {
		tern_hb_pong_received(conn, buf, h->len);
		return 0;
	}

	f = tern_rx_frame_of(buf);
	f->seq = ++conn->rx_seq;
	cost = tern_rx_cost(f);
	list_add_tail(&f->list, &conn->held);
	conn->held_frames++;
	conn->held_bytes += cost;
	atomic_long_add(cost, &conn->tn->held_bytes);
	if (!conn->next)
		conn->next = f;

	conn->stats.rx_frames++;
	conn->stats.rx_bytes += f->len;
	trace_tern_frame_rx(conn->id, f->seq, f->type, f->len);
	return 0;
}

static const struct tern_parser_ops tern_rx_ops = {
	.begin = tern_rx_begin,
	.end = tern_rx_end,
};

/* Forget a frame read only in part (the connection is going down). */
void tern_rx_drop_partial(struct tern_conn *conn)
{
	struct tern_parser *p = &conn->parser;
	bool user = p->hdr_have == TERN_FRAME_HDR_LEN && !tern_rx_is_hb(p->h.type);
	void *buf = tern_parser_reset(p);

	if (buf && user)
		tern_rx_frame_free(tern_rx_frame_of(buf));
	conn->partial_since = 0;
	/* Nothing more will be read into it. */
	tern_rx_chunk_close(conn);
}

static bool tern_rx_full(struct tern_conn *conn)
{
	return conn->held_bytes >= conn->p.max_held ||
	       tern_net_held_full(conn->tn);
}

/*
 * Stop reading. Only connections stopped by the namespace's cap are
 * counted: they are the ones tern_net_kick_throttled() has to find.
 */
static void tern_rx_throttle(struct tern_conn *conn)
{
	bool by_net = conn->held_bytes < conn->p.max_held;

	if (conn->rx_throttled)
		return;
	WRITE_ONCE(conn->rx_throttled, true);
	if (by_net) {
		WRITE_ONCE(conn->net_throttled, true);
		atomic_inc(&conn->tn->nthrottled);
	}
}

void tern_rx_unthrottle(struct tern_conn *conn)
{
	if (!conn->rx_throttled)
		return;
	WRITE_ONCE(conn->rx_throttled, false);
	if (conn->net_throttled) {
		WRITE_ONCE(conn->net_throttled, false);
		atomic_dec(&conn->tn->nthrottled);
	}

	/* Time spent not reading is not the peer's silence. */
	conn->last_rx = jiffies;
	if (conn->partial_since)
		conn->partial_since = tern_now();
}

static enum tern_reason tern_rx_error_reason(struct tern_conn *conn, int err)
{
	switch (err) {
	case 0:
		return TERN_REASON_PEER_CLOSED;
	case -ECONNRESET:
	case -EPIPE:
		return TERN_REASON_RESET;
	case -ETIMEDOUT:
		return TERN_REASON_TIMEOUT;
	default:
		/* Decryption and record errors from kTLS. */
		return conn->plain ? TERN_REASON_RESET : TERN_REASON_TLS_ALERT;
	}
}

/* A TLS record that is not application data ends the connection. */
static enum tern_reason tern_rx_record_reason(u8 rectype, const u8 *data,
					      int len)
{
	/* An alert is level, description; close_notify is description 0. */
	if (rectype == TERN_TLS_ALERT && len >= 2 && data[1] == 0)
		return TERN_REASON_PEER_CLOSED;
	return TERN_REASON_TLS_ALERT;
}

void tern_rx_read(struct tern_conn *conn)
{
	unsigned int budget = TERN_RX_BUDGET;
	struct mem_cgroup *old_memcg;
	u8 small[TERN_RX_SMALL];
	size_t size = sizeof(small), want;
	void *buf = small, *chunk;
	u8 rectype;
	int n, err;

	old_memcg = set_active_memcg(conn->memcg);
	while (conn->state == TERN_STATE_ESTABLISHED) {
		if (tern_rx_full(conn)) {
			tern_rx_throttle(conn);
			break;
		}
		tern_rx_unthrottle(conn);

		want = size;
		if (conn->detaching) {
			/* Stop on a frame boundary so the socket can go back. */
			want = min_t(size_t, size,
				     tern_parser_want(&conn->parser));
			if (!want)
				break;
		}

		if (!budget--) {
			tern_conn_kick(conn, BIT(TERN_EV_RX));
			break;
		}

		n = tern_sock_recv(conn, buf, want, &rectype);
		if (n == -EAGAIN)
			break;
		if (n <= 0) {
			tern_conn_down(conn, tern_rx_error_reason(conn, n));
			break;
		}
		conn->last_rx = jiffies;

		if (rectype != TERN_TLS_DATA) {
			tern_conn_down(conn, tern_rx_record_reason(rectype,
								   buf, n));
			break;
		}

		err = tern_parser_feed(&conn->parser, conn->p.max_frame, buf, n,
				       &tern_rx_ops, conn);
		if (err) {
			tern_conn_down(conn, err == -ENOMEM ?
				       TERN_REASON_RESET :
				       TERN_REASON_PROTOCOL_ERROR);
			break;
		}

		if (!tern_parser_mid_frame(&conn->parser))
			conn->partial_since = 0;
		else if (!conn->partial_since)
			conn->partial_since = tern_now();

		/* A full small read means more is waiting: read in chunks. */
		if (buf == small && n == sizeof(small)) {
			chunk = tern_rx_chunk_get();
			if (chunk) {
				buf = chunk;
				size = TERN_RX_CHUNK;
			}
		}
	}
	set_active_memcg(old_memcg);

	if (buf != small)
		tern_rx_chunk_put(buf);
}

/* Deliver everything unacked again, from the first held frame. */
void tern_rx_rewind(struct tern_conn *conn)
{
	conn->next = list_first_entry_or_null(&conn->held,
					      struct tern_rx_frame, list);
	conn->inflight_bytes = 0;
	conn->retry_ms = 0;
	conn->retry_at = 0;
}

/* Free every held frame up to and including @seq. */
int tern_rx_ack(struct tern_conn *conn, u64 seq, struct netlink_ext_ack *extack)
{
	u64 delivered = conn->next ? conn->next->seq - 1 : conn->rx_seq;
	struct tern_rx_frame *f, *tmp;
	long freed = 0;

	if (seq > delivered) {
		NL_SET_ERR_MSG_MOD(extack,
				   "ack beyond the last frame delivered to this owner");
		return -EINVAL;
	}

	list_for_each_entry_safe(f, tmp, &conn->held, list) {
		u32 cost = tern_rx_cost(f);

		if (f->seq > seq)
			break;
		list_del(&f->list);
		conn->held_frames--;
		conn->held_bytes -= cost;
		conn->inflight_bytes -= min(conn->inflight_bytes, cost);
		freed += cost;
		tern_rx_frame_free(f);
	}
	/*
	 * Nothing held: let the chunk being filled go too. Most connections
	 * are idle most of the time, and one that kept its chunk would hold
	 * 8 KiB for the one frame (its hello) it received an hour ago. A
	 * frame still arriving keeps its own reference.
	 */
	if (list_empty(&conn->held))
		tern_rx_chunk_close(conn);
	if (!freed)
		return 0;

	atomic_long_sub(freed, &conn->tn->held_bytes);
	if (conn->rx_throttled && !tern_rx_full(conn)) {
		tern_rx_unthrottle(conn);
		tern_conn_kick(conn, BIT(TERN_EV_RX));
	}
	tern_net_kick_throttled(conn->tn);
	return 0;
}

void tern_rx_free_all(struct tern_conn *conn)
{
	struct tern_rx_frame *f, *tmp;
	long freed = 0;

	tern_rx_drop_partial(conn);
	list_for_each_entry_safe(f, tmp, &conn->held, list) {
		freed += tern_rx_cost(f);
		list_del(&f->list);
		tern_rx_frame_free(f);
	}
	conn->next = NULL;
	conn->held_frames = 0;
	conn->held_bytes = 0;
	conn->inflight_bytes = 0;
	atomic_long_sub(freed, &conn->tn->held_bytes);
}
