// SPDX-License-Identifier: GPL-2.0
/*
 * bpf/tern_inflight.bpf.c, the messaging-only filter, through
 * BPF_PROG_TEST_RUN: crafted Ethernet frames go through inflight_up (the
 * cabin side's ingress) or inflight_down (the ground side's), with the
 * allow list holding 198.18.2.2:5222 and [fd00:7e2e:2::2]:5222. Each run
 * checks the verdict (TC_ACT_UNSPEC: passed, TC_ACT_SHOT: dropped), that
 * the frame is not changed, and the counters.
 *
 * Passed: TCP to (up) or from (down) an endpoint, whatever the DS field
 * says, IPv4 options included; ARP; neighbour discovery that stays on the
 * link. Dropped: other ports and addresses, the wrong direction, UDP,
 * ICMP, ports hidden in IPv4 options, fragments, IPv6 extension headers,
 * neighbour discovery with a global destination or a hop limit below
 * 255, redirects, truncated headers (or frames the kernel refuses to
 * run), VLAN tags, other EtherTypes.
 *
 * Without BPF (not root, no bpf(2), no tc programs) the program is skipped.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kselftest_harness.h"
#include "tern_inflight.h"
#include "tern_inflight.skel.h"

#define PKT_MAX		160
#define GW_PORT		5222
#define CS5		0xa0
#define IPPROTO_HOPOPTS_ 0
#define IPPROTO_FRAG6_	44

/* Only the benchmarking range and ULA addresses, even in crafted frames. */
static const __u8 dev4[4] = { 198, 18, 1, 2 };
static const __u8 gw4[4] = { 198, 18, 2, 2 };
static const __u8 other4[4] = { 198, 18, 2, 3 };
static const __u8 dev6[16] = { 0xfd, 0, 0x7e, 0x2e, 0, 1, 0, 0,
			       0, 0, 0, 0, 0, 0, 0, 2 };
static const __u8 gw6[16] = { 0xfd, 0, 0x7e, 0x2e, 0, 2, 0, 0,
			      0, 0, 0, 0, 0, 0, 0, 2 };
static const __u8 other6[16] = { 0xfd, 0, 0x7e, 0x2e, 0, 2, 0, 0,
				 0, 0, 0, 0, 0, 0, 0, 3 };
static const __u8 ll1[16] = { 0xfe, 0x80, 0, 0, 0, 0, 0, 0,
			      0, 0, 0, 0, 0, 0, 0, 1 };
/* The solicited-node group of fe80::1, and all routers. */
static const __u8 snm1[16] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0,
			       0, 0, 0, 1, 0xff, 0, 0, 1 };
static const __u8 routers[16] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0,
				  0, 0, 0, 0, 0, 0, 0, 2 };
/* Site-local scope multicast: not the link's. */
static const __u8 site_mc[16] = { 0xff, 0x05, 0, 0, 0, 0, 0, 0,
				  0, 0, 0, 0, 0, 0, 0, 2 };

struct pkt {
	__u8 b[PKT_MAX];
	unsigned int len;
};

static void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static unsigned int put_eth(__u8 *b, __u16 proto)
{
	static const __u8 macs[12] = { 0x02, 0, 0, 0, 0, 0x01,
				       0x02, 0, 0, 0, 0, 0x02 };

	memcpy(b, macs, sizeof(macs));
	put16(b + 12, proto);
	return ETH_HLEN;
}

/* A TCP (20 bytes) or UDP (8) header and a little payload at @off. */
static unsigned int put_l4(__u8 *h, int proto, __u16 sport, __u16 dport)
{
	unsigned int hlen = proto == IPPROTO_TCP ? 20 : 8;

	memset(h, 0, hlen + 8);
	put16(h, sport);
	put16(h + 2, dport);
	if (proto == IPPROTO_TCP)
		h[12] = 5 << 4;
	else
		put16(h + 4, hlen + 8);
	memcpy(h + hlen, "tern-ifl", 8);
	return hlen + 8;
}

/*
 * IPv4: @opt_words of options (NOPs; @opt_fill, when not 0, as their
 * bytes instead), @frag the flags and offset field.
 */
