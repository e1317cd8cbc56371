// SPDX-License-Identifier: GPL-2.0
/*
 * The directory's own keys, in its data directory, made at first start:
 * head.pem (Ed25519, signs tree heads) and vrf.pem (RSA, the VRF that
 * places handles in the map). Clients pin their public halves
 * (tern-directoryd --show-keys prints them).
 */
#include <limits.h>
#include <stdio.h>

#include "dird.h"
#include "keyfile.h"

static EVP_PKEY *vrf_keygen(void)
{
	EVP_PKEY *k = NULL;

	return kt_vrf_keygen(DIRD_VRF_BITS, &k) ? NULL : k;
}

static const struct keyfile_kind keyfile_vrf = {
	.type = "RSA",
	.name = "RSA",
	.keygen = vrf_keygen,
};

int dird_keys_load(struct dird *d, char *err, size_t errlen)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/head.pem", d->conf.data);
	d->head_key = keyfile_load_or_create(path, true, &keyfile_ed25519,
					     err, errlen);
	if (!d->head_key)
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/vrf.pem", d->conf.data);
	d->vrf_key = keyfile_load_or_create(path, true, &keyfile_vrf, err,
					    errlen);
	if (!d->vrf_key)
		return -EINVAL;
	if (kt_vrf_key_check(d->vrf_key)) {
		snprintf(err, errlen,
			 "%s: not a VRF key Tern accepts (RSA, 2048 to 4096 bits, exponent 65537)",
			 path);
		return -EINVAL;
	}
	return 0;
}
