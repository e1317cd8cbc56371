// SPDX-License-Identifier: GPL-2.0
/*
 * The link to the gateway: resolve, connect (non-blocking, every address
 * in turn), TLS 1.3 with ALPN tern/1, hand the session to the transport,
 * hello, hello-ok, then dispatch the gateway's frames. Any loss or Close
 * reconnects by exponential backoff with full jitter, never sooner than
 * the gateway's Close.backoff_ms hint.
 *
 *   disconnected -> connecting -> tls -> hello -> ready
 *         ^______________________________________|  (loss, close)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <openssl/err.h>

#include "conf.h"
#include "dstore.h"
#include "hex.h"
#include "ident.h"
#include "tls.h"
#include "tdir.h"
#include "ternd.h"

#define td_of(ptr, member) \
	((struct ternd *)((char *)(ptr) - offsetof(struct ternd, member)))

/* Warn when the gateway's clock is this far from ours. */
#define SKEW_WARN_MS	60000

const char *link_state_name(enum td_state s)
{
	static const char *const names[] = {
		[TD_DISCONNECTED] = "disconnected",
		[TD_CONNECTING] = "connecting",
		[TD_TLS] = "tls",
		[TD_HELLO] = "hello",
		[TD_READY] = "ready",
		[TD_REVOKED] = "revoked",
	};

	return s <= TD_REVOKED ? names[s] : "unknown";
}

/* --- heartbeat state per network --------------------------------------- */

/*
 * The network a connection runs over is named by its local address: the
 * address itself for IPv4 (behind a NAT, a private address stands for the
 * network well enough), the /64 prefix for IPv6 (privacy addresses change
 * within a network, the prefix does not).
 */
static void net_key(const struct sockaddr_storage *ss, char *out, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(out, len, "%s", a);
	} else if (ss->ss_family == AF_INET6) {
		struct in6_addr p = ((const struct sockaddr_in6 *)ss)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(&p)) {
			inet_ntop(AF_INET, &p.s6_addr[12], a, sizeof(a));
			snprintf(out, len, "%s", a);
			return;
		}
		memset(p.s6_addr + 8, 0, 8);
		inet_ntop(AF_INET6, &p, a, sizeof(a));
		snprintf(out, len, "%s/64", a);
	} else {
		snprintf(out, len, "unknown");
	}
}

static void hb_persist(struct ternd *td)
{
	char key[96], val[HB_SAVE_LEN];

	if (td->hb.fixed || !td->net[0])
		return;
	/* Written when it changed only: no disk write per heartbeat. */
	if (hb_save(&td->hb, val, sizeof(val)) || !strcmp(val, td->hb_saved))
		return;
	snprintf(key, sizeof(key), "hb:%s", td->net);
	if (!td_setting_set(td, key, val))
		snprintf(td->hb_saved, sizeof(td->hb_saved), "%s", val);
}

/* Start heartbeat learning for the network of local address @ss. */
static void hb_select(struct ternd *td, const struct sockaddr_storage *ss)
{
	char key[96], val[HB_SAVE_LEN];
	uint32_t hint;

	net_key(ss, td->net, sizeof(td->net));
	if (td->conf.heartbeat_ms) {
		hb_init_fixed(&td->hb, td->conf.heartbeat_ms);
		return;
	}
	hb_init(&td->hb, HB_MIN_MS, HB_MAX_MS);
	if (!dstore_get(td->ds, "hb-hint", val, sizeof(val)) &&
	    !conf_u32(val, 1, UINT32_MAX, &hint))
		hb_set_ceiling(&td->hb, hint);
	snprintf(key, sizeof(key), "hb:%s", td->net);
	td->hb_saved[0] = '\0';
	if (!dstore_get(td->ds, key, val, sizeof(val))) {
		if (hb_load(&td->hb, val))
			td_log(td, TD_INFO, "ignoring a malformed %s setting",
			       key);
		else
			snprintf(td->hb_saved, sizeof(td->hb_saved), "%s", val);
	}
	td_log(td, TD_DEBUG, "network %s: heartbeat %" PRIu32 " ms (good %"
	       PRIu32 " ms)", td->net, td->hb.cur_ms, td->hb.good_ms);
}

