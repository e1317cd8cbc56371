// SPDX-License-Identifier: GPL-2.0
/*
 * The daemons' TLS, identity and hex code (daemon/common/tls.h, ident.h,
 * hex.h, ktls.h's checks and key derivation), on the host: in-process
 * handshakes between tls_server_ctx() and tls_client_ctx() over a
 * non-blocking socketpair, with certificates made by tools/pki at the
 * start of each test. kTLS itself needs the tls module: see tests/ktls.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "hex.h"
#include "ident.h"
#include "ktls.h"
#include "tls.h"
#include "kselftest_harness.h"

#define ERRLEN	512

/* --- Helpers -------------------------------------------------------------- */

/* tools/pki: $TERN_TOP, else relative to the source or build directory. */
static const char *pki_path(void)
{
	static char path[PATH_MAX];
	const char *top = getenv("TERN_TOP");

	if (top && *top) {
		snprintf(path, sizeof(path), "%s/tools/pki", top);
		return path;
	}
	if (!access("../../tools/pki", X_OK))
		return "../../tools/pki";
	return "../../../tools/pki";
}

/* Runs a shell command built from fmt; returns its exit status. */
static int run(const char *fmt, ...)
{
	char cmd[2 * PATH_MAX];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return st == -1 ? -1 : WEXITSTATUS(st);
}

/* One client and one server SSL over a non-blocking socketpair. */
struct conn {
	SSL *c, *s;
	int fd[2];
	int cret, sret;			/* last SSL_do_handshake() result */
	char cerr[ERRLEN], serr[ERRLEN];
};

static int conn_open(struct conn *k, SSL_CTX *cctx, SSL_CTX *sctx,
		     const char *name)
{
	char err[ERRLEN];

	memset(k, 0, sizeof(*k));
	k->fd[0] = k->fd[1] = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, k->fd))
		return -1;
	k->c = SSL_new(cctx);
	k->s = SSL_new(sctx);
	if (!k->c || !k->s || !SSL_set_fd(k->c, k->fd[0]) ||
	    !SSL_set_fd(k->s, k->fd[1]))
		return -1;
	SSL_set_connect_state(k->c);
	SSL_set_accept_state(k->s);
	if (name && tls_client_prepare(k->c, name, err, sizeof(err))) {
		fprintf(stderr, "tls_client_prepare: %s\n", err);
		return -1;
	}
	return 0;
}

