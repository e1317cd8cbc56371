// SPDX-License-Identifier: GPL-2.0
/*
 * libtern unit tests against a fake tern.ko (fake_kernel.h): message
 * construction, reply parsing, sequence matching, notification queueing,
 * extack messages, dumps, frame-send batching and frame-ack splitting.
 * Needs no kernel module.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fake_kernel.h"
#include "kselftest_harness.h"

/* Checks that go on after a failure, as (seen, expected). */
#define CHECK(cond)		EXPECT_TRUE(!!(cond))
#define CHECK_EQ(seen, want)	EXPECT_EQ((long long)(want), (long long)(seen))
#define CHECK_STR(seen, want)	EXPECT_STREQ(want, seen)

static uint32_t req_seq(const struct nlmsghdr *req)
{
	return req->nlmsg_seq;
}

static uint8_t req_cmd(const struct nlmsghdr *req)
{
	return ((struct genlmsghdr *)nlmsg_data(req))->cmd;
}

/* --- conn-new --------------------------------------------------------- */

struct seen {
	int cmd;
	uint16_t flags;
	uint8_t version;
	bool has[TERN_A_MAX + 1];
	uint32_t u32[TERN_A_MAX + 1];
	uint64_t cookie;
	int32_t fd;
	char tag[64];
};

static void record(const struct nlmsghdr *req, struct seen *s)
{
	struct nlattr *tb[TERN_A_MAX + 1];
	int i;

	memset(s, 0, sizeof(*s));
	s->cmd = req_cmd(req);
	s->flags = req->nlmsg_flags;
	s->version = ((struct genlmsghdr *)nlmsg_data(req))->version;
	if (fake_parse(req, tb))
		return;
	for (i = 1; i <= TERN_A_MAX; i++) {
		s->has[i] = tb[i] != NULL;
		if (tb[i] && nla_len(tb[i]) == 4)
			s->u32[i] = nla_get_u32(tb[i]);
	}
	if (tb[TERN_A_COOKIE])
		s->cookie = nla_get_u64(tb[TERN_A_COOKIE]);
	if (tb[TERN_A_FD])
		s->fd = nla_get_s32(tb[TERN_A_FD]);
	if (tb[TERN_A_OWNER_TAG])
		snprintf(s->tag, sizeof(s->tag), "%s",
			 nla_get_string(tb[TERN_A_OWNER_TAG]));
}

static void h_conn_new(struct fake *fk, const struct nlmsghdr *req)
{
	struct nl_msg *msg;

	record(req, fk->priv);
	msg = fake_msg(TERN_CMD_CONN_NEW, req_seq(req), 0);
	nla_put_u32(msg, TERN_A_CONN_ID, 42);
	fake_send(fk, msg);
	fake_ack(fk, req, 0, NULL, -1, -1, -1);
}

TEST(conn_new)
{
	struct fake fk;
	struct tern_nl *nl = fake_start(&fk);
	struct seen s;
	struct tern_conn_params p = {
		.fd = 5, .role = TERN_ROLE_RESPONDER, .owner_tag = "mail",
		.hb_interval_ms = 1000, .cookie = 0x1122334455667788ULL,
		.plain = true, .given = TERN_P_MARK,
	};
	uint32_t id = 0;

	fake_set(&fk, h_conn_new, &s);
	CHECK_EQ(tern_nl_conn_new(nl, &p, &id), 0);
	CHECK_EQ(id, 42);
	CHECK_EQ(s.cmd, TERN_CMD_CONN_NEW);
	CHECK_EQ(s.version, TERN_FAMILY_VERSION);
	CHECK(s.flags & NLM_F_REQUEST);
	CHECK(s.flags & NLM_F_ACK);
	CHECK_EQ(s.fd, 5);
	CHECK_EQ(s.u32[TERN_A_ROLE], TERN_ROLE_RESPONDER);
	CHECK_STR(s.tag, "mail");
	CHECK_EQ(s.u32[TERN_A_HB_INTERVAL], 1000);
	CHECK(s.cookie == 0x1122334455667788ULL);
	CHECK(s.has[TERN_A_PLAIN]);
	/* mark is 0 but was given; timeout is 0 and was not. */
	CHECK(s.has[TERN_A_MARK]);
	CHECK_EQ(s.u32[TERN_A_MARK], 0);
	CHECK(!s.has[TERN_A_TIMEOUT]);
	CHECK(!s.has[TERN_A_PRIORITY]);
	CHECK(!s.has[TERN_A_CONN_ID]);

	/* Client-side checks never reach the kernel. */
	p.owner_tag = NULL;
	CHECK_EQ(tern_nl_conn_new(nl, &p, &id), -EINVAL);
	CHECK_STR(tern_nl_error(nl), "an owner tag is required");
	p.owner_tag = "0123456789012345678901234567890123456789";
	CHECK_EQ(tern_nl_conn_new(nl, &p, &id), -EINVAL);
	CHECK(strstr(tern_nl_error(nl), "longer than 31 bytes"));
	p.owner_tag = "mail";
	p.role = 0;
	CHECK_EQ(tern_nl_conn_new(nl, &p, &id), -EINVAL);
	p.role = TERN_ROLE_INITIATOR;
	p.fd = -1;
	CHECK_EQ(tern_nl_conn_new(nl, &p, &id), -EBADF);
	CHECK_EQ(fk.nreq, 1);
	CHECK(!fk.bad_nest);
	fake_stop(&fk, nl);
}

/* --- conn-set, conn-del, errors and extack ------------------------------ */

static void h_conn_set_err(struct fake *fk, const struct nlmsghdr *req)
{
	record(req, fk->priv);
	fake_ack(fk, req, -ERANGE, "integer out of range",
		 fake_attr_off(req, TERN_A_HB_INTERVAL, 0), -1, -1);
}

static void h_missing(struct fake *fk, const struct nlmsghdr *req)
{
	fake_ack(fk, req, -EINVAL, NULL, -1, TERN_A_CONN_ID, -1);
}

static void h_plain_err(struct fake *fk, const struct nlmsghdr *req)
{
	fake_ack(fk, req, -ENOENT, NULL, -1, -1, -1);
}

static void h_ack(struct fake *fk, const struct nlmsghdr *req)
{
	if (fk->priv)
		record(req, fk->priv);
	fake_ack(fk, req, 0, NULL, -1, -1, -1);
}

static void h_silent(struct fake *fk, const struct nlmsghdr *req)
{
	(void)fk;
	(void)req;
}

TEST(conn_set_errors)
{
	struct fake fk;
	struct tern_nl *nl = fake_start(&fk);
	struct tern_conn_params p = {
		.hb_interval_ms = 10, .priority = 0,
		.given = TERN_P_PRIORITY | TERN_P_COOKIE,
	};
	struct seen s;

	fake_set(&fk, h_conn_set_err, &s);
	CHECK_EQ(tern_nl_conn_set(nl, 9, &p), -ERANGE);
	CHECK_STR(tern_nl_error(nl), "hb-interval: integer out of range");
	CHECK_EQ(s.cmd, TERN_CMD_CONN_SET);
	CHECK_EQ(s.u32[TERN_A_CONN_ID], 9);
	CHECK(s.has[TERN_A_PRIORITY]);
	CHECK(s.has[TERN_A_COOKIE]);
	CHECK(!s.has[TERN_A_MARK]);

	fake_set(&fk, h_missing, NULL);
	CHECK_EQ(tern_nl_conn_del(nl, 9), -EINVAL);
	CHECK_STR(tern_nl_error(nl), "missing attribute conn-id");

	fake_set(&fk, h_plain_err, NULL);
	CHECK_EQ(tern_nl_conn_del(nl, 9), -ENOENT);
	CHECK_STR(tern_nl_error(nl), strerror(ENOENT));

	fake_set(&fk, h_ack, &s);
	CHECK_EQ(tern_nl_conn_del(nl, 77), 0);
	CHECK_EQ(s.cmd, TERN_CMD_CONN_DEL);
	CHECK_EQ(s.u32[TERN_A_CONN_ID], 77);

	/* No answer at all. */
	nl->reply_timeout_ms = 100;
	fake_set(&fk, h_silent, NULL);
	CHECK_EQ(tern_nl_conn_del(nl, 1), -ETIMEDOUT);
	CHECK(strstr(tern_nl_error(nl), "no reply"));
	fake_stop(&fk, nl);
}

/* --- conn-get: every field, and notifications in the middle ------------- */

static const struct tern_event_ops ev_ops;	/* below */

static const uint8_t peer6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t local6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

