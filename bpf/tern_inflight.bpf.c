// SPDX-License-Identifier: GPL-2.0
/*
 * tern_inflight: the messaging-only plan of the in-flight link simulator
 * (tools/inflight/). Two tc (clsact) ingress programs on the aircraft
 * access point, one per side:
 *
 *   inflight_up    on the cabin-facing device: passes TCP to an endpoint
 *                  of the allow list (address and port)
 *   inflight_down  on the ground-facing device: passes TCP from one
 *                  (the return direction)
 *
 * and on both sides what the links need to work: ARP, and IPv6
 * neighbour discovery that stays on the link. Everything else is dropped:
 * other ports and addresses, UDP, ICMP, IPv4 fragments, IPv6 extension
 * headers, VLAN tags, truncated headers, other EtherTypes. The DS field is
 * never read: a packet that claims push priority with its DSCP is judged
 * like any other. See Documentation/inflight.rst.
 */

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "tern_inflight.h"

#define IP4_MF		0x2000
#define IP4_OFFSET	0x1fff
#define ND_FIRST	133	/* router solicitation */
#define ND_LAST		136	/* neighbour advertisement (137, redirect, not) */
#define ND_HOP_LIMIT	255	/* RFC 4861: receivers drop anything else */

/* Filled by the loader before attach; the programs only read it. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TERN_INFLIGHT_MAX_ALLOW);
	__type(key, struct tern_inflight_key);
	__type(value, __u8);
} inflight_allow SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TERN_INFLIGHT_NR_COUNTS);
	__type(key, __u32);
	__type(value, struct tern_inflight_counter);
} inflight_stats SEC(".maps");

static __always_inline void count(const struct __sk_buff *skb, __u32 idx)
{
	struct tern_inflight_counter *c;

	c = bpf_map_lookup_elem(&inflight_stats, &idx);
	if (!c)
		return;
	c->packets += skb->gso_segs ? skb->gso_segs : 1;
	c->bytes += skb->wire_len;
}

static __always_inline int allowed(__u8 family, const void *addr,
				   unsigned int len, __be16 port)
{
	struct tern_inflight_key k = {};

	k.family = family;
	k.port = port;
	__builtin_memcpy(k.addr, addr, len);
	return bpf_map_lookup_elem(&inflight_allow, &k) != NULL;
}

/* ports[0] source, ports[1] destination: the endpoint on the ground side. */
static __always_inline int ip4(struct __sk_buff *skb, int up)
{
	struct iphdr iph;
	__be16 ports[2];
	__u8 vihl;

	if (bpf_skb_load_bytes(skb, ETH_HLEN, &iph, sizeof(iph)))
		return TERN_INFLIGHT_DROP;
	vihl = *(__u8 *)&iph;	/* version and header length */
	if (vihl >> 4 != 4 || (vihl & 0x0f) < 5)
		return TERN_INFLIGHT_DROP;
	/* Only a first fragment has ports: fragments are refused. */
	if (iph.frag_off & bpf_htons(IP4_MF | IP4_OFFSET))
		return TERN_INFLIGHT_DROP;
	if (iph.protocol != IPPROTO_TCP)
		return TERN_INFLIGHT_DROP;
	if (bpf_skb_load_bytes(skb, ETH_HLEN + (vihl & 0x0f) * 4, ports,
			       sizeof(ports)))
		return TERN_INFLIGHT_DROP;
	if (up)
		return allowed(4, &iph.daddr, 4, ports[1]) ?
		       TERN_INFLIGHT_PASS : TERN_INFLIGHT_DROP;
	return allowed(4, &iph.saddr, 4, ports[0]) ?
	       TERN_INFLIGHT_PASS : TERN_INFLIGHT_DROP;
}

/* fe80::/10, or multicast of link-local scope (ff02::/16 and flags). */
static __always_inline int link_scope(const struct in6_addr *a)
{
	return (a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0x80) ||
	       (a->s6_addr[0] == 0xff && (a->s6_addr[1] & 0x0f) == 0x02);
}

static __always_inline int ip6(struct __sk_buff *skb, int up)
{
	struct ipv6hdr h;
	__be16 ports[2];
	__u8 type;

	if (bpf_skb_load_bytes(skb, ETH_HLEN, &h, sizeof(h)))
		return TERN_INFLIGHT_DROP;
	if (*(__u8 *)&h >> 4 != 6)
		return TERN_INFLIGHT_DROP;
	/* Extension headers (fragments among them) are not walked: refused. */
	if (h.nexthdr == IPPROTO_TCP) {
		if (bpf_skb_load_bytes(skb, ETH_HLEN + sizeof(h), ports,
				       sizeof(ports)))
			return TERN_INFLIGHT_DROP;
		if (up)
			return allowed(6, &h.daddr, 16, ports[1]) ?
			       TERN_INFLIGHT_PASS : TERN_INFLIGHT_DROP;
		return allowed(6, &h.saddr, 16, ports[0]) ?
		       TERN_INFLIGHT_PASS : TERN_INFLIGHT_DROP;
	}
	/*
	 * Neighbour discovery, as long as it stays on the link: hop limit
	 * 255 and a link-local or link-scope multicast destination. The
	 * access point never forwards those, so they cannot carry anything
	 * to the ground.
	 */
	if (h.nexthdr == IPPROTO_ICMPV6 && h.hop_limit == ND_HOP_LIMIT &&
	    link_scope(&h.daddr) &&
	    !bpf_skb_load_bytes(skb, ETH_HLEN + sizeof(h), &type,
				sizeof(type)) &&
	    type >= ND_FIRST && type <= ND_LAST)
		return TERN_INFLIGHT_NEIGH;
	return TERN_INFLIGHT_DROP;
}

static __always_inline int gate(struct __sk_buff *skb, int up)
{
	__u32 dir = up ? TERN_INFLIGHT_UP : TERN_INFLIGHT_DOWN;
	__be16 proto;
	int v = TERN_INFLIGHT_DROP;

	/* A tag the stack took off into vlan_tci: not for this link. */
	if (skb->vlan_present ||
	    bpf_skb_load_bytes(skb, 2 * ETH_ALEN, &proto, sizeof(proto)))
		goto out;
	if (proto == bpf_htons(ETH_P_ARP))
		v = TERN_INFLIGHT_NEIGH;
	else if (proto == bpf_htons(ETH_P_IP))
		v = ip4(skb, up);
	else if (proto == bpf_htons(ETH_P_IPV6))
		v = ip6(skb, up);
out:
	count(skb, dir * TERN_INFLIGHT_NR_VERDICTS + v);
	/* Passing gives no verdict: filters after this one still run. */
	return v == TERN_INFLIGHT_DROP ? TC_ACT_SHOT : TC_ACT_UNSPEC;
}

SEC("tc")
int inflight_up(struct __sk_buff *skb)
{
	return gate(skb, 1);
}

SEC("tc")
int inflight_down(struct __sk_buff *skb)
{
	return gate(skb, 0);
}

char LICENSE[] SEC("license") = "GPL";
