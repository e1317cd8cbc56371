// SPDX-License-Identifier: GPL-2.0
/*
 * tern-priobench: the tools of the push-priority benchmark
 * (tools/bench/prio/run; Documentation/bench.md, "The push-priority
 * benchmark"). One program, three subcommands: probe, bulk, sink.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "priobench.h"

uint64_t pb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

double pb_num(const char *opt, const char *s, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= min && v <= max)) {
		fprintf(stderr, "tern-priobench: %s: '%s' is not a number from %g to %g\n",
			opt, s, min, max);
		exit(2);
	}
	return v;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: tern-priobench probe --sender SOCK --receiver SOCK [OPTIONS]\n"
"       tern-priobench bulk [-n CONNS] [-d SECONDS] [-c CONNECT_S] [-C CC]\n"
"                           ADDR PORT\n"
"       tern-priobench sink [-i MS] PORT\n"
"\n"
"probe: pushes through ternd with their send time in the payload, and\n"
"       their latency to the receiving ternd, as JSON (probe --help);\n"
"bulk:  CONNS TCP uploads as fast as TCP takes them [4], until SECONDS\n"
"       [0: SIGTERM], with congestion control CC [the default];\n"
"sink:  takes uploads on PORT and prints 'MS BYTES CONNS' every MS [250].\n"
"See Documentation/bench.md, \"The push-priority benchmark\".\n");
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "probe"))
		return pb_probe_main(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "bulk"))
		return pb_bulk_main(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "sink"))
		return pb_sink_main(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "-h") ||
			  !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
