// SPDX-License-Identifier: GPL-2.0
/*
 * A client's check of a lookup answer (daemon/dir/lookup.c), end to end.
 * Each test builds a directory as tern-directoryd would: accounts with
 * signed devices, a map of their commitments keyed by VRF outputs, a log
 * of epoch records and a signed head for every size. The answers are
 * assembled here with jansson, in the shape Documentation/directory.rst
 * gives for GET /v1/lookup/{handle}, without libterndir's encoders (the
 * server builds them on its own too). Valid answers, present and absent,
 * verify; then there is a test for each verdict, each with the lies that
 * lead to it, one for the order of the checks, and one for each way the
 * JSON can be malformed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "entry.h"
#include "kselftest_harness.h"
#include "kt_log.h"
#include "kt_map.h"
#include "kt_sth.h"
#include "kt_vrf.h"
#include "lookup.h"

#define H		KT_HASH_LEN
#define T0		1700000000000ULL	/* the head of size 1 */
#define MAX_AGE		600000ULL		/* 10 minutes */
#define MAX_ACCT	24
#define MAX_SIZE	32
#define KEM_LEN		1568			/* ML-KEM-1024 */

/*
 * The directory's VRF key, for these tests only (openssl genpkey
 * -algorithm RSA -pkeyopt rsa_keygen_bits:2048): generating one for each
 * test would cost more than the tests.
 */
static const char vrf_pem[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCpXUBVm0vcDvQx\n"
	"JU3IipgTeI5ni1XycXrKPkGLu+YpxCx7UWyqtrn9ptkHGcR7dD6QrbjC+jDCz2uz\n"
	"krOOjpUijXKQRRYxOhWrakJ0tMaWKxGLVicG5wK3/oF/DxFijO56qy28XWPRswBQ\n"
	"Edqu6dETbxCIbcCb6NlK/MjMiDX3pCawy5X4fRt5wafaOiaDfqTwJpAUmFMKZDWu\n"
	"aB3Z4P8k8e+QKL27wb/QgowB5WfZuHzGiMUagSi16/63Yu4u7WGW+X27cXXLxPT9\n"
	"6Iibl9/nA2A3VuF118OJ97CcLdbE7cYSC/Yl4vjVzNZvyWeTffSgDoXmXAoEXc7O\n"
	"qFBUeO0hAgMBAAECggEAMXF4USWboVw6PMi7qwKPAAwvYpoiVrt7UeSX5Q/PUz0i\n"
	"kUPFmhbrOFpHvJNwsWvPwhP9PuqkZpMASbXXtpP4hNRPcD/DCU8AOYE1cnW+DeP3\n"
	"5LobfZ/eQtHJg0rmU+N50ZT8rqOC+xqrSjTUJ0E6WNaROIr18m4pVYNzqYZQXwFy\n"
	"xKh6zgc6BMyCDPwQIrnZws5mNVRfgH35bOOXHz/OSxggZfomC3TtrhQRtzL9taSJ\n"
	"AHkVXQj92vGtHoM8auGo/LarzwWiq1bKJ1z8TpomWtFVpYhwB1VZsDKv8OlxrNeC\n"
	"S5gpoRUW9TFYoGV9MSbGsXdW+DlfcmW42CWFcGIruwKBgQDckza3WGAdW9kyw4Yd\n"
	"xGjYBKh5apDiDSPbkG+Ij9llQSHiiYwJ4frHrpIrNDpCXtk+yive1PQvyrBbEaR/\n"
	"+k7xxhD3DVdGeYglcvpxqojivIeHap9Bju4jTSogTmdjXJ+VbgL1VOaEO+oT1QSI\n"
	"H4w8znPBi072gI4W25rhwozqgwKBgQDEkIrZJWUNUQwmyySMUYbfGgpr9E1sR/so\n"
	"EdJJ03XhsLiHPaNmLRxM/1xak/MUnLpRKpxrFyLXNu6YHiK+fHhwMvbZd/PhhzDg\n"
	"Id9Gd7FERQqRsQMYhb72WlruolWBg2KFB4aHNlU2sWr0aOYaEgikBO5lLGwuf95d\n"
	"6G/bVyCIiwKBgFLxeK3RKbNgingwVgpzhQlWFxQxInIehtFVqtsrXJBawacyGdrN\n"
	"g0P7PTPJ2+6BRCf8Virg4UHnchGMvNLzCSSZWl/MQHlb0fpjFhIQEpFQW5ZsXZ6F\n"
	"ZL8ZkTG8ydvvRIMobyxZ1KT88rSqcZ3OXymuaJDrFbJT/RpTUhZ61gqJAoGAeIFs\n"
	"vidQxlMzsezEYUnx94DNdtV1SbbvYOdcFmqPUGe5GSBOtmtdeE7tXZJqae6TwwLu\n"
	"ljC+6VYB/DwtbL5+T7rO3w/M8iyhaCcb7OWgRYxWKG9uyG/mXL2UFcxrw1S653dv\n"
	"oCFNKJSoT2Kn/r+jkHp9dIVBZVh7CPNg8AWAKnUCgYEAwy1keVauQXOLPlQIfLM+\n"
	"HUGW2VNrGReX+5y/8sF5XuslrIbxhyZL81qo2/s5yg6vYqI5OEacb+s0ytgGWw6v\n"
	"Ns94ulIv+znqw7TykIEKtlGfYIS0M9ZfeBCENhAT4/Bak3NVjrTegICvY/l5XktS\n"
	"+csL7TrefHgEML/9N0Z5Fsg=\n"
	"-----END PRIVATE KEY-----\n";

struct acct {
	char handle[64];
	struct entry e;
	struct lookup_prekey spk[ENTRY_MAX_DEVICES], kem[ENTRY_MAX_DEVICES];
	uint8_t key[H];			/* the handle's VRF output */
};

struct world {
	EVP_PKEY *head_key, *vrf_key;	/* the directory's private keys */
	struct lookup_pins pins;	/* the client's: public halves */
	struct kt_map *map;
	struct kt_log *log;
	struct acct acct[MAX_ACCT];
	unsigned int nacct;
	uint64_t size;
	uint8_t roots[MAX_SIZE][H];	/* map root of each epoch */
	struct kt_sth heads[MAX_SIZE + 1];	/* the head of each size */
	uint64_t now;
};

/* --- the directory ---------------------------------------------------- */

static EVP_PKEY *ed_key(uint8_t seed)
{
	uint8_t sk[32];

	memset(sk, seed, sizeof(sk));
	return EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, sk, 32);
}

/* The public half of @k, as a client pins it. */
static EVP_PKEY *public_half(EVP_PKEY *k)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	EVP_PKEY *pub;
	int len;

	len = i2d_PUBKEY(k, &der);
	if (len <= 0)
		return NULL;
	p = der;
	pub = d2i_PUBKEY(NULL, &p, len);
	OPENSSL_free(der);
	return pub;
}

static int vrf_of(struct world *w, const char *handle, uint8_t *pi,
		  size_t *pilen, uint8_t key[H])
{
	*pilen = KT_VRF_MAX_PROOF;
	if (kt_vrf_prove(w->vrf_key, handle, strlen(handle), pi, pilen))
		return -1;
	return kt_vrf_proof_to_hash(pi, *pilen, key) ? -1 : 0;
}

static struct acct *find(struct world *w, const char *handle)
{
	unsigned int i;

	for (i = 0; i < w->nacct; i++) {
		if (!strcmp(w->acct[i].handle, handle))
			return &w->acct[i];
	}
	return NULL;
}

static int sign_prekey(EVP_PKEY *k, enum entry_prekey_kind kind,
		       struct lookup_prekey *pk)
{
	uint8_t msg[5 + ENTRY_KEM_MAX];
	int n = entry_prekey_msg(kind, pk->id, pk->key, pk->klen, msg,
				 sizeof(msg));

