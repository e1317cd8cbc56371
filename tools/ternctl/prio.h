/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ternctl prio: what its files share (Documentation/prio.rst, "Loader").
 *
 *   prio.c      the commands: options, the order of the steps, unwinding
 *   prio_rate.c rates: parsing, printing, the GSO bound they give
 *   prio_dev.c  the device: link type, Wi-Fi or not, gso_max_segs
 *   prio_tc.c   the qdisc tree (libnl-route): HTB, leaves, DSCP filters,
 *               what else is on the device
 *   prio_bpf.c  the program (libbpf): load, pin, attach on clsact egress,
 *               the loader's state and the counters
 *
 * Helpers print their own error (ternctl_error) and return a negative
 * value; the commands decide what to undo.
 */
#ifndef TERNCTL_PRIO_H
#define TERNCTL_PRIO_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern_prio.h"

/*
 * One number names everything ternctl installs: the HTB root's handle
 * (7e2e:), and the handle and priority ("pref") of the filter on clsact
 * egress. A priority below the 49152 tc gives filters added without one
 * runs first; the program returns TC_ACT_UNSPEC, so the filters after it
 * still run.
 */
#define PRIO_TC_ID		0x7e2e
#define PRIO_HTB_HANDLE		((uint32_t)PRIO_TC_ID << 16)
#define PRIO_CLASS_ROOT		(PRIO_HTB_HANDLE | 0x1)
#define PRIO_CLASS_PUSH		(PRIO_HTB_HANDLE | 0x10)
#define PRIO_CLASS_BULK		(PRIO_HTB_HANDLE | 0x20)
#define PRIO_LEAF_PUSH		((uint32_t)0x10 << 16)	/* 10: */
#define PRIO_LEAF_BULK		((uint32_t)0x20 << 16)	/* 20: */
#define PRIO_FILTER_HANDLE	PRIO_TC_ID
#define PRIO_FILTER_PREF	PRIO_TC_ID
/* The DSCP filters on the HTB root (Wi-Fi), before anything else. */
#define PRIO_DSCP_PREF		1

/* Rates, in bit/s. */
#define PRIO_RATE_MIN		8000ULL			/* 8kbit */
#define PRIO_RATE_MAX		1000000000000ULL	/* 1tbit */
/* The push class is guaranteed RATE / PRIO_PUSH_SHARE; bulk the rest. */
#define PRIO_PUSH_SHARE		4
/* A bulk GSO packet may take at most this long at RATE (or one segment). */
#define PRIO_GSO_BUDGET_US	1000

/* Where the pins live: PRIO_PIN_ROOT/prio-<netns inode>-<ifindex>/. */
#define PRIO_BPFFS		"/sys/fs/bpf"
#define PRIO_PIN_ROOT		PRIO_BPFFS "/tern"
#define PRIO_PIN_PROG		"prog"
#define PRIO_PIN_STATS		"stats"
#define PRIO_PIN_STATE		"state"

/* IFNAMSIZ: <net/if.h> and <linux/if.h> do not go together. */
#define PRIO_IFNAMSIZ		16

/* The device, as attach found it. */
struct prio_dev {
	char name[PRIO_IFNAMSIZ];
	int ifindex;
	unsigned int arptype;		/* ARPHRD_* */
	bool wireless;
	unsigned int mtu;
	uint32_t gso_max_segs;
	uint64_t netns;			/* inode of our network namespace */
};

/*
 * What ternctl installed and changed, and what it must restore: the one
 * value of the pinned array map PRIO_PIN_STATE (bpffs holds only BPF
 * objects, and the state must outlive the command, as the pins do).
 */
struct prio_state {
	uint32_t magic;			/* PRIO_STATE_MAGIC */
	uint32_t ifindex;
	uint32_t flags;			/* PRIO_F_* */
	uint32_t gso_saved;		/* gso_max_segs before attach */
	uint32_t gso_set;		/* gso_max_segs ternctl set */
	uint32_t mark;			/* the program's configuration */
	uint32_t mark_mask;
	uint32_t match_priority;
	uint64_t rate;			/* bit/s */
};

#define PRIO_STATE_MAGIC	0x7e2e0001	/* changes with the layout */
#define PRIO_F_CLSACT_OURS	0x1	/* ternctl created the clsact qdisc */
#define PRIO_F_DSCP_FILTER	0x2	/* DSCP filters on the HTB root */
#define PRIO_F_FQ_CODEL		0x4	/* the leaves are fq_codel */

/* prio_rate.c */
const char *prio_parse_rate(const char *s, uint64_t *bps);
void prio_fmt_rate(char *buf, size_t size, uint64_t bps);
uint32_t prio_gso_segs_for(uint64_t rate, unsigned int mtu, uint32_t max);

/* prio_dev.c */
struct nl_sock;
struct nl_sock *prio_nl_open(void);
void prio_nl_close(struct nl_sock *sk);
int prio_dev_get(struct nl_sock *sk, const char *name, struct prio_dev *dev);
int prio_dev_gso_max_segs(struct nl_sock *sk, int ifindex, uint32_t *segs);
int prio_dev_set_gso_max_segs(struct nl_sock *sk, const struct prio_dev *dev,
			      uint32_t segs);
const char *prio_arptype_name(unsigned int arptype);

/* prio_tc.c */
struct prio_qdiscs {
	char root_kind[16];		/* "" when the device has none */
	uint32_t root_handle;		/* 0: a default qdisc */
	char ingress_kind[16];		/* "clsact", "ingress" or "" */
};

int prio_tc_inspect(struct nl_sock *sk, int ifindex, struct prio_qdiscs *q);
bool prio_tc_root_ours(const struct prio_qdiscs *q);
int prio_tc_install(struct nl_sock *sk, const struct prio_dev *dev,
		    uint64_t rate, bool dscp_filter, bool *fq_codel);
int prio_tc_set_rate(struct nl_sock *sk, const struct prio_dev *dev,
		     uint64_t rate);
int prio_tc_set_dscp_filter(struct nl_sock *sk, const struct prio_dev *dev,
			    bool on);
int prio_tc_remove(struct nl_sock *sk, const struct prio_dev *dev);
int prio_tc_clsact_filters(struct nl_sock *sk, int ifindex, int *n,
			   char *buf, size_t size);
const char *prio_tc_handle(char *buf, size_t size, uint32_t handle);

/* prio_bpf.c */
struct prio_cfg {
	uint32_t mark, mark_mask, match_priority;
};

struct prio_prog;
int prio_bpffs_check(void);
void prio_pin_dir(char *buf, size_t size, const struct prio_dev *dev);
/* 0 and *st filled, 1: no state (not attached), <0: error (printed). */
int prio_state_read(const char *dir, struct prio_state *st);
int prio_state_write(const char *dir, const struct prio_state *st);
/* Is the program pinned in @dir the one on @ifindex's egress? */
int prio_filter_ours(const char *dir, int ifindex, bool *ours,
		     bool *slot_taken);
int prio_prog_load(const struct prio_cfg *cfg, const char *reuse_dir,
		   struct prio_prog **pp);
void prio_prog_free(struct prio_prog *p);
int prio_prog_pin(struct prio_prog *p, const char *dir, bool stats_too);
int prio_clsact_create(int ifindex, bool *created);
int prio_clsact_destroy(int ifindex);
int prio_filter_attach(struct prio_prog *p, int ifindex, bool replace);
int prio_filter_detach(int ifindex);
void prio_unpin(const char *dir);
int prio_counters(const char *dir,
		  struct tern_prio_counter out[TERN_PRIO_NR_COUNTS]);

#endif /* TERNCTL_PRIO_H */
