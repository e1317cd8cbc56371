// SPDX-License-Identifier: GPL-2.0
/*
 * The compose line (compose.h).
 */
#include <string.h>
#include <wctype.h>

#include "compose.h"
#include "wtext.h"

int compose_insert(struct compose *c, wchar_t c1)
{
	if (c->len >= COMPOSE_MAX)
		return -1;
	memmove(c->s + c->cur + 1, c->s + c->cur,
		(c->len - c->cur) * sizeof(wchar_t));
	c->s[c->cur++] = c1;
	c->s[++c->len] = L'\0';
	return 0;
}

static void cut(struct compose *c, size_t from, size_t to)
{
	memmove(c->s + from, c->s + to, (c->len - to) * sizeof(wchar_t));
	c->len -= to - from;
	c->s[c->len] = L'\0';
	c->cur = from;
}

void compose_backspace(struct compose *c)
{
	size_t from = c->cur;

	if (!from)
		return;
	/* A combining mark goes with the character it is on. */
	while (from > 0 && !wtext_cwidth(c->s[from - 1]))
		from--;
	if (from > 0)
		from--;
	cut(c, from, c->cur);
}

void compose_delete(struct compose *c)
{
	size_t to = c->cur;

	if (to >= c->len)
		return;
	to++;
	while (to < c->len && !wtext_cwidth(c->s[to]))
		to++;
	cut(c, c->cur, to);
}

void compose_delete_word(struct compose *c)
{
	size_t from = c->cur;

	while (from > 0 && iswspace((wint_t)c->s[from - 1]))
		from--;
	while (from > 0 && !iswspace((wint_t)c->s[from - 1]))
		from--;
	cut(c, from, c->cur);
}

void compose_left(struct compose *c)
{
	while (c->cur > 0) {
		c->cur--;
		if (wtext_cwidth(c->s[c->cur]))
			break;
	}
}

void compose_right(struct compose *c)
{
	if (c->cur < c->len)
		c->cur++;
	while (c->cur < c->len && !wtext_cwidth(c->s[c->cur]))
		c->cur++;
}

void compose_home(struct compose *c)
{
	c->cur = 0;
}

void compose_end(struct compose *c)
{
	c->cur = c->len;
}

void compose_clear(struct compose *c)
{
	c->len = c->cur = c->off = 0;
	c->s[0] = L'\0';
}

char *compose_utf8(const struct compose *c)
{
	return wtext_to_utf8(c->s, c->len);
}

bool compose_blank(const struct compose *c)
{
	size_t i;

	for (i = 0; i < c->len; i++) {
		if (!iswspace((wint_t)c->s[i]))
			return false;
	}
	return true;
}

void compose_scroll(struct compose *c, int cols, int *x)
{
	if (cols < 2)
		cols = 2;
	if (c->off > c->cur)
		c->off = c->cur;
	/* Keep a column free for the cursor at the end. */
	while (c->off < c->cur &&
	       wtext_width(c->s + c->off, c->cur - c->off) > cols - 1)
		c->off++;
	*x = wtext_width(c->s + c->off, c->cur - c->off);
}
