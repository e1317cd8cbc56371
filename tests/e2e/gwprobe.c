// SPDX-License-Identifier: GPL-2.0
/*
 * gwprobe: a scriptable raw device for the gateway tests. It speaks the
 * gateway protocol directly (blocking, one connection at a time) and can
 * also misbehave in the ways the tests need: garbage before or after TLS,
 * oversize and never-finished frames, push before hello, bad signatures,
 * hellos replayed from another session, abandoned connections.
 *
 *   gwprobe -g ADDR:PORT -C CA -n NAME [-k KEYFILE] [-w MS] CMD [ARGS]
 *
 *   hello                      print "token HEX"
 *   push TOKEN N [flags]       push N messages (payload "m<i>"), wait for
 *                              the answers; print "acked A nacked B [R]".
 *                              Flags: no-store; ttl=S (expiry S seconds
 *                              from now, S < 0 in the past); tag=T
 *                              (payload "T<i>"); size=B
 *                              (payload padded to B bytes: "T<i> ppp...");
 *                              ids (also print "ack T<i>" or "nack T<i>
 *                              REASON" for each answer)
 *   recv N                     take N deliveries, ack them, print each
 *                              as "msg IDHEX PAYLOAD"
 *   revoke TOKEN               print "revoke ok|refused DETAIL"
 *   bad MODE                   misbehave; print what the gateway did:
 *                              "close REASON", "nack REASON", "eof",
 *                              "tls-failed"
 *   bad cut-mid-frame [AT]     push to itself a frame cut after AT bytes
 *                              of its payload (default half; "header":
 *                              none; "last": all but the last byte), then
 *                              reset the connection (RST); then push the
 *                              same id whole on a new session; print
 *                              "cut K/L: answered N; whole: acked A
 *                              delivered D PAYLOAD": no answer to the cut
 *                              one and, for the whole one, an ack and one
 *                              delivery of it if nothing of the cut one
 *                              was kept
 *   abandon N                  open N TCP connections, hold them for the
 *                              wait time, close them
 *   leave N                    N times: connect, send a ClientHello, close
 *                              at once, as a device that gave up waiting;
 *                              print "left N"
 *   keyupdate                  TLS KeyUpdate (update requested) before the
 *                              hello, then the hello; KeyUpdate again, then
 *                              a push to an unknown token; print
 *                              "keyupdate hello-ok nack REASON" when both
 *                              were answered, else where it ended: "at
 *                              hello|push: eof|timeout|close REASON after
 *                              MS ms"
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include "evloop.h"
#include "frame.h"
#include "hex.h"
#include "ident.h"
#include "netaddr.h"
#include "tls.h"
#include "wire.h"

static const char *gw_addr, *ca_file, *gw_name, *key_file = "probe.key";
static int wait_ms = 5000;
static SSL_CTX *ctx;


static void die(const char *what)
{
	fprintf(stderr, "gwprobe: %s\n", what);
	exit(2);
}

static int tcp_connect(void)
{
	struct sockaddr_storage ss;
	struct timeval tv = { wait_ms / 1000, (wait_ms % 1000) * 1000 };
	socklen_t len;
	char err[160];
	int fd;

	if (netaddr_parse(gw_addr, &ss, &len, err, sizeof(err)))
		die(err);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len))
		die("connect failed");
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

static SSL *tls_connect(int fd)
{
	SSL *ssl = SSL_new(ctx);
	char err[256];
	int n;

	if (!ssl || tls_client_prepare(ssl, gw_name, err, sizeof(err)))
		die("SSL setup");
	SSL_set_fd(ssl, fd);
	n = SSL_connect(ssl);
	if (n != 1) {
		tls_handshake_error(ssl, n, err, sizeof(err));
		printf("tls-failed %s\n", err);
		exit(1);
	}
	if (tls_check_alpn(ssl))
		die("gateway did not select ALPN tern/1");
	return ssl;
}

static void send_frame(SSL *ssl, uint8_t type, const ProtobufCMessage *m)
{
	uint8_t *buf;
	size_t len;

	if (wire_pack(type, m, &buf, &len))
		die("pack");
	if (SSL_write(ssl, buf, len) != (int)len)
		die("write failed");
	free(buf);
}

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

/* Next protocol frame (heartbeats skipped); -1 on EOF or timeout. */
static int read_frame(SSL *ssl, struct tern_hdr *h, uint8_t **payload)
{
	uint8_t hdr[TERN_FRAME_HDR_LEN];

	for (;;) {
		if (read_full(ssl, hdr, sizeof(hdr)))
			return -1;
		if (tern_frame_hdr_parse(hdr, TERN_FRAME_MAX_PAYLOAD, h))
			die("bad frame header from the gateway");
		*payload = malloc(h->len + 1);
		if (!*payload || read_full(ssl, *payload, h->len))
			return -1;
		if (h->type >= TERN_FRAME_USER_MIN)
			return 0;
		free(*payload);
	}
}

