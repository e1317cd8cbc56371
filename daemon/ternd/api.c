// SPDX-License-Identifier: GPL-2.0
/*
 * The local client API (Documentation/ternd.rst, "The client API"): JSON
 * lines on a UNIX stream socket (mode 0600, the daemon's user only). Each
 * request is one JSON object on one line, answered by one line:
 *
 *   {"op": "send", "to": HANDLE, "text": TEXT}
 *        -> {"ok": true, "id": HEX}      once the message is stored
 *   {"op": "history", "with": HANDLE, "limit": N}
 *        -> {"ok": true, "messages": [MESSAGE, ...]}  oldest first
 *   {"op": "watch", "since": REV}
 *        -> {"ok": true, "rev": REV}, then one {"event": "message", ...}
 *           line per change after @since (every message added or whose
 *           state changed), as they happen, until the client goes
 *   {"op": "read", "with": HANDLE}
 *        -> {"ok": true, "read": N}: N messages from HANDLE marked read
 *           (and, unless --read-receipts no, the sender told)
 *   {"op": "typing", "with": HANDLE, "on": BOOL}
 *        -> {"ok": true, "devices": N}: HANDLE's N devices with a session
 *           told at once, if online (no-store); watchers there get
 *           {"event": "typing", "with", "on"}, kept nowhere
 *   {"op": "react", "with": HANDLE, "id": ID, "emoji": E | null}
 *   {"op": "edit", "with": HANDLE, "id": ID, "text": TEXT}
 *   {"op": "unsend", "with": HANDLE, "id": ID}
 *        -> {"ok": true}: applied here and sent; refused ("refused",
 *           "not-found") when not this person's message or too late
 *   {"op": "conversations"}
 *        -> {"ok": true, "conversations": [{"with", "state": "contact" |
 *           "request" | "blocked" | "none", "unread", "last": MESSAGE}]}
 *           newest first
 *   {"op": "accept" | "block", "with": HANDLE} -> {"ok": true}
 *   {"op": "delete" | "restore", "id": ID} -> {"ok": true}: a message
 *           deleted here (kept 30 days: "deleted" lists them), or back
 *   {"op": "verify", "with": HANDLE, "confirm": BOOL, "forget": BOOL}
 *        -> {"ok": true, "safety_number", "verified", "changed"}, once a
 *           fresh lookup of HANDLE is in hand (the answer may wait)
 *   {"op": "status"} -> {"ok": true, "handle", "sent", "received", ...}
 *   {"op": "link-approve", "code": CODE}
 *        -> {"ok": true, "device": ID}: the device that shows CODE (ternd
 *           --link) is sent the account key and joins the account
 *           (messaging.rst, "Linking a device")
 *   {"op": "link-remove", "device": ID}
 *        -> {"ok": true, "device": ID}: that device of this account is
 *           revoked at the gateway and removed from the directory, in the
 *           background, durably
 *
 * A request's "tag", if any, comes back in its answer. Failures are
 * {"ok": false, "error": CODE, "message": WHY}. A watcher that reads
 * slowly is sent more only as its backlog drains: nothing is dropped, as
 * changes are read from the store by rev, not queued in memory.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <jansson.h>

#include "chat.h"
#include "content.h"
#include "dstore.h"
#include "handle.h"
#include "hex.h"
#include "ternd.h"
#include "unixsock.h"

#define API_LINE_MAX	(64 * 1024)	/* a request */
#define API_BACKLOG_MAX	(64 * 1024)	/* a watcher's unsent bytes */
#define API_HISTORY_MAX	1000
#define API_CLIENTS_MAX	64

struct api_client {
	struct api_client *next;
	struct ternd *td;
	struct ev_fd ev;
	char *in;
	size_t inlen;
	char *out;
	size_t outlen, outoff, outcap;
	bool watching, dead, closing;
	uint64_t since;
	json_t *pending;		/* a request waiting for the directory */
};

