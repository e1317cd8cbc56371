/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What tern_inflight.bpf.c shares with its loader (tools/inflight/): the
 * allow list's key and the layout of the counters. See
 * Documentation/inflight.rst, "Messaging-only mode".
 */
#ifndef TERN_INFLIGHT_H
#define TERN_INFLIGHT_H

#include <linux/types.h>

/*
 * The allow list, tern_inflight_allow: a hash map whose keys are the
 * gateway endpoints a messaging-only plan lets through (TCP only). The
 * uplink program looks up a packet's destination, the downlink program
 * its source. The value is unused (1).
 */
struct tern_inflight_key {
	__u8 family;		/* 4 or 6 */
	__u8 pad;		/* 0 */
	__be16 port;		/* TCP port, network order */
	__u8 addr[16];		/* IPv4: the first 4 bytes, the rest 0 */
};

#define TERN_INFLIGHT_MAX_ALLOW	16

/* What the programs decided, for each direction. */
enum tern_inflight_verdict {
	TERN_INFLIGHT_PASS,	/* TCP to (up) or from (down) the allow list */
	TERN_INFLIGHT_NEIGH,	/* ARP, or IPv6 neighbour discovery on the link */
	TERN_INFLIGHT_DROP,	/* everything else */
	TERN_INFLIGHT_NR_VERDICTS,
};

/*
 * The counters map, tern_inflight_stats: a BPF_MAP_TYPE_PERCPU_ARRAY
 * indexed by direction * TERN_INFLIGHT_NR_VERDICTS + verdict, one struct
 * tern_inflight_counter per CPU and key; sum over the CPUs.
 */
enum tern_inflight_dir {
	TERN_INFLIGHT_UP,	/* device -> ground: ingress on the cabin side */
	TERN_INFLIGHT_DOWN,	/* ground -> device: ingress on the ground side */
	TERN_INFLIGHT_NR_DIRS,
};

#define TERN_INFLIGHT_NR_COUNTS	(TERN_INFLIGHT_NR_DIRS * TERN_INFLIGHT_NR_VERDICTS)

struct tern_inflight_counter {
	__u64 packets;		/* GSO segments: a superpacket counts each */
	__u64 bytes;		/* wire_len */
};

#endif /* TERN_INFLIGHT_H */
