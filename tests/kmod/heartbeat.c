// SPDX-License-Identifier: GPL-2.0
/*
 * Heartbeats and liveness in tern.ko: PING/PONG answered in the kernel and
 * never delivered up, no PING while traffic flows, a userspace peer that
 * answers (or sends) heartbeats by hand, initiators and responders ending
 * silent connections with reason timeout, and conn-set of the interval on a
 * live connection.
 *
 * Every test runs over plain TCP and kTLS, IPv4 and IPv6. Timing bounds are
 * generous, and whoever must answer in time gets several hundred
 * milliseconds: the VM runs under TCG, on a host that may stall it.
 */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "common.h"

#define WAIT_MS		20000
#define SLOW_MS		5000	/* upper bound on a deadline being noticed */

FIXTURE(hb) {
	struct tern_nl *nl;
	struct rx_log log;
	int fds[2];
	uint32_t id[2];
	char tag[32];
};

FIXTURE_VARIANT(hb) {
	int family;
	bool tls;
};

FIXTURE_VARIANT_ADD(hb, plain_ipv4) {
	.family = AF_INET,
	.tls = false,
};

FIXTURE_VARIANT_ADD(hb, plain_ipv6) {
	.family = AF_INET6,
	.tls = false,
};

FIXTURE_VARIANT_ADD(hb, ktls_ipv4) {
	.family = AF_INET,
	.tls = true,
};

FIXTURE_VARIANT_ADD(hb, ktls_ipv6) {
	.family = AF_INET6,
	.tls = true,
};

FIXTURE_SETUP(hb)
{
	int err;

	memset(&self->log, 0, sizeof(self->log));
	self->fds[0] = -1;
	self->fds[1] = -1;
	self->id[0] = 0;
	self->id[1] = 0;
	snprintf(self->tag, sizeof(self->tag), "heartbeat-%d", getpid());

	err = tern_nl_open(&self->nl);
	ASSERT_EQ(0, err) TH_LOG("tern_nl_open: %s", strerror(-err));
	ASSERT_EQ(0, tern_nl_subscribe(self->nl));
	if (variant->tls)
		err = ktls_pair(variant->family, self->fds);
	else
		err = tcp_pair(variant->family, self->fds);
	ASSERT_EQ(0, err) TH_LOG("socket pair: %s", strerror(-err));
}

FIXTURE_TEARDOWN(hb)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (self->id[i])
			tern_nl_conn_del(self->nl, self->id[i]);
		if (self->fds[i] >= 0)
			close(self->fds[i]);
	}
	rx_log_free(&self->log);
	tern_nl_close(self->nl);
}

/* Hand end @i to tern.ko with heartbeat interval @hb_ms (0: default) and
 * liveness timeout @timeout_ms (0: derived).
 */
static void add_conn(struct __test_metadata *_metadata, FIXTURE_DATA(hb) *self,
		     const FIXTURE_VARIANT(hb) *variant, int i,
		     enum tern_role role, uint32_t hb_ms, uint32_t timeout_ms)
{
	struct tern_conn_params p = {
		.hb_interval_ms = hb_ms,
		.timeout_ms = timeout_ms,
		.grace_ms = 0,
		.given = TERN_P_GRACE,
	};
	int err;

	err = conn_new_fd(self->nl, self->fds[i], !variant->tls, role,
			  self->tag, &p, &self->id[i]);
	ASSERT_EQ(0, err) TH_LOG("conn-new: %s", tern_nl_error(self->nl));
}

static void get_info(struct __test_metadata *_metadata, struct tern_nl *nl,
		     uint32_t id, struct tern_conn_info *info)
{
	int err = tern_nl_conn_get(nl, id, info);

	ASSERT_EQ(0, err) TH_LOG("conn-get %u: %s", id, tern_nl_error(nl));
}

