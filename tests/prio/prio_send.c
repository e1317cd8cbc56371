// SPDX-License-Identifier: GPL-2.0
/*
 * prio_send: send COUNT UDP datagrams to ADDR PORT from a socket with the
 * given SO_MARK, SO_PRIORITY and TOS / traffic class, as push traffic
 * (tern.ko's mark, the user transport's priority) or bulk would. A helper
 * of prio_test.sh, which runs it inside its own network namespace.
 *
 *   prio_send [-m MARK] [-p PRIORITY] [-t TOS] [-n COUNT] [-s SIZE] ADDR PORT
 *
 * ADDR is IPv4 or IPv6. Exits 0 when every datagram was sent.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static unsigned long num(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || !*s || *end) {
		fprintf(stderr, "prio_send: '%s' is not a number\n", s);
		exit(2);
	}
	return v;
}

static int setopt(int fd, int level, int name, int v, const char *what)
{
	if (setsockopt(fd, level, name, &v, sizeof(v))) {
		fprintf(stderr, "prio_send: %s: %s\n", what, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	long mark = -1, prio = -1, tos = -1;
	unsigned long count = 1, size = 64, i;
	char buf[1400] = "tern prio test";
	socklen_t len;
	int c, fd, v6;

	while ((c = getopt(argc, argv, "m:p:t:n:s:")) != -1) {
		switch (c) {
		case 'm':
			mark = num(optarg);
			break;
		case 'p':
			prio = num(optarg);
			break;
		case 't':
			tos = num(optarg);
			break;
		case 'n':
			count = num(optarg);
			break;
		case 's':
			size = num(optarg);
			break;
		default:
			return 2;
		}
	}
	if (optind + 2 != argc || size > sizeof(buf)) {
		fprintf(stderr, "usage: prio_send [-m MARK] [-p PRIORITY] [-t TOS] [-n COUNT] [-s SIZE<=%zu] ADDR PORT\n",
			sizeof(buf));
		return 2;
	}
	v6 = strchr(argv[optind], ':') != NULL;
	if (v6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(num(argv[optind + 1]));
		c = inet_pton(AF_INET6, argv[optind], &sin6->sin6_addr);
		len = sizeof(*sin6);
	} else {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(num(argv[optind + 1]));
		c = inet_pton(AF_INET, argv[optind], &sin->sin_addr);
		len = sizeof(*sin);
	}
	if (c != 1) {
		fprintf(stderr, "prio_send: bad address '%s'\n", argv[optind]);
		return 2;
	}
	fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0) {
		fprintf(stderr, "prio_send: socket: %s\n", strerror(errno));
		return 1;
	}
	/* IP_TOS sets the priority too (rt_tos2priority): TOS first. */
	if ((tos >= 0 && setopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP,
				v6 ? IPV6_TCLASS : IP_TOS, tos, "TOS")) ||
	    (mark >= 0 && setopt(fd, SOL_SOCKET, SO_MARK, mark, "SO_MARK")) ||
	    (prio >= 0 && setopt(fd, SOL_SOCKET, SO_PRIORITY, prio,
				 "SO_PRIORITY")))
		return 1;
	for (i = 0; i < count; i++)
		if (sendto(fd, buf, size, 0, (struct sockaddr *)&ss, len) < 0) {
			fprintf(stderr, "prio_send: sendto: %s\n",
				strerror(errno));
			return 1;
		}
	close(fd);
	return 0;
}
