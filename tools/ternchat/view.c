// SPDX-License-Identifier: GPL-2.0
/*
 * The screen (ternchat.h), drawn whole from the state each time it
 * changed (curses sends the terminal only what differs):
 *
 *   ternchat  alice@example.org                  bob@example.org [request]
 *    bob@example.org (1) [request] | 14:02 <- hello alice
 *    carol@example.org             | 14:03 -> hi bob  [delivered]
 *                                  |
 *   bob@example.org is typing...  (the status line)
 *   > the compose line
 *
 * Every text goes through wtext_from_utf8(), so no control character
 * reaches the terminal, and is cut by display width, so wide characters
 * (CJK, emoji) never spill into the next panel.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "msgline.h"
#include "ternchat.h"
#include "wtext.h"

#define LEFT_MIN	14
#define LEFT_MAX	34

enum { PAIR_OUT = 1, PAIR_IN, PAIR_ERR, PAIR_DIM };

static bool colors;

static void colors_init(void)
{
	if (colors || !has_colors() || start_color() == ERR)
		return;
	use_default_colors();
	init_pair(PAIR_OUT, COLOR_GREEN, -1);
	init_pair(PAIR_IN, COLOR_CYAN, -1);
	init_pair(PAIR_ERR, COLOR_RED, -1);
	init_pair(PAIR_DIM, COLOR_YELLOW, -1);
	colors = true;
}

static attr_t pair(int p)
{
	return colors ? COLOR_PAIR(p) : A_NORMAL;
}

/* Wide characters @w (@n) at (@y, @x) in at most @cols columns, cut with
 * "~" when they do not fit and @mark; the columns taken.
 */
static int put_w(int y, int x, const wchar_t *w, size_t n, int cols,
		 bool mark)
{
	size_t k;

	if (cols <= 0)
		return 0;
	k = wtext_fit(w, n, cols);
	if (k < n && mark)
		k = wtext_fit(w, n, cols - 1);
	if (k)
		mvaddnwstr(y, x, w, (int)k);
	if (k < n && mark) {
		mvaddch(y, x + wtext_width(w, k), '~');
		return wtext_width(w, k) + 1;
	}
	return wtext_width(w, k);
}

/* The same for UTF-8, on one line. */
static int put(int y, int x, const char *s, int cols, bool mark)
{
	size_t n, i;
	wchar_t *w;
	int r;

	if (!s || cols <= 0)
		return 0;
	w = wtext_from_utf8(s, strlen(s), &n);
	if (!w)
		return 0;
	for (i = 0; i < n; i++) {
		if (w[i] == L'\n')
			w[i] = L' ';
	}
	r = put_w(y, x, w, n, cols, mark);
	free(w);
	return r;
}

static void header(struct tc *t, int cols)
{
	const struct tc_conv *c = tc_conv_find(t, t->sel);
	char right[320];
	bool marked;
	int x, rw;

	attron(A_REVERSE);
	mvhline(0, 0, ' ', cols);
	x = put(0, 1, "ternchat", cols - 1, false) + 1;
	if (t->self)
		x += put(0, x + 2, t->self, cols - x - 2, true) + 2;
	if (t->sel) {
		marked = c && (!strcmp(c->state, "request") ||
			       !strcmp(c->state, "blocked") ||
			       !strcmp(c->state, "new"));
		snprintf(right, sizeof(right), "%s%s%s%s", t->sel,
			 marked ? " [" : "", marked ? c->state : "",
			 marked ? "]" : "");
		rw = (int)strlen(right);
		if (rw > cols - x - 4)
			rw = cols - x - 4;
		put(0, cols - rw - 1, right, rw, true);
	}
	attroff(A_REVERSE);
}

static void conv_line(const struct tc_conv *c, int y, int x, int w,
		      bool selected)
{
	char marks[48] = "";
	size_t ml;
	int hw;

	if (c->unread)
		snprintf(marks, sizeof(marks), " (%u)", c->unread);
	ml = strlen(marks);
	if (!strcmp(c->state, "request") || !strcmp(c->state, "blocked") ||
	    !strcmp(c->state, "new"))
		snprintf(marks + ml, sizeof(marks) - ml, " [%s]", c->state);
	ml = strlen(marks);
	if (selected)
		attron(A_REVERSE);
	if (c->unread)
		attron(A_BOLD);
	mvhline(y, x, ' ', w);
	hw = put(y, x + 1, c->with, w - 1 - (int)ml, true);
	put(y, x + 1 + hw, marks, w - 1 - hw, false);
	attroff(A_REVERSE | A_BOLD);
}

static void conversations(struct tc *t, int x, int y, int w, int h)
{
	ssize_t s = tc_conv_index(t, t->sel);
	size_t top = 0, i;

	if (!t->n_convs) {
		put(y, x + 1, "(no conversations)", w - 1, true);
		if (h > 1)
			put(y + 1, x + 1, "/new HANDLE", w - 1, true);
		return;
	}
	if (s >= h)
		top = (size_t)(s - h + 1);
	for (i = top; i < t->n_convs && (int)(i - top) < h; i++)
		conv_line(&t->convs[i], y + (int)(i - top), x, w,
			  (ssize_t)i == s);
}

/* A message's lines. */
struct segs {
	struct seg {
		const wchar_t *s;
		size_t n;
	} *v;
	size_t n, cap;
};

static void seg_add(void *ctx, const wchar_t *s, size_t n)
{
	struct segs *g = ctx;
	struct seg *v;

	if (g->n == g->cap) {
		v = realloc(g->v, (g->cap ? g->cap * 2 : 16) * sizeof(*v));
		if (!v)
			return;
		g->v = v;
		g->cap = g->cap ? g->cap * 2 : 16;
	}
	g->v[g->n].s = s;
	g->v[g->n].n = n;
	g->n++;
}

