// SPDX-License-Identifier: GPL-2.0
/*
 * The gateway's SQLite store: devices and the messages held for them.
 *
 * A message row whose payload is NULL is a tombstone: delivered, kept
 * until it expires so that a late retry of its sender is acked and not
 * delivered again. devices.queued counts a token's rows with a payload;
 * triggers keep it exact, so the max-queue check costs one row lookup.
 * seq is AUTOINCREMENT: never reused, so a session's delivery cursor
 * (fetch after seq) never skips a new message.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "sqlckpt.h"
#include "sqlsync.h"
#include "sqldb.h"
#include "store.h"

#define GW_SCHEMA_VERSION	1
#define GW_TOKEN_TRIES		4

static const char schema[] =
	"CREATE TABLE devices ("
	" device_key BLOB PRIMARY KEY NOT NULL CHECK (length(device_key) = 32),"
	" token BLOB UNIQUE NOT NULL CHECK (length(token) = 16),"
	" account_key BLOB NOT NULL CHECK (length(account_key) = 32),"
	" revoked INTEGER NOT NULL DEFAULT 0,"
	" queued INTEGER NOT NULL DEFAULT 0"
	") WITHOUT ROWID;"
	"CREATE TABLE messages ("
	" seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	" token BLOB NOT NULL,"
	" msg_id BLOB NOT NULL,"
	" expiry_s INTEGER NOT NULL,"
	" flags INTEGER NOT NULL,"
	" payload BLOB,"
	" UNIQUE (token, msg_id)"
	");"
	/* The undelivered messages of a token, in order. */
	"CREATE INDEX messages_queue ON messages (token, seq)"
	" WHERE payload IS NOT NULL;"
	"CREATE INDEX messages_expiry ON messages (expiry_s);"
	"CREATE TRIGGER messages_queued_insert AFTER INSERT ON messages"
	" WHEN NEW.payload IS NOT NULL BEGIN"
	" UPDATE devices SET queued = queued + 1 WHERE token = NEW.token;"
	" END;"
	"CREATE TRIGGER messages_queued_update AFTER UPDATE OF payload"
	" ON messages"
	" WHEN (OLD.payload IS NULL) != (NEW.payload IS NULL) BEGIN"
	" UPDATE devices SET queued = queued +"
	" (NEW.payload IS NOT NULL) - (OLD.payload IS NOT NULL)"
	" WHERE token = NEW.token;"
	" END;"
	"CREATE TRIGGER messages_queued_delete AFTER DELETE ON messages"
	" WHEN OLD.payload IS NOT NULL BEGIN"
	" UPDATE devices SET queued = queued - 1 WHERE token = OLD.token;"
	" END;";

enum {
	S_DEV_GET,
	S_DEV_ADD,
	S_DEV_JOIN,
	S_TOKEN_GET,
	S_TOKEN_REVOKE,
	S_MSG_DROP_TOKEN,
	S_MSG_EXISTS,
	S_MSG_ADD,
	S_MSG_FETCH,
	S_MSG_DELIVERED,
	S_MSG_EXPIRE,
	S_COUNT,
};

static const char *const sql[S_COUNT] = {
	[S_DEV_GET] = "SELECT token, account_key, revoked FROM devices"
		" WHERE device_key = ?1",
	[S_DEV_ADD] = "INSERT INTO devices (device_key, token, account_key)"
		" VALUES (?1, ?2, ?3)",
	[S_DEV_JOIN] = "UPDATE devices SET account_key = ?2"
		" WHERE device_key = ?1 AND account_key = device_key",
	[S_TOKEN_GET] = "SELECT device_key, account_key, revoked, queued"
		" FROM devices WHERE token = ?1",
	[S_TOKEN_REVOKE] = "UPDATE devices SET revoked = 1 WHERE token = ?1",
	[S_MSG_DROP_TOKEN] = "DELETE FROM messages WHERE token = ?1",
	[S_MSG_EXISTS] = "SELECT 1 FROM messages"
		" WHERE token = ?1 AND msg_id = ?2",
	[S_MSG_ADD] = "INSERT INTO messages"
		" (token, msg_id, expiry_s, flags, payload)"
		" VALUES (?1, ?2, ?3, ?4, ?5)"
		" ON CONFLICT (token, msg_id) DO NOTHING",
	[S_MSG_FETCH] = "SELECT seq, msg_id, expiry_s, flags, payload"
		" FROM messages WHERE token = ?1 AND payload IS NOT NULL"
		" AND seq > ?2 AND expiry_s >= ?3 ORDER BY seq LIMIT ?4",
	[S_MSG_DELIVERED] = "UPDATE messages SET payload = NULL"
		" WHERE token = ?1 AND msg_id = ?2 AND payload IS NOT NULL",
	[S_MSG_EXPIRE] = "DELETE FROM messages WHERE expiry_s < ?1",
};

