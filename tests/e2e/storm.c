// SPDX-License-Identifier: GPL-2.0
/*
 * storm: a crowd of devices at once, for the reconnect-storm tests. One
 * process opens N TLS sessions concurrently (non-blocking sockets on one
 * epoll loop), each device with its own Ed25519 key, derived from a seed
 * so that the same device comes back after a reconnect or in another run.
 * Each sends its hello and waits for HELLO_OK.
 *
 * A connection that fails (closed by the gateway at accept beyond its
 * max-unauth, refused while it restarts, a TLS error, a CLOSE, no
 * HELLO_OK in time) is tried again as ternd does: exponential backoff with
 * full jitter (base 500 ms, cap 5 min), never sooner than the backoff hint
 * of a CLOSE. Authenticated sessions are held; one that is lost (the
 * gateway restarted) reconnects the same way.
 *
 *   storm -g ADDR:PORT -C CA -n NAME [-N DEVICES] [-S SEED] [-b SRC,...]
 *         [-T ROUND_MS] [-B BASE_MS] [-X CAP_MS] [-v]
 *
 *   -N  devices [5000]
 *   -S  key seed [storm]: device i's private key is SHA-256(SEED ":" i)
 *   -b  local addresses to connect from, round robin
 *   -T  a round that takes longer than this fails [300000]
 *   -B, -X  reconnect backoff base and cap [500, 300000]
 *   -v  progress on stderr, once a second
 *
 * SIGUSR1 sends one PUSH to an unknown token on every live session: the
 * gateway itself must answer each (a NACK), which shows the sessions work
 * end to end, e.g. after the gateway restarted and adopted them.
 *
 * A round begins at the start (every device connects at once), and again
 * at the first loss of a session after the previous round completed; it
 * completes when all N are authenticated again. Lines on stdout:
 *
 *   keys N MS
 *   round R: N/N in MS ms (p50 MS p99 MS, attempts A, max per device M,
 *            refused F, conn-err E, tls-err T, timeouts O, closes C)
 *   probe: A/S answered in MS ms (failed F)
 *   exit: live L lost K rounds R
 *
 * The last at SIGTERM or SIGINT. Exit status 0 if all N were live at
 * the end, 1 if not or if a round took longer than ROUND_MS (a line
 * "round R: timeout ..." says how far it got), 2 on a usage or setup error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "backoff.h"
#include "evloop.h"
#include "frame.h"
#include "ident.h"
#include "netaddr.h"
#include "tls.h"
#include "wire.h"

#define ST_ATTEMPT_MS	20000		/* TCP + TLS + HELLO_OK, as ternd */
#define ST_HEARTBEAT_MS	600000		/* announced; the test is shorter */
#define ST_MAX_SRC	16

enum dstate { D_IDLE, D_CONNECT, D_TLS, D_HELLO, D_UP };

struct dev {
	struct ev_fd ev;		/* first: the loop hands us &ev */
	struct ev_timer timer;		/* the retry, or the deadline */
	unsigned int idx;
	enum dstate state;
	EVP_PKEY *key;
	uint8_t pub[IDENT_KEY_LEN];
	SSL *ssl;
	struct backoff bo;
	struct tern_parser parser;
	uint8_t *out;			/* the hello, while not yet written */
	size_t out_len;
	unsigned int attempts;		/* in this round */
	bool in_round;			/* to be counted in this round */
	bool probing;			/* a probe push awaits its answer */
};

struct round {
	unsigned int no;
	bool open;
	uint64_t start_ms;
	unsigned int done;		/* authenticated in this round */
	unsigned int *ms;		/* their times, from the start */
	unsigned long attempts, refused, conn_err, tls_err, timeouts;
	unsigned long closes[16];
	unsigned int max_attempts;
};

