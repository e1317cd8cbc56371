/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A gateway session: the protocol state of one device connection, the same
 * over both transports. The transport creates it once TLS is up, feeds it
 * frames, and reports the connection's end; the session answers through
 * the transport's ops.
 */
#ifndef TERN_GW_SESSION_H
#define TERN_GW_SESSION_H

#include "gw.h"
#include "store.h"

enum sess_state { SESS_HELLO, SESS_READY, SESS_CLOSING };

/* Until the hello: what verifies it, and its deadline. */
struct sess_hello {
	struct ev_timer timer;
	struct gw_sess *s;
	uint8_t exporter[WIRE_EXPORTER_LEN];
};

/*
 * Most sessions are idle for hours: what only a session in its hello or
 * with deliveries in flight needs is allocated apart, and only then.
 */
struct gw_sess {
	struct gw *gw;
	void *tctx;			/* the transport's connection */
	struct sess_hello *hello;	/* SESS_HELLO only */
	struct gw_sess *hnext;		/* by-token hash chain */
	unsigned int refs;
	enum sess_state state;
	bool lost;			/* the transport has let go */
	bool hashed;
	bool pump_queued;
	bool caught_up;			/* sent all stored up to last_seq */
	uint8_t dkey[WIRE_KEY_LEN];
	uint8_t token[WIRE_TOKEN_LEN];

	/* Delivery: seq of the last message sent, ids in flight. Caught up:
	 * nothing stored for the device after last_seq but what the
	 * batch being committed holds, so that is sent from memory and
	 * nothing needs to be read from the store.
	 */
	int64_t last_seq;
	uint8_t (*inflight)[WIRE_MSG_ID_LEN];
	unsigned int n_inflight;

	/* Push rate: a token bucket. */
	double bucket;
	uint64_t bucket_ms;
};

/* Transport -> session. */
struct gw_sess *sess_open(struct gw *gw, void *tctx,
			  const uint8_t exporter[WIRE_EXPORTER_LEN]);
/* A session that an earlier gateway process authenticated (kernel
 * transport, after adoption): READY with this device, or, with @dkey
 * NULL, still waiting for its hello.
 */
struct gw_sess *sess_restore(struct gw *gw, void *tctx,
			     const uint8_t exporter[WIRE_EXPORTER_LEN],
			     const uint8_t *dkey, const uint8_t *token);
void sess_recv(struct gw_sess *s, uint8_t type, const void *buf, size_t len);
/* The connection is gone (closed by either side); the session ends. */
void sess_lost(struct gw_sess *s);
/* The transport's queue has room again. */
void sess_writable(struct gw_sess *s);

/* Session core. */
void sess_close(struct gw_sess *s, int reason, uint32_t backoff_ms,
		const char *detail);
int sess_send(struct gw_sess *s, uint8_t type, const ProtobufCMessage *m);
void sess_get(struct gw_sess *s);
void sess_put(struct gw_sess *s);
struct gw_sess *gw_sess_by_token(struct gw *gw, const uint8_t *token);

/* push.c: PUSH and group commit. */
void gw_push(struct gw_sess *s, const Tern__Push *p);
void gw_ack(struct gw_sess *s, const uint8_t *msg_id);
void gw_nack(struct gw_sess *s, const uint8_t *msg_id, int reason,
	     uint32_t retry_ms, const char *detail);
/* The NACK reason for a store error, and the retry time it asks for. */
uint32_t gw_store_error_nack(int err, uint32_t *retry_ms);
void gw_flush(struct ev_after *a);
void gw_commit(struct ev_after *a);
/* Both halves of the flush, now (at exit). */
void gw_batch_finish(struct gw *gw);
void gw_batch_free(struct gw *gw);
bool gw_batch_is_open(struct gw *gw);
/* Join the iteration's transaction; @s is pumped after it commits. */
int gw_batch_pump_later(struct gw *gw, struct gw_sess *s);

/* durable.c: ACKs held until their batch is on disk. */
int gw_durable_init(struct gw *gw);
void gw_durable_hold(struct gw *gw, struct gw_sess *from,
		     const uint8_t *msg_id, uint64_t gen);
void gw_durable_finish(struct gw *gw);
void gw_durable_free(struct gw *gw);

/* deliver.c: DELIVER and DELIVER_ACK. */
void gw_pump(struct gw_sess *s);
/* A message for @s is stored, in the batch being committed or already
 * (its payload NULL if not kept in memory).
 */
void gw_deliver_stored(struct gw_sess *s, const struct gw_msg *m);
/* What is stored for @s may have changed unseen: read it again. */
void gw_deliver_recheck(struct gw_sess *s);
void gw_deliver_ack(struct gw_sess *s, const Tern__DeliverAck *a);
/* Write the DELIVER_ACKs held in memory: into the open batch, or in a
 * transaction of their own. At exit too.
 */
void gw_acks_write(struct gw *gw);
void gw_acks_free(struct gw *gw);
int gw_deliver_now(struct gw_sess *s, const Tern__Push *p);

#endif /* TERN_GW_SESSION_H */
