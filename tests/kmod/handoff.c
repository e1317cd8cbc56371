// SPDX-License-Identifier: GPL-2.0
/*
 * The lossless hand-off in tern.ko: an owner killed with SIGKILL while its
 * netlink receive buffer is full and thousands of frames are in flight, and
 * a new owner adopting its connection by owner tag; adoption refused across
 * owner tags; conn-detach and conn-new again while the peer streams; a
 * connection that goes down delivering everything it received first.
 *
 * In each, a userspace peer sends numbered frames and the test checks that
 * every number arrives exactly once, in order, with consecutive sequence
 * numbers. Every test runs over plain TCP and kTLS, IPv4 and IPv6.
 */

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/netlink.h>

#include "kselftest_harness.h"
#include "common.h"

#define WAIT_MS		20000
#define LONG_MS		120000	/* for thousands of frames under TCG */

/* A userspace peer writing frames numbered start..start+n-1. */
struct streamer {
	int fd;
	uint32_t start, n, len;
	unsigned int batch;	/* frames per send() */
	unsigned int pace_us;	/* pause between sends */
	bool close_after;	/* close the socket once all is sent */
	uint32_t pause_at;	/* wait for @go after this many (0: never) */
	atomic_bool go;
	atomic_bool stop;
	atomic_uint sent;
	int err;
	bool running;
	pthread_t th;
};

static size_t put_frame(uint8_t *buf, uint32_t num, uint32_t len)
{
	buf[0] = TERN_FRAME_VERSION;
	buf[1] = 16 + num % 200;
	buf[2] = (num >> 8) & 0xff;
	buf[3] = num & 0xff;
	buf[4] = len >> 24;
	buf[5] = (len >> 16) & 0xff;
	buf[6] = (len >> 8) & 0xff;
	buf[7] = len & 0xff;
	pattern_fill(buf + TERN_FRAME_HDR_LEN, len, num);
	return TERN_FRAME_HDR_LEN + len;
}

static void *streamer_main(void *arg)
{
	struct streamer *st = arg;
	size_t cap = st->batch * (TERN_FRAME_HDR_LEN + st->len);
	uint8_t *buf = malloc(cap);
	bool paused = false;
	uint32_t i = 0, k;

	if (!buf) {
		st->err = -ENOMEM;
		return NULL;
	}
	while (i < st->n && !atomic_load(&st->stop)) {
		size_t len = 0, off = 0;
		ssize_t w;

		if (st->pause_at && i == st->pause_at && !paused) {
			while (!atomic_load(&st->go) && !atomic_load(&st->stop))
				usleep(1000);
			paused = true;
			continue;
		}
		for (k = 0; k < st->batch && i + k < st->n &&
		     (paused || !st->pause_at || i + k < st->pause_at); k++)
			len += put_frame(buf + len, st->start + i + k, st->len);
		while (off < len) {
			w = send(st->fd, buf + off, len - off, MSG_NOSIGNAL);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				st->err = w < 0 ? -errno : -EIO;
				goto out;
			}
			off += w;
		}
		i += k;
		atomic_store(&st->sent, i);
		if (st->pace_us)
			usleep(st->pace_us);
	}
	if (st->close_after) {
		close(st->fd);
		st->fd = -1;
	}
out:
	free(buf);
	return NULL;
}

static int streamer_start(struct streamer *st)
{
	int err;

	atomic_init(&st->stop, false);
	atomic_init(&st->go, false);
	atomic_init(&st->sent, 0);
	st->err = 0;
	if (!st->batch)
		st->batch = 32;
	err = pthread_create(&st->th, NULL, streamer_main, st);
	if (!err)
		st->running = true;
	return -err;
}

/* Wait for the streamer to finish (or stop it first). Returns its error. */
static int streamer_join(struct streamer *st, bool stop)
{
	if (!st->running)
		return st->err;
	if (stop) {
		atomic_store(&st->stop, true);
		if (st->fd >= 0)
			shutdown(st->fd, SHUT_RDWR);
	}
	pthread_join(st->th, NULL);
	st->running = false;
	return st->err;
}

