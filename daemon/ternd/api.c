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

#include "api_int.h"
#include "chat.h"
#include "content.h"
#include "dstore.h"
#include "handle.h"
#include "hex.h"
#include "ternd.h"
#include "unixsock.h"

#define API_LINE_MAX	(64 * 1024)	/* a request */
#define API_CLIENTS_MAX	64

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

void api_flush(struct api_client *cl)
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
int api_put(struct api_client *cl, json_t *j)
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

json_t *api_answer(const json_t *req)
{
	json_t *a = json_object();
	json_t *tag = req ? json_object_get(req, "tag") : NULL;

	json_object_set_new(a, "ok", json_true());
	if (tag)
		json_object_set(a, "tag", tag);
	return a;
}

void api_error(struct api_client *cl, const json_t *req, const char *code,
	       const char *fmt, ...)
{
	json_t *a = api_answer(req);
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_object_set_new(a, "ok", json_false());
	json_object_set_new(a, "error", json_string(code));
	json_object_set_new(a, "message", json_string(msg));
	api_put(cl, a);
}

struct watch_ctx {
	struct api_client *cl;
	uint64_t last;
};

static int watch_cb(void *ctx, const struct dchat *m)
{
	struct watch_ctx *w = ctx;
	json_t *e;

	e = api_message_json(w->cl->td->ds, m);
	json_object_set_new(e, "event", json_string("message"));
	if (api_put(w->cl, e))
		return -ENOMEM;
	w->last = m->rev;
	return w->cl->outlen >= API_BACKLOG_MAX ? 1 : 0;
}

/* Send @cl what changed since it last heard, while its backlog allows. */
void api_watch(struct api_client *cl)
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
		api_flush(cl);
}

const char *api_str(const json_t *req, const char *key)
{
	return json_string_value(json_object_get(req, key));
}

/* A message id given as "KEY": 32 hex digits into @id. */
bool api_id(struct api_client *cl, const json_t *req, const char *key,
		   uint8_t id[16])
{
	const char *v = api_str(req, key);

	if (v && strlen(v) == 32 && !hex_decode(v, id, 16))
		return true;
	api_error(cl, req, "bad-request", "%s: a message id (32 hex digits)", key);
	return false;
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
		api_op_verify(cl, req);
		/* Asked again and still waiting: it stays, else it is done. */
		if (cl->pending == req) {
			cl->pending = NULL;
			json_decref(req);
		}
		api_flush(cl);
	}
}

static void request(struct api_client *cl, const char *line, size_t len)
{
	json_error_t je;
	json_t *req;
	const char *op;

	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (!req || !json_is_object(req)) {
		if (req)
			api_error(cl, NULL, "bad-request",
				  "a request is a JSON object");
		else
			api_error(cl, NULL, "bad-request",
				  "not JSON: %s (column %d)", je.text,
				  je.column);
		json_decref(req);
		return;
	}
	op = api_str(req, "op");
	if (!op)
		api_error(cl, req, "bad-request", "op: missing or not a string");
	else if (!strcmp(op, "send"))
		api_op_send(cl, req);
	else if (!strcmp(op, "history"))
		api_op_history(cl, req);
	else if (!strcmp(op, "watch"))
		api_op_watch(cl, req);
	else if (!strcmp(op, "status"))
		api_op_status(cl, req);
	else if (!strcmp(op, "read"))
		api_op_read(cl, req);
	else if (!strcmp(op, "typing"))
		api_op_typing(cl, req);
	else if (!strcmp(op, "conversations"))
		api_op_conversations(cl, req);
	else if (!strcmp(op, "accept"))
		api_op_contact(cl, req, DCONTACT_ACCEPTED);
	else if (!strcmp(op, "block"))
		api_op_contact(cl, req, DCONTACT_BLOCKED);
	else if (!strcmp(op, "delete"))
		api_op_delete(cl, req, false);
	else if (!strcmp(op, "restore"))
		api_op_delete(cl, req, true);
	else if (!strcmp(op, "deleted"))
		api_op_deleted(cl, req);
	else if (!strcmp(op, "verify"))
		api_op_verify(cl, req);
	else if (!strcmp(op, "react"))
		api_op_ref(cl, req, CONTENT_REACTION);
	else if (!strcmp(op, "edit"))
		api_op_ref(cl, req, CONTENT_EDIT);
	else if (!strcmp(op, "unsend"))
		api_op_ref(cl, req, CONTENT_UNSEND);
	else if (!strcmp(op, "link-approve"))
		api_op_link_approve(cl, req);
	else if (!strcmp(op, "link-remove"))
		api_op_link_remove(cl, req);
	else
		api_error(cl, req, "bad-request",
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
		api_flush(cl);
		if (cl->dead)
			return;
		if (cl->watching)
			api_watch(cl);
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
		api_error(cl, NULL, "bad-request",
			  "a request longer than %d bytes", API_LINE_MAX);
		cl->closing = true;
		cl->inlen = 0;
	}
	api_flush(cl);
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
		if (e && !api_put(cl, e))
			api_flush(cl);
	}
}

void api_notify(struct ternd *td)
{
	struct api_client *cl, *next;

	for (cl = td->chat->clients; cl; cl = next) {
		next = cl->next;
		if (cl->watching)
			api_watch(cl);
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