static void pkt4(struct pkt *p, const __u8 *src, const __u8 *dst, int proto,
		 __u16 sport, __u16 dport, __u8 tos, unsigned int opt_words,
		 __u16 frag)
{
	__u8 *h;
	unsigned int ihl = 5 + opt_words;

	memset(p, 0, sizeof(*p));
	h = p->b + put_eth(p->b, ETH_P_IP);
	h[0] = 4 << 4 | ihl;
	h[1] = tos;
	put16(h + 6, frag);
	h[8] = 64;
	h[9] = proto;
	memcpy(h + 12, src, 4);
	memcpy(h + 16, dst, 4);
	memset(h + 20, 1, opt_words * 4);
	p->len = ETH_HLEN + ihl * 4 + put_l4(h + ihl * 4, proto, sport, dport);
	put16(h + 2, p->len - ETH_HLEN);
}

/* IPv6 with TCP or UDP, or with @ext (hop-by-hop or fragment) before it. */
static void pkt6(struct pkt *p, const __u8 *src, const __u8 *dst, int proto,
		 __u16 sport, __u16 dport, __u8 tclass, int ext)
{
	__u8 *h;
	unsigned int l4 = 40;

	memset(p, 0, sizeof(*p));
	h = p->b + put_eth(p->b, ETH_P_IPV6);
	h[0] = 6 << 4 | tclass >> 4;
	h[1] = (tclass & 0x0f) << 4;
	h[6] = ext >= 0 ? ext : proto;
	h[7] = 64;
	memcpy(h + 8, src, 16);
	memcpy(h + 24, dst, 16);
	if (ext >= 0) {
		h[40] = proto;		/* next header; the rest 0: PadN-free */
		l4 += 8;
	}
	p->len = ETH_HLEN + l4 + put_l4(h + l4, proto, sport, dport);
	put16(h + 4, p->len - ETH_HLEN - 40);
}

/* ICMPv6 of @type (an ND message, or another) with @hop_limit. */
static void pkt_icmp6(struct pkt *p, const __u8 *src, const __u8 *dst,
		      __u8 type, __u8 hop_limit)
{
	__u8 *h;

	memset(p, 0, sizeof(*p));
	h = p->b + put_eth(p->b, ETH_P_IPV6);
	h[0] = 6 << 4;
	h[6] = IPPROTO_ICMPV6;
	h[7] = hop_limit;
	memcpy(h + 8, src, 16);
	memcpy(h + 24, dst, 16);
	h[40] = type;
	memcpy(h + 48, ll1, 16);	/* the target, for NS and NA */
	p->len = ETH_HLEN + 40 + 24;
	put16(h + 4, 24);
}

static void pkt_arp(struct pkt *p)
{
	static const __u8 arp[8] = { 0, 1, 0x08, 0, 6, 4, 0, 1 };
	__u8 *h;

	memset(p, 0, sizeof(*p));
	h = p->b + put_eth(p->b, ETH_P_ARP);
	memcpy(h, arp, sizeof(arp));
	memcpy(h + 8, p->b + 6, 6);
	memcpy(h + 14, dev4, 4);
	memcpy(h + 24, gw4, 4);
	p->len = ETH_HLEN + 28;
}

/* --- the programs --- */

FIXTURE(inflight) {
	struct tern_inflight_bpf *skel;
	int up, down, stats;
	struct tern_inflight_counter want[TERN_INFLIGHT_NR_COUNTS];
};

static const char *const count_names[TERN_INFLIGHT_NR_COUNTS] = {
	"up pass", "up neigh", "up drop", "down pass", "down neigh", "down drop",
};

static void allow(struct __test_metadata *_metadata, int fd, __u8 family,
		  const __u8 *addr, unsigned int len)
{
	struct tern_inflight_key k = { .family = family };
	__u8 one = 1;

	k.port = htons(GW_PORT);
	memcpy(k.addr, addr, len);
	ASSERT_EQ(0, bpf_map_update_elem(fd, &k, &one, BPF_ANY));
}

