/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ternd and the directory (Documentation/ternd.rst, "The directory"):
 *
 *   dirw.c     one worker thread that makes the HTTPS requests (libcurl
 *              blocks; the event loop must not) and checks every answer
 *              with lookup_verify(); it keeps the newest head seen
 *   prekeys.c  the device's X25519 keys: made here, kept in the store,
 *              published as the directory's JSON
 *   dirsync.c  registration at first start, prekey upkeep, the monitor of
 *              the device's own handle, alarms
 *   resolve.c  lookups for local clients, with a cache
 *
 * The loop thread owns the store and every struct td_dir field but those
 * marked "worker"; jobs carry what the worker needs and bring back what
 * it found.
 */
#ifndef TERND_TDIR_H
#define TERND_TDIR_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "backoff.h"
#include "evloop.h"
#include "lookup.h"

struct ternd;
struct ctl_client;
struct dirw;
struct resolve_job;

#define TDIR_PREKEYS_DEFAULT	100
#define TDIR_PREKEYS_MAX	1000
#define TDIR_PREKEYS_BATCH	100	/* the directory takes 100 a request */
#define TDIR_CHECK_MS		(10 * 60000)
#define TDIR_CACHE_MS		(5 * 60000)
#define TDIR_CACHE_MAX		128	/* handles */
#define TDIR_MAX_AGE_MS		(10 * 60000)
#define TDIR_WATCH_MS		2000	/* for a device just approved */
#define TDIR_WATCH_FOR_MS	(2 * 60000)
#define TDIR_SPK_LIFE_MS	(7 * 24 * 3600000ULL)
#define TDIR_RETRY_BASE_MS	1000
#define TDIR_RETRY_CAP_MS	(5 * 60000)

enum tdir_state {
	TDIR_OFF,		/* no --directory */
	TDIR_WAITING,		/* for the push token */
	TDIR_REGISTERING,
	TDIR_REGISTERED,
	TDIR_FAILED,		/* refused for good: see error */
};

/*
 * What a verified answer tells a client, and all the cache keeps of it:
 * the proofs and the prekeys' key bytes are checked and dropped (a whole
 * lookup_result is some 55 KB with the KEM prekey slots, this 2.7 KB).
 */
struct tdir_cached {
	char handle[256];
	uint64_t at_ms;			/* verified, monotonic */
	bool present;
	struct entry entry;
	uint32_t spk_id[ENTRY_MAX_DEVICES];	/* 0: none */
	struct kt_sth head;
};

struct td_dir {
	struct ternd *td;
	struct dirw *w;
	enum tdir_state state;
	bool busy;			/* an enroll or check job is out */
	struct backoff bo;
	struct ev_timer timer;		/* retry, or the next check */
	int prekeys_left;		/* the directory's last count, -1 */
	uint64_t head_size;		/* newest verified head */
	char alarm[560];		/* "what: why" */
	char error[512];		/* the last failure */
	char enrolled[128];		/* the settings' dir.enrolled */
	uint64_t watch_until_ms;	/* look for approved devices often */
	struct resolve_job *lookups;	/* with the worker */
	struct tdir_cached *cache[TDIR_CACHE_MAX];
};

/* --- dirw.c -------------------------------------------------------------- */

struct dirw_job {
	struct dirw_job *next;
	/* In the worker thread: the requests. */
	void (*run)(struct dirw *w, struct dirw_job *j);
	/* Back in the loop, with what run() found (also after dirw_stop()
	 * began: then @cancelled is true). Frees the job.
	 */
	void (*done)(struct ternd *td, struct dirw_job *j, bool cancelled);
};

/* Start the worker; it signs with copies of the device and account keys
 * and starts from @seen (NULL: no head seen yet).
 */
int dirw_start(struct ternd *td, const struct lookup_pins *pins,
	       const struct kt_sth *seen, struct dirw **out, char *err,
	       size_t errlen);
void dirw_submit(struct dirw *w, struct dirw_job *j);
/* Cancel what is in flight, join the thread, finish every job. */
void dirw_stop(struct dirw *w);

