// SPDX-License-Identifier: GPL-2.0
/*
 * Socket addresses from command lines and config files
 * (daemon/common/netaddr.c): the three forms, the wildcard, and every
 * refusal with its reason.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "kselftest_harness.h"
#include "netaddr.h"

TEST(ipv4)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *a4 = (void *)&ss;
	socklen_t len = 0;
	char err[128];

	ASSERT_EQ(0, netaddr_parse("198.18.0.1:5222", &ss, &len, err,
				   sizeof(err)));
	EXPECT_EQ(AF_INET, a4->sin_family);
	EXPECT_EQ(sizeof(*a4), len);
	EXPECT_EQ(5222, ntohs(a4->sin_port));
	EXPECT_EQ(htonl(0xc6120001), a4->sin_addr.s_addr);
}

TEST(ipv6)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *a6 = (void *)&ss;
	struct in6_addr want;
	socklen_t len = 0;

	ASSERT_EQ(1, inet_pton(AF_INET6, "fd00::1", &want));
	ASSERT_EQ(NULL, netaddr_why("[fd00::1]:65535", &ss, &len));
	EXPECT_EQ(AF_INET6, a6->sin6_family);
	EXPECT_EQ(sizeof(*a6), len);
	EXPECT_EQ(65535, ntohs(a6->sin6_port));
	EXPECT_EQ(0, memcmp(&want, &a6->sin6_addr, sizeof(want)));
}

/* ":PORT" is every address: an IPv6 socket, dual-stack. */
TEST(wildcard)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *a6 = (void *)&ss;
	socklen_t len = 0;

	ASSERT_EQ(NULL, netaddr_why(":1", &ss, &len));
	EXPECT_EQ(AF_INET6, a6->sin6_family);
	EXPECT_EQ(1, ntohs(a6->sin6_port));
	EXPECT_EQ(0, memcmp(&in6addr_any, &a6->sin6_addr,
			    sizeof(in6addr_any)));
}

TEST(refused)
{
	static const struct {
		const char *in, *why;
	} cases[] = {
		{ "", "is not IPv4:PORT, [IPv6]:PORT or :PORT" },
		{ "5222", "is not IPv4:PORT, [IPv6]:PORT or :PORT" },
		{ "[fd00::1]", "is not IPv4:PORT, [IPv6]:PORT or :PORT" },
		{ "[fd00::1]5222", "is not IPv4:PORT, [IPv6]:PORT or :PORT" },
		{ ":", "has no port" },
		{ "198.18.0.1:", "has no port" },
		{ "198.18.0.1:0", "has port 0" },
		{ ":65536", "has a port above 65535" },
		{ "198.18.0.1:99999999999999999999", "has a port above 65535" },
		{ "198.18.0.1:+1", "has a port that is not a number" },
		{ "198.18.0.1: 1", "has a port that is not a number" },
		{ "198.18.0.1:-1", "has a port that is not a number" },
		{ "198.18.0.1:0x50", "has a port that is not a number" },
		{ "fd00::1:5222", "has an IPv6 address without brackets" },
		{ "gw.example:5222", "is not an IPv4 address" },
		{ "198.18.0:5222", "is not an IPv4 address" },
		{ "[]:5222", "is not an IPv6 address" },
		{ "[198.18.0.1]:5222", "is not an IPv6 address" },
		{ "[fd00::1%lo]:5222", "is not an IPv6 address" },
	};
	struct sockaddr_storage ss;
	socklen_t len;
	char err[160], want[160];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ASSERT_EQ(-EINVAL, netaddr_parse(cases[i].in, &ss, &len, err,
						 sizeof(err)))
			TH_LOG("'%s' was taken", cases[i].in);
		snprintf(want, sizeof(want), "bad address '%s': %s",
			 cases[i].in, cases[i].why);
		EXPECT_EQ(0, strncmp(want, err, strlen(want)))
			TH_LOG("'%s': %s", cases[i].in, err);
	}
}

TEST_HARNESS_MAIN