static void put_info(struct nl_msg *msg, uint32_t id, const char *tag)
{
	struct nlattr *st;

	nla_put_u32(msg, TERN_A_CONN_ID, id);
	nla_put_u32(msg, TERN_A_STATE, TERN_STATE_DOWN);
	nla_put_u32(msg, TERN_A_ROLE, TERN_ROLE_INITIATOR);
	nla_put_flag(msg, TERN_A_ORPHAN);
	nla_put_string(msg, TERN_A_OWNER_TAG, tag);
	fake_put_u64(msg, TERN_A_PAD, TERN_A_COOKIE, 0xfeedULL + id);
	nla_put_u16(msg, TERN_A_FAMILY, AF_INET6);
	nla_put(msg, TERN_A_PEER_ADDR, 16, peer6);
	nla_put_u16(msg, TERN_A_PEER_PORT, 443);
	nla_put(msg, TERN_A_LOCAL_ADDR, 16, local6);
	nla_put_u16(msg, TERN_A_LOCAL_PORT, 50000);
	nla_put_u32(msg, TERN_A_HB_INTERVAL, 60000);
	nla_put_u32(msg, TERN_A_TIMEOUT, 20000);
	nla_put_u32(msg, TERN_A_PARTIAL_TIMEOUT, 30000);
	nla_put_u32(msg, TERN_A_MAX_FRAME, 4096);
	nla_put_u32(msg, TERN_A_PRIORITY, 6);
	nla_put_u32(msg, TERN_A_MARK, 0x100);
	nla_put_u32(msg, TERN_A_GRACE, 5000);
	nla_put_u32(msg, TERN_A_RCV_WINDOW, 65536);
	nla_put_u32(msg, TERN_A_MAX_HELD, 1 << 20);
	nla_put_u32(msg, TERN_A_REASON, TERN_REASON_TIMEOUT);
	st = nla_nest_start(msg, TERN_A_STATS | NLA_F_NESTED);
	fake_put_u64(msg, TERN_STATS_A_PAD, TERN_STATS_A_RX_FRAMES, 11);
	fake_put_u64(msg, TERN_STATS_A_PAD, TERN_STATS_A_RX_BYTES, 1100);
	fake_put_u64(msg, TERN_STATS_A_PAD, TERN_STATS_A_TX_FRAMES, 22);
	fake_put_u64(msg, TERN_STATS_A_PAD, TERN_STATS_A_TX_BYTES, 2200);
	fake_put_u64(msg, TERN_STATS_A_PAD, TERN_STATS_A_HB_SENT, 3);
	fake_put_u64(msg, TERN_STATS_A_PAD, TERN_STATS_A_HB_ANSWERED, 2);
	fake_put_u64(msg, TERN_STATS_A_PAD, TERN_STATS_A_PINGS_ANSWERED, 1);
	fake_put_u64(msg, TERN_STATS_A_PAD, TERN_STATS_A_LAST_RX, 1234);
	nla_put_u32(msg, TERN_STATS_A_RTT, 850);
	nla_put_u32(msg, TERN_STATS_A_HELD_FRAMES, 4);
	nla_put_u32(msg, TERN_STATS_A_HELD_BYTES, 400);
	nla_put_u32(msg, TERN_STATS_A_TXQ_FRAMES, 5);
	nla_put_u32(msg, TERN_STATS_A_TXQ_BYTES, 500);
	nla_nest_end(msg, st);
}

/* Frame @seq of any connection carries 'a' + seq % 26 throughout. */
static void fill(char *data, uint64_t seq, size_t len)
{
	memset(data, 'a' + (int)(seq % 26), len);
}

static struct nl_msg *frame_recv(uint32_t seq, uint32_t id, uint64_t first,
				 int nframes, size_t len)
{
	struct nl_msg *msg = fake_frame_recv(seq, id, 1000 + id, first);
	char *data = malloc(len + 1);
	int i;

	for (i = 0; i < nframes; i++) {
		fill(data, first + i, len);
		fake_put_wire(msg, 16 + i, 0x8001, data, len);
	}
	free(data);
	return msg;
}

static struct nl_msg *conn_down(uint32_t seq, uint32_t id, const char *tag)
{
	struct nl_msg *msg = fake_msg(TERN_CMD_CONN_DOWN, seq, 0);

	nla_put_u32(msg, TERN_A_CONN_ID, id);
	fake_put_u64(msg, TERN_A_PAD, TERN_A_COOKIE, 2000 + id);
	nla_put_string(msg, TERN_A_OWNER_TAG, tag);
	nla_put_u32(msg, TERN_A_REASON, TERN_REASON_PEER_CLOSED);
	return msg;
}

static void h_conn_get(struct fake *fk, const struct nlmsghdr *req)
{
	struct nlattr *tb[TERN_A_MAX + 1];
	struct nl_msg *m[3], *stale;

	fake_parse(req, tb);
	/* A late reply and ack of an earlier request: to be dropped. */
	stale = fake_msg(TERN_CMD_CONN_GET, req_seq(req) - 3, 0);
	put_info(stale, 666, "stale");
	fake_send(fk, stale);
	fake_ack(fk, &(struct nlmsghdr){ .nlmsg_seq = req_seq(req) - 3 },
		 -EIO, "stale", -1, -1, -1);
	/* A frame notification with seq 0 before the reply, a conn-down
	 * carrying our sequence number in the same datagram as the reply.
	 */
	fake_send(fk, frame_recv(0, 3, 100, 2, 10));
	m[0] = conn_down(req_seq(req), 4, "web");
	m[1] = fake_msg(TERN_CMD_CONN_GET, req_seq(req), 0);
	put_info(m[1], nla_get_u32(tb[TERN_A_CONN_ID]), "mail");
	m[2] = frame_recv(0, 3, 102, 1, 0);
	fake_send_many(fk, m, 3);
	fake_ack(fk, req, 0, NULL, -1, -1, -1);
}

struct events {
	int n;
	char log[16][96];
	struct tern_nl *nl;	/* ack from the frame callback when set */
	int acked;
	/* Every frame handed out, in order. */
	int nf;
	uint32_t fconn[512];
	uint64_t fseq[512];
	int bad_data;		/* frames whose payload was not fill()'s */
	int in_rbuf;		/* frames whose data was in nl->rbuf */
	struct tern_nl *where;	/* count in_rbuf against this one */
	/* Call tern_nl_process() from the callback of this frame seq. */
	uint64_t nest_at;
	int nested;		/* what that call returned */
	bool intact;		/* the frame's data survived it */
};

static void ev_frame(const struct tern_frame_in *f, void *arg)
{
	struct events *ev = arg;
	struct tern_ack ack = { .conn_id = f->conn_id, .seq = f->seq };
	const unsigned char *d = f->data;
	bool same = true;
	uint32_t i;

	for (i = 0; i < f->len; i++)
		same &= ((const char *)f->data)[i] == 'a' + (int)(f->seq % 26);
	if (ev->n < 16)
		snprintf(ev->log[ev->n], 96,
			 "frame %u cookie %llu seq %llu type %u flags %#x len %u%s",
			 f->conn_id, (unsigned long long)f->cookie,
			 (unsigned long long)f->seq, f->type, f->flags, f->len,
			 same ? "" : " BAD DATA");
	ev->n++;
	if (ev->nf < 512) {
		ev->fconn[ev->nf] = f->conn_id;
		ev->fseq[ev->nf] = f->seq;
	}
	ev->nf++;
	ev->bad_data += !same;
	if (ev->where && d >= ev->where->rbuf &&
	    d + f->len <= ev->where->rbuf + TERN_NL_RBUF_SIZE)
		ev->in_rbuf++;
	if (ev->nl && tern_nl_frame_ack(ev->nl, &ack, 1) == 0)
		ev->acked++;
	if (ev->nest_at && f->seq == ev->nest_at) {
		ev->nest_at = 0;
		ev->nested = tern_nl_process(ev->where, &ev_ops, ev, 0);
		same = true;
		for (i = 0; i < f->len; i++)
			same &= d[i] == 'a' + (int)(f->seq % 26);
		ev->intact = same;
	}
}

static void ev_down(uint32_t id, uint64_t cookie, const char *tag,
		    enum tern_reason reason, void *arg)
{
	struct events *ev = arg;

	if (ev->n < 16)
		snprintf(ev->log[ev->n], 96, "down %u cookie %llu tag %s %s",
			 id, (unsigned long long)cookie, tag,
			 tern_reason_name(reason));
	ev->n++;
}

static void ev_writable(uint32_t id, uint64_t cookie, void *arg)
{
	struct events *ev = arg;

	if (ev->n < 16)
		snprintf(ev->log[ev->n], 96, "writable %u cookie %llu", id,
			 (unsigned long long)cookie);
	ev->n++;
}

static const struct tern_event_ops ev_ops = {
	.frame = ev_frame,
	.conn_down = ev_down,
	.conn_writable = ev_writable,
};

