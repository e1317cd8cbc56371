// SPDX-License-Identifier: GPL-2.0
/*
 * Replays the known-answer vectors of ref_e2e.py, an implementation of
 * Documentation/e2e.rst written independently of daemon/e2e/, against
 * libterne2e, and compares every byte: kat_replay VECTORS.json.
 *
 * For each key agreement vector, x3dh_initiate() and x3dh_respond() from
 * the private keys must both give the vector's SK and AD. For each
 * session, both ratchets start from its SK and SPK_B and get their ratchet
 * key pairs from the vector's lists, in order (Alice's first at
 * ratchet_init_alice()); then every message sent must be the vector's to
 * the byte, every message received must open to its plaintext, and every
 * refusal must be the vector's: "cannot-send" -EAGAIN, "replay"
 * -EALREADY, "too-far" -E2BIG, "forged" -EBADMSG (-EINVAL when shorter
 * than RATCHET_OVERHEAD). A decryption that fails leaves the session as it
 * was, so a key pair it may have drawn is handed out again: the key source
 * is rewound after each failed decryption. At the end each side must have
 * used exactly its list.
 *
 * Padding: pad() of each vector's content must be its padded bytes (also
 * in place), pad_size() their length, and unpad() must give the content's
 * length back; pad() of PAD_MAX bytes or more is -EMSGSIZE. Every
 * "unpad_bad" buffer must be refused with -EBADMSG, and every "unpad_ok"
 * one (well formed, in a larger bucket than pad() picks) give its length.
 * Safety numbers: safety_half() of each party and safety_number(), both
 * ways round, must be the vector's digits exactly.
 *
 * Sealed sender (Documentation/messaging.rst): seal_wrap() of each
 * "sealed" vector's inner bytes to its recipient with its ephemeral key
 * must be its sealed bytes exactly, and seal_open() of those bytes with
 * the recipient's key must give the inner bytes back. Every "sealed_bad"
 * one must be refused as the vector says, for the same reason: "short"
 * and "version" -EINVAL, "low-order" and "forged" -EBADMSG (told apart by
 * seal_open()'s reason).
 *
 * KTAP: one result per key agreement and session vector, and on failure a
 * diagnostic naming the first event that differs; one result for each of
 * the groups padding, unpad_bad, unpad_ok, safety, sealed and sealed_bad,
 * naming the first vector that differs.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kselftest.h"
#include "e2e.h"
#include "pad.h"
#include "ratchet.h"
#include "safety.h"
#include "seal.h"
#include "x3dh.h"

/* The first reason a vector failed, for its diagnostic. */
static char diag[1024];

static __attribute__((format(printf, 1, 2))) int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(diag, sizeof(diag), fmt, ap);
	va_end(ap);
	return -1;
}

