// SPDX-License-Identifier: GPL-2.0
/*
 * Socket addresses from the command line and config files: IPv4:PORT,
 * [IPv6]:PORT, or :PORT for every address (IPv6 socket, dual-stack).
 * Strict on purpose: no names, no scope ids, no signs, spaces or hex in
 * the port, so a typo is an error and not a different address.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "netaddr.h"

#define NETADDR_FORMS	"is not IPv4:PORT, [IPv6]:PORT or :PORT"

/* A decimal port, 1 to 65535, digits only. */
static const char *parse_port(const char *s, unsigned int *port)
{
	unsigned long v = 0;
	const char *p;

	if (!*s)
		return "has no port";
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return "has a port that is not a number";
		v = v * 10 + (unsigned int)(*p - '0');
		if (v > 65535)
			return "has a port above 65535";
	}
	if (!v)
		return "has port 0";
	*port = v;
	return NULL;
}

const char *netaddr_why(const char *s, struct sockaddr_storage *ss,
			socklen_t *len)
{
	struct sockaddr_in6 *a6 = (void *)ss;
	struct sockaddr_in *a4 = (void *)ss;
	char host[INET6_ADDRSTRLEN];
	const char *colon, *start = s, *why;
	unsigned int port = 0;
	int v6 = s[0] == '[';
	size_t hl;

	memset(ss, 0, sizeof(*ss));
	if (v6) {
		start = s + 1;
		colon = strchr(start, ']');
		if (!colon || colon[1] != ':')
			return NETADDR_FORMS;
		hl = colon - start;
		colon++;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return NETADDR_FORMS;
		hl = colon - s;
		if (memchr(s, ':', hl))
			return "has an IPv6 address without brackets: write [ADDR]:PORT";
	}
	why = parse_port(colon + 1, &port);
	if (why)
		return why;
	if (!v6 && !hl) {
		a6->sin6_family = AF_INET6;
		a6->sin6_addr = in6addr_any;
		a6->sin6_port = htons(port);
		*len = sizeof(*a6);
		return NULL;
	}
	if (!hl || hl >= sizeof(host))
		return v6 ? "is not an IPv6 address" : "is not an IPv4 address";
	memcpy(host, start, hl);
	host[hl] = '\0';
	if (v6) {
		if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1)
			return "is not an IPv6 address";
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		*len = sizeof(*a6);
		return NULL;
	}
	if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
		return "is not an IPv4 address";
	a4->sin_family = AF_INET;
	a4->sin_port = htons(port);
	*len = sizeof(*a4);
	return NULL;
}

int netaddr_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len,
		  char *err, size_t errlen)
{
	const char *why = netaddr_why(s, ss, len);

	if (!why)
		return 0;
	snprintf(err, errlen, "bad address '%s': %s", s, why);
	return -EINVAL;
}
