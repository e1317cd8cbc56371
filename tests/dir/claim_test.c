// SPDX-License-Identifier: GPL-2.0
/*
 * A client's check of a claim answer (daemon/dir/claim.c). The claims are
 * of alice's prekeys in the fixed directory of tests/fuzz/lookup_world.c,
 * the one claim_fuzz uses (tests/fuzz/claim_world.c): her lookup is
 * verified with lookup_verify(), her devices' identity keys sign their
 * last-resort prekeys, and the answers have the shape
 * Documentation/directory.rst gives for POST /v1/claim. A genuine answer
 * verifies, with every field; then there is a test for each way an answer
 * can be refused, each asserting the errno and what the message says.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "claim.h"
#include "claim_world.h"
#include "dirjson.h"
#include "entry.h"
#include "kselftest_harness.h"

#define ALICE		"alice@example.org"
#define HEX_ID		(2 * ENTRY_ID_LEN + 1)	/* a device id in hex */

static const unsigned int both[] = { 0, 1 };

/* --- tampering ---------------------------------------------------------- */

/* The value at @path ("devices[1].last_resort_prekey"); "" is @v. */
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
	json_t *o = at(ans, path);

	return o ? json_object_set_new(o, key, v) : (json_decref(v), -1);
}

static int del(json_t *ans, const char *path, const char *key)
{
	json_t *o = at(ans, path);

	return o ? json_object_del(o, key) : -1;
}

/* @n bytes of @x, as base64. */
static json_t *bytes(uint8_t x, size_t n)
{
	uint8_t buf[128];

	memset(buf, x, sizeof(buf));
	return n <= sizeof(buf) ? dirjson_bytes(buf, n) : NULL;
}

static const char *hex(const uint8_t id[ENTRY_ID_LEN], char *buf)
{
	unsigned int i;

	for (i = 0; i < ENTRY_ID_LEN; i++)
		snprintf(buf + 2 * i, 3, "%02x", id[i]);
	return buf;
}

/* --- the check ---------------------------------------------------------- */

FIXTURE(claim) {
	struct claim_world *c;
	struct claim_result res;
	char err[512];
};

FIXTURE_SETUP(claim)
{
	self->c = malloc(sizeof(*self->c));
	ASSERT_NE(NULL, self->c);
	ASSERT_EQ(0, claim_world_build(self->c));
	memset(self->err, 0, sizeof(self->err));
}

FIXTURE_TEARDOWN(claim)
{
	if (self->c)
		claim_world_free(self->c);
	free(self->c);
}

/* The result claim_verify() must leave alone when it refuses. */
#define POISON	0xa5

static bool poisoned(const struct claim_result *r)
{
	const uint8_t *p = (const uint8_t *)r;
	size_t i;

	for (i = 0; i < sizeof(*r); i++) {
		if (p[i] != POISON)
			return false;
	}
	return true;
}

/* claim_verify() of @ans (freed) for handle @h (WORLD_*). */
static int check_at(struct claim_world *c, json_t *ans, unsigned int h,
		    struct claim_result *res, char *err, size_t errlen)
{
	char *text = ans ? json_dumps(ans, JSON_COMPACT) : NULL;
	int ret;

	json_decref(ans);
	if (!text) {
		snprintf(err, errlen, "the test could not build the answer");
		return 1;
	}
	memset(res, POISON, sizeof(*res));
	ret = claim_verify(text, strlen(text), c->w.handle[h], &c->lr[h], res,
			   err, errlen);
	free(text);
	return ret;
}

#define CHECK_FOR(ans, h) \
	check_at(self->c, (ans), (h), &self->res, self->err, \
		 sizeof(self->err))
#define CHECK(ans)	CHECK_FOR((ans), WORLD_ALICE)

/* The genuine answer: both devices, the first with a one-time prekey. */
#define GENUINE()	claim_world_answer(self->c, both, 2, 1)

