// SPDX-License-Identifier: GPL-2.0
/*
 * Writes the seed corpus of ratchet_fuzz into a directory: every message
 * of the fixed session of ratchet_world.c (rw_build() checked that those
 * not opened open and the others do not), and a few near misses of one:
 * empty, a header alone, one byte short of the overhead, one byte more,
 * an all-zero ratchet key, a message number far ahead.
 *
 * Usage: gen_ratchet_seeds DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ratchet_world.h"

static int put(const char *dir, const char *name, const uint8_t *buf,
	       size_t len)
{
	char path[4096];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	ok = fwrite(buf, 1, len, f) == len;
	return fclose(f) || !ok ? -1 : 0;
}

int main(int argc, char **argv)
{
	static struct ratchet_world w;
	uint8_t buf[RATCHET_OVERHEAD + RW_MAX_PT + 1];
	const struct rw_msg *m;
	char name[32];
	unsigned int i;
	int ret = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	if (rw_build(&w)) {
		fprintf(stderr, "gen_ratchet_seeds: cannot build the session\n");
		goto out;
	}
	for (i = 0; i < w.n_msgs; i++) {
		m = &w.msg[i];
		snprintf(name, sizeof(name), "%s_to_%c%s", m->name, m->to,
			 m->opened ? "_opened" : "");
		if (put(argv[1], name, m->buf, m->len))
			goto fail;
	}
	/* Near misses of the last message (the first of a new chain). */
	m = &w.msg[w.n_msgs - 1];
	memcpy(buf, m->buf, m->len);
	buf[m->len] = 0;
	if (put(argv[1], "empty", buf, 0) ||
	    put(argv[1], "header", buf, RATCHET_HEADER_LEN) ||
	    put(argv[1], "short", buf, RATCHET_OVERHEAD - 1) ||
	    put(argv[1], "longer", buf, m->len + 1))
		goto fail;
	memset(buf, 0, E2E_KEY_LEN);
	if (put(argv[1], "zero_key", buf, m->len))
		goto fail;
	memcpy(buf, m->buf, m->len);
	buf[E2E_KEY_LEN + 4] = 0x7f;
	if (put(argv[1], "far_ahead", buf, m->len))
		goto fail;
	ret = 0;
	goto out;
fail:
	fprintf(stderr, "gen_ratchet_seeds: cannot write the seeds\n");
out:
	rw_free(&w);
	return ret;
}
