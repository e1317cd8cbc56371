// SPDX-License-Identifier: GPL-2.0
/*
 * ternctl send, history and watch: messages through ternd's client API
 * (JSON lines on a UNIX socket, Documentation/ternd.rst "The client
 * API"), which encrypts, sends, receives and keeps them.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>

#include "devctl.h"
#include "handle.h"
#include "ternctl.h"

#define API_HELP \
	"  -A, --api PATH   ternd's client API socket (default: $TERND_API,\n" \
	"                   else ternd-api.sock beside the control socket,\n" \
	"                   -S or $TERND_SOCKET)\n" \
	"  -S, --socket PATH\n" \
	"                   ternd's control socket, to find the API's\n"

#define LINE_MAX_LEN	(4 * 1024 * 1024)

static int send_run(int argc, char **argv);
static int history_run(int argc, char **argv);
static int watch_run(int argc, char **argv);
static int read_run(int argc, char **argv);
static int typing_run(int argc, char **argv);
static int ref_run(int argc, char **argv);
static int contact_run(int argc, char **argv);
static int convs_run(int argc, char **argv);
static int deleted_run(int argc, char **argv);

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
		API_HELP
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
		API_HELP
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
		API_HELP
		"      --since REV  start after change REV [now]\n"
		"  -n, --count N    exit after N messages\n"
		"      --timeout MS exit with status 1 if N messages did not come\n"
		"                   within MS\n"
		"  -j, --json       one JSON object per change\n"
		"  -h, --help       show this help\n",
		.run = watch_run,
	},
};

const struct ternctl_group ternctl_read_group = {
	.name = "read",
	.summary = "mark a conversation read",
	.self = {
		.name = "read",
		.synopsis = "[-j] HANDLE",
		.brief = "mark the messages from a handle read",
		.summary = "Mark every unread message from HANDLE read. Unless ternd runs with\n--read-receipts no, HANDLE's devices are told (a read receipt), and so\nare this account's other devices, which mark them read too. Prints how\nmany were marked.",
		.help =
		"Options:\n"
		API_HELP
		"  -j, --json       print the API's answer\n"
		"  -h, --help       show this help\n",
		.run = read_run,
	},
};

const struct ternctl_group ternctl_typing_group = {
	.name = "typing",
	.summary = "say that you are typing",
	.self = {
		.name = "typing",
		.synopsis = "[-j] HANDLE [on|off]",
		.brief = "tell a handle you are typing (or stopped)",
		.summary = "Tell HANDLE's devices, now, that you are typing (on, the default) or\nstopped (off). Sent only to devices that are online and kept nowhere:\ntheir 'ternctl watch' shows it. Prints how many devices it went to.",
		.help =
		"Options:\n"
		API_HELP
		"  -j, --json       print the API's answer\n"
		"  -h, --help       show this help\n",
		.run = typing_run,
	},
};

#define REF_HELP \
	"Options:\n" \
	API_HELP \
	"  -j, --json       print the API's answer\n" \
	"  -h, --help       show this help\n"

const struct ternctl_group ternctl_react_group = {
	.name = "react",
	.summary = "react to a message",
	.self = {
		.name = "react",
		.synopsis = "[-j] HANDLE ID (EMOJI | --remove)",
		.brief = "react to message ID of a conversation",
		.summary = "React to message ID (as history -j shows it) of the conversation with\nHANDLE with EMOJI, replacing an earlier reaction of yours to it; with\n--remove take it back. Everyone in the conversation, and your other\ndevices, see it on the message.",
		.help = REF_HELP "      --remove     take the reaction back\n",
		.run = ref_run,
	},
};

const struct ternctl_group ternctl_edit_group = {
	.name = "edit",
	.summary = "change a message you sent",
	.self = {
		.name = "edit",
		.synopsis = "[-j] HANDLE ID TEXT...",
		.brief = "change the text of a message you sent (15 minutes)",
		.summary = "Replace the text of your message ID to HANDLE with TEXT, within 15\nminutes of sending it; every device shows it edited.",
		.help = REF_HELP,
		.run = ref_run,
	},
};

const struct ternctl_group ternctl_unsend_group = {
	.name = "unsend",
	.summary = "take back a message you sent",
	.self = {
		.name = "unsend",
		.synopsis = "[-j] HANDLE ID",
		.brief = "take back a message you sent (2 minutes)",
		.summary = "Take back your message ID to HANDLE, within 2 minutes of sending it:\nits text is deleted on every device, which shows it unsent.",
		.help = REF_HELP,
		.run = ref_run,
	},
};

const struct ternctl_group ternctl_accept_group = {
	.name = "accept",
	.summary = "accept a message request",
	.self = {
		.name = "accept",
		.synopsis = "[-j] HANDLE",
		.brief = "accept HANDLE's message request (or unblock it)",
		.summary = "Make HANDLE a contact: its messages were a request (it wrote first)\nor were blocked; from now on they are a conversation, and read receipts\ngo to it.",
		.help = REF_HELP,
		.run = contact_run,
	},
};

const struct ternctl_group ternctl_block_group = {
	.name = "block",
	.summary = "block a sender",
	.self = {
		.name = "block",
		.synopsis = "[-j] HANDLE",
		.brief = "drop every message from HANDLE from now on",
		.summary = "Block HANDLE: its messages (and reactions, typing) are dropped on this\ndevice from now on. Writing to HANDLE, or 'ternctl accept', lifts it.",
		.help = REF_HELP,
		.run = contact_run,
	},
};

const struct ternctl_group ternctl_conversations_group = {
	.name = "conversations",
	.summary = "the conversations, newest first",
	.self = {
		.name = "conversations",
		.synopsis = "[-j]",
		.brief = "the conversations, newest first, requests apart",
		.summary = "List the conversations, newest first: the handle, whether it is a\ncontact, a message request or blocked, the unread messages and the last\nmessage.",
		.help = REF_HELP,
		.run = convs_run,
	},
};

const struct ternctl_group ternctl_delete_group = {
	.name = "delete",
	.summary = "delete a message here",
	.self = {
		.name = "delete",
		.synopsis = "[-j] ID",
		.brief = "delete message ID on this device (30 days to restore)",
		.summary = "Delete message ID (as history -j shows it) on this device only: it\nleaves the history, and is kept 30 days among the recently deleted\n('ternctl deleted'), from where 'ternctl restore' brings it back.",
		.help = REF_HELP,
		.run = contact_run,
	},
};

const struct ternctl_group ternctl_restore_group = {
	.name = "restore",
	.summary = "restore a deleted message",
	.self = {
		.name = "restore",
		.synopsis = "[-j] ID",
		.brief = "bring back a message deleted in the last 30 days",
		.summary = "Bring message ID back from the recently deleted into its history.",
		.help = REF_HELP,
		.run = contact_run,
	},
};

const struct ternctl_group ternctl_deleted_group = {
	.name = "deleted",
	.summary = "the recently deleted messages",
	.self = {
		.name = "deleted",
		.synopsis = "[-j]",
		.brief = "the messages deleted here in the last 30 days",
		.summary = "List the messages deleted on this device in the last 30 days, most\nrecently deleted first, with their ids for 'ternctl restore'.",
		.help = REF_HELP,
		.run = deleted_run,
	},
};

struct api {
	int fd;
	char *buf;
	size_t len;
};

static const char *api_path(const char *api, const char *sock, char *buf,
			    size_t len)
{
	const char *env = getenv("TERND_API"), *ctl, *slash;

	if (api)
		return api;
	if (!sock && env && env[0])
		return env;
	ctl = dev_socket_path(sock);
	slash = strrchr(ctl, '/');
	snprintf(buf, len, "%.*s/ternd-api.sock",
		 slash ? (int)(slash - ctl) : 1, slash ? ctl : ".");
	return buf;
}

static int api_connect(struct api *a, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	a->buf = NULL;
	a->len = 0;
	if (strlen(path) >= sizeof(sa.sun_path))
		return ternctl_error("socket path '%s' is too long", path);
	strcpy(sa.sun_path, path);
	a->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (a->fd < 0)
		return ternctl_error("socket: %s", strerror(errno));
	if (connect(a->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = errno;

		close(a->fd);
		return ternctl_error("cannot connect to ternd's client API at %s: %s%s",
				     path, strerror(e),
				     e == ENOENT || e == ECONNREFUSED ?
				     " (is ternd running with --directory? -A or $TERND_API name the socket)" :
				     "");
	}
	return 0;
}

static void api_close(struct api *a)
{
	close(a->fd);
	free(a->buf);
}

static int api_request(struct api *a, json_t *req)
{
	char *s = json_dumps(req, JSON_COMPACT);
	size_t n, off = 0;
	ssize_t w;

	json_decref(req);
	if (!s)
		return ternctl_error("out of memory");
	n = strlen(s);
	s[n++] = '\n';	/* json_dumps' NUL */
	while (off < n) {
		w = send(a->fd, s + off, n - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			free(s);
			return ternctl_error("ternd's client API: %s",
					     strerror(errno));
		}
		off += w;
	}
	free(s);
	return 0;
}

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/*
 * The next line from ternd as JSON, by @deadline (now_ms(); -1: no
 * limit). NULL at the end, on an error (said) or on a timeout
 * (*@timed_out).
 */
