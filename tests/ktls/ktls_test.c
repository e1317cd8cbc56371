// SPDX-License-Identifier: GPL-2.0
/*
 * Runs in the VM: kTLS installed by ktls_install_from_ssl()
 * (daemon/common/ktls.h) from real OpenSSL TLS 1.3 sessions, for each of
 * the three cipher suites. A handshake over loopback TCP between
 * tls_server_ctx() and tls_client_ctx(), then the kernel takes over one
 * side (talking to OpenSSL on the other) or both, and data goes both
 * ways, in messages of one to several records. Also: a KeyUpdate from the
 * OpenSSL side ends the kernel side's reads instead of yielding garbage,
 * and a session with data OpenSSL already buffered is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <linux/tls.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "ktls.h"
#include "loopback.h"
#include "tls.h"
#include "kselftest_harness.h"

#ifndef SOL_TLS
#define SOL_TLS		282
#endif
#ifndef TCP_ULP
#define TCP_ULP		31
#endif

#define ERRLEN		512
#define RECORD_DATA	23

/* --- A self-signed certificate for 127.0.0.1, made in-process ------------- */

static int write_pem(const char *path, EVP_PKEY *k, X509 *x)
{
	FILE *f;
	int ok;

	f = fopen(path, "w");
	if (!f)
		return -1;
	ok = k ? PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) :
		 PEM_write_X509(f, x);
	return fclose(f) == 0 && ok ? 0 : -1;
}

/*
 * dir/key.pem and dir/cert.pem: an Ed25519 certificate for DNS:localhost
 * and IP:127.0.0.1, its own issuer, so that it is also the client's pin.
 */
static int make_cert(const char *dir)
{
	char path[PATH_MAX];
	X509_EXTENSION *ext = NULL;
	X509_NAME *name;
	X509V3_CTX v3;
	EVP_PKEY *k;
	X509 *x;
	int ret = -1;

	k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	x = X509_new();
	if (!k || !x)
		goto out;
	name = X509_get_subject_name(x);
	if (!X509_set_version(x, X509_VERSION_3) ||
	    !ASN1_INTEGER_set(X509_get_serialNumber(x), 1) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), 86400) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					(const unsigned char *)"localhost",
					-1, -1, 0) ||
	    !X509_set_issuer_name(x, name) || !X509_set_pubkey(x, k))
		goto out;
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name,
				  "DNS:localhost,IP:127.0.0.1");
	if (!ext || !X509_add_ext(x, ext, -1) || !X509_sign(x, k, NULL))
		goto out;
	snprintf(path, sizeof(path), "%s/key.pem", dir);
	if (write_pem(path, k, NULL) || chmod(path, 0600))
		goto out;
	snprintf(path, sizeof(path), "%s/cert.pem", dir);
	ret = write_pem(path, NULL, x);
out:
	X509_EXTENSION_free(ext);
	X509_free(x);
	EVP_PKEY_free(k);
	return ret;
}

/* --- Handshake ------------------------------------------------------------ */

