// SPDX-License-Identifier: GPL-2.0
/*
 * tern-gwbench's Tern clients: raw devices speaking the gateway protocol
 * (Documentation/protocol.rst) like tests/e2e/gwprobe, but non-blocking,
 * with any number of pushes in flight.
 *
 * Receivers connect first (their push tokens are what senders push to);
 * sender i pushes to receiver i mod receivers. Connecting, TLS and the
 * hello are blocking; then every session goes on the core's epoll loop.
 * Frames queued in one loop iteration leave in one SSL_write (partial
 * writes allowed), as the gateway's own transport does. A receiver acks
 * every DELIVER it got in an iteration with one DELIVER_ACK at its end.
 *
 * A message id is run id, step, pair and sequence number (4 bytes each,
 * little-endian), so that an ACK or NACK names the message it answers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <openssl/err.h>

#include "netaddr.h"
#include "tern_client.h"
#include "tls.h"
#include "wire.h"

static struct tern_sys tsys;

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static uint32_t get_le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void mark_dirty(struct tsess *s)
{
	if (s->dirty)
		return;
	s->dirty = true;
	s->ts->dirty[s->ts->n_dirty++] = s;
}

static const char *sess_name(const struct tsess *s, char *buf, size_t len)
{
	snprintf(buf, len, "%s %u", s->receiver ? "receiver" : "sender",
		 s->idx);
	return buf;
}

void tern_sess_fail(struct tsess *s, const char *what)
{
	char name[32];
	unsigned long e = ERR_get_error();
	char ssl[160] = "";

	if (e)
		ERR_error_string_n(e, ssl, sizeof(ssl));
	ERR_clear_error();
	gwb_fail(s->ts->b, "tern %s: %s%s%s", sess_name(s, name, sizeof(name)),
		 what, ssl[0] ? ": " : "", ssl);
}

/* --- Frames from the gateway ------------------------------------------ */

static int fr_begin(void *ctx, const struct tern_hdr *h, void **buf)
{
	struct tsess *s = ctx;

	(void)h;
	*buf = s->frame;
	return 0;
}

static int queue_id(struct tsess *s, const uint8_t *id)
{
	if (s->n_ids == s->cap_ids) {
		unsigned int cap = s->cap_ids ? 2 * s->cap_ids : 256;
		void *v = realloc(s->ids, cap * sizeof(*s->ids));

		if (!v)
			return -ENOMEM;
		s->ids = v;
		s->cap_ids = cap;
	}
	memcpy(s->ids[s->n_ids++], id, WIRE_MSG_ID_LEN);
	mark_dirty(s);
	return 0;
}

static void on_answer(struct tsess *s, const uint8_t *id, bool ok, int reason)
{
	if (get_le32(id) != s->ts->b->run_id)
		return;
	gwb_acked(s->ts->b, get_le32(id + 4), get_le32(id + 8),
		  get_le32(id + 12), ok, reason);
}

static int on_message(struct tsess *s, uint8_t type, ProtobufCMessage *m)
{
	char what[160];

	switch (type) {
	case WIRE_ACK:
		on_answer(s, ((Tern__Ack *)m)->msg_id.data, true, 0);
		return 0;
	case WIRE_NACK:
		on_answer(s, ((Tern__Nack *)m)->msg_id.data, false,
			  ((Tern__Nack *)m)->reason);
		return 0;
	case WIRE_DELIVER: {
		Tern__Deliver *d = (void *)m;

		gwb_delivered(s->ts->b, d->payload.data, d->payload.len);
		return queue_id(s, d->msg_id.data);
	}
	case WIRE_CLOSE:
		snprintf(what, sizeof(what), "the gateway closed the session: %s %s",
			 wire_close_name(((Tern__Close *)m)->reason),
			 ((Tern__Close *)m)->detail);
		tern_sess_fail(s, what);
		return -ECONNRESET;
	default:
		return 0;
	}
}

