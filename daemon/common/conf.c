// SPDX-License-Identifier: GPL-2.0
/*
 * A `key = value` configuration file parser and value helpers (conf.h).
 * Input is untrusted bytes; tests/fuzz/conf_fuzz.c fuzzes it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct place {
	const char *name;	/* file name, or NULL */
	unsigned int line;
};

/*
 * "@name:@line: @msg" or "line @line: @msg" into @err. @msg may come from
 * a callback: anything but printable ASCII in it becomes '?'.
 */
static int fail(const struct place *p, int ret, char *err, size_t errlen,
		char *msg)
{
	char *c;

	if (!errlen)
		return ret;
	for (c = msg; *c; c++)
		if (*c < ' ' || *c > '~')
			*c = '?';
	if (p->name)
		snprintf(err, errlen, "%s:%u: %s", p->name, p->line, msg);
	else
		snprintf(err, errlen, "line %u: %s", p->line, msg);
	return ret;
}

static bool is_key_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

static bool is_blank(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* @c quoted if printable, else in hex: never a raw byte in a message. */
static const char *show(unsigned char c, char *buf, size_t len)
{
	if (c > ' ' && c < 0x7f && c != '\'')
		snprintf(buf, len, "'%c'", c);
	else
		snprintf(buf, len, "0x%02x", c);
	return buf;
}

/*
 * One line, @n bytes in @buf (room for a NUL after them). Returns 0 with
 * *key NULL for a blank or comment line, 0 with *key and *val set (NUL-
 * terminated in @buf), or -EINVAL with @msg.
 */
static int split_line(char *buf, size_t n, char **key, char **val,
		      char *msg, size_t msglen)
{
	char c[8];
	size_t i = 0, k, klen, v, e;

	*key = NULL;
	for (e = 0; e < n; e++) {
		unsigned char b = buf[e];

		if (b == '\0') {
			snprintf(msg, msglen, "NUL byte");
			return -EINVAL;
		}
		if ((b < ' ' && b != '\t') || b == 0x7f) {
			snprintf(msg, msglen, "control character %s",
				 show(b, c, sizeof(c)));
			return -EINVAL;
		}
	}
	while (i < n && is_blank(buf[i]))
		i++;
	if (i == n || buf[i] == '#')
		return 0;
	k = i;
	while (i < n && is_key_char(buf[i]))
		i++;
	klen = i - k;
	if (!klen) {
		snprintf(msg, msglen, "expected 'key = value'");
		return -EINVAL;
	}
	if (i < n && !is_blank(buf[i]) && buf[i] != '=') {
		snprintf(msg, msglen,
			 "invalid character %s in key (keys are a-z, 0-9, '-')",
			 show(buf[i], c, sizeof(c)));
		return -EINVAL;
	}
	while (i < n && is_blank(buf[i]))
		i++;
	if (i == n || buf[i] != '=') {
		buf[k + klen] = '\0';
		snprintf(msg, msglen, "expected '=' after key '%.64s%s'",
			 buf + k, klen > 64 ? "..." : "");
		return -EINVAL;
	}
	i++;
	while (i < n && is_blank(buf[i]))
		i++;
	v = i;
	e = n;
	while (e > v && is_blank(buf[e - 1]))
		e--;
	buf[k + klen] = '\0';
	buf[e] = '\0';
	*key = buf + k;
	*val = buf + v;
	return 0;
}

static int parse(const struct place *at, const char *text, size_t len,
		 int (*cb)(void *ctx, const char *key, const char *val,
			   unsigned int line, char *err, size_t errlen),
		 void *ctx, char *err, size_t errlen)
{
	char buf[CONF_MAX_LINE + 1], msg[256];
	struct place p = *at;
	size_t pos = 0, n;
	char *key, *val;
	const char *nl;
	int ret;

	if (errlen)
		err[0] = '\0';
	for (p.line = 1; pos < len; p.line++) {
		nl = memchr(text + pos, '\n', len - pos);
		n = (nl ? (size_t)(nl - text) : len) - pos;
		if (n && text[pos + n - 1] == '\r')
			n--;
		if (n > CONF_MAX_LINE) {
			snprintf(msg, sizeof(msg),
				 "line longer than %d bytes", CONF_MAX_LINE);
			return fail(&p, -EINVAL, err, errlen, msg);
		}
		memcpy(buf, text + pos, n);
		pos = nl ? (size_t)(nl - text) + 1 : len;
		ret = split_line(buf, n, &key, &val, msg, sizeof(msg));
		if (ret)
			return fail(&p, ret, err, errlen, msg);
		if (!key)
			continue;
		msg[0] = '\0';
		ret = cb(ctx, key, val, p.line, msg, sizeof(msg));
		msg[sizeof(msg) - 1] = '\0';
		if (ret < 0) {
			if (!msg[0])
				snprintf(msg, sizeof(msg), "%.64s: %s", key,
					 strerror(-ret));
			return fail(&p, ret, err, errlen, msg);
		}
	}
	return 0;
}

int conf_parse(const char *text, size_t len,
	       int (*cb)(void *ctx, const char *key, const char *val,
			 unsigned int line, char *err, size_t errlen),
	       void *ctx, char *err, size_t errlen)
{
	struct place p = { NULL, 0 };

	return parse(&p, text, len, cb, ctx, err, errlen);
}

/* All of @fd, at most CONF_MAX_FILE bytes, into a fresh buffer. */
static int read_all(int fd, char **out, size_t *len)
{
	size_t n = 0, cap = 4096;
	char *buf = malloc(cap), *p;
	ssize_t r;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (n == cap) {
			if (cap > CONF_MAX_FILE) {
				free(buf);
				return -EFBIG;
			}
			p = realloc(buf, cap * 2);
			if (!p) {
				free(buf);
				return -ENOMEM;
			}
			buf = p;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			r = -errno;
			free(buf);
			return (int)r;
		}
		if (!r)
			break;
		n += (size_t)r;
	}
	if (n > CONF_MAX_FILE) {
		free(buf);
		return -EFBIG;
	}
	*out = buf;
	*len = n;
	return 0;
}