static const char *const state_name[] = {
	[DCHAT_QUEUED] = "queued",
	[DCHAT_SENDING] = "sending",
	[DCHAT_SENT] = "sent",
	[DCHAT_FAILED] = "failed",
	[DCHAT_RECEIVED] = "received",
};

static void reap(struct ev_after *a)
{
	struct td_chat *c = (void *)((char *)a - offsetof(struct td_chat,
							   api_reap));
	struct api_client *cl;

	while ((cl = c->graveyard)) {
		c->graveyard = cl->next;
		json_decref(cl->pending);
		free(cl->in);
		free(cl->out);
		free(cl);
	}
}

/* Close @cl; its memory goes after the loop's iteration, as callers up
 * the stack may still look at cl->dead.
 */
static void cl_kill(struct api_client *cl)
{
	struct td_chat *c = cl->td->chat;
	struct api_client **pp;

	if (cl->dead)
		return;
	cl->dead = true;
	ev_fd_del(cl->td->loop, &cl->ev);
	close(cl->ev.fd);
	for (pp = &c->clients; *pp; pp = &(*pp)->next) {
		if (*pp == cl) {
			*pp = cl->next;
			break;
		}
	}
	cl->next = c->graveyard;
	c->graveyard = cl;
	ev_after(cl->td->loop, &c->api_reap);
}

static void cl_flush(struct api_client *cl)
{
	ssize_t n;

	while (cl->outoff < cl->outlen) {
		n = send(cl->ev.fd, cl->out + cl->outoff,
			 cl->outlen - cl->outoff, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			cl_kill(cl);
			return;
		}
		cl->outoff += n;
	}
	if (cl->outoff == cl->outlen)
		cl->outoff = cl->outlen = 0;
	if (cl->outlen && !(cl->ev.events & EPOLLOUT))
		ev_fd_mod(cl->td->loop, &cl->ev, EPOLLIN | EPOLLOUT);
	else if (!cl->outlen && (cl->ev.events & EPOLLOUT))
		ev_fd_mod(cl->td->loop, &cl->ev, EPOLLIN);
	if (!cl->outlen && cl->closing)
		cl_kill(cl);
}

/* Queue @j (consumed) as one line. */
static int cl_put(struct api_client *cl, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
	size_t n = s ? strlen(s) : 0, cap;
	char *p;

	json_decref(j);
	if (!s)
		return -ENOMEM;
	if (cl->outlen + n + 1 > cl->outcap) {
		cap = cl->outcap ? cl->outcap : 4096;
		while (cap < cl->outlen + n + 1)
			cap *= 2;
		p = realloc(cl->out, cap);
		if (!p) {
			free(s);
			return -ENOMEM;
		}
		cl->out = p;
		cl->outcap = cap;
	}
	memcpy(cl->out + cl->outlen, s, n);
	cl->out[cl->outlen + n] = '\n';
	cl->outlen += n + 1;
	free(s);
	return 0;
}

static json_t *answer(const json_t *req)
{
	json_t *a = json_object();
	json_t *tag = req ? json_object_get(req, "tag") : NULL;

	json_object_set_new(a, "ok", json_true());
	if (tag)
		json_object_set(a, "tag", tag);
	return a;
}

static void error(struct api_client *cl, const json_t *req, const char *code,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void error(struct api_client *cl, const json_t *req, const char *code,
		  const char *fmt, ...)
{
	json_t *a = answer(req);
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_object_set_new(a, "ok", json_false());
	json_object_set_new(a, "error", json_string(code));
	json_object_set_new(a, "message", json_string(msg));
	cl_put(cl, a);
}

static int reaction_cb(void *ctx, const char *who, const char *emoji)
{
	return json_array_append_new(ctx, json_pack("{s:s, s:s}", "from", who,
						     "emoji", emoji));
}

/* A chat row as the API shows it. */
static json_t *message_json(struct dstore *ds, const struct dchat *m)
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

	return json_array_append_new(a->arr, message_json(a->ds, m)) ?
	       -ENOMEM : 0;
}

