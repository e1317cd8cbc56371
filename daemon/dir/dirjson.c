// SPDX-License-Identifier: GPL-2.0
/*
 * The directory's JSON for key transparency (dirjson.h), with jansson.
 * The decoders read what a peer sent: every field is looked up by name,
 * type-checked and length-checked, unknown fields are refused, and each
 * error names the field by its path. Nothing from the input reaches an
 * error message but field names, and those only as printable ASCII.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "dirjson.h"

/* Room for a field's path: ours, plus an index or two. */
#define NAME_LEN	192
/* The most of an unknown field's name an error shows. */
#define SHOW_KEY	32

/*
 * "@name: @fmt..." into @err (just the message when @name is empty).
 * Returns -EINVAL.
 */
static int fail(char *err, size_t errlen, const char *name,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, const char *name,
		const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!err || !errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (name && *name)
		snprintf(err, errlen, "%s: %s", name, msg);
	else
		snprintf(err, errlen, "%s", msg);
	return -EINVAL;
}

/* "@path.@key", or @key alone when @path is empty, into @buf. */
static const char *field(char *buf, const char *path, const char *key)
{
	if (!path || !*path)
		snprintf(buf, NAME_LEN, "%s", key);
	else
		snprintf(buf, NAME_LEN, "%s.%s", path, key);
	return buf;
}

/* The length of valid base64 @s once decoded. */
static size_t b64_decoded_len(const char *s)
{
	size_t len = strlen(s), pad = 0;

	if (len && s[len - 1] == '=')
		pad = s[len - 2] == '=' ? 2 : 1;
	return len / 4 * 3 - pad;
}

/* --- encoders ------------------------------------------------------- */

json_t *dirjson_bytes(const uint8_t *b, size_t n)
{
	json_t *s;
	char *buf;

	if (n >= SIZE_MAX / 2)
		return NULL;
	buf = malloc(B64_LEN(n) + 1);
	if (!buf)
		return NULL;
	b64_encode(b, n, buf);
	s = json_stringn_nocheck(buf, B64_LEN(n));
	free(buf);
	return s;
}

/* A JSON integer for @v; jansson's are signed 64-bit. */
static json_t *json_u64(uint64_t v)
{
	if (v > INT64_MAX)
		return NULL;
	return json_integer((json_int_t)v);
}

/* Sets @key of @o to @v (a new reference, stolen even on failure). */
static int put(json_t *o, const char *key, json_t *v)
{
	return v ? json_object_set_new(o, key, v) : -1;
}

