// SPDX-License-Identifier: GPL-2.0
/*
 * Heartbeat interval learning: see hb.h and Documentation/ternd.rst.
 *
 * Invariant: min_ms <= good_ms <= cur_ms <= max_ms. good_ms is the longest
 * silence the network is known to let through; cur_ms is either good_ms
 * or a probe above it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "hb.h"

static uint32_t clamp(uint32_t v, uint32_t lo, uint32_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

void hb_init(struct hb *h, uint32_t min_ms, uint32_t max_ms)
{
	if (max_ms < min_ms)
		max_ms = min_ms;
	*h = (struct hb){
		.min_ms = min_ms,
		.max_ms = max_ms,
		.cur_ms = min_ms,
		.good_ms = min_ms,
	};
}

void hb_init_fixed(struct hb *h, uint32_t ms)
{
	hb_init(h, ms, ms);
	h->fixed = true;
}

bool hb_set_ceiling(struct hb *h, uint32_t ceiling_ms)
{
	uint32_t old = h->cur_ms;

	if (h->fixed || !ceiling_ms || ceiling_ms >= h->max_ms)
		return false;
	h->max_ms = ceiling_ms < h->min_ms ? h->min_ms : ceiling_ms;
	h->cur_ms = clamp(h->cur_ms, h->min_ms, h->max_ms);
	h->good_ms = clamp(h->good_ms, h->min_ms, h->cur_ms);
	return h->cur_ms != old;
}

bool hb_alive(struct hb *h, uint32_t proven_ms, uint64_t now_ms)
{
	uint32_t old = h->cur_ms;
	uint64_t next;

	if (h->fixed)
		return false;
	if (proven_ms > h->good_ms)
		h->good_ms = proven_ms < h->cur_ms ? proven_ms : h->cur_ms;
	if (proven_ms < h->cur_ms)
		return false;
	/* The probe held: a success resets the failure streak. */
	h->failures = 0;
	if (now_ms < h->hold_until_ms)
		return false;
	next = (uint64_t)h->cur_ms * HB_GROW_NUM / HB_GROW_DEN;
	h->cur_ms = next > h->max_ms ? h->max_ms : (uint32_t)next;
	return h->cur_ms != old;
}

bool hb_dead(struct hb *h, uint64_t now_ms)
{
	uint32_t old = h->cur_ms;
	uint64_t hold = HB_HOLD_MS;
	uint32_t i;

	if (h->fixed)
		return false;
	if (h->cur_ms > h->good_ms) {
		h->cur_ms = h->good_ms;
	} else {
		uint64_t g = (uint64_t)h->good_ms * HB_SHRINK_NUM /
			     HB_SHRINK_DEN;

		h->good_ms = g < h->min_ms ? h->min_ms : (uint32_t)g;
		h->cur_ms = h->good_ms;
	}
	for (i = 0; i < h->failures && hold < HB_HOLD_MAX_MS; i++)
		hold *= 2;
	if (hold > HB_HOLD_MAX_MS)
		hold = HB_HOLD_MAX_MS;
	h->hold_until_ms = now_ms + hold;
	h->failures++;
	return h->cur_ms != old;
}

int hb_save(const struct hb *h, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%" PRIu32 " %" PRIu32 " %" PRIu64 " %"
			 PRIu32, h->cur_ms, h->good_ms, h->hold_until_ms,
			 h->failures);

	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

int hb_load(struct hb *h, const char *s)
{
	uint32_t cur, good, failures;
	uint64_t hold;
	int end = 0;

	if (h->fixed)
		return 0;
	if (sscanf(s, "%" SCNu32 " %" SCNu32 " %" SCNu64 " %" SCNu32 "%n",
		   &cur, &good, &hold, &failures, &end) != 4 || s[end])
		return -EINVAL;
	h->cur_ms = clamp(cur, h->min_ms, h->max_ms);
	h->good_ms = clamp(good, h->min_ms, h->cur_ms);
	h->hold_until_ms = hold;
	h->failures = failures;
	return 0;
}
