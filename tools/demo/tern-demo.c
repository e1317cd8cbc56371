// SPDX-License-Identifier: GPL-2.0
/*
 * tern-demo: push connections through tern.ko, shown live (make demo).
 *
 * Opens kTLS connections over loopback in pairs, hands both ends of each to
 * tern.ko (a "device" end that sends heartbeats and a "gateway" end that
 * answers them), then pushes frames both ways for a few seconds, printing
 * what arrives, the heartbeats from the module's tracepoints, and
 * `ternctl conn list`.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loopback.h"
#include "tern_nl.h"

#define NPAIRS		4
#define RUN_MS		9000
#define PUSH_EVERY_MS	700
#define HB_INTERVAL_MS	800
#define TYPE_PUSH	16
#define TYPE_REPLY	17
#define TRACE_DIR	"/sys/kernel/tracing"

struct side {
	const char *name;
	struct tern_nl *nl;
	uint32_t conn[NPAIRS];
	unsigned int received;
};

static struct side device = { .name = "device" };
static struct side gateway = { .name = "gateway" };
static char ternctl[PATH_MAX];

static void die(const char *what, int err, struct tern_nl *nl)
{
	fprintf(stderr, "tern-demo: %s: %s%s%s\n", what, strerror(-err),
		nl ? ": " : "", nl ? tern_nl_error(nl) : "");
	exit(1);
}

/* Send one frame; the module must take it. */
static void send_one(struct side *s, const struct tern_frame_out *out)
{
	struct tern_send_result res;
	size_t nres = 0;
	int err;

	err = tern_nl_frame_send(s->nl, out, 1, &res, &nres);
	if (!err && (nres != 1 || res.queued != 1))
		err = nres == 1 && res.error ? res.error : -EIO;
	if (err)
		die("frame-send", err, s->nl);
}

/* Frames arriving at either side: print, ack, and answer pushes. */
static void on_frame(const struct tern_frame_in *f, void *arg)
{
	struct side *s = arg;
	struct tern_ack ack = { .conn_id = f->conn_id, .seq = f->seq };
	char reply[64];
	int err;

	s->received++;
	printf("  %-7s conn %-2u seq %-3" PRIu64 " type %u  \"%.*s\"\n",
	       s->name, f->conn_id, f->seq, f->type, (int)f->len,
	       (const char *)f->data);
	err = tern_nl_frame_ack(s->nl, &ack, 1);
	if (err)
		die("frame-ack", err, s->nl);

	if (f->type == TYPE_PUSH) {
		struct tern_frame_out out = {
			.conn_id = f->conn_id, .type = TYPE_REPLY,
			.data = reply,
		};

		out.len = snprintf(reply, sizeof(reply), "delivered, seq %" PRIu64,
				   f->seq);
		send_one(s, &out);
	}
}

static void on_down(uint32_t conn_id, uint64_t cookie, const char *tag,
		    enum tern_reason reason, void *arg)
{
	(void)cookie;
	(void)arg;
	printf("  conn-down: conn %u (%s) %s\n", conn_id, tag,
	       tern_reason_name(reason));
}

static const struct tern_event_ops ops = {
	.frame = on_frame,
	.conn_down = on_down,
};

static void open_pair(unsigned int i)
{
	struct tern_conn_params p = { 0 };
	int fds[2], err;

	err = ktls_pair(i % 2 ? AF_INET6 : AF_INET, fds);
	if (err)
		die("kTLS pair over loopback", err, NULL);

	p.fd = fds[0];
	p.role = TERN_ROLE_INITIATOR;
	p.owner_tag = "demo-device";
	p.hb_interval_ms = HB_INTERVAL_MS;
	p.cookie = i;
	err = tern_nl_conn_new(device.nl, &p, &device.conn[i]);
	if (err)
		die("conn-new (device)", err, device.nl);

	p.fd = fds[1];
	p.role = TERN_ROLE_RESPONDER;
	p.owner_tag = "demo-gateway";
	err = tern_nl_conn_new(gateway.nl, &p, &gateway.conn[i]);
	if (err)
		die("conn-new (gateway)", err, gateway.nl);

	/* The module holds the sockets now. */
	close(fds[0]);
	close(fds[1]);
}