static int unhexc(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* @obj's string @field, hex, into a new buffer (never NULL) of *@len bytes. */
static int get_hex(json_t *obj, const char *field, uint8_t **out, size_t *len)
{
	const char *s = json_string_value(json_object_get(obj, field));
	size_t n, i;

	*out = NULL;
	if (!s)
		return fail("no string \"%s\"", field);
	n = strlen(s);
	if (n % 2)
		return fail("\"%s\": odd hex length", field);
	*out = malloc(n / 2 + 1);
	if (!*out)
		return fail("out of memory");
	for (i = 0; i < n / 2; i++) {
		int hi = unhexc(s[2 * i]), lo = unhexc(s[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			free(*out);
			*out = NULL;
			return fail("\"%s\": not hex", field);
		}
		(*out)[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return 0;
}

static int get_fixed(json_t *obj, const char *field, uint8_t *out,
		     size_t want)
{
	uint8_t *b;
	size_t len;

	if (get_hex(obj, field, &b, &len))
		return -1;
	if (len != want) {
		free(b);
		return fail("\"%s\": %zu bytes, not %zu", field, len, want);
	}
	memcpy(out, b, want);
	free(b);
	return 0;
}

static int get_keypair(json_t *obj, const char *field, struct e2e_keypair *kp)
{
	uint8_t priv[E2E_KEY_LEN];
	int rc;

	if (get_fixed(obj, field, priv, sizeof(priv)))
		return -1;
	rc = e2e_keypair_from(priv, kp);
	if (rc)
		return fail("e2e_keypair_from(%s): %d", field, rc);
	return 0;
}

static void hex(char *out, const uint8_t *b, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
	out[2 * len] = '\0';
}

static int x3dh_vector(json_t *v)
{
	struct e2e_keypair ik_a, ek_a, ik_b, spk_b, opk_b;
	uint8_t sk[E2E_KEY_LEN], ad[X3DH_AD_LEN];
	uint8_t sk_a[E2E_KEY_LEN], ad_a[X3DH_AD_LEN];
	uint8_t sk_b[E2E_KEY_LEN], ad_b[X3DH_AD_LEN];
	char got[2 * X3DH_AD_LEN + 1];
	int rc;

	if (get_keypair(v, "ik_a", &ik_a) || get_keypair(v, "ek_a", &ek_a) ||
	    get_keypair(v, "ik_b", &ik_b) || get_keypair(v, "spk_b", &spk_b) ||
	    get_keypair(v, "opk_b", &opk_b) ||
	    get_fixed(v, "sk", sk, sizeof(sk)) ||
	    get_fixed(v, "ad", ad, sizeof(ad)))
		return -1;
	rc = x3dh_initiate(&ik_a, &ek_a, ik_b.pub, spk_b.pub, opk_b.pub,
			   sk_a, ad_a);
	if (rc)
		return fail("x3dh_initiate: %d", rc);
	rc = x3dh_respond(&ik_b, &spk_b, &opk_b, ik_a.pub, ek_a.pub,
			  sk_b, ad_b);
	if (rc)
		return fail("x3dh_respond: %d", rc);
	if (memcmp(sk_a, sk, sizeof(sk))) {
		hex(got, sk_a, sizeof(sk_a));
		return fail("x3dh_initiate's SK differs: %s", got);
	}
	if (memcmp(ad_a, ad, sizeof(ad))) {
		hex(got, ad_a, sizeof(ad_a));
		return fail("x3dh_initiate's AD differs: %s", got);
	}
	if (memcmp(sk_b, sk, sizeof(sk))) {
		hex(got, sk_b, sizeof(sk_b));
		return fail("x3dh_respond's SK differs: %s", got);
	}
	if (memcmp(ad_b, ad, sizeof(ad))) {
		hex(got, ad_b, sizeof(ad_b));
		return fail("x3dh_respond's AD differs: %s", got);
	}
	return 0;
}

/* A side's ratchet key pairs, handed out in order. */
struct keys {
	const char *who;
	struct e2e_keypair *kp;
	size_t n, next;
	bool overrun;
};

static int keygen(void *arg, struct e2e_keypair *kp)
{
	struct keys *k = arg;

	if (k->next >= k->n) {
		k->overrun = true;
		return -ENOSPC;
	}
	*kp = k->kp[k->next++];
	return 0;
}

static int get_keys(json_t *v, const char *field, struct keys *k)
{
	json_t *arr = json_object_get(v, field), *e;
	size_t i;

	if (!json_is_array(arr))
		return fail("no array \"%s\"", field);
	k->n = json_array_size(arr);
	k->kp = calloc(k->n + 1, sizeof(*k->kp));
	if (!k->kp)
		return fail("out of memory");
	json_array_foreach(arr, i, e) {
		uint8_t priv[E2E_KEY_LEN];
		const char *s = json_string_value(e);
		size_t j;

		if (!s || strlen(s) != 2 * E2E_KEY_LEN)
			return fail("\"%s\"[%zu]: not a key", field, i);
		for (j = 0; j < E2E_KEY_LEN; j++) {
			int hi = unhexc(s[2 * j]), lo = unhexc(s[2 * j + 1]);

			if (hi < 0 || lo < 0)
				return fail("\"%s\"[%zu]: not hex", field, i);
			priv[j] = (uint8_t)(hi << 4 | lo);
		}
		if (e2e_keypair_from(priv, &k->kp[i]))
			return fail("\"%s\"[%zu]: e2e_keypair_from", field, i);
	}
	return 0;
}

static const char *errname(int rc)
{
	switch (rc) {
	case 0: return "0";
	case -EAGAIN: return "-EAGAIN";
	case -EALREADY: return "-EALREADY";
	case -E2BIG: return "-E2BIG";
	case -EBADMSG: return "-EBADMSG";
	case -EINVAL: return "-EINVAL";
	case -ENOMEM: return "-ENOMEM";
	case -ENOSPC: return "-ENOSPC";
	case -EIO: return "-EIO";
	default: return "another error";
	}
}

/* The errno the vector's @error names, for a message of @len bytes. */
static int want_errno(const char *error, size_t len)
{
	if (!strcmp(error, "cannot-send"))
		return -EAGAIN;
	if (!strcmp(error, "replay"))
		return -EALREADY;
	if (!strcmp(error, "too-far"))
		return -E2BIG;
	if (!strcmp(error, "forged"))
		return len < RATCHET_OVERHEAD ? -EINVAL : -EBADMSG;
	return 1;	/* never a return of the library */
}

static const char *part(size_t off, size_t len)
{
	if (off < E2E_KEY_LEN)
		return "header.dh";
	if (off < E2E_KEY_LEN + 4)
		return "header.pn";
	if (off < RATCHET_HEADER_LEN)
		return "header.n";
	if (off < len - E2E_TAG_LEN)
		return "ciphertext";
	return "tag";
}

static size_t first_diff(const uint8_t *a, const uint8_t *b, size_t len)
{
	size_t i;

	for (i = 0; i < len && a[i] == b[i]; i++)
		;
	return i;
}

struct msg {
	uint8_t *b;
	size_t len;
};

struct session {
	uint8_t sk[E2E_KEY_LEN], ad[X3DH_AD_LEN];
	struct e2e_keypair spk_b;
	struct keys keys[2];		/* alice, bob */
	struct ratchet r[2];
	struct msg *msgs;
	size_t n_msgs;
};

static int party(json_t *ev, const char *field)
{
	const char *p = json_string_value(json_object_get(ev, field));

	if (p && !strcmp(p, "alice"))
		return 0;
	if (p && !strcmp(p, "bob"))
		return 1;
	return -1;
}

static int send_event(struct session *s, json_t *ev, size_t k)
{
	const char *error = json_string_value(json_object_get(ev, "error"));
	int p = party(ev, "from"), rc;
	uint8_t *pt = NULL, *want = NULL, *out = NULL;
	size_t ptlen = 0, wantlen = 0, off;
	json_int_t id;

	if (p < 0)
		return fail("event %zu: no \"from\"", k);
	if (error) {
		uint8_t x = 0;

		rc = ratchet_encrypt(&s->r[p], s->ad, sizeof(s->ad), &x, 1,
				     (uint8_t[RATCHET_OVERHEAD + 1]){ 0 });
		if (rc != want_errno(error, 0))
			return fail("event %zu (%s sends): %s, expected %s (%s)",
				    k, s->keys[p].who, errname(rc), error,
				    errname(want_errno(error, 0)));
		return 0;
	}
	id = json_integer_value(json_object_get(ev, "id"));
	if (!json_is_integer(json_object_get(ev, "id")) || id < 0 ||
	    (size_t)id >= s->n_msgs || s->msgs[id].b)
		return fail("event %zu: a bad \"id\"", k);
	if (get_hex(ev, "pt", &pt, &ptlen) || get_hex(ev, "msg", &want, &wantlen))
		goto err;
	out = malloc(ptlen + RATCHET_OVERHEAD);
	if (!out) {
		fail("out of memory");
		goto err;
	}
	rc = ratchet_encrypt(&s->r[p], s->ad, sizeof(s->ad), pt, ptlen, out);
	if (rc) {
		fail("event %zu (%s sends #%lld): %s", k, s->keys[p].who,
		     (long long)id, errname(rc));
		goto err;
	}
	if (wantlen != ptlen + RATCHET_OVERHEAD) {
		fail("event %zu: message #%lld is %zu bytes for a %zu-byte plaintext",
		     k, (long long)id, wantlen, ptlen);
		goto err;
	}
	off = first_diff(out, want, wantlen);
	if (off < wantlen) {
		fail("event %zu (%s sends #%lld): the message differs from byte %zu (%s) on: %02x, expected %02x",
		     k, s->keys[p].who, (long long)id, off,
		     part(off, wantlen), out[off], want[off]);
		goto err;
	}
	s->msgs[id].b = out;
	s->msgs[id].len = wantlen;
	free(pt);
	free(want);
	return 0;
err:
	free(pt);
	free(want);
	free(out);
	return -1;
}

static int recv_event(struct session *s, json_t *ev, size_t k)
{
	const char *error = json_string_value(json_object_get(ev, "error"));
	const char *why = NULL, *what;
	int p = party(ev, "to"), rc, want_rc;
	uint8_t *own = NULL, *pt = NULL, *want = NULL;
	const uint8_t *m;
	size_t len, wantlen = 0, saved;
	char label[64];
	json_t *jid = json_object_get(ev, "id");

	if (p < 0)
		return fail("event %zu: no \"to\"", k);
	if (jid) {
		json_int_t id = json_integer_value(jid);

		if (!json_is_integer(jid) || id < 0 || (size_t)id >= s->n_msgs ||
		    !s->msgs[id].b)
			return fail("event %zu: a bad \"id\"", k);
		m = s->msgs[id].b;
		len = s->msgs[id].len;
		snprintf(label, sizeof(label), "#%lld", (long long)id);
	} else {
		if (get_hex(ev, "msg", &own, &len))
			return -1;
		m = own;
		what = json_string_value(json_object_get(ev, "why"));
		snprintf(label, sizeof(label), "a made-up message (%.40s)",
			 what ? what : "?");
	}
	if (!error && get_hex(ev, "pt", &want, &wantlen))
		goto err;
	pt = malloc(len + 1);
	if (!pt) {
		fail("out of memory");
		goto err;
	}
	saved = s->keys[p].next;
	rc = ratchet_decrypt(&s->r[p], s->ad, sizeof(s->ad), m, len, pt, &why);
	if (rc)
		s->keys[p].next = saved;	/* the step was not kept */
	if (s->keys[p].overrun) {
		fail("event %zu (%s receives %s): wanted more ratchet key pairs than the vector has",
		     k, s->keys[p].who, label);
		goto err;
	}
	if (error) {
		want_rc = want_errno(error, len);
		if (rc != want_rc) {
			fail("event %zu (%s receives %s): %s%s%s%s, expected %s (%s)",
			     k, s->keys[p].who, label, errname(rc),
			     rc ? " (" : "", rc && why ? why : "",
			     rc ? ")" : "", error, errname(want_rc));
			goto err;
		}
	} else {
		if (rc) {
			fail("event %zu (%s receives %s): %s (%s), expected it to open",
			     k, s->keys[p].who, label, errname(rc),
			     why ? why : "");
			goto err;
		}
		if (len - RATCHET_OVERHEAD != wantlen ||
		    memcmp(pt, want, wantlen)) {
			fail("event %zu (%s receives %s): opened to another plaintext",
			     k, s->keys[p].who, label);
			goto err;
		}
	}
	free(own);
	free(pt);
	free(want);
	return 0;
err:
	free(own);
	free(pt);
	free(want);
	return -1;
}

static int session_vector(json_t *v)
{
	struct session s;
	json_t *events = json_object_get(v, "events"), *ev;
	size_t k, i;
	int rc, ret = -1;

	memset(&s, 0, sizeof(s));
	s.keys[0].who = "alice";
	s.keys[1].who = "bob";
	if (!json_is_array(events))
		return fail("no \"events\"");
	s.n_msgs = json_array_size(events);
	s.msgs = calloc(s.n_msgs + 1, sizeof(*s.msgs));
	if (!s.msgs)
		return fail("out of memory");
	if (get_fixed(v, "sk", s.sk, sizeof(s.sk)) ||
	    get_fixed(v, "ad", s.ad, sizeof(s.ad)) ||
	    get_keypair(v, "spk_b", &s.spk_b) ||
	    get_keys(v, "alice_keys", &s.keys[0]) ||
	    get_keys(v, "bob_keys", &s.keys[1]))
		goto out;
	for (i = 0; i < 2; i++) {
		s.r[i].keygen = keygen;
		s.r[i].keygen_arg = &s.keys[i];
	}
	rc = ratchet_init_alice(&s.r[0], s.sk, s.spk_b.pub);
	if (rc) {
		fail("ratchet_init_alice: %s", errname(rc));
		goto out;
	}
	rc = ratchet_init_bob(&s.r[1], s.sk, &s.spk_b);
	if (rc) {
		fail("ratchet_init_bob: %s", errname(rc));
		goto out;
	}
	if (s.keys[0].next != 1 || s.keys[1].next != 0) {
		fail("the inits took %zu (alice) and %zu (bob) ratchet key pairs, not 1 and 0",
		     s.keys[0].next, s.keys[1].next);
		goto out;
	}
	json_array_foreach(events, k, ev) {
		const char *op = json_string_value(json_object_get(ev, "op"));

		if (op && !strcmp(op, "send"))
			rc = send_event(&s, ev, k);
		else if (op && !strcmp(op, "recv"))
			rc = recv_event(&s, ev, k);
		else
			rc = fail("event %zu: no \"op\"", k);
		if (rc)
			goto out;
	}
	for (i = 0; i < 2; i++)
		if (s.keys[i].next != s.keys[i].n) {
			fail("%s made %zu ratchet key pairs, the vector %zu",
			     s.keys[i].who, s.keys[i].next, s.keys[i].n);
			goto out;
		}
	ret = 0;
out:
	ratchet_free(&s.r[0]);
	ratchet_free(&s.r[1]);
	for (i = 0; i < s.n_msgs; i++)
		free(s.msgs[i].b);
	free(s.msgs);
	free(s.keys[0].kp);
	free(s.keys[1].kp);
	return ret;
}

/* pad(), pad_size() and unpad() against one "padding" vector. */
static int padding_vector(json_t *v, size_t k)
{
	json_t *jlen = json_object_get(v, "len");
	uint8_t *content = NULL, *want = NULL, *out = NULL, *inplace = NULL;
	size_t len, clen, wantlen, off;
	long rc;
	int ret = -1;

	if (!json_is_integer(jlen) || json_integer_value(jlen) < 0)
		return fail("padding %zu: no \"len\"", k);
	len = (size_t)json_integer_value(jlen);
	if (get_hex(v, "content", &content, &clen) ||
	    get_hex(v, "padded", &want, &wantlen))
		goto out;
	if (clen != len) {
		fail("padding %zu: the content is %zu bytes, \"len\" %zu",
		     k, clen, len);
		goto out;
	}
	if (pad_size(len) != wantlen) {
		fail("padding %zu (%zu bytes): pad_size() %zu, expected %zu",
		     k, len, pad_size(len), wantlen);
		goto out;
	}
	out = malloc(wantlen);
	inplace = malloc(wantlen);
	if (!out || !inplace) {
		fail("out of memory");
		goto out;
	}
	rc = pad(content, len, out);
	if (rc != (long)wantlen) {
		fail("padding %zu (%zu bytes): pad() %ld, expected %zu",
		     k, len, rc, wantlen);
		goto out;
	}
	off = first_diff(out, want, wantlen);
	if (off < wantlen) {
		fail("padding %zu (%zu bytes): pad() differs from byte %zu on: %02x, expected %02x",
		     k, len, off, out[off], want[off]);
		goto out;
	}
	memset(inplace, 0xa5, wantlen);
	memcpy(inplace, content, len);
	rc = pad(inplace, len, inplace);
	off = first_diff(inplace, want, wantlen);
	if (rc != (long)wantlen || off < wantlen) {
		fail("padding %zu (%zu bytes): pad() in place: %ld, differs from byte %zu",
		     k, len, rc, off);
		goto out;
	}
	rc = unpad(want, wantlen);
	if (rc != (long)len) {
		fail("padding %zu (%zu bytes): unpad() %ld, expected %zu",
		     k, len, rc, len);
		goto out;
	}
	ret = 0;
out:
	free(content);
	free(want);
	free(out);
	free(inplace);
	return ret;
}

/* What no vector can say: content of PAD_MAX bytes and more is refused. */
static int padding_too_long(void)
{
	static const size_t lens[] = { PAD_MAX, PAD_MAX + 1, 65536 };
	uint8_t *in, *out;
	size_t i;
	long rc;
	int ret = 0;

	in = calloc(1, 65536);
	out = calloc(1, 65536 + 1);
	if (!in || !out) {
		free(in);
		free(out);
		return fail("out of memory");
	}
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]) && !ret; i++) {
		if (pad_size(lens[i]))
			ret = fail("pad_size(%zu) is %zu, not 0", lens[i],
				   pad_size(lens[i]));
		else if ((rc = pad(in, lens[i], out)) != -EMSGSIZE)
			ret = fail("pad() of %zu bytes: %ld, expected -EMSGSIZE",
				   lens[i], rc);
	}
	free(in);
	free(out);
	return ret;
}

static int padding_group(json_t *vs)
{
	json_t *v;
	size_t k;

	json_array_foreach(vs, k, v)
		if (padding_vector(v, k))
			return -1;
	return padding_too_long();
}

/* unpad() of each buffer of @vs: -EBADMSG, or with @ok the vector's "len". */
static int unpad_group(json_t *vs, const char *group, bool ok)
{
	json_t *v;
	size_t k;

	json_array_foreach(vs, k, v) {
		const char *why = json_string_value(json_object_get(v, "why"));
		uint8_t *buf;
		size_t len;
		long rc, want = -EBADMSG;

		if (!why)
			why = "?";
		if (ok) {
			json_t *jlen = json_object_get(v, "len");

			if (!json_is_integer(jlen))
				return fail("%s %zu: no \"len\"", group, k);
			want = (long)json_integer_value(jlen);
		}
		if (get_hex(v, "buf", &buf, &len))
			return -1;
		rc = unpad(buf, len);
		free(buf);
		if (rc != want) {
			char w[32];

			snprintf(w, sizeof(w), "%ld", want);
			return fail("%s %zu (%s, %zu bytes): unpad() %ld (%s), expected %s",
				    group, k, why, len, rc,
				    rc < 0 ? errname((int)rc) : "a length",
				    want < 0 ? "-EBADMSG" : w);
		}
	}
	return 0;
}

static const char *get_str(json_t *v, const char *field)
{
	const char *s = json_string_value(json_object_get(v, field));

	if (!s)
		fail("no string \"%s\"", field);
	return s;
}

static int safety_vector(json_t *v, size_t k)
{
	const char *ha, *hb, *half_a, *half_b, *number;
	uint8_t ka[SAFETY_KEY_LEN], kb[SAFETY_KEY_LEN];
	char half[SAFETY_HALF_DIGITS + 1], num[SAFETY_DIGITS + 1];
	int rc;

	if (!(ha = get_str(v, "handle_a")) || !(hb = get_str(v, "handle_b")) ||
	    !(half_a = get_str(v, "half_a")) ||
	    !(half_b = get_str(v, "half_b")) ||
	    !(number = get_str(v, "number")) ||
	    get_fixed(v, "key_a", ka, sizeof(ka)) ||
	    get_fixed(v, "key_b", kb, sizeof(kb)))
		return -1;

	memset(half, 'X', sizeof(half));
	rc = safety_half(ha, ka, half);
	if (rc)
		return fail("safety %zu: safety_half(%s): %d", k, ha, rc);
	if (strncmp(half, half_a, sizeof(half)))
		return fail("safety %zu: safety_half(%s) %.*s, expected %s",
			    k, ha, SAFETY_HALF_DIGITS, half, half_a);
	memset(half, 'X', sizeof(half));
	rc = safety_half(hb, kb, half);
	if (rc)
		return fail("safety %zu: safety_half(%s): %d", k, hb, rc);
	if (strncmp(half, half_b, sizeof(half)))
		return fail("safety %zu: safety_half(%s) %.*s, expected %s",
			    k, hb, SAFETY_HALF_DIGITS, half, half_b);

	memset(num, 'X', sizeof(num));
	rc = safety_number(ha, ka, hb, kb, num);
	if (rc)
		return fail("safety %zu: safety_number(a, b): %d", k, rc);
	if (strncmp(num, number, sizeof(num)))
		return fail("safety %zu: safety_number(a, b) %.*s, expected %s",
			    k, SAFETY_DIGITS, num, number);
	memset(num, 'X', sizeof(num));
	rc = safety_number(hb, kb, ha, ka, num);
	if (rc)
		return fail("safety %zu: safety_number(b, a): %d", k, rc);
	if (strncmp(num, number, sizeof(num)))
		return fail("safety %zu: safety_number(b, a) %.*s, expected %s",
			    k, SAFETY_DIGITS, num, number);
	return 0;
}

static int safety_group(json_t *vs)
{
	json_t *v;
	size_t k;

	json_array_foreach(vs, k, v)
		if (safety_vector(v, k))
			return -1;
	return 0;
}

static const char *seal_part(size_t off, size_t len)
{
	if (off < 1)
		return "version";
	if (off < 1 + E2E_KEY_LEN)
		return "E";
	if (off < len - E2E_TAG_LEN)
		return "ciphertext";
	return "tag";
}

/* seal_wrap() with the vector's e, then seal_open() of Python's bytes. */
static int sealed_vector(json_t *v, size_t k)
{
	uint8_t *inner = NULL, *want = NULL, *out = NULL, *opened = NULL;
	const char *what = json_string_value(json_object_get(v, "why"));
	const char *why = NULL;
	struct e2e_keypair ik, e;
	size_t len, wantlen, off;
	int rc, ret = -1;

	if (!what)
		what = "?";
	if (get_keypair(v, "ik_r", &ik) || get_keypair(v, "e", &e) ||
	    get_hex(v, "inner", &inner, &len) ||
	    get_hex(v, "sealed", &want, &wantlen))
		goto out;
	if (wantlen != SEAL_OVERHEAD + len) {
		fail("sealed %zu (%s): %zu sealed bytes for %zu inner ones",
		     k, what, wantlen, len);
		goto out;
	}
	out = malloc(wantlen);
	opened = malloc(len + 1);
	if (!out || !opened) {
		fail("out of memory");
		goto out;
	}
	rc = seal_wrap(ik.pub, &e, inner, len, out);
	if (rc) {
		fail("sealed %zu (%s): seal_wrap: %s", k, what, errname(rc));
		goto out;
	}
	off = first_diff(out, want, wantlen);
	if (off < wantlen) {
		fail("sealed %zu (%s): seal_wrap differs from byte %zu (%s) on: %02x, expected %02x",
		     k, what, off, seal_part(off, wantlen), out[off],
		     want[off]);
		goto out;
	}
	rc = seal_open(&ik, want, wantlen, opened, &why);
	if (rc) {
		fail("sealed %zu (%s): seal_open: %s (%s)", k, what,
		     errname(rc), why ? why : "");
		goto out;
	}
	if (memcmp(opened, inner, len)) {
		fail("sealed %zu (%s): seal_open gave other inner bytes",
		     k, what);
		goto out;
	}
	ret = 0;
out:
	e2e_wipe(&ik, sizeof(ik));
	e2e_wipe(&e, sizeof(e));
	free(inner);
	free(want);
	free(out);
	free(opened);
	return ret;
}

/* seal_open()'s return and a word of its reason for each "error". */
static const struct {
	const char *error;
	int rc;
	const char *why;
} seal_errors[] = {
	{ "short", -EINVAL, "shorter" },
	{ "version", -EINVAL, "version" },
	{ "low-order", -EBADMSG, "low order" },
	{ "forged", -EBADMSG, "tag" },
};

static int sealed_bad_vector(json_t *v, size_t k)
{
	const char *what = json_string_value(json_object_get(v, "why"));
	const char *error = json_string_value(json_object_get(v, "error"));
	const char *why = NULL;
	struct e2e_keypair ik;
	uint8_t *sealed, *opened;
	size_t len, i;
	int rc, ret = 0;

	if (!what)
		what = "?";
	for (i = 0; i < ARRAY_SIZE(seal_errors); i++)
		if (error && !strcmp(error, seal_errors[i].error))
			break;
	if (i == ARRAY_SIZE(seal_errors))
		return fail("sealed_bad %zu (%s): no known \"error\"", k, what);
	if (get_keypair(v, "ik_r", &ik) || get_hex(v, "sealed", &sealed, &len))
		return -1;
	opened = malloc(len + 1);
	if (!opened) {
		free(sealed);
		return fail("out of memory");
	}
	rc = seal_open(&ik, sealed, len, opened, &why);
	if (rc != seal_errors[i].rc || !why || !strstr(why, seal_errors[i].why))
		ret = fail("sealed_bad %zu (%s, %zu bytes): seal_open %s (%s), expected %s (%s)",
			   k, what, len, errname(rc), why ? why : "no reason",
			   errname(seal_errors[i].rc), error);
	e2e_wipe(&ik, sizeof(ik));
	free(sealed);
	free(opened);
	return ret;
}

static int sealed_group(json_t *vs, bool bad)
{
	json_t *v;
	size_t k;

	json_array_foreach(vs, k, v)
		if (bad ? sealed_bad_vector(v, k) : sealed_vector(v, k))
			return -1;
	return 0;
}

static void group_result(const char *name, json_t *vs, int rc)
{
	if (rc) {
		ksft_print_msg("%s: %s\n", name, diag);
		ksft_test_result_fail("%s (%zu vectors)\n", name,
				      json_array_size(vs));
	} else {
		ksft_test_result_pass("%s (%zu vectors)\n", name,
				      json_array_size(vs));
	}
}

int main(int argc, char **argv)
{
	json_t *root, *x3dh, *sessions, *v;
	json_t *padding, *unpad_bad, *unpad_ok, *safety, *sealed, *sealed_bad;
	json_error_t jerr;
	size_t i;

	ksft_print_header();
	if (argc != 2)
		ksft_exit_fail_msg("usage: %s VECTORS.json\n", argv[0]);
	root = json_load_file(argv[1], 0, &jerr);
	if (!root)
		ksft_exit_fail_msg("%s:%d: %s\n", argv[1], jerr.line, jerr.text);
	x3dh = json_object_get(root, "x3dh");
	sessions = json_object_get(root, "sessions");
	if (!json_is_array(x3dh) || !json_is_array(sessions) ||
	    !json_array_size(x3dh) || !json_array_size(sessions)) {
		json_decref(root);
		ksft_exit_fail_msg("%s: no \"x3dh\" or \"sessions\" vectors\n",
				   argv[1]);
	}
	padding = json_object_get(root, "padding");
	unpad_bad = json_object_get(root, "unpad_bad");
	unpad_ok = json_object_get(root, "unpad_ok");
	safety = json_object_get(root, "safety");
	if (!json_is_array(padding) || !json_is_array(unpad_bad) ||
	    !json_is_array(unpad_ok) || !json_is_array(safety) ||
	    !json_array_size(padding) || !json_array_size(unpad_bad) ||
	    !json_array_size(unpad_ok) || !json_array_size(safety)) {
		json_decref(root);
		ksft_exit_fail_msg("%s: no \"padding\", \"unpad_bad\", \"unpad_ok\" or \"safety\" vectors\n",
				   argv[1]);
	}
	sealed = json_object_get(root, "sealed");
	sealed_bad = json_object_get(root, "sealed_bad");
	if (!json_is_array(sealed) || !json_is_array(sealed_bad) ||
	    !json_array_size(sealed) || !json_array_size(sealed_bad)) {
		json_decref(root);
		ksft_exit_fail_msg("%s: no \"sealed\" or \"sealed_bad\" vectors\n",
				   argv[1]);
	}
	/* One result per x3dh and session vector, one per other group. */
	ksft_set_plan(json_array_size(x3dh) + json_array_size(sessions) + 6);

	json_array_foreach(x3dh, i, v) {
		diag[0] = '\0';
		if (x3dh_vector(v)) {
			ksft_print_msg("x3dh %zu: %s\n", i, diag);
			ksft_test_result_fail("x3dh vector %zu\n", i);
		} else {
			ksft_test_result_pass("x3dh vector %zu\n", i);
		}
	}
	json_array_foreach(sessions, i, v) {
		const char *name = json_string_value(json_object_get(v, "name"));
		size_t n = json_array_size(json_object_get(v, "events"));

		if (!name)
			name = "?";
		diag[0] = '\0';
		if (session_vector(v)) {
			ksft_print_msg("session %s: %s\n", name, diag);
			ksft_test_result_fail("session %s\n", name);
		} else {
			ksft_test_result_pass("session %s (%zu events)\n",
					      name, n);
		}
	}
	diag[0] = '\0';
	group_result("padding", padding, padding_group(padding));
	diag[0] = '\0';
	group_result("unpad_bad", unpad_bad,
		     unpad_group(unpad_bad, "unpad_bad", false));
	diag[0] = '\0';
	group_result("unpad_ok", unpad_ok,
		     unpad_group(unpad_ok, "unpad_ok", true));
	diag[0] = '\0';
	group_result("safety", safety, safety_group(safety));
	diag[0] = '\0';
	group_result("sealed", sealed, sealed_group(sealed, false));
	diag[0] = '\0';
	group_result("sealed_bad", sealed_bad, sealed_group(sealed_bad, true));
	json_decref(root);
	ksft_finished();
}
