// SPDX-License-Identifier: GPL-2.0
/*
 * bpf/tern_prio.bpf.c through BPF_PROG_TEST_RUN: crafted Ethernet frames
 * go in with a mark and a priority (the __sk_buff context); the test checks
 * the verdict (always TC_ACT_UNSPEC: none, so the next filter runs), the
 * priority and the frame that come out, and after every run the counters
 * map.
 *
 * Push frames (by mark, under a mask, or by priority; IPv4 and IPv6, TCP
 * and UDP, with IPv4 options, fragments) get the push priority and DSCP,
 * keep their ECN bits and every other byte; IPv4 header checksums are right
 * before and after, and so are the TCP/UDP checksums. Everything else
 * (other marks and priorities, ARP, VLAN tags, truncated or malformed IP
 * headers) comes out as it went in.
 *
 * Each test loads its own copy of the program, so its counters start at 0.
 * Without BPF (not root, no bpf(2), no tc programs) the program is skipped.
 */

#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kselftest_harness.h"
#include "tern_prio.h"
#include "tern_prio.skel.h"

#define PKT_MAX		256
#define ETH_P_8021AD_	0x88a8
#define IP_MF_		0x2000
#define IPPROTO_FRAG6	44
#define ECN_CE		0x03

/* Only the benchmarking range and ULA addresses, even in crafted frames. */
static const __u8 ip4_src[4] = { 198, 18, 0, 1 };
static const __u8 ip4_dst[4] = { 198, 18, 0, 2 };
static const __u8 ip6_src[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0,
				  0, 0, 0, 0, 0, 0, 0, 1 };
static const __u8 ip6_dst[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0,
				  0, 0, 0, 0, 0, 0, 0, 2 };
static const __u8 payload[] = "tern push frame";

/* A crafted frame, and where its headers are. */
struct pkt {
	__u8 b[PKT_MAX];
	unsigned int len;
	int family;		/* 4, 6, or 0: neither */
	unsigned int l3;	/* offset of the IP header */
	unsigned int l3len;	/* its length, IPv4 options included */
	int l4proto;		/* a checksum to verify: TCP, UDP, or 0 */
	unsigned int l4;	/* offset of that header */
};

/* --- checksums (RFC 1071) --- */

static __u32 sum16(__u32 sum, const __u8 *p, unsigned int len)
{
	unsigned int i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (__u32)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (__u32)p[len - 1] << 8;
	return sum;
}

static __u16 fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

static void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v;
}

/* The TCP/UDP pseudo-header sum of @p's L4 segment. */
static __u32 pseudo_sum(const struct pkt *p)
{
	unsigned int l4len = p->len - p->l4;
	__u32 sum;

	if (p->family == 4) {
		sum = sum16(0, p->b + p->l3 + 12, 8);	/* saddr, daddr */
	} else {
		sum = sum16(0, p->b + p->l3 + 8, 32);
		sum += l4len >> 16;
	}
	return sum + (l4len & 0xffff) + p->l4proto;
}

static bool ip4_csum_ok(const struct pkt *p, const __u8 *b)
{
	return fold(sum16(0, b + p->l3, p->l3len)) == 0xffff;
}

static bool l4_csum_ok(const struct pkt *p, const __u8 *b)
{
	return fold(sum16(pseudo_sum(p), b + p->l4, p->len - p->l4)) == 0xffff;
}

/* --- frames --- */

static unsigned int put_eth(__u8 *b, __u16 proto)
{
	static const __u8 macs[12] = { 0x02, 0, 0, 0, 0, 0x02,
				       0x02, 0, 0, 0, 0, 0x01 };

	memcpy(b, macs, sizeof(macs));
	put16(b + 12, proto);
	return ETH_HLEN;
}

/* A TCP or UDP header at p->b + off, then the payload; returns the end. */
static unsigned int put_l4(struct pkt *p, unsigned int off, int proto)
{
	__u8 *h = p->b + off;
	unsigned int hlen = proto == IPPROTO_TCP ? 20 : 8;

	memset(h, 0, hlen);
	put16(h, 40000);			/* source port */
	put16(h + 2, 5222);			/* destination port */
	if (proto == IPPROTO_TCP) {
		put16(h + 4, 0x1234);		/* sequence number */
		put16(h + 10, 0x5678);		/* acknowledgment number */
		h[12] = 5 << 4;			/* data offset */
		h[13] = 0x18;			/* PSH, ACK */
		put16(h + 14, 502);		/* window */
	} else {
		put16(h + 4, hlen + sizeof(payload));
	}
	memcpy(h + hlen, payload, sizeof(payload));
	p->l4 = off;
	p->l4proto = proto;
	return off + hlen + sizeof(payload);
}

