// SPDX-License-Identifier: GPL-2.0
/*
 * Frames through tern.ko: round trips between two module-owned ends of a
 * loopback TCP connection, and between a module-owned end and a plain
 * userspace peer; batching of frame-recv notifications; frame-send results,
 * a full send queue and conn-writable; the frame counters of conn-get.
 *
 * Every test runs over plain TCP and kTLS, IPv4 and IPv6.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "common.h"

#define WAIT_MS		20000	/* for anything that should be quick */

FIXTURE(pair) {
	struct tern_nl *nl;
	struct rx_log log;
	int fds[2];
	uint32_t id[2];		/* module connections on fds[0], fds[1] */
	char tag[32];
};

FIXTURE_VARIANT(pair) {
	int family;
	bool tls;
};

FIXTURE_VARIANT_ADD(pair, plain_ipv4) {
	.family = AF_INET,
	.tls = false,
};

FIXTURE_VARIANT_ADD(pair, plain_ipv6) {
	.family = AF_INET6,
	.tls = false,
};

FIXTURE_VARIANT_ADD(pair, ktls_ipv4) {
	.family = AF_INET,
	.tls = true,
};

FIXTURE_VARIANT_ADD(pair, ktls_ipv6) {
	.family = AF_INET6,
	.tls = true,
};

FIXTURE_SETUP(pair)
{
	int err;

	memset(&self->log, 0, sizeof(self->log));
	self->fds[0] = -1;
	self->fds[1] = -1;
	self->id[0] = 0;
	self->id[1] = 0;
	snprintf(self->tag, sizeof(self->tag), "frames-%d", getpid());

	err = tern_nl_open(&self->nl);
	ASSERT_EQ(0, err) TH_LOG("tern_nl_open: %s", strerror(-err));
	ASSERT_EQ(0, tern_nl_subscribe(self->nl));
	if (variant->tls)
		err = ktls_pair(variant->family, self->fds);
	else
		err = tcp_pair(variant->family, self->fds);
	ASSERT_EQ(0, err) TH_LOG("socket pair: %s", strerror(-err));
}

FIXTURE_TEARDOWN(pair)
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

/* Parameters every connection here gets: gone as soon as the test is. */
static struct tern_conn_params base_params(void)
{
	struct tern_conn_params p = {
		.grace_ms = 0,
		.given = TERN_P_GRACE,
	};

	return p;
}

/* Hand end @i of the pair to tern.ko. */
static void add_conn(struct __test_metadata *_metadata,
		     FIXTURE_DATA(pair) *self,
		     const FIXTURE_VARIANT(pair) *variant, int i,
		     const struct tern_conn_params *p)
{
	struct tern_conn_params def = base_params();
	int err;

	err = conn_new_fd(self->nl, self->fds[i], !variant->tls,
			  i ? TERN_ROLE_RESPONDER : TERN_ROLE_INITIATOR,
			  self->tag, p ? p : &def, &self->id[i]);
	ASSERT_EQ(0, err) TH_LOG("conn-new: %s", tern_nl_error(self->nl));
	ASSERT_NE(0, self->id[i]);
}

static int send_frames(struct tern_nl *nl, const struct tern_frame_out *f,
		       size_t n, struct tern_send_result *res, size_t *nres)
{
	return tern_nl_frame_send(nl, f, n, res, nres);
}

/* Frames of @conn_id in the log, in the order they were handed out. */
static size_t frames_of(const struct rx_log *log, uint32_t conn_id,
			const struct rx_frame **out, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < log->nframes && n < max; i++)
		if (log->frames[i].conn_id == conn_id)
			out[n++] = &log->frames[i];
	return n;
}

/* The type, flags and length of test frame @i. */
static uint8_t frame_type(unsigned int i)
{
	return TERN_FRAME_USER_MIN + (i * 7) % (256 - TERN_FRAME_USER_MIN);
}

static uint16_t frame_flags(unsigned int i)
{
	return (uint16_t)(i * 0x9e37u);
}

static uint32_t frame_len(unsigned int i)
{
	return 4 + (i * 397) % 3000;
}

/* Check that @conn_id got frames 0..n-1 as built by frame_*() above, with
 * sequence numbers 1..n, in order.
 */
