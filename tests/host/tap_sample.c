// SPDX-License-Identifier: GPL-2.0
/*
 * A kselftest harness program with known results, for
 * tap_summary_test.sh: run through the kernel's runner, its TAP must count
 * as 3 passed, 1 failed, 1 skipped. With TAP_SAMPLE_DIE=1 the last test
 * kills the harness process itself, as a crash would, before it reports:
 * 2 passed, 2 failed (one never reported), 1 skipped.
 */
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "kselftest_harness.h"

TEST(passes)
{
	ASSERT_EQ(2, 1 + 1);
}

FIXTURE(counter) {
	int n;
};

FIXTURE_SETUP(counter)
{
	self->n = 1;
}

FIXTURE_TEARDOWN(counter)
{
}

TEST_F(counter, passes_too)
{
	EXPECT_EQ(1, self->n);
}

TEST(fails)
{
	TH_LOG("failing on purpose");
	EXPECT_EQ(1, 2);
}

TEST(skips)
{
	SKIP(return, "skipping on purpose");
}

static pid_t harness_pid;

static void __attribute__((constructor)) note_harness_pid(void)
{
	harness_pid = getpid();
}

/* Runs last: the harness runs fixture tests in the order defined. */
TEST_F(counter, dies_on_request)
{
	if (getenv("TAP_SAMPLE_DIE"))
		kill(harness_pid, SIGKILL);
}

TEST_HARNESS_MAIN
