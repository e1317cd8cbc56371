// SPDX-License-Identifier: GPL-2.0
/*
 * ternctl prio: the program, through libbpf and its skeleton. Loading with
 * the configuration in .rodata, pinning under PRIO_PIN_ROOT, attaching on
 * clsact egress at ternctl's own handle and priority (never flushing the
 * hook: other programs' filters stay), the loader's state map, and the
 * counters.
 *
 *   /sys/fs/bpf/tern/prio-<netns inode>-<ifindex>/
 *     prog    the program on the device's egress
 *     stats   its counters (tern_prio_stats, per CPU)
 *     state   struct prio_state: what detach must undo
 *
 * The network namespace is in the name because interface indexes repeat
 * from one namespace to the next, and bpffs may be shared between them.
 */
#include <errno.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "prio.h"
#include "tern_prio.skel.h"
#include "ternctl.h"

struct prio_prog {
	struct tern_prio_bpf *skel;
};

#define PERM_HINT	"permission denied (CAP_BPF, CAP_NET_ADMIN and CAP_SYS_ADMIN are needed: run as root)"

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	const char *debug = getenv("TERNCTL_DEBUG");

	if (!debug || !debug[0] || (level == LIBBPF_DEBUG && debug[0] != '2'))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static const char *why(int err)
{
	err = err < 0 ? -err : err;
	if (err == EPERM || err == EACCES)
		return PERM_HINT;
	return strerror(err);
}

static void path_in(char *buf, size_t size, const char *dir, const char *f)
{
	snprintf(buf, size, "%s/%s", dir, f);
}

int prio_bpffs_check(void)
{
	struct statfs sfs;

	libbpf_set_print(libbpf_print);
	if (statfs(PRIO_BPFFS, &sfs) || sfs.f_type != BPF_FS_MAGIC)
		return ternctl_error("%s is not a BPF file system, where ternctl keeps its pins: mount one (mount -t bpf bpf %s); 'ip netns exec' hides it behind a fresh /sys, 'nsenter --net=/run/netns/NAME' does not",
				     PRIO_BPFFS, PRIO_BPFFS), -1;
	return 0;
}

void prio_pin_dir(char *buf, size_t size, const struct prio_dev *dev)
{
	snprintf(buf, size, "%s/prio-%" PRIu64 "-%d", PRIO_PIN_ROOT,
		 dev->netns, dev->ifindex);
}

int prio_state_read(const char *dir, struct prio_state *st)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info), key = 0;
	char path[PATH_MAX];
	int fd, err;

	path_in(path, sizeof(path), dir, PRIO_PIN_STATE);
	fd = bpf_obj_get(path);
	/* No state there: not attached (pinning will say what is in the way). */
	if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
		return 1;
	if (fd < 0)
		return ternctl_error("reading %s: %s", path, why(errno)), -1;
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	if (!err && (info.value_size != sizeof(*st) || info.max_entries != 1))
		err = -EPROTO;
	if (!err)
		err = bpf_map_lookup_elem(fd, &key, st);
	close(fd);
	if (!err && st->magic != PRIO_STATE_MAGIC)
		err = -EPROTO;
	if (err == -EPROTO)
		return ternctl_error("%s was left by another version of ternctl: remove %s and the qdiscs by hand",
				     path, dir), -1;
	if (err)
		return ternctl_error("reading %s: %s", path, why(err)), -1;
	return 0;
}

static int mkdir_ok(const char *path)
{
	if (mkdir(path, 0700) && errno != EEXIST)
		return ternctl_error("creating %s: %s", path, why(errno)), -1;
	return 0;
}

int prio_state_write(const char *dir, const struct prio_state *st)
{
	char path[PATH_MAX];
	__u32 key = 0;
	int fd, err;

	path_in(path, sizeof(path), dir, PRIO_PIN_STATE);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		if (mkdir_ok(PRIO_PIN_ROOT) || mkdir_ok(dir))
			return -1;
		fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "tern_prio_state",
				    sizeof(key), sizeof(*st), 1, NULL);
		if (fd < 0)
			return ternctl_error("creating the state map: %s",
					     why(errno)), -1;
		if (bpf_obj_pin(fd, path)) {
			err = errno;
			close(fd);
			return ternctl_error("pinning %s: %s", path, why(err)),
			       -1;
		}
	}
	err = bpf_map_update_elem(fd, &key, st, BPF_ANY);
	if (err)
		err = errno;
	close(fd);
	if (err)
		return ternctl_error("writing %s: %s", path, why(err)), -1;
	return 0;
}

