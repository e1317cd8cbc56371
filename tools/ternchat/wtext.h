/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Text for the screen (wtext.c): UTF-8 to wide characters made safe to
 * show (no control character reaches the terminal), wide characters
 * back to UTF-8, display widths, and cutting a text into lines of a
 * given width.
 */
#ifndef TERNCHAT_WTEXT_H
#define TERNCHAT_WTEXT_H

#include <stddef.h>
#include <wchar.h>

/*
 * @s (UTF-8, @len bytes) as a NUL-terminated wide string (malloc()ed),
 * its length in *@n; NULL when out of memory. Newlines stay; tabs become
 * spaces; other control characters, malformed bytes and characters the
 * terminal cannot show become '?'.
 */
wchar_t *wtext_from_utf8(const char *s, size_t len, size_t *n);
/* @n wide characters of @s as UTF-8 (malloc()ed, NUL-terminated). */
char *wtext_to_utf8(const wchar_t *s, size_t n);
/* Columns @c takes on the screen: 0 (combining), 1 or 2. */
int wtext_cwidth(wchar_t c);
/* Columns of @n characters of @s. */
int wtext_width(const wchar_t *s, size_t n);
/* How many characters of @s (of @n) fit in @cols columns. */
size_t wtext_fit(const wchar_t *s, size_t n, int cols);

typedef void (*wtext_line_fn)(void *ctx, const wchar_t *s, size_t n);

/*
 * Cut @n characters of @s into lines of at most @cols columns, after a
 * space when there is one to cut at, always at a newline; @line (may be
 * NULL) is called for each, in order. The number of lines (at least 1).
 */
int wtext_wrap(const wchar_t *s, size_t n, int cols, wtext_line_fn line,
	       void *ctx);

#endif /* TERNCHAT_WTEXT_H */
