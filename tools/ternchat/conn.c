// SPDX-License-Identifier: GPL-2.0
/*
 * One connection to ternd's client API (conn.h).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"

/* A history of 200 texts of 16 KiB, every byte escaped, fits. */
#define CONN_LINE_MAX	(64 * 1024 * 1024)
#define CONN_SEND_S	5

int conn_open(struct tc_conn *c, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = CONN_SEND_S };
	int e;

	c->fd = -1;
	c->buf = NULL;
	c->len = c->cap = 0;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "the socket path '%s' is too long", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		e = errno;
		snprintf(err, errlen,
			 "cannot connect to ternd's client API at %s: %s%s",
			 path, strerror(e),
			 e == ENOENT || e == ECONNREFUSED ?
			 " (is ternd running with --directory? -A or $TERND_API name the socket)" :
			 "");
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return 0;
}

void conn_close(struct tc_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->buf);
	c->buf = NULL;
	c->len = c->cap = 0;
}

int conn_send(struct tc_conn *c, json_t *req, char *err, size_t errlen)
{
	char *s = req ? json_dumps(req, JSON_COMPACT) : NULL;
	size_t n, off = 0;
	ssize_t w;

	json_decref(req);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	n = strlen(s);
	s[n++] = '\n';	/* over json_dumps()' NUL */
	while (off < n) {
		w = send(c->fd, s + off, n - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			snprintf(err, errlen, "ternd's client API: %s",
				 w < 0 && (errno == EAGAIN ||
					   errno == EWOULDBLOCK) ?
				 "ternd does not read its requests" :
				 strerror(errno));
			free(s);
			return -1;
		}
		off += w;
	}
	free(s);
	return 0;
}

int conn_fill(struct tc_conn *c, char *err, size_t errlen)
{
	size_t cap;
	ssize_t n;
	char *p;

	for (;;) {
		if (c->len >= CONN_LINE_MAX) {
			snprintf(err, errlen,
				 "ternd's client API: a line too long");
			return -1;
		}
		if (c->cap - c->len < 65536) {
			cap = c->cap ? c->cap * 2 : 131072;
			p = realloc(c->buf, cap);
			if (!p) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			c->buf = p;
			c->cap = cap;
		}
		n = recv(c->fd, c->buf + c->len, c->cap - c->len,
			 MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0) {
			snprintf(err, errlen, "%s",
				 n < 0 ? strerror(errno) :
				 "ternd closed the client API connection");
			return -1;
		}
		c->len += n;
	}
}

int conn_next(struct tc_conn *c, json_t **j, char *err, size_t errlen)
{
	json_error_t je;
	size_t used;
	char *nl;

	*j = NULL;
	nl = c->len ? memchr(c->buf, '\n', c->len) : NULL;
	if (!nl)
		return 0;
	*j = json_loadb(c->buf, nl - c->buf, 0, &je);
	used = nl - c->buf + 1;
	c->len -= used;
	memmove(c->buf, nl + 1, c->len);
	if (!*j || !json_is_object(*j)) {
		json_decref(*j);
		*j = NULL;
		snprintf(err, errlen, "ternd's client API: not a JSON object");
		return -1;
	}
	return 1;
}

static long long mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

json_t *conn_wait(struct tc_conn *c, int ms, char *err, size_t errlen)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	long long end = mono_ms() + ms, left;
	json_t *j;
	int r;

	for (;;) {
		r = conn_next(c, &j, err, errlen);
		if (r)
			return j;
		left = end - mono_ms();
		if (left <= 0) {
			snprintf(err, errlen,
				 "ternd's client API did not answer within %d s",
				 ms / 1000);
			return NULL;
		}
		r = poll(&p, 1, (int)left);
		if (r < 0 && errno != EINTR) {
			snprintf(err, errlen, "poll: %s", strerror(errno));
			return NULL;
		}
		if (r > 0 && conn_fill(c, err, errlen))
			return NULL;
	}
}