static int set_blocking(int fd, int blocking)
{
	struct timeval tv = { .tv_sec = 10 };
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -1;
	fl = blocking ? fl & ~O_NONBLOCK : fl | O_NONBLOCK;
	if (fcntl(fd, F_SETFL, fl))
		return -1;
	/* A read or write that would hang fails with EAGAIN instead. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)))
		return -1;
	return 0;
}

/* 1 done, 0 blocked, -1 failed (err says why). */
static int step(SSL *ssl, char *err)
{
	int r = SSL_do_handshake(ssl), e;

	if (r == 1)
		return 1;
	e = SSL_get_error(ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return 0;
	tls_handshake_error(ssl, r, err, ERRLEN);
	return -1;
}

/*
 * Runs the handshake. With early, the client writes it the moment its side
 * is done, before the server has read the client's Finished: the two
 * records then reach the server together, as a device's HELLO may.
 */
static int handshake(SSL *c, SSL *s, const char *early, char *err)
{
	int cs = 0, ss = 0, i;

	for (i = 0; i < 1000 && (cs == 0 || ss == 0); i++) {
		if (cs == 0) {
			cs = step(c, err);
			if (cs == 1 && early &&
			    SSL_write(c, early, (int)strlen(early)) !=
			    (int)strlen(early)) {
				snprintf(err, ERRLEN, "early write failed");
				return -1;
			}
			/* Let it reach the server's socket first. */
			if (cs == 1 && early)
				usleep(50000);
		}
		if (ss == 0)
			ss = step(s, err);
		if (cs < 0 || ss < 0)
			return -1;
		if (cs == 0 || ss == 0)
			usleep(1000);
	}
	return cs == 1 && ss == 1 ? 0 : -1;
}

/* A client and a server session over a loopback TCP pair. */
struct session {
	SSL *c, *s;
	int fd[2];		/* client, server */
};

static void session_close(struct session *ss)
{
	SSL_free(ss->c);
	SSL_free(ss->s);
	if (ss->fd[0] >= 0)
		close(ss->fd[0]);
	if (ss->fd[1] >= 0)
		close(ss->fd[1]);
	ss->c = ss->s = NULL;
	ss->fd[0] = ss->fd[1] = -1;
}

/* Connects and handshakes; the sockets end up blocking (with timeouts). */
static int session_open(struct session *ss, SSL_CTX *cctx, SSL_CTX *sctx,
			const char *early, char *err)
{
	ss->c = ss->s = NULL;
	ss->fd[0] = ss->fd[1] = -1;
	if (tcp_pair(AF_INET, ss->fd)) {
		snprintf(err, ERRLEN, "no loopback TCP pair: %s",
			 strerror(errno));
		return -1;
	}
	ss->c = SSL_new(cctx);
	ss->s = SSL_new(sctx);
	if (set_blocking(ss->fd[0], 0) || set_blocking(ss->fd[1], 0) ||
	    !ss->c || !ss->s || !SSL_set_fd(ss->c, ss->fd[0]) ||
	    !SSL_set_fd(ss->s, ss->fd[1])) {
		snprintf(err, ERRLEN, "cannot set up the sessions");
		return -1;
	}
	SSL_set_connect_state(ss->c);
	SSL_set_accept_state(ss->s);
	if (tls_client_prepare(ss->c, "127.0.0.1", err, ERRLEN) ||
	    handshake(ss->c, ss->s, early, err))
		return -1;
	if (tls_check_alpn(ss->c)) {
		snprintf(err, ERRLEN, "no ALPN tern/1");
		return -1;
	}
	if (set_blocking(ss->fd[0], 1) || set_blocking(ss->fd[1], 1)) {
		snprintf(err, ERRLEN, "cannot make the sockets blocking");
		return -1;
	}
	return 0;
}

/* --- Data ----------------------------------------------------------------- */

/* One end of the connection: OpenSSL (ssl) or the kernel (fd). */
struct end {
	SSL *ssl;
	int fd;
};

static int send_all(struct end *e, const uint8_t *buf, size_t n)
{
	size_t done = 0;
	ssize_t r;

	while (done < n) {
		if (e->ssl) {
			r = SSL_write(e->ssl, buf + done, (int)(n - done));
			if (r <= 0)
				return -1;
		} else {
			r = write(e->fd, buf + done, n - done);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				return -1;
		}
		done += (size_t)r;
	}
	return 0;
}

static int recv_all(struct end *e, uint8_t *buf, size_t n)
{
	size_t done = 0;
	ssize_t r;

	while (done < n) {
		if (e->ssl) {
			r = SSL_read(e->ssl, buf + done, (int)(n - done));
			if (r <= 0)
				return -1;
		} else {
			r = read(e->fd, buf + done, n - done);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				return -1;
		}
		done += (size_t)r;
	}
	return 0;
}

static void pattern(uint8_t *buf, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 8));
}

/* Message sizes: within one record, at record boundaries, many records. */
static const size_t sizes[] = { 1, 100, 4096, 16384, 16385, 40960, 7 };
#define MAX_MSG		40960

