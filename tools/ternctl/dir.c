// SPDX-License-Identifier: GPL-2.0
/*
 * ternctl dir: a client of tern-directoryd (Documentation/directory.rst)
 * that believes nothing it has not verified.
 *
 *   ternctl dir lookup HANDLE   look a handle up, check every proof
 *   ternctl dir head            fetch and check the latest signed head
 *
 * The directory's keys come from the client's configuration (the lines
 * 'tern-directoryd --show-keys' prints), never from the directory. With
 * --state, the newest head seen is kept in a file, and every later answer
 * must be consistent with it: a rollback or a forked log is an alarm.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/x509.h>

#include "b64.h"
#include "conf.h"
#include "dir.h"
#include "dirjson.h"
#include "hex.h"
#include "kt_log.h"


static char *dup_or_die(const char *s)
{
	char *p = strdup(s);

	if (!p) {
		fputs("ternctl: out of memory\n", stderr);
		exit(EXIT_RUNTIME);
	}
	return p;
}

static void set(char **field, const char *val)
{
	free(*field);
	*field = dup_or_die(val);
}

void dir_opts_free(struct dir_opts *o)
{
	free(o->url);
	free(o->ca);
	free(o->head_key);
	free(o->vrf_key);
	free(o->state);
}

static int conf_key(void *ctx, const char *key, const char *val,
		    unsigned int line, char *err, size_t errlen)
{
	struct dir_opts *o = ctx;

	(void)line;
	if (!strcmp(key, "directory"))
		set(&o->url, val);
	else if (!strcmp(key, "ca"))
		set(&o->ca, val);
	else if (!strcmp(key, "head-key"))
		set(&o->head_key, val);
	else if (!strcmp(key, "vrf-key"))
		set(&o->vrf_key, val);
	else if (!strcmp(key, "state"))
		set(&o->state, val);
	else if (!strcmp(key, "max-head-age"))
		return conf_duration_ms(val, &o->max_age_ms) ?
		       (snprintf(err, errlen, "max-head-age: bad duration"),
			-EINVAL) : 0;
	else {
		snprintf(err, errlen, "unknown key '%s'", key);
		return -EINVAL;
	}
	return 0;
}

#define DIR_OPTS_HELP \
	"  -c, --config FILE       directory, ca, head-key, vrf-key, state and\n" \
	"                          max-head-age as 'key = value' lines\n" \
	"      --directory URL     https://HOST:PORT of tern-directoryd\n" \
	"      --ca FILE           the CA (or certificate) to trust for it\n" \
	"      --head-key B64      its head key, as --show-keys prints it\n" \
	"      --vrf-key B64       its VRF key, as --show-keys prints it\n" \
	"      --state FILE        keep the newest head seen here, and refuse\n" \
	"                          answers inconsistent with it\n" \
	"      --max-head-age T    refuse heads older than T [10m]\n" \
	"  -j, --json              print JSON\n" \
	"  -h, --help              show this help\n"

enum { DO_URL = 256, DO_CA, DO_HEAD_KEY, DO_VRF_KEY, DO_STATE, DO_MAX_AGE,
       DO_ACCOUNT_KEY, DO_INVITE, DO_EMAIL_CODE };

static const struct option dir_longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "directory", required_argument, NULL, DO_URL },
	{ "ca", required_argument, NULL, DO_CA },
	{ "head-key", required_argument, NULL, DO_HEAD_KEY },
	{ "vrf-key", required_argument, NULL, DO_VRF_KEY },
	{ "state", required_argument, NULL, DO_STATE },
	{ "max-head-age", required_argument, NULL, DO_MAX_AGE },
	{ "account-key", required_argument, NULL, DO_ACCOUNT_KEY },
	{ "invite", required_argument, NULL, DO_INVITE },
	{ "email-code", required_argument, NULL, DO_EMAIL_CODE },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

int dir_opts(int argc, char **argv, const struct ternctl_cmd *cmd,
	     struct dir_opts *o, int *status)
{
	const char *url = NULL, *ca = NULL, *hk = NULL, *vk = NULL;
	const char *state = NULL, *age = NULL;
	char err[512];
	int c;

	memset(o, 0, sizeof(*o));
	o->max_age_ms = 10 * 60 * 1000;
	/* Flags first, kept aside: they override the config file. */
	optind = 0;
	while ((c = getopt_long(argc, argv, "c:jh", dir_longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 'h':
			ternctl_print_help(stdout, argv[0], cmd);
			*status = 0;
			return -1;
		case DO_URL:
			url = optarg;
			break;
		case DO_CA:
			ca = optarg;
			break;
		case DO_HEAD_KEY:
			hk = optarg;
			break;
		case DO_VRF_KEY:
			vk = optarg;
			break;
		case DO_STATE:
			state = optarg;
			break;
		case DO_MAX_AGE:
			age = optarg;
			break;
		case DO_ACCOUNT_KEY:
			o->account_key = optarg;
			break;
		case DO_INVITE:
			o->invite = optarg;
			break;
		case DO_EMAIL_CODE:
			o->email_code = optarg;
			break;
		default:
			*status = ternctl_usage(argv[0], "bad option");
			return -1;
		}
	}
	if (o->config && conf_load(o->config, conf_key, o, err, sizeof(err))) {
		*status = ternctl_error("%s", err);
		return -1;
	}
	if (url)
		set(&o->url, url);
	if (ca)
		set(&o->ca, ca);
	if (hk)
		set(&o->head_key, hk);
	if (vk)
		set(&o->vrf_key, vk);
	if (state)
		set(&o->state, state);
	if (age && conf_duration_ms(age, &o->max_age_ms)) {
		*status = ternctl_usage(argv[0],
					"--max-head-age: bad duration '%s'",
					age);
		return -1;
	}
	if (!o->url || !o->ca || !o->head_key || !o->vrf_key) {
		*status = ternctl_usage(argv[0],
			"needs --directory, --ca, --head-key and --vrf-key (or a --config file with them)");
		return -1;
	}
	if (strncmp(o->url, "https://", 8)) {
		*status = ternctl_usage(argv[0],
			"--directory: '%s' is not an https:// URL", o->url);
		return -1;
	}
	return optind;
}