static void check_numbered(struct __test_metadata *_metadata,
			   const struct rx_log *log, uint32_t conn_id,
			   unsigned int n)
{
	const struct rx_frame **got = calloc(n + 1, sizeof(*got));
	unsigned int i;
	uint32_t num;

	ASSERT_NE(NULL, got);
	ASSERT_EQ(n, frames_of(log, conn_id, got, n + 1));
	for (i = 0; i < n; i++) {
		ASSERT_EQ(i + 1, got[i]->seq);
		ASSERT_EQ(frame_type(i), got[i]->type);
		ASSERT_EQ(frame_flags(i), got[i]->flags);
		ASSERT_EQ(frame_len(i), got[i]->len);
		ASSERT_TRUE(pattern_check(got[i]->data, got[i]->len, &num))
			TH_LOG("frame %u: payload corrupted", i);
		ASSERT_EQ(i, num);
	}
	free(got);
}

static void check_addr(struct __test_metadata *_metadata, int family,
		       const uint8_t *addr)
{
	if (family == AF_INET6) {
		ASSERT_EQ(0, memcmp(addr, &in6addr_loopback, 16));
	} else {
		uint32_t lo = htonl(INADDR_LOOPBACK);

		ASSERT_EQ(0, memcmp(addr, &lo, 4));
	}
}

static uint16_t sock_port(int fd, bool peer)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (peer ? getpeername(fd, (struct sockaddr *)&ss, &len) :
		   getsockname(fd, (struct sockaddr *)&ss, &len))
		return 0;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/*
 * Frames of many types, flags and sizes, both ways in one frame-send
 * request: each end gets exactly what the other sent, numbered from 1.
 * conn-get describes both ends as the sockets do.
 */
TEST_F(pair, round_trip)
{
	const unsigned int n = 64;
	struct tern_frame_out *out = calloc(2 * n, sizeof(*out));
	struct tern_send_result res[2];
	struct tern_conn_info info;
	size_t nres, i;
	uint8_t *bufs[2 * 64];

	ASSERT_NE(NULL, out);
	add_conn(_metadata, self, variant, 0, NULL);
	add_conn(_metadata, self, variant, 1, NULL);

	for (i = 0; i < 2 * n; i++) {
		unsigned int k = i / 2;

		bufs[i] = malloc(frame_len(k));
		ASSERT_NE(NULL, bufs[i]);
		pattern_fill(bufs[i], frame_len(k), k);
		out[i] = (struct tern_frame_out) {
			.conn_id = self->id[i % 2],
			.type = frame_type(k),
			.flags = frame_flags(k),
			.data = bufs[i],
			.len = frame_len(k),
		};
	}
	ASSERT_EQ(0, send_frames(self->nl, out, 2 * n, res, &nres))
		TH_LOG("frame-send: %s", tern_nl_error(self->nl));
	ASSERT_EQ(2, nres);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(self->id[i], res[i].conn_id);
		EXPECT_EQ(n, res[i].queued);
		EXPECT_EQ(0, res[i].error);
	}

	ASSERT_TRUE(rx_log_wait(self->nl, &self->log, self->id[0], n, WAIT_MS));
	ASSERT_TRUE(rx_log_wait(self->nl, &self->log, self->id[1], n, WAIT_MS));
	check_numbered(_metadata, &self->log, self->id[0], n);
	check_numbered(_metadata, &self->log, self->id[1], n);

	/* Nothing more comes: no duplicates, no heartbeats. */
	rx_log_poll(self->nl, &self->log, 200);
	EXPECT_EQ(2 * n, self->log.nframes);
	EXPECT_EQ(0, self->log.ndowns);

	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, tern_nl_conn_get(self->nl, self->id[i], &info));
		EXPECT_EQ(TERN_STATE_ESTABLISHED, info.state);
		EXPECT_EQ(i ? TERN_ROLE_RESPONDER : TERN_ROLE_INITIATOR,
			  info.role);
		EXPECT_EQ(!variant->tls, info.plain);
		EXPECT_FALSE(info.orphan);
		EXPECT_STREQ(self->tag, info.owner_tag);
		EXPECT_EQ(variant->family, info.family);
		check_addr(_metadata, variant->family, info.peer_addr);
		check_addr(_metadata, variant->family, info.local_addr);
		EXPECT_EQ(sock_port(self->fds[i], false), info.local_port);
		EXPECT_EQ(sock_port(self->fds[i], true), info.peer_port);
		EXPECT_EQ(n, info.stats.held_frames);
	}
	for (i = 0; i < 2 * n; i++)
		free(bufs[i]);
	free(out);
}

