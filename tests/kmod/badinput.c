// SPDX-License-Identifier: GPL-2.0
/*
 * Bad input from the peer ends a connection with the right reason, and
 * only that connection: a bystander connection on the same module still
 * round-trips afterwards. Frames that arrived before the bad input are
 * still delivered.
 *
 * Wire errors (an oversize frame, a bad version, a reserved type, an
 * oversize heartbeat, garbage, a frame that never completes) run over plain
 * TCP and kTLS, IPv4 and IPv6; TLS record errors (alerts, handshake records,
 * records that do not decrypt) over kTLS, IPv4 and IPv6. The peer closing or
 * resetting the connection is covered too.
 */

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "common.h"

#define WAIT_MS		20000
#define MAX_VICTIMS	16

/* A connection held by the module on fds[0], with a userspace peer on
 * fds[1] that misbehaves.
 */
struct victim {
	int fds[2];
	uint32_t id;
	uint64_t cookie;
};

struct setup {
	struct tern_nl *nl;
	struct rx_log log;
	char tag[32];
	int family;
	bool tls;
	struct victim v[MAX_VICTIMS];
	int nv;
	int bfds[2];		/* the bystander pair, both ends held */
	uint32_t bid[2];
	unsigned int bsent;	/* frames sent each way on it so far */
};

static void setup_common(struct __test_metadata *_metadata, struct setup *s,
			 int family, bool tls)
{
	struct tern_conn_params p = { .grace_ms = 0, .given = TERN_P_GRACE };
	int err, i;

	memset(s, 0, sizeof(*s));
	s->family = family;
	s->tls = tls;
	s->bfds[0] = -1;
	s->bfds[1] = -1;
	snprintf(s->tag, sizeof(s->tag), "badinput-%d", getpid());

	err = tern_nl_open(&s->nl);
	ASSERT_EQ(0, err) TH_LOG("tern_nl_open: %s", strerror(-err));
	ASSERT_EQ(0, tern_nl_subscribe(s->nl));

	err = tls ? ktls_pair(family, s->bfds) : tcp_pair(family, s->bfds);
	ASSERT_EQ(0, err) TH_LOG("socket pair: %s", strerror(-err));
	for (i = 0; i < 2; i++) {
		err = conn_new_fd(s->nl, s->bfds[i], !tls,
				  i ? TERN_ROLE_RESPONDER : TERN_ROLE_INITIATOR,
				  s->tag, &p, &s->bid[i]);
		ASSERT_EQ(0, err) TH_LOG("conn-new: %s", tern_nl_error(s->nl));
	}
}

static void teardown_common(struct setup *s)
{
	int i, k;

	for (i = 0; i < s->nv; i++) {
		if (s->v[i].id)
			tern_nl_conn_del(s->nl, s->v[i].id);
		for (k = 0; k < 2; k++)
			if (s->v[i].fds[k] >= 0)
				close(s->v[i].fds[k]);
	}
	for (i = 0; i < 2; i++) {
		if (s->bid[i])
			tern_nl_conn_del(s->nl, s->bid[i]);
		if (s->bfds[i] >= 0)
			close(s->bfds[i]);
	}
	rx_log_free(&s->log);
	tern_nl_close(s->nl);
}

/*
 * A new victim. @p may set parameters; @peer_tls false gives a peer without
 * kTLS even on a kTLS connection. A responder with the default interval:
 * no heartbeat deadline comes near during a test.
 */
static struct victim *add_victim(struct __test_metadata *_metadata,
				 struct setup *s,
				 const struct tern_conn_params *p,
				 bool peer_tls)
{
	struct tern_conn_params def = { .grace_ms = 0, .given = TERN_P_GRACE };
	struct victim *v;
	int err;

	ASSERT_GT(MAX_VICTIMS, s->nv);
	v = &s->v[s->nv++];
	v->fds[0] = -1;
	v->fds[1] = -1;
	err = tcp_pair(s->family, v->fds);
	ASSERT_EQ(0, err) TH_LOG("socket pair: %s", strerror(-err));
	if (s->tls) {
		ASSERT_EQ(0, ktls_install(v->fds[0]));
		if (peer_tls)
			ASSERT_EQ(0, ktls_install(v->fds[1]));
	}
	def = p ? *p : def;
	def.cookie = 0xbad0000000000000ull | (uint64_t)s->nv << 32 | getpid();
	def.given |= TERN_P_COOKIE;
	v->cookie = def.cookie;
	err = conn_new_fd(s->nl, v->fds[0], !s->tls, TERN_ROLE_RESPONDER,
			  s->tag, &def, &v->id);
	ASSERT_EQ(0, err) TH_LOG("conn-new: %s", tern_nl_error(s->nl));
	return v;
}