/*
 * The frames of the connections @ids (in the order they were handed out)
 * carry numbers 0..n-1 exactly once and in order, each connection's with
 * sequence numbers from 1 up. Frames numbered in @user (read by userspace
 * in between; ~0u for none) are skipped.
 */
static void check_stream(struct __test_metadata *_metadata,
			 const struct rx_log *log, const uint32_t *ids,
			 int nids, uint32_t n, uint32_t len,
			 const uint32_t *user, int nuser)
{
	uint64_t seq[8] = { 0 };
	uint32_t next = 0, num;
	size_t i;
	int k;

	ASSERT_GE(8, nids);
	for (i = 0; i < log->nframes; i++) {
		const struct rx_frame *r = &log->frames[i];

		for (k = 0; k < nids && ids[k] != r->conn_id; k++)
			;
		if (k == nids)
			continue;
		for (int u = 0; u < nuser; u++)
			if (user[u] == next)
				next++;
		ASSERT_EQ(++seq[k], r->seq)
			TH_LOG("connection %u: frame %zu out of sequence",
			       r->conn_id, i);
		ASSERT_EQ(len, r->len);
		ASSERT_TRUE(pattern_check(r->data, r->len, &num))
			TH_LOG("frame %zu: payload corrupted", i);
		ASSERT_EQ(next, num)
			TH_LOG("frame %zu: number %u, expected %u", i, num,
			       next);
		ASSERT_EQ(16 + num % 200, r->type);
		ASSERT_EQ((uint16_t)num, r->flags);
		next++;
	}
	for (k = 0; k < nuser; k++)
		if (user[k] == next)
			next++;
	ASSERT_EQ(n, next) TH_LOG("%u of %u frames arrived", next, n);
}

/* Frames of @ids handed out so far. */
static size_t count_of(const struct rx_log *log, const uint32_t *ids,
		       int nids)
{
	size_t n = 0;
	int k;

	for (k = 0; k < nids; k++)
		n += rx_log_count(log, ids[k]);
	return n;
}

/* Process and ack everything of @id until @ids together have @n frames. */
static bool receive_acking(struct tern_nl *nl, struct rx_log *log,
			   uint32_t id, const uint32_t *ids, int nids,
			   size_t n, int timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;

	while (count_of(log, ids, nids) < n) {
		if (now_ms() >= end || rx_log_poll(nl, log, 50) < 0 ||
		    rx_log_ack(nl, log, id))
			return false;
	}
	return true;
}

/* Bytes queued unread on netlink socket @portid, from /proc/net/netlink;
 * -1 if there is no such socket.
 */
static long nl_rmem(uint32_t portid)
{
	FILE *f = fopen("/proc/net/netlink", "r");
	char line[512];
	long rmem = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long sk;
		unsigned long groups;
		unsigned int pid;
		long rm;
		int eth;

		if (sscanf(line, "%llx %d %u %lx %ld", &sk, &eth, &pid,
			   &groups, &rm) == 5 &&
		    eth == NETLINK_GENERIC && pid == portid) {
			rmem = rm;
			break;
		}
	}
	fclose(f);
	return rmem;
}

FIXTURE(handoff) {
	struct tern_nl *nl;
	struct rx_log log;
	int fds[2];
	uint32_t id;
	char tag[32];
	struct streamer st;
	pid_t child;
	int extra_fd;
};

FIXTURE_VARIANT(handoff) {
	int family;
	bool tls;
};

FIXTURE_VARIANT_ADD(handoff, plain_ipv4) {
	.family = AF_INET,
	.tls = false,
};

FIXTURE_VARIANT_ADD(handoff, plain_ipv6) {
	.family = AF_INET6,
	.tls = false,
};

FIXTURE_VARIANT_ADD(handoff, ktls_ipv4) {
	.family = AF_INET,
	.tls = true,
};

FIXTURE_VARIANT_ADD(handoff, ktls_ipv6) {
	.family = AF_INET6,
	.tls = true,
};

