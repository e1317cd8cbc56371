// SPDX-License-Identifier: GPL-2.0
/*
 * tern-bench: the kernel/user boundary benchmark.
 *
 *   tern-bench [OPTIONS]
 *
 * Runs both paths (tern.ko + netlink, userspace epoll) one after the other
 * on identical load, for each scenario (plain TCP, kTLS), writes a JSON
 * report and prints a summary. Needs root and tern.ko loaded, so it runs
 * inside the VM (tools/bench/run). Exit status: 0 when every run passed its
 * correctness checks, 1 when one did not or could not be carried out, 2 on
 * a usage error. Figures are reported, never asserted.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pairs.h"
#include "payload.h"
#include "report.h"
#include "run.h"

#define BENCH_MAX_CONNS		100000

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

void bench_log(const struct bench_opts *o, const char *fmt, ...)
{
	va_list ap;

	if (o->quiet)
		return;
	fputs("tern-bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void usage(FILE *f)
{
	fputs("Usage: tern-bench [OPTIONS]\n\n"
	      "Deliver frames from loopback TCP pairs to a userspace reader through\n"
	      "tern.ko and netlink, and through a userspace epoll loop; report\n"
	      "frames/s and CPU per frame for both (see Documentation/bench.md).\n\n"
	      "Options (defaults in brackets):\n"
	      "  --sparse N          connections at a fixed low rate [1000]\n"
	      "  --heavy N           connections sending as fast as they can [10]\n"
	      "  --interval MS       a sparse connection sends a frame every MS [1000]\n"
	      "  --payload BYTES     payload per frame, a multiple of 8, 24..16384 [64]\n"
	      "  --heavy-batch N     frames per write on heavy connections [128]\n"
	      "  --read-size BYTES   epoll path: bytes per read() [65536]\n"
	      "  --ack-batch N       tern path: notifications handled per ack [128]\n"
	      "  --rcv-window BYTES  tern path: conn rcv-window [module default]\n"
	      "  --max-held BYTES    tern path: conn max-held [module default]\n"
	      "  --warmup S          seconds before the window opens [3]\n"
	      "  --duration S        seconds of the measurement window [15]\n"
	      "  --drain S           seconds to wait for the last frames [60]\n"
	      "  --rounds N          runs per path and scenario, paths alternating [1]\n"
	      "  --scenarios LIST    plain,ktls [plain,ktls]\n"
	      "  --paths LIST        tern,epoll [tern,epoll]\n"
	      "  --json FILE         write the JSON report to FILE\n"
	      "  --quiet             no progress messages\n"
	      "  -h, --help          this help\n", f);
}

static bool parse_uint(const char *s, unsigned int min, unsigned int max,
		       unsigned int *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static bool parse_secs(const char *s, double min, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= min) || v > 86400)
		return false;
	*out = v;
	return true;
}

/* A comma-separated list of @a and @b: sets *@pa and *@pb. */
static bool parse_pair(const char *s, const char *a, const char *b,
		       bool *pa, bool *pb)
{
	char buf[64], *tok, *save;

	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		return false;
	*pa = *pb = false;
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, a))
			*pa = true;
		else if (!strcmp(tok, b))
			*pb = true;
		else
			return false;
	}
	return *pa || *pb;
}

enum {
	OPT_SPARSE = 256, OPT_HEAVY, OPT_INTERVAL, OPT_PAYLOAD,
	OPT_HEAVY_BATCH, OPT_READ_SIZE, OPT_ACK_BATCH, OPT_RCV_WINDOW,
	OPT_MAX_HELD, OPT_WARMUP, OPT_DURATION, OPT_DRAIN, OPT_ROUNDS,
	OPT_SCENARIOS, OPT_PATHS, OPT_JSON, OPT_QUIET,
};

