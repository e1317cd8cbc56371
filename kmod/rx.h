/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Receive side: read the socket, cut the stream into frames, hold each frame
 * under a per-connection sequence number until the owner acks it.
 */
#ifndef _TERN_RX_H
#define _TERN_RX_H

#include <linux/types.h>

struct netlink_ext_ack;
struct tern_conn;
struct tern_rx_frame;

/* What a held frame counts against the limits. */
u32 tern_rx_cost(const struct tern_rx_frame *f);

void tern_rx_read(struct tern_conn *conn);
int tern_rx_ack(struct tern_conn *conn, u64 seq,
		struct netlink_ext_ack *extack);
void tern_rx_rewind(struct tern_conn *conn);
void tern_rx_unthrottle(struct tern_conn *conn);
void tern_rx_drop_partial(struct tern_conn *conn);
void tern_rx_free_all(struct tern_conn *conn);
void tern_rx_exit(void);

#endif /* _TERN_RX_H */
