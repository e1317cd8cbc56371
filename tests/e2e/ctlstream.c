// SPDX-License-Identifier: GPL-2.0
/*
 * ctlstream: a stream of pushes through ternd's control socket, for the
 * crash tests (chaos_test.sh). One client, one request at a time, as
 * fast as ternd queues them or at a given rate; `ternctl push` costs a
 * process per message, which a stream of 10,000 cannot afford.
 *
 *   ctlstream -S SOCKET -t TOKEN -n COUNT [-f FIRST] [-i PREFIX] [-r RATE]
 *             [-P FILE] [-W MS]
 *
 * Message i (FIRST <= i < FIRST + COUNT) has the id PREFIX (16 hex digits,
 * 8 bytes) followed by i as 8 bytes big-endian, and the payload
 * "chaos-<i>": ids and payloads name the message alike, so the receiving
 * side can count both. -r paces the stream to RATE messages a second.
 * -P writes the count queued so far to FILE as it goes (for the script
 * to pick its kill points by). A ternd that goes away (killed, restarted)
 * is connected to again for up to -W ms [20000], and the message in
 * flight is sent again: ternd queues an id once, so nothing doubles.
 *
 * Prints "queued N in MS ms" at the end. Exit status 0 if all were
 * queued, 1 if not, 2 on a usage error.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl.pb-c.h"
#include "hex.h"
#include "wire.h"

static const char *sock_path;
static int reconnect_ms = 20000;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(uint64_t ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int ctl_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	uint64_t until = now_ms() + reconnect_ms;
	int fd;

	if (strlen(sock_path) >= sizeof(sa.sun_path))
		return -1;
	strcpy(sa.sun_path, sock_path);
	for (;;) {
		fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -1;
		if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
			return fd;
		close(fd);
		if (now_ms() >= until)
			return -1;
		sleep_ms(50);
	}
}

/* Send one request and read its reply: 0, -1 when ternd went away (try
 * again), or the error ternd replied with (> 0, as an errno).
 */
static int ctl_send(int fd, const uint8_t *buf, size_t len, char *detail,
		    size_t dlen)
{
	uint8_t rbuf[4096];
	Tern__CtlReply *r;
	ssize_t n;
	int ret;

	if (send(fd, buf, len, MSG_NOSIGNAL) != (ssize_t)len)
		return -1;
	do {
		n = recv(fd, rbuf, sizeof(rbuf), 0);
	} while (n < 0 && errno == EINTR);
	if (n <= 0)
		return -1;
	r = tern__ctl_reply__unpack(NULL, n, rbuf);
	if (!r) {
		snprintf(detail, dlen, "a reply that does not decode");
		return EPROTO;
	}
	ret = r->error ? -r->error : 0;
	if (!ret && r->msg_id.len != WIRE_MSG_ID_LEN) {
		snprintf(detail, dlen, "a reply without a message id");
		ret = EPROTO;
	} else if (ret) {
		snprintf(detail, dlen, "%s", r->detail && r->detail[0] ?
			 r->detail : strerror(ret));
	}
	tern__ctl_reply__free_unpacked(r, NULL);
	return ret;
}

static void progress(int pfd, unsigned long n)
{
	char buf[24];
	int len;

	if (pfd < 0)
		return;
	len = snprintf(buf, sizeof(buf), "%10lu\n", n);
	if (pwrite(pfd, buf, len, 0) != len)
		perror("ctlstream: progress");
}

static void usage(void)
{
	fprintf(stderr, "usage: ctlstream -S SOCKET -t TOKEN -n COUNT [-f FIRST] [-i PREFIX] [-r RATE] [-P FILE] [-W MS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	uint8_t token[WIRE_TOKEN_LEN], prefix[8] = { 0 };
	unsigned long count = 0, first = 0, i, reconnects = 0;
	const char *pfile = NULL;
	double rate = 0;
	uint64_t start;
	int o, fd, pfd = -1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((o = getopt(argc, argv, "S:t:n:f:i:r:P:W:")) != -1) {
		switch (o) {
		case 'S':
			sock_path = optarg;
			break;
		case 't':
			if (hex_decode(optarg, token, sizeof(token)))
				usage();
			break;
		case 'n':
			count = strtoul(optarg, NULL, 0);
			break;
		case 'f':
			first = strtoul(optarg, NULL, 0);
			break;
		case 'i':
			if (hex_decode(optarg, prefix, sizeof(prefix)))
				usage();
			break;
		case 'r':
			rate = strtod(optarg, NULL);
			break;
		case 'P':
			pfile = optarg;
			break;
		case 'W':
			reconnect_ms = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (!sock_path || !count || optind != argc)
		usage();
	if (pfile) {
		pfd = open(pfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			   0644);
		if (pfd < 0) {
			perror(pfile);
			return 2;
		}
		progress(pfd, 0);
	}
	fd = ctl_connect();
	if (fd < 0) {
		fprintf(stderr, "ctlstream: cannot connect to %s\n", sock_path);
		return 1;
	}
	start = now_ms();
	for (i = 0; i < count; i++) {
		Tern__CtlRequest req = TERN__CTL_REQUEST__INIT;
		Tern__CtlSend snd = TERN__CTL_SEND__INIT;
		uint8_t id[WIRE_MSG_ID_LEN], buf[256];
		uint64_t be = htobe64(first + i);
		char body[32], detail[256];
		size_t len;
		int ret;

		if (rate > 0) {
			uint64_t due = start + (uint64_t)(i * 1000.0 / rate);
			uint64_t now = now_ms();

			if (due > now)
				sleep_ms(due - now);
		}
		memcpy(id, prefix, sizeof(prefix));
		memcpy(id + sizeof(prefix), &be, sizeof(be));
		snprintf(body, sizeof(body), "chaos-%lu", first + i);
		snd.token = wire_bytes(token, sizeof(token));
		snd.msg_id = wire_bytes(id, sizeof(id));
		snd.payload = wire_bytes(body, strlen(body));
		req.req_case = TERN__CTL_REQUEST__REQ_SEND;
		req.send = &snd;
		len = tern__ctl_request__pack(&req, buf);
		while ((ret = ctl_send(fd, buf, len, detail,
				       sizeof(detail))) < 0) {
			/* ternd went away: the same message again, once it
			 * is back (it queues an id once).
			 */
			close(fd);
			reconnects++;
			fd = ctl_connect();
			if (fd < 0) {
				fprintf(stderr, "ctlstream: ternd did not come back within %d ms\n",
					reconnect_ms);
				printf("queued %lu in %llu ms\n", i,
				       (unsigned long long)(now_ms() - start));
				return 1;
			}
		}
		if (ret) {
			fprintf(stderr, "ctlstream: message %lu: %s\n",
				first + i, detail);
			printf("queued %lu in %llu ms\n", i,
			       (unsigned long long)(now_ms() - start));
			return 1;
		}
		progress(pfd, i + 1);
	}
	close(fd);
	printf("queued %lu in %llu ms (reconnects %lu)\n", count,
	       (unsigned long long)(now_ms() - start), reconnects);
	return 0;
}