void link_hb_alive(struct ternd *td, uint32_t proven_ms)
{
	if (td->hb.fixed)
		return;
	if (hb_alive(&td->hb, proven_ms, ev_wall_ms())) {
		td_log(td, TD_DEBUG, "heartbeat interval now %" PRIu32 " ms",
		       td->hb.cur_ms);
		if (td->t->set_heartbeat)
			td->t->set_heartbeat(td, td->hb.cur_ms);
	}
	hb_persist(td);
}

/* --- connecting ---------------------------------------------------------- */

static void link_schedule(struct ternd *td)
{
	uint64_t now = ev_now_ms(), at;

	td->state = TD_DISCONNECTED;
	if (td->stopping)
		return;
	at = backoff_when(&td->bo, now);
	ev_timer_at(td->loop, &td->link_timer, at);
	td_log(td, TD_INFO, "reconnecting in %" PRIu64 " ms", at - now);
}

static void conn_cleanup(struct ternd *td)
{
	if (td->conn_ev.fd >= 0) {
		ev_fd_del(td->loop, &td->conn_ev);
		close(td->conn_ev.fd);
		td->conn_ev.fd = -1;
	}
	SSL_free(td->ssl);
	td->ssl = NULL;
	if (td->ai)
		freeaddrinfo(td->ai);
	td->ai = td->ai_next = NULL;
}

/* The connection failed before the transport had it. */
static void link_fail(struct ternd *td, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void link_fail(struct ternd *td, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(td->last_close, sizeof(td->last_close), fmt, ap);
	va_end(ap);
	td_log(td, TD_INFO, "gateway %s: %s", td->conf.gateway,
	       td->last_close);
	conn_cleanup(td);
	ev_timer_stop(td->loop, &td->link_timer);
	link_schedule(td);
}

static void link_try_next(struct ternd *td);

static void link_connect(struct ternd *td)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_ADDRCONFIG,
	};
	int rc;

	/* A blocking lookup: numeric addresses (the usual case) cost
	 * nothing, names use the resolver's own timeouts.
	 */
	rc = getaddrinfo(td->gw_host, td->gw_port, &hints, &td->ai);
	if (rc) {
		td->ai = NULL;
		link_fail(td, "cannot resolve %s: %s", td->gw_host,
			  rc == EAI_SYSTEM ? strerror(errno) :
			  gai_strerror(rc));
		return;
	}
	td->ai_next = td->ai;
	td->state = TD_CONNECTING;
	td->conn_err[0] = '\0';
	ev_timer_in(td->loop, &td->link_timer, TD_HANDSHAKE_MS);
	link_try_next(td);
}

/*
 * Mark the gateway connection as push traffic for tern_prio (bpf/,
 * Documentation/prio.rst): its SO_PRIORITY, and its SO_MARK if one is
 * configured. Both stay with the socket when tern.ko takes it. Neither
 * is needed to connect, so a refusal (SO_MARK needs CAP_NET_ADMIN) is
 * logged, not fatal.
 */
static void link_set_class(struct ternd *td, int fd)
{
	static bool said;
	int prio = td->conf.push_priority;
	unsigned int mark = td->conf.push_mark;

	if (prio && setsockopt(fd, SOL_SOCKET, SO_PRIORITY, &prio,
			       sizeof(prio)))
		td_log(td, TD_DEBUG, "SO_PRIORITY %d: %s", prio,
		       strerror(errno));
	if (mark && setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) &&
	    !said) {
		said = true;
		td_log(td, TD_INFO, "SO_MARK 0x%x: %s: push traffic goes by its priority only",
		       mark, strerror(errno));
	}
}

static void link_try_next(struct ternd *td)
{
	int one = 1;

	while (td->ai_next) {
		struct addrinfo *a = td->ai_next;
		int fd;

		td->ai_next = a->ai_next;
		fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK |
			    SOCK_CLOEXEC, a->ai_protocol);
		if (fd < 0) {
			snprintf(td->conn_err, sizeof(td->conn_err), "%s",
				 strerror(errno));
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		link_set_class(td, fd);
		if (connect(fd, a->ai_addr, a->ai_addrlen) &&
		    errno != EINPROGRESS) {
			snprintf(td->conn_err, sizeof(td->conn_err), "%s",
				 strerror(errno));
			close(fd);
			continue;
		}
		if (ev_fd_add(td->loop, &td->conn_ev, fd, EPOLLOUT)) {
			snprintf(td->conn_err, sizeof(td->conn_err), "epoll: %s",
				 strerror(errno));
			close(fd);
			td->conn_ev.fd = -1;
			continue;
		}
		return;
	}
	link_fail(td, "connect: %s", td->conn_err[0] ? td->conn_err :
		  "no address");
}