/* One handshake step of one side: 1 done, 0 blocked, -1 failed. */
static int step(SSL *ssl, int *ret, char *err)
{
	int r = SSL_do_handshake(ssl), e;

	*ret = r;
	if (r == 1)
		return 1;
	e = SSL_get_error(ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return 0;
	tls_handshake_error(ssl, r, err, ERRLEN);
	return -1;
}

/* Runs the handshake; returns 0 when both sides completed it. */
static int conn_handshake(struct conn *k)
{
	int cs = 0, ss = 0, i;

	for (i = 0; i < 100 && (cs == 0 || ss == 0); i++) {
		if (cs == 0)
			cs = step(k->c, &k->cret, k->cerr);
		if (ss == 0)
			ss = step(k->s, &k->sret, k->serr);
		/* One side gave up: the other reads its alert or EOF. */
		if ((cs < 0 || ss < 0) && i > 50)
			break;
	}
	return cs == 1 && ss == 1 ? 0 : -1;
}

static void conn_close(struct conn *k)
{
	SSL_free(k->c);
	SSL_free(k->s);
	if (k->fd[0] >= 0)
		close(k->fd[0]);
	if (k->fd[1] >= 0)
		close(k->fd[1]);
	ERR_clear_error();
}

/* A TLS 1.3 server context with this certificate and no ALPN at all. */
static SSL_CTX *plain_server_ctx(const char *crt, const char *key)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (!ctx)
		return NULL;
	if (SSL_CTX_use_certificate_chain_file(ctx, crt) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* A TLS 1.3 client context that trusts ca and offers this ALPN list. */
static SSL_CTX *plain_client_ctx(const char *ca, const unsigned char *alpn,
				 unsigned int alpn_len)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (!ctx)
		return NULL;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (SSL_CTX_load_verify_file(ctx, ca) != 1 ||
	    (alpn && SSL_CTX_set_alpn_protos(ctx, alpn, alpn_len))) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* --- Fixture: a CA with a gateway certificate, and another CA ------------- */

FIXTURE(tls) {
	char dir[64];
	char ca[128], other_ca[128];
	char crt[128], key[128];
	SSL_CTX *sctx, *cctx;
	char err[ERRLEN];
};

FIXTURE_SETUP(tls)
{
	const char *pki = pki_path();

	snprintf(self->dir, sizeof(self->dir), "/tmp/tern-tls-test.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	ASSERT_EQ(0, run("%s ca %s/a >/dev/null", pki, self->dir)) {
		TH_LOG("%s ca failed (TERN_TOP=%s)", pki,
		       getenv("TERN_TOP") ?: "unset");
	}
	ASSERT_EQ(0, run("%s gateway %s/a gw.test 127.0.0.1 ::1 >/dev/null",
			 pki, self->dir));
	ASSERT_EQ(0, run("%s ca %s/b >/dev/null", pki, self->dir));
	snprintf(self->ca, sizeof(self->ca), "%s/a/ca.crt", self->dir);
	snprintf(self->other_ca, sizeof(self->other_ca), "%s/b/ca.crt",
		 self->dir);
	snprintf(self->crt, sizeof(self->crt), "%s/a/gw.test.crt", self->dir);
	snprintf(self->key, sizeof(self->key), "%s/a/gw.test.key", self->dir);

	self->sctx = tls_server_ctx(self->crt, self->key, self->err,
				    sizeof(self->err));
	ASSERT_NE(NULL, self->sctx) TH_LOG("%s", self->err);
	self->cctx = tls_client_ctx(self->ca, self->err, sizeof(self->err));
	ASSERT_NE(NULL, self->cctx) TH_LOG("%s", self->err);
}

FIXTURE_TEARDOWN(tls)
{
	SSL_CTX_free(self->sctx);
	SSL_CTX_free(self->cctx);
	if (self->dir[0])
		run("rm -rf %s", self->dir);
}

/* --- Handshakes ----------------------------------------------------------- */

TEST_F(tls, alpn_tls13_and_suite)
{
	const char *suite;
	struct conn k;

	ASSERT_EQ(0, conn_open(&k, self->cctx, self->sctx, "gw.test"));
	ASSERT_EQ(0, conn_handshake(&k)) {
		TH_LOG("client: %s; server: %s", k.cerr, k.serr);
	}
	EXPECT_EQ(0, tls_check_alpn(k.c));
	EXPECT_EQ(0, tls_check_alpn(k.s));
	EXPECT_EQ(TLS1_3_VERSION, SSL_version(k.c));
	EXPECT_EQ(X509_V_OK, SSL_get_verify_result(k.c));
	suite = SSL_get_cipher_name(k.c);
	EXPECT_NE(NULL, strstr(TLS_CIPHERSUITES, suite)) TH_LOG("%s", suite);
	conn_close(&k);
}

TEST_F(tls, ip_address_names)
{
	static const char * const ok[] = { "127.0.0.1", "::1", "[::1]" };
	struct conn k;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		ASSERT_EQ(0, conn_open(&k, self->cctx, self->sctx, ok[i]));
		EXPECT_EQ(0, conn_handshake(&k)) {
			TH_LOG("%s: client: %s", ok[i], k.cerr);
		}
		/* No SNI for an address (RFC 6066). */
		EXPECT_EQ(NULL, SSL_get_servername(k.s,
						   TLSEXT_NAMETYPE_host_name));
		conn_close(&k);
	}
}

TEST_F(tls, client_without_alpn_refused)
{
	SSL_CTX *cctx = plain_client_ctx(self->ca, NULL, 0);
	struct conn k;

	ASSERT_NE(NULL, cctx);
	ASSERT_EQ(0, conn_open(&k, cctx, self->sctx, NULL));
	EXPECT_NE(0, conn_handshake(&k));
	EXPECT_NE(NULL, strstr(k.serr, "no application protocol")) {
		TH_LOG("server: %s", k.serr);
	}
	/* The client got the no_application_protocol alert. */
	EXPECT_NE(NULL, strstr(k.cerr, "no application protocol")) {
		TH_LOG("client: %s", k.cerr);
	}
	conn_close(&k);
	SSL_CTX_free(cctx);
}

TEST_F(tls, client_with_other_alpn_refused)
{
	static const unsigned char alpn[] = "\x02h2\x08http/1.1";
	SSL_CTX *cctx = plain_client_ctx(self->ca, alpn, sizeof(alpn) - 1);
	struct conn k;

	ASSERT_NE(NULL, cctx);
	ASSERT_EQ(0, conn_open(&k, cctx, self->sctx, NULL));
	EXPECT_NE(0, conn_handshake(&k));
	EXPECT_NE(NULL, strstr(k.serr, "no application protocol")) {
		TH_LOG("server: %s", k.serr);
	}
	EXPECT_NE(NULL, strstr(k.cerr, "no application protocol")) {
		TH_LOG("client: %s", k.cerr);
	}
	conn_close(&k);
	SSL_CTX_free(cctx);
}

TEST_F(tls, server_without_alpn_refused_by_client)
{
	SSL_CTX *sctx = plain_server_ctx(self->crt, self->key);
	struct conn k;

	ASSERT_NE(NULL, sctx);
	ASSERT_EQ(0, conn_open(&k, self->cctx, sctx, "gw.test"));
	ASSERT_EQ(0, conn_handshake(&k)) TH_LOG("client: %s", k.cerr);
	EXPECT_EQ(-EPROTO, tls_check_alpn(k.c));
	conn_close(&k);
	SSL_CTX_free(sctx);
}

TEST_F(tls, other_ca_fails_verify)
{
	SSL_CTX *cctx = tls_client_ctx(self->other_ca, self->err, ERRLEN);
	struct conn k;

	ASSERT_NE(NULL, cctx) TH_LOG("%s", self->err);
	ASSERT_EQ(0, conn_open(&k, cctx, self->sctx, "gw.test"));
	EXPECT_NE(0, conn_handshake(&k));
	EXPECT_EQ(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
		  SSL_get_verify_result(k.c));
	EXPECT_EQ(0, strncmp(k.cerr, "certificate verify failed: ", 27)) {
		TH_LOG("client: %s", k.cerr);
	}
	conn_close(&k);
	SSL_CTX_free(cctx);
}

TEST_F(tls, the_system_store_is_not_used)
{
	/*
	 * The pin file is all the client trusts: even with the system's
	 * CAs around, a CA file of another CA fails (above), and no CA
	 * file at all is an error, not a fallback.
	 */
	EXPECT_EQ(NULL, tls_client_ctx(NULL, self->err, ERRLEN));
	EXPECT_EQ(NULL, tls_client_ctx("/nonexistent/ca.crt", self->err,
				       ERRLEN));
	EXPECT_NE(NULL, strstr(self->err, "/nonexistent/ca.crt")) {
		TH_LOG("%s", self->err);
	}
}

TEST_F(tls, name_mismatch_fails)
{
	static const struct {
		const char *name;
		long verify;
	} bad[] = {
		{ "other.test", X509_V_ERR_HOSTNAME_MISMATCH },
		{ "sub.gw.test", X509_V_ERR_HOSTNAME_MISMATCH },
		{ "127.0.0.2", X509_V_ERR_IP_ADDRESS_MISMATCH },
		{ "::2", X509_V_ERR_IP_ADDRESS_MISMATCH },
	};
	struct conn k;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ASSERT_EQ(0, conn_open(&k, self->cctx, self->sctx,
				       bad[i].name));
		EXPECT_NE(0, conn_handshake(&k)) TH_LOG("%s", bad[i].name);
		EXPECT_EQ(bad[i].verify, SSL_get_verify_result(k.c)) {
			TH_LOG("%s: %s", bad[i].name, k.cerr);
		}
		EXPECT_NE(NULL, strstr(k.cerr, "certificate verify failed")) {
			TH_LOG("%s: %s", bad[i].name, k.cerr);
		}
		conn_close(&k);
	}
}