static void check_info(struct __test_metadata *_metadata,
		       const struct tern_conn_info *c, uint32_t id,
		       const char *tag)
{
	CHECK_EQ(c->id, id);
	CHECK_EQ(c->state, TERN_STATE_DOWN);
	CHECK_EQ(c->role, TERN_ROLE_INITIATOR);
	CHECK(c->orphan);
	CHECK(!c->plain);
	CHECK_STR(c->owner_tag, tag);
	CHECK(c->cookie == 0xfeedULL + id);
	CHECK_EQ(c->family, AF_INET6);
	CHECK(!memcmp(c->peer_addr, peer6, 16));
	CHECK(!memcmp(c->local_addr, local6, 16));
	CHECK_EQ(c->peer_port, 443);
	CHECK_EQ(c->local_port, 50000);
	CHECK_EQ(c->hb_interval_ms, 60000);
	CHECK_EQ(c->timeout_ms, 20000);
	CHECK_EQ(c->partial_timeout_ms, 30000);
	CHECK_EQ(c->max_frame, 4096);
	CHECK_EQ(c->priority, 6);
	CHECK_EQ(c->mark, 0x100);
	CHECK_EQ(c->grace_ms, 5000);
	CHECK_EQ(c->rcv_window, 65536);
	CHECK_EQ(c->max_held, 1 << 20);
	CHECK_EQ(c->reason, TERN_REASON_TIMEOUT);
	CHECK_EQ(c->stats.rx_frames, 11);
	CHECK_EQ(c->stats.rx_bytes, 1100);
	CHECK_EQ(c->stats.tx_frames, 22);
	CHECK_EQ(c->stats.tx_bytes, 2200);
	CHECK_EQ(c->stats.hb_sent, 3);
	CHECK_EQ(c->stats.hb_answered, 2);
	CHECK_EQ(c->stats.pings_answered, 1);
	CHECK_EQ(c->stats.last_rx_ms, 1234);
	CHECK_EQ(c->stats.rtt_us, 850);
	CHECK_EQ(c->stats.held_frames, 4);
	CHECK_EQ(c->stats.held_bytes, 400);
	CHECK_EQ(c->stats.txq_frames, 5);
	CHECK_EQ(c->stats.txq_bytes, 500);
}

TEST(conn_get_and_queue)
{
	struct fake fk;
	struct tern_nl *nl = fake_start(&fk);
	struct tern_conn_info info;
	struct events ev = { 0 };

	fake_set(&fk, h_conn_get, NULL);
	CHECK_EQ(tern_nl_conn_get(nl, 17, &info), 0);
	check_info(_metadata, &info, 17, "mail");
	/* The first datagram with notifications stays where it was read
	 * (the two buffers trade places), the second is copied to the queue.
	 */
	CHECK(nl->cur.buf == nl->rbuf && !nl->cur.ntf);
	CHECK(nl->cur.off < nl->cur.end);
	CHECK_EQ(nl->nqueued, 2);

	CHECK_EQ(tern_nl_process(nl, &ev_ops, &ev, 0), 3);
	CHECK_EQ(ev.n, 4);
	CHECK_STR(ev.log[0],
		  "frame 3 cookie 1003 seq 100 type 16 flags 0x8001 len 10");
	CHECK_STR(ev.log[1],
		  "frame 3 cookie 1003 seq 101 type 17 flags 0x8001 len 10");
	CHECK_STR(ev.log[2], "down 4 cookie 2004 tag web peer-closed");
	CHECK_STR(ev.log[3],
		  "frame 3 cookie 1003 seq 102 type 16 flags 0x8001 len 0");
	CHECK_EQ(nl->nqueued, 0);
	/* Nothing left. */
	CHECK_EQ(tern_nl_process(nl, &ev_ops, &ev, 0), 0);
	CHECK_EQ(tern_nl_process(nl, &ev_ops, &ev, 50), 0);
	fake_stop(&fk, nl);
}

/* --- malformed replies and notifications ------------------------------- */

static void h_bad_info(struct fake *fk, const struct nlmsghdr *req)
{
	struct nl_msg *msg = fake_msg(TERN_CMD_CONN_GET, req_seq(req), 0);
	static const uint8_t five[5];

	nla_put_u32(msg, TERN_A_CONN_ID, 1);
	nla_put_u16(msg, TERN_A_FAMILY, AF_INET);
	nla_put(msg, TERN_A_PEER_ADDR, 5, five);
	fake_send(fk, msg);
	fake_ack(fk, req, 0, NULL, -1, -1, -1);
}

static void h_no_reply(struct fake *fk, const struct nlmsghdr *req)
{
	fake_ack(fk, req, 0, NULL, -1, -1, -1);
}

static void h_short_u32(struct fake *fk, const struct nlmsghdr *req)
{
	struct nl_msg *msg = fake_msg(TERN_CMD_CONN_GET, req_seq(req), 0);

	nla_put_u16(msg, TERN_A_CONN_ID, 1);	/* too short for a u32 */
	fake_send(fk, msg);
	fake_ack(fk, req, 0, NULL, -1, -1, -1);
}

TEST(malformed)
{
	struct fake fk;
	struct tern_nl *nl = fake_start(&fk);
	struct tern_conn_info info;
	struct events ev = { 0 };
	struct nl_msg *msg;
	uint32_t id;

	fake_set(&fk, h_bad_info, NULL);
	CHECK_EQ(tern_nl_conn_get(nl, 1, &info), -EBADMSG);
	CHECK(strstr(tern_nl_error(nl), "5-byte peer-addr"));

	fake_set(&fk, h_no_reply, NULL);
	CHECK_EQ(tern_nl_conn_get(nl, 1, &info), -EBADMSG);
	CHECK(strstr(tern_nl_error(nl), "without a reply"));
	struct tern_conn_params p = {
		.fd = 1, .role = TERN_ROLE_INITIATOR, .owner_tag = "x",
	};
	CHECK_EQ(tern_nl_conn_new(nl, &p, &id), -EBADMSG);

	fake_set(&fk, h_short_u32, NULL);
	CHECK_EQ(tern_nl_conn_get(nl, 1, &info), -EBADMSG);
	CHECK(strstr(tern_nl_error(nl), "malformed conn-get"));

	/* A notification without conn-id between two good ones: the bad
	 * one is reported and dropped, the next one still comes.
	 */
	fake_send(&fk, conn_down(0, 1, "a"));
	msg = fake_msg(TERN_CMD_CONN_WRITABLE, 0, 0);
	fake_send(&fk, msg);
	msg = fake_msg(TERN_CMD_CONN_WRITABLE, 0, 0);
	nla_put_u32(msg, TERN_A_CONN_ID, 9);
	fake_send(&fk, msg);
	/* Unknown commands are skipped. */
	fake_send(&fk, fake_msg(TERN_CMD_CONN_NEW, 0, 0));
	CHECK_EQ(tern_nl_process(nl, &ev_ops, &ev, 500), 1);
	CHECK_EQ(tern_nl_process(nl, &ev_ops, &ev, 500), -EBADMSG);
	CHECK(strstr(tern_nl_error(nl), "conn-writable notification from tern.ko lacks conn-id"));
	CHECK_EQ(tern_nl_process(nl, &ev_ops, &ev, 500), 1);
	CHECK_EQ(tern_nl_process(nl, &ev_ops, &ev, 500), 0);
	CHECK_EQ(tern_nl_process(nl, &ev_ops, &ev, 0), 0);
	CHECK_EQ(ev.n, 2);
	CHECK_STR(ev.log[0], "down 1 cookie 2001 tag a peer-closed");
	CHECK_STR(ev.log[1], "writable 9 cookie 0");

	/* Waiting for ever skips a late reply and waits on. */
	fake_send(&fk, fake_msg(TERN_CMD_CONN_GET, 12345, 0));
	fake_send(&fk, conn_down(0, 5, "b"));
	CHECK_EQ(tern_nl_process(nl, &ev_ops, &ev, -1), 1);
	CHECK_STR(ev.log[2], "down 5 cookie 2005 tag b peer-closed");

	fake_stop(&fk, nl);
}

/* --- frame-recv: frames as on the wire, seqs from the first ------------- */

