// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the wire-frame parser (kmod/frame.c).
 *
 * An input is three configuration bytes and then the byte stream:
 *
 *   cfg    bits 0-2  max_payload, one of maxes[] (the range tern.ko allows)
 *          bits 3-4  a callback failure to inject at frame @at: none, begin
 *                    fails, end fails, or begin hands no buffer
 *          bit 5     begin hands a buffer for empty payloads too
 *          bit 6     a failing begin sets *buf first
 *   split  0: the stream in one call; bit 7 set: chunks of (split & 0x7f) + 1
 *          bytes; otherwise random chunks of up to 2^(split & 0xf) bytes, some
 *          of them empty, from a generator seeded with the configuration
 *   at     the frame the failure is injected at
 *
 * The stream is fed to tern_parser_feed() in those chunks, each copied to
 * the end of a heap block so that ASan catches a read past the chunk, and a
 * linear reading of the stream, built on tern_frame_hdr_parse() and checked
 * against the wire format, says what must happen. Any difference aborts,
 * which libFuzzer reports as a crash:
 *
 *  - the parser returns exactly the error the linear reading meets first: a
 *    header tern_frame_hdr_parse() rejects (with its errno), or an injected
 *    failure; and tern_frame_hdr_parse() agrees with the wire format;
 *  - begin and end see the frames of the stream, in order, with their
 *    payloads, and never one with len over max_payload;
 *  - after every chunk that succeeds, the bytes fed equal the header and
 *    payload bytes of the frames ended plus those of the frame in progress,
 *    and tern_parser_mid_frame()/tern_parser_want() say so;
 *  - tern_frame_hdr_build() writes every header parsed back as it was;
 *  - tern_parser_reset() returns the buffer of the frame in progress (or
 *    NULL), all buffers are then freed (LeakSanitizer checks too), and the
 *    parser reads a new frame from scratch.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/tern.h>
#include "frame.h"

#define CFG_LEN		3
#define BEGIN_ERR	(-EIO)
#define END_ERR		(-ECANCELED)

static const __u32 maxes[8] = {
	TERN_MAX_FRAME_MIN, TERN_MAX_FRAME_MIN + 1, 100, 255, 256, 1024, 4096,
	TERN_FRAME_MAX_PAYLOAD,
};

enum inject { INJ_NONE, INJ_BEGIN, INJ_END, INJ_NULL };

struct fz {
	const __u8 *s;		/* the stream */
	size_t n;
	__u32 max;
	enum inject inj;
	unsigned int at;
	bool alloc_empty, keep;

	size_t pos;		/* stream offset of the frame in progress */
	unsigned int nbegin, nend;
	void *cur;		/* its buffer, from begin */
	long live;		/* buffers handed out and not freed */
};

#define fail(...) do {							\
	fprintf(stderr, "frame_fuzz: " __VA_ARGS__);			\
	fputc('\n', stderr);						\
	abort();							\
} while (0)

struct wire {
	__u8 version, type;
	__u16 flags;
	__u32 len;
};

/* The header at @b, read as tern.h describes it. */
static struct wire decode(const __u8 *b)
{
	struct wire w = {
		.version = b[0],
		.type = b[1],
		.flags = (__u16)(b[2] << 8 | b[3]),
		.len = (__u32)b[4] << 24 | (__u32)b[5] << 16 |
		       (__u32)b[6] << 8 | b[7],
	};
	return w;
}

static bool is_hb(__u8 type)
{
	return type == TERN_FRAME_PING || type == TERN_FRAME_PONG;
}

static int spec_verdict(const struct wire *w, __u32 max)
{
	if (w->version != TERN_FRAME_VERSION)
		return -EPROTO;
	if (is_hb(w->type))
		return w->len > TERN_HB_MAX_PAYLOAD ? -EBADMSG : 0;
	if (w->type < TERN_FRAME_USER_MIN)
		return -EBADMSG;
	return w->len > max ? -EMSGSIZE : 0;
}

static void *buf_alloc(struct fz *z, size_t n)
{
	void *b = malloc(n ? n : 1);

	if (!b)
		fail("out of memory");
	z->live++;
	return b;
}

static void buf_free(struct fz *z, void *b)
{
	if (!b)
		return;
	z->live--;
	free(b);
}

