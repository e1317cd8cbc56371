// SPDX-License-Identifier: GPL-2.0
/*
 * The key agreement (x3dh.h, Documentation/e2e.rst): four X25519 results
 * behind 32 bytes of 0xFF, through HKDF into SK; the associated data
 * binds both identity keys.
 */
#include <errno.h>
#include <string.h>

#include "x3dh.h"

#define X3DH_INFO	"tern-x3dh v1"
#define IKM_LEN		(5 * E2E_KEY_LEN)

/*
 * The four DHs, in the order the document numbers them, then SK. Each
 * side passes its private halves and the other side's public keys.
 */
static int agree(const uint8_t *const priv[4], const uint8_t *const pub[4],
		 uint8_t sk[E2E_KEY_LEN])
{
	static const uint8_t salt[E2E_KEY_LEN];
	uint8_t ikm[IKM_LEN];
	int i, ret = 0;

	memset(ikm, 0xff, E2E_KEY_LEN);
	for (i = 0; !ret && i < 4; i++)
		ret = e2e_dh(priv[i], pub[i], ikm + (i + 1) * E2E_KEY_LEN);
	if (!ret)
		ret = e2e_hkdf(salt, sizeof(salt), ikm, IKM_LEN, X3DH_INFO, sk,
			       E2E_KEY_LEN);
	e2e_wipe(ikm, sizeof(ikm));
	return ret;
}

static void make_ad(const uint8_t ik_a[E2E_KEY_LEN],
		    const uint8_t ik_b[E2E_KEY_LEN], uint8_t ad[X3DH_AD_LEN])
{
	memcpy(ad, X3DH_AD_LABEL, 10);
	memcpy(ad + 10, ik_a, E2E_KEY_LEN);
	memcpy(ad + 10 + E2E_KEY_LEN, ik_b, E2E_KEY_LEN);
}

int x3dh_initiate(const struct e2e_keypair *ik_a,
		  const struct e2e_keypair *ek_a,
		  const uint8_t ik_b[E2E_KEY_LEN],
		  const uint8_t spk_b[E2E_KEY_LEN],
		  const uint8_t opk_b[E2E_KEY_LEN],
		  uint8_t sk[E2E_KEY_LEN], uint8_t ad[X3DH_AD_LEN])
{
	const uint8_t *const priv[4] = {
		ik_a->priv, ek_a->priv, ek_a->priv, ek_a->priv,
	};
	const uint8_t *const pub[4] = { spk_b, ik_b, spk_b, opk_b };
	int ret = agree(priv, pub, sk);

	if (!ret)
		make_ad(ik_a->pub, ik_b, ad);
	return ret;
}

int x3dh_respond(const struct e2e_keypair *ik_b,
		 const struct e2e_keypair *spk_b,
		 const struct e2e_keypair *opk_b,
		 const uint8_t ik_a[E2E_KEY_LEN],
		 const uint8_t ek_a[E2E_KEY_LEN],
		 uint8_t sk[E2E_KEY_LEN], uint8_t ad[X3DH_AD_LEN])
{
	const uint8_t *const priv[4] = {
		spk_b->priv, ik_b->priv, spk_b->priv, opk_b->priv,
	};
	const uint8_t *const pub[4] = { ik_a, ek_a, ek_a, ek_a };
	int ret = agree(priv, pub, sk);

	if (!ret)
		make_ad(ik_a, ik_b->pub, ad);
	return ret;
}