static const char *gw_addr, *ca_file, *gw_name, *seed = "storm";
static struct sockaddr_storage gw_ss;
static socklen_t gw_len;
static struct sockaddr_in srcs[ST_MAX_SRC];
static unsigned int n_src, next_src;
static unsigned int n_dev = 5000, n_up, lost;
static uint32_t round_limit_ms = 300000, bo_base = 500, bo_cap = 300000;
static int verbose;
static struct dev *devs;
static struct evloop *loop;
static SSL_CTX *ctx;
static struct round rnd;
static int exit_code;
static char first_tls_err[256];
static unsigned int probe_sent, probe_answered, probe_failed;
static uint64_t probe_start_ms;
static bool probe_sending;

static void die(const char *what)
{
	fprintf(stderr, "storm: %s\n", what);
	exit(2);
}

static void round_begin(void)
{
	unsigned int i;

	rnd.no++;
	rnd.open = true;
	rnd.start_ms = ev_now_ms();
	rnd.done = 0;
	rnd.attempts = rnd.refused = rnd.conn_err = rnd.tls_err = 0;
	rnd.timeouts = rnd.max_attempts = 0;
	memset(rnd.closes, 0, sizeof(rnd.closes));
	for (i = 0; i < n_dev; i++) {
		devs[i].in_round = devs[i].state != D_UP;
		devs[i].attempts = 0;
	}
}

static int cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

static void round_print(const char *how)
{
	unsigned int i, p50 = 0, p99 = 0;
	unsigned long closes = 0;
	char cl[256] = "";
	size_t off = 0;

	if (rnd.done) {
		qsort(rnd.ms, rnd.done, sizeof(*rnd.ms), cmp_uint);
		p50 = rnd.ms[(rnd.done - 1) / 2];
		p99 = rnd.ms[(rnd.done - 1) * 99 / 100];
	}
	for (i = 0; i < 16; i++) {
		closes += rnd.closes[i];
		if (rnd.closes[i] && off < sizeof(cl))
			off += snprintf(cl + off, sizeof(cl) - off, " %s %lu",
					wire_close_name(i), rnd.closes[i]);
	}
	printf("round %u: %s%u/%u in %llu ms (p50 %u p99 %u, attempts %lu, "
	       "max per device %u, refused %lu, conn-err %lu, tls-err %lu, "
	       "timeouts %lu, closes %lu%s)\n", rnd.no, how, n_up, n_dev,
	       (unsigned long long)(ev_now_ms() - rnd.start_ms), p50, p99,
	       rnd.attempts, rnd.max_attempts, rnd.refused, rnd.conn_err,
	       rnd.tls_err, rnd.timeouts, closes, cl);
	if (first_tls_err[0])
		printf("# first TLS error: %s\n", first_tls_err);
	first_tls_err[0] = '\0';
}

static void probe_check(void)
{
	if (probe_sending || !probe_sent ||
	    probe_answered + probe_failed < probe_sent)
		return;
	printf("probe: %u/%u answered in %llu ms (failed %u)\n",
	       probe_answered, probe_sent,
	       (unsigned long long)(ev_now_ms() - probe_start_ms),
	       probe_failed);
	probe_sent = 0;
}

static void dev_close_conn(struct dev *d)
{
	if (d->ssl) {
		SSL_free(d->ssl);
		d->ssl = NULL;
	}
	if (d->ev.fd >= 0) {
		ev_fd_del(loop, &d->ev);
		close(d->ev.fd);
		d->ev.fd = -1;
	}
	free(tern_parser_reset(&d->parser));
	free(d->out);
	d->out = NULL;
	d->out_len = 0;
}

/* The attempt (or the session) is over: try again after the backoff. */
static void dev_fail(struct dev *d)
{
	if (d->probing) {
		d->probing = false;
		probe_failed++;
		probe_check();
	}
	if (d->state == D_UP) {
		n_up--;
		lost++;
		if (!rnd.open)
			round_begin();
		d->in_round = true;
	}
	dev_close_conn(d);
	d->state = D_IDLE;
	ev_timer_at(loop, &d->timer, backoff_when(&d->bo, ev_now_ms()));
}

