/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tern-bench: the kernel/user boundary benchmark. Frames written into
 * loopback TCP pairs reach a userspace reader either through tern.ko and
 * netlink or through the reader's own epoll loop; see Documentation/bench.md.
 *
 * Connection indices: 0 .. nheavy-1 are the heavy connections, the rest the
 * sparse ones. The same index names a connection in the generator, in the
 * payload of its frames and in the reader.
 */
#ifndef TERN_BENCH_H
#define TERN_BENCH_H

#include <stdbool.h>
#include <stdint.h>

struct bench_opts {
	unsigned int nsparse;		/* connections at a fixed low rate */
	unsigned int nheavy;		/* connections sending flat out */
	unsigned int interval_ms;	/* frame interval of a sparse connection */
	unsigned int payload;		/* payload bytes per frame */
	unsigned int heavy_batch;	/* frames per write, heavy connections */
	unsigned int read_size;		/* epoll path: bytes per read() */
	unsigned int ack_batch;		/* tern path: notifications per ack */
	unsigned int rcv_window;	/* tern path: conn rcv-window, 0: default */
	unsigned int max_held;		/* tern path: conn max-held, 0: default */
	unsigned int rounds;
	double warmup_s;
	double duration_s;
	double drain_s;			/* how long missing frames are awaited */
	bool scenario_plain;
	bool scenario_tls;
	bool path_tern;
	bool path_epoll;
	const char *json_path;
	bool quiet;
};

static inline unsigned int bench_nconns(const struct bench_opts *o)
{
	return o->nsparse + o->nheavy;
}

static inline bool bench_is_heavy(const struct bench_opts *o,
				  unsigned int idx)
{
	return idx < o->nheavy;
}

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t bench_now_ns(void);

/* Progress on stderr, unless --quiet. */
void bench_log(const struct bench_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* TERN_BENCH_H */
