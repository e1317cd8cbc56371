// SPDX-License-Identifier: GPL-2.0
/*
 * ternctl's side of ternd's client API (chatcl.h).
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

#include "chatcl.h"
#include "devctl.h"
#include "handle.h"

#define LINE_MAX_LEN	(4 * 1024 * 1024)


static const char *chatcl_path(const char *api, const char *sock, char *buf,
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

static int chatcl_connect(struct chatcl_api *a, const char *path)
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

void chatcl_close(struct chatcl_api *a)
{
	close(a->fd);
	free(a->buf);
}

int chatcl_request(struct chatcl_api *a, json_t *req)
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

long long chatcl_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/*
 * The next line from ternd as JSON, by @deadline (chatcl_now_ms(); -1: no
 * limit). NULL at the end, on an error (said) or on a timeout
 * (*@timed_out).
 */
json_t *chatcl_line(struct chatcl_api *a, long long deadline,
		    bool *timed_out)
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
			left = deadline - chatcl_now_ms();
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
json_t *chatcl_answer(struct chatcl_api *a)
{
	bool to;
	json_t *j = chatcl_line(a, -1, &to);

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


int chatcl_parse(int argc, char **argv, const struct ternctl_cmd *cmd,
		 struct chatcl_opts *o, bool count, bool watch, int *status)
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
		{ "confirm", no_argument, NULL, 6 },
		{ "forget", no_argument, NULL, 7 },
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
		case 6:
			o->confirm = true;
			break;
		case 7:
			o->forget = true;
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

int chatcl_open(struct chatcl_api *a, const struct chatcl_opts *o)
{
	char path[256];

	return chatcl_connect(a, chatcl_path(o->api, o->socket, path,
					     sizeof(path))) ? EXIT_RUNTIME : 0;
}

int chatcl_call(const struct chatcl_opts *o, json_t *req, json_t **ans)
{
	struct chatcl_api a;
	json_t *j;
	int status = EXIT_RUNTIME;

	if (ans)
		*ans = NULL;
	if (chatcl_open(&a, o)) {
		json_decref(req);
		return EXIT_RUNTIME;
	}
	if (!chatcl_request(&a, req) && (j = chatcl_answer(&a))) {
		if (o->json) {
			json_dumpf(j, stdout, JSON_COMPACT);
			putchar('\n');
		}
		if (ans)
			*ans = j;
		else
			json_decref(j);
		status = 0;
	}
	chatcl_close(&a);
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

void chatcl_print(const json_t *m)
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


int chatcl_list(const struct chatcl_opts *o, json_t *req, const char *key,
		void (*print)(const json_t *v))
{
	struct chatcl_opts quiet = *o;
	json_t *ans, *v;
	size_t i;
	int status;

	/* -j: one object a line, not the whole answer. */
	quiet.json = false;
	status = chatcl_call(&quiet, req, &ans);
	json_array_foreach(json_object_get(ans, key), i, v) {
		if (o->json) {
			json_dumpf(v, stdout, JSON_COMPACT);
			putchar('\n');
		} else {
			print(v);
		}
	}
	json_decref(ans);
	return status;
}

int chatcl_handle(char **argv, int i, int *status)
{
	const char *why = handle_why(argv[i]);

	if (!why)
		return 0;
	*status = ternctl_usage(argv[0], "the handle '%s' %s", argv[i], why);
	return -1;
}

char *chatcl_join(char **words, int n)
{
	size_t len = 1;
	char *s;
	int i;

	for (i = 0; i < n; i++)
		len += strlen(words[i]) + 1;
	s = malloc(len);
	if (!s) {
		ternctl_error("out of memory");
		return NULL;
	}
	s[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, words[i]);
	}
	return s;
}
