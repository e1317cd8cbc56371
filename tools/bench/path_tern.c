// SPDX-License-Identifier: GPL-2.0
/*
 * The tern.ko path: the reader hands every server end to the module with
 * conn-new and owns the connections; frames come back as frame-recv
 * notifications. Each wakeup handles what tern_nl_process() has ready (up
 * to ack_batch notifications), then acks everything it received, for all
 * connections at once, in one frame-ack request.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "path.h"
#include "tern_nl.h"

#define TERN_BENCH_TAG		"tern-bench"
#define TERN_BENCH_GONE_MS	20000	/* for the module to drop them */

struct tern_path {
	struct tern_nl *nl;
	uint32_t *conn_id;		/* by index */
	uint64_t *seq;			/* last module seq seen, by index */
	unsigned int *dirty;		/* indices with frames to ack */
	bool *is_dirty;
	unsigned int ndirty;
	struct tern_ack *acks;
};

static void tern_on_frame(const struct tern_frame_in *f, void *arg)
{
	struct bench_reader *r = arg;
	struct tern_path *tp = r->priv;
	uint64_t idx = f->cookie;

	if (idx >= r->nconns || tp->conn_id[idx] != f->conn_id) {
		bench_rx_fail(r, "frame for connection %u with cookie %llu",
			      f->conn_id, (unsigned long long)idx);
		return;
	}
	if (f->seq != tp->seq[idx] + 1)
		bench_rx_fail(r, "connection %llu: module seq %llu after %llu",
			      (unsigned long long)idx,
			      (unsigned long long)f->seq,
			      (unsigned long long)tp->seq[idx]);
	tp->seq[idx] = f->seq;
	if (!tp->is_dirty[idx]) {
		tp->is_dirty[idx] = true;
		tp->dirty[tp->ndirty++] = idx;
	}
	bench_rx_frame(r, idx, f->type, f->flags, f->data, f->len);
}

static void tern_on_down(uint32_t conn_id, uint64_t cookie,
			 const char *owner_tag, enum tern_reason reason,
			 void *arg)
{
	struct bench_reader *r = arg;

	if (strcmp(owner_tag, TERN_BENCH_TAG) || r->closing)
		return;
	bench_rx_fail(r, "connection %u (index %llu) went down: %s", conn_id,
		      (unsigned long long)cookie, tern_reason_name(reason));
}

static const struct tern_event_ops tern_ops = {
	.frame = tern_on_frame,
	.conn_down = tern_on_down,
};

static int tern_count(const struct tern_conn_info *info, void *arg)
{
	(void)info;
	(*(unsigned int *)arg)++;
	return 0;
}

/* Wait until tern.ko has dropped every connection we made. */
static int tern_wait_gone(void)
{
	uint64_t end = bench_now_ns() + TERN_BENCH_GONE_MS * 1000000ull;
	struct tern_nl *nl;
	unsigned int n;
	int err;

	err = tern_nl_open(&nl);
	if (err)
		return err;
	do {
		n = 0;
		err = tern_nl_conn_dump(nl, TERN_BENCH_TAG, tern_count, &n);
		if (err || !n)
			break;
		usleep(50000);
	} while (bench_now_ns() < end);
	tern_nl_close(nl);
	return err ? err : n ? -ETIMEDOUT : 0;
}

static void tern_teardown(struct bench_reader *r)
{
	struct tern_path *tp = r->priv;

	if (!tp)
		return;
	/* With a grace period of 0, closing the owner ends them all. */
	tern_nl_close(tp->nl);
	if (tern_wait_gone())
		bench_rx_fail(r, "tern.ko kept connections after their owner closed");
	free(tp->conn_id);
	free(tp->seq);
	free(tp->dirty);
	free(tp->is_dirty);
	free(tp->acks);
	free(tp);
	r->priv = NULL;
}

