// SPDX-License-Identifier: GPL-2.0
/*
 * tern-gwbench's MQTT clients (libmosquitto), the baseline: sender i
 * publishes at QoS 1 to topic PREFIX/i mod receivers, on which receiver
 * r holds a QoS 1 subscription in a persistent session (clean session
 * off), as a device would. MQTT 3.1.1, TLS 1.3 unless --mqtt-plain, TCP
 * no-delay, no client-side cap on QoS 1 messages in flight (Tern's
 * senders have none either).
 *
 * Connecting and subscribing use mosquitto_loop(); then each client's
 * socket goes on the core's epoll loop, driven with mosquitto_loop_read(),
 * mosquitto_loop_write() and, once a second, mosquitto_loop_misc().
 * mosquitto_publish() writes at once when the socket takes it. A PUBACK
 * names its message by a 16-bit id, mapped back to step and sequence
 * number here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <mosquitto.h>
#include <openssl/ssl.h>

#include "gwbench.h"

#define MS_KEEPALIVE_S	60
#define MS_SETUP_MS	20000
#define MS_MIDS		65536

struct msess {
	struct gwb_fd ev;		/* first: the loop hands us &ev */
	struct mqtt_sys *ms;
	struct mosquitto *m;
	unsigned int idx;
	bool sub;
	bool connected, subscribed;
	int rc;				/* CONNACK code, or granted QoS */
	char topic[64];
	uint32_t *mid_step, *mid_seq;	/* senders: by message id */
};

struct mqtt_sys {
	struct gwb *b;
	char host[64];
	int port;
	struct msess *sess;		/* receivers, then senders */
	unsigned int n_sess;
	bool running;
	char cipher[64];
};

static struct mqtt_sys msys;

static void ms_fail(struct msess *s, const char *what, int rc)
{
	gwb_fail(s->ms->b, "mqtt %s %u: %s%s%s", s->sub ? "receiver" : "sender",
		 s->idx, what, rc ? ": " : "",
		 rc ? mosquitto_strerror(rc) : "");
}

static void on_connect(struct mosquitto *m, void *obj, int rc)
{
	struct msess *s = obj;

	(void)m;
	s->connected = true;
	s->rc = rc;
}

static void on_subscribe(struct mosquitto *m, void *obj, int mid, int n,
			 const int *granted)
{
	struct msess *s = obj;

	(void)m;
	(void)mid;
	s->subscribed = true;
	s->rc = n > 0 ? granted[0] : -1;
}

static void on_publish(struct mosquitto *m, void *obj, int mid)
{
	struct msess *s = obj;

	(void)m;
	if (mid < 0 || mid >= MS_MIDS || !s->mid_step)
		return;
	gwb_acked(s->ms->b, s->mid_step[mid], s->idx, s->mid_seq[mid], true,
		  0);
}

static void on_message(struct mosquitto *m, void *obj,
		       const struct mosquitto_message *msg)
{
	struct msess *s = obj;

	(void)m;
	gwb_delivered(s->ms->b, msg->payload, msg->payloadlen);
}

static void on_disconnect(struct mosquitto *m, void *obj, int rc)
{
	struct msess *s = obj;

	(void)m;
	if (s->ms->running)
		ms_fail(s, "the broker closed the connection", rc);
}

static void ms_event(struct gwb *b, struct gwb_fd *f, uint32_t events)
{
	struct msess *s = (struct msess *)f;
	int rc;

	(void)b;
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
		rc = mosquitto_loop_read(s->m, 1);
		if (rc) {
			ms_fail(s, "read", rc);
			return;
		}
	}
	if (events & EPOLLOUT) {
		rc = mosquitto_loop_write(s->m, 1);
		if (rc)
			ms_fail(s, "write", rc);
	}
}

/* Run the client's own loop until @done or the setup time is up. */
static int setup_loop(struct msess *s, const bool *done, const char *what)
{
	struct timespec t0, t;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!*done) {
		rc = mosquitto_loop(s->m, 100, 1);
		if (rc) {
			ms_fail(s, what, rc);
			return -1;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 > MS_SETUP_MS) {
			ms_fail(s, what, MOSQ_ERR_TIMEOUT);
			return -1;
		}
	}
	return 0;
}