FIXTURE_SETUP(inflight)
{
	int fd;

	memset(self->want, 0, sizeof(self->want));
	self->skel = tern_inflight_bpf__open_and_load();
	ASSERT_NE(NULL, self->skel) TH_LOG("loading (the verifier?): %s",
					   strerror(errno));
	self->up = bpf_program__fd(self->skel->progs.inflight_up);
	self->down = bpf_program__fd(self->skel->progs.inflight_down);
	self->stats = bpf_map__fd(self->skel->maps.inflight_stats);
	fd = bpf_map__fd(self->skel->maps.inflight_allow);
	allow(_metadata, fd, 4, gw4, 4);
	allow(_metadata, fd, 6, gw6, 16);
}

FIXTURE_TEARDOWN(inflight)
{
	tern_inflight_bpf__destroy(self->skel);
}

static void check_counts(struct __test_metadata *_metadata,
			 FIXTURE_DATA(inflight) *self)
{
	int ncpus = libbpf_num_possible_cpus();
	struct tern_inflight_counter v[ncpus > 0 ? ncpus : 1];
	__u32 key;
	int i;

	ASSERT_LT(0, ncpus);
	for (key = 0; key < TERN_INFLIGHT_NR_COUNTS; key++) {
		struct tern_inflight_counter sum = { 0 };

		ASSERT_EQ(0, bpf_map_lookup_elem(self->stats, &key, v));
		for (i = 0; i < ncpus; i++) {
			sum.packets += v[i].packets;
			sum.bytes += v[i].bytes;
		}
		EXPECT_EQ(self->want[key].packets, sum.packets)
			TH_LOG("%s packets", count_names[key]);
		EXPECT_EQ(self->want[key].bytes, sum.bytes)
			TH_LOG("%s bytes", count_names[key]);
	}
}

/* @p through one direction: verdict @v, the frame unchanged, counted. */
static void expect(struct __test_metadata *_metadata,
		   FIXTURE_DATA(inflight) *self, const struct pkt *p,
		   enum tern_inflight_dir dir, enum tern_inflight_verdict v,
		   const char *what)
{
	/* A context, so that wire_len is the frame's length. */
	struct __sk_buff ctx = { 0 };
	__u8 out[PKT_MAX];
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = p->b,
		.data_size_in = p->len,
		.data_out = out,
		.data_size_out = sizeof(out),
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
	);
	int ret;

	ret = bpf_prog_test_run_opts(dir == TERN_INFLIGHT_UP ? self->up :
				     self->down, &o);
	ASSERT_EQ(0, ret) TH_LOG("%s: BPF_PROG_TEST_RUN: %s", what,
				 strerror(-ret));
	EXPECT_EQ(v == TERN_INFLIGHT_DROP ? (__u32)TC_ACT_SHOT :
		  (__u32)TC_ACT_UNSPEC, o.retval) TH_LOG("%s", what);
	EXPECT_EQ(p->len, o.data_size_out) TH_LOG("%s", what);
	EXPECT_EQ(0, memcmp(p->b, out, p->len)) TH_LOG("%s", what);
	self->want[dir * TERN_INFLIGHT_NR_VERDICTS + v].packets++;
	self->want[dir * TERN_INFLIGHT_NR_VERDICTS + v].bytes += p->len;
	check_counts(_metadata, self);
}

/*
 * A frame with less than a fixed IP header after Ethernet the kernel may
 * refuse to test-run (-EINVAL) before the program sees it; should it run
 * one, the program must drop it. Returns 1 when it was refused.
 */
static int expect_short(struct __test_metadata *_metadata,
			FIXTURE_DATA(inflight) *self, const struct pkt *full,
			unsigned int len)
{
	struct __sk_buff ctx = { 0 };
	struct pkt p = *full;
	__u8 out[PKT_MAX];
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = p.b,
		.data_size_in = len,
		.data_out = out,
		.data_size_out = sizeof(out),
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
	);
	int ret = bpf_prog_test_run_opts(self->up, &o);

	if (ret == -EINVAL)
		return 1;
	p.len = len;
	expect(_metadata, self, &p, TERN_INFLIGHT_UP, TERN_INFLIGHT_DROP,
	       "a short frame");
	return 0;
}