struct watch_ctx {
	struct api_client *cl;
	uint64_t last;
};

static int watch_cb(void *ctx, const struct dchat *m)
{
	struct watch_ctx *w = ctx;
	json_t *e;

	e = message_json(w->cl->td->ds, m);
	json_object_set_new(e, "event", json_string("message"));
	if (cl_put(w->cl, e))
		return -ENOMEM;
	w->last = m->rev;
	return w->cl->outlen >= API_BACKLOG_MAX ? 1 : 0;
}

/* Send @cl what changed since it last heard, while its backlog allows. */
static void cl_watch(struct api_client *cl)
{
	struct ternd *td = cl->td;
	struct watch_ctx w = { .cl = cl, .last = cl->since };
	int n;

	while (!cl->dead && cl->watching && cl->outlen < API_BACKLOG_MAX) {
		n = dstore_chat_since(td->ds, cl->since, 64, watch_cb, &w);
		cl->since = w.last;
		if (n <= 0) {
			if (n < 0)
				td_log(td, TD_ERR, "store: %s",
				       dstore_error(td->ds));
			break;
		}
	}
	if (!cl->dead)
		cl_flush(cl);
}

static const char *get_str(const json_t *req, const char *key)
{
	return json_string_value(json_object_get(req, key));
}

/* A message id given as "KEY": 32 hex digits into @id. */
static bool get_id(struct api_client *cl, const json_t *req, const char *key,
		   uint8_t id[16])
{
	const char *v = get_str(req, key);

	if (v && strlen(v) == 32 && !hex_decode(v, id, 16))
		return true;
	error(cl, req, "bad-request", "%s: a message id (32 hex digits)", key);
	return false;
}

static void op_send(struct api_client *cl, const json_t *req)
{
	const char *to = get_str(req, "to");
	json_t *text = json_object_get(req, "text");
	json_t *men = json_object_get(req, "mentions"), *v;
	struct content ct = { .kind = CONTENT_TEXT };
	char err[256], id[33];
	uint8_t mid[16], reply[16];
	size_t i;
	json_t *a;
	int ret;

	if (!to || !json_is_string(text)) {
		error(cl, req, "bad-request",
		      "send needs \"to\" (a handle) and \"text\" (a string)");
		return;
	}
	ct.text = json_string_value(text);
	ct.text_len = json_string_length(text);
	if (json_object_get(req, "reply_to")) {
		if (!get_id(cl, req, "reply_to", reply))
			return;
		ct.reply_to = reply;
	}
	if (men && (!json_is_array(men) ||
		    json_array_size(men) > CONTENT_MENTIONS_MAX)) {
		error(cl, req, "bad-request",
		      "mentions: an array of at most %d handles",
		      CONTENT_MENTIONS_MAX);
		return;
	}
	json_array_foreach(men, i, v) {
		if (!json_is_string(v) || json_string_length(v) >= 256) {
			error(cl, req, "bad-request",
			      "mentions: an array of handles");
			return;
		}
		snprintf(ct.mentions[i], sizeof(ct.mentions[i]), "%s",
			 json_string_value(v));
		ct.n_mentions = i + 1;
	}
	ret = chat_send(cl->td, to, &ct, mid, err, sizeof(err));
	if (ret) {
		error(cl, req, ret == -EPERM ? "refused" :
			       strstr(err, "store") ? "internal" :
			       "bad-request", "%s", err);
		return;
	}
	hex_encode(mid, 16, id);
	a = answer(req);
	json_object_set_new(a, "id", json_string(id));
	cl_put(cl, a);
}

/* react, edit, unsend: {"with", "id", ...}. */
static void op_ref(struct api_client *cl, const json_t *req,
		   enum content_kind kind)
{
	const char *with = get_str(req, "with"), *why;
	json_t *emoji = json_object_get(req, "emoji");
	json_t *text = json_object_get(req, "text");
	struct content ct = { .kind = kind };
	uint8_t target[16];
	char err[256];
	int ret;

