/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ternchat's options, and where ternd's client API is (opts.c).
 */
#ifndef TERNCHAT_OPTS_H
#define TERNCHAT_OPTS_H

#include <stddef.h>

#define TERND_SOCKET_DEFAULT	"/var/lib/ternd/ternd.sock"

struct tc_opts {
	const char *api, *socket;
};

/*
 * Parse @argv: 0, or -1 with *@status the exit status (after --help, or
 * a usage error, said).
 */
int tc_opts_parse(int argc, char **argv, struct tc_opts *o, int *status);
/*
 * The API socket, as ternctl finds it: -A; else $TERND_API (unless -S);
 * else ternd-api.sock beside the control socket (-S, else
 * $TERND_SOCKET, else TERND_SOCKET_DEFAULT). In @buf when made.
 */
const char *tc_api_path(const struct tc_opts *o, char *buf, size_t len);

#endif /* TERNCHAT_OPTS_H */
