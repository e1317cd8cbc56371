// SPDX-License-Identifier: GPL-2.0
/*
 * The hash every part of key transparency uses: SHA-256 from libcrypto,
 * fetched once.
 */
#include <errno.h>
#include <pthread.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "kt.h"

static EVP_MD *kt_md;
static pthread_once_t kt_md_once = PTHREAD_ONCE_INIT;
static pthread_key_t kt_ctx_key;
static int kt_ctx_key_ok;

/* A thread's context goes when the thread does. */
static void kt_ctx_free(void *ctx)
{
	EVP_MD_CTX_free(ctx);
}

static void kt_md_fetch(void)
{
	kt_md = EVP_MD_fetch(NULL, "SHA256", NULL);
	kt_ctx_key_ok = !pthread_key_create(&kt_ctx_key, kt_ctx_free);
}

/*
 * One digest context per thread, reused: the map hashes millions of nodes
 * when the directory starts, and a context allocation each time would
 * cost more than the hash. The thread-specific key frees it at thread
 * exit; the main thread's lives until the process ends.
 */
int kt_sha256(uint8_t out[KT_HASH_LEN], size_t n, const void *const ptr[],
	      const size_t len[])
{
	unsigned int olen = 0;
	EVP_MD_CTX *ctx;
	int ok;
	size_t i;

	pthread_once(&kt_md_once, kt_md_fetch);
	if (!kt_md || !kt_ctx_key_ok)
		return -EIO;
	ctx = pthread_getspecific(kt_ctx_key);
	if (!ctx) {
		ctx = EVP_MD_CTX_new();
		if (!ctx)
			return -ENOMEM;
		if (pthread_setspecific(kt_ctx_key, ctx)) {
			EVP_MD_CTX_free(ctx);
			return -ENOMEM;
		}
	}
	ok = EVP_DigestInit_ex(ctx, kt_md, NULL);
	for (i = 0; ok && i < n; i++)
		ok = EVP_DigestUpdate(ctx, ptr[i], len[i]);
	ok = ok && EVP_DigestFinal_ex(ctx, out, &olen) &&
	     olen == KT_HASH_LEN;
	return ok ? 0 : -EIO;
}

int kt_hash_eq(const uint8_t a[KT_HASH_LEN], const uint8_t b[KT_HASH_LEN])
{
	return !CRYPTO_memcmp(a, b, KT_HASH_LEN);
}