FIXTURE_SETUP(handoff)
{
	int err;

	memset(&self->log, 0, sizeof(self->log));
	memset(&self->st, 0, sizeof(self->st));
	self->fds[0] = -1;
	self->fds[1] = -1;
	self->id = 0;
	self->child = 0;
	self->extra_fd = -1;
	snprintf(self->tag, sizeof(self->tag), "handoff-%d", getpid());

	err = tern_nl_open(&self->nl);
	ASSERT_EQ(0, err) TH_LOG("tern_nl_open: %s", strerror(-err));
	ASSERT_EQ(0, tern_nl_subscribe(self->nl));
	if (variant->tls)
		err = ktls_pair(variant->family, self->fds);
	else
		err = tcp_pair(variant->family, self->fds);
	ASSERT_EQ(0, err) TH_LOG("socket pair: %s", strerror(-err));
	self->st.fd = self->fds[1];
}

FIXTURE_TEARDOWN(handoff)
{
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
	streamer_join(&self->st, true);
	if (self->id)
		tern_nl_conn_del(self->nl, self->id);
	if (self->fds[0] >= 0)
		close(self->fds[0]);
	if (self->st.fd >= 0)
		close(self->st.fd);
	if (self->extra_fd >= 0)
		close(self->extra_fd);
	rx_log_free(&self->log);
	tern_nl_close(self->nl);
}

#define KILL_N		12000	/* frames the peer sends */
#define KILL_PAUSE	3000	/* ... until the owner is killed */
#define KILL_LEN	48
#define KILL_HELD	(512 * 1024)	/* about 6,500 frames */

/* What the owner process tells the test. */
struct child_report {
	uint32_t conn_id;
	uint32_t portid;
	int rcvbuf;
	int err;
};

/*
 * The owner: a process of its own with a small netlink receive buffer that
 * takes the connection and then neither reads nor acks, until killed.
 */
static void owner_child(int fd, bool plain, const char *tag, int report)
{
	struct tern_conn_params p = {
		.max_held = KILL_HELD,
		.grace_ms = 60000,
	};
	struct child_report r = { 0 };
	struct tern_nl *nl;
	socklen_t len = sizeof(r.rcvbuf);
	int small = 8192;

	r.err = tern_nl_open(&nl);
	if (!r.err &&
	    setsockopt(tern_nl_fd(nl), SOL_SOCKET, SO_RCVBUF, &small,
		       sizeof(small)))
		r.err = -errno;
	if (!r.err)
		getsockopt(tern_nl_fd(nl), SOL_SOCKET, SO_RCVBUF, &r.rcvbuf,
			   &len);
	if (!r.err)
		r.err = conn_new_fd(nl, fd, plain, TERN_ROLE_RESPONDER, tag,
				    &p, &r.conn_id);
	if (!r.err)
		r.portid = tern_nl_portid(nl);
	if (write(report, &r, sizeof(r)) != sizeof(r))
		_exit(1);
	for (;;)
		pause();
}

/*
 * The owner is killed with SIGKILL while its netlink receive buffer is full
 * and thousands of frames are held unacked; the peer keeps sending and the
 * orphan reads on until its limit; another tag adopts nothing; the owner's
 * tag adopts it and gets every frame exactly once, in order, from sequence
 * number 1, while the peer sends the rest.
 */
