/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A stand-in for tern.ko in library tests: a thread at the far end of a
 * datagram socketpair that reads each request the library sends and runs
 * the test's handler on it. Replies are built with libnl the way the
 * kernel builds them (u64 attributes preceded by a PAD attribute, nests
 * flagged NLA_F_NESTED, errors with extack TLVs and a capped header), and
 * frame-recv notifications as tern.ko's deliver.c does: conn-id, cookie,
 * the seq of the first frame, then one TERN_A_WIRE per frame holding it as
 * it came on the wire.
 * Header-only, as the test suites are one source file per program.
 */
#ifndef TERN_FAKE_KERNEL_H
#define TERN_FAKE_KERNEL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#include "frame.h"
#include "tern_nl_priv.h"

#define FAKE_FAMILY	30
#define FAKE_GROUP	7
#define FAKE_PORTID	4242

struct fake;
typedef void (*fake_fn)(struct fake *fk, const struct nlmsghdr *req);

struct fake {
	int fd;			/* the kernel's end */
	pthread_t thread;
	pthread_mutex_t lock;
	fake_fn fn;
	void *priv;
	int nreq;		/* requests seen */
	bool bad_nest;		/* a nest without NLA_F_NESTED was seen */
};

static inline bool nests_flagged(const struct nlattr *a, int len)
{
	int rem = len;

	for (; nla_ok(a, rem); a = nla_next(a, &rem)) {
		int t = nla_type(a);

		if ((t == TERN_A_FRAME || t == TERN_A_ACK ||
		     t == TERN_A_STATS) && !(a->nla_type & NLA_F_NESTED))
			return false;
	}
	return true;
}

static inline void *fake_main(void *arg)
{
	struct fake *fk = arg;
	size_t size = 256 * 1024;
	char *buf = malloc(size);
	struct nlmsghdr *nlh;
	fake_fn fn;
	ssize_t n;

	for (;;) {
		n = recv(fk->fd, buf, size, 0);
		if (n <= 0)
			break;
		nlh = (struct nlmsghdr *)buf;
		if (!NLMSG_OK(nlh, n))
			continue;
		pthread_mutex_lock(&fk->lock);
		fk->nreq++;
		if (nlh->nlmsg_len >= NLMSG_LENGTH(GENL_HDRLEN) &&
		    !nests_flagged(genlmsg_attrdata(nlmsg_data(nlh), 0),
				   genlmsg_attrlen(nlmsg_data(nlh), 0)))
			fk->bad_nest = true;
		fn = fk->fn;
		pthread_mutex_unlock(&fk->lock);
		if (fn)
			fn(fk, nlh);
	}
	free(buf);
	return NULL;
}

static inline struct tern_nl *fake_start(struct fake *fk)
{
	struct tern_nl *nl;
	int sv[2];

	memset(fk, 0, sizeof(*fk));
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
		abort();
	fk->fd = sv[0];
	pthread_mutex_init(&fk->lock, NULL);
	if (tern_nl_open_fd(&nl, sv[1], FAKE_FAMILY, FAKE_GROUP, FAKE_PORTID))
		abort();
	nl->reply_timeout_ms = 2000;
	if (pthread_create(&fk->thread, NULL, fake_main, fk))
		abort();
	return nl;
}

static inline void fake_stop(struct fake *fk, struct tern_nl *nl)
{
	shutdown(fk->fd, SHUT_RDWR);
	tern_nl_close(nl);
	pthread_join(fk->thread, NULL);
	close(fk->fd);
	pthread_mutex_destroy(&fk->lock);
}

static inline void fake_set(struct fake *fk, fake_fn fn, void *priv)
{
	pthread_mutex_lock(&fk->lock);
	fk->fn = fn;
	fk->priv = priv;
	pthread_mutex_unlock(&fk->lock);
}

static inline struct nl_msg *fake_msg(uint8_t cmd, uint32_t seq,
				      int flags)
{
	struct nl_msg *msg = nlmsg_alloc_size(256 * 1024);

	if (!msg || !genlmsg_put(msg, FAKE_PORTID, seq, FAKE_FAMILY, 0, flags,
				 cmd, TERN_FAMILY_VERSION))
		abort();
	return msg;
}

/* As the kernel's nla_put_u64_64bit: a PAD attribute first when needed
 * to align the value (here always, to exercise skipping it).
 */
static inline void fake_put_u64(struct nl_msg *msg, int pad, int type,
				uint64_t v)
{
	if (nla_put(msg, pad, 0, NULL) || nla_put_u64(msg, type, v))
		abort();
}

/* The head of a frame-recv notification: TERN_A_WIRE attributes follow,
 * the first with sequence number @first.
 */