struct gw_store {
	struct sqldb d;
	sqlite3_stmt *st[S_COUNT];
	struct sqlckpt *ckpt;
	struct sqlsync *sync;
};

/* A row of devices, by device key or by token. */
struct device {
	uint8_t dkey[GW_KEY_LEN];
	uint8_t token[GW_TOKEN_LEN];
	uint8_t akey[GW_KEY_LEN];
	bool revoked;
	int64_t queued;
};

/* SQLite integers are signed: larger times are "never" all the same. */
static int64_t s64(uint64_t v)
{
	return v > INT64_MAX ? INT64_MAX : (int64_t)v;
}

const char *gw_store_error(const struct gw_store *st)
{
	return sqldb_error(&st->d);
}

int gw_store_open(const char *dir, struct gw_store **out, char *err,
		  size_t errlen)
{
	struct gw_store *st;
	int i, ret;

	*out = NULL;
	st = calloc(1, sizeof(*st));
	if (!st) {
		snprintf(err, errlen, "%s: out of memory", GW_STORE_FILE);
		return -ENOMEM;
	}
	ret = sqldb_open(&st->d, dir, GW_STORE_FILE, GW_SCHEMA_VERSION, schema,
			 err, errlen);
	if (ret)
		goto fail;
	for (i = 0; i < S_COUNT; i++) {
		ret = sqldb_prepare(&st->d, sql[i], &st->st[i], err, errlen);
		if (ret)
			goto fail;
	}
	/* Commits stay short: the WAL goes back into the database
	 * elsewhere, not in the commit that happens to fill it.
	 */
	ret = sqlckpt_start(&st->d, SQLCKPT_PAGES, &st->ckpt, err, errlen);
	if (ret)
		goto fail;
	/* ... and the loop does not wait for the disk either. */
	ret = sqlsync_start(&st->d, NULL, &st->sync, err, errlen);
	if (ret)
		goto fail;
	*out = st;
	return 0;
fail:
	gw_store_close(st);
	return ret;
}

void gw_store_close(struct gw_store *st)
{
	int i;

	if (!st)
		return;
	sqlsync_stop(st->sync);
	sqlckpt_stop(st->ckpt);
	for (i = 0; i < S_COUNT; i++)
		sqlite3_finalize(st->st[i]);
	sqldb_close(&st->d);
	free(st);
}

int gw_store_begin(struct gw_store *st)
{
	return sqldb_begin(&st->d);
}

int gw_store_commit(struct gw_store *st)
{
	return sqldb_commit(&st->d);
}

void gw_store_rollback(struct gw_store *st)
{
	sqldb_rollback(&st->d);
}

static int bind_fail(struct gw_store *st, const char *what)
{
	return sqldb_fail(&st->d, what, sqlite3_errcode(st->d.db));
}

/* Copy the row of @s (columns: key or token, account key, revoked). */
static int read_device(struct gw_store *st, sqlite3_stmt *s, uint8_t *first,
		       size_t first_len, struct device *dev)
{
	const void *a = sqldb_column_fixed(s, 0, first_len);
	const void *b = sqldb_column_fixed(s, 1, GW_KEY_LEN);

	if (!a || !b) {
		snprintf(st->d.err, sizeof(st->d.err),
			 "%s: a device row has a key of the wrong size",
			 st->d.name);
		return -EIO;
	}
	memcpy(first, a, first_len);
	memcpy(dev->akey, b, GW_KEY_LEN);
	dev->revoked = sqlite3_column_int64(s, 2) != 0;
	return 0;
}

/* 1 and @dev filled, 0 no such device, or -errno. */
static int device_by_key(struct gw_store *st, const uint8_t *dkey,
			 struct device *dev)
{
	sqlite3_stmt *s = st->st[S_DEV_GET];
	int ret;

	if (sqldb_bind_blob(s, 1, dkey, GW_KEY_LEN))
		return bind_fail(st, "look up device");
	ret = sqldb_step_row(&st->d, s, "look up device");
	if (ret <= 0)
		return ret;
	memcpy(dev->dkey, dkey, GW_KEY_LEN);
	ret = read_device(st, s, dev->token, GW_TOKEN_LEN, dev);
	sqlite3_reset(s);
	return ret ? ret : 1;
}

