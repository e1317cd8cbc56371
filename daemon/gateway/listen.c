// SPDX-License-Identifier: GPL-2.0
/*
 * Listening sockets, accepting, and the TLS 1.3 handshakes: non-blocking
 * SSL_accept on the event loop, bounded by the handshake timeout and by
 * max-unauth (connections not yet past hello). A finished handshake that
 * negotiated ALPN tern/1 goes to the transport with its exporter value.
 *
 * In a reconnect storm the costly step of each handshake, the answer to
 * its ClientHello (key exchange and a signature), must not be taken for
 * every waiting connection before any handshake's next step: all of them
 * would end late, together, past their devices' timeouts, the work wasted.
 * So a handshake begins only once its ClientHello is here, and at most
 * GW_HS_STARTS_PER_TURN begin per loop iteration, after that iteration's
 * events: the handshakes and sessions under way go first. Those waiting
 * for their turn are watched only for their device leaving (EPOLLRDHUP; a
 * TLS client does not half-close), which drops them without any work; the
 * handshake timeout does not run for them, the wait being the gateway's.
 * Once begun, a handshake is watched for what SSL_accept wants next, and a
 * device that leaves mid-way ends it as a failed read. No more are accepted
 * while GW_HS_WAIT_MAX wait: the rest wait in the kernel's accept queue,
 * in arrival order and at no cost, instead of against max-unauth.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <openssl/err.h>

#include "gw.h"
#include "netaddr.h"
#include "tls.h"

struct gw_listener {
	struct ev_fd ev;
	struct gw *gw;
};

struct gw_hs {
	struct ev_fd ev;
	struct gw_hs *prev, *next;
	struct gw_hs *qprev, *qnext;	/* waiting for its turn */
	struct gw *gw;
	SSL *ssl;
	struct ev_timer deadline;
	struct ev_after reap;
	bool queued, started, done;
};

/* Out of descriptors: how long the listeners rest. */
#define GW_EMFILE_PAUSE_MS	100
#define GW_EMFILE_LOG_MS	10000

/* Handshakes begun per loop iteration, behind that iteration's events. */
#define GW_HS_STARTS_PER_TURN	8
/* Accepting stops while this many wait for their turn. */
#define GW_HS_WAIT_MAX		64

static struct gw_listener listeners[GW_MAX_LISTEN];
static unsigned int n_listeners;
static struct gw_hs *hs_all;
static struct gw_hs *hs_wait_head, *hs_wait_tail;
static unsigned int hs_waiting;
static struct ev_after hs_turn;
static struct ev_timer emfile_resume;
static uint64_t emfile_logged_ms;
static unsigned long emfile_pauses;

static void hs_reap(struct ev_after *a)
{
	struct gw_hs *h = (void *)((char *)a - offsetof(struct gw_hs, reap));

	free(h);
}

static void hs_unqueue(struct gw_hs *h)
{
	if (!h->queued)
		return;
	h->queued = false;
	hs_waiting--;
	if (h->qprev)
		h->qprev->qnext = h->qnext;
	else
		hs_wait_head = h->qnext;
	if (h->qnext)
		h->qnext->qprev = h->qprev;
	else
		hs_wait_tail = h->qprev;
	h->qprev = h->qnext = NULL;
}

/* The handshake is over, one way or the other. @keep: the socket and the
 * SSL are no longer ours (the transport took them, or they were freed).
 */
static void hs_end(struct gw_hs *h, bool keep)
{
	struct gw *gw = h->gw;

	h->done = true;
	gw->n_hs--;
	hs_unqueue(h);
	if (h->prev)
		h->prev->next = h->next;
	else
		hs_all = h->next;
	if (h->next)
		h->next->prev = h->prev;
	ev_timer_stop(gw->loop, &h->deadline);
	if (!keep) {
		ev_fd_del(gw->loop, &h->ev);
		SSL_free(h->ssl);
		close(h->ev.fd);
	}
	ev_after(gw->loop, &h->reap);
}

static void hs_fail(struct gw_hs *h, const char *why)
{
	h->gw->stats.tls_failed++;
	gw_log(h->gw, GW_INFO, "%s", why);
	hs_end(h, false);
}

