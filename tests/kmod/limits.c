// SPDX-License-Identifier: GPL-2.0
/*
 * Per network namespace limits of tern.ko and the namespace's lifetime:
 *
 *  - max_conns (module parameter) caps the connections of each namespace:
 *    conn-new beyond it fails with ENOSPC, and works again after a conn-del;
 *    each namespace counts its own;
 *  - max_held_bytes (module parameter, per namespace) and max-held (per
 *    connection) stop a connection from reading once its owner leaves that
 *    many bytes unacked: the peer's writes block, and everything arrives,
 *    in order, once the owner acks;
 *  - a namespace whose connections end (here: their owner is killed and the
 *    grace period runs out) is really freed.
 *
 * Every test works in network namespaces of its own, so the counts start
 * at zero whatever other suites left behind. The module parameters are
 * saved at setup and restored by the parent process at teardown, even when
 * a test dies.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "common.h"
#include "tern_nl.h"
#include "tern_nl_priv.h"	/* to clear tern_nl_error() before a call */
#include "frame.h"		/* tern_frame_hdr_build() */

#define PARAM_MAX_CONNS		"/sys/module/tern/parameters/max_conns"
#define PARAM_MAX_HELD		"/sys/module/tern/parameters/max_held_bytes"
#define HB_QUIET		3600000
#define WAIT_MS			20000

#define ASSERT_REFUSED(nl, want_errno, needle, call) do {			\
	int __ret;								\
	(nl)->err[0] = '\0';							\
	__ret = (call);								\
	ASSERT_EQ(-(want_errno), __ret)						\
		TH_LOG("%s returned %d (%s)", #call, __ret,			\
		       tern_nl_error(nl));					\
	ASSERT_NE(NULL, strstr(tern_nl_error(nl), (needle)))			\
		TH_LOG("%s: extack \"%s\" does not say \"%s\"", #call,		\
		       tern_nl_error(nl), (needle));				\
} while (0)

/* Short grace: connections a dead test leaves behind go quickly. */
static const struct tern_conn_params quick = {
	.hb_interval_ms = HB_QUIET,
	.grace_ms = 100,
};

static int lo_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	if (ioctl(fd, SIOCGIFFLAGS, &ifr))
		err = -errno;
	ifr.ifr_flags |= IFF_UP;
	if (!err && ioctl(fd, SIOCSIFFLAGS, &ifr))
		err = -errno;
	close(fd);
	return err;
}

/* Move this process into a new network namespace with lo up. */
static int enter_new_netns(void)
{
	if (unshare(CLONE_NEWNET))
		return -errno;
	return lo_up();
}

static int new_conn(struct tern_nl *nl, int fd, const char *tag,
		    const struct tern_conn_params *p, uint32_t *id)
{
	return conn_new_fd(nl, fd, true, TERN_ROLE_RESPONDER, tag,
			   p ? p : &quick, id);
}

/* --- max_conns ------------------------------------------------------------ */

FIXTURE(limits) {
	uint64_t max_conns, max_held;
	bool saved;
	char tag[TERN_OWNER_TAG_MAX];
};

FIXTURE_SETUP(limits)
{
	if (access(PARAM_MAX_CONNS, W_OK))
		SKIP(return, "no writable %s: tern.ko not loaded?",
		     PARAM_MAX_CONNS);
	ASSERT_EQ(0, sysfs_read_u64(PARAM_MAX_CONNS, &self->max_conns));
	ASSERT_EQ(0, sysfs_read_u64(PARAM_MAX_HELD, &self->max_held));
	self->saved = true;
	snprintf(self->tag, sizeof(self->tag), "limits-%d", getpid());
}

FIXTURE_TEARDOWN_PARENT(limits)
{
	if (!self->saved)
		return;
	EXPECT_EQ(0, sysfs_write_u64(PARAM_MAX_CONNS, self->max_conns));
	EXPECT_EQ(0, sysfs_write_u64(PARAM_MAX_HELD, self->max_held));
}

