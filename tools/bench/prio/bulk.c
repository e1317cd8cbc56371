// SPDX-License-Identifier: GPL-2.0
/*
 * The load: bulk TCP uploads that keep the uplink saturated, and the sink
 * that takes them (the host has no iperf, and the VM neither).
 *
 *   bulk  CONNS connections to ADDR:PORT, each written as fast as TCP
 *         takes it, until SECONDS pass or SIGTERM. Several at once keep a
 *         standing queue: one upload alone backs off (inflight.rst). The
 *         sockets linger 0, so that ending the load drops what they still
 *         hold rather than feeding it to the link for seconds more. No
 *         SO_PRIORITY, no mark: bulk traffic as any application sends it.
 *         -C sets the congestion control (TCP_CONGESTION), whatever the
 *         machine's default.
 *   sink  listens on [::]:PORT (IPv4 too), reads and drops everything,
 *         and prints "MS BYTES CONNS" every interval: CLOCK_MONOTONIC ms,
 *         the bytes received so far, the connections open.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "priobench.h"

#define BULK_MAX_CONNS	64
#define BULK_BUF	65536

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* SIGTERM and SIGINT end the loop: poll returns EINTR (no SA_RESTART). */
static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int parse_addr(const char *addr, const char *port,
		      struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	unsigned short p = (unsigned short)pb_num("PORT", port, 1, 65535);

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(p);
		*len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(p);
		*len = sizeof(*sin6);
		return 0;
	}
	fprintf(stderr, "tern-priobench: '%s' is not an address\n", addr);
	return -EINVAL;
}

/* One upload's socket, connected (retrying while refused), nonblocking. */
static int upload_open(const struct sockaddr_storage *ss, socklen_t len,
		       const char *cc, uint64_t until)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int fd, err;

	for (;;) {
		fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		if (cc && setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, cc,
				     strlen(cc))) {
			err = -errno;
			fprintf(stderr, "tern-priobench: bulk: congestion control %s: %s\n",
				cc, strerror(-err));
			close(fd);
			return err;
		}
		if (!connect(fd, (const struct sockaddr *)ss, len))
			break;
		err = errno;
		close(fd);
		if ((err != ECONNREFUSED && err != EINTR) ||
		    pb_now_ns() >= until || stop)
			return -err;
		usleep(50000);
	}
	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) ||
	    fcntl(fd, F_SETFL, O_NONBLOCK)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int pb_bulk_main(int argc, char **argv)
{
	static char buf[BULK_BUF];
	struct pollfd pf[BULK_MAX_CONNS];
	unsigned long long sent = 0;
	unsigned int n = 4, i, open_n;
	double secs = 0, connect_s = 10;
	const char *cc = NULL;
	struct sockaddr_storage ss;
	uint64_t end = 0;
	socklen_t len;
	int o, fd;

	while ((o = getopt(argc, argv, "n:d:c:C:")) != -1) {
		switch (o) {
		case 'n':
			n = (unsigned int)pb_num("-n", optarg, 1, BULK_MAX_CONNS);
			break;
		case 'd':
			secs = pb_num("-d", optarg, 0, 86400);
			break;
		case 'c':
			connect_s = pb_num("-c", optarg, 0, 600);
			break;
		case 'C':
			cc = strcmp(optarg, "default") ? optarg : NULL;
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 2)
		goto usage;
	if (parse_addr(argv[optind], argv[optind + 1], &ss, &len))
		return 2;
	catch_signals();
	memset(buf, 'b', sizeof(buf));
	for (i = 0; i < n; i++) {
		fd = upload_open(&ss, len, cc, pb_now_ns() +
				 (uint64_t)(connect_s * 1e9));
		if (fd < 0) {
			fprintf(stderr, "tern-priobench: bulk: connecting: %s\n",
				strerror(-fd));
			return 1;
		}
		pf[i] = (struct pollfd){ .fd = fd, .events = POLLOUT };
	}
	printf("connected %u\n", n);
	fflush(stdout);
	if (secs > 0)
		end = pb_now_ns() + (uint64_t)(secs * 1e9);
	open_n = n;
	while (!stop && open_n && (!end || pb_now_ns() < end)) {
		if (poll(pf, n, 200) < 0 && errno != EINTR)
			break;
		for (i = 0; i < n; i++) {
			ssize_t w;

			if (pf[i].fd < 0 || !pf[i].revents)
				continue;
			do {
				w = send(pf[i].fd, buf, sizeof(buf),
					 MSG_NOSIGNAL);
				if (w > 0)
					sent += (unsigned long long)w;
			} while (w > 0 && !stop);
			if (w < 0 && errno != EAGAIN && errno != EINTR) {
				close(pf[i].fd);
				pf[i].fd = -1;
				open_n--;
			}
		}
	}
	for (i = 0; i < n; i++)
		if (pf[i].fd >= 0)
			close(pf[i].fd);
	printf("sent %llu bytes, %u of %u connections open at the end\n",
	       sent, open_n, n);
	return 0;
usage:
	fprintf(stderr, "usage: tern-priobench bulk [-n CONNS] [-d SECONDS] [-c CONNECT_S] [-C CC] ADDR PORT\n");
	return 2;
}

static int sink_listen(unsigned short port)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6,
				     .sin6_addr = IN6ADDR_ANY_INIT,
				     .sin6_port = htons(port) };
	int fd, off = 0, on = 1;

	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) ||
	    bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) ||
	    listen(fd, BULK_MAX_CONNS)) {
		perror("tern-priobench: sink: listening");
		return -1;
	}
	return fd;
}

