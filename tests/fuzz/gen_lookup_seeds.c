// SPDX-License-Identifier: GPL-2.0
/*
 * Writes the seed corpus of lookup_fuzz into a directory: genuine lookup
 * answers from the fixed directory of lookup_world.c (present, with and
 * without devices, absent both ways, with consistency proofs), which
 * lookup_fuzz's pins accept (each is checked before it is written), and a
 * few fragments.
 *
 * Usage: gen_lookup_seeds DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lookup.h"
#include "lookup_world.h"

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

static int put_answer(struct world *w, const char *dir, const char *name,
		      unsigned int h, uint64_t since)
{
	static struct lookup_result res;
	char *text = world_answer(w, h, since), err[256];
	enum lookup_verdict v;
	int ret = -1;

	if (!text)
		return -1;
	v = lookup_verify(text, strlen(text), w->handle[h], &w->pins,
			  since ? &w->heads[since] : NULL, w->now_ms, &res,
			  err, sizeof(err));
	if (v != LOOKUP_OK)
		fprintf(stderr, "gen_lookup_seeds: %s: %s: %s\n", name,
			lookup_verdict_name(v), err);
	else
		ret = put(dir, name, text);
	free(text);
	return ret;
}

int main(int argc, char **argv)
{
	static struct world w;
	const char *dir;
	int ret = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	dir = argv[1];
	if (world_build(&w)) {
		fprintf(stderr, "gen_lookup_seeds: cannot build the world\n");
		goto out;
	}
	if (put_answer(&w, dir, "alice", WORLD_ALICE, 0) ||
	    put_answer(&w, dir, "alice_since", WORLD_ALICE, WORLD_SEEN) ||
	    put_answer(&w, dir, "alice_since_1", WORLD_ALICE, 1) ||
	    put_answer(&w, dir, "carol", WORLD_CAROL, 0) ||
	    put_answer(&w, dir, "carol_since", WORLD_CAROL, WORLD_SEEN) ||
	    put_answer(&w, dir, "absent_empty", WORLD_NOBODY_EMPTY, 0) ||
	    put_answer(&w, dir, "absent_other", WORLD_NOBODY_OTHER,
		       WORLD_SEEN) ||
	    put(dir, "empty_object", "{}") ||
	    put(dir, "skeleton",
		"{\"handle\":\"alice@example.org\",\"present\":false,"
		"\"proof\":{\"head\":{\"size\":1,\"timestamp_ms\":0,"
		"\"root\":\"\",\"signature\":\"\"},\"epoch\":0,"
		"\"map_root\":\"\",\"inclusion\":[],\"consistency\":[],"
		"\"vrf\":\"\",\"map\":{\"end\":\"absent-other\","
		"\"depth\":0,\"empty\":\"\",\"siblings\":[],"
		"\"other_key\":\"\",\"other_value\":\"\"}}}")) {
		fprintf(stderr, "gen_lookup_seeds: cannot write the seeds\n");
		goto out;
	}
	ret = 0;
out:
	world_free(&w);
	return ret;
}