/* claim_verify() refuses @ans with -@want, saying @what; @res untouched. */
#define EXPECT_REFUSED_FOR(want, what, ans, h) do {			\
	EXPECT_EQ(-(want), CHECK_FOR((ans), (h)))			\
		TH_LOG("%s", self->err);				\
	EXPECT_NE(NULL, strstr(self->err, (what)))			\
		TH_LOG("'%s' does not say '%s'", self->err, (what));	\
	EXPECT_TRUE(poisoned(&self->res));				\
} while (0)
#define EXPECT_REFUSED(want, what, ans) \
	EXPECT_REFUSED_FOR((want), (what), (ans), WORLD_ALICE)

TEST_F(claim, genuine)
{
	const struct claim_world *c = self->c;
	const struct entry *e = &c->lr[WORLD_ALICE].entry;
	const struct claim_device *d;
	unsigned int i;

	ASSERT_EQ(0, CHECK(GENUINE())) TH_LOG("%s", self->err);
	EXPECT_STREQ("", self->err);
	ASSERT_EQ(2, self->res.ndev);
	for (i = 0; i < 2; i++) {
		d = &self->res.dev[i];
		EXPECT_EQ(0, memcmp(e->dev[i].id, d->device_id, ENTRY_ID_LEN));
		EXPECT_EQ(300 + i, d->last_resort_id);
		EXPECT_EQ(0, memcmp(c->last_resort[i].key, d->last_resort,
				    ENTRY_KEY_LEN));
	}
	d = &self->res.dev[0];
	ASSERT_TRUE(d->has_one_time);
	EXPECT_EQ(1000, d->one_time_id);
	EXPECT_EQ(0, memcmp(c->one_time[0].key, d->one_time, ENTRY_KEY_LEN));
	EXPECT_FALSE(self->res.dev[1].has_one_time);
}

/* In the answer's order; a device of the lookup may be missing. */
TEST_F(claim, devices_in_any_order_or_fewer)
{
	static const unsigned int back[] = { 1, 0 };
	const struct entry *e = &self->c->lr[WORLD_ALICE].entry;
	const struct claim_device *d = self->res.dev;

	ASSERT_EQ(0, CHECK(claim_world_answer(self->c, back, 2, 2)))
		TH_LOG("%s", self->err);
	ASSERT_EQ(2, self->res.ndev);
	EXPECT_EQ(0, memcmp(e->dev[1].id, d[0].device_id, ENTRY_ID_LEN));
	EXPECT_EQ(301, d[0].last_resort_id);
	EXPECT_FALSE(d[0].has_one_time);
	EXPECT_EQ(0, memcmp(e->dev[0].id, d[1].device_id, ENTRY_ID_LEN));
	ASSERT_TRUE(d[1].has_one_time);
	EXPECT_EQ(1000, d[1].one_time_id);

	ASSERT_EQ(0, CHECK(claim_world_answer(self->c, back, 1, 1)))
		TH_LOG("%s", self->err);
	ASSERT_EQ(1, self->res.ndev);
	EXPECT_EQ(0, memcmp(e->dev[1].id, d[0].device_id, ENTRY_ID_LEN));
	EXPECT_TRUE(d[0].has_one_time);
	EXPECT_EQ(1001, d[0].one_time_id);

	ASSERT_EQ(0, CHECK(claim_world_answer(self->c, both, 0, 0)))
		TH_LOG("%s", self->err);
	EXPECT_EQ(0, self->res.ndev);

	/* carol has no devices: nothing to claim, and nothing claimed. */
	ASSERT_EQ(0, CHECK_FOR(json_pack("{s:s, s:[]}", "handle",
					 "carol@example.org", "devices"),
			       WORLD_CAROL)) TH_LOG("%s", self->err);
	EXPECT_EQ(0, self->res.ndev);
}

/* Highest ids: a u32 each. */
TEST_F(claim, ids_at_the_limit)
{
	struct lookup_prekey lr = self->c->last_resort[0];
	json_t *ans = GENUINE();

	lr.id = UINT32_MAX;
	ASSERT_EQ(0, claim_world_sign(self->c->dev_key[0], &lr));
	ASSERT_EQ(0, set(ans, "devices[0].last_resort_prekey", "id",
			 json_integer(UINT32_MAX)));
	ASSERT_EQ(0, set(ans, "devices[0].last_resort_prekey", "signature",
			 dirjson_bytes(lr.sig, ENTRY_SIG_LEN)));
	ASSERT_EQ(0, set(ans, "devices[0].one_time_prekey", "id",
			 json_integer(UINT32_MAX)));
	ASSERT_EQ(0, CHECK(ans)) TH_LOG("%s", self->err);
	EXPECT_EQ(UINT32_MAX, self->res.dev[0].last_resort_id);
	EXPECT_EQ(UINT32_MAX, self->res.dev[0].one_time_id);
}

