/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Send side: frames queued by frame-send and by the heartbeat code, written
 * to the socket without blocking.
 */
#ifndef _TERN_TX_H
#define _TERN_TX_H

#include <linux/types.h>

struct tern_conn;

int tern_tx_queue(struct tern_conn *conn, u8 type, u16 flags,
		  const void *data, u32 len);
int tern_tx_ctl(struct tern_conn *conn, u8 type, const void *data, u32 len);
void tern_tx_flush(struct tern_conn *conn);
void tern_tx_notify(struct tern_conn *conn);
void tern_tx_free_all(struct tern_conn *conn);

#endif /* _TERN_TX_H */
