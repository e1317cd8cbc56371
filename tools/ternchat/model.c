// SPDX-License-Identifier: GPL-2.0
/*
 * What ternchat knows (ternchat.h): the conversation list, the open
 * conversation's messages, who is typing, the status line's notice.
 * Messages come twice, from history answers and from the watch, in no
 * set order between the two connections: the later change of a message
 * (the higher "rev") wins.
 */
#include <stdlib.h>
#include <string.h>

#include "msgline.h"
#include "ternchat.h"

static void conv_free(struct tc_conv *c)
{
	free(c->with);
}

struct tc_conv *tc_conv_find(struct tc *t, const char *with)
{
	ssize_t i = tc_conv_index(t, with);

	return i < 0 ? NULL : &t->convs[i];
}

ssize_t tc_conv_index(struct tc *t, const char *with)
{
	size_t i;

	if (!with)
		return -1;
	for (i = 0; i < t->n_convs; i++) {
		if (!strcmp(t->convs[i].with, with))
			return (ssize_t)i;
	}
	return -1;
}

void tc_set_convs(struct tc *t, const json_t *arr)
{
	size_t n = json_array_size(arr), k = 0, i, j;
	struct tc_conv *v = calloc(t->n_convs + n + 1, sizeof(*v));
	const json_t *c;
	const char *with, *state;
	bool listed;

	if (!v) {
		tc_notice(t, true, "out of memory");
		return;
	}
	/* Those opened with /new that ternd does not list yet, first. */
	for (i = 0; i < t->n_convs; i++) {
		if (strcmp(t->convs[i].state, "new"))
			continue;
		listed = false;
		json_array_foreach(arr, j, c) {
			with = msgline_str(c, "with");
			if (with && !strcmp(with, t->convs[i].with))
				listed = true;
		}
		if (!listed) {
			v[k] = t->convs[i];
			t->convs[i].with = NULL;
			k++;
		}
	}
	json_array_foreach(arr, j, c) {
		with = msgline_str(c, "with");
		state = msgline_str(c, "state");
		v[k].with = with ? strdup(with) : NULL;
		if (!v[k].with)
			continue;
		snprintf(v[k].state, sizeof(v[k].state), "%s",
			 state ? state : "none");
		v[k].unread = (unsigned int)json_integer_value(
			json_object_get(c, "unread"));
		k++;
	}
	for (i = 0; i < t->n_convs; i++)
		conv_free(&t->convs[i]);
	free(t->convs);
	t->convs = v;
	t->n_convs = k;
	t->redraw = true;
	if (!t->sel && k)
		tc_select(t, v[0].with);
}

void tc_conv_add_new(struct tc *t, const char *with)
{
	struct tc_conv *v;

	if (tc_conv_find(t, with))
		return;
	v = realloc(t->convs, (t->n_convs + 1) * sizeof(*v));
	if (!v)
		return;
	t->convs = v;
	memmove(v + 1, v, t->n_convs * sizeof(*v));
	memset(v, 0, sizeof(*v));
	v->with = strdup(with);
	if (!v->with) {
		memmove(v, v + 1, t->n_convs * sizeof(*v));
		return;
	}
	snprintf(v->state, sizeof(v->state), "new");
	t->n_convs++;
	t->redraw = true;
}

void tc_select(struct tc *t, const char *with)
{
	char *sel;

	if (t->sel && !strcmp(t->sel, with))
		return;
	sel = strdup(with);
	if (!sel)
		return;
	/* Stop saying we type to the one we leave. */
	tc_typing(t, false);
	free(t->sel);
	t->sel = sel;
	json_decref(t->hist);
	t->hist = json_array();
	t->scroll = 0;
	t->read_asked = t->read_again = false;
	t->redraw = true;
	tc_ask_history(t);
}

void tc_select_step(struct tc *t, int step)
{
	ssize_t i = tc_conv_index(t, t->sel), n = (ssize_t)t->n_convs;

	if (!n)
		return;
	if (i < 0)
		i = step > 0 ? -1 : n;
	i = ((i + step) % n + n) % n;
	tc_select(t, t->convs[i].with);
}

