// SPDX-License-Identifier: GPL-2.0
/*
 * Tern frame header and stream parser (see frame.h). Wire format:
 *
 *   u8 version | u8 type | be16 flags | be32 len | len bytes of payload
 */

#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/string.h>
#else
#include <errno.h>
#include <string.h>
#endif

#include "frame.h"

static size_t tern_min(size_t a, size_t b)
{
	return a < b ? a : b;
}

int tern_frame_hdr_parse(const __u8 *buf, __u32 max_payload,
			 struct tern_hdr *h)
{
	if (buf[0] != TERN_FRAME_VERSION)
		return -EPROTO;

	h->type = buf[1];
	h->flags = (__u16)(buf[2] << 8 | buf[3]);
	h->len = (__u32)buf[4] << 24 | (__u32)buf[5] << 16 |
		 (__u32)buf[6] << 8 | (__u32)buf[7];

	switch (h->type) {
	case TERN_FRAME_PING:
	case TERN_FRAME_PONG:
		if (h->len > TERN_HB_MAX_PAYLOAD)
			return -EBADMSG;
		return 0;
	default:
		/* 0 is invalid and 3..15 are reserved for the transport. */
		if (h->type < TERN_FRAME_USER_MIN)
			return -EBADMSG;
		break;
	}

	if (h->len > max_payload)
		return -EMSGSIZE;
	return 0;
}

void tern_frame_hdr_build(__u8 *buf, __u8 type, __u16 flags, __u32 len)
{
	buf[0] = TERN_FRAME_VERSION;
	buf[1] = type;
	buf[2] = flags >> 8;
	buf[3] = flags & 0xff;
	buf[4] = len >> 24;
	buf[5] = (len >> 16) & 0xff;
	buf[6] = (len >> 8) & 0xff;
	buf[7] = len & 0xff;
}

void *tern_parser_reset(struct tern_parser *p)
{
	void *buf = p->buf;

	p->buf = NULL;
	p->have = 0;
	p->hdr_have = 0;
	p->err = 0;
	return buf;
}

static int tern_parser_fail(struct tern_parser *p, int err)
{
	p->err = err;
	return err;
}

int tern_parser_feed(struct tern_parser *p, __u32 max_payload,
		     const void *data, size_t len,
		     const struct tern_parser_ops *ops, void *ctx)
{
	const __u8 *in = data;
	struct tern_hdr h;
	size_t n;
	int err;

	if (p->err)
		return p->err;

	while (len) {
		if (p->hdr_have < TERN_FRAME_HDR_LEN) {
			n = tern_min(len, TERN_FRAME_HDR_LEN - p->hdr_have);
			memcpy(p->hdr + p->hdr_have, in, n);
			p->hdr_have += n;
			in += n;
			len -= n;
			if (p->hdr_have < TERN_FRAME_HDR_LEN)
				return 0;

			err = tern_frame_hdr_parse(p->hdr, max_payload, &p->h);
			if (err)
				return tern_parser_fail(p, err);
			p->buf = NULL;
			p->have = 0;
			err = ops->begin(ctx, &p->h, &p->buf);
			if (err)
				return tern_parser_fail(p, err);
			if (!p->buf && p->h.len)
				return tern_parser_fail(p, -ENOMEM);
		}

		n = tern_min(len, p->h.len - p->have);
		if (n) {
			memcpy((__u8 *)p->buf + p->have, in, n);
			p->have += n;
			in += n;
			len -= n;
		}

		if (p->have == p->h.len) {
			h = p->h;
			err = ops->end(ctx, &h, tern_parser_reset(p));
			if (err)
				return tern_parser_fail(p, err);
		}
	}
	return 0;
}