static json_t *api_line(struct api *a, long long deadline, bool *timed_out)
{
	json_error_t je;
	struct pollfd p = { .fd = a->fd, .events = POLLIN };
	char *nl, *nb;
	json_t *j;
	ssize_t n;
	long long left = -1;
	int r;

	*timed_out = false;
	while (!(nl = a->len ? memchr(a->buf, '\n', a->len) : NULL)) {
		if (a->len >= LINE_MAX_LEN) {
			ternctl_error("ternd's client API: a line too long");
			return NULL;
		}
		if (deadline >= 0) {
			left = deadline - now_ms();
			if (left <= 0) {
				*timed_out = true;
				return NULL;
			}
		}
		r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			*timed_out = true;
			return NULL;
		}
		nb = realloc(a->buf, a->len + 65536);
		if (!nb) {
			ternctl_error("out of memory");
			return NULL;
		}
		a->buf = nb;
		n = recv(a->fd, a->buf + a->len, 65536, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0)
				ternctl_error("ternd's client API: %s",
					      strerror(errno));
			else
				ternctl_error("ternd closed the client API connection");
			return NULL;
		}
		a->len += n;
	}
	j = json_loadb(a->buf, nl - a->buf, 0, &je);
	a->len -= nl - a->buf + 1;
	memmove(a->buf, nl + 1, a->len);
	if (!j)
		ternctl_error("ternd's client API: not JSON: %s", je.text);
	return j;
}