/* The victim goes down for @reason; returns when it did (now_ms()). */
static uint64_t expect_down(struct __test_metadata *_metadata,
			    struct setup *s, struct victim *v,
			    enum tern_reason reason)
{
	const struct rx_down *d;

	d = rx_log_wait_down(s->nl, &s->log, v->id, WAIT_MS);
	ASSERT_NE(NULL, d) TH_LOG("connection %u did not go down", v->id);
	EXPECT_EQ(reason, d->reason)
		TH_LOG("reason %s, expected %s", tern_reason_name(d->reason),
		       tern_reason_name(reason));
	EXPECT_EQ(v->cookie, d->cookie);
	EXPECT_STREQ(s->tag, d->owner_tag);
	return d->at_ms;
}

/* The victim went down holding nothing: it is gone. */
static void expect_gone(struct __test_metadata *_metadata, struct setup *s,
			struct victim *v)
{
	EXPECT_EQ(0, rx_log_count(&s->log, v->id));
	EXPECT_EQ(-ENOENT, conn_wait_gone(s->nl, v->id, WAIT_MS));
	v->id = 0;
}

/* The bystander still carries a frame each way, and nothing else came. */
static void check_bystander(struct __test_metadata *_metadata,
			    struct setup *s)
{
	struct tern_frame_out f[2];
	struct tern_send_result res[2];
	struct tern_conn_info info;
	uint8_t payload[2][64];
	const struct rx_frame *r;
	size_t nres;
	uint32_t num;
	int i;

	for (i = 0; i < 2; i++) {
		pattern_fill(payload[i], sizeof(payload[i]), s->bsent * 2 + i);
		f[i] = (struct tern_frame_out) {
			.conn_id = s->bid[i],
			.type = 200,
			.flags = (uint16_t)s->bsent,
			.data = payload[i],
			.len = sizeof(payload[i]),
		};
	}
	ASSERT_EQ(0, tern_nl_frame_send(s->nl, f, 2, res, &nres))
		TH_LOG("frame-send: %s", tern_nl_error(s->nl));
	ASSERT_EQ(2, nres);
	ASSERT_EQ(1, res[0].queued);
	ASSERT_EQ(1, res[1].queued);
	s->bsent++;
	for (i = 0; i < 2; i++) {
		ASSERT_TRUE(rx_log_wait(s->nl, &s->log, s->bid[!i], s->bsent,
					WAIT_MS));
		r = rx_log_last(&s->log, s->bid[!i]);
		EXPECT_EQ(s->bsent, r->seq);
		ASSERT_TRUE(pattern_check(r->data, r->len, &num));
		EXPECT_EQ((s->bsent - 1) * 2 + i, num);
		ASSERT_EQ(0, tern_nl_conn_get(s->nl, s->bid[i], &info));
		EXPECT_EQ(TERN_STATE_ESTABLISHED, info.state);
	}
	EXPECT_EQ(NULL, rx_log_down(&s->log, s->bid[0]));
	EXPECT_EQ(NULL, rx_log_down(&s->log, s->bid[1]));
}

/* Write raw bytes on the peer: a frame header with any fields. */
static void write_hdr(struct __test_metadata *_metadata, int fd,
		      uint8_t version, uint8_t type, uint16_t flags,
		      uint32_t len)
{
	uint8_t h[TERN_FRAME_HDR_LEN] = {
		version, type, flags >> 8, flags & 0xff,
		len >> 24, (len >> 16) & 0xff, (len >> 8) & 0xff, len & 0xff,
	};

	ASSERT_EQ(sizeof(h), send(fd, h, sizeof(h), MSG_NOSIGNAL));
}

/* Write a valid frame carrying pattern @num. */
static void write_frame(struct __test_metadata *_metadata, int fd,
			uint32_t num, uint32_t len)
{
	uint8_t *buf = malloc(len);

	ASSERT_NE(NULL, buf);
	pattern_fill(buf, len, num);
	ASSERT_EQ(0, frame_write(fd, 16 + num % 200, (uint16_t)num, buf, len));
	free(buf);
}

