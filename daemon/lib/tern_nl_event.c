// SPDX-License-Identifier: GPL-2.0
/*
 * tern_nl notifications: frame-recv, conn-down and conn-writable.
 *
 * tern_nl_process() reads a datagram into nl->rbuf and hands its
 * notifications out from there, in place: a frame handed to the callback
 * points into that buffer. Notifications are handed out in one order, the
 * order in which they came off the socket:
 *
 *   1. the rest of what nl->cur points into (a datagram in nl->rbuf, or
 *      a queued copy), the next frame of the current message first;
 *   2. the queue;
 *   3. the socket.
 *
 * Whatever reads the socket appends to that order: tern_nl_process() only
 * when 1 and 2 are empty; a request (tern_nl_req.c) reads into nl->sbuf and
 * passes the notifications it finds to tern_nl_stash(), which queues copies
 * of them behind 1 and 2, or, when both are empty and no callback runs,
 * makes that datagram the new 1 by swapping nl->rbuf and nl->sbuf (no copy).
 * A callback's request never writes into nl->rbuf, so the message being
 * handed out and the rest of its datagram stay intact, and what the request
 * read comes after them.
 *
 * Callbacks may make requests (ack the frames they were handed, say) and
 * even call tern_nl_process() again: a nested call carries on from the
 * shared cursor (the next frame of the same message first), reads the
 * socket into nl->sbuf through tern_nl_stash(), and never overwrites
 * nl->rbuf. A queued copy handed out while a callback runs is freed only
 * once no callback runs, so the data a callback was handed stays valid until
 * it returns. So nothing is lost, handed out twice or out of order.
 *
 * A frame-recv message is checked whole before any of its frames is handed
 * out: a malformed one is reported and dropped, and the next call carries
 * on after it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "tern_nl_priv.h"

/*
 * Attribute walking, inline: this runs for every frame, where libnl's
 * out-of-line nla_ok/nla_type/nla_len calls (and a policy-checked
 * nla_parse per frame) used to be most of the reader's time.
 */
static inline bool tern_attr_ok(const struct nlattr *a, int rem)
{
	return rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	       a->nla_len <= rem;
}

static inline const struct nlattr *tern_attr_next(const struct nlattr *a,
						  int *rem)
{
	int len = NLA_ALIGN(a->nla_len);

	*rem -= len;
	return (const struct nlattr *)((const char *)a + len);
}

static inline int tern_attr_type(const struct nlattr *a)
{
	return a->nla_type & NLA_TYPE_MASK;
}

