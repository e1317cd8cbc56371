/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libterne2e's primitives (Documentation/e2e.rst, "Primitives"): X25519,
 * HKDF-SHA-256, HMAC-SHA-256 and AES-256-GCM, all from libcrypto. Returns
 * are 0 or a negative errno: -EINVAL for a bad key or an all-zero DH
 * result, -EBADMSG for a tag that does not verify, -ENOMEM, -EIO.
 */
#ifndef TERN_E2E_H
#define TERN_E2E_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define E2E_KEY_LEN		32
#define E2E_TAG_LEN		16
#define E2E_NONCE_LEN		12

struct e2e_keypair {
	uint8_t priv[E2E_KEY_LEN];
	uint8_t pub[E2E_KEY_LEN];
};

/* A new X25519 key pair from the system's randomness. */
int e2e_keypair_new(struct e2e_keypair *kp);
/* The public key of @priv. */
int e2e_keypair_from(const uint8_t priv[E2E_KEY_LEN], struct e2e_keypair *kp);
/* X25519(@priv, @pub); an all-zero result is -EINVAL. */
int e2e_dh(const uint8_t priv[E2E_KEY_LEN], const uint8_t pub[E2E_KEY_LEN],
	   uint8_t out[E2E_KEY_LEN]);

int e2e_hkdf(const uint8_t *salt, size_t saltlen, const uint8_t *ikm,
	     size_t ikmlen, const char *info, uint8_t *out, size_t outlen);
int e2e_hmac(const uint8_t key[E2E_KEY_LEN], const uint8_t *data,
	     size_t len, uint8_t out[32]);

/* AES-256-GCM: @out gets @len bytes of ciphertext then the tag. */
int e2e_seal(const uint8_t key[32], const uint8_t nonce[E2E_NONCE_LEN],
	     const uint8_t *ad, size_t adlen, const uint8_t *in, size_t len,
	     uint8_t *out);
/* @in is @len bytes: ciphertext then the tag; @out gets len - 16. */
int e2e_open(const uint8_t key[32], const uint8_t nonce[E2E_NONCE_LEN],
	     const uint8_t *ad, size_t adlen, const uint8_t *in, size_t len,
	     uint8_t *out);

/* Zero @p in a way the compiler keeps. */
void e2e_wipe(void *p, size_t len);

#endif /* TERN_E2E_H */
