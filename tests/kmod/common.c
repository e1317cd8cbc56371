// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the tern.ko suites (see common.h). */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <linux/tls.h>
#include <linux/tern.h>

#include "common.h"

#ifndef SOL_TLS
#define SOL_TLS 282
#endif
#ifndef TCP_ULP
#define TCP_ULP 31
#endif





int frame_write(int fd, uint8_t type, uint16_t flags, const void *payload,
		uint32_t len)
{
	uint8_t hdr[TERN_FRAME_HDR_LEN] = {
		TERN_FRAME_VERSION, type, flags >> 8, flags & 0xff,
		len >> 24, (len >> 16) & 0xff, (len >> 8) & 0xff, len & 0xff,
	};
	struct iovec iov[2] = {
		{ .iov_base = hdr, .iov_len = sizeof(hdr) },
		{ .iov_base = (void *)payload, .iov_len = len },
	};
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };
	ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL);

	if (n < 0)
		return -errno;
	return n == (ssize_t)(sizeof(hdr) + len) ? 0 : -EIO;
}


bool wait_until(bool (*cond)(void *arg), void *arg, int timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;

	do {
		if (cond(arg))
			return true;
		usleep(1000);
	} while (now_ms() < end);
	return cond(arg);
}

int sysfs_read_u64(const char *path, uint64_t *val)
{
	unsigned long long v;
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return -errno;
	ok = fscanf(f, "%llu", &v) == 1;
	fclose(f);
	if (!ok)
		return -EINVAL;
	*val = v;
	return 0;
}

