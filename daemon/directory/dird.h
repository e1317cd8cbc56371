/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tern-directoryd: the directory of handles, devices and keys, with key
 * transparency (Documentation/directory.rst). One process, one thread,
 * libevent's loop and its HTTP server over OpenSSL.
 */
#ifndef TERN_DIRD_H
#define TERN_DIRD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "entry.h"
#include "kt_log.h"
#include "kt_map.h"
#include "kt_sth.h"
#include "kt_vrf.h"
#include "sqldb.h"
#include "store.h"

#define DIRD_MAX_LISTEN		8
#define DIRD_MAX_BODY		(64 * 1024)
#define DIRD_MAX_OTPK		100	/* one-time prekeys a request */
#define DIRD_VRF_BITS		2048

enum dird_registration { DIRD_REG_INVITE, DIRD_REG_EMAIL };

struct dird_conf {
	const char *listen[DIRD_MAX_LISTEN];
	unsigned int n_listen;
	const char *cert;
	const char *key;
	const char *data;
	enum dird_registration registration;
	const char *smtp;		/* smtp:// or smtps:// URL */
	const char *smtp_from;
	uint32_t head_refresh_ms;	/* re-sign an unchanged head */
	uint32_t lookup_rate;		/* per source, per second */
	uint32_t lookup_burst;
	uint32_t distinct_lookups;	/* handles per source per window */
	uint32_t distinct_window_ms;
	uint32_t change_rate;		/* registrations and changes, per
					 * source and per account, per minute
					 */
	uint32_t claim_rate;		/* claims per minute, per claimer and
					 * per target
					 */
	uint32_t request_timeout_ms;
	uint32_t add_invites;		/* action: make and print invites */
	const char *misbehave;		/* test build: misbehave.c */
	bool show_keys;			/* action: print the public keys */
	int verbose;
};

struct dird_store;
struct dird_rate;
struct dird_misbehave;
struct dird_email;

/*
 * Key transparency: the map as of the last epoch, the log of epochs, and
 * the latest head (Documentation/directory.rst).
 */
struct dird_kt {
	struct kt_map *map;
	struct kt_log *log;
	struct kt_sth head;
	struct kt_sth prev_head;	/* for dird_kt_undo() */
};

struct dird {
	struct dird_conf conf;
	struct event_base *base;
	struct evhttp *http;
	SSL_CTX *tls;
	struct dird_store *store;
	struct dird_rate *rate;
	EVP_PKEY *head_key;		/* Ed25519 */
	EVP_PKEY *vrf_key;		/* RSA */

	struct dird_kt kt;
	struct dird_misbehave *mb;	/* test builds only: misbehave.c */
	struct dird_email *email;	/* registration by email: email.c */
	struct event *refresh;
	struct event *sig_ev[2];
};

/* conf.c */
void dird_conf_defaults(struct dird_conf *c);
/* 0, 1 for --help (done), or -EINVAL (message printed). */
int dird_conf_parse(struct dird_conf *c, int argc, char **argv);
void dird_conf_free(struct dird_conf *c);

/* main.c: logging. Never given handles, addresses or keys of lookups. */
void dird_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define DIRD_ERR	0
#define DIRD_INFO	1
#define DIRD_DEBUG	2
extern int dird_verbose;

/* keys.c: the head and VRF keys in the data directory, made at first start. */
int dird_keys_load(struct dird *d, char *err, size_t errlen);

/* tls.c */
int dird_tls_init(struct dird *d, char *err, size_t errlen);

/* epoch.c: key transparency state. */
int dird_kt_load(struct dird *d, char *err, size_t errlen);
/* The map and the log as the store has them, into @kt (no head). */
int dird_kt_read(struct dird *d, struct dird_kt *kt, uint64_t *epochs,
		 uint8_t last_root[KT_HASH_LEN], char *err, size_t errlen);
void dird_kt_free(struct dird_kt *kt);
/* Signs the head of @kt's log at @size with the head key. */
int dird_kt_sign(struct dird *d, const struct dird_kt *kt, uint64_t size,
		 uint64_t timestamp_ms, struct kt_sth *h);
/*
 * Publishes a new epoch inside the store transaction the caller has open:
 * @n map updates (key, value or NULL to delete) are applied to the map,
 * the epoch record appended and a head signed. On failure everything in
 * memory is as before and the caller rolls the transaction back; after
 * the caller's commit fails, dird_kt_undo() puts it back.
 */
struct dird_kt_change {
	uint8_t key[KT_HASH_LEN];
	uint8_t value[KT_HASH_LEN];
	bool remove;
	/* filled in by dird_kt_publish, for dird_kt_undo */
	bool had_old;
	uint8_t old[KT_HASH_LEN];
};
int dird_kt_publish(struct dird *d, struct dird_kt_change *c, unsigned int n);
void dird_kt_undo(struct dird *d, struct dird_kt_change *c, unsigned int n);
int dird_kt_refresh_head(struct dird *d);
uint64_t dird_now_ms(void);

