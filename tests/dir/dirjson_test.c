// SPDX-License-Identifier: GPL-2.0
/*
 * The directory's JSON (daemon/dir/dirjson.c): the encoders' exact shape
 * (Documentation/directory.rst, "The HTTP API"), round trips of heads,
 * hash lists, device ids and map proofs of each kind taken from a real
 * map, and every refusal of every decoder with the message that names
 * the field.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dirjson.h"
#include "kselftest_harness.h"
#include "kt_map.h"

#define H	KT_HASH_LEN

static json_t *parse(const char *s)
{
	return json_loads(s, JSON_REJECT_DUPLICATES, NULL);
}

/* @v dumped with sorted keys, compact; the caller frees. */
static char *dump(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

static void sample_head(struct kt_sth *s)
{
	memset(s, 0, sizeof(*s));
	s->size = 12;
	s->timestamp_ms = 1700000000123ULL;
	memset(s->root, 0xfb, sizeof(s->root));
	memset(s->sig, 0x3e, sizeof(s->sig));
}

TEST(bytes)
{
	json_t *v = dirjson_bytes((const uint8_t *)"foobar", 6);

	ASSERT_NE(NULL, v);
	EXPECT_STREQ("Zm9vYmFy", json_string_value(v));
	json_decref(v);
	v = dirjson_bytes(NULL, 0);
	ASSERT_NE(NULL, v);
	EXPECT_STREQ("", json_string_value(v));
	json_decref(v);
}

TEST(head_shape_and_round_trip)
{
	static const char want[] =
		"{\"root\":\"+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/s=\","
		"\"signature\":\"Pj4+Pj4+Pj4+Pj4+Pj4+Pj4+Pj4+Pj4+Pj4+Pj4+Pj4+"
		"Pj4+Pj4+Pj4+Pj4+Pj4+Pj4+Pj4+Pj4+Pj4+Pj4+Pg==\","
		"\"size\":12,\"timestamp_ms\":1700000000123}";
	struct kt_sth s, back;
	char err[128] = "", *text;
	json_t *v;

	sample_head(&s);
	v = dirjson_head(&s);
	ASSERT_NE(NULL, v);
	text = dump(v);
	EXPECT_STREQ(want, text);
	ASSERT_EQ(0, dirjson_get_head(v, "proof.head", &back, err,
				      sizeof(err)));
	EXPECT_STREQ("", err);
	EXPECT_EQ(0, memcmp(&s, &back, sizeof(s)));
	free(text);
	json_decref(v);

	/* The largest a JSON integer here can hold, and one past it. */
	s.size = INT64_MAX;
	v = dirjson_head(&s);
	ASSERT_NE(NULL, v);
	ASSERT_EQ(0, dirjson_get_head(v, "h", &back, err, sizeof(err)));
	EXPECT_EQ(INT64_MAX, back.size);
	json_decref(v);
	s.size = (uint64_t)INT64_MAX + 1;
	EXPECT_EQ(NULL, dirjson_head(&s));
}

/* Decoding @text as a head fails with @want. */
static int head_err(const char *text, const char *want, char *err,
		    size_t len)
{
	struct kt_sth s;
	json_t *v = parse(text);
	int ret;

	if (!v) {
		snprintf(err, len, "test JSON does not parse: %s", text);
		return 1;
	}
	ret = dirjson_get_head(v, "proof.head", &s, err, len);
	json_decref(v);
	if (ret != -EINVAL)
		return 2;
	return strcmp(err, want) ? 3 : 0;
}

#define ROOT	"\"root\":\"+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/s=\""
#define SIG	"\"signature\":\"Pj4+Pj4+Pj4+Pj4+Pj4+Pj4+Pj4+Pj4+Pj4+Pj4+" \
		"Pj4+Pj4+Pj4+Pj4+Pj4+Pj4+Pj4+Pj4+Pj4+Pj4+Pj4+Pg==\""

TEST(head_refusals)
{
	static const struct {
		const char *text, *err;
	} bad[] = {
		{ "[]", "proof.head: not an object" },
		{ "{" ROOT "," SIG ",\"timestamp_ms\":1}",
		  "proof.head.size: missing" },
		{ "{\"size\":-1," ROOT "," SIG ",\"timestamp_ms\":1}",
		  "proof.head.size: negative" },
		{ "{\"size\":1.0," ROOT "," SIG ",\"timestamp_ms\":1}",
		  "proof.head.size: not an integer" },
		{ "{\"size\":\"1\"," ROOT "," SIG ",\"timestamp_ms\":1}",
		  "proof.head.size: not an integer" },
		{ "{\"size\":true," ROOT "," SIG ",\"timestamp_ms\":1}",
		  "proof.head.size: not an integer" },
		{ "{\"size\":null," ROOT "," SIG ",\"timestamp_ms\":1}",
		  "proof.head.size: not an integer" },
		{ "{\"size\":1," ROOT "," SIG "}",
		  "proof.head.timestamp_ms: missing" },
		{ "{\"size\":1," ROOT "," SIG ",\"timestamp_ms\":1e3}",
		  "proof.head.timestamp_ms: not an integer" },
		{ "{\"size\":1," SIG ",\"timestamp_ms\":1}",
		  "proof.head.root: missing" },
		{ "{\"size\":1,\"root\":7," SIG ",\"timestamp_ms\":1}",
		  "proof.head.root: not a string" },
		{ "{\"size\":1,\"root\":\"+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/s\"," SIG ",\"timestamp_ms\":1}",
		  "proof.head.root: not base64" },
		{ "{\"size\":1,\"root\":\"-_v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/s=\"," SIG ",\"timestamp_ms\":1}",
		  "proof.head.root: not base64" },
		{ "{\"size\":1,\"root\":\"+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v=\"," SIG ",\"timestamp_ms\":1}",
		  "proof.head.root: not base64" },
		{ "{\"size\":1,\"root\":\"+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+w==\"," SIG ",\"timestamp_ms\":1}",
		  "proof.head.root: 31 bytes, want 32" },
		{ "{\"size\":1,\"root\":\"+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7\"," SIG ",\"timestamp_ms\":1}",
		  "proof.head.root: 33 bytes, want 32" },
		{ "{\"size\":1,\"root\":\"\"," SIG ",\"timestamp_ms\":1}",
		  "proof.head.root: 0 bytes, want 32" },
		{ "{\"size\":1," ROOT ",\"signature\":\"Zm9v\",\"timestamp_ms\":1}",
		  "proof.head.signature: 3 bytes, want 64" },
		{ "{\"size\":1," ROOT "," SIG ",\"timestamp_ms\":1,\"extra\":0}",
		  "proof.head: unknown field 'extra'" },
		{ "{\"Size\":1,\"size\":1," ROOT "," SIG ",\"timestamp_ms\":1}",
		  "proof.head: unknown field 'Size'" },
		{ "{\"size\":1," ROOT "," SIG ",\"timestamp_ms\":1,"
		  "\"\\u0007\\u00e9xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\":0}",
		  "proof.head: unknown field '???xxxxxxxxxxxxxxxxxxxxxxxxxxxxx...'" },
	};
	char err[160];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(err, 0, sizeof(err));
		EXPECT_EQ(0, head_err(bad[i].text, bad[i].err, err,
				      sizeof(err)))
			TH_LOG("%s: got \"%s\"", bad[i].text, err);
	}
}

