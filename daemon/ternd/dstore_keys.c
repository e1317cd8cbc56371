// SPDX-License-Identifier: GPL-2.0
/*
 * ternd's store: this device's X25519 keys for the directory (dstore.h,
 * "keys").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dstore_int.h"

/* A private key column, opened into @priv. */
static int open_priv(struct dstore *ds, sqlite3_stmt *s, int col,
		     uint8_t priv[DSTORE_KEY_LEN])
{
	size_t len = (size_t)sqlite3_column_bytes(s, col), n;
	uint8_t *p;
	int ret;

	ret = dstore_unseal(ds, DSTORE_L_PRIV, sqlite3_column_blob(s, col),
			    len, &p, &n);
	if (ret)
		return ret;
	if (n != DSTORE_KEY_LEN)
		ret = dstore_corrupt(ds, "a private key");
	else
		memcpy(priv, p, DSTORE_KEY_LEN);
	explicit_bzero(p, n);
	free(p);
	return ret;
}

static int pk_bind_kind(struct dstore *ds, sqlite3_stmt *s,
			enum dstore_key_kind kind, const char *what)
{
	if (sqlite3_bind_int(s, 1, kind))
		return dstore_bind_fail(ds, what);
	return 0;
}

int dstore_key_put(struct dstore *ds, enum dstore_key_kind kind, uint32_t id,
		   const uint8_t priv[DSTORE_KEY_LEN],
		   const uint8_t pub[DSTORE_KEY_LEN], uint64_t now_ms)
{
	sqlite3_stmt *s = ds->st[S_PK_PUT];
	uint8_t *sealed;
	size_t len;
	int ret;

	ret = sqldb_op_begin(&ds->d);
	if (ret)
		return ret;
	ret = dstore_seal(ds, DSTORE_L_PRIV, priv, DSTORE_KEY_LEN, &sealed,
			  &len);
	if (ret)
		return sqldb_op_end(&ds->d, ret);
	if (sqlite3_bind_int(s, 1, kind) || sqlite3_bind_int64(s, 2, id) ||
	    sqlite3_bind_blob(s, 3, sealed, (int)len, SQLITE_STATIC) ||
	    sqlite3_bind_blob(s, 4, pub, DSTORE_KEY_LEN, SQLITE_STATIC) ||
	    sqlite3_bind_int64(s, 5, dstore_s64(now_ms)))
		ret = dstore_bind_fail(ds, "store key");
	else
		ret = sqldb_step_done(&ds->d, s, "store key");
	sqlite3_clear_bindings(s);
	free(sealed);
	return sqldb_op_end(&ds->d, ret);
}

static int pk_int(struct dstore *ds, int stmt, enum dstore_key_kind kind,
		  const char *what, int64_t *out)
{
	sqlite3_stmt *s = ds->st[stmt];
	int ret;

	ret = pk_bind_kind(ds, s, kind, what);
	if (ret)
		return ret;
	ret = sqldb_step_row(&ds->d, s, what);
	if (ret <= 0)
		return ret ? ret : dstore_corrupt(ds, what);
	*out = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return 0;
}

int dstore_key_next_id(struct dstore *ds, enum dstore_key_kind kind,
		       uint32_t *id)
{
	int64_t v;
	int ret = pk_int(ds, S_PK_NEXT, kind, "next key id", &v);

	if (ret)
		return ret;
	if (v < 1 || v > UINT32_MAX)
		return -EOVERFLOW;
	*id = v;
	return 0;
}

int dstore_key_count(struct dstore *ds, enum dstore_key_kind kind)
{
	int64_t v;
	int ret = pk_int(ds, S_PK_COUNT, kind, "count keys", &v);

	return ret ? ret : (int)(v > INT32_MAX ? INT32_MAX : v);
}

int dstore_key_latest(struct dstore *ds, enum dstore_key_kind kind,
		      struct dkey *k)
{
	sqlite3_stmt *s = ds->st[S_PK_LATEST];
	int ret;

