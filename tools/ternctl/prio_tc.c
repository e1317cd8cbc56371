// SPDX-License-Identifier: GPL-2.0
/*
 * ternctl prio: the qdisc tree, through libnl-route.
 *
 *   7e2e:    htb root, default class 7e2e:20
 *   7e2e:1   rate RATE, ceil RATE
 *   7e2e:10  push: rate RATE/4, ceil RATE, prio 0; leaf 10: fq_codel
 *   7e2e:20  bulk: the rest of RATE, ceil RATE, prio 1; leaf 20: fq_codel
 *
 * HTB gives a packet whose skb->priority is a leaf's class id to that
 * class, before any filter: the program sets 7e2e:10 on push traffic.
 * Where the kernel has no fq_codel, the leaves stay HTB's default pfifo.
 * On Wi-Fi, mac80211 replaces skb->priority before the root qdisc, so two
 * u32 filters on the root send the program's push DSCP there instead.
 */
#include <errno.h>
#include <inttypes.h>
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/pkt_sched.h>
#include <netlink/netlink.h>
#include <netlink/cache.h>
#include <netlink/route/classifier.h>
#include <netlink/route/class.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/fq_codel.h>
#include <netlink/route/qdisc/htb.h>
#include <netlink/route/cls/u32.h>
#include <stdio.h>
#include <string.h>

#include "prio.h"
#include "ternctl.h"

/* fq_codel's packet limit per leaf: 1000 is plenty below 1 Gbit/s. */
#define LEAF_LIMIT	1000

const char *prio_tc_handle(char *buf, size_t size, uint32_t handle)
{
	if (handle == TC_H_ROOT)
		snprintf(buf, size, "root");
	else if (TC_H_MIN(handle))
		snprintf(buf, size, "%x:%x", TC_H_MAJ(handle) >> 16,
			 TC_H_MIN(handle));
	else
		snprintf(buf, size, "%x:", TC_H_MAJ(handle) >> 16);
	return buf;
}

int prio_tc_inspect(struct nl_sock *sk, int ifindex, struct prio_qdiscs *q)
{
	struct rtnl_qdisc *root, *ing;
	struct nl_cache *cache;
	int err;

	memset(q, 0, sizeof(*q));
	err = rtnl_qdisc_alloc_cache(sk, &cache);
	if (err)
		return ternctl_error("reading the qdiscs: %s",
				     nl_geterror(err)), -1;
	root = rtnl_qdisc_get_by_parent(cache, ifindex, TC_H_ROOT);
	if (root) {
		snprintf(q->root_kind, sizeof(q->root_kind), "%s",
			 rtnl_tc_get_kind(TC_CAST(root)));
		q->root_handle = rtnl_tc_get_handle(TC_CAST(root));
		rtnl_qdisc_put(root);
	}
	ing = rtnl_qdisc_get_by_parent(cache, ifindex, TC_H_CLSACT);
	if (ing) {
		snprintf(q->ingress_kind, sizeof(q->ingress_kind), "%s",
			 rtnl_tc_get_kind(TC_CAST(ing)));
		rtnl_qdisc_put(ing);
	}
	nl_cache_free(cache);
	return 0;
}

bool prio_tc_root_ours(const struct prio_qdiscs *q)
{
	return !strcmp(q->root_kind, "htb") &&
	       q->root_handle == PRIO_HTB_HANDLE;
}

static void tc_on(struct rtnl_tc *tc, const struct prio_dev *dev,
		  uint32_t parent, uint32_t handle)
{
	rtnl_tc_set_ifindex(tc, dev->ifindex);
	rtnl_tc_set_parent(tc, parent);
	rtnl_tc_set_handle(tc, handle);
}

static const char *kernel_lacks(int err, const char *kind)
{
	static char buf[96];

	if (err != -NLE_OBJ_NOTFOUND)
		return nl_geterror(err);
	snprintf(buf, sizeof(buf), "the kernel has no %s qdisc", kind);
	return buf;
}