/* The error buffer: NULL, tiny, or just right; never overrun. */
TEST(error_buffer)
{
	json_t *v = parse("{\"size\":-5}");
	struct kt_sth s;
	char err[8];

	ASSERT_NE(NULL, v);
	EXPECT_EQ(-EINVAL, dirjson_get_head(v, "proof.head", &s, NULL, 0));
	memset(err, 'x', sizeof(err));
	EXPECT_EQ(-EINVAL, dirjson_get_head(v, "proof.head", &s, err, 4));
	EXPECT_STREQ("pro", err);
	EXPECT_EQ('x', err[4]);
	json_decref(v);
}

TEST(integers)
{
	json_t *o = parse("{\"a\":0,\"b\":4294967295,\"c\":4294967296,"
			  "\"d\":9223372036854775807,\"e\":-0,\"f\":-1,"
			  "\"g\":0.0,\"h\":\"5\"}");
	char err[96];
	uint64_t u64;
	uint32_t u32;

	ASSERT_NE(NULL, o);
	EXPECT_EQ(0, dirjson_get_u32(o, "x", "a", &u32, err, sizeof(err)));
	EXPECT_EQ(0, u32);
	EXPECT_EQ(0, dirjson_get_u32(o, "x", "b", &u32, err, sizeof(err)));
	EXPECT_EQ(UINT32_MAX, u32);
	EXPECT_EQ(-EINVAL, dirjson_get_u32(o, "x", "c", &u32, err,
					   sizeof(err)));
	EXPECT_STREQ("x.c: above 4294967295", err);
	EXPECT_EQ(0, dirjson_get_u64(o, "x", "c", &u64, err, sizeof(err)));
	EXPECT_EQ(4294967296ULL, u64);
	EXPECT_EQ(0, dirjson_get_u64(o, "x", "d", &u64, err, sizeof(err)));
	EXPECT_EQ((uint64_t)INT64_MAX, u64);
	EXPECT_EQ(0, dirjson_get_u64(o, "x", "e", &u64, err, sizeof(err)));
	EXPECT_EQ(0, u64);
	EXPECT_EQ(-EINVAL, dirjson_get_u64(o, "x", "f", &u64, err,
					   sizeof(err)));
	EXPECT_STREQ("x.f: negative", err);
	EXPECT_EQ(-EINVAL, dirjson_get_u64(o, "x", "g", &u64, err,
					   sizeof(err)));
	EXPECT_STREQ("x.g: not an integer", err);
	EXPECT_EQ(-EINVAL, dirjson_get_u32(o, "x", "h", &u32, err,
					   sizeof(err)));
	EXPECT_STREQ("x.h: not an integer", err);
	EXPECT_EQ(-EINVAL, dirjson_get_u32(o, "", "zz", &u32, err,
					   sizeof(err)));
	EXPECT_STREQ("zz: missing", err);
	json_decref(o);
	/* Past 2^63 - 1 jansson itself refuses the text. */
	EXPECT_EQ(NULL, parse("{\"a\":9223372036854775808}"));
}

