// SPDX-License-Identifier: GPL-2.0
/*
 * tern-gwbench's report: one JSON object per system (tools/bench/gw/run
 * puts the systems of a run together), and a line per step on stderr.
 */
#include <stdio.h>
#include <string.h>

#include "gwbench.h"

static double window_rate(const struct gwb *b, uint64_t n)
{
	return (double)n / b->o.duration_s;
}

/* CPU over the window, per message received in it (us), all CPUs. */
static void cpu_figures(const struct gwb *b, const struct gwb_step *s,
			double *busy_cores, double *server_us,
			double *gen_us)
{
	const struct gwb_cpu *c0 = &s->cpu0, *c1 = &s->cpu1;
	double el = c1->elapsed_ns - c0->elapsed_ns;
	double busy = el * c1->ncpus - (c1->idle_ns - c0->idle_ns);
	double self = c1->self_ns - c0->self_ns;
	double n = (double)s->recv_window;

	(void)b;
	*busy_cores = el > 0 ? busy / el : 0;
	*server_us = n ? (busy - self) / n / 1e3 : 0;
	*gen_us = n ? self / n / 1e3 : 0;
}

static void pct_obj(struct json *j, const char *key, const struct gwb_pct *p)
{
	json_kv_obj(j, key);
	json_kv_u64(j, "samples", p->n);
	if (p->n) {
		json_kv_dbl(j, "p50", p->p50);
		json_kv_dbl(j, "p90", p->p90);
		json_kv_dbl(j, "p99", p->p99);
		json_kv_dbl(j, "p999", p->p999);
		json_kv_dbl(j, "max", p->max);
		json_kv_dbl(j, "mean", p->mean);
	}
	json_obj_end(j);
}

static void step_obj(struct json *j, const struct gwb *b,
		     const struct gwb_step *s)
{
	double busy, server, gen;

	json_obj_begin(j);
	json_kv_str(j, "name", s->name);
	json_kv_str(j, "mode", s->mode == GWB_OPEN ? "open" :
		    s->mode == GWB_CLOSED ? "closed" : "serial");
	if (s->mode == GWB_OPEN)
		json_kv_dbl(j, "offered_per_s", s->rate);
	else if (s->mode == GWB_CLOSED)
		json_kv_u64(j, "inflight_per_pair", s->inflight);
	else
		json_kv_u64(j, "inflight", s->inflight);
	json_kv_dbl(j, "sent_per_s", window_rate(b, s->sent_window));
	json_kv_dbl(j, "achieved_per_s", window_rate(b, s->recv_window));
	/* The figures the plot and the ratios use, flat. */
	if (s->lat_pct.n) {
		json_kv_dbl(j, "p50_us", s->lat_pct.p50);
		json_kv_dbl(j, "p99_us", s->lat_pct.p99);
		json_kv_dbl(j, "p999_us", s->lat_pct.p999);
	} else {
		json_kv_null(j, "p50_us");
		json_kv_null(j, "p99_us");
		json_kv_null(j, "p999_us");
	}
	json_kv_bool(j, "saturated", s->saturated);
	pct_obj(j, "latency_us", &s->lat_pct);
	pct_obj(j, "ack_latency_us", &s->ack_pct);
	json_kv_u64(j, "sent", s->sent);
	json_kv_u64(j, "measured", s->sent_window);
	json_kv_u64(j, "received", s->recv);
	json_kv_u64(j, "received_in_window", s->recv_window);
	json_kv_u64(j, "unreceived", s->unreceived);
	json_kv_u64(j, "skipped", s->skipped);
	json_kv_u64(j, "acked", s->acked);
	json_kv_u64(j, "nacked", s->nacked);
	if (s->nacked)
		json_kv_u64(j, "last_nack_reason", s->last_nack);
	json_kv_u64(j, "duplicates", s->dup);
	json_kv_u64(j, "stale", s->stale);
	json_kv_u64(j, "bad", s->bad);
	json_kv_bool(j, "drained", s->drained);
	json_kv_dbl(j, "generator_late_max_us", (double)s->late_max_ns / 1e3);
	if (s->cpu_ok) {
		cpu_figures(b, s, &busy, &server, &gen);
		json_kv_obj(j, "cpu");
		json_kv_u64(j, "cpus", s->cpu1.ncpus);
		json_kv_dbl(j, "busy_cpus", busy);
		json_kv_dbl(j, "server_us_per_msg", server);
		json_kv_dbl(j, "generator_us_per_msg", gen);
		json_obj_end(j);
	}
	json_obj_end(j);
}

