/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * Tern push transport: generic netlink API and wire frame format.
 *
 * The netlink part mirrors Documentation/netlink/specs/tern.yaml; `make lint`
 * checks the two against each other.
 */
#ifndef _UAPI_LINUX_TERN_H
#define _UAPI_LINUX_TERN_H

#include <linux/types.h>

#define TERN_FAMILY_NAME	"tern"
#define TERN_FAMILY_VERSION	1
#define TERN_MCGRP_EVENTS	"events"

/*
 * Wire frame: an 8-byte header, all fields big-endian, then @len bytes of
 * payload. The module interprets only the header and the heartbeat types.
 */
struct tern_frame_hdr {
	__u8	version;	/* TERN_FRAME_VERSION */
	__u8	type;		/* enum tern_frame_type */
	__be16	flags;		/* opaque to the module */
	__be32	len;		/* payload bytes that follow */
};

#define TERN_FRAME_VERSION	1
#define TERN_FRAME_HDR_LEN	8
/* Largest payload: one frame must fit in one netlink attribute. */
#define TERN_FRAME_MAX_PAYLOAD	64512
/* Heartbeat payloads are small opaque tokens echoed back. */
#define TERN_HB_MAX_PAYLOAD	16

enum tern_frame_type {
	TERN_FRAME_PING = 1,	/* answered by the peer with PONG */
	TERN_FRAME_PONG = 2,	/* echoes the PING payload */
	/* 3..15 reserved for the transport; 16..255 belong to the protocol */
	TERN_FRAME_USER_MIN = 16,
};

enum tern_role {
	TERN_ROLE_INITIATOR = 1,	/* sends heartbeats */
	TERN_ROLE_RESPONDER,		/* answers them, drops silent peers */
};

enum tern_state {
	TERN_STATE_ESTABLISHED = 1,	/* socket held, reading and writing */
	TERN_STATE_DOWN,		/* transport gone, unacked frames held */
};

enum tern_reason {
	TERN_REASON_PEER_CLOSED = 1,
	TERN_REASON_TIMEOUT,
	TERN_REASON_PROTOCOL_ERROR,
	TERN_REASON_TLS_ALERT,
	TERN_REASON_RESET,
	TERN_REASON_OWNER_GONE,
	TERN_REASON_DELETED,
};

/* Defaults and bounds for connection parameters (milliseconds, bytes). */
#define TERN_HB_INTERVAL_DEFAULT	60000
#define TERN_HB_INTERVAL_MIN		50
#define TERN_HB_INTERVAL_MAX		86400000
#define TERN_TIMEOUT_DEFAULT		20000	/* initiator: wait for a PONG */
#define TERN_TIMEOUT_MIN		50
#define TERN_TIMEOUT_MAX		3600000
#define TERN_PARTIAL_TIMEOUT_DEFAULT	30000
#define TERN_MAX_FRAME_MIN		64
#define TERN_GRACE_DEFAULT		30000
#define TERN_GRACE_MAX			3600000
#define TERN_RCV_WINDOW_DEFAULT		(256 * 1024)
#define TERN_RCV_WINDOW_MIN		(64 * 1024)
#define TERN_RCV_WINDOW_MAX		(64 * 1024 * 1024)
#define TERN_MAX_HELD_DEFAULT		(1024 * 1024)
#define TERN_MAX_HELD_MIN		(64 * 1024)
#define TERN_MAX_HELD_MAX		(64 * 1024 * 1024)
#define TERN_OWNER_TAG_MAX		32	/* including the NUL */

enum {
	TERN_A_UNSPEC,
	TERN_A_PAD,
	TERN_A_CONN_ID,			/* u32 */
	TERN_A_FD,			/* s32 */
	TERN_A_ROLE,			/* u32, enum tern_role */
	TERN_A_HB_INTERVAL,		/* u32, ms */
	TERN_A_TIMEOUT,			/* u32, ms */
	TERN_A_PARTIAL_TIMEOUT,		/* u32, ms */
	TERN_A_MAX_FRAME,		/* u32, payload bytes */
	TERN_A_PRIORITY,		/* u32, sk_priority */
	TERN_A_MARK,			/* u32, sk_mark */
	TERN_A_OWNER_TAG,		/* string */
	TERN_A_COOKIE,			/* u64, opaque to the module */
	TERN_A_PLAIN,			/* flag: accept a socket without kTLS */
	TERN_A_GRACE,			/* u32, ms an orphan waits for adoption */
	TERN_A_RCV_WINDOW,		/* u32, bytes in flight to the owner */
	TERN_A_MAX_HELD,		/* u32, bytes held before reading stops */
	TERN_A_STATE,			/* u32, enum tern_state */
	TERN_A_ORPHAN,			/* flag */
	TERN_A_REASON,			/* u32, enum tern_reason */
	TERN_A_FAMILY,			/* u16, AF_INET or AF_INET6 */
	TERN_A_PEER_ADDR,		/* binary, 4 or 16 bytes */
	TERN_A_PEER_PORT,		/* u16, host order */
	TERN_A_LOCAL_ADDR,		/* binary, 4 or 16 bytes */
	TERN_A_LOCAL_PORT,		/* u16, host order */
	TERN_A_STATS,			/* nest, TERN_STATS_A_* */
	TERN_A_FRAME,			/* nest, TERN_FRAME_A_*, multi: send */
	TERN_A_ACK,			/* nest, TERN_ACK_A_*, multi */
	TERN_A_RESULT,			/* nest, TERN_RESULT_A_*, multi */
	TERN_A_COUNT,			/* u32 */
	TERN_A_SEQ,			/* u64, frame-recv: seq of the first */
	TERN_A_WIRE,			/* binary, multi: a received frame as
					 * on the wire, header then payload;
					 * seqs follow on from TERN_A_SEQ
					 */

