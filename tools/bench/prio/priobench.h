/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tern-priobench: the push-priority benchmark's tools (tools/bench/prio/run,
 * Documentation/bench.md, "The push-priority benchmark"):
 *
 *   probe  pushes through one ternd to another, each carrying its send
 *          time, and the latency of each as the receiving ternd hands it
 *          to its client (probe.c, ctl.c, stats.c);
 *   bulk   TCP uploads that saturate the uplink, and their sink (bulk.c).
 */
#ifndef TERN_PRIOBENCH_H
#define TERN_PRIOBENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl.pb-c.h"

/* The probe's payload header (little-endian): magic, run, seq, send time. */
#define PB_MAGIC	0x62727074u	/* "tprb" */
#define PB_HDR_LEN	24
#define PB_MAX_PAYLOAD	4096
#define PB_MAX_COUNT	100000

/* main.c */
uint64_t pb_now_ns(void);
/* A number in [min, max], or exit 2 naming the option. */
double pb_num(const char *opt, const char *s, double min, double max);

/* ctl.c: ternd's control socket (daemon/proto/ctl.proto). */
int ctl_open(const char *path);
/* Pack and send one request: 0 or -errno. */
int ctl_send(int fd, const Tern__CtlRequest *req);
/* Read one reply: the unpacked reply (free with ctl_free), or NULL with
 * errno set (0 when ternd closed the socket).
 */
Tern__CtlReply *ctl_recv(int fd);
void ctl_free(Tern__CtlReply *r);

struct ctl_status {
	char state[32];
	char transport[16];
	uint8_t token[16];
	bool have_token;
};

/* One status request on its own connection: 0 or -errno. */
int ctl_status(const char *path, struct ctl_status *st);

/* stats.c: the latencies of one probe run, in send order. */
struct pb_result {
	const char *label;
	unsigned int count;		/* pushes sent (their slots below) */
	double rate;			/* offered pushes per second */
	unsigned int payload;
	int64_t *lat_ns;		/* per seq; -1: never arrived */
	unsigned int delivered, duplicates, send_errors, foreign;
	uint64_t start_ns, last_send_ns, end_ns;
	uint64_t late_max_ns;		/* sends behind their schedule */
	struct ctl_status sender, receiver;
};

/* Write the report as one JSON object to @path ("-": stdout): 0 or -errno. */
int pb_report(const struct pb_result *r, const char *path);

/* probe.c, bulk.c: the subcommands (argv[0] is the subcommand). */
int pb_probe_main(int argc, char **argv);
int pb_bulk_main(int argc, char **argv);
int pb_sink_main(int argc, char **argv);

#endif /* TERN_PRIOBENCH_H */
