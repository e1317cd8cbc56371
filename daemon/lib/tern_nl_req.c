// SPDX-License-Identifier: GPL-2.0
/*
 * tern_nl request/response plumbing.
 *
 * libnl builds the messages; sending and receiving are done here so that
 * sequence numbers are matched by hand. A request's reply and ack carry its
 * sequence number; notifications (frame-recv, conn-down, conn-writable) may
 * arrive in between, with any sequence number. A request reads into its own
 * buffer (nl->sbuf), never into the one tern_nl_process() may be handing
 * notifications out of (a callback may make requests), and passes the
 * notifications it reads to tern_nl_stash(), which puts them after
 * everything already pending, so that tern_nl_process() hands them out in
 * order. Anything else is a leftover of an earlier request and is dropped.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "tern_nl_priv.h"

#ifndef NLM_F_ACK_TLVS
#define NLM_F_CAPPED	0x100
#define NLM_F_ACK_TLVS	0x200
#endif

struct nl_msg *tern_nl_msg_new(struct tern_nl *nl, uint8_t cmd,
			       size_t attr_bytes)
{
	struct nl_msg *msg;

	msg = nlmsg_alloc_size(NLMSG_HDRLEN + GENL_HDRLEN +
			       NLMSG_ALIGN(attr_bytes) + 64);
	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, 0,
			 cmd, TERN_FAMILY_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* The kernel validates strictly: nests must carry NLA_F_NESTED. */
struct nlattr *tern_nl_nest_start(struct nl_msg *msg, int type)
{
	return nla_nest_start(msg, type | NLA_F_NESTED);
}

int tern_nl_parse(struct tern_nl *nl, const struct nlmsghdr *nlh,
		  struct nlattr **tb, int maxtype,
		  const struct nla_policy *policy, const char *what)
{
	int err;

	err = genlmsg_parse((struct nlmsghdr *)nlh, 0, tb, maxtype,
			    (struct nla_policy *)policy);
	if (err < 0)
		return tern_nl_seterr(nl, -EBADMSG,
				      "malformed %s message from tern.ko: %s",
				      what, nl_geterror(err));
	return 0;
}

