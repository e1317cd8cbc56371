// SPDX-License-Identifier: GPL-2.0
/*
 * tern.ko: the kernel half of Tern's push transport.
 *
 * Userspace connects (or accepts) a TCP socket, runs the TLS handshake,
 * installs kTLS and hands the socket over through the "tern" generic netlink
 * family. From then on the module reads and writes it, answers and sends
 * heartbeats, ends silent connections, cuts the stream into frames and
 * passes them up in batches, holding each one until its owner acks it.
 * See Documentation/kmod.rst.
 */

#include <linux/module.h>

#include "conn.h"
#include "inject.h"
#include "main.h"
#include "netlink.h"
#include "netns.h"
#include "owner.h"
#include "rx.h"

struct workqueue_struct *tern_wq __read_mostly;

unsigned int tern_max_conns __read_mostly = 1U << 20;
module_param_named(max_conns, tern_max_conns, uint, 0644);
MODULE_PARM_DESC(max_conns,
		 "Connections per network namespace (default 1048576)");

unsigned long tern_max_held_bytes __read_mostly = 256UL << 20;
module_param_named(max_held_bytes, tern_max_held_bytes, ulong, 0644);
MODULE_PARM_DESC(max_held_bytes,
		 "Bytes of received frames held unacked per network namespace (default 256 MiB)");

static int __init tern_init(void)
{
	int err;

	err = tern_conn_cache_init();
	if (err)
		return err;

	err = -ENOMEM;
	/*
	 * Normal priority: at WQ_HIGHPRI the module's reading would starve the
	 * very daemon that has to take the frames.
	 */
	tern_wq = alloc_workqueue("tern", 0, 0);
	if (!tern_wq)
		goto err_cache;

	err = tern_net_register();
	if (err)
		goto err_wq;
	err = tern_owner_init();
	if (err)
		goto err_net;
	err = tern_nl_register();
	if (err)
		goto err_owner;
	tern_inject();
	return 0;

err_owner:
	tern_owner_exit();
err_net:
	tern_net_unregister();
err_wq:
	destroy_workqueue(tern_wq);
err_cache:
	tern_conn_cache_exit();
	return err;
}

/*
 * The family goes first, so no request runs while connections are torn
 * down; then every namespace closes its connections (peers see the TCP
 * connection close); then the work queue drains.
 */
static void __exit tern_exit(void)
{
	tern_nl_unregister();
	tern_owner_exit();
	tern_net_unregister();
	destroy_workqueue(tern_wq);
	tern_rx_exit();
	tern_conn_cache_exit();
}

module_init(tern_init);
module_exit(tern_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Tern push transport: persistent kTLS connections with in-kernel heartbeats");
MODULE_AUTHOR("The Tern developers");
MODULE_ALIAS_GENL_FAMILY(TERN_FAMILY_NAME);