int sysfs_write_u64(const char *path, uint64_t val)
{
	FILE *f = fopen(path, "w");
	int err = 0;

	if (!f)
		return -errno;
	if (fprintf(f, "%llu\n", (unsigned long long)val) < 0)
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

pid_t fork_tied(void)
{
	pid_t parent = getpid(), pid;

	fflush(NULL);
	pid = fork();
	/* The parent may have died before the prctl: check it is still ours. */
	if (pid == 0 &&
	    (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent))
		_exit(1);
	return pid;
}

/* Collecting notifications, connections and userspace peers. */

#include <poll.h>
#include <stdlib.h>

static void rx_log_on_frame(const struct tern_frame_in *f, void *arg)
{
	struct rx_log *log = arg;
	struct rx_frame *r;

	if (log->nframes == log->cap) {
		size_t cap = log->cap ? log->cap * 2 : 1024;
		struct rx_frame *nf = realloc(log->frames, cap * sizeof(*nf));

		if (!nf) {
			if (!log->err)
				log->err = -ENOMEM;
			return;
		}
		log->frames = nf;
		log->cap = cap;
	}
	r = &log->frames[log->nframes];
	r->conn_id = f->conn_id;
	r->seq = f->seq;
	r->type = f->type;
	r->flags = f->flags;
	r->len = f->len;
	r->data = malloc(f->len ? f->len : 1);
	if (!r->data) {
		if (!log->err)
			log->err = -ENOMEM;
		return;
	}
	if (f->len)
		memcpy(r->data, f->data, f->len);
	log->nframes++;
}

static void rx_log_on_down(uint32_t conn_id, uint64_t cookie,
			   const char *owner_tag, enum tern_reason reason,
			   void *arg)
{
	struct rx_log *log = arg;
	struct rx_down *d;

	if (log->ndowns == RX_LOG_EVENTS) {
		if (!log->err)
			log->err = -ENOSPC;
		return;
	}
	d = &log->downs[log->ndowns++];
	d->conn_id = conn_id;
	d->cookie = cookie;
	d->reason = reason;
	snprintf(d->owner_tag, sizeof(d->owner_tag), "%s", owner_tag);
	d->at_ms = now_ms();
}

static void rx_log_on_writable(uint32_t conn_id, uint64_t cookie, void *arg)
{
	struct rx_log *log = arg;

	(void)cookie;
	if (log->nwritable == RX_LOG_EVENTS) {
		if (!log->err)
			log->err = -ENOSPC;
		return;
	}
	log->writable[log->nwritable++] = conn_id;
}

static const struct tern_event_ops rx_log_ops = {
	.frame = rx_log_on_frame,
	.conn_down = rx_log_on_down,
	.conn_writable = rx_log_on_writable,
};

void rx_log_free(struct rx_log *log)
{
	size_t i;

	for (i = 0; i < log->nframes; i++)
		free(log->frames[i].data);
	free(log->frames);
	memset(log, 0, sizeof(*log));
}

int rx_log_poll(struct tern_nl *nl, struct rx_log *log, int timeout_ms)
{
	size_t downs = log->ndowns, writable = log->nwritable;
	int n = tern_nl_process(nl, &rx_log_ops, log, timeout_ms);

	if (n > 0)
		log->nmsgs += n - (log->ndowns - downs) -
			      (log->nwritable - writable);
	if (n >= 0 && log->err)
		return log->err;
	return n;
}

size_t rx_log_count(const struct rx_log *log, uint32_t conn_id)
{
	size_t i, n = 0;

	for (i = 0; i < log->nframes; i++)
		n += log->frames[i].conn_id == conn_id;
	return n;
}

const struct rx_frame *rx_log_last(const struct rx_log *log, uint32_t conn_id)
{
	size_t i;

	for (i = log->nframes; i-- > 0;)
		if (log->frames[i].conn_id == conn_id)
			return &log->frames[i];
	return NULL;
}

/* Milliseconds left until @end, at least 0. */
static int ms_left(uint64_t end)
{
	uint64_t now = now_ms();

	return now >= end ? 0 : (int)(end - now);
}

bool rx_log_wait(struct tern_nl *nl, struct rx_log *log, uint32_t conn_id,
		 size_t n, int timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;

	while (rx_log_count(log, conn_id) < n) {
		int left = ms_left(end);

		if (!left || rx_log_poll(nl, log, left < 100 ? left : 100) < 0)
			return false;
	}
	return true;
}

const struct rx_down *rx_log_down(const struct rx_log *log, uint32_t conn_id)
{
	size_t i;

	for (i = 0; i < log->ndowns; i++)
		if (log->downs[i].conn_id == conn_id)
			return &log->downs[i];
	return NULL;
}

const struct rx_down *rx_log_wait_down(struct tern_nl *nl, struct rx_log *log,
				       uint32_t conn_id, int timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;

	while (!rx_log_down(log, conn_id)) {
		int left = ms_left(end);

		if (!left || rx_log_poll(nl, log, left < 100 ? left : 100) < 0)
			return NULL;
	}
	return rx_log_down(log, conn_id);
}

size_t rx_log_nwritable(const struct rx_log *log, uint32_t conn_id)
{
	size_t i, n = 0;

	for (i = 0; i < log->nwritable; i++)
		n += log->writable[i] == conn_id;
	return n;
}

int rx_log_ack(struct tern_nl *nl, const struct rx_log *log, uint32_t conn_id)
{
	const struct rx_frame *f = rx_log_last(log, conn_id);
	struct tern_ack ack;

	if (!f)
		return 0;
	ack.conn_id = conn_id;
	ack.seq = f->seq;
	return tern_nl_frame_ack(nl, &ack, 1);
}

int conn_new_fd(struct tern_nl *nl, int fd, bool plain, enum tern_role role,
		const char *tag, const struct tern_conn_params *extra,
		uint32_t *conn_id)
{
	struct tern_conn_params p = {};

	if (extra)
		p = *extra;
	p.fd = fd;
	p.role = role;
	p.owner_tag = tag;
	p.plain = plain;
	return tern_nl_conn_new(nl, &p, conn_id);
}

int read_full(int fd, void *buf, size_t len, int timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;
	uint8_t *p = buf;
	ssize_t n;

	while (len) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int left = ms_left(end);

		n = poll(&pfd, 1, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ETIMEDOUT;
		n = recv(fd, p, len, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ENODATA;
		p += n;
		len -= n;
	}
	return 0;
}

int frame_read(int fd, uint8_t *type, uint16_t *flags, void *buf,
	       uint32_t cap, uint8_t *hdr, int timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;
	uint8_t h[TERN_FRAME_HDR_LEN], sink[4096];
	uint32_t len, got = 0;
	int err;

	err = read_full(fd, h, sizeof(h), timeout_ms);
	if (err)
		return err;
	if (hdr)
		memcpy(hdr, h, sizeof(h));
	if (h[0] != TERN_FRAME_VERSION)
		return -EPROTO;
	*type = h[1];
	*flags = (uint16_t)(h[2] << 8 | h[3]);
	len = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 |
	      (uint32_t)h[6] << 8 | h[7];
	if (len > (uint32_t)INT32_MAX)
		return -EMSGSIZE;
	while (got < len) {
		uint32_t want = len - got;
		uint8_t *dst = sink;

		if (got < cap) {
			dst = (uint8_t *)buf + got;
			if (want > cap - got)
				want = cap - got;
		} else if (want > sizeof(sink)) {
			want = sizeof(sink);
		}
		err = read_full(fd, dst, want, ms_left(end) + 1);
		if (err)
			return err;
		got += want;
	}
	return (int)len;
}

void pattern_fill(void *buf, size_t len, uint32_t num)
{
	uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++) {
		if (i < 4)
			p[i] = num >> (24 - 8 * i);
		else
			p[i] = (uint8_t)(num * 31 + i * 7);
	}
}

bool pattern_check(const void *buf, size_t len, uint32_t *num)
{
	const uint8_t *p = buf;
	uint32_t n = 0;
	size_t i;

	if (len < 4)
		return false;
	for (i = 0; i < 4; i++)
		n = n << 8 | p[i];
	for (i = 4; i < len; i++)
		if (p[i] != (uint8_t)(n * 31 + i * 7))
			return false;
	*num = n;
	return true;
}

int conn_wait_gone(struct tern_nl *nl, uint32_t conn_id, int timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;
	struct tern_conn_info info;
	int err;

	while ((err = tern_nl_conn_get(nl, conn_id, &info)) == 0 &&
	       now_ms() < end)
		usleep(1000);
	return err;
}