static int prog_id_of(int fd, __u32 *id)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	int err = bpf_obj_get_info_by_fd(fd, &info, &len);

	if (!err)
		*id = info.id;
	return err;
}

static void egress(struct bpf_tc_hook *hook, int ifindex)
{
	memset(hook, 0, sizeof(*hook));
	hook->sz = sizeof(*hook);
	hook->ifindex = ifindex;
	hook->attach_point = BPF_TC_EGRESS;
}

static void slot(struct bpf_tc_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->sz = sizeof(*opts);
	opts->handle = PRIO_FILTER_HANDLE;
	opts->priority = PRIO_FILTER_PREF;
}

int prio_filter_ours(const char *dir, int ifindex, bool *ours,
		     bool *slot_taken)
{
	struct bpf_tc_hook hook;
	struct bpf_tc_opts opts;
	char path[PATH_MAX];
	__u32 pinned = 0;
	int fd, err;

	*ours = *slot_taken = false;
	egress(&hook, ifindex);
	slot(&opts);
	err = bpf_tc_query(&hook, &opts);
	/* No clsact qdisc, or nothing at our slot. */
	if (err == -ENOENT || err == -EINVAL)
		return 0;
	if (err)
		return ternctl_error("reading the egress filters: %s",
				     why(err)), -1;
	*slot_taken = true;
	path_in(path, sizeof(path), dir, PRIO_PIN_PROG);
	fd = bpf_obj_get(path);
	if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
		return 0;
	if (fd < 0)
		return ternctl_error("reading %s: %s", path, why(errno)), -1;
	err = prog_id_of(fd, &pinned);
	close(fd);
	if (err)
		return ternctl_error("reading %s: %s", path, why(err)), -1;
	*ours = pinned == opts.prog_id;
	return 0;
}

int prio_prog_load(const struct prio_cfg *cfg, const char *reuse_dir,
		   struct prio_prog **pp)
{
	struct prio_prog *p = calloc(1, sizeof(*p));
	char path[PATH_MAX];
	int fd, err;

	if (!p)
		return ternctl_error("out of memory"), -1;
	p->skel = tern_prio_bpf__open();
	if (!p->skel) {
		err = errno;
		free(p);
		return ternctl_error("opening the BPF program: %s", why(err)),
		       -1;
	}
	p->skel->rodata->tern_cfg.mark = cfg->mark;
	p->skel->rodata->tern_cfg.mark_mask = cfg->mark_mask;
	p->skel->rodata->tern_cfg.match_priority = cfg->match_priority;
	p->skel->rodata->tern_cfg.push_priority = PRIO_CLASS_PUSH;
	p->skel->rodata->tern_cfg.push_dscp = TERN_PRIO_DEF_DSCP;
	if (reuse_dir) {
		/* A new configuration keeps the counters. */
		path_in(path, sizeof(path), reuse_dir, PRIO_PIN_STATS);
		fd = bpf_obj_get(path);
		if (fd < 0) {
			err = errno;
			prio_prog_free(p);
			return ternctl_error("reading %s: %s", path, why(err)),
			       -1;
		}
		err = bpf_map__reuse_fd(p->skel->maps.tern_prio_stats, fd);
		close(fd);
		if (err) {
			prio_prog_free(p);
			return ternctl_error("reusing %s: %s", path, why(err)),
			       -1;
		}
	}
	err = tern_prio_bpf__load(p->skel);
	if (err) {
		prio_prog_free(p);
		return ternctl_error("loading the BPF program: %s%s", why(err),
				     err == -EPERM || err == -EACCES ? "" :
				     " (TERNCTL_DEBUG=1 shows libbpf's log)"),
		       -1;
	}
	*pp = p;
	return 0;
}

void prio_prog_free(struct prio_prog *p)
{
	if (!p)
		return;
	tern_prio_bpf__destroy(p->skel);
	free(p);
}

