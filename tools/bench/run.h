/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One run of one path: make the pairs, start the generator, warm up,
 * measure for the window, stop the generator and check that every frame it
 * wrote arrived, in order, intact.
 */
#ifndef TERN_BENCH_RUN_H
#define TERN_BENCH_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "measure.h"
#include "path.h"
#include "reader.h"

struct bench_result {
	const struct bench_path *path;
	bool tls;
	unsigned int round;
	bool ok;			/* every check passed */
	double setup_s;			/* pairs and path setup */
	struct bench_sample s0, s1;	/* the window's edges */
	struct bench_hist lat;		/* sparse frames, in the window */
	struct bench_errors err;
	uint64_t sent, received;	/* whole run */
	uint64_t gen_sparse_frames;
	uint64_t gen_sparse_late;
	uint64_t gen_late_max_ns;
	char gen_error[160];
};

/* Returns 0 when the run completed (see res->ok for its checks), or a
 * negative errno when it could not be carried out at all.
 */
int bench_run_path(const struct bench_opts *o, const struct bench_path *p,
		   bool tls, unsigned int round, struct bench_result *res);

#endif /* TERN_BENCH_RUN_H */
