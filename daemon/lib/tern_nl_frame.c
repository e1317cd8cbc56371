// SPDX-License-Identifier: GPL-2.0
/*
 * tern_nl frame operations: frame-send and frame-ack, split into requests
 * of about TERN_NL_BATCH_BYTES of attributes each.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tern_nl_priv.h"

static const struct nla_policy tern_result_policy[TERN_RESULT_A_MAX + 1] = {
	[TERN_RESULT_A_CONN_ID]	= { .type = NLA_U32 },
	[TERN_RESULT_A_QUEUED]	= { .type = NLA_U32 },
	[TERN_RESULT_A_ERROR]	= { .type = NLA_U32 },
};

/* Bytes one frame takes in a frame-send request. */
static size_t tern_frame_size(const struct tern_frame_out *f)
{
	return NLA_HDRLEN +				/* the nest */
	       NLA_HDRLEN + NLA_ALIGN(sizeof(uint32_t)) +	/* conn-id */
	       NLA_HDRLEN + NLA_ALIGN(sizeof(uint8_t)) +	/* type */
	       NLA_HDRLEN + NLA_ALIGN(sizeof(uint16_t)) +	/* flags */
	       NLA_HDRLEN + NLA_ALIGN(f->len);			/* data */
}

/* Connections of one frame_send call: @res entries found by a small open
 * addressing table, and how many frames each has in the current request.
 */
struct tern_sendctx {
	struct tern_send_result *res;
	size_t nres;
	size_t *slots;		/* index into res + 1, 0 when free */
	size_t mask;
	uint32_t *inflight;	/* frames of res[i] in the current request */
	bool *answered;
};

static size_t *tern_slot(struct tern_sendctx *c, uint32_t conn_id)
{
	size_t h = (conn_id * 2654435761u) & c->mask;

	while (c->slots[h] && c->res[c->slots[h] - 1].conn_id != conn_id)
		h = (h + 1) & c->mask;
	return &c->slots[h];
}

/* res index of @conn_id, or -1. */
static long tern_find(struct tern_sendctx *c, uint32_t conn_id)
{
	size_t *s = tern_slot(c, conn_id);

	return *s ? (long)(*s - 1) : -1;
}

static int tern_sendctx_init(struct tern_sendctx *c,
			     const struct tern_frame_out *frames, size_t n,
			     struct tern_send_result *res)
{
	size_t size = 4, i, *s;

	while (size < 2 * n)
		size *= 2;
	memset(c, 0, sizeof(*c));
	c->res = res;
	c->mask = size - 1;
	c->slots = calloc(size, sizeof(*c->slots));
	c->inflight = calloc(n, sizeof(*c->inflight));
	c->answered = calloc(n, sizeof(*c->answered));
	if (!c->slots || !c->inflight || !c->answered)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		s = tern_slot(c, frames[i].conn_id);
		if (*s)
			continue;
		res[c->nres] = (struct tern_send_result) {
			.conn_id = frames[i].conn_id,
		};
		*s = ++c->nres;
	}
	return 0;
}

static void tern_sendctx_free(struct tern_sendctx *c)
{
	free(c->slots);
	free(c->inflight);
	free(c->answered);
}

static int tern_check_frames(struct tern_nl *nl,
			     const struct tern_frame_out *frames, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct tern_frame_out *f = &frames[i];

		if (f->type < TERN_FRAME_USER_MIN)
			return tern_nl_seterr(nl, -EINVAL,
					      "frame %zu: type %u is reserved for the transport (use %u or more)",
					      i, f->type, TERN_FRAME_USER_MIN);
		if (f->len > TERN_FRAME_MAX_PAYLOAD)
			return tern_nl_seterr(nl, -EMSGSIZE,
					      "frame %zu: %u bytes is more than the %u a frame can carry",
					      i, f->len, TERN_FRAME_MAX_PAYLOAD);
		if (f->len && !f->data)
			return tern_nl_seterr(nl, -EINVAL,
					      "frame %zu: %u bytes of data at NULL",
					      i, f->len);
	}
	return 0;
}

