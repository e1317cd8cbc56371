/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per network namespace state: the connection table, the namespace's caps
 * and the netlink sockets that own connections.
 */
#ifndef _TERN_NETNS_H
#define _TERN_NETNS_H

#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/wait.h>
#include <linux/xarray.h>
#include <net/net_namespace.h>

struct netlink_ext_ack;
struct tern_conn;

struct tern_net {
	struct net *net;
	struct xarray conns;		/* id -> struct tern_conn */
	u32 next_id;
	atomic_t nconns;		/* linked, counted against the cap */
	atomic_t alive;			/* allocated and not yet freed */
	atomic_long_t held_bytes;	/* held by all connections */
	atomic_t nthrottled;		/* connections stopped by the cap */
	struct mutex owners_lock;
	struct list_head owners;	/* struct tern_owner */
};

struct tern_net *tern_net(const struct net *net);

int tern_net_insert(struct tern_net *tn, struct tern_conn *conn,
		    struct netlink_ext_ack *extack);
void tern_net_remove(struct tern_net *tn, struct tern_conn *conn);
struct tern_conn *tern_net_lookup(struct tern_net *tn, u32 id);

bool tern_net_held_full(struct tern_net *tn);
void tern_net_kick_throttled(struct tern_net *tn);

int tern_net_register(void);
void tern_net_unregister(void);

#endif /* _TERN_NETNS_H */
