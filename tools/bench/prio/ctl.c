// SPDX-License-Identifier: GPL-2.0
/*
 * ternd's control socket, as a client: a Unix SOCK_SEQPACKET socket, one
 * packed CtlRequest or CtlReply per packet (daemon/proto/ctl.proto,
 * Documentation/ternd.rst). The socket is a path, not an address in a
 * network namespace, so one process reaches ternds in different ones.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "priobench.h"

int ctl_open(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

int ctl_send(int fd, const Tern__CtlRequest *req)
{
	size_t len = tern__ctl_request__get_packed_size(req);
	uint8_t *buf = malloc(len ? len : 1);
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	tern__ctl_request__pack(req, buf);
	do {
		n = send(fd, buf, len, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	free(buf);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EMSGSIZE;
}

Tern__CtlReply *ctl_recv(int fd)
{
	Tern__CtlReply *r;
	uint8_t *buf;
	ssize_t n;

	/* A reply's size, without taking it: a follow reply may carry up
	 * to 64 messages.
	 */
	do {
		n = recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC);
	} while (n < 0 && errno == EINTR);
	if (n <= 0) {
		if (!n)
			errno = 0;
		return NULL;
	}
	buf = malloc(n);
	if (!buf)
		return NULL;
	do {
		n = recv(fd, buf, n, 0);
	} while (n < 0 && errno == EINTR);
	if (n <= 0) {
		free(buf);
		if (!n)
			errno = 0;
		return NULL;
	}
	r = tern__ctl_reply__unpack(NULL, n, buf);
	free(buf);
	if (!r)
		errno = EPROTO;
	return r;
}

void ctl_free(Tern__CtlReply *r)
{
	if (r)
		tern__ctl_reply__free_unpacked(r, NULL);
}

int ctl_status(const char *path, struct ctl_status *st)
{
	Tern__CtlRequest req = TERN__CTL_REQUEST__INIT;
	Tern__CtlStatus s = TERN__CTL_STATUS__INIT;
	Tern__CtlReply *r;
	int fd, ret;

	memset(st, 0, sizeof(*st));
	fd = ctl_open(path);
	if (fd < 0)
		return fd;
	req.req_case = TERN__CTL_REQUEST__REQ_STATUS;
	req.status = &s;
	ret = ctl_send(fd, &req);
	if (!ret) {
		r = ctl_recv(fd);
		if (!r)
			ret = errno ? -errno : -ECONNRESET;
		else if (r->error)
			ret = r->error < 0 ? r->error : -r->error;
		else if (!r->status)
			ret = -EPROTO;
		if (r && !ret) {
			const Tern__CtlStatusReply *s2 = r->status;

			snprintf(st->state, sizeof(st->state), "%s",
				 s2->state ? s2->state : "");
			snprintf(st->transport, sizeof(st->transport), "%s",
				 s2->transport ? s2->transport : "");
			if (s2->push_token.len == sizeof(st->token)) {
				memcpy(st->token, s2->push_token.data,
				       sizeof(st->token));
				st->have_token = true;
			}
		}
		ctl_free(r);
	}
	close(fd);
	return ret;
}