/* Empty payloads, with and without flags, among other frames. */
TEST_F(pair, empty_payload)
{
	static const uint8_t one = 0xa5;
	const struct tern_frame_out out[] = {
		{ .type = 16, .flags = 0, .data = NULL, .len = 0 },
		{ .type = 255, .flags = 0xffff, .data = NULL, .len = 0 },
		{ .type = 200, .flags = 0x0102, .data = &one, .len = 1 },
		{ .type = 17, .flags = 0x8000, .data = NULL, .len = 0 },
	};
	struct tern_frame_out f[4];
	struct tern_send_result res[1];
	const struct rx_frame *got[5];
	size_t nres, i;

	add_conn(_metadata, self, variant, 0, NULL);
	add_conn(_metadata, self, variant, 1, NULL);
	for (i = 0; i < 4; i++) {
		f[i] = out[i];
		f[i].conn_id = self->id[0];
	}
	ASSERT_EQ(0, send_frames(self->nl, f, 4, res, &nres));
	ASSERT_EQ(1, nres);
	ASSERT_EQ(4, res[0].queued);

	ASSERT_TRUE(rx_log_wait(self->nl, &self->log, self->id[1], 4, WAIT_MS));
	rx_log_poll(self->nl, &self->log, 100);
	ASSERT_EQ(4, frames_of(&self->log, self->id[1], got, 5));
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(i + 1, got[i]->seq);
		EXPECT_EQ(out[i].type, got[i]->type);
		EXPECT_EQ(out[i].flags, got[i]->flags);
		EXPECT_EQ(out[i].len, got[i]->len);
	}
	EXPECT_EQ(one, got[2]->data[0]);
}

/* The largest payload both ways, a small frame after it, and max-frame:
 * a frame over the connection's limit is refused, one at it goes.
 */
TEST_F(pair, max_payload)
{
	const uint32_t max = TERN_FRAME_MAX_PAYLOAD;
	struct tern_conn_params p = base_params();
	struct tern_send_result res[2];
	struct tern_frame_out f[4];
	const struct rx_frame *got[3];
	uint8_t *big = malloc(max + 1);
	size_t nres, i;
	uint32_t num;

	ASSERT_NE(NULL, big);
	add_conn(_metadata, self, variant, 0, NULL);
	add_conn(_metadata, self, variant, 1, NULL);

	pattern_fill(big, max, 77);
	for (i = 0; i < 4; i++) {
		f[i] = (struct tern_frame_out) {
			.conn_id = self->id[i % 2],
			.type = i < 2 ? 42 : 43,
			.flags = (uint16_t)i,
			.data = big,
			.len = i < 2 ? max : 4,
		};
	}
	ASSERT_EQ(0, send_frames(self->nl, f, 4, res, &nres))
		TH_LOG("frame-send: %s", tern_nl_error(self->nl));
	ASSERT_EQ(2, nres);
	EXPECT_EQ(2, res[0].queued);
	EXPECT_EQ(2, res[1].queued);

	for (i = 0; i < 2; i++) {
		ASSERT_TRUE(rx_log_wait(self->nl, &self->log, self->id[i], 2,
					WAIT_MS));
		ASSERT_EQ(2, frames_of(&self->log, self->id[i], got, 3));
		EXPECT_EQ(1, got[0]->seq);
		EXPECT_EQ(42, got[0]->type);
		ASSERT_EQ(max, got[0]->len);
		EXPECT_EQ(0, memcmp(big, got[0]->data, max));
		EXPECT_EQ(2, got[1]->seq);
		EXPECT_EQ(43, got[1]->type);
		ASSERT_EQ(4, got[1]->len);
		ASSERT_TRUE(pattern_check(got[1]->data, 4, &num));
		EXPECT_EQ(77, num);
	}

	/* One byte over the library's limit never reaches the kernel. */
	f[0].len = max + 1;
	EXPECT_EQ(-EMSGSIZE, send_frames(self->nl, f, 1, res, &nres));

	/* A connection's own max-frame bounds what it sends. */
	p.max_frame = 1000;
	ASSERT_EQ(0, tern_nl_conn_set(self->nl, self->id[0], &p));
	f[0].len = 1001;
	f[1] = f[0];
	f[1].len = 1000;
	f[1].conn_id = self->id[0];
	ASSERT_EQ(0, send_frames(self->nl, f, 2, res, &nres));
	ASSERT_EQ(1, nres);
	EXPECT_EQ(0, res[0].queued);
	EXPECT_EQ(-EMSGSIZE, res[0].error);
	f[0].len = 1000;
	ASSERT_EQ(0, send_frames(self->nl, f, 1, res, &nres));
	EXPECT_EQ(1, res[0].queued);
	EXPECT_EQ(0, res[0].error);
	ASSERT_TRUE(rx_log_wait(self->nl, &self->log, self->id[1], 3, WAIT_MS));
	EXPECT_EQ(1000, rx_log_last(&self->log, self->id[1])->len);
	free(big);
}