/* The answer to the request just sent; NULL when it failed (said). */
static json_t *api_answer(struct api *a)
{
	bool to;
	json_t *j = api_line(a, -1, &to);

	if (!j)
		return NULL;
	if (!json_is_true(json_object_get(j, "ok"))) {
		ternctl_error("%s", json_string_value(json_object_get(j,
								     "message")) ?:
			      "ternd refused the request");
		json_decref(j);
		return NULL;
	}
	return j;
}

struct opts {
	const char *api, *socket;
	bool json, remove;
	const char *reply_to;
	const char *mentions[16];
	unsigned int n_mentions;
	long count;
	long timeout;
	long long since;
	bool has_since;
};

static int parse(int argc, char **argv, const struct ternctl_cmd *cmd,
		 struct opts *o, bool count, bool watch, int *status)
{
	static const struct option lo[] = {
		{ "api", required_argument, NULL, 'A' },
		{ "socket", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "count", required_argument, NULL, 'n' },
		{ "since", required_argument, NULL, 1 },
		{ "timeout", required_argument, NULL, 2 },
		{ "reply-to", required_argument, NULL, 3 },
		{ "mention", required_argument, NULL, 4 },
		{ "remove", no_argument, NULL, 5 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	uint64_t v;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "A:S:jn:h", lo, NULL)) != -1) {
		switch (c) {
		case 'A':
			o->api = optarg;
			break;
		case 'S':
			o->socket = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 'n':
			if (!count || ternctl_parse_u64(optarg, 1000000, &v) ||
			    !v)
				goto bad;
			o->count = (long)v;
			break;
		case 1:
			if (!watch || ternctl_parse_u64(optarg, INT64_MAX, &v))
				goto bad;
			o->since = (long long)v;
			o->has_since = true;
			break;
		case 2:
			if (!watch || ternctl_parse_u64(optarg, 86400000, &v))
				goto bad;
			o->timeout = (long)v;
			break;
		case 3:
			o->reply_to = optarg;
			break;
		case 4:
			if (o->n_mentions == 16)
				goto bad;
			o->mentions[o->n_mentions++] = optarg;
			break;
		case 5:
			o->remove = true;
			break;
		case 'h':
			ternctl_print_help(stdout, argv[0], cmd);
			*status = 0;
			return -1;
		default:
			goto bad;
		}
	}
	return optind;
