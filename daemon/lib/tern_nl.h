/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tern_nl: userspace client of the "tern" generic netlink family (libnl-genl).
 *
 * One struct tern_nl is one netlink socket. The socket that creates or adopts
 * a connection becomes its owner: frame-recv and conn-writable notifications
 * for that connection are unicast to it. tern_nl_process() hands
 * notifications out from its receive buffer, without copying them.
 * Notifications can also arrive while a request waits for its reply; they
 * are kept and handed out, in order, by tern_nl_process(), so none is lost.
 *
 * Every function returns 0 or a negative errno. When the kernel rejected a
 * request, tern_nl_error() returns its extack message (or strerror()).
 */
#ifndef TERN_NL_H
#define TERN_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/tern.h>

struct tern_nl;

/* Open a socket and resolve the family. Fails with -ENOENT when tern.ko is
 * not loaded. The socket gets NETLINK_NO_ENOBUFS, extended acks and a large
 * receive buffer.
 */
int tern_nl_open(struct tern_nl **nlp);
void tern_nl_close(struct tern_nl *nl);
int tern_nl_fd(const struct tern_nl *nl);		/* for poll/epoll */
uint32_t tern_nl_portid(const struct tern_nl *nl);
const char *tern_nl_error(const struct tern_nl *nl);

/* Bits of tern_conn_params.given: send the field even when it is 0 (a
 * priority, mark, cookie or grace of 0 is a value one may want to set).
 */
enum tern_param_bit {
	TERN_P_HB_INTERVAL	= 1 << 0,
	TERN_P_TIMEOUT		= 1 << 1,
	TERN_P_PARTIAL_TIMEOUT	= 1 << 2,
	TERN_P_MAX_FRAME	= 1 << 3,
	TERN_P_PRIORITY		= 1 << 4,
	TERN_P_MARK		= 1 << 5,
	TERN_P_GRACE		= 1 << 6,
	TERN_P_RCV_WINDOW	= 1 << 7,
	TERN_P_MAX_HELD		= 1 << 8,
	TERN_P_COOKIE		= 1 << 9,
};

/* Parameters of conn-new and conn-set. A zero field means "not given"
 * (the kernel default for conn-new, unchanged for conn-set) unless its
 * TERN_P_* bit is set in @given.
 */
struct tern_conn_params {
	int fd;				/* conn-new only */
	enum tern_role role;		/* conn-new only */
	uint32_t hb_interval_ms;
	uint32_t timeout_ms;
	uint32_t partial_timeout_ms;
	uint32_t max_frame;
	uint32_t priority;
	uint32_t mark;
	uint32_t grace_ms;
	uint32_t rcv_window;
	uint32_t max_held;
	uint64_t cookie;
	const char *owner_tag;		/* conn-new only, required */
	bool plain;			/* conn-new only, tests only */
	uint32_t given;			/* TERN_P_* bits */
};

int tern_nl_conn_new(struct tern_nl *nl, const struct tern_conn_params *p,
		     uint32_t *conn_id);
int tern_nl_conn_set(struct tern_nl *nl, uint32_t conn_id,
		     const struct tern_conn_params *p);
int tern_nl_conn_del(struct tern_nl *nl, uint32_t conn_id);

struct tern_conn_stats {
	uint64_t rx_frames, rx_bytes, tx_frames, tx_bytes;
	uint64_t hb_sent, hb_answered, pings_answered;
	uint64_t last_rx_ms;
	uint32_t rtt_us;
	uint32_t held_frames, held_bytes, txq_frames, txq_bytes;
};

struct tern_conn_info {
	uint32_t id;
	enum tern_state state;
	enum tern_role role;
	bool orphan;
	bool plain;
	char owner_tag[TERN_OWNER_TAG_MAX];
	uint64_t cookie;
	uint16_t family;		/* AF_INET or AF_INET6 */
	uint8_t peer_addr[16], local_addr[16];
	uint16_t peer_port, local_port;
	uint32_t hb_interval_ms, timeout_ms, partial_timeout_ms, max_frame;
	uint32_t priority, mark, grace_ms, rcv_window, max_held;
	enum tern_reason reason;	/* when state is DOWN */
	struct tern_conn_stats stats;
};

