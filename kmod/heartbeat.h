/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Heartbeats and liveness: PING/PONG in kernel, RTT, and the deadlines that
 * end a silent connection or a frame that never completes.
 */
#ifndef _TERN_HEARTBEAT_H
#define _TERN_HEARTBEAT_H

#include <linux/types.h>

struct tern_conn;

unsigned long tern_hb_deadline(struct tern_conn *conn);
void tern_hb_tick(struct tern_conn *conn);
void tern_hb_ping_received(struct tern_conn *conn, const u8 *data, u32 len);
void tern_hb_pong_received(struct tern_conn *conn, const u8 *data, u32 len);
void tern_hb_reset_jitter(struct tern_conn *conn);

#endif /* _TERN_HEARTBEAT_H */