static int device_by_token(struct gw_store *st, const uint8_t *token,
			   struct device *dev)
{
	sqlite3_stmt *s = st->st[S_TOKEN_GET];
	int ret;

	if (sqldb_bind_blob(s, 1, token, GW_TOKEN_LEN))
		return bind_fail(st, "look up token");
	ret = sqldb_step_row(&st->d, s, "look up token");
	if (ret <= 0)
		return ret;
	memcpy(dev->token, token, GW_TOKEN_LEN);
	ret = read_device(st, s, dev->dkey, GW_KEY_LEN, dev);
	dev->queued = sqlite3_column_int64(s, 3);
	sqlite3_reset(s);
	return ret ? ret : 1;
}

/* Insert device @dkey with a fresh token; retried on a token collision. */
static int add_device(struct gw_store *st, const uint8_t *dkey,
		      const uint8_t *akey, uint8_t *token)
{
	sqlite3_stmt *s = st->st[S_DEV_ADD];
	int i, rc;

	for (i = 0; i < GW_TOKEN_TRIES; i++) {
		if (RAND_bytes(token, GW_TOKEN_LEN) != 1) {
			snprintf(st->d.err, sizeof(st->d.err),
				 "%s: RAND_bytes failed", st->d.name);
			return -EIO;
		}
		if (sqldb_bind_blob(s, 1, dkey, GW_KEY_LEN) ||
		    sqldb_bind_blob(s, 2, token, GW_TOKEN_LEN) ||
		    sqldb_bind_blob(s, 3, akey, GW_KEY_LEN))
			return bind_fail(st, "add device");
		rc = sqlite3_step(s);
		if (rc == SQLITE_DONE) {
			sqlite3_reset(s);
			return 0;
		}
		if (rc != SQLITE_CONSTRAINT_UNIQUE) {
			int ret = sqldb_fail(&st->d, "add device", rc);

			sqlite3_reset(s);
			return ret;
		}
		sqlite3_reset(s);
	}
	snprintf(st->d.err, sizeof(st->d.err),
		 "%s: no unused token in %d tries", st->d.name, i);
	return -EIO;
}

/* A registered device's hello: 0, -EKEYREVOKED or -EPERM. */
static int hello_known(const struct device *dev, const uint8_t *akey,
		       uint8_t *token)
{
	if (dev->revoked)
		return -EKEYREVOKED;
	if (memcmp(dev->akey, akey, GW_KEY_LEN))
		return -EPERM;
	memcpy(token, dev->token, GW_TOKEN_LEN);
	return 0;
}

/*
 * Does the hello of @dev with @akey join an account? A device that has
 * been its own account (its hellos named none) may join one once, keeping
 * its token: a device being linked talks to the gateway before it holds
 * the account's key (Documentation/protocol.rst, "Hello").
 */
static bool joins(const struct device *dev, const uint8_t *dkey,
		  const uint8_t *akey)
{
	return !dev->revoked && !memcmp(dev->akey, dkey, GW_KEY_LEN) &&
	       memcmp(akey, dkey, GW_KEY_LEN);
}

static int join_account(struct gw_store *st, const uint8_t *dkey,
			const uint8_t *akey)
{
	sqlite3_stmt *s = st->st[S_DEV_JOIN];
	int rc;

	if (sqldb_bind_blob(s, 1, dkey, GW_KEY_LEN) ||
	    sqldb_bind_blob(s, 2, akey, GW_KEY_LEN))
		return bind_fail(st, "join account");
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : sqldb_fail(&st->d, "join account", rc);
}

int gw_store_hello(struct gw_store *st, const uint8_t dkey[GW_KEY_LEN],
		   const uint8_t *akey, uint8_t token[GW_TOKEN_LEN])
{
	struct device dev = { 0 };
	int ret;

	if (!akey)
		akey = dkey;
	ret = device_by_key(st, dkey, &dev);
	if (ret < 0)
		return ret;
	if (ret && !joins(&dev, dkey, akey))
		return hello_known(&dev, akey, token);

	/* A new device, or one joining an account: its token is sent at
	 * once, so the change must be on disk.
	 */
	ret = sqldb_op_begin_durable(&st->d);
	if (ret)
		return ret;
	ret = device_by_key(st, dkey, &dev);
	if (ret > 0 && joins(&dev, dkey, akey)) {
		ret = join_account(st, dkey, akey);
		if (!ret)
			memcpy(token, dev.token, GW_TOKEN_LEN);
	} else if (ret > 0) {
		ret = hello_known(&dev, akey, token);
	} else if (!ret) {
		ret = add_device(st, dkey, akey, token);
	}
	return sqldb_op_end_durable(&st->d, ret);
}