static inline struct nl_msg *fake_frame_recv(uint32_t nlseq, uint32_t id,
					     uint64_t cookie, uint64_t first)
{
	struct nl_msg *msg = fake_msg(TERN_CMD_FRAME_RECV, nlseq, 0);

	if (nla_put_u32(msg, TERN_A_CONN_ID, id))
		abort();
	fake_put_u64(msg, TERN_A_PAD, TERN_A_COOKIE, cookie);
	fake_put_u64(msg, TERN_A_PAD, TERN_A_SEQ, first);
	return msg;
}

/* One TERN_A_WIRE of @len bytes of payload, whose header says @version
 * and @hdr_len: anything, to make malformed ones.
 */
static inline void fake_put_wire_raw(struct nl_msg *msg, uint8_t version,
				     uint8_t type, uint16_t flags,
				     uint32_t hdr_len, const void *data,
				     size_t len)
{
	struct nlattr *a = nla_reserve(msg, TERN_A_WIRE,
				       TERN_FRAME_HDR_LEN + len);
	uint8_t *wire;

	if (!a)
		abort();
	wire = nla_data(a);
	tern_frame_hdr_build(wire, type, flags, hdr_len);
	wire[0] = version;
	if (len)
		memcpy(wire + TERN_FRAME_HDR_LEN, data, len);
}

/* One received frame, as tern.ko puts it in a frame-recv. */
static inline void fake_put_wire(struct nl_msg *msg, uint8_t type,
				 uint16_t flags, const void *data, size_t len)
{
	fake_put_wire_raw(msg, TERN_FRAME_VERSION, type, flags, len, data,
			  len);
}

static inline void fake_write(struct fake *fk, const void *buf,
			      size_t len)
{
	if (send(fk->fd, buf, len, 0) != (ssize_t)len)
		abort();
}

static inline void fake_send(struct fake *fk, struct nl_msg *msg)
{
	fake_write(fk, nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len);
	nlmsg_free(msg);
}

static inline void fake_send_many(struct fake *fk, struct nl_msg **msgs,
				  int n)
{
	size_t len = 0, off = 0;
	char *buf;
	int i;

	for (i = 0; i < n; i++)
		len += NLMSG_ALIGN(nlmsg_hdr(msgs[i])->nlmsg_len);
	buf = calloc(1, len);
	for (i = 0; i < n; i++) {
		memcpy(buf + off, nlmsg_hdr(msgs[i]),
		       nlmsg_hdr(msgs[i])->nlmsg_len);
		off += NLMSG_ALIGN(nlmsg_hdr(msgs[i])->nlmsg_len);
		nlmsg_free(msgs[i]);
	}
	fake_write(fk, buf, len);
	free(buf);
}

static inline void fake_ack(struct fake *fk, const struct nlmsghdr *req,
			    int error, const char *text, int offs,
			    int miss_type, int miss_nest)
{
	struct nl_msg *msg = nlmsg_alloc_size(4096);
	struct nlmsghdr *nlh;
	struct nlmsgerr *e;
	int flags = NLM_F_CAPPED;

	if (text || offs >= 0 || miss_type >= 0)
		flags |= NLM_F_ACK_TLVS;
	nlh = nlmsg_put(msg, FAKE_PORTID, req->nlmsg_seq, NLMSG_ERROR,
			sizeof(*e), flags);
	e = nlmsg_data(nlh);
	e->error = error;
	e->msg = *req;
	if (text)
		nla_put_string(msg, NLMSGERR_ATTR_MSG, text);
	if (offs >= 0)
		nla_put_u32(msg, NLMSGERR_ATTR_OFFS, offs);
	if (miss_type >= 0)
		nla_put_u32(msg, NLMSGERR_ATTR_MISS_TYPE, miss_type);
	if (miss_nest >= 0)
		nla_put_u32(msg, NLMSGERR_ATTR_MISS_NEST, miss_nest);
	fake_send(fk, msg);
}

static inline void fake_done(struct fake *fk, const struct nlmsghdr *req,
			     int error, int flags)
{
	struct nl_msg *msg = nlmsg_alloc_size(4096);
	struct nlmsghdr *nlh;

	nlh = nlmsg_put(msg, FAKE_PORTID, req->nlmsg_seq, NLMSG_DONE,
			sizeof(int), NLM_F_MULTI | flags);
	memcpy(nlmsg_data(nlh), &error, sizeof(int));
	fake_send(fk, msg);
}

static inline int fake_parse(const struct nlmsghdr *req,
			     struct nlattr **tb)
{
	return genlmsg_parse((struct nlmsghdr *)req, 0, tb, TERN_A_MAX, NULL);
}

static inline int fake_attr_off(const struct nlmsghdr *req, int type,
				int nth)
{
	struct genlmsghdr *g = nlmsg_data(req);
	struct nlattr *a;
	int rem;

	nla_for_each_attr(a, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0),
			  rem) {
		if (nla_type(a) == type && nth-- == 0)
			return (char *)a - (char *)req;
	}
	return -1;
}

#endif /* TERN_FAKE_KERNEL_H */