/* Every size from a to b, each checked; returns 0 or the failing size. */
static long exchange(struct end *a, struct end *b, unsigned int seed)
{
	static uint8_t out[MAX_MSG], in[MAX_MSG];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		pattern(out, sizes[i], seed + (unsigned int)i);
		memset(in, 0, sizes[i]);
		if (send_all(a, out, sizes[i]) || recv_all(b, in, sizes[i]) ||
		    memcmp(in, out, sizes[i])) {
			fprintf(stderr, "# message of %zu bytes: %s\n",
				sizes[i], strerror(errno));
			return (long)sizes[i];
		}
	}
	return 0;
}

/* The socket's upper-layer protocol, "" if none. */
static void ulp_of(int fd, char *buf, socklen_t len)
{
	memset(buf, 0, len);
	if (getsockopt(fd, SOL_TCP, TCP_ULP, buf, &len))
		buf[0] = '\0';
}

/* --- Fixture: one handshaken session per cipher suite --------------------- */

FIXTURE(ktls) {
	char dir[64];
	SSL_CTX *sctx, *cctx;
	SSL *c, *s;
	int fd[2];		/* client, server */
	struct session ss;
	struct session extra;	/* a test's own second session */
	char err[ERRLEN];
};

FIXTURE_VARIANT(ktls) {
	const char *suite;
	uint16_t id;
};

FIXTURE_VARIANT_ADD(ktls, aes_128_gcm) {
	.suite = "TLS_AES_128_GCM_SHA256",
	.id = 0x1301,
};

FIXTURE_VARIANT_ADD(ktls, aes_256_gcm) {
	.suite = "TLS_AES_256_GCM_SHA384",
	.id = 0x1302,
};

FIXTURE_VARIANT_ADD(ktls, chacha20_poly1305) {
	.suite = "TLS_CHACHA20_POLY1305_SHA256",
	.id = 0x1303,
};

FIXTURE_SETUP(ktls)
{
	char crt[128], key[128];

	self->ss.fd[0] = self->ss.fd[1] = -1;
	self->extra.fd[0] = self->extra.fd[1] = -1;
	snprintf(self->dir, sizeof(self->dir), "/tmp/tern-ktls.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	ASSERT_EQ(0, make_cert(self->dir)) {
		ERR_print_errors_fp(stderr);
	}
	snprintf(crt, sizeof(crt), "%s/cert.pem", self->dir);
	snprintf(key, sizeof(key), "%s/key.pem", self->dir);

	self->sctx = tls_server_ctx(crt, key, self->err, ERRLEN);
	ASSERT_NE(NULL, self->sctx) TH_LOG("%s", self->err);
	self->cctx = tls_client_ctx(crt, self->err, ERRLEN);
	ASSERT_NE(NULL, self->cctx) TH_LOG("%s", self->err);
	/* Only this variant's suite, on both ends. */
	ASSERT_EQ(1, SSL_CTX_set_ciphersuites(self->sctx, variant->suite));
	ASSERT_EQ(1, SSL_CTX_set_ciphersuites(self->cctx, variant->suite));

	ASSERT_EQ(0, session_open(&self->ss, self->cctx, self->sctx, NULL,
				  self->err)) TH_LOG("%s", self->err);
	self->c = self->ss.c;
	self->s = self->ss.s;
	self->fd[0] = self->ss.fd[0];
	self->fd[1] = self->ss.fd[1];
	ASSERT_EQ(variant->id, SSL_CIPHER_get_protocol_id(
				SSL_get_current_cipher(self->c)));
}

FIXTURE_TEARDOWN(ktls)
{
	char cmd[128];

	/* A test may have freed an SSL already (and set it NULL). */
	self->ss.c = self->c;
	self->ss.s = self->s;
	session_close(&self->ss);
	session_close(&self->extra);
	SSL_CTX_free(self->sctx);
	SSL_CTX_free(self->cctx);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", self->dir);
	if (self->dir[0] && system(cmd))
		TH_LOG("cannot remove %s", self->dir);
}

/*
 * Hand one side to the kernel. A kernel with kTLS but without the
 * ChaCha20-Poly1305 cipher (the chacha20poly1305 module) skips the test,
 * saying so.
 */