/* Message @m's body, wrapped to @cols: its lines in @g (pointing into
 * the returned string, which the caller frees).
 */
static wchar_t *wrap_msg(struct tc *t, const json_t *m, int cols,
			 struct segs *g)
{
	char *body = msgline_body(m, t->hist);
	wchar_t *w;
	size_t n;

	g->n = 0;
	if (!body)
		return NULL;
	w = wtext_from_utf8(body, strlen(body), &n);
	free(body);
	if (w)
		wtext_wrap(w, n, cols, seg_add, g);
	return w;
}

static attr_t msg_attr(const json_t *m)
{
	const char *st = msgline_str(m, "state");

	if (st && !strcmp(st, "failed"))
		return pair(PAIR_ERR);
	if (json_object_get(m, "unsent_ms"))
		return A_DIM;
	return A_NORMAL;
}

static void hints(struct tc *t, int x, int y, int w, int h)
{
	static const char *const lines[] = {
		"Up/Down or Tab: choose a conversation",
		"Enter: send what you wrote below",
		"/new HANDLE: write to someone new",
		"/accept, /block: a message request",
		"/quit or Ctrl-C: leave",
	};
	size_t i;

	(void)t;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]) && (int)i < h; i++)
		put(y + (int)i, x + 1, lines[i], w - 1, true);
}

static void history(struct tc *t, int x, int y, int w, int h)
{
	size_t n = json_array_size(t->hist), i, k;
	int ind = w >= 30 ? MSGLINE_PREFIX : 0, bw = w - 1 - ind;
	int total = 0, skip, row = y + h - 1;
	long long now = (long long)time(NULL) * 1000;
	struct segs g = { 0 };
	char pre[32];
	attr_t dir;
	wchar_t *s;
	const json_t *m;

	if (!t->sel) {
		hints(t, x, y, w, h);
		return;
	}
	if (!n) {
		put(y, x + 1, "No messages yet: write one below.", w - 1, true);
		return;
	}
	/* Not back beyond the first message. */
	for (i = n; i-- > 0 && total < t->scroll + h;) {
		s = wrap_msg(t, json_array_get(t->hist, i), bw, &g);
		total += (int)g.n;
		free(s);
	}
	if (total < t->scroll + h)
		t->scroll = total > h ? total - h : 0;
	skip = t->scroll;
	for (i = n; i-- > 0 && row >= y;) {
		m = json_array_get(t->hist, i);
		s = wrap_msg(t, m, bw, &g);
		for (k = g.n; k-- > 0 && row >= y;) {
			if (skip > 0) {
				skip--;
				continue;
			}
			if (!k && ind) {
				msgline_prefix(m, now, pre, sizeof(pre));
				dir = pair(msgline_out(m) ? PAIR_OUT : PAIR_IN);
				attron(dir);
				mvaddnstr(row, x + 1, pre, ind);
				attroff(dir);
			}
			attron(msg_attr(m));
			put_w(row, x + 1 + ind, g.v[k].s, g.v[k].n, bw, false);
			attroff(msg_attr(m));
			row--;
		}
		free(s);
	}
	free(g.v);
}

static void status(struct tc *t, int y, int cols)
{
	char line[1024];
	size_t l = 0;

	line[0] = '\0';
	if (t->typing_who)
		l += snprintf(line, sizeof(line), "%s is typing...",
			      t->typing_who);
	if (t->notice[0] && l < sizeof(line))
		l += snprintf(line + l, sizeof(line) - l, "%s%s",
			      l ? "  |  " : "", t->notice);
	if (!t->up && !t->notice[0] && l < sizeof(line))
		l += snprintf(line + l, sizeof(line) - l, "%s%s",
			      l ? "  |  " : "",
			      "not connected to ternd (trying again)");
	if (t->scroll && l < sizeof(line))
		l += snprintf(line + l, sizeof(line) - l, "%s%s",
			      l ? "  |  " : "", "scrolled back: PageDown");
	if (!l)
		snprintf(line, sizeof(line), "%s",
			 "Up/Down: conversation  Enter: send  /new HANDLE  /accept  /block  /quit");
	attron(A_REVERSE);
	if (t->notice[0] && t->notice_err)
		attron(A_BOLD);
	mvhline(y, 0, ' ', cols);
	put(y, 1, line, cols - 2, true);
	attroff(A_REVERSE | A_BOLD);
}

static void compose(struct tc *t, int y, int cols)
{
	struct compose *c = &t->line;
	int avail = cols - 3, cx;

	mvaddstr(y, 0, "> ");
	compose_scroll(c, avail, &cx);
	put_w(y, 2, c->s + c->off, c->len - c->off, avail, false);
	move(y, 2 + cx);
}

void tc_draw(struct tc *t)
{
	int rows = LINES, cols = COLS, left, h;

	t->redraw = false;
	colors_init();
	erase();
	if (rows < 6 || cols < 30) {
		put(0, 0, "ternchat: the terminal is too small", cols, true);
		refresh();
		return;
	}
	left = cols / 3;
	if (left < LEFT_MIN)
		left = LEFT_MIN;
	if (left > LEFT_MAX)
		left = LEFT_MAX;
	h = rows - 3;
	header(t, cols);
	conversations(t, 0, 1, left, h);
	mvvline(1, left, ACS_VLINE, h);
	history(t, left + 1, 1, cols - left - 1, h);
	status(t, rows - 2, cols);
	compose(t, rows - 1, cols);
	refresh();
}
