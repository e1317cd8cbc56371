/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The device daemon's store (ternd.db in its data directory; SQLite, WAL,
 * synchronous=FULL):
 *
 *   inbox     messages the gateway delivered, kept on disk before they are
 *             acked (DELIVER_ACK), until the app takes them; their ids stay
 *             until they expire, to drop duplicates
 *   outbox    this device's pushes not yet acked by the gateway, with their
 *             retry schedule; a push nacked for good stays, failed
 *   settings  key/value text: learned heartbeat intervals, the token, ...
 *   prekeys   this device's X25519 private keys for the directory: its
 *             identity key, signed, last-resort and one-time prekeys
 *   sessions  end-to-end sessions, one row per peer device: the session
 *             in use and the one before it (daemon/ternd/sess.h)
 *   chat      the conversations: every message sent and received, in
 *             clear (Content), with its state; rev numbers the changes
 *
 * Returns are 0 (or a count, or 1 where said) or a negative errno: -ENOSPC
 * disk full, -EIO another store error (dstore_error() says which).
 * Writes outside a batch are each committed before they return; in a
 * batch (dstore_begin() .. dstore_commit()) they are durable at the
 * commit, with the rules of sqldb.h. One struct dstore, one thread.
 */
#ifndef TERN_DSTORE_H
#define TERN_DSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DSTORE_FILE		"ternd.db"
#define DSTORE_MSG_ID_LEN	16
#define DSTORE_TOKEN_LEN	16
#define DSTORE_STORE_KEY_LEN	32

struct dstore;

/*
 * Open (or make) DIR/ternd.db with the store key @key (dstore_crypt.c:
 * messages, sessions and private keys are sealed under it; ternd.rst,
 * "The store at rest"). -EKEYREJECTED when @key is not the one the store
 * was written with; an older store is upgraded, its rows sealed.
 */
int dstore_open(const char *dir, const uint8_t key[DSTORE_STORE_KEY_LEN],
		struct dstore **out, char *err,
		size_t errlen);
void dstore_close(struct dstore *ds);	/* @ds may be NULL */
const char *dstore_error(const struct dstore *ds);

/* -EBUSY if a batch is open; commit: -ENOSPC, -EIO (rolled back). */
int dstore_begin(struct dstore *ds);
int dstore_commit(struct dstore *ds);
void dstore_rollback(struct dstore *ds);

/* --- inbox --------------------------------------------------------------- */

/* 0 stored, 1 duplicate (this msg_id is here; nothing changed). */
int dstore_inbox_put(struct dstore *ds,
		     const uint8_t msg_id[DSTORE_MSG_ID_LEN],
		     uint64_t expiry_s, uint32_t flags, const void *payload,
		     size_t len, uint64_t now_ms);

struct dmsg {
	const uint8_t *msg_id;
	uint64_t expiry_s;
	uint32_t flags;
	const void *payload;
	size_t len;
	uint64_t received_ms;
};

/*
 * Pass the messages the app has not consumed, in arrival order, at most
 * @max, to @cb (pointers valid during the call). @cb returns 0 to go on,
 * > 0 to stop after this message, a negative errno to stop before it
 * (returned). With @consume, the messages @cb accepted (returned >= 0 for)
 * are marked consumed, in one transaction. Returns how many were accepted.
 * @cb must not call into @ds.
 */
int dstore_inbox_take(struct dstore *ds, unsigned int max, bool consume,
		      int (*cb)(void *ctx, const struct dmsg *m), void *ctx);

/* Drop consumed messages with expiry_s < @now_s: returns how many. */
int dstore_inbox_expire(struct dstore *ds, uint64_t now_s);

/* --- outbox -------------------------------------------------------------- */

/* 0 added (pending, 0 attempts), 1 if @msg_id is already there. */
int dstore_out_add(struct dstore *ds, const uint8_t msg_id[DSTORE_MSG_ID_LEN],
		   const uint8_t token[DSTORE_TOKEN_LEN], uint64_t expiry_s,
		   uint32_t flags, const void *payload, size_t len,
		   uint64_t next_try_ms);
/* The same, for a push that carries chat message @chat_seq: the chat
 * row's state follows the push's (acked: sent once all its pushes are;
 * failed).
 */
