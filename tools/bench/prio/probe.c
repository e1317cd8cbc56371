// SPDX-License-Identifier: GPL-2.0
/*
 * The probe: COUNT pushes at RATE a second through the sending ternd's
 * control socket to the receiving ternd's push token, the real path
 * (ternd -> the uplink -> tern-gatewayd -> ternd). Each payload carries
 * the run's id, its sequence number and its send time on CLOCK_MONOTONIC;
 * the receiving side is followed (CtlRecv follow, consume) on the same
 * process's clock, so a latency is the arrival of the reply that hands the
 * message over minus the time in the payload: what an application on the
 * receiving device would see, store writes on both daemons included.
 *
 * Sends are paced on a fixed schedule, one request at a time (ternd
 * answers a send once the push is in its outbox). A push that has not
 * arrived DRAIN seconds after the last send is lost; a second copy of one
 * (ternd sends again when the gateway's ack is late) is a duplicate and
 * counted, never measured.
 */
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "priobench.h"
#include "wire.h"

static const struct option opts[] = {
	{ "sender", required_argument, NULL, 's' },
	{ "receiver", required_argument, NULL, 'r' },
	{ "count", required_argument, NULL, 'n' },
	{ "rate", required_argument, NULL, 'R' },
	{ "payload", required_argument, NULL, 'p' },
	{ "drain", required_argument, NULL, 'D' },
	{ "ready-timeout", required_argument, NULL, 'W' },
	{ "label", required_argument, NULL, 'l' },
	{ "json", required_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: tern-priobench probe --sender SOCK --receiver SOCK [options]\n"
"\n"
"Push COUNT messages at RATE a second through the ternd at control socket\n"
"SOCK (--sender) to the ternd at --receiver, and report each one's latency\n"
"as JSON. Options (defaults in brackets):\n"
"  -n, --count N          pushes [200]\n"
"  -R, --rate R           pushes per second [5]\n"
"  -p, --payload BYTES    payload size, %d..%d [64]\n"
"  -D, --drain S          wait for stragglers after the last send [60]\n"
"  -W, --ready-timeout S  wait for both ternds to be ready [60]\n"
"  -l, --label NAME       the run's name in the report [probe]\n"
"  -j, --json FILE        the report (- for stdout) [-]\n"
"Exit status: 0 with a report (losses are results), 1 when the probe\n"
"could not run, 2 on bad usage.\n", PB_HDR_LEN, PB_MAX_PAYLOAD);
}

