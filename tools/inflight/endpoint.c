// SPDX-License-Identifier: GPL-2.0
/*
 * Gateway endpoints: ADDR:PORT (IPv4) and [ADDR]:PORT (IPv6), parsed into
 * the allow list's key and printed back the same way.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "endpoint.h"

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

const char *inflight_endpoint_parse(const char *s, struct tern_inflight_key *k)
{
	char addr[INET6_ADDRSTRLEN];
	const char *colon, *start = s, *why;
	unsigned int port = 0;
	size_t len;
	int v6 = s[0] == '[';

	memset(k, 0, sizeof(*k));
	if (v6) {
		start = s + 1;
		colon = strchr(start, ']');
		if (!colon || colon[1] != ':')
			return "is not ADDR:PORT or [ADDR]:PORT";
		len = colon - start;
		colon++;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return "is not ADDR:PORT or [ADDR]:PORT";
		len = colon - s;
		if (memchr(s, ':', len))
			return "has an IPv6 address without brackets: write [ADDR]:PORT";
	}
	if (!len || len >= sizeof(addr))
		return v6 ? "is not an IPv6 address" : "is not an IPv4 address";
	memcpy(addr, start, len);
	addr[len] = '\0';
	if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, k->addr) != 1)
		return v6 ? "is not an IPv6 address" : "is not an IPv4 address";
	why = parse_port(colon + 1, &port);
	if (why)
		return why;
	k->family = v6 ? 6 : 4;
	k->port = htons(port);
	return NULL;
}

void inflight_endpoint_format(const struct tern_inflight_key *k, char *buf,
			      size_t size)
{
	char addr[INET6_ADDRSTRLEN] = "?";

	inet_ntop(k->family == 6 ? AF_INET6 : AF_INET, k->addr, addr,
		  sizeof(addr));
	snprintf(buf, size, k->family == 6 ? "[%s]:%u" : "%s:%u", addr,
		 ntohs(k->port));
}
