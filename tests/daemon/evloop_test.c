// SPDX-License-Identifier: GPL-2.0
/*
 * The daemons' event loop (daemon/common/evloop.c): the order of one
 * iteration (ready descriptors, then timers, then the after list, which
 * runs until it stays empty), an after callback queued twice running once,
 * and ev_after_next(), whose callback waits for the next iteration's
 * events and does not make the loop wait for anything.
 */
#include <stddef.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "evloop.h"
#include "kselftest_harness.h"

/* What ran, in order: a letter each. */
static char trace[64];
static size_t ntrace;
static struct evloop *loop;

static void mark(char c)
{
	if (ntrace < sizeof(trace) - 1)
		trace[ntrace++] = c;
	trace[ntrace] = 0;
}

static void reset(void)
{
	ntrace = 0;
	trace[0] = 0;
}

static void on_fd(struct ev_fd *ev, uint32_t events)
{
	char buf[16];

	(void)events;
	if (read(ev->fd, buf, sizeof(buf)) > 0)
		mark('F');
}

static void on_timer(struct ev_timer *t)
{
	(void)t;
	mark('T');
}

static struct ev_after a_again, a_plain, a_next, a_next2;

static void on_again(struct ev_after *a)
{
	(void)a;
	mark('b');
}

/* An after callback that queues another: it runs in the same iteration. */
static void on_plain(struct ev_after *a)
{
	(void)a;
	mark('a');
	ev_after(loop, &a_again);
}

static void on_next(struct ev_after *a)
{
	(void)a;
	mark('n');
}

/* Queues itself for the next iteration until it has run three times. */
static int next2_left;

static void on_next2(struct ev_after *a)
{
	mark('0' + next2_left);
	if (--next2_left > 0)
		ev_after_next(loop, a);
}

FIXTURE(loop) {
	int pipefd[2];
	struct ev_fd ev;
};

FIXTURE_SETUP(loop)
{
	ASSERT_EQ(0, evloop_new(&loop));
	ASSERT_EQ(0, pipe(self->pipefd));
	self->ev.fn = on_fd;
	ASSERT_EQ(0, ev_fd_add(loop, &self->ev, self->pipefd[0], EPOLLIN));
	a_again.fn = on_again;
	a_plain.fn = on_plain;
	a_next.fn = on_next;
	a_next2.fn = on_next2;
	reset();
}

FIXTURE_TEARDOWN(loop)
{
	ev_fd_del(loop, &self->ev);
	close(self->pipefd[0]);
	close(self->pipefd[1]);
	evloop_free(loop);
}

/* Descriptors, then due timers, then the after list, which drains. */
TEST_F(loop, one_iteration_in_order)
{
	struct ev_timer t = { .fn = on_timer };

	ASSERT_EQ(0, ev_timer_in(loop, &t, 0));
	ev_after(loop, &a_plain);
	ev_after(loop, &a_plain);	/* idempotent while queued */
	ASSERT_EQ(1, write(self->pipefd[1], "x", 1));
	ASSERT_EQ(0, evloop_run_once(loop, 1000));
	EXPECT_STREQ("FTab", trace);
}

/*
 * ev_after_next(): not in this iteration; in the next one, after that
 * iteration's events, and without waiting for any.
 */
TEST_F(loop, after_next_waits_one_iteration)
{
	uint64_t t0 = ev_now_ms();

	ev_after_next(loop, &a_next);
	ev_after_next(loop, &a_next);	/* idempotent while queued */
	ASSERT_EQ(0, evloop_run_once(loop, 10000));
	EXPECT_STREQ("n", trace);
	/* It did not sit out the 10 s (a wide margin, not a benchmark). */
	EXPECT_GT(5000, ev_now_ms() - t0);

	reset();
	next2_left = 3;
	ev_after(loop, &a_next2);
	ASSERT_EQ(0, evloop_run_once(loop, 10000));
	EXPECT_STREQ("3", trace);
	ASSERT_EQ(1, write(self->pipefd[1], "x", 1));
	ASSERT_EQ(0, evloop_run_once(loop, 10000));
	EXPECT_STREQ("3F2", trace);
	ASSERT_EQ(0, evloop_run_once(loop, 10000));
	EXPECT_STREQ("3F21", trace);
}

/* A timer not yet due does not run, and the loop waits only its max_ms. */
TEST_F(loop, timer_not_due)
{
	struct ev_timer t = { .fn = on_timer };

	ASSERT_EQ(0, ev_timer_in(loop, &t, 60000));
	ASSERT_EQ(0, evloop_run_once(loop, 20));
	EXPECT_STREQ("", trace);
	EXPECT_TRUE(ev_timer_armed(&t));
	ev_timer_stop(loop, &t);
	EXPECT_FALSE(ev_timer_armed(&t));
}

TEST_HARNESS_MAIN