	if (n < 0)
		return -1;
	pk->set = true;
	return entry_sign(k, ENTRY_LABEL_PREKEY, msg, (size_t)n, pk->sig);
}

/*
 * Registers @handle with @ndev devices (seed @seed for their keys); the
 * last device has a KEM prekey when @kem. Not in the map until commit().
 */
static struct acct *add(struct world *w, const char *handle,
			unsigned int ndev, bool kem, uint8_t seed)
{
	uint8_t pi[KT_VRF_MAX_PROOF];
	struct entry_device *d;
	struct acct *a;
	size_t pilen, len;
	unsigned int i;
	EVP_PKEY *k;

	/* Registering again replaces the account. */
	a = find(w, handle);
	if (!a) {
		if (w->nacct == MAX_ACCT)
			return NULL;
		a = &w->acct[w->nacct++];
	}
	if (ndev > ENTRY_MAX_DEVICES)
		return NULL;
	memset(a, 0, sizeof(*a));
	snprintf(a->handle, sizeof(a->handle), "%s", handle);
	if (vrf_of(w, handle, pi, &pilen, a->key))
		return NULL;
	memset(a->e.account_key, seed, ENTRY_KEY_LEN);
	a->e.seq = ndev;
	a->e.ndev = ndev;
	for (i = 0; i < ndev; i++) {
		d = &a->e.dev[i];
		k = ed_key((uint8_t)(seed + 1 + i));
		len = ENTRY_KEY_LEN;
		if (!k || !EVP_PKEY_get_raw_public_key(k, d->identity_key,
						       &len) ||
		    entry_device_id(d->identity_key, d->id))
			goto fail;
		memset(d->identity_x25519, seed ^ (0x20 + i), ENTRY_KEY_LEN);
		memset(d->push_token, seed ^ (0x40 + i), ENTRY_TOKEN_LEN);
		if (entry_sign(k, ENTRY_LABEL_X25519, d->identity_x25519,
			       ENTRY_KEY_LEN, d->x25519_sig))
			goto fail;
		a->spk[i].id = 100 + i;
		a->spk[i].klen = ENTRY_KEY_LEN;
		memset(a->spk[i].key, seed ^ (0x60 + i), ENTRY_KEY_LEN);
		if (sign_prekey(k, ENTRY_PREKEY_SIGNED, &a->spk[i]))
			goto fail;
		if (kem && i == ndev - 1) {
			a->kem[i].id = 200 + i;
			a->kem[i].klen = KEM_LEN;
			memset(a->kem[i].key, seed ^ 0x77, KEM_LEN);
			if (sign_prekey(k, ENTRY_PREKEY_KEM, &a->kem[i]))
				goto fail;
		}
		EVP_PKEY_free(k);
	}
	return a;
fail:
	EVP_PKEY_free(k);
	return NULL;
}

/* Puts @a's entry, as it is now, into the map. */
static int commit(struct world *w, const struct acct *a)
{
	uint8_t value[H];

	if (entry_commitment(&a->e, value))
		return -1;
	return kt_map_set(w->map, a->key, value);
}

/* A new epoch with the map as it is, and a head over it. */
static int publish(struct world *w)
{
	uint8_t leaf[KT_EPOCH_LEAF_LEN];
	struct kt_sth *h;

	if (w->size == MAX_SIZE)
		return -1;
	kt_map_root(w->map, w->roots[w->size]);
	kt_epoch_leaf(w->size, w->roots[w->size], leaf);
	if (kt_log_append(w->log, leaf, sizeof(leaf)))
		return -1;
	w->size++;
	h = &w->heads[w->size];
	h->size = w->size;
	h->timestamp_ms = T0 + (w->size - 1) * 1000;
	if (kt_log_root(w->log, w->size, h->root) ||
	    kt_sth_sign(h, w->head_key))
		return -1;
	w->now = h->timestamp_ms + 500;
	return 0;
}

static int add_commit(struct world *w, const char *handle, unsigned int ndev,
		      bool kem, uint8_t seed)
{
	struct acct *a = add(w, handle, ndev, kem, seed);

	return a ? commit(w, a) : -1;
}

static void world_free(struct world *w)
{
	if (!w)
		return;
	EVP_PKEY_free(w->head_key);
	EVP_PKEY_free(w->vrf_key);
	EVP_PKEY_free(w->pins.head_key);
	EVP_PKEY_free(w->pins.vrf_key);
	kt_map_free(w->map);
	kt_log_free(w->log);
	free(w);
}

/*
 * Seven epochs: u0-u2; alice (two devices, the second with a KEM
 * prekey); carol (no devices); u3, u4; dave; u5; dave's new device.
 */
static struct world *world_new(void)
{
	struct world *w = calloc(1, sizeof(*w));
	BIO *bio;

	if (!w)
		return NULL;
	bio = BIO_new_mem_buf(vrf_pem, -1);
	if (bio)
		w->vrf_key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	w->head_key = ed_key(0xd1);
	w->map = kt_map_new();
	w->log = kt_log_new();
	if (!w->vrf_key || !w->head_key || !w->map || !w->log)
		goto fail;
	w->pins.head_key = public_half(w->head_key);
	w->pins.vrf_key = public_half(w->vrf_key);
	w->pins.max_age_ms = MAX_AGE;
	if (!w->pins.head_key || !w->pins.vrf_key)
		goto fail;

	if (add_commit(w, "u0@example.org", 1, false, 0x10) ||
	    add_commit(w, "u1@example.org", 1, false, 0x18) ||
	    add_commit(w, "u2@example.org", 1, false, 0x20) || publish(w) ||
	    add_commit(w, "alice@example.org", 2, true, 0x30) || publish(w) ||
	    add_commit(w, "carol@example.org", 0, false, 0x40) ||
	    publish(w) ||
	    add_commit(w, "u3@example.org", 1, false, 0x48) ||
	    add_commit(w, "u4@example.org", 1, false, 0x50) || publish(w) ||
	    add_commit(w, "dave@example.org", 1, false, 0x60) || publish(w) ||
	    add_commit(w, "u5@example.org", 1, false, 0x68) || publish(w))
		goto fail;
	/* dave adds a device: the same keys, one more. */
	if (add_commit(w, "dave@example.org", 2, false, 0x60) || publish(w))
		goto fail;
	return w;
fail:
	world_free(w);
	return NULL;
}

/* --- the answer --------------------------------------------------------- */

static json_t *b64(const void *p, size_t n)
{
	char *buf = malloc(4 * ((n + 2) / 3) + 1);
	json_t *s;

	if (!buf)
		return NULL;
	EVP_EncodeBlock((unsigned char *)buf, p, (int)n);
	s = json_string(buf);
	free(buf);
	return s;
}

/* Decodes valid base64 @s (ours) into @out; the length. */
static size_t unb64(const char *s, uint8_t *out)
{
	size_t len = strlen(s);
	int n = EVP_DecodeBlock(out, (const unsigned char *)s, (int)len);

	if (n < 0)
		return 0;
	if (len && s[len - 1] == '=')
		n--;
	if (len > 1 && s[len - 2] == '=')
		n--;
	return (size_t)n;
}

static json_t *hex_id(const uint8_t id[ENTRY_ID_LEN])
{
	char hex[2 * ENTRY_ID_LEN + 1];
	unsigned int i;

	for (i = 0; i < ENTRY_ID_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", id[i]);
	return json_string(hex);
}

static json_t *hashes(const uint8_t (*h)[H], size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, b64(h[i], H));
	return a;
}

static json_t *prekey(const struct lookup_prekey *pk)
{
	if (!pk->set)
		return json_null();
	return json_pack("{s:I,s:o,s:o}", "id", (json_int_t)pk->id,
			 "key", b64(pk->key, pk->klen),
			 "signature", b64(pk->sig, ENTRY_SIG_LEN));
}

