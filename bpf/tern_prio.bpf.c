// SPDX-License-Identifier: GPL-2.0
/*
 * tern_prio: a tc (clsact) egress program that puts push traffic ahead of
 * bulk traffic. A packet whose skb->mark (under a mask) or skb->priority
 * says push gets skb->priority set to the push class of the qdisc below,
 * and its DSCP rewritten (ECN bits kept, IPv4 header checksum fixed).
 * Everything else is left alone. Every packet is counted; the program never
 * drops one, and returns TC_ACT_UNSPEC so that the filters after it on the
 * hook still run. See Documentation/prio.rst.
 */

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "tern_prio.h"

#define IP4_TOS_OFF	(ETH_HLEN + __builtin_offsetof(struct iphdr, tos))
#define IP4_CSUM_OFF	(ETH_HLEN + __builtin_offsetof(struct iphdr, check))
#define IP6_OFF		ETH_HLEN

#define ECN_MASK	0x03		/* the low two bits of the DS field */
#define DSCP_MASK	0x3f
#define IP6_DSCP_MASK	0x0fc0		/* DSCP in the first 16 bits of IPv6 */

/*
 * Set through the skeleton's rodata before load, frozen afterwards: the
 * verifier knows the values. A new configuration is a new copy of the
 * program, replacing this one (Documentation/prio.rst).
 */
const volatile struct tern_prio_cfg tern_cfg = TERN_PRIO_CFG_DEFAULT;

/* Not pinned here: the loader pins it, the tests use unpinned copies. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TERN_PRIO_NR_COUNTS);
	__type(key, __u32);
	__type(value, struct tern_prio_counter);
} tern_prio_stats SEC(".maps");

static __always_inline void count(const struct __sk_buff *skb, __u32 idx)
{
	struct tern_prio_counter *c;

	c = bpf_map_lookup_elem(&tern_prio_stats, &idx);
	if (!c)
		return;
	c->packets += skb->gso_segs ? skb->gso_segs : 1;
	c->bytes += skb->wire_len;
}

static __always_inline int is_push(const struct __sk_buff *skb)
{
	__u32 mask = tern_cfg.mark_mask;
	__u32 mark = tern_cfg.mark & mask;

	if (mark && (skb->mark & mask) == mark)
		return 1;
	return tern_cfg.match_priority &&
	       skb->priority == tern_cfg.match_priority;
}

/*
 * Both helpers first make the header writable (unsharing a clone). The
 * checksum, at the larger offset, goes first: if that fails, nothing was
 * changed; once it succeeded the store cannot fail.
 */
static __always_inline void set_dscp4(struct __sk_buff *skb, __u8 old_tos)
{
	__u8 tos = ((tern_cfg.push_dscp & DSCP_MASK) << 2) | (old_tos & ECN_MASK);

	if (tos == old_tos)
		return;
	if (bpf_l3_csum_replace(skb, IP4_CSUM_OFF, bpf_htons(old_tos),
				bpf_htons(tos), sizeof(__u16)))
		return;
	bpf_skb_store_bytes(skb, IP4_TOS_OFF, &tos, sizeof(tos), 0);
}

/*
 * IPv6 has no header checksum. The traffic class straddles the first two
 * bytes (version 4 bits, traffic class 8, flow label 20): rewrite those
 * 16 bits, keeping version, ECN and flow label. BPF_F_RECOMPUTE_CSUM keeps
 * a CHECKSUM_COMPLETE skb->csum (a forwarded packet) right.
 */
static __always_inline void set_dscp6(struct __sk_buff *skb, __be16 old)
{
	__u16 w = bpf_ntohs(old);
	__be16 new;

	w = (w & ~IP6_DSCP_MASK) | ((tern_cfg.push_dscp & DSCP_MASK) << 6);
	new = bpf_htons(w);
	if (new == old)
		return;
	bpf_skb_store_bytes(skb, IP6_OFF, &new, sizeof(new),
			    BPF_F_RECOMPUTE_CSUM);
}

SEC("tc")
int tern_prio(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	__u32 idx = TERN_PRIO_OTHER;

	if ((void *)(eth + 1) > data_end)
		goto out;

	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = (void *)(eth + 1);
		__u8 vihl;

		if ((void *)(iph + 1) > data_end)
			goto out;
		vihl = *(__u8 *)iph;	/* version and header length */
		if (vihl >> 4 != 4 || (vihl & 0x0f) < 5 ||
		    (void *)iph + (vihl & 0x0f) * 4 > data_end)
			goto out;
		idx = TERN_PRIO_BULK;
		if (!is_push(skb))
			goto out;
		idx = TERN_PRIO_PUSH;
		skb->priority = tern_cfg.push_priority;
		if (tern_cfg.push_dscp != TERN_PRIO_DSCP_KEEP)
			set_dscp4(skb, iph->tos);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6h = (void *)(eth + 1);

		if ((void *)(ip6h + 1) > data_end)
			goto out;
		if (*(__u8 *)ip6h >> 4 != 6)
			goto out;
		idx = TERN_PRIO_BULK;
		if (!is_push(skb))
			goto out;
		idx = TERN_PRIO_PUSH;
		skb->priority = tern_cfg.push_priority;
		if (tern_cfg.push_dscp != TERN_PRIO_DSCP_KEEP)
			set_dscp6(skb, *(__be16 *)ip6h);
	}
out:
	count(skb, idx);
	/* No verdict: the next filter on the hook runs, and after the last
	 * the packet goes on to the qdisc as with TC_ACT_OK.
	 */
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "GPL";
