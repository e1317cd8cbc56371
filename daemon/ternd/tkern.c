// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel transport: after the TLS handshake ternd installs kTLS on
 * the socket, frees the SSL and hands the socket to tern.ko (conn-new,
 * role initiator, owner tag "ternd-" and the first 16 hex digits of the
 * device id). tern.ko sends the heartbeats and
 * cuts the frames; ternd sends with frame-send and receives frame-recv
 * batches through libtern, and acks each frame to tern.ko (frame-ack) only
 * once the batch that handled it has committed. When ternd exits the
 * connection waits in tern.ko (TD_GRACE_MS) for the next ternd to adopt
 * it; unacked frames are then replayed to it.
 *
 * Heartbeat learning sees tern.ko's heartbeats through conn-get: a count
 * of answered heartbeats that went up proves the current interval.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <netinet/in.h>
#include <unistd.h>
#include <openssl/rand.h>

#include "dstore.h"
#include "hex.h"
#include "ktls.h"
#include "tern_nl.h"
#include "ternd.h"

#define TK_PUMP_ROUNDS	64	/* notifications per after-callback */
#define TK_MAX_ACKS	16	/* connections with frames to ack */
#define TK_MAX_CONNS	16	/* adoptable connections looked at */
#define TK_POLL_SLACK_MS 5000

struct tk_out {
	uint8_t type;
	uint32_t len;
	uint8_t *data;
};

struct tk {
	struct ternd *td;
	struct tern_nl *nl;
	struct ev_fd ev;
	struct ev_after pump;
	struct ev_after flush;		/* the send queue */
	struct ev_after lost;		/* link_lost, outside callbacks */
	struct ev_timer hb_poll;
	uint32_t conn_id;		/* current connection; 0: none */
	uint32_t interval_ms;
	uint64_t hb_answered;
	struct tk_out *q;
	size_t nq, capq;
	bool blocked;			/* until conn-writable */
	struct tern_ack acks[TK_MAX_ACKS];	/* handled frames */
	size_t nacks;
	/* Committed, to be acked once the send queue (their DELIVER_ACK)
	 * has gone to tern.ko.
	 */
	struct tern_ack done[TK_MAX_ACKS];
	size_t ndone;
	char lost_why[128];
	char owner[TERN_OWNER_TAG_MAX];	/* "ternd-" + device id prefix */
};

#define tk_of(ptr, member) \
	((struct tk *)((char *)(ptr) - offsetof(struct tk, member)))

static void tk_clear_queue(struct tk *tk)
{
	size_t i;

	for (i = 0; i < tk->nq; i++)
		free(tk->q[i].data);
	tk->nq = 0;
	tk->blocked = false;
}

static void tk_flush_queue(struct tk *tk)
{
	struct tern_frame_out *f;
	struct tern_send_result res[1] = { 0 };
	size_t i, nres = 0, taken;
	int err;

	if (!tk->nq || tk->blocked || !tk->conn_id)
		return;
	f = calloc(tk->nq, sizeof(*f));
	if (!f)
		return;
	for (i = 0; i < tk->nq; i++) {
		f[i].conn_id = tk->conn_id;
		f[i].type = tk->q[i].type;
		f[i].data = tk->q[i].data;
		f[i].len = tk->q[i].len;
	}
	err = tern_nl_frame_send(tk->nl, f, tk->nq, res, &nres);
	free(f);
	ev_after(tk->td->loop, &tk->pump);
	taken = nres ? res[0].queued : 0;
	for (i = 0; i < taken; i++)
		free(tk->q[i].data);
	memmove(tk->q, tk->q + taken, (tk->nq - taken) * sizeof(*tk->q));
	tk->nq -= taken;
	if (!tk->nq)
		return;
	if (nres && res[0].error == -EAGAIN) {
		tk->blocked = true;
		return;
	}
	/* The connection is going down: conn-down follows. */
	td_log(tk->td, TD_DEBUG, "frame-send: %s",
	       err ? tern_nl_error(tk->nl) : strerror(-res[0].error));
	tk_clear_queue(tk);
}

/* Ack the committed frames to tern.ko. */
static void tk_ack_done(struct tk *tk)
{
	int err;

	if (!tk->ndone)
		return;
	err = tern_nl_frame_ack(tk->nl, tk->done, tk->ndone);
	/* A connection deleted meanwhile has nothing left to ack. */
	if (err && err != -ENOENT)
		td_log(tk->td, TD_ERR, "frame-ack: %s", tern_nl_error(tk->nl));
	tk->ndone = 0;
	ev_after(tk->td->loop, &tk->pump);
}