TEST_F_TIMEOUT(handoff, sigkill_owner, 300)
{
	struct child_report r;
	struct tern_conn_info info;
	char other[TERN_OWNER_TAG_MAX];
	uint64_t end, rx;
	uint32_t count;
	int pipefd[2], status;
	long rmem = -1, rmem2;

	ASSERT_EQ(0, pipe(pipefd));
	self->child = fork_tied();
	ASSERT_LE(0, self->child);
	if (!self->child) {
		close(pipefd[0]);
		owner_child(self->fds[0], !variant->tls, self->tag, pipefd[1]);
	}
	close(pipefd[1]);
	ASSERT_EQ(sizeof(r), read(pipefd[0], &r, sizeof(r)));
	close(pipefd[0]);
	ASSERT_EQ(0, r.err) TH_LOG("owner: %s", strerror(-r.err));
	self->id = r.conn_id;
	TH_LOG("owner portid %u, rcvbuf %d", r.portid, r.rcvbuf);

	self->st.n = KILL_N;
	self->st.len = KILL_LEN;
	self->st.pause_at = KILL_PAUSE;
	ASSERT_EQ(0, streamer_start(&self->st));

	/*
	 * Wait until thousands are held and the owner's receive buffer is
	 * full: it holds notifications it does not read, and no more go in
	 * (tern.ko keeps what does not fit) while thousands more wait.
	 */
	end = now_ms() + LONG_MS;
	for (;;) {
		ASSERT_EQ(0, tern_nl_conn_get(self->nl, self->id, &info));
		rmem = nl_rmem(r.portid);
		if (info.stats.held_frames >= 2000 && rmem > 0) {
			usleep(200 * 1000);
			rmem2 = nl_rmem(r.portid);
			if (rmem2 == rmem)
				break;
		}
		ASSERT_GT(end, now_ms())
			TH_LOG("%u frames held, owner's rmem %ld",
			       info.stats.held_frames, rmem);
		usleep(20 * 1000);
	}
	TH_LOG("before SIGKILL: %u frames held; owner's socket holds %ld bytes of %d",
	       info.stats.held_frames, rmem, r.rcvbuf);
	ASSERT_LE(2000, info.stats.held_frames);
	/* At most what fits in the socket went up (more than 80 bytes a
	 * frame): a thousand or more never reached the owner.
	 */
	ASSERT_LE(1000 + rmem / 80, info.stats.held_frames);
	ASSERT_EQ(info.stats.rx_frames, info.stats.held_frames);
	ASSERT_FALSE(info.orphan);

	rx = info.stats.rx_frames;

	ASSERT_EQ(0, kill(self->child, SIGKILL));
	ASSERT_EQ(self->child, waitpid(self->child, &status, 0));
	self->child = 0;
	ASSERT_TRUE(WIFSIGNALED(status));
	atomic_store(&self->st.go, true);	/* the peer sends on */

	/* An orphan now, reading on until it holds its limit. */
	ASSERT_EQ(0, tern_nl_conn_get(self->nl, self->id, &info));
	EXPECT_TRUE(info.orphan);
	EXPECT_EQ(TERN_STATE_ESTABLISHED, info.state);
	end = now_ms() + LONG_MS;
	while (info.stats.held_bytes < KILL_HELD && now_ms() < end) {
		usleep(20 * 1000);
		ASSERT_EQ(0, tern_nl_conn_get(self->nl, self->id, &info));
	}
	TH_LOG("orphan holds %u frames, %u bytes; peer sent %u",
	       info.stats.held_frames, info.stats.held_bytes,
	       atomic_load(&self->st.sent));
	ASSERT_LE(KILL_HELD, info.stats.held_bytes);
	ASSERT_LT(rx, info.stats.rx_frames);	/* read on after the kill */
	ASSERT_GT(KILL_N, info.stats.rx_frames);
	rx = info.stats.rx_frames;
	usleep(300 * 1000);
	ASSERT_EQ(0, tern_nl_conn_get(self->nl, self->id, &info));
	EXPECT_EQ(rx, info.stats.rx_frames);	/* stopped reading */
	EXPECT_TRUE(info.orphan);
	EXPECT_EQ(TERN_STATE_ESTABLISHED, info.state);

	/* Another tag adopts nothing. */
	snprintf(other, sizeof(other), "other-%d", getpid());
	ASSERT_EQ(0, tern_nl_conn_adopt(self->nl, other, 0, 0, &count));
	EXPECT_EQ(0, count);
	rx_log_poll(self->nl, &self->log, 200);
	EXPECT_EQ(0, self->log.nframes);

	/* The owner's tag gets everything, once, in order. */
	ASSERT_EQ(0, tern_nl_conn_adopt(self->nl, self->tag, 0, 30000,
					&count));
	ASSERT_EQ(1, count);
	ASSERT_TRUE(receive_acking(self->nl, &self->log, self->id, &self->id,
				   1, KILL_N, LONG_MS))
		TH_LOG("%zu of %u frames", self->log.nframes, KILL_N);
	ASSERT_EQ(0, streamer_join(&self->st, false));
	rx_log_poll(self->nl, &self->log, 300);
	check_stream(_metadata, &self->log, &self->id, 1, KILL_N, KILL_LEN,
		     NULL, 0);
	EXPECT_EQ(KILL_N, self->log.nframes);

	ASSERT_EQ(0, tern_nl_conn_get(self->nl, self->id, &info));
	EXPECT_FALSE(info.orphan);
	EXPECT_EQ(TERN_STATE_ESTABLISHED, info.state);
	EXPECT_EQ(KILL_N, info.stats.rx_frames);
	EXPECT_EQ(0, info.stats.held_frames);
	EXPECT_EQ(30000, info.grace_ms);
	EXPECT_EQ(0, self->log.ndowns);
}