/* Write @buf in pieces of @piece bytes, pausing so that they arrive as
 * separate segments (or TLS records).
 */
static int write_pieces(int fd, const uint8_t *buf, size_t len, size_t piece)
{
	size_t off = 0, n;

	while (off < len) {
		n = len - off < piece ? len - off : piece;
		if (send(fd, buf + off, n, MSG_NOSIGNAL) != (ssize_t)n)
			return -errno;
		off += n;
		usleep(5000);
	}
	return 0;
}

static size_t wire_frame(uint8_t *buf, uint8_t type, uint16_t flags,
			 const void *payload, uint32_t len)
{
	buf[0] = TERN_FRAME_VERSION;
	buf[1] = type;
	buf[2] = flags >> 8;
	buf[3] = flags & 0xff;
	buf[4] = len >> 24;
	buf[5] = len >> 16;
	buf[6] = len >> 8;
	buf[7] = len;
	if (len)
		memcpy(buf + TERN_FRAME_HDR_LEN, payload, len);
	return TERN_FRAME_HDR_LEN + len;
}

/*
 * A plain userspace peer writes frames by hand: whole, empty, the largest,
 * split into small pieces, and several in one write. The module reassembles
 * and delivers each exactly once, in order.
 */
TEST_F(pair, userspace_peer_writes)
{
	const uint32_t max = TERN_FRAME_MAX_PAYLOAD;
	uint8_t *big = malloc(max), *wire = malloc(4 * 1024);
	const struct rx_frame *got[10];
	int one = 1, peer;
	size_t len, i;
	uint32_t num;

	ASSERT_NE(NULL, big);
	ASSERT_NE(NULL, wire);
	add_conn(_metadata, self, variant, 0, NULL);
	peer = self->fds[1];
	ASSERT_EQ(0, setsockopt(peer, IPPROTO_TCP, TCP_NODELAY, &one,
				sizeof(one)));

	pattern_fill(big, max, 1);
	ASSERT_EQ(0, frame_write(peer, 16, 0x0001, big, 100));		/* 1 */
	ASSERT_EQ(0, frame_write(peer, 255, 0xfffe, NULL, 0));		/* 2 */
	ASSERT_EQ(0, frame_write(peer, 77, 0x1234, big, max));		/* 3 */

	/* 4: split inside the header and inside the payload. */
	pattern_fill(big, 1000, 4);
	len = wire_frame(wire, 99, 0xabcd, big, 1000);
	ASSERT_EQ(0, write_pieces(peer, wire, len, 3));

	/* 5..8: four frames in one write, the last split off. */
	len = 0;
	for (i = 5; i <= 8; i++) {
		pattern_fill(big, 40 + i, i);
		len += wire_frame(wire + len, 100 + i, (uint16_t)i, big,
				  40 + i);
	}
	ASSERT_EQ(len - 20, send(peer, wire, len - 20, MSG_NOSIGNAL));
	usleep(20000);
	ASSERT_EQ(20, send(peer, wire + len - 20, 20, MSG_NOSIGNAL));

	ASSERT_TRUE(rx_log_wait(self->nl, &self->log, self->id[0], 8, WAIT_MS))
		TH_LOG("got %zu frames", rx_log_count(&self->log, self->id[0]));
	rx_log_poll(self->nl, &self->log, 100);
	ASSERT_EQ(8, frames_of(&self->log, self->id[0], got, 10));
	for (i = 0; i < 8; i++)
		EXPECT_EQ(i + 1, got[i]->seq);

	EXPECT_EQ(16, got[0]->type);
	EXPECT_EQ(0x0001, got[0]->flags);
	EXPECT_EQ(100, got[0]->len);
	EXPECT_EQ(255, got[1]->type);
	EXPECT_EQ(0xfffe, got[1]->flags);
	EXPECT_EQ(0, got[1]->len);
	EXPECT_EQ(77, got[2]->type);
	EXPECT_EQ(0x1234, got[2]->flags);
	ASSERT_EQ(max, got[2]->len);
	ASSERT_TRUE(pattern_check(got[2]->data, max, &num));
	EXPECT_EQ(1, num);
	EXPECT_EQ(99, got[3]->type);
	EXPECT_EQ(0xabcd, got[3]->flags);
	ASSERT_EQ(1000, got[3]->len);
	ASSERT_TRUE(pattern_check(got[3]->data, 1000, &num));
	EXPECT_EQ(4, num);
	for (i = 4; i < 8; i++) {
		EXPECT_EQ(101 + i, got[i]->type);
		EXPECT_EQ(i + 1, got[i]->flags);
		ASSERT_EQ(41 + i, got[i]->len);
		ASSERT_TRUE(pattern_check(got[i]->data, got[i]->len, &num));
		EXPECT_EQ(i + 1, num);
	}
	free(big);
	free(wire);
}

