// SPDX-License-Identifier: GPL-2.0
/*
 * Every connection op of tern.ko and every way it refuses one: conn-new on
 * every kind of socket (and on the wrong ones), out-of-range parameters,
 * conn-set, conn-del, conn-get (do and dump), conn-adopt, conn-detach, and
 * the frame ops' refusals (unknown connection, transport frame types, acks
 * from a non-owner or beyond what was delivered).
 *
 * A refusal is checked twice: the errno, and the extack message that
 * tern_nl_error() returns, which must be the kernel's own words naming the
 * problem (not strerror()). Requests the library would refuse before
 * sending them (an empty owner tag, a missing attribute, a PING frame) are
 * built by hand with the library's internal request helpers.
 *
 * Each test uses an owner tag of its own ("ops-<pid>", and tags that start
 * with it) and deletes every connection carrying one at teardown.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <linux/bpf.h>
#include <linux/tls.h>

#include "kselftest_harness.h"
#include "common.h"
#include "tern_nl.h"
#include "tern_nl_priv.h"	/* hand-built requests: tern_nl_transact() */

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP	262
#endif
#ifndef SOL_TLS
#define SOL_TLS		282
#endif
#ifndef TCP_ULP
#define TCP_ULP		31
#endif

/* Heartbeats that never fire while a test runs. */
#define HB_QUIET	3600000
/* Generous bound for anything to happen under TCG. */
#define WAIT_MS		20000
/* A connection id no test ever gets (ids are allocated from 1 upwards). */
#define NO_SUCH_CONN	0x7ffffff0u

static const struct tern_conn_params quiet = {
	.hb_interval_ms = HB_QUIET,
};

/*
 * @call must return -@want_errno, and tern_nl_error() must then hold the
 * kernel's extack message, containing @needle.
 */
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

static int pair(int family, bool tls, int fds[2])
{
	return tls ? ktls_pair(family, fds) : tcp_pair(family, fds);
}

static int new_quiet(struct tern_nl *nl, int fd, bool plain, const char *tag,
		     uint32_t *id)
{
	return conn_new_fd(nl, fd, plain, TERN_ROLE_INITIATOR, tag, &quiet, id);
}

/* Ids of the connections whose owner tag starts with @prefix. */
struct idlist {
	const char *prefix;
	size_t n, total;
	uint32_t ids[1024];
	char tags[1024][TERN_OWNER_TAG_MAX];
};

static int collect(const struct tern_conn_info *info, void *arg)
{
	struct idlist *l = arg;

	l->total++;
	if (l->prefix && strncmp(info->owner_tag, l->prefix,
				 strlen(l->prefix)))
		return 0;
	if (l->n < sizeof(l->ids) / sizeof(l->ids[0])) {
		l->ids[l->n] = info->id;
		snprintf(l->tags[l->n], sizeof(l->tags[0]), "%s",
			 info->owner_tag);
		l->n++;
	}
	return 0;
}

static bool has_id(const struct idlist *l, uint32_t id)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->ids[i] == id)
			return true;
	return false;
}

/* Delete every connection whose owner tag starts with @prefix. */
static void del_tagged(const char *prefix)
{
	struct idlist *l = calloc(1, sizeof(*l));
	struct tern_nl *nl;
	size_t i;

	if (!l || tern_nl_open(&nl)) {
		free(l);
		return;
	}
	l->prefix = prefix;
	if (!tern_nl_conn_dump(nl, NULL, collect, l))
		for (i = 0; i < l->n; i++)
			tern_nl_conn_del(nl, l->ids[i]);
	tern_nl_close(nl);
	free(l);
}

/* Poll conn-get until the connection holds @frames frames. */
static int wait_held(struct tern_nl *nl, uint32_t id, uint32_t frames)
{
	uint64_t end = now_ms() + WAIT_MS;
	struct tern_conn_info info;
	int err;

	do {
		err = tern_nl_conn_get(nl, id, &info);
		if (err)
			return err;
		if (info.stats.held_frames == frames)
			return 0;
		usleep(2000);
	} while (now_ms() < end);
	return -ETIMEDOUT;
}

static int send_one(struct tern_nl *nl, uint32_t id, uint8_t type,
		    uint16_t flags, const char *data)
{
	struct tern_frame_out f = {
		.conn_id = id, .type = type, .flags = flags,
		.data = data, .len = strlen(data),
	};
	struct tern_send_result res;
	size_t nres;
	int err;

	err = tern_nl_frame_send(nl, &f, 1, &res, &nres);
	if (err)
		return err;
	if (nres != 1 || res.conn_id != id)
		return -EBADMSG;
	return res.error ? res.error : (res.queued == 1 ? 0 : -EIO);
}

static int ack(struct tern_nl *nl, uint32_t id, uint64_t seq)
{
	struct tern_ack a = { .conn_id = id, .seq = seq };

	return tern_nl_frame_ack(nl, &a, 1);
}

/* Read one frame on a peer: its payload as a string (up to 255 bytes). */
static int peer_frame(int fd, uint8_t *type, uint16_t *flags, char *buf)
{
	int n = frame_read(fd, type, flags, buf, 255, NULL, WAIT_MS);

	if (n >= 0)
		buf[n < 255 ? n : 255] = '\0';
	return n;
}

static bool frame_is(const struct rx_frame *f, uint64_t seq, const char *data)
{
	return f->seq == seq && f->len == strlen(data) &&
	       !memcmp(f->data, data, f->len);
}

/* Bring lo up in the current network namespace. */
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

static bool same_addr(const struct sockaddr_storage *ss, uint16_t family,
		      const uint8_t *addr, uint16_t port)
{
	if (ss->ss_family != family)
		return false;
	if (family == AF_INET) {
		const struct sockaddr_in *in = (const void *)ss;

		return !memcmp(&in->sin_addr, addr, 4) &&
		       ntohs(in->sin_port) == port;
	}
	const struct sockaddr_in6 *in6 = (const void *)ss;

	return !memcmp(&in6->sin6_addr, addr, 16) &&
	       ntohs(in6->sin6_port) == port;
}

/* --- conn-new on every kind of socket that works ------------------------ */

FIXTURE(newconn) {
	struct tern_nl *nl;
	char tag[TERN_OWNER_TAG_MAX];
	int fds[2];
	struct rx_log log;
};

FIXTURE_VARIANT(newconn) {
	int family;
	bool tls;
	enum tern_role role;
};

FIXTURE_VARIANT_ADD(newconn, ipv4_plain_initiator) {
	.family = AF_INET, .tls = false, .role = TERN_ROLE_INITIATOR,
};

FIXTURE_VARIANT_ADD(newconn, ipv4_plain_responder) {
	.family = AF_INET, .tls = false, .role = TERN_ROLE_RESPONDER,
};

FIXTURE_VARIANT_ADD(newconn, ipv6_plain_initiator) {
	.family = AF_INET6, .tls = false, .role = TERN_ROLE_INITIATOR,
};

FIXTURE_VARIANT_ADD(newconn, ipv6_plain_responder) {
	.family = AF_INET6, .tls = false, .role = TERN_ROLE_RESPONDER,
};

FIXTURE_VARIANT_ADD(newconn, ipv4_ktls_initiator) {
	.family = AF_INET, .tls = true, .role = TERN_ROLE_INITIATOR,
};

FIXTURE_VARIANT_ADD(newconn, ipv4_ktls_responder) {
	.family = AF_INET, .tls = true, .role = TERN_ROLE_RESPONDER,
};

FIXTURE_VARIANT_ADD(newconn, ipv6_ktls_initiator) {
	.family = AF_INET6, .tls = true, .role = TERN_ROLE_INITIATOR,
};

FIXTURE_VARIANT_ADD(newconn, ipv6_ktls_responder) {
	.family = AF_INET6, .tls = true, .role = TERN_ROLE_RESPONDER,
};

FIXTURE_SETUP(newconn)
{
	int err = tern_nl_open(&self->nl);

	if (err == -ENOENT)
		SKIP(return, "tern.ko is not loaded");
	ASSERT_EQ(0, err);
	snprintf(self->tag, sizeof(self->tag), "ops-%d", getpid());
	err = pair(variant->family, variant->tls, self->fds);
	if (variant->family == AF_INET6 &&
	    (err == -EAFNOSUPPORT || err == -EADDRNOTAVAIL))
		SKIP(return, "no IPv6 loopback: %s", strerror(-err));
	ASSERT_EQ(0, err);
}

FIXTURE_TEARDOWN(newconn)
{
	del_tagged(self->tag);
	rx_log_free(&self->log);
	tern_nl_close(self->nl);
	close(self->fds[0]);
	close(self->fds[1]);
}

