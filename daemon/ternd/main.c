// SPDX-License-Identifier: GPL-2.0
/*
 * ternd: options, configuration, start-up and shutdown.
 *
 *   ternd [-c FILE] [--gateway HOST:PORT] [--ca FILE] [--gateway-name NAME]
 *         [--data DIR] [--socket PATH] [--transport kernel|user|auto]
 *         [--heartbeat MS] [--ack-timeout MS] [--reconnect-max MS] [-v]
 *         [--help]
 *
 * The config file's keys are the long options' names; flags override it.
 * Runs in the foreground; SIGTERM or SIGINT stop it cleanly (exit 0).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/tern.h>

#include "conf.h"
#include "dstore.h"
#include "handle.h"
#include "ident.h"
#include "tdir.h"
#include "tls.h"
#include "chat.h"
#include "ternd.h"

#define HB_FIXED_MIN_MS		1000
#define HB_FIXED_MAX_MS		TERN_HB_INTERVAL_MAX
#define ACK_TIMEOUT_MIN_MS	100
#define ACK_TIMEOUT_MAX_MS	TD_ACK_TIMEOUT_MAX_MS
#define RECONNECT_MAX_MIN_MS	TD_BACKOFF_BASE_MS
#define DAY_MS			(24 * 3600000ULL)

static bool journal;

void td_log(struct ternd *td, int level, const char *fmt, ...)
{
	static const char *const prefix[] = { "<3>", "<6>", "<7>" };
	va_list ap;

	if (level > TD_INFO + td->conf.verbose)
		return;
	if (journal)
		fputs(prefix[level], stderr);
	fputs("ternd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* --- options and config -------------------------------------------------- */

enum {
	O_GATEWAY = 256, O_CA, O_GATEWAY_NAME, O_DATA, O_SOCKET, O_TRANSPORT,
	O_HEARTBEAT, O_ACK_TIMEOUT, O_RECONNECT_MAX, O_PUSH_PRIORITY, O_PUSH_MARK,
	O_DIR_URL, O_DIR_CA, O_HEAD_KEY, O_VRF_KEY, O_HANDLE, O_INVITE,
	O_EMAIL_CODE, O_MAX_HEAD_AGE, O_LOOKUP_CACHE, O_PREKEYS,
	O_DIR_CHECK, O_API_SOCKET, O_READ_RECEIPTS, O_LINK, O_STORE_KEY,
};

static const struct option opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "gateway", required_argument, NULL, O_GATEWAY },
	{ "ca", required_argument, NULL, O_CA },
	{ "gateway-name", required_argument, NULL, O_GATEWAY_NAME },
	{ "data", required_argument, NULL, O_DATA },
	{ "store-key", required_argument, NULL, O_STORE_KEY },
	{ "socket", required_argument, NULL, O_SOCKET },
	{ "api-socket", required_argument, NULL, O_API_SOCKET },
	{ "transport", required_argument, NULL, O_TRANSPORT },
	{ "heartbeat", required_argument, NULL, O_HEARTBEAT },
	{ "ack-timeout", required_argument, NULL, O_ACK_TIMEOUT },
	{ "reconnect-max", required_argument, NULL, O_RECONNECT_MAX },
	{ "push-priority", required_argument, NULL, O_PUSH_PRIORITY },
	{ "push-mark", required_argument, NULL, O_PUSH_MARK },
	{ "directory", required_argument, NULL, O_DIR_URL },
	{ "directory-ca", required_argument, NULL, O_DIR_CA },
	{ "head-key", required_argument, NULL, O_HEAD_KEY },
	{ "vrf-key", required_argument, NULL, O_VRF_KEY },
	{ "handle", required_argument, NULL, O_HANDLE },
	{ "invite", required_argument, NULL, O_INVITE },
	{ "email-code", required_argument, NULL, O_EMAIL_CODE },
	{ "link", no_argument, NULL, O_LINK },
	{ "max-head-age", required_argument, NULL, O_MAX_HEAD_AGE },
	{ "lookup-cache", required_argument, NULL, O_LOOKUP_CACHE },
	{ "prekeys", required_argument, NULL, O_PREKEYS },
	{ "directory-check", required_argument, NULL, O_DIR_CHECK },
	{ "read-receipts", required_argument, NULL, O_READ_RECEIPTS },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: ternd [-c FILE] [options]\n"
