// SPDX-License-Identifier: GPL-2.0
/*
 * tern-directoryd's configuration: defaults, the config file (key = value,
 * the keys being the long options' names) and command-line flags, which
 * override the file. The actions --add-invites and --show-keys run and
 * exit instead of serving.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "dird.h"

void dird_conf_defaults(struct dird_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->data = "/var/lib/tern-directoryd";
	c->head_refresh_ms = 60000;
	c->lookup_rate = 20;
	c->lookup_burst = 100;
	c->distinct_lookups = 200;
	c->distinct_window_ms = 10 * 60 * 1000;
	c->change_rate = 30;
	c->claim_rate = 60;
	c->request_timeout_ms = 30000;
}

enum {
	O_LISTEN = 256, O_CERT, O_KEY, O_DATA, O_REGISTRATION, O_SMTP,
	O_SMTP_FROM, O_HEAD_REFRESH, O_LOOKUP_RATE,
	O_LOOKUP_BURST, O_DISTINCT, O_DISTINCT_WINDOW, O_CHANGE_RATE,
	O_CLAIM_RATE, O_REQ_TIMEOUT, O_ADD_INVITES, O_SHOW_KEYS, O_MISBEHAVE,
};

static const struct option opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "listen", required_argument, NULL, O_LISTEN },
	{ "cert", required_argument, NULL, O_CERT },
	{ "key", required_argument, NULL, O_KEY },
	{ "data", required_argument, NULL, O_DATA },
	{ "registration", required_argument, NULL, O_REGISTRATION },
	{ "smtp", required_argument, NULL, O_SMTP },
	{ "smtp-from", required_argument, NULL, O_SMTP_FROM },
	{ "head-refresh", required_argument, NULL, O_HEAD_REFRESH },
	{ "lookup-rate", required_argument, NULL, O_LOOKUP_RATE },
	{ "lookup-burst", required_argument, NULL, O_LOOKUP_BURST },
	{ "distinct-lookups", required_argument, NULL, O_DISTINCT },
	{ "distinct-window", required_argument, NULL, O_DISTINCT_WINDOW },
	{ "change-rate", required_argument, NULL, O_CHANGE_RATE },
	{ "claim-rate", required_argument, NULL, O_CLAIM_RATE },
	{ "request-timeout", required_argument, NULL, O_REQ_TIMEOUT },
	{ "add-invites", required_argument, NULL, O_ADD_INVITES },
	{ "show-keys", no_argument, NULL, O_SHOW_KEYS },
#ifdef TERN_DIRD_MISBEHAVE
	{ "misbehave", required_argument, NULL, O_MISBEHAVE },
#endif
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: tern-directoryd [-c FILE] [options]\n"
"       tern-directoryd --data DIR --add-invites N\n"
"       tern-directoryd --data DIR --show-keys\n"
"\n"
"The Tern directory: handles, devices and keys, with key transparency.\n"
"Options (also keys of the config file):\n"
"  -c, --config FILE          read FILE first (key = value lines)\n"
"      --listen ADDR:PORT     listen here (repeatable; [IPv6]:PORT, :PORT)\n"
"      --cert FILE            certificate chain (PEM)\n"
"      --key FILE             private key (PEM)\n"
"      --data DIR             store and keys [/var/lib/tern-directoryd]\n"
"      --registration HOW     invite (codes from --add-invites) or email\n"
"                             (a code sent to the handle) [invite]\n"
"      --smtp URL             email: smtp://HOST:PORT or smtps://...\n"
"      --smtp-from ADDRESS    email: the sender of the codes\n"
"      --head-refresh T       re-sign an unchanged head this often [60s]\n"
"      --lookup-rate N        lookups per second per source [20]\n"
"      --lookup-burst N       token-bucket burst [100]\n"
"      --distinct-lookups N   different handles per source per window\n"
"                             (0: no limit) [200]\n"
"      --distinct-window T    that window [10m]\n"
"      --change-rate N        changes per minute per source and per\n"
"                             account (0: no limit) [30]\n"
"      --claim-rate N         prekey claims per minute per claimer and\n"
"                             per target (0: no limit) [60]\n"
"      --request-timeout T    a request must arrive within [30s]\n"
"      --add-invites N        make N invite codes, print them, exit\n"
"      --show-keys            print the public keys clients pin, exit\n"
"  -v, --verbose              more logging (repeat for debug)\n"
"  -h, --help\n"
"\n"
"Durations take ms, s, m, h or d. See tern-directoryd(8).\n");
}

/* Strings from the config file outlive parsing. */
static char *owned[DIRD_MAX_LISTEN + 16];
static unsigned int n_owned;

