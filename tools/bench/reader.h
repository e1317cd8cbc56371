/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The reader's bookkeeping, shared by both paths: every frame delivered goes
 * through bench_rx_frame(), which checks it against the connection's next
 * sequence number and counts it; delivery latency of sparse frames inside
 * the measurement window goes into a histogram.
 */
#ifndef TERN_BENCH_READER_H
#define TERN_BENCH_READER_H

#include <stdbool.h>
#include <stdint.h>

#include "bench.h"

/* Log-linear histogram of nanoseconds: 8 buckets per power of two. */
#define BENCH_HIST_SUB		8
#define BENCH_HIST_BUCKETS	(64 * BENCH_HIST_SUB)

struct bench_hist {
	uint64_t n;
	uint64_t max;
	uint64_t b[BENCH_HIST_BUCKETS];
};

void bench_hist_add(struct bench_hist *h, uint64_t v);
/* The value below which a fraction @q of the samples lie (bucket middle). */
double bench_hist_quantile(const struct bench_hist *h, double q);

struct bench_errors {
	uint64_t hdr, conn, seq, data;	/* enum bench_check, per kind */
	uint64_t transport;		/* the path failed: see first */
	char first[200];		/* the first error of any kind */
};

struct bench_reader {
	const struct bench_opts *o;
	unsigned int nconns;
	uint64_t *next_seq;		/* per conn: the payload seq expected */
	uint64_t *received;		/* per conn */
	uint64_t frames, sparse_frames, heavy_frames;
	/* Work counters, path-specific meaning, reported per window. */
	uint64_t wakeups;		/* waits that returned something */
	uint64_t batches;		/* notifications / read() calls */
	uint64_t requests;		/* tern: ack requests */
	uint64_t request_ns;		/* tern: wall time inside them */
	uint64_t request_cpu_ns;	/* tern: CPU time inside them */
	uint64_t request_vcsw;		/* ... voluntary context switches */
	uint64_t request_ivcsw;		/* ... involuntary ones */
	bool measuring;			/* in the window: sample latency */
	bool closing;			/* EOF and conn-down are expected */
	struct bench_hist lat;		/* sparse frames, send to delivery */
	struct bench_errors err;
	void *priv;			/* the path's state */
};

int bench_reader_init(struct bench_reader *r, const struct bench_opts *o);
void bench_reader_free(struct bench_reader *r);

/* A frame of connection @idx reached the reader. */
void bench_rx_frame(struct bench_reader *r, unsigned int idx, uint8_t type,
		    uint16_t flags, const void *data, uint32_t len);

/* The path itself failed (a syscall, a netlink error, a connection that
 * went down): the run cannot be trusted.
 */
void bench_rx_fail(struct bench_reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

uint64_t bench_rx_errors(const struct bench_reader *r);

#endif /* TERN_BENCH_READER_H */
