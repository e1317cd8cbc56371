/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The compose line (compose.c): wide characters, a cursor, and the first
 * character shown when the line is wider than the screen.
 */
#ifndef TERNCHAT_COMPOSE_H
#define TERNCHAT_COMPOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

/* Characters in a line: a text is at most 16 KiB of UTF-8. */
#define COMPOSE_MAX	4096

struct compose {
	wchar_t s[COMPOSE_MAX + 1];
	size_t len, cur, off;
};

/* Insert @c at the cursor: 0, or -1 when the line is full. */
int compose_insert(struct compose *c, wchar_t c1);
void compose_backspace(struct compose *c);
void compose_delete(struct compose *c);
/* Delete the word before the cursor (Ctrl-W). */
void compose_delete_word(struct compose *c);
void compose_left(struct compose *c);
void compose_right(struct compose *c);
void compose_home(struct compose *c);
void compose_end(struct compose *c);
void compose_clear(struct compose *c);
/* The line as UTF-8 (malloc()ed), or NULL when out of memory. */
char *compose_utf8(const struct compose *c);
/* The line is empty, or only spaces. */
bool compose_blank(const struct compose *c);
/*
 * Fit the line in @cols columns: move off so that the cursor shows; the
 * cursor's column (from off) in *@x.
 */
void compose_scroll(struct compose *c, int cols, int *x);

#endif /* TERNCHAT_COMPOSE_H */
