/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints: connection state changes, frames in and out, heartbeats.
 * Enable with: echo 1 > /sys/kernel/tracing/events/tern/enable
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM tern

#if !defined(_TERN_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TERN_TRACE_H

#include <linux/tracepoint.h>

/* Heartbeat events. */
#define TERN_HB_PING_SENT	0
#define TERN_HB_PONG_RECEIVED	1
#define TERN_HB_PING_ANSWERED	2

TRACE_EVENT(tern_conn_state,
	    TP_PROTO(u32 id, u8 state, u8 reason),
	    TP_ARGS(id, state, reason),
	    TP_STRUCT__entry(__field(u32, id)
			     __field(u8, state)
			     __field(u8, reason)),
	    TP_fast_assign(__entry->id = id;
			   __entry->state = state;
			   __entry->reason = reason;),
	    TP_printk("conn=%u state=%s reason=%u", __entry->id,
		      __print_symbolic(__entry->state,
				       { 0, "unlinked" },
				       { TERN_STATE_ESTABLISHED, "established" },
				       { TERN_STATE_DOWN, "down" }),
		      __entry->reason)
);

DECLARE_EVENT_CLASS(tern_frame,
		    TP_PROTO(u32 id, u64 seq, u8 type, u32 len),
		    TP_ARGS(id, seq, type, len),
		    TP_STRUCT__entry(__field(u64, seq)
				     __field(u32, id)
				     __field(u32, len)
				     __field(u8, type)),
		    TP_fast_assign(__entry->seq = seq;
				   __entry->id = id;
				   __entry->len = len;
				   __entry->type = type;),
		    TP_printk("conn=%u seq=%llu type=%u len=%u", __entry->id,
			      __entry->seq, __entry->type, __entry->len)
);

DEFINE_EVENT(tern_frame, tern_frame_rx,
	     TP_PROTO(u32 id, u64 seq, u8 type, u32 len),
	     TP_ARGS(id, seq, type, len)
);

DEFINE_EVENT(tern_frame, tern_frame_tx,
	     TP_PROTO(u32 id, u64 seq, u8 type, u32 len),
	     TP_ARGS(id, seq, type, len)
);

TRACE_EVENT(tern_heartbeat,
	    TP_PROTO(u32 id, u8 event, u32 rtt_us),
	    TP_ARGS(id, event, rtt_us),
	    TP_STRUCT__entry(__field(u32, id)
			     __field(u32, rtt_us)
			     __field(u8, event)),
	    TP_fast_assign(__entry->id = id;
			   __entry->rtt_us = rtt_us;
			   __entry->event = event;),
	    TP_printk("conn=%u %s rtt_us=%u", __entry->id,
		      __print_symbolic(__entry->event,
				       { TERN_HB_PING_SENT, "ping-sent" },
				       { TERN_HB_PONG_RECEIVED, "pong-received" },
				       { TERN_HB_PING_ANSWERED, "ping-answered" }),
		      __entry->rtt_us)
);

#endif /* _TERN_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