/* One-time prekeys carry no signature: any 32 bytes are taken. */
TEST_F(claim, one_time_prekeys_unsigned)
{
	json_t *ans = GENUINE();

	ASSERT_EQ(0, set(ans, "devices[0].one_time_prekey", "key",
			 bytes(0xee, 32)));
	ASSERT_EQ(0, CHECK(ans)) TH_LOG("%s", self->err);
	EXPECT_EQ(0xee, self->res.dev[0].one_time[31]);
}

TEST_F(claim, forged_last_resort_signature)
{
	const struct entry *e = &self->c->lr[WORLD_ALICE].entry;
	struct lookup_prekey lr = self->c->last_resort[1];
	char id0[HEX_ID], id1[HEX_ID], want[256];
	json_t *ans;

	hex(e->dev[0].id, id0);
	hex(e->dev[1].id, id1);

	/* Device 1's last resort, signed by device 0. */
	ASSERT_EQ(0, claim_world_sign(self->c->dev_key[0], &lr));
	ans = GENUINE();
	ASSERT_EQ(0, set(ans, "devices[1].last_resort_prekey", "signature",
			 dirjson_bytes(lr.sig, ENTRY_SIG_LEN)));
	snprintf(want, sizeof(want),
		 "devices[1] (device %s): last_resort_prekey's signature does not verify",
		 id1);
	EXPECT_REFUSED(EBADMSG, want, ans);

	/* Another key, id or signature than the device signed. */
	snprintf(want, sizeof(want), "devices[0] (device %s): ", id0);
	ans = GENUINE();
	ASSERT_EQ(0, set(ans, "devices[0].last_resort_prekey", "key",
			 bytes(0x71, 32)));
	EXPECT_REFUSED(EBADMSG, want, ans);
	ans = GENUINE();
	ASSERT_EQ(0, set(ans, "devices[0].last_resort_prekey", "id",
			 json_integer(301)));
	EXPECT_REFUSED(EBADMSG, want, ans);
	ans = GENUINE();
	ASSERT_EQ(0, set(ans, "devices[0].last_resort_prekey", "signature",
			 bytes(0, 64)));
	EXPECT_REFUSED(EBADMSG, want, ans);
	/* Device 0's genuine prekey under device 1's id. */
	ans = GENUINE();
	ASSERT_EQ(0, set(ans, "devices[1]", "last_resort_prekey",
			 json_deep_copy(at(ans,
					   "devices[0].last_resort_prekey"))));
	snprintf(want, sizeof(want), "devices[1] (device %s): ", id1);
	EXPECT_REFUSED(EBADMSG, want, ans);
}

TEST_F(claim, device_not_in_lookup)
{
	struct lookup_prekey lr = { .id = 300 };
	uint8_t pub[ENTRY_KEY_LEN], id[ENTRY_ID_LEN];
	char hexid[HEX_ID], want[256];
	EVP_PKEY *k;
	size_t len = sizeof(pub);
	json_t *ans;

	/* A device of its own, whose last resort is genuinely signed. */
	memset(pub, 0x99, sizeof(pub));
	k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, pub, 32);
	ASSERT_NE(NULL, k);
	ASSERT_EQ(1, EVP_PKEY_get_raw_public_key(k, pub, &len));
	ASSERT_EQ(0, entry_device_id(pub, id));
	memset(lr.key, 0x72, ENTRY_KEY_LEN);
	ASSERT_EQ(0, claim_world_sign(k, &lr));
	EVP_PKEY_free(k);

	ans = GENUINE();
	ASSERT_EQ(0, json_array_append_new(at(ans, "devices"),
					   claim_world_device(id, NULL, &lr)));
	snprintf(want, sizeof(want),
		 "devices[2] (device %s): not a device of the handle's verified entry",
		 hex(id, hexid));
	EXPECT_REFUSED(EBADMSG, want, ans);

	/* alice's devices, claimed as carol's, who has none. */
	ans = GENUINE();
	ASSERT_EQ(0, set(ans, "", "handle", json_string("carol@example.org")));
	EXPECT_REFUSED_FOR(EBADMSG, "devices[0] (device ", ans, WORLD_CAROL);
}

