// SPDX-License-Identifier: GPL-2.0
/*
 * ternctl conn: list, show, set and delete connections.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "ternctl.h"

/* Attempts at a dump that the kernel reports as inconsistent. */
#define DUMP_TRIES	3

struct conn_vec {
	struct tern_conn_info *v;
	size_t n, cap;
	bool nomem;
};

static int conn_vec_add(const struct tern_conn_info *info, void *arg)
{
	struct conn_vec *cv = arg;
	struct tern_conn_info *v;

	if (cv->n == cv->cap) {
		cv->cap = cv->cap ? 2 * cv->cap : 64;
		v = realloc(cv->v, cv->cap * sizeof(*v));
		if (!v) {
			cv->nomem = true;
			return -ENOMEM;
		}
		cv->v = v;
	}
	cv->v[cv->n++] = *info;
	return 0;
}

static int conn_cmp(const void *a, const void *b)
{
	const struct tern_conn_info *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int conn_collect(struct tern_nl *nl, const char *owner,
			struct conn_vec *cv)
{
	int err, tries = 0;

	do {
		cv->n = 0;
		err = tern_nl_conn_dump(nl, owner, conn_vec_add, cv);
	} while (err == -EAGAIN && ++tries < DUMP_TRIES);
	if (cv->nomem)
		return ternctl_error("conn list: out of memory");
	if (err)
		return ternctl_fail(nl, err, "conn list", NULL);
	if (cv->n)
		qsort(cv->v, cv->n, sizeof(*cv->v), conn_cmp);
	return 0;
}

static int conn_list(int argc, char **argv);
static int conn_show(int argc, char **argv);
static int conn_set(int argc, char **argv);
static int conn_del(int argc, char **argv);

static const struct ternctl_cmd conn_cmds[] = {
	{
		.name = "list",
		.brief = "list connections",
		.synopsis = "[-j] [--owner TAG]",
		.summary = "List connections: id, state, role, owner tag, peer, heartbeat RTT,\nframes received and sent, frames held unacked.",
		.help =
		"Options:\n"
		"  -j, --json       print a JSON array with every field of each connection\n"
		"  --owner TAG      only connections carrying this owner tag\n"
		"  -h, --help       show this help\n",
		.run = conn_list,
	},
	{
		.name = "show",
		.brief = "show every field of a connection",
		.synopsis = "ID [-j]",
		.summary = "Show every field of connection ID.",
		.help =
		"Options:\n"
		"  -j, --json       print a JSON object\n"
		"  -h, --help       show this help\n",
		.run = conn_show,
	},
	{
		.name = "set",
		.brief = "change parameters of a connection",
		.synopsis = "ID OPTION...",
		.summary = "Change parameters of connection ID. Times are in milliseconds, sizes in\nbytes; numbers are decimal or 0x-prefixed hex.",
		.help =
		"Options:\n"
		"  --hb-interval MS      time between heartbeats\n"
		"  --timeout MS          time to wait for a pong (or for the peer)\n"
		"  --partial-timeout MS  time a partly received frame may take\n"
		"  --grace MS            time an orphan waits for adoption\n"
		"  --max-frame N         largest payload accepted from the peer\n"
		"  --priority N          socket priority (SO_PRIORITY)\n"
		"  --mark N              socket mark (SO_MARK)\n"
		"  --rcv-window N        bytes in flight to the owner, not yet acked\n"
		"  --max-held N          bytes held before reading stops\n"
		"  -h, --help            show this help\n",
		.run = conn_set,
	},
	{
		.name = "del",
		.brief = "close a connection and drop its frames",
		.synopsis = "ID",
		.summary = "Close connection ID and drop its frames.",
		.help =
		"Options:\n"
		"  -h, --help       show this help\n",
		.run = conn_del,
	},
	{ .name = NULL },
};

static const struct ternctl_cmd *conn_cmd(const char *name)
{
	const struct ternctl_cmd *c;

	for (c = conn_cmds; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

const struct ternctl_group ternctl_conn_group = {
	.name = "conn",
	.summary = "manage push connections",
	.cmds = conn_cmds,
};

static int conn_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "owner", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct conn_vec cv = { 0 };
	const char *owner = NULL;
	struct tern_nl *nl;
	struct json j;
	bool json = false;
	int c, ret;
	size_t i;

	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'o':
			owner = optarg;
			if (ternctl_check_tag(argv[0], owner))
				return EXIT_USAGE;
			break;
		case 'h':
			ternctl_print_help(stdout, argv[0], conn_cmd("list"));
			return 0;
		default:
			fprintf(stderr, "Try '%s --help'.\n", argv[0]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return ternctl_usage(argv[0], "unexpected argument '%s'",
				     argv[optind]);

	nl = ternctl_open();
	ret = conn_collect(nl, owner, &cv);
	tern_nl_close(nl);
	if (ret) {
		free(cv.v);
		return ret;
	}
	if (json) {
		json_init(&j, stdout, true);
		json_arr_begin(&j);
		for (i = 0; i < cv.n; i++)
			conninfo_json(&j, &cv.v[i]);
		json_arr_end(&j);
	} else {
		conninfo_table(stdout, cv.v, cv.n);
	}
	free(cv.v);
	return 0;
}

/* Parse the ID operand of show and del. */
static int conn_id_operand(int argc, char **argv, int first, uint32_t *id)
{
	if (first >= argc)
		return ternctl_usage(argv[0], "missing connection ID");
	if (first + 1 < argc)
		return ternctl_usage(argv[0], "unexpected argument '%s'",
				     argv[first + 1]);
	return ternctl_parse_id(argv[0], argv[first], id);
}

static int conn_show(int argc, char **argv)
{
	struct tern_conn_info info;
	struct tern_nl *nl;
	struct json j;
	bool json = false;
	uint32_t id;
	int first, status, err;

	first = ternctl_simple_opts(argc, argv, conn_cmd("show"), &json,
				    &status);
	if (first < 0)
		return status;
	status = conn_id_operand(argc, argv, first, &id);
	if (status)
		return status;

	nl = ternctl_open();
	err = tern_nl_conn_get(nl, id, &info);
	if (err) {
		status = ternctl_fail(nl, err, "conn show", &id);
		tern_nl_close(nl);
		return status;
	}
	tern_nl_close(nl);
	if (json) {
		json_init(&j, stdout, true);
		conninfo_json(&j, &info);
	} else {
		conninfo_text(stdout, &info);
	}
	return 0;
}

static int conn_del(int argc, char **argv)
{
	struct tern_nl *nl;
	uint32_t id;
	int first, status, err;

	first = ternctl_simple_opts(argc, argv, conn_cmd("del"), NULL,
				    &status);
	if (first < 0)
		return status;
	status = conn_id_operand(argc, argv, first, &id);
	if (status)
		return status;

	nl = ternctl_open();
	err = tern_nl_conn_del(nl, id);
	if (err)
		status = ternctl_fail(nl, err, "conn del", &id);
	tern_nl_close(nl);
	return status;
}

/* The u32 options of conn set, in the order of the help text. */
static const struct {
	const char *name;
	uint32_t bit;
	size_t off;	/* in struct tern_conn_params */
} set_opts[] = {
#define S(n, b, f) { n, b, offsetof(struct tern_conn_params, f) }
	S("hb-interval", TERN_P_HB_INTERVAL, hb_interval_ms),
	S("timeout", TERN_P_TIMEOUT, timeout_ms),
	S("partial-timeout", TERN_P_PARTIAL_TIMEOUT, partial_timeout_ms),
	S("grace", TERN_P_GRACE, grace_ms),
	S("max-frame", TERN_P_MAX_FRAME, max_frame),
	S("priority", TERN_P_PRIORITY, priority),
	S("mark", TERN_P_MARK, mark),
	S("rcv-window", TERN_P_RCV_WINDOW, rcv_window),
	S("max-held", TERN_P_MAX_HELD, max_held),
#undef S
};

#define NSET	ARRAY_SIZE(set_opts)

static int conn_set(int argc, char **argv)
{
	struct option opts[NSET + 2];
	struct tern_conn_params p = { .fd = -1 };
	struct tern_nl *nl;
	char name[32];
	uint32_t id, v;
	int c, idx, status, err;
	size_t i;

	for (i = 0; i < NSET; i++)
		opts[i] = (struct option) {
			set_opts[i].name, required_argument, NULL, 0,
		};
	opts[NSET] = (struct option) { "help", no_argument, NULL, 'h' };
	opts[NSET + 1] = (struct option) { NULL, 0, NULL, 0 };

	while ((c = getopt_long(argc, argv, "h", opts, &idx)) != -1) {
		switch (c) {
		case 0:
			snprintf(name, sizeof(name), "--%s", opts[idx].name);
			status = ternctl_parse_u32_opt(argv[0], name, optarg,
						       &v);
			if (status)
				return status;
			memcpy((char *)&p + set_opts[idx].off, &v, sizeof(v));
			p.given |= set_opts[idx].bit;
			break;
		case 'h':
			ternctl_print_help(stdout, argv[0], conn_cmd("set"));
			return 0;
		default:
			fprintf(stderr, "Try '%s --help'.\n", argv[0]);
			return EXIT_USAGE;
		}
	}
	status = conn_id_operand(argc, argv, optind, &id);
	if (status)
		return status;
	if (!p.given)
		return ternctl_usage(argv[0],
				     "nothing to change: give at least one option");

	nl = ternctl_open();
	err = tern_nl_conn_set(nl, id, &p);
	if (err)
		status = ternctl_fail(nl, err, "conn set", &id);
	tern_nl_close(nl);
	return status;
}