static void print_outcome(SSL *ssl)
{
	struct tern_hdr h;
	uint8_t *p;
	char err[160];

	while (!read_frame(ssl, &h, &p)) {
		ProtobufCMessage *m;

		if (wire_decode(h.type, p, h.len, &m, err, sizeof(err)))
			die(err);
		free(p);
		if (h.type == WIRE_CLOSE) {
			Tern__Close *c = (void *)m;

			printf("close %s %s\n", wire_close_name(c->reason),
			       c->detail);
			wire_free(m);
			return;
		}
		if (h.type == WIRE_NACK) {
			printf("nack %s\n",
			       wire_nack_name(((Tern__Nack *)m)->reason));
			wire_free(m);
			return;
		}
		wire_free(m);
	}
	printf("eof\n");
}

struct dev {
	EVP_PKEY *key;
	uint8_t pub[IDENT_KEY_LEN];
};

static void load_dev(struct dev *d)
{
	char err[256];

	d->key = ident_load_or_create(key_file, true, err, sizeof(err));
	if (!d->key)
		die(err);
	ident_pub(d->key, d->pub);
}

static void send_hello(SSL *ssl, struct dev *d, const uint8_t *exporter,
		       bool corrupt)
{
	Tern__Hello h = TERN__HELLO__INIT;
	uint8_t tr[IDENT_HELLO_MAX], sig[IDENT_SIG_LEN];
	uint64_t ts = ev_wall_ms();
	size_t n;

	n = ident_hello_transcript(tr, exporter, ts, d->pub, NULL);
	ident_sign(d->key, tr, n, sig);
	if (corrupt)
		sig[7] ^= 0x40;
	h.version = WIRE_VERSION;
	h.device_key = wire_bytes(d->pub, IDENT_KEY_LEN);
	h.timestamp_ms = ts;
	h.signature = wire_bytes(sig, IDENT_SIG_LEN);
	h.heartbeat_ms = 60000;
	send_frame(ssl, WIRE_HELLO, &h.base);
}

/* Connect and authenticate; returns the SSL with HELLO_OK read. */
static SSL *session(struct dev *d, uint8_t token[WIRE_TOKEN_LEN])
{
	uint8_t exporter[TLS_EXPORTER_LEN];
	ProtobufCMessage *m;
	struct tern_hdr h;
	char err[160];
	uint8_t *p;
	SSL *ssl;

	ssl = tls_connect(tcp_connect());
	tls_exporter(ssl, exporter);
	send_hello(ssl, d, exporter, false);
	if (read_frame(ssl, &h, &p))
		die("no answer to hello");
	if (h.type != WIRE_HELLO_OK) {
		if (!wire_decode(h.type, p, h.len, &m, err, sizeof(err)) &&
		    h.type == WIRE_CLOSE)
			printf("close %s\n",
			       wire_close_name(((Tern__Close *)m)->reason));
		exit(1);
	}
	if (wire_decode(h.type, p, h.len, &m, err, sizeof(err)))
		die(err);
	memcpy(token, ((Tern__HelloOk *)m)->push_token.data, WIRE_TOKEN_LEN);
	wire_free(m);
	free(p);
	return ssl;
}

static void get_token(const char *hex, uint8_t token[WIRE_TOKEN_LEN])
{
	if (hex_decode(hex, token, WIRE_TOKEN_LEN))
		die("bad token (32 hex digits)");
}