static void send_hello(struct ternd *td)
{
	Tern__Hello h = TERN__HELLO__INIT;
	uint8_t tr[IDENT_HELLO_MAX], sig[IDENT_SIG_LEN];
	uint64_t ts = ev_wall_ms();
	size_t n;

	/* A device waiting to be linked is its own account (devlink.c). */
	n = ident_hello_transcript(tr, td->exporter, ts, td->dpub,
				   td->akey ? td->apub : NULL);
	if (ident_sign(td->dkey, tr, n, sig)) {
		td->t->close(td, "cannot sign the hello");
		return;
	}
	h.version = WIRE_VERSION;
	h.device_key = wire_bytes(td->dpub, WIRE_KEY_LEN);
	if (td->akey) {
		h.account_key = wire_bytes(td->apub, WIRE_KEY_LEN);
		h.device_cert = wire_bytes(td->dcert, WIRE_SIG_LEN);
	}
	h.timestamp_ms = ts;
	h.signature = wire_bytes(sig, WIRE_SIG_LEN);
	/* The longest interval this session may grow to: the gateway
	 * allows 1.5 of it in silence (Documentation/ternd.rst).
	 */
	h.heartbeat_ms = td->hb.max_ms;
	if (td->t->send(td, WIRE_HELLO, &h.base))
		td->t->close(td, "cannot send the hello");
}

static void tls_done(struct ternd *td)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl = sizeof(ss);
	char err[256];
	SSL *ssl;
	int fd;

	if (tls_check_alpn(td->ssl)) {
		link_fail(td, "the gateway did not select ALPN %s", TLS_ALPN);
		return;
	}
	if (tls_exporter(td->ssl, td->exporter)) {
		link_fail(td, "TLS exporter failed");
		return;
	}
	fd = td->conn_ev.fd;
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	hb_select(td, &ss);

	ev_fd_del(td->loop, &td->conn_ev);
	td->conn_ev.fd = -1;
	ssl = td->ssl;
	td->ssl = NULL;
	freeaddrinfo(td->ai);
	td->ai = td->ai_next = NULL;

	td->got_close = false;
	td->state = TD_HELLO;
	if (td->t->take(td, fd, ssl, err, sizeof(err))) {
		link_fail(td, "%s transport: %s", td->t->name, err);
		return;
	}
	send_hello(td);
}

static void tls_step(struct ternd *td)
{
	char err[256];
	int ret, e;

	ERR_clear_error();
	ret = SSL_do_handshake(td->ssl);
	if (ret == 1) {
		tls_done(td);
		return;
	}
	e = SSL_get_error(td->ssl, ret);
	if (e == SSL_ERROR_WANT_READ) {
		ev_fd_mod(td->loop, &td->conn_ev, EPOLLIN);
		return;
	}
	if (e == SSL_ERROR_WANT_WRITE) {
		ev_fd_mod(td->loop, &td->conn_ev, EPOLLOUT);
		return;
	}
	tls_handshake_error(td->ssl, ret, err, sizeof(err));
	link_fail(td, "TLS handshake: %s", err);
}

static void tls_start(struct ternd *td)
{
	char err[256];

	td->ssl = SSL_new(td->tls);
	if (!td->ssl) {
		link_fail(td, "TLS: out of memory");
		return;
	}
	if (tls_client_prepare(td->ssl, td->conf.gateway_name, err,
			       sizeof(err))) {
		link_fail(td, "TLS: %s", err);
		return;
	}
	if (!SSL_set_fd(td->ssl, td->conn_ev.fd)) {
		link_fail(td, "TLS: cannot attach the socket");
		return;
	}
	SSL_set_connect_state(td->ssl);
	td->state = TD_TLS;
	tls_step(td);
}