TEST_F(limits, max_conns_refuses_beyond_cap_until_conn_del)
{
	uint32_t ids[4];
	int fds[5][2], i;
	struct tern_nl *nl;

	ASSERT_EQ(0, enter_new_netns());
	ASSERT_EQ(0, tern_nl_open(&nl));
	ASSERT_EQ(0, sysfs_write_u64(PARAM_MAX_CONNS, 3));
	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, tcp_pair(AF_INET, fds[i]));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, new_conn(nl, fds[i][0], self->tag, NULL, &ids[i]))
			TH_LOG("connection %d of 3: %s", i,
			       tern_nl_error(nl));

	ASSERT_REFUSED(nl, ENOSPC, "max_conns",
		       new_conn(nl, fds[3][0], self->tag, NULL, &ids[3]));

	/* A conn-del makes room, for exactly one. */
	ASSERT_EQ(0, tern_nl_conn_del(nl, ids[0]));
	ASSERT_EQ(0, new_conn(nl, fds[3][0], self->tag, NULL, &ids[3]))
		TH_LOG("after conn-del: %s", tern_nl_error(nl));
	ASSERT_REFUSED(nl, ENOSPC, "max_conns",
		       new_conn(nl, fds[4][0], self->tag, NULL, &ids[0]));

	/* So does raising the cap. */
	ASSERT_EQ(0, sysfs_write_u64(PARAM_MAX_CONNS, 4));
	ASSERT_EQ(0, new_conn(nl, fds[4][0], self->tag, NULL, &ids[0]));

	for (i = 0; i < 4; i++)
		tern_nl_conn_del(nl, ids[i]);
	for (i = 0; i < 5; i++) {
		close(fds[i][0]);
		close(fds[i][1]);
	}
	tern_nl_close(nl);
}

TEST_F(limits, max_conns_counts_each_netns_separately)
{
	struct tern_nl *a, *b;
	uint32_t ida[3], idb[3];
	int fa[4][2], fb[3][2], i;

	ASSERT_EQ(0, sysfs_write_u64(PARAM_MAX_CONNS, 2));

	/* Namespace A, at its cap. */
	ASSERT_EQ(0, enter_new_netns());
	ASSERT_EQ(0, tern_nl_open(&a));
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, tcp_pair(AF_INET, fa[i]));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, new_conn(a, fa[i][0], self->tag, NULL, &ida[i]));
	ASSERT_REFUSED(a, ENOSPC, "max_conns",
		       new_conn(a, fa[2][0], self->tag, NULL, &ida[2]));

	/* Namespace B has a count of its own. */
	ASSERT_EQ(0, enter_new_netns());
	ASSERT_EQ(0, tern_nl_open(&b));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, tcp_pair(AF_INET6, fb[i]));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, new_conn(b, fb[i][0], self->tag, NULL, &idb[i]))
			TH_LOG("namespace B, connection %d: %s", i,
			       tern_nl_error(b));
	ASSERT_REFUSED(b, ENOSPC, "max_conns",
		       new_conn(b, fb[2][0], self->tag, NULL, &idb[2]));

	/* Room made in A is A's only. */
	ASSERT_EQ(0, tern_nl_conn_del(a, ida[0]));
	ASSERT_REFUSED(b, ENOSPC, "max_conns",
		       new_conn(b, fb[2][0], self->tag, NULL, &idb[2]));
	ASSERT_EQ(0, new_conn(a, fa[2][0], self->tag, NULL, &ida[2]));
	ASSERT_REFUSED(a, ENOSPC, "max_conns",
		       new_conn(a, fa[3][0], self->tag, NULL, &ida[0]));

	for (i = 1; i < 3; i++)
		tern_nl_conn_del(a, ida[i]);
	for (i = 0; i < 2; i++)
		tern_nl_conn_del(b, idb[i]);
	for (i = 0; i < 4; i++) {
		close(fa[i][0]);
		close(fa[i][1]);
	}
	for (i = 0; i < 3; i++) {
		close(fb[i][0]);
		close(fb[i][1]);
	}
	tern_nl_close(a);
	tern_nl_close(b);
}

/*
 * KNOWN MODULE BUG, reported: tern_net_held_full() compares the held bytes
 * with (long)max_held_bytes, so a value above LONG_MAX (such as ULONG_MAX,
 * the natural "no limit") is negative and every connection of every
 * namespace stops reading before its first frame. This test fails until
 * that is fixed.
 */
