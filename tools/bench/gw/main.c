// SPDX-License-Identifier: GPL-2.0
/*
 * tern-gwbench: one-way push latency (sender -> gateway -> receiver) at
 * increasing offered load, and routed messages per second at saturation,
 * through tern-gatewayd or an MQTT broker. tools/bench/gw/run starts the
 * servers and runs this once per system; see Documentation/bench.md.
 *
 * Steps: "unloaded" (one message in flight at a time, the next sent as
 * the last arrives, pairs in turn), then each --loads rate in turn, stopping
 * after the first that saturates (achieved below 95% of offered, or a
 * message refused, skipped or never delivered), then "max": every pair
 * keeps --max-inflight messages in flight, as fast as they come back.
 *
 * Exit status: 0 when every step ran and checked out, 1 when the run
 * failed (the report says why), 2 on bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <openssl/rand.h>

#include "gwbench.h"

static const struct option opts[] = {
	{ "system", required_argument, NULL, 's' },
	{ "label", required_argument, NULL, 'l' },
	{ "target", required_argument, NULL, 't' },
	{ "ca", required_argument, NULL, 'C' },
	{ "name", required_argument, NULL, 'n' },
	{ "json", required_argument, NULL, 'j' },
	{ "seed", required_argument, NULL, 'S' },
	{ "senders", required_argument, NULL, 'N' },
	{ "receivers", required_argument, NULL, 'R' },
	{ "payload", required_argument, NULL, 'p' },
	{ "warmup", required_argument, NULL, 'w' },
	{ "duration", required_argument, NULL, 'd' },
	{ "drain", required_argument, NULL, 'D' },
	{ "unloaded", required_argument, NULL, 'u' },
	{ "loads", required_argument, NULL, 'L' },
	{ "keep-going", no_argument, NULL, 'k' },
	{ "max-inflight", required_argument, NULL, 'm' },
	{ "max-outstanding", required_argument, NULL, 'o' },
	{ "mqtt-plain", no_argument, NULL, 'P' },
	{ "mqtt-topic", required_argument, NULL, 'T' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: tern-gwbench --system tern|mqtt --target ADDR:PORT [options]\n"
"\n"
"One-way latency and routed messages per second through a push gateway.\n"
"  -s, --system S         tern (tern-gatewayd) or mqtt (a QoS 1 broker)\n"
"  -l, --label NAME       the system's name in the report [S]\n"
"  -t, --target A:P       the server (IPv4 for mqtt)\n"
"  -C, --ca FILE          CA pinning the server (tern; mqtt with TLS)\n"
"  -n, --name NAME        the server's name in its certificate (tern)\n"
"  -j, --json FILE        write the report here\n"
"  -S, --seed STR         device keys, client ids [gwbench]\n"
"  -N, --senders N        sender sessions [4]\n"
"  -R, --receivers N      receiver sessions [4]; sender i -> receiver i mod N\n"
"  -p, --payload BYTES    message payload [64] (at least %d)\n"
"  -w, --warmup S         warm-up before each window [2]\n"
"  -d, --duration S       measurement window per step [8]\n"
"  -D, --drain S          longest wait for the last messages [30]\n"
"  -u, --unloaded N       unloaded step: messages in flight [1]; 0: none\n"
"  -L, --loads LIST       offered msgs/s, ascending [100,1000,5000,10000]\n"
"  -k, --keep-going       run every load, also past saturation\n"
"  -m, --max-inflight N   max step: messages in flight per pair [64]; 0: none\n"
"  -o, --max-outstanding N  open loop: unreceived messages at most [20000]\n"
"  -P, --mqtt-plain       mqtt over plain TCP (default TLS 1.3)\n"
"  -T, --mqtt-topic T     topic prefix [tern-gwbench]\n"
"  -v, --verbose          a line per step on stderr\n", GWB_MIN_PAYLOAD);
}

static int bad_usage(const char *what, const char *arg)
{
	fprintf(stderr, "tern-gwbench: %s%s%s\n", what, arg ? ": " : "",
		arg ? arg : "");
	fprintf(stderr, "Try 'tern-gwbench --help'.\n");
	return 2;
}

static int num(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int unum(const char *s, unsigned int lo, unsigned int hi,
		unsigned int *out)
{
	double v;

	if (num(s, lo, hi, &v) || v != (unsigned int)v)
		return -1;
	*out = v;
	return 0;
}

static int parse_loads(struct gwb_opts *o, char *list)
{
	char *tok, *save = NULL;

	o->n_loads = 0;
	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (o->n_loads == GWB_MAX_LOADS ||
		    num(tok, 1, 1e7, &o->loads[o->n_loads]) ||
		    (o->n_loads && o->loads[o->n_loads] <=
		     o->loads[o->n_loads - 1]))
			return -1;
		o->n_loads++;
	}
	return 0;
}

static int parse(struct gwb_opts *o, int argc, char **argv)
{
	char loads[] = "100,1000,5000,10000";
	int c;

	*o = (struct gwb_opts){
		.seed = "gwbench", .senders = 4, .receivers = 4, .payload = 64,
		.warmup_s = 2, .duration_s = 8, .drain_s = 30,
		.unloaded = 1, .max_inflight = 64,
		.max_outstanding = 20000, .mqtt_tls = true,
		.mqtt_topic = "tern-gwbench",
	};
	parse_loads(o, loads);
	while ((c = getopt_long(argc, argv, "s:l:t:C:n:j:S:N:R:p:w:d:D:u:L:km:o:PT:vh",
				opts, NULL)) != -1) {
		int bad = 0;

		switch (c) {
		case 's':
			o->system = optarg;
			break;
		case 'l':
			o->label = optarg;
			break;
		case 't':
			o->target = optarg;
			break;
		case 'C':
			o->ca = optarg;
			break;
		case 'n':
			o->name = optarg;
			break;
		case 'j':
			o->json = optarg;
			break;
		case 'S':
			o->seed = optarg;
			break;
		case 'N':
			bad = unum(optarg, 1, 4096, &o->senders);
			break;
		case 'R':
			bad = unum(optarg, 1, 4096, &o->receivers);
			break;
		case 'p':
			bad = unum(optarg, GWB_MIN_PAYLOAD, 16384, &o->payload);
			break;
		case 'w':
			bad = num(optarg, 0, 600, &o->warmup_s);
			break;
		case 'd':
			bad = num(optarg, 0.1, 3600, &o->duration_s);
			break;
		case 'D':
			bad = num(optarg, 0, 3600, &o->drain_s);
			break;
		case 'u':
			bad = unum(optarg, 0, 65535, &o->unloaded);
			break;
		case 'L':
			bad = parse_loads(o, optarg);
			break;
		case 'k':
			o->keep_going = true;
			break;
		case 'm':
			bad = unum(optarg, 0, 65535, &o->max_inflight);
			break;
		case 'o':
			bad = unum(optarg, 1, 10000000, &o->max_outstanding);
			break;
		case 'P':
			o->mqtt_tls = false;
			break;
		case 'T':
			o->mqtt_topic = optarg;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return bad_usage("bad option", NULL);
		}
		if (bad)
			return bad_usage("bad value", optarg);
	}
	if (optind != argc)
		return bad_usage("unexpected argument", argv[optind]);
	if (!o->system || !o->target)
		return bad_usage("--system and --target are required", NULL);
	if (strcmp(o->system, "tern") && strcmp(o->system, "mqtt"))
		return bad_usage("unknown system", o->system);
	if (!strcmp(o->system, "tern") && (!o->ca || !o->name))
		return bad_usage("tern needs --ca and --name", NULL);
	if (!strcmp(o->system, "mqtt") && o->mqtt_tls && !o->ca)
		return bad_usage("mqtt over TLS needs --ca (or --mqtt-plain)", NULL);
	if (!o->label)
		o->label = o->system;
	return 0;
}

static struct gwb_step *add_step(struct gwb *b, const char *name,
				 enum gwb_mode mode, double rate,
				 unsigned int inflight)
{
	struct gwb_step *s = &b->steps[b->n_steps++];

	snprintf(s->name, sizeof(s->name), "%s", name);
	s->mode = mode;
	s->rate = rate;
	s->inflight = inflight;
	return s;
}

static int setup(struct gwb *b)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	unsigned int i;

	b->sys = strcmp(b->o.system, "tern") ? &gwb_sys_mqtt : &gwb_sys_tern;
	b->npairs = b->o.senders;
	b->pairs = calloc(b->npairs, sizeof(*b->pairs));
	b->steps = calloc(GWB_MAX_LOADS + 2, sizeof(*b->steps));
	b->msg = malloc(b->o.payload);
	b->epfd = epoll_create1(EPOLL_CLOEXEC);
	b->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (!b->pairs || !b->steps || !b->msg || b->epfd < 0 || b->tfd < 0 ||
	    epoll_ctl(b->epfd, EPOLL_CTL_ADD, b->tfd, &ev)) {
		gwb_fail(b, "setup: %s", strerror(errno ? errno : ENOMEM));
		return -1;
	}
	/* A filler that is neither zeros nor compressible. */
	for (i = GWB_HDR_LEN; i < b->o.payload; i++)
		b->msg[i] = (uint8_t)(i * 131 + 17);
	if (RAND_bytes((uint8_t *)&b->run_id, sizeof(b->run_id)) != 1)
		b->run_id = (uint32_t)gwb_now_ns();
	return 0;
}

