// SPDX-License-Identifier: GPL-2.0
/*
 * Owners (see owner.h).
 *
 * The owner of a connection is the generic netlink socket that created or
 * adopted it; frame-recv, conn-writable and conn-down go to it. A struct
 * tern_owner stands for one such socket: it holds a reference on the socket,
 * so that its identity cannot be confused with a new socket that reuses its
 * port id, and lists the connections it owns and those waiting for room in
 * its receive buffer. Any frame-ack from the owner shows it is reading, so
 * it wakes the waiting ones at once rather than when their backoff ends.
 *
 * When the socket is released (the daemon exited or was killed) the netlink
 * release notifier turns its connections into orphans: they keep their
 * unacked frames and keep reading until their held limit, for the grace
 * period the owner set, then close with reason owner-gone. A daemon that
 * comes back adopts them by owner tag and gets every unacked frame again,
 * in order.
 *
 * Lock order: conn->lock, then tn->owners_lock, then owner->lock.
 */

#include <linux/netlink.h>
#include <linux/notifier.h>
#include <linux/slab.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "conn.h"
#include "netns.h"
#include "owner.h"
#include "rx.h"

static void tern_owner_put(struct tern_owner *owner)
{
	struct tern_net *tn = owner->tn;

	if (!refcount_dec_and_mutex_lock(&owner->refcnt, &tn->owners_lock))
		return;
	list_del(&owner->node);
	mutex_unlock(&tn->owners_lock);

	WARN_ON(!list_empty(&owner->conns) || !list_empty(&owner->waiting));
	sock_put(owner->sk);
	kfree(owner);
}

/* The live owner for @nlsk, referenced, or NULL. */
static struct tern_owner *tern_owner_find(struct tern_net *tn,
					  struct sock *nlsk)
{
	struct tern_owner *owner;

	lockdep_assert_held(&tn->owners_lock);
	list_for_each_entry(owner, &tn->owners, node)
		if (owner->sk == nlsk && !owner->gone &&
		    refcount_inc_not_zero(&owner->refcnt))
			return owner;
	return NULL;
}

static struct tern_owner *tern_owner_get(struct tern_net *tn,
					 struct sock *nlsk, u32 portid)
{
	struct tern_owner *owner;

	mutex_lock(&tn->owners_lock);
	owner = tern_owner_find(tn, nlsk);
	if (!owner) {
		owner = kzalloc(sizeof(*owner), GFP_KERNEL_ACCOUNT);
		if (owner) {
			owner->tn = tn;
			owner->sk = nlsk;
			sock_hold(nlsk);
			owner->portid = portid;
			refcount_set(&owner->refcnt, 1);
			spin_lock_init(&owner->lock);
			INIT_LIST_HEAD(&owner->conns);
			INIT_LIST_HEAD(&owner->waiting);
			list_add(&owner->node, &tn->owners);
		}
	}
	mutex_unlock(&tn->owners_lock);
	return owner;
}

/* Make the socket @nlsk the connection's owner and replay what it holds. */
int tern_owner_attach(struct tern_conn *conn, struct sock *nlsk, u32 portid)
{
	struct tern_owner *owner;

	lockdep_assert_held(&conn->lock);
	if (WARN_ON(conn->owner))
		return -EBUSY;

	owner = tern_owner_get(conn->tn, nlsk, portid);
	if (!owner)
		return -ENOMEM;

	spin_lock(&owner->lock);
	list_add_tail(&conn->owner_node, &owner->conns);
	spin_unlock(&owner->lock);
	conn->owner = owner;
	tern_rx_rewind(conn);
	return 0;
}

void tern_owner_orphan(struct tern_conn *conn)
{
	struct tern_owner *owner = conn->owner;

	lockdep_assert_held(&conn->lock);
	if (!owner)
		return;

	spin_lock(&owner->lock);
	list_del_init(&conn->owner_node);
	list_del_init(&conn->wait_node);
	spin_unlock(&owner->lock);

	conn->owner = NULL;
	conn->orphan_since = jiffies;
	tern_rx_rewind(conn);
	tern_owner_put(owner);
}

bool tern_owner_is(const struct tern_conn *conn, const struct sock *nlsk)
{
	return conn->owner && conn->owner->sk == nlsk;
}

/* The owner's socket is too full for more: wait for its next ack. */
void tern_owner_wait_room(struct tern_conn *conn)
{
	struct tern_owner *owner = conn->owner;

	spin_lock(&owner->lock);
	if (list_empty(&conn->wait_node))
		list_add_tail(&conn->wait_node, &owner->waiting);
	spin_unlock(&owner->lock);
}