static void conn_event(struct ev_fd *ev, uint32_t events)
{
	struct ternd *td = td_of(ev, conn_ev);
	socklen_t sl = sizeof(int);
	int soerr = 0;

	(void)events;
	if (td->state == TD_TLS) {
		tls_step(td);
		return;
	}
	if (getsockopt(ev->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) || soerr) {
		snprintf(td->conn_err, sizeof(td->conn_err), "%s",
			 strerror(soerr ? soerr : errno));
		ev_fd_del(td->loop, ev);
		close(ev->fd);
		ev->fd = -1;
		link_try_next(td);
		return;
	}
	tls_start(td);
}

static void link_timer_fire(struct ev_timer *t)
{
	struct ternd *td = td_of(t, link_timer);

	switch (td->state) {
	case TD_DISCONNECTED:
		link_connect(td);
		break;
	case TD_CONNECTING:
	case TD_TLS:
		link_fail(td, "%s timed out",
			  td->state == TD_TLS ? "TLS handshake" : "connect");
		break;
	case TD_HELLO:
		snprintf(td->last_close, sizeof(td->last_close),
			 "no hello-ok within %d ms", TD_HANDSHAKE_MS);
		td->got_close = true;
		td->t->close(td, td->last_close);
		break;
	default:
		break;
	}
}

/* --- the session --------------------------------------------------------- */

int link_send(struct ternd *td, uint8_t type, const ProtobufCMessage *m)
{
	if (td->state != TD_HELLO && td->state != TD_READY)
		return -ENOTCONN;
	return td->t->send(td, type, m);
}

static void link_close(struct ternd *td, int reason, const char *detail)
{
	Tern__Close c = TERN__CLOSE__INIT;

	c.reason = reason;
	c.detail = (char *)detail;
	snprintf(td->last_close, sizeof(td->last_close), "sent %s: %s",
		 wire_close_name(reason), detail);
	td->got_close = true;
	td_log(td, TD_ERR, "closing the session: %s: %s",
	       wire_close_name(reason), detail);
	link_send(td, WIRE_CLOSE, &c.base);
	td->t->close(td, detail);
}

static void on_hello_ok(struct ternd *td, const Tern__HelloOk *ok)
{
	char hex[HEX_LEN(WIRE_TOKEN_LEN)], num[24];
	uint64_t now = ev_wall_ms();
	int64_t skew = (int64_t)(ok->server_time_ms - now);

	memcpy(td->token, ok->push_token.data, WIRE_TOKEN_LEN);
	td->have_token = true;
	td->max_payload = ok->max_payload;
	hex_encode(td->token, WIRE_TOKEN_LEN, hex);
	td_setting_set(td, "push-token", hex);
	tdir_token(td);
	devlink_token(td);
	snprintf(num, sizeof(num), "%" PRIu32, ok->max_payload);
	td_setting_set(td, "max-payload", num);
	if (ok->heartbeat_hint_ms && !td->conf.heartbeat_ms) {
		snprintf(num, sizeof(num), "%" PRIu32, ok->heartbeat_hint_ms);
		td_setting_set(td, "hb-hint", num);
		if (hb_set_ceiling(&td->hb, ok->heartbeat_hint_ms) &&
		    td->t->set_heartbeat)
			td->t->set_heartbeat(td, td->hb.cur_ms);
	}
	if (td->conn_id) {
		snprintf(num, sizeof(num), "%016" PRIx64, td->cookie);
		td_setting_set(td, "kconn-ready", num);
		snprintf(num, sizeof(num), "%" PRIu64, now);
		td_setting_set(td, "kconn-since", num);
	}
	if (ok->server_time_ms && (skew > SKEW_WARN_MS || skew < -SKEW_WARN_MS))
		td_log(td, TD_INFO, "the gateway's clock is %" PRId64
		       " ms from ours", skew);
	ev_timer_stop(td->loop, &td->link_timer);
	td->state = TD_READY;
	td->ready_ms = ev_now_ms();
	td->connected_wall_ms = now;
	td_log(td, TD_INFO, "connected to %s (%s transport, heartbeat %"
	       PRIu32 " ms)", td->conf.gateway, td->t->name, td->hb.cur_ms);
	outbox_ready(td);
	devlink_ready(td);
}

