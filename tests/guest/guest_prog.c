// SPDX-License-Identifier: GPL-2.0
/*
 * Runs in the VM: a kselftest harness program built like every C test
 * (with the sanitizers), which checks that such programs run there: their
 * shared libraries were copied in, and namespaces and sockets work.
 */
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"

TEST(heap_with_sanitizers)
{
	char *p = malloc(16);

	ASSERT_NE(NULL, p);
	strcpy(p, "fifteen chars..");
	EXPECT_EQ(15, strlen(p));
	free(p);
}

TEST(tcp_over_loopback_in_a_new_netns)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	char buf[8] = { 0 };
	int l, c, s;

	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	/* lo starts down in a new namespace; connect() then fails. */
	ASSERT_EQ(0, system("ip link set lo up"));

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, bind(l, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(0, listen(l, 1));
	ASSERT_EQ(0, getsockname(l, (struct sockaddr *)&a, &len));

	c = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, connect(c, (struct sockaddr *)&a, sizeof(a)));
	s = accept(l, NULL, NULL);
	ASSERT_LE(0, s);
	EXPECT_EQ(5, write(c, "hello", 5));
	EXPECT_EQ(5, read(s, buf, sizeof(buf)));
	EXPECT_STREQ("hello", buf);
	close(s);
	close(c);
	close(l);
}

TEST_HARNESS_MAIN