/*
 * The module writes frames for a userspace peer: the bytes on the wire are
 * exactly header (version 1, type, be16 flags, be32 length) and payload,
 * frame after frame, and nothing else.
 */
TEST_F(pair, userspace_peer_reads)
{
	const unsigned int n = 20;
	size_t total = 0, i, nres;
	struct tern_frame_out f[20];
	struct tern_send_result res[1];
	uint8_t *payload[20], *want, *got;
	struct tern_conn_params p = base_params();
	struct pollfd pfd;

	p.hb_interval_ms = 60000;
	for (i = 0; i < n; i++)
		total += TERN_FRAME_HDR_LEN + frame_len(i) * (i % 5 != 3);
	want = malloc(total);
	got = malloc(total + 1);
	ASSERT_NE(NULL, want);
	ASSERT_NE(NULL, got);

	add_conn(_metadata, self, variant, 0, &p);
	total = 0;
	for (i = 0; i < n; i++) {
		uint32_t len = frame_len(i) * (i % 5 != 3);	/* some empty */

		payload[i] = malloc(len + 1);
		ASSERT_NE(NULL, payload[i]);
		pattern_fill(payload[i], len, i);
		f[i] = (struct tern_frame_out) {
			.conn_id = self->id[0],
			.type = frame_type(i),
			.flags = frame_flags(i),
			.data = payload[i],
			.len = len,
		};
		total += wire_frame(want + total, f[i].type, f[i].flags,
				    payload[i], len);
	}
	ASSERT_EQ(0, send_frames(self->nl, f, n, res, &nres));
	ASSERT_EQ(n, res[0].queued);

	ASSERT_EQ(0, read_full(self->fds[1], got, total, WAIT_MS));
	for (i = 0; i < total; i++)
		if (want[i] != got[i])
			break;
	EXPECT_EQ(total, i) TH_LOG("first difference at byte %zu", i);

	/* Nothing follows. */
	pfd = (struct pollfd) { .fd = self->fds[1], .events = POLLIN };
	EXPECT_EQ(0, poll(&pfd, 1, 200));

	for (i = 0; i < n; i++)
		free(payload[i]);
	free(want);
	free(got);
}

/*
 * 1,000 small frames in one tern_nl_frame_send() call (a few requests)
 * arrive in order, in far fewer frame-recv notifications than frames.
 */
