// SPDX-License-Identifier: GPL-2.0
/*
 * The userspace path: a level-triggered epoll loop over the server ends,
 * one read() of read_size bytes per ready socket per wakeup, frames cut
 * with the parser tern.ko uses (kmod/frame.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "frame.h"
#include "path.h"

#define EPOLL_MAX_EVENTS	256

struct epoll_conn {
	int fd;
	struct tern_parser parser;
	uint8_t *payload;		/* the frame being parsed */
};

struct epoll_path {
	int ep;
	struct epoll_conn *conns;
	uint8_t *buf;
	struct epoll_event ev[EPOLL_MAX_EVENTS];
};

struct epoll_ctx {
	struct bench_reader *r;
	unsigned int idx;
};

static int epoll_begin(void *arg, const struct tern_hdr *h, void **buf)
{
	struct epoll_ctx *ctx = arg;
	struct epoll_path *ep = ctx->r->priv;

	if (h->len > ctx->r->o->payload)
		return -EMSGSIZE;
	*buf = ep->conns[ctx->idx].payload;
	return 0;
}

static int epoll_end(void *arg, const struct tern_hdr *h, void *buf)
{
	struct epoll_ctx *ctx = arg;

	bench_rx_frame(ctx->r, ctx->idx, h->type, h->flags, buf, h->len);
	return 0;
}

static const struct tern_parser_ops epoll_parser_ops = {
	.begin = epoll_begin,
	.end = epoll_end,
};

static void epoll_teardown(struct bench_reader *r)
{
	struct epoll_path *ep = r->priv;
	unsigned int i;

	if (!ep)
		return;
	for (i = 0; ep->conns && i < r->nconns; i++) {
		if (ep->conns[i].fd >= 0)
			close(ep->conns[i].fd);
		free(ep->conns[i].payload);
	}
	if (ep->ep >= 0)
		close(ep->ep);
	free(ep->conns);
	free(ep->buf);
	free(ep);
	r->priv = NULL;
}

static int epoll_setup(struct bench_reader *r, int *server, bool tls)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct epoll_path *ep;
	struct epoll_conn *c;
	unsigned int i;
	int flags, err;

	(void)tls;	/* a kTLS socket reads like any other */
	ep = calloc(1, sizeof(*ep));
	if (!ep)
		return -ENOMEM;
	r->priv = ep;
	ep->conns = calloc(r->nconns, sizeof(*ep->conns));
	ep->buf = malloc(r->o->read_size);
	ep->ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep->conns)
		for (i = 0; i < r->nconns; i++)
			ep->conns[i].fd = -1;
	if (!ep->conns || !ep->buf || ep->ep < 0)
		goto fail;

	for (i = 0; i < r->nconns; i++) {
		c = &ep->conns[i];
		c->fd = server[i];
		server[i] = -1;
		c->payload = malloc(r->o->payload);
		if (!c->payload)
			goto fail;
		flags = fcntl(c->fd, F_GETFL);
		if (flags < 0 || fcntl(c->fd, F_SETFL, flags | O_NONBLOCK))
			goto fail;
		ev.data.u32 = i;
		if (epoll_ctl(ep->ep, EPOLL_CTL_ADD, c->fd, &ev))
			goto fail;
	}
	return 0;
fail:
	err = errno ? -errno : -ENOMEM;
	epoll_teardown(r);
	return err;
}

/* Stop watching a connection that failed or ended. */
static void epoll_drop(struct epoll_path *ep, unsigned int idx)
{
	epoll_ctl(ep->ep, EPOLL_CTL_DEL, ep->conns[idx].fd, NULL);
}

static void epoll_read(struct bench_reader *r, unsigned int idx)
{
	struct epoll_path *ep = r->priv;
	struct epoll_conn *c = &ep->conns[idx];
	struct epoll_ctx ctx = { .r = r, .idx = idx };
	ssize_t n;
	int err;

	n = read(c->fd, ep->buf, r->o->read_size);
	if (n > 0) {
		r->batches++;
		err = tern_parser_feed(&c->parser, TERN_FRAME_MAX_PAYLOAD,
				       ep->buf, n, &epoll_parser_ops, &ctx);
		if (err) {
			bench_rx_fail(r, "connection %u: bad stream: %s", idx,
				      strerror(-err));
			epoll_drop(ep, idx);
		}
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (!r->closing)
		bench_rx_fail(r, "connection %u: %s", idx,
			      n ? strerror(errno) : "unexpected end of stream");
	epoll_drop(ep, idx);
}

static int epoll_poll(struct bench_reader *r, int timeout_ms)
{
	struct epoll_path *ep = r->priv;
	int n, i;

	n = epoll_wait(ep->ep, ep->ev, EPOLL_MAX_EVENTS, timeout_ms);
	if (n < 0) {
		if (errno == EINTR)
			return 0;
		bench_rx_fail(r, "epoll_wait: %s", strerror(errno));
		return -errno;
	}
	if (n)
		r->wakeups++;
	for (i = 0; i < n; i++)
		epoll_read(r, ep->ev[i].data.u32);
	return 0;
}

const struct bench_path bench_path_epoll = {
	.name = "epoll",
	.batch_unit = "read",
	.setup = epoll_setup,
	.poll = epoll_poll,
	.teardown = epoll_teardown,
};
