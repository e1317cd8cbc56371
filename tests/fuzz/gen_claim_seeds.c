// SPDX-License-Identifier: GPL-2.0
/*
 * Writes the seed corpus of claim_fuzz into a directory: genuine claim
 * answers for alice of the fixed directory in lookup_world.c (both her
 * devices, in either order, with and without one-time prekeys, one of
 * them, none), carol's empty claim, which claim_fuzz's lookups accept
 * (each is checked before it is written), and a few fragments.
 *
 * Usage: gen_claim_seeds DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claim.h"
#include "claim_world.h"

static int put(const char *dir, const char *name, const char *text)
{
	char path[4096];
	FILE *f;
	int ok;

	if (!text)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	ok = fwrite(text, 1, strlen(text), f) == strlen(text);
	return fclose(f) || !ok ? -1 : 0;
}

/* @text, which must hold as a claim of handle @h, as seed @name. */
static int put_claim(struct claim_world *c, const char *dir,
		     const char *name, unsigned int h, const char *text)
{
	static struct claim_result res;
	char err[256];
	int ret;

	if (!text)
		return -1;
	ret = claim_verify(text, strlen(text), c->w.handle[h], &c->lr[h],
			   &res, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "gen_claim_seeds: %s: %d: %s\n", name, ret,
			err);
		return -1;
	}
	return put(dir, name, text);
}

/* Alice's claim of devices @dev[0..@n - 1], one-time prekeys by @ot. */
static int put_alice(struct claim_world *c, const char *dir,
		     const char *name, const unsigned int *dev,
		     unsigned int n, unsigned int ot)
{
	json_t *a = claim_world_answer(c, dev, n, ot);
	char *text = a ? json_dumps(a, JSON_COMPACT) : NULL;
	int ret = put_claim(c, dir, name, WORLD_ALICE, text);

	free(text);
	json_decref(a);
	return ret;
}

int main(int argc, char **argv)
{
	static const unsigned int both[] = { 0, 1 }, back[] = { 1, 0 };
	static struct claim_world c;
	const char *dir;
	int ret = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	dir = argv[1];
	if (claim_world_build(&c)) {
		fprintf(stderr, "gen_claim_seeds: cannot build the world\n");
		goto out;
	}
	if (put_alice(&c, dir, "alice", both, 2, 1) ||
	    put_alice(&c, dir, "alice_both_one_time", both, 2, 3) ||
	    put_alice(&c, dir, "alice_last_resort_only", both, 2, 0) ||
	    put_alice(&c, dir, "alice_reversed", back, 2, 2) ||
	    put_alice(&c, dir, "alice_one_device", back, 1, 1) ||
	    put_alice(&c, dir, "alice_no_devices", both, 0, 0) ||
	    put_claim(&c, dir, "carol", WORLD_CAROL,
		      "{\"handle\":\"carol@example.org\",\"devices\":[]}") ||
	    put(dir, "empty_object", "{}") ||
	    put(dir, "skeleton",
		"{\"handle\":\"alice@example.org\",\"devices\":["
		"{\"device_id\":\"\",\"one_time_prekey\":{\"id\":0,"
		"\"key\":\"\"},\"last_resort_prekey\":{\"id\":0,"
		"\"key\":\"\",\"signature\":\"\"}}]}")) {
		fprintf(stderr, "gen_claim_seeds: cannot write the seeds\n");
		goto out;
	}
	ret = 0;
out:
	claim_world_free(&c);
	return ret;
}