	if (!with || (why = handle_why(with))) {
		error(cl, req, "bad-request", "with: %s",
		      with ? why : "missing (a handle)");
		return;
	}
	if (!get_id(cl, req, "id", target))
		return;
	ct.target = target;
	if (kind == CONTENT_REACTION) {
		if (emoji && !json_is_null(emoji) &&
		    (!json_is_string(emoji) || !json_string_length(emoji) ||
		     json_string_length(emoji) > CONTENT_EMOJI_MAX)) {
			error(cl, req, "bad-request",
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
			error(cl, req, "bad-request",
			      "text: a string of at most %d bytes",
			      CONTENT_TEXT_MAX);
			return;
		}
		ct.text = json_string_value(text);
		ct.text_len = json_string_length(text);
	}
	ret = chat_ref(cl->td, with, &ct, err, sizeof(err));
	if (ret) {
		error(cl, req, ret == -EPERM ? "refused" :
			       ret == -ENOENT ? "not-found" :
			       ret == -EINVAL ? "bad-request" : "internal",
		      "%s", err);
		return;
	}
	cl_put(cl, answer(req));
}

static void op_history(struct api_client *cl, const json_t *req)
{
	struct array_ctx ac;
	const char *with = get_str(req, "with"), *why;
	json_t *lim = json_object_get(req, "limit"), *arr, *a;
	json_int_t n = API_HISTORY_MAX;
	int ret;

	if (!with) {
		error(cl, req, "bad-request", "history needs \"with\" (a handle)");
		return;
	}
	why = handle_why(with);
	if (why) {
		error(cl, req, "bad-request", "with: the handle %s", why);
		return;
	}
	if (lim) {
		n = json_integer_value(lim);
		if (!json_is_integer(lim) || n < 1 || n > API_HISTORY_MAX) {
			error(cl, req, "bad-request",
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
		error(cl, req, "internal", "store: %s",
		      dstore_error(cl->td->ds));
		return;
	}
	a = answer(req);
	json_object_set_new(a, "messages", arr);
	cl_put(cl, a);
}

static void op_read(struct api_client *cl, const json_t *req)
{
	const char *with = get_str(req, "with"), *why;
	char err[256];
	json_t *a;
	int n;

	if (!with) {
		error(cl, req, "bad-request", "read needs \"with\" (a handle)");
		return;
	}
	why = handle_why(with);
	if (why) {
		error(cl, req, "bad-request", "with: the handle %s", why);
		return;
	}
	n = chat_read(cl->td, with, err, sizeof(err));
	if (n < 0) {
		error(cl, req, "internal", "%s", err);
		return;
	}
	a = answer(req);
	json_object_set_new(a, "read", json_integer(n));
	cl_put(cl, a);
}

static void op_typing(struct api_client *cl, const json_t *req)
{
	const char *with = get_str(req, "with");
	json_t *on = json_object_get(req, "on"), *a;
	char err[256];
	int n;

	if (!with || (on && !json_is_boolean(on))) {
		error(cl, req, "bad-request",
		      "typing needs \"with\" (a handle), and \"on\" a boolean if given");
		return;
	}
	n = chat_send_typing(cl->td, with, on ? json_is_true(on) : true, err,
			     sizeof(err));
	if (n < 0) {
		error(cl, req, n == -EINVAL ? "bad-request" : "unavailable",
		      "%s", err);
		return;
	}
	a = answer(req);
	json_object_set_new(a, "devices", json_integer(n));
	cl_put(cl, a);
}

static const char *const contact_name[] = {
	[DCONTACT_REQUEST] = "request",
	[DCONTACT_ACCEPTED] = "contact",
	[DCONTACT_BLOCKED] = "blocked",
};

struct convs_ctx {
	struct dstore *ds;
	json_t *arr;
};

static int last_cb(void *ctx, const struct dchat *m)
{
	struct convs_ctx *c = ctx;

	json_array_append_new(c->arr, message_json(c->ds, m));
	return 0;
}

static int conv_cb(void *ctx, const char *peer, int state,
		   unsigned int unread, int64_t last)
{
	struct convs_ctx *c = ctx;
	struct convs_ctx one = { .ds = c->ds, .arr = json_array() };
	json_t *o;

	(void)last;
	dstore_chat_history(c->ds, peer, 1, last_cb, &one);
	o = json_pack("{s:s, s:s, s:i, s:o}", "with", peer, "state",
		      state >= 0 && state <= DCONTACT_BLOCKED ?
		      contact_name[state] : "none", "unread", (int)unread,
		      "last", json_array_size(one.arr) ?
		      json_incref(json_array_get(one.arr, 0)) : json_object());
	json_decref(one.arr);
	return o && !json_array_append_new(c->arr, o) ? 0 : -ENOMEM;
}

static void op_conversations(struct api_client *cl, const json_t *req)
{
	struct convs_ctx c = { .ds = cl->td->ds, .arr = json_array() };
	json_t *a;

	if (dstore_conversations(cl->td->ds, API_HISTORY_MAX, conv_cb,
				 &c) < 0) {
		json_decref(c.arr);
		error(cl, req, "internal", "store: %s",
		      dstore_error(cl->td->ds));
		return;
	}
	a = answer(req);
	json_object_set_new(a, "conversations", c.arr);
	cl_put(cl, a);
}

static int seq_cb(void *ctx, const struct dchat *m)
{
	*(int64_t *)ctx = m->seq;
	return 1;
}

/* delete, restore: a message, here only. */
static void op_delete(struct api_client *cl, const json_t *req, bool restore)
{
	uint8_t id[16];
	int64_t seq = 0;
	int ret;

	if (!get_id(cl, req, "id", id))
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
		error(cl, req, "not-found", restore ?
		      "id: no recently deleted message of that id" :
		      "id: no message of that id (or deleted already)");
		return;
	}
	if (ret) {
		error(cl, req, "internal", "store: %s",
		      dstore_error(cl->td->ds));
		return;
	}
	cl_put(cl, answer(req));
}

static void op_deleted(struct api_client *cl, const json_t *req)
{
	struct array_ctx ac = { .ds = cl->td->ds, .arr = json_array() };
	json_t *a;

	if (dstore_chat_deleted(cl->td->ds, API_HISTORY_MAX, add_to_array,
				&ac) < 0) {
		json_decref(ac.arr);
		error(cl, req, "internal", "store: %s",
		      dstore_error(cl->td->ds));
		return;
	}
	a = answer(req);
	json_object_set_new(a, "messages", ac.arr);
	cl_put(cl, a);
}

static void op_verify(struct api_client *cl, const json_t *req)
{
	const char *with = get_str(req, "with"), *why;
	json_t *confirm = json_object_get(req, "confirm");
	json_t *forget = json_object_get(req, "forget");
	enum chat_verify_op op = CHAT_VERIFY_SHOW;
	struct chat_safety sn;
	char err[256];
	json_t *a;
	int ret;

	if (!with || (why = handle_why(with))) {
		error(cl, req, "bad-request", "with: %s",
		      with ? why : "missing (a handle)");
		return;
	}
	if ((confirm && !json_is_boolean(confirm)) ||
	    (forget && !json_is_boolean(forget)) ||
	    (json_is_true(confirm) && json_is_true(forget))) {
		error(cl, req, "bad-request",
		      "confirm, forget: booleans, not both true");
		return;
	}
	if (json_is_true(confirm))
		op = CHAT_VERIFY_CONFIRM;
	else if (json_is_true(forget))
		op = CHAT_VERIFY_FORGET;
	ret = chat_verify(cl->td, with, op, &sn, err, sizeof(err));
	if (ret == -EAGAIN && !cl->pending) {
		/* Answered when the lookup is back (api_retry()). */
		cl->pending = json_deep_copy(req);
		return;
	}
	if (ret) {
		error(cl, req, ret == -ENOENT ? "not-found" :
			       ret == -EAGAIN ? "unavailable" : "internal",
		      "%s", ret == -EAGAIN ? "the directory did not answer" :
		      err);
		return;
	}
	a = answer(req);
	json_object_set_new(a, "safety_number", json_string(sn.number));
	json_object_set_new(a, "verified", json_boolean(sn.verified));
	json_object_set_new(a, "changed", json_boolean(sn.changed));
	cl_put(cl, a);
}

void api_retry(struct ternd *td)
{
	struct api_client *cl, *next;
	json_t *req;

	for (cl = td->chat->clients; cl; cl = next) {
		next = cl->next;
		req = cl->pending;
		if (!req)
			continue;
		op_verify(cl, req);
		/* Asked again and still waiting: it stays, else it is done. */
		if (cl->pending == req) {
			cl->pending = NULL;
			json_decref(req);
		}
		cl_flush(cl);
	}
}

/* accept, block: a contact's state. */
static void op_contact(struct api_client *cl, const json_t *req,
		       enum dcontact_state state)
{
	const char *with = get_str(req, "with"), *why;
	int ret;

	if (!with || (why = handle_why(with))) {
		error(cl, req, "bad-request", "with: %s",
		      with ? why : "missing (a handle)");
		return;
	}
	ret = td_batch(cl->td);
	if (!ret)
		ret = dstore_contact_set(cl->td->ds, with, state,
					 ev_wall_ms());
	if (ret)
		td_batch_fail(cl->td, ret);
	if (!ret)
		ret = td_flush_now(cl->td);
	if (ret) {
		error(cl, req, "internal", "store: %s",
		      dstore_error(cl->td->ds));
		return;
	}
	cl_put(cl, answer(req));
}

static void op_watch(struct api_client *cl, const json_t *req)
{
	json_t *since = json_object_get(req, "since"), *a;
	uint64_t rev;

	if (dstore_chat_rev(cl->td->ds, &rev)) {
		error(cl, req, "internal", "store: %s",
		      dstore_error(cl->td->ds));
		return;
	}
	if (since && (!json_is_integer(since) ||
		      json_integer_value(since) < 0)) {
		error(cl, req, "bad-request",
		      "since: a change number (an integer, 0 or more)");
		return;
	}
	cl->since = since ? (uint64_t)json_integer_value(since) : rev;
	cl->watching = true;
	a = answer(req);
	json_object_set_new(a, "rev", json_integer((json_int_t)rev));
	cl_put(cl, a);
	cl_watch(cl);
}

static void op_status(struct api_client *cl, const json_t *req)
{
	struct td_chat *c = cl->td->chat;
	json_t *a = answer(req);
	uint64_t rev = 0;

	dstore_chat_rev(cl->td->ds, &rev);
	json_object_set_new(a, "handle", json_string(chat_self(cl->td)));
	json_object_set_new(a, "sent", json_integer((json_int_t)c->sent));
	json_object_set_new(a, "received",
			    json_integer((json_int_t)c->received));
	json_object_set_new(a, "dropped",
			    json_integer((json_int_t)c->dropped));
	json_object_set_new(a, "rev", json_integer((json_int_t)rev));
	cl_put(cl, a);
}

static void op_link_approve(struct api_client *cl, const json_t *req)
{
	char err[256], hex[HEX_LEN(16)];
	const char *code = get_str(req, "code");
	uint8_t dev[16];
	json_t *a;
	int ret;

	if (!code) {
		error(cl, req, "bad-request", "code: missing or not a string");
		return;
	}
	ret = devlink_approve(cl->td, code, dev, err, sizeof(err));
	if (ret) {
		error(cl, req, ret == -EINVAL ? "bad-request" :
			       ret == -EAGAIN ? "unavailable" :
			       ret == -ENOSPC ? "refused" : "internal",
		      "%s", err);
		return;
	}
	ret = td_flush_now(cl->td);
	if (ret) {
		error(cl, req, "internal", "store: %s",
		      dstore_error(cl->td->ds));
		return;
	}
	hex_encode(dev, sizeof(dev), hex);
	a = answer(req);
	json_object_set_new(a, "device", json_string(hex));
	cl_put(cl, a);
}

static void op_link_remove(struct api_client *cl, const json_t *req)
{
	const char *dev = get_str(req, "device");
	uint8_t token[WIRE_TOKEN_LEN];
	char err[256];
	json_t *a;
	int ret;

	if (!dev) {
		error(cl, req, "bad-request", "device: missing or not a string");
		return;
	}
	ret = devlink_remove(cl->td, dev, token, err, sizeof(err));
	if (ret) {
		error(cl, req, ret == -EINVAL ? "bad-request" :
			       ret == -ENOENT ? "not-found" :
			       ret == -EAGAIN ? "unavailable" : "internal",
		      "%s", err);
		return;
	}
	if (td_flush_now(cl->td)) {
		error(cl, req, "internal", "store: %s",
		      dstore_error(cl->td->ds));
		return;
	}
	devlink_ready(cl->td);
	a = answer(req);
	json_object_set_new(a, "device", json_string(dev));
	cl_put(cl, a);
}

static void request(struct api_client *cl, const char *line, size_t len)
{
	json_error_t je;
	json_t *req;
	const char *op;

	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (!req || !json_is_object(req)) {
		if (req)
			error(cl, NULL, "bad-request",
			      "a request is a JSON object");
		else
			error(cl, NULL, "bad-request",
			      "not JSON: %s (column %d)", je.text,
			      je.column);
		json_decref(req);
		return;
	}
	op = get_str(req, "op");
	if (!op)
		error(cl, req, "bad-request", "op: missing or not a string");
	else if (!strcmp(op, "send"))
		op_send(cl, req);
	else if (!strcmp(op, "history"))
		op_history(cl, req);
	else if (!strcmp(op, "watch"))
		op_watch(cl, req);
	else if (!strcmp(op, "status"))
		op_status(cl, req);
	else if (!strcmp(op, "read"))
		op_read(cl, req);
	else if (!strcmp(op, "typing"))
		op_typing(cl, req);
	else if (!strcmp(op, "conversations"))
		op_conversations(cl, req);
	else if (!strcmp(op, "accept"))
		op_contact(cl, req, DCONTACT_ACCEPTED);
	else if (!strcmp(op, "block"))
		op_contact(cl, req, DCONTACT_BLOCKED);
	else if (!strcmp(op, "delete"))
		op_delete(cl, req, false);
	else if (!strcmp(op, "restore"))
		op_delete(cl, req, true);
	else if (!strcmp(op, "deleted"))
		op_deleted(cl, req);
	else if (!strcmp(op, "verify"))
		op_verify(cl, req);
	else if (!strcmp(op, "react"))
		op_ref(cl, req, CONTENT_REACTION);
	else if (!strcmp(op, "edit"))
		op_ref(cl, req, CONTENT_EDIT);
	else if (!strcmp(op, "unsend"))
		op_ref(cl, req, CONTENT_UNSEND);
	else if (!strcmp(op, "link-approve"))
		op_link_approve(cl, req);
	else if (!strcmp(op, "link-remove"))
		op_link_remove(cl, req);
	else
		error(cl, req, "bad-request",
		      "op: unknown (send, history, watch, read, typing, react, edit, unsend, conversations, accept, block, delete, restore, deleted, verify, status, link-approve, link-remove)");
	json_decref(req);
}

static void cl_event(struct ev_fd *ev, uint32_t events)
{
	struct api_client *cl = (void *)((char *)ev -
					 offsetof(struct api_client, ev));
	char *nl, *p;
	ssize_t n;
	size_t off;

	if (events & EPOLLOUT) {
		cl_flush(cl);
		if (cl->dead)
			return;
		if (cl->watching)
			cl_watch(cl);
		if (cl->dead)
			return;
	}
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)) || cl->closing)
		return;
	if (!cl->in) {
		cl->in = malloc(API_LINE_MAX + 1);
		if (!cl->in) {
			cl_kill(cl);
			return;
		}
	}
	n = recv(ev->fd, cl->in + cl->inlen, API_LINE_MAX + 1 - cl->inlen,
		 MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		cl_kill(cl);
		return;
	}
	cl->inlen += n;
	off = 0;
	while (!cl->dead && (nl = memchr(cl->in + off, '\n',
					   cl->inlen - off))) {
		p = cl->in + off;
		if (nl > p)
			request(cl, p, nl - p);
		off = nl - cl->in + 1;
	}
	if (cl->dead)
		return;
	memmove(cl->in, cl->in + off, cl->inlen - off);
	cl->inlen -= off;
	if (cl->inlen > API_LINE_MAX) {
		error(cl, NULL, "bad-request",
		      "a request longer than %d bytes", API_LINE_MAX);
		cl->closing = true;
		cl->inlen = 0;
	}
	cl_flush(cl);
}