TEST_F(tls, tls12_refused)
{
	struct conn k;

	ASSERT_EQ(1, SSL_CTX_set_min_proto_version(self->cctx,
						   TLS1_2_VERSION));
	ASSERT_EQ(1, SSL_CTX_set_max_proto_version(self->cctx,
						   TLS1_2_VERSION));
	ASSERT_EQ(0, conn_open(&k, self->cctx, self->sctx, "gw.test"));
	EXPECT_NE(0, conn_handshake(&k));
	EXPECT_NE(NULL, strstr(k.serr, "TLS 1.3 is required")) {
		TH_LOG("server: %s", k.serr);
	}
	EXPECT_NE(NULL, strstr(k.cerr, "TLS 1.3 is required")) {
		TH_LOG("client: %s", k.cerr);
	}
	conn_close(&k);
}

TEST_F(tls, exporter_equal_and_unique)
{
	uint8_t c1[TLS_EXPORTER_LEN], s1[TLS_EXPORTER_LEN];
	uint8_t c2[TLS_EXPORTER_LEN], s2[TLS_EXPORTER_LEN];
	struct conn k;

	ASSERT_EQ(0, conn_open(&k, self->cctx, self->sctx, "gw.test"));
	EXPECT_EQ(-EIO, tls_exporter(k.c, c1));	/* before the handshake */
	ASSERT_EQ(0, conn_handshake(&k));
	ASSERT_EQ(0, tls_exporter(k.c, c1));
	ASSERT_EQ(0, tls_exporter(k.s, s1));
	conn_close(&k);

	ASSERT_EQ(0, conn_open(&k, self->cctx, self->sctx, "gw.test"));
	ASSERT_EQ(0, conn_handshake(&k));
	ASSERT_EQ(0, tls_exporter(k.c, c2));
	ASSERT_EQ(0, tls_exporter(k.s, s2));
	conn_close(&k);

	EXPECT_EQ(0, memcmp(c1, s1, sizeof(c1)));
	EXPECT_EQ(0, memcmp(c2, s2, sizeof(c2)));
	EXPECT_NE(0, memcmp(c1, c2, sizeof(c1)));
}

static int tickets_seen;

static int count_ticket(SSL *ssl, SSL_SESSION *sess)
{
	(void)ssl;
	(void)sess;
	tickets_seen++;
	return 0;	/* not kept */
}

/*
 * Handshake, then one byte server -> client so that the client reads
 * whatever the server sent after its Finished.
 */
