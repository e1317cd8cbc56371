/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Key transparency: what the log, the map, the VRF and signed tree heads
 * share (Documentation/directory.rst, "Key transparency").
 *
 * Every function returns 0 or a negative errno: -EINVAL for arguments out
 * of range, -EBADMSG for a proof or signature that does not verify,
 * -ENOMEM, -EIO when libcrypto failed.
 */
#ifndef TERN_KT_H
#define TERN_KT_H

#include <stddef.h>
#include <stdint.h>

/* SHA-256, the hash of every tree and of the VRF's output. */
#define KT_HASH_LEN	32

/* SHA-256 over @n parts (@ptr[i], @len[i]). Returns 0, -ENOMEM or -EIO. */
int kt_sha256(uint8_t out[KT_HASH_LEN], size_t n, const void *const ptr[],
	      const size_t len[]);

/* Constant-time equality of two hashes. */
int kt_hash_eq(const uint8_t a[KT_HASH_LEN], const uint8_t b[KT_HASH_LEN]);

#endif /* TERN_KT_H */
