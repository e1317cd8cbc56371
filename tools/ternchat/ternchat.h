/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ternchat: a chat client for a person at a terminal, over ternd's
 * client API (Documentation/ternd.rst, "The client API"; ternchat(1)).
 *
 * Two connections: one "watch"es (events.c: messages as they are added
 * or change, typing), the other carries requests, each answered in turn
 * (client.c: a table of the requests awaiting their answer, by tag). The
 * screen (view.c) is drawn from the state below (model.c); keys
 * (keys.c) edit the compose line (compose.c) or run commands (cmd.c).
 * main.c has the options and the loop: poll() on both sockets and the
 * terminal, nothing else.
 */
#ifndef TERNCHAT_H
#define TERNCHAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <wchar.h>
#include <jansson.h>

#include "compose.h"
#include "conn.h"

#define TC_EXIT_RUNTIME		1
#define TC_EXIT_USAGE		2

#define TC_TYPING_SHOW_MS	6000	/* a typing indicator, unrenewed */
#define TC_TYPING_AGAIN_MS	4000	/* typing on, again while typing */
#define TC_NOTICE_MS		15000	/* a notice on the status line */
#define TC_RETRY_MS		1000	/* reconnecting to ternd */
#define TC_ANSWER_MS		10000	/* the answers at start */
#define TC_HISTORY_LIMIT	200
#define TC_PENDING_MAX		64

/* What a request was, to handle its answer. */
enum tc_kind {
	TC_REQ_STATUS,
	TC_REQ_CONVS,
	TC_REQ_HISTORY,
	TC_REQ_SEND,
	TC_REQ_READ,
	TC_REQ_TYPING,
	TC_REQ_ACCEPT,
	TC_REQ_BLOCK,
};

struct tc_pending {
	unsigned int tag;
	enum tc_kind kind;
	char *with;		/* the handle it was about, or NULL */
};

/* An entry of the conversation list. */
struct tc_conv {
	char *with;
	char state[16];		/* contact, request, blocked, none, new */
	unsigned int unread;
};

struct tc {
	const char *api;	/* the socket's path */
	struct tc_conn req, watch;
	bool up;		/* both connected */
	bool watching;		/* the watch was answered */
	long long retry_at;	/* when to connect again (!up) */
	uint64_t rev;		/* the last change seen */
	bool have_rev;
	char *self;		/* this account's handle */

	/* The conversations, newest first, as ternd last listed them,
	 * after the ones opened with /new that it does not list yet.
	 */
	struct tc_conv *convs;
	size_t n_convs;
	bool convs_asked, convs_again;

	/* The open conversation and its messages, oldest first. */
	char *sel;
	json_t *hist;
	int scroll;		/* lines scrolled back from the newest */
	bool read_asked, read_again;

	/* Someone typing, until when. */
	char *typing_who;
	long long typing_until;
	/* The status line's notice, until when. */
	char notice[512];
	bool notice_err;
	long long notice_until;

	struct compose line;
	/* Whom this person was said to be typing to, and when. */
	char *typing_to;
	long long typing_at;

	struct tc_pending pend[TC_PENDING_MAX];
	unsigned int n_pend, next_tag;

	bool quit;
	bool redraw;		/* the screen must be drawn again */
};

long long tc_now_ms(void);
/* A notice on the status line (@err: an error). */
void tc_notice(struct tc *t, bool err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* main.c: both connections lost; try again soon. */
void tc_lost(struct tc *t, const char *why);

/* client.c: requests, and their answers. */
int tc_request(struct tc *t, enum tc_kind kind, const char *with,
	       json_t *req);
void tc_answer(struct tc *t, json_t *a);
void tc_forget_pending(struct tc *t);
void tc_ask_convs(struct tc *t);
void tc_ask_history(struct tc *t);
void tc_ask_read(struct tc *t);
void tc_send_text(struct tc *t, const char *text);
void tc_typing(struct tc *t, bool on);

/* events.c: the watch connection's lines. */
int tc_watch_start(struct tc *t);
void tc_event(struct tc *t, json_t *e);

/* model.c: the state. */
void tc_set_convs(struct tc *t, const json_t *arr);
struct tc_conv *tc_conv_find(struct tc *t, const char *with);
ssize_t tc_conv_index(struct tc *t, const char *with);
void tc_conv_add_new(struct tc *t, const char *with);
void tc_select(struct tc *t, const char *with);
void tc_select_step(struct tc *t, int step);
void tc_merge_history(struct tc *t, const json_t *arr);
void tc_upsert(struct tc *t, const json_t *m);
bool tc_hist_unread(const struct tc *t);
void tc_typing_seen(struct tc *t, const char *who, bool on);
void tc_expire(struct tc *t, long long now);
long long tc_next_deadline(const struct tc *t);
void tc_free(struct tc *t);

/* keys.c, cmd.c: this person's keys and commands. */
void tc_key(struct tc *t, int r, wint_t ch);
void tc_command(struct tc *t, const char *line);

/* view.c: the screen. */
void tc_draw(struct tc *t);

#endif /* TERNCHAT_H */
