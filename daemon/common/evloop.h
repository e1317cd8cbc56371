/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small single-threaded event loop for the daemons: epoll for file
 * descriptors, a binary heap of timers, and a list of "after" callbacks run
 * once per iteration when the ready events have been handled (the place
 * for group commit: everything that arrived together is stored together).
 */
#ifndef TERN_EVLOOP_H
#define TERN_EVLOOP_H

#include <stdbool.h>
#include <stdint.h>

struct evloop;

struct ev_fd {
	int fd;
	uint32_t events;	/* EPOLLIN | EPOLLOUT as registered */
	void (*fn)(struct ev_fd *ev, uint32_t events);
};

struct ev_timer {
	uint64_t at_ms;		/* CLOCK_MONOTONIC deadline */
	unsigned int idx;	/* heap slot + 1; 0 when not armed */
	void (*fn)(struct ev_timer *t);
};

struct ev_after {
	struct ev_after *next;
	bool queued;
	void (*fn)(struct ev_after *a);
};

int evloop_new(struct evloop **out);
void evloop_free(struct evloop *l);

int ev_fd_add(struct evloop *l, struct ev_fd *ev, int fd, uint32_t events);
int ev_fd_mod(struct evloop *l, struct ev_fd *ev, uint32_t events);
void ev_fd_del(struct evloop *l, struct ev_fd *ev);

/* Arm (or re-arm) @t to fire at @at_ms; 0 or -ENOMEM. */
int ev_timer_at(struct evloop *l, struct ev_timer *t, uint64_t at_ms);
int ev_timer_in(struct evloop *l, struct ev_timer *t, uint64_t ms);
void ev_timer_stop(struct evloop *l, struct ev_timer *t);
static inline bool ev_timer_armed(const struct ev_timer *t)
{
	return t->idx != 0;
}

/* Run @a once after this iteration's events (idempotent while queued). */
void ev_after(struct evloop *l, struct ev_after *a);
/*
 * Run @a once after the next iteration's events, which polls without
 * waiting: work done a slice per iteration, behind whatever became ready
 * meanwhile (idempotent while queued).
 */
void ev_after_next(struct evloop *l, struct ev_after *a);

/* One iteration: wait at most @max_ms (-1: until a timer or event), run
 * ready fds, expired timers, then the after list. 0 or -errno.
 */
int evloop_run_once(struct evloop *l, int max_ms);
/* Iterate until evloop_stop(). */
int evloop_run(struct evloop *l);
void evloop_stop(struct evloop *l);

uint64_t ev_now_ms(void);		/* CLOCK_MONOTONIC */
uint64_t ev_wall_ms(void);		/* CLOCK_REALTIME, Unix ms */

#endif /* TERN_EVLOOP_H */