static void tk_flush(struct ev_after *a)
{
	struct tk *tk = tk_of(a, flush);

	tk_flush_queue(tk);
	if (!tk->nq)
		tk_ack_done(tk);
}

static void tk_lost(struct ev_after *a)
{
	struct tk *tk = tk_of(a, lost);

	link_lost(tk->td, tk->lost_why, false);
}

/* Forget the current connection (already gone or deleted). */
static void tk_drop(struct tk *tk)
{
	tk->conn_id = 0;
	tk_clear_queue(tk);
	ev_timer_stop(tk->td->loop, &tk->hb_poll);
}

static void tk_close_conn(struct tk *tk, const char *why)
{
	uint32_t id = tk->conn_id;
	int err;

	if (!id)
		return;
	tk_flush_queue(tk);	/* a CLOSE frame, say */
	tk_drop(tk);
	err = tern_nl_conn_del(tk->nl, id);
	if (err && err != -ENOENT)
		td_log(tk->td, TD_ERR, "conn-del %" PRIu32 ": %s", id,
		       tern_nl_error(tk->nl));
	ev_after(tk->td->loop, &tk->pump);
	snprintf(tk->lost_why, sizeof(tk->lost_why), "%s", why);
	ev_after(tk->td->loop, &tk->lost);
}

/* --- notifications ------------------------------------------------------- */

static void tk_note_ack(struct tk *tk, uint32_t conn_id, uint64_t seq)
{
	size_t i;

	for (i = 0; i < tk->nacks; i++) {
		if (tk->acks[i].conn_id == conn_id) {
			if (seq > tk->acks[i].seq)
				tk->acks[i].seq = seq;
			return;
		}
	}
	if (tk->nacks == TK_MAX_ACKS)
		td_flush_now(tk->td);	/* acks and empties the table */
	if (tk->nacks == TK_MAX_ACKS)
		return;		/* the commit failed: no ack */
	tk->acks[tk->nacks].conn_id = conn_id;
	tk->acks[tk->nacks].seq = seq;
	tk->nacks++;
}

static void tk_frame(const struct tern_frame_in *f, void *arg)
{
	struct tk *tk = arg;
	struct ternd *td = tk->td;

	link_frame(td, f->type, f->data, f->len,
		   tk->conn_id && f->conn_id == tk->conn_id);
	tk_note_ack(tk, f->conn_id, f->seq);
	/* Acked after the commit, also when nothing was written. */
	ev_after(td->loop, &td->flush);
}

static void tk_conn_down(uint32_t conn_id, uint64_t cookie,
			 const char *owner_tag, enum tern_reason reason,
			 void *arg)
{
	struct tk *tk = arg;
	char why[64];

	(void)cookie;
	(void)owner_tag;
	if (!conn_id || conn_id != tk->conn_id)
		return;
	tk_drop(tk);
	snprintf(why, sizeof(why), "tern.ko: %s", tern_reason_name(reason));
	link_lost(tk->td, why, reason == TERN_REASON_TIMEOUT);
}

static void tk_conn_writable(uint32_t conn_id, uint64_t cookie, void *arg)
{
	struct tk *tk = arg;

	(void)cookie;
	if (conn_id != tk->conn_id)
		return;
	tk->blocked = false;
	ev_after(tk->td->loop, &tk->flush);
}

static const struct tern_event_ops tk_ops = {
	.frame = tk_frame,
	.conn_down = tk_conn_down,
	.conn_writable = tk_conn_writable,
};

static void tk_pump_now(struct tk *tk)
{
	int i, n = 0;

	for (i = 0; i < TK_PUMP_ROUNDS; i++) {
		n = tern_nl_process(tk->nl, &tk_ops, tk, 0);
		if (n <= 0)
			break;
	}
	if (n > 0) {
		ev_after(tk->td->loop, &tk->pump);
		return;
	}
	if (n == 0 || n == -EAGAIN || n == -EINTR)
		return;
	/*
	 * Notifications were lost or dropped: tern.ko thinks it delivered
	 * frames we never saw, and would hold them unacked for ever. Start
	 * afresh; the gateway delivers again whatever was not acked.
	 */
	td_log(tk->td, TD_ERR, "tern.ko notifications lost: %s",
	       tern_nl_error(tk->nl));
	tk_close_conn(tk, "tern.ko notifications lost");
}

