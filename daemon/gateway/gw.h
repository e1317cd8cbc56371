/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tern-gatewayd: the push gateway (Documentation/gateway.rst).
 *
 * The gateway is one process and one thread: an event loop (evloop.h)
 * with the listeners, the TLS handshakes, one transport (user: OpenSSL
 * records on the loop; kernel: connections held by tern.ko) and the
 * sessions, which run the protocol the same way over either transport.
 */
#ifndef TERN_GW_H
#define TERN_GW_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <openssl/ssl.h>

#include "evloop.h"
#include "wire.h"

struct gw_store;
struct gw_sess;
struct gw_transport;
struct gw_ackq;
struct gw_durable;

enum gw_tmode { GW_T_AUTO, GW_T_USER, GW_T_KERNEL };

#define GW_MAX_LISTEN	8

struct gw_conf {
	const char *listen[GW_MAX_LISTEN];
	unsigned int n_listen;
	const char *cert;
	const char *key;
	const char *data;
	enum gw_tmode transport;
	uint32_t max_payload;		/* bytes */
	uint32_t max_queue;		/* messages per device */
	uint32_t push_rate;		/* per session, per second */
	uint32_t push_burst;
	uint32_t handshake_timeout_ms;	/* TLS plus hello */
	uint32_t partial_timeout_ms;	/* a frame must complete within */
	uint32_t max_unauth;		/* connections before hello-ok */
	uint32_t max_conns;		/* all sessions */
	uint32_t max_ttl_s;
	uint32_t default_ttl_s;
	uint32_t window;		/* deliver frames in flight */
	uint32_t heartbeat_hint_ms;
	uint32_t clock_skew_ms;		/* hello timestamp tolerance */
	uint32_t sweep_ms;		/* expiry sweep period */
	uint32_t grace_ms;		/* kernel: orphans wait this long */
	int verbose;
};

struct gw_stats {
	uint64_t accepted, refused, tls_failed, hellos, closes[16];
	uint64_t hs_gone;	/* devices that left during their handshake */
	uint64_t pushes, acks, nacks, delivered, batches;
	/* Kernel transport: frame-send requests, connections tern.ko said
	 * were full (EAGAIN), requests that moved nothing (retried after
	 * TK_RESEND_MS).
	 */
	uint64_t ksends, kblocked, kretries;
};

struct gw {
	struct gw_conf conf;
	struct evloop *loop;
	struct gw_store *store;
	SSL_CTX *tls;
	struct gw_transport *t;

	/* Sessions by push token (authenticated ones only). */
	struct gw_sess **by_token;
	unsigned int by_token_cap, by_token_n;
	unsigned int n_sess, n_unauth, n_hs;

	/* Group commit: pushes and deliver-acks of one loop iteration. */
	struct gw_batch *batch;
	struct ev_after flush;		/* early deliveries, then: */
	struct ev_after commit;
	/* DELIVER_ACKs not yet written: with the next batch, or soon. */
	struct gw_ackq *ackq;
	struct ev_timer ack_timer;
	/* ACKs waiting for their batch's flush to disk. */
	struct gw_durable *durable;
	struct ev_timer sweep;
	struct ev_timer overload;

	struct gw_stats stats;
	bool stopping;
	bool failed;			/* the store failed: exit non-zero */
};

/*
 * A transport moves frames for sessions. The session core calls these; the
 * transport calls sess_*() (session.h) as frames arrive and connections end.
 */
struct gw_transport_ops {
	const char *name;
	/* Queue encoded frames (header included) for the session's peer. */
	int (*send)(struct gw_sess *s, const void *buf, size_t len);
	/* Send what is queued, then end the connection. */
	void (*close)(struct gw_sess *s);
	/* Bytes queued towards the peer and not yet sent. */
	size_t (*queued)(struct gw_sess *s);
	/* The peer's heartbeat interval is now known: set the liveness. */
	void (*set_heartbeat)(struct gw_sess *s, uint32_t interval_ms);
	/* Optional: the hello was accepted; non-zero refuses the session. */
	int (*authed)(struct gw_sess *s, uint32_t heartbeat_ms);
};

/* Handshake finished: the transport takes over @fd and @ssl (both). */
struct gw_transport {
	const struct gw_transport_ops *ops;
	int (*take)(struct gw *gw, int fd, SSL *ssl,
		    const uint8_t exporter[WIRE_EXPORTER_LEN]);
	void (*shutdown)(struct gw *gw);
	void (*destroy)(struct gw *gw);
	/* Sessions outlive the process (tern.ko holds them for the next
	 * one): at exit they are left open, not closed.
	 */
	bool keeps_sessions;
};

/* conf.c */
void gw_conf_defaults(struct gw_conf *c);
int gw_conf_args(struct gw_conf *c, int argc, char **argv);
void gw_conf_free(struct gw_conf *c);

/* listen.c: sockets, accept, TLS handshakes. */
int gw_listen(struct gw *gw, char *err, size_t errlen);
void gw_listen_close(struct gw *gw);


/* tuser.c, tkern.c */
int gw_tuser_init(struct gw *gw, char *err, size_t errlen);
int gw_tkern_init(struct gw *gw, char *err, size_t errlen);

/* log.c: never payloads, ids or senders. */
/* The counts and the heap in use, at any verbosity (SIGUSR1). */
void gw_log_stats(struct gw *gw);
void gw_log(struct gw *gw, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define GW_ERR	0
#define GW_INFO	1
#define GW_DEBUG 2

#endif /* TERN_GW_H */