TEST(only)
{
	static const char *const known[] = { "a", "b", NULL };
	json_t *o = parse("{\"a\":1,\"b\":2}");
	char err[96];

	ASSERT_NE(NULL, o);
	EXPECT_EQ(0, dirjson_only(o, "p", known, err, sizeof(err)));
	ASSERT_EQ(0, json_object_set_new(o, "c", json_null()));
	EXPECT_EQ(-EINVAL, dirjson_only(o, "p", known, err, sizeof(err)));
	EXPECT_STREQ("p: unknown field 'c'", err);
	EXPECT_EQ(-EINVAL, dirjson_only(o, "", known, err, sizeof(err)));
	EXPECT_STREQ("unknown field 'c'", err);
	json_decref(o);
	o = json_array();
	EXPECT_EQ(-EINVAL, dirjson_only(o, "p.q", known, err, sizeof(err)));
	EXPECT_STREQ("p.q: not an object", err);
	EXPECT_EQ(-EINVAL, dirjson_only(NULL, "p.q", known, err, sizeof(err)));
	EXPECT_STREQ("p.q: missing", err);
	json_decref(o);
	/* An empty object is fine with any list. */
	o = json_object();
	EXPECT_EQ(0, dirjson_only(o, "p", known, err, sizeof(err)));
	json_decref(o);
}

