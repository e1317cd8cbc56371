// SPDX-License-Identifier: GPL-2.0
/*
 * Registration by e-mail (Documentation/directory.rst, "Registration"):
 * POST /v1/register/code sends a one-time code to the handle's address,
 * and the register call then carries it instead of an invite.
 *
 * Codes live in memory only, for 15 minutes and 5 attempts, and are
 * compared in constant time. Mail leaves through libcurl's SMTP client on
 * a thread of its own, so a slow mail server never stalls the directory;
 * the request is answered once the code is queued. Nothing about it is
 * logged but failures to send, without the address.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "dird.h"
#include "dirjson.h"
#include "handle.h"

#define CODE_DIGITS	8
#define CODE_TTL_MS	(15 * 60 * 1000)
#define CODE_TRIES	5
#define CODE_SLOTS	4096
#define MAIL_QUEUE	256

struct code {
	char handle[HANDLE_MAX + 1];
	char code[CODE_DIGITS + 1];
	uint64_t expires_ms;
	unsigned int tries;
};

struct mail {
	char to[HANDLE_MAX + 1];
	char code[CODE_DIGITS + 1];
};

struct dird_email {
	struct code codes[CODE_SLOTS];
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct mail queue[MAIL_QUEUE];
	unsigned int head, len;
	bool stop;
	const char *url, *from;
};

static struct code *code_find(struct dird_email *m, const char *handle)
{
	unsigned int i;

	for (i = 0; i < CODE_SLOTS; i++)
		if (!strcmp(m->codes[i].handle, handle))
			return &m->codes[i];
	return NULL;
}

/* A slot for @handle: its own, a free or expired one, else the oldest. */
static struct code *code_slot(struct dird_email *m, const char *handle,
			      uint64_t now)
{
	struct code *c = code_find(m, handle), *old = &m->codes[0];
	unsigned int i;

	if (c)
		return c;
	for (i = 0; i < CODE_SLOTS; i++) {
		c = &m->codes[i];
		if (!c->handle[0] || c->expires_ms <= now)
			return c;
		if (c->expires_ms < old->expires_ms)
			old = c;
	}
	return old;
}

struct body {
	char text[1024];
	size_t len, off;
};

static size_t body_read(char *buf, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	size_t len = size * n;

	if (len > b->len - b->off)
		len = b->len - b->off;
	memcpy(buf, b->text + b->off, len);
	b->off += len;
	return len;
}

static void send_one(struct dird_email *m, const struct mail *ml)
{
	struct curl_slist *rcpt = NULL;
	struct body b = { .off = 0 };
	char errbuf[CURL_ERROR_SIZE] = "";
	CURLcode rc = CURLE_OUT_OF_MEMORY;
	CURL *c = curl_easy_init();

	b.len = snprintf(b.text, sizeof(b.text),
			 "From: <%s>\r\nTo: <%s>\r\n"
			 "Subject: Your Tern registration code\r\n"
			 "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
			 "Your Tern registration code is %s.\r\n"
			 "It is good for 15 minutes. If you did not ask for it, ignore this message.\r\n",
			 m->from, ml->to, ml->code);
	rcpt = curl_slist_append(NULL, ml->to);
	if (c && rcpt) {
		curl_easy_setopt(c, CURLOPT_URL, m->url);
		curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
		curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
		curl_easy_setopt(c, CURLOPT_MAIL_FROM, m->from);
		curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, body_read);
		curl_easy_setopt(c, CURLOPT_READDATA, &b);
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
		rc = curl_easy_perform(c);
	}
	if (rc != CURLE_OK)
		dird_log(DIRD_ERR, "cannot send a registration code: %s",
			 errbuf[0] ? errbuf : curl_easy_strerror(rc));
	OPENSSL_cleanse(b.text, sizeof(b.text));
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(c);
}

static void *sender(void *arg)
{
	struct dird_email *m = arg;
	struct mail ml;

	pthread_mutex_lock(&m->lock);
	for (;;) {
		while (!m->len && !m->stop)
			pthread_cond_wait(&m->cond, &m->lock);
		if (!m->len)
			break;	/* stopping, and everything queued is sent */
		ml = m->queue[m->head];
		m->head = (m->head + 1) % MAIL_QUEUE;
		m->len--;
		pthread_mutex_unlock(&m->lock);
		send_one(m, &ml);
		OPENSSL_cleanse(&ml, sizeof(ml));
		pthread_mutex_lock(&m->lock);
	}
	pthread_mutex_unlock(&m->lock);
	return NULL;
}