static int tern_result_one(struct tern_nl *nl, struct tern_sendctx *c,
			   struct nlattr *nest)
{
	struct nlattr *tb[TERN_RESULT_A_MAX + 1];
	uint32_t id, queued, error = 0;
	long k;
	int err;

	err = nla_parse_nested(tb, TERN_RESULT_A_MAX, nest,
			       (struct nla_policy *)tern_result_policy);
	if (err < 0)
		return tern_nl_seterr(nl, -EBADMSG,
				      "malformed frame-send result from tern.ko: %s",
				      nl_geterror(err));
	if (!tb[TERN_RESULT_A_CONN_ID] || !tb[TERN_RESULT_A_QUEUED])
		return tern_nl_seterr(nl, -EBADMSG,
				      "frame-send result from tern.ko lacks %s",
				      tb[TERN_RESULT_A_CONN_ID] ? "queued" :
				      "conn-id");
	id = nla_get_u32(tb[TERN_RESULT_A_CONN_ID]);
	queued = nla_get_u32(tb[TERN_RESULT_A_QUEUED]);
	if (tb[TERN_RESULT_A_ERROR])
		error = nla_get_u32(tb[TERN_RESULT_A_ERROR]);

	k = tern_find(c, id);
	if (k < 0 || !c->inflight[k] || c->answered[k])
		return tern_nl_seterr(nl, -EBADMSG,
				      "frame-send reply from tern.ko has an unexpected result for connection %u",
				      id);
	if (queued > c->inflight[k] ||
	    (queued < c->inflight[k] && !error) || error > 4095)
		return tern_nl_seterr(nl, -EBADMSG,
				      "frame-send result from tern.ko for connection %u is inconsistent: %u of %u frames queued, error %u",
				      id, queued, c->inflight[k], error);
	c->answered[k] = true;
	c->res[k].queued += queued;
	if (error)
		c->res[k].error = -(int)error;
	return 0;
}

static int tern_result_reply(struct tern_nl *nl, const struct nlmsghdr *nlh,
			     void *arg)
{
	struct genlmsghdr *g = nlmsg_data(nlh);
	struct nlattr *a;
	int rem, err;

	if (!genlmsg_valid_hdr((struct nlmsghdr *)nlh, 0))
		return tern_nl_seterr(nl, -EBADMSG,
				      "truncated frame-send reply from tern.ko");
	nla_for_each_attr(a, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0),
			  rem) {
		if (nla_type(a) != TERN_A_RESULT)
			continue;
		err = tern_result_one(nl, arg, a);
		if (err)
			return err;
	}
	return 0;
}

