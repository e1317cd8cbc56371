/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A daemon's local socket: a UNIX socket its own user only may use (mode
 * 0600), taking over the file a daemon that died left behind, but never
 * one that another running daemon still answers on.
 */
#ifndef TERN_UNIXSOCK_H
#define TERN_UNIXSOCK_H

#include <stddef.h>

/*
 * A listening, non-blocking, close-on-exec socket of @type (SOCK_STREAM,
 * SOCK_SEQPACKET) bound to @path with @backlog; the fd, or a negative
 * errno with @err saying why (-EADDRINUSE: another process answers on
 * @path).
 */
int unixsock_listen(const char *path, int type, int backlog, char *err,
		    size_t errlen);

#endif /* TERN_UNIXSOCK_H */
