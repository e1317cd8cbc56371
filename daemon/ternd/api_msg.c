// SPDX-License-Identifier: GPL-2.0
/*
 * The client API's messages (api_int.h; Documentation/ternd.rst, "The
 * client API"): send, history, read, typing, reactions, edits and
 * unsends, delete and restore, watch, and a message as JSON.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "api_int.h"
#include "chat.h"
#include "content.h"
#include "dstore.h"
#include "handle.h"
#include "hex.h"
#include "ternd.h"

static const char *const state_name[] = {
	[DCHAT_QUEUED] = "queued",
	[DCHAT_SENDING] = "sending",
	[DCHAT_SENT] = "sent",
	[DCHAT_FAILED] = "failed",
	[DCHAT_RECEIVED] = "received",
};

static int reaction_cb(void *ctx, const char *who, const char *emoji)
{
	return json_array_append_new(ctx, json_pack("{s:s, s:s}", "from", who,
						     "emoji", emoji));
}

/* A chat row as the API shows it. */
json_t *api_message_json(struct dstore *ds, const struct dchat *m)
{
	json_t *o = json_object(), *arr;
	char id[33], dev[33];
	struct content ct;
	const char *why;
	unsigned int i;
	void *keep;

	hex_encode(m->msg_id, 16, id);
	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "with", json_string(m->peer));
	json_object_set_new(o, "dir", json_string(m->outgoing ? "out" : "in"));
	if (m->sender_dev) {
		hex_encode(m->sender_dev, 16, dev);
		json_object_set_new(o, "device", json_string(dev));
	}
	if (m->unsent_ms) {
		json_object_set_new(o, "kind", json_string("text"));
		json_object_set_new(o, "unsent_ms",
				    json_integer((json_int_t)m->unsent_ms));
	} else if (!content_parse(m->body, m->len, &ct, &keep, &why)) {
		json_object_set_new(o, "kind",
				    json_string(content_kind_name(ct.kind)));
		if (ct.kind == CONTENT_TEXT)
			json_object_set_new(o, "text",
					    json_stringn(ct.text,
							 ct.text_len));
		if (ct.reply_to) {
			hex_encode(ct.reply_to, 16, dev);
			json_object_set_new(o, "reply_to", json_string(dev));
		}
		if (ct.n_mentions) {
			arr = json_array();
			for (i = 0; i < ct.n_mentions; i++)
				json_array_append_new(arr,
					json_string(ct.mentions[i]));
			json_object_set_new(o, "mentions", arr);
		}
		content_free(keep);
	} else {
		json_object_set_new(o, "kind", json_string("unreadable"));
	}
	json_object_set_new(o, "sent_ms", json_integer((json_int_t)m->sent_ms));
	json_object_set_new(o, "at_ms", json_integer((json_int_t)m->at_ms));
	json_object_set_new(o, "state",
			    json_string(m->state <= DCHAT_RECEIVED ?
					state_name[m->state] : "unknown"));
	if (m->error)
		json_object_set_new(o, "error", json_string(m->error));
	if (m->delivered_ms)
		json_object_set_new(o, "delivered_ms",
				    json_integer((json_int_t)m->delivered_ms));
	if (m->read_ms)
		json_object_set_new(o, "read_ms",
				    json_integer((json_int_t)m->read_ms));
	if (m->edited_ms)
		json_object_set_new(o, "edited_ms",
				    json_integer((json_int_t)m->edited_ms));
	if (m->deleted_ms)
		json_object_set_new(o, "deleted_ms",
				    json_integer((json_int_t)m->deleted_ms));
	arr = json_array();
	if (dstore_reactions(ds, m->peer, m->msg_id, reaction_cb, arr) > 0)
		json_object_set_new(o, "reactions", arr);
	else
		json_decref(arr);
	json_object_set_new(o, "rev", json_integer((json_int_t)m->rev));
	return o;
}

struct array_ctx {
	struct dstore *ds;
	json_t *arr;
};

static int add_to_array(void *ctx, const struct dchat *m)
{
	struct array_ctx *a = ctx;

	return json_array_append_new(a->arr, api_message_json(a->ds, m)) ?
	       -ENOMEM : 0;
}