static json_t *account(const struct acct *a)
{
	const struct entry_device *d;
	json_t *devs = json_array();
	unsigned int i;

	for (i = 0; i < a->e.ndev; i++) {
		d = &a->e.dev[i];
		json_array_append_new(devs, json_pack(
			"{s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
			"device_id", hex_id(d->id),
			"identity_key", b64(d->identity_key, ENTRY_KEY_LEN),
			"identity_x25519", b64(d->identity_x25519,
					       ENTRY_KEY_LEN),
			"x25519_signature", b64(d->x25519_sig, ENTRY_SIG_LEN),
			"push_token", b64(d->push_token, ENTRY_TOKEN_LEN),
			"signed_prekey", prekey(&a->spk[i]),
			"kem_prekey", prekey(&a->kem[i])));
	}
	return json_pack("{s:o,s:I,s:o}",
			 "account_key", b64(a->e.account_key, ENTRY_KEY_LEN),
			 "seq", (json_int_t)a->e.seq, "devices", devs);
}

static json_t *map_proof(const struct kt_map_proof *p)
{
	static const char *const ends[] = {
		"present", "absent-empty", "absent-other",
	};
	json_t *o;

	o = json_pack("{s:s,s:i,s:o,s:o}", "end", ends[p->end],
		      "depth", (int)p->depth,
		      "empty", b64(p->empty, sizeof(p->empty)),
		      "siblings", hashes((const uint8_t (*)[H])p->sib,
					 p->nsib));
	if (p->end == KT_MAP_ABSENT_OTHER) {
		json_object_set_new(o, "other_key", b64(p->other_key, H));
		json_object_set_new(o, "other_value", b64(p->other_value, H));
	}
	return o;
}

struct opts {
	uint64_t size;		/* the head to answer with; 0: the latest */
	uint64_t since;		/* with a consistency proof from this size */
	uint64_t epoch_back;	/* answer with an older epoch */
	const char *vrf_of;	/* with the VRF proof of another handle */
};

/* The answer to GET /v1/lookup/@handle[?since=], as the doc has it. */
static json_t *answer(struct world *w, const char *handle,
		      const struct opts *o)
{
	static const struct opts none;
	uint8_t path[KT_LOG_MAX_PROOF][H], pi[KT_VRF_MAX_PROOF], key[H];
	struct kt_map_proof *mp = malloc(sizeof(*mp));
	const struct acct *a = find(w, handle);
	json_t *proof, *ans = NULL;
	uint64_t size, epoch;
	size_t n, pilen;

	o = o ? o : &none;
	size = o->size ? o->size : w->size;
	epoch = size - 1 - o->epoch_back;
	/* The map key is the handle's; the proof may be another's. */
	if (!mp || vrf_of(w, handle, pi, &pilen, key) ||
	    kt_map_prove(w->map, key, mp) ||
	    kt_log_prove_inclusion(w->log, epoch, size, path, &n))
		goto out;
	if (o->vrf_of && vrf_of(w, o->vrf_of, pi, &pilen, key))
		goto out;
	proof = json_pack("{s:{s:I,s:I,s:o,s:o},s:I,s:o,s:o,s:o,s:o}",
			  "head",
			  "size", (json_int_t)w->heads[size].size,
			  "timestamp_ms",
			  (json_int_t)w->heads[size].timestamp_ms,
			  "root", b64(w->heads[size].root, H),
			  "signature", b64(w->heads[size].sig, KT_SIG_LEN),
			  "epoch", (json_int_t)epoch,
			  "map_root", b64(w->roots[epoch], H),
			  "inclusion", hashes((const uint8_t (*)[H])path, n),
			  "vrf", b64(pi, pilen),
			  "map", map_proof(mp));
	if (!proof)
		goto out;
	if (o->since) {
		if (kt_log_prove_consistency(w->log, o->since, size, path,
					     &n)) {
			json_decref(proof);
			goto out;
		}
		json_object_set_new(proof, "consistency",
				    hashes((const uint8_t (*)[H])path, n));
	}
	if (a)
		ans = json_pack("{s:s,s:b,s:o,s:o}", "handle", handle,
				"present", 1, "account", account(a),
				"proof", proof);
	else
		ans = json_pack("{s:s,s:b,s:o}", "handle", handle,
				"present", 0, "proof", proof);
out:
	free(mp);
	return ans;
}

/* --- tampering ---------------------------------------------------------- */

/* The value at @path ("proof.head", "account.devices[1].push_token"). */
static json_t *at(json_t *v, const char *path)
{
	char buf[128], *tok, *save = NULL, *br;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); v && tok;
	     tok = strtok_r(NULL, ".", &save)) {
		br = strchr(tok, '[');
		if (br)
			*br = '\0';
		v = json_object_get(v, tok);
		if (br)
			v = json_array_get(v, strtoul(br + 1, NULL, 10));
	}
	return v;
}

/* Sets field @key of the object at @path to @v (stolen). */
static int set(json_t *ans, const char *path, const char *key, json_t *v)
{
	json_t *o = *path ? at(ans, path) : ans;

	return o ? json_object_set_new(o, key, v) : (json_decref(v), -1);
}

static int del(json_t *ans, const char *path, const char *key)
{
	json_t *o = *path ? at(ans, path) : ans;

	return o ? json_object_del(o, key) : -1;
}

/* XORs byte @i of the base64 field @key of @path with @x. */
static int flip(json_t *ans, const char *path, const char *key, size_t i,
		uint8_t x)
{
	json_t *o = *path ? at(ans, path) : ans, *s = json_object_get(o, key);
	uint8_t buf[4096];
	size_t n;

	if (!json_is_string(s) || strlen(json_string_value(s)) > 4000)
		return -1;
	n = unb64(json_string_value(s), buf);
	if (i >= n)
		return -1;
	buf[i] ^= x;
	return json_object_set_new(o, key, b64(buf, n));
}

/* --- the check ---------------------------------------------------------- */

FIXTURE(lookup) {
	struct world *w;
	struct lookup_result *res;
	char err[512];
};

FIXTURE_SETUP(lookup)
{
	self->w = world_new();
	ASSERT_NE(NULL, self->w);
	self->res = malloc(sizeof(*self->res));
	ASSERT_NE(NULL, self->res);
	memset(self->err, 0, sizeof(self->err));
}

FIXTURE_TEARDOWN(lookup)
{
	world_free(self->w);
	free(self->res);
}

/* @ans as compact text (freed); the caller frees the text. */
static char *text_of(json_t *ans)
{
	char *text = ans ? json_dumps(ans, JSON_COMPACT) : NULL;

	json_decref(ans);
	return text;
}

/* Checks @ans (freed) for @handle. */
static enum lookup_verdict check_at(struct world *w, json_t *ans,
				    const char *handle,
				    const struct kt_sth *seen, uint64_t now,
				    struct lookup_result *res, char *err,
				    size_t errlen)
{
	enum lookup_verdict v;
	char *text;

	if (!ans) {
		snprintf(err, errlen, "the test could not build the answer");
		return (enum lookup_verdict)-1;
	}
	text = json_dumps(ans, JSON_COMPACT);
	json_decref(ans);
	if (!text)
		return (enum lookup_verdict)-1;
	v = lookup_verify(text, strlen(text), handle, &w->pins, seen, now,
			  res, err, errlen);
	free(text);
	return v;
}

#define CHECK(ans, handle, seen) \
	check_at(self->w, (ans), (handle), (seen), self->w->now, self->res, \
		 self->err, sizeof(self->err))

/* lookup_verify(@ans) for @handle gives @want; logs the message if not. */
#define EXPECT_VERDICT(want, ans, handle, seen) \
	EXPECT_EQ((want), CHECK((ans), (handle), (seen))) \
		TH_LOG("%s", self->err)

