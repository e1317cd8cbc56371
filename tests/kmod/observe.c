// SPDX-License-Identifier: GPL-2.0
/*
 * What can be observed from outside: tern.ko's tracepoints fire with the
 * right content, frames held for an owner are charged to the owner's memory
 * cgroup, and the module can be replaced under a live connection (detach,
 * rmmod, insmod, hand the socket back) without the peer noticing or a frame
 * being lost or repeated.
 */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"
#include "kselftest_harness.h"

#define TRACING		"/sys/kernel/tracing"
#define CGROOT		"/sys/fs/cgroup"

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -EIO;
}

/* The whole file, NUL-terminated, in a malloc'd buffer. */
static char *read_file(const char *path)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len < 2) {
			char *more = realloc(buf, cap *= 2);

			if (!more)
				break;
			buf = more;
		}
	}
	close(fd);
	buf[len] = 0;
	return buf;
}

static uint64_t conn_stat_held(struct tern_nl *nl, uint32_t id)
{
	struct tern_conn_info info;

	if (tern_nl_conn_get(nl, id, &info))
		return 0;
	return info.stats.held_bytes;
}

/* ---- Tracepoints ---------------------------------------------------- */

struct hb_arg {
	struct tern_nl *nl;
	uint32_t id;
};

static bool hb_answered(void *p)
{
	struct hb_arg *a = p;
	struct tern_conn_info info;

	return !tern_nl_conn_get(a->nl, a->id, &info) &&
	       info.stats.hb_answered >= 1;
}

TEST(tracepoints_report_states_frames_and_heartbeats)
{
	struct tern_conn_params hb = { .hb_interval_ms = 100 };
	struct tern_frame_out out[3];
	struct tern_send_result res;
	struct rx_log log = {};
	struct tern_nl *nl;
	uint32_t a, b;
	char want[128], *trace;
	size_t nres;
	int fds[2], i;

	if (access(TRACING "/events/tern/enable", W_OK))
		SKIP(return, "no tracefs with tern events at " TRACING);
	ASSERT_EQ(0, write_file(TRACING "/trace", ""));
	ASSERT_EQ(0, write_file(TRACING "/events/tern/enable", "1"));

	ASSERT_EQ(0, tern_nl_open(&nl));
	ASSERT_EQ(0, tcp_pair(AF_INET, fds));
	ASSERT_EQ(0, conn_new_fd(nl, fds[0], true, TERN_ROLE_INITIATOR,
				 "trace", &hb, &a));
	ASSERT_EQ(0, conn_new_fd(nl, fds[1], true, TERN_ROLE_RESPONDER,
				 "trace", &hb, &b));
	close(fds[0]);
	close(fds[1]);

	for (i = 0; i < 3; i++)
		out[i] = (struct tern_frame_out){
			.conn_id = a, .type = 42, .data = "traced", .len = 6,
		};
	ASSERT_EQ(0, tern_nl_frame_send(nl, out, 3, &res, &nres));
	ASSERT_EQ(3, res.queued);
	ASSERT_TRUE(rx_log_wait(nl, &log, b, 3, 10000));
	ASSERT_TRUE(wait_until(hb_answered, &(struct hb_arg){ nl, a }, 10000));
	ASSERT_EQ(0, tern_nl_conn_del(nl, a));
	ASSERT_EQ(0, conn_wait_gone(nl, b, 10000));

	ASSERT_EQ(0, write_file(TRACING "/events/tern/enable", "0"));
	trace = read_file(TRACING "/trace");
	ASSERT_NE(NULL, trace);

	snprintf(want, sizeof(want), "tern_conn_state: conn=%u state=established", a);
	EXPECT_NE(NULL, strstr(trace, want)) TH_LOG("no '%s'", want);
	snprintf(want, sizeof(want), "tern_frame_tx: conn=%u seq=0 type=42 len=6", a);
	EXPECT_NE(NULL, strstr(trace, want)) TH_LOG("no '%s'", want);
	snprintf(want, sizeof(want), "tern_frame_rx: conn=%u seq=3 type=42 len=6", b);
	EXPECT_NE(NULL, strstr(trace, want)) TH_LOG("no '%s'", want);
	snprintf(want, sizeof(want), "tern_heartbeat: conn=%u ping-sent", a);
	EXPECT_NE(NULL, strstr(trace, want)) TH_LOG("no '%s'", want);
	snprintf(want, sizeof(want), "tern_heartbeat: conn=%u ping-answered", b);
	EXPECT_NE(NULL, strstr(trace, want)) TH_LOG("no '%s'", want);
	snprintf(want, sizeof(want), "tern_heartbeat: conn=%u pong-received", a);
	EXPECT_NE(NULL, strstr(trace, want)) TH_LOG("no '%s'", want);
	snprintf(want, sizeof(want), "tern_conn_state: conn=%u state=down reason=%d",
		 a, TERN_REASON_DELETED);
	EXPECT_NE(NULL, strstr(trace, want)) TH_LOG("no '%s'", want);
	snprintf(want, sizeof(want), "tern_conn_state: conn=%u state=down reason=%d",
		 b, TERN_REASON_PEER_CLOSED);
	EXPECT_NE(NULL, strstr(trace, want)) TH_LOG("no '%s'", want);

	free(trace);
	rx_log_free(&log);
	tern_nl_close(nl);
}

