// SPDX-License-Identifier: GPL-2.0
/*
 * Configuration files (daemon/common/conf.c): the `key = value` grammar,
 * comments, blanks and CRLF, every malformed-line message with its place,
 * callback errors, conf_load()'s file errors, and the value helpers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "kselftest_harness.h"

#define ERRLEN	512
#define MAXKV	16

struct kv {
	unsigned int n;
	char key[MAXKV][64];
	char val[MAXKV][128];
	unsigned int line[MAXKV];
	const char *fail_key;	/* refuse this key ... */
	const char *fail_msg;	/* ... with this message (or none) */
};

static int record(void *ctx, const char *key, const char *val,
		  unsigned int line, char *err, size_t errlen)
{
	struct kv *kv = ctx;

	if (kv->fail_key && !strcmp(key, kv->fail_key)) {
		if (kv->fail_msg)
			snprintf(err, errlen, "%s", kv->fail_msg);
		return -ERANGE;
	}
	if (kv->n == MAXKV)
		return -E2BIG;
	snprintf(kv->key[kv->n], sizeof(kv->key[0]), "%s", key);
	snprintf(kv->val[kv->n], sizeof(kv->val[0]), "%s", val);
	kv->line[kv->n] = line;
	kv->n++;
	return 0;
}

static int parse(const char *text, struct kv *kv, char *err)
{
	return conf_parse(text, strlen(text), record, kv, err, ERRLEN);
}

TEST(grammar)
{
	static const char text[] =
		"# tern-gatewayd\n"
		"\n"
		"listen = 0.0.0.0:5223\n"
		"   max-queue=10000   \n"
		"\t# indented comment\n"
		"cert\t=\t/etc/tern/cert.pem\t\n"
		"detail = a value # with a hash and  spaces\r\n"
		"empty =\n"
		"   \t  \n"
		"a1-b2 = =x=\n"
		"last = no newline";
	struct kv kv = { 0 };
	char err[ERRLEN] = "";

	ASSERT_EQ(0, parse(text, &kv, err)) TH_LOG("%s", err);
	ASSERT_EQ(7, kv.n);
	EXPECT_STREQ("listen", kv.key[0]);
	EXPECT_STREQ("0.0.0.0:5223", kv.val[0]);
	EXPECT_EQ(3, kv.line[0]);
	EXPECT_STREQ("max-queue", kv.key[1]);
	EXPECT_STREQ("10000", kv.val[1]);
	EXPECT_EQ(4, kv.line[1]);
	EXPECT_STREQ("cert", kv.key[2]);
	EXPECT_STREQ("/etc/tern/cert.pem", kv.val[2]);
	EXPECT_STREQ("a value # with a hash and  spaces", kv.val[3]);
	EXPECT_EQ(7, kv.line[3]);
	EXPECT_STREQ("empty", kv.key[4]);
	EXPECT_STREQ("", kv.val[4]);
	EXPECT_STREQ("a1-b2", kv.key[5]);
	EXPECT_STREQ("=x=", kv.val[5]);
	EXPECT_STREQ("last", kv.key[6]);
	EXPECT_STREQ("no newline", kv.val[6]);
	EXPECT_EQ(11, kv.line[6]);

	/* Nothing at all, and only blanks: fine. */
	kv.n = 0;
	EXPECT_EQ(0, conf_parse(NULL, 0, record, &kv, err, ERRLEN));
	EXPECT_EQ(0, parse("\n\n# x\n\r\n", &kv, err)) TH_LOG("%s", err);
	EXPECT_EQ(0, kv.n);
}

struct bad {
	const char *text;
	size_t len;		/* 0: strlen */
	const char *msg;
};

#define KEYS "(keys are a-z, 0-9, '-')"