static void dev_up(struct dev *d)
{
	d->state = D_UP;
	ev_timer_stop(loop, &d->timer);
	backoff_reset(&d->bo);
	n_up++;
	if (rnd.open && d->in_round) {
		d->in_round = false;
		rnd.ms[rnd.done++] = ev_now_ms() - rnd.start_ms;
		if (d->attempts > rnd.max_attempts)
			rnd.max_attempts = d->attempts;
	}
	if (rnd.open && n_up == n_dev) {
		round_print("");
		rnd.open = false;
	}
}

/* Frames from the gateway. */
static int fr_begin(void *ctx_, const struct tern_hdr *h, void **buf)
{
	(void)ctx_;
	*buf = h->len ? malloc(h->len) : NULL;
	return h->len && !*buf ? -ENOMEM : 0;
}

static int fr_end(void *ctx_, const struct tern_hdr *h, void *buf)
{
	struct dev *d = ctx_;
	ProtobufCMessage *m = NULL;
	char err[160];
	int ret = 0;

	if (h->type < TERN_FRAME_USER_MIN)
		goto out;	/* PING, PONG: the gateway sends none */
	if (wire_decode(h->type, buf, h->len, &m, err, sizeof(err))) {
		fprintf(stderr, "storm: device %u: %s\n", d->idx, err);
		ret = -EPROTO;
		goto out;
	}
	if (h->type == WIRE_HELLO_OK && d->state == D_HELLO) {
		dev_up(d);
	} else if ((h->type == WIRE_NACK || h->type == WIRE_ACK) &&
		   d->probing) {
		d->probing = false;
		probe_answered++;
		probe_check();
	} else if (h->type == WIRE_CLOSE) {
		Tern__Close *c = (void *)m;

		/* A session lost: its CLOSE counts in the round it begins. */
		if (d->state == D_UP && !rnd.open)
			round_begin();
		if (c->reason >= 0 && c->reason < 16)
			rnd.closes[c->reason]++;
		if (c->backoff_ms)
			backoff_hint(&d->bo, c->backoff_ms, ev_now_ms());
		ret = -ECONNRESET;
	}
out:
	if (m)
		wire_free(m);
	free(buf);
	return ret;
}

static const struct tern_parser_ops fr_ops = {
	.begin = fr_begin,
	.end = fr_end,
};

/* Write what is pending; -1 when the connection failed. */
static int dev_write(struct dev *d)
{
	while (d->out_len) {
		int n = SSL_write(d->ssl, d->out, d->out_len);

		if (n > 0) {
			d->out_len = 0;	/* SSL_write writes all or nothing */
			break;
		}
		switch (SSL_get_error(d->ssl, n)) {
		case SSL_ERROR_WANT_WRITE:
			ev_fd_mod(loop, &d->ev, EPOLLIN | EPOLLOUT);
			return 0;
		case SSL_ERROR_WANT_READ:
			return 0;
		default:
			ERR_clear_error();
			return -1;
		}
	}
	ev_fd_mod(loop, &d->ev, EPOLLIN);
	return 0;
}

static void dev_read(struct dev *d)
{
	uint8_t buf[4096];

	for (;;) {
		int n = SSL_read(d->ssl, buf, sizeof(buf));

		if (n > 0) {
			int err = tern_parser_feed(&d->parser,
						   TERN_FRAME_MAX_PAYLOAD,
						   buf, n, &fr_ops, d);

			if (err) {
				dev_fail(d);
				return;
			}
			continue;
		}
		switch (SSL_get_error(d->ssl, n)) {
		case SSL_ERROR_WANT_READ:
			return;
		case SSL_ERROR_WANT_WRITE:
			ev_fd_mod(loop, &d->ev, EPOLLIN | EPOLLOUT);
			return;
		default:
			ERR_clear_error();
			dev_fail(d);
			return;
		}
	}
}