#define ALICE	"alice@example.org"
#define CAROL	"carol@example.org"

TEST_F(lookup, present)
{
	const struct acct *a = find(self->w, ALICE);
	const struct lookup_result *r = self->res;
	unsigned int i;

	ASSERT_EQ(LOOKUP_OK, CHECK(answer(self->w, ALICE, NULL), ALICE, NULL))
		TH_LOG("%s", self->err);
	EXPECT_STREQ("", self->err);
	EXPECT_TRUE(r->present);
	EXPECT_EQ(0, memcmp(&self->w->heads[7], &r->head, sizeof(r->head)));
	EXPECT_EQ(6, r->epoch);
	EXPECT_EQ(0, memcmp(self->w->roots[6], r->map_root, H));
	ASSERT_EQ(2, r->entry.ndev);
	EXPECT_EQ(0, memcmp(a->e.account_key, r->entry.account_key, 32));
	EXPECT_EQ(2, r->entry.seq);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(0, memcmp(&a->e.dev[i], &r->entry.dev[i],
				    sizeof(r->entry.dev[i])));
		EXPECT_TRUE(r->signed_prekey[i].set);
		EXPECT_EQ(100 + i, r->signed_prekey[i].id);
		EXPECT_EQ(32, r->signed_prekey[i].klen);
		EXPECT_EQ(0, memcmp(a->spk[i].key, r->signed_prekey[i].key,
				    32));
		EXPECT_EQ(0, memcmp(a->spk[i].sig, r->signed_prekey[i].sig,
				    64));
	}
	EXPECT_FALSE(r->kem_prekey[0].set);
	ASSERT_TRUE(r->kem_prekey[1].set);
	EXPECT_EQ(201, r->kem_prekey[1].id);
	EXPECT_EQ(KEM_LEN, r->kem_prekey[1].klen);
	EXPECT_EQ(0, memcmp(a->kem[1].key, r->kem_prekey[1].key, KEM_LEN));

	/* Every registered handle, with its devices in the order given. */
	for (i = 0; i < self->w->nacct; i++) {
		a = &self->w->acct[i];
		EXPECT_VERDICT(LOOKUP_OK, answer(self->w, a->handle, NULL),
			       a->handle, NULL);
		EXPECT_EQ(a->e.ndev, r->entry.ndev);
	}
}

TEST_F(lookup, present_devices_in_any_order)
{
	json_t *ans = answer(self->w, ALICE, NULL), *devs, *d0;

	devs = at(ans, "account.devices");
	d0 = json_incref(json_array_get(devs, 0));
	json_array_remove(devs, 0);
	json_array_append_new(devs, d0);
	ASSERT_EQ(LOOKUP_OK, CHECK(ans, ALICE, NULL)) TH_LOG("%s", self->err);
	/* Swapped: the KEM prekey goes with its device. */
	EXPECT_TRUE(self->res->kem_prekey[0].set);
	EXPECT_FALSE(self->res->kem_prekey[1].set);
}

TEST_F(lookup, present_no_devices)
{
	ASSERT_EQ(LOOKUP_OK, CHECK(answer(self->w, CAROL, NULL), CAROL, NULL))
		TH_LOG("%s", self->err);
	EXPECT_TRUE(self->res->present);
	EXPECT_EQ(0, self->res->entry.ndev);
}

/* Handles no one registered: both kinds of absence proofs occur. */
TEST_F(lookup, absent)
{
	static const char *const nobody[] = {
		"bob@example.org", "eve@example.org", "frank@example.org",
		"grace@example.org", "heidi@example.org", "ivan@example.org",
		"judy@example.org", "mallory@example.org", "oscar@example.org",
		"peggy@example.org", "trent@example.org", "victor@example.org",
	};
	unsigned int i, kinds = 0;
	const char *end;
	json_t *ans;

	for (i = 0; i < sizeof(nobody) / sizeof(nobody[0]); i++) {
		ans = answer(self->w, nobody[i], NULL);
		ASSERT_NE(NULL, ans);
		ASSERT_EQ(NULL, json_object_get(ans, "account"));
		end = json_string_value(at(ans, "proof.map.end"));
		kinds |= !strcmp(end, "absent-empty") ? 1 : 2;
		memset(self->res, 0xa5, sizeof(*self->res));
		EXPECT_VERDICT(LOOKUP_OK, ans, nobody[i], NULL);
		EXPECT_FALSE(self->res->present);
		EXPECT_EQ(6, self->res->epoch);
	}
	EXPECT_EQ(3, kinds);
}

TEST_F(lookup, consistency)
{
	struct world *w = self->w;
	struct opts o = { 0 };
	struct kt_sth empty = { 0 };

	for (o.since = 1; o.since < w->size; o.since++)
		EXPECT_VERDICT(LOOKUP_OK, answer(w, ALICE, &o), ALICE,
			       &w->heads[o.since]);
	/* The same head seen before: no proof needed (and an empty one ok). */
	EXPECT_VERDICT(LOOKUP_OK, answer(w, ALICE, NULL), ALICE,
		       &w->heads[7]);
	o.since = 7;
	EXPECT_VERDICT(LOOKUP_OK, answer(w, ALICE, &o), ALICE, &w->heads[7]);
	/* A seen head of size 0 is the empty log. */
	EXPECT_VERDICT(LOOKUP_OK, answer(w, ALICE, NULL), ALICE, &empty);
}

TEST_F(lookup, bad_head)
{
	struct world *w = self->w;
	EVP_PKEY *pin, *other;
	json_t *ans;

	ans = answer(w, ALICE, NULL);
	flip(ans, "proof.head", "signature", 10, 0x01);
	EXPECT_VERDICT(LOOKUP_BAD_HEAD, ans, ALICE, NULL);
	EXPECT_STREQ("head signature does not verify under the pinned key",
		     self->err);
	/* Any field the signature covers. */
	ans = answer(w, ALICE, NULL);
	set(ans, "proof.head", "timestamp_ms", json_integer(T0 + 6001));
	EXPECT_VERDICT(LOOKUP_BAD_HEAD, ans, ALICE, NULL);
	ans = answer(w, ALICE, NULL);
	flip(ans, "proof.head", "root", 31, 0x80);
	EXPECT_VERDICT(LOOKUP_BAD_HEAD, ans, ALICE, NULL);
	ans = answer(w, ALICE, NULL);
	set(ans, "proof.head", "size", json_integer(8));
	EXPECT_VERDICT(LOOKUP_BAD_HEAD, ans, ALICE, NULL);

	/* Signed by a key the client did not pin. */
	pin = w->pins.head_key;
	other = ed_key(0xd2);
	w->pins.head_key = public_half(other);
	EVP_PKEY_free(other);
	EXPECT_VERDICT(LOOKUP_BAD_HEAD, answer(w, ALICE, NULL), ALICE, NULL);
	EVP_PKEY_free(w->pins.head_key);
	/* A pinned key that is not Ed25519. */
	w->pins.head_key = w->pins.vrf_key;
	EXPECT_VERDICT(LOOKUP_BAD_HEAD, answer(w, ALICE, NULL), ALICE, NULL);
	EXPECT_STREQ("the pinned head key is not an Ed25519 key", self->err);
	w->pins.head_key = pin;
}