TEST_F(newconn, conn_get_reports_what_was_set)
{
	struct tern_conn_params p = {
		.hb_interval_ms = 120000,
		.timeout_ms = 90000,
		.partial_timeout_ms = 70000,
		.max_frame = 4096,
		.priority = 5,
		.mark = 0x1234,
		.grace_ms = 45000,
		.rcv_window = 128 * 1024,
		.max_held = 512 * 1024,
		.cookie = 0x1122334455667788ull,
	};
	struct sockaddr_storage local, peer;
	socklen_t len = sizeof(local);
	struct tern_conn_info info;
	int val;
	uint32_t id;

	ASSERT_EQ(0, getsockname(self->fds[0], (void *)&local, &len));
	len = sizeof(peer);
	ASSERT_EQ(0, getpeername(self->fds[0], (void *)&peer, &len));

	ASSERT_EQ(0, conn_new_fd(self->nl, self->fds[0], !variant->tls,
				 variant->role, self->tag, &p, &id))
		TH_LOG("conn-new: %s", tern_nl_error(self->nl));
	ASSERT_NE(0, id);
	ASSERT_EQ(0, tern_nl_conn_get(self->nl, id, &info))
		TH_LOG("conn-get: %s", tern_nl_error(self->nl));

	EXPECT_EQ(id, info.id);
	EXPECT_EQ(TERN_STATE_ESTABLISHED, info.state);
	EXPECT_EQ(variant->role, info.role);
	EXPECT_FALSE(info.orphan);
	EXPECT_EQ(!variant->tls, info.plain);
	EXPECT_STREQ(self->tag, info.owner_tag);
	EXPECT_EQ(p.cookie, info.cookie);
	EXPECT_EQ(variant->family, info.family);
	EXPECT_TRUE(same_addr(&local, info.family, info.local_addr,
			      info.local_port));
	EXPECT_TRUE(same_addr(&peer, info.family, info.peer_addr,
			      info.peer_port));
	EXPECT_EQ(p.hb_interval_ms, info.hb_interval_ms);
	EXPECT_EQ(p.timeout_ms, info.timeout_ms);
	EXPECT_EQ(p.partial_timeout_ms, info.partial_timeout_ms);
	EXPECT_EQ(p.max_frame, info.max_frame);
	EXPECT_EQ(p.priority, info.priority);
	EXPECT_EQ(p.mark, info.mark);
	EXPECT_EQ(p.grace_ms, info.grace_ms);
	EXPECT_EQ(p.rcv_window, info.rcv_window);
	EXPECT_EQ(p.max_held, info.max_held);
	EXPECT_EQ(0, info.reason);
	EXPECT_EQ(0, info.stats.rx_frames);
	EXPECT_EQ(0, info.stats.held_frames);

	/* Priority and mark went to the socket itself. */
	len = sizeof(val);
	ASSERT_EQ(0, getsockopt(self->fds[0], SOL_SOCKET, SO_MARK, &val, &len));
	EXPECT_EQ(0x1234, val);
	len = sizeof(val);
	ASSERT_EQ(0, getsockopt(self->fds[0], SOL_SOCKET, SO_PRIORITY, &val,
				&len));
	EXPECT_EQ(5, val);
}

TEST_F(newconn, frames_flow_both_ways)
{
	char buf[256];
	uint16_t flags;
	uint8_t type;
	uint32_t id;

	ASSERT_EQ(0, conn_new_fd(self->nl, self->fds[0], !variant->tls,
				 variant->role, self->tag, &quiet, &id))
		TH_LOG("conn-new: %s", tern_nl_error(self->nl));
	/* tern.ko holds the socket: our copy of the fd is not needed. */
	close(self->fds[0]);
	self->fds[0] = -1;

	ASSERT_EQ(0, frame_write(self->fds[1], 42, 0xabcd, "to the owner", 12));
	ASSERT_TRUE(rx_log_wait(self->nl, &self->log, id, 1, WAIT_MS));
	EXPECT_TRUE(frame_is(&self->log.frames[0], 1, "to the owner"));
	EXPECT_EQ(42, self->log.frames[0].type);
	EXPECT_EQ(0xabcd, self->log.frames[0].flags);
	ASSERT_EQ(0, ack(self->nl, id, 1));

	ASSERT_EQ(0, send_one(self->nl, id, 77, 0x0102, "to the peer"))
		TH_LOG("frame-send: %s", tern_nl_error(self->nl));
	ASSERT_EQ(11, peer_frame(self->fds[1], &type, &flags, buf));
	EXPECT_EQ(77, type);
	EXPECT_EQ(0x0102, flags);
	EXPECT_STREQ("to the peer", buf);
}

/* --- conn-new refusals, and the other ops ------------------------------- */

FIXTURE(ops) {
	struct tern_nl *nl;
	char tag[TERN_OWNER_TAG_MAX];
	struct rx_log log;
};

FIXTURE_SETUP(ops)
{
	int err = tern_nl_open(&self->nl);

	if (err == -ENOENT)
		SKIP(return, "tern.ko is not loaded");
	ASSERT_EQ(0, err);
	snprintf(self->tag, sizeof(self->tag), "ops-%d", getpid());
}

FIXTURE_TEARDOWN(ops)
{
	del_tagged(self->tag);
	rx_log_free(&self->log);
	tern_nl_close(self->nl);
}

TEST_F(ops, conn_new_defaults_reported)
{
	struct tern_conn_info info;
	uint32_t ini, resp;
	int a[2], b[2];

	ASSERT_EQ(0, tcp_pair(AF_INET, a));
	ASSERT_EQ(0, tcp_pair(AF_INET, b));
	ASSERT_EQ(0, conn_new_fd(self->nl, a[0], true, TERN_ROLE_INITIATOR,
				 self->tag, NULL, &ini));
	ASSERT_EQ(0, conn_new_fd(self->nl, b[0], true, TERN_ROLE_RESPONDER,
				 self->tag, NULL, &resp));

	ASSERT_EQ(0, tern_nl_conn_get(self->nl, ini, &info));
	EXPECT_EQ(TERN_HB_INTERVAL_DEFAULT, info.hb_interval_ms);
	/* An initiator waits at most the default for its PONG. */
	EXPECT_EQ(TERN_TIMEOUT_DEFAULT, info.timeout_ms);
	EXPECT_EQ(TERN_PARTIAL_TIMEOUT_DEFAULT, info.partial_timeout_ms);
	EXPECT_EQ(TERN_FRAME_MAX_PAYLOAD, info.max_frame);
	EXPECT_EQ(TERN_GRACE_DEFAULT, info.grace_ms);
	EXPECT_EQ(TERN_RCV_WINDOW_DEFAULT, info.rcv_window);
	EXPECT_EQ(TERN_MAX_HELD_DEFAULT, info.max_held);
	EXPECT_EQ(0, info.priority);
	EXPECT_EQ(0, info.mark);
	EXPECT_EQ(0, info.cookie);
	EXPECT_TRUE(info.plain);

	ASSERT_EQ(0, tern_nl_conn_get(self->nl, resp, &info));
	/* A responder drops a peer silent for 1.5 heartbeat intervals. */
	EXPECT_EQ(TERN_HB_INTERVAL_DEFAULT * 3 / 2, info.timeout_ms);
	EXPECT_EQ(TERN_ROLE_RESPONDER, info.role);

	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
}

TEST_F(ops, conn_new_plain_flag_ignored_on_ktls_socket)
{
	struct tern_conn_info info;
	uint32_t id;
	int fds[2];

	ASSERT_EQ(0, ktls_pair(AF_INET, fds));
	ASSERT_EQ(0, new_quiet(self->nl, fds[0], true, self->tag, &id));
	ASSERT_EQ(0, tern_nl_conn_get(self->nl, id, &info));
	/* kTLS was found on the socket: the connection is not plain. */
	EXPECT_FALSE(info.plain);
	close(fds[0]);
	close(fds[1]);
}

TEST_F(ops, conn_new_rejects_bad_fd)
{
	uint32_t id;
	int fd = dup(0);

	ASSERT_LE(0, fd);
	close(fd);	/* a descriptor number that is not open */
	ASSERT_REFUSED(self->nl, EBADF, "not an open file descriptor",
		       new_quiet(self->nl, fd, true, self->tag, &id));
}

TEST_F(ops, conn_new_rejects_pipe)
{
	uint32_t id;
	int p[2];

	ASSERT_EQ(0, pipe(p));
	ASSERT_REFUSED(self->nl, ENOTSOCK, "not a socket",
		       new_quiet(self->nl, p[0], true, self->tag, &id));
	close(p[0]);
	close(p[1]);
}

TEST_F(ops, conn_new_rejects_udp_socket)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(9),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	uint32_t id;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, connect(fd, (void *)&sin, sizeof(sin)));
	ASSERT_REFUSED(self->nl, EPROTOTYPE, "not a TCP socket",
		       new_quiet(self->nl, fd, true, self->tag, &id));
	close(fd);
}