TEST(hashes)
{
	uint8_t h[5][H], back[5][H];
	char err[96], *text;
	json_t *a;
	size_t n, i;

	for (i = 0; i < 5; i++)
		memset(h[i], (int)(i * 0x11), H);
	a = dirjson_hashes((const uint8_t (*)[H])h, 5);
	ASSERT_NE(NULL, a);
	ASSERT_EQ(5, json_array_size(a));
	EXPECT_STREQ("ERERERERERERERERERERERERERERERERERERERERERE=",
		     json_string_value(json_array_get(a, 1)));
	ASSERT_EQ(0, dirjson_get_hashes(a, "proof.inclusion", back, 5, &n,
					err, sizeof(err)));
	EXPECT_EQ(5, n);
	EXPECT_EQ(0, memcmp(h, back, sizeof(h)));
	/* More than allowed. */
	EXPECT_EQ(-EINVAL, dirjson_get_hashes(a, "proof.inclusion", back, 4,
					      &n, err, sizeof(err)));
	EXPECT_STREQ("proof.inclusion: 5 hashes, at most 4", err);
	EXPECT_EQ(0, n);
	/* One bad item is named by its index. */
	ASSERT_EQ(0, json_array_set_new(a, 3, json_string("AAAA!AAA")));
	EXPECT_EQ(-EINVAL, dirjson_get_hashes(a, "proof.map.siblings", back,
					      5, &n, err, sizeof(err)));
	EXPECT_STREQ("proof.map.siblings[3]: not base64", err);
	ASSERT_EQ(0, json_array_set_new(a, 3, json_integer(3)));
	EXPECT_EQ(-EINVAL, dirjson_get_hashes(a, "proof.map.siblings", back,
					      5, &n, err, sizeof(err)));
	EXPECT_STREQ("proof.map.siblings[3]: not a string", err);
	ASSERT_EQ(0, json_array_set_new(a, 3, json_string("AAAA")));
	EXPECT_EQ(-EINVAL, dirjson_get_hashes(a, "proof.map.siblings", back,
					      5, &n, err, sizeof(err)));
	EXPECT_STREQ("proof.map.siblings[3]: 3 bytes, want 32", err);
	json_decref(a);

	a = dirjson_hashes(NULL, 0);
	ASSERT_NE(NULL, a);
	text = dump(a);
	EXPECT_STREQ("[]", text);
	free(text);
	EXPECT_EQ(0, dirjson_get_hashes(a, "x", back, 0, &n, err,
					sizeof(err)));
	EXPECT_EQ(0, n);
	json_decref(a);
	a = json_object();
	EXPECT_EQ(-EINVAL, dirjson_get_hashes(a, "x", back, 5, &n, err,
					      sizeof(err)));
	EXPECT_STREQ("x: not an array", err);
	EXPECT_EQ(-EINVAL, dirjson_get_hashes(NULL, "x", back, 5, &n, err,
					      sizeof(err)));
	EXPECT_STREQ("x: missing", err);
	json_decref(a);
}

