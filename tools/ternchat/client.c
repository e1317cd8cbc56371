// SPDX-License-Identifier: GPL-2.0
/*
 * Requests to ternd's client API and their answers (ternchat.h). Each
 * request carries a "tag", which comes back in its answer; the table of
 * pending requests says what each was, and about whom.
 */
#include <stdlib.h>
#include <string.h>

#include "msgline.h"
#include "ternchat.h"

int tc_request(struct tc *t, enum tc_kind kind, const char *with,
	       json_t *req)
{
	struct tc_pending *p;
	char err[256];

	if (!req) {
		tc_notice(t, true, "out of memory");
		return -1;
	}
	if (!t->up) {
		json_decref(req);
		tc_notice(t, true, "not connected to ternd (trying again)");
		return -1;
	}
	if (t->n_pend == TC_PENDING_MAX) {
		json_decref(req);
		tc_notice(t, true, "ternd is not answering: %u requests wait",
			  t->n_pend);
		return -1;
	}
	p = &t->pend[t->n_pend];
	p->tag = ++t->next_tag;
	p->kind = kind;
	p->with = with ? strdup(with) : NULL;
	json_object_set_new(req, "tag", json_integer(p->tag));
	if (conn_send(&t->req, req, err, sizeof(err))) {
		free(p->with);
		tc_lost(t, err);
		return -1;
	}
	t->n_pend++;
	return 0;
}

void tc_forget_pending(struct tc *t)
{
	unsigned int i;

	for (i = 0; i < t->n_pend; i++)
		free(t->pend[i].with);
	t->n_pend = 0;
}

void tc_ask_convs(struct tc *t)
{
	if (t->convs_asked) {
		t->convs_again = true;
		return;
	}
	if (!tc_request(t, TC_REQ_CONVS, NULL,
			json_pack("{s:s}", "op", "conversations")))
		t->convs_asked = true;
}

void tc_ask_history(struct tc *t)
{
	if (!t->sel || !t->up)
		return;
	tc_request(t, TC_REQ_HISTORY, t->sel,
		   json_pack("{s:s, s:s, s:i}", "op", "history", "with",
			     t->sel, "limit", TC_HISTORY_LIMIT));
}

void tc_ask_read(struct tc *t)
{
	if (!t->sel || !t->up || !tc_hist_unread(t))
		return;
	if (t->read_asked) {
		t->read_again = true;
		return;
	}
	if (!tc_request(t, TC_REQ_READ, t->sel,
			json_pack("{s:s, s:s}", "op", "read", "with", t->sel)))
		t->read_asked = true;
}

void tc_send_text(struct tc *t, const char *text)
{
	tc_request(t, TC_REQ_SEND, t->sel,
		   json_pack("{s:s, s:s, s:s}", "op", "send", "to", t->sel,
			     "text", text));
}

void tc_typing(struct tc *t, bool on)
{
	const struct tc_conv *c = tc_conv_find(t, t->sel);
	long long now = tc_now_ms();

	if (t->typing_to && (!on || !t->sel || strcmp(t->typing_to, t->sel))) {
		if (t->up)
			tc_request(t, TC_REQ_TYPING, t->typing_to,
				   json_pack("{s:s, s:s, s:b}", "op", "typing",
					     "with", t->typing_to, "on", 0));
		free(t->typing_to);
		t->typing_to = NULL;
	}
	if (!on || !t->sel || !t->up || (c && !strcmp(c->state, "blocked")))
		return;
	if (t->typing_to && now - t->typing_at < TC_TYPING_AGAIN_MS)
		return;
	if (tc_request(t, TC_REQ_TYPING, t->sel,
		       json_pack("{s:s, s:s, s:b}", "op", "typing", "with",
				 t->sel, "on", 1)))
		return;
	if (!t->typing_to)
		t->typing_to = strdup(t->sel);
	t->typing_at = now;
}

static bool about_sel(const struct tc *t, const char *with)
{
	return with && t->sel && !strcmp(with, t->sel);
}

void tc_answer(struct tc *t, json_t *a)
{
	json_int_t tag = json_integer_value(json_object_get(a, "tag"));
	bool ok = json_is_true(json_object_get(a, "ok"));
	const char *why = msgline_str(a, "message");
	struct tc_pending p;
	unsigned int i;

	for (i = 0; i < t->n_pend; i++) {
		if (t->pend[i].tag == tag)
			break;
	}
	if (i == t->n_pend)
		return;		/* not ours, or from before a reconnect */
	p = t->pend[i];
	memmove(&t->pend[i], &t->pend[i + 1],
		(t->n_pend - i - 1) * sizeof(p));
	t->n_pend--;
	if (!why)
		why = msgline_str(a, "error") ?: "refused";
	switch (p.kind) {
	case TC_REQ_STATUS:
		if (ok && msgline_str(a, "handle")) {
			free(t->self);
			t->self = strdup(msgline_str(a, "handle"));
		}
		break;
	case TC_REQ_CONVS:
		t->convs_asked = false;
		if (ok)
			tc_set_convs(t, json_object_get(a, "conversations"));
		else
			tc_notice(t, true, "conversations: %s", why);
		if (t->convs_again) {
			t->convs_again = false;
			tc_ask_convs(t);
		}
		break;
	case TC_REQ_HISTORY:
		if (!about_sel(t, p.with))
			break;
		if (ok) {
			tc_merge_history(t, json_object_get(a, "messages"));
			tc_ask_read(t);
		} else {
			tc_notice(t, true, "history with %s: %s", p.with, why);
		}
		break;
	case TC_REQ_SEND:
		if (!ok)
			tc_notice(t, true, "not sent to %s: %s", p.with, why);
		break;
	case TC_REQ_READ:
		if (!ok)
			tc_notice(t, true, "read: %s", why);
		if (about_sel(t, p.with)) {
			t->read_asked = false;
			if (t->read_again) {
				t->read_again = false;
				tc_ask_read(t);
			}
		}
		tc_ask_convs(t);
		break;
	case TC_REQ_TYPING:
		/* Typing is best effort: no device online, no gateway. */
		break;
	case TC_REQ_ACCEPT:
	case TC_REQ_BLOCK:
		if (ok)
			tc_notice(t, false, p.kind == TC_REQ_ACCEPT ?
				  "%s is a contact now" : "%s is blocked",
				  p.with);
		else
			tc_notice(t, true, "%s %s: %s",
				  p.kind == TC_REQ_ACCEPT ? "accept" : "block",
				  p.with, why);
		tc_ask_convs(t);
		break;
	}
	free(p.with);
	t->redraw = true;
}