/*
 * An orphan is adopted only with its own owner tag: another tag adopts
 * nothing (by tag) or is refused (by id) and gets no frames; the right tag
 * replays the unacked frames. Once owned, it cannot be adopted again, and
 * only its owner may ack.
 */
TEST_F(handoff, adopt_wrong_tag)
{
	struct tern_conn_params p = { .grace_ms = 30000 };
	char other[TERN_OWNER_TAG_MAX], longer[TERN_OWNER_TAG_MAX];
	struct tern_conn_info info;
	struct rx_log first = { 0 };
	struct tern_nl *a, *c;
	struct tern_ack ack;
	uint32_t count;
	int err;

	ASSERT_EQ(0, tern_nl_open(&a));
	err = conn_new_fd(a, self->fds[0], !variant->tls, TERN_ROLE_RESPONDER,
			  self->tag, &p, &self->id);
	ASSERT_EQ(0, err) TH_LOG("conn-new: %s", tern_nl_error(a));
	self->st.n = 10;
	self->st.len = 100;
	ASSERT_EQ(0, streamer_start(&self->st));
	ASSERT_EQ(0, streamer_join(&self->st, false));
	ASSERT_TRUE(rx_log_wait(a, &first, self->id, 10, WAIT_MS));
	check_stream(_metadata, &first, &self->id, 1, 10, 100, NULL, 0);
	rx_log_free(&first);
	tern_nl_close(a);		/* delivered, never acked */

	ASSERT_EQ(0, tern_nl_conn_get(self->nl, self->id, &info));
	EXPECT_TRUE(info.orphan);
	EXPECT_EQ(10, info.stats.held_frames);

	snprintf(other, sizeof(other), "other-%d", getpid());
	/* The tag with one more character: no prefix matching. */
	memcpy(longer, self->tag, strlen(self->tag));
	longer[strlen(self->tag)] = 'x';
	longer[strlen(self->tag) + 1] = '\0';
	ASSERT_EQ(0, tern_nl_conn_adopt(self->nl, other, 0, 0, &count));
	EXPECT_EQ(0, count);
	ASSERT_EQ(0, tern_nl_conn_adopt(self->nl, longer, 0, 0, &count));
	EXPECT_EQ(0, count);
	EXPECT_EQ(-EPERM, tern_nl_conn_adopt(self->nl, other, self->id, 0,
					     &count));
	rx_log_poll(self->nl, &self->log, 300);
	EXPECT_EQ(0, self->log.nframes);
	ASSERT_EQ(0, tern_nl_conn_get(self->nl, self->id, &info));
	EXPECT_TRUE(info.orphan);
	EXPECT_EQ(10, info.stats.held_frames);

	/* The right tag, by id: all ten again, from 1. */
	ASSERT_EQ(0, tern_nl_conn_adopt(self->nl, self->tag, self->id, 0,
					&count));
	EXPECT_EQ(1, count);
	ASSERT_TRUE(rx_log_wait(self->nl, &self->log, self->id, 10, WAIT_MS));
	rx_log_poll(self->nl, &self->log, 200);
	check_stream(_metadata, &self->log, &self->id, 1, 10, 100, NULL, 0);

	/* Owned now: not adoptable, and not acked by others. */
	ASSERT_EQ(0, tern_nl_conn_adopt(self->nl, self->tag, 0, 0, &count));
	EXPECT_EQ(0, count);
	ASSERT_EQ(0, tern_nl_open(&c));
	EXPECT_EQ(-EBUSY, tern_nl_conn_adopt(c, self->tag, self->id, 0,
					     &count));
	ack.conn_id = self->id;
	ack.seq = 10;
	EXPECT_EQ(-EPERM, tern_nl_frame_ack(c, &ack, 1));
	tern_nl_close(c);
	ASSERT_EQ(0, tern_nl_frame_ack(self->nl, &ack, 1));
	ASSERT_EQ(0, tern_nl_conn_get(self->nl, self->id, &info));
	EXPECT_FALSE(info.orphan);
	EXPECT_EQ(0, info.stats.held_frames);
}