TEST_F(pair, batching)
{
	const unsigned int n = 1000;
	struct tern_frame_out *f = calloc(n, sizeof(*f));
	uint8_t (*payload)[16] = calloc(n, sizeof(*payload));
	struct tern_send_result res[1];
	const struct rx_frame **got = calloc(n + 1, sizeof(*got));
	size_t nres, i;
	uint32_t num;

	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, payload);
	ASSERT_NE(NULL, got);
	add_conn(_metadata, self, variant, 0, NULL);
	add_conn(_metadata, self, variant, 1, NULL);

	for (i = 0; i < n; i++) {
		pattern_fill(payload[i], sizeof(payload[i]), i);
		f[i] = (struct tern_frame_out) {
			.conn_id = self->id[0],
			.type = 16 + i % 200,
			.flags = (uint16_t)i,
			.data = payload[i],
			.len = sizeof(payload[i]),
		};
	}
	ASSERT_EQ(0, send_frames(self->nl, f, n, res, &nres))
		TH_LOG("frame-send: %s", tern_nl_error(self->nl));
	ASSERT_EQ(1, nres);
	ASSERT_EQ(n, res[0].queued);

	ASSERT_TRUE(rx_log_wait(self->nl, &self->log, self->id[1], n, WAIT_MS))
		TH_LOG("got %zu of %u frames",
		       rx_log_count(&self->log, self->id[1]), n);
	rx_log_poll(self->nl, &self->log, 100);
	ASSERT_EQ(n, frames_of(&self->log, self->id[1], got, n + 1));
	for (i = 0; i < n; i++) {
		ASSERT_EQ(i + 1, got[i]->seq);
		ASSERT_EQ(16 + i % 200, got[i]->type);
		ASSERT_EQ((uint16_t)i, got[i]->flags);
		ASSERT_TRUE(pattern_check(got[i]->data, got[i]->len, &num));
		ASSERT_EQ(i, num);
	}
	TH_LOG("%u frames in %zu frame-recv notifications", n,
	       self->log.nmsgs);
	EXPECT_LT(self->log.nmsgs, n / 2);
	EXPECT_LE(1, self->log.nmsgs);
	free(f);
	free(payload);
	free(got);
}

/*
 * One frame-send request for two connections and one that does not exist:
 * a result per connection, in order of first appearance, with the frames
 * queued for each; the unknown one gets ENOENT and the others still go.
 */
TEST_F(pair, send_result_per_conn)
{
	uint8_t payload[8] = "abcdefg";
	struct tern_frame_out f[7];
	struct tern_send_result res[7];
	const uint32_t bogus = 0x7ffffff0;
	const uint32_t ids[7] = { 0, 1, 2, 0, 1, 0, 2 };
	size_t nres, i;

	add_conn(_metadata, self, variant, 0, NULL);
	add_conn(_metadata, self, variant, 1, NULL);
	for (i = 0; i < 7; i++)
		f[i] = (struct tern_frame_out) {
			.conn_id = ids[i] == 2 ? bogus : self->id[ids[i]],
			.type = 16 + i,
			.data = payload,
			.len = sizeof(payload),
		};
	ASSERT_EQ(0, send_frames(self->nl, f, 7, res, &nres))
		TH_LOG("frame-send: %s", tern_nl_error(self->nl));
	ASSERT_EQ(3, nres);
	EXPECT_EQ(self->id[0], res[0].conn_id);
	EXPECT_EQ(3, res[0].queued);
	EXPECT_EQ(0, res[0].error);
	EXPECT_EQ(self->id[1], res[1].conn_id);
	EXPECT_EQ(2, res[1].queued);
	EXPECT_EQ(0, res[1].error);
	EXPECT_EQ(bogus, res[2].conn_id);
	EXPECT_EQ(0, res[2].queued);
	EXPECT_EQ(-ENOENT, res[2].error);

	ASSERT_TRUE(rx_log_wait(self->nl, &self->log, self->id[1], 3, WAIT_MS));
	ASSERT_TRUE(rx_log_wait(self->nl, &self->log, self->id[0], 2, WAIT_MS));
	rx_log_poll(self->nl, &self->log, 100);
	EXPECT_EQ(3, rx_log_count(&self->log, self->id[1]));
	EXPECT_EQ(2, rx_log_count(&self->log, self->id[0]));
	EXPECT_EQ(21, rx_log_last(&self->log, self->id[1])->type);
	EXPECT_EQ(20, rx_log_last(&self->log, self->id[0])->type);
}

#define QF_LEN		4096	/* payload of the send-queue test's frames */
#define QF_BATCH	64

/*
 * Send numbered frames from fds[0] to fds[1] until frame-send refuses some
 * with EAGAIN: the receiving end holds at most 64 KiB and its owner does not
 * ack, so the socket buffers and then the send queue fill up. Acking lets
 * the queue drain and conn-writable follow; sending then resumes from the
 * first refused frame. Every frame queued arrives exactly once, in order.
 */