static int cmd_push(struct dev *d, int argc, char **argv)
{
	uint8_t token[WIRE_TOKEN_LEN], self[WIRE_TOKEN_LEN];
	unsigned int i, n, acked = 0, nacked = 0, flags = 0, size = 0;
	const char *last_nack = "", *tag = "m";
	uint8_t (*ids)[WIRE_MSG_ID_LEN];
	uint64_t expiry = 0;
	bool show = false;
	char *body;
	int a;
	SSL *ssl;

	if (argc < 2)
		die("push TOKEN N [no-store] [ttl=S] [tag=T] [size=B] [ids]");
	get_token(argv[0], token);
	n = strtoul(argv[1], NULL, 0);
	for (a = 2; a < argc; a++) {
		if (!strcmp(argv[a], "no-store"))
			flags |= TERN__PUSH_FLAG__PUSH_F_NO_STORE;
		else if (!strncmp(argv[a], "ttl=", 4))	/* may be < 0 */
			expiry = ev_wall_ms() / 1000 +
				 strtoll(argv[a] + 4, NULL, 0);
		else if (!strncmp(argv[a], "tag=", 4))
			tag = argv[a] + 4;
		else if (!strncmp(argv[a], "size=", 5))
			size = strtoul(argv[a] + 5, NULL, 0);
		else if (!strcmp(argv[a], "ids"))
			show = true;
		else
			die("push: unknown flag");
	}
	ids = calloc(n ? n : 1, sizeof(*ids));
	body = malloc(size + 64);
	if (!ids || !body)
		die("out of memory");
	ssl = session(d, self);
	for (i = 0; i < n; i++) {
		Tern__Push p = TERN__PUSH__INIT;
		size_t len;

		RAND_bytes(ids[i], WIRE_MSG_ID_LEN);
		len = snprintf(body, 64, "%.40s%u", tag, i);
		if (size > len) {
			body[len] = ' ';
			memset(body + len + 1, 'p', size - len - 1);
			len = size;
		}
		p.token = wire_bytes(token, WIRE_TOKEN_LEN);
		p.msg_id = wire_bytes(ids[i], WIRE_MSG_ID_LEN);
		p.expiry_s = expiry;
		p.flags = flags;
		p.payload = wire_bytes(body, len);
		send_frame(ssl, WIRE_PUSH, &p.base);
	}
	while (acked + nacked < n) {
		const ProtobufCBinaryData *id;
		ProtobufCMessage *m;
		struct tern_hdr h;
		char err[160];
		uint8_t *p;

		if (read_frame(ssl, &h, &p))
			break;
		if ((h.type != WIRE_ACK && h.type != WIRE_NACK) ||
		    wire_decode(h.type, p, h.len, &m, err, sizeof(err))) {
			free(p);
			continue;
		}
		id = h.type == WIRE_ACK ? &((Tern__Ack *)m)->msg_id :
		     &((Tern__Nack *)m)->msg_id;
		for (i = 0; i < n; i++)
			if (!memcmp(ids[i], id->data, WIRE_MSG_ID_LEN))
				break;
		if (h.type == WIRE_ACK) {
			acked++;
			if (show && i < n)
				printf("ack %s%u\n", tag, i);
		} else {
			nacked++;
			last_nack = wire_nack_name(((Tern__Nack *)m)->reason);
			if (show && i < n)
				printf("nack %s%u %s\n", tag, i, last_nack);
		}
		wire_free(m);
		free(p);
	}
	free(ids);
	free(body);
	printf("acked %u nacked %u %s\n", acked, nacked, last_nack);
	return acked == n ? 0 : 1;
}

