// SPDX-License-Identifier: GPL-2.0
/*
 * Gateway logging, to stderr (journald under systemd). What may appear is
 * fixed by the callers: counts, close reasons and errors, never payloads,
 * message ids, tokens or anything about who sends to whom.
 */
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <sqlite3.h>

#include "gw.h"
#include "sqlckpt.h"
#include "sqlsync.h"
#include "store.h"

void gw_log(struct gw *gw, int level, const char *fmt, ...)
{
	static const char *const prefix[] = { "<3>", "<6>", "<7>" };
	va_list ap;

	if (level > gw->conf.verbose + GW_INFO - 1 && level != GW_ERR)
		return;
	fputs(prefix[level], stderr);
	fputs("tern-gatewayd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/*
 * SIGUSR1: counts and memory, whatever the verbosity. The heap in use
 * (malloc's, SQLite's included) is what the sessions cost; the RSS also
 * holds what was freed but not given back.
 */
void gw_log_stats(struct gw *gw)
{
	struct mallinfo2 mi = mallinfo2();
	const struct gw_stats *st = &gw->stats;
	struct sqlckpt_stats ck = { 0 };
	struct sqlsync_stats sy = { 0 };

	if (gw->store) {
		gw_store_ckpt_stats(gw->store, &ck);
		gw_store_sync_stats(gw->store, &sy);
	}

	fprintf(stderr, "<5>tern-gatewayd: stats: sessions %u (before hello "
		"%u, in handshake %u); accepted %llu refused %llu tls-failed "
		"%llu left in handshake %llu hellos %llu; pushes %llu acks %llu nacks %llu "
		"delivered %llu; heap in use %zu bytes (SQLite %lld); "
		"WAL checkpoints %llu (failed %llu, by the loop %llu); "
		"WAL flushes %llu for %llu commits; "
		"frame-send %llu (blocked %llu, retried %llu)\n",
		gw->n_sess, gw->n_unauth, gw->n_hs,
		(unsigned long long)st->accepted,
		(unsigned long long)st->refused,
		(unsigned long long)st->tls_failed,
		(unsigned long long)st->hs_gone,
		(unsigned long long)st->hellos,
		(unsigned long long)st->pushes, (unsigned long long)st->acks,
		(unsigned long long)st->nacks,
		(unsigned long long)st->delivered,
		mi.uordblks + mi.hblkhd, (long long)sqlite3_memory_used(),
		(unsigned long long)ck.runs, (unsigned long long)ck.failed,
		(unsigned long long)ck.owner_runs,
		(unsigned long long)sy.syncs, (unsigned long long)sy.requests,
		(unsigned long long)st->ksends,
		(unsigned long long)st->kblocked,
		(unsigned long long)st->kretries);
}