/* ---- Memory cgroup accounting ---------------------------------------- */

#define MEMCG_FRAMES	2000
#define MEMCG_PAYLOAD	1000

static int64_t memcg_stat(const char *cg, const char *key)
{
	char path[256], *text, *line;
	int64_t val = -1;
	size_t klen = strlen(key);

	snprintf(path, sizeof(path), "%s/memory.stat", cg);
	text = read_file(path);
	if (!text)
		return -1;
	for (line = text; line && *line; line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		if (!strncmp(line, key, klen) && line[klen] == ' ') {
			val = strtoll(line + klen + 1, NULL, 10);
			break;
		}
	}
	free(text);
	return val;
}

/*
 * Runs in the child, inside the test cgroup: hand over the receiving end,
 * write frames into the other, never ack, and report the held bytes and the
 * cgroup's slab before and after on @out.
 */
static int memcg_child(const char *cg, int out)
{
	struct tern_conn_params big = { .max_held = 16 << 20 };
	static uint8_t payload[MEMCG_PAYLOAD];
	int64_t before, after = 0, held = 0;
	struct tern_nl *nl;
	uint64_t start;
	uint32_t id;
	int fds[2], i;

	if (tern_nl_open(&nl) || tcp_pair(AF_INET, fds) ||
	    conn_new_fd(nl, fds[1], true, TERN_ROLE_RESPONDER, "memcg", &big,
			&id))
		return 1;
	close(fds[1]);

	before = memcg_stat(cg, "slab_unreclaimable");
	for (i = 0; i < MEMCG_FRAMES; i++)
		if (frame_write(fds[0], 16, 0, payload, sizeof(payload)))
			return 1;

	/* Wait until the module has read them all (and holds them). */
	start = now_ms();
	while (now_ms() - start < 20000) {
		held = conn_stat_held(nl, id);
		if (held >= (int64_t)MEMCG_FRAMES * MEMCG_PAYLOAD)
			break;
		usleep(10000);
	}
	after = memcg_stat(cg, "slab_unreclaimable");
	dprintf(out, "%lld %lld %lld\n", (long long)before, (long long)after,
		(long long)held);
	/* Exit without acking: the frames go with the orphan's grace. */
	return 0;
}

