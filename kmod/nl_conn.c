// SPDX-License-Identifier: GPL-2.0
/*
 * Connection ops: conn-new, conn-set, conn-del, conn-get (do and dump),
 * conn-adopt and conn-detach.
 */

#include <linux/file.h>
#include <linux/fcntl.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "compat.h"
#include "conn.h"
#include "heartbeat.h"
#include "netlink.h"
#include "netns.h"
#include "owner.h"
#include "rx.h"
#include "sock.h"
#include "trace.h"

static void tern_nl_get_params(struct tern_conn_params *p,
			       struct nlattr **attrs)
{
	if (attrs[TERN_A_HB_INTERVAL])
		p->hb_interval = nla_get_u32(attrs[TERN_A_HB_INTERVAL]);
	if (attrs[TERN_A_TIMEOUT])
		p->timeout = nla_get_u32(attrs[TERN_A_TIMEOUT]);
	if (attrs[TERN_A_PARTIAL_TIMEOUT])
		p->partial_timeout = nla_get_u32(attrs[TERN_A_PARTIAL_TIMEOUT]);
	if (attrs[TERN_A_MAX_FRAME])
		p->max_frame = nla_get_u32(attrs[TERN_A_MAX_FRAME]);
	if (attrs[TERN_A_PRIORITY])
		p->priority = nla_get_u32(attrs[TERN_A_PRIORITY]);
	if (attrs[TERN_A_MARK])
		p->mark = nla_get_u32(attrs[TERN_A_MARK]);
	if (attrs[TERN_A_COOKIE])
		p->cookie = nla_get_u64(attrs[TERN_A_COOKIE]);
	if (attrs[TERN_A_GRACE])
		p->grace = nla_get_u32(attrs[TERN_A_GRACE]);
	if (attrs[TERN_A_RCV_WINDOW])
		p->rcv_window = nla_get_u32(attrs[TERN_A_RCV_WINDOW]);
	if (attrs[TERN_A_MAX_HELD])
		p->max_held = nla_get_u32(attrs[TERN_A_MAX_HELD]);
}

static const struct tern_conn_params tern_default_params = {
	.hb_interval = TERN_HB_INTERVAL_DEFAULT,
	.partial_timeout = TERN_PARTIAL_TIMEOUT_DEFAULT,
	.max_frame = TERN_FRAME_MAX_PAYLOAD,
	.grace = TERN_GRACE_DEFAULT,
	.rcv_window = TERN_RCV_WINDOW_DEFAULT,
	.max_held = TERN_MAX_HELD_DEFAULT,
};

int tern_nl_conn_new(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct tern_net *tn = tern_net(net);
	struct nlattr **attrs = info->attrs;
	struct tern_conn *conn;
	struct sk_buff *reply;
	void *hdr;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, TERN_A_FD) ||
	    GENL_REQ_ATTR_CHECK(info, TERN_A_ROLE) ||
	    GENL_REQ_ATTR_CHECK(info, TERN_A_OWNER_TAG))
		return -EINVAL;
	if (!nla_len(attrs[TERN_A_OWNER_TAG]) ||
	    !*(char *)nla_data(attrs[TERN_A_OWNER_TAG])) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[TERN_A_OWNER_TAG],
				    "owner tag must not be empty");
		return -EINVAL;
	}

	reply = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!reply)
		return -ENOMEM;
	conn = tern_conn_alloc(tn);
	if (!conn) {
		nlmsg_free(reply);
		return -ENOMEM;
	}

	conn->p = tern_default_params;
	tern_nl_get_params(&conn->p, attrs);
	conn->role = nla_get_u32(attrs[TERN_A_ROLE]);
	nla_strscpy(conn->owner_tag, attrs[TERN_A_OWNER_TAG],
		    sizeof(conn->owner_tag));
	tern_hb_reset_jitter(conn);

	mutex_lock(&conn->lock);
	err = tern_net_insert(tn, conn, info->extack);
	if (err)
		goto err_unused;
	err = tern_sock_attach(conn, nla_get_s32(attrs[TERN_A_FD]),
			       nla_get_flag(attrs[TERN_A_PLAIN]), net,
			       info->extack);
	if (err)
		goto err_remove;
	err = tern_owner_attach(conn, NETLINK_CB(skb).sk, info->snd_portid);
	if (err)
		goto err_release;
	trace_tern_conn_state(conn->id, conn->state, 0);
	tern_conn_arm_timer(conn);

	hdr = genlmsg_put_reply(reply, info, &tern_nl_family, 0,
				TERN_CMD_CONN_NEW);
	if (!hdr || nla_put_u32(reply, TERN_A_CONN_ID, conn->id)) {
		/* Cannot happen with NLMSG_GOODSIZE; never leak the socket. */
		tern_conn_down(conn, TERN_REASON_DELETED);
		tern_conn_unlink(conn);
		tern_conn_unlock(conn);
		nlmsg_free(reply);
		return -EMSGSIZE;
	}
	genlmsg_end(reply, hdr);
	/* Data may have arrived before we were watching. */
	tern_conn_kick(conn, BIT(TERN_EV_RX) | BIT(TERN_EV_TX));
	mutex_unlock(&conn->lock);
	return genlmsg_reply(reply, info);

