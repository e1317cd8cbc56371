// SPDX-License-Identifier: GPL-2.0
/*
 * The user transport: the gateway holds each connection itself, reads and
 * writes TLS records with OpenSSL on its event loop, parses frames with the
 * same parser as tern.ko (kmod/frame.c), answers PINGs, and drops peers
 * that go silent for 1.5 heartbeat intervals or leave a frame unfinished
 * for the partial-frame timeout. OpenSSL follows TLS KeyUpdates here.
 *
 * Frames queued in one loop iteration leave in one SSL_write (one record)
 * from an after-callback, not one record per frame.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <openssl/err.h>

#include "frame.h"
#include "session.h"

#define TU_READ_CHUNK	16384
#define TU_READS	8		/* records per readiness event */
#define TU_LINGER_MS	2000		/* to flush a closing connection */

struct tu_conn {
	struct ev_fd ev;
	struct tu_conn *prev, *next;	/* all live connections */
	struct gw *gw;
	SSL *ssl;
	struct gw_sess *sess;
	struct tern_parser parser;
	struct wbuf out;
	struct ev_timer live;		/* liveness and linger */
	struct ev_timer partial;	/* partial-frame deadline */
	struct ev_after flush;
	struct ev_after more;		/* records read ahead, not yet fed */
	struct ev_after reap;
	uint64_t last_rx_ms;
	uint32_t live_ms;		/* 0: not yet known */
	bool closing;			/* flush, then close */
	bool dead;			/* fd closed; waiting to be freed */
	bool want_write;
};

static struct tu_conn *tu_all;

#define tu_of(ptr, member) \
	((struct tu_conn *)((char *)(ptr) - offsetof(struct tu_conn, member)))

static void tu_reap(struct ev_after *a)
{
	struct tu_conn *c = tu_of(a, reap);

	SSL_free(c->ssl);
	free(tern_parser_reset(&c->parser));
	wbuf_free(&c->out);
	free(c);
}

/* The connection is over: release everything but the memory. */
static void tu_kill(struct tu_conn *c)
{
	struct gw *gw = c->gw;

	if (c->dead)
		return;
	c->dead = true;
	if (c->prev)
		c->prev->next = c->next;
	else
		tu_all = c->next;
	if (c->next)
		c->next->prev = c->prev;
	ev_fd_del(gw->loop, &c->ev);
	close(c->ev.fd);
	c->ev.fd = -1;
	ev_timer_stop(gw->loop, &c->live);
	ev_timer_stop(gw->loop, &c->partial);
	if (c->sess) {
		struct gw_sess *s = c->sess;

		c->sess = NULL;
		sess_lost(s);
	}
	ev_after(gw->loop, &c->reap);
}

static void tu_update_events(struct tu_conn *c)
{
	uint32_t ev = c->closing ? 0 : EPOLLIN;

	if (c->want_write)
		ev |= EPOLLOUT;
	ev_fd_mod(c->gw->loop, &c->ev, ev);
}

static void tu_try_write(struct tu_conn *c)
{
	size_t before = c->out.len;

	c->want_write = false;
	while (c->out.len) {
		int n = SSL_write(c->ssl, c->out.data,
				  c->out.len > INT32_MAX ? INT32_MAX :
				  (int)c->out.len);

		if (n > 0) {
			wbuf_consume(&c->out, n);
			continue;
		}
		switch (SSL_get_error(c->ssl, n)) {
		case SSL_ERROR_WANT_WRITE:
		case SSL_ERROR_WANT_READ:
			c->want_write = true;
			tu_update_events(c);
			return;
		default:
			ERR_clear_error();
			tu_kill(c);
			return;
		}
	}
	if (c->closing) {
		SSL_shutdown(c->ssl);
		ERR_clear_error();
		tu_kill(c);
		return;
	}
	tu_update_events(c);
	if (before && c->sess)
		sess_writable(c->sess);
}

static void tu_flush(struct ev_after *a)
{
	struct tu_conn *c = tu_of(a, flush);

	if (!c->dead)
		tu_try_write(c);
}

static int tu_queue(struct tu_conn *c, const void *buf, size_t len)
{
	uint8_t *p = wbuf_reserve(&c->out, len);

	if (!p)
		return -ENOMEM;
	memcpy(p, buf, len);
	c->out.len += len;
	if (!c->want_write)
		ev_after(c->gw->loop, &c->flush);
	return 0;
}

