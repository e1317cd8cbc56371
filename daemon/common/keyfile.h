/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private key files: PEM PKCS#8, unencrypted, mode 0600, created
 * atomically on first use (daemon/common/ident_file.c).
 */
#ifndef TERN_KEYFILE_H
#define TERN_KEYFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <openssl/evp.h>

struct keyfile_kind {
	const char *type;		/* EVP_PKEY_is_a() name: "ED25519" */
	const char *name;		/* for messages: "Ed25519" */
	EVP_PKEY *(*keygen)(void);	/* a new key, or NULL */
};

extern const struct keyfile_kind keyfile_ed25519;

/*
 * Loads the private key of @kind from @path. When the file does not exist
 * and @create is true, makes a new key with @kind->keygen and writes it
 * there. A file that group or others may access, that is encrypted or that
 * holds another kind of key is refused. Returns the key or NULL with @err
 * set.
 */
EVP_PKEY *keyfile_load_or_create(const char *path, bool create,
				 const struct keyfile_kind *kind, char *err,
				 size_t errlen);

/*
 * Write @k to @path as keyfile_load_or_create() creates one (PEM PKCS#8,
 * mode 0600, atomically, durably), replacing what is there. 0 or a
 * negative errno, with @err saying what failed.
 */
int keyfile_write(const char *path, EVP_PKEY *k, char *err, size_t errlen);

#endif /* TERN_KEYFILE_H */