int dir_load_pins(const struct dir_opts *o, struct lookup_pins *p)
{
	char err[256];

	if (dirc_pins(o->head_key, o->vrf_key, o->max_age_ms, p, err,
		      sizeof(err)))
		return ternctl_error("%s", err);
	return 0;
}

void dir_pins_free(struct lookup_pins *p)
{
	dirc_pins_free(p);
}

int dir_http(const struct dir_opts *o, const char *method, const char *path,
	     const char *body, size_t len, struct dirc_answer *a)
{
	char err[1024];

	if (dirc_request(NULL, o->url, o->ca, method, path, body, len, NULL,
			 NULL, a, err, sizeof(err)))
		return ternctl_error("%s", err);
	return 0;
}

static int http_get(const struct dir_opts *o, const char *path,
		    struct dirc_answer *a)
{
	return dir_http(o, "GET", path, NULL, 0, a);
}

/* The head in the state file: 0 read, 1 none yet, -1 an error (said). */
static int state_read(const char *path, struct kt_sth *h)
{
	char err[256];
	json_error_t jerr;
	json_t *j;
	int ret;

	j = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!j) {
		if (access(path, F_OK) && errno == ENOENT)
			return 1;
		ternctl_error("state %s: %s", path, jerr.text);
		return -1;
	}
	ret = dirjson_get_head(j, "state", h, err, sizeof(err));
	json_decref(j);
	if (ret) {
		ternctl_error("state %s: %s", path, err);
		return -1;
	}
	return 0;
}

