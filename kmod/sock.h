/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TCP socket under a connection: taking it from userspace, watching it,
 * reading and writing it, and giving it back.
 */
#ifndef _TERN_SOCK_H
#define _TERN_SOCK_H

#include <linux/types.h>

struct file;
struct net;
struct netlink_ext_ack;
struct tern_conn;

/* TLS record content types (RFC 8446, section 5.1). */
#define TERN_TLS_ALERT		21
#define TERN_TLS_HANDSHAKE	22
#define TERN_TLS_DATA		23

int tern_sock_attach(struct tern_conn *conn, int fd, bool plain,
		     struct net *net, struct netlink_ext_ack *extack);
struct file *tern_sock_unwatch(struct tern_conn *conn);
void tern_sock_release(struct tern_conn *conn, bool shutdown);
void tern_sock_apply_marks(struct tern_conn *conn, bool priority, bool mark);

int tern_sock_recv(struct tern_conn *conn, void *buf, size_t len,
		   u8 *rectype);
int tern_sock_send(struct tern_conn *conn, const void *buf, size_t len,
		   bool more);

#endif /* _TERN_SOCK_H */
