// SPDX-License-Identifier: GPL-2.0
/*
 * tern-gatewayd: set up the store, TLS, the transport and the listeners,
 * then run the event loop until SIGTERM or SIGINT. SIGHUP reloads the
 * certificate and key; SIGUSR1 logs the counts and the memory in use.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "backoff.h"
#include "gw.h"
#include "ktls.h"
#include "session.h"
#include "store.h"
#include "tls.h"

static struct ev_fd sig_ev;
static struct gw *sig_gw;

static void reload_tls(struct gw *gw)
{
	char err[256];
	SSL_CTX *ctx = tls_server_ctx(gw->conf.cert, gw->conf.key, err,
				      sizeof(err));

	if (!ctx) {
		gw_log(gw, GW_ERR, "SIGHUP: keeping the old certificate: %s",
		       err);
		return;
	}
	SSL_CTX_free(gw->tls);
	gw->tls = ctx;
	gw_log(gw, GW_INFO, "certificate reloaded");
}

static void on_signal(struct ev_fd *ev, uint32_t events)
{
	struct signalfd_siginfo si;
	struct gw *gw = sig_gw;

	(void)events;
	while (read(ev->fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			reload_tls(gw);
			continue;
		}
		if (si.ssi_signo == SIGUSR1) {
			gw_log_stats(gw);
			continue;
		}
		gw->stopping = true;
		evloop_stop(gw->loop);
	}
}

static int setup_signals(struct gw *gw)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	sig_gw = gw;
	sig_ev.fn = on_signal;
	return ev_fd_add(gw->loop, &sig_ev, fd, EPOLLIN);
}

static void sweep(struct ev_timer *t)
{
	struct gw *gw = (void *)((char *)t - offsetof(struct gw, sweep));
	int n = gw_store_expire(gw->store, ev_wall_ms() / 1000);

	if (n < 0)
		gw_log(gw, GW_ERR, "expiry sweep failed (%d)", n);
	else if (n)
		gw_log(gw, GW_DEBUG, "expiry sweep: %d messages", n);
	ev_timer_in(gw->loop, &gw->sweep, gw->conf.sweep_ms);
}

/*
 * Every connection is a descriptor (on the user transport for its life,
 * on the kernel one during its handshake): a soft limit of 1024, the
 * usual default, would cap the gateway far below max-conns. Take what the
 * hard limit allows.
 */
static void raise_nofile(struct gw *gw)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		gw_log(gw, GW_ERR, "cannot raise the descriptor limit: %s",
		       strerror(errno));
}

static int pick_transport(struct gw *gw, char *err, size_t errlen)
{
	enum gw_tmode m = gw->conf.transport;
	char why[256] = "";
	int ret;

	if (m != GW_T_USER) {
		ret = gw_tkern_init(gw, why, sizeof(why));
		if (!ret) {
			gw_log(gw, GW_INFO, "transport kernel (tern.ko)");
			return 0;
		}
		if (m == GW_T_KERNEL) {
			snprintf(err, errlen, "transport kernel: %s", why);
			return ret;
		}
	}
	ret = gw_tuser_init(gw, err, errlen);
	if (ret)
		return ret;
	gw_log(gw, GW_INFO, "transport user%s%s%s", why[0] ? " (" : "", why,
	       why[0] ? ")" : "");
	return 0;
}

static void close_all(struct gw *gw)
{
	unsigned int i;

	for (i = 0; i < gw->by_token_cap; i++) {
		while (gw->by_token[i])
			sess_close(gw->by_token[i],
				   TERN__CLOSE_REASON__CLOSE_SHUTDOWN,
				   1000 + jitter_ms(4000, 100),
				   "gateway shutting down");
	}
}

int main(int argc, char **argv)
{
	struct gw gw = { 0 };
	char err[512];
	int ret, i;

	gw_conf_defaults(&gw.conf);
	ret = gw_conf_args(&gw.conf, argc, argv);
	if (ret) {
		gw_conf_free(&gw.conf);
		return ret > 0 ? 0 : 2;
	}
	ret = evloop_new(&gw.loop);
	if (ret) {
		fprintf(stderr, "tern-gatewayd: %s\n", strerror(-ret));
		return 1;
	}
	gw.flush.fn = gw_flush;
	gw.commit.fn = gw_commit;
	gw.sweep.fn = sweep;
	gw.tls = tls_server_ctx(gw.conf.cert, gw.conf.key, err, sizeof(err));
	if (!gw.tls)
		goto fail_msg;
	if (gw_store_open(gw.conf.data, &gw.store, err, sizeof(err)))
		goto fail_msg;
	ret = gw_durable_init(&gw);
	if (ret) {
		snprintf(err, sizeof(err), "store flush: %s", strerror(-ret));
		goto fail_msg;
	}
	if (pick_transport(&gw, err, sizeof(err)))
		goto fail_msg;
	ret = setup_signals(&gw);
	if (ret) {
		snprintf(err, sizeof(err), "signals: %s", strerror(-ret));
		goto fail_msg;
	}
	raise_nofile(&gw);
	if (gw_listen(&gw, err, sizeof(err)))
		goto fail_msg;
	ev_timer_in(gw.loop, &gw.sweep, 0);
	gw_log(&gw, GW_INFO, "ready");

	ret = evloop_run(gw.loop);
	gw_log(&gw, GW_INFO, "shutting down");
	gw_listen_close(&gw);
	gw_batch_finish(&gw);
	if (!gw.t->keeps_sessions)
		close_all(&gw);
	/* Let the closes go out, for a second at most. */
	for (i = 0; i < 20 && gw.n_sess && !gw.t->keeps_sessions; i++)
		evloop_run_once(gw.loop, 50);
	gw_batch_finish(&gw);
	gw_acks_write(&gw);
	gw_durable_free(&gw);
	gw.t->shutdown(&gw);
	evloop_run_once(gw.loop, 0);	/* the reaps */
	gw.t->destroy(&gw);
	gw_batch_free(&gw);
	gw_acks_free(&gw);
	gw_store_close(gw.store);
	SSL_CTX_free(gw.tls);
	free(gw.by_token);
	evloop_free(gw.loop);
	gw_conf_free(&gw.conf);
	return ret || gw.failed ? 1 : 0;

fail_msg:
	fprintf(stderr, "tern-gatewayd: %s\n", err);
	if (gw.t)
		gw.t->destroy(&gw);
	gw_durable_free(&gw);
	gw_store_close(gw.store);
	SSL_CTX_free(gw.tls);
	evloop_free(gw.loop);
	gw_conf_free(&gw.conf);
	return 1;
}