json_t *dirjson_head(const struct kt_sth *sth)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	if (put(o, "size", json_u64(sth->size)) ||
	    put(o, "timestamp_ms", json_u64(sth->timestamp_ms)) ||
	    put(o, "root", dirjson_bytes(sth->root, KT_HASH_LEN)) ||
	    put(o, "signature", dirjson_bytes(sth->sig, KT_SIG_LEN))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *dirjson_hashes(const uint8_t (*h)[KT_HASH_LEN], size_t n)
{
	json_t *a = json_array();
	size_t i;

	if (!a)
		return NULL;
	for (i = 0; i < n; i++) {
		json_t *s = dirjson_bytes(h[i], KT_HASH_LEN);

		if (!s || json_array_append_new(a, s)) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static const char *const map_ends[] = {
	[KT_MAP_PRESENT] = "present",
	[KT_MAP_ABSENT_EMPTY] = "absent-empty",
	[KT_MAP_ABSENT_OTHER] = "absent-other",
};

json_t *dirjson_map_proof(const struct kt_map_proof *p)
{
	json_t *o;

	if ((unsigned int)p->end > KT_MAP_ABSENT_OTHER ||
	    p->nsib > KT_MAP_DEPTH)
		return NULL;
	o = json_object();
	if (!o)
		return NULL;
	if (put(o, "end", json_string(map_ends[p->end])) ||
	    put(o, "depth", json_integer(p->depth)) ||
	    put(o, "empty", dirjson_bytes(p->empty, sizeof(p->empty))) ||
	    put(o, "siblings", dirjson_hashes((const uint8_t (*)[KT_HASH_LEN])
					      p->sib, p->nsib)))
		goto fail;
	if (p->end == KT_MAP_ABSENT_OTHER &&
	    (put(o, "other_key", dirjson_bytes(p->other_key, KT_HASH_LEN)) ||
	     put(o, "other_value", dirjson_bytes(p->other_value,
						 KT_HASH_LEN))))
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

json_t *dirjson_device_id(const uint8_t id[ENTRY_ID_LEN])
{
	static const char digits[] = "0123456789abcdef";
	char hex[2 * ENTRY_ID_LEN];
	size_t i;

	for (i = 0; i < ENTRY_ID_LEN; i++) {
		hex[2 * i] = digits[id[i] >> 4];
		hex[2 * i + 1] = digits[id[i] & 15];
	}
	return json_stringn_nocheck(hex, sizeof(hex));
}

/* --- decoders ------------------------------------------------------- */

/* Exactly @n bytes of base64 from the value @v, named @name. */
static int get_bytes(const json_t *v, const char *name, uint8_t *out,
		     size_t n, char *err, size_t errlen)
{
	const char *s, *why;
	size_t got;

	if (!v)
		return fail(err, errlen, name, "missing");
	if (!json_is_string(v))
		return fail(err, errlen, name, "not a string");
	s = json_string_value(v);
	/* A NUL inside (JSON_ALLOW_NUL) would cut the string short. */
	if (strlen(s) != json_string_length(v))
		return fail(err, errlen, name, "not base64");
	why = b64_decode(s, out, n, &got);
	if (why && strcmp(why, "too long"))
		return fail(err, errlen, name, "%s", why);
	if (why)
		got = b64_decoded_len(s);
	if (got != n)
		return fail(err, errlen, name, "%zu bytes, want %zu", got, n);
	return 0;
}

int dirjson_get_bytes(const json_t *o, const char *path, const char *key,
		      uint8_t *out, size_t n, char *err, size_t errlen)
{
	char name[NAME_LEN];

	return get_bytes(json_object_get(o, key), field(name, path, key), out,
			 n, err, errlen);
}

int dirjson_get_u64(const json_t *o, const char *path, const char *key,
		    uint64_t *v, char *err, size_t errlen)
{
	const json_t *i = json_object_get(o, key);
	char name[NAME_LEN];

	field(name, path, key);
	if (!i)
		return fail(err, errlen, name, "missing");
	if (!json_is_integer(i))
		return fail(err, errlen, name, "not an integer");
	if (json_integer_value(i) < 0)
		return fail(err, errlen, name, "negative");
	*v = (uint64_t)json_integer_value(i);
	return 0;
}

int dirjson_get_u32(const json_t *o, const char *path, const char *key,
		    uint32_t *v, char *err, size_t errlen)
{
	char name[NAME_LEN];
	uint64_t u;
	int ret;

	ret = dirjson_get_u64(o, path, key, &u, err, errlen);
	if (ret)
		return ret;
	if (u > UINT32_MAX)
		return fail(err, errlen, field(name, path, key),
			    "above 4294967295");
	*v = (uint32_t)u;
	return 0;
}

/* @key as printable ASCII, shortened, for a message. */
static const char *show_key(const char *key, char *buf, size_t len)
{
	size_t i;

	for (i = 0; key[i] && i < SHOW_KEY && i + 4 < len; i++)
		buf[i] = key[i] >= ' ' && key[i] <= '~' ? key[i] : '?';
	if (key[i]) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

int dirjson_only(const json_t *o, const char *path, const char *const known[],
		 char *err, size_t errlen)
{
	char buf[SHOW_KEY + 4];
	const char *key;
	json_t *v;
	size_t i;

	if (!o)
		return fail(err, errlen, path, "missing");
	if (!json_is_object(o))
		return fail(err, errlen, path, "not an object");
	json_object_foreach((json_t *)o, key, v) {
		for (i = 0; known[i]; i++) {
			if (!strcmp(key, known[i]))
				break;
		}
		if (!known[i])
			return fail(err, errlen, path, "unknown field '%s'",
				    show_key(key, buf, sizeof(buf)));
	}
	return 0;
}

int dirjson_get_head(const json_t *o, const char *path, struct kt_sth *sth,
		     char *err, size_t errlen)
{
	static const char *const known[] = {
		"size", "timestamp_ms", "root", "signature", NULL
	};
	int ret;

	memset(sth, 0, sizeof(*sth));
	ret = dirjson_only(o, path, known, err, errlen);
	if (!ret)
		ret = dirjson_get_u64(o, path, "size", &sth->size, err,
				      errlen);
	if (!ret)
		ret = dirjson_get_u64(o, path, "timestamp_ms",
				      &sth->timestamp_ms, err, errlen);
	if (!ret)
		ret = dirjson_get_bytes(o, path, "root", sth->root,
					KT_HASH_LEN, err, errlen);
	if (!ret)
		ret = dirjson_get_bytes(o, path, "signature", sth->sig,
					KT_SIG_LEN, err, errlen);
	return ret;
}

int dirjson_get_hashes(const json_t *a, const char *path,
		       uint8_t (*h)[KT_HASH_LEN], size_t max, size_t *n,
		       char *err, size_t errlen)
{
	char name[NAME_LEN];
	size_t i, len;
	int ret;

	*n = 0;
	if (!a)
		return fail(err, errlen, path, "missing");
	if (!json_is_array(a))
		return fail(err, errlen, path, "not an array");
	len = json_array_size(a);
	if (len > max)
		return fail(err, errlen, path, "%zu hashes, at most %zu", len,
			    max);
	for (i = 0; i < len; i++) {
		snprintf(name, sizeof(name), "%s[%zu]", path ? path : "", i);
		ret = get_bytes(json_array_get(a, i), name, h[i], KT_HASH_LEN,
				err, errlen);
		if (ret)
			return ret;
	}
	*n = len;
	return 0;
}

int dirjson_get_map_proof(const json_t *o, const char *path,
			  struct kt_map_proof *p, char *err, size_t errlen)
{
	static const char *const known[] = {
		"end", "depth", "empty", "siblings", NULL
	};
	static const char *const known_other[] = {
		"end", "depth", "empty", "siblings", "other_key",
		"other_value", NULL
	};
	char name[NAME_LEN];
	const json_t *end;
	const char *s;
	size_t nsib;
	uint64_t depth;
	unsigned int e;
	int ret;

	memset(p, 0, sizeof(*p));
	if (!o)
		return fail(err, errlen, path, "missing");
	if (!json_is_object(o))
		return fail(err, errlen, path, "not an object");
	end = json_object_get(o, "end");
	field(name, path, "end");
	if (!end)
		return fail(err, errlen, name, "missing");
	if (!json_is_string(end))
		return fail(err, errlen, name, "not a string");
	s = json_string_value(end);
	for (e = 0; e <= KT_MAP_ABSENT_OTHER; e++) {
		if (!strcmp(s, map_ends[e]) &&
		    strlen(s) == json_string_length(end))
			break;
	}
	if (e > KT_MAP_ABSENT_OTHER)
		return fail(err, errlen, name,
			    "not present, absent-empty or absent-other");
	p->end = (enum kt_map_end)e;

	ret = dirjson_only(o, path, e == KT_MAP_ABSENT_OTHER ? known_other :
			   known, err, errlen);
	if (ret)
		return ret;
	ret = dirjson_get_u64(o, path, "depth", &depth, err, errlen);
	if (ret)
		return ret;
	if (depth > KT_MAP_DEPTH)
		return fail(err, errlen, field(name, path, "depth"),
			    "%llu is above %u", (unsigned long long)depth,
			    KT_MAP_DEPTH);
	p->depth = (uint16_t)depth;
	ret = dirjson_get_bytes(o, path, "empty", p->empty, sizeof(p->empty),
				err, errlen);
	if (ret)
		return ret;
	ret = dirjson_get_hashes(json_object_get(o, "siblings"),
				 field(name, path, "siblings"), p->sib,
				 KT_MAP_DEPTH, &nsib, err, errlen);
	if (ret)
		return ret;
	p->nsib = (uint16_t)nsib;
	if (e != KT_MAP_ABSENT_OTHER)
		return 0;
	ret = dirjson_get_bytes(o, path, "other_key", p->other_key,
				KT_HASH_LEN, err, errlen);
	if (!ret)
		ret = dirjson_get_bytes(o, path, "other_value",
					p->other_value, KT_HASH_LEN, err,
					errlen);
	return ret;
}

/* A lowercase hex digit's value, or -1. */
static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int dirjson_get_device_id(const json_t *o, const char *path, const char *key,
			  uint8_t id[ENTRY_ID_LEN], char *err, size_t errlen)
{
	const json_t *v = json_object_get(o, key);
	char name[NAME_LEN];
	const char *s;
	int hi, lo;
	size_t i;

	field(name, path, key);
	if (!v)
		return fail(err, errlen, name, "missing");
	if (!json_is_string(v))
		return fail(err, errlen, name, "not a string");
	s = json_string_value(v);
	if (json_string_length(v) != 2 * ENTRY_ID_LEN)
		goto bad;
	for (i = 0; i < ENTRY_ID_LEN; i++) {
		hi = hex_digit(s[2 * i]);
		lo = hex_digit(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			goto bad;
		id[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
bad:
	return fail(err, errlen, name, "not 32 lowercase hex digits");
}
