/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ternctl's side of ternd's control socket (device.c), shared by the
 * commands that talk to ternd: connect, one CtlRequest out, CtlReply
 * packets in.
 */
#ifndef TERNCTL_DEVCTL_H
#define TERNCTL_DEVCTL_H

#include <stdbool.h>

#include "ctl.pb-c.h"

#define TERND_SOCKET_DEFAULT	"/var/lib/ternd/ternd.sock"

#define SOCKET_HELP \
	"  -S, --socket PATH\n" \
	"                   ternd's control socket (default: $TERND_SOCKET, else\n" \
	"                   " TERND_SOCKET_DEFAULT ")\n"

/* -S PATH, else $TERND_SOCKET, else the default. */
const char *dev_socket_path(const char *opt);
/* A connected socket, or -1 (said). */
int dev_connect(const char *path);
/* 0, or EXIT_RUNTIME (said). */
int dev_send(int fd, const Tern__CtlRequest *req);
/*
 * Receive one reply. Returns it (free with tern__ctl_reply__free_unpacked),
 * or NULL with *status set: 0 when ternd closed the socket at a packet
 * boundary and @eof_ok, else EXIT_RUNTIME.
 */
Tern__CtlReply *dev_recv(int fd, bool eof_ok, int *status);
/* Say ternd's error for @what: EXIT_RUNTIME. */
int dev_reply_error(const char *what, const Tern__CtlReply *r);

#endif /* TERNCTL_DEVCTL_H */
