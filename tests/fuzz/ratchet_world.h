/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small, fixed session for ratchet_fuzz and gen_ratchet_seeds
 * (daemon/e2e: the key agreement and the Double Ratchet): the same keys,
 * ratchet keys and messages on every run, so that the seeds
 * gen_ratchet_seeds writes are the genuine messages ratchet_fuzz knows.
 *
 * Alice and Bob agree on a session from fixed private keys and exchange a
 * few messages both ways (three DH ratchet steps, loss, reordering); then
 * each side's state is kept as it is, with skipped keys in Bob's current
 * and previous chains. The table of messages holds, for each side, the
 * genuine messages it can still open (the next one of its chain, skipped
 * ones, the first of a new chain) and those it already opened.
 */
#ifndef TERN_RATCHET_WORLD_H
#define TERN_RATCHET_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "e2e.h"
#include "ratchet.h"
#include "x3dh.h"

#define RW_MAX_PT	48
#define RW_MAX_MSGS	16

/* Ratchet key pairs from a seed: the same ones on every run. */
struct rw_keygen {
	uint64_t seed;
};

int rw_keygen(void *arg, struct e2e_keypair *kp);

struct rw_msg {
	char name[16];
	char to;		/* 'a' (Alice's) or 'b' (Bob's) */
	bool opened;		/* opened before the state was kept */
	size_t len, ptlen;
	uint8_t buf[RATCHET_OVERHEAD + RW_MAX_PT];
	uint8_t pt[RW_MAX_PT];
};

struct ratchet_world {
	uint8_t ad[X3DH_AD_LEN];
	struct ratchet a, b;		/* the states kept */
	struct rw_keygen kg_a, kg_b;
	struct rw_msg msg[RW_MAX_MSGS];
	unsigned int n_msgs;
};

/*
 * Builds the world into zeroed @w and checks its table: each message
 * not opened opens from a copy of its side's state, to its plaintext;
 * each opened one does not. 0 or -1; rw_free() either way.
 */
int rw_build(struct ratchet_world *w);
void rw_free(struct ratchet_world *w);

/* A deep copy of @src (the struct and its skipped keys); exits on ENOMEM. */
void rw_clone(struct ratchet *dst, const struct ratchet *src);

#endif /* TERN_RATCHET_WORLD_H */