int dstore_out_add_chat(struct dstore *ds,
			const uint8_t msg_id[DSTORE_MSG_ID_LEN],
			const uint8_t token[DSTORE_TOKEN_LEN],
			uint64_t expiry_s, uint32_t flags, const void *payload,
			size_t len, uint64_t next_try_ms, int64_t chat_seq);
/* The gateway acked: delete the row. -ENOENT if there is none. */
int dstore_out_acked(struct dstore *ds,
		     const uint8_t msg_id[DSTORE_MSG_ID_LEN]);
/* Nacked for good (@reason a NackReason): state failed, row kept.
 * -ENOENT if no pending row has @msg_id.
 */
int dstore_out_failed(struct dstore *ds,
		      const uint8_t msg_id[DSTORE_MSG_ID_LEN], int reason);
/* Try again at @next_try_ms; attempts++. -ENOENT if not pending. */
int dstore_out_retry_at(struct dstore *ds,
			const uint8_t msg_id[DSTORE_MSG_ID_LEN],
			uint64_t next_try_ms);

struct dout {
	const uint8_t *msg_id;
	const uint8_t *token;
	uint64_t expiry_s;
	uint32_t flags;
	const void *payload;
	size_t len;
	unsigned int attempts;
	uint64_t next_try_ms;
};

/* Pending rows with next_try_ms <= @now_ms, oldest first, at most @max;
 * @cb as for dstore_inbox_take(). Returns how many were passed.
 */
int dstore_out_due(struct dstore *ds, uint64_t now_ms, unsigned int max,
		   int (*cb)(void *ctx, const struct dout *o), void *ctx);
/* Pending rows. */
int dstore_out_pending(struct dstore *ds);

/* --- settings ------------------------------------------------------------ */

/* -ENOENT no such key, -ERANGE @val (@len bytes) too small for it. */
int dstore_get(struct dstore *ds, const char *key, char *val, size_t len);
int dstore_set(struct dstore *ds, const char *key, const char *val);

/* --- keys --------------------------------------------------------------- */

#define DSTORE_KEY_LEN		32

/* The X25519 keys a device publishes (daemon/ternd/prekeys.c). */
enum dstore_key_kind {
	DSTORE_KEY_IDENTITY = 0,	/* the identity key: id 0 */
	DSTORE_KEY_SIGNED = 1,		/* as entry.h's prekey kinds */
	DSTORE_KEY_LAST_RESORT = 2,
	DSTORE_KEY_ONE_TIME = 3,
};

struct dkey {
	enum dstore_key_kind kind;
	uint32_t id;
	uint8_t priv[DSTORE_KEY_LEN];
	uint8_t pub[DSTORE_KEY_LEN];
	uint64_t created_ms;
	bool published;
};

/* -EIO also when (@kind, @id) is taken. */
int dstore_key_put(struct dstore *ds, enum dstore_key_kind kind, uint32_t id,
		   const uint8_t priv[DSTORE_KEY_LEN],
		   const uint8_t pub[DSTORE_KEY_LEN], uint64_t now_ms);
/* One above the highest id of @kind (1 when there is none). */
int dstore_key_next_id(struct dstore *ds, enum dstore_key_kind kind,
		       uint32_t *id);
int dstore_key_count(struct dstore *ds, enum dstore_key_kind kind);
/* The key of @kind with the highest id; -ENOENT when there is none. */
int dstore_key_latest(struct dstore *ds, enum dstore_key_kind kind,
		      struct dkey *k);
/* The ids and public keys of at most @max unpublished keys, lowest id
 * first: returns how many.
 */
int dstore_key_unpublished(struct dstore *ds, enum dstore_key_kind kind,
			   unsigned int max, uint32_t *ids,
			   uint8_t (*pubs)[DSTORE_KEY_LEN]);
/* Mark every key of @kind up to id @upto published. */
int dstore_key_published(struct dstore *ds, enum dstore_key_kind kind,
			 uint32_t upto);
/* The key (@kind, @id), -ENOENT when there is none. */
int dstore_key_get(struct dstore *ds, enum dstore_key_kind kind, uint32_t id,
		   struct dkey *k);