TEST_F(lookup, stale_head)
{
	struct world *w = self->w;
	uint64_t ts = w->heads[7].timestamp_ms;

	/* max_age_ms old is fine; a millisecond more is not. */
	w->now = ts + MAX_AGE;
	EXPECT_VERDICT(LOOKUP_OK, answer(w, ALICE, NULL), ALICE, NULL);
	w->now = ts + MAX_AGE + 1;
	EXPECT_VERDICT(LOOKUP_STALE_HEAD, answer(w, ALICE, NULL), ALICE,
		       NULL);
	EXPECT_STREQ("head is 600001 ms old, more than the 600000 ms allowed",
		     self->err);
	/* From the future: 5 minutes of clock skew, not more. */
	w->now = ts - 300000;
	EXPECT_VERDICT(LOOKUP_OK, answer(w, ALICE, NULL), ALICE, NULL);
	w->now = ts - 300001;
	EXPECT_VERDICT(LOOKUP_STALE_HEAD, answer(w, ALICE, NULL), ALICE,
		       NULL);
	EXPECT_STREQ("head timestamp 1700000006000 is 300001 ms in the future",
		     self->err);
	/* No limit: neither. */
	w->pins.max_age_ms = 0;
	EXPECT_VERDICT(LOOKUP_OK, answer(w, ALICE, NULL), ALICE, NULL);
	w->now = ts + 100 * MAX_AGE;
	EXPECT_VERDICT(LOOKUP_OK, answer(w, ALICE, NULL), ALICE, NULL);
}

TEST_F(lookup, rollback)
{
	struct world *w = self->w;
	struct opts o = { .size = 5 };
	struct kt_sth seen = w->heads[7];

	/* The client saw size 7; the directory answers from size 5. */
	EXPECT_VERDICT(LOOKUP_ROLLBACK, answer(w, ALICE, &o), ALICE,
		       &w->heads[7]);
	EXPECT_STREQ("head of size 5 is older than the head of size 7 seen before: a rollback",
		     self->err);
	/* A larger size seen than the log has now. */
	seen.size = 8;
	EXPECT_VERDICT(LOOKUP_ROLLBACK, answer(w, ALICE, NULL), ALICE, &seen);
}

TEST_F(lookup, fork)
{
	struct world *w = self->w;
	struct opts o = { .since = 4 };
	struct kt_sth seen;

	/* Same size, another root. */
	seen = w->heads[7];
	seen.root[0] ^= 1;
	EXPECT_VERDICT(LOOKUP_FORK, answer(w, ALICE, NULL), ALICE, &seen);
	EXPECT_STREQ("head of size 7 has another root than the head of that size seen before: the log was forked",
		     self->err);
	/* An older head this log does not extend. */
	seen = w->heads[4];
	seen.root[31] ^= 0x40;
	EXPECT_VERDICT(LOOKUP_FORK, answer(w, ALICE, &o), ALICE, &seen);
	EXPECT_STREQ("consistency proof from size 4 to 7 does not hold: the log was forked",
		     self->err);
	/* A consistency proof that is wrong, short or long. */
	seen = w->heads[3];
	o.since = 3;
	{
		json_t *ans = answer(w, ALICE, &o), *c;

		c = at(ans, "proof.consistency");
		ASSERT_LT(1, json_array_size(c));
		json_array_set_new(c, 1, json_string(
			"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="));
		EXPECT_VERDICT(LOOKUP_FORK, ans, ALICE, &seen);
		ans = answer(w, ALICE, &o);
		json_array_remove(at(ans, "proof.consistency"), 0);
		EXPECT_VERDICT(LOOKUP_FORK, ans, ALICE, &seen);
		ans = answer(w, ALICE, &o);
		json_array_append_new(at(ans, "proof.consistency"), json_string(
			"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="));
		EXPECT_VERDICT(LOOKUP_FORK, ans, ALICE, &seen);
		/* A proof from another size. */
		o.since = 5;
		EXPECT_VERDICT(LOOKUP_FORK, answer(w, ALICE, &o), ALICE,
			       &seen);
	}
}

TEST_F(lookup, consistency_missing)
{
	struct world *w = self->w;

	EXPECT_VERDICT(LOOKUP_MALFORMED, answer(w, ALICE, NULL), ALICE,
		       &w->heads[4]);
	EXPECT_STREQ("proof.consistency: missing, and a head of size 4 was seen before (ask with ?since=4)",
		     self->err);
}

TEST_F(lookup, not_current)
{
	struct world *w = self->w;
	struct opts o = { .epoch_back = 1 };
	json_t *ans;

	/* A real epoch, really in the log, but not the last one. */
	EXPECT_VERDICT(LOOKUP_NOT_CURRENT, answer(w, ALICE, &o), ALICE, NULL);
	EXPECT_STREQ("epoch 5 is not the last leaf of the head of size 7",
		     self->err);
	o.epoch_back = 6;
	EXPECT_VERDICT(LOOKUP_NOT_CURRENT, answer(w, ALICE, &o), ALICE, NULL);
	/* Past the end. */
	ans = answer(w, ALICE, NULL);
	set(ans, "proof", "epoch", json_integer(7));
	EXPECT_VERDICT(LOOKUP_NOT_CURRENT, ans, ALICE, NULL);
}

TEST_F(lookup, bad_inclusion)
{
	struct world *w = self->w;
	json_t *ans;

	ans = answer(w, ALICE, NULL);
	json_array_set_new(at(ans, "proof.inclusion"), 0, json_string(
		"ERERERERERERERERERERERERERERERERERERERERERE="));
	EXPECT_VERDICT(LOOKUP_BAD_INCLUSION, ans, ALICE, NULL);
	EXPECT_STREQ("inclusion proof of epoch 6 under the head of size 7 does not hold",
		     self->err);
	/* Short, long, empty. */
	ans = answer(w, ALICE, NULL);
	json_array_remove(at(ans, "proof.inclusion"), 0);
	EXPECT_VERDICT(LOOKUP_BAD_INCLUSION, ans, ALICE, NULL);
	ans = answer(w, ALICE, NULL);
	json_array_append_new(at(ans, "proof.inclusion"), json_string(
		"ERERERERERERERERERERERERERERERERERERERERERE="));
	EXPECT_VERDICT(LOOKUP_BAD_INCLUSION, ans, ALICE, NULL);
	ans = answer(w, ALICE, NULL);
	json_array_clear(at(ans, "proof.inclusion"));
	EXPECT_VERDICT(LOOKUP_BAD_INCLUSION, ans, ALICE, NULL);
	/* Another map root than the log has for this epoch. */
	ans = answer(w, ALICE, NULL);
	set(ans, "proof", "map_root", b64(w->roots[5], H));
	EXPECT_VERDICT(LOOKUP_BAD_INCLUSION, ans, ALICE, NULL);
}

TEST_F(lookup, bad_vrf)
{
	struct world *w = self->w;
	struct opts o = { .vrf_of = CAROL };
	json_t *ans;

	/* carol's proof in alice's answer: it verifies, but for carol. */
	EXPECT_VERDICT(LOOKUP_BAD_VRF, answer(w, ALICE, &o), ALICE, NULL);
	EXPECT_STREQ("proof.vrf does not verify for 'alice@example.org' under the pinned key",
		     self->err);
	ans = answer(w, ALICE, NULL);
	flip(ans, "proof", "vrf", 100, 0x10);
	EXPECT_VERDICT(LOOKUP_BAD_VRF, ans, ALICE, NULL);
	/* Short by a byte. */
	{
		uint8_t pi[KT_VRF_MAX_PROOF];
		size_t n;

		ans = answer(w, ALICE, NULL);
		n = unb64(json_string_value(at(ans, "proof.vrf")), pi);
		ASSERT_EQ(256, n);
		set(ans, "proof", "vrf", b64(pi, n - 1));
		EXPECT_VERDICT(LOOKUP_BAD_VRF, ans, ALICE, NULL);
	}
}

