/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ternd: the device daemon (Documentation/ternd.rst).
 *
 * One process, one thread, one event loop (evloop.h) with: the link to
 * the gateway (link.c: connect, TLS, hello, reconnects) over one of two
 * transports (tuser.c: OpenSSL on the loop; tkern.c: kTLS and tern.ko),
 * the inbox (inbox.c) and outbox (outbox.c) over the store (dstore.h),
 * heartbeat learning (hb.h) and the control socket (ctl.c).
 *
 * Durability: every write of one loop iteration goes into one batch
 * (batch.c), committed by an after-callback; only then are received
 * frames acknowledged, to the gateway (DELIVER_ACK) and to tern.ko
 * (frame-ack). A batch that fails to commit loses nothing: the connection
 * is dropped unacknowledged and the gateway delivers again.
 */
#ifndef TERND_H
#define TERND_H

#include <stdbool.h>
#include <stdint.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "evloop.h"
#include "hb.h"
#include "backoff.h"
#include "wire.h"

struct dstore;
struct ctl_client;
struct td_dir;
struct td_chat;
struct Tern__CtlLookupReply;

#define TERND_OWNER_TAG		"ternd"
#define TERND_DATA_DEFAULT	"/var/lib/ternd"
#define TERND_SOCKET_NAME	"ternd.sock"
#define TERND_API_SOCKET_NAME	"ternd-api.sock"
#define TERND_DEVICE_KEY	"device.key"
#define TERND_ACCOUNT_KEY	"account.key"
#define TERND_LOCK		"ternd.lock"

#define TD_ACK_TIMEOUT_MS	10000		/* first push retry */
/*
 * The gateway connection's SO_PRIORITY: 6, the highest an unprivileged
 * socket may set, is what tern_prio matches by default (bpf/tern_prio.h,
 * Documentation/prio.rst). tern.ko keeps what the socket carries.
 */
#define TD_PUSH_PRIORITY	6
#define TD_PUSH_PRIORITY_MAX	6
#define TD_ACK_TIMEOUT_MAX_MS	(5 * 60000)	/* retries back off to */
#define TD_BACKOFF_BASE_MS	500		/* reconnects */
#define TD_BACKOFF_CAP_MS	(5 * 60000)
#define TD_HANDSHAKE_MS		20000		/* TCP + TLS + hello-ok */
/* A session ready this long resets the reconnect backoff. */
#define TD_STABLE_MS		60000
#define TD_GRACE_MS		120000		/* tern.ko keeps an orphan */
#define TD_PONG_TIMEOUT_MS	20000		/* user transport, at most */
#define TD_REVOKE_TIMEOUT_MS	30000

enum td_tmode { TD_T_AUTO, TD_T_USER, TD_T_KERNEL };

enum td_state {
	TD_DISCONNECTED,	/* waiting to reconnect */
	TD_CONNECTING,		/* TCP */
	TD_TLS,			/* TLS handshake */
	TD_HELLO,		/* hello sent, waiting for hello-ok */
	TD_READY,
	TD_REVOKED,		/* the gateway revoked this device: stop */
};

struct td_conf {
	char *gateway;			/* HOST:PORT */
	char *ca;
	char *gateway_name;		/* default: the host of gateway */
	char *data;
	char *store_key;		/* NULL: storekey.c's default */
	char *socket;
	char *api_socket;		/* the client API (chat.h) */
	enum td_tmode transport;
	uint32_t heartbeat_ms;		/* 0: learn */
	uint32_t ack_timeout_ms;
	uint32_t reconnect_max_ms;	/* the backoff's cap */
	uint32_t push_priority;		/* SO_PRIORITY, 0: leave it */
	uint32_t push_mark;		/* SO_MARK, 0: none */
	int verbose;

	/* The directory (tdir.h); off without dir_url. */
	char *dir_url, *dir_ca, *head_key, *vrf_key, *handle;
	char *invite, *email_code;
	uint64_t max_head_age_ms, lookup_cache_ms, dir_check_ms;
	uint32_t prekeys;
	bool no_read_receipts;		/* --read-receipts no */
	bool link;			/* --link: join an existing account */
};

struct ternd;

/*
 * A transport carries the frames of one gateway connection at a time. The
 * link hands it a connection whose TLS handshake is done; the transport
 * calls link_frame() for each protocol frame, link_hb_alive() when a
 * heartbeat proved an interval, and link_lost() once when the connection
 * has ended.
 */