TEST_F_TIMEOUT(pair, send_queue_full, 180)
{
	struct tern_conn_params p = base_params();
	struct tern_frame_out f[QF_BATCH];
	struct tern_send_result res[1];
	struct tern_conn_info info;
	uint8_t *payload = malloc(QF_BATCH * QF_LEN);
	unsigned int next = 0, total, refusals = 0, i;
	const unsigned int limit = 8192;	/* 32 MiB: far more than fits */
	size_t nres, writable;
	uint64_t end;
	uint32_t num;

	ASSERT_NE(NULL, payload);
	p.max_held = TERN_MAX_HELD_MIN;
	p.given |= TERN_P_MAX_HELD;
	add_conn(_metadata, self, variant, 0, &p);
	add_conn(_metadata, self, variant, 1, &p);

	/* Fill: nothing is acked, so the receiver stops reading. */
	while (!refusals && next < limit) {
		for (i = 0; i < QF_BATCH; i++) {
			pattern_fill(payload + i * QF_LEN, QF_LEN, next + i);
			f[i] = (struct tern_frame_out) {
				.conn_id = self->id[0],
				.type = 16,
				.data = payload + i * QF_LEN,
				.len = QF_LEN,
			};
		}
		ASSERT_EQ(0, send_frames(self->nl, f, QF_BATCH, res, &nres))
			TH_LOG("frame-send: %s", tern_nl_error(self->nl));
		ASSERT_EQ(1, nres);
		ASSERT_LE(res[0].queued, QF_BATCH);
		if (res[0].queued < QF_BATCH) {
			ASSERT_EQ(-EAGAIN, res[0].error);
			refusals++;
		} else {
			ASSERT_EQ(0, res[0].error);
		}
		next += res[0].queued;
		/* Collect what arrives, without acking. */
		rx_log_poll(self->nl, &self->log, 0);
	}
	ASSERT_EQ(1, refusals) TH_LOG("%u frames queued without EAGAIN", next);
	TH_LOG("send queue full after %u frames of %u bytes", next, QF_LEN);

	/* The sender holds a full queue; the receiver fills up to its limit
	 * and stops reading.
	 */
	ASSERT_EQ(0, tern_nl_conn_get(self->nl, self->id[0], &info));
	EXPECT_LT(0, info.stats.txq_frames);
	TH_LOG("send queue: %u frames, %u bytes", info.stats.txq_frames,
	       info.stats.txq_bytes);
	end = now_ms() + WAIT_MS;
	do {
		rx_log_poll(self->nl, &self->log, 10);
		ASSERT_EQ(0, tern_nl_conn_get(self->nl, self->id[1], &info));
	} while (info.stats.held_bytes < info.max_held && now_ms() < end);
	EXPECT_LE(info.max_held, info.stats.held_bytes);
	EXPECT_EQ(0, rx_log_nwritable(&self->log, self->id[0]));

	/* Keep acking until everything has arrived. Each refusal is answered
	 * by one conn-writable, after which sending resumes from the first
	 * refused frame.
	 */
	total = next + 3 * QF_BATCH;
	end = now_ms() + 120000;
	while (rx_log_count(&self->log, self->id[1]) < total &&
	       now_ms() < end) {
		ASSERT_LE(0, rx_log_poll(self->nl, &self->log, 50));
		ASSERT_EQ(0, rx_log_ack(self->nl, &self->log, self->id[1]));
		writable = rx_log_nwritable(&self->log, self->id[0]);
		ASSERT_GE(refusals, writable);
		if (next == total || writable < refusals)
			continue;
		for (i = 0; i < QF_BATCH && next + i < total; i++) {
			pattern_fill(payload + i * QF_LEN, QF_LEN, next + i);
			f[i] = (struct tern_frame_out) {
				.conn_id = self->id[0],
				.type = 16,
				.data = payload + i * QF_LEN,
				.len = QF_LEN,
			};
		}
		ASSERT_EQ(0, send_frames(self->nl, f, i, res, &nres));
		if (res[0].queued < i) {
			ASSERT_EQ(-EAGAIN, res[0].error);
			refusals++;
		}
		next += res[0].queued;
	}
	ASSERT_EQ(total, next);
	ASSERT_EQ(total, rx_log_count(&self->log, self->id[1]))
		TH_LOG("%zu of %u frames arrived",
		       rx_log_count(&self->log, self->id[1]), total);
	EXPECT_LE(1, rx_log_nwritable(&self->log, self->id[0]));
	TH_LOG("%u refusals, %zu conn-writable", refusals,
	       rx_log_nwritable(&self->log, self->id[0]));

	/* Exactly once, in order. */
	for (i = 0, next = 0; i < self->log.nframes; i++) {
		const struct rx_frame *r = &self->log.frames[i];

		if (r->conn_id != self->id[1])
			continue;
		ASSERT_EQ(next + 1, r->seq);
		ASSERT_EQ(QF_LEN, r->len);
		ASSERT_TRUE(pattern_check(r->data, r->len, &num));
		ASSERT_EQ(next, num);
		next++;
	}
	rx_log_poll(self->nl, &self->log, 200);
	EXPECT_EQ(total, rx_log_count(&self->log, self->id[1]));

	ASSERT_EQ(0, tern_nl_conn_get(self->nl, self->id[0], &info));
	EXPECT_EQ(total, info.stats.tx_frames);
	EXPECT_EQ(0, info.stats.txq_frames);
	free(payload);
}

