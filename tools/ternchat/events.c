// SPDX-License-Identifier: GPL-2.0
/*
 * The watch connection (ternchat.h): {"op": "watch"} once, then a line
 * for each message added or changed ({"event": "message", ...MESSAGE})
 * and each typing notice ({"event": "typing", "with", "on"}). After a
 * reconnect the watch resumes with "since" the last change seen, so no
 * message is missed.
 */
#include <stdlib.h>
#include <string.h>

#include "msgline.h"
#include "ternchat.h"

int tc_watch_start(struct tc *t)
{
	json_t *req = t->have_rev ?
		json_pack("{s:s, s:I}", "op", "watch", "since",
			  (json_int_t)t->rev) :
		json_pack("{s:s}", "op", "watch");
	char err[256];

	t->watching = false;
	if (conn_send(&t->watch, req, err, sizeof(err))) {
		tc_lost(t, err);
		return -1;
	}
	return 0;
}

static void message(struct tc *t, const json_t *e)
{
	json_int_t rev = json_integer_value(json_object_get(e, "rev"));
	const char *with = msgline_str(e, "with");

	if (rev > 0 && (!t->have_rev || (uint64_t)rev > t->rev)) {
		t->rev = (uint64_t)rev;
		t->have_rev = true;
	}
	if (!with)
		return;
	/* A message from someone ends their typing. */
	if (!msgline_out(e) && !json_object_get(e, "read_ms") &&
	    t->typing_who && !strcmp(t->typing_who, with))
		tc_typing_seen(t, with, false);
	if (t->sel && !strcmp(t->sel, with)) {
		tc_upsert(t, e);
		tc_ask_read(t);
	}
	tc_ask_convs(t);
}

void tc_event(struct tc *t, json_t *e)
{
	const char *ev = msgline_str(e, "event");
	const char *with = msgline_str(e, "with");

	if (!ev) {
		/* The watch's own answer. */
		if (!json_is_true(json_object_get(e, "ok"))) {
			tc_notice(t, true, "watch: %s",
				  msgline_str(e, "message") ?: "refused");
			return;
		}
		t->watching = true;
		if (!t->have_rev) {
			t->rev = (uint64_t)json_integer_value(
				json_object_get(e, "rev"));
			t->have_rev = true;
		}
		return;
	}
	if (!strcmp(ev, "message"))
		message(t, e);
	else if (!strcmp(ev, "typing") && with)
		tc_typing_seen(t, with, json_is_true(json_object_get(e, "on")));
}
