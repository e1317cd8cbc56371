// SPDX-License-Identifier: GPL-2.0
/*
 * kconns.db (daemon/gateway/kstate.c), the kernel transport's sessions by
 * tern.ko cookie, on a scratch directory: a connection before and after
 * its hello, deletion, pruning what tern.ko no longer holds, reopening,
 * and many ready sessions in one transaction (tern-idlepop's).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kstate.h"
#include "store_util.h"
#include "kselftest_harness.h"

#define ERRLEN	512
#define BULK	2500

static void fill(uint8_t *p, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 131 + i * 7 + 1);
}

/* Cookies cover the whole u64 range, the sign bit included. */
static uint64_t cookie_of(unsigned int i)
{
	return 0x9e3779b97f4a7c15ULL * (i + 1);
}

FIXTURE(ks) {
	char dir[64];
	struct kstate *ks;
};

FIXTURE_SETUP(ks)
{
	char err[ERRLEN];

	ASSERT_NE(NULL, scratch_dir(self->dir, "kstate"));
	ASSERT_EQ(0, kstate_open(self->dir, &self->ks, err, sizeof(err)))
		TH_LOG("%s", err);
}

FIXTURE_TEARDOWN(ks)
{
	kstate_close(self->ks);
	scratch_remove(self->dir);
}

TEST_F(ks, add_then_ready)
{
	uint8_t exp[WIRE_EXPORTER_LEN], dkey[WIRE_KEY_LEN];
	uint8_t token[WIRE_TOKEN_LEN];
	struct kstate_row row;
	uint64_t c = cookie_of(7);

	fill(exp, sizeof(exp), 1);
	fill(dkey, sizeof(dkey), 2);
	fill(token, sizeof(token), 3);
	ASSERT_EQ(-ENOENT, kstate_get(self->ks, c, &row));
	ASSERT_EQ(0, kstate_add(self->ks, c, exp));
	ASSERT_EQ(0, kstate_get(self->ks, c, &row));
	EXPECT_FALSE(row.ready);
	EXPECT_EQ(c, row.cookie);
	EXPECT_EQ(0, memcmp(exp, row.exporter, sizeof(exp)));

	ASSERT_EQ(0, kstate_ready(self->ks, c, dkey, token, 240000));
	ASSERT_EQ(0, kstate_get(self->ks, c, &row));
	EXPECT_TRUE(row.ready);
	EXPECT_EQ(0, memcmp(dkey, row.dkey, sizeof(dkey)));
	EXPECT_EQ(0, memcmp(token, row.token, sizeof(token)));
	EXPECT_EQ(240000, row.hb_ms);

	ASSERT_EQ(0, kstate_del(self->ks, c));
	EXPECT_EQ(-ENOENT, kstate_get(self->ks, c, &row));
}

/* tern.ko holds the connections of odd i. */
static bool keep_odd(void *ctx, uint64_t cookie)
{
	unsigned int *calls = ctx, i;

	(*calls)++;
	for (i = 0; i < 10; i++)
		if (cookie_of(i) == cookie)
			return i & 1;
	return false;
}

TEST_F(ks, prune_keeps_what_tern_ko_holds)
{
	uint8_t exp[WIRE_EXPORTER_LEN];
	struct kstate_row row;
	unsigned int i, calls = 0;

	fill(exp, sizeof(exp), 9);
	for (i = 0; i < 10; i++)
		ASSERT_EQ(0, kstate_add(self->ks, cookie_of(i), exp));
	ASSERT_EQ(0, kstate_prune(self->ks, keep_odd, &calls));
	EXPECT_EQ(10, calls);
	for (i = 0; i < 10; i++)
		EXPECT_EQ(i & 1 ? 0 : -ENOENT,
			  kstate_get(self->ks, cookie_of(i), &row))
			TH_LOG("connection %u", i);
}

TEST_F(ks, bulk_ready_and_reopen)
{
	struct kstate_row *rows = calloc(BULK, sizeof(*rows));
	struct kstate_row row;
	char err[ERRLEN];
	unsigned int i;

	ASSERT_NE(NULL, rows);
	for (i = 0; i < BULK; i++) {
		rows[i].cookie = cookie_of(i);
		fill(rows[i].exporter, WIRE_EXPORTER_LEN, i);
		fill(rows[i].dkey, WIRE_KEY_LEN, i + 1);
		fill(rows[i].token, WIRE_TOKEN_LEN, i + 2);
		rows[i].hb_ms = 1000 + i;
	}
	ASSERT_EQ(0, kstate_add_ready(self->ks, rows, BULK));

	/* Durable: another process (the next gateway) finds them. */
	kstate_close(self->ks);
	self->ks = NULL;
	ASSERT_EQ(0, kstate_open(self->dir, &self->ks, err, sizeof(err)))
		TH_LOG("%s", err);
	for (i = 0; i < BULK; i += 97) {
		ASSERT_EQ(0, kstate_get(self->ks, rows[i].cookie, &row));
		EXPECT_TRUE(row.ready);
		EXPECT_EQ(rows[i].hb_ms, row.hb_ms);
		EXPECT_EQ(0, memcmp(rows[i].exporter, row.exporter,
				    WIRE_EXPORTER_LEN));
		EXPECT_EQ(0, memcmp(rows[i].dkey, row.dkey, WIRE_KEY_LEN));
		EXPECT_EQ(0, memcmp(rows[i].token, row.token, WIRE_TOKEN_LEN));
	}
	free(rows);
}

TEST_F(ks, bulk_nothing_is_fine)
{
	struct kstate_row row;

	EXPECT_EQ(0, kstate_add_ready(self->ks, NULL, 0));
	EXPECT_EQ(-ENOENT, kstate_get(self->ks, cookie_of(0), &row));
}

TEST_HARNESS_MAIN