/* http.c: the server, routing and replies. */
int dird_http_init(struct dird *d, char *err, size_t errlen);
void dird_reply(struct evhttp_request *req, int status, json_t *body);
void dird_error(struct evhttp_request *req, int status, const char *code,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The source address of @req as a string, for rate limiting only. */
const char *dird_source(struct evhttp_request *req);

/* api_*.c: the calls. */
void dird_api_register(struct dird *d, struct evhttp_request *req,
		       const char *body, size_t len);
void dird_api_add_device(struct dird *d, struct evhttp_request *req,
			 const char *handle, const char *body, size_t len);
void dird_api_rotate(struct dird *d, struct evhttp_request *req,
		     const char *handle, const char *body, size_t len);
void dird_api_remove_device(struct dird *d, struct evhttp_request *req,
			    const char *handle, const char *device_id,
			    const char *body, size_t len);
void dird_api_claim(struct dird *d, struct evhttp_request *req,
		    const char *body, size_t len);
void dird_api_add_prekeys(struct dird *d, struct evhttp_request *req,
			  const char *handle, const char *device_id,
			  const char *body, size_t len);
void dird_api_lookup(struct dird *d, struct evhttp_request *req,
		     const char *handle);
void dird_api_head(struct dird *d, struct evhttp_request *req);
void dird_api_consistency(struct dird *d, struct evhttp_request *req);
void dird_api_keys(struct dird *d, struct evhttp_request *req);

/* payload.c: parts of payloads. -EINVAL (400) or -EBADMSG (401), @err set. */
struct dird_otpk {
	uint32_t id;
	uint8_t key[ENTRY_KEY_LEN];
};
/* A prekey {"id", "key", "signature"}: @klen bytes (0: up to
 * ENTRY_KEM_MAX), signed by the identity key @ik as @kind.
 */
int dird_get_prekey(const json_t *o, const char *path,
		    enum entry_prekey_kind kind, size_t klen,
		    const uint8_t *ik, struct dird_prekey *p, char *err,
		    size_t errlen);
/* At most DIRD_MAX_OTPK one-time prekeys [{"id", "key"}], or none. */
int dird_get_otpks(const json_t *a, const char *path, struct dird_otpk *ot,
		   unsigned int *n, char *err, size_t errlen);

/* api_change.c: a device added or replaced outside the API (misbehave.c). */
int dird_put_device(struct dird *d, const char *handle,
		    const struct dird_device *dv);

/*
 * misbehave.c, in the test build tern-directoryd-misbehave only
 * (Documentation/directory.rst, "Testing the clients' checks"): a
 * directory that lies in one of the ways clients must catch. In the
 * shipped daemon these are no-ops.
 */
#ifdef TERN_DIRD_MISBEHAVE
int dird_misbehave_init(struct dird *d, const char *spec, char *err,
			size_t errlen);
void dird_misbehave_free(struct dird *d);
/* The key-transparency state @req is shown. */
const struct dird_kt *dird_view(struct dird *d, struct evhttp_request *req);
/* Adds the device a split view shows its victim. */
void dird_misbehave_entry(struct dird *d, struct evhttp_request *req,
			  const char *handle, struct dird_device *dev,
			  unsigned int *n, uint64_t *seq);
bool dird_misbehave_frozen(struct dird *d);
#else
static inline const struct dird_kt *dird_view(struct dird *d,
					      struct evhttp_request *req)
{
	(void)req;
	return &d->kt;
}

static inline void dird_misbehave_entry(struct dird *d,
					struct evhttp_request *req,
					const char *handle,
					struct dird_device *dev,
					unsigned int *n, uint64_t *seq)
{
	(void)d, (void)req, (void)handle, (void)dev, (void)n, (void)seq;
}

static inline bool dird_misbehave_frozen(struct dird *d)
{
	(void)d;
	return false;
}
#endif

/* email.c: registration codes sent by email. */
int dird_email_init(struct dird *d, char *err, size_t errlen);
void dird_email_free(struct dird *d);
void dird_api_register_code(struct dird *d, struct evhttp_request *req,
			    const char *body, size_t len);
/* 0 when @code is @handle's current code (then used up), else -ENOENT. */
int dird_email_check(struct dird *d, const char *handle, const char *code);

/* envelope.c: signed requests. */
struct dird_envelope {
	json_t *payload;	/* the parsed payload object (owned) */
	uint8_t *bytes;		/* its exact bytes (owned) */
	size_t len;
	uint8_t sig[ENTRY_SIG_LEN];
};
/*
 * Parses the envelope @body into @e (payload parsed, not yet verified).
 * 0, or -EINVAL with @err naming what was wrong.
 */
int dird_envelope_parse(const char *body, size_t len,
			struct dird_envelope *e, char *err, size_t errlen);
/* 0 when the signature verifies under @key (raw Ed25519), else -EBADMSG. */
int dird_envelope_verify(const struct dird_envelope *e,
			 const uint8_t key[ENTRY_KEY_LEN]);
void dird_envelope_free(struct dird_envelope *e);

/* rate.c: in-memory limits with short windows; nothing is written down. */
struct dird_rate *dird_rate_new(const struct dird_conf *c);
void dird_rate_free(struct dird_rate *r);
/* 0, or the seconds until the caller may come back. */
unsigned int dird_rate_lookup(struct dird_rate *r, const char *source,
			      const char *handle, bool *enumeration);
unsigned int dird_rate_change(struct dird_rate *r, const char *source,
			      const char *handle);
unsigned int dird_rate_claim(struct dird_rate *r, const char *claimer,
			     const char *target);

#endif /* TERN_DIRD_H */