static int ticket_round(struct conn *k)
{
	char b = 0;
	int i;

	if (conn_handshake(k) || SSL_write(k->s, "x", 1) != 1)
		return -1;
	for (i = 0; i < 100; i++)
		if (SSL_read(k->c, &b, 1) == 1)
			return b == 'x' ? 0 : -1;
	return -1;
}

TEST_F(tls, no_session_ticket)
{
	SSL_CTX *plain = plain_server_ctx(self->crt, self->key);
	struct tls_traffic t;
	struct conn k;

	ASSERT_NE(NULL, plain);
	SSL_CTX_set_session_cache_mode(self->cctx, SSL_SESS_CACHE_CLIENT |
				       SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(self->cctx, count_ticket);

	/*
	 * The control: OpenSSL's default server sends tickets, and the
	 * client sees them.
	 */
	tickets_seen = 0;
	ASSERT_EQ(0, conn_open(&k, self->cctx, plain, "gw.test"));
	ASSERT_EQ(0, ticket_round(&k));
	EXPECT_LT(0, tickets_seen);
	ASSERT_EQ(0, tls_get_traffic(k.c, &t));
	EXPECT_LT(0, t.tickets_in);
	conn_close(&k);

	tickets_seen = 0;
	ASSERT_EQ(0, conn_open(&k, self->cctx, self->sctx, "gw.test"));
	ASSERT_EQ(0, ticket_round(&k));
	EXPECT_EQ(0, tickets_seen);
	EXPECT_EQ(0, SSL_SESSION_has_ticket(SSL_get0_session(k.c)));
	ASSERT_EQ(0, tls_get_traffic(k.s, &t));
	EXPECT_EQ(0, t.tickets_out);
	ASSERT_EQ(0, tls_get_traffic(k.c, &t));
	EXPECT_EQ(0, t.tickets_in);
	EXPECT_EQ(0, SSL_get_num_tickets(k.s));
	conn_close(&k);
	SSL_CTX_free(plain);
}

/* --- Traffic secrets and kTLS preconditions ------------------------------- */

TEST_F(tls, secrets_captured_on_both_ends)
{
	struct tls_secrets cs, ss;
	struct conn k;

	ASSERT_EQ(0, conn_open(&k, self->cctx, self->sctx, "gw.test"));
	ASSERT_EQ(0, conn_handshake(&k));
	ASSERT_EQ(0, tls_take_secrets(k.c, &cs));
	ASSERT_EQ(0, tls_take_secrets(k.s, &ss));
	EXPECT_EQ(EVP_MD_get_size(SSL_CIPHER_get_handshake_digest(
			SSL_get_current_cipher(k.c))), (int)cs.client_len);
	EXPECT_EQ(cs.client_len, ss.client_len);
	EXPECT_EQ(cs.server_len, ss.server_len);
	EXPECT_EQ(0, memcmp(cs.client, ss.client, cs.client_len));
	EXPECT_EQ(0, memcmp(cs.server, ss.server, cs.server_len));
	EXPECT_NE(0, memcmp(cs.client, cs.server, cs.client_len));
	/* Taken once: the SSL holds them no more. */
	EXPECT_EQ(-ENOKEY, tls_take_secrets(k.c, &cs));
	EXPECT_EQ(-ENOKEY, ktls_install_from_ssl(k.c, k.fd[0], self->err,
						 ERRLEN));
	EXPECT_NE(NULL, strstr(self->err, "secrets")) TH_LOG("%s", self->err);
	OPENSSL_cleanse(&cs, sizeof(cs));
	OPENSSL_cleanse(&ss, sizeof(ss));
	conn_close(&k);
}

TEST_F(tls, ktls_refuses_what_it_cannot_take_over)
{
	char buf[8];
	struct conn k;
	int i, n = -1;

	ASSERT_EQ(0, conn_open(&k, self->cctx, self->sctx, "gw.test"));
	EXPECT_EQ(-EINVAL, ktls_install_from_ssl(k.c, k.fd[0], self->err,
						 ERRLEN));
	EXPECT_NE(NULL, strstr(self->err, "not complete")) {
		TH_LOG("%s", self->err);
	}
	ASSERT_EQ(0, conn_handshake(&k));
	EXPECT_EQ(-EINVAL, ktls_install_from_ssl(k.c, k.fd[1], self->err,
						 ERRLEN));
	EXPECT_NE(NULL, strstr(self->err, "not on fd")) {
		TH_LOG("%s", self->err);
	}

	/* Two records; the client reads 1 byte of the first. */
	ASSERT_EQ(5, SSL_write(k.s, "hello", 5));
	ASSERT_EQ(5, SSL_write(k.s, "world", 5));
	for (i = 0; i < 100 && n != 1; i++)
		n = SSL_read(k.c, buf, 1);
	ASSERT_EQ(1, n);
	EXPECT_EQ(-EINVAL, ktls_install_from_ssl(k.c, k.fd[0], self->err,
						 ERRLEN));
	EXPECT_NE(NULL, strstr(self->err, "unread data")) {
		TH_LOG("%s", self->err);
	}
	/* Read all that came: still refused, the sequence numbers moved. */
	ASSERT_EQ(4, SSL_read(k.c, buf, sizeof(buf)));
	EXPECT_EQ(-EINVAL, ktls_install_from_ssl(k.c, k.fd[0], self->err,
						 ERRLEN));
	EXPECT_NE(NULL, strstr(self->err, "sequence numbers")) {
		TH_LOG("%s", self->err);
	}
	EXPECT_EQ(-EINVAL, ktls_install_from_ssl(k.s, k.fd[1], self->err,
						 ERRLEN));
	EXPECT_NE(NULL, strstr(self->err, "2 written")) {
		TH_LOG("%s", self->err);
	}
	conn_close(&k);
}

TEST_F(tls, ktls_refuses_after_key_update)
{
	struct conn k;
	char b;
	int i, n = -1;

	ASSERT_EQ(0, conn_open(&k, self->cctx, self->sctx, "gw.test"));
	ASSERT_EQ(0, conn_handshake(&k));
	ASSERT_EQ(1, SSL_key_update(k.s, SSL_KEY_UPDATE_NOT_REQUESTED));
	ASSERT_EQ(1, SSL_write(k.s, "k", 1));
	for (i = 0; i < 100 && n != 1; i++)
		n = SSL_read(k.c, &b, 1);
	ASSERT_EQ(1, n);
	EXPECT_EQ(-EINVAL, ktls_install_from_ssl(k.c, k.fd[0], self->err,
						 ERRLEN));
	EXPECT_NE(NULL, strstr(self->err, "KeyUpdate was received")) {
		TH_LOG("%s", self->err);
	}
	EXPECT_EQ(-EINVAL, ktls_install_from_ssl(k.s, k.fd[1], self->err,
						 ERRLEN));
	EXPECT_NE(NULL, strstr(self->err, "KeyUpdate was sent")) {
		TH_LOG("%s", self->err);
	}
	conn_close(&k);
}

TEST_F(tls, ktls_probe_and_install_on_this_kernel)
{
	int sup = ktls_supported(), ret;
	struct conn k;

	TH_LOG("ktls_supported() = %d (%s)", sup, sup ? strerror(-sup) : "yes");
	EXPECT_TRUE(sup == 0 || sup == -ENOENT) TH_LOG("%d", sup);
	/* On a socketpair the checks pass and the kernel says no. */
	ASSERT_EQ(0, conn_open(&k, self->cctx, self->sctx, "gw.test"));
	ASSERT_EQ(0, conn_handshake(&k));
	ret = ktls_install_from_ssl(k.s, k.fd[1], self->err, ERRLEN);
	EXPECT_GT(0, ret);
	EXPECT_NE(NULL, strstr(self->err, "TCP_ULP")) TH_LOG("%s", self->err);
	/* The secrets are gone all the same. */
	EXPECT_EQ(-ENOKEY, ktls_install_from_ssl(k.s, k.fd[1], self->err,
						 ERRLEN));
	conn_close(&k);
}

TEST(expand_label_rfc8448)
{
	/*
	 * RFC 8448 section 3: the application traffic secrets and the
	 * keys and IVs derived from them.
	 */
	static const char * const v[][3] = {
		{ "a11af9f05531f856ad47116b45a9503282"
		  "04b4f44bfb6b3a4b4f1f3fcb631643",
		  "9f02283b6c9c07efc26bb9f2ac92e356",
		  "cf782b88dd83549aadf1e984" },
		{ "9e40646ce79a7f9dc05af8889bce655287"
		  "5afa0b06df0087f792ebb7c17504a5",
		  "17422dda596ed5d9acd890e3c63f5051",
		  "5b78923dee08579033e523d9" },
	};
	uint8_t secret[32], key[16], iv[12], want_key[16], want_iv[12];
	char err[ERRLEN];
	size_t i;

	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, hex_decode(v[i][0], secret, sizeof(secret)));
		ASSERT_EQ(0, hex_decode(v[i][1], want_key, sizeof(want_key)));
		ASSERT_EQ(0, hex_decode(v[i][2], want_iv, sizeof(want_iv)));
		ASSERT_EQ(0, ktls_expand_label(EVP_sha256(), secret,
					       sizeof(secret), "key", key,
					       sizeof(key), err, sizeof(err)))
			TH_LOG("%s", err);
		ASSERT_EQ(0, ktls_expand_label(EVP_sha256(), secret,
					       sizeof(secret), "iv", iv,
					       sizeof(iv), err, sizeof(err)))
			TH_LOG("%s", err);
		EXPECT_EQ(0, memcmp(key, want_key, sizeof(key)));
		EXPECT_EQ(0, memcmp(iv, want_iv, sizeof(iv)));
	}
}