/* The header the parser handed over is the one at z->pos in the stream. */
static void check_hdr(const struct fz *z, const struct tern_hdr *h,
		      const char *who)
{
	struct wire w;

	if (z->pos + TERN_FRAME_HDR_LEN > z->n)
		fail("%s: frame %u at %zu is past the end of the stream (%zu)",
		     who, z->nend, z->pos, z->n);
	w = decode(z->s + z->pos);
	if (h->type != w.type || h->flags != w.flags || h->len != w.len)
		fail("%s: frame %u at %zu: type %u flags %#x len %u, the stream has type %u flags %#x len %u",
		     who, z->nend, z->pos, h->type, h->flags, h->len,
		     w.type, w.flags, w.len);
	if (spec_verdict(&w, z->max))
		fail("%s: frame %u at %zu has a header the wire format rejects",
		     who, z->nend, z->pos);
	if (h->len > z->max)
		fail("%s: frame %u: len %u over max_payload %u",
		     who, z->nend, h->len, z->max);
}

static int fz_begin(void *ctx, const struct tern_hdr *h, void **buf)
{
	struct fz *z = ctx;
	unsigned int i = z->nbegin++;

	if (z->nend != i)
		fail("begin of frame %u before the end of frame %u", i, z->nend);
	if (*buf)
		fail("begin of frame %u: *buf is not NULL", i);
	check_hdr(z, h, "begin");

	z->cur = NULL;
	if (z->inj == INJ_NULL && i == z->at)
		return 0;
	if (h->len || z->alloc_empty)
		z->cur = *buf = buf_alloc(z, h->len);
	if (z->inj == INJ_BEGIN && i == z->at) {
		if (!z->keep) {
			buf_free(z, *buf);
			z->cur = *buf = NULL;
		}
		return BEGIN_ERR;
	}
	return 0;
}

static int fz_end(void *ctx, const struct tern_hdr *h, void *buf)
{
	struct fz *z = ctx;
	unsigned int i = z->nend;

	if (i + 1 != z->nbegin)
		fail("end of frame %u, but %u begun", i, z->nbegin);
	check_hdr(z, h, "end");
	if (buf != z->cur)
		fail("end of frame %u: not the buffer begin gave", i);
	if (z->pos + TERN_FRAME_HDR_LEN + h->len > z->n)
		fail("end of frame %u: payload past the end of the stream", i);
	if (h->len && memcmp(buf, z->s + z->pos + TERN_FRAME_HDR_LEN, h->len))
		fail("end of frame %u at %zu: payload differs from the stream",
		     i, z->pos);
	z->pos += TERN_FRAME_HDR_LEN + h->len;
	z->nend++;
	/* The buffer is end's now, whatever it returns. */
	buf_free(z, buf);
	z->cur = NULL;
	if (z->inj == INJ_END && i == z->at)
		return END_ERR;
	return 0;
}

static const struct tern_parser_ops fz_ops = {
	.begin = fz_begin,
	.end = fz_end,
};

struct expect {
	int err;
	unsigned int begun, ended;
};

/* Read the stream front to back: what the parser must do with it. */
static struct expect model(const struct fz *z)
{
	__u8 built[TERN_FRAME_HDR_LEN];
	struct expect e = { 0 };
	size_t off = 0;
	unsigned int k;
	struct tern_hdr h;
	struct wire w;
	int v, real;

	for (k = 0; z->n - off >= TERN_FRAME_HDR_LEN; k++) {
		w = decode(z->s + off);
		v = spec_verdict(&w, z->max);
		real = tern_frame_hdr_parse(z->s + off, z->max, &h);
		if (real != v)
			fail("header at %zu: tern_frame_hdr_parse() returns %d, the wire format says %d",
			     off, real, v);
		if (!real && (h.type != w.type || h.flags != w.flags ||
			      h.len != w.len))
			fail("header at %zu: tern_frame_hdr_parse() misread it",
			     off);
		if (!real) {
			tern_frame_hdr_build(built, h.type, h.flags, h.len);
			if (memcmp(built, z->s + off, sizeof(built)))
				fail("header at %zu: tern_frame_hdr_build() writes it otherwise",
				     off);
		}
		if (v) {
			e.err = v;
			break;
		}
		e.begun++;
		if (z->inj == INJ_BEGIN && k == z->at) {
			e.err = BEGIN_ERR;
			break;
		}
		if (z->inj == INJ_NULL && k == z->at && w.len) {
			e.err = -ENOMEM;
			break;
		}
		if (z->n - off - TERN_FRAME_HDR_LEN < w.len)
			break;
		e.ended++;
		if (z->inj == INJ_END && k == z->at) {
			e.err = END_ERR;
			break;
		}
		off += TERN_FRAME_HDR_LEN + w.len;
	}
	return e;
}