bool tern_nl_is_ntf(const struct tern_nl *nl, const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *g;

	if (nlh->nlmsg_type != nl->family ||
	    nlh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
		return false;
	g = NLMSG_DATA(nlh);
	return g->cmd == TERN_CMD_FRAME_RECV || g->cmd == TERN_CMD_CONN_DOWN ||
	       g->cmd == TERN_CMD_CONN_WRITABLE;
}

void tern_nl_enqueue(struct tern_nl *nl, const struct nlmsghdr *nlh)
{
	struct tern_ntf *n;

	n = malloc(sizeof(*n) + nlh->nlmsg_len);
	if (!n) {
		if (!nl->lost)
			nl->lost = -ENOMEM;
		return;
	}
	n->next = NULL;
	n->len = nlh->nlmsg_len;
	memcpy(n->nlh, nlh, nlh->nlmsg_len);
	*nl->tail = n;
	nl->tail = &n->next;
	nl->nqueued++;
}

void tern_nl_note_lost(struct tern_nl *nl, int err)
{
	nl->lost = err;
	if (err == -EMSGSIZE)
		nl->lost_len = nl->trunc_len;
}

void tern_nl_queue_free(struct tern_nl *nl)
{
	struct tern_ntf *n;

	while ((n = nl->head)) {
		nl->head = n->next;
		free(n);
	}
	nl->tail = &nl->head;
	nl->nqueued = 0;
}

static int tern_nl_wait(struct tern_nl *nl, int timeout_ms, bool restart)
{
	struct pollfd pfd = { .fd = nl->fd, .events = POLLIN };
	int n;

	for (;;) {
		n = poll(&pfd, 1, timeout_ms);
		if (n > 0)
			return 0;
		if (n == 0)
			return -EAGAIN;
		if (errno != EINTR || !restart)
			return -errno;
	}
}

ssize_t tern_nl_recv(struct tern_nl *nl, unsigned char *buf, int timeout_ms,
		     bool restart)
{
	struct sockaddr_nl from;
	struct iovec iov = { .iov_base = buf, .iov_len = TERN_NL_RBUF_SIZE };
	struct msghdr mh = {
		.msg_name = &from,
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};
	bool waited = false;
	ssize_t n;
	int err;

	/* One copy, straight into a buffer that holds any message tern.ko
	 * sends; MSG_TRUNC makes a larger one say how large it was. Wait
	 * only when nothing is there yet.
	 */
	for (;;) {
		from.nl_family = AF_UNSPEC;
		from.nl_pid = 0;
		mh.msg_namelen = sizeof(from);
		n = recvmsg(nl->fd, &mh, MSG_DONTWAIT | MSG_TRUNC);
		if (n >= 0)
			break;
		if (errno == EINTR && restart)
			continue;
		if (errno != EAGAIN || !timeout_ms || waited)
			return -errno;
		err = tern_nl_wait(nl, timeout_ms, restart);
		if (err)
			return err;
		waited = true;
	}
	/* Only the kernel talks to us; drop what another socket sent. */
	if (from.nl_family == AF_NETLINK && from.nl_pid != 0)
		return 0;
	if ((mh.msg_flags & MSG_TRUNC) || (size_t)n > TERN_NL_RBUF_SIZE) {
		nl->trunc_len = n;
		return -EMSGSIZE;
	}
	return n;
}

/* Bounds the work of one drain when notifications keep coming. */
#define TERN_NL_DRAIN_MAX	1024

void tern_nl_drain_socket(struct tern_nl *nl)
{
	ssize_t n;
	int i;

	for (i = 0; i < TERN_NL_DRAIN_MAX; i++) {
		n = tern_nl_recv(nl, nl->sbuf, 0, true);
		if (n == -ENOBUFS || n == -EMSGSIZE) {
			tern_nl_note_lost(nl, n);
			continue;
		}
		if (n < 0)
			return;		/* -EAGAIN: nothing left */
		tern_nl_stash(nl, n);
	}
}

/*
 * Should the socket be drained before a request, to make room for the
 * reply (the kernel drops a reply that does not fit)? tern.ko keeps its
 * notifications to half of the receive buffer, so only when more than half
 * is taken (by "events" multicasts, say) is there a risk; draining
 * otherwise would only copy notifications that tern_nl_process() can hand
 * out in place.
 */
static bool tern_nl_crowded(struct tern_nl *nl)
{
	uint32_t mem[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mem);

	if (nl->always_drain)
		return true;
	if (getsockopt(nl->fd, SOL_SOCKET, SO_MEMINFO, mem, &len) ||
	    len <= SK_MEMINFO_RCVBUF * sizeof(uint32_t))
		return true;	/* cannot tell: drain, to be safe */
	return mem[SK_MEMINFO_RMEM_ALLOC] > mem[SK_MEMINFO_RCVBUF] / 2;
}

/* What one request collects while its reply comes in. */
struct tern_req {
	const struct nlmsghdr *sent;
	uint32_t seq;
	bool dump;
	bool done;
	bool intr;		/* the dump was inconsistent */
	bool stop;		/* the callback asked to stop */
	int kerr;		/* error from the kernel */
	int cberr;		/* error from the callback */
	tern_reply_fn fn;
	void *arg;
};

/* "conn-id", or "attribute 42" when it has no name. */
static const char *tern_nl_label(char *buf, size_t size, int set, int type)
{
	const char *name = tern_attr_name(set, type);

	if (name)
		return name;
	snprintf(buf, size, "attribute %d", type);
	return buf;
}

/* Name the attribute at byte @off of the request for an extack message:
 * "hb-interval", or "frame[3].type" inside the fourth frame nest.
 */
static void tern_nl_attr_at(const struct nlmsghdr *sent, uint32_t off,
			    char *buf, size_t size)
{
	const uint32_t start = NLMSG_HDRLEN + GENL_HDRLEN;
	const struct nlattr *a, *b;
	char l1[32], l2[32];
	const char *outer;
	int rem, rem2, idx[TERN_A_MAX + 1] = { 0 };

	buf[0] = '\0';
	if (off < start || off >= sent->nlmsg_len)
		return;
	a = (const struct nlattr *)((const char *)sent + start);
	rem = sent->nlmsg_len - start;
	for (; nla_ok(a, rem); a = nla_next(a, &rem)) {
		uint32_t aoff = (const char *)a - (const char *)sent;
		int type = nla_type(a), n = 0;

		if (type <= TERN_A_MAX)
			n = idx[type]++;
		if (off < aoff || off >= aoff + a->nla_len)
			continue;
		outer = tern_nl_label(l1, sizeof(l1), TERN_SET_CONN, type);
		if (tern_attr_nested_set(type) == TERN_SET_NONE) {
			snprintf(buf, size, "%s", outer);
			return;
		}
		if (off == aoff) {
			snprintf(buf, size, "%s[%d]", outer, n);
			return;
		}
		b = nla_data(a);
		rem2 = nla_len(a);
		for (; nla_ok(b, rem2); b = nla_next(b, &rem2)) {
			if (off != (uint32_t)((const char *)b -
					      (const char *)sent))
				continue;
			snprintf(buf, size, "%s[%d].%s", outer, n,
				 tern_nl_label(l2, sizeof(l2),
					       tern_attr_nested_set(type),
					       nla_type(b)));
			return;
		}
		snprintf(buf, size, "%s[%d]", outer, n);
		return;
	}
}

/* Turn an error and its extack TLVs into nl->err. */
static void tern_nl_extack(struct tern_nl *nl, const struct tern_req *req,
			   int error, const void *tlvs, int len)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = { NULL };
	char where[96] = "", miss[256] = "";
	const char *msg = NULL;

	if (tlvs && len > 0 &&
	    nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)tlvs, len,
		      NULL) == 0) {
		if (tb[NLMSGERR_ATTR_MSG] && nla_len(tb[NLMSGERR_ATTR_MSG]) > 0 &&
		    memchr(nla_data(tb[NLMSGERR_ATTR_MSG]), '\0',
			   nla_len(tb[NLMSGERR_ATTR_MSG])))
			msg = nla_data(tb[NLMSGERR_ATTR_MSG]);
		if (tb[NLMSGERR_ATTR_OFFS] &&
		    nla_len(tb[NLMSGERR_ATTR_OFFS]) >= 4)
			tern_nl_attr_at(req->sent,
					nla_get_u32(tb[NLMSGERR_ATTR_OFFS]),
					where, sizeof(where));
		if (tb[NLMSGERR_ATTR_MISS_TYPE] &&
		    nla_len(tb[NLMSGERR_ATTR_MISS_TYPE]) >= 4) {
			int set = TERN_SET_CONN;
			char nest[96] = "", label[32];

			if (tb[NLMSGERR_ATTR_MISS_NEST] &&
			    nla_len(tb[NLMSGERR_ATTR_MISS_NEST]) >= 4) {
				uint32_t off;
				const struct nlattr *a;

				off = nla_get_u32(tb[NLMSGERR_ATTR_MISS_NEST]);
				tern_nl_attr_at(req->sent, off, nest,
						sizeof(nest));
				if (off + NLA_HDRLEN <= req->sent->nlmsg_len) {
					a = (const void *)((const char *)
							   req->sent + off);
					set = tern_attr_nested_set(nla_type(a));
				}
			}
			snprintf(miss, sizeof(miss), "missing attribute %s%s%s",
				 tern_nl_label(label, sizeof(label), set,
					       nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE])),
				 nest[0] ? " in " : "", nest);
		}
	}

	if (msg && where[0])
		tern_nl_seterr(nl, 0, "%s: %s", where, msg);
	else if (msg)
		tern_nl_seterr(nl, 0, "%s", msg);
	else if (miss[0])
		tern_nl_seterr(nl, 0, "%s", miss);
	else if (where[0])
		tern_nl_seterr(nl, 0, "%s: %s", where, strerror(-error));
	else
		tern_nl_seterr(nl, 0, "%s", strerror(-error));
}

