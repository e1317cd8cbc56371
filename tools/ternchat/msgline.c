// SPDX-License-Identifier: GPL-2.0
/*
 * A message as the history shows it (msgline.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "msgline.h"

/* Code points of a quoted message's text. */
#define QUOTE_MAX	24

const char *msgline_str(const json_t *m, const char *key)
{
	return json_string_value(json_object_get(m, key));
}

bool msgline_out(const json_t *m)
{
	const char *dir = msgline_str(m, "dir");

	return dir && !strcmp(dir, "out");
}

void msgline_prefix(const json_t *m, long long now_ms, char *buf, size_t len)
{
	time_t t = (time_t)(json_integer_value(json_object_get(m, "sent_ms")) /
			    1000);
	time_t now = (time_t)(now_ms / 1000);
	struct tm tm, tn;
	char when[16];

	localtime_r(&t, &tm);
	localtime_r(&now, &tn);
	if (tm.tm_year == tn.tm_year && tm.tm_yday == tn.tm_yday)
		strftime(when, sizeof(when), "%H:%M", &tm);
	else
		strftime(when, sizeof(when), "%m-%d", &tm);
	snprintf(buf, len, "%-5.5s %s ", when, msgline_out(m) ? "->" : "<-");
}

const char *msgline_state(const json_t *m)
{
	const char *state = msgline_str(m, "state");

	if (!msgline_out(m))
		return NULL;
	if (json_object_get(m, "read_ms"))
		return "read";
	if (state && !strcmp(state, "sent") &&
	    json_object_get(m, "delivered_ms"))
		return "delivered";
	return state ? state : "?";
}

static const json_t *find(const json_t *hist, const char *id)
{
	const json_t *m;
	size_t i;

	json_array_foreach(hist, i, m) {
		const char *mid = msgline_str(m, "id");

		if (mid && !strcmp(mid, id))
			return m;
	}
	return NULL;
}

/* The first QUOTE_MAX code points of @s, on one line, to @f. */
static void quote(FILE *f, const char *s)
{
	unsigned int cps = 0;
	const char *p;

	for (p = s; *p; p++) {
		if (((unsigned char)*p & 0xc0) != 0x80 && cps++ == QUOTE_MAX) {
			fputs("...", f);
			return;
		}
		fputc(*p == '\n' ? ' ' : *p, f);
	}
}

static void reply_mark(FILE *f, const json_t *m, const json_t *hist)
{
	const char *re = msgline_str(m, "reply_to"), *text;
	const json_t *q;

	if (!re)
		return;
	q = find(hist, re);
	text = q ? msgline_str(q, "text") : NULL;
	if (q && json_object_get(q, "unsent_ms")) {
		fputs("(re: (unsent)) ", f);
	} else if (text) {
		fputs("(re: \"", f);
		quote(f, text);
		fputs("\") ", f);
	} else {
		fprintf(f, "(re: %.8s) ", re);
	}
}

char *msgline_body(const json_t *m, const json_t *hist)
{
	const char *text = msgline_str(m, "text");
	const char *kind = msgline_str(m, "kind");
	const char *state = msgline_state(m), *err;
	const json_t *r;
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	reply_mark(f, m, hist);
	if (json_object_get(m, "unsent_ms"))
		fputs("(unsent)", f);
	else if (text)
		fputs(text, f);
	else
		fprintf(f, "(%s)", kind ? kind : "?");
	if (json_object_get(m, "edited_ms") && !json_object_get(m, "unsent_ms"))
		fputs(" (edited)", f);
	json_array_foreach(json_object_get(m, "reactions"), i, r)
		fprintf(f, "%s%s %s", i ? ", " : "  ",
			msgline_str(r, "emoji") ?: "?",
			msgline_str(r, "from") ?: "?");
	if (state) {
		err = msgline_str(m, "error");
		if (!strcmp(state, "failed") && err)
			fprintf(f, "  [failed: %s]", err);
		else
			fprintf(f, "  [%s]", state);
	}
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}
