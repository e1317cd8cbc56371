// SPDX-License-Identifier: GPL-2.0
/*
 * kconns.db: the kernel transport's sessions, by tern.ko cookie.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kstate.h"
#include "sqldb.h"

static const char schema[] =
	"CREATE TABLE kconns ("
	" cookie INTEGER PRIMARY KEY,"
	" exporter BLOB NOT NULL,"
	" dkey BLOB,"
	" token BLOB,"
	" hb_ms INTEGER NOT NULL DEFAULT 0);";

struct kstate {
	struct sqldb db;
	sqlite3_stmt *add, *ready, *del, *get, *all;
};

int kstate_open(const char *dir, struct kstate **out, char *err,
		size_t errlen)
{
	struct kstate *ks = calloc(1, sizeof(*ks));
	int ret;

	if (!ks)
		return -ENOMEM;
	ret = sqldb_open(&ks->db, dir, "kconns.db", 1, schema, err, errlen);
	if (ret)
		goto fail;
	ret = sqldb_prepare(&ks->db, "INSERT OR REPLACE INTO kconns"
			    " (cookie, exporter) VALUES (?, ?)",
			    &ks->add, err, errlen);
	if (!ret)
		ret = sqldb_prepare(&ks->db, "UPDATE kconns SET dkey = ?,"
				    " token = ?, hb_ms = ? WHERE cookie = ?",
				    &ks->ready, err, errlen);
	if (!ret)
		ret = sqldb_prepare(&ks->db,
				    "DELETE FROM kconns WHERE cookie = ?",
				    &ks->del, err, errlen);
	if (!ret)
		ret = sqldb_prepare(&ks->db, "SELECT exporter, dkey, token,"
				    " hb_ms FROM kconns WHERE cookie = ?",
				    &ks->get, err, errlen);
	if (!ret)
		ret = sqldb_prepare(&ks->db, "SELECT cookie FROM kconns",
				    &ks->all, err, errlen);
	if (ret)
		goto fail;
	*out = ks;
	return 0;
fail:
	kstate_close(ks);
	return ret;
}

void kstate_close(struct kstate *ks)
{
	if (!ks)
		return;
	sqlite3_finalize(ks->add);
	sqlite3_finalize(ks->ready);
	sqlite3_finalize(ks->del);
	sqlite3_finalize(ks->get);
	sqlite3_finalize(ks->all);
	sqldb_close(&ks->db);
	free(ks);
}

void kstate_shrink(struct kstate *ks)
{
	sqlite3_db_release_memory(ks->db.db);
}

const char *kstate_error(struct kstate *ks)
{
	return sqldb_error(&ks->db);
}

/* The cookie is a u64; SQLite keeps it as the same 64 bits, signed. */
static void bind_cookie(sqlite3_stmt *st, int i, uint64_t cookie)
{
	sqlite3_bind_int64(st, i, (sqlite3_int64)cookie);
}

int kstate_add(struct kstate *ks, uint64_t cookie,
	       const uint8_t exporter[WIRE_EXPORTER_LEN])
{
	int ret = sqldb_op_begin_durable(&ks->db);

	if (ret)
		return ret;
	bind_cookie(ks->add, 1, cookie);
	sqldb_bind_blob(ks->add, 2, exporter, WIRE_EXPORTER_LEN);
	ret = sqldb_step_done(&ks->db, ks->add, "add connection");
	return sqldb_op_end_durable(&ks->db, ret);
}

int kstate_ready(struct kstate *ks, uint64_t cookie,
		 const uint8_t dkey[WIRE_KEY_LEN],
		 const uint8_t token[WIRE_TOKEN_LEN], uint32_t hb_ms)
{
	int ret = sqldb_op_begin_durable(&ks->db);

	if (ret)
		return ret;
	sqldb_bind_blob(ks->ready, 1, dkey, WIRE_KEY_LEN);
	sqldb_bind_blob(ks->ready, 2, token, WIRE_TOKEN_LEN);
	sqlite3_bind_int64(ks->ready, 3, hb_ms);
	bind_cookie(ks->ready, 4, cookie);
	ret = sqldb_step_done(&ks->db, ks->ready, "session ready");
	return sqldb_op_end_durable(&ks->db, ret);
}

