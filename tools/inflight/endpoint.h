/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The gateway endpoints of a messaging-only plan, as the loader takes
 * them on its command line and shows them: ADDR:PORT for IPv4,
 * [ADDR]:PORT for IPv6 (tools/inflight/endpoint.c).
 */
#ifndef TERN_INFLIGHT_ENDPOINT_H
#define TERN_INFLIGHT_ENDPOINT_H

#include <stddef.h>

#include "tern_inflight.h"

/* "[" IPv6 "]:" port, and the NUL. */
#define INFLIGHT_ENDPOINT_MAX	(1 + 45 + 2 + 5 + 1)

/*
 * Parses @s into @k (family, address, port in network order). Returns
 * NULL, or why @s is refused ("has no port", "has no address", ...).
 */
const char *inflight_endpoint_parse(const char *s, struct tern_inflight_key *k);

/* Writes @k as the parser takes it; @size at least INFLIGHT_ENDPOINT_MAX. */
void inflight_endpoint_format(const struct tern_inflight_key *k, char *buf,
			      size_t size);

#endif /* TERN_INFLIGHT_ENDPOINT_H */
