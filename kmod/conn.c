// SPDX-License-Identifier: GPL-2.0
/*
 * Connection lifetime and the per-connection work item (see conn.h).
 */

#include <linux/memcontrol.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>

#include "conn.h"
#include "deliver.h"
#include "heartbeat.h"
#include "main.h"
#include "netlink.h"
#include "netns.h"
#include "owner.h"
#include "rx.h"
#include "sock.h"
#include "trace.h"
#include "tx.h"

static struct kmem_cache *tern_conn_cache;

static void tern_conn_work(struct work_struct *work);
static void tern_conn_timer(struct timer_list *t);

struct tern_conn *tern_conn_alloc(struct tern_net *tn)
{
	struct tern_conn *conn;

	conn = kmem_cache_zalloc(tern_conn_cache, GFP_KERNEL_ACCOUNT);
	if (!conn)
		return NULL;

	conn->tn = tn;
	refcount_set(&conn->refcnt, 1);
	INIT_WORK(&conn->work, tern_conn_work);
	timer_setup(&conn->timer, tern_conn_timer, 0);
	mutex_init(&conn->lock);
	INIT_LIST_HEAD(&conn->held);
	INIT_LIST_HEAD(&conn->txq);
	INIT_LIST_HEAD(&conn->owner_node);
	INIT_LIST_HEAD(&conn->wait_node);
	conn->state = TERN_STATE_ESTABLISHED;
	conn->last_rx = jiffies;
	conn->memcg = get_mem_cgroup_from_mm(current->mm);
	atomic_inc(&tn->alive);
	return conn;
}

static void tern_conn_free_rcu(struct rcu_head *rcu)
{
	kmem_cache_free(tern_conn_cache,
			container_of(rcu, struct tern_conn, rcu));
}

static void tern_conn_destroy(struct tern_conn *conn)
{
	struct tern_net *tn = conn->tn;

	WARN_ON(conn->sock || conn->owner);
	timer_shutdown_sync(&conn->timer);
	tern_rx_free_all(conn);
	tern_tx_free_all(conn);
	mem_cgroup_put(conn->memcg);
	mutex_destroy(&conn->lock);
	call_rcu(&conn->rcu, tern_conn_free_rcu);

	if (atomic_dec_and_test(&tn->alive))
		wake_up_var(&tn->alive);
}

void tern_conn_put(struct tern_conn *conn)
{
	if (refcount_dec_and_test(&conn->refcnt))
		tern_conn_destroy(conn);
}

/*
 * Queue the work item for @events (TERN_EV_* bits). Safe from any context:
 * the reference that callers in atomic context rely on (the table's, kept
 * until the wait queue entry and the timer are gone) makes the put below
 * never the last.
 */
void tern_conn_kick(struct tern_conn *conn, unsigned long events)
{
	set_mask_bits(&conn->events, 0, events);
	if (!refcount_inc_not_zero(&conn->refcnt))
		return;
	if (!queue_work(tern_wq, &conn->work))
		tern_conn_put(conn);
}

static void tern_conn_timer(struct timer_list *t)
{
	struct tern_conn *conn = from_timer(conn, t, timer);

	tern_conn_kick(conn, BIT(TERN_EV_TIMER));
}

static unsigned long tern_min_deadline(unsigned long a, unsigned long b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return time_before(a, b) ? a : b;
}

/* Arm the timer for the earliest deadline the connection has. */
void tern_conn_arm_timer(struct tern_conn *conn)
{
	unsigned long when = 0;

	lockdep_assert_held(&conn->lock);
	if (conn->unlinked)
		return;

	if (conn->state == TERN_STATE_ESTABLISHED)
		when = tern_hb_deadline(conn);
	if (!conn->owner)
		when = tern_min_deadline(when, conn->orphan_since +
					 msecs_to_jiffies(conn->p.grace) + 1);
	if (conn->retry_at)
		when = tern_min_deadline(when, conn->retry_at);
	/* The namespace's cap may be raised at any time: look once a second. */
	if (conn->net_throttled)
		when = tern_min_deadline(when, jiffies + HZ);

	if (when)
		mod_timer(&conn->timer, when);
	else
		del_timer(&conn->timer);
}