static void on_close(struct ternd *td, const Tern__Close *c)
{
	snprintf(td->last_close, sizeof(td->last_close), "%s%s%s",
		 wire_close_name(c->reason), c->detail[0] ? ": " : "",
		 c->detail);
	td->got_close = true;
	td_log(td, c->reason == TERN__CLOSE_REASON__CLOSE_SHUTDOWN ?
	       TD_INFO : TD_ERR, "the gateway closed the session: %s",
	       td->last_close);
	if (c->backoff_ms)
		backoff_hint(&td->bo, c->backoff_ms, ev_now_ms());
	if (c->reason == TERN__CLOSE_REASON__CLOSE_REVOKED)
		td->revoked = true;
	td->t->close(td, "closed by the gateway");
}

/* A frame replayed from an older tern.ko connection: only what is worth
 * keeping (messages, acks of pushes).
 */
static void link_stale_frame(struct ternd *td, uint8_t type,
			     ProtobufCMessage *m)
{
	switch (type) {
	case WIRE_DELIVER:
		inbox_deliver(td, (const Tern__Deliver *)m, false);
		break;
	case WIRE_ACK:
		outbox_ack(td, (const Tern__Ack *)m);
		break;
	case WIRE_NACK:
		outbox_nack(td, (const Tern__Nack *)m);
		break;
	}
}

void link_frame(struct ternd *td, uint8_t type, const void *buf, size_t len,
		bool current)
{
	ProtobufCMessage *m;
	char err[160];

	if (current && td->state != TD_HELLO && td->state != TD_READY)
		return;
	if (wire_decode(type, buf, len, &m, err, sizeof(err))) {
		if (current)
			link_close(td, TERN__CLOSE_REASON__CLOSE_PROTOCOL, err);
		return;
	}
	if (!current) {
		link_stale_frame(td, type, m);
		goto out;
	}
	td->batch_rx = true;
	if (td->state == TD_HELLO && type != WIRE_HELLO_OK &&
	    type != WIRE_CLOSE) {
		snprintf(err, sizeof(err), "%s before hello-ok",
			 wire_type_name(type));
		link_close(td, TERN__CLOSE_REASON__CLOSE_PROTOCOL, err);
		goto out;
	}
	switch (type) {
	case WIRE_HELLO_OK:
		if (td->state != TD_HELLO) {
			link_close(td, TERN__CLOSE_REASON__CLOSE_PROTOCOL,
				   "a second hello-ok");
			break;
		}
		on_hello_ok(td, (const Tern__HelloOk *)m);
		break;
	case WIRE_ACK:
		outbox_ack(td, (const Tern__Ack *)m);
		break;
	case WIRE_NACK:
		outbox_nack(td, (const Tern__Nack *)m);
		break;
	case WIRE_DELIVER:
		inbox_deliver(td, (const Tern__Deliver *)m, true);
		break;
	case WIRE_CLOSE:
		on_close(td, (const Tern__Close *)m);
		break;
	case WIRE_REVOKE_RESULT:
		if (!devlink_revoke_result(td, (const Tern__RevokeResult *)m))
			ctl_revoke_result(td,
					  (const Tern__RevokeResult *)m);
		break;
	default:
		snprintf(err, sizeof(err), "frame type %u (%s) not accepted from a gateway",
			 type, wire_type_name(type));
		link_close(td, TERN__CLOSE_REASON__CLOSE_PROTOCOL, err);
		break;
	}
out:
	wire_free(m);
}

void link_frame_error(struct ternd *td, int err)
{
	if (td->state != TD_HELLO && td->state != TD_READY)
		return;
	if (err == -EMSGSIZE)
		link_close(td, TERN__CLOSE_REASON__CLOSE_TOO_LARGE,
			   "frame over the maximum size");
	else
		link_close(td, TERN__CLOSE_REASON__CLOSE_PROTOCOL,
			   err == -ENOMEM ? "out of memory" :
			   "malformed frame header");
}

