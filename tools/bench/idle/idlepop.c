// SPDX-License-Identifier: GPL-2.0
/*
 * tern-idlepop: a population of idle device connections for a kernel-
 * transport tern-gatewayd to adopt, set up in a minute where 100,000 TLS
 * handshakes would take an hour in the emulated VM (the handshake rate is
 * measured on its own, with real handshakes: Documentation/bench.md).
 *
 *   tern-idlepop -n N -d DATADIR [-l ADDR:PORT] [-s SRC[,SRC...]]
 *                [-H HB_MS] [-g GRACE_MS] [-o OWNER] [-w]
 *
 * Each connection is real: a TCP connection from one of the source
 * addresses (round robin) to ADDR:PORT, accepted here, with kernel TLS
 * (TLS 1.3 records, AES-256-GCM, fresh random keys for each direction)
 * installed on both ends, so that every byte either way is encrypted and
 * authenticated by the kernel. The server end goes to tern.ko with
 * conn-new as tern-gatewayd's own would (responder, its owner tag, a
 * cookie, the grace period), and a ready session for it, with a random
 * device key and push token, goes into DATADIR/kconns.db. What the
 * population skips is the handshake and the hello: the sessions are as
 * an earlier gateway would have left them.
 *
 * With -w it waits for SIGUSR1 after each stage (pairs, conns), so that
 * memory can be measured between them.
 *
 * Then the netlink socket is closed, which leaves the connections orphans
 * for the next tern-gatewayd to adopt, and the client ends (the devices)
 * are held until SIGTERM or SIGINT. Lines on stdout:
 *
 *   pairs N in MS ms          TCP and kTLS, both ends
 *   conns N in MS ms          conn-new and kconns.db
 *   ready
 *   touch: A/S answered in MS ms (failed F)       at SIGUSR1
 *   alive: A/N                                    at SIGUSR2
 *
 * SIGUSR1: every live device sends one PUSH to an unknown token, which the
 * gateway must answer (a NACK): the adopted sessions work, and each
 * gateway-side connection has received a frame, as a real device's has
 * (its hello). SIGUSR2: how many client ends are still connected (TCP
 * established, no end of stream, no unexpected frame).
 *
 * Exit status 0 after SIGTERM with every device alive, 1 if some were
 * lost, 2 on a usage or setup error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/tls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <openssl/rand.h>

#include "kstate.h"
#include "tern_nl.h"
#include "wire.h"

#ifndef SOL_TLS
#define SOL_TLS		282
#endif
#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT	24
#endif

#define IP_OWNER	"tern-gatewayd"	/* daemon/gateway/tkern.c */
#define IP_MAX_SRC	64
#define IP_TOUCH_S	120
#define IP_ROWS_TXN	10000

struct dev {
	int fd;
	bool dead;
	bool probing;
};

static struct dev *devs;
static unsigned int n_dev;
static int ep = -1;
static bool stage_wait;
static unsigned int touch_sent, touch_answered, touch_failed;
static uint64_t touch_t0;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("tern-idlepop: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: tern-idlepop -n N -d DATADIR [-l ADDR:PORT] [-s SRC[,SRC...]]\n"
"                    [-H HB_MS] [-g GRACE_MS] [-o OWNER] [-w]\n"
"\n"
"Set up N idle kTLS connections held by tern.ko for a kernel-transport\n"
"tern-gatewayd to adopt (sessions in DATADIR/kconns.db), and hold their\n"
"client ends until SIGTERM. SIGUSR1: one push from each device, answered\n"
"by the gateway; SIGUSR2: how many are still connected.\n"
"\n"
"  -n N         connections\n"
"  -d DATADIR   the gateway's data directory\n"
"  -l ADDR:PORT where the server ends listen [198.18.0.1:7471]\n"
"  -s SRC,...   client source addresses, round robin [198.18.1.1]\n"
"  -H HB_MS     the devices' heartbeat interval [1800000]\n"
"  -g GRACE_MS  how long tern.ko keeps them unowned [600000]\n"
"  -o OWNER     owner tag [" IP_OWNER "]\n"
"  -w           after each stage, wait for SIGUSR1\n");
}

static unsigned long num(const char *s, const char *what, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || !v || v > max)
		die("%s: not a number from 1 to %lu: '%s'", what, max, s);
	return v;
}

