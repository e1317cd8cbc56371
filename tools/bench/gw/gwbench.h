/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tern-gwbench: one-way push latency and routed messages per second through
 * a push gateway: tern-gatewayd (either transport) or an MQTT broker
 * (mosquitto, QoS 1). See Documentation/bench.md, "The gateway benchmark".
 *
 * The core (loop.c) drives steps of offered load and measures; a system
 * (sys_tern.c, sys_mqtt.c) owns the client sessions: it sends what the core
 * asks on a sender session and reports back what its receiver sessions got
 * (gwb_delivered) and what the gateway acknowledged (gwb_acked). Senders
 * and receivers live in this one process, so the send time in a message
 * and its arrival time come from the same CLOCK_MONOTONIC.
 */
#ifndef TERN_GWBENCH_H
#define TERN_GWBENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"

#define GWB_MAX_LOADS	16
/* The message header every payload starts with (little-endian). */
#define GWB_MAGIC	0x6e626774u	/* "tgbn" */
#define GWB_HDR_LEN	24		/* magic, step, pair, seq, sched_ns */
#define GWB_MIN_PAYLOAD	GWB_HDR_LEN

struct gwb;

/* A descriptor on the core's epoll set. */
struct gwb_fd {
	int fd;
	uint32_t events;
	void (*fn)(struct gwb *b, struct gwb_fd *f, uint32_t events);
};

/* One system under test: its client sessions. */
struct gwb_sys {
	const char *name;
	/* Connect every receiver, then every sender (blocking is fine). */
	int (*open)(struct gwb *b);
	/*
	 * Queue message @msg (@len bytes) of sequence number @seq on the
	 * sender of @pair. 0, or -EAGAIN when that client cannot take more.
	 */
	int (*send)(struct gwb *b, unsigned int pair, uint32_t seq,
		    const void *msg, size_t len);
	/* End of a loop iteration: write out what was queued. */
	void (*flush)(struct gwb *b);
	/* Once a second (keepalives). */
	void (*tick)(struct gwb *b);
	void (*close)(struct gwb *b);
	/* The system's own parameters, as members of the report object. */
	void (*describe)(struct gwb *b, struct json *j);
};

extern const struct gwb_sys gwb_sys_tern;
extern const struct gwb_sys gwb_sys_mqtt;

struct gwb_opts {
	const char *system;		/* "tern" or "mqtt" */
	const char *label;		/* name in the report */
	const char *target;		/* ADDR:PORT */
	const char *ca;			/* CA file pinning the server */
	const char *name;		/* server name in its certificate */
	const char *json;		/* report file */
	const char *seed;		/* device keys (tern), client ids (mqtt) */
	unsigned int senders;
	unsigned int receivers;
	unsigned int payload;		/* bytes per message */
	double warmup_s;
	double duration_s;
	double drain_s;			/* longest wait for stragglers */
	unsigned int unloaded;		/* "unloaded" step: in flight; 0: none */
	double loads[GWB_MAX_LOADS];	/* offered msgs/s, ascending */
	unsigned int n_loads;
	bool keep_going;		/* run loads past saturation */
	unsigned int max_inflight;	/* "max" step: per pair; 0: none */
	unsigned int max_outstanding;	/* open loop: cap on unreceived */
	bool mqtt_tls;
	const char *mqtt_topic;		/* prefix */
	int verbose;
};

/* Per step. */
/*
 * OPEN: messages due at a fixed rate; CLOSED: inflight messages in flight
 * per pair; SERIAL: inflight messages in flight in all, pairs in turn.
 */
enum gwb_mode { GWB_OPEN, GWB_CLOSED, GWB_SERIAL };

struct gwb_samples {
	uint64_t *v;			/* ns */
	size_t n, cap;
};

struct gwb_pct {
	double p50, p90, p99, p999, max, mean;	/* us */
	size_t n;
};

struct gwb_cpu {
	double idle_ns;			/* idle + iowait, all CPUs */
	double self_ns;			/* this process */
	double elapsed_ns;
	unsigned int ncpus;
};

struct gwb_step {
	char name[24];
	enum gwb_mode mode;
	double rate;			/* open: offered msgs/s */
	unsigned int inflight;		/* closed: per pair; serial: in all */

	uint64_t sent, sent_window;	/* sent_window: measured messages */
	uint64_t skipped;		/* not sent: generator's cap or full */
	uint64_t recv, recv_window;	/* first arrivals; in the window */
	uint64_t dup, stale, bad;
	uint64_t acked, nacked, unreceived;
	int last_nack;
	uint64_t late_max_ns;		/* generator behind its schedule */
	struct gwb_samples lat;		/* measured, send to delivery */
	struct gwb_samples ack;		/* measured, send to ack */
	struct gwb_pct lat_pct, ack_pct;
	struct gwb_cpu cpu0, cpu1;
	bool cpu_ok;
	bool drained;
	bool saturated;
};

/* Per pair (one sender, one receiver), for the step in progress. */
struct gwb_pair {
	uint64_t *sched;		/* send time (ns) by sequence number */
	uint8_t *state;			/* GWB_S_* by sequence number */
	size_t cap;
	uint32_t next;			/* next sequence number */
	uint64_t outstanding;		/* sent, neither received nor nacked */
};

#define GWB_S_SENT	1
#define GWB_S_RECV	2
#define GWB_S_ACKED	4
#define GWB_S_NACKED	8

struct gwb {
	struct gwb_opts o;
	const struct gwb_sys *sys;
	void *priv;			/* the system's */
	int epfd;
	int tfd;			/* timerfd: the next scheduled send */
	unsigned int npairs;		/* == senders */
	struct gwb_pair *pairs;
	struct gwb_step *steps;
	unsigned int n_steps;
	struct gwb_step *cur;		/* NULL between steps */
	uint32_t step_no;		/* in every message: 1, 2, ... */
	uint64_t t_begin, t0, t1;	/* step start, window */
	uint64_t outstanding;
	uint8_t *msg;			/* the message being built */
	uint32_t run_id;		/* random, in Tern message ids */
	bool failed;
	char err[256];
};

/* loop.c */
uint64_t gwb_now_ns(void);
int gwb_fd_add(struct gwb *b, struct gwb_fd *f, int fd, uint32_t events);
int gwb_fd_mod(struct gwb *b, struct gwb_fd *f, uint32_t events);
void gwb_fd_del(struct gwb *b, struct gwb_fd *f);
/* A fatal error: the run stops and the report says why. */
void gwb_fail(struct gwb *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A receiver got message @msg. */
void gwb_delivered(struct gwb *b, const void *msg, size_t len);
/* The gateway acked (@ok) or refused message @seq of @pair in step @step. */
void gwb_acked(struct gwb *b, uint32_t step, unsigned int pair, uint32_t seq,
	       bool ok, int reason);
int gwb_run_step(struct gwb *b, struct gwb_step *s);

/* stats.c */
int gwb_samples_add(struct gwb_samples *s, uint64_t ns);
void gwb_samples_pct(struct gwb_samples *s, struct gwb_pct *p);
int gwb_cpu_sample(struct gwb_cpu *c);

/* report.c */
int gwb_report(struct gwb *b, const char *path);
void gwb_report_step_line(const struct gwb *b, const struct gwb_step *s);

#endif /* TERN_GWBENCH_H */
