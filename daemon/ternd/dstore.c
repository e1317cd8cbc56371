// SPDX-License-Identifier: GPL-2.0
/*
 * ternd's SQLite store (see dstore.h): the schema and its upgrades, every
 * statement's SQL, opening and batches, the inbox, the outbox and the
 * settings. Keys are in dstore_keys.c, sessions in dstore_sess.c. seq
 * orders both queues by arrival.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dstore_int.h"
#include "hex.h"

#define DSTORE_SCHEMA_VERSION	6

enum { OUT_PENDING, OUT_ACKED, OUT_FAILED };

#define PREKEYS_TABLE \
	"CREATE TABLE prekeys (" \
	" kind INTEGER NOT NULL CHECK (kind BETWEEN 0 AND 3)," \
	" id INTEGER NOT NULL CHECK (id BETWEEN 0 AND 4294967295)," \
	" priv BLOB NOT NULL," /* sealed (dstore_crypt.c) */ \
	" pub BLOB NOT NULL CHECK (length(pub) = 32)," \
	" created_ms INTEGER NOT NULL," \
	" published INTEGER NOT NULL DEFAULT 0," \
	" PRIMARY KEY (kind, id)" \
	") WITHOUT ROWID;"

/*
 * One row per peer device this device has a session with: the session
 * in use (state) and the one before it (prev_state, or NULL), both as
 * e2emsg_session_pack() encodes them (dstore_sess.c, daemon/ternd/sess.c).
 */
#define SESSIONS_TABLE \
	"CREATE TABLE sessions (" \
	" peer_dev BLOB PRIMARY KEY CHECK (length(peer_dev) = 16)," \
	" handle TEXT NOT NULL," \
	" peer_ik BLOB NOT NULL CHECK (length(peer_ik) = 32)," \
	" state BLOB NOT NULL," \
	" prev_state BLOB," \
	" updated_ms INTEGER NOT NULL" \
	") WITHOUT ROWID;"

/*
 * The conversations (dstore_chat.c): every message sent and received, its
 * Content as it went or came. rev orders changes: each insert or change
 * takes the next one, so a client resumes a stream of changes where it
 * left off. The triggers (as CHAT_V5 redefines them) keep an outgoing
 * message's state in step with its pushes in the outbox, one per device: once none is pending, it is
 * sent if the gateway took at least one, failed if it refused every one
 * (a copy refused for good, say to a revoked device, leaves its reason in
 * error). round counts the times a message was queued again (a reset
 * notice): each round's pushes have ids of their own.
 */
#define CHAT_REV "(SELECT coalesce(max(rev), 0) + 1 FROM chat)"
#define CHAT_TABLE \
	"CREATE TABLE chat (" \
	" seq INTEGER PRIMARY KEY," \
	" msg_id BLOB NOT NULL CHECK (length(msg_id) = 16)," \
	" peer TEXT NOT NULL," \
	" outgoing INTEGER NOT NULL CHECK (outgoing IN (0, 1))," \
	" sender_dev BLOB CHECK (sender_dev IS NULL OR length(sender_dev) = 16)," \
	" body BLOB NOT NULL," \
	" sent_ms INTEGER NOT NULL," \
	" at_ms INTEGER NOT NULL," \
	" state INTEGER NOT NULL CHECK (state BETWEEN 0 AND 4)," \
	" pushes_left INTEGER NOT NULL DEFAULT 0," \
	" round INTEGER NOT NULL DEFAULT 0," \
	" error TEXT," \
	" rev INTEGER NOT NULL," \
	" UNIQUE (peer, outgoing, msg_id)" \
	");" \
	"CREATE INDEX chat_rev ON chat (rev);" \
	"CREATE INDEX chat_peer ON chat (peer, seq);" \
	"CREATE INDEX chat_queued ON chat (seq) WHERE outgoing = 1 AND state = 0;" \
	"CREATE TRIGGER outbox_acked AFTER DELETE ON outbox" \
	" WHEN old.msg_seq IS NOT NULL AND old.state = 0 BEGIN" \
	" UPDATE chat SET pushes_left = pushes_left - 1," \
	"  state = CASE WHEN pushes_left = 1 AND state = 1 THEN 2 ELSE state END," \
	"  rev = " CHAT_REV " WHERE seq = old.msg_seq;" \
	" END;" \
	"CREATE TRIGGER outbox_failed AFTER UPDATE OF state ON outbox" \
	" WHEN new.state = 2 AND new.msg_seq IS NOT NULL BEGIN" \
	" UPDATE chat SET state = 3," \
	"  error = 'the gateway refused a push (' || new.nack_reason || ')'," \
	"  rev = " CHAT_REV " WHERE seq = new.msg_seq AND state != 3;" \
	" END;"