static void send_hello(struct dev *d)
{
	uint8_t exporter[TLS_EXPORTER_LEN], tr[IDENT_HELLO_MAX];
	uint8_t sig[IDENT_SIG_LEN];
	Tern__Hello h = TERN__HELLO__INIT;
	uint64_t ts = ev_wall_ms();
	size_t n;

	if (tls_check_alpn(d->ssl) || tls_exporter(d->ssl, exporter)) {
		rnd.tls_err++;
		dev_fail(d);
		return;
	}
	n = ident_hello_transcript(tr, exporter, ts, d->pub, NULL);
	if (ident_sign(d->key, tr, n, sig))
		die("cannot sign a hello");
	h.version = WIRE_VERSION;
	h.device_key = wire_bytes(d->pub, IDENT_KEY_LEN);
	h.timestamp_ms = ts;
	h.signature = wire_bytes(sig, IDENT_SIG_LEN);
	h.heartbeat_ms = ST_HEARTBEAT_MS;
	if (wire_pack(WIRE_HELLO, &h.base, &d->out, &d->out_len))
		die("cannot pack a hello");
	d->state = D_HELLO;
	if (dev_write(d)) {
		dev_fail(d);
		return;
	}
	dev_read(d);
}

/* Was the connection ended before the handshake could finish (the
 * gateway's close at accept), rather than a TLS error?
 */
static bool ended_early(SSL *ssl, int ret)
{
	unsigned long e;

	switch (SSL_get_error(ssl, ret)) {
	case SSL_ERROR_SYSCALL:
	case SSL_ERROR_ZERO_RETURN:
		return true;
	case SSL_ERROR_SSL:
		e = ERR_peek_error();
		return ERR_GET_LIB(e) == ERR_LIB_SSL &&
		       ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
	default:
		return false;
	}
}

static void dev_tls(struct dev *d)
{
	int n = SSL_connect(d->ssl);

	if (n == 1) {
		send_hello(d);
		return;
	}
	switch (SSL_get_error(d->ssl, n)) {
	case SSL_ERROR_WANT_READ:
		ev_fd_mod(loop, &d->ev, EPOLLIN);
		return;
	case SSL_ERROR_WANT_WRITE:
		ev_fd_mod(loop, &d->ev, EPOLLOUT);
		return;
	}
	if (ended_early(d->ssl, n)) {
		rnd.refused++;
	} else {
		rnd.tls_err++;
		if (!first_tls_err[0])
			tls_handshake_error(d->ssl, n, first_tls_err,
					    sizeof(first_tls_err));
	}
	ERR_clear_error();
	dev_fail(d);
}

static void dev_event(struct ev_fd *ev, uint32_t events)
{
	struct dev *d = (struct dev *)ev;
	char err[256];
	socklen_t len;
	int soerr = 0;

	switch (d->state) {
	case D_CONNECT:
		len = sizeof(soerr);
		if (getsockopt(ev->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) ||
		    soerr) {
			rnd.conn_err++;
			dev_fail(d);
			return;
		}
		if (!(events & EPOLLOUT))
			return;
		d->ssl = SSL_new(ctx);
		if (!d->ssl || tls_client_prepare(d->ssl, gw_name, err,
						  sizeof(err)) ||
		    !SSL_set_fd(d->ssl, ev->fd))
			die("SSL setup");
		d->state = D_TLS;
		dev_tls(d);
		return;
	case D_TLS:
		dev_tls(d);
		return;
	case D_HELLO:
	case D_UP:
		if ((events & EPOLLOUT) && dev_write(d)) {
			dev_fail(d);
			return;
		}
		dev_read(d);
		return;
	case D_IDLE:
		return;
	}
}

static void dev_connect(struct dev *d)
{
	int fd, one = 1;

	d->attempts++;
	rnd.attempts++;
	fd = socket(gw_ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: out of descriptors?");
	if (n_src) {
		struct sockaddr_in *src = &srcs[next_src++ % n_src];

		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
			   sizeof(one));
		if (bind(fd, (struct sockaddr *)src, sizeof(*src)))
			die("bind to a source address failed");
	}
	d->ev.fn = dev_event;
	if (ev_fd_add(loop, &d->ev, fd, EPOLLOUT))
		die("epoll");
	d->state = D_CONNECT;
	ev_timer_in(loop, &d->timer, ST_ATTEMPT_MS);
	if (connect(fd, (struct sockaddr *)&gw_ss, gw_len) &&
	    errno != EINPROGRESS) {
		rnd.conn_err++;
		dev_fail(d);
	}
}

