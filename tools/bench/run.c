// SPDX-License-Identifier: GPL-2.0
/*
 * One run of one path (see run.h).
 *
 * The reader process (this one) drives everything from its loop: it polls
 * the path with a short timeout and moves through the phases by the clock.
 * The generator is a child process, so the reader's getrusage() and the
 * generator's CPU clock separate the two.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "pairs.h"
#include "run.h"

#define RUN_POLL_MS	20

enum run_phase { RUN_WARMUP, RUN_MEASURE, RUN_STOPPING, RUN_DRAIN };

static uint64_t run_s_to_ns(double s)
{
	return (uint64_t)(s * 1e9);
}

static uint64_t run_sum(const uint64_t *v, unsigned int n)
{
	uint64_t sum = 0;

	for (unsigned int i = 0; i < n; i++)
		sum += v[i];
	return sum;
}

/* After the drain: every connection got exactly what was written to it. */
static void run_check_counts(struct bench_reader *r, const uint64_t *sent)
{
	for (unsigned int i = 0; i < r->nconns; i++) {
		if (r->received[i] == sent[i])
			continue;
		bench_rx_fail(r, "connection %u: %llu frames written, %llu delivered",
			      i, (unsigned long long)sent[i],
			      (unsigned long long)r->received[i]);
	}
}

/* The reader's loop, from the generator's start to the end of the drain. */
static int run_loop(const struct bench_opts *o, const struct bench_path *p,
		    struct bench_reader *r, struct bench_gen *g,
		    struct bench_result *res)
{
	enum run_phase phase = RUN_WARMUP;
	uint64_t t0 = bench_now_ns(), now, deadline = 0, want = 0;
	int err;

	err = bench_gen_start(g);
	if (err)
		return err;
	for (;;) {
		if (p->poll(r, RUN_POLL_MS) < 0 || r->err.transport)
			return -EIO;
		now = bench_now_ns();
		switch (phase) {
		case RUN_WARMUP:
			if (now < t0 + run_s_to_ns(o->warmup_s))
				break;
			err = bench_sample_take(&res->s0, r, g, true);
			if (err)
				return err;
			r->measuring = true;
			phase = RUN_MEASURE;
			break;
		case RUN_MEASURE:
			if (now < res->s0.t_ns + run_s_to_ns(o->duration_s))
				break;
			err = bench_sample_take(&res->s1, r, g, false);
			if (err)
				return err;
			r->measuring = false;
			err = bench_gen_stop(g);
			if (err)
				return err;
			deadline = now + run_s_to_ns(o->drain_s);
			phase = RUN_STOPPING;
			break;
		case RUN_STOPPING:
			if (!bench_gen_done(g))
				break;
			want = run_sum(g->sh->sent, r->nconns);
			phase = RUN_DRAIN;
			/* fall through */
		case RUN_DRAIN:
			if (r->frames >= want)
				return 0;
			break;
		}
		if (deadline && now > deadline) {
			bench_rx_fail(r, "%s: %llu of %llu frames delivered %.0f s after the generator stopped",
				      p->name, (unsigned long long)r->frames,
				      (unsigned long long)want, o->drain_s);
			return -ETIMEDOUT;
		}
	}
}

static void run_collect(struct bench_result *res, struct bench_reader *r,
			struct bench_gen *g)
{
	struct bench_gen_shared *sh = g->sh;

	res->sent = run_sum(sh->sent, r->nconns);
	res->received = r->frames;
	res->gen_sparse_frames = sh->sparse_frames;
	res->gen_sparse_late = sh->sparse_late;
	res->gen_late_max_ns = sh->sparse_late_max_ns;
	if (atomic_load(&sh->failed)) {
		snprintf(res->gen_error, sizeof(res->gen_error), "%s",
			 sh->error);
		bench_rx_fail(r, "generator: %s", sh->error);
	}
}

int bench_run_path(const struct bench_opts *o, const struct bench_path *p,
		   bool tls, unsigned int round, struct bench_result *res)
{
	unsigned int n = bench_nconns(o);
	int *client = calloc(n, sizeof(int)), *server = calloc(n, sizeof(int));
	struct bench_gen g = { .pid = -1, .cmd_fd = -1 };
	struct bench_reader r;
	uint64_t t0 = bench_now_ns();
	int err;

	memset(res, 0, sizeof(*res));
	res->path = p;
	res->tls = tls;
	res->round = round;
	err = bench_reader_init(&r, o);
	if (err || !client || !server) {
		free(client);
		free(server);
		return err ? err : -ENOMEM;
	}

	bench_log(o, "%s/%s: %u loopback pairs", tls ? "ktls" : "plain",
		  p->name, n);
	err = bench_pairs_make(n, tls, client, server);
	if (err) {
		fprintf(stderr, "tern-bench: making %u TCP%s pairs: %s\n", n,
			tls ? " + kTLS" : "", strerror(-err));
		goto out;
	}
	err = bench_gen_spawn(&g, o, client, server, n);
	bench_close_all(client, n);
	if (err) {
		fprintf(stderr, "tern-bench: starting the generator: %s\n",
			strerror(-err));
		goto out;
	}
	err = p->setup(&r, server, tls);
	if (err) {
		if (!r.err.first[0])
			fprintf(stderr, "tern-bench: %s setup: %s\n", p->name,
				strerror(-err));
		goto out_gen;
	}
	res->setup_s = (bench_now_ns() - t0) / 1e9;
	bench_log(o, "%s/%s: set up in %.1f s; %.0f s warm-up, %.0f s window",
		  tls ? "ktls" : "plain", p->name, res->setup_s, o->warmup_s,
		  o->duration_s);

	err = run_loop(o, p, &r, &g, res);
	if (!err)
		run_check_counts(&r, g.sh->sent);
	r.closing = true;
	p->teardown(&r);
out_gen:
	if (bench_gen_reap(&g) && !err && !r.err.transport)
		bench_rx_fail(&r, "the generator failed");
	if (g.sh)
		run_collect(res, &r, &g);
	bench_gen_free(&g);
	if (err == -EIO || err == -ETIMEDOUT)
		err = 0;	/* the run happened; its checks failed */
	res->lat = r.lat;
	res->err = r.err;
	res->ok = !err && !bench_rx_errors(&r) && res->sent == res->received &&
		  res->s1.t_ns;
out:
	bench_close_all(server, n);
	free(client);
	free(server);
	bench_reader_free(&r);
	return err;
}
