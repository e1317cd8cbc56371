// SPDX-License-Identifier: GPL-2.0
/*
 * The wire-frame header parser and the incremental stream parser
 * (kmod/frame.c), checked on the host:
 *
 *  - header round trip and byte layout at the boundary values of each field,
 *    and every rejection with its errno;
 *  - a stream of frames fed in every chunk size, every split in two, every
 *    split in three of a shorter stream and random splits yields the same
 *    frames in order, and after each chunk the callbacks called so far,
 *    tern_parser_mid_frame() and tern_parser_want() match a model of the
 *    stream;
 *  - callback errors, NULL buffers and tern_parser_reset().
 *
 * Every chunk is fed from a heap copy of exactly its size and every payload
 * buffer is allocated to exactly the payload length, so ASan catches a read
 * or write past either. Buffers handed out are counted, and each test ends
 * with a leak check.
 *
 * Random splits use a fixed seed; TERN_FRAME_SEED=<n> picks another.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/tern.h>
#include "frame.h"

#include "kselftest_harness.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define HAVE_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/lsan_interface.h>
#define HAVE_LSAN 1
#endif
#endif

#define MAX_FRAMES	32
#define STREAM_MAX	4096
/* The bound the stream tests parse with; one frame is exactly this long. */
#define STREAM_MAX_PAYLOAD	1024

/* Payload buffers handed out by the begin callback and not yet freed. */
static long live_bufs;

static void *buf_alloc(size_t n)
{
	/* Exactly n bytes, so that ASan sees a write past the payload. */
	void *b = malloc(n ? n : 1);

	if (b)
		live_bufs++;
	return b;
}

static void buf_free(void *b)
{
	if (!b)
		return;
	live_bufs--;
	free(b);
}

/* ---- Headers, written independently of tern_frame_hdr_build() ---- */

static void put_hdr(__u8 *b, __u8 version, __u8 type, __u16 flags, __u32 len)
{
	b[0] = version;
	b[1] = type;
	b[2] = flags >> 8;
	b[3] = flags;
	b[4] = len >> 24;
	b[5] = len >> 16;
	b[6] = len >> 8;
	b[7] = len;
}

static bool is_hb(__u8 type)
{
	return type == TERN_FRAME_PING || type == TERN_FRAME_PONG;
}

/* What the wire format says a header deserves (tern.h). */
static int spec_verdict(__u8 version, __u8 type, __u32 len, __u32 max)
{
	if (version != TERN_FRAME_VERSION)
		return -EPROTO;
	if (is_hb(type))
		return len > TERN_HB_MAX_PAYLOAD ? -EBADMSG : 0;
	if (type < TERN_FRAME_USER_MIN)
		return -EBADMSG;
	return len > max ? -EMSGSIZE : 0;
}

static int parse(__u8 version, __u8 type, __u16 flags, __u32 len, __u32 max,
		 struct tern_hdr *h)
{
	__u8 b[TERN_FRAME_HDR_LEN];

	put_hdr(b, version, type, flags, len);
	memset(h, 0xa5, sizeof(*h));
	return tern_frame_hdr_parse(b, max, h);
}

/* ---- A stream of frames and what parsing it must yield ---- */

struct exp_frame {
	__u8 type;
	__u16 flags;
	__u32 len;
	size_t off;		/* of the header in the stream */
};

struct stream {
	__u8 buf[STREAM_MAX];
	size_t len;
	unsigned int n;
	struct exp_frame f[MAX_FRAMES];
};

/* A payload pattern that differs between frames and positions. */
static __u8 fill_byte(unsigned int frame, __u32 pos)
{
	return (__u8)(frame * 131 + pos * 7 + (pos >> 8) * 13 + 0x5a);
}

static void put_frame(struct stream *s, __u8 type, __u16 flags, __u32 len)
{
	struct exp_frame *f = &s->f[s->n];
	__u32 i;

	if (s->n >= MAX_FRAMES || s->len + TERN_FRAME_HDR_LEN + len > STREAM_MAX)
		abort();
	f->type = type;
	f->flags = flags;
	f->len = len;
	f->off = s->len;
	put_hdr(s->buf + s->len, TERN_FRAME_VERSION, type, flags, len);
	s->len += TERN_FRAME_HDR_LEN;
	for (i = 0; i < len; i++)
		s->buf[s->len++] = fill_byte(s->n, i);
	s->n++;
}

/* Append raw bytes (a bad header, say) that are not a frame. */
static void put_raw(struct stream *s, const __u8 *b, size_t n)
{
	if (s->len + n > STREAM_MAX)
		abort();
	memcpy(s->buf + s->len, b, n);
	s->len += n;
}

/*
 * Every kind of frame, at the edges: empty frames first, last and in the
 * middle, heartbeats at their limit, one frame at the parser's bound, one
 * longer than most chunks, every flag bit and the extreme types.
 */
static void big_stream(struct stream *s)
{
	memset(s, 0, sizeof(*s));
	put_frame(s, TERN_FRAME_PING, 0, 0);
	put_frame(s, TERN_FRAME_USER_MIN, 0x0001, 1);
	put_frame(s, TERN_FRAME_PONG, 0xffff, TERN_HB_MAX_PAYLOAD);
	put_frame(s, 255, 0x8000, 0);
	put_frame(s, 128, 0x1234, 37);
	put_frame(s, 17, 0, 0);
	put_frame(s, 200, 0x00ff, 300);
	put_frame(s, TERN_FRAME_PING, 0xff00, TERN_HB_MAX_PAYLOAD);
	put_frame(s, 254, 0x7fff, STREAM_MAX_PAYLOAD);
	put_frame(s, TERN_FRAME_PONG, 0, 0);
	put_frame(s, TERN_FRAME_USER_MIN, 0xffff, 0);
}

/* Short enough to try every split in three. */
static void small_stream(struct stream *s)
{
	memset(s, 0, sizeof(*s));
	put_frame(s, TERN_FRAME_PING, 0, 0);
	put_frame(s, 16, 0x0102, 3);
	put_frame(s, 255, 0, 0);
	put_frame(s, TERN_FRAME_PONG, 0xffff, 5);
	put_frame(s, 42, 0x8001, 1);
	put_frame(s, 43, 0, 0);
}

