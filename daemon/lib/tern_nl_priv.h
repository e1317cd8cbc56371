/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tern_nl internals shared by the library's source files (and its tests).
 */
#ifndef TERN_NL_PRIV_H
#define TERN_NL_PRIV_H

#include <stdarg.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/genl/genl.h>

#include "tern_nl.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* Attribute bytes per request before frame-send and frame-ack split. */
#define TERN_NL_BATCH_BYTES	(32 * 1024)
/* How long a request waits for each part of its reply. */
#define TERN_NL_REPLY_TIMEOUT_MS	10000
/* Socket buffers asked for (the kernel doubles them). */
#define TERN_NL_RCVBUF		(4 * 1024 * 1024)
#define TERN_NL_SNDBUF		(1024 * 1024)

/* Size of each receive buffer. Every datagram tern.ko sends fits: a
 * frame-recv message is at most one largest frame and its headers (about
 * 66 KiB), a dump reply at most 32 KiB. One that does not is reported
 * (with its size), never cut silently.
 */
#define TERN_NL_RBUF_SIZE	(128 * 1024)

/* A notification copied off the socket, waiting for tern_nl_process(). */
struct tern_ntf {
	struct tern_ntf *next;
	size_t len;
	/* followed by the message, nlmsghdr first, suitably aligned */
	struct nlmsghdr nlh[];
};

/* Where tern_nl_process() is in what it hands out: a datagram in rbuf or
 * a queued copy, and within a frame-recv message, the next frame. Nested
 * calls (a callback calling tern_nl_process()) share it, so they carry on
 * exactly where their caller was.
 */
struct tern_cursor {
	const unsigned char *buf;	/* nl->rbuf, or ntf->nlh */
	struct tern_ntf *ntf;		/* the queued copy buf is, or NULL */
	size_t off, end;		/* next message in buf; end of the data */
	/* The frame-recv message being handed out, checked whole already. */
	const struct nlattr *attr;	/* next attribute; NULL when none */
	int rem;			/* bytes from attr to the message's end */
	uint32_t conn_id;
	uint64_t cookie;
	uint64_t seq;			/* of the next frame */
};

struct tern_nl {
	struct nl_sock *sk;		/* NULL when made by tern_nl_open_fd */
	int fd;
	int family;			/* genetlink family id */
	int events_grp;			/* "events" group id, -1 if unknown */
	uint32_t portid;
	uint32_t seq;			/* last request sequence number */
	bool busy;			/* a request waits for its reply */
	bool always_drain;		/* tests: drain before every request */
	int reply_timeout_ms;		/* TERN_NL_REPLY_TIMEOUT_MS */
	/*
	 * Notifications are handed out in this order: the rest of what
	 * cur points into, then the queue, then the socket. tern_nl_process
	 * reads into rbuf and hands out from there, in place; requests read
	 * into sbuf, so that a callback's request never overwrites what is
	 * being handed out. The two trade places when a request reads
	 * notifications while nothing is pending and no callback runs;
	 * otherwise those are copied to the queue.
	 */
	unsigned char *rbuf;		/* TERN_NL_RBUF_SIZE each */
	unsigned char *sbuf;
	struct tern_cursor cur;
	int in_cb;			/* event callbacks running */
	struct tern_ntf *retired;	/* queued copies handed out while a
					 * callback ran: freed when none does
					 */
	struct tern_ntf *head;		/* queued notifications, oldest first */
	struct tern_ntf **tail;
	size_t nqueued;
	int lost;			/* -ENOBUFS, -ENOMEM or -EMSGSIZE:
					 * notifications were lost;
					 * tern_nl_process says so
					 */
	size_t lost_len;		/* -EMSGSIZE: the datagram's size */
	size_t trunc_len;		/* set by tern_nl_recv's -EMSGSIZE */
	char err[512];
};

/* tern_nl.c */
int tern_nl_open_fd(struct tern_nl **nlp, int fd, int family, int events_grp,
		    uint32_t portid);
int tern_nl_seterr(struct tern_nl *nl, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int tern_nl_errno(int nle);

/* tern_nl_req.c: request/response plumbing. */
struct nl_msg *tern_nl_msg_new(struct tern_nl *nl, uint8_t cmd,
			       size_t attr_bytes);
struct nlattr *tern_nl_nest_start(struct nl_msg *msg, int type);

/* Called for each reply message of a request. Negative: an error, kept
 * and returned once the reply is complete; positive: ignore the rest.
 */
typedef int (*tern_reply_fn)(struct tern_nl *nl, const struct nlmsghdr *nlh,
			     void *arg);
int tern_nl_transact(struct tern_nl *nl, struct nl_msg *msg, bool dump,
		     tern_reply_fn fn, void *arg);
int tern_nl_parse(struct tern_nl *nl, const struct nlmsghdr *nlh,
		  struct nlattr **tb, int maxtype,
		  const struct nla_policy *policy, const char *what);

/* Receive one datagram into @buf (TERN_NL_RBUF_SIZE bytes): 0 waits, >0
 * is its length. Returns -EAGAIN when nothing came within @timeout_ms
 * (-1: wait for ever), -EMSGSIZE when the datagram was larger than the
 * buffer (it is lost; nl->trunc_len says how large it was).
 */
ssize_t tern_nl_recv(struct tern_nl *nl, unsigned char *buf, int timeout_ms,
		     bool restart);
bool tern_nl_is_ntf(const struct tern_nl *nl, const struct nlmsghdr *nlh);
/* Queue a copy; on failure the loss is recorded in nl->lost. */
void tern_nl_enqueue(struct tern_nl *nl, const struct nlmsghdr *nlh);
/* Record that notifications were lost (-ENOBUFS or -EMSGSIZE). */
void tern_nl_note_lost(struct tern_nl *nl, int err);
/* Take in the notifications waiting on the socket (tern_nl_stash), without
 * blocking; before a request, when the socket is crowded.
 */
void tern_nl_drain_socket(struct tern_nl *nl);
void tern_nl_queue_free(struct tern_nl *nl);

/* tern_nl_event.c */
/* Take the notifications of the datagram of @len bytes just read into
 * nl->sbuf: in place when nothing is pending and no callback runs (rbuf and
 * sbuf trade places), else as copies at the end of the queue.
 */
void tern_nl_stash(struct tern_nl *nl, size_t len);
/* Free what the cursor, the queue and the retired list hold. */
void tern_nl_ntf_free(struct tern_nl *nl);

/* tern_nl_names.c: attribute sets, for naming attributes in errors. */
enum {
	TERN_SET_CONN,
	TERN_SET_FRAME,
	TERN_SET_ACK,
	TERN_SET_RESULT,
	TERN_SET_STATS,
	TERN_SET_NONE,
};

const char *tern_attr_name(int set, int type);
int tern_attr_nested_set(int type);

/* tern_nl_conn.c */
extern const struct nla_policy tern_conn_policy[TERN_A_MAX + 1];
int tern_conn_info_parse(struct tern_nl *nl, const struct nlmsghdr *nlh,
			 struct tern_conn_info *info);

#endif /* TERN_NL_PRIV_H */
