// SPDX-License-Identifier: GPL-2.0
/*
 * The daemons' event loop: epoll, a timer heap, after-callbacks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "evloop.h"

#define EV_BATCH	64

struct evloop {
	int epfd;
	bool stop;
	struct ev_timer **heap;
	unsigned int n, cap;
	struct ev_after *after;
	struct ev_after **after_tail;
	struct ev_after *next;		/* for the next iteration's list */
	struct ev_after **next_tail;
};

static uint64_t clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t ev_now_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

uint64_t ev_wall_ms(void)
{
	return clock_ms(CLOCK_REALTIME);
}

int evloop_new(struct evloop **out)
{
	struct evloop *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int err = -errno;

		free(l);
		return err;
	}
	l->after_tail = &l->after;
	l->next_tail = &l->next;
	*out = l;
	return 0;
}

void evloop_free(struct evloop *l)
{
	if (!l)
		return;
	close(l->epfd);
	free(l->heap);
	free(l);
}

int ev_fd_add(struct evloop *l, struct ev_fd *ev, int fd, uint32_t events)
{
	struct epoll_event e = { .events = events, .data.ptr = ev };

	ev->fd = fd;
	ev->events = events;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &e))
		return -errno;
	return 0;
}

int ev_fd_mod(struct evloop *l, struct ev_fd *ev, uint32_t events)
{
	struct epoll_event e = { .events = events, .data.ptr = ev };

	if (ev->events == events)
		return 0;
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, ev->fd, &e))
		return -errno;
	ev->events = events;
	return 0;
}

void ev_fd_del(struct evloop *l, struct ev_fd *ev)
{
	if (ev->fd >= 0)
		epoll_ctl(l->epfd, EPOLL_CTL_DEL, ev->fd, NULL);
}

/* Heap of timers by deadline; t->idx is the 1-based slot. */
static void heap_set(struct evloop *l, unsigned int i, struct ev_timer *t)
{
	l->heap[i] = t;
	t->idx = i + 1;
}

static void heap_up(struct evloop *l, unsigned int i)
{
	struct ev_timer *t = l->heap[i];

	while (i) {
		unsigned int p = (i - 1) / 2;

		if (l->heap[p]->at_ms <= t->at_ms)
			break;
		heap_set(l, i, l->heap[p]);
		i = p;
	}
	heap_set(l, i, t);
}

static void heap_down(struct evloop *l, unsigned int i)
{
	struct ev_timer *t = l->heap[i];

	for (;;) {
		unsigned int c = 2 * i + 1;

		if (c >= l->n)
			break;
		if (c + 1 < l->n && l->heap[c + 1]->at_ms < l->heap[c]->at_ms)
			c++;
		if (t->at_ms <= l->heap[c]->at_ms)
			break;
		heap_set(l, i, l->heap[c]);
		i = c;
	}
	heap_set(l, i, t);
}

void ev_timer_stop(struct evloop *l, struct ev_timer *t)
{
	unsigned int i;
	struct ev_timer *last;

	if (!t->idx)
		return;
	i = t->idx - 1;
	t->idx = 0;
	last = l->heap[--l->n];
	if (i == l->n)
		return;
	heap_set(l, i, last);
	heap_up(l, i);
	heap_down(l, last->idx - 1);
}

int ev_timer_at(struct evloop *l, struct ev_timer *t, uint64_t at_ms)
{
	if (t->idx) {
		unsigned int i = t->idx - 1;

		t->at_ms = at_ms;
		heap_up(l, i);
		heap_down(l, t->idx - 1);
		return 0;
	}
	if (l->n == l->cap) {
		unsigned int cap = l->cap ? 2 * l->cap : 64;
		struct ev_timer **h = realloc(l->heap, cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		l->heap = h;
		l->cap = cap;
	}
	t->at_ms = at_ms;
	heap_set(l, l->n, t);
	l->n++;
	heap_up(l, l->n - 1);
	return 0;
}

int ev_timer_in(struct evloop *l, struct ev_timer *t, uint64_t ms)
{
	return ev_timer_at(l, t, ev_now_ms() + ms);
}

static void after_append(struct ev_after ***tail, struct ev_after *a)
{
	if (a->queued)
		return;
	a->queued = true;
	a->next = NULL;
	**tail = a;
	*tail = &a->next;
}

void ev_after(struct evloop *l, struct ev_after *a)
{
	after_append(&l->after_tail, a);
}

void ev_after_next(struct evloop *l, struct ev_after *a)
{
	after_append(&l->next_tail, a);
}

static void run_timers(struct evloop *l)
{
	uint64_t now = ev_now_ms();

	while (l->n && l->heap[0]->at_ms <= now) {
		struct ev_timer *t = l->heap[0];

		ev_timer_stop(l, t);
		t->fn(t);
	}
}

static void run_after(struct evloop *l)
{
	/* Callbacks may queue more; run until the list stays empty. */
	while (l->after) {
		struct ev_after *a = l->after;

		l->after = a->next;
		if (!l->after)
			l->after_tail = &l->after;
		a->queued = false;
		a->fn(a);
	}
}

int evloop_run_once(struct evloop *l, int max_ms)
{
	struct epoll_event evs[EV_BATCH];
	int timeout = max_ms;
	int i, n;

	if (l->next) {		/* this is the iteration they waited for */
		*l->after_tail = l->next;
		l->after_tail = l->next_tail;
		l->next = NULL;
		l->next_tail = &l->next;
	}
	if (l->after) {
		timeout = 0;
	} else if (l->n) {
		uint64_t now = ev_now_ms(), at = l->heap[0]->at_ms;
		int64_t wait = at > now ? (int64_t)(at - now) : 0;

		if (timeout < 0 || wait < timeout)
			timeout = wait;
	}
	n = epoll_wait(l->epfd, evs, EV_BATCH, timeout);
	if (n < 0) {
		if (errno != EINTR)
			return -errno;
		n = 0;
	}
	for (i = 0; i < n; i++) {
		struct ev_fd *ev = evs[i].data.ptr;

		ev->fn(ev, evs[i].events);
	}
	run_timers(l);
	run_after(l);
	return 0;
}

int evloop_run(struct evloop *l)
{
	l->stop = false;
	while (!l->stop) {
		int err = evloop_run_once(l, -1);

		if (err)
			return err;
	}
	return 0;
}

void evloop_stop(struct evloop *l)
{
	l->stop = true;
}