static void put_l4_csum(struct pkt *p)
{
	unsigned int at = p->l4 + (p->l4proto == IPPROTO_TCP ? 16 : 6);
	__u16 c;

	put16(p->b + at, 0);
	c = ~fold(sum16(pseudo_sum(p), p->b + p->l4, p->len - p->l4));
	if (p->l4proto == IPPROTO_UDP && c == 0)
		c = 0xffff;
	put16(p->b + at, c);
}

/*
 * IPv4 over Ethernet: @tos, @opt_words 4-byte words of options (NOPs and
 * an end of list), @frag the flags and offset field. A fragment at an offset
 * carries payload only; a first fragment its TCP/UDP header, whose checksum
 * then covers bytes not here, so the test does not check it.
 */
static void pkt_ip4(struct pkt *p, __u8 tos, int proto, unsigned int opt_words,
		    __u16 frag)
{
	unsigned int ihl = 5 + opt_words;
	__u8 *h;

	memset(p, 0, sizeof(*p));
	p->family = 4;
	p->l3 = put_eth(p->b, ETH_P_IP);
	p->l3len = ihl * 4;
	h = p->b + p->l3;
	h[0] = 4 << 4 | ihl;
	h[1] = tos;
	put16(h + 4, 0x4242);			/* identification */
	put16(h + 6, frag);
	h[8] = 64;				/* TTL */
	h[9] = proto;
	memcpy(h + 12, ip4_src, 4);
	memcpy(h + 16, ip4_dst, 4);
	memset(h + 20, 1, opt_words * 4);	/* NOP ... */
	if (opt_words)
		h[ihl * 4 - 1] = 0;		/* ... end of options */
	if (frag & 0x1fff) {
		memcpy(h + p->l3len, payload, sizeof(payload));
		p->len = p->l3 + p->l3len + sizeof(payload);
	} else {
		p->len = put_l4(p, p->l3 + p->l3len, proto);
		if (!(frag & IP_MF_))
			put_l4_csum(p);
		else
			p->l4proto = 0;
	}
	put16(h + 2, p->len - p->l3);		/* total length */
	put16(h + 10, ~fold(sum16(0, h, p->l3len)));
}

/* IPv6 over Ethernet; @frag puts a fragment header (first fragment) in. */
static void pkt_ip6(struct pkt *p, __u8 tclass, __u32 flow, int proto,
		    bool frag)
{
	unsigned int l4 = ETH_HLEN + 40;
	__u8 *h;

	memset(p, 0, sizeof(*p));
	p->family = 6;
	p->l3 = put_eth(p->b, ETH_P_IPV6);
	p->l3len = 40;
	h = p->b + p->l3;
	h[0] = 6 << 4 | tclass >> 4;
	h[1] = (tclass & 0x0f) << 4 | (flow >> 16 & 0x0f);
	put16(h + 2, flow);
	h[6] = frag ? IPPROTO_FRAG6 : proto;
	h[7] = 64;				/* hop limit */
	memcpy(h + 8, ip6_src, 16);
	memcpy(h + 24, ip6_dst, 16);
	if (frag) {
		h[40] = proto;			/* next header */
		put16(h + 42, 1);		/* offset 0, more fragments */
		put16(h + 44, 0x4242);		/* identification */
		l4 += 8;
	}
	p->len = put_l4(p, l4, proto);
	if (frag)
		p->l4proto = 0;
	else
		put_l4_csum(p);
	put16(h + 4, p->len - p->l3 - 40);	/* payload length */
}

/* An ARP request for 198.18.0.2. */
static void pkt_arp(struct pkt *p)
{
	static const __u8 arp[8] = { 0, 1, 0x08, 0, 6, 4, 0, 1 };
	__u8 *h;

	memset(p, 0, sizeof(*p));
	p->l3 = put_eth(p->b, ETH_P_ARP);
	h = p->b + p->l3;
	memcpy(h, arp, sizeof(arp));
	memcpy(h + 8, p->b + 6, 6);		/* sender MAC */
	memcpy(h + 14, ip4_src, 4);
	memcpy(h + 24, ip4_dst, 4);
	p->len = p->l3 + 28;
}

/* IPv4/UDP behind an 802.1Q (or 802.1ad) tag. */
static void pkt_vlan(struct pkt *p, __u16 tpid)
{
	pkt_ip4(p, 0, IPPROTO_UDP, 0, 0);
	memmove(p->b + 16, p->b + 12, p->len - 12);
	put16(p->b + 12, tpid);
	put16(p->b + 14, 42);			/* VLAN 42 */
	p->len += 4;
	p->family = 0;
}

