// SPDX-License-Identifier: GPL-2.0
/*
 * Handles (daemon/dir/handle.c): what Documentation/directory.rst allows
 * ("local@domain", lowercase ASCII, at most 254 bytes, a local part of
 * a-z 0-9 . _ + - of 1 to 64 bytes, a domain of dot-separated labels of
 * a-z 0-9 - not starting or ending with '-', with at least one dot) is
 * accepted, at the edges of every limit, and each way out is refused with
 * its own reason.
 */
#include <string.h>

#include "handle.h"
#include "kselftest_harness.h"

/* @n bytes of @c at @p; returns the end. */
static char *fill(char *p, char c, size_t n)
{
	memset(p, c, n);
	return p + n;
}

TEST(valid)
{
	static const char *const good[] = {
		"alice@example.org",
		"a@b.c",
		"a.b_c+d-e@x-y.z0.org",
		"0@0.0",
		"...@a.b",		/* the doc puts no rule on dots here */
		"-_+@a-b.c-d",
		"bob@mail.example.co.uk",
		"x@a--b.org",
	};
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		EXPECT_TRUE(handle_why(good[i]) == NULL)
			TH_LOG("good[%zu] refused", i);
}

TEST(length_limits)
{
	char h[HANDLE_MAX + 8], *p;

	/* A local part of exactly 64 bytes. */
	p = fill(h, 'l', 64);
	strcpy(p, "@example.org");
	EXPECT_EQ(NULL, handle_why(h));
	/* 65. */
	p = fill(h, 'l', 65);
	strcpy(p, "@example.org");
	EXPECT_STREQ("has a local part longer than 64 bytes", handle_why(h));

	/* 254 bytes in all: 64 + '@' + 185 + ".org". */
	p = fill(h, 'l', 64);
	*p++ = '@';
	p = fill(p, 'd', 185);
	strcpy(p, ".org");
	ASSERT_EQ(HANDLE_MAX, strlen(h));
	EXPECT_EQ(NULL, handle_why(h));
	/* 255. */
	p = fill(h, 'l', 64);
	*p++ = '@';
	p = fill(p, 'd', 186);
	strcpy(p, ".org");
	ASSERT_EQ(HANDLE_MAX + 1, strlen(h));
	EXPECT_STREQ("is longer than 254 bytes", handle_why(h));
	/* Far longer, with no '@' at all: the length is said first. */
	p = fill(h, 'a', HANDLE_MAX + 7);
	*p = '\0';
	EXPECT_STREQ("is longer than 254 bytes", handle_why(h));
}

static const struct {
	const char *handle, *why;
} bad[] = {
	{ "", "is empty" },
	{ "Alice@example.org", "has an upper-case letter: handles are lower case" },
	{ "alice@Example.org", "has an upper-case letter: handles are lower case" },
	{ "alice@example.ORG", "has an upper-case letter: handles are lower case" },
	{ "alice", "has no '@'" },
	{ "alice.example.org", "has no '@'" },
	{ "alice@bob@example.org", "has more than one '@'" },
	{ "alice@example.org@", "has more than one '@'" },
	{ "@example.org", "has an empty local part" },
	{ "al ice@example.org", "has a character outside a-z 0-9 . _ + - in its local part" },
	{ "alice!@example.org", "has a character outside a-z 0-9 . _ + - in its local part" },
	{ "al\xc3\xa9@example.org", "has a character outside a-z 0-9 . _ + - in its local part" },
	{ "al\tice@example.org", "has a character outside a-z 0-9 . _ + - in its local part" },
	{ "a=b@example.org", "has a character outside a-z 0-9 . _ + - in its local part" },
	{ "alice@", "has an empty domain" },
	{ "alice@localhost", "has a domain without a dot" },
	{ "alice@ex_ample.org", "has a character outside a-z 0-9 - . in its domain" },
	{ "alice@example.org ", "has a character outside a-z 0-9 - . in its domain" },
	{ "alice@ex+ample.org", "has a character outside a-z 0-9 - . in its domain" },
	{ "alice@exampl\xc3\xa9.org", "has a character outside a-z 0-9 - . in its domain" },
	{ "alice@.org", "has an empty domain label" },
	{ "alice@example.org.", "has an empty domain label" },
	{ "alice@example..org", "has an empty domain label" },
	{ "alice@.", "has an empty domain label" },
	{ "alice@-example.org", "has a domain label starting or ending with '-'" },
	{ "alice@example-.org", "has a domain label starting or ending with '-'" },
	{ "alice@example.-org", "has a domain label starting or ending with '-'" },
	{ "alice@example.org-", "has a domain label starting or ending with '-'" },
	{ "alice@-.org", "has a domain label starting or ending with '-'" },
};

TEST(refusals)
{
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = handle_why(bad[i].handle);

		ASSERT_TRUE(why != NULL) TH_LOG("'%s' taken", bad[i].handle);
		EXPECT_EQ(0, strcmp(bad[i].why, why))
			TH_LOG("'%s': '%s'", bad[i].handle, why);
	}
	{
		const char *why = handle_why(NULL);

		ASSERT_TRUE(why != NULL);
		EXPECT_EQ(0, strcmp("is empty", why));
	}
}

/* No byte outside the allowed sets gets through, anywhere. */
TEST(every_byte)
{
	char local[] = "ab?d@example.org", dom[] = "abcd@exa?ple.org";
	unsigned int c;
	const char *why;
	int ok;

	for (c = 1; c < 256; c++) {
		local[2] = (char)c;
		dom[8] = (char)c;
		ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		     c == '.' || c == '_' || c == '+' || c == '-';
		why = handle_why(local);
		if (c == '@') {
			EXPECT_STREQ("has more than one '@'", why);
		} else if (ok) {
			EXPECT_EQ(NULL, why) TH_LOG("byte %#x", c);
		} else {
			EXPECT_NE(NULL, why) TH_LOG("byte %#x", c);
		}

		ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		     c == '-' || c == '.';
		why = handle_why(dom);
		if (c == '@') {
			EXPECT_STREQ("has more than one '@'", why);
		} else if (ok) {
			EXPECT_EQ(NULL, why) TH_LOG("byte %#x", c);
		} else {
			EXPECT_NE(NULL, why) TH_LOG("byte %#x", c);
		}
	}
}

TEST_HARNESS_MAIN