void api_op_send(struct api_client *cl, const json_t *req)
{
	const char *to = api_str(req, "to");
	json_t *text = json_object_get(req, "text");
	json_t *men = json_object_get(req, "mentions"), *v;
	struct content ct = { .kind = CONTENT_TEXT };
	char err[256], id[33];
	uint8_t mid[16], reply[16];
	size_t i;
	json_t *a;
	int ret;

	if (!to || !json_is_string(text)) {
		api_error(cl, req, "bad-request",
			  "send needs \"to\" (a handle) and \"text\" (a string)");
		return;
	}
	ct.text = json_string_value(text);
	ct.text_len = json_string_length(text);
	if (json_object_get(req, "reply_to")) {
		if (!api_id(cl, req, "reply_to", reply))
			return;
		ct.reply_to = reply;
	}
	if (men && (!json_is_array(men) ||
		    json_array_size(men) > CONTENT_MENTIONS_MAX)) {
		api_error(cl, req, "bad-request",
			  "mentions: an array of at most %d handles",
			  CONTENT_MENTIONS_MAX);
		return;
	}
	json_array_foreach(men, i, v) {
		if (!json_is_string(v) || json_string_length(v) >= 256) {
			api_error(cl, req, "bad-request",
				  "mentions: an array of handles");
			return;
		}
		snprintf(ct.mentions[i], sizeof(ct.mentions[i]), "%s",
			 json_string_value(v));
		ct.n_mentions = i + 1;
	}
	ret = chat_send(cl->td, to, &ct, mid, err, sizeof(err));
	if (ret) {
		api_error(cl, req, ret == -EPERM ? "refused" :
			       strstr(err, "store") ? "internal" :
			       "bad-request", "%s", err);
		return;
	}
	hex_encode(mid, 16, id);
	a = api_answer(req);
	json_object_set_new(a, "id", json_string(id));
	api_put(cl, a);
}

/* react, edit, unsend: {"with", "id", ...}. */
void api_op_ref(struct api_client *cl, const json_t *req,
		   enum content_kind kind)
{
	const char *with = api_str(req, "with"), *why;
	json_t *emoji = json_object_get(req, "emoji");
	json_t *text = json_object_get(req, "text");
	struct content ct = { .kind = kind };
	uint8_t target[16];
	char err[256];
	int ret;

	if (!with || (why = handle_why(with))) {
		api_error(cl, req, "bad-request", "with: %s",
			  with ? why : "missing (a handle)");
		return;
	}
	if (!api_id(cl, req, "id", target))
		return;
	ct.target = target;
	if (kind == CONTENT_REACTION) {
		if (emoji && !json_is_null(emoji) &&
		    (!json_is_string(emoji) || !json_string_length(emoji) ||
		     json_string_length(emoji) > CONTENT_EMOJI_MAX)) {
			api_error(cl, req, "bad-request",
				  "emoji: a string of 1 to %d bytes, or null to take the reaction back",
				  CONTENT_EMOJI_MAX);
			return;
		}
		ct.remove = !emoji || json_is_null(emoji);
		ct.emoji = ct.remove ? "" : json_string_value(emoji);
		ct.emoji_len = strlen(ct.emoji);
	} else if (kind == CONTENT_EDIT) {
		if (!json_is_string(text) ||
		    json_string_length(text) > CONTENT_TEXT_MAX) {
			api_error(cl, req, "bad-request",
				  "text: a string of at most %d bytes",
				  CONTENT_TEXT_MAX);
			return;
		}
		ct.text = json_string_value(text);
		ct.text_len = json_string_length(text);
	}
	ret = chat_ref(cl->td, with, &ct, err, sizeof(err));
	if (ret) {
		api_error(cl, req, ret == -EPERM ? "refused" :
			       ret == -ENOENT ? "not-found" :
			       ret == -EINVAL ? "bad-request" : "internal",
			  "%s", err);
		return;
	}
	api_put(cl, api_answer(req));
}

void api_op_history(struct api_client *cl, const json_t *req)
{
	struct array_ctx ac;
	const char *with = api_str(req, "with"), *why;
	json_t *lim = json_object_get(req, "limit"), *arr, *a;
	json_int_t n = API_HISTORY_MAX;
	int ret;

	if (!with) {
		api_error(cl, req, "bad-request", "history needs \"with\" (a handle)");
		return;
	}
	why = handle_why(with);
	if (why) {
		api_error(cl, req, "bad-request", "with: the handle %s", why);
		return;
	}
	if (lim) {
		n = json_integer_value(lim);
		if (!json_is_integer(lim) || n < 1 || n > API_HISTORY_MAX) {
			api_error(cl, req, "bad-request",
				  "limit: an integer from 1 to %d",
				  API_HISTORY_MAX);
			return;
		}
	}
	arr = json_array();
	ac.ds = cl->td->ds;
	ac.arr = arr;
	ret = dstore_chat_history(cl->td->ds, with, (unsigned int)n,
				  add_to_array, &ac);
	if (ret < 0) {
		json_decref(arr);
		api_error(cl, req, "internal", "store: %s",
			  dstore_error(cl->td->ds));
		return;
	}
	a = api_answer(req);
	json_object_set_new(a, "messages", arr);
	api_put(cl, a);
}

