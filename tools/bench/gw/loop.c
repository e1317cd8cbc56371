// SPDX-License-Identifier: GPL-2.0
/*
 * The core of tern-gwbench: one step of load on one epoll loop.
 *
 * A step has a warm-up, a measurement window and a drain. Open loop: the
 * message k of the step is due at t_begin + k / rate, on pair k mod pairs,
 * whatever happened to the earlier ones; its timestamp is that due time,
 * not the time it was written, so that a generator that falls behind (or a
 * sender the gateway does not read) shows up as latency rather than
 * hiding it. Closed loop (the "max" step): every pair keeps a fixed
 * number of messages sent and not yet received. Serial (the "unloaded"
 * step): a fixed number in flight in all, usually one. Messages due in the
 * window are the measured ones; their latencies are kept whenever they
 * arrive, the drain included. The achieved rate counts first arrivals
 * inside the window.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "gwbench.h"

#define GWB_BURST	256	/* sends per iteration before looking at I/O */
#define NS		1000000000ull

uint64_t gwb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

int gwb_fd_add(struct gwb *b, struct gwb_fd *f, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = f };

	f->fd = fd;
	f->events = events;
	return epoll_ctl(b->epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

int gwb_fd_mod(struct gwb *b, struct gwb_fd *f, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = f };

	if (events == f->events)
		return 0;
	f->events = events;
	return epoll_ctl(b->epfd, EPOLL_CTL_MOD, f->fd, &ev) ? -errno : 0;
}

void gwb_fd_del(struct gwb *b, struct gwb_fd *f)
{
	epoll_ctl(b->epfd, EPOLL_CTL_DEL, f->fd, NULL);
}

