// SPDX-License-Identifier: GPL-2.0
/*
 * tern-gatewayd's configuration: defaults, the config file (key = value,
 * the keys being the long options' names) and command-line flags, which
 * override the file.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/tern.h>

#include "conf.h"
#include "gw.h"

#define DAY_S	(24 * 3600)

void gw_conf_defaults(struct gw_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->data = "/var/lib/tern-gatewayd";
	c->transport = GW_T_AUTO;
	c->max_payload = WIRE_MAX_PAYLOAD_DEFAULT;
	c->max_queue = 10000;
	c->push_rate = 200;
	c->push_burst = 400;
	c->handshake_timeout_ms = 10000;
	c->partial_timeout_ms = 30000;
	c->max_unauth = 1024;
	c->max_conns = 200000;
	c->max_ttl_s = 30 * DAY_S;
	c->default_ttl_s = 30 * DAY_S;
	c->window = 64;
	c->heartbeat_hint_ms = 28 * 60 * 1000;
	c->clock_skew_ms = 300000;
	c->sweep_ms = 60000;
	c->grace_ms = 60000;
}

enum {
	O_LISTEN = 256, O_CERT, O_KEY, O_DATA, O_TRANSPORT, O_MAX_PAYLOAD,
	O_MAX_QUEUE, O_PUSH_RATE, O_PUSH_BURST, O_HS_TIMEOUT, O_PARTIAL,
	O_MAX_UNAUTH, O_MAX_CONNS, O_MAX_TTL, O_DEFAULT_TTL, O_WINDOW,
	O_HB_HINT, O_SKEW, O_SWEEP, O_GRACE,
};

static const struct option opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "listen", required_argument, NULL, O_LISTEN },
	{ "cert", required_argument, NULL, O_CERT },
	{ "key", required_argument, NULL, O_KEY },
	{ "data", required_argument, NULL, O_DATA },
	{ "transport", required_argument, NULL, O_TRANSPORT },
	{ "max-payload", required_argument, NULL, O_MAX_PAYLOAD },
	{ "max-queue", required_argument, NULL, O_MAX_QUEUE },
	{ "push-rate", required_argument, NULL, O_PUSH_RATE },
	{ "push-burst", required_argument, NULL, O_PUSH_BURST },
	{ "handshake-timeout", required_argument, NULL, O_HS_TIMEOUT },
	{ "partial-timeout", required_argument, NULL, O_PARTIAL },
	{ "max-unauth", required_argument, NULL, O_MAX_UNAUTH },
	{ "max-conns", required_argument, NULL, O_MAX_CONNS },
	{ "max-ttl", required_argument, NULL, O_MAX_TTL },
	{ "default-ttl", required_argument, NULL, O_DEFAULT_TTL },
	{ "window", required_argument, NULL, O_WINDOW },
	{ "heartbeat-hint", required_argument, NULL, O_HB_HINT },
	{ "clock-skew", required_argument, NULL, O_SKEW },
	{ "sweep", required_argument, NULL, O_SWEEP },
	{ "grace", required_argument, NULL, O_GRACE },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: tern-gatewayd [-c FILE] [options]\n"
"\n"
"The Tern push gateway. Options (also keys of the config file):\n"
"  -c, --config FILE          read FILE first (key = value lines)\n"
"      --listen ADDR:PORT     listen here (repeatable; [IPv6]:PORT, :PORT)\n"
"      --cert FILE            certificate chain (PEM)\n"
"      --key FILE             private key (PEM)\n"
"      --data DIR             store directory [/var/lib/tern-gatewayd]\n"
"      --transport MODE       kernel, user or auto [auto]\n"
"      --max-payload SIZE     largest push payload [32k]\n"
"      --max-queue N          messages held per device [10000]\n"
"      --push-rate N          pushes per second per session [200]\n"
"      --push-burst N         token-bucket burst [400]\n"
"      --handshake-timeout T  TLS plus hello [10s]\n"
"      --partial-timeout T    a frame must complete within [30s]\n"
"      --max-unauth N         connections before hello at once [1024]\n"
"      --max-conns N          connections at once [200000]\n"
"      --max-ttl T            longest message lifetime [30d]\n"
"      --default-ttl T        lifetime when the sender gives none [30d]\n"
"      --window N             deliveries in flight per device [64]\n"
"      --heartbeat-hint T     suggested longest heartbeat interval [28m]\n"
"      --clock-skew T         hello timestamp tolerance [5m]\n"
"      --sweep T              expiry sweep period [1m]\n"
"      --grace T              kernel transport: how long tern.ko keeps the\n"
"                             connections of an exited gateway [1m]\n"
"  -v, --verbose              more logging (repeat for debug)\n"
"  -h, --help\n"
"\n"
"Durations take ms, s, m, h or d; sizes k or M. See tern-gatewayd(8).\n");
}

/* Strings from the config file outlive parsing: keep them, and free
 * them in gw_conf_free().
 */
