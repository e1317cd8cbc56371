/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The frames tern-bench sends: a Tern wire frame (8-byte header) whose
 * payload carries the connection index, a per-connection sequence number,
 * the send time and a filler derived from both, so that the reader can tell
 * a lost, duplicated, reordered, misrouted or corrupted frame.
 *
 *   u32 index | u32 magic | u64 seq | u64 sent_ns | u64 filler[]
 *
 * (host byte order: writer and reader share the machine).
 */
#ifndef TERN_BENCH_PAYLOAD_H
#define TERN_BENCH_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>
#include <linux/tern.h>

#define BENCH_FRAME_TYPE	(TERN_FRAME_USER_MIN + 1)
#define BENCH_FRAME_FLAGS	0xb3c5
#define BENCH_MAGIC		0x74726e62u
#define BENCH_PAYLOAD_MIN	24
#define BENCH_PAYLOAD_MAX	16384

enum bench_check {
	BENCH_OK,
	BENCH_BAD_HDR,		/* type, flags or length */
	BENCH_BAD_CONN,		/* another connection's frame */
	BENCH_BAD_SEQ,		/* lost, duplicated or reordered */
	BENCH_BAD_DATA,		/* corrupted */
};

/* Write frame @seq of connection @idx (header and @payload bytes) to @buf;
 * returns its length, TERN_FRAME_HDR_LEN + @payload.
 */
size_t bench_frame_put(uint8_t *buf, uint32_t idx, uint64_t seq,
		       uint64_t sent_ns, uint32_t payload);

/* Check a received frame against what connection @idx must send next,
 * @seq. *sent_ns gets its send time.
 */
enum bench_check bench_frame_check(uint8_t type, uint16_t flags,
				   const void *data, uint32_t len,
				   uint32_t payload, uint32_t idx,
				   uint64_t seq, uint64_t *sent_ns);

const char *bench_check_name(enum bench_check c);

#endif /* TERN_BENCH_PAYLOAD_H */
