// SPDX-License-Identifier: GPL-2.0
/*
 * ternctl dir register | code | devices: the commands that change an
 * account (Documentation/directory.rst, "Calls"). Changes are signed
 * envelopes over the payload's exact bytes, made with the account key;
 * each is checked afterwards with a verified lookup, so the command
 * reports what the directory shows, proofs and all, not what it said.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "b64.h"
#include "dir.h"
#include "dirjson.h"
#include "entry.h"
#include "handle.h"
#include "hex.h"
#include "ident.h"

static EVP_PKEY *account_key(const struct dir_opts *o, const char *prog,
			     bool create, int *status)
{
	char err[512];
	EVP_PKEY *k;

	if (!o->account_key) {
		*status = ternctl_usage(prog, "needs --account-key FILE");
		return NULL;
	}
	k = ident_load_or_create(o->account_key, create, err, sizeof(err));
	if (!k)
		*status = ternctl_error("%s", err);
	return k;
}

static int handle_ok(const char *prog, const char *handle)
{
	const char *why = handle_why(handle);

	return why ? ternctl_usage(prog, "the handle %s", why) : 0;
}

int dir_register_run(int argc, char **argv)
{
	struct lookup_result *r = calloc(1, sizeof(*r));
	struct lookup_pins pins = { 0 };
	uint8_t pub[ENTRY_KEY_LEN];
	struct dirc_answer a = { 0 };
	EVP_PKEY *key = NULL;
	json_t *p = NULL;
	char *body = NULL;
	struct dir_opts o;
	int first, status;

	first = dir_opts(argc, argv, dir_cmd_named("register"), &o, &status);
	if (first < 0)
		goto out;
	if (first != argc - 1) {
		status = ternctl_usage(argv[0], "one handle, please");
		goto out;
	}
	status = handle_ok(argv[0], argv[first]);
	if (status)
		goto out;
	if (!o.invite == !o.email_code) {
		status = ternctl_usage(argv[0],
				       "needs --invite CODE or --email-code CODE");
		goto out;
	}
	key = account_key(&o, argv[0], true, &status);
	if (!key || !r)
		goto out;
	status = dir_load_pins(&o, &pins);
	if (status)
		goto out;
	ident_pub(key, pub);
	p = json_pack("{s:s, s:s, s:o, s:s}", "op", "register",
		      "handle", argv[first],
		      "account_key", dirjson_bytes(pub, sizeof(pub)),
		      o.invite ? "invite" : "email_code",
		      o.invite ? o.invite : o.email_code);
	body = p ? dirc_envelope(key, p) : NULL;
	if (!body) {
		status = ternctl_error("cannot sign the request");
		goto out;
	}
	status = dir_http(&o, "POST", "/v1/register", body, strlen(body), &a);
	if (status)
		goto out;
	status = dir_verified_lookup(&o, &pins, argv[first], r);
	if (status)
		goto out;
	if (!r->present || memcmp(r->entry.account_key, pub, sizeof(pub))) {
		fprintf(stderr, "ternctl: ALARM: account-key: the directory said yes but shows %s %s\n",
			argv[first], r->present ? "with another account key" :
			"as not registered");
		status = EXIT_ALARM;
		goto out;
	}
	printf("%s: registered to this account key (verified under head %llu)\n",
	       argv[first], (unsigned long long)r->head.size);
out:
	json_decref(p);
	free(body);
	free(a.buf);
	free(r);
	EVP_PKEY_free(key);
	dir_pins_free(&pins);
	dir_opts_free(&o);
	return status;
}

int dir_code_run(int argc, char **argv)
{
	struct dirc_answer a = { 0 };
	json_t *p = NULL;
	char *body = NULL;
	struct dir_opts o;
	int first, status;

	first = dir_opts(argc, argv, dir_cmd_named("code"), &o, &status);
	if (first < 0)
		goto out;
	if (first != argc - 1) {
		status = ternctl_usage(argv[0], "one handle, please");
		goto out;
	}
	status = handle_ok(argv[0], argv[first]);
	if (status)
		goto out;
	p = json_pack("{s:s}", "handle", argv[first]);
	body = p ? json_dumps(p, JSON_COMPACT) : NULL;
	if (!body) {
		status = ternctl_error("out of memory");
		goto out;
	}
	status = dir_http(&o, "POST", "/v1/register/code", body, strlen(body),
			  &a);
	if (!status)
		printf("%s: a code is on its way to that address, good for 15 minutes\n",
		       argv[first]);
out:
	json_decref(p);
	free(body);
	free(a.buf);
	dir_opts_free(&o);
	return status;
}

int dir_devices_run(int argc, char **argv)
{
	struct lookup_result *r = calloc(1, sizeof(*r));
	struct lookup_pins pins = { 0 };
	uint8_t id[ENTRY_ID_LEN];
	struct dirc_answer a = { 0 };
	EVP_PKEY *key = NULL;
	char path[512], *body = NULL, *esc = NULL;
	const char *handle, *dev = NULL;
	json_t *p = NULL;
	struct dir_opts o;
	int first, status;
	unsigned int i;

	first = dir_opts(argc, argv, dir_cmd_named("devices"), &o, &status);
	if (first < 0)
		goto out;
	if (first == argc - 3 && !strcmp(argv[first + 1], "remove")) {
		dev = argv[first + 2];
	} else if (first != argc - 1) {
		status = ternctl_usage(argv[0],
				       "HANDLE, or HANDLE remove DEVICE-ID");
		goto out;
	}
	handle = argv[first];
	status = handle_ok(argv[0], handle);
	if (status)
		goto out;
	if (dev && (strlen(dev) != 2 * ENTRY_ID_LEN ||
		    strspn(dev, "0123456789abcdef") != 2 * ENTRY_ID_LEN ||
		    hex_decode(dev, id, ENTRY_ID_LEN))) {
		status = ternctl_usage(argv[0],
				       "'%s' is not a device id (32 lowercase hex digits)",
				       dev);
		goto out;
	}
	if (dev) {
		key = account_key(&o, argv[0], false, &status);
		if (!key)
			goto out;
	}
	if (!r) {
		status = ternctl_error("out of memory");
		goto out;
	}
	status = dir_load_pins(&o, &pins);
	if (!status)
		status = dir_verified_lookup(&o, &pins, handle, r);
	if (status || !dev) {
		if (!status)
			dir_print_lookup(&o, handle, r);
		goto out;
	}
	if (!r->present) {
		status = ternctl_error("%s is not registered", handle);
		goto out;
	}
	/* The next seq comes from what the directory proved, not said. */
	p = json_pack("{s:s, s:s, s:I, s:s}", "op", "remove-device",
		      "handle", handle, "seq", (json_int_t)(r->entry.seq + 1),
		      "device_id", dev);
	body = p ? dirc_envelope(key, p) : NULL;
	esc = curl_easy_escape(NULL, handle, 0);
	if (!body || !esc) {
		status = ternctl_error("cannot sign the request");
		goto out;
	}
	snprintf(path, sizeof(path), "/v1/accounts/%s/devices/%s", esc, dev);
	status = dir_http(&o, "DELETE", path, body, strlen(body), &a);
	if (!status)
		status = dir_verified_lookup(&o, &pins, handle, r);
	if (status)
		goto out;
	for (i = 0; i < r->entry.ndev; i++) {
		if (!memcmp(r->entry.dev[i].id, id, ENTRY_ID_LEN)) {
			fprintf(stderr, "ternctl: ALARM: the directory said the device was removed but still shows it\n");
			status = EXIT_ALARM;
			goto out;
		}
	}
	printf("%s: device %s removed (verified under head %llu)\n", handle,
	       dev, (unsigned long long)r->head.size);
out:
	curl_free(esc);
	json_decref(p);
	free(body);
	free(a.buf);
	free(r);
	EVP_PKEY_free(key);
	dir_pins_free(&pins);
	dir_opts_free(&o);
	return status;
}
