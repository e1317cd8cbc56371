// SPDX-License-Identifier: GPL-2.0
/*
 * SQLite plumbing of the stores: a private database file in WAL mode with
 * synchronous=FULL, batches and atomic operations, errors as errnos.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sqldb.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const char empty[1];

const char *sqldb_error(const struct sqldb *d)
{
	return d->err[0] ? d->err : "no error";
}

int sqldb_fail(struct sqldb *d, const char *what, int rc)
{
	int prim = rc & 0xff;
	int sys = 0;
	int ret = -EIO;

	/* SQLite records a system errno for these two only. */
	if (prim == SQLITE_IOERR || prim == SQLITE_CANTOPEN)
		sys = sqlite3_system_errno(d->db);
	if (prim == SQLITE_FULL ||
	    (prim == SQLITE_IOERR && (sys == ENOSPC || sys == EDQUOT)))
		ret = -ENOSPC;
	if (sys)
		snprintf(d->err, sizeof(d->err), "%s: %s: %s (%s)", d->name,
			 what, sqlite3_errmsg(d->db), strerror(sys));
	else
		snprintf(d->err, sizeof(d->err), "%s: %s: %s", d->name, what,
			 sqlite3_errmsg(d->db));
	if (d->in_batch && !d->batch_err && sqlite3_get_autocommit(d->db))
		d->batch_err = ret;
	return ret;
}

int sqldb_step_done(struct sqldb *d, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	int ret = 0;

	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		ret = sqldb_fail(d, what, rc);
	sqlite3_reset(st);
	return ret;
}

int sqldb_step_row(struct sqldb *d, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	int ret;

	if (rc == SQLITE_ROW)
		return 1;
	ret = rc == SQLITE_DONE ? 0 : sqldb_fail(d, what, rc);
	sqlite3_reset(st);
	return ret;
}

int sqldb_bind_blob(sqlite3_stmt *st, int i, const void *p, size_t len)
{
	/* A NULL pointer would bind SQL NULL, not an empty blob. */
	return sqlite3_bind_blob64(st, i, len ? p : empty, len,
				   SQLITE_STATIC);
}

const void *sqldb_column_blob(sqlite3_stmt *st, int i, size_t *len)
{
	const void *p = sqlite3_column_blob(st, i);

	*len = (size_t)sqlite3_column_bytes(st, i);
	return p ? p : empty;
}

const void *sqldb_column_fixed(sqlite3_stmt *st, int i, size_t len)
{
	const void *p;

	if (sqlite3_column_type(st, i) != SQLITE_BLOB)
		return NULL;
	p = sqlite3_column_blob(st, i);
	if ((size_t)sqlite3_column_bytes(st, i) != len)
		return NULL;
	return p;
}

int sqldb_prepare(struct sqldb *d, const char *sql, sqlite3_stmt **st,
		  char *err, size_t errlen)
{
	int rc = sqlite3_prepare_v3(d->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
				    st, NULL);

	if (rc == SQLITE_OK)
		return 0;
	snprintf(err, errlen, "%s: preparing \"%.60s\": %s", d->name, sql,
		 sqlite3_errmsg(d->db));
	*st = NULL;
	return -EIO;
}

/* The data directory: created 0700, or an existing directory. */
static int make_dir(const char *dir, char *err, size_t errlen)
{
	struct stat sb;

	if (mkdir(dir, 0700) && errno != EEXIST) {
		int e = errno;

		snprintf(err, errlen, "cannot create data directory %s: %s",
			 dir, strerror(e));
		return -e;
	}
	if (stat(dir, &sb)) {
		int e = errno;

		snprintf(err, errlen, "data directory %s: %s", dir,
			 strerror(e));
		return -e;
	}
	if (!S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "data directory %s: not a directory",
			 dir);
		return -ENOTDIR;
	}
	return 0;
}

/*
 * Create the database file 0600 before SQLite opens it: SQLite would use
 * 0644, and gives its -wal and -shm files the mode of the database.
 */
