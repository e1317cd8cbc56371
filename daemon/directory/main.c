// SPDX-License-Identifier: GPL-2.0
/*
 * tern-directoryd: start-up, the actions (--add-invites, --show-keys),
 * the event loop, signals and the head refresh timer, and logging.
 *
 * The log says what the directory does (started, epochs, store errors),
 * never who looked up what: no handle, address or key of a lookup is ever
 * given to dird_log().
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>
#include <openssl/x509.h>

#include "b64.h"
#include "dird.h"
#include "hex.h"
#include "store.h"
#include "tls.h"

#define ERRLEN	512

int dird_verbose;

void dird_log(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > DIRD_INFO + dird_verbose)
		return;
	fputs("tern-directoryd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int add_invites(struct dird *d)
{
	uint8_t raw[10];
	char code[HEX_LEN(sizeof(raw))];
	uint32_t i;
	int ret;

	ret = dird_store_begin(d->store);
	for (i = 0; !ret && i < d->conf.add_invites; i++) {
		if (RAND_bytes(raw, sizeof(raw)) != 1) {
			ret = -EIO;
			break;
		}
		hex_encode(raw, sizeof(raw), code);
		ret = dird_store_invite_add(d->store, code);
		if (!ret)
			printf("%s\n", code);
	}
	ret = dird_store_end(d->store, ret);
	if (ret)
		fprintf(stderr, "tern-directoryd: cannot add invites: %s\n",
			dird_store_error(d->store));
	return ret;
}

static int show_keys(struct dird *d)
{
	uint8_t pub[ENTRY_KEY_LEN], *der = NULL;
	size_t len = sizeof(pub);
	char *b;
	int dlen;

	dlen = i2d_PUBKEY(d->vrf_key, &der);
	if (dlen <= 0 ||
	    !EVP_PKEY_get_raw_public_key(d->head_key, pub, &len)) {
		OPENSSL_free(der);
		fprintf(stderr, "tern-directoryd: cannot encode the keys\n");
		return -EIO;
	}
	b = malloc(B64_LEN(dlen) + 1);
	if (!b) {
		OPENSSL_free(der);
		return -ENOMEM;
	}
	b64_encode(der, dlen, b);
	printf("vrf-key = %s\n", b);
	b64_encode(pub, len, b);
	printf("head-key = %s\n", b);
	free(b);
	OPENSSL_free(der);
	return 0;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct dird *d = arg;

	(void)what;
	dird_log(DIRD_INFO, "%s: stopping", strsignal(sig));
	event_base_loopbreak(d->base);
}

static void on_refresh(evutil_socket_t fd, short what, void *arg)
{
	struct dird *d = arg;

	(void)fd;
	(void)what;
	if (dird_misbehave_frozen(d))
		return;
	if (dird_kt_refresh_head(d))
		dird_log(DIRD_ERR, "cannot sign a fresh head");
}

static int serve(struct dird *d)
{
	struct timeval tv = {
		.tv_sec = d->conf.head_refresh_ms / 1000,
		.tv_usec = d->conf.head_refresh_ms % 1000 * 1000,
	};
	char err[ERRLEN];
	int ret;

	d->tls = tls_https_server_ctx(d->conf.cert, d->conf.key, err,
				      sizeof(err));
	if (!d->tls) {
		fprintf(stderr, "tern-directoryd: %s\n", err);
		return -EINVAL;
	}
	if (d->conf.registration == DIRD_REG_EMAIL) {
		ret = dird_email_init(d, err, sizeof(err));
		if (ret) {
			fprintf(stderr, "tern-directoryd: %s\n", err);
			return ret;
		}
	}
	d->rate = dird_rate_new(&d->conf);
	d->base = event_base_new();
	if (!d->rate || !d->base) {
		fprintf(stderr, "tern-directoryd: out of memory\n");
		return -ENOMEM;
	}
	ret = dird_http_init(d, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "tern-directoryd: %s\n", err);
		return ret;
	}
	d->refresh = event_new(d->base, -1, EV_PERSIST, on_refresh, d);
	d->sig_ev[0] = evsignal_new(d->base, SIGINT, on_signal, d);
	d->sig_ev[1] = evsignal_new(d->base, SIGTERM, on_signal, d);
	if (!d->refresh || !d->sig_ev[0] || !d->sig_ev[1] ||
	    event_add(d->refresh, &tv) || event_add(d->sig_ev[0], NULL) ||
	    event_add(d->sig_ev[1], NULL)) {
		fprintf(stderr, "tern-directoryd: cannot set up events\n");
		return -ENOMEM;
	}
	dird_log(DIRD_INFO, "ready: %zu handles, log size %llu",
		 kt_map_count(d->kt.map), (unsigned long long)d->kt.head.size);
	return event_base_dispatch(d->base) < 0 ? -EIO : 0;
}

static void dird_free(struct dird *d)
{
	int i;

	if (d->http)
		evhttp_free(d->http);
	for (i = 0; i < 2; i++)
		if (d->sig_ev[i])
			event_free(d->sig_ev[i]);
	if (d->refresh)
		event_free(d->refresh);
	if (d->base)
		event_base_free(d->base);
	dird_email_free(d);
	SSL_CTX_free(d->tls);
	dird_rate_free(d->rate);
#ifdef TERN_DIRD_MISBEHAVE
	dird_misbehave_free(d);
#endif
	dird_kt_free(&d->kt);
	dird_store_close(d->store);
	EVP_PKEY_free(d->head_key);
	EVP_PKEY_free(d->vrf_key);
	dird_conf_free(&d->conf);
}

int main(int argc, char **argv)
{
	struct dird d = { 0 };
	char err[ERRLEN];
	int ret;

	signal(SIGPIPE, SIG_IGN);
	dird_conf_defaults(&d.conf);
	ret = dird_conf_parse(&d.conf, argc, argv);
	if (ret) {
		dird_conf_free(&d.conf);
		return ret > 0 ? 0 : 2;
	}
	dird_verbose = d.conf.verbose;
	ret = dird_store_open(&d.store, d.conf.data, err, sizeof(err));
	if (!ret)
		ret = dird_keys_load(&d, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "tern-directoryd: %s\n", err);
		goto out;
	}
	if (d.conf.add_invites) {
		ret = add_invites(&d);
		goto out;
	}
	if (d.conf.show_keys) {
		ret = show_keys(&d);
		goto out;
	}
	ret = dird_kt_load(&d, err, sizeof(err));
#ifdef TERN_DIRD_MISBEHAVE
	if (!ret && d.conf.misbehave) {
		ret = dird_misbehave_init(&d, d.conf.misbehave, err,
					  sizeof(err));
		if (!ret)
			dird_log(DIRD_INFO, "MISBEHAVING: %s", d.conf.misbehave);
	}
#endif
	if (ret) {
		fprintf(stderr, "tern-directoryd: %s\n", err);
		goto out;
	}
	ret = serve(&d);
out:
	dird_free(&d);
	return ret ? 1 : 0;
}
