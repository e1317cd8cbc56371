/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Samples taken at the edges of the measurement window: system-wide CPU
 * time from /proc/stat (which includes tern.ko's kworkers and softirq
 * work, wherever they ran), the reader's and the generator's own CPU time,
 * the kernel threads that do deferred work, and the reader's counters.
 */
#ifndef TERN_BENCH_MEASURE_H
#define TERN_BENCH_MEASURE_H

#include <stdbool.h>
#include <stdint.h>

#include "gen.h"
#include "reader.h"

/*
 * The "cpu" line of /proc/stat, in ns, the number of CPUs and the context
 * switch count. With NO_HZ (as on Debian's kernels) idle and iowait are
 * measured with the clock whenever a CPU enters and leaves idle, while the
 * user, system, irq and softirq columns are sampled by the tick. Under QEMU
 * TCG busy vCPUs lose ticks, so the sampled columns fall short: busy time is
 * taken as the time elapsed on every CPU minus idle and iowait, and the
 * sampled columns serve only to split it.
 */
struct bench_cpu {
	uint64_t user, nice, system, idle, iowait, irq, softirq, steal;
	uint64_t ctxt;
	unsigned int ncpus;
};

struct bench_sample {
	uint64_t t_ns;
	struct bench_cpu cpu;
	uint64_t reader_ns;		/* getrusage(RUSAGE_SELF) */
	uint64_t reader_sys_ns;		/* ... of which in the kernel */
	uint64_t gen_ns;		/* the generator's process CPU clock */
	uint64_t kworker_hi_ns;		/* highpri kworkers (tern.ko's queue) */
	uint64_t ksoftirqd_ns;
	uint64_t frames, sparse, heavy;
	uint64_t wakeups, batches, requests;
	uint64_t request_ns, request_cpu_ns, request_vcsw, request_ivcsw;
};

/* @start: the sample opens the window (else it closes it). */
int bench_sample_take(struct bench_sample *s, const struct bench_reader *r,
		      const struct bench_gen *g, bool start);

/* Busy time as the tick sampled it. */
static inline uint64_t bench_cpu_ticked(const struct bench_cpu *c)
{
	return c->user + c->nice + c->system + c->irq + c->softirq + c->steal;
}

/* Busy ns of all CPUs between samples @a and @b: elapsed minus idle. */
uint64_t bench_busy_ns(const struct bench_sample *a,
		       const struct bench_sample *b);

#endif /* TERN_BENCH_MEASURE_H */