/* The timer: a retry is due, or an attempt ran out of time. */
static void dev_timer(struct ev_timer *t)
{
	struct dev *d = (void *)((char *)t - offsetof(struct dev, timer));

	if (d->state == D_IDLE) {
		dev_connect(d);
		return;
	}
	if (d->state != D_UP) {
		rnd.timeouts++;
		dev_fail(d);
	}
}

static void make_keys(void)
{
	uint64_t t0 = ev_now_ms();
	unsigned int i;

	for (i = 0; i < n_dev; i++) {
		uint8_t priv[32];
		char in[256];
		unsigned int len = sizeof(priv);
		int n = snprintf(in, sizeof(in), "%s:%u", seed, i);

		if (EVP_Digest(in, n, priv, &len, EVP_sha256(), NULL) != 1)
			die("sha256");
		devs[i].key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519,
							   NULL, priv, 32);
		if (!devs[i].key || ident_pub(devs[i].key, devs[i].pub))
			die("cannot make an Ed25519 key");
	}
	printf("keys %u %llu\n", n_dev,
	       (unsigned long long)(ev_now_ms() - t0));
}

/* One PUSH to an unknown token on every live session. */
static void probe(void)
{
	uint8_t token[WIRE_TOKEN_LEN], id[WIRE_MSG_ID_LEN];
	unsigned int i;

	if (probe_sent) {
		fprintf(stderr, "storm: a probe is still running\n");
		return;
	}
	probe_start_ms = ev_now_ms();
	probe_answered = probe_failed = 0;
	RAND_bytes(token, sizeof(token));
	probe_sending = true;
	for (i = 0; i < n_dev; i++) {
		struct dev *d = &devs[i];
		Tern__Push p = TERN__PUSH__INIT;

		if (d->state != D_UP || d->out_len)
			continue;
		RAND_bytes(id, sizeof(id));
		p.token = wire_bytes(token, sizeof(token));
		p.msg_id = wire_bytes(id, sizeof(id));
		free(d->out);
		d->out = NULL;
		if (wire_pack(WIRE_PUSH, &p.base, &d->out, &d->out_len))
			die("cannot pack a push");
		d->probing = true;
		probe_sent++;
		if (dev_write(d))
			dev_fail(d);
	}
	probe_sending = false;
	if (!probe_sent)
		printf("probe: no live session\n");
	probe_check();
}

static struct ev_fd sig_ev;

static void on_signal(struct ev_fd *ev, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)events;
	while (read(ev->fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGUSR1)
			probe();
		else
			evloop_stop(loop);
	}
}

static struct ev_timer tick;

static void on_tick(struct ev_timer *t)
{
	unsigned int i, st[D_UP + 1] = { 0 };

	for (i = 0; i < n_dev; i++)
		st[devs[i].state]++;
	if (verbose)
		fprintf(stderr, "storm: round %u%s +%llu ms: up %u hello %u "
			"tls %u connect %u idle %u; attempts %lu refused %lu\n",
			rnd.no, rnd.open ? "" : " (done)",
			(unsigned long long)(ev_now_ms() - rnd.start_ms),
			st[D_UP], st[D_HELLO], st[D_TLS], st[D_CONNECT],
			st[D_IDLE], rnd.attempts, rnd.refused);
	if (rnd.open && ev_now_ms() - rnd.start_ms > round_limit_ms) {
		round_print("timeout: ");
		exit_code = 1;
		evloop_stop(loop);
		return;
	}
	ev_timer_in(loop, t, 1000);
}

