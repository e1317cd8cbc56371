// SPDX-License-Identifier: GPL-2.0
/*
 * tern_hold: open connections over loopback, hand one end of each to tern.ko
 * and keep the other, for the scripts that need live connections
 * (lifecycle.sh, ynl.sh). Not a test by itself.
 *
 *   tern_hold [-n N] [-t TAG] [-f N] [-s N] [-r FILE] [-p] [-e | -w SEC]
 *
 *   -n N    connections (default 4), alternately plain over IPv4 and kTLS
 *           over IPv6
 *   -t TAG  owner tag (default "hold")
 *   -f N    frames each peer sends before we are ready; every one is
 *           delivered to us and left unacked (default 2)
 *   -s N    frames tern.ko sends to each peer before we are ready; the peers
 *           leave them unread (default 2)
 *   -r FILE create FILE once everything is set up
 *   -p      print the connection ids on stdout, one a line, once ready
 *   -e      exit once ready: our netlink socket closes (the connections
 *           become orphans) and so do the peers
 *   -w SEC  once ready, keep traffic flowing both ways (peers write frames,
 *           we frame-send) and wait until every peer sees its connection
 *           closed (EOF or an error); exit 0 when all did within SEC
 *           seconds, 3 if not
 *   (neither -e nor -w: wait for SIGTERM or SIGINT, then exit 0)
 *
 * Exit status: 0 success, 1 setup failure (reason on stderr), 2 usage,
 * 3 some peer still open after -w SEC.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "tern_nl.h"
#include "../common.h"

#define HOLD_FRAME_TYPE		16
#define HOLD_PAYLOAD		48
#define HOLD_SETUP_MS		20000

struct peer {
	int fd;
	bool open;
	uint32_t conn_id;
	uint8_t out[TERN_FRAME_HDR_LEN + HOLD_PAYLOAD];
	size_t out_off;		/* bytes of out[] already written */
	uint32_t out_seq;
};

static volatile sig_atomic_t stop;

/* Globals, so that they are still reachable when LeakSanitizer looks at
 * exit: the process ends with the connections, not by freeing them.
 */
static struct tern_nl *nl;
static struct peer *peers;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "tern_hold: %s: %s\n", what, strerror(-err));
	return 1;
}

static void build_frame(struct peer *p)
{
	uint8_t *b = p->out;

	b[0] = TERN_FRAME_VERSION;
	b[1] = HOLD_FRAME_TYPE;
	b[2] = 0;
	b[3] = 0;
	b[4] = 0;
	b[5] = 0;
	b[6] = 0;
	b[7] = HOLD_PAYLOAD;
	memset(b + TERN_FRAME_HDR_LEN, 'a' + p->out_seq % 26, HOLD_PAYLOAD);
	memcpy(b + TERN_FRAME_HDR_LEN, &p->out_seq, sizeof(p->out_seq));
	p->out_seq++;
	p->out_off = 0;
}

