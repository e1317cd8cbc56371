// SPDX-License-Identifier: GPL-2.0
/*
 * Every op of the tern family, and joining its "events" group, needs
 * CAP_NET_ADMIN in the user namespace that owns the caller's network
 * namespace.
 *
 * Each test runs one op twice against a connection the (privileged) test
 * process made: first from a forked child that gave up CAP_NET_ADMIN in one
 * of the ways below (the variants), which must get EPERM and change
 * nothing; then from the test process itself, which must succeed, so that
 * the refusal is known to be about the capability and not the request.
 *
 *   cap_dropped         root that dropped CAP_NET_ADMIN with capset()
 *   cap_dropped_socket  the same, using a netlink socket it opened while it
 *                       still had the capability (the kernel checks the
 *                       sender as well as the socket's opener)
 *   nobody              setresuid() to 65534, which clears every capability
 *   userns_root         root (all capabilities) in a new user namespace, but
 *                       still in the initial network namespace, which that
 *                       user namespace does not own
 *
 * The child reports what it got through a pipe; it never uses the
 * harness's ASSERT macros (they would run the fixture's teardown in it).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "common.h"
#include "tern_nl.h"
#include "tern_nl_priv.h"	/* the "events" group id, for bind() */

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

#define HB_QUIET	3600000
#define WAIT_MS		20000

enum drop_how {
	DROP_CAP,		/* capset() without CAP_NET_ADMIN */
	DROP_TO_NOBODY,		/* setresuid(65534): no capabilities */
	DROP_TO_USERNS,		/* unshare(CLONE_NEWUSER): caps elsewhere */
};

/* What the unprivileged child got. */
struct outcome {
	int setup;		/* 0, or -errno of dropping privileges */
	char setup_msg[128];
	int err;		/* of the op */
	int err2;		/* of a second form of it, where there is one */
	int count;		/* conn-adopt's count, -1 if none came back */
	char msg[256];
};

static const struct tern_conn_params quiet = { .hb_interval_ms = HB_QUIET };

static int capget_all(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};

	return syscall(SYS_capget, &h, d) ? -errno : 0;
}

static bool has_net_admin(void)
{
	struct __user_cap_data_struct d[2];

	return !capget_all(d) && (d[0].effective & (1u << CAP_NET_ADMIN));
}

static int drop_cap_net_admin(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];
	uint32_t bit = 1u << CAP_NET_ADMIN;
	int err = capget_all(d);

	if (err)
		return err;
	d[0].effective &= ~bit;
	d[0].permitted &= ~bit;
	d[0].inheritable &= ~bit;
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

static ino_t ns_ino(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : st.st_ino;
}