/*
 * conn-get counts what was sent and received: user frames and payload
 * bytes, held until acked; heartbeats do not count.
 */
TEST_F(pair, stats)
{
	const unsigned int n[2] = { 37, 23 };
	struct tern_frame_out f[60];
	struct tern_send_result res[2];
	struct tern_conn_info info[2];
	uint64_t bytes[2] = { 0, 0 };
	static uint8_t payload[4000];
	size_t nres, i, k = 0;
	int side;

	add_conn(_metadata, self, variant, 0, NULL);
	add_conn(_metadata, self, variant, 1, NULL);
	for (side = 0; side < 2; side++) {
		for (i = 0; i < n[side]; i++, k++) {
			f[k] = (struct tern_frame_out) {
				.conn_id = self->id[side],
				.type = 16 + side,
				.data = payload,
				.len = (i * 131 + side * 17) % sizeof(payload),
			};
			bytes[side] += f[k].len;
		}
	}
	ASSERT_EQ(0, send_frames(self->nl, f, k, res, &nres));
	ASSERT_EQ(2, nres);
	ASSERT_TRUE(rx_log_wait(self->nl, &self->log, self->id[1], n[0],
				WAIT_MS));
	ASSERT_TRUE(rx_log_wait(self->nl, &self->log, self->id[0], n[1],
				WAIT_MS));

	for (side = 0; side < 2; side++)
		ASSERT_EQ(0, tern_nl_conn_get(self->nl, self->id[side],
					      &info[side]));
	for (side = 0; side < 2; side++) {
		const struct tern_conn_stats *s = &info[side].stats;

		EXPECT_EQ(n[side], s->tx_frames);
		EXPECT_EQ(bytes[side], s->tx_bytes);
		EXPECT_EQ(n[!side], s->rx_frames);
		EXPECT_EQ(bytes[!side], s->rx_bytes);
		EXPECT_EQ(n[!side], s->held_frames);
		EXPECT_LE(bytes[!side], s->held_bytes);
		EXPECT_EQ(0, s->txq_frames);
		EXPECT_EQ(0, s->txq_bytes);
		EXPECT_EQ(0, s->hb_sent);
	}

	/* Acks free what is held, not the counters. */
	ASSERT_EQ(0, rx_log_ack(self->nl, &self->log, self->id[0]));
	ASSERT_EQ(0, rx_log_ack(self->nl, &self->log, self->id[1]));
	for (side = 0; side < 2; side++) {
		ASSERT_EQ(0, tern_nl_conn_get(self->nl, self->id[side],
					      &info[side]));
		EXPECT_EQ(0, info[side].stats.held_frames);
		EXPECT_EQ(0, info[side].stats.held_bytes);
		EXPECT_EQ(n[!side], info[side].stats.rx_frames);
		EXPECT_EQ(n[side], info[side].stats.tx_frames);
	}

	/* Heartbeats are not frames. */
	{
		struct tern_conn_params p = base_params();

		p.hb_interval_ms = 100;
		p.timeout_ms = 2000;
		ASSERT_EQ(0, tern_nl_conn_set(self->nl, self->id[0], &p));
		usleep(600 * 1000);
		ASSERT_EQ(0, tern_nl_conn_get(self->nl, self->id[0], &info[0]));
		ASSERT_EQ(0, tern_nl_conn_get(self->nl, self->id[1], &info[1]));
		EXPECT_LE(2, info[0].stats.hb_sent);
		EXPECT_EQ(n[0], info[0].stats.tx_frames);
		EXPECT_EQ(bytes[0], info[0].stats.tx_bytes);
		EXPECT_EQ(n[1], info[0].stats.rx_frames);
		EXPECT_EQ(n[0], info[1].stats.rx_frames);
		EXPECT_EQ(n[1], info[1].stats.tx_frames);
	}
}

TEST_HARNESS_MAIN
