// SPDX-License-Identifier: GPL-2.0
/*
 * The probe's report: percentiles over every push sent (nearest rank), a
 * push that never arrived counting as slower than any that did, so that a
 * percentile that falls on a lost push is null rather than flattering;
 * and every latency in send order, for the CDF and the time series.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "priobench.h"

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The p-quantile in ms, or null when it falls on a lost push. */
static void rank_ms(struct json *j, const char *key, const int64_t *sorted,
		    unsigned int delivered, unsigned int count, double p)
{
	unsigned int i = (unsigned int)(p * count + 0.999999);

	json_key(j, key);
	if (i < 1)
		i = 1;
	if (i > count)
		i = count;
	if (i > delivered)
		json_null(j);
	else
		json_dbl(j, (double)sorted[i - 1] / 1e6);
}

static void daemon_obj(struct json *j, const char *key,
		       const struct ctl_status *s)
{
	json_kv_obj(j, key);
	json_kv_str(j, "state", s->state);
	json_kv_str(j, "transport", s->transport);
	json_obj_end(j);
}

static void write_report(struct json *j, const struct pb_result *r,
			 const int64_t *sorted)
{
	double sum = 0, ms = 1e6;
	unsigned int i;

	for (i = 0; i < r->delivered; i++)
		sum += (double)sorted[i];
	json_obj_begin(j);
	json_kv_str(j, "label", r->label);
	json_kv_u64(j, "count", r->count);
	json_kv_dbl(j, "rate_per_s", r->rate);
	json_kv_u64(j, "payload_bytes", r->payload);
	json_kv_u64(j, "delivered", r->delivered);
	json_kv_u64(j, "lost", r->count - r->delivered);
	json_kv_u64(j, "duplicates", r->duplicates);
	json_kv_u64(j, "send_errors", r->send_errors);
	json_kv_u64(j, "foreign", r->foreign);
	/* CLOCK_MONOTONIC, ms: the window other samplers are matched to. */
	json_kv_u64(j, "start_ms", r->start_ns / 1000000);
	json_kv_u64(j, "last_send_ms", r->last_send_ns / 1000000);
	json_kv_u64(j, "end_ms", r->end_ns / 1000000);
	json_kv_dbl(j, "late_max_ms", (double)r->late_max_ns / ms);
	daemon_obj(j, "sender", &r->sender);
	daemon_obj(j, "receiver", &r->receiver);
	if (r->delivered) {
		json_kv_dbl(j, "min_ms", (double)sorted[0] / ms);
		json_kv_dbl(j, "mean_ms", sum / r->delivered / ms);
	} else {
		json_kv_null(j, "min_ms");
		json_kv_null(j, "mean_ms");
	}
	rank_ms(j, "p50_ms", sorted, r->delivered, r->count, 0.50);
	rank_ms(j, "p90_ms", sorted, r->delivered, r->count, 0.90);
	rank_ms(j, "p99_ms", sorted, r->delivered, r->count, 0.99);
	/* The largest measured; with losses, max_ms is null too. */
	if (r->delivered)
		json_kv_dbl(j, "max_delivered_ms",
			    (double)sorted[r->delivered - 1] / ms);
	else
		json_kv_null(j, "max_delivered_ms");
	rank_ms(j, "max_ms", sorted, r->delivered, r->count, 1.0);
	json_kv_arr(j, "latency_ms");
	for (i = 0; i < r->count; i++) {
		if (r->lat_ns[i] < 0)
			json_null(j);
		else
			json_dbl(j, (double)r->lat_ns[i] / ms);
	}
	json_arr_end(j);
	json_obj_end(j);
}

int pb_report(const struct pb_result *r, const char *path)
{
	int64_t *sorted;
	unsigned int i, n = 0;
	struct json j;
	FILE *f;
	int ret = 0;

	sorted = malloc((r->count ? r->count : 1) * sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	for (i = 0; i < r->count; i++)
		if (r->lat_ns[i] >= 0)
			sorted[n++] = r->lat_ns[i];
	qsort(sorted, n, sizeof(*sorted), cmp_i64);
	f = strcmp(path, "-") ? fopen(path, "w") : stdout;
	if (!f) {
		free(sorted);
		return -errno;
	}
	json_init(&j, f, false);
	write_report(&j, r, sorted);
	if (fflush(f) || ferror(f))
		ret = -EIO;
	if (f != stdout && fclose(f))
		ret = -EIO;
	free(sorted);
	return ret;
}