/* Forget a key (a one-time prekey that was used): -ENOENT if absent. */
int dstore_key_del(struct dstore *ds, enum dstore_key_kind kind, uint32_t id);

/* --- sessions ------------------------------------------------------------ */

#define DSTORE_DEV_LEN		16

struct dsess {
	char handle[256];		/* the peer's */
	uint8_t peer_ik[DSTORE_KEY_LEN];
	uint8_t *state;			/* malloc()ed */
	size_t state_len;
	uint8_t *prev;			/* malloc()ed, NULL when none */
	size_t prev_len;
	uint64_t updated_ms;
};

/* The row of @peer_dev into @s (dsess_free() it after): -ENOENT when
 * there is none.
 */
int dstore_sess_get(struct dstore *ds, const uint8_t peer_dev[DSTORE_DEV_LEN],
		    struct dsess *s);
void dsess_free(struct dsess *s);
/* Insert or replace the row of @peer_dev (@s->prev may be NULL). */
int dstore_sess_put(struct dstore *ds, const uint8_t peer_dev[DSTORE_DEV_LEN],
		    const struct dsess *s);
/* Forget the sessions with @peer_dev: -ENOENT if there were none. */
int dstore_sess_del(struct dstore *ds,
		    const uint8_t peer_dev[DSTORE_DEV_LEN]);

/* --- chat ---------------------------------------------------------------- */

enum dchat_state {
	DCHAT_QUEUED,		/* outgoing, stored, not yet encrypted */
	DCHAT_SENDING,		/* its pushes are in the outbox */
	DCHAT_SENT,		/* the gateway took every push */
	DCHAT_FAILED,		/* see error */
	DCHAT_RECEIVED,		/* incoming */
};

struct dchat {
	int64_t seq;
	const uint8_t *msg_id;		/* DSTORE_MSG_ID_LEN */
	const char *peer;		/* the conversation's other handle */
	bool outgoing;
	const uint8_t *sender_dev;	/* incoming: DSTORE_DEV_LEN; or NULL */
	const void *body;		/* the Content */
	size_t len;
	uint64_t sent_ms, at_ms;
	enum dchat_state state;
	unsigned int pushes_left;
	const char *error;		/* NULL: none */
	uint64_t rev;
	uint32_t round;			/* times queued again */
	uint64_t delivered_ms;		/* outgoing: a receipt came; 0: none */
	uint64_t read_ms;		/* read (either way); 0: not yet */
	bool control;			/* a reset notice or a receipt */
	uint64_t edited_ms;		/* 0: never */
	uint64_t unsent_ms;		/* 0: not; its body is empty */
	uint64_t deleted_ms;		/* 0: not; else recently deleted */
};

/* Add @m (its seq, rev, pushes_left and error are ignored): 0 with its
 * seq in *@seq, or 1 when (peer, outgoing, msg_id) is there already.
 */
int dstore_chat_add(struct dstore *ds, const struct dchat *m, int64_t *seq);
/* Set the state of row @seq; @error may be NULL. */
int dstore_chat_state(struct dstore *ds, int64_t seq, enum dchat_state state,
		      unsigned int pushes_left, const char *error);
/*
 * A receipt: mark the row (@peer, @outgoing, @msg_id) delivered, or read
 * (and delivered, if it was not), at @ms. 1 when it changed, 0 when there
 * is no such row or it was marked already.
 */
int dstore_chat_mark(struct dstore *ds, const char *peer, bool outgoing,
		     const uint8_t msg_id[DSTORE_MSG_ID_LEN], bool read,
		     uint64_t ms);
/* The message @msg_id of the conversation with @peer, either way, to
 * @cb: 1 found, 0 not.
 */
int dstore_chat_find(struct dstore *ds, const char *peer,
		     const uint8_t msg_id[DSTORE_MSG_ID_LEN],
		     int (*cb)(void *ctx, const struct dchat *m), void *ctx);
/* Row @seq: a new body (an edit), or none (unsent), at @ms. */
int dstore_chat_edit(struct dstore *ds, int64_t seq, const void *body,
		     size_t len, uint64_t ms);
int dstore_chat_unsend(struct dstore *ds, int64_t seq, uint64_t ms);
/*
 * @who's reaction to message @target (row @seq) of the conversation with
 * @peer: @emoji, or none (NULL: taken back). The message's rev moves, so
 * watchers see it.
 */
