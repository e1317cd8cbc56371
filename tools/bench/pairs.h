/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loopback TCP pairs for the benchmark, plain or with kTLS installed with
 * fixed keys (as tests/kmod/common.c and the kernel's tls selftest do).
 */
#ifndef TERN_BENCH_PAIRS_H
#define TERN_BENCH_PAIRS_H

#include <stdbool.h>

/* Make @n connected pairs over 127.0.0.1: client[i] connected, server[i]
 * accepted. With @tls, kTLS runs in both directions on both ends. Returns
 * 0, or -errno with nothing left open.
 */
int bench_pairs_make(unsigned int n, bool tls, int *client, int *server);

/* Close @n fds, skipping negative ones, and mark them closed (-1). */
void bench_close_all(int *fds, unsigned int n);

/*
 * Make one pair of each kind, pass a byte both ways and close it, then let
 * the system settle for a second. The first connections flip static keys
 * (net_get_random_once() and the like), and the kernel patches its code to
 * do so; under QEMU TCG a vCPU running code while it is patched can take a
 * stray int3 and oops, so that patching is best done while little else
 * runs. Returns 0 or -errno.
 */
int bench_pairs_prime(bool tls);

/* Raise RLIMIT_NOFILE (soft and, as root, hard) to at least @want. */
int bench_raise_nofile(unsigned int want);

#endif /* TERN_BENCH_PAIRS_H */