/* Say why dropping privileges failed; returns -1. */
static int __attribute__((format(printf, 3, 4)))
failed(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* Give up CAP_NET_ADMIN over the initial network namespace. */
static int drop(enum drop_how how, char *why, size_t len)
{
	ino_t net = ns_ino("/proc/self/ns/net");
	ino_t user = ns_ino("/proc/self/ns/user");

	switch (how) {
	case DROP_CAP:
		if (drop_cap_net_admin())
			return failed(why, len, "capset: %s", strerror(errno));
		break;
	case DROP_TO_NOBODY:
		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			return failed(why, len, "becoming nobody: %s",
				      strerror(errno));
		break;
	case DROP_TO_USERNS:
		if (unshare(CLONE_NEWUSER))
			return failed(why, len, "unshare(CLONE_NEWUSER): %s",
				      strerror(errno));
		/* Root of the new user namespace, with every capability... */
		if (!has_net_admin())
			return failed(why, len,
				      "no CAP_NET_ADMIN in the new user namespace");
		/* ...in the namespaces we started in, but for the user one. */
		if (ns_ino("/proc/self/ns/net") != net ||
		    ns_ino("/proc/self/ns/user") == user)
			return failed(why, len,
				      "not in a new user namespace of the initial netns");
		return 0;
	}
	if (has_net_admin())
		return failed(why, len, "CAP_NET_ADMIN still effective");
	return 0;
}

FIXTURE(perm) {
	struct tern_nl *nl;		/* the privileged owner */
	struct tern_nl *spare;		/* opened privileged, for the child */
	char tag[TERN_OWNER_TAG_MAX];
	uint32_t id;			/* holds one delivered, unacked frame */
	int peer;
	struct rx_log log;
};

FIXTURE_VARIANT(perm) {
	enum drop_how how;
	bool socket_before_drop;
};

FIXTURE_VARIANT_ADD(perm, cap_dropped) {
	.how = DROP_CAP,
};

FIXTURE_VARIANT_ADD(perm, cap_dropped_socket) {
	.how = DROP_CAP, .socket_before_drop = true,
};

FIXTURE_VARIANT_ADD(perm, nobody) {
	.how = DROP_TO_NOBODY,
};

FIXTURE_VARIANT_ADD(perm, userns_root) {
	.how = DROP_TO_USERNS,
};

FIXTURE_SETUP(perm)
{
	int err = tern_nl_open(&self->nl), fds[2];

	if (err == -ENOENT)
		SKIP(return, "tern.ko is not loaded");
	ASSERT_EQ(0, err);
	if (!has_net_admin())
		SKIP(return, "the test itself needs CAP_NET_ADMIN");
	ASSERT_EQ(0, tern_nl_open(&self->spare));
	snprintf(self->tag, sizeof(self->tag), "perm-%d", getpid());

	ASSERT_EQ(0, tcp_pair(AF_INET, fds));
	ASSERT_EQ(0, conn_new_fd(self->nl, fds[0], true, TERN_ROLE_INITIATOR,
				 self->tag, &quiet, &self->id));
	close(fds[0]);
	self->peer = fds[1];
	ASSERT_EQ(0, frame_write(self->peer, 16, 0, "held", 4));
	ASSERT_TRUE(rx_log_wait(self->nl, &self->log, self->id, 1, WAIT_MS));
}

FIXTURE_TEARDOWN(perm)
{
	struct tern_nl *nl;

	/* self->nl may be closed by now: use a socket of our own. */
	if (!tern_nl_open(&nl)) {
		tern_nl_conn_del(nl, self->id);
		tern_nl_close(nl);
	}
	rx_log_free(&self->log);
	tern_nl_close(self->spare);
	tern_nl_close(self->nl);
	close(self->peer);
}

/* What the child does once unprivileged; fills @o. */
typedef void (*unpriv_fn)(struct tern_nl *nl, FIXTURE_DATA(perm) *self,
			  struct outcome *o);

/*
 * Run @fn in a child without CAP_NET_ADMIN, with a tern_nl socket opened
 * before (socket_before_drop) or after dropping it. Returns 0 and fills @o,
 * or -1 if the child could not run.
 */
static int run_unprivileged(FIXTURE_DATA(perm) *self,
			    const FIXTURE_VARIANT(perm) *variant,
			    unpriv_fn fn, struct outcome *o)
{
	int p[2], status;
	ssize_t n;
	pid_t pid;

	memset(o, 0, sizeof(*o));
	if (pipe(p))
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct tern_nl *nl = NULL;
		struct outcome r = { .count = -1 };

		close(p[0]);
		if (variant->socket_before_drop)
			nl = self->spare;
		if (drop(variant->how, r.setup_msg, sizeof(r.setup_msg)))
			r.setup = -EPERM;
		if (!r.setup && !nl) {
			r.setup = tern_nl_open(&nl);
			if (r.setup)
				snprintf(r.setup_msg, sizeof(r.setup_msg),
					 "tern_nl_open: %s",
					 strerror(-r.setup));
		}
		if (!r.setup) {
			nl->err[0] = '\0';
			fn(nl, self, &r);
			snprintf(r.msg, sizeof(r.msg), "%s", tern_nl_error(nl));
		}
		n = write(p[1], &r, sizeof(r));
		_exit(n == sizeof(r) ? 0 : 1);
	}
	close(p[1]);
	n = read(p[0], o, sizeof(*o));
	close(p[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) || n != sizeof(*o))
		return -1;
	return 0;
}