TEST_F(lookup, bad_map)
{
	struct world *w = self->w;
	json_t *ans, *devs;

	/* A device changed after the directory committed to the entry. */
	ans = answer(w, ALICE, NULL);
	flip(ans, "account.devices[0]", "push_token", 3, 0x01);
	EXPECT_VERDICT(LOOKUP_BAD_MAP, ans, ALICE, NULL);
	EXPECT_STREQ("map proof of the entry does not hold under map_root",
		     self->err);
	ans = answer(w, ALICE, NULL);
	set(ans, "account", "seq", json_integer(3));
	EXPECT_VERDICT(LOOKUP_BAD_MAP, ans, ALICE, NULL);
	ans = answer(w, ALICE, NULL);
	flip(ans, "account", "account_key", 0, 0x01);
	EXPECT_VERDICT(LOOKUP_BAD_MAP, ans, ALICE, NULL);
	/* A device hidden. */
	ans = answer(w, ALICE, NULL);
	devs = at(ans, "account.devices");
	json_array_remove(devs, 1);
	EXPECT_VERDICT(LOOKUP_BAD_MAP, ans, ALICE, NULL);
	/* A device added: dave's old entry, from before his second device. */
	ans = answer(w, "dave@example.org", NULL);
	json_array_remove(at(ans, "account.devices"), 1);
	set(ans, "account", "seq", json_integer(1));
	EXPECT_VERDICT(LOOKUP_BAD_MAP, ans, "dave@example.org", NULL);
	/* alice said absent, with her own proof of presence. */
	ans = answer(w, ALICE, NULL);
	del(ans, "", "account");
	set(ans, "", "present", json_false());
	EXPECT_VERDICT(LOOKUP_BAD_MAP, ans, ALICE, NULL);
	EXPECT_STREQ("proof.map shows the handle present, the answer says absent",
		     self->err);
	/* bob said present, with carol's account and bob's proof of absence. */
	ans = answer(w, "bob@example.org", NULL);
	devs = answer(w, CAROL, NULL);
	set(ans, "", "present", json_true());
	set(ans, "", "account", json_incref(at(devs, "account")));
	json_decref(devs);
	EXPECT_EQ(LOOKUP_BAD_MAP, CHECK(ans, "bob@example.org", NULL));
	EXPECT_STREQ("proof.map shows the handle absent, the answer says present",
		     self->err);
	/* An absence proof that does not hold: a sibling changed. */
	ans = answer(w, "bob@example.org", NULL);
	ASSERT_LT(0, json_array_size(at(ans, "proof.map.siblings")));
	json_array_set_new(at(ans, "proof.map.siblings"), 0, json_string(
		"ERERERERERERERERERERERERERERERERERERERERERE="));
	EXPECT_VERDICT(LOOKUP_BAD_MAP, ans, "bob@example.org", NULL);
	EXPECT_STREQ("map proof of absence does not hold under map_root",
		     self->err);
}

/*
 * The directory committed to a device whose keys do not hold together:
 * the map proof holds, the device check does not. @how: 0 a bad
 * x25519_signature, 1 a device id that is not the key's, 2 an identity
 * key that is not a point.
 */
static int add_bad(struct world *w, const char *handle, int how)
{
	struct acct *a = add(w, handle, 2, false, 0x70);
	struct entry_device *d;

	if (!a)
		return -1;
	d = &a->e.dev[1];
	if (how == 0)
		d->x25519_sig[5] ^= 0x20;
	if (how == 1)
		d->id[15] ^= 0x01;
	if (how == 2) {
		memset(d->identity_key, 0, ENTRY_KEY_LEN);
		d->identity_key[0] = 2;	/* y = 2 is not on the curve */
		if (entry_device_id(d->identity_key, d->id))
			return -1;
	}
	return commit(w, a) || publish(w) ? -1 : 0;
}

TEST_F(lookup, bad_x25519_signature)
{
	char want[160];
	const struct acct *a;

	ASSERT_EQ(0, add_bad(self->w, "mallory@example.org", 0));
	a = find(self->w, "mallory@example.org");
	EXPECT_VERDICT(LOOKUP_BAD_DEVICE,
		       answer(self->w, "mallory@example.org", NULL),
		       "mallory@example.org", NULL);
	snprintf(want, sizeof(want),
		 "account.devices[1] (device %02x%02x", a->e.dev[1].id[0],
		 a->e.dev[1].id[1]);
	EXPECT_EQ(0, strncmp(want, self->err, strlen(want)))
		TH_LOG("%s", self->err);
	EXPECT_NE(NULL, strstr(self->err,
			       "): x25519_signature does not verify under its identity_key"));
}

TEST_F(lookup, bad_device_id)
{
	ASSERT_EQ(0, add_bad(self->w, "mallory@example.org", 1));
	EXPECT_VERDICT(LOOKUP_BAD_DEVICE,
		       answer(self->w, "mallory@example.org", NULL),
		       "mallory@example.org", NULL);
	EXPECT_NE(NULL, strstr(self->err,
			       "): device_id is not its identity_key's"));
}

TEST_F(lookup, bad_identity_key)
{
	ASSERT_EQ(0, add_bad(self->w, "mallory@example.org", 2));
	EXPECT_VERDICT(LOOKUP_BAD_DEVICE,
		       answer(self->w, "mallory@example.org", NULL),
		       "mallory@example.org", NULL);
	EXPECT_NE(NULL, strstr(self->err,
			       "): identity_key is not an Ed25519 public key"));
}

TEST_F(lookup, bad_prekey_signature)
{
	struct world *w = self->w;
	json_t *ans;

	/* Prekeys are not committed: only their signatures bind them. */
	ans = answer(w, ALICE, NULL);
	flip(ans, "account.devices[0].signed_prekey", "signature", 0, 0x04);
	EXPECT_VERDICT(LOOKUP_BAD_DEVICE, ans, ALICE, NULL);
	EXPECT_NE(NULL, strstr(self->err, "account.devices[0] (device "));
	EXPECT_NE(NULL, strstr(self->err,
			       "): signed_prekey's signature does not verify under its identity_key"));
	ans = answer(w, ALICE, NULL);
	flip(ans, "account.devices[1].signed_prekey", "key", 31, 0x01);
	EXPECT_VERDICT(LOOKUP_BAD_DEVICE, ans, ALICE, NULL);
	ans = answer(w, ALICE, NULL);
	set(ans, "account.devices[0].signed_prekey", "id", json_integer(7));
	EXPECT_VERDICT(LOOKUP_BAD_DEVICE, ans, ALICE, NULL);
	/* The KEM prekey. */
	ans = answer(w, ALICE, NULL);
	flip(ans, "account.devices[1].kem_prekey", "key", 1500, 0x01);
	EXPECT_VERDICT(LOOKUP_BAD_DEVICE, ans, ALICE, NULL);
	EXPECT_NE(NULL, strstr(self->err,
			       "): kem_prekey's signature does not verify"));
	/* Device 1's KEM prekey given as device 0's. */
	ans = answer(w, ALICE, NULL);
	set(ans, "account.devices[0]", "kem_prekey",
	    json_deep_copy(at(ans, "account.devices[1].kem_prekey")));
	EXPECT_VERDICT(LOOKUP_BAD_DEVICE, ans, ALICE, NULL);
	/* A signed prekey presented as the KEM prekey: another kind. */
	ans = answer(w, ALICE, NULL);
	set(ans, "account.devices[0]", "kem_prekey",
	    json_deep_copy(at(ans, "account.devices[0].signed_prekey")));
	EXPECT_VERDICT(LOOKUP_BAD_DEVICE, ans, ALICE, NULL);
}

TEST_F(lookup, wrong_handle)
{
	/* carol's genuine answer, to a question about alice. */
	EXPECT_VERDICT(LOOKUP_WRONG_HANDLE, answer(self->w, CAROL, NULL),
		       ALICE, NULL);
	EXPECT_STREQ("answer is for 'carol@example.org', not for 'alice@example.org'",
		     self->err);
	/* Asked for a handle that is not one: no answer can be for it. */
	EXPECT_VERDICT(LOOKUP_WRONG_HANDLE, answer(self->w, ALICE, NULL),
		       "Alice@example.org", NULL);
	EXPECT_VERDICT(LOOKUP_WRONG_HANDLE, answer(self->w, ALICE, NULL),
		       "alice@example.org\n", NULL);
	EXPECT_STREQ("answer is for 'alice@example.org', not for 'alice@example.org?'",
		     self->err);
}