/* Process notifications for @ms milliseconds. */
static void idle(struct tern_nl *nl, struct rx_log *log, int ms)
{
	uint64_t end = now_ms() + ms;

	while (now_ms() < end)
		rx_log_poll(nl, log, (int)(end - now_ms()));
}

/*
 * An initiator pinging every 100 ms and a responder answering: PINGs are
 * sent and answered, the RTT is measured, and the owner sees nothing at
 * all. The responder, whose timeout is 1 s, stays up for 2.5 s only because
 * the PINGs count as signs of life.
 */
TEST_F(hb, ping_pong)
{
	struct tern_conn_info a, b, a2;

	add_conn(_metadata, self, variant, 0, TERN_ROLE_INITIATOR, 100, 1000);
	add_conn(_metadata, self, variant, 1, TERN_ROLE_RESPONDER, 0, 1000);
	idle(self->nl, &self->log, 2500);

	/* PINGs go on meanwhile: read the initiator, the responder, and the
	 * initiator again.
	 */
	get_info(_metadata, self->nl, self->id[0], &a);
	get_info(_metadata, self->nl, self->id[1], &b);
	get_info(_metadata, self->nl, self->id[0], &a2);
	TH_LOG("initiator: %llu sent, %llu answered, rtt %u us; responder answered %llu",
	       (unsigned long long)a.stats.hb_sent,
	       (unsigned long long)a.stats.hb_answered, a.stats.rtt_us,
	       (unsigned long long)b.stats.pings_answered);
	EXPECT_EQ(TERN_STATE_ESTABLISHED, a.state);
	EXPECT_EQ(TERN_STATE_ESTABLISHED, b.state);
	EXPECT_EQ(100, a.hb_interval_ms);
	EXPECT_EQ(1000, a.timeout_ms);
	EXPECT_EQ(1000, b.timeout_ms);
	EXPECT_LE(5, a.stats.hb_sent);
	EXPECT_LE(5, a.stats.hb_answered);
	EXPECT_GE(a.stats.hb_sent, a.stats.hb_answered);
	EXPECT_LE(a.stats.hb_sent - 1, a.stats.hb_answered);
	EXPECT_LE(a.stats.hb_answered, b.stats.pings_answered);
	EXPECT_GE(a2.stats.hb_sent, b.stats.pings_answered);
	EXPECT_LT(0, a.stats.rtt_us);
	EXPECT_GT(1000000, a.stats.rtt_us);
	EXPECT_EQ(0, b.stats.hb_sent);
	EXPECT_EQ(0, a.stats.pings_answered);

	/* Heartbeats are neither frames nor notifications. */
	EXPECT_EQ(0, a.stats.rx_frames);
	EXPECT_EQ(0, a.stats.tx_frames);
	EXPECT_EQ(0, b.stats.rx_frames);
	EXPECT_EQ(0, b.stats.tx_frames);
	EXPECT_EQ(0, self->log.nframes);
	EXPECT_EQ(0, self->log.nmsgs);
	EXPECT_EQ(0, self->log.ndowns);
}

/*
 * While the peer sends a frame every 20 ms or less, an initiator with a
 * 500 ms interval has no reason to PING; once the traffic stops it does.
 */