/* Check that @v delivered frames 0..n-1 as written by write_frame(). */
static void check_delivered(struct __test_metadata *_metadata,
			    struct setup *s, struct victim *v, unsigned int n,
			    uint32_t len)
{
	unsigned int k = 0;
	uint32_t num;
	size_t i;

	ASSERT_TRUE(rx_log_wait(s->nl, &s->log, v->id, n, WAIT_MS));
	for (i = 0; i < s->log.nframes; i++) {
		const struct rx_frame *r = &s->log.frames[i];

		if (r->conn_id != v->id)
			continue;
		ASSERT_GT(n, k);
		EXPECT_EQ(k + 1, r->seq);
		EXPECT_EQ(16 + k % 200, r->type);
		ASSERT_EQ(len, r->len);
		ASSERT_TRUE(pattern_check(r->data, r->len, &num));
		EXPECT_EQ(k, num);
		k++;
	}
	EXPECT_EQ(n, k);
}

/* After the victim went down holding @n frames: they stay until acked,
 * then the connection is gone.
 */
static void ack_and_check_gone(struct __test_metadata *_metadata,
			       struct setup *s, struct victim *v,
			       unsigned int n, enum tern_reason reason)
{
	struct tern_conn_info info;

	ASSERT_EQ(0, tern_nl_conn_get(s->nl, v->id, &info));
	EXPECT_EQ(TERN_STATE_DOWN, info.state);
	EXPECT_EQ(reason, info.reason);
	EXPECT_EQ(n, info.stats.held_frames);
	ASSERT_EQ(0, rx_log_ack(s->nl, &s->log, v->id));
	EXPECT_EQ(-ENOENT, conn_wait_gone(s->nl, v->id, WAIT_MS));
	v->id = 0;
}

FIXTURE(bad) {
	struct setup s;
};

FIXTURE_VARIANT(bad) {
	int family;
	bool tls;
};

FIXTURE_VARIANT_ADD(bad, plain_ipv4) {
	.family = AF_INET,
	.tls = false,
};

FIXTURE_VARIANT_ADD(bad, plain_ipv6) {
	.family = AF_INET6,
	.tls = false,
};

FIXTURE_VARIANT_ADD(bad, ktls_ipv4) {
	.family = AF_INET,
	.tls = true,
};

FIXTURE_VARIANT_ADD(bad, ktls_ipv6) {
	.family = AF_INET6,
	.tls = true,
};

FIXTURE_SETUP(bad)
{
	setup_common(_metadata, &self->s, variant->family, variant->tls);
}

FIXTURE_TEARDOWN(bad)
{
	teardown_common(&self->s);
}

/* A frame one byte over the connection's max-frame, after one at it. */
TEST_F(bad, oversize_frame)
{
	struct tern_conn_params p = {
		.max_frame = 1000,
		.grace_ms = 0,
		.given = TERN_P_GRACE,
	};
	struct victim *v = add_victim(_metadata, &self->s, &p, true);
	uint8_t junk[1001] = { 0 };

	write_frame(_metadata, v->fds[1], 0, 1000);
	write_hdr(_metadata, v->fds[1], TERN_FRAME_VERSION, 16, 0, 1001);
	ASSERT_EQ(sizeof(junk), send(v->fds[1], junk, sizeof(junk),
				     MSG_NOSIGNAL));
	expect_down(_metadata, &self->s, v, TERN_REASON_PROTOCOL_ERROR);
	check_delivered(_metadata, &self->s, v, 1, 1000);
	ack_and_check_gone(_metadata, &self->s, v, 1,
			   TERN_REASON_PROTOCOL_ERROR);
	check_bystander(_metadata, &self->s);
}

/* Lengths over the largest payload with the default max-frame. */
TEST_F(bad, huge_length)
{
	const uint32_t lens[] = { TERN_FRAME_MAX_PAYLOAD + 1, 0xffffffff };
	struct victim *v;
	size_t i;

	for (i = 0; i < 2; i++) {
		v = add_victim(_metadata, &self->s, NULL, true);
		write_hdr(_metadata, v->fds[1], TERN_FRAME_VERSION, 16, 0,
			  lens[i]);
		expect_down(_metadata, &self->s, v,
			    TERN_REASON_PROTOCOL_ERROR);
		expect_gone(_metadata, &self->s, v);
	}
	check_bystander(_metadata, &self->s);
}