static int make_file(const char *path, char *err, size_t errlen)
{
	struct stat sb;
	int fd, ret = 0;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open %s: %s", path,
			 strerror(-ret));
		return ret;
	}
	if (fstat(fd, &sb)) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		ret = -EINVAL;
		snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if ((sb.st_mode & 0777) != 0600 && fchmod(fd, 0600)) {
		ret = -errno;
		snprintf(err, errlen, "cannot make %s mode 0600: %s", path,
			 strerror(-ret));
	}
out:
	close(fd);
	return ret;
}

static int exec(struct sqldb *d, const char *sql, const char *what,
		char *err, size_t errlen)
{
	int rc = sqlite3_exec(d->db, sql, NULL, NULL, NULL);
	int ret;

	if (rc == SQLITE_OK)
		return 0;
	ret = sqldb_fail(d, what, rc);
	snprintf(err, errlen, "%s", d->err);
	return ret;
}

/* A one-row integer or text pragma. */
static int pragma(struct sqldb *d, const char *sql, long long *num,
		  char *text, size_t textlen, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc, ret;

	ret = sqldb_prepare(d, sql, &st, err, errlen);
	if (ret)
		return ret;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		ret = sqldb_fail(d, sql, rc);
		snprintf(err, errlen, "%s", d->err);
		goto out;
	}
	if (num)
		*num = sqlite3_column_int64(st, 0);
	if (text)
		snprintf(text, textlen, "%s",
			 (const char *)sqlite3_column_text(st, 0));
out:
	sqlite3_finalize(st);
	return ret;
}

static int apply_schema(struct sqldb *d, int version, const char *schema,
			const char *const *upgrade, char *err, size_t errlen)
{
	char sql[64];
	long long v = 0;
	int ret;

	ret = exec(d, "BEGIN IMMEDIATE", "begin", err, errlen);
	if (ret)
		return ret;
	ret = pragma(d, "PRAGMA user_version", &v, NULL, 0, err, errlen);
	if (ret)
		goto fail;
	if (v == version)
		return exec(d, "COMMIT", "commit", err, errlen);
	if (v < 0 || v > version || (v && !upgrade)) {
		ret = -EPROTONOSUPPORT;
		snprintf(err, errlen,
			 "%s: schema version %lld, this program knows %d",
			 d->name, v, version);
		goto fail;
	}
	if (!v) {
		ret = exec(d, schema, "creating the schema", err, errlen);
		v = version;
	}
	/* The whole way up in this one transaction, or not at all. */
	for (; !ret && v < version; v++)
		ret = exec(d, upgrade[v - 1], "upgrading the schema", err,
			   errlen);
	if (ret)
		goto fail;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version);
	ret = exec(d, sql, "setting the schema version", err, errlen);
	if (ret)
		goto fail;
	ret = exec(d, "COMMIT", "committing the schema", err, errlen);
	if (ret)
		goto fail;
	return 0;
fail:
	if (!sqlite3_get_autocommit(d->db))
		sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
	return ret;
}

static int configure(struct sqldb *d, char *err, size_t errlen)
{
	char mode[16];
	int ret;

	sqlite3_extended_result_codes(d->db, 1);
	sqlite3_busy_timeout(d->db, SQLDB_BUSY_TIMEOUT_MS);
	/*
	 * A commit writes every page it changed, whole, to the WAL (and a
	 * checkpoint copies it again): a message of 64 bytes dirties some
	 * six pages of table and indexes. 1 KiB pages write a quarter of
	 * what 4 KiB ones do. Only a new database takes it (before WAL).
	 */
	ret = exec(d, "PRAGMA page_size = 1024", "setting the page size", err,
		   errlen);
	if (ret)
		return ret;
	ret = pragma(d, "PRAGMA journal_mode = WAL", NULL, mode, sizeof(mode),
		     err, errlen);
	if (ret)
		return ret;
	if (strcmp(mode, "wal")) {
		snprintf(err, errlen, "%s: cannot use WAL mode (%s)", d->name,
			 mode);
		return -EIO;
	}
	/* temp_store: statement journals stay in memory, not in /var/tmp. */
	return exec(d, "PRAGMA synchronous = FULL; PRAGMA temp_store = MEMORY",
		    "setting pragmas", err, errlen);
}

