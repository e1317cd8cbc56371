/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Safety numbers (Documentation/e2e.rst, "Safety numbers"): 60 digits two
 * people compare to know that each has the other's account key, and
 * that no one sits between them.
 */
#ifndef TERN_SAFETY_H
#define TERN_SAFETY_H

#include <stddef.h>
#include <stdint.h>

#define SAFETY_KEY_LEN		32	/* an Ed25519 account key */
#define SAFETY_HALF_DIGITS	30
#define SAFETY_DIGITS		60
#define SAFETY_ITERATIONS	5200

/* One party's 30 digits (and a NUL) from its handle and account key. */
int safety_half(const char *handle, const uint8_t key[SAFETY_KEY_LEN],
		char out[SAFETY_HALF_DIGITS + 1]);
/* The 60 digits (and a NUL) both parties see: the two halves, the lower
 * first, so the number is the same on both sides.
 */
int safety_number(const char *handle_a, const uint8_t key_a[SAFETY_KEY_LEN],
		  const char *handle_b, const uint8_t key_b[SAFETY_KEY_LEN],
		  char out[SAFETY_DIGITS + 1]);

#endif /* TERN_SAFETY_H */
