// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket (daemon/proto/ctl.proto, Documentation/ternd.rst): a
 * Unix SOCK_SEQPACKET socket, mode 0600, one CtlRequest or CtlReply per
 * packet. Clients are served one request at a time each, many clients at
 * once. A request that waits (recv --wait or --follow, revoke) stops the
 * reading of that client's requests until it is answered; replies that
 * do not fit in the socket wait in memory, and a client with replies
 * waiting gets no more messages until it has read them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/tern.h>
#include <openssl/rand.h>

#include "ctl.pb-c.h"
#include "dstore.h"
#include "tdir.h"
#include "ternd.h"
#include "unixsock.h"

#define CTL_BACKLOG	16
#define CTL_MAX_CLIENTS	64
#define CTL_SNDBUF	(512 * 1024)
#define CTL_CHUNK	64		/* messages per recv reply */
/* Payload bytes per recv reply, exceeded by one message at most. */
#define CTL_REPLY_SOFT	(32 * 1024)

struct ctl_pkt {
	struct ctl_pkt *next;
	size_t len;
	uint8_t data[];
};

struct ctl_client {
	struct ctl_client *next;
	struct ternd *td;
	struct ev_fd ev;
	struct ctl_pkt *out, **out_tail;
	bool dead;
	struct ev_after reap;

	/* recv in progress */
	bool recv, consume, wait, follow, limited, sent_any;
	uint32_t left;
	struct ev_timer timeout;
	bool have_cursor;		/* peek: the last message sent */
	uint8_t cursor[WIRE_MSG_ID_LEN];
	uint64_t cursor_ms;

	/* lookup in progress (resolve.c) */
	bool resolving;

	/* revoke in progress */
	bool revoking;
	uint8_t rv_token[WIRE_TOKEN_LEN];
	struct ev_timer rv_timer;
};

#define cl_of(ptr, member) \
	((struct ctl_client *)((char *)(ptr) - \
			       offsetof(struct ctl_client, member)))

static void cl_reap(struct ev_after *a)
{
	free(cl_of(a, reap));
}