/*
 * v5: a message sent to several devices is sent when the gateway took at
 * least one copy, failed only when it refused every one; receipts: when
 * a recipient's device stored an outgoing message, when a recipient read
 * it (or, incoming, when this account's person did); control marks the
 * messaging's own messages (reset notices, receipts), which are kept
 * like the others but never shown; edited_ms and unsent_ms, when the
 * sender changed or took back a message (an unsent one's body is
 * emptied); deleted_ms, when this person deleted it here (kept 30 days
 * to be restored); reactions, one per person and message; contacts, whom this
 * person wrote to or accepted (1), who wrote first and waits (0, a
 * message request), who is blocked (2); and the account key this
 * person verified (safety numbers), if any.
 */
#define CHAT_V5 \
	"ALTER TABLE chat ADD COLUMN pushes_acked INTEGER NOT NULL DEFAULT 0;" \
	"ALTER TABLE chat ADD COLUMN delivered_ms INTEGER;" \
	"ALTER TABLE chat ADD COLUMN read_ms INTEGER;" \
	"ALTER TABLE chat ADD COLUMN control INTEGER NOT NULL DEFAULT 0;" \
	"ALTER TABLE chat ADD COLUMN edited_ms INTEGER;" \
	"ALTER TABLE chat ADD COLUMN unsent_ms INTEGER;" \
	"ALTER TABLE chat ADD COLUMN deleted_ms INTEGER;" \
	"CREATE TABLE reactions (" \
	" peer TEXT NOT NULL," \
	" target BLOB NOT NULL CHECK (length(target) = 16)," \
	" who TEXT NOT NULL," \
	" emoji TEXT NOT NULL," \
	" at_ms INTEGER NOT NULL," \
	" PRIMARY KEY (peer, target, who)" \
	") WITHOUT ROWID;" \
	"CREATE TABLE contacts (" \
	" handle TEXT PRIMARY KEY NOT NULL," \
	" state INTEGER NOT NULL CHECK (state IN (0, 1, 2))," \
	" at_ms INTEGER NOT NULL," \
	" verified_key BLOB CHECK (verified_key IS NULL OR" \
	"  length(verified_key) = 32)" \
	") WITHOUT ROWID;" \
	"DROP TRIGGER outbox_acked;" \
	"DROP TRIGGER outbox_failed;" \
	"CREATE TRIGGER outbox_acked AFTER DELETE ON outbox" \
	" WHEN old.msg_seq IS NOT NULL AND old.state = 0 BEGIN" \
	" UPDATE chat SET pushes_left = pushes_left - 1," \
	"  pushes_acked = pushes_acked + 1," \
	"  state = CASE WHEN pushes_left = 1 AND state = 1 THEN 2 ELSE state END," \
	"  rev = " CHAT_REV " WHERE seq = old.msg_seq;" \
	" END;" \
	"CREATE TRIGGER outbox_failed AFTER UPDATE OF state ON outbox" \
	" WHEN new.state = 2 AND old.state = 0 AND new.msg_seq IS NOT NULL" \
	" BEGIN" \
	" UPDATE chat SET pushes_left = pushes_left - 1," \
	"  error = 'the gateway refused a copy (' || new.nack_reason || ')'," \
	"  state = CASE WHEN pushes_left = 1 AND state = 1 THEN" \
	"   CASE WHEN pushes_acked > 0 THEN 2 ELSE 3 END ELSE state END," \
	"  rev = " CHAT_REV " WHERE seq = new.msg_seq;" \
	" END;"

static const char schema[] =
	"CREATE TABLE inbox ("
	" seq INTEGER PRIMARY KEY,"
	" msg_id BLOB UNIQUE NOT NULL CHECK (length(msg_id) = 16),"
	" expiry_s INTEGER NOT NULL,"
	" flags INTEGER NOT NULL,"
	" payload BLOB NOT NULL,"
	" received_ms INTEGER NOT NULL,"
	" consumed INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE INDEX inbox_new ON inbox (seq) WHERE consumed = 0;"
	"CREATE INDEX inbox_expiry ON inbox (expiry_s) WHERE consumed != 0;"
	"CREATE TABLE outbox ("
	" seq INTEGER PRIMARY KEY,"
	" msg_id BLOB UNIQUE NOT NULL CHECK (length(msg_id) = 16),"
	" token BLOB NOT NULL CHECK (length(token) = 16),"
	" expiry_s INTEGER NOT NULL,"
	" flags INTEGER NOT NULL,"
	" payload BLOB NOT NULL,"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" next_try_ms INTEGER NOT NULL,"
	" state INTEGER NOT NULL DEFAULT 0"
	"  CHECK (state IN (0, 1, 2)),"	/* pending, acked, failed */
	" nack_reason INTEGER,"
	" msg_seq INTEGER"		/* the chat row it carries, or NULL */
	");"
	"CREATE INDEX outbox_due ON outbox (next_try_ms) WHERE state = 0;"
	"CREATE TABLE settings ("
	" key TEXT PRIMARY KEY NOT NULL,"
	" value TEXT NOT NULL"
	") WITHOUT ROWID;"
	PREKEYS_TABLE
	SESSIONS_TABLE
	CHAT_TABLE
	CHAT_V5;

