// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel transport: once the TLS handshake is done, the gateway moves
 * the session's keys into kTLS, hands the socket to tern.ko (conn-new,
 * role responder) and forgets OpenSSL. From then on frames come and go
 * over the tern generic netlink family (daemon/lib); tern.ko answers PINGs
 * and ends connections whose devices go silent.
 *
 * A frame is acked to tern.ko only once the gateway is done with it: a
 * PUSH after the batch it joined has been committed (its ACK may still
 * wait for the flush to disk, durable.c: a successor finds the commit in
 * the page cache, and the sender, unacked, retries it). So a
 * gateway that dies loses nothing: its successor adopts the connections
 * (conn-adopt, same owner tag), finds each session in kconns.db by the
 * connection's cookie, and gets every unacked frame again. No device
 * reconnects.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <openssl/rand.h>

#include "frame.h"
#include "kstate.h"
#include "ktls.h"
#include "session.h"
#include "tern_nl.h"

#define TK_OWNER	"tern-gatewayd"
#define TK_CLOSE_POLL_MS	50
#define TK_CLOSE_MAX_MS		2000
#define TK_SEND_BATCH		256
#define TK_RESEND_MS		100

/*
 * One per connection, most of them idle: packed without holes. Only the
 * busy ones (an ack to send, frames queued, closing) are on the work
 * list, so that what runs every loop iteration never walks the idle
 * ones: with 100,000 connections that walk alone cost milliseconds.
 */
struct tk_conn {
	struct gw_sess *sess;
	uint64_t cookie;
	uint64_t seen_seq;		/* last frame handled */
	uint64_t close_by;
	struct wbuf out;		/* frames not yet taken by tern.ko */
	struct tk_conn *hnext;		/* by id */
	struct tk_conn *wnext;		/* on the work list */
	uint32_t id;
	bool ack_dirty : 1;
	bool blocked : 1;		/* tern.ko's queue is full */
	bool closing : 1;
	bool listed : 1;		/* on the work list */
	bool dead : 1;			/* forgotten: the work list frees it */
};

static struct {
	struct gw *gw;
	struct tern_nl *nl;
	struct kstate *ks;
	struct ev_fd ev;
	struct ev_after ack_after;
	struct ev_after send_after;
	struct ev_after pump;
	struct ev_timer closer;
	struct ev_timer resend;
	struct tk_conn **tab;
	unsigned int cap, n;
	struct tk_conn *work;
} tk;

static void tk_requested(void);

static struct tk_conn *tk_find(uint32_t id)
{
	struct tk_conn *c;

	if (!tk.cap)
		return NULL;
	for (c = tk.tab[id & (tk.cap - 1)]; c; c = c->hnext)
		if (c->id == id)
			return c;
	return NULL;
}

static int tk_insert(struct tk_conn *c)
{
	unsigned int i;

	if (tk.n >= tk.cap / 4 * 3) {
		unsigned int cap = tk.cap ? 2 * tk.cap : 1024;
		struct tk_conn **t = calloc(cap, sizeof(*t));

		if (!t)
			return -ENOMEM;
		for (i = 0; i < tk.cap; i++) {
			struct tk_conn *p = tk.tab[i], *next;

			for (; p; p = next) {
				next = p->hnext;
				p->hnext = t[p->id & (cap - 1)];
				t[p->id & (cap - 1)] = p;
			}
		}
		free(tk.tab);
		tk.tab = t;
		tk.cap = cap;
	}
	c->hnext = tk.tab[c->id & (tk.cap - 1)];
	tk.tab[c->id & (tk.cap - 1)] = c;
	tk.n++;
	return 0;
}

/* @c has work: an ack to send, frames queued, a close to finish. */
static void tk_work(struct tk_conn *c)
{
	if (c->listed)
		return;
	c->listed = true;
	c->wnext = tk.work;
	tk.work = c;
}

/* Take the connections that have no work left off the list. */
static void tk_work_prune(void)
{
	struct tk_conn **pp = &tk.work, *c;

	while ((c = *pp)) {
		if (!c->dead && (c->ack_dirty || c->out.len || c->closing)) {
			pp = &c->wnext;
			continue;
		}
		*pp = c->wnext;
		c->listed = false;
		c->wnext = NULL;
		if (c->dead)
			free(c);
	}
}