TEST(device_id)
{
	static const uint8_t id[16] = {
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
		0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
	};
	static const char *const bad[] = {
		"00112233445566778899AABBCCDDEEFF",
		"00112233445566778899aabbccddeef",
		"00112233445566778899aabbccddeeff0",
		"00112233445566778899aabbccddeefg",
		" 0112233445566778899aabbccddeeff",
		"",
	};
	uint8_t back[16];
	char err[96];
	json_t *o = json_object(), *v = dirjson_device_id(id);
	size_t i;

	ASSERT_NE(NULL, v);
	EXPECT_STREQ("00112233445566778899aabbccddeeff", json_string_value(v));
	ASSERT_EQ(0, json_object_set_new(o, "device_id", v));
	ASSERT_EQ(0, dirjson_get_device_id(o, "d", "device_id", back, err,
					   sizeof(err)));
	EXPECT_EQ(0, memcmp(id, back, 16));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_object_set_new(o, "device_id", json_string(bad[i]));
		EXPECT_EQ(-EINVAL, dirjson_get_device_id(o, "d", "device_id",
							 back, err,
							 sizeof(err)));
		EXPECT_STREQ("d.device_id: not 32 lowercase hex digits", err)
			TH_LOG("'%s'", bad[i]);
	}
	json_object_set_new(o, "device_id", json_integer(1));
	EXPECT_EQ(-EINVAL, dirjson_get_device_id(o, "d", "device_id", back,
						 err, sizeof(err)));
	EXPECT_STREQ("d.device_id: not a string", err);
	EXPECT_EQ(-EINVAL, dirjson_get_device_id(o, "d", "id", back, err,
						 sizeof(err)));
	EXPECT_STREQ("d.id: missing", err);
	json_decref(o);
}

/* A map with @n keys (key i: bytes i); keys present and absent. */
static struct kt_map *sample_map(unsigned int n)
{
	struct kt_map *m = kt_map_new();
	uint8_t k[H], v[H];
	unsigned int i;

	for (i = 0; m && i < n; i++) {
		memset(k, (int)(i * 37 + 1), H);
		memset(v, (int)i, H);
		if (kt_map_set(m, k, v)) {
			kt_map_free(m);
			return NULL;
		}
	}
	return m;
}

/* Finds a key whose proof ends in @end. */
static int proof_of(struct kt_map *m, enum kt_map_end end,
		    struct kt_map_proof *p, uint8_t key[H])
{
	unsigned int i;

	for (i = 0; i < 4096; i++) {
		memset(key, 0, H);
		key[0] = (uint8_t)i;
		key[1] = (uint8_t)(i >> 8);
		if (i < 256)
			memset(key, (int)i, H);
		if (kt_map_prove(m, key, p))
			return -1;
		if (p->end == end)
			return 0;
	}
	return -1;
}

TEST(map_proof_round_trip)
{
	static const char *const ends[] = {
		"present", "absent-empty", "absent-other",
	};
	struct kt_map_proof *p = malloc(sizeof(*p)), *back = malloc(sizeof(*back));
	struct kt_map *m = sample_map(40);
	uint8_t key[H], root[H], v[H];
	char err[96];
	json_t *o;
	unsigned int e;

	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, back);
	ASSERT_NE(NULL, m);
	kt_map_root(m, root);
	for (e = KT_MAP_PRESENT; e <= KT_MAP_ABSENT_OTHER; e++) {
		ASSERT_EQ(0, proof_of(m, e, p, key)) TH_LOG("end %u", e);
		o = dirjson_map_proof(p);
		ASSERT_NE(NULL, o);
		EXPECT_STREQ(ends[e],
			     json_string_value(json_object_get(o, "end")));
		EXPECT_EQ(p->depth,
			  json_integer_value(json_object_get(o, "depth")));
		EXPECT_EQ(p->nsib, json_array_size(json_object_get(o,
							"siblings")));
		EXPECT_EQ(e == KT_MAP_ABSENT_OTHER ? 6 : 4, json_object_size(o));
		ASSERT_EQ(0, dirjson_get_map_proof(o, "proof.map", back, err,
						   sizeof(err)))
			TH_LOG("%s", err);
		EXPECT_EQ(p->end, back->end);
		EXPECT_EQ(p->depth, back->depth);
		EXPECT_EQ(p->nsib, back->nsib);
		EXPECT_EQ(0, memcmp(p->empty, back->empty, sizeof(p->empty)));
		EXPECT_EQ(0, memcmp(p->sib, back->sib, p->nsib * (size_t)H));
		EXPECT_EQ(0, memcmp(p->other_key, back->other_key, H));
		EXPECT_EQ(0, memcmp(p->other_value, back->other_value, H));
		/* And it still proves what it proved. */
		if (e == KT_MAP_PRESENT) {
			ASSERT_EQ(0, kt_map_get(m, key, v));
			EXPECT_EQ(0, kt_map_verify(root, key, v, back));
		} else {
			EXPECT_EQ(0, kt_map_verify(root, key, NULL, back));
		}
		json_decref(o);
	}
	kt_map_free(m);
	free(p);
	free(back);
}