static inline int tern_attr_len(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

static inline const unsigned char *tern_attr_data(const struct nlattr *a)
{
	return (const unsigned char *)a + NLA_HDRLEN;
}

/* Why a TERN_A_WIRE attribute is not a frame userspace may receive. */
enum tern_wire_fault {
	TERN_WIRE_OK,
	TERN_WIRE_SHORT,	/* shorter than a frame header */
	TERN_WIRE_VERSION,	/* not TERN_FRAME_VERSION */
	TERN_WIRE_TYPE,		/* below TERN_FRAME_USER_MIN: transport's */
	TERN_WIRE_TOO_BIG,	/* more than TERN_FRAME_MAX_PAYLOAD */
	TERN_WIRE_LEN,		/* header and attribute lengths differ */
};

static enum tern_wire_fault tern_wire_check(const struct nlattr *a,
					    struct tern_hdr *h)
{
	int len = tern_attr_len(a);

	memset(h, 0, sizeof(*h));
	if (len < TERN_FRAME_HDR_LEN)
		return TERN_WIRE_SHORT;
	switch (tern_frame_hdr_parse(tern_attr_data(a), TERN_FRAME_MAX_PAYLOAD,
				     h)) {
	case 0:
		break;
	case -EPROTO:
		return TERN_WIRE_VERSION;
	case -EMSGSIZE:
		return TERN_WIRE_TOO_BIG;
	default:
		return TERN_WIRE_TYPE;
	}
	/* PING and PONG are valid on the wire, never here. */
	if (h->type < TERN_FRAME_USER_MIN)
		return TERN_WIRE_TYPE;
	if (h->len != (uint32_t)(len - TERN_FRAME_HDR_LEN))
		return TERN_WIRE_LEN;
	return TERN_WIRE_OK;
}

static int tern_wire_error(struct tern_nl *nl, uint32_t id, int idx,
			   enum tern_wire_fault fault,
			   const struct nlattr *a, const struct tern_hdr *h)
{
	char why[160];

	switch (fault) {
	case TERN_WIRE_SHORT:
		snprintf(why, sizeof(why),
			 "%d bytes, shorter than a frame header",
			 tern_attr_len(a));
		break;
	case TERN_WIRE_VERSION:
		snprintf(why, sizeof(why), "version %u, not %u",
			 tern_attr_data(a)[0], TERN_FRAME_VERSION);
		break;
	case TERN_WIRE_TYPE:
		snprintf(why, sizeof(why),
			 "type %u, which is reserved for the transport",
			 h->type);
		break;
	case TERN_WIRE_TOO_BIG:
		snprintf(why, sizeof(why),
			 "%u bytes of payload, more than the %u a frame can carry",
			 h->len, TERN_FRAME_MAX_PAYLOAD);
		break;
	default:
		snprintf(why, sizeof(why),
			 "its header gives %u bytes of payload, its attribute holds %d",
			 h->len, tern_attr_len(a) - TERN_FRAME_HDR_LEN);
		break;
	}
	return tern_nl_seterr(nl, -EBADMSG,
			      "frame %d of a frame-recv notification for connection %u is malformed: %s",
			      idx, id, why);
}

/* A u32 or u64 attribute of exactly that size, copied (attribute data is
 * only 4-byte aligned).
 */
static int tern_get_scalar(struct tern_nl *nl, const struct nlattr *a,
			   void *v, int size)
{
	if (tern_attr_len(a) != size)
		return tern_nl_seterr(nl, -EBADMSG,
				      "malformed frame-recv notification from tern.ko: %d-byte %s",
				      tern_attr_len(a),
				      tern_attr_name(TERN_SET_CONN,
						     tern_attr_type(a)));
	memcpy(v, tern_attr_data(a), size);
	return 0;
}

/*
 * Check a frame-recv message whole: conn-id, cookie, seq, then one
 * TERN_A_WIRE per frame, each a valid frame of a user type whose length
 * matches its attribute's. Then point the cursor at its first attribute:
 * tern_ntf_next_frame() hands the frames out one by one.
 */
static int tern_ntf_frames(struct tern_nl *nl, const struct nlmsghdr *nlh)
{
	const struct nlattr *first, *a, *bad_attr = NULL;
	enum tern_wire_fault fault = TERN_WIRE_OK, f;
	struct tern_cursor *c = &nl->cur;
	bool has_id = false, has_seq = false, nests = false;
	uint32_t id = 0;
	uint64_t cookie = 0, seq = 0;
	struct tern_hdr h, bad_h = { 0 };
	int rem, total, n = 0, bad = -1, err;

	first = (const struct nlattr *)((const char *)nlh + NLMSG_HDRLEN +
					GENL_HDRLEN);
	total = nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	for (a = first, rem = total; tern_attr_ok(a, rem);
	     a = tern_attr_next(a, &rem)) {
		switch (tern_attr_type(a)) {
		case TERN_A_WIRE:
			f = tern_wire_check(a, &h);
			if (f && bad < 0) {
				bad = n;
				fault = f;
				bad_attr = a;
				bad_h = h;
			}
			n++;
			break;
		case TERN_A_CONN_ID:
			err = tern_get_scalar(nl, a, &id, sizeof(id));
			if (err)
				return err;
			has_id = true;
			break;
		case TERN_A_COOKIE:
			err = tern_get_scalar(nl, a, &cookie, sizeof(cookie));
			if (err)
				return err;
			break;
		case TERN_A_SEQ:
			err = tern_get_scalar(nl, a, &seq, sizeof(seq));
			if (err)
				return err;
			has_seq = true;
			break;
		case TERN_A_FRAME:
			nests = true;
			break;
		default:
			break;	/* pad, or an attribute of a later version */
		}
	}
	if (rem > 0)
		return tern_nl_seterr(nl, -EBADMSG,
				      "malformed frame-recv notification from tern.ko: an attribute at byte %d overruns the message",
				      total - rem);
	if (!has_id)
		return tern_nl_seterr(nl, -EBADMSG,
				      "frame-recv notification from tern.ko lacks conn-id");
	if (!has_seq)
		return tern_nl_seterr(nl, -EBADMSG,
				      "frame-recv notification for connection %u lacks seq%s",
				      id, nests ? " (it has frame nests: tern.ko uses an older frame-recv encoding than this library)" : "");
	if (bad >= 0)
		return tern_wire_error(nl, id, bad, fault, bad_attr, &bad_h);

	c->attr = n ? first : NULL;
	c->rem = total;
	c->conn_id = id;
	c->cookie = cookie;
	c->seq = seq;
	return 0;
}

/* The next frame of the current frame-recv message, if any is left. */
static bool tern_ntf_next_frame(struct tern_cursor *c, struct tern_frame_in *f)
{
	const struct nlattr *a;
	const unsigned char *d;

	while ((a = c->attr) && tern_attr_ok(a, c->rem)) {
		c->attr = tern_attr_next(a, &c->rem);
		if (tern_attr_type(a) != TERN_A_WIRE)
			continue;
		/* Checked by tern_ntf_frames(). */
		d = tern_attr_data(a);
		f->conn_id = c->conn_id;
		f->cookie = c->cookie;
		f->seq = c->seq++;
		f->type = d[1];
		f->flags = (uint16_t)(d[2] << 8 | d[3]);
		f->data = d + TERN_FRAME_HDR_LEN;
		f->len = tern_attr_len(a) - TERN_FRAME_HDR_LEN;
		return true;
	}
	c->attr = NULL;
	return false;
}

static void tern_ntf_free_list(struct tern_ntf *n)
{
	struct tern_ntf *next;

	for (; n; n = next) {
		next = n->next;
		free(n);
	}
}

/* Before and after every callback: what was handed out while callbacks
 * ran can go once none runs.
 */
static void tern_cb_enter(struct tern_nl *nl)
{
	nl->in_cb++;
}

static void tern_cb_leave(struct tern_nl *nl)
{
	if (--nl->in_cb == 0 && nl->retired) {
		tern_ntf_free_list(nl->retired);
		nl->retired = NULL;
	}
}

/* Is anything left where the cursor points? */
static bool tern_cursor_pending(const struct tern_cursor *c)
{
	return c->attr || c->off < c->end;
}

/* Done with what the cursor points into. */
static void tern_cursor_release(struct tern_nl *nl)
{
	struct tern_cursor *c = &nl->cur;

	if (c->ntf) {
		if (nl->in_cb) {
			/* A caller's callback may still hold its data. */
			c->ntf->next = nl->retired;
			nl->retired = c->ntf;
		} else {
			free(c->ntf);
		}
	}
	memset(c, 0, sizeof(*c));
}

static void tern_cursor_set(struct tern_nl *nl, const unsigned char *buf,
			    struct tern_ntf *ntf, size_t len)
{
	struct tern_cursor *c = &nl->cur;

	memset(c, 0, sizeof(*c));
	c->buf = buf;
	c->ntf = ntf;
	c->end = len;
}

void tern_nl_stash(struct tern_nl *nl, size_t len)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)nl->sbuf;
	unsigned char *tmp;
	int rem = len;

	for (; NLMSG_OK(nlh, rem); nlh = NLMSG_NEXT(nlh, rem))
		if (tern_nl_is_ntf(nl, nlh))
			break;
	if (!NLMSG_OK(nlh, rem))
		return;		/* none in it */
	if (!nl->in_cb && !tern_cursor_pending(&nl->cur) && !nl->head) {
		/* Nothing pending, nobody reading rbuf: keep it in place. */
		tern_cursor_release(nl);
		tmp = nl->rbuf;
		nl->rbuf = nl->sbuf;
		nl->sbuf = tmp;
		tern_cursor_set(nl, nl->rbuf, NULL, len);
		return;
	}
	/* From the first notification on. */
	for (; NLMSG_OK(nlh, rem); nlh = NLMSG_NEXT(nlh, rem))
		if (tern_nl_is_ntf(nl, nlh))
			tern_nl_enqueue(nl, nlh);
}