/*
 * Version 6 seals the columns a stolen disk must not give away
 * (dstore_crypt.c). The private keys' column held exactly 32 bytes: the
 * table is made again without that check (SQLite cannot drop one); the
 * values are sealed by seal_rows() in the transaction of the upgrade.
 */
#define PREKEYS_V6 \
	"CREATE TABLE prekeys_v6 (" \
	" kind INTEGER NOT NULL CHECK (kind BETWEEN 0 AND 3)," \
	" id INTEGER NOT NULL CHECK (id BETWEEN 0 AND 4294967295)," \
	" priv BLOB NOT NULL," \
	" pub BLOB NOT NULL CHECK (length(pub) = 32)," \
	" created_ms INTEGER NOT NULL," \
	" published INTEGER NOT NULL DEFAULT 0," \
	" PRIMARY KEY (kind, id)" \
	") WITHOUT ROWID;" \
	"INSERT INTO prekeys_v6 SELECT kind, id, priv, pub, created_ms," \
	" published FROM prekeys;" \
	"DROP TABLE prekeys;" \
	"ALTER TABLE prekeys_v6 RENAME TO prekeys;" \
	"INSERT INTO settings VALUES ('" SEAL_PENDING "', '1');"

/* A store whose rows are still to be sealed (an upgraded one). */
#define SEAL_PENDING	"store.seal-pending"
#define STORE_CHECK	"store.check"

/* upgrade[v - 1] takes a store of version v to v + 1. */
static const char *const upgrade[] = {
	PREKEYS_TABLE,
	SESSIONS_TABLE,
	"ALTER TABLE outbox ADD COLUMN msg_seq INTEGER;" CHAT_TABLE,
	CHAT_V5,
	PREKEYS_V6,
};

#define CHAT_COLS "seq, msg_id, peer, outgoing, sender_dev, body, sent_ms," \
	" at_ms, state, pushes_left, error, rev, round, delivered_ms, read_ms," \
	" edited_ms, unsent_ms, deleted_ms"

