// SPDX-License-Identifier: GPL-2.0
/*
 * inflight_echo: does a packet get through the in-flight link, and how
 * long does its answer take? A helper of inflight_test.sh.
 *
 *   inflight_echo serve [-t PORT]... [-u PORT]...
 *	echo on these TCP and UDP ports, IPv4 and IPv6 ([::], dual
 *	stack); prints "ready" once listening, runs until killed
 *   inflight_echo probe [-T TOS] [-w MS] tcp|udp|icmp ADDR [PORT]
 *	one exchange: a TCP connection and a line echoed, a UDP datagram
 *	echoed, or an ICMP echo; TOS (IP_TOS, IPV6_TCLASS) on the packets
 *
 * probe prints "through connect_ms=C rtt_ms=R" and exits 0 when the answer
 * came back within MS (default 1000) milliseconds in all, "blocked: WHY"
 * and exits 1 when it did not, and exits 2 on usage or local errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PORTS	8
#define MSG		"tern inflight probe\n"
#define ICMP_ID		0x7e2e

static unsigned long num(const char *s, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || !*s || *end || v > max) {
		fprintf(stderr, "inflight_echo: '%s' is not a number up to %lu\n",
			s, max);
		exit(2);
	}
	return v;
}

static void fail(const char *what)
{
	fprintf(stderr, "inflight_echo: %s: %s\n", what, strerror(errno));
	exit(2);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* --- serve --- */

static int listener(int type, unsigned int port)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6,
				     .sin6_addr = IN6ADDR_ANY_INIT };
	int fd = socket(AF_INET6, type | SOCK_NONBLOCK, 0), off = 0, on = 1;

	if (fd < 0)
		fail("socket");
	sin6.sin6_port = htons(port);
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)))
		fail("setsockopt");
	/* UDP answers from the address it was asked at (of several). */
	if (type == SOCK_DGRAM &&
	    (setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on)) ||
	     setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on))))
		fail("setsockopt");
	if (bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)))
		fail("bind");
	if (type == SOCK_STREAM && listen(fd, 64))
		fail("listen");
	return fd;
}

/*
 * One datagram back to where it came from, from the address it was sent
 * to: the packet info the kernel gave goes back with it (the interface
 * left to routing).
 */
static void echo_datagram(int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
			 CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} ctl;
	struct sockaddr_storage ss;
	struct cmsghdr *cm;
	char buf[4096];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = {
		.msg_name = &ss, .msg_namelen = sizeof(ss),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	ssize_t n = recvmsg(fd, &msg, 0);

	if (n < 0)
		return;
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level == IPPROTO_IPV6 &&
		    cm->cmsg_type == IPV6_PKTINFO)
			((struct in6_pktinfo *)CMSG_DATA(cm))->ipi6_ifindex = 0;
		else if (cm->cmsg_level == IPPROTO_IP &&
			 cm->cmsg_type == IP_PKTINFO)
			((struct in_pktinfo *)CMSG_DATA(cm))->ipi_ifindex = 0;
	}
	iov.iov_len = n;
	msg.msg_flags = 0;
	sendmsg(fd, &msg, 0);
}

/* Listeners first, then connections; a TCP connection echoes until EOF. */
static int serve(int argc, char **argv)
{
	struct pollfd pfd[256];
	int types[256], nfd = 0, nlisten, c, i;
	char buf[4096];
	ssize_t n;

	while ((c = getopt(argc, argv, "t:u:")) != -1) {
		if ((c != 't' && c != 'u') || nfd == MAX_PORTS)
			return 2;
		types[nfd] = c == 't' ? SOCK_STREAM : SOCK_DGRAM;
		pfd[nfd].fd = listener(types[nfd], num(optarg, 65535));
		pfd[nfd++].events = POLLIN;
	}
	nlisten = nfd;
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		if (poll(pfd, nfd, -1) < 0 && errno != EINTR)
			fail("poll");
		for (i = 0; i < nfd; i++) {
			if (!pfd[i].revents)
				continue;
			if (i < nlisten && types[i] == SOCK_DGRAM) {
				echo_datagram(pfd[i].fd);
			} else if (i < nlisten) {
				int fd = accept4(pfd[i].fd, NULL, NULL,
						 SOCK_NONBLOCK);

				if (fd < 0)
					continue;
				if (nfd == (int)(sizeof(pfd) / sizeof(pfd[0]))) {
					close(fd);
					continue;
				}
				types[nfd] = SOCK_STREAM;
				pfd[nfd].fd = fd;
				pfd[nfd++].events = POLLIN;
			} else {
				n = read(pfd[i].fd, buf, sizeof(buf));
				if (n > 0 && write(pfd[i].fd, buf, n) == n)
					continue;
				if (n < 0 && errno == EAGAIN)
					continue;
				close(pfd[i].fd);
				pfd[i] = pfd[--nfd];
				types[i] = types[nfd];
				i--;
			}
		}
	}
}

/* --- probe --- */

static int blocked(const char *why)
{
	printf("blocked: %s\n", why);
	return 1;
}

/* Waits for @events on @fd until @deadline; 0 when they came. */
static int wait_for(int fd, short events, double deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	double left = deadline - now_ms();
	int n;

	if (left < 0)
		left = 0;
	do {
		n = poll(&p, 1, (int)left + 1);
	} while (n < 0 && errno == EINTR);
	return n > 0 ? 0 : -1;
}