int gw_store_token_state(struct gw_store *st,
			 const uint8_t token[GW_TOKEN_LEN],
			 enum gw_token_state *state)
{
	struct device dev = { 0 };
	int ret = device_by_token(st, token, &dev);

	if (ret < 0)
		return ret;
	if (!ret)
		*state = GW_TOKEN_UNKNOWN;
	else
		*state = dev.revoked ? GW_TOKEN_REVOKED : GW_TOKEN_OK;
	return 0;
}

static int revoke_token(struct gw_store *st, const uint8_t *token)
{
	sqlite3_stmt *s = st->st[S_TOKEN_REVOKE];
	int ret;

	if (sqldb_bind_blob(s, 1, token, GW_TOKEN_LEN))
		return bind_fail(st, "revoke token");
	ret = sqldb_step_done(&st->d, s, "revoke token");
	if (ret)
		return ret;
	s = st->st[S_MSG_DROP_TOKEN];
	if (sqldb_bind_blob(s, 1, token, GW_TOKEN_LEN))
		return bind_fail(st, "delete a revoked token's messages");
	return sqldb_step_done(&st->d, s, "delete a revoked token's messages");
}

int gw_store_revoke(struct gw_store *st, const uint8_t dkey[GW_KEY_LEN],
		    const uint8_t token[GW_TOKEN_LEN])
{
	struct device req = { 0 }, dev = { 0 };
	bool own;
	int ret;

	/* Answered at once: durable before that, even inside a batch. */
	ret = sqldb_op_begin_durable(&st->d);
	if (ret)
		return ret;
	ret = device_by_key(st, dkey, &req);
	if (ret < 0)
		goto out;
	if (!ret) {
		ret = -EPERM;
		goto out;
	}
	ret = device_by_token(st, token, &dev);
	if (ret < 0)
		goto out;
	if (!ret) {
		ret = -ENOENT;
		goto out;
	}
	own = !memcmp(dev.dkey, dkey, GW_KEY_LEN);
	if ((!own && memcmp(dev.akey, req.akey, GW_KEY_LEN)) ||
	    (!own && req.revoked)) {
		ret = -EPERM;
		goto out;
	}
	/* Once more for a revoked one: its messages must be gone. */
	ret = revoke_token(st, token);
out:
	return sqldb_op_end_durable(&st->d, ret);
}

/* 1 if @token holds @msg_id (message or tombstone), 0 if not, -errno. */
static int msg_exists(struct gw_store *st, const uint8_t *token,
		      const uint8_t *msg_id)
{
	sqlite3_stmt *s = st->st[S_MSG_EXISTS];
	int ret;

	if (sqldb_bind_blob(s, 1, token, GW_TOKEN_LEN) ||
	    sqldb_bind_blob(s, 2, msg_id, GW_MSG_ID_LEN))
		return bind_fail(st, "look up message");
	ret = sqldb_step_row(&st->d, s, "look up message");
	if (ret > 0)
		sqlite3_reset(s);
	return ret;
}

/*
 * One lookup of the token and one insert, which is its own duplicate
 * check: a message or tombstone with the id already there makes it do
 * nothing. Only a full queue looks the id up first, so that a sender's
 * retry of a message stored before the queue filled is acked, not nacked.
 */
int gw_store_put(struct gw_store *st, const uint8_t token[GW_TOKEN_LEN],
		 const uint8_t msg_id[GW_MSG_ID_LEN], uint64_t expiry_s,
		 uint32_t flags, const void *payload, size_t len,
		 uint32_t max_queue, int64_t *seq)
{
	sqlite3_stmt *s = st->st[S_MSG_ADD];
	struct device dev = { 0 };
	int ret;

	ret = sqldb_op1_begin(&st->d);
	if (ret)
		return ret;
	ret = device_by_token(st, token, &dev);
	if (ret < 0)
		goto out;
	if (!ret || dev.revoked) {
		ret = ret ? -EKEYREVOKED : -ENOENT;
		goto out;
	}
	if (dev.queued >= max_queue) {
		ret = msg_exists(st, token, msg_id);
		if (!ret)
			ret = -EDQUOT;
		goto out;
	}
	if (sqldb_bind_blob(s, 1, token, GW_TOKEN_LEN) ||
	    sqldb_bind_blob(s, 2, msg_id, GW_MSG_ID_LEN) ||
	    sqlite3_bind_int64(s, 3, s64(expiry_s)) ||
	    sqlite3_bind_int64(s, 4, flags) ||
	    sqldb_bind_blob(s, 5, payload, len)) {
		ret = bind_fail(st, "store message");
		sqlite3_clear_bindings(s);
		goto out;
	}
	ret = sqldb_step_done(&st->d, s, "store message");
	sqlite3_clear_bindings(s);	/* the payload is the caller's */
	if (!ret && !sqlite3_changes(st->d.db))
		ret = 1;		/* the id was there: a duplicate */
	else if (!ret && seq)
		*seq = sqlite3_last_insert_rowid(st->d.db);
out:
	return sqldb_op1_end(&st->d, ret);
}

