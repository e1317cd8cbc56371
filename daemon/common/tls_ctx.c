// SPDX-License-Identifier: GPL-2.0
/*
 * The gateway's and the devices' SSL_CTX (see tls.h): what both share,
 * the server's certificate and ALPN checks, the client's CA pin.
 */
#include <errno.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "sslerr.h"
#include "tls.h"

/* ALPN wire form: length-prefixed protocol names. */
static const unsigned char alpn_wire[] = "\x06" TLS_ALPN;

/* Never prompt on a terminal for a passphrase: refuse encrypted keys. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* What the gateway's and the devices' contexts share. */
static SSL_CTX *common_ctx(const SSL_METHOD *method, char *err,
			   size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(method);

	if (!ctx) {
		sslerr_setq(err, errlen, "cannot create a TLS context");
		return NULL;
	}
	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) ||
	    !SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION)) {
		sslerr_setq(err, errlen, "cannot restrict TLS to version 1.3");
		goto err;
	}
	if (!SSL_CTX_set_ciphersuites(ctx, TLS_CIPHERSUITES)) {
		sslerr_setq(err, errlen, "cannot set the cipher suites %s",
			    TLS_CIPHERSUITES);
		goto err;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	if (!SSL_CTX_set_num_tickets(ctx, 0) ||
	    !SSL_CTX_set_max_early_data(ctx, 0) ||
	    !SSL_CTX_set_recv_max_early_data(ctx, 0)) {
		sslerr_setq(err, errlen,
			    "cannot turn off session tickets and early data");
		goto err;
	}
	SSL_CTX_set_default_passwd_cb(ctx, no_passphrase);
	if (tls_capture(ctx)) {
		sslerr_set(err, errlen,
			   "cannot register the traffic secret capture");
		goto err;
	}
	return ctx;

err:
	SSL_CTX_free(ctx);
	return NULL;
}

/* Does the ALPN list in (wire form) name tern/1? Points *at to it. */
static int alpn_find(const unsigned char *in, size_t inlen,
		     const unsigned char **at)
{
	size_t i = 0;

	while (i < inlen) {
		size_t n = in[i];

		if (n == 0 || n > inlen - i - 1)
			return 0;	/* malformed */
		if (n == sizeof(TLS_ALPN) - 1 &&
		    !memcmp(in + i + 1, TLS_ALPN, n)) {
			*at = in + i + 1;
			return 1;
		}
		i += n + 1;
	}
	return 0;
}

static int alpn_select(SSL *ssl, const unsigned char **out,
		       unsigned char *outlen, const unsigned char *in,
		       unsigned int inlen, void *arg)
{
	const unsigned char *at;

	(void)ssl;
	(void)arg;
	/* Refused with the no_application_protocol alert. */
	if (!alpn_find(in, inlen, &at))
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	*out = at;
	*outlen = sizeof(TLS_ALPN) - 1;
	return SSL_TLSEXT_ERR_OK;
}

/*
 * OpenSSL calls the ALPN select callback only when the client offers ALPN:
 * a client that offers none is refused here, with the same alert.
 */
static int client_hello(SSL *ssl, int *al, void *arg)
{
	const unsigned char *ext;
	size_t len;

	(void)arg;
	if (!SSL_client_hello_get0_ext(ssl,
			TLSEXT_TYPE_application_layer_protocol_negotiation,
			&ext, &len)) {
		ERR_raise_data(ERR_LIB_SSL, SSL_R_NO_APPLICATION_PROTOCOL,
			       "the client offers no ALPN, not %s", TLS_ALPN);
		*al = SSL_AD_NO_APPLICATION_PROTOCOL;
		return SSL_CLIENT_HELLO_ERROR;
	}
	return SSL_CLIENT_HELLO_SUCCESS;
}

/* The certificate chain and its key, checked to match. */
static int load_cert(SSL_CTX *ctx, const char *cert_file,
		     const char *key_file, char *err, size_t errlen)
{
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
		sslerr_setq(err, errlen, "cannot load certificate chain %s",
			    cert_file);
		return -EINVAL;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) !=
	    1) {
		unsigned long e = ERR_peek_last_error();

		if (ERR_GET_LIB(e) == ERR_LIB_X509 &&
		    ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH)
			sslerr_setq(err, errlen,
				    "private key %s does not match certificate %s",
				    key_file, cert_file);
		else
			sslerr_setq(err, errlen, "cannot load private key %s",
				    key_file);
		return -EINVAL;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		sslerr_setq(err, errlen,
			    "private key %s does not match certificate %s",
			    key_file, cert_file);
		return -EINVAL;
	}
	return 0;
}

SSL_CTX *tls_server_ctx(const char *cert_file, const char *key_file,
			char *err, size_t errlen)
{
	SSL_CTX *ctx;

	if (!cert_file || !key_file) {
		sslerr_set(err, errlen, "no %s file given",
			   cert_file ? "private key" : "certificate");
		return NULL;
	}
	ctx = common_ctx(TLS_server_method(), err, errlen);
	if (!ctx)
		return NULL;
	if (load_cert(ctx, cert_file, key_file, err, errlen))
		goto err;
	SSL_CTX_set_client_hello_cb(ctx, client_hello, NULL);
	SSL_CTX_set_alpn_select_cb(ctx, alpn_select, NULL);
	return ctx;

err:
	SSL_CTX_free(ctx);
	return NULL;
}

SSL_CTX *tls_https_server_ctx(const char *cert_file, const char *key_file,
			      char *err, size_t errlen)
{
	SSL_CTX *ctx;

	if (!cert_file || !key_file) {
		sslerr_set(err, errlen, "no %s file given",
			   cert_file ? "private key" : "certificate");
		return NULL;
	}
	ctx = common_ctx(TLS_server_method(), err, errlen);
	if (!ctx)
		return NULL;
	if (load_cert(ctx, cert_file, key_file, err, errlen)) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

SSL_CTX *tls_client_ctx(const char *ca_file, char *err, size_t errlen)
{
	STACK_OF(X509_OBJECT) *objs;
	X509_STORE *store;
	SSL_CTX *ctx;

	if (!ca_file) {
		sslerr_set(err, errlen, "no CA file given");
		return NULL;
	}
	ctx = common_ctx(TLS_client_method(), err, errlen);
	if (!ctx)
		return NULL;
	if (SSL_CTX_load_verify_file(ctx, ca_file) != 1) {
		sslerr_setq(err, errlen, "cannot load CA certificates from %s",
			    ca_file);
		goto err;
	}
	store = SSL_CTX_get_cert_store(ctx);
	objs = X509_STORE_get0_objects(store);
	if (!objs || sk_X509_OBJECT_num(objs) == 0) {
		sslerr_set(err, errlen, "CA file %s holds no certificate",
			   ca_file);
		goto err;
	}
	/* Every certificate of the pin file is a trust anchor. */
	X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (SSL_CTX_set_alpn_protos(ctx, alpn_wire, sizeof(alpn_wire) - 1)) {
		sslerr_setq(err, errlen, "cannot offer ALPN %s", TLS_ALPN);
		goto err;
	}
	return ctx;

err:
	SSL_CTX_free(ctx);
	return NULL;
}