static void tu_close_frame(struct tu_conn *c, int reason, const char *detail)
{
	if (c->sess) {
		sess_close(c->sess, reason, 0, detail);
		return;
	}
	c->closing = true;
	ev_after(c->gw->loop, &c->flush);
}

/* Frames from the parser. */
static int tu_begin(void *ctx, const struct tern_hdr *h, void **buf)
{
	(void)ctx;
	*buf = NULL;
	if (!h->len)
		return 0;
	*buf = malloc(h->len);
	return *buf ? 0 : -ENOMEM;
}

static int tu_end(void *ctx, const struct tern_hdr *h, void *buf)
{
	struct tu_conn *c = ctx;
	uint8_t pong[TERN_FRAME_HDR_LEN + TERN_HB_MAX_PAYLOAD];

	switch (h->type) {
	case TERN_FRAME_PING:
		tern_frame_hdr_build(pong, TERN_FRAME_PONG, h->flags, h->len);
		if (h->len)
			memcpy(pong + TERN_FRAME_HDR_LEN, buf, h->len);
		tu_queue(c, pong, TERN_FRAME_HDR_LEN + h->len);
		break;
	case TERN_FRAME_PONG:
		break;
	default:
		if (c->sess)
			sess_recv(c->sess, h->type, buf, h->len);
		break;
	}
	free(buf);
	/* A session that closed wants no more frames. */
	return c->closing || c->dead ? -ECANCELED : 0;
}

static const struct tern_parser_ops tu_parser_ops = {
	.begin = tu_begin,
	.end = tu_end,
};

static void tu_feed(struct tu_conn *c, const void *buf, size_t len)
{
	struct gw *gw = c->gw;
	int err;

	err = tern_parser_feed(&c->parser, gw->conf.max_payload + WIRE_OVERHEAD,
			       buf, len, &tu_parser_ops, c);
	if (err && err != -ECANCELED && !c->closing && !c->dead) {
		tu_close_frame(c, err == -EMSGSIZE ?
			       TERN__CLOSE_REASON__CLOSE_TOO_LARGE :
			       TERN__CLOSE_REASON__CLOSE_PROTOCOL,
			       err == -EMSGSIZE ? "frame over the maximum size" :
			       err == -ENOMEM ? "out of memory" :
			       "malformed frame header");
		return;
	}
	if (c->dead || c->closing)
		return;
	if (!tern_parser_mid_frame(&c->parser))
		ev_timer_stop(gw->loop, &c->partial);
	else if (!ev_timer_armed(&c->partial))
		ev_timer_in(gw->loop, &c->partial, gw->conf.partial_timeout_ms);
}

static void tu_read(struct tu_conn *c)
{
	uint8_t buf[TU_READ_CHUNK];
	int i;

	for (i = 0; !c->dead && !c->closing; i++) {
		int n;

		if (i == TU_READS) {
			/* Read ahead, records may wait in OpenSSL with the
			 * socket empty: epoll would never say so. Later in
			 * this iteration, after the other connections.
			 */
			if (SSL_has_pending(c->ssl))
				ev_after(c->gw->loop, &c->more);
			return;
		}
		n = SSL_read(c->ssl, buf, sizeof(buf));

		if (n > 0) {
			c->last_rx_ms = ev_now_ms();
			tu_feed(c, buf, n);
			continue;
		}
		switch (SSL_get_error(c->ssl, n)) {
		case SSL_ERROR_WANT_READ:
			return;
		case SSL_ERROR_WANT_WRITE:
			/* A KeyUpdate answer waits for room. */
			c->want_write = true;
			tu_update_events(c);
			return;
		default:
			/* close_notify, EOF, reset or a TLS error. */
			ERR_clear_error();
			tu_kill(c);
			return;
		}
	}
}

static void tu_more(struct ev_after *a)
{
	struct tu_conn *c = tu_of(a, more);

	if (!c->dead)
		tu_read(c);
}

static void tu_event(struct ev_fd *ev, uint32_t events)
{
	struct tu_conn *c = tu_of(ev, ev);

	if (c->dead)
		return;
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		tu_read(c);
	if (!c->dead && (events & EPOLLOUT))
		tu_try_write(c);
}

