/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RSA-FDH-VRF-SHA256 (RFC 9381 section 4, suite_string 0x01): the keyed
 * hash that places a handle in the map. Anyone with the directory's VRF
 * public key can check that an index belongs to a handle (so the directory
 * cannot give one handle two places), and no one without the private key
 * can compute the index of a handle, or a handle from an index (so the map
 * does not list who is registered). Built from libcrypto's raw RSA
 * operations (RSASP1/RSAVP1, RSA_NO_PADDING) and MGF1; no hand-written
 * arithmetic. Documentation/directory.rst says why a VRF and not a plain
 * keyed hash.
 *
 * Keys are EVP_PKEY RSA keys of 2048 to 4096 bits with public exponent
 * 65537. The proof pi is k bytes (the modulus length); the output beta is
 * SHA-256(0x01 || 0x02 || pi), 32 bytes.
 */
#ifndef TERN_KT_VRF_H
#define TERN_KT_VRF_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "kt.h"

#define KT_VRF_MIN_BITS		2048
#define KT_VRF_MAX_BITS		4096
#define KT_VRF_MAX_PROOF	(KT_VRF_MAX_BITS / 8)

/* A new key of @bits (KT_VRF_MIN_BITS..KT_VRF_MAX_BITS, a multiple of 8). */
int kt_vrf_keygen(unsigned int bits, EVP_PKEY **key);

/*
 * 0 when @key is an RSA key Tern accepts as a VRF key (size and exponent
 * above), else -EINVAL. Prove and verify call it too.
 */
int kt_vrf_key_check(const EVP_PKEY *key);

/* The proof for @alpha: *@pilen (in: room in @pi; out: k) bytes. */
int kt_vrf_prove(EVP_PKEY *key, const void *alpha, size_t alen, uint8_t *pi,
		 size_t *pilen);

/* beta for a proof, without verifying it (the prover's side). */
int kt_vrf_proof_to_hash(const uint8_t *pi, size_t pilen,
			 uint8_t beta[KT_HASH_LEN]);

/*
 * Verifies @pi for @alpha under the public @key and, when it holds, writes
 * beta. -EBADMSG when it does not (wrong length included).
 */
int kt_vrf_verify(EVP_PKEY *key, const void *alpha, size_t alen,
		  const uint8_t *pi, size_t pilen, uint8_t beta[KT_HASH_LEN]);

#endif /* TERN_KT_VRF_H */