static int fr_end(void *ctx, const struct tern_hdr *h, void *buf)
{
	struct tsess *s = ctx;
	ProtobufCMessage *m;
	char err[160];
	uint8_t *p;
	int ret;

	if (h->type == TERN_FRAME_PING) {
		p = wbuf_reserve(&s->out, TERN_FRAME_HDR_LEN + h->len);
		if (!p)
			return -ENOMEM;
		tern_frame_hdr_build(p, TERN_FRAME_PONG, 0, h->len);
		memcpy(p + TERN_FRAME_HDR_LEN, buf, h->len);
		s->out.len += TERN_FRAME_HDR_LEN + h->len;
		mark_dirty(s);
		return 0;
	}
	if (h->type < TERN_FRAME_USER_MIN)
		return 0;
	if (wire_decode(h->type, buf, h->len, &m, err, sizeof(err))) {
		tern_sess_fail(s, err);
		return -EPROTO;
	}
	ret = on_message(s, h->type, m);
	wire_free(m);
	return ret;
}

static const struct tern_parser_ops fr_ops = {
	.begin = fr_begin,
	.end = fr_end,
};

/* --- Non-blocking I/O ------------------------------------------------- */

static void sess_write(struct tsess *s)
{
	struct gwb *b = s->ts->b;

	while (s->out.len) {
		size_t chunk = s->out.len < TS_WRITE_CHUNK ? s->out.len :
			       TS_WRITE_CHUNK;
		int n = SSL_write(s->ssl, s->out.data, chunk);

		if (n > 0) {
			wbuf_consume(&s->out, n);
			continue;
		}
		switch (SSL_get_error(s->ssl, n)) {
		case SSL_ERROR_WANT_WRITE:
			gwb_fd_mod(b, &s->ev, EPOLLIN | EPOLLOUT);
			return;
		case SSL_ERROR_WANT_READ:
			return;
		default:
			tern_sess_fail(s, "write failed");
			return;
		}
	}
	gwb_fd_mod(b, &s->ev, EPOLLIN);
}

void tern_sess_read(struct tsess *s)
{
	for (;;) {
		int n = SSL_read(s->ssl, s->ts->rbuf, sizeof(s->ts->rbuf));

		if (n > 0) {
			int err = tern_parser_feed(&s->parser,
						   TERN_FRAME_MAX_PAYLOAD,
						   s->ts->rbuf, n, &fr_ops, s);

			if (err) {
				tern_sess_fail(s, "bad frame from the gateway");
				return;
			}
			continue;
		}
		switch (SSL_get_error(s->ssl, n)) {
		case SSL_ERROR_WANT_READ:
			return;
		case SSL_ERROR_WANT_WRITE:
			mark_dirty(s);
			return;
		case SSL_ERROR_ZERO_RETURN:
			tern_sess_fail(s, "the gateway closed the connection");
			return;
		default:
			tern_sess_fail(s, "read failed (connection lost?)");
			return;
		}
	}
}

void tern_sess_event(struct gwb *b, struct gwb_fd *f, uint32_t events)
{
	struct tsess *s = (struct tsess *)f;

	(void)b;
	if (events & EPOLLOUT)
		sess_write(s);
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		tern_sess_read(s);
}

