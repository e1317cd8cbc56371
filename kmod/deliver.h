/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Delivery: held frames go to the owner in frame-recv batches, within the
 * owner's receive window, and are never lost when netlink cannot take them.
 */
#ifndef _TERN_DELIVER_H
#define _TERN_DELIVER_H

struct tern_conn;

#define TERN_RETRY_MIN_MS	2
#define TERN_RETRY_MAX_MS	100

struct sk_buff;

void tern_deliver(struct tern_conn *conn);
int tern_owner_unicast(struct tern_conn *conn, struct sk_buff *skb);
void tern_conn_retry_later(struct tern_conn *conn);
void tern_conn_retry_now(struct tern_conn *conn);
void tern_conn_retry_expire(struct tern_conn *conn);

#endif /* _TERN_DELIVER_H */
