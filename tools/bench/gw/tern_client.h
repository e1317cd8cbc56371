/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tern-gwbench's Tern clients, shared by sys_tern.c (the sessions on the
 * loop) and tern_setup.c (connecting them).
 */
#ifndef TERN_GWBENCH_TERN_CLIENT_H
#define TERN_GWBENCH_TERN_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "frame.h"
#include "gwbench.h"
#include "ident.h"
#include "wire.h"

#define TS_HEARTBEAT_MS	600000		/* announced in the hello */
#define TS_OUT_MAX	(4u << 20)	/* queued bytes before -EAGAIN */
#define TS_WRITE_CHUNK	(256u << 10)
#define TS_SETUP_S	20		/* TCP, TLS and hello, each */

struct tsess {
	struct gwb_fd ev;		/* first: the loop hands us &ev */
	struct tern_sys *ts;
	unsigned int idx;
	bool receiver;
	bool dirty;			/* queued output or acks to send */
	SSL *ssl;
	EVP_PKEY *key;
	uint8_t pub[IDENT_KEY_LEN];
	uint8_t token[WIRE_TOKEN_LEN];
	struct wbuf out;
	struct tern_parser parser;
	uint8_t *frame;			/* the payload being parsed */
	uint8_t (*ids)[WIRE_MSG_ID_LEN];	/* to deliver-ack */
	unsigned int n_ids, cap_ids;
};

struct tern_sys {
	struct gwb *b;
	SSL_CTX *ctx;
	struct sockaddr_storage ss;
	socklen_t ss_len;
	struct tsess *sess;		/* receivers, then senders */
	unsigned int n_sess;
	struct tsess **dirty;
	unsigned int n_dirty;
	char cipher[64];
	uint8_t rbuf[16384];
};

/* A fatal error of session @s: the run stops, the report says @what. */
void tern_sess_fail(struct tsess *s, const char *what);
/* Read and handle everything the session has. */
void tern_sess_read(struct tsess *s);
/* The session's handler on the core's loop. */
void tern_sess_event(struct gwb *b, struct gwb_fd *f, uint32_t events);
/*
 * Connect, TLS, hello and HELLO_OK, blocking; then non-blocking on the
 * core's loop. 0, or -1 with the run failed.
 */
int tern_sess_open(struct gwb *b, struct tsess *s);

#endif /* TERN_GWBENCH_TERN_CLIENT_H */