"\n"
"The Tern device daemon: keeps one connection to the push gateway, stores\n"
"what it delivers, pushes what local clients send. Options (also keys of\n"
"the config file, which the flags override):\n"
"  -c, --config FILE          read FILE first (key = value lines)\n"
"      --gateway HOST:PORT    the gateway (required)\n"
"      --ca FILE              CA certificate(s) the gateway's must chain to\n"
"                             (PEM; required)\n"
"      --gateway-name NAME    name its certificate must carry [HOST]\n"
"      --data DIR             keys and store [" TERND_DATA_DEFAULT "]\n"
"      --store-key FILE       the key that seals the store [a systemd\n"
"                             credential ternd-store-key, else\n"
"                             DIR/store.key, made at the first start]\n"
"      --socket PATH          control socket [DIR/" TERND_SOCKET_NAME "]\n"
"      --api-socket PATH      the client API's socket, with --directory\n"
"                             [the control socket's directory/"
TERND_API_SOCKET_NAME "]\n"
"      --transport MODE       kernel, user or auto [auto]\n"
"      --heartbeat MS         fixed heartbeat interval [learned]\n"
"      --ack-timeout MS       first push retry [10000]\n"
"      --reconnect-max MS     longest reconnect delay [300000]\n"
"      --push-priority N      SO_PRIORITY of the gateway connection, 0-6,\n"
"                             0: leave it [6, what ternctl prio matches]\n"
"      --push-mark MARK       SO_MARK of the gateway connection, 0: none\n"
"                             (needs CAP_NET_ADMIN) [0]\n"
"The directory (off without --directory):\n"
"      --directory URL        https://HOST:PORT of tern-directoryd\n"
"      --directory-ca FILE    the CA to trust for it [the --ca file]\n"
"      --head-key B64         its head key, as --show-keys prints it\n"
"      --vrf-key B64          its VRF key, as --show-keys prints it\n"
"      --handle HANDLE        this account's handle (required)\n"
"      --invite CODE          proof for the first registration, or\n"
"      --email-code CODE      the code the directory mailed\n"
"      --link                 join the account of a device that approves\n"
"                             this one's code (ternctl link), instead of\n"
"                             making a new account\n"
"      --max-head-age T       refuse older tree heads [10m]\n"
"      --lookup-cache T       reuse a verified lookup for T [5m]\n"
"      --prekeys N            one-time prekeys kept published [100]\n"
"      --directory-check T    monitor the own handle, count prekeys [10m]\n"
"      --read-receipts BOOL   tell senders when their messages were read\n"
"                             [yes]\n"
"  -v, --verbose              debug logging\n"
"  -h, --help\n"
"\n"
"Times are milliseconds, or take ms, s, m or h. See ternd(8).\n");
}

static int set_str(char **dst, const char *val)
{
	char *p = strdup(val);

	if (!p)
		return -ENOMEM;
	free(*dst);
	*dst = p;
	return 0;
}

static int set_ms64(const char *val, uint64_t min, uint64_t max,
		    uint64_t *out)
{
	uint64_t ms;
	int err = conf_duration_ms(val, &ms);

	if (err)
		return err;
	if (ms < min || ms > max)
		return -ERANGE;
	*out = ms;
	return 0;
}

static int set_ms(const char *val, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t ms;
	int err = set_ms64(val, min, max, &ms);

	if (!err)
		*out = ms;
	return err;
}

/* A mark: decimal, or hexadecimal after 0x, as ip(8) and tc(8) take it. */
static int set_mark(const char *val, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (strncmp(val, "0x", 2) && strncmp(val, "0X", 2))
		return conf_u32(val, 0, UINT32_MAX, out);
	if (!isxdigit((unsigned char)val[2]))
		return -EINVAL;
	errno = 0;
	v = strtoull(val + 2, &end, 16);
	if (*end)
		return -EINVAL;
	if (errno || v > UINT32_MAX)
		return -ERANGE;
	*out = v;
	return 0;
}