static void parse_addr(const char *s, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(s, ':');

	if (!colon || (size_t)(colon - s) >= sizeof(host))
		die("-l: not ADDR:PORT: '%s'", s);
	memcpy(host, s, colon - s);
	host[colon - s] = '\0';
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons(num(colon + 1, "-l port", 65535));
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		die("-l: not an IPv4 address: '%s'", host);
}

static unsigned int parse_srcs(char *s, struct in_addr *src)
{
	unsigned int n = 0;
	char *tok, *save;

	for (tok = strtok_r(s, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (n == IP_MAX_SRC)
			die("-s: more than %d addresses", IP_MAX_SRC);
		if (inet_pton(AF_INET, tok, &src[n]) != 1)
			die("-s: not an IPv4 address: '%s'", tok);
		n++;
	}
	if (!n)
		die("-s: no address");
	return n;
}

static void rand_fill(void *p, size_t n)
{
	if (RAND_bytes(p, n) != 1)
		die("RAND_bytes failed");
}

/*
 * One direction's kTLS state: TLS 1.3, AES-256-GCM, record sequence 0.
 * @k is the direction's key material, shared by the two ends.
 */
static void ktls_dir(int fd, int dir, const struct tls12_crypto_info_aes_gcm_256 *k)
{
	if (setsockopt(fd, SOL_TLS, dir, k, sizeof(*k)))
		die("kTLS %s: %s", dir == TLS_TX ? "TLS_TX" : "TLS_RX",
		    strerror(errno));
}

static void ktls_pair(int client, int server)
{
	struct tls12_crypto_info_aes_gcm_256 up = {
		.info.version = TLS_1_3_VERSION,
		.info.cipher_type = TLS_CIPHER_AES_GCM_256,
	}, down;

	rand_fill(up.key, sizeof(up.key));
	rand_fill(up.iv, sizeof(up.iv));
	rand_fill(up.salt, sizeof(up.salt));
	down = up;
	rand_fill(down.key, sizeof(down.key));
	rand_fill(down.iv, sizeof(down.iv));
	rand_fill(down.salt, sizeof(down.salt));
	if (setsockopt(client, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls")) ||
	    setsockopt(server, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls")))
		die("TCP_ULP tls: %s", strerror(errno));
	ktls_dir(client, TLS_TX, &up);
	ktls_dir(server, TLS_RX, &up);
	ktls_dir(server, TLS_TX, &down);
	ktls_dir(client, TLS_RX, &down);
}

static int listen_on(const struct sockaddr_in *sa)
{
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) ||
	    listen(fd, 64))
		die("listen on %s:%u: %s", inet_ntoa(sa->sin_addr),
		    ntohs(sa->sin_port), strerror(errno));
	return fd;
}

/* One connected pair: the client end returned, the server end in *srv. */
static int connect_pair(int lfd, const struct sockaddr_in *to,
			struct in_addr src, int *srv)
{
	struct sockaddr_in from = { .sin_family = AF_INET, .sin_addr = src };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket: %s", strerror(errno));
	/* The port is picked at connect(), per destination. */
	setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&from, sizeof(from)))
		die("bind %s: %s", inet_ntoa(src), strerror(errno));
	if (connect(fd, (const struct sockaddr *)to, sizeof(*to)))
		die("connect from %s: %s", inet_ntoa(src), strerror(errno));
	*srv = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (*srv < 0)
		die("accept: %s", strerror(errno));
	return fd;
}

/* -w: the stage is done; wait for SIGUSR1 (blocked) to go on. */
static void stage_done(void)
{
	sigset_t set;
	int sig;

	fflush(stdout);
	if (!stage_wait)
		return;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (sigwait(&set, &sig))
		die("sigwait failed");
}

static void raise_nofile(unsigned int n)
{
	/* Both ends of every pair, until the server ends go to tern.ko. */
	struct rlimit rl = { 2 * n + 1024, 2 * n + 1024 };

	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("cannot raise the descriptor limit to %u: %s", 2 * n + 1024,
		    strerror(errno));
}

