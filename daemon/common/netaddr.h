/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parsing socket addresses: "198.18.0.1:5222", "[fd00::1]:5222", ":5222".
 */
#ifndef TERN_NETADDR_H
#define TERN_NETADDR_H

#include <stddef.h>
#include <sys/socket.h>

/*
 * Parses @s (IPv4:PORT, [IPv6]:PORT, or :PORT for every address on an
 * IPv6 dual-stack socket) into @ss and @len. The port is 1 to 65535 in
 * decimal digits only. Returns NULL, or why @s was refused, a phrase that
 * follows the address ("has no port", "is not an IPv4 address", ...).
 */
const char *netaddr_why(const char *s, struct sockaddr_storage *ss,
			socklen_t *len);

/* Returns 0, or -EINVAL with @err naming the address and what was wrong. */
int netaddr_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len,
		  char *err, size_t errlen);

#endif /* TERN_NETADDR_H */
