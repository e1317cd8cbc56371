// SPDX-License-Identifier: GPL-2.0
/*
 * The directory client's HTTPS requests, pins and envelopes (client.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/x509.h>

#include "b64.h"
#include "claim.h"
#include "client.h"
#include "dirjson.h"
#include "entry.h"

struct req {
	struct dirc_answer *a;
	bool too_long;
	bool (*cancel)(void *arg);
	void *arg;
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct req *r = arg;
	struct dirc_answer *a = r->a;
	size_t len = size * n;
	char *b;

	if (a->len + len > DIRC_MAX_ANSWER) {
		r->too_long = true;
		return 0;
	}
	b = realloc(a->buf, a->len + len + 1);
	if (!b)
		return 0;
	memcpy(b + a->len, p, len);
	a->buf = b;
	a->len += len;
	a->buf[a->len] = '\0';
	return len;
}

static int on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
		       curl_off_t un)
{
	struct req *r = arg;

	(void)dt, (void)dn, (void)ut, (void)un;
	return r->cancel && r->cancel(r->arg);
}

void dirc_answer_free(struct dirc_answer *a)
{
	free(a->buf);
	a->buf = NULL;
	a->len = 0;
}

static void http_error(struct dirc_answer *a, const char *url, char *err,
		       size_t errlen)
{
	json_t *e = a->buf ? json_loadb(a->buf, a->len, 0, NULL) : NULL;
	const char *m = json_string_value(json_object_get(e, "message"));
	const char *k = json_string_value(json_object_get(e, "error"));

	if (k)
		snprintf(a->error, sizeof(a->error), "%s", k);
	snprintf(err, errlen, "%s: HTTP %ld%s%s: %s", url, a->status,
		 k ? " " : "", k ? k : "", m ? m : "no explanation");
	json_decref(e);
}

int dirc_request(void *curl, const char *url, const char *ca,
		 const char *method, const char *path, const char *body,
		 size_t len, bool (*cancel)(void *arg), void *arg,
		 struct dirc_answer *a, char *err, size_t errlen)
{
	char full[2048], errbuf[CURL_ERROR_SIZE] = "";
	struct req r = { .a = a, .cancel = cancel, .arg = arg };
	size_t ul = strlen(url);
	struct curl_slist *h = NULL;
	CURL *c = curl ? curl : curl_easy_init();
	CURLcode rc;

	memset(a, 0, sizeof(*a));
	if (!c) {
		snprintf(err, errlen, "cannot start libcurl");
		return -ENOMEM;
	}
	if ((size_t)snprintf(full, sizeof(full), "%s%s", url,
			     ul && url[ul - 1] == '/' ? path + 1 : path) >=
	    sizeof(full)) {
		snprintf(err, errlen, "%s: URL too long", url);
		if (!curl)
			curl_easy_cleanup(c);
		return -ENAMETOOLONG;
	}
	if (curl)
		curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, full);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
	curl_easy_setopt(c, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_3);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)DIRC_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	if (cancel) {
		curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(c, CURLOPT_XFERINFODATA, &r);
		curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	}
	if (body) {
		h = curl_slist_append(NULL, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
	}
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a->status);
	if (!curl)
		curl_easy_cleanup(c);
	curl_slist_free_all(h);
	if (rc != CURLE_OK) {
		dirc_answer_free(a);
		a->status = 0;
		if (rc == CURLE_ABORTED_BY_CALLBACK) {
			snprintf(err, errlen, "%s: cancelled", url);
			return -ECANCELED;
		}
		snprintf(err, errlen, "%s: %s", url,
			 r.too_long ? "answer too long" :
			 errbuf[0] ? errbuf : curl_easy_strerror(rc));
		return -EIO;
	}
	if (a->status < 200 || a->status > 299) {
		http_error(a, url, err, errlen);
		dirc_answer_free(a);
		return -EPROTO;
	}
	if (!a->buf) {
		snprintf(err, errlen, "%s: an empty answer", url);
		return -EPROTO;
	}
	return 0;
}

int dirc_lookup(void *curl, const char *url, const char *ca,
		const struct lookup_pins *pins, const char *handle,
		const struct kt_sth *seen, uint64_t now_ms,
		bool (*cancel)(void *arg), void *arg, struct lookup_result *r,
		char *err, size_t errlen)
{
	struct dirc_answer a;
	char path[1024], *esc;
	int ret;

	esc = curl_easy_escape(NULL, handle, 0);
	if (!esc) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (seen)
		snprintf(path, sizeof(path), "/v1/lookup/%s?since=%llu", esc,
			 (unsigned long long)seen->size);
	else
		snprintf(path, sizeof(path), "/v1/lookup/%s", esc);
	curl_free(esc);
	ret = dirc_request(curl, url, ca, "GET", path, NULL, 0, cancel, arg,
			   &a, err, errlen);
	if (ret)
		return ret;
	ret = lookup_verify(a.buf, a.len, handle, pins, seen, now_ms, r, err,
			    errlen);
	dirc_answer_free(&a);
	return ret;
}

int dirc_claim(void *curl, const char *url, const char *ca,
	       EVP_PKEY *device_key, const char *claimer,
	       const uint8_t claimer_device[ENTRY_ID_LEN], const char *handle,
	       const struct lookup_result *lr, uint64_t now_ms,
	       bool (*cancel)(void *arg), void *arg, struct claim_result *out,
	       char *err, size_t errlen)
{
	struct dirc_answer a;
	char *body = NULL;
	json_t *p = NULL;
	int ret;

	if (now_ms > INT64_MAX) {
		snprintf(err, errlen, "timestamp %llu out of range",
			 (unsigned long long)now_ms);
		return -EINVAL;
	}
	p = json_pack("{s:s, s:s, s:s, s:o, s:I}", "op", "claim",
		      "handle", handle, "claimer", claimer,
		      "claimer_device", dirjson_device_id(claimer_device),
		      "timestamp_ms", (json_int_t)now_ms);
	body = p ? dirc_envelope(device_key, p) : NULL;
	json_decref(p);
	if (!body) {
		snprintf(err, errlen, "cannot sign the claim");
		return -ENOMEM;
	}
	ret = dirc_request(curl, url, ca, "POST", "/v1/claim", body,
			   strlen(body), cancel, arg, &a, err, errlen);
	free(body);
	if (ret)
		return ret;
	ret = claim_verify(a.buf, a.len, handle, lr, out, err, errlen);
	dirc_answer_free(&a);
	return ret;
}

int dirc_pins(const char *head_b64, const char *vrf_b64, uint64_t max_age_ms,
	      struct lookup_pins *p, char *err, size_t errlen)
{
	uint8_t raw[ENTRY_KEY_LEN], der[1024];
	const uint8_t *q = der;
	const char *why;
	size_t n;

	memset(p, 0, sizeof(*p));
	p->max_age_ms = max_age_ms;
	why = b64_decode(head_b64, raw, sizeof(raw), &n);
	if (why || n != ENTRY_KEY_LEN) {
		snprintf(err, errlen, "head-key: %s",
			 why ? why : "not 32 bytes");
		return -EINVAL;
	}
	p->head_key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw,
						  n);
	if (!p->head_key) {
		snprintf(err, errlen, "head-key: not an Ed25519 public key");
		return -EINVAL;
	}
	why = b64_decode(vrf_b64, der, sizeof(der), &n);
	if (why) {
		snprintf(err, errlen, "vrf-key: %s", why);
		goto fail;
	}
	p->vrf_key = d2i_PUBKEY(NULL, &q, n);
	if (!p->vrf_key || q != der + n) {
		snprintf(err, errlen,
			 "vrf-key: not a public key (DER SubjectPublicKeyInfo)");
		goto fail;
	}
	return 0;
fail:
	dirc_pins_free(p);
	return -EINVAL;
}

void dirc_pins_free(struct lookup_pins *p)
{
	EVP_PKEY_free(p->head_key);
	EVP_PKEY_free(p->vrf_key);
	p->head_key = NULL;
	p->vrf_key = NULL;
}

char *dirc_envelope(EVP_PKEY *key, json_t *payload)
{
	char *p = json_dumps(payload, JSON_COMPACT), *out = NULL;
	uint8_t sig[ENTRY_SIG_LEN];
	json_t *env;

	if (!p || entry_sign(key, ENTRY_LABEL_REQUEST, p, strlen(p), sig)) {
		free(p);
		return NULL;
	}
	env = json_pack("{s:o, s:o}",
			"payload", dirjson_bytes((const uint8_t *)p, strlen(p)),
			"signature", dirjson_bytes(sig, sizeof(sig)));
	if (env)
		out = json_dumps(env, JSON_COMPACT);
	json_decref(env);
	free(p);
	return out;
}
