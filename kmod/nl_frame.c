// SPDX-License-Identifier: GPL-2.0
/*
 * Frame ops: frame-send (many frames for many connections per request) and
 * frame-ack (cumulative, per connection, from the owner only).
 *
 * Both validate the whole request before acting on any of it, so a request
 * is either refused as a whole with an extack message, or carried out.
 */

#include <linux/slab.h>
#include <linux/xarray.h>
#include <net/genetlink.h>

#include "conn.h"
#include "deliver.h"
#include "netlink.h"
#include "netns.h"
#include "owner.h"
#include "rx.h"
#include "tx.h"

/* What frame-send did for one connection named in the request. */
struct tern_send_slot {
	struct tern_conn *conn;		/* NULL if there is no such one */
	u32 conn_id;
	u32 queued;
	int err;			/* positive errno once refused */
};

/*
 * The slot for @conn_id, made on first use. @index maps connection ids to
 * slots so that a request naming thousands of connections stays linear.
 */
static struct tern_send_slot *tern_send_slot(struct tern_net *tn,
					     struct xarray *index,
					     struct tern_send_slot *slots,
					     unsigned int *nslots, u32 conn_id)
{
	struct tern_send_slot *slot = xa_load(index, conn_id);

	if (slot)
		return slot;

	slot = &slots[(*nslots)++];
	slot->conn_id = conn_id;
	slot->conn = tern_net_lookup(tn, conn_id);
	if (!slot->conn)
		slot->err = ENOENT;
	if (xa_err(xa_store(index, conn_id, slot, GFP_KERNEL)) && !slot->err)
		slot->err = ENOMEM;
	return slot;
}

static int tern_send_validate(struct genl_info *info, unsigned int *nframes)
{
	struct nlattr *tb[TERN_FRAME_A_MAX + 1];
	struct nlattr *attr;
	int rem, err;

	*nframes = 0;
	nlmsg_for_each_attr(attr, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(attr) != TERN_A_FRAME)
			continue;
		err = nla_parse_nested(tb, TERN_FRAME_A_MAX, attr,
				       tern_frame_policy, info->extack);
		if (err)
			return err;
		if (!tb[TERN_FRAME_A_CONN_ID] || !tb[TERN_FRAME_A_TYPE]) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "a frame needs a conn-id and a type");
			return -EINVAL;
		}
		if (nla_get_u8(tb[TERN_FRAME_A_TYPE]) < TERN_FRAME_USER_MIN) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[TERN_FRAME_A_TYPE],
					    "frame types below 16 belong to the transport");
			return -EINVAL;
		}
		(*nframes)++;
	}
	if (!*nframes) {
		NL_SET_ERR_MSG_MOD(info->extack, "no frames to send");
		return -EINVAL;
	}
	return 0;
}

static void tern_send_one(struct tern_send_slot *slot, struct nlattr **tb)
{
	struct nlattr *data = tb[TERN_FRAME_A_DATA];
	struct tern_conn *conn = slot->conn;
	u16 flags = 0;
	int err;

	if (slot->err)
		return;	/* keep the connection's frames in order */
	if (tb[TERN_FRAME_A_FLAGS])
		flags = nla_get_u16(tb[TERN_FRAME_A_FLAGS]);

	mutex_lock(&conn->lock);
	err = tern_tx_queue(conn, nla_get_u8(tb[TERN_FRAME_A_TYPE]), flags,
			    data ? nla_data(data) : NULL,
			    data ? nla_len(data) : 0);
	mutex_unlock(&conn->lock);
	if (err)
		slot->err = -err;
	else
		slot->queued++;
}

static int tern_send_put_result(struct sk_buff *reply,
				const struct tern_send_slot *slot)
{
	struct nlattr *nest;

	nest = nla_nest_start(reply, TERN_A_RESULT);
	if (!nest ||
	    nla_put_u32(reply, TERN_RESULT_A_CONN_ID, slot->conn_id) ||
	    nla_put_u32(reply, TERN_RESULT_A_QUEUED, slot->queued) ||
	    (slot->err && nla_put_u32(reply, TERN_RESULT_A_ERROR, slot->err)))
		return -EMSGSIZE;
	nla_nest_end(reply, nest);
	return 0;
}

