// SPDX-License-Identifier: GPL-2.0
/*
 * ternctl send, history and watch: messages through ternd's client API
 * (chatcl.h), which encrypts, sends, receives and keeps them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chatcl.h"

static int send_run(int argc, char **argv);
static int history_run(int argc, char **argv);
static int watch_run(int argc, char **argv);

const struct ternctl_group ternctl_send_group = {
	.name = "send",
	.summary = "send a message, end to end encrypted, through ternd",
	.self = {
		.name = "send",
		.synopsis = "[--reply-to ID] [--mention HANDLE]... [-j] HANDLE TEXT...",
		.brief = "send a text, end to end encrypted, through ternd",
		.summary = "Send TEXT (the words, joined by spaces) to HANDLE: ternd stores it,\nencrypts it for each of HANDLE's devices and this account's other\ndevices, and pushes it. Prints the message id once it is stored; 'ternctl\nhistory' and 'ternctl watch' show how it goes.",
		.help =
		"Options:\n"
		CHATCL_API_HELP
		"      --reply-to ID  an answer to message ID of the conversation\n"
		"      --mention HANDLE  name HANDLE in it (repeatable, 16 at most)\n"
		"  -j, --json       print the API's answer\n"
		"  -h, --help       show this help\n",
		.run = send_run,
	},
};

const struct ternctl_group ternctl_history_group = {
	.name = "history",
	.summary = "the conversation with a handle",
	.self = {
		.name = "history",
		.synopsis = "[-n N] [-j] HANDLE",
		.brief = "the conversation with a handle, oldest first",
		.summary = "Print the last N messages (default 50) sent to and received from\nHANDLE, oldest first: time, direction, state and text.",
		.help =
		"Options:\n"
		CHATCL_API_HELP
		"  -n, --count N    how many messages, 1 to 1000 [50]\n"
		"  -j, --json       one JSON object per message\n"
		"  -h, --help       show this help\n",
		.run = history_run,
	},
};

const struct ternctl_group ternctl_watch_group = {
	.name = "watch",
	.summary = "messages as they come and go",
	.self = {
		.name = "watch",
		.synopsis = "[--since REV] [-n N] [--timeout MS] [-j]",
		.brief = "print messages as they arrive or change state",
		.summary = "Print each message as it arrives, and each sent message as its state\nchanges, until interrupted (or N were printed). Every change has a\nnumber (rev); --since REV first prints every change after REV, so a\nwatcher that stopped can go on where it left off.",
		.help =
		"Options:\n"
		CHATCL_API_HELP
		"      --since REV  start after change REV [now]\n"
		"  -n, --count N    exit after N messages\n"
		"      --timeout MS exit with status 1 if N messages did not come\n"
		"                   within MS\n"
		"  -j, --json       one JSON object per change\n"
		"  -h, --help       show this help\n",
		.run = watch_run,
	},
};

static int send_run(int argc, char **argv)
{
	struct chatcl_opts o = { 0 };
	json_t *req, *ans, *m;
	unsigned int i;
	char *text;
	int first, status;

	first = chatcl_parse(argc, argv, &ternctl_send_group.self, &o, false,
			     false, &status);
	if (first < 0)
		return status;
	if (argc - first < 2)
		return ternctl_usage(argv[0], "send needs HANDLE and TEXT");
	if (chatcl_handle(argv, first, &status))
		return status;
	text = chatcl_join(argv + first + 1, argc - first - 1);
	if (!text)
		return EXIT_RUNTIME;
	req = json_pack("{s:s, s:s, s:s}", "op", "send", "to", argv[first],
			"text", text);
	free(text);
	if (!req)
		return ternctl_error("TEXT is not UTF-8");
	if (o.reply_to)
		json_object_set_new(req, "reply_to", json_string(o.reply_to));
	if (o.n_mentions) {
		m = json_array();
		for (i = 0; i < o.n_mentions; i++)
			json_array_append_new(m, json_string(o.mentions[i]));
		json_object_set_new(req, "mentions", m);
	}
	status = chatcl_call(&o, req, &ans);
	if (!status && !o.json)
		printf("%s\n", json_string_value(json_object_get(ans, "id")) ?:
		       "");
	json_decref(ans);
	return status;
}

static int history_run(int argc, char **argv)
{
	struct chatcl_opts o = { .count = 50 };
	int first, status;

	first = chatcl_parse(argc, argv, &ternctl_history_group.self, &o,
			     true, false, &status);
	if (first < 0)
		return status;
	if (argc - first != 1)
		return ternctl_usage(argv[0], "history needs one HANDLE");
	if (chatcl_handle(argv, first, &status))
		return status;
	if (o.count > 1000)
		return ternctl_usage(argv[0], "-n: at most 1000");
	return chatcl_list(&o, json_pack("{s:s, s:s, s:I}", "op", "history",
					 "with", argv[first], "limit",
					 (json_int_t)o.count),
			   "messages", chatcl_print);
}

static int watch_run(int argc, char **argv)
{
	struct chatcl_opts o = { .timeout = -1 };
	struct chatcl_api a;
	json_t *req, *ans, *e;
	long long deadline;
	long seen = 0;
	bool to = false;
	int first, status;

	first = chatcl_parse(argc, argv, &ternctl_watch_group.self, &o, true,
			     true, &status);
	if (first < 0)
		return status;
	if (argc != first)
		return ternctl_usage(argv[0], "watch takes no operand");
	req = o.has_since ?
	      json_pack("{s:s, s:I}", "op", "watch", "since",
			(json_int_t)o.since) :
	      json_pack("{s:s}", "op", "watch");
	if (chatcl_open(&a, &o)) {
		json_decref(req);
		return EXIT_RUNTIME;
	}
	status = EXIT_RUNTIME;
	if (chatcl_request(&a, req) || !(ans = chatcl_answer(&a)))
		goto out;
	json_decref(ans);
	setvbuf(stdout, NULL, _IOLBF, 0);
	deadline = o.timeout >= 0 ? chatcl_now_ms() + o.timeout : -1;
	while (!o.count || seen < o.count) {
		e = chatcl_line(&a, deadline, &to);
		if (!e)
			break;
		if (o.json) {
			json_dumpf(e, stdout, JSON_COMPACT);
			putchar('\n');
		} else {
			chatcl_print(e);
		}
		json_decref(e);
		seen++;
	}
	if (to)
		ternctl_error("%ld of %ld messages within %ld ms", seen,
			      o.count, o.timeout);
	else if (!o.count || seen == o.count)
		status = 0;
out:
	chatcl_close(&a);
	return status;
}