static const char *const sql[S_COUNT] = {
	[S_IN_EXISTS] = "SELECT 1 FROM inbox WHERE msg_id = ?1",
	[S_IN_ADD] = "INSERT INTO inbox"
		" (msg_id, expiry_s, flags, payload, received_ms)"
		" VALUES (?1, ?2, ?3, ?4, ?5)",
	[S_IN_NEW] = "SELECT seq, msg_id, expiry_s, flags, payload, received_ms"
		" FROM inbox WHERE consumed = 0 ORDER BY seq LIMIT ?1",
	/* What was taken needs no payload: only its id, against replays. */
	[S_IN_CONSUME] = "UPDATE inbox SET consumed = 1, payload = x''"
		" WHERE consumed = 0 AND seq <= ?1",
	[S_IN_EXPIRE] = "DELETE FROM inbox"
		" WHERE consumed != 0 AND expiry_s < ?1",
	[S_OUT_ADD] = "INSERT INTO outbox"
		" (msg_id, token, expiry_s, flags, payload, next_try_ms, msg_seq)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
		" ON CONFLICT (msg_id) DO NOTHING",
	[S_OUT_ACKED] = "DELETE FROM outbox WHERE msg_id = ?1",
	[S_OUT_FAILED] = "UPDATE outbox SET state = 2, nack_reason = ?2"
		" WHERE msg_id = ?1 AND state = 0",
	[S_OUT_RETRY] = "UPDATE outbox SET attempts = attempts + 1,"
		" next_try_ms = ?2 WHERE msg_id = ?1 AND state = 0",
	[S_OUT_DUE] = "SELECT msg_id, token, expiry_s, flags, payload,"
		" attempts, next_try_ms FROM outbox"
		" WHERE state = 0 AND next_try_ms <= ?1 ORDER BY seq LIMIT ?2",
	[S_OUT_PENDING] = "SELECT count(*) FROM outbox WHERE state = 0",
	[S_GET] = "SELECT value FROM settings WHERE key = ?1",
	[S_SET] = "INSERT INTO settings (key, value) VALUES (?1, ?2)"
		" ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	[S_PK_PUT] = "INSERT INTO prekeys (kind, id, priv, pub, created_ms)"
		" VALUES (?1, ?2, ?3, ?4, ?5)",
	[S_PK_NEXT] = "SELECT coalesce(max(id), 0) + 1 FROM prekeys"
		" WHERE kind = ?1",
	[S_PK_UNPUB] = "SELECT id, pub FROM prekeys"
		" WHERE kind = ?1 AND published = 0 ORDER BY id LIMIT ?2",
	[S_PK_PUBLISHED] = "UPDATE prekeys SET published = 1"
		" WHERE kind = ?1 AND id <= ?2 AND published = 0",
	[S_PK_LATEST] = "SELECT id, priv, pub, created_ms, published"
		" FROM prekeys WHERE kind = ?1 ORDER BY id DESC LIMIT 1",
	[S_PK_COUNT] = "SELECT count(*) FROM prekeys WHERE kind = ?1",
	[S_PK_GET] = "SELECT priv, pub, created_ms, published FROM prekeys"
		" WHERE kind = ?1 AND id = ?2",
	[S_PK_DEL] = "DELETE FROM prekeys WHERE kind = ?1 AND id = ?2",
	[S_SS_GET] = "SELECT handle, peer_ik, state, prev_state, updated_ms"
		" FROM sessions WHERE peer_dev = ?1",
	[S_SS_PUT] = "INSERT INTO sessions"
		" (peer_dev, handle, peer_ik, state, prev_state, updated_ms)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
		" ON CONFLICT (peer_dev) DO UPDATE SET handle = excluded.handle,"
		" peer_ik = excluded.peer_ik, state = excluded.state,"
		" prev_state = excluded.prev_state,"
		" updated_ms = excluded.updated_ms",
	[S_SS_DEL] = "DELETE FROM sessions WHERE peer_dev = ?1",
	[S_CH_ADD] = "INSERT INTO chat (msg_id, peer, outgoing, sender_dev,"
		" body, sent_ms, at_ms, state, control, rev) VALUES (?1, ?2, ?3,"
		" ?4, ?5, ?6, ?7, ?8, ?9, " CHAT_REV ")"
		" ON CONFLICT (peer, outgoing, msg_id) DO NOTHING",
	[S_CH_STATE] = "UPDATE chat SET state = ?2, pushes_left = ?3,"
		" pushes_acked = 0, error = ?4, rev = " CHAT_REV
		" WHERE seq = ?1",
	[S_CH_REQUEUE] = "UPDATE chat SET state = 0, pushes_left = 0,"
		" pushes_acked = 0,"
		" error = NULL, round = round + 1, rev = " CHAT_REV
		" WHERE seq = ?1 AND outgoing = 1",
	[S_CH_MARK_DELIVERED] = "UPDATE chat SET delivered_ms = ?4,"
		" rev = " CHAT_REV " WHERE peer = ?1 AND outgoing = ?2"
		" AND msg_id = ?3 AND delivered_ms IS NULL",
	[S_CH_MARK_READ] = "UPDATE chat SET read_ms = ?4,"
		" delivered_ms = coalesce(delivered_ms, ?4),"
		" rev = " CHAT_REV " WHERE peer = ?1 AND outgoing = ?2"
		" AND msg_id = ?3 AND read_ms IS NULL",
	[S_CH_FIND] = "SELECT " CHAT_COLS " FROM chat WHERE peer = ?1"
		" AND msg_id = ?2 AND control = 0 ORDER BY outgoing LIMIT 1",
	[S_CH_FIND_ANY] = "SELECT " CHAT_COLS " FROM chat WHERE msg_id = ?1"
		" AND control = 0 ORDER BY outgoing LIMIT 1",
	[S_CH_EDIT] = "UPDATE chat SET body = ?2, edited_ms = ?3,"
		" rev = " CHAT_REV " WHERE seq = ?1",
	[S_CH_UNSEND] = "UPDATE chat SET body = x'', unsent_ms = ?2,"
		" rev = " CHAT_REV " WHERE seq = ?1",
	[S_CH_BUMP] = "UPDATE chat SET rev = " CHAT_REV " WHERE seq = ?1",
	[S_RE_PUT] = "INSERT INTO reactions (peer, target, who, emoji, at_ms)"
		" VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (peer, target, who)"
		" DO UPDATE SET emoji = excluded.emoji, at_ms = excluded.at_ms",
	[S_RE_DEL] = "DELETE FROM reactions WHERE peer = ?1 AND target = ?2"
		" AND who = ?3",
	[S_RE_LIST] = "SELECT who, emoji FROM reactions WHERE peer = ?1"
		" AND target = ?2 ORDER BY at_ms",
	[S_CT_GET] = "SELECT state, verified_key FROM contacts"
		" WHERE handle = ?1",
	[S_CT_VERIFY] = "INSERT INTO contacts (handle, state, at_ms,"
		" verified_key) VALUES (?1, 1, ?2, ?3) ON CONFLICT (handle)"
		" DO UPDATE SET verified_key = excluded.verified_key",
	[S_CT_SET] = "INSERT INTO contacts (handle, state, at_ms)"
		" VALUES (?1, ?2, ?3) ON CONFLICT (handle) DO UPDATE SET"
		" state = excluded.state, at_ms = excluded.at_ms",
	[S_CH_CONVS] = "SELECT c.peer, coalesce(k.state, -1),"
		" (SELECT count(*) FROM chat u WHERE u.peer = c.peer"
		"  AND u.outgoing = 0 AND u.control = 0 AND u.read_ms IS NULL"
		"  AND u.unsent_ms IS NULL), max(c.seq)"
		" FROM chat c LEFT JOIN contacts k ON k.handle = c.peer"
		" WHERE c.control = 0 AND c.deleted_ms IS NULL"
		" GROUP BY c.peer ORDER BY max(c.seq) DESC"
		" LIMIT ?1",
	[S_CH_QUEUED] = "SELECT " CHAT_COLS " FROM chat"
		" WHERE outgoing = 1 AND state = 0 ORDER BY seq LIMIT 1",
	[S_CH_SINCE] = "SELECT " CHAT_COLS " FROM chat WHERE rev > ?1"
		" AND control = 0 ORDER BY rev LIMIT ?2",
	[S_CH_PEER] = "SELECT * FROM (SELECT " CHAT_COLS " FROM chat"
		" WHERE peer = ?1 AND control = 0 AND deleted_ms IS NULL"
		" ORDER BY seq DESC LIMIT ?2) ORDER BY seq",
	[S_CH_DELETE] = "UPDATE chat SET deleted_ms = ?2, rev = " CHAT_REV
		" WHERE seq = ?1 AND (deleted_ms IS NULL) = (?2 IS NOT NULL)",
	[S_CH_DELETED] = "SELECT " CHAT_COLS " FROM chat"
		" WHERE deleted_ms IS NOT NULL AND control = 0"
		" ORDER BY deleted_ms DESC LIMIT ?1",
	[S_CH_PURGE] = "DELETE FROM chat WHERE deleted_ms < ?1",
	[S_CH_REV] = "SELECT coalesce(max(rev), 0) FROM chat WHERE control = 0",
};