/* @nlsk acked something, so it is reading: deliver to it again. */
void tern_owner_wake(struct tern_net *tn, struct sock *nlsk)
{
	struct tern_owner *owner;
	struct tern_conn *conn, *tmp;

	mutex_lock(&tn->owners_lock);
	owner = tern_owner_find(tn, nlsk);
	mutex_unlock(&tn->owners_lock);
	if (!owner)
		return;

	/* A connection on the list is linked, so kicking it is safe. */
	spin_lock(&owner->lock);
	list_for_each_entry_safe(conn, tmp, &owner->waiting, wait_node) {
		list_del_init(&conn->wait_node);
		tern_conn_kick(conn, BIT(TERN_EV_DELIVER));
	}
	spin_unlock(&owner->lock);
	tern_owner_put(owner);
}

static bool tern_owner_adopt_one(struct tern_conn *conn, const char *tag,
				 u32 grace, struct sock *nlsk, u32 portid)
{
	if (conn->unlinked || conn->owner || strcmp(conn->owner_tag, tag))
		return false;
	if (tern_owner_attach(conn, nlsk, portid))
		return false;

	if (grace != U32_MAX)
		conn->p.grace = grace;
	/* Replay what is held and read again if the orphan had stopped. */
	tern_conn_kick(conn, BIT(TERN_EV_DELIVER) | BIT(TERN_EV_RX));
	return true;
}

/*
 * Adopt the orphans carrying @tag, or only @conn_id when it is not 0.
 * @grace is U32_MAX when not given.
 */
int tern_owner_adopt(struct tern_net *tn, const char *tag, u32 conn_id,
		     u32 grace, struct sock *nlsk, u32 portid, u32 *count,
		     struct netlink_ext_ack *extack)
{
	struct tern_conn *conn;
	unsigned long id;
	int err = 0;

	*count = 0;
	if (conn_id) {
		conn = tern_net_lookup(tn, conn_id);
		if (!conn) {
			NL_SET_ERR_MSG_MOD(extack, "no such connection");
			return -ENOENT;
		}
		mutex_lock(&conn->lock);
		if (strcmp(conn->owner_tag, tag)) {
			NL_SET_ERR_MSG_MOD(extack,
					   "connection carries another owner tag");
			err = -EPERM;
		} else if (conn->owner) {
			NL_SET_ERR_MSG_MOD(extack,
					   "connection has a live owner");
			err = -EBUSY;
		} else if (tern_owner_adopt_one(conn, tag, grace, nlsk,
						portid)) {
			*count = 1;
		} else if (!conn->unlinked) {
			err = -ENOMEM;
		}
		tern_conn_unlock(conn);
		tern_conn_put(conn);
		return err;
	}

	xa_for_each(&tn->conns, id, conn) {
		if (READ_ONCE(conn->owner) || !tern_conn_get(conn))
			continue;
		mutex_lock(&conn->lock);
		if (tern_owner_adopt_one(conn, tag, grace, nlsk, portid))
			(*count)++;
		tern_conn_unlock(conn);
		tern_conn_put(conn);
	}
	return 0;
}

/* Orphan every connection of an owner whose socket was released. */
static void tern_owner_gone(struct tern_owner *owner)
{
	struct tern_conn *conn;

	spin_lock(&owner->lock);
	while ((conn = list_first_entry_or_null(&owner->conns,
						struct tern_conn,
						owner_node))) {
		/* Off the list now, so the walk ends even if we skip it. */
		list_del_init(&conn->owner_node);
		if (!tern_conn_get(conn))
			continue;
		spin_unlock(&owner->lock);

		mutex_lock(&conn->lock);
		if (conn->owner == owner) {
			tern_owner_orphan(conn);
			tern_conn_arm_timer(conn);
		}
		tern_conn_unlock(conn);
		tern_conn_put(conn);

		spin_lock(&owner->lock);
	}
	spin_unlock(&owner->lock);
}

static int tern_owner_notify(struct notifier_block *nb, unsigned long event,
			     void *ptr)
{
	struct netlink_notify *n = ptr;
	struct tern_owner *owner;
	struct tern_net *tn;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC)
		return NOTIFY_DONE;

	tn = tern_net(n->net);
	for (;;) {
		/* A new socket may already have reused the port id. */
		mutex_lock(&tn->owners_lock);
		list_for_each_entry(owner, &tn->owners, node)
			if (owner->portid == n->portid && !owner->gone &&
			    sock_flag(owner->sk, SOCK_DEAD) &&
			    refcount_inc_not_zero(&owner->refcnt))
				goto found;
		mutex_unlock(&tn->owners_lock);
		return NOTIFY_DONE;
found:
		owner->gone = true;
		mutex_unlock(&tn->owners_lock);
		tern_owner_gone(owner);
		tern_owner_put(owner);
	}
}

static struct notifier_block tern_owner_nb = {
	.notifier_call = tern_owner_notify,
};

int tern_owner_init(void)
{
	return netlink_register_notifier(&tern_owner_nb);
}

void tern_owner_exit(void)
{
	netlink_unregister_notifier(&tern_owner_nb);
}