static int cmd_recv(struct dev *d, int argc, char **argv)
{
	uint8_t self[WIRE_TOKEN_LEN];
	unsigned int n, got = 0;
	SSL *ssl;

	if (argc < 1)
		die("recv N");
	n = strtoul(argv[0], NULL, 0);
	ssl = session(d, self);
	while (got < n) {
		Tern__DeliverAck a = TERN__DELIVER_ACK__INIT;
		ProtobufCBinaryData id;
		ProtobufCMessage *m;
		Tern__Deliver *dl;
		struct tern_hdr h;
		char err[160], hex[HEX_LEN(WIRE_MSG_ID_LEN)];
		uint8_t *p;

		if (read_frame(ssl, &h, &p))
			break;
		if (h.type != WIRE_DELIVER) {
			free(p);
			continue;
		}
		if (wire_decode(h.type, p, h.len, &m, err, sizeof(err)))
			die(err);
		dl = (void *)m;
		hex_encode(dl->msg_id.data, WIRE_MSG_ID_LEN, hex);
		printf("msg %s %.*s\n", hex, (int)dl->payload.len,
		       dl->payload.data);
		id = dl->msg_id;
		a.n_msg_id = 1;
		a.msg_id = &id;
		send_frame(ssl, WIRE_DELIVER_ACK, &a.base);
		wire_free(m);
		free(p);
		got++;
	}
	fflush(stdout);
	/* Let the last ack reach the gateway before the connection ends. */
	usleep(200000);
	return got == n ? 0 : 1;
}

static int cmd_revoke(struct dev *d, int argc, char **argv)
{
	Tern__Revoke r = TERN__REVOKE__INIT;
	uint8_t token[WIRE_TOKEN_LEN], self[WIRE_TOKEN_LEN];
	ProtobufCMessage *m;
	struct tern_hdr h;
	char err[160];
	uint8_t *p;
	SSL *ssl;

	if (argc < 1)
		die("revoke TOKEN");
	get_token(argv[0], token);
	ssl = session(d, self);
	r.token = wire_bytes(token, WIRE_TOKEN_LEN);
	send_frame(ssl, WIRE_REVOKE, &r.base);
	while (!read_frame(ssl, &h, &p)) {
		if (h.type == WIRE_REVOKE_RESULT &&
		    !wire_decode(h.type, p, h.len, &m, err, sizeof(err))) {
			Tern__RevokeResult *rr = (void *)m;

			printf("revoke %s %s\n", rr->ok ? "ok" : "refused",
			       rr->detail);
			return rr->ok ? 0 : 1;
		}
		free(p);
	}
	printf("eof\n");
	return 1;
}