int dstore_react(struct dstore *ds, const char *peer, int64_t seq,
		 const uint8_t target[DSTORE_MSG_ID_LEN], const char *who,
		 const char *emoji, uint64_t ms);
/* The reactions to @target, oldest first: @cb(ctx, who, emoji). */
int dstore_reactions(struct dstore *ds, const char *peer,
		     const uint8_t target[DSTORE_MSG_ID_LEN],
		     int (*cb)(void *ctx, const char *who, const char *emoji),
		     void *ctx);
/* Queue outgoing row @seq again, in a new round: -ENOENT if none. */
int dstore_chat_requeue(struct dstore *ds, int64_t seq);
/* The oldest queued outgoing message to @cb: 1 passed, 0 none. */
int dstore_chat_queued(struct dstore *ds,
		       int (*cb)(void *ctx, const struct dchat *m), void *ctx);
/* Rows changed after @rev, in the order of their changes, at most @max;
 * @cb as for dstore_inbox_take(), but it may read the message's
 * reactions (dstore_reactions()). Returns how many were passed. Control
 * rows are left out here, in the history and in the newest rev.
 */
int dstore_chat_since(struct dstore *ds, uint64_t rev, unsigned int max,
		      int (*cb)(void *ctx, const struct dchat *m), void *ctx);
/* The last @max messages with @peer, oldest first. */
int dstore_chat_history(struct dstore *ds, const char *peer, unsigned int max,
			int (*cb)(void *ctx, const struct dchat *m),
			void *ctx);
/* The newest rev (0: no message yet). */
int dstore_chat_rev(struct dstore *ds, uint64_t *rev);

/* --- recently deleted ---------------------------------------------------- */

#define DSTORE_DELETED_KEEP_MS	(30ULL * 24 * 3600 * 1000)

/* The message @msg_id (any conversation) to @cb: 1 found, 0 not. */
int dstore_chat_find_id(struct dstore *ds,
			const uint8_t msg_id[DSTORE_MSG_ID_LEN],
			int (*cb)(void *ctx, const struct dchat *m),
			void *ctx);
/* Delete row @seq here at @ms (0: restore it): -ENOENT if there is no
 * such row, or it is already (not) deleted.
 */
int dstore_chat_delete(struct dstore *ds, int64_t seq, uint64_t ms);
/* The recently deleted messages, most recently deleted first. */
int dstore_chat_deleted(struct dstore *ds, unsigned int max,
			int (*cb)(void *ctx, const struct dchat *m),
			void *ctx);
/* Forget the messages deleted before @before_ms: how many. */
int dstore_chat_purge(struct dstore *ds, uint64_t before_ms);

/* --- contacts ------------------------------------------------------------ */

enum dcontact_state {
	DCONTACT_REQUEST,	/* wrote first; not answered, not accepted */
	DCONTACT_ACCEPTED,	/* written to, or accepted */
	DCONTACT_BLOCKED,	/* its messages are dropped */
};

/* @handle's state, or -ENOENT: never heard of. */
int dstore_contact_get(struct dstore *ds, const char *handle);
int dstore_contact_set(struct dstore *ds, const char *handle,
		       enum dcontact_state state, uint64_t now_ms);

/*
 * The account key this person verified for @handle (safety numbers): 1
 * with it in @key, 0 when none was, or -errno. dstore_contact_verify()
 * stores it (a contact from then on), or with @key NULL forgets it.
 */
int dstore_contact_verified(struct dstore *ds, const char *handle,
			    uint8_t key[DSTORE_KEY_LEN]);
int dstore_contact_verify(struct dstore *ds, const char *handle,
			  const uint8_t *key, uint64_t now_ms);

/* The conversations, newest first, at most @max: the peer, its contact
 * state (-1: none), how many of its messages are unread, and the seq of
 * the newest message. @cb as for dstore_inbox_take(), but it may read.
 */
int dstore_conversations(struct dstore *ds, unsigned int max,
			 int (*cb)(void *ctx, const char *peer, int state,
				   unsigned int unread, int64_t last),
			 void *ctx);

#endif /* TERN_DSTORE_H */
