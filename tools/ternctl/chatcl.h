/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What ternctl's commands over ternd's client API share (chatcl.c): the
 * connection (JSON lines on ternd-api.sock, Documentation/ternd.rst "The
 * client API"), their options, and one line per message for people.
 * chat.c has send, history and watch; chatops.c the rest.
 */
#ifndef TERNCTL_CHATCL_H
#define TERNCTL_CHATCL_H

#include <stdbool.h>
#include <jansson.h>

#include "ternctl.h"

#define CHATCL_API_HELP \
	"  -A, --api PATH   ternd's client API socket (default: $TERND_API,\n" \
	"                   else ternd-api.sock beside the control socket,\n" \
	"                   -S or $TERND_SOCKET)\n" \
	"  -S, --socket PATH\n" \
	"                   ternd's control socket, to find the API's\n"

/* The options of a command with no others. */
#define CHATCL_HELP \
	"Options:\n" \
	CHATCL_API_HELP \
	"  -j, --json       print the API's answer\n" \
	"  -h, --help       show this help\n"

struct chatcl_api {
	int fd;
	char *buf;
	size_t len;
};

struct chatcl_opts {
	const char *api, *socket;
	bool json, remove, confirm, forget;
	const char *reply_to;
	const char *mentions[16];
	unsigned int n_mentions;
	long count;
	long timeout;
	long long since;
	bool has_since;
};

/*
 * Parse the options (-A, -S, -j, -h; -n with @count; --since and
 * --timeout with @watch; --reply-to, --mention, --remove): the index of
 * the first operand, or -1 with *@status the exit status.
 */
int chatcl_parse(int argc, char **argv, const struct ternctl_cmd *cmd,
		 struct chatcl_opts *o, bool count, bool watch, int *status);
/* Connect to the API @o names: 0, or EXIT_RUNTIME (said). */
int chatcl_open(struct chatcl_api *a, const struct chatcl_opts *o);
void chatcl_close(struct chatcl_api *a);
/* Send @req (consumed): 0, or -1 (said). */
int chatcl_request(struct chatcl_api *a, json_t *req);
/* The next line by @deadline (chatcl_now_ms(); -1: none); NULL at the
 * end, on an error (said) or a timeout (*@timed_out).
 */
json_t *chatcl_line(struct chatcl_api *a, long long deadline,
		    bool *timed_out);
/* The answer to the request just sent; NULL when refused (said). */
json_t *chatcl_answer(struct chatcl_api *a);
/*
 * One request (@req, consumed), one answer: with -j it is printed; it is
 * stored in *@ans when @ans is not NULL (json_decref() it). 0, or
 * EXIT_RUNTIME (said).
 */
int chatcl_call(const struct chatcl_opts *o, json_t *req, json_t **ans);
/* The same for a list: the answer's array @key, each item printed by
 * @print, or with -j as one JSON object a line.
 */
int chatcl_list(const struct chatcl_opts *o, json_t *req, const char *key,
		void (*print)(const json_t *v));
/* Operand @i of @argv is a handle: 0, or -1 with the usage error said
 * and its exit status in *@status.
 */
int chatcl_handle(char **argv, int i, int *status);
/* @n words joined by spaces (malloc()ed), or NULL (said). */
char *chatcl_join(char **words, int n);
long long chatcl_now_ms(void);
/* One line for people: a message (history, watch) or a typing event. */
void chatcl_print(const json_t *m);

#endif /* TERNCTL_CHATCL_H */
