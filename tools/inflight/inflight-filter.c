// SPDX-License-Identifier: GPL-2.0
/*
 * tern-inflight-filter: the loader of bpf/tern_inflight.bpf.c, the
 * messaging-only plan of the in-flight link simulator. It runs in the
 * access point's network namespace (tools/inflight/inflight runs it
 * there):
 *
 *   tern-inflight-filter attach CABIN_DEV GROUND_DEV ENDPOINT...
 *   tern-inflight-filter show   CABIN_DEV GROUND_DEV
 *   tern-inflight-filter detach CABIN_DEV GROUND_DEV
 *
 * attach loads the programs through their skeleton, fills the allow list
 * with the ENDPOINTs (ADDR:PORT, [ADDR]:PORT) and attaches inflight_up on
 * CABIN_DEV's clsact ingress and inflight_down on GROUND_DEV's, at a
 * fixed handle and pref (again: replaced in place). Nothing is pinned:
 * the filters hold the programs and the programs their maps, so they live
 * as long as the devices. show finds the programs through the filters and
 * the maps through the programs, and prints the counters and the allow
 * list, one "key value" a line. detach removes the two filters. See
 * Documentation/inflight.rst.
 */
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "endpoint.h"
#include "tern_inflight.h"
#include "tern_inflight.skel.h"

/* The filters' handle and pref on clsact ingress ("7e2f"). */
#define FILTER_ID	0x7e2f
#define STATS_MAP	"inflight_stats"
#define ALLOW_MAP	"inflight_allow"

static const char *const dir_names[TERN_INFLIGHT_NR_DIRS] = { "up", "down" };
static const char *const verdict_names[TERN_INFLIGHT_NR_VERDICTS] = {
	"pass", "neigh", "drop",
};

static void error(const char *fmt, ...)
{
	va_list ap;

	fputs("tern-inflight-filter: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const char *why(int err)
{
	err = err < 0 ? -err : err;
	if (err == EPERM || err == EACCES)
		return "permission denied (run as root)";
	return strerror(err);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	const char *debug = getenv("INFLIGHT_DEBUG");

	if (!debug || !debug[0] || (level == LIBBPF_DEBUG && debug[0] != '2'))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int usage(void)
{
	fputs("usage: tern-inflight-filter attach CABIN_DEV GROUND_DEV ENDPOINT...\n"
	      "       tern-inflight-filter show|detach CABIN_DEV GROUND_DEV\n"
	      "ENDPOINT: ADDR:PORT or [ADDR]:PORT, TCP, at most 16\n",
	      stderr);
	return 2;
}

struct side {
	const char *name;
	int ifindex;
	struct bpf_tc_hook hook;
	struct bpf_tc_opts opts;
};

static int side_init(struct side *s, const char *name)
{
	s->name = name;
	s->ifindex = if_nametoindex(name);
	if (!s->ifindex) {
		error("no device '%s' in this network namespace", name);
		return -1;
	}
	memset(&s->hook, 0, sizeof(s->hook));
	s->hook.sz = sizeof(s->hook);
	s->hook.ifindex = s->ifindex;
	s->hook.attach_point = BPF_TC_INGRESS;
	memset(&s->opts, 0, sizeof(s->opts));
	s->opts.sz = sizeof(s->opts);
	s->opts.handle = FILTER_ID;
	s->opts.priority = FILTER_ID;
	return 0;
}

static int attach_one(struct side *s, struct bpf_program *prog)
{
	int err = bpf_tc_hook_create(&s->hook);

	if (err && err != -EEXIST) {
		error("adding a clsact qdisc to %s: %s", s->name, why(err));
		return -1;
	}
	s->opts.prog_fd = bpf_program__fd(prog);
	s->opts.flags = BPF_TC_F_REPLACE;
	err = bpf_tc_attach(&s->hook, &s->opts);
	if (err) {
		error("attaching %s on %s ingress: %s", bpf_program__name(prog),
		      s->name, why(err));
		return -1;
	}
	return 0;
}

/* Nothing there (no clsact, no filter) is not an error. */
static int detach_one(struct side *s)
{
	int err;

	s->opts.prog_fd = 0;
	s->opts.flags = 0;
	s->opts.prog_id = 0;
	err = bpf_tc_detach(&s->hook, &s->opts);
	if (err && err != -ENOENT && err != -EINVAL) {
		error("detaching from %s ingress: %s", s->name, why(err));
		return -1;
	}
	return 0;
}

static int cmd_attach(struct side sides[2], char **eps, int n)
{
	struct tern_inflight_bpf *skel;
	struct tern_inflight_key k;
	char buf[INFLIGHT_ENDPOINT_MAX];
	const char *bad;
	__u8 one = 1;
	int i, fd;

	if (n < 1 || n > TERN_INFLIGHT_MAX_ALLOW)
		return usage();
	for (i = 0; i < n; i++) {
		bad = inflight_endpoint_parse(eps[i], &k);
		if (bad) {
			error("endpoint '%s' %s", eps[i], bad);
			return 2;
		}
	}
	skel = tern_inflight_bpf__open_and_load();
	if (!skel) {
		error("loading the BPF programs: %s (INFLIGHT_DEBUG=1 shows libbpf's log)",
		      why(errno));
		return 1;
	}
	fd = bpf_map__fd(skel->maps.inflight_allow);
	for (i = 0; i < n; i++) {
		inflight_endpoint_parse(eps[i], &k);
		if (bpf_map_update_elem(fd, &k, &one, BPF_ANY)) {
			error("adding %s to the allow list: %s", eps[i],
			      why(errno));
			goto fail;
		}
	}
	if (attach_one(&sides[0], skel->progs.inflight_up))
		goto fail;
	if (attach_one(&sides[1], skel->progs.inflight_down)) {
		detach_one(&sides[0]);
		goto fail;
	}
	printf("messaging only: %s ingress (up) and %s ingress (down) pass TCP to and from",
	       sides[0].name, sides[1].name);
	for (i = 0; i < n; i++) {
		inflight_endpoint_parse(eps[i], &k);
		inflight_endpoint_format(&k, buf, sizeof(buf));
		printf(" %s", buf);
	}
	printf("\n");
	tern_inflight_bpf__destroy(skel);
	return 0;
fail:
	tern_inflight_bpf__destroy(skel);
	return 1;
}

static int cmd_detach(struct side sides[2])
{
	int i, rc = 0;

	for (i = 0; i < 2; i++)
		if (detach_one(&sides[i]))
			rc = 1;
	if (rc)
		return rc;
	printf("messaging only: off on %s and %s\n", sides[0].name,
	       sides[1].name);
	return 0;
}

/* The map of @prog_fd named @name, or -1. */
static int map_of(int prog_fd, const char *name)
{
	struct bpf_prog_info info = { 0 };
	__u32 ids[8], len = sizeof(info), i;

	info.nr_map_ids = sizeof(ids) / sizeof(ids[0]);
	info.map_ids = (__u64)(unsigned long)ids;
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return -1;
	for (i = 0; i < info.nr_map_ids && i < sizeof(ids) / sizeof(ids[0]);
	     i++) {
		struct bpf_map_info mi = { 0 };
		__u32 mlen = sizeof(mi);
		int fd = bpf_map_get_fd_by_id(ids[i]);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &mi, &mlen) &&
		    !strcmp(mi.name, name))
			return fd;
		close(fd);
	}
	errno = ENOENT;
	return -1;
}

static int show_counters(int fd, int dir)
{
	struct tern_inflight_counter *v, sum;
	int ncpus = libbpf_num_possible_cpus(), c;
	__u32 k, verdict;

	if (ncpus <= 0)
		return -1;
	v = calloc(ncpus, sizeof(*v));
	if (!v)
		return -1;
	for (verdict = 0; verdict < TERN_INFLIGHT_NR_VERDICTS; verdict++) {
		k = dir * TERN_INFLIGHT_NR_VERDICTS + verdict;
		if (bpf_map_lookup_elem(fd, &k, v)) {
			free(v);
			return -1;
		}
		memset(&sum, 0, sizeof(sum));
		for (c = 0; c < ncpus; c++) {
			sum.packets += v[c].packets;
			sum.bytes += v[c].bytes;
		}
		printf("%s.%s.packets %llu\n%s.%s.bytes %llu\n", dir_names[dir],
		       verdict_names[verdict], (unsigned long long)sum.packets,
		       dir_names[dir], verdict_names[verdict],
		       (unsigned long long)sum.bytes);
	}
	free(v);
	return 0;
}

static int show_allow(int fd)
{
	struct tern_inflight_key k, next, *prev = NULL;
	char buf[INFLIGHT_ENDPOINT_MAX];

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		inflight_endpoint_format(&next, buf, sizeof(buf));
		printf("allow %s\n", buf);
		k = next;
		prev = &k;
	}
	return errno == ENOENT ? 0 : -1;
}