TEST(wire_frames)
{
	struct fake fk;
	struct tern_nl *nl = fake_start(&fk);
	struct events ev = { .where = nl };
	static const size_t lens[] = { 0, 1, 7, 100, 3000 };
	char data[3000];
	struct nl_msg *msg;
	size_t i;

	/* Five frames of assorted sizes, with a pad and an attribute of a
	 * later version among them (skipped), in one message.
	 */
	msg = fake_frame_recv(0, 7, 0x1122334455667788ULL, 1000);
	for (i = 0; i < 5; i++) {
		fill(data, 1000 + i, lens[i]);
		fake_put_wire(msg, 16 + i * 50, 0xf00d + i, data, lens[i]);
		if (i == 1)
			nla_put(msg, TERN_A_PAD, 0, NULL);
		if (i == 2)
			nla_put_u32(msg, TERN_A_MAX + 9, 77);
	}
	fake_send(&fk, msg);
	CHECK_EQ(tern_nl_process(nl, &ev_ops, &ev, 1000), 1);
	CHECK_EQ(ev.nf, 5);
	CHECK_STR(ev.log[0],
		  "frame 7 cookie 1234605616436508552 seq 1000 type 16 flags 0xf00d len 0");
	CHECK_STR(ev.log[1],
		  "frame 7 cookie 1234605616436508552 seq 1001 type 66 flags 0xf00e len 1");
	CHECK_STR(ev.log[2],
		  "frame 7 cookie 1234605616436508552 seq 1002 type 116 flags 0xf00f len 7");
	CHECK_STR(ev.log[3],
		  "frame 7 cookie 1234605616436508552 seq 1003 type 166 flags 0xf010 len 100");
	CHECK_STR(ev.log[4],
		  "frame 7 cookie 1234605616436508552 seq 1004 type 216 flags 0xf011 len 3000");
	CHECK_EQ(ev.bad_data, 0);
	/* Handed out in place, from the receive buffer. */
	CHECK_EQ(ev.in_rbuf, 5);
	CHECK_EQ(nl->nqueued, 0);

	/* No frames at all: a notification, nothing to hand out. Then
	 * two datagrams of three messages each: seqs run on per message.
	 */
	fake_send(&fk, fake_frame_recv(0, 7, 1, 2000));
	CHECK_EQ(tern_nl_process(nl, &ev_ops, &ev, 1000), 1);
	CHECK_EQ(ev.nf, 5);
	for (i = 0; i < 2; i++) {
		struct nl_msg *m[3] = {
			frame_recv(0, 1, 10 + 6 * i, 2, 40),
			frame_recv(0, 2, 20 + 6 * i, 3, 5),
			frame_recv(0, 1, 12 + 6 * i, 1, 0),
		};

		fake_send_many(&fk, m, 3);
	}
	ev.nf = 0;
	CHECK_EQ(tern_nl_process(nl, &ev_ops, &ev, 1000), 3);
	CHECK_EQ(tern_nl_process(nl, &ev_ops, &ev, 1000), 3);
	{
		static const uint32_t conn[12] = { 1, 1, 2, 2, 2, 1,
						   1, 1, 2, 2, 2, 1 };
		static const uint64_t seq[12] = { 10, 11, 20, 21, 22, 12,
						  16, 17, 26, 27, 28, 18 };

		CHECK_EQ(ev.nf, 12);
		for (i = 0; i < 12; i++) {
			CHECK_EQ(ev.fconn[i], conn[i]);
			CHECK_EQ(ev.fseq[i], seq[i]);
		}
	}
	CHECK_EQ(ev.bad_data, 0);
	CHECK_EQ(ev.in_rbuf, 5 + 12);
	fake_stop(&fk, nl);
}

/* A frame-recv with one bad frame among good ones. */
static struct nl_msg *bad_frame_recv(int how)
{
	struct nl_msg *msg = fake_frame_recv(0, 6, 1006, 40);
	static const char abc[16] = "abcdefghijklmnop";
	char good[10];
	struct nlattr *a;

	fill(good, 40, sizeof(good));
	fake_put_wire(msg, 16, 0, good, sizeof(good));
	switch (how) {
	case 0:		/* the header says one byte more than it holds */
		fake_put_wire_raw(msg, TERN_FRAME_VERSION, 17, 0, 11, abc,
				  10);
		break;
	case 1:		/* one byte less */
		fake_put_wire_raw(msg, TERN_FRAME_VERSION, 17, 0, 9, abc, 10);
		break;
	case 2:
		fake_put_wire_raw(msg, 2, 17, 0, 10, abc, 10);
		break;
	case 3:		/* a PING: the transport's, never handed up */
		fake_put_wire(msg, TERN_FRAME_PING, 0, abc, 8);
		break;
	case 4:
		fake_put_wire(msg, TERN_FRAME_PONG, 0, abc, 8);
		break;
	case 5:
		fake_put_wire(msg, 0, 0, abc, 8);
		break;
	case 6:
		fake_put_wire(msg, 9, 0, abc, 8);
		break;
	case 7:		/* shorter than a frame header */
		nla_put(msg, TERN_A_WIRE, 4, abc);
		break;
	case 8:		/* more than a frame can carry */
		fake_put_wire_raw(msg, TERN_FRAME_VERSION, 17, 0,
				  TERN_FRAME_MAX_PAYLOAD + 1, abc, 16);
		break;
	case 9:		/* an attribute that runs past the message */
		fake_put_wire(msg, 17, 0, abc, 16);
		a = (struct nlattr *)((char *)nlmsg_tail(nlmsg_hdr(msg)) -
				      NLA_HDRLEN - TERN_FRAME_HDR_LEN - 16);
		a->nla_len = 2000;
		return msg;
	}
	fake_put_wire(msg, 16, 0, good, sizeof(good));
	return msg;
}

TEST(malformed_frames)
{
	static const char *const why[] = {
		"frame 1 of a frame-recv notification for connection 6 is malformed: its header gives 11 bytes of payload, its attribute holds 10",
		"frame 1 of a frame-recv notification for connection 6 is malformed: its header gives 9 bytes of payload, its attribute holds 10",
		"frame 1 of a frame-recv notification for connection 6 is malformed: version 2, not 1",
		"frame 1 of a frame-recv notification for connection 6 is malformed: type 1, which is reserved for the transport",
		"frame 1 of a frame-recv notification for connection 6 is malformed: type 2, which is reserved for the transport",
		"frame 1 of a frame-recv notification for connection 6 is malformed: type 0, which is reserved for the transport",
		"frame 1 of a frame-recv notification for connection 6 is malformed: type 9, which is reserved for the transport",
		"frame 1 of a frame-recv notification for connection 6 is malformed: 4 bytes, shorter than a frame header",
		"frame 1 of a frame-recv notification for connection 6 is malformed: 64513 bytes of payload, more than the 64512 a frame can carry",
		"malformed frame-recv notification from tern.ko: an attribute at byte 64 overruns the message",
	};
	struct fake fk;
	struct tern_nl *nl = fake_start(&fk);
	struct events ev = { 0 };
	struct nl_msg *msg;
	size_t i;

	/* Each bad message is reported and dropped whole (not even the
	 * good frame before the bad one is handed out); the good one that
	 * follows in the same datagram still comes.
	 */
	for (i = 0; i < ARRAY_SIZE(why); i++) {
		struct nl_msg *m[2] = {
			bad_frame_recv(i), frame_recv(0, 8, 300 + i, 1, 3),
		};

		fake_send_many(&fk, m, 2);
		ev.nf = 0;
		CHECK_EQ(tern_nl_process(nl, &ev_ops, &ev, 1000), -EBADMSG);
		CHECK_STR(tern_nl_error(nl), why[i]);
		CHECK_EQ(ev.nf, 0);
		CHECK_EQ(tern_nl_process(nl, &ev_ops, &ev, 0), 1);
		CHECK_EQ(ev.nf, 1);
		CHECK_EQ(ev.fconn[0], 8);
		CHECK_EQ(ev.fseq[0], 300 + i);
	}

	/* Missing or bad message attributes. */
	msg = fake_msg(TERN_CMD_FRAME_RECV, 0, 0);
	nla_put_u32(msg, TERN_A_CONN_ID, 2);
	fake_put_wire(msg, 20, 0, NULL, 0);
	fake_send(&fk, msg);
	CHECK_EQ(tern_nl_process(nl, &ev_ops, &ev, 1000), -EBADMSG);
	CHECK_STR(tern_nl_error(nl),
		  "frame-recv notification for connection 2 lacks seq");

	/* The encoding before TERN_A_WIRE: say what is wrong. */
	msg = fake_msg(TERN_CMD_FRAME_RECV, 0, 0);
	nla_put_u32(msg, TERN_A_CONN_ID, 2);
	{
		struct nlattr *f = nla_nest_start(msg, TERN_A_FRAME |
						  NLA_F_NESTED);

		nla_put_u8(msg, TERN_FRAME_A_TYPE, 20);
		nla_nest_end(msg, f);
	}
	fake_send(&fk, msg);
	CHECK_EQ(tern_nl_process(nl, &ev_ops, &ev, 1000), -EBADMSG);
	CHECK(strstr(tern_nl_error(nl), "lacks seq (it has frame nests: tern.ko uses an older frame-recv encoding"));

	msg = fake_frame_recv(0, 2, 0, 1);
	nla_put_u16(msg, TERN_A_CONN_ID, 3);
	fake_send(&fk, msg);
	CHECK_EQ(tern_nl_process(nl, &ev_ops, &ev, 1000), -EBADMSG);
	CHECK_STR(tern_nl_error(nl),
		  "malformed frame-recv notification from tern.ko: 2-byte conn-id");

	msg = fake_msg(TERN_CMD_FRAME_RECV, 0, 0);
	fake_put_u64(msg, TERN_A_PAD, TERN_A_SEQ, 1);
	fake_send(&fk, msg);
	CHECK_EQ(tern_nl_process(nl, &ev_ops, &ev, 1000), -EBADMSG);
	CHECK_STR(tern_nl_error(nl),
		  "frame-recv notification from tern.ko lacks conn-id");

	msg = fake_frame_recv(0, 2, 0, 1);
	nla_put_u32(msg, TERN_A_SEQ, 3);
	fake_send(&fk, msg);
	CHECK_EQ(tern_nl_process(nl, &ev_ops, &ev, 1000), -EBADMSG);
	CHECK_STR(tern_nl_error(nl),
		  "malformed frame-recv notification from tern.ko: 4-byte seq");

	/* A message cut short inside its attributes. */
	msg = frame_recv(0, 2, 1, 1, 8);
	nlmsg_hdr(msg)->nlmsg_len -= 6;
	fake_write(&fk, nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len);
	nlmsg_free(msg);
	CHECK_EQ(tern_nl_process(nl, &ev_ops, &ev, 1000), -EBADMSG);
	CHECK(strstr(tern_nl_error(nl), "overruns the message"));

	/* Still in step. */
	ev.nf = 0;
	fake_send(&fk, frame_recv(0, 9, 5, 2, 1));
	CHECK_EQ(tern_nl_process(nl, &ev_ops, &ev, 1000), 1);
	CHECK_EQ(ev.nf, 2);
	CHECK_EQ(ev.bad_data, 0);
	CHECK_EQ(tern_nl_process(nl, &ev_ops, &ev, 0), 0);
	fake_stop(&fk, nl);
}

