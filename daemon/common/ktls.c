// SPDX-License-Identifier: GPL-2.0
/*
 * Installing kTLS from an OpenSSL TLS 1.3 session (see ktls.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <linux/tls.h>
#include <openssl/crypto.h>

#include "ktls.h"
#include "sslerr.h"
#include "tls.h"

#ifndef SOL_TLS
#define SOL_TLS		282
#endif
#ifndef TCP_ULP
#define TCP_ULP		31
#endif

#define TLS13_IV_LEN	12
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

union crypto_info {
	struct tls_crypto_info info;
	struct tls12_crypto_info_aes_gcm_128 aes128;
	struct tls12_crypto_info_aes_gcm_256 aes256;
	struct tls12_crypto_info_chacha20_poly1305 chacha;
};

struct suite {
	uint16_t id;		/* TLS cipher suite */
	uint16_t kernel;	/* TLS_CIPHER_* */
	size_t key_len;
	size_t info_len;
	const char *name;
};

static const struct suite suites[] = {
	{ 0x1301, TLS_CIPHER_AES_GCM_128, TLS_CIPHER_AES_GCM_128_KEY_SIZE,
	  sizeof(struct tls12_crypto_info_aes_gcm_128), "AES-128-GCM" },
	{ 0x1302, TLS_CIPHER_AES_GCM_256, TLS_CIPHER_AES_GCM_256_KEY_SIZE,
	  sizeof(struct tls12_crypto_info_aes_gcm_256), "AES-256-GCM" },
	{ 0x1303, TLS_CIPHER_CHACHA20_POLY1305,
	  TLS_CIPHER_CHACHA20_POLY1305_KEY_SIZE,
	  sizeof(struct tls12_crypto_info_chacha20_poly1305),
	  "ChaCha20-Poly1305" },
};

/* Is ssl in a state where the kernel can take it over at sequence 0? */
static int check_ssl(SSL *ssl, int fd, char *err, size_t errlen)
{
	struct tls_traffic t;
	BIO *rbio, *wbio;
	int rfd, wfd;

	if (SSL_version(ssl) != TLS1_3_VERSION) {
		sslerr_set(err, errlen, "kTLS needs TLS 1.3, not %s",
			   SSL_get_version(ssl));
		return -EINVAL;
	}
	if (!SSL_is_init_finished(ssl)) {
		sslerr_set(err, errlen, "the TLS handshake is not complete");
		return -EINVAL;
	}
	if (SSL_get_shutdown(ssl)) {
		sslerr_set(err, errlen, "the TLS session is shutting down");
		return -EINVAL;
	}
	rfd = SSL_get_rfd(ssl);
	wfd = SSL_get_wfd(ssl);
	if ((rfd >= 0 && rfd != fd) || (wfd >= 0 && wfd != fd)) {
		sslerr_set(err, errlen,
			   "the TLS session runs on fd %d, not on fd %d",
			   rfd >= 0 && rfd != fd ? rfd : wfd, fd);
		return -EINVAL;
	}
	if (SSL_pending(ssl) > 0 || SSL_has_pending(ssl)) {
		sslerr_set(err, errlen,
			   "OpenSSL holds unread data (%d bytes decrypted): kTLS would lose it",
			   SSL_pending(ssl));
		return -EINVAL;
	}
	rbio = SSL_get_rbio(ssl);
	if (rbio && BIO_ctrl_pending(rbio) > 0) {
		sslerr_set(err, errlen,
			   "the read BIO holds %zu unread bytes: kTLS would lose them",
			   BIO_ctrl_pending(rbio));
		return -EINVAL;
	}
	wbio = SSL_get_wbio(ssl);
	if (wbio && BIO_ctrl_wpending(wbio) > 0) {
		sslerr_set(err, errlen,
			   "the write BIO holds %zu unsent bytes",
			   BIO_ctrl_wpending(wbio));
		return -EINVAL;
	}
	if (tls_get_traffic(ssl, &t)) {
		sslerr_set(err, errlen,
			   "the session's context does not capture what kTLS needs (not made by tls_server_ctx() or tls_client_ctx())");
		return -EINVAL;
	}
	if (t.tickets_in || t.tickets_out) {
		sslerr_set(err, errlen,
			   "a session ticket was %s: record sequence numbers are no longer zero",
			   t.tickets_out ? "sent" : "received");
		return -EINVAL;
	}
	if (t.key_updates_in || t.key_updates_out) {
		sslerr_set(err, errlen,
			   "a KeyUpdate was %s: the traffic secrets changed",
			   t.key_updates_out ? "sent" : "received");
		return -EINVAL;
	}
	if (t.records_in || t.records_out) {
		sslerr_set(err, errlen,
			   "%u records were read and %u written through OpenSSL after the handshake: record sequence numbers are no longer zero",
			   t.records_in, t.records_out);
		return -EINVAL;
	}
	return 0;
}

static const struct suite *find_suite(SSL *ssl, char *err, size_t errlen)
{
	const SSL_CIPHER *c = SSL_get_current_cipher(ssl);
	uint16_t id = c ? SSL_CIPHER_get_protocol_id(c) : 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(suites); i++)
		if (suites[i].id == id)
			return &suites[i];
	sslerr_set(err, errlen, "kTLS has no support for cipher suite %s",
		   c ? SSL_CIPHER_get_name(c) : "(none)");
	return NULL;
}

/* One direction's crypto_info from its traffic secret. */
static int make_info(const struct suite *s, const EVP_MD *md,
		     const uint8_t *secret, size_t secret_len,
		     union crypto_info *ci, char *err, size_t errlen)
{
	uint8_t key[32], iv[TLS13_IV_LEN];
	int ret;