static const struct option long_opts[] = {
	{ "sparse", required_argument, NULL, OPT_SPARSE },
	{ "heavy", required_argument, NULL, OPT_HEAVY },
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	{ "payload", required_argument, NULL, OPT_PAYLOAD },
	{ "heavy-batch", required_argument, NULL, OPT_HEAVY_BATCH },
	{ "read-size", required_argument, NULL, OPT_READ_SIZE },
	{ "ack-batch", required_argument, NULL, OPT_ACK_BATCH },
	{ "rcv-window", required_argument, NULL, OPT_RCV_WINDOW },
	{ "max-held", required_argument, NULL, OPT_MAX_HELD },
	{ "warmup", required_argument, NULL, OPT_WARMUP },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "drain", required_argument, NULL, OPT_DRAIN },
	{ "rounds", required_argument, NULL, OPT_ROUNDS },
	{ "scenarios", required_argument, NULL, OPT_SCENARIOS },
	{ "paths", required_argument, NULL, OPT_PATHS },
	{ "json", required_argument, NULL, OPT_JSON },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static bool parse_opt(struct bench_opts *o, int c, const char *arg)
{
	switch (c) {
	case OPT_SPARSE:
		return parse_uint(arg, 0, BENCH_MAX_CONNS, &o->nsparse);
	case OPT_HEAVY:
		return parse_uint(arg, 0, BENCH_MAX_CONNS, &o->nheavy);
	case OPT_INTERVAL:
		return parse_uint(arg, 1, 3600000, &o->interval_ms);
	case OPT_PAYLOAD:
		return parse_uint(arg, BENCH_PAYLOAD_MIN, BENCH_PAYLOAD_MAX,
				  &o->payload) && o->payload % 8 == 0;
	case OPT_HEAVY_BATCH:
		return parse_uint(arg, 1, 4096, &o->heavy_batch);
	case OPT_READ_SIZE:
		return parse_uint(arg, 1, 16 << 20, &o->read_size);
	case OPT_ACK_BATCH:
		return parse_uint(arg, 1, 1 << 20, &o->ack_batch);
	case OPT_RCV_WINDOW:
		return parse_uint(arg, TERN_RCV_WINDOW_MIN,
				  TERN_RCV_WINDOW_MAX, &o->rcv_window);
	case OPT_MAX_HELD:
		return parse_uint(arg, TERN_MAX_HELD_MIN, TERN_MAX_HELD_MAX,
				  &o->max_held);
	case OPT_WARMUP:
		return parse_secs(arg, 0, &o->warmup_s);
	case OPT_DURATION:
		return parse_secs(arg, 0.5, &o->duration_s);
	case OPT_DRAIN:
		return parse_secs(arg, 1, &o->drain_s);
	case OPT_ROUNDS:
		return parse_uint(arg, 1, 64, &o->rounds);
	case OPT_SCENARIOS:
		return parse_pair(arg, "plain", "ktls", &o->scenario_plain,
				  &o->scenario_tls);
	case OPT_PATHS:
		return parse_pair(arg, "tern", "epoll", &o->path_tern,
				  &o->path_epoll);
	case OPT_JSON:
		o->json_path = arg;
		return true;
	case OPT_QUIET:
		o->quiet = true;
		return true;
	}
	return false;
}

static int parse_args(struct bench_opts *o, int argc, char **argv)
{
	int c;

	*o = (struct bench_opts) {
		.nsparse = 1000, .nheavy = 10, .interval_ms = 1000,
		.payload = 64, .heavy_batch = 128, .read_size = 65536,
		.ack_batch = 128, .rounds = 1, .warmup_s = 3,
		.duration_s = 15, .drain_s = 60, .scenario_plain = true,
		.scenario_tls = true, .path_tern = true, .path_epoll = true,
	};
	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			exit(0);
		}
		if (c == '?' || !parse_opt(o, c, optarg)) {
			if (c != '?')
				fprintf(stderr, "tern-bench: bad value '%s' for --%s\n",
					optarg, long_opts[c - OPT_SPARSE].name);
			fputs("Try 'tern-bench --help'.\n", stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tern-bench: unexpected argument '%s'\n",
			argv[optind]);
		return -EINVAL;
	}
	if (!bench_nconns(o)) {
		fputs("tern-bench: no connections\n", stderr);
		return -EINVAL;
	}
	return 0;
}

/* Run every scenario, round and path; returns how many results. */
static unsigned int run_all(const struct bench_opts *o,
			    struct bench_result *res, bool *failed)
{
	const struct bench_path *order[2];
	unsigned int nres = 0, round, s, i, npaths;
	bool tls;

	for (s = 0; s < 2; s++) {
		tls = s == 1;
		if (tls ? !o->scenario_tls : !o->scenario_plain)
			continue;
		for (round = 0; round < o->rounds; round++) {
			/* Alternate the order so that drift hits both. */
			npaths = 0;
			if (o->path_tern)
				order[npaths++] = &bench_path_tern;
			if (o->path_epoll)
				order[npaths++] = &bench_path_epoll;
			if (npaths == 2 && round % 2) {
				order[0] = &bench_path_epoll;
				order[1] = &bench_path_tern;
			}
			for (i = 0; i < npaths; i++) {
				if (bench_run_path(o, order[i], tls, round,
						   &res[nres])) {
					*failed = true;
					return nres;
				}
				if (!res[nres].ok)
					*failed = true;
				nres++;
				sleep(1);	/* let teardown settle */
			}
		}
	}
	return nres;
}

int main(int argc, char **argv)
{
	struct bench_result *res;
	struct bench_opts o;
	bool failed = false;
	unsigned int nres;
	int err;

	if (parse_args(&o, argc, argv))
		return 2;
	setvbuf(stderr, NULL, _IOLBF, 0);
	/* Both ends of every pair, briefly, plus some to spare. */
	err = bench_raise_nofile(2 * bench_nconns(&o) + 256);
	if (err) {
		fprintf(stderr, "tern-bench: raising RLIMIT_NOFILE: %s\n",
			strerror(-err));
		return 1;
	}
	err = bench_pairs_prime(o.scenario_tls);
	if (err) {
		fprintf(stderr, "tern-bench: making a loopback %s pair: %s\n",
			o.scenario_tls ? "kTLS" : "TCP", strerror(-err));
		return 1;
	}
	res = calloc(4 * o.rounds, sizeof(*res));
	if (!res)
		return 1;

	nres = run_all(&o, res, &failed);
	if (nres)
		bench_report_summary(stdout, &o, res, nres);
	if (o.json_path && nres) {
		err = bench_report_json(&o, res, nres, o.json_path);
		if (err) {
			fprintf(stderr, "tern-bench: writing %s: %s\n",
				o.json_path, strerror(-err));
			failed = true;
		}
	}
	free(res);
	if (failed)
		fputs("tern-bench: FAILED: a run did not pass its correctness checks\n",
		      stderr);
	return failed ? 1 : 0;
}
