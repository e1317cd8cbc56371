// SPDX-License-Identifier: GPL-2.0
/*
 * The load generator, child's side (see gen.h): a thread for the sparse
 * connections, one for the heavy ones, and the main thread waiting for
 * commands.
 *
 * A frame counts as sent once all its bytes are written. The sparse thread
 * writes one frame at a time and waits for room if a socket is ever full;
 * the heavy thread writes heavy_batch frames per buffer and, when stopped,
 * finishes the buffers it started, so that no frame is left half written.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "gen.h"
#include "payload.h"

/* Give up on a write that makes no progress for this long. */
#define GEN_STALL_MS	10000

struct gen {
	const struct bench_opts *o;
	int *fds;
	struct bench_gen_shared *sh;
	uint64_t *seq;			/* last frame put in flight, per conn */
	atomic_bool stop;
};

static void gen_fail(struct gen *g, const char *fmt, unsigned int idx,
		     int err)
{
	if (atomic_exchange(&g->sh->failed, 1))
		return;
	snprintf(g->sh->error, sizeof(g->sh->error), fmt, idx, strerror(err));
}

/* Write all of @buf, waiting for room as long as it takes to drain. */
static int gen_write_all(int fd, const uint8_t *buf, size_t len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	uint64_t stall = 0;
	ssize_t n;

	while (len) {
		n = send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			buf += n;
			len -= n;
			stall = 0;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		if (stall++ * 100 >= GEN_STALL_MS)
			return -ETIMEDOUT;
		poll(&pfd, 1, 100);
	}
	return 0;
}

/*
 * The sparse sender runs SCHED_FIFO, with no timer slack, so that the load
 * it offers does not depend on how the path under test competes for the
 * CPUs (tern.ko's kworkers run at nice -20). It needs little CPU; the
 * kernel keeps 5% for others in any case.
 */
static void gen_realtime(void)
{
	struct sched_param sp = { .sched_priority = 10 };
	int err;

	prctl(PR_SET_TIMERSLACK, 1UL);
	err = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	if (err)
		fprintf(stderr, "tern-bench: note: the sparse sender runs without SCHED_FIFO: %s\n",
			strerror(err));
}

static void *gen_sparse(void *arg)
{
	struct gen *g = arg;
	const struct bench_opts *o = g->o;
	uint64_t interval = (uint64_t)o->interval_ms * 1000000ull;
	uint64_t t0, due, now, late, k;
	uint8_t buf[TERN_FRAME_HDR_LEN + BENCH_PAYLOAD_MAX];
	struct timespec ts;
	unsigned int idx;
	size_t len;
	int err;

	gen_realtime();
	t0 = bench_now_ns();
	for (k = 0; !atomic_load(&g->stop); k++) {
		due = t0 + k / o->nsparse * interval +
		      k % o->nsparse * interval / o->nsparse;
		now = bench_now_ns();
		if (due > now) {
			ts.tv_sec = due / 1000000000ull;
			ts.tv_nsec = due % 1000000000ull;
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
					NULL);
			now = bench_now_ns();
		}
		late = now > due ? now - due : 0;
		if (late > interval)
			g->sh->sparse_late++;
		if (late > g->sh->sparse_late_max_ns)
			g->sh->sparse_late_max_ns = late;

		idx = o->nheavy + k % o->nsparse;
		if (g->fds[idx] < 0)
			continue;
		len = bench_frame_put(buf, idx, g->seq[idx] + 1, now,
				      o->payload);
		err = gen_write_all(g->fds[idx], buf, len);
		if (err) {
			gen_fail(g, "sparse connection %u: write: %s", idx,
				 -err);
			g->fds[idx] = -1;
			continue;
		}
		g->seq[idx]++;
		g->sh->sparse_frames++;
	}
	return NULL;
}

/* A heavy connection's buffer of frames in flight. */
struct gen_heavy {
	uint8_t *buf;
	size_t len, off;
	uint64_t last;			/* seq of the last frame in buf */
};

static void gen_heavy_fill(struct gen *g, struct gen_heavy *h,
			   unsigned int idx)
{
	const struct bench_opts *o = g->o;
	uint64_t now = bench_now_ns();
	unsigned int i;

	h->len = 0;
	h->off = 0;
	for (i = 0; i < o->heavy_batch; i++)
		h->len += bench_frame_put(h->buf + h->len, idx,
					  h->last + 1 + i, now, o->payload);
	h->last += o->heavy_batch;
}

