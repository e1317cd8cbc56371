// SPDX-License-Identifier: GPL-2.0
/*
 * Socket addresses from the command line and config files: IPv4:PORT,
 * [IPv6]:PORT, or :PORT for every address (IPv6 socket, dual-stack).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netaddr.h"

int netaddr_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len,
		  char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(s, ':');
	struct sockaddr_in6 *a6 = (void *)ss;
	struct sockaddr_in *a4 = (void *)ss;
	unsigned long port;
	size_t hl;
	char *end;

	memset(ss, 0, sizeof(*ss));
	if (!colon)
		goto bad;
	port = strtoul(colon + 1, &end, 10);
	if (*end || colon[1] == '\0' || !port || port > 65535)
		goto bad;
	hl = colon - s;
	if (hl >= sizeof(host))
		goto bad;
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (host[0] == '[') {
		if (hl < 2 || host[hl - 1] != ']')
			goto bad;
		host[hl - 1] = '\0';
		memmove(host, host + 1, hl - 1);
		if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1)
			goto bad;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		*len = sizeof(*a6);
		return 0;
	}
	if (!host[0]) {
		a6->sin6_family = AF_INET6;
		a6->sin6_addr = in6addr_any;
		a6->sin6_port = htons(port);
		*len = sizeof(*a6);
		return 0;
	}
	if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
		goto bad;
	a4->sin_family = AF_INET;
	a4->sin_port = htons(port);
	*len = sizeof(*a4);
	return 0;
bad:
	snprintf(err, errlen,
		 "bad address '%s': expected IPv4:PORT, [IPv6]:PORT or :PORT",
		 s);
	return -EINVAL;
}
