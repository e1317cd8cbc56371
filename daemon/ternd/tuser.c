// SPDX-License-Identifier: GPL-2.0
/*
 * The user transport: ternd holds the gateway connection itself, reads
 * and writes TLS records with OpenSSL on its event loop (non-blocking
 * socket, epoll), cuts frames with tern.ko's parser (kmod/frame.c), and
 * keeps the connection alive as tern.ko would: a PING after one heartbeat
 * interval without anything received (less up to an eighth, at random),
 * and the connection is dead if nothing at all arrives within the PONG
 * timeout, min(20 s, interval). The gateway's PINGs are answered with
 * PONGs. OpenSSL follows TLS KeyUpdates here.
 *
 * Frames queued in one loop iteration leave together, from an
 * after-callback.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include "frame.h"
#include "tls.h"
#include "ternd.h"

#define TU_READ_CHUNK	16384
#define TU_READS	8		/* records per readiness event */
#define TU_LINGER_MS	2000		/* to flush a closing connection */
#define TU_PING_LEN	8

struct tu {
	struct ternd *td;
	struct ev_fd ev;
	SSL *ssl;
	struct tern_parser parser;
	struct wbuf out;
	struct ev_timer hb;		/* next PING, or the PONG deadline */
	struct ev_timer linger;
	struct ev_after flush;
	struct ev_after reap;
	uint64_t last_rx_ms;
	uint64_t ping_ms;		/* the outstanding PING left; 0: none */
	uint32_t ping_interval;		/* the interval it tests */
	uint8_t ping_tok[TU_PING_LEN];
	uint32_t interval_ms;
	uint32_t jitter_ms;		/* this cycle's */
	bool started, closing, dead, want_write;
	char why[128];
};

#define tu_of(ptr, member) \
	((struct tu *)((char *)(ptr) - offsetof(struct tu, member)))

static struct tu *tu_get(struct ternd *td)
{
	struct tu *tu = td->tctx;

	return tu && !tu->dead ? tu : NULL;
}

static void tu_reap(struct ev_after *a)
{
	struct tu *tu = tu_of(a, reap);

	SSL_free(tu->ssl);
	free(tern_parser_reset(&tu->parser));
	wbuf_free(&tu->out);
	free(tu);
}

/* Release the connection; tell the link unless ternd is leaving. */
static void tu_kill(struct tu *tu, const char *why, bool hb_failure,
		    bool tell)
{
	struct ternd *td = tu->td;

	if (tu->dead)
		return;
	tu->dead = true;
	ev_fd_del(td->loop, &tu->ev);
	close(tu->ev.fd);
	tu->ev.fd = -1;
	ev_timer_stop(td->loop, &tu->hb);
	ev_timer_stop(td->loop, &tu->linger);
	if (td->tctx == tu)
		td->tctx = NULL;
	ev_after(td->loop, &tu->reap);
	if (tell)
		link_lost(td, why, hb_failure);
}

static void tu_update_events(struct tu *tu)
{
	uint32_t ev = tu->closing ? 0 : EPOLLIN;

	if (tu->want_write)
		ev |= EPOLLOUT;
	ev_fd_mod(tu->td->loop, &tu->ev, ev);
}

static void tu_read(struct tu *tu);

static void tu_try_write(struct tu *tu)
{
	tu->want_write = false;
	while (tu->out.len) {
		int n = SSL_write(tu->ssl, tu->out.data,
				  tu->out.len > INT32_MAX ? INT32_MAX :
				  (int)tu->out.len);

		if (n > 0) {
			wbuf_consume(&tu->out, n);
			continue;
		}
		switch (SSL_get_error(tu->ssl, n)) {
		case SSL_ERROR_WANT_WRITE:
		case SSL_ERROR_WANT_READ:
			tu->want_write = true;
			tu_update_events(tu);
			return;
		default:
			ERR_clear_error();
			tu_kill(tu, "write failed", false, true);
			return;
		}
	}
	if (tu->closing) {
		SSL_shutdown(tu->ssl);
		ERR_clear_error();
		tu_kill(tu, tu->why, false, true);
		return;
	}
	tu_update_events(tu);
}

static void tu_flush(struct ev_after *a)
{
	struct tu *tu = tu_of(a, flush);

	if (tu->dead)
		return;
	tu_try_write(tu);
	/* Records OpenSSL read along with the handshake raise no event. */
	if (!tu->dead && !tu->started) {
		tu->started = true;
		tu_read(tu);
	}
}

static int tu_queue(struct tu *tu, const void *buf, size_t len)
{
	uint8_t *p = wbuf_reserve(&tu->out, len);

	if (!p)
		return -ENOMEM;
	memcpy(p, buf, len);
	tu->out.len += len;
	if (!tu->want_write)
		ev_after(tu->td->loop, &tu->flush);
	return 0;
}