static int apply(struct td_conf *c, int id, const char *val)
{
	bool b;

	switch (id) {
	case O_GATEWAY:
		return set_str(&c->gateway, val);
	case O_CA:
		return set_str(&c->ca, val);
	case O_GATEWAY_NAME:
		return set_str(&c->gateway_name, val);
	case O_STORE_KEY:
		return set_str(&c->store_key, val);
	case O_DATA:
		return set_str(&c->data, val);
	case O_SOCKET:
		return set_str(&c->socket, val);
	case O_API_SOCKET:
		return set_str(&c->api_socket, val);
	case O_TRANSPORT:
		if (!strcmp(val, "kernel"))
			c->transport = TD_T_KERNEL;
		else if (!strcmp(val, "user"))
			c->transport = TD_T_USER;
		else if (!strcmp(val, "auto"))
			c->transport = TD_T_AUTO;
		else
			return -EINVAL;
		return 0;
	case O_HEARTBEAT:
		return set_ms(val, HB_FIXED_MIN_MS, HB_FIXED_MAX_MS,
			      &c->heartbeat_ms);
	case O_ACK_TIMEOUT:
		return set_ms(val, ACK_TIMEOUT_MIN_MS, ACK_TIMEOUT_MAX_MS,
			      &c->ack_timeout_ms);
	case O_RECONNECT_MAX:
		return set_ms(val, RECONNECT_MAX_MIN_MS, TD_BACKOFF_CAP_MS,
			      &c->reconnect_max_ms);
	case O_PUSH_PRIORITY:
		return conf_u32(val, 0, TD_PUSH_PRIORITY_MAX, &c->push_priority);
	case O_PUSH_MARK:
		return set_mark(val, &c->push_mark);
	case O_DIR_URL:
		return set_str(&c->dir_url, val);
	case O_DIR_CA:
		return set_str(&c->dir_ca, val);
	case O_HEAD_KEY:
		return set_str(&c->head_key, val);
	case O_VRF_KEY:
		return set_str(&c->vrf_key, val);
	case O_HANDLE:
		return set_str(&c->handle, val);
	case O_INVITE:
		return set_str(&c->invite, val);
	case O_EMAIL_CODE:
		return set_str(&c->email_code, val);
	case O_LINK:
		/* A flag on the command line, "link = yes" in the file. */
		if (val && conf_bool(val, &b))
			return -EINVAL;
		c->link = !val || b;
		return 0;
	case O_MAX_HEAD_AGE:
		return set_ms64(val, 1000, 30 * DAY_MS, &c->max_head_age_ms);
	case O_LOOKUP_CACHE:
		return set_ms64(val, 0, DAY_MS, &c->lookup_cache_ms);
	case O_PREKEYS:
		return conf_u32(val, 1, TDIR_PREKEYS_MAX, &c->prekeys);
	case O_DIR_CHECK:
		return set_ms64(val, 1000, DAY_MS, &c->dir_check_ms);
	case O_READ_RECEIPTS:
		if (conf_bool(val, &b))
			return -EINVAL;
		c->no_read_receipts = !b;
		return 0;
	case 'v':
		if (conf_bool(val, &b))
			return -EINVAL;
		c->verbose = b;
		return 0;
	}
	return -EINVAL;
}

static int conf_cb(void *ctx, const char *key, const char *val,
		   unsigned int line, char *err, size_t errlen)
{
	const struct option *o;
	int ret;

	(void)line;
	for (o = opts; o->name; o++) {
		if (strcmp(o->name, key) || o->val == 'c' || o->val == 'h')
			continue;
		ret = apply(ctx, o->val, val);
		if (ret == -ENOMEM)
			snprintf(err, errlen, "out of memory");
		else if (ret)
			snprintf(err, errlen, "bad value for '%s'", key);
		return ret;
	}
	snprintf(err, errlen, "unknown key '%s'", key);
	return -EINVAL;
}

static void conf_free(struct td_conf *c)
{
	free(c->gateway);
	free(c->ca);
	free(c->gateway_name);
	free(c->data);
	free(c->store_key);
	free(c->socket);
	free(c->api_socket);
	free(c->dir_url);
	free(c->dir_ca);
	free(c->head_key);
	free(c->vrf_key);
	free(c->handle);
	free(c->invite);
	free(c->email_code);
}