static char *owned[GW_MAX_LISTEN + 16];
static unsigned int n_owned;

static const char *keep(const char *v)
{
	char *p;

	if (n_owned == sizeof(owned) / sizeof(owned[0]))
		return v;	/* argv strings live on; a file is read once */
	p = strdup(v);
	if (!p)
		return v;
	owned[n_owned++] = p;
	return p;
}

void gw_conf_free(struct gw_conf *c)
{
	(void)c;
	while (n_owned)
		free(owned[--n_owned]);
}

static int dur_ms(const char *val, uint32_t *out)
{
	uint64_t ms;
	int err = conf_duration_ms(val, &ms);

	if (err)
		return err;
	if (ms > UINT32_MAX)
		return -ERANGE;
	*out = ms;
	return 0;
}

static int set_duration_s(const char *val, uint32_t *out)
{
	uint64_t ms;
	int err = conf_duration_ms(val, &ms);

	if (err)
		return err;
	if (ms / 1000 > UINT32_MAX)
		return -ERANGE;
	*out = ms / 1000;
	return 0;
}

static int size32(const char *val, uint32_t *out)
{
	uint64_t n;
	int err = conf_size(val, &n);

	if (err)
		return err;
	if (n > UINT32_MAX)
		return -ERANGE;
	*out = n;
	return 0;
}

/* 0, -E2BIG with @err set, or another -errno for a bad value. */
static int apply(struct gw_conf *c, int id, const char *val, char *err,
		 size_t errlen)
{
	int ret = 0;

	switch (id) {
	case O_LISTEN:
		if (c->n_listen == GW_MAX_LISTEN) {
			snprintf(err, errlen, "listen: at most %d addresses",
				 GW_MAX_LISTEN);
			return -E2BIG;
		}
		c->listen[c->n_listen++] = keep(val);
		return 0;
	case O_CERT:
		c->cert = keep(val);
		return 0;
	case O_KEY:
		c->key = keep(val);
		return 0;
	case O_DATA:
		c->data = keep(val);
		return 0;
	case O_TRANSPORT:
		if (!strcmp(val, "kernel"))
			c->transport = GW_T_KERNEL;
		else if (!strcmp(val, "user"))
			c->transport = GW_T_USER;
		else if (!strcmp(val, "auto"))
			c->transport = GW_T_AUTO;
		else
			ret = -EINVAL;
		break;
	case O_MAX_PAYLOAD:
		ret = size32(val, &c->max_payload);
		if (!ret && (c->max_payload < 64 ||
			     c->max_payload > TERN_FRAME_MAX_PAYLOAD -
			     WIRE_OVERHEAD))
			ret = -ERANGE;
		break;
	case O_MAX_QUEUE:
		ret = conf_u32(val, 1, 10000000, &c->max_queue);
		break;
	case O_PUSH_RATE:
		ret = conf_u32(val, 1, 1000000, &c->push_rate);
		break;
	case O_PUSH_BURST:
		ret = conf_u32(val, 1, 1000000, &c->push_burst);
		break;
	case O_HS_TIMEOUT:
		ret = dur_ms(val, &c->handshake_timeout_ms);
		break;
	case O_PARTIAL:
		ret = dur_ms(val, &c->partial_timeout_ms);
		break;
	case O_MAX_UNAUTH:
		ret = conf_u32(val, 1, 10000000, &c->max_unauth);
		break;
	case O_MAX_CONNS:
		ret = conf_u32(val, 1, 100000000, &c->max_conns);
		break;
	case O_MAX_TTL:
		ret = set_duration_s(val, &c->max_ttl_s);
		if (!ret && (!c->max_ttl_s || c->max_ttl_s > 30 * DAY_S))
			ret = -ERANGE;
		break;
	case O_DEFAULT_TTL:
		ret = set_duration_s(val, &c->default_ttl_s);
		if (!ret && !c->default_ttl_s)
			ret = -ERANGE;
		break;
	case O_WINDOW:
		ret = conf_u32(val, 1, 4096, &c->window);
		break;
	case O_HB_HINT:
		ret = dur_ms(val, &c->heartbeat_hint_ms);
		break;
	case O_SKEW:
		ret = dur_ms(val, &c->clock_skew_ms);
		break;
	case O_GRACE:
		ret = dur_ms(val, &c->grace_ms);
		if (!ret && c->grace_ms > TERN_GRACE_MAX)
			ret = -ERANGE;
		break;
	case O_SWEEP:
		ret = dur_ms(val, &c->sweep_ms);
		if (!ret && c->sweep_ms < 100)
			ret = -ERANGE;
		break;
	default:
		ret = -EINVAL;
	}
	return ret;
}