/* The connection is gone from tern.ko: end its session, free it. */
static void tk_forget(struct tk_conn *c)
{
	struct tk_conn **pp = &tk.tab[c->id & (tk.cap - 1)];

	for (; *pp; pp = &(*pp)->hnext) {
		if (*pp == c) {
			*pp = c->hnext;
			break;
		}
	}
	tk.n--;
	if (c->sess) {
		struct gw_sess *s = c->sess;

		c->sess = NULL;
		s->tctx = NULL;
		sess_lost(s);
	}
	if (kstate_del(tk.ks, c->cookie))
		gw_log(tk.gw, GW_ERR, "kconns.db: %s", kstate_error(tk.ks));
	wbuf_free(&c->out);
	c->ack_dirty = false;
	c->closing = false;
	if (c->listed)
		c->dead = true;		/* a walk of the list may hold it */
	else
		free(c);
}

static struct tk_conn *tk_conn_new(uint32_t id, uint64_t cookie)
{
	struct tk_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->id = id;
	c->cookie = cookie;
	if (tk_insert(c)) {
		free(c);
		return NULL;
	}
	return c;
}

/* Acks go out once this iteration's batch is committed. */
static void tk_ack_run(struct ev_after *a)
{
	struct tern_ack acks[256];
	struct tk_conn *c;
	size_t n = 0;
	int err;

	(void)a;
	if (gw_batch_is_open(tk.gw)) {
		ev_after(tk.gw->loop, &tk.ack_after);
		return;
	}
	for (c = tk.work; c; c = c->wnext) {
		if (!c->ack_dirty)
			continue;
		c->ack_dirty = false;
		acks[n].conn_id = c->id;
		acks[n].seq = c->seen_seq;
		if (++n < sizeof(acks) / sizeof(acks[0]))
			continue;
		err = tern_nl_frame_ack(tk.nl, acks, n);
		if (err)
			gw_log(tk.gw, GW_ERR, "frame-ack: %s",
			       tern_nl_error(tk.nl));
		tk_requested();
		n = 0;
	}
	if (n) {
		if (tern_nl_frame_ack(tk.nl, acks, n))
			gw_log(tk.gw, GW_ERR, "frame-ack: %s",
			       tern_nl_error(tk.nl));
		tk_requested();
	}
	tk_work_prune();
}

/* Hand queued frames to tern.ko, up to where its queues are full. */
static void tk_send_run(struct ev_after *a)
{
	struct tern_frame_out f[TK_SEND_BATCH];
	struct tern_send_result res[TK_SEND_BATCH];
	struct tk_conn *who[TK_SEND_BATCH];
	struct tk_conn *c;
	size_t n = 0, nres = 0, i, j, progress = 0;
	int err;

	(void)a;
	for (c = tk.work; c; c = c->wnext) {
		size_t off = 0;

		if (c->dead || c->blocked || !c->out.len)
			continue;
		while (off < c->out.len && n < TK_SEND_BATCH) {
			struct tern_hdr h;

			tern_frame_hdr_parse(c->out.data + off,
					     TERN_FRAME_MAX_PAYLOAD, &h);
			f[n].conn_id = c->id;
			f[n].type = h.type;
			f[n].flags = h.flags;
			f[n].data = c->out.data + off + TERN_FRAME_HDR_LEN;
			f[n].len = h.len;
			who[n++] = c;
			off += TERN_FRAME_HDR_LEN + h.len;
		}
		if (n == TK_SEND_BATCH)
			break;
	}
	if (!n)
		return;
	err = tern_nl_frame_send(tk.nl, f, n, res, &nres);
	tk.gw->stats.ksends++;
	tk_requested();
	if (err < 0)
		gw_log(tk.gw, GW_ERR, "frame-send: %s", tern_nl_error(tk.nl));
	/* Drop from each connection's queue the frames tern.ko took. */
	for (i = 0; i < nres; i++) {
		size_t taken = 0, k = 0;

		c = tk_find(res[i].conn_id);
		if (!c)
			continue;
		for (j = 0; j < n && k < res[i].queued; j++) {
			if (who[j] != c)
				continue;
			taken += TERN_FRAME_HDR_LEN + f[j].len;
			k++;
		}
		wbuf_consume(&c->out, taken);
		progress += taken;
		if (res[i].error == -EAGAIN) {
			c->blocked = true;	/* conn-writable comes */
			tk.gw->stats.kblocked++;
		} else if (res[i].error) {
			/* The connection is going down: conn-down follows,
			 * and what it was sent is the sender's to retry.
			 */
			gw_log(tk.gw, GW_DEBUG, "frame-send refused: %s",
			       strerror(-res[i].error));
			c->out.len = 0;
		}
	}
	for (c = tk.work; c; c = c->wnext) {
		if (c->dead || !c->out.len || c->blocked)
			continue;
		if (progress) {
			ev_after(tk.gw->loop, &tk.send_after);
		} else {	/* the request failed: try again soon */
			tk.gw->stats.kretries++;
			ev_timer_in(tk.gw->loop, &tk.resend, TK_RESEND_MS);
		}
		break;
	}
}

