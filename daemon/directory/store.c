// SPDX-License-Identifier: GPL-2.0
/*
 * tern-directoryd's SQLite store (store.h), over the daemons' shared
 * helpers (daemon/common/sqldb.c): a private data directory, WAL,
 * synchronous=FULL, persistent prepared statements.
 *
 * accounts.commitment is the handle's map value as of the last epoch and
 * accounts.vrf_out its map key, so the map is rebuilt at start from one
 * table scan. A one-time prekey row is deleted when it is claimed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sqldb.h"
#include "store.h"

#define DIRD_SCHEMA_VERSION	1

static const char schema[] =
	"CREATE TABLE accounts ("
	" handle TEXT PRIMARY KEY NOT NULL,"
	" account_key BLOB NOT NULL CHECK (length(account_key) = 32),"
	" seq INTEGER NOT NULL,"
	" vrf_pi BLOB NOT NULL,"
	" vrf_out BLOB UNIQUE NOT NULL CHECK (length(vrf_out) = 32),"
	" commitment BLOB NOT NULL CHECK (length(commitment) = 32)"
	") WITHOUT ROWID;"
	"CREATE TABLE devices ("
	" handle TEXT NOT NULL REFERENCES accounts (handle),"
	" device_id BLOB NOT NULL CHECK (length(device_id) = 16),"
	" identity_key BLOB NOT NULL, identity_x25519 BLOB NOT NULL,"
	" x25519_sig BLOB NOT NULL, push_token BLOB NOT NULL,"
	" spk_id INTEGER NOT NULL, spk_key BLOB NOT NULL,"
	" spk_sig BLOB NOT NULL,"
	" lr_id INTEGER NOT NULL, lr_key BLOB NOT NULL, lr_sig BLOB NOT NULL,"
	" kem_id INTEGER, kem_key BLOB, kem_sig BLOB,"
	" PRIMARY KEY (handle, device_id)"
	") WITHOUT ROWID;"
	"CREATE TABLE otpk ("
	" handle TEXT NOT NULL, device_id BLOB NOT NULL,"
	" kid INTEGER NOT NULL, key BLOB NOT NULL,"
	" PRIMARY KEY (handle, device_id, kid)"
	") WITHOUT ROWID;"
	"CREATE TABLE invites (code TEXT PRIMARY KEY NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE epochs ("
	" epoch INTEGER PRIMARY KEY NOT NULL,"
	" map_root BLOB NOT NULL CHECK (length(map_root) = 32)"
	");";

enum {
	S_ACC_GET,
	S_ACC_ADD,
	S_ACC_SET,
	S_ACC_KEY,
	S_DEV_LIST,
	S_DEV_PUT,
	S_DEV_DEL,
	S_SPK_SET,
	S_OTPK_DEL_DEV,
	S_OTPK_ADD,
	S_OTPK_COUNT,
	S_OTPK_TAKE,
	S_INV_USE,
	S_INV_ADD,
	S_EPOCH_ADD,
	S_EPOCHS,
	S_COMMITS,
	S_COUNT,
};

static const char *const sql[S_COUNT] = {
	[S_ACC_GET] = "SELECT account_key, seq, vrf_pi, vrf_out FROM accounts"
		" WHERE handle = ?1",
	[S_ACC_ADD] = "INSERT INTO accounts (handle, account_key, seq, vrf_pi,"
		" vrf_out, commitment) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[S_ACC_SET] = "UPDATE accounts SET seq = ?2, commitment = ?3"
		" WHERE handle = ?1",
	[S_ACC_KEY] = "UPDATE accounts SET account_key = ?2 WHERE handle = ?1",
	[S_DEV_LIST] = "SELECT device_id, identity_key, identity_x25519,"
		" x25519_sig, push_token, spk_id, spk_key, spk_sig, lr_id,"
		" lr_key, lr_sig, kem_id, kem_key, kem_sig FROM devices"
		" WHERE handle = ?1 ORDER BY device_id",
	[S_DEV_PUT] = "INSERT OR REPLACE INTO devices (handle, device_id,"
		" identity_key, identity_x25519, x25519_sig, push_token,"
		" spk_id, spk_key, spk_sig, lr_id, lr_key, lr_sig, kem_id,"
		" kem_key, kem_sig) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
		" ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
	[S_SPK_SET] = "UPDATE devices SET spk_id = ?3, spk_key = ?4, spk_sig = ?5"
		" WHERE handle = ?1 AND device_id = ?2",
	[S_DEV_DEL] = "DELETE FROM devices WHERE handle = ?1 AND device_id = ?2",
	[S_OTPK_DEL_DEV] = "DELETE FROM otpk WHERE handle = ?1"
		" AND device_id = ?2",
	[S_OTPK_ADD] = "INSERT OR IGNORE INTO otpk (handle, device_id, kid, key)"
		" VALUES (?1, ?2, ?3, ?4)",
	[S_OTPK_COUNT] = "SELECT count(*) FROM otpk WHERE handle = ?1"
		" AND device_id = ?2",
	[S_OTPK_TAKE] = "DELETE FROM otpk WHERE (handle, device_id, kid) ="
		" (SELECT handle, device_id, kid FROM otpk WHERE handle = ?1"
		" AND device_id = ?2 ORDER BY kid LIMIT 1) RETURNING kid, key",
	[S_INV_USE] = "DELETE FROM invites WHERE code = ?1",
	[S_INV_ADD] = "INSERT INTO invites (code) VALUES (?1)",
	[S_EPOCH_ADD] = "INSERT INTO epochs (epoch, map_root) VALUES (?1, ?2)",
	[S_EPOCHS] = "SELECT epoch, map_root FROM epochs ORDER BY epoch",
	[S_COMMITS] = "SELECT vrf_out, commitment FROM accounts",
};

struct dird_store {
	struct sqldb d;
	sqlite3_stmt *st[S_COUNT];
};

int dird_store_open(struct dird_store **out, const char *dir, char *err,
		    size_t errlen)
{
	struct dird_store *s = calloc(1, sizeof(*s));
	int ret, i;

	if (!s)
		return -ENOMEM;
	ret = sqldb_open(&s->d, dir, "directory.db", DIRD_SCHEMA_VERSION,
			 schema, err, errlen);
	if (ret)
		goto fail;
	for (i = 0; i < S_COUNT; i++) {
		ret = sqldb_prepare(&s->d, sql[i], &s->st[i], err, errlen);
		if (ret)
			goto fail;
	}
	*out = s;
	return 0;
fail:
	dird_store_close(s);
	return ret;
}

void dird_store_close(struct dird_store *s)
{
	int i;

	if (!s)
		return;
	for (i = 0; i < S_COUNT; i++)
		sqlite3_finalize(s->st[i]);
	sqldb_close(&s->d);
	free(s);
}

const char *dird_store_error(struct dird_store *s)
{
	return sqldb_error(&s->d);
}

int dird_store_begin(struct dird_store *s)
{
	return sqldb_op_begin(&s->d);
}

int dird_store_end(struct dird_store *s, int ret)
{
	return sqldb_op_end(&s->d, ret);
}

static int bind_text(sqlite3_stmt *st, int i, const char *s)
{
	return sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

/* A blob column copied into @out (at most @max bytes): 0 or -EIO. */
static int column_copy(sqlite3_stmt *st, int i, void *out, size_t max,
		       size_t *len)
{
	size_t n;
	const void *p = sqldb_column_blob(st, i, &n);

	if (n > max)
		return -EIO;
	memcpy(out, p, n);
	if (len)
		*len = n;
	return 0;
}