void gwb_fail(struct gwb *b, const char *fmt, ...)
{
	va_list ap;

	if (b->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(b->err, sizeof(b->err), fmt, ap);
	va_end(ap);
	b->failed = true;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static uint32_t get_le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool measured(const struct gwb *b, uint64_t sched)
{
	return sched >= b->t0 && sched < b->t1;
}

static int pair_reserve(struct gwb_pair *p, uint32_t seq)
{
	size_t cap;
	uint64_t *sched;
	uint8_t *state;

	if (seq < p->cap)
		return 0;
	cap = p->cap ? 2 * p->cap : 8192;
	sched = realloc(p->sched, cap * sizeof(*sched));
	if (!sched)
		return -ENOMEM;
	p->sched = sched;
	state = realloc(p->state, cap);
	if (!state)
		return -ENOMEM;
	memset(state + p->cap, 0, cap - p->cap);
	p->state = state;
	p->cap = cap;
	return 0;
}

/* Send the next message of @pair stamped @sched. */
static int send_one(struct gwb *b, unsigned int pair, uint64_t sched,
		    uint64_t now)
{
	struct gwb_pair *p = &b->pairs[pair];
	struct gwb_step *s = b->cur;
	uint32_t seq = p->next;
	int err;

	if (pair_reserve(p, seq)) {
		gwb_fail(b, "out of memory");
		return -ENOMEM;
	}
	put_le32(b->msg, GWB_MAGIC);
	put_le32(b->msg + 4, b->step_no);
	put_le32(b->msg + 8, pair);
	put_le32(b->msg + 12, seq);
	put_le32(b->msg + 16, (uint32_t)sched);
	put_le32(b->msg + 20, (uint32_t)(sched >> 32));
	err = b->sys->send(b, pair, seq, b->msg, b->o.payload);
	if (err) {
		if (err == -EAGAIN && measured(b, sched))
			s->skipped++;
		return err;
	}
	p->next++;
	p->sched[seq] = sched;
	p->state[seq] = GWB_S_SENT;
	p->outstanding++;
	b->outstanding++;
	s->sent++;
	if (measured(b, sched)) {
		s->sent_window++;
		if (now > sched && now - sched > s->late_max_ns)
			s->late_max_ns = now - sched;
	}
	return 0;
}

/* Open loop: send what is due by @now; returns when the next one is due. */
static uint64_t gen_open(struct gwb *b, uint64_t now, uint64_t *k)
{
	struct gwb_step *s = b->cur;
	unsigned int burst;

	for (burst = 0; !b->failed; burst++) {
		uint64_t sched = b->t_begin +
				 (uint64_t)((double)*k * 1e9 / s->rate);

		if (sched >= b->t1)
			return UINT64_MAX;
		if (sched > now)
			return sched;
		if (burst == GWB_BURST)
			return now;	/* behind: look at I/O, come back */
		if (b->outstanding >= b->o.max_outstanding) {
			if (measured(b, sched))
				s->skipped++;
		} else {
			send_one(b, *k % b->npairs, sched, now);
		}
		(*k)++;
	}
	return UINT64_MAX;
}

/* Serial: keep inflight messages in flight in all, pairs in turn. */
static void gen_serial(struct gwb *b, uint64_t now, uint64_t *k)
{
	while (!b->failed && b->outstanding < b->cur->inflight) {
		if (send_one(b, *k % b->npairs, now, now))
			break;
		(*k)++;
	}
}

/* Closed loop: top every pair up to its in-flight count. */
static void gen_closed(struct gwb *b, uint64_t now)
{
	unsigned int i;

	for (i = 0; i < b->npairs && !b->failed; i++) {
		struct gwb_pair *p = &b->pairs[i];

		while (p->outstanding < b->cur->inflight)
			if (send_one(b, i, now, now))
				break;
	}
}

void gwb_delivered(struct gwb *b, const void *msg, size_t len)
{
	const uint8_t *m = msg;
	struct gwb_step *s = b->cur;
	struct gwb_pair *p;
	uint32_t pair, seq;
	uint64_t sched, now;

	if (!s)
		return;
	if (len < GWB_HDR_LEN || get_le32(m) != GWB_MAGIC) {
		s->bad++;
		return;
	}
	if (get_le32(m + 4) != b->step_no) {
		s->stale++;
		return;
	}
	pair = get_le32(m + 8);
	seq = get_le32(m + 12);
	sched = get_le32(m + 16) | (uint64_t)get_le32(m + 20) << 32;
	p = pair < b->npairs ? &b->pairs[pair] : NULL;
	if (!p || seq >= p->next || len != b->o.payload ||
	    p->sched[seq] != sched) {
		s->bad++;
		return;
	}
	if (p->state[seq] & GWB_S_RECV) {
		s->dup++;
		return;
	}
	now = gwb_now_ns();
	if (!(p->state[seq] & GWB_S_NACKED)) {
		p->outstanding--;
		b->outstanding--;
	}
	p->state[seq] |= GWB_S_RECV;
	s->recv++;
	if (now >= b->t0 && now < b->t1)
		s->recv_window++;
	if (measured(b, sched) && gwb_samples_add(&s->lat, now - sched))
		gwb_fail(b, "out of memory");
}

void gwb_acked(struct gwb *b, uint32_t step, unsigned int pair, uint32_t seq,
	       bool ok, int reason)
{
	struct gwb_step *s = b->cur;
	struct gwb_pair *p;
	uint8_t *st;

	if (!s || step != b->step_no || pair >= b->npairs)
		return;
	p = &b->pairs[pair];
	if (seq >= p->next)
		return;
	st = &p->state[seq];
	if (*st & (GWB_S_ACKED | GWB_S_NACKED))
		return;
	if (ok) {
		*st |= GWB_S_ACKED;
		s->acked++;
		if (measured(b, p->sched[seq]) &&
		    gwb_samples_add(&s->ack, gwb_now_ns() - p->sched[seq]))
			gwb_fail(b, "out of memory");
		return;
	}
	*st |= GWB_S_NACKED;
	s->nacked++;
	s->last_nack = reason;
	if (!(*st & GWB_S_RECV)) {
		p->outstanding--;
		b->outstanding--;
	}
}

static void step_reset(struct gwb *b)
{
	unsigned int i;

	for (i = 0; i < b->npairs; i++) {
		struct gwb_pair *p = &b->pairs[i];

		if (p->cap)
			memset(p->state, 0, p->cap);
		p->next = 0;
		p->outstanding = 0;
	}
	b->outstanding = 0;
}

static void step_finish(struct gwb *b, struct gwb_step *s)
{
	double got, want;
	unsigned int i;
	uint32_t q;

	for (i = 0; i < b->npairs; i++) {
		struct gwb_pair *p = &b->pairs[i];

		for (q = 0; q < p->next; q++)
			if (measured(b, p->sched[q]) &&
			    !(p->state[q] & (GWB_S_RECV | GWB_S_NACKED)))
				s->unreceived++;
	}
	gwb_samples_pct(&s->lat, &s->lat_pct);
	gwb_samples_pct(&s->ack, &s->ack_pct);
	got = (double)s->recv_window;
	want = s->mode == GWB_OPEN ? s->rate * b->o.duration_s : 0;
	s->saturated = s->mode == GWB_CLOSED || s->skipped || s->unreceived ||
		       s->nacked || got < 0.95 * want;
}

static int arm(int tfd, uint64_t at)
{
	struct itimerspec its = { 0 };

	its.it_value.tv_sec = at / NS;
	its.it_value.tv_nsec = at % NS;
	return timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Wait for I/O or until @wake; run the handlers. */
static void wait_io(struct gwb *b, uint64_t now, uint64_t wake)
{
	struct epoll_event evs[64];
	int i, n, timeout = 0;

	if (wake > now) {
		if (arm(b->tfd, wake)) {
			gwb_fail(b, "timerfd: %s", strerror(errno));
			return;
		}
		timeout = -1;
	}
	n = epoll_wait(b->epfd, evs, 64, timeout);
	if (n < 0 && errno != EINTR)
		gwb_fail(b, "epoll_wait: %s", strerror(errno));
	for (i = 0; i < n && !b->failed; i++) {
		struct gwb_fd *f = evs[i].data.ptr;
		uint64_t exp;

		if (!f) {
			if (read(b->tfd, &exp, sizeof(exp)) < 0 &&
			    errno != EAGAIN)
				gwb_fail(b, "timerfd read: %s",
					 strerror(errno));
			continue;
		}
		f->fn(b, f, evs[i].events);
	}
}

int gwb_run_step(struct gwb *b, struct gwb_step *s)
{
	uint64_t k = 0, now, next_tick, next_send = 0, drain_end, wake;
	bool in_window = false, window_done = false;

	b->cur = s;
	b->step_no++;
	step_reset(b);
	b->t_begin = gwb_now_ns();
	b->t0 = b->t_begin + (uint64_t)(b->o.warmup_s * 1e9);
	b->t1 = b->t0 + (uint64_t)(b->o.duration_s * 1e9);
	drain_end = b->t1 + (uint64_t)(b->o.drain_s * 1e9);
	next_tick = b->t_begin + NS;
	while (!b->failed) {
		now = gwb_now_ns();
		if (!in_window && now >= b->t0) {
			in_window = true;
			s->cpu_ok = !gwb_cpu_sample(&s->cpu0);
		}
		if (!window_done && now >= b->t1) {
			window_done = true;
			s->cpu_ok = s->cpu_ok && !gwb_cpu_sample(&s->cpu1);
		}
		if (now >= next_tick) {
			if (b->sys->tick)
				b->sys->tick(b);
			next_tick += NS;
		}
		if (now < b->t1) {
			if (s->mode == GWB_OPEN)
				next_send = gen_open(b, now, &k);
			else if (s->mode == GWB_CLOSED)
				gen_closed(b, now);
			else
				gen_serial(b, now, &k);
		} else if (!b->outstanding) {
			s->drained = true;
			break;
		} else if (now >= drain_end) {
			break;
		}
		b->sys->flush(b);
		if (b->failed)
			break;
		wake = min_u64(next_tick, window_done ? drain_end :
			       in_window ? b->t1 : b->t0);
		if (s->mode == GWB_OPEN && !window_done)
			wake = min_u64(wake, next_send);
		wait_io(b, now, wake);
	}
	step_finish(b, s);
	b->cur = NULL;
	return b->failed ? -1 : 0;
}
