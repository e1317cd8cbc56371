// SPDX-License-Identifier: GPL-2.0
/*
 * tern-gwbench's Tern clients: connecting a session, blocking, as
 * tests/e2e/gwprobe does: TCP (no-delay), TLS 1.3 with ALPN tern/1, a
 * hello signed with an Ed25519 key derived from the seed (the same device
 * in every run), HELLO_OK with the session's push token. Then the socket
 * goes non-blocking onto the core's loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/time.h>
#include <unistd.h>

#include "evloop.h"
#include "tern_client.h"
#include "tls.h"

static int read_full(SSL *ssl, uint8_t *p, size_t n)
{
	while (n) {
		int r = SSL_read(ssl, p, n);

		if (r <= 0)
			return -1;
		p += r;
		n -= r;
	}
	return 0;
}

/* The first protocol frame the gateway sends: HELLO_OK, else a failure. */
static int read_hello_ok(struct tsess *s)
{
	uint8_t hdr[TERN_FRAME_HDR_LEN];
	ProtobufCMessage *m;
	struct tern_hdr h;
	char err[200];

	do {
		if (read_full(s->ssl, hdr, sizeof(hdr)) ||
		    tern_frame_hdr_parse(hdr, TERN_FRAME_MAX_PAYLOAD, &h) ||
		    read_full(s->ssl, s->frame, h.len)) {
			tern_sess_fail(s, "no answer to the hello");
			return -1;
		}
	} while (h.type < TERN_FRAME_USER_MIN);
	if (wire_decode(h.type, s->frame, h.len, &m, err, sizeof(err))) {
		tern_sess_fail(s, err);
		return -1;
	}
	if (h.type != WIRE_HELLO_OK) {
		snprintf(err, sizeof(err), "hello refused: %s %s",
			 h.type == WIRE_CLOSE ?
			 wire_close_name(((Tern__Close *)m)->reason) :
			 wire_type_name(h.type),
			 h.type == WIRE_CLOSE ? ((Tern__Close *)m)->detail : "");
		wire_free(m);
		tern_sess_fail(s, err);
		return -1;
	}
	memcpy(s->token, ((Tern__HelloOk *)m)->push_token.data,
	       WIRE_TOKEN_LEN);
	wire_free(m);
	return 0;
}

static int send_hello(struct tsess *s)
{
	uint8_t exporter[TLS_EXPORTER_LEN], tr[IDENT_HELLO_MAX];
	uint8_t sig[IDENT_SIG_LEN], *buf;
	Tern__Hello h = TERN__HELLO__INIT;
	uint64_t ts = ev_wall_ms();
	size_t n, len;
	int ret;

	if (tls_check_alpn(s->ssl) || tls_exporter(s->ssl, exporter)) {
		tern_sess_fail(s, "no ALPN tern/1 or no exporter");
		return -1;
	}
	n = ident_hello_transcript(tr, exporter, ts, s->pub, NULL);
	if (ident_sign(s->key, tr, n, sig)) {
		tern_sess_fail(s, "cannot sign the hello");
		return -1;
	}
	h.version = WIRE_VERSION;
	h.device_key = wire_bytes(s->pub, IDENT_KEY_LEN);
	h.timestamp_ms = ts;
	h.signature = wire_bytes(sig, IDENT_SIG_LEN);
	h.heartbeat_ms = TS_HEARTBEAT_MS;
	if (wire_pack(WIRE_HELLO, &h.base, &buf, &len)) {
		tern_sess_fail(s, "cannot pack the hello");
		return -1;
	}
	ret = SSL_write(s->ssl, buf, len) == (int)len ? 0 : -1;
	free(buf);
	if (ret)
		tern_sess_fail(s, "cannot send the hello");
	return ret;
}

static int make_key(struct tsess *s, const char *seed)
{
	uint8_t priv[32];
	unsigned int len = sizeof(priv);
	char in[256];
	int n;

	n = snprintf(in, sizeof(in), "%s:%c%u", seed,
		     s->receiver ? 'r' : 's', s->idx);
	if (EVP_Digest(in, n, priv, &len, EVP_sha256(), NULL) != 1)
		return -1;
	s->key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL,
					      priv, sizeof(priv));
	return s->key && !ident_pub(s->key, s->pub) ? 0 : -1;
}

int tern_sess_open(struct gwb *b, struct tsess *s)
{
	struct timeval tv = { TS_SETUP_S, 0 };
	char err[256];
	int fd, one = 1, n;

	if (make_key(s, b->o.seed)) {
		tern_sess_fail(s, "cannot make an Ed25519 key");
		return -1;
	}
	s->frame = malloc(TERN_FRAME_MAX_PAYLOAD);
	fd = socket(s->ts->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (!s->frame || fd < 0) {
		tern_sess_fail(s, "out of memory or descriptors");
		return -1;
	}
	s->ev.fd = fd;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&s->ts->ss, s->ts->ss_len)) {
		snprintf(err, sizeof(err), "connect to %s: %s", b->o.target,
			 strerror(errno));
		tern_sess_fail(s, err);
		return -1;
	}
	s->ssl = SSL_new(s->ts->ctx);
	if (!s->ssl || tls_client_prepare(s->ssl, b->o.name, err, sizeof(err)) ||
	    !SSL_set_fd(s->ssl, fd)) {
		tern_sess_fail(s, "TLS setup");
		return -1;
	}
	n = SSL_connect(s->ssl);
	if (n != 1) {
		char msg[300];

		tls_handshake_error(s->ssl, n, err, sizeof(err));
		snprintf(msg, sizeof(msg), "TLS handshake: %s", err);
		tern_sess_fail(s, msg);
		return -1;
	}
	if (!s->ts->cipher[0])
		snprintf(s->ts->cipher, sizeof(s->ts->cipher), "%s",
			 SSL_get_cipher_name(s->ssl));
	if (send_hello(s) || read_hello_ok(s))
		return -1;
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) ||
	    gwb_fd_add(b, &s->ev, fd, EPOLLIN)) {
		tern_sess_fail(s, "epoll");
		return -1;
	}
	s->ev.fn = tern_sess_event;
	/* Whatever OpenSSL already holds would raise no event. */
	tern_sess_read(s);
	return b->failed ? -1 : 0;
}