TEST_F(limits, max_held_bytes_above_long_max_stops_nothing)
{
	struct rx_log log = { 0 };
	struct tern_nl *nl;
	uint32_t id;
	int fds[2];

	ASSERT_EQ(0, enter_new_netns());
	ASSERT_EQ(0, tern_nl_open(&nl));
	ASSERT_EQ(0, sysfs_write_u64(PARAM_MAX_HELD, UINT64_MAX));
	ASSERT_EQ(0, tcp_pair(AF_INET, fds));
	ASSERT_EQ(0, new_conn(nl, fds[0], self->tag, NULL, &id));
	ASSERT_EQ(0, frame_write(fds[1], 16, 0, "anything", 8));
	EXPECT_TRUE(rx_log_wait(nl, &log, id, 1, WAIT_MS))
		TH_LOG("with max_held_bytes=%llu not even one frame was read (known module bug)",
		       (unsigned long long)UINT64_MAX);
	tern_nl_conn_del(nl, id);
	rx_log_free(&log);
	tern_nl_close(nl);
	close(fds[0]);
	close(fds[1]);
}

/* --- held limits ------------------------------------------------------------ */

#define HELD_PAYLOAD	1000
#define HELD_NS_CAP	(128 * 1024)
/* Reading stops at a read boundary: one read of the module (16 KiB) and
 * the frame it completes may overshoot the limit.
 */
#define HELD_SLACK	(16384 + 2 * (HELD_PAYLOAD + 64))

/* Frames numbered from 0, written without blocking, whole in order. */
struct writer {
	int fd;
	uint32_t next;		/* number of the next frame to build */
	uint32_t limit;		/* build no frame numbered >= limit */
	uint8_t buf[TERN_FRAME_HDR_LEN + HELD_PAYLOAD];
	size_t off, len;
	bool blocked;		/* the last send() said EAGAIN */
};

static int writer_run(struct writer *w)
{
	ssize_t n;

	w->blocked = false;
	for (;;) {
		if (w->off == w->len) {
			if (w->next >= w->limit)
				return 0;
			tern_frame_hdr_build(w->buf, 16, 0, HELD_PAYLOAD);
			pattern_fill(w->buf + TERN_FRAME_HDR_LEN, HELD_PAYLOAD,
				     w->next++);
			w->off = 0;
			w->len = sizeof(w->buf);
		}
		n = send(w->fd, w->buf + w->off, w->len - w->off,
			 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EAGAIN) {
			w->blocked = true;
			return 0;
		}
		if (n < 0)
			return -errno;
		w->off += n;
	}
}

static int held_bytes(struct tern_nl *nl, uint32_t id, uint32_t *bytes,
		      uint32_t *frames)
{
	struct tern_conn_info info;
	int err = tern_nl_conn_get(nl, id, &info);

	if (!err) {
		*bytes = info.stats.held_bytes;
		if (frames)
			*frames = info.stats.held_frames;
	}
	return err;
}

/*
 * Write until the peer blocks and the connection's held bytes stop growing
 * (three checks in a row, each after 200 ms of the peer's socket staying
 * full). 0, or -ETIMEDOUT after @timeout_ms, or -errno.
 */
static int fill_until_stopped(struct tern_nl *nl, uint32_t id,
			      struct writer *w, uint32_t *bytes,
			      uint32_t *frames, int timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;
	uint32_t last = UINT32_MAX;
	struct pollfd pfd;
	int stable = 0, err;

	while (stable < 3) {
		if (now_ms() >= end)
			return -ETIMEDOUT;
		err = writer_run(w);
		if (!err)
			err = held_bytes(nl, id, bytes, frames);
		if (err)
			return err;
		pfd = (struct pollfd){ .fd = w->fd, .events = POLLOUT };
		if (w->blocked && *bytes == last && poll(&pfd, 1, 200) == 0)
			stable++;
		else
			stable = 0;
		last = *bytes;
	}
	return 0;
}

/*
 * A connection owned by @nl, and its peer, set up to stop reading soon:
 * small socket buffers, and a limit of *@cap bytes held, the namespace's
 * (@netns_cap) or its own.
 */