static void api_accept(struct ev_fd *ev, uint32_t events)
{
	struct td_chat *c = (void *)((char *)ev - offsetof(struct td_chat,
							    api_ev));
	struct api_client *cl, *p;
	unsigned int n = 0;
	int fd;

	(void)events;
	fd = accept4(ev->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	for (p = c->clients; p; p = p->next)
		n++;
	cl = n < API_CLIENTS_MAX ? calloc(1, sizeof(*cl)) : NULL;
	if (!cl) {
		close(fd);
		return;
	}
	cl->td = c->td;
	cl->ev.fn = cl_event;
	if (ev_fd_add(c->td->loop, &cl->ev, fd, EPOLLIN)) {
		close(fd);
		free(cl);
		return;
	}
	cl->next = c->clients;
	c->clients = cl;
}

void api_typing(struct ternd *td, const char *handle, bool on)
{
	struct api_client *cl, *next;
	json_t *e;

	for (cl = td->chat->clients; cl; cl = next) {
		next = cl->next;
		if (!cl->watching)
			continue;
		e = json_pack("{s:s, s:s, s:b}", "event", "typing", "with",
			      handle, "on", on);
		if (e && !cl_put(cl, e))
			cl_flush(cl);
	}
}

void api_notify(struct ternd *td)
{
	struct api_client *cl, *next;

	for (cl = td->chat->clients; cl; cl = next) {
		next = cl->next;
		if (cl->watching)
			cl_watch(cl);
	}
}

int api_open(struct ternd *td, char *err, size_t errlen)
{
	struct td_chat *c = td->chat;
	int fd;

	fd = unixsock_listen(td->conf.api_socket, SOCK_STREAM, 16, err,
			     errlen);
	if (fd < 0)
		return fd;
	c->api_ev.fn = api_accept;
	c->api_reap.fn = reap;
	if (ev_fd_add(td->loop, &c->api_ev, fd, EPOLLIN)) {
		snprintf(err, errlen, "the event loop: %s", strerror(errno));
		close(fd);
		unlink(td->conf.api_socket);
		return -ENOMEM;
	}
	c->api_fd = fd;
	return 0;
}

void api_close(struct ternd *td)
{
	struct td_chat *c = td->chat;

	while (c->clients)
		cl_kill(c->clients);
	reap(&c->api_reap);
	if (c->api_fd >= 0) {
		ev_fd_del(td->loop, &c->api_ev);
		close(c->api_fd);
		unlink(td->conf.api_socket);
		c->api_fd = -1;
	}
}