static json_int_t rev_of(const json_t *m)
{
	return json_integer_value(json_object_get(m, "rev"));
}

static ssize_t find_id(const json_t *arr, const char *id)
{
	const json_t *m;
	const char *mid;
	size_t i;

	if (!id)
		return -1;
	json_array_foreach(arr, i, m) {
		mid = msgline_str(m, "id");
		if (mid && !strcmp(mid, id))
			return (ssize_t)i;
	}
	return -1;
}

void tc_merge_history(struct tc *t, const json_t *arr)
{
	json_t *v = json_array(), *m;
	ssize_t k;
	size_t i;

	if (!v)
		return;
	json_array_foreach(arr, i, m) {
		if (json_is_object(m) && !json_object_get(m, "deleted_ms"))
			json_array_append(v, m);
	}
	/* What the watch brought meanwhile. */
	json_array_foreach(t->hist, i, m) {
		k = find_id(v, msgline_str(m, "id"));
		if (k < 0)
			json_array_append(v, m);
		else if (rev_of(m) > rev_of(json_array_get(v, k)))
			json_array_set(v, k, m);
	}
	json_decref(t->hist);
	t->hist = v;
	t->redraw = true;
}

void tc_upsert(struct tc *t, const json_t *m)
{
	ssize_t k = find_id(t->hist, msgline_str(m, "id"));
	json_t *c;

	t->redraw = true;
	if (json_object_get(m, "deleted_ms")) {
		if (k >= 0)
			json_array_remove(t->hist, k);
		return;
	}
	if (k >= 0 && rev_of(json_array_get(t->hist, k)) > rev_of(m))
		return;
	c = json_deep_copy(m);
	if (!c)
		return;
	json_object_del(c, "event");
	if (k >= 0)
		json_array_set_new(t->hist, k, c);
	else
		json_array_append_new(t->hist, c);
	/* Keep what a history answer would hold, and a little more. */
	while (json_array_size(t->hist) > 2 * TC_HISTORY_LIMIT)
		json_array_remove(t->hist, 0);
}

bool tc_hist_unread(const struct tc *t)
{
	const json_t *m;
	size_t i;

	json_array_foreach(t->hist, i, m) {
		if (!msgline_out(m) && !json_object_get(m, "read_ms"))
			return true;
	}
	return false;
}

void tc_typing_seen(struct tc *t, const char *who, bool on)
{
	if (on) {
		free(t->typing_who);
		t->typing_who = strdup(who);
		t->typing_until = tc_now_ms() + TC_TYPING_SHOW_MS;
	} else if (t->typing_who && !strcmp(t->typing_who, who)) {
		free(t->typing_who);
		t->typing_who = NULL;
	}
	t->redraw = true;
}

void tc_expire(struct tc *t, long long now)
{
	if (t->typing_who && now >= t->typing_until) {
		free(t->typing_who);
		t->typing_who = NULL;
		t->redraw = true;
	}
	if (t->notice[0] && now >= t->notice_until) {
		t->notice[0] = '\0';
		t->redraw = true;
	}
}

long long tc_next_deadline(const struct tc *t)
{
	long long d = -1;

	if (t->typing_who)
		d = t->typing_until;
	if (t->notice[0] && (d < 0 || t->notice_until < d))
		d = t->notice_until;
	if (!t->up && (d < 0 || t->retry_at < d))
		d = t->retry_at;
	return d;
}

void tc_free(struct tc *t)
{
	size_t i;

	for (i = 0; i < t->n_convs; i++)
		conv_free(&t->convs[i]);
	free(t->convs);
	t->convs = NULL;
	t->n_convs = 0;
	tc_forget_pending(t);
	json_decref(t->hist);
	t->hist = NULL;
	free(t->sel);
	free(t->self);
	free(t->typing_who);
	free(t->typing_to);
	t->sel = t->self = t->typing_who = t->typing_to = NULL;
}