void tern_nl_ntf_free(struct tern_nl *nl)
{
	tern_cursor_release(nl);
	tern_ntf_free_list(nl->retired);
	nl->retired = NULL;
	tern_nl_queue_free(nl);
}

/*
 * Start handing out one notification: conn-down and conn-writable go to
 * their callbacks at once; a frame-recv is checked and its frames left to
 * the cursor. 1 when it was a notification, or a negative errno.
 */
static int tern_ntf_start(struct tern_nl *nl, const struct nlmsghdr *nlh,
			  const struct tern_event_ops *ops, void *arg)
{
	const struct genlmsghdr *g = nlmsg_data(nlh);
	struct nlattr *tb[TERN_A_MAX + 1];
	const char *what, *tag = "";
	uint64_t cookie = 0;
	uint32_t id;
	int err;

	if (g->cmd == TERN_CMD_FRAME_RECV) {
		err = tern_ntf_frames(nl, nlh);
		return err ? err : 1;
	}
	what = g->cmd == TERN_CMD_CONN_DOWN ? "conn-down" : "conn-writable";
	err = tern_nl_parse(nl, nlh, tb, TERN_A_MAX, tern_conn_policy, what);
	if (err)
		return err;
	if (!tb[TERN_A_CONN_ID])
		return tern_nl_seterr(nl, -EBADMSG,
				      "%s notification from tern.ko lacks conn-id",
				      what);
	id = nla_get_u32(tb[TERN_A_CONN_ID]);
	if (tb[TERN_A_COOKIE])
		cookie = nla_get_u64(tb[TERN_A_COOKIE]);

	tern_cb_enter(nl);
	if (g->cmd == TERN_CMD_CONN_DOWN) {
		if (tb[TERN_A_OWNER_TAG])
			tag = nla_get_string(tb[TERN_A_OWNER_TAG]);
		if (ops->conn_down)
			ops->conn_down(id, cookie, tag,
				       tb[TERN_A_REASON] ?
				       nla_get_u32(tb[TERN_A_REASON]) : 0,
				       arg);
	} else if (ops->conn_writable) {
		ops->conn_writable(id, cookie, arg);
	}
	tern_cb_leave(nl);
	return 1;
}