bad:
	*status = ternctl_usage(argv[0], "bad option or value: %s",
				argv[optind - 1 > 0 ? optind - 1 : 0]);
	return -1;
}

static int send_run(int argc, char **argv)
{
	struct opts o = { 0 };
	struct api a;
	char path[256], *text;
	const char *why;
	size_t len = 0;
	json_t *req, *ans;
	int i, first, status;

	first = parse(argc, argv, &ternctl_send_group.self, &o, false, false,
		      &status);
	if (first < 0)
		return status;
	if (argc - first < 2)
		return ternctl_usage(argv[0], "send needs HANDLE and TEXT");
	why = handle_why(argv[first]);
	if (why)
		return ternctl_usage(argv[0], "the handle '%s' %s",
				     argv[first], why);
	for (i = first + 1; i < argc; i++)
		len += strlen(argv[i]) + 1;
	text = malloc(len + 1);
	if (!text)
		return ternctl_error("out of memory");
	text[0] = '\0';
	for (i = first + 1; i < argc; i++) {
		if (i > first + 1)
			strcat(text, " ");
		strcat(text, argv[i]);
	}
	req = json_pack("{s:s, s:s, s:s}", "op", "send", "to", argv[first],
			"text", text);
	free(text);
	if (!req)
		return ternctl_error("TEXT is not UTF-8");
	if (o.reply_to)
		json_object_set_new(req, "reply_to", json_string(o.reply_to));
	if (o.n_mentions) {
		json_t *m = json_array();

		for (i = 0; i < (int)o.n_mentions; i++)
			json_array_append_new(m, json_string(o.mentions[i]));
		json_object_set_new(req, "mentions", m);
	}
	if (api_connect(&a, api_path(o.api, o.socket, path, sizeof(path)))) {
		json_decref(req);
		return EXIT_RUNTIME;
	}
	status = EXIT_RUNTIME;
	if (!api_request(&a, req) && (ans = api_answer(&a))) {
		if (o.json)
			json_dumpf(ans, stdout, JSON_COMPACT);
		else
			fputs(json_string_value(json_object_get(ans, "id")) ?:
			      "", stdout);
		putchar('\n');
		json_decref(ans);
		status = 0;
	}
	api_close(&a);
	return status;
}

static void print_reactions(const json_t *r)
{
	const json_t *v;
	size_t i;

	json_array_foreach(r, i, v)
		printf(" %s %s", json_string_value(json_object_get(v, "emoji")),
		       json_string_value(json_object_get(v, "from")));
}

static void print_text(const json_t *m)
{
	const char *dir = json_string_value(json_object_get(m, "dir"));
	const char *with = json_string_value(json_object_get(m, "with"));
	const char *state = json_string_value(json_object_get(m, "state"));
	const char *text = json_string_value(json_object_get(m, "text"));
	const char *kind = json_string_value(json_object_get(m, "kind"));
	const char *err = json_string_value(json_object_get(m, "error"));
	time_t t = (time_t)(json_integer_value(json_object_get(m, "sent_ms")) /
			    1000);
	bool out = dir && !strcmp(dir, "out");
	char when[32];
	struct tm tm;

	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S",
		 localtime_r(&t, &tm));
	printf("%s %s %s: ", when, out ? "->" : "<-", with ? with : "?");
	if (json_object_get(m, "reply_to"))
		printf("(re %.8s) ", json_string_value(json_object_get(m,
								       "reply_to")));
	if (json_object_get(m, "unsent_ms"))
		fputs("(unsent)", stdout);
	else if (text)
		fputs(text, stdout);
	else
		printf("(%s)", kind ? kind : "?");
	if (json_object_get(m, "edited_ms") &&
	    !json_object_get(m, "unsent_ms"))
		fputs(" (edited)", stdout);
	print_reactions(json_object_get(m, "reactions"));
	if (out && json_object_get(m, "read_ms"))
		state = "read";
	else if (out && json_object_get(m, "delivered_ms") && state &&
		 !strcmp(state, "sent"))
		state = "delivered";
	if (out)
		printf("  [%s%s%s]", state ? state : "?", err ? ": " : "",
		       err ? err : "");
	else if (!json_object_get(m, "read_ms"))
		fputs("  [new]", stdout);
	putchar('\n');
}

