/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The gateway's store (Documentation/protocol.rst): the device registry
 * (device key, account key, push token, revoked) and the messages held for
 * each token, in SQLite (gateway.db in the data directory; WAL,
 * synchronous=FULL). Nothing in it records a sender, an address or a time
 * of connection.
 *
 * Every function returns 0 (or a count, or 1 where said) on success and a
 * negative errno on failure: -ENOSPC when the disk is full, -EIO for any
 * other store error; gw_store_error() then describes the failure for the
 * log (never with payloads, ids or tokens).
 *
 * Writes happen in a batch (gw_store_begin() .. gw_store_commit(), one
 * transaction: group commit) or, outside one, each in its own transaction
 * committed before the function returns. Inside a batch every write is
 * atomic on its own (a failed one leaves the batch as it was), and is
 * committed once gw_store_commit() returned 0, durable once the flush
 * asked for after it is done (below). If the disk fills so
 * that SQLite drops the batch's transaction, every later call in the batch
 * and the commit return that error: nothing of the batch is stored.
 *
 * Registry writes are the exception: a new device's registration and a
 * revocation are answered at once, so they are on disk when
 * gw_store_hello() / gw_store_revoke() return 0, inside a batch too (the
 * batch's messages so far are then committed with them; its commit still
 * reports for the whole batch, and a push nacked though stored is acked
 * as a duplicate when the sender retries).
 *
 * One struct gw_store belongs to one thread; it runs another of its own,
 * which copies the WAL back into the database (sqlckpt.h).
 */
#ifndef TERN_GW_STORE_H
#define TERN_GW_STORE_H

#include <stddef.h>
#include <stdint.h>

#define GW_STORE_FILE		"gateway.db"
#define GW_KEY_LEN		32
#define GW_TOKEN_LEN		16
#define GW_MSG_ID_LEN		16

struct gw_store;

/* Open (creating) @dir/gateway.db; @dir is created 0700 if missing. */
int gw_store_open(const char *dir, struct gw_store **out, char *err,
		  size_t errlen);
/* Rolls back an open batch. @st may be NULL. */
void gw_store_close(struct gw_store *st);
/* The last failure, for the log. */
const char *gw_store_error(const struct gw_store *st);

/* --- registry ------------------------------------------------------------ */

/*
 * A device's hello: its first registers it with a fresh random token,
 * later ones return the same token. @akey NULL: the device is its own
 * account. -EKEYREVOKED if the device's token was revoked, -EPERM if the
 * device is registered with another account key.
 */
int gw_store_hello(struct gw_store *st, const uint8_t dkey[GW_KEY_LEN],
		   const uint8_t *akey, uint8_t token[GW_TOKEN_LEN]);

enum gw_token_state { GW_TOKEN_UNKNOWN, GW_TOKEN_OK, GW_TOKEN_REVOKED };

int gw_store_token_state(struct gw_store *st,
			 const uint8_t token[GW_TOKEN_LEN],
			 enum gw_token_state *state);

/*
 * Revoke @token for device @dkey: allowed for the device's own token and
 * the tokens of devices of the same account. Deletes the token's messages
 * and tombstones. -ENOENT unknown token; -EPERM another account's token,
 * or @dkey unknown, or @dkey revoked and @token not its own. Revoking a
 * token already revoked returns 0.
 */
int gw_store_revoke(struct gw_store *st, const uint8_t dkey[GW_KEY_LEN],
		    const uint8_t token[GW_TOKEN_LEN]);

/* --- batches ------------------------------------------------------------- */

/* -EBUSY if a batch is already open. */
int gw_store_begin(struct gw_store *st);
/* -ENOSPC (disk full) or -EIO; the batch is then rolled back. -EINVAL
 * without a batch.
 */
int gw_store_commit(struct gw_store *st);
void gw_store_rollback(struct gw_store *st);

/* --- messages ------------------------------------------------------------ */

/*
 * Store one message for @token (meant for a batch). Returns 0 stored
 * (*seq set, if @seq), 1 duplicate (a message or tombstone with this
 * @msg_id exists for @token; nothing written), -EDQUOT when @token already
 * holds @max_queue undelivered messages, -ENOSPC, -EIO. @expiry_s is
 * stored as given (the caller clamps it). An unknown token gives -ENOENT
 * and a revoked one -EKEYREVOKED, neither of which fails a batch: this is
 * the token check of a push, no other is needed.
 */
int gw_store_put(struct gw_store *st, const uint8_t token[GW_TOKEN_LEN],
		 const uint8_t msg_id[GW_MSG_ID_LEN], uint64_t expiry_s,
		 uint32_t flags, const void *payload, size_t len,
		 uint32_t max_queue, int64_t *seq);

struct gw_msg {
	int64_t seq;
	const uint8_t *msg_id;		/* GW_MSG_ID_LEN bytes */
	uint64_t expiry_s;
	uint32_t flags;
	const void *payload;
	size_t len;
};

/*
 * Pass @token's undelivered messages with seq > @after_seq and expiry_s >=
 * @now_s to @cb, by ascending seq, at most @max. The pointers in @m are
 * valid during the call only; @cb must not call gw_store_fetch(). @cb
 * returns 0 to go on, > 0 to stop after this message, or a negative errno
 * to stop, which gw_store_fetch() then returns. Returns the number of
 * messages passed. Inside a batch it sees the batch's messages too.
 */
int gw_store_fetch(struct gw_store *st, const uint8_t token[GW_TOKEN_LEN],
		   int64_t after_seq, unsigned int max, uint64_t now_s,
		   int (*cb)(void *ctx, const struct gw_msg *m), void *ctx);

/*
 * The recipient has the message on disk: drop its payload and keep a
 * tombstone until it expires. An unknown or already delivered id: 0.
 */
int gw_store_delivered(struct gw_store *st, const uint8_t token[GW_TOKEN_LEN],
		       const uint8_t msg_id[GW_MSG_ID_LEN]);

/* Delete messages and tombstones with expiry_s < @now_s: returns how many. */
int gw_store_expire(struct gw_store *st, uint64_t now_s);

/* @token's undelivered messages (expired ones until the sweep), -ENOENT
 * for an unknown token.
 */
int gw_store_queue_len(struct gw_store *st, const uint8_t token[GW_TOKEN_LEN]);

/* The WAL checkpoints, which a thread of the store runs (sqlckpt.h). */
struct sqlckpt_stats;
void gw_store_ckpt_stats(struct gw_store *st, struct sqlckpt_stats *out);

/*
 * The WAL's flush, which another thread of the store runs (sqlsync.h):
 * gw_store_commit() leaves a batch in the page cache; a push in it is
 * acked once the generation gw_store_sync_request() returned after the
 * commit is synced. Everything else the store commits is durable when
 * the call returns, as before.
 */
struct sqlsync_stats;
uint64_t gw_store_sync_request(struct gw_store *st);
/* Readable when a flush completed. */
int gw_store_sync_fd(const struct gw_store *st);
/* The newest generation on disk; 0 or a failed flush's -errno (final). */
int gw_store_synced(struct gw_store *st, uint64_t *gen);
/* Flush now, in the caller's thread (at exit). */
int gw_store_sync_now(struct gw_store *st, uint64_t *gen);
void gw_store_sync_stats(struct gw_store *st, struct sqlsync_stats *out);

#endif /* TERN_GW_STORE_H */
