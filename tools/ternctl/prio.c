// SPDX-License-Identifier: GPL-2.0
/*
 * ternctl prio attach|detach|show: shape a device's uplink so that push
 * traffic goes first (Documentation/prio.rst, "Loader"). This file holds
 * the commands: their options, the order of the steps, what is undone
 * when one fails, and the output.
 */
#include <getopt.h>
#include <inttypes.h>
#include <linux/if_arp.h>
#include <netlink/netlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "json.h"
#include "prio.h"
#include "ternctl.h"

static int prio_attach(int argc, char **argv);
static int prio_detach(int argc, char **argv);
static int prio_show(int argc, char **argv);

static const struct ternctl_cmd prio_cmds[] = {
	{
		.name = "attach",
		.brief = "shape DEV below RATE, push traffic first",
		.synopsis = "DEV --rate RATE [OPTION...]",
		.summary = "Shape DEV's egress just below RATE with an HTB tree whose push class goes\nfirst, and attach the tern_prio program on clsact egress to put push\ntraffic in it. Again on an attached device: change the rate or the\nconfiguration; with the same ones, change nothing. A root qdisc that\nternctl did not install is never replaced: attach refuses.",
		.help =
		"Options:\n"
		"  --rate RATE          the rate to shape to, just below the link's: a number\n"
		"                       and bit, kbit, mbit, gbit or tbit (SI), e.g. 900kbit\n"
		"  --mark MARK[/MASK]   skb->mark of push traffic under MASK (default\n"
		"                       0x1000/0x1000; MASK defaults to 0xffffffff; 0: off)\n"
		"  --priority N         skb->priority (SO_PRIORITY) of push traffic\n"
		"                       (default 6; 0: off)\n"
		"  --dscp-filter        also classify the push DSCP at the root qdisc, as on\n"
		"                       Wi-Fi devices, where it is always on\n"
		"  -h, --help           show this help\n",
		.run = prio_attach,
	},
	{
		.name = "detach",
		.brief = "remove what attach installed",
		.synopsis = "DEV",
		.summary = "Remove the program, the qdisc tree and the pins attach added to DEV, and\nrestore its gso_max_segs. Filters and qdiscs others added stay.",
		.help =
		"Options:\n"
		"  -h, --help       show this help\n",
		.run = prio_detach,
	},
	{
		.name = "show",
		.brief = "show the state and the counters",
		.synopsis = "DEV [-j]",
		.summary = "Show whether DEV is shaped, its rate, and the packets and bytes the program\nclassified as push, bulk and other (not IP), summed over the CPUs.",
		.help =
		"Options:\n"
		"  -j, --json       print a JSON object with every field\n"
		"  -h, --help       show this help\n",
		.run = prio_show,
	},
	{ .name = NULL },
};

const struct ternctl_group ternctl_prio_group = {
	.name = "prio",
	.summary = "shape a device's uplink so push traffic goes first",
	.cmds = prio_cmds,
};