/* --- heartbeats ---------------------------------------------------------- */

static uint32_t tu_pong_timeout(const struct tu *tu)
{
	return tu->interval_ms < TD_PONG_TIMEOUT_MS ? tu->interval_ms :
	       TD_PONG_TIMEOUT_MS;
}

static void tu_hb_arm(struct tu *tu)
{
	struct evloop *l = tu->td->loop;

	if (tu->ping_ms)
		ev_timer_at(l, &tu->hb, tu->ping_ms + tu_pong_timeout(tu));
	else
		ev_timer_at(l, &tu->hb, tu->last_rx_ms + tu->interval_ms -
			    tu->jitter_ms);
}

static void tu_new_cycle(struct tu *tu)
{
	tu->ping_ms = 0;
	tu->jitter_ms = backoff_rand(tu->interval_ms / 8);
	tu_hb_arm(tu);
}

static void tu_hb_fire(struct ev_timer *t)
{
	struct tu *tu = tu_of(t, hb);
	uint8_t ping[TERN_FRAME_HDR_LEN + TU_PING_LEN];
	uint64_t now = ev_now_ms();

	if (tu->dead || tu->closing)
		return;
	if (tu->ping_ms) {
		if (tu->last_rx_ms >= tu->ping_ms) {
			/* Anything received is a sign of life. */
			tu_new_cycle(tu);
		} else if (now >= tu->ping_ms + tu_pong_timeout(tu)) {
			tu_kill(tu, "heartbeat timeout: no pong", true, true);
		} else {
			tu_hb_arm(tu);
		}
		return;
	}
	if (now < tu->last_rx_ms + tu->interval_ms - tu->jitter_ms) {
		tu_hb_arm(tu);
		return;
	}
	if (RAND_bytes(tu->ping_tok, sizeof(tu->ping_tok)) != 1)
		memset(tu->ping_tok, 0, sizeof(tu->ping_tok));
	tern_frame_hdr_build(ping, TERN_FRAME_PING, 0, TU_PING_LEN);
	memcpy(ping + TERN_FRAME_HDR_LEN, tu->ping_tok, TU_PING_LEN);
	tu->ping_ms = now;
	tu->ping_interval = tu->interval_ms;
	tu_queue(tu, ping, sizeof(ping));
	tu_hb_arm(tu);
}

static void tu_pong(struct tu *tu, const void *buf, uint32_t len)
{
	if (!tu->ping_ms || len != TU_PING_LEN ||
	    memcmp(buf, tu->ping_tok, TU_PING_LEN))
		return;
	tu_new_cycle(tu);
	link_hb_alive(tu->td, tu->ping_interval);
}

/* --- reading ------------------------------------------------------------- */

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
	struct tu *tu = ctx;
	uint8_t pong[TERN_FRAME_HDR_LEN + TERN_HB_MAX_PAYLOAD];

	switch (h->type) {
	case TERN_FRAME_PING:
		if (h->len > TERN_HB_MAX_PAYLOAD)
			break;
		tern_frame_hdr_build(pong, TERN_FRAME_PONG, h->flags, h->len);
		if (h->len)
			memcpy(pong + TERN_FRAME_HDR_LEN, buf, h->len);
		tu_queue(tu, pong, TERN_FRAME_HDR_LEN + h->len);
		break;
	case TERN_FRAME_PONG:
		tu_pong(tu, buf, h->len);
		break;
	default:
		link_frame(tu->td, h->type, buf, h->len, true);
		break;
	}
	free(buf);
	return tu->closing || tu->dead ? -ECANCELED : 0;
}

static const struct tern_parser_ops tu_parser_ops = {
	.begin = tu_begin,
	.end = tu_end,
};

static void tu_feed(struct tu *tu, const void *buf, size_t len)
{
	int err;

	err = tern_parser_feed(&tu->parser, TERN_FRAME_MAX_PAYLOAD, buf, len,
			       &tu_parser_ops, tu);
	if (err && err != -ECANCELED && !tu->closing && !tu->dead)
		link_frame_error(tu->td, err);
}

static void tu_read(struct tu *tu)
{
	uint8_t buf[TU_READ_CHUNK];
	int i;

	for (i = 0; i < TU_READS && !tu->dead && !tu->closing; i++) {
		int n = SSL_read(tu->ssl, buf, sizeof(buf));

		if (n > 0) {
			tu->last_rx_ms = ev_now_ms();
			tu_feed(tu, buf, n);
			continue;
		}
		switch (SSL_get_error(tu->ssl, n)) {
		case SSL_ERROR_WANT_READ:
			return;
		case SSL_ERROR_WANT_WRITE:
			/* A KeyUpdate answer waits for room. */
			tu->want_write = true;
			tu_update_events(tu);
			return;
		case SSL_ERROR_ZERO_RETURN:
			tu_kill(tu, "the gateway closed the connection", false,
				true);
			return;
		default:
			ERR_clear_error();
			tu_kill(tu, "connection reset or TLS error", false,
				true);
			return;
		}
	}
	/* More may be buffered in OpenSSL: come back next iteration. */
	if (i == TU_READS && !tu->dead && !tu->closing) {
		tu->started = false;
		ev_after(tu->td->loop, &tu->flush);
	}
}