TEST_F(hb, no_ping_while_busy)
{
	static const uint8_t payload[32];
	struct tern_frame_out f = {
		.type = 16,
		.data = payload,
		.len = sizeof(payload),
	};
	struct tern_send_result res;
	struct tern_conn_info a;
	unsigned int sent = 0;
	uint64_t end;
	size_t nres;

	add_conn(_metadata, self, variant, 0, TERN_ROLE_INITIATOR, 500, 2000);
	add_conn(_metadata, self, variant, 1, TERN_ROLE_RESPONDER, 0, 0);
	f.conn_id = self->id[1];

	end = now_ms() + 2000;
	while (now_ms() < end) {
		ASSERT_EQ(0, tern_nl_frame_send(self->nl, &f, 1, &res, &nres));
		ASSERT_EQ(1, res.queued);
		sent++;
		rx_log_poll(self->nl, &self->log, 20);
		ASSERT_EQ(0, rx_log_ack(self->nl, &self->log, self->id[0]));
	}
	ASSERT_TRUE(rx_log_wait(self->nl, &self->log, self->id[0], sent,
				WAIT_MS));
	get_info(_metadata, self->nl, self->id[0], &a);
	TH_LOG("%u frames in 2 s, %llu PINGs", sent,
	       (unsigned long long)a.stats.hb_sent);
	EXPECT_LE(1, a.stats.rx_frames);
	EXPECT_GE(1, a.stats.hb_sent);

	/* Quiet now: heartbeats resume. */
	idle(self->nl, &self->log, 2000);
	get_info(_metadata, self->nl, self->id[0], &a);
	EXPECT_LE(2, a.stats.hb_sent);
	EXPECT_EQ(TERN_STATE_ESTABLISHED, a.state);
}

/* Read the next frame from a userspace peer, which must be a PING. */
static int read_ping(struct __test_metadata *_metadata, int fd, uint8_t *tok)
{
	uint8_t type, hdr[TERN_FRAME_HDR_LEN];
	uint16_t flags;
	int len;

	len = frame_read(fd, &type, &flags, tok, TERN_HB_MAX_PAYLOAD, hdr,
			 SLOW_MS);
	EXPECT_LE(0, len) TH_LOG("reading a PING: %s", strerror(-len));
	if (len < 0)
		return len;
	EXPECT_EQ(TERN_FRAME_VERSION, hdr[0]);
	EXPECT_EQ(TERN_FRAME_PING, type);
	EXPECT_EQ(0, flags);
	EXPECT_LT(0, len);
	EXPECT_GE(TERN_HB_MAX_PAYLOAD, len);
	return len;
}

/*
 * A userspace peer answers the module's PINGs by hand: each carries a new
 * token, comes an interval after the last answer, and the PONG echoing it
 * counts as answered. A PONG with another token does not. The module, an
 * initiator, also answers the peer's own PING.
 */