static void tk_pump(struct ev_after *a)
{
	tk_pump_now(tk_of(a, pump));
}

static void tk_event(struct ev_fd *ev, uint32_t events)
{
	(void)events;
	tk_pump_now(tk_of(ev, ev));
}

/* --- heartbeats ---------------------------------------------------------- */

static void tk_poll_arm(struct tk *tk)
{
	ev_timer_in(tk->td->loop, &tk->hb_poll,
		    (uint64_t)tk->interval_ms + TK_POLL_SLACK_MS);
}

static void tk_hb_poll(struct ev_timer *t)
{
	struct tk *tk = tk_of(t, hb_poll);
	struct tern_conn_info info;
	int err;

	if (!tk->conn_id)
		return;
	err = tern_nl_conn_get(tk->nl, tk->conn_id, &info);
	ev_after(tk->td->loop, &tk->pump);
	if (err) {
		td_log(tk->td, TD_DEBUG, "conn-get: %s", tern_nl_error(tk->nl));
		tk_poll_arm(tk);
		return;
	}
	if (info.stats.hb_answered > tk->hb_answered) {
		tk->hb_answered = info.stats.hb_answered;
		link_hb_alive(tk->td, info.hb_interval_ms);
	}
	tk_poll_arm(tk);
}

/* --- transport ops ------------------------------------------------------- */

static int tk_take(struct ternd *td, int fd, SSL *ssl, char *err,
		   size_t errlen)
{
	struct tk *tk = td->tctx;
	struct tern_conn_params p = { 0 };
	uint32_t id;
	int ret;

	ret = ktls_install_from_ssl(ssl, fd, err, errlen);
	SSL_free(ssl);
	if (ret) {
		close(fd);
		return ret;
	}
	if (RAND_bytes((unsigned char *)&td->cookie, sizeof(td->cookie)) != 1)
		td->cookie = ev_wall_ms();
	p.fd = fd;
	p.role = TERN_ROLE_INITIATOR;
	p.hb_interval_ms = hb_interval(&td->hb);
	p.owner_tag = tk->owner;
	p.cookie = td->cookie;
	p.grace_ms = TD_GRACE_MS;
	p.given = TERN_P_HB_INTERVAL | TERN_P_COOKIE | TERN_P_GRACE;
	ret = tern_nl_conn_new(tk->nl, &p, &id);
	close(fd);	/* tern.ko holds its own reference */
	ev_after(td->loop, &tk->pump);
	if (ret) {
		snprintf(err, errlen, "conn-new: %s", tern_nl_error(tk->nl));
		return ret;
	}
	tk->conn_id = id;
	td->conn_id = id;
	tk->interval_ms = p.hb_interval_ms;
	tk->hb_answered = 0;
	tk->blocked = false;
	tk_poll_arm(tk);
	return 0;
}

static int tk_send(struct ternd *td, uint8_t type, const ProtobufCMessage *m)
{
	struct tk *tk = td->tctx;
	size_t len = protobuf_c_message_get_packed_size(m);
	struct tk_out *o;

	if (!tk->conn_id)
		return -ENOTCONN;
	if (len > TERN_FRAME_MAX_PAYLOAD)
		return -EMSGSIZE;
	if (tk->nq == tk->capq) {
		size_t cap = tk->capq ? 2 * tk->capq : 16;

		o = realloc(tk->q, cap * sizeof(*o));
		if (!o)
			return -ENOMEM;
		tk->q = o;
		tk->capq = cap;
	}
	o = &tk->q[tk->nq];
	o->data = malloc(len ? len : 1);
	if (!o->data)
		return -ENOMEM;
	o->type = type;
	o->len = protobuf_c_message_pack(m, o->data);
	tk->nq++;
	ev_after(td->loop, &tk->flush);
	return 0;
}

static void tk_close(struct ternd *td, const char *why)
{
	tk_close_conn(td->tctx, why);
}

