// SPDX-License-Identifier: GPL-2.0
/*
 * Claims in the fixed directory of lookup_world.c (claim_world.h). Its
 * device keys come from fixed seeds: alice's account has seed 0x30, her
 * device i the key of 32 bytes of 0x31 + i. They are checked against the
 * identity keys her verified lookup holds, so a change to lookup_world.c
 * shows here as a failure to build, not as claims that never verify.
 */
#include <stdlib.h>
#include <string.h>

#include "claim_world.h"
#include "dirjson.h"

#define ALICE_SEED	0x30

static EVP_PKEY *ed_key(uint8_t seed)
{
	uint8_t sk[32];

	memset(sk, seed, sizeof(sk));
	return EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, sk, 32);
}

int claim_world_sign(EVP_PKEY *k, struct lookup_prekey *pk)
{
	uint8_t msg[5 + ENTRY_KEY_LEN];
	int n = entry_prekey_msg(ENTRY_PREKEY_LAST_RESORT, pk->id, pk->key,
				 ENTRY_KEY_LEN, msg, sizeof(msg));

	pk->klen = ENTRY_KEY_LEN;
	pk->set = true;
	return n < 0 ? -1 : entry_sign(k, ENTRY_LABEL_PREKEY, msg, (size_t)n,
				       pk->sig);
}

int claim_world_build(struct claim_world *c)
{
	const struct entry *e;
	uint8_t pub[ENTRY_KEY_LEN];
	char err[256], *text;
	enum lookup_verdict v;
	unsigned int h, i;
	size_t len;

	memset(c, 0, sizeof(*c));
	if (world_build(&c->w))
		return -1;
	for (h = 0; h < WORLD_HANDLES; h++) {
		text = world_answer(&c->w, h, 0);
		if (!text)
			return -1;
		v = lookup_verify(text, strlen(text), c->w.handle[h],
				  &c->w.pins, NULL, c->w.now_ms, &c->lr[h],
				  err, sizeof(err));
		free(text);
		if (v != LOOKUP_OK)
			return -1;
	}
	e = &c->lr[WORLD_ALICE].entry;
	if (e->ndev != CLAIM_ALICE_DEVICES)
		return -1;
	for (i = 0; i < CLAIM_ALICE_DEVICES; i++) {
		c->dev_key[i] = ed_key((uint8_t)(ALICE_SEED + 1 + i));
		len = sizeof(pub);
		if (!c->dev_key[i] ||
		    !EVP_PKEY_get_raw_public_key(c->dev_key[i], pub, &len) ||
		    memcmp(pub, e->dev[i].identity_key, ENTRY_KEY_LEN))
			return -1;
		c->one_time[i].id = 1000 + i;
		c->one_time[i].klen = ENTRY_KEY_LEN;
		c->one_time[i].set = true;
		memset(c->one_time[i].key, 0x50 + i, ENTRY_KEY_LEN);
		c->last_resort[i].id = 300 + i;
		memset(c->last_resort[i].key, 0x70 + i, ENTRY_KEY_LEN);
		if (claim_world_sign(c->dev_key[i], &c->last_resort[i]))
			return -1;
	}
	return 0;
}

void claim_world_free(struct claim_world *c)
{
	unsigned int i;

	for (i = 0; i < CLAIM_ALICE_DEVICES; i++)
		EVP_PKEY_free(c->dev_key[i]);
	world_free(&c->w);
	memset(c, 0, sizeof(*c));
}

json_t *claim_world_device(const uint8_t id[ENTRY_ID_LEN],
			   const struct lookup_prekey *ot,
			   const struct lookup_prekey *lr)
{
	json_t *o = ot ? json_pack("{s:I, s:o}", "id", (json_int_t)ot->id,
				   "key", dirjson_bytes(ot->key,
							ENTRY_KEY_LEN)) :
		json_null();

	return json_pack("{s:o, s:o, s:{s:I, s:o, s:o}}",
			 "device_id", dirjson_device_id(id),
			 "one_time_prekey", o,
			 "last_resort_prekey",
			 "id", (json_int_t)lr->id,
			 "key", dirjson_bytes(lr->key, ENTRY_KEY_LEN),
			 "signature", dirjson_bytes(lr->sig, ENTRY_SIG_LEN));
}

json_t *claim_world_answer(const struct claim_world *c,
			   const unsigned int *dev, unsigned int n,
			   unsigned int one_time)
{
	const struct entry *e = &c->lr[WORLD_ALICE].entry;
	const struct lookup_prekey *ot;
	json_t *devs = json_array(), *o;
	unsigned int i, d;

	for (i = 0; devs && i < n; i++) {
		d = dev[i];
		if (d >= CLAIM_ALICE_DEVICES) {
			json_decref(devs);
			return NULL;
		}
		ot = one_time & (1u << i) ? &c->one_time[d] : NULL;
		o = claim_world_device(e->dev[d].id, ot, &c->last_resort[d]);
		if (json_array_append_new(devs, o)) {
			json_decref(devs);
			return NULL;
		}
	}
	return json_pack("{s:s, s:o}", "handle", c->w.handle[WORLD_ALICE],
			 "devices", devs);
}
