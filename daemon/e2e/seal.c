// SPDX-License-Identifier: GPL-2.0
/*
 * Sealed sender (seal.h): one X25519 between a fresh ephemeral key and the
 * recipient device's identity key, HKDF into an AES-256-GCM key and
 * nonce, and the version byte, E and IK_R bound as associated data. E is
 * new for every message, so each key seals one message and its derived
 * nonce never repeats under it. A link box (seal.h) is the same
 * construction with its own version byte and HKDF info.
 */
#include <errno.h>
#include <string.h>

#include "seal.h"

struct seal_kind {
	uint8_t version;
	const char *info;
	const char *not_version;	/* the error for another version */
};

static const struct seal_kind sealed_kind = {
	SEAL_VERSION, "tern-sealed v1", "version: not 1",
};
static const struct seal_kind link_kind = {
	SEAL_LINK_VERSION, "tern-link v1", "version: not 2 (a link box)",
};

#define SEAL_KEY_LEN	32
#define SEAL_OKM_LEN	(SEAL_KEY_LEN + E2E_NONCE_LEN)
#define SEAL_AD_LEN	(1 + 2 * E2E_KEY_LEN)

/*
 * @ad gets the version || E || IK_R, and @okm the key and nonce from
 * DH(@priv, @pub): e and IK_R when sealing, ik and E when opening. The
 * salt, E || IK_R, is the end of @ad.
 */
static int derive(const struct seal_kind *kind,
		  const uint8_t priv[E2E_KEY_LEN],
		  const uint8_t pub[E2E_KEY_LEN],
		  const uint8_t e[E2E_KEY_LEN],
		  const uint8_t ik_r[E2E_KEY_LEN],
		  uint8_t okm[SEAL_OKM_LEN], uint8_t ad[SEAL_AD_LEN])
{
	uint8_t dh[E2E_KEY_LEN];
	int ret;

	ad[0] = kind->version;
	memcpy(ad + 1, e, E2E_KEY_LEN);
	memcpy(ad + 1 + E2E_KEY_LEN, ik_r, E2E_KEY_LEN);
	ret = e2e_dh(priv, pub, dh);
	if (!ret)
		ret = e2e_hkdf(ad + 1, 2 * E2E_KEY_LEN, dh, sizeof(dh),
			       kind->info, okm, SEAL_OKM_LEN);
	e2e_wipe(dh, sizeof(dh));
	return ret;
}

static int wrap(const struct seal_kind *kind,
		const uint8_t ik_r[E2E_KEY_LEN], const struct e2e_keypair *e,
		const uint8_t *inner, size_t len, uint8_t *out)
{
	uint8_t okm[SEAL_OKM_LEN], ad[SEAL_AD_LEN];
	struct e2e_keypair fresh;
	int ret;

	if (!e) {
		ret = e2e_keypair_new(&fresh);
		if (ret)
			goto out;
		e = &fresh;
	}
	ret = derive(kind, e->priv, ik_r, e->pub, ik_r, okm, ad);
	if (ret)
		goto out;
	out[0] = kind->version;
	memcpy(out + 1, e->pub, E2E_KEY_LEN);
	ret = e2e_seal(okm, okm + SEAL_KEY_LEN, ad, sizeof(ad), inner, len,
		       out + 1 + E2E_KEY_LEN);
out:
	e2e_wipe(&fresh, sizeof(fresh));
	e2e_wipe(okm, sizeof(okm));
	return ret;
}

static int open_box(const struct seal_kind *kind,
		    const struct e2e_keypair *ik, const uint8_t *sealed,
		    size_t len, uint8_t *inner, const char **why)
{
	uint8_t okm[SEAL_OKM_LEN], ad[SEAL_AD_LEN];
	const char *w = NULL;
	int ret;

	if (len < SEAL_OVERHEAD) {
		w = "shorter than a version byte, a key and a tag";
		ret = -EINVAL;
		goto out;
	}
	if (sealed[0] != kind->version) {
		w = kind->not_version;
		ret = -EINVAL;
		goto out;
	}
	/* E, the ephemeral key, follows the version byte. */
	ret = derive(kind, ik->priv, sealed + 1, sealed + 1, ik->pub, okm, ad);
	if (ret == -EINVAL) {
		w = "the ephemeral key is of low order (an all-zero DH result)";
		ret = -EBADMSG;
		goto out;
	}
	if (ret) {
		w = "the key derivation failed";
		goto out;
	}
	ret = e2e_open(okm, okm + SEAL_KEY_LEN, ad, sizeof(ad),
		       sealed + 1 + E2E_KEY_LEN, len - 1 - E2E_KEY_LEN, inner);
	if (ret == -EBADMSG)
		w = "the tag does not verify (forged, corrupted, or sealed to another key)";
	else if (ret)
		w = "the decryption failed";
out:
	e2e_wipe(okm, sizeof(okm));
	if (why)
		*why = w;
	return ret;
}

int seal_wrap(const uint8_t ik_r[E2E_KEY_LEN], const struct e2e_keypair *e,
	      const uint8_t *inner, size_t len, uint8_t *out)
{
	return wrap(&sealed_kind, ik_r, e, inner, len, out);
}

int seal_open(const struct e2e_keypair *ik, const uint8_t *sealed,
	      size_t len, uint8_t *inner, const char **why)
{
	return open_box(&sealed_kind, ik, sealed, len, inner, why);
}

int seal_link_wrap(const uint8_t link_pub[E2E_KEY_LEN],
		   const struct e2e_keypair *e, const uint8_t *inner,
		   size_t len, uint8_t *out)
{
	return wrap(&link_kind, link_pub, e, inner, len, out);
}

int seal_link_open(const struct e2e_keypair *link, const uint8_t *box,
		   size_t len, uint8_t *inner, const char **why)
{
	return open_box(&link_kind, link, box, len, inner, why);
}
