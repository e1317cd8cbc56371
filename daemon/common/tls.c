// SPDX-License-Identifier: GPL-2.0
/*
 * Per-session TLS helpers (see tls.h): the client's name check, ALPN, the
 * channel-binding exporter and handshake error descriptions.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "sslerr.h"
#include "tls.h"

int tls_client_prepare(SSL *ssl, const char *server_name,
		       char *err, size_t errlen)
{
	char ip[INET6_ADDRSTRLEN + 2];
	unsigned char buf[sizeof(struct in6_addr)];
	X509_VERIFY_PARAM *param = SSL_get0_param(ssl);
	size_t n;

	if (!server_name || !*server_name) {
		sslerr_set(err, errlen, "no gateway name to check");
		return -EINVAL;
	}
	n = strlen(server_name);
	ip[0] = '\0';
	if (server_name[0] == '[' && n >= 2 && n - 2 < sizeof(ip) &&
	    server_name[n - 1] == ']')
		snprintf(ip, sizeof(ip), "%.*s", (int)(n - 2),
			 server_name + 1);
	else if (n < sizeof(ip))
		snprintf(ip, sizeof(ip), "%s", server_name);
	if (inet_pton(AF_INET, ip, buf) == 1 ||
	    inet_pton(AF_INET6, ip, buf) == 1) {
		/* An address: no SNI (RFC 6066), an IP subjectAltName. */
		if (X509_VERIFY_PARAM_set1_ip_asc(param, ip) != 1) {
			sslerr_setq(err, errlen,
				    "cannot check the gateway address %s", ip);
			return -EINVAL;
		}
		return 0;
	}
	if (SSL_set_tlsext_host_name(ssl, server_name) != 1) {
		sslerr_setq(err, errlen, "bad gateway name '%s'", server_name);
		return -EINVAL;
	}
	SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (SSL_set1_host(ssl, server_name) != 1) {
		sslerr_setq(err, errlen, "cannot check the gateway name %s",
			    server_name);
		return -EINVAL;
	}
	return 0;
}

int tls_check_alpn(SSL *ssl)
{
	const unsigned char *p = NULL;
	unsigned int len = 0;

	SSL_get0_alpn_selected(ssl, &p, &len);
	if (len != sizeof(TLS_ALPN) - 1 || memcmp(p, TLS_ALPN, len))
		return -EPROTO;
	return 0;
}

int tls_exporter(SSL *ssl, uint8_t out[TLS_EXPORTER_LEN])
{
	if (SSL_version(ssl) != TLS1_3_VERSION || !SSL_is_init_finished(ssl))
		return -EIO;
	if (SSL_export_keying_material(ssl, out, TLS_EXPORTER_LEN,
				       TLS_EXPORTER_LABEL,
				       sizeof(TLS_EXPORTER_LABEL) - 1,
				       NULL, 0, 0) != 1) {
		ERR_clear_error();
		return -EIO;
	}
	return 0;
}

/* A plain-words reason for the errors a misconfiguration causes. */
static const char *known_reason(int reason)
{
	switch (reason) {
	case SSL_R_NO_APPLICATION_PROTOCOL:
	case SSL_R_TLSV1_ALERT_NO_APPLICATION_PROTOCOL:
		return "no application protocol (the peer does not speak " TLS_ALPN ")";
	case SSL_R_UNSUPPORTED_PROTOCOL:
	case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
	case SSL_R_NO_PROTOCOLS_AVAILABLE:
	case SSL_R_WRONG_SSL_VERSION:
		return "protocol version: TLS 1.3 is required";
	case SSL_R_NO_SHARED_CIPHER:
	case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE:
		return "handshake failure (no shared cipher suite or group)";
	case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
		return "the peer does not trust our certificate (unknown CA)";
	case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
	case SSL_R_TLSV1_ALERT_DECRYPT_ERROR:
		return "the peer refused our certificate";
	case SSL_R_WRONG_VERSION_NUMBER:
	case SSL_R_PACKET_LENGTH_TOO_LONG:
		return "the peer does not speak TLS";
	}
	return NULL;
}

void tls_handshake_error(SSL *ssl, int ret, char *err, size_t errlen)
{
	int saved_errno = errno, kind, reason;
	const char *what = NULL;
	bool verify = false;
	unsigned long e;
	const char *data;
	char queue[512];
	int flags;

	kind = SSL_get_error(ssl, ret);
	switch (kind) {
	case SSL_ERROR_NONE:
		sslerr_set(err, errlen, "no error");
		return;
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		sslerr_set(err, errlen, "handshake not finished");
		ERR_clear_error();
		return;
	case SSL_ERROR_ZERO_RETURN:
		sslerr_set(err, errlen, "the peer closed the TLS session");
		ERR_clear_error();
		return;
	case SSL_ERROR_SYSCALL:
		if (ERR_peek_error())
			break;
		if (saved_errno && ret < 0)
			sslerr_set(err, errlen, "handshake: %s",
				   strerror(saved_errno));
		else
			sslerr_set(err, errlen,
				   "the peer closed the connection during the handshake");
		return;
	}

	/* Look for a reason to say plainly, keeping the queue's text. */
	queue[0] = '\0';
	while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags))) {
		const char *r = ERR_reason_error_string(e);
		size_t used = strlen(queue);

		if (used + 1 < sizeof(queue))
			snprintf(queue + used, sizeof(queue) - used,
				 "%s%s%s%s%s", used ? "; " : ": ",
				 r ? r : "unknown error",
				 (flags & ERR_TXT_STRING) && *data ? " (" : "",
				 (flags & ERR_TXT_STRING) ? data : "",
				 (flags & ERR_TXT_STRING) && *data ? ")" : "");
		if (ERR_GET_LIB(e) != ERR_LIB_SSL)
			continue;
		reason = ERR_GET_REASON(e);
		if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED)
			verify = true;
		else if (!what)
			what = known_reason(reason);
	}
	if (verify)
		sslerr_set(err, errlen, "certificate verify failed: %s",
			   X509_verify_cert_error_string(
				   SSL_get_verify_result(ssl)));
	else if (what)
		sslerr_set(err, errlen, "%s", what);
	else
		sslerr_set(err, errlen, "TLS handshake failed%s", queue);
}
