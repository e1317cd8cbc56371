/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The two ways frames reach the reader: through tern.ko and netlink
 * (path_tern.c), or read by the reader's own epoll loop (path_epoll.c).
 */
#ifndef TERN_BENCH_PATH_H
#define TERN_BENCH_PATH_H

#include <stdbool.h>

#include "reader.h"

struct bench_path {
	const char *name;
	const char *batch_unit;		/* what reader->batches counts */
	/* Take over the server ends of the pairs, one per connection (the
	 * path may close them and set them to -1).
	 */
	int (*setup)(struct bench_reader *r, int *server, bool tls);
	/* Handle what is ready, waiting at most @timeout_ms for something.
	 * Errors go to bench_rx_fail(); a negative return ends the run.
	 */
	int (*poll)(struct bench_reader *r, int timeout_ms);
	/* Release everything; the path's connections are gone on return. */
	void (*teardown)(struct bench_reader *r);
};

extern const struct bench_path bench_path_tern;
extern const struct bench_path bench_path_epoll;

#endif /* TERN_BENCH_PATH_H */
