/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the tern.ko suites: raw frames, polling, sysfs; and,
 * from tools/lib/loopback.h, loopback TCP pairs and kTLS with fixed keys.
 */
#ifndef TERN_TEST_COMMON_H
#define TERN_TEST_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "loopback.h"

/* Write a tern wire frame (header + payload) with plain send(). */
int frame_write(int fd, uint8_t type, uint16_t flags, const void *payload,
		uint32_t len);

/* Call @cond until it returns true or @timeout_ms passes (polling every
 * millisecond or so). Returns true if @cond became true.
 */
bool wait_until(bool (*cond)(void *arg), void *arg, int timeout_ms);

/* Read an unsigned integer from a file such as /sys/module/tern/parameters/x,
 * or write one. Return 0 or -errno.
 */
int sysfs_read_u64(const char *path, uint64_t *val);
int sysfs_write_u64(const char *path, uint64_t val);


/*
 * Collecting notifications, module-owned connections and userspace peers
 * (frames.c, heartbeat.c, badinput.c, handoff.c).
 */
#include "tern_nl.h"

/* A frame handed out by tern_nl_process(), payload copied. */
struct rx_frame {
	uint32_t conn_id;
	uint64_t seq;
	uint8_t type;
	uint16_t flags;
	uint32_t len;
	uint8_t *data;
};

struct rx_down {
	uint32_t conn_id;
	uint64_t cookie;
	enum tern_reason reason;
	char owner_tag[TERN_OWNER_TAG_MAX];
	uint64_t at_ms;			/* now_ms() when it was handed out */
};

#define RX_LOG_EVENTS	256

/* Everything one tern_nl socket was handed, in order. Zero-initialise. */
struct rx_log {
	struct rx_frame *frames;
	size_t nframes, cap;
	size_t nmsgs;			/* frame-recv notifications */
	struct rx_down downs[RX_LOG_EVENTS];
	size_t ndowns;
	uint32_t writable[RX_LOG_EVENTS];	/* conn ids, in order */
	size_t nwritable;
	int err;			/* first error of a callback */
};

void rx_log_free(struct rx_log *log);
/* One tern_nl_process() call: its return value. */
int rx_log_poll(struct tern_nl *nl, struct rx_log *log, int timeout_ms);
size_t rx_log_count(const struct rx_log *log, uint32_t conn_id);
/* Last frame of @conn_id, or NULL. */
const struct rx_frame *rx_log_last(const struct rx_log *log, uint32_t conn_id);
/* Process until @conn_id has @n frames; false on timeout or error. */
bool rx_log_wait(struct tern_nl *nl, struct rx_log *log, uint32_t conn_id,
		 size_t n, int timeout_ms);
const struct rx_down *rx_log_down(const struct rx_log *log, uint32_t conn_id);
/* Process until a conn-down for @conn_id came; NULL on timeout. */
const struct rx_down *rx_log_wait_down(struct tern_nl *nl, struct rx_log *log,
				       uint32_t conn_id, int timeout_ms);
size_t rx_log_nwritable(const struct rx_log *log, uint32_t conn_id);
/* Ack every frame of @conn_id handed out so far (nothing if none). */
int rx_log_ack(struct tern_nl *nl, const struct rx_log *log, uint32_t conn_id);

/* conn-new for @fd. @extra (may be NULL) supplies the optional parameters;
 * its fd, role, owner tag and plain fields are ignored.
 */
int conn_new_fd(struct tern_nl *nl, int fd, bool plain, enum tern_role role,
		const char *tag, const struct tern_conn_params *extra,
		uint32_t *conn_id);

/* Read exactly @len bytes within @timeout_ms. 0, -ETIMEDOUT, -ENODATA at
 * EOF, or -errno.
 */
int read_full(int fd, void *buf, size_t len, int timeout_ms);
/* Read one wire frame. Returns its payload length (copied into @buf up to
 * @cap, the rest discarded) or -errno; -EPROTO for a bad version. @hdr gets
 * the 8 header bytes as read when not NULL.
 */
int frame_read(int fd, uint8_t *type, uint16_t *flags, void *buf,
	       uint32_t cap, uint8_t *hdr, int timeout_ms);

/* Numbered payloads: be32 @num, then bytes derived from @num. */
void pattern_fill(void *buf, size_t len, uint32_t num);
/* True if @buf is pattern_fill(len, *num) for the number it starts with. */
bool pattern_check(const void *buf, size_t len, uint32_t *num);

/* Wait until conn-get no longer finds @conn_id (a connection that is down
 * goes once its frames are acked and its owner was told). Returns the last
 * conn-get result: -ENOENT once it is gone.
 */
int conn_wait_gone(struct tern_nl *nl, uint32_t conn_id, int timeout_ms);

/*
 * fork() for a helper process that must not outlive the test: the child
 * gets SIGKILL when the test process ends, however it ends. A test must
 * not count on FIXTURE_TEARDOWN to kill its helpers: after a failed
 * ASSERT the 6.12 harness may skip it (its wrapper's `child` is not
 * volatile across the longjmp of __bail(), and at -O2 the test process
 * then takes the parent's path, which has no teardown). A helper left
 * behind holds the runner's output pipe, and the whole run hangs.
 * Returns what fork() returns; in a child that cannot be tied, _exit(1).
 */
pid_t fork_tied(void);

#endif /* TERN_TEST_COMMON_H */
