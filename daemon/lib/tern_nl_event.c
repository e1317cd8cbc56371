// SPDX-License-Identifier: GPL-2.0
/*
 * tern_nl notifications: frame-recv, conn-down and conn-writable.
 *
 * Every notification read off the socket, whether by a request waiting for
 * its reply or by tern_nl_process(), goes through the queue, and is taken
 * off it before its callback runs. So callbacks may make requests (ack the
 * frames they were handed, say) and even call tern_nl_process() again
 * without anything being lost or handed out twice or out of order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tern_nl_priv.h"

static const struct nla_policy tern_frame_policy[TERN_FRAME_A_MAX + 1] = {
	[TERN_FRAME_A_CONN_ID]	= { .type = NLA_U32 },
	[TERN_FRAME_A_SEQ]	= { .type = NLA_U64 },
	[TERN_FRAME_A_TYPE]	= { .type = NLA_U8 },
	[TERN_FRAME_A_FLAGS]	= { .type = NLA_U16 },
	[TERN_FRAME_A_DATA]	= { .type = NLA_UNSPEC },
};

static int tern_ntf_frames(struct tern_nl *nl, const struct nlmsghdr *nlh,
			   struct nlattr **tb, const struct tern_event_ops *ops,
			   void *arg)
{
	struct genlmsghdr *g = nlmsg_data(nlh);
	struct nlattr *a, *fb[TERN_FRAME_A_MAX + 1];
	struct tern_frame_in f = {
		.conn_id = nla_get_u32(tb[TERN_A_CONN_ID]),
	};
	int rem, err, i = 0;

	if (tb[TERN_A_COOKIE])
		f.cookie = nla_get_u64(tb[TERN_A_COOKIE]);

	nla_for_each_attr(a, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0),
			  rem) {
		if (nla_type(a) != TERN_A_FRAME)
			continue;
		err = nla_parse_nested(fb, TERN_FRAME_A_MAX, a,
				       (struct nla_policy *)tern_frame_policy);
		if (err < 0)
			return tern_nl_seterr(nl, -EBADMSG,
					      "malformed frame %d of a frame-recv notification for connection %u: %s",
					      i, f.conn_id, nl_geterror(err));
		if (!fb[TERN_FRAME_A_SEQ] || !fb[TERN_FRAME_A_TYPE])
			return tern_nl_seterr(nl, -EBADMSG,
					      "frame %d of a frame-recv notification for connection %u lacks %s",
					      i, f.conn_id,
					      fb[TERN_FRAME_A_SEQ] ? "type" : "seq");
		f.seq = nla_get_u64(fb[TERN_FRAME_A_SEQ]);
		f.type = nla_get_u8(fb[TERN_FRAME_A_TYPE]);
		f.flags = fb[TERN_FRAME_A_FLAGS] ?
			  nla_get_u16(fb[TERN_FRAME_A_FLAGS]) : 0;
		f.data = fb[TERN_FRAME_A_DATA] ?
			 nla_data(fb[TERN_FRAME_A_DATA]) : NULL;
		f.len = fb[TERN_FRAME_A_DATA] ?
			nla_len(fb[TERN_FRAME_A_DATA]) : 0;
		i++;
		if (ops->frame)
			ops->frame(&f, arg);
	}
	return 0;
}

/* 1 when a notification was handed out, 0 for one of no interest. */
static int tern_ntf_dispatch(struct tern_nl *nl, const struct nlmsghdr *nlh,
			     const struct tern_event_ops *ops, void *arg)
{
	const struct genlmsghdr *g = nlmsg_data(nlh);
	struct nlattr *tb[TERN_A_MAX + 1];
	const char *what, *tag = "";
	uint64_t cookie = 0;
	uint32_t id;
	int err;

	switch (g->cmd) {
	case TERN_CMD_FRAME_RECV:
		what = "frame-recv";
		break;
	case TERN_CMD_CONN_DOWN:
		what = "conn-down";
		break;
	case TERN_CMD_CONN_WRITABLE:
		what = "conn-writable";
		break;
	default:
		return 0;
	}
	err = tern_nl_parse(nl, nlh, tb, TERN_A_MAX, tern_conn_policy, what);
	if (err)
		return err;
	if (!tb[TERN_A_CONN_ID])
		return tern_nl_seterr(nl, -EBADMSG,
				      "%s notification from tern.ko lacks conn-id",
				      what);
	id = nla_get_u32(tb[TERN_A_CONN_ID]);
	if (tb[TERN_A_COOKIE])
		cookie = nla_get_u64(tb[TERN_A_COOKIE]);

	switch (g->cmd) {
	case TERN_CMD_FRAME_RECV:
		err = tern_ntf_frames(nl, nlh, tb, ops, arg);
		if (err)
			return err;
		break;
	case TERN_CMD_CONN_DOWN:
		if (tb[TERN_A_OWNER_TAG])
			tag = nla_get_string(tb[TERN_A_OWNER_TAG]);
		if (ops->conn_down)
			ops->conn_down(id, cookie, tag,
				       tb[TERN_A_REASON] ?
				       nla_get_u32(tb[TERN_A_REASON]) : 0,
				       arg);
		break;
	case TERN_CMD_CONN_WRITABLE:
		if (ops->conn_writable)
			ops->conn_writable(id, cookie, arg);
		break;
	}
	return 1;
}