/* Versions other than 1, after a good frame. */
TEST_F(bad, bad_version)
{
	const uint8_t versions[] = { 0, 2, 0xff };
	struct victim *v;
	size_t i;

	for (i = 0; i < sizeof(versions); i++) {
		v = add_victim(_metadata, &self->s, NULL, true);
		write_frame(_metadata, v->fds[1], 0, 10);
		write_hdr(_metadata, v->fds[1], versions[i], 16, 0, 4);
		ASSERT_EQ(4, send(v->fds[1], "abcd", 4, MSG_NOSIGNAL));
		expect_down(_metadata, &self->s, v,
			    TERN_REASON_PROTOCOL_ERROR);
		check_delivered(_metadata, &self->s, v, 1, 10);
		ack_and_check_gone(_metadata, &self->s, v, 1,
				   TERN_REASON_PROTOCOL_ERROR);
	}
	check_bystander(_metadata, &self->s);
}

/* Type 0 is invalid, empty or not. */
TEST_F(bad, reserved_type_0)
{
	struct victim *v;
	int i;

	for (i = 0; i < 2; i++) {
		v = add_victim(_metadata, &self->s, NULL, true);
		write_hdr(_metadata, v->fds[1], TERN_FRAME_VERSION, 0, 0, i * 4);
		if (i)
			ASSERT_EQ(4, send(v->fds[1], "abcd", 4, MSG_NOSIGNAL));
		expect_down(_metadata, &self->s, v,
			    TERN_REASON_PROTOCOL_ERROR);
		expect_gone(_metadata, &self->s, v);
	}
	check_bystander(_metadata, &self->s);
}

/* Types 3..15 belong to the transport and are not defined. */
TEST_F(bad, reserved_types_3_to_15)
{
	struct victim *v;
	int type;

	for (type = 3; type < TERN_FRAME_USER_MIN; type++) {
		v = add_victim(_metadata, &self->s, NULL, true);
		ASSERT_EQ(0, frame_write(v->fds[1], type, 0, "abcd", 4));
		expect_down(_metadata, &self->s, v,
			    TERN_REASON_PROTOCOL_ERROR);
		expect_gone(_metadata, &self->s, v);
	}
	check_bystander(_metadata, &self->s);
}

/* PING and PONG payloads are at most 16 bytes. */
TEST_F(bad, heartbeat_payload_oversize)
{
	static const uint8_t payload[17] = "0123456789abcdefg";
	const struct { uint8_t type; uint32_t len; } cases[] = {
		{ TERN_FRAME_PING, 17 },
		{ TERN_FRAME_PONG, 17 },
		{ TERN_FRAME_PING, 0xffffffff },
	};
	struct victim *v;
	size_t i;

	for (i = 0; i < 3; i++) {
		v = add_victim(_metadata, &self->s, NULL, true);
		write_hdr(_metadata, v->fds[1], TERN_FRAME_VERSION,
			  cases[i].type, 0, cases[i].len);
		ASSERT_EQ(17, send(v->fds[1], payload, 17, MSG_NOSIGNAL));
		expect_down(_metadata, &self->s, v,
			    TERN_REASON_PROTOCOL_ERROR);
		expect_gone(_metadata, &self->s, v);
	}
	check_bystander(_metadata, &self->s);
}

/* Bytes that are no tern stream at all: an HTTP request, and a TLS
 * ClientHello-like burst (someone speaking TLS to a plain connection).
 */
TEST_F(bad, garbage)
{
	static const char http[] = "GET / HTTP/1.1\r\nHost: tern\r\n\r\n";
	uint8_t junk[4096];
	uint32_t x = 12345;
	struct victim *v;
	size_t i;

	for (i = 0; i < sizeof(junk); i++) {
		x = x * 1103515245 + 12345;
		junk[i] = x >> 16;
	}
	junk[0] = 0x16;		/* handshake */
	junk[1] = 0x03;
	junk[2] = 0x01;

	v = add_victim(_metadata, &self->s, NULL, true);
	ASSERT_EQ(strlen(http), send(v->fds[1], http, strlen(http),
				     MSG_NOSIGNAL));
	expect_down(_metadata, &self->s, v, TERN_REASON_PROTOCOL_ERROR);
	expect_gone(_metadata, &self->s, v);

	v = add_victim(_metadata, &self->s, NULL, true);
	ASSERT_EQ(sizeof(junk), send(v->fds[1], junk, sizeof(junk),
				     MSG_NOSIGNAL));
	expect_down(_metadata, &self->s, v, TERN_REASON_PROTOCOL_ERROR);
	expect_gone(_metadata, &self->s, v);
	check_bystander(_metadata, &self->s);
}