static int ms_open_one(struct gwb *b, struct msess *s)
{
	struct mqtt_sys *ms = s->ms;
	char id[64];
	int rc;

	snprintf(id, sizeof(id), "%s-%s-%u", b->o.seed, s->sub ? "sub" : "pub",
		 s->idx);
	/* Receivers: a persistent session, as a device's queue would be. */
	s->m = mosquitto_new(id, !s->sub, s);
	if (!s->m) {
		ms_fail(s, "mosquitto_new failed", 0);
		return -1;
	}
	mosquitto_int_option(s->m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
	mosquitto_int_option(s->m, MOSQ_OPT_TCP_NODELAY, 1);
	mosquitto_max_inflight_messages_set(s->m, 0);
	if (b->o.mqtt_tls) {
		rc = mosquitto_tls_set(s->m, b->o.ca, NULL, NULL, NULL, NULL);
		if (!rc)
			rc = mosquitto_tls_opts_set(s->m, 1, "tlsv1.3", NULL);
		if (rc) {
			ms_fail(s, "TLS setup", rc);
			return -1;
		}
	}
	mosquitto_connect_callback_set(s->m, on_connect);
	mosquitto_subscribe_callback_set(s->m, on_subscribe);
	mosquitto_publish_callback_set(s->m, on_publish);
	mosquitto_message_callback_set(s->m, on_message);
	mosquitto_disconnect_callback_set(s->m, on_disconnect);
	rc = mosquitto_connect(s->m, ms->host, ms->port, MS_KEEPALIVE_S);
	if (rc) {
		ms_fail(s, "connect", rc);
		return -1;
	}
	if (setup_loop(s, &s->connected, "connect"))
		return -1;
	if (s->rc) {
		gwb_fail(b, "mqtt: connection refused: %s",
			 mosquitto_connack_string(s->rc));
		return -1;
	}
	if (b->o.mqtt_tls && !ms->cipher[0] && mosquitto_ssl_get(s->m))
		snprintf(ms->cipher, sizeof(ms->cipher), "%s",
			 SSL_get_cipher_name((SSL *)mosquitto_ssl_get(s->m)));
	if (s->sub) {
		rc = mosquitto_subscribe(s->m, NULL, s->topic, 1);
		if (rc) {
			ms_fail(s, "subscribe", rc);
			return -1;
		}
		if (setup_loop(s, &s->subscribed, "subscribe"))
			return -1;
		if (s->rc != 1) {
			gwb_fail(b, "mqtt: subscription not granted at QoS 1 (%d)",
				 s->rc);
			return -1;
		}
	} else {
		s->mid_step = calloc(MS_MIDS, sizeof(*s->mid_step));
		s->mid_seq = calloc(MS_MIDS, sizeof(*s->mid_seq));
		if (!s->mid_step || !s->mid_seq) {
			gwb_fail(b, "out of memory");
			return -1;
		}
	}
	s->ev.fn = ms_event;
	if (gwb_fd_add(b, &s->ev, mosquitto_socket(s->m), EPOLLIN)) {
		ms_fail(s, "epoll", 0);
		return -1;
	}
	return 0;
}

static int mqtt_open(struct gwb *b)
{
	struct mqtt_sys *ms = &msys;
	const char *colon = strrchr(b->o.target, ':');
	unsigned int i;

	ms->b = b;
	b->priv = ms;
	if (!colon || colon == b->o.target ||
	    (size_t)(colon - b->o.target) >= sizeof(ms->host)) {
		gwb_fail(b, "mqtt: --target must be IPv4-ADDR:PORT");
		return -1;
	}
	snprintf(ms->host, sizeof(ms->host), "%.*s",
		 (int)(colon - b->o.target), b->o.target);
	ms->port = atoi(colon + 1);
	mosquitto_lib_init();
	ms->n_sess = b->o.receivers + b->o.senders;
	ms->sess = calloc(ms->n_sess, sizeof(*ms->sess));
	if (!ms->sess) {
		gwb_fail(b, "out of memory");
		return -1;
	}
	for (i = 0; i < ms->n_sess; i++) {
		struct msess *s = &ms->sess[i];

		s->ms = ms;
		s->sub = i < b->o.receivers;
		s->idx = s->sub ? i : i - b->o.receivers;
		snprintf(s->topic, sizeof(s->topic), "%s/%u", b->o.mqtt_topic,
			 s->sub ? s->idx : s->idx % b->o.receivers);
		if (ms_open_one(b, s))
			return -1;
	}
	ms->running = true;
	return 0;
}

static int mqtt_send(struct gwb *b, unsigned int pair, uint32_t seq,
		     const void *msg, size_t len)
{
	struct mqtt_sys *ms = b->priv;
	struct msess *s = &ms->sess[b->o.receivers + pair];
	int mid = 0, rc;

	rc = mosquitto_publish(s->m, &mid, s->topic, len, msg, 1, false);
	if (rc) {
		ms_fail(s, "publish", rc);
		return -EIO;
	}
	if (mid >= 0 && mid < MS_MIDS) {
		s->mid_step[mid] = b->step_no;
		s->mid_seq[mid] = seq;
	}
	return 0;
}

static void mqtt_flush(struct gwb *b)
{
	struct mqtt_sys *ms = b->priv;
	unsigned int i;

	for (i = 0; i < ms->n_sess; i++) {
		struct msess *s = &ms->sess[i];
		uint32_t ev = EPOLLIN;

		if (mosquitto_want_write(s->m))
			ev |= EPOLLOUT;
		if (gwb_fd_mod(b, &s->ev, ev))
			ms_fail(s, "epoll", 0);
	}
}

static void mqtt_tick(struct gwb *b)
{
	struct mqtt_sys *ms = b->priv;
	unsigned int i;
	int rc;

	for (i = 0; i < ms->n_sess; i++) {
		rc = mosquitto_loop_misc(ms->sess[i].m);
		if (rc)
			ms_fail(&ms->sess[i], "keepalive", rc);
	}
}

static void mqtt_close(struct gwb *b)
{
	struct mqtt_sys *ms = b->priv;
	unsigned int i;

	if (!ms)
		return;
	ms->running = false;
	for (i = 0; i < ms->n_sess; i++) {
		struct msess *s = &ms->sess[i];

		if (s->m) {
			if (s->ev.fn)
				gwb_fd_del(b, &s->ev);
			mosquitto_disconnect(s->m);
			mosquitto_destroy(s->m);
		}
		free(s->mid_step);
		free(s->mid_seq);
	}
	free(ms->sess);
	mosquitto_lib_cleanup();
	b->priv = NULL;
}

static void mqtt_describe(struct gwb *b, struct json *j)
{
	struct mqtt_sys *ms = b->priv;
	int maj, min, rev;
	char v[32];

	mosquitto_lib_version(&maj, &min, &rev);
	snprintf(v, sizeof(v), "%d.%d.%d", maj, min, rev);
	json_kv_str(j, "protocol",
		    "MQTT 3.1.1, QoS 1 publish and subscription, persistent subscriber sessions");
	json_kv_str(j, "tls", b->o.mqtt_tls ? "TLS 1.3" : "none (plain TCP)");
	json_kv_str(j, "cipher", ms && ms->cipher[0] ? ms->cipher : "");
	json_kv_str(j, "libmosquitto", v);
	json_kv_str(j, "client",
		    "libmosquitto on tern-gwbench's epoll loop: each publish written at once, no client-side in-flight cap");
	json_kv_str(j, "ack_means",
		    "PUBACK: the broker holds the message in memory; with persistence on it reaches the disk only at the next autosave");
}

const struct gwb_sys gwb_sys_mqtt = {
	.name = "mqtt",
	.open = mqtt_open,
	.send = mqtt_send,
	.flush = mqtt_flush,
	.tick = mqtt_tick,
	.close = mqtt_close,
	.describe = mqtt_describe,
};
