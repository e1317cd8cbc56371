/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Heartbeat interval learning (Documentation/ternd.rst, "Heartbeat
 * learning"), as FCM and WhatsApp do it: start short, lengthen the
 * interval while the connection survives it, and step back to the last
 * interval that worked when one does not. Pure state, no I/O: the link
 * keeps one struct hb per network and persists it with hb_save().
 */
#ifndef TERND_HB_H
#define TERND_HB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HB_MIN_MS		30000		/* where learning starts */
#define HB_MAX_MS		(28 * 60000)	/* never beyond */
#define HB_GROW_NUM		3		/* x1.5 per success */
#define HB_GROW_DEN		2
#define HB_SHRINK_NUM		2		/* /1.5 on a failure at good */
#define HB_SHRINK_DEN		3
#define HB_HOLD_MS		(2 * 3600 * 1000ULL)	/* no growth after a failure */
#define HB_HOLD_MAX_MS		(24 * 3600 * 1000ULL)
#define HB_SAVE_LEN		96		/* hb_save()'s buffer */

struct hb {
	uint32_t min_ms, max_ms;	/* bounds of the interval */
	uint32_t cur_ms;		/* the interval in use */
	uint32_t good_ms;		/* longest interval seen to work */
	uint64_t hold_until_ms;		/* wall clock: no growth before */
	uint32_t failures;		/* failed probes in a row */
	bool fixed;			/* --heartbeat: no learning */
};

/* Learning between @min_ms and @max_ms, from @min_ms. */
void hb_init(struct hb *h, uint32_t min_ms, uint32_t max_ms);
/* A fixed interval: the other calls never change it. */
void hb_init_fixed(struct hb *h, uint32_t ms);

/* Lower the ceiling (the gateway's HelloOk.heartbeat_hint_ms); 0 is
 * ignored. Returns true when the interval in use changed.
 */
bool hb_set_ceiling(struct hb *h, uint32_t ceiling_ms);

/*
 * The connection stayed alive through a silence of @proven_ms (a PING
 * sent after that much silence was answered). Records it as working and,
 * if it was the interval in use and growth is not on hold, lengthens the
 * interval by HB_GROW_NUM/HB_GROW_DEN, up to the ceiling. Returns true
 * when the interval in use changed.
 */
bool hb_alive(struct hb *h, uint32_t proven_ms, uint64_t now_ms);

/*
 * The connection died of silence (a PING went unanswered) while using the
 * current interval. A probe above the last good interval falls back to it;
 * a failure at the good interval itself shrinks it (the network changed).
 * Either way growth is held for HB_HOLD_MS, doubling with each failure in
 * a row up to HB_HOLD_MAX_MS. Returns true when the interval changed.
 */
bool hb_dead(struct hb *h, uint64_t now_ms);

static inline uint32_t hb_interval(const struct hb *h)
{
	return h->cur_ms;
}

/* Text form for the settings table: "cur good hold_until failures". */
int hb_save(const struct hb *h, char *buf, size_t len);
/* Restore what hb_save() wrote, clamped to @h's bounds (which it keeps).
 * Returns 0, or -EINVAL leaving @h unchanged. A fixed @h ignores it.
 */
int hb_load(struct hb *h, const char *s);

#endif /* TERND_HB_H */
