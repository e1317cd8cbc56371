/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Owners: the netlink socket a connection delivers to, orphans when that
 * socket goes away, and adoption by a new socket with the same owner tag.
 */
#ifndef _TERN_OWNER_H
#define _TERN_OWNER_H

#include <linux/list.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct netlink_ext_ack;
struct sock;
struct tern_conn;
struct tern_net;

struct tern_owner {
	struct list_head node;		/* in tn->owners, under owners_lock */
	struct tern_net *tn;
	struct sock *sk;		/* the netlink socket, referenced */
	u32 portid;
	bool gone;			/* sk was released: orphaning */
	refcount_t refcnt;		/* one per connection and lookup */
	spinlock_t lock;		/* protects the two lists */
	struct list_head conns;		/* the connections it owns */
	struct list_head waiting;	/* ... waiting for room in sk */
};

int tern_owner_attach(struct tern_conn *conn, struct sock *nlsk, u32 portid);
void tern_owner_orphan(struct tern_conn *conn);
bool tern_owner_is(const struct tern_conn *conn, const struct sock *nlsk);
void tern_owner_wait_room(struct tern_conn *conn);
void tern_owner_wake(struct tern_net *tn, struct sock *nlsk);

int tern_owner_adopt(struct tern_net *tn, const char *tag, u32 conn_id,
		     u32 grace, struct sock *nlsk, u32 portid, u32 *count,
		     struct netlink_ext_ack *extack);

int tern_owner_init(void);
void tern_owner_exit(void);

#endif /* _TERN_OWNER_H */
