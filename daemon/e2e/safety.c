// SPDX-License-Identifier: GPL-2.0
/*
 * Safety numbers (safety.h): Signal's numeric fingerprint, with Tern's
 * label. Each half is SHA-512 iterated 5,200 times over the account key
 * (which makes finding a key with the same digits 5,200 times dearer);
 * six 5-byte chunks of the result, each a big-endian number modulo
 * 100,000, make its 30 digits.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "safety.h"

#define LABEL		"tern-safety-number v1"
#define HANDLE_MAX	254

int safety_half(const char *handle, const uint8_t key[SAFETY_KEY_LEN],
		char out[SAFETY_HALF_DIGITS + 1])
{
	uint8_t h[EVP_MAX_MD_SIZE];
	size_t hl = strlen(handle);
	EVP_MD_CTX *ctx;
	unsigned int i, n = 0;
	int ret = -EIO;

	if (!hl || hl > HANDLE_MAX)
		return -EINVAL;
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	/* h0 = SHA-512(label 0x00 || key || handle) */
	if (EVP_DigestInit_ex(ctx, EVP_sha512(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, LABEL, sizeof(LABEL)) != 1 ||
	    EVP_DigestUpdate(ctx, key, SAFETY_KEY_LEN) != 1 ||
	    EVP_DigestUpdate(ctx, handle, hl) != 1 ||
	    EVP_DigestFinal_ex(ctx, h, &n) != 1)
		goto out;
	/* h(i+1) = SHA-512(h(i) || key), 5,200 times in all */
	for (i = 1; i < SAFETY_ITERATIONS; i++)
		if (EVP_DigestInit_ex(ctx, EVP_sha512(), NULL) != 1 ||
		    EVP_DigestUpdate(ctx, h, 64) != 1 ||
		    EVP_DigestUpdate(ctx, key, SAFETY_KEY_LEN) != 1 ||
		    EVP_DigestFinal_ex(ctx, h, &n) != 1)
			goto out;
	for (i = 0; i < 6; i++) {
		const uint8_t *c = h + 5 * i;
		uint64_t v = (uint64_t)c[0] << 32 | (uint64_t)c[1] << 24 |
			     (uint64_t)c[2] << 16 | (uint64_t)c[3] << 8 | c[4];

		snprintf(out + 5 * i, 6, "%05u", (unsigned int)(v % 100000));
	}
	ret = 0;
out:
	EVP_MD_CTX_free(ctx);
	return ret;
}

int safety_number(const char *handle_a, const uint8_t key_a[SAFETY_KEY_LEN],
		  const char *handle_b, const uint8_t key_b[SAFETY_KEY_LEN],
		  char out[SAFETY_DIGITS + 1])
{
	char a[SAFETY_HALF_DIGITS + 1], b[SAFETY_HALF_DIGITS + 1];
	int ret;

	ret = safety_half(handle_a, key_a, a);
	if (!ret)
		ret = safety_half(handle_b, key_b, b);
	if (ret)
		return ret;
	if (strcmp(a, b) <= 0)
		snprintf(out, SAFETY_DIGITS + 1, "%s%s", a, b);
	else
		snprintf(out, SAFETY_DIGITS + 1, "%s%s", b, a);
	return 0;
}