/* A class of the HTB; @flags as for rtnl_class_add (0: change it). */
static int htb_class(struct nl_sock *sk, const struct prio_dev *dev,
		     uint32_t classid, uint32_t parent, uint64_t rate,
		     uint64_t ceil, int prio, int flags)
{
	uint32_t quantum = dev->mtu + ETH_HLEN;
	/* One millisecond at the rate, and at least one packet. */
	uint64_t burst = rate / 8 / 1000;
	struct rtnl_class *cls;
	char h[16];
	int err;

	if (burst < quantum)
		burst = quantum;
	cls = rtnl_class_alloc();
	if (!cls)
		return ternctl_error("out of memory"), -1;
	tc_on(TC_CAST(cls), dev, parent, classid);
	rtnl_tc_set_mtu(TC_CAST(cls), dev->mtu);
	rtnl_tc_set_linktype(TC_CAST(cls), ARPHRD_ETHER);
	err = rtnl_tc_set_kind(TC_CAST(cls), "htb");
	if (!err)
		err = rtnl_htb_set_rate64(cls, rate / 8);
	if (!err)
		err = rtnl_htb_set_ceil64(cls, ceil / 8);
	if (!err)
		err = rtnl_htb_set_rbuffer(cls, burst);
	if (!err)
		err = rtnl_htb_set_cbuffer(cls, burst);
	if (!err)
		err = rtnl_htb_set_quantum(cls, quantum);
	if (!err && prio >= 0)
		err = rtnl_htb_set_prio(cls, prio);
	if (!err)
		err = rtnl_class_add(sk, cls, flags);
	rtnl_class_put(cls);
	if (err)
		return ternctl_error("%s: %s htb class %s: %s", dev->name,
				     flags ? "adding" : "changing",
				     prio_tc_handle(h, sizeof(h), classid),
				     nl_geterror(err)), -1;
	return 0;
}

static int htb_classes(struct nl_sock *sk, const struct prio_dev *dev,
		       uint64_t rate, int flags)
{
	uint64_t push = rate / PRIO_PUSH_SHARE;

	if (htb_class(sk, dev, PRIO_CLASS_ROOT, PRIO_HTB_HANDLE, rate, rate,
		      -1, flags) ||
	    htb_class(sk, dev, PRIO_CLASS_PUSH, PRIO_CLASS_ROOT, push, rate,
		      0, flags) ||
	    htb_class(sk, dev, PRIO_CLASS_BULK, PRIO_CLASS_ROOT, rate - push,
		      rate, 1, flags))
		return -1;
	return 0;
}