	ret = pk_bind_kind(ds, s, kind, "read key");
	if (ret)
		return ret;
	ret = sqldb_step_row(&ds->d, s, "read key");
	if (ret <= 0)
		return ret ? ret : -ENOENT;
	if (sqlite3_column_bytes(s, 2) != DSTORE_KEY_LEN) {
		sqlite3_reset(s);
		return dstore_corrupt(ds, "read key");
	}
	ret = open_priv(ds, s, 1, k->priv);
	if (ret) {
		sqlite3_reset(s);
		return ret;
	}
	k->kind = kind;
	k->id = (uint32_t)sqlite3_column_int64(s, 0);
	memcpy(k->pub, sqlite3_column_blob(s, 2), DSTORE_KEY_LEN);
	k->created_ms = (uint64_t)sqlite3_column_int64(s, 3);
	k->published = sqlite3_column_int(s, 4) != 0;
	sqlite3_reset(s);
	return 0;
}

int dstore_key_unpublished(struct dstore *ds, enum dstore_key_kind kind,
			   unsigned int max, uint32_t *ids,
			   uint8_t (*pubs)[DSTORE_KEY_LEN])
{
	sqlite3_stmt *s = ds->st[S_PK_UNPUB];
	unsigned int n = 0;
	int ret;

	if (sqlite3_bind_int(s, 1, kind) || sqlite3_bind_int(s, 2, max))
		return dstore_bind_fail(ds, "read unpublished keys");
	while ((ret = sqldb_step_row(&ds->d, s, "read unpublished keys")) > 0) {
		if (sqlite3_column_bytes(s, 1) != DSTORE_KEY_LEN) {
			sqlite3_reset(s);
			return dstore_corrupt(ds, "read unpublished keys");
		}
		ids[n] = (uint32_t)sqlite3_column_int64(s, 0);
		memcpy(pubs[n], sqlite3_column_blob(s, 1), DSTORE_KEY_LEN);
		n++;
	}
	return ret < 0 ? ret : (int)n;
}

int dstore_key_published(struct dstore *ds, enum dstore_key_kind kind,
			 uint32_t upto)
{
	sqlite3_stmt *s = ds->st[S_PK_PUBLISHED];
	int ret;

	ret = sqldb_op_begin(&ds->d);
	if (ret)
		return ret;
	if (sqlite3_bind_int(s, 1, kind) || sqlite3_bind_int64(s, 2, upto))
		ret = dstore_bind_fail(ds, "mark keys published");
	else
		ret = sqldb_step_done(&ds->d, s, "mark keys published");
	return sqldb_op_end(&ds->d, ret);
}

int dstore_key_get(struct dstore *ds, enum dstore_key_kind kind, uint32_t id,
		   struct dkey *k)
{
	sqlite3_stmt *s = ds->st[S_PK_GET];
	int ret;

	if (sqlite3_bind_int(s, 1, kind) || sqlite3_bind_int64(s, 2, id))
		return dstore_bind_fail(ds, "read key");
	ret = sqldb_step_row(&ds->d, s, "read key");
	if (ret <= 0)
		return ret ? ret : -ENOENT;
	if (sqlite3_column_bytes(s, 1) != DSTORE_KEY_LEN) {
		sqlite3_reset(s);
		return dstore_corrupt(ds, "read key");
	}
	ret = open_priv(ds, s, 0, k->priv);
	if (ret) {
		sqlite3_reset(s);
		return ret;
	}
	k->kind = kind;
	k->id = id;
	memcpy(k->pub, sqlite3_column_blob(s, 1), DSTORE_KEY_LEN);
	k->created_ms = (uint64_t)sqlite3_column_int64(s, 2);
	k->published = sqlite3_column_int(s, 3) != 0;
	sqlite3_reset(s);
	return 0;
}

int dstore_key_del(struct dstore *ds, enum dstore_key_kind kind, uint32_t id)
{
	sqlite3_stmt *s = ds->st[S_PK_DEL];
	int ret;

	ret = sqldb_op_begin(&ds->d);
	if (ret)
		return ret;
	if (sqlite3_bind_int(s, 1, kind) || sqlite3_bind_int64(s, 2, id))
		ret = dstore_bind_fail(ds, "forget key");
	else
		ret = sqldb_step_done(&ds->d, s, "forget key");
	if (!ret && !sqlite3_changes(ds->d.db))
		ret = -ENOENT;
	return sqldb_op_end(&ds->d, ret);
}