static void hs_step(struct gw_hs *h)
{
	uint8_t exporter[WIRE_EXPORTER_LEN];
	struct gw *gw = h->gw;
	char why[256];
	int n, err;

	n = SSL_accept(h->ssl);
	if (n <= 0) {
		switch (SSL_get_error(h->ssl, n)) {
		case SSL_ERROR_WANT_READ:
			ev_fd_mod(gw->loop, &h->ev, EPOLLIN);
			return;
		case SSL_ERROR_WANT_WRITE:
			ev_fd_mod(gw->loop, &h->ev, EPOLLOUT);
			return;
		default:
			tls_handshake_error(h->ssl, n, why, sizeof(why));
			hs_fail(h, why);
			return;
		}
	}
	if (tls_check_alpn(h->ssl)) {
		hs_fail(h, "client did not negotiate ALPN tern/1");
		return;
	}
	if (tls_exporter(h->ssl, exporter)) {
		hs_fail(h, "no TLS exporter");
		return;
	}
	ev_fd_del(gw->loop, &h->ev);
	err = gw->t->take(gw, h->ev.fd, h->ssl, exporter);
	if (err) {
		gw_log(gw, GW_ERR, "transport refused a connection: %s",
		       strerror(-err));
		SSL_free(h->ssl);
		close(h->ev.fd);
	}
	/* Either way the socket is no longer the handshake's. */
	h->ev.fd = -1;
	hs_end(h, true);
}

/* Begin the handshakes whose turn it is; the rest wait for the next. */
static void hs_turn_run(struct ev_after *a)
{
	unsigned int i;

	(void)a;
	for (i = 0; i < GW_HS_STARTS_PER_TURN && hs_wait_head; i++) {
		struct gw_hs *h = hs_wait_head;

		hs_unqueue(h);
		h->started = true;
		ev_timer_in(h->gw->loop, &h->deadline,
			    h->gw->conf.handshake_timeout_ms);
		hs_step(h);
	}
	if (hs_wait_head)
		ev_after_next(hs_wait_head->gw->loop, &hs_turn);
}

static void hs_event(struct ev_fd *ev, uint32_t events)
{
	struct gw_hs *h = (void *)ev;
	struct gw *gw = h->gw;

	if (h->done)
		return;
	if (h->started) {
		hs_step(h);
		return;
	}
	if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
		/* The device left: nothing it sent is worth an answer. */
		gw->stats.hs_gone++;
		hs_end(h, false);
		return;
	}
	/* Its ClientHello is here: wait for its turn, watching for its
	 * device to leave (and no longer for input, which would repeat).
	 */
	ev_fd_mod(gw->loop, &h->ev, EPOLLRDHUP);
	ev_timer_stop(gw->loop, &h->deadline);
	h->queued = true;
	hs_waiting++;
	h->qprev = hs_wait_tail;
	if (hs_wait_tail)
		hs_wait_tail->qnext = h;
	else
		hs_wait_head = h;
	hs_wait_tail = h;
	hs_turn.fn = hs_turn_run;
	ev_after_next(gw->loop, &hs_turn);
}

static void hs_timeout(struct ev_timer *t)
{
	struct gw_hs *h = (void *)((char *)t -
				   offsetof(struct gw_hs, deadline));

	if (!h->done)
		hs_fail(h, "not completed within the handshake timeout");
}

