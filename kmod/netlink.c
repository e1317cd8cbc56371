// SPDX-License-Identifier: GPL-2.0
/*
 * The "tern" generic netlink family (Documentation/netlink/specs/tern.yaml).
 *
 * Every op and the "events" group require CAP_NET_ADMIN in the user
 * namespace that owns the caller's network namespace. All ops are validated
 * strictly. Ops run in parallel (no genl_mutex): each connection has its own
 * lock.
 */

#include <net/genetlink.h>

#include "conn.h"
#include "deliver.h"
#include "netlink.h"
#include "netns.h"

static bool tern_nl_registered;

static struct netlink_range_validation tern_hb_range = {
	.min = TERN_HB_INTERVAL_MIN,
	.max = TERN_HB_INTERVAL_MAX,
};

static struct netlink_range_validation tern_timeout_range = {
	.min = TERN_TIMEOUT_MIN,
	.max = TERN_TIMEOUT_MAX,
};

static struct netlink_range_validation tern_max_frame_range = {
	.min = TERN_MAX_FRAME_MIN,
	.max = TERN_FRAME_MAX_PAYLOAD,
};

static struct netlink_range_validation tern_grace_range = {
	.min = 0,
	.max = TERN_GRACE_MAX,
};

static struct netlink_range_validation tern_window_range = {
	.min = TERN_RCV_WINDOW_MIN,
	.max = TERN_RCV_WINDOW_MAX,
};

static struct netlink_range_validation tern_held_range = {
	.min = TERN_MAX_HELD_MIN,
	.max = TERN_MAX_HELD_MAX,
};

const struct nla_policy tern_frame_policy[TERN_FRAME_A_MAX + 1] = {
	[TERN_FRAME_A_CONN_ID] = { .type = NLA_U32 },
	[TERN_FRAME_A_TYPE] = { .type = NLA_U8 },
	[TERN_FRAME_A_FLAGS] = { .type = NLA_U16 },
	[TERN_FRAME_A_DATA] = { .type = NLA_BINARY,
				.len = TERN_FRAME_MAX_PAYLOAD },
};

const struct nla_policy tern_ack_policy[TERN_ACK_A_MAX + 1] = {
	[TERN_ACK_A_CONN_ID] = { .type = NLA_U32 },
	[TERN_ACK_A_SEQ] = { .type = NLA_U64 },
};