/* After @fed bytes went in without error. */
static void check_progress(const struct fz *z, const struct tern_parser *p,
			   size_t fed)
{
	size_t r = fed - z->pos;
	__u32 want;

	if (fed != z->pos + p->hdr_have + p->have)
		fail("after %zu bytes: %zu in ended frames + %u header + %u payload bytes",
		     fed, z->pos, p->hdr_have, p->have);
	if (r == 0)
		want = 0;
	else if (r < TERN_FRAME_HDR_LEN)
		want = TERN_FRAME_HDR_LEN - r;
	else
		want = TERN_FRAME_HDR_LEN + decode(z->s + z->pos).len - r;
	if (tern_parser_mid_frame(p) != (r != 0))
		fail("after %zu bytes: mid_frame %d, %zu bytes into a frame",
		     fed, tern_parser_mid_frame(p), r);
	if (tern_parser_want(p) != want)
		fail("after %zu bytes: want %u, not %u",
		     fed, tern_parser_want(p), want);
	if (z->nbegin != z->nend + (r >= TERN_FRAME_HDR_LEN))
		fail("after %zu bytes: %u frames begun, %u ended",
		     fed, z->nbegin, z->nend);
}

static __u32 rng_next(__u32 *x)
{
	/* xorshift32 */
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const __u8 empty_frame[TERN_FRAME_HDR_LEN] = {
		TERN_FRAME_VERSION, TERN_FRAME_PING,
	};
	struct tern_parser p = { 0 };
	struct fz z = { 0 };
	struct expect e;
	__u8 cfg, split, *tail;
	__u32 x;
	size_t fed = 0, c;
	bool last_empty = false;
	void *pending;
	int ret = 0;

	if (size < CFG_LEN)
		return -1;	/* not added to the corpus */
	cfg = data[0];
	split = data[1];
	z.max = maxes[cfg & 7];
	z.inj = (cfg >> 3) & 3;
	z.alloc_empty = cfg & 0x20;
	z.keep = cfg & 0x40;
	z.at = data[2];
	z.s = data + CFG_LEN;
	z.n = size - CFG_LEN;
	x = 0x9e3779b9u ^ (__u32)cfg << 16 ^ (__u32)split << 8 ^ data[2];

	e = model(&z);
	tail = malloc(z.n ? z.n : 1);
	if (!tail)
		fail("out of memory");

	while (fed < z.n && !ret) {
		__u8 *chunk;

		if (!split) {
			c = z.n;
		} else if (split & 0x80) {
			c = (split & 0x7f) + 1;
		} else {
			c = rng_next(&x) % (1u << (split & 0xf)) + 1;
			/* Now and then an empty chunk, never two in a row. */
			if (!last_empty && !(rng_next(&x) & 7))
				c = 0;
		}
		if (c > z.n - fed)
			c = z.n - fed;
		last_empty = !c;

		/* At the very end of the heap block: ASan sees a read past it. */
		chunk = tail + z.n - c;
		memcpy(chunk, z.s + fed, c);
		ret = tern_parser_feed(&p, z.max, chunk, c, &fz_ops, &z);
		fed += c;
		if (!ret)
			check_progress(&z, &p, fed);
	}

	free(tail);
	if (ret != e.err)
		fail("the parser returned %d, the stream (max_payload %u, injection %d at frame %u) says %d",
		     ret, z.max, z.inj, z.at, e.err);
	if (z.nbegin != e.begun || z.nend != e.ended)
		fail("%u frames begun and %u ended, the stream has %u and %u",
		     z.nbegin, z.nend, e.begun, e.ended);
	if (ret == END_ERR && tern_parser_mid_frame(&p))
		fail("mid-frame after end returned an error");

	pending = tern_parser_reset(&p);
	if (pending != z.cur)
		fail("tern_parser_reset() returned %p, the frame in progress has %p",
		     pending, z.cur);
	buf_free(&z, pending);
	if (z.live)
		fail("%ld payload buffers not freed", z.live);
	if (tern_parser_mid_frame(&p) || tern_parser_want(&p))
		fail("reset left a frame in progress");
	if (tern_parser_reset(&p))
		fail("a second reset returned a buffer");

	/* The parser starts again from scratch. */
	memset(&z, 0, sizeof(z));
	z.s = empty_frame;
	z.n = sizeof(empty_frame);
	z.max = TERN_MAX_FRAME_MIN;
	ret = tern_parser_feed(&p, z.max, empty_frame, sizeof(empty_frame),
			       &fz_ops, &z);
	if (ret || z.nbegin != 1 || z.nend != 1 || tern_parser_mid_frame(&p))
		fail("after reset, a PING read as %d, %u begun, %u ended",
		     ret, z.nbegin, z.nend);
	return 0;
}