/* --- Contexts ------------------------------------------------------------- */

TEST_F(tls, ctx_errors_name_the_file)
{
	char path[128];
	FILE *f;

	EXPECT_EQ(NULL, tls_server_ctx("/nonexistent.crt", self->key,
				       self->err, ERRLEN));
	EXPECT_NE(NULL, strstr(self->err, "/nonexistent.crt")) {
		TH_LOG("%s", self->err);
	}
	/* The CA's key does not go with the gateway's certificate. */
	snprintf(path, sizeof(path), "%s/a/ca.key", self->dir);
	EXPECT_EQ(NULL, tls_server_ctx(self->crt, path, self->err, ERRLEN));
	EXPECT_NE(NULL, strstr(self->err, "does not match")) {
		TH_LOG("%s", self->err);
	}
	snprintf(path, sizeof(path), "%s/empty.crt", self->dir);
	f = fopen(path, "w");
	ASSERT_NE(NULL, f);
	fclose(f);
	EXPECT_EQ(NULL, tls_client_ctx(path, self->err, ERRLEN));
	EXPECT_NE(NULL, strstr(self->err, "empty.crt")) {
		TH_LOG("%s", self->err);
	}
	/* Reloading is building again: the old context keeps working. */
	{
		SSL_CTX *again = tls_server_ctx(self->crt, self->key,
						self->err, ERRLEN);

		EXPECT_NE(NULL, again) TH_LOG("%s", self->err);
		SSL_CTX_free(again);
	}
	EXPECT_EQ(0, ERR_peek_error());
}