	memset(ci, 0, sizeof(*ci));
	ret = ktls_expand_label(md, secret, secret_len, "key", key,
				s->key_len, err, errlen);
	if (!ret)
		ret = ktls_expand_label(md, secret, secret_len, "iv", iv,
					sizeof(iv), err, errlen);
	if (ret)
		goto out;
	ci->info.version = TLS_1_3_VERSION;
	ci->info.cipher_type = s->kernel;
	/* rec_seq stays zero. */
	switch (s->kernel) {
	case TLS_CIPHER_AES_GCM_128:
		memcpy(ci->aes128.key, key, sizeof(ci->aes128.key));
		memcpy(ci->aes128.salt, iv, sizeof(ci->aes128.salt));
		memcpy(ci->aes128.iv, iv + sizeof(ci->aes128.salt),
		       sizeof(ci->aes128.iv));
		break;
	case TLS_CIPHER_AES_GCM_256:
		memcpy(ci->aes256.key, key, sizeof(ci->aes256.key));
		memcpy(ci->aes256.salt, iv, sizeof(ci->aes256.salt));
		memcpy(ci->aes256.iv, iv + sizeof(ci->aes256.salt),
		       sizeof(ci->aes256.iv));
		break;
	case TLS_CIPHER_CHACHA20_POLY1305:
		memcpy(ci->chacha.key, key, sizeof(ci->chacha.key));
		memcpy(ci->chacha.iv, iv, sizeof(ci->chacha.iv));
		break;
	}
out:
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(iv, sizeof(iv));
	return ret;
}

static const char *cipher_hint(int e)
{
	if (e == ENOENT)
		return " (the kernel lacks this cipher: load its crypto module)";
	return "";
}

int ktls_install_from_ssl(SSL *ssl, int fd, char *err, size_t errlen)
{
	union crypto_info tx, rx;
	struct tls_secrets sec;
	const struct suite *s;
	const uint8_t *txs, *rxs;
	size_t txs_len, rxs_len;
	const EVP_MD *md;
	bool server;
	int ret;

	if (!ssl || fd < 0) {
		sslerr_set(err, errlen, "no TLS session or socket to hand over");
		return -EINVAL;
	}
	ret = check_ssl(ssl, fd, err, errlen);
	if (ret)
		return ret;
	s = find_suite(ssl, err, errlen);
	if (!s)
		return -EINVAL;
	md = SSL_CIPHER_get_handshake_digest(SSL_get_current_cipher(ssl));
	if (!md) {
		sslerr_set(err, errlen, "no hash for cipher suite %s",
			   s->name);
		return -EINVAL;
	}
	if (tls_take_secrets(ssl, &sec)) {
		sslerr_set(err, errlen,
			   "the session's traffic secrets were not captured or were already used");
		return -ENOKEY;
	}
	server = SSL_is_server(ssl);
	txs = server ? sec.server : sec.client;
	txs_len = server ? sec.server_len : sec.client_len;
	rxs = server ? sec.client : sec.server;
	rxs_len = server ? sec.client_len : sec.server_len;
	if (txs_len != (size_t)EVP_MD_get_size(md) ||
	    rxs_len != (size_t)EVP_MD_get_size(md)) {
		sslerr_set(err, errlen,
			   "captured traffic secrets of %zu and %zu bytes do not fit %s",
			   txs_len, rxs_len, EVP_MD_get0_name(md));
		ret = -EINVAL;
		goto out;
	}
	ret = make_info(s, md, txs, txs_len, &tx, err, errlen);
	if (!ret)
		ret = make_info(s, md, rxs, rxs_len, &rx, err, errlen);
	if (ret) {
		ret = -EINVAL;
		goto out;
	}

	if (setsockopt(fd, SOL_TCP, TCP_ULP, "tls", sizeof("tls"))) {
		ret = -errno;
		sslerr_set(err, errlen, "setsockopt(TCP_ULP, \"tls\"): %s%s",
			   strerror(-ret),
			   ret == -ENOENT ? " (the kernel has no tls module)" :
			   "");
		goto out;
	}
	if (setsockopt(fd, SOL_TLS, TLS_TX, &tx, s->info_len)) {
		ret = -errno;
		sslerr_set(err, errlen,
			   "setsockopt(TLS_TX, %s): %s%s; the socket is unusable",
			   s->name, strerror(-ret), cipher_hint(-ret));
		goto out;
	}
	if (setsockopt(fd, SOL_TLS, TLS_RX, &rx, s->info_len)) {
		ret = -errno;
		sslerr_set(err, errlen,
			   "setsockopt(TLS_RX, %s): %s%s; the socket is unusable",
			   s->name, strerror(-ret), cipher_hint(-ret));
		goto out;
	}
	ret = 0;
out:
	OPENSSL_cleanse(&sec, sizeof(sec));
	OPENSSL_cleanse(&tx, sizeof(tx));
	OPENSSL_cleanse(&rx, sizeof(rx));
	return ret;
}

int ktls_supported(void)
{
	int fd, ret = 0;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0)
		fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC,
			    IPPROTO_TCP);
	if (fd < 0)
		return -errno;
	/*
	 * The ULP exists when the kernel only objects that the socket is
	 * not connected yet.
	 */
	if (setsockopt(fd, SOL_TCP, TCP_ULP, "tls", sizeof("tls")) &&
	    errno != ENOTCONN)
		ret = -errno;
	close(fd);
	return ret;
}