static void tern_nl_got_error(struct tern_nl *nl, struct tern_req *req,
			      const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	size_t off = sizeof(*e), len = NLMSG_PAYLOAD(nlh, 0);

	req->done = true;
	if (len < sizeof(*e)) {
		req->kerr = tern_nl_seterr(nl, -EBADMSG,
					   "truncated error message from the kernel");
		return;
	}
	if (e->error >= 0)
		return;		/* the ack */
	req->kerr = e->error;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || off > len)
		off = len;
	tern_nl_extack(nl, req, e->error, (const char *)e + off, len - off);
}

static void tern_nl_got_done(struct tern_nl *nl, struct tern_req *req,
			     const struct nlmsghdr *nlh)
{
	size_t len = NLMSG_PAYLOAD(nlh, 0);
	int error = 0;

	req->done = true;
	if (len >= sizeof(int))
		memcpy(&error, NLMSG_DATA(nlh), sizeof(int));
	if (error >= 0)
		return;
	req->kerr = error;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		len = sizeof(int);
	tern_nl_extack(nl, req, error, (const char *)NLMSG_DATA(nlh) +
		       sizeof(int), len - sizeof(int));
}

static void tern_nl_got_reply(struct tern_nl *nl, struct tern_req *req,
			      const struct nlmsghdr *nlh)
{
	int err;

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		req->intr = true;
	if (req->stop || req->cberr || !req->fn)
		return;
	err = req->fn(nl, nlh, req->arg);
	if (err < 0)
		req->cberr = err;
	else if (err > 0)
		req->stop = true;
}

