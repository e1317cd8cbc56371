/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TLS for the gateway protocol (Documentation/protocol.rst, "Transport"):
 * TLS 1.3 only, the three cipher suites kTLS offloads, ALPN "tern/1", no
 * tickets, no resumption, no early data, no renegotiation. The contexts
 * capture each session's application traffic secrets (in memory only) so
 * that ktls.h can hand the session to the kernel.
 */
#ifndef TERN_TLS_H
#define TERN_TLS_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/ssl.h>

#define TLS_ALPN		"tern/1"
#define TLS_CIPHERSUITES	"TLS_AES_128_GCM_SHA256:" \
				"TLS_AES_256_GCM_SHA384:" \
				"TLS_CHACHA20_POLY1305_SHA256"
#define TLS_EXPORTER_LABEL	"EXPORTER-Channel-Binding"
#define TLS_EXPORTER_LEN	32
#define TLS_SECRET_MAX		48	/* SHA-384 */

/*
 * The gateway's context: certificate chain (leaf first, then any
 * intermediates) and private key, both PEM. A client that offers no ALPN
 * or not "tern/1" is refused with the no_application_protocol alert. To
 * reload the certificate, build a new context and use it for new
 * connections; sessions keep the one they started with. Returns the
 * context (SSL_CTX_free() it) or NULL with err set.
 */
SSL_CTX *tls_server_ctx(const char *cert_file, const char *key_file,
			char *err, size_t errlen);

/*
 * An HTTPS server's context (tern-directoryd): TLS 1.3 and the same
 * settings as the gateway's, but any ALPN (or none) is accepted, as HTTP
 * clients such as curl offer "http/1.1" or nothing. Returns the context
 * or NULL with err set.
 */
SSL_CTX *tls_https_server_ctx(const char *cert_file, const char *key_file,
			      char *err, size_t errlen);

/*
 * The device's context: the peer is verified against the certificates of
 * ca_file only (never the system store); any of them is a trust anchor,
 * so the file may pin a private CA, an intermediate or the gateway's own
 * certificate. Offers ALPN "tern/1". Returns the context or NULL with err
 * set.
 */
SSL_CTX *tls_client_ctx(const char *ca_file, char *err, size_t errlen);

/*
 * Before the handshake on a client SSL: the name the gateway's
 * certificate must match. A DNS name is also sent as SNI; an IPv4 or IPv6
 * literal (optionally in brackets) must match an IP subjectAltName.
 * Returns 0 or -EINVAL with err set.
 */
int tls_client_prepare(SSL *ssl, const char *server_name,
		       char *err, size_t errlen);

/*
 * Returns 0 when "tern/1" was negotiated, else -EPROTO. A client must
 * refuse a server that did not select it.
 */
int tls_check_alpn(SSL *ssl);

/*
 * The session's RFC 9266 channel binding: the exporter with label
 * "EXPORTER-Channel-Binding", no context, 32 bytes. Returns 0 or -EIO.
 */
int tls_exporter(SSL *ssl, uint8_t out[TLS_EXPORTER_LEN]);

/*
 * Describes in err, in one line, why the handshake step that returned ret
 * failed, e.g. "certificate verify failed: unable to get local issuer
 * certificate" or "no application protocol (the peer does not speak
 * tern/1)". Call it right after the failing SSL_do_handshake(),
 * SSL_accept() or SSL_connect(): it reads and empties the thread's
 * OpenSSL error queue.
 */
void tls_handshake_error(SSL *ssl, int ret, char *err, size_t errlen);

/* --- Traffic secrets, for ktls.c ------------------------------------- */

/* The application traffic secrets *_TRAFFIC_SECRET_0 of one session. */
struct tls_secrets {
	uint8_t client[TLS_SECRET_MAX];
	uint8_t server[TLS_SECRET_MAX];
	size_t client_len;
	size_t server_len;
};

/* What went through OpenSSL after the handshake, per direction. */
struct tls_traffic {
	unsigned int records_in;	/* records read after the handshake */
	unsigned int records_out;	/* records written after it */
	unsigned int tickets_in;	/* NewSessionTicket messages */
	unsigned int tickets_out;
	unsigned int key_updates_in;	/* KeyUpdate messages */
	unsigned int key_updates_out;
};

/*
 * Capture traffic secrets and count post-handshake records on the SSLs of
 * ctx (tls_server_ctx() and tls_client_ctx() do it). It takes ctx's key-log
 * and message callbacks.
 */
int tls_capture(SSL_CTX *ctx);

/*
 * Moves ssl's captured secrets into out (wipe it with OPENSSL_cleanse()
 * after use) and wipes them from ssl. Returns 0, or -ENOKEY when they
 * were not captured or were already taken.
 */
int tls_take_secrets(SSL *ssl, struct tls_secrets *out);

/* Wipes ssl's captured secrets (a user-transport session needs none). */
void tls_forget_secrets(SSL *ssl);

/*
 * What went through OpenSSL on ssl after its handshake. Returns 0, or
 * -ENOENT when ssl's context does not count (see tls_capture()).
 */
int tls_get_traffic(const SSL *ssl, struct tls_traffic *t);

#endif /* TERN_TLS_H */