static int tern_open(struct gwb *b)
{
	struct tern_sys *ts = &tsys;
	char err[256];
	unsigned int i;

	ts->b = b;
	b->priv = ts;
	if (netaddr_parse(b->o.target, &ts->ss, &ts->ss_len, err, sizeof(err))) {
		gwb_fail(b, "%s", err);
		return -1;
	}
	ts->ctx = tls_client_ctx(b->o.ca, err, sizeof(err));
	if (!ts->ctx) {
		gwb_fail(b, "%s", err);
		return -1;
	}
	SSL_CTX_set_mode(ts->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
			 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	ts->n_sess = b->o.receivers + b->o.senders;
	ts->sess = calloc(ts->n_sess, sizeof(*ts->sess));
	ts->dirty = calloc(ts->n_sess, sizeof(*ts->dirty));
	if (!ts->sess || !ts->dirty) {
		gwb_fail(b, "out of memory");
		return -1;
	}
	for (i = 0; i < ts->n_sess; i++) {
		struct tsess *s = &ts->sess[i];

		s->ts = ts;
		s->ev.fd = -1;
		s->receiver = i < b->o.receivers;
		s->idx = s->receiver ? i : i - b->o.receivers;
		if (tern_sess_open(b, s))
			return -1;
	}
	return 0;
}

static int tern_send(struct gwb *b, unsigned int pair, uint32_t seq,
		     const void *msg, size_t len)
{
	struct tern_sys *ts = b->priv;
	struct tsess *s = &ts->sess[b->o.receivers + pair];
	struct tsess *r = &ts->sess[pair % b->o.receivers];
	Tern__Push p = TERN__PUSH__INIT;
	uint8_t id[WIRE_MSG_ID_LEN];

	if (s->out.len > TS_OUT_MAX)
		return -EAGAIN;
	put_le32(id, b->run_id);
	put_le32(id + 4, b->step_no);
	put_le32(id + 8, pair);
	put_le32(id + 12, seq);
	p.token = wire_bytes(r->token, WIRE_TOKEN_LEN);
	p.msg_id = wire_bytes(id, WIRE_MSG_ID_LEN);
	p.payload = wire_bytes(msg, len);
	if (wire_put(&s->out, WIRE_PUSH, &p.base)) {
		gwb_fail(b, "cannot pack a push");
		return -ENOMEM;
	}
	mark_dirty(s);
	return 0;
}

/* One DELIVER_ACK frame per WIRE_MAX_IDS ids. */
static int put_acks(struct tsess *s)
{
	ProtobufCBinaryData ids[WIRE_MAX_IDS];
	unsigned int i, off, n;

	for (off = 0; off < s->n_ids; off += n) {
		Tern__DeliverAck a = TERN__DELIVER_ACK__INIT;

		n = s->n_ids - off < WIRE_MAX_IDS ? s->n_ids - off :
		    WIRE_MAX_IDS;
		for (i = 0; i < n; i++)
			ids[i] = wire_bytes(s->ids[off + i], WIRE_MSG_ID_LEN);
		a.n_msg_id = n;
		a.msg_id = ids;
		if (wire_put(&s->out, WIRE_DELIVER_ACK, &a.base))
			return -ENOMEM;
	}
	s->n_ids = 0;
	return 0;
}

static void tern_flush(struct gwb *b)
{
	struct tern_sys *ts = b->priv;
	unsigned int i;

	for (i = 0; i < ts->n_dirty; i++) {
		struct tsess *s = ts->dirty[i];

		s->dirty = false;
		if (s->n_ids && put_acks(s)) {
			gwb_fail(b, "cannot pack a deliver-ack");
			return;
		}
		sess_write(s);
	}
	ts->n_dirty = 0;
}

static void tern_close(struct gwb *b)
{
	struct tern_sys *ts = b->priv;
	unsigned int i;

	if (!ts)
		return;
	for (i = 0; i < ts->n_sess; i++) {
		struct tsess *s = &ts->sess[i];

		if (s->ssl)
			SSL_free(s->ssl);
		if (s->ev.fd >= 0)
			close(s->ev.fd);
		EVP_PKEY_free(s->key);
		wbuf_free(&s->out);
		free(s->frame);
		free(s->ids);
	}
	free(ts->sess);
	free(ts->dirty);
	SSL_CTX_free(ts->ctx);
	b->priv = NULL;
}

static void tern_describe(struct gwb *b, struct json *j)
{
	struct tern_sys *ts = b->priv;

	json_kv_str(j, "protocol", "tern/1 (Documentation/protocol.rst)");
	json_kv_str(j, "tls", "TLS 1.3, no resumption");
	json_kv_str(j, "cipher", ts && ts->cipher[0] ? ts->cipher : "");
	json_kv_str(j, "client",
		    "tern-gwbench raw devices: frames of one loop iteration in one SSL_write, one DELIVER_ACK per iteration");
	json_kv_str(j, "ack_means",
		    "ACK: the push is committed to the gateway's SQLite store (WAL) and the WAL flushed to disk (fdatasync) before it is sent");
}

const struct gwb_sys gwb_sys_tern = {
	.name = "tern",
	.open = tern_open,
	.send = tern_send,
	.flush = tern_flush,
	.close = tern_close,
	.describe = tern_describe,
};
