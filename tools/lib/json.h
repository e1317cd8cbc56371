/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small streaming JSON writer, shared by ternctl and tern-bench: objects,
 * arrays, strings (escaped, with invalid UTF-8 replaced by U+FFFD), unsigned
 * numbers, doubles, booleans and null.
 * Pretty output indents by two spaces; compact output is one line.
 */
#ifndef TERN_JSON_H
#define TERN_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH	16

struct json {
	FILE *f;
	bool pretty;
	bool after_key;		/* a key was written, its value is next */
	int depth;
	bool empty[JSON_MAX_DEPTH];	/* nothing yet in this container */
};

void json_init(struct json *j, FILE *f, bool pretty);
void json_obj_begin(struct json *j);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j);
void json_arr_end(struct json *j);
void json_key(struct json *j, const char *key);
void json_str(struct json *j, const char *s);
void json_u64(struct json *j, uint64_t v);
/* Printed with up to 6 significant digits; NaN and infinities as null. */
void json_dbl(struct json *j, double v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);

static inline void json_kv_str(struct json *j, const char *k, const char *v)
{
	json_key(j, k);
	json_str(j, v);
}

static inline void json_kv_u64(struct json *j, const char *k, uint64_t v)
{
	json_key(j, k);
	json_u64(j, v);
}

static inline void json_kv_bool(struct json *j, const char *k, bool v)
{
	json_key(j, k);
	json_bool(j, v);
}

static inline void json_kv_null(struct json *j, const char *k)
{
	json_key(j, k);
	json_null(j);
}

static inline void json_kv_dbl(struct json *j, const char *k, double v)
{
	json_key(j, k);
	json_dbl(j, v);
}

static inline void json_kv_obj(struct json *j, const char *k)
{
	json_key(j, k);
	json_obj_begin(j);
}

static inline void json_kv_arr(struct json *j, const char *k)
{
	json_key(j, k);
	json_arr_begin(j);
}

#endif /* TERN_JSON_H */
