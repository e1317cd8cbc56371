// SPDX-License-Identifier: GPL-2.0
/*
 * Per network namespace state.
 *
 * A socket handed to tern.ko keeps its namespace alive, so a namespace only
 * goes away once its connections have ended: through their peers, their
 * timeouts, conn-del, or their owner's exit and grace period. What is left
 * when it does go (connections already DOWN that still held frames) is
 * freed here.
 */

#include <linux/netdevice.h>
#include <linux/wait_bit.h>
#include <net/netns/generic.h>
#include <net/netlink.h>

#include "conn.h"
#include "main.h"
#include "netns.h"

static unsigned int tern_net_id __read_mostly;

struct tern_net *tern_net(const struct net *net)
{
	return net_generic(net, tern_net_id);
}

int tern_net_insert(struct tern_net *tn, struct tern_conn *conn,
		    struct netlink_ext_ack *extack)
{
	int err;

	if (atomic_inc_return(&tn->nconns) > READ_ONCE(tern_max_conns)) {
		atomic_dec(&tn->nconns);
		NL_SET_ERR_MSG_MOD(extack,
				   "connection limit of this network namespace reached (module parameter max_conns)");
		return -ENOSPC;
	}

	err = xa_alloc_cyclic(&tn->conns, &conn->id, conn, xa_limit_31b,
			      &tn->next_id, GFP_KERNEL_ACCOUNT);
	if (err < 0) {
		atomic_dec(&tn->nconns);
		NL_SET_ERR_MSG_MOD(extack, "no connection id available");
		return err;
	}
	return 0;
}

void tern_net_remove(struct tern_net *tn, struct tern_conn *conn)
{
	xa_erase(&tn->conns, conn->id);
	atomic_dec(&tn->nconns);
}

/* Returns the connection with a reference held, or NULL. */
struct tern_conn *tern_net_lookup(struct tern_net *tn, u32 id)
{
	struct tern_conn *conn;

	rcu_read_lock();
	conn = xa_load(&tn->conns, id);
	if (conn && !tern_conn_get(conn))
		conn = NULL;
	rcu_read_unlock();
	return conn;
}

/* A cap of 0 holds nothing: reading stops in the whole namespace. */
bool tern_net_held_full(struct tern_net *tn)
{
	unsigned long held = atomic_long_read(&tn->held_bytes);

	return held >= READ_ONCE(tern_max_held_bytes);
}

/*
 * Held bytes were freed: if the namespace is back under its cap, let the
 * connections the cap stopped read again. Connections stopped by their own
 * limit are restarted by their own acks, so this walk happens only when the
 * namespace-wide cap was reached, which is rare.
 */
void tern_net_kick_throttled(struct tern_net *tn)
{
	struct tern_conn *conn;
	unsigned long id;

	if (!atomic_read(&tn->nthrottled) || tern_net_held_full(tn))
		return;

	rcu_read_lock();
	xa_for_each(&tn->conns, id, conn)
		if (READ_ONCE(conn->net_throttled))
			tern_conn_kick(conn, BIT(TERN_EV_RX));
	rcu_read_unlock();
}

static int __net_init tern_net_init(struct net *net)
{
	struct tern_net *tn = tern_net(net);

	tn->net = net;
	xa_init_flags(&tn->conns, XA_FLAGS_ALLOC1);
	INIT_LIST_HEAD(&tn->owners);
	mutex_init(&tn->owners_lock);
	atomic_set(&tn->nconns, 0);
	atomic_set(&tn->alive, 0);
	atomic_long_set(&tn->held_bytes, 0);
	atomic_set(&tn->nthrottled, 0);
	return 0;
}

static void __net_exit tern_net_exit(struct net *net)
{
	struct tern_net *tn = tern_net(net);
	struct tern_conn *conn;
	unsigned long id;

	xa_for_each(&tn->conns, id, conn) {
		if (!tern_conn_get(conn))
			continue;
		mutex_lock(&conn->lock);
		tern_conn_down(conn, TERN_REASON_DELETED);
		tern_conn_unlink(conn);
		tern_conn_unlock(conn);
		tern_conn_put(conn);
	}

	/* Queued work items hold the last references: let them finish. */
	flush_workqueue(tern_wq);
	wait_var_event(&tn->alive, !atomic_read(&tn->alive));

	WARN_ON(atomic_long_read(&tn->held_bytes));
	WARN_ON(!list_empty(&tn->owners));
	xa_destroy(&tn->conns);
	mutex_destroy(&tn->owners_lock);
}

static struct pernet_operations tern_net_ops = {
	.init = tern_net_init,
	.exit = tern_net_exit,
	.id = &tern_net_id,
	.size = sizeof(struct tern_net),
};

int tern_net_register(void)
{
	return register_pernet_subsys(&tern_net_ops);
}

void tern_net_unregister(void)
{
	unregister_pernet_subsys(&tern_net_ops);
}