const char *dstore_error(const struct dstore *ds)
{
	return sqldb_error(&ds->d);
}

/* Seal, in place, every value of @col of @table: an upgraded store's. */
static int seal_column(struct dstore *ds, const char *table,
		       const char *col, const char *label)
{
	char q[256], u[256];
	sqlite3_stmt *r = NULL, *w = NULL;
	uint8_t *sealed;
	size_t len, n;
	const void *v;
	int ret;

	snprintf(q, sizeof(q), "SELECT rowid, %s FROM %s"
		 " WHERE %s IS NOT NULL AND length(%s) > 0", col, table,
		 col, col);
	snprintf(u, sizeof(u), "UPDATE %s SET %s = ?2 WHERE rowid = ?1",
		 table, col);
	if (!strcmp(table, "prekeys") || !strcmp(table, "sessions")) {
		/* WITHOUT ROWID: by the primary key. */
		snprintf(q, sizeof(q), "SELECT %s, %s FROM %s WHERE %s IS NOT NULL",
			 !strcmp(table, "prekeys") ? "kind * 4294967296 + id" :
			 "peer_dev", col, table, col);
		snprintf(u, sizeof(u), "UPDATE %s SET %s = ?2 WHERE %s = ?1",
			 table, col, !strcmp(table, "prekeys") ?
			 "kind * 4294967296 + id" : "peer_dev");
	}
	if (sqlite3_prepare_v2(ds->d.db, q, -1, &r, NULL) ||
	    sqlite3_prepare_v2(ds->d.db, u, -1, &w, NULL)) {
		ret = sqldb_fail(&ds->d, "seal the store",
				 sqlite3_errcode(ds->d.db));
		goto out;
	}
	while ((ret = sqlite3_step(r)) == SQLITE_ROW) {
		v = sqldb_column_blob(r, 1, &n);
		ret = dstore_seal(ds, label, v, n, &sealed, &len);
		if (ret)
			goto out;
		if (sqlite3_bind_value(w, 1, sqlite3_column_value(r, 0)) ||
		    sqldb_bind_blob(w, 2, sealed, len)) {
			free(sealed);
			ret = dstore_bind_fail(ds, "seal the store");
			goto out;
		}
		ret = sqldb_step_done(&ds->d, w, "seal the store");
		free(sealed);
		if (ret)
			goto out;
	}
	ret = ret == SQLITE_DONE ? 0 : sqldb_fail(&ds->d, "seal the store", ret);
out:
	sqlite3_finalize(r);
	sqlite3_finalize(w);
	return ret;
}

/*
 * The store key must open this store: a sealed known value in the
 * settings says so (made at the first open). An upgraded store's rows
 * are sealed first, in one transaction with the check.
 */