#define INSTALL(ssl, fd) do {						\
	int __r = ktls_install_from_ssl(ssl, fd, self->err, ERRLEN);	\
	if (__r == -ENOENT && variant->id == 0x1303 &&			\
	    ktls_supported() == 0)					\
		SKIP(return, "%s",					\
		     "no ChaCha20-Poly1305 in this kernel (modules "	\
		     "chacha20poly1305, chacha_generic, poly1305_generic)"); \
	ASSERT_EQ(0, __r) TH_LOG("%s", self->err);			\
} while (0)

TEST_F(ktls, kernel_server_openssl_client)
{
	struct end srv = { .fd = self->fd[1] }, cli = { .ssl = self->c };
	static const char early[] = "sent before the kernel took over";
	char buf[sizeof(early)] = "", ulp[16];

	/*
	 * The device writes at once; the gateway hands over afterwards:
	 * the kernel decrypts what was already queued.
	 */
	ASSERT_EQ(0, send_all(&cli, (const uint8_t *)early, sizeof(early)));
	usleep(20000);
	INSTALL(self->s, self->fd[1]);
	ulp_of(self->fd[1], ulp, sizeof(ulp));
	EXPECT_STREQ("tls", ulp);
	ASSERT_EQ(0, recv_all(&srv, (uint8_t *)buf, sizeof(buf)));
	EXPECT_STREQ(early, buf);

	EXPECT_EQ(0, exchange(&srv, &cli, 1));
	EXPECT_EQ(0, exchange(&cli, &srv, 2));
	EXPECT_EQ(0, exchange(&srv, &cli, 3));
}

TEST_F(ktls, kernel_server_takes_data_that_came_with_finished)
{
	static const char hello[] = "HELLO right behind the Finished";
	struct session *ss = &self->extra;
	struct end srv, cli;
	char buf[sizeof(hello) - 1];
	int queued = 0;

	ASSERT_EQ(0, session_open(ss, self->cctx, self->sctx, hello,
				  self->err)) TH_LOG("%s", self->err);
	srv = (struct end){ .fd = ss->fd[1] };
	cli = (struct end){ .ssl = ss->c };
	/* The record waits in the socket, not in OpenSSL. */
	ASSERT_EQ(0, ioctl(ss->fd[1], FIONREAD, &queued));
	EXPECT_LT(0, queued);
	EXPECT_EQ(0, SSL_has_pending(ss->s));
	INSTALL(ss->s, ss->fd[1]);
	EXPECT_EQ(0, recv_all(&srv, (uint8_t *)buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, hello, sizeof(buf)));
	EXPECT_EQ(0, exchange(&srv, &cli, 10));
	EXPECT_EQ(0, exchange(&cli, &srv, 11));
}

TEST_F(ktls, kernel_client_openssl_server)
{
	struct end srv = { .ssl = self->s }, cli = { .fd = self->fd[0] };

	INSTALL(self->c, self->fd[0]);
	/* The daemons free the SSL at once: that must not touch the socket. */
	SSL_free(self->c);
	self->c = NULL;
	EXPECT_EQ(0, exchange(&cli, &srv, 4));
	EXPECT_EQ(0, exchange(&srv, &cli, 5));
	EXPECT_EQ(0, exchange(&cli, &srv, 6));
}

TEST_F(ktls, kernel_both_ends)
{
	struct end srv = { .fd = self->fd[1] }, cli = { .fd = self->fd[0] };

	INSTALL(self->s, self->fd[1]);
	INSTALL(self->c, self->fd[0]);
	SSL_free(self->c);
	SSL_free(self->s);
	self->c = self->s = NULL;
	EXPECT_EQ(0, exchange(&srv, &cli, 7));
	EXPECT_EQ(0, exchange(&cli, &srv, 8));
}

/*
 * Reads one record's worth on a kTLS socket with room for the record type.
 * Returns recvmsg()'s result (-errno on failure); *type is the record
 * type, or -1 if the kernel gave none.
 */