static void tk_set_heartbeat(struct ternd *td, uint32_t interval_ms)
{
	struct tk *tk = td->tctx;
	struct tern_conn_params p = { 0 };

	if (!tk->conn_id)
		return;
	p.hb_interval_ms = interval_ms;
	if (tern_nl_conn_set(tk->nl, tk->conn_id, &p))
		td_log(td, TD_ERR, "conn-set heartbeat: %s",
		       tern_nl_error(tk->nl));
	ev_after(td->loop, &tk->pump);
	tk->interval_ms = interval_ms;
	tk_poll_arm(tk);
}

/*
 * The frames the batch handled are stored: ack them to tern.ko, but only
 * once what answers them (the DELIVER_ACK, queued by now) is in tern.ko's
 * hands. Acked, a DELIVER is never replayed: were ternd to die with its
 * DELIVER_ACK still queued here, the gateway would never get one.
 */
static void tk_committed(struct ternd *td)
{
	struct tk *tk = td->tctx;
	size_t i, j;

	for (i = 0; i < tk->nacks; i++) {
		for (j = 0; j < tk->ndone; j++)
			if (tk->done[j].conn_id == tk->acks[i].conn_id)
				break;
		if (j == tk->ndone) {
			if (tk->ndone == TK_MAX_ACKS)
				tk_ack_done(tk);	/* no room to wait */
			tk->done[tk->ndone++] = tk->acks[i];
		} else if (tk->acks[i].seq > tk->done[j].seq) {
			tk->done[j].seq = tk->acks[i].seq;
		}
	}
	tk->nacks = 0;
	tk_flush_queue(tk);
	/* Blocked: tk_flush acks them once conn-writable drained it. */
	if (!tk->nq)
		tk_ack_done(tk);
}

/*
 * The frames since the last commit are not stored and must not be acked.
 * tern.ko would hold them for ever (they were delivered), so their
 * connections go: the link closes the current one, stale ones end here.
 * The gateway delivers the messages again on the next session.
 */
static void tk_rollback(struct ternd *td)
{
	struct tk *tk = td->tctx;
	size_t i;

	for (i = 0; i < tk->nacks; i++)
		if (tk->acks[i].conn_id != tk->conn_id)
			tern_nl_conn_del(tk->nl, tk->acks[i].conn_id);
	tk->nacks = 0;
	ev_after(td->loop, &tk->pump);
}

/* ternd exits: the connection stays in tern.ko for the next ternd. */
static void tk_leave(struct ternd *td)
{
	struct tk *tk = td->tctx;

	tk_flush_queue(tk);
	if (!tk->nq)
		tk_ack_done(tk);
	if (tk->conn_id)
		td_log(td, TD_INFO, "leaving tern.ko connection %" PRIu32
		       " for the next ternd to adopt (within %d s)",
		       tk->conn_id, TD_GRACE_MS / 1000);
	tk->conn_id = 0;
	ev_timer_stop(td->loop, &tk->hb_poll);
}

static void tk_destroy(struct ternd *td)
{
	struct tk *tk = td->tctx;

	if (!tk)
		return;
	ev_timer_stop(td->loop, &tk->hb_poll);
	ev_fd_del(td->loop, &tk->ev);
	tk_clear_queue(tk);
	free(tk->q);
	tern_nl_close(tk->nl);
	free(tk);
	td->tctx = NULL;
}

static const struct td_transport tk_transport = {
	.name = "kernel",
	.take = tk_take,
	.send = tk_send,
	.close = tk_close,
	.set_heartbeat = tk_set_heartbeat,
	.committed = tk_committed,
	.rollback = tk_rollback,
	.leave = tk_leave,
	.destroy = tk_destroy,
};

/* --- adoption ------------------------------------------------------------ */

struct tk_dump {
	struct tern_conn_info v[TK_MAX_CONNS];
	size_t n;
};

static int tk_dump_cb(const struct tern_conn_info *info, void *arg)
{
	struct tk_dump *d = arg;

	if (d->n < TK_MAX_CONNS)
		d->v[d->n++] = *info;
	return 0;
}

static void tk_local_addr(const struct tern_conn_info *c,
			  struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (c->family == AF_INET) {
		struct sockaddr_in *s4 = (void *)ss;

		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, c->local_addr, 4);
	} else if (c->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (void *)ss;

		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, c->local_addr, 16);
	}
}

