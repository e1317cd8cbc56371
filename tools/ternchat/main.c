// SPDX-License-Identifier: GPL-2.0
/*
 * ternchat: chat at the terminal through ternd's client API (ternchat.h,
 * ternchat(1)).
 *
 *   ternchat [-A PATH | -S PATH]
 *
 * Before the screen is taken, both connections are made and answered
 * (status, watch): a ternd that cannot be reached is said on standard
 * error, exit status 1. Then one loop: ppoll() on the terminal and the
 * two sockets, with the signals that matter (SIGWINCH, SIGINT, SIGTERM,
 * SIGHUP) let through only there, so none is missed between a check and
 * the wait. The only timers are the typing indicator's, the notice's and
 * the reconnect's.
 */
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <curses.h>

#include "opts.h"
#include "ternchat.h"

static volatile sig_atomic_t got_winch, got_stop;

static void on_winch(int sig)
{
	(void)sig;
	got_winch = 1;
}

static void on_stop(int sig)
{
	(void)sig;
	got_stop = 1;
}

long long tc_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

void tc_notice(struct tc *t, bool err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->notice, sizeof(t->notice), fmt, ap);
	va_end(ap);
	t->notice_err = err;
	t->notice_until = tc_now_ms() + TC_NOTICE_MS;
	t->redraw = true;
}

static int connect_both(struct tc *t, char *err, size_t errlen)
{
	if (conn_open(&t->req, t->api, err, errlen))
		return -1;
	if (conn_open(&t->watch, t->api, err, errlen)) {
		conn_close(&t->req);
		return -1;
	}
	return 0;
}

void tc_lost(struct tc *t, const char *why)
{
	if (!t->up)
		return;
	conn_close(&t->req);
	conn_close(&t->watch);
	t->up = t->watching = false;
	tc_forget_pending(t);
	t->convs_asked = t->convs_again = false;
	t->read_asked = t->read_again = false;
	free(t->typing_to);
	t->typing_to = NULL;
	t->retry_at = tc_now_ms() + TC_RETRY_MS;
	tc_notice(t, true, "lost ternd (%s): connecting again", why);
}

static void reconnect(struct tc *t)
{
	char err[512];

	if (connect_both(t, err, sizeof(err))) {
		t->retry_at = tc_now_ms() + TC_RETRY_MS;
		tc_notice(t, true, "%s (trying again)", err);
		return;
	}
	t->up = true;
	if (tc_watch_start(t))
		return;
	if (!t->self)
		tc_request(t, TC_REQ_STATUS, NULL,
			   json_pack("{s:s}", "op", "status"));
	tc_ask_convs(t);
	tc_ask_history(t);
	if (t->up)
		tc_notice(t, false, "connected to ternd again");
}

/* One request, its answer, before the screen is ours: the answer, or
 * NULL (said on standard error).
 */
static json_t *ask(struct tc_conn *c, json_t *req, const char *what)
{
	char err[512];
	json_t *a;

	a = conn_send(c, req, err, sizeof(err)) ? NULL :
	    conn_wait(c, TC_ANSWER_MS, err, sizeof(err));
	if (!a) {
		fprintf(stderr, "ternchat: %s\n", err);
		return NULL;
	}
	if (!json_is_true(json_object_get(a, "ok"))) {
		fprintf(stderr, "ternchat: ternd refused %s: %s\n", what,
			json_string_value(json_object_get(a, "message")) ?:
			"no reason given");
		json_decref(a);
		return NULL;
	}
	return a;
}

static int start(struct tc *t)
{
	char err[512];
	json_t *a;

	if (connect_both(t, err, sizeof(err))) {
		fprintf(stderr, "ternchat: %s\n", err);
		return -1;
	}
	t->up = true;
	a = ask(&t->req, json_pack("{s:s}", "op", "status"), "status");
	if (!a)
		return -1;
	if (json_string_value(json_object_get(a, "handle")))
		t->self = strdup(json_string_value(json_object_get(a,
								  "handle")));
	json_decref(a);
	a = ask(&t->watch, json_pack("{s:s}", "op", "watch"), "watch");
	if (!a)
		return -1;
	tc_event(t, a);
	json_decref(a);
	return 0;
}