#define DETACH_N	6000
#define DETACH_LEN	100
#define DETACH_SWITCHES	3

/*
 * While the peer streams, the connection is detached (acking and retrying
 * on EAGAIN until it is quiet), one frame is read from the returned fd in
 * userspace, and the fd is handed to tern.ko again with conn-new; three
 * times over. Every frame arrives exactly once, in order, across the
 * switches; each new connection numbers its frames from 1.
 */
TEST_F_TIMEOUT(handoff, detach_readd, 300)
{
	struct tern_conn_params p = { .grace_ms = 0, .given = TERN_P_GRACE };
	uint32_t ids[DETACH_SWITCHES + 1], user[DETACH_SWITCHES];
	uint8_t buf[DETACH_LEN], type;
	struct tern_conn_info info;
	int sw, fd, err, tries, len;
	uint16_t flags;
	size_t have;
	char ulp[16];
	socklen_t ulen;
	uint32_t num;

	err = conn_new_fd(self->nl, self->fds[0], !variant->tls,
			  TERN_ROLE_RESPONDER, self->tag, &p, &self->id);
	ASSERT_EQ(0, err) TH_LOG("conn-new: %s", tern_nl_error(self->nl));
	ids[0] = self->id;
	self->st.n = DETACH_N;
	self->st.len = DETACH_LEN;
	self->st.batch = 16;
	self->st.pace_us = 2000;
	ASSERT_EQ(0, streamer_start(&self->st));

	for (sw = 0; sw < DETACH_SWITCHES; sw++) {
		/* Some frames on this connection first. */
		have = count_of(&self->log, ids, sw + 1) + sw;
		ASSERT_TRUE(receive_acking(self->nl, &self->log, self->id,
					   ids, sw + 1, have - sw + 500,
					   LONG_MS));

		/*
		 * Detach while frames are held unacked: refused with EAGAIN,
		 * and reading stops at the next frame boundary. Then ack and
		 * retry until nothing is held, queued or half read.
		 */
		have = rx_log_count(&self->log, self->id);
		while (rx_log_count(&self->log, self->id) == have)
			ASSERT_TRUE(rx_log_wait(self->nl, &self->log, self->id,
						have + 1, WAIT_MS));
		err = tern_nl_conn_detach(self->nl, self->id, &fd);
		ASSERT_EQ(-EAGAIN, err);
		for (tries = 1;; tries++) {
			ASSERT_LE(0, rx_log_poll(self->nl, &self->log, 10));
			ASSERT_EQ(0, rx_log_ack(self->nl, &self->log,
						self->id));
			err = tern_nl_conn_detach(self->nl, self->id, &fd);
			if (!err)
				break;
			ASSERT_EQ(-EAGAIN, err)
				TH_LOG("conn-detach: %s",
				       tern_nl_error(self->nl));
			ASSERT_GT(10000, tries);
		}
		ASSERT_LE(0, fd);
		self->extra_fd = fd;
		EXPECT_EQ(-ENOENT, tern_nl_conn_get(self->nl, self->id,
						    &info));
		self->id = 0;
		have = count_of(&self->log, ids, sw + 1) + sw;
		TH_LOG("switch %d: detached after %d retries, %zu frames in, peer sent %u",
		       sw, tries, have, atomic_load(&self->st.sent));

		/* The socket came back as it was: kTLS still on, and the
		 * stream at a frame boundary.
		 */
		ulen = sizeof(ulp);
		memset(ulp, 0, sizeof(ulp));
		if (variant->tls) {
			ASSERT_EQ(0, getsockopt(fd, IPPROTO_TCP, TCP_ULP, ulp,
						&ulen));
			EXPECT_STREQ("tls", ulp);
		}
		len = frame_read(fd, &type, &flags, buf, sizeof(buf), NULL,
				 WAIT_MS);
		ASSERT_EQ(DETACH_LEN, len) TH_LOG("frame_read: %d", len);
		ASSERT_TRUE(pattern_check(buf, len, &num));
		ASSERT_EQ(have, num);
		user[sw] = num;

		/* And tern.ko takes it again. */
		err = conn_new_fd(self->nl, fd, !variant->tls,
				  TERN_ROLE_RESPONDER, self->tag, &p,
				  &self->id);
		ASSERT_EQ(0, err) TH_LOG("conn-new: %s",
					 tern_nl_error(self->nl));
		ids[sw + 1] = self->id;
		close(fd);
		self->extra_fd = -1;
		ASSERT_EQ(0, tern_nl_conn_get(self->nl, self->id, &info));
		EXPECT_EQ(!variant->tls, info.plain);
	}

	ASSERT_TRUE(receive_acking(self->nl, &self->log, self->id, ids,
				   DETACH_SWITCHES + 1,
				   DETACH_N - DETACH_SWITCHES, LONG_MS))
		TH_LOG("%zu of %u frames",
		       count_of(&self->log, ids, DETACH_SWITCHES + 1),
		       DETACH_N - DETACH_SWITCHES);
	ASSERT_EQ(0, streamer_join(&self->st, false));
	rx_log_poll(self->nl, &self->log, 300);
	check_stream(_metadata, &self->log, ids, DETACH_SWITCHES + 1,
		     DETACH_N, DETACH_LEN, user, DETACH_SWITCHES);
	EXPECT_EQ(DETACH_N - DETACH_SWITCHES, self->log.nframes);
	EXPECT_EQ(0, self->log.ndowns);
}

