/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The figures derived from a run's window samples.
 *
 * cpu_ns_per_frame is the headline cost: system-wide busy time over the
 * window (every CPU, every context: the reader, tern.ko's kworkers,
 * softirq) minus the generator's own CPU time, per frame delivered.
 */
#ifndef TERN_BENCH_METRICS_H
#define TERN_BENCH_METRICS_H

#include <stdint.h>

#include "run.h"

struct bench_metrics {
	double window_s;
	uint64_t frames;
	double frames_per_s, sparse_per_s, heavy_per_s;
	double cpu_ns_per_frame;	/* system busy - generator */
	double reader_cpu_ns_per_frame;
	double reader_sys_ns_per_frame;	/* the kernel part of it */
	double kworker_ns_per_frame;	/* highpri kworkers */
	double ksoftirqd_ns_per_frame;
	double gen_ns_per_frame;
	/* How the tick split busy time, system-wide, generator included. */
	double user_share, system_share, softirq_share, irq_share;
	/* Share of elapsed CPU time the tick accounted for at all. */
	double tick_coverage;
	double busy_cpus;		/* average CPUs busy */
	double gen_cpus;		/* ... of which the generator */
	double ctxt_per_frame;
	double frames_per_wakeup, frames_per_batch, frames_per_request;
	double request_share;		/* of the window, inside ack requests */
	double request_us;		/* per ack request, wall */
	double request_cpu_us;		/* ... and on the reader's CPU */
	double request_vcsw, request_ivcsw;	/* ... context switches */
	double lat_p50_us, lat_p90_us, lat_p99_us, lat_max_us;
};

void bench_metrics_of(const struct bench_result *res, struct bench_metrics *m);

#endif /* TERN_BENCH_METRICS_H */
