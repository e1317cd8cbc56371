// SPDX-License-Identifier: GPL-2.0
/*
 * Messages about messages (chat.h, messaging.rst "Message features"): a
 * reaction to any message of a conversation, one per person and message;
 * an edit of one's own message within 15 minutes of sending it; an
 * unsend within 2. Each is checked where it is made and again on every
 * device that receives it: the author must be the message's sender, and
 * the time between the two, by the sender's clock, within the limit (a
 * reference stamped ahead of the receiving device's clock by more than
 * the skew allowed is refused, so it cannot buy itself time).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "content.h"
#include "dstore.h"
#include "ternd.h"

#define REF_SKEW_MS	(5 * 60 * 1000)

struct target {
	bool found, outgoing;
	int64_t seq;
	uint64_t sent_ms, unsent_ms;
	uint8_t *body;
	size_t len;
};

static int target_cb(void *ctx, const struct dchat *m)
{
	struct target *t = ctx;

	t->found = true;
	t->outgoing = m->outgoing;
	t->seq = m->seq;
	t->sent_ms = m->sent_ms;
	t->unsent_ms = m->unsent_ms;
	t->body = malloc(m->len ? m->len : 1);
	if (!t->body)
		return -ENOMEM;
	memcpy(t->body, m->body, m->len);
	t->len = m->len;
	return 1;
}

/* The edited message's Content: the old one with the new text. */
static int edited_body(const struct target *t, const struct content *ct,
		       uint8_t **out, size_t *len)
{
	struct content old;
	const char *why;
	void *keep;
	int ret;

	ret = content_parse(t->body, t->len, &old, &keep, &why);
	if (ret)
		return ret;
	old.text = ct->text;
	old.text_len = ct->text_len;
	ret = content_pack(&old, out, len);
	content_free(keep);
	return ret;
}

int chat_apply_ref(struct ternd *td, const struct content *ct,
		   const char *peer, const char *author, const char **why)
{
	bool mine = !strcmp(author, chat_self(td));
	struct target t = { 0 };
	uint64_t limit, now = ev_wall_ms();
	uint8_t *body = NULL;
	size_t len;
	char emoji[CONTENT_EMOJI_MAX + 1];
	int ret;

	ret = dstore_chat_find(td->ds, peer, ct->target, target_cb, &t);
	if (ret < 0)
		goto store;
	if (!t.found) {
		*why = "no such message in the conversation";
		return -ENOENT;
	}
	ret = 0;
	if (ct->kind == CONTENT_REACTION) {
		if (t.unsent_ms) {
			*why = "the message was unsent";
			ret = -EPERM;
			goto out;
		}
		if (ct->emoji_len)
			memcpy(emoji, ct->emoji, ct->emoji_len);
		emoji[ct->emoji_len] = '\0';
		ret = dstore_react(td->ds, peer, t.seq, ct->target, author,
				   ct->remove ? NULL : emoji, ct->sent_ms);
		goto store;
	}
	/* An edit or an unsend: the sender's own message, in time. */
	limit = ct->kind == CONTENT_EDIT ? CONTENT_EDIT_MS : CONTENT_UNSEND_MS;
	if (t.outgoing != mine) {
		*why = "not a message of its author";
		ret = -EPERM;
	} else if (t.unsent_ms) {
		*why = "the message was unsent";
		ret = -EPERM;
	} else if (ct->sent_ms < t.sent_ms || ct->sent_ms - t.sent_ms > limit ||
		   ct->sent_ms > now + REF_SKEW_MS) {
		*why = ct->kind == CONTENT_EDIT ?
		       "too late: a message can be edited for 15 minutes" :
		       "too late: a message can be unsent for 2 minutes";
		ret = -EPERM;
	}
	if (ret)
		goto out;
	if (ct->kind == CONTENT_EDIT) {
		ret = edited_body(&t, ct, &body, &len);
		if (ret) {
			*why = "the message cannot be read";
			ret = -EPERM;
			goto out;
		}
		ret = dstore_chat_edit(td->ds, t.seq, body, len, ct->sent_ms);
	} else {
		ret = dstore_chat_unsend(td->ds, t.seq, ct->sent_ms);
	}
store:
	if (ret < 0) {
		*why = dstore_error(td->ds);
		td_batch_fail(td, ret);
	} else {
		ret = 0;
	}
out:
	free(body);
	free(t.body);
	return ret;
}

int chat_ref(struct ternd *td, const char *with, struct content *ct,
	     char *err, size_t errlen)
{
	const char *why = NULL;
	int ret;

	ct->sent_ms = ev_wall_ms();
	ret = td_batch(td);
	if (!ret)
		ret = chat_apply_ref(td, ct, with, chat_self(td), &why);
	if (ret) {
		snprintf(err, errlen, "%s", why ? why : "store error");
		return ret;
	}
	ret = chat_queue(td, with, ct, err, errlen);
	if (ret)
		return ret;
	ret = td_flush_now(td);
	if (ret)
		snprintf(err, errlen, "store: %s", dstore_error(td->ds));
	return ret;
}