static int cmd_bad(struct dev *d, const char *mode)
{
	uint8_t exporter[TLS_EXPORTER_LEN], token[WIRE_TOKEN_LEN];
	uint8_t buf[TERN_FRAME_HDR_LEN + 64];
	SSL *ssl;
	int fd;

	if (!strcmp(mode, "garbage-pre-tls")) {
		static const char junk[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
		char r[256];

		fd = tcp_connect();
		if (write(fd, junk, sizeof(junk) - 1) < 0)
			die("write");
		/* The gateway answers with a TLS alert, then closes. */
		while (read(fd, r, sizeof(r)) > 0)
			;
		printf("eof\n");
		return 0;
	}
	if (!strcmp(mode, "unknown-token") || !strcmp(mode, "oversize") ||
	    !strcmp(mode, "slowloris") || !strcmp(mode, "garbage-post-tls")) {
		ssl = session(d, token);
		if (!strcmp(mode, "unknown-token")) {
			Tern__Push p = TERN__PUSH__INIT;
			uint8_t t[WIRE_TOKEN_LEN], id[WIRE_MSG_ID_LEN];

			RAND_bytes(t, sizeof(t));
			RAND_bytes(id, sizeof(id));
			p.token = wire_bytes(t, sizeof(t));
			p.msg_id = wire_bytes(id, sizeof(id));
			send_frame(ssl, WIRE_PUSH, &p.base);
		} else if (!strcmp(mode, "oversize")) {
			tern_frame_hdr_build(buf, WIRE_PUSH, 0, 60000);
			SSL_write(ssl, buf, TERN_FRAME_HDR_LEN);
		} else if (!strcmp(mode, "slowloris")) {
			tern_frame_hdr_build(buf, WIRE_PUSH, 0, 40);
			SSL_write(ssl, buf, TERN_FRAME_HDR_LEN + 3);
		} else {
			memset(buf, 0xa5, sizeof(buf));
			SSL_write(ssl, buf, sizeof(buf));
		}
		print_outcome(ssl);
		return 0;
	}
	ssl = tls_connect(tcp_connect());
	if (!strcmp(mode, "push-before-hello")) {
		Tern__Push p = TERN__PUSH__INIT;

		memset(buf, 1, sizeof(buf));
		p.token = wire_bytes(buf, WIRE_TOKEN_LEN);
		p.msg_id = wire_bytes(buf, WIRE_MSG_ID_LEN);
		send_frame(ssl, WIRE_PUSH, &p.base);
	} else if (!strcmp(mode, "bad-signature")) {
		tls_exporter(ssl, exporter);
		send_hello(ssl, d, exporter, true);
	} else if (!strcmp(mode, "replay-hello")) {
		/* A hello signed for another session: the other session's
		 * exporter, as a relay or a recording would have it.
		 */
		SSL *other = tls_connect(tcp_connect());

		tls_exporter(other, exporter);
		send_hello(ssl, d, exporter, false);
	} else if (!strcmp(mode, "no-hello")) {
		/* Say nothing: the handshake timeout ends it. */
	} else {
		die("unknown mode");
	}
	print_outcome(ssl);
	return 0;
}

/*
 * A PUSH cut mid-frame, then the connection reset: the gateway must keep
 * nothing of it. The same id pushed whole afterwards must then be stored
 * as new and delivered once, with the whole payload: had the cut one been
 * stored, the gateway would take the whole one for a duplicate.
 */
static int cmd_cut(struct dev *d, const char *at)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	uint8_t token[WIRE_TOKEN_LEN], id[WIRE_MSG_ID_LEN];
	struct timeval tv = { 0, 300000 };
	unsigned int acked = 0, nacked = 0, delivered = 0, answered = 0;
	Tern__Push p = TERN__PUSH__INIT;
	char body[200], got[64] = "-";
	size_t len, cut;
	uint8_t *buf;
	uint64_t until;
	SSL *ssl;
	int fd;

	ssl = session(d, token);
	RAND_bytes(id, sizeof(id));
	memset(body, 'c', sizeof(body));
	p.token = wire_bytes(token, WIRE_TOKEN_LEN);
	p.msg_id = wire_bytes(id, WIRE_MSG_ID_LEN);
	p.payload = wire_bytes(body, sizeof(body));
	if (wire_pack(WIRE_PUSH, &p.base, &buf, &len))
		die("pack");
	len -= TERN_FRAME_HDR_LEN;
	if (!at || !strcmp(at, "half"))
		cut = len / 2;
	else if (!strcmp(at, "header"))
		cut = 0;
	else if (!strcmp(at, "last"))
		cut = len - 1;
	else
		cut = strtoul(at, NULL, 0);
	if (cut >= len)
		die("cut-mid-frame: AT must be inside the payload");
	if (SSL_write(ssl, buf, TERN_FRAME_HDR_LEN + cut) !=
	    (int)(TERN_FRAME_HDR_LEN + cut))
		die("write failed");
	free(buf);
	/* Let the gateway (or tern.ko) take in the part, and see that it
	 * answers nothing to it; then reset.
	 */
	fd = SSL_get_fd(ssl);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (;;) {
		ProtobufCMessage *m;
		struct tern_hdr h;
		char err[160];
		uint8_t *fp;

		if (read_frame(ssl, &h, &fp))
			break;
		if (!wire_decode(h.type, fp, h.len, &m, err, sizeof(err))) {
			if ((h.type == WIRE_ACK &&
			     !memcmp(((Tern__Ack *)m)->msg_id.data, id,
				     sizeof(id))) ||
			    (h.type == WIRE_NACK &&
			     !memcmp(((Tern__Nack *)m)->msg_id.data, id,
				     sizeof(id))))
				answered++;
			wire_free(m);
		}
		free(fp);
	}
	ERR_clear_error();
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
	SSL_free(ssl);
	usleep(200000);

	ssl = session(d, token);
	p.payload = wire_bytes("whole", 5);
	send_frame(ssl, WIRE_PUSH, &p.base);
	/* The ack and the delivery, then a while for a second delivery. */
	until = ev_now_ms() + wait_ms;
	while (ev_now_ms() < until) {
		Tern__DeliverAck a = TERN__DELIVER_ACK__INIT;
		ProtobufCBinaryData did;
		ProtobufCMessage *m;
		struct tern_hdr h;
		char err[160];
		uint8_t *fp;

		if (acked + nacked && delivered)
			setsockopt(SSL_get_fd(ssl), SOL_SOCKET, SO_RCVTIMEO,
				   &tv, sizeof(tv));
		if (read_frame(ssl, &h, &fp))
			break;
		if (wire_decode(h.type, fp, h.len, &m, err, sizeof(err)))
			die(err);
		free(fp);
		if (h.type == WIRE_ACK &&
		    !memcmp(((Tern__Ack *)m)->msg_id.data, id, sizeof(id))) {
			acked++;
		} else if (h.type == WIRE_NACK &&
			   !memcmp(((Tern__Nack *)m)->msg_id.data, id,
				   sizeof(id))) {
			nacked++;
		} else if (h.type == WIRE_DELIVER) {
			Tern__Deliver *dl = (void *)m;

			if (!memcmp(dl->msg_id.data, id, sizeof(id))) {
				delivered++;
				snprintf(got, sizeof(got), "%.*s",
					 (int)(dl->payload.len < 32 ?
					       dl->payload.len : 32),
					 dl->payload.data);
			}
			did = dl->msg_id;
			a.n_msg_id = 1;
			a.msg_id = &did;
			send_frame(ssl, WIRE_DELIVER_ACK, &a.base);
		}
		wire_free(m);
	}
	printf("cut %zu/%zu: answered %u; whole: acked %u%s delivered %u %s\n",
	       cut, len, answered, acked, nacked ? " nacked" : "", delivered,
	       got);
	return !answered && acked == 1 && !nacked && delivered == 1 &&
	       !strcmp(got, "whole") ? 0 : 1;
}

