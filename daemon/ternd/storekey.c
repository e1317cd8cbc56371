// SPDX-License-Identifier: GPL-2.0
/*
 * The store key (ternd.h; Documentation/ternd.rst, "The store at rest"):
 * 32 bytes that seal the store's messages, sessions and private keys,
 * kept outside the database. From, in order:
 *
 *   --store-key FILE                    a file the operator keeps where
 *                                       they choose (another disk, ...)
 *   $CREDENTIALS_DIRECTORY/ternd-store-key
 *                                       a systemd credential, which
 *                                       LoadCredentialEncrypted= may keep
 *                                       sealed to the machine's TPM2
 *   DATA/store.key                      made at the first start (0600)
 *
 * A key file holds the key as 64 hex digits (and a newline), or as its
 * 32 raw bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "dstore.h"
#include "hex.h"
#include "ternd.h"

#define CRED_NAME	"ternd-store-key"
#define KEY_FILE	"store.key"
#define HEXLEN		(2 * DSTORE_STORE_KEY_LEN)

/* Read @path's key; @strict: refuse a file group or others may read. */
static int read_key(const char *path, bool strict,
		    uint8_t key[DSTORE_STORE_KEY_LEN], char *err,
		    size_t errlen)
{
	char buf[HEXLEN + 2];
	struct stat st;
	ssize_t n;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "store key %s: %s", path,
			 strerror(errno));
		return ret;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "store key %s: not a regular file",
			 path);
		ret = -EINVAL;
		goto out;
	}
	if (strict && (st.st_mode & 0077)) {
		snprintf(err, errlen,
			 "store key %s has mode %04o: group or others may read it; refusing it (chmod 600 %s)",
			 path, (unsigned int)(st.st_mode & 07777), path);
		ret = -EPERM;
		goto out;
	}
	n = read(fd, buf, sizeof(buf));
	if (n == DSTORE_STORE_KEY_LEN) {
		memcpy(key, buf, DSTORE_STORE_KEY_LEN);
	} else if ((n == HEXLEN || (n == HEXLEN + 1 && buf[HEXLEN] == '\n')) &&
		   (buf[HEXLEN] = '\0', !hex_decode(buf, key,
						    DSTORE_STORE_KEY_LEN))) {
		;
	} else {
		snprintf(err, errlen,
			 "store key %s: not 64 hex digits nor 32 bytes", path);
		ret = -EINVAL;
	}
out:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return ret;
}

/* Make DATA/store.key: 64 hex digits, 0600, atomically and durably. */
static int make_key(const char *path, uint8_t key[DSTORE_STORE_KEY_LEN],
		    char *err, size_t errlen)
{
	char tmp[4096], buf[HEXLEN + 2];
	int fd, ret = 0;

	if (RAND_bytes(key, DSTORE_STORE_KEY_LEN) != 1) {
		snprintf(err, errlen, "store key: no randomness");
		return -EIO;
	}
	hex_encode(key, DSTORE_STORE_KEY_LEN, buf);
	buf[HEXLEN] = '\n';
	if (snprintf(tmp, sizeof(tmp), "%.4000s.XXXXXX", path) >=
	    (int)sizeof(tmp)) {
		snprintf(err, errlen, "store key %s: name too long", path);
		return -ENAMETOOLONG;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "store key %s: %s", tmp, strerror(errno));
		return ret;
	}
	if (fchmod(fd, 0600) || write(fd, buf, HEXLEN + 1) != HEXLEN + 1 ||
	    fsync(fd) || close(fd) || rename(tmp, path)) {
		ret = errno ? -errno : -EIO;
		snprintf(err, errlen, "store key %s: %s", path, strerror(-ret));
		unlink(tmp);
	}
	explicit_bzero(buf, sizeof(buf));
	return ret;
}

int storekey_load(const struct td_conf *c, uint8_t key[DSTORE_STORE_KEY_LEN],
		  const char **from, char *err, size_t errlen)
{
	static char path[4096];
	const char *creds = getenv("CREDENTIALS_DIRECTORY");

	if (c->store_key) {
		*from = c->store_key;
		return read_key(c->store_key, true, key, err, errlen);
	}
	if (creds && *creds) {
		snprintf(path, sizeof(path), "%s/%s", creds, CRED_NAME);
		if (!access(path, F_OK)) {
			*from = path;
			/* systemd makes it readable by the service only. */
			return read_key(path, false, key, err, errlen);
		}
	}
	snprintf(path, sizeof(path), "%s/%s", c->data, KEY_FILE);
	*from = path;
	if (!access(path, F_OK))
		return read_key(path, true, key, err, errlen);
	if (errno != ENOENT) {
		snprintf(err, errlen, "store key %s: %s", path,
			 strerror(errno));
		return -errno;
	}
	return make_key(path, key, err, errlen);
}