TEST_F(ops, conn_new_rejects_unix_stream_socket)
{
	uint32_t id;
	int sp[2];

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sp));
	ASSERT_REFUSED(self->nl, EAFNOSUPPORT, "not IPv4 or IPv6",
		       new_quiet(self->nl, sp[0], true, self->tag, &id));
	close(sp[0]);
	close(sp[1]);
}

TEST_F(ops, conn_new_rejects_listening_socket)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	uint32_t id;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, bind(fd, (void *)&sin, sizeof(sin)));
	ASSERT_EQ(0, listen(fd, 1));
	ASSERT_REFUSED(self->nl, EINVAL, "listening",
		       new_quiet(self->nl, fd, true, self->tag, &id));
	close(fd);
}

TEST_F(ops, conn_new_rejects_unconnected_socket)
{
	int fd = socket(AF_INET6, SOCK_STREAM, 0);
	uint32_t id;

	ASSERT_LE(0, fd);
	ASSERT_REFUSED(self->nl, ENOTCONN, "not connected",
		       new_quiet(self->nl, fd, true, self->tag, &id));
	close(fd);
}

TEST_F(ops, conn_new_rejects_socket_of_other_netns)
{
	int here = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	uint32_t id;
	int fds[2];

	ASSERT_LE(0, here);
	/* A connected pair made in a namespace of its own... */
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, lo_up());
	ASSERT_EQ(0, tcp_pair(AF_INET, fds));
	/* ...handed over from ours, whose family socket self->nl is. */
	ASSERT_EQ(0, setns(here, CLONE_NEWNET));
	ASSERT_REFUSED(self->nl, EXDEV, "another network namespace",
		       new_quiet(self->nl, fds[0], true, self->tag, &id));
	close(fds[0]);
	close(fds[1]);
	close(here);
}

TEST_F(ops, conn_new_rejects_socket_already_held)
{
	struct tern_nl *other;
	uint32_t id, id2;
	int fds[2];

	ASSERT_EQ(0, tcp_pair(AF_INET, fds));
	ASSERT_EQ(0, new_quiet(self->nl, fds[0], true, self->tag, &id));
	ASSERT_REFUSED(self->nl, EBUSY, "already held by a tern connection",
		       new_quiet(self->nl, fds[0], true, self->tag, &id2));

	/* Nor may another netlink socket take it. */
	ASSERT_EQ(0, tern_nl_open(&other));
	ASSERT_REFUSED(other, EBUSY, "already held by a tern connection",
		       new_quiet(other, fds[0], true, self->tag, &id2));
	tern_nl_close(other);
	close(fds[0]);
	close(fds[1]);
}

static int bpf_call(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static bool fd_claimable(void *arg)
{
	void **a = arg;
	struct tern_nl *nl = a[0];
	int fd = *(int *)a[1];
	uint32_t id;

	return !new_quiet(nl, fd, true, a[2], &id);
}

TEST_F(ops, conn_new_rejects_sockmap_socket)
{
	union bpf_attr attr = {
		.map_type = BPF_MAP_TYPE_SOCKMAP,
		.key_size = sizeof(uint32_t),
		.value_size = sizeof(uint32_t),
		.max_entries = 1,
	};
	uint32_t key = 0, value, id;
	int map, fds[2];
	void *args[3];

	map = bpf_call(BPF_MAP_CREATE, &attr);
	if (map < 0)
		SKIP(return, "the kernel refuses to create a BPF sockmap: %s",
		     strerror(errno));
	ASSERT_EQ(0, tcp_pair(AF_INET, fds));
	value = fds[0];
	memset(&attr, 0, sizeof(attr));
	attr.map_fd = map;
	attr.key = (uintptr_t)&key;
	attr.value = (uintptr_t)&value;
	attr.flags = BPF_ANY;
	ASSERT_EQ(0, bpf_call(BPF_MAP_UPDATE_ELEM, &attr))
		TH_LOG("adding the socket to the sockmap: %s", strerror(errno));

	ASSERT_REFUSED(self->nl, EBUSY, "BPF sockmap",
		       new_quiet(self->nl, fds[0], true, self->tag, &id));

	/* Out of the map, the same socket is accepted. */
	memset(&attr, 0, sizeof(attr));
	attr.map_fd = map;
	attr.key = (uintptr_t)&key;
	ASSERT_EQ(0, bpf_call(BPF_MAP_DELETE_ELEM, &attr));
	args[0] = self->nl;
	args[1] = &fds[0];
	args[2] = self->tag;
	EXPECT_TRUE(wait_until(fd_claimable, args, WAIT_MS))
		TH_LOG("conn-new after leaving the sockmap: %s",
		       tern_nl_error(self->nl));
	close(fds[0]);
	close(fds[1]);
	close(map);
}

TEST_F(ops, conn_new_rejects_mptcp_socket)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	socklen_t len = sizeof(sin);
	int l, c, s;
	uint32_t id;

	l = socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP);
	if (l < 0)
		SKIP(return, "MPTCP is not available: %s", strerror(errno));
	ASSERT_EQ(0, bind(l, (void *)&sin, sizeof(sin)));
	ASSERT_EQ(0, listen(l, 1));
	ASSERT_EQ(0, getsockname(l, (void *)&sin, &len));
	c = socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, connect(c, (void *)&sin, sizeof(sin)));
	s = accept(l, NULL, NULL);
	ASSERT_LE(0, s);

	ASSERT_REFUSED(self->nl, EPROTONOSUPPORT, "MPTCP",
		       new_quiet(self->nl, c, true, self->tag, &id));
	ASSERT_REFUSED(self->nl, EPROTONOSUPPORT, "MPTCP",
		       new_quiet(self->nl, s, true, self->tag, &id));
	close(s);
	close(c);
	close(l);
}

TEST_F(ops, conn_new_rejects_plain_tcp_without_plain_flag)
{
	uint32_t id;
	int fds[2];

	ASSERT_EQ(0, tcp_pair(AF_INET, fds));
	ASSERT_REFUSED(self->nl, EINVAL, "no kTLS",
		       new_quiet(self->nl, fds[0], false, self->tag, &id));
	/* The refusal left the socket free. */
	ASSERT_EQ(0, new_quiet(self->nl, fds[0], true, self->tag, &id));
	close(fds[0]);
	close(fds[1]);
}