static void push(unsigned int n)
{
	unsigned int i = n % NPAIRS;
	char msg[64];
	struct tern_frame_out out = {
		.conn_id = gateway.conn[i], .type = TYPE_PUSH, .data = msg,
	};

	out.len = snprintf(msg, sizeof(msg), "push #%u for device %u", n, i);
	printf("gateway pushes \"%s\" on conn %u\n", msg, out.conn_id);
	send_one(&gateway, &out);
}

/*
 * Heartbeat tracepoint lines since the last call: the first few PONGs, then
 * only a count, so the pushes stay readable.
 */
static void show_trace(int fd, bool final)
{
	static unsigned int shown, heartbeats;
	char buf[8192];
	ssize_t n;

	while (fd >= 0 && (n = read(fd, buf, sizeof(buf) - 1)) > 0) {
		char *line, *save = NULL;

		buf[n] = 0;
		for (line = strtok_r(buf, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			const char *ev = strstr(line, "tern_heartbeat:");

			if (!ev || !strstr(ev, "pong-received"))
				continue;
			heartbeats++;
			if (shown++ < 6)
				printf("  trace   %s\n", ev);
		}
	}
	if (final && heartbeats)
		printf("  (%u heartbeats answered in kernel in all)\n",
		       heartbeats);
}

static int open_trace(void)
{
	int fd, ev;

	ev = open(TRACE_DIR "/events/tern/tern_heartbeat/enable", O_WRONLY);
	if (ev < 0 || write(ev, "1", 1) != 1) {
		printf("(tracefs unavailable: heartbeats shown by counters only)\n");
		if (ev >= 0)
			close(ev);
		return -1;
	}
	close(ev);
	fd = open(TRACE_DIR "/trace_pipe", O_RDONLY | O_NONBLOCK);
	return fd;
}

static void conn_list(void)
{
	char cmd[PATH_MAX + 16];

	fflush(stdout);
	snprintf(cmd, sizeof(cmd), "%s conn list", ternctl);
	if (system(cmd) != 0)
		fprintf(stderr, "tern-demo: '%s' failed\n", cmd);
	fflush(stdout);
}

static void process(struct side *s)
{
	int n = tern_nl_process(s->nl, &ops, s, 0);

	if (n < 0)
		die("reading notifications", n, s->nl);
}

int main(void)
{
	char self[PATH_MAX];
	uint64_t start, next_push = 0, next_list;
	unsigned int i, n = 0;
	int err, trace;
	ssize_t len;

	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[len > 0 ? len : 0] = 0;
	snprintf(ternctl, sizeof(ternctl), "%s/ternctl",
		 len > 0 ? dirname(self) : ".");
	setvbuf(stdout, NULL, _IOLBF, 0);

	err = tern_nl_open(&device.nl);
	if (!err)
		err = tern_nl_open(&gateway.nl);
	if (err)
		die("opening the tern netlink family", err, NULL);
	printf("== handing %d kTLS connections over loopback to tern.ko\n",
	       NPAIRS);
	for (i = 0; i < NPAIRS; i++)
		open_pair(i);
	trace = open_trace();
	conn_list();

	printf("== pushing frames; the module sends and answers heartbeats (every %d ms of silence)\n",
	       HB_INTERVAL_MS);
	start = now_ms();
	next_list = start + RUN_MS / 2;
	while (now_ms() - start < RUN_MS) {
		struct pollfd pfd[2] = {
			{ .fd = tern_nl_fd(device.nl), .events = POLLIN },
			{ .fd = tern_nl_fd(gateway.nl), .events = POLLIN },
		};

		if (now_ms() >= next_push && now_ms() - start < RUN_MS - 2000) {
			push(n++);
			next_push = now_ms() + PUSH_EVERY_MS;
		}
		poll(pfd, 2, 50);
		process(&device);
		process(&gateway);
		show_trace(trace, false);
		if (now_ms() >= next_list) {
			conn_list();
			next_list = UINT64_MAX;
		}
	}

	show_trace(trace, true);
	printf("== after %d s: %u pushes delivered to devices, %u replies to the gateway\n",
	       RUN_MS / 1000, device.received, gateway.received);
	conn_list();

	printf("== conn-del on the device ends: the gateway ends see their peers close\n");
	for (i = 0; i < NPAIRS; i++)
		tern_nl_conn_del(device.nl, device.conn[i]);
	start = now_ms();
	while (now_ms() - start < 1500)
		process(&gateway);
	conn_list();

	tern_nl_close(device.nl);
	tern_nl_close(gateway.nl);
	return device.received == n && gateway.received == n ? 0 : 1;
}