/* The directory's options hang together: say which one does not. */
static int check_directory(struct td_conf *c)
{
	const char *why;

	if (!c->dir_url) {
		if (c->handle || c->head_key || c->vrf_key || c->invite ||
		    c->email_code || c->dir_ca || c->link) {
			fprintf(stderr, "ternd: --handle, --head-key, --vrf-key, --invite, --email-code, --link and --directory-ca need --directory URL\n");
			return 2;
		}
		return -1;
	}
	if (strncmp(c->dir_url, "https://", 8) || !c->dir_url[8]) {
		fprintf(stderr, "ternd: --directory: '%s' is not an https:// URL\n",
			c->dir_url);
		return 2;
	}
	if (!c->handle || !c->head_key || !c->vrf_key) {
		fprintf(stderr, "ternd: --directory needs %s (flag or config file)\n",
			!c->handle ? "--handle HANDLE" :
			!c->head_key ? "--head-key B64" : "--vrf-key B64");
		return 2;
	}
	why = handle_why(c->handle);
	if (why) {
		fprintf(stderr, "ternd: --handle: the handle %s\n", why);
		return 2;
	}
	if (c->invite && c->email_code) {
		fprintf(stderr, "ternd: --invite and --email-code: one or the other\n");
		return 2;
	}
	if (c->link && (c->invite || c->email_code)) {
		fprintf(stderr, "ternd: --link joins an account that exists: no --invite or --email-code with it\n");
		return 2;
	}
	if (!c->dir_ca && set_str(&c->dir_ca, c->ca)) {
		fprintf(stderr, "ternd: out of memory\n");
		return 1;
	}
	return -1;
}

/* Split HOST:PORT ([IPv6]:PORT) into td->gw_host and td->gw_port. */
static int split_gateway(struct ternd *td)
{
	const char *g = td->conf.gateway, *colon = strrchr(g, ':');
	size_t hl;
	char *end;
	unsigned long port;

	if (!colon || colon == g)
		return -EINVAL;
	port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || !port || port > 65535)
		return -EINVAL;
	hl = colon - g;
	if (g[0] == '[') {
		if (hl < 3 || g[hl - 1] != ']')
			return -EINVAL;
		g++;
		hl -= 2;
	} else if (memchr(g, ':', hl)) {
		return -EINVAL;		/* IPv6 needs brackets */
	}
	if (hl >= sizeof(td->gw_host))
		return -EINVAL;
	memcpy(td->gw_host, g, hl);
	td->gw_host[hl] = '\0';
	snprintf(td->gw_port, sizeof(td->gw_port), "%lu", port);
	return 0;
}

/* Flags override the file: find -c and --help, read the file, then
 * apply the flags. Returns -1 to go on, else an exit status.
 */
static int parse_args(struct td_conf *c, int argc, char **argv)
{
	const char *file = NULL;
	char err[256];
	int o, ret;

	opterr = 1;
	while ((o = getopt_long(argc, argv, "c:vh", opts, NULL)) != -1) {
		if (o == 'c') {
			file = optarg;
		} else if (o == 'h') {
			usage(stdout);
			return 0;
		} else if (o == '?') {
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ternd: unexpected argument '%s'\n",
			argv[optind]);
		return 2;
	}
	if (file && conf_load(file, conf_cb, c, err, sizeof(err))) {
		fprintf(stderr, "ternd: %s\n", err);
		return 2;
	}
	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "c:vh", opts, NULL)) != -1) {
		if (o == 'c' || o == 'h')
			continue;
		if (o == 'v') {
			c->verbose++;
			continue;
		}
		ret = apply(c, o, optarg);
		if (ret) {
			fprintf(stderr, "ternd: %s for --%s: '%s'\n",
				ret == -ERANGE ? "value out of range" :
				ret == -ENOMEM ? "out of memory" :
				"invalid value", opts[o - O_GATEWAY + 1].name,
				optarg);
			return 2;
		}
	}
	return -1;
}

/* --- start-up ------------------------------------------------------------ */

