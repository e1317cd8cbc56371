// SPDX-License-Identifier: GPL-2.0
/*
 * A small streaming JSON writer (see json.h).
 */
#include <inttypes.h>
#include <math.h>
#include <stddef.h>

#include "json.h"

void json_init(struct json *j, FILE *f, bool pretty)
{
	j->f = f;
	j->pretty = pretty;
	j->after_key = false;
	j->depth = 0;
}

static void json_indent(struct json *j, int depth)
{
	if (!j->pretty)
		return;
	fputc('\n', j->f);
	while (depth-- > 0)
		fputs("  ", j->f);
}

/* Separator and indentation before a key, or a value in an array. */
static void json_item(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->depth || j->depth > JSON_MAX_DEPTH)
		return;
	if (!j->empty[j->depth - 1])
		fputc(',', j->f);
	j->empty[j->depth - 1] = false;
	json_indent(j, j->depth);
}

static void json_open(struct json *j, char c)
{
	json_item(j);
	fputc(c, j->f);
	if (j->depth < JSON_MAX_DEPTH)
		j->empty[j->depth] = true;
	j->depth++;
}

static void json_close(struct json *j, char c)
{
	if (j->depth <= 0)
		return;
	j->depth--;
	if (j->depth < JSON_MAX_DEPTH && !j->empty[j->depth])
		json_indent(j, j->depth);
	fputc(c, j->f);
	if (!j->depth)
		fputc('\n', j->f);
}

void json_obj_begin(struct json *j)
{
	json_open(j, '{');
}

void json_obj_end(struct json *j)
{
	json_close(j, '}');
}

void json_arr_begin(struct json *j)
{
	json_open(j, '[');
}

void json_arr_end(struct json *j)
{
	json_close(j, ']');
}

/* Length of the valid UTF-8 sequence at @s, or 0. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates, beyond U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

static void json_string(struct json *j, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;

	fputc('"', j->f);
	while (*s) {
		switch (*s) {
		case '"':
			fputs("\\\"", j->f);
			break;
		case '\\':
			fputs("\\\\", j->f);
			break;
		case '\n':
			fputs("\\n", j->f);
			break;
		case '\r':
			fputs("\\r", j->f);
			break;
		case '\t':
			fputs("\\t", j->f);
			break;
		default:
			if (*s < 0x20 || *s == 0x7f) {
				fprintf(j->f, "\\u%04x", *s);
				break;
			}
			n = utf8_len(s);
			if (!n) {
				fputs("\\ufffd", j->f);
				break;
			}
			fwrite(s, 1, n, j->f);
			s += n;
			continue;
		}
		s++;
	}
	fputc('"', j->f);
}

void json_key(struct json *j, const char *key)
{
	json_item(j);
	json_string(j, key);
	fputs(j->pretty ? ": " : ":", j->f);
	j->after_key = true;
}

void json_str(struct json *j, const char *s)
{
	json_item(j);
	json_string(j, s);
}

void json_u64(struct json *j, uint64_t v)
{
	json_item(j);
	fprintf(j->f, "%" PRIu64, v);
}

void json_dbl(struct json *j, double v)
{
	json_item(j);
	if (isfinite(v))
		fprintf(j->f, "%.6g", v);
	else
		fputs("null", j->f);
}

void json_bool(struct json *j, bool v)
{
	json_item(j);
	fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j)
{
	json_item(j);
	fputs("null", j->f);
}