TEST_F(claim, same_device_twice)
{
	static const unsigned int twice[] = { 0, 1, 0 }, ones[] = { 1, 1 };

	EXPECT_REFUSED(EINVAL, "devices[2].device_id: the same as devices[0]'s",
		       claim_world_answer(self->c, twice, 3, 1));
	EXPECT_REFUSED(EINVAL, "devices[1].device_id: the same as devices[0]'s",
		       claim_world_answer(self->c, ones, 2, 2));
}

TEST_F(claim, another_handle)
{
	static const char none[] = "{\"handle\":\"" ALICE "\",\"devices\":[]}";
	json_t *ans = GENUINE();

	ASSERT_EQ(0, set(ans, "", "handle", json_string("bob@example.org")));
	EXPECT_REFUSED(EBADMSG,
		       "handle: the answer is for 'bob@example.org', not for '"
		       ALICE "'", ans);

	/* The right handle, but the lookup shows no account for it. */
	ans = GENUINE();
	ASSERT_EQ(0, set(ans, "", "handle",
			 json_string(self->c->w.handle[WORLD_NOBODY_EMPTY])));
	EXPECT_REFUSED_FOR(EBADMSG, "as not registered: no prekeys to claim",
			   ans, WORLD_NOBODY_EMPTY);

	/* A caller's handle that is not one is not shown. */
	EXPECT_EQ(-EBADMSG, claim_verify(none, strlen(none), "\x01",
					 &self->c->lr[WORLD_ALICE], NULL,
					 self->err, sizeof(self->err)));
	EXPECT_NE(NULL, strstr(self->err, "not for the handle claimed"))
		TH_LOG("%s", self->err);
}

TEST_F(claim, wrong_key_length)
{
	static const struct {
		const char *path, *key;
		size_t n;
		const char *want;
	} cases[] = {
		{ "devices[0].last_resort_prekey", "key", 31,
		  "devices[0].last_resort_prekey.key: 31 bytes, want 32" },
		{ "devices[1].last_resort_prekey", "key", 33,
		  "devices[1].last_resort_prekey.key: 33 bytes, want 32" },
		{ "devices[0].one_time_prekey", "key", 31,
		  "devices[0].one_time_prekey.key: 31 bytes, want 32" },
		{ "devices[0].one_time_prekey", "key", 0,
		  "devices[0].one_time_prekey.key: 0 bytes, want 32" },
		{ "devices[1].last_resort_prekey", "signature", 63,
		  "devices[1].last_resort_prekey.signature: 63 bytes, want 64" },
	};
	unsigned int i;
	json_t *ans;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ans = GENUINE();
		ASSERT_EQ(0, set(ans, cases[i].path, cases[i].key,
				 bytes(0x70, cases[i].n)));
		EXPECT_REFUSED(EINVAL, cases[i].want, ans);
	}
	ans = GENUINE();
	ASSERT_EQ(0, set(ans, "devices[0].last_resort_prekey", "key",
			 json_string("not base64!")));
	EXPECT_REFUSED(EINVAL, "devices[0].last_resort_prekey.key: not base64",
		       ans);
}

TEST_F(claim, missing_field)
{
	static const struct {
		const char *path, *key, *want;
	} cases[] = {
		{ "", "handle", "handle: missing" },
		{ "", "devices", "devices: missing" },
		{ "devices[0]", "device_id", "devices[0].device_id: missing" },
		{ "devices[1]", "one_time_prekey",
		  "devices[1].one_time_prekey: missing" },
		{ "devices[0]", "last_resort_prekey",
		  "devices[0].last_resort_prekey: missing" },
		{ "devices[0].one_time_prekey", "id",
		  "devices[0].one_time_prekey.id: missing" },
		{ "devices[0].one_time_prekey", "key",
		  "devices[0].one_time_prekey.key: missing" },
		{ "devices[1].last_resort_prekey", "id",
		  "devices[1].last_resort_prekey.id: missing" },
		{ "devices[1].last_resort_prekey", "key",
		  "devices[1].last_resort_prekey.key: missing" },
		{ "devices[1].last_resort_prekey", "signature",
		  "devices[1].last_resort_prekey.signature: missing" },
	};
	unsigned int i;
	json_t *ans;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ans = GENUINE();
		ASSERT_EQ(0, del(ans, cases[i].path, cases[i].key));
		EXPECT_REFUSED(EINVAL, cases[i].want, ans);
	}
}