static void tu_event(struct ev_fd *ev, uint32_t events)
{
	struct tu *tu = tu_of(ev, ev);

	if (tu->dead)
		return;
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		tu_read(tu);
	if (!tu->dead && (events & EPOLLOUT))
		tu_try_write(tu);
}

static void tu_linger_fire(struct ev_timer *t)
{
	struct tu *tu = tu_of(t, linger);

	tu_kill(tu, tu->why, false, true);
}

/* --- transport ops ------------------------------------------------------- */

static int tu_take(struct ternd *td, int fd, SSL *ssl, char *err,
		   size_t errlen)
{
	struct tu *tu = calloc(1, sizeof(*tu));
	int ret;

	if (!tu) {
		snprintf(err, errlen, "out of memory");
		ret = -ENOMEM;
		goto fail;
	}
	tu->td = td;
	tu->ssl = ssl;
	tu->last_rx_ms = ev_now_ms();
	tu->interval_ms = hb_interval(&td->hb);
	tu->hb.fn = tu_hb_fire;
	tu->linger.fn = tu_linger_fire;
	tu->flush.fn = tu_flush;
	tu->reap.fn = tu_reap;
	tu->ev.fn = tu_event;
	tls_forget_secrets(ssl);
	SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE |
		     SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	ret = ev_fd_add(td->loop, &tu->ev, fd, EPOLLIN);
	if (ret) {
		snprintf(err, errlen, "epoll: %s", strerror(-ret));
		goto fail;
	}
	td->tctx = tu;
	tu_new_cycle(tu);
	ev_after(td->loop, &tu->flush);
	return 0;
fail:
	free(tu);
	SSL_free(ssl);
	close(fd);
	return ret;
}

static int tu_send(struct ternd *td, uint8_t type, const ProtobufCMessage *m)
{
	struct tu *tu = tu_get(td);
	size_t before;
	int err;

	if (!tu || tu->closing)
		return -ENOTCONN;
	before = tu->out.len;
	err = wire_put(&tu->out, type, m);
	if (err)
		return err;
	if (!before && !tu->want_write)
		ev_after(td->loop, &tu->flush);
	return 0;
}

static void tu_close(struct ternd *td, const char *why)
{
	struct tu *tu = tu_get(td);

	if (!tu || tu->closing)
		return;
	tu->closing = true;
	snprintf(tu->why, sizeof(tu->why), "%s", why);
	ev_timer_stop(td->loop, &tu->hb);
	ev_timer_in(td->loop, &tu->linger, TU_LINGER_MS);
	ev_after(td->loop, &tu->flush);
}

static void tu_set_heartbeat(struct ternd *td, uint32_t interval_ms)
{
	struct tu *tu = tu_get(td);

	if (!tu || tu->closing)
		return;
	tu->interval_ms = interval_ms;
	if (!tu->ping_ms)
		tu_new_cycle(tu);
}

/* ternd exits: say so to the gateway, best effort, and hang up. */
static void tu_leave(struct ternd *td)
{
	Tern__Close c = TERN__CLOSE__INIT;
	struct tu *tu = tu_get(td);

	if (!tu)
		return;
	if (!tu->closing) {
		c.reason = TERN__CLOSE_REASON__CLOSE_SHUTDOWN;
		c.detail = "ternd stopping";
		wire_put(&tu->out, WIRE_CLOSE, &c.base);
	}
	if (tu->out.len)
		SSL_write(tu->ssl, tu->out.data,
			  tu->out.len > INT32_MAX ? INT32_MAX :
			  (int)tu->out.len);
	SSL_shutdown(tu->ssl);
	ERR_clear_error();
	tu_kill(tu, "ternd stopping", false, false);
}

static void tu_destroy(struct ternd *td)
{
	struct tu *tu = td->tctx;

	if (tu)
		tu_kill(tu, "ternd stopping", false, false);
}

static const struct td_transport tu_transport = {
	.name = "user",
	.take = tu_take,
	.send = tu_send,
	.close = tu_close,
	.set_heartbeat = tu_set_heartbeat,
	.leave = tu_leave,
	.destroy = tu_destroy,
};

int tuser_init(struct ternd *td)
{
	td->t = &tu_transport;
	td->tctx = NULL;
	return 0;
}
