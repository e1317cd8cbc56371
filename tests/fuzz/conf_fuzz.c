// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the configuration parser (daemon/common/conf.c).
 *
 * An input is one configuration byte and then the file's text:
 *
 *   cfg    bits 0-2  the error buffer's size, one of errlens[] (0: none)
 *          bits 3-6  the callback refuses the Nth pair (0: never)
 *          bit 7     and writes a message with the pair's value in it
 *                    (raw bytes, which must not reach the error string)
 *
 * The text is parsed from a heap block of exactly its size (ASan sees a
 * read past it) and, independently, by a straightforward reading of the
 * grammar in conf.h. Any difference aborts, which libFuzzer reports:
 *
 *  - the callback sees the pairs of the reading, in order, with their
 *    line numbers: keys [a-z0-9-]+, values without control characters or
 *    blanks at either end;
 *  - conf_parse() fails exactly where the reading meets the first bad
 *    line, or where the callback refuses, with that error, and the
 *    message starts "line N: ";
 *  - the error string stays inside its buffer, is terminated, and holds
 *    printable ASCII only; with no buffer nothing is written;
 *  - conf_u32(), conf_duration_ms(), conf_size() and conf_bool() agree
 *    with a reading of their own on every value.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"

#define CFG_LEN	1
#define REFUSED	(-ERANGE)

static const size_t errlens[8] = { 0, 1, 2, 9, 16, 64, 256, 1024 };

#define fail(...) do {							\
	fprintf(stderr, "conf_fuzz: " __VA_ARGS__);			\
	fputc('\n', stderr);						\
	abort();							\
} while (0)

struct pair {
	const uint8_t *key, *val;
	size_t klen, vlen;
	unsigned int line;
};

struct model {
	struct pair *pairs;
	size_t n;
	unsigned int bad_line;	/* the first malformed line, 0: none */
};