/* Decoding @text as a map proof fails with @want. */
static int map_err(const char *text, const char *want, char *err,
		   size_t len)
{
	struct kt_map_proof *p = malloc(sizeof(*p));
	json_t *v = parse(text);
	int ret = 1;

	if (!v || !p) {
		snprintf(err, len, "test JSON does not parse: %s", text);
		goto out;
	}
	ret = dirjson_get_map_proof(v, "proof.map", p, err, len) != -EINVAL ?
	      2 : strcmp(err, want) ? 3 : 0;
out:
	json_decref(v);
	free(p);
	return ret;
}

#define EMPTY	"\"empty\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\""
#define HASH	"\"ERERERERERERERERERERERERERERERERERERERERERE=\""

TEST(map_proof_refusals)
{
	static const struct {
		const char *text, *err;
	} bad[] = {
		{ "[]", "proof.map: not an object" },
		{ "{\"depth\":0," EMPTY ",\"siblings\":[]}",
		  "proof.map.end: missing" },
		{ "{\"end\":1,\"depth\":0," EMPTY ",\"siblings\":[]}",
		  "proof.map.end: not a string" },
		{ "{\"end\":\"Present\",\"depth\":0," EMPTY ",\"siblings\":[]}",
		  "proof.map.end: not present, absent-empty or absent-other" },
		{ "{\"end\":\"present\",\"depth\":0," EMPTY ",\"siblings\":[],\"x\":1}",
		  "proof.map: unknown field 'x'" },
		{ "{\"end\":\"present\",\"depth\":0," EMPTY ",\"siblings\":[],\"other_key\":" HASH "}",
		  "proof.map: unknown field 'other_key'" },
		{ "{\"end\":\"absent-empty\",\"depth\":0," EMPTY ",\"siblings\":[],\"other_value\":" HASH "}",
		  "proof.map: unknown field 'other_value'" },
		{ "{\"end\":\"present\"," EMPTY ",\"siblings\":[]}",
		  "proof.map.depth: missing" },
		{ "{\"end\":\"present\",\"depth\":257," EMPTY ",\"siblings\":[]}",
		  "proof.map.depth: 257 is above 256" },
		{ "{\"end\":\"present\",\"depth\":-1," EMPTY ",\"siblings\":[]}",
		  "proof.map.depth: negative" },
		{ "{\"end\":\"present\",\"depth\":1,\"siblings\":[]}",
		  "proof.map.empty: missing" },
		{ "{\"end\":\"present\",\"depth\":1,\"empty\":\"AAAA\",\"siblings\":[]}",
		  "proof.map.empty: 3 bytes, want 32" },
		{ "{\"end\":\"present\",\"depth\":1," EMPTY "}",
		  "proof.map.siblings: missing" },
		{ "{\"end\":\"present\",\"depth\":1," EMPTY ",\"siblings\":{}}",
		  "proof.map.siblings: not an array" },
		{ "{\"end\":\"present\",\"depth\":1," EMPTY ",\"siblings\":[" HASH "," HASH "," HASH ",\"AA!=\"]}",
		  "proof.map.siblings[3]: not base64" },
		{ "{\"end\":\"absent-other\",\"depth\":1," EMPTY ",\"siblings\":[" HASH "],\"other_value\":" HASH "}",
		  "proof.map.other_key: missing" },
		{ "{\"end\":\"absent-other\",\"depth\":1," EMPTY ",\"siblings\":[" HASH "],\"other_key\":" HASH "}",
		  "proof.map.other_value: missing" },
		{ "{\"end\":\"absent-other\",\"depth\":1," EMPTY ",\"siblings\":[" HASH "],\"other_key\":" HASH ",\"other_value\":\"\"}",
		  "proof.map.other_value: 0 bytes, want 32" },
	};
	char err[160];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(err, 0, sizeof(err));
		EXPECT_EQ(0, map_err(bad[i].text, bad[i].err, err,
				     sizeof(err)))
			TH_LOG("%s: got \"%s\"", bad[i].text, err);
	}
}

