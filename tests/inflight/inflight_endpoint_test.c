// SPDX-License-Identifier: GPL-2.0
/*
 * The messaging-only loader's endpoints (tools/inflight/endpoint.c): what
 * it takes, what it refuses and why, and that what it prints parses back
 * to the same key.
 */
#include <arpa/inet.h>
#include <string.h>

#include "kselftest_harness.h"
#include "endpoint.h"

TEST(accepted)
{
	static const struct {
		const char *in, *out;
		int family;
		unsigned int port;
	} cases[] = {
		{ "198.18.2.2:5222", "198.18.2.2:5222", 4, 5222 },
		{ "198.19.255.255:1", "198.19.255.255:1", 4, 1 },
		{ "198.18.2.2:65535", "198.18.2.2:65535", 4, 65535 },
		{ "198.18.2.2:0443", "198.18.2.2:443", 4, 443 },
		{ "[fd00:7e2e:2::2]:5222", "[fd00:7e2e:2::2]:5222", 6, 5222 },
		{ "[FD00:7E2E:2:0:0:0:0:2]:80", "[fd00:7e2e:2::2]:80", 6, 80 },
		{ "[fd00::]:9", "[fd00::]:9", 6, 9 },
	};
	struct tern_inflight_key k, back;
	char buf[INFLIGHT_ENDPOINT_MAX];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *why = inflight_endpoint_parse(cases[i].in, &k);

		ASSERT_EQ(NULL, why) TH_LOG("'%s': %s", cases[i].in, why);
		EXPECT_EQ(cases[i].family, k.family);
		EXPECT_EQ(cases[i].port, ntohs(k.port));
		EXPECT_EQ(0, k.pad);
		inflight_endpoint_format(&k, buf, sizeof(buf));
		EXPECT_STREQ(cases[i].out, buf);
		ASSERT_EQ(NULL, inflight_endpoint_parse(buf, &back));
		EXPECT_EQ(0, memcmp(&k, &back, sizeof(k))) TH_LOG("'%s'", buf);
	}
}

/* An IPv4 key is the address, then zeros: what the program builds. */
TEST(ipv4_key_layout)
{
	static const unsigned char want[16] = { 198, 18, 2, 2 };
	struct tern_inflight_key k;

	ASSERT_EQ(NULL, inflight_endpoint_parse("198.18.2.2:5222", &k));
	EXPECT_EQ(0, memcmp(want, k.addr, sizeof(want)));
	EXPECT_EQ(20, sizeof(k));
}

TEST(refused)
{
	static const struct {
		const char *in, *why;
	} cases[] = {
		{ "", "is not IPv4:PORT, [IPv6]:PORT or :PORT" },
		{ "5222", "is not IPv4:PORT, [IPv6]:PORT or :PORT" },
		{ "198.18.2.2", "is not IPv4:PORT, [IPv6]:PORT or :PORT" },
		{ ":5222", "has no address" },
		{ "198.18.2:5222", "is not an IPv4 address" },
		{ "198.18.2.256:5222", "is not an IPv4 address" },
		{ "gw.example:5222", "is not an IPv4 address" },
		{ "198.18.2.2:", "has no port" },
		{ "198.18.2.2:0", "has port 0" },
		{ "198.18.2.2:65536", "has a port above 65535" },
		{ "198.18.2.2:99999999999999999999", "has a port above 65535" },
		{ "198.18.2.2:-1", "has a port that is not a number" },
		{ "198.18.2.2:+1", "has a port that is not a number" },
		{ "198.18.2.2:1 ", "has a port that is not a number" },
		{ "198.18.2.2:0x50", "has a port that is not a number" },
		{ "fd00::2:5222", "has an IPv6 address without brackets" },
		{ "[fd00::2]", "is not IPv4:PORT, [IPv6]:PORT or :PORT" },
		{ "[fd00::2]5222", "is not IPv4:PORT, [IPv6]:PORT or :PORT" },
		{ "[fd00::2:5222", "is not IPv4:PORT, [IPv6]:PORT or :PORT" },
		{ "[]:5222", "is not an IPv6 address" },
		{ "[198.18.2.2]:5222", "is not an IPv6 address" },
		{ "[fd00::2%lo]:5222", "is not an IPv6 address" },
		{ "[fd00::2]:", "has no port" },
		{ "[fd00:0000:0000:0000:0000:0000:0000:0000:0002]:1",
		  "is not an IPv6 address" },
	};
	struct tern_inflight_key k;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *why = inflight_endpoint_parse(cases[i].in, &k);

		ASSERT_NE(NULL, why) TH_LOG("'%s' was taken", cases[i].in);
		EXPECT_EQ(0, strncmp(cases[i].why, why, strlen(cases[i].why)))
			TH_LOG("'%s': %s", cases[i].in, why);
	}
}

TEST_HARNESS_MAIN
