// SPDX-License-Identifier: GPL-2.0
/*
 * Private key files (keyfile.h): PEM PKCS#8, mode 0600, created atomically
 * (a temporary file in the same directory, fsynced, renamed into place).
 * Device identities are Ed25519 key files (ident.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "ident.h"
#include "keyfile.h"
#include "sslerr.h"

/* Never prompt on a terminal for a passphrase: refuse encrypted keys. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

static EVP_PKEY *load_fd(int fd, const char *path,
			 const struct keyfile_kind *kind, char *err,
			 size_t errlen)
{
	EVP_PKEY *k = NULL;
	struct stat st;
	BIO *bio;

	if (fstat(fd, &st)) {
		sslerr_set(err, errlen, "cannot stat key file %s: %s", path,
			   strerror(errno));
		goto out_close;
	}
	if (!S_ISREG(st.st_mode)) {
		sslerr_set(err, errlen, "key file %s is not a regular file",
			   path);
		goto out_close;
	}
	if (st.st_mode & 0077) {
		sslerr_set(err, errlen,
			   "key file %s has mode %04o: group or others may access it; refusing it (chmod 600 %s)",
			   path, (unsigned int)(st.st_mode & 07777), path);
		goto out_close;
	}
	bio = BIO_new_fd(fd, BIO_CLOSE);
	if (!bio) {
		sslerr_setq(err, errlen, "cannot read key file %s", path);
		goto out_close;
	}
	k = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	if (!k) {
		sslerr_setq(err, errlen,
			    "key file %s holds no unencrypted PEM private key",
			    path);
		return NULL;
	}
	if (!EVP_PKEY_is_a(k, kind->type)) {
		sslerr_set(err, errlen,
			   "key file %s holds a %s key, not an %s one",
			   path, EVP_PKEY_get0_type_name(k) ?
			   EVP_PKEY_get0_type_name(k) : "unknown", kind->name);
		EVP_PKEY_free(k);
		return NULL;
	}
	return k;

out_close:
	close(fd);
	return NULL;
}

/* fsync the directory holding path, so that the rename is durable. */
static int sync_dir(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, ret;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = fsync(fd) ? -errno : 0;
	close(fd);
	return ret;
}

int keyfile_write(const char *path, EVP_PKEY *k, char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	FILE *f;
	int fd, ok, ret;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >=
	    (int)sizeof(tmp)) {
		sslerr_set(err, errlen, "key file name too long: %s", path);
		return -ENAMETOOLONG;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		sslerr_set(err, errlen, "cannot create key file %s: %s", tmp,
			   strerror(errno));
		return ret;
	}
	if (fchmod(fd, 0600)) {
		ret = -errno;
		sslerr_set(err, errlen, "cannot chmod key file %s: %s", tmp,
			   strerror(errno));
		close(fd);
		goto err_unlink;
	}
	f = fdopen(fd, "w");
	if (!f) {
		ret = -errno;
		sslerr_set(err, errlen, "cannot write key file %s: %s", tmp,
			   strerror(errno));
		close(fd);
		goto err_unlink;
	}
	ok = PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
	if (!ok) {
		ret = -EIO;
		sslerr_setq(err, errlen, "cannot write key file %s", tmp);
		fclose(f);
		goto err_unlink;
	}
	if (fflush(f) || fsync(fileno(f))) {
		ret = -errno;
		sslerr_set(err, errlen, "cannot write key file %s: %s", tmp,
			   strerror(errno));
		fclose(f);
		goto err_unlink;
	}
	if (fclose(f)) {
		ret = -errno;
		sslerr_set(err, errlen, "cannot write key file %s: %s", tmp,
			   strerror(errno));
		goto err_unlink;
	}
	if (rename(tmp, path)) {
		ret = -errno;
		sslerr_set(err, errlen, "cannot rename %s to %s: %s", tmp,
			   path, strerror(errno));
		goto err_unlink;
	}
	ret = sync_dir(path);
	if (ret < 0)
		sslerr_set(err, errlen,
			   "cannot sync the directory of key file %s: %s",
			   path, strerror(-ret));
	return ret;

err_unlink:
	unlink(tmp);
	return ret < 0 ? ret : -EIO;
}

static EVP_PKEY *create_key(const char *path, const struct keyfile_kind *kind,
			    char *err, size_t errlen)
{
	EVP_PKEY *k = kind->keygen();

	if (!k) {
		sslerr_setq(err, errlen, "cannot generate an %s key", kind->name);
		return NULL;
	}
	if (keyfile_write(path, k, err, errlen)) {
		EVP_PKEY_free(k);
		return NULL;
	}
	return k;
}

EVP_PKEY *keyfile_load_or_create(const char *path, bool create,
				 const struct keyfile_kind *kind, char *err,
				 size_t errlen)
{
	int fd;

	if (!path || !*path) {
		sslerr_set(err, errlen, "no key file name given");
		return NULL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		return load_fd(fd, path, kind, err, errlen);
	if (errno == ENOENT && create)
		return create_key(path, kind, err, errlen);
	sslerr_set(err, errlen, "cannot open key file %s: %s", path,
		   strerror(errno));
	return NULL;
}

static EVP_PKEY *ed25519_keygen(void)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
}

const struct keyfile_kind keyfile_ed25519 = {
	.type = "ED25519",
	.name = "Ed25519",
	.keygen = ed25519_keygen,
};

EVP_PKEY *ident_from_seed(const uint8_t seed[IDENT_KEY_LEN])
{
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL,
						   seed, IDENT_KEY_LEN);

	if (!k)
		ERR_clear_error();
	return k;
}

int ident_seed(EVP_PKEY *k, uint8_t seed[IDENT_KEY_LEN])
{
	size_t len = IDENT_KEY_LEN;

	if (!k || EVP_PKEY_get_id(k) != EVP_PKEY_ED25519)
		return -EINVAL;
	if (EVP_PKEY_get_raw_private_key(k, seed, &len) != 1 ||
	    len != IDENT_KEY_LEN) {
		ERR_clear_error();
		return -EINVAL;
	}
	return 0;
}

EVP_PKEY *ident_load_or_create(const char *path, bool create,
			       char *err, size_t errlen)
{
	return keyfile_load_or_create(path, create, &keyfile_ed25519, err,
				      errlen);
}