/*
 * Hand out everything pending, in order: the rest of the cursor, then the
 * queue, including what callbacks add to it meanwhile. Returns the number of
 * notifications started, or the error of a malformed one (the cursor is
 * already past it, so the next call carries on after it).
 */
static int tern_ntf_run(struct tern_nl *nl, const struct tern_event_ops *ops,
			void *arg)
{
	struct tern_cursor *c = &nl->cur;
	const struct nlmsghdr *nlh;
	struct tern_frame_in f;
	struct tern_ntf *n;
	int handled = 0, err, rem;

	for (;;) {
		if (c->attr) {
			if (!ops->frame) {
				c->attr = NULL;	/* nobody to hand them to */
				continue;
			}
			if (!tern_ntf_next_frame(c, &f))
				continue;
			/* The cursor is already past this frame: a nested
			 * tern_nl_process() starts at the next.
			 */
			tern_cb_enter(nl);
			ops->frame(&f, arg);
			tern_cb_leave(nl);
			continue;
		}
		if (c->off < c->end) {
			nlh = (const struct nlmsghdr *)(c->buf + c->off);
			rem = c->end - c->off;
			if (!NLMSG_OK(nlh, rem)) {
				c->off = c->end;	/* a torn tail */
				continue;
			}
			c->off += NLMSG_ALIGN(nlh->nlmsg_len) < (size_t)rem ?
				  NLMSG_ALIGN(nlh->nlmsg_len) : (size_t)rem;
			if (!tern_nl_is_ntf(nl, nlh))
				continue;	/* a late reply */
			err = tern_ntf_start(nl, nlh, ops, arg);
			if (err < 0)
				return err;
			handled += err;
			continue;
		}
		tern_cursor_release(nl);
		n = nl->head;
		if (!n)
			return handled;
		nl->head = n->next;
		if (!nl->head)
			nl->tail = &nl->head;
		nl->nqueued--;
		tern_cursor_set(nl, (const unsigned char *)n->nlh, n, n->len);
	}
}