/* In the worker: */
bool dirw_cancelled(void *w);
/* A verified lookup (dirc_lookup()); the newest head is kept. */
int dirw_lookup(struct dirw *w, const char *handle, struct lookup_result *r,
		char *err, size_t errlen);
/* POST/DELETE @payload signed by the account key (or, with @device, the
 * device's identity key); @answer, when not NULL, gets the parsed body.
 */
int dirw_change(struct dirw *w, const char *method, const char *path,
		json_t *payload, bool device, json_t **answer, long *status,
		char *err, size_t errlen);
const uint8_t *dirw_account_pub(struct dirw *w);
/* Claim prekeys of @handle's devices (dirc_claim()), checked against
 * @lr, a verified lookup of it; signed by this device's key.
 */
struct claim_result;
int dirw_claim(struct dirw *w, const char *handle,
	       const struct lookup_result *lr, struct claim_result *out,
	       char *err, size_t errlen);

/* In the loop: the newest head, when the worker saw a newer one since the
 * last call (1), else 0.
 */
int dirw_new_head(struct dirw *w, struct kt_sth *h);

/* --- prekeys.c ----------------------------------------------------------- */

/* Make the identity, signed and last-resort keys if missing. */
int prekeys_init(struct ternd *td);
/* Make @n new one-time prekeys (committed before this returns). */
int prekeys_make(struct ternd *td, unsigned int n);
/* Are there one-time prekeys the directory has not been given? */
bool prekeys_unpublished(struct ternd *td);
/* A new signed prekey when the current one is older than @life_ms: 1
 * made, 0 not due.
 */
int prekeys_rotate(struct ternd *td, uint64_t life_ms);
/* The add-device "device" object; @token the push token; *@spk_id and
 * *@upto as for prekeys_upkeep_json().
 */
json_t *prekeys_device_json(struct ternd *td, const uint8_t *token,
			    uint32_t *spk_id, uint32_t *upto);
/* The add-prekeys fields: an unpublished signed prekey and at most
 * TDIR_PREKEYS_BATCH one-time prekeys (*@count of them); *@spk_id and
 * *@upto say what to mark published once they are (0: nothing).
 */
json_t *prekeys_upkeep_json(struct ternd *td, json_t *payload,
			    uint32_t *spk_id, uint32_t *upto,
			    unsigned int *count);
int prekeys_published(struct ternd *td, uint32_t spk_id, uint32_t upto);
/* The X25519 identity key, for the own-handle check. */
int prekeys_identity_pub(struct ternd *td, uint8_t pub[32]);

/* --- dirsync.c ----------------------------------------------------------- */

int tdir_start(struct ternd *td, char *err, size_t errlen);
void tdir_stop(struct ternd *td);
/* The gateway gave a push token (hello-ok). */
void tdir_token(struct ternd *td);
const char *tdir_state_name(enum tdir_state s);
/* A device was approved: look for it in the own entry every few seconds
 * for a while, not only every --directory-check.
 */
void tdir_watch_link(struct ternd *td);
/* An unexpected-device alarm for device @hex was a link this device had
 * not heard of yet: clear it.
 */
void tdir_alarm_clear(struct ternd *td, const char *hex);
/* Raise an alarm (logged at error level, shown by status). */
void tdir_alarm(struct ternd *td, const char *what, const char *why);
/* Persist a newer head when the worker saw one. */
void tdir_note_head(struct ternd *td);

/* --- resolve.c ----------------------------------------------------------- */

/* Answer @c's lookup of @handle: from the cache (0: answered), or
 * through the worker (1: ctl_lookup_reply() follows).
 */
int resolve_start(struct ternd *td, struct ctl_client *c,
		  const char *handle, bool fresh);
/* The cached entry of @handle verified less than @max_age_ms ago. */
const struct tdir_cached *tdir_cache_get(struct td_dir *d,
					 const char *handle,
					 uint64_t max_age_ms);
/* Cache what a verified lookup of @handle found. */
void tdir_cache_put(struct td_dir *d, const char *handle,
		    const struct lookup_result *r);
/* The client is gone: its lookup's answer goes nowhere. */
void resolve_forget(struct ternd *td, struct ctl_client *c);
void resolve_cache_free(struct td_dir *d);

#endif /* TERND_TDIR_H */
