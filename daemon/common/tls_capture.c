// SPDX-License-Identifier: GPL-2.0
/*
 * Per-session state the kTLS hand-off needs, kept in the SSL's ex_data
 * and freed (wiped) with it: the application traffic secrets reported by
 * OpenSSL's key-log callback, and counts of what went through OpenSSL
 * after the handshake (from the message callback), since kTLS starts both
 * directions at record sequence number zero. Nothing is ever written out.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <openssl/crypto.h>

#include "hex.h"
#include "tls.h"

struct capture {
	struct tls_secrets s;
	struct tls_traffic t;
};

#define HS_NEW_SESSION_TICKET	4
#define HS_KEY_UPDATE		24

static pthread_once_t idx_once = PTHREAD_ONCE_INIT;
static int capture_idx = -1;

static void capture_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad,
			 int idx, long argl, void *argp)
{
	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	OPENSSL_clear_free(ptr, sizeof(struct capture));
}

/* SSL_dup(): the copy starts with nothing captured. */
static int capture_dup(CRYPTO_EX_DATA *to, const CRYPTO_EX_DATA *from,
		       void **from_d, int idx, long argl, void *argp)
{
	(void)to;
	(void)from;
	(void)idx;
	(void)argl;
	(void)argp;
	*from_d = NULL;
	return 1;
}

static void idx_init(void)
{
	capture_idx = CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_SSL, 0, NULL,
					      NULL, capture_dup,
					      capture_free);
}

static struct capture *capture_get(const SSL *ssl)
{
	if (capture_idx < 0)
		return NULL;
	return SSL_get_ex_data(ssl, capture_idx);
}

/*
 * The message callback sees the ClientHello before any secret exists, on
 * both sides, so it creates the state; the key-log callback only gets a
 * const SSL.
 */
static struct capture *capture_make(SSL *ssl)
{
	struct capture *c = capture_get(ssl);

	if (c || capture_idx < 0)
		return c;
	c = OPENSSL_zalloc(sizeof(*c));
	if (c && !SSL_set_ex_data(ssl, capture_idx, c)) {
		OPENSSL_free(c);
		c = NULL;
	}
	return c;
}

static void on_msg(int write_p, int version, int content_type,
		   const void *buf, size_t len, SSL *ssl, void *arg)
{
	const uint8_t *p = buf;
	struct capture *c;

	(void)version;
	(void)arg;
	c = capture_make(ssl);
	if (!c)
		return;
	switch (content_type) {
	case SSL3_RT_HEADER:
		/*
		 * After the handshake every record is under the
		 * application keys and advances their sequence number.
		 */
		if (!SSL_is_init_finished(ssl))
			break;
		if (write_p)
			c->t.records_out++;
		else
			c->t.records_in++;
		break;
	case SSL3_RT_HANDSHAKE:
		/* Tickets are written before the server's handshake ends. */
		if (len < 1)
			break;
		if (p[0] == HS_NEW_SESSION_TICKET) {
			if (write_p)
				c->t.tickets_out++;
			else
				c->t.tickets_in++;
		} else if (p[0] == HS_KEY_UPDATE) {
			if (write_p)
				c->t.key_updates_out++;
			else
				c->t.key_updates_in++;
		}
		break;
	}
}

/* "LABEL <client random, 64 hex digits> <secret in hex>" */
static void on_keylog(const SSL *ssl, const char *line)
{
	static const char client_label[] = "CLIENT_TRAFFIC_SECRET_0 ";
	static const char server_label[] = "SERVER_TRAFFIC_SECRET_0 ";
	struct capture *c = capture_get(ssl);
	const char *hex;
	uint8_t *dst;
	size_t *dst_len, n;

	if (!c)
		return;
	if (!strncmp(line, client_label, sizeof(client_label) - 1)) {
		dst = c->s.client;
		dst_len = &c->s.client_len;
	} else if (!strncmp(line, server_label, sizeof(server_label) - 1)) {
		dst = c->s.server;
		dst_len = &c->s.server_len;
	} else {
		return;
	}
	hex = strchr(line + sizeof(client_label) - 1, ' ');
	if (!hex)
		return;
	hex++;
	n = strlen(hex);
	if (n % 2 || n / 2 > TLS_SECRET_MAX || n == 0)
		return;
	if (hex_decode(hex, dst, n / 2)) {
		OPENSSL_cleanse(dst, TLS_SECRET_MAX);
		return;
	}
	*dst_len = n / 2;
}

int tls_capture(SSL_CTX *ctx)
{
	pthread_once(&idx_once, idx_init);
	if (capture_idx < 0)
		return -ENOMEM;
	SSL_CTX_set_keylog_callback(ctx, on_keylog);
	SSL_CTX_set_msg_callback(ctx, on_msg);
	return 0;
}

int tls_take_secrets(SSL *ssl, struct tls_secrets *out)
{
	struct capture *c = capture_get(ssl);
	int ret = -ENOKEY;

	if (c && c->s.client_len && c->s.server_len) {
		*out = c->s;
		ret = 0;
	}
	if (c)
		OPENSSL_cleanse(&c->s, sizeof(c->s));
	return ret;
}

void tls_forget_secrets(SSL *ssl)
{
	struct capture *c = capture_get(ssl);

	if (c)
		OPENSSL_cleanse(&c->s, sizeof(c->s));
}

int tls_get_traffic(const SSL *ssl, struct tls_traffic *t)
{
	struct capture *c = capture_get(ssl);

	if (!c)
		return -ENOENT;
	*t = c->t;
	return 0;
}
