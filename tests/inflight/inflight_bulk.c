// SPDX-License-Identifier: GPL-2.0
/*
 * inflight_bulk: a bulk TCP transfer over the in-flight link, and the rate
 * it got. A helper of inflight_test.sh (the host has no iperf).
 *
 *   inflight_bulk sink [-s START] [-e END] [-W WAIT] PORT
 *	listen on [::]:PORT (IPv4 and IPv6), prints "ready"; take one
 *	connection and read it; count the bytes that arrive between START
 *	and END seconds (default 0.5 and 3) after the first one, then print
 *	"bytes=N seconds=S bps=R" (R: payload bits per second) and exit 0.
 *	Exits 1 when no connection came within WAIT seconds (default 10)
 *	or it ended before END.
 *   inflight_bulk source [-T TOS] [-d SECONDS] [-c SECONDS] ADDR PORT
 *	connect (retrying for -c seconds, default 2, while refused), then
 *	write as fast as TCP takes it for SECONDS (default 4), or until the
 *	sink goes away; TOS (IP_TOS, IPV6_TCLASS) on the connection. Exits
 *	0 when it connected, 1 when it could not.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double num(const char *s, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || !*s || *end || v < 0 || v > max) {
		fprintf(stderr, "inflight_bulk: '%s' is not a number up to %g\n",
			s, max);
		exit(2);
	}
	return v;
}

static void fail(const char *what)
{
	fprintf(stderr, "inflight_bulk: %s: %s\n", what, strerror(errno));
	exit(2);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int sink(int argc, char **argv)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6,
				     .sin6_addr = IN6ADDR_ANY_INIT };
	double start = 0.5, end = 3, wait = 10, first = 0, t;
	unsigned long long bytes = 0;
	static char buf[65536];
	struct pollfd p;
	int c, lfd, fd, off = 0, on = 1;
	ssize_t n;

	while ((c = getopt(argc, argv, "s:e:W:")) != -1) {
		if (c == 's')
			start = num(optarg, 600);
		else if (c == 'e')
			end = num(optarg, 600);
		else if (c == 'W')
			wait = num(optarg, 600);
		else
			return 2;
	}
	if (argc - optind != 1 || end <= start)
		return 2;
	sin6.sin6_port = htons((unsigned short)num(argv[optind], 65535));
	lfd = socket(AF_INET6, SOCK_STREAM, 0);
	if (lfd < 0 ||
	    setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) ||
	    bind(lfd, (struct sockaddr *)&sin6, sizeof(sin6)) ||
	    listen(lfd, 1))
		fail("listening");
	printf("ready\n");
	fflush(stdout);
	p.fd = lfd;
	p.events = POLLIN;
	if (poll(&p, 1, (int)(wait * 1000)) != 1) {
		printf("no connection\n");
		return 1;
	}
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		fail("accept");
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n <= 0) {
			printf("ended after %.3f s\n", first ? now() - first : 0);
			return 1;
		}
		t = now();
		if (!first)
			first = t;
		if (t - first >= end)
			break;
		if (t - first >= start)
			bytes += n;
	}
	printf("bytes=%llu seconds=%.3f bps=%.0f\n", bytes, end - start,
	       bytes * 8 / (end - start));
	return 0;
}

static int source(int argc, char **argv)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	double secs = 4, retry = 2, t0;
	static char buf[65536];
	int c, fd, v6, ok, tos = -1;
	socklen_t len;

	while ((c = getopt(argc, argv, "T:d:c:")) != -1) {
		if (c == 'T')
			tos = (int)num(optarg, 255);
		else if (c == 'd')
			secs = num(optarg, 600);
		else if (c == 'c')
			retry = num(optarg, 600);
		else
			return 2;
	}
	if (argc - optind != 2)
		return 2;
	v6 = strchr(argv[optind], ':') != NULL;
	if (v6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((unsigned short)num(argv[optind + 1], 65535));
		ok = inet_pton(AF_INET6, argv[optind], &sin6->sin6_addr);
		len = sizeof(*sin6);
	} else {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((unsigned short)num(argv[optind + 1], 65535));
		ok = inet_pton(AF_INET, argv[optind], &sin->sin_addr);
		len = sizeof(*sin);
	}
	if (ok != 1) {
		fprintf(stderr, "inflight_bulk: bad address '%s'\n", argv[optind]);
		return 2;
	}
	memset(buf, 'x', sizeof(buf));
	t0 = now();
	for (;;) {
		struct timeval tv = { .tv_sec = (long)retry,
				      .tv_usec = (long)((retry - (long)retry) * 1e6) };

		fd = socket(ss.ss_family, SOCK_STREAM, 0);
		if (fd < 0)
			fail("socket");
		if (tos >= 0 && setsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP,
					   v6 ? IPV6_TCLASS : IP_TOS, &tos,
					   sizeof(tos)))
			fail("TOS");
		/* A connect that gets no answer gives up after -c too. */
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (!connect(fd, (struct sockaddr *)&ss, len))
			break;
		ok = errno;
		close(fd);
		if (ok != ECONNREFUSED || now() - t0 >= retry) {
			printf("could not connect: %s\n",
			       ok == EINPROGRESS ? "timed out" : strerror(ok));
			return 1;
		}
		usleep(20000);
	}
	/* Writes block at most a second: the deadline holds. */
	{
		struct timeval tv = { .tv_sec = 1 };

		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	t0 = now();
	while (now() - t0 < secs) {
		if (send(fd, buf, sizeof(buf), MSG_NOSIGNAL) < 0 &&
		    errno != EAGAIN && errno != EINTR)
			break;
	}
	printf("sent for %.1f s\n", now() - t0);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 2 && !strcmp(argv[1], "sink"))
		return sink(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "source"))
		return source(argc - 1, argv + 1);
	fprintf(stderr, "usage: inflight_bulk sink [-s START] [-e END] [-W WAIT] PORT\n"
		"       inflight_bulk source [-T TOS] [-d SECONDS] [-c SECONDS] ADDR PORT\n");
	return 2;
}