static int prepare_txn(struct sqldb *d, char *err, size_t errlen)
{
	static const struct {
		size_t off;
		const char *sql;
	} stmts[] = {
		{ offsetof(struct sqldb, begin), "BEGIN IMMEDIATE" },
		{ offsetof(struct sqldb, commit), "COMMIT" },
		{ offsetof(struct sqldb, rollback), "ROLLBACK" },
		{ offsetof(struct sqldb, sp), "SAVEPOINT op" },
		{ offsetof(struct sqldb, sp_release), "RELEASE op" },
		{ offsetof(struct sqldb, sp_rollback), "ROLLBACK TO op" },
	};
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(stmts); i++) {
		sqlite3_stmt **st = (void *)((char *)d + stmts[i].off);

		ret = sqldb_prepare(d, stmts[i].sql, st, err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

int sqldb_open(struct sqldb *d, const char *dir, const char *name,
	       int version, const char *schema, char *err, size_t errlen)
{
	return sqldb_open_upgrade(d, dir, name, version, schema, NULL, err,
				  errlen);
}

int sqldb_open_upgrade(struct sqldb *d, const char *dir, const char *name,
		       int version, const char *schema,
		       const char *const *upgrade, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int rc, ret;

	memset(d, 0, sizeof(*d));
	d->name = name;
	ret = make_dir(dir, err, errlen);
	if (ret)
		return ret;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path)) {
		snprintf(err, errlen, "data directory %.64s...: name too long",
			 dir);
		return -ENAMETOOLONG;
	}
	ret = make_file(path, err, errlen);
	if (ret)
		return ret;
	rc = sqlite3_open_v2(path, &d->db, SQLITE_OPEN_READWRITE |
			     SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot open %s: %s", path,
			 d->db ? sqlite3_errmsg(d->db) : sqlite3_errstr(rc));
		ret = -EIO;
		goto fail;
	}
	ret = configure(d, err, errlen);
	if (ret)
		goto fail;
	ret = apply_schema(d, version, schema, upgrade, err, errlen);
	if (ret)
		goto fail;
	ret = prepare_txn(d, err, errlen);
	if (ret)
		goto fail;
	d->err[0] = '\0';
	return 0;
fail:
	sqldb_close(d);
	return ret;
}

void sqldb_close(struct sqldb *d)
{
	sqlite3_stmt **all[] = {
		&d->begin, &d->commit, &d->rollback,
		&d->sp, &d->sp_release, &d->sp_rollback,
	};
	size_t i;

	if (!d->db)
		return;
	if (!sqlite3_get_autocommit(d->db))
		sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
	d->in_batch = false;
	for (i = 0; i < ARRAY_SIZE(all); i++) {
		sqlite3_finalize(*all[i]);
		*all[i] = NULL;
	}
	sqlite3_close(d->db);
	d->db = NULL;
}

/* Undo whatever transaction is open. */
static void abort_txn(struct sqldb *d)
{
	if (!sqlite3_get_autocommit(d->db))
		sqldb_step_done(d, d->rollback, "rollback");
}

int sqldb_begin(struct sqldb *d)
{
	int ret;

	if (d->in_batch)
		return -EBUSY;
	ret = sqldb_step_done(d, d->begin, "begin");
	if (ret)
		return ret;
	d->in_batch = true;
	d->batch_err = 0;
	return 0;
}

int sqldb_commit(struct sqldb *d)
{
	int ret;

	if (!d->in_batch)
		return -EINVAL;
	ret = d->batch_err;
	if (!ret)
		ret = sqldb_step_done(d, d->commit, "commit");
	/* After SQLITE_FULL the transaction may still be open: end it. */
	if (ret)
		abort_txn(d);
	d->in_batch = false;
	d->batch_err = 0;
	return ret;
}