/* Hand out the queue, including what callbacks add to it meanwhile. */
static int tern_ntf_drain(struct tern_nl *nl,
			  const struct tern_event_ops *ops, void *arg)
{
	struct tern_ntf *n;
	int handled = 0, err;

	while ((n = nl->head)) {
		nl->head = n->next;
		if (!nl->head)
			nl->tail = &nl->head;
		nl->nqueued--;
		err = tern_ntf_dispatch(nl, n->nlh, ops, arg);
		free(n);
		if (err < 0)
			return err;
		handled += err;
	}
	return handled;
}

/* Report notifications lost since the last call, once. */
static int tern_ntf_lost(struct tern_nl *nl)
{
	int lost = nl->lost;

	nl->lost = 0;
	if (lost == -ENOBUFS)
		return tern_nl_seterr(nl, lost,
				      "netlink receive buffer overrun: notifications from tern.ko were lost");
	if (lost)
		return tern_nl_seterr(nl, lost,
				      "out of memory: notifications from tern.ko were lost");
	return 0;
}

/* Read one datagram and queue the notifications in it. */
static int tern_ntf_read(struct tern_nl *nl, int timeout_ms)
{
	struct nlmsghdr *nlh;
	ssize_t n;
	int rem;

	n = tern_nl_recv(nl, timeout_ms, false);
	if (n == -EAGAIN)
		return 0;
	if (n == -EINTR)
		return n;
	if (n == -ENOBUFS) {
		nl->lost = n;
		return tern_ntf_lost(nl);
	}
	if (n < 0)
		return tern_nl_seterr(nl, n, "receiving from tern.ko: %s",
				      strerror(-n));
	nlh = (struct nlmsghdr *)nl->rbuf;
	for (rem = n; nlmsg_ok(nlh, rem); nlh = nlmsg_next(nlh, &rem)) {
		if (tern_nl_is_ntf(nl, nlh))
			tern_nl_enqueue(nl, nlh);
		/* else a late reply to an old request */
	}
	return tern_ntf_lost(nl);
}

int tern_nl_process(struct tern_nl *nl, const struct tern_event_ops *ops,
		    void *arg, int timeout_ms)
{
	static const struct tern_event_ops none;
	int handled, more, err;

	if (nl->busy)
		return tern_nl_seterr(nl, -EBUSY,
				      "tern_nl_process called while a request waits for its reply");
	if (!ops)
		ops = &none;
	err = tern_ntf_lost(nl);
	if (err)
		return err;
	handled = tern_ntf_drain(nl, ops, arg);
	if (handled < 0)
		return handled;

	/* With no timeout, wait until a notification is handed out: a
	 * datagram may hold only a late reply to an old request.
	 */
	do {
		err = tern_ntf_read(nl, handled ? 0 : timeout_ms);
		if (err == -EINTR)
			return handled ? handled :
			       tern_nl_seterr(nl, -EINTR, "interrupted");
		if (err)
			return err;
		more = tern_ntf_drain(nl, ops, arg);
		if (more < 0)
			return more;
		handled += more;
	} while (!handled && timeout_ms < 0);
	return handled;
}
