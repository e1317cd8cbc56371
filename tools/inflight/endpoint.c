// SPDX-License-Identifier: GPL-2.0
/*
 * Gateway endpoints: ADDR:PORT (IPv4) and [ADDR]:PORT (IPv6), parsed by
 * the daemons' own address parser (daemon/common/netaddr.c) into the allow
 * list's key, and printed back the same way.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "endpoint.h"
#include "netaddr.h"

const char *inflight_endpoint_parse(const char *s, struct tern_inflight_key *k)
{
	struct sockaddr_storage ss;
	const struct sockaddr_in6 *a6 = (const void *)&ss;
	const struct sockaddr_in *a4 = (const void *)&ss;
	socklen_t len;
	const char *why;

	memset(k, 0, sizeof(*k));
	if (s[0] == ':')
		return "has no address: a gateway endpoint names one";
	why = netaddr_why(s, &ss, &len);
	if (why)
		return why;
	if (ss.ss_family == AF_INET6) {
		k->family = 6;
		memcpy(k->addr, &a6->sin6_addr, sizeof(a6->sin6_addr));
		k->port = a6->sin6_port;
	} else {
		k->family = 4;
		memcpy(k->addr, &a4->sin_addr, sizeof(a4->sin_addr));
		k->port = a4->sin_port;
	}
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