/* kTLS in one direction only: @dir is TLS_TX or TLS_RX. */
static int ktls_one_way(int fd, int dir)
{
	struct tls12_crypto_info_aes_gcm_128 ci;

	memset(&ci, 0, sizeof(ci));
	ci.info.version = TLS_1_3_VERSION;
	ci.info.cipher_type = TLS_CIPHER_AES_GCM_128;
	if (setsockopt(fd, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls")) ||
	    setsockopt(fd, SOL_TLS, dir, &ci, sizeof(ci)))
		return -errno;
	return 0;
}

TEST_F(ops, conn_new_rejects_ktls_tx_only)
{
	uint32_t id;
	int fds[2];

	ASSERT_EQ(0, tcp_pair(AF_INET, fds));
	ASSERT_EQ(0, ktls_one_way(fds[0], TLS_TX));
	ASSERT_REFUSED(self->nl, EINVAL, "both directions",
		       new_quiet(self->nl, fds[0], false, self->tag, &id));
	/* The plain flag does not make a half-kTLS socket acceptable. */
	ASSERT_REFUSED(self->nl, EINVAL, "both directions",
		       new_quiet(self->nl, fds[0], true, self->tag, &id));
	close(fds[0]);
	close(fds[1]);
}

TEST_F(ops, conn_new_rejects_ktls_rx_only)
{
	uint32_t id;
	int fds[2];

	ASSERT_EQ(0, tcp_pair(AF_INET6, fds));
	ASSERT_EQ(0, ktls_one_way(fds[0], TLS_RX));
	ASSERT_REFUSED(self->nl, EINVAL, "both directions",
		       new_quiet(self->nl, fds[0], false, self->tag, &id));
	close(fds[0]);
	close(fds[1]);
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Two threads, each with its own netlink socket, race conn-new on one fd. */
struct racer {
	struct tern_nl *nl;
	pthread_barrier_t *start, *done;
	const char *tag;
	const struct tern_conn_params *p;
	int rounds;
	int sweep_us;		/* delay round i by i % sweep_us µs, if set */
	const bool *quit;	/* set while the threads wait: stop */
	int fd;			/* set while the threads wait */
	int ret;
	uint32_t id;
	char msg[512];
};

static void *race_thread(void *arg)
{
	struct racer *r = arg;
	int i;

	for (i = 0; i < r->rounds; i++) {
		pthread_barrier_wait(r->start);
		if (*r->quit)
			break;
		if (r->sweep_us) {
			/* Spin: a sleep would be far coarser. */
			uint64_t end = now_us() + i % r->sweep_us;

			while (now_us() < end)
				;
		}
		r->nl->err[0] = '\0';
		r->ret = conn_new_fd(r->nl, r->fd, true, TERN_ROLE_INITIATOR,
				     r->tag, r->p, &r->id);
		snprintf(r->msg, sizeof(r->msg), "%s", tern_nl_error(r->nl));
		pthread_barrier_wait(r->done);
	}
	return NULL;
}

struct race_result {
	int rounds;		/* completed */
	int bad_round;		/* first round not won by exactly one, or -1 */
	char bad[1200];		/* what happened in it */
	int misleading;		/* losers not told that tern holds the socket */
	char first_misleading[512];
};

/*
 * Up to @rounds rounds of the race, or until the first misleading message
 * if @stop_misleading. The second thread starts later by a delay that
 * sweeps 0 to @sweep_us - 1 µs over the rounds.
 */
static int race(struct tern_nl *nl, const char *tag,
		const struct tern_conn_params *p, int rounds, int sweep_us,
		bool stop_misleading, struct race_result *res)
{
	pthread_barrier_t start, done;
	struct racer r[2];
	pthread_t th[2];
	int i, k, fds[2], err = 0;
	bool quit = false;

	memset(res, 0, sizeof(*res));
	res->bad_round = -1;
	if (pthread_barrier_init(&start, NULL, 3) ||
	    pthread_barrier_init(&done, NULL, 3))
		return -ENOMEM;
	for (k = 0; k < 2; k++) {
		memset(&r[k], 0, sizeof(r[k]));
		err = tern_nl_open(&r[k].nl);
		if (err)
			return err;
		r[k].start = &start;
		r[k].done = &done;
		r[k].tag = tag;
		r[k].p = p;
		r[k].rounds = rounds;
		r[k].sweep_us = k ? sweep_us : 0;
		r[k].quit = &quit;
		if (pthread_create(&th[k], NULL, race_thread, &r[k]))
			return -EAGAIN;
	}

	for (i = 0; i < rounds; i++) {
		err = tcp_pair(i % 2 ? AF_INET6 : AF_INET, fds);
		if (err)
			fds[0] = fds[1] = -1;	/* both then fail alike */
		r[0].fd = r[1].fd = fds[0];
		pthread_barrier_wait(&start);
		pthread_barrier_wait(&done);
		k = r[0].ret == 0 ? 1 : 0;	/* the loser */
		if ((r[0].ret == 0) + (r[1].ret == 0) != 1 ||
		    r[k].ret != -EBUSY) {
			if (res->bad_round < 0) {
				res->bad_round = i;
				snprintf(res->bad, sizeof(res->bad),
					 "conn-new returned %d (%s) and %d (%s)",
					 r[0].ret, r[0].msg, r[1].ret,
					 r[1].msg);
			}
		} else if (!strstr(r[k].msg,
				   "already held by a tern connection")) {
			if (!res->misleading++)
				snprintf(res->first_misleading,
					 sizeof(res->first_misleading), "%s",
					 r[k].msg);
		}
		if (r[!k].ret == 0)
			tern_nl_conn_del(nl, r[!k].id);
		close(fds[0]);
		close(fds[1]);
		res->rounds++;
		if (stop_misleading && res->misleading)
			break;
	}
	if (res->rounds < rounds) {
		quit = true;
		pthread_barrier_wait(&start);
	}
	for (k = 0; k < 2; k++) {
		pthread_join(th[k], NULL);
		tern_nl_close(r[k].nl);
	}
	pthread_barrier_destroy(&start);
	pthread_barrier_destroy(&done);
	return 0;
}

TEST_F_TIMEOUT(ops, conn_new_race_exactly_one_wins, 300)
{
	struct race_result res;

	ASSERT_EQ(0, race(self->nl, self->tag, &quiet, 200, 0, false, &res));
	EXPECT_EQ(200, res.rounds);
	EXPECT_EQ(-1, res.bad_round)
		TH_LOG("round %d: %s (wanted one success and one EBUSY)",
		       res.bad_round, res.bad);
}

/*
 * KNOWN MODULE BUG, reported: tern_sock_attach() marks the socket
 * (sk_user_data) in tern_sock_claim(), then locks it again to set
 * TCP_NODELAY, the priority and the mark, and only then adds its wait
 * queue entry. A racing conn-new that finds sk_user_data set in that
 * window looks for the entry, does not find it, and says "socket is
 * already used by another kernel subsystem (sk_user_data is set)". The
 * errno (EBUSY) and the outcome are right; the message is not. A priority
 * and a mark widen the window, and the second thread starts later by a
 * delay that sweeps across it; in the VMs 1 to 50 rounds in 1000 hit it.
 * The test stops at the first hit, so it fails within seconds while the
 * bug is there; once fixed, it passes after all 5000 rounds (about 30 s
 * under TCG).
 */
TEST_F_TIMEOUT(ops, conn_new_race_loser_told_tern_holds_socket, 500)
{
	struct tern_conn_params p = quiet;
	struct race_result res;

	p.priority = 3;
	p.mark = 0x77;
	ASSERT_EQ(0, race(self->nl, self->tag, &p, 5000, 1000, true, &res));
	EXPECT_EQ(-1, res.bad_round)
		TH_LOG("round %d: %s", res.bad_round, res.bad);
	EXPECT_EQ(0, res.misleading)
		TH_LOG("%d of %d losers were told \"%s\" (known module bug)",
		       res.misleading, res.rounds, res.first_misleading);
}

/* --- conn-new with out-of-range or missing attributes --------------------- */

FIXTURE(badparam) {
	struct tern_nl *nl;
	char tag[TERN_OWNER_TAG_MAX];
	int fds[2];
};

FIXTURE_VARIANT(badparam) {
	int omit;		/* attribute left out, 0 for none */
	int attr;		/* u32 attribute added, 0 for none */
	uint32_t val;
	bool set_role;		/* send @role instead of initiator */
	uint32_t role;
	const char *tag;	/* owner tag sent instead of ours */
	int err;
	const char *needle;	/* in the extack message */
	const char *needle2;	/* too, unless NULL */
};

#define RANGE_VARIANT(name, a, v, what)				\
	FIXTURE_VARIANT_ADD(badparam, name) {			\
		.attr = a, .val = v, .err = ERANGE,		\
		.needle = what, .needle2 = "out of range",	\
	}

RANGE_VARIANT(hb_interval_zero, TERN_A_HB_INTERVAL, 0, "hb-interval");
RANGE_VARIANT(hb_interval_above_max, TERN_A_HB_INTERVAL,
	      TERN_HB_INTERVAL_MAX + 1, "hb-interval");
RANGE_VARIANT(timeout_below_min, TERN_A_TIMEOUT, TERN_TIMEOUT_MIN - 1,
	      "timeout");
RANGE_VARIANT(partial_timeout_above_max, TERN_A_PARTIAL_TIMEOUT,
	      TERN_TIMEOUT_MAX + 1, "partial-timeout");
RANGE_VARIANT(max_frame_below_min, TERN_A_MAX_FRAME, TERN_MAX_FRAME_MIN - 1,
	      "max-frame");
RANGE_VARIANT(max_frame_above_max_payload, TERN_A_MAX_FRAME,
	      TERN_FRAME_MAX_PAYLOAD + 1, "max-frame");
RANGE_VARIANT(grace_above_max, TERN_A_GRACE, TERN_GRACE_MAX + 1, "grace");
RANGE_VARIANT(rcv_window_below_min, TERN_A_RCV_WINDOW,
	      TERN_RCV_WINDOW_MIN - 1, "rcv-window");
RANGE_VARIANT(max_held_below_min, TERN_A_MAX_HELD, TERN_MAX_HELD_MIN - 1,
	      "max-held");
RANGE_VARIANT(max_held_above_max, TERN_A_MAX_HELD, TERN_MAX_HELD_MAX + 1,
	      "max-held");

FIXTURE_VARIANT_ADD(badparam, role_zero) {
	.set_role = true, .role = 0, .err = ERANGE,
	.needle = "role", .needle2 = "out of range",
};

FIXTURE_VARIANT_ADD(badparam, role_above_responder) {
	.set_role = true, .role = TERN_ROLE_RESPONDER + 1, .err = ERANGE,
	.needle = "role", .needle2 = "out of range",
};

FIXTURE_VARIANT_ADD(badparam, owner_tag_empty) {
	.tag = "", .err = EINVAL,
	.needle = "owner-tag", .needle2 = "must not be empty",
};

FIXTURE_VARIANT_ADD(badparam, owner_tag_too_long) {
	/* TERN_OWNER_TAG_MAX bytes without the NUL: one too many. */
	.tag = "0123456789abcdef0123456789abcdef", .err = EINVAL,
	.needle = "owner-tag", .needle2 = "validation",
};

FIXTURE_VARIANT_ADD(badparam, missing_fd) {
	.omit = TERN_A_FD, .err = EINVAL, .needle = "missing attribute fd",
};

FIXTURE_VARIANT_ADD(badparam, missing_role) {
	.omit = TERN_A_ROLE, .err = EINVAL, .needle = "missing attribute role",
};

FIXTURE_VARIANT_ADD(badparam, missing_owner_tag) {
	.omit = TERN_A_OWNER_TAG, .err = EINVAL,
	.needle = "missing attribute owner-tag",
};

FIXTURE_VARIANT_ADD(badparam, unknown_attribute) {
	.attr = TERN_A_MAX + 1, .val = 1, .err = EINVAL,
	.needle = "nknown attribute",
};

FIXTURE_SETUP(badparam)
{
	int err = tern_nl_open(&self->nl);

	if (err == -ENOENT)
		SKIP(return, "tern.ko is not loaded");
	ASSERT_EQ(0, err);
	snprintf(self->tag, sizeof(self->tag), "ops-%d", getpid());
	ASSERT_EQ(0, tcp_pair(AF_INET, self->fds));
}

FIXTURE_TEARDOWN(badparam)
{
	del_tagged(self->tag);
	tern_nl_close(self->nl);
	close(self->fds[0]);
	close(self->fds[1]);
}

TEST_F(badparam, conn_new_refused_and_socket_left_free)
{
	struct nl_msg *msg;
	const char *tag = variant->tag ? variant->tag : self->tag;
	uint32_t id;
	int err, bad = 0;

	msg = tern_nl_msg_new(self->nl, TERN_CMD_CONN_NEW, 512);
	ASSERT_NE(NULL, msg);
	if (variant->omit != TERN_A_FD)
		bad |= nla_put_s32(msg, TERN_A_FD, self->fds[0]);
	if (variant->omit != TERN_A_ROLE)
		bad |= nla_put_u32(msg, TERN_A_ROLE, variant->set_role ?
				   variant->role : TERN_ROLE_INITIATOR);
	if (variant->omit != TERN_A_OWNER_TAG)
		bad |= nla_put_string(msg, TERN_A_OWNER_TAG, tag);
	bad |= nla_put_flag(msg, TERN_A_PLAIN);
	if (variant->attr != TERN_A_HB_INTERVAL)
		bad |= nla_put_u32(msg, TERN_A_HB_INTERVAL, HB_QUIET);
	if (variant->attr)
		bad |= nla_put_u32(msg, variant->attr, variant->val);
	ASSERT_EQ(0, bad);

	self->nl->err[0] = '\0';
	err = tern_nl_transact(self->nl, msg, false, NULL, NULL);
	ASSERT_EQ(-variant->err, err)
		TH_LOG("conn-new returned %d (%s)", err,
		       tern_nl_error(self->nl));
	EXPECT_NE(NULL, strstr(tern_nl_error(self->nl), variant->needle))
		TH_LOG("extack \"%s\" does not say \"%s\"",
		       tern_nl_error(self->nl), variant->needle);
	if (variant->needle2) {
		EXPECT_NE(NULL, strstr(tern_nl_error(self->nl),
				       variant->needle2))
			TH_LOG("extack \"%s\" does not say \"%s\"",
			       tern_nl_error(self->nl), variant->needle2);
	}

	/* Nothing was left behind: the socket can still be handed over. */
	ASSERT_EQ(0, new_quiet(self->nl, self->fds[0], true, self->tag, &id))
		TH_LOG("conn-new after the refusal: %s",
		       tern_nl_error(self->nl));
}

/* --- conn-set, conn-del, conn-get, unknown connections ------------------ */

TEST_F(ops, conn_set_changes_heartbeat_and_timeouts)
{
	struct tern_conn_params set = {
		.hb_interval_ms = 30000,
		.timeout_ms = 15000,
		.partial_timeout_ms = 5000,
		.mark = 7,
		.priority = 3,
		.cookie = 99,
	};
	struct tern_conn_info info;
	socklen_t len;
	uint32_t id;
	int fds[2], val;

	ASSERT_EQ(0, tcp_pair(AF_INET, fds));
	ASSERT_EQ(0, new_quiet(self->nl, fds[0], true, self->tag, &id));
	ASSERT_EQ(0, tern_nl_conn_set(self->nl, id, &set))
		TH_LOG("conn-set: %s", tern_nl_error(self->nl));
	ASSERT_EQ(0, tern_nl_conn_get(self->nl, id, &info));
	EXPECT_EQ(30000, info.hb_interval_ms);
	EXPECT_EQ(15000, info.timeout_ms);
	EXPECT_EQ(5000, info.partial_timeout_ms);
	EXPECT_EQ(7, info.mark);
	EXPECT_EQ(3, info.priority);
	EXPECT_EQ(99, info.cookie);
	EXPECT_EQ(TERN_STATE_ESTABLISHED, info.state);
	len = sizeof(val);
	ASSERT_EQ(0, getsockopt(fds[0], SOL_SOCKET, SO_MARK, &val, &len));
	EXPECT_EQ(7, val);

	/* A second conn-set changes what it names and nothing else. */
	memset(&set, 0, sizeof(set));
	set.hb_interval_ms = 40000;
	ASSERT_EQ(0, tern_nl_conn_set(self->nl, id, &set));
	ASSERT_EQ(0, tern_nl_conn_get(self->nl, id, &info));
	EXPECT_EQ(40000, info.hb_interval_ms);
	EXPECT_EQ(15000, info.timeout_ms);
	EXPECT_EQ(5000, info.partial_timeout_ms);
	EXPECT_EQ(99, info.cookie);
	close(fds[0]);
	close(fds[1]);
}

/*
 * KNOWN MODULE BUG, reported: tern_sock_apply_marks() applies a priority
 * or mark only when it is not 0, so conn-set back to 0 is recorded (and
 * reported by conn-get) but the socket keeps the old value. This test
 * fails until that is fixed.
 */
TEST_F(ops, conn_set_mark_and_priority_zero_reach_socket)
{
	struct tern_conn_params p = quiet;
	struct tern_conn_info info;
	socklen_t len;
	uint32_t id;
	int fds[2], mark, prio;

	ASSERT_EQ(0, tcp_pair(AF_INET, fds));
	p.mark = 0x1234;
	p.priority = 5;
	ASSERT_EQ(0, conn_new_fd(self->nl, fds[0], true, TERN_ROLE_RESPONDER,
				 self->tag, &p, &id));
	memset(&p, 0, sizeof(p));
	p.given = TERN_P_MARK | TERN_P_PRIORITY;	/* both 0 */
	ASSERT_EQ(0, tern_nl_conn_set(self->nl, id, &p));
	ASSERT_EQ(0, tern_nl_conn_get(self->nl, id, &info));
	ASSERT_EQ(0, info.mark);
	ASSERT_EQ(0, info.priority);

	len = sizeof(mark);
	ASSERT_EQ(0, getsockopt(fds[0], SOL_SOCKET, SO_MARK, &mark, &len));
	len = sizeof(prio);
	ASSERT_EQ(0, getsockopt(fds[0], SOL_SOCKET, SO_PRIORITY, &prio, &len));
	EXPECT_EQ(0, mark)
		TH_LOG("conn-get says mark 0, the socket has %#x (known module bug)",
		       mark);
	EXPECT_EQ(0, prio)
		TH_LOG("conn-get says priority 0, the socket has %d (known module bug)",
		       prio);
	close(fds[0]);
	close(fds[1]);
}

TEST_F(ops, conn_set_rejects_out_of_range_and_keeps_values)
{
	struct tern_conn_params set = {
		.given = TERN_P_HB_INTERVAL,	/* hb-interval 0 */
		.timeout_ms = 12345,
	};
	struct tern_conn_info info;
	uint32_t id;
	int fds[2];

	ASSERT_EQ(0, tcp_pair(AF_INET, fds));
	ASSERT_EQ(0, new_quiet(self->nl, fds[0], true, self->tag, &id));
	ASSERT_REFUSED(self->nl, ERANGE, "hb-interval",
		       tern_nl_conn_set(self->nl, id, &set));
	memset(&set, 0, sizeof(set));
	set.max_frame = TERN_FRAME_MAX_PAYLOAD + 1;
	ASSERT_REFUSED(self->nl, ERANGE, "max-frame",
		       tern_nl_conn_set(self->nl, id, &set));

	/* A refused request changed nothing, not even its valid part. */
	ASSERT_EQ(0, tern_nl_conn_get(self->nl, id, &info));
	EXPECT_EQ(HB_QUIET, info.hb_interval_ms);
	EXPECT_NE(12345, info.timeout_ms);
	EXPECT_EQ(TERN_FRAME_MAX_PAYLOAD, info.max_frame);
	close(fds[0]);
	close(fds[1]);
}

TEST_F(ops, conn_del_removes_and_peer_sees_close)
{
	struct tern_conn_params p = quiet;
	const struct rx_down *down;
	struct tern_conn_info info;
	struct tern_nl *ev;
	uint32_t id;
	char c;
	int fds[2], err;

	ASSERT_EQ(0, tern_nl_open(&ev));
	ASSERT_EQ(0, tern_nl_subscribe(ev));
	ASSERT_EQ(0, tcp_pair(AF_INET6, fds));
	p.cookie = 0xc0ffee;
	ASSERT_EQ(0, conn_new_fd(self->nl, fds[0], true, TERN_ROLE_RESPONDER,
				 self->tag, &p, &id));
	close(fds[0]);

	ASSERT_EQ(0, tern_nl_conn_del(self->nl, id))
		TH_LOG("conn-del: %s", tern_nl_error(self->nl));
	ASSERT_REFUSED(self->nl, ENOENT, "no such connection",
		       tern_nl_conn_get(self->nl, id, &info));
	ASSERT_REFUSED(self->nl, ENOENT, "no such connection",
		       tern_nl_conn_del(self->nl, id));

	/* The peer sees the connection end. */
	err = read_full(fds[1], &c, 1, WAIT_MS);
	EXPECT_TRUE(err == -ENODATA || err == -ECONNRESET)
		TH_LOG("the peer read returned %d, wanted EOF or a reset", err);

	/* And the namespace's listeners are told why. */
	down = rx_log_wait_down(ev, &self->log, id, WAIT_MS);
	ASSERT_NE(NULL, down);
	EXPECT_EQ(TERN_REASON_DELETED, down->reason);
	EXPECT_EQ(0xc0ffee, down->cookie);
	EXPECT_STREQ(self->tag, down->owner_tag);
	tern_nl_close(ev);
	close(fds[1]);
}

TEST_F(ops, ops_on_unknown_conn_are_enoent)
{
	struct tern_conn_params set = { .hb_interval_ms = 1000 };
	struct tern_conn_info info;
	uint32_t count;
	int fd;

	ASSERT_REFUSED(self->nl, ENOENT, "no such connection",
		       tern_nl_conn_get(self->nl, NO_SUCH_CONN, &info));
	ASSERT_REFUSED(self->nl, ENOENT, "no such connection",
		       tern_nl_conn_set(self->nl, NO_SUCH_CONN, &set));
	ASSERT_REFUSED(self->nl, ENOENT, "no such connection",
		       tern_nl_conn_del(self->nl, NO_SUCH_CONN));
	ASSERT_REFUSED(self->nl, ENOENT, "no such connection",
		       tern_nl_conn_detach(self->nl, NO_SUCH_CONN, &fd));
	ASSERT_REFUSED(self->nl, ENOENT, "no such connection",
		       tern_nl_conn_adopt(self->nl, self->tag, NO_SUCH_CONN, 0,
					  &count));
	ASSERT_REFUSED(self->nl, ENOENT, "no such connection",
		       ack(self->nl, NO_SUCH_CONN, 1));
}

/* --- dumps -------------------------------------------------------------- */

TEST_F(ops, conn_dump_lists_all_and_filters_by_owner_tag)
{
	char tag_b[TERN_OWNER_TAG_MAX];
	struct idlist *l = calloc(1, sizeof(*l));
	uint32_t a[3], b[2];
	int fds[5][2], i;

	ASSERT_NE(NULL, l);
	snprintf(tag_b, sizeof(tag_b), "%.20s-b", self->tag);
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, tcp_pair(i % 2 ? AF_INET6 : AF_INET, fds[i]));
		ASSERT_EQ(0, new_quiet(self->nl, fds[i][0], true,
				       i < 3 ? self->tag : tag_b,
				       i < 3 ? &a[i] : &b[i - 3]));
	}

	/* Without a filter: every connection of the namespace. */
	ASSERT_EQ(0, tern_nl_conn_dump(self->nl, NULL, collect, l));
	EXPECT_LE(5, l->total);
	for (i = 0; i < 3; i++)
		EXPECT_TRUE(has_id(l, a[i]));
	for (i = 0; i < 2; i++)
		EXPECT_TRUE(has_id(l, b[i]));

	/* By owner tag: exactly those carrying it. */
	memset(l, 0, sizeof(*l));
	ASSERT_EQ(0, tern_nl_conn_dump(self->nl, self->tag, collect, l));
	EXPECT_EQ(3, l->total);
	for (i = 0; i < 3; i++)
		EXPECT_TRUE(has_id(l, a[i]));
	for (i = 0; i < (int)l->n; i++)
		EXPECT_STREQ(self->tag, l->tags[i]);

	memset(l, 0, sizeof(*l));
	ASSERT_EQ(0, tern_nl_conn_dump(self->nl, tag_b, collect, l));
	EXPECT_EQ(2, l->total);
	for (i = 0; i < 2; i++)
		EXPECT_TRUE(has_id(l, b[i]));

	memset(l, 0, sizeof(*l));
	ASSERT_EQ(0, tern_nl_conn_dump(self->nl, "no-such-tag", collect, l));
	EXPECT_EQ(0, l->total);

	for (i = 0; i < 5; i++) {
		close(fds[i][0]);
		close(fds[i][1]);
	}
	free(l);
}