static bool blank(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static bool keych(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/* One line, s[0..n): 1 a pair, 0 nothing, -1 malformed. */
static int model_line(const uint8_t *s, size_t n, struct pair *p)
{
	size_t i = 0, e = n;

	if (n > CONF_MAX_LINE)
		return -1;
	for (i = 0; i < n; i++)
		if (!s[i] || (s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
			return -1;
	for (i = 0; i < n && blank(s[i]); i++)
		;
	if (i == n || s[i] == '#')
		return 0;
	p->key = s + i;
	while (i < n && keych(s[i]))
		i++;
	p->klen = (size_t)(s + i - p->key);
	if (!p->klen)
		return -1;
	while (i < n && blank(s[i]))
		i++;
	if (i == n || s[i] != '=')
		return -1;
	for (i++; i < n && blank(s[i]); i++)
		;
	while (e > i && blank(s[e - 1]))
		e--;
	p->val = s + i;
	p->vlen = e - i;
	return 1;
}

static void model(const uint8_t *s, size_t n, struct model *m)
{
	unsigned int line = 1;
	size_t pos = 0;

	m->n = 0;
	m->bad_line = 0;
	while (pos < n) {
		const uint8_t *nl = memchr(s + pos, '\n', n - pos);
		size_t end = nl ? (size_t)(nl - s) : n, len = end - pos;
		int r;

		if (len && s[end - 1] == '\r')
			len--;
		r = model_line(s + pos, len, &m->pairs[m->n]);
		if (r < 0) {
			m->bad_line = line;
			return;
		}
		if (r) {
			m->pairs[m->n].line = line;
			m->n++;
		}
		pos = end + 1;
		line++;
	}
}

/* --- values ------------------------------------------------------------ */

/* Digits then the rest: 0 ok, -EINVAL no digits, -ERANGE overflow. */
static int ref_num(const char *s, const char **rest, uint64_t *v)
{
	bool over = false;

	*v = 0;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++)
		over |= __builtin_mul_overflow(*v, 10, v) ||
			__builtin_add_overflow(*v, (uint64_t)(*s - '0'), v);
	*rest = s;
	return over ? -ERANGE : 0;
}

static int ref_scaled(const char *s, const char *const *units,
		      const uint64_t *mult, size_t n, bool anycase,
		      uint64_t *out)
{
	const char *rest;
	uint64_t v;
	size_t i;
	int r = ref_num(s, &rest, &v);

	if (r)
		return r;
	for (i = 0; i < n; i++) {
		if (anycase ? strcasecmp(rest, units[i]) :
			      strcmp(rest, units[i]))
			continue;
		if (__builtin_mul_overflow(v, mult[i], out))
			return -ERANGE;
		return 0;
	}
	return -EINVAL;
}

static void check_values(const char *val)
{
	static const char *const dunits[] = { "", "ms", "s", "m", "h", "d" };
	static const uint64_t dmult[] = { 1, 1, 1000, 60000, 3600000,
					  86400000 };
	static const char *const sunits[] = { "", "k", "m", "g" };
	static const uint64_t smult[] = { 1, 1024, 1048576, 1073741824 };
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	uint64_t got = 7, want = 0;
	const char *rest;
	uint32_t u = 7;
	int r, w;
	size_t i;
	bool b = false, bw = false;

	w = ref_num(val, &rest, &want);
	if (!w && *rest)
		w = -EINVAL;
	if (!w && want > 1000)
		w = -ERANGE;
	if (!w && want < 1)
		w = -ERANGE;
	r = conf_u32(val, 1, 1000, &u);
	if (r != w || (!r && u != want) || (r && u != 7))
		fail("conf_u32(1..1000) = %d (%u), expected %d", r, u, w);

	w = ref_scaled(val, dunits, dmult, 6, false, &want);
	r = conf_duration_ms(val, &got);
	if (r != w || (!r && got != want))
		fail("conf_duration_ms = %d (%llu), expected %d (%llu)", r,
		     (unsigned long long)got, w, (unsigned long long)want);

	w = ref_scaled(val, sunits, smult, 4, true, &want);
	r = conf_size(val, &got);
	if (r != w || (!r && got != want))
		fail("conf_size = %d (%llu), expected %d (%llu)", r,
		     (unsigned long long)got, w, (unsigned long long)want);

	w = -EINVAL;
	for (i = 0; i < 4; i++) {
		if (!strcasecmp(val, yes[i]) || !strcasecmp(val, no[i])) {
			w = 0;
			bw = !strcasecmp(val, yes[i]);
		}
	}
	r = conf_bool(val, &b);
	if (r != w || (!r && b != bw))
		fail("conf_bool = %d, expected %d", r, w);
}

/* --- the callback ------------------------------------------------------ */

struct run {
	const struct model *m;
	size_t seen;
	unsigned int refuse;	/* 1-based pair to refuse, 0: none */
	bool with_msg;
};

static int cb(void *ctx, const char *key, const char *val,
	      unsigned int line, char *err, size_t errlen)
{
	struct run *r = ctx;
	const struct pair *p;
	size_t i, klen = strlen(key), vlen = strlen(val);

	if (r->seen >= r->m->n)
		fail("pair %zu at line %u: the text has %zu", r->seen + 1,
		     line, r->m->n);
	p = &r->m->pairs[r->seen++];
	if (line != p->line)
		fail("pair %zu at line %u, the text has it at %u", r->seen,
		     line, p->line);
	if (klen != p->klen || memcmp(key, p->key, klen))
		fail("pair %zu: key differs from the text", r->seen);
	if (vlen != p->vlen || memcmp(val, p->val, vlen))
		fail("pair %zu: value differs from the text", r->seen);
	for (i = 0; i < klen; i++)
		if (!keych((uint8_t)key[i]))
			fail("pair %zu: key byte %#x", r->seen, key[i]);
	if (vlen && (blank(val[0]) || blank(val[vlen - 1])))
		fail("pair %zu: value not trimmed", r->seen);
	for (i = 0; i < vlen; i++)
		if (((uint8_t)val[i] < 0x20 && val[i] != '\t') ||
		    val[i] == 0x7f)
			fail("pair %zu: control byte in value", r->seen);
	if (!errlen)
		fail("callback given no room for a message");

	check_values(val);
	if (r->refuse && r->seen == r->refuse) {
		if (r->with_msg)
			snprintf(err, errlen, "bad value '%s' for %s", val,
				 key);
		return REFUSED;
	}
	return 0;
}

static void check_err(const char *err, size_t errlen, int ret,
		      unsigned int line)
{
	char want[32];
	size_t n, i;

	n = strnlen(err, errlen);
	if (n == errlen)
		fail("error string not terminated in %zu bytes", errlen);
	for (i = 0; i < n; i++)
		if (err[i] < ' ' || err[i] > '~')
			fail("error string byte %zu is %#x", i,
			     (uint8_t)err[i]);
	if (!ret) {
		if (n)
			fail("success with an error string");
		return;
	}
	snprintf(want, sizeof(want), "line %u: ", line);
	if (strncmp(err, want, errlen - 1 < strlen(want) ? errlen - 1 :
		    strlen(want)))
		fail("error \"%s\" is not at line %u", err, line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct model m;
	struct run r = { 0 };
	size_t n, errlen;
	char *text, *err;
	unsigned int line;
	int ret, want;

	if (size < CFG_LEN)
		return -1;
	errlen = errlens[data[0] & 7];
	r.refuse = (data[0] >> 3) & 15;
	r.with_msg = data[0] & 0x80;
	n = size - CFG_LEN;

	/* Exactly the text: ASan catches a read past it. */
	text = malloc(n ? n : 1);
	m.pairs = malloc((n / 2 + 1) * sizeof(*m.pairs));
	err = malloc(errlen + 1);
	if (!text || !m.pairs || !err)
		fail("out of memory");
	memcpy(text, data + CFG_LEN, n);
	memset(err, 0x5a, errlen + 1);
	model((const uint8_t *)text, n, &m);
	r.m = &m;

	ret = conf_parse(text, n, cb, &r, errlen ? err : NULL, errlen);

	if (r.refuse && r.refuse <= m.n) {
		want = REFUSED;
		line = m.pairs[r.refuse - 1].line;
		if (r.seen != r.refuse)
			fail("%zu pairs seen, refused at %u", r.seen,
			     r.refuse);
	} else {
		want = m.bad_line ? -EINVAL : 0;
		line = m.bad_line;
		if (r.seen != m.n)
			fail("%zu pairs seen of %zu", r.seen, m.n);
	}
	if (ret != want)
		fail("conf_parse returned %d, expected %d (line %u)", ret,
		     want, line);
	if (err[errlen] != 0x5a)
		fail("wrote past the error buffer of %zu bytes", errlen);
	if (errlen)
		check_err(err, errlen, ret, line);

	free(err);
	free(m.pairs);
	free(text);
	return 0;
}