err_release:
	/* Give the socket back untouched: the caller still has its fd. */
	tern_sock_release(conn, false);
err_remove:
	tern_net_remove(tn, conn);
err_unused:
	/* Never linked for good: drop the reference the table would hold. */
	conn->unlinked = true;
	tern_conn_unlock(conn);
	nlmsg_free(reply);
	return err;
}

static struct tern_conn *tern_nl_lookup(struct genl_info *info)
{
	struct tern_net *tn = tern_net(genl_info_net(info));
	struct tern_conn *conn;

	if (GENL_REQ_ATTR_CHECK(info, TERN_A_CONN_ID))
		return ERR_PTR(-EINVAL);
	conn = tern_net_lookup(tn, nla_get_u32(info->attrs[TERN_A_CONN_ID]));
	if (!conn) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[TERN_A_CONN_ID],
				    "no such connection");
		return ERR_PTR(-ENOENT);
	}
	return conn;
}

int tern_nl_conn_set(struct sk_buff *skb, struct genl_info *info)
{
	struct tern_conn *conn = tern_nl_lookup(info);
	u32 old_interval;

	if (IS_ERR(conn))
		return PTR_ERR(conn);

	mutex_lock(&conn->lock);
	old_interval = conn->p.hb_interval;
	tern_nl_get_params(&conn->p, info->attrs);
	if (conn->p.hb_interval != old_interval)
		tern_hb_reset_jitter(conn);
	tern_sock_apply_marks(conn, !!info->attrs[TERN_A_PRIORITY],
			      !!info->attrs[TERN_A_MARK]);
	/* conn-set also cancels a detach that was given up. */
	conn->detaching = false;
	/* A larger window or held limit may let it deliver and read again. */
	tern_conn_kick(conn, BIT(TERN_EV_DELIVER) | BIT(TERN_EV_RX));
	tern_conn_arm_timer(conn);
	tern_conn_unlock(conn);
	tern_conn_put(conn);
	return 0;
}

int tern_nl_conn_del(struct sk_buff *skb, struct genl_info *info)
{
	struct tern_conn *conn = tern_nl_lookup(info);

	if (IS_ERR(conn))
		return PTR_ERR(conn);

	mutex_lock(&conn->lock);
	tern_conn_down(conn, TERN_REASON_DELETED);
	tern_conn_unlink(conn);
	tern_conn_unlock(conn);
	tern_conn_put(conn);
	return 0;
}