u32 tern_conn_timeout(const struct tern_conn *conn)
{
	if (conn->p.timeout)
		return conn->p.timeout;
	if (conn->role == TERN_ROLE_RESPONDER)
		return conn->p.hb_interval + conn->p.hb_interval / 2;
	return min_t(u32, TERN_TIMEOUT_DEFAULT, conn->p.hb_interval);
}

/*
 * The transport has ended: release the socket, drop what can no longer be
 * sent, and tell the namespace's listeners. Frames already received stay
 * held until the owner acks them.
 */
void tern_conn_down(struct tern_conn *conn, enum tern_reason reason)
{
	lockdep_assert_held(&conn->lock);
	if (conn->state != TERN_STATE_ESTABLISHED)
		return;

	conn->state = TERN_STATE_DOWN;
	conn->reason = reason;
	conn->down_unsent = true;
	tern_sock_release(conn, true);
	tern_tx_free_all(conn);
	tern_rx_drop_partial(conn);
	tern_rx_unthrottle(conn);
	conn->ping_sent = 0;
	trace_tern_conn_state(conn->id, conn->state, reason);
	tern_nl_notify_down(conn);
	tern_conn_kick(conn, BIT(TERN_EV_DELIVER));
}

/* Remove the connection from its namespace; the table's reference is
 * dropped by tern_conn_unlock().
 */
void tern_conn_unlink(struct tern_conn *conn)
{
	lockdep_assert_held(&conn->lock);
	if (conn->unlinked)
		return;

	WARN_ON(conn->sock);
	conn->unlinked = true;
	timer_shutdown(&conn->timer);
	tern_rx_unthrottle(conn);
	tern_owner_orphan(conn);
	tern_net_remove(conn->tn, conn);
	trace_tern_conn_state(conn->id, 0, conn->reason);
}

/* Unlink once nothing is left to do: DOWN with every frame acked and the
 * owner told, or an orphan whose grace period ran out.
 */
void tern_conn_maybe_finish(struct tern_conn *conn)
{
	lockdep_assert_held(&conn->lock);
	if (conn->unlinked)
		return;

	if (conn->state == TERN_STATE_DOWN && !conn->held_frames &&
	    !conn->down_unsent) {
		tern_conn_unlink(conn);
		return;
	}

	if (!conn->owner &&
	    time_after_eq(jiffies, conn->orphan_since +
			  msecs_to_jiffies(conn->p.grace))) {
		tern_conn_down(conn, TERN_REASON_OWNER_GONE);
		tern_conn_unlink(conn);
	}
}

void tern_conn_unlock(struct tern_conn *conn)
{
	bool put = conn->unlinked && !conn->table_ref_put;

	if (put)
		conn->table_ref_put = true;
	mutex_unlock(&conn->lock);
	if (put)
		tern_conn_put(conn);
}

static void tern_conn_work(struct work_struct *work)
{
	struct tern_conn *conn = container_of(work, struct tern_conn, work);
	unsigned long events;

	mutex_lock(&conn->lock);
	events = xchg(&conn->events, 0);
	if (conn->unlinked)
		goto out;

	/* The owner acked or was replaced: talk to it now. */
	if (events & BIT(TERN_EV_DELIVER))
		tern_conn_retry_now(conn);
	if (conn->state == TERN_STATE_ESTABLISHED) {
		if (events & BIT(TERN_EV_TX))
			conn->tx_blocked = false;
		if (events & BIT(TERN_EV_RX))
			tern_rx_read(conn);
	}
	if (events & BIT(TERN_EV_TIMER)) {
		tern_hb_tick(conn);
		if (conn->net_throttled && conn->state == TERN_STATE_ESTABLISHED)
			tern_rx_read(conn);
	}
	/* Frames from frame-send, PONGs from the read, a PING from the tick. */
	if (conn->state == TERN_STATE_ESTABLISHED && !conn->tx_blocked)
		tern_tx_flush(conn);

	tern_conn_retry_expire(conn);
	tern_deliver(conn);
	tern_tx_notify(conn);
	tern_conn_maybe_finish(conn);
	tern_conn_arm_timer(conn);
out:
	tern_conn_unlock(conn);
	tern_conn_put(conn);
}

int tern_conn_cache_init(void)
{
	tern_conn_cache = KMEM_CACHE(tern_conn, SLAB_ACCOUNT);
	return tern_conn_cache ? 0 : -ENOMEM;
}

void tern_conn_cache_exit(void)
{
	rcu_barrier();
	kmem_cache_destroy(tern_conn_cache);
}