struct td_transport {
	const char *name;		/* "kernel" or "user" */
	int (*take)(struct ternd *td, int fd, SSL *ssl, char *err,
		    size_t errlen);
	int (*send)(struct ternd *td, uint8_t type, const ProtobufCMessage *m);
	/* Send what is queued, then end the connection (link_lost follows,
	 * perhaps at once).
	 */
	void (*close)(struct ternd *td, const char *why);
	void (*set_heartbeat)(struct ternd *td, uint32_t interval_ms);
	/* The batch committed: acknowledge what it stored, once what was
	 * sent in answer to it (DELIVER_ACK) has left.
	 */
	void (*committed)(struct ternd *td);
	/* The batch failed: acknowledge none of it. */
	void (*rollback)(struct ternd *td);
	/* ternd exits: the connection ends (user) or stays for the next
	 * ternd to adopt (kernel).
	 */
	void (*leave)(struct ternd *td);
	void (*destroy)(struct ternd *td);
};

struct ternd {
	struct td_conf conf;
	struct evloop *loop;
	struct dstore *ds;
	SSL_CTX *tls;
	EVP_PKEY *dkey, *akey;
	uint8_t dpub[WIRE_KEY_LEN], apub[WIRE_KEY_LEN];
	uint8_t dcert[WIRE_SIG_LEN];
	uint8_t device_id[16];
	char gw_host[256], gw_port[8];

	const struct td_transport *t;
	void *tctx;			/* the transport's state */
	char tmode_why[96];		/* why this transport */

	/* The link. */
	enum td_state state;
	struct backoff bo;
	struct ev_timer link_timer;	/* reconnect, handshake deadline */
	struct ev_fd conn_ev;		/* TCP and TLS, before the take */
	SSL *ssl;
	struct addrinfo *ai, *ai_next;
	uint8_t exporter[WIRE_EXPORTER_LEN];
	bool have_token;
	uint8_t token[WIRE_TOKEN_LEN];
	uint32_t max_payload;		/* HelloOk.max_payload, 0: unknown */
	uint32_t conn_id;		/* tern.ko's, kernel transport */
	uint64_t cookie;		/* tern.ko's, kernel transport */
	bool adopted;
	uint64_t connected_wall_ms;	/* hello-ok, wall clock; 0: none */
	uint64_t ready_ms;		/* hello-ok, monotonic */
	uint32_t reconnects;
	char last_close[128];
	bool got_close;			/* last_close says why already */
	bool revoked;			/* the gateway said CLOSE_REVOKED */
	char conn_err[96];		/* the last connect() failure */
	char net[64];			/* heartbeat learning: the network */
	struct hb hb;
	char hb_saved[HB_SAVE_LEN];	/* what the settings hold for it */

	/* The batch of this loop iteration. */
	bool batch;
	int batch_err;
	bool batch_rx;			/* holds frames from the gateway */
	struct ev_after flush;
	uint8_t (*dack)[WIRE_MSG_ID_LEN];	/* DELIVER_ACK ids */
	unsigned int n_dack, cap_dack;
	unsigned int inbox_new;		/* stored by the batch */

	/* Outbox. */
	struct ev_timer out_timer;
	struct ev_timer expire_timer;

	/* Control socket. */
	int ctl_fd;
	struct ev_fd ctl_ev;
	struct ctl_client *clients;

	struct td_dir *dir;		/* NULL: no directory */
	struct td_chat *chat;		/* messaging; NULL without dir */
	struct td_linking *linking;	/* waiting to be linked (devlink.c) */
	struct ev_after linking_after;	/* runs its pump */
	struct td_removal *removal;	/* removing a device (devlink.c) */
	bool failed;			/* exit non-zero once the loop ends */
	struct ev_after chat_after;	/* runs its pumps */

	int sig_fd;
	struct ev_fd sig_ev;
	int lock_fd;
	bool stopping;
};

