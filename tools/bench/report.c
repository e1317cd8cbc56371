// SPDX-License-Identifier: GPL-2.0
/*
 * JSON report and summary (see report.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <linux/tern.h>

#include "json.h"
#include "metrics.h"
#include "report.h"
#include "sysinfo.h"

#define BENCH_MAX_ROUNDS	64
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

static const char bench_title[] =
	"kernel/user boundary: frames delivered through tern.ko and netlink vs read by a userspace epoll loop";
static const char bench_note_emulated[] =
	"Figures come from an emulated VM (QEMU TCG): absolute values mean nothing; only the tern/epoll ratios measured in the same run are meaningful.";
static const char bench_note_native[] =
	"Absolute figures depend on the machine; compare paths only through the tern/epoll ratios measured in the same run.";
static const char bench_cpu_doc[] =
	"system-wide busy time over the window from /proc/stat (all CPUs, every context: includes tern.ko's kworkers and softirq), taken as elapsed time times CPUs minus idle and iowait (which NO_HZ measures with the clock; the tick-sampled user/system/softirq columns lose ticks under QEMU TCG, see tick_coverage), minus the generator's CPU time (its process CPU clock: the total getrusage reports), divided by the frames delivered in the window";
static const char bench_reader_doc[] =
	"the reader process's own getrusage(RUSAGE_SELF) user+system time per frame; excludes kworkers";
static const char bench_target_doc[] =
	"tern/epoll frames_per_s >= 1.0 and tern/epoll cpu_efficiency (epoll cpu_ns_per_frame / tern cpu_ns_per_frame) >= 1.0: the tern.ko path delivers at least as many frames per second and per CPU-second as the userspace epoll loop";

static const struct bench_path *const bench_paths[] = {
	&bench_path_tern, &bench_path_epoll,
};

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, unsigned int n)
{
	if (!n)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_dbl);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void bench_headline_of(const struct bench_result *res, unsigned int nres,
		       const struct bench_path *path, bool tls,
		       struct bench_headline *h)
{
	double fps[BENCH_MAX_ROUNDS], cpu[BENCH_MAX_ROUNDS];
	double rdr[BENCH_MAX_ROUNDS];
	struct bench_metrics m;
	unsigned int i, n = 0;

	memset(h, 0, sizeof(*h));
	h->ok = true;
	for (i = 0; i < nres && n < BENCH_MAX_ROUNDS; i++) {
		if (res[i].path != path || res[i].tls != tls)
			continue;
		bench_metrics_of(&res[i], &m);
		fps[n] = m.frames_per_s;
		cpu[n] = m.cpu_ns_per_frame;
		rdr[n] = m.reader_cpu_ns_per_frame;
		h->ok &= res[i].ok;
		n++;
	}
	h->rounds = n;
	h->frames_per_s = median(fps, n);
	h->cpu_ns_per_frame = median(cpu, n);
	h->reader_cpu_ns_per_frame = median(rdr, n);
}

static void json_round(struct json *j, const struct bench_result *r)
{
	const struct bench_errors *e = &r->err;
	struct bench_metrics m;
	char key[64];

	bench_metrics_of(r, &m);
	json_obj_begin(j);
	json_kv_u64(j, "round", r->round);
	json_kv_bool(j, "correct", r->ok);
	json_kv_dbl(j, "setup_s", r->setup_s);
	json_kv_dbl(j, "window_s", m.window_s);
	json_kv_u64(j, "frames", m.frames);
	json_kv_dbl(j, "frames_per_s", m.frames_per_s);
	json_kv_dbl(j, "sparse_frames_per_s", m.sparse_per_s);
	json_kv_dbl(j, "heavy_frames_per_s", m.heavy_per_s);
	json_kv_dbl(j, "cpu_ns_per_frame", m.cpu_ns_per_frame);
	json_kv_dbl(j, "reader_cpu_ns_per_frame", m.reader_cpu_ns_per_frame);
	json_kv_dbl(j, "reader_kernel_ns_per_frame", m.reader_sys_ns_per_frame);
	json_kv_dbl(j, "highpri_kworker_ns_per_frame", m.kworker_ns_per_frame);
	json_kv_dbl(j, "ksoftirqd_ns_per_frame", m.ksoftirqd_ns_per_frame);
	json_kv_dbl(j, "generator_ns_per_frame", m.gen_ns_per_frame);
	json_kv_obj(j, "tick_split_of_busy_time_incl_generator");
	json_kv_dbl(j, "user", m.user_share);
	json_kv_dbl(j, "system", m.system_share);
	json_kv_dbl(j, "softirq", m.softirq_share);
	json_kv_dbl(j, "irq", m.irq_share);
	json_kv_dbl(j, "tick_coverage", m.tick_coverage);
	json_obj_end(j);
	json_kv_dbl(j, "busy_cpus", m.busy_cpus);
	json_kv_dbl(j, "generator_cpus", m.gen_cpus);
	json_kv_dbl(j, "context_switches_per_frame", m.ctxt_per_frame);
	json_kv_dbl(j, "frames_per_wakeup", m.frames_per_wakeup);
	snprintf(key, sizeof(key), "frames_per_%s", r->path->batch_unit);
	json_kv_dbl(j, key, m.frames_per_batch);
	if (r->path == &bench_path_tern) {
		json_kv_dbl(j, "frames_per_ack_request", m.frames_per_request);
		json_kv_dbl(j, "ack_request_wall_us", m.request_us);
		json_kv_dbl(j, "ack_request_cpu_us", m.request_cpu_us);
		json_kv_dbl(j, "ack_request_voluntary_switches",
			    m.request_vcsw);
		json_kv_dbl(j, "ack_request_involuntary_switches",
			    m.request_ivcsw);
		json_kv_dbl(j, "window_share_in_ack_requests", m.request_share);
	}
	json_kv_obj(j, "sparse_latency_us");
	json_kv_u64(j, "samples", r->lat.n);
	json_kv_dbl(j, "p50", m.lat_p50_us);
	json_kv_dbl(j, "p90", m.lat_p90_us);
	json_kv_dbl(j, "p99", m.lat_p99_us);
	json_kv_dbl(j, "max", m.lat_max_us);
	json_obj_end(j);
	json_kv_obj(j, "generator");
	json_kv_u64(j, "sparse_frames", r->gen_sparse_frames);
	json_kv_u64(j, "sparse_late", r->gen_sparse_late);
	json_kv_dbl(j, "sparse_late_max_ms", r->gen_late_max_ns / 1e6);
	json_obj_end(j);
	json_kv_obj(j, "check");
	json_kv_u64(j, "frames_written", r->sent);
	json_kv_u64(j, "frames_delivered", r->received);
	json_kv_u64(j, "header_errors", e->hdr);
	json_kv_u64(j, "connection_errors", e->conn);
	json_kv_u64(j, "sequence_errors", e->seq);
	json_kv_u64(j, "payload_errors", e->data);
	json_kv_u64(j, "transport_errors", e->transport);
	if (e->first[0])
		json_kv_str(j, "first_error", e->first);
	json_obj_end(j);
	json_obj_end(j);
}

static void json_path(struct json *j, const struct bench_result *res,
		      unsigned int nres, const struct bench_path *p, bool tls)
{
	struct bench_headline h;
	unsigned int i;

	bench_headline_of(res, nres, p, tls, &h);
	json_kv_obj(j, p->name);
	json_kv_dbl(j, "frames_per_s", h.frames_per_s);
	json_kv_dbl(j, "cpu_ns_per_frame", h.cpu_ns_per_frame);
	json_kv_dbl(j, "reader_cpu_ns_per_frame", h.reader_cpu_ns_per_frame);
	json_kv_bool(j, "correct", h.ok);
	json_kv_arr(j, "rounds");
	for (i = 0; i < nres; i++)
		if (res[i].path == p && res[i].tls == tls)
			json_round(j, &res[i]);
	json_arr_end(j);
	json_obj_end(j);
}

static void json_ratios(struct json *j, const struct bench_headline *t,
			const struct bench_headline *e)
{
	double fps = t->frames_per_s / e->frames_per_s;
	double cpu = t->cpu_ns_per_frame / e->cpu_ns_per_frame;
	double rdr = t->reader_cpu_ns_per_frame / e->reader_cpu_ns_per_frame;

	json_kv_obj(j, "ratios_tern_over_epoll");
	json_kv_dbl(j, "frames_per_s", fps);
	json_kv_dbl(j, "cpu_ns_per_frame", cpu);
	json_kv_dbl(j, "reader_cpu_ns_per_frame", rdr);
	json_kv_dbl(j, "cpu_efficiency", 1 / cpu);
	json_kv_dbl(j, "reader_cpu_efficiency", 1 / rdr);
	json_kv_obj(j, "meets_target");
	json_kv_bool(j, "frames_per_s", fps >= BENCH_TARGET_RATIO);
	json_kv_bool(j, "cpu_efficiency", 1 / cpu >= BENCH_TARGET_RATIO);
	json_obj_end(j);
	json_obj_end(j);
}

static void json_scenario(struct json *j, const struct bench_opts *o,
			  const struct bench_result *res, unsigned int nres,
			  bool tls)
{
	struct bench_headline t, e;
	unsigned int i;

	json_obj_begin(j);
	json_kv_str(j, "name", tls ? "ktls" : "plain");
	json_kv_str(j, "transport", tls ?
		    "loopback TCP, kTLS (TLS 1.3, AES-GCM-128) on both ends" :
		    "loopback TCP");
	json_kv_obj(j, "paths");
	for (i = 0; i < ARRAY_SIZE(bench_paths); i++)
		if ((bench_paths[i] == &bench_path_tern && o->path_tern) ||
		    (bench_paths[i] == &bench_path_epoll && o->path_epoll))
			json_path(j, res, nres, bench_paths[i], tls);
	json_obj_end(j);
	bench_headline_of(res, nres, &bench_path_tern, tls, &t);
	bench_headline_of(res, nres, &bench_path_epoll, tls, &e);
	if (t.rounds && e.rounds)
		json_ratios(j, &t, &e);
	json_obj_end(j);
}

static void json_params(struct json *j, const struct bench_opts *o)
{
	json_kv_obj(j, "parameters");
	json_kv_u64(j, "sparse_connections", o->nsparse);
	json_kv_u64(j, "heavy_connections", o->nheavy);
	json_kv_u64(j, "sparse_interval_ms", o->interval_ms);
	json_kv_dbl(j, "sparse_offered_frames_per_s",
		    o->interval_ms ? o->nsparse * 1000.0 / o->interval_ms : 0);
	json_kv_str(j, "heavy_offered", "as fast as the reader takes them");
	json_kv_u64(j, "payload_bytes", o->payload);
	json_kv_u64(j, "frame_bytes", TERN_FRAME_HDR_LEN + o->payload);
	json_kv_u64(j, "heavy_frames_per_write", o->heavy_batch);
	json_kv_u64(j, "epoll_read_bytes", o->read_size);
	json_kv_u64(j, "tern_max_notifications_per_ack", o->ack_batch);
	json_kv_u64(j, "tern_rcv_window", o->rcv_window ? o->rcv_window :
		    TERN_RCV_WINDOW_DEFAULT);
	json_kv_u64(j, "tern_max_held", o->max_held ? o->max_held :
		    TERN_MAX_HELD_DEFAULT);
	json_kv_dbl(j, "warmup_s", o->warmup_s);
	json_kv_dbl(j, "duration_s", o->duration_s);
	json_kv_u64(j, "rounds", o->rounds);
	json_obj_end(j);
}

static bool bench_all_ok(const struct bench_result *res, unsigned int nres)
{
	for (unsigned int i = 0; i < nres; i++)
		if (!res[i].ok)
			return false;
	return true;
}

int bench_report_json(const struct bench_opts *o,
		      const struct bench_result *res, unsigned int nres,
		      const char *path)
{
	bool emulated = bench_emulated();
	struct json j;
	FILE *f;

	f = fopen(path, "w");
	if (!f)
		return -errno;
	json_init(&j, f, true);
	json_obj_begin(&j);
	json_kv_str(&j, "benchmark", bench_title);
	json_kv_u64(&j, "schema", 1);
	json_kv_bool(&j, "emulated", emulated);
	json_kv_str(&j, "note", emulated ? bench_note_emulated :
		    bench_note_native);
	json_kv_obj(&j, "machine");
	bench_sysinfo_json(&j);
	json_obj_end(&j);
	json_params(&j, o);
	json_kv_obj(&j, "cpu_accounting");
	json_kv_str(&j, "cpu_ns_per_frame", bench_cpu_doc);
	json_kv_str(&j, "reader_cpu_ns_per_frame", bench_reader_doc);
	json_obj_end(&j);
	json_kv_obj(&j, "target");
	json_kv_dbl(&j, "ratio", BENCH_TARGET_RATIO);
	json_kv_str(&j, "meaning", bench_target_doc);
	json_obj_end(&j);
	json_kv_arr(&j, "scenarios");
	if (o->scenario_plain)
		json_scenario(&j, o, res, nres, false);
	if (o->scenario_tls)
		json_scenario(&j, o, res, nres, true);
	json_arr_end(&j);
	json_kv_bool(&j, "correct", bench_all_ok(res, nres));
	json_obj_end(&j);
	if (fclose(f))
		return -errno;
	return 0;
}

static void summary_scenario(FILE *f, const struct bench_result *res,
			     unsigned int nres, bool tls)
{
	struct bench_headline t, e;

	bench_headline_of(res, nres, &bench_path_tern, tls, &t);
	bench_headline_of(res, nres, &bench_path_epoll, tls, &e);
	if (!t.rounds && !e.rounds)
		return;
	fprintf(f, "%-6s %-6s %12s %14s %14s  %s\n", "", "path", "frames/s",
		"cpu ns/frame", "reader ns/fr", "checks");
	if (t.rounds)
		fprintf(f, "%-6s %-6s %12.0f %14.0f %14.0f  %s\n",
			tls ? "ktls" : "plain", "tern", t.frames_per_s,
			t.cpu_ns_per_frame, t.reader_cpu_ns_per_frame,
			t.ok ? "ok" : "FAILED");
	if (e.rounds)
		fprintf(f, "%-6s %-6s %12.0f %14.0f %14.0f  %s\n",
			tls ? "ktls" : "plain", "epoll", e.frames_per_s,
			e.cpu_ns_per_frame, e.reader_cpu_ns_per_frame,
			e.ok ? "ok" : "FAILED");
	if (t.rounds && e.rounds)
		fprintf(f, "%-6s tern/epoll: frames/s %.2f, cpu efficiency %.2f, reader cpu efficiency %.2f (target >= %.1f)\n",
			"", t.frames_per_s / e.frames_per_s,
			e.cpu_ns_per_frame / t.cpu_ns_per_frame,
			e.reader_cpu_ns_per_frame / t.reader_cpu_ns_per_frame,
			BENCH_TARGET_RATIO);
}

void bench_report_summary(FILE *f, const struct bench_opts *o,
			  const struct bench_result *res, unsigned int nres)
{
	fprintf(f, "%u sparse connections (a frame every %u ms), %u heavy, %u-byte payloads, %.0f s window, %u round(s)\n",
		o->nsparse, o->interval_ms, o->nheavy, o->payload,
		o->duration_s, o->rounds);
	if (o->scenario_plain)
		summary_scenario(f, res, nres, false);
	if (o->scenario_tls)
		summary_scenario(f, res, nres, true);
	if (bench_emulated())
		fprintf(f, "(emulated CPU, QEMU TCG: only the ratios mean anything)\n");
}
