// SPDX-License-Identifier: GPL-2.0
/*
 * This person's keys (ternchat.h): choosing a conversation, editing the
 * compose line, Enter to send it (or run the command it holds). While a
 * text is being written, its recipient is told this person is typing:
 * at once, then again every few seconds while keys come, and that it
 * stopped once the line is sent or emptied.
 */
#include <curses.h>
#include <stdlib.h>
#include <wctype.h>

#include "ternchat.h"

#define CTRL(c)		((c) & 0x1f)

static void after_edit(struct tc *t)
{
	const struct compose *c = &t->line;

	tc_typing(t, !compose_blank(c) &&
		  !(c->s[0] == L'/' && c->s[1] != L'/'));
}

static void submit(struct tc *t)
{
	char *text = compose_utf8(&t->line);

	if (!text) {
		tc_notice(t, true, "out of memory");
		return;
	}
	if (text[0] == '/' && text[1] != '/') {
		compose_clear(&t->line);
		tc_typing(t, false);
		tc_command(t, text);
	} else if (compose_blank(&t->line)) {
		/* Nothing to send. */
	} else if (!t->sel) {
		tc_notice(t, true, "no conversation open: /new HANDLE starts one");
	} else if (t->up) {
		tc_send_text(t, text[0] == '/' ? text + 1 : text);
		compose_clear(&t->line);
		tc_typing(t, false);
		t->scroll = 0;
	} else {
		tc_notice(t, true, "not connected to ternd: not sent (kept)");
	}
	free(text);
}

static void page(struct tc *t, int dir)
{
	int lines = LINES > 8 ? LINES - 5 : 1;

	t->scroll += dir * lines;
	if (t->scroll < 0)
		t->scroll = 0;
}

static void function_key(struct tc *t, wint_t k)
{
	switch (k) {
	case KEY_UP:
	case KEY_BTAB:
		tc_select_step(t, -1);
		break;
	case KEY_DOWN:
		tc_select_step(t, 1);
		break;
	case KEY_LEFT:
		compose_left(&t->line);
		break;
	case KEY_RIGHT:
		compose_right(&t->line);
		break;
	case KEY_HOME:
		compose_home(&t->line);
		break;
	case KEY_END:
		compose_end(&t->line);
		break;
	case KEY_BACKSPACE:
		compose_backspace(&t->line);
		after_edit(t);
		break;
	case KEY_DC:
		compose_delete(&t->line);
		after_edit(t);
		break;
	case KEY_ENTER:
		submit(t);
		break;
	case KEY_PPAGE:
		page(t, 1);
		break;
	case KEY_NPAGE:
		page(t, -1);
		break;
	case KEY_RESIZE:
		clearok(curscr, TRUE);
		break;
	default:
		return;
	}
	t->redraw = true;
}

void tc_key(struct tc *t, int r, wint_t ch)
{
	if (r == KEY_CODE_YES) {
		function_key(t, ch);
		return;
	}
	switch (ch) {
	case CTRL('c'):
	case CTRL('d'):
		t->quit = true;
		return;
	case L'\t':
		tc_select_step(t, 1);
		break;
	case L'\r':
	case L'\n':
		submit(t);
		break;
	case 0x7f:
	case CTRL('h'):
		compose_backspace(&t->line);
		after_edit(t);
		break;
	case CTRL('u'):
		compose_clear(&t->line);
		after_edit(t);
		break;
	case CTRL('w'):
		compose_delete_word(&t->line);
		after_edit(t);
		break;
	case CTRL('a'):
		compose_home(&t->line);
		break;
	case CTRL('e'):
		compose_end(&t->line);
		break;
	case CTRL('b'):
		compose_left(&t->line);
		break;
	case CTRL('f'):
		compose_right(&t->line);
		break;
	case CTRL('l'):
		clearok(curscr, TRUE);
		break;
	default:
		if (ch < 0x20 || !iswprint(ch))
			return;
		if (compose_insert(&t->line, (wchar_t)ch)) {
			tc_notice(t, true, "the line is full");
			break;
		}
		after_edit(t);
		break;
	}
	t->redraw = true;
}