TEST_F_TIMEOUT(ops, conn_dump_spans_several_messages, 300)
{
	/* Far more than one dump message (32 KiB at most) holds. */
	const int n = 150;
	struct idlist *l = calloc(1, sizeof(*l));
	uint32_t ids[150];
	int peers[150], fds[2], i, j, seen;

	ASSERT_NE(NULL, l);
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, tcp_pair(AF_INET, fds));
		ASSERT_EQ(0, new_quiet(self->nl, fds[0], true, self->tag,
				       &ids[i]))
			TH_LOG("connection %d: %s", i, tern_nl_error(self->nl));
		close(fds[0]);
		peers[i] = fds[1];
	}
	ASSERT_EQ(0, tern_nl_conn_dump(self->nl, self->tag, collect, l));
	EXPECT_EQ(n, l->total);
	for (i = 0; i < n; i++) {
		for (seen = 0, j = 0; j < (int)l->n; j++)
			seen += l->ids[j] == ids[i];
		EXPECT_EQ(1, seen) TH_LOG("connection %u listed %d times",
					  ids[i], seen);
	}
	for (i = 0; i < n; i++)
		close(peers[i]);
	free(l);
}

/* --- conn-adopt ----------------------------------------------------------- */

/* A connection made by a netlink socket that is then closed. */
static int make_orphan(const char *tag, int fds[2], uint32_t *id,
		       struct rx_log *log, int frames_before)
{
	struct tern_conn_params p = quiet;
	struct tern_nl *owner;
	int err, i;