TEST_F(hb, userspace_answers_pings)
{
	uint8_t tok[TERN_HB_MAX_PAYLOAD], prev[TERN_HB_MAX_PAYLOAD];
	uint8_t type, pong[TERN_HB_MAX_PAYLOAD];
	const uint8_t mine[5] = "hello";
	struct tern_conn_info a;
	int peer, len, prev_len = 0, i;
	uint64_t t, last = 0;
	uint16_t flags;

	add_conn(_metadata, self, variant, 0, TERN_ROLE_INITIATOR, 100, 1000);
	peer = self->fds[1];

	for (i = 0; i < 5; i++) {
		len = read_ping(_metadata, peer, tok);
		ASSERT_LT(0, len);
		t = now_ms();
		if (i) {
			/* Tokens differ; the PING waits out the interval
			 * (less at most an eighth) since the last answer.
			 */
			EXPECT_FALSE(len == prev_len &&
				     !memcmp(tok, prev, len));
			EXPECT_LE(75, t - last) TH_LOG("PING %d after %llu ms",
						       i, (unsigned long long)(t - last));
		}
		memcpy(prev, tok, len);
		prev_len = len;
		last = now_ms();	/* before the PONG can arrive */
		ASSERT_EQ(0, frame_write(peer, TERN_FRAME_PONG, 0, tok, len));
	}

	/* The fifth PONG is counted once the module has read it. */
	t = now_ms() + SLOW_MS;
	do {
		get_info(_metadata, self->nl, self->id[0], &a);
	} while (a.stats.hb_answered < 5 && now_ms() < t);
	EXPECT_EQ(5, a.stats.hb_answered);
	EXPECT_LE(5, a.stats.hb_sent);
	EXPECT_GE(6, a.stats.hb_sent);
	EXPECT_LT(0, a.stats.rtt_us);

	/* A PONG that does not echo the last PING answers nothing, but it is
	 * traffic: the connection lives on and PINGs again.
	 */
	len = read_ping(_metadata, peer, tok);
	ASSERT_LT(0, len);
	tok[0] ^= 0xff;
	usleep(20 * 1000);	/* see traffic_answers_ping */
	ASSERT_EQ(0, frame_write(peer, TERN_FRAME_PONG, 0, tok, len));
	len = read_ping(_metadata, peer, tok);
	ASSERT_LT(0, len);
	ASSERT_EQ(0, frame_write(peer, TERN_FRAME_PONG, 0, tok, len));
	t = now_ms() + SLOW_MS;
	do {
		get_info(_metadata, self->nl, self->id[0], &a);
	} while (a.stats.hb_answered < 6 && now_ms() < t);
	EXPECT_EQ(TERN_STATE_ESTABLISHED, a.state);
	EXPECT_EQ(6, a.stats.hb_answered);

	/* The initiator answers a PING too. */
	ASSERT_EQ(0, frame_write(peer, TERN_FRAME_PING, 0, mine, sizeof(mine)));
	do {
		len = frame_read(peer, &type, &flags, pong, sizeof(pong), NULL,
				 SLOW_MS);
		ASSERT_LE(0, len);
		if (type == TERN_FRAME_PING)	/* answer and read on */
			ASSERT_EQ(0, frame_write(peer, TERN_FRAME_PONG, 0,
						 pong, len));
	} while (type == TERN_FRAME_PING);
	EXPECT_EQ(TERN_FRAME_PONG, type);
	EXPECT_EQ(0, flags);
	ASSERT_EQ(sizeof(mine), len);
	EXPECT_EQ(0, memcmp(mine, pong, sizeof(mine)));
	get_info(_metadata, self->nl, self->id[0], &a);
	EXPECT_EQ(1, a.stats.pings_answered);

	/* None of it reached the owner. */
	idle(self->nl, &self->log, 100);
	EXPECT_EQ(0, self->log.nframes);
	EXPECT_EQ(0, a.stats.rx_frames);
}

/*
 * Any traffic after a PING shows the peer is alive, not only the PONG: a
 * peer that answers every other PING with a data frame instead (right
 * away) keeps the connection up; the initiator PINGs again after the
 * timeout (500 ms) instead of ending it.
 */
TEST_F(hb, traffic_answers_ping)
{
	static const uint8_t data[4] = "data";
	uint8_t tok[TERN_HB_MAX_PAYLOAD];
	const struct rx_down *d;
	struct tern_conn_info a;
	int peer, len, i;

	add_conn(_metadata, self, variant, 0, TERN_ROLE_INITIATOR, 100, 500);
	peer = self->fds[1];
	for (i = 0; i < 10; i++) {
		len = read_ping(_metadata, peer, tok);
		if (len < 0) {
			d = rx_log_wait_down(self->nl, &self->log,
					     self->id[0], WAIT_MS);
			TH_LOG("no PING %d: the answer to PING %d was %s; conn-down reason %s",
			       i, i - 1, i % 2 ? "a data frame" : "a PONG",
			       d ? tern_reason_name(d->reason) : "none");
		}
		ASSERT_LT(0, len);
		if (i % 2) {
			ASSERT_EQ(0, frame_write(peer, TERN_FRAME_PONG, 0,
						 tok, len));
		} else {
			ASSERT_EQ(0, frame_write(peer, 16, 0, data,
						 sizeof(data)));
		}
	}
	ASSERT_TRUE(rx_log_wait(self->nl, &self->log, self->id[0], 5,
				WAIT_MS));
	get_info(_metadata, self->nl, self->id[0], &a);
	EXPECT_EQ(TERN_STATE_ESTABLISHED, a.state);
	EXPECT_LE(10, a.stats.hb_sent);
	EXPECT_EQ(5, a.stats.rx_frames);
	EXPECT_EQ(NULL, rx_log_down(&self->log, self->id[0]));
}