static const char *opt_name(int id)
{
	const struct option *o;

	for (o = opts; o->name; o++)
		if (o->val == id)
			return o->name;
	return "?";
}

static int apply_named(struct gw_conf *c, int id, const char *val, char *err,
		       size_t errlen)
{
	int ret = apply(c, id, val, err, errlen);

	if (ret && ret != -E2BIG)
		snprintf(err, errlen, "%s: bad value '%s'%s", opt_name(id),
			 val, ret == -ERANGE ? " (out of range)" : "");
	return ret;
}

static int file_key(void *ctx, const char *key, const char *val,
		    unsigned int line, char *err, size_t errlen)
{
	const struct option *o;

	(void)line;
	for (o = opts; o->name; o++) {
		if (o->val < 256 || strcmp(o->name, key))
			continue;
		return apply_named(ctx, o->val, val, err, errlen);
	}
	snprintf(err, errlen, "unknown key '%s'", key);
	return -EINVAL;
}

/* Returns 0 to run, 1 when done (help printed), or -EINVAL (message
 * printed).
 */
int gw_conf_args(struct gw_conf *c, int argc, char **argv)
{
	const char *file = NULL, *missing;
	char err[512];
	int o;

	/* First pass: the config file, so flags can override it. */
	opterr = 0;
	optind = 1;
	while ((o = getopt_long(argc, argv, "c:vh", opts, NULL)) != -1) {
		if (o == 'c')
			file = optarg;
		if (o == 'h') {
			usage(stdout);
			return 1;
		}
	}
	if (file && conf_load(file, file_key, c, err, sizeof(err))) {
		fprintf(stderr, "tern-gatewayd: %s\n", err);
		return -EINVAL;
	}
	opterr = 1;
	optind = 1;
	while ((o = getopt_long(argc, argv, "c:vh", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			break;
		case 'v':
			c->verbose++;
			break;
		case '?':
			usage(stderr);
			return -EINVAL;
		default:
			if (apply_named(c, o, optarg, err, sizeof(err))) {
				fprintf(stderr, "tern-gatewayd: %s\n", err);
				return -EINVAL;
			}
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tern-gatewayd: unexpected argument '%s'\n",
			argv[optind]);
		return -EINVAL;
	}
	missing = !c->n_listen ? "listen" : !c->cert ? "cert" :
		  !c->key ? "key" : NULL;
	if (missing) {
		fprintf(stderr, "tern-gatewayd: no %s given (--%s, or '%s =' "
			"in the config file)\n", missing, missing, missing);
		return -EINVAL;
	}
	return 0;
}
