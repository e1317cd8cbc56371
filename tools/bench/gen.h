/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The load generator: a child process that writes frames into the client
 * ends of the pairs. Each sparse connection sends one frame every
 * interval_ms, their sends spread evenly over the interval (a fixed offered
 * load); the heavy connections send heavy_batch frames per write, as fast as
 * the reader lets them. The reader's process drives it through a command
 * pipe and reads its CPU time through its process CPU clock.
 */
#ifndef TERN_BENCH_GEN_H
#define TERN_BENCH_GEN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <sys/types.h>

#include "bench.h"

/* Shared with the generator (an anonymous shared mapping). Everything but
 * the atomics is written by the generator before it sets @done.
 */
struct bench_gen_shared {
	atomic_int done;		/* stopped; sent[] is final */
	atomic_int failed;		/* a write failed: see error */
	char error[160];
	uint64_t sparse_frames;		/* written on sparse connections */
	uint64_t sparse_late;		/* ... more than an interval late */
	uint64_t sparse_late_max_ns;
	uint64_t cpu_ns;		/* getrusage, the whole run */
	uint64_t sent[];		/* frames fully written, per connection */
};

struct bench_gen {
	pid_t pid;
	int cmd_fd;			/* the command pipe; -1 once closed */
	clockid_t clk;			/* its process CPU clock */
	struct bench_gen_shared *sh;
	size_t shsize;
};

/* Fork the generator, giving it @client (it closes @server, which stays
 * open here). It waits for bench_gen_start().
 */
int bench_gen_spawn(struct bench_gen *g, const struct bench_opts *o,
		    int *client, int *server, unsigned int n);
int bench_gen_start(struct bench_gen *g);
/* Stop sending; bench_gen_done() turns true once sent[] is final. */
int bench_gen_stop(struct bench_gen *g);
bool bench_gen_done(const struct bench_gen *g);
/* CPU time of the generator so far (all its threads), in ns. */
uint64_t bench_gen_cpu_ns(const struct bench_gen *g);
/* Let it exit (its sockets close) and wait for it; 0 if it exited 0. */
int bench_gen_reap(struct bench_gen *g);
/* Unmap the shared state (read what you need from it first). */
void bench_gen_free(struct bench_gen *g);

/* The child's side (gen_load.c); returns its exit status. */
int bench_gen_child(const struct bench_opts *o, int *client, int cmd_fd,
		    struct bench_gen_shared *sh);

#endif /* TERN_BENCH_GEN_H */