/* 256 siblings are allowed (a full path); 257 are not. */
TEST(map_proof_limits)
{
	struct kt_map_proof *p = calloc(1, sizeof(*p));
	char err[96];
	json_t *o, *s;

	ASSERT_NE(NULL, p);
	p->end = KT_MAP_ABSENT_EMPTY;
	p->depth = KT_MAP_DEPTH;
	p->nsib = KT_MAP_DEPTH;
	o = dirjson_map_proof(p);
	ASSERT_NE(NULL, o);
	EXPECT_EQ(0, dirjson_get_map_proof(o, "m", p, err, sizeof(err)));
	EXPECT_EQ(KT_MAP_DEPTH, p->nsib);
	s = json_object_get(o, "siblings");
	json_array_append_new(s, json_string(
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="));
	EXPECT_EQ(-EINVAL, dirjson_get_map_proof(o, "m", p, err,
						 sizeof(err)));
	EXPECT_STREQ("m.siblings: 257 hashes, at most 256", err);
	json_decref(o);
	/* The encoder will not write what the decoder would refuse. */
	p->nsib = KT_MAP_DEPTH + 1;
	EXPECT_EQ(NULL, dirjson_map_proof(p));
	p->nsib = 0;
	p->end = (enum kt_map_end)3;
	EXPECT_EQ(NULL, dirjson_map_proof(p));
	free(p);
}

TEST(bytes_getter)
{
	json_t *o = parse("{\"k\":\"Zm9vYg==\",\"n\":null,\"t\":\"\"}");
	uint8_t out[8];
	char err[96];

	ASSERT_NE(NULL, o);
	EXPECT_EQ(0, dirjson_get_bytes(o, "a.b", "k", out, 4, err,
				       sizeof(err)));
	EXPECT_EQ(0, memcmp(out, "foob", 4));
	EXPECT_EQ(-EINVAL, dirjson_get_bytes(o, "a.b", "k", out, 3, err,
					     sizeof(err)));
	EXPECT_STREQ("a.b.k: 4 bytes, want 3", err);
	EXPECT_EQ(-EINVAL, dirjson_get_bytes(o, "a.b", "k", out, 5, err,
					     sizeof(err)));
	EXPECT_STREQ("a.b.k: 4 bytes, want 5", err);
	EXPECT_EQ(-EINVAL, dirjson_get_bytes(o, "a.b", "n", out, 5, err,
					     sizeof(err)));
	EXPECT_STREQ("a.b.n: not a string", err);
	EXPECT_EQ(0, dirjson_get_bytes(o, "a.b", "t", out, 0, err,
				       sizeof(err)));
	json_decref(o);
	/* A NUL inside the string (only with JSON_ALLOW_NUL). */
	o = json_loads("{\"k\":\"Zm9v\\u0000Yg==\"}", JSON_ALLOW_NUL, NULL);
	ASSERT_NE(NULL, o);
	EXPECT_EQ(-EINVAL, dirjson_get_bytes(o, "", "k", out, 3, err,
					     sizeof(err)));
	EXPECT_STREQ("k: not base64", err);
	json_decref(o);
}

TEST_HARNESS_MAIN