TEST_F(tls, chain_file_with_intermediate)
{
	char d[96], chain[128], key[128], root[128];
	SSL_CTX *sctx;
	struct conn k;

	/*
	 * root -> intermediate -> leaf, the server sends leaf+intermediate
	 * and the client pins only the root.
	 */
	snprintf(d, sizeof(d), "%s/i", self->dir);
	ASSERT_EQ(0, run("set -e; d=%s; mkdir -p $d; cd $d; "
			 "openssl genpkey -algorithm ed25519 -out root.key; "
			 "openssl req -x509 -new -key root.key -subj /CN=root "
			 "-days 2 -addext basicConstraints=critical,CA:TRUE "
			 "-out root.crt; "
			 "openssl genpkey -algorithm ed25519 -out int.key; "
			 "openssl req -new -key int.key -subj /CN=int -out int.csr; "
			 "printf 'basicConstraints=critical,CA:TRUE\\n' > int.ext; "
			 "openssl x509 -req -in int.csr -CA root.crt "
			 "-CAkey root.key -set_serial 2 -days 2 "
			 "-extfile int.ext -out int.crt 2>/dev/null; "
			 "openssl genpkey -algorithm ed25519 -out leaf.key; "
			 "openssl req -new -key leaf.key -subj /CN=gw.test "
			 "-out leaf.csr; "
			 "printf 'subjectAltName=DNS:gw.test\\n' > leaf.ext; "
			 "openssl x509 -req -in leaf.csr -CA int.crt "
			 "-CAkey int.key -set_serial 3 -days 2 "
			 "-extfile leaf.ext -out leaf.crt 2>/dev/null; "
			 "cat leaf.crt int.crt > chain.crt", d));
	snprintf(chain, sizeof(chain), "%s/chain.crt", d);
	snprintf(key, sizeof(key), "%s/leaf.key", d);
	snprintf(root, sizeof(root), "%s/root.crt", d);
	sctx = tls_server_ctx(chain, key, self->err, ERRLEN);
	ASSERT_NE(NULL, sctx) TH_LOG("%s", self->err);
	SSL_CTX_free(self->cctx);
	self->cctx = tls_client_ctx(root, self->err, ERRLEN);
	ASSERT_NE(NULL, self->cctx) TH_LOG("%s", self->err);
	ASSERT_EQ(0, conn_open(&k, self->cctx, sctx, "gw.test"));
	EXPECT_EQ(0, conn_handshake(&k)) TH_LOG("client: %s", k.cerr);
	conn_close(&k);
	SSL_CTX_free(sctx);
}

/* --- Identities ----------------------------------------------------------- */