#define DOWN_N		3000
#define DOWN_LEN	64

/*
 * The peer sends 3,000 frames and closes at once. The connection goes down
 * (peer-closed) holding what it received, which is all delivered, in order,
 * as the owner acks; then the connection is gone.
 */
TEST_F_TIMEOUT(handoff, down_delivers_held, 180)
{
	struct tern_conn_params p = { .grace_ms = 0, .given = TERN_P_GRACE };
	struct tern_conn_info info;
	const struct rx_down *d;
	int err;

	err = conn_new_fd(self->nl, self->fds[0], !variant->tls,
			  TERN_ROLE_RESPONDER, self->tag, &p, &self->id);
	ASSERT_EQ(0, err) TH_LOG("conn-new: %s", tern_nl_error(self->nl));
	self->st.n = DOWN_N;
	self->st.len = DOWN_LEN;
	self->st.close_after = true;
	ASSERT_EQ(0, streamer_start(&self->st));
	ASSERT_EQ(0, streamer_join(&self->st, false));

	/* Collect without acking until the end of the stream. */
	d = rx_log_wait_down(self->nl, &self->log, self->id, LONG_MS);
	ASSERT_NE(NULL, d);
	EXPECT_EQ(TERN_REASON_PEER_CLOSED, d->reason);
	ASSERT_EQ(0, tern_nl_conn_get(self->nl, self->id, &info));
	EXPECT_EQ(TERN_STATE_DOWN, info.state);
	EXPECT_EQ(TERN_REASON_PEER_CLOSED, info.reason);
	EXPECT_EQ(DOWN_N, info.stats.rx_frames);
	EXPECT_EQ(DOWN_N, info.stats.held_frames);
	TH_LOG("down holding %u frames, %zu delivered so far",
	       info.stats.held_frames, self->log.nframes);

	ASSERT_TRUE(receive_acking(self->nl, &self->log, self->id, &self->id,
				   1, DOWN_N, LONG_MS))
		TH_LOG("%zu of %u frames", self->log.nframes, DOWN_N);
	rx_log_poll(self->nl, &self->log, 200);
	check_stream(_metadata, &self->log, &self->id, 1, DOWN_N, DOWN_LEN,
		     NULL, 0);
	EXPECT_EQ(-ENOENT, conn_wait_gone(self->nl, self->id, WAIT_MS));
	self->id = 0;
}

TEST_HARNESS_MAIN