static void tk_resend(struct ev_timer *t)
{
	(void)t;
	ev_after(tk.gw->loop, &tk.send_after);
}

/* Closing: wait until tern.ko has written the CLOSE frame, then delete. */
static void tk_closer(struct ev_timer *t)
{
	struct tk_conn *c, *next;
	uint64_t now = ev_now_ms();
	bool more = false;

	(void)t;
	for (c = tk.work; c; c = next) {
		struct tern_conn_info info;

		next = c->wnext;
		if (c->dead || !c->closing)
			continue;
		if (!c->out.len && now < c->close_by &&
		    !tern_nl_conn_get(tk.nl, c->id, &info) &&
		    info.state != TERN_STATE_DOWN && info.stats.txq_frames) {
			more = true;
			continue;
		}
		if (c->out.len && now < c->close_by) {
			more = true;
			continue;
		}
		tern_nl_conn_del(tk.nl, c->id);
		tk_forget(c);
		tk_requested();
	}
	tk_work_prune();
	if (more)
		ev_timer_in(tk.gw->loop, &tk.closer, TK_CLOSE_POLL_MS);
}

/* Notifications from tern.ko. */
static void tk_frame(const struct tern_frame_in *f, void *arg)
{
	struct tk_conn *c = tk_find(f->conn_id);

	(void)arg;
	if (!c)
		return;
	if (c->sess)
		sess_recv(c->sess, f->type, f->data, f->len);
	c->seen_seq = f->seq;
	c->ack_dirty = true;
	tk_work(c);
}

static void tk_down(uint32_t conn_id, uint64_t cookie, const char *owner_tag,
		    enum tern_reason reason, void *arg)
{
	struct tk_conn *c = tk_find(conn_id);

	(void)cookie;
	(void)owner_tag;
	(void)arg;
	if (!c)
		return;
	gw_log(tk.gw, GW_INFO, "connection ended by tern.ko: %s",
	       tern_reason_name(reason));
	tk_forget(c);
}

static void tk_writable(uint32_t conn_id, uint64_t cookie, void *arg)
{
	struct tk_conn *c = tk_find(conn_id);

	(void)cookie;
	(void)arg;
	if (!c)
		return;
	c->blocked = false;
	ev_after(tk.gw->loop, &tk.send_after);
	if (c->sess)
		sess_writable(c->sess);
}

static const struct tern_event_ops tk_event_ops = {
	.frame = tk_frame,
	.conn_down = tk_down,
	.conn_writable = tk_writable,
};

/*
 * Hand out tern.ko's notifications. The library may have read some into
 * its buffer while waiting for the reply to one of our requests, where
 * epoll cannot see them: so this runs after every request too (tk_pump).
 */
