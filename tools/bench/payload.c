// SPDX-License-Identifier: GPL-2.0
/*
 * Building and checking benchmark frames (see payload.h).
 */
#include <string.h>

#include "frame.h"
#include "payload.h"

#define BENCH_MIX	0x9e3779b97f4a7c15ull

static uint64_t bench_filler(uint32_t idx, uint64_t seq, uint32_t word)
{
	return (seq * BENCH_MIX) ^ ((uint64_t)idx << 32 | word);
}

size_t bench_frame_put(uint8_t *buf, uint32_t idx, uint64_t seq,
		       uint64_t sent_ns, uint32_t payload)
{
	uint8_t *p = buf + TERN_FRAME_HDR_LEN;
	uint32_t magic = BENCH_MAGIC, w;
	uint64_t v;

	tern_frame_hdr_build(buf, BENCH_FRAME_TYPE, BENCH_FRAME_FLAGS, payload);
	memcpy(p, &idx, 4);
	memcpy(p + 4, &magic, 4);
	memcpy(p + 8, &seq, 8);
	memcpy(p + 16, &sent_ns, 8);
	for (w = 0; 24 + 8 * w < payload; w++) {
		v = bench_filler(idx, seq, w);
		memcpy(p + 24 + 8 * w, &v, 8);
	}
	return TERN_FRAME_HDR_LEN + payload;
}

enum bench_check bench_frame_check(uint8_t type, uint16_t flags,
				   const void *data, uint32_t len,
				   uint32_t payload, uint32_t idx,
				   uint64_t seq, uint64_t *sent_ns)
{
	const uint8_t *p = data;
	uint32_t got_idx, magic, w;
	uint64_t got_seq, v;

	if (type != BENCH_FRAME_TYPE || flags != BENCH_FRAME_FLAGS ||
	    len != payload)
		return BENCH_BAD_HDR;
	memcpy(&got_idx, p, 4);
	memcpy(&magic, p + 4, 4);
	memcpy(&got_seq, p + 8, 8);
	memcpy(sent_ns, p + 16, 8);
	if (magic != BENCH_MAGIC)
		return BENCH_BAD_DATA;
	if (got_idx != idx)
		return BENCH_BAD_CONN;
	if (got_seq != seq)
		return BENCH_BAD_SEQ;
	for (w = 0; 24 + 8 * w < payload; w++) {
		memcpy(&v, p + 24 + 8 * w, 8);
		if (v != bench_filler(idx, seq, w))
			return BENCH_BAD_DATA;
	}
	return BENCH_OK;
}

const char *bench_check_name(enum bench_check c)
{
	switch (c) {
	case BENCH_OK:
		return "ok";
	case BENCH_BAD_HDR:
		return "bad header (type, flags or length)";
	case BENCH_BAD_CONN:
		return "frame of another connection";
	case BENCH_BAD_SEQ:
		return "sequence gap (lost, duplicated or reordered frame)";
	case BENCH_BAD_DATA:
		return "corrupted payload";
	}
	return "?";
}
