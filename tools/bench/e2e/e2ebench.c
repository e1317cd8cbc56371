// SPDX-License-Identifier: GPL-2.0
/*
 * tern-e2ebench: the session layer's speed on one core (`make bench`,
 * Documentation/bench.md "The end-to-end benchmark"): messages encrypted
 * and decrypted per second for one-directional traffic (chain steps) and
 * for alternating traffic (a DH ratchet step each turn), and session
 * setups (both sides of the key agreement and the ratchets' start) per
 * second. Baselines measured in the same run, on the same core: the
 * AES-256-GCM seal and open every message costs at least, and the X25519
 * operation every DH ratchet step and setup is made of.
 *
 *   tern-e2ebench [--seconds S] [--size BYTES]
 *
 * Prints one JSON object. Exit status 0, 1 on a failure of the library
 * (every message is checked to open to what was sent), 2 on bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ratchet.h"
#include "x3dh.h"

#define BATCH		10000
#define TARGET		50000

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "tern-e2ebench: %s: %s\n", what, strerror(-err));
	return 1;
}

struct pair {
	struct ratchet a, b;
	uint8_t ad[X3DH_AD_LEN];
};

static int setup(struct pair *p)
{
	struct e2e_keypair ika, eka, ikb, spkb, opkb;
	uint8_t ska[E2E_KEY_LEN], skb[E2E_KEY_LEN], adb[X3DH_AD_LEN];
	int ret;

	ret = e2e_keypair_new(&ika);
	if (!ret)
		ret = e2e_keypair_new(&eka);
	if (!ret)
		ret = e2e_keypair_new(&ikb);
	if (!ret)
		ret = e2e_keypair_new(&spkb);
	if (!ret)
		ret = e2e_keypair_new(&opkb);
	if (!ret)
		ret = x3dh_initiate(&ika, &eka, ikb.pub, spkb.pub, opkb.pub,
				    ska, p->ad);
	if (!ret)
		ret = x3dh_respond(&ikb, &spkb, &opkb, ika.pub, eka.pub, skb,
				   adb);
	if (!ret)
		ret = ratchet_init_alice(&p->a, ska, spkb.pub);
	if (!ret)
		ret = ratchet_init_bob(&p->b, skb, &spkb);
	if (!ret && (memcmp(ska, skb, sizeof(ska)) ||
		     memcmp(p->ad, adb, sizeof(adb))))
		ret = -EPROTO;
	return ret;
}

/* Chain steps: a batch encrypted by Alice, then opened by Bob. */
static int one_way(struct pair *p, size_t size, double secs, double *enc,
		   double *dec)
{
	size_t mlen = size + RATCHET_OVERHEAD;
	uint8_t *msgs = malloc(BATCH * mlen), *pt = malloc(size + 1);
	uint8_t *in = calloc(1, size + 1);
	double te = 0, td = 0, t0, end = now() + secs;
	unsigned long n = 0;
	int i, ret = -ENOMEM;

	if (!msgs || !pt || !in)
		goto out;
	while (now() < end) {
		t0 = now();
		for (i = 0; i < BATCH; i++) {
			memcpy(in, &i, sizeof(i) < size ? sizeof(i) : size);
			ret = ratchet_encrypt(&p->a, p->ad, sizeof(p->ad), in,
					      size, msgs + i * mlen);
			if (ret)
				goto out;
		}
		te += now() - t0;
		t0 = now();
		for (i = 0; i < BATCH; i++) {
			ret = ratchet_decrypt(&p->b, p->ad, sizeof(p->ad),
					      msgs + i * mlen, mlen, pt, NULL);
			if (ret)
				goto out;
			memcpy(in, &i, sizeof(i) < size ? sizeof(i) : size);
			if (memcmp(pt, in, size)) {
				ret = -EBADMSG;
				goto out;
			}
		}
		td += now() - t0;
		n += BATCH;
	}
	*enc = n / te;
	*dec = n / td;
	ret = 0;
out:
	free(msgs);
	free(pt);
	free(in);
	return ret;
}

/* A DH ratchet step each turn: each side answers the other. */
static int alternating(struct pair *p, size_t size, double secs, double *enc,
		       double *dec)
{
	size_t mlen = size + RATCHET_OVERHEAD;
	uint8_t *msg = malloc(mlen), *pt = malloc(size + 1);
	uint8_t *in = calloc(1, size + 1);
	double te = 0, td = 0, t0, end = now() + secs;
	unsigned long n = 0;
	struct ratchet *s, *r;
	int ret = -ENOMEM;

	if (!msg || !pt || !in)
		goto out;
	while (now() < end) {
		s = n & 1 ? &p->b : &p->a;
		r = n & 1 ? &p->a : &p->b;
		t0 = now();
		ret = ratchet_encrypt(s, p->ad, sizeof(p->ad), in, size, msg);
		te += now() - t0;
		if (ret)
			goto out;
		t0 = now();
		ret = ratchet_decrypt(r, p->ad, sizeof(p->ad), msg, mlen, pt,
				      NULL);
		td += now() - t0;
		if (ret)
			goto out;
		n++;
	}
	*enc = n / te;
	*dec = n / td;
	ret = 0;
out:
	free(msg);
	free(pt);
	free(in);
	return ret;
}