static int key_check(struct dstore *ds, char *err, size_t errlen)
{
	static const char word[] = "tern-store";
	char hex[2 * 128 + 1];
	uint8_t raw[128], *p = NULL;
	size_t n;
	int ret;

	ret = dstore_get(ds, STORE_CHECK, hex, sizeof(hex));
	if (!ret) {
		n = strlen(hex) / 2;
		if (strlen(hex) % 2 || n > sizeof(raw) ||
		    hex_decode(hex, raw, n) ||
		    dstore_unseal(ds, DSTORE_L_CHECK, raw, n, &p, &n) ||
		    n != sizeof(word) || memcmp(p, word, n)) {
			free(p);
			snprintf(err, errlen,
				 "%s: the store key does not open this store (it was written with another key: see ternd(8), --store-key)",
				 DSTORE_FILE);
			return -EKEYREJECTED;
		}
		free(p);
		return 0;
	}
	if (ret != -ENOENT)
		goto fail;
	ret = dstore_begin(ds);
	if (ret)
		goto fail;
	if (!dstore_get(ds, SEAL_PENDING, hex, sizeof(hex)) &&
	    !strcmp(hex, "1")) {
		ret = seal_column(ds, "chat", "body", DSTORE_L_BODY);
		if (!ret)
			ret = seal_column(ds, "sessions", "state",
					  DSTORE_L_STATE);
		if (!ret)
			ret = seal_column(ds, "sessions", "prev_state",
					  DSTORE_L_STATE);
		if (!ret)
			ret = seal_column(ds, "prekeys", "priv",
					  DSTORE_L_PRIV);
	}
	if (!ret)
		ret = dstore_seal(ds, DSTORE_L_CHECK, word, sizeof(word), &p,
				  &n);
	if (!ret && 2 * n < sizeof(hex)) {
		hex_encode(p, n, hex);
		ret = dstore_set(ds, STORE_CHECK, hex);
	}
	free(p);
	if (!ret)
		ret = dstore_set(ds, SEAL_PENDING, "");
	if (ret) {
		dstore_rollback(ds);
		goto fail;
	}
	ret = dstore_commit(ds);
	if (!ret)
		return 0;
fail:
	snprintf(err, errlen, "%s", dstore_error(ds));
	return ret;
}

int dstore_open(const char *dir, const uint8_t key[DSTORE_STORE_KEY_LEN],
		struct dstore **out, char *err, size_t errlen)
{
	struct dstore *ds;
	int i, ret;

	*out = NULL;
	ds = calloc(1, sizeof(*ds));
	if (!ds) {
		snprintf(err, errlen, "%s: out of memory", DSTORE_FILE);
		return -ENOMEM;
	}
	memcpy(ds->key, key, sizeof(ds->key));
	ret = sqldb_open_upgrade(&ds->d, dir, DSTORE_FILE,
				 DSTORE_SCHEMA_VERSION, schema, upgrade, err,
				 errlen);
	if (ret)
		goto fail;
	for (i = 0; i < S_COUNT; i++) {
		ret = sqldb_prepare(&ds->d, sql[i], &ds->st[i], err, errlen);
		if (ret)
			goto fail;
	}
	ret = key_check(ds, err, errlen);
	if (ret)
		goto fail;
	*out = ds;
	return 0;
fail:
	dstore_close(ds);
	return ret;
}

void dstore_close(struct dstore *ds)
{
	int i;

	if (!ds)
		return;
	for (i = 0; i < S_COUNT; i++)
		sqlite3_finalize(ds->st[i]);
	sqldb_close(&ds->d);
	explicit_bzero(ds->key, sizeof(ds->key));
	free(ds);
}

int dstore_begin(struct dstore *ds)
{
	return sqldb_begin(&ds->d);
}

int dstore_commit(struct dstore *ds)
{
	return sqldb_commit(&ds->d);
}

void dstore_rollback(struct dstore *ds)
{
	sqldb_rollback(&ds->d);
}

/* A write of one statement whose first parameter is a message id; returns
 * the rows it changed.
 */
static int write_by_id(struct dstore *ds, int which, const uint8_t *msg_id,
		       int64_t arg, const char *what)
{
	sqlite3_stmt *s = ds->st[which];
	int ret;

	ret = sqldb_op_begin(&ds->d);
	if (ret)
		return ret;
	if (sqldb_bind_blob(s, 1, msg_id, DSTORE_MSG_ID_LEN) ||
	    (sqlite3_bind_parameter_count(s) > 1 &&
	     sqlite3_bind_int64(s, 2, arg)))
		ret = dstore_bind_fail(ds, what);
	else
		ret = sqldb_step_done(&ds->d, s, what);
	if (!ret)
		ret = sqlite3_changes(ds->d.db);
	return sqldb_op_end(&ds->d, ret);
}

int dstore_inbox_put(struct dstore *ds,
		     const uint8_t msg_id[DSTORE_MSG_ID_LEN],
		     uint64_t expiry_s, uint32_t flags, const void *payload,
		     size_t len, uint64_t now_ms)
{
	sqlite3_stmt *s = ds->st[S_IN_EXISTS];
	int ret;

	ret = sqldb_op_begin(&ds->d);
	if (ret)
		return ret;
	if (sqldb_bind_blob(s, 1, msg_id, DSTORE_MSG_ID_LEN)) {
		ret = dstore_bind_fail(ds, "look up message");
		goto out;
	}
	ret = sqldb_step_row(&ds->d, s, "look up message");
	if (ret > 0)
		sqlite3_reset(s);
	if (ret)
		goto out;
	s = ds->st[S_IN_ADD];
	if (sqldb_bind_blob(s, 1, msg_id, DSTORE_MSG_ID_LEN) ||
	    sqlite3_bind_int64(s, 2, dstore_s64(expiry_s)) ||
	    sqlite3_bind_int64(s, 3, flags) ||
	    sqldb_bind_blob(s, 4, payload, len) ||
	    sqlite3_bind_int64(s, 5, dstore_s64(now_ms)))
		ret = dstore_bind_fail(ds, "store message");
	else
		ret = sqldb_step_done(&ds->d, s, "store message");
	sqlite3_clear_bindings(s);	/* the payload is the caller's */
out:
	return sqldb_op_end(&ds->d, ret);
}