/* Two lies at once: the first check in the doc's order names it. */
TEST_F(lookup, order)
{
	struct world *w = self->w;
	struct opts o = { .vrf_of = CAROL }, since = { .since = 4 };
	struct kt_sth seen;
	json_t *ans;

	ans = answer(w, ALICE, NULL);
	flip(ans, "proof.head", "signature", 0, 1);
	json_array_clear(at(ans, "proof.inclusion"));
	w->now += 100 * MAX_AGE;
	EXPECT_VERDICT(LOOKUP_BAD_HEAD, ans, ALICE, NULL);
	ans = answer(w, ALICE, NULL);
	json_array_clear(at(ans, "proof.inclusion"));
	EXPECT_VERDICT(LOOKUP_STALE_HEAD, ans, ALICE, NULL);
	w->now -= 100 * MAX_AGE;
	ans = answer(w, ALICE, NULL);
	json_array_clear(at(ans, "proof.inclusion"));
	set(ans, "proof", "epoch", json_integer(2));
	EXPECT_VERDICT(LOOKUP_NOT_CURRENT, ans, ALICE, NULL);
	ans = answer(w, ALICE, &o);
	json_array_clear(at(ans, "proof.inclusion"));
	EXPECT_VERDICT(LOOKUP_BAD_INCLUSION, ans, ALICE, NULL);
	ans = answer(w, ALICE, &o);
	flip(ans, "account.devices[0]", "push_token", 0, 1);
	EXPECT_VERDICT(LOOKUP_BAD_VRF, ans, ALICE, NULL);
	ans = answer(w, ALICE, NULL);
	flip(ans, "account.devices[0]", "push_token", 0, 1);
	flip(ans, "account.devices[0].signed_prekey", "signature", 0, 1);
	EXPECT_VERDICT(LOOKUP_BAD_MAP, ans, ALICE, NULL);
	/* Malformed beats everything; then the handle. */
	ans = answer(w, CAROL, NULL);
	flip(ans, "proof.head", "signature", 0, 1);
	EXPECT_VERDICT(LOOKUP_WRONG_HANDLE, ans, ALICE, NULL);
	ans = answer(w, CAROL, NULL);
	flip(ans, "proof.head", "signature", 0, 1);
	set(ans, "proof", "extra", json_null());
	EXPECT_VERDICT(LOOKUP_MALFORMED, ans, ALICE, NULL);
	/* A fork is found before the epoch is looked at. */
	seen = w->heads[4];
	seen.root[0] ^= 1;
	ans = answer(w, ALICE, &since);
	set(ans, "proof", "epoch", json_integer(2));
	EXPECT_VERDICT(LOOKUP_FORK, ans, ALICE, &seen);
}

/* One change to alice's answer and the message it must give. */
struct malformed {
	const char *path, *key;
	const char *value;	/* JSON; NULL: delete the field */
	const char *err;
};

static const struct malformed malformed[] = {
	{ "", "extra", "1", "unknown field 'extra'" },
	{ "proof.head", "extra", "{}", "proof.head: unknown field 'extra'" },
	{ "proof", "Epoch", "6", "proof: unknown field 'Epoch'" },
	{ "proof.map", "other_key", "\"AAAA\"", "proof.map: unknown field 'other_key'" },
	{ "account", "extra", "[]", "account: unknown field 'extra'" },
	{ "account.devices[1]", "last_resort_prekey", "null",
	  "account.devices[1]: unknown field 'last_resort_prekey'" },
	{ "account.devices[0].signed_prekey", "x", "0",
	  "account.devices[0].signed_prekey: unknown field 'x'" },
	{ "", "handle", NULL, "handle: missing" },
	{ "", "handle", "7", "handle: not a string" },
	{ "", "handle", "\"Alice@example.org\"",
	  "handle: has an upper-case letter: handles are lower case" },
	{ "", "handle", "\"alice\"", "handle: has no '@'" },
	{ "", "present", NULL, "present: missing" },
	{ "", "present", "1", "present: not true or false" },
	{ "", "present", "false", "account: not allowed when present is false" },
	{ "", "account", NULL, "account: missing" },
	{ "", "account", "[]", "account: not an object" },
	{ "", "proof", NULL, "proof: missing" },
	{ "", "proof", "null", "proof: not an object" },
	{ "account", "account_key", "\"AAAA\"", "account.account_key: 3 bytes, want 32" },
	{ "account", "seq", "2.0", "account.seq: not an integer" },
	{ "account", "seq", "-2", "account.seq: negative" },
	{ "account", "devices", NULL, "account.devices: missing" },
	{ "account", "devices", "{}", "account.devices: not an array" },
	{ "account", "devices", "[1]", "account.devices[0]: not an object" },
	{ "account.devices[1]", "device_id", "\"0011\"",
	  "account.devices[1].device_id: not 32 lowercase hex digits" },
	{ "account.devices[1]", "identity_key",
	  "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\"",
	  "account.devices[1].identity_key: 31 bytes, want 32" },
	{ "account.devices[1]", "identity_x25519", "\"AAAA AAA\"",
	  "account.devices[1].identity_x25519: not base64" },
	{ "account.devices[0]", "x25519_signature", NULL,
	  "account.devices[0].x25519_signature: missing" },
	{ "account.devices[0]", "push_token", "null",
	  "account.devices[0].push_token: not a string" },
	{ "account.devices[0]", "signed_prekey", "null",
	  "account.devices[0].signed_prekey: not an object" },
	{ "account.devices[0]", "signed_prekey", NULL,
	  "account.devices[0].signed_prekey: missing" },
	{ "account.devices[0]", "kem_prekey", NULL,
	  "account.devices[0].kem_prekey: missing" },
	{ "account.devices[0].signed_prekey", "id", "4294967296",
	  "account.devices[0].signed_prekey.id: above 4294967295" },
	{ "account.devices[1].kem_prekey", "key", "\"\"",
	  "account.devices[1].kem_prekey.key: empty" },
	{ "account.devices[1].kem_prekey", "signature", "\"Zg==\"",
	  "account.devices[1].kem_prekey.signature: 1 bytes, want 64" },
	{ "proof", "head", NULL, "proof.head: missing" },
	{ "proof.head", "size", "-7", "proof.head.size: negative" },
	{ "proof", "epoch", NULL, "proof.epoch: missing" },
	{ "proof", "epoch", "-1", "proof.epoch: negative" },
	{ "proof", "epoch", "6.5", "proof.epoch: not an integer" },
	{ "proof", "map_root", "\"=AAA\"", "proof.map_root: not base64" },
	{ "proof", "inclusion", NULL, "proof.inclusion: missing" },
	{ "proof", "inclusion", "[\"Zh==\"]", "proof.inclusion[0]: not base64" },
	{ "proof", "consistency", "{}", "proof.consistency: not an array" },
	{ "proof", "vrf", NULL, "proof.vrf: missing" },
	{ "proof", "vrf", "\"\"", "proof.vrf: empty" },
	{ "proof", "map", NULL, "proof.map: missing" },
	{ "proof.map", "end", "\"absent\"",
	  "proof.map.end: not present, absent-empty or absent-other" },
	{ "proof.map", "depth", "300", "proof.map.depth: 300 is above 256" },
	{ "proof.map", "siblings", "[\"AAAA\",\"AA\"]",
	  "proof.map.siblings[0]: 3 bytes, want 32" },
};

