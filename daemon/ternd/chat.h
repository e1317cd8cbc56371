/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ternd's messaging (Documentation/messaging.rst): what a person sends
 * and receives, end to end encrypted, on top of the push transport.
 *
 *   chat.c      start and stop, the directory jobs messaging needs (a
 *               verified lookup, and prekeys claimed, for a handle),
 *               what runs after each commit
 *   chatsend.c  the send pump: a queued message, encrypted for each
 *               device of the recipient's account and each other device
 *               of this account, sealed, into the outbox
 *   chatrecv.c  the receive pump: an inbox message opened, its sender
 *               checked against the directory, decrypted, stored
 *   api.c       the local client API (JSON lines on a UNIX socket)
 *
 * Both pumps run in the loop thread over the store; they wait for the
 * directory worker when they need a lookup or a claim, one job at a time
 * each, and go on in order when it is done. What they write goes into
 * the iteration's batch with what it consumed, so a failed commit leaves
 * the message where it was, to be handled again.
 */
#ifndef TERND_CHAT_H
#define TERND_CHAT_H

#include <stdbool.h>
#include <stdint.h>

#include "backoff.h"
#include "claim.h"
#include "evloop.h"
#include "lookup.h"
#include "sess.h"

struct ternd;
struct api_client;

#define CHAT_PUMP_MAX		32	/* messages a pump handles at once */
#define CHAT_RETRY_BASE_MS	1000
#define CHAT_RETRY_CAP_MS	60000
#define CHAT_DEVICES		(2 * ENTRY_MAX_DEVICES)
#define CHAT_RCPT_PEERS		4	/* senders a pump run batches for */

/* What a directory job found for one handle. */
struct chat_target {
	char handle[256];
	bool claim;			/* also claim its devices' prekeys */
	int ret;			/* 0, a lookup_verdict > 0, -errno */
	char err[512];
	struct lookup_result r;
	struct claim_result c;
};

struct chat_job;
typedef void (*chat_done_fn)(struct ternd *td, struct chat_target *t,
			     unsigned int n, bool cancelled);

/* A peer device a message goes to, with a bundle when it has no session. */
struct chat_dest {
	uint8_t dev[ENTRY_ID_LEN];
	uint8_t ik[ENTRY_KEY_LEN];
	uint8_t token[ENTRY_TOKEN_LEN];
	const char *handle;		/* its account's */
	bool has_bundle;
	struct sess_bundle b;
};

struct td_chat {
	struct ternd *td;
	struct sess_self me;
	bool send_busy, recv_busy;	/* a directory job is out */
	bool typing_busy;		/* a typing's refresh is out */
	struct ev_timer retry;		/* after a directory failure */
	struct backoff bo;
	bool stopping;

	/* chatsend.c: bundles claimed for the message @bundle_seq. */
	int64_t bundle_seq;
	unsigned int n_bundles;
	struct chat_dest bundles[CHAT_DEVICES];

	/* chatrecv.c: the inbox message a fresh lookup was made for. */
	bool fresh_for_set;
	uint8_t fresh_for[16];
	/* chatrecv.c: delivery receipts of one pump run, one per sender. */
	struct chat_rcpt {
		char handle[256];
		uint8_t ids[64][16];
		unsigned int n;
	} rcpt[CHAT_RCPT_PEERS];
	unsigned int n_rcpt;

	/* api.c */
	int api_fd;
	struct ev_fd api_ev;
	struct api_client *clients;
	struct api_client *graveyard;	/* closed, freed after the iteration */
	struct ev_after api_reap;
	uint64_t rev;			/* newest change told to watchers */

	bool pushed;			/* the outbox got pushes */

	/* Counters, for status. */
	uint64_t sent, received, dropped;
};

/* chat.c */
int chat_start(struct ternd *td, char *err, size_t errlen);
void chat_stop(struct ternd *td);
/* After the directory worker stopped (no job can finish later). */
void chat_free(struct ternd *td);
/* Run the pumps (soon, from the loop). */
void chat_kick(struct ternd *td);
/* After a commit: tell the API's watchers what changed. */
void chat_committed(struct ternd *td);
/* A commit failed: what the pumps did is undone; try again later. */
void chat_rolled_back(struct ternd *td);
/* Retry after a directory failure, with backoff. */
void chat_retry_later(struct ternd *td);
/* Look up (and claim for) @n handles on the worker; @done follows. */
int chat_job(struct ternd *td, const struct chat_target *t, unsigned int n,
	     chat_done_fn done);