static int mkdirs(const char *path)
{
	char buf[4096];
	char *p;

	if (strlen(path) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

static int lock_data(struct ternd *td)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", td->conf.data, TERND_LOCK);
	td->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (td->lock_fd < 0) {
		fprintf(stderr, "ternd: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (flock(td->lock_fd, LOCK_EX | LOCK_NB)) {
		fprintf(stderr, "ternd: %s: %s\n", td->conf.data,
			errno == EWOULDBLOCK ? "another ternd uses it" :
			strerror(errno));
		return -1;
	}
	return 0;
}

static int load_keys(struct ternd *td)
{
	char path[4096], err[256];

	snprintf(path, sizeof(path), "%s/%s", td->conf.data, TERND_DEVICE_KEY);
	td->dkey = ident_load_or_create(path, true, err, sizeof(err));
	if (!td->dkey)
		goto fail;
	if (ident_pub(td->dkey, td->dpub)) {
		snprintf(err, sizeof(err), "cannot use the Ed25519 device key");
		goto fail;
	}
	ident_device_id(td->dpub, td->device_id);
	snprintf(path, sizeof(path), "%s/%s", td->conf.data,
		 TERND_ACCOUNT_KEY);
	/*
	 * --link: the account key comes from the device that approves this
	 * one (devlink.c); until then there is none. Once it is here, the
	 * device starts as any other, --link or not.
	 */
	if (td->conf.link && access(path, F_OK) && errno == ENOENT)
		return 0;
	td->akey = ident_load_or_create(path, true, err, sizeof(err));
	if (!td->akey)
		goto fail;
	if (ident_pub(td->akey, td->apub) ||
	    ident_device_cert(td->akey, td->dpub, td->dcert)) {
		snprintf(err, sizeof(err), "cannot use the Ed25519 account key");
		goto fail;
	}
	return 0;
fail:
	fprintf(stderr, "ternd: %s\n", err);
	return -1;
}

/* The store, sealed with the store key (storekey.c). */
static int open_store(struct ternd *td)
{
	uint8_t key[DSTORE_STORE_KEY_LEN];
	const char *from;
	char err[512];
	int ret;

	ret = storekey_load(&td->conf, key, &from, err, sizeof(err));
	if (!ret)
		ret = dstore_open(td->conf.data, key, &td->ds, err,
				  sizeof(err));
	explicit_bzero(key, sizeof(key));
	if (ret)
		fprintf(stderr, "ternd: %s\n", err);
	return ret;
}

static int pick_transport(struct ternd *td)
{
	char why[96];

	switch (td->conf.transport) {
	case TD_T_KERNEL:
		if (tkern_init(td, why, sizeof(why))) {
			fprintf(stderr, "ternd: --transport kernel: %s\n", why);
			return -1;
		}
		snprintf(td->tmode_why, sizeof(td->tmode_why), "%s", why);
		break;
	case TD_T_USER:
		tuser_init(td);
		snprintf(td->tmode_why, sizeof(td->tmode_why),
			 "chosen by --transport");
		break;
	case TD_T_AUTO:
		if (tkern_init(td, why, sizeof(why)))
			tuser_init(td);
		snprintf(td->tmode_why, sizeof(td->tmode_why), "%s", why);
		break;
	}
	fprintf(stderr, "%sternd: transport %s (%s)\n", journal ? "<6>" : "",
		td->t->name, td->tmode_why);
	return 0;
}

static void on_signal(struct ev_fd *ev, uint32_t events)
{
	struct ternd *td = (void *)((char *)ev - offsetof(struct ternd,
							  sig_ev));
	struct signalfd_siginfo si;

	(void)events;
	while (read(ev->fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			td_log(td, TD_INFO, "stopping (signal %u)",
			       si.ssi_signo);
			evloop_stop(td->loop);
		}
	}
}

static int setup_signals(struct ternd *td)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	td->sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (td->sig_fd < 0)
		return -errno;
	td->sig_ev.fn = on_signal;
	return ev_fd_add(td->loop, &td->sig_ev, td->sig_fd, EPOLLIN);
}

int main(int argc, char **argv)
{
	struct ternd td = {
		.conf = {
			.transport = TD_T_AUTO,
			.ack_timeout_ms = TD_ACK_TIMEOUT_MS,
			.reconnect_max_ms = TD_BACKOFF_CAP_MS,
			.push_priority = TD_PUSH_PRIORITY,
			.max_head_age_ms = TDIR_MAX_AGE_MS,
			.lookup_cache_ms = TDIR_CACHE_MS,
			.dir_check_ms = TDIR_CHECK_MS,
			.prekeys = TDIR_PREKEYS_DEFAULT,
		},
		.ctl_fd = -1,
		.sig_fd = -1,
		.lock_fd = -1,
	};
	char err[256];
	int status = 1, ret;

	journal = getenv("JOURNAL_STREAM") != NULL;
	ret = parse_args(&td.conf, argc, argv);
	if (ret >= 0) {
		conf_free(&td.conf);
		return ret;
	}
	if (!td.conf.gateway || !td.conf.ca) {
		fprintf(stderr, "ternd: %s is required (flag or config file)\n",
			!td.conf.gateway ? "--gateway HOST:PORT" :
			"--ca FILE");
		conf_free(&td.conf);
		return 2;
	}
	ret = check_directory(&td.conf);
	if (ret >= 0) {
		conf_free(&td.conf);
		return ret;
	}
	if (split_gateway(&td)) {
		fprintf(stderr, "ternd: bad gateway '%s': expected HOST:PORT or [IPv6]:PORT\n",
			td.conf.gateway);
		conf_free(&td.conf);
		return 2;
	}
	if ((!td.conf.gateway_name && set_str(&td.conf.gateway_name,
					       td.gw_host)) ||
	    (!td.conf.data && set_str(&td.conf.data, TERND_DATA_DEFAULT))) {
		fprintf(stderr, "ternd: out of memory\n");
		conf_free(&td.conf);
		return 1;
	}
	if (!td.conf.socket) {
		snprintf(err, sizeof(err), "%s/%s", td.conf.data,
			 TERND_SOCKET_NAME);
		if (set_str(&td.conf.socket, err)) {
			conf_free(&td.conf);
			return 1;
		}
	}

	if (!td.conf.api_socket) {
		const char *slash = strrchr(td.conf.socket, '/');
		int n = slash ? (int)(slash - td.conf.socket) : 1;

		snprintf(err, sizeof(err), "%.*s/%s", n,
			 slash ? td.conf.socket : ".", TERND_API_SOCKET_NAME);
		if (set_str(&td.conf.api_socket, err)) {
			conf_free(&td.conf);
			return 1;
		}
	}

	ret = mkdirs(td.conf.data);
	if (ret) {
		fprintf(stderr, "ternd: %s: %s\n", td.conf.data, strerror(-ret));
		goto out_conf;
	}
	if (lock_data(&td) || load_keys(&td))
		goto out_keys;
	if (open_store(&td))
		goto out_keys;
	td.tls = tls_client_ctx(td.conf.ca, err, sizeof(err));
	if (!td.tls) {
		fprintf(stderr, "ternd: %s\n", err);
		goto out_store;
	}
	if (evloop_new(&td.loop)) {
		fprintf(stderr, "ternd: cannot create the event loop\n");
		goto out_tls;
	}
	td.flush.fn = td_flush;
	td.out_timer.fn = outbox_tick;
	td.expire_timer.fn = inbox_expire;
	if (setup_signals(&td)) {
		fprintf(stderr, "ternd: signals: %s\n", strerror(errno));
		goto out_loop;
	}
	if (pick_transport(&td))
		goto out_loop;
	if (ctl_open(&td, err, sizeof(err))) {
		fprintf(stderr, "ternd: control socket: %s\n", err);
		goto out_transport;
	}
	ev_timer_in(td.loop, &td.expire_timer, 60000);
	if (!td.akey) {
		/* Directory and messaging start once it is linked. */
		if (devlink_start(&td)) {
			ctl_close(&td);
			goto out_transport;
		}
		link_start(&td);
		goto run;
	}
	link_start(&td);
	ret = tdir_start(&td, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "ternd: directory: %s\n", err);
		status = ret == -EINVAL ? 2 : 1;
		link_stop(&td);
		ctl_close(&td);
		evloop_run_once(td.loop, 0);
		goto out_transport;
	}
	ret = chat_start(&td, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "ternd: messaging: %s\n", err);
		tdir_stop(&td);
		link_stop(&td);
		ctl_close(&td);
		evloop_run_once(td.loop, 0);
		goto out_transport;
	}