static int set_tos(int fd, int v6, int tos)
{
	if (tos < 0)
		return 0;
	return setsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP,
			  v6 ? IPV6_TCLASS : IP_TOS, &tos, sizeof(tos));
}

static unsigned short csum(const void *p, size_t len)
{
	const unsigned char *b = p;
	unsigned long sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += b[i] << 8 | b[i + 1];
	if (len & 1)
		sum += b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

/* An echo request on a raw socket; the answer is the matching reply. */
static int icmp(int fd, int v6, const struct sockaddr *sa, socklen_t len,
		double deadline)
{
	unsigned char pkt[64] = { 0 }, buf[1500];
	unsigned int off;
	ssize_t n;

	pkt[0] = v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO;
	pkt[4] = ICMP_ID >> 8;
	pkt[5] = ICMP_ID & 0xff;
	pkt[7] = 1;			/* sequence */
	memcpy(pkt + 8, MSG, sizeof(MSG) - 1);
	if (!v6) {			/* the kernel sums ICMPv6 */
		unsigned short s = csum(pkt, sizeof(pkt));

		memcpy(pkt + 2, &s, sizeof(s));
	}
	if (sendto(fd, pkt, sizeof(pkt), 0, sa, len) < 0)
		return blocked(strerror(errno));
	for (;;) {
		if (wait_for(fd, POLLIN, deadline))
			return blocked("no answer");
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0)
			return blocked(strerror(errno));
		off = v6 ? 0 : (buf[0] & 0x0f) * 4;	/* IPv4: its header */
		if (n >= (ssize_t)off + 8 &&
		    buf[off] == (v6 ? ICMP6_ECHO_REPLY : ICMP_ECHOREPLY) &&
		    !memcmp(buf + off + 4, pkt + 4, 4))
			return 0;
	}
}

static int probe(int argc, char **argv)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	unsigned long wait_ms = 1000, port = 0;
	double start, deadline, connected;
	int c, fd, v6, type, proto, ok, err, tos = -1;
	const char *kind;
	char buf[sizeof(MSG)];
	socklen_t len;

	while ((c = getopt(argc, argv, "T:w:")) != -1) {
		if (c == 'T')
			tos = num(optarg, 255);
		else if (c == 'w')
			wait_ms = num(optarg, 600000);
		else
			return 2;
	}
	if (argc - optind < 2)
		return 2;
	kind = argv[optind];
	v6 = strchr(argv[optind + 1], ':') != NULL;
	if (!strcmp(kind, "icmp")) {
		type = SOCK_RAW;
		proto = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	} else if (!strcmp(kind, "tcp") || !strcmp(kind, "udp")) {
		if (argc - optind != 3)
			return 2;
		port = num(argv[optind + 2], 65535);
		type = kind[0] == 't' ? SOCK_STREAM : SOCK_DGRAM;
		proto = 0;
	} else {
		return 2;
	}
	if (v6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		ok = inet_pton(AF_INET6, argv[optind + 1], &sin6->sin6_addr);
		len = sizeof(*sin6);
	} else {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		ok = inet_pton(AF_INET, argv[optind + 1], &sin->sin_addr);
		len = sizeof(*sin);
	}
	if (ok != 1) {
		fprintf(stderr, "inflight_echo: bad address '%s'\n",
			argv[optind + 1]);
		return 2;
	}
	fd = socket(ss.ss_family, type | SOCK_NONBLOCK, proto);
	if (fd < 0 || set_tos(fd, v6, tos))
		fail("socket");
	start = now_ms();
	deadline = start + wait_ms;
	if (type == SOCK_RAW) {
		if (icmp(fd, v6, (struct sockaddr *)&ss, len, deadline))
			return 1;
		printf("through connect_ms=0 rtt_ms=%.1f\n", now_ms() - start);
		return 0;
	}
	if (connect(fd, (struct sockaddr *)&ss, len) && errno != EINPROGRESS)
		return blocked(strerror(errno));
	if (wait_for(fd, POLLOUT, deadline))
		return blocked("connect timed out");
	len = sizeof(err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) || err)
		return blocked(strerror(err));
	connected = now_ms();
	if (send(fd, MSG, sizeof(MSG) - 1, MSG_NOSIGNAL) != sizeof(MSG) - 1)
		return blocked(strerror(errno));
	for (ok = 0; ok < (int)sizeof(MSG) - 1;) {
		ssize_t n;

		if (wait_for(fd, POLLIN, deadline))
			return blocked("no answer");
		n = recv(fd, buf + ok, sizeof(MSG) - 1 - ok, 0);
		if (n <= 0)
			return blocked(n ? strerror(errno) : "closed");
		ok += n;
	}
	if (memcmp(buf, MSG, sizeof(MSG) - 1))
		return blocked("a wrong answer");
	printf("through connect_ms=%.1f rtt_ms=%.1f\n", connected - start,
	       now_ms() - connected);
	return 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 2 && !strcmp(argv[1], "serve"))
		return serve(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "probe"))
		return probe(argc - 1, argv + 1);
	fprintf(stderr, "usage: inflight_echo serve [-t PORT]... [-u PORT]...\n"
		"       inflight_echo probe [-T TOS] [-w MS] tcp|udp|icmp ADDR [PORT]\n");
	return 2;
}
