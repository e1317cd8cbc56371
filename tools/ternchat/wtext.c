// SPDX-License-Identifier: GPL-2.0
/*
 * Text for the screen (wtext.h). Decoding is ours, not the C library's,
 * so that it does not depend on the locale: ternd's texts are UTF-8
 * whatever the terminal's locale is.
 */
#include <stdint.h>
#include <stdlib.h>

#include "wtext.h"

/* One code point from @s (at most @len bytes): its length, or 0. */
static size_t utf8_one(const unsigned char *s, size_t len, uint32_t *cp)
{
	size_t n, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates, beyond Unicode. */
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return n;
}

static wchar_t shown(uint32_t c)
{
	if (c == '\n')
		return L'\n';
	if (c == '\t')
		return L' ';
	if (c < 0x20 || (c >= 0x7f && c < 0xa0))
		return L'?';
	/* Line and paragraph separators, bidirectional overrides. */
	if (c == 0x2028 || c == 0x2029 || (c >= 0x202a && c <= 0x202e) ||
	    (c >= 0x2066 && c <= 0x2069))
		return L'?';
	if (wcwidth((wchar_t)c) < 0)
		return L'?';
	return (wchar_t)c;
}

wchar_t *wtext_from_utf8(const char *s, size_t len, size_t *n)
{
	const unsigned char *p = (const unsigned char *)s;
	wchar_t *w = malloc((len + 1) * sizeof(*w));
	size_t i = 0, k = 0, m;
	uint32_t cp;

	if (!w)
		return NULL;
	while (i < len) {
		m = utf8_one(p + i, len - i, &cp);
		if (!m) {
			w[k++] = L'?';
			i++;
			continue;
		}
		w[k++] = shown(cp);
		i += m;
	}
	w[k] = L'\0';
	*n = k;
	return w;
}

char *wtext_to_utf8(const wchar_t *s, size_t n)
{
	char *out = malloc(n * 4 + 1), *p;
	uint32_t c;
	size_t i;

	if (!out)
		return NULL;
	p = out;
	for (i = 0; i < n; i++) {
		c = (uint32_t)s[i];
		if ((c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
			c = 0xfffd;
		if (c < 0x80) {
			*p++ = (char)c;
		} else if (c < 0x800) {
			*p++ = (char)(0xc0 | c >> 6);
			*p++ = (char)(0x80 | (c & 0x3f));
		} else if (c < 0x10000) {
			*p++ = (char)(0xe0 | c >> 12);
			*p++ = (char)(0x80 | ((c >> 6) & 0x3f));
			*p++ = (char)(0x80 | (c & 0x3f));
		} else {
			*p++ = (char)(0xf0 | c >> 18);
			*p++ = (char)(0x80 | ((c >> 12) & 0x3f));
			*p++ = (char)(0x80 | ((c >> 6) & 0x3f));
			*p++ = (char)(0x80 | (c & 0x3f));
		}
	}
	*p = '\0';
	return out;
}

int wtext_cwidth(wchar_t c)
{
	int w = wcwidth(c);

	return w < 0 ? 1 : w > 2 ? 2 : w;
}

int wtext_width(const wchar_t *s, size_t n)
{
	int w = 0;
	size_t i;

	for (i = 0; i < n; i++)
		w += wtext_cwidth(s[i]);
	return w;
}

size_t wtext_fit(const wchar_t *s, size_t n, int cols)
{
	int w = 0, cw;
	size_t i;

	for (i = 0; i < n; i++) {
		cw = wtext_cwidth(s[i]);
		if (w + cw > cols)
			break;
		w += cw;
	}
	return i;
}

int wtext_wrap(const wchar_t *s, size_t n, int cols, wtext_line_fn line,
	       void *ctx)
{
	size_t i = 0, start, j, space;
	int lines = 0, col, cw;

	if (cols < 1)
		cols = 1;
	if (!n) {
		if (line)
			line(ctx, s, 0);
		return 1;
	}
	while (i < n) {
		start = i;
		col = 0;
		space = 0;
		for (j = start; j < n; j++) {
			if (s[j] == L'\n')
				break;
			cw = wtext_cwidth(s[j]);
			if (col + cw > cols)
				break;
			col += cw;
			if (s[j] == L' ')
				space = j;
		}
		if (j < n && s[j] == L'\n') {
			i = j + 1;		/* the newline goes */
		} else if (j < n && space > start) {
			i = space + 1;		/* cut after the space */
			j = space;
		} else if (j < n && j == start) {
			j = i = start + 1;	/* wider than the line */
		} else {
			i = j;
		}
		if (line)
			line(ctx, s + start, j - start);
		lines++;
	}
	return lines;
}