TEST_F(tls, hello_signature_is_bound_to_the_session)
{
	uint8_t ex1[TLS_EXPORTER_LEN], ex1s[TLS_EXPORTER_LEN];
	uint8_t ex2[TLS_EXPORTER_LEN];
	uint8_t dkey[IDENT_KEY_LEN], akey[IDENT_KEY_LEN];
	uint8_t msg[IDENT_HELLO_MAX], sig[IDENT_SIG_LEN];
	uint64_t ts = 1700000000123ULL;
	char path[128];
	EVP_PKEY *dev, *acct;
	struct conn k;
	size_t n;

	snprintf(path, sizeof(path), "%s/device.key", self->dir);
	dev = ident_load_or_create(path, true, self->err, ERRLEN);
	ASSERT_NE(NULL, dev) TH_LOG("%s", self->err);
	snprintf(path, sizeof(path), "%s/account.key", self->dir);
	acct = ident_load_or_create(path, true, self->err, ERRLEN);
	ASSERT_NE(NULL, acct) TH_LOG("%s", self->err);
	ASSERT_EQ(0, ident_pub(dev, dkey));
	ASSERT_EQ(0, ident_pub(acct, akey));

	ASSERT_EQ(0, conn_open(&k, self->cctx, self->sctx, "gw.test"));
	ASSERT_EQ(0, conn_handshake(&k));
	ASSERT_EQ(0, tls_exporter(k.c, ex1));
	ASSERT_EQ(0, tls_exporter(k.s, ex1s));
	conn_close(&k);
	ASSERT_EQ(0, conn_open(&k, self->cctx, self->sctx, "gw.test"));
	ASSERT_EQ(0, conn_handshake(&k));
	ASSERT_EQ(0, tls_exporter(k.s, ex2));
	conn_close(&k);

	/* The device signs with its session's exporter... */
	n = ident_hello_transcript(msg, ex1, ts, dkey, NULL);
	ASSERT_EQ(85, n);
	EXPECT_EQ(0, memcmp(msg, "tern-hello-v1", 13));
	EXPECT_EQ(0, memcmp(msg + 13, ex1, 32));
	EXPECT_EQ(0x00, msg[45]);
	EXPECT_EQ(0x7b, msg[52]);	/* ...123 ms, big-endian */
	EXPECT_EQ(0, memcmp(msg + 53, dkey, 32));
	ASSERT_EQ(0, ident_sign(dev, msg, n, sig));
	/* ...the gateway checks it against its own... */
	n = ident_hello_transcript(msg, ex1s, ts, dkey, NULL);
	EXPECT_EQ(0, ident_verify(dkey, msg, n, sig));
	/*
	 * ...and it is worthless on another session, at another time, for
	 * another key or with an account key added.
	 */
	n = ident_hello_transcript(msg, ex2, ts, dkey, NULL);
	EXPECT_EQ(-EBADMSG, ident_verify(dkey, msg, n, sig));
	n = ident_hello_transcript(msg, ex1s, ts + 1, dkey, NULL);
	EXPECT_EQ(-EBADMSG, ident_verify(dkey, msg, n, sig));
	n = ident_hello_transcript(msg, ex1s, ts, dkey, akey);
	ASSERT_EQ(117, n);
	EXPECT_EQ(0, memcmp(msg + 85, akey, 32));
	EXPECT_EQ(-EBADMSG, ident_verify(dkey, msg, n, sig));
	EXPECT_EQ(-EBADMSG, ident_verify(akey, msg, 85, sig));

	/* With the account key in the transcript. */
	ASSERT_EQ(0, ident_sign(dev, msg, n, sig));
	EXPECT_EQ(0, ident_verify(dkey, msg, n, sig));
	sig[10] ^= 1;
	EXPECT_EQ(-EBADMSG, ident_verify(dkey, msg, n, sig));

	EVP_PKEY_free(dev);
	EVP_PKEY_free(acct);
}

TEST(device_cert_and_id)
{
	uint8_t akey[IDENT_KEY_LEN], dkey[IDENT_KEY_LEN], other[IDENT_KEY_LEN];
	uint8_t sig[IDENT_SIG_LEN], id[IDENT_ID_LEN], md[32];
	unsigned int mdlen;
	EVP_PKEY *acct, *dev, *p256;

	acct = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	dev = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	ASSERT_NE(NULL, acct);
	ASSERT_NE(NULL, dev);
	ASSERT_EQ(0, ident_pub(acct, akey));
	ASSERT_EQ(0, ident_pub(dev, dkey));

	ASSERT_EQ(0, ident_device_cert(acct, dkey, sig));
	EXPECT_EQ(0, ident_device_cert_verify(akey, dkey, sig));
	/* Over "tern-device-v1" || dkey, nothing else. */
	{
		uint8_t msg[14 + 32];

		memcpy(msg, "tern-device-v1", 14);
		memcpy(msg + 14, dkey, 32);
		EXPECT_EQ(0, ident_verify(akey, msg, sizeof(msg), sig));
	}
	memcpy(other, dkey, sizeof(other));
	other[0] ^= 0x80;
	EXPECT_EQ(-EBADMSG, ident_device_cert_verify(akey, other, sig));
	EXPECT_EQ(-EBADMSG, ident_device_cert_verify(dkey, dkey, sig));
	ASSERT_EQ(0, ident_device_cert(dev, dkey, sig));	/* self */
	EXPECT_EQ(-EBADMSG, ident_device_cert_verify(akey, dkey, sig));

	/* The device id is the first half of SHA-256(device key). */
	ident_device_id(dkey, id);
	ASSERT_EQ(1, EVP_Digest(dkey, 32, md, &mdlen, EVP_sha256(), NULL));
	EXPECT_EQ(0, memcmp(id, md, sizeof(id)));

	/* Not an Ed25519 key. */
	p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	ASSERT_NE(NULL, p256);
	EXPECT_EQ(-EINVAL, ident_pub(p256, akey));
	EXPECT_EQ(-EINVAL, ident_sign(p256, "x", 1, sig));
	EVP_PKEY_free(p256);
	EVP_PKEY_free(acct);
	EVP_PKEY_free(dev);
}