static int held_conn(struct tern_nl *nl, bool netns_cap, const char *tag,
		     uint32_t *cap, uint32_t *id, int *peer)
{
	struct tern_conn_params p = quick;
	const int small = 32 * 1024;
	int fds[2], err;

	if (netns_cap) {
		*cap = HELD_NS_CAP;
		err = sysfs_write_u64(PARAM_MAX_HELD, *cap);
		if (err)
			return err;
	} else {
		*cap = TERN_MAX_HELD_MIN;
		p.max_held = *cap;
	}
	err = tcp_pair(AF_INET, fds);
	if (err)
		return err;
	if (setsockopt(fds[0], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)) ||
	    setsockopt(fds[1], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)))
		err = -errno;
	if (!err)
		err = new_conn(nl, fds[0], tag, &p, id);
	close(fds[0]);
	if (err)
		close(fds[1]);
	else
		*peer = fds[1];
	return err;
}

FIXTURE(held) {
	uint64_t max_conns, max_held;
	bool saved;
	char tag[TERN_OWNER_TAG_MAX];
};

FIXTURE_VARIANT(held) {
	bool netns_cap;		/* max_held_bytes, else the conn's max-held */
};

FIXTURE_VARIANT_ADD(held, netns_max_held_bytes) { .netns_cap = true };
FIXTURE_VARIANT_ADD(held, conn_max_held) { .netns_cap = false };

FIXTURE_SETUP(held)
{
	if (access(PARAM_MAX_HELD, W_OK))
		SKIP(return, "no writable %s: tern.ko not loaded?",
		     PARAM_MAX_HELD);
	ASSERT_EQ(0, sysfs_read_u64(PARAM_MAX_CONNS, &self->max_conns));
	ASSERT_EQ(0, sysfs_read_u64(PARAM_MAX_HELD, &self->max_held));
	self->saved = true;
	snprintf(self->tag, sizeof(self->tag), "held-%d", getpid());
}

FIXTURE_TEARDOWN_PARENT(held)
{
	if (!self->saved)
		return;
	EXPECT_EQ(0, sysfs_write_u64(PARAM_MAX_CONNS, self->max_conns));
	EXPECT_EQ(0, sysfs_write_u64(PARAM_MAX_HELD, self->max_held));
}

TEST_F_TIMEOUT(held, unacked_owner_stops_reading_then_all_arrive, 300)
{
	struct tern_conn_params p = quick;
	uint32_t cap, a, b, bytes = 0, frames = 0, want_seq = 1, num;
	struct rx_log log = { 0 };
	struct writer w = { 0 };
	struct tern_nl *nl;
	int pa, fb[2], err;
	size_t seen = 0;
	uint64_t end;
	bool b_done = false;

	ASSERT_EQ(0, enter_new_netns());
	ASSERT_EQ(0, tern_nl_open(&nl));
	ASSERT_EQ(0, held_conn(nl, variant->netns_cap, self->tag, &cap, &a,
			       &pa));
	/* A second connection, under the same limits. */
	if (!variant->netns_cap)
		p.max_held = cap;
	ASSERT_EQ(0, tcp_pair(AF_INET, fb));
	ASSERT_EQ(0, new_conn(nl, fb[0], self->tag, &p, &b));
	close(fb[0]);

	/* 1. The owner acks nothing (and does not even read its socket):
	 * write until the peer blocks and the held bytes stop growing.
	 */
	w.fd = pa;
	w.limit = UINT32_MAX;
	err = fill_until_stopped(nl, a, &w, &bytes, &frames, 120000);
	ASSERT_EQ(0, err)
		TH_LOG("the peer never blocked: %u frames written, %u bytes held",
		       w.next, bytes);
	TH_LOG("reading stopped at %u bytes held in %u frames (limit %u), %u frames written",
	       bytes, frames, cap, w.next);
	EXPECT_LE(cap, bytes);
	EXPECT_GE(cap + HELD_SLACK, bytes);
	EXPECT_GT(w.next, frames + 4);	/* the rest waits in TCP */

	/* 2. Another connection of the namespace: its own limit is not
	 * reached, so it reads on; the namespace's limit is reached, so it
	 * must not.
	 */
	ASSERT_EQ(0, frame_write(fb[1], 16, 0, "other", 5));
	if (variant->netns_cap) {
		/* Absence over a second proves little under TCG, but can
		 * only miss a bug, never fail without one.
		 */
		end = now_ms() + 1000;
		while (now_ms() < end) {
			ASSERT_EQ(0, held_bytes(nl, b, &bytes, &frames));
			ASSERT_EQ(0, frames)
				TH_LOG("a connection read past the namespace's max_held_bytes");
			usleep(20000);
		}
	} else {
		end = now_ms() + WAIT_MS;
		do {
			ASSERT_EQ(0, held_bytes(nl, b, &bytes, &frames));
		} while (frames != 1 && now_ms() < end);
		ASSERT_EQ(1, frames)
			TH_LOG("one connection's max-held stopped another");
	}

	/* 3. The owner reads and acks as it goes: every frame written,
	 * before and after the stop, arrives exactly once, in order.
	 */
	w.limit = w.next + 300;
	end = now_ms() + 180000;
	while (want_seq <= w.limit || !b_done) {
		ASSERT_LT(now_ms(), end)
			TH_LOG("stalled at frame %u of %u", want_seq - 1,
			       w.limit);
		ASSERT_EQ(0, writer_run(&w));
		ASSERT_LE(0, rx_log_poll(nl, &log, 20));
		for (; seen < log.nframes; seen++) {
			const struct rx_frame *f = &log.frames[seen];

			if (f->conn_id == b) {
				EXPECT_EQ(1, f->seq);
				EXPECT_EQ(5, f->len);
				b_done = true;
				continue;
			}
			ASSERT_EQ(a, f->conn_id);
			ASSERT_EQ(want_seq, f->seq);
			ASSERT_EQ(HELD_PAYLOAD, f->len);
			ASSERT_TRUE(pattern_check(f->data, f->len, &num));
			ASSERT_EQ(want_seq - 1, num);
			want_seq++;
		}
		ASSERT_EQ(0, rx_log_ack(nl, &log, a));
		ASSERT_EQ(0, rx_log_ack(nl, &log, b));
	}
	ASSERT_EQ(0, held_bytes(nl, a, &bytes, &frames));
	EXPECT_EQ(0, frames);
	EXPECT_EQ(0, bytes);

	tern_nl_conn_del(nl, a);
	tern_nl_conn_del(nl, b);
	rx_log_free(&log);
	tern_nl_close(nl);
	close(pa);
	close(fb[1]);
}