/* Write what the socket takes of the pending frame; -errno on failure. */
static int peer_write(struct peer *p)
{
	ssize_t n;

	for (;;) {
		if (p->out_off == sizeof(p->out))
			build_frame(p);
		n = send(p->fd, p->out + p->out_off, sizeof(p->out) - p->out_off,
			 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		p->out_off += n;
	}
}

/* Drain what the peer can read; -1 once it has seen EOF or an error. */
static int peer_read(struct peer *p)
{
	char buf[4096];
	ssize_t n;

	for (;;) {
		n = recv(p->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		return -1;	/* EOF, reset, or a TLS error after either */
	}
}

struct counts {
	size_t frames;
};

static void count_frame(const struct tern_frame_in *f, void *arg)
{
	struct counts *c = arg;

	(void)f;
	c->frames++;
}

/* Keep traffic going until every peer has seen its connection end. */
static int watch(int n, int secs)
{
	struct tern_frame_out *out = calloc(n ? n : 1, sizeof(*out));
	struct tern_send_result *res = calloc(n ? n : 1, sizeof(*res));
	struct pollfd *pfd = calloc(n ? n : 1, sizeof(*pfd));
	uint64_t end = now_ms() + (uint64_t)secs * 1000, last_send = 0;
	static const char msg[] = "from tern";
	struct tern_nl *live = nl;	/* NULL once the family is gone */
	int open = n, i, k;
	size_t nres;

	if (!out || !res || !pfd)
		return fail("watch", -ENOMEM);
	while (open && now_ms() < end) {
		/* tern.ko writes to every peer; errors are expected once the
		 * module is going or gone.
		 */
		if (live && now_ms() - last_send >= 20) {
			for (i = k = 0; i < n; i++)
				if (peers[i].open)
					out[k++] = (struct tern_frame_out) {
						.conn_id = peers[i].conn_id,
						.type = HOLD_FRAME_TYPE,
						.data = msg,
						.len = sizeof(msg),
					};
			/* Once a request fails the family is most likely gone:
			 * stop sending. Frames delivered to us are dropped
			 * unacked.
			 */
			if (k && tern_nl_frame_send(live, out, k, res, &nres))
				live = NULL;
			else
				tern_nl_process(live, NULL, NULL, 0);
			last_send = now_ms();
		}
		for (i = 0; i < n; i++) {
			pfd[i].fd = peers[i].open ? peers[i].fd : -1;
			pfd[i].events = POLLIN | POLLOUT;
			pfd[i].revents = 0;
		}
		if (poll(pfd, n, 20) < 0 && errno != EINTR)
			return fail("poll", -errno);
		for (i = 0; i < n; i++) {
			struct peer *p = &peers[i];

			if (!p->open || !pfd[i].revents)
				continue;
			if ((pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) &&
			    peer_read(p) < 0)
				p->open = false;
			else if ((pfd[i].revents & POLLOUT) && peer_write(p))
				p->open = false;
			if (!p->open)
				open--;
		}
	}
	for (i = 0; i < n; i++)
		if (peers[i].open)
			fprintf(stderr,
				"tern_hold: peer of connection %u still open after %d s\n",
				peers[i].conn_id, secs);
	free(out);
	free(res);
	free(pfd);
	return open ? 3 : 0;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: tern_hold [-n N] [-t TAG] [-f N] [-s N] [-r FILE] [-p] [-e | -w SEC]\n");
	return 2;
}

int main(int argc, char **argv)
{
	int n = 4, nf = 2, ns = 2, wait_s = -1, opt, i, j, err, fds[2];
	const char *tag = "hold", *ready = NULL;
	bool print = false, exit_now = false;
	struct counts got = { 0 };
	struct tern_event_ops ops = { .frame = count_frame };
	struct tern_send_result res;
	uint64_t end;
	size_t nres;

	while ((opt = getopt(argc, argv, "n:t:f:s:r:pew:")) != -1) {
		switch (opt) {
		case 'n':
			n = atoi(optarg);
			break;
		case 't':
			tag = optarg;
			break;
		case 'f':
			nf = atoi(optarg);
			break;
		case 's':
			ns = atoi(optarg);
			break;
		case 'r':
			ready = optarg;
			break;
		case 'p':
			print = true;
			break;
		case 'e':
			exit_now = true;
			break;
		case 'w':
			wait_s = atoi(optarg);
			break;
		default:
			return usage();
		}
	}
	if (optind != argc || n < 0 || nf < 0 || ns < 0 ||
	    (exit_now && wait_s >= 0))
		return usage();

	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);

	err = tern_nl_open(&nl);
	if (err)
		return fail("tern_nl_open", err);
	peers = calloc(n ? n : 1, sizeof(*peers));
	if (!peers)
		return fail("calloc", -ENOMEM);

	for (i = 0; i < n; i++) {
		bool tls = i % 2;
		struct tern_conn_params p = {
			.role = tls ? TERN_ROLE_RESPONDER : TERN_ROLE_INITIATOR,
			.owner_tag = tag,
			.plain = !tls,
			.hb_interval_ms = 3600000,
			.cookie = 1000 + i,
		};

		err = tls ? ktls_pair(AF_INET6, fds) : tcp_pair(AF_INET, fds);
		if (err)
			return fail(tls ? "kTLS pair" : "TCP pair", err);
		p.fd = fds[0];
		err = tern_nl_conn_new(nl, &p, &peers[i].conn_id);
		if (err) {
			fprintf(stderr, "tern_hold: conn-new: %s\n",
				tern_nl_error(nl));
			return 1;
		}
		close(fds[0]);		/* tern.ko holds it now */
		peers[i].fd = fds[1];
		peers[i].open = true;
		peers[i].out_off = sizeof(peers[i].out);
		for (j = 0; j < nf; j++) {
			err = frame_write(fds[1], HOLD_FRAME_TYPE, 0, "held", 4);
			if (err)
				return fail("frame_write", err);
		}
	}

	/* Every frame the peers sent reaches us: the module works. */
	end = now_ms() + HOLD_SETUP_MS;
	while (got.frames < (size_t)n * nf && now_ms() < end) {
		err = tern_nl_process(nl, &ops, &got, 100);
		if (err < 0)
			return fail("tern_nl_process", err);
	}
	if (got.frames < (size_t)n * nf) {
		fprintf(stderr, "tern_hold: got %zu of %d frames\n",
			got.frames, n * nf);
		return 1;
	}

	for (i = 0; i < n; i++) {
		for (j = 0; j < ns; j++) {
			struct tern_frame_out f = {
				.conn_id = peers[i].conn_id,
				.type = HOLD_FRAME_TYPE,
				.data = "sent",
				.len = 4,
			};

			err = tern_nl_frame_send(nl, &f, 1, &res, &nres);
			if (!err && res.error)
				err = res.error;
			if (err)
				return fail("frame-send", err);
		}
		fcntl(peers[i].fd, F_SETFL, O_NONBLOCK);
	}

	if (print) {
		for (i = 0; i < n; i++)
			printf("%u\n", peers[i].conn_id);
		fflush(stdout);
	}
	if (ready) {
		int fd = open(ready, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0)
			return fail(ready, -errno);
		close(fd);
	}

	if (exit_now)
		return 0;
	if (wait_s >= 0)
		return watch(n, wait_s);
	while (!stop)
		pause();
	return 0;
}
