// SPDX-License-Identifier: GPL-2.0
/*
 * Names of the tern enums and attributes, as spelt in
 * Documentation/netlink/specs/tern.yaml.
 */
#include <stddef.h>

#include "tern_nl_priv.h"

static const char *tern_name(const char *const *names, size_t n, int v,
			     const char *unknown)
{
	if (v < 0 || (size_t)v >= n || !names[v])
		return unknown;
	return names[v];
}

const char *tern_reason_name(enum tern_reason reason)
{
	static const char *const names[] = {
		[0] = "none",
		[TERN_REASON_PEER_CLOSED] = "peer-closed",
		[TERN_REASON_TIMEOUT] = "timeout",
		[TERN_REASON_PROTOCOL_ERROR] = "protocol-error",
		[TERN_REASON_TLS_ALERT] = "tls-alert",
		[TERN_REASON_RESET] = "reset",
		[TERN_REASON_OWNER_GONE] = "owner-gone",
		[TERN_REASON_DELETED] = "deleted",
	};

	return tern_name(names, ARRAY_SIZE(names), reason, "unknown");
}

const char *tern_state_name(enum tern_state state)
{
	static const char *const names[] = {
		[TERN_STATE_ESTABLISHED] = "established",
		[TERN_STATE_DOWN] = "down",
	};

	return tern_name(names, ARRAY_SIZE(names), state, "unknown");
}

const char *tern_role_name(enum tern_role role)
{
	static const char *const names[] = {
		[TERN_ROLE_INITIATOR] = "initiator",
		[TERN_ROLE_RESPONDER] = "responder",
	};

	return tern_name(names, ARRAY_SIZE(names), role, "unknown");
}

static const char *const conn_attrs[] = {
	[TERN_A_PAD] = "pad",
	[TERN_A_CONN_ID] = "conn-id",
	[TERN_A_FD] = "fd",
	[TERN_A_ROLE] = "role",
	[TERN_A_HB_INTERVAL] = "hb-interval",
	[TERN_A_TIMEOUT] = "timeout",
	[TERN_A_PARTIAL_TIMEOUT] = "partial-timeout",
	[TERN_A_MAX_FRAME] = "max-frame",
	[TERN_A_PRIORITY] = "priority",
	[TERN_A_MARK] = "mark",
	[TERN_A_OWNER_TAG] = "owner-tag",
	[TERN_A_COOKIE] = "cookie",
	[TERN_A_PLAIN] = "plain",
	[TERN_A_GRACE] = "grace",
	[TERN_A_RCV_WINDOW] = "rcv-window",
	[TERN_A_MAX_HELD] = "max-held",
	[TERN_A_STATE] = "state",
	[TERN_A_ORPHAN] = "orphan",
	[TERN_A_REASON] = "reason",
	[TERN_A_FAMILY] = "family",
	[TERN_A_PEER_ADDR] = "peer-addr",
	[TERN_A_PEER_PORT] = "peer-port",
	[TERN_A_LOCAL_ADDR] = "local-addr",
	[TERN_A_LOCAL_PORT] = "local-port",
	[TERN_A_STATS] = "stats",
	[TERN_A_FRAME] = "frame",
	[TERN_A_ACK] = "ack",
	[TERN_A_RESULT] = "result",
	[TERN_A_COUNT] = "count",
	[TERN_A_SEQ] = "seq",
	[TERN_A_WIRE] = "wire",
};

static const char *const frame_attrs[] = {
	[TERN_FRAME_A_CONN_ID] = "conn-id",
	[TERN_FRAME_A_TYPE] = "type",
	[TERN_FRAME_A_FLAGS] = "flags",
	[TERN_FRAME_A_DATA] = "data",
};

static const char *const ack_attrs[] = {
	[TERN_ACK_A_PAD] = "pad",
	[TERN_ACK_A_CONN_ID] = "conn-id",
	[TERN_ACK_A_SEQ] = "seq",
};

static const char *const result_attrs[] = {
	[TERN_RESULT_A_CONN_ID] = "conn-id",
	[TERN_RESULT_A_QUEUED] = "queued",
	[TERN_RESULT_A_ERROR] = "error",
};

static const char *const stats_attrs[] = {
	[TERN_STATS_A_PAD] = "pad",
	[TERN_STATS_A_RX_FRAMES] = "rx-frames",
	[TERN_STATS_A_RX_BYTES] = "rx-bytes",
	[TERN_STATS_A_TX_FRAMES] = "tx-frames",
	[TERN_STATS_A_TX_BYTES] = "tx-bytes",
	[TERN_STATS_A_HB_SENT] = "hb-sent",
	[TERN_STATS_A_HB_ANSWERED] = "hb-answered",
	[TERN_STATS_A_PINGS_ANSWERED] = "pings-answered",
	[TERN_STATS_A_LAST_RX] = "last-rx",
	[TERN_STATS_A_RTT] = "rtt",
	[TERN_STATS_A_HELD_FRAMES] = "held-frames",
	[TERN_STATS_A_HELD_BYTES] = "held-bytes",
	[TERN_STATS_A_TXQ_FRAMES] = "txq-frames",
	[TERN_STATS_A_TXQ_BYTES] = "txq-bytes",
};

/* The name of attribute @type of attribute set @set, or NULL. */
const char *tern_attr_name(int set, int type)
{
	switch (set) {
	case TERN_SET_CONN:
		return tern_name(conn_attrs, ARRAY_SIZE(conn_attrs), type, NULL);
	case TERN_SET_FRAME:
		return tern_name(frame_attrs, ARRAY_SIZE(frame_attrs), type,
				 NULL);
	case TERN_SET_ACK:
		return tern_name(ack_attrs, ARRAY_SIZE(ack_attrs), type, NULL);
	case TERN_SET_RESULT:
		return tern_name(result_attrs, ARRAY_SIZE(result_attrs), type,
				 NULL);
	case TERN_SET_STATS:
		return tern_name(stats_attrs, ARRAY_SIZE(stats_attrs), type,
				 NULL);
	}
	return NULL;
}

/* The attribute set nested in top-level attribute @type. */
int tern_attr_nested_set(int type)
{
	switch (type) {
	case TERN_A_STATS:
		return TERN_SET_STATS;
	case TERN_A_FRAME:
		return TERN_SET_FRAME;
	case TERN_A_ACK:
		return TERN_SET_ACK;
	case TERN_A_RESULT:
		return TERN_SET_RESULT;
	}
	return TERN_SET_NONE;
}
