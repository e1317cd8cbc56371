// SPDX-License-Identifier: GPL-2.0
/*
 * Gateway sessions: hello and device authentication, revocation, closing,
 * and the index of live sessions by push token.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "ident.h"
#include "session.h"
#include "store.h"

/* The by-token index: chained hash over the token's first bytes (tokens
 * are random, so any bytes hash well).
 */
static unsigned int tok_hash(const uint8_t *token, unsigned int cap)
{
	uint32_t h;

	memcpy(&h, token, sizeof(h));
	return h & (cap - 1);
}

struct gw_sess *gw_sess_by_token(struct gw *gw, const uint8_t *token)
{
	struct gw_sess *s;

	if (!gw->by_token_cap)
		return NULL;
	s = gw->by_token[tok_hash(token, gw->by_token_cap)];
	for (; s; s = s->hnext)
		if (!memcmp(s->token, token, WIRE_TOKEN_LEN))
			return s;
	return NULL;
}

static int tok_grow(struct gw *gw)
{
	unsigned int cap = gw->by_token_cap ? 2 * gw->by_token_cap : 1024;
	struct gw_sess **t = calloc(cap, sizeof(*t));
	unsigned int i;

	if (!t)
		return -ENOMEM;
	for (i = 0; i < gw->by_token_cap; i++) {
		struct gw_sess *s = gw->by_token[i], *next;

		for (; s; s = next) {
			unsigned int h = tok_hash(s->token, cap);

			next = s->hnext;
			s->hnext = t[h];
			t[h] = s;
		}
	}
	free(gw->by_token);
	gw->by_token = t;
	gw->by_token_cap = cap;
	return 0;
}

static int tok_insert(struct gw_sess *s)
{
	struct gw *gw = s->gw;
	unsigned int h;

	if (gw->by_token_n >= gw->by_token_cap / 4 * 3) {
		int err = tok_grow(gw);

		if (err)
			return err;
	}
	h = tok_hash(s->token, gw->by_token_cap);
	s->hnext = gw->by_token[h];
	gw->by_token[h] = s;
	s->hashed = true;
	gw->by_token_n++;
	return 0;
}

static void tok_remove(struct gw_sess *s)
{
	struct gw *gw = s->gw;
	struct gw_sess **pp;

	if (!s->hashed)
		return;
	pp = &gw->by_token[tok_hash(s->token, gw->by_token_cap)];
	for (; *pp; pp = &(*pp)->hnext) {
		if (*pp == s) {
			*pp = s->hnext;
			break;
		}
	}
	s->hashed = false;
	gw->by_token_n--;
}

void sess_get(struct gw_sess *s)
{
	s->refs++;
}

/* The hello is over (accepted, or the session ends). */
static void hello_done(struct gw_sess *s)
{
	if (!s->hello)
		return;
	ev_timer_stop(s->gw->loop, &s->hello->timer);
	free(s->hello);
	s->hello = NULL;
}

void sess_put(struct gw_sess *s)
{
	if (--s->refs)
		return;
	hello_done(s);
	free(s->inflight);
	free(s);
}

int sess_send(struct gw_sess *s, uint8_t type, const ProtobufCMessage *m)
{
	uint8_t *buf;
	size_t len;
	int err;

	if (s->lost)
		return -ENOTCONN;
	err = wire_pack(type, m, &buf, &len);
	if (err)
		return err;
	err = s->gw->t->ops->send(s, buf, len);
	free(buf);
	return err;
}

static void sess_leave(struct gw_sess *s)
{
	struct gw *gw = s->gw;

	if (s->state == SESS_HELLO)
		gw->n_unauth--;
	tok_remove(s);
	hello_done(s);
	s->state = SESS_CLOSING;
}

void sess_close(struct gw_sess *s, int reason, uint32_t backoff_ms,
		const char *detail)
{
	Tern__Close c = TERN__CLOSE__INIT;
	struct gw *gw = s->gw;

	if (s->state == SESS_CLOSING || s->lost)
		return;
	if (reason >= 0 && reason < 16)
		gw->stats.closes[reason]++;
	gw_log(gw, reason == TERN__CLOSE_REASON__CLOSE_SHUTDOWN ||
		   reason == TERN__CLOSE_REASON__CLOSE_REPLACED ?
		   GW_DEBUG : GW_INFO,
	       "session closed: %s%s%s", wire_close_name(reason),
	       detail ? ": " : "", detail ? detail : "");
	c.reason = reason;
	c.backoff_ms = backoff_ms;
	c.detail = (char *)(detail ? detail : "");
	sess_send(s, WIRE_CLOSE, &c.base);
	sess_leave(s);
	gw->t->ops->close(s);
}