static __u8 ds_field(const struct pkt *p, const __u8 *b)
{
	const __u8 *h = b + p->l3;

	return p->family == 4 ? h[1] : (h[0] << 4 | h[1] >> 4);
}

/* --- the program --- */

FIXTURE(prio) {
	struct tern_prio_bpf *skel;
	int prog;
	int stats;
	struct tern_prio_cfg cfg;
	struct tern_prio_counter want[TERN_PRIO_NR_COUNTS];
};

static const char *const count_names[] = {
	[TERN_PRIO_PUSH] = "push",
	[TERN_PRIO_BULK] = "bulk",
	[TERN_PRIO_OTHER] = "other",
};

static void load(struct __test_metadata *_metadata,
		 FIXTURE_DATA(prio) *self, const struct tern_prio_cfg *cfg)
{
	int err;

	tern_prio_bpf__destroy(self->skel);
	memset(self->want, 0, sizeof(self->want));
	self->skel = tern_prio_bpf__open();
	ASSERT_NE(NULL, self->skel) TH_LOG("open: %s", strerror(errno));
	self->skel->rodata->tern_cfg = *cfg;
	self->cfg = *cfg;
	err = tern_prio_bpf__load(self->skel);
	ASSERT_EQ(0, err) TH_LOG("loading (the verifier?): %s", strerror(-err));
	self->prog = bpf_program__fd(self->skel->progs.tern_prio);
	self->stats = bpf_map__fd(self->skel->maps.tern_prio_stats);
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

FIXTURE_SETUP(prio)
{
	struct tern_prio_cfg def = TERN_PRIO_CFG_DEFAULT;

	self->skel = NULL;
	load(_metadata, self, &def);
}

FIXTURE_TEARDOWN(prio)
{
	tern_prio_bpf__destroy(self->skel);
}

/* The counters, summed over the CPUs, are what the runs so far add up to. */
static void check_counts(struct __test_metadata *_metadata,
			 FIXTURE_DATA(prio) *self)
{
	int ncpus = libbpf_num_possible_cpus();
	struct tern_prio_counter v[ncpus > 0 ? ncpus : 1];
	__u32 key;
	int i;

	ASSERT_LT(0, ncpus);
	for (key = 0; key < TERN_PRIO_NR_COUNTS; key++) {
		struct tern_prio_counter sum = { 0 };

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

/* What goes in besides the frame, and what comes out. */
struct run {
	__u32 mark;
	__u32 priority;
	__u32 gso_segs;		/* 0: not GSO */
	__u32 wire_len;		/* 0: the frame's length */
	__u32 flags;
	__u8 out[PKT_MAX];
	struct __sk_buff ctx;
};

/* Runs the program once; returns what bpf_prog_test_run_opts() does. */
static int try_run(struct __test_metadata *_metadata,
		   FIXTURE_DATA(prio) *self, const struct pkt *p, struct run *r)
{
	struct __sk_buff in = {
		.mark = r->mark,
		.priority = r->priority,
		.gso_segs = r->gso_segs,
		.wire_len = r->wire_len,
	};
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = p->b,
		.data_size_in = p->len,
		.data_out = r->out,
		.data_size_out = sizeof(r->out),
		.ctx_in = &in,
		.ctx_size_in = sizeof(in),
		.ctx_out = &r->ctx,
		.ctx_size_out = sizeof(r->ctx),
		.flags = r->flags,
	);
	int ret;

	memset(r->out, 0, sizeof(r->out));
	memset(&r->ctx, 0, sizeof(r->ctx));
	ret = bpf_prog_test_run_opts(self->prog, &o);
	if (ret)
		return ret;
	EXPECT_EQ((__u32)TC_ACT_UNSPEC, o.retval);
	EXPECT_EQ(p->len, o.data_size_out);
	EXPECT_EQ(r->mark, r->ctx.mark);
	return 0;
}

/* Runs the program once, which must succeed and count in @idx. */
static void run(struct __test_metadata *_metadata, FIXTURE_DATA(prio) *self,
		const struct pkt *p, struct run *r, enum tern_prio_count idx)
{
	int ret = try_run(_metadata, self, p, r);

	ASSERT_EQ(0, ret) TH_LOG("BPF_PROG_TEST_RUN: %s", strerror(-ret));
	self->want[idx].packets += r->gso_segs ? r->gso_segs : 1;
	self->want[idx].bytes += r->wire_len ? r->wire_len : p->len;
	check_counts(_metadata, self);
}

/* @p with @mark and @priority is push: the push priority, DSCP @dscp. */
static void expect_push_dscp(struct __test_metadata *_metadata,
			     FIXTURE_DATA(prio) *self, const struct pkt *p,
			     __u32 mark, __u32 priority, __u8 dscp)
{
	struct run r = { .mark = mark, .priority = priority };
	__u8 in_ds = ds_field(p, p->b);
	__u8 want_ds = dscp << 2 | (in_ds & ECN_CE);
	unsigned int i;

	if (p->family == 4)
		ASSERT_TRUE(ip4_csum_ok(p, p->b));
	if (p->l4proto)
		ASSERT_TRUE(l4_csum_ok(p, p->b));

	run(_metadata, self, p, &r, TERN_PRIO_PUSH);
	EXPECT_EQ(self->cfg.push_priority, r.ctx.priority);
	EXPECT_EQ(want_ds, ds_field(p, r.out))
		TH_LOG("DS field 0x%02x became 0x%02x, not 0x%02x",
		       in_ds, ds_field(p, r.out), want_ds);
	if (p->family == 4) {
		EXPECT_TRUE(ip4_csum_ok(p, r.out))
			TH_LOG("IPv4 header checksum wrong after the rewrite");
	} else {
		/* Version, and the flow label's top 4 bits in byte 1. */
		EXPECT_EQ(p->b[p->l3] & 0xf0, r.out[p->l3] & 0xf0);
		EXPECT_EQ(p->b[p->l3 + 1] & 0x0f, r.out[p->l3 + 1] & 0x0f);
	}
	if (p->l4proto)
		EXPECT_TRUE(l4_csum_ok(p, r.out))
			TH_LOG("TCP/UDP checksum wrong after the rewrite");

	/* Nothing else changed. */
	for (i = 0; i < p->len; i++) {
		bool ds = p->family == 4 ?
			i == p->l3 + 1 || i == p->l3 + 10 || i == p->l3 + 11 :
			i == p->l3 || i == p->l3 + 1;

		if (!ds)
			ASSERT_EQ(p->b[i], r.out[i]) TH_LOG("byte %u", i);
	}
}

static void expect_push(struct __test_metadata *_metadata,
			FIXTURE_DATA(prio) *self, const struct pkt *p,
			__u32 mark, __u32 priority)
{
	expect_push_dscp(_metadata, self, p, mark, priority,
			 self->cfg.push_dscp);
}

/* @p comes out as it went in, counted in @idx (bulk or other). */
static void expect_alone(struct __test_metadata *_metadata,
			 FIXTURE_DATA(prio) *self, const struct pkt *p,
			 __u32 mark, __u32 priority, enum tern_prio_count idx)
{
	struct run r = { .mark = mark, .priority = priority };

	run(_metadata, self, p, &r, idx);
	EXPECT_EQ(priority, r.ctx.priority);
	EXPECT_EQ(0, memcmp(p->b, r.out, p->len)) TH_LOG("frame changed");
}

#define PUSH_MARK	TERN_PRIO_DEF_MARK
#define PUSH_PRIO	TERN_PRIO_DEF_MATCH_PRIORITY

/* --- tests --- */

/* The layout userspace (ternctl prio show) relies on, and the defaults. */
TEST_F(prio, layout)
{
	struct tern_prio_cfg def = TERN_PRIO_CFG_DEFAULT;
	struct bpf_map *m = self->skel->maps.tern_prio_stats;

	EXPECT_EQ(BPF_PROG_TYPE_SCHED_CLS,
		  bpf_program__type(self->skel->progs.tern_prio));
	EXPECT_EQ(BPF_MAP_TYPE_PERCPU_ARRAY, bpf_map__type(m));
	EXPECT_EQ(TERN_PRIO_NR_COUNTS, bpf_map__max_entries(m));
	EXPECT_EQ(sizeof(__u32), bpf_map__key_size(m));
	EXPECT_EQ(sizeof(struct tern_prio_counter), bpf_map__value_size(m));
	EXPECT_EQ(0, memcmp(&def, &self->cfg, sizeof(def)));
	EXPECT_EQ(40, TERN_PRIO_DEF_DSCP);	/* CS5 */
	check_counts(_metadata, self);
}

TEST_F(prio, ip4_tcp_by_mark)
{
	struct pkt p;

	pkt_ip4(&p, 0, IPPROTO_TCP, 0, 0);
	expect_push(_metadata, self, &p, PUSH_MARK, 0);
	/* The mark's other bits do not matter (here: wg-quick's 0xca6c). */
	expect_push(_metadata, self, &p, PUSH_MARK | 0xca6c, 0);
	expect_push(_metadata, self, &p, 0xffffffff, 3);
}

TEST_F(prio, ip4_udp_by_priority)
{
	struct pkt p;

	pkt_ip4(&p, 0, IPPROTO_UDP, 0, 0);
	expect_push(_metadata, self, &p, 0, PUSH_PRIO);
	expect_push(_metadata, self, &p, 0xca6c, PUSH_PRIO);
}

TEST_F(prio, ip6_tcp_by_mark)
{
	struct pkt p;

	pkt_ip6(&p, 0, 0xabcde, IPPROTO_TCP, false);
	expect_push(_metadata, self, &p, PUSH_MARK, 0);
	pkt_ip6(&p, 0xff, 0xfffff, IPPROTO_TCP, false);
	expect_push(_metadata, self, &p, PUSH_MARK, 0);
}

TEST_F(prio, ip6_udp_by_priority)
{
	struct pkt p;

	pkt_ip6(&p, 0, 0x12345, IPPROTO_UDP, false);
	expect_push(_metadata, self, &p, 0, PUSH_PRIO);
}

/* Neither the mark nor the priority says push: bulk, left alone. */
TEST_F(prio, bulk_left_alone)
{
	static const __u32 marks[] = { 0, PUSH_MARK - 1, 0xca6c, 0xffffefff };
	static const __u32 prios[] = { 0, 1, 5, 7, 256 + 6, 0x60000 | PUSH_PRIO,
				       TERN_PRIO_DEF_PUSH_PRIORITY };
	static const int protos[] = { IPPROTO_TCP, IPPROTO_UDP };
	unsigned int i, j, k;
	struct pkt p;

	for (k = 0; k < 2; k++) {
		for (i = 0; i < ARRAY_SIZE(marks); i++) {
			for (j = 0; j < ARRAY_SIZE(prios); j++) {
				pkt_ip4(&p, 0x28, protos[k], 0, 0);
				expect_alone(_metadata, self, &p, marks[i],
					     prios[j], TERN_PRIO_BULK);
				pkt_ip6(&p, 0x29, 7, protos[k], false);
				expect_alone(_metadata, self, &p, marks[i],
					     prios[j], TERN_PRIO_BULK);
			}
		}
	}
}

/* All four ECN values survive, whatever DSCP the packet had (CS5: none). */
TEST_F(prio, ecn_preserved)
{
	static const __u8 dscps[] = { 0, 10, 40, 46, 63 };
	unsigned int d, ecn;
	struct pkt p;

	for (d = 0; d < sizeof(dscps); d++) {
		for (ecn = 0; ecn < 4; ecn++) {
			pkt_ip4(&p, dscps[d] << 2 | ecn, IPPROTO_TCP, 0, 0);
			expect_push(_metadata, self, &p, PUSH_MARK, 0);
			pkt_ip4(&p, dscps[d] << 2 | ecn, IPPROTO_UDP, 0, 0);
			expect_push(_metadata, self, &p, 0, PUSH_PRIO);
			pkt_ip6(&p, dscps[d] << 2 | ecn, 0xfffff, IPPROTO_TCP,
				false);
			expect_push(_metadata, self, &p, PUSH_MARK, 0);
			pkt_ip6(&p, dscps[d] << 2 | ecn, 0, IPPROTO_UDP, false);
			expect_push(_metadata, self, &p, 0, PUSH_PRIO);
		}
	}
}

/* A frame the program already rewrote goes through unchanged. */
TEST_F(prio, rewrite_idempotent)
{
	struct run r = { .mark = PUSH_MARK };
	struct pkt p, q;

	pkt_ip4(&p, ECN_CE, IPPROTO_TCP, 0, 0);
	run(_metadata, self, &p, &r, TERN_PRIO_PUSH);
	q = p;
	memcpy(q.b, r.out, q.len);
	expect_push(_metadata, self, &q, PUSH_MARK, 0);
	run(_metadata, self, &q, &r, TERN_PRIO_PUSH);
	EXPECT_EQ(0, memcmp(q.b, r.out, q.len));
}

/* Under a mask: bits outside it are ignored, in the packet and the config. */
TEST_F(prio, mark_mask)
{
	struct tern_prio_cfg cfg = TERN_PRIO_CFG_DEFAULT;
	struct pkt p;

	cfg.mark = 0x20;
	cfg.mark_mask = 0xf0;
	cfg.match_priority = 0;
	load(_metadata, self, &cfg);
	pkt_ip4(&p, 0, IPPROTO_TCP, 0, 0);
	expect_push(_metadata, self, &p, 0x20, 0);
	expect_push(_metadata, self, &p, 0x2f, 0);
	expect_push(_metadata, self, &p, 0xffff0f2f, PUSH_PRIO);
	expect_alone(_metadata, self, &p, 0x30, 0, TERN_PRIO_BULK);
	expect_alone(_metadata, self, &p, 0x0f, 0, TERN_PRIO_BULK);
	expect_alone(_metadata, self, &p, 0, PUSH_PRIO, TERN_PRIO_BULK);

	cfg.mark = 0x120;			/* 0x100 is outside the mask */
	load(_metadata, self, &cfg);
	expect_push(_metadata, self, &p, 0x20, 0);

	cfg.mark = 0xffffffff;			/* an exact match */
	cfg.mark_mask = 0xffffffff;
	load(_metadata, self, &cfg);
	expect_push(_metadata, self, &p, 0xffffffff, 0);
	expect_alone(_metadata, self, &p, 0xfffffffe, 0, TERN_PRIO_BULK);
}

/* A masked mark of 0 would match every unmarked packet: it means "off". */
TEST_F(prio, mark_off)
{
	struct tern_prio_cfg cfg = TERN_PRIO_CFG_DEFAULT;
	struct pkt p;

	pkt_ip6(&p, 0, 0, IPPROTO_UDP, false);
	cfg.mark_mask = 0;
	load(_metadata, self, &cfg);
	expect_alone(_metadata, self, &p, 0, 0, TERN_PRIO_BULK);
	expect_alone(_metadata, self, &p, PUSH_MARK, 0, TERN_PRIO_BULK);
	expect_push(_metadata, self, &p, PUSH_MARK, PUSH_PRIO);

	cfg.mark = 0x0f;
	cfg.mark_mask = 0xf0;
	load(_metadata, self, &cfg);
	expect_alone(_metadata, self, &p, 0, 0, TERN_PRIO_BULK);
	expect_alone(_metadata, self, &p, 0x0f, 0, TERN_PRIO_BULK);
}

/* The priority must match exactly; 0 turns the test off. */
TEST_F(prio, priority_match)
{
	struct tern_prio_cfg cfg = TERN_PRIO_CFG_DEFAULT;
	struct pkt p;

	pkt_ip4(&p, 0, IPPROTO_UDP, 0, 0);
	cfg.match_priority = 0x10005;
	load(_metadata, self, &cfg);
	expect_push(_metadata, self, &p, 0, 0x10005);
	expect_alone(_metadata, self, &p, 0, 5, TERN_PRIO_BULK);
	expect_alone(_metadata, self, &p, 0, 0x10004, TERN_PRIO_BULK);
	expect_alone(_metadata, self, &p, 0, 0x20005, TERN_PRIO_BULK);

	cfg.match_priority = 0;
	load(_metadata, self, &cfg);
	expect_alone(_metadata, self, &p, 0, 0, TERN_PRIO_BULK);
	expect_push(_metadata, self, &p, PUSH_MARK, 0);
}

/* The push class and DSCP are configurable; KEEP leaves the DS field. */
TEST_F(prio, push_class_and_dscp)
{
	struct tern_prio_cfg cfg = TERN_PRIO_CFG_DEFAULT;
	struct pkt p4, p6;

	pkt_ip4(&p4, 0x2b, IPPROTO_TCP, 0, 0);
	pkt_ip6(&p6, 0x2b, 0xfffff, IPPROTO_TCP, false);
	cfg.push_priority = 0x7e0002;
	cfg.push_dscp = TERN_PRIO_DSCP_EF;
	load(_metadata, self, &cfg);
	expect_push(_metadata, self, &p4, PUSH_MARK, 0);
	expect_push(_metadata, self, &p6, 0, PUSH_PRIO);

	cfg.push_dscp = TERN_PRIO_DSCP_CS0;
	load(_metadata, self, &cfg);
	expect_push(_metadata, self, &p4, PUSH_MARK, 0);
	expect_push(_metadata, self, &p6, 0, PUSH_PRIO);

	/* Out of range: only the low 6 bits, never the version or ECN. */
	cfg.push_dscp = 0x40 | TERN_PRIO_DSCP_CS5;
	load(_metadata, self, &cfg);
	expect_push_dscp(_metadata, self, &p4, PUSH_MARK, 0,
			 TERN_PRIO_DSCP_CS5);
	expect_push_dscp(_metadata, self, &p6, PUSH_MARK, 0,
			 TERN_PRIO_DSCP_CS5);

	cfg.push_dscp = TERN_PRIO_DSCP_KEEP;
	load(_metadata, self, &cfg);
	expect_push_dscp(_metadata, self, &p4, PUSH_MARK, 0, 0x2b >> 2);
	expect_push_dscp(_metadata, self, &p6, 0, PUSH_PRIO, 0x2b >> 2);
}

/* Options are covered by the header checksum, and left as they are. */
TEST_F(prio, ip4_options)
{
	struct pkt p;

	pkt_ip4(&p, 0x01, IPPROTO_TCP, 1, 0);
	expect_push(_metadata, self, &p, PUSH_MARK, 0);
	pkt_ip4(&p, 0x02, IPPROTO_UDP, 10, 0);	/* IHL 15: the most there is */
	expect_push(_metadata, self, &p, 0, PUSH_PRIO);
	expect_alone(_metadata, self, &p, 0, 0, TERN_PRIO_BULK);
}

/*
 * The mark and priority are the skb's, copied to every fragment, and the
 * DS field is in every fragment's header: fragments are classified and
 * rewritten like whole packets, without looking for an L4 header.
 */
TEST_F(prio, ip4_fragments)
{
	static const __u16 frags[] = {
		IP_MF_,			/* first */
		IP_MF_ | 185,		/* middle: offset 1480 bytes */
		370,			/* last */
		0x4000,			/* DF, not a fragment */
	};
	unsigned int i;
	struct pkt p;

	for (i = 0; i < ARRAY_SIZE(frags); i++) {
		pkt_ip4(&p, ECN_CE, IPPROTO_UDP, 0, frags[i]);
		expect_push(_metadata, self, &p, PUSH_MARK, 0);
		pkt_ip4(&p, 0x01, IPPROTO_TCP, 2, frags[i]);
		expect_push(_metadata, self, &p, 0, PUSH_PRIO);
		expect_alone(_metadata, self, &p, 0, 0, TERN_PRIO_BULK);
	}
}

TEST_F(prio, ip6_fragment)
{
	struct pkt p;

	pkt_ip6(&p, 0x02, 0xbeef, IPPROTO_UDP, true);
	expect_push(_metadata, self, &p, PUSH_MARK, 0);
	expect_alone(_metadata, self, &p, 0, 0, TERN_PRIO_BULK);
}

/*
 * A frame shorter than Ethernet, or with less than a fixed IP header after
 * it, the kernel refuses to test-run (-EINVAL) before the program sees it;
 * should a kernel run it, the program must leave it alone.
 */
static int short_frame(struct __test_metadata *_metadata,
		       FIXTURE_DATA(prio) *self, const struct pkt *full,
		       unsigned int len)
{
	struct pkt p = *full;
	struct run r = { .mark = PUSH_MARK, .priority = PUSH_PRIO };
	int ret;

	p.len = len;
	ret = try_run(_metadata, self, &p, &r);
	if (ret == -EINVAL) {
		check_counts(_metadata, self);
		return 1;
	}
	ASSERT_EQ(0, ret) TH_LOG("%u bytes: %s", len, strerror(-ret));
	self->want[TERN_PRIO_OTHER].packets++;
	self->want[TERN_PRIO_OTHER].bytes += len;
	check_counts(_metadata, self);
	EXPECT_EQ(PUSH_PRIO, r.ctx.priority);
	EXPECT_EQ(0, memcmp(p.b, r.out, len));
	return 0;
}

TEST_F(prio, truncated)
{
	unsigned int len, tried = 0, refused = 0;
	struct pkt p4, p6, p;

	pkt_ip4(&p4, 0, IPPROTO_TCP, 0, 0);
	pkt_ip6(&p6, 0, 0, IPPROTO_TCP, false);
	for (len = 0; len < ETH_HLEN + 20; len++, tried++)
		refused += short_frame(_metadata, self, &p4, len);
	for (len = ETH_HLEN; len < ETH_HLEN + 40; len++, tried++)
		refused += short_frame(_metadata, self, &p6, len);
	TH_LOG("short frames: the kernel refused %u of %u, the program left the rest alone",
	       refused, tried);

	/* The header length says options follow, but the frame ends. */
	pkt_ip4(&p, 0, IPPROTO_TCP, 0, 0);
	p.b[p.l3] = 4 << 4 | 6;
	p.len = p.l3 + 20;
	expect_alone(_metadata, self, &p, PUSH_MARK, PUSH_PRIO,
		     TERN_PRIO_OTHER);
	pkt_ip4(&p, 0, IPPROTO_UDP, 10, 0);
	p.l4proto = 0;				/* the UDP header is cut off */
	p.len = p.l3 + 59;
	expect_alone(_metadata, self, &p, PUSH_MARK, PUSH_PRIO,
		     TERN_PRIO_OTHER);
	p.len = p.l3 + 60;
	expect_push(_metadata, self, &p, PUSH_MARK, PUSH_PRIO);
}

TEST_F(prio, malformed_ip)
{
	struct pkt p;
	unsigned int ihl;

	for (ihl = 0; ihl < 5; ihl++) {
		pkt_ip4(&p, 0, IPPROTO_TCP, 0, 0);
		p.b[p.l3] = 4 << 4 | ihl;
		expect_alone(_metadata, self, &p, PUSH_MARK, 0,
			     TERN_PRIO_OTHER);
	}
	pkt_ip4(&p, 0, IPPROTO_TCP, 0, 0);
	p.b[p.l3] = 6 << 4 | 5;			/* version 6 in IPv4 */
	expect_alone(_metadata, self, &p, PUSH_MARK, 0, TERN_PRIO_OTHER);
	pkt_ip6(&p, 0, 0, IPPROTO_TCP, false);
	p.b[p.l3] = 4 << 4;			/* version 4 in IPv6 */
	expect_alone(_metadata, self, &p, PUSH_MARK, 0, TERN_PRIO_OTHER);
}

TEST_F(prio, not_ip)
{
	struct pkt p;

	pkt_arp(&p);
	expect_alone(_metadata, self, &p, PUSH_MARK, PUSH_PRIO,
		     TERN_PRIO_OTHER);
	expect_alone(_metadata, self, &p, 0, 0, TERN_PRIO_OTHER);
}

/* VLAN tags in the frame are not looked behind (see Documentation/prio.rst). */
TEST_F(prio, vlan_left_alone)
{
	struct pkt p;

	pkt_vlan(&p, ETH_P_8021Q);
	expect_alone(_metadata, self, &p, PUSH_MARK, PUSH_PRIO,
		     TERN_PRIO_OTHER);
	pkt_vlan(&p, ETH_P_8021AD_);
	expect_alone(_metadata, self, &p, PUSH_MARK, 0, TERN_PRIO_OTHER);
}

/* A GSO packet counts its segments, and the bytes the qdisc counts. */
TEST_F(prio, gso_counted)
{
	struct run r = { .mark = PUSH_MARK, .gso_segs = 4 };
	struct pkt p;

	pkt_ip4(&p, 0, IPPROTO_TCP, 0, 0);
	r.wire_len = p.len + 3 * (ETH_HLEN + 40);
	run(_metadata, self, &p, &r, TERN_PRIO_PUSH);
	EXPECT_EQ(TERN_PRIO_DEF_PUSH_PRIORITY, r.ctx.priority);

	r.mark = 0;
	r.gso_segs = 1;
	run(_metadata, self, &p, &r, TERN_PRIO_BULK);

	pkt_ip6(&p, 0, 0, IPPROTO_TCP, false);
	r.mark = PUSH_MARK;
	r.gso_segs = 44;
	r.wire_len = p.len + 43 * (ETH_HLEN + 60);
	run(_metadata, self, &p, &r, TERN_PRIO_PUSH);
}

/*
 * A forwarded packet may carry a CHECKSUM_COMPLETE skb->csum: the rewrite
 * keeps it right (the kernel's test run checks it after the program).
 */
TEST_F(prio, checksum_complete)
{
	struct run r = { .flags = BPF_F_TEST_SKB_CHECKSUM_COMPLETE };
	struct pkt p;
	int ret;

	pkt_ip4(&p, ECN_CE, IPPROTO_TCP, 0, 0);
	ret = try_run(_metadata, self, &p, &r);
	if (ret == -EINVAL)
		SKIP(return, "kernel has no BPF_F_TEST_SKB_CHECKSUM_COMPLETE");
	ASSERT_EQ(0, ret);
	self->want[TERN_PRIO_BULK].packets++;
	self->want[TERN_PRIO_BULK].bytes += p.len;

	r.mark = PUSH_MARK;
	run(_metadata, self, &p, &r, TERN_PRIO_PUSH);
	pkt_ip6(&p, 0x01, 0xfffff, IPPROTO_UDP, false);
	run(_metadata, self, &p, &r, TERN_PRIO_PUSH);
	EXPECT_EQ(TERN_PRIO_DEF_DSCP << 2 | 0x01, ds_field(&p, r.out));
}

/* Without BPF the whole program is skipped, and says why. */
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