/* Write what one connection can take now; true if anything went. */
static bool gen_heavy_push(struct gen *g, struct gen_heavy *h,
			   unsigned int idx, bool stopping)
{
	ssize_t n;

	if (h->off == h->len) {
		if (stopping)
			return false;
		gen_heavy_fill(g, h, idx);
	}
	n = send(g->fds[idx], h->buf + h->off, h->len - h->off,
		 MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR) {
			gen_fail(g, "heavy connection %u: write: %s", idx,
				 errno);
			g->fds[idx] = -1;
		}
		return false;
	}
	h->off += n;
	if (h->off == h->len)
		g->seq[idx] = h->last;
	return true;
}

static void *gen_heavy(void *arg)
{
	struct gen *g = arg;
	const struct bench_opts *o = g->o;
	size_t size = (size_t)o->heavy_batch * (TERN_FRAME_HDR_LEN + o->payload);
	struct gen_heavy *h = calloc(o->nheavy, sizeof(*h));
	struct pollfd *pfd = calloc(o->nheavy, sizeof(*pfd));
	unsigned int i, npfd, idle = 0;
	bool stopping, progress;

	for (i = 0; h && i < o->nheavy; i++) {
		h[i].buf = malloc(size);
		if (!h[i].buf)
			break;
	}
	if (!h || !pfd || i < o->nheavy) {
		gen_fail(g, "heavy connection %u: %s", 0, ENOMEM);
		goto out;
	}

	for (;;) {
		stopping = atomic_load(&g->stop);
		progress = false;
		npfd = 0;
		for (i = 0; i < o->nheavy; i++) {
			if (g->fds[i] < 0)
				continue;
			if (gen_heavy_push(g, &h[i], i, stopping))
				progress = true;
			if (g->fds[i] >= 0 && h[i].off < h[i].len)
				pfd[npfd++] = (struct pollfd) {
					.fd = g->fds[i], .events = POLLOUT,
				};
		}
		if (stopping && !npfd)
			break;
		if (progress) {
			idle = 0;
			continue;
		}
		if (stopping && idle++ * 100 >= GEN_STALL_MS) {
			gen_fail(g, "heavy connection %u: %s", 0, ETIMEDOUT);
			break;
		}
		poll(pfd, npfd, 100);
	}
out:
	for (i = 0; h && i < o->nheavy; i++)
		free(h[i].buf);
	free(h);
	free(pfd);
	return NULL;
}

static int gen_wait_cmd(int fd)
{
	ssize_t n;
	char c;

	do {
		n = read(fd, &c, 1);
	} while (n < 0 && errno == EINTR);
	return n == 1 ? c : -1;
}

int bench_gen_child(const struct bench_opts *o, int *client, int cmd_fd,
		    struct bench_gen_shared *sh)
{
	unsigned int n = bench_nconns(o), i;
	pthread_t sparse, heavy;
	struct rusage ru;
	struct gen g = {
		.o = o, .fds = client, .sh = sh,
		.seq = calloc(n, sizeof(uint64_t)),
	};

	if (!g.seq || gen_wait_cmd(cmd_fd) != 'S')
		return 1;
	atomic_init(&g.stop, false);
	if (o->nsparse && pthread_create(&sparse, NULL, gen_sparse, &g))
		return 1;
	if (o->nheavy && pthread_create(&heavy, NULL, gen_heavy, &g))
		return 1;

	/* 'Q', or the reader's end closed: stop either way. */
	gen_wait_cmd(cmd_fd);
	atomic_store(&g.stop, true);
	if (o->nsparse)
		pthread_join(sparse, NULL);
	if (o->nheavy)
		pthread_join(heavy, NULL);

	for (i = 0; i < n; i++)
		sh->sent[i] = g.seq[i];
	getrusage(RUSAGE_SELF, &ru);
	sh->cpu_ns = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull +
		     (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
	atomic_store_explicit(&sh->done, 1, memory_order_release);

	/* Keep the sockets open until the reader has drained them. */
	while (gen_wait_cmd(cmd_fd) >= 0)
		;
	return atomic_load(&sh->failed) ? 1 : 0;
}