static void tu_live_fire(struct ev_timer *t)
{
	struct tu_conn *c = tu_of(t, live);
	uint64_t now = ev_now_ms();

	if (c->dead)
		return;
	if (c->closing) {		/* linger over */
		tu_kill(c);
		return;
	}
	if (now - c->last_rx_ms < c->live_ms) {
		ev_timer_at(c->gw->loop, &c->live, c->last_rx_ms + c->live_ms);
		return;
	}
	tu_close_frame(c, TERN__CLOSE_REASON__CLOSE_IDLE,
		       "peer silent for 1.5 heartbeat intervals");
}

static void tu_partial_fire(struct ev_timer *t)
{
	struct tu_conn *c = tu_of(t, partial);

	if (!c->dead && !c->closing)
		tu_close_frame(c, TERN__CLOSE_REASON__CLOSE_TIMEOUT,
			       "frame not completed within the partial-frame timeout");
}

/* Transport ops, called by the session core. */
static int tu_send(struct gw_sess *s, const void *buf, size_t len)
{
	struct tu_conn *c = s->tctx;

	if (!c || c->dead || c->closing)
		return -ENOTCONN;
	return tu_queue(c, buf, len);
}

static void tu_close(struct gw_sess *s)
{
	struct tu_conn *c = s->tctx;

	if (!c || c->dead || c->closing)
		return;
	c->closing = true;
	ev_timer_in(c->gw->loop, &c->live, TU_LINGER_MS);
	ev_timer_stop(c->gw->loop, &c->partial);
	ev_after(c->gw->loop, &c->flush);
}

static size_t tu_queued(struct gw_sess *s)
{
	struct tu_conn *c = s->tctx;

	return c ? c->out.len : 0;
}

static void tu_set_heartbeat(struct gw_sess *s, uint32_t interval_ms)
{
	struct tu_conn *c = s->tctx;

	if (!c || c->dead || c->closing)
		return;
	c->live_ms = interval_ms + interval_ms / 2;
	ev_timer_at(c->gw->loop, &c->live, c->last_rx_ms + c->live_ms);
}

static const struct gw_transport_ops tu_ops = {
	.name = "user",
	.send = tu_send,
	.close = tu_close,
	.queued = tu_queued,
	.set_heartbeat = tu_set_heartbeat,
};

static int tu_take(struct gw *gw, int fd, SSL *ssl,
		   const uint8_t exporter[WIRE_EXPORTER_LEN])
{
	struct tu_conn *c = calloc(1, sizeof(*c));
	int err;

	if (!c)
		return -ENOMEM;
	c->gw = gw;
	c->ssl = ssl;
	c->last_rx_ms = ev_now_ms();
	c->live.fn = tu_live_fire;
	c->partial.fn = tu_partial_fire;
	c->flush.fn = tu_flush;
	c->more.fn = tu_more;
	c->reap.fn = tu_reap;
	c->ev.fn = tu_event;
	/* Most sessions are idle most of the time: no record buffers
	 * while idle (10 KB a session).
	 */
	SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE |
		     SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
		     SSL_MODE_RELEASE_BUFFERS);
	/* One read() for all the records that have come, not two per
	 * record (header, then body). Only now: a kernel-transport
	 * handshake must leave what follows it in the socket for kTLS.
	 */
	SSL_set_read_ahead(ssl, 1);
	err = ev_fd_add(gw->loop, &c->ev, fd, EPOLLIN);
	if (err) {
		free(c);
		return err;
	}
	c->sess = sess_open(gw, c, exporter);
	if (!c->sess) {
		ev_fd_del(gw->loop, &c->ev);
		free(c);
		return -ENOMEM;
	}
	c->next = tu_all;
	if (tu_all)
		tu_all->prev = c;
	tu_all = c;
	/* Frames may already wait in the socket. */
	tu_read(c);
	return 0;
}

/* Whatever is still open when the gateway exits (the sessions have been
 * sent their CLOSE already) is cut.
 */
static void tu_shutdown(struct gw *gw)
{
	(void)gw;
	while (tu_all)
		tu_kill(tu_all);
}

static void tu_destroy(struct gw *gw)
{
	free(gw->t);
	gw->t = NULL;
}

int gw_tuser_init(struct gw *gw, char *err, size_t errlen)
{
	struct gw_transport *t = calloc(1, sizeof(*t));

	(void)err;
	(void)errlen;
	if (!t)
		return -ENOMEM;
	t->ops = &tu_ops;
	t->take = tu_take;
	t->shutdown = tu_shutdown;
	t->destroy = tu_destroy;
	gw->t = t;
	return 0;
}