/*
 * A userspace peer PINGs a responder: each PONG echoes the payload, of any
 * length up to 16 bytes, with flags 0. An unsolicited PONG is dropped. No
 * frame is delivered.
 */
TEST_F(hb, module_answers_ping)
{
	static const uint8_t tok16[16] = "0123456789abcdef";
	const uint32_t lens[] = { 16, 0, 1, 8 };
	uint8_t hdr[TERN_FRAME_HDR_LEN], buf[32], type;
	struct tern_conn_info info;
	struct pollfd pfd;
	uint16_t flags;
	int peer, len;
	size_t i;

	add_conn(_metadata, self, variant, 0, TERN_ROLE_RESPONDER, 0, 0);
	peer = self->fds[1];

	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		ASSERT_EQ(0, frame_write(peer, TERN_FRAME_PING, (uint16_t)i,
					 tok16 + 16 - lens[i], lens[i]));
		len = frame_read(peer, &type, &flags, buf, sizeof(buf), hdr,
				 SLOW_MS);
		ASSERT_EQ((int)lens[i], len) TH_LOG("PONG %zu: %d", i, len);
		EXPECT_EQ(TERN_FRAME_VERSION, hdr[0]);
		EXPECT_EQ(TERN_FRAME_PONG, type);
		EXPECT_EQ(0, flags);
		EXPECT_EQ(0, memcmp(tok16 + 16 - lens[i], buf, lens[i]));
	}

	/* An unsolicited PONG: no answer, no delivery, no harm. */
	ASSERT_EQ(0, frame_write(peer, TERN_FRAME_PONG, 0, tok16, 8));
	pfd = (struct pollfd) { .fd = peer, .events = POLLIN };
	EXPECT_EQ(0, poll(&pfd, 1, 300));

	idle(self->nl, &self->log, 100);
	get_info(_metadata, self->nl, self->id[0], &info);
	EXPECT_EQ(TERN_STATE_ESTABLISHED, info.state);
	EXPECT_EQ(4, info.stats.pings_answered);
	EXPECT_EQ(0, info.stats.hb_sent);
	EXPECT_EQ(0, info.stats.hb_answered);
	EXPECT_EQ(0, info.stats.rx_frames);
	EXPECT_EQ(0, info.stats.tx_frames);
	EXPECT_EQ(0, self->log.nframes);
	EXPECT_EQ(0, self->log.nmsgs);
}

/*
 * Wait for conn-down of @id while a userspace peer reads and discards what
 * the module writes; count the PINGs among it. Returns the time of the
 * conn-down and checks the peer then sees the connection closed.
 */
static uint64_t discard_until_down(struct __test_metadata *_metadata,
				   FIXTURE_DATA(hb) *self, uint32_t id,
				   int peer, enum tern_reason want,
				   unsigned int *pings, size_t *bytes)
{
	const struct rx_down *d = NULL;
	uint64_t end = now_ms() + WAIT_MS, at;
	uint8_t buf[TERN_HB_MAX_PAYLOAD], type;
	uint16_t flags;
	int len;

	*pings = 0;
	*bytes = 0;
	while (!d && now_ms() < end) {
		struct pollfd pfd[2] = {
			{ .fd = tern_nl_fd(self->nl), .events = POLLIN },
			{ .fd = peer, .events = POLLIN },
		};

		poll(pfd, 2, 50);
		if (pfd[1].revents & POLLIN) {
			len = frame_read(peer, &type, &flags, buf, sizeof(buf),
					 NULL, SLOW_MS);
			if (len >= 0) {
				*bytes += TERN_FRAME_HDR_LEN + len;
				*pings += type == TERN_FRAME_PING;
			}
		}
		rx_log_poll(self->nl, &self->log, 0);
		d = rx_log_down(&self->log, id);
	}
	ASSERT_NE(NULL, d) TH_LOG("no conn-down for connection %u", id);
	at = d->at_ms;
	EXPECT_EQ(want, d->reason) TH_LOG("reason %s",
					  tern_reason_name(d->reason));
	EXPECT_STREQ(self->tag, d->owner_tag);

	/* The module shut the socket down: the peer reads EOF. */
	for (;;) {
		len = frame_read(peer, &type, &flags, buf, sizeof(buf), NULL,
				 SLOW_MS);
		if (len < 0)
			break;
		*pings += type == TERN_FRAME_PING;
	}
	EXPECT_EQ(-ENODATA, len);
	return at;
}