/* 1: fq_codel added, 0: the kernel has none, <0: error (printed). */
static int leaf(struct nl_sock *sk, const struct prio_dev *dev,
		uint32_t parent, uint32_t handle)
{
	struct rtnl_qdisc *q = rtnl_qdisc_alloc();
	char h[16];
	int err;

	if (!q)
		return ternctl_error("out of memory"), -1;
	tc_on(TC_CAST(q), dev, parent, handle);
	err = rtnl_tc_set_kind(TC_CAST(q), "fq_codel");
	if (!err)
		err = rtnl_qdisc_fq_codel_set_limit(q, LEAF_LIMIT);
	if (!err)
		err = rtnl_qdisc_add(sk, q, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_qdisc_put(q);
	if (err == -NLE_OBJ_NOTFOUND)
		return 0;
	if (err)
		return ternctl_error("%s: adding fq_codel under %s: %s",
				     dev->name,
				     prio_tc_handle(h, sizeof(h), parent),
				     nl_geterror(err)), -1;
	return 1;
}

/* u32 on the root: IPv4 TOS or IPv6 traffic class, DSCP bits only. */
static int dscp_filter(struct nl_sock *sk, const struct prio_dev *dev,
		       bool v6, bool add)
{
	struct rtnl_cls *cls = rtnl_cls_alloc();
	uint8_t dscp = TERN_PRIO_DEF_DSCP;
	int err;

	if (!cls)
		return ternctl_error("out of memory"), -1;
	tc_on(TC_CAST(cls), dev, PRIO_HTB_HANDLE, 0);
	rtnl_cls_set_prio(cls, PRIO_DSCP_PREF + v6);
	rtnl_cls_set_protocol(cls, v6 ? ETH_P_IPV6 : ETH_P_IP);
	err = rtnl_tc_set_kind(TC_CAST(cls), "u32");
	if (add) {
		if (!err && v6)
			err = rtnl_u32_add_key_uint16(cls, dscp << 6, 0x0fc0,
						      0, 0);
		else if (!err)
			err = rtnl_u32_add_key_uint8(cls, dscp << 2, 0xfc,
						     1, 0);
		if (!err)
			err = rtnl_u32_set_classid(cls, PRIO_CLASS_PUSH);
		if (!err)
			err = rtnl_u32_set_cls_terminal(cls);
		if (!err)
			err = rtnl_cls_add(sk, cls, NLM_F_CREATE | NLM_F_EXCL);
	} else if (!err) {
		err = rtnl_cls_delete(sk, cls, 0);
		if (err == -NLE_OBJ_NOTFOUND)
			err = 0;
	}
	rtnl_cls_put(cls);
	if (err)
		return ternctl_error("%s: %s the %s DSCP filter: %s%s",
				     dev->name, add ? "adding" : "deleting",
				     v6 ? "IPv6" : "IPv4", nl_geterror(err),
				     err == -NLE_OBJ_NOTFOUND ?
				     " (the kernel has no u32 classifier)" : ""),
		       -1;
	return 0;
}

int prio_tc_set_dscp_filter(struct nl_sock *sk, const struct prio_dev *dev,
			    bool on)
{
	if (dscp_filter(sk, dev, false, on) ||
	    dscp_filter(sk, dev, true, on)) {
		if (on)
			prio_tc_set_dscp_filter(sk, dev, false);
		return -1;
	}
	return 0;
}

int prio_tc_install(struct nl_sock *sk, const struct prio_dev *dev,
		    uint64_t rate, bool dscp_filter, bool *fq_codel)
{
	struct rtnl_qdisc *q = rtnl_qdisc_alloc();
	int err;

	if (!q)
		return ternctl_error("out of memory"), -1;
	tc_on(TC_CAST(q), dev, TC_H_ROOT, PRIO_HTB_HANDLE);
	err = rtnl_tc_set_kind(TC_CAST(q), "htb");
	if (!err)
		err = rtnl_htb_set_defcls(q, TC_H_MIN(PRIO_CLASS_BULK));
	/* EXCL: a root qdisc someone added since we looked stays. */
	if (!err)
		err = rtnl_qdisc_add(sk, q, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_qdisc_put(q);
	if (err)
		return ternctl_error("%s: adding the htb root qdisc: %s",
				     dev->name, kernel_lacks(err, "htb")), -1;

	*fq_codel = false;
	if (htb_classes(sk, dev, rate, NLM_F_CREATE | NLM_F_EXCL))
		goto undo;
	err = leaf(sk, dev, PRIO_CLASS_PUSH, PRIO_LEAF_PUSH);
	if (err < 0)
		goto undo;
	if (err > 0) {
		err = leaf(sk, dev, PRIO_CLASS_BULK, PRIO_LEAF_BULK);
		if (!err)
			ternctl_error("%s: fq_codel went away between two leaves",
				      dev->name);
		if (err <= 0)
			goto undo;
		*fq_codel = true;
	}
	if (dscp_filter && prio_tc_set_dscp_filter(sk, dev, true))
		goto undo;
	return 0;
undo:
	prio_tc_remove(sk, dev);
	return -1;
}

int prio_tc_set_rate(struct nl_sock *sk, const struct prio_dev *dev,
		     uint64_t rate)
{
	return htb_classes(sk, dev, rate, 0);
}

/* Deleting the root takes its classes, leaves and filters with it. */
int prio_tc_remove(struct nl_sock *sk, const struct prio_dev *dev)
{
	struct rtnl_qdisc *q = rtnl_qdisc_alloc();
	int err;

	if (!q)
		return ternctl_error("out of memory"), -1;
	tc_on(TC_CAST(q), dev, TC_H_ROOT, PRIO_HTB_HANDLE);
	err = rtnl_qdisc_delete(sk, q);
	rtnl_qdisc_put(q);
	if (err)
		return ternctl_error("%s: deleting the htb root qdisc: %s",
				     dev->name, nl_geterror(err)), -1;
	return 0;
}

struct prefs {
	char *buf;
	size_t size;
	const char *side;
	uint32_t last;		/* a dump lists a filter's pref in a row */
	int n;
};

static void pref_add(struct nl_object *obj, void *arg)
{
	struct prefs *p = arg;
	uint32_t pref = rtnl_cls_get_prio((struct rtnl_cls *)obj);
	size_t len = strlen(p->buf);

	if (pref == p->last)
		return;
	p->last = pref;
	p->n++;
	snprintf(p->buf + len, p->size - len, "%s%s pref %" PRIu32,
		 len ? ", " : "", p->side, pref);
}

/*
 * The filters on clsact, by pref ("egress pref 40000, ..."), in @buf;
 * *n of them: tc lists a filter as several objects (u32 its hash table
 * too), one pref is one filter to the user.
 */
int prio_tc_clsact_filters(struct nl_sock *sk, int ifindex, int *n,
			   char *buf, size_t size)
{
	static const struct {
		uint32_t parent;
		const char *side;
	} hooks[] = {
		{ TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS), "ingress" },
		{ TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS), "egress" },
	};
	struct prefs p = { .buf = buf, .size = size };
	struct nl_cache *cache;
	size_t i;
	int err;

	buf[0] = '\0';
	for (i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++) {
		err = rtnl_cls_alloc_cache(sk, ifindex, hooks[i].parent,
					   &cache);
		if (err)
			return ternctl_error("reading the clsact filters: %s",
					     nl_geterror(err)), -1;
		p.side = hooks[i].side;
		p.last = 0;
		nl_cache_foreach(cache, pref_add, &p);
		nl_cache_free(cache);
	}
	*n = p.n;
	return 0;
}