/* The program, and with @stats_too its counters; the directory first. */
int prio_prog_pin(struct prio_prog *p, const char *dir, bool stats_too)
{
	char path[PATH_MAX];
	int err;

	if (mkdir_ok(PRIO_PIN_ROOT) || mkdir_ok(dir))
		return -1;
	if (stats_too) {
		path_in(path, sizeof(path), dir, PRIO_PIN_STATS);
		err = bpf_map__pin(p->skel->maps.tern_prio_stats, path);
		if (err)
			return ternctl_error("pinning %s: %s", path, why(err)),
			       -1;
	}
	path_in(path, sizeof(path), dir, PRIO_PIN_PROG);
	unlink(path);
	err = bpf_program__pin(p->skel->progs.tern_prio, path);
	if (err)
		return ternctl_error("pinning %s: %s", path, why(err)), -1;
	return 0;
}

int prio_clsact_create(int ifindex, bool *created)
{
	struct bpf_tc_hook hook;
	int err;

	egress(&hook, ifindex);
	err = bpf_tc_hook_create(&hook);
	*created = !err;
	if (err == -EEXIST)
		return 0;
	if (err == -ENOENT || err == -EOPNOTSUPP)
		return ternctl_error("adding the clsact qdisc: the kernel has no clsact (CONFIG_NET_SCH_INGRESS)"),
		       -1;
	if (err)
		return ternctl_error("adding the clsact qdisc: %s", why(err)),
		       -1;
	return 0;
}

/* Deletes the clsact qdisc: only when it is ours and has no filter left. */
int prio_clsact_destroy(int ifindex)
{
	struct bpf_tc_hook hook;
	int err;

	egress(&hook, ifindex);
	hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
	err = bpf_tc_hook_destroy(&hook);
	if (err && err != -ENOENT && err != -EINVAL)
		return ternctl_error("deleting the clsact qdisc: %s",
				     why(err)), -1;
	return 0;
}

int prio_filter_attach(struct prio_prog *p, int ifindex, bool replace)
{
	struct bpf_tc_hook hook;
	struct bpf_tc_opts opts;
	int err;

	egress(&hook, ifindex);
	slot(&opts);
	opts.prog_fd = bpf_program__fd(p->skel->progs.tern_prio);
	opts.flags = replace ? BPF_TC_F_REPLACE : 0;
	err = bpf_tc_attach(&hook, &opts);
	if (err == -ENOENT || err == -EOPNOTSUPP)
		return ternctl_error("attaching the program on egress: %s (the kernel has no bpf classifier, CONFIG_NET_CLS_BPF?)",
				     why(err)), -1;
	if (err)
		return ternctl_error("attaching the program on egress: %s",
				     why(err)), -1;
	return 0;
}

int prio_filter_detach(int ifindex)
{
	struct bpf_tc_hook hook;
	struct bpf_tc_opts opts;
	int err;

	egress(&hook, ifindex);
	slot(&opts);
	err = bpf_tc_detach(&hook, &opts);
	if (err && err != -ENOENT && err != -EINVAL)
		return ternctl_error("detaching the program from egress: %s",
				     why(err)), -1;
	return 0;
}

void prio_unpin(const char *dir)
{
	static const char *const files[] = {
		PRIO_PIN_PROG, PRIO_PIN_STATS, PRIO_PIN_STATE,
	};
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		path_in(path, sizeof(path), dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
	rmdir(PRIO_PIN_ROOT);	/* only when empty */
}

int prio_counters(const char *dir,
		  struct tern_prio_counter out[TERN_PRIO_NR_COUNTS])
{
	struct tern_prio_counter *v;
	char path[PATH_MAX];
	int ncpus, fd, c;
	__u32 k;

	memset(out, 0, sizeof(*out) * TERN_PRIO_NR_COUNTS);
	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0)
		return ternctl_error("counting the CPUs: %s", why(ncpus)), -1;
	path_in(path, sizeof(path), dir, PRIO_PIN_STATS);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return ternctl_error("reading %s: %s", path, why(errno)), -1;
	v = calloc(ncpus, sizeof(*v));
	if (!v) {
		close(fd);
		return ternctl_error("out of memory"), -1;
	}
	for (k = 0; k < TERN_PRIO_NR_COUNTS; k++) {
		if (bpf_map_lookup_elem(fd, &k, v)) {
			ternctl_error("reading %s: %s", path, why(errno));
			break;
		}
		for (c = 0; c < ncpus; c++) {
			out[k].packets += v[c].packets;
			out[k].bytes += v[c].bytes;
		}
	}
	free(v);
	close(fd);
	return k == TERN_PRIO_NR_COUNTS ? 0 : -1;
}
