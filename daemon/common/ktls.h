/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel TLS (Documentation/protocol.rst, "Kernel TLS"): hand an OpenSSL
 * TLS 1.3 session to the kernel. The keys come from the application
 * traffic secrets that tls.c captured, through HKDF-Expand-Label (RFC 8446
 * section 7.3) with OpenSSL's TLS13-KDF; both directions start at record
 * sequence number zero.
 */
#ifndef TERN_KTLS_H
#define TERN_KTLS_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

/*
 * Installs kTLS transmit and receive state on fd, the TCP socket of ssl,
 * from a session made with tls_server_ctx() or tls_client_ctx(). Refuses
 * (-EINVAL, socket untouched) unless: TLS 1.3, the handshake is complete,
 * no ticket or KeyUpdate was exchanged, no record went either way through
 * OpenSSL after the handshake, and OpenSSL and its BIOs hold no unread or
 * unsent bytes. The secrets are wiped from ssl (even on a later failure);
 * then free ssl without SSL_shutdown() and use fd with read()/write().
 * Returns 0, -EINVAL or -ENOKEY (nothing captured) with the socket
 * untouched, or the -errno of a failed setsockopt(): after a failed TLS_TX
 * or TLS_RX the socket is unusable and must be closed. err says which.
 */
int ktls_install_from_ssl(SSL *ssl, int fd, char *err, size_t errlen);

/*
 * Whether the kernel has the "tls" TCP upper-layer protocol: 0 if it can
 * be set on a TCP socket, else -errno (-ENOENT: no tls module). It does
 * not tell whether the kernel has a given cipher.
 */
int ktls_supported(void);

/*
 * HKDF-Expand-Label(secret, label, "", outlen) with hash md (RFC 8446
 * section 7.1), e.g. label "key" or "iv". Returns 0 or -EIO with err set.
 */
int ktls_expand_label(const EVP_MD *md, const uint8_t *secret,
		      size_t secret_len, const char *label,
		      uint8_t *out, size_t outlen, char *err, size_t errlen);

#endif /* TERN_KTLS_H */