static int column_exact(sqlite3_stmt *st, int i, void *out, size_t n)
{
	const void *p = sqldb_column_fixed(st, i, n);

	if (!p)
		return -EIO;
	memcpy(out, p, n);
	return 0;
}

int dird_store_account_get(struct dird_store *s, const char *handle,
			   struct dird_account *a)
{
	sqlite3_stmt *st = s->st[S_ACC_GET];
	int ret;

	bind_text(st, 1, handle);
	ret = sqldb_step_row(&s->d, st, "read account");
	if (ret <= 0)
		return ret ? ret : -ENOENT;
	a->seq = sqlite3_column_int64(st, 1);
	ret = column_exact(st, 0, a->account_key, ENTRY_KEY_LEN);
	if (!ret)
		ret = column_copy(st, 2, a->vrf_pi, sizeof(a->vrf_pi),
				  &a->vrf_pilen);
	if (!ret)
		ret = column_exact(st, 3, a->vrf_out, KT_HASH_LEN);
	sqlite3_reset(st);
	return ret;
}

int dird_store_account_add(struct dird_store *s, const char *handle,
			   const struct dird_account *a)
{
	sqlite3_stmt *st = s->st[S_ACC_ADD];
	uint8_t commitment[KT_HASH_LEN];
	struct entry *e = calloc(1, sizeof(*e));
	int ret;

	if (!e)
		return -ENOMEM;
	memcpy(e->account_key, a->account_key, ENTRY_KEY_LEN);
	e->seq = a->seq;
	ret = entry_commitment(e, commitment);
	free(e);
	if (ret)
		return ret;
	bind_text(st, 1, handle);
	sqldb_bind_blob(st, 2, a->account_key, ENTRY_KEY_LEN);
	sqlite3_bind_int64(st, 3, a->seq);
	sqldb_bind_blob(st, 4, a->vrf_pi, a->vrf_pilen);
	sqldb_bind_blob(st, 5, a->vrf_out, KT_HASH_LEN);
	sqldb_bind_blob(st, 6, commitment, KT_HASH_LEN);
	return sqldb_step_done(&s->d, st, "add account");
}