TEST_F(claim, unknown_field)
{
	static const struct {
		const char *path, *key, *want;
	} cases[] = {
		{ "", "present", "unknown field 'present'" },
		{ "devices[0]", "kem_prekey",
		  "devices[0]: unknown field 'kem_prekey'" },
		/* One-time prekeys carry no signature. */
		{ "devices[0].one_time_prekey", "signature",
		  "devices[0].one_time_prekey: unknown field 'signature'" },
		{ "devices[1].last_resort_prekey", "kind",
		  "devices[1].last_resort_prekey: unknown field 'kind'" },
	};
	unsigned int i;
	json_t *ans;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ans = GENUINE();
		ASSERT_EQ(0, set(ans, cases[i].path, cases[i].key,
				 bytes(1, 64)));
		EXPECT_REFUSED(EINVAL, cases[i].want, ans);
	}
}

TEST_F(claim, mistyped)
{
	static const struct {
		const char *path, *key, *value, *want;
	} cases[] = {
		{ "", "handle", "5", "handle: not a string" },
		{ "", "handle", "\"Alice@example.org\"",
		  "handle: has an upper-case letter" },
		{ "", "devices", "{}", "devices: not an array" },
		{ "devices[0]", "device_id", "7",
		  "devices[0].device_id: not a string" },
		{ "devices[0]", "device_id", "\"0123\"",
		  "devices[0].device_id: not 32 lowercase hex digits" },
		{ "devices[0]", "one_time_prekey", "\"x\"",
		  "devices[0].one_time_prekey: not an object" },
		{ "devices[1]", "one_time_prekey", "[]",
		  "devices[1].one_time_prekey: not an object" },
		{ "devices[0]", "last_resort_prekey", "null",
		  "devices[0].last_resort_prekey: not an object" },
		{ "devices[1].last_resort_prekey", "key", "32",
		  "devices[1].last_resort_prekey.key: not a string" },
	};
	unsigned int i;
	json_t *ans, *devs;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ans = GENUINE();
		ASSERT_EQ(0, set(ans, cases[i].path, cases[i].key,
				 json_loads(cases[i].value, JSON_DECODE_ANY,
					    NULL)));
		EXPECT_REFUSED(EINVAL, cases[i].want, ans);
	}
	ans = GENUINE();
	ASSERT_EQ(0, json_array_set_new(at(ans, "devices"), 1,
					json_string("device")));
	EXPECT_REFUSED(EINVAL, "devices[1]: not an object", ans);
	EXPECT_REFUSED(EINVAL, "not an object", json_array());

	/* More devices than an account can have. */
	ans = GENUINE();
	devs = at(ans, "devices");
	for (i = 2; i < ENTRY_MAX_DEVICES + 1; i++)
		json_array_append(devs, json_array_get(devs, 0));
	EXPECT_REFUSED(EINVAL, "devices: 17 devices, at most 16", ans);
}