int conf_load(const char *path,
	      int (*cb)(void *ctx, const char *key, const char *val,
			unsigned int line, char *err, size_t errlen),
	      void *ctx, char *err, size_t errlen)
{
	struct place p = { path, 0 };
	struct stat sb;
	char *text = NULL;
	size_t len = 0;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto fail;
	}
	if (fstat(fd, &sb)) {
		ret = -errno;
		goto fail;
	}
	if (S_ISDIR(sb.st_mode)) {
		ret = -EISDIR;
		goto fail;
	}
	ret = read_all(fd, &text, &len);
	if (ret) {
		if (ret == -EFBIG && errlen) {
			snprintf(err, errlen, "%s: larger than %d bytes", path,
				 CONF_MAX_FILE);
			goto out;
		}
		goto fail;
	}
	close(fd);
	fd = -1;
	ret = parse(&p, text, len, cb, ctx, err, errlen);
	goto out;
fail:
	if (errlen)
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
out:
	if (fd >= 0)
		close(fd);
	free(text);
	return ret;
}

/* Decimal digits at *s: 0 and *s past them, -EINVAL none, -ERANGE. */
static int parse_num(const char **s, uint64_t *out)
{
	const char *p = *s;
	uint64_t v = 0;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned int d = (unsigned int)(*p - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*s = p;
	*out = v;
	return 0;
}

int conf_u32(const char *val, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t v;
	int ret = parse_num(&val, &v);

	if (ret)
		return ret;
	if (*val)
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

struct unit {
	const char *name;
	uint64_t mult;
};

/* A number and one of @units (the first is "": no unit). */
static int scaled(const char *val, const struct unit *units, size_t n,
		  bool anycase, uint64_t *out)
{
	uint64_t v;
	size_t i;
	int ret = parse_num(&val, &v);

	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		if (anycase ? strcasecmp(val, units[i].name) :
			      strcmp(val, units[i].name))
			continue;
		if (v > UINT64_MAX / units[i].mult)
			return -ERANGE;
		*out = v * units[i].mult;
		return 0;
	}
	return -EINVAL;
}

int conf_duration_ms(const char *val, uint64_t *out)
{
	static const struct unit units[] = {
		{ "", 1 }, { "ms", 1 }, { "s", 1000 }, { "m", 60 * 1000 },
		{ "h", 3600 * 1000 }, { "d", 24 * 3600 * 1000 },
	};

	return scaled(val, units, ARRAY_SIZE(units), false, out);
}

int conf_size(const char *val, uint64_t *out)
{
	static const struct unit units[] = {
		{ "", 1 }, { "k", 1ULL << 10 }, { "m", 1ULL << 20 },
		{ "g", 1ULL << 30 },
	};

	return scaled(val, units, ARRAY_SIZE(units), true, out);
}

int conf_bool(const char *val, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(val, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(val, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}