static ssize_t recv_record(int fd, void *buf, size_t len, int *type)
{
	char cbuf[CMSG_SPACE(sizeof(unsigned char))];
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	ssize_t r;

	*type = -1;
	r = recvmsg(fd, &msg, 0);
	if (r < 0)
		return -errno;
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
		if (cm->cmsg_level == SOL_TLS &&
		    cm->cmsg_type == TLS_GET_RECORD_TYPE)
			*type = *(unsigned char *)CMSG_DATA(cm);
	return r;
}

/*
 * After a KeyUpdate, a read gives a non-data record or fails, never the
 * data that follows under the new key and never hangs.
 */
static int refused(ssize_t r, int type)
{
	if (r >= 0)
		return type != -1 && type != RECORD_DATA;
	return r == -EIO || r == -EKEYEXPIRED || r == -EBADMSG;
}

TEST_F(ktls, key_update_ends_kernel_reads)
{
	struct end srv = { .fd = self->fd[1] }, cli = { .ssl = self->c };
	uint8_t buf[256];
	ssize_t r;
	int type, i;

	INSTALL(self->s, self->fd[1]);
	EXPECT_EQ(0, exchange(&cli, &srv, 9));

	ASSERT_EQ(1, SSL_key_update(self->c, SSL_KEY_UPDATE_NOT_REQUESTED));
	ASSERT_EQ(0, send_all(&cli, (const uint8_t *)"after", 5));

	/* The KeyUpdate record itself: a handshake record, or an error. */
	r = recv_record(self->fd[1], buf, sizeof(buf), &type);
	TH_LOG("first read after KeyUpdate: %zd (%s), record type %d", r,
	       r < 0 ? strerror((int)-r) : "data", type);
	EXPECT_TRUE(refused(r, type));
	/* And whatever comes next is never "after" in clear. */
	for (i = 0; i < 3 && r >= 0; i++) {
		r = recv_record(self->fd[1], buf, sizeof(buf), &type);
		TH_LOG("next read: %zd (%s), record type %d", r,
		       r < 0 ? strerror((int)-r) : "data", type);
		EXPECT_TRUE(refused(r, type));
		EXPECT_NE(-EAGAIN, r);
		if (r == 5)
			EXPECT_NE(0, memcmp(buf, "after", 5));
	}
	EXPECT_GT(0, r);
	EXPECT_NE(-EAGAIN, r);
}

TEST_F(ktls, refuses_buffered_data)
{
	char buf[16] = "", ulp[16];
	struct end srv = { .ssl = self->s };

	/* Two records; the client reads ahead and takes one byte. */
	SSL_set_read_ahead(self->c, 1);
	ASSERT_EQ(0, send_all(&srv, (const uint8_t *)"hello", 5));
	ASSERT_EQ(0, send_all(&srv, (const uint8_t *)"world", 5));
	usleep(20000);
	ASSERT_EQ(1, SSL_read(self->c, buf, 1));
	EXPECT_EQ(-EINVAL, ktls_install_from_ssl(self->c, self->fd[0],
						 self->err, ERRLEN));
	EXPECT_NE(NULL, strstr(self->err, "unread")) TH_LOG("%s", self->err);
	TH_LOG("refused: %s", self->err);
	/* The socket was not touched and OpenSSL goes on. */
	ulp_of(self->fd[0], ulp, sizeof(ulp));
	EXPECT_STREQ("", ulp);
	ASSERT_EQ(4, SSL_read(self->c, buf + 1, 4));
	ASSERT_EQ(5, SSL_read(self->c, buf + 5, 5));
	EXPECT_STREQ("helloworld", buf);
	/* Still refused: the record sequence numbers moved. */
	EXPECT_EQ(-EINVAL, ktls_install_from_ssl(self->c, self->fd[0],
						 self->err, ERRLEN));
	EXPECT_NE(NULL, strstr(self->err, "sequence")) TH_LOG("%s", self->err);
}

TEST(ktls_supported_here)
{
	int r = ktls_supported();

	EXPECT_EQ(0, r) TH_LOG("ktls_supported(): %s", strerror(-r));
}

TEST_HARNESS_MAIN
