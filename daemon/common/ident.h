/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Ed25519 identities (Documentation/protocol.rst, "Hello and device
 * authentication"): key files, signatures, device ids, the hello
 * transcript and device certificates. All crypto is OpenSSL's.
 */
#ifndef TERN_IDENT_H
#define TERN_IDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#define IDENT_KEY_LEN		32	/* Ed25519 public key */
#define IDENT_SIG_LEN		64	/* Ed25519 signature */
#define IDENT_ID_LEN		16	/* device id */
#define IDENT_EXPORTER_LEN	32	/* TLS exporter in the hello */
#define IDENT_HELLO_LABEL	"tern-hello-v1"
#define IDENT_CERT_LABEL	"tern-device-v1"
/* Hello transcript: label, exporter, timestamp, device key, account key. */
#define IDENT_HELLO_MAX		(13 + 32 + 8 + 32 + 32)

/*
 * Loads the Ed25519 private key in PEM (PKCS#8) file path. When the file
 * does not exist and create is true, makes a new key and writes it there
 * with mode 0600 (a temporary file renamed into place). A key file that
 * group or others may access, or that holds another kind of key, is
 * refused. Returns the key (EVP_PKEY_free() it) or NULL with err set.
 */
EVP_PKEY *ident_load_or_create(const char *path, bool create,
			       char *err, size_t errlen);

/*
 * An Ed25519 key from its 32-byte private seed (RFC 8032), and the seed
 * of one: how a device being linked receives the account key
 * (Documentation/messaging.rst, "Linking a device"). NULL, or -EINVAL.
 */
EVP_PKEY *ident_from_seed(const uint8_t seed[IDENT_KEY_LEN]);
int ident_seed(EVP_PKEY *k, uint8_t seed[IDENT_KEY_LEN]);

/* The raw public key. Returns 0, or -EINVAL if k is not Ed25519. */
int ident_pub(EVP_PKEY *k, uint8_t pub[IDENT_KEY_LEN]);

/* Signs msg. Returns 0, -EINVAL (not an Ed25519 key) or -ENOMEM/-EIO. */
int ident_sign(EVP_PKEY *k, const void *msg, size_t len,
	       uint8_t sig[IDENT_SIG_LEN]);

/*
 * Returns 0 when sig is pub's signature of msg, else -EBADMSG (or
 * -ENOMEM).
 */
int ident_verify(const uint8_t pub[IDENT_KEY_LEN], const void *msg,
		 size_t len, const uint8_t sig[IDENT_SIG_LEN]);

/* The device id: the first 16 bytes of SHA-256(pub). */
void ident_device_id(const uint8_t pub[IDENT_KEY_LEN],
		     uint8_t id[IDENT_ID_LEN]);

/*
 * Writes the bytes Hello.signature covers into out (IDENT_HELLO_MAX bytes
 * room): "tern-hello-v1", exporter, timestamp_ms big-endian, device key
 * and, unless akey is NULL, the account key. Returns their length (85 or
 * 117).
 */
size_t ident_hello_transcript(uint8_t *out,
			      const uint8_t exporter[IDENT_EXPORTER_LEN],
			      uint64_t timestamp_ms,
			      const uint8_t dkey[IDENT_KEY_LEN],
			      const uint8_t *akey);

/*
 * The account key's signature over "tern-device-v1" || dkey. Returns 0 or
 * as ident_sign().
 */
int ident_device_cert(EVP_PKEY *account, const uint8_t dkey[IDENT_KEY_LEN],
		      uint8_t sig[IDENT_SIG_LEN]);

/* Returns 0 when sig certifies dkey under akey, else -EBADMSG. */
int ident_device_cert_verify(const uint8_t akey[IDENT_KEY_LEN],
			     const uint8_t dkey[IDENT_KEY_LEN],
			     const uint8_t sig[IDENT_SIG_LEN]);

#endif /* TERN_IDENT_H */