static void populate(unsigned int n, const char *data, const char *owner,
		     const struct sockaddr_in *to, const struct in_addr *src,
		     unsigned int nsrc, uint32_t hb_ms, uint32_t grace_ms)
{
	struct kstate_row *rows = calloc(n, sizeof(*rows));
	struct tern_conn_params p = {
		.role = TERN_ROLE_RESPONDER,
		.owner_tag = owner,
		.hb_interval_ms = hb_ms,
		.max_frame = WIRE_MAX_PAYLOAD_DEFAULT + WIRE_OVERHEAD,
		.grace_ms = grace_ms,
		.given = TERN_P_HB_INTERVAL | TERN_P_MAX_FRAME | TERN_P_GRACE |
			 TERN_P_COOKIE,
	};
	struct tern_nl *nl;
	struct kstate *ks;
	char err[256];
	int lfd, *srv = calloc(n, sizeof(*srv));
	unsigned int i;
	uint64_t t0;
	int ret;

	devs = calloc(n, sizeof(*devs));
	if (!rows || !srv || !devs)
		die("out of memory");
	ret = tern_nl_open(&nl);
	if (ret)
		die("tern netlink: %s", ret == -ENOENT ?
		    "tern.ko is not loaded" : strerror(-ret));
	if (kstate_open(data, &ks, err, sizeof(err)))
		die("%s", err);

	lfd = listen_on(to);
	t0 = now_ms();
	for (i = 0; i < n; i++) {
		devs[i].fd = connect_pair(lfd, to, src[i % nsrc], &srv[i]);
		ktls_pair(devs[i].fd, srv[i]);
	}
	close(lfd);
	n_dev = n;
	/* The devices' side, measured with their sockets. */
	for (i = 0; i < n; i++) {
		struct epoll_event ev = {
			.events = EPOLLIN | EPOLLRDHUP,
			.data.ptr = &devs[i],
		};

		if (epoll_ctl(ep, EPOLL_CTL_ADD, devs[i].fd, &ev))
			die("epoll: %s", strerror(errno));
	}
	printf("pairs %u in %llu ms\n", n, (unsigned long long)(now_ms() - t0));
	stage_done();

	t0 = now_ms();
	for (i = 0; i < n; i++) {
		struct kstate_row *r = &rows[i];
		uint32_t id;

		rand_fill(&r->cookie, sizeof(r->cookie));
		rand_fill(r->exporter, sizeof(r->exporter));
		rand_fill(r->dkey, sizeof(r->dkey));
		rand_fill(r->token, sizeof(r->token));
		r->ready = true;
		r->hb_ms = hb_ms;
		p.fd = srv[i];
		p.cookie = r->cookie;
		if (tern_nl_conn_new(nl, &p, &id))
			die("conn-new %u of %u: %s", i + 1, n,
			    tern_nl_error(nl));
		close(srv[i]);
	}
	for (i = 0; i < n; i += IP_ROWS_TXN) {
		unsigned int k = n - i < IP_ROWS_TXN ? n - i : IP_ROWS_TXN;

		if (kstate_add_ready(ks, rows + i, k))
			die("kconns.db: %s", kstate_error(ks));
	}
	printf("conns %u in %llu ms\n", n, (unsigned long long)(now_ms() - t0));
	stage_done();
	kstate_close(ks);
	/* The connections become orphans, for the gateway to adopt. */
	tern_nl_close(nl);
	free(rows);
	free(srv);
	printf("ready\n");
	fflush(stdout);
}

static void dev_dead(struct dev *d)
{
	if (d->dead)
		return;
	d->dead = true;
	epoll_ctl(ep, EPOLL_CTL_DEL, d->fd, NULL);
	if (d->probing) {
		d->probing = false;
		touch_failed++;
	}
}

static void touch_check(void)
{
	if (!touch_sent || touch_answered + touch_failed < touch_sent)
		return;
	printf("touch: %u/%u answered in %llu ms (failed %u)\n",
	       touch_answered, touch_sent,
	       (unsigned long long)(now_ms() - touch_t0), touch_failed);
	fflush(stdout);
	touch_sent = 0;
}

static void touch(void)
{
	uint8_t token[WIRE_TOKEN_LEN], id[WIRE_MSG_ID_LEN];
	unsigned int i;

	if (touch_sent) {
		fprintf(stderr, "tern-idlepop: a touch is still running\n");
		return;
	}
	touch_t0 = now_ms();
	touch_answered = touch_failed = 0;
	rand_fill(token, sizeof(token));
	for (i = 0; i < n_dev; i++) {
		struct dev *d = &devs[i];
		Tern__Push push = TERN__PUSH__INIT;
		uint8_t *buf;
		size_t len;

		if (d->dead)
			continue;
		rand_fill(id, sizeof(id));
		push.token = wire_bytes(token, sizeof(token));
		push.msg_id = wire_bytes(id, sizeof(id));
		if (wire_pack(WIRE_PUSH, &push.base, &buf, &len))
			die("cannot pack a push");
		touch_sent++;
		d->probing = true;
		if (write(d->fd, buf, len) != (ssize_t)len)
			dev_dead(d);
		free(buf);
	}
	if (!touch_sent)
		printf("touch: no live device\n");
	touch_check();
}

