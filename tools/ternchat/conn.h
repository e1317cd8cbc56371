/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One connection to ternd's client API (conn.c): JSON lines on a UNIX
 * stream socket (Documentation/ternd.rst, "The client API"). Requests
 * are written whole (a send that does not go within 5 s fails); lines
 * are read as they come, without blocking, for the main loop's poll().
 */
#ifndef TERNCHAT_CONN_H
#define TERNCHAT_CONN_H

#include <stddef.h>
#include <jansson.h>

struct tc_conn {
	int fd;			/* -1: closed */
	char *buf;
	size_t len, cap;
};

/* Connect to @path: 0, or -1 with why in @err. */
int conn_open(struct tc_conn *c, const char *path, char *err, size_t errlen);
void conn_close(struct tc_conn *c);
/* Send @req (consumed) as one line: 0, or -1 (@err). */
int conn_send(struct tc_conn *c, json_t *req, char *err, size_t errlen);
/* Read what has come: 0, or -1 at the end or on an error (@err). */
int conn_fill(struct tc_conn *c, char *err, size_t errlen);
/*
 * The next whole line: 1 with it in *@j (json_decref() it), 0 when there
 * is none yet, -1 when it is not a JSON object (@err).
 */
int conn_next(struct tc_conn *c, json_t **j, char *err, size_t errlen);
/* Wait up to @ms for the next line: it, or NULL (@err). */
json_t *conn_wait(struct tc_conn *c, int ms, char *err, size_t errlen);

#endif /* TERNCHAT_CONN_H */