int tkern_adopt(struct ternd *td, struct sockaddr_storage *local)
{
	struct tk *tk = td->tctx;
	struct tk_dump *d;
	const struct tern_conn_info *pick = NULL;
	uint64_t ready = 0;
	char val[32];
	uint32_t count = 0;
	size_t i;
	int err;

	err = tern_nl_conn_adopt(tk->nl, tk->owner, 0, TD_GRACE_MS,
				 &count);
	ev_after(td->loop, &tk->pump);
	if (err == -ENOENT)
		return 0;
	if (err)
		return err;
	if (!count)
		return 0;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	err = tern_nl_conn_dump(tk->nl, tk->owner, tk_dump_cb, d);
	if (err)
		goto out;
	if (!dstore_get(td->ds, "kconn-ready", val, sizeof(val)))
		ready = strtoull(val, NULL, 16);
	/* The established one the last session was ready on, else the
	 * newest established one. Down ones only replay their frames.
	 */
	for (i = 0; i < d->n; i++) {
		const struct tern_conn_info *c = &d->v[i];

		if (c->state != TERN_STATE_ESTABLISHED || c->orphan)
			continue;
		if (c->cookie == ready) {
			pick = c;
			break;
		}
		if (!pick || c->id > pick->id)
			pick = c;
	}
	for (i = 0; i < d->n; i++) {
		const struct tern_conn_info *c = &d->v[i];

		if (c == pick || c->state != TERN_STATE_ESTABLISHED ||
		    c->orphan)
			continue;
		td_log(td, TD_INFO, "closing extra tern.ko connection %"
		       PRIu32, c->id);
		tern_nl_conn_del(tk->nl, c->id);
	}
	if (!pick)
		goto out;
	tk->conn_id = pick->id;
	tk->interval_ms = pick->hb_interval_ms;
	tk->hb_answered = pick->stats.hb_answered;
	tk->blocked = false;
	td->conn_id = pick->id;
	td->cookie = pick->cookie;
	tk_local_addr(pick, local);
	tk_poll_arm(tk);
	err = 1;
out:
	free(d);
	ev_after(td->loop, &tk->pump);
	return err;
}

static int tk_probe_cb(const struct tern_conn_info *info, void *arg)
{
	(void)info;
	(void)arg;
	return 0;
}

int tkern_init(struct ternd *td, char *why, size_t whylen)
{
	struct tk *tk;
	int err;

	tk = calloc(1, sizeof(*tk));
	if (!tk) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	/* One tag per device: several ternds (tests, users) on one host
	 * must never adopt or prune each other's connections.
	 */
	memcpy(tk->owner, TERND_OWNER_TAG "-", sizeof(TERND_OWNER_TAG));
	hex_encode(td->device_id, 8, tk->owner + sizeof(TERND_OWNER_TAG));
	err = tern_nl_open(&tk->nl);
	if (err) {
		if (err == -ENOENT)
			snprintf(why, whylen, "tern.ko not loaded");
		else
			snprintf(why, whylen, "tern netlink: %s",
				 strerror(-err));
		goto fail;
	}
	/* Every tern op needs CAP_NET_ADMIN: find out now. */
	err = tern_nl_conn_dump(tk->nl, tk->owner, tk_probe_cb, NULL);
	if (err) {
		if (err == -EPERM)
			snprintf(why, whylen, "no CAP_NET_ADMIN for tern.ko");
		else
			snprintf(why, whylen, "tern.ko: %s",
				 tern_nl_error(tk->nl));
		goto fail;
	}
	err = ktls_supported();
	if (err) {
		if (err == -ENOENT)
			snprintf(why, whylen, "no kernel TLS: the tls module is not available");
		else
			snprintf(why, whylen, "no kernel TLS: %s",
				 strerror(-err));
		goto fail;
	}
	tk->td = td;
	tk->pump.fn = tk_pump;
	tk->flush.fn = tk_flush;
	tk->lost.fn = tk_lost;
	tk->hb_poll.fn = tk_hb_poll;
	tk->ev.fn = tk_event;
	err = ev_fd_add(td->loop, &tk->ev, tern_nl_fd(tk->nl), EPOLLIN);
	if (err) {
		snprintf(why, whylen, "epoll: %s", strerror(-err));
		goto fail;
	}
	td->t = &tk_transport;
	td->tctx = tk;
	snprintf(why, whylen, "tern.ko loaded, kernel TLS available");
	return 0;
fail:
	if (tk->nl)
		tern_nl_close(tk->nl);
	free(tk);
	return err;
}
