// SPDX-License-Identifier: GPL-2.0
/*
 * HKDF-Expand-Label (RFC 8446 section 7.1) through OpenSSL's TLS13-KDF in
 * expand-only mode: the "tls13 " prefix, the label and an empty context.
 */
#include <errno.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "ktls.h"
#include "sslerr.h"

int ktls_expand_label(const EVP_MD *md, const uint8_t *secret,
		      size_t secret_len, const char *label,
		      uint8_t *out, size_t outlen, char *err, size_t errlen)
{
	static const char prefix[] = "tls13 ";
	int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
	OSSL_PARAM params[6], *p = params;
	EVP_KDF_CTX *kctx = NULL;
	EVP_KDF *kdf;
	int ret = -EIO;

	kdf = EVP_KDF_fetch(NULL, OSSL_KDF_NAME_TLS1_3_KDF, NULL);
	if (!kdf) {
		sslerr_setq(err, errlen, "no TLS13-KDF in OpenSSL");
		return -EIO;
	}
	kctx = EVP_KDF_CTX_new(kdf);
	EVP_KDF_free(kdf);
	if (!kctx) {
		sslerr_setq(err, errlen, "cannot create a TLS13-KDF context");
		return -EIO;
	}
	*p++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						(char *)EVP_MD_get0_name(md),
						0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
						 (void *)secret, secret_len);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PREFIX,
						 (void *)prefix,
						 sizeof(prefix) - 1);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_LABEL,
						 (void *)label,
						 strlen(label));
	*p = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(kctx, out, outlen, params) != 1) {
		sslerr_setq(err, errlen,
			    "HKDF-Expand-Label(\"%s\", %zu bytes) failed",
			    label, outlen);
		goto out;
	}
	ret = 0;
out:
	EVP_KDF_CTX_free(kctx);
	return ret;
}