/*
 * KNOWN MODULE BUG, reported: nothing makes a connection that stopped
 * reading at its limit read again when the limit is raised, neither
 * conn-set of max-held (it kicks delivery, not reading) nor a larger
 * max_held_bytes (a plain module parameter): the connection stays stopped,
 * its heartbeat deadlines paused, until the owner acks. This test fails
 * until that is fixed.
 */
TEST_F_TIMEOUT(held, raising_the_limit_resumes_reading, 300)
{
	struct tern_conn_params set = { 0 };
	uint32_t cap, id, bytes = 0, frames = 0;
	struct writer w = { 0 };
	struct tern_nl *nl;
	uint64_t end;
	int peer;

	ASSERT_EQ(0, enter_new_netns());
	ASSERT_EQ(0, tern_nl_open(&nl));
	ASSERT_EQ(0, held_conn(nl, variant->netns_cap, self->tag, &cap, &id,
			       &peer));
	w.fd = peer;
	w.limit = UINT32_MAX;
	ASSERT_EQ(0, fill_until_stopped(nl, id, &w, &bytes, &frames, 120000));
	ASSERT_GE(cap + HELD_SLACK, bytes);

	/* Four times the room, and no ack. */
	if (variant->netns_cap) {
		ASSERT_EQ(0, sysfs_write_u64(PARAM_MAX_HELD, 4 * cap));
	} else {
		set.max_held = 4 * cap;
		ASSERT_EQ(0, tern_nl_conn_set(nl, id, &set));
	}
	end = now_ms() + WAIT_MS;
	do {
		ASSERT_EQ(0, writer_run(&w));
		ASSERT_EQ(0, held_bytes(nl, id, &bytes, &frames));
		if (bytes > cap + HELD_SLACK)
			break;
		usleep(20000);
	} while (now_ms() < end);
	EXPECT_LT(cap + HELD_SLACK, bytes)
		TH_LOG("still %u bytes held %d s after the limit went from %u to %u: the connection does not read again (known module bug)",
		       bytes, WAIT_MS / 1000, cap, 4 * cap);

	tern_nl_conn_del(nl, id);
	tern_nl_close(nl);
	close(peer);
}

/* --- a namespace is freed once its connections end ------------------------ */