static void resize(void)
{
	struct winsize ws;

	if (!ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_row && ws.ws_col)
		resizeterm(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
}

/* The lines both connections hold. */
static void drain(struct tc *t)
{
	char err[256];
	json_t *j;
	int r;

	while (t->up && (r = conn_next(&t->req, &j, err, sizeof(err)))) {
		if (r < 0) {
			tc_notice(t, true, "%s", err);
			continue;
		}
		tc_answer(t, j);
		json_decref(j);
	}
	while (t->up && (r = conn_next(&t->watch, &j, err, sizeof(err)))) {
		if (r < 0) {
			tc_notice(t, true, "%s", err);
			continue;
		}
		tc_event(t, j);
		json_decref(j);
	}
}

static void fill(struct tc *t, struct tc_conn *c, short revents)
{
	char err[256];

	if (!t->up || !revents)
		return;
	if (conn_fill(c, err, sizeof(err)))
		tc_lost(t, err);
}

static void keys(struct tc *t)
{
	wint_t ch;
	int r;

	while (!t->quit && (r = wget_wch(stdscr, &ch)) != ERR)
		tc_key(t, r, ch);
}

/*
 * ppoll() runs the handlers only when no descriptor is ready: take the
 * signals still pending after it here.
 */
static void signals(const sigset_t *ours)
{
	const struct timespec now = { 0 };
	sigset_t pend;
	int sig;

	if (sigpending(&pend))
		return;
	while ((sigismember(&pend, SIGWINCH) || sigismember(&pend, SIGINT) ||
		sigismember(&pend, SIGTERM) || sigismember(&pend, SIGHUP)) &&
	       (sig = sigtimedwait(ours, NULL, &now)) > 0) {
		if (sig == SIGWINCH)
			got_winch = 1;
		else
			got_stop = 1;
		if (sigpending(&pend))
			return;
	}
}

static int loop(struct tc *t, const sigset_t *ours, const sigset_t *unblocked)
{
	struct pollfd p[3];
	struct timespec ts;
	long long now, d;
	int n;

	while (!t->quit && !got_stop) {
		now = tc_now_ms();
		if (!t->up && now >= t->retry_at)
			reconnect(t);
		drain(t);
		tc_expire(t, now);
		if (t->redraw)
			tc_draw(t);
		p[0] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = t->up ? t->req.fd : -1,
					.events = POLLIN };
		p[2] = (struct pollfd){ .fd = t->up ? t->watch.fd : -1,
					.events = POLLIN };
		d = tc_next_deadline(t);
		if (d >= 0) {
			d = d > now ? d - now : 0;
			ts.tv_sec = d / 1000;
			ts.tv_nsec = (d % 1000) * 1000000;
		}
		n = ppoll(p, 3, d >= 0 ? &ts : NULL, unblocked);
		if (n < 0 && errno != EINTR) {
			tc_notice(t, true, "poll: %s", strerror(errno));
			return -1;
		}
		signals(ours);
		if (got_winch) {
			got_winch = 0;
			resize();
			t->redraw = true;
		}
		if (n <= 0)
			continue;
		if (p[0].revents & POLLIN)
			keys(t);
		if (p[0].revents & (POLLHUP | POLLERR | POLLNVAL)) {
			tc_notice(t, true, "the terminal is gone");
			return -1;
		}
		fill(t, &t->req, p[1].revents);
		fill(t, &t->watch, p[2].revents);
	}
	return 0;
}

/* UTF-8 on the screen: ternd's texts are. */
static void locale_init(void)
{
	setlocale(LC_ALL, "");
	if (strcmp(nl_langinfo(CODESET), "UTF-8"))
		setlocale(LC_CTYPE, "C.UTF-8");
}

int main(int argc, char **argv)
{
	struct tc_opts o = { 0 };
	struct sigaction sa = { .sa_handler = on_stop };
	sigset_t block, old;
	struct tc t = { 0 };
	char path[256];
	SCREEN *scr;
	int status, rc;

	if (tc_opts_parse(argc, argv, &o, &status))
		return status;
	t.api = tc_api_path(&o, path, sizeof(path));
	t.req.fd = t.watch.fd = -1;
	signal(SIGPIPE, SIG_IGN);
	if (start(&t)) {
		conn_close(&t.req);
		conn_close(&t.watch);
		tc_free(&t);
		return TC_EXIT_RUNTIME;
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "ternchat: needs a terminal\n");
		conn_close(&t.req);
		conn_close(&t.watch);
		tc_free(&t);
		return TC_EXIT_RUNTIME;
	}
	locale_init();
	/* Ours before curses', which then installs none. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_winch;
	sigaction(SIGWINCH, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGWINCH);
	sigprocmask(SIG_BLOCK, &block, &old);
	/* ppoll() lets them through, even if they came in blocked. */
	sigdelset(&old, SIGINT);
	sigdelset(&old, SIGTERM);
	sigdelset(&old, SIGHUP);
	sigdelset(&old, SIGWINCH);

	scr = newterm(NULL, stdout, stdin);
	if (!scr) {
		fprintf(stderr, "ternchat: cannot use the terminal (TERM=%s)\n",
			getenv("TERM") ?: "");
		conn_close(&t.req);
		conn_close(&t.watch);
		tc_free(&t);
		return TC_EXIT_RUNTIME;
	}
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(50);
	curs_set(1);
	t.hist = json_array();
	t.redraw = true;
	tc_ask_convs(&t);

	rc = loop(&t, &block, &old);

	tc_typing(&t, false);
	endwin();
	delscreen(scr);
	if (rc && t.notice[0])
		fprintf(stderr, "ternchat: %s\n", t.notice);
	conn_close(&t.req);
	conn_close(&t.watch);
	tc_free(&t);
	return rc ? TC_EXIT_RUNTIME : 0;
}
