/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What tern_prio.bpf.c shares with userspace: its configuration and the
 * layout of its counters map. See Documentation/prio.rst.
 */
#ifndef TERN_PRIO_H
#define TERN_PRIO_H

#include <linux/types.h>

/*
 * Configuration, in the program's .rodata (the global tern_cfg). A loader
 * sets it through the skeleton between open and load; it is then frozen.
 * A packet is push traffic when either test matches:
 *
 *   (skb->mark & mark_mask) == (mark & mark_mask), unless that is 0
 *   skb->priority == match_priority, unless match_priority is 0
 *
 * 0 turns a test off because it is what every packet carries by default.
 */
struct tern_prio_cfg {
	__u32 mark;		/* skb->mark value of push traffic ... */
	__u32 mark_mask;	/* ... under this mask */
	__u32 match_priority;	/* skb->priority (SO_PRIORITY) of push traffic */
	__u32 push_priority;	/* skb->priority given to push: the class id */
	__u8 push_dscp;		/* DSCP given to push, or TERN_PRIO_DSCP_KEEP */
	__u8 pad[3];
};

/* DSCP code points (RFC 2474, RFC 4594). */
#define TERN_PRIO_DSCP_CS0	0
#define TERN_PRIO_DSCP_CS5	40
#define TERN_PRIO_DSCP_EF	46
/* push_dscp: leave the DS field as it is (priority is still set). */
#define TERN_PRIO_DSCP_KEEP	0xff

/* Defaults: Documentation/prio.rst says why. */
#define TERN_PRIO_DEF_MARK		0x1000
#define TERN_PRIO_DEF_MARK_MASK		0x1000
#define TERN_PRIO_DEF_MATCH_PRIORITY	6	/* TC_PRIO_INTERACTIVE */
#define TERN_PRIO_DEF_PUSH_PRIORITY	0x10010	/* class 1:10 */
#define TERN_PRIO_DEF_DSCP		TERN_PRIO_DSCP_CS5

#define TERN_PRIO_CFG_DEFAULT {					\
	.mark = TERN_PRIO_DEF_MARK,				\
	.mark_mask = TERN_PRIO_DEF_MARK_MASK,			\
	.match_priority = TERN_PRIO_DEF_MATCH_PRIORITY,		\
	.push_priority = TERN_PRIO_DEF_PUSH_PRIORITY,		\
	.push_dscp = TERN_PRIO_DEF_DSCP,			\
}

/*
 * The counters map, tern_prio_stats: a BPF_MAP_TYPE_PERCPU_ARRAY indexed by
 * enum tern_prio_count, one struct tern_prio_counter per CPU and key; sum
 * over the CPUs. Every packet the program sees is counted exactly once.
 */
enum tern_prio_count {
	TERN_PRIO_PUSH,		/* IPv4/IPv6, push: priority set, DSCP rewritten */
	TERN_PRIO_BULK,		/* IPv4/IPv6, not push: left alone */
	TERN_PRIO_OTHER,	/* not IPv4/IPv6 (ARP, VLAN tagged...) or a
				 * truncated or malformed IP header: left alone
				 */
	TERN_PRIO_NR_COUNTS,
};

struct tern_prio_counter {
	__u64 packets;		/* GSO segments: a superpacket counts each */
	__u64 bytes;		/* as the qdisc counts them (wire_len) */
};

#endif /* TERN_PRIO_H */