/* --- large notifications --------------------------------------------- */

TEST(big_notification)
{
	struct fake fk;
	struct tern_nl *nl = fake_start(&fk);
	struct events ev = { .where = nl };
	char *data = malloc(TERN_FRAME_MAX_PAYLOAD);
	struct nl_msg *msg;
	size_t len;

	/* The largest frame, and a larger message (over 64 KiB): the
	 * largest frame and one more; tern.ko sends the largest alone, but
	 * the library takes anything up to its buffer's size.
	 */
	fake_send(&fk, frame_recv(0, 8, 5, 1, TERN_FRAME_MAX_PAYLOAD));
	msg = fake_frame_recv(0, 8, 1008, 6);
	fill(data, 6, TERN_FRAME_MAX_PAYLOAD);
	fake_put_wire(msg, 30, 1, data, TERN_FRAME_MAX_PAYLOAD);
	fill(data, 7, 2000);
	fake_put_wire(msg, 31, 2, data, 2000);
	CHECK(nlmsg_hdr(msg)->nlmsg_len > 64 * 1024);
	fake_send(&fk, msg);
	CHECK_EQ(tern_nl_process(nl, &ev_ops, &ev, 1000), 1);
	CHECK_EQ(tern_nl_process(nl, &ev_ops, &ev, 1000), 1);
	CHECK_EQ(ev.n, 3);
	CHECK_STR(ev.log[0],
		  "frame 8 cookie 1008 seq 5 type 16 flags 0x8001 len 64512");
	CHECK_STR(ev.log[1],
		  "frame 8 cookie 1008 seq 6 type 30 flags 0x1 len 64512");
	CHECK_STR(ev.log[2],
		  "frame 8 cookie 1008 seq 7 type 31 flags 0x2 len 2000");
	CHECK_EQ(ev.in_rbuf, 3);

	/* One larger than the buffer is reported with its size, not cut;
	 * the next comes as usual.
	 */
	msg = frame_recv(0, 8, 8, 3, TERN_FRAME_MAX_PAYLOAD);
	len = nlmsg_hdr(msg)->nlmsg_len;
	CHECK(len > TERN_NL_RBUF_SIZE);
	fake_send(&fk, msg);
	fake_send(&fk, frame_recv(0, 8, 10, 1, 1));
	CHECK_EQ(tern_nl_process(nl, &ev_ops, &ev, 1000), -EMSGSIZE);
	{
		char want[160];

		snprintf(want, sizeof(want),
			 "a %zu-byte message from tern.ko did not fit the %d-byte receive buffer: notifications were lost",
			 len, TERN_NL_RBUF_SIZE);
		CHECK_STR(tern_nl_error(nl), want);
	}
	CHECK_EQ(tern_nl_process(nl, &ev_ops, &ev, 1000), 1);
	CHECK_EQ(ev.n, 4);
	CHECK_STR(ev.log[3], "frame 8 cookie 1008 seq 10 type 16 flags 0x8001 len 1");

	/* While a request waits: the request goes through, the loss is
	 * reported by the next tern_nl_process.
	 */
	fake_send(&fk, frame_recv(0, 8, 11, 3, TERN_FRAME_MAX_PAYLOAD));
	fake_set(&fk, h_ack, NULL);
	CHECK_EQ(tern_nl_conn_del(nl, 8), 0);
	CHECK_EQ(tern_nl_process(nl, &ev_ops, &ev, 0), -EMSGSIZE);
	CHECK(strstr(tern_nl_error(nl), "did not fit"));
	CHECK_EQ(tern_nl_process(nl, &ev_ops, &ev, 0), 0);
	CHECK_EQ(ev.bad_data, 0);
	free(data);
	fake_stop(&fk, nl);
}

/* --- callbacks that make requests -------------------------------------- */

struct ack_log {
	int nacks;
	uint64_t seqs[64];
};

/* Ack requests, and one more notification before each ack. */
static void h_ack_more(struct fake *fk, const struct nlmsghdr *req)
{
	struct ack_log *log = fk->priv;
	struct genlmsghdr *g = nlmsg_data(req);
	struct nlattr *a, *tb[TERN_ACK_A_MAX + 1];
	int rem;

	nla_for_each_attr(a, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0),
			  rem) {
		nla_parse_nested(tb, TERN_ACK_A_MAX, a, NULL);
		if (log->nacks < 64)
			log->seqs[log->nacks] = nla_get_u64(tb[TERN_ACK_A_SEQ]);
		log->nacks++;
	}
	if (log->nacks < 4)
		fake_send(fk, frame_recv(0, 3, 200 + log->nacks, 1, 3));
	fake_ack(fk, req, 0, NULL, -1, -1, -1);
}

TEST(reentrant_ack)
{
	struct fake fk;
	struct tern_nl *nl = fake_start(&fk);
	struct ack_log log = { 0 };
	struct events ev = { .nl = nl };
	int n, total = 0, i;

	fake_set(&fk, h_ack_more, &log);
	fake_send(&fk, frame_recv(0, 3, 200, 1, 3));
	for (i = 0; i < 10 && total < 4; i++) {
		n = tern_nl_process(nl, &ev_ops, &ev, 500);
		CHECK(n >= 0);
		if (n < 0)
			break;
		total += n;
	}
	CHECK_EQ(total, 4);
	CHECK_EQ(ev.acked, 4);
	CHECK_EQ(log.nacks, 4);
	for (i = 0; i < 4; i++)
		CHECK_EQ(log.seqs[i], 200 + i);
	fake_stop(&fk, nl);
}

/* Ack requests; for the first ten acks, one more notification (for
 * connection 5) before the ack.
 */
struct order_log {
	int nacks;
	uint32_t conn[64];
	uint64_t seq[64];
};

static void h_ack_order(struct fake *fk, const struct nlmsghdr *req)
{
	struct order_log *log = fk->priv;
	struct genlmsghdr *g = nlmsg_data(req);
	struct nlattr *a, *tb[TERN_ACK_A_MAX + 1];
	int rem;

	nla_for_each_attr(a, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0),
			  rem) {
		nla_parse_nested(tb, TERN_ACK_A_MAX, a, NULL);
		if (log->nacks < 64) {
			log->conn[log->nacks] =
				nla_get_u32(tb[TERN_ACK_A_CONN_ID]);
			log->seq[log->nacks] = nla_get_u64(tb[TERN_ACK_A_SEQ]);
		}
		log->nacks++;
	}
	if (log->nacks <= 10)
		fake_send(fk, frame_recv(0, 5, 99 + log->nacks, 1, 600));
	fake_ack(fk, req, 0, NULL, -1, -1, -1);
}

/* The callback acks every frame while the rest of a datagram of several
 * multi-frame messages waits in the receive buffer: what the acks read
 * comes after all of it.
 */