void sqldb_rollback(struct sqldb *d)
{
	if (!d->in_batch)
		return;
	d->in_batch = false;
	d->batch_err = 0;
	abort_txn(d);
}

int sqldb_op_begin(struct sqldb *d)
{
	if (!d->in_batch)
		return sqldb_step_done(d, d->begin, "begin");
	if (d->batch_err)
		return d->batch_err;
	return sqldb_step_done(d, d->sp, "savepoint");
}

/* Did SQLite roll the whole batch back (a full disk can)? */
static void batch_check(struct sqldb *d, int ret)
{
	if (!d->batch_err && sqlite3_get_autocommit(d->db)) {
		d->batch_err = ret < 0 ? ret : -EIO;
		snprintf(d->err, sizeof(d->err),
			 "%s: the batch's transaction was rolled back",
			 d->name);
	}
}

static int op_end_batch(struct sqldb *d, int ret)
{
	int err;

	batch_check(d, ret);
	if (d->batch_err)
		return ret < 0 ? ret : d->batch_err;
	err = 0;
	if (ret < 0)
		err = sqldb_step_done(d, d->sp_rollback,
				      "rollback to savepoint");
	if (!err)
		err = sqldb_step_done(d, d->sp_release, "release savepoint");
	if (err && !d->batch_err) {
		/* Its changes can't be told apart: end the batch. */
		d->batch_err = err;
		abort_txn(d);
	}
	return ret < 0 ? ret : err ? err : ret;
}

int sqldb_op_end(struct sqldb *d, int ret)
{
	int err;

	if (d->in_batch)
		return op_end_batch(d, ret);
	if (ret < 0) {
		abort_txn(d);
		return ret;
	}
	err = sqldb_step_done(d, d->commit, "commit");
	if (err) {
		abort_txn(d);
		return err;
	}
	if (d->flush) {
		err = d->flush(d->flush_arg);
		if (err) {
			snprintf(d->err, sizeof(d->err),
				 "%s: flushing the WAL: %s", d->name,
				 strerror(-err));
			return err == -ENOSPC || err == -EDQUOT ?
			       -ENOSPC : -EIO;
		}
	}
	return ret;
}

int sqldb_op1_begin(struct sqldb *d)
{
	if (!d->in_batch)
		return sqldb_op_begin(d);
	return d->batch_err;
}

int sqldb_op1_end(struct sqldb *d, int ret)
{
	if (!d->in_batch)
		return sqldb_op_end(d, ret);
	batch_check(d, ret);
	if (d->batch_err)
		return ret < 0 ? ret : d->batch_err;
	return ret;
}

/* Go on with the batch after a durable operation. */
static void resume_batch(struct sqldb *d)
{
	int err;

	d->paused = false;
	d->in_batch = true;
	if (d->batch_err)
		return;		/* its transaction is gone already */
	err = sqldb_step_done(d, d->begin, "begin");
	if (err)
		d->batch_err = err;
}

int sqldb_op_begin_durable(struct sqldb *d)
{
	int ret;

	if (!d->in_batch)
		return sqldb_op_begin(d);
	if (!d->batch_err) {
		ret = sqldb_step_done(d, d->commit, "commit");
		if (ret) {
			if (!d->batch_err)
				d->batch_err = ret;
			abort_txn(d);
			return ret;
		}
	}
	d->in_batch = false;
	d->paused = true;
	ret = sqldb_step_done(d, d->begin, "begin");
	if (ret)
		resume_batch(d);
	return ret;
}

int sqldb_op_end_durable(struct sqldb *d, int ret)
{
	if (!d->paused)
		return sqldb_op_end(d, ret);
	ret = sqldb_op_end(d, ret);
	resume_batch(d);
	return ret;
}