static void parse_srcs(char *list)
{
	char *tok, *save = NULL;

	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (n_src == ST_MAX_SRC)
			die("too many source addresses");
		srcs[n_src].sin_family = AF_INET;
		if (inet_pton(AF_INET, tok, &srcs[n_src].sin_addr) != 1)
			die("bad source address (IPv4)");
		n_src++;
	}
}

static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	if (rl.rlim_cur < n_dev + 64) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur < n_dev + 64)
		die("the descriptor limit is below the number of devices");
}

static void setup_signals(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	signal(SIGPIPE, SIG_IGN);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		die("sigprocmask");
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	sig_ev.fn = on_signal;
	if (fd < 0 || ev_fd_add(loop, &sig_ev, fd, EPOLLIN))
		die("signalfd");
}

/* A whole number from 1 to @max for option -@opt, or a clear exit. */
static unsigned long opt_num(int opt, const char *s, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || !v || v > max) {
		fprintf(stderr, "storm: -%c: not a number from 1 to %lu: '%s'\n",
			opt, max, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	char err[256], *src_list = NULL;
	unsigned int i;
	int o;

	while ((o = getopt(argc, argv, "g:C:n:N:S:b:T:B:X:v")) != -1) {
		switch (o) {
		case 'g':
			gw_addr = optarg;
			break;
		case 'C':
			ca_file = optarg;
			break;
		case 'n':
			gw_name = optarg;
			break;
		case 'N':
			n_dev = opt_num(o, optarg, 1000000);
			break;
		case 'S':
			seed = optarg;
			break;
		case 'b':
			src_list = optarg;
			break;
		case 'T':
			round_limit_ms = opt_num(o, optarg, 86400000);
			break;
		case 'B':
			bo_base = opt_num(o, optarg, 3600000);
			break;
		case 'X':
			bo_cap = opt_num(o, optarg, 3600000);
			break;
		case 'v':
			verbose++;
			break;
		default:
			die("usage: storm -g ADDR:PORT -C CA -n NAME [-N DEVICES] [-S SEED] [-b SRC,...] [-T ROUND_MS] [-B BASE_MS] [-X CAP_MS] [-v]");
		}
	}
	if (!gw_addr || !ca_file || !gw_name || !n_dev || optind != argc)
		die("usage: storm -g ADDR:PORT -C CA -n NAME [-N DEVICES] [-S SEED] [-b SRC,...] [-T ROUND_MS] [-B BASE_MS] [-X CAP_MS] [-v]");
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (netaddr_parse(gw_addr, &gw_ss, &gw_len, err, sizeof(err)))
		die(err);
	if (src_list)
		parse_srcs(src_list);
	raise_nofile();
	ctx = tls_client_ctx(ca_file, err, sizeof(err));
	if (!ctx)
		die(err);
	/* Thousands of idle sessions: no idle record buffers. */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	if (evloop_new(&loop))
		die("evloop");
	setup_signals();
	devs = calloc(n_dev, sizeof(*devs));
	rnd.ms = calloc(n_dev, sizeof(*rnd.ms));
	if (!devs || !rnd.ms)
		die("out of memory");
	make_keys();
	round_begin();
	/* All at the same instant: the connects go out back to back. */
	for (i = 0; i < n_dev; i++) {
		struct dev *d = &devs[i];

		d->idx = i;
		d->ev.fd = -1;
		d->timer.fn = dev_timer;
		d->bo = (struct backoff)BACKOFF_INIT(bo_base, bo_cap);
		dev_connect(d);
	}
	tick.fn = on_tick;
	ev_timer_in(loop, &tick, 1000);
	evloop_run(loop);

	printf("exit: live %u lost %u rounds %u\n", n_up, lost, rnd.no);
	if (n_up != n_dev)
		exit_code = 1;
	for (i = 0; i < n_dev; i++) {
		dev_close_conn(&devs[i]);
		EVP_PKEY_free(devs[i].key);
	}
	free(devs);
	free(rnd.ms);
	SSL_CTX_free(ctx);
	ev_fd_del(loop, &sig_ev);
	close(sig_ev.fd);
	evloop_free(loop);
	return exit_code;
}