TEST(ack_keeps_order)
{
	static const uint32_t conn[17] = { 3, 3, 3, 3, 3, 4, 4,
					   5, 5, 5, 5, 5, 5, 5, 5, 5, 5 };
	static const uint64_t seq[17] = { 10, 11, 12, 13, 14, 50, 51,
					  100, 101, 102, 103, 104, 105, 106,
					  107, 108, 109 };
	struct fake fk;
	struct tern_nl *nl = fake_start(&fk);
	struct order_log log = { 0 };
	struct events ev = { .nl = nl, .where = nl };
	struct nl_msg *m[4] = {
		frame_recv(0, 3, 10, 3, 2),
		frame_recv(0, 3, 13, 2, 200),
		fake_msg(TERN_CMD_CONN_WRITABLE, 0, 0),
		frame_recv(0, 4, 50, 2, 2),
	};
	int i, n;

	nla_put_u32(m[2], TERN_A_CONN_ID, 3);
	fake_set(&fk, h_ack_order, &log);
	fake_send_many(&fk, m, 4);
	for (i = 0; i < 20 && ev.nf < 17; i++) {
		n = tern_nl_process(nl, &ev_ops, &ev, 500);
		CHECK(n >= 0);
		if (n < 0)
			break;
	}
	CHECK_EQ(ev.nf, 17);
	CHECK_EQ(ev.acked, 17);
	CHECK_EQ(log.nacks, 17);
	CHECK_EQ(ev.n, 18);	/* and the conn-writable, in its place */
	CHECK_STR(ev.log[5], "writable 3 cookie 0");
	for (i = 0; i < 17; i++) {
		CHECK_EQ(ev.fconn[i], conn[i]);
		CHECK_EQ(ev.fseq[i], seq[i]);
		CHECK_EQ(log.conn[i], conn[i]);
		CHECK_EQ(log.seq[i], seq[i]);
	}
	CHECK_EQ(ev.bad_data, 0);
	/* The first datagram's frames went out in place, acks and all; the
	 * notifications the acks read were queued.
	 */
	CHECK_EQ(ev.in_rbuf, 7);
	CHECK_EQ(tern_nl_process(nl, &ev_ops, &ev, 0), 0);
	fake_stop(&fk, nl);
}

/* A callback that calls tern_nl_process() again: the nested call carries
 * on with the next frame of the same message, then the rest of the
 * datagram, then reads the socket without overwriting the frame its
 * caller holds.
 */
TEST(nested_process)
{
	struct fake fk;
	struct tern_nl *nl = fake_start(&fk);
	struct events ev = { .where = nl, .nest_at = 1 };
	struct nl_msg *m[2] = {
		frame_recv(0, 3, 1, 3, 20), frame_recv(0, 3, 4, 2, 20),
	};
	int i;

	fake_send_many(&fk, m, 2);
	fake_send(&fk, frame_recv(0, 3, 6, 1, 20));
	CHECK_EQ(tern_nl_process(nl, &ev_ops, &ev, 1000), 1);
	CHECK_EQ(ev.nested, 2);
	CHECK(ev.intact);
	CHECK_EQ(ev.nf, 6);
	for (i = 0; i < 6; i++)
		CHECK_EQ(ev.fseq[i], i + 1);
	CHECK_EQ(ev.bad_data, 0);
	CHECK_EQ(tern_nl_process(nl, &ev_ops, &ev, 0), 0);
	fake_stop(&fk, nl);
}

/* Two notifications before the ack: the first stays in place, the second
 * is queued.
 */
static void h_two_ntf(struct fake *fk, const struct nlmsghdr *req)
{
	fake_send(fk, frame_recv(0, 3, 1, 1, 20));
	fake_send(fk, frame_recv(0, 3, 2, 2, 20));
	fake_ack(fk, req, 0, NULL, -1, -1, -1);
}

/* The same from a queued copy: the nested call finishes the copy, which
 * must outlive the callback that holds one of its frames (ASan says).
 */
TEST(nested_process_queued)
{
	struct fake fk;
	struct tern_nl *nl = fake_start(&fk);
	struct events ev = { .where = nl, .nest_at = 2 };
	int i;

	fake_set(&fk, h_two_ntf, NULL);
	CHECK_EQ(tern_nl_conn_del(nl, 3), 0);
	CHECK_EQ(nl->nqueued, 1);
	CHECK_EQ(tern_nl_process(nl, &ev_ops, &ev, 0), 2);
	CHECK_EQ(ev.nested, 0);
	CHECK(ev.intact);
	CHECK_EQ(ev.nf, 3);
	for (i = 0; i < 3; i++)
		CHECK_EQ(ev.fseq[i], i + 1);
	CHECK(nl->retired == NULL);
	CHECK_EQ(ev.bad_data, 0);
	fake_stop(&fk, nl);
}

/* One more notification, then the ack. */
static void h_ntf_ack(struct fake *fk, const struct nlmsghdr *req)
{
	fake_send(fk, frame_recv(0, 3, 3, 1, 5));
	fake_ack(fk, req, 0, NULL, -1, -1, -1);
}

/* Notifications waiting on the socket before a request, read by the
 * request (whether it drains the socket first or not) come first, those
 * that came with the reply after them.
 */
TEST(request_reads_notifications)
{
	struct fake fk;
	struct tern_nl *nl = fake_start(&fk);
	struct events ev = { .where = nl };
	int round, i;

	fake_set(&fk, h_ntf_ack, NULL);
	for (round = 0; round < 2; round++) {
		nl->always_drain = round;
		memset(&ev, 0, sizeof(ev));
		ev.where = nl;
		fake_send(&fk, frame_recv(0, 3, 1, 1, 5));
		fake_send(&fk, frame_recv(0, 3, 2, 1, 5));
		CHECK_EQ(tern_nl_conn_del(nl, 3), 0);
		CHECK_EQ(nl->nqueued, 2);
		CHECK_EQ(tern_nl_process(nl, &ev_ops, &ev, 0), 3);
		CHECK_EQ(ev.nf, 3);
		for (i = 0; i < 3; i++)
			CHECK_EQ(ev.fseq[i], i + 1);
		/* The first without a copy: the buffers traded places. */
		CHECK_EQ(ev.in_rbuf, 1);
		CHECK_EQ(ev.bad_data, 0);
	}
	fake_stop(&fk, nl);
}

/* --- dumps ------------------------------------------------------------- */

struct dump_ctx {
	int n;
	uint32_t ids[32];
	int stop_at;
	struct tern_nl *nl;
	int inner;
};

static int dump_cb(const struct tern_conn_info *info, void *arg)
{
	struct dump_ctx *d = arg;
	struct tern_conn_info tmp;

	if (d->n < 32)
		d->ids[d->n] = info->id;
	d->n++;
	if (d->nl)
		d->inner = tern_nl_conn_get(d->nl, 1, &tmp);
	if (d->stop_at && d->n == d->stop_at)
		return 1;
	return 0;
}

struct dump_plan {
	int intr;		/* set NLM_F_DUMP_INTR */
	int done_err;
	char tag[40];
	bool dump_flag;
};