#define ASSERT_UNPRIV_REFUSED(fn, o) do {					\
	ASSERT_EQ(0, run_unprivileged(self, variant, fn, o));			\
	ASSERT_EQ(0, (o)->setup) TH_LOG("dropping privileges: %s",		\
					(o)->setup_msg);			\
	ASSERT_EQ(-EPERM, (o)->err)						\
		TH_LOG("without CAP_NET_ADMIN: %d (%s)", (o)->err, (o)->msg);	\
} while (0)

static void do_conn_new(struct tern_nl *nl, FIXTURE_DATA(perm) *self,
			struct outcome *o)
{
	uint32_t id;
	int fds[2];

	o->err = tcp_pair(AF_INET, fds);
	if (!o->err)
		o->err = conn_new_fd(nl, fds[0], true, TERN_ROLE_RESPONDER,
				     self->tag, &quiet, &id);
}

static int count_tagged(const struct tern_conn_info *info, void *arg)
{
	(void)info;
	(*(int *)arg)++;
	return 0;
}

TEST_F(perm, conn_new_refused)
{
	struct outcome o;
	uint32_t id;
	int n = 0, fds[2];

	ASSERT_UNPRIV_REFUSED(do_conn_new, &o);
	ASSERT_EQ(0, tern_nl_conn_dump(self->nl, self->tag, count_tagged, &n));
	EXPECT_EQ(1, n) TH_LOG("the refused conn-new made a connection");

	ASSERT_EQ(0, tcp_pair(AF_INET, fds));
	EXPECT_EQ(0, conn_new_fd(self->nl, fds[0], true, TERN_ROLE_RESPONDER,
				 self->tag, &quiet, &id))
		TH_LOG("privileged conn-new: %s", tern_nl_error(self->nl));
	tern_nl_conn_del(self->nl, id);
	close(fds[0]);
	close(fds[1]);
}

static void do_conn_set(struct tern_nl *nl, FIXTURE_DATA(perm) *self,
			struct outcome *o)
{
	struct tern_conn_params p = { .hb_interval_ms = 12345 };

	o->err = tern_nl_conn_set(nl, self->id, &p);
}

TEST_F(perm, conn_set_refused)
{
	struct tern_conn_params p = { .hb_interval_ms = 12345 };
	struct tern_conn_info info;
	struct outcome o;

	ASSERT_UNPRIV_REFUSED(do_conn_set, &o);
	ASSERT_EQ(0, tern_nl_conn_get(self->nl, self->id, &info));
	EXPECT_EQ(HB_QUIET, info.hb_interval_ms);

	EXPECT_EQ(0, tern_nl_conn_set(self->nl, self->id, &p));
	ASSERT_EQ(0, tern_nl_conn_get(self->nl, self->id, &info));
	EXPECT_EQ(12345, info.hb_interval_ms);
}

static void do_conn_del(struct tern_nl *nl, FIXTURE_DATA(perm) *self,
			struct outcome *o)
{
	o->err = tern_nl_conn_del(nl, self->id);
}

TEST_F(perm, conn_del_refused)
{
	struct tern_conn_info info;
	struct outcome o;

	ASSERT_UNPRIV_REFUSED(do_conn_del, &o);
	ASSERT_EQ(0, tern_nl_conn_get(self->nl, self->id, &info));
	EXPECT_EQ(TERN_STATE_ESTABLISHED, info.state);

	EXPECT_EQ(0, tern_nl_conn_del(self->nl, self->id));
	EXPECT_EQ(-ENOENT, tern_nl_conn_get(self->nl, self->id, &info));
}

static void do_conn_get(struct tern_nl *nl, FIXTURE_DATA(perm) *self,
			struct outcome *o)
{
	struct tern_conn_info info;