static int tern_nl_put_stats(struct sk_buff *skb, struct tern_conn *conn)
{
	const struct tern_conn_stats *s = &conn->stats;
	struct nlattr *nest;

	nest = nla_nest_start(skb, TERN_A_STATS);
	if (!nest ||
	    nla_put_u64_64bit(skb, TERN_STATS_A_RX_FRAMES, s->rx_frames,
			      TERN_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, TERN_STATS_A_RX_BYTES, s->rx_bytes,
			      TERN_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, TERN_STATS_A_TX_FRAMES, s->tx_frames,
			      TERN_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, TERN_STATS_A_TX_BYTES, s->tx_bytes,
			      TERN_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, TERN_STATS_A_HB_SENT, s->hb_sent,
			      TERN_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, TERN_STATS_A_HB_ANSWERED, s->hb_answered,
			      TERN_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, TERN_STATS_A_PINGS_ANSWERED,
			      s->pings_answered, TERN_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, TERN_STATS_A_LAST_RX,
			      jiffies_to_msecs(jiffies - conn->last_rx),
			      TERN_STATS_A_PAD) ||
	    nla_put_u32(skb, TERN_STATS_A_RTT, conn->srtt_us) ||
	    nla_put_u32(skb, TERN_STATS_A_HELD_FRAMES, conn->held_frames) ||
	    nla_put_u32(skb, TERN_STATS_A_HELD_BYTES, conn->held_bytes) ||
	    nla_put_u32(skb, TERN_STATS_A_TXQ_FRAMES, conn->txq_frames) ||
	    nla_put_u32(skb, TERN_STATS_A_TXQ_BYTES, conn->txq_bytes))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int tern_nl_fill_conn(struct sk_buff *skb, struct tern_conn *conn,
			     u32 portid, u32 seq, int flags)
{
	int alen = conn->family == AF_INET6 ? 16 : 4;
	const struct tern_conn_params *p = &conn->p;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &tern_nl_family, flags,
			  TERN_CMD_CONN_GET);
	if (!hdr)
		return -EMSGSIZE;

	if (nla_put_u32(skb, TERN_A_CONN_ID, conn->id) ||
	    nla_put_u32(skb, TERN_A_STATE, conn->state) ||
	    nla_put_u32(skb, TERN_A_ROLE, conn->role) ||
	    (!conn->owner && nla_put_flag(skb, TERN_A_ORPHAN)) ||
	    (conn->plain && nla_put_flag(skb, TERN_A_PLAIN)) ||
	    nla_put_string(skb, TERN_A_OWNER_TAG, conn->owner_tag) ||
	    nla_put_u64_64bit(skb, TERN_A_COOKIE, p->cookie, TERN_A_PAD) ||
	    nla_put_u16(skb, TERN_A_FAMILY, conn->family) ||
	    nla_put(skb, TERN_A_PEER_ADDR, alen, conn->peer_addr) ||
	    nla_put_u16(skb, TERN_A_PEER_PORT, ntohs(conn->peer_port)) ||
	    nla_put(skb, TERN_A_LOCAL_ADDR, alen, conn->local_addr) ||
	    nla_put_u16(skb, TERN_A_LOCAL_PORT, ntohs(conn->local_port)) ||
	    nla_put_u32(skb, TERN_A_HB_INTERVAL, p->hb_interval) ||
	    nla_put_u32(skb, TERN_A_TIMEOUT, tern_conn_timeout(conn)) ||
	    nla_put_u32(skb, TERN_A_PARTIAL_TIMEOUT, p->partial_timeout) ||
	    nla_put_u32(skb, TERN_A_MAX_FRAME, p->max_frame) ||
	    nla_put_u32(skb, TERN_A_PRIORITY, p->priority) ||
	    nla_put_u32(skb, TERN_A_MARK, p->mark) ||
	    nla_put_u32(skb, TERN_A_GRACE, p->grace) ||
	    nla_put_u32(skb, TERN_A_RCV_WINDOW, p->rcv_window) ||
	    nla_put_u32(skb, TERN_A_MAX_HELD, p->max_held) ||
	    (conn->state == TERN_STATE_DOWN &&
	     nla_put_u32(skb, TERN_A_REASON, conn->reason)) ||
	    tern_nl_put_stats(skb, conn)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

int tern_nl_conn_get(struct sk_buff *skb, struct genl_info *info)
{
	struct tern_conn *conn = tern_nl_lookup(info);
	struct sk_buff *reply;
	int err;

	if (IS_ERR(conn))
		return PTR_ERR(conn);

	reply = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!reply) {
		tern_conn_put(conn);
		return -ENOMEM;
	}
	mutex_lock(&conn->lock);
	err = tern_nl_fill_conn(reply, conn, info->snd_portid, info->snd_seq,
				0);
	tern_conn_unlock(conn);
	tern_conn_put(conn);
	if (err) {
		nlmsg_free(reply);
		return err;
	}
	return genlmsg_reply(reply, info);
}

/* cb->args[0]: the id to resume from. */
int tern_nl_conn_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct tern_net *tn = tern_net(sock_net(skb->sk));
	struct nlattr *tag = tern_dump_attrs(cb)[TERN_A_OWNER_TAG];
	struct tern_conn *conn;
	unsigned long id;
	int err = 0;

	xa_for_each_start(&tn->conns, id, conn, cb->args[0]) {
		if (!tern_conn_get(conn))
			continue;
		mutex_lock(&conn->lock);
		if (!tag || !nla_strcmp(tag, conn->owner_tag))
			err = tern_nl_fill_conn(skb, conn,
						NETLINK_CB(cb->skb).portid,
						cb->nlh->nlmsg_seq,
						NLM_F_MULTI);
		tern_conn_unlock(conn);
		tern_conn_put(conn);
		if (err) {
			cb->args[0] = id;
			return skb->len;
		}
	}
	cb->args[0] = U32_MAX;	/* ids are 31 bits: nothing left */
	return skb->len;
}