	err = tern_nl_open(&owner);
	if (err)
		return err;
	p.grace_ms = 600000;
	err = tcp_pair(AF_INET, fds);
	if (!err)
		err = conn_new_fd(owner, fds[0], true, TERN_ROLE_INITIATOR,
				  tag, &p, id);
	for (i = 0; !err && i < frames_before; i++)
		err = frame_write(fds[1], 16, 0, "before", 6);
	if (!err && frames_before &&
	    !rx_log_wait(owner, log, *id, frames_before, WAIT_MS))
		err = -ETIMEDOUT;
	tern_nl_close(owner);
	return err;
}

TEST_F(ops, conn_adopt_orphan_by_tag)
{
	struct tern_conn_info info;
	uint32_t id, count = 99;
	int fds[2];

	ASSERT_EQ(0, make_orphan(self->tag, fds, &id, NULL, 0));
	ASSERT_EQ(0, tern_nl_conn_get(self->nl, id, &info));
	ASSERT_TRUE(info.orphan);

	ASSERT_EQ(0, tern_nl_conn_adopt(self->nl, self->tag, 0, 0, &count))
		TH_LOG("conn-adopt: %s", tern_nl_error(self->nl));
	EXPECT_EQ(1, count);
	ASSERT_EQ(0, tern_nl_conn_get(self->nl, id, &info));
	EXPECT_FALSE(info.orphan);
	EXPECT_EQ(TERN_STATE_ESTABLISHED, info.state);

	/* Adopted once: nothing is left to adopt. */
	ASSERT_EQ(0, tern_nl_conn_adopt(self->nl, self->tag, 0, 0, &count));
	EXPECT_EQ(0, count);
	close(fds[0]);
	close(fds[1]);
}