/*
 * How this proves the namespaces were freed:
 *
 * struct net lives in its own slab cache, "net_namespace" (the VMs boot
 * with slab_nomerge, so no other object shares it, and the initial
 * namespace is static, not in it). Its count of objects in use, read from
 * /proc/slabinfo after shrinking the cache (which flushes the per-CPU
 * slabs, the only place SLUB's count is not exact), is the number of
 * namespaces allocated and not yet freed, dying ones included.
 *
 * One twist: since "net: defer final 'struct net' free in netns dismantle"
 * (6.12.y, and stable kernels before it), cleanup_net() frees the struct
 * net of the namespaces it dismantled only on its *next* run. So the last
 * batch of dismantled namespaces lingers in the count until another
 * namespace is dismantled. settle() therefore dismantles a throwaway
 * namespace (a child that unshares and exits) and reads the count, again
 * and again: each round frees what the one before left, and leaves exactly
 * its throwaway behind.
 *
 *  1. Baseline: settle() until the count stops changing (no namespace of
 *     an earlier test still dying; one throwaway lingering).
 *  2. Make K namespaces, each by a child process that opens two
 *     connections there (plain over IPv4, kTLS over IPv6) whose other ends
 *     it hands to us, and then sleeps. The count must now be at least
 *     baseline + K: the counter sees our namespaces.
 *  3. Put a listener of the "events" group in each namespace (conn-down
 *     goes to the connection's own namespace only): we setns() in, open a
 *     tern_nl socket, subscribe, and setns() back.
 *  4. Kill the children. Their netlink sockets close, the connections
 *     become orphans, and after their grace period (300 ms) end with
 *     reason owner-gone: each listener must hear exactly its two, and see
 *     none left in a dump; each peer sees its connection closed; a listener
 *     in our own namespace hears none of it.
 *  5. Drop our last references (listeners, peers). Nothing else holds
 *     these namespaces but tern.ko, if it had kept a socket or any other
 *     reference: settle() must bring the count back to the baseline. A
 *     namespace still referenced is never dismantled, so no number of
 *     rounds frees it.
 */

#define NS_COUNT	3
#define NS_GRACE_MS	300

struct ns_hello {
	int err;
	char why[128];
	uint32_t ids[2];
};

static long netns_objects(void)
{
	char line[512], name[64];
	long active = -1, n;
	FILE *f;
	int fd;

	fd = open("/sys/kernel/slab/net_namespace/shrink", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "1", 1) < 0)
			active = -1;	/* the count is then merely less exact */
		close(fd);
	}
	f = fopen("/proc/slabinfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %ld", name, &n) == 2 &&
		    !strcmp(name, "net_namespace")) {
			active = n;
			break;
		}
	fclose(f);
	return active;
}

/* Dismantle a throwaway namespace, then read the count (see above). */
static long settle(void)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(unshare(CLONE_NEWNET) ? 1 : 0);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return -1;
	usleep(300000);		/* let cleanup_net() run */
	return netns_objects();
}