run:
	ret = evloop_run(td.loop);
	if (ret)
		td_log(&td, TD_ERR, "event loop: %s", strerror(-ret));
	else if (!td.failed)
		status = 0;

	/* Shutdown: commit (and acknowledge) what is handled, then let go
	 * of the connection: the user transport closes it, the kernel
	 * transport leaves it in tern.ko for the next ternd.
	 */
	td_flush_now(&td);
	devlink_free(&td);
	chat_stop(&td);
	tdir_stop(&td);
	link_stop(&td);
	ctl_close(&td);
	evloop_run_once(td.loop, 0);	/* after-callbacks: frees, flushes */
	td_flush_now(&td);
	/* Last: its after-callbacks (closed API clients) ran just now. */
	chat_free(&td);
out_transport:
	td.t->destroy(&td);
out_loop:
	if (td.sig_fd >= 0)
		close(td.sig_fd);
	ev_timer_stop(td.loop, &td.expire_timer);
	evloop_free(td.loop);
out_tls:
	SSL_CTX_free(td.tls);
out_store:
	dstore_close(td.ds);
out_keys:
	EVP_PKEY_free(td.dkey);
	EVP_PKEY_free(td.akey);
	free(td.dack);
	if (td.lock_fd >= 0)
		close(td.lock_fd);
out_conf:
	conf_free(&td.conf);
	return status;
}
