// SPDX-License-Identifier: GPL-2.0
/*
 * The client API's other requests (api_int.h; Documentation/ternd.rst,
 * "The client API"): conversations, accept and block, verify, status,
 * and linking and removing devices.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "api_int.h"
#include "chat.h"
#include "dstore.h"
#include "handle.h"
#include "hex.h"
#include "ternd.h"

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

	json_array_append_new(c->arr, api_message_json(c->ds, m));
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

void api_op_conversations(struct api_client *cl, const json_t *req)
{
	struct convs_ctx c = { .ds = cl->td->ds, .arr = json_array() };
	json_t *a;

	if (dstore_conversations(cl->td->ds, API_HISTORY_MAX, conv_cb,
				 &c) < 0) {
		json_decref(c.arr);
		api_error(cl, req, "internal", "store: %s",
			  dstore_error(cl->td->ds));
		return;
	}
	a = api_answer(req);
	json_object_set_new(a, "conversations", c.arr);
	api_put(cl, a);
}

void api_op_verify(struct api_client *cl, const json_t *req)
{
	const char *with = api_str(req, "with"), *why;
	json_t *confirm = json_object_get(req, "confirm");
	json_t *forget = json_object_get(req, "forget");
	enum chat_verify_op op = CHAT_VERIFY_SHOW;
	struct chat_safety sn;
	char err[256];
	json_t *a;
	int ret;

	if (!with || (why = handle_why(with))) {
		api_error(cl, req, "bad-request", "with: %s",
			  with ? why : "missing (a handle)");
		return;
	}
	if ((confirm && !json_is_boolean(confirm)) ||
	    (forget && !json_is_boolean(forget)) ||
	    (json_is_true(confirm) && json_is_true(forget))) {
		api_error(cl, req, "bad-request",
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
		api_error(cl, req, ret == -ENOENT ? "not-found" :
			       ret == -EAGAIN ? "unavailable" : "internal",
			  "%s", ret == -EAGAIN ? "the directory did not answer" :
			  err);
		return;
	}
	a = api_answer(req);
	json_object_set_new(a, "safety_number", json_string(sn.number));
	json_object_set_new(a, "verified", json_boolean(sn.verified));
	json_object_set_new(a, "changed", json_boolean(sn.changed));
	api_put(cl, a);
}

/* accept, block: a contact's state. */
void api_op_contact(struct api_client *cl, const json_t *req,
		       enum dcontact_state state)
{
	const char *with = api_str(req, "with"), *why;
	int ret;

	if (!with || (why = handle_why(with))) {
		api_error(cl, req, "bad-request", "with: %s",
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
		api_error(cl, req, "internal", "store: %s",
			  dstore_error(cl->td->ds));
		return;
	}
	api_put(cl, api_answer(req));
}

void api_op_status(struct api_client *cl, const json_t *req)
{
	struct td_chat *c = cl->td->chat;
	json_t *a = api_answer(req);
	uint64_t rev = 0;

	dstore_chat_rev(cl->td->ds, &rev);
	json_object_set_new(a, "handle", json_string(chat_self(cl->td)));
	json_object_set_new(a, "sent", json_integer((json_int_t)c->sent));
	json_object_set_new(a, "received",
			    json_integer((json_int_t)c->received));
	json_object_set_new(a, "dropped",
			    json_integer((json_int_t)c->dropped));
	json_object_set_new(a, "rev", json_integer((json_int_t)rev));
	api_put(cl, a);
}

void api_op_link_approve(struct api_client *cl, const json_t *req)
{
	char err[256], hex[HEX_LEN(16)];
	const char *code = api_str(req, "code");
	uint8_t dev[16];
	json_t *a;
	int ret;

	if (!code) {
		api_error(cl, req, "bad-request", "code: missing or not a string");
		return;
	}
	ret = devlink_approve(cl->td, code, dev, err, sizeof(err));
	if (ret) {
		api_error(cl, req, ret == -EINVAL ? "bad-request" :
			       ret == -EAGAIN ? "unavailable" :
			       ret == -ENOSPC ? "refused" : "internal",
			  "%s", err);
		return;
	}
	ret = td_flush_now(cl->td);
	if (ret) {
		api_error(cl, req, "internal", "store: %s",
			  dstore_error(cl->td->ds));
		return;
	}
	hex_encode(dev, sizeof(dev), hex);
	a = api_answer(req);
	json_object_set_new(a, "device", json_string(hex));
	api_put(cl, a);
}

void api_op_link_remove(struct api_client *cl, const json_t *req)
{
	const char *dev = api_str(req, "device");
	uint8_t token[WIRE_TOKEN_LEN];
	char err[256];
	json_t *a;
	int ret;

	if (!dev) {
		api_error(cl, req, "bad-request", "device: missing or not a string");
		return;
	}
	ret = devlink_remove(cl->td, dev, token, err, sizeof(err));
	if (ret) {
		api_error(cl, req, ret == -EINVAL ? "bad-request" :
			       ret == -ENOENT ? "not-found" :
			       ret == -EAGAIN ? "unavailable" : "internal",
			  "%s", err);
		return;
	}
	if (td_flush_now(cl->td)) {
		api_error(cl, req, "internal", "store: %s",
			  dstore_error(cl->td->ds));
		return;
	}
	devlink_ready(cl->td);
	a = api_answer(req);
	json_object_set_new(a, "device", json_string(dev));
	api_put(cl, a);
}