/* main.c: logging. Never payloads, message ids or tokens. */
#define TD_ERR		0
#define TD_INFO		1
#define TD_DEBUG	2
void td_log(struct ternd *td, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* batch.c */
/* Join this iteration's batch (opened on first use). */
int td_batch(struct ternd *td);
/* Record a failed write in the batch: it will be rolled back. */
void td_batch_fail(struct ternd *td, int err);
/* Commit now and run what follows a commit. A failed commit drops the
 * connection (nothing of the batch was acknowledged). Returns 0 or the
 * error.
 */
int td_flush_now(struct ternd *td);
void td_flush(struct ev_after *a);
int td_setting_set(struct ternd *td, const char *key, const char *val);

/* link.c */
int link_start(struct ternd *td);
void link_stop(struct ternd *td);
/* @current: from the connection of this session; false for frames
 * replayed from an older (adopted, down) tern.ko connection.
 */
void link_frame(struct ternd *td, uint8_t type, const void *buf, size_t len,
		bool current);
/* The transport's frame parser failed with @err (tern_parser_feed()). */
void link_frame_error(struct ternd *td, int err);
void link_lost(struct ternd *td, const char *why, bool hb_failure);
void link_hb_alive(struct ternd *td, uint32_t proven_ms);
const char *link_state_name(enum td_state s);
int link_send(struct ternd *td, uint8_t type, const ProtobufCMessage *m);
static inline bool link_ready(const struct ternd *td)
{
	return td->state == TD_READY;
}

/* tuser.c, tkern.c */
int tuser_init(struct ternd *td);
/* Returns 0, or -errno with @why saying why tern.ko can't be used. */
int tkern_init(struct ternd *td, char *why, size_t whylen);
/* Take over a connection a previous ternd left in tern.ko. Returns 1 and
 * fills td->conn_id, td->cookie and @local (its local address, for the
 * network key) when there was one, 0 when not, or -errno.
 */
struct sockaddr_storage;
int tkern_adopt(struct ternd *td, struct sockaddr_storage *local);

/* inbox.c */
void inbox_deliver(struct ternd *td, const Tern__Deliver *d, bool current);
void inbox_committed(struct ternd *td);
void inbox_lost(struct ternd *td);
void inbox_expire(struct ev_timer *t);
int inbox_unread(struct ternd *td);

/* devlink.c: linking a device to an account (messaging.rst). */
struct entry;
/* ternd --link without an account key: wait for a device's approval. */
int devlink_start(struct ternd *td);
void devlink_stop(struct ternd *td);
/* Hello-ok while waiting: the code can be shown now. */
void devlink_token(struct ternd *td);
/* The inbox has new messages: one may be the approval. */
void devlink_kick(struct ternd *td);
/* The code to approve this device with, or NULL (not waiting). */
const char *devlink_code(struct ternd *td);
/* Approve the device of @code: 0 with its id in @device, or a negative
 * errno and @err saying why.
 */
int devlink_approve(struct ternd *td, const char *code, uint8_t *device,
		    char *err, size_t errlen);
/* Is @id (16 bytes) an approved device of the account? */
bool devlink_approved(struct ternd *td, const uint8_t *id);
/* Another device of the account, @from, approved or removed devices
 * (a Devices content): this one expects the same, in the batch.
 */
int devlink_devices(struct ternd *td, const uint8_t *from,
		    const uint8_t *const *approved, unsigned int n_approved,
		    const uint8_t *const *removed, unsigned int n_removed);
/* Does @e show every approved device? */
bool devlink_all_shown(struct ternd *td, const struct entry *e);
/* Remove the account's device @hex (its id): its token revoked, then out
 * of the directory, durably, in the background once the caller committed
 * the batch and called devlink_ready(); 0 with the token in @token, or a
 * negative errno and @err saying why.
 */
int devlink_remove(struct ternd *td, const char *hex, uint8_t *token,
		   char *err, size_t errlen);
/* The session is ready, or the directory registered: carry on. */
void devlink_ready(struct ternd *td);
/* A RevokeResult: true when it was the removal's. */
bool devlink_revoke_result(struct ternd *td, const Tern__RevokeResult *res);
/* At exit: everything devlink.c holds. */
void devlink_free(struct ternd *td);

/* storekey.c: the store key, and *@from where it came from. */
int storekey_load(const struct td_conf *c, uint8_t key[32],
		  const char **from, char *err, size_t errlen);

/* outbox.c */
int outbox_add(struct ternd *td, const uint8_t token[WIRE_TOKEN_LEN],
	       const uint8_t msg_id[WIRE_MSG_ID_LEN], uint32_t ttl_s,
	       uint32_t flags, const void *payload, size_t len);
void outbox_ack(struct ternd *td, const Tern__Ack *a);
void outbox_nack(struct ternd *td, const Tern__Nack *n);
/* The session is ready: push every pending message now. */
void outbox_ready(struct ternd *td);
void outbox_tick(struct ev_timer *t);
/* Push what is due (after a commit that added messages). */
void outbox_kick(struct ternd *td);

/* ctl.c */
int ctl_open(struct ternd *td, char *err, size_t errlen);
void ctl_close(struct ternd *td);
/* New messages are in the inbox (committed). */
void ctl_inbox_ready(struct ternd *td);
void ctl_revoke_result(struct ternd *td, const Tern__RevokeResult *r);
void ctl_link_down(struct ternd *td);
/* Answer @c's lookup: @lr, or @err with @detail. */
void ctl_lookup_reply(struct ctl_client *c,
		      const struct Tern__CtlLookupReply *lr, int err,
		      const char *detail);

#endif /* TERND_H */