TEST_F(ops, conn_adopt_by_id_replays_held_frames)
{
	struct rx_log before = { 0 };
	struct tern_conn_info info;
	uint32_t id, count = 0;
	int fds[2];

	/* The first owner got one frame and never acked it. */
	ASSERT_EQ(0, make_orphan(self->tag, fds, &id, &before, 1));
	ASSERT_EQ(1, before.nframes);
	EXPECT_EQ(1, before.frames[0].seq);
	rx_log_free(&before);

	/* An orphan keeps reading. */
	ASSERT_EQ(0, frame_write(fds[1], 17, 0, "while orphan", 12));
	ASSERT_EQ(0, wait_held(self->nl, id, 2));

	ASSERT_EQ(0, tern_nl_conn_adopt(self->nl, self->tag, id, 0, &count))
		TH_LOG("conn-adopt: %s", tern_nl_error(self->nl));
	EXPECT_EQ(1, count);
	ASSERT_TRUE(rx_log_wait(self->nl, &self->log, id, 2, WAIT_MS));
	EXPECT_TRUE(frame_is(&self->log.frames[0], 1, "before"));
	EXPECT_TRUE(frame_is(&self->log.frames[1], 2, "while orphan"));
	ASSERT_EQ(0, ack(self->nl, id, 2));
	ASSERT_EQ(0, tern_nl_conn_get(self->nl, id, &info));
	EXPECT_EQ(0, info.stats.held_frames);
	EXPECT_FALSE(info.orphan);
	close(fds[0]);
	close(fds[1]);
}

TEST_F(ops, conn_adopt_refused_across_owner_tags)
{
	char other[TERN_OWNER_TAG_MAX];
	struct tern_conn_info info;
	uint32_t id, count = 99;
	int fds[2];

	snprintf(other, sizeof(other), "%.20s-other", self->tag);
	ASSERT_EQ(0, make_orphan(self->tag, fds, &id, NULL, 0));
	ASSERT_REFUSED(self->nl, EPERM, "another owner tag",
		       tern_nl_conn_adopt(self->nl, other, id, 0, &count));
	ASSERT_EQ(0, tern_nl_conn_adopt(self->nl, other, 0, 0, &count));
	EXPECT_EQ(0, count);
	ASSERT_EQ(0, tern_nl_conn_get(self->nl, id, &info));
	EXPECT_TRUE(info.orphan);
	close(fds[0]);
	close(fds[1]);
}

TEST_F(ops, conn_adopt_refused_with_live_owner)
{
	struct tern_conn_info info;
	struct tern_nl *other;
	uint32_t id, count = 99;
	int fds[2];

	ASSERT_EQ(0, tcp_pair(AF_INET, fds));
	ASSERT_EQ(0, new_quiet(self->nl, fds[0], true, self->tag, &id));
	ASSERT_EQ(0, tern_nl_open(&other));
	ASSERT_REFUSED(other, EBUSY, "live owner",
		       tern_nl_conn_adopt(other, self->tag, id, 0, &count));
	ASSERT_EQ(0, tern_nl_conn_adopt(other, self->tag, 0, 0, &count));
	EXPECT_EQ(0, count);
	tern_nl_close(other);

	/* Still ours: frames keep coming to us. */
	ASSERT_EQ(0, tern_nl_conn_get(self->nl, id, &info));
	EXPECT_FALSE(info.orphan);
	ASSERT_EQ(0, frame_write(fds[1], 16, 0, "still ours", 10));
	ASSERT_TRUE(rx_log_wait(self->nl, &self->log, id, 1, WAIT_MS));
	EXPECT_TRUE(frame_is(&self->log.frames[0], 1, "still ours"));
	close(fds[0]);
	close(fds[1]);
}

/* --- conn-detach ---------------------------------------------------------- */

FIXTURE(detach) {
	struct tern_nl *nl;
	char tag[TERN_OWNER_TAG_MAX];
	int fds[2];
	struct rx_log log;
};

FIXTURE_VARIANT(detach) {
	int family;
	bool tls;
};

FIXTURE_VARIANT_ADD(detach, ipv4_plain) { .family = AF_INET, .tls = false };
FIXTURE_VARIANT_ADD(detach, ipv6_plain) { .family = AF_INET6, .tls = false };
FIXTURE_VARIANT_ADD(detach, ipv4_ktls) { .family = AF_INET, .tls = true };
FIXTURE_VARIANT_ADD(detach, ipv6_ktls) { .family = AF_INET6, .tls = true };

FIXTURE_SETUP(detach)
{
	int err = tern_nl_open(&self->nl);

	if (err == -ENOENT)
		SKIP(return, "tern.ko is not loaded");
	ASSERT_EQ(0, err);
	snprintf(self->tag, sizeof(self->tag), "ops-%d", getpid());
	ASSERT_EQ(0, pair(variant->family, variant->tls, self->fds));
}

FIXTURE_TEARDOWN(detach)
{
	del_tagged(self->tag);
	rx_log_free(&self->log);
	tern_nl_close(self->nl);
	close(self->fds[0]);
	close(self->fds[1]);
}

TEST_F(detach, returns_working_socket_and_forgets_conn)
{
	struct sockaddr_storage local, peer, local2, peer2;
	struct idlist *l = calloc(1, sizeof(*l));
	struct tern_conn_info info;
	socklen_t len;
	uint32_t id, id2;
	uint16_t flags;
	uint8_t type;
	char buf[256];
	int fd = -1;

	ASSERT_NE(NULL, l);
	len = sizeof(local);
	ASSERT_EQ(0, getsockname(self->fds[0], (void *)&local, &len));
	len = sizeof(peer);
	ASSERT_EQ(0, getpeername(self->fds[0], (void *)&peer, &len));
	ASSERT_EQ(0, new_quiet(self->nl, self->fds[0], !variant->tls,
			       self->tag, &id));
	close(self->fds[0]);	/* tern.ko holds the only reference now */
	self->fds[0] = -1;

	/* Traffic through tern.ko first: the stream (and kTLS's record
	 * sequence numbers) move on while it holds the socket.
	 */
	ASSERT_EQ(0, frame_write(self->fds[1], 20, 0, "in", 2));
	ASSERT_TRUE(rx_log_wait(self->nl, &self->log, id, 1, WAIT_MS));
	ASSERT_EQ(0, ack(self->nl, id, 1));
	ASSERT_EQ(0, send_one(self->nl, id, 21, 0, "out"));
	ASSERT_EQ(3, peer_frame(self->fds[1], &type, &flags, buf));
	EXPECT_STREQ("out", buf);

	ASSERT_EQ(0, tern_nl_conn_detach(self->nl, id, &fd))
		TH_LOG("conn-detach: %s", tern_nl_error(self->nl));
	ASSERT_LE(0, fd);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);

	/* The same socket. */
	len = sizeof(local2);
	ASSERT_EQ(0, getsockname(fd, (void *)&local2, &len));
	EXPECT_EQ(0, memcmp(&local, &local2, len));
	len = sizeof(peer2);
	ASSERT_EQ(0, getpeername(fd, (void *)&peer2, &len));
	EXPECT_EQ(0, memcmp(&peer, &peer2, len));

	/* The connection is gone. */
	ASSERT_REFUSED(self->nl, ENOENT, "no such connection",
		       tern_nl_conn_get(self->nl, id, &info));
	ASSERT_EQ(0, tern_nl_conn_dump(self->nl, self->tag, collect, l));
	EXPECT_EQ(0, l->total);

	/* Data round-trips through the returned fd (with kTLS: in sync). */
	ASSERT_EQ(16, send(fd, "after detach 1/2", 16, 0));
	ASSERT_EQ(0, read_full(self->fds[1], buf, 16, WAIT_MS));
	EXPECT_EQ(0, memcmp(buf, "after detach 1/2", 16));
	ASSERT_EQ(16, send(self->fds[1], "after detach 2/2", 16, 0));
	ASSERT_EQ(0, read_full(fd, buf, 16, WAIT_MS));
	EXPECT_EQ(0, memcmp(buf, "after detach 2/2", 16));

	/* Untouched: it can be handed over again, and works. */
	ASSERT_EQ(0, new_quiet(self->nl, fd, !variant->tls, self->tag, &id2))
		TH_LOG("conn-new after detach: %s", tern_nl_error(self->nl));
	ASSERT_EQ(0, frame_write(self->fds[1], 22, 0, "again", 5));
	ASSERT_TRUE(rx_log_wait(self->nl, &self->log, id2, 1, WAIT_MS));
	EXPECT_TRUE(frame_is(rx_log_last(&self->log, id2), 1, "again"));
	close(fd);
	free(l);
}