static int tern_put_frame(struct nl_msg *msg, const struct tern_frame_out *f)
{
	struct nlattr *nest = tern_nl_nest_start(msg, TERN_A_FRAME);
	int bad = !nest;

	if (!nest)
		return -EMSGSIZE;
	bad |= nla_put_u32(msg, TERN_FRAME_A_CONN_ID, f->conn_id) < 0;
	bad |= nla_put_u8(msg, TERN_FRAME_A_TYPE, f->type) < 0;
	bad |= nla_put_u16(msg, TERN_FRAME_A_FLAGS, f->flags) < 0;
	bad |= nla_put(msg, TERN_FRAME_A_DATA, f->len, f->data) < 0;
	if (bad)
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/* Send frames[*next...] that fit in one request; skip connections that
 * already had frames refused.
 */
static int tern_send_batch(struct tern_nl *nl, struct tern_sendctx *c,
			   const struct tern_frame_out *frames, size_t n,
			   size_t *next)
{
	size_t i, end, bytes = 0, sz;
	struct nl_msg *msg;
	long k;
	int err;

	for (end = *next; end < n; end++) {
		k = tern_find(c, frames[end].conn_id);
		if (c->res[k].error)
			continue;
		sz = tern_frame_size(&frames[end]);
		if (bytes && bytes + sz > TERN_NL_BATCH_BYTES)
			break;
		bytes += sz;
	}
	if (!bytes) {
		*next = end;
		return 0;
	}
	msg = tern_nl_msg_new(nl, TERN_CMD_FRAME_SEND, bytes);
	if (!msg)
		return tern_nl_seterr(nl, -ENOMEM,
				      "out of memory building a request");
	memset(c->inflight, 0, c->nres * sizeof(*c->inflight));
	memset(c->answered, 0, c->nres * sizeof(*c->answered));
	for (i = *next; i < end; i++) {
		k = tern_find(c, frames[i].conn_id);
		if (c->res[k].error)
			continue;
		if (tern_put_frame(msg, &frames[i])) {
			nlmsg_free(msg);
			return tern_nl_seterr(nl, -EMSGSIZE,
					      "frame-send request overflow");
		}
		c->inflight[k]++;
	}
	*next = end;

	err = tern_nl_transact(nl, msg, false, tern_result_reply, c);
	if (err)
		return err;
	for (i = 0; i < c->nres; i++)
		if (c->inflight[i] && !c->answered[i])
			return tern_nl_seterr(nl, -EBADMSG,
					      "frame-send reply from tern.ko has no result for connection %u",
					      c->res[i].conn_id);
	return 0;
}

int tern_nl_frame_send(struct tern_nl *nl, const struct tern_frame_out *frames,
		       size_t n, struct tern_send_result *res, size_t *nres)
{
	struct tern_sendctx c;
	size_t next = 0;
	int err;

	*nres = 0;
	if (!n)
		return 0;
	err = tern_check_frames(nl, frames, n);
	if (err)
		return err;
	err = tern_sendctx_init(&c, frames, n, res);
	if (err) {
		tern_sendctx_free(&c);
		return tern_nl_seterr(nl, err, "out of memory");
	}
	*nres = c.nres;
	while (next < n && !err)
		err = tern_send_batch(nl, &c, frames, n, &next);
	tern_sendctx_free(&c);
	return err;
}

#define TERN_ACK_SIZE	(NLA_HDRLEN + NLA_HDRLEN + NLA_ALIGN(4) + \
			 NLA_HDRLEN + NLA_ALIGN(8))

int tern_nl_frame_ack(struct tern_nl *nl, const struct tern_ack *acks,
		      size_t n)
{
	const size_t per_req = TERN_NL_BATCH_BYTES / TERN_ACK_SIZE;
	struct nl_msg *msg;
	struct nlattr *nest;
	size_t i, end;
	int err, bad;

	for (i = 0; i < n; i = end) {
		end = n - i > per_req ? i + per_req : n;
		msg = tern_nl_msg_new(nl, TERN_CMD_FRAME_ACK,
				      (end - i) * TERN_ACK_SIZE);
		if (!msg)
			return tern_nl_seterr(nl, -ENOMEM,
					      "out of memory building a request");
		bad = 0;
		for (size_t j = i; j < end && !bad; j++) {
			nest = tern_nl_nest_start(msg, TERN_A_ACK);
			bad = !nest;
			if (bad)
				break;
			bad |= nla_put_u32(msg, TERN_ACK_A_CONN_ID,
					   acks[j].conn_id) < 0;
			bad |= nla_put_u64(msg, TERN_ACK_A_SEQ,
					   acks[j].seq) < 0;
			nla_nest_end(msg, nest);
		}
		if (bad) {
			nlmsg_free(msg);
			return tern_nl_seterr(nl, -EMSGSIZE,
					      "frame-ack request overflow");
		}
		err = tern_nl_transact(nl, msg, false, NULL, NULL);
		if (err)
			return err;
	}
	return 0;
}