static void h_dump(struct fake *fk, const struct nlmsghdr *req)
{
	struct dump_plan *plan = fk->priv;
	struct nlattr *tb[TERN_A_MAX + 1];
	struct nl_msg *m[4];
	uint32_t id = 1;
	int i, j;

	fake_parse(req, tb);
	plan->dump_flag = (req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	snprintf(plan->tag, sizeof(plan->tag), "%s",
		 tb[TERN_A_OWNER_TAG] ? nla_get_string(tb[TERN_A_OWNER_TAG]) :
		 "(none)");
	/* Five datagrams of four connections each, a notification among
	 * them, then DONE.
	 */
	for (i = 0; i < 5; i++) {
		for (j = 0; j < 4; j++) {
			m[j] = fake_msg(TERN_CMD_CONN_GET, req_seq(req),
					NLM_F_MULTI |
					(plan->intr && i == 3 ?
					 NLM_F_DUMP_INTR : 0));
			put_info(m[j], id++, "mail");
		}
		fake_send_many(fk, m, 4);
		if (i == 2)
			fake_send(fk, conn_down(0, 99, "mail"));
	}
	fake_done(fk, req, plan->done_err, 0);
}

TEST(dump)
{
	struct fake fk;
	struct tern_nl *nl = fake_start(&fk);
	struct dump_plan plan = { 0 };
	struct dump_ctx d = { 0 };
	struct events ev = { 0 };
	struct tern_conn_info info;
	int i;

	fake_set(&fk, h_dump, &plan);
	CHECK_EQ(tern_nl_conn_dump(nl, "mail", dump_cb, &d), 0);
	CHECK_EQ(d.n, 20);
	for (i = 0; i < 20; i++)
		CHECK_EQ(d.ids[i], i + 1);
	CHECK_STR(plan.tag, "mail");
	CHECK(plan.dump_flag);
	/* The notification stays where it was read, the next is queued. */
	CHECK_EQ(nl->nqueued, 0);
	CHECK(nl->cur.off < nl->cur.end);

	/* Stopping early still reads the dump to its end. */
	memset(&d, 0, sizeof(d));
	d.stop_at = 6;
	CHECK_EQ(tern_nl_conn_dump(nl, NULL, dump_cb, &d), 0);
	CHECK_EQ(d.n, 6);
	CHECK_STR(plan.tag, "(none)");
	CHECK_EQ(nl->nqueued, 1);

	/* A request from the callback is refused, not interleaved. */
	memset(&d, 0, sizeof(d));
	d.nl = nl;
	d.stop_at = 1;
	CHECK_EQ(tern_nl_conn_dump(nl, NULL, dump_cb, &d), 0);
	CHECK_EQ(d.inner, -EBUSY);

	memset(&d, 0, sizeof(d));
	plan.intr = 1;
	CHECK_EQ(tern_nl_conn_dump(nl, NULL, dump_cb, &d), -EAGAIN);
	CHECK(strstr(tern_nl_error(nl), "try again"));
	plan.intr = 0;

	memset(&d, 0, sizeof(d));
	plan.done_err = -ENOMEM;
	CHECK_EQ(tern_nl_conn_dump(nl, NULL, dump_cb, &d), -ENOMEM);
	plan.done_err = 0;

	/* The socket is still in step: a plain request works. */
	fake_set(&fk, h_conn_get, NULL);
	CHECK_EQ(tern_nl_conn_get(nl, 5, &info), 0);
	check_info(_metadata, &info, 5, "mail");

	CHECK_EQ(tern_nl_conn_dump(nl, "", dump_cb, &d), -EINVAL);
	CHECK_EQ(tern_nl_process(nl, &ev_ops, &ev, 0), 5 + 3);
	fake_stop(&fk, nl);
}

/* --- adopt and detach -------------------------------------------------- */

static void h_adopt(struct fake *fk, const struct nlmsghdr *req)
{
	struct nl_msg *msg;

	record(req, fk->priv);
	/* The replay of unacked frames can come before the reply. */
	fake_send(fk, frame_recv(0, 12, 1, 3, 8));
	msg = fake_msg(TERN_CMD_CONN_ADOPT, req_seq(req), 0);
	nla_put_u32(msg, TERN_A_COUNT, 2);
	fake_send(fk, msg);
	fake_ack(fk, req, 0, NULL, -1, -1, -1);
}

static void h_detach(struct fake *fk, const struct nlmsghdr *req)
{
	struct nl_msg *msg;

	record(req, fk->priv);
	if (((struct seen *)fk->priv)->u32[TERN_A_CONN_ID] == 13) {
		fake_ack(fk, req, -EAGAIN, "frames are held", -1, -1, -1);
		return;
	}
	msg = fake_msg(TERN_CMD_CONN_DETACH, req_seq(req), 0);
	nla_put_s32(msg, TERN_A_FD, 17);
	fake_send(fk, msg);
	fake_ack(fk, req, 0, NULL, -1, -1, -1);
}

TEST(adopt_detach)
{
	struct fake fk;
	struct tern_nl *nl = fake_start(&fk);
	struct events ev = { 0 };
	struct seen s;
	uint32_t count = 0;
	int fd = -1;

	fake_set(&fk, h_adopt, &s);
	CHECK_EQ(tern_nl_conn_adopt(nl, "mail", 0, 0, &count), 0);
	CHECK_EQ(count, 2);
	CHECK_STR(s.tag, "mail");
	CHECK(!s.has[TERN_A_CONN_ID]);
	CHECK(!s.has[TERN_A_GRACE]);
	CHECK_EQ(tern_nl_conn_adopt(nl, "mail", 12, 700, &count), 0);
	CHECK_EQ(s.u32[TERN_A_CONN_ID], 12);
	CHECK_EQ(s.u32[TERN_A_GRACE], 700);
	CHECK_EQ(tern_nl_process(nl, &ev_ops, &ev, 0), 2);
	CHECK_EQ(ev.n, 6);

	fake_set(&fk, h_detach, &s);
	CHECK_EQ(tern_nl_conn_detach(nl, 12, &fd), 0);
	CHECK_EQ(fd, 17);
	CHECK_EQ(s.cmd, TERN_CMD_CONN_DETACH);
	CHECK_EQ(tern_nl_conn_detach(nl, 13, &fd), -EAGAIN);
	CHECK_STR(tern_nl_error(nl), "frames are held");
	fake_stop(&fk, nl);
}

/* --- frame-send -------------------------------------------------------- */

/* A kernel whose connection 1 takes 5 frames in all, which has no
 * connection 2, and whose other connections take everything.
 */
struct send_sim {
	int nreq;
	size_t max_attrs;	/* largest request seen, in attribute bytes */
	int nframes_max;	/* most frames in one request */
	uint32_t got[8];	/* frames taken, per connection */
	uint32_t offered[8];	/* frames offered, per connection */
	uint32_t next_data[8];	/* the payload counter expected next */
	bool order_ok;
	bool bad_type;
	int lie;		/* 1: report more queued than sent */
};

static void h_send(struct fake *fk, const struct nlmsghdr *req)
{
	struct send_sim *sim = fk->priv;
	struct genlmsghdr *g = nlmsg_data(req);
	struct nlattr *a, *tb[TERN_FRAME_A_MAX + 1], *r;
	uint32_t queued[8] = { 0 }, inreq[8] = { 0 }, refused[8] = { 0 };
	bool seen[8] = { false };
	uint32_t order[8], norder = 0, i, id, ctr;
	struct nl_msg *msg;
	int rem, nframes = 0;

	sim->nreq++;
	if ((size_t)genlmsg_attrlen(g, 0) > sim->max_attrs)
		sim->max_attrs = genlmsg_attrlen(g, 0);
	nla_for_each_attr(a, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0),
			  rem) {
		nframes++;
		nla_parse_nested(tb, TERN_FRAME_A_MAX, a, NULL);
		id = nla_get_u32(tb[TERN_FRAME_A_CONN_ID]) & 7;
		if (nla_get_u8(tb[TERN_FRAME_A_TYPE]) < TERN_FRAME_USER_MIN)
			sim->bad_type = true;
		if (!seen[id]) {
			seen[id] = true;
			order[norder++] = id;
		}
		inreq[id]++;
		sim->offered[id]++;
		memcpy(&ctr, nla_data(tb[TERN_FRAME_A_DATA]), sizeof(ctr));
		if (ctr != sim->next_data[id])
			sim->order_ok = false;
		sim->next_data[id] = ctr + 1;
		if (refused[id])
			continue;
		if (id == 2) {
			refused[id] = ENOENT;
		} else if (id == 1 && sim->got[1] >= 5) {
			refused[id] = EAGAIN;
		} else {
			sim->got[id]++;
			queued[id]++;
		}
	}
	if (nframes > sim->nframes_max)
		sim->nframes_max = nframes;
	msg = fake_msg(TERN_CMD_FRAME_SEND, req_seq(req), 0);
	for (i = 0; i < norder; i++) {
		id = order[i];
		r = nla_nest_start(msg, TERN_A_RESULT | NLA_F_NESTED);
		nla_put_u32(msg, TERN_RESULT_A_CONN_ID, id);
		nla_put_u32(msg, TERN_RESULT_A_QUEUED,
			    queued[id] + (sim->lie && i == 0));
		if (refused[id])
			nla_put_u32(msg, TERN_RESULT_A_ERROR, refused[id]);
		nla_nest_end(msg, r);
	}
	fake_send(fk, msg);
	fake_ack(fk, req, 0, NULL, -1, -1, -1);
}