/* Report notifications lost since the last call, once. */
static int tern_ntf_lost(struct tern_nl *nl)
{
	int lost = nl->lost;

	nl->lost = 0;
	if (lost == -ENOBUFS)
		return tern_nl_seterr(nl, lost,
				      "netlink receive buffer overrun: notifications from tern.ko were lost");
	if (lost == -EMSGSIZE)
		return tern_nl_seterr(nl, lost,
				      "a %zu-byte message from tern.ko did not fit the %d-byte receive buffer: notifications were lost",
				      nl->lost_len, TERN_NL_RBUF_SIZE);
	if (lost)
		return tern_nl_seterr(nl, lost,
				      "out of memory: notifications from tern.ko were lost");
	return 0;
}

/*
 * Read one datagram. The outermost call reads into rbuf and points the
 * cursor at it (nothing is pending then: tern_ntf_run() handed it all out,
 * and no callback runs); a nested one reads into sbuf and queues copies.
 */
static int tern_ntf_read(struct tern_nl *nl, int timeout_ms)
{
	unsigned char *buf = nl->in_cb ? nl->sbuf : nl->rbuf;
	ssize_t n;

	n = tern_nl_recv(nl, buf, timeout_ms, false);
	if (n == -EAGAIN)
		return 0;
	if (n == -EINTR)
		return n;
	if (n == -ENOBUFS || n == -EMSGSIZE) {
		tern_nl_note_lost(nl, n);
		return tern_ntf_lost(nl);
	}
	if (n < 0)
		return tern_nl_seterr(nl, n, "receiving from tern.ko: %s",
				      strerror(-n));
	if (nl->in_cb)
		tern_nl_stash(nl, n);
	else
		tern_cursor_set(nl, buf, NULL, n);
	return tern_ntf_lost(nl);
}

static int tern_ntf_process(struct tern_nl *nl,
			    const struct tern_event_ops *ops, void *arg,
			    int timeout_ms)
{
	int handled, more, err;

	err = tern_ntf_lost(nl);
	if (err)
		return err;
	handled = tern_ntf_run(nl, ops, arg);
	if (handled < 0)
		return handled;

	/* With no timeout, wait until a notification is handed out: a
	 * datagram may hold only a late reply to an old request.
	 */
	do {
		err = tern_ntf_read(nl, handled ? 0 : timeout_ms);
		if (err == -EINTR)
			return handled ? handled :
			       tern_nl_seterr(nl, -EINTR, "interrupted");
		if (err)
			return err;
		more = tern_ntf_run(nl, ops, arg);
		if (more < 0)
			return more;
		handled += more;
	} while (!handled && timeout_ms < 0);
	return handled;
}

int tern_nl_process(struct tern_nl *nl, const struct tern_event_ops *ops,
		    void *arg, int timeout_ms)
{
	static const struct tern_event_ops none;

	if (nl->busy)
		return tern_nl_seterr(nl, -EBUSY,
				      "tern_nl_process called while a request waits for its reply");
	return tern_ntf_process(nl, ops ? ops : &none, arg, timeout_ms);
}