/* Sort the messages of one datagram in nl->sbuf: the request's own now,
 * the notifications after (tern_nl_stash, which may swap the buffers).
 */
static void tern_nl_scan(struct tern_nl *nl, struct tern_req *req, size_t len)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)nl->sbuf;
	int rem = len;
	bool ntf = false;

	for (; nlmsg_ok(nlh, rem); nlh = nlmsg_next(nlh, &rem)) {
		if (tern_nl_is_ntf(nl, nlh)) {
			ntf = true;
			continue;
		}
		if (nlh->nlmsg_seq != req->seq || req->done)
			continue;	/* left over from an earlier request */
		if (nlh->nlmsg_type == NLMSG_ERROR)
			tern_nl_got_error(nl, req, nlh);
		else if (nlh->nlmsg_type == NLMSG_DONE)
			tern_nl_got_done(nl, req, nlh);
		else if (nlh->nlmsg_type == nl->family)
			tern_nl_got_reply(nl, req, nlh);
	}
	if (ntf)
		tern_nl_stash(nl, len);
}

static int tern_nl_send(struct tern_nl *nl, struct nlmsghdr *nlh)
{
	ssize_t n;

	do {
		n = send(nl->fd, nlh, nlh->nlmsg_len, 0);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return tern_nl_seterr(nl, -errno, "sending to tern.ko: %s",
				      strerror(errno));
	return 0;
}

int tern_nl_transact(struct tern_nl *nl, struct nl_msg *msg, bool dump,
		     tern_reply_fn fn, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct tern_req req = {
		.sent = nlh, .dump = dump, .fn = fn, .arg = arg,
	};
	ssize_t n;
	int err;

	if (nl->busy) {
		nlmsg_free(msg);
		return tern_nl_seterr(nl, -EBUSY,
				      "tern_nl request made while another waits for its reply");
	}
	if (++nl->seq == 0)
		nl->seq = 1;	/* notifications use 0 */
	req.seq = nl->seq;
	nlh->nlmsg_seq = req.seq;
	nlh->nlmsg_pid = nl->portid;
	nlh->nlmsg_flags |= NLM_F_REQUEST | (dump ? NLM_F_DUMP : NLM_F_ACK);

	/* Make room for the reply: the kernel drops what does not fit. */
	if (tern_nl_crowded(nl))
		tern_nl_drain_socket(nl);
	err = tern_nl_send(nl, nlh);
	if (err)
		goto out;
	nl->busy = true;
	while (!req.done) {
		n = tern_nl_recv(nl, nl->sbuf, nl->reply_timeout_ms, true);
		if (n == -EAGAIN) {
			err = tern_nl_seterr(nl, -ETIMEDOUT,
					     "no reply from tern.ko within %d ms",
					     nl->reply_timeout_ms);
			break;
		}
		if (n == -ENOBUFS || n == -EMSGSIZE) {
			/* Notifications were lost (replies are far smaller
			 * than the buffer); our reply may come yet.
			 */
			tern_nl_note_lost(nl, n);
			continue;
		}
		if (n < 0) {
			err = tern_nl_seterr(nl, n, "receiving from tern.ko: %s",
					     strerror(-n));
			break;
		}
		tern_nl_scan(nl, &req, n);
	}
	nl->busy = false;
	if (err)
		goto out;
	if (req.kerr) {
		err = req.kerr;		/* nl->err holds the extack */
	} else if (req.cberr) {
		err = req.cberr;	/* nl->err set by the callback */
	} else if (req.intr) {
		err = tern_nl_seterr(nl, -EAGAIN,
				     "connections changed during the dump; try again");
	}
out:
	nlmsg_free(msg);
	return err;
}