TEST(held_frames_charged_to_owner_memcg)
{
	char cg[128], procs[160], line[128];
	long long before, after, held;
	int pipefd[2], status;
	ssize_t n;
	pid_t pid;

	if (access(CGROOT "/cgroup.subtree_control", W_OK))
		SKIP(return, "no writable cgroup v2 hierarchy at " CGROOT);
	if (write_file(CGROOT "/cgroup.subtree_control", "+memory"))
		SKIP(return, "the memory controller cannot be enabled at " CGROOT);

	snprintf(cg, sizeof(cg), CGROOT "/tern-memcg-%d", getpid());
	ASSERT_EQ(0, mkdir(cg, 0755));
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
	ASSERT_EQ(0, pipe(pipefd));

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char me[16];

		close(pipefd[0]);
		snprintf(me, sizeof(me), "%d", getpid());
		if (write_file(procs, me))
			_exit(2);
		_exit(memcg_child(cg, pipefd[1]));
	}
	close(pipefd[1]);
	n = read(pipefd[0], line, sizeof(line) - 1);
	close(pipefd[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("child failed (status %d)", status);
	ASSERT_LT(0, n);
	line[n] = 0;
	ASSERT_EQ(3, sscanf(line, "%lld %lld %lld", &before, &after, &held));
	ASSERT_LE(0, before);

	TH_LOG("held %lld bytes; cgroup slab %lld -> %lld", held, before, after);
	/* Every frame held, and (nearly) all of it charged to the cgroup
	 * of the owner, not to the kworker that read it.
	 */
	EXPECT_LE((long long)MEMCG_FRAMES * MEMCG_PAYLOAD, held);
	EXPECT_LE(held * 9 / 10, after - before);

	/* The orphan holds on to its charge for the grace period; rmdir once
	 * the cgroup has no process left is all that is needed here.
	 */
	EXPECT_EQ(0, rmdir(cg)) TH_LOG("rmdir %s: %s", cg, strerror(errno));
}

/* ---- Upgrading the module under a live connection -------------------- */

#define UPGRADE_FRAMES	3000

struct streamer {
	int fd;
	volatile int stop;
	int err;
	uint32_t sent;
};

/* The peer: a plain userspace socket writing numbered frames, paced. */
static void *stream(void *p)
{
	struct streamer *s = p;
	uint8_t payload[64];

	while (!s->stop && s->sent < UPGRADE_FRAMES) {
		pattern_fill(payload, sizeof(payload), s->sent);
		s->err = frame_write(s->fd, 16, 0, payload, sizeof(payload));
		if (s->err)
			break;
		s->sent++;
		if (s->sent % 64 == 0)
			usleep(2000);
	}
	return NULL;
}

/* Take every frame the log has for @id, checking the numbering. */
static int take(struct rx_log *log, uint32_t id, uint32_t *next)
{
	size_t i;

	for (i = 0; i < log->nframes; i++) {
		const struct rx_frame *f = &log->frames[i];
		uint32_t num;

		if (f->conn_id != id)
			continue;
		if (!pattern_check(f->data, f->len, &num) || num != *next)
			return -1;
		(*next)++;
	}
	rx_log_free(log);
	memset(log, 0, sizeof(*log));
	return 0;
}

static int reload_module(void)
{
	const char *ko = getenv("TERN_KO");
	int fd, err;

	if (!ko)
		return -ENOENT;
	if (syscall(SYS_delete_module, "tern", 0))
		return -errno;
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return err;
}

TEST(module_upgrade_keeps_connection)
{
	struct streamer s = {};
	struct rx_log log = {};
	struct tern_nl *nl;
	uint32_t id, next = 0;
	pthread_t thread;
	uint64_t start;
	int fds[2], fd = -1, err, i;

	if (!getenv("TERN_KO"))
		SKIP(return, "TERN_KO is not set: not in the VM runner");
	ASSERT_EQ(0, tern_nl_open(&nl));
	ASSERT_EQ(0, tcp_pair(AF_INET, fds));
	ASSERT_EQ(0, conn_new_fd(nl, fds[1], true, TERN_ROLE_RESPONDER,
				 "upgrade", NULL, &id));
	close(fds[1]);

	s.fd = fds[0];
	ASSERT_EQ(0, pthread_create(&thread, NULL, stream, &s));
	ASSERT_TRUE(rx_log_wait(nl, &log, id, 100, 10000));
	ASSERT_EQ(0, rx_log_ack(nl, &log, id));
	ASSERT_EQ(0, take(&log, id, &next));

	/* Detach: ack what comes until the module lets the socket go. */
	start = now_ms();
	for (;;) {
		err = tern_nl_conn_detach(nl, id, &fd);
		if (err != -EAGAIN || now_ms() - start > 20000)
			break;
		rx_log_poll(nl, &log, 10);
		if (log.nframes) {
			ASSERT_EQ(0, rx_log_ack(nl, &log, id));
			ASSERT_EQ(0, take(&log, id, &next));
		}
	}
	ASSERT_EQ(0, err) TH_LOG("conn-detach: %s", tern_nl_error(nl));
	tern_nl_close(nl);

	/* Replace the module while the peer keeps writing into the socket. */
	ASSERT_EQ(0, reload_module()) TH_LOG("reloading tern.ko failed");

	ASSERT_EQ(0, tern_nl_open(&nl));
	ASSERT_EQ(0, conn_new_fd(nl, fd, true, TERN_ROLE_RESPONDER, "upgrade",
				 NULL, &id));
	close(fd);
	for (i = 0; i < 2000 && next < UPGRADE_FRAMES; i++) {
		rx_log_poll(nl, &log, 10);
		if (log.nframes) {
			ASSERT_EQ(0, rx_log_ack(nl, &log, id));
			ASSERT_EQ(0, take(&log, id, &next))
				TH_LOG("frame out of order or repeated after %u", next);
		}
	}
	s.stop = 1;
	pthread_join(thread, NULL);
	EXPECT_EQ(0, s.err) TH_LOG("the peer's writes failed: %s", strerror(-s.err));
	EXPECT_EQ(UPGRADE_FRAMES, s.sent);
	EXPECT_EQ(UPGRADE_FRAMES, next) TH_LOG("got %u of %u frames", next,
						UPGRADE_FRAMES);
	close(fds[0]);
	tern_nl_close(nl);
}

TEST_HARNESS_MAIN