int tern_nl_conn_adopt(struct sk_buff *skb, struct genl_info *info)
{
	struct tern_net *tn = tern_net(genl_info_net(info));
	struct nlattr **attrs = info->attrs;
	char tag[TERN_OWNER_TAG_MAX];
	u32 conn_id = 0, grace = U32_MAX, count;
	struct sk_buff *reply;
	void *hdr;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, TERN_A_OWNER_TAG))
		return -EINVAL;
	nla_strscpy(tag, attrs[TERN_A_OWNER_TAG], sizeof(tag));
	if (attrs[TERN_A_CONN_ID])
		conn_id = nla_get_u32(attrs[TERN_A_CONN_ID]);
	if (attrs[TERN_A_GRACE])
		grace = nla_get_u32(attrs[TERN_A_GRACE]);

	reply = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!reply)
		return -ENOMEM;

	err = tern_owner_adopt(tn, tag, conn_id, grace, NETLINK_CB(skb).sk,
			       info->snd_portid, &count, info->extack);
	if (err) {
		nlmsg_free(reply);
		return err;
	}

	hdr = genlmsg_put_reply(reply, info, &tern_nl_family, 0,
				TERN_CMD_CONN_ADOPT);
	if (!hdr || nla_put_u32(reply, TERN_A_COUNT, count)) {
		nlmsg_free(reply);
		return -EMSGSIZE;
	}
	genlmsg_end(reply, hdr);
	return genlmsg_reply(reply, info);
}

/*
 * Give the socket back to the caller as a new fd, kTLS state intact, and
 * forget the connection. Only a quiet connection can go: nothing held for
 * the owner, nothing queued to send, no frame half read. Otherwise reading
 * stops at the next frame boundary, -EAGAIN says to ack and retry.
 */
int tern_nl_conn_detach(struct sk_buff *skb, struct genl_info *info)
{
	struct tern_conn *conn = tern_nl_lookup(info);
	struct sk_buff *reply;
	struct file *file;
	void *hdr;
	int fd, err;

	if (IS_ERR(conn))
		return PTR_ERR(conn);

	reply = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!reply) {
		tern_conn_put(conn);
		return -ENOMEM;
	}

	mutex_lock(&conn->lock);
	/* The socket carries the owner's plaintext: only the owner gets it. */
	if (!tern_owner_is(conn, NETLINK_CB(skb).sk)) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "only the connection's owner may detach it (adopt it first)");
		err = -EPERM;
		goto out;
	}
	if (conn->state != TERN_STATE_ESTABLISHED) {
		NL_SET_ERR_MSG_MOD(info->extack, "connection is down");
		err = -ENOTCONN;
		goto out;
	}
	if (conn->held_frames || conn->txq_frames ||
	    tern_parser_mid_frame(&conn->parser)) {
		conn->detaching = true;
		tern_conn_kick(conn, BIT(TERN_EV_RX) | BIT(TERN_EV_TX));
		NL_SET_ERR_MSG_MOD(info->extack,
				   "connection still holds or queues frames: ack them and retry");
		err = -EAGAIN;
		goto out;
	}

	hdr = genlmsg_put_reply(reply, info, &tern_nl_family, 0,
				TERN_CMD_CONN_DETACH);
	if (!hdr) {
		err = -EMSGSIZE;
		goto out;
	}
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		NL_SET_ERR_MSG_MOD(info->extack, "no free file descriptor");
		err = fd;
		goto out;
	}
	if (nla_put_s32(reply, TERN_A_FD, fd)) {
		put_unused_fd(fd);
		err = -EMSGSIZE;
		goto out;
	}
	genlmsg_end(reply, hdr);

	file = tern_sock_unwatch(conn);
	fd_install(fd, file);
	conn->state = TERN_STATE_DOWN;
	trace_tern_conn_state(conn->id, conn->state, 0);
	tern_conn_unlink(conn);
	tern_conn_unlock(conn);
	tern_conn_put(conn);
	return genlmsg_reply(reply, info);

out:
	tern_conn_unlock(conn);
	tern_conn_put(conn);
	nlmsg_free(reply);
	return err;
}