int dird_store_account_set(struct dird_store *s, const char *handle,
			   uint64_t seq, const uint8_t commitment[KT_HASH_LEN])
{
	sqlite3_stmt *st = s->st[S_ACC_SET];

	bind_text(st, 1, handle);
	sqlite3_bind_int64(st, 2, seq);
	sqldb_bind_blob(st, 3, commitment, KT_HASH_LEN);
	return sqldb_step_done(&s->d, st, "update account");
}

int dird_store_account_key(struct dird_store *s, const char *handle,
			   const uint8_t key[ENTRY_KEY_LEN])
{
	sqlite3_stmt *st = s->st[S_ACC_KEY];

	bind_text(st, 1, handle);
	sqldb_bind_blob(st, 2, key, ENTRY_KEY_LEN);
	return sqldb_step_done(&s->d, st, "rotate account key");
}

static int prekey_read(sqlite3_stmt *st, int i, struct dird_prekey *p)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL) {
		p->set = false;
		return 0;
	}
	p->set = true;
	p->id = sqlite3_column_int64(st, i);
	if (column_copy(st, i + 1, p->key, sizeof(p->key), &p->klen))
		return -EIO;
	return column_exact(st, i + 2, p->sig, ENTRY_SIG_LEN);
}

int dird_store_devices(struct dird_store *s, const char *handle,
		       struct dird_device *dev, unsigned int *n)
{
	sqlite3_stmt *st = s->st[S_DEV_LIST];
	struct dird_device *v;
	int ret;

	*n = 0;
	bind_text(st, 1, handle);
	while ((ret = sqldb_step_row(&s->d, st, "read devices")) == 1) {
		if (*n == ENTRY_MAX_DEVICES) {
			ret = -EIO;
			break;
		}
		v = &dev[*n];
		memset(v, 0, sizeof(*v));
		ret = column_exact(st, 0, v->e.id, ENTRY_ID_LEN);
		if (!ret)
			ret = column_exact(st, 1, v->e.identity_key, ENTRY_KEY_LEN);
		if (!ret)
			ret = column_exact(st, 2, v->e.identity_x25519, ENTRY_KEY_LEN);
		if (!ret)
			ret = column_exact(st, 3, v->e.x25519_sig, ENTRY_SIG_LEN);
		if (!ret)
			ret = column_exact(st, 4, v->e.push_token, ENTRY_TOKEN_LEN);
		if (!ret)
			ret = prekey_read(st, 5, &v->spk);
		if (!ret)
			ret = prekey_read(st, 8, &v->lr);
		if (!ret)
			ret = prekey_read(st, 11, &v->kem);
		if (ret)
			break;
		(*n)++;
	}
	sqlite3_reset(st);
	return ret;
}