TEST(malformed_lines)
{
	static const struct bad bad[] = {
		{ "ok = 1\nfoo\n", 0, "line 2: expected '=' after key 'foo'" },
		{ "foo bar = 1", 0, "line 1: expected '=' after key 'foo'" },
		{ "= 1", 0, "line 1: expected 'key = value'" },
		{ "[section]", 0, "line 1: expected 'key = value'" },
		{ "Key = 1", 0, "line 1: expected 'key = value'" },
		{ "kEy = 1", 0,
		  "line 1: invalid character 'E' in key " KEYS },
		{ "k_y = 1", 0,
		  "line 1: invalid character '_' in key " KEYS },
		{ "k\xc3\xa9 = 1", 0,
		  "line 1: invalid character 0xc3 in key " KEYS },
		{ "\n\nk = a\x1b[2Jb", 0, "line 3: control character 0x1b" },
		{ "k = a\rb", 0, "line 1: control character 0x0d" },
		{ "k = 1\n\x7f", 0, "line 2: control character 0x7f" },
		{ "k = a\0b\n", 8, "line 1: NUL byte" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct kv kv = { 0 };
		char err[ERRLEN] = "";
		size_t len = bad[i].len ? bad[i].len : strlen(bad[i].text);

		EXPECT_EQ(-EINVAL, conf_parse(bad[i].text, len, record, &kv,
					      err, sizeof(err)))
			TH_LOG("case %u", i);
		EXPECT_STREQ(bad[i].msg, err) TH_LOG("case %u", i);
	}
}

TEST(line_length)
{
	char *text = malloc(CONF_MAX_LINE + 16);
	struct kv kv = { 0 };
	char err[ERRLEN] = "";
	size_t n;

	ASSERT_NE(NULL, text);
	/* "k = vvv...": exactly CONF_MAX_LINE bytes, then a CRLF. */
	memcpy(text, "k = ", 4);
	memset(text + 4, 'v', CONF_MAX_LINE - 4);
	memcpy(text + CONF_MAX_LINE, "\r\n", 2);
	n = CONF_MAX_LINE + 2;
	EXPECT_EQ(0, conf_parse(text, n, record, &kv, err, sizeof(err)))
		TH_LOG("%s", err);
	EXPECT_EQ(1, kv.n);
	/* One byte more. */
	memcpy(text + CONF_MAX_LINE, "v\n", 2);
	EXPECT_EQ(-EINVAL, conf_parse(text, n, record, &kv, err, sizeof(err)));
	EXPECT_STREQ("line 1: line longer than 4096 bytes", err);
	/* ... on the last line, without a newline. */
	EXPECT_EQ(-EINVAL, conf_parse(text, CONF_MAX_LINE + 1, record, &kv,
				      err, sizeof(err)));
	free(text);
}

TEST(callback_errors)
{
	struct kv kv = { .fail_key = "max-queue",
			 .fail_msg = "max-queue: expected 1 to 1000" };
	char err[ERRLEN] = "";
	char small[12];

	EXPECT_EQ(-ERANGE, parse("a = 1\n\nmax-queue = 0\nb = 2\n", &kv, err));
	EXPECT_STREQ("line 3: max-queue: expected 1 to 1000", err);
	/* It stopped there. */
	EXPECT_EQ(1, kv.n);

	/* Without a message: strerror. */
	kv.n = 0;
	kv.fail_msg = NULL;
	EXPECT_EQ(-ERANGE, parse("max-queue = 0", &kv, err));
	EXPECT_STREQ("line 1: max-queue: Numerical result out of range", err);

	/* Whatever the callback writes, the message stays printable. */
	kv.fail_msg = "bad \x1b[31mvalue\x01";
	EXPECT_EQ(-ERANGE, parse("max-queue = 0", &kv, err));
	EXPECT_STREQ("line 1: bad ?[31mvalue?", err);

	/* A short buffer is cut, still terminated; none at all is fine. */
	EXPECT_EQ(-EINVAL, conf_parse("x", 1, record, &kv, small,
				      sizeof(small)));
	EXPECT_STREQ("line 1: exp", small);
	EXPECT_EQ(-EINVAL, conf_parse("x", 1, record, &kv, NULL, 0));
}

FIXTURE(file) {
	char dir[64];
	char path[128];
};

FIXTURE_SETUP(file)
{
	snprintf(self->dir, sizeof(self->dir), "/tmp/tern-conf-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->path, sizeof(self->path), "%.60s/gateway.conf",
		 self->dir);
}

FIXTURE_TEARDOWN(file)
{
	unlink(self->path);
	rmdir(self->dir);
}

static void write_file(struct __test_metadata *_metadata, const char *path,
		       const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	ASSERT_NE(NULL, f);
	ASSERT_EQ(len, fwrite(text, 1, len, f));
	ASSERT_EQ(0, fclose(f));
}

TEST_F(file, load)
{
	static const char text[] = "# x\nwindow = 64\nhb = 4m\n";
	struct kv kv = { 0 };
	char err[ERRLEN] = "", want[256];

	write_file(_metadata, self->path, text, strlen(text));
	ASSERT_EQ(0, conf_load(self->path, record, &kv, err, sizeof(err)))
		TH_LOG("%s", err);
	ASSERT_EQ(2, kv.n);
	EXPECT_STREQ("hb", kv.key[1]);
	EXPECT_STREQ("4m", kv.val[1]);
	EXPECT_EQ(3, kv.line[1]);

	/* Errors name the file and line. */
	write_file(_metadata, self->path, "a = 1\nb\n", 8);
	EXPECT_EQ(-EINVAL, conf_load(self->path, record, &kv, err,
				     sizeof(err)));
	snprintf(want, sizeof(want), "%s:2: expected '=' after key 'b'",
		 self->path);
	EXPECT_STREQ(want, err);
}

TEST_F(file, load_errors)
{
	struct kv kv = { 0 };
	char err[ERRLEN] = "", want[256];
	char *big;

	EXPECT_EQ(-ENOENT, conf_load(self->path, record, &kv, err,
				     sizeof(err)));
	snprintf(want, sizeof(want), "%s: No such file or directory",
		 self->path);
	EXPECT_STREQ(want, err);

	EXPECT_EQ(-EISDIR, conf_load(self->dir, record, &kv, err,
				     sizeof(err)));

	big = malloc(CONF_MAX_FILE + 1);
	ASSERT_NE(NULL, big);
	memset(big, '\n', CONF_MAX_FILE + 1);
	write_file(_metadata, self->path, big, CONF_MAX_FILE);
	EXPECT_EQ(0, conf_load(self->path, record, &kv, err, sizeof(err)))
		TH_LOG("%s", err);
	write_file(_metadata, self->path, big, CONF_MAX_FILE + 1);
	EXPECT_EQ(-EFBIG, conf_load(self->path, record, &kv, err,
				    sizeof(err)));
	snprintf(want, sizeof(want), "%s: larger than %d bytes", self->path,
		 CONF_MAX_FILE);
	EXPECT_STREQ(want, err);
	free(big);
}

TEST(u32)
{
	uint32_t v = 7;

	EXPECT_EQ(0, conf_u32("0", 0, 10, &v));
	EXPECT_EQ(0, v);
	EXPECT_EQ(0, conf_u32("4294967295", 0, UINT32_MAX, &v));
	EXPECT_EQ(UINT32_MAX, v);
	EXPECT_EQ(0, conf_u32("007", 0, 10, &v));
	EXPECT_EQ(7, v);
	EXPECT_EQ(-ERANGE, conf_u32("4294967296", 0, UINT32_MAX, &v));
	EXPECT_EQ(-ERANGE, conf_u32("99999999999999999999999", 0, 10, &v));
	EXPECT_EQ(-ERANGE, conf_u32("11", 0, 10, &v));
	EXPECT_EQ(-ERANGE, conf_u32("0", 1, 10, &v));
	EXPECT_EQ(7, v);
	EXPECT_EQ(-EINVAL, conf_u32("", 0, 10, &v));
	EXPECT_EQ(-EINVAL, conf_u32("-1", 0, 10, &v));
	EXPECT_EQ(-EINVAL, conf_u32("+1", 0, 10, &v));
	EXPECT_EQ(-EINVAL, conf_u32(" 1", 0, 10, &v));
	EXPECT_EQ(-EINVAL, conf_u32("1 ", 0, 10, &v));
	EXPECT_EQ(-EINVAL, conf_u32("0x10", 0, 100, &v));
	EXPECT_EQ(-EINVAL, conf_u32("1k", 0, 10000, &v));
	EXPECT_EQ(7, v);
}

TEST(duration)
{
	static const struct {
		const char *s;
		uint64_t ms;
	} ok[] = {
		{ "0", 0 }, { "250", 250 }, { "500ms", 500 }, { "10s", 10000 },
		{ "5m", 300000 }, { "2h", 7200000 }, { "30d", 2592000000ULL },
		{ "0s", 0 }, { "18446744073709551615", UINT64_MAX },
		{ "18446744073709551ms", 18446744073709551ULL },
	};
	static const char *const bad[] = {
		"", "s", "ms", "1.5s", "10 s", "-1s", "10S", "10sec", "1w",
		"10s ", "m5",
	};
	uint64_t v;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		v = 1;
		EXPECT_EQ(0, conf_duration_ms(ok[i].s, &v))
			TH_LOG("%s", ok[i].s);
		EXPECT_EQ(ok[i].ms, v) TH_LOG("%s", ok[i].s);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		EXPECT_EQ(-EINVAL, conf_duration_ms(bad[i], &v))
			TH_LOG("case %u", i);
	EXPECT_EQ(-ERANGE, conf_duration_ms("18446744073709552s", &v));
	EXPECT_EQ(-ERANGE, conf_duration_ms("18446744073709551616", &v));
	EXPECT_EQ(-ERANGE, conf_duration_ms("213503982335d", &v));
}

TEST(size)
{
	uint64_t v;

	EXPECT_EQ(0, conf_size("100", &v));
	EXPECT_EQ(100, v);
	EXPECT_EQ(0, conf_size("32k", &v));
	EXPECT_EQ(32768, v);
	EXPECT_EQ(0, conf_size("32K", &v));
	EXPECT_EQ(32768, v);
	EXPECT_EQ(0, conf_size("1M", &v));
	EXPECT_EQ(1048576, v);
	EXPECT_EQ(0, conf_size("2g", &v));
	EXPECT_EQ(2147483648ULL, v);
	EXPECT_EQ(-EINVAL, conf_size("", &v));
	EXPECT_EQ(-EINVAL, conf_size("k", &v));
	EXPECT_EQ(-EINVAL, conf_size("1T", &v));
	EXPECT_EQ(-EINVAL, conf_size("1 k", &v));
	EXPECT_EQ(-EINVAL, conf_size("1kb", &v));
	EXPECT_EQ(-ERANGE, conf_size("17179869184G", &v));
}

TEST(boolean)
{
	static const char *const yes[] = { "yes", "true", "on", "1", "YES",
					   "True" };
	static const char *const no[] = { "no", "false", "off", "0", "Off" };
	static const char *const bad[] = { "", "y", "n", "2", "yes ",
					   "enabled" };
	unsigned int i;
	bool b;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		b = false;
		EXPECT_EQ(0, conf_bool(yes[i], &b));
		EXPECT_TRUE(b);
	}
	for (i = 0; i < ARRAY_SIZE(no); i++) {
		b = true;
		EXPECT_EQ(0, conf_bool(no[i], &b));
		EXPECT_FALSE(b);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		EXPECT_EQ(-EINVAL, conf_bool(bad[i], &b)) TH_LOG("case %u", i);
}

TEST_HARNESS_MAIN