static void run(struct gwb *b)
{
	struct gwb_step *s;
	unsigned int i;
	char name[24];

	if (b->sys->open(b))
		return;
	if (b->o.unloaded) {
		s = add_step(b, "unloaded", GWB_SERIAL, 0, b->o.unloaded);
		if (gwb_run_step(b, s))
			return;
		gwb_report_step_line(b, s);
	}
	for (i = 0; i < b->o.n_loads; i++) {
		snprintf(name, sizeof(name), "%.0f", b->o.loads[i]);
		s = add_step(b, name, GWB_OPEN, b->o.loads[i], 0);
		if (gwb_run_step(b, s))
			return;
		gwb_report_step_line(b, s);
		if (s->saturated && !b->o.keep_going)
			break;
	}
	if (b->o.max_inflight) {
		s = add_step(b, "max", GWB_CLOSED, 0, b->o.max_inflight);
		if (gwb_run_step(b, s))
			return;
		gwb_report_step_line(b, s);
	}
}

static void teardown(struct gwb *b)
{
	unsigned int i;

	if (b->priv)
		b->sys->close(b);
	for (i = 0; b->pairs && i < b->npairs; i++) {
		free(b->pairs[i].sched);
		free(b->pairs[i].state);
	}
	for (i = 0; b->steps && i < b->n_steps; i++) {
		free(b->steps[i].lat.v);
		free(b->steps[i].ack.v);
	}
	free(b->pairs);
	free(b->steps);
	free(b->msg);
	if (b->tfd >= 0)
		close(b->tfd);
	if (b->epfd >= 0)
		close(b->epfd);
}

int main(int argc, char **argv)
{
	struct gwb b = { .epfd = -1, .tfd = -1 };
	int rc;

	rc = parse(&b.o, argc, argv);
	if (rc)
		return rc;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	if (!setup(&b))
		run(&b);
	if (b.failed)
		fprintf(stderr, "tern-gwbench: %s: %s\n", b.o.label, b.err);
	if (b.o.json && gwb_report(&b, b.o.json)) {
		fprintf(stderr, "tern-gwbench: cannot write %s\n", b.o.json);
		b.failed = true;
	}
	teardown(&b);
	return b.failed ? 1 : 0;
}
