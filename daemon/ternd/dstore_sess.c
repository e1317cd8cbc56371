// SPDX-License-Identifier: GPL-2.0
/*
 * ternd's store: end-to-end sessions, one row per peer device (dstore.h,
 * "sessions"). The states are opaque here; daemon/ternd/sess.c encodes
 * and checks them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dstore_int.h"

/* A sealed state, opened into a malloc()ed copy. */
static int open_blob(struct dstore *ds, sqlite3_stmt *s, int col,
		     uint8_t **out, size_t *len)
{
	const void *p = sqldb_column_blob(s, col, len);

	return dstore_unseal(ds, DSTORE_L_STATE, p, *len, out, len);
}

int dstore_sess_get(struct dstore *ds, const uint8_t peer_dev[DSTORE_DEV_LEN],
		    struct dsess *out)
{
	sqlite3_stmt *s = ds->st[S_SS_GET];
	const unsigned char *handle;
	size_t n;
	int ret;

	memset(out, 0, sizeof(*out));
	if (sqldb_bind_blob(s, 1, peer_dev, DSTORE_DEV_LEN))
		return dstore_bind_fail(ds, "read session");
	ret = sqldb_step_row(&ds->d, s, "read session");
	if (ret <= 0)
		return ret ? ret : -ENOENT;
	handle = sqlite3_column_text(s, 0);
	n = (size_t)sqlite3_column_bytes(s, 0);
	if (!handle || n >= sizeof(out->handle) ||
	    sqlite3_column_bytes(s, 1) != DSTORE_KEY_LEN) {
		ret = dstore_corrupt(ds, "a session's handle or identity key");
		goto out;
	}
	memcpy(out->handle, handle, n);
	memcpy(out->peer_ik, sqlite3_column_blob(s, 1), DSTORE_KEY_LEN);
	ret = open_blob(ds, s, 2, &out->state, &out->state_len);
	if (!ret && sqlite3_column_type(s, 3) != SQLITE_NULL)
		ret = open_blob(ds, s, 3, &out->prev, &out->prev_len);
	out->updated_ms = (uint64_t)sqlite3_column_int64(s, 4);
out:
	sqlite3_reset(s);
	if (ret)
		dsess_free(out);
	return ret;
}

void dsess_free(struct dsess *s)
{
	/* The states hold private keys. */
	if (s->state)
		explicit_bzero(s->state, s->state_len);
	if (s->prev)
		explicit_bzero(s->prev, s->prev_len);
	free(s->state);
	free(s->prev);
	s->state = s->prev = NULL;
	s->state_len = s->prev_len = 0;
}

int dstore_sess_put(struct dstore *ds, const uint8_t peer_dev[DSTORE_DEV_LEN],
		    const struct dsess *in)
{
	sqlite3_stmt *s = ds->st[S_SS_PUT];
	uint8_t *state = NULL, *prev = NULL;
	size_t slen = 0, plen = 0;
	int ret;

	ret = sqldb_op_begin(&ds->d);
	if (ret)
		return ret;
	ret = dstore_seal(ds, DSTORE_L_STATE, in->state, in->state_len, &state,
			  &slen);
	if (!ret && in->prev)
		ret = dstore_seal(ds, DSTORE_L_STATE, in->prev, in->prev_len,
				  &prev, &plen);
	if (ret)
		goto out;
	if (sqldb_bind_blob(s, 1, peer_dev, DSTORE_DEV_LEN) ||
	    sqlite3_bind_text(s, 2, in->handle, -1, SQLITE_STATIC) ||
	    sqldb_bind_blob(s, 3, in->peer_ik, DSTORE_KEY_LEN) ||
	    sqldb_bind_blob(s, 4, state, slen) ||
	    (prev ? sqldb_bind_blob(s, 5, prev, plen) :
		    sqlite3_bind_null(s, 5)) ||
	    sqlite3_bind_int64(s, 6, dstore_s64(in->updated_ms)))
		ret = dstore_bind_fail(ds, "store session");
	else
		ret = sqldb_step_done(&ds->d, s, "store session");
	sqlite3_clear_bindings(s);
out:
	free(state);
	free(prev);
	return sqldb_op_end(&ds->d, ret);
}

int dstore_sess_del(struct dstore *ds, const uint8_t peer_dev[DSTORE_DEV_LEN])
{
	sqlite3_stmt *s = ds->st[S_SS_DEL];
	int ret;

	ret = sqldb_op_begin(&ds->d);
	if (ret)
		return ret;
	if (sqldb_bind_blob(s, 1, peer_dev, DSTORE_DEV_LEN))
		ret = dstore_bind_fail(ds, "forget session");
	else
		ret = sqldb_step_done(&ds->d, s, "forget session");
	if (!ret && !sqlite3_changes(ds->d.db))
		ret = -ENOENT;
	return sqldb_op_end(&ds->d, ret);
}
