/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the store tests share: scratch directories, a query for one
 * number, and a small tmpfs in a
 * private mount namespace to fill up for real (disk-full tests; root).
 * The harness runs every test in its own child, so the namespace goes
 * away with the test.
 */
#ifndef TERN_TEST_STORE_UTIL_H
#define TERN_TEST_STORE_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sqldb.h"

/* A fresh directory, /tmp/tern-<what>-XXXXXX, into @buf (64 bytes). */
static inline char *scratch_dir(char *buf, const char *what)
{
	snprintf(buf, 64, "/tmp/tern-%s-XXXXXX", what);
	return mkdtemp(buf);
}

static inline int rm_one(const char *path, const struct stat *sb, int flag,
			 struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static inline void scratch_remove(const char *dir)
{
	if (dir && dir[0])
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The first column of the first row of @sql, or -1. */
static inline long long query_int(struct sqldb *d, const char *sql)
{
	sqlite3_stmt *s;
	long long n = -1;

	if (sqlite3_prepare_v2(d->db, sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

/*
 * Mount a tmpfs of @kib KiB on @dir, in a mount namespace of this process
 * only. 0, or -errno with what failed in @err.
 */
static inline int small_tmpfs(const char *dir, unsigned int kib, char *err,
			      size_t errlen)
{
	char opts[64];

	if (unshare(CLONE_NEWNS)) {
		snprintf(err, errlen, "unshare(CLONE_NEWNS): %s",
			 strerror(errno));
		return -errno;
	}
	if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL)) {
		snprintf(err, errlen, "making / private: %s", strerror(errno));
		return -errno;
	}
	snprintf(opts, sizeof(opts), "size=%uk,mode=0700", kib);
	if (mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, opts)) {
		snprintf(err, errlen, "mounting a tmpfs on %s: %s", dir,
			 strerror(errno));
		return -errno;
	}
	return 0;
}

/* A scratch directory with a small tmpfs on it, for a fixture. */
struct full_disk {
	char dir[64];
	bool mounted;
};

/* 0, or -errno with @err; a skip for -EPERM (not root) is the caller's. */
static inline int full_disk_setup(struct full_disk *f, const char *what,
				  unsigned int kib, char *err, size_t errlen)
{
	int ret;

	if (geteuid()) {
		snprintf(err, errlen, "a tmpfs needs root");
		return -EPERM;
	}
	if (!scratch_dir(f->dir, what)) {
		snprintf(err, errlen, "mkdtemp: %s", strerror(errno));
		f->dir[0] = '\0';
		return -errno;
	}
	ret = small_tmpfs(f->dir, kib, err, errlen);
	if (ret) {
		scratch_remove(f->dir);
		f->dir[0] = '\0';
		return ret;
	}
	f->mounted = true;
	return 0;
}

static inline void full_disk_teardown(struct full_disk *f)
{
	if (f->mounted)
		umount2(f->dir, MNT_DETACH);
	f->mounted = false;
	scratch_remove(f->dir);
}

/* A file of @bytes bytes (written, so tmpfs allocates them). 0 or -errno. */
static inline int filler(const char *path, size_t bytes)
{
	static const char zero[4096];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int ret = 0;

	if (fd < 0)
		return -errno;
	while (bytes) {
		size_t n = bytes < sizeof(zero) ? bytes : sizeof(zero);
		ssize_t w = write(fd, zero, n);

		if (w < 0) {
			ret = -errno;
			break;
		}
		bytes -= (size_t)w;
	}
	close(fd);
	return ret;
}

/* Deterministic test bytes: @n bytes of pattern @k into @buf. */
static inline void pattern(void *buf, size_t n, uint32_t k)
{
	uint8_t *p = buf;
	uint32_t x = k * 2654435761u + 1;
	size_t i;

	if (!x)
		x = 1;

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)x;
	}
}

/* A 16-byte id from a number. */
static inline void id16(uint8_t id[16], uint32_t k)
{
	pattern(id, 16, k ^ 0x5a5a0000u);
}

#endif /* TERN_TEST_STORE_UTIL_H */