static int send_hello(int sock, struct ns_hello *h, const int *fds, int nfds)
{
	char cbuf[CMSG_SPACE(2 * sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = h, .iov_len = sizeof(*h) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (nfds) {
		msg.msg_control = cbuf;
		msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	return sendmsg(sock, &msg, 0) == sizeof(*h) ? 0 : -1;
}

/* Receive the child's hello and the two peer fds; -1 on failure. */
static int recv_hello(int sock, struct ns_hello *h, int fds[2])
{
	char cbuf[CMSG_SPACE(2 * sizeof(int))];
	struct iovec iov = { .iov_base = h, .iov_len = sizeof(*h) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != sizeof(*h))
		return -1;
	if (h->err)
		return 0;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(2 * sizeof(int)))
		return -1;
	memcpy(fds, CMSG_DATA(c), 2 * sizeof(int));
	return 0;
}

/* In a child: a namespace of its own with two connections it owns. */
static void __attribute__((noreturn)) ns_owner(int sock, const char *tag)
{
	struct tern_conn_params p = {
		.hb_interval_ms = HB_QUIET,
		.grace_ms = NS_GRACE_MS,
	};
	struct ns_hello h = { 0 };
	int f[2][2], peers[2], k;
	struct tern_nl *nl;

	h.err = enter_new_netns();
	if (h.err) {
		snprintf(h.why, sizeof(h.why), "new netns: %s",
			 strerror(-h.err));
		goto out;
	}
	h.err = tern_nl_open(&nl);
	if (h.err) {
		snprintf(h.why, sizeof(h.why), "tern_nl_open: %s",
			 strerror(-h.err));
		goto out;
	}
	for (k = 0; k < 2; k++) {
		h.err = k ? ktls_pair(AF_INET6, f[k]) : tcp_pair(AF_INET, f[k]);
		if (h.err) {
			snprintf(h.why, sizeof(h.why), "pair %d: %s", k,
				 strerror(-h.err));
			goto out;
		}
		h.err = conn_new_fd(nl, f[k][0], !k, k ? TERN_ROLE_RESPONDER :
				    TERN_ROLE_INITIATOR, tag, &p, &h.ids[k]);
		if (h.err) {
			snprintf(h.why, sizeof(h.why), "conn-new: %s",
				 tern_nl_error(nl));
			goto out;
		}
		close(f[k][0]);		/* tern.ko holds it */
		peers[k] = f[k][1];
	}
	send_hello(sock, &h, peers, 2);
	close(peers[0]);		/* the test process holds them */
	close(peers[1]);
	for (;;)
		pause();		/* until killed */
out:
	send_hello(sock, &h, NULL, 0);
	_exit(1);
}

static int count_conns(const struct tern_conn_info *info, void *arg)
{
	(void)info;
	(*(int *)arg)++;
	return 0;
}

struct ns_child {
	pid_t pid;
	int peers[2];
	uint32_t ids[2];
	struct tern_nl *ev;	/* listener in the child's namespace */
	struct rx_log log;
};

FIXTURE(nsfree) {
	struct ns_child c[NS_COUNT];
	struct tern_nl *here;	/* listener in our own namespace */
	struct rx_log here_log;
	char tag[TERN_OWNER_TAG_MAX];
};

FIXTURE_SETUP(nsfree)
{
	int k;

	for (k = 0; k < NS_COUNT; k++) {
		self->c[k].pid = -1;
		self->c[k].peers[0] = self->c[k].peers[1] = -1;
	}
	snprintf(self->tag, sizeof(self->tag), "nsfree-%d", getpid());
	if (tern_nl_open(&self->here))
		SKIP(return, "tern.ko is not loaded");
}

FIXTURE_TEARDOWN(nsfree)
{
	int k;

	for (k = 0; k < NS_COUNT; k++) {
		if (self->c[k].pid > 0) {
			kill(self->c[k].pid, SIGKILL);
			waitpid(self->c[k].pid, NULL, 0);
		}
		tern_nl_close(self->c[k].ev);
		rx_log_free(&self->c[k].log);
		close(self->c[k].peers[0]);
		close(self->c[k].peers[1]);
	}
	rx_log_free(&self->here_log);
	tern_nl_close(self->here);
}

TEST_F_TIMEOUT(nsfree, netns_freed_after_owner_killed, 400)
{
	int here = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	long base, prev, now, alive;
	struct tern_conn_info info;
	struct ns_hello h;
	char path[64], c;
	uint64_t end;
	int k, i, err, sp[2], nsfd, stable = 0;

	ASSERT_LE(0, here);
	base = netns_objects();
	if (base < 0)
		SKIP(return, "/proc/slabinfo has no net_namespace cache");
	ASSERT_EQ(0, tern_nl_subscribe(self->here));

	/* 1. A baseline with no namespace dying. */
	end = now_ms() + 120000;
	for (prev = -1; stable < 3; prev = now) {
		ASSERT_LT(now_ms(), end) TH_LOG("net_namespace count unstable");
		now = settle();
		ASSERT_LE(0, now);
		stable = now == prev ? stable + 1 : 0;
	}
	base = prev;

	/* 2. K namespaces, each with two connections owned inside it. */
	for (k = 0; k < NS_COUNT; k++) {
		struct ns_child *ch = &self->c[k];

		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC,
					0, sp));
		ch->pid = fork_tied();
		ASSERT_LE(0, ch->pid);
		if (ch->pid == 0) {
			close(sp[0]);
			ns_owner(sp[1], self->tag);
		}
		close(sp[1]);
		ASSERT_EQ(0, recv_hello(sp[0], &h, ch->peers));
		close(sp[0]);
		ASSERT_EQ(0, h.err) TH_LOG("namespace %d: %s", k, h.why);
		memcpy(ch->ids, h.ids, sizeof(ch->ids));

		/* 3. Our listener in that namespace. */
		snprintf(path, sizeof(path), "/proc/%d/ns/net", ch->pid);
		nsfd = open(path, O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, nsfd);
		ASSERT_EQ(0, setns(nsfd, CLONE_NEWNET));
		err = tern_nl_open(&ch->ev);
		if (!err)
			err = tern_nl_subscribe(ch->ev);
		ASSERT_EQ(0, setns(here, CLONE_NEWNET));
		close(nsfd);	/* it would keep the namespace alive */
		ASSERT_EQ(0, err);
		for (i = 0; i < 2; i++) {
			ASSERT_EQ(0, tern_nl_conn_get(ch->ev, ch->ids[i], &info));
			EXPECT_EQ(TERN_STATE_ESTABLISHED, info.state);
			EXPECT_FALSE(info.orphan);
		}
	}
	alive = netns_objects();
	TH_LOG("net_namespace objects: %ld before, %ld with our %d namespaces",
	       base, alive, NS_COUNT);
	ASSERT_LE(base + NS_COUNT, alive);

	/* 4. The owners die; their connections end with owner-gone. */
	for (k = 0; k < NS_COUNT; k++) {
		ASSERT_EQ(0, kill(self->c[k].pid, SIGKILL));
		ASSERT_EQ(self->c[k].pid, waitpid(self->c[k].pid, NULL, 0));
		self->c[k].pid = -1;
	}
	for (k = 0; k < NS_COUNT; k++) {
		struct ns_child *ch = &self->c[k];
		uint64_t deadline;
		int n;

		for (i = 0; i < 2; i++) {
			const struct rx_down *d;

			d = rx_log_wait_down(ch->ev, &ch->log, ch->ids[i],
					     WAIT_MS);
			ASSERT_NE(NULL, d) TH_LOG("no conn-down for %u in namespace %d",
						  ch->ids[i], k);
			EXPECT_EQ(TERN_REASON_OWNER_GONE, d->reason);
			EXPECT_STREQ(self->tag, d->owner_tag);
		}
		ASSERT_LE(0, rx_log_poll(ch->ev, &ch->log, 0));
		EXPECT_EQ(2, ch->log.ndowns);
		/*
		 * Nothing is left in the namespace. conn-down goes out before
		 * the connection leaves the table (both under its lock, in the
		 * work item): a dump in between still lists it, as it did on
		 * the one-CPU debug kernel. So the table must empty soon after.
		 */
		deadline = now_ms() + WAIT_MS;
		do {
			n = 0;
			ASSERT_EQ(0, tern_nl_conn_dump(ch->ev, NULL,
						       count_conns, &n));
		} while (n && now_ms() < deadline && !usleep(10000));
		EXPECT_EQ(0, n);
		for (i = 0; i < 2; i++) {
			err = read_full(ch->peers[i], &c, 1, WAIT_MS);
			EXPECT_TRUE(err == -ENODATA || err == -ECONNRESET)
				TH_LOG("peer %d of namespace %d: read %d", i,
				       k, err);
		}
	}
	/* Our own namespace heard nothing of theirs. */
	ASSERT_LE(0, rx_log_poll(self->here, &self->here_log, 0));
	for (i = 0; i < (int)self->here_log.ndowns; i++)
		EXPECT_STRNE(self->tag, self->here_log.downs[i].owner_tag);

	/* 5. Our last references go: the namespaces must be freed. */
	for (k = 0; k < NS_COUNT; k++) {
		tern_nl_close(self->c[k].ev);
		self->c[k].ev = NULL;
		close(self->c[k].peers[0]);
		close(self->c[k].peers[1]);
		self->c[k].peers[0] = self->c[k].peers[1] = -1;
	}
	end = now_ms() + 120000;
	while ((now = settle()) > base && now_ms() < end)
		;
	TH_LOG("net_namespace objects after: %ld", now);
	EXPECT_GE(base, now)
		TH_LOG("%ld of our %d namespaces were never freed", now - base,
		       NS_COUNT);
	close(here);
}

TEST_HARNESS_MAIN
