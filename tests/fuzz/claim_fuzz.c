// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for a client's check of a claim answer
 * (daemon/dir/claim.c, with the rest of libterndir and libternkt).
 *
 * An input is the answer's bytes, checked against the verified lookups of
 * the fixed directory in lookup_world.c (claim_world.c; the seeds are
 * genuine claims of alice's prekeys): for alice (two devices) with a
 * large and a small error buffer, for carol (no devices) and for a handle
 * no one registered. claim_verify() must not crash, hang or leak, and:
 *
 *  - it returns 0, -EINVAL (malformed) or -EBADMSG (does not hold), or
 *    -ENOMEM with a message;
 *  - the message is empty on success; otherwise not empty, terminated
 *    inside its buffer, printable ASCII, and nothing is written past it;
 *  - the result is untouched unless the answer holds;
 *  - an answer that holds says only what the devices signed: at most as
 *    many devices as the lookup has, each one of them and none twice,
 *    each with the last-resort prekey its identity key signed (the only
 *    one there is). Carol's claim holds only without devices, and the
 *    unregistered handle's never. Anything else would be a forgery got
 *    past the checks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claim.h"
#include "claim_world.h"

#define ERRLEN		256
#define SMALL_ERRLEN	40
#define CANARY		0x5a

#define fail(...) do {							\
	fprintf(stderr, "claim_fuzz: " __VA_ARGS__);			\
	fputc('\n', stderr);						\
	abort();							\
} while (0)

static struct claim_world *world;
static struct claim_result *res;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	world = malloc(sizeof(*world));
	res = malloc(sizeof(*res));
	if (!world || !res || claim_world_build(world))
		fail("cannot build the world");
	return 0;
}

static void check_err(const char *err, size_t errlen, int ret)
{
	size_t n = strnlen(err, errlen), i;

	if (n == errlen)
		fail("message not terminated in %zu bytes", errlen);
	if (err[errlen] != CANARY)
		fail("wrote past the %zu-byte message buffer", errlen);
	for (i = 0; i < n; i++)
		if (err[i] < ' ' || err[i] > '~')
			fail("message byte %zu is %#x", i, (uint8_t)err[i]);
	if (!ret && n)
		fail("success with a message: %s", err);
	if (ret && !n)
		fail("error %d without a message", ret);
}

/* A verified claim of handle @h says only what its devices signed. */
static void check_ok(unsigned int h)
{
	const struct entry *e = &world->lr[h].entry;
	const struct claim_device *d;
	const struct lookup_prekey *lr;
	unsigned int i, j, k;

	if (h == WORLD_NOBODY_EMPTY)
		fail("a claim of an unregistered handle holds");
	if (res->ndev > e->ndev)
		fail("%u devices, the lookup has %u", res->ndev, e->ndev);
	for (i = 0; i < res->ndev; i++) {
		d = &res->dev[i];
		for (j = 0; j < e->ndev; j++) {
			if (!memcmp(d->device_id, e->dev[j].id, ENTRY_ID_LEN))
				break;
		}
		if (j == e->ndev)
			fail("device %u: not one of the lookup's", i);
		for (k = 0; k < i; k++) {
			if (!memcmp(d->device_id, res->dev[k].device_id,
				    ENTRY_ID_LEN))
				fail("device %u: the same as device %u", i, k);
		}
		/* Only alice's devices signed last-resort prekeys. */
		if (h != WORLD_ALICE)
			fail("device %u: a last-resort prekey of %s", i,
			     world->w.handle[h]);
		lr = &world->last_resort[j];
		if (d->last_resort_id != lr->id ||
		    memcmp(d->last_resort, lr->key, ENTRY_KEY_LEN))
			fail("device %u: a last-resort prekey it did not sign",
			     i);
	}
}

static void run(const char *json, size_t len, unsigned int h, char *err,
		size_t errlen)
{
	int ret;

	memset(err, CANARY, errlen + 1);
	memset(res, CANARY, sizeof(*res));
	ret = claim_verify(json, len, world->w.handle[h], &world->lr[h], res,
			   err, errlen);
	if (ret && ret != -EINVAL && ret != -EBADMSG && ret != -ENOMEM)
		fail("returned %d", ret);
	check_err(err, errlen, ret);
	if (!ret) {
		check_ok(h);
		return;
	}
	if (((const uint8_t *)res)[0] != CANARY ||
	    memcmp(res, (const uint8_t *)res + 1, sizeof(*res) - 1))
		fail("refused (%d), but wrote the result", ret);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[ERRLEN + 1], *json;

	/* Exactly the input: ASan catches a read past it. */
	json = malloc(size ? size : 1);
	if (!json)
		fail("out of memory");
	memcpy(json, data, size);
	run(json, size, WORLD_ALICE, err, ERRLEN);
	run(json, size, WORLD_ALICE, err, SMALL_ERRLEN);
	run(json, size, WORLD_CAROL, err, ERRLEN);
	run(json, size, WORLD_NOBODY_EMPTY, err, ERRLEN);
	free(json);
	return 0;
}