/*
 * Three good frames and garbage in one write: the three are delivered,
 * numbered 1..3, and held while the connection is down, until acked.
 */
TEST_F(bad, frames_before_garbage_delivered)
{
	uint8_t buf[3 * (TERN_FRAME_HDR_LEN + 100) + 16];
	struct victim *v;
	size_t off = 0;
	uint32_t k;

	for (k = 0; k < 3; k++) {
		uint8_t *h = buf + off;

		h[0] = TERN_FRAME_VERSION;
		h[1] = 16 + k;
		h[2] = 0;
		h[3] = k;
		h[4] = 0;
		h[5] = 0;
		h[6] = 0;
		h[7] = 100;
		pattern_fill(h + TERN_FRAME_HDR_LEN, 100, k);
		off += TERN_FRAME_HDR_LEN + 100;
	}
	memcpy(buf + off, "\x07garbage garbage", 16);
	off += 16;

	v = add_victim(_metadata, &self->s, NULL, true);
	ASSERT_EQ(off, send(v->fds[1], buf, off, MSG_NOSIGNAL));
	expect_down(_metadata, &self->s, v, TERN_REASON_PROTOCOL_ERROR);
	check_delivered(_metadata, &self->s, v, 3, 100);
	rx_log_poll(self->s.nl, &self->s.log, 100);
	EXPECT_EQ(3, rx_log_count(&self->s.log, v->id));
	ack_and_check_gone(_metadata, &self->s, v, 3,
			   TERN_REASON_PROTOCOL_ERROR);
	check_bystander(_metadata, &self->s);
}

/*
 * A frame that stops coming halfway, and a header cut short: after the
 * partial-frame timeout (300 ms here) the connection ends with reason
 * protocol-error. The complete frame before it is delivered.
 */
TEST_F(bad, partial_frame_timeout)
{
	struct tern_conn_params p = {
		.partial_timeout_ms = 300,
		.grace_ms = 0,
		.given = TERN_P_GRACE,
	};
	uint8_t half[500] = { 0 };
	struct victim *v;
	uint64_t t, at;

	v = add_victim(_metadata, &self->s, &p, true);
	write_frame(_metadata, v->fds[1], 0, 64);
	t = now_ms();	/* the partial frame starts after this */
	write_hdr(_metadata, v->fds[1], TERN_FRAME_VERSION, 16, 0, 1000);
	ASSERT_EQ(sizeof(half), send(v->fds[1], half, sizeof(half),
				     MSG_NOSIGNAL));
	check_delivered(_metadata, &self->s, v, 1, 64);
	at = expect_down(_metadata, &self->s, v, TERN_REASON_PROTOCOL_ERROR);
	TH_LOG("half a frame: down after %llu ms",
	       (unsigned long long)(at - t));
	EXPECT_LE(300 - 10, at - t);
	EXPECT_GE(5000, at - t);
	ack_and_check_gone(_metadata, &self->s, v, 1,
			   TERN_REASON_PROTOCOL_ERROR);

	v = add_victim(_metadata, &self->s, &p, true);
	t = now_ms();
	ASSERT_EQ(5, send(v->fds[1], "\x01\x10\x00\x00\x00", 5, MSG_NOSIGNAL));
	at = expect_down(_metadata, &self->s, v, TERN_REASON_PROTOCOL_ERROR);
	TH_LOG("5 header bytes: down after %llu ms",
	       (unsigned long long)(at - t));
	EXPECT_LE(300 - 10, at - t);
	EXPECT_GE(5000, at - t);
	expect_gone(_metadata, &self->s, v);
	check_bystander(_metadata, &self->s);
}

/*
 * The partial-frame timeout is about one frame: a peer streaming for 4 s
 * frames that each complete within a few tens of milliseconds, but whose
 * writes never end on a frame boundary (so no read does either), stays up
 * with a 1 s partial-frame timeout, and every frame arrives.
 */