static void hello_timeout(struct ev_timer *t)
{
	struct sess_hello *h = (void *)((char *)t -
					offsetof(struct sess_hello, timer));

	sess_close(h->s, TERN__CLOSE_REASON__CLOSE_TIMEOUT, 0,
		   "no hello within the handshake timeout");
}

struct gw_sess *sess_open(struct gw *gw, void *tctx,
			  const uint8_t exporter[WIRE_EXPORTER_LEN])
{
	struct gw_sess *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->hello = calloc(1, sizeof(*s->hello));
	if (!s->hello) {
		free(s);
		return NULL;
	}
	s->gw = gw;
	s->tctx = tctx;
	s->refs = 1;
	s->hello->s = s;
	memcpy(s->hello->exporter, exporter, WIRE_EXPORTER_LEN);
	s->bucket = gw->conf.push_burst;
	s->bucket_ms = ev_now_ms();
	s->hello->timer.fn = hello_timeout;
	ev_timer_in(gw->loop, &s->hello->timer, gw->conf.handshake_timeout_ms);
	gw->n_sess++;
	gw->n_unauth++;
	return s;
}

struct gw_sess *sess_restore(struct gw *gw, void *tctx,
			     const uint8_t exporter[WIRE_EXPORTER_LEN],
			     const uint8_t *dkey, const uint8_t *token)
{
	struct gw_sess *s = sess_open(gw, tctx, exporter);
	struct gw_sess *old;

	if (!s || !dkey)
		return s;
	memcpy(s->dkey, dkey, WIRE_KEY_LEN);
	memcpy(s->token, token, WIRE_TOKEN_LEN);
	old = gw_sess_by_token(gw, token);
	if (old)
		sess_close(old, TERN__CLOSE_REASON__CLOSE_REPLACED, 0,
			   "the same device connected again");
	if (tok_insert(s)) {
		sess_close(s, TERN__CLOSE_REASON__CLOSE_OVERLOAD,
			   1000 + jitter_ms(4000, 100), "out of memory");
		return s;
	}
	hello_done(s);
	s->state = SESS_READY;
	gw->n_unauth--;
	gw_pump(s);
	return s;
}

void sess_lost(struct gw_sess *s)
{
	if (s->lost)
		return;
	if (s->state != SESS_CLOSING)
		sess_leave(s);
	s->lost = true;
	s->tctx = NULL;
	s->gw->n_sess--;
	sess_put(s);
}

void sess_writable(struct gw_sess *s)
{
	if (s->state == SESS_READY)
		gw_pump(s);
}

static int64_t skew_ms(uint64_t a, uint64_t b)
{
	return a > b ? (int64_t)(a - b) : (int64_t)(b - a);
}

static void on_hello(struct gw_sess *s, const Tern__Hello *h)
{
	Tern__HelloOk ok = TERN__HELLO_OK__INIT;
	uint8_t tr[IDENT_HELLO_MAX];
	struct gw *gw = s->gw;
	const uint8_t *akey = h->account_key.len ? h->account_key.data : NULL;
	struct gw_sess *old;
	size_t n;
	int err;

	if (h->version != WIRE_VERSION) {
		sess_close(s, TERN__CLOSE_REASON__CLOSE_PROTOCOL, 0,
			   "unsupported protocol version");
		return;
	}
	if (skew_ms(h->timestamp_ms, ev_wall_ms()) > gw->conf.clock_skew_ms) {
		sess_close(s, TERN__CLOSE_REASON__CLOSE_AUTH, 0,
			   "hello timestamp too far from the gateway's clock");
		return;
	}
	n = ident_hello_transcript(tr, s->hello->exporter, h->timestamp_ms,
				   h->device_key.data, akey);
	if (ident_verify(h->device_key.data, tr, n, h->signature.data)) {
		sess_close(s, TERN__CLOSE_REASON__CLOSE_AUTH, 0,
			   "hello signature does not verify for this session");
		return;
	}
	if (akey && (h->device_cert.len != WIRE_SIG_LEN ||
		     ident_device_cert_verify(akey, h->device_key.data,
					      h->device_cert.data))) {
		sess_close(s, TERN__CLOSE_REASON__CLOSE_AUTH, 0,
			   "device certificate does not verify");
		return;
	}
	err = gw_store_hello(gw->store, h->device_key.data, akey, s->token);
	if (err == -EKEYREVOKED) {
		sess_close(s, TERN__CLOSE_REASON__CLOSE_REVOKED, 0,
			   "this device's push token was revoked");
		return;
	}
	if (err == -EPERM) {
		sess_close(s, TERN__CLOSE_REASON__CLOSE_AUTH, 0,
			   "device registered with another account key");
		return;
	}
	if (err) {
		sess_close(s, TERN__CLOSE_REASON__CLOSE_OVERLOAD,
			   1000 + jitter_ms(4000, 100),
			   "store unavailable");
		return;
	}
	old = gw_sess_by_token(gw, s->token);
	if (old)
		sess_close(old, TERN__CLOSE_REASON__CLOSE_REPLACED, 0,
			   "the same device connected again");
	if (tok_insert(s)) {
		sess_close(s, TERN__CLOSE_REASON__CLOSE_OVERLOAD,
			   1000 + jitter_ms(4000, 100), "out of memory");
		return;
	}
	memcpy(s->dkey, h->device_key.data, WIRE_KEY_LEN);
	if (gw->t->ops->authed && gw->t->ops->authed(s, h->heartbeat_ms)) {
		tok_remove(s);
		sess_close(s, TERN__CLOSE_REASON__CLOSE_OVERLOAD,
			   1000 + jitter_ms(4000, 100),
			   "could not record the session");
		return;
	}
	hello_done(s);
	s->state = SESS_READY;
	gw->n_unauth--;
	gw->stats.hellos++;

	ok.push_token = wire_bytes(s->token, WIRE_TOKEN_LEN);
	ok.max_payload = gw->conf.max_payload;
	ok.max_queue = gw->conf.max_queue;
	ok.heartbeat_hint_ms = gw->conf.heartbeat_hint_ms;
	ok.server_time_ms = ev_wall_ms();
	ok.max_ttl_s = gw->conf.max_ttl_s;
	ok.window = gw->conf.window;
	sess_send(s, WIRE_HELLO_OK, &ok.base);
	if (h->heartbeat_ms && gw->t->ops->set_heartbeat)
		gw->t->ops->set_heartbeat(s, h->heartbeat_ms);
	gw_pump(s);
}