/*
 * The state after the first @off bytes of @s: callbacks called, whether a
 * frame is in progress and the bytes it still needs.
 */
struct model {
	unsigned int begun, ended;
	bool mid;
	__u32 want;
};

static struct model model_at(const struct stream *s, size_t off)
{
	struct model m = { 0 };
	unsigned int i;

	for (i = 0; i < s->n; i++) {
		size_t start = s->f[i].off;
		size_t hend = start + TERN_FRAME_HDR_LEN;
		size_t end = hend + s->f[i].len;

		if (end <= off) {
			m.begun++;
			m.ended++;
		} else if (hend <= off) {
			m.begun++;
			m.mid = true;
			m.want = end - off;
		} else if (start < off) {
			m.mid = true;
			m.want = hend - off;
		}
	}
	return m;
}

/* ---- Callbacks that record and check what the parser hands them ---- */

struct rec {
	/* Behaviour, -1 for "never". */
	int begin_err_at;	/* frame whose begin returns begin_err */
	int begin_err;
	bool begin_err_keeps_buf;	/* ... after setting *buf */
	int end_err_at;		/* frame whose end returns end_err */
	int end_err;
	int null_at;		/* frame whose begin leaves *buf NULL */
	bool alloc_empty;	/* a buffer for empty payloads too */
	__u32 max;
	const struct stream *s;	/* payloads to compare with, if any */

	/* What happened. */
	unsigned int nbegin, nend;
	struct tern_hdr begun[MAX_FRAMES];
	struct tern_hdr ended[MAX_FRAMES];
	void *cur;		/* buffer of the frame begun */
	bool bad;
	char why[256];
};

static void rec_init(struct rec *r, const struct stream *s, __u32 max)
{
	memset(r, 0, sizeof(*r));
	r->begin_err_at = -1;
	r->end_err_at = -1;
	r->null_at = -1;
	r->max = max;
	r->s = s;
}

__attribute__((format(printf, 2, 3)))
static void rec_bad(struct rec *r, const char *fmt, ...)
{
	va_list ap;

	if (r->bad)
		return;
	r->bad = true;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
}

static int rec_begin(void *ctx, const struct tern_hdr *h, void **buf)
{
	struct rec *r = ctx;
	unsigned int i = r->nbegin++;

	if (i >= MAX_FRAMES) {
		rec_bad(r, "begin: more than %d frames", MAX_FRAMES);
		return -E2BIG;
	}
	r->begun[i] = *h;
	if (r->nend != i)
		rec_bad(r, "begin of frame %u before the end of frame %u",
			i, r->nend);
	/* frame.h lets begin leave *buf alone for an empty payload. */
	if (*buf)
		rec_bad(r, "begin of frame %u: *buf is %p, not NULL", i, *buf);
	if (h->len > r->max && !(is_hb(h->type) && h->len <= TERN_HB_MAX_PAYLOAD))
		rec_bad(r, "begin of frame %u: len %u over max %u",
			i, h->len, r->max);
	if (r->s && i < r->s->n &&
	    (h->type != r->s->f[i].type || h->flags != r->s->f[i].flags ||
	     h->len != r->s->f[i].len))
		rec_bad(r, "begin of frame %u: got type %u flags %#x len %u, want type %u flags %#x len %u",
			i, h->type, h->flags, h->len, r->s->f[i].type,
			r->s->f[i].flags, r->s->f[i].len);

	r->cur = NULL;
	if ((int)i != r->null_at && (h->len || r->alloc_empty)) {
		*buf = buf_alloc(h->len);
		r->cur = *buf;
	}
	if ((int)i == r->begin_err_at) {
		if (!r->begin_err_keeps_buf) {
			buf_free(*buf);
			*buf = NULL;
			r->cur = NULL;
		}
		return r->begin_err;
	}
	return 0;
}

static int rec_end(void *ctx, const struct tern_hdr *h, void *buf)
{
	struct rec *r = ctx;
	unsigned int i = r->nend++;
	__u32 k;

	if (i >= r->nbegin || i >= MAX_FRAMES) {
		rec_bad(r, "end of frame %u, never begun", i);
		buf_free(buf);
		return -EINVAL;
	}
	r->ended[i] = *h;
	if (buf != r->cur)
		rec_bad(r, "end of frame %u: buffer %p, begin gave %p",
			i, buf, r->cur);
	if (h->type != r->begun[i].type || h->flags != r->begun[i].flags ||
	    h->len != r->begun[i].len)
		rec_bad(r, "end of frame %u: header differs from begin's", i);
	if (r->s && i < r->s->n && buf == r->cur && h->len) {
		const __u8 *want = r->s->buf + r->s->f[i].off +
				   TERN_FRAME_HDR_LEN;
		const __u8 *got = buf;

		for (k = 0; k < h->len; k++) {
			if (got[k] != want[k]) {
				rec_bad(r, "frame %u payload byte %u: %#x, want %#x",
					i, k, got[k], want[k]);
				break;
			}
		}
	}
	/* end owns the buffer now, whatever it returns. */
	buf_free(buf);
	r->cur = NULL;
	if ((int)i == r->end_err_at)
		return r->end_err;
	return 0;
}

static const struct tern_parser_ops rec_ops = {
	.begin = rec_begin,
	.end = rec_end,
};

/* Feed @n bytes from a heap copy of exactly that size. */
static int feed(struct tern_parser *p, __u32 max, const __u8 *data, size_t n,
		struct rec *r)
{
	__u8 *copy = malloc(n ? n : 1);
	int ret;

	if (!copy)
		abort();
	memcpy(copy, data, n);
	ret = tern_parser_feed(p, max, copy, n, &rec_ops, r);
	free(copy);
	return ret;
}

/*
 * Feed all of @s in the chunks @chunks (summing to s->len; zero-length
 * chunks allowed) and check, after each, the callbacks so far and the
 * parser's view of the frame in progress; at the end, every frame.
 */