static void print_message(const json_t *m)
{
	const char *ev = json_string_value(json_object_get(m, "event"));

	if (ev && !strcmp(ev, "typing")) {
		printf("%s %s\n",
		       json_string_value(json_object_get(m, "with")) ?: "?",
		       json_is_true(json_object_get(m, "on")) ?
		       "is typing..." : "stopped typing");
		return;
	}
	print_text(m);
}

static int history_run(int argc, char **argv)
{
	struct opts o = { .count = 50 };
	struct api a;
	char path[256];
	const char *why;
	json_t *req, *ans, *msgs;
	size_t i;
	int first, status;

	first = parse(argc, argv, &ternctl_history_group.self, &o, true,
		      false, &status);
	if (first < 0)
		return status;
	if (argc - first != 1)
		return ternctl_usage(argv[0], "history needs one HANDLE");
	why = handle_why(argv[first]);
	if (why)
		return ternctl_usage(argv[0], "the handle '%s' %s",
				     argv[first], why);
	if (o.count > 1000)
		return ternctl_usage(argv[0], "-n: at most 1000");
	req = json_pack("{s:s, s:s, s:I}", "op", "history", "with",
			argv[first], "limit", (json_int_t)o.count);
	if (api_connect(&a, api_path(o.api, o.socket, path, sizeof(path)))) {
		json_decref(req);
		return EXIT_RUNTIME;
	}
	status = EXIT_RUNTIME;
	if (!api_request(&a, req) && (ans = api_answer(&a))) {
		msgs = json_object_get(ans, "messages");
		for (i = 0; i < json_array_size(msgs); i++) {
			if (o.json) {
				json_dumpf(json_array_get(msgs, i), stdout,
					   JSON_COMPACT);
				putchar('\n');
			} else {
				print_message(json_array_get(msgs, i));
			}
		}
		json_decref(ans);
		status = 0;
	}
	api_close(&a);
	return status;
}