/* The verified entry of @handle from the lookup cache, when fresh. */
const struct tdir_cached *chat_cached(struct ternd *td, const char *handle);
/*
 * The gateway refused a push for a device that is gone (its token revoked
 * or unknown): forget the device lists in hand, so the next message goes
 * by fresh lookups.
 */
void chat_devices_changed(struct ternd *td);
/* This device's handle, as registered. */
const char *chat_self(struct ternd *td);

/* chatsend.c */
void chat_send_pump(struct ternd *td);
/*
 * Store @ct to @to, queued, in the batch (its msg_id and sent_ms are set
 * here); a control row unless it is a text.
 */
struct content;
int chat_queue(struct ternd *td, const char *to, struct content *ct,
	       char *err, size_t errlen);
/*
 * Queue the text of @ct (with its reply_to and mentions, checked) to @to,
 * committed when this returns 0: its id in @id.
 */
int chat_send(struct ternd *td, const char *to, struct content *ct,
	      uint8_t id[16], char *err, size_t errlen);

/*
 * Queue a reset notice to @to (in the batch): this device could not open
 * the push @push_id from one of its devices, and starts a new session
 * with them by sending it; they send that message again.
 */
int chat_send_reset(struct ternd *td, const char *to,
		    const uint8_t push_id[16]);
/*
 * Queue receipts to @to (in the batch): @n of its messages, by id, were
 * stored (delivered) or read here. A read receipt also goes to this
 * account's other devices, which then mark them read too.
 */
int chat_send_receipt(struct ternd *td, const char *to, bool read,
		      const uint8_t (*ids)[16], unsigned int n);
/*
 * Tell @to's devices that this person is typing (@on) or stopped: sent at
 * once, no-store (online devices only), never stored, to the devices a
 * session is open with. How many copies went, or a negative errno.
 */
int chat_send_typing(struct ternd *td, const char *to, bool on, char *err,
		     size_t errlen);
/* Mark every unread message from @peer read, and unless read receipts
 * are off, tell its sender: how many, or a negative errno.
 */
int chat_read(struct ternd *td, const char *peer, char *err, size_t errlen);
/* The push id of @msg_id's copy to device @dev in @round. */
int chat_push_id(const uint8_t msg_id[16], const uint8_t dev[16],
		 uint32_t round, uint8_t out[16]);

/* chatref.c: reactions, edits, unsend (references to a message). */
/* @author's @ct (a reaction, edit or unsend) to the conversation with
 * @peer, checked and applied in the batch: 0, or -EPERM/-ENOENT with
 * *@why when it does not hold (not the author's message, too late, no
 * such message).
 */
int chat_apply_ref(struct ternd *td, const struct content *ct,
		   const char *peer, const char *author, const char **why);
/* This person's own: applied here, then sent (committed on return). */
int chat_ref(struct ternd *td, const char *with, struct content *ct,
	     char *err, size_t errlen);

/* chatverify.c: safety numbers. */
enum chat_verify_op {
	CHAT_VERIFY_SHOW,	/* the number, and whether it is verified */
	CHAT_VERIFY_CONFIRM,	/* the person compared it: verified */
	CHAT_VERIFY_FORGET,	/* not verified any more (after a change) */
};

struct chat_safety {
	char number[12 * 6];	/* 12 groups of 5 digits */
	bool verified;		/* the peer's key is the one confirmed */
	bool changed;		/* a key was confirmed, and it is not this */
};

/*
 * The safety number of this account and @with's, from a fresh verified
 * lookup: 0; -EAGAIN when the lookup was asked for (api_retry() follows
 * it); -ENOENT no such handle; another -errno (@err says).
 */
int chat_verify(struct ternd *td, const char *with, enum chat_verify_op op,
		struct chat_safety *out, char *err, size_t errlen);
/* Before sending to @peer, whose account key is @key: -EPERM (@why) if
 * a different key was verified.
 */
int chat_key_check(struct ternd *td, const char *peer,
		   const uint8_t key[ENTRY_KEY_LEN], const char **why);

/* chatrecv.c */
void chat_recv_pump(struct ternd *td);

/* api.c */
int api_open(struct ternd *td, char *err, size_t errlen);
void api_close(struct ternd *td);
void api_notify(struct ternd *td);
/* Serve again the requests that waited for the directory. */
void api_retry(struct ternd *td);
/* A live event to the watchers: @handle is typing (@on) or stopped. */
void api_typing(struct ternd *td, const char *handle, bool on);

#endif /* TERND_CHAT_H */