static void check_split(struct __test_metadata *_metadata,
			const struct stream *s, const size_t *chunks,
			size_t nchunks, const char *what)
{
	struct tern_parser p = { 0 };
	struct model m;
	struct rec r;
	size_t off = 0, i;
	unsigned int k;
	int ret;

	rec_init(&r, s, STREAM_MAX_PAYLOAD);
	for (i = 0; i < nchunks; i++) {
		ret = feed(&p, STREAM_MAX_PAYLOAD, s->buf + off, chunks[i], &r);
		off += chunks[i];
		ASSERT_EQ(0, ret) TH_LOG("%s: chunk %zu (%zu bytes, ending at %zu)",
					 what, i, chunks[i], off);
		ASSERT_FALSE(r.bad) TH_LOG("%s: chunk %zu ending at %zu: %s",
					   what, i, off, r.why);
		m = model_at(s, off);
		ASSERT_EQ(m.begun, r.nbegin)
			TH_LOG("%s: frames begun after %zu bytes", what, off);
		ASSERT_EQ(m.ended, r.nend)
			TH_LOG("%s: frames ended after %zu bytes", what, off);
		ASSERT_EQ(m.mid, tern_parser_mid_frame(&p))
			TH_LOG("%s: mid_frame after %zu bytes", what, off);
		ASSERT_EQ(m.want, tern_parser_want(&p))
			TH_LOG("%s: want after %zu bytes", what, off);
	}
	ASSERT_EQ(s->len, off) TH_LOG("%s: chunks do not cover the stream", what);
	ASSERT_EQ(s->n, r.nend) TH_LOG("%s", what);
	for (k = 0; k < s->n; k++) {
		ASSERT_EQ(s->f[k].type, r.ended[k].type) TH_LOG("%s: frame %u", what, k);
		ASSERT_EQ(s->f[k].flags, r.ended[k].flags) TH_LOG("%s: frame %u", what, k);
		ASSERT_EQ(s->f[k].len, r.ended[k].len) TH_LOG("%s: frame %u", what, k);
	}
	ASSERT_NULL(tern_parser_reset(&p));
	ASSERT_EQ(0, live_bufs) TH_LOG("%s: payload buffers leaked", what);
}

/* Deterministic randomness for the random splits. */
static __u64 rng_state;

static __u64 rng_seed(void)
{
	const char *env = getenv("TERN_FRAME_SEED");
	__u64 seed = env ? strtoull(env, NULL, 0) : 0x7465726e2d6672ULL;

	rng_state = seed ? seed : 1;
	return seed;
}