static const struct ternctl_cmd *prio_cmd(const char *name)
{
	const struct ternctl_cmd *c;

	for (c = prio_cmds; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static int dev_operand(int argc, char **argv, int first, const char **dev)
{
	if (first >= argc)
		return ternctl_usage(argv[0], "missing device DEV");
	if (first + 1 < argc)
		return ternctl_usage(argv[0], "unexpected argument '%s'",
				     argv[first + 1]);
	*dev = argv[first];
	return 0;
}

/* What every command does first: the device and where its pins are. */
struct prio_ctx {
	struct nl_sock *sk;
	struct prio_dev dev;
	char dir[PATH_MAX];
	struct prio_state st;
	int no_state;		/* prio_state_read(): 0 read, 1 none */
};

static int ctx_open(struct prio_ctx *c, const char *name)
{
	memset(c, 0, sizeof(*c));
	c->sk = prio_nl_open();
	if (!c->sk)
		return -1;
	if (prio_dev_get(c->sk, name, &c->dev) || prio_bpffs_check())
		return -1;
	prio_pin_dir(c->dir, sizeof(c->dir), &c->dev);
	c->no_state = prio_state_read(c->dir, &c->st);
	return c->no_state < 0 ? -1 : 0;
}

static void ctx_close(struct prio_ctx *c)
{
	if (c->sk)
		prio_nl_close(c->sk);
}

/* --- attach --- */

struct attach_opts {
	uint64_t rate;
	struct prio_cfg cfg;
	bool dscp_filter;
};

enum { OPT_RATE = 256, OPT_MARK, OPT_PRIORITY, OPT_DSCP_FILTER };

static int parse_mark(const char *prog, const char *s, struct prio_cfg *cfg)
{
	char buf[64], *slash;
	const char *w;
	uint64_t v, m = UINT32_MAX;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	w = ternctl_parse_u64(buf, UINT32_MAX, &v);
	if (!w && slash)
		w = ternctl_parse_u64(slash + 1, UINT32_MAX, &m);
	if (!w && strlen(s) >= sizeof(buf))
		w = "is too long";
	if (w)
		return ternctl_usage(prog,
				     "invalid value '%s' for --mark: it %s (expected MARK or MARK/MASK, whole numbers up to 0xffffffff)",
				     s, w);
	cfg->mark = v;
	cfg->mark_mask = m;
	return 0;
}

static int attach_opts(int argc, char **argv, struct attach_opts *o,
		       const char **dev)
{
	static const struct option opts[] = {
		{ "rate", required_argument, NULL, OPT_RATE },
		{ "mark", required_argument, NULL, OPT_MARK },
		{ "priority", required_argument, NULL, OPT_PRIORITY },
		{ "dscp-filter", no_argument, NULL, OPT_DSCP_FILTER },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *why, *rate = NULL;
	int c, status;

	memset(o, 0, sizeof(*o));
	o->cfg.mark = TERN_PRIO_DEF_MARK;
	o->cfg.mark_mask = TERN_PRIO_DEF_MARK_MASK;
	o->cfg.match_priority = TERN_PRIO_DEF_MATCH_PRIORITY;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_RATE:
			rate = optarg;
			break;
		case OPT_MARK:
			if (parse_mark(argv[0], optarg, &o->cfg))
				return EXIT_USAGE;
			break;
		case OPT_PRIORITY:
			status = ternctl_parse_u32_opt(argv[0], "--priority",
						       optarg,
						       &o->cfg.match_priority);
			if (status)
				return status;
			break;
		case OPT_DSCP_FILTER:
			o->dscp_filter = true;
			break;
		case 'h':
			ternctl_print_help(stdout, argv[0], prio_cmd("attach"));
			return -1;
		default:
			fprintf(stderr, "Try '%s --help'.\n", argv[0]);
			return EXIT_USAGE;
		}
	}
	status = dev_operand(argc, argv, optind, dev);
	if (status)
		return status;
	if (!rate)
		return ternctl_usage(argv[0], "missing --rate RATE");
	why = prio_parse_rate(rate, &o->rate);
	if (why)
		return ternctl_usage(argv[0], "invalid rate '%s': it %s", rate,
				     why);
	if (!(o->cfg.mark & o->cfg.mark_mask) && !o->cfg.match_priority)
		return ternctl_usage(argv[0],
				     "--mark and --priority are both off: nothing would be push traffic");
	return 0;
}

/* How far a fresh attach got, for undoing it. */
enum stage { S_NONE, S_TREE, S_GSO, S_CLSACT, S_PINNED, S_FILTER };

static void undo(struct prio_ctx *c, enum stage s, bool clsact_ours)
{
	char prefs[256];
	int n;

	if (s >= S_FILTER)
		prio_filter_detach(c->dev.ifindex);
	if (s >= S_PINNED)
		prio_unpin(c->dir);
	if (s >= S_CLSACT && clsact_ours &&
	    !prio_tc_clsact_filters(c->sk, c->dev.ifindex, &n, prefs,
				    sizeof(prefs)) && !n)
		prio_clsact_destroy(c->dev.ifindex);
	if (s >= S_GSO && c->st.gso_set != c->st.gso_saved)
		prio_dev_set_gso_max_segs(c->sk, &c->dev, c->st.gso_saved);
	if (s >= S_TREE)
		prio_tc_remove(c->sk, &c->dev);
}

static int attach_fresh(struct prio_ctx *c, const struct attach_opts *o,
			bool dscp)
{
	struct prio_prog *p = NULL;
	struct prio_qdiscs q;
	enum stage s = S_NONE;
	bool ours, taken, fq_codel, clsact_ours = false;
	char h[16], r[32];

	if (prio_tc_inspect(c->sk, c->dev.ifindex, &q))
		return -1;
	if (q.root_handle)
		return ternctl_error("%s has a root qdisc that ternctl did not install, %s %s: ternctl does not replace it (see 'tc qdisc show dev %s'; 'tc qdisc del dev %s root' removes it)",
				     c->dev.name, q.root_kind,
				     prio_tc_handle(h, sizeof(h), q.root_handle),
				     c->dev.name, c->dev.name), -1;
	if (!strcmp(q.ingress_kind, "ingress"))
		return ternctl_error("%s has an ingress qdisc, which holds the place clsact needs: ternctl does not replace it (move its filters to a clsact qdisc's ingress first)",
				     c->dev.name), -1;
	if (prio_filter_ours(c->dir, c->dev.ifindex, &ours, &taken))
		return -1;
	if (taken)
		return ternctl_error("%s: a filter that ternctl did not add holds its egress pref %u handle 0x%x",
				     c->dev.name, PRIO_FILTER_PREF,
				     PRIO_FILTER_HANDLE), -1;

	/* Everything that can fail without changing the device first. */
	if (prio_prog_load(&o->cfg, NULL, &p))
		return -1;
	c->st = (struct prio_state) {
		.magic = PRIO_STATE_MAGIC,
		.ifindex = c->dev.ifindex,
		.gso_saved = c->dev.gso_max_segs,
		.gso_set = c->dev.gso_max_segs,
		.mark = o->cfg.mark,
		.mark_mask = o->cfg.mark_mask,
		.match_priority = o->cfg.match_priority,
		.rate = o->rate,
	};
	if (prio_tc_install(c->sk, &c->dev, o->rate, dscp, &fq_codel))
		goto fail;
	s = S_TREE;
	if (c->dev.gso_max_segs) {
		c->st.gso_set = prio_gso_segs_for(o->rate, c->dev.mtu,
						  c->dev.gso_max_segs);
		if (c->st.gso_set != c->st.gso_saved &&
		    prio_dev_set_gso_max_segs(c->sk, &c->dev, c->st.gso_set))
			goto fail;
	}
	s = S_GSO;
	if (prio_clsact_create(c->dev.ifindex, &clsact_ours))
		goto fail;
	s = S_CLSACT;
	c->st.flags = (clsact_ours ? PRIO_F_CLSACT_OURS : 0) |
		      (dscp ? PRIO_F_DSCP_FILTER : 0) |
		      (fq_codel ? PRIO_F_FQ_CODEL : 0);
	/* No state, so nothing in the directory is in use: a crash's leftovers. */
	prio_unpin(c->dir);
	s = S_PINNED;
	if (prio_prog_pin(p, c->dir, true) || prio_state_write(c->dir, &c->st))
		goto fail;
	if (prio_filter_attach(p, c->dev.ifindex, false))
		goto fail;
	prio_prog_free(p);
	prio_fmt_rate(r, sizeof(r), o->rate);
	printf("%s: attached, rate %s, leaves %s%s\n", c->dev.name, r,
	       fq_codel ? "fq_codel" : "pfifo (the kernel has no fq_codel)",
	       dscp ? ", DSCP filter" : "");
	return 0;
fail:
	undo(c, s, clsact_ours);
	prio_prog_free(p);
	return -1;
}

/* Attached already: bring it to the options given. */
static int attach_update(struct prio_ctx *c, const struct attach_opts *o,
			 bool dscp)
{
	struct prio_state st = c->st;
	struct prio_prog *p = NULL;
	struct prio_qdiscs q;
	bool fq_codel, was_dscp = st.flags & PRIO_F_DSCP_FILTER;
	char r0[32], r1[32], h[16];
	uint32_t segs, cur = 0;
	int changes = 0;

	/* Refuse before changing anything, so a refusal leaves all as it was. */
	if (prio_tc_inspect(c->sk, c->dev.ifindex, &q))
		return -1;
	if (!prio_tc_root_ours(&q) && q.root_handle)
		return ternctl_error("%s: its root qdisc is now %s %s, not ternctl's: run 'ternctl prio detach %s' first",
				     c->dev.name, q.root_kind,
				     prio_tc_handle(h, sizeof(h), q.root_handle),
				     c->dev.name), -1;
	if (st.mark != o->cfg.mark || st.mark_mask != o->cfg.mark_mask ||
	    st.match_priority != o->cfg.match_priority) {
		/* A new copy, counters kept, replacing the filter in place. */
		if (prio_prog_load(&o->cfg, c->dir, &p) ||
		    prio_filter_attach(p, c->dev.ifindex, true) ||
		    prio_prog_pin(p, c->dir, false)) {
			prio_prog_free(p);
			return -1;
		}
		prio_prog_free(p);
		st.mark = o->cfg.mark;
		st.mark_mask = o->cfg.mark_mask;
		st.match_priority = o->cfg.match_priority;
		changes++;
	}
	if (!prio_tc_root_ours(&q)) {
		/* Someone deleted the tree: put it back. */
		if (prio_tc_install(c->sk, &c->dev, o->rate, dscp, &fq_codel))
			return -1;
		st.flags = (st.flags & ~(PRIO_F_FQ_CODEL | PRIO_F_DSCP_FILTER)) |
			   (fq_codel ? PRIO_F_FQ_CODEL : 0) |
			   (dscp ? PRIO_F_DSCP_FILTER : 0);
		changes++;
	} else {
		if (st.rate != o->rate &&
		    prio_tc_set_rate(c->sk, &c->dev, o->rate))
			return -1;
		if (was_dscp != dscp) {
			if (prio_tc_set_dscp_filter(c->sk, &c->dev, dscp))
				return -1;
			st.flags ^= PRIO_F_DSCP_FILTER;
			changes++;
		}
	}
	if (st.gso_saved && !prio_dev_gso_max_segs(c->sk, c->dev.ifindex,
						   &cur)) {
		segs = prio_gso_segs_for(o->rate, c->dev.mtu, st.gso_saved);
		if (cur != segs) {
			if (prio_dev_set_gso_max_segs(c->sk, &c->dev, segs))
				return -1;
			changes++;
		}
		st.gso_set = segs;
	}
	prio_fmt_rate(r0, sizeof(r0), st.rate);
	prio_fmt_rate(r1, sizeof(r1), o->rate);
	if (st.rate != o->rate)
		changes++;
	st.rate = o->rate;
	if (changes && prio_state_write(c->dir, &st))
		return -1;
	if (!changes)
		printf("%s: attached already, rate %s: unchanged\n",
		       c->dev.name, r1);
	else if (strcmp(r0, r1))
		printf("%s: attached, rate %s (was %s)\n", c->dev.name, r1, r0);
	else
		printf("%s: attached, rate %s, updated\n", c->dev.name, r1);
	return 0;
}

static int prio_attach(int argc, char **argv)
{
	struct attach_opts o;
	struct prio_ctx c;
	const char *name;
	bool ours, taken;
	int status;

	status = attach_opts(argc, argv, &o, &name);
	if (status)
		return status < 0 ? 0 : status;
	status = EXIT_RUNTIME;
	if (ctx_open(&c, name))
		goto out;
	if (c.dev.arptype != ARPHRD_ETHER) {
		ternctl_error("%s is not an Ethernet device (link type %s): the program reads an Ethernet header, and shaping belongs on the Ethernet or Wi-Fi device below",
			      c.dev.name, prio_arptype_name(c.dev.arptype));
		goto out;
	}
	if (!c.no_state) {
		if (prio_filter_ours(c.dir, c.dev.ifindex, &ours, &taken))
			goto out;
		if (!ours) {
			ternctl_error("%s: ternctl's state is in %s but its program is no longer on egress: run 'ternctl prio detach %s' first",
				      c.dev.name, c.dir, c.dev.name);
			goto out;
		}
		if (!attach_update(&c, &o, o.dscp_filter || c.dev.wireless))
			status = 0;
	} else if (!attach_fresh(&c, &o, o.dscp_filter || c.dev.wireless)) {
		status = 0;
	}
out:
	ctx_close(&c);
	return status;
}

/* --- detach --- */

static int prio_detach(int argc, char **argv)
{
	struct prio_qdiscs q;
	struct prio_ctx c;
	const char *name;
	bool ours, taken;
	char prefs[256];
	uint32_t cur;
	int first, status, n, failed = 0;

	first = ternctl_simple_opts(argc, argv, prio_cmd("detach"), NULL,
				    &status);
	if (first < 0)
		return status;
	status = dev_operand(argc, argv, first, &name);
	if (status)
		return status;
	status = EXIT_RUNTIME;
	if (ctx_open(&c, name))
		goto out;
	if (c.no_state) {
		printf("%s: not attached, nothing to detach\n", c.dev.name);
		status = 0;
		goto out;
	}
	if (prio_filter_ours(c.dir, c.dev.ifindex, &ours, &taken))
		goto out;
	if (ours)
		failed |= prio_filter_detach(c.dev.ifindex);
	else if (taken)
		fprintf(stderr, "ternctl: %s: the filter at egress pref %u is not ternctl's program any more: left alone\n",
			c.dev.name, PRIO_FILTER_PREF);
	if (!failed && (c.st.flags & PRIO_F_CLSACT_OURS)) {
		if (prio_tc_clsact_filters(c.sk, c.dev.ifindex, &n, prefs,
					   sizeof(prefs)))
			failed = 1;
		else if (n)
			fprintf(stderr, "ternctl: %s: the clsact qdisc stays: it holds filters ternctl did not add: %s\n",
				c.dev.name, prefs);
		else
			failed |= prio_clsact_destroy(c.dev.ifindex);
	}
	if (prio_tc_inspect(c.sk, c.dev.ifindex, &q))
		failed = 1;
	else if (prio_tc_root_ours(&q))
		failed |= prio_tc_remove(c.sk, &c.dev);
	if (c.st.gso_saved &&
	    !prio_dev_gso_max_segs(c.sk, c.dev.ifindex, &cur) &&
	    cur != c.st.gso_saved)
		failed |= prio_dev_set_gso_max_segs(c.sk, &c.dev,
						    c.st.gso_saved);
	if (failed)
		goto out;	/* the state stays, for another try */
	prio_unpin(c.dir);
	printf("%s: detached\n", c.dev.name);
	status = 0;
out:
	ctx_close(&c);
	return status;
}

/* --- show --- */

static const char *const count_names[TERN_PRIO_NR_COUNTS] = {
	[TERN_PRIO_PUSH] = "push",
	[TERN_PRIO_BULK] = "bulk",
	[TERN_PRIO_OTHER] = "other",
};

struct show {
	const char *state;		/* attached, degraded, detached */
	const char *problems[3];
	int nproblems;
	uint32_t gso_now;
	struct tern_prio_counter cnt[TERN_PRIO_NR_COUNTS];
};

static void show_json(const struct prio_ctx *c, const struct show *s)
{
	const struct prio_state *st = &c->st;
	char h[16];
	struct json j;
	int i;

	json_init(&j, stdout, true);
	json_obj_begin(&j);
	json_kv_str(&j, "dev", c->dev.name);
	json_kv_u64(&j, "ifindex", c->dev.ifindex);
	json_kv_str(&j, "state", s->state);
	json_kv_bool(&j, "wireless", c->dev.wireless);
	if (c->no_state) {
		json_obj_end(&j);
		return;
	}
	json_kv_u64(&j, "rate", st->rate);
	json_kv_u64(&j, "push-rate", st->rate / PRIO_PUSH_SHARE);
	json_kv_obj(&j, "qdisc");
	json_kv_str(&j, "kind", "htb");
	json_kv_str(&j, "handle", prio_tc_handle(h, sizeof(h), PRIO_HTB_HANDLE));
	json_kv_str(&j, "push-class",
		    prio_tc_handle(h, sizeof(h), PRIO_CLASS_PUSH));
	json_kv_str(&j, "bulk-class",
		    prio_tc_handle(h, sizeof(h), PRIO_CLASS_BULK));
	json_kv_str(&j, "leaf", st->flags & PRIO_F_FQ_CODEL ?
		    "fq_codel" : "pfifo");
	json_kv_bool(&j, "dscp-filter", st->flags & PRIO_F_DSCP_FILTER);
	json_obj_end(&j);
	json_kv_obj(&j, "filter");
	json_kv_u64(&j, "pref", PRIO_FILTER_PREF);
	json_kv_u64(&j, "handle", PRIO_FILTER_HANDLE);
	json_kv_bool(&j, "clsact-added", st->flags & PRIO_F_CLSACT_OURS);
	json_obj_end(&j);
	json_kv_obj(&j, "config");
	json_kv_u64(&j, "mark", st->mark);
	json_kv_u64(&j, "mark-mask", st->mark_mask);
	json_kv_u64(&j, "match-priority", st->match_priority);
	json_kv_str(&j, "push-priority",
		    prio_tc_handle(h, sizeof(h), PRIO_CLASS_PUSH));
	json_kv_u64(&j, "push-dscp", TERN_PRIO_DEF_DSCP);
	json_obj_end(&j);
	json_kv_obj(&j, "gso-max-segs");
	json_kv_u64(&j, "now", s->gso_now);
	json_kv_u64(&j, "set", st->gso_set);
	json_kv_u64(&j, "before", st->gso_saved);
	json_obj_end(&j);
	json_kv_str(&j, "pins", c->dir);
	json_kv_arr(&j, "problems");
	for (i = 0; i < s->nproblems; i++)
		json_str(&j, s->problems[i]);
	json_arr_end(&j);
	json_kv_obj(&j, "counters");
	for (i = 0; i < TERN_PRIO_NR_COUNTS; i++) {
		json_kv_obj(&j, count_names[i]);
		json_kv_u64(&j, "packets", s->cnt[i].packets);
		json_kv_u64(&j, "bytes", s->cnt[i].bytes);
		json_obj_end(&j);
	}
	json_obj_end(&j);
	json_obj_end(&j);
}

/* One row: DEV STATE RATE, then packets and bytes push, bulk, other. */
static void show_table(const struct prio_ctx *c, const struct show *s)
{
	static const char *const head[] = {
		"DEV", "STATE", "RATE", "PUSH-PKTS", "PUSH-BYTES",
		"BULK-PKTS", "BULK-BYTES", "OTHER-PKTS", "OTHER-BYTES",
	};
	char cells[9][32];
	size_t w, k;
	int i;

	snprintf(cells[0], sizeof(cells[0]), "%s", c->dev.name);
	snprintf(cells[1], sizeof(cells[1]), "%s", s->state);
	if (c->no_state)
		snprintf(cells[2], sizeof(cells[2]), "-");
	else
		prio_fmt_rate(cells[2], sizeof(cells[2]), c->st.rate);
	for (i = 0; i < TERN_PRIO_NR_COUNTS; i++) {
		if (c->no_state) {
			snprintf(cells[3 + 2 * i], 32, "-");
			snprintf(cells[4 + 2 * i], 32, "-");
			continue;
		}
		snprintf(cells[3 + 2 * i], 32, "%" PRIu64, (uint64_t)s->cnt[i].packets);
		snprintf(cells[4 + 2 * i], 32, "%" PRIu64, (uint64_t)s->cnt[i].bytes);
	}
	for (i = 0; i < 2; i++)
		for (k = 0; k < 9; k++) {
			const char *t = i ? cells[k] : head[k];

			w = strlen(head[k]);
			if (strlen(cells[k]) > w)
				w = strlen(cells[k]);
			if (k < 3)
				printf("%-*s", (int)w, t);
			else
				printf("%*s", (int)w, t);
			fputs(k == 8 ? "\n" : "  ", stdout);
		}
	for (i = 0; i < s->nproblems; i++)
		printf("# %s\n", s->problems[i]);
}

static int prio_show(int argc, char **argv)
{
	struct show s = { .state = "detached" };
	struct prio_qdiscs q;
	struct prio_ctx c;
	const char *name;
	bool json = false, ours, taken;
	int first, status;

	first = ternctl_simple_opts(argc, argv, prio_cmd("show"), &json,
				    &status);
	if (first < 0)
		return status;
	status = dev_operand(argc, argv, first, &name);
	if (status)
		return status;
	status = EXIT_RUNTIME;
	if (ctx_open(&c, name))
		goto out;
	if (!c.no_state) {
		if (prio_counters(c.dir, s.cnt) ||
		    prio_filter_ours(c.dir, c.dev.ifindex, &ours, &taken) ||
		    prio_tc_inspect(c.sk, c.dev.ifindex, &q))
			goto out;
		if (prio_dev_gso_max_segs(c.sk, c.dev.ifindex, &s.gso_now))
			s.gso_now = 0;
		if (!ours)
			s.problems[s.nproblems++] = "the program is not on egress";
		if (!prio_tc_root_ours(&q))
			s.problems[s.nproblems++] = "the root qdisc is not ternctl's htb";
		s.state = s.nproblems ? "degraded" : "attached";
	}
	if (json)
		show_json(&c, &s);
	else
		show_table(&c, &s);
	status = 0;
out:
	ctx_close(&c);
	return status;
}
