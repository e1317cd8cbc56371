/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tern frame header and stream parser.
 *
 * Shared by tern.ko and userspace (the userspace transport and the libFuzzer
 * harness), so it uses nothing but memcpy and the uAPI types.
 */
#ifndef _TERN_FRAME_H
#define _TERN_FRAME_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#endif
#include <linux/tern.h>

/* A parsed header, in host byte order. */
struct tern_hdr {
	__u8 type;
	__u16 flags;
	__u32 len;
};

int tern_frame_hdr_parse(const __u8 *buf, __u32 max_payload,
			 struct tern_hdr *h);
void tern_frame_hdr_build(__u8 *buf, __u8 type, __u16 flags, __u32 len);

/*
 * Incremental parser over a byte stream. @begin is called once a header is
 * complete and valid and returns the buffer the payload is copied into (it
 * may leave *buf NULL for an empty payload); @end hands the finished frame,
 * buffer included, to the callee. A non-zero return from either stops the
 * parser with that error. Errors are sticky: once the stream is broken every
 * later feed returns the same error and touches nothing, until a reset.
 */
struct tern_parser_ops {
	int (*begin)(void *ctx, const struct tern_hdr *h, void **buf);
	int (*end)(void *ctx, const struct tern_hdr *h, void *buf);
};

struct tern_parser {
	struct tern_hdr h;		/* valid once hdr_have is complete */
	void *buf;			/* payload of the frame in progress */
	__u32 have;			/* payload bytes copied so far */
	int err;			/* the error that broke the stream */
	__u8 hdr_have;			/* header bytes collected */
	__u8 hdr[TERN_FRAME_HDR_LEN];
};

int tern_parser_feed(struct tern_parser *p, __u32 max_payload,
		     const void *data, size_t len,
		     const struct tern_parser_ops *ops, void *ctx);

/* True while part of a frame has been read but not all of it. */
static inline bool tern_parser_mid_frame(const struct tern_parser *p)
{
	return p->hdr_have != 0;
}

/* Bytes still needed to complete the frame in progress, 0 when idle. */
static inline __u32 tern_parser_want(const struct tern_parser *p)
{
	if (!p->hdr_have)
		return 0;
	if (p->hdr_have < TERN_FRAME_HDR_LEN)
		return TERN_FRAME_HDR_LEN - p->hdr_have;
	return p->h.len - p->have;
}

/* Forget the frame in progress and any error; returns the frame's buffer
 * for the caller to free.
 */
void *tern_parser_reset(struct tern_parser *p);

#endif /* _TERN_FRAME_H */