static int tern_setup(struct bench_reader *r, int *server, bool tls)
{
	struct tern_conn_params p = {
		.role = TERN_ROLE_RESPONDER,
		/* No heartbeats, no timeouts: the generator never answers. */
		.hb_interval_ms = TERN_HB_INTERVAL_MAX,
		.timeout_ms = TERN_TIMEOUT_MAX,
		.grace_ms = 0,
		.rcv_window = r->o->rcv_window,
		.max_held = r->o->max_held,
		.owner_tag = TERN_BENCH_TAG,
		.plain = !tls,
		.given = TERN_P_GRACE | TERN_P_COOKIE,
	};
	struct tern_path *tp;
	unsigned int i, n = r->nconns;
	int err;

	tp = calloc(1, sizeof(*tp));
	if (!tp)
		return -ENOMEM;
	r->priv = tp;
	tp->conn_id = calloc(n, sizeof(*tp->conn_id));
	tp->seq = calloc(n, sizeof(*tp->seq));
	tp->dirty = calloc(n, sizeof(*tp->dirty));
	tp->is_dirty = calloc(n, sizeof(*tp->is_dirty));
	tp->acks = calloc(n, sizeof(*tp->acks));
	if (!tp->conn_id || !tp->seq || !tp->dirty || !tp->is_dirty ||
	    !tp->acks) {
		err = -ENOMEM;
		goto fail;
	}

	err = tern_nl_open(&tp->nl);
	if (err) {
		bench_rx_fail(r, "cannot talk to tern.ko: %s%s", strerror(-err),
			      err == -ENOENT ? " (is it loaded?)" : "");
		goto fail;
	}
	err = tern_nl_subscribe(tp->nl);
	if (err) {
		bench_rx_fail(r, "%s", tern_nl_error(tp->nl));
		goto fail;
	}
	for (i = 0; i < n; i++) {
		p.fd = server[i];
		p.cookie = i;
		err = tern_nl_conn_new(tp->nl, &p, &tp->conn_id[i]);
		if (err) {
			bench_rx_fail(r, "conn-new %u: %s", i,
				      tern_nl_error(tp->nl));
			goto fail;
		}
		/* tern.ko holds the socket now. */
		close(server[i]);
		server[i] = -1;
	}
	return 0;
fail:
	r->closing = true;
	tern_teardown(r);
	return err;
}

/* The reader thread's CPU time and context switches so far. */
struct tern_usage {
	uint64_t cpu_ns, vcsw, ivcsw;
};

static void tern_usage(struct tern_usage *u)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	u->cpu_ns = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull +
		    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
	u->vcsw = ru.ru_nvcsw;
	u->ivcsw = ru.ru_nivcsw;
}

/*
 * Ack everything received since the last ack, in one request. The time it
 * takes, on the clock and on the CPU, and the context switches in it show
 * how long the reader waits in tern.ko (sleeping on a connection's lock:
 * voluntary switches; preempted: involuntary ones) rather than working.
 */
static int tern_ack(struct bench_reader *r)
{
	struct tern_path *tp = r->priv;
	unsigned int i, idx;
	struct tern_usage u0, u1;
	uint64_t t0;
	int err;

	if (!tp->ndirty)
		return 0;
	for (i = 0; i < tp->ndirty; i++) {
		idx = tp->dirty[i];
		tp->acks[i].conn_id = tp->conn_id[idx];
		tp->acks[i].seq = tp->seq[idx];
		tp->is_dirty[idx] = false;
	}
	t0 = bench_now_ns();
	tern_usage(&u0);
	err = tern_nl_frame_ack(tp->nl, tp->acks, tp->ndirty);
	tern_usage(&u1);
	r->request_ns += bench_now_ns() - t0;
	r->request_cpu_ns += u1.cpu_ns - u0.cpu_ns;
	r->request_vcsw += u1.vcsw - u0.vcsw;
	r->request_ivcsw += u1.ivcsw - u0.ivcsw;
	tp->ndirty = 0;
	r->requests++;
	if (err)
		bench_rx_fail(r, "frame-ack: %s", tern_nl_error(tp->nl));
	return err;
}

static int tern_poll(struct bench_reader *r, int timeout_ms)
{
	struct tern_path *tp = r->priv;
	unsigned int total = 0;
	int n;

	n = tern_nl_process(tp->nl, &tern_ops, r, timeout_ms);
	while (n > 0) {
		total += n;
		if (total >= r->o->ack_batch)
			break;
		n = tern_nl_process(tp->nl, &tern_ops, r, 0);
	}
	if (n < 0 && n != -EINTR) {
		bench_rx_fail(r, "receiving from tern.ko: %s",
			      tern_nl_error(tp->nl));
		return n;
	}
	if (total)
		r->wakeups++;
	r->batches += total;
	return tern_ack(r);
}

const struct bench_path bench_path_tern = {
	.name = "tern",
	.batch_unit = "notification",
	.setup = tern_setup,
	.poll = tern_poll,
	.teardown = tern_teardown,
};
