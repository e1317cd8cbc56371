/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the parts of ternd's store share (dstore.c: the schema, opening,
 * inbox, outbox and settings; dstore_keys.c; dstore_sess.c;
 * dstore_chat.c; dstore_crypt.c, the sealed columns): the
 * prepared statements, whose SQL is in dstore.c beside the schema, and
 * the helpers every part uses. Not for use outside dstore*.c.
 */
#ifndef TERN_DSTORE_INT_H
#define TERN_DSTORE_INT_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include "dstore.h"
#include "sqldb.h"

enum {
	S_IN_EXISTS,
	S_IN_ADD,
	S_IN_NEW,
	S_IN_CONSUME,
	S_IN_EXPIRE,
	S_OUT_ADD,
	S_OUT_ACKED,
	S_OUT_FAILED,
	S_OUT_RETRY,
	S_OUT_DUE,
	S_OUT_PENDING,
	S_GET,
	S_SET,
	S_PK_PUT,
	S_PK_NEXT,
	S_PK_UNPUB,
	S_PK_PUBLISHED,
	S_PK_LATEST,
	S_PK_COUNT,
	S_PK_GET,
	S_PK_DEL,
	S_SS_GET,
	S_SS_PUT,
	S_SS_DEL,
	S_CH_ADD,
	S_CH_STATE,
	S_CH_REQUEUE,
	S_CH_MARK_DELIVERED,
	S_CH_MARK_READ,
	S_CH_FIND,
	S_CH_EDIT,
	S_CH_UNSEND,
	S_CH_BUMP,
	S_RE_PUT,
	S_RE_DEL,
	S_RE_LIST,
	S_CT_GET,
	S_CT_SET,
	S_CT_VERIFY,
	S_CH_CONVS,
	S_CH_DELETE,
	S_CH_DELETED,
	S_CH_PURGE,
	S_CH_FIND_ANY,
	S_CH_QUEUED,
	S_CH_SINCE,
	S_CH_PEER,
	S_CH_REV,
	S_COUNT,
};

struct dstore {
	struct sqldb d;
	sqlite3_stmt *st[S_COUNT];
	uint8_t key[DSTORE_STORE_KEY_LEN];	/* the store key */
};

/*
 * dstore_crypt.c: a column value sealed under the store key, bound to
 * the column's @label, and opened again (a malloc()ed copy; a value that
 * does not open is -EIO with the store's error set).
 */
#define DSTORE_L_BODY	"chat.body"
#define DSTORE_L_STATE	"sessions.state"
#define DSTORE_L_PRIV	"prekeys.priv"
#define DSTORE_L_CHECK	"settings.store-check"
int dstore_seal(struct dstore *ds, const char *label, const void *in,
		size_t len, uint8_t **out, size_t *outlen);
int dstore_unseal(struct dstore *ds, const char *label, const void *in,
		  size_t len, uint8_t **out, size_t *outlen);

static inline int64_t dstore_s64(uint64_t v)
{
	return v > INT64_MAX ? INT64_MAX : (int64_t)v;
}

static inline int dstore_bind_fail(struct dstore *ds, const char *what)
{
	return sqldb_fail(&ds->d, what, sqlite3_errcode(ds->d.db));
}

/* A column that does not hold what the schema says: -EIO. */
static inline int dstore_corrupt(struct dstore *ds, const char *what)
{
	snprintf(ds->d.err, sizeof(ds->d.err), "%s: %s of the wrong size",
		 ds->d.name, what);
	return -EIO;
}

#endif /* TERN_DSTORE_INT_H */
