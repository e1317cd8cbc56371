// SPDX-License-Identifier: GPL-2.0
/*
 * ternctl events: print conn-down notifications until interrupted.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <string.h>

#include "json.h"
#include "ternctl.h"

/* How long one wait lasts, bounding the delay of a signal that arrives
 * just before it starts.
 */
#define EVENTS_POLL_MS	1000

static volatile sig_atomic_t events_stop;

static void events_signal(int sig)
{
	(void)sig;
	events_stop = 1;
}

static void events_conn_down(uint32_t conn_id, uint64_t cookie,
			     const char *owner_tag, enum tern_reason reason,
			     void *arg)
{
	const bool *json = arg;
	char tag[TERNCTL_TAG_BUF];
	struct json j;

	if (*json) {
		json_init(&j, stdout, false);
		json_obj_begin(&j);
		json_kv_str(&j, "event", "conn-down");
		json_kv_u64(&j, "conn-id", conn_id);
		json_kv_u64(&j, "cookie", cookie);
		json_kv_str(&j, "owner-tag", owner_tag);
		json_kv_str(&j, "reason", tern_reason_name(reason));
		json_obj_end(&j);
	} else {
		printf("conn-down conn-id=%" PRIu32 " cookie=0x%" PRIx64
		       " owner-tag=%s reason=%s\n", conn_id, cookie,
		       ternctl_fmt_tag(tag, sizeof(tag), owner_tag),
		       tern_reason_name(reason));
	}
	fflush(stdout);
}

static int events_run(int argc, char **argv)
{
	static const struct tern_event_ops ops = {
		.conn_down = events_conn_down,
	};
	struct sigaction sa = { .sa_handler = events_signal };
	struct tern_nl *nl;
	bool json = false;
	int first, status, err;

	first = ternctl_simple_opts(argc, argv, &ternctl_events_group.self,
				    &json, &status);
	if (first < 0)
		return status;
	if (first < argc)
		return ternctl_usage(argv[0], "unexpected argument '%s'",
				     argv[first]);

	nl = ternctl_open();
	err = tern_nl_subscribe(nl);
	if (err) {
		status = ternctl_fail(nl, err, "events", NULL);
		tern_nl_close(nl);
		return status;
	}

	/* No SA_RESTART: a signal ends the wait. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!events_stop) {
		err = tern_nl_process(nl, &ops, &json, EVENTS_POLL_MS);
		if (err == -EINTR || err >= 0)
			continue;
		if (err == -ENOBUFS) {
			ternctl_error("events: %s", tern_nl_error(nl));
			continue;
		}
		status = ternctl_fail(nl, err, "events", NULL);
		break;
	}
	tern_nl_close(nl);
	return status;
}

const struct ternctl_group ternctl_events_group = {
	.name = "events",
	.summary = "print conn-down notifications until interrupted",
	.self = {
		.name = "events",
		.synopsis = "[-j]",
		.brief = "print conn-down notifications until interrupted",
		.summary = "Print a line for each conn-down notification of the \"events\" group until\ninterrupted (SIGINT or SIGTERM).",
		.help =
		"Options:\n"
		"  -j, --json       print one JSON object per line\n"
		"  -h, --help       show this help\n",
		.run = events_run,
	},
};