/* Pass the rows of @s; *last gets the seq of the last one accepted. */
static int take_rows(struct dstore *ds, sqlite3_stmt *s,
		     int (*cb)(void *ctx, const struct dmsg *m), void *ctx,
		     int64_t *last)
{
	struct dmsg m;
	int n = 0, ret;

	while ((ret = sqldb_step_row(&ds->d, s, "read inbox")) > 0) {
		m.msg_id = sqldb_column_fixed(s, 1, DSTORE_MSG_ID_LEN);
		if (!m.msg_id) {
			ret = dstore_corrupt(ds, "an inbox message id");
			break;
		}
		m.expiry_s = (uint64_t)sqlite3_column_int64(s, 2);
		m.flags = (uint32_t)sqlite3_column_int64(s, 3);
		m.payload = sqldb_column_blob(s, 4, &m.len);
		m.received_ms = (uint64_t)sqlite3_column_int64(s, 5);
		ret = cb(ctx, &m);
		if (ret < 0)
			break;
		n++;
		*last = sqlite3_column_int64(s, 0);
		if (ret)
			break;
	}
	sqlite3_reset(s);
	return ret < 0 ? ret : n;
}

int dstore_inbox_take(struct dstore *ds, unsigned int max, bool consume,
		      int (*cb)(void *ctx, const struct dmsg *m), void *ctx)
{
	sqlite3_stmt *s = ds->st[S_IN_NEW];
	int64_t last = -1;
	int n, ret;

	if (max > INT32_MAX)
		max = INT32_MAX;
	if (consume) {
		ret = sqldb_op_begin(&ds->d);
		if (ret)
			return ret;
	}
	if (sqlite3_bind_int64(s, 1, max))
		n = dstore_bind_fail(ds, "read inbox");
	else
		n = take_rows(ds, s, cb, ctx, &last);
	if (!consume)
		return n;
	/*
	 * What was taken in seq order is what is unconsumed up to @last:
	 * consumed in one statement, after the reading one is done.
	 */
	ret = 0;
	if (last >= 0) {
		s = ds->st[S_IN_CONSUME];
		if (sqlite3_bind_int64(s, 1, last))
			ret = dstore_bind_fail(ds, "consume messages");
		else
			ret = sqldb_step_done(&ds->d, s, "consume messages");
	}
	ret = sqldb_op_end(&ds->d, ret);
	return ret < 0 ? ret : n;
}

int dstore_inbox_expire(struct dstore *ds, uint64_t now_s)
{
	sqlite3_stmt *s = ds->st[S_IN_EXPIRE];
	int ret;

	ret = sqldb_op_begin(&ds->d);
	if (ret)
		return ret;
	if (sqlite3_bind_int64(s, 1, dstore_s64(now_s)))
		ret = dstore_bind_fail(ds, "expire inbox");
	else
		ret = sqldb_step_done(&ds->d, s, "expire inbox");
	if (!ret)
		ret = sqlite3_changes(ds->d.db);
	return sqldb_op_end(&ds->d, ret);
}

int dstore_out_add(struct dstore *ds, const uint8_t msg_id[DSTORE_MSG_ID_LEN],
		   const uint8_t token[DSTORE_TOKEN_LEN], uint64_t expiry_s,
		   uint32_t flags, const void *payload, size_t len,
		   uint64_t next_try_ms)
{
	return dstore_out_add_chat(ds, msg_id, token, expiry_s, flags, payload,
				   len, next_try_ms, 0);
}

int dstore_out_add_chat(struct dstore *ds,
			const uint8_t msg_id[DSTORE_MSG_ID_LEN],
			const uint8_t token[DSTORE_TOKEN_LEN],
			uint64_t expiry_s, uint32_t flags, const void *payload,
			size_t len, uint64_t next_try_ms, int64_t chat_seq)
{
	sqlite3_stmt *s = ds->st[S_OUT_ADD];
	int ret;

	ret = sqldb_op_begin(&ds->d);
	if (ret)
		return ret;
	if (sqldb_bind_blob(s, 1, msg_id, DSTORE_MSG_ID_LEN) ||
	    sqldb_bind_blob(s, 2, token, DSTORE_TOKEN_LEN) ||
	    sqlite3_bind_int64(s, 3, dstore_s64(expiry_s)) ||
	    sqlite3_bind_int64(s, 4, flags) ||
	    sqldb_bind_blob(s, 5, payload, len) ||
	    sqlite3_bind_int64(s, 6, dstore_s64(next_try_ms)) ||
	    (chat_seq > 0 ? sqlite3_bind_int64(s, 7, chat_seq) :
			    sqlite3_bind_null(s, 7)))
		ret = dstore_bind_fail(ds, "add to outbox");
	else
		ret = sqldb_step_done(&ds->d, s, "add to outbox");
	sqlite3_clear_bindings(s);
	if (!ret)
		ret = sqlite3_changes(ds->d.db) ? 0 : 1;
	return sqldb_op_end(&ds->d, ret);
}