static void on_revoke(struct gw_sess *s, const Tern__Revoke *r)
{
	Tern__RevokeResult res = TERN__REVOKE_RESULT__INIT;
	struct gw *gw = s->gw;
	struct gw_sess *victim;
	int err;

	err = gw_store_revoke(gw->store, s->dkey, r->token.data);
	res.token = r->token;
	res.ok = !err;
	res.detail = (char *)(!err ? "revoked" :
			      err == -ENOENT ? "unknown token" :
			      err == -EPERM ? "token of another account" :
			      "store error");
	sess_send(s, WIRE_REVOKE_RESULT, &res.base);
	if (err)
		return;
	gw_log(gw, GW_INFO, "a push token was revoked");
	victim = gw_sess_by_token(gw, r->token.data);
	if (victim)
		sess_close(victim, TERN__CLOSE_REASON__CLOSE_REVOKED, 0,
			   "push token revoked");
}

void sess_recv(struct gw_sess *s, uint8_t type, const void *buf, size_t len)
{
	ProtobufCMessage *m;
	char err[160];

	if (s->state == SESS_CLOSING || s->lost)
		return;
	if (s->state == SESS_HELLO && type != WIRE_HELLO) {
		sess_close(s, TERN__CLOSE_REASON__CLOSE_NO_HELLO, 0,
			   "a frame other than hello came first");
		return;
	}
	if (s->state == SESS_READY && type == WIRE_HELLO) {
		sess_close(s, TERN__CLOSE_REASON__CLOSE_PROTOCOL, 0,
			   "a second hello");
		return;
	}
	switch (type) {
	case WIRE_HELLO:
	case WIRE_PUSH:
	case WIRE_DELIVER_ACK:
	case WIRE_CLOSE:
	case WIRE_REVOKE:
		break;
	default:
		snprintf(err, sizeof(err), "frame type %u (%s) not accepted from a device",
			 type, wire_type_name(type));
		sess_close(s, TERN__CLOSE_REASON__CLOSE_PROTOCOL, 0, err);
		return;
	}
	if (wire_decode(type, buf, len, &m, err, sizeof(err))) {
		sess_close(s, TERN__CLOSE_REASON__CLOSE_PROTOCOL, 0, err);
		return;
	}
	switch (type) {
	case WIRE_HELLO:
		on_hello(s, (const Tern__Hello *)m);
		break;
	case WIRE_PUSH:
		gw_push(s, (const Tern__Push *)m);
		break;
	case WIRE_DELIVER_ACK:
		gw_deliver_ack(s, (const Tern__DeliverAck *)m);
		break;
	case WIRE_REVOKE:
		on_revoke(s, (const Tern__Revoke *)m);
		break;
	case WIRE_CLOSE:
		sess_leave(s);
		s->gw->t->ops->close(s);
		break;
	}
	wire_free(m);
}