static int cmd_show(struct side sides[2])
{
	int dir, err, prog = -1, stats, allow, attached = 0, rc = 0;

	for (dir = 0; dir < TERN_INFLIGHT_NR_DIRS; dir++) {
		struct side *s = &sides[dir];

		printf("%s.dev %s\n", dir_names[dir], s->name);
		err = bpf_tc_query(&s->hook, &s->opts);
		if (err == -ENOENT || err == -EINVAL) {
			printf("%s.attached no\n", dir_names[dir]);
			continue;
		}
		if (err) {
			error("reading %s's ingress filters: %s", s->name,
			      why(err));
			return 1;
		}
		printf("%s.attached yes\n%s.prog_id %u\n", dir_names[dir],
		       dir_names[dir], s->opts.prog_id);
		attached++;
		if (prog >= 0)
			close(prog);
		prog = bpf_prog_get_fd_by_id(s->opts.prog_id);
		stats = prog < 0 ? -1 : map_of(prog, STATS_MAP);
		if (stats < 0 || show_counters(stats, dir)) {
			error("reading the counters of program %u: %s",
			      s->opts.prog_id, why(errno));
			rc = 1;
		}
		if (stats >= 0)
			close(stats);
	}
	/* The two programs share their maps: the allow list once. */
	if (prog >= 0) {
		allow = map_of(prog, ALLOW_MAP);
		if (allow < 0 || show_allow(allow)) {
			error("reading the allow list: %s", why(errno));
			rc = 1;
		}
		if (allow >= 0)
			close(allow);
		close(prog);
	}
	printf("state %s\n", attached == 2 ? "attached" :
	       attached ? "partial" : "detached");
	return rc;
}

int main(int argc, char **argv)
{
	struct side sides[2];
	bool attach;

	if (argc < 4)
		return usage();
	attach = !strcmp(argv[1], "attach");
	if (!attach && (argc != 4 || (strcmp(argv[1], "show") &&
				      strcmp(argv[1], "detach"))))
		return usage();
	libbpf_set_print(libbpf_print);
	if (side_init(&sides[0], argv[2]) || side_init(&sides[1], argv[3]))
		return 1;
	if (attach)
		return cmd_attach(sides, argv + 4, argc - 4);
	if (!strcmp(argv[1], "show"))
		return cmd_show(sides);
	return cmd_detach(sides);
}