TEST_F(bad, partial_timeout_per_frame)
{
	struct tern_conn_params p = {
		.partial_timeout_ms = 1000,
		.grace_ms = 0,
		.given = TERN_P_GRACE,
	};
	const unsigned int n = 200, len = 200;
	const size_t flen = TERN_FRAME_HDR_LEN + len;
	uint8_t *wire = malloc(n * flen);
	struct tern_conn_info info;
	struct victim *v;
	unsigned int i;
	size_t off = 0;
	uint64_t t0;

	ASSERT_NE(NULL, wire);
	for (i = 0; i < n; i++) {
		uint8_t *h = wire + i * flen;

		h[0] = TERN_FRAME_VERSION;
		h[1] = 16 + i % 200;
		h[2] = 0;
		h[3] = i & 0xff;
		h[4] = 0;
		h[5] = 0;
		h[6] = len >> 8;
		h[7] = len & 0xff;
		pattern_fill(h + TERN_FRAME_HDR_LEN, len, i);
	}

	v = add_victim(_metadata, &self->s, &p, true);
	t0 = now_ms();
	/* Half of frame 0; then the rest of frame i and half of frame i+1,
	 * every 20 ms; then the rest of the last frame.
	 */
	for (i = 0; i <= n; i++) {
		size_t end = i < n ? i * flen + flen / 2 : n * flen;
		const struct rx_down *d;
		ssize_t w;

		w = send(v->fds[1], wire + off, end - off, MSG_NOSIGNAL);
		rx_log_poll(self->s.nl, &self->s.log, 0);
		d = rx_log_down(&self->s.log, v->id);
		if (w != (ssize_t)(end - off) && !d)
			d = rx_log_wait_down(self->s.nl, &self->s.log, v->id,
					     WAIT_MS);
		ASSERT_EQ(NULL, d)
			TH_LOG("down after %u frames in %llu ms, reason %s", i,
			       (unsigned long long)(now_ms() - t0),
			       tern_reason_name(d->reason));
		ASSERT_EQ(end - off, w);
		off = end;
		usleep(20 * 1000);
	}
	ASSERT_TRUE(rx_log_wait(self->s.nl, &self->s.log, v->id, n, WAIT_MS));
	ASSERT_EQ(0, tern_nl_conn_get(self->s.nl, v->id, &info));
	EXPECT_EQ(TERN_STATE_ESTABLISHED, info.state);
	EXPECT_EQ(NULL, rx_log_down(&self->s.log, v->id));
	check_delivered(_metadata, &self->s, v, n, len);
	free(wire);
}

/* The peer sends two frames and closes: both delivered, then peer-closed. */
TEST_F(bad, peer_closed)
{
	struct victim *v = add_victim(_metadata, &self->s, NULL, true);

	write_frame(_metadata, v->fds[1], 0, 300);
	write_frame(_metadata, v->fds[1], 1, 300);
	ASSERT_EQ(0, close(v->fds[1]));
	v->fds[1] = -1;
	expect_down(_metadata, &self->s, v, TERN_REASON_PEER_CLOSED);
	check_delivered(_metadata, &self->s, v, 2, 300);
	ack_and_check_gone(_metadata, &self->s, v, 2,
			   TERN_REASON_PEER_CLOSED);

	/* Half-close too: the peer's FIN is the end of the stream. */
	v = add_victim(_metadata, &self->s, NULL, true);
	ASSERT_EQ(0, shutdown(v->fds[1], SHUT_WR));
	expect_down(_metadata, &self->s, v, TERN_REASON_PEER_CLOSED);
	expect_gone(_metadata, &self->s, v);
	check_bystander(_metadata, &self->s);
}

/* The peer aborts the connection (RST): reason reset. */
TEST_F(bad, peer_reset)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct victim *v = add_victim(_metadata, &self->s, NULL, true);

	ASSERT_EQ(0, setsockopt(v->fds[1], SOL_SOCKET, SO_LINGER, &lg,
				sizeof(lg)));
	ASSERT_EQ(0, close(v->fds[1]));
	v->fds[1] = -1;
	expect_down(_metadata, &self->s, v, TERN_REASON_RESET);
	expect_gone(_metadata, &self->s, v);
	check_bystander(_metadata, &self->s);
}

/* TLS records that are not application data, and ones that do not
 * decrypt, on kTLS connections.
 */
FIXTURE(tls) {
	struct setup s;
};

FIXTURE_VARIANT(tls) {
	int family;
};

FIXTURE_VARIANT_ADD(tls, ipv4) {
	.family = AF_INET,
};

FIXTURE_VARIANT_ADD(tls, ipv6) {
	.family = AF_INET6,
};