#define UP	TERN_INFLIGHT_UP
#define DOWN	TERN_INFLIGHT_DOWN
#define PASS	TERN_INFLIGHT_PASS
#define NEIGH	TERN_INFLIGHT_NEIGH
#define DROP	TERN_INFLIGHT_DROP

TEST_F(inflight, ipv4_push_passes_whatever_the_dscp)
{
	struct pkt p;

	pkt4(&p, dev4, gw4, IPPROTO_TCP, 40000, GW_PORT, 0, 0, 0);
	expect(_metadata, self, &p, UP, PASS, "TCP to the gateway");
	pkt4(&p, dev4, gw4, IPPROTO_TCP, 40000, GW_PORT, CS5, 0, 0);
	expect(_metadata, self, &p, UP, PASS, "... marked CS5");
	pkt4(&p, dev4, gw4, IPPROTO_TCP, 40000, GW_PORT, 0, 2, 0);
	expect(_metadata, self, &p, UP, PASS, "... with IPv4 options");
	pkt4(&p, gw4, dev4, IPPROTO_TCP, GW_PORT, 40000, 0, 0, 0);
	expect(_metadata, self, &p, DOWN, PASS, "TCP from the gateway");
}

TEST_F(inflight, ipv4_everything_else_is_dropped)
{
	struct pkt p;

	pkt4(&p, dev4, gw4, IPPROTO_TCP, 40000, GW_PORT + 1, 0, 0, 0);
	expect(_metadata, self, &p, UP, DROP, "another port");
	pkt4(&p, dev4, gw4, IPPROTO_TCP, 40000, GW_PORT + 1, CS5, 0, 0);
	expect(_metadata, self, &p, UP, DROP, "another port, CS5");
	pkt4(&p, dev4, other4, IPPROTO_TCP, 40000, GW_PORT, CS5, 0, 0);
	expect(_metadata, self, &p, UP, DROP, "another address, CS5");
	pkt4(&p, dev4, gw4, IPPROTO_UDP, 40000, GW_PORT, 0, 0, 0);
	expect(_metadata, self, &p, UP, DROP, "UDP to the gateway's port");
	pkt4(&p, dev4, gw4, IPPROTO_ICMP, 0x0800, 0, 0, 0, 0);
	expect(_metadata, self, &p, UP, DROP, "ICMP");
	/* Up matches the destination, down the source: not the other way. */
	pkt4(&p, gw4, dev4, IPPROTO_TCP, GW_PORT, 40000, 0, 0, 0);
	expect(_metadata, self, &p, UP, DROP, "from the gateway, on the way up");
	pkt4(&p, dev4, gw4, IPPROTO_TCP, 40000, GW_PORT, 0, 0, 0);
	expect(_metadata, self, &p, DOWN, DROP, "to the gateway, on the way down");
	pkt4(&p, gw4, dev4, IPPROTO_TCP, GW_PORT + 1, 40000, 0, 0, 0);
	expect(_metadata, self, &p, DOWN, DROP, "from another port");
	pkt4(&p, gw4, dev4, IPPROTO_UDP, GW_PORT, 40000, 0, 0, 0);
	expect(_metadata, self, &p, DOWN, DROP, "UDP from the gateway's port");
}

/* The ports are after the options, not where they would be without. */
TEST_F(inflight, ipv4_options_do_not_hide_ports)
{
	struct pkt p;

	pkt4(&p, dev4, gw4, IPPROTO_TCP, 40000, GW_PORT + 1, 0, 1, 0);
	put16(p.b + ETH_HLEN + 20, 40000);	/* an "option" that looks */
	put16(p.b + ETH_HLEN + 22, GW_PORT);	/* like the allowed ports */
	expect(_metadata, self, &p, UP, DROP, "ports behind options");
}