TEST(key_file_modes)
{
	char dir[] = "/tmp/tern-ident-test.XXXXXX", path[PATH_MAX];
	uint8_t a[IDENT_KEY_LEN], b[IDENT_KEY_LEN];
	char err[ERRLEN];
	struct stat st;
	EVP_PKEY *k;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/device.key", dir);

	/* Missing, and not to be created. */
	EXPECT_EQ(NULL, ident_load_or_create(path, false, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, path)) TH_LOG("%s", err);

	/* Created 0600, even under a lax umask; no temporary left. */
	umask(022);
	k = ident_load_or_create(path, true, err, sizeof(err));
	ASSERT_NE(NULL, k) TH_LOG("%s", err);
	ASSERT_EQ(0, ident_pub(k, a));
	EVP_PKEY_free(k);
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(0, run("test $(ls -A %s | wc -l) -eq 1", dir));

	/* Loaded again: the same key. */
	k = ident_load_or_create(path, true, err, sizeof(err));
	ASSERT_NE(NULL, k) TH_LOG("%s", err);
	ASSERT_EQ(0, ident_pub(k, b));
	EXPECT_EQ(0, memcmp(a, b, sizeof(a)));
	EVP_PKEY_free(k);

	/* PEM PKCS#8, as openssl reads it. */
	EXPECT_EQ(0, run("grep -q 'BEGIN PRIVATE KEY' %s && "
			 "openssl pkey -in %s -noout 2>/dev/null", path, path));

	/* Readable by others: refused, saying why. */
	ASSERT_EQ(0, chmod(path, 0644));
	EXPECT_EQ(NULL, ident_load_or_create(path, true, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "0644")) TH_LOG("%s", err);
	EXPECT_NE(NULL, strstr(err, "group or others")) TH_LOG("%s", err);
	ASSERT_EQ(0, chmod(path, 0640));
	EXPECT_EQ(NULL, ident_load_or_create(path, false, err, sizeof(err)));

	/* Another kind of key, or not a key at all. */
	ASSERT_EQ(0, run("openssl genpkey -algorithm EC -pkeyopt "
			 "ec_paramgen_curve:P-256 -out %s 2>/dev/null && "
			 "chmod 600 %s", path, path));
	EXPECT_EQ(NULL, ident_load_or_create(path, true, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "not an Ed25519")) TH_LOG("%s", err);
	ASSERT_EQ(0, run("echo junk > %s && chmod 600 %s", path, path));
	EXPECT_EQ(NULL, ident_load_or_create(path, true, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "no unencrypted PEM")) TH_LOG("%s", err);

	/* A directory that cannot be written. */
	snprintf(path, sizeof(path), "%s/nodir/device.key", dir);
	EXPECT_EQ(NULL, ident_load_or_create(path, true, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "nodir")) TH_LOG("%s", err);

	EXPECT_EQ(0, ERR_peek_error());
	run("rm -rf %s", dir);
}

/* --- Hex ------------------------------------------------------------------ */

TEST(hex_round_trip_and_strict)
{
	uint8_t in[256], out[256];
	char s[HEX_LEN(256)];
	size_t i;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)i;
	hex_encode(in, sizeof(in), s);
	EXPECT_EQ(512, strlen(s));
	EXPECT_EQ(0, strncmp(s, "000102", 6));
	EXPECT_STREQ("fdfeff", s + 506);
	ASSERT_EQ(0, hex_decode(s, out, sizeof(out)));
	EXPECT_EQ(0, memcmp(in, out, sizeof(in)));

	hex_encode(in, 0, s);
	EXPECT_STREQ("", s);
	EXPECT_EQ(0, hex_decode("", out, 0));

	EXPECT_EQ(0, hex_decode("DEADbeef", out, 4));
	EXPECT_EQ(0xde, out[0]);
	EXPECT_EQ(0xef, out[3]);

	EXPECT_EQ(-EINVAL, hex_decode("deadbee", out, 4));	/* short */
	EXPECT_EQ(-EINVAL, hex_decode("deadbeef00", out, 4));	/* long */
	EXPECT_EQ(-EINVAL, hex_decode("deadbeeg", out, 4));
	EXPECT_EQ(-EINVAL, hex_decode("dead beef", out, 4));
	EXPECT_EQ(-EINVAL, hex_decode(" deadbee", out, 4));
	EXPECT_EQ(-EINVAL, hex_decode("0xdeadbe", out, 4));
	EXPECT_EQ(-EINVAL, hex_decode("deadbee\n", out, 4));
	EXPECT_EQ(-EINVAL, hex_decode("", out, 1));
}

TEST_HARNESS_MAIN