static int setups(double secs, double *rate)
{
	double t0 = now(), end = t0 + secs;
	unsigned long n = 0;
	struct pair p;
	int ret;

	while (now() < end) {
		memset(&p, 0, sizeof(p));
		ret = setup(&p);
		ratchet_free(&p.a);
		ratchet_free(&p.b);
		if (ret)
			return ret;
		n++;
	}
	*rate = n / (now() - t0);
	return 0;
}

/* The baselines: one AEAD seal and open of @size bytes; one X25519. */
static int baseline(size_t size, double secs, double *seal, double *open,
		    double *dh)
{
	uint8_t key[32] = { 1 }, nonce[E2E_NONCE_LEN] = { 2 };
	uint8_t ad[X3DH_AD_LEN + RATCHET_HEADER_LEN] = { 3 };
	uint8_t *ct = malloc(size + E2E_TAG_LEN), *pt = malloc(size + 1);
	uint8_t *in = calloc(1, size + 1), out[E2E_KEY_LEN];
	struct e2e_keypair a, b;
	double t0, t;
	unsigned long n;
	int ret = -ENOMEM;

	if (!ct || !pt || !in)
		goto out;
	for (n = 0, t0 = now(); (t = now()) < t0 + secs / 3; n++) {
		ret = e2e_seal(key, nonce, ad, sizeof(ad), in, size, ct);
		if (ret)
			goto out;
	}
	*seal = n / (t - t0);
	for (n = 0, t0 = now(); (t = now()) < t0 + secs / 3; n++) {
		ret = e2e_open(key, nonce, ad, sizeof(ad), ct,
			       size + E2E_TAG_LEN, pt);
		if (ret)
			goto out;
	}
	*open = n / (t - t0);
	ret = e2e_keypair_new(&a);
	if (!ret)
		ret = e2e_keypair_new(&b);
	for (n = 0, t0 = now(); !ret && (t = now()) < t0 + secs / 3; n++)
		ret = e2e_dh(a.priv, b.pub, out);
	*dh = n / (t - t0);
out:
	free(ct);
	free(pt);
	free(in);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "size", required_argument, NULL, 'z' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	double secs = 3, oe, od, ae, ad, su, bs, bo, bdh;
	unsigned long size = 100;
	struct pair p;
	char *end;
	int c, ret;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			secs = strtod(optarg, &end);
			if (*end || !(secs > 0 && secs <= 600))
				goto usage;
			break;
		case 'z':
			size = strtoul(optarg, &end, 10);
			if (*end || size > 65536)
				goto usage;
			break;
		case 'h':
			printf("usage: tern-e2ebench [--seconds S] [--size BYTES]\n");
			return 0;
		default:
			goto usage;
		}
	}
	if (optind != argc)
		goto usage;
	memset(&p, 0, sizeof(p));
	ret = setup(&p);
	if (ret)
		return fail("session setup", ret);
	ret = one_way(&p, size, secs, &oe, &od);
	if (ret)
		return fail("one-directional traffic", ret);
	ret = alternating(&p, size, secs, &ae, &ad);
	if (ret)
		return fail("alternating traffic", ret);
	ratchet_free(&p.a);
	ratchet_free(&p.b);
	ret = setups(secs, &su);
	if (ret)
		return fail("session setups", ret);
	ret = baseline(size, secs, &bs, &bo, &bdh);
	if (ret)
		return fail("baseline", ret);
	printf("{\"payload_bytes\": %lu, \"seconds\": %g, \"target_per_s\": %d,\n"
	       " \"one_directional\": {\"encrypt_per_s\": %.0f, \"decrypt_per_s\": %.0f,\n"
	       "   \"encrypt_vs_seal\": %.3f, \"decrypt_vs_open\": %.3f, \"target_met\": %s},\n"
	       " \"alternating\": {\"encrypt_per_s\": %.0f, \"decrypt_per_s\": %.0f,\n"
	       "   \"decrypt_vs_x25519\": %.3f},\n"
	       " \"setups_per_s\": %.0f, \"setups_vs_x25519\": %.4f,\n"
	       " \"baseline\": {\"aead_seal_per_s\": %.0f, \"aead_open_per_s\": %.0f,\n"
	       "   \"x25519_per_s\": %.0f}}\n",
	       size, secs, TARGET, oe, od, oe / bs, od / bo,
	       oe >= TARGET && od >= TARGET ? "true" : "false",
	       ae, ad, ad / bdh, su, su / bdh, bs, bo, bdh);
	return 0;
usage:
	fprintf(stderr, "usage: tern-e2ebench [--seconds S (0-600)] [--size BYTES (0-65536)]\n");
	return 2;
}
