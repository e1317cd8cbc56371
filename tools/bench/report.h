/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The benchmark's results: a JSON report and a summary for people.
 *
 * Each path's headline figures are medians over its rounds. Ratios are
 * tern/epoll; "efficiency" ratios are frames per CPU-second, tern over
 * epoll (epoll's ns per frame over tern's), so that for every ratio
 * reported against the target, 1.0 or more means tern.ko does at least as
 * well as the userspace loop.
 */
#ifndef TERN_BENCH_REPORT_H
#define TERN_BENCH_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "run.h"

#define BENCH_TARGET_RATIO	1.0

/* Headline figures of one path in one scenario. */
struct bench_headline {
	unsigned int rounds;
	bool ok;
	double frames_per_s;
	double cpu_ns_per_frame;
	double reader_cpu_ns_per_frame;
};

/* Medians over the results of @path with @tls; rounds is 0 if none. */
void bench_headline_of(const struct bench_result *res, unsigned int nres,
		       const struct bench_path *path, bool tls,
		       struct bench_headline *h);

int bench_report_json(const struct bench_opts *o,
		      const struct bench_result *res, unsigned int nres,
		      const char *path);
void bench_report_summary(FILE *f, const struct bench_opts *o,
			  const struct bench_result *res, unsigned int nres);

#endif /* TERN_BENCH_REPORT_H */
