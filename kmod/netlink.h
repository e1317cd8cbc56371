/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "tern" generic netlink family: registration, policies, notifications,
 * and the op handlers (nl_conn.c, nl_frame.c).
 */
#ifndef _TERN_NETLINK_H
#define _TERN_NETLINK_H

#include <net/genetlink.h>
#include <linux/tern.h>

struct tern_conn;

extern struct genl_family tern_nl_family;
extern const struct nla_policy tern_frame_policy[TERN_FRAME_A_MAX + 1];
extern const struct nla_policy tern_ack_policy[TERN_ACK_A_MAX + 1];

bool tern_nl_live(void);
struct sk_buff *tern_nl_down_msg(struct tern_conn *conn);
void tern_nl_notify_down(struct tern_conn *conn);
int tern_nl_notify_writable(struct tern_conn *conn);

int tern_nl_conn_new(struct sk_buff *skb, struct genl_info *info);
int tern_nl_conn_set(struct sk_buff *skb, struct genl_info *info);
int tern_nl_conn_del(struct sk_buff *skb, struct genl_info *info);
int tern_nl_conn_get(struct sk_buff *skb, struct genl_info *info);
int tern_nl_conn_dump(struct sk_buff *skb, struct netlink_callback *cb);
int tern_nl_conn_adopt(struct sk_buff *skb, struct genl_info *info);
int tern_nl_conn_detach(struct sk_buff *skb, struct genl_info *info);
int tern_nl_frame_send(struct sk_buff *skb, struct genl_info *info);
int tern_nl_frame_ack(struct sk_buff *skb, struct genl_info *info);

int tern_nl_register(void);
void tern_nl_unregister(void);

#endif /* _TERN_NETLINK_H */
