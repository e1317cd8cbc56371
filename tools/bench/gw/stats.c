// SPDX-License-Identifier: GPL-2.0
/*
 * Latency samples and their percentiles (every sample kept, sorted,
 * nearest rank), and CPU time over a window: system-wide busy time from
 * /proc/stat (elapsed time on every CPU minus idle and iowait, which the
 * kernel measures with the clock rather than the tick, see bench.md) and
 * this process's own CPU clock.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gwbench.h"

int gwb_samples_add(struct gwb_samples *s, uint64_t ns)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 4096;
		uint64_t *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = ns;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest sample with at least p of all at or below. */
static double rank_us(const struct gwb_samples *s, double p)
{
	size_t i = (size_t)(p * (double)s->n + 0.999999);

	if (i < 1)
		i = 1;
	if (i > s->n)
		i = s->n;
	return (double)s->v[i - 1] / 1e3;
}

void gwb_samples_pct(struct gwb_samples *s, struct gwb_pct *p)
{
	double sum = 0;
	size_t i;

	memset(p, 0, sizeof(*p));
	p->n = s->n;
	if (!s->n)
		return;
	qsort(s->v, s->n, sizeof(*s->v), cmp_u64);
	for (i = 0; i < s->n; i++)
		sum += (double)s->v[i];
	p->mean = sum / (double)s->n / 1e3;
	p->p50 = rank_us(s, 0.50);
	p->p90 = rank_us(s, 0.90);
	p->p99 = rank_us(s, 0.99);
	p->p999 = rank_us(s, 0.999);
	p->max = (double)s->v[s->n - 1] / 1e3;
}

int gwb_cpu_sample(struct gwb_cpu *c)
{
	unsigned long long v[5] = { 0 };
	double tick = 1e9 / (double)sysconf(_SC_CLK_TCK);
	struct timespec ts;
	char line[512];
	int n = 0;
	FILE *f;

	f = fopen("/proc/stat", "r");
	if (!f)
		return -errno;
	c->ncpus = 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "cpu", 3) && isdigit((unsigned char)line[3]))
			c->ncpus++;
		else if (!strncmp(line, "cpu ", 4))
			n = sscanf(line + 4, "%llu %llu %llu %llu %llu",
				   &v[0], &v[1], &v[2], &v[3], &v[4]);
	}
	fclose(f);
	if (n < 5 || !c->ncpus)
		return -EIO;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	c->elapsed_ns = (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
	c->idle_ns = (double)(v[3] + v[4]) * tick;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	c->self_ns = (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
	return 0;
}
