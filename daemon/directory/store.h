/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tern-directoryd's SQLite store (WAL, synchronous=FULL): accounts,
 * devices, their prekeys, invite codes and the log of epochs. Lookups only
 * read it; nothing about a lookup is ever written here.
 */
#ifndef TERN_DIRD_STORE_H
#define TERN_DIRD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "entry.h"
#include "kt.h"
#include "kt_vrf.h"

struct dird_store;

struct dird_account {
	uint8_t account_key[ENTRY_KEY_LEN];
	uint64_t seq;
	uint8_t vrf_pi[KT_VRF_MAX_PROOF];
	size_t vrf_pilen;
	uint8_t vrf_out[KT_HASH_LEN];
};

struct dird_prekey {
	uint32_t id;
	uint8_t key[ENTRY_KEM_MAX];
	size_t klen;
	uint8_t sig[ENTRY_SIG_LEN];
	bool set;
};

struct dird_device {
	struct entry_device e;
	struct dird_prekey spk;		/* signed prekey */
	struct dird_prekey lr;		/* last-resort prekey */
	struct dird_prekey kem;		/* reserved: post-quantum */
};

int dird_store_open(struct dird_store **s, const char *dir, char *err,
		    size_t errlen);
void dird_store_close(struct dird_store *s);
const char *dird_store_error(struct dird_store *s);

/* One atomic change: begin, then end with the outcome (commits on >= 0). */
int dird_store_begin(struct dird_store *s);
int dird_store_end(struct dird_store *s, int ret);

/* 0, or -ENOENT. */
int dird_store_account_get(struct dird_store *s, const char *handle,
			   struct dird_account *a);
int dird_store_account_add(struct dird_store *s, const char *handle,
			   const struct dird_account *a);
/* The account's new sequence number and map value. */
int dird_store_account_set(struct dird_store *s, const char *handle,
			   uint64_t seq, const uint8_t commitment[KT_HASH_LEN]);

/* A new account key (rotation). */
int dird_store_account_key(struct dird_store *s, const char *handle,
			   const uint8_t key[ENTRY_KEY_LEN]);

/* All of a handle's devices (at most ENTRY_MAX_DEVICES), by device id. */
int dird_store_devices(struct dird_store *s, const char *handle,
		       struct dird_device *dev, unsigned int *n);
/* Adds or replaces a device, dropping a replaced one's one-time prekeys. */
int dird_store_device_put(struct dird_store *s, const char *handle,
			  const struct dird_device *dev);
/* Replaces a device's signed prekey: 0, or -ENOENT. */
int dird_store_spk_set(struct dird_store *s, const char *handle,
		       const uint8_t id[ENTRY_ID_LEN],
		       const struct dird_prekey *spk);
/* 0, or -ENOENT. Its one-time prekeys go with it. */
int dird_store_device_del(struct dird_store *s, const char *handle,
			  const uint8_t id[ENTRY_ID_LEN]);
/* A one-time prekey; one that exists keeps its key (ids are not reused). */
int dird_store_otpk_add(struct dird_store *s, const char *handle,
			const uint8_t id[ENTRY_ID_LEN], uint32_t kid,
			const uint8_t key[ENTRY_KEY_LEN]);
/*
 * Takes (deletes and returns) the device's one-time prekey with the lowest
 * id: 0, or -ENOENT when it has none left.
 */
int dird_store_otpk_take(struct dird_store *s, const char *handle,
			 const uint8_t id[ENTRY_ID_LEN], uint32_t *kid,
			 uint8_t key[ENTRY_KEY_LEN]);
/* How many a device has left. */
int dird_store_otpk_count(struct dird_store *s, const char *handle,
			  const uint8_t id[ENTRY_ID_LEN], unsigned int *n);

/* Uses an invite: 0, or -ENOENT when it does not exist (any more). */
int dird_store_invite_use(struct dird_store *s, const char *code);
int dird_store_invite_add(struct dird_store *s, const char *code);

int dird_store_epoch_add(struct dird_store *s, uint64_t epoch,
			 const uint8_t map_root[KT_HASH_LEN]);
/* Every epoch in order, then every account's map key and value. */
int dird_store_epochs(struct dird_store *s,
		      int (*cb)(void *arg, uint64_t epoch,
				const uint8_t map_root[KT_HASH_LEN]),
		      void *arg);
int dird_store_commitments(struct dird_store *s,
			   int (*cb)(void *arg,
				     const uint8_t key[KT_HASH_LEN],
				     const uint8_t value[KT_HASH_LEN]),
			   void *arg);

#endif /* TERN_DIRD_STORE_H */