static void alive(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < n_dev; i++) {
		struct tcp_info ti;
		socklen_t len = sizeof(ti);

		if (devs[i].dead)
			continue;
		if (getsockopt(devs[i].fd, IPPROTO_TCP, TCP_INFO, &ti, &len) ||
		    ti.tcpi_state != TCP_ESTABLISHED)
			dev_dead(&devs[i]);
		else
			n++;
	}
	printf("alive: %u/%u\n", n, n_dev);
	fflush(stdout);
}

/* Input on a device: the answer to a touch, or the end. */
static void dev_read(struct dev *d)
{
	uint8_t buf[4096];
	ssize_t n = read(d->fd, buf, sizeof(buf));

	if (n < 0 && errno == EAGAIN)
		return;
	if (n < TERN_FRAME_HDR_LEN || !d->probing) {
		/* The end, a TLS alert (EIO), or a frame not asked for
		 * (a CLOSE): this device is gone.
		 */
		if (n > 0)
			fprintf(stderr, "tern-idlepop: device %td: a %s frame\n",
				d - devs, wire_type_name(buf[1]));
		dev_dead(d);
		touch_check();
		return;
	}
	d->probing = false;
	if (buf[1] == WIRE_NACK) {
		touch_answered++;
	} else {
		touch_failed++;
		fprintf(stderr, "tern-idlepop: device %td: a %s frame\n",
			d - devs, wire_type_name(buf[1]));
	}
	touch_check();
}

int main(int argc, char **argv)
{
	struct sockaddr_in to;
	struct in_addr src[IP_MAX_SRC];
	char srcs[1024] = "198.18.1.1";
	const char *data = NULL, *owner = IP_OWNER;
	unsigned int n = 0, nsrc, i, lost;
	uint32_t hb_ms = 1800000, grace_ms = 600000;
	struct epoll_event evs[256];
	sigset_t mask;
	int c, sfd;
	bool stop = false;

	parse_addr("198.18.0.1:7471", &to);
	while ((c = getopt(argc, argv, "n:d:l:s:H:g:o:wh")) != -1) {
		switch (c) {
		case 'n':
			n = num(optarg, "-n", 1000000);
			break;
		case 'd':
			data = optarg;
			break;
		case 'l':
			parse_addr(optarg, &to);
			break;
		case 's':
			if (strlen(optarg) >= sizeof(srcs))
				die("-s: too long");
			strcpy(srcs, optarg);
			break;
		case 'H':
			hb_ms = num(optarg, "-H", TERN_HB_INTERVAL_MAX);
			break;
		case 'g':
			grace_ms = num(optarg, "-g", TERN_GRACE_MAX);
			break;
		case 'o':
			owner = optarg;
			break;
		case 'w':
			stage_wait = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || !n || !data) {
		usage(stderr);
		return 2;
	}
	nsrc = parse_srcs(srcs, src);
	raise_nofile(n);

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGUSR2);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (sfd < 0 || ep < 0)
		die("signalfd/epoll: %s", strerror(errno));

	populate(n, data, owner, &to, src, nsrc, hb_ms, grace_ms);

	{
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };

		epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
	}
	while (!stop) {
		int k = epoll_wait(ep, evs, 256, 1000);

		if (k < 0 && errno != EINTR)
			die("epoll_wait: %s", strerror(errno));
		for (c = 0; c < k; c++) {
			struct signalfd_siginfo si;

			if (evs[c].data.ptr) {
				dev_read(evs[c].data.ptr);
				continue;
			}
			if (read(sfd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (si.ssi_signo == SIGUSR1)
				touch();
			else if (si.ssi_signo == SIGUSR2)
				alive();
			else
				stop = true;
		}
		if (touch_sent && now_ms() - touch_t0 > IP_TOUCH_S * 1000) {
			printf("touch: timeout: %u/%u answered (failed %u)\n",
			       touch_answered, touch_sent, touch_failed);
			fflush(stdout);
			touch_sent = 0;
		}
	}
	alive();
	for (i = 0, lost = 0; i < n_dev; i++) {
		lost += devs[i].dead;
		close(devs[i].fd);
	}
	free(devs);
	return lost ? 1 : 0;
}
