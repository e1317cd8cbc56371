// SPDX-License-Identifier: GPL-2.0
/*
 * The reader's bookkeeping (see reader.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "payload.h"
#include "reader.h"

static unsigned int bench_hist_bucket(uint64_t v)
{
	unsigned int msb, sub;

	if (v < BENCH_HIST_SUB)
		return v;
	msb = 63 - __builtin_clzll(v);
	sub = (v >> (msb - 3)) & (BENCH_HIST_SUB - 1);
	return (msb - 2) * BENCH_HIST_SUB + sub;
}

/* The smallest value of bucket @b; bucket b spans [lo(b), lo(b + 1)). */
static double bench_hist_lo(unsigned int b)
{
	unsigned int msb = b / BENCH_HIST_SUB + 2;

	if (b < BENCH_HIST_SUB)
		return b;
	return (double)(1ull << msb) *
	       (1.0 + (double)(b % BENCH_HIST_SUB) / BENCH_HIST_SUB);
}

void bench_hist_add(struct bench_hist *h, uint64_t v)
{
	unsigned int b = bench_hist_bucket(v);

	if (b >= BENCH_HIST_BUCKETS)
		b = BENCH_HIST_BUCKETS - 1;
	h->b[b]++;
	h->n++;
	if (v > h->max)
		h->max = v;
}

double bench_hist_quantile(const struct bench_hist *h, double q)
{
	uint64_t want, seen = 0;
	unsigned int b;

	if (!h->n)
		return 0;
	want = (uint64_t)(q * (double)h->n);
	if (want >= h->n)
		want = h->n - 1;
	for (b = 0; b < BENCH_HIST_BUCKETS; b++) {
		seen += h->b[b];
		if (seen > want)
			return (bench_hist_lo(b) + bench_hist_lo(b + 1)) / 2;
	}
	return h->max;
}

int bench_reader_init(struct bench_reader *r, const struct bench_opts *o)
{
	memset(r, 0, sizeof(*r));
	r->o = o;
	r->nconns = bench_nconns(o);
	r->next_seq = calloc(r->nconns, sizeof(*r->next_seq));
	r->received = calloc(r->nconns, sizeof(*r->received));
	if (!r->next_seq || !r->received) {
		bench_reader_free(r);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < r->nconns; i++)
		r->next_seq[i] = 1;
	return 0;
}

void bench_reader_free(struct bench_reader *r)
{
	free(r->next_seq);
	free(r->received);
	r->next_seq = NULL;
	r->received = NULL;
}

static void bench_rx_note(struct bench_reader *r, const char *fmt, va_list ap)
{
	if (r->err.first[0])
		return;
	vsnprintf(r->err.first, sizeof(r->err.first), fmt, ap);
	fprintf(stderr, "tern-bench: error: %s\n", r->err.first);
}

static void bench_rx_bad(struct bench_reader *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	bench_rx_note(r, fmt, ap);
	va_end(ap);
}

void bench_rx_fail(struct bench_reader *r, const char *fmt, ...)
{
	va_list ap;

	r->err.transport++;
	va_start(ap, fmt);
	bench_rx_note(r, fmt, ap);
	va_end(ap);
}

void bench_rx_frame(struct bench_reader *r, unsigned int idx, uint8_t type,
		    uint16_t flags, const void *data, uint32_t len)
{
	enum bench_check c;
	uint64_t sent_ns;

	if (idx >= r->nconns) {
		r->err.conn++;
		bench_rx_bad(r, "frame for unknown connection %u", idx);
		return;
	}
	c = bench_frame_check(type, flags, data, len, r->o->payload, idx,
			      r->next_seq[idx], &sent_ns);
	switch (c) {
	case BENCH_OK:
		break;
	case BENCH_BAD_HDR:
		r->err.hdr++;
		break;
	case BENCH_BAD_CONN:
		r->err.conn++;
		break;
	case BENCH_BAD_SEQ:
		r->err.seq++;
		break;
	case BENCH_BAD_DATA:
		r->err.data++;
		break;
	}
	if (c != BENCH_OK) {
		bench_rx_bad(r, "connection %u, frame %llu expected: %s", idx,
			     (unsigned long long)r->next_seq[idx],
			     bench_check_name(c));
		/* Resynchronise on what came, to count each fault once. */
		if (c == BENCH_BAD_SEQ && len >= 16) {
			memcpy(&r->next_seq[idx], (const uint8_t *)data + 8, 8);
			r->next_seq[idx]++;
		}
		return;
	}
	r->next_seq[idx]++;
	r->received[idx]++;
	r->frames++;
	if (bench_is_heavy(r->o, idx)) {
		r->heavy_frames++;
		return;
	}
	r->sparse_frames++;
	if (r->measuring) {
		uint64_t now = bench_now_ns();

		bench_hist_add(&r->lat, now > sent_ns ? now - sent_ns : 0);
	}
}

uint64_t bench_rx_errors(const struct bench_reader *r)
{
	return r->err.hdr + r->err.conn + r->err.seq + r->err.data +
	       r->err.transport;
}