static const char *keep(const char *v)
{
	char *p;

	if (n_owned == sizeof(owned) / sizeof(owned[0]))
		return v;
	p = strdup(v);
	if (!p)
		return v;
	owned[n_owned++] = p;
	return p;
}

void dird_conf_free(struct dird_conf *c)
{
	(void)c;
	while (n_owned)
		free(owned[--n_owned]);
}

static int dur_ms(const char *val, uint32_t min, uint32_t *out)
{
	uint64_t ms;
	int err = conf_duration_ms(val, &ms);

	if (err)
		return err;
	if (ms > UINT32_MAX || ms < min)
		return -ERANGE;
	*out = ms;
	return 0;
}

static int apply(struct dird_conf *c, int id, const char *val, char *err,
		 size_t errlen)
{
	switch (id) {
	case O_LISTEN:
		if (c->n_listen == DIRD_MAX_LISTEN) {
			snprintf(err, errlen, "listen: at most %d addresses",
				 DIRD_MAX_LISTEN);
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
	case O_REGISTRATION:
		if (!strcmp(val, "invite"))
			c->registration = DIRD_REG_INVITE;
		else if (!strcmp(val, "email"))
			c->registration = DIRD_REG_EMAIL;
		else
			return -EINVAL;
		return 0;
	case O_SMTP:
		c->smtp = keep(val);
		return 0;
	case O_SMTP_FROM:
		c->smtp_from = keep(val);
		return 0;
	case O_HEAD_REFRESH:
		return dur_ms(val, 1000, &c->head_refresh_ms);
	case O_LOOKUP_RATE:
		return conf_u32(val, 0, 1000000, &c->lookup_rate);
	case O_LOOKUP_BURST:
		return conf_u32(val, 1, 1000000, &c->lookup_burst);
	case O_DISTINCT:
		return conf_u32(val, 0, 100000, &c->distinct_lookups);
	case O_DISTINCT_WINDOW:
		return dur_ms(val, 1000, &c->distinct_window_ms);
	case O_CHANGE_RATE:
		return conf_u32(val, 0, 1000000, &c->change_rate);
	case O_CLAIM_RATE:
		return conf_u32(val, 0, 1000000, &c->claim_rate);
	case O_REQ_TIMEOUT:
		return dur_ms(val, 1000, &c->request_timeout_ms);
	case O_ADD_INVITES:
		return conf_u32(val, 1, 10000, &c->add_invites);
	case O_MISBEHAVE:
		c->misbehave = keep(val);
		return 0;
	}
	return -EINVAL;
}

static const char *opt_name(int id)
{
	const struct option *o;

	for (o = opts; o->name; o++)
		if (o->val == id)
			return o->name;
	return "?";
}

static int apply_named(struct dird_conf *c, int id, const char *val,
		       char *err, size_t errlen)
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
		if (o->val < 256 || o->val >= O_ADD_INVITES ||
		    strcmp(o->name, key))
			continue;
		return apply_named(ctx, o->val, val, err, errlen);
	}
	snprintf(err, errlen, "unknown key '%s'", key);
	return -EINVAL;
}

int dird_conf_parse(struct dird_conf *c, int argc, char **argv)
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
		fprintf(stderr, "tern-directoryd: %s\n", err);
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
		case O_SHOW_KEYS:
			c->show_keys = true;
			break;
		case '?':
			usage(stderr);
			return -EINVAL;
		default:
			if (apply_named(c, o, optarg, err, sizeof(err))) {
				fprintf(stderr, "tern-directoryd: %s\n", err);
				return -EINVAL;
			}
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tern-directoryd: unexpected argument '%s'\n",
			argv[optind]);
		return -EINVAL;
	}
	if (c->add_invites || c->show_keys)
		return 0;
	missing = !c->n_listen ? "listen" : !c->cert ? "cert" :
		  !c->key ? "key" : NULL;
	if (missing) {
		fprintf(stderr, "tern-directoryd: no %s given (--%s, or '%s =' in the config file)\n",
			missing, missing, missing);
		return -EINVAL;
	}
	return 0;
}