static void accept_one(struct gw *gw, int fd)
{
	struct gw_hs *h;
	int one = 1;

	if (gw->stopping || gw->n_hs + gw->n_unauth >= gw->conf.max_unauth ||
	    gw->n_sess + gw->n_hs >= gw->conf.max_conns) {
		gw->stats.refused++;
		close(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	h = calloc(1, sizeof(*h));
	if (!h)
		goto fail;
	h->gw = gw;
	h->ssl = SSL_new(gw->tls);
	if (!h->ssl || !SSL_set_fd(h->ssl, fd))
		goto fail_ssl;
	h->ev.fn = hs_event;
	h->deadline.fn = hs_timeout;
	h->reap.fn = hs_reap;
	if (ev_fd_add(gw->loop, &h->ev, fd, EPOLLIN | EPOLLRDHUP))
		goto fail_ssl;
	gw->n_hs++;
	gw->stats.accepted++;
	h->next = hs_all;
	if (hs_all)
		hs_all->prev = h;
	hs_all = h;
	ev_timer_in(gw->loop, &h->deadline, gw->conf.handshake_timeout_ms);
	return;
fail_ssl:
	SSL_free(h->ssl);
	free(h);
fail:
	ERR_clear_error();
	gw->stats.refused++;
	close(fd);
}

static void listeners_set(struct gw *gw, uint32_t events)
{
	unsigned int i;

	for (i = 0; i < n_listeners; i++)
		ev_fd_mod(gw->loop, &listeners[i].ev, events);
}

static void emfile_resume_fire(struct ev_timer *t)
{
	(void)t;
	if (n_listeners)
		listeners_set(listeners[0].gw, EPOLLIN);
}

/*
 * Out of descriptors: the connection stays in the backlog and the
 * listener stays readable, so the loop would spin (and log) until a
 * descriptor is freed. Rest the listeners for a while instead.
 */
static void emfile_pause(struct gw *gw)
{
	uint64_t now = ev_now_ms();

	emfile_pauses++;
	if (!emfile_logged_ms || now - emfile_logged_ms >= GW_EMFILE_LOG_MS) {
		gw_log(gw, GW_ERR, "accept: out of file descriptors "
		       "(%lu times); accepting again in %d ms", emfile_pauses,
		       GW_EMFILE_PAUSE_MS);
		emfile_logged_ms = now;
	}
	listeners_set(gw, 0);
	emfile_resume.fn = emfile_resume_fire;
	ev_timer_in(gw->loop, &emfile_resume, GW_EMFILE_PAUSE_MS);
}

static void listener_event(struct ev_fd *ev, uint32_t events)
{
	struct gw_listener *l = (void *)ev;
	int i;

	(void)events;
	/* Bounded, so that a flood of connections cannot starve the rest;
	 * none while enough wait for their turn (above).
	 */
	for (i = 0; i < 64 && hs_waiting < GW_HS_WAIT_MAX; i++) {
		int fd = accept4(ev->fd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE)
				emfile_pause(l->gw);
			return;
		}
		accept_one(l->gw, fd);
	}
}

int gw_listen(struct gw *gw, char *err, size_t errlen)
{
	unsigned int i;

	for (i = 0; i < gw->conf.n_listen; i++) {
		struct gw_listener *l = &listeners[n_listeners];
		struct sockaddr_storage ss;
		socklen_t len;
		int fd, one = 1, ret;

		ret = netaddr_parse(gw->conf.listen[i], &ss, &len, err, errlen);
		if (ret)
			return ret;
		fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
			    SOCK_CLOEXEC, 0);
		if (fd < 0)
			goto sys;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&ss, len) ||
		    listen(fd, 4096)) {
			close(fd);
			goto sys;
		}
		l->gw = gw;
		l->ev.fn = listener_event;
		ret = ev_fd_add(gw->loop, &l->ev, fd, EPOLLIN);
		if (ret) {
			close(fd);
			snprintf(err, errlen, "epoll: %s", strerror(-ret));
			return ret;
		}
		n_listeners++;
		gw_log(gw, GW_INFO, "listening on %s", gw->conf.listen[i]);
		continue;
sys:
		ret = -errno;
		snprintf(err, errlen, "listen on %s: %s", gw->conf.listen[i],
			 strerror(errno));
		return ret;
	}
	return 0;
}

void gw_listen_close(struct gw *gw)
{
	unsigned int i;

	ev_timer_stop(gw->loop, &emfile_resume);
	for (i = 0; i < n_listeners; i++) {
		ev_fd_del(gw->loop, &listeners[i].ev);
		close(listeners[i].ev.fd);
	}
	n_listeners = 0;
	while (hs_all)
		hs_end(hs_all, false);
}