static __u64 rng(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static __u32 rng_below(__u32 n)
{
	return (__u32)(rng() % n);
}

/* Each test starts from no live buffers and ends with none, nor leaks. */
FIXTURE(frame) {
	struct tern_parser p;
	struct rec r;
	struct stream s;
};

FIXTURE_SETUP(frame)
{
	memset(&self->p, 0, sizeof(self->p));
	live_bufs = 0;
	big_stream(&self->s);
	rec_init(&self->r, &self->s, STREAM_MAX_PAYLOAD);
}

FIXTURE_TEARDOWN(frame)
{
	EXPECT_EQ(0, live_bufs) TH_LOG("payload buffers not freed");
#ifdef HAVE_LSAN
	EXPECT_EQ(0, __lsan_do_recoverable_leak_check())
		TH_LOG("LeakSanitizer found leaks (report above)");
#endif
}

/* ---- Headers ---- */

/* The built bytes are struct tern_frame_hdr, big-endian. */
TEST_F(frame, hdr_layout)
{
	__u8 b[TERN_FRAME_HDR_LEN], want[TERN_FRAME_HDR_LEN] = {
		TERN_FRAME_VERSION, 0xab, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef,
	};
	struct tern_frame_hdr wire;

	ASSERT_EQ(TERN_FRAME_HDR_LEN, sizeof(struct tern_frame_hdr));
	memset(b, 0x5c, sizeof(b));
	tern_frame_hdr_build(b, 0xab, 0x1234, 0xdeadbeef);
	ASSERT_EQ(0, memcmp(b, want, sizeof(b)));

	memcpy(&wire, b, sizeof(wire));
	EXPECT_EQ(TERN_FRAME_VERSION, wire.version);
	EXPECT_EQ(0xab, wire.type);
	EXPECT_EQ(0x1234, ntohs(wire.flags));
	EXPECT_EQ(0xdeadbeef, ntohl(wire.len));
}

/* Build then parse, at the boundary values of every field. */
TEST_F(frame, hdr_round_trip)
{
	static const __u8 types[] = {
		TERN_FRAME_PING, TERN_FRAME_PONG, TERN_FRAME_USER_MIN,
		TERN_FRAME_USER_MIN + 1, 0x7f, 0x80, 0xfe, 0xff,
	};
	static const __u16 flags[] = {
		0, 1, 0x00ff, 0x0100, 0x7fff, 0x8000, 0xfffe, 0xffff,
	};
	static const __u32 lens[] = {
		0, 1, TERN_HB_MAX_PAYLOAD, TERN_HB_MAX_PAYLOAD + 1, 0xff, 0x100,
		TERN_FRAME_MAX_PAYLOAD, TERN_FRAME_MAX_PAYLOAD + 1, 0xffff,
		0x10000, 0xffffff, 0x1000000, 0x7fffffff, 0x80000000,
		0xfffffffe, 0xffffffff,
	};
	__u8 b[TERN_FRAME_HDR_LEN], want[TERN_FRAME_HDR_LEN];
	unsigned int t, f, l;
	struct tern_hdr h;
	int ret;

	for (t = 0; t < ARRAY_SIZE(types); t++) {
		for (f = 0; f < ARRAY_SIZE(flags); f++) {
			for (l = 0; l < ARRAY_SIZE(lens); l++) {
				tern_frame_hdr_build(b, types[t], flags[f], lens[l]);
				put_hdr(want, TERN_FRAME_VERSION, types[t],
					flags[f], lens[l]);
				ASSERT_EQ(0, memcmp(b, want, sizeof(b)))
					TH_LOG("built type %u flags %#x len %u",
					       types[t], flags[f], lens[l]);

				memset(&h, 0xa5, sizeof(h));
				ret = tern_frame_hdr_parse(b, UINT32_MAX, &h);
				if (is_hb(types[t]) && lens[l] > TERN_HB_MAX_PAYLOAD) {
					ASSERT_EQ(-EBADMSG, ret);
					continue;
				}
				ASSERT_EQ(0, ret) TH_LOG("type %u flags %#x len %u",
							 types[t], flags[f], lens[l]);
				ASSERT_EQ(types[t], h.type);
				ASSERT_EQ(flags[f], h.flags);
				ASSERT_EQ(lens[l], h.len);
			}
		}
	}
}

/* Flags are opaque: every value survives, whatever the type. */
TEST_F(frame, hdr_every_flags_value)
{
	__u8 b[TERN_FRAME_HDR_LEN];
	struct tern_hdr h;
	__u32 f;

	for (f = 0; f <= 0xffff; f++) {
		tern_frame_hdr_build(b, f & 1 ? TERN_FRAME_PING : 0x99, f, 7);
		ASSERT_EQ(0, tern_frame_hdr_parse(b, 7, &h)) TH_LOG("flags %#x", f);
		ASSERT_EQ(f, h.flags);
		ASSERT_EQ(7, h.len);
	}
}

TEST_F(frame, hdr_bad_version)
{
	static const __u8 types[] = { TERN_FRAME_PING, TERN_FRAME_PONG, 16, 255 };
	struct tern_hdr h;
	unsigned int v, t;

	for (v = 0; v <= 0xff; v++) {
		for (t = 0; t < ARRAY_SIZE(types); t++) {
			int want = v == TERN_FRAME_VERSION ? 0 : -EPROTO;

			EXPECT_EQ(want, parse(v, types[t], 0x4242, 0, 64, &h))
				TH_LOG("version %u type %u", v, types[t]);
			EXPECT_EQ(want, parse(v, types[t], 0, TERN_HB_MAX_PAYLOAD,
					      TERN_FRAME_MAX_PAYLOAD, &h))
				TH_LOG("version %u type %u", v, types[t]);
		}
	}
}

/* Type 0 is invalid, 3..15 are reserved: -EBADMSG, at any length. */
TEST_F(frame, hdr_every_type)
{
	static const __u32 lens[] = { 0, 1, TERN_HB_MAX_PAYLOAD, 64 };
	struct tern_hdr h;
	unsigned int t, l;
	int want, ret;

	for (t = 0; t <= 0xff; t++) {
		for (l = 0; l < ARRAY_SIZE(lens); l++) {
			want = spec_verdict(TERN_FRAME_VERSION, t, lens[l],
					    TERN_FRAME_MAX_PAYLOAD);
			if (t == 0 || (t >= 3 && t <= 15))
				ASSERT_EQ(-EBADMSG, want);
			ret = parse(TERN_FRAME_VERSION, t, 0, lens[l],
				    TERN_FRAME_MAX_PAYLOAD, &h);
			ASSERT_EQ(want, ret) TH_LOG("type %u len %u", t, lens[l]);
			if (!ret) {
				ASSERT_EQ(t, h.type);
				ASSERT_EQ(lens[l], h.len);
			}
		}
	}
}

/* PING/PONG payloads are at most TERN_HB_MAX_PAYLOAD, whatever the bound. */
TEST_F(frame, hdr_heartbeat_len)
{
	static const __u32 maxes[] = {
		TERN_MAX_FRAME_MIN, TERN_FRAME_MAX_PAYLOAD, UINT32_MAX,
	};
	static const __u32 bad[] = {
		TERN_HB_MAX_PAYLOAD + 1, 0x100, TERN_MAX_FRAME_MIN,
		TERN_FRAME_MAX_PAYLOAD, 0x80000000, UINT32_MAX,
	};
	struct tern_hdr h;
	unsigned int m, i;
	__u8 t;
	__u32 l;

	for (t = TERN_FRAME_PING; t <= TERN_FRAME_PONG; t++) {
		for (m = 0; m < ARRAY_SIZE(maxes); m++) {
			for (l = 0; l <= TERN_HB_MAX_PAYLOAD; l++) {
				ASSERT_EQ(0, parse(TERN_FRAME_VERSION, t, 0xffff,
						   l, maxes[m], &h))
					TH_LOG("type %u len %u max %u", t, l, maxes[m]);
				ASSERT_EQ(t, h.type);
				ASSERT_EQ(l, h.len);
				ASSERT_EQ(0xffff, h.flags);
			}
			for (i = 0; i < ARRAY_SIZE(bad); i++)
				ASSERT_EQ(-EBADMSG, parse(TERN_FRAME_VERSION, t, 0,
							  bad[i], maxes[m], &h))
					TH_LOG("type %u len %u max %u",
					       t, bad[i], maxes[m]);
		}
	}
}

/* len == max is accepted, len > max is -EMSGSIZE. */
TEST_F(frame, hdr_max_payload)
{
	static const __u32 maxes[] = {
		0, 1, TERN_MAX_FRAME_MIN, 4096, TERN_FRAME_MAX_PAYLOAD,
		0x7fffffff, 0xfffffffe,
	};
	static const __u8 types[] = { TERN_FRAME_USER_MIN, 0x80, 0xff };
	struct tern_hdr h;
	unsigned int m, t;

	for (m = 0; m < ARRAY_SIZE(maxes); m++) {
		__u32 max = maxes[m];

		for (t = 0; t < ARRAY_SIZE(types); t++) {
			ASSERT_EQ(0, parse(TERN_FRAME_VERSION, types[t], 0, max,
					   max, &h))
				TH_LOG("type %u len == max == %u", types[t], max);
			ASSERT_EQ(max, h.len);
			if (max)
				ASSERT_EQ(0, parse(TERN_FRAME_VERSION, types[t],
						   0, max - 1, max, &h));
			ASSERT_EQ(-EMSGSIZE, parse(TERN_FRAME_VERSION, types[t],
						   0, max + 1, max, &h))
				TH_LOG("type %u len %u max %u", types[t], max + 1, max);
			ASSERT_EQ(-EMSGSIZE, parse(TERN_FRAME_VERSION, types[t],
						   0, UINT32_MAX, max, &h));
		}
	}
	/* The whole range is allowed when the bound is. */
	ASSERT_EQ(0, parse(TERN_FRAME_VERSION, 16, 0, UINT32_MAX, UINT32_MAX, &h));
	ASSERT_EQ(UINT32_MAX, h.len);
}

/* ---- The stream parser ---- */

TEST_F(frame, stream_whole)
{
	size_t one = self->s.len;

	check_split(_metadata, &self->s, &one, 1, "whole");
}

/* Chunks of every size from 1 byte to the whole stream. */
TEST_F(frame, stream_every_chunk_size)
{
	static size_t chunks[STREAM_MAX];
	size_t c, n, off;
	char what[64];

	for (c = 1; c <= self->s.len; c++) {
		for (n = 0, off = 0; off < self->s.len; off += chunks[n++])
			chunks[n] = c < self->s.len - off ? c : self->s.len - off;
		snprintf(what, sizeof(what), "chunks of %zu", c);
		check_split(_metadata, &self->s, chunks, n, what);
	}
}

/* Every cut in two, from none to all. */
TEST_F(frame, stream_every_split_in_two)
{
	size_t chunks[2], i;
	char what[64];

	for (i = 0; i <= self->s.len; i++) {
		chunks[0] = i;
		chunks[1] = self->s.len - i;
		snprintf(what, sizeof(what), "cut at %zu", i);
		check_split(_metadata, &self->s, chunks, 2, what);
	}
}

/* Every cut in three of a shorter stream. */
TEST_F(frame, stream_every_split_in_three)
{
	size_t chunks[3], i, j;
	struct stream s;
	char what[64];

	small_stream(&s);
	for (i = 0; i <= s.len; i++) {
		for (j = i; j <= s.len; j++) {
			chunks[0] = i;
			chunks[1] = j - i;
			chunks[2] = s.len - j;
			snprintf(what, sizeof(what), "cuts at %zu and %zu", i, j);
			check_split(_metadata, &s, chunks, 3, what);
		}
	}
}

/* Random chunk sizes, small and large, with empty chunks among them. */
TEST_F(frame, stream_random_splits)
{
	static const __u32 spans[] = { 2, 9, 17, 64, 700, STREAM_MAX };
	static size_t chunks[2 * STREAM_MAX];
	__u64 seed = rng_seed();
	unsigned int iter;
	size_t n, off, c;
	__u32 span;
	char what[96];

	for (iter = 0; iter < 3000; iter++) {
		span = spans[rng_below(ARRAY_SIZE(spans))];
		for (n = 0, off = 0; off < self->s.len; n++) {
			c = rng_below(8) || n > self->s.len ?
			    1 + rng_below(span) : 0;
			if (c > self->s.len - off)
				c = self->s.len - off;
			chunks[n] = c;
			off += c;
		}
		snprintf(what, sizeof(what),
			 "seed %#llx iteration %u (chunks up to %u)",
			 (unsigned long long)seed, iter, span);
		check_split(_metadata, &self->s, chunks, n, what);
	}
}

/* Buffers for empty payloads, when begin hands some, reach end too. */
TEST_F(frame, stream_empty_payload_buffers)
{
	size_t c, off;
	unsigned int k;

	for (c = 1; c <= 3 * TERN_FRAME_HDR_LEN; c++) {
		memset(&self->p, 0, sizeof(self->p));
		rec_init(&self->r, &self->s, STREAM_MAX_PAYLOAD);
		self->r.alloc_empty = true;
		for (off = 0; off < self->s.len; off += c) {
			size_t n = c < self->s.len - off ? c : self->s.len - off;

			ASSERT_EQ(0, feed(&self->p, STREAM_MAX_PAYLOAD,
					  self->s.buf + off, n, &self->r));
		}
		ASSERT_FALSE(self->r.bad) TH_LOG("%s", self->r.why);
		ASSERT_EQ(self->s.n, self->r.nend);
		for (k = 0; k < self->s.n; k++)
			ASSERT_EQ(self->s.f[k].len, self->r.ended[k].len);
		ASSERT_EQ(0, live_bufs);
	}
}

/*
 * A zero-length frame is delivered as soon as its header is complete, also
 * when that is exactly the end of a chunk, and leaves the parser idle.
 */
TEST_F(frame, zero_length_frames)
{
	struct stream s;
	unsigned int i;

	memset(&s, 0, sizeof(s));
	put_frame(&s, TERN_FRAME_PING, 0, 0);
	put_frame(&s, TERN_FRAME_PONG, 0, 0);
	put_frame(&s, 16, 0xffff, 0);
	put_frame(&s, 255, 0, 0);
	self->r.s = &s;

	/* One header per chunk: each chunk ends exactly on a frame. */
	for (i = 0; i < s.n; i++) {
		ASSERT_EQ(0, feed(&self->p, STREAM_MAX_PAYLOAD,
				  s.buf + i * TERN_FRAME_HDR_LEN,
				  TERN_FRAME_HDR_LEN, &self->r));
		ASSERT_FALSE(self->r.bad) TH_LOG("%s", self->r.why);
		ASSERT_EQ(i + 1, self->r.nbegin);
		ASSERT_EQ(i + 1, self->r.nend);
		ASSERT_FALSE(tern_parser_mid_frame(&self->p));
		ASSERT_EQ(0, tern_parser_want(&self->p));
	}
	ASSERT_NULL(tern_parser_reset(&self->p));
}

/* A zero-length frame after a payload, its header last in a chunk. */
TEST_F(frame, zero_length_at_chunk_boundary)
{
	struct stream s;
	size_t cut;

	memset(&s, 0, sizeof(s));
	put_frame(&s, 16, 0, 5);
	put_frame(&s, 17, 0x0101, 0);
	put_frame(&s, 18, 0, 3);
	self->r.s = &s;

	/* First chunk: frame 0, then the header of frame 1, in pieces. */
	cut = s.f[1].off + TERN_FRAME_HDR_LEN;
	ASSERT_EQ(0, feed(&self->p, STREAM_MAX_PAYLOAD, s.buf, 3, &self->r));
	ASSERT_EQ(0, feed(&self->p, STREAM_MAX_PAYLOAD, s.buf + 3, cut - 3,
			  &self->r));
	ASSERT_FALSE(self->r.bad) TH_LOG("%s", self->r.why);
	ASSERT_EQ(2, self->r.nend);
	ASSERT_FALSE(tern_parser_mid_frame(&self->p));
	ASSERT_EQ(0, tern_parser_want(&self->p));
	ASSERT_EQ(0x0101, self->r.ended[1].flags);
	ASSERT_EQ(0, self->r.ended[1].len);

	/* The rest: frame 2 only, nothing delivered twice. */
	ASSERT_EQ(0, feed(&self->p, STREAM_MAX_PAYLOAD, s.buf + cut,
			  s.len - cut, &self->r));
	ASSERT_FALSE(self->r.bad) TH_LOG("%s", self->r.why);
	ASSERT_EQ(3, self->r.nbegin);
	ASSERT_EQ(3, self->r.nend);
	ASSERT_EQ(18, self->r.ended[2].type);
	ASSERT_FALSE(tern_parser_mid_frame(&self->p));
}

/* mid_frame and want, byte by byte through one frame. */
TEST_F(frame, mid_frame_and_want)
{
	struct stream s;
	size_t i;

	memset(&s, 0, sizeof(s));
	put_frame(&s, 99, 0, 10);
	self->r.s = &s;

	ASSERT_FALSE(tern_parser_mid_frame(&self->p));
	ASSERT_EQ(0, tern_parser_want(&self->p));
	for (i = 0; i < s.len; i++) {
		ASSERT_EQ(0, feed(&self->p, STREAM_MAX_PAYLOAD, s.buf + i, 1,
				  &self->r));
		if (i + 1 < TERN_FRAME_HDR_LEN) {
			ASSERT_EQ(0, self->r.nbegin);
			ASSERT_TRUE(tern_parser_mid_frame(&self->p));
			ASSERT_EQ(TERN_FRAME_HDR_LEN - (i + 1),
				  tern_parser_want(&self->p)) TH_LOG("byte %zu", i);
		} else if (i + 1 < s.len) {
			ASSERT_EQ(1, self->r.nbegin);
			ASSERT_EQ(0, self->r.nend);
			ASSERT_TRUE(tern_parser_mid_frame(&self->p));
			ASSERT_EQ(s.len - (i + 1), tern_parser_want(&self->p))
				TH_LOG("byte %zu", i);
		}
	}
	ASSERT_FALSE(self->r.bad) TH_LOG("%s", self->r.why);
	ASSERT_EQ(1, self->r.nend);
	ASSERT_FALSE(tern_parser_mid_frame(&self->p));
	ASSERT_EQ(0, tern_parser_want(&self->p));
}

/* Feeding nothing changes nothing, in any state. */
TEST_F(frame, empty_feed)
{
	size_t off;
	struct model m;

	for (off = 0; off <= self->s.len; off++) {
		m = model_at(&self->s, off);
		ASSERT_EQ(0, feed(&self->p, STREAM_MAX_PAYLOAD, self->s.buf, 0,
				  &self->r));
		ASSERT_EQ(m.begun, self->r.nbegin);
		ASSERT_EQ(m.ended, self->r.nend);
		ASSERT_EQ(m.mid, tern_parser_mid_frame(&self->p));
		ASSERT_EQ(m.want, tern_parser_want(&self->p));
		if (off < self->s.len)
			ASSERT_EQ(0, feed(&self->p, STREAM_MAX_PAYLOAD,
					  self->s.buf + off, 1, &self->r));
	}
	ASSERT_FALSE(self->r.bad) TH_LOG("%s", self->r.why);
	ASSERT_EQ(self->s.n, self->r.nend);
}

/*
 * An error from begin, at each frame and with the stream fed whole or byte
 * by byte, is returned and stops the parser: nothing after that header is
 * consumed and no callback runs again. A buffer begin set before failing is
 * the pending buffer tern_parser_reset() returns.
 */
TEST_F(frame, begin_error_stops)
{
	static const size_t sizes[] = { 1, 7, 64 };
	unsigned int k, z, keep;
	size_t off, c, n;
	int ret;
	void *pending;

	for (keep = 0; keep < 2; keep++) {
		for (z = 0; z <= ARRAY_SIZE(sizes); z++) {
			for (k = 0; k < self->s.n; k++) {
				c = z < ARRAY_SIZE(sizes) ?
				    sizes[z] : self->s.len;
				memset(&self->p, 0, sizeof(self->p));
				rec_init(&self->r, &self->s, STREAM_MAX_PAYLOAD);
				self->r.begin_err_at = k;
				self->r.begin_err = -EIO;
				self->r.begin_err_keeps_buf = keep;
				ret = 0;
				for (off = 0; off < self->s.len && !ret; off += n) {
					n = c < self->s.len - off ? c : self->s.len - off;
					ret = feed(&self->p, STREAM_MAX_PAYLOAD,
						   self->s.buf + off, n, &self->r);
				}
				ASSERT_EQ(-EIO, ret) TH_LOG("frame %u chunks %zu", k, c);
				ASSERT_FALSE(self->r.bad) TH_LOG("%s", self->r.why);
				ASSERT_EQ(k + 1, self->r.nbegin);
				ASSERT_EQ(k, self->r.nend);
				/* The chunk holding the header's last byte was the last fed. */
				ASSERT_LE(self->s.f[k].off + TERN_FRAME_HDR_LEN, off);
				ASSERT_GT(self->s.f[k].off + TERN_FRAME_HDR_LEN + c, off);

				pending = tern_parser_reset(&self->p);
				/* The buffer begin kept, if it did. */
				ASSERT_EQ(self->r.cur, pending);
				ASSERT_EQ(keep && self->s.f[k].len, pending != NULL);
				buf_free(pending);
				ASSERT_FALSE(tern_parser_mid_frame(&self->p));
				ASSERT_EQ(0, live_bufs) TH_LOG("frame %u", k);
			}
		}
	}
}

/*
 * An error from end is returned and stops the parser; the frame's buffer
 * went to end with it, and the parser is idle.
 */
TEST_F(frame, end_error_stops)
{
	unsigned int k, whole;
	size_t off, n;
	int ret;

	for (whole = 0; whole < 2; whole++) {
		for (k = 0; k < self->s.n; k++) {
			memset(&self->p, 0, sizeof(self->p));
			rec_init(&self->r, &self->s, STREAM_MAX_PAYLOAD);
			self->r.end_err_at = k;
			self->r.end_err = -ECANCELED;
			ret = 0;
			for (off = 0; off < self->s.len && !ret; off += n) {
				n = whole ? self->s.len : 1;
				ret = feed(&self->p, STREAM_MAX_PAYLOAD,
					   self->s.buf + off, n, &self->r);
			}
			ASSERT_EQ(-ECANCELED, ret) TH_LOG("frame %u", k);
			ASSERT_FALSE(self->r.bad) TH_LOG("%s", self->r.why);
			ASSERT_EQ(k + 1, self->r.nbegin) TH_LOG("frame %u", k);
			ASSERT_EQ(k + 1, self->r.nend) TH_LOG("frame %u", k);
			if (!whole)
				ASSERT_EQ(self->s.f[k].off + TERN_FRAME_HDR_LEN +
					  self->s.f[k].len, off);
			ASSERT_FALSE(tern_parser_mid_frame(&self->p));
			ASSERT_EQ(0, tern_parser_want(&self->p));
			ASSERT_NULL(tern_parser_reset(&self->p));
			ASSERT_EQ(0, live_bufs);
		}
	}
}

/*
 * Errors are sticky: feeding again after an error, without a reset, returns
 * the same error and neither calls back nor touches memory (before errors
 * were sticky this wrote through a NULL buffer).
 */
TEST_F(frame, error_is_sticky)
{
	static const __u8 hdr[TERN_FRAME_HDR_LEN] = { 1, 16, 0, 0, 0, 0, 0, 4 };
	static const __u8 payload[4] = { 'a', 'b', 'c', 'd' };
	__u8 bad[TERN_FRAME_HDR_LEN];

	self->r.begin_err_at = 0;
	self->r.begin_err = -EIO;
	ASSERT_EQ(-EIO, feed(&self->p, STREAM_MAX_PAYLOAD, hdr, sizeof(hdr),
			     &self->r));
	ASSERT_EQ(-EIO, feed(&self->p, STREAM_MAX_PAYLOAD, payload,
			     sizeof(payload), &self->r));
	ASSERT_EQ(-EIO, feed(&self->p, STREAM_MAX_PAYLOAD, self->s.buf,
			     self->s.len, &self->r));
	ASSERT_EQ(1, self->r.nbegin);
	ASSERT_EQ(0, self->r.nend);
	ASSERT_NULL(tern_parser_reset(&self->p));

	/* A header error sticks too, and a reset clears it. */
	put_hdr(bad, 2, 16, 0, 0);
	ASSERT_EQ(-EPROTO, feed(&self->p, STREAM_MAX_PAYLOAD, bad, sizeof(bad),
				&self->r));
	ASSERT_EQ(-EPROTO, feed(&self->p, STREAM_MAX_PAYLOAD, hdr, sizeof(hdr),
				&self->r));
	ASSERT_NULL(tern_parser_reset(&self->p));
	rec_init(&self->r, &self->s, STREAM_MAX_PAYLOAD);
	ASSERT_EQ(0, feed(&self->p, STREAM_MAX_PAYLOAD, self->s.buf,
			  self->s.len, &self->r));
	ASSERT_EQ(self->s.n, self->r.nend);
}

/* After an error and a reset, the parser reads a new stream from scratch. */
TEST_F(frame, reset_after_error_recovers)
{
	__u8 bad[TERN_FRAME_HDR_LEN];
	size_t whole = self->s.len;

	put_hdr(bad, TERN_FRAME_VERSION, 16, 0, STREAM_MAX_PAYLOAD + 1);
	ASSERT_EQ(-EMSGSIZE, feed(&self->p, STREAM_MAX_PAYLOAD, bad, sizeof(bad),
				  &self->r));
	ASSERT_EQ(0, self->r.nbegin);
	ASSERT_NULL(tern_parser_reset(&self->p));

	rec_init(&self->r, &self->s, STREAM_MAX_PAYLOAD);
	self->r.end_err_at = 1;
	self->r.end_err = -EPIPE;
	ASSERT_EQ(-EPIPE, feed(&self->p, STREAM_MAX_PAYLOAD, self->s.buf,
			       self->s.len, &self->r));
	ASSERT_NULL(tern_parser_reset(&self->p));

	rec_init(&self->r, &self->s, STREAM_MAX_PAYLOAD);
	self->r.begin_err_at = 4;
	self->r.begin_err = -EIO;
	self->r.begin_err_keeps_buf = true;
	ASSERT_EQ(-EIO, feed(&self->p, STREAM_MAX_PAYLOAD, self->s.buf,
			     self->s.len, &self->r));
	buf_free(tern_parser_reset(&self->p));

	check_split(_metadata, &self->s, &whole, 1, "after errors and resets");
}

/* Reset in every state: the pending buffer comes back, the rest is lost. */
TEST_F(frame, reset_returns_pending_buffer)
{
	size_t off, whole = self->s.len;
	struct model m;
	void *pending;

	for (off = 0; off <= self->s.len; off++) {
		memset(&self->p, 0, sizeof(self->p));
		rec_init(&self->r, &self->s, STREAM_MAX_PAYLOAD);
		ASSERT_EQ(0, feed(&self->p, STREAM_MAX_PAYLOAD, self->s.buf, off,
				  &self->r));
		m = model_at(&self->s, off);
		pending = tern_parser_reset(&self->p);
		/* The buffer of a frame whose payload is under way. */
		ASSERT_EQ(self->r.cur, pending) TH_LOG("after %zu bytes", off);
		ASSERT_EQ(m.begun > m.ended && self->s.f[m.ended].len,
			  pending != NULL) TH_LOG("after %zu bytes", off);
		buf_free(pending);
		ASSERT_EQ(0, live_bufs) TH_LOG("after %zu bytes", off);
		ASSERT_FALSE(tern_parser_mid_frame(&self->p));
		ASSERT_EQ(0, tern_parser_want(&self->p));
		/* A second reset has nothing to return. */
		ASSERT_NULL(tern_parser_reset(&self->p));
		/* A partial header is forgotten too: the next stream parses. */
		check_split(_metadata, &self->s, &whole, 1, "after reset");
	}
}

/* A begin that returns no buffer for a payload: -ENOMEM, no crash. */
TEST_F(frame, begin_null_buffer)
{
	struct stream s;
	unsigned int k, split;
	int ret;

	memset(&s, 0, sizeof(s));
	put_frame(&s, 16, 0, 0);
	put_frame(&s, 17, 0, 9);
	put_frame(&s, 18, 0, 0);
	put_frame(&s, TERN_FRAME_PING, 0, 4);

	for (k = 0; k < s.n; k++) {
		/* Whole, and with the header ending a chunk. */
		for (split = 0; split < 2; split++) {
			size_t hend = s.f[k].off + TERN_FRAME_HDR_LEN;

			memset(&self->p, 0, sizeof(self->p));
			rec_init(&self->r, &s, STREAM_MAX_PAYLOAD);
			self->r.null_at = k;
			ret = feed(&self->p, STREAM_MAX_PAYLOAD, s.buf,
				   split ? hend : s.len, &self->r);
			if (!ret && split)
				ret = feed(&self->p, STREAM_MAX_PAYLOAD,
					   s.buf + hend, s.len - hend, &self->r);
			ASSERT_FALSE(self->r.bad) TH_LOG("%s", self->r.why);
			if (s.f[k].len) {
				ASSERT_EQ(-ENOMEM, ret) TH_LOG("frame %u", k);
				ASSERT_EQ(k + 1, self->r.nbegin);
				ASSERT_EQ(k, self->r.nend);
			} else {
				/* An empty payload needs no buffer. */
				ASSERT_EQ(0, ret) TH_LOG("frame %u", k);
				ASSERT_EQ(s.n, self->r.nend);
			}
			ASSERT_NULL(tern_parser_reset(&self->p));
			ASSERT_EQ(0, live_bufs);
		}
	}
}

/*
 * A bad header after a good frame, split everywhere: the good frame is
 * delivered, the error is tern_frame_hdr_parse()'s, reported once the
 * header's last byte arrives and not before, and begin never sees it.
 */
TEST_F(frame, stream_bad_header)
{
	static const struct {
		__u8 version, type;
		__u32 len;
		int err;
	} bad[] = {
		{ 0, 16, 0, -EPROTO },
		{ 2, TERN_FRAME_PING, 0, -EPROTO },
		{ 0xff, 0xff, 0xffffffff, -EPROTO },
		{ 1, 0, 0, -EBADMSG },
		{ 1, 3, 0, -EBADMSG },
		{ 1, 15, 1, -EBADMSG },
		{ 1, TERN_FRAME_PING, TERN_HB_MAX_PAYLOAD + 1, -EBADMSG },
		{ 1, TERN_FRAME_PONG, 0xffffffff, -EBADMSG },
		{ 1, 16, STREAM_MAX_PAYLOAD + 1, -EMSGSIZE },
		{ 1, 255, 0xffffffff, -EMSGSIZE },
	};
	__u8 hdr[TERN_FRAME_HDR_LEN];
	struct tern_hdr h;
	struct stream s;
	unsigned int b;
	size_t cut, hstart;
	int ret;

	for (b = 0; b < ARRAY_SIZE(bad); b++) {
		memset(&s, 0, sizeof(s));
		put_frame(&s, 16, 0, 3);
		put_hdr(hdr, bad[b].version, bad[b].type, 0, bad[b].len);
		ASSERT_EQ(bad[b].err, tern_frame_hdr_parse(hdr, STREAM_MAX_PAYLOAD, &h));
		hstart = s.len;
		put_raw(&s, hdr, sizeof(hdr));
		/* Bytes that are never to be read. */
		put_raw(&s, (const __u8 *)"\x01\x10\x00\x00\x00\x00\x00\x00", 8);

		for (cut = 0; cut <= s.len; cut++) {
			memset(&self->p, 0, sizeof(self->p));
			rec_init(&self->r, &s, STREAM_MAX_PAYLOAD);
			ret = feed(&self->p, STREAM_MAX_PAYLOAD, s.buf, cut, &self->r);
			if (cut < hstart + TERN_FRAME_HDR_LEN) {
				ASSERT_EQ(0, ret) TH_LOG("bad %u cut %zu", b, cut);
				ret = feed(&self->p, STREAM_MAX_PAYLOAD,
					   s.buf + cut, s.len - cut, &self->r);
			}
			ASSERT_EQ(bad[b].err, ret) TH_LOG("bad %u cut %zu", b, cut);
			ASSERT_FALSE(self->r.bad) TH_LOG("%s", self->r.why);
			ASSERT_EQ(1, self->r.nbegin) TH_LOG("bad %u cut %zu", b, cut);
			ASSERT_EQ(1, self->r.nend);
			ASSERT_NULL(tern_parser_reset(&self->p));
		}
	}
}

/* Through the stream parser too, len == max is fine and max + 1 is not. */
TEST_F(frame, stream_len_max)
{
	static const __u32 maxes[] = { TERN_MAX_FRAME_MIN, 300, STREAM_MAX_PAYLOAD };
	struct stream s;
	unsigned int m;
	size_t c;

	for (m = 0; m < ARRAY_SIZE(maxes); m++) {
		for (c = 1; c <= 2; c++) {
			size_t off, n;
			int ret = 0;

			memset(&s, 0, sizeof(s));
			put_frame(&s, 16, 0, maxes[m]);
			put_frame(&s, TERN_FRAME_PONG, 0, TERN_HB_MAX_PAYLOAD);
			put_frame(&s, 255, 0, maxes[m] + 1);
			memset(&self->p, 0, sizeof(self->p));
			rec_init(&self->r, &s, maxes[m]);
			/* Byte by byte, or whole. */
			for (off = 0; off < s.len && !ret; off += n) {
				n = c == 1 ? 1 : s.len;
				ret = tern_parser_feed(&self->p, maxes[m],
						       s.buf + off, n, &rec_ops,
						       &self->r);
			}
			ASSERT_EQ(-EMSGSIZE, ret) TH_LOG("max %u", maxes[m]);
			ASSERT_FALSE(self->r.bad) TH_LOG("%s", self->r.why);
			ASSERT_EQ(2, self->r.nbegin);
			ASSERT_EQ(2, self->r.nend);
			ASSERT_EQ(maxes[m], self->r.ended[0].len);
			ASSERT_NULL(tern_parser_reset(&self->p));
		}
	}
}

TEST_HARNESS_MAIN