static void tk_process(void)
{
	int i, n;

	for (i = 0; i < 64; i++) {
		n = tern_nl_process(tk.nl, &tk_event_ops, NULL, 0);
		if (n == 0)
			break;
		if (n < 0 && n != -EAGAIN) {
			gw_log(tk.gw, GW_ERR, "tern.ko notifications: %s",
			       strerror(-n));
			break;
		}
		if (n < 0)
			break;
	}
	ev_after(tk.gw->loop, &tk.ack_after);
}

static void tk_event(struct ev_fd *ev, uint32_t events)
{
	(void)ev;
	(void)events;
	tk_process();
}

static void tk_pump_run(struct ev_after *a)
{
	(void)a;
	tk_process();
}

/* After a request: notifications may wait in the library. */
static void tk_requested(void)
{
	ev_after(tk.gw->loop, &tk.pump);
}

/* Transport ops. */
static int tk_send(struct gw_sess *s, const void *buf, size_t len)
{
	struct tk_conn *c = s->tctx;
	uint8_t *p;

	if (!c || c->closing)
		return -ENOTCONN;
	p = wbuf_reserve(&c->out, len);
	if (!p)
		return -ENOMEM;
	memcpy(p, buf, len);
	c->out.len += len;
	tk_work(c);
	ev_after(tk.gw->loop, &tk.send_after);
	return 0;
}

static void tk_close(struct gw_sess *s)
{
	struct tk_conn *c = s->tctx;

	if (!c || c->closing)
		return;
	c->closing = true;
	tk_work(c);
	c->close_by = ev_now_ms() + TK_CLOSE_MAX_MS;
	/* The session ends now; the connection once its CLOSE is out. */
	c->sess = NULL;
	s->tctx = NULL;
	sess_lost(s);
	ev_timer_in(tk.gw->loop, &tk.closer, TK_CLOSE_POLL_MS);
}

static size_t tk_queued(struct gw_sess *s)
{
	struct tk_conn *c = s->tctx;

	return c ? c->out.len : 0;
}

static void tk_set_heartbeat(struct gw_sess *s, uint32_t interval_ms)
{
	struct tern_conn_params p = {
		.hb_interval_ms = interval_ms,
		.given = TERN_P_HB_INTERVAL,
	};
	struct tk_conn *c = s->tctx;

	if (interval_ms < TERN_HB_INTERVAL_MIN ||
	    interval_ms > TERN_HB_INTERVAL_MAX)
		return;
	if (c && tern_nl_conn_set(tk.nl, c->id, &p))
		gw_log(tk.gw, GW_ERR, "conn-set: %s", tern_nl_error(tk.nl));
	tk_requested();
}

static int tk_authed(struct gw_sess *s, uint32_t heartbeat_ms)
{
	struct tk_conn *c = s->tctx;
	int err;

	if (!c)
		return -ENOTCONN;
	err = kstate_ready(tk.ks, c->cookie, s->dkey, s->token, heartbeat_ms);
	if (err)
		gw_log(tk.gw, GW_ERR, "kconns.db: %s%s", kstate_error(tk.ks),
		       err == -ENOSPC ? ": this session will not survive a "
		       "restart" : "");
	/* Disk full: as in tk_take(). After a restart the session would
	 * wait for a hello that was already acked, and end by the hello
	 * timeout; the device reconnects.
	 */
	return err == -ENOSPC ? 0 : err;
}

static const struct gw_transport_ops tk_ops = {
	.name = "kernel",
	.send = tk_send,
	.close = tk_close,
	.queued = tk_queued,
	.set_heartbeat = tk_set_heartbeat,
	.authed = tk_authed,
};