TEST(frame_send)
{
	struct fake fk;
	struct tern_nl *nl = fake_start(&fk);
	struct send_sim sim = { .order_ok = true };
	enum { N = 60, LEN = 3000 };
	struct tern_frame_out *f = calloc(N, sizeof(*f));
	struct tern_send_result res[N];
	uint32_t ctr[8] = { 0 }, *payload = calloc(N, LEN);
	size_t nres = 99, i;

	/* Connections 3, 1, 2, 4 in turn; 4 KiB of counters each. */
	for (i = 0; i < N; i++) {
		static const uint32_t ids[] = { 3, 1, 2, 4 };
		uint32_t id = ids[i % 4];
		uint32_t *p = (uint32_t *)((char *)payload + i * LEN);

		p[0] = ctr[id]++;
		f[i] = (struct tern_frame_out) {
			.conn_id = id, .type = 16 + i % 3, .flags = i,
			.data = p, .len = LEN,
		};
	}
	fake_set(&fk, h_send, &sim);
	CHECK_EQ(tern_nl_frame_send(nl, f, N, res, &nres), 0);
	CHECK_EQ(nres, 4);
	CHECK_EQ(res[0].conn_id, 3);
	CHECK_EQ(res[0].queued, 15);
	CHECK_EQ(res[0].error, 0);
	CHECK_EQ(res[1].conn_id, 1);
	CHECK_EQ(res[1].queued, 5);
	CHECK_EQ(res[1].error, -EAGAIN);
	CHECK_EQ(res[2].conn_id, 2);
	CHECK_EQ(res[2].queued, 0);
	CHECK_EQ(res[2].error, -ENOENT);
	CHECK_EQ(res[3].conn_id, 4);
	CHECK_EQ(res[3].queued, 15);
	/* Ten 3 KB frames fit in a request. The first has 3, 1, 2, 4, 3,
	 * 1, 2, 4, 3, 1: 2 is refused. The second skips 2 and ends 1's
	 * frames with its sixth, refused. 18 frames of 3 and 4 are left
	 * for two more.
	 */
	CHECK_EQ(sim.nframes_max, 10);
	CHECK_EQ(sim.nreq, 4);
	CHECK_EQ(sim.offered[2], 2);
	CHECK_EQ(sim.offered[1], 6);
	CHECK_EQ(sim.offered[3], 15);
	CHECK_EQ(sim.offered[4], 15);
	CHECK(sim.max_attrs <= TERN_NL_BATCH_BYTES);
	CHECK(sim.order_ok);
	CHECK(!sim.bad_type);
	CHECK(!fk.bad_nest);

	/* One frame of the largest size goes alone. */
	memset(&sim, 0, sizeof(sim));
	sim.order_ok = true;
	{
		char *big = calloc(1, TERN_FRAME_MAX_PAYLOAD);
		struct tern_frame_out two[2] = {
			{ .conn_id = 5, .type = 16, .data = big,
			  .len = TERN_FRAME_MAX_PAYLOAD },
			{ .conn_id = 5, .type = 16, .data = big,
			  .len = TERN_FRAME_MAX_PAYLOAD },
		};

		memset(big, 0, 4);
		((uint32_t *)big)[0] = 0;
		CHECK_EQ(tern_nl_frame_send(nl, two, 1, res, &nres), 0);
		((uint32_t *)big)[0] = 1;
		CHECK_EQ(tern_nl_frame_send(nl, two + 1, 1, res, &nres), 0);
		CHECK_EQ(sim.nreq, 2);
		CHECK_EQ(res[0].queued, 1);
		CHECK(sim.max_attrs > TERN_FRAME_MAX_PAYLOAD);

		two[0].len = TERN_FRAME_MAX_PAYLOAD + 1;
		CHECK_EQ(tern_nl_frame_send(nl, two, 2, res, &nres), -EMSGSIZE);
		two[0].len = 1;
		two[1].type = TERN_FRAME_PONG;
		CHECK_EQ(tern_nl_frame_send(nl, two, 2, res, &nres), -EINVAL);
		CHECK(strstr(tern_nl_error(nl), "frame 1: type 2 is reserved"));
		CHECK_EQ(sim.nreq, 2);
		free(big);
	}

	/* A kernel that claims more than was sent. */
	memset(&sim, 0, sizeof(sim));
	sim.order_ok = true;
	sim.lie = 1;
	memset(ctr, 0, sizeof(ctr));
	CHECK_EQ(tern_nl_frame_send(nl, f, 4, res, &nres), -EBADMSG);
	CHECK(strstr(tern_nl_error(nl), "inconsistent"));

	CHECK_EQ(tern_nl_frame_send(nl, f, 0, res, &nres), 0);
	CHECK_EQ(nres, 0);
	free(f);
	free(payload);
	fake_stop(&fk, nl);
}

/* A refusal in the request extack names the frame. */
static void h_send_einval(struct fake *fk, const struct nlmsghdr *req)
{
	struct genlmsghdr *g = nlmsg_data(req);
	struct nlattr *a;
	int rem, nth = 0, off = -1;

	nla_for_each_attr(a, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0),
			  rem) {
		if (nth++ == 2) {
			struct nlattr *in = nla_find(nla_data(a), nla_len(a),
						     TERN_FRAME_A_TYPE);

			off = (char *)in - (char *)req;
		}
	}
	fake_ack(fk, req, -EINVAL, "type is reserved", off, -1, -1);
}

static void h_send_miss(struct fake *fk, const struct nlmsghdr *req)
{
	fake_ack(fk, req, -EINVAL, NULL, -1, TERN_FRAME_A_DATA,
		 fake_attr_off(req, TERN_A_FRAME, 1));
}

TEST(frame_send_extack)
{
	struct fake fk;
	struct tern_nl *nl = fake_start(&fk);
	struct tern_frame_out f[4];
	struct tern_send_result res[4];
	size_t nres, i;

	for (i = 0; i < 4; i++)
		f[i] = (struct tern_frame_out) {
			.conn_id = 1, .type = 20, .data = "abc", .len = 3,
		};
	fake_set(&fk, h_send_einval, NULL);
	CHECK_EQ(tern_nl_frame_send(nl, f, 4, res, &nres), -EINVAL);
	CHECK_STR(tern_nl_error(nl), "frame[2].type: type is reserved");
	CHECK_EQ(nres, 1);
	CHECK_EQ(res[0].queued, 0);
	fake_set(&fk, h_send_miss, NULL);
	CHECK_EQ(tern_nl_frame_send(nl, f, 4, res, &nres), -EINVAL);
	CHECK_STR(tern_nl_error(nl), "missing attribute data in frame[1]");
	fake_stop(&fk, nl);
}

/* --- frame-ack --------------------------------------------------------- */

struct ack_sim {
	int nreq;
	size_t max_attrs;
	int nacks;
	bool in_order;
};

static void h_acks(struct fake *fk, const struct nlmsghdr *req)
{
	struct ack_sim *sim = fk->priv;
	struct genlmsghdr *g = nlmsg_data(req);
	struct nlattr *a, *tb[TERN_ACK_A_MAX + 1];
	int rem;

	sim->nreq++;
	if ((size_t)genlmsg_attrlen(g, 0) > sim->max_attrs)
		sim->max_attrs = genlmsg_attrlen(g, 0);
	nla_for_each_attr(a, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0),
			  rem) {
		nla_parse_nested(tb, TERN_ACK_A_MAX, a, NULL);
		if (nla_type(a) != TERN_A_ACK ||
		    nla_get_u32(tb[TERN_ACK_A_CONN_ID]) != (uint32_t)sim->nacks % 7 ||
		    nla_get_u64(tb[TERN_ACK_A_SEQ]) != (1ULL << 40) + sim->nacks)
			sim->in_order = false;
		sim->nacks++;
	}
	fake_ack(fk, req, 0, NULL, -1, -1, -1);
}

TEST(frame_ack)
{
	struct fake fk;
	struct tern_nl *nl = fake_start(&fk);
	struct ack_sim sim = { .in_order = true };
	enum { N = 3000 };
	struct tern_ack *acks = calloc(N, sizeof(*acks));
	int i;

	for (i = 0; i < N; i++)
		acks[i] = (struct tern_ack) {
			.conn_id = i % 7, .seq = (1ULL << 40) + i,
		};
	fake_set(&fk, h_acks, &sim);
	CHECK_EQ(tern_nl_frame_ack(nl, acks, N), 0);
	CHECK_EQ(sim.nacks, N);
	CHECK(sim.in_order);
	CHECK_EQ(sim.nreq, 3);
	CHECK(sim.max_attrs <= TERN_NL_BATCH_BYTES);
	CHECK(!fk.bad_nest);
	CHECK_EQ(tern_nl_frame_ack(nl, acks, 0), 0);
	CHECK_EQ(sim.nreq, 3);
	free(acks);
	fake_stop(&fk, nl);
}

/* --- misc -------------------------------------------------------------- */

TEST(names)
{
	CHECK_STR(tern_reason_name(TERN_REASON_TLS_ALERT), "tls-alert");
	CHECK_STR(tern_reason_name(TERN_REASON_DELETED), "deleted");
	CHECK_STR(tern_reason_name(0), "none");
	CHECK_STR(tern_reason_name(99), "unknown");
	CHECK_STR(tern_reason_name(-1), "unknown");
	CHECK_STR(tern_state_name(TERN_STATE_DOWN), "down");
	CHECK_STR(tern_state_name(0), "unknown");
	CHECK_STR(tern_role_name(TERN_ROLE_INITIATOR), "initiator");
	CHECK_STR(tern_role_name(3), "unknown");
	CHECK_STR(tern_attr_name(TERN_SET_STATS, TERN_STATS_A_TXQ_BYTES),
		  "txq-bytes");
	CHECK(tern_attr_name(TERN_SET_CONN, TERN_A_MAX + 1) == NULL);
}

TEST(subscribe_and_real_open)
{
	struct tern_nl *nl;
	int err;

	/* On a host without tern.ko the real open says so. */
	err = tern_nl_open(&nl);
	if (err == 0) {
		tern_nl_close(nl);
	} else {
		CHECK_EQ(err, -ENOENT);
		CHECK(nl == NULL);
	}
	tern_nl_close(NULL);
}

TEST(nested_flag)
{
	struct tern_nl *nl;
	struct nl_msg *msg;
	struct nlattr *n;

	CHECK_EQ(tern_nl_open_fd(&nl, -1, FAKE_FAMILY, -1, 1), 0);
	msg = tern_nl_msg_new(nl, TERN_CMD_FRAME_ACK, 64);
	n = tern_nl_nest_start(msg, TERN_A_ACK);
	CHECK(n && (n->nla_type & NLA_F_NESTED));
	CHECK_EQ(nla_type(n), TERN_A_ACK);
	nlmsg_free(msg);
	CHECK_EQ(tern_nl_subscribe(nl), -ENOENT);
	CHECK(strstr(tern_nl_error(nl), "multicast group"));
	tern_nl_close(nl);
}

TEST_HARNESS_MAIN