	o->err = tern_nl_conn_get(nl, self->id, &info);
}

TEST_F(perm, conn_get_refused)
{
	struct tern_conn_info info;
	struct outcome o;

	ASSERT_UNPRIV_REFUSED(do_conn_get, &o);
	EXPECT_EQ(0, tern_nl_conn_get(self->nl, self->id, &info));
	EXPECT_EQ(self->id, info.id);
}

static void do_conn_dump(struct tern_nl *nl, FIXTURE_DATA(perm) *self,
			 struct outcome *o)
{
	int n = 0;

	o->err = tern_nl_conn_dump(nl, NULL, count_tagged, &n);
	o->err2 = tern_nl_conn_dump(nl, self->tag, count_tagged, &n);
	o->count = n;
}

TEST_F(perm, conn_dump_refused)
{
	struct outcome o;
	int n = 0;

	ASSERT_UNPRIV_REFUSED(do_conn_dump, &o);
	EXPECT_EQ(-EPERM, o.err2) TH_LOG("dump by owner tag: %d", o.err2);
	EXPECT_EQ(0, o.count) TH_LOG("the refused dumps listed connections");

	EXPECT_EQ(0, tern_nl_conn_dump(self->nl, self->tag, count_tagged, &n));
	EXPECT_EQ(1, n);
}

static void do_conn_adopt(struct tern_nl *nl, FIXTURE_DATA(perm) *self,
			  struct outcome *o)
{
	uint32_t count = 0;

	o->err = tern_nl_conn_adopt(nl, self->tag, 0, 0, &count);
	if (!o->err)
		o->count = count;
	o->err2 = tern_nl_conn_adopt(nl, self->tag, self->id, 0, &count);
}

TEST_F(perm, conn_adopt_refused)
{
	struct tern_conn_info info;
	struct outcome o;
	uint32_t count = 0;

	/* An orphan to adopt: its owner's socket goes away. */
	tern_nl_close(self->nl);
	self->nl = NULL;
	ASSERT_EQ(0, tern_nl_open(&self->nl));
	ASSERT_EQ(0, tern_nl_conn_get(self->nl, self->id, &info));
	ASSERT_TRUE(info.orphan);

	ASSERT_UNPRIV_REFUSED(do_conn_adopt, &o);
	EXPECT_EQ(-EPERM, o.err2) TH_LOG("adopt by conn id: %d", o.err2);
	ASSERT_EQ(0, tern_nl_conn_get(self->nl, self->id, &info));
	EXPECT_TRUE(info.orphan);

	EXPECT_EQ(0, tern_nl_conn_adopt(self->nl, self->tag, 0, 0, &count));
	EXPECT_EQ(1, count);
	ASSERT_EQ(0, tern_nl_conn_get(self->nl, self->id, &info));
	EXPECT_FALSE(info.orphan);
}

static void do_conn_detach(struct tern_nl *nl, FIXTURE_DATA(perm) *self,
			   struct outcome *o)
{
	int fd = -1;

	o->err = tern_nl_conn_detach(nl, self->id, &fd);
}

TEST_F(perm, conn_detach_refused)
{
	struct tern_ack a = { .conn_id = self->id, .seq = 1 };
	struct tern_conn_info info;
	struct outcome o;
	int fd = -1;

	ASSERT_UNPRIV_REFUSED(do_conn_detach, &o);
	ASSERT_EQ(0, tern_nl_conn_get(self->nl, self->id, &info));
	EXPECT_EQ(TERN_STATE_ESTABLISHED, info.state);

	/* Privileged, once the held frame is acked, it goes. */
	ASSERT_EQ(0, tern_nl_frame_ack(self->nl, &a, 1));
	EXPECT_EQ(0, tern_nl_conn_detach(self->nl, self->id, &fd))
		TH_LOG("privileged conn-detach: %s", tern_nl_error(self->nl));
	EXPECT_LE(0, fd);
	close(fd);
}