TEST_F(inflight, ipv4_fragments_and_bad_headers_are_dropped)
{
	struct pkt p;

	pkt4(&p, dev4, gw4, IPPROTO_TCP, 40000, GW_PORT, 0, 0, 0x2000);
	expect(_metadata, self, &p, UP, DROP, "a first fragment");
	pkt4(&p, dev4, gw4, IPPROTO_TCP, 40000, GW_PORT, 0, 0, 0x0010);
	expect(_metadata, self, &p, UP, DROP, "a later fragment");
	pkt4(&p, dev4, gw4, IPPROTO_TCP, 40000, GW_PORT, 0, 0, 0x4000);
	expect(_metadata, self, &p, UP, PASS, "DF is no fragment");
	pkt4(&p, dev4, gw4, IPPROTO_TCP, 40000, GW_PORT, 0, 0, 0);
	p.b[ETH_HLEN] = 4 << 4 | 4;
	expect(_metadata, self, &p, UP, DROP, "header length 4");
	pkt4(&p, dev4, gw4, IPPROTO_TCP, 40000, GW_PORT, 0, 0, 0);
	p.b[ETH_HLEN] = 6 << 4 | 5;
	expect(_metadata, self, &p, UP, DROP, "version 6 in an IPv4 frame");
	pkt4(&p, dev4, gw4, IPPROTO_TCP, 40000, GW_PORT, 0, 0, 0);
	p.len = ETH_HLEN + 20 + 3;
	expect(_metadata, self, &p, UP, DROP, "ports cut short");
	pkt4(&p, dev4, gw4, IPPROTO_TCP, 40000, GW_PORT, 0, 0, 0);
	p.b[ETH_HLEN] = 4 << 4 | 15;
	p.len = ETH_HLEN + 60;
	expect(_metadata, self, &p, UP, DROP, "options to the end, no ports");
}

TEST_F(inflight, short_frames_are_dropped)
{
	unsigned int len, tried = 0, refused = 0;
	struct pkt p4, p6;

	pkt4(&p4, dev4, gw4, IPPROTO_TCP, 40000, GW_PORT, 0, 0, 0);
	pkt6(&p6, dev6, gw6, IPPROTO_TCP, 40000, GW_PORT, 0, -1);
	for (len = ETH_HLEN; len < ETH_HLEN + 20; len++, tried++)
		refused += expect_short(_metadata, self, &p4, len);
	for (len = ETH_HLEN; len < ETH_HLEN + 40; len++, tried++)
		refused += expect_short(_metadata, self, &p6, len);
	TH_LOG("short frames: the kernel refused %u of %u, the program dropped the rest",
	       refused, tried);
}

TEST_F(inflight, ipv6_push_passes_the_rest_is_dropped)
{
	struct pkt p;

	pkt6(&p, dev6, gw6, IPPROTO_TCP, 40000, GW_PORT, 0, -1);
	expect(_metadata, self, &p, UP, PASS, "TCP to the gateway");
	pkt6(&p, dev6, gw6, IPPROTO_TCP, 40000, GW_PORT, CS5, -1);
	expect(_metadata, self, &p, UP, PASS, "... marked CS5");
	pkt6(&p, gw6, dev6, IPPROTO_TCP, GW_PORT, 40000, 0, -1);
	expect(_metadata, self, &p, DOWN, PASS, "TCP from the gateway");
	pkt6(&p, dev6, gw6, IPPROTO_TCP, 40000, GW_PORT + 1, CS5, -1);
	expect(_metadata, self, &p, UP, DROP, "another port, CS5");
	pkt6(&p, dev6, other6, IPPROTO_TCP, 40000, GW_PORT, CS5, -1);
	expect(_metadata, self, &p, UP, DROP, "another address, CS5");
	pkt6(&p, dev6, gw6, IPPROTO_UDP, 40000, GW_PORT, 0, -1);
	expect(_metadata, self, &p, UP, DROP, "UDP");
	pkt6(&p, gw6, dev6, IPPROTO_TCP, GW_PORT, 40000, 0, -1);
	expect(_metadata, self, &p, UP, DROP, "from the gateway, on the way up");
	pkt6(&p, dev6, gw6, IPPROTO_TCP, 40000, GW_PORT, 0, IPPROTO_HOPOPTS_);
	expect(_metadata, self, &p, UP, DROP, "behind a hop-by-hop header");
	pkt6(&p, dev6, gw6, IPPROTO_TCP, 40000, GW_PORT, 0, IPPROTO_FRAG6_);
	expect(_metadata, self, &p, UP, DROP, "behind a fragment header");
	pkt6(&p, dev6, gw6, IPPROTO_TCP, 40000, GW_PORT, 0, -1);
	p.b[ETH_HLEN] = 4 << 4;
	expect(_metadata, self, &p, UP, DROP, "version 4 in an IPv6 frame");
	pkt6(&p, dev6, gw6, IPPROTO_TCP, 40000, GW_PORT, 0, -1);
	p.len = ETH_HLEN + 40 + 2;
	expect(_metadata, self, &p, UP, DROP, "ports cut short");
}