TEST_F(lookup, malformed)
{
	const struct malformed *m;
	json_t *ans, *v;
	size_t i;

	for (i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		m = &malformed[i];
		ans = answer(self->w, ALICE, NULL);
		ASSERT_NE(NULL, ans);
		if (m->value) {
			v = json_loads(m->value, JSON_DECODE_ANY, NULL);
			ASSERT_NE(NULL, v) TH_LOG("%s", m->value);
			ASSERT_EQ(0, set(ans, m->path, m->key, v))
				TH_LOG("%s.%s", m->path, m->key);
		} else {
			ASSERT_EQ(0, del(ans, m->path, m->key))
				TH_LOG("%s.%s", m->path, m->key);
		}
		memset(self->res, 0x5a, sizeof(*self->res));
		EXPECT_EQ(LOOKUP_MALFORMED, CHECK(ans, ALICE, NULL))
			TH_LOG("%s.%s", m->path, m->key);
		EXPECT_STREQ(m->err, self->err);
		/* Nothing reaches the result. */
		EXPECT_EQ(0x5a, ((uint8_t *)self->res)[0]);
	}
}

/* More devices than an account can have; one device twice. */
TEST_F(lookup, malformed_devices)
{
	json_t *ans = answer(self->w, ALICE, NULL), *devs, *d;
	unsigned int i;

	devs = at(ans, "account.devices");
	d = json_array_get(devs, 0);
	json_array_append_new(devs, json_deep_copy(d));
	EXPECT_VERDICT(LOOKUP_MALFORMED, json_deep_copy(ans), ALICE, NULL);
	EXPECT_STREQ("account.devices[2].device_id: the same as account.devices[0]'s",
		     self->err);
	for (i = 3; i <= ENTRY_MAX_DEVICES; i++)
		json_array_append_new(devs, json_deep_copy(d));
	ASSERT_EQ(ENTRY_MAX_DEVICES + 1, json_array_size(devs));
	EXPECT_VERDICT(LOOKUP_MALFORMED, ans, ALICE, NULL);
	EXPECT_STREQ("account.devices: 17 devices, at most 16", self->err);
}

TEST_F(lookup, malformed_sizes)
{
	uint8_t big[600];
	json_t *ans, *a;
	unsigned int i;

	memset(big, 1, sizeof(big));
	ans = answer(self->w, ALICE, NULL);
	set(ans, "proof", "vrf", b64(big, 513));
	EXPECT_VERDICT(LOOKUP_MALFORMED, ans, ALICE, NULL);
	EXPECT_STREQ("proof.vrf: more than 512 bytes", self->err);
	ans = answer(self->w, ALICE, NULL);
	a = at(ans, "proof.inclusion");
	for (i = json_array_size(a); i <= KT_LOG_MAX_PROOF; i++)
		json_array_append_new(a, b64(big, 32));
	EXPECT_VERDICT(LOOKUP_MALFORMED, ans, ALICE, NULL);
	EXPECT_STREQ("proof.inclusion: 65 hashes, at most 64", self->err);
	/* A KEM key of ENTRY_KEM_MAX bytes is fine as JSON, one more not. */
	{
		uint8_t kem[ENTRY_KEM_MAX + 1];

		memset(kem, 2, sizeof(kem));
		ans = answer(self->w, ALICE, NULL);
		set(ans, "account.devices[1].kem_prekey", "key",
		    b64(kem, ENTRY_KEM_MAX));
		EXPECT_VERDICT(LOOKUP_BAD_DEVICE, ans, ALICE, NULL);
		ans = answer(self->w, ALICE, NULL);
		set(ans, "account.devices[1].kem_prekey", "key",
		    b64(kem, ENTRY_KEM_MAX + 1));
		EXPECT_VERDICT(LOOKUP_MALFORMED, ans, ALICE, NULL);
		EXPECT_STREQ("account.devices[1].kem_prekey.key: more than 1600 bytes",
			     self->err);
	}
}

/* Text that is not the JSON object at all. */
TEST_F(lookup, malformed_text)
{
	struct world *w = self->w;
	static const char *const bad[] = {
		"", "   ", "null", "[]", "\"alice@example.org\"", "{",
		"{\"handle\":\"alice@example.org\"}}", "{'handle':1}",
		"{\"handle\":\"\\u0000\"}", "\xff\xfe{}",
	};
	char *text, *dup;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(LOOKUP_MALFORMED,
			  lookup_verify(bad[i], strlen(bad[i]), ALICE,
					&w->pins, NULL, w->now, self->res,
					self->err, sizeof(self->err)))
			TH_LOG("'%s'", bad[i]);
		EXPECT_NE(0, strlen(self->err));
	}
	EXPECT_EQ(LOOKUP_MALFORMED,
		  lookup_verify(NULL, 0, ALICE, &w->pins, NULL, w->now,
				self->res, self->err, sizeof(self->err)));

	/* A duplicate key, which a JSON object must not have. */
	text = text_of(answer(w, ALICE, NULL));
	ASSERT_NE(NULL, text);
	ASSERT_EQ(0, strncmp(text, "{\"handle\":", 10));
	ASSERT_LT(0, asprintf(&dup, "{\"handle\":\"alice@example.org\",%s",
			      text + 1));
	EXPECT_EQ(LOOKUP_MALFORMED,
		  lookup_verify(dup, strlen(dup), ALICE, &w->pins, NULL,
				w->now, self->res, self->err,
				sizeof(self->err)));
	EXPECT_NE(NULL, strstr(self->err, "duplicate")) TH_LOG("%s", self->err);
	free(dup);
	/* Trailing bytes after the object. */
	ASSERT_LT(0, asprintf(&dup, "%s x", text));
	EXPECT_EQ(LOOKUP_MALFORMED,
		  lookup_verify(dup, strlen(dup), ALICE, &w->pins, NULL,
				w->now, self->res, self->err,
				sizeof(self->err)));
	free(dup);
	/* Only @len bytes are read: the text cut short is not JSON. */
	EXPECT_EQ(LOOKUP_MALFORMED,
		  lookup_verify(text, strlen(text) - 1, ALICE, &w->pins, NULL,
				w->now, self->res, self->err,
				sizeof(self->err)));
	EXPECT_EQ(LOOKUP_OK,
		  lookup_verify(text, strlen(text), ALICE, &w->pins, NULL,
				w->now, self->res, self->err,
				sizeof(self->err)));
	free(text);
}

/* Messages fit any buffer, or none. */
TEST_F(lookup, error_buffer)
{
	struct world *w = self->w;
	char *text = text_of(answer(w, CAROL, NULL));
	char small[12];

	ASSERT_NE(NULL, text);
	EXPECT_EQ(LOOKUP_WRONG_HANDLE,
		  lookup_verify(text, strlen(text), ALICE, &w->pins, NULL,
				w->now, self->res, NULL, 0));
	memset(small, 'x', sizeof(small));
	EXPECT_EQ(LOOKUP_WRONG_HANDLE,
		  lookup_verify(text, strlen(text), ALICE, &w->pins, NULL,
				w->now, self->res, small, 8));
	EXPECT_STREQ("answer ", small);
	EXPECT_EQ('x', small[8]);
	EXPECT_EQ(LOOKUP_MALFORMED,
		  lookup_verify("{", 1, ALICE, &w->pins, NULL, w->now,
				self->res, small, 8));
	EXPECT_EQ('x', small[8]);
	free(text);
}

TEST(verdict_names)
{
	static const char *const names[] = {
		"ok", "malformed", "bad-head", "stale-head", "rollback",
		"fork", "not-current", "bad-inclusion", "bad-vrf", "bad-map",
		"bad-device", "wrong-handle",
	};
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		EXPECT_STREQ(names[i],
			     lookup_verdict_name((enum lookup_verdict)i));
	EXPECT_STREQ("unknown", lookup_verdict_name((enum lookup_verdict)12));
	EXPECT_STREQ("unknown", lookup_verdict_name((enum lookup_verdict)-1));
}

TEST_HARNESS_MAIN