int dird_email_init(struct dird *d, char *err, size_t errlen)
{
	struct dird_email *m;

	if (!d->conf.smtp || !d->conf.smtp_from) {
		snprintf(err, errlen,
			 "registration by email needs --smtp URL and --smtp-from ADDRESS");
		return -EINVAL;
	}
	if (strncmp(d->conf.smtp, "smtp://", 7) &&
	    strncmp(d->conf.smtp, "smtps://", 8)) {
		snprintf(err, errlen, "--smtp: '%s' is not an smtp:// or smtps:// URL",
			 d->conf.smtp);
		return -EINVAL;
	}
	m = calloc(1, sizeof(*m));
	if (!m || curl_global_init(CURL_GLOBAL_DEFAULT)) {
		free(m);
		snprintf(err, errlen, "cannot start libcurl");
		return -ENOMEM;
	}
	m->url = d->conf.smtp;
	m->from = d->conf.smtp_from;
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->cond, NULL);
	if (pthread_create(&m->thread, NULL, sender, m)) {
		snprintf(err, errlen, "cannot start the mail thread");
		curl_global_cleanup();
		free(m);
		return -EAGAIN;
	}
	d->email = m;
	return 0;
}

void dird_email_free(struct dird *d)
{
	struct dird_email *m = d->email;

	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	m->stop = true;
	pthread_cond_signal(&m->cond);
	pthread_mutex_unlock(&m->lock);
	pthread_join(m->thread, NULL);
	pthread_mutex_destroy(&m->lock);
	pthread_cond_destroy(&m->cond);
	OPENSSL_cleanse(m->codes, sizeof(m->codes));
	free(m);
	curl_global_cleanup();
	d->email = NULL;
}

/* CODE_DIGITS uniform decimal digits (bytes of 250 and above redrawn). */
static int random_digits(char *out)
{
	uint8_t b[2 * CODE_DIGITS];
	unsigned int i, n = 0;

	while (n < CODE_DIGITS) {
		if (RAND_bytes(b, sizeof(b)) != 1)
			return -EIO;
		for (i = 0; i < sizeof(b) && n < CODE_DIGITS; i++)
			if (b[i] < 250)
				out[n++] = '0' + b[i] % 10;
	}
	OPENSSL_cleanse(b, sizeof(b));
	return 0;
}

void dird_api_register_code(struct dird *d, struct evhttp_request *req,
			    const char *body, size_t len)
{
	static const char *const known[] = { "handle", NULL };
	struct dird_email *m = d->email;
	uint64_t now = dird_now_ms();
	char err[256], digits[CODE_DIGITS];
	struct dird_account a;
	const char *handle, *why;
	json_error_t jerr;
	struct code *c;
	json_t *o;

	if (!m) {
		dird_error(req, 404, "not-found",
			   "this directory registers by invite, not by email");
		return;
	}
	o = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!o) {
		dird_error(req, 400, "bad-request", "body: not JSON: %s",
			   jerr.text);
		return;
	}
	if (dirjson_only(o, "body", known, err, sizeof(err))) {
		dird_error(req, 400, "bad-request", "%s", err);
		goto out;
	}
	handle = json_string_value(json_object_get(o, "handle"));
	why = handle ? handle_why(handle) : "is missing or not a string";
	if (why) {
		dird_error(req, 400, "bad-request", "body.handle %s", why);
		goto out;
	}
	if (!dird_store_account_get(d->store, handle, &a)) {
		dird_error(req, 409, "handle-taken",
			   "the handle is registered already");
		goto out;
	}
	if (dird_rate_change(d->rate, dird_source(req), handle)) {
		dird_error(req, 429, "rate-limited",
			   "too many codes asked for from this source or for this handle");
		goto out;
	}
	if (random_digits(digits)) {
		dird_error(req, 500, "internal", "no randomness");
		goto out;
	}
	pthread_mutex_lock(&m->lock);
	if (m->len == MAIL_QUEUE) {
		pthread_mutex_unlock(&m->lock);
		dird_error(req, 429, "rate-limited",
			   "too many codes on their way; try again shortly");
		goto out;
	}
	c = code_slot(m, handle, now);
	snprintf(c->handle, sizeof(c->handle), "%s", handle);
	memcpy(c->code, digits, CODE_DIGITS);
	c->code[CODE_DIGITS] = '\0';
	c->expires_ms = now + CODE_TTL_MS;
	c->tries = 0;
	snprintf(m->queue[(m->head + m->len) % MAIL_QUEUE].to, HANDLE_MAX + 1,
		 "%s", handle);
	memcpy(m->queue[(m->head + m->len) % MAIL_QUEUE].code, c->code,
	       sizeof(c->code));
	m->len++;
	pthread_cond_signal(&m->cond);
	pthread_mutex_unlock(&m->lock);
	OPENSSL_cleanse(digits, sizeof(digits));
	dird_reply(req, 202, json_pack("{s:s, s:i}", "handle", handle,
				       "expires_in", CODE_TTL_MS / 1000));
out:
	json_decref(o);
}

int dird_email_check(struct dird *d, const char *handle, const char *code)
{
	struct dird_email *m = d->email;
	uint64_t now = dird_now_ms();
	struct code *c;
	int ok;

	if (!m)
		return -ENOENT;
	c = code_find(m, handle);
	if (!c || c->expires_ms <= now || c->tries >= CODE_TRIES ||
	    strlen(code) != CODE_DIGITS)
		return -ENOENT;
	c->tries++;
	ok = !CRYPTO_memcmp(c->code, code, CODE_DIGITS);
	if (ok)
		memset(c, 0, sizeof(*c));	/* used up */
	return ok ? 0 : -ENOENT;
}