static int tk_take(struct gw *gw, int fd, SSL *ssl,
		   const uint8_t exporter[WIRE_EXPORTER_LEN])
{
	const struct gw_conf *conf = &gw->conf;
	struct tern_conn_params p = {
		.fd = fd,
		.role = TERN_ROLE_RESPONDER,
		.owner_tag = TK_OWNER,
		/* Lax until the hello says which interval the device uses. */
		.hb_interval_ms = conf->heartbeat_hint_ms,
		.partial_timeout_ms = conf->partial_timeout_ms,
		.max_frame = conf->max_payload + WIRE_OVERHEAD,
		.grace_ms = conf->grace_ms,
		.given = TERN_P_HB_INTERVAL | TERN_P_PARTIAL_TIMEOUT |
			 TERN_P_MAX_FRAME | TERN_P_GRACE | TERN_P_COOKIE,
	};
	struct tk_conn *c;
	char err[256];
	uint32_t id;
	int ret;

	if (RAND_bytes((unsigned char *)&p.cookie, sizeof(p.cookie)) != 1)
		return -EIO;
	ret = ktls_install_from_ssl(ssl, fd, err, sizeof(err));
	if (ret) {
		gw_log(gw, GW_INFO, "kTLS: %s", err);
		return ret;
	}
	ret = kstate_add(tk.ks, p.cookie, exporter);
	if (ret == -ENOSPC) {
		/* A full disk costs the session its survival of a gateway
		 * restart (the next gateway does not know it, closes it and
		 * the device reconnects), not its service: refusing it would
		 * keep devices from fetching what is stored, and pushes from
		 * being answered with NACK_STORE_FULL.
		 */
		gw_log(gw, GW_ERR, "kconns.db: %s: this session will not "
		       "survive a restart", kstate_error(tk.ks));
	} else if (ret) {
		gw_log(gw, GW_ERR, "kconns.db: %s", kstate_error(tk.ks));
		return ret;
	}
	ret = tern_nl_conn_new(tk.nl, &p, &id);
	tk_requested();
	if (ret) {
		gw_log(gw, GW_ERR, "conn-new: %s", tern_nl_error(tk.nl));
		kstate_del(tk.ks, p.cookie);
		return ret;
	}
	/* tern.ko holds the socket now; OpenSSL and our fd are done. */
	SSL_free(ssl);
	close(fd);
	c = tk_conn_new(id, p.cookie);
	if (!c) {
		tern_nl_conn_del(tk.nl, id);
		kstate_del(tk.ks, p.cookie);
		return 0;
	}
	c->sess = sess_open(gw, c, exporter);
	if (!c->sess) {
		tern_nl_conn_del(tk.nl, id);
		tk_forget(c);
	}
	return 0;
}

/* At start: take over the connections an earlier gateway left. */
struct tk_found {
	uint32_t id;
	uint64_t cookie;
};

struct tk_list {
	struct tk_found *v;
	size_t n, cap;
};

static int tk_collect(const struct tern_conn_info *info, void *arg)
{
	struct tk_list *l = arg;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 256;
		struct tk_found *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n].id = info->id;
	l->v[l->n].cookie = info->cookie;
	l->n++;
	return 0;
}

static int tk_found_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct tk_found *)a)->cookie;
	uint64_t y = ((const struct tk_found *)b)->cookie;

	return x < y ? -1 : x > y;
}

/* Whether tern.ko holds a connection with @cookie: l->v is sorted. */
static bool tk_known(void *ctx, uint64_t cookie)
{
	struct tk_list *l = ctx;
	struct tk_found key = { .cookie = cookie };

	return l->n && bsearch(&key, l->v, l->n, sizeof(*l->v), tk_found_cmp);
}

static int tk_adopt(struct gw *gw)
{
	struct tk_list l = { 0 };
	uint32_t count = 0;
	unsigned int restored = 0;
	size_t i;
	int ret;

	ret = tern_nl_conn_adopt(tk.nl, TK_OWNER, 0, gw->conf.grace_ms, &count);
	if (ret && ret != -ENOENT) {
		gw_log(gw, GW_ERR, "conn-adopt: %s", tern_nl_error(tk.nl));
		return ret;
	}
	ret = tern_nl_conn_dump(tk.nl, TK_OWNER, tk_collect, &l);
	if (ret) {
		gw_log(gw, GW_ERR, "conn-get: %s", tern_nl_error(tk.nl));
		free(l.v);
		return ret;
	}
	for (i = 0; i < l.n; i++) {
		struct kstate_row row;
		struct tk_conn *c;

		if (kstate_get(tk.ks, l.v[i].cookie, &row)) {
			/* Not ours to resume: the device will reconnect. */
			tern_nl_conn_del(tk.nl, l.v[i].id);
			continue;
		}
		c = tk_conn_new(l.v[i].id, l.v[i].cookie);
		if (!c) {
			free(l.v);
			return -ENOMEM;
		}
		c->sess = sess_restore(gw, c, row.exporter,
				       row.ready ? row.dkey : NULL,
				       row.ready ? row.token : NULL);
		if (!c->sess) {
			tern_nl_conn_del(tk.nl, c->id);
			tk_forget(c);
			continue;
		}
		restored++;
	}
	/* By cookie, so that pruning (one lookup per row) stays
	 * O(n log n) with 100,000 connections.
	 */
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), tk_found_cmp);
	ret = kstate_prune(tk.ks, tk_known, &l);
	free(l.v);
	/* A cache of every session's row would cost each idle connection
	 * some 100 bytes for as long as it lives; the rows are read again
	 * one at a time, when a connection ends.
	 */
	kstate_shrink(tk.ks);
	tk_requested();
	gw_log(gw, GW_INFO, "adopted %u connections from tern.ko", restored);
	return ret;
}

