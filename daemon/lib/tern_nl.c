// SPDX-License-Identifier: GPL-2.0
/*
 * tern_nl: opening the socket, resolving the family, errors, subscribing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/errno.h>
#include <netlink/socket.h>
#include <netlink/genl/ctrl.h>

#include "tern_nl_priv.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

int tern_nl_seterr(struct tern_nl *nl, int err, const char *fmt, ...)
{
	va_list ap;

	if (nl) {
		va_start(ap, fmt);
		vsnprintf(nl->err, sizeof(nl->err), fmt, ap);
		va_end(ap);
	}
	return err;
}

/* libnl's NLE_* codes back to errno values. */
int tern_nl_errno(int nle)
{
	static const int map[][2] = {
		{ NLE_INTR, EINTR },		{ NLE_BAD_SOCK, EBADF },
		{ NLE_AGAIN, EAGAIN },		{ NLE_NOMEM, ENOMEM },
		{ NLE_EXIST, EEXIST },		{ NLE_INVAL, EINVAL },
		{ NLE_RANGE, ERANGE },		{ NLE_MSGSIZE, EMSGSIZE },
		{ NLE_OPNOTSUPP, EOPNOTSUPP },	{ NLE_AF_NOSUPPORT, EAFNOSUPPORT },
		{ NLE_OBJ_NOTFOUND, ENOENT },	{ NLE_NOATTR, ENOENT },
		{ NLE_MISSING_ATTR, EINVAL },	{ NLE_AF_MISMATCH, EAFNOSUPPORT },
		{ NLE_SEQ_MISMATCH, EPROTO },	{ NLE_MSG_OVERFLOW, EMSGSIZE },
		{ NLE_MSG_TRUNC, EMSGSIZE },	{ NLE_NOADDR, EADDRNOTAVAIL },
		{ NLE_SRCRT_NOSUPPORT, EOPNOTSUPP }, { NLE_MSG_TOOSHORT, EBADMSG },
		{ NLE_MSGTYPE_NOSUPPORT, EOPNOTSUPP }, { NLE_OBJ_MISMATCH, EINVAL },
		{ NLE_NOCACHE, ENOENT },	{ NLE_BUSY, EBUSY },
		{ NLE_PROTO_MISMATCH, EPROTONOSUPPORT },
		{ NLE_NOACCESS, EACCES },	{ NLE_PERM, EPERM },
		{ NLE_PKTLOC_FILE, ENOENT },	{ NLE_PARSE_ERR, EBADMSG },
		{ NLE_NODEV, ENODEV },		{ NLE_IMMUTABLE, EPERM },
		{ NLE_DUMP_INTR, EINTR },	{ NLE_ATTRSIZE, ERANGE },
	};
	size_t i;

	if (nle < 0)
		nle = -nle;
	for (i = 0; i < ARRAY_SIZE(map); i++)
		if (map[i][0] == nle)
			return -map[i][1];
	return -EIO;
}

static int tern_nl_alloc(struct tern_nl **nlp)
{
	struct tern_nl *nl = calloc(1, sizeof(*nl));

	if (!nl)
		return -ENOMEM;
	nl->rbuf = malloc(TERN_NL_RBUF_SIZE);
	nl->sbuf = malloc(TERN_NL_RBUF_SIZE);
	if (!nl->rbuf || !nl->sbuf) {
		free(nl->rbuf);
		free(nl->sbuf);
		free(nl);
		return -ENOMEM;
	}
	nl->fd = -1;
	nl->events_grp = -1;
	nl->tail = &nl->head;
	nl->reply_timeout_ms = TERN_NL_REPLY_TIMEOUT_MS;
	/* Like libnl: start from the clock so that a new socket reusing a
	 * portid does not take replies meant for the old one.
	 */
	nl->seq = (uint32_t)time(NULL);
	*nlp = nl;
	return 0;
}

int tern_nl_open_fd(struct tern_nl **nlp, int fd, int family, int events_grp,
		    uint32_t portid)
{
	int err;

	*nlp = NULL;
	err = tern_nl_alloc(nlp);
	if (err)
		return err;
	(*nlp)->fd = fd;
	(*nlp)->family = family;
	(*nlp)->events_grp = events_grp;
	(*nlp)->portid = portid;
	return 0;
}

/* Socket options; a missing one on an old kernel is not fatal except
 * extended acks, without which errors would lose their explanation.
 */
static int tern_nl_sockopts(struct tern_nl *nl)
{
	int one = 1, rcv = TERN_NL_RCVBUF, snd = TERN_NL_SNDBUF;

	if (setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one,
		       sizeof(one)))
		return tern_nl_seterr(nl, -errno, "NETLINK_EXT_ACK: %s",
				      strerror(errno));
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof(one));
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one,
		   sizeof(one));
	if (setsockopt(nl->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)))
		setsockopt(nl->fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if (setsockopt(nl->fd, SOL_SOCKET, SO_SNDBUFFORCE, &snd, sizeof(snd)))
		setsockopt(nl->fd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof(snd));
	return 0;
}

int tern_nl_open(struct tern_nl **nlp)
{
	struct tern_nl *nl;
	int err;

	*nlp = NULL;
	err = tern_nl_alloc(&nl);
	if (err)
		return err;

	nl->sk = nl_socket_alloc();
	if (!nl->sk) {
		err = -ENOMEM;
		goto fail;
	}
	nl_socket_disable_auto_ack(nl->sk);
	err = genl_connect(nl->sk);
	if (err) {
		err = tern_nl_errno(err);
		goto fail;
	}
	nl->fd = nl_socket_get_fd(nl->sk);
	nl->portid = nl_socket_get_local_port(nl->sk);

	/* Resolve before anything can be queued on the socket: libnl's
	 * resolver would discard notifications.
	 */
	err = genl_ctrl_resolve(nl->sk, TERN_FAMILY_NAME);
	if (err < 0) {
		err = tern_nl_errno(err);
		goto fail;
	}
	nl->family = err;
	err = genl_ctrl_resolve_grp(nl->sk, TERN_FAMILY_NAME,
				    TERN_MCGRP_EVENTS);
	nl->events_grp = err < 0 ? -1 : err;

	err = tern_nl_sockopts(nl);
	if (err)
		goto fail;
	*nlp = nl;
	return 0;
fail:
	tern_nl_close(nl);
	return err;
}

void tern_nl_close(struct tern_nl *nl)
{
	if (!nl)
		return;
	tern_nl_ntf_free(nl);
	if (nl->sk)
		nl_socket_free(nl->sk);	/* closes the fd */
	else if (nl->fd >= 0)
		close(nl->fd);
	free(nl->rbuf);
	free(nl->sbuf);
	free(nl);
}

int tern_nl_fd(const struct tern_nl *nl)
{
	return nl->fd;
}

uint32_t tern_nl_portid(const struct tern_nl *nl)
{
	return nl->portid;
}

const char *tern_nl_error(const struct tern_nl *nl)
{
	return nl->err[0] ? nl->err : "no error";
}

int tern_nl_subscribe(struct tern_nl *nl)
{
	int grp = nl->events_grp;

	if (grp < 0)
		return tern_nl_seterr(nl, -ENOENT,
				      "tern.ko has no \"%s\" multicast group",
				      TERN_MCGRP_EVENTS);
	if (setsockopt(nl->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp,
		       sizeof(grp)))
		return tern_nl_seterr(nl, -errno,
				      "joining the \"%s\" group: %s",
				      TERN_MCGRP_EVENTS, strerror(errno));
	return 0;
}