static void do_frame_send(struct tern_nl *nl, FIXTURE_DATA(perm) *self,
			  struct outcome *o)
{
	struct tern_frame_out f = {
		.conn_id = self->id, .type = 16, .data = "unprivileged",
		.len = 12,
	};
	struct tern_send_result res;
	size_t nres;

	o->err = tern_nl_frame_send(nl, &f, 1, &res, &nres);
}

TEST_F(perm, frame_send_refused)
{
	struct tern_frame_out f = {
		.conn_id = self->id, .type = 17, .data = "privileged",
		.len = 10,
	};
	struct tern_send_result res;
	struct outcome o;
	char buf[64];
	uint16_t flags;
	uint8_t type;
	size_t nres;

	ASSERT_UNPRIV_REFUSED(do_frame_send, &o);

	ASSERT_EQ(0, tern_nl_frame_send(self->nl, &f, 1, &res, &nres));
	EXPECT_EQ(1, res.queued);
	/* The first frame the peer gets is the privileged one. */
	ASSERT_EQ(10, frame_read(self->peer, &type, &flags, buf, sizeof(buf),
				 NULL, WAIT_MS));
	EXPECT_EQ(17, type);
	EXPECT_EQ(0, memcmp(buf, "privileged", 10));
}

static void do_frame_ack(struct tern_nl *nl, FIXTURE_DATA(perm) *self,
			 struct outcome *o)
{
	struct tern_ack a = { .conn_id = self->id, .seq = 1 };

	o->err = tern_nl_frame_ack(nl, &a, 1);
}

TEST_F(perm, frame_ack_refused)
{
	struct tern_ack a = { .conn_id = self->id, .seq = 1 };
	struct tern_conn_info info;
	struct outcome o;

	ASSERT_UNPRIV_REFUSED(do_frame_ack, &o);
	ASSERT_EQ(0, tern_nl_conn_get(self->nl, self->id, &info));
	EXPECT_EQ(1, info.stats.held_frames);

	EXPECT_EQ(0, tern_nl_frame_ack(self->nl, &a, 1));
	ASSERT_EQ(0, tern_nl_conn_get(self->nl, self->id, &info));
	EXPECT_EQ(0, info.stats.held_frames);
}

/* Join "events" with setsockopt(), and with bind() when the group id fits
 * bind()'s 32-bit mask, on a fresh socket.
 */
static void do_events_join(struct tern_nl *nl, FIXTURE_DATA(perm) *self,
			   struct outcome *o)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd;

	(void)self;
	o->err = tern_nl_subscribe(nl);
	o->count = nl->events_grp;
	if (nl->events_grp < 1 || nl->events_grp > 32)
		return;		/* bind() cannot name it */
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0) {
		o->err2 = -errno;
		return;
	}
	sa.nl_groups = 1u << (nl->events_grp - 1);
	o->err2 = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
	close(fd);
}

TEST_F(perm, events_group_join_refused)
{
	const struct rx_down *down;
	struct tern_nl *ev;
	struct outcome o;

	ASSERT_UNPRIV_REFUSED(do_events_join, &o);
	if (o.count >= 1 && o.count <= 32) {
		EXPECT_EQ(-EPERM, o.err2)
			TH_LOG("bind() to group %d: %d", o.count, o.err2);
	} else {
		TH_LOG("group id %d does not fit bind()'s mask: setsockopt() only",
		       o.count);
	}

	/* Privileged, the subscription works: conn-del is announced. */
	ASSERT_EQ(0, tern_nl_open(&ev));
	ASSERT_EQ(0, tern_nl_subscribe(ev))
		TH_LOG("privileged subscribe: %s", tern_nl_error(ev));
	ASSERT_EQ(0, tern_nl_conn_del(self->nl, self->id));
	down = rx_log_wait_down(ev, &self->log, self->id, WAIT_MS);
	ASSERT_NE(NULL, down);
	EXPECT_EQ(TERN_REASON_DELETED, down->reason);
	tern_nl_close(ev);
}

TEST_HARNESS_MAIN