int tern_nl_frame_send(struct sk_buff *skb, struct genl_info *info)
{
	struct tern_net *tn = tern_net(genl_info_net(info));
	struct nlattr *tb[TERN_FRAME_A_MAX + 1];
	unsigned int nframes, nslots = 0, i;
	struct tern_send_slot *slots;
	struct sk_buff *reply;
	struct nlattr *attr;
	struct xarray index;
	int rem, err;
	void *hdr;

	err = tern_send_validate(info, &nframes);
	if (err)
		return err;

	slots = kvcalloc(nframes, sizeof(*slots), GFP_KERNEL);
	if (!slots)
		return -ENOMEM;

	xa_init(&index);
	nlmsg_for_each_attr(attr, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(attr) != TERN_A_FRAME ||
		    nla_parse_nested(tb, TERN_FRAME_A_MAX, attr,
				     tern_frame_policy, NULL))
			continue;
		tern_send_one(tern_send_slot(tn, &index, slots, &nslots,
					     nla_get_u32(tb[TERN_FRAME_A_CONN_ID])),
			      tb);
	}
	xa_destroy(&index);

	/* Write what was queued now rather than from the work item. */
	for (i = 0; i < nslots; i++) {
		struct tern_conn *conn = slots[i].conn;

		if (!conn)
			continue;
		mutex_lock(&conn->lock);
		if (conn->state == TERN_STATE_ESTABLISHED && !conn->tx_blocked)
			tern_tx_flush(conn);
		tern_conn_maybe_finish(conn);
		tern_conn_arm_timer(conn);
		tern_conn_unlock(conn);
		tern_conn_put(conn);
	}

	err = -ENOMEM;
	reply = genlmsg_new(nslots * nla_total_size(3 * nla_total_size(4)),
			    GFP_KERNEL);
	if (!reply)
		goto out;
	err = -EMSGSIZE;
	hdr = genlmsg_put_reply(reply, info, &tern_nl_family, 0,
				TERN_CMD_FRAME_SEND);
	if (!hdr)
		goto out_free;
	for (i = 0; i < nslots; i++)
		if (tern_send_put_result(reply, &slots[i]))
			goto out_free;
	genlmsg_end(reply, hdr);
	kvfree(slots);
	return genlmsg_reply(reply, info);

out_free:
	nlmsg_free(reply);
out:
	kvfree(slots);
	return err;
}

static int tern_ack_validate(struct genl_info *info)
{
	struct nlattr *tb[TERN_ACK_A_MAX + 1];
	struct nlattr *attr;
	int rem, err, n = 0;

	nlmsg_for_each_attr(attr, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(attr) != TERN_A_ACK)
			continue;
		err = nla_parse_nested(tb, TERN_ACK_A_MAX, attr,
				       tern_ack_policy, info->extack);
		if (err)
			return err;
		if (!tb[TERN_ACK_A_CONN_ID] || !tb[TERN_ACK_A_SEQ]) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "an ack needs a conn-id and a seq");
			return -EINVAL;
		}
		n++;
	}
	if (!n) {
		NL_SET_ERR_MSG_MOD(info->extack, "no acks");
		return -EINVAL;
	}
	return 0;
}

/*
 * Acks for one connection. What the freed window allows is delivered by the
 * work item, on another CPU if there is one, rather than in this call. A
 * connection with nothing more to tell its owner (no frame waiting for the
 * window, no retry or conn-writable pending, not going down) is not woken:
 * the owner acks every frame it is sent, and that wake-up, a context switch
 * for nothing, would double the work item's runs.
 */
static int tern_ack_conn(struct tern_conn *conn, u64 seq, struct sock *nlsk,
			 struct netlink_ext_ack *extack)
{
	int err;

	mutex_lock(&conn->lock);
	if (!tern_owner_is(conn, nlsk)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "only the connection's owner may ack its frames");
		err = -EPERM;
	} else {
		err = tern_rx_ack(conn, seq, extack);
		if (conn->next || conn->retry_at || conn->want_writable ||
		    conn->state != TERN_STATE_ESTABLISHED)
			tern_conn_kick(conn, BIT(TERN_EV_DELIVER));
	}
	tern_conn_unlock(conn);
	return err;
}

/*
 * Acks are applied in order; the first error is returned (with its extack)
 * after the rest have been applied, so one stale connection does not hold
 * up the others.
 */
int tern_nl_frame_ack(struct sk_buff *skb, struct genl_info *info)
{
	struct tern_net *tn = tern_net(genl_info_net(info));
	struct nlattr *tb[TERN_ACK_A_MAX + 1];
	struct tern_conn *conn;
	struct nlattr *attr;
	int rem, err, first_err;
	u32 id;

	first_err = tern_ack_validate(info);
	if (first_err)
		return first_err;

	nlmsg_for_each_attr(attr, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(attr) != TERN_A_ACK ||
		    nla_parse_nested(tb, TERN_ACK_A_MAX, attr,
				     tern_ack_policy, NULL))
			continue;
		id = nla_get_u32(tb[TERN_ACK_A_CONN_ID]);
		conn = tern_net_lookup(tn, id);
		if (!conn) {
			err = -ENOENT;
			if (!first_err)
				NL_SET_ERR_MSG_ATTR(info->extack, attr,
						    "no such connection");
		} else {
			err = tern_ack_conn(conn, nla_get_u64(tb[TERN_ACK_A_SEQ]),
					    NETLINK_CB(skb).sk,
					    first_err ? NULL : info->extack);
			tern_conn_put(conn);
		}
		if (err && !first_err)
			first_err = err;
	}

	/* The owner is reading: whatever waited for room may go now. */
	tern_owner_wake(tn, NETLINK_CB(skb).sk);
	return first_err;
}