/* The next protocol frame: its type and message, or -1 with @why saying
 * how the connection ended.
 */
static int ku_next(SSL *ssl, ProtobufCMessage **m, char *why, size_t len)
{
	struct tern_hdr h;
	char err[160];
	uint8_t *p;

	errno = 0;
	if (read_frame(ssl, &h, &p)) {
		snprintf(why, len, "%s", errno == EAGAIN ||
			 errno == EWOULDBLOCK ? "timeout" : "eof");
		ERR_clear_error();
		return -1;
	}
	if (wire_decode(h.type, p, h.len, m, err, sizeof(err)))
		die(err);
	free(p);
	if (h.type == WIRE_CLOSE) {
		snprintf(why, len, "close %s",
			 wire_close_name(((Tern__Close *)*m)->reason));
		wire_free(*m);
		return -1;
	}
	return h.type;
}

/*
 * TLS KeyUpdate: the user transport follows it (OpenSSL), tern.ko cannot
 * (kTLS) and ends the connection. Update requested, so that the gateway
 * must update its own sending key too.
 */
static int cmd_keyupdate(struct dev *d)
{
	uint8_t exporter[TLS_EXPORTER_LEN], t[WIRE_TOKEN_LEN];
	uint8_t id[WIRE_MSG_ID_LEN];
	Tern__Push p = TERN__PUSH__INIT;
	const char *step = "hello";
	ProtobufCMessage *m = NULL;
	char why[64] = "";
	uint64_t t0;
	SSL *ssl;
	int type;

	ssl = tls_connect(tcp_connect());
	if (tls_exporter(ssl, exporter))
		die("no exporter");
	t0 = ev_now_ms();
	if (SSL_key_update(ssl, SSL_KEY_UPDATE_REQUESTED) != 1)
		die("SSL_key_update failed");
	send_hello(ssl, d, exporter, false);
	type = ku_next(ssl, &m, why, sizeof(why));
	if (type != WIRE_HELLO_OK)
		goto ended;
	wire_free(m);

	step = "push";
	if (SSL_key_update(ssl, SSL_KEY_UPDATE_REQUESTED) != 1)
		die("SSL_key_update failed");
	RAND_bytes(t, sizeof(t));
	RAND_bytes(id, sizeof(id));
	p.token = wire_bytes(t, sizeof(t));
	p.msg_id = wire_bytes(id, sizeof(id));
	send_frame(ssl, WIRE_PUSH, &p.base);
	while ((type = ku_next(ssl, &m, why, sizeof(why))) == WIRE_DELIVER)
		wire_free(m);
	if (type != WIRE_NACK)
		goto ended;
	printf("keyupdate hello-ok nack %s\n",
	       wire_nack_name(((Tern__Nack *)m)->reason));
	wire_free(m);
	return 0;
ended:
	if (type > 0) {
		snprintf(why, sizeof(why), "frame %s", wire_type_name(type));
		wire_free(m);
	}
	printf("keyupdate at %s: %s after %llu ms\n", step, why,
	       (unsigned long long)(ev_now_ms() - t0));
	return 1;
}