int tern_nl_conn_get(struct tern_nl *nl, uint32_t conn_id,
		     struct tern_conn_info *info);
/* Dump every connection of the caller's namespace, or only those carrying
 * @owner_tag when it is not NULL. @cb returns non-zero to stop early (a
 * negative value is then returned). It runs while the dump is in progress,
 * so it must not call tern_nl functions on @nl: they fail with -EBUSY.
 */
int tern_nl_conn_dump(struct tern_nl *nl, const char *owner_tag,
		      int (*cb)(const struct tern_conn_info *info, void *arg),
		      void *arg);

/* Take over orphaned connections carrying @owner_tag (all of them, or only
 * @conn_id when it is not 0). Their unacked frames are replayed to @nl.
 */
int tern_nl_conn_adopt(struct tern_nl *nl, const char *owner_tag,
		       uint32_t conn_id, uint32_t grace_ms, uint32_t *count);

/* Give the socket back as a new fd in this process. -EAGAIN while frames
 * are still held unacked or queued for sending: ack them and retry.
 */
int tern_nl_conn_detach(struct tern_nl *nl, uint32_t conn_id, int *fd);

struct tern_frame_out {
	uint32_t conn_id;
	uint8_t type;
	uint16_t flags;
	const void *data;
	uint32_t len;
};

struct tern_send_result {
	uint32_t conn_id;
	uint32_t queued;	/* the first @queued frames for it were taken */
	int error;		/* negative errno for the rest, or 0 */
};

/* Send @n frames in as few requests as fit. @res receives one entry per
 * connection named in @frames (in order of first appearance; at most @n).
 * On a negative return, @res and @nres still describe the frames taken by
 * the requests that went through before the failure.
 */
int tern_nl_frame_send(struct tern_nl *nl, const struct tern_frame_out *frames,
		       size_t n, struct tern_send_result *res, size_t *nres);

struct tern_ack {
	uint32_t conn_id;
	uint64_t seq;		/* cumulative: frees every frame <= seq */
};

int tern_nl_frame_ack(struct tern_nl *nl, const struct tern_ack *acks,
		      size_t n);

/* Notifications. Pointers in them are valid only during the callback
 * (a frame's @data points into the library's receive buffer). A frame-recv
 * notification hands its frames to @frame one by one, with consecutive
 * sequence numbers. Callbacks may make requests (ack, say) and even call
 * tern_nl_process() again: notifications are still handed out once each,
 * in the order tern.ko sent them.
 */
struct tern_frame_in {
	uint32_t conn_id;
	uint64_t cookie;
	uint64_t seq;
	uint8_t type;
	uint16_t flags;
	const void *data;
	uint32_t len;
};

struct tern_event_ops {
	void (*frame)(const struct tern_frame_in *f, void *arg);
	void (*conn_down)(uint32_t conn_id, uint64_t cookie,
			  const char *owner_tag, enum tern_reason reason,
			  void *arg);
	void (*conn_writable)(uint32_t conn_id, uint64_t cookie, void *arg);
};

/* Join the "events" multicast group (conn-down). */
int tern_nl_subscribe(struct tern_nl *nl);

/* Hand out pending notifications, then read the socket once. With
 * @timeout_ms 0 it does not block; -1 waits for at least one message.
 * Returns the number of notifications handled (a frame-recv counts once,
 * however many frames it carries), or a negative errno: -EBADMSG for a
 * malformed notification, which is dropped whole (none of its frames is
 * handed out; the next call carries on after it), -ENOBUFS or -EMSGSIZE
 * when notifications were lost (a receive buffer overrun, or a message
 * larger than the library's 128 KiB buffer, which tern.ko never sends).
 */
int tern_nl_process(struct tern_nl *nl, const struct tern_event_ops *ops,
		    void *arg, int timeout_ms);

const char *tern_reason_name(enum tern_reason reason);
const char *tern_state_name(enum tern_state state);
const char *tern_role_name(enum tern_role role);

#endif /* TERN_NL_H */
