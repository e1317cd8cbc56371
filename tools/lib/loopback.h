/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loopback TCP pairs and kTLS with fixed keys (as the kernel's own tls
 * selftest does), shared by the test suites, tern-bench and tern-demo.
 */
#ifndef TERN_LOOPBACK_H
#define TERN_LOOPBACK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

/* A connected pair over loopback: fds[0] connected, fds[1] accepted.
 * @family is AF_INET (127.0.0.1) or AF_INET6 (::1). Returns 0 or -errno.
 */
int tcp_pair(int family, int fds[2]);

/* Install kTLS (TLS 1.3, AES-GCM-128, fixed key) in both directions. Both
 * ends of a pair get the same key material, so they can talk to each other.
 * Returns 0 or -errno.
 */
int ktls_install(int fd);

/* tcp_pair() then ktls_install() on both ends. */
int ktls_pair(int family, int fds[2]);

/* Send one TLS record of @type (e.g. 21 alert, 22 handshake) on a kTLS
 * socket, with the given content. Returns bytes sent or -errno.
 */
ssize_t ktls_send_record(int fd, uint8_t type, const void *buf, size_t len);

/* Milliseconds on CLOCK_MONOTONIC. */
uint64_t now_ms(void);

#endif /* TERN_LOOPBACK_H */