/*
 * Correct: nothing malformed; no duplicate (QoS 1 may duplicate, Tern
 * must not); every step that kept up delivered everything within the
 * drain; nothing from an earlier step, unless that one was left with
 * messages in flight (a saturated step whose drain ran out).
 */
static bool run_correct(const struct gwb *b)
{
	bool mqtt = !strcmp(b->o.system, "mqtt");
	bool prev_drained = true;
	unsigned int i;

	if (b->failed)
		return false;
	for (i = 0; i < b->n_steps; i++) {
		const struct gwb_step *s = &b->steps[i];

		if (s->bad || (!mqtt && s->dup) ||
		    (!s->drained && !s->saturated) ||
		    (s->stale && prev_drained))
			return false;
		prev_drained = s->drained;
	}
	return true;
}

int gwb_report(struct gwb *b, const char *path)
{
	double best = 0;
	struct json j;
	unsigned int i;
	FILE *f;

	f = fopen(path, "w");
	if (!f)
		return -1;
	json_init(&j, f, true);
	json_obj_begin(&j);
	json_kv_str(&j, "system", b->o.label);
	json_kv_str(&j, "client", b->o.system);
	json_kv_obj(&j, "parameters");
	json_kv_str(&j, "target", b->o.target);
	json_kv_u64(&j, "senders", b->o.senders);
	json_kv_u64(&j, "receivers", b->o.receivers);
	json_kv_u64(&j, "payload_bytes", b->o.payload);
	json_kv_dbl(&j, "warmup_s", b->o.warmup_s);
	json_kv_dbl(&j, "duration_s", b->o.duration_s);
	json_kv_dbl(&j, "drain_s", b->o.drain_s);
	json_kv_u64(&j, "unloaded_inflight", b->o.unloaded);
	json_kv_arr(&j, "loads_per_s");
	for (i = 0; i < b->o.n_loads; i++)
		json_dbl(&j, b->o.loads[i]);
	json_arr_end(&j);
	json_kv_u64(&j, "max_inflight_per_pair", b->o.max_inflight);
	json_kv_u64(&j, "max_outstanding", b->o.max_outstanding);
	json_obj_end(&j);
	json_kv_obj(&j, "details");
	if (b->sys && b->sys->describe)
		b->sys->describe(b, &j);
	json_obj_end(&j);
	json_kv_arr(&j, "steps");
	for (i = 0; i < b->n_steps; i++) {
		const struct gwb_step *s = &b->steps[i];
		double r = window_rate(b, s->recv_window);

		step_obj(&j, b, s);
		if (r > best)
			best = r;
	}
	json_arr_end(&j);
	json_kv_dbl(&j, "max_per_s", best);
	json_kv_bool(&j, "correct", run_correct(b));
	if (b->failed)
		json_kv_str(&j, "error", b->err);
	else
		json_kv_null(&j, "error");
	json_obj_end(&j);
	fputc('\n', f);
	return fclose(f) ? -1 : 0;
}

void gwb_report_step_line(const struct gwb *b, const struct gwb_step *s)
{
	char offered[32];

	if (!b->o.verbose)
		return;
	if (s->mode == GWB_OPEN)
		snprintf(offered, sizeof(offered), "%.0f/s", s->rate);
	else
		snprintf(offered, sizeof(offered), "%u in flight%s",
			 s->inflight, s->mode == GWB_CLOSED ? " per pair" : "");
	fprintf(stderr,
		"tern-gwbench: %s %s (%s): %.0f msgs/s, p50 %.0f p99 %.0f p99.9 %.0f us (%zu samples); ack p99 %.0f us; unreceived %llu nacked %llu skipped %llu dup %llu%s\n",
		b->o.label, s->name, offered,
		window_rate(b, s->recv_window), s->lat_pct.p50,
		s->lat_pct.p99, s->lat_pct.p999, s->lat_pct.n, s->ack_pct.p99,
		(unsigned long long)s->unreceived,
		(unsigned long long)s->nacked,
		(unsigned long long)s->skipped, (unsigned long long)s->dup,
		s->saturated ? " [saturated]" : "");
}
