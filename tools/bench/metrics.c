// SPDX-License-Identifier: GPL-2.0
/*
 * Figures from window samples (see metrics.h).
 */
#include <math.h>
#include <string.h>

#include "metrics.h"

static double per(double v, double n)
{
	return n > 0 ? v / n : NAN;
}

void bench_metrics_of(const struct bench_result *res, struct bench_metrics *m)
{
	const struct bench_sample *a = &res->s0, *b = &res->s1;
	double busy, gen, f, ticked, all;

	memset(m, 0, sizeof(*m));
	m->window_s = (b->t_ns - a->t_ns) / 1e9;
	m->frames = b->frames - a->frames;
	f = (double)m->frames;
	m->frames_per_s = per(f, m->window_s);
	m->sparse_per_s = per((double)(b->sparse - a->sparse), m->window_s);
	m->heavy_per_s = per((double)(b->heavy - a->heavy), m->window_s);

	busy = (double)bench_busy_ns(a, b);
	gen = (double)(b->gen_ns - a->gen_ns);
	m->cpu_ns_per_frame = per(busy - gen, f);
	m->reader_cpu_ns_per_frame = per((double)(b->reader_ns - a->reader_ns),
					 f);
	m->reader_sys_ns_per_frame = per((double)(b->reader_sys_ns -
					  a->reader_sys_ns), f);
	m->kworker_ns_per_frame = per((double)(b->kworker_hi_ns -
					       a->kworker_hi_ns), f);
	m->ksoftirqd_ns_per_frame = per((double)(b->ksoftirqd_ns -
						 a->ksoftirqd_ns), f);
	m->gen_ns_per_frame = per(gen, f);
	ticked = (double)(bench_cpu_ticked(&b->cpu) -
			  bench_cpu_ticked(&a->cpu));
	m->user_share = per((double)(b->cpu.user + b->cpu.nice -
				     a->cpu.user - a->cpu.nice), ticked);
	m->system_share = per((double)(b->cpu.system - a->cpu.system), ticked);
	m->softirq_share = per((double)(b->cpu.softirq - a->cpu.softirq),
			       ticked);
	m->irq_share = per((double)(b->cpu.irq - a->cpu.irq), ticked);
	all = (double)(b->t_ns - a->t_ns) * b->cpu.ncpus;
	m->tick_coverage = per(ticked + (double)(b->cpu.idle + b->cpu.iowait -
						 a->cpu.idle - a->cpu.iowait),
			       all);
	m->busy_cpus = per(busy / 1e9, m->window_s);
	m->gen_cpus = per(gen / 1e9, m->window_s);
	m->ctxt_per_frame = per((double)(b->cpu.ctxt - a->cpu.ctxt), f);
	m->frames_per_wakeup = per(f, (double)(b->wakeups - a->wakeups));
	m->frames_per_batch = per(f, (double)(b->batches - a->batches));
	m->frames_per_request = per(f, (double)(b->requests - a->requests));
	m->request_share = per((double)(b->request_ns - a->request_ns) / 1e9,
			       m->window_s);
	m->request_us = per((double)(b->request_ns - a->request_ns) / 1e3,
			    (double)(b->requests - a->requests));
	m->request_cpu_us = per((double)(b->request_cpu_ns -
					 a->request_cpu_ns) / 1e3,
				(double)(b->requests - a->requests));
	m->request_vcsw = per((double)(b->request_vcsw - a->request_vcsw),
			      (double)(b->requests - a->requests));
	m->request_ivcsw = per((double)(b->request_ivcsw - a->request_ivcsw),
			       (double)(b->requests - a->requests));

	m->lat_p50_us = bench_hist_quantile(&res->lat, 0.50) / 1e3;
	m->lat_p90_us = bench_hist_quantile(&res->lat, 0.90) / 1e3;
	m->lat_p99_us = bench_hist_quantile(&res->lat, 0.99) / 1e3;
	m->lat_max_us = res->lat.max / 1e3;
}
