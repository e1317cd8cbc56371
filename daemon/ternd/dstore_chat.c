// SPDX-License-Identifier: GPL-2.0
/*
 * ternd's store: the conversations (dstore.h, "chat"). The Content of
 * each message is kept as it was sent or received; daemon/ternd/
 * content.c reads it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dstore_int.h"

int dstore_chat_add(struct dstore *ds, const struct dchat *m, int64_t *seq)
{
	sqlite3_stmt *s = ds->st[S_CH_ADD];
	uint8_t *body = NULL;
	size_t blen = 0;
	int ret;

	ret = sqldb_op_begin(&ds->d);
	if (ret)
		return ret;
	if (m->len) {
		ret = dstore_seal(ds, DSTORE_L_BODY, m->body, m->len, &body,
				  &blen);
		if (ret)
			return sqldb_op_end(&ds->d, ret);
	}
	if (sqldb_bind_blob(s, 1, m->msg_id, DSTORE_MSG_ID_LEN) ||
	    sqlite3_bind_text(s, 2, m->peer, -1, SQLITE_STATIC) ||
	    sqlite3_bind_int(s, 3, m->outgoing) ||
	    (m->sender_dev ?
	     sqldb_bind_blob(s, 4, m->sender_dev, DSTORE_DEV_LEN) :
	     sqlite3_bind_null(s, 4)) ||
	    sqldb_bind_blob(s, 5, body, blen) ||
	    sqlite3_bind_int64(s, 6, dstore_s64(m->sent_ms)) ||
	    sqlite3_bind_int64(s, 7, dstore_s64(m->at_ms)) ||
	    sqlite3_bind_int(s, 8, m->state) ||
	    sqlite3_bind_int(s, 9, m->control))
		ret = dstore_bind_fail(ds, "add message");
	else
		ret = sqldb_step_done(&ds->d, s, "add message");
	sqlite3_clear_bindings(s);
	free(body);
	if (!ret) {
		if (sqlite3_changes(ds->d.db))
			*seq = sqlite3_last_insert_rowid(ds->d.db);
		else
			ret = 1;
	}
	return sqldb_op_end(&ds->d, ret);
}

int dstore_chat_state(struct dstore *ds, int64_t seq, enum dchat_state state,
		      unsigned int pushes_left, const char *error)
{
	sqlite3_stmt *s = ds->st[S_CH_STATE];
	int ret;

	ret = sqldb_op_begin(&ds->d);
	if (ret)
		return ret;
	if (sqlite3_bind_int64(s, 1, seq) || sqlite3_bind_int(s, 2, state) ||
	    sqlite3_bind_int64(s, 3, pushes_left) ||
	    (error ? sqlite3_bind_text(s, 4, error, -1, SQLITE_STATIC) :
		     sqlite3_bind_null(s, 4)))
		ret = dstore_bind_fail(ds, "update message");
	else
		ret = sqldb_step_done(&ds->d, s, "update message");
	sqlite3_clear_bindings(s);
	if (!ret && !sqlite3_changes(ds->d.db))
		ret = -ENOENT;
	return sqldb_op_end(&ds->d, ret);
}

int dstore_chat_mark(struct dstore *ds, const char *peer, bool outgoing,
		     const uint8_t msg_id[DSTORE_MSG_ID_LEN], bool read,
		     uint64_t ms)
{
	sqlite3_stmt *s = ds->st[read ? S_CH_MARK_READ : S_CH_MARK_DELIVERED];
	int ret;

	ret = sqldb_op_begin(&ds->d);
	if (ret)
		return ret;
	if (sqlite3_bind_text(s, 1, peer, -1, SQLITE_STATIC) ||
	    sqlite3_bind_int(s, 2, outgoing) ||
	    sqldb_bind_blob(s, 3, msg_id, DSTORE_MSG_ID_LEN) ||
	    sqlite3_bind_int64(s, 4, dstore_s64(ms ? ms : 1)))
		ret = dstore_bind_fail(ds, "mark message");
	else
		ret = sqldb_step_done(&ds->d, s, "mark message");
	if (!ret)
		ret = sqlite3_changes(ds->d.db) ? 1 : 0;
	return sqldb_op_end(&ds->d, ret);
}

int dstore_chat_requeue(struct dstore *ds, int64_t seq)
{
	sqlite3_stmt *s = ds->st[S_CH_REQUEUE];
	int ret;

	ret = sqldb_op_begin(&ds->d);
	if (ret)
		return ret;
	if (sqlite3_bind_int64(s, 1, seq))
		ret = dstore_bind_fail(ds, "queue message again");
	else
		ret = sqldb_step_done(&ds->d, s, "queue message again");
	if (!ret && !sqlite3_changes(ds->d.db))
		ret = -ENOENT;
	return sqldb_op_end(&ds->d, ret);
}

/* Pass the rows of @s (bound, CHAT_COLS) to @cb. */
static int chat_rows(struct dstore *ds, sqlite3_stmt *s, const char *what,
		     int (*cb)(void *ctx, const struct dchat *m), void *ctx)
{
	uint8_t *body = NULL;
	struct dchat m;
	const void *raw;
	int n = 0, ret;

	while ((ret = sqldb_step_row(&ds->d, s, what)) > 0) {
		memset(&m, 0, sizeof(m));
		m.seq = sqlite3_column_int64(s, 0);
		m.msg_id = sqldb_column_fixed(s, 1, DSTORE_MSG_ID_LEN);
		m.peer = (const char *)sqlite3_column_text(s, 2);
		m.outgoing = sqlite3_column_int(s, 3) != 0;
		if (sqlite3_column_type(s, 4) != SQLITE_NULL)
			m.sender_dev = sqldb_column_fixed(s, 4,
							  DSTORE_DEV_LEN);
		if (!m.msg_id || !m.peer ||
		    (sqlite3_column_type(s, 4) != SQLITE_NULL &&
		     !m.sender_dev)) {
			ret = dstore_corrupt(ds, what);
			break;
		}
		body = NULL;
		raw = sqldb_column_blob(s, 5, &m.len);
		if (m.len) {
			ret = dstore_unseal(ds, DSTORE_L_BODY, raw, m.len,
					    &body, &m.len);
			if (ret)
				break;
		}
		m.body = body;
		m.sent_ms = (uint64_t)sqlite3_column_int64(s, 6);
		m.at_ms = (uint64_t)sqlite3_column_int64(s, 7);
		m.state = sqlite3_column_int(s, 8);
		m.pushes_left = (unsigned int)sqlite3_column_int64(s, 9);
		m.error = (const char *)sqlite3_column_text(s, 10);
		m.rev = (uint64_t)sqlite3_column_int64(s, 11);
		m.round = (uint32_t)sqlite3_column_int64(s, 12);
		m.delivered_ms = (uint64_t)sqlite3_column_int64(s, 13);
		m.read_ms = (uint64_t)sqlite3_column_int64(s, 14);
		m.edited_ms = (uint64_t)sqlite3_column_int64(s, 15);
		m.unsent_ms = (uint64_t)sqlite3_column_int64(s, 16);
		m.deleted_ms = (uint64_t)sqlite3_column_int64(s, 17);
		ret = cb(ctx, &m);
		if (body) {
			explicit_bzero(body, m.len);
			free(body);
			body = NULL;
		}
		if (ret < 0)
			break;
		n++;
		if (ret)
			break;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return ret < 0 ? ret : n;
}

int dstore_chat_queued(struct dstore *ds,
		       int (*cb)(void *ctx, const struct dchat *m), void *ctx)
{
	return chat_rows(ds, ds->st[S_CH_QUEUED], "read queued messages", cb,
			 ctx);
}

int dstore_chat_since(struct dstore *ds, uint64_t rev, unsigned int max,
		      int (*cb)(void *ctx, const struct dchat *m), void *ctx)
{
	sqlite3_stmt *s = ds->st[S_CH_SINCE];

	if (sqlite3_bind_int64(s, 1, dstore_s64(rev)) ||
	    sqlite3_bind_int64(s, 2, max))
		return dstore_bind_fail(ds, "read changes");
	return chat_rows(ds, s, "read changes", cb, ctx);
}

int dstore_chat_history(struct dstore *ds, const char *peer, unsigned int max,
			int (*cb)(void *ctx, const struct dchat *m), void *ctx)
{
	sqlite3_stmt *s = ds->st[S_CH_PEER];

	if (sqlite3_bind_text(s, 1, peer, -1, SQLITE_STATIC) ||
	    sqlite3_bind_int64(s, 2, max))
		return dstore_bind_fail(ds, "read history");
	return chat_rows(ds, s, "read history", cb, ctx);
}

int dstore_chat_rev(struct dstore *ds, uint64_t *rev)
{
	sqlite3_stmt *s = ds->st[S_CH_REV];
	int ret;

	ret = sqldb_step_row(&ds->d, s, "read the newest change");
	if (ret <= 0)
		return ret ? ret : dstore_corrupt(ds, "the newest change");
	*rev = (uint64_t)sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return 0;
}

int dstore_chat_find(struct dstore *ds, const char *peer,
		     const uint8_t msg_id[DSTORE_MSG_ID_LEN],
		     int (*cb)(void *ctx, const struct dchat *m), void *ctx)
{
	sqlite3_stmt *s = ds->st[S_CH_FIND];

	if (sqlite3_bind_text(s, 1, peer, -1, SQLITE_STATIC) ||
	    sqldb_bind_blob(s, 2, msg_id, DSTORE_MSG_ID_LEN))
		return dstore_bind_fail(ds, "find message");
	return chat_rows(ds, s, "find message", cb, ctx);
}

/* One write to row @seq by statement @which, binding ?2 and ?3. */
static int chat_update(struct dstore *ds, int which, int64_t seq,
		       const void *blob, size_t len, uint64_t ms,
		       const char *what)
{
	sqlite3_stmt *s = ds->st[which];
	uint8_t *sealed = NULL;
	size_t slen = 0;
	int ret;

	ret = sqldb_op_begin(&ds->d);
	if (ret)
		return ret;
	if (which == S_CH_EDIT && len) {
		ret = dstore_seal(ds, DSTORE_L_BODY, blob, len, &sealed,
				  &slen);
		if (ret)
			return sqldb_op_end(&ds->d, ret);
	}
	if (sqlite3_bind_int64(s, 1, seq) ||
	    (which == S_CH_EDIT ?
	     sqldb_bind_blob(s, 2, sealed, slen) ||
	     sqlite3_bind_int64(s, 3, dstore_s64(ms)) :
	     which == S_CH_UNSEND ?
	     sqlite3_bind_int64(s, 2, dstore_s64(ms)) : 0))
		ret = dstore_bind_fail(ds, what);
	else
		ret = sqldb_step_done(&ds->d, s, what);
	sqlite3_clear_bindings(s);
	free(sealed);
	if (!ret && !sqlite3_changes(ds->d.db))
		ret = -ENOENT;
	return sqldb_op_end(&ds->d, ret);
}

int dstore_chat_edit(struct dstore *ds, int64_t seq, const void *body,
		     size_t len, uint64_t ms)
{
	return chat_update(ds, S_CH_EDIT, seq, body, len, ms, "edit message");
}

int dstore_chat_unsend(struct dstore *ds, int64_t seq, uint64_t ms)
{
	return chat_update(ds, S_CH_UNSEND, seq, NULL, 0, ms,
			   "unsend message");
}

int dstore_react(struct dstore *ds, const char *peer, int64_t seq,
		 const uint8_t target[DSTORE_MSG_ID_LEN], const char *who,
		 const char *emoji, uint64_t ms)
{
	sqlite3_stmt *s = ds->st[emoji ? S_RE_PUT : S_RE_DEL];
	int ret;

	ret = sqldb_op_begin(&ds->d);
	if (ret)
		return ret;
	if (sqlite3_bind_text(s, 1, peer, -1, SQLITE_STATIC) ||
	    sqldb_bind_blob(s, 2, target, DSTORE_MSG_ID_LEN) ||
	    sqlite3_bind_text(s, 3, who, -1, SQLITE_STATIC) ||
	    (emoji && (sqlite3_bind_text(s, 4, emoji, -1, SQLITE_STATIC) ||
		       sqlite3_bind_int64(s, 5, dstore_s64(ms)))))
		ret = dstore_bind_fail(ds, "store reaction");
	else
		ret = sqldb_step_done(&ds->d, s, "store reaction");
	sqlite3_clear_bindings(s);
	if (!ret)
		ret = chat_update(ds, S_CH_BUMP, seq, NULL, 0, 0,
				  "store reaction");
	return sqldb_op_end(&ds->d, ret);
}

int dstore_reactions(struct dstore *ds, const char *peer,
		     const uint8_t target[DSTORE_MSG_ID_LEN],
		     int (*cb)(void *ctx, const char *who, const char *emoji),
		     void *ctx)
{
	sqlite3_stmt *s = ds->st[S_RE_LIST];
	const char *who, *emoji;
	int n = 0, ret;

	if (sqlite3_bind_text(s, 1, peer, -1, SQLITE_STATIC) ||
	    sqldb_bind_blob(s, 2, target, DSTORE_MSG_ID_LEN))
		return dstore_bind_fail(ds, "read reactions");
	while ((ret = sqldb_step_row(&ds->d, s, "read reactions")) > 0) {
		who = (const char *)sqlite3_column_text(s, 0);
		emoji = (const char *)sqlite3_column_text(s, 1);
		if (!who || !emoji) {
			ret = dstore_corrupt(ds, "a reaction");
			break;
		}
		ret = cb(ctx, who, emoji);
		if (ret < 0)
			break;
		n++;
	}
	sqlite3_reset(s);
	return ret < 0 ? ret : n;
}

int dstore_contact_get(struct dstore *ds, const char *handle)
{
	sqlite3_stmt *s = ds->st[S_CT_GET];
	int ret;

	if (sqlite3_bind_text(s, 1, handle, -1, SQLITE_STATIC))
		return dstore_bind_fail(ds, "read contact");
	ret = sqldb_step_row(&ds->d, s, "read contact");
	if (ret <= 0)
		return ret ? ret : -ENOENT;
	ret = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	return ret;
}

int dstore_contact_verified(struct dstore *ds, const char *handle,
			    uint8_t key[DSTORE_KEY_LEN])
{
	sqlite3_stmt *s = ds->st[S_CT_GET];
	int ret;

	if (sqlite3_bind_text(s, 1, handle, -1, SQLITE_STATIC))
		return dstore_bind_fail(ds, "read contact");
	ret = sqldb_step_row(&ds->d, s, "read contact");
	if (ret <= 0)
		return ret;
	ret = sqlite3_column_bytes(s, 1) == DSTORE_KEY_LEN;
	if (ret)
		memcpy(key, sqlite3_column_blob(s, 1), DSTORE_KEY_LEN);
	sqlite3_reset(s);
	return ret;
}

int dstore_contact_verify(struct dstore *ds, const char *handle,
			  const uint8_t *key, uint64_t now_ms)
{
	sqlite3_stmt *s = ds->st[S_CT_VERIFY];
	int ret;

	ret = sqldb_op_begin(&ds->d);
	if (ret)
		return ret;
	if (sqlite3_bind_text(s, 1, handle, -1, SQLITE_STATIC) ||
	    sqlite3_bind_int64(s, 2, dstore_s64(now_ms)) ||
	    (key ? sqldb_bind_blob(s, 3, key, DSTORE_KEY_LEN) :
		   sqlite3_bind_null(s, 3)))
		ret = dstore_bind_fail(ds, "verify contact");
	else
		ret = sqldb_step_done(&ds->d, s, "verify contact");
	sqlite3_clear_bindings(s);
	return sqldb_op_end(&ds->d, ret);
}

int dstore_contact_set(struct dstore *ds, const char *handle,
		       enum dcontact_state state, uint64_t now_ms)
{
	sqlite3_stmt *s = ds->st[S_CT_SET];
	int ret;

	ret = sqldb_op_begin(&ds->d);
	if (ret)
		return ret;
	if (sqlite3_bind_text(s, 1, handle, -1, SQLITE_STATIC) ||
	    sqlite3_bind_int(s, 2, state) ||
	    sqlite3_bind_int64(s, 3, dstore_s64(now_ms)))
		ret = dstore_bind_fail(ds, "store contact");
	else
		ret = sqldb_step_done(&ds->d, s, "store contact");
	return sqldb_op_end(&ds->d, ret);
}

int dstore_conversations(struct dstore *ds, unsigned int max,
			 int (*cb)(void *ctx, const char *peer, int state,
				   unsigned int unread, int64_t last),
			 void *ctx)
{
	sqlite3_stmt *s = ds->st[S_CH_CONVS];
	const char *peer;
	int n = 0, ret;

	if (sqlite3_bind_int64(s, 1, max))
		return dstore_bind_fail(ds, "read conversations");
	while ((ret = sqldb_step_row(&ds->d, s, "read conversations")) > 0) {
		peer = (const char *)sqlite3_column_text(s, 0);
		if (!peer) {
			ret = dstore_corrupt(ds, "a conversation");
			break;
		}
		ret = cb(ctx, peer, sqlite3_column_int(s, 1),
			 (unsigned int)sqlite3_column_int64(s, 2),
			 sqlite3_column_int64(s, 3));
		if (ret < 0)
			break;
		n++;
	}
	sqlite3_reset(s);
	return ret < 0 ? ret : n;
}

int dstore_chat_find_id(struct dstore *ds,
			const uint8_t msg_id[DSTORE_MSG_ID_LEN],
			int (*cb)(void *ctx, const struct dchat *m),
			void *ctx)
{
	sqlite3_stmt *s = ds->st[S_CH_FIND_ANY];

	if (sqldb_bind_blob(s, 1, msg_id, DSTORE_MSG_ID_LEN))
		return dstore_bind_fail(ds, "find message");
	return chat_rows(ds, s, "find message", cb, ctx);
}

int dstore_chat_delete(struct dstore *ds, int64_t seq, uint64_t ms)
{
	sqlite3_stmt *s = ds->st[S_CH_DELETE];
	int ret;

	ret = sqldb_op_begin(&ds->d);
	if (ret)
		return ret;
	if (sqlite3_bind_int64(s, 1, seq) ||
	    (ms ? sqlite3_bind_int64(s, 2, dstore_s64(ms)) :
		  sqlite3_bind_null(s, 2)))
		ret = dstore_bind_fail(ds, "delete message");
	else
		ret = sqldb_step_done(&ds->d, s, "delete message");
	sqlite3_clear_bindings(s);
	if (!ret && !sqlite3_changes(ds->d.db))
		ret = -ENOENT;
	return sqldb_op_end(&ds->d, ret);
}

int dstore_chat_deleted(struct dstore *ds, unsigned int max,
			int (*cb)(void *ctx, const struct dchat *m),
			void *ctx)
{
	sqlite3_stmt *s = ds->st[S_CH_DELETED];

	if (sqlite3_bind_int64(s, 1, max))
		return dstore_bind_fail(ds, "read deleted messages");
	return chat_rows(ds, s, "read deleted messages", cb, ctx);
}

int dstore_chat_purge(struct dstore *ds, uint64_t before_ms)
{
	sqlite3_stmt *s = ds->st[S_CH_PURGE];
	int ret;

	ret = sqldb_op_begin(&ds->d);
	if (ret)
		return ret;
	if (sqlite3_bind_int64(s, 1, dstore_s64(before_ms)))
		ret = dstore_bind_fail(ds, "forget deleted messages");
	else
		ret = sqldb_step_done(&ds->d, s, "forget deleted messages");
	if (!ret)
		ret = sqlite3_changes(ds->d.db);
	return sqldb_op_end(&ds->d, ret);
}