	__TERN_A_MAX,
	TERN_A_MAX = (__TERN_A_MAX - 1)
};

/* A frame to send (frame-send); received frames come as TERN_A_WIRE. */
enum {
	TERN_FRAME_A_UNSPEC,
	TERN_FRAME_A_CONN_ID,		/* u32 */
	TERN_FRAME_A_TYPE,		/* u8, TERN_FRAME_USER_MIN and above */
	TERN_FRAME_A_FLAGS,		/* u16 */
	TERN_FRAME_A_DATA,		/* binary payload */

	__TERN_FRAME_A_MAX,
	TERN_FRAME_A_MAX = (__TERN_FRAME_A_MAX - 1)
};

enum {
	TERN_ACK_A_UNSPEC,
	TERN_ACK_A_PAD,
	TERN_ACK_A_CONN_ID,		/* u32 */
	TERN_ACK_A_SEQ,			/* u64, cumulative */

	__TERN_ACK_A_MAX,
	TERN_ACK_A_MAX = (__TERN_ACK_A_MAX - 1)
};

enum {
	TERN_RESULT_A_UNSPEC,
	TERN_RESULT_A_CONN_ID,		/* u32 */
	TERN_RESULT_A_QUEUED,		/* u32, frames accepted in order */
	TERN_RESULT_A_ERROR,		/* u32, positive errno for the rest */

	__TERN_RESULT_A_MAX,
	TERN_RESULT_A_MAX = (__TERN_RESULT_A_MAX - 1)
};

enum {
	TERN_STATS_A_UNSPEC,
	TERN_STATS_A_PAD,
	TERN_STATS_A_RX_FRAMES,		/* u64 */
	TERN_STATS_A_RX_BYTES,		/* u64, payload bytes */
	TERN_STATS_A_TX_FRAMES,		/* u64 */
	TERN_STATS_A_TX_BYTES,		/* u64 */
	TERN_STATS_A_HB_SENT,		/* u64, PINGs sent */
	TERN_STATS_A_HB_ANSWERED,	/* u64, PONGs received for them */
	TERN_STATS_A_PINGS_ANSWERED,	/* u64, peer PINGs we answered */
	TERN_STATS_A_LAST_RX,		/* u64, ms since the last byte read */
	TERN_STATS_A_RTT,		/* u32, smoothed PING/PONG RTT, us */
	TERN_STATS_A_HELD_FRAMES,	/* u32, received and not yet acked */
	TERN_STATS_A_HELD_BYTES,	/* u32 */
	TERN_STATS_A_TXQ_FRAMES,	/* u32, queued and not yet written */
	TERN_STATS_A_TXQ_BYTES,		/* u32 */

	__TERN_STATS_A_MAX,
	TERN_STATS_A_MAX = (__TERN_STATS_A_MAX - 1)
};

enum {
	TERN_CMD_UNSPEC,
	TERN_CMD_CONN_NEW,
	TERN_CMD_CONN_SET,
	TERN_CMD_CONN_DEL,
	TERN_CMD_CONN_GET,
	TERN_CMD_CONN_ADOPT,
	TERN_CMD_CONN_DETACH,
	TERN_CMD_FRAME_SEND,
	TERN_CMD_FRAME_ACK,
	TERN_CMD_FRAME_RECV,		/* notification, unicast to the owner */
	TERN_CMD_CONN_DOWN,		/* notification, "events" group */
	TERN_CMD_CONN_WRITABLE,		/* notification, unicast to the owner */

	__TERN_CMD_MAX,
	TERN_CMD_MAX = (__TERN_CMD_MAX - 1)
};

#endif /* _UAPI_LINUX_TERN_H */
