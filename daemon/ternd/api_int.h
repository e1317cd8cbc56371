/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The client API's parts (Documentation/ternd.rst, "The client API"):
 *
 *   api.c      the socket, its clients, requests and answers, watchers
 *   api_msg.c  messages: send, history, read, typing, references,
 *              delete and restore, watch
 *   api_ops.c  the rest: conversations, contacts, verification, status,
 *              linking devices
 */
#ifndef TERND_API_INT_H
#define TERND_API_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "content.h"
#include "dstore.h"
#include "evloop.h"

#define API_BACKLOG_MAX	(64 * 1024)	/* a watcher's unsent bytes */
#define API_HISTORY_MAX	1000

struct ternd;

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

/* --- api.c --------------------------------------------------------------- */

/* Queue @j (consumed) as one line to @cl: 0 or -ENOMEM (@cl killed). */
int api_put(struct api_client *cl, json_t *j);
/* Write what is queued, as the socket takes it. */
void api_flush(struct api_client *cl);
/* {"ok": true} with @req's "tag", if any. */
json_t *api_answer(const json_t *req);
/* {"ok": false, "error": @code, "message": ...} to @cl. */
void api_error(struct api_client *cl, const json_t *req, const char *code,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Send a watcher what changed since it last heard. */
void api_watch(struct api_client *cl);
/* @req's string @key, or NULL. */
const char *api_str(const json_t *req, const char *key);
/* @req's message id @key (32 hex digits) into @id; else a bad-request
 * answer and false.
 */
bool api_id(struct api_client *cl, const json_t *req, const char *key,
	    uint8_t id[16]);

/* --- api_msg.c ------------------------------------------------------------ */

json_t *api_message_json(struct dstore *ds, const struct dchat *m);
void api_op_send(struct api_client *cl, const json_t *req);
/* react, edit, unsend */
void api_op_ref(struct api_client *cl, const json_t *req,
		enum content_kind kind);
void api_op_history(struct api_client *cl, const json_t *req);
void api_op_read(struct api_client *cl, const json_t *req);
void api_op_typing(struct api_client *cl, const json_t *req);
void api_op_delete(struct api_client *cl, const json_t *req, bool restore);
void api_op_deleted(struct api_client *cl, const json_t *req);
void api_op_watch(struct api_client *cl, const json_t *req);

/* --- api_ops.c ------------------------------------------------------------ */

void api_op_conversations(struct api_client *cl, const json_t *req);
/* accept, block */
void api_op_contact(struct api_client *cl, const json_t *req,
		    enum dcontact_state state);
/* May leave @req in cl->pending until a lookup is in (api_retry()). */
void api_op_verify(struct api_client *cl, const json_t *req);
void api_op_status(struct api_client *cl, const json_t *req);
void api_op_link_approve(struct api_client *cl, const json_t *req);
void api_op_link_remove(struct api_client *cl, const json_t *req);

#endif /* TERND_API_INT_H */