struct probe {
	const char *snd_path, *rcv_path, *json;
	double drain_s, ready_s;
	struct pb_result r;
	uint64_t run;
	int fd_snd, fd_rcv;
	bool waiting;			/* a send request awaits its reply */
};

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { ns / 1000000000, ns % 1000000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Both daemons connected to the gateway, within the timeout. */
static int wait_ready(struct probe *p)
{
	uint64_t until = pb_now_ns() + (uint64_t)(p->ready_s * 1e9);
	int a, b;

	for (;;) {
		a = ctl_status(p->snd_path, &p->r.sender);
		b = ctl_status(p->rcv_path, &p->r.receiver);
		if (!a && !b && !strcmp(p->r.sender.state, "ready") &&
		    !strcmp(p->r.receiver.state, "ready") &&
		    p->r.receiver.have_token)
			return 0;
		if (pb_now_ns() >= until)
			break;
		sleep_ns(100000000);
	}
	fprintf(stderr, "tern-priobench: the ternds were not ready within %g s (sender: %s, receiver: %s)\n",
		p->ready_s, a ? strerror(-a) : p->r.sender.state,
		b ? strerror(-b) : p->r.receiver.state);
	return -ETIMEDOUT;
}

static int follow(struct probe *p)
{
	Tern__CtlRequest req = TERN__CTL_REQUEST__INIT;
	Tern__CtlRecv rv = TERN__CTL_RECV__INIT;

	rv.consume = true;
	rv.follow = true;
	req.req_case = TERN__CTL_REQUEST__REQ_RECV;
	req.recv = &rv;
	return ctl_send(p->fd_rcv, &req);
}

static void put_le32(uint8_t *b, uint32_t v)
{
	v = htole32(v);
	memcpy(b, &v, 4);
}

static void put_le64(uint8_t *b, uint64_t v)
{
	v = htole64(v);
	memcpy(b, &v, 8);
}

static uint32_t get_le32(const uint8_t *b)
{
	uint32_t v;

	memcpy(&v, b, 4);
	return le32toh(v);
}

static uint64_t get_le64(const uint8_t *b)
{
	uint64_t v;

	memcpy(&v, b, 8);
	return le64toh(v);
}

/* Push number @seq now: its send time goes into the payload. */
static int send_one(struct probe *p, uint32_t seq, uint64_t now)
{
	Tern__CtlRequest req = TERN__CTL_REQUEST__INIT;
	Tern__CtlSend s = TERN__CTL_SEND__INIT;
	uint8_t id[16], payload[PB_MAX_PAYLOAD];
	uint64_t be = htobe64(seq);

	memcpy(id, &p->run, 8);
	memcpy(id + 8, &be, 8);
	memset(payload, 'p', p->r.payload);
	put_le32(payload, PB_MAGIC);
	put_le64(payload + 4, p->run);
	put_le32(payload + 12, seq);
	put_le64(payload + 16, now);
	s.token = wire_bytes(p->r.receiver.token, sizeof(p->r.receiver.token));
	s.msg_id = wire_bytes(id, sizeof(id));
	s.payload = wire_bytes(payload, p->r.payload);
	req.req_case = TERN__CTL_REQUEST__REQ_SEND;
	req.send = &s;
	return ctl_send(p->fd_snd, &req);
}

static void arrived(struct probe *p, const Tern__CtlMessage *m, uint64_t now)
{
	const uint8_t *b = m->payload.data;
	uint32_t seq;
	uint64_t sent;

	if (m->payload.len < PB_HDR_LEN || get_le32(b) != PB_MAGIC ||
	    get_le64(b + 4) != p->run) {
		p->r.foreign++;		/* an earlier run's straggler */
		return;
	}
	seq = get_le32(b + 12);
	sent = get_le64(b + 16);
	if (seq >= p->r.count || sent > now) {
		p->r.foreign++;
		return;
	}
	if (p->r.lat_ns[seq] >= 0) {
		p->r.duplicates++;
		return;
	}
	p->r.lat_ns[seq] = (int64_t)(now - sent);
	p->r.delivered++;
}

/* One reply on either socket: 0, or -errno when a ternd went away. */
static int on_reply(struct probe *p, int fd)
{
	Tern__CtlReply *r = ctl_recv(fd);
	uint64_t now = pb_now_ns();
	size_t i;

	if (!r)
		return errno ? -errno : -ECONNRESET;
	if (fd == p->fd_snd) {
		p->waiting = false;
		if (r->error) {
			p->r.send_errors++;
			if (p->r.send_errors <= 3)
				fprintf(stderr, "tern-priobench: send refused: %s\n",
					r->detail && r->detail[0] ? r->detail :
					strerror(r->error < 0 ? -r->error : r->error));
		}
	} else {
		if (r->error) {
			fprintf(stderr, "tern-priobench: recv refused: %s\n",
				r->detail ? r->detail : "");
			ctl_free(r);
			return -EIO;
		}
		for (i = 0; i < r->n_messages; i++)
			arrived(p, r->messages[i], now);
	}
	ctl_free(r);
	return 0;
}

static int run(struct probe *p)
{
	uint64_t period = (uint64_t)(1e9 / p->r.rate), drain =
		(uint64_t)(p->drain_s * 1e9);
	unsigned int next = 0;
	int ret;

	p->r.start_ns = pb_now_ns();
	for (;;) {
		uint64_t now = pb_now_ns(), due = p->r.start_ns + next * period;
		struct pollfd pf[2];
		int64_t wait_ns;
		struct timespec ts;
		int n = 0, i;

		if (next < p->r.count && !p->waiting && now >= due) {
			ret = send_one(p, next, now);
			if (ret)
				return ret;
			p->waiting = true;
			if (now - due > p->r.late_max_ns)
				p->r.late_max_ns = now - due;
			p->r.last_send_ns = now;
			next++;
			continue;
		}
		if (next == p->r.count && !p->waiting &&
		    (p->r.delivered == p->r.count ||
		     now >= p->r.last_send_ns + drain))
			break;
		if (p->waiting && now >= p->r.last_send_ns + drain +
		    1000000000) {
			fprintf(stderr, "tern-priobench: the sending ternd did not answer a send\n");
			return -ETIMEDOUT;
		}
		if (next < p->r.count && !p->waiting)
			wait_ns = (int64_t)(due - now);
		else if (next == p->r.count)
			wait_ns = (int64_t)(p->r.last_send_ns + drain - now);
		else
			wait_ns = 1000000000;	/* the send's reply */
		if (wait_ns < 0)
			wait_ns = 0;
		ts.tv_sec = wait_ns / 1000000000;
		ts.tv_nsec = wait_ns % 1000000000;
		pf[n++] = (struct pollfd){ .fd = p->fd_rcv, .events = POLLIN };
		if (p->waiting)
			pf[n++] = (struct pollfd){ .fd = p->fd_snd,
						   .events = POLLIN };
		if (ppoll(pf, n, &ts, NULL) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (i = 0; i < n; i++) {
			if (!pf[i].revents)
				continue;
			ret = on_reply(p, pf[i].fd);
			if (ret) {
				fprintf(stderr, "tern-priobench: the %s ternd went away\n",
					pf[i].fd == p->fd_snd ? "sending" :
					"receiving");
				return ret;
			}
		}
	}
	p->r.end_ns = pb_now_ns();
	return 0;
}

int pb_probe_main(int argc, char **argv)
{
	struct probe p = {
		.json = "-", .drain_s = 60, .ready_s = 60,
		.r = { .label = "probe", .count = 200, .rate = 5,
		       .payload = 64 },
		.fd_snd = -1, .fd_rcv = -1,
	};
	unsigned int i;
	int o, ret;

	while ((o = getopt_long(argc, argv, "s:r:n:R:p:D:W:l:j:h", opts,
				NULL)) != -1) {
		switch (o) {
		case 's':
			p.snd_path = optarg;
			break;
		case 'r':
			p.rcv_path = optarg;
			break;
		case 'n':
			p.r.count = (unsigned int)pb_num("--count", optarg, 1,
							 PB_MAX_COUNT);
			break;
		case 'R':
			p.r.rate = pb_num("--rate", optarg, 0.01, 1000);
			break;
		case 'p':
			p.r.payload = (unsigned int)pb_num("--payload", optarg,
							   PB_HDR_LEN,
							   PB_MAX_PAYLOAD);
			break;
		case 'D':
			p.drain_s = pb_num("--drain", optarg, 0, 3600);
			break;
		case 'W':
			p.ready_s = pb_num("--ready-timeout", optarg, 0, 3600);
			break;
		case 'l':
			p.r.label = optarg;
			break;
		case 'j':
			p.json = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || !p.snd_path || !p.rcv_path) {
		usage(stderr);
		return 2;
	}
	p.r.lat_ns = malloc(p.r.count * sizeof(*p.r.lat_ns));
	if (!p.r.lat_ns)
		return 1;
	for (i = 0; i < p.r.count; i++)
		p.r.lat_ns[i] = -1;
	if (getrandom(&p.run, sizeof(p.run), 0) != sizeof(p.run)) {
		perror("tern-priobench: getrandom");
		return 1;
	}
	if (wait_ready(&p))
		return 1;
	p.fd_rcv = ctl_open(p.rcv_path);
	p.fd_snd = ctl_open(p.snd_path);
	if (p.fd_rcv < 0 || p.fd_snd < 0) {
		fprintf(stderr, "tern-priobench: cannot connect to %s\n",
			p.fd_rcv < 0 ? p.rcv_path : p.snd_path);
		return 1;
	}
	ret = follow(&p);
	if (!ret)
		ret = run(&p);
	close(p.fd_snd);
	close(p.fd_rcv);
	if (ret) {
		fprintf(stderr, "tern-priobench: probe failed: %s\n",
			strerror(-ret));
		return 1;
	}
	ret = pb_report(&p.r, p.json);
	free(p.r.lat_ns);
	if (ret) {
		fprintf(stderr, "tern-priobench: writing %s: %s\n", p.json,
			strerror(-ret));
		return 1;
	}
	return 0;
}
