// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for a client's check of a lookup answer
 * (daemon/dir/lookup.c, with the rest of libterndir and libternkt).
 *
 * An input is the answer's bytes, checked as JSON with the fixed pins of
 * the directory in lookup_world.c (the seeds are its genuine answers):
 * for each of its four handles with no head seen before, and for alice
 * with a head of size WORLD_SEEN seen before and a small error buffer.
 * lookup_verify() must not crash, hang or leak, and:
 *
 *  - the verdict is one of lookup.h's, and has a name;
 *  - the message is empty on success; otherwise not empty, terminated
 *    inside its buffer, printable ASCII, and nothing is written past it;
 *  - an answer that verifies says only what the directory signed: the
 *    head is one of its heads (not older than the one seen), the epoch is
 *    that head's last, the map root that epoch's, the handle present
 *    exactly when registered, and then the entry's commitment the one in
 *    the map, its devices (in any order) the account's, with their
 *    prekeys. Anything else would be a forgery got past the checks.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entry.h"
#include "lookup.h"
#include "lookup_world.h"

#define ERRLEN		256
#define SMALL_ERRLEN	40
#define CANARY		0x5a

#define fail(...) do {							\
	fprintf(stderr, "lookup_fuzz: " __VA_ARGS__);			\
	fputc('\n', stderr);						\
	abort();							\
} while (0)

static struct world world;
static struct lookup_result *res;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	res = malloc(sizeof(*res));
	if (!res || world_build(&world))
		fail("cannot build the world");
	return 0;
}

static void check_err(const char *err, size_t errlen, enum lookup_verdict v)
{
	size_t n = strnlen(err, errlen), i;

	if (n == errlen)
		fail("message not terminated in %zu bytes", errlen);
	if (err[errlen] != CANARY)
		fail("wrote past the %zu-byte message buffer", errlen);
	for (i = 0; i < n; i++)
		if (err[i] < ' ' || err[i] > '~')
			fail("message byte %zu is %#x", i, (uint8_t)err[i]);
	if (v == LOOKUP_OK && n)
		fail("success with a message: %s", err);
	if (v != LOOKUP_OK && !n)
		fail("verdict %s without a message", lookup_verdict_name(v));
}

static bool same_prekey(const struct lookup_prekey *a,
			const struct lookup_prekey *b)
{
	if (a->set != b->set)
		return false;
	return !a->set || (a->id == b->id && a->klen == b->klen &&
			   !memcmp(a->key, b->key, a->klen) &&
			   !memcmp(a->sig, b->sig, ENTRY_SIG_LEN));
}

/* Device @i of a verified answer is one of @h's, keys and all. */
static void check_device(unsigned int h, unsigned int i)
{
	const struct world_acct *a = &world.acct[h];
	const struct entry_device *d = &res->entry.dev[i];
	unsigned int j;

	for (j = 0; j < a->e.ndev; j++) {
		if (memcmp(d->id, a->e.dev[j].id, ENTRY_ID_LEN))
			continue;
		if (memcmp(d, &a->e.dev[j], sizeof(*d)))
			fail("device %u: keys the account does not have", i);
		if (!same_prekey(&res->signed_prekey[i], &a->spk[j]) ||
		    !same_prekey(&res->kem_prekey[i], &a->kem[j]))
			fail("device %u: a prekey the device did not sign", i);
		return;
	}
	fail("device %u: not one of the account's", i);
}

/* A verified answer for handle @h says only what the directory signed. */
static void check_ok(unsigned int h, const struct kt_sth *seen)
{
	const struct lookup_result *r = res;
	uint8_t value[KT_HASH_LEN];
	uint64_t size = r->head.size;
	unsigned int i;

	if (!size || size > WORLD_EPOCHS ||
	    memcmp(&r->head, &world.heads[size], sizeof(r->head)))
		fail("verified a head the directory did not sign");
	if (seen && size < seen->size)
		fail("verified a head older than the one seen");
	if (r->epoch != size - 1 ||
	    memcmp(r->map_root, world.roots[r->epoch], KT_HASH_LEN))
		fail("verified epoch %llu, map root not the log's",
		     (unsigned long long)r->epoch);
	if (r->present != world.present[h])
		fail("%s verified %s", world.handle[h],
		     r->present ? "present" : "absent");
	if (!r->present)
		return;
	if (r->entry.ndev > ENTRY_MAX_DEVICES)
		fail("%u devices", r->entry.ndev);
	if (entry_commitment(&r->entry, value) ||
	    memcmp(value, world.value[h], KT_HASH_LEN))
		fail("verified an entry of %s the map does not hold",
		     world.handle[h]);
	for (i = 0; i < r->entry.ndev; i++)
		check_device(h, i);
}

static void run(const char *json, size_t len, unsigned int h,
		const struct kt_sth *seen, char *err, size_t errlen)
{
	enum lookup_verdict v;

	memset(err, CANARY, errlen + 1);
	v = lookup_verify(json, len, world.handle[h], &world.pins, seen,
			  world.now_ms, res, err, errlen);
	if ((unsigned int)v > LOOKUP_WRONG_HANDLE)
		fail("verdict %d", (int)v);
	if (!strcmp(lookup_verdict_name(v), "unknown"))
		fail("verdict %d has no name", (int)v);
	check_err(err, errlen, v);
	if (v == LOOKUP_OK)
		check_ok(h, seen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[ERRLEN + 1], *json;
	unsigned int h;

	/* Exactly the input: ASan catches a read past it. */
	json = malloc(size ? size : 1);
	if (!json)
		fail("out of memory");
	memcpy(json, data, size);
	for (h = 0; h < WORLD_HANDLES; h++)
		run(json, size, h, NULL, err, ERRLEN);
	run(json, size, WORLD_ALICE, &world.heads[WORLD_SEEN], err,
	    SMALL_ERRLEN);
	free(json);
	return 0;
}