TEST_F(ops, conn_detach_refused_until_frames_acked)
{
	struct tern_conn_info info;
	uint16_t flags;
	uint8_t type;
	char buf[256];
	uint32_t id;
	int fds[2], fd = -1;

	ASSERT_EQ(0, tcp_pair(AF_INET, fds));
	ASSERT_EQ(0, new_quiet(self->nl, fds[0], true, self->tag, &id));
	close(fds[0]);
	ASSERT_EQ(0, frame_write(fds[1], 30, 0, "unacked", 7));
	ASSERT_TRUE(rx_log_wait(self->nl, &self->log, id, 1, WAIT_MS));

	ASSERT_REFUSED(self->nl, EAGAIN, "ack them",
		       tern_nl_conn_detach(self->nl, id, &fd));
	ASSERT_EQ(0, tern_nl_conn_get(self->nl, id, &info));
	EXPECT_EQ(TERN_STATE_ESTABLISHED, info.state);
	EXPECT_EQ(1, info.stats.held_frames);

	/* Reading has stopped at the frame boundary: what the peer sends
	 * now stays in the socket for whoever gets it back.
	 */
	ASSERT_EQ(0, frame_write(fds[1], 31, 0x55aa, "for the fd", 10));

	ASSERT_EQ(0, ack(self->nl, id, 1));
	ASSERT_EQ(0, tern_nl_conn_detach(self->nl, id, &fd))
		TH_LOG("conn-detach after the ack: %s",
		       tern_nl_error(self->nl));
	ASSERT_LE(0, fd);
	ASSERT_EQ(10, peer_frame(fd, &type, &flags, buf));
	EXPECT_EQ(31, type);
	EXPECT_EQ(0x55aa, flags);
	EXPECT_STREQ("for the fd", buf);
	EXPECT_EQ(1, self->log.nframes);
	close(fd);
	close(fds[1]);
}

/* --- frame-send and frame-ack refusals ------------------------------------ */

TEST_F(ops, frame_send_unknown_conn_reports_enoent)
{
	struct tern_frame_out f[3];
	struct tern_send_result res[3];
	uint16_t flags;
	uint8_t type;
	char buf[256];
	size_t nres;
	uint32_t id;
	int fds[2];

	ASSERT_EQ(0, tcp_pair(AF_INET, fds));
	ASSERT_EQ(0, new_quiet(self->nl, fds[0], true, self->tag, &id));
	f[0] = (struct tern_frame_out){ id, 16, 0, "a", 1 };
	f[1] = (struct tern_frame_out){ NO_SUCH_CONN, 16, 0, "b", 1 };
	f[2] = (struct tern_frame_out){ id, 17, 0, "c", 1 };
	ASSERT_EQ(0, tern_nl_frame_send(self->nl, f, 3, res, &nres))
		TH_LOG("frame-send: %s", tern_nl_error(self->nl));
	ASSERT_EQ(2, nres);
	EXPECT_EQ(id, res[0].conn_id);
	EXPECT_EQ(2, res[0].queued);
	EXPECT_EQ(0, res[0].error);
	EXPECT_EQ(NO_SUCH_CONN, res[1].conn_id);
	EXPECT_EQ(0, res[1].queued);
	EXPECT_EQ(-ENOENT, res[1].error);

	/* The unknown connection did not hold up the known one. */
	ASSERT_EQ(1, peer_frame(fds[1], &type, &flags, buf));
	EXPECT_EQ(16, type);
	EXPECT_STREQ("a", buf);
	ASSERT_EQ(1, peer_frame(fds[1], &type, &flags, buf));
	EXPECT_EQ(17, type);
	EXPECT_STREQ("c", buf);
	close(fds[0]);
	close(fds[1]);
}

/* A hand-built frame-send, bypassing the library's own checks. */
static int raw_send(struct tern_nl *nl, const uint32_t *ids,
		    const uint8_t *types, int n)
{
	struct nl_msg *msg = tern_nl_msg_new(nl, TERN_CMD_FRAME_SEND, 512);
	struct nlattr *nest;
	int i, bad = 0;

	if (!msg)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		nest = tern_nl_nest_start(msg, TERN_A_FRAME);
		bad |= !nest;
		if (!nest)
			break;
		bad |= nla_put_u32(msg, TERN_FRAME_A_CONN_ID, ids[i]);
		bad |= nla_put_u8(msg, TERN_FRAME_A_TYPE, types[i]);
		bad |= nla_put(msg, TERN_FRAME_A_DATA, 4, "nope");
		nla_nest_end(msg, nest);
	}
	if (bad) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return tern_nl_transact(nl, msg, false, NULL, NULL);
}

TEST_F(ops, frame_send_transport_types_refused)
{
	static const uint8_t bad_types[] = {
		0, TERN_FRAME_PING, TERN_FRAME_PONG, TERN_FRAME_USER_MIN - 1,
	};
	uint8_t types[2];
	uint32_t ids[2];
	uint16_t flags;
	uint8_t type;
	char buf[256];
	uint32_t id;
	size_t i;
	int fds[2];

	ASSERT_EQ(0, tcp_pair(AF_INET, fds));
	ASSERT_EQ(0, new_quiet(self->nl, fds[0], true, self->tag, &id));
	ids[0] = ids[1] = id;
	for (i = 0; i < sizeof(bad_types); i++) {
		types[0] = bad_types[i];
		ASSERT_REFUSED(self->nl, EINVAL, "below 16",
			       raw_send(self->nl, ids, types, 1));
		EXPECT_NE(NULL, strstr(tern_nl_error(self->nl),
				       "frame[0].type"))
			TH_LOG("extack \"%s\" does not point at the type",
			       tern_nl_error(self->nl));
	}

	/* A request with one bad frame is refused as a whole. */
	types[0] = TERN_FRAME_USER_MIN;
	types[1] = TERN_FRAME_PING;
	ASSERT_REFUSED(self->nl, EINVAL, "frame[1].type",
		       raw_send(self->nl, ids, types, 2));
	/* No frames at all. */
	ASSERT_REFUSED(self->nl, EINVAL, "no frames",
		       raw_send(self->nl, ids, types, 0));

	/* Nothing of the refused requests reached the peer. */
	ASSERT_EQ(0, send_one(self->nl, id, 99, 0, "marker"));
	ASSERT_EQ(6, peer_frame(fds[1], &type, &flags, buf));
	EXPECT_EQ(99, type);
	EXPECT_STREQ("marker", buf);
	close(fds[0]);
	close(fds[1]);
}

TEST_F(ops, frame_ack_by_non_owner_refused)
{
	struct tern_conn_info info;
	struct tern_nl *other;
	uint32_t id;
	int fds[2];

	ASSERT_EQ(0, tcp_pair(AF_INET, fds));
	ASSERT_EQ(0, new_quiet(self->nl, fds[0], true, self->tag, &id));
	ASSERT_EQ(0, frame_write(fds[1], 16, 0, "mine", 4));
	ASSERT_TRUE(rx_log_wait(self->nl, &self->log, id, 1, WAIT_MS));

	ASSERT_EQ(0, tern_nl_open(&other));
	ASSERT_REFUSED(other, EPERM, "only the connection's owner",
		       ack(other, id, 1));
	tern_nl_close(other);
	ASSERT_EQ(0, tern_nl_conn_get(self->nl, id, &info));
	EXPECT_EQ(1, info.stats.held_frames);

	ASSERT_EQ(0, ack(self->nl, id, 1));
	ASSERT_EQ(0, tern_nl_conn_get(self->nl, id, &info));
	EXPECT_EQ(0, info.stats.held_frames);
	close(fds[0]);
	close(fds[1]);
}

TEST_F(ops, frame_ack_beyond_delivered_refused)
{
	struct tern_conn_info info;
	uint32_t id;
	int fds[2];

	ASSERT_EQ(0, tcp_pair(AF_INET, fds));
	ASSERT_EQ(0, new_quiet(self->nl, fds[0], true, self->tag, &id));
	/* Nothing delivered yet. */
	ASSERT_REFUSED(self->nl, EINVAL, "ack beyond",
		       ack(self->nl, id, 1));

	ASSERT_EQ(0, frame_write(fds[1], 16, 0, "one", 3));
	ASSERT_EQ(0, frame_write(fds[1], 16, 0, "two", 3));
	ASSERT_TRUE(rx_log_wait(self->nl, &self->log, id, 2, WAIT_MS));
	ASSERT_REFUSED(self->nl, EINVAL, "ack beyond",
		       ack(self->nl, id, 3));
	ASSERT_REFUSED(self->nl, EINVAL, "ack beyond",
		       ack(self->nl, id, UINT64_MAX));
	ASSERT_EQ(0, tern_nl_conn_get(self->nl, id, &info));
	EXPECT_EQ(2, info.stats.held_frames);

	ASSERT_EQ(0, ack(self->nl, id, 2));
	ASSERT_EQ(0, tern_nl_conn_get(self->nl, id, &info));
	EXPECT_EQ(0, info.stats.held_frames);
	close(fds[0]);
	close(fds[1]);
}

TEST_HARNESS_MAIN