static int cmd_abandon(unsigned int n)
{
	int *fds = calloc(n, sizeof(*fds));
	struct rlimit rl;
	unsigned int i;

	/* More than the usual soft limit of 1024 descriptors. */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < n + 16) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	for (i = 0; i < n; i++)
		fds[i] = tcp_connect();
	usleep(wait_ms * 1000);
	for (i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
	printf("abandoned %u\n", n);
	return 0;
}

static int cmd_leave(unsigned int n)
{
	char err[256];
	unsigned int i;

	for (i = 0; i < n; i++) {
		BIO *rb = BIO_new(BIO_s_mem()), *wb = BIO_new(BIO_s_mem());
		SSL *ssl = SSL_new(ctx);
		int fd = tcp_connect(), r;
		char *hello;
		long len;

		if (!ssl || !rb || !wb ||
		    tls_client_prepare(ssl, gw_name, err, sizeof(err)))
			die("SSL setup");
		/* The ClientHello goes to memory, then out: no answer can be
		 * read, however fast the gateway.
		 */
		SSL_set_bio(ssl, rb, wb);
		r = SSL_connect(ssl);
		if (SSL_get_error(ssl, r) != SSL_ERROR_WANT_READ)
			die("no ClientHello");
		len = BIO_get_mem_data(wb, &hello);
		if (len <= 0 || write(fd, hello, len) != len)
			die("write failed");
		SSL_free(ssl);
		close(fd);
	}
	printf("left %u\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	struct dev d;
	char err[256];
	int o;

	while ((o = getopt(argc, argv, "g:C:n:k:w:")) != -1) {
		switch (o) {
		case 'g':
			gw_addr = optarg;
			break;
		case 'C':
			ca_file = optarg;
			break;
		case 'n':
			gw_name = optarg;
			break;
		case 'k':
			key_file = optarg;
			break;
		case 'w':
			wait_ms = atoi(optarg);
			break;
		default:
			die("usage: gwprobe -g ADDR:PORT -C CA -n NAME [-k KEY] [-w MS] CMD");
		}
	}
	argc -= optind;
	argv += optind;
	if (!gw_addr || !ca_file || !gw_name || argc < 1)
		die("usage: gwprobe -g ADDR:PORT -C CA -n NAME [-k KEY] [-w MS] CMD");
	setvbuf(stdout, NULL, _IOLBF, 0);
	ctx = tls_client_ctx(ca_file, err, sizeof(err));
	if (!ctx)
		die(err);
	if (!strcmp(argv[0], "abandon"))
		return cmd_abandon(argc > 1 ? atoi(argv[1]) : 100);
	if (!strcmp(argv[0], "leave"))
		return cmd_leave(argc > 1 ? atoi(argv[1]) : 100);
	load_dev(&d);
	if (!strcmp(argv[0], "hello")) {
		uint8_t token[WIRE_TOKEN_LEN];
		char hex[HEX_LEN(WIRE_TOKEN_LEN)];

		session(&d, token);
		hex_encode(token, sizeof(token), hex);
		printf("token %s\n", hex);
		return 0;
	}
	if (!strcmp(argv[0], "push"))
		return cmd_push(&d, argc - 1, argv + 1);
	if (!strcmp(argv[0], "recv"))
		return cmd_recv(&d, argc - 1, argv + 1);
	if (!strcmp(argv[0], "revoke"))
		return cmd_revoke(&d, argc - 1, argv + 1);
	if (!strcmp(argv[0], "keyupdate"))
		return cmd_keyupdate(&d);
	if (!strcmp(argv[0], "bad") && argc > 1 &&
	    !strcmp(argv[1], "cut-mid-frame"))
		return cmd_cut(&d, argc > 2 ? argv[2] : NULL);
	if (!strcmp(argv[0], "bad") && argc > 1)
		return cmd_bad(&d, argv[1]);
	die("unknown command");
	return 2;
}