int kstate_add_ready(struct kstate *ks, const struct kstate_row *rows,
		     size_t n)
{
	size_t i;
	int ret = sqldb_begin(&ks->db);

	for (i = 0; !ret && i < n; i++) {
		const struct kstate_row *r = &rows[i];

		bind_cookie(ks->add, 1, r->cookie);
		sqldb_bind_blob(ks->add, 2, r->exporter, WIRE_EXPORTER_LEN);
		ret = sqldb_step_done(&ks->db, ks->add, "add connection");
		if (ret)
			break;
		sqldb_bind_blob(ks->ready, 1, r->dkey, WIRE_KEY_LEN);
		sqldb_bind_blob(ks->ready, 2, r->token, WIRE_TOKEN_LEN);
		sqlite3_bind_int64(ks->ready, 3, r->hb_ms);
		bind_cookie(ks->ready, 4, r->cookie);
		ret = sqldb_step_done(&ks->db, ks->ready, "session ready");
	}
	if (ret) {
		sqldb_rollback(&ks->db);
		return ret;
	}
	return sqldb_commit(&ks->db);
}

int kstate_del(struct kstate *ks, uint64_t cookie)
{
	int ret = sqldb_op_begin(&ks->db);

	if (ret)
		return ret;
	bind_cookie(ks->del, 1, cookie);
	ret = sqldb_step_done(&ks->db, ks->del, "delete connection");
	return sqldb_op_end(&ks->db, ret);
}

int kstate_get(struct kstate *ks, uint64_t cookie, struct kstate_row *row)
{
	const void *exp, *dkey, *token;
	int ret;

	memset(row, 0, sizeof(*row));
	bind_cookie(ks->get, 1, cookie);
	ret = sqldb_step_row(&ks->db, ks->get, "get connection");
	if (ret <= 0)
		return ret ? ret : -ENOENT;
	exp = sqldb_column_fixed(ks->get, 0, WIRE_EXPORTER_LEN);
	dkey = sqldb_column_fixed(ks->get, 1, WIRE_KEY_LEN);
	token = sqldb_column_fixed(ks->get, 2, WIRE_TOKEN_LEN);
	row->cookie = cookie;
	if (exp)
		memcpy(row->exporter, exp, WIRE_EXPORTER_LEN);
	if (dkey && token) {
		row->ready = true;
		memcpy(row->dkey, dkey, WIRE_KEY_LEN);
		memcpy(row->token, token, WIRE_TOKEN_LEN);
		row->hb_ms = sqlite3_column_int64(ks->get, 3);
	}
	sqlite3_reset(ks->get);
	return exp ? 0 : -ENOENT;
}

int kstate_prune(struct kstate *ks, bool (*keep)(void *ctx, uint64_t cookie),
		 void *ctx)
{
	uint64_t *gone = NULL;
	size_t n = 0, cap = 0, i;
	int ret;

	while ((ret = sqldb_step_row(&ks->db, ks->all, "list")) == 1) {
		uint64_t c = (uint64_t)sqlite3_column_int64(ks->all, 0);

		if (keep(ctx, c))
			continue;
		if (n == cap) {
			uint64_t *g;

			cap = cap ? 2 * cap : 64;
			g = realloc(gone, cap * sizeof(*g));
			if (!g) {
				sqlite3_reset(ks->all);
				free(gone);
				return -ENOMEM;
			}
			gone = g;
		}
		gone[n++] = c;
	}
	for (i = 0; !ret && i < n; i++)
		ret = kstate_del(ks, gone[i]);
	free(gone);
	return ret;
}