TEST_F(inflight, neighbour_discovery_on_the_link_only)
{
	struct pkt p;
	int dir;

	for (dir = UP; dir <= DOWN; dir++) {
		pkt_arp(&p);
		expect(_metadata, self, &p, dir, NEIGH, "ARP");
		pkt_icmp6(&p, dev6, snm1, 135, 255);
		expect(_metadata, self, &p, dir, NEIGH, "NS to a solicited-node group");
		pkt_icmp6(&p, dev6, ll1, 135, 255);
		expect(_metadata, self, &p, dir, NEIGH, "NS to fe80::1");
		pkt_icmp6(&p, ll1, ll1, 136, 255);
		expect(_metadata, self, &p, dir, NEIGH, "NA to fe80::1");
		pkt_icmp6(&p, ll1, routers, 133, 255);
		expect(_metadata, self, &p, dir, NEIGH, "RS to all routers");
		pkt_icmp6(&p, ll1, routers, 134, 255);
		expect(_metadata, self, &p, dir, NEIGH, "RA");
		pkt_icmp6(&p, dev6, gw6, 135, 255);
		expect(_metadata, self, &p, dir, DROP, "NS to a global address");
		pkt_icmp6(&p, dev6, site_mc, 135, 255);
		expect(_metadata, self, &p, dir, DROP, "NS to site-local multicast");
		pkt_icmp6(&p, dev6, snm1, 135, 254);
		expect(_metadata, self, &p, dir, DROP, "NS with hop limit 254");
		pkt_icmp6(&p, ll1, ll1, 137, 255);
		expect(_metadata, self, &p, dir, DROP, "a redirect");
		pkt_icmp6(&p, dev6, ll1, 128, 255);
		expect(_metadata, self, &p, dir, DROP, "an echo request to fe80::1");
		pkt_icmp6(&p, dev6, snm1, 135, 255);
		p.len = ETH_HLEN + 40;
		expect(_metadata, self, &p, dir, DROP, "NS without its ICMPv6 header");
	}
}

TEST_F(inflight, other_frames_are_dropped)
{
	struct pkt p;

	pkt4(&p, dev4, gw4, IPPROTO_TCP, 40000, GW_PORT, 0, 0, 0);
	memmove(p.b + 16, p.b + 12, p.len - 12);
	put16(p.b + 12, ETH_P_8021Q);
	put16(p.b + 14, 42);
	p.len += 4;
	expect(_metadata, self, &p, UP, DROP, "push TCP behind a VLAN tag");
	pkt_arp(&p);
	put16(p.b + 12, 0x88cc);		/* LLDP */
	expect(_metadata, self, &p, UP, DROP, "LLDP");
}

/* Loads the smallest tc program there is: 0, or why that fails (-errno). */
static int probe_tc_prog(void)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0,
		  .imm = TC_ACT_OK },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd;

	fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, NULL, "GPL", insns,
			   ARRAY_SIZE(insns), NULL);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	int err = probe_tc_prog();

	if (err) {
		ksft_print_header();
		ksft_exit_skip("BPF unavailable: cannot load a tc program: %s%s\n",
			       strerror(-err), err == -EPERM ?
			       " (needs CAP_BPF and CAP_NET_ADMIN, e.g. root)" :
			       "");
	}
	return test_harness_run(argc, argv);
}