/* Replaces the state file atomically with @h. */
static int state_write(const char *path, const struct kt_sth *h)
{
	char tmp[PATH_MAX];
	json_t *j = dirjson_head(h);
	int fd, ret = 0;
	FILE *f;

	if (!j || snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >=
	    (int)sizeof(tmp)) {
		json_decref(j);
		return ternctl_error("state %s: cannot write", path);
	}
	fd = mkstemp(tmp);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f || json_dumpf(j, f, JSON_COMPACT) || fputc('\n', f) == EOF ||
	    fflush(f) || fsync(fileno(f)))
		ret = -1;
	if (f ? fclose(f) : (fd >= 0 && close(fd)))
		ret = -1;
	if (!ret && rename(tmp, path))
		ret = -1;
	if (ret) {
		unlink(tmp);
		ternctl_error("state %s: cannot write: %s", path,
			      strerror(errno));
	}
	json_decref(j);
	return ret ? EXIT_RUNTIME : 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void dir_print_lookup(const struct dir_opts *o, const char *handle,
		      const struct lookup_result *r)
{
	char id[HEX_LEN(ENTRY_ID_LEN)], key[B64_LEN(ENTRY_KEY_LEN) + 1];
	unsigned int i;

	if (o->json) {
		json_t *devs = json_array(), *j;

		for (i = 0; r->present && i < r->entry.ndev; i++) {
			hex_encode(r->entry.dev[i].id, ENTRY_ID_LEN, id);
			json_array_append_new(devs, json_pack("{s:s, s:o, s:o}",
				"device_id", id,
				"identity_key", dirjson_bytes(
					r->entry.dev[i].identity_key,
					ENTRY_KEY_LEN),
				"push_token", dirjson_bytes(
					r->entry.dev[i].push_token,
					ENTRY_TOKEN_LEN)));
		}
		j = json_pack("{s:s, s:b, s:s, s:I, s:I, s:o}",
			      "handle", handle, "present", r->present,
			      "verified", "yes",
			      "head_size", (json_int_t)r->head.size,
			      "epoch", (json_int_t)r->epoch,
			      "devices", devs);
		if (j && r->present)
			json_object_set_new(j, "seq",
					    json_integer(r->entry.seq));
		if (j)
			json_dumpf(j, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(j);
		return;
	}
	printf("%s: %s (verified under head %llu, epoch %llu)\n", handle,
	       r->present ? "registered" : "not registered",
	       (unsigned long long)r->head.size,
	       (unsigned long long)r->epoch);
	if (!r->present)
		return;
	printf("  account seq %llu, %u device%s\n",
	       (unsigned long long)r->entry.seq, r->entry.ndev,
	       r->entry.ndev == 1 ? "" : "s");
	for (i = 0; i < r->entry.ndev; i++) {
		hex_encode(r->entry.dev[i].id, ENTRY_ID_LEN, id);
		b64_encode(r->entry.dev[i].identity_key, ENTRY_KEY_LEN, key);
		printf("  device %s  identity %s\n", id, key);
	}
}

static int lookup_run(int argc, char **argv);
static int head_run(int argc, char **argv);
static int audit_run(int argc, char **argv);
static int monitor_run(int argc, char **argv);

#define ACCOUNT_HELP \
	"      --account-key FILE  the account's Ed25519 private key (PEM)\n"

static const struct ternctl_cmd dir_cmds[] = {
	{
		.name = "lookup",
		.synopsis = "HANDLE [OPTIONS]",
		.brief = "look a handle up and verify every proof",
		.summary = "Look HANDLE up in tern-directoryd and check, against the pinned keys,\nthat the answer is the handle's current entry under the latest signed\nhead: the head's signature and age, the epoch's inclusion in the log,\nthe VRF proof, the map proof and every device's key signatures. With\n--state, also that the log only grew since the last head seen.\nExit status 3: an alarm, the answer does not hold (the reason is printed).",
		.help = "Options:\n" DIR_OPTS_HELP,
		.run = lookup_run,
	},
	{
		.name = "head",
		.synopsis = "[OPTIONS]",
		.brief = "fetch and verify the latest signed head",
		.summary = "Fetch the directory's latest signed tree head and check its signature\nand age; with --state, that it is consistent with the last one seen.\nExit status 3: an alarm.",
		.help = "Options:\n" DIR_OPTS_HELP,
		.run = head_run,
	},
	{
		.name = "audit",
		.synopsis = "[OPTIONS] [GOSSIP-FILE...]",
		.brief = "check the directory's log as an auditor",
		.summary = "Check, as an independent auditor, that the directory's latest head is\nsigned, recent, and continues the last head this auditor saw (--state),\nand that every head clients forwarded (GOSSIP-FILE: a client's --state\nfile) is signed by the directory and consistent with its log. A\ndirectory that shows some clients another log (a split view) cannot pass.\nExit status 3: an alarm.",
		.help = "Options:\n" DIR_OPTS_HELP,
		.run = audit_run,
	},
	{
		.name = "monitor",
		.synopsis = "HANDLE account-key=B64 [device=ID]... [OPTIONS]",
		.brief = "check that the directory shows a handle as its owner left it",
		.summary = "The owner's own check: look HANDLE up, verify the answer, and raise an\nalarm unless it shows exactly the account key and the devices given\n(device ids, 32 hex digits): a key the directory substituted, even one it\nlogged with valid proofs, is caught here.\nExit status 3: an alarm.",
		.help = "Options:\n" DIR_OPTS_HELP,
		.run = monitor_run,
	},
	{
		.name = "register",
		.synopsis = "HANDLE --account-key FILE (--invite CODE | --email-code CODE) [OPTIONS]",
		.brief = "register a handle to an account key",
		.summary = "Register HANDLE to the account key in FILE (made there if missing,\nmode 0600), with an invite code or the code the directory mailed to the\nhandle ('ternctl dir code'), then check with a verified lookup that the\ndirectory shows it.",
		.help = "Options:\n"
			"      --invite CODE       an invite from the operator\n"
			"      --email-code CODE   the code mailed to HANDLE\n"
			ACCOUNT_HELP DIR_OPTS_HELP,
		.run = dir_register_run,
	},
	{
		.name = "code",
		.synopsis = "HANDLE [OPTIONS]",
		.brief = "ask the directory to mail a registration code",
		.summary = "Ask a directory that registers by email to send a code to HANDLE.",
		.help = "Options:\n" DIR_OPTS_HELP,
		.run = dir_code_run,
	},
	{
		.name = "devices",
		.synopsis = "HANDLE [remove DEVICE-ID --account-key FILE] [OPTIONS]",
		.brief = "list a handle's devices, or remove one",
		.summary = "List HANDLE's devices from a verified lookup; with 'remove', remove\none of them (signed by the account key), then check that it is gone.",
		.help = "Options:\n" ACCOUNT_HELP DIR_OPTS_HELP,
		.run = dir_devices_run,
	},
	{ NULL, NULL, NULL, NULL, NULL, NULL }
};

const struct ternctl_cmd *dir_cmd_named(const char *name)
{
	const struct ternctl_cmd *c;

	for (c = dir_cmds; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

const struct ternctl_group ternctl_dir_group = {
	.name = "dir",
	.summary = "use the directory: look handles up, verify its log",
	.cmds = dir_cmds,
};

/*
 * Looks @handle up and verifies the answer; with --state, against and then
 * into the state file. 0 with @r filled, EXIT_ALARM (said) or
 * EXIT_RUNTIME.
 */
int dir_verified_lookup(const struct dir_opts *o,
			const struct lookup_pins *pins, const char *handle,
			struct lookup_result *r)
{
	struct kt_sth seen, *seenp = NULL;
	char err[1024];
	int status;

	if (o->state) {
		status = state_read(o->state, &seen);
		if (status < 0)
			return EXIT_RUNTIME;
		if (!status)
			seenp = &seen;
	}
	status = dirc_lookup(NULL, o->url, o->ca, pins, handle, seenp,
			     now_ms(), NULL, NULL, r, err, sizeof(err));
	if (status < 0)
		return ternctl_error("%s", err);
	if (status > 0) {
		fprintf(stderr, "ternctl: ALARM: %s: %s\n",
			lookup_verdict_name(status), err);
		return EXIT_ALARM;
	}
	if (o->state && (!seenp || r->head.size > seen.size ||
			 r->head.timestamp_ms > seen.timestamp_ms))
		return state_write(o->state, &r->head);
	return 0;
}

static int lookup_run(int argc, char **argv)
{
	struct lookup_result *r = calloc(1, sizeof(*r));
	struct lookup_pins pins = { 0 };
	struct dir_opts o;
	int first, status;

	first = dir_opts(argc, argv, &dir_cmds[0], &o, &status);
	if (first < 0)
		goto out;
	if (first != argc - 1) {
		status = ternctl_usage(argv[0], first < argc ?
				       "one handle, please" :
				       "which handle?");
		goto out;
	}
	if (!r) {
		status = ternctl_error("out of memory");
		goto out;
	}
	status = dir_load_pins(&o, &pins);
	if (!status)
		status = dir_verified_lookup(&o, &pins, argv[first], r);
	if (!status)
		dir_print_lookup(&o, argv[first], r);
out:
	free(r);
	dir_pins_free(&pins);
	dir_opts_free(&o);
	return status;
}

/*
 * Is the head @newer a continuation of @older (both verified)? 0 yes;
 * EXIT_ALARM (said, naming @what) no; EXIT_RUNTIME when the directory
 * could not be asked.
 */
static int check_consistent(const struct dir_opts *o,
			    const struct kt_sth *older,
			    const struct kt_sth *newer, const char *what)
{
	uint8_t (*proof)[KT_HASH_LEN] = NULL;
	struct dirc_answer a = { 0 };
	char path[128], err[256];
	json_t *p = NULL;
	int status;
	size_t n;

	if (older->size == newer->size) {
		if (kt_hash_eq(older->root, newer->root))
			return 0;
		fprintf(stderr, "ternctl: ALARM: %s: two heads of size %llu with different roots\n",
			what, (unsigned long long)newer->size);
		return EXIT_ALARM;
	}
	if (older->size > newer->size) {
		fprintf(stderr, "ternctl: ALARM: %s: a head of size %llu after one of size %llu: the log was rolled back\n",
			what, (unsigned long long)newer->size,
			(unsigned long long)older->size);
		return EXIT_ALARM;
	}
	proof = calloc(KT_LOG_MAX_PROOF, KT_HASH_LEN);
	if (!proof)
		return ternctl_error("out of memory");
	snprintf(path, sizeof(path), "/v1/kt/consistency?from=%llu&to=%llu",
		 (unsigned long long)older->size,
		 (unsigned long long)newer->size);
	status = http_get(o, path, &a);
	if (status)
		goto out;
	p = json_loadb(a.buf, a.len, JSON_REJECT_DUPLICATES, NULL);
	if (!p || dirjson_get_hashes(json_object_get(p, "proof"), "proof",
				     proof, KT_LOG_MAX_PROOF, &n, err,
				     sizeof(err)) ||
	    kt_log_verify_consistency(older->size, newer->size, older->root,
				      newer->root,
				      (const uint8_t (*)[KT_HASH_LEN])proof,
				      n)) {
		fprintf(stderr, "ternctl: ALARM: %s: the directory has no valid consistency proof from size %llu to %llu: the log was forked\n",
			what, (unsigned long long)older->size,
			(unsigned long long)newer->size);
		status = EXIT_ALARM;
	}
out:
	json_decref(p);
	free(a.buf);
	free(proof);
	return status;
}

/* Fetches and verifies the directory's latest head (signature, age). */
static int fetch_head(const struct dir_opts *o,
		      const struct lookup_pins *pins, struct kt_sth *h)
{
	struct dirc_answer a = { 0 };
	char err[256];
	json_t *j;
	int status;

	status = http_get(o, "/v1/kt/head", &a);
	if (status)
		return status;
	j = json_loadb(a.buf, a.len, JSON_REJECT_DUPLICATES, NULL);
	status = 0;
	if (!j || dirjson_get_head(j, "head", h, err, sizeof(err))) {
		fprintf(stderr, "ternctl: ALARM: malformed: %s\n",
			j ? err : "the head is not JSON");
		status = EXIT_ALARM;
	} else if (kt_sth_verify(h, pins->head_key)) {
		fprintf(stderr, "ternctl: ALARM: bad-head: the head's signature does not verify under the pinned key\n");
		status = EXIT_ALARM;
	} else if (o->max_age_ms && now_ms() > h->timestamp_ms &&
		   now_ms() - h->timestamp_ms > o->max_age_ms) {
		fprintf(stderr, "ternctl: ALARM: stale-head: the head is %llu s old, more than --max-head-age\n",
			(unsigned long long)(now_ms() - h->timestamp_ms) / 1000);
		status = EXIT_ALARM;
	}
	json_decref(j);
	free(a.buf);
	return status;
}

/*
 * With --state: the directory's head @h must continue the one kept there,
 * and then replaces it.
 */
static int state_advance(const struct dir_opts *o, const struct kt_sth *h)
{
	struct kt_sth seen;
	int status;

	if (!o->state)
		return 0;
	status = state_read(o->state, &seen);
	if (status < 0)
		return EXIT_RUNTIME;
	if (!status) {
		status = check_consistent(o, &seen, h, "head");
		if (status)
			return status;
		if (seen.size == h->size && seen.timestamp_ms >= h->timestamp_ms)
			return 0;
	}
	return state_write(o->state, h);
}

static void print_head(const struct dir_opts *o, const struct kt_sth *h)
{
	char root[B64_LEN(KT_HASH_LEN) + 1];
	uint64_t now = now_ms();

	if (o->json) {
		json_t *j = dirjson_head(h);

		json_dumpf(j, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(j);
		return;
	}
	b64_encode(h->root, KT_HASH_LEN, root);
	printf("head size %llu, %llu s old, root %s: signature verified\n",
	       (unsigned long long)h->size,
	       (unsigned long long)(now > h->timestamp_ms ?
				    (now - h->timestamp_ms) / 1000 : 0),
	       root);
}

static int head_run(int argc, char **argv)
{
	struct lookup_pins pins = { 0 };
	struct dir_opts o;
	struct kt_sth h;
	int first, status;

	first = dir_opts(argc, argv, &dir_cmds[1], &o, &status);
	if (first < 0)
		goto out;
	if (first != argc) {
		status = ternctl_usage(argv[0], "unexpected argument '%s'",
				       argv[first]);
		goto out;
	}
	status = dir_load_pins(&o, &pins);
	if (!status)
		status = fetch_head(&o, &pins, &h);
	if (!status)
		status = state_advance(&o, &h);
	if (!status)
		print_head(&o, &h);
out:
	dir_pins_free(&pins);
	dir_opts_free(&o);
	return status;
}

/*
 * ternctl dir audit [--gossip FILE]...: the auditor's check. The
 * directory's head must continue the auditor's last one (--state), and
 * every head a client forwarded (its state file, a head as JSON) must be
 * signed by the directory and consistent with the directory's own log:
 * two clients shown different logs cannot both be.
 */
static int audit_run(int argc, char **argv)
{
	struct lookup_pins pins = { 0 };
	struct kt_sth h, g;
	struct dir_opts o;
	char what[PATH_MAX + 32];
	int first, status, i, alarms = 0, n = 0, ret;

	first = dir_opts(argc, argv, &dir_cmds[2], &o, &status);
	if (first < 0)
		goto out;
	status = dir_load_pins(&o, &pins);
	if (!status)
		status = fetch_head(&o, &pins, &h);
	if (!status)
		status = state_advance(&o, &h);
	if (status)
		goto out;
	for (i = first; i < argc; i++) {
		ret = state_read(argv[i], &g);
		if (ret) {
			status = ret < 0 ? EXIT_RUNTIME :
				 ternctl_error("gossip %s: no such file",
					       argv[i]);
			goto out;
		}
		snprintf(what, sizeof(what), "split-view (%s)", argv[i]);
		if (kt_sth_verify(&g, pins.head_key)) {
			fprintf(stderr, "ternctl: ALARM: bad-head: %s: not signed by the directory's head key\n",
				argv[i]);
			alarms++;
			continue;
		}
		ret = g.size <= h.size ? check_consistent(&o, &g, &h, what) :
		      check_consistent(&o, &h, &g, what);
		if (ret == EXIT_RUNTIME && g.size > h.size) {
			fprintf(stderr, "ternctl: ALARM: %s: a client holds a head of size %llu, beyond the directory's %llu\n",
				what, (unsigned long long)g.size,
				(unsigned long long)h.size);
			ret = EXIT_ALARM;
		}
		if (ret == EXIT_RUNTIME) {
			status = ret;
			goto out;
		}
		alarms += ret == EXIT_ALARM;
		n++;
	}
	if (alarms) {
		status = EXIT_ALARM;
		goto out;
	}
	printf("audit: the directory's head (size %llu) continues the last one audited; %d forwarded head%s consistent with it\n",
	       (unsigned long long)h.size, n, n == 1 ? "" : "s");
	status = 0;
out:
	dir_pins_free(&pins);
	dir_opts_free(&o);
	return status;
}

/*
 * ternctl dir monitor HANDLE --account-key B64 --device ID...: the owner's
 * own check that the directory shows its handle with exactly its account
 * key and the devices it added.
 */
static int monitor_run(int argc, char **argv)
{
	struct lookup_result *r = calloc(1, sizeof(*r));
	struct lookup_pins pins = { 0 };
	uint8_t akey[ENTRY_KEY_LEN], ids[ENTRY_MAX_DEVICES][ENTRY_ID_LEN];
	unsigned int nid = 0, i, j;
	const char *handle = NULL, *ak = NULL, *why;
	char id[HEX_LEN(ENTRY_ID_LEN)];
	struct dir_opts o;
	int first, status, k, alarms = 0;
	size_t n;

	first = dir_opts(argc, argv, &dir_cmds[3], &o, &status);
	if (first < 0)
		goto out;
	/* Operands: HANDLE, then account-key=B64 and device=ID words. */
	for (k = first; k < argc; k++) {
		if (!strncmp(argv[k], "account-key=", 12)) {
			ak = argv[k] + 12;
		} else if (!strncmp(argv[k], "device=", 7)) {
			if (nid == ENTRY_MAX_DEVICES ||
			    strlen(argv[k] + 7) != 2 * ENTRY_ID_LEN ||
			    hex_decode(argv[k] + 7, ids[nid], ENTRY_ID_LEN)) {
				status = ternctl_usage(argv[0],
					"'%s': want device=ID, 32 hex digits, at most %d",
					argv[k], ENTRY_MAX_DEVICES);
				goto out;
			}
			nid++;
		} else if (!handle) {
			handle = argv[k];
		} else {
			status = ternctl_usage(argv[0],
					       "unexpected argument '%s'",
					       argv[k]);
			goto out;
		}
	}
	if (!handle || !ak) {
		status = ternctl_usage(argv[0],
				       "needs HANDLE and account-key=B64");
		goto out;
	}
	why = b64_decode(ak, akey, sizeof(akey), &n);
	if (why || n != ENTRY_KEY_LEN || !r) {
		status = ternctl_usage(argv[0], "account-key: %s",
				       why ? why : "not 32 bytes");
		goto out;
	}
	status = dir_load_pins(&o, &pins);
	if (!status)
		status = dir_verified_lookup(&o, &pins, handle, r);
	if (status)
		goto out;
	if (!r->present) {
		fprintf(stderr, "ternctl: ALARM: missing: %s is not in the directory\n",
			handle);
		status = EXIT_ALARM;
		goto out;
	}
	if (memcmp(r->entry.account_key, akey, ENTRY_KEY_LEN)) {
		fprintf(stderr, "ternctl: ALARM: account-key: %s is shown with another account key\n",
			handle);
		alarms++;
	}
	for (i = 0; i < r->entry.ndev; i++) {
		for (j = 0; j < nid; j++)
			if (!memcmp(r->entry.dev[i].id, ids[j], ENTRY_ID_LEN))
				break;
		if (j == nid) {
			hex_encode(r->entry.dev[i].id, ENTRY_ID_LEN, id);
			fprintf(stderr, "ternctl: ALARM: unexpected-device: %s is shown with device %s, which its owner did not add\n",
				handle, id);
			alarms++;
		}
	}
	for (j = 0; j < nid; j++) {
		for (i = 0; i < r->entry.ndev; i++)
			if (!memcmp(r->entry.dev[i].id, ids[j], ENTRY_ID_LEN))
				break;
		if (i == r->entry.ndev) {
			hex_encode(ids[j], ENTRY_ID_LEN, id);
			fprintf(stderr, "ternctl: ALARM: missing-device: %s is shown without its device %s\n",
				handle, id);
			alarms++;
		}
	}
	if (alarms) {
		status = EXIT_ALARM;
		goto out;
	}
	printf("%s: as its owner left it: the account key and %u device%s (verified under head %llu)\n",
	       handle, nid, nid == 1 ? "" : "s",
	       (unsigned long long)r->head.size);
out:
	free(r);
	dir_pins_free(&pins);
	dir_opts_free(&o);
	return status;
}