void api_op_read(struct api_client *cl, const json_t *req)
{
	const char *with = api_str(req, "with"), *why;
	char err[256];
	json_t *a;
	int n;

	if (!with) {
		api_error(cl, req, "bad-request", "read needs \"with\" (a handle)");
		return;
	}
	why = handle_why(with);
	if (why) {
		api_error(cl, req, "bad-request", "with: the handle %s", why);
		return;
	}
	n = chat_read(cl->td, with, err, sizeof(err));
	if (n < 0) {
		api_error(cl, req, "internal", "%s", err);
		return;
	}
	a = api_answer(req);
	json_object_set_new(a, "read", json_integer(n));
	api_put(cl, a);
}

void api_op_typing(struct api_client *cl, const json_t *req)
{
	const char *with = api_str(req, "with");
	json_t *on = json_object_get(req, "on"), *a;
	char err[256];
	int n;

	if (!with || (on && !json_is_boolean(on))) {
		api_error(cl, req, "bad-request",
			  "typing needs \"with\" (a handle), and \"on\" a boolean if given");
		return;
	}
	n = chat_send_typing(cl->td, with, on ? json_is_true(on) : true, err,
			     sizeof(err));
	if (n < 0) {
		api_error(cl, req, n == -EINVAL ? "bad-request" : "unavailable",
			  "%s", err);
		return;
	}
	a = api_answer(req);
	json_object_set_new(a, "devices", json_integer(n));
	api_put(cl, a);
}

static int seq_cb(void *ctx, const struct dchat *m)
{
	*(int64_t *)ctx = m->seq;
	return 1;
}

/* delete, restore: a message, here only. */
void api_op_delete(struct api_client *cl, const json_t *req, bool restore)
{
	uint8_t id[16];
	int64_t seq = 0;
	int ret;

	if (!api_id(cl, req, "id", id))
		return;
	ret = dstore_chat_find_id(cl->td->ds, id, seq_cb, &seq);
	if (ret > 0) {
		ret = td_batch(cl->td);
		if (!ret)
			ret = dstore_chat_delete(cl->td->ds, seq,
						 restore ? 0 : ev_wall_ms());
		if (ret < 0 && ret != -ENOENT)
			td_batch_fail(cl->td, ret);
		if (!ret)
			ret = td_flush_now(cl->td);
	} else if (!ret) {
		ret = -ENOENT;
	}
	if (ret == -ENOENT) {
		api_error(cl, req, "not-found", restore ?
			  "id: no recently deleted message of that id" :
			  "id: no message of that id (or deleted already)");
		return;
	}
	if (ret) {
		api_error(cl, req, "internal", "store: %s",
			  dstore_error(cl->td->ds));
		return;
	}
	api_put(cl, api_answer(req));
}

void api_op_deleted(struct api_client *cl, const json_t *req)
{
	struct array_ctx ac = { .ds = cl->td->ds, .arr = json_array() };
	json_t *a;

	if (dstore_chat_deleted(cl->td->ds, API_HISTORY_MAX, add_to_array,
				&ac) < 0) {
		json_decref(ac.arr);
		api_error(cl, req, "internal", "store: %s",
			  dstore_error(cl->td->ds));
		return;
	}
	a = api_answer(req);
	json_object_set_new(a, "messages", ac.arr);
	api_put(cl, a);
}

void api_op_watch(struct api_client *cl, const json_t *req)
{
	json_t *since = json_object_get(req, "since"), *a;
	uint64_t rev;

	if (dstore_chat_rev(cl->td->ds, &rev)) {
		api_error(cl, req, "internal", "store: %s",
			  dstore_error(cl->td->ds));
		return;
	}
	if (since && (!json_is_integer(since) ||
		      json_integer_value(since) < 0)) {
		api_error(cl, req, "bad-request",
			  "since: a change number (an integer, 0 or more)");
		return;
	}
	cl->since = since ? (uint64_t)json_integer_value(since) : rev;
	cl->watching = true;
	a = api_answer(req);
	json_object_set_new(a, "rev", json_integer((json_int_t)rev));
	api_put(cl, a);
	api_watch(cl);
}
