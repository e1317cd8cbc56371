// SPDX-License-Identifier: GPL-2.0
/*
 * Heartbeats and liveness.
 *
 * The initiator sends a PING when it has received nothing for one heartbeat
 * interval (less a random jitter of up to an eighth, so that devices that
 * connected together do not stay in step); any traffic from the peer counts
 * as a sign of life, so a busy connection sends no heartbeats at all. If
 * neither the PONG nor anything else arrives within the timeout, the
 * connection ends with reason timeout. The responder answers PINGs and ends
 * a connection whose peer stays silent for its timeout (1.5 heartbeat
 * intervals unless set). Either side answers a PING, in kernel: userspace
 * never wakes up for heartbeats.
 *
 * While the connection is not reading (its held limit is reached, or a
 * detach is pending) silence proves nothing, so no deadline runs but the
 * partial-frame one of a pending detach.
 */

#include <linux/jiffies.h>
#include <linux/random.h>

#include "compat.h"
#include "conn.h"
#include "heartbeat.h"
#include "trace.h"
#include "tx.h"

#define TERN_PING_LEN	8	/* a big-endian token */

static unsigned long tern_ms(u32 ms)
{
	return msecs_to_jiffies(ms);
}

static unsigned long tern_earliest(unsigned long a, unsigned long b)
{
	if (!a)
		return b;
	return time_before(a, b) ? a : b;
}

void tern_hb_reset_jitter(struct tern_conn *conn)
{
	u32 span = conn->p.hb_interval / 8;

	conn->hb_jitter = span ? get_random_u32_below(span) : 0;
}

static bool tern_hb_paused(const struct tern_conn *conn)
{
	return conn->rx_throttled || conn->detaching;
}

/* The next moment tern_hb_tick() has something to do, or 0. */
unsigned long tern_hb_deadline(struct tern_conn *conn)
{
	unsigned long when = 0;

	if (conn->partial_since && !conn->rx_throttled)
		when = conn->partial_since + tern_ms(conn->p.partial_timeout) + 1;
	if (tern_hb_paused(conn))
		return when;

	if (conn->role == TERN_ROLE_INITIATOR && !conn->ping_sent)
		return tern_earliest(when, conn->last_rx +
				     tern_ms(conn->p.hb_interval -
					     conn->hb_jitter));
	if (conn->role == TERN_ROLE_INITIATOR)
		return tern_earliest(when, conn->ping_sent +
				     tern_ms(tern_conn_timeout(conn)) + 1);
	return tern_earliest(when, conn->last_rx +
			     tern_ms(tern_conn_timeout(conn)) + 1);
}

static void tern_hb_send_ping(struct tern_conn *conn)
{
	u8 token[TERN_PING_LEN];

	put_unaligned_be64(++conn->ping_token, token);
	if (tern_tx_ctl(conn, TERN_FRAME_PING, token, sizeof(token)))
		return;		/* no memory: try again at the next tick */

	conn->ping_sent = tern_now();
	conn->ping_sent_kt = ktime_get();
	conn->stats.hb_sent++;
	tern_hb_reset_jitter(conn);
	trace_tern_heartbeat(conn->id, TERN_HB_PING_SENT, 0);
}

void tern_hb_tick(struct tern_conn *conn)
{
	unsigned long now = jiffies;
	unsigned long timeout = tern_ms(tern_conn_timeout(conn));

	if (conn->state != TERN_STATE_ESTABLISHED)
		return;

	if (conn->partial_since && !conn->rx_throttled &&
	    time_after(now, conn->partial_since +
		       tern_ms(conn->p.partial_timeout))) {
		tern_conn_down(conn, TERN_REASON_PROTOCOL_ERROR);
		return;
	}
	if (tern_hb_paused(conn))
		return;

	if (conn->role == TERN_ROLE_RESPONDER) {
		if (time_after(now, conn->last_rx + timeout))
			tern_conn_down(conn, TERN_REASON_TIMEOUT);
		return;
	}

	if (conn->ping_sent && time_after(now, conn->ping_sent + timeout)) {
		/*
		 * Anything heard since the PING shows the peer is alive, also
		 * within the same jiffy: a PING goes out only an interval
		 * after the last byte read, so an equal stamp is an answer.
		 */
		if (!time_after_eq(conn->last_rx, conn->ping_sent)) {
			tern_conn_down(conn, TERN_REASON_TIMEOUT);
			return;
		}
		conn->ping_sent = 0;
	}

	if (!conn->ping_sent &&
	    time_after_eq(now, conn->last_rx +
			  tern_ms(conn->p.hb_interval - conn->hb_jitter)))
		tern_hb_send_ping(conn);
}

void tern_hb_ping_received(struct tern_conn *conn, const u8 *data, u32 len)
{
	if (tern_tx_ctl(conn, TERN_FRAME_PONG, data, len))
		return;		/* the peer's next PING will do */
	conn->stats.pings_answered++;
	trace_tern_heartbeat(conn->id, TERN_HB_PING_ANSWERED, 0);
}

void tern_hb_pong_received(struct tern_conn *conn, const u8 *data, u32 len)
{
	s64 rtt;

	/* Only the answer to our latest PING measures anything. */
	if (len != TERN_PING_LEN || !conn->ping_sent_kt ||
	    get_unaligned_be64(data) != conn->ping_token)
		return;

	rtt = ktime_us_delta(ktime_get(), conn->ping_sent_kt);
	rtt = clamp_t(s64, rtt, 1, U32_MAX);
	conn->srtt_us = conn->srtt_us ? (7ULL * conn->srtt_us + rtt) / 8 : rtt;
	conn->ping_sent_kt = 0;
	conn->ping_sent = 0;
	conn->stats.hb_answered++;
	trace_tern_heartbeat(conn->id, TERN_HB_PONG_RECEIVED, (u32)rtt);
}