/* Exit: ack what was handled and let go; tern.ko keeps the connections
 * for the grace period, for the next gateway to adopt.
 */
static void tk_shutdown(struct gw *gw)
{
	(void)gw;
	tk_send_run(NULL);
	tk_ack_run(NULL);
}

static void tk_destroy(struct gw *gw)
{
	struct tk_conn *c, *next;
	unsigned int i;

	/* The forgotten ones first: they are on the work list only. */
	for (c = tk.work; c; c = next) {
		next = c->wnext;
		if (c->dead)
			free(c);
	}
	for (i = 0; i < tk.cap; i++) {
		for (c = tk.tab[i]; c; c = next) {
			next = c->hnext;
			/* Not tk_forget(): it lives on in tern.ko. */
			if (c->sess) {
				c->sess->tctx = NULL;
				sess_lost(c->sess);
			}
			wbuf_free(&c->out);
			free(c);
		}
	}
	free(tk.tab);
	if (tk.nl) {
		ev_fd_del(gw->loop, &tk.ev);
		tern_nl_close(tk.nl);
	}
	kstate_close(tk.ks);
	free(gw->t);
	gw->t = NULL;
	memset(&tk, 0, sizeof(tk));
}

int gw_tkern_init(struct gw *gw, char *why, size_t len)
{
	struct gw_transport *t;
	int ret;

	ret = tern_nl_open(&tk.nl);
	if (ret) {
		snprintf(why, len, ret == -ENOENT ? "tern.ko is not loaded" :
			 "tern netlink: %s", strerror(-ret));
		tk.nl = NULL;
		return ret;
	}
	ret = ktls_supported();
	if (ret) {
		snprintf(why, len, "kernel TLS is not available: %s",
			 strerror(-ret));
		goto fail_nl;
	}
	ret = kstate_open(gw->conf.data, &tk.ks, why, len);
	if (ret)
		goto fail_nl;
	t = calloc(1, sizeof(*t));
	if (!t) {
		ret = -ENOMEM;
		goto fail_ks;
	}
	t->ops = &tk_ops;
	t->take = tk_take;
	t->shutdown = tk_shutdown;
	t->destroy = tk_destroy;
	t->keeps_sessions = true;
	gw->t = t;
	tk.gw = gw;
	tk.ack_after.fn = tk_ack_run;
	tk.send_after.fn = tk_send_run;
	tk.closer.fn = tk_closer;
	tk.resend.fn = tk_resend;
	tk.pump.fn = tk_pump_run;
	tk.ev.fn = tk_event;
	ret = ev_fd_add(gw->loop, &tk.ev, tern_nl_fd(tk.nl), EPOLLIN);
	if (!ret)
		ret = tk_adopt(gw);
	if (ret) {
		snprintf(why, len, "taking over tern.ko's connections failed");
		tk_destroy(gw);
		return ret;
	}
	return 0;
fail_ks:
	kstate_close(tk.ks);
	tk.ks = NULL;
fail_nl:
	tern_nl_close(tk.nl);
	tk.nl = NULL;
	return ret;
}
