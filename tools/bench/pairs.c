// SPDX-License-Identifier: GPL-2.0
/*
 * Loopback TCP pairs (see pairs.h). One listener serves every pair: on
 * loopback a blocking connect() returns with the handshake done, so the
 * next accept() returns that very connection.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "loopback.h"
#include "pairs.h"

void bench_close_all(int *fds, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

static int bench_listener(struct sockaddr_in *sin)
{
	socklen_t len = sizeof(*sin);
	int l;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0)
		return -errno;
	if (bind(l, (struct sockaddr *)sin, sizeof(*sin)) || listen(l, 16) ||
	    getsockname(l, (struct sockaddr *)sin, &len)) {
		close(l);
		return -errno;
	}
	return l;
}

static int bench_pair(int l, const struct sockaddr_in *sin, bool tls,
		      int *c, int *s)
{
	int err;

	*c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*c < 0)
		return -errno;
	if (connect(*c, (const struct sockaddr *)sin, sizeof(*sin)))
		return -errno;
	*s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (*s < 0)
		return -errno;
	if (!tls)
		return 0;
	err = ktls_install(*c);
	return err ? err : ktls_install(*s);
}

int bench_pairs_make(unsigned int n, bool tls, int *client, int *server)
{
	struct sockaddr_in sin;
	unsigned int i;
	int l, err = 0;

	for (i = 0; i < n; i++) {
		client[i] = -1;
		server[i] = -1;
	}
	l = bench_listener(&sin);
	if (l < 0)
		return l;
	for (i = 0; i < n && !err; i++)
		err = bench_pair(l, &sin, tls, &client[i], &server[i]);
	close(l);
	if (err) {
		bench_close_all(client, n);
		bench_close_all(server, n);
	}
	return err;
}

static int bench_pairs_ping(bool tls)
{
	int c, s, err;
	char b = 'x';

	err = bench_pairs_make(1, tls, &c, &s);
	if (err)
		return err;
	if (write(c, &b, 1) != 1 || read(s, &b, 1) != 1 ||
	    write(s, &b, 1) != 1 || read(c, &b, 1) != 1)
		err = -errno;
	close(c);
	close(s);
	return err;
}

int bench_pairs_prime(bool tls)
{
	int err = bench_pairs_ping(false);

	if (!err && tls)
		err = bench_pairs_ping(true);
	sleep(1);
	return err;
}

int bench_raise_nofile(unsigned int want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -errno;
	if (rl.rlim_cur >= want)
		return 0;
	if (rl.rlim_max < want)
		rl.rlim_max = want;
	rl.rlim_cur = want;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		return -errno;
	return 0;
}