static void prekey_bind(sqlite3_stmt *st, int i, const struct dird_prekey *p)
{
	if (!p->set) {
		sqlite3_bind_null(st, i);
		sqlite3_bind_null(st, i + 1);
		sqlite3_bind_null(st, i + 2);
		return;
	}
	sqlite3_bind_int64(st, i, p->id);
	sqldb_bind_blob(st, i + 1, p->key, p->klen);
	sqldb_bind_blob(st, i + 2, p->sig, ENTRY_SIG_LEN);
}

int dird_store_device_put(struct dird_store *s, const char *handle,
			  const struct dird_device *dev)
{
	sqlite3_stmt *st = s->st[S_OTPK_DEL_DEV];
	int ret;

	bind_text(st, 1, handle);
	sqldb_bind_blob(st, 2, dev->e.id, ENTRY_ID_LEN);
	ret = sqldb_step_done(&s->d, st, "drop one-time prekeys");
	if (ret)
		return ret;
	st = s->st[S_DEV_PUT];
	bind_text(st, 1, handle);
	sqldb_bind_blob(st, 2, dev->e.id, ENTRY_ID_LEN);
	sqldb_bind_blob(st, 3, dev->e.identity_key, ENTRY_KEY_LEN);
	sqldb_bind_blob(st, 4, dev->e.identity_x25519, ENTRY_KEY_LEN);
	sqldb_bind_blob(st, 5, dev->e.x25519_sig, ENTRY_SIG_LEN);
	sqldb_bind_blob(st, 6, dev->e.push_token, ENTRY_TOKEN_LEN);
	prekey_bind(st, 7, &dev->spk);
	prekey_bind(st, 10, &dev->lr);
	prekey_bind(st, 13, &dev->kem);
	return sqldb_step_done(&s->d, st, "store device");
}

int dird_store_spk_set(struct dird_store *s, const char *handle,
		       const uint8_t id[ENTRY_ID_LEN],
		       const struct dird_prekey *spk)
{
	sqlite3_stmt *st = s->st[S_SPK_SET];
	int ret;

	bind_text(st, 1, handle);
	sqldb_bind_blob(st, 2, id, ENTRY_ID_LEN);
	prekey_bind(st, 3, spk);
	ret = sqldb_step_done(&s->d, st, "replace signed prekey");
	if (ret)
		return ret;
	return sqlite3_changes(s->d.db) ? 0 : -ENOENT;
}

int dird_store_device_del(struct dird_store *s, const char *handle,
			  const uint8_t id[ENTRY_ID_LEN])
{
	sqlite3_stmt *st = s->st[S_DEV_DEL];
	int ret;

	bind_text(st, 1, handle);
	sqldb_bind_blob(st, 2, id, ENTRY_ID_LEN);
	ret = sqldb_step_done(&s->d, st, "remove device");
	if (ret)
		return ret;
	if (!sqlite3_changes(s->d.db))
		return -ENOENT;
	st = s->st[S_OTPK_DEL_DEV];
	bind_text(st, 1, handle);
	sqldb_bind_blob(st, 2, id, ENTRY_ID_LEN);
	return sqldb_step_done(&s->d, st, "drop one-time prekeys");
}

int dird_store_otpk_add(struct dird_store *s, const char *handle,
			const uint8_t id[ENTRY_ID_LEN], uint32_t kid,
			const uint8_t key[ENTRY_KEY_LEN])
{
	sqlite3_stmt *st = s->st[S_OTPK_ADD];

	bind_text(st, 1, handle);
	sqldb_bind_blob(st, 2, id, ENTRY_ID_LEN);
	sqlite3_bind_int64(st, 3, kid);
	sqldb_bind_blob(st, 4, key, ENTRY_KEY_LEN);
	return sqldb_step_done(&s->d, st, "add one-time prekey");
}

