/* SPDX-License-Identifier: GPL-2.0 */
/*
 * WAL checkpoints off the owner's thread.
 *
 * In WAL mode every commit appends to the -wal file, and by default the
 * commit that takes it past 1,000 pages also copies it back into the
 * database and fsyncs that: a stall of milliseconds (many more under
 * emulation) in the middle of a loop iteration, paid by whichever
 * message happened to be in it. With a checkpointer the owning
 * connection never checkpoints: a hook on its commits wakes a thread
 * with a connection of its own when the WAL has grown by @pages since the
 * last checkpoint, and that thread runs a PASSIVE checkpoint, which takes
 * no lock the owner's reads and writes wait for. The next commit after a
 * complete one starts the WAL from its beginning again; a WAL that grows
 * regardless (commits back to back, faster than the thread copies) is
 * copied by the owner itself past a cap, as SQLite would have done.
 *
 * The owner keeps using its struct sqldb from its own thread as before;
 * only the wal hook, which SQLite runs in the owner's thread, touches the
 * checkpointer, under its mutex.
 */
#ifndef TERN_SQLCKPT_H
#define TERN_SQLCKPT_H

#include <stddef.h>
#include <stdint.h>

#include "sqldb.h"

#define SQLCKPT_PAGES	1000	/* SQLite's own autocheckpoint default */
/*
 * The owner checkpoints past this many times the threshold: 32 MiB of WAL
 * with 1 KiB pages. Its checkpoint stops the loop for two fsyncs; at 4x
 * the loop did it every second under load (287 times in one host run),
 * at 32x some 60 times, and a WAL never needs more than one commit past
 * the cap.
 */
#define SQLCKPT_CAP_FACTOR	32
#define SQLCKPT_CHASE	8	/* runs in a row chasing the commits */

struct sqlckpt;

struct sqlckpt_stats {
	uint64_t runs;		/* checkpoints run by the thread */
	uint64_t failed;	/* of which ended in an error */
	uint64_t owner_runs;	/* by the owner: the thread fell behind */
};

/* Start checkpointing @d's database from a thread; 0 or -errno (@err). */
int sqlckpt_start(struct sqldb *d, unsigned int pages, struct sqlckpt **out,
		  char *err, size_t errlen);
/*
 * Stop the thread (a checkpoint under way finishes first) and give the
 * checkpoints back to @d's connection. @c may be NULL. Call it before
 * sqldb_close() of the owner.
 */
void sqlckpt_stop(struct sqlckpt *c);
void sqlckpt_stats(struct sqlckpt *c, struct sqlckpt_stats *st);

#endif /* TERN_SQLCKPT_H */