int gw_store_fetch(struct gw_store *st, const uint8_t token[GW_TOKEN_LEN],
		   int64_t after_seq, unsigned int max, uint64_t now_s,
		   int (*cb)(void *ctx, const struct gw_msg *m), void *ctx)
{
	sqlite3_stmt *s = st->st[S_MSG_FETCH];
	struct gw_msg m;
	int n = 0, ret;

	if (max > INT32_MAX)
		max = INT32_MAX;
	if (sqldb_bind_blob(s, 1, token, GW_TOKEN_LEN) ||
	    sqlite3_bind_int64(s, 2, after_seq) ||
	    sqlite3_bind_int64(s, 3, s64(now_s)) ||
	    sqlite3_bind_int64(s, 4, max))
		return bind_fail(st, "fetch messages");
	while ((ret = sqldb_step_row(&st->d, s, "fetch messages")) > 0) {
		m.seq = sqlite3_column_int64(s, 0);
		m.msg_id = sqldb_column_fixed(s, 1, GW_MSG_ID_LEN);
		m.expiry_s = (uint64_t)sqlite3_column_int64(s, 2);
		m.flags = (uint32_t)sqlite3_column_int64(s, 3);
		m.payload = sqldb_column_blob(s, 4, &m.len);
		if (!m.msg_id) {
			snprintf(st->d.err, sizeof(st->d.err),
				 "%s: a message id of the wrong size",
				 st->d.name);
			ret = -EIO;
			break;
		}
		n++;
		ret = cb(ctx, &m);
		if (ret)
			break;
	}
	sqlite3_reset(s);
	return ret < 0 ? ret : n;
}

int gw_store_delivered(struct gw_store *st, const uint8_t token[GW_TOKEN_LEN],
		       const uint8_t msg_id[GW_MSG_ID_LEN])
{
	sqlite3_stmt *s = st->st[S_MSG_DELIVERED];
	int ret;

	ret = sqldb_op1_begin(&st->d);
	if (ret)
		return ret;
	if (sqldb_bind_blob(s, 1, token, GW_TOKEN_LEN) ||
	    sqldb_bind_blob(s, 2, msg_id, GW_MSG_ID_LEN))
		ret = bind_fail(st, "mark delivered");
	else
		ret = sqldb_step_done(&st->d, s, "mark delivered");
	return sqldb_op1_end(&st->d, ret);
}

int gw_store_expire(struct gw_store *st, uint64_t now_s)
{
	sqlite3_stmt *s = st->st[S_MSG_EXPIRE];
	int ret;

	ret = sqldb_op1_begin(&st->d);
	if (ret)
		return ret;
	if (sqlite3_bind_int64(s, 1, s64(now_s)))
		ret = bind_fail(st, "expire messages");
	else
		ret = sqldb_step_done(&st->d, s, "expire messages");
	if (!ret)
		ret = sqlite3_changes(st->d.db);
	return sqldb_op1_end(&st->d, ret);
}

int gw_store_queue_len(struct gw_store *st, const uint8_t token[GW_TOKEN_LEN])
{
	struct device dev = { 0 };
	int ret = device_by_token(st, token, &dev);

	if (ret < 0)
		return ret;
	if (!ret)
		return -ENOENT;
	return dev.queued > INT32_MAX ? INT32_MAX : (int)dev.queued;
}

void gw_store_ckpt_stats(struct gw_store *st, struct sqlckpt_stats *out)
{
	sqlckpt_stats(st->ckpt, out);
}

uint64_t gw_store_sync_request(struct gw_store *st)
{
	return sqlsync_request(st->sync);
}

int gw_store_sync_fd(const struct gw_store *st)
{
	return sqlsync_fd(st->sync);
}

int gw_store_synced(struct gw_store *st, uint64_t *gen)
{
	return sqlsync_done(st->sync, gen);
}

int gw_store_sync_now(struct gw_store *st, uint64_t *gen)
{
	return sqlsync_now(st->sync, gen);
}

void gw_store_sync_stats(struct gw_store *st, struct sqlsync_stats *out)
{
	sqlsync_stats(st->sync, out);
}