TEST_F(claim, not_json)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "hello", "not JSON: a syntax error (line 1, column " },
		{ "", "not JSON" },
		{ "{\"handle\": alice}", "not JSON: a syntax error" },
		{ "{} {}", "not JSON: more after the end" },
		{ "{\"handle\":\"a@b.c\",\"handle\":\"a@b.c\"}",
		  "not JSON: a key twice" },
		{ "{\"handle\":\"\xff\"}", "not JSON: not UTF-8" },
	};
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		memset(&self->res, POISON, sizeof(self->res));
		ret = claim_verify(cases[i].text, strlen(cases[i].text), ALICE,
				   &self->c->lr[WORLD_ALICE], &self->res,
				   self->err, sizeof(self->err));
		EXPECT_EQ(-EINVAL, ret) TH_LOG("%s", cases[i].text);
		EXPECT_NE(NULL, strstr(self->err, cases[i].want))
			TH_LOG("'%s' does not say '%s'", self->err,
			       cases[i].want);
		EXPECT_TRUE(poisoned(&self->res));
	}
	EXPECT_EQ(-EINVAL, claim_verify(NULL, 0, ALICE,
					&self->c->lr[WORLD_ALICE], NULL,
					self->err, sizeof(self->err)));
	EXPECT_NE(NULL, strstr(self->err, "not JSON"));
}

/* Every prefix of a genuine answer is refused; none is read past. */
TEST_F(claim, truncated_json)
{
	json_t *ans = GENUINE();
	char *text = ans ? json_dumps(ans, JSON_COMPACT) : NULL, *cut;
	size_t len, n;
	int ret;

	json_decref(ans);
	ASSERT_NE(NULL, text);
	len = strlen(text);
	for (n = 0; n < len; n++) {
		/* Exactly @n bytes: ASan sees a read past them. */
		cut = malloc(n ? n : 1);
		ASSERT_NE(NULL, cut);
		memcpy(cut, text, n);
		ret = claim_verify(cut, n, ALICE, &self->c->lr[WORLD_ALICE],
				   &self->res, self->err, sizeof(self->err));
		free(cut);
		EXPECT_EQ(-EINVAL, ret) TH_LOG("cut at %zu", n);
		EXPECT_EQ(0, strncmp(self->err, "not JSON: ", 10))
			TH_LOG("cut at %zu: %s", n, self->err);
	}
	EXPECT_EQ(-EINVAL, claim_verify(text, len / 2, ALICE,
					&self->c->lr[WORLD_ALICE], NULL,
					self->err, sizeof(self->err)));
	EXPECT_NE(NULL, strstr(self->err, "not JSON: truncated"))
		TH_LOG("%s", self->err);
	free(text);
}

TEST_F(claim, id_out_of_range)
{
	static const struct {
		const char *path, *value, *want;
	} cases[] = {
		{ "devices[0].last_resort_prekey", "4294967296",
		  "devices[0].last_resort_prekey.id: above 4294967295" },
		{ "devices[1].last_resort_prekey", "-1",
		  "devices[1].last_resort_prekey.id: negative" },
		{ "devices[0].one_time_prekey", "4294967296",
		  "devices[0].one_time_prekey.id: above 4294967295" },
		{ "devices[0].one_time_prekey", "-300",
		  "devices[0].one_time_prekey.id: negative" },
		{ "devices[0].one_time_prekey", "1.5",
		  "devices[0].one_time_prekey.id: not an integer" },
		{ "devices[1].last_resort_prekey", "\"301\"",
		  "devices[1].last_resort_prekey.id: not an integer" },
	};
	unsigned int i;
	json_t *ans;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ans = GENUINE();
		ASSERT_EQ(0, set(ans, cases[i].path, "id",
				 json_loads(cases[i].value, JSON_DECODE_ANY,
					    NULL)));
		EXPECT_REFUSED(EINVAL, cases[i].want, ans);
	}
}

/* A short buffer gets a terminated prefix; none at all is fine too. */
TEST_F(claim, small_error_buffer)
{
	char err[9];

	memset(err, 'x', sizeof(err));
	EXPECT_EQ(-EINVAL, claim_verify("[", 1, ALICE,
					&self->c->lr[WORLD_ALICE], NULL, err,
					sizeof(err)));
	EXPECT_STREQ("not JSON", err);
	EXPECT_EQ(-EINVAL, claim_verify("[", 1, ALICE,
					&self->c->lr[WORLD_ALICE], NULL, NULL,
					0));
	EXPECT_EQ(-EINVAL, claim_verify("{}", 2, NULL,
					&self->c->lr[WORLD_ALICE], NULL, err,
					sizeof(err)));
	EXPECT_EQ(-EINVAL, claim_verify("{}", 2, ALICE, NULL, NULL, err,
					sizeof(err)));
}

TEST_HARNESS_MAIN