static void cl_kill(struct ctl_client *c)
{
	struct ternd *td = c->td;
	struct ctl_client **pp;
	struct ctl_pkt *p, *next;

	if (c->dead)
		return;
	c->dead = true;
	ev_fd_del(td->loop, &c->ev);
	close(c->ev.fd);
	ev_timer_stop(td->loop, &c->timeout);
	ev_timer_stop(td->loop, &c->rv_timer);
	if (c->resolving)
		resolve_forget(td, c);
	for (p = c->out; p; p = next) {
		next = p->next;
		free(p);
	}
	c->out = NULL;
	for (pp = &td->clients; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	ev_after(td->loop, &c->reap);
}

static bool cl_busy(const struct ctl_client *c)
{
	return c->recv || c->revoking || c->resolving || c->out;
}

static void cl_update_events(struct ctl_client *c)
{
	uint32_t ev = EPOLLRDHUP;

	if (!cl_busy(c))
		ev |= EPOLLIN;
	if (c->out)
		ev |= EPOLLOUT;
	if (ev_fd_mod(c->td->loop, &c->ev, ev))
		cl_kill(c);
}

/* Send or queue one reply. */
static void cl_reply(struct ctl_client *c, const Tern__CtlReply *r)
{
	size_t len = tern__ctl_reply__get_packed_size(r);
	struct ctl_pkt *p;
	ssize_t n;

	if (c->dead)
		return;
	p = malloc(sizeof(*p) + (len ? len : 1));
	if (!p) {
		td_log(c->td, TD_ERR, "control: out of memory");
		cl_kill(c);
		return;
	}
	p->len = tern__ctl_reply__pack(r, p->data);
	p->next = NULL;
	if (!c->out) {
		n = send(c->ev.fd, p->data, p->len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n >= 0) {
			free(p);
			return;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			free(p);
			cl_kill(c);
			return;
		}
		c->out_tail = &c->out;
	}
	*c->out_tail = p;
	c->out_tail = &p->next;
	cl_update_events(c);
}

static void cl_error(struct ctl_client *c, int err, const char *detail)
{
	Tern__CtlReply r = TERN__CTL_REPLY__INIT;

	r.error = err;
	r.detail = (char *)(detail ? detail : strerror(-err));
	r.done = true;
	cl_reply(c, &r);
}

/* --- recv ---------------------------------------------------------------- */

struct take_ctx {
	Tern__CtlMessage *m;
	Tern__CtlMessage **pm;
	unsigned int n, max;
	size_t bytes;
	int err;
	/* peek */
	bool skipping, by_time;
	const uint8_t *cursor;
	uint64_t cursor_ms;
};

static int take_cb(void *ctx, const struct dmsg *d)
{
	struct take_ctx *tc = ctx;
	Tern__CtlMessage *m;

	if (tc->skipping) {
		if (tc->by_time ? d->received_ms > tc->cursor_ms :
		    !memcmp(d->msg_id, tc->cursor, WIRE_MSG_ID_LEN)) {
			tc->skipping = false;
			if (!tc->by_time)
				return 0;
		} else {
			return 0;
		}
	}
	m = &tc->m[tc->n];
	tern__ctl_message__init(m);
	m->msg_id.data = malloc(WIRE_MSG_ID_LEN);
	m->payload.data = malloc(d->len ? d->len : 1);
	if (!m->msg_id.data || !m->payload.data) {
		free(m->msg_id.data);
		free(m->payload.data);
		tc->err = -ENOMEM;
		return -ENOMEM;
	}
	memcpy(m->msg_id.data, d->msg_id, WIRE_MSG_ID_LEN);
	m->msg_id.len = WIRE_MSG_ID_LEN;
	memcpy(m->payload.data, d->payload, d->len);
	m->payload.len = d->len;
	m->expiry_s = d->expiry_s;
	m->flags = d->flags;
	m->received_ms = d->received_ms;
	tc->pm[tc->n] = m;
	tc->n++;
	tc->bytes += d->len;
	return tc->n == tc->max || tc->bytes >= CTL_REPLY_SOFT ? 1 : 0;
}

static void take_free(struct take_ctx *tc)
{
	unsigned int i;

	for (i = 0; i < tc->n; i++) {
		free(tc->m[i].msg_id.data);
		free(tc->m[i].payload.data);
	}
	free(tc->m);
	free(tc->pm);
}

/* Take up to @max messages for @c; a peek starts after its cursor. */
static int take(struct ctl_client *c, struct take_ctx *tc, unsigned int max)
{
	struct dstore *ds = c->td->ds;
	int ret;

	memset(tc, 0, sizeof(*tc));
	tc->max = max;
	tc->m = calloc(max, sizeof(*tc->m));
	tc->pm = calloc(max, sizeof(*tc->pm));
	if (!tc->m || !tc->pm)
		return -ENOMEM;
	if (c->consume)
		return dstore_inbox_take(ds, max, true, take_cb, tc);
	tc->skipping = c->have_cursor;
	tc->cursor = c->cursor;
	ret = dstore_inbox_take(ds, INT32_MAX, false, take_cb, tc);
	if (ret >= 0 && tc->skipping) {
		/* The cursor's message was taken by another client: go by
		 * arrival time instead.
		 */
		tc->by_time = true;
		tc->cursor_ms = c->cursor_ms;
		ret = dstore_inbox_take(ds, INT32_MAX, false, take_cb, tc);
	}
	return ret;
}

static void recv_end(struct ctl_client *c)
{
	c->recv = false;
	ev_timer_stop(c->td->loop, &c->timeout);
	cl_update_events(c);
}

static void recv_pump(struct ctl_client *c)
{
	while (c->recv && !c->out && !c->dead) {
		Tern__CtlReply r = TERN__CTL_REPLY__INIT;
		unsigned int want = CTL_CHUNK;
		struct take_ctx tc;
		bool finished;
		int ret;

		if (c->limited && c->left < want)
			want = c->left;
		ret = take(c, &tc, want);
		if (ret < 0) {
			take_free(&tc);
			cl_error(c, ret, ret == -ENOMEM ? "out of memory" :
				 dstore_error(c->td->ds));
			recv_end(c);
			return;
		}
		if (!tc.n && (c->follow || (c->wait && !c->sent_any))) {
			take_free(&tc);
			return;		/* parked until messages arrive */
		}
		if (c->limited)
			c->left -= tc.n;
		/* Done when the quota is used up, or (unless following)
		 * when the inbox ran out before the reply filled.
		 */
		finished = c->limited && !c->left;
		if (!c->follow && tc.n < want && tc.bytes < CTL_REPLY_SOFT)
			finished = true;
		if (tc.n) {
			const Tern__CtlMessage *last = tc.pm[tc.n - 1];

			memcpy(c->cursor, last->msg_id.data, WIRE_MSG_ID_LEN);
			c->cursor_ms = last->received_ms;
			c->have_cursor = true;
			c->sent_any = true;
		}
		r.n_messages = tc.n;
		r.messages = tc.pm;
		r.done = finished;
		cl_reply(c, &r);
		take_free(&tc);
		if (finished)
			recv_end(c);
	}
}

static void recv_timeout(struct ev_timer *t)
{
	struct ctl_client *c = cl_of(t, timeout);
	Tern__CtlReply r = TERN__CTL_REPLY__INIT;

	if (!c->recv)
		return;
	r.done = true;
	cl_reply(c, &r);
	recv_end(c);
}

static void do_recv(struct ctl_client *c, const Tern__CtlRecv *q)
{
	struct ternd *td = c->td;

	if (td->chat) {
		cl_error(c, -EBUSY,
			 "messaging is on (--directory): ternd reads the inbox itself; use the client API (ternctl send, history, watch)");
		return;
	}
	/* Nothing of an open batch is consumed with the messages. */
	td_flush_now(td);
	c->recv = true;
	c->consume = q->consume;
	c->wait = q->wait;
	c->follow = q->follow;
	c->limited = q->max != 0;
	c->left = q->max;
	c->sent_any = false;
	c->have_cursor = false;
	if (c->wait && !c->follow && q->timeout_ms)
		ev_timer_in(td->loop, &c->timeout, q->timeout_ms);
	cl_update_events(c);
	recv_pump(c);
}

void ctl_inbox_ready(struct ternd *td)
{
	struct ctl_client *c, *next;

	for (c = td->clients; c; c = next) {
		next = c->next;
		if (c->recv)
			recv_pump(c);
	}
}

/* --- send ---------------------------------------------------------------- */

static void do_send(struct ctl_client *c, const Tern__CtlSend *s)
{
	Tern__CtlReply r = TERN__CTL_REPLY__INIT;
	struct ternd *td = c->td;
	uint8_t id[WIRE_MSG_ID_LEN];
	size_t max = td->max_payload ? td->max_payload :
		     TERN_FRAME_MAX_PAYLOAD - WIRE_OVERHEAD;
	char detail[160];
	int ret;

	if (s->token.len != WIRE_TOKEN_LEN) {
		cl_error(c, -EINVAL, "the push token must be 16 bytes");
		return;
	}
	if (s->msg_id.len && s->msg_id.len != WIRE_MSG_ID_LEN) {
		cl_error(c, -EINVAL, "the message id must be 16 bytes");
		return;
	}
	if (s->flags & ~(uint32_t)(TERN__PUSH_FLAG__PUSH_F_NO_STORE |
				   TERN__PUSH_FLAG__PUSH_F_URGENT)) {
		cl_error(c, -EINVAL, "unknown push flags");
		return;
	}
	if (s->payload.len > max) {
		snprintf(detail, sizeof(detail),
			 "payload of %zu bytes, the gateway takes at most %zu",
			 s->payload.len, max);
		cl_error(c, -EMSGSIZE, detail);
		return;
	}
	if (s->msg_id.len)
		memcpy(id, s->msg_id.data, WIRE_MSG_ID_LEN);
	else if (RAND_bytes(id, sizeof(id)) != 1) {
		cl_error(c, -EIO, "no random bytes for a message id");
		return;
	}
	/* Its own transaction: the reply says it is on disk. */
	td_flush_now(td);
	ret = outbox_add(td, s->token.data, id, s->ttl_s, s->flags,
			 s->payload.data, s->payload.len);
	if (ret >= 0)
		ret = td_flush_now(td);
	else
		td_flush_now(td);
	if (ret < 0) {
		snprintf(detail, sizeof(detail), "store: %s",
			 ret == -ENOSPC ? "disk full" : dstore_error(td->ds));
		cl_error(c, ret, detail);
		return;
	}
	r.msg_id = wire_bytes(id, sizeof(id));
	r.result = "queued";
	r.done = true;
	cl_reply(c, &r);
	outbox_kick(td);
}

/* --- status -------------------------------------------------------------- */

static void do_status(struct ctl_client *c)
{
	Tern__CtlReply r = TERN__CTL_REPLY__INIT;
	Tern__CtlStatusReply s = TERN__CTL_STATUS_REPLY__INIT;
	struct ternd *td = c->td;
	int n;

	s.state = (char *)link_state_name(td->state);
	s.transport = (char *)td->t->name;
	if (td->have_token)
		s.push_token = wire_bytes(td->token, WIRE_TOKEN_LEN);
	s.device_id = wire_bytes(td->device_id, sizeof(td->device_id));
	s.gateway = td->conf.gateway;
	s.heartbeat_ms = hb_interval(&td->hb);
	s.conn_id = td->conn_id;
	s.connected_ms = td->state == TD_READY ? td->connected_wall_ms : 0;
	s.reconnects = td->reconnects;
	n = dstore_out_pending(td->ds);
	s.outbox_pending = n > 0 ? n : 0;
	n = inbox_unread(td);
	s.inbox_unread = n > 0 ? n : 0;
	s.last_close = td->last_close;
	s.adopted = td->adopted;
	s.dir_state = (char *)tdir_state_name(td->dir ? td->dir->state :
					      TDIR_OFF);
	s.dir_handle = td->conf.handle ? td->conf.handle : "";
	s.dir_prekeys = -1;
	s.link_code = (char *)(devlink_code(td) ? devlink_code(td) : "");
	if (td->dir) {
		s.dir_head = td->dir->head_size;
		s.dir_prekeys = td->dir->prekeys_left;
		s.dir_alarm = td->dir->alarm;
		s.dir_error = td->dir->error;
	}
	r.status = &s;
	r.done = true;
	cl_reply(c, &r);
}

/* --- lookup -------------------------------------------------------------- */

void ctl_lookup_reply(struct ctl_client *c, const Tern__CtlLookupReply *lr,
		      int err, const char *detail)
{
	Tern__CtlReply r = TERN__CTL_REPLY__INIT;

	c->resolving = false;
	if (err) {
		cl_error(c, err, detail);
	} else {
		r.lookup = (Tern__CtlLookupReply *)lr;
		r.done = true;
		cl_reply(c, &r);
	}
	if (!c->dead)
		cl_update_events(c);
}

static void do_lookup(struct ctl_client *c, const Tern__CtlLookup *q)
{
	c->resolving = true;
	resolve_start(c->td, c, q->handle, q->fresh);
}

/* --- revoke -------------------------------------------------------------- */

static void revoke_timeout(struct ev_timer *t)
{
	struct ctl_client *c = cl_of(t, rv_timer);

	if (!c->revoking)
		return;
	c->revoking = false;
	cl_error(c, -ETIMEDOUT, "no answer from the gateway");
	cl_update_events(c);
}

static void do_revoke(struct ctl_client *c, const Tern__CtlRevoke *q)
{
	Tern__Revoke rv = TERN__REVOKE__INIT;
	struct ternd *td = c->td;

	if (q->token.len && q->token.len != WIRE_TOKEN_LEN) {
		cl_error(c, -EINVAL, "the push token must be 16 bytes");
		return;
	}
	if (!q->token.len && !td->have_token) {
		cl_error(c, -ENOENT, "this device has no push token yet");
		return;
	}
	if (!link_ready(td)) {
		cl_error(c, -ENOTCONN, "not connected to the gateway");
		return;
	}
	memcpy(c->rv_token, q->token.len ? q->token.data : td->token,
	       WIRE_TOKEN_LEN);
	rv.token = wire_bytes(c->rv_token, WIRE_TOKEN_LEN);
	if (link_send(td, WIRE_REVOKE, &rv.base)) {
		cl_error(c, -ENOTCONN, "not connected to the gateway");
		return;
	}
	c->revoking = true;
	ev_timer_in(td->loop, &c->rv_timer, TD_REVOKE_TIMEOUT_MS);
	cl_update_events(c);
}

void ctl_revoke_result(struct ternd *td, const Tern__RevokeResult *res)
{
	struct ctl_client *c;

	for (c = td->clients; c; c = c->next) {
		Tern__CtlReply r = TERN__CTL_REPLY__INIT;

		if (!c->revoking ||
		    memcmp(c->rv_token, res->token.data, WIRE_TOKEN_LEN))
			continue;
		c->revoking = false;
		ev_timer_stop(td->loop, &c->rv_timer);
		if (res->ok) {
			td_log(td, TD_INFO, "a push token was revoked");
			r.result = "revoked";
			r.detail = res->detail;
			r.done = true;
			cl_reply(c, &r);
		} else {
			cl_error(c, !strcmp(res->detail, "unknown token") ?
				 -ENOENT : -EPERM, res->detail[0] ?
				 res->detail : "refused by the gateway");
		}
		cl_update_events(c);
		return;
	}
	td_log(td, TD_DEBUG, "a revoke result nobody waits for");
}

void ctl_link_down(struct ternd *td)
{
	struct ctl_client *c, *next;

	for (c = td->clients; c; c = next) {
		next = c->next;
		if (!c->revoking)
			continue;
		c->revoking = false;
		ev_timer_stop(td->loop, &c->rv_timer);
		cl_error(c, -ECONNRESET,
			 "the connection to the gateway ended before its answer");
		cl_update_events(c);
	}
}

/* --- requests ------------------------------------------------------------ */

static void cl_request(struct ctl_client *c)
{
	Tern__CtlRequest *q;
	uint8_t *buf;
	ssize_t len, n;

	len = recv(c->ev.fd, NULL, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
	if (len < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			cl_kill(c);
		return;
	}
	buf = malloc(len ? len : 1);
	if (!buf) {
		cl_kill(c);
		return;
	}
	n = recv(c->ev.fd, buf, len ? len : 1, MSG_DONTWAIT);
	if (n <= 0) {
		/* 0: the client hung up. */
		free(buf);
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			cl_kill(c);
		return;
	}
	q = tern__ctl_request__unpack(NULL, n, buf);
	free(buf);
	if (!q) {
		cl_error(c, -EINVAL, "malformed request");
		return;
	}
	switch (q->req_case) {
	case TERN__CTL_REQUEST__REQ_SEND:
		do_send(c, q->send);
		break;
	case TERN__CTL_REQUEST__REQ_RECV:
		do_recv(c, q->recv);
		break;
	case TERN__CTL_REQUEST__REQ_STATUS:
		do_status(c);
		break;
	case TERN__CTL_REQUEST__REQ_REVOKE:
		do_revoke(c, q->revoke);
		break;
	case TERN__CTL_REQUEST__REQ_LOOKUP:
		do_lookup(c, q->lookup);
		break;
	default:
		cl_error(c, -EOPNOTSUPP, "unknown request");
		break;
	}
	tern__ctl_request__free_unpacked(q, NULL);
}

static void cl_write(struct ctl_client *c)
{
	while (c->out) {
		struct ctl_pkt *p = c->out;
		ssize_t n = send(c->ev.fd, p->data, p->len,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				cl_kill(c);
			return;
		}
		c->out = p->next;
		free(p);
	}
	cl_update_events(c);
	if (c->recv)
		recv_pump(c);
}

static void cl_event(struct ev_fd *ev, uint32_t events)
{
	struct ctl_client *c = cl_of(ev, ev);

	if (c->dead)
		return;
	if (events & EPOLLOUT)
		cl_write(c);
	if (c->dead)
		return;
	if (events & EPOLLIN) {
		cl_request(c);
		return;
	}
	/* Busy and the client went away. */
	if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		cl_kill(c);
}

static void ctl_accept(struct ev_fd *ev, uint32_t events)
{
	struct ternd *td = (void *)((char *)ev - offsetof(struct ternd, ctl_ev));
	struct ctl_client *c;
	int fd, n = 0, sndbuf = CTL_SNDBUF;

	(void)events;
	fd = accept4(ev->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	for (c = td->clients; c; c = c->next)
		n++;
	if (n >= CTL_MAX_CLIENTS) {
		td_log(td, TD_ERR, "control: too many clients");
		close(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	c->td = td;
	c->ev.fn = cl_event;
	c->reap.fn = cl_reap;
	c->timeout.fn = recv_timeout;
	c->rv_timer.fn = revoke_timeout;
	c->out_tail = &c->out;
	if (ev_fd_add(td->loop, &c->ev, fd, EPOLLIN | EPOLLRDHUP)) {
		close(fd);
		free(c);
		return;
	}
	c->next = td->clients;
	td->clients = c;
}

int ctl_open(struct ternd *td, char *err, size_t errlen)
{
	int fd;

	fd = unixsock_listen(td->conf.socket, SOCK_SEQPACKET, CTL_BACKLOG,
			     err, errlen);
	if (fd < 0)
		return fd;
	td->ctl_ev.fn = ctl_accept;
	if (ev_fd_add(td->loop, &td->ctl_ev, fd, EPOLLIN)) {
		snprintf(err, errlen, "the event loop: %s", strerror(errno));
		close(fd);
		unlink(td->conf.socket);
		return -ENOMEM;
	}
	td->ctl_fd = fd;
	return 0;
}

void ctl_close(struct ternd *td)
{
	while (td->clients)
		cl_kill(td->clients);
	if (td->ctl_fd >= 0) {
		ev_fd_del(td->loop, &td->ctl_ev);
		close(td->ctl_fd);
		unlink(td->conf.socket);
		td->ctl_fd = -1;
	}
}