static int watch_run(int argc, char **argv)
{
	struct opts o = { .timeout = -1 };
	struct api a;
	char path[256];
	json_t *req, *ans, *e;
	long long deadline;
	long seen = 0;
	bool to = false;
	int first, status;

	first = parse(argc, argv, &ternctl_watch_group.self, &o, true, true,
		      &status);
	if (first < 0)
		return status;
	if (argc != first)
		return ternctl_usage(argv[0], "watch takes no operand");
	req = o.has_since ?
	      json_pack("{s:s, s:I}", "op", "watch", "since",
			(json_int_t)o.since) :
	      json_pack("{s:s}", "op", "watch");
	if (api_connect(&a, api_path(o.api, o.socket, path, sizeof(path)))) {
		json_decref(req);
		return EXIT_RUNTIME;
	}
	status = EXIT_RUNTIME;
	if (api_request(&a, req) || !(ans = api_answer(&a)))
		goto out;
	json_decref(ans);
	setvbuf(stdout, NULL, _IOLBF, 0);
	deadline = o.timeout >= 0 ? now_ms() + o.timeout : -1;
	while (!o.count || seen < o.count) {
		e = api_line(&a, deadline, &to);
		if (!e)
			break;
		if (o.json) {
			json_dumpf(e, stdout, JSON_COMPACT);
			putchar('\n');
		} else {
			print_message(e);
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
	api_close(&a);
	return status;
}

static int read_run(int argc, char **argv)
{
	struct opts o = { 0 };
	struct api a;
	char path[256];
	const char *why;
	json_t *req, *ans;
	int first, status;

	first = parse(argc, argv, &ternctl_read_group.self, &o, false, false,
		      &status);
	if (first < 0)
		return status;
	if (argc - first != 1)
		return ternctl_usage(argv[0], "read needs one HANDLE");
	why = handle_why(argv[first]);
	if (why)
		return ternctl_usage(argv[0], "the handle '%s' %s",
				     argv[first], why);
	req = json_pack("{s:s, s:s}", "op", "read", "with", argv[first]);
	if (api_connect(&a, api_path(o.api, o.socket, path, sizeof(path)))) {
		json_decref(req);
		return EXIT_RUNTIME;
	}
	status = EXIT_RUNTIME;
	if (!api_request(&a, req) && (ans = api_answer(&a))) {
		if (o.json)
			json_dumpf(ans, stdout, JSON_COMPACT);
		else
			printf("%lld",
			       (long long)json_integer_value(json_object_get(ans,
									      "read")));
		putchar('\n');
		json_decref(ans);
		status = 0;
	}
	api_close(&a);
	return status;
}

static int typing_run(int argc, char **argv)
{
	struct opts o = { 0 };
	struct api a;
	char path[256];
	const char *why;
	json_t *req, *ans;
	bool on = true;
	int first, status;

	first = parse(argc, argv, &ternctl_typing_group.self, &o, false, false,
		      &status);
	if (first < 0)
		return status;
	if (argc - first < 1 || argc - first > 2)
		return ternctl_usage(argv[0], "typing needs HANDLE [on|off]");
	why = handle_why(argv[first]);
	if (why)
		return ternctl_usage(argv[0], "the handle '%s' %s",
				     argv[first], why);
	if (argc - first == 2) {
		if (!strcmp(argv[first + 1], "off"))
			on = false;
		else if (strcmp(argv[first + 1], "on"))
			return ternctl_usage(argv[0], "'%s': on or off",
					     argv[first + 1]);
	}
	req = json_pack("{s:s, s:s, s:b}", "op", "typing", "with",
			argv[first], "on", on);
	if (api_connect(&a, api_path(o.api, o.socket, path, sizeof(path)))) {
		json_decref(req);
		return EXIT_RUNTIME;
	}
	status = EXIT_RUNTIME;
	if (!api_request(&a, req) && (ans = api_answer(&a))) {
		if (o.json)
			json_dumpf(ans, stdout, JSON_COMPACT);
		else
			printf("%lld",
			       (long long)json_integer_value(json_object_get(ans,
									      "devices")));
		putchar('\n');
		json_decref(ans);
		status = 0;
	}
	api_close(&a);
	return status;
}

/* react, edit, unsend. */
static int ref_run(int argc, char **argv)
{
	const char *name = strrchr(argv[0], ' ') ? strrchr(argv[0], ' ') + 1 :
						    argv[0];
	const struct ternctl_cmd *cmd = !strcmp(name, "react") ?
		&ternctl_react_group.self : !strcmp(name, "edit") ?
		&ternctl_edit_group.self : &ternctl_unsend_group.self;
	struct opts o = { 0 };
	struct api a;
	char path[256], *text = NULL;
	const char *why;
	json_t *req, *ans;
	size_t len = 0;
	int i, first, status, n;

	first = parse(argc, argv, cmd, &o, false, false, &status);
	if (first < 0)
		return status;
	n = argc - first;
	if (n < 2 || (cmd == &ternctl_unsend_group.self && n != 2) ||
	    (cmd == &ternctl_react_group.self && n != (o.remove ? 2 : 3)) ||
	    (cmd == &ternctl_edit_group.self && n < 3))
		return ternctl_usage(argv[0], "usage: %s", cmd->synopsis);
	why = handle_why(argv[first]);
	if (why)
		return ternctl_usage(argv[0], "the handle '%s' %s",
				     argv[first], why);
	req = json_pack("{s:s, s:s, s:s}", "op", name, "with", argv[first],
			"id", argv[first + 1]);
	/* No "emoji": the reaction taken back. (Not json_null(): ternctl's
	 * own JSON writer has a function of that name.)
	 */
	if (cmd == &ternctl_react_group.self && !o.remove)
		json_object_set_new(req, "emoji",
				    json_string(argv[first + 2]));
	if (cmd == &ternctl_edit_group.self) {
		for (i = first + 2; i < argc; i++)
			len += strlen(argv[i]) + 1;
		text = malloc(len + 1);
		if (!text) {
			json_decref(req);
			return ternctl_error("out of memory");
		}
		text[0] = '\0';
		for (i = first + 2; i < argc; i++) {
			if (i > first + 2)
				strcat(text, " ");
			strcat(text, argv[i]);
		}
		json_object_set_new(req, "text", json_string(text));
		free(text);
	}
	if (api_connect(&a, api_path(o.api, o.socket, path, sizeof(path)))) {
		json_decref(req);
		return EXIT_RUNTIME;
	}
	status = EXIT_RUNTIME;
	if (!api_request(&a, req) && (ans = api_answer(&a))) {
		if (o.json) {
			json_dumpf(ans, stdout, JSON_COMPACT);
			putchar('\n');
		}
		json_decref(ans);
		status = 0;
	}
	api_close(&a);
	return status;
}

/* accept, block HANDLE; delete, restore ID. */
static int contact_run(int argc, char **argv)
{
	const char *op = strrchr(argv[0], ' ') ? strrchr(argv[0], ' ') + 1 :
						  argv[0];
	bool by_id = !strcmp(op, "delete") || !strcmp(op, "restore");
	const struct ternctl_cmd *cmd = !strcmp(op, "block") ?
		&ternctl_block_group.self : !strcmp(op, "accept") ?
		&ternctl_accept_group.self : !strcmp(op, "delete") ?
		&ternctl_delete_group.self : &ternctl_restore_group.self;
	struct opts o = { 0 };
	struct api a;
	char path[256];
	const char *why;
	json_t *req, *ans;
	int first, status;

	first = parse(argc, argv, cmd, &o, false, false, &status);
	if (first < 0)
		return status;
	if (argc - first != 1)
		return ternctl_usage(argv[0], "usage: %s", cmd->synopsis);
	why = by_id ? NULL : handle_why(argv[first]);
	if (why)
		return ternctl_usage(argv[0], "the handle '%s' %s",
				     argv[first], why);
	req = json_pack("{s:s, s:s}", "op", op, by_id ? "id" : "with",
			argv[first]);
	if (api_connect(&a, api_path(o.api, o.socket, path, sizeof(path)))) {
		json_decref(req);
		return EXIT_RUNTIME;
	}
	status = EXIT_RUNTIME;
	if (!api_request(&a, req) && (ans = api_answer(&a))) {
		if (o.json) {
			json_dumpf(ans, stdout, JSON_COMPACT);
			putchar('\n');
		}
		json_decref(ans);
		status = 0;
	}
	api_close(&a);
	return status;
}

static int convs_run(int argc, char **argv)
{
	struct opts o = { 0 };
	struct api a;
	char path[256];
	json_t *req, *ans, *c, *v;
	const char *state;
	size_t i;
	int first, status;

	first = parse(argc, argv, &ternctl_conversations_group.self, &o,
		      false, false, &status);
	if (first < 0)
		return status;
	if (argc != first)
		return ternctl_usage(argv[0], "conversations takes no operand");
	req = json_pack("{s:s}", "op", "conversations");
	if (api_connect(&a, api_path(o.api, o.socket, path, sizeof(path)))) {
		json_decref(req);
		return EXIT_RUNTIME;
	}
	status = EXIT_RUNTIME;
	if (!api_request(&a, req) && (ans = api_answer(&a))) {
		c = json_object_get(ans, "conversations");
		json_array_foreach(c, i, v) {
			if (o.json) {
				json_dumpf(v, stdout, JSON_COMPACT);
				putchar('\n');
				continue;
			}
			state = json_string_value(json_object_get(v, "state"));
			printf("%s%s%s%s  %lld unread\n  ",
			       json_string_value(json_object_get(v, "with")),
			       state && strcmp(state, "contact") ? "  [" : "",
			       state && strcmp(state, "contact") ? state : "",
			       state && strcmp(state, "contact") ? "]" : "",
			       (long long)json_integer_value(json_object_get(v,
								      "unread")));
			print_message(json_object_get(v, "last"));
		}
		json_decref(ans);
		status = 0;
	}
	api_close(&a);
	return status;
}

static int deleted_run(int argc, char **argv)
{
	struct opts o = { 0 };
	struct api a;
	char path[256];
	json_t *req, *ans, *v;
	size_t i;
	int first, status;

	first = parse(argc, argv, &ternctl_deleted_group.self, &o, false,
		      false, &status);
	if (first < 0)
		return status;
	if (argc != first)
		return ternctl_usage(argv[0], "deleted takes no operand");
	req = json_pack("{s:s}", "op", "deleted");
	if (api_connect(&a, api_path(o.api, o.socket, path, sizeof(path)))) {
		json_decref(req);
		return EXIT_RUNTIME;
	}
	status = EXIT_RUNTIME;
	if (!api_request(&a, req) && (ans = api_answer(&a))) {
		json_array_foreach(json_object_get(ans, "messages"), i, v) {
			if (o.json) {
				json_dumpf(v, stdout, JSON_COMPACT);
				putchar('\n');
			} else {
				printf("%s  ", json_string_value(json_object_get(v,
									     "id")));
				print_message(v);
			}
		}
		json_decref(ans);
		status = 0;
	}
	api_close(&a);
	return status;
}