FIXTURE_SETUP(tls)
{
	setup_common(_metadata, &self->s, variant->family, true);
}

FIXTURE_TEARDOWN(tls)
{
	teardown_common(&self->s);
}

#define TLS_ALERT	21
#define TLS_HANDSHAKE	22

/* A fatal alert after two frames, and a warning-level alert other than
 * close_notify: reason tls-alert; the frames are delivered.
 */
TEST_F(tls, fatal_alert)
{
	static const uint8_t fatal[2] = { 2, 40 };	/* handshake_failure */
	static const uint8_t warn[2] = { 1, 90 };	/* user_canceled */
	struct victim *v = add_victim(_metadata, &self->s, NULL, true);

	write_frame(_metadata, v->fds[1], 0, 200);
	write_frame(_metadata, v->fds[1], 1, 200);
	ASSERT_EQ(2, ktls_send_record(v->fds[1], TLS_ALERT, fatal, 2));
	expect_down(_metadata, &self->s, v, TERN_REASON_TLS_ALERT);
	check_delivered(_metadata, &self->s, v, 2, 200);
	ack_and_check_gone(_metadata, &self->s, v, 2, TERN_REASON_TLS_ALERT);

	v = add_victim(_metadata, &self->s, NULL, true);
	ASSERT_EQ(2, ktls_send_record(v->fds[1], TLS_ALERT, warn, 2));
	expect_down(_metadata, &self->s, v, TERN_REASON_TLS_ALERT);
	expect_gone(_metadata, &self->s, v);
	check_bystander(_metadata, &self->s);
}

/* close_notify is the peer closing, after its last frame. */
TEST_F(tls, close_notify)
{
	static const uint8_t cn[2] = { 1, 0 };
	struct victim *v = add_victim(_metadata, &self->s, NULL, true);

	write_frame(_metadata, v->fds[1], 0, 50);
	ASSERT_EQ(2, ktls_send_record(v->fds[1], TLS_ALERT, cn, 2));
	expect_down(_metadata, &self->s, v, TERN_REASON_PEER_CLOSED);
	check_delivered(_metadata, &self->s, v, 1, 50);
	ack_and_check_gone(_metadata, &self->s, v, 1,
			   TERN_REASON_PEER_CLOSED);
	check_bystander(_metadata, &self->s);
}

/* A handshake record (a KeyUpdate, which kTLS cannot follow): tls-alert. */
TEST_F(tls, handshake_record)
{
	/* KeyUpdate: msg_type 24, length 1, update_not_requested. */
	static const uint8_t key_update[5] = { 24, 0, 0, 1, 0 };
	struct victim *v = add_victim(_metadata, &self->s, NULL, true);

	write_frame(_metadata, v->fds[1], 0, 30);
	ASSERT_EQ(5, ktls_send_record(v->fds[1], TLS_HANDSHAKE, key_update,
				      5));
	expect_down(_metadata, &self->s, v, TERN_REASON_TLS_ALERT);
	check_delivered(_metadata, &self->s, v, 1, 30);
	ack_and_check_gone(_metadata, &self->s, v, 1, TERN_REASON_TLS_ALERT);
	check_bystander(_metadata, &self->s);
}

/* A peer without the keys: a well-formed record that does not decrypt,
 * and bytes that are no TLS record at all.
 */
TEST_F(tls, undecryptable_record)
{
	uint8_t rec[5 + 64];
	struct victim *v;
	size_t i;

	rec[0] = 23;		/* application data, TLS 1.2 legacy version */
	rec[1] = 3;
	rec[2] = 3;
	rec[3] = 0;
	rec[4] = 64;
	for (i = 5; i < sizeof(rec); i++)
		rec[i] = (uint8_t)(i * 13);

	v = add_victim(_metadata, &self->s, NULL, false);
	ASSERT_EQ(sizeof(rec), send(v->fds[1], rec, sizeof(rec),
				    MSG_NOSIGNAL));
	expect_down(_metadata, &self->s, v, TERN_REASON_TLS_ALERT);
	expect_gone(_metadata, &self->s, v);

	v = add_victim(_metadata, &self->s, NULL, false);
	ASSERT_EQ(0, frame_write(v->fds[1], 16, 0, "plain text", 10));
	expect_down(_metadata, &self->s, v, TERN_REASON_TLS_ALERT);
	expect_gone(_metadata, &self->s, v);
	check_bystander(_metadata, &self->s);
}

TEST_HARNESS_MAIN