int dird_store_otpk_count(struct dird_store *s, const char *handle,
			  const uint8_t id[ENTRY_ID_LEN], unsigned int *n)
{
	sqlite3_stmt *st = s->st[S_OTPK_COUNT];
	int ret;

	bind_text(st, 1, handle);
	sqldb_bind_blob(st, 2, id, ENTRY_ID_LEN);
	ret = sqldb_step_row(&s->d, st, "count one-time prekeys");
	if (ret <= 0)
		return ret ? ret : -EIO;
	*n = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return 0;
}

int dird_store_otpk_take(struct dird_store *s, const char *handle,
			 const uint8_t id[ENTRY_ID_LEN], uint32_t *kid,
			 uint8_t key[ENTRY_KEY_LEN])
{
	sqlite3_stmt *st = s->st[S_OTPK_TAKE];
	int ret;

	bind_text(st, 1, handle);
	sqldb_bind_blob(st, 2, id, ENTRY_ID_LEN);
	ret = sqldb_step_row(&s->d, st, "take a one-time prekey");
	if (ret <= 0)
		return ret ? ret : -ENOENT;
	*kid = sqlite3_column_int64(st, 0);
	ret = column_exact(st, 1, key, ENTRY_KEY_LEN);
	/* The delete happened at the first step; finish the statement. */
	if (!ret && sqldb_step_row(&s->d, st, "take a one-time prekey") != 0)
		ret = -EIO;
	sqlite3_reset(st);
	return ret;
}

int dird_store_invite_use(struct dird_store *s, const char *code)
{
	sqlite3_stmt *st = s->st[S_INV_USE];
	int ret;

	bind_text(st, 1, code);
	ret = sqldb_step_done(&s->d, st, "use invite");
	if (ret)
		return ret;
	return sqlite3_changes(s->d.db) ? 0 : -ENOENT;
}

int dird_store_invite_add(struct dird_store *s, const char *code)
{
	sqlite3_stmt *st = s->st[S_INV_ADD];

	bind_text(st, 1, code);
	return sqldb_step_done(&s->d, st, "add invite");
}

int dird_store_epoch_add(struct dird_store *s, uint64_t epoch,
			 const uint8_t map_root[KT_HASH_LEN])
{
	sqlite3_stmt *st = s->st[S_EPOCH_ADD];

	sqlite3_bind_int64(st, 1, epoch);
	sqldb_bind_blob(st, 2, map_root, KT_HASH_LEN);
	return sqldb_step_done(&s->d, st, "add epoch");
}

int dird_store_epochs(struct dird_store *s,
		      int (*cb)(void *arg, uint64_t epoch,
				const uint8_t map_root[KT_HASH_LEN]),
		      void *arg)
{
	sqlite3_stmt *st = s->st[S_EPOCHS];
	uint8_t root[KT_HASH_LEN];
	int ret;

	while ((ret = sqldb_step_row(&s->d, st, "read epochs")) == 1) {
		ret = column_exact(st, 1, root, KT_HASH_LEN);
		if (!ret)
			ret = cb(arg, sqlite3_column_int64(st, 0), root);
		if (ret)
			break;
	}
	sqlite3_reset(st);
	return ret;
}

int dird_store_commitments(struct dird_store *s,
			   int (*cb)(void *arg,
				     const uint8_t key[KT_HASH_LEN],
				     const uint8_t value[KT_HASH_LEN]),
			   void *arg)
{
	sqlite3_stmt *st = s->st[S_COMMITS];
	uint8_t key[KT_HASH_LEN], value[KT_HASH_LEN];
	int ret;

	while ((ret = sqldb_step_row(&s->d, st, "read accounts")) == 1) {
		ret = column_exact(st, 0, key, KT_HASH_LEN);
		if (!ret)
			ret = column_exact(st, 1, value, KT_HASH_LEN);
		if (!ret)
			ret = cb(arg, key, value);
		if (ret)
			break;
	}
	sqlite3_reset(st);
	return ret;
}