/*
 * An initiator (100 ms interval, so a 100 ms timeout) whose peer reads but
 * never answers: one PING, then conn-down with reason timeout after
 * interval + timeout, and the connection is gone.
 */
TEST_F(hb, initiator_timeout)
{
	struct tern_conn_info info;
	unsigned int pings;
	uint64_t t0, at;
	size_t bytes;

	t0 = now_ms();
	add_conn(_metadata, self, variant, 0, TERN_ROLE_INITIATOR, 100, 0);
	get_info(_metadata, self->nl, self->id[0], &info);
	EXPECT_EQ(100, info.timeout_ms);	/* the interval, when shorter */
	at = discard_until_down(_metadata, self, self->id[0], self->fds[1],
				TERN_REASON_TIMEOUT, &pings, &bytes);
	TH_LOG("down after %llu ms, %u PINGs", (unsigned long long)(at - t0),
	       pings);
	EXPECT_EQ(1, pings);
	EXPECT_LE(87 + 100 - 10, at - t0);	/* jiffies */
	EXPECT_GE(SLOW_MS, at - t0);
	EXPECT_EQ(-ENOENT, conn_wait_gone(self->nl, self->id[0], WAIT_MS));
	self->id[0] = 0;
}

/* The same with an explicit 600 ms timeout. */
TEST_F(hb, initiator_timeout_set)
{
	unsigned int pings;
	uint64_t t0, at;
	size_t bytes;

	t0 = now_ms();
	add_conn(_metadata, self, variant, 0, TERN_ROLE_INITIATOR, 100, 600);
	at = discard_until_down(_metadata, self, self->id[0], self->fds[1],
				TERN_REASON_TIMEOUT, &pings, &bytes);
	TH_LOG("down after %llu ms, %u PINGs", (unsigned long long)(at - t0),
	       pings);
	EXPECT_EQ(1, pings);
	EXPECT_LE(87 + 600 - 10, at - t0);
	EXPECT_GE(SLOW_MS, at - t0);
	self->id[0] = 0;
}

/*
 * A responder with a 200 ms interval whose peer says nothing: it never
 * PINGs and ends the connection after 1.5 intervals.
 */
TEST_F(hb, responder_timeout)
{
	struct tern_conn_info info;
	unsigned int pings;
	uint64_t t0, at;
	size_t bytes;

	t0 = now_ms();
	add_conn(_metadata, self, variant, 0, TERN_ROLE_RESPONDER, 200, 0);
	get_info(_metadata, self->nl, self->id[0], &info);
	EXPECT_EQ(300, info.timeout_ms);
	at = discard_until_down(_metadata, self, self->id[0], self->fds[1],
				TERN_REASON_TIMEOUT, &pings, &bytes);
	TH_LOG("down after %llu ms", (unsigned long long)(at - t0));
	EXPECT_EQ(0, bytes);
	EXPECT_LE(300 - 10, at - t0);
	EXPECT_GE(SLOW_MS, at - t0);
	self->id[0] = 0;
}

/*
 * A responder with a 1 s timeout stays up while its peer sends a frame
 * every 50 ms (for 2.5 s), and ends the connection once the peer falls
 * silent.
 */