static const struct nla_policy tern_policy[TERN_A_MAX + 1] = {
	[TERN_A_CONN_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[TERN_A_FD] = { .type = NLA_S32 },
	[TERN_A_ROLE] = NLA_POLICY_RANGE(NLA_U32, TERN_ROLE_INITIATOR,
					 TERN_ROLE_RESPONDER),
	[TERN_A_HB_INTERVAL] = NLA_POLICY_FULL_RANGE(NLA_U32, &tern_hb_range),
	[TERN_A_TIMEOUT] = NLA_POLICY_FULL_RANGE(NLA_U32, &tern_timeout_range),
	[TERN_A_PARTIAL_TIMEOUT] = NLA_POLICY_FULL_RANGE(NLA_U32,
							 &tern_timeout_range),
	[TERN_A_MAX_FRAME] = NLA_POLICY_FULL_RANGE(NLA_U32,
						   &tern_max_frame_range),
	[TERN_A_PRIORITY] = { .type = NLA_U32 },
	[TERN_A_MARK] = { .type = NLA_U32 },
	[TERN_A_OWNER_TAG] = { .type = NLA_NUL_STRING,
			       .len = TERN_OWNER_TAG_MAX - 1 },
	[TERN_A_COOKIE] = { .type = NLA_U64 },
	[TERN_A_PLAIN] = { .type = NLA_FLAG },
	[TERN_A_GRACE] = NLA_POLICY_FULL_RANGE(NLA_U32, &tern_grace_range),
	[TERN_A_RCV_WINDOW] = NLA_POLICY_FULL_RANGE(NLA_U32,
						    &tern_window_range),
	[TERN_A_MAX_HELD] = NLA_POLICY_FULL_RANGE(NLA_U32, &tern_held_range),
	[TERN_A_FRAME] = NLA_POLICY_NESTED(tern_frame_policy),
	[TERN_A_ACK] = NLA_POLICY_NESTED(tern_ack_policy),
};

static const struct genl_ops tern_nl_ops[] = {
	{
		.cmd = TERN_CMD_CONN_NEW,
		.doit = tern_nl_conn_new,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = TERN_CMD_CONN_SET,
		.doit = tern_nl_conn_set,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = TERN_CMD_CONN_DEL,
		.doit = tern_nl_conn_del,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = TERN_CMD_CONN_GET,
		.doit = tern_nl_conn_get,
		.dumpit = tern_nl_conn_dump,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = TERN_CMD_CONN_ADOPT,
		.doit = tern_nl_conn_adopt,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = TERN_CMD_CONN_DETACH,
		.doit = tern_nl_conn_detach,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = TERN_CMD_FRAME_SEND,
		.doit = tern_nl_frame_send,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = TERN_CMD_FRAME_ACK,
		.doit = tern_nl_frame_ack,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

enum tern_nl_mcgrp {
	TERN_NLGRP_EVENTS,
};

static const struct genl_multicast_group tern_nl_mcgrps[] = {
	[TERN_NLGRP_EVENTS] = {
		.name = TERN_MCGRP_EVENTS,
		.flags = GENL_MCAST_CAP_NET_ADMIN,
	},
};

struct genl_family tern_nl_family __ro_after_init = {
	.name = TERN_FAMILY_NAME,
	.version = TERN_FAMILY_VERSION,
	.maxattr = TERN_A_MAX,
	.policy = tern_policy,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = tern_nl_ops,
	.n_ops = ARRAY_SIZE(tern_nl_ops),
	.resv_start_op = TERN_CMD_FRAME_ACK + 1,
	.mcgrps = tern_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(tern_nl_mcgrps),
};

/* False while the module is going away: the family is already gone. */
bool tern_nl_live(void)
{
	return READ_ONCE(tern_nl_registered);
}

/* A conn-down message: id, cookie, owner tag, reason. No peer address. */
struct sk_buff *tern_nl_down_msg(struct tern_conn *conn)
{
	struct sk_buff *skb;
	void *hdr;

	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return NULL;
	hdr = genlmsg_put(skb, 0, 0, &tern_nl_family, 0, TERN_CMD_CONN_DOWN);
	if (!hdr ||
	    nla_put_u32(skb, TERN_A_CONN_ID, conn->id) ||
	    nla_put_u64_64bit(skb, TERN_A_COOKIE, conn->p.cookie, TERN_A_PAD) ||
	    nla_put_string(skb, TERN_A_OWNER_TAG, conn->owner_tag) ||
	    nla_put_u32(skb, TERN_A_REASON, conn->reason)) {
		nlmsg_free(skb);
		return NULL;
	}
	genlmsg_end(skb, hdr);
	return skb;
}

/* conn-down to the namespace's "events" listeners (monitors). */
void tern_nl_notify_down(struct tern_conn *conn)
{
	struct net *net = conn->tn->net;
	struct sk_buff *skb;

	if (!tern_nl_live() ||
	    !genl_has_listeners(&tern_nl_family, net, TERN_NLGRP_EVENTS))
		return;

	skb = tern_nl_down_msg(conn);
	if (skb)
		genlmsg_multicast_netns(&tern_nl_family, net, skb, 0,
					TERN_NLGRP_EVENTS, GFP_KERNEL);
}

/*
 * conn-writable, to the owner: a refused frame-send may be retried. Returns
 * an error when the owner could not take it, so the caller tries again.
 */
int tern_nl_notify_writable(struct tern_conn *conn)
{
	struct sk_buff *skb;
	void *hdr;

	if (!tern_nl_live() || !conn->owner)
		return -ENOTCONN;

	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return -ENOMEM;
	hdr = genlmsg_put(skb, 0, 0, &tern_nl_family, 0,
			  TERN_CMD_CONN_WRITABLE);
	if (!hdr ||
	    nla_put_u32(skb, TERN_A_CONN_ID, conn->id) ||
	    nla_put_u64_64bit(skb, TERN_A_COOKIE, conn->p.cookie, TERN_A_PAD)) {
		nlmsg_free(skb);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return tern_owner_unicast(conn, skb);
}

int tern_nl_register(void)
{
	int err;

	err = genl_register_family(&tern_nl_family);
	if (!err)
		WRITE_ONCE(tern_nl_registered, true);
	return err;
}

void tern_nl_unregister(void)
{
	WRITE_ONCE(tern_nl_registered, false);
	genl_unregister_family(&tern_nl_family);
}