void link_lost(struct ternd *td, const char *why, bool hb_failure)
{
	bool stable = td->state == TD_READY &&
		      ev_now_ms() - td->ready_ms >= TD_STABLE_MS;

	if (td->state != TD_HELLO && td->state != TD_READY)
		return;
	if (!td->got_close)
		snprintf(td->last_close, sizeof(td->last_close), "%s", why);
	td_log(td, TD_INFO, "connection to %s lost: %s", td->conf.gateway,
	       td->last_close);
	if (hb_failure && !td->hb.fixed) {
		if (hb_dead(&td->hb, ev_wall_ms()))
			td_log(td, TD_INFO, "network %s: heartbeat back to %"
			       PRIu32 " ms", td->net, td->hb.cur_ms);
		hb_persist(td);
	}
	ev_timer_stop(td->loop, &td->link_timer);
	td->conn_id = 0;
	td->adopted = false;
	td->connected_wall_ms = 0;
	td->reconnects++;
	inbox_lost(td);
	ctl_link_down(td);
	if (stable)
		backoff_reset(&td->bo);
	if (td->revoked) {
		td->state = TD_REVOKED;
		td_log(td, TD_ERR, "this device was revoked: not reconnecting (a new device key in %s/%s makes a new device)",
		       td->conf.data, TERND_DEVICE_KEY);
		return;
	}
	link_schedule(td);
}

/* --- start and stop ------------------------------------------------------ */

/* A connection a previous ternd left in tern.ko carries on. */
static bool link_adopt(struct ternd *td)
{
	struct sockaddr_storage ss = { 0 };
	char val[32], cookie[24];
	int ret;

	ret = tkern_adopt(td, &ss);
	if (ret <= 0) {
		if (ret < 0)
			td_log(td, TD_ERR, "cannot adopt connections from tern.ko: %s",
			       strerror(-ret));
		return false;
	}
	td->adopted = true;
	hb_select(td, &ss);
	snprintf(cookie, sizeof(cookie), "%016" PRIx64, td->cookie);
	td->got_close = false;
	if (!dstore_get(td->ds, "kconn-ready", val, sizeof(val)) &&
	    !strcmp(val, cookie)) {
		td->state = TD_READY;
		td->ready_ms = ev_now_ms();
		td->connected_wall_ms = ev_wall_ms();
		if (!dstore_get(td->ds, "kconn-since", val, sizeof(val)))
			td->connected_wall_ms = strtoull(val, NULL, 10);
		if (td->t->set_heartbeat)
			td->t->set_heartbeat(td, td->hb.cur_ms);
		td_log(td, TD_INFO, "adopted tern.ko connection %" PRIu32
		       " from the previous ternd: ready", td->conn_id);
		outbox_ready(td);
		devlink_ready(td);
	} else {
		/* Its hello-ok, if any, comes again among the replayed
		 * frames; without one it times out and we reconnect.
		 */
		td->state = TD_HELLO;
		ev_timer_in(td->loop, &td->link_timer, TD_HANDSHAKE_MS);
		td_log(td, TD_INFO, "adopted tern.ko connection %" PRIu32
		       " from the previous ternd: waiting for hello-ok",
		       td->conn_id);
	}
	return true;
}

int link_start(struct ternd *td)
{
	char val[HEX_LEN(WIRE_TOKEN_LEN)];

	td->bo = (struct backoff)BACKOFF_INIT(TD_BACKOFF_BASE_MS,
					      td->conf.reconnect_max_ms);
	td->link_timer.fn = link_timer_fire;
	td->conn_ev.fd = -1;
	td->conn_ev.fn = conn_event;
	if (!dstore_get(td->ds, "push-token", val, sizeof(val)) &&
	    !hex_decode(val, td->token, WIRE_TOKEN_LEN))
		td->have_token = true;
	if (!dstore_get(td->ds, "max-payload", val, sizeof(val)))
		td->max_payload = strtoul(val, NULL, 10);
	if (td->conf.heartbeat_ms)
		hb_init_fixed(&td->hb, td->conf.heartbeat_ms);
	else
		hb_init(&td->hb, HB_MIN_MS, HB_MAX_MS);
	if (!strcmp(td->t->name, "kernel") && link_adopt(td))
		return 0;
	link_connect(td);
	return 0;
}

void link_stop(struct ternd *td)
{
	td->stopping = true;
	ev_timer_stop(td->loop, &td->link_timer);
	ev_timer_stop(td->loop, &td->out_timer);
	switch (td->state) {
	case TD_CONNECTING:
	case TD_TLS:
		conn_cleanup(td);
		td->state = TD_DISCONNECTED;
		break;
	case TD_HELLO:
	case TD_READY:
		td->t->leave(td);
		td->state = TD_DISCONNECTED;
		break;
	default:
		break;
	}
}
