/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parsing socket addresses: "198.18.0.1:5222", "[fd00::1]:5222", ":5222".
 */
#ifndef TERN_NETADDR_H
#define TERN_NETADDR_H

#include <stddef.h>
#include <sys/socket.h>

/* Returns 0, or -EINVAL with @err naming the address and the forms. */
int netaddr_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len,
		  char *err, size_t errlen);

#endif /* TERN_NETADDR_H */