static int out_update(struct dstore *ds, int which, const uint8_t *msg_id,
		      int64_t arg, const char *what)
{
	int ret = write_by_id(ds, which, msg_id, arg, what);

	if (ret < 0)
		return ret;
	return ret ? 0 : -ENOENT;
}

int dstore_out_acked(struct dstore *ds,
		     const uint8_t msg_id[DSTORE_MSG_ID_LEN])
{
	return out_update(ds, S_OUT_ACKED, msg_id, 0, "delete acked push");
}

int dstore_out_failed(struct dstore *ds,
		      const uint8_t msg_id[DSTORE_MSG_ID_LEN], int reason)
{
	return out_update(ds, S_OUT_FAILED, msg_id, reason,
			  "mark push failed");
}

int dstore_out_retry_at(struct dstore *ds,
			const uint8_t msg_id[DSTORE_MSG_ID_LEN],
			uint64_t next_try_ms)
{
	return out_update(ds, S_OUT_RETRY, msg_id, dstore_s64(next_try_ms),
			  "reschedule push");
}

int dstore_out_due(struct dstore *ds, uint64_t now_ms, unsigned int max,
		   int (*cb)(void *ctx, const struct dout *o), void *ctx)
{
	sqlite3_stmt *s = ds->st[S_OUT_DUE];
	struct dout o;
	int n = 0, ret;

	if (max > INT32_MAX)
		max = INT32_MAX;
	if (sqlite3_bind_int64(s, 1, dstore_s64(now_ms)) ||
	    sqlite3_bind_int64(s, 2, max))
		return dstore_bind_fail(ds, "read outbox");
	while ((ret = sqldb_step_row(&ds->d, s, "read outbox")) > 0) {
		o.msg_id = sqldb_column_fixed(s, 0, DSTORE_MSG_ID_LEN);
		o.token = sqldb_column_fixed(s, 1, DSTORE_TOKEN_LEN);
		if (!o.msg_id || !o.token) {
			ret = dstore_corrupt(ds, "an outbox id or token");
			break;
		}
		o.expiry_s = (uint64_t)sqlite3_column_int64(s, 2);
		o.flags = (uint32_t)sqlite3_column_int64(s, 3);
		o.payload = sqldb_column_blob(s, 4, &o.len);
		o.attempts = (unsigned int)sqlite3_column_int64(s, 5);
		o.next_try_ms = (uint64_t)sqlite3_column_int64(s, 6);
		ret = cb(ctx, &o);
		if (ret < 0)
			break;
		n++;
		if (ret)
			break;
	}
	sqlite3_reset(s);
	return ret < 0 ? ret : n;
}

int dstore_out_pending(struct dstore *ds)
{
	sqlite3_stmt *s = ds->st[S_OUT_PENDING];
	int ret;

	ret = sqldb_step_row(&ds->d, s, "count outbox");
	if (ret <= 0)
		return ret < 0 ? ret : -EIO;
	ret = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	return ret;
}

int dstore_get(struct dstore *ds, const char *key, char *val, size_t len)
{
	sqlite3_stmt *s = ds->st[S_GET];
	const unsigned char *v;
	size_t n;
	int ret;

	if (sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC))
		return dstore_bind_fail(ds, "read setting");
	ret = sqldb_step_row(&ds->d, s, "read setting");
	if (ret <= 0)
		return ret ? ret : -ENOENT;
	v = sqlite3_column_text(s, 0);
	n = (size_t)sqlite3_column_bytes(s, 0);
	if (!v || n >= len) {
		ret = v ? -ERANGE : -ENOMEM;
	} else {
		memcpy(val, v, n);
		val[n] = '\0';
	}
	sqlite3_reset(s);
	return ret < 0 ? ret : 0;
}

int dstore_set(struct dstore *ds, const char *key, const char *val)
{
	sqlite3_stmt *s = ds->st[S_SET];
	int ret;

	ret = sqldb_op_begin(&ds->d);
	if (ret)
		return ret;
	if (sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC) ||
	    sqlite3_bind_text(s, 2, val, -1, SQLITE_STATIC))
		ret = dstore_bind_fail(ds, "write setting");
	else
		ret = sqldb_step_done(&ds->d, s, "write setting");
	return sqldb_op_end(&ds->d, ret);
}