TEST_F(hb, responder_kept_alive)
{
	static const uint8_t payload[4] = "live";
	struct tern_conn_info info;
	unsigned int pings, n = 0;
	uint64_t end, last = now_ms(), at;
	size_t bytes;

	add_conn(_metadata, self, variant, 0, TERN_ROLE_RESPONDER, 60000, 1000);
	end = now_ms() + 2500;
	while (now_ms() < end) {
		last = now_ms();	/* the module reads it after this */
		ASSERT_EQ(0, frame_write(self->fds[1], 16, 0, payload,
					 sizeof(payload)));
		n++;
		usleep(50 * 1000);
		rx_log_poll(self->nl, &self->log, 0);
	}
	ASSERT_TRUE(rx_log_wait(self->nl, &self->log, self->id[0], n,
				WAIT_MS));
	ASSERT_EQ(NULL, rx_log_down(&self->log, self->id[0]));
	get_info(_metadata, self->nl, self->id[0], &info);
	EXPECT_EQ(TERN_STATE_ESTABLISHED, info.state);
	EXPECT_EQ(n, info.stats.rx_frames);

	/* Acked, so that the connection goes once it is down. */
	ASSERT_EQ(0, rx_log_ack(self->nl, &self->log, self->id[0]));
	at = discard_until_down(_metadata, self, self->id[0], self->fds[1],
				TERN_REASON_TIMEOUT, &pings, &bytes);
	TH_LOG("%u frames; down %llu ms after the last",
	       n, (unsigned long long)(at - last));
	EXPECT_EQ(0, bytes);
	EXPECT_LE(1000 - 10, at - last);
	EXPECT_GE(SLOW_MS, at - last);
	self->id[0] = 0;
}

/*
 * conn-set changes the interval of a live connection at once: an idle
 * initiator with the default minute starts pinging every 100 ms, and stops
 * again when set back.
 */
TEST_F(hb, set_interval)
{
	struct tern_conn_params p = {};
	struct tern_conn_info a;
	uint64_t t0, end, sent;

	add_conn(_metadata, self, variant, 0, TERN_ROLE_INITIATOR, 0, 0);
	add_conn(_metadata, self, variant, 1, TERN_ROLE_RESPONDER, 0, 0);
	idle(self->nl, &self->log, 400);
	get_info(_metadata, self->nl, self->id[0], &a);
	EXPECT_EQ(TERN_HB_INTERVAL_DEFAULT, a.hb_interval_ms);
	EXPECT_EQ(0, a.stats.hb_sent);

	p.hb_interval_ms = 100;
	p.timeout_ms = 2000;
	t0 = now_ms();
	ASSERT_EQ(0, tern_nl_conn_set(self->nl, self->id[0], &p));
	end = t0 + SLOW_MS;
	do {
		usleep(10 * 1000);
		get_info(_metadata, self->nl, self->id[0], &a);
	} while (a.stats.hb_answered < 3 && now_ms() < end);
	TH_LOG("3 PINGs answered %llu ms after conn-set",
	       (unsigned long long)(now_ms() - t0));
	EXPECT_LE(3, a.stats.hb_answered);
	EXPECT_EQ(100, a.hb_interval_ms);
	EXPECT_EQ(2000, a.timeout_ms);

	/* Back to a minute: at most a PING already under way. */
	p.hb_interval_ms = TERN_HB_INTERVAL_DEFAULT;
	ASSERT_EQ(0, tern_nl_conn_set(self->nl, self->id[0], &p));
	get_info(_metadata, self->nl, self->id[0], &a);
	sent = a.stats.hb_sent;
	idle(self->nl, &self->log, 800);
	get_info(_metadata, self->nl, self->id[0], &a);
	EXPECT_GE(sent + 1, a.stats.hb_sent);
	EXPECT_EQ(TERN_STATE_ESTABLISHED, a.state);
	EXPECT_EQ(0, self->log.nframes);
}

TEST_HARNESS_MAIN