int pb_sink_main(int argc, char **argv)
{
	static char buf[BULK_BUF];
	struct pollfd pf[BULK_MAX_CONNS + 1];
	unsigned long long bytes = 0;
	unsigned int n = 1, i, conns = 0;
	uint64_t interval = 250000000, next;
	int o;

	while ((o = getopt(argc, argv, "i:")) != -1) {
		if (o != 'i')
			goto usage;
		interval = (uint64_t)(pb_num("-i", optarg, 10, 60000) * 1e6);
	}
	if (argc - optind != 1)
		goto usage;
	pf[0].fd = sink_listen((unsigned short)pb_num("PORT", argv[optind],
						      1, 65535));
	if (pf[0].fd < 0)
		return 1;
	pf[0].events = POLLIN;
	catch_signals();
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");
	next = pb_now_ns();
	while (!stop) {
		uint64_t now = pb_now_ns();
		int ms;

		if (now >= next) {
			printf("%.3f %llu %u\n", (double)now / 1e6, bytes, conns);
			next += interval;
			if (next < now)
				next = now + interval;
		}
		ms = (int)((next - now) / 1000000) + 1;
		if (poll(pf, n, ms) < 0) {
			if (errno == EINTR)
				continue;
			perror("tern-priobench: sink: poll");
			return 1;
		}
		if (pf[0].revents & POLLIN) {
			int fd = accept4(pf[0].fd, NULL, NULL,
					 SOCK_NONBLOCK | SOCK_CLOEXEC);

			if (fd >= 0 && n <= BULK_MAX_CONNS) {
				pf[n++] = (struct pollfd){ .fd = fd,
							   .events = POLLIN };
				conns++;
			} else if (fd >= 0) {
				close(fd);
			}
		}
		for (i = 1; i < n; i++) {
			ssize_t r;

			if (!pf[i].revents)
				continue;
			while ((r = read(pf[i].fd, buf, sizeof(buf))) > 0)
				bytes += (unsigned long long)r;
			if (r == 0 || (r < 0 && errno != EAGAIN &&
				       errno != EINTR)) {
				close(pf[i].fd);
				pf[i--] = pf[--n];
				conns--;
			}
		}
	}
	printf("%.3f %llu %u\n", (double)pb_now_ns() / 1e6, bytes, conns);
	return 0;
usage:
	fprintf(stderr, "usage: tern-priobench sink [-i MS] PORT\n");
	return 2;
}
